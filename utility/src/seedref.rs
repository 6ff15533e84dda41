//! The seed report's experiment tables, row for row: each table as data (the rows, the
//! hyper-parameters the seed's table states, the numbers it reports), the [`TrainConfig`] that
//! reproduces each row, which rows a profile trains, and a side-by-side table of the seed's
//! numbers and this project's ([`SeedComparison`]), as HTML in a notebook and as CSV.
//!
//! # What the seed's numbers are
//!
//! The seed trained with Keras without restoring the best weights, so its numbers are those of
//! the **last epoch**; they are labelled so ("last epoch (50)"). Its ensemble table (§7) repeats
//! the benign/malignant rows' numbers for the members and says it predicted the test set, so the
//! tables' numbers are compared with this project's **test** metrics. A run here keeps the
//! weights of its best validation epoch (see [`crate::train`]); its numbers are labelled with
//! that epoch ("best epoch (12) of 35"), and the validation metrics of its last epoch, read from
//! its history, are shown beside them for the like-for-like view.
//!
//! # Reading the seed's tables
//!
//! Some rows cannot be told apart from the columns the seed printed. Each choice below is also
//! the row's `note`, shown in the table:
//!
//! - **SCRATCH_2 / SCRATCH_3** (§4.1) state identical settings with different results; the text
//!   names nothing else that was varied and mentions Colab runs that behaved differently from one
//!   execution to the next. SCRATCH_3 is SCRATCH_2 with another seed (the base seed + 1).
//! - **SCRATCH_6** is SCRATCH_4 stopped at 35 instead of 50 epochs: it is read from SCRATCH_4's
//!   history at epoch 35 (the first 35 epochs of a 50-epoch run are a 35-epoch run: no schedule
//!   depends on the total). [`crate::recipes::scratch_mass_calc_best`] trains it on its own, with
//!   the same configuration [`SeedRow::config`] gives.
//! - **SCRATCH_BM table** (§4.2): its header has nine columns but its rows ten values; the header
//!   line ends with an empty tenth column, and SCRATCH_BM_V1 has five dashes. The reading: the
//!   first four numbers are accuracy, loss, F2 and AUC as headed, the fifth is unlabelled (kept as
//!   [`SeedNumbers::extra`] and shown in the note). The ensemble table confirms it: its
//!   Best_BM_Scratch row (accuracy 0.65, F2 0.61, AUC 0.65) is SCRATCH_BM_V6's first, third and
//!   fourth numbers. "✓" augmentation is the 90° rotation alone (the text: "we applied only the
//!   90° degree rotation"), except SCRATCH_BM_V3, whose stated settings equal SCRATCH_BM_V6's:
//!   the text lists "different data augmentation combinations between rotation and horizontal
//!   flip" among what was tuned, so V3 is flip + rotation and V6 (the chosen model,
//!   [`crate::recipes`]) rotation alone.
//! - **VGG16 mass/calc** (§5.3.1) lists five rows (V1, V2, V3, V6, V5); V2, V3 and V5 state the
//!   same settings. The text names two things that varied besides the columns: "In some tests the
//!   data augmentation is composed of just the rotation layer" and "The best result was obtained
//!   using oversampling" (so some used undersampling; §5.3.2 repeats that undersampling
//!   overfitted "even in this case"). V5, the chosen model whose summary shows both RandomFlip
//!   and RandomRotation, is flip + rotation with oversampling; V2, close to it, is rotation only;
//!   V3, far below, is undersampling. VGG16 has no "top+1" level in torchvision's layout: V6's
//!   "top+1" is the next cut down, `block5` (as VGG_3's "Top + block5").
//! - **InceptionV3 mass/calc** (§5.3.2): INCEPTION_2 and INCEPTION_5 state the same settings and
//!   the same remark about rotation-only tests applies: INCEPTION_2 is rotation only, INCEPTION_5
//!   flip + rotation. The dropout rate is not stated: 0.4, the rate of the seed's Siamese network.
//!   INCEPTION_3 is the configuration the seed shows (its plots and confusion matrix).
//! - **InceptionV3 benign/malignant** (§5.4.2): the table has no learning-rate column (0.001, the
//!   rate of every other table) and prints the same glyph in every Dropout cell; the best model's
//!   summary has no Dropout layer, so none has dropout. The last line "BEST / INCEPTION" is one
//!   row, "BEST INCEPTION". INCEPTION_2/3 and INCEPTION_4/5 state identical settings; the one
//!   thing the text says was varied besides the columns is the head ("we obtained better results
//!   with a further dense layer"): INCEPTION_2 and _4 have the one-layer head [512], INCEPTION_3
//!   and _5 the best model's [512, 256]. INCEPTION_1 (the first test, cut top) has [512];
//!   INCEPTION_6 and _7 [512, 256]. Then INCEPTION_3 is BEST at 10 of its 20 epochs and
//!   INCEPTION_5 is INCEPTION_6 at 10 of 20: both are read from those runs' histories.
//! - **VGG16 benign/malignant** (§5.4.1): no epochs column: the profile's default epochs.
//! - **SIAMESE_1/2/3** (§6) state identical settings: SIAMESE_2 and SIAMESE_3 are SIAMESE_1 with
//!   other seeds (base + 1, base + 2). SIAMESE_4 (rotation, no dropout, 30 epochs) differs from
//!   every 50-epoch row in more than its epochs, so it is a run of its own.
//! - **Adapter comparison** (§5.2) was made "on the best configuration obtained for the benignant
//!   vs malignant problem": its "Convolutional Layer" row has exactly BEST INCEPTION's numbers
//!   (0.69, 0.58, 0.69, 0.70), so the comparison is on BEST INCEPTION: the conv row is that run,
//!   the replication row the same configuration with the replicating adapter.
//! - Every pretrained row uses the seed's architecture: the trainable 1x1 convolution adapter
//!   (the seed's summaries: "conv2d (Conv2D) (None, 150, 150, 3) 6"), except the replication row.
//!
//! # Which rows a profile trains
//!
//! [`SeedRow::runs_in`]: a row is trained as a run of its own in a profile when it is not read
//! from another run (history, same run, ensemble) and either the profile is `full` or the row is
//! not `full_only`. `full_only` rows are the pretrained variants other than the rows the seed
//! chose (VGG16_V5, INCEPTION_3, BEST VGG, BEST INCEPTION and the replication row beside it; a
//! frozen backbone costs ~20x the scratch CNN per image on a CPU) and the repeats with another
//! seed (SCRATCH_3, SIAMESE_2, SIAMESE_3). A `full_only` row stays in the table with the seed's
//! numbers and the status "full profile only". Epochs: [`epochs_for`].
//!
//! `skip_quick` rows train in `full` and in `smoke` (so the tests cover them) but not in `quick`,
//! the CPU demo, which has 25 minutes for the whole notebook series on 2 cores: there the time
//! goes to the rows of the headline comparisons (augmentation vs none: SCRATCH_1/2; RMSprop vs
//! Adam: SCRATCH_4; contrast vs none on benign vs malignant: SCRATCH_BM_V4/V6; Siamese vs single
//! image: SIAMESE_5), each trained on the whole training set. Skipped in `quick`: SCRATCH_5
//! (learning rate 0.003), SCRATCH_BM_V1 (its overfitting needs the seed's 45 epochs: in 12 on
//! the CPU it sat at chance), SCRATCH_BM_V2/V3/V5 (the Adam pair of the contrast claim,
//! flip + rotation) and SIAMESE_1/4 (flip, dropout); `full` has them all.
use crate::augment::Augment;
use crate::config::{Adapter, ModelKind, OptimizerKind, TrainConfig};
use crate::dataset::Dataset;
use crate::display::{html_escape, Html};
use crate::error::{Error, Result};
use crate::notebook::{Env, Experiment};
use crate::profile::Profile;
use crate::run::Run;
use crate::tasks::{Balance, Task};
use crate::train::History;
use std::path::{Path, PathBuf};

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
    /// The seed's defaults: no augmentation, Adam 0.001, batch 32, head [512], oversampling.
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
    fn aug(mut self, a: Aug) -> Self {
        self.augment = a;
        self
    }
    fn rmsprop(mut self) -> Self {
        self.optimizer = OptimizerKind::RmsProp;
        self
    }
    fn lr(mut self, lr: f64) -> Self {
        self.lr = lr;
        self
    }
    fn epochs(mut self, e: usize) -> Self {
        self.epochs = Some(e);
        self
    }
    fn contrast(mut self, c: f32) -> Self {
        self.contrast = Some(c);
        self
    }
    fn cut(mut self, c: &'static str) -> Self {
        self.cut = Some(c);
        self
    }
    fn dropout(mut self, d: f64) -> Self {
        self.dropout = Some(d);
        self
    }
    fn batch(mut self, b: usize) -> Self {
        self.batch_size = b;
        self
    }
    fn head(mut self, h: &[i64]) -> Self {
        self.head = h.to_vec();
        self
    }
    fn adapter(mut self, a: Adapter) -> Self {
        self.adapter = Some(a);
        self
    }
    fn balance(mut self, b: Balance) -> Self {
        self.balance = b;
        self
    }
    fn seed_offset(mut self, k: u64) -> Self {
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
fn nums(accuracy: f64, loss: f64, auc: f64) -> SeedNumbers {
    SeedNumbers {
        accuracy: Some(accuracy),
        loss: Some(loss),
        auc: Some(auc),
        ..Default::default()
    }
}

/// Accuracy, loss, F2, AUC.
fn nums4(accuracy: f64, loss: f64, f2: f64, auc: f64) -> SeedNumbers {
    SeedNumbers {
        accuracy: Some(accuracy),
        loss: Some(loss),
        f2: Some(f2),
        auc: Some(auc),
        extra: None,
    }
}

/// A row of dashes.
fn dashes() -> SeedNumbers {
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
    fn new(
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
    fn full_only(mut self) -> Self {
        self.full_only = true;
        self
    }
    fn skip_quick(mut self) -> Self {
        self.skip_quick = true;
        self
    }
    fn note(mut self, n: &str) -> Self {
        self.note = n.to_string();
        self
    }
    fn source(mut self, s: Source) -> Self {
        self.source = s;
        self
    }
    fn overfit(mut self, o: SeedOverfit) -> Self {
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
    /// [`crate::recipes::scratch_mass_calc_best`]); an ensemble row is an error (its members
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

    fn own_config(&self, env: &Env) -> Result<TrainConfig> {
        let p = &self.params;
        let mut c = TrainConfig::new(self.task, self.model, env.profile);
        c.seed = env.seed.wrapping_add(p.seed_offset);
        c.data = env.data.clone();
        c.name = self.id.to_string();
        c.augment = p.augment.augment();
        c.optimizer = p.optimizer;
        c.lr = p.lr;
        c.epochs = epochs_for(env.profile, self.task, self.model, p.epochs);
        c.preprocess.contrast = p.contrast;
        c.dropout = p.dropout;
        c.batch_size = p.batch_size;
        c.balance = p.balance;
        if self.model.is_pretrained() {
            c.cut = Some(config_cut(self.model, p.cut.unwrap_or("top"))?.to_string());
            c.head = p.head.clone();
            c.adapter = p.adapter.unwrap_or(Adapter::Conv1x1);
        }
        c.validate()?;
        Ok(c)
    }

    /// For a row read from another run's history: the epoch to read in `profile`. In `full`
    /// the seed's epoch; in a profile that caps the epochs, the same fraction of the source
    /// run's capped epochs, rounded, at least 1 (SCRATCH_6, 35 of SCRATCH_4's 50: epoch 3 of 4
    /// in `quick`, 1 of 2 in `smoke`). `None` for other rows.
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
/// ([`TrainConfig::default_epochs`]: 8, 10 for benign vs malignant, 2 for pretrained models in
/// `quick`; 2 in `smoke`), whatever the seed's.
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

/// A seed table.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTable {
    /// e.g. `scratch_mass_calc`.
    pub id: &'static str,
    pub title: &'static str,
    /// The seed's section, e.g. `§4.1`.
    pub section: &'static str,
    /// The hyper-parameter columns shown: the seed's, and those a reading of the table added.
    pub params: Vec<Param>,
    /// The metric columns the seed's table has.
    pub reported: Vec<Metric>,
    pub rows: Vec<SeedRow>,
    pub note: String,
}

impl SeedTable {
    /// A row by id or by the seed's label.
    pub fn row(&self, id_or_label: &str) -> Result<&SeedRow> {
        self.rows
            .iter()
            .find(|r| r.id == id_or_label)
            .or_else(|| self.rows.iter().find(|r| r.label == id_or_label))
            .ok_or_else(|| {
                Error::invalid(
                    "seed row",
                    format!("'{id_or_label}' is not a row of the seed table {}", self.id),
                )
            })
    }

    /// The rows trained as runs of their own in `profile` ([`SeedRow::runs_in`]).
    pub fn to_run(&self, profile: Profile) -> Vec<&SeedRow> {
        self.rows.iter().filter(|r| r.runs_in(profile)).collect()
    }

    /// The experiment that records this table's runs (`<runs>/<id>.csv`).
    pub fn experiment(&self, env: &Env) -> Result<Experiment> {
        let first = self
            .rows
            .first()
            .ok_or_else(|| Error::invalid("seed table", format!("{} has no rows", self.id)))?;
        Experiment::new(env, self.id, self.title, first.task, first.model)
    }

    /// Train (or reuse, when an identical run is saved) every row that runs in `env.profile`,
    /// recording each in `exp`; the runs in table order.
    pub fn run_rows(&self, env: &Env, ds: &Dataset, exp: &mut Experiment) -> Result<Vec<Run>> {
        self.to_run(env.profile)
            .into_iter()
            .map(|r| exp.run_config(ds, &r.config(env)?))
            .collect()
    }

    /// The side-by-side table of the seed's numbers and these runs'.
    pub fn compare<'a>(
        &self,
        env: &Env,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Result<SeedComparison> {
        SeedComparison::new(self, env, runs)
    }

    /// Where [`SeedComparison::save_csv`] puts this table by default: `<runs>/<id>_vs_seed.csv`.
    pub fn csv_path(&self, env: &Env) -> PathBuf {
        env.runs.join(format!("{}_vs_seed.csv", self.id))
    }
}

/// Take the run named `name` out of `runs` (as [`SeedTable::run_rows`] returns them), so that a
/// notebook can keep it as a variable of its own (Grad-CAM and test-time augmentation need it
/// mutable). Errors, naming the runs there are, when none has that name.
pub fn take(runs: &mut Vec<Run>, name: &str) -> Result<Run> {
    match runs.iter().position(|r| r.config.name == name) {
        Some(i) => Ok(runs.remove(i)),
        None => Err(Error::invalid(
            "run",
            format!(
                "no run named {name} here (runs: {})",
                runs.iter()
                    .map(|r| r.config.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

/// The run named `name` among `runs`, if that row was trained (a profile may skip it).
pub fn find<'a>(runs: &'a [Run], name: &str) -> Option<&'a Run> {
    runs.iter().find(|r| r.config.name == name)
}

/// Every seed table, in the report's order.
pub fn tables() -> Vec<SeedTable> {
    vec![
        scratch_mass_calc(),
        scratch_benign_malignant(),
        adapter_comparison(),
        vgg16_mass_calc(),
        inception_mass_calc(),
        vgg16_benign_malignant(),
        inception_benign_malignant(),
        siamese(),
        ensemble(),
    ]
}

/// A seed table by id.
pub fn table(id: &str) -> Result<SeedTable> {
    tables().into_iter().find(|t| t.id == id).ok_or_else(|| {
        let ids: Vec<&str> = tables().iter().map(|t| t.id).collect();
        Error::invalid(
            "seed table",
            format!("'{id}': expected one of {}", ids.join(", ")),
        )
    })
}

/// A row by its id, in whichever table.
pub fn find_row(id: &str) -> Result<SeedRow> {
    tables()
        .into_iter()
        .flat_map(|t| t.rows)
        .find(|r| r.id == id)
        .ok_or_else(|| Error::invalid("seed row", format!("no seed row has the id '{id}'")))
}

const MC: Task = Task::MassCalc;
const BM: Task = Task::BenignMalignant;

/// §4.1, "Scratch".
pub fn scratch_mass_calc() -> SeedTable {
    let s = ModelKind::Scratch;
    let fr = || SeedParams::new().aug(Aug::FlipRot90);
    SeedTable {
        id: "scratch_mass_calc",
        title: "Scratch CNN — mass vs calcification",
        section: "§4.1",
        params: vec![
            Param::Augment,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Seed,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("SCRATCH_1", "SCRATCH_1", MC, s, SeedParams::new().epochs(50), dashes())
                .overfit(SeedOverfit {
                    train_accuracy: 0.97,
                    val_accuracy: 0.81,
                    train_loss: 0.10,
                    val_loss: 1.55,
                })
                .note("no augmentation: the seed's severe overfitting (train vs validation at the last epoch: accuracy 0.97 / 0.81, loss 0.10 / 1.55)"),
            SeedRow::new("SCRATCH_2", "SCRATCH_2", MC, s, fr().epochs(50), nums(0.82, 0.39, 0.81)),
            SeedRow::new("SCRATCH_3", "SCRATCH_3", MC, s, fr().epochs(50).seed_offset(1), nums(0.85, 0.32, 0.85))
                .full_only()
                .note("the seed states SCRATCH_2's settings: read as SCRATCH_2 with another seed"),
            SeedRow::new("SCRATCH_4", "SCRATCH_4", MC, s, fr().rmsprop().epochs(50), nums(0.87, 0.29, 0.87)),
            SeedRow::new("SCRATCH_5", "SCRATCH_5", MC, s, fr().rmsprop().lr(0.003).epochs(50), nums(0.85, 0.47, 0.85)).skip_quick(),
            SeedRow::new("SCRATCH_6", "SCRATCH_6", MC, s, fr().rmsprop().epochs(35), nums(0.87, 0.31, 0.87))
                .source(Source::Epoch { of: "SCRATCH_4", epoch: 35 })
                .note("SCRATCH_4 at 35 instead of 50 epochs: read from SCRATCH_4's history (the seed's best model; recipes::scratch_mass_calc_best trains it on its own)"),
        ],
        note: String::new(),
    }
}

/// §4.2, "Scratch" (benign vs malignant).
pub fn scratch_benign_malignant() -> SeedTable {
    let s = ModelKind::Scratch;
    let r = || SeedParams::new().aug(Aug::Rot90).epochs(30);
    let extra = |mut n: SeedNumbers, x: f64| {
        n.extra = Some(x);
        n
    };
    SeedTable {
        id: "scratch_benign_malignant",
        title: "Scratch CNN — benign vs malignant",
        section: "§4.2",
        params: vec![
            Param::Augment,
            Param::Optimizer,
            Param::Lr,
            Param::Contrast,
            Param::Epochs,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("SCRATCH_BM_V1", "SCRATCH_BM_V1", BM, s, SeedParams::new().epochs(45), dashes())
                .skip_quick()
                .overfit(SeedOverfit {
                    train_accuracy: 0.95,
                    val_accuracy: 0.59,
                    train_loss: 0.08,
                    val_loss: 3.41,
                })
                .note("no augmentation, no contrast: the seed's overfitting (train vs validation at the last epoch: accuracy 0.95 / 0.59, loss 0.08 / 3.41)"),
            SeedRow::new("SCRATCH_BM_V2", "SCRATCH_BM_V2", BM, s, r().contrast(2.0), extra(nums4(0.57, 0.70, 0.68, 0.62), 0.64))
                .skip_quick()
                .note("unlabelled fifth number: 0.64"),
            SeedRow::new("SCRATCH_BM_V3", "SCRATCH_BM_V3", BM, s, r().aug(Aug::FlipRot90).rmsprop().contrast(2.0), extra(nums4(0.61, 0.63, 0.65, 0.59), 0.61))
                .skip_quick()
                .note("the seed states SCRATCH_BM_V6's settings: read as flip + rotation (the text tuned 'combinations between rotation and horizontal flip'); unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V4", "SCRATCH_BM_V4", BM, s, r().rmsprop(), extra(nums4(0.6, 0.65, 0.63, 0.61), 0.61))
                .note("unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V5", "SCRATCH_BM_V5", BM, s, r(), extra(nums4(0.58, 0.68, 0.61, 0.63), 0.61))
                .skip_quick()
                .note("unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V6", "SCRATCH_BM_V6", BM, s, r().rmsprop().contrast(2.0), extra(nums4(0.65, 0.61, 0.61, 0.65), 0.65))
                .note("the seed's best benign/malignant scratch model (an ensemble member); unlabelled fifth number: 0.65"),
        ],
        note: "The seed's header has nine columns, its rows ten values: the first four numbers are read as accuracy, loss, F2, AUC (the ensemble table repeats SCRATCH_BM_V6's as 0.65, 0.61, 0.65), the fifth is unlabelled. ✓ augmentation is the 90° rotation alone.".into(),
    }
}

/// §5.2, the adapter comparison (on BEST INCEPTION, benign vs malignant).
pub fn adapter_comparison() -> SeedTable {
    let best = inception_bm_best_params();
    SeedTable {
        id: "adapter_comparison",
        title: "1 to 3 channels: replication vs a 1x1 convolution (BEST INCEPTION, benign vs malignant)",
        section: "§5.2",
        params: vec![Param::Adapter, Param::Cut, Param::Head, Param::Contrast, Param::Epochs],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("INCEPTION_BM_BEST_REPLICATE", "Replication", BM, ModelKind::InceptionV3, best.clone().adapter(Adapter::Replicate), nums4(0.68, 0.57, 0.72, 0.71))
                .note("BEST INCEPTION with the gray channel copied three times"),
            SeedRow::new("ADAPTER_CONV1X1", "Convolutional Layer", BM, ModelKind::InceptionV3, best, nums4(0.69, 0.58, 0.69, 0.70))
                .source(Source::SameRunAs("INCEPTION_BM_BEST"))
                .note("the seed's numbers are BEST INCEPTION's: this is that run"),
        ],
        note: "The seed compared the adapters \"on the best configuration obtained for the benignant vs malignant problem\"; its convolution row has exactly BEST INCEPTION's numbers, so both rows are BEST INCEPTION's configuration. One run each, as the seed did: the notebooks repeat the comparison over seeds.".into(),
    }
}

/// §5.3.1, VGG16 (mass vs calcification).
pub fn vgg16_mass_calc() -> SeedTable {
    let v = ModelKind::Vgg16;
    let p = || SeedParams::new().adapter(Adapter::Conv1x1).cut("top");
    SeedTable {
        id: "vgg16_mass_calc",
        title: "VGG16 features — mass vs calcification",
        section: "§5.3.1",
        params: vec![
            Param::Augment,
            Param::Cut,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Balance,
            Param::Adapter,
            Param::Head,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("VGG16_V1", "VGG16_V1", MC, v, p().epochs(60), dashes()).full_only(),
            SeedRow::new("VGG16_V2", "VGG16_V2", MC, v, p().aug(Aug::Rot90).epochs(15), nums(0.81, 0.42, 0.81))
                .full_only()
                .note("the seed states V5's settings: read as rotation-only augmentation ('In some tests the data augmentation is composed of just the rotation layer')"),
            SeedRow::new("VGG16_V3", "VGG16_V3", MC, v, p().aug(Aug::FlipRot90).balance(Balance::Under).epochs(15), nums(0.66, 0.65, 0.68))
                .full_only()
                .note("the seed states V5's settings: read as undersampling ('The best result was obtained using oversampling')"),
            SeedRow::new("VGG16_V6", "VGG16_V6", MC, v, p().aug(Aug::FlipRot90).cut("top+1").epochs(15), nums(0.82, 0.38, 0.82))
                .full_only()
                .note("VGG16 has no 'top+1' level in torchvision's layout: the next cut down, block5"),
            SeedRow::new("VGG16_V5", "VGG16_V5", MC, v, p().aug(Aug::FlipRot90).epochs(15), nums(0.83, 0.41, 0.82))
                .note("the seed's chosen model (its plots and confusion matrix)"),
        ],
        note: "The seed lists five rows, in this order (no V4).".into(),
    }
}

/// §5.3.2, InceptionV3 (mass vs calcification).
pub fn inception_mass_calc() -> SeedTable {
    let i = ModelKind::InceptionV3;
    let p = || SeedParams::new().adapter(Adapter::Conv1x1).cut("top");
    let fr = || p().aug(Aug::FlipRot90);
    SeedTable {
        id: "inception_mass_calc",
        title: "InceptionV3 features — mass vs calcification",
        section: "§5.3.2",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Cut,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Adapter,
            Param::Head,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("INCEPTION_1", "INCEPTION_1", MC, i, p().epochs(20), dashes()).full_only(),
            SeedRow::new("INCEPTION_2", "INCEPTION_2", MC, i, p().aug(Aug::Rot90).epochs(20), nums(0.85, 0.46, 0.85))
                .full_only()
                .note("the seed states INCEPTION_5's settings: read as rotation-only augmentation ('In some tests the data augmentation is composed of just the rotation layer')"),
            SeedRow::new("INCEPTION_3", "INCEPTION_3", MC, i, fr().dropout(0.4).epochs(15), nums(0.86, 0.36, 0.87))
                .note("the seed's shown model (plots, confusion matrix); dropout rate not stated: 0.4, as the seed's Siamese network"),
            SeedRow::new("INCEPTION_4", "INCEPTION_4", MC, i, fr().rmsprop().epochs(20), nums(0.84, 0.35, 0.83)).full_only(),
            SeedRow::new("INCEPTION_5", "INCEPTION_5", MC, i, fr().epochs(20), nums(0.86, 0.32, 0.87))
                .full_only()
                .note("flip + rotation (INCEPTION_2, with the same stated settings, is rotation only)"),
            SeedRow::new("INCEPTION_6", "INCEPTION_6", MC, i, fr().cut("top+1").epochs(20), nums(0.85, 0.35, 0.85)).full_only(),
        ],
        note: String::new(),
    }
}

/// §5.4.1, VGG16 (benign vs malignant).
pub fn vgg16_benign_malignant() -> SeedTable {
    let v = ModelKind::Vgg16;
    let p = || {
        SeedParams::new()
            .adapter(Adapter::Conv1x1)
            .aug(Aug::FlipRot90)
            .cut("top")
            .contrast(1.5)
    };
    SeedTable {
        id: "vgg16_benign_malignant",
        title: "VGG16 features — benign vs malignant",
        section: "§5.4.1",
        params: vec![
            Param::Augment,
            Param::Cut,
            Param::Contrast,
            Param::BatchSize,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Adapter,
            Param::Head,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new(
                "VGG16_BM_1",
                "VGG_1",
                BM,
                v,
                p().batch(50),
                nums4(0.67, 0.68, 0.10, 0.53),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_2",
                "VGG_2",
                BM,
                v,
                p(),
                nums4(0.658, 0.61, 0.58, 0.63),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_3",
                "VGG_3",
                BM,
                v,
                p().cut("top+block5"),
                nums4(0.58, 0.66, 0.69, 0.63),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_4",
                "VGG_4",
                BM,
                v,
                p().rmsprop(),
                nums4(0.65, 0.61, 0.44, 0.60),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_BEST",
                "BEST VGG",
                BM,
                v,
                p().lr(0.003),
                nums4(0.648, 0.63, 0.68, 0.67),
            )
            .note("the seed's chosen model (fewest false negatives; an ensemble member)"),
        ],
        note: "The seed's table has no epochs column: the profile's default epochs.".into(),
    }
}

fn inception_bm_best_params() -> SeedParams {
    SeedParams::new()
        .adapter(Adapter::Conv1x1)
        .aug(Aug::FlipRot90)
        .cut("top+1")
        .head(&[512, 256])
        .contrast(1.5)
        .epochs(20)
}

/// §5.4.2, InceptionV3 (benign vs malignant).
pub fn inception_benign_malignant() -> SeedTable {
    let i = ModelKind::InceptionV3;
    let p = || {
        SeedParams::new()
            .adapter(Adapter::Conv1x1)
            .aug(Aug::FlipRot90)
            .contrast(1.5)
            .head(&[512, 256])
    };
    SeedTable {
        id: "inception_benign_malignant",
        title: "InceptionV3 features — benign vs malignant",
        section: "§5.4.2",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Cut,
            Param::Optimizer,
            Param::Epochs,
            Param::Contrast,
            Param::Head,
            Param::Adapter,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("INCEPTION_BM_1", "INCEPTION_1", BM, i, p().cut("top").head(&[512]).epochs(20), nums4(0.67, 0.62, 0.55, 0.64))
                .full_only()
                .note("head not stated: the first test, with the mass/calcification head [512]"),
            SeedRow::new("INCEPTION_BM_2", "INCEPTION_2", BM, i, p().cut("top+1").head(&[512]).epochs(10), nums4(0.70, 0.56, 0.44, 0.64))
                .full_only()
                .note("the seed states INCEPTION_3's settings: read as the one-layer head [512] ('better results with a further dense layer')"),
            SeedRow::new("INCEPTION_BM_3", "INCEPTION_3", BM, i, p().cut("top+1").epochs(10), nums4(0.64, 0.62, 0.72, 0.68))
                .source(Source::Epoch { of: "INCEPTION_BM_BEST", epoch: 10 })
                .note("head [512, 256] (see INCEPTION_2): BEST at 10 of its 20 epochs, read from its history"),
            SeedRow::new("INCEPTION_BM_4", "INCEPTION_4", BM, i, p().cut("top+1").rmsprop().head(&[512]).epochs(10), nums4(0.70, 0.55, 0.49, 0.65))
                .full_only()
                .note("the seed states INCEPTION_5's settings: read as the one-layer head [512]"),
            SeedRow::new("INCEPTION_BM_5", "INCEPTION_5", BM, i, p().cut("top+1").rmsprop().epochs(10), nums4(0.66, 0.59, 0.69, 0.68))
                .source(Source::Epoch { of: "INCEPTION_BM_6", epoch: 10 })
                .note("head [512, 256] (see INCEPTION_4): INCEPTION_6 at 10 of its 20 epochs, read from its history"),
            SeedRow::new("INCEPTION_BM_6", "INCEPTION_6", BM, i, p().cut("top+1").rmsprop().epochs(20), nums4(0.71, 0.56, 0.60, 0.68))
                .full_only()
                .note("head not stated: [512, 256], as INCEPTION_5"),
            SeedRow::new("INCEPTION_BM_7", "INCEPTION_7", BM, i, p().cut("top+2").epochs(20), nums4(0.68, 0.60, 0.19, 0.56))
                .full_only()
                .note("head not stated: [512, 256], as the best model"),
            SeedRow::new("INCEPTION_BM_BEST", "BEST INCEPTION", BM, i, inception_bm_best_params(), nums4(0.69, 0.58, 0.69, 0.70))
                .note("the seed's best benign/malignant model (its summary: dense 512 + 256, conv1x1 adapter; an ensemble member)"),
        ],
        note: "No learning-rate column: 0.001 throughout. Every Dropout cell has the same glyph and the best model's summary has no Dropout layer: no dropout. The seed's last line 'BEST / INCEPTION' is one row.".into(),
    }
}

/// §6, the Siamese network (mass vs calcification on (baseline, abnormality) pairs).
pub fn siamese() -> SeedTable {
    let s = ModelKind::Siamese;
    let t = Task::Siamese;
    // The seed built the Siamese towers "starting from the one used in the Scratch task" and
    // states no optimizer: the scratch task's best, RMSprop 0.001 (SCRATCH_4/6). Adam 0.001
    // collapsed on one synthetic seed in three (validation AUC stuck at 0.50, as the seed saw
    // in §8) where RMSprop trained on all (docs/SYNTHETIC.md).
    let fr = || {
        SeedParams::new()
            .aug(Aug::FlipRot90)
            .rmsprop()
            .dropout(0.0)
            .epochs(50)
    };
    let rot = || SeedParams::new().aug(Aug::Rot90).rmsprop();
    SeedTable {
        id: "siamese",
        title: "Siamese network — mass vs calcification",
        section: "§6",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Optimizer,
            Param::Epochs,
            Param::Seed,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("SIAMESE_1", "SIAMESE_1", t, s, fr(), nums(0.83, 0.38, 0.83)).skip_quick(),
            SeedRow::new("SIAMESE_2", "SIAMESE_2", t, s, fr().seed_offset(1), nums(0.82, 0.40, 0.82))
                .full_only()
                .note("the seed states SIAMESE_1's settings: read as SIAMESE_1 with another seed"),
            SeedRow::new("SIAMESE_3", "SIAMESE_3", t, s, fr().seed_offset(2), nums(0.75, 0.51, 0.73))
                .full_only()
                .note("the seed states SIAMESE_1's settings: read as SIAMESE_1 with a third seed"),
            SeedRow::new("SIAMESE_4", "SIAMESE_4", t, s, rot().dropout(0.0).epochs(30), nums(0.82, 0.40, 0.81)).skip_quick(),
            SeedRow::new("SIAMESE_5", "SIAMESE_5", t, s, rot().dropout(0.4).epochs(50), nums(0.84, 0.36, 0.83))
                .note("the seed's best: rotation and dropout 0.4 after the concatenation"),
        ],
        note: "Each tower augments its input independently (the augmentation layer is inside the shared tower). Optimizer not stated by the seed: RMSprop 0.001, the scratch task's best, whose network the towers start from.".into(),
    }
}

/// §7, the ensemble (benign vs malignant).
pub fn ensemble() -> SeedTable {
    let members = vec!["SCRATCH_BM_V6", "VGG16_BM_BEST", "INCEPTION_BM_BEST"];
    // The members' settings, from their tables (not `find_row`, which builds this table).
    let params_of =
        |t: SeedTable, id: &str| t.row(id).map(|r| r.params.clone()).unwrap_or_default();
    let member = |id: &'static str, label: &'static str, model: ModelKind, n: SeedNumbers| {
        let params = match model {
            ModelKind::Vgg16 => params_of(vgg16_benign_malignant(), id),
            ModelKind::InceptionV3 => inception_bm_best_params(),
            _ => params_of(scratch_benign_malignant(), id),
        };
        SeedRow::new(id, label, BM, model, params, n).source(Source::SameRunAs(id))
    };
    let n3 = |a: f64, f2: f64, auc: f64| SeedNumbers {
        accuracy: Some(a),
        f2: Some(f2),
        auc: Some(auc),
        ..Default::default()
    };
    SeedTable {
        id: "ensemble",
        title: "Benign vs malignant — average-voting ensemble",
        section: "§7",
        params: vec![],
        reported: vec![Metric::Accuracy, Metric::F2, Metric::Auc],
        rows: vec![
            SeedRow {
                id: "ENSEMBLE_SCRATCH",
                ..member("SCRATCH_BM_V6", "Best_BM_Scratch", ModelKind::Scratch, n3(0.65, 0.61, 0.65))
            },
            SeedRow {
                id: "ENSEMBLE_VGG16",
                ..member("VGG16_BM_BEST", "Best_BM_VGG16", ModelKind::Vgg16, n3(0.64, 0.68, 0.67))
            },
            SeedRow {
                id: "ENSEMBLE_INCEPTION",
                ..member("INCEPTION_BM_BEST", "Best_BM_Inceptionv3", ModelKind::InceptionV3, n3(0.69, 0.69, 0.7))
            },
            SeedRow::new("ENSEMBLE", "Ensemble", BM, ModelKind::Scratch, SeedParams::new(), n3(0.71, 0.68, 0.71))
                .source(Source::Ensemble(members))
                .note("the average of the three members' probabilities"),
        ],
        note: "The seed's numbers are on the test set; its members' repeat the benign/malignant tables' rows.".into(),
    }
}

/// Validation (and training) metrics of one epoch of a history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochMetrics {
    /// 1-based.
    pub epoch: usize,
    pub train_accuracy: f64,
    pub train_loss: f64,
    pub val_accuracy: f64,
    pub val_loss: f64,
    /// F2 at threshold 0.5 (the history's; a run's reported F2 uses the threshold chosen on
    /// validation).
    pub val_f2: f64,
    pub val_auc: f64,
}

/// The metrics of `epoch` (1-based) of a history; an error when the run did not reach it.
pub fn metrics_at_epoch(h: &History, epoch: usize) -> Result<EpochMetrics> {
    let e = h.epochs.iter().find(|e| e.epoch == epoch).ok_or_else(|| {
        Error::invalid(
            "epoch",
            format!(
                "epoch {epoch} is not in the history ({} epochs{})",
                h.epochs.len(),
                if h.stopped_early {
                    ", stopped early"
                } else {
                    ""
                }
            ),
        )
    })?;
    Ok(EpochMetrics {
        epoch: e.epoch,
        train_accuracy: e.train_accuracy,
        train_loss: e.train_loss,
        val_accuracy: e.val_accuracy,
        val_loss: e.val_loss,
        val_f2: e.val_f2,
        val_auc: e.val_roc_auc,
    })
}

/// The metrics of the last epoch of a history.
pub fn last_epoch(h: &History) -> Result<EpochMetrics> {
    let last = h
        .epochs
        .last()
        .ok_or_else(|| Error::invalid("history", "no epochs"))?;
    metrics_at_epoch(h, last.epoch)
}

/// Train vs validation accuracy and loss at the last epoch of a run:
/// `(train_acc, val_acc, train_loss, val_loss)`, as the seed gives them for SCRATCH_1 and
/// SCRATCH_BM_V1.
pub fn overfitting(run: &Run) -> Result<(f64, f64, f64, f64)> {
    let h = run.history.as_ref().ok_or_else(|| {
        Error::invalid("run", format!("{} has no history saved", run.config.name))
    })?;
    let m = last_epoch(h)?;
    Ok((m.train_accuracy, m.val_accuracy, m.train_loss, m.val_loss))
}

/// The seed's train vs validation pairs of an overfitting row beside this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct OverfitCheck {
    pub label: String,
    pub seed: SeedOverfit,
    pub seed_epochs: Option<usize>,
    /// This run's last epoch; `None` when not run.
    pub run: Option<EpochMetrics>,
}

impl OverfitCheck {
    /// For a row with the seed's pairs (SCRATCH_1, SCRATCH_BM_V1) and its run, if any.
    pub fn new(row: &SeedRow, run: Option<&Run>) -> Result<OverfitCheck> {
        let seed = row.overfit.ok_or_else(|| {
            Error::invalid(
                "seed row",
                format!(
                    "the seed gives no train vs validation pairs for {}",
                    row.label
                ),
            )
        })?;
        let run = match run {
            Some(r) => Some(last_epoch(r.history.as_ref().ok_or_else(|| {
                Error::invalid("run", format!("{} has no history saved", r.config.name))
            })?)?),
            None => None,
        };
        Ok(OverfitCheck {
            label: row.label.to_string(),
            seed,
            seed_epochs: row.params.epochs,
            run,
        })
    }

    pub fn to_html(&self) -> Html {
        let seed_e = self
            .seed_epochs
            .map(|e| format!(" (epoch {e})"))
            .unwrap_or_default();
        let run_e = self
            .run
            .map(|m| format!(" (epoch {})", m.epoch))
            .unwrap_or_default();
        let mut h = String::from(TABLE_OPEN);
        h.push_str(&format!(
            "<caption style=\"font-weight:bold;padding:4px\">{} — train vs validation at the last epoch{}</caption>",
            html_escape(&self.label),
            if self.run.is_none() {
                " (this run: not trained in this profile)"
            } else {
                ""
            }
        ));
        h.push_str(&format!(
            "<thead><tr><th{TH}></th><th{TH}>seed train{seed_e}</th><th{TH}>seed validation</th><th{TH}>this run train{run_e}</th><th{TH}>this run validation</th></tr></thead><tbody>",
            seed_e = html_escape(&seed_e),
            run_e = html_escape(&run_e)
        ));
        let r = self.run;
        let rows = [
            (
                "accuracy",
                self.seed.train_accuracy,
                self.seed.val_accuracy,
                r.map(|m| m.train_accuracy),
                r.map(|m| m.val_accuracy),
            ),
            (
                "loss",
                self.seed.train_loss,
                self.seed.val_loss,
                r.map(|m| m.train_loss),
                r.map(|m| m.val_loss),
            ),
        ];
        for (name, st, sv, rt, rv) in rows {
            h.push_str(&format!(
                "<tr><td{TD}><b>{name}</b></td><td{TDS}>{}</td><td{TDS}>{}</td><td{TD}>{}</td><td{TD}>{}</td></tr>",
                fmt_seed(Some(st)),
                fmt_seed(Some(sv)),
                fmt_run(rt),
                fmt_run(rv)
            ));
        }
        h.push_str("</tbody></table>");
        Html(h)
    }

    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }
}

