//! Multi-class metrics: accuracy, macro F1, arg-max labels and the macro one-vs-rest ROC AUC.
use super::*;
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
