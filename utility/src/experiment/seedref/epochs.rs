//! Metrics read from a run's history at a given epoch (the seed reported last-epoch numbers;
//! rows that differ only in epochs share one run), and the overfitting check of SCRATCH_1.
use super::*;
use crate::display::{html_escape, Html};
use crate::error::{Error, Result};
use crate::experiment::run::Run;
use crate::report::table::{TABLE_OPEN, TD, TH};
use crate::train::History;
/// Validation (and training) metrics of one epoch of a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochMetrics {
    /// 1-based.
    pub epoch: usize,
    pub train_accuracy: f64,
    pub train_loss: f64,
    pub val_accuracy: f64,
    pub val_loss: f64,
    /// F2 at threshold 0.5 (the history's; a run's reported F2 uses the threshold chosen on
    /// validation).
    pub val_f2: f64,
    pub val_auc: f64,
}

/// The metrics of `epoch` (1-based) of a history; an error when the run did not reach it.
pub fn metrics_at_epoch(h: &History, epoch: usize) -> Result<EpochMetrics> {
    let e = h.epochs.iter().find(|e| e.epoch == epoch).ok_or_else(|| {
        Error::invalid(
            "epoch",
            format!(
                "epoch {epoch} is not in the history ({} epochs{})",
                h.epochs.len(),
                if h.stopped_early {
                    ", stopped early"
                } else {
                    ""
                }
            ),
        )
    })?;
    Ok(EpochMetrics {
        epoch: e.epoch,
        train_accuracy: e.train_accuracy,
        train_loss: e.train_loss,
        val_accuracy: e.val_accuracy,
        val_loss: e.val_loss,
        val_f2: e.val_f2,
        val_auc: e.val_roc_auc,
    })
}

/// The metrics of the last epoch of a history.
pub fn last_epoch(h: &History) -> Result<EpochMetrics> {
    let last = h
        .epochs
        .last()
        .ok_or_else(|| Error::invalid("history", "no epochs"))?;
    metrics_at_epoch(h, last.epoch)
}

/// Train vs validation accuracy and loss at the last epoch of a run:
/// `(train_acc, val_acc, train_loss, val_loss)`, as the seed gives them for SCRATCH_1 and
/// SCRATCH_BM_V1.
pub fn overfitting(run: &Run) -> Result<(f64, f64, f64, f64)> {
    let h = run.history.as_ref().ok_or_else(|| {
        Error::invalid("run", format!("{} has no history saved", run.config.name))
    })?;
    let m = last_epoch(h)?;
    Ok((m.train_accuracy, m.val_accuracy, m.train_loss, m.val_loss))
}

/// The seed's train vs validation pairs of an overfitting row beside this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct OverfitCheck {
    pub label: String,
    pub seed: SeedOverfit,
    pub seed_epochs: Option<usize>,
    /// This run's last epoch; `None` when not run.
    pub run: Option<EpochMetrics>,
}

impl OverfitCheck {
    /// For a row with the seed's pairs (SCRATCH_1, SCRATCH_BM_V1) and its run, if any.
    pub fn new(row: &SeedRow, run: Option<&Run>) -> Result<OverfitCheck> {
        let seed = row.overfit.ok_or_else(|| {
            Error::invalid(
                "seed row",
                format!(
                    "the seed gives no train vs validation pairs for {}",
                    row.label
                ),
            )
        })?;
        let run = match run {
            Some(r) => Some(last_epoch(r.history.as_ref().ok_or_else(|| {
                Error::invalid("run", format!("{} has no history saved", r.config.name))
            })?)?),
            None => None,
        };
        Ok(OverfitCheck {
            label: row.label.to_string(),
            seed,
            seed_epochs: row.params.epochs,
            run,
        })
    }

    pub fn to_html(&self) -> Html {
        let seed_e = self
            .seed_epochs
            .map(|e| format!(" (epoch {e})"))
            .unwrap_or_default();
        let run_e = self
            .run
            .map(|m| format!(" (epoch {})", m.epoch))
            .unwrap_or_default();
        let mut h = String::from(TABLE_OPEN);
        h.push_str(&format!(
            "<caption style=\"font-weight:bold;padding:4px\">{} — train vs validation at the last epoch{}</caption>",
            html_escape(&self.label),
            if self.run.is_none() {
                " (this run: not trained in this profile)"
            } else {
                ""
            }
        ));
        h.push_str(&format!(
            "<thead><tr><th{TH}></th><th{TH}>seed train{seed_e}</th><th{TH}>seed validation</th><th{TH}>this run train{run_e}</th><th{TH}>this run validation</th></tr></thead><tbody>",
            seed_e = html_escape(&seed_e),
            run_e = html_escape(&run_e)
        ));
        let r = self.run;
        let rows = [
            (
                "accuracy",
                self.seed.train_accuracy,
                self.seed.val_accuracy,
                r.map(|m| m.train_accuracy),
                r.map(|m| m.val_accuracy),
            ),
            (
                "loss",
                self.seed.train_loss,
                self.seed.val_loss,
                r.map(|m| m.train_loss),
                r.map(|m| m.val_loss),
            ),
        ];
        for (name, st, sv, rt, rv) in rows {
            h.push_str(&format!(
                "<tr><td{TD}><b>{name}</b></td><td{TDS}>{}</td><td{TDS}>{}</td><td{TD}>{}</td><td{TD}>{}</td></tr>",
                fmt_seed(Some(st)),
                fmt_seed(Some(sv)),
                fmt_run(rt),
                fmt_run(rv)
            ));
        }
        h.push_str("</tbody></table>");
        Html(h)
    }

    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }
}