/// This project's numbers for a row.
#[derive(Debug, Clone, PartialEq)]
pub struct Measured {
    pub accuracy: f64,
    pub loss: f64,
    pub f2: f64,
    pub auc: f64,
    /// The AUC's 95% bootstrap interval, when computed.
    pub auc_ci: Option<[f64; 2]>,
    /// `test` or `validation`.
    pub set: &'static str,
}

impl Measured {
    pub fn get(&self, m: Metric) -> f64 {
        match m {
            Metric::Accuracy => self.accuracy,
            Metric::Loss => self.loss,
            Metric::F2 => self.f2,
            Metric::Auc => self.auc,
        }
    }
}

/// Where a comparison row's numbers come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Status {
    /// Its own run.
    Run,
    /// Its own run should be there but is not.
    NotRun,
    /// Not trained in this profile.
    FullOnly,
    /// The run of another row.
    SameRunAs(String),
    /// Read from another row's history at this epoch.
    FromHistory { of: String, epoch: usize },
    /// The average of these rows' runs.
    Ensemble(Vec<String>),
    /// The numbers cannot be had (the reason).
    Unavailable(String),
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Status::Run => f.write_str("run"),
            Status::NotRun => f.write_str("not run yet"),
            Status::FullOnly => f.write_str("full profile only"),
            Status::SameRunAs(of) => write!(f, "the run of {of}"),
            Status::FromHistory { of, epoch } => {
                write!(f, "read from {of}'s history (epoch {epoch})")
            }
            Status::Ensemble(m) => write!(f, "average of {}", m.join(" + ")),
            Status::Unavailable(why) => f.write_str(why),
        }
    }
}

