//! `mammo weights`: ImageNet weights for the frozen backbones from files users already have.
use crate::choices::{BackboneArg, Setting};
use crate::output::print_json;
use mammo::models::backbones::{torchvision, BackboneKind};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// Convert torchvision's checkpoint (vgg16-397923af.pth, inception_v3_google-0cc3c7bd.pth, as
    /// in the torch hub cache) into mammo's weights file, checking the hash in its name.
    Import(ImportArgs),
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// The torchvision .pth file (zip or legacy container).
    file: PathBuf,
    /// Which backbone [default: from the file's name, else its tensor names].
    #[arg(long, value_enum, ignore_case = true)]
    model: Option<BackboneArg>,
    /// Where to write [default: data/weights/vgg16.safetensors or inception_v3.safetensors].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print the result as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Cmd) -> mammo::Result<()> {
    match cmd {
        Cmd::Import(a) => import(a),
    }
}

fn import(a: ImportArgs) -> mammo::Result<()> {
    let t0 = std::time::Instant::now();
    let kind = a
        .model
        .map(|m| BackboneKind::parse(m.setting()))
        .transpose()?;
    let root = mammo::runtime::profile::project_root();
    let w = torchvision::import_torchvision(&a.file, kind, &root, a.out.as_deref())?;
    if a.json {
        return print_json(&serde_json::json!({
            "backbone": w.kind.name(),
            "source": w.source,
            "source_sha256": w.source_sha256,
            "hash_checked": w.hash_checked,
            "out": w.out,
            "tensors": w.tensors,
            "loaded": w.loaded,
            "seconds": t0.elapsed().as_secs_f64(),
        }));
    }
    println!(
        "wrote {} ({} weights: {} tensors, {} backbone variables loaded) from {} in {:.1} s",
        w.out.display(),
        w.kind.name(),
        w.tensors,
        w.loaded,
        w.source.display(),
        t0.elapsed().as_secs_f64()
    );
    if w.hash_checked {
        println!(
            "sha256 {} matches the prefix in the file name",
            &w.source_sha256[..16]
        );
    } else {
        println!(
            "note: the file name carries no hash prefix; sha256 {} not checked",
            &w.source_sha256[..16]
        );
    }
    Ok(())
}
