//! This run's estimate of a claim (a difference or a value, with its 95% interval), and the
//! finding: claim, estimate and verdict, or why there is none.
use super::*;
use crate::error::{Error, Result};
use crate::experiment::run::Run;
use crate::metrics::stats::Comparison;
/// Whether an estimate is a difference of two configurations or a single value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum EstimateKind {
    Difference,
    Value,
}

/// This run's estimate: a difference (A − B) or a single value, with its 95% interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Estimate {
    /// `A − B` for a difference, the configuration for a value.
    pub label: String,
    /// e.g. `validation ROC AUC, n = 64`.
    pub metric: String,
    pub value: f64,
    pub ci: [f64; 2],
    /// How the interval was computed.
    pub method: String,
    pub kind: EstimateKind,
}

impl From<&Comparison> for Estimate {
    fn from(c: &Comparison) -> Estimate {
        Estimate {
            label: format!("{} − {}", c.a, c.b),
            metric: c.metric.clone(),
            value: c.difference,
            ci: c.ci,
            method: c.method.clone(),
            kind: EstimateKind::Difference,
        }
    }
}

impl From<Comparison> for Estimate {
    fn from(c: Comparison) -> Estimate {
        Estimate::from(&c)
    }
}

impl From<&Estimate> for Estimate {
    fn from(e: &Estimate) -> Estimate {
        e.clone()
    }
}

impl Estimate {
    /// A single value with its interval.
    pub fn value(
        label: impl Into<String>,
        metric: impl Into<String>,
        value: f64,
        ci: [f64; 2],
        method: impl Into<String>,
    ) -> Estimate {
        Estimate {
            label: label.into(),
            metric: metric.into(),
            value,
            ci,
            method: method.into(),
            kind: EstimateKind::Value,
        }
    }

    /// A run's metric on `set` (`validation` or `test`) with the 95% bootstrap interval saved in
    /// its metrics; `metric` is `roc_auc`, `f2` or `accuracy`.
    pub fn of_run(run: &Run, set: &str, metric: &str) -> Result<Estimate> {
        let m = match set {
            "validation" => &run.metrics.validation,
            "test" => run.metrics.test.as_ref().ok_or_else(|| {
                Error::invalid(
                    "finding",
                    format!("{} has no test set metrics", run.config.name),
                )
            })?,
            _ => {
                return crate::error::invalid(
                    "finding",
                    format!("unknown set '{set}' (validation or test)"),
                )
            }
        };
        let (value, ci, name) = match metric {
            "roc_auc" | "auc" => (m.roc_auc, m.ci.roc_auc, "ROC AUC"),
            "f2" => (m.f2, m.ci.f2, "F2"),
            "accuracy" => (m.accuracy, m.ci.accuracy, "accuracy"),
            _ => {
                return crate::error::invalid(
                    "finding",
                    format!("unknown metric '{metric}' (roc_auc, f2 or accuracy)"),
                )
            }
        };
        Ok(Estimate::value(
            run.config.name.clone(),
            format!("{set} {name}, n = {}", m.n),
            value,
            ci,
            format!("bootstrap, {} resamples", crate::eval::N_BOOT),
        ))
    }

    /// [`Estimate::of_run`] of the run among `runs` that validation ranks best (the highest
    /// validation ROC AUC: [`crate::experiment::seedref::best_on_validation`]), for a claim about
    /// "the best model" that the test set must not choose.
    pub fn of_best(runs: &[Run], set: &str, metric: &str) -> Result<Estimate> {
        Estimate::of_run(
            crate::experiment::seedref::best_on_validation(runs)?,
            set,
            metric,
        )
    }

    /// The difference `a − b` of two single values estimated on different patches (e.g. two
    /// tasks), with the interval of independent estimates: each side of the interval is the
    /// root sum of squares of the two values' half-widths on that side.
    pub fn independent_difference(a: &Estimate, b: &Estimate) -> Result<Estimate> {
        if a.kind != EstimateKind::Value || b.kind != EstimateKind::Value {
            return crate::error::invalid(
                "finding",
                "an independent difference takes two single values",
            );
        }
        let (a_lo, a_hi) = (a.value - a.ci[0], a.ci[1] - a.value);
        let (b_lo, b_hi) = (b.value - b.ci[0], b.ci[1] - b.value);
        let d = a.value - b.value;
        Ok(Estimate {
            label: format!("{} − {}", a.label, b.label),
            metric: format!("{} vs {}", a.metric, b.metric),
            value: d,
            ci: [d - a_lo.hypot(b_hi), d + a_hi.hypot(b_lo)],
            method: "independent estimates, half-widths added in quadrature".into(),
            kind: EstimateKind::Difference,
        })
    }

    /// The estimate in words: `label, metric: value [lo, hi]` (differences signed).
    pub fn text(&self) -> String {
        match self.kind {
            EstimateKind::Difference => format!(
                "{}, {}: {:+.3} [{:+.3}, {:+.3}]",
                self.label, self.metric, self.value, self.ci[0], self.ci[1]
            ),
            EstimateKind::Value => format!(
                "{}, {}: {:.3} [{:.3}, {:.3}]",
                self.label, self.metric, self.value, self.ci[0], self.ci[1]
            ),
        }
    }
}

/// What this run made of a claim.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub enum Outcome {
    /// An estimate with its interval.
    Estimated(Estimate),
    /// The runs the claim needs were not made in this profile (why).
    NotRun(String),
    /// The estimate failed (why), e.g. a set too small for the bootstrap.
    NotEstimated(String),
    /// The dataset cannot serve the claim's task (why), e.g. a labelled-image dataset for a
    /// claim about mass vs calcification pairs.
    NotOnThisData(String),
}

