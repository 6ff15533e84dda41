//! Classification metrics with scikit-learn semantics (checked against scikit-learn 1.8 by
//! `tests/metrics_fixtures.rs`, fixtures made by `scripts/fixtures/make_metric_fixtures.py`).
//!
//! Conventions:
//! * binary labels are `u8` 0/1 (1 = positive class), scores are `f64` probabilities of class 1;
//! * a prediction is positive when `score >= threshold` ([`predict`]);
//! * where scikit-learn's default `zero_division="warn"` gives 0.0 (precision without positive
//!   predictions, recall without positive cases, F-beta with neither), these functions give 0.0;
//! * where a metric is undefined (ROC with one class), or the input is bad (lengths differ, empty
//!   input, NaN or infinite scores, labels other than 0/1), the functions return an error instead
//!   of scikit-learn's warning-and-NaN; nothing here panics.
//!
//! Choose a decision threshold on the validation set with [`best_threshold`], then apply it to the
//! test set with [`binary_metrics`]; [`bootstrap_ci`] and [`binary_ci`] give percentile bootstrap
//! intervals.
use std::cmp::Ordering;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::invalid;
use crate::{Error, Result};

// ---- validation helpers ------------------------------------------------------------------

fn check_lengths(n_true: usize, n_other: usize, other: &str) -> Result<()> {
    if n_true != n_other {
        return invalid(
            "input",
            format!("y_true has {n_true} samples but {other} has {n_other}"),
        );
    }
    if n_true == 0 {
        return invalid("input", "empty input: the metric needs at least one sample");
    }
    Ok(())
}

fn check_binary_labels(y: &[u8], name: &str) -> Result<()> {
    match y.iter().position(|&v| v > 1) {
        Some(i) => invalid(
            name,
            format!("binary labels must be 0 or 1, found {} at index {i}", y[i]),
        ),
        None => Ok(()),
    }
}

fn check_finite(scores: &[f64], name: &str) -> Result<()> {
    match scores.iter().position(|v| !v.is_finite()) {
        Some(i) => invalid(
            name,
            format!("scores must be finite, found {} at index {i}", scores[i]),
        ),
        None => Ok(()),
    }
}

fn check_probabilities(probs: &[f64], name: &str) -> Result<()> {
    check_finite(probs, name)?;
    match probs.iter().position(|&p| !(0.0..=1.0).contains(&p)) {
        Some(i) => invalid(
            name,
            format!(
                "probabilities must lie in [0, 1], found {} at index {i}",
                probs[i]
            ),
        ),
        None => Ok(()),
    }
}

fn check_beta(beta: f64) -> Result<()> {
    if beta.is_nan() || beta < 0.0 {
        return invalid("beta", format!("beta must be >= 0, got {beta}"));
    }
    Ok(())
}

fn check_binary_pair(y_true: &[u8], y_pred: &[u8]) -> Result<()> {
    check_lengths(y_true.len(), y_pred.len(), "y_pred")?;
    check_binary_labels(y_true, "y_true")?;
    check_binary_labels(y_pred, "y_pred")
}

fn check_binary_scores(y_true: &[u8], scores: &[f64]) -> Result<()> {
    check_lengths(y_true.len(), scores.len(), "scores")?;
    check_binary_labels(y_true, "y_true")?;
    check_finite(scores, "scores")
}

/// The error of a metric that needs both classes on a set that has one only.
fn one_class_error(metric: &str, y_true: &[u8]) -> Error {
    let c = y_true.first().copied().unwrap_or(0);
    Error::invalid(
        "y_true",
        format!(
            "{metric} is undefined: the set has only one class ({} samples of class {c})",
            y_true.len()
        ),
    )
}

// ---- confusion counts --------------------------------------------------------------------

/// Binary confusion counts.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    tp: usize,
    fp: usize,
    tn: usize,
    fn_: usize,
}

impl Counts {
    fn of(y_true: &[u8], y_pred: &[u8]) -> Counts {
        let mut c = Counts::default();
        for (&t, &p) in y_true.iter().zip(y_pred) {
            match (t, p) {
                (1, 1) => c.tp += 1,
                (0, 1) => c.fp += 1,
                (1, _) => c.fn_ += 1,
                _ => c.tn += 1,
            }
        }
        c
    }
}

