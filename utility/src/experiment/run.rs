//! Runs end to end: train a configuration on a dataset, evaluate it, save the run folder; load
//! it back; show its curves, confusion matrices and table row.
use crate::data::dataset::Dataset;
use crate::display::Figure;
use crate::error::{Error, Result};
use crate::eval::{self, Predictions, RunMetrics, SavedRun, SetMetrics, ThresholdChoice};
use crate::models::pretrained::WeightsRecord;
use crate::report::table::ExperimentRow;
use crate::train::config::{Provenance, SameProvenance, TrainConfig};
use crate::train::{self, Classifier, History};
use std::path::{Path, PathBuf};

/// A finished run: its configuration, history, predictions and metrics, and (when trained in
/// this session or loaded on request) its model.
#[derive(Debug)]
pub struct Run {
    pub dir: Option<PathBuf>,
    pub config: TrainConfig,
    pub history: Option<History>,
    pub predictions: Predictions,
    pub metrics: RunMetrics,
    pub seconds: f64,
    pub model: Option<Classifier>,
    /// For an ensemble: the names of its members.
    pub members: Vec<String>,
}

/// Whether an existing run folder may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    No,
    Yes,
}

/// Train `cfg` on `ds` and save the run in `runs/<cfg.name>` (`runs = None`: keep it in memory).
pub fn train(
    cfg: &TrainConfig,
    ds: &Dataset,
    runs: Option<&Path>,
    overwrite: Overwrite,
) -> Result<Run> {
    train_with_progress(cfg, ds, runs, overwrite, None)
}

/// [`train()`], reporting progress to a callback (the CLI's progress bar) instead of printing a
/// line per epoch.
pub fn train_with_progress(
    cfg: &TrainConfig,
    ds: &Dataset,
    runs: Option<&Path>,
    overwrite: Overwrite,
    progress: Option<train::Progress>,
) -> Result<Run> {
    let cfg = &cfg.for_dataset(ds)?;
    cfg.validate()?;
    let provenance = Provenance::of(cfg, ds)?;
    train_as(cfg, ds, runs, overwrite, progress, provenance)
}

/// [`train_with_progress`] with what it trains on already known: the run's configuration
/// records it.
fn train_as(
    cfg: &TrainConfig,
    ds: &Dataset,
    runs: Option<&Path>,
    overwrite: Overwrite,
    progress: Option<train::Progress>,
    provenance: Provenance,
) -> Result<Run> {
    let mut cfg = cfg.resolved()?;
    cfg.provenance = Some(provenance);
    let cfg = &cfg;
    let dir = match runs {
        Some(r) => {
            let d = train::run_dir(r, &cfg.name)?;
            if d.join("config.json").exists() && overwrite == Overwrite::No {
                let hint = if train::has_checkpoint(&d) && !d.join("metrics.json").exists() {
                    "an interrupted run is there: continue it (--resume), choose another name, or overwrite it (--force)"
                } else {
                    "run folder exists: choose another name, or overwrite it (--force)"
                };
                return Err(Error::bad_file(&d, hint));
            }
            std::fs::create_dir_all(&d).map_err(|e| Error::io(&d, e))?;
            // A new run replaces every file of the old one; the configuration goes first, so an
            // interrupted run can be resumed from its folder alone.
            for f in [
                "metrics.json",
                "predictions.csv",
                "history.csv",
                "model.safetensors",
                train::CHECKPOINT,
            ] {
                let p = d.join(f);
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?;
                }
            }
            eval::write_config(&d, cfg)?;
            Some(d)
        }
        None => None,
    };
    let trained =
        train::prepare(cfg, ds).and_then(|data| train::fit(cfg, data, dir.as_deref(), progress));
    match trained {
        Ok(t) => finish(t, dir),
        Err(e) => {
            // A run that failed before its first epoch leaves nothing behind (no folder that a
            // second try would have to --force).
            if let Some(d) = &dir {
                if !train::has_checkpoint(d) {
                    let _ = std::fs::remove_file(d.join("config.json"));
                    let _ = std::fs::remove_dir(d);
                }
            }
            Err(e)
        }
    }
}

/// Continue an interrupted run in `dir` from its checkpoint (its saved configuration and data
/// folder are used); the result equals the uninterrupted run's on the CPU.
pub fn resume(dir: impl AsRef<Path>) -> Result<Run> {
    resume_with_progress(dir, None)
}

