//! `mammo inspect`: check a dataset; per-label and per-task counts and pixel statistics.
use crate::output::print_json;
use mammo::Dataset;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A dataset folder (four course files, or the MIAS pair files).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Explicit image file (with --labels) instead of a folder.
    #[arg(long, requires = "labels", conflicts_with = "data")]
    images: Option<PathBuf>,
    #[arg(long, requires = "images")]
    labels: Option<PathBuf>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let ds = match (a.data, a.images, a.labels) {
        (Some(d), _, _) => Dataset::load(d)?,
        (None, Some(i), Some(l)) => Dataset::from_files(i, l)?,
        _ => Dataset::load(mammo::runtime::profile::data_dir())?,
    };
    let s = mammo::data::inspect::summarize(&ds);
    if a.json {
        print_json(&s)
    } else {
        println!("{s}");
        // What runs record as the data they were trained on (config.json's provenance).
        let t = std::time::Instant::now();
        let f = mammo::data::fingerprint::DataFingerprint::of(&ds);
        println!(
            "fingerprint {} (computed in {:.2} s)",
            f.label(),
            t.elapsed().as_secs_f64()
        );
        Ok(())
    }
}
