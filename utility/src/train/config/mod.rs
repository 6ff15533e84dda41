//! The configuration of a training run: everything needed to rerun it, saved as `config.json`.
use crate::data::tasks::{Balance, Task};
use crate::error::{Error, Result};
use crate::models::backbones::BackboneKind;
pub use crate::models::pretrained::Adapter;
use crate::models::pretrained::PretrainedSpec;
use crate::runtime::profile::Profile;
use crate::transforms::augment::Augment;
use crate::transforms::intensity::Preprocess;
use std::path::PathBuf;

mod choices;
pub use choices::*;

/// Everything about a training run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrainConfig {
    /// Name of the run (its folder under the runs folder).
    pub name: String,
    pub data: PathBuf,
    pub task: Task,
    pub model: ModelKind,
    /// Cut level of a pretrained backbone (`top`, `block5`, `top+1`, `top+2`).
    pub cut: Option<String>,
    pub adapter: Adapter,
    /// Hidden units of the MLP head of a pretrained model (seed: `[512]` or `[512, 256]`).
    pub head: Vec<i64>,
    /// Dropout (scratch: before the output; Siamese: after concatenation; head: between layers).
    pub dropout: Option<f64>,
    /// L2 penalty (Keras `kernel_regularizer=l2(x)`) on the dense layers' weights.
    pub l2: f64,
    pub optimizer: OptimizerKind,
    pub lr: f64,
    pub batch_size: usize,
    pub epochs: usize,
    pub augment: Augment,
    /// Pairs: the same random transform for both patches (else independent ones).
    pub pair_same_transform: bool,
    pub preprocess: Preprocess,
    pub balance: Balance,
    pub class_weights: bool,
    pub seed: u64,
    /// `auto`, `cpu`, `cuda`, `cuda:N`.
    pub device: String,
    pub profile: Profile,
    pub val_fraction: f64,
    pub early_stopping: Option<EarlyStopping>,
    pub monitor: Monitor,
    pub threshold: ThresholdPolicy,
    /// Pretrained weights file (safetensors, torchvision names); default: `data/weights/<model>.safetensors`.
    pub weights: Option<PathBuf>,
    /// Convolutions of the scratch CNN and the Siamese tower in NHWC layout: speed only, the
    /// same model and weights (faster training on CPU: docs/PERFORMANCE.md). On by
    /// default; the frozen pretrained backbones always run NHWC, whatever it says. Configs saved before this
    /// option existed load with it off, as they ran.
    #[serde(default)]
    pub channels_last: bool,
    /// fp32, or bf16 compute with fp32 master weights (scratch CNN and Siamese tower).
    /// `None` (`auto`, the default for new configs): [`TrainConfig::precision_on`]. A run
    /// saves the precision it used ([`TrainConfig::resolved`]); configs saved before this
    /// option existed load as fp32, as they ran.
    #[serde(default = "fp32_setting")]
    pub precision: Option<crate::runtime::precision::Precision>,
    /// Rows per forward and backward pass. A batch larger than this runs as micro-batches whose
    /// gradients are summed before the one update: the same optimisation step (up to float
    /// rounding; dropout draws its masks per micro-batch) with a micro-batch's activation
    /// memory. `Some(0)`: the whole batch at once (configs saved before this option load so);
    /// `None` (`auto`, the default): see [`TrainConfig::micro_batch_on`].
    #[serde(default = "whole_batch")]
    pub micro_batch: Option<usize>,
}

fn whole_batch() -> Option<usize> {
    Some(0)
}