/// `num / den`, or 0.0 where `den` is 0 (scikit-learn's default `zero_division`).
fn divide(num: f64, den: f64) -> f64 {
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

/// F-beta from counts, with scikit-learn's formula
/// `(1 + b^2) tp / (b^2 (tp + fn) + (tp + fp))`; `beta = inf` is recall, `beta = 0` precision.
fn fbeta_counts(tp: usize, pred_pos: usize, true_pos: usize, beta: f64) -> f64 {
    if beta == f64::INFINITY {
        return divide(tp as f64, true_pos as f64);
    }
    if beta == 0.0 {
        return divide(tp as f64, pred_pos as f64);
    }
    let b2 = beta * beta;
    divide(
        (1.0 + b2) * tp as f64,
        b2 * true_pos as f64 + pred_pos as f64,
    )
}

/// The confusion matrix of labels `0..n_classes`: rows are the true class, columns the predicted
/// one, like `sklearn.metrics.confusion_matrix(labels=range(n_classes))`; for binary labels it is
/// `[[TN, FP], [FN, TP]]`.
pub fn confusion_matrix(y_true: &[u8], y_pred: &[u8], n_classes: usize) -> Result<Vec<Vec<usize>>> {
    check_lengths(y_true.len(), y_pred.len(), "y_pred")?;
    if n_classes == 0 {
        return invalid("n_classes", "need at least one class");
    }
    let mut m = vec![vec![0usize; n_classes]; n_classes];
    for (i, (&t, &p)) in y_true.iter().zip(y_pred).enumerate() {
        let (t, p) = (t as usize, p as usize);
        if t >= n_classes || p >= n_classes {
            return invalid(
                "labels",
                format!(
                    "label {} at index {i} is not below n_classes = {n_classes}",
                    t.max(p)
                ),
            );
        }
        m[t][p] += 1;
    }
    Ok(m)
}

/// Binary predictions: 1 where `score >= threshold`, else 0.
pub fn predict(scores: &[f64], threshold: f64) -> Result<Vec<u8>> {
    check_finite(scores, "scores")?;
    if threshold.is_nan() {
        return invalid("threshold", "threshold is NaN");
    }
    Ok(scores.iter().map(|&s| u8::from(s >= threshold)).collect())
}

// ---- binary metrics on predictions -------------------------------------------------------

/// Fraction of correct binary predictions (`accuracy_score`).
pub fn accuracy(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_binary_pair(y_true, y_pred)?;
    multiclass_accuracy(y_true, y_pred)
}

/// Precision `TP / (TP + FP)` of the positive class; 0.0 without positive predictions.
pub fn precision(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_binary_pair(y_true, y_pred)?;
    let c = Counts::of(y_true, y_pred);
    Ok(divide(c.tp as f64, (c.tp + c.fp) as f64))
}

/// Recall (sensitivity) `TP / (TP + FN)` of the positive class; 0.0 without positive cases.
pub fn recall(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_binary_pair(y_true, y_pred)?;
    let c = Counts::of(y_true, y_pred);
    Ok(divide(c.tp as f64, (c.tp + c.fn_) as f64))
}

/// F-beta score of the positive class (`fbeta_score`); 0.0 when there are neither positive cases
/// nor positive predictions. `beta` must be >= 0 (`inf` gives recall, 0 precision).
pub fn fbeta(y_true: &[u8], y_pred: &[u8], beta: f64) -> Result<f64> {
    check_binary_pair(y_true, y_pred)?;
    check_beta(beta)?;
    let c = Counts::of(y_true, y_pred);
    Ok(fbeta_counts(c.tp, c.tp + c.fp, c.tp + c.fn_, beta))
}

/// F1 score of the positive class (`fbeta` with beta = 1).
pub fn f1(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    fbeta(y_true, y_pred, 1.0)
}

/// F2 score of the positive class (`fbeta` with beta = 2: recall weighs more than precision).
pub fn f2(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    fbeta(y_true, y_pred, 2.0)
}

// ---- ranking metrics -----------------------------------------------------------------------

/// A ROC curve as `sklearn.metrics.roc_curve(drop_intermediate=True)` returns it: `thresholds`
/// decrease and the first one is `+inf` (no positive prediction, point (0, 0)). Note that JSON has
/// no infinity: serde_json writes that first threshold as `null`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// False positive rates, non-decreasing from 0 to 1.
    pub fpr: Vec<f64>,
    /// True positive rates, non-decreasing from 0 to 1.
    pub tpr: Vec<f64>,
    /// The score thresholds (`score >= threshold` is positive), decreasing, first `+inf`.
    pub thresholds: Vec<f64>,
}

/// Cumulative false and true positives at each distinct score, highest score first
/// (scikit-learn's `_binary_clf_curve`): `(fps, tps, thresholds)`.
fn clf_curve(y_true: &[u8], scores: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    // Stable, descending; scores are finite and -0.0 ties with 0.0, as in NumPy.
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap_or(Ordering::Equal));
    let (mut fps, mut tps, mut thr) = (Vec::new(), Vec::new(), Vec::new());
    let mut tp = 0usize;
    for (k, &i) in order.iter().enumerate() {
        tp += usize::from(y_true[i] == 1);
        let last_of_group = order
            .get(k + 1)
            .is_none_or(|&next| scores[next] != scores[i]);
        if last_of_group {
            tps.push(tp as f64);
            fps.push((k + 1 - tp) as f64);
            thr.push(scores[i]);
        }
    }
    (fps, tps, thr)
}

/// The ROC curve of binary labels against scores, exactly like `sklearn.metrics.roc_curve` with
/// `drop_intermediate=True`. Errors when a class is missing (the curve is undefined), on length
/// mismatch, empty input, labels other than 0/1, or non-finite scores.
pub fn roc_curve(y_true: &[u8], scores: &[f64]) -> Result<RocCurve> {
    check_binary_scores(y_true, scores)?;
    let n_pos = y_true.iter().filter(|&&v| v == 1).count();
    if n_pos == 0 || n_pos == y_true.len() {
        return Err(one_class_error("ROC curve", y_true));
    }
    let (fps, tps, thr) = clf_curve(y_true, scores);
    // Drop the points collinear with their neighbours (where neither second difference is 0).
    let keep: Vec<usize> = if fps.len() > 2 {
        (0..fps.len())
            .filter(|&i| {
                i == 0
                    || i == fps.len() - 1
                    || (fps[i + 1] - fps[i]) - (fps[i] - fps[i - 1]) != 0.0
                    || (tps[i + 1] - tps[i]) - (tps[i] - tps[i - 1]) != 0.0
            })
            .collect()
    } else {
        (0..fps.len()).collect()
    };
    let n_neg = (y_true.len() - n_pos) as f64;
    let n_pos = n_pos as f64;
    let mut curve = RocCurve {
        fpr: vec![0.0],
        tpr: vec![0.0],
        thresholds: vec![f64::INFINITY],
    };
    for i in keep {
        curve.fpr.push(fps[i] / n_neg);
        curve.tpr.push(tps[i] / n_pos);
        curve.thresholds.push(thr[i]);
    }
    Ok(curve)
}

