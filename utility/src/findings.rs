//! What this run found: every claim the seed report made, this run's estimate of it with its 95%
//! interval, and a verdict computed from the numbers by a stated rule. No result sentence is typed
//! by hand: a notebook's closing cell adds its comparisons ([`crate::stats::Comparison`]) or
//! single values ([`Estimate`]) to a [`Findings`], which renders them as a table and prints one
//! `VERDICT <notebook>: <claim id>: <verdict>: <estimate>` line per claim for the report index
//! (`scripts/report_index.py`).
//!
//! # The verdict rules
//!
//! A claim predicts one of the following ([`Prediction`]); `[lo, hi]` is this run's 95% interval.
//!
//! | prediction | agrees | disagrees | undecided |
//! |---|---|---|---|
//! | A better than B (difference A − B) | `lo > 0` | `hi < 0` | otherwise |
//! | A at least as good as B, margin m | `lo ≥ −m` (A is not worse by more than m) | `hi < 0` (A is really worse; checked first) | otherwise |
//! | A and B interchangeable within m | `−m ≤ lo` and `hi ≤ m` | `lo > m` or `hi < −m` | otherwise |
//! | a value above v (e.g. AUC above chance) | `lo > v` | `hi < v` | otherwise |
//! | a value about the seed's v | `lo ≤ v ≤ hi` and `hi − lo ≤ 0.2` | v outside `[lo, hi]` | v inside a wider interval |
//!
//! An interval that is not finite (too few values) is always undecided. A claim whose runs were
//! not made in this profile is shown as "not run in this profile", one whose estimate failed as
//! "not estimated", with the reason; neither has a verdict.
use crate::display::{html_escape, Html};
use crate::error::{Error, Result};
use crate::run::Run;
use crate::stats::Comparison;

/// The default margin (in ROC AUC) within which two configurations count as interchangeable, and
/// by which "A at least as good as B" lets A be worse.
pub const DEFAULT_MARGIN: f64 = 0.03;

/// The widest 95% interval with which "about the seed's value" can agree: a wider one contains
/// almost any value (a tiny test set), so it shows nothing and the verdict is undecided.
pub const ABOUT_MAX_WIDTH: f64 = 0.2;

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
        }
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
            format!("bootstrap, {} resamples", crate::evaluate::N_BOOT),
        ))
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
}

/// A claim, this run's outcome for it, and its verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    pub claim: Claim,
    pub outcome: Outcome,
    /// Set when the comparison ran on random (not ImageNet) backbone weights, so that it tested
    /// nothing about ImageNet features (see [`random_weights_note`]).
    pub weights_note: Option<String>,
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
            weights_note: None,
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
                weights_note: None,
            },
        }
    }

    /// A claim whose runs were not made in this profile.
    pub fn not_run(claim: Claim, why: impl Into<String>) -> Finding {
        Finding {
            claim,
            outcome: Outcome::NotRun(why.into()),
            weights_note: None,
        }
    }

    /// Attach a note that the comparison ran on random backbone weights (`None`: no note).
    pub fn with_weights_note(mut self, note: Option<String>) -> Finding {
        self.weights_note = note;
        self
    }

    /// The verdict, when there is an estimate.
    pub fn verdict(&self) -> Option<Verdict> {
        match &self.outcome {
            Outcome::Estimated(e) => Some(self.claim.prediction.judge(e.ci)),
            _ => None,
        }
    }

    /// `agrees`, `disagrees`, `undecided`, `not run in this profile` or `not estimated`.
    pub fn status(&self) -> &'static str {
        match (&self.outcome, self.verdict()) {
            (_, Some(v)) => v.as_str(),
            (Outcome::NotRun(_), _) => "not run in this profile",
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
            Outcome::NotRun(why) | Outcome::NotEstimated(why) => why.clone(),
            Outcome::Estimated(_) => self.estimate_text(),
        };
        if let Some(n) = &self.weights_note {
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
        if let Some(n) = &self.weights_note {
            write!(f, " [{n}]")?;
        }
        Ok(())
    }
}

/// The findings of one notebook: its closing "What this run found" section.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Findings {
    pub notebook: String,
    pub findings: Vec<Finding>,
}

impl Findings {
    /// No findings yet.
    pub fn new(notebook: impl Into<String>) -> Findings {
        Findings {
            notebook: notebook.into(),
            findings: Vec::new(),
        }
    }