/// [`resume`], reporting progress to a callback.
pub fn resume_with_progress(
    dir: impl AsRef<Path>,
    progress: Option<train::Progress>,
) -> Result<Run> {
    let dir = dir.as_ref();
    let cfg = eval::read_config(dir)?;
    if dir.join("metrics.json").exists() {
        return Err(Error::bad_file(
            dir,
            "this run finished already (metrics.json is there): nothing to resume",
        ));
    }
    cfg.validate()?;
    let ds = Dataset::load(&cfg.data.dir)?;
    require_same_provenance(
        &cfg,
        &ds,
        dir,
        "cannot resume this run",
        "train it again (--force) instead",
    )?;
    resume_with(&cfg, &ds, dir, progress)
}

/// For a command that continues or rewrites a saved run and cannot train it again (`--resume`,
/// `evaluate --data`): an error naming `path` when `ds` (or the backbone weights this machine
/// would load) is not what the run of `cfg` was trained on ("`refused`: why, both fingerprints;
/// `instead`"); a notice when the run was saved before runs recorded it.
pub fn require_same_provenance(
    cfg: &TrainConfig,
    ds: &Dataset,
    path: &Path,
    refused: &str,
    instead: &str,
) -> Result<()> {
    match Provenance::of(cfg, ds)?.compare(cfg.provenance.as_ref()) {
        SameProvenance::Same => Ok(()),
        SameProvenance::Unknown => {
            crate::display::notice(&format!(
                "run {} was saved before runs recorded their data: whether {} is its data is \
                 unknown",
                cfg.name,
                ds.dir.display()
            ));
            Ok(())
        }
        SameProvenance::Differs(why) => Err(Error::bad_file(
            path,
            format!("{refused}: {why}; {instead}"),
        )),
    }
}

fn resume_with(
    cfg: &TrainConfig,
    ds: &Dataset,
    dir: &Path,
    progress: Option<train::Progress>,
) -> Result<Run> {
    let data = train::prepare(cfg, ds)?;
    let trained = train::resume(cfg, data, dir, progress)?;
    finish(trained, Some(dir.to_path_buf()))
}

/// Predict, score and save a trained model (the checkpoint goes once the run is complete).
fn finish(trained: train::Trained, dir: Option<PathBuf>) -> Result<Run> {
    let cfg = &trained.config;
    let predictions = eval::predict_run(&trained, false)?;
    let metrics =
        eval::metrics_from_predictions(&predictions, cfg.optim.threshold, cfg.runtime.seed)?;
    if let Some(d) = &dir {
        let weights = model_weights(&trained.model)?;
        eval::write_run(
            d,
            cfg,
            Some(&trained.history),
            &predictions,
            &metrics,
            weights.as_ref(),
        )?;
        let ckpt = d.join(train::CHECKPOINT);
        if ckpt.exists() {
            std::fs::remove_file(&ckpt).map_err(|e| Error::io(&ckpt, e))?;
        }
    }
    Ok(Run {
        dir,
        config: cfg.clone(),
        history: Some(trained.history),
        predictions,
        metrics,
        seconds: trained.seconds,
        model: Some(trained.model),
        members: Vec::new(),
    })
}

/// The backbone weights a model loaded (pretrained models; `None` for the others), hashed once
/// per process ([`WeightsRecord::of`]).
pub fn model_weights(model: &Classifier) -> Result<Option<WeightsRecord>> {
    model
        .net
        .weights_source()
        .map(WeightsRecord::of)
        .transpose()
}

/// Load a saved run (without its model; see [`Run::load_model`]).
pub fn load(dir: impl AsRef<Path>) -> Result<Run> {
    let s = SavedRun::load(dir)?;
    let metrics = match s.metrics {
        Some(m) => m,
        None => eval::metrics_from_predictions(
            &s.predictions,
            s.config.optim.threshold,
            s.config.runtime.seed,
        )?,
    };
    let seconds = s
        .history
        .as_ref()
        .map(|h| h.epochs.iter().map(|e| e.seconds).sum())
        .unwrap_or(0.0);
    Ok(Run {
        dir: Some(s.dir),
        config: s.config,
        history: s.history,
        predictions: s.predictions,
        metrics,
        seconds,
        model: None,
        members: Vec::new(),
    })
}

/// Reuse the saved run of the same name when its configuration is identical and it was trained
/// on the same data and backbone weights ([`Provenance::compare`]); otherwise train (replacing
/// it), saying why in one line when a run of the same configuration was there. A run saved
/// before runs recorded their data is reused with a notice saying so. This is how later
/// notebooks reuse the models of earlier ones.
pub fn train_or_load(cfg: &TrainConfig, ds: &Dataset, runs: &Path) -> Result<Run> {
    train_or_load_with_progress(cfg, ds, runs, None)
}

