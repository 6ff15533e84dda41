//! The per-epoch history of a run (`history.csv`): losses, accuracies, validation ROC AUC and F2.
use super::config::Monitor;
use crate::error::{Error, Result};
use std::path::Path;
/// One epoch of the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: f64,
    pub val_accuracy: f64,
    pub val_roc_auc: f64,
    pub val_f2: f64,
    pub seconds: f64,
}

/// The per-epoch history of a run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    pub epochs: Vec<EpochStats>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
    pub stopped_early: bool,
}

impl History {
    pub const CSV_HEADER: &'static str =
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_roc_auc,val_f2,seconds";

    pub fn to_csv(&self) -> String {
        let mut s = String::from(Self::CSV_HEADER);
        s.push('\n');
        for e in &self.epochs {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                e.epoch,
                e.train_loss,
                e.train_accuracy,
                e.val_loss,
                e.val_accuracy,
                e.val_roc_auc,
                e.val_f2,
                e.seconds
            ));
        }
        s
    }

    /// Set `best_epoch` and `stopped_early` from the epochs, by the rule `fit` applies (the
    /// first epoch with the best monitored score), for a history read back from its CSV.
    pub fn infer_best(&mut self, monitor: Monitor, planned_epochs: usize) {
        let mut best: Option<(f64, usize)> = None;
        for e in &self.epochs {
            let score = match monitor {
                Monitor::ValLoss => -e.val_loss,
                Monitor::ValAuc => e.val_roc_auc,
            };
            if best.is_none_or(|(b, _)| score > b || (b.is_nan() && !score.is_nan())) {
                best = Some((score, e.epoch));
            }
        }
        self.best_epoch = best.map(|b| b.1).unwrap_or(0);
        self.stopped_early = self.epochs.len() < planned_epochs;
    }

    pub fn from_csv(text: &str, path: &Path) -> Result<History> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(Self::CSV_HEADER) {
            return Err(Error::bad_file(
                path,
                format!(
                    "not a mammo history file (expected header '{}')",
                    Self::CSV_HEADER
                ),
            ));
        }
        let mut epochs = Vec::new();
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Vec<&str> = l.split(',').collect();
            let bad = || Error::bad_file(path, format!("line {}: expected 8 numbers", i + 2));
            if v.len() != 8 {
                return Err(bad());
            }
            let f = |k: usize| v[k].trim().parse::<f64>().map_err(|_| bad());
            epochs.push(EpochStats {
                epoch: v[0].trim().parse().map_err(|_| bad())?,
                train_loss: f(1)?,
                train_accuracy: f(2)?,
                val_loss: f(3)?,
                val_accuracy: f(4)?,
                val_roc_auc: f(5)?,
                val_f2: f(6)?,
                seconds: f(7)?,
            });
        }
        Ok(History {
            epochs,
            best_epoch: 0,
            stopped_early: false,
        })
    }
}
