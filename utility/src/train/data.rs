//! The data of a run: task relabelling, the train/validation split, the profile's size limits,
//! balancing and class weights, from a configuration and a dataset.
use super::config::TrainConfig;
use crate::data::dataset::{Dataset, PairedSet};
use crate::data::tasks::{self, Sample};
use crate::error::Result;
/// The data of a run, after task relabeling, split, profile limits and balancing.
#[derive(Debug, Clone)]
pub struct RunData {
    pub train_set: PairedSet,
    pub test_set: Option<PairedSet>,
    /// Balanced training samples (what the epochs iterate over).
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub test: Vec<Sample>,
    pub balance: tasks::BalanceReport,
    pub class_weights: Option<Vec<f64>>,
    /// Set when the dataset has no test set and `test` was held out of its training file.
    pub held_out: Option<HeldOut>,
}

/// A test set held out of a dataset that has none ([`hold_out_test`]).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeldOut {
    /// The configured share ([`super::config::DataConfig::test_holdout`]).
    pub fraction: f64,
    /// Pairs held out, of all the pairs of the file (images, for a labelled-image dataset).
    pub pairs: usize,
    pub of_pairs: usize,
    /// Whether pairs were counted; `false`: images of a labelled-image dataset.
    #[serde(default = "yes")]
    pub paired: bool,
}

fn yes() -> bool {
    true
}

impl HeldOut {
    /// "the dataset has no test set: 17 of its 81 pairs held out as the test set (20%, ...)".
    pub fn describe(&self) -> String {
        format!(
            "the dataset has no test set: {} of its {} {unit} held out as the test set ({:.0}%, stratified by label; the same {unit} for every task, model and seed)",
            self.pairs,
            self.of_pairs,
            100.0 * self.fraction,
            unit = if self.paired { "pairs" } else { "images" }
        )
    }
}

/// Seed of the held-out test pairs: fixed, not the run's seed, so that every run on a dataset
/// is tested on the same pairs (comparisons and ensembles need that).
pub const HOLDOUT_SEED: u64 = 20_261_201;

/// The pairs of a set without a test set, split into (kept, held out as the test set): the
/// abnormality rows of each, `fraction` of the pairs held out (scikit-learn's
/// `train_test_split` counts), stratified by the four-class label so that every task sees the
/// same test pairs with its classes in proportion. Pairs stay together: a held-out pair's
/// baseline is held out with it. The images of a labelled-image dataset are stratified by
/// their class.
pub fn hold_out_test(set: &PairedSet, fraction: f64) -> Result<(Vec<usize>, Vec<usize>)> {
    let (samples, k) = if set.paired {
        (tasks::task_samples(tasks::Task::FourClass, set)?, 4)
    } else {
        let k = set.label_counts().len();
        (tasks::task_samples(tasks::Task::Labels(k as u8), set)?, k)
    };
    let (kept, held) = tasks::stratified_split(&samples, k, fraction, HOLDOUT_SEED)?;
    let rows = |v: Vec<Sample>| {
        let mut r: Vec<usize> = v.into_iter().map(|s| s.row).collect();
        r.sort_unstable();
        r
    };
    Ok((rows(kept), rows(held)))
}

/// Take at most `n` samples keeping class proportions (seeded).
fn limit(
    samples: Vec<Sample>,
    n: Option<usize>,
    n_classes: usize,
    seed: u64,
) -> Result<Vec<Sample>> {
    match n {
        Some(n) if samples.len() > n => {
            let frac = 1.0 - n as f64 / samples.len() as f64;
            Ok(tasks::stratified_split(&samples, n_classes, frac, seed)?.0)
        }
        _ => Ok(samples),
    }
}