/// [`train_or_load`], reporting the training's progress (if it trains) to a callback.
pub fn train_or_load_with_progress(
    cfg: &TrainConfig,
    ds: &Dataset,
    runs: &Path,
    progress: Option<train::Progress>,
) -> Result<Run> {
    let cfg = &cfg.for_dataset(ds)?;
    cfg.validate()?;
    let d = train::run_dir(runs, &cfg.name)?;
    let now = Provenance::of(cfg, ds)?;
    let retrain = |why: &str| {
        crate::display::status(&format!("retraining {}: {why}", d.display()));
    };
    if d.join("metrics.json").exists() && d.join("model.safetensors").exists() {
        if let Ok(r) = load(&d) {
            if cfg.matches_saved(&r.config) {
                match now.compare(r.config.provenance.as_ref()) {
                    SameProvenance::Same => {
                        crate::display::status(&format!("reusing the saved run {}", d.display()));
                        return Ok(r);
                    }
                    SameProvenance::Unknown => {
                        crate::display::notice(&format!(
                            "reusing the saved run {}, saved before runs recorded their data: \
                             which data it was trained on is unknown (delete the folder to \
                             train it again on {})",
                            d.display(),
                            now.data.label()
                        ));
                        return Ok(r);
                    }
                    SameProvenance::Differs(why) => retrain(&why),
                }
            }
        }
    }
    // An interrupted run of the same configuration continues where it stopped, as it began,
    // when it was started on the same data.
    if train::has_checkpoint(&d) && !d.join("metrics.json").exists() {
        if let Ok(saved) = eval::read_config(&d) {
            if cfg.matches_saved(&saved) {
                match now.compare(saved.provenance.as_ref()) {
                    SameProvenance::Differs(why) => retrain(&why),
                    _ => return resume_with(&saved, ds, &d, progress),
                }
            }
        }
    }
    train_as(cfg, ds, Some(runs), Overwrite::Yes, progress, now)
}

impl Run {
    /// Rebuild the model and load its saved weights.
    pub fn load_model(&mut self) -> Result<&Classifier> {
        if self.model.is_none() {
            let dir = self
                .dir
                .as_ref()
                .ok_or_else(|| Error::invalid("run", "in-memory run without a model"))?;
            let device = self.config.runtime.device.resolve()?;
            let mut m = Classifier::build(&self.config, device)?;
            m.load(dir.join("model.safetensors"))?;
            self.model = Some(m);
        }
        self.model
            .as_ref()
            .ok_or_else(|| Error::Other("model not loaded".into()))
    }

    /// The experiment-table row of this run.
    pub fn row(&self) -> ExperimentRow {
        let mut row = ExperimentRow::from_run(
            &self.config,
            self.history.as_ref(),
            &self.metrics,
            self.seconds,
        );
        row.weights = self.weights_label();
        if !self.members.is_empty() {
            row.model = format!("ensemble({})", self.members.join(" + "));
        }
        row
    }

    /// How the threshold was chosen: the policy of the run's configuration and what it did on
    /// validation ([`eval::threshold_choice`]).
    pub fn threshold_choice(&self) -> ThresholdChoice {
        eval::threshold_choice(
            self.config.optim.threshold,
            self.config.data.task,
            &self.metrics.validation,
        )
    }

    /// Which backbone weights this run used (pretrained models): as recorded in its
    /// `metrics.json`, else (a run kept in memory) those its model loaded. `None` for the
    /// scratch and Siamese models, ensembles, and runs saved before weights were recorded.
    pub fn weights(&self) -> Option<WeightsRecord> {
        if !self.config.model.is_pretrained() || !self.members.is_empty() {
            return None;
        }
        if let Some(w) = self
            .dir
            .as_ref()
            .and_then(|d| eval::read_weights(d).ok().flatten())
        {
            return Some(w);
        }
        self.model
            .as_ref()
            .and_then(|m| model_weights(m).ok().flatten())
    }

    /// The `weights` column of the run's table row: [`WeightsRecord::label`] (`vgg16.safetensors
    /// sha256:0123456789ab`, `random initialisation`), `not recorded` for a pretrained run saved
    /// before weights were recorded, `-` for the scratch and Siamese models and ensembles.
    pub fn weights_label(&self) -> String {
        if !self.config.model.is_pretrained() || !self.members.is_empty() {
            return "-".into();
        }
        self.weights()
            .map_or_else(|| "not recorded".into(), |w| w.label())
    }

