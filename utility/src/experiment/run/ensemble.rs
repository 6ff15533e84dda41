//! The seed's ensemble (§7): the average of its members' probabilities as a run of its own, the
//! member it is compared with, and the members that rank nothing or too little to count.
use super::Run;
use crate::error::{Error, Result};
use crate::eval::{self, Predictions};

/// The average-voting ensemble of runs (seed §7) as a run of its own (threshold chosen on
/// validation, like any run).
pub fn ensemble(members: &[Run], name: &str) -> Result<Run> {
    let first = members
        .first()
        .ok_or_else(|| Error::invalid("ensemble", "needs at least one run"))?;
    let preds: Vec<&Predictions> = members.iter().map(|r| &r.predictions).collect();
    let avg = eval::ensemble(&preds)?;
    let mut config = first.config.clone();
    config.name = name.to_string();
    let metrics =
        eval::metrics_from_predictions(&avg, config.optim.threshold, config.runtime.seed)?;
    Ok(Run {
        dir: None,
        config,
        history: None,
        predictions: avg,
        metrics,
        seconds: members.iter().map(|r| r.seconds).sum(),
        model: None,
        members: members.iter().map(|r| r.config.name.clone()).collect(),
    })
}

/// The member an ensemble is compared with: the highest validation ROC AUC, the first listed on
/// a tie (so the choice never looks at the test set).
pub fn best_member(members: &[Run]) -> Result<&Run> {
    let mut best: Option<&Run> = None;
    for r in members {
        if best.is_none_or(|b| r.metrics.validation.roc_auc > b.metrics.validation.roc_auc) {
            best = Some(r);
        }
    }
    best.ok_or_else(|| Error::invalid("ensemble", "no members"))
}

/// Members that give every sample of `set` the same predicted probabilities (within 1e-9), with
/// that probability (of class 1; of class 0 for more than two classes). Such a member ranks
/// nothing: averaging it in shifts every sample's probability by the same amount, so it leaves the
/// ensemble's ranking, and its ROC AUC, to the other members.
pub fn constant_members<'a>(members: &'a [Run], set: &str) -> Vec<(&'a str, f64)> {
    members
        .iter()
        .filter_map(|r| {
            let rows: Vec<&[f64]> = r
                .predictions
                .rows
                .iter()
                .filter(|p| p.set == set)
                .map(|p| p.probs.as_slice())
                .collect();
            let first = *rows.first()?;
            let constant = rows.iter().all(|p| {
                p.len() == first.len() && p.iter().zip(first).all(|(a, b)| (a - b).abs() <= 1e-9)
            });
            // A binary run's one probability is class 1's; a multi-class run's first is class 0's.
            let shown = *first.first()?;
            constant.then_some((r.config.name.as_str(), shown))
        })
        .collect()
}

/// The `set` samples' probabilities of each member, one row per sample in the same order for
/// every member (`None` when the members were not scored on the same samples).
fn aligned_probs<'a>(members: &'a [Run], set: &str) -> Option<Vec<Vec<&'a [f64]>>> {
    let per: Vec<Vec<(usize, &[f64])>> = members
        .iter()
        .map(|r| {
            r.predictions
                .rows
                .iter()
                .filter(|p| p.set == set)
                .map(|p| (p.index, p.probs.as_slice()))
                .collect()
        })
        .collect();
    let first = per.first()?;
    let same = per.iter().all(|m| {
        m.len() == first.len()
            && m.iter()
                .zip(first)
                .all(|(a, b)| a.0 == b.0 && a.1.len() == b.1.len())
    });
    same.then(|| {
        per.into_iter()
            .map(|m| m.into_iter().map(|(_, p)| p).collect())
            .collect()
    })
}

/// Whether scores `a` and `b` order every pair of samples the same way (ties included).
fn same_order(a: &[f64], b: &[f64]) -> bool {
    let mut idx: Vec<usize> = (0..a.len()).collect();
    idx.sort_by(|&i, &j| a[i].total_cmp(&a[j]).then(b[i].total_cmp(&b[j])));
    idx.windows(2).all(|w| {
        let (i, j) = (w[0], w[1]);
        match a[i].total_cmp(&a[j]) {
            std::cmp::Ordering::Equal => b[i] == b[j],
            _ => b[i] < b[j],
        }
    })
}

