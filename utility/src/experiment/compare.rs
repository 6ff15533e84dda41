//! Comparisons of runs: two configurations over seeds, two runs on the same patches (paired
//! bootstrap of the ROC AUC or F2 difference), named rows of a seed table, pooled predictions.
use crate::error::{Error, Result};
use crate::eval::Predictions;
use crate::experiment::run::Run;
use crate::metrics::stats::{
    compare_seeds, f2_of_decisions, paired_bootstrap, paired_bootstrap_auc, Comparison,
};
/// Compare two configurations repeated over the same seeds (runs paired in order) on their
/// validation ROC AUC: mean ± sd of each and a t interval of the mean paired difference.
pub fn compare_seed_runs(a_name: &str, a: &[Run], b_name: &str, b: &[Run]) -> Comparison {
    let auc = |r: &[Run]| -> Vec<f64> { r.iter().map(|x| x.metrics.validation.roc_auc).collect() };
    compare_seeds(a_name, &auc(a), b_name, &auc(b))
}
/// Compare two runs' F2 on `set` (binary tasks), each at its own threshold chosen on
/// validation, with a paired bootstrap (2000 resamples): the metric that matters when a missed
/// malignancy costs more than a false alarm.
pub fn compare_runs_f2(a: &Run, b: &Run, set: &str, seed: u64) -> Result<Comparison> {
    let (labels, pa, pb) = paired_scores(
        &a.config.name,
        &a.predictions,
        &b.config.name,
        &b.predictions,
        set,
    )?;
    let thr = |r: &Run| r.metrics.validation.threshold.unwrap_or(0.5);
    let da: Vec<f64> = pa
        .iter()
        .map(|&p| f64::from(u8::from(p >= thr(a))))
        .collect();
    let db: Vec<f64> = pb
        .iter()
        .map(|&p| f64::from(u8::from(p >= thr(b))))
        .collect();
    let (d, ci, p) = paired_bootstrap(&labels, &da, &db, 2000, seed, f2_of_decisions)?;
    Ok(Comparison {
        a: a.config.name.clone(),
        b: b.config.name.clone(),
        metric: format!(
            "{set} F2 at the validation thresholds {:.3} / {:.3}, n = {}",
            thr(a),
            thr(b),
            labels.len()
        ),
        a_value: f2_of_decisions(&labels, &da)?,
        b_value: f2_of_decisions(&labels, &db)?,
        difference: d,
        ci,
        p_value: p,
        method: "paired bootstrap, 2000 resamples".into(),
    })
}

/// Compare two runs' ROC AUC on the same patches of `set` (`validation` or `test`) with a paired
/// bootstrap (2000 resamples).
pub fn compare_runs(a: &Run, b: &Run, set: &str, seed: u64) -> Result<Comparison> {
    compare_on_set(
        &a.config.name,
        &a.predictions,
        &b.config.name,
        &b.predictions,
        set,
        seed,
    )
}

/// A paired comparison of two named runs, or why it was not made (one of them was not trained
/// in this profile).
#[derive(Debug, Clone, PartialEq)]
pub enum Paired {
    Made(Comparison),
    NotRun { a: String, b: String, why: String },
}

impl std::fmt::Display for Paired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Paired::Made(c) => c.fmt(f),
            Paired::NotRun { a, b, why } => {
                write!(f, "{a} vs {b}: not run in this profile ({why})")
            }
        }
    }
}

/// [`compare_runs`] of the runs named `a` and `b` among `runs`, or [`Paired::NotRun`] when
/// either is not there (a row a profile does not train).
pub fn compare_named(runs: &[Run], a: &str, b: &str, set: &str, seed: u64) -> Result<Paired> {
    let find = |n: &str| runs.iter().find(|r| r.config.name == n);
    match (find(a), find(b)) {
        (Some(ra), Some(rb)) => compare_runs(ra, rb, set, seed).map(Paired::Made),
        (ra, rb) => {
            let missing: Vec<&str> = [(a, ra.is_none()), (b, rb.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| n)
                .collect();
            Ok(Paired::NotRun {
                a: a.to_string(),
                b: b.to_string(),
                why: format!("{} trained in the full profile only", missing.join(" and ")),
            })
        }
    }
}

/// Compare two sets of test predictions (e.g. pooled cross-validation predictions).
pub fn compare_predictions(
    a_name: &str,
    a: &Predictions,
    b_name: &str,
    b: &Predictions,
    seed: u64,
) -> Result<Comparison> {
    compare_on_set(a_name, a, b_name, b, "test", seed)
}

fn compare_on_set(
    a_name: &str,
    a: &Predictions,
    b_name: &str,
    b: &Predictions,
    set: &str,
    seed: u64,
) -> Result<Comparison> {
    let (labels, pa, pb) = paired_scores(a_name, a, b_name, b, set)?;
    let (d, ci, p) = paired_bootstrap_auc(&labels, &pa, &pb, 2000, seed)?;
    Ok(Comparison {
        a: a_name.to_string(),
        b: b_name.to_string(),
        metric: format!("{set} ROC AUC, n = {}", labels.len()),
        a_value: crate::metrics::roc_auc(&labels, &pa)?,
        b_value: crate::metrics::roc_auc(&labels, &pb)?,
        difference: d,
        ci,
        p_value: p,
        method: "paired bootstrap, 2000 resamples".into(),
    })
}

/// The labels and both models' scores (probability of class 1) on the same patches of `set`,
/// in file order; an error when the two did not predict the same patches.
fn paired_scores(
    a_name: &str,
    a: &Predictions,
    b_name: &str,
    b: &Predictions,
    set: &str,
) -> Result<(Vec<u8>, Vec<f64>, Vec<f64>)> {
    let key = |p: &Predictions| {
        let mut v: Vec<(usize, u8, f64)> = p
            .rows
            .iter()
            .filter(|r| r.set == set)
            .map(|r| (r.index, r.label, r.probs[0]))
            .collect();
        v.sort_by_key(|x| x.0);
        v
    };
    let (ka, kb) = (key(a), key(b));
    if ka.is_empty()
        || ka.len() != kb.len()
        || ka.iter().zip(&kb).any(|(x, y)| x.0 != y.0 || x.1 != y.1)
    {
        return Err(Error::invalid(
            "comparison",
            format!("{a_name} and {b_name} did not predict the same {set} patches (train both on the same data, seed and profile)"),
        ));
    }
    let labels: Vec<u8> = ka.iter().map(|x| x.1).collect();
    let pa: Vec<f64> = ka.iter().map(|x| x.2).collect();
    let pb: Vec<f64> = kb.iter().map(|x| x.2).collect();
    Ok((labels, pa, pb))
}
