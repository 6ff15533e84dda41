//! The task datasets of the seed (§3.1-3.3), the 4-class task and the `labels` task of a
//! labelled-image dataset (`mammo import folder`), class balancing and splits.
use crate::data::dataset::PairedSet;
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

/// A classification task: one of the seed's, built from the paired course data, or `labels`,
/// the classes of a labelled-image dataset as they are.
///
/// Saved as its [`Task::spec`] string (`"mass-calc"`, `"labels:3"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    /// Abnormality patches; mass (labels 1,2) -> 0, calcification (3,4) -> 1.
    MassCalc,
    /// Abnormality patches; benign (1,3) -> 0, malignant (2,4) -> 1.
    BenignMalignant,
    /// (baseline, abnormality) pairs; mass -> 0, calcification -> 1.
    Siamese,
    /// Abnormality patches; labels 1..=4 -> 0..=3.
    FourClass,
    /// The images of a labelled-image dataset ([`crate::data::dataset::Dataset::classes`]) with
    /// their own labels `0..k`, `k` classes (2 or more; binary metrics for 2, with class 1 the
    /// positive one). `Labels(0)` is "the dataset's classes", bound to `k` when a run starts
    /// ([`Task::bind`]).
    Labels(u8),
}

impl Task {
    pub const ALL: [Task; 4] = [
        Task::MassCalc,
        Task::BenignMalignant,
        Task::Siamese,
        Task::FourClass,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Task::MassCalc => "mass-calc",
            Task::BenignMalignant => "benign-malignant",
            Task::Siamese => "siamese",
            Task::FourClass => "four-class",
            Task::Labels(_) => "labels",
        }
    }
    /// The name with the class count of a bound `labels` task (`labels:3`): how configurations
    /// and metrics files save a task ([`Task::parse`] reads it back).
    pub fn spec(self) -> String {
        match self {
            Task::Labels(k) if k > 0 => format!("labels:{k}"),
            t => t.name().to_string(),
        }
    }
    pub fn parse(s: &str) -> Result<Task> {
        let t = s.trim().to_ascii_lowercase().replace('_', "-");
        if let Some(k) = t.strip_prefix("labels") {
            let k = k.strip_prefix(':').unwrap_or(k);
            if k.is_empty() {
                return Ok(Task::Labels(0));
            }
            return match k.parse::<u8>() {
                Ok(k) if k >= 2 => Ok(Task::Labels(k)),
                _ => crate::error::invalid(
                    "task",
                    format!("'{s}': labels:K needs a class count K from 2 to 255"),
                ),
            };
        }
        Task::ALL
            .into_iter()
            .find(|k| k.name() == t)
            .ok_or_else(|| {
                Error::invalid(
                    "task",
                    format!(
                        "'{s}': expected one of mass-calc, benign-malignant, siamese, four-class, labels"
                    ),
                )
            })
    }
    /// Number of classes; for an unbound `labels` task (`Labels(0)`), 0.
    pub fn n_classes(self) -> usize {
        match self {
            Task::FourClass => 4,
            Task::Labels(k) => k as usize,
            _ => 2,
        }
    }
    /// The class names of the seed's tasks; empty for `labels`, whose names are the dataset's
    /// (see [`crate::train::config::DataConfig::class_names`]).
    pub fn class_names(self) -> &'static [&'static str] {
        match self {
            Task::MassCalc | Task::Siamese => &["mass", "calcification"],
            Task::BenignMalignant => &["benign", "malignant"],
            Task::FourClass => &[
                "mass benign",
                "mass malignant",
                "calcification benign",
                "calcification malignant",
            ],
            Task::Labels(_) => &[],
        }
    }
    /// The name of class 1: the positive class of a binary task (`calcification`, `malignant`);
    /// `mass malignant` for the four classes; `class 1` for `labels`.
    pub fn positive_name(self) -> &'static str {
        self.class_names().get(1).copied().unwrap_or("class 1")
    }
    /// Whether the model sees (baseline, abnormality) pairs.
    pub fn is_pair(self) -> bool {
        self == Task::Siamese
    }
    /// Whether the task is one of the seed's, built from (baseline, abnormality) pairs.
    pub fn needs_pairs(self) -> bool {
        !matches!(self, Task::Labels(_))
    }
    /// This task for a dataset: `labels` bound to the dataset's class count; the seed's tasks
    /// as they are. Errors when the dataset cannot serve the task at all (a seed task on a
    /// labelled-image dataset, `labels` on course pairs, `labels:K` on a dataset with another
    /// number of classes).
    pub fn bind(self, ds: &crate::data::dataset::Dataset) -> Result<Task> {
        match (self, &ds.classes) {
            (Task::Labels(k), Some(names)) => {
                if k != 0 && k as usize != names.len() {
                    return crate::error::invalid(
                        "task",
                        format!(
                            "labels:{k}, but {} has {} classes ({})",
                            ds.dir.display(),
                            names.len(),
                            names.join(", ")
                        ),
                    );
                }
                Ok(Task::Labels(names.len() as u8))
            }
            (Task::Labels(_), None) => crate::error::invalid(
                "task",
                format!(
                    "the labels task is for a labelled-image dataset (made by `mammo import folder`, with a {}); {} holds (baseline, abnormality) pairs: use mass-calc, benign-malignant, siamese or four-class",
                    crate::data::dataset::CLASSES_FILE,
                    ds.dir.display()
                ),
            ),
            (t, Some(names)) => crate::error::invalid(
                "task",
                format!(
                    "{t} needs (baseline, abnormality) pairs with the course labels; {} is a labelled-image dataset with the classes {}: use --task labels",
                    ds.dir.display(),
                    names.join(", ")
                ),
            ),
            (t, None) => Ok(t),
        }
    }
    /// The task label of an abnormality label 1..=4 (the seed's tasks), or of a class label
    /// `0..k` (`labels`).
    pub fn relabel(self, label: u8) -> Result<u8> {
        if let Task::Labels(k) = self {
            if label >= k {
                return crate::error::invalid(
                    "label",
                    format!("{label} is not a class label of this task (0..{k})"),
                );
            }
            return Ok(label);
        }
        if !(1..=4).contains(&label) {
            return crate::error::invalid(
                "label",
                format!("{label} is not an abnormality label (1..=4)"),
            );
        }
        Ok(match self {
            Task::MassCalc | Task::Siamese => u8::from(label >= 3),
            Task::BenignMalignant => u8::from(label.is_multiple_of(2)),
            Task::FourClass => label - 1,
            Task::Labels(_) => label,
        })
    }
}