/// Members that rank the `set` samples yet vary too little to change the ensemble's ranking:
/// their probabilities spread over at most a hundredth of any remaining member's, and without
/// them (and without the [`constant_members`]) the average of the others orders every pair of
/// samples, for every class's probability, exactly as the whole ensemble does, so its ROC AUC
/// is theirs. Found one at a time, smallest spread first; at least one member is always left.
/// With each, the smallest and largest probability it gave (class 1's, or class 0's for more
/// than two classes). Empty when the members were not scored on the same samples.
pub fn negligible_members<'a>(members: &'a [Run], set: &str) -> Vec<(&'a str, f64, f64)> {
    let Some(probs) = aligned_probs(members, set) else {
        return Vec::new();
    };
    let constant: Vec<&str> = constant_members(members, set)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let n_samples = probs[0].len();
    let n_classes = probs[0].first().map_or(0, |p| p.len());
    // Each class's probability per sample, averaged over the members in `keep`.
    let average = |keep: &[bool], k: usize| -> Vec<f64> {
        let n = keep.iter().filter(|&&x| x).count().max(1) as f64;
        (0..n_samples)
            .map(|i| {
                (0..members.len())
                    .filter(|&m| keep[m])
                    .map(|m| probs[m][i][k])
                    .sum::<f64>()
                    / n
            })
            .collect()
    };
    let whole: Vec<Vec<f64>> = (0..n_classes)
        .map(|k| average(&vec![true; members.len()], k))
        .collect();
    // Each member's smallest and largest probability (the first of each row), and their spread.
    let ranges: Vec<(f64, f64)> = probs
        .iter()
        .map(|rows| {
            rows.iter()
                .filter_map(|p| p.first().copied())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let spread = |m: usize| ranges[m].1 - ranges[m].0;
    let mut keep: Vec<bool> = members
        .iter()
        .map(|r| !constant.contains(&r.config.name.as_str()))
        .collect();
    let mut order: Vec<usize> = (0..members.len()).filter(|&m| keep[m]).collect();
    order.sort_by(|&a, &b| spread(a).total_cmp(&spread(b)));
    let mut out = Vec::new();
    for m in order {
        if keep.iter().filter(|&&x| x).count() <= 1 {
            break;
        }
        keep[m] = false;
        let others_min = (0..members.len())
            .filter(|&o| keep[o])
            .map(spread)
            .fold(f64::INFINITY, f64::min);
        if spread(m) * 100.0 <= others_min
            && (0..n_classes).all(|k| same_order(&whole[k], &average(&keep, k)))
        {
            out.push((members[m].config.name.as_str(), ranges[m].0, ranges[m].1));
        } else {
            keep[m] = true;
        }
    }
    out
}

/// A caveat for a comparison involving an ensemble of `members`, when some of them predict a
/// constant on `set` ([`constant_members`]) or vary too little to change its ranking
/// ([`negligible_members`]); `None` when every member counts.
pub fn constant_members_note(members: &[Run], set: &str) -> Option<String> {
    let constant = constant_members(members, set);
    let negligible = negligible_members(members, set);
    if constant.is_empty() && negligible.is_empty() {
        return None;
    }
    let others: Vec<&str> = members
        .iter()
        .map(|r| r.config.name.as_str())
        .filter(|n| !constant.iter().any(|(c, _)| c == n) && !negligible.iter().any(|m| m.0 == *n))
        .collect();
    let consequence = match others.as_slice() {
        [] => "the ensemble ranks nothing either".to_string(),
        [one] => format!("the ensemble ranks the {set} samples exactly as {one} does"),
        many => format!(
            "the ensemble ranks the {set} samples as the average of {} does",
            many.join(" and ")
        ),
    };
    let listed = constant
        .iter()
        .map(|(n, p)| format!("{n} ({p:.3})"))
        .collect::<Vec<_>>()
        .join(", ");
    if negligible.is_empty() {
        let (verb, pronoun) = if constant.len() == 1 {
            ("gives", "it ranks")
        } else {
            ("give", "they rank")
        };
        return Some(format!(
            "{listed} {verb} every {set} sample the same probability: {pronoun} nothing, so \
             {consequence}; this comparison tested nothing about averaging those members"
        ));
    }
    let mut parts = Vec::new();
    if !constant.is_empty() {
        let verb = if constant.len() == 1 { "gives" } else { "give" };
        parts.push(format!(
            "{listed} {verb} every {set} sample the same probability"
        ));
    }
    let small = negligible
        .iter()
        .map(|(n, lo, hi)| format!("{n} (from {lo:.1e} to {hi:.1e})"))
        .collect::<Vec<_>>()
        .join(", ");
    let verb = if negligible.len() == 1 {
        "varies"
    } else {
        "vary"
    };
    parts.push(format!(
        "{small} {verb} too little to change the ensemble's order of any two {set} samples"
    ));
    Some(format!(
        "{}: so {consequence}; this comparison tested nothing about averaging those members",
        parts.join("; ")
    ))
}
