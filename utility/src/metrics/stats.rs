//! Statistics for comparisons that hold, on plain numbers: Student's t intervals of a mean and of
//! a paired difference over seeds, and the paired bootstrap of a metric's difference between two
//! score vectors on the same cases. Comparisons of runs are in `experiment::compare`.
use crate::error::Result;
use rand::{Rng, SeedableRng};
/// Two-sided 97.5% quantiles of Student's t for 1..=30 degrees of freedom.
const T975: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
    2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
    2.052, 2.048, 2.045, 2.042,
];

/// The 97.5% quantile of Student's t with `df` degrees of freedom (1.96 beyond 30).
pub fn t975(df: usize) -> f64 {
    if df == 0 {
        f64::NAN
    } else {
        T975.get(df - 1).copied().unwrap_or(1.96)
    }
}

/// Mean and sample standard deviation.
pub fn mean_sd(v: &[f64]) -> (f64, f64) {
    let n = v.len() as f64;
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let m = v.iter().sum::<f64>() / n;
    let sd = if v.len() > 1 {
        (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    (m, sd)
}

/// Mean with a 95% t interval.
pub fn mean_ci(v: &[f64]) -> (f64, [f64; 2]) {
    let (m, sd) = mean_sd(v);
    let h = t975(v.len().saturating_sub(1)) * sd / (v.len() as f64).sqrt();
    (m, [m - h, m + h])
}

/// The verdict of a comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    pub metric: String,
    pub a_value: f64,
    pub b_value: f64,
    /// a - b.
    pub difference: f64,
    pub ci: [f64; 2],
    /// Two-sided p-value (NaN when not computed).
    pub p_value: f64,
    pub method: String,
}

impl Comparison {
    /// Whether the 95% interval of the difference excludes zero.
    pub fn is_real(&self) -> bool {
        self.ci[0] > 0.0 || self.ci[1] < 0.0
    }
    pub fn verdict(&self) -> String {
        if self.ci.iter().any(|c| c.is_nan()) {
            "cannot tell (too few values)".into()
        } else if self.is_real() {
            format!(
                "a real difference: {} is {} (the 95% interval excludes 0)",
                self.a,
                if self.difference > 0.0 {
                    "better"
                } else {
                    "worse"
                }
            )
        } else {
            "no real difference: the 95% interval contains 0".into()
        }
    }
}

impl std::fmt::Display for Comparison {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} vs {} ({}): {:.4} vs {:.4}, difference {:+.4}, 95% CI [{:+.4}, {:+.4}]{} ({})\n=> {}",
            self.a,
            self.b,
            self.metric,
            self.a_value,
            self.b_value,
            self.difference,
            self.ci[0],
            self.ci[1],
            if self.p_value.is_nan() { String::new() } else { format!(", p = {:.3}", self.p_value) },
            self.method,
            self.verdict()
        )
    }
}

/// Compare two configurations trained with the same seeds (paired by seed): mean of each, and a
/// t interval of the mean paired difference.
pub fn compare_seeds(a_name: &str, a: &[f64], b_name: &str, b: &[f64]) -> Comparison {
    let n = a.len().min(b.len());
    let d: Vec<f64> = (0..n).map(|i| a[i] - b[i]).collect();
    let (md, ci) = mean_ci(&d);
    let (ma, sa) = mean_sd(&a[..n]);
    let (mb, sb) = mean_sd(&b[..n]);
    Comparison {
        a: format!("{a_name} ({ma:.4} ± {sa:.4})"),
        b: format!("{b_name} ({mb:.4} ± {sb:.4})"),
        metric: format!("mean over {n} seeds"),
        a_value: ma,
        b_value: mb,
        difference: md,
        ci,
        p_value: f64::NAN,
        method: "paired by seed, t interval".into(),
    }
}
/// Paired bootstrap of the difference `metric(a) - metric(b)` of two score vectors on the same
/// cases: (observed difference, 95% percentile interval, two-sided p-value). Resamples where the
/// metric is undefined (e.g. one class only) are skipped.
pub fn paired_bootstrap(
    labels: &[u8],
    a: &[f64],
    b: &[f64],
    n_boot: usize,
    seed: u64,
    metric: impl Fn(&[u8], &[f64]) -> Result<f64>,
) -> Result<(f64, [f64; 2], f64)> {
    if a.len() != labels.len() || b.len() != labels.len() {
        return crate::error::invalid("comparison", "both models must score the same cases");
    }
    let d0 = metric(labels, a)? - metric(labels, b)?;
    let n = labels.len();
    let mut rng = crate::rng::SeededRng::seed_from_u64(seed);
    let mut diffs = Vec::with_capacity(n_boot);
    let (mut y, mut pa, mut pb) = (vec![0u8; n], vec![0f64; n], vec![0f64; n]);
    for _ in 0..n_boot {
        for i in 0..n {
            let j = rng.gen_range(0..n);
            y[i] = labels[j];
            pa[i] = a[j];
            pb[i] = b[j];
        }
        if let (Ok(x), Ok(z)) = (metric(&y, &pa), metric(&y, &pb)) {
            if x.is_finite() && z.is_finite() {
                diffs.push(x - z);
            }
        }
    }
    if diffs.len() < n_boot / 2 || diffs.is_empty() {
        return crate::error::invalid(
            "comparison",
            "too few resamples hold both classes: the set is too small",
        );
    }
    diffs.sort_by(f64::total_cmp);
    let q = |f: f64| diffs[((diffs.len() - 1) as f64 * f).round() as usize];
    let le = diffs.iter().filter(|&&d| d <= 0.0).count() as f64 / diffs.len() as f64;
    let ge = diffs.iter().filter(|&&d| d >= 0.0).count() as f64 / diffs.len() as f64;
    Ok((d0, [q(0.025), q(0.975)], (2.0 * le.min(ge)).min(1.0)))
}

