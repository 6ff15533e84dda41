//! `mammo explain`: Grad-CAM of one patch, where the run's model looked; writes a PNG of the patch
//! beside its heat-map overlay.
use crate::choices::SetArg;
use crate::output::print_json;
use mammo::Dataset;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    run: PathBuf,
    #[arg(long, value_enum, ignore_case = true, default_value = "test")]
    set: SetArg,
    /// Row of the abnormality patch in that set's source file (as in predictions.csv).
    #[arg(long)]
    index: usize,
    #[arg(long)]
    out: PathBuf,
    /// Dataset (default: the one the run was trained on).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Print what was explained (row, labels, probability, the PNG's path) as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let mut run = mammo::experiment::run::load(&a.run)?;
    let cfg = run.config.clone();
    let ds = Dataset::load(a.data.as_ref().unwrap_or(&cfg.data.dir))?;
    let rd = mammo::train::prepare(&cfg, &ds)?;
    let (pset, set_name) = match a.set {
        SetArg::Test => (
            rd.test_set
                .as_ref()
                .ok_or_else(|| mammo::Error::invalid("set", "the dataset has no test set"))?,
            "test",
        ),
        SetArg::Validation => (&rd.train_set, "validation"),
    };
    let index = a.index;
    if index >= pset.len() {
        return mammo::error::invalid(
            "index",
            format!(
                "{index} is beyond the {} images of the {set_name} file",
                pset.len()
            ),
        );
    }
    if rd.held_out.is_some()
        && matches!(a.set, SetArg::Test)
        && !rd.test.iter().any(|s| s.row == index)
    {
        return mammo::error::invalid(
            "index",
            format!("row {index} is not in the test set this run held out of its dataset (it has no test file): the test rows are listed in predictions.csv (set test)"),
        );
    }
    if pset.paired && index.is_multiple_of(2) {
        return mammo::error::invalid("index", format!("{index} is a baseline row: abnormality patches are at odd rows (as in predictions.csv)"));
    }
    let sample = mammo::Sample {
        row: index,
        label: cfg.data.task.relabel(pset.labels[index])?,
    };
    let thr = match a.set {
        SetArg::Test => run.metrics.test.as_ref().and_then(|m| m.threshold),
        SetArg::Validation => run.metrics.validation.threshold,
    }
    .unwrap_or(0.5);
    let model = run.load_model()?;
    let cam = mammo::eval::gradcam::grad_cam_at(model, pset, sample, thr)?;
    let png = mammo::eval::gradcam::side_by_side_png(pset, &cam)?;
    png.save(&a.out)?;
    let names = cfg.data.class_names();
    let name = |k: u8| names.get(k as usize).map_or("?", String::as_str);
    if a.json {
        return print_json(&serde_json::json!({
            "out": a.out,
            "set": set_name,
            "row": index,
            "label": name(cam.label),
            "predicted": name(cam.predicted),
            "probability": cam.probability,
            "threshold": thr,
        }));
    }
    println!(
        "wrote {}: row {index}, true {}, predicted {} (p = {:.3})",
        a.out.display(),
        name(cam.label),
        name(cam.predicted),
        cam.probability
    );
    Ok(())
}