/// One row of a [`SeedComparison`].
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    pub id: String,
    /// The seed's row name.
    pub label: String,
    /// Every hyper-parameter's shown value, in [`Param::ALL`] order.
    pub params: Vec<(Param, String)>,
    pub seed: SeedNumbers,
    /// e.g. "last epoch (50)".
    pub seed_from: String,
    /// This project's numbers, when there are any.
    pub run: Option<Measured>,
    /// e.g. "test, best epoch (12) of 35".
    pub run_from: String,
    /// Validation metrics at the last epoch of the row's run (for a row read from a history:
    /// at its epoch, which is its last).
    pub last: Option<EpochMetrics>,
    pub status: Status,
    /// Configuration fields in which the run found differs from the row's (data folder,
    /// device and speed-only settings aside).
    pub differs: Vec<String>,
    pub note: String,
}

impl ComparisonRow {
    /// The status as shown.
    pub fn status_text(&self) -> String {
        if self.differs.is_empty() {
            self.status.to_string()
        } else {
            format!(
                "{}; differs from the seed's row in: {}",
                self.status,
                self.differs.join(", ")
            )
        }
    }
    pub fn param(&self, p: Param) -> &str {
        self.params
            .iter()
            .find(|(q, _)| *q == p)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

/// The seed's table beside this project's runs: one row per seed row, its hyper-parameters, and
/// for accuracy, loss, F2 and AUC the seed's number and this run's.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedComparison {
    pub id: String,
    pub title: String,
    pub section: String,
    pub profile: Profile,
    pub params: Vec<Param>,
    pub reported: Vec<Metric>,
    pub rows: Vec<ComparisonRow>,
    pub note: String,
}

/// Fields ignored when checking that a run is a row's: where the data lives, the device, and
/// settings that change speed only.
const IGNORED_FIELDS: &[&str] = &["data", "device", "channels_last", "micro_batch", "weights"];

/// The configuration fields in which `actual` differs from `expected` (see
/// [`IGNORED_FIELDS`]; an `auto` precision accepts any).
pub fn config_differences(expected: &TrainConfig, actual: &TrainConfig) -> Vec<String> {
    let (Ok(a), Ok(b)) = (serde_json::to_value(expected), serde_json::to_value(actual)) else {
        return vec!["(configuration unreadable)".into()];
    };
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return vec!["(configuration unreadable)".into()];
    };
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| !IGNORED_FIELDS.contains(&k.as_str()))
        .filter(|k| !(k.as_str() == "precision" && expected.precision.is_none()))
        .filter(|k| a.get(k.as_str()) != b.get(k.as_str()))
        .map(|k| k.to_string())
        .collect()
}

