//! Evaluation of runs: predictions, the validation-chosen threshold, metrics with 95% bootstrap
//! intervals, the run folder's files (`predictions.csv`, `metrics.json`, `config.json`,
//! `history.csv`), and the average-voting ensemble of seed §7.
use crate::config::{ThresholdPolicy, TrainConfig};
use crate::error::{Error, Result};
use crate::metrics;
use crate::pretrained::WeightsRecord;
use crate::tasks::Task;
use crate::train::{predicted_labels, prob_loss, History, Trained};
use std::path::Path;

/// Number of bootstrap resamples for the 95% intervals.
pub const N_BOOT: usize = 1000;

/// ROC AUC, or NaN (explained in the metrics' `note`) when a set has a single class.
pub fn auc_or_nan(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let r = if task.n_classes() == 2 {
        metrics::roc_auc(labels, probs)
    } else {
        metrics::roc_auc_ovr_macro(labels, probs, task.n_classes())
    };
    r.unwrap_or(f64::NAN)
}

/// F2 at threshold 0.5 (binary) or macro F1 (4-class), for the per-epoch history.
pub fn f2_at_half(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let pred = predicted_labels(task, probs, 0.5);
    if task.n_classes() == 2 {
        metrics::f2(labels, &pred).unwrap_or(f64::NAN)
    } else {
        metrics::macro_f1(labels, &pred).unwrap_or(f64::NAN)
    }
}

/// A 95% interval.
pub type Interval = [f64; 2];

/// 95% bootstrap intervals of the main metrics.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Intervals {
    pub accuracy: Interval,
    pub f2: Interval,
    pub roc_auc: Interval,
}

/// Metrics of one set (validation or test).
///
/// In `metrics.json` a binary set also has `specificity` and `f2_trivial` (the F2 of calling
/// every case positive at this set's prevalence, [`SetMetrics::f2_trivial`]): both follow from
/// the confusion matrix, so they are computed, not stored, and runs saved before they were
/// written have them too.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct SetMetrics {
    pub n: usize,
    /// Binary tasks: the threshold chosen on validation (positive when probability >= it).
    pub threshold: Option<f64>,
    pub accuracy: f64,
    /// Binary: of the positive class. 4-class: macro average.
    pub precision: f64,
    pub recall: f64,
    /// Binary: F2. 4-class: macro F1 (documented in docs/RUNS.md).
    pub f2: f64,
    /// Binary: ROC AUC. 4-class: one-vs-rest macro ROC AUC. NaN (null) when undefined.
    pub roc_auc: f64,
    pub loss: f64,
    /// Rows: true class, columns: predicted. Binary: [[TN, FP], [FN, TP]].
    pub confusion_matrix: Vec<Vec<usize>>,
    pub ci: Intervals,
    /// Why a value is missing, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl SetMetrics {
    /// Binary tasks: `[[TN, FP], [FN, TP]]` as counts; `None` for the 4-class task.
    fn binary_counts(&self) -> Option<[[usize; 2]; 2]> {
        match self.confusion_matrix.as_slice() {
            [a, b] if a.len() == 2 && b.len() == 2 => Some([[a[0], a[1]], [b[0], b[1]]]),
            _ => None,
        }
    }

    /// Binary tasks: the share of positive (class 1, e.g. malignant) cases in the set.
    pub fn prevalence(&self) -> Option<f64> {
        let [[tn, fp], [fn_, tp]] = self.binary_counts()?;
        let n = tn + fp + fn_ + tp;
        (n > 0).then(|| (fn_ + tp) as f64 / n as f64)
    }

    /// Binary tasks: F2 of the trivial rule "every case positive" ("everything malignant") at
    /// this set's prevalence `p`: `5p / (4p + 1)` (precision `p`, recall 1). An F2 at or below
    /// it says the threshold separates nothing. `None` for the 4-class task.
    pub fn f2_trivial(&self) -> Option<f64> {
        crate::metrics::f2_all_positive(self.prevalence()?).ok()
    }

    /// Binary tasks: specificity `TN / (TN + FP)` at the threshold (the share of negative,
    /// e.g. benign, cases called negative); `None` for the 4-class task or without negatives.
    pub fn specificity(&self) -> Option<f64> {
        let [[tn, fp], _] = self.binary_counts()?;
        (tn + fp > 0).then(|| tn as f64 / (tn + fp) as f64)
    }
}