fn fp32_setting() -> Option<crate::runtime::precision::Precision> {
    Some(crate::runtime::precision::Precision::Fp32)
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
            data: crate::runtime::profile::data_dir(),
            task,
            model,
            cut: model.is_pretrained().then(|| "top".to_string()),
            adapter: Adapter::Replicate,
            head: vec![512],
            dropout: None,
            l2: 0.0,
            optimizer: OptimizerKind::Adam,
            lr: 1e-3,
            batch_size: 32,
            epochs,
            augment: Augment::default(),
            pair_same_transform: false,
            preprocess: Preprocess::default(),
            balance: Balance::Over,
            class_weights: false,
            seed: 42,
            device: "auto".into(),
            profile,
            val_fraction: 0.2,
            early_stopping: None,
            monitor: Monitor::ValLoss,
            threshold: ThresholdPolicy::default_for(task),
            weights: None,
            channels_last: true,
            precision: None,
            micro_batch: None,
        }
    }

    /// Check every value; the error names the field and says what is allowed.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return crate::error::invalid("epochs", "must be at least 1");
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return crate::error::invalid(
                "learning rate",
                format!("{} must be a positive number", self.lr),
            );
        }
        if self.batch_size == 0 {
            return crate::error::invalid("batch size", "must be at least 1");
        }
        if self.model.is_pretrained()
            && self
                .precision
                .is_some_and(|p| p != crate::runtime::precision::Precision::Fp32)
        {
            return crate::error::invalid(
                "precision",
                format!(
                    "bf16 applies to the scratch and Siamese models, not {}",
                    self.model.name()
                ),
            );
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) {
            return crate::error::invalid("l2", format!("{} must be >= 0", self.l2));
        }
        if let Some(d) = self.dropout {
            if !(0.0..1.0).contains(&d) {
                return crate::error::invalid("dropout", format!("{d} must be in [0, 1)"));
            }
        }
        if !(self.val_fraction > 0.0 && self.val_fraction < 1.0) {
            return crate::error::invalid(
                "validation fraction",
                format!("{} must be in (0, 1)", self.val_fraction),
            );
        }
        if self.model == ModelKind::Siamese && self.task != Task::Siamese {
            return crate::error::invalid(
                "task",
                "the siamese model trains on the siamese task (pairs)",
            );
        }
        if self.task == Task::Siamese && self.model != ModelKind::Siamese {
            return crate::error::invalid("model", "the siamese task needs the siamese model");
        }
        if self.model.is_pretrained() && self.head.iter().any(|&h| h <= 0) {
            return crate::error::invalid(
                "head",
                format!("{:?}: hidden units must be positive", self.head),
            );
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
        if let Some(f) = self.preprocess.contrast {
            if !(f.is_finite() && f >= 0.0) {
                return crate::error::invalid("contrast", format!("{f} must be >= 0"));
            }
        }
        self.threshold.validate()?;
        Ok(())
    }

    /// Rows per forward/backward pass on `device` (0: the whole batch). `auto` micro-batches
    /// the scratch CNN and the Siamese network on the CPU ([`AUTO_CPU_MICRO_BATCH`] rows),
    /// where it bounds activation memory at no cost in speed; on CUDA, and for the pretrained
    /// models (whose frozen backbones keep no activations for backward), the whole batch.
    pub fn micro_batch_on(&self, device: tch::Device) -> usize {
        match self.micro_batch {
            Some(n) => n,
            None => match (device, self.model) {
                (tch::Device::Cpu, ModelKind::Scratch | ModelKind::Siamese) => AUTO_CPU_MICRO_BATCH,
                _ => 0,
            },
        }
    }

    /// The precision a model of this configuration computes in on `device`: the one set, or for
    /// `auto` [`crate::runtime::precision::Precision::auto_for`] (scratch and Siamese models; the pretrained
    /// backbones always run fp32).
    pub fn precision_on(&self, device: tch::Device) -> crate::runtime::precision::Precision {
        match (self.precision, self.model) {
            (Some(p), _) => p,
            (None, ModelKind::Scratch | ModelKind::Siamese) => {
                crate::runtime::precision::Precision::auto_for(device)
            }
            (None, _) => crate::runtime::precision::Precision::Fp32,
        }
    }

    /// The pretrained model this configuration names (an error for the scratch and Siamese
    /// models, or for a cut the backbone does not have).
    pub fn pretrained_spec(&self) -> Result<PretrainedSpec> {
        let backbone = BackboneKind::parse(self.model.name())?;
        Ok(PretrainedSpec {
            backbone,
            cut: backbone.parse_cut(self.cut.as_deref().unwrap_or("top"))?,
            adapter: self.adapter,
            head: self.head.clone(),
            dropout: self.dropout.unwrap_or(0.0),
            weights: self.weights.clone(),
        })
    }

    /// This configuration with `auto` settings that change the arithmetic made concrete for the
    /// device it names: the precision ([`TrainConfig::precision_on`]). A run saves this, so that
    /// its `config.json` says how it was computed and a resumed or repeated run computes the same
    /// way. The device itself stays as written (`auto` picks CUDA when there is one).
    pub fn resolved(&self) -> Result<TrainConfig> {
        let mut c = self.clone();
        if c.precision.is_none() {
            let device = crate::runtime::device::parse_device(&c.device)?;
            c.precision = Some(c.precision_on(device));
        }
        Ok(c)
    }

    /// Whether `saved` (a run's `config.json`) is a run of this configuration: equal, except that
    /// an `auto` precision here accepts whatever precision the run resolved it to, on whichever
    /// machine it ran (a sweep is planned on one machine and run on others; a notebook reuses
    /// runs trained elsewhere).
    pub fn matches_saved(&self, saved: &TrainConfig) -> bool {
        let mut c = self.clone();
        if c.precision.is_none() {
            c.precision = saved.precision;
        }
        &c == saved
    }

    /// Keys accepted by [`TrainConfig::set`] (the `mammo train` flags, `-` or `_` alike).
    pub const KEYS: &'static [&'static str] = &[
        "name",
        "data",
        "cut",
        "adapter",
        "head",
        "dropout",
        "l2",
        "optimizer",
        "lr",
        "batch_size",
        "epochs",
        "augment",
        "same_transform",
        "contrast",
        "clahe",
        "balance",
        "class_weights",
        "seed",
        "device",
        "val_fraction",
        "patience",
        "monitor",
        "threshold",
        "weights",
        "channels_last",
        "precision",
        "micro_batch",
    ];

    /// Set one hyper-parameter from text, as the CLI flags and sweep grids give it
    /// (`set("lr", "1e-4")`, `set("augment", "flip,rot90")`, `set("head", "512,256")`).
    /// Unknown keys and bad values are errors naming the key; call [`TrainConfig::validate`]
    /// once all are set.
    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        let key_n = key.trim().replace('-', "_");
        let v = value.trim();
        let num = |what: &str| -> Result<f64> {
            v.parse::<f64>()
                .map_err(|_| Error::invalid(what, format!("'{v}' is not a number")))
        };
        let count = |what: &str| -> Result<usize> {
            v.parse::<usize>()
                .map_err(|_| Error::invalid(what, format!("'{v}' is not a whole number >= 0")))
        };
        let flag = |what: &str| -> Result<bool> {
            match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" | "on" => Ok(true),
                "false" | "no" | "0" | "off" => Ok(false),
                _ => crate::error::invalid(what, format!("'{v}': expected true or false")),
            }
        };
        let none = |v: &str| v.is_empty() || v.eq_ignore_ascii_case("none");
        match key_n.as_str() {
            "name" => self.name = v.to_string(),
            "data" => self.data = PathBuf::from(v),
            "cut" => self.cut = Some(v.to_string()),
            "adapter" => self.adapter = Adapter::parse(v)?,
            "head" => {
                self.head = if none(v) {
                    Vec::new()
                } else {
                    v.split(',')
                        .map(|x| {
                            x.trim().parse::<i64>().map_err(|_| {
                                Error::invalid(
                                    "head",
                                    format!("'{v}': expected numbers like 512,256"),
                                )
                            })
                        })
                        .collect::<Result<Vec<i64>>>()?
                }
            }
            "dropout" => self.dropout = if none(v) { None } else { Some(num("dropout")?) },
            "l2" => self.l2 = num("l2")?,
            "optimizer" => self.optimizer = OptimizerKind::parse(v)?,
            "lr" | "learning_rate" => self.lr = num("learning rate")?,
            "batch_size" => self.batch_size = count("batch size")?,
            "epochs" => self.epochs = count("epochs")?,
            "augment" => self.augment = Augment::parse(v)?,
            "same_transform" | "pair_same_transform" => {
                self.pair_same_transform = flag("same_transform")?
            }
            "contrast" => {
                self.preprocess.contrast = if none(v) {
                    None
                } else {
                    Some(num("contrast")? as f32)
                }
            }
            "clahe" => {
                self.preprocess.clahe = if none(v) {
                    None
                } else {
                    Some(crate::transforms::intensity::Clahe::parse(v)?)
                }
            }
            "balance" => self.balance = Balance::parse(v)?,
            "class_weights" => self.class_weights = flag("class_weights")?,
            "seed" => {
                self.seed = v.parse::<u64>().map_err(|_| {
                    Error::invalid("seed", format!("'{v}' is not a whole number >= 0"))
                })?
            }
            "device" => {
                crate::runtime::device::parse_device_name(v)?;
                self.device = v.to_string()
            }
            "val_fraction" => self.val_fraction = num("validation fraction")?,
            "patience" => {
                self.early_stopping = if none(v) {
                    None
                } else {
                    Some(EarlyStopping {
                        patience: count("patience")?,
                    })
                }
            }
            "monitor" => {
                self.monitor = match v {
                    "val_loss" | "loss" => Monitor::ValLoss,
                    "val_auc" | "auc" => Monitor::ValAuc,
                    o => {
                        return crate::error::invalid(
                            "monitor",
                            format!("'{o}': expected val_loss or val_auc"),
                        )
                    }
                }
            }
            "threshold" => self.threshold = ThresholdPolicy::parse(v)?,
            "channels_last" => self.channels_last = flag("channels_last")?,
            "precision" => self.precision = crate::runtime::precision::Precision::parse_setting(v)?,
            "micro_batch" => {
                self.micro_batch = if v.eq_ignore_ascii_case("auto") {
                    None
                } else {
                    Some(count("micro-batch")?)
                }
            }
            "weights" => {
                self.weights = if none(v) {
                    None
                } else {
                    Some(PathBuf::from(v))
                }
            }
            _ => {
                return crate::error::invalid(
                    "setting",
                    format!(
                        "unknown key '{key}' (known: task, model, profile, {})",
                        Self::KEYS.join(", ")
                    ),
                )
            }
        }
        Ok(())
    }

    /// A configuration from `key = value` settings: `task` and `model` are required, `profile`
    /// defaults to `MAMMO_PROFILE`; every other key goes through [`TrainConfig::set`], in order.
    pub fn from_settings(settings: &[(String, String)]) -> Result<TrainConfig> {
        let get = |k: &str| {
            settings
                .iter()
                .rev()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.as_str())
        };
        let task = Task::parse(get("task").ok_or_else(|| Error::invalid("task", "missing"))?)?;
        let model =
            ModelKind::parse(get("model").ok_or_else(|| Error::invalid("model", "missing"))?)?;
        let profile = match get("profile") {
            Some(p) => Profile::parse(p)?,
            None => Profile::from_env(),
        };
        if model == ModelKind::Siamese && task != Task::Siamese {
            return crate::error::invalid("task", "the siamese model trains on task siamese");
        }
        let mut c = TrainConfig::new(task, model, profile);
        for (k, v) in settings {
            if !matches!(k.as_str(), "task" | "model" | "profile") {
                c.set(k, v)?;
            }
        }
        c.validate()?;
        Ok(c)
    }

    /// The epochs a profile trains a model for when nothing else is said.
    ///
    /// `quick` is sized from measured speed and convergence on 2 CPU cores: the scratch CNN and
    /// the Siamese network train the whole training set for as many epochs as mass vs
    /// calcification and SCRATCH_BM_V6's benign vs malignant need to leave chance clearly; the
    /// pretrained models, whose frozen backbones run forward and backward for every image (the
    /// 1x1 adapter in front of them trains), get 2 epochs on a few dozen patches (a walk-through
    /// of the method; its numbers need `full`). docs/PROFILES.md has the epoch times and the
    /// validation AUCs that chose these numbers.
    pub fn default_epochs(profile: Profile, task: Task, model: ModelKind) -> usize {
        match (profile, model, task) {
            (Profile::Smoke, _, _) => 2,
            (Profile::Quick, ModelKind::Vgg16 | ModelKind::InceptionV3, _) => 2,
            (Profile::Quick, ModelKind::Scratch, Task::BenignMalignant) => 10,
            (Profile::Quick, _, _) => 8,
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
        match (self.profile, self.model.is_pretrained()) {
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