fn epoch_label(run: &Run, set: &str) -> String {
    match &run.history {
        Some(h) if !h.epochs.is_empty() => {
            let l = h.epochs.len();
            let e = h.best_epoch;
            let mut s = if e == l || e == 0 {
                format!("{set}, last epoch ({l})")
            } else {
                format!("{set}, best epoch ({e}) of {l}")
            };
            if h.stopped_early {
                s.push_str(&format!(", early-stopped (planned {})", run.config.epochs));
            }
            s
        }
        _ if !run.members.is_empty() => format!("{set}, average of the members' kept weights"),
        _ => set.to_string(),
    }
}

fn measured(run: &Run) -> Measured {
    let (m, set) = match &run.metrics.test {
        Some(t) => (t, "test"),
        None => (&run.metrics.validation, "validation"),
    };
    let ci = m.ci.roc_auc;
    Measured {
        accuracy: m.accuracy,
        loss: m.loss,
        f2: m.f2,
        auc: m.roc_auc,
        auc_ci: (ci[0].is_finite() && ci[1].is_finite()).then_some(ci),
        set,
    }
}

impl SeedComparison {
    /// The comparison of `table` with `runs` (matched to rows by run name: a row's id, the row
    /// it is the same run as or read from, or [`ENSEMBLE_RUN`]); `env` gives the profile and the
    /// configurations the runs are checked against. Rows without a run keep the seed's numbers.
    pub fn new<'a>(
        table: &SeedTable,
        env: &Env,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Result<SeedComparison> {
        let runs: Vec<&Run> = runs.into_iter().collect();
        let find = |name: &str| runs.iter().copied().find(|r| r.config.name == name);
        let profile = env.profile;
        let mut rows = Vec::with_capacity(table.rows.len());
        for row in &table.rows {
            let seed_from = match row.params.epochs {
                Some(e) => format!("last epoch ({e})"),
                None if matches!(row.source, Source::Ensemble(_) | Source::SameRunAs(_)) => {
                    match find_row(row.run_name()).ok().and_then(|r| r.params.epochs) {
                        Some(e) => format!("last epoch ({e})"),
                        None => "last epoch".into(),
                    }
                }
                None => "last epoch".into(),
            };
            let mut c = ComparisonRow {
                id: row.id.to_string(),
                label: row.label.to_string(),
                params: Param::ALL.iter().map(|&p| (p, row.param(p))).collect(),
                seed: row.seed,
                seed_from,
                run: None,
                run_from: String::new(),
                last: None,
                status: Status::NotRun,
                differs: Vec::new(),
                note: row.note.clone(),
            };
            let name = row.run_name();
            match &row.source {
                Source::Own | Source::SameRunAs(_) => {
                    let own = row.source == Source::Own;
                    match find(name) {
                        Some(r) => {
                            let m = measured(r);
                            c.run_from = epoch_label(r, m.set);
                            c.run = Some(m);
                            c.last = r.history.as_ref().and_then(|h| last_epoch(h).ok());
                            c.status = if own {
                                Status::Run
                            } else {
                                Status::SameRunAs(name.to_string())
                            };
                            c.differs = match row.config(env) {
                                Ok(want) => config_differences(&want, &r.config),
                                Err(e) => vec![format!("(no configuration: {e})")],
                            };
                        }
                        None => {
                            c.status = if row.measured_in(profile) {
                                if own {
                                    Status::NotRun
                                } else {
                                    Status::Unavailable(format!("{name} not run yet"))
                                }
                            } else {
                                Status::FullOnly
                            };
                        }
                    }
                }
                Source::Epoch { of, .. } => {
                    let of: &str = of;
                    let epoch = row.epoch_in(profile)?.unwrap_or(0);
                    match find(of) {
                        Some(r) => {
                            match r.history.as_ref().map(|h| row.derived_metrics(profile, h)) {
                                Some(Ok(m)) => {
                                    c.run = Some(Measured {
                                        accuracy: m.val_accuracy,
                                        loss: m.val_loss,
                                        f2: m.val_f2,
                                        auc: m.val_auc,
                                        auc_ci: None,
                                        set: "validation",
                                    });
                                    c.run_from = format!(
                                    "validation, last epoch ({epoch}): epoch {epoch} of {of}'s {} (F2 at 0.5)",
                                    r.history.as_ref().map_or(0, |h| h.epochs.len())
                                );
                                    c.last = Some(m);
                                    c.status = Status::FromHistory {
                                        of: of.to_string(),
                                        epoch,
                                    };
                                    c.differs = match find_row(of).and_then(|s| s.config(env)) {
                                        Ok(want) => config_differences(&want, &r.config),
                                        Err(e) => vec![format!("(no configuration: {e})")],
                                    };
                                }
                                Some(Err(e)) => {
                                    c.status = Status::Unavailable(format!("{of}'s history: {e}"))
                                }
                                None => {
                                    c.status =
                                        Status::Unavailable(format!("{of} has no history saved"))
                                }
                            }
                        }
                        None => {
                            c.status = if row.measured_in(profile) {
                                Status::Unavailable(format!(
                                    "not run yet (read from {of}'s history, epoch {epoch})"
                                ))
                            } else {
                                Status::FullOnly
                            };
                        }
                    }
                }
                Source::Ensemble(members) => match find(ENSEMBLE_RUN) {
                    Some(r) => {
                        let m = measured(r);
                        c.run_from = epoch_label(r, m.set);
                        c.run = Some(m);
                        c.status =
                            Status::Ensemble(members.iter().map(|s| s.to_string()).collect());
                        if !r.members.is_empty() {
                            let want: Vec<String> = members.iter().map(|s| s.to_string()).collect();
                            if r.members != want {
                                c.differs = vec![format!("members ({})", r.members.join(" + "))];
                            }
                        }
                    }
                    None => {
                        c.status = if row.measured_in(profile) {
                            Status::Unavailable(format!("{ENSEMBLE_RUN} not made yet"))
                        } else {
                            Status::FullOnly
                        }
                    }
                },
            }
            rows.push(c);
        }
        Ok(SeedComparison {
            id: table.id.to_string(),
            title: table.title.to_string(),
            section: table.section.to_string(),
            profile,
            params: table.params.clone(),
            reported: table.reported.clone(),
            rows,
            note: table.note.clone(),
        })
    }