impl serde::Serialize for Task {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.spec())
    }
}

impl<'de> serde::Deserialize<'de> for Task {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Task::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::fmt::Display for Task {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Task {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Task::parse(s)
    }
}

/// One example of a task: the abnormality's row in its source file (the baseline is `row - 1`)
/// and the task label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sample {
    pub row: usize,
    pub label: u8,
}

impl Sample {
    /// Row of the paired baseline patch.
    pub fn baseline_row(&self) -> usize {
        self.row - 1
    }
}

/// Build a task's samples from a set, in file order: one sample per pair for the seed's tasks
/// (the abnormality's row), one per image for `labels`.
pub fn task_samples(task: Task, set: &PairedSet) -> Result<Vec<Sample>> {
    if task.needs_pairs() != set.paired {
        return crate::error::invalid(
            "task",
            if set.paired {
                format!("the {task} task needs a labelled-image dataset; {} holds (baseline, abnormality) pairs", set.labels_path.display())
            } else {
                format!("the {task} task needs (baseline, abnormality) pairs; {} holds labelled images (use the labels task)", set.labels_path.display())
            },
        );
    }
    if !set.paired {
        return (0..set.len())
            .map(|row| {
                Ok(Sample {
                    row,
                    label: task.relabel(set.labels[row])?,
                })
            })
            .collect();
    }
    (0..set.n_pairs())
        .map(|k| {
            let row = 2 * k + 1;
            Ok(Sample {
                row,
                label: task.relabel(set.labels[row])?,
            })
        })
        .collect()
}

/// Count of each class among samples.
pub fn class_counts(samples: &[Sample], n_classes: usize) -> Vec<usize> {
    let mut c = vec![0; n_classes];
    for s in samples {
        if let Some(x) = c.get_mut(s.label as usize) {
            *x += 1;
        }
    }
    c
}

/// How to balance classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Balance {
    None,
    /// Random oversampling: draw extra samples of the smaller classes, with replacement, until
    /// every class has as many as the largest.
    Over,
    /// Random undersampling: keep a random subset of each class, as large as the smallest.
    Under,
}

