//! Percentile bootstrap intervals of any metric, and of the binary metrics together.
use super::*;
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
pub(crate) fn percentile_sorted(sorted: &[f64], q: f64) -> f64 {
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
    let mut rng = SeededRng::seed_from_u64(seed);
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
/// `SeededRng::seed_from_u64(seed)` (same seed, same interval). Resamples with one class only on which
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
