//! A row of a seed table: the hyper-parameters the seed states, the numbers it reports, where a
//! row's run comes from, and the configuration that reproduces it in each profile.
use super::*;
use crate::data::tasks::{Balance, Task};
use crate::error::Result;
use crate::experiment::notebook::Env;
use crate::runtime::profile::Profile;
use crate::train::config::{Adapter, ModelKind, OptimizerKind, TrainConfig};
use crate::train::History;
use crate::transforms::augment::Augment;
/// The run name of the seed's ensemble (§7), as `run::ensemble(&members, ENSEMBLE_RUN)` names it.
pub const ENSEMBLE_RUN: &str = "ENSEMBLE";

/// The augmentation a row uses (the seed's Keras RandomFlip / 90° RandomRotation layers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aug {
    None,
    /// 90° rotations only.
    Rot90,
    /// Horizontal flip and 90° rotations.
    FlipRot90,
}

impl Aug {
    /// The augmentation of the configuration.
    pub fn augment(self) -> Augment {
        Augment {
            hflip: self == Aug::FlipRot90,
            rot90: self != Aug::None,
            ..Default::default()
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Aug::None => "none",
            Aug::Rot90 => "rot90",
            Aug::FlipRot90 => "flip+rot90",
        }
    }
}

/// A hyper-parameter column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    Augment,
    Dropout,
    Cut,
    Contrast,
    BatchSize,
    Optimizer,
    Lr,
    Epochs,
    Head,
    Adapter,
    Balance,
    Seed,
}

impl Param {
    pub const ALL: [Param; 12] = [
        Param::Augment,
        Param::Dropout,
        Param::Cut,
        Param::Contrast,
        Param::BatchSize,
        Param::Optimizer,
        Param::Lr,
        Param::Epochs,
        Param::Head,
        Param::Adapter,
        Param::Balance,
        Param::Seed,
    ];
    /// Column header.
    pub fn label(self) -> &'static str {
        match self {
            Param::Augment => "augmentation",
            Param::Dropout => "dropout",
            Param::Cut => "cut",
            Param::Contrast => "contrast",
            Param::BatchSize => "batch size",
            Param::Optimizer => "optimizer",
            Param::Lr => "learning rate",
            Param::Epochs => "epochs",
            Param::Head => "head",
            Param::Adapter => "adapter",
            Param::Balance => "balance",
            Param::Seed => "seed",
        }
    }
    /// CSV column name.
    pub fn key(self) -> &'static str {
        match self {
            Param::Augment => "augment",
            Param::Dropout => "dropout",
            Param::Cut => "cut",
            Param::Contrast => "contrast",
            Param::BatchSize => "batch_size",
            Param::Optimizer => "optimizer",
            Param::Lr => "lr",
            Param::Epochs => "epochs",
            Param::Head => "head",
            Param::Adapter => "adapter",
            Param::Balance => "balance",
            Param::Seed => "seed",
        }
    }
}

/// A metric column of the seed's tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    Accuracy,
    Loss,
    F2,
    Auc,
}

impl Metric {
    pub const ALL: [Metric; 4] = [Metric::Accuracy, Metric::Loss, Metric::F2, Metric::Auc];
    pub fn label(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Loss => "loss",
            Metric::F2 => "F2",
            Metric::Auc => "AUC",
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Loss => "loss",
            Metric::F2 => "f2",
            Metric::Auc => "auc",
        }
    }
}

/// The hyper-parameters of a row, as the seed's table states them (and, where it is ambiguous,
/// as read in the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct SeedParams {
    pub augment: Aug,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// The seed's epochs; `None` where its table gives none (the profile's default is used).
    pub epochs: Option<usize>,
    pub contrast: Option<f32>,
    /// The cut as the seed writes it (`top`, `top+1`, `top+2`, `top+block5`); pretrained only.
    pub cut: Option<&'static str>,
    /// `None` and `Some(0.0)` both mean no dropout (the Siamese rows say `Some(0.0)`, since the
    /// Siamese network's default is 0.4).
    pub dropout: Option<f64>,
    pub batch_size: usize,
    /// Hidden layers of the pretrained models' MLP head.
    pub head: Vec<i64>,
    /// The adapter of a pretrained row (the seed's: the 1x1 convolution).
    pub adapter: Option<Adapter>,
    pub balance: Balance,
    /// Added to the notebook's seed: 0, or 1 and 2 for the seed's repeated rows.
    pub seed_offset: u64,
}