    /// Every seed claim this notebook tests ([`seed_claims`]), each "not run in this profile"
    /// (its configurations not trained) until [`add`](Findings::add) replaces it with this run's
    /// finding.
    pub fn for_notebook(notebook: impl Into<String>) -> Findings {
        let notebook = notebook.into();
        let findings = seed_claims()
            .into_iter()
            .filter(|c| c.notebook == notebook)
            .map(|c| {
                let why = match &c.b {
                    Some(b) => format!("{} and {b} are not both trained in this profile", c.a),
                    None => format!("{} is not trained in this profile", c.a),
                };
                Finding::not_run(c, why)
            })
            .collect();
        Findings { notebook, findings }
    }

    /// Add a finding; one for the same claim id replaces the earlier one in its place.
    pub fn add(&mut self, finding: Finding) -> &mut Findings {
        match self
            .findings
            .iter_mut()
            .find(|f| f.claim.id == finding.claim.id)
        {
            Some(f) => *f = finding,
            None => self.findings.push(finding),
        }
        self
    }

    /// Add the finding of seed claim `id` ([`seed_claim`]) from a comparison's result (an error is
    /// recorded as "not estimated", see [`Finding::from_result`]); an error only for an unknown id.
    pub fn record<E: Into<Estimate>>(
        &mut self,
        id: &str,
        result: Result<E>,
    ) -> Result<&mut Findings> {
        Ok(self.add(Finding::from_result(seed_claim(id)?, result)))
    }

    /// Add the finding of seed claim `id` from a comparison that may not have been made in this
    /// profile ([`crate::stats::compare_named`]): "not run" with the reason when it was not.
    pub fn record_paired(
        &mut self,
        id: &str,
        result: Result<crate::stats::Paired>,
    ) -> Result<&mut Findings> {
        let claim = seed_claim(id)?;
        Ok(self.add(match result {
            Ok(crate::stats::Paired::Made(c)) => Finding::new(claim, c),
            Ok(crate::stats::Paired::NotRun { why, .. }) => Finding::not_run(claim, why),
            Err(e) => Finding::from_result::<Comparison>(claim, Err(e)),
        }))
    }