/// Paired bootstrap of the ROC AUC difference of two score vectors on the same cases.
pub fn paired_bootstrap_auc(
    labels: &[u8],
    a: &[f64],
    b: &[f64],
    n_boot: usize,
    seed: u64,
) -> Result<(f64, [f64; 2], f64)> {
    paired_bootstrap(labels, a, b, n_boot, seed, crate::metrics::roc_auc)
}

/// F2 of 0/1 decisions given as scores (1.0 = positive).
pub(crate) fn f2_of_decisions(labels: &[u8], decisions: &[f64]) -> Result<f64> {
    let pred: Vec<u8> = decisions.iter().map(|&d| u8::from(d >= 0.5)).collect();
    crate::metrics::f2(labels, &pred)
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_and_intervals() {
        assert_eq!(t975(1), 12.706);
        assert_eq!(t975(100), 1.96);
        let (m, ci) = mean_ci(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12);
        // sd = 1, n = 3: half-width 4.303 / sqrt(3).
        assert!((ci[1] - (2.0 + 4.303 / 3f64.sqrt())).abs() < 1e-9);
    }

    #[test]
    fn paired_bootstrap_sees_a_real_difference_and_no_difference() {
        let n = 400;
        let labels: Vec<u8> = (0..n).map(|i| (i % 2) as u8).collect();
        let good: Vec<f64> = (0..n)
            .map(|i| {
                if i % 2 == 1 {
                    0.6 + 0.3 * ((i * 7 % 13) as f64 / 13.0)
                } else {
                    0.1 + 0.6 * ((i * 5 % 11) as f64 / 11.0)
                }
            })
            .collect();
        let noise: Vec<f64> = (0..n).map(|i| ((i * 37 % 101) as f64) / 101.0).collect();
        let (d, ci, p) = paired_bootstrap_auc(&labels, &good, &noise, 500, 1).unwrap();
        assert!(d > 0.2 && ci[0] > 0.0 && p < 0.01, "{d} {ci:?} {p}");
        let (d, ci, _) = paired_bootstrap_auc(&labels, &good, &good, 200, 1).unwrap();
        assert_eq!(d, 0.0);
        assert_eq!(ci, [0.0, 0.0]);
    }

    /// The F2 bootstrap on 0/1 decisions: identical decisions differ by exactly 0; a detector
    /// that finds every positive beats one that finds none by F2 = 1 - 0, with an interval away
    /// from 0.
    #[test]
    fn paired_f2_bootstrap_known_answers() {
        let labels: Vec<u8> = (0..60).map(|i| u8::from(i % 3 == 0)).collect();
        let perfect: Vec<f64> = labels.iter().map(|&l| f64::from(l)).collect();
        let none = vec![0.0; 60];
        let (d, ci, _) =
            paired_bootstrap(&labels, &perfect, &perfect, 500, 1, f2_of_decisions).unwrap();
        assert_eq!((d, ci), (0.0, [0.0, 0.0]));
        let (d, ci, p) =
            paired_bootstrap(&labels, &perfect, &none, 500, 1, f2_of_decisions).unwrap();
        assert_eq!(d, 1.0);
        assert!(ci[0] > 0.9 && p < 0.01, "{ci:?} {p}");
    }
}
