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

use crate::rng::SeededRng;
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

mod bootstrap;
mod classification;
mod multiclass;
mod ranking;
pub mod stats;

pub use bootstrap::*;
pub use classification::*;
pub use multiclass::*;
pub use ranking::*;

#[cfg(test)]
mod tests;