    /// The same model evaluated with test-time augmentation (probabilities averaged over the 8
    /// flips and 90-degree rotations of each patch): a new in-memory run named `<name>+TTA`,
    /// whose threshold is chosen again on validation. Compare it with
    /// [`crate::experiment::compare::compare_runs`] to see whether TTA helps.
    pub fn with_tta(&mut self, ds: &Dataset) -> Result<Run> {
        let data = train::prepare(&self.config, ds)?;
        self.load_model()?;
        let model = self
            .model
            .take()
            .ok_or_else(|| Error::Other("model not loaded".into()))?;
        let t = train::Trained {
            config: self.config.clone(),
            model,
            history: History::default(),
            data,
            seconds: 0.0,
        };
        let preds = eval::predict_run(&t, true);
        self.model = Some(t.model);
        let predictions = preds?;
        let metrics = eval::metrics_from_predictions(
            &predictions,
            self.config.optim.threshold,
            self.config.runtime.seed,
        )?;
        let mut config = self.config.clone();
        config.name = format!("{}+TTA", self.config.name);
        Ok(Run {
            dir: None,
            config,
            history: self.history.clone(),
            predictions,
            metrics,
            seconds: self.seconds,
            model: None,
            members: Vec::new(),
        })
    }

    /// Grad-CAM overlays on `set` (`validation` or `test`) for one confident correct and one
    /// confident wrong prediction of each class (single-image tasks, binary or more classes;
    /// scratch and pretrained models).
    pub fn explain(&mut self, ds: &Dataset, set: &str) -> Result<Figure> {
        if self.config.data.task.is_pair() {
            return crate::error::invalid(
                "explain",
                "Grad-CAM examples are drawn for the single-image tasks",
            );
        }
        let k = self.config.data.task.n_classes();
        let data = train::prepare(&self.config, ds)?;
        let pset = match set {
            "test" => data
                .test_set
                .as_ref()
                .ok_or_else(|| Error::invalid("set", "the dataset has no test set"))?,
            "validation" => &data.train_set,
            o => {
                return crate::error::invalid("set", format!("'{o}': expected validation or test"))
            }
        };
        // The set's samples and their probabilities (one per sample for two classes, k for more).
        let (mut samples, mut probs) = (Vec::new(), Vec::new());
        for r in self.predictions.rows.iter().filter(|r| r.set == set) {
            samples.push(crate::data::tasks::Sample {
                row: r.index,
                label: r.label,
            });
            probs.extend_from_slice(&r.probs);
        }
        let thr = self.set(set)?.threshold.unwrap_or(0.5);
        let picks = if k == 2 {
            crate::eval::gradcam::pick_examples(&samples, &probs, thr)
        } else {
            crate::eval::gradcam::pick_examples_multi(&samples, &probs, k)
        };
        let model = self.load_model()?;
        let cams = picks
            .iter()
            .map(|&s| crate::eval::gradcam::grad_cam_at(model, pset, s, thr))
            .collect::<Result<Vec<_>>>()?;
        crate::report::figures::cam_figure(
            &format!(
                "Grad-CAM — {} ({set}): a correct and a wrong prediction of each class",
                self.config.name
            ),
            pset,
            &cams,
            &self.config.data.class_names(),
        )
    }
}

/// One line of a report: a set's size and metrics with their 95% intervals; a binary set's F2
/// beside the F2 of calling every case positive (`positive`: class 1's name, e.g. malignant) at
/// its prevalence. A set of more than two classes says what its numbers are: macro F1 and the
/// macro one-vs-rest AUC.
pub(crate) fn set_line(name: &str, m: &SetMetrics, positive: &str) -> String {
    let (f_name, auc_name) = if m.confusion_matrix.len() > 2 {
        ("macro F1", "macro OvR AUC")
    } else {
        ("F2", "AUC")
    };
    format!(
        "{name:<10} n={:<4} acc {:.3} [{:.3}, {:.3}]  {f_name} {:.3} [{:.3}, {:.3}]{}  {auc_name} {:.3} [{:.3}, {:.3}]  loss {:.3}{}",
        m.n,
        m.accuracy,
        m.ci.accuracy[0],
        m.ci.accuracy[1],
        m.f2,
        m.ci.f2[0],
        m.ci.f2[1],
        m.f2_trivial()
            .map(|t| format!(" (everything-{positive} rule: {t:.3})"))
            .unwrap_or_default(),
        m.roc_auc,
        m.ci.roc_auc[0],
        m.ci.roc_auc[1],
        m.loss,
        m.threshold.map(|t| format!("  threshold {t:.3}")).unwrap_or_default()
    )
}

mod ensemble;
mod show;
pub use ensemble::{
    best_member, constant_members, constant_members_note, ensemble, negligible_members,
};

#[cfg(test)]
mod tests;
