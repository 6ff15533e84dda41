//! A claim of the seed report: its section, quote and evidence, the outcome it predicts, and the
//! verdict rule that outcome implies.
use super::*;
/// The outcome a claim predicts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub enum Prediction {
    /// A better than B: the difference A − B is above 0.
    Better,
    /// A at least as good as B: A − B is not below −margin.
    AtLeastAsGood { margin: f64 },
    /// A and B interchangeable: A − B lies within ±margin.
    Interchangeable { margin: f64 },
    /// A single value above `value` (e.g. an AUC above chance, 0.5).
    Exceeds { value: f64 },
    /// A single value about the seed's `value`.
    About { value: f64 },
}

impl Prediction {
    /// Whether the prediction is about a difference of two configurations (else a single value).
    pub fn is_difference(self) -> bool {
        matches!(
            self,
            Prediction::Better
                | Prediction::AtLeastAsGood { .. }
                | Prediction::Interchangeable { .. }
        )
    }

    /// The verdict of an estimate's 95% interval `[lo, hi]` (the rules of the module docs).
    pub fn judge(self, ci: [f64; 2]) -> Verdict {
        let [lo, hi] = ci;
        if !lo.is_finite() || !hi.is_finite() || lo > hi {
            return Verdict::Undecided;
        }
        match self {
            Prediction::Better => {
                if lo > 0.0 {
                    Verdict::Agrees
                } else if hi < 0.0 {
                    Verdict::Disagrees
                } else {
                    Verdict::Undecided
                }
            }
            Prediction::AtLeastAsGood { margin } => {
                if hi < 0.0 {
                    Verdict::Disagrees
                } else if lo >= -margin {
                    Verdict::Agrees
                } else {
                    Verdict::Undecided
                }
            }
            Prediction::Interchangeable { margin } => {
                if lo >= -margin && hi <= margin {
                    Verdict::Agrees
                } else if lo > margin || hi < -margin {
                    Verdict::Disagrees
                } else {
                    Verdict::Undecided
                }
            }
            Prediction::Exceeds { value } => {
                if lo > value {
                    Verdict::Agrees
                } else if hi < value {
                    Verdict::Disagrees
                } else {
                    Verdict::Undecided
                }
            }
            Prediction::About { value } => {
                if lo > value || hi < value {
                    Verdict::Disagrees
                } else if hi - lo <= ABOUT_MAX_WIDTH {
                    Verdict::Agrees
                } else {
                    // The seed's value is inside, but so is almost anything: nothing was shown.
                    Verdict::Undecided
                }
            }
        }
    }

    /// What the claim predicts, in words, for configurations `a` and `b`.
    pub fn describe(self, a: &str, b: &str) -> String {
        match self {
            Prediction::Better => format!("{a} better than {b}"),
            Prediction::AtLeastAsGood { margin } => {
                format!("{a} at least as good as {b} (margin {margin:.3})")
            }
            Prediction::Interchangeable { margin } => {
                format!("{a} and {b} interchangeable (within ±{margin:.3})")
            }
            Prediction::Exceeds { value } => format!("{a} above {value:.3}"),
            Prediction::About { value } => format!("{a} about the seed's {value:.3}"),
        }
    }

    /// The rule that turns the interval into a verdict, in words.
    pub fn rule(self) -> String {
        match self {
            Prediction::Better => {
                "agrees if the 95% interval of A − B lies above 0, disagrees if it lies below 0, \
                 undecided otherwise"
                    .into()
            }
            Prediction::AtLeastAsGood { margin } => format!(
                "disagrees if the 95% interval of A − B lies below 0, agrees if it lies above \
                 −{margin:.3}, undecided otherwise"
            ),
            Prediction::Interchangeable { margin } => format!(
                "agrees if the 95% interval of A − B lies inside [−{margin:.3}, +{margin:.3}], \
                 disagrees if it lies wholly outside, undecided otherwise"
            ),
            Prediction::Exceeds { value } => format!(
                "agrees if the 95% interval lies above {value:.3}, disagrees if it lies below, \
                 undecided otherwise"
            ),
            Prediction::About { value } => format!(
                "agrees if the seed's {value:.3} lies inside the 95% interval and the interval is \
                 at most {ABOUT_MAX_WIDTH:.2} wide, disagrees if it lies outside, undecided otherwise"
            ),
        }
    }
}

/// A verdict on a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Verdict {
    Agrees,
    Disagrees,
    Undecided,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Agrees => "agrees",
            Verdict::Disagrees => "disagrees",
            Verdict::Undecided => "undecided",
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A claim of the seed report.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Claim {
    /// A short stable name, e.g. `augmentation-helps`.
    pub id: String,
    /// The notebook that tests it, e.g. `02_scratch`.
    pub notebook: String,
    /// The section of the seed report, e.g. `§4.1`.
    pub section: String,
    /// The seed's words (or, where it only gave a table, what its table shows).
    pub statement: String,
    /// The seed's evidence: its numbers, from one run each.
    pub evidence: String,
    /// The configuration the claim is about (A).
    pub a: String,
    /// The one it is compared with (B), for a difference.
    pub b: Option<String>,
    /// The metric the claim is judged on, e.g. `validation ROC AUC`.
    pub metric: String,
    pub prediction: Prediction,
    /// The tasks its runs train: a dataset that cannot serve one of them cannot test it
    /// ([`super::Findings::on`]).
    pub tasks: Vec<crate::data::tasks::Task>,
}

impl Claim {
    /// A claim with no evidence and generic configuration names (set them with the builders).
    pub fn new(
        id: impl Into<String>,
        notebook: impl Into<String>,
        section: impl Into<String>,
        statement: impl Into<String>,
        prediction: Prediction,
    ) -> Claim {
        Claim {
            id: id.into(),
            notebook: notebook.into(),
            section: section.into(),
            statement: statement.into(),
            evidence: String::new(),
            a: "A".into(),
            b: prediction.is_difference().then(|| "B".to_string()),
            metric: "ROC AUC".into(),
            prediction,
            tasks: Vec::new(),
        }
    }
    /// The tasks the claim's runs train.
    pub fn on_tasks(mut self, tasks: &[crate::data::tasks::Task]) -> Claim {
        self.tasks = tasks.to_vec();
        self
    }
    /// The two configurations compared (A − B).
    pub fn comparing(mut self, a: impl Into<String>, b: impl Into<String>) -> Claim {
        self.a = a.into();
        self.b = Some(b.into());
        self
    }
    /// The configuration a single-value claim is about.
    pub fn of(mut self, a: impl Into<String>) -> Claim {
        self.a = a.into();
        self.b = None;
        self
    }
    pub fn evidence(mut self, evidence: impl Into<String>) -> Claim {
        self.evidence = evidence.into();
        self
    }
    pub fn metric(mut self, metric: impl Into<String>) -> Claim {
        self.metric = metric.into();
        self
    }
    /// What the claim predicts, in words.
    pub fn predicts(&self) -> String {
        self.prediction
            .describe(&self.a, self.b.as_deref().unwrap_or("?"))
    }
}
