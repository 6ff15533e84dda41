//! What this run found: every claim the seed report made, this run's estimate of it with its 95%
//! interval, and a verdict computed from the numbers by a stated rule. No result sentence is typed
//! by hand: a notebook's closing cell adds its comparisons ([`crate::metrics::stats::Comparison`]) or
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
//!
//! Notes computed from a finding's runs qualify its verdict, beside it and in its `VERDICT` line:
//! runs on random backbone weights ([`random_weights_note`]), ensemble members that rank nothing
//! ([`crate::experiment::run::constant_members_note`]), and runs trained for fewer epochs than the
//! seed's ([`short_training_note`]: a verdict on the models after those epochs, not on the seed's
//! trained ones).
use crate::display::{html_escape, Html};
use crate::error::Result;
use crate::experiment::run::Run;
use crate::metrics::stats::Comparison;

mod claim;
mod claims;
mod estimate;

pub use claim::*;
pub use claims::*;
pub use estimate::*;

/// The default margin (in ROC AUC) within which two configurations count as interchangeable, and
/// by which "A at least as good as B" lets A be worse.
pub const DEFAULT_MARGIN: f64 = 0.03;

/// The widest 95% interval with which "about the seed's value" can agree: a wider one contains
/// almost any value (a tiny test set), so it shows nothing and the verdict is undecided.
pub const ABOUT_MAX_WIDTH: f64 = 0.2;

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

    /// These findings for a dataset: each claim whose task the dataset cannot serve
    /// ([`crate::data::dataset::Dataset::supports`], e.g. mass vs calcification on a
    /// labelled-image dataset) is "not run on this data", with the reason, instead of "not run
    /// in this profile". The notebook's cells of that task are skipped.
    pub fn on(mut self, ds: &crate::data::dataset::Dataset) -> Findings {
        for f in &mut self.findings {
            if !matches!(f.outcome, Outcome::NotRun(_)) {
                continue;
            }
            if let Some(why) = f.claim.tasks.iter().find_map(|&t| ds.supports(t).err()) {
                f.outcome = Outcome::NotOnThisData(why);
            }
        }
        self
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
    /// profile ([`crate::experiment::compare::compare_named`]): "not run" with the reason when it was not.
    pub fn record_paired(
        &mut self,
        id: &str,
        result: Result<crate::experiment::compare::Paired>,
    ) -> Result<&mut Findings> {
        let claim = seed_claim(id)?;
        Ok(self.add(match result {
            Ok(crate::experiment::compare::Paired::Made(c)) => Finding::new(claim, c),
            Ok(crate::experiment::compare::Paired::NotRun { why, .. }) => {
                Finding::not_run(claim, why)
            }
            Err(e) => Finding::from_result::<Comparison>(claim, Err(e)),
        }))
    }

    /// Attach a caveat computed from the runs (`None`: none) to the finding of claim `id`, e.g.
    /// [`short_training_note`]; a claim without an estimate (not run, not estimated) has no
    /// verdict to qualify and takes none. An error only when no finding has that id.
    pub fn note(&mut self, id: &str, note: Option<String>) -> Result<&mut Findings> {
        let nb = self.notebook.clone();
        let f = self
            .findings
            .iter_mut()
            .find(|f| f.claim.id == id)
            .ok_or_else(|| {
                crate::error::Error::invalid(
                    "finding",
                    format!("{nb} has no finding for the claim '{id}'"),
                )
            })?;
        if matches!(f.outcome, Outcome::Estimated(_)) {
            f.notes.extend(note);
        }
        Ok(self)
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
            let note: String = f
                .notes
                .iter()
                .map(|n| {
                    format!(
                        "<div style=\"color:#c60;font-size:90%;margin-top:3px\">⚠ {}</div>",
                        html_escape(n)
                    )
                })
                .collect();
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
        let Ok(kind) = crate::models::backbones::BackboneKind::parse(r.config.model.name()) else {
            continue;
        };
        // What the run recorded it was trained with; for a run saved before weights were
        // recorded, a guess from its configuration and the files present now.
        let has = match r.weights() {
            Some(crate::models::pretrained::WeightsRecord::Random) => false,
            Some(crate::models::pretrained::WeightsRecord::File { .. }) => true,
            None => {
                r.config
                    .model
                    .pretrained()
                    .is_some_and(|p| p.weights.is_some())
                    || crate::models::backbones::find_default_weights(
                        crate::runtime::profile::project_root(),
                        kind,
                    )
                    .is_some()
            }
        };
        let name = match kind {
            crate::models::backbones::BackboneKind::Vgg16 => "VGG16",
            crate::models::backbones::BackboneKind::InceptionV3 => "InceptionV3",
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

/// A note for a finding whose runs trained fewer epochs than the seed's rows they reproduce (a
/// run named after a seed row, e.g. `SIAMESE_5`, whose row states its epochs: the `quick` and
/// `smoke` profiles train fewer, [`crate::experiment::seedref::epochs_for`]); `None` when every
/// such run trained at least the seed's epochs, or no run reproduces a seed row. What a run
/// trained is its configuration's epochs (a run that its early stopping ended sooner was still
/// given them). The verdict is still the rule's, but it is a verdict on the models after that
/// many epochs, not on the seed's trained ones: a network that learns more slowly (the Siamese
/// network's two towers) can trail early and lead later.
pub fn short_training_note<'a>(runs: impl IntoIterator<Item = &'a Run>) -> Option<String> {
    let held: Vec<(&Run, usize)> = runs
        .into_iter()
        .filter_map(|r| {
            let row = crate::experiment::seedref::find_row(&r.config.name).ok()?;
            Some((r, row.params.epochs?))
        })
        .collect();
    stopped_early(&held, None)
}

/// [`short_training_note`] for runs that train seed row `row`'s recipe under names of their own
/// (03's `ADAPTER_replicate_s1`, ... train BEST INCEPTION's): every run is held to that row's
/// epochs, and the note names the row. `Ok(None)` when the row states no epochs or every run
/// trained at least them; an unknown row is an error naming it.
pub fn short_training_note_as<'a>(
    row: &str,
    runs: impl IntoIterator<Item = &'a Run>,
) -> Result<Option<String>> {
    let Some(seed) = crate::experiment::seedref::find_row(row)?.params.epochs else {
        return Ok(None);
    };
    let held: Vec<(&Run, usize)> = runs.into_iter().map(|r| (r, seed)).collect();
    Ok(stopped_early(&held, Some(row)))
}

/// The note for runs held to the seed's epochs given beside each; runs that trained the same
/// number of the same seed epochs are named together ("A and B each trained ...").
fn stopped_early(runs: &[(&Run, usize)], recipe: Option<&str>) -> Option<String> {
    let mut groups: Vec<(usize, usize, Vec<&str>)> = Vec::new();
    let mut profiles: Vec<&'static str> = Vec::new();
    for &(r, seed) in runs {
        let trained = r.config.optim.epochs;
        if trained >= seed {
            continue;
        }
        let name = r.config.name.as_str();
        match groups.iter_mut().find(|g| g.0 == trained && g.1 == seed) {
            Some(g) if g.2.contains(&name) => {}
            Some(g) => g.2.push(name),
            None => groups.push((trained, seed, vec![name])),
        }
        let p = r.config.runtime.profile.name();
        if !profiles.contains(&p) {
            profiles.push(p);
        }
    }
    if groups.is_empty() {
        return None;
    }
    let recipe = recipe.map(|row| format!(" for {row}")).unwrap_or_default();
    let parts: Vec<String> = groups
        .iter()
        .map(|(trained, seed, names)| {
            let each = if names.len() > 1 { "each " } else { "" };
            format!(
                "{} {each}trained {trained} of the seed's {seed} epochs{recipe}",
                and_list(names)
            )
        })
        .collect();
    Some(format!(
        "stopped early: {} (the {} profile; `full` trains the seed's epochs), so this verdict is \
         on the models after those epochs, not on the seed's trained models",
        parts.join("; "),
        profiles.join(" and ")
    ))
}

/// "A", "A and B", "A, B and C".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests;
