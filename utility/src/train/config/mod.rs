//! The configuration of a training run: everything needed to rerun it, saved as `config.json`.
//!
//! Four groups, each typed: what data and how it is prepared ([`DataConfig`]), which network
//! ([`ModelConfig`]: the scratch CNN, the Siamese network or a pretrained backbone with its cut,
//! adapter, head and weights), how it is fitted ([`OptimConfig`]) and where and how it runs
//! ([`RuntimeConfig`]). One place reads `key=value` settings (the `mammo train` flags and sweep
//! grids) into it: [`TrainConfig::set`] and [`TrainConfig::from_settings`] (`settings.rs`).
//! `config.json` files written before the groups existed (one flat list of fields) still load
//! (`legacy.rs`), so their runs are found and reused.
use crate::data::dataset::Dataset;
use crate::data::fingerprint::DataFingerprint;
use crate::data::tasks::{Balance, Task};
use crate::error::Result;
pub use crate::models::backbones::{BackboneKind, Cut};
pub use crate::models::pretrained::{Adapter, PretrainedSpec, WeightsRecord};
pub use crate::runtime::device::DeviceChoice;
use crate::runtime::precision::Precision;
use crate::runtime::profile::Profile;
use crate::transforms::augment::Augment;
use crate::transforms::intensity::Preprocess;
use std::path::PathBuf;

mod choices;
mod legacy;
mod settings;
pub use choices::*;

/// Everything about a training run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "legacy::AnyFormat")]
pub struct TrainConfig {
    /// Name of the run (its folder under the runs folder).
    pub name: String,
    pub data: DataConfig,
    pub model: ModelConfig,
    pub optim: OptimConfig,
    pub runtime: RuntimeConfig,
    /// What the run was trained on and by what (data fingerprint, backbone weights, mammo
    /// version), filled in when a run starts ([`Provenance::of`]); `None` in a configuration
    /// being asked for, and in runs saved before runs recorded it. Not part of what makes two
    /// configurations the same ([`TrainConfig::matches_saved`]); compared on its own
    /// ([`Provenance::compare`]) before a saved run is reused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// What a run was trained on and by what, as its `config.json` records it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Provenance {
    /// The dataset's content fingerprint and pair counts.
    pub data: DataFingerprint,
    /// The backbone weights of a pretrained model (file, size and SHA-256, or random
    /// initialisation); `None` for the scratch and Siamese models.
    pub weights: Option<WeightsRecord>,
    /// The mammo version that trained the run.
    pub mammo: String,
}

/// Whether a saved run was trained on what a configuration would train on now.
#[derive(Debug, Clone, PartialEq)]
pub enum SameProvenance {
    Same,
    /// The run was saved before runs recorded their data: which data it saw is unknown.
    Unknown,
    /// Other data or other weights; the text says which, with both fingerprints.
    Differs(String),
}

impl Provenance {
    /// What a run of `cfg` on `ds` is trained on, on this machine now: the dataset's
    /// fingerprint (one SHA-256 pass over it), the weights file a pretrained model would load
    /// (hashed once per process), and this mammo's version.
    pub fn of(cfg: &TrainConfig, ds: &Dataset) -> Result<Provenance> {
        Self::with_data(cfg, DataFingerprint::of(ds))
    }

    fn with_data(cfg: &TrainConfig, data: DataFingerprint) -> Result<Provenance> {
        Ok(Provenance {
            data,
            weights: cfg
                .model
                .pretrained()
                .map(|p| WeightsRecord::of(&p.weights_source()))
                .transpose()?,
            mammo: env!("CARGO_PKG_VERSION").to_string(),
        })
    }

    /// [`Provenance::of`] for the dataset in the configuration's data folder, without keeping
    /// it: its fingerprint is computed once per process per state of the folder
    /// ([`DataFingerprint::of_dir`]).
    pub fn of_dir(cfg: &TrainConfig) -> Result<Provenance> {
        Self::with_data(cfg, DataFingerprint::of_dir(&cfg.data.dir)?)
    }