/// Area under a curve by the trapezoid rule (`sklearn.metrics.auc` for increasing `x`).
fn trapezoid(x: &[f64], y: &[f64]) -> f64 {
    x.windows(2)
        .zip(y.windows(2))
        .map(|(x, y)| (x[1] - x[0]) * (y[1] + y[0]) / 2.0)
        .sum()
}

/// Area under the ROC curve, like `sklearn.metrics.roc_auc_score` for binary labels (tied scores
/// count by the trapezoid rule, i.e. one half). A set with one class only is an error
/// ("ROC AUC is undefined: the set has only one class (N samples of class c)").
pub fn roc_auc(y_true: &[u8], scores: &[f64]) -> Result<f64> {
    check_binary_scores(y_true, scores)?;
    let n_pos = y_true.iter().filter(|&&v| v == 1).count();
    if n_pos == 0 || n_pos == y_true.len() {
        return Err(one_class_error("ROC AUC", y_true));
    }
    let c = roc_curve(y_true, scores)?;
    Ok(trapezoid(&c.fpr, &c.tpr))
}

/// Mean binary cross-entropy, like `sklearn.metrics.log_loss(y_true, probs, labels=[0, 1])` in
/// scikit-learn 1.8: the probabilities of the true class (`p` for 1, `1 - p` for 0) are clipped
/// to `[eps, 1 - eps]` with `eps = f64::EPSILON` before the natural log. Probabilities must lie in
/// [0, 1]. A one-class set is fine (the labels are always {0, 1}).
pub fn log_loss(y_true: &[u8], probs: &[f64]) -> Result<f64> {
    check_lengths(y_true.len(), probs.len(), "probs")?;
    check_binary_labels(y_true, "y_true")?;
    check_probabilities(probs, "probs")?;
    let eps = f64::EPSILON;
    let total: f64 = y_true
        .iter()
        .zip(probs)
        .map(|(&y, &p)| {
            let q = if y == 1 { p } else { 1.0 - p };
            -q.clamp(eps, 1.0 - eps).ln()
        })
        .sum();
    Ok(total / y_true.len() as f64)
}

// ---- everything at a threshold ---------------------------------------------------------------

/// The binary metrics of a set at one decision threshold (see [`binary_metrics`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    /// Decision threshold: `prob >= threshold` is a positive prediction.
    pub threshold: f64,
    /// Number of samples.
    pub n: usize,
    /// Fraction of correct predictions.
    pub accuracy: f64,
    /// Precision of the positive class (0.0 without positive predictions).
    pub precision: f64,
    /// Recall (sensitivity) of the positive class (0.0 without positive cases).
    pub recall: f64,
    /// F2 score of the positive class.
    pub f2: f64,
    /// ROC AUC; `None` when the set has one class only (it is undefined then).
    pub roc_auc: Option<f64>,
    /// Log loss (mean binary cross-entropy, see [`log_loss`]).
    pub loss: f64,
    /// `[[TN, FP], [FN, TP]]`.
    pub confusion_matrix: [[usize; 2]; 2],
}

/// All binary metrics of `probs` (probabilities of class 1) at `threshold`. Errors on bad input
/// (lengths, empty, labels, NaN or out-of-range probabilities); a one-class set gives
/// `roc_auc: None`.
pub fn binary_metrics(y_true: &[u8], probs: &[f64], threshold: f64) -> Result<BinaryMetrics> {
    let loss = log_loss(y_true, probs)?;
    let y_pred = predict(probs, threshold)?;
    let c = Counts::of(y_true, &y_pred);
    let n_pos = c.tp + c.fn_;
    let roc_auc = if n_pos == 0 || n_pos == y_true.len() {
        None
    } else {
        Some(roc_auc(y_true, probs)?)
    };
    Ok(BinaryMetrics {
        threshold,
        n: y_true.len(),
        accuracy: (c.tp + c.tn) as f64 / y_true.len() as f64,
        precision: divide(c.tp as f64, (c.tp + c.fp) as f64),
        recall: divide(c.tp as f64, n_pos as f64),
        f2: fbeta_counts(c.tp, c.tp + c.fp, n_pos, 2.0),
        roc_auc,
        loss,
        confusion_matrix: [[c.tn, c.fp], [c.fn_, c.tp]],
    })
}

/// The error of a threshold search on a set without a positive case (every threshold scores 0).
fn require_positive_case(n_pos: usize, n: usize) -> Result<()> {
    if n_pos == 0 {
        return invalid(
            "y_true",
            format!("best threshold is undefined: the set has no positive case ({n} samples of class 0)"),
        );
    }
    Ok(())
}