impl serde::Serialize for SetMetrics {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let binary = self.binary_counts().is_some();
        let n_fields = 10 + usize::from(binary) * 2 + usize::from(self.note.is_some());
        let mut st = s.serialize_struct("SetMetrics", n_fields)?;
        st.serialize_field("n", &self.n)?;
        st.serialize_field("threshold", &self.threshold)?;
        st.serialize_field("accuracy", &self.accuracy)?;
        st.serialize_field("precision", &self.precision)?;
        st.serialize_field("recall", &self.recall)?;
        if binary {
            st.serialize_field("specificity", &self.specificity())?;
        }
        st.serialize_field("f2", &self.f2)?;
        if binary {
            st.serialize_field("f2_trivial", &self.f2_trivial())?;
        }
        st.serialize_field("roc_auc", &self.roc_auc)?;
        st.serialize_field("loss", &self.loss)?;
        st.serialize_field("confusion_matrix", &self.confusion_matrix)?;
        st.serialize_field("ci", &self.ci)?;
        if let Some(note) = &self.note {
            st.serialize_field("note", note)?;
        }
        st.end()
    }
}

/// Metrics of a run: validation and (when the dataset has one) test.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunMetrics {
    pub task: Task,
    pub validation: SetMetrics,
    pub test: Option<SetMetrics>,
}

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

fn interval(
    labels: &[u8],
    probs: &[f64],
    seed: u64,
    f: impl Fn(&[u8], &[f64]) -> Result<f64>,
) -> Interval {
    match metrics::bootstrap_ci(labels, probs, N_BOOT, seed, 0.05, f) {
        Ok((a, b)) => [a, b],
        Err(_) => [f64::NAN, f64::NAN],
    }
}

/// Metrics of a set at a threshold (binary) or by argmax (4-class), with bootstrap intervals.
pub fn set_metrics(
    task: Task,
    labels: &[u8],
    probs: &[f64],
    threshold: f64,
    seed: u64,
) -> Result<SetMetrics> {
    if labels.is_empty() {
        return crate::error::invalid("evaluation", "the set is empty");
    }
    let k = task.n_classes();
    if probs.len() != labels.len() * if k == 2 { 1 } else { k } {
        return crate::error::invalid(
            "evaluation",
            format!("{} probabilities for {} labels", probs.len(), labels.len()),
        );
    }
    let pred = predicted_labels(task, probs, threshold);
    let cm = metrics::confusion_matrix(labels, &pred, k)?;
    let auc = auc_or_nan(task, labels, probs);
    let note = auc.is_nan().then(|| {
        let present: Vec<usize> = (0..k)
            .filter(|&c| labels.iter().any(|&l| l as usize == c))
            .collect();
        format!("ROC AUC is undefined: the set holds only class(es) {present:?}")
    });
    let m = if k == 2 {
        let acc = metrics::accuracy(labels, &pred)?;
        SetMetrics {
            n: labels.len(),
            threshold: Some(threshold),
            accuracy: acc,
            precision: metrics::precision(labels, &pred)?,
            recall: metrics::recall(labels, &pred)?,
            f2: metrics::f2(labels, &pred)?,
            roc_auc: auc,
            loss: prob_loss(task, labels, probs),
            confusion_matrix: cm,
            ci: Intervals {
                accuracy: interval(labels, probs, seed, |y, p| {
                    metrics::accuracy(y, &predicted_labels(task, p, threshold))
                }),
                f2: interval(labels, probs, seed, |y, p| {
                    metrics::f2(y, &predicted_labels(task, p, threshold))
                }),
                roc_auc: interval(labels, probs, seed, metrics::roc_auc),
            },
            note,
        }
    } else {
        // Bootstrap over samples for the 4-class task: resample indices by hand.
        let (p, r) = macro_precision_recall(&cm);
        SetMetrics {
            n: labels.len(),
            threshold: None,
            accuracy: metrics::multiclass_accuracy(labels, &pred)?,
            precision: p,
            recall: r,
            f2: metrics::macro_f1(labels, &pred)?,
            roc_auc: auc,
            loss: prob_loss(task, labels, probs),
            confusion_matrix: cm,
            ci: multiclass_intervals(task, labels, probs, seed),
            note,
        }
    };
    Ok(m)
}