    /// The comparison with the runs saved under `env.runs` (those of the table's rows that are
    /// there; an ensemble is not saved, pass it to [`SeedComparison::new`]).
    pub fn load(table: &SeedTable, env: &Env) -> Result<SeedComparison> {
        let mut names: Vec<&str> = table.rows.iter().map(|r| r.run_name()).collect();
        names.sort_unstable();
        names.dedup();
        let runs: Vec<Run> = names
            .into_iter()
            .filter(|n| *n != ENSEMBLE_RUN)
            .map(|n| env.runs.join(n))
            .filter(|d| d.join("metrics.json").exists())
            .map(crate::run::load)
            .collect::<Result<_>>()?;
        SeedComparison::new(table, env, &runs)
    }

    /// A row by id or the seed's label.
    pub fn row(&self, id_or_label: &str) -> Option<&ComparisonRow> {
        self.rows
            .iter()
            .find(|r| r.id == id_or_label)
            .or_else(|| self.rows.iter().find(|r| r.label == id_or_label))
    }

    /// The table as HTML: hyper-parameters, then per metric the seed's number and this run's
    /// (grey: the seed's), where they come from, the last epoch's validation metrics, status
    /// and notes.
    pub fn to_html(&self) -> Html {
        let mut h = String::from(TABLE_OPEN);
        h.push_str(&format!(
            "<caption style=\"font-weight:bold;padding:4px\">{} — the seed's table ({}) beside this project's runs (profile {})</caption>",
            html_escape(&self.title),
            html_escape(&self.section),
            self.profile
        ));
        // Header, two rows.
        h.push_str("<thead><tr>");
        h.push_str(&format!("<th{TH} rowspan=\"2\">row</th>"));
        for p in &self.params {
            h.push_str(&format!(
                "<th{TH} rowspan=\"2\">{}</th>",
                html_escape(p.label())
            ));
        }
        for m in Metric::ALL {
            let span = if m == Metric::Auc { 3 } else { 2 };
            h.push_str(&format!(
                "<th{TH} colspan=\"{span}\">{}</th>",
                html_escape(m.label())
            ));
        }
        h.push_str(&format!("<th{TH} rowspan=\"2\">seed's numbers from</th>"));
        h.push_str(&format!(
            "<th{TH} rowspan=\"2\">this run's numbers from</th>"
        ));
        h.push_str(&format!(
            "<th{TH} colspan=\"4\">this run, validation at its last epoch</th>"
        ));
        h.push_str(&format!("<th{TH} rowspan=\"2\">status</th>"));
        h.push_str(&format!("<th{TH} rowspan=\"2\">note</th>"));
        h.push_str("</tr><tr>");
        for m in Metric::ALL {
            h.push_str(&format!("<th{TH}>seed</th><th{TH}>this run</th>"));
            if m == Metric::Auc {
                h.push_str(&format!("<th{TH}>95% CI</th>"));
            }
        }
        for m in Metric::ALL {
            h.push_str(&format!("<th{TH}>{}</th>", html_escape(m.label())));
        }
        h.push_str("</tr></thead><tbody>");
        for r in &self.rows {
            h.push_str("<tr>");
            h.push_str(&format!("<td{TDL}><b>{}</b></td>", html_escape(&r.label)));
            for p in &self.params {
                h.push_str(&format!("<td{TDL}>{}</td>", html_escape(r.param(*p))));
            }
            for m in Metric::ALL {
                let seed = if self.reported.contains(&m) {
                    fmt_seed(r.seed.get(m))
                } else {
                    "n/a".into()
                };
                h.push_str(&format!("<td{TDS}>{}</td>", html_escape(&seed)));
                h.push_str(&format!(
                    "<td{TD}>{}</td>",
                    fmt_run(r.run.as_ref().map(|x| x.get(m)))
                ));
                if m == Metric::Auc {
                    let ci = r
                        .run
                        .as_ref()
                        .and_then(|x| x.auc_ci)
                        .map(|[lo, hi]| format!("[{lo:.3}, {hi:.3}]"))
                        .unwrap_or_default();
                    h.push_str(&format!("<td{TD}>{ci}</td>"));
                }
            }
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.seed_from)));
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.run_from)));
            let l = r.last;
            for v in [
                l.map(|m| m.val_accuracy),
                l.map(|m| m.val_loss),
                l.map(|m| m.val_f2),
                l.map(|m| m.val_auc),
            ] {
                h.push_str(&format!("<td{TD}>{}</td>", fmt_run(v)));
            }
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.status_text())));
            h.push_str(&format!("<td{TDL}>{}</td>", html_escape(&r.note)));
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        if !self.note.is_empty() {
            h.push_str(&format!(
                "<p style=\"font-size:12px\">{}</p>",
                html_escape(&self.note)
            ));
        }
        Html(h)
    }

    /// Shown by evcxr when the comparison is a cell's value.
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }

    /// Show the table inline (in a notebook).
    pub fn show(&self) {
        self.to_html().show();
    }

    /// The CSV header (the same for every table: every hyper-parameter column).
    pub fn csv_header() -> String {
        let mut cols: Vec<String> = vec!["table".into(), "id".into(), "label".into()];
        cols.extend(Param::ALL.iter().map(|p| p.key().to_string()));
        for m in Metric::ALL {
            cols.push(format!("seed_{}", m.key()));
            cols.push(format!("run_{}", m.key()));
        }
        cols.extend(
            [
                "run_auc_lo",
                "run_auc_hi",
                "seed_extra",
                "seed_from",
                "run_set",
                "run_from",
                "last_epoch",
                "last_val_accuracy",
                "last_val_loss",
                "last_val_f2",
                "last_val_auc",
                "status",
                "note",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        cols.join(",")
    }

    /// The table as CSV (numbers unrounded, empty where missing).
    pub fn to_csv(&self) -> String {
        let mut s = Self::csv_header();
        s.push('\n');
        for r in &self.rows {
            let mut v: Vec<String> =
                vec![csv_field(&self.id), csv_field(&r.id), csv_field(&r.label)];
            v.extend(Param::ALL.iter().map(|&p| csv_field(r.param(p))));
            for m in Metric::ALL {
                let seed = if self.reported.contains(&m) {
                    r.seed.get(m)
                } else {
                    None
                };
                v.push(csv_num(seed));
                v.push(csv_num(r.run.as_ref().map(|x| x.get(m))));
            }
            let ci = r.run.as_ref().and_then(|x| x.auc_ci);
            v.push(csv_num(ci.map(|c| c[0])));
            v.push(csv_num(ci.map(|c| c[1])));
            v.push(csv_num(r.seed.extra));
            v.push(csv_field(&r.seed_from));
            v.push(csv_field(r.run.as_ref().map_or("", |x| x.set)));
            v.push(csv_field(&r.run_from));
            v.push(r.last.map(|m| m.epoch.to_string()).unwrap_or_default());
            v.push(csv_num(r.last.map(|m| m.val_accuracy)));
            v.push(csv_num(r.last.map(|m| m.val_loss)));
            v.push(csv_num(r.last.map(|m| m.val_f2)));
            v.push(csv_num(r.last.map(|m| m.val_auc)));
            v.push(csv_field(&r.status_text()));
            v.push(csv_field(&r.note));
            s.push_str(&v.join(","));
            s.push('\n');
        }
        s
    }

    /// Write the CSV atomically.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        crate::fsx::write_bytes_atomic(path, self.to_csv().as_bytes())
    }
}

