//! The seed's ensemble (§7): the average of its members' probabilities as a run of its own, the
//! member it is compared with, and the members that rank nothing.
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

/// A caveat for a comparison involving an ensemble of `members`, when some of them predict a
/// constant on `set` ([`constant_members`]); `None` when every member ranks the samples.
pub fn constant_members_note(members: &[Run], set: &str) -> Option<String> {
    let constant = constant_members(members, set);
    if constant.is_empty() {
        return None;
    }
    let listed = constant
        .iter()
        .map(|(n, p)| format!("{n} ({p:.3})"))
        .collect::<Vec<_>>()
        .join(", ");
    let (verb, pronoun) = if constant.len() == 1 {
        ("gives", "it ranks")
    } else {
        ("give", "they rank")
    };
    let others: Vec<&str> = members
        .iter()
        .map(|r| r.config.name.as_str())
        .filter(|n| !constant.iter().any(|(c, _)| c == n))
        .collect();
    let consequence = match others.as_slice() {
        [] => "the ensemble ranks nothing either".to_string(),
        [one] => format!("the ensemble ranks the {set} samples exactly as {one} does"),
        many => format!(
            "the ensemble ranks the {set} samples as the average of {} does",
            many.join(" and ")
        ),
    };
    Some(format!(
        "{listed} {verb} every {set} sample the same probability: {pronoun} nothing, so {consequence}; \
         this comparison tested nothing about averaging those members"
    ))
}