impl SeedParams {
    /// The seed's defaults: no augmentation, Adam 0.001, batch 32, head `[512]`, oversampling.
    pub fn new() -> SeedParams {
        SeedParams {
            augment: Aug::None,
            optimizer: OptimizerKind::Adam,
            lr: 0.001,
            epochs: None,
            contrast: None,
            cut: None,
            dropout: None,
            batch_size: 32,
            head: vec![512],
            adapter: None,
            balance: Balance::Over,
            seed_offset: 0,
        }
    }
    pub(crate) fn aug(mut self, a: Aug) -> Self {
        self.augment = a;
        self
    }
    pub(crate) fn rmsprop(mut self) -> Self {
        self.optimizer = OptimizerKind::RmsProp;
        self
    }
    pub(crate) fn lr(mut self, lr: f64) -> Self {
        self.lr = lr;
        self
    }
    pub(crate) fn epochs(mut self, e: usize) -> Self {
        self.epochs = Some(e);
        self
    }
    pub(crate) fn contrast(mut self, c: f32) -> Self {
        self.contrast = Some(c);
        self
    }
    pub(crate) fn cut(mut self, c: &'static str) -> Self {
        self.cut = Some(c);
        self
    }
    pub(crate) fn dropout(mut self, d: f64) -> Self {
        self.dropout = Some(d);
        self
    }
    pub(crate) fn batch(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    pub(crate) fn head(mut self, h: &[i64]) -> Self {
        self.head = h.to_vec();
        self
    }
    pub(crate) fn adapter(mut self, a: Adapter) -> Self {
        self.adapter = Some(a);
        self
    }
    pub(crate) fn balance(mut self, b: Balance) -> Self {
        self.balance = b;
        self
    }
    pub(crate) fn seed_offset(mut self, k: u64) -> Self {
        self.seed_offset = k;
        self
    }
}

impl Default for SeedParams {
    fn default() -> Self {
        SeedParams::new()
    }
}

/// The numbers a seed row reports; `None` where it printed "-" or has no such column.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeedNumbers {
    pub accuracy: Option<f64>,
    pub loss: Option<f64>,
    pub f2: Option<f64>,
    pub auc: Option<f64>,
    /// The SCRATCH_BM table's unlabelled fifth number (see the module documentation).
    pub extra: Option<f64>,
}

impl SeedNumbers {
    pub fn get(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Accuracy => self.accuracy,
            Metric::Loss => self.loss,
            Metric::F2 => self.f2,
            Metric::Auc => self.auc,
        }
    }
}

/// Accuracy, loss, AUC (no F2: the mass/calcification tables).
pub(crate) fn nums(accuracy: f64, loss: f64, auc: f64) -> SeedNumbers {
    SeedNumbers {
        accuracy: Some(accuracy),
        loss: Some(loss),
        auc: Some(auc),
        ..Default::default()
    }
}

/// Accuracy, loss, F2, AUC.
pub(crate) fn nums4(accuracy: f64, loss: f64, f2: f64, auc: f64) -> SeedNumbers {
    SeedNumbers {
        accuracy: Some(accuracy),
        loss: Some(loss),
        f2: Some(f2),
        auc: Some(auc),
        extra: None,
    }
}

/// A row of dashes.
pub(crate) fn dashes() -> SeedNumbers {
    SeedNumbers::default()
}

/// The train vs validation numbers the seed gives at the last epoch of its first, overfitting
/// runs (SCRATCH_1, SCRATCH_BM_V1).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeedOverfit {
    pub train_accuracy: f64,
    pub val_accuracy: f64,
    pub train_loss: f64,
    pub val_loss: f64,
}