    /// This (now) against what a saved run recorded: the data and the weights must be the same;
    /// the mammo version may differ.
    pub fn compare(&self, saved: Option<&Provenance>) -> SameProvenance {
        let Some(saved) = saved else {
            return SameProvenance::Unknown;
        };
        let mut why = Vec::new();
        if saved.data.sha256 != self.data.sha256 {
            why.push(format!(
                "it was trained on other data ({} then, {} now)",
                saved.data.label(),
                self.data.label()
            ));
        }
        // Weights compare by content: the same file found at another path is the same weights.
        let content = |w: &Option<WeightsRecord>| match w {
            Some(WeightsRecord::File { sha256, .. }) => Some(sha256.clone()),
            Some(WeightsRecord::Random) => Some("random".to_string()),
            None => None,
        };
        if content(&saved.weights) != content(&self.weights) {
            let label = |w: &Option<WeightsRecord>| w.as_ref().map_or("none".into(), |w| w.label());
            why.push(format!(
                "it was trained with other backbone weights ({} then, {} now)",
                label(&saved.weights),
                label(&self.weights)
            ));
        }
        if why.is_empty() {
            SameProvenance::Same
        } else {
            SameProvenance::Differs(why.join("; "))
        }
    }
}

/// The data: which files, which task, how they are split, balanced, preprocessed and augmented.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataConfig {
    /// The folder with the four course files (`train_tensor.npy`, ...).
    pub dir: PathBuf,
    pub task: Task,
    /// Share of the training set held out for validation (seeded, stratified).
    pub val_fraction: f64,
    pub balance: Balance,
    pub preprocess: Preprocess,
    pub augment: Augment,
    /// Pairs: the same random transform for both patches (else independent ones).
    pub pair_same_transform: bool,
    /// For a dataset without a test set (the MIAS pairs, an import without test rows): the share
    /// of its pairs held out as the test set, stratified by label, with the same pairs for every
    /// task, model and seed ([`crate::train::hold_out_test`]). Ignored when there is a
    /// test set.
    #[serde(default = "default_test_holdout")]
    pub test_holdout: f64,
    /// The `labels` task's class names in label order (class 1 the positive class of a binary
    /// task), from the dataset's `classes.json` when the run starts ([`TrainConfig::for_dataset`]);
    /// empty for the seed's tasks, whose names are fixed ([`Task::class_names`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub classes: Vec<String>,
}

impl DataConfig {
    /// The task's class names in label order: the seed's, or the dataset's for `labels`.
    pub fn class_names(&self) -> Vec<String> {
        if self.classes.is_empty() {
            self.task
                .class_names()
                .iter()
                .map(|s| s.to_string())
                .collect()
        } else {
            self.classes.clone()
        }
    }
    /// The name of class 1, the positive class of a binary task (`malignant`, the second class
    /// of a two-class `labels` dataset).
    pub fn positive_name(&self) -> String {
        self.class_names()
            .get(1)
            .cloned()
            .unwrap_or_else(|| self.task.positive_name().to_string())
    }
}

/// [`DataConfig::test_holdout`]'s default: a fifth of the pairs.
pub const DEFAULT_TEST_HOLDOUT: f64 = 0.2;

fn default_test_holdout() -> f64 {
    DEFAULT_TEST_HOLDOUT
}

/// The network.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelConfig {
    /// The seed's CNN from scratch; `dropout` before the output layer.
    Scratch { dropout: Option<f64> },
    /// Two scratch towers with shared weights over (baseline, abnormality); `dropout` after the
    /// concatenation.
    Siamese { dropout: Option<f64> },
    /// A frozen pretrained backbone with a trained MLP head.
    Pretrained(PretrainedSpec),
}

