//! The policies of the fit loop, each a small object: which epoch is best and a copy of its
//! weights ([`BestEpoch`]), when to stop ([`EarlyStop`]), what the run folder receives after each
//! epoch ([`RunFolder`]), and how progress is reported ([`Reporter`]).
use super::checkpoint::{restore, snapshot, write_checkpoint, CheckpointMeta};
use super::classifier::Classifier;
use super::config::{EarlyStopping, Monitor};
use super::history::{EpochStats, History};
use super::optim::Optimizer;
use crate::display::status;
use crate::error::Result;
use std::path::Path;
use tch::{nn, Tensor};

/// Progress reporting of `fit`: a callback (the CLI's progress bar), or, without one, a line
/// per epoch on stdout (what a notebook shows under the cell).
pub type Progress<'a> = &'a mut dyn FnMut(ProgressEvent);

/// What `fit` reports while it runs.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    /// A run continues from its checkpoint after `after_epoch` of `epochs`.
    Resumed { after_epoch: usize, epochs: usize },
    /// A training batch is done.
    Batch {
        epoch: usize,
        batch: usize,
        n_batches: usize,
        loss: f64,
    },
    /// An epoch is done (validated); `improved`: it is the best so far.
    Epoch {
        stats: EpochStats,
        epochs: usize,
        improved: bool,
    },
}

/// Sends [`ProgressEvent`]s to the callback, or prints the notebook's epoch lines.
pub struct Reporter<'a> {
    progress: Option<Progress<'a>>,
    name: String,
    epochs: usize,
}

impl<'a> Reporter<'a> {
    pub fn new(progress: Option<Progress<'a>>, name: &str, epochs: usize) -> Reporter<'a> {
        Reporter {
            progress,
            name: name.to_string(),
            epochs,
        }
    }

    pub fn resumed(&mut self, after_epoch: usize) {
        let epochs = self.epochs;
        match self.progress.as_mut() {
            Some(p) => p(ProgressEvent::Resumed {
                after_epoch,
                epochs,
            }),
            None => status(&format!(
                "resuming {} after epoch {after_epoch} of {epochs}",
                self.name
            )),
        }
    }

    pub fn batch(&mut self, epoch: usize, batch: usize, n_batches: usize, loss: f64) {
        if let Some(p) = self.progress.as_mut() {
            p(ProgressEvent::Batch {
                epoch,
                batch,
                n_batches,
                loss,
            });
        }
    }

    pub fn epoch(&mut self, stats: EpochStats, improved: bool) {
        let epochs = self.epochs;
        match self.progress.as_mut() {
            Some(p) => p(ProgressEvent::Epoch {
                stats,
                epochs,
                improved,
            }),
            None => status(&epoch_line(&stats, epochs, improved)),
        }
    }
}

/// The one-line summary of an epoch (`*`: the best so far).
pub fn epoch_line(s: &EpochStats, epochs: usize, improved: bool) -> String {
    format!(
        "epoch {:>3}/{epochs}  loss {:.4}  acc {:.3}  val_loss {:.4}  val_acc {:.3}  val_auc {:.3}  ({:.1} s){}",
        s.epoch,
        s.train_loss,
        s.train_accuracy,
        s.val_loss,
        s.val_accuracy,
        s.val_roc_auc,
        s.seconds,
        if improved { "  *" } else { "" }
    )
}

/// The best epoch so far by the monitored validation score, and a copy of its weights. The first
/// epoch is the best until one scores higher; a NaN score (a validation set with one class) is
/// beaten by any number.
pub struct BestEpoch {
    monitor: Monitor,
    best: Option<(f64, usize)>,
    weights: Option<Vec<(String, Tensor)>>,
    since_best: usize,
}

impl BestEpoch {
    pub fn new(monitor: Monitor) -> BestEpoch {
        BestEpoch {
            monitor,
            best: None,
            weights: None,
            since_best: 0,
        }
    }

    /// The state a checkpoint recorded (its best weights in `weights`).
    pub(crate) fn restored(
        monitor: Monitor,
        meta: &CheckpointMeta,
        weights: Option<Vec<(String, Tensor)>>,
    ) -> BestEpoch {
        BestEpoch {
            monitor,
            best: meta
                .best_epoch
                .map(|e| (meta.best_score.unwrap_or(f64::NAN), e)),
            weights,
            since_best: meta.since_best,
        }
    }

    /// The monitored score of an epoch (higher is better).
    pub fn score(&self, stats: &EpochStats) -> f64 {
        match self.monitor {
            Monitor::ValLoss => -stats.val_loss,
            Monitor::ValAuc => stats.val_roc_auc,
        }
    }