/// The decision threshold that maximises F-beta of `probs >= threshold` on a (validation) set,
/// searched over the distinct scores. Ties are broken towards the largest threshold (the fewest
/// positive predictions). Choose it on the validation set, then apply it unchanged to the test
/// set. Errors when the set has no positive case (every threshold scores 0) or on bad input.
pub fn best_threshold(y_true: &[u8], probs: &[f64], beta: f64) -> Result<f64> {
    check_binary_scores(y_true, probs)?;
    check_beta(beta)?;
    let n_pos = y_true.iter().filter(|&&v| v == 1).count();
    require_positive_case(n_pos, y_true.len())?;
    let (fps, tps, thr) = clf_curve(y_true, probs);
    let mut best = (f64::NEG_INFINITY, f64::NAN);
    // Thresholds decrease: a strictly better score is needed to move to a lower threshold.
    for ((&fp, &tp), &t) in fps.iter().zip(&tps).zip(&thr) {
        let (tp, fp) = (tp as usize, fp as usize);
        let f = fbeta_counts(tp, tp + fp, n_pos, beta);
        if f > best.0 {
            best = (f, t);
        }
    }
    Ok(best.1)
}

/// F-beta of the trivial rule "every case is positive" on a set whose positive prevalence is
/// `prevalence` (in [0, 1]): precision `p`, recall 1, so `(1 + b^2) p / (b^2 p + 1)`; 0 when
/// `p = 0`. A threshold whose F-beta is no better than this has learned nothing that counts.
pub fn fbeta_all_positive(prevalence: f64, beta: f64) -> Result<f64> {
    check_beta(beta)?;
    if !(0.0..=1.0).contains(&prevalence) {
        return invalid(
            "prevalence",
            format!("must lie in [0, 1], got {prevalence}"),
        );
    }
    if beta == f64::INFINITY {
        return Ok(if prevalence > 0.0 { 1.0 } else { 0.0 });
    }
    let b2 = beta * beta;
    Ok(divide((1.0 + b2) * prevalence, b2 * prevalence + 1.0))
}

/// F2 of calling every case positive ("everything malignant") at positive prevalence `p`:
/// `5p / (4p + 1)` (e.g. 0.625 at p = 0.25, 0.746 at p = 0.37). See [`fbeta_all_positive`].
pub fn f2_all_positive(prevalence: f64) -> Result<f64> {
    fbeta_all_positive(prevalence, 2.0)
}

/// Specificity `TN / (TN + FP)`: the share of negative cases predicted negative (recall of
/// class 0); 0.0 without negative cases (scikit-learn's `zero_division`).
pub fn specificity(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_binary_pair(y_true, y_pred)?;
    let c = Counts::of(y_true, y_pred);
    Ok(divide(c.tn as f64, (c.tn + c.fp) as f64))
}

/// A threshold chosen by [`best_threshold_min_specificity`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConstrainedThreshold {
    /// The threshold (`prob >= threshold` is positive): one of the set's scores.
    pub threshold: f64,
    /// F-beta at that threshold.
    pub fbeta: f64,
    /// Specificity at that threshold (1.0 when the set has no negative case).
    pub specificity: f64,
    /// Whether the threshold meets the minimum specificity; `false` is the fallback.
    pub met: bool,
}

/// The threshold that maximises F-beta among those whose specificity is at least
/// `min_specificity`, searched over the distinct scores (like [`best_threshold`], ties broken
/// towards the largest threshold).
///
/// When no score reaches the minimum (the highest-scored cases are mostly negative, or every
/// score is the same), the fallback is the highest specificity any threshold reaches (the
/// fewest false positives: at the highest score, and at lower scores that add only positive
/// cases), and among those thresholds the best F-beta; `met` is then `false`. A set without a
/// negative case meets any minimum (there is no false positive to make). Errors when the set
/// has no positive case, on bad input, or when `min_specificity` is not in [0, 1]; never panics.
pub fn best_threshold_min_specificity(
    y_true: &[u8],
    probs: &[f64],
    beta: f64,
    min_specificity: f64,
) -> Result<ConstrainedThreshold> {
    check_binary_scores(y_true, probs)?;
    check_beta(beta)?;
    if !(0.0..=1.0).contains(&min_specificity) {
        return invalid(
            "min_specificity",
            format!("must lie in [0, 1], got {min_specificity}"),
        );
    }
    let n_pos = y_true.iter().filter(|&&v| v == 1).count();
    require_positive_case(n_pos, y_true.len())?;
    let n_neg = y_true.len() - n_pos;
    let spec = |fp: usize| {
        if n_neg == 0 {
            1.0
        } else {
            (n_neg - fp) as f64 / n_neg as f64
        }
    };
    let (fps, tps, thr) = clf_curve(y_true, probs);
    let candidates: Vec<ConstrainedThreshold> = fps
        .iter()
        .zip(&tps)
        .zip(&thr)
        .map(|((&fp, &tp), &t)| {
            let (tp, fp) = (tp as usize, fp as usize);
            ConstrainedThreshold {
                threshold: t,
                fbeta: fbeta_counts(tp, tp + fp, n_pos, beta),
                specificity: spec(fp),
                met: spec(fp) >= min_specificity,
            }
        })
        .collect();
    // Thresholds decrease: a strictly better score is needed to move to a lower threshold.
    let best_of = |keep: &dyn Fn(&ConstrainedThreshold) -> bool| {
        let mut best: Option<ConstrainedThreshold> = None;
        for c in candidates.iter().filter(|c| keep(c)) {
            if best.is_none_or(|b| c.fbeta > b.fbeta) {
                best = Some(*c);
            }
        }
        best
    };
    if let Some(b) = best_of(&|c| c.met) {
        return Ok(b);
    }
    // Fallback: specificity only falls as the threshold falls, so the highest one reached is
    // the first candidate's.
    let top = candidates.first().map_or(1.0, |c| c.specificity);
    best_of(&|c| c.specificity >= top)
        .ok_or_else(|| Error::invalid("scores", "no threshold candidate (empty input)".to_string()))
}