impl Balance {
    pub fn parse(s: &str) -> Result<Balance> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Balance::None),
            "over" | "oversample" => Ok(Balance::Over),
            "under" | "undersample" => Ok(Balance::Under),
            o => crate::error::invalid("balance", format!("'{o}': expected none, over or under")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Balance::None => "none",
            Balance::Over => "over",
            Balance::Under => "under",
        }
    }
}

/// Class counts before and after balancing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BalanceReport {
    pub before: Vec<usize>,
    pub after: Vec<usize>,
}

/// Balance the classes of `samples` (seeded). Returns the new sample list, shuffled, and the
/// counts before and after.
pub fn balance(
    samples: &[Sample],
    n_classes: usize,
    how: Balance,
    seed: u64,
) -> Result<(Vec<Sample>, BalanceReport)> {
    let before = class_counts(samples, n_classes);
    if how == Balance::None {
        return Ok((
            samples.to_vec(),
            BalanceReport {
                after: before.clone(),
                before,
            },
        ));
    }
    let present: Vec<usize> = before.iter().copied().filter(|&c| c > 0).collect();
    if present.len() < 2 {
        return crate::error::invalid(
            "balance",
            format!("needs at least two classes with samples, counts are {before:?}"),
        );
    }
    let mut rng = SeededRng::seed_from_u64(seed);
    let mut by_class: Vec<Vec<Sample>> = vec![Vec::new(); n_classes];
    for s in samples {
        if let Some(v) = by_class.get_mut(s.label as usize) {
            v.push(*s);
        }
    }
    let mut out = Vec::new();
    match how {
        Balance::Over => {
            let target = before.iter().copied().max().unwrap_or(0);
            for v in by_class.iter().filter(|v| !v.is_empty()) {
                out.extend_from_slice(v);
                for _ in v.len()..target {
                    out.push(v[rng.gen_range(0..v.len())]);
                }
            }
        }
        Balance::Under => {
            let target = present.iter().copied().min().unwrap_or(0);
            for v in by_class.iter_mut().filter(|v| !v.is_empty()) {
                v.shuffle(&mut rng);
                out.extend_from_slice(&v[..target]);
            }
        }
        Balance::None => {}
    }
    out.shuffle(&mut rng);
    let after = class_counts(&out, n_classes);
    Ok((out, BalanceReport { before, after }))
}

/// Class weights for the loss, scikit-learn's "balanced" rule: `n / (k * count_c)`; a class
/// with no samples gets weight 0.
pub fn class_weights(samples: &[Sample], n_classes: usize) -> Vec<f64> {
    let counts = class_counts(samples, n_classes);
    let k = counts.iter().filter(|&&c| c > 0).count().max(1) as f64;
    let n = samples.len() as f64;
    counts
        .iter()
        .map(|&c| if c == 0 { 0.0 } else { n / (k * c as f64) })
        .collect()
}

/// scikit-learn's `_approximate_mode`: split `n_draws` among classes in proportion to `counts`,
/// flooring, then giving the remaining draws to the largest remainders (ties broken at random).
pub fn approximate_mode(counts: &[usize], n_draws: usize, rng: &mut SeededRng) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if total == 0 {
        return vec![0; counts.len()];
    }
    let cont: Vec<f64> = counts
        .iter()
        .map(|&c| c as f64 / total as f64 * n_draws as f64)
        .collect();
    let mut floored: Vec<usize> = cont.iter().map(|c| c.floor() as usize).collect();
    let mut need = n_draws.saturating_sub(floored.iter().sum());
    let rem: Vec<f64> = cont
        .iter()
        .zip(&floored)
        .map(|(c, f)| c - *f as f64)
        .collect();
    let mut values = rem.clone();
    values.sort_by(|a, b| b.total_cmp(a));
    values.dedup();
    for v in values {
        if need == 0 {
            break;
        }
        let mut inds: Vec<usize> = (0..rem.len()).filter(|&i| rem[i] == v).collect();
        inds.shuffle(rng);
        for &i in inds.iter().take(need) {
            floored[i] += 1;
        }
        need -= inds.len().min(need);
    }
    floored
}