fn macro_precision_recall(cm: &[Vec<usize>]) -> (f64, f64) {
    let k = cm.len().max(1);
    let (mut p, mut r) = (0.0, 0.0);
    for c in 0..cm.len() {
        let tp = cm[c][c] as f64;
        let pred: f64 = cm.iter().map(|row| row[c] as f64).sum();
        let act: f64 = cm[c].iter().map(|&v| v as f64).sum();
        p += if pred > 0.0 { tp / pred } else { 0.0 };
        r += if act > 0.0 { tp / act } else { 0.0 };
    }
    (p / k as f64, r / k as f64)
}

fn multiclass_intervals(task: Task, labels: &[u8], probs: &[f64], seed: u64) -> Intervals {
    use rand::{Rng, SeedableRng};
    let k = task.n_classes();
    let n = labels.len();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut acc, mut f1, mut auc) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..N_BOOT {
        let idx: Vec<usize> = (0..n).map(|_| rng.gen_range(0..n)).collect();
        let y: Vec<u8> = idx.iter().map(|&i| labels[i]).collect();
        let p: Vec<f64> = idx
            .iter()
            .flat_map(|&i| probs[i * k..(i + 1) * k].iter().copied())
            .collect();
        let pred = predicted_labels(task, &p, 0.5);
        if let Ok(v) = metrics::multiclass_accuracy(&y, &pred) {
            acc.push(v);
        }
        if let Ok(v) = metrics::macro_f1(&y, &pred) {
            f1.push(v);
        }
        if let Ok(v) = metrics::roc_auc_ovr_macro(&y, &p, k) {
            auc.push(v);
        }
    }
    let q = |mut v: Vec<f64>| -> Interval {
        if v.len() < N_BOOT / 2 {
            return [f64::NAN, f64::NAN];
        }
        v.sort_by(f64::total_cmp);
        let at = |f: f64| v[((v.len() - 1) as f64 * f).round() as usize];
        [at(0.025), at(0.975)]
    };
    Intervals {
        accuracy: q(acc),
        f2: q(f1),
        roc_auc: q(auc),
    }
}

/// One prediction: which set, the row in that set's source file, the true task label, and the
/// probability of class 1 (binary) or of each class (4-class).
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub set: String,
    pub index: usize,
    pub label: u8,
    pub probs: Vec<f64>,
}

/// Predictions of a run for validation and test.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    pub task: Task,
    pub rows: Vec<Prediction>,
}

impl Predictions {
    /// Labels and flat probabilities of one set.
    pub fn of_set(&self, set: &str) -> (Vec<u8>, Vec<f64>) {
        let rows: Vec<&Prediction> = self.rows.iter().filter(|r| r.set == set).collect();
        (
            rows.iter().map(|r| r.label).collect(),
            rows.iter().flat_map(|r| r.probs.iter().copied()).collect(),
        )
    }