    pub fn get(&self, id: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.claim.id == id)
    }
    pub fn len(&self) -> usize {
        self.findings.len()
    }
    pub fn is_empty(&self) -> bool {
        self.findings.is_empty()
    }

    /// How many findings agree, disagree, are undecided, and have no estimate.
    pub fn counts(&self) -> [usize; 4] {
        let mut c = [0; 4];
        for f in &self.findings {
            let i = match f.verdict() {
                Some(Verdict::Agrees) => 0,
                Some(Verdict::Disagrees) => 1,
                Some(Verdict::Undecided) => 2,
                None => 3,
            };
            c[i] += 1;
        }
        c
    }

    /// A summary: `2 agree, 1 disagrees, 0 undecided, 1 not run or not estimated`.
    pub fn summary(&self) -> String {
        let [a, d, u, n] = self.counts();
        format!(
            "{a} {}, {d} {}, {u} undecided, {n} not run or not estimated",
            if a == 1 { "agrees" } else { "agree" },
            if d == 1 { "disagrees" } else { "disagree" },
        )
    }

    /// One `VERDICT` line per finding.
    pub fn verdict_lines(&self) -> Vec<String> {
        self.findings
            .iter()
            .map(|f| f.verdict_line(&self.notebook))
            .collect()
    }

    /// Print the `VERDICT` lines (the report index collects them from the executed notebook).
    pub fn print_verdicts(&self) {
        for l in self.verdict_lines() {
            println!("{l}");
        }
    }

    /// The section as an HTML table: claim, section, the seed's evidence, this run's estimate
    /// with its interval, and the verdict, coloured.
    pub fn to_html(&self) -> Html {
        let mut rows = String::new();
        for f in &self.findings {
            let (fg, bg) = match (f.verdict(), &f.outcome) {
                (Some(Verdict::Agrees), _) => ("#1b5e20", "#e8f5e9"),
                (Some(Verdict::Disagrees), _) => ("#b71c1c", "#ffebee"),
                (Some(Verdict::Undecided), _) => ("#5d4037", "#fff8e1"),
                (None, _) => ("#616161", "#f5f5f5"),
            };
            let detail = match &f.outcome {
                Outcome::Estimated(e) => format!(
                    "<br><small>{}; {}</small>",
                    html_escape(&e.method),
                    html_escape(&f.claim.prediction.rule())
                ),
                _ => String::new(),
            };
            let note = f
                .weights_note
                .as_ref()
                .map(|n| {
                    format!(
                        "<div style=\"color:#c60;font-size:90%;margin-top:3px\">⚠ {}</div>",
                        html_escape(n)
                    )
                })
                .unwrap_or_default();
            rows.push_str(&format!(
                "<tr style=\"border-top:1px solid #ddd;vertical-align:top\">\
                 <td style=\"padding:4px 6px\"><b>{id}</b><br><i>“{statement}”</i><br>\
                 <small>predicts: {predicts} ({metric})</small></td>\
                 <td style=\"padding:4px 6px;white-space:nowrap\">{section}</td>\
                 <td style=\"padding:4px 6px\">{evidence}</td>\
                 <td style=\"padding:4px 6px\">{estimate}{detail}{note}</td>\
                 <td style=\"padding:4px 6px;font-weight:bold;color:{fg};background:{bg};white-space:nowrap\">{status}</td></tr>",
                id = html_escape(&f.claim.id),
                statement = html_escape(&f.claim.statement),
                predicts = html_escape(&f.claim.predicts()),
                metric = html_escape(&f.claim.metric),
                section = html_escape(&f.claim.section),
                evidence = html_escape(&f.claim.evidence),
                estimate = html_escape(&f.estimate_text()),
                status = html_escape(f.status()),
            ));
        }
        Html(format!(
            "<div class=\"mammo-findings\"><p><b>What this run found</b> ({nb}): {summary}</p>\
             <table style=\"border-collapse:collapse;font-size:90%\"><thead><tr style=\"text-align:left\">\
             <th style=\"padding:4px 6px\">the seed's claim</th><th style=\"padding:4px 6px\">seed §</th>\
             <th style=\"padding:4px 6px\">the seed's evidence</th>\
             <th style=\"padding:4px 6px\">this run's estimate (95% interval)</th>\
             <th style=\"padding:4px 6px\">verdict</th></tr></thead><tbody>{rows}</tbody></table>\
             <p><small>Each verdict follows from the interval by the rule under the estimate \
             (mammo::findings). The seed's evidence is one run per configuration, without an \
             interval.</small></p></div>",
            nb = html_escape(&self.notebook),
            summary = html_escape(&self.summary()),
        ))
    }

    /// Called by evcxr when the findings are the value of a cell: prints the `VERDICT` lines (for
    /// the report index) and shows the table.
    pub fn evcxr_display(&self) {
        self.print_verdicts();
        self.to_html().evcxr_display();
    }

    /// In a notebook, as [`evcxr_display`](Findings::evcxr_display); elsewhere the `VERDICT`
    /// lines only.
    pub fn show(&self) {
        if crate::display::in_notebook() {
            self.evcxr_display();
        } else {
            self.print_verdicts();
        }
    }
}

impl std::fmt::Display for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "What this run found ({}): {}",
            self.notebook,
            self.summary()
        )?;
        for x in &self.findings {
            writeln!(f, "- {x}")?;
        }
        Ok(())
    }
}

/// A note for a finding whose runs used a pretrained backbone (VGG16, InceptionV3) without
/// ImageNet weights, i.e. on frozen random features; `None` when every such run had a weights
/// file. What a run used is what it recorded ([`Run::weights`]); only for a run saved before
/// weights were recorded is it guessed: a weights file named in its configuration, or the default
/// file (`data/weights/`) present now.
pub fn random_weights_note(runs: &[&Run]) -> Option<String> {
    let mut random: Vec<&'static str> = Vec::new();
    for r in runs {
        let Ok(kind) = crate::backbones::BackboneKind::parse(r.config.model.name()) else {
            continue;
        };
        // What the run recorded it was trained with; for a run saved before weights were
        // recorded, a guess from its configuration and the files present now.
        let has = match r.weights() {
            Some(crate::pretrained::WeightsRecord::Random) => false,
            Some(crate::pretrained::WeightsRecord::File { .. }) => true,
            None => {
                r.config.weights.is_some()
                    || crate::backbones::find_default_weights(crate::profile::project_root(), kind)
                        .is_some()
            }
        };
        let name = match kind {
            crate::backbones::BackboneKind::Vgg16 => "VGG16",
            crate::backbones::BackboneKind::InceptionV3 => "InceptionV3",
        };
        if !has && !random.contains(&name) {
            random.push(name);
        }
    }
    (!random.is_empty()).then(|| {
        format!(
            "{} ran on RANDOM backbone weights (no ImageNet weights file): this comparison \
             tested nothing about ImageNet features",
            random.join(" and ")
        )
    })
}