impl ModelConfig {
    /// The seed's defaults for a model (pretrained: [`PretrainedSpec::new`]).
    pub fn new(kind: ModelKind) -> ModelConfig {
        match kind {
            ModelKind::Scratch => ModelConfig::Scratch { dropout: None },
            ModelKind::Siamese => ModelConfig::Siamese { dropout: None },
            ModelKind::Vgg16 => ModelConfig::Pretrained(PretrainedSpec::new(BackboneKind::Vgg16)),
            ModelKind::InceptionV3 => {
                ModelConfig::Pretrained(PretrainedSpec::new(BackboneKind::InceptionV3))
            }
        }
    }
    /// Which model, by its settings name.
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelConfig::Scratch { .. } => ModelKind::Scratch,
            ModelConfig::Siamese { .. } => ModelKind::Siamese,
            ModelConfig::Pretrained(p) => ModelKind::of_backbone(p.backbone),
        }
    }
    /// `scratch`, `siamese`, `vgg16`, `inception-v3`.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }
    pub fn is_pretrained(&self) -> bool {
        matches!(self, ModelConfig::Pretrained(_))
    }
    /// The dropout rate (scratch: before the output; Siamese: after the concatenation; head:
    /// between its layers); `None`: none.
    pub fn dropout(&self) -> Option<f64> {
        match self {
            ModelConfig::Scratch { dropout } | ModelConfig::Siamese { dropout } => *dropout,
            ModelConfig::Pretrained(p) => p.dropout,
        }
    }
    pub fn set_dropout(&mut self, rate: Option<f64>) {
        match self {
            ModelConfig::Scratch { dropout } | ModelConfig::Siamese { dropout } => *dropout = rate,
            ModelConfig::Pretrained(p) => p.dropout = rate,
        }
    }
    /// The pretrained model's backbone, cut, adapter, head and weights (`None` otherwise).
    pub fn pretrained(&self) -> Option<&PretrainedSpec> {
        match self {
            ModelConfig::Pretrained(p) => Some(p),
            _ => None,
        }
    }
    pub fn pretrained_mut(&mut self) -> Option<&mut PretrainedSpec> {
        match self {
            ModelConfig::Pretrained(p) => Some(p),
            _ => None,
        }
    }
    /// The cut of a pretrained backbone (`None` for the other models).
    pub fn cut(&self) -> Option<Cut> {
        self.pretrained().map(|p| p.cut)
    }
}

/// How the model is fitted, and how its decision threshold is chosen on validation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OptimConfig {
    pub optimizer: OptimizerKind,
    pub lr: f64,
    /// L2 penalty (Keras `kernel_regularizer=l2(x)`) on the dense layers' weights.
    pub l2: f64,
    pub batch_size: usize,
    pub epochs: usize,
    /// Weight the loss by inverse class frequency.
    pub class_weights: bool,
    pub early_stopping: Option<EarlyStopping>,
    pub monitor: Monitor,
    pub threshold: ThresholdPolicy,
}

/// Where and how the run computes: seed, device, profile (data sizes), layout, precision,
/// micro-batches. Only the seed and the profile change what a run learns; the device can change
/// float rounding; the rest is speed and memory.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RuntimeConfig {
    pub seed: u64,
    pub device: DeviceChoice,
    pub profile: Profile,
    /// Convolutions of the scratch CNN and the Siamese tower in NHWC layout: speed only, the
    /// same model and weights (faster training on CPU: docs/PERFORMANCE.md). On by default;
    /// the frozen pretrained backbones always run NHWC, whatever it says.
    pub channels_last: bool,
    /// fp32, or bf16 compute with fp32 master weights (scratch CNN and Siamese tower).
    /// `None` (`auto`, the default for new configs): [`TrainConfig::precision_on`]. A run
    /// saves the precision it used ([`TrainConfig::resolved`]).
    pub precision: Option<Precision>,
    /// Rows per forward and backward pass. A batch larger than this runs as micro-batches whose
    /// gradients are summed before the one update: the same optimisation step (up to float
    /// rounding; dropout draws its masks per micro-batch) with a micro-batch's activation
    /// memory. `Some(0)`: the whole batch at once; `None` (`auto`, the default): see
    /// [`TrainConfig::micro_batch_on`].
    pub micro_batch: Option<usize>,
}

