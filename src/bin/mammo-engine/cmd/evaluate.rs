//! `mammo evaluate`: recompute a run's metrics.json, or predict again on a dataset (`--data`,
//! optionally with test-time augmentation) and rewrite predictions.csv and metrics.json.
use crate::output::print_json_text;
use mammo::Dataset;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    run: PathBuf,
    /// Predict again with the saved model on this dataset.
    #[arg(long)]
    data: Option<PathBuf>,
    /// Test-time augmentation: average over the 8 flips/rotations (needs --data).
    #[arg(long, requires = "data")]
    tta: bool,
    /// Print the metrics (metrics.json) on stdout instead of the report.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let mut run = mammo::experiment::run::load(&a.run)?;
    // The backbone weights the run was trained with, as recorded; else (a run saved before they
    // were recorded) those of the model loaded now for --data.
    let mut weights = mammo::eval::read_weights(&a.run)?;
    let preds = match &a.data {
        Some(d) => {
            let ds = Dataset::load(d)?;
            // Predicting again rewrites the run's own predictions and metrics: only on the data
            // it was trained on (its validation split is cut from that data's training set).
            mammo::experiment::run::require_same_provenance(
                &run.config,
                &ds,
                d,
                &format!("not the data of run {}", a.run.display()),
                "evaluate a run on the data it was trained on",
            )?;
            let data = mammo::train::prepare(&run.config, &ds)?;
            run.load_model()?;
            let model = run
                .model
                .take()
                .ok_or_else(|| mammo::Error::Other("model not loaded".into()))?;
            if weights.is_none() {
                weights = mammo::experiment::run::model_weights(&model)?;
            }
            let t = mammo::train::Trained {
                config: run.config.clone(),
                model,
                history: Default::default(),
                data,
                seconds: 0.0,
            };
            mammo::eval::predict_run(&t, a.tta)?
        }
        None => run.predictions.clone(),
    };
    let m = mammo::eval::metrics_from_predictions(
        &preds,
        run.config.optim.threshold,
        run.config.runtime.seed,
    )?;
    mammo::eval::write_run(
        &a.run,
        &run.config,
        run.history.as_ref(),
        &preds,
        &m,
        weights.as_ref(),
    )?;
    run.metrics = m;
    run.predictions = preds;
    if a.json {
        print_json_text(&mammo::eval::metrics_json(
            &run.config,
            &run.metrics,
            weights.as_ref(),
        )?);
    } else {
        println!("{}", run.report());
    }
    Ok(())
}