/// A claim, this run's outcome for it, and its verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub claim: Claim,
    pub outcome: Outcome,
    /// Caveats computed from the runs, shown under the estimate: e.g. that the comparison ran on
    /// random (not ImageNet) backbone weights, so that it tested nothing about ImageNet features
    /// ([`random_weights_note`]), or that ensemble members predicted a constant
    /// ([`crate::experiment::run::constant_members_note`]).
    pub notes: Vec<String>,
}

/// One line of text, for the `VERDICT` lines.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Finding {
    /// A claim judged on an estimate (a [`Comparison`], or an [`Estimate`]). An estimate of the
    /// wrong kind (a single value for a difference claim, or the reverse) is recorded as not
    /// estimated, with the reason.
    pub fn new(claim: Claim, estimate: impl Into<Estimate>) -> Finding {
        let e = estimate.into();
        let outcome = if (e.kind == EstimateKind::Difference) == claim.prediction.is_difference() {
            Outcome::Estimated(e)
        } else if claim.prediction.is_difference() {
            Outcome::NotEstimated(format!(
                "claim '{}' compares two configurations, but got a single value ({})",
                claim.id,
                e.text()
            ))
        } else {
            Outcome::NotEstimated(format!(
                "claim '{}' is about a single value, but got a difference ({})",
                claim.id,
                e.text()
            ))
        };
        Finding {
            claim,
            outcome,
            notes: Vec::new(),
        }
    }

    /// A claim judged on the result of a comparison; an error (e.g. too few patches for the
    /// bootstrap) is recorded as "not estimated" with its message instead of failing the cell.
    pub fn from_result<E: Into<Estimate>>(claim: Claim, result: Result<E>) -> Finding {
        match result {
            Ok(e) => Finding::new(claim, e),
            Err(err) => Finding {
                claim,
                outcome: Outcome::NotEstimated(err.to_string()),
                notes: Vec::new(),
            },
        }
    }

    /// A claim whose runs were not made in this profile.
    pub fn not_run(claim: Claim, why: impl Into<String>) -> Finding {
        Finding {
            claim,
            outcome: Outcome::NotRun(why.into()),
            notes: Vec::new(),
        }
    }

    /// Attach a note that the comparison ran on random backbone weights (`None`: no note).
    pub fn with_weights_note(self, note: Option<String>) -> Finding {
        self.with_note(note)
    }

    /// Attach a caveat computed from the runs (`None`: none), shown under the estimate and in the
    /// `VERDICT` line.
    pub fn with_note(mut self, note: Option<String>) -> Finding {
        self.notes.extend(note);
        self
    }

    /// The verdict, when there is an estimate.
    pub fn verdict(&self) -> Option<Verdict> {
        match &self.outcome {
            Outcome::Estimated(e) => Some(self.claim.prediction.judge(e.ci)),
            _ => None,
        }
    }

    /// `agrees`, `disagrees`, `undecided`, `not run in this profile`, `not run on this data` or
    /// `not estimated`.
    pub fn status(&self) -> &'static str {
        match (&self.outcome, self.verdict()) {
            (_, Some(v)) => v.as_str(),
            (Outcome::NotRun(_), _) => "not run in this profile",
            (Outcome::NotOnThisData(_), _) => "not run on this data",
            _ => "not estimated",
        }
    }

    /// This run's estimate in words (generated from the numbers), without the verdict.
    pub fn estimate_text(&self) -> String {
        match &self.outcome {
            Outcome::Estimated(e) => {
                let tail = match self.claim.prediction {
                    Prediction::AtLeastAsGood { margin }
                    | Prediction::Interchangeable { margin } => {
                        format!(" (margin ±{margin:.3})")
                    }
                    Prediction::Exceeds { value } => format!(" vs {value:.3}"),
                    Prediction::About { value } => format!(" vs the seed's {value:.3}"),
                    Prediction::Better => String::new(),
                };
                format!("{}{tail}", e.text())
            }
            Outcome::NotRun(why) => format!("not run in this profile: {why}"),
            Outcome::NotEstimated(why) => format!("not estimated: {why}"),
            Outcome::NotOnThisData(why) => format!("not run on this data: {why}"),
        }
    }

    /// The finding in one sentence: the estimate, an arrow and the verdict, e.g.
    /// `SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: +0.043 [+0.011, +0.078] → agrees`.
    pub fn sentence(&self) -> String {
        match self.verdict() {
            Some(v) => format!("{} → {v}", self.estimate_text()),
            None => self.estimate_text(),
        }
    }

    /// `VERDICT <notebook>: <claim id>: <verdict>: <estimate>` for the report index, on one line
    /// (for a claim without an estimate, the reason in place of the estimate).
    pub fn verdict_line(&self, notebook: &str) -> String {
        let mut est = match &self.outcome {
            Outcome::NotRun(why) | Outcome::NotEstimated(why) | Outcome::NotOnThisData(why) => {
                why.clone()
            }
            Outcome::Estimated(_) => self.estimate_text(),
        };
        for n in &self.notes {
            est.push_str(&format!(" ({n})"));
        }
        format!(
            "VERDICT {}: {}: {}: {}",
            one_line(notebook),
            one_line(&self.claim.id),
            self.status(),
            one_line(&est)
        )
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.claim.id,
            self.claim.section,
            self.sentence()
        )?;
        for n in &self.notes {
            write!(f, " [{n}]")?;
        }
        Ok(())
    }
}
