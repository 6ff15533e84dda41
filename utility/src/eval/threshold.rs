//! The decision threshold, chosen on validation under a named policy, and what the choice gave.
use super::*;
use crate::data::tasks::Task;
use crate::error::Result;
use crate::metrics;
use crate::train::config::ThresholdPolicy;
/// Choose the threshold on validation predictions (see [`ThresholdPolicy`]).
pub fn choose_threshold(policy: ThresholdPolicy, labels: &[u8], probs: &[f64]) -> Result<f64> {
    match policy {
        ThresholdPolicy::Fixed(t) => Ok(t),
        ThresholdPolicy::MaxF2 => metrics::best_threshold(labels, probs, 2.0),
        ThresholdPolicy::MaxF2MinSpecificity(m) => {
            metrics::best_threshold_min_specificity(labels, probs, 2.0, m).map(|c| c.threshold)
        }
    }
}

/// What a threshold policy did on a run's validation set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdOutcome {
    /// A fixed threshold, applied as given.
    Fixed,
    /// The unconstrained maximum of F2 (old `max-f2` policy).
    Unconstrained,
    /// The maximum of F2 among thresholds with the minimum validation specificity.
    ConstraintMet,
    /// No threshold reached the minimum specificity: the highest specificity reached, best F2
    /// among those.
    Fallback,
    /// 4-class task: the most probable class, no threshold.
    Argmax,
}

/// How a run's threshold was chosen, as `metrics.json` records it (`threshold_policy`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ThresholdChoice {
    /// The policy as a setting (`f2@spec0.5`, `f2`, `0.5`; what `--threshold` takes).
    pub setting: String,
    /// The policy in words.
    pub name: String,
    /// What it did on validation.
    pub outcome: ThresholdOutcome,
    /// The threshold chosen (`None` for the 4-class task).
    pub threshold: Option<f64>,
    /// Validation specificity at that threshold (binary tasks with benign cases).
    pub validation_specificity: Option<f64>,
    /// The outcome in words.
    pub note: String,
}

impl ThresholdChoice {
    /// Short form for tables: the setting, with ` (fallback)` when the policy fell back.
    pub fn label(&self) -> String {
        match self.outcome {
            ThresholdOutcome::Fallback => format!("{} (fallback)", self.setting),
            ThresholdOutcome::Argmax => "argmax".into(),
            _ => self.setting.clone(),
        }
    }
}

/// How `policy` chose the threshold of a run whose validation metrics are `validation`. The
/// outcome follows from the validation confusion matrix: the constrained policy meets its
/// minimum exactly when some threshold does, so the threshold it picked has validation
/// specificity >= the minimum unless it fell back (this also describes runs saved before the
/// choice was recorded).
pub fn threshold_choice(
    policy: ThresholdPolicy,
    task: Task,
    validation: &SetMetrics,
) -> ThresholdChoice {
    let spec = validation.specificity();
    let (outcome, note) = if task.n_classes() != 2 {
        (
            ThresholdOutcome::Argmax,
            "4-class task: the most probable class, no threshold".to_string(),
        )
    } else {
        let thr = validation
            .threshold
            .map_or_else(|| "?".to_string(), |t| format!("{t:.3}"));
        let at = spec.map_or_else(String::new, |s| format!(", validation specificity {s:.3}"));
        match policy {
            ThresholdPolicy::Fixed(_) => (ThresholdOutcome::Fixed, format!("threshold {thr}{at}")),
            ThresholdPolicy::MaxF2 => (
                ThresholdOutcome::Unconstrained,
                format!("threshold {thr} maximises validation F2{at}"),
            ),
            // No benign case in validation: no false positive to make, the minimum holds.
            ThresholdPolicy::MaxF2MinSpecificity(m) if spec.is_none_or(|s| s >= m) => (
                ThresholdOutcome::ConstraintMet,
                format!("threshold {thr} maximises validation F2 among thresholds with specificity >= {m}{at}"),
            ),
            ThresholdPolicy::MaxF2MinSpecificity(m) => (
                ThresholdOutcome::Fallback,
                format!(
                    "FALLBACK: no threshold reaches validation specificity {m}; threshold {thr} has the highest reached{at}, and the best F2 at it"
                ),
            ),
        }
    };
    ThresholdChoice {
        setting: policy.setting(),
        name: policy.name(),
        outcome,
        threshold: validation.threshold,
        validation_specificity: spec,
        note,
    }
}
