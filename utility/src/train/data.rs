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
    let all = tasks::task_samples(cfg.data.task, &train_set)?;
    let (tr, va) = tasks::stratified_split(&all, k, cfg.data.val_fraction, cfg.runtime.seed)?;
    let (mt, mv, mte) = cfg.limits();
    let tr = limit(tr, mt, k, cfg.runtime.seed ^ 1)?;
    let va = limit(va, mv, k, cfg.runtime.seed ^ 2)?;
    let test = match &test_set {
        Some(t) => limit(
            tasks::task_samples(cfg.data.task, t)?,
            mte,
            k,
            cfg.runtime.seed ^ 3,
        )?,
        None => Vec::new(),
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
    })
}