const TABLE_OPEN: &str = "<table style=\"border-collapse:collapse;font-size:12px\">";
const TH: &str = " style=\"border-bottom:1px solid #444;padding:2px 6px\"";
const TD: &str = " style=\"padding:2px 6px;text-align:right\"";
/// The seed's numbers: grey.
const TDS: &str = " style=\"padding:2px 6px;text-align:right;background:#eee\"";
const TDL: &str = " style=\"padding:2px 6px;text-align:left\"";

/// The seed's number as it printed it; "–" for its dashes.
fn fmt_seed(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{x}"),
        None => "–".into(),
    }
}

/// This project's number, 3 decimals; blank when missing.
fn fmt_run(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x:.3}"),
        _ => String::new(),
    }
}

fn csv_num(v: Option<f64>) -> String {
    match v {
        Some(x) if x.is_finite() => format!("{x}"),
        _ => String::new(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains(',') || s.contains('"') || s.contains('\n') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::{Intervals, Predictions, RunMetrics, SetMetrics};
    use crate::train::EpochStats;

    fn env(profile: Profile) -> Env {
        Env {
            device: tch::Device::Cpu,
            profile,
            root: PathBuf::from("/tmp/mammo-root"),
            data: PathBuf::from("/tmp/mammo-data"),
            runs: PathBuf::from("/tmp/mammo-runs"),
            seed: 7,
        }
    }

    fn history(n: usize, best: usize) -> History {
        History {
            epochs: (1..=n)
                .map(|e| EpochStats {
                    epoch: e,
                    train_loss: 1.0 / e as f64,
                    train_accuracy: 0.5 + e as f64 / 100.0,
                    val_loss: 0.9 - e as f64 / 200.0,
                    val_accuracy: 0.6 + e as f64 / 200.0,
                    val_roc_auc: 0.7 + e as f64 / 1000.0,
                    val_f2: 0.4 + e as f64 / 1000.0,
                    seconds: 1.0,
                })
                .collect(),
            best_epoch: best,
            stopped_early: false,
        }
    }

    fn set(acc: f64, auc: f64) -> SetMetrics {
        SetMetrics {
            n: 100,
            threshold: Some(0.5),
            accuracy: acc,
            precision: 0.5,
            recall: 0.5,
            f2: 0.55,
            roc_auc: auc,
            loss: 0.45,
            confusion_matrix: vec![vec![40, 10], vec![10, 40]],
            ci: Intervals {
                accuracy: [acc - 0.05, acc + 0.05],
                f2: [0.5, 0.6],
                roc_auc: [auc - 0.04, auc + 0.04],
            },
            note: None,
        }
    }

    fn fake_run(cfg: TrainConfig, h: Option<History>) -> Run {
        Run {
            dir: None,
            metrics: RunMetrics {
                task: cfg.task,
                validation: set(0.8, 0.85),
                test: Some(set(0.777, 0.888)),
            },
            predictions: Predictions {
                task: cfg.task,
                rows: Vec::new(),
            },
            config: cfg,
            history: h,
            seconds: 1.0,
            model: None,
            members: Vec::new(),
        }
    }

    #[test]
    fn comparisons_of_rows_a_profile_skips_are_reported_as_not_run() {
        use crate::evaluate::Prediction;
        use crate::findings::{Findings, Outcome};
        use crate::stats::{compare_named, Paired};
        // Two runs on the same 40 validation patches: `a` ranks them perfectly, `b` at random.
        let run = |name: &str, good: bool| {
            let mut c = TrainConfig::new(BM, ModelKind::Scratch, Profile::Quick);
            c.name = name.into();
            let mut r = fake_run(c, None);
            r.predictions.rows = (0..40)
                .map(|i| {
                    let label = (i % 2) as u8;
                    let p = if good {
                        0.3 + 0.4 * f64::from(label) + 0.001 * i as f64
                    } else {
                        ((i * 7919) % 40) as f64 / 40.0
                    };
                    Prediction {
                        set: "validation".into(),
                        index: i,
                        label,
                        probs: vec![p],
                    }
                })
                .collect();
            r
        };
        let runs = vec![run("SCRATCH_BM_V2", true), run("SCRATCH_BM_V6", false)];
        let Paired::Made(c) =
            compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V6", "validation", 1).unwrap()
        else {
            panic!("both runs are there")
        };
        assert_eq!(c.a_value, 1.0);
        assert!(c.difference > 0.0);
        let missing =
            compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V5", "validation", 1).unwrap();
        assert_eq!(
            missing.to_string(),
            "SCRATCH_BM_V2 vs SCRATCH_BM_V5: not run in this profile (SCRATCH_BM_V5 trained in the full profile only)"
        );
        let mut found = Findings::for_notebook("02_scratch");
        found
            .record_paired("contrast-helps-bm-adam", Ok(missing))
            .unwrap();
        let f = found.get("contrast-helps-bm-adam").unwrap();
        assert!(f.verdict().is_none());
        assert!(
            matches!(&f.outcome, Outcome::NotRun(w) if w.contains("SCRATCH_BM_V5 trained in the full profile only")),
            "{:?}",
            f.outcome
        );
        found
            .record_paired(
                "contrast-helps-bm",
                compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V6", "validation", 1),
            )
            .unwrap();
        assert!(found.get("contrast-helps-bm").unwrap().verdict().is_some());
    }

    #[test]
    fn every_table_has_the_reports_row_count() {
        let counts: Vec<(&str, usize)> = tables().iter().map(|t| (t.id, t.rows.len())).collect();
        assert_eq!(
            counts,
            vec![
                ("scratch_mass_calc", 6),
                ("scratch_benign_malignant", 6),
                ("adapter_comparison", 2),
                ("vgg16_mass_calc", 5),
                ("inception_mass_calc", 6),
                ("vgg16_benign_malignant", 5),
                ("inception_benign_malignant", 8),
                ("siamese", 5),
                ("ensemble", 4),
            ]
        );
        // Ids are unique over all tables, labels within a table; sources exist.
        let all: Vec<SeedRow> = tables().into_iter().flat_map(|t| t.rows).collect();
        let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), all.len());
        for t in tables() {
            let mut labels: Vec<&str> = t.rows.iter().map(|r| r.label).collect();
            labels.sort_unstable();
            labels.dedup();
            assert_eq!(labels.len(), t.rows.len(), "{}", t.id);
        }
        for r in &all {
            match &r.source {
                Source::SameRunAs(of) | Source::Epoch { of, .. } => {
                    assert_eq!(find_row(of).unwrap().source, Source::Own, "{}", r.id)
                }
                Source::Ensemble(m) => {
                    for x in m {
                        find_row(x).unwrap();
                    }
                }
                Source::Own => {}
            }
        }
        // The VGG16 mass/calc table in the seed's order, and the two INCEPTION_1 rows apart.
        let v: Vec<&str> = vgg16_mass_calc().rows.iter().map(|r| r.label).collect();
        assert_eq!(
            v,
            ["VGG16_V1", "VGG16_V2", "VGG16_V3", "VGG16_V6", "VGG16_V5"]
        );
        assert_eq!(
            inception_benign_malignant().row("INCEPTION_1").unwrap().id,
            "INCEPTION_BM_1"
        );
        assert_eq!(
            inception_mass_calc().row("INCEPTION_1").unwrap().id,
            "INCEPTION_1"
        );
        assert!(table("nope").is_err() && table("siamese").is_ok());
    }

    #[test]
    fn seed_numbers_and_settings_spot_checks() {
        let s4 = find_row("SCRATCH_4").unwrap();
        assert_eq!(s4.seed.auc, Some(0.87));
        assert_eq!(s4.seed.accuracy, Some(0.87));
        assert_eq!(s4.seed.f2, None);
        assert_eq!(s4.params.optimizer, OptimizerKind::RmsProp);
        assert_eq!(s4.params.epochs, Some(50));
        let s1 = find_row("SCRATCH_1").unwrap();
        assert_eq!(s1.seed, SeedNumbers::default());
        assert_eq!(
            s1.overfit
                .map(|o| (o.train_accuracy, o.val_accuracy, o.train_loss, o.val_loss)),
            Some((0.97, 0.81, 0.10, 1.55))
        );
        let b1 = find_row("SCRATCH_BM_V1").unwrap();
        assert_eq!(
            b1.overfit
                .map(|o| (o.train_accuracy, o.val_accuracy, o.train_loss, o.val_loss)),
            Some((0.95, 0.59, 0.08, 3.41))
        );
        assert_eq!(b1.params.epochs, Some(45));
        let v6 = find_row("SCRATCH_BM_V6").unwrap();
        assert_eq!(
            (
                v6.seed.accuracy,
                v6.seed.loss,
                v6.seed.f2,
                v6.seed.auc,
                v6.seed.extra
            ),
            (Some(0.65), Some(0.61), Some(0.61), Some(0.65), Some(0.65))
        );
        let vgg = find_row("VGG16_BM_BEST").unwrap();
        assert_eq!(vgg.label, "BEST VGG");
        assert_eq!((vgg.params.lr, vgg.params.contrast), (0.003, Some(1.5)));
        assert_eq!(vgg.seed.accuracy, Some(0.648));
        assert_eq!(find_row("VGG16_BM_1").unwrap().params.batch_size, 50);
        let inc = find_row("INCEPTION_BM_BEST").unwrap();
        assert_eq!(inc.param(Param::Cut), "top+1");
        assert_eq!(inc.param(Param::Head), "512+256");
        assert_eq!(inc.param(Param::Adapter), "conv1x1");
        assert_eq!(inc.seed, nums4(0.69, 0.58, 0.69, 0.70));
        assert_eq!(
            find_row("VGG16_V6").unwrap().param(Param::Cut),
            "top+1 (= block5)"
        );
        assert_eq!(
            find_row("VGG16_BM_3").unwrap().param(Param::Cut),
            "top+block5 (= block5)"
        );
        assert_eq!(find_row("INCEPTION_BM_7").unwrap().seed.f2, Some(0.19));
        assert_eq!(find_row("SIAMESE_5").unwrap().params.dropout, Some(0.4));
        assert_eq!(find_row("SIAMESE_4").unwrap().params.epochs, Some(30));
        let ad = adapter_comparison();
        assert_eq!(ad.rows[0].seed, nums4(0.68, 0.57, 0.72, 0.71));
        assert_eq!(ad.rows[0].params.adapter, Some(Adapter::Replicate));
        // The conv row is BEST INCEPTION: same numbers, same run.
        assert_eq!(ad.rows[1].seed, inc.seed);
        assert_eq!(ad.rows[1].run_name(), "INCEPTION_BM_BEST");
        let e = ensemble();
        assert_eq!(e.rows[3].seed.accuracy, Some(0.71));
        assert_eq!(e.rows[3].seed.loss, None);
        assert_eq!(e.rows[0].run_name(), "SCRATCH_BM_V6");
        // The ensemble's members repeat their tables' numbers (the reading of SCRATCH_BM).
        assert_eq!(
            (e.rows[0].seed.f2, e.rows[0].seed.auc),
            (v6.seed.f2, v6.seed.auc)
        );
        assert_eq!(e.rows[2].seed.f2, inc.seed.f2);
    }

    #[test]
    fn every_row_builds_a_valid_config_in_every_profile() {
        for profile in Profile::ALL {
            let env = env(profile);
            for t in tables() {
                for r in &t.rows {
                    if matches!(r.source, Source::Ensemble(_)) {
                        assert!(r.config(&env).is_err());
                        continue;
                    }
                    let c = r.config(&env).unwrap();
                    c.validate().unwrap();
                    // Named as the row, or as the row whose run it is.
                    let name = match r.source {
                        Source::SameRunAs(of) => of,
                        _ => r.id,
                    };
                    assert_eq!(c.name, name, "{}", r.id);
                    assert_eq!(c.seed, 7 + r.params.seed_offset, "{}", r.id);
                    assert_eq!(c.data, env.data);
                    if c.model.is_pretrained() {
                        let b = if c.model == ModelKind::Vgg16 {
                            crate::backbones::BackboneKind::Vgg16
                        } else {
                            crate::backbones::BackboneKind::InceptionV3
                        };
                        b.parse_cut(c.cut.as_deref().unwrap()).unwrap();
                        let want = r.params.adapter.unwrap();
                        assert_eq!(c.adapter, want, "{}", r.id);
                    }
                }
            }
        }
        // Epochs: the seed's in full, the profile's default otherwise.
        let s4 = find_row("SCRATCH_4").unwrap();
        assert_eq!(s4.config(&env(Profile::Full)).unwrap().epochs, 50);
        assert_eq!(s4.config(&env(Profile::Quick)).unwrap().epochs, 8);
        let v6 = find_row("SCRATCH_BM_V6").unwrap();
        assert_eq!(v6.config(&env(Profile::Quick)).unwrap().epochs, 10);
        assert_eq!(s4.config(&env(Profile::Smoke)).unwrap().epochs, 2);
        let vgg = find_row("VGG16_BM_BEST").unwrap();
        assert_eq!(vgg.config(&env(Profile::Full)).unwrap().epochs, 20);
        assert_eq!(
            epochs_for(Profile::Full, MC, ModelKind::Vgg16, Some(15)),
            15
        );
        assert_eq!(
            epochs_for(Profile::Quick, MC, ModelKind::Vgg16, Some(15)),
            2
        );
        assert_eq!(
            epochs_for(Profile::Full, Task::Siamese, ModelKind::Siamese, None),
            50
        );
        // The interpretations.
        let full = env(Profile::Full);
        let c3 = find_row("VGG16_V3").unwrap().config(&full).unwrap();
        assert_eq!(c3.balance, Balance::Under);
        let c2 = find_row("VGG16_V2").unwrap().config(&full).unwrap();
        assert!(c2.augment.rot90 && !c2.augment.hflip);
        let c6 = find_row("VGG16_V6").unwrap().config(&full).unwrap();
        assert_eq!(c6.cut.as_deref(), Some("block5"));
        let i3 = find_row("INCEPTION_3").unwrap().config(&full).unwrap();
        assert_eq!((i3.dropout, i3.epochs), (Some(0.4), 15));
        let s1 = find_row("SIAMESE_1").unwrap().config(&full).unwrap();
        assert_eq!(
            (s1.task, s1.dropout, s1.pair_same_transform),
            (Task::Siamese, Some(0.0), false)
        );
    }

    #[test]
    fn derived_rows_differ_from_their_source_only_in_epochs() {
        for profile in Profile::ALL {
            let env = env(profile);
            for r in tables().into_iter().flat_map(|t| t.rows) {
                let Some((of, _)) = r.derived_from() else {
                    continue;
                };
                let mut mine = r.config(&env).unwrap();
                let src = find_row(of).unwrap().config(&env).unwrap();
                mine.name = src.name.clone();
                mine.epochs = src.epochs;
                assert_eq!(mine, src, "{}", r.id);
            }
        }
    }

    #[test]
    fn seed_configs_are_the_recipes() {
        // The recipes (what the notebooks train and the ensemble reuses) and the seed rows agree
        // field for field in every profile.
        for profile in Profile::ALL {
            let env = env(profile);
            let pairs = [
                ("SCRATCH_6", crate::recipes::scratch_mass_calc_best(&env)),
                (
                    "SCRATCH_BM_V6",
                    crate::recipes::scratch_benign_malignant_best(&env),
                ),
                (
                    "VGG16_BM_BEST",
                    crate::recipes::vgg16_benign_malignant_best(&env),
                ),
                (
                    "INCEPTION_BM_BEST",
                    crate::recipes::inception_benign_malignant_best(&env),
                ),
            ];
            for (id, recipe) in pairs {
                let mine = find_row(id).unwrap().config(&env).unwrap();
                assert_eq!(mine, recipe, "{id} in {profile}");
            }
        }
        // The ensemble's members are the recipes' members.
        let env = env(Profile::Quick);
        let names: Vec<String> = crate::recipes::ensemble_members(&env)
            .into_iter()
            .map(|c| c.name)
            .collect();
        let e = ensemble();
        let Source::Ensemble(m) = &e.rows[3].source else {
            unreachable!()
        };
        assert_eq!(names, *m);
    }

    #[test]
    fn runs_in_follows_the_rule() {
        let t = scratch_mass_calc();
        let quick: Vec<&str> = t.to_run(Profile::Quick).iter().map(|r| r.id).collect();
        assert_eq!(quick, ["SCRATCH_1", "SCRATCH_2", "SCRATCH_4"]);
        let smoke: Vec<&str> = t.to_run(Profile::Smoke).iter().map(|r| r.id).collect();
        assert_eq!(smoke, ["SCRATCH_1", "SCRATCH_2", "SCRATCH_4", "SCRATCH_5"]);
        let full: Vec<&str> = t.to_run(Profile::Full).iter().map(|r| r.id).collect();
        assert_eq!(
            full,
            [
                "SCRATCH_1",
                "SCRATCH_2",
                "SCRATCH_3",
                "SCRATCH_4",
                "SCRATCH_5"
            ]
        );
        let s6 = t.row("SCRATCH_6").unwrap();
        assert!(!s6.runs_in(Profile::Full) && s6.measured_in(Profile::Smoke));
        let ib = inception_benign_malignant();
        let quick: Vec<&str> = ib.to_run(Profile::Smoke).iter().map(|r| r.id).collect();
        assert_eq!(quick, ["INCEPTION_BM_BEST"]);
        assert!(ib.row("INCEPTION_3").unwrap().measured_in(Profile::Quick));
        assert!(!ib.row("INCEPTION_5").unwrap().measured_in(Profile::Quick));
        assert!(ib.row("INCEPTION_5").unwrap().measured_in(Profile::Full));
        let pick = |t: SeedTable| -> Vec<&'static str> {
            t.to_run(Profile::Quick).iter().map(|r| r.id).collect()
        };
        assert_eq!(pick(vgg16_mass_calc()), ["VGG16_V5"]);
        assert_eq!(pick(inception_mass_calc()), ["INCEPTION_3"]);
        assert_eq!(pick(vgg16_benign_malignant()), ["VGG16_BM_BEST"]);
        assert_eq!(pick(siamese()), ["SIAMESE_5"]);
        let smoke: Vec<&str> = siamese()
            .to_run(Profile::Smoke)
            .iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(smoke, ["SIAMESE_1", "SIAMESE_4", "SIAMESE_5"]);
        assert_eq!(pick(adapter_comparison()), ["INCEPTION_BM_BEST_REPLICATE"]);
        assert_eq!(pick(ensemble()), Vec::<&str>::new());
        assert!(ensemble()
            .rows
            .iter()
            .all(|r| r.measured_in(Profile::Smoke)));
        assert_eq!(
            pick(scratch_benign_malignant()),
            ["SCRATCH_BM_V4", "SCRATCH_BM_V6"]
        );
        assert_eq!(scratch_benign_malignant().to_run(Profile::Smoke).len(), 6);
    }

    #[test]
    fn history_derived_metrics() {
        let s6 = find_row("SCRATCH_6").unwrap();
        assert_eq!(s6.derived_from(), Some(("SCRATCH_4", 35)));
        assert_eq!(s6.epoch_in(Profile::Full).unwrap(), Some(35));
        assert_eq!(s6.epoch_in(Profile::Quick).unwrap(), Some(6)); // 35/50 of 8 = 5.6
        assert_eq!(s6.epoch_in(Profile::Smoke).unwrap(), Some(1)); // 35/50 of 2 = 1.4
        let i3 = find_row("INCEPTION_BM_3").unwrap();
        assert_eq!(i3.epoch_in(Profile::Full).unwrap(), Some(10));
        assert_eq!(i3.epoch_in(Profile::Quick).unwrap(), Some(1)); // 10/20 of 2 = 1
        assert_eq!(
            find_row("SCRATCH_4")
                .unwrap()
                .epoch_in(Profile::Full)
                .unwrap(),
            None
        );
        let h = history(50, 40);
        let m = s6.derived_metrics(Profile::Full, &h).unwrap();
        assert_eq!(m.epoch, 35);
        assert!((m.val_accuracy - (0.6 + 35.0 / 200.0)).abs() < 1e-12);
        assert!((m.val_loss - (0.9 - 35.0 / 200.0)).abs() < 1e-12);
        assert!((m.val_auc - 0.735).abs() < 1e-12);
        assert!((m.val_f2 - 0.435).abs() < 1e-12);
        assert!((m.train_loss - 1.0 / 35.0).abs() < 1e-12);
        // A history that stopped before the epoch is an error naming it.
        let e = s6
            .derived_metrics(Profile::Full, &history(20, 20))
            .unwrap_err()
            .to_string();
        assert!(e.contains("35") && e.contains("20 epochs"), "{e}");
        assert!(find_row("SCRATCH_4")
            .unwrap()
            .derived_metrics(Profile::Full, &h)
            .is_err());
        let last = last_epoch(&h).unwrap();
        assert_eq!(last.epoch, 50);
        assert!(last_epoch(&History::default()).is_err());
    }

    #[test]
    fn overfitting_pairs() {
        let env = env(Profile::Quick);
        let row = find_row("SCRATCH_1").unwrap();
        let run = fake_run(row.config(&env).unwrap(), Some(history(4, 4)));
        let (ta, va, tl, vl) = overfitting(&run).unwrap();
        assert!((ta - 0.54).abs() < 1e-12 && (va - 0.62).abs() < 1e-12);
        assert!((tl - 0.25).abs() < 1e-12 && (vl - 0.88).abs() < 1e-12);
        let chk = OverfitCheck::new(&row, Some(&run)).unwrap();
        let html = chk.to_html().0;
        for s in [
            "SCRATCH_1",
            "0.97",
            "0.81",
            "0.1",
            "1.55",
            "0.540",
            "0.620",
            "0.880",
        ] {
            assert!(html.contains(s), "{s}: {html}");
        }
        let none = OverfitCheck::new(&row, None).unwrap();
        assert!(none.run.is_none() && none.to_html().0.contains("1.55"));
        assert!(none.to_html().0.contains("not trained in this profile"));
        assert!(!html.contains("not trained in this profile"));
        assert!(OverfitCheck::new(&find_row("SCRATCH_4").unwrap(), None).is_err());
        let no_history = fake_run(row.config(&env).unwrap(), None);
        assert!(overfitting(&no_history).is_err());
    }

    #[test]
    fn comparison_shows_seed_and_run_side_by_side() {
        let env = env(Profile::Quick);
        let t = scratch_mass_calc();
        let runs: Vec<Run> = ["SCRATCH_1", "SCRATCH_2", "SCRATCH_4"]
            .iter()
            .map(|id| {
                let c = t.row(id).unwrap().config(&env).unwrap();
                fake_run(c, Some(history(8, 2)))
            })
            .collect();
        let mut odd = t.row("SCRATCH_5").unwrap().config(&env).unwrap();
        odd.lr = 0.01;
        let odd = fake_run(odd, Some(history(8, 8)));
        let cmp = SeedComparison::new(&t, &env, runs.iter().chain([&odd])).unwrap();
        assert_eq!(cmp.rows.len(), 6);
        let r4 = cmp.row("SCRATCH_4").unwrap();
        assert_eq!(r4.status, Status::Run);
        assert!(r4.differs.is_empty(), "{:?}", r4.differs);
        assert_eq!(r4.seed.auc, Some(0.87));
        assert_eq!(r4.run.as_ref().unwrap().auc, 0.888);
        assert_eq!(r4.run.as_ref().unwrap().set, "test");
        assert_eq!(r4.run_from, "test, best epoch (2) of 8");
        assert_eq!(r4.seed_from, "last epoch (50)");
        assert_eq!(r4.last.unwrap().epoch, 8);
        assert_eq!(r4.param(Param::Optimizer), "RMSprop");
        assert_eq!(r4.param(Param::Augment), "flip+rot90");
        let r5 = cmp.row("SCRATCH_5").unwrap();
        assert_eq!(r5.differs, ["lr"]);
        assert!(r5.status_text().contains("differs") && r5.status_text().contains("lr"));
        assert_eq!(r5.run_from, "test, last epoch (8)");
        // SCRATCH_3 runs in full only: seed numbers, no run numbers.
        let r3 = cmp.row("SCRATCH_3").unwrap();
        assert_eq!(r3.status, Status::FullOnly);
        assert!(r3.run.is_none() && r3.seed.accuracy == Some(0.85));
        // SCRATCH_6 from SCRATCH_4's history, at epoch 6 of 8 in quick.
        let r6 = cmp.row("SCRATCH_6").unwrap();
        assert_eq!(
            r6.status,
            Status::FromHistory {
                of: "SCRATCH_4".into(),
                epoch: 6
            }
        );
        let m6 = r6.run.as_ref().unwrap();
        assert_eq!(m6.set, "validation");
        assert!((m6.accuracy - 0.63).abs() < 1e-12);
        assert!(r6.differs.is_empty(), "{:?}", r6.differs);
        assert!(r6.run_from.contains("SCRATCH_4"));
        let html = cmp.to_html().0;
        for r in &t.rows {
            assert!(html.contains(r.label), "{}", r.label);
        }
        for s in [
            "seed",
            "this run",
            "95% CI",
            "0.87",
            "0.29",
            "0.888",
            "[0.848, 0.928]",
            "full profile only",
            "read from SCRATCH_4",
            "last epoch (50)",
            "n/a",
            "–",
            "augmentation",
            "learning rate",
            "§4.1",
        ] {
            assert!(html.contains(s), "{s}");
        }
    }

    #[test]
    fn full_only_rows_render_with_seed_numbers_but_no_run_numbers() {
        let env = env(Profile::Smoke);
        let t = inception_benign_malignant();
        let cmp = SeedComparison::new(&t, &env, std::iter::empty::<&Run>()).unwrap();
        for r in &cmp.rows {
            assert!(r.run.is_none() && r.last.is_none(), "{}", r.id);
        }
        let r7 = cmp.row("INCEPTION_BM_7").unwrap();
        assert_eq!(r7.status, Status::FullOnly);
        assert_eq!(r7.seed.f2, Some(0.19));
        assert_eq!(cmp.row("INCEPTION_BM_5").unwrap().status, Status::FullOnly);
        assert_eq!(cmp.row("INCEPTION_BM_BEST").unwrap().status, Status::NotRun);
        assert!(matches!(
            cmp.row("INCEPTION_3").unwrap().status,
            Status::Unavailable(_)
        ));
        let html = cmp.to_html().0;
        assert!(
            html.contains("BEST INCEPTION")
                && html.contains("0.19")
                && html.contains("full profile only")
        );
        // The seed's INCEPTION_7 row: seed cells filled, run cells empty.
        let row_html = html
            .split("<tr>")
            .find(|s| s.contains("<b>INCEPTION_7</b>"))
            .unwrap();
        assert!(row_html.contains("0.68") && row_html.contains("0.56"));
        assert!(row_html.contains("<td style=\"padding:2px 6px;text-align:right\"></td>"));
        let csv = cmp.to_csv();
        let line = csv
            .lines()
            .find(|l| l.contains(",INCEPTION_BM_7,"))
            .unwrap();
        assert!(line.contains(",0.68,,0.6,,0.19,,0.56,"), "{line}");
        assert!(line.contains("full profile only"));
    }

    #[test]
    fn csv_is_written_atomically_and_parses() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env {
            runs: dir.path().to_path_buf(),
            ..env(Profile::Quick)
        };
        let t = ensemble();
        let members: Vec<Run> = ["SCRATCH_BM_V6", "VGG16_BM_BEST", "INCEPTION_BM_BEST"]
            .iter()
            .map(|id| {
                fake_run(
                    find_row(id).unwrap().config(&env).unwrap(),
                    Some(history(3, 3)),
                )
            })
            .collect();
        let mut ens = fake_run(members[0].config.clone(), None);
        ens.config.name = ENSEMBLE_RUN.into();
        ens.members = members.iter().map(|r| r.config.name.clone()).collect();
        let cmp = t.compare(&env, members.iter().chain([&ens])).unwrap();
        assert_eq!(
            cmp.row("Ensemble").unwrap().status,
            Status::Ensemble(ens.members.clone())
        );
        assert!(cmp.row("Ensemble").unwrap().differs.is_empty());
        assert_eq!(
            cmp.row("Best_BM_VGG16").unwrap().status,
            Status::SameRunAs("VGG16_BM_BEST".into())
        );
        let path = t.csv_path(&env);
        cmp.save_csv(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, cmp.to_csv());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        let n = SeedComparison::csv_header().split(',').count();
        // Every line has the header's field count (no field here has a comma inside quotes
        // that would split: count fields with a tiny CSV reader).
        for l in &lines {
            assert_eq!(split_csv(l).len(), n, "{l}");
        }
        assert!(lines[4].starts_with("ensemble,ENSEMBLE,Ensemble,"));
        // No temporary file left behind.
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1);
        // Loading from an empty runs folder: no runs, seed numbers only.
        let loaded = SeedComparison::load(&scratch_mass_calc(), &env).unwrap();
        assert!(loaded.rows.iter().all(|r| r.run.is_none()));
    }

    fn split_csv(line: &str) -> Vec<String> {
        let mut out = vec![String::new()];
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    chars.next();
                    out.last_mut().unwrap().push('"');
                }
                ('"', _) => quoted = !quoted,
                (',', false) => out.push(String::new()),
                (c, _) => out.last_mut().unwrap().push(c),
            }
        }
        out
    }
}