    /// CSV: `set,index,label,probability` (binary) or `set,index,label,p0,p1,p2,p3` (4-class).
    pub fn to_csv(&self) -> String {
        let k = self.task.n_classes();
        let mut s = if k == 2 {
            "set,index,label,probability\n".to_string()
        } else {
            format!(
                "set,index,label,{}\n",
                (0..k)
                    .map(|c| format!("p{c}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        for r in &self.rows {
            let ps: Vec<String> = r.probs.iter().map(|p| format!("{p}")).collect();
            s.push_str(&format!(
                "{},{},{},{}\n",
                r.set,
                r.index,
                r.label,
                ps.join(",")
            ));
        }
        s
    }

    pub fn from_csv(task: Task, text: &str, path: &Path) -> Result<Predictions> {
        let k = task.n_classes();
        let want = if k == 2 { 4 } else { 3 + k };
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        if !header.starts_with("set,index,label,") || header.split(',').count() != want {
            return Err(Error::bad_file(
                path,
                format!("not a predictions file for the {task} task (header '{header}')"),
            ));
        }
        let mut rows = Vec::new();
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Vec<&str> = l.split(',').collect();
            let bad = |what: &str| Error::bad_file(path, format!("line {}: {what}", i + 2));
            if v.len() != want {
                return Err(bad(&format!("expected {want} fields")));
            }
            if v[0] != "validation" && v[0] != "test" {
                return Err(bad("set must be validation or test"));
            }
            let probs = v[3..]
                .iter()
                .map(|x| x.trim().parse::<f64>())
                .collect::<std::result::Result<Vec<f64>, _>>()
                .map_err(|_| bad("bad probability"))?;
            if probs.iter().any(|p| !(0.0..=1.0).contains(p)) {
                return Err(bad("probability outside [0, 1]"));
            }
            rows.push(Prediction {
                set: v[0].to_string(),
                index: v[1].trim().parse().map_err(|_| bad("bad index"))?,
                label: v[2].trim().parse().map_err(|_| bad("bad label"))?,
                probs,
            });
        }
        Ok(Predictions { task, rows })
    }
}

/// Metrics of a run from its predictions: threshold chosen on validation, applied to test.
pub fn metrics_from_predictions(
    preds: &Predictions,
    policy: ThresholdPolicy,
    seed: u64,
) -> Result<RunMetrics> {
    let task = preds.task;
    let (vl, vp) = preds.of_set("validation");
    if vl.is_empty() {
        return crate::error::invalid("predictions", "no validation predictions");
    }
    let thr = if task.n_classes() == 2 {
        choose_threshold(policy, &vl, &vp)?
    } else {
        0.5
    };
    let validation = set_metrics(task, &vl, &vp, thr, seed)?;
    let (tl, tp) = preds.of_set("test");
    let test = if tl.is_empty() {
        None
    } else {
        Some(set_metrics(task, &tl, &tp, thr, seed)?)
    };
    Ok(RunMetrics {
        task,
        validation,
        test,
    })
}

/// Predict validation and test of a trained model.
pub fn predict_run(t: &Trained, tta: bool) -> Result<Predictions> {
    let aug = tta.then(crate::augment::Augment::default);
    let k = t.config.task.n_classes();
    let per = if k == 2 { 1 } else { k };
    let mut rows = Vec::new();
    let vp = t
        .model
        .predict(&t.data.train_set, &t.data.val, 128, aug.as_ref())?;
    for (i, s) in t.data.val.iter().enumerate() {
        rows.push(Prediction {
            set: "validation".into(),
            index: s.row,
            label: s.label,
            probs: vp[i * per..(i + 1) * per].to_vec(),
        });
    }
    if let Some(ts) = &t.data.test_set {
        let tp = t.model.predict(ts, &t.data.test, 128, aug.as_ref())?;
        for (i, s) in t.data.test.iter().enumerate() {
            rows.push(Prediction {
                set: "test".into(),
                index: s.row,
                label: s.label,
                probs: tp[i * per..(i + 1) * per].to_vec(),
            });
        }
    }
    Ok(Predictions {
        task: t.config.task,
        rows,
    })
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Other(format!("JSON: {e}"))
}

/// Write a run's configuration (`config.json`, atomically).
pub fn write_config(dir: &Path, cfg: &TrainConfig) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    crate::fsx::write_bytes_atomic(
        dir.join("config.json"),
        serde_json::to_string_pretty(cfg)
            .map_err(json_err)?
            .as_bytes(),
    )
}

/// Read a run folder's configuration (`config.json`), naming the folder or file when it is
/// missing or not a mammo configuration.
pub fn read_config(dir: &Path) -> Result<TrainConfig> {
    let cfg_path = dir.join("config.json");
    if !cfg_path.exists() {
        return Err(Error::bad_file(
            dir,
            "not a run folder: config.json is missing",
        ));
    }
    serde_json::from_slice(&crate::fsx::read_bytes(&cfg_path)?)
        .map_err(|e| Error::bad_file(&cfg_path, format!("not a mammo run config: {e}")))
}

/// `metrics.json`: the run's metrics, then how its threshold was chosen and (pretrained models)
/// which backbone weights it used.
#[derive(serde::Serialize)]
struct MetricsFile<'a> {
    #[serde(flatten)]
    metrics: &'a RunMetrics,
    threshold_policy: ThresholdChoice,
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<&'a WeightsRecord>,
}