/// Where a row's numbers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// A run of its own, named as the row's id.
    Own,
    /// The very run of another row (id), in this or another table.
    SameRunAs(&'static str),
    /// The validation metrics of another row's run (id) at `epoch` of its history (the seed's
    /// epochs; [`SeedRow::epoch_in`] scales it to a profile).
    Epoch { of: &'static str, epoch: usize },
    /// The average-voting ensemble of these rows' runs (run [`ENSEMBLE_RUN`]).
    Ensemble(Vec<&'static str>),
}

/// One row of a seed table.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRow {
    /// Unique over all tables; the run's name for rows trained on their own.
    pub id: &'static str,
    /// The row's name in the seed's table.
    pub label: &'static str,
    pub task: Task,
    pub model: ModelKind,
    pub params: SeedParams,
    pub seed: SeedNumbers,
    pub overfit: Option<SeedOverfit>,
    pub source: Source,
    /// Trained only in the `full` profile (see the module documentation).
    pub full_only: bool,
    /// Not trained in `quick` (the CPU demo's time budget), but in `smoke` and `full`.
    pub skip_quick: bool,
    /// How an ambiguous row was read, or anything else to know about it.
    pub note: String,
}

impl SeedRow {
    pub(crate) fn new(
        id: &'static str,
        label: &'static str,
        task: Task,
        model: ModelKind,
        params: SeedParams,
        seed: SeedNumbers,
    ) -> SeedRow {
        SeedRow {
            id,
            label,
            task,
            model,
            params,
            seed,
            overfit: None,
            source: Source::Own,
            full_only: false,
            skip_quick: false,
            note: String::new(),
        }
    }
    pub(crate) fn full_only(mut self) -> Self {
        self.full_only = true;
        self
    }
    pub(crate) fn skip_quick(mut self) -> Self {
        self.skip_quick = true;
        self
    }
    pub(crate) fn note(mut self, n: &str) -> Self {
        self.note = n.to_string();
        self
    }
    pub(crate) fn source(mut self, s: Source) -> Self {
        self.source = s;
        self
    }
    pub(crate) fn overfit(mut self, o: SeedOverfit) -> Self {
        self.overfit = Some(o);
        self
    }

    /// `Some((row id, seed epoch))` for a row read from another row's history.
    pub fn derived_from(&self) -> Option<(&'static str, usize)> {
        match self.source {
            Source::Epoch { of, epoch } => Some((of, epoch)),
            _ => None,
        }
    }

    /// Whether this row is trained as a run of its own in `profile`: a row with its own run,
    /// in `full`; in `smoke` when it is not `full_only`; in `quick` when it is neither
    /// `full_only` nor `skip_quick`.
    pub fn runs_in(&self, profile: Profile) -> bool {
        self.source == Source::Own
            && match profile {
                Profile::Full => true,
                Profile::Smoke => !self.full_only,
                Profile::Quick => !self.full_only && !self.skip_quick,
            }
    }

    /// Whether this row gets this project's numbers in `profile`: its own run runs, or the run
    /// it is read from does (for an ensemble: every member's).
    pub fn measured_in(&self, profile: Profile) -> bool {
        match &self.source {
            Source::Own => self.runs_in(profile),
            Source::SameRunAs(of) | Source::Epoch { of, .. } => {
                find_row(of).is_ok_and(|r| r.measured_in(profile))
            }
            Source::Ensemble(members) => members
                .iter()
                .all(|m| find_row(m).is_ok_and(|r| r.measured_in(profile))),
        }
    }

    /// The run whose results this row shows: its own (its id), the run of the row it is the same
    /// as or read from, or [`ENSEMBLE_RUN`].
    pub fn run_name(&self) -> &'static str {
        match &self.source {
            Source::Own => self.id,
            Source::SameRunAs(of) | Source::Epoch { of, .. } => of,
            Source::Ensemble(_) => ENSEMBLE_RUN,
        }
    }

    /// The configuration that reproduces this row in `env` (its profile, seed and data): the
    /// seed's settings, epochs by [`epochs_for`], named as the row's id. A row that is the same
    /// run as another gives that row's configuration; a row read from a longer run's history
    /// gives its own (as if trained on its own, e.g. SCRATCH_6 at 35 epochs, which is
    /// [`crate::experiment::recipes::scratch_mass_calc_best`]); an ensemble row is an error (its members
    /// are trained).
    pub fn config(&self, env: &Env) -> Result<TrainConfig> {
        match &self.source {
            Source::SameRunAs(of) => find_row(of)?.config(env),
            Source::Ensemble(m) => crate::error::invalid(
                "seed row",
                format!(
                    "{} is the average of {}: it is not trained, its members are",
                    self.label,
                    m.join(", ")
                ),
            ),
            Source::Own | Source::Epoch { .. } => self.own_config(env),
        }
    }

    pub(crate) fn own_config(&self, env: &Env) -> Result<TrainConfig> {
        let p = &self.params;
        let mut c = TrainConfig::new(self.task, self.model, env.profile);
        c.runtime.seed = env.seed.wrapping_add(p.seed_offset);
        c.data.dir = env.data.clone();
        c.name = self.id.to_string();
        c.data.augment = p.augment.augment();
        c.optim.optimizer = p.optimizer;
        c.optim.lr = p.lr;
        c.optim.epochs = epochs_for(env.profile, self.task, self.model, p.epochs);
        c.data.preprocess.contrast = p.contrast;
        c.model.set_dropout(p.dropout);
        c.optim.batch_size = p.batch_size;
        c.data.balance = p.balance;
        if let Some(spec) = c.model.pretrained_mut() {
            spec.cut = crate::models::backbones::Cut::parse(config_cut(
                self.model,
                p.cut.unwrap_or("top"),
            )?)?;
            spec.head = p.head.clone();
            spec.adapter = p.adapter.unwrap_or(Adapter::Conv1x1);
        }
        c.validate()?;
        Ok(c)
    }

    /// For a row read from another run's history: the epoch to read in `profile`. In `full`
    /// the seed's epoch; in a profile that caps the epochs, the same fraction of the source
    /// run's capped epochs, rounded, at least 1 (SCRATCH_6, 35 of SCRATCH_4's 50: epoch 11 of 15
    /// in `quick`, were SCRATCH_4 trained there, 1 of 2 in `smoke`). `None` for other rows.
    pub fn epoch_in(&self, profile: Profile) -> Result<Option<usize>> {
        let Source::Epoch { of, epoch } = self.source else {
            return Ok(None);
        };
        let src = find_row(of)?;
        let Some(src_epochs) = src.params.epochs else {
            return crate::error::invalid(
                "seed row",
                format!("{of} states no epochs to read {} from", self.id),
            );
        };
        if profile == Profile::Full {
            return Ok(Some(epoch));
        }
        let n = epochs_for(profile, src.task, src.model, Some(src_epochs));
        let scaled = (epoch as f64 * n as f64 / src_epochs.max(1) as f64).round() as usize;
        Ok(Some(scaled.clamp(1, n.max(1))))
    }

    /// For a row read from another run's history: its metrics at [`SeedRow::epoch_in`] of that
    /// run's `history`.
    pub fn derived_metrics(&self, profile: Profile, history: &History) -> Result<EpochMetrics> {
        match self.epoch_in(profile)? {
            Some(e) => metrics_at_epoch(history, e),
            None => crate::error::invalid(
                "seed row",
                format!("{} is not read from another run's history", self.id),
            ),
        }
    }

    /// The shown value of a hyper-parameter.
    pub fn param(&self, p: Param) -> String {
        let s = &self.params;
        let pretrained = self.model.is_pretrained();
        match p {
            Param::Augment => s.augment.label().into(),
            Param::Dropout => match s.dropout {
                Some(d) if d > 0.0 => format!("{d}"),
                _ => "no".into(),
            },
            Param::Cut => match (pretrained, s.cut) {
                (false, _) => String::new(),
                (true, c) => {
                    let c = c.unwrap_or("top");
                    match config_cut(self.model, c) {
                        Ok(k) if k != c => format!("{c} (= {k})"),
                        _ => c.to_string(),
                    }
                }
            },
            Param::Contrast => s
                .contrast
                .map(|c| format!("{c}"))
                .unwrap_or_else(|| "none".into()),
            Param::BatchSize => s.batch_size.to_string(),
            Param::Optimizer => match s.optimizer {
                OptimizerKind::Adam => "Adam".into(),
                OptimizerKind::RmsProp => "RMSprop".into(),
                OptimizerKind::Sgd => "SGD".into(),
            },
            Param::Lr => format!("{}", s.lr),
            Param::Epochs => match (s.epochs, &self.source) {
                (Some(e), _) => e.to_string(),
                (None, Source::Ensemble(_)) => String::new(),
                (None, _) => "not stated".into(),
            },
            Param::Head => {
                if pretrained {
                    let h: Vec<String> = s.head.iter().map(|x| x.to_string()).collect();
                    h.join("+")
                } else {
                    String::new()
                }
            }
            Param::Adapter => {
                if pretrained {
                    s.adapter.unwrap_or(Adapter::Conv1x1).name().into()
                } else {
                    String::new()
                }
            }
            Param::Balance => s.balance.name().into(),
            Param::Seed => match s.seed_offset {
                0 => "base".into(),
                k => format!("base+{k}"),
            },
        }
    }
}