/// A seeded, shuffled, stratified split into (train, validation) with scikit-learn's
/// `train_test_split(..., test_size=val_fraction, stratify=y)` counts: the validation set has
/// `ceil(val_fraction * n)` samples, shared among classes in proportion to their counts.
pub fn stratified_split(
    samples: &[Sample],
    n_classes: usize,
    val_fraction: f64,
    seed: u64,
) -> Result<(Vec<Sample>, Vec<Sample>)> {
    if !(val_fraction > 0.0 && val_fraction < 1.0) {
        return crate::error::invalid(
            "validation fraction",
            format!("{val_fraction} must be in (0, 1)"),
        );
    }
    let n = samples.len();
    let n_val = (val_fraction * n as f64).ceil() as usize;
    let n_train = n - n_val.min(n);
    let counts = class_counts(samples, n_classes);
    if n_val == 0 || n_train == 0 {
        return crate::error::invalid(
            "split",
            format!(
                "{n} samples are too few for a {:.0}% validation split",
                val_fraction * 100.0
            ),
        );
    }
    let n_present = counts.iter().filter(|&&c| c > 0).count();
    if n_val < n_present || n_train < n_present {
        return crate::error::invalid(
            "split",
            format!(
                "{n} samples in {n_present} classes: too few for a stratified {:.0}% split",
                val_fraction * 100.0
            ),
        );
    }
    let mut rng = SeededRng::seed_from_u64(seed);
    let n_i = approximate_mode(&counts, n_train, &mut rng);
    let remaining: Vec<usize> = counts.iter().zip(&n_i).map(|(c, t)| c - t).collect();
    let t_i = approximate_mode(&remaining, n_val, &mut rng);
    let mut by_class: Vec<Vec<Sample>> = vec![Vec::new(); n_classes];
    for s in samples {
        if let Some(v) = by_class.get_mut(s.label as usize) {
            v.push(*s);
        }
    }
    let (mut train, mut val) = (Vec::with_capacity(n_train), Vec::with_capacity(n_val));
    for (k, v) in by_class.iter_mut().enumerate() {
        v.shuffle(&mut rng);
        train.extend_from_slice(&v[..n_i[k]]);
        val.extend_from_slice(&v[n_i[k]..n_i[k] + t_i[k]]);
    }
    train.shuffle(&mut rng);
    val.shuffle(&mut rng);
    Ok((train, val))
}

/// Stratified k-fold assignment with scikit-learn's `StratifiedKFold(shuffle=True)` fold sizes:
/// returns, for each fold, (train, validation).
pub fn stratified_kfold(
    samples: &[Sample],
    n_classes: usize,
    k: usize,
    seed: u64,
) -> Result<Vec<(Vec<Sample>, Vec<Sample>)>> {
    if k < 2 {
        return crate::error::invalid("folds", format!("{k}: need at least 2 folds"));
    }
    let counts = class_counts(samples, n_classes);
    if let Some(&mx) = counts.iter().filter(|&&c| c > 0).max() {
        if mx < k {
            return crate::error::invalid(
                "folds",
                format!("{k} folds but no class has {k} samples (counts {counts:?})"),
            );
        }
    } else {
        return crate::error::invalid("folds", "no samples");
    }
    // Fold sizes per class as scikit-learn computes them: labels sorted, then strided.
    let mut y_sorted: Vec<u8> = samples.iter().map(|s| s.label).collect();
    y_sorted.sort_unstable();
    let mut alloc = vec![vec![0usize; n_classes]; k];
    for (i, row) in alloc.iter_mut().enumerate() {
        for &l in y_sorted.iter().skip(i).step_by(k) {
            row[l as usize] += 1;
        }
    }
    let mut rng = SeededRng::seed_from_u64(seed);
    let mut fold_of = vec![0usize; samples.len()];
    for c in 0..n_classes {
        let mut idx: Vec<usize> = (0..samples.len())
            .filter(|&i| samples[i].label as usize == c)
            .collect();
        idx.shuffle(&mut rng);
        let mut pos = 0;
        for (f, row) in alloc.iter().enumerate() {
            for &i in &idx[pos..pos + row[c]] {
                fold_of[i] = f;
            }
            pos += row[c];
        }
    }
    Ok((0..k)
        .map(|f| {
            let val: Vec<Sample> = (0..samples.len())
                .filter(|&i| fold_of[i] == f)
                .map(|i| samples[i])
                .collect();
            let train: Vec<Sample> = (0..samples.len())
                .filter(|&i| fold_of[i] != f)
                .map(|i| samples[i])
                .collect();
            (train, val)
        })
        .collect())
}