/// The micro-batch `auto` picks for the scratch CNN and the Siamese network on the CPU: their
/// activations take ~12 MB per image at 150x150 in float32 (the first convolution's output
/// alone is 2.8 MB), so batch 32 at once holds ~400 MB while 4 rows at a time hold ~50 MB, at
/// the same speed (docs/PERFORMANCE.md).
pub const AUTO_CPU_MICRO_BATCH: usize = 4;

impl TrainConfig {
    /// A configuration with the seed's defaults for a task and model: Adam 1e-3, batch 32,
    /// oversampling, no augmentation, epochs and data sizes from the profile.
    pub fn new(task: Task, model: ModelKind, profile: Profile) -> TrainConfig {
        let epochs = Self::default_epochs(profile, task, model);
        let task = if model == ModelKind::Siamese {
            Task::Siamese
        } else {
            task
        };
        TrainConfig {
            name: format!("{}-{}", task.name(), model.name()),
            data: DataConfig {
                dir: crate::runtime::profile::data_dir(),
                task,
                val_fraction: 0.2,
                balance: Balance::Over,
                preprocess: Preprocess::default(),
                augment: Augment::default(),
                pair_same_transform: false,
                test_holdout: DEFAULT_TEST_HOLDOUT,
                classes: Vec::new(),
            },
            model: ModelConfig::new(model),
            optim: OptimConfig {
                optimizer: OptimizerKind::Adam,
                lr: 1e-3,
                l2: 0.0,
                batch_size: 32,
                epochs,
                class_weights: false,
                early_stopping: None,
                monitor: Monitor::ValLoss,
                threshold: ThresholdPolicy::default_for(task),
            },
            runtime: RuntimeConfig {
                seed: 42,
                device: DeviceChoice::Auto,
                profile,
                channels_last: true,
                precision: None,
                micro_batch: None,
            },
            provenance: None,
        }
    }

    /// Check every value; the error names the field and says what is allowed.
    pub fn validate(&self) -> Result<()> {
        let (o, d) = (&self.optim, &self.data);
        if o.epochs == 0 {
            return crate::error::invalid("epochs", "must be at least 1");
        }
        if !(o.lr.is_finite() && o.lr > 0.0) {
            return crate::error::invalid(
                "learning rate",
                format!("{} must be a positive number", o.lr),
            );
        }
        if o.batch_size == 0 {
            return crate::error::invalid("batch size", "must be at least 1");
        }
        if !(o.l2.is_finite() && o.l2 >= 0.0) {
            return crate::error::invalid("l2", format!("{} must be >= 0", o.l2));
        }
        if let Some(p) = self.model.dropout() {
            if !(0.0..1.0).contains(&p) {
                return crate::error::invalid("dropout", format!("{p} must be in [0, 1)"));
            }
        }
        if !(d.test_holdout > 0.0 && d.test_holdout < 1.0) {
            return crate::error::invalid(
                "test hold-out",
                format!("{} must be in (0, 1)", d.test_holdout),
            );
        }
        if !(d.val_fraction > 0.0 && d.val_fraction < 1.0) {
            return crate::error::invalid(
                "validation fraction",
                format!("{} must be in (0, 1)", d.val_fraction),
            );
        }
        let siamese_model = matches!(self.model, ModelConfig::Siamese { .. });
        if siamese_model && d.task != Task::Siamese {
            return crate::error::invalid(
                "task",
                "the siamese model trains on the siamese task (pairs)",
            );
        }
        if let Task::Labels(k) = d.task {
            if k != 0 && !d.classes.is_empty() && d.classes.len() != k as usize {
                return crate::error::invalid(
                    "classes",
                    format!("{} class names for labels:{k}", d.classes.len()),
                );
            }
        }
        if d.task == Task::Siamese && !siamese_model {
            return crate::error::invalid("model", "the siamese task needs the siamese model");
        }
        if let Some(p) = self.model.pretrained() {
            p.backbone.check_cut(p.cut)?;
            if p.head.iter().any(|&h| h <= 0) {
                return crate::error::invalid(
                    "head",
                    format!("{:?}: hidden units must be positive", p.head),
                );
            }
        }
        if self.name.is_empty()
            || self.name.contains('/')
            || self.name.contains('\\')
            || self.name.starts_with('.')
        {
            return crate::error::invalid(
                "run name",
                format!(
                    "'{}': a plain folder name, without '/' or a leading '.'",
                    self.name
                ),
            );
        }
        if let Some(f) = d.preprocess.contrast {
            if !(f.is_finite() && f >= 0.0) {
                return crate::error::invalid("contrast", format!("{f} must be >= 0"));
            }
        }
        o.threshold.validate()?;
        Ok(())
    }