/// Prepare the data of a run from a loaded dataset: preprocess, relabel, split 80/20 (seeded,
/// stratified, shuffled), apply the profile's limits, balance the training part.
pub fn prepare(cfg: &TrainConfig, ds: &Dataset) -> Result<RunData> {
    let k = cfg.data.task.n_classes();
    let mut train_set = ds.train.clone();
    cfg.data.preprocess.apply_set(&mut train_set);
    let test_set = ds.test.clone().map(|mut t| {
        cfg.data.preprocess.apply_set(&mut t);
        t
    });
    let mut all = tasks::task_samples(cfg.data.task, &train_set)?;
    // Without a test set, the test pairs come out of the training file before anything else.
    let mut held_test = None;
    let mut held_out = None;
    let test_set = match test_set {
        Some(t) => Some(t),
        None => {
            let (_, held) = hold_out_test(&train_set, cfg.data.test_holdout)?;
            let is_held: std::collections::HashSet<usize> = held.iter().copied().collect();
            let (test, rest): (Vec<Sample>, Vec<Sample>) =
                all.into_iter().partition(|s| is_held.contains(&s.row));
            all = rest;
            held_out = Some(HeldOut {
                fraction: cfg.data.test_holdout,
                pairs: held.len(),
                of_pairs: if train_set.paired {
                    train_set.n_pairs()
                } else {
                    train_set.len()
                },
                paired: train_set.paired,
            });
            held_test = Some(test);
            Some(train_set.clone())
        }
    };
    let (tr, va) = tasks::stratified_split(&all, k, cfg.data.val_fraction, cfg.runtime.seed)?;
    let (mt, mv, mte) = cfg.limits();
    let tr = limit(tr, mt, k, cfg.runtime.seed ^ 1)?;
    let va = limit(va, mv, k, cfg.runtime.seed ^ 2)?;
    let test = match (held_test, &test_set) {
        (Some(h), _) => limit(h, mte, k, cfg.runtime.seed ^ 3)?,
        (None, Some(t)) => limit(
            tasks::task_samples(cfg.data.task, t)?,
            mte,
            k,
            cfg.runtime.seed ^ 3,
        )?,
        (None, None) => Vec::new(),
    };
    let (train, balance) = tasks::balance(&tr, k, cfg.data.balance, cfg.runtime.seed ^ 4)?;
    let class_weights = cfg
        .optim
        .class_weights
        .then(|| tasks::class_weights(&train, k));
    if tasks::class_counts(&va, k)
        .iter()
        .filter(|&&c| c > 0)
        .count()
        < 2
    {
        return crate::error::invalid(
            "dataset",
            "the validation split has a single class: the dataset is too small",
        );
    }
    Ok(RunData {
        train_set,
        test_set,
        train,
        val: va,
        test,
        balance,
        class_weights,
        held_out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::synth::{generate, SynthConfig};
    use crate::runtime::profile::Profile;
    use crate::train::config::{ModelKind, TrainConfig};
    use tasks::Task;

    fn no_test_set() -> Dataset {
        let mut ds = generate(&SynthConfig {
            scale: 0.05,
            ..Default::default()
        })
        .unwrap();
        ds.test = None;
        ds
    }

    /// A dataset without a test set gets one: a fifth of its pairs, stratified, the same pairs
    /// for every task and seed, never in training or validation.
    #[test]
    fn a_dataset_without_a_test_set_holds_one_out() {
        let ds = no_test_set();
        let n = ds.train.n_pairs();
        let mut held_rows = None;
        for (task, seed) in [
            (Task::MassCalc, 1),
            (Task::BenignMalignant, 2),
            (Task::MassCalc, 3),
        ] {
            let mut cfg = TrainConfig::new(task, ModelKind::Scratch, Profile::Smoke);
            cfg.runtime.seed = seed;
            let d = prepare(&cfg, &ds).unwrap();
            let h = d.held_out.unwrap();
            assert_eq!((h.pairs, h.of_pairs), ((0.2 * n as f64).ceil() as usize, n));
            let test: std::collections::BTreeSet<usize> = d.test.iter().map(|s| s.row).collect();
            assert_eq!(test.len(), h.pairs.min(d.test.len()));
            for s in d.train.iter().chain(&d.val) {
                assert!(
                    !test.contains(&s.row),
                    "row {} is in training and test",
                    s.row
                );
            }
            // The same pairs whatever the task and the run's seed.
            let (_, held) = hold_out_test(&ds.train, 0.2).unwrap();
            assert!(test.iter().all(|r| held.contains(r)));
            match &held_rows {
                None => held_rows = Some(held),
                Some(h0) => assert_eq!(h0, &held),
            }
            // Stratified by the four labels: each label's share within one pair of the file's.
            let counts = |rows: &[usize]| {
                let mut c = [0usize; 5];
                rows.iter()
                    .for_each(|&r| c[ds.train.labels[r] as usize] += 1);
                c
            };
            let all: Vec<usize> = (0..n).map(|k| 2 * k + 1).collect();
            let (ca, ch) = (counts(&all), counts(held_rows.as_ref().unwrap()));
            for l in 1..5 {
                let want = ca[l] as f64 * h.pairs as f64 / n as f64;
                assert!(
                    (ch[l] as f64 - want).abs() <= 1.0,
                    "label {l}: {} held, {want:.1} expected",
                    ch[l]
                );
            }
        }
        // With a test set, nothing is held out.
        let with = generate(&SynthConfig {
            scale: 0.05,
            ..Default::default()
        })
        .unwrap();
        let d = prepare(
            &TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke),
            &with,
        )
        .unwrap();
        assert!(d.held_out.is_none());
    }
}