    /// Record an epoch; `true` when it is the best so far, whose weights are then copied.
    pub fn observe(&mut self, stats: &EpochStats, vs: &nn::VarStore) -> bool {
        let score = self.score(stats);
        let improved = self
            .best
            .is_none_or(|(b, _)| score > b || (b.is_nan() && !score.is_nan()));
        if improved {
            self.best = Some((score, stats.epoch));
            self.since_best = 0;
            self.weights = Some(snapshot(vs));
        } else {
            self.since_best += 1;
        }
        improved
    }

    pub fn epoch(&self) -> Option<usize> {
        self.best.map(|b| b.1)
    }

    /// The best score, `None` before the first epoch or when it is NaN.
    pub fn best_score(&self) -> Option<f64> {
        self.best.and_then(|b| (!b.0.is_nan()).then_some(b.0))
    }

    pub fn since_best(&self) -> usize {
        self.since_best
    }

    pub fn weights(&self) -> &[(String, Tensor)] {
        self.weights.as_deref().unwrap_or(&[])
    }

    /// Put the best epoch's weights back into the model (when there was an epoch).
    pub fn restore_into(&self, vs: &nn::VarStore) {
        if let Some(w) = &self.weights {
            restore(vs, w);
        }
    }
}

/// Early stopping: stop once `patience` epochs in a row did not improve on the best.
#[derive(Debug, Clone, Copy)]
pub struct EarlyStop {
    patience: Option<usize>,
}

impl EarlyStop {
    pub fn new(rule: Option<EarlyStopping>) -> EarlyStop {
        EarlyStop {
            patience: rule.map(|r| r.patience),
        }
    }

    pub fn should_stop(&self, epochs_since_best: usize) -> bool {
        self.patience.is_some_and(|p| epochs_since_best >= p)
    }
}

/// What the run folder receives during training (nothing without one): the best weights
/// (`model.safetensors`) whenever an epoch improves, and `history.csv` and the checkpoint after
/// every epoch, each written atomically.
pub struct RunFolder<'a> {
    dir: Option<&'a Path>,
}

