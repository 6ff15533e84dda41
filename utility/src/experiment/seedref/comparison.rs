//! The seed's numbers beside this run's: a table per seed table, as HTML for the notebooks and
//! CSV (`<runs>/<table>_vs_seed.csv`).
use super::*;
use crate::display::{html_escape, Html};
use crate::error::Result;
use crate::experiment::notebook::Env;
use crate::experiment::run::Run;
use crate::report::table::{TABLE_OPEN, TD, TH};
use crate::runtime::profile::Profile;
use crate::train::config::TrainConfig;
use std::path::Path;
/// This project's numbers for a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub accuracy: f64,
    pub loss: f64,
    pub f2: f64,
    pub auc: f64,
    /// The AUC's 95% bootstrap interval, when computed.
    pub auc_ci: Option<[f64; 2]>,
    /// `test` or `validation`.
    pub set: &'static str,
}

impl Measured {
    pub fn get(&self, m: Metric) -> f64 {
        match m {
            Metric::Accuracy => self.accuracy,
            Metric::Loss => self.loss,
            Metric::F2 => self.f2,
            Metric::Auc => self.auc,
        }
    }
}

/// Where a comparison row's numbers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Its own run.
    Run,
    /// Its own run should be there but is not.
    NotRun,
    /// Not trained in this profile.
    FullOnly,
    /// The run of another row.
    SameRunAs(String),
    /// Read from another row's history at this epoch.
    FromHistory { of: String, epoch: usize },
    /// The average of these rows' runs.
    Ensemble(Vec<String>),
    /// The numbers cannot be had (the reason).
    Unavailable(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Run => f.write_str("run"),
            Status::NotRun => f.write_str("not run yet"),
            Status::FullOnly => f.write_str("full profile only"),
            Status::SameRunAs(of) => write!(f, "the run of {of}"),
            Status::FromHistory { of, epoch } => {
                write!(f, "read from {of}'s history (epoch {epoch})")
            }
            Status::Ensemble(m) => write!(f, "average of {}", m.join(" + ")),
            Status::Unavailable(why) => f.write_str(why),
        }
    }
}

/// One row of a [`SeedComparison`].
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub id: String,
    /// The seed's row name.
    pub label: String,
    /// Every hyper-parameter's shown value, in [`Param::ALL`] order.
    pub params: Vec<(Param, String)>,
    pub seed: SeedNumbers,
    /// e.g. "last epoch (50)".
    pub seed_from: String,
    /// This project's numbers, when there are any.
    pub run: Option<Measured>,
    /// e.g. "test, best epoch (12) of 35".
    pub run_from: String,
    /// Validation metrics at the last epoch of the row's run (for a row read from a history:
    /// at its epoch, which is its last).
    pub last: Option<EpochMetrics>,
    pub status: Status,
    /// Configuration fields in which the run found differs from the row's (data folder,
    /// device and speed-only settings aside).
    pub differs: Vec<String>,
    pub note: String,
}