/// The text of a run's `metrics.json`: `task`, `validation`, `test` ([`RunMetrics`]), then
/// `threshold_policy` ([`threshold_choice`] of `cfg.threshold`) and, when given, `weights`.
pub fn metrics_json(
    cfg: &TrainConfig,
    m: &RunMetrics,
    weights: Option<&WeightsRecord>,
) -> Result<String> {
    serde_json::to_string_pretty(&MetricsFile {
        metrics: m,
        threshold_policy: threshold_choice(cfg.threshold, m.task, &m.validation),
        weights,
    })
    .map_err(json_err)
}

/// Write a run's files into `dir` (each atomically): config.json, history.csv, predictions.csv,
/// and last metrics.json ([`metrics_json`]), whose presence marks a complete run (the weights
/// are written during training). `weights`: the backbone weights a pretrained run used
/// (`None` for the scratch and Siamese models and ensembles).
pub fn write_run(
    dir: &Path,
    cfg: &TrainConfig,
    history: Option<&History>,
    preds: &Predictions,
    m: &RunMetrics,
    weights: Option<&WeightsRecord>,
) -> Result<()> {
    write_config(dir, cfg)?;
    if let Some(h) = history {
        crate::fsx::write_bytes_atomic(dir.join("history.csv"), h.to_csv().as_bytes())?;
    }
    crate::fsx::write_bytes_atomic(dir.join("predictions.csv"), preds.to_csv().as_bytes())?;
    crate::fsx::write_bytes_atomic(
        dir.join("metrics.json"),
        metrics_json(cfg, m, weights)?.as_bytes(),
    )
}

/// The backbone weights recorded in a run folder's `metrics.json` (`None` when it has none: a
/// scratch or Siamese run, an ensemble, an unfinished run, or one saved before weights were
/// recorded).
pub fn read_weights(dir: &Path) -> Result<Option<WeightsRecord>> {
    let mp = dir.join("metrics.json");
    if !mp.exists() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_slice(&crate::fsx::read_bytes(&mp)?)
        .map_err(|e| Error::bad_file(&mp, format!("unreadable metrics: {e}")))?;
    match v.get("weights") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(w) => serde_json::from_value(w.clone())
            .map(Some)
            .map_err(|e| Error::bad_file(&mp, format!("unreadable weights record: {e}"))),
    }
}

/// A saved run, read back from its folder.
#[derive(Debug, Clone)]
pub struct SavedRun {
    pub dir: std::path::PathBuf,
    pub config: TrainConfig,
    pub predictions: Predictions,
    pub metrics: Option<RunMetrics>,
    pub history: Option<History>,
}

impl SavedRun {
    pub fn load(dir: impl AsRef<Path>) -> Result<SavedRun> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::bad_file(dir, "not a run folder (no such folder)"));
        }
        let config = read_config(dir)?;
        let pp = dir.join("predictions.csv");
        let text = String::from_utf8(crate::fsx::read_bytes(&pp)?)
            .map_err(|_| Error::bad_file(&pp, "not UTF-8 text"))?;
        let predictions = Predictions::from_csv(config.task, &text, &pp)?;
        let mp = dir.join("metrics.json");
        let metrics = if mp.exists() {
            Some(
                serde_json::from_slice(&crate::fsx::read_bytes(&mp)?)
                    .map_err(|e| Error::bad_file(&mp, format!("unreadable metrics: {e}")))?,
            )
        } else {
            None
        };
        let hp = dir.join("history.csv");
        let history = if hp.exists() {
            let t = String::from_utf8(crate::fsx::read_bytes(&hp)?)
                .map_err(|_| Error::bad_file(&hp, "not UTF-8 text"))?;
            let mut h = History::from_csv(&t, &hp)?;
            h.infer_best(config.monitor, config.epochs);
            Some(h)
        } else {
            None
        };
        Ok(SavedRun {
            dir: dir.to_path_buf(),
            config,
            predictions,
            metrics,
            history,
        })
    }
}