impl<'a> RunFolder<'a> {
    pub fn new(dir: Option<&'a Path>) -> RunFolder<'a> {
        RunFolder { dir }
    }

    pub fn save_best(&self, model: &Classifier) -> Result<()> {
        match self.dir {
            Some(d) => model.save(d.join("model.safetensors")),
            None => Ok(()),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn after_epoch(
        &self,
        model: &Classifier,
        opt: &Optimizer,
        best: &BestEpoch,
        history: &History,
        epoch: usize,
        stopped_early: bool,
        seconds: f64,
    ) -> Result<()> {
        let Some(dir) = self.dir else {
            return Ok(());
        };
        crate::fsx::write_bytes_atomic(dir.join("history.csv"), history.to_csv().as_bytes())?;
        let meta = CheckpointMeta {
            epoch,
            best_score: best.best_score(),
            best_epoch: best.epoch(),
            since_best: best.since_best(),
            history_csv: history.to_csv(),
            stopped_early,
            seconds,
        };
        write_checkpoint(dir, model, best.weights(), opt, &meta)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    fn stats(epoch: usize, val_loss: f64, val_auc: f64) -> EpochStats {
        EpochStats {
            epoch,
            train_loss: 0.5,
            train_accuracy: 0.7,
            val_loss,
            val_accuracy: 0.7,
            val_roc_auc: val_auc,
            val_f2: 0.6,
            seconds: 1.0,
        }
    }

    fn store() -> (nn::VarStore, Tensor) {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().zeros("w", &[2]);
        (vs, w)
    }

    #[test]
    fn best_epoch_follows_the_monitor_and_keeps_the_best_weights() {
        let (vs, mut w) = store();
        let mut b = BestEpoch::new(Monitor::ValAuc);
        let set = |w: &mut Tensor, v: f64| {
            let _ = tch::no_grad(|| w.fill_(v));
        };
        set(&mut w, 1.0);
        assert!(b.observe(&stats(1, 0.6, 0.70), &vs));
        set(&mut w, 2.0);
        assert!(b.observe(&stats(2, 0.5, 0.80), &vs));
        set(&mut w, 3.0);
        assert!(
            !b.observe(&stats(3, 0.4, 0.75), &vs),
            "lower AUC is not better"
        );
        assert!(
            !b.observe(&stats(4, 0.3, 0.80), &vs),
            "a tie is not an improvement"
        );
        assert_eq!(
            (b.epoch(), b.since_best(), b.best_score()),
            (Some(2), 2, Some(0.80))
        );
        b.restore_into(&vs);
        assert_eq!(
            w.double_value(&[0]),
            2.0,
            "the best epoch's weights come back"
        );

        let mut l = BestEpoch::new(Monitor::ValLoss);
        assert!(l.observe(&stats(1, 0.6, 0.9), &vs));
        assert!(
            l.observe(&stats(2, 0.5, 0.1), &vs),
            "val_loss: lower is better"
        );
        assert_eq!(l.best_score(), Some(-0.5));
    }

    #[test]
    fn a_nan_score_is_beaten_by_any_number_and_is_not_saved_as_a_score() {
        let (vs, _w) = store();
        let mut b = BestEpoch::new(Monitor::ValAuc);
        assert!(
            b.observe(&stats(1, 0.6, f64::NAN), &vs),
            "the first epoch is the best"
        );
        assert_eq!(b.best_score(), None);
        assert!(!b.observe(&stats(2, 0.6, f64::NAN), &vs));
        assert!(b.observe(&stats(3, 0.6, 0.51), &vs));
        assert_eq!((b.epoch(), b.since_best()), (Some(3), 0));
    }

    #[test]
    fn early_stop_waits_for_patience_epochs_without_improvement() {
        let never = EarlyStop::new(None);
        assert!(!never.should_stop(1000));
        let p2 = EarlyStop::new(Some(EarlyStopping { patience: 2 }));
        assert!(!p2.should_stop(0));
        assert!(!p2.should_stop(1));
        assert!(p2.should_stop(2));
    }

    #[test]
    fn reporter_sends_events_to_the_callback_in_order() {
        let mut seen = Vec::new();
        {
            let mut cb = |e: ProgressEvent| seen.push(e);
            let mut r = Reporter::new(Some(&mut cb), "run", 5);
            r.resumed(2);
            r.batch(3, 1, 4, 0.7);
            r.epoch(stats(3, 0.5, 0.8), true);
        }
        assert!(matches!(
            seen[0],
            ProgressEvent::Resumed {
                after_epoch: 2,
                epochs: 5
            }
        ));
        assert!(matches!(
            seen[1],
            ProgressEvent::Batch {
                epoch: 3,
                batch: 1,
                n_batches: 4,
                ..
            }
        ));
        match &seen[2] {
            ProgressEvent::Epoch {
                stats,
                epochs,
                improved,
            } => assert_eq!((stats.epoch, *epochs, *improved), (3, 5, true)),
            e => panic!("unexpected {e:?}"),
        }
        let line = epoch_line(&stats(3, 0.5, 0.8), 5, true);
        assert!(line.starts_with("epoch   3/5  loss 0.5000"), "{line}");
        assert!(line.ends_with("  *"), "{line}");
    }

    #[test]
    fn a_run_folder_receives_the_history_the_checkpoint_and_the_best_weights() {
        use crate::train::config::{ModelKind, TrainConfig};
        let cfg = TrainConfig::new(
            crate::Task::MassCalc,
            ModelKind::Scratch,
            crate::Profile::Smoke,
        );
        let model = Classifier::build(&cfg, Device::Cpu).unwrap();
        let opt = Optimizer::new(cfg.optim.optimizer, cfg.optim.lr, &model.vs);
        let mut best = BestEpoch::new(Monitor::ValAuc);
        let mut history = History::default();
        for (e, auc) in [(1, 0.6), (2, 0.55)] {
            best.observe(&stats(e, 0.5, auc), &model.vs);
            history.epochs.push(stats(e, 0.5, auc));
        }
        let dir = tempfile::tempdir().unwrap();
        let folder = RunFolder::new(Some(dir.path()));
        folder.save_best(&model).unwrap();
        folder
            .after_epoch(&model, &opt, &best, &history, 2, true, 12.5)
            .unwrap();
        let csv = std::fs::read_to_string(dir.path().join("history.csv")).unwrap();
        assert_eq!(csv.lines().count(), 3, "header and two epochs:\n{csv}");
        assert!(dir.path().join("model.safetensors").exists());
        let r = super::super::checkpoint::read_checkpoint(dir.path()).unwrap();
        assert_eq!(r.meta.epoch, 2);
        assert_eq!(r.meta.best_epoch, Some(1));
        assert_eq!(r.meta.since_best, 1);
        assert_eq!(r.meta.best_score, Some(0.6));
        assert!(r.meta.stopped_early);
        assert_eq!(r.meta.seconds, 12.5);
        // Nothing is left behind but the three files (each written through a temporary file).
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["checkpoint.safetensors", "history.csv", "model.safetensors"]
        );
        // Without a folder nothing is written and nothing fails.
        RunFolder::new(None)
            .after_epoch(&model, &opt, &best, &history, 2, false, 1.0)
            .unwrap();
    }
}
