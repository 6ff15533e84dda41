//! The metrics of a set with 95% bootstrap intervals, binary or multi-class, and a run's metrics
//! on its validation and test sets.
use crate::data::tasks::Task;
use crate::error::Result;
use crate::metrics;
use crate::train::{auc_or_nan, predicted_labels, prob_loss};
/// Number of bootstrap resamples for the 95% intervals.
pub const N_BOOT: usize = 1000;

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
    let mut rng = crate::rng::SeededRng::seed_from_u64(seed);
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