/// The cut of the configuration for the seed's cut label: VGG16's "top+1" and "top+block5" are
/// torchvision's `block5` (the features before block 5); InceptionV3's labels are its cuts.
pub fn config_cut(model: ModelKind, seed_cut: &str) -> Result<&'static str> {
    let c = seed_cut.trim().to_ascii_lowercase().replace(' ', "");
    match (model, c.as_str()) {
        (_, "top") => Ok("top"),
        (ModelKind::Vgg16, "top+1" | "top+block5" | "block5") => Ok("block5"),
        (ModelKind::InceptionV3, "top+1") => Ok("top+1"),
        (ModelKind::InceptionV3, "top+2") => Ok("top+2"),
        _ => crate::error::invalid(
            "cut",
            format!("'{seed_cut}' is not a cut of {}", model.name()),
        ),
    }
}

/// The epochs a row trains in `profile`: in `full` the seed's (the profile's default where the
/// seed states none); in `quick` and `smoke` the profile's default for the task and model
/// ([`TrainConfig::default_epochs`]: in `quick` 15 for the scratch CNN, 13 for benign vs
/// malignant, 4 for the Siamese network, 2 for pretrained models; 2 in `smoke`), whatever the seed's.
pub fn epochs_for(
    profile: Profile,
    task: Task,
    model: ModelKind,
    seed_epochs: Option<usize>,
) -> usize {
    let default = TrainConfig::default_epochs(profile, task, model);
    match (profile, seed_epochs) {
        (Profile::Full, Some(e)) => e,
        _ => default,
    }
}