// ---- bootstrap -------------------------------------------------------------------------------

/// Most resamples a bootstrap may skip (as a fraction of `n_boot`) before it gives up. A resample
/// misses a class with probability about `exp(-k)` when that class has `k` cases, so 20% rejects
/// sets with a single case of a class (37% skipped) and accepts two (about 14%).
pub const MAX_SKIPPED_FRACTION: f64 = 0.2;

/// A percentile bootstrap interval, with the bookkeeping of skipped resamples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapCi {
    /// Lower bound (the `alpha / 2` percentile of the resampled metric).
    pub lo: f64,
    /// Upper bound (the `1 - alpha / 2` percentile).
    pub hi: f64,
    /// The metric on the full set.
    pub estimate: f64,
    /// Resamples that contributed.
    pub n_used: usize,
    /// Resamples skipped because the metric is undefined on them (one class only).
    pub n_skipped: usize,
}

/// Percentile of sorted values with linear interpolation (NumPy's default `method="linear"`).
fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    let (a, b, t) = (sorted[lo], sorted[hi], pos - lo as f64);
    if t >= 0.5 {
        b - (b - a) * (1.0 - t)
    } else {
        a + (b - a) * t
    }
}

/// Percentile bootstrap of `metric` (see [`bootstrap_ci`]), returning the interval with the point
/// estimate and the counts of used and skipped resamples.
pub fn bootstrap<F>(
    y_true: &[u8],
    probs: &[f64],
    n_boot: usize,
    seed: u64,
    alpha: f64,
    metric: F,
) -> Result<BootstrapCi>
where
    F: Fn(&[u8], &[f64]) -> Result<f64>,
{
    check_lengths(y_true.len(), probs.len(), "probs")?;
    if n_boot == 0 {
        return invalid("n_boot", "need at least one bootstrap resample");
    }
    if !(alpha > 0.0 && alpha < 1.0) {
        return invalid("alpha", format!("alpha must lie in (0, 1), got {alpha}"));
    }
    let estimate = metric(y_true, probs)?;
    let n = y_true.len();
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut ys, mut ps) = (vec![0u8; n], vec![0f64; n]);
    let mut values = Vec::with_capacity(n_boot);
    let mut n_skipped = 0usize;
    for _ in 0..n_boot {
        for (y, p) in ys.iter_mut().zip(ps.iter_mut()) {
            let i = rng.gen_range(0..n);
            *y = y_true[i];
            *p = probs[i];
        }
        let one_class = ys.iter().all(|&v| v == ys[0]);
        match metric(&ys, &ps) {
            Ok(v) if v.is_finite() => values.push(v),
            Ok(_) | Err(_) if one_class => n_skipped += 1,
            Ok(v) => {
                return invalid(
                    "metric",
                    format!("the metric gave {v} on a bootstrap resample"),
                )
            }
            Err(e) => return Err(e),
        }
    }
    if values.is_empty() || n_skipped as f64 > MAX_SKIPPED_FRACTION * n_boot as f64 {
        return invalid(
            "bootstrap",
            format!(
                "{n_skipped} of {n_boot} resamples were skipped because the metric is undefined \
                 on them (one class only); at most {:.0}% may be: the set is too small or too \
                 imbalanced for this metric",
                MAX_SKIPPED_FRACTION * 100.0
            ),
        );
    }
    values.sort_by(f64::total_cmp);
    Ok(BootstrapCi {
        lo: percentile_sorted(&values, alpha / 2.0),
        hi: percentile_sorted(&values, 1.0 - alpha / 2.0),
        estimate,
        n_used: values.len(),
        n_skipped,
    })
}

/// Percentile bootstrap interval `(lo, hi)` of `metric(y_true, probs)` at level `1 - alpha`
/// (95% for `alpha = 0.05`): `n_boot` resamples of the cases with replacement, drawn from
/// `StdRng::seed_from_u64(seed)` (same seed, same interval). Resamples with one class only on which
/// the metric fails (or is not finite) are skipped; more than [`MAX_SKIPPED_FRACTION`] of them is
/// an error, and so is an error of the metric on the full set or on a two-class resample.
pub fn bootstrap_ci<F>(
    y_true: &[u8],
    probs: &[f64],
    n_boot: usize,
    seed: u64,
    alpha: f64,
    metric: F,
) -> Result<(f64, f64)>
where
    F: Fn(&[u8], &[f64]) -> Result<f64>,
{
    bootstrap(y_true, probs, n_boot, seed, alpha, metric).map(|c| (c.lo, c.hi))
}

