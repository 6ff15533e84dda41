//! `mammo doctor`: versions, libtorch, CUDA devices, threads and the datasets found under data/.
use crate::output::print_json;

#[derive(clap::Args)]
pub struct Args {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Where each backbone's ImageNet weights come from: mammo's file, torchvision's in a torch hub
/// cache (converted on first use), or nowhere (random weights). Looks only; converts nothing.
fn weights_status(root: &std::path::Path) -> Vec<serde_json::Value> {
    use mammo::models::backbones::{default_weights_path, torchvision, BackboneKind};
    [BackboneKind::Vgg16, BackboneKind::InceptionV3]
        .into_iter()
        .map(|kind| {
            let own = default_weights_path(root, kind);
            let (status, file) = if own.is_file() {
                (format!("{} (loaded by default)", own.display()), Some(own))
            } else if let Some(hub) = torchvision::find_in_torch_hub(kind) {
                (format!("torchvision's {} in the torch hub cache: converted to {} on first use (or: mammo weights import)", hub.display(), own.display()), Some(hub))
            } else {
                (format!("none: RANDOM backbone (put torchvision's {} in ~/.cache/torch/hub/checkpoints, or run mammo weights import FILE)", torchvision::torchvision_file_name(kind)), None)
            };
            serde_json::json!({ "backbone": kind.name(), "file": file, "status": status })
        })
        .collect()
}

pub fn run(a: Args) -> mammo::Result<()> {
    let rep = mammo::runtime::doctor::report();
    let data = mammo::runtime::profile::project_root().join("data");
    let found = mammo::data::inspect::find_datasets(&data);
    let weights = weights_status(&mammo::runtime::profile::project_root());
    if a.json {
        print_json(
            &serde_json::json!({ "environment": rep, "datasets": found, "weights": weights }),
        )?;
    } else {
        println!("ImageNet weights:");
        for w in &weights {
            println!(
                "  {}: {}",
                w["backbone"].as_str().unwrap_or(""),
                w["status"].as_str().unwrap_or("")
            );
        }
        println!("{rep}");
        println!("datasets under {}:", data.display());
        if found.is_empty() {
            println!("  none (generate the default with `mammo synth --out data/synthetic`)");
        }
        for d in &found {
            println!("  {d}");
        }
    }
    if rep.libtorch_dir.is_none() {
        return Err(mammo::Error::Other(
            "libtorch could not be located: run `make setup`".into(),
        ));
    }
    Ok(())
}