impl ComparisonRow {
    /// The status as shown.
    pub fn status_text(&self) -> String {
        if self.differs.is_empty() {
            self.status.to_string()
        } else {
            format!(
                "{}; differs from the seed's row in: {}",
                self.status,
                self.differs.join(", ")
            )
        }
    }
    pub fn param(&self, p: Param) -> &str {
        self.params
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// The seed's table beside this project's runs: one row per seed row, its hyper-parameters, and
/// for accuracy, loss, F2 and AUC the seed's number and this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedComparison {
    pub id: String,
    pub title: String,
    pub section: String,
    pub profile: Profile,
    pub params: Vec<Param>,
    pub reported: Vec<Metric>,
    pub rows: Vec<ComparisonRow>,
    pub note: String,
}

/// Fields ignored when checking that a run is a row's: where the data lives, the device, and
/// settings that change speed only.
const IGNORED_FIELDS: &[&str] = &["dir", "device", "channels_last", "micro_batch", "weights"];

/// The configuration fields in which `actual` differs from `expected`, by their settings names
/// (see `IGNORED_FIELDS`; an `auto` precision accepts any).
pub fn config_differences(expected: &TrainConfig, actual: &TrainConfig) -> Vec<String> {
    let (Some(a), Some(b)) = (expected.flat_fields(), actual.flat_fields()) else {
        return vec!["(configuration unreadable)".into()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !IGNORED_FIELDS.contains(&k.as_str()))
        .filter(|k| !(k.as_str() == "precision" && expected.runtime.precision.is_none()))
        .filter(|k| a.get(k.as_str()) != b.get(k.as_str()))
        .map(|k| k.to_string())
        .collect()
}

fn epoch_label(run: &Run, set: &str) -> String {
    match &run.history {
        Some(h) if !h.epochs.is_empty() => {
            let l = h.epochs.len();
            let e = h.best_epoch;
            let mut s = if e == l || e == 0 {
                format!("{set}, last epoch ({l})")
            } else {
                format!("{set}, best epoch ({e}) of {l}")
            };
            if h.stopped_early {
                s.push_str(&format!(
                    ", early-stopped (planned {})",
                    run.config.optim.epochs
                ));
            }
            s
        }
        _ if !run.members.is_empty() => format!("{set}, average of the members' kept weights"),
        _ => set.to_string(),
    }
}

fn measured(run: &Run) -> Measured {
    let (m, set) = match &run.metrics.test {
        Some(t) => (t, "test"),
        None => (&run.metrics.validation, "validation"),
    };
    let ci = m.ci.roc_auc;
    Measured {
        accuracy: m.accuracy,
        loss: m.loss,
        f2: m.f2,
        auc: m.roc_auc,
        auc_ci: (ci[0].is_finite() && ci[1].is_finite()).then_some(ci),
        set,
    }
}

impl SeedComparison {
    /// The comparison of `table` with `runs` (matched to rows by run name: a row's id, the row
    /// it is the same run as or read from, or [`ENSEMBLE_RUN`]); `env` gives the profile and the
    /// configurations the runs are checked against. Rows without a run keep the seed's numbers.
    pub fn new<'a>(
        table: &SeedTable,
        env: &Env,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Result<SeedComparison> {
        let runs: Vec<&Run> = runs.into_iter().collect();
        let find = |name: &str| runs.iter().copied().find(|r| r.config.name == name);
        let profile = env.profile;
        let mut rows = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            let seed_from = match row.params.epochs {
                Some(e) => format!("last epoch ({e})"),
                None if matches!(row.source, Source::Ensemble(_) | Source::SameRunAs(_)) => {
                    match find_row(row.run_name()).ok().and_then(|r| r.params.epochs) {
                        Some(e) => format!("last epoch ({e})"),
                        None => "last epoch".into(),
                    }
                }
                None => "last epoch".into(),
            };
            let mut c = ComparisonRow {
                id: row.id.to_string(),
                label: row.label.to_string(),
                params: Param::ALL.iter().map(|&p| (p, row.param(p))).collect(),
                seed: row.seed,
                seed_from,
                run: None,
                run_from: String::new(),
                last: None,
                status: Status::NotRun,
                differs: Vec::new(),
                note: row.note.clone(),
            };
            let name = row.run_name();
            match &row.source {
                Source::Own | Source::SameRunAs(_) => {
                    let own = row.source == Source::Own;
                    match find(name) {
                        Some(r) => {
                            let m = measured(r);
                            c.run_from = epoch_label(r, m.set);
                            c.run = Some(m);
                            c.last = r.history.as_ref().and_then(|h| last_epoch(h).ok());
                            c.status = if own {
                                Status::Run
                            } else {
                                Status::SameRunAs(name.to_string())
                            };
                            c.differs = match row.config(env) {
                                Ok(want) => config_differences(&want, &r.config),
                                Err(e) => vec![format!("(no configuration: {e})")],
                            };
                        }
                        None => {
                            c.status = if row.measured_in(profile) {
                                if own {
                                    Status::NotRun
                                } else {
                                    Status::Unavailable(format!("{name} not run yet"))
                                }
                            } else {
                                Status::FullOnly
                            };
                        }
                    }
                }
                Source::Epoch { of, .. } => {
                    let of: &str = of;
                    let epoch = row.epoch_in(profile)?.unwrap_or(0);
                    match find(of) {
                        Some(r) => {
                            match r.history.as_ref().map(|h| row.derived_metrics(profile, h)) {
                                Some(Ok(m)) => {
                                    c.run = Some(Measured {
                                        accuracy: m.val_accuracy,
                                        loss: m.val_loss,
                                        f2: m.val_f2,
                                        auc: m.val_auc,
                                        auc_ci: None,
                                        set: "validation",
                                    });
                                    c.run_from = format!(
                                    "validation, last epoch ({epoch}): epoch {epoch} of {of}'s {} (F2 at 0.5)",
                                    r.history.as_ref().map_or(0, |h| h.epochs.len())
                                );
                                    c.last = Some(m);
                                    c.status = Status::FromHistory {
                                        of: of.to_string(),
                                        epoch,
                                    };
                                    c.differs = match find_row(of).and_then(|s| s.config(env)) {
                                        Ok(want) => config_differences(&want, &r.config),
                                        Err(e) => vec![format!("(no configuration: {e})")],
                                    };
                                }
                                Some(Err(e)) => {
                                    c.status = Status::Unavailable(format!("{of}'s history: {e}"))
                                }
                                None => {
                                    c.status =
                                        Status::Unavailable(format!("{of} has no history saved"))
                                }
                            }
                        }
                        None => {
                            c.status = if row.measured_in(profile) {
                                Status::Unavailable(format!(
                                    "not run yet (read from {of}'s history, epoch {epoch})"
                                ))
                            } else {
                                Status::FullOnly
                            };
                        }
                    }
                }
                Source::Ensemble(members) => match find(ENSEMBLE_RUN) {
                    Some(r) => {
                        let m = measured(r);
                        c.run_from = epoch_label(r, m.set);
                        c.run = Some(m);
                        c.status =
                            Status::Ensemble(members.iter().map(|s| s.to_string()).collect());
                        if !r.members.is_empty() {
                            let want: Vec<String> = members.iter().map(|s| s.to_string()).collect();
                            if r.members != want {
                                c.differs = vec![format!("members ({})", r.members.join(" + "))];
                            }
                        }
                    }
                    None => {
                        c.status = if row.measured_in(profile) {
                            Status::Unavailable(format!("{ENSEMBLE_RUN} not made yet"))
                        } else {
                            Status::FullOnly
                        }
                    }
                },
            }
            rows.push(c);
        }
        Ok(SeedComparison {
            id: table.id.to_string(),
            title: table.title.to_string(),
            section: table.section.to_string(),
            profile,
            params: table.params.clone(),
            reported: table.reported.clone(),
            rows,
            note: table.note.clone(),
        })
    }

    /// The comparison with the runs saved under `env.runs` (those of the table's rows that are
    /// there; an ensemble is not saved, pass it to [`SeedComparison::new`]).
    pub fn load(table: &SeedTable, env: &Env) -> Result<SeedComparison> {
        let mut names: Vec<&str> = table.rows.iter().map(|r| r.run_name()).collect();
        names.sort_unstable();
        names.dedup();
        let runs: Vec<Run> = names
            .into_iter()
            .filter(|n| *n != ENSEMBLE_RUN)
            .map(|n| env.runs.join(n))
            .filter(|d| d.join("metrics.json").exists())
            .map(crate::experiment::run::load)
            .collect::<Result<_>>()?;
        SeedComparison::new(table, env, &runs)
    }

    /// A row by id or the seed's label.
    pub fn row(&self, id_or_label: &str) -> Option<&ComparisonRow> {
        self.rows
            .iter()
            .find(|r| r.id == id_or_label)
            .or_else(|| self.rows.iter().find(|r| r.label == id_or_label))
    }

    /// The table as HTML: hyper-parameters, then per metric the seed's number and this run's
    /// (grey: the seed's), where they come from, the last epoch's validation metrics, status
    /// and notes.
    pub fn to_html(&self) -> Html {
        let mut h = String::from(TABLE_OPEN);
        h.push_str(&format!(
            "<caption style=\"font-weight:bold;padding:4px\">{} — the seed's table ({}) beside this project's runs (profile {})</caption>",
            html_escape(&self.title),
            html_escape(&self.section),
            self.profile
        ));
        // Header, two rows.
        h.push_str("<thead><tr>");
        h.push_str(&format!("<th{TH} rowspan=\"2\">row</th>"));
        for p in &self.params {
            h.push_str(&format!(
                "<th{TH} rowspan=\"2\">{}</th>",
                html_escape(p.label())
            ));
        }
        for m in Metric::ALL {
            let span = if m == Metric::Auc { 3 } else { 2 };
            h.push_str(&format!(
                "<th{TH} colspan=\"{span}\">{}</th>",
                html_escape(m.label())
            ));
        }
        h.push_str(&format!("<th{TH} rowspan=\"2\">seed's numbers from</th>"));
        h.push_str(&format!(
            "<th{TH} rowspan=\"2\">this run's numbers from</th>"
        ));
        h.push_str(&format!(
            "<th{TH} colspan=\"4\">this run, validation at its last epoch</th>"
        ));
        h.push_str(&format!("<th{TH} rowspan=\"2\">status</th>"));
        h.push_str(&format!("<th{TH} rowspan=\"2\">note</th>"));
        h.push_str("</tr><tr>");
        for m in Metric::ALL {
            h.push_str(&format!("<th{TH}>seed</th><th{TH}>this run</th>"));
            if m == Metric::Auc {
                h.push_str(&format!("<th{TH}>95% CI</th>"));
            }
        }
        for m in Metric::ALL {
            h.push_str(&format!("<th{TH}>{}</th>", html_escape(m.label())));
        }
        h.push_str("</tr></thead><tbody>");
        for r in &self.rows {
            h.push_str("<tr>");
            h.push_str(&format!("<td{TDL}><b>{}</b></td>", html_escape(&r.label)));
            for p in &self.params {
                h.push_str(&format!("<td{TDL}>{}</td>", html_escape(r.param(*p))));
            }
            for m in Metric::ALL {
                let seed = if self.reported.contains(&m) {
                    fmt_seed(r.seed.get(m))
                } else {
                    "n/a".into()
                };
                h.push_str(&format!("<td{TDS}>{}</td>", html_escape(&seed)));
                h.push_str(&format!(
                    "<td{TD}>{}</td>",
                    fmt_run(r.run.as_ref().map(|x| x.get(m)))
                ));
                if m == Metric::Auc {
                    let ci = r
                        .run
                        .as_ref()
                        .and_then(|x| x.auc_ci)
                        .map(|[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
                        .unwrap_or_default();
                    h.push_str(&format!("<td{TD}>{ci}</td>"));
                }
            }
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.seed_from)));
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.run_from)));
            let l = r.last;
            for v in [
                l.map(|m| m.val_accuracy),
                l.map(|m| m.val_loss),
                l.map(|m| m.val_f2),
                l.map(|m| m.val_auc),
            ] {
                h.push_str(&format!("<td{TD}>{}</td>", fmt_run(v)));
            }
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.status_text())));
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.note)));
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        if !self.note.is_empty() {
            h.push_str(&format!(
                "<p style=\"font-size:12px\">{}</p>",
                html_escape(&self.note)
            ));
        }
        Html(h)
    }

    /// Shown by evcxr when the comparison is a cell's value.
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }

    /// Show the table inline (in a notebook).
    pub fn show(&self) {
        self.to_html().show();
    }

    /// The CSV header (the same for every table: every hyper-parameter column).
    pub fn csv_header() -> String {
        let mut cols: Vec<String> = vec!["table".into(), "id".into(), "label".into()];
        cols.extend(Param::ALL.iter().map(|p| p.key().to_string()));
        for m in Metric::ALL {
            cols.push(format!("seed_{}", m.key()));
            cols.push(format!("run_{}", m.key()));
        }
        cols.extend(
            [
                "run_auc_lo",
                "run_auc_hi",
                "seed_extra",
                "seed_from",
                "run_set",
                "run_from",
                "last_epoch",
                "last_val_accuracy",
                "last_val_loss",
                "last_val_f2",
                "last_val_auc",
                "status",
                "note",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        cols.join(",")
    }

    /// The table as CSV (numbers unrounded, empty where missing).
    pub fn to_csv(&self) -> String {
        let mut s = Self::csv_header();
        s.push('\n');
        for r in &self.rows {
            let mut v: Vec<String> =
                vec![csv_field(&self.id), csv_field(&r.id), csv_field(&r.label)];
            v.extend(Param::ALL.iter().map(|&p| csv_field(r.param(p))));
            for m in Metric::ALL {
                let seed = if self.reported.contains(&m) {
                    r.seed.get(m)
                } else {
                    None
                };
                v.push(csv_num(seed));
                v.push(csv_num(r.run.as_ref().map(|x| x.get(m))));
            }
            let ci = r.run.as_ref().and_then(|x| x.auc_ci);
            v.push(csv_num(ci.map(|c| c[0])));
            v.push(csv_num(ci.map(|c| c[1])));
            v.push(csv_num(r.seed.extra));
            v.push(csv_field(&r.seed_from));
            v.push(csv_field(r.run.as_ref().map_or("", |x| x.set)));
            v.push(csv_field(&r.run_from));
            v.push(r.last.map(|m| m.epoch.to_string()).unwrap_or_default());
            v.push(csv_num(r.last.map(|m| m.val_accuracy)));
            v.push(csv_num(r.last.map(|m| m.val_loss)));
            v.push(csv_num(r.last.map(|m| m.val_f2)));
            v.push(csv_num(r.last.map(|m| m.val_auc)));
            v.push(csv_field(&r.status_text()));
            v.push(csv_field(&r.note));
            s.push_str(&v.join(","));
            s.push('\n');
        }
        s
    }

    /// Write the CSV atomically.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fsx::write_bytes_atomic(path, self.to_csv().as_bytes())
    }
}

/// The seed's numbers: grey.
pub(crate) const TDS: &str = " style=\"padding:2px 6px;text-align:right;background:#eee\"";
const TDL: &str = " style=\"padding:2px 6px;text-align:left\"";

/// The seed's number as it printed it; "–" for its dashes.
pub(crate) fn fmt_seed(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{x}"),
        None => "–".into(),
    }
}

/// This project's number, 3 decimals; blank when missing.
pub(crate) fn fmt_run(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => String::new(),
    }
}

fn csv_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains(',') || s.contains('"') || s.contains('\n') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
