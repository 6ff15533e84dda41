//! Ranking metrics on scores: the ROC curve and its area (scikit-learn's `roc_curve`,
//! `roc_auc_score`) and the log loss.
use super::*;
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
pub(crate) fn clf_curve(y_true: &[u8], scores: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
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