/// 95% percentile bootstrap intervals of accuracy, F2 and ROC AUC at a fixed threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryCi {
    /// The decision threshold (`prob >= threshold` is positive).
    pub threshold: f64,
    /// Number of bootstrap resamples.
    pub n_boot: usize,
    /// Seed of the resampling (every metric sees the same resamples).
    pub seed: u64,
    /// Accuracy interval.
    pub accuracy: BootstrapCi,
    /// F2 interval.
    pub f2: BootstrapCi,
    /// ROC AUC interval.
    pub roc_auc: BootstrapCi,
}

/// 95% bootstrap intervals (see [`bootstrap`]) of accuracy, F2 and ROC AUC of `probs` at
/// `threshold`. Errors when the set has one class only (ROC AUC is undefined) or on bad input.
pub fn binary_ci(
    y_true: &[u8],
    probs: &[f64],
    threshold: f64,
    n_boot: usize,
    seed: u64,
) -> Result<BinaryCi> {
    let alpha = 0.05;
    Ok(BinaryCi {
        threshold,
        n_boot,
        seed,
        accuracy: bootstrap(y_true, probs, n_boot, seed, alpha, |y, p| {
            accuracy(y, &predict(p, threshold)?)
        })?,
        f2: bootstrap(y_true, probs, n_boot, seed, alpha, |y, p| {
            f2(y, &predict(p, threshold)?)
        })?,
        roc_auc: bootstrap(y_true, probs, n_boot, seed, alpha, roc_auc)?,
    })
}

// ---- multi-class ------------------------------------------------------------------------------

/// Fraction of correct predictions, any labels (`accuracy_score`).
pub fn multiclass_accuracy(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_lengths(y_true.len(), y_pred.len(), "y_pred")?;
    let correct = y_true.iter().zip(y_pred).filter(|(t, p)| t == p).count();
    Ok(correct as f64 / y_true.len() as f64)
}

/// Macro-averaged F1 (`f1_score(average="macro")`): the mean of the per-class F1 over the labels
/// present in `y_true` or `y_pred` (scikit-learn's default labels), 0.0 for a class never
/// predicted.
pub fn macro_f1(y_true: &[u8], y_pred: &[u8]) -> Result<f64> {
    check_lengths(y_true.len(), y_pred.len(), "y_pred")?;
    let (mut tp, mut true_sum, mut pred_sum) = ([0usize; 256], [0usize; 256], [0usize; 256]);
    for (&t, &p) in y_true.iter().zip(y_pred) {
        true_sum[t as usize] += 1;
        pred_sum[p as usize] += 1;
        if t == p {
            tp[t as usize] += 1;
        }
    }
    let scores: Vec<f64> = (0..256)
        .filter(|&k| true_sum[k] + pred_sum[k] > 0)
        .map(|k| fbeta_counts(tp[k], pred_sum[k], true_sum[k], 1.0))
        .collect();
    Ok(scores.iter().sum::<f64>() / scores.len() as f64)
}

fn check_prob_rows(probs: &[f64], n_classes: usize) -> Result<usize> {
    if !(2..=256).contains(&n_classes) {
        return invalid(
            "n_classes",
            format!("need 2 to 256 classes, got {n_classes}"),
        );
    }
    if !probs.len().is_multiple_of(n_classes) {
        return invalid(
            "probs",
            format!(
                "{} values are not whole rows of n_classes = {n_classes}",
                probs.len()
            ),
        );
    }
    check_finite(probs, "probs")?;
    Ok(probs.len() / n_classes)
}

/// The predicted class of each row of `probs` (row-major, `n x n_classes`): the first maximum,
/// like `argmax(axis=1)`.
pub fn argmax_rows(probs: &[f64], n_classes: usize) -> Result<Vec<u8>> {
    check_prob_rows(probs, n_classes)?;
    Ok(probs
        .chunks_exact(n_classes)
        .map(|row| {
            let mut best = 0;
            for (k, &v) in row.iter().enumerate() {
                if v > row[best] {
                    best = k;
                }
            }
            best as u8
        })
        .collect())
}

