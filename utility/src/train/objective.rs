//! The objective of a task, binary or multi-class, in one place: the training loss of logits,
//! and, from probabilities, the loss, accuracy, predicted labels, ROC AUC and F2 (macro F1 for
//! four classes) that the history and the evaluation report.
use crate::data::tasks::Task;
use crate::error::Result;
use crate::metrics;
use tch::{Device, Kind, Tensor};
/// Loss of logits against labels (mean over the batch, optionally class-weighted).
pub(crate) fn loss_fn(task: Task, logits: &Tensor, y: &Tensor, weights: Option<&[f64]>) -> Tensor {
    loss_reduced(task, logits, y, weights, tch::Reduction::Mean)
}

/// Binary cross-entropy (binary tasks) or cross-entropy (4 classes), class-weighted if asked.
/// `Mean` is the training loss: the mean over rows for binary tasks (as Keras), the weighted
/// mean for 4 classes (as PyTorch); `Sum` is its numerator (see [`loss_denominator`]).
pub(crate) fn loss_reduced(
    task: Task,
    logits: &Tensor,
    y: &Tensor,
    weights: Option<&[f64]>,
    reduction: tch::Reduction,
) -> Tensor {
    if task.n_classes() == 2 {
        let yf = y.to_kind(Kind::Float);
        let w = weights.map(|w| {
            let w0 = w.first().copied().unwrap_or(1.0);
            let w1 = w.get(1).copied().unwrap_or(1.0);
            (&yf * (w1 - w0) + w0).to_kind(Kind::Float)
        });
        logits
            .squeeze_dim(1)
            .binary_cross_entropy_with_logits::<Tensor>(&yf, w, None, reduction)
    } else {
        let w = weights.map(|w| {
            Tensor::from_slice(&w.iter().map(|&v| v as f32).collect::<Vec<_>>())
                .to_device(logits.device())
        });
        logits
            .log_softmax(1, Kind::Float)
            .g_nll_loss::<Tensor>(y, w, reduction, -100)
    }
}

/// What the `Mean` training loss of a batch divides its `Sum` by: the number of rows, or for
/// the class-weighted 4-class loss the sum of the rows' class weights.
pub(crate) fn loss_denominator(task: Task, y: &Tensor, weights: Option<&[f64]>) -> Result<f64> {
    let n = y.size().first().copied().unwrap_or(0) as f64;
    match weights {
        Some(w) if task.n_classes() != 2 => {
            let labels = Vec::<i64>::try_from(&y.to_device(Device::Cpu).to_kind(Kind::Int64))?;
            Ok(labels
                .iter()
                .map(|&l| w.get(l as usize).copied().unwrap_or(1.0))
                .sum())
        }
        _ => Ok(n),
    }
}
/// Validation/test loss from probabilities (binary cross-entropy or cross-entropy), clipped.
pub fn prob_loss(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let eps = 1e-7;
    let n = labels.len().max(1) as f64;
    if task.n_classes() == 2 {
        labels
            .iter()
            .zip(probs)
            .map(|(&y, &p)| {
                let p = p.clamp(eps, 1.0 - eps);
                if y == 1 {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            })
            .sum::<f64>()
            / n
    } else {
        let k = task.n_classes();
        labels
            .iter()
            .enumerate()
            .map(|(i, &y)| -probs[i * k + y as usize].clamp(eps, 1.0).ln())
            .sum::<f64>()
            / n
    }
}

/// Accuracy of probabilities at threshold 0.5 (binary) or by argmax.
pub fn prob_accuracy(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let preds = predicted_labels(task, probs, 0.5);
    labels.iter().zip(&preds).filter(|(a, b)| a == b).count() as f64 / labels.len().max(1) as f64
}

/// Predicted labels: binary at `threshold` (positive when p >= threshold), else argmax.
pub fn predicted_labels(task: Task, probs: &[f64], threshold: f64) -> Vec<u8> {
    if task.n_classes() == 2 {
        probs.iter().map(|&p| u8::from(p >= threshold)).collect()
    } else {
        probs
            .chunks(task.n_classes())
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0usize, f64::NEG_INFINITY), |b, (i, &v)| {
                        if v > b.1 {
                            (i, v)
                        } else {
                            b
                        }
                    })
                    .0 as u8
            })
            .collect()
    }
}
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
