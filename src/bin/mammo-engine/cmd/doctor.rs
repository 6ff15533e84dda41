//! `mammo doctor`: versions, libtorch, CUDA devices, threads and the datasets found under data/.
use crate::output::print_json;

#[derive(clap::Args)]
pub struct Args {
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let rep = mammo::runtime::doctor::report();
    let data = mammo::runtime::profile::project_root().join("data");
    let found = mammo::data::inspect::find_datasets(&data);
    if a.json {
        print_json(&serde_json::json!({ "environment": rep, "datasets": found }))?;
    } else {
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