/// The seed report's claims (/work/shared/seed/report.md, cited by section), each with the
/// notebook that tests it.
pub fn seed_claims() -> Vec<Claim> {
    let m = DEFAULT_MARGIN;
    vec![
        Claim::new(
            "augmentation-helps",
            "02_scratch",
            "§4.1",
            "The first result was not so good, we faced a severe overfitting [...] To overcome \
             this problem, we used Data Augmentation",
            Prediction::Better,
        )
        .comparing("SCRATCH_2 (flip + 90° rotation)", "SCRATCH_1 (no augmentation)")
        .metric("validation ROC AUC")
        .evidence(
            "SCRATCH_1 overfitted: accuracy 0.97 on training vs 0.81 on validation, validation \
             loss 1.55 (vs 0.10); SCRATCH_2 with augmentation: validation accuracy 0.82, loss \
             0.39, AUC 0.81. One run each.",
        ),
        Claim::new(
            "rmsprop-at-least-adam",
            "02_scratch",
            "§4.1",
            "we tried to improve our results tuning the hyper-parameters, especially we focused \
             on: learning rate, optimizers, number of epochs (best tests: SCRATCH_4 and \
             SCRATCH_6, both RMSprop)",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("SCRATCH_4 (RMSprop)", "SCRATCH_2/3 (Adam)")
        .metric("validation ROC AUC")
        .evidence(
            "SCRATCH_4 (RMSprop, lr 0.001) AUC 0.87 vs SCRATCH_2 and SCRATCH_3 (Adam, lr 0.001) \
             0.81 and 0.85. One run each.",
        ),
        Claim::new(
            "contrast-helps-bm",
            "02_scratch",
            "§4.2, §8",
            "the images are classified better when a small contrast is applied: we empirically \
             set the contrast factor to 1.5 or to 2",
            Prediction::Better,
        )
        .comparing("SCRATCH_BM_V6 (RMSprop, contrast 2)", "SCRATCH_BM_V4 (RMSprop, no contrast)")
        .metric("validation ROC AUC")
        .evidence("SCRATCH_BM_V6 AUC 0.65 vs SCRATCH_BM_V4 (the same without contrast) 0.61. One run each."),
        Claim::new(
            "contrast-helps-bm-adam",
            "02_scratch",
            "§4.2, §8",
            "the images are classified better when a small contrast is applied: we empirically \
             set the contrast factor to 1.5 or to 2",
            Prediction::Better,
        )
        .comparing("SCRATCH_BM_V2 (Adam, contrast 2)", "SCRATCH_BM_V5 (Adam, no contrast)")
        .metric("validation ROC AUC")
        .evidence("SCRATCH_BM_V2 AUC 0.64 vs SCRATCH_BM_V5 (the same without contrast) 0.61. One run each."),
        Claim::new(
            "mass-calc-learnable",
            "02_scratch",
            "§8",
            "we were able to state that the data set is prepared for the mass-calcification \
             classification problem",
            Prediction::Exceeds { value: 0.5 },
        )
        .of("the best mass/calc model")
        .metric("test ROC AUC, above chance (0.5)")
        .evidence("SCRATCH_6: accuracy 0.87, AUC 0.87 (§4.1)."),
        Claim::new(
            "mass-calc-auc",
            "02_scratch",
            "§4.1",
            "with a greater number of epochs, the results stabilized around 0.87 accuracy \
             (SCRATCH_6: AUC 0.87)",
            Prediction::About { value: 0.87 },
        )
        .of("the best mass/calc model")
        .metric("test ROC AUC")
        .evidence("SCRATCH_6 (RMSprop, 35 epochs): accuracy 0.87, loss 0.31, AUC 0.87. One run."),
        Claim::new(
            "benign-malignant-much-harder",
            "02_scratch",
            "§8",
            "On the other hand, we had had a lot of difficulty in developing a satisfactory \
             model for the benign-malignant problem",
            Prediction::Better,
        )
        .comparing("mass/calc", "benign/malignant")
        .metric("ROC AUC of the best model of each task")
        .evidence(
            "best scratch AUC 0.87 (mass/calc, SCRATCH_6) vs 0.65 (benign/malignant, \
             SCRATCH_BM_V6); the best benign/malignant model of all, the ensemble, 0.71.",
        ),
        Claim::new(
            "vgg16-top-vs-deeper-cut-mc",
            "03_pretrained",
            "§5.3.1",
            "going on with tests with higher cut levels we saw that this was not leading to \
             better results",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("VGG16_V5 (cut top)", "VGG16_V6 (cut top+1)")
        .metric("validation ROC AUC, mass vs calcification")
        .evidence("VGG16_V5 AUC 0.82, accuracy 0.83 vs VGG16_V6 AUC 0.82, accuracy 0.82. One run each."),
        Claim::new(
            "inception-top-vs-top1-mc",
            "03_pretrained",
            "§5.3.2",
            "Best tests results: INCEPTION_5 (cut top) AUC 0.87, INCEPTION_6 (cut top+1) 0.85",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("INCEPTION_5 (cut top)", "INCEPTION_6 (cut top+1)")
        .metric("validation ROC AUC, mass vs calcification")
        .evidence("INCEPTION_5 AUC 0.87, accuracy 0.86 vs INCEPTION_6 AUC 0.85, accuracy 0.85. One run each."),
        Claim::new(
            "inception-top1-better-bm",
            "03_pretrained",
            "§5.4.2",
            "As opposed to VGG-16, in Inception we observed that tuning the cut level gave us \
             some improvements: we trained our best model removing the top level and also the \
             one immediately above",
            Prediction::Better,
        )
        .comparing("InceptionV3 cut top+1", "InceptionV3 cut top")
        .metric("validation ROC AUC, benign vs malignant")
        .evidence(
            "BEST INCEPTION (top+1, Adam, 20 epochs) AUC 0.70, F2 0.69 vs INCEPTION_1 (top, \
             Adam, 20 epochs) AUC 0.64, F2 0.55. One run each.",
        ),
        Claim::new(
            "adapter-interchangeable",
            "03_pretrained",
            "§5.2",
            "we have limited ourselves only to comparing the two best results for a given \
             configuration, in order to show that in our case they are quite interchangeable",
            Prediction::Interchangeable { margin: m },
        )
        .comparing("replicate", "conv1x1")
        .metric("validation ROC AUC at the best benign/malignant configuration")
        .evidence(
            "Replication AUC 0.71, F2 0.72 vs the 1x1 convolution AUC 0.70, F2 0.69. One run \
             each.",
        ),
        Claim::new(
            "siamese-baseline-helps",
            "04_siamese",
            "§6",
            "We tested a Siamese Architecture to make a sort of model calibration based on \
             normal tissue patches",
            Prediction::Better,
        )
        .comparing("SIAMESE_5 (baseline + abnormality)", "the single-image model")
        .metric("test ROC AUC, mass vs calcification")
        .evidence(
            "SIAMESE_5 (rotation, dropout 0.4) AUC 0.83; the seed never trained the single-image \
             model on the same patches (its SCRATCH_6 reached 0.87 on another split).",
        ),
        Claim::new(
            "ensemble-beats-best-member",
            "05_ensemble",
            "§7",
            "even if the Benignant vs Malignant models are not performative, the ensemble can \
             manage to slightly improve the metrics",
            Prediction::Better,
        )
        .comparing("the ensemble", "its best member")
        .metric("test ROC AUC, benign vs malignant")
        .evidence(
            "Ensemble AUC 0.71, accuracy 0.71, F2 0.68 vs the best member (InceptionV3) AUC \
             0.70, accuracy 0.69, F2 0.69. One test set, no interval.",
        ),
    ]
}

/// The seed claim `id` (see [`seed_claims`]).
pub fn seed_claim(id: &str) -> Result<Claim> {
    let all = seed_claims();
    let known: Vec<String> = all.iter().map(|c| c.id.clone()).collect();
    all.into_iter().find(|c| c.id == id).ok_or_else(|| {
        Error::invalid(
            "finding",
            format!("no seed claim '{id}' (known: {})", known.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str, d: f64, ci: [f64; 2]) -> Comparison {
        Comparison {
            a: a.into(),
            b: b.into(),
            metric: "validation ROC AUC, n = 64".into(),
            a_value: 0.8 + d,
            b_value: 0.8,
            difference: d,
            ci,
            p_value: f64::NAN,
            method: "paired bootstrap, 2000 resamples".into(),
        }
    }

    fn claim(p: Prediction) -> Claim {
        Claim::new("c", "02_scratch", "§4.1", "the seed said so", p).comparing("A", "B")
    }

    fn verdict(p: Prediction, ci: [f64; 2]) -> Option<Verdict> {
        Finding::new(claim(p), cmp("A", "B", (ci[0] + ci[1]) / 2.0, ci)).verdict()
    }

    #[test]
    fn better_rule() {
        let p = Prediction::Better;
        assert_eq!(verdict(p, [0.01, 0.08]), Some(Verdict::Agrees));
        assert_eq!(verdict(p, [-0.02, 0.05]), Some(Verdict::Undecided));
        assert_eq!(verdict(p, [-0.09, -0.01]), Some(Verdict::Disagrees));
        // An interval touching 0 does not lie above it.
        assert_eq!(verdict(p, [0.0, 0.05]), Some(Verdict::Undecided));
        assert_eq!(verdict(p, [f64::NAN, f64::NAN]), Some(Verdict::Undecided));
        // A borrowed comparison (as notebooks keep theirs) gives the same finding.
        let c = cmp("A", "B", 0.04, [0.01, 0.08]);
        assert_eq!(
            Finding::new(claim(p), &c),
            Finding::new(claim(p), c.clone())
        );
    }

    #[test]
    fn at_least_as_good_rule() {
        let p = Prediction::AtLeastAsGood { margin: 0.03 };
        assert_eq!(verdict(p, [0.01, 0.08]), Some(Verdict::Agrees));
        assert_eq!(
            verdict(p, [-0.02, 0.05]),
            Some(Verdict::Agrees),
            "not worse by > m"
        );
        assert_eq!(
            verdict(p, [-0.10, 0.05]),
            Some(Verdict::Undecided),
            "straddles"
        );
        assert_eq!(verdict(p, [-0.09, -0.01]), Some(Verdict::Disagrees));
        // Really worse, even if by less than the margin: disagreement is checked first.
        assert_eq!(verdict(p, [-0.02, -0.01]), Some(Verdict::Disagrees));
        let strict = Prediction::AtLeastAsGood { margin: 0.0 };
        assert_eq!(verdict(strict, [-0.01, 0.05]), Some(Verdict::Undecided));
        assert_eq!(verdict(strict, [0.0, 0.05]), Some(Verdict::Agrees));
    }

    #[test]
    fn interchangeable_rule() {
        let p = Prediction::Interchangeable { margin: 0.03 };
        assert_eq!(verdict(p, [-0.02, 0.025]), Some(Verdict::Agrees), "inside");
        assert_eq!(
            verdict(p, [-0.03, 0.03]),
            Some(Verdict::Agrees),
            "the margin itself"
        );
        assert_eq!(
            verdict(p, [-0.05, 0.02]),
            Some(Verdict::Undecided),
            "crosses -m"
        );
        assert_eq!(
            verdict(p, [-0.10, 0.10]),
            Some(Verdict::Undecided),
            "wider than ±m"
        );
        assert_eq!(
            verdict(p, [0.04, 0.09]),
            Some(Verdict::Disagrees),
            "wholly above"
        );
        assert_eq!(
            verdict(p, [-0.09, -0.031]),
            Some(Verdict::Disagrees),
            "wholly below"
        );
    }

    #[test]
    fn single_value_rules() {
        let about = Claim::new(
            "auc",
            "02_scratch",
            "§4.1",
            "0.87",
            Prediction::About { value: 0.87 },
        )
        .of("SCRATCH_6");
        let inside = Estimate::value(
            "SCRATCH_6",
            "test ROC AUC, n = 100",
            0.85,
            [0.80, 0.90],
            "bootstrap",
        );
        let below = Estimate::value(
            "SCRATCH_6",
            "test ROC AUC, n = 100",
            0.75,
            [0.70, 0.80],
            "bootstrap",
        );
        assert_eq!(
            Finding::new(about.clone(), &inside).verdict(),
            Some(Verdict::Agrees)
        );
        assert_eq!(
            Finding::new(about.clone(), &below).verdict(),
            Some(Verdict::Disagrees)
        );
        // A tiny test set: the seed's value is inside, but so is almost any value.
        let wide = Estimate::value(
            "SCRATCH_6",
            "test ROC AUC, n = 10",
            0.52,
            [0.12, 1.0],
            "bootstrap",
        );
        assert_eq!(
            Finding::new(about.clone(), &wide).verdict(),
            Some(Verdict::Undecided)
        );
        let chance = Claim::new(
            "learn",
            "02_scratch",
            "§8",
            "learnable",
            Prediction::Exceeds { value: 0.5 },
        );
        assert_eq!(
            Finding::new(chance.clone(), &inside).verdict(),
            Some(Verdict::Agrees)
        );
        let straddle = Estimate::value("X", "AUC", 0.52, [0.45, 0.60], "bootstrap");
        assert_eq!(
            Finding::new(chance.clone(), &straddle).verdict(),
            Some(Verdict::Undecided)
        );
        let under = Estimate::value("X", "AUC", 0.40, [0.30, 0.49], "bootstrap");
        assert_eq!(
            Finding::new(chance, &under).verdict(),
            Some(Verdict::Disagrees)
        );
        // A value given to a difference claim is recorded, not judged.
        let f = Finding::new(claim(Prediction::Better), &inside);
        assert_eq!(f.verdict(), None);
        assert_eq!(f.status(), "not estimated");
    }

    #[test]
    fn independent_difference_adds_half_widths_in_quadrature() {
        let a = Estimate::value("MC", "test ROC AUC", 0.87, [0.84, 0.90], "bootstrap");
        let b = Estimate::value("BM", "test ROC AUC", 0.65, [0.61, 0.69], "bootstrap");
        let d = Estimate::independent_difference(&a, &b).unwrap();
        assert!((d.value - 0.22).abs() < 1e-12);
        assert!((d.ci[0] - (0.22 - 0.05)).abs() < 1e-9, "{:?}", d.ci);
        assert!((d.ci[1] - (0.22 + 0.05)).abs() < 1e-9, "{:?}", d.ci);
        assert_eq!(d.kind, EstimateKind::Difference);
        assert!(Estimate::independent_difference(&d, &b).is_err());
    }

    #[test]
    fn sentences_are_generated_from_the_numbers() {
        let c = seed_claim("augmentation-helps").unwrap();
        let f = Finding::new(c, cmp("SCRATCH_2", "SCRATCH_1", 0.043, [0.011, 0.078]));
        assert_eq!(
            f.sentence(),
            "SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: +0.043 [+0.011, +0.078] → agrees"
        );
        let m = Finding::new(
            seed_claim("adapter-interchangeable").unwrap(),
            cmp("replicate", "conv1x1", -0.004, [-0.021, 0.013]),
        );
        assert_eq!(
            m.sentence(),
            "replicate − conv1x1, validation ROC AUC, n = 64: -0.004 [-0.021, +0.013] (margin ±0.030) → agrees"
        );
        let v = Finding::new(
            seed_claim("mass-calc-auc").unwrap(),
            Estimate::value(
                "SCRATCH_6",
                "test ROC AUC, n = 120",
                0.861,
                [0.812, 0.905],
                "bootstrap",
            ),
        );
        assert_eq!(
            v.sentence(),
            "SCRATCH_6, test ROC AUC, n = 120: 0.861 [0.812, 0.905] vs the seed's 0.870 → agrees"
        );
        let n = Finding::not_run(
            seed_claim("contrast-helps-bm-adam").unwrap(),
            "full profile only",
        );
        assert_eq!(n.status(), "not run in this profile");
        assert_eq!(n.sentence(), "not run in this profile: full profile only");
    }

    #[test]
    fn verdict_line_format() {
        let f = Finding::new(
            seed_claim("augmentation-helps").unwrap(),
            cmp("SCRATCH_2", "SCRATCH_1", -0.05, [-0.09, -0.01]),
        );
        assert_eq!(
            f.verdict_line("02_scratch"),
            "VERDICT 02_scratch: augmentation-helps: disagrees: SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: -0.050 [-0.090, -0.010]"
        );
        let e = Finding::from_result::<Comparison>(
            seed_claim("ensemble-beats-best-member").unwrap(),
            Err(Error::invalid("comparison", "too few\nresamples")),
        )
        .with_weights_note(Some("VGG16 ran on RANDOM weights".into()));
        let line = e.verdict_line("05_ensemble");
        assert!(
            line.starts_with("VERDICT 05_ensemble: ensemble-beats-best-member: not estimated: "),
            "{line}"
        );
        assert!(
            !line.contains('\n') && line.ends_with("(VGG16 ran on RANDOM weights)"),
            "{line}"
        );
    }

    #[test]
    fn findings_render_every_claim_and_replace_by_id() {
        let mut fs = Findings::for_notebook("02_scratch");
        let ids: Vec<String> = seed_claims()
            .into_iter()
            .filter(|c| c.notebook == "02_scratch")
            .map(|c| c.id)
            .collect();
        assert_eq!(fs.len(), ids.len());
        assert!(ids.len() >= 5);
        fs.add(Finding::new(
            seed_claim("augmentation-helps").unwrap(),
            cmp("SCRATCH_2", "SCRATCH_1", 0.043, [0.011, 0.078]),
        ));
        fs.add(Finding::new(
            seed_claim("rmsprop-at-least-adam").unwrap(),
            cmp("SCRATCH_4", "SCRATCH_2", -0.1, [-0.2, -0.05]),
        ));
        fs.add(
            Finding::new(
                seed_claim("contrast-helps-bm").unwrap(),
                cmp("SCRATCH_BM_V6", "SCRATCH_BM_V4", 0.01, [-0.05, 0.07]),
            )
            .with_weights_note(Some("tested nothing about ImageNet features".into())),
        );
        fs.record(
            "mass-calc-auc",
            Ok(Estimate::value(
                "SCRATCH_6",
                "test ROC AUC, n = 120",
                0.86,
                [0.81, 0.91],
                "bootstrap",
            )),
        )
        .unwrap();
        assert!(fs
            .record("no-such-claim", Ok(cmp("A", "B", 0.0, [0.0, 0.0])))
            .is_err());
        assert_eq!(
            fs.len(),
            ids.len(),
            "added findings replace the pending ones"
        );
        assert_eq!(fs.findings[0].claim.id, "augmentation-helps");
        assert_eq!(fs.counts(), [2, 1, 1, ids.len() - 4]);
        let html = fs.to_html().0;
        for id in &ids {
            assert!(html.contains(&format!("<b>{id}</b>")), "{id} missing");
        }
        for c in seed_claims().iter().filter(|c| c.notebook == "02_scratch") {
            assert!(html.contains(&html_escape(&c.section)));
            assert!(html.contains(&html_escape(&c.evidence)));
        }
        assert!(html.contains("+0.043 [+0.011, +0.078]"));
        assert!(html.contains(">agrees</td>") && html.contains("#e8f5e9"));
        assert!(html.contains(">disagrees</td>") && html.contains("#ffebee"));
        assert!(html.contains(">undecided</td>"));
        assert!(html.contains(">not run in this profile</td>"));
        assert!(html.contains("tested nothing about ImageNet features"));
        assert!(html.contains("2 agree, 1 disagrees, 1 undecided"));
        let lines = fs.verdict_lines();
        assert_eq!(lines.len(), ids.len());
        assert!(lines.iter().all(|l| l.starts_with("VERDICT 02_scratch: ")));
        assert!(lines.contains(
            &"VERDICT 02_scratch: contrast-helps-bm-adam: not run in this profile: SCRATCH_BM_V2 (Adam, contrast 2) and SCRATCH_BM_V5 (Adam, no contrast) are not both trained in this profile"
                .to_string()
        ));
        assert!(fs
            .to_string()
            .contains("augmentation-helps (§4.1): SCRATCH_2 − SCRATCH_1"));
    }

    #[test]
    fn seed_claims_are_well_formed() {
        let all = seed_claims();
        let mut ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len(), "unique ids");
        for c in &all {
            assert!(c.section.starts_with('§'), "{}", c.id);
            assert!(
                !c.statement.is_empty() && !c.evidence.is_empty(),
                "{}",
                c.id
            );
            assert_eq!(c.b.is_some(), c.prediction.is_difference(), "{}", c.id);
            assert!(
                ["02_scratch", "03_pretrained", "04_siamese", "05_ensemble"]
                    .contains(&c.notebook.as_str()),
                "{}",
                c.id
            );
        }
        assert!(seed_claim("no-such-claim").is_err());
    }
}
