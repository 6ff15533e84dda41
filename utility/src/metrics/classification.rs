//! Binary metrics on predictions and at a decision threshold: accuracy, precision, recall,
//! F-beta, specificity, the everything-positive rule's F-beta, and the threshold choices
//! (best F-beta; best F-beta at a minimum specificity).
use super::*;
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