/// Average voting (seed §7): the mean of the runs' probabilities for each (set, index).
///
/// All runs must be of the same task. Runs of different models may have predicted different
/// numbers of samples (the quick and smoke profiles give pretrained models fewer images); the
/// ensemble then averages over the samples every run predicted, and says how many that is. This
/// stays honest: a run predicts a validation or test sample only if it did not train on it, so a
/// sample all runs predicted is held out for all of them. A sample labelled differently by two
/// runs means they were trained on different data, which is an error.
pub fn ensemble(runs: &[&Predictions]) -> Result<Predictions> {
    let first = runs
        .first()
        .ok_or_else(|| Error::invalid("ensemble", "needs at least one run"))?;
    type Key = (String, usize);
    let mut sums: std::collections::BTreeMap<Key, (Prediction, usize)> = first
        .rows
        .iter()
        .map(|p| ((p.set.clone(), p.index), (p.clone(), 1)))
        .collect();
    for (i, r) in runs.iter().enumerate().skip(1) {
        if r.task != first.task {
            return crate::error::invalid(
                "ensemble",
                format!(
                    "run {} is a {} run, run 1 a {} run",
                    i + 1,
                    r.task,
                    first.task
                ),
            );
        }
        for p in &r.rows {
            if let Some((b, n)) = sums.get_mut(&(p.set.clone(), p.index)) {
                if b.label != p.label || b.probs.len() != p.probs.len() {
                    return crate::error::invalid(
                        "ensemble",
                        format!(
                            "run {} labels {} sample {} as {}, run 1 as {}: ensemble runs trained on the same dataset",
                            i + 1,
                            p.set,
                            p.index,
                            p.label,
                            b.label
                        ),
                    );
                }
                for (x, y) in b.probs.iter_mut().zip(&p.probs) {
                    *x += y;
                }
                *n += 1;
            }
        }
    }
    let n_runs = runs.len();
    let mut rows = Vec::new();
    for (_, (mut p, n)) in sums {
        if n == n_runs {
            for x in p.probs.iter_mut() {
                *x /= n_runs as f64;
            }
            rows.push(p);
        }
    }
    let count = |ps: &[Prediction], set: &str| ps.iter().filter(|p| p.set == set).count();
    for set in ["validation", "test"] {
        let most = runs.iter().map(|r| count(&r.rows, set)).max().unwrap_or(0);
        let shared = count(&rows, set);
        if most > 0 && shared == 0 {
            return crate::error::invalid(
                "ensemble",
                format!("the runs share no {set} sample: ensemble runs trained with the same data and seed"),
            );
        }
        if shared < most {
            crate::display::notice(&format!(
                "ensemble: the runs predicted different {set} samples (their profiles give them different sizes);                  averaging over the {shared} that all {n_runs} predicted"
            ));
        }
    }
    Ok(Predictions {
        task: first.task,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preds(rows: &[(&str, usize, u8, f64)]) -> Predictions {
        Predictions {
            task: Task::BenignMalignant,
            rows: rows
                .iter()
                .map(|&(set, index, label, p)| Prediction {
                    set: set.into(),
                    index,
                    label,
                    probs: vec![p],
                })
                .collect(),
        }
    }

    /// The collapse case of `metrics.rs` as a validation set, and a test set of prevalence 1/4
    /// (big enough that no bootstrap interval is undefined).
    fn collapse_run() -> Predictions {
        let y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
        let s = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];
        let mut rows: Vec<(&str, usize, u8, f64)> = y
            .iter()
            .zip(s)
            .enumerate()
            .map(|(i, (&y, s))| ("validation", 2 * i + 1, y, s))
            .collect();
        let test = [
            (1, 0.9),
            (1, 0.4),
            (0, 0.6),
            (0, 0.3),
            (0, 0.01),
            (0, 0.2),
            (0, 0.5),
            (0, 0.1),
        ];
        for (i, (y, s)) in test.into_iter().enumerate() {
            rows.push(("test", 2 * i + 1, y, s));
        }
        preds(&rows)
    }

    #[test]
    fn metrics_show_f2_beside_the_everything_malignant_rule() {
        let p = collapse_run();
        let old = metrics_from_predictions(&p, ThresholdPolicy::MaxF2, 1).unwrap();
        let v = &old.validation;
        assert_eq!(v.threshold, Some(0.05));
        // Everything malignant: F2 is exactly the trivial rule's, 5p / (4p + 1) at p = 0.6.
        assert_eq!(v.prevalence(), Some(0.6));
        assert!((v.f2_trivial().unwrap() - 15.0 / 17.0).abs() < 1e-15);
        assert!((v.f2 - v.f2_trivial().unwrap()).abs() < 1e-15);
        assert_eq!(v.specificity(), Some(0.0));
        let c = threshold_choice(ThresholdPolicy::MaxF2, Task::BenignMalignant, v);
        assert_eq!(c.outcome, ThresholdOutcome::Unconstrained);
        assert_eq!(c.label(), "f2");

        let policy = ThresholdPolicy::MaxF2MinSpecificity(0.5);
        let new = metrics_from_predictions(&p, policy, 1).unwrap();
        let v = &new.validation;
        assert_eq!(v.threshold, Some(0.55));
        assert_eq!(v.specificity(), Some(0.5));
        assert!((v.f2 - 15.0 / 29.0).abs() < 1e-15);
        let c = threshold_choice(policy, Task::BenignMalignant, v);
        assert_eq!(c.outcome, ThresholdOutcome::ConstraintMet);
        assert_eq!(
            (c.setting.as_str(), c.label()),
            ("f2@spec0.5", "f2@spec0.5".into())
        );
        assert_eq!(c.validation_specificity, Some(0.5));
        // The test set (2 malignant in 8) at 0.55: tp 1, fp 1, fn 1 -> F2 = 5 / (8 + 2) = 0.5,
        // below the trivial rule's there: p = 1/4 -> 5/4 / 2 = 0.625.
        let t = new.test.as_ref().unwrap();
        assert!((t.f2 - 0.5).abs() < 1e-15);
        assert!((t.f2_trivial().unwrap() - 0.625).abs() < 1e-15);
        assert_eq!(t.specificity(), Some(5.0 / 6.0));
        // metrics.json has both, per set, and names the policy.
        let cfg = {
            let mut c = TrainConfig::new(
                Task::BenignMalignant,
                crate::config::ModelKind::Scratch,
                crate::profile::Profile::Smoke,
            );
            c.threshold = policy;
            c
        };
        let j: serde_json::Value =
            serde_json::from_str(&metrics_json(&cfg, &new, None).unwrap()).unwrap();
        assert!((j["test"]["f2_trivial"].as_f64().unwrap() - 0.625).abs() < 1e-15);
        assert_eq!(j["validation"]["specificity"], 0.5);
        assert_eq!(j["threshold_policy"]["setting"], "f2@spec0.5");
        assert_eq!(j["threshold_policy"]["outcome"], "constraint-met");
        assert!(j["threshold_policy"]["name"]
            .as_str()
            .unwrap()
            .contains("specificity >= 0.5"));
        assert!(j.get("weights").is_none(), "no weights for a scratch run");
        // And it loads back as the metrics it was written from.
        let back: RunMetrics = serde_json::from_value(j).unwrap();
        assert_eq!(back, new);
    }

    #[test]
    fn a_policy_that_falls_back_says_so() {
        let p = preds(&[
            ("validation", 1, 0, 0.9),
            ("validation", 3, 0, 0.9),
            ("validation", 5, 1, 0.8),
            ("validation", 7, 1, 0.7),
            ("validation", 9, 0, 0.1),
        ]);
        let policy = ThresholdPolicy::MaxF2MinSpecificity(0.5);
        let m = metrics_from_predictions(&p, policy, 1).unwrap();
        assert_eq!(m.validation.threshold, Some(0.7));
        let c = threshold_choice(policy, Task::BenignMalignant, &m.validation);
        assert_eq!(c.outcome, ThresholdOutcome::Fallback);
        assert_eq!(c.label(), "f2@spec0.5 (fallback)");
        assert!(c.note.contains("FALLBACK"), "{}", c.note);
        // The 4-class task has no threshold, and no trivial F2.
        let four = SetMetrics {
            confusion_matrix: vec![vec![1, 0, 0, 0]; 4],
            threshold: None,
            ..m.validation.clone()
        };
        assert_eq!(four.f2_trivial(), None);
        let j = serde_json::to_value(&four).unwrap();
        assert!(j.get("f2_trivial").is_none() && j.get("specificity").is_none());
        let c = threshold_choice(ThresholdPolicy::Fixed(0.5), Task::FourClass, &four);
        assert_eq!(c.outcome, ThresholdOutcome::Argmax);
    }

    #[test]
    fn metrics_saved_before_f2_trivial_and_weights_still_load() {
        let m = metrics_from_predictions(&collapse_run(), ThresholdPolicy::MaxF2, 1).unwrap();
        let mut j = serde_json::to_value(&m).unwrap();
        for set in ["validation", "test"] {
            let o = j[set].as_object_mut().unwrap();
            assert!(o.remove("f2_trivial").is_some() && o.remove("specificity").is_some());
        }
        let old: RunMetrics = serde_json::from_value(j).unwrap();
        assert_eq!(old, m);
        // The trivial F2 of an old run follows from its confusion matrix.
        assert!((old.validation.f2_trivial().unwrap() - 15.0 / 17.0).abs() < 1e-15);
        // read_weights: none recorded (old run, scratch run, no metrics.json), or the record.
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_weights(dir.path()).unwrap(), None);
        std::fs::write(
            dir.path().join("metrics.json"),
            serde_json::to_string(&m).unwrap(),
        )
        .unwrap();
        assert_eq!(read_weights(dir.path()).unwrap(), None);
        let cfg = TrainConfig::new(
            Task::BenignMalignant,
            crate::config::ModelKind::Vgg16,
            crate::profile::Profile::Smoke,
        );
        let w = WeightsRecord::File {
            path: "data/weights/vgg16.safetensors".into(),
            bytes: 3,
            sha256: "ab".repeat(32),
        };
        std::fs::write(
            dir.path().join("metrics.json"),
            metrics_json(&cfg, &m, Some(&w)).unwrap(),
        )
        .unwrap();
        assert_eq!(read_weights(dir.path()).unwrap(), Some(w));
        std::fs::write(dir.path().join("metrics.json"), "{").unwrap();
        assert!(read_weights(dir.path()).is_err());
    }

    #[test]
    fn ensemble_averages_the_samples_every_run_predicted() {
        let a = preds(&[
            ("validation", 1, 0, 0.2),
            ("validation", 2, 1, 0.6),
            ("test", 5, 1, 0.9),
            ("test", 6, 0, 0.1),
        ]);
        // A run with fewer samples (a subset), in another order.
        let b = preds(&[("test", 5, 1, 0.5), ("validation", 2, 1, 0.8)]);
        let e = ensemble(&[&a, &b]).unwrap();
        let got: Vec<(String, usize, f64)> = e
            .rows
            .iter()
            .map(|p| (p.set.clone(), p.index, p.probs[0]))
            .collect();
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0.as_str(), got[0].1), ("test", 5));
        assert!((got[0].2 - 0.7).abs() < 1e-12);
        assert_eq!((got[1].0.as_str(), got[1].1), ("validation", 2));
        assert!((got[1].2 - 0.7).abs() < 1e-12);
        // Identical runs average to themselves.
        assert_eq!(ensemble(&[&a, &a]).unwrap().rows.len(), 4);
    }

    #[test]
    fn ensemble_refuses_other_data_and_disjoint_runs() {
        let a = preds(&[("validation", 1, 0, 0.2), ("test", 5, 1, 0.9)]);
        let relabelled = preds(&[("validation", 1, 1, 0.2), ("test", 5, 1, 0.9)]);
        let e = ensemble(&[&a, &relabelled]).unwrap_err().to_string();
        assert!(e.contains("labels validation sample 1"), "{e}");
        let disjoint = preds(&[("validation", 3, 0, 0.2), ("test", 7, 1, 0.9)]);
        let e = ensemble(&[&a, &disjoint]).unwrap_err().to_string();
        assert!(e.contains("share no validation sample"), "{e}");
    }
}
