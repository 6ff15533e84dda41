//! `mammo ensemble`: the average-voting ensemble of runs (seed §7), scored on the patches every
//! member predicted; writes predictions.csv, metrics.json and ensemble.json.
use crate::output::{print_json_text, write_json};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, num_args = 1.., required = true)]
    runs: Vec<PathBuf>,
    #[arg(long)]
    out: PathBuf,
    #[arg(long)]
    force: bool,
    /// Print the ensemble's metrics (metrics.json) on stdout instead of the report.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    if a.out.join("metrics.json").exists() && !a.force {
        return Err(mammo::Error::bad_file(
            &a.out,
            "output folder holds results already: use --force to replace them",
        ));
    }
    let loaded = a
        .runs
        .iter()
        .map(mammo::experiment::run::load)
        .collect::<mammo::Result<Vec<_>>>()?;
    let preds: Vec<&mammo::eval::Predictions> = loaded.iter().map(|r| &r.predictions).collect();
    let avg = mammo::eval::ensemble(&preds)?;
    let first = &loaded[0].config;
    let m = mammo::eval::metrics_from_predictions(&avg, first.optim.threshold, first.runtime.seed)?;
    std::fs::create_dir_all(&a.out).map_err(|e| mammo::Error::io(&a.out, e))?;
    let mut cfg = first.clone();
    cfg.name = a
        .out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ensemble".into());
    mammo::eval::write_run(&a.out, &cfg, None, &avg, &m, None)?;
    let members: Vec<String> = a.runs.iter().map(|r| r.display().to_string()).collect();
    // What each member was trained on (null for runs saved before runs recorded it).
    let provenance: Vec<serde_json::Value> = loaded
        .iter()
        .zip(&members)
        .map(|(r, m)| serde_json::json!({ "run": m, "provenance": r.config.provenance }))
        .collect();
    let fingerprints: std::collections::BTreeSet<String> = loaded
        .iter()
        .filter_map(|r| r.config.provenance.as_ref().map(|p| p.data.label()))
        .collect();
    if fingerprints.len() > 1 {
        mammo::display::notice(&format!(
            "the members were trained on different data ({}): their average mixes them",
            fingerprints.into_iter().collect::<Vec<_>>().join(" / ")
        ));
    }
    write_json(
        &a.out.join("ensemble.json"),
        &serde_json::json!({ "members": members, "rule": "average of probabilities", "provenance": provenance }),
    )?;
    if a.json {
        print_json_text(&mammo::eval::metrics_json(&cfg, &m, None)?);
        return Ok(());
    }
    let r = mammo::experiment::run::Run {
        dir: Some(a.out.clone()),
        config: cfg,
        history: None,
        predictions: avg,
        metrics: m,
        seconds: 0.0,
        model: None,
        members,
    };
    println!("{}", r.report());
    Ok(())
}