    /// Rows per forward/backward pass on `device` (0: the whole batch). `auto` micro-batches
    /// the scratch CNN and the Siamese network on the CPU ([`AUTO_CPU_MICRO_BATCH`] rows),
    /// where it bounds activation memory at no cost in speed; on CUDA, and for the pretrained
    /// models (whose frozen backbones keep no activations for backward), the whole batch.
    pub fn micro_batch_on(&self, device: tch::Device) -> usize {
        match self.runtime.micro_batch {
            Some(n) => n,
            None if device == tch::Device::Cpu && !self.model.is_pretrained() => {
                AUTO_CPU_MICRO_BATCH
            }
            None => 0,
        }
    }

    /// The precision a model of this configuration computes in on `device`: the one set, or for
    /// `auto` [`Precision::auto_for`] (scratch and Siamese models) or
    /// [`Precision::auto_for_backbone`] (a pretrained model's frozen backbone; its head is
    /// float32 either way).
    pub fn precision_on(&self, device: tch::Device) -> Precision {
        match self.runtime.precision {
            Some(p) => p,
            None if self.model.is_pretrained() => Precision::auto_for_backbone(device),
            None => Precision::auto_for(device),
        }
    }

    /// The pretrained model this configuration names (an error for the scratch and Siamese
    /// models, or for a cut the backbone does not have).
    pub fn pretrained_spec(&self) -> Result<PretrainedSpec> {
        match &self.model {
            ModelConfig::Pretrained(p) => {
                p.backbone.check_cut(p.cut)?;
                Ok(p.clone())
            }
            m => crate::error::invalid("model", format!("{} is not a pretrained model", m.name())),
        }
    }

    /// This configuration with `auto` settings that change the arithmetic made concrete for the
    /// device it names: the precision ([`TrainConfig::precision_on`]). A run saves this, so that
    /// its `config.json` says how it was computed and a resumed or repeated run computes the same
    /// way. The device itself stays as written (`auto` picks CUDA when there is one).
    /// This configuration for a dataset: a `labels` task bound to the dataset's classes (their
    /// count in the task, their names in [`DataConfig::classes`]); an error when the dataset
    /// cannot serve the task at all ([`Task::bind`]). The seed's tasks are returned as they are.
    pub fn for_dataset(&self, ds: &Dataset) -> Result<TrainConfig> {
        let mut c = self.clone();
        c.data.task = c.data.task.bind(ds)?;
        if let Task::Labels(_) = c.data.task {
            c.data.classes = ds.class_names(c.data.task);
        }
        Ok(c)
    }