/// One-vs-rest macro ROC AUC, like `roc_auc_score(multi_class="ovr", average="macro")`: the mean
/// over classes of the binary AUC of "class k" against column k of `probs` (row-major,
/// `n x n_classes`). Rows must sum to 1 (NumPy's `allclose`), and every class must occur in
/// `y_true` (else the AUC of that class is undefined and this is an error).
pub fn roc_auc_ovr_macro(y_true: &[u8], probs: &[f64], n_classes: usize) -> Result<f64> {
    let n = check_prob_rows(probs, n_classes)?;
    check_lengths(y_true.len(), n, "probs (rows)")?;
    if let Some(i) = y_true.iter().position(|&t| t as usize >= n_classes) {
        return invalid(
            "y_true",
            format!(
                "label {} at index {i} is not below n_classes = {n_classes}",
                y_true[i]
            ),
        );
    }
    for (i, row) in probs.chunks_exact(n_classes).enumerate() {
        let s: f64 = row.iter().sum();
        if (1.0 - s).abs() > 1e-8 + 1e-5 * s.abs() {
            return invalid(
                "probs",
                format!("row {i} sums to {s}, not 1: multi-class ROC AUC needs probabilities"),
            );
        }
    }
    let mut total = 0.0;
    for k in 0..n_classes {
        let yk: Vec<u8> = y_true.iter().map(|&t| u8::from(t as usize == k)).collect();
        if !yk.contains(&1) {
            return invalid(
                "y_true",
                format!(
                    "ROC AUC (one-vs-rest) is undefined: class {k} has no sample among the {n} \
                     of y_true"
                ),
            );
        }
        let sk: Vec<f64> = probs.iter().skip(k).step_by(n_classes).copied().collect();
        total += roc_auc(&yk, &sk)?;
    }
    Ok(total / n_classes as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_confusion_and_basic_rates() {
        let y = [0, 0, 1, 1, 1, 0];
        let p = [0, 1, 1, 0, 1, 0];
        assert_eq!(
            confusion_matrix(&y, &p, 2).unwrap(),
            vec![vec![2, 1], vec![1, 2]]
        );
        assert_eq!(accuracy(&y, &p).unwrap(), 4.0 / 6.0);
        assert_eq!(precision(&y, &p).unwrap(), 2.0 / 3.0);
        assert_eq!(recall(&y, &p).unwrap(), 2.0 / 3.0);
        assert!((f2(&y, &p).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(precision(&y, &[0; 6]).unwrap(), 0.0);
        assert!(confusion_matrix(&y, &[0, 0, 0, 0, 0, 2], 2).is_err());
        assert!(accuracy(&y, &[0, 0, 0, 0, 0, 2]).is_err());
    }

    #[test]
    fn metrics_roc_auc_ties_count_half() {
        assert_eq!(roc_auc(&[0, 1], &[0.5, 0.5]).unwrap(), 0.5);
        assert_eq!(
            roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
            0.75
        );
        let c = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
        assert_eq!(c.thresholds[0], f64::INFINITY);
        assert_eq!(&c.thresholds[1..], &[0.8, 0.4, 0.35, 0.1]);
        assert_eq!(c.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
        assert_eq!(c.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
    }

    #[test]
    fn metrics_one_class_is_an_error_not_a_panic() {
        let e = roc_auc(&[1, 1, 1], &[0.2, 0.3, 0.9])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ROC AUC is undefined: the set has only one class (3 samples of class 1)"),
            "{e}"
        );
        let m = binary_metrics(&[0, 0], &[0.2, 0.7], 0.5).unwrap();
        assert_eq!(m.roc_auc, None);
        assert_eq!(m.confusion_matrix, [[1, 1], [0, 0]]);
    }

    #[test]
    fn metrics_best_threshold_prefers_largest_among_ties() {
        // t = 0.9 -> F1 = 2/3 (tp 1, fp 0, P 2); t = 0.2 -> F1 = 2*2/(2+4) = 2/3: a tie.
        let y = [1, 0, 0, 1];
        let s = [0.9, 0.5, 0.4, 0.2];
        assert_eq!(best_threshold(&y, &s, 1.0).unwrap(), 0.9);
        assert!(best_threshold(&[0, 0], &[0.1, 0.2], 2.0).is_err());
    }

    #[test]
    fn metrics_trivial_f2_is_5p_over_4p_plus_1() {
        // By hand: p = 1/4 -> 5/4 / 2 = 0.625; p = 0.6 -> 3 / 3.4 = 15/17; p = 0.37 -> 1.85 / 2.48.
        assert!((f2_all_positive(0.25).unwrap() - 0.625).abs() < 1e-15);
        assert!((f2_all_positive(0.6).unwrap() - 15.0 / 17.0).abs() < 1e-15);
        assert!((f2_all_positive(0.37).unwrap() - 1.85 / 2.48).abs() < 1e-15);
        assert_eq!(f2_all_positive(0.0).unwrap(), 0.0);
        assert_eq!(f2_all_positive(1.0).unwrap(), 1.0);
        // F1 at p = 1/2: 2 p / (p + 1) = 2/3; beta = inf is recall (1), beta = 0 precision (p).
        assert!((fbeta_all_positive(0.5, 1.0).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(fbeta_all_positive(0.3, f64::INFINITY).unwrap(), 1.0);
        assert!((fbeta_all_positive(0.3, 0.0).unwrap() - 0.3).abs() < 1e-15);
        // It is the F2 of predicting every case positive.
        for y in [
            vec![1u8, 0, 0, 0],
            vec![1, 1, 1, 0, 0],
            vec![0, 1, 1, 1, 1, 1, 0],
        ] {
            let p = y.iter().filter(|&&v| v == 1).count() as f64 / y.len() as f64;
            let all = vec![1u8; y.len()];
            assert!((f2(&y, &all).unwrap() - f2_all_positive(p).unwrap()).abs() < 1e-15);
        }
        assert!(f2_all_positive(1.5).is_err() && f2_all_positive(f64::NAN).is_err());
        assert_eq!(
            specificity(&[0, 0, 1, 0], &[0, 1, 1, 0]).unwrap(),
            2.0 / 3.0
        );
    }

    /// Labels by falling score: max F2 unconstrained calls everything positive.
    const COLLAPSE_Y: [u8; 10] = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
    const COLLAPSE_S: [f64; 10] = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];

    #[test]
    fn metrics_unconstrained_max_f2_collapses_to_everything_positive() {
        let (y, s) = (&COLLAPSE_Y, &COLLAPSE_S);
        // Cumulative (tp, fp) down the scores and F2 = 5 tp / (4 * 6 + tp + fp):
        // 0.55 -> (3, 2): 15/29 = 0.517, spec 2/4; 0.05 -> (6, 4): 30/34 = 15/17 = 0.882, spec 0.
        let t = best_threshold(y, s, 2.0).unwrap();
        assert_eq!(t, 0.05, "the lowest score: every case positive");
        let pred = predict(s, t).unwrap();
        assert!(pred.iter().all(|&v| v == 1));
        let f = f2(y, &pred).unwrap();
        assert!((f - 15.0 / 17.0).abs() < 1e-15);
        assert!(
            (f - f2_all_positive(0.6).unwrap()).abs() < 1e-15,
            "F2 = trivial F2"
        );
        assert_eq!(specificity(y, &pred).unwrap(), 0.0);

        // With specificity >= 0.5 the best F2 is at 0.55 (the constraint holds with equality).
        let c = best_threshold_min_specificity(y, s, 2.0, 0.5).unwrap();
        assert_eq!(c.threshold, 0.55);
        assert!(c.met);
        assert_eq!(c.specificity, 0.5);
        assert!((c.fbeta - 15.0 / 29.0).abs() < 1e-15);
        let pred = predict(s, c.threshold).unwrap();
        assert!(specificity(y, &pred).unwrap() >= 0.5);
        assert!((f2(y, &pred).unwrap() - c.fbeta).abs() < 1e-15);
        // Stricter: specificity >= 0.6 leaves 0.95, 0.85, 0.75: best (2, 1) -> 10/27 at 0.75.
        let c = best_threshold_min_specificity(y, s, 2.0, 0.6).unwrap();
        assert_eq!((c.threshold, c.met, c.specificity), (0.75, true, 0.75));
        assert!((c.fbeta - 10.0 / 27.0).abs() < 1e-15);
        // A minimum of 0 is the unconstrained policy.
        let c = best_threshold_min_specificity(y, s, 2.0, 0.0).unwrap();
        assert_eq!((c.threshold, c.met), (0.05, true));
    }

    #[test]
    fn metrics_min_specificity_falls_back_to_the_fewest_false_positives() {
        // The two highest (tied) scores are benign: any threshold calls both positive, so the
        // best specificity reached is 1/3 < 0.5. Among thresholds with 2 false positives (0.9,
        // 0.8, 0.7), 0.7 catches both malignant cases: F2 = 10 / (8 + 4) = 5/6.
        let y = [0, 0, 1, 1, 0];
        let s = [0.9, 0.9, 0.8, 0.7, 0.1];
        let c = best_threshold_min_specificity(&y, &s, 2.0, 0.5).unwrap();
        assert_eq!(c.threshold, 0.7);
        assert!(!c.met);
        assert!((c.specificity - 1.0 / 3.0).abs() < 1e-15);
        assert!((c.fbeta - 5.0 / 6.0).abs() < 1e-15);
        // A model that gives every case the same score: one threshold, everything positive.
        let c = best_threshold_min_specificity(&[1, 0, 0, 1], &[0.4; 4], 2.0, 0.5).unwrap();
        assert_eq!((c.threshold, c.met, c.specificity), (0.4, false, 0.0));
        assert!((c.fbeta - f2_all_positive(0.5).unwrap()).abs() < 1e-15);
        // No negative case: no false positive to make, the minimum holds (as unconstrained).
        let c = best_threshold_min_specificity(&[1, 1], &[0.9, 0.2], 2.0, 0.9).unwrap();
        assert_eq!((c.threshold, c.met, c.specificity), (0.2, true, 1.0));
        // Errors, not panics.
        assert!(best_threshold_min_specificity(&[0, 0], &[0.1, 0.2], 2.0, 0.5).is_err());
        assert!(best_threshold_min_specificity(&[0, 1], &[0.1, 0.2], 2.0, 1.5).is_err());
        assert!(best_threshold_min_specificity(&[0, 1], &[0.1, f64::NAN], 2.0, 0.5).is_err());
        assert!(best_threshold_min_specificity(&[], &[], 2.0, 0.5).is_err());
    }

    #[test]
    fn metrics_percentile_matches_numpy_linear() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile_sorted(&v, 0.0), 1.0);
        assert_eq!(percentile_sorted(&v, 1.0), 4.0);
        assert_eq!(percentile_sorted(&v, 0.5), 2.5);
        assert!((percentile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
        assert_eq!(percentile_sorted(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn metrics_bootstrap_skips_one_class_resamples() {
        // 2 positives in 12: about 11% of the resamples have no positive.
        let y: Vec<u8> = (0..12).map(|i| u8::from(i < 2)).collect();
        let s: Vec<f64> = (0..12).map(|i| 1.0 - i as f64 / 12.0).collect();
        let ci = bootstrap(&y, &s, 400, 7, 0.05, roc_auc).unwrap();
        assert!(ci.n_skipped > 10 && ci.n_skipped < 80, "{ci:?}");
        assert_eq!(ci.n_used + ci.n_skipped, 400);
        assert_eq!((ci.lo, ci.hi, ci.estimate), (1.0, 1.0, 1.0));
        // 1 positive in 6: a third of the resamples have none -> error.
        let y = [1, 0, 0, 0, 0, 0];
        let s = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5];
        let e = bootstrap(&y, &s, 200, 7, 0.05, roc_auc)
            .unwrap_err()
            .to_string();
        assert!(e.contains("resamples were skipped"), "{e}");
    }
}