    pub fn resolved(&self) -> Result<TrainConfig> {
        let mut c = self.clone();
        if c.runtime.precision.is_none() {
            let device = c.runtime.device.resolve()?;
            c.runtime.precision = Some(c.precision_on(device));
        }
        Ok(c)
    }

    /// Whether `saved` (a run's `config.json`, in either format) is a run of this configuration:
    /// equal, except that an `auto` precision here accepts whatever precision the run resolved
    /// it to, on whichever machine it ran (a sweep is planned on one machine and run on others;
    /// a notebook reuses runs trained elsewhere).
    ///
    /// What the run was trained on (its [`Provenance`]) is not compared here: see
    /// [`Provenance::compare`].
    pub fn matches_saved(&self, saved: &TrainConfig) -> bool {
        let mut c = self.clone();
        if c.runtime.precision.is_none() {
            c.runtime.precision = saved.runtime.precision;
        }
        c.provenance = None;
        let mut s = saved.clone();
        s.provenance = None;
        c == s
    }

    /// The epochs a profile trains a model for when nothing else is said.
    ///
    /// `quick` is sized from measured speed and convergence on 2 CPU cores: the scratch CNN
    /// trains the whole training set for as many epochs as mass vs calcification needs to pass
    /// a test ROC AUC of 0.85 (15) and SCRATCH_BM_V6's benign vs malignant needs to leave chance
    /// (13: it sits at chance for its first 9-11 epochs); the Siamese network, at twice the cost
    /// of an epoch, gets 4 (a walk-through: it needs `full`'s 50 to show what it can do); the
    /// pretrained models, whose frozen backbones run forward and backward for every image (the
    /// 1x1 adapter in front of them trains), get 2 epochs on a few dozen patches (a walk-through
    /// of the method; its numbers need `full`). docs/PROFILES.md has the epoch times and the
    /// validation AUCs that chose these numbers.
    pub fn default_epochs(profile: Profile, task: Task, model: ModelKind) -> usize {
        match (profile, model, task) {
            (Profile::Smoke, _, _) => 2,
            (Profile::Quick, ModelKind::Vgg16 | ModelKind::InceptionV3, _) => 2,
            (Profile::Quick, ModelKind::Siamese, _) => 4,
            (Profile::Quick, ModelKind::Scratch, Task::BenignMalignant) => 13,
            (Profile::Quick, _, _) => 15,
            (Profile::Full, ModelKind::Vgg16 | ModelKind::InceptionV3, _) => 20,
            (Profile::Full, ModelKind::Siamese, _) => 50,
            (Profile::Full, _, _) => 35,
        }
    }

    /// Data sizes of the profile: (max train, max validation, max test) samples.
    ///
    /// The test limit is the same for every model of a profile, so that every member of a
    /// comparison and of an ensemble is scored on the same test patches (the limit draws a
    /// seeded, stratified subset: same seed, same task, same patches). Validation subsets are
    /// nested: a smaller limit draws from the same split.
    pub fn limits(&self) -> (Option<usize>, Option<usize>, Option<usize>) {
        match (self.runtime.profile, self.model.is_pretrained()) {
            // Smoke: tests only. Frozen VGG16 features cost ~0.15 s per image on two CPU cores,
            // so the pretrained models train on fewer images than the scratch CNN.
            (Profile::Smoke, false) => (Some(64), Some(32), Some(48)),
            (Profile::Smoke, true) => (Some(32), Some(32), Some(48)),
            // Quick: the CPU demo. The scratch CNN and the Siamese network train on the whole
            // training set (a 40% subset leaves benign vs malignant at chance); the pretrained
            // models, whose conv1x1 adapter needs a backward pass through the frozen backbone,
            // on 48 patches. Everyone is tested on the whole test set.
            (Profile::Quick, false) => (None, None, None),
            (Profile::Quick, true) => (Some(48), Some(64), None),
            (Profile::Full, _) => (None, None, None),
        }
    }
}

#[cfg(test)]
mod tests;
