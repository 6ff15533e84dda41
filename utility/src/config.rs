//! The configuration of a training run: everything needed to rerun it, saved as `config.json`.
use crate::augment::Augment;
use crate::error::{Error, Result};
use crate::preprocess::Preprocess;
use crate::profile::Profile;
use crate::tasks::{Balance, Task};
use std::path::PathBuf;

/// Which network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    Scratch,
    Siamese,
    Vgg16,
    InceptionV3,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Scratch => "scratch",
            ModelKind::Siamese => "siamese",
            ModelKind::Vgg16 => "vgg16",
            ModelKind::InceptionV3 => "inception-v3",
        }
    }
    pub fn parse(s: &str) -> Result<ModelKind> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "scratch" | "cnn" => Ok(ModelKind::Scratch),
            "siamese" => Ok(ModelKind::Siamese),
            "vgg16" | "vgg-16" => Ok(ModelKind::Vgg16),
            "inception-v3" | "inceptionv3" | "inception" => Ok(ModelKind::InceptionV3),
            o => Err(Error::invalid(
                "model",
                format!("'{o}': expected scratch, siamese, vgg16 or inception-v3"),
            )),
        }
    }
    pub fn is_pretrained(self) -> bool {
        matches!(self, ModelKind::Vgg16 | ModelKind::InceptionV3)
    }
}

/// How the single gray channel becomes the three channels a pretrained network expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Adapter {
    /// Copy the channel three times (what the papers do).
    Replicate,
    /// A trainable 1x1 convolution with 3 filters (6 parameters; the seed's idea).
    Conv1x1,
}

impl Adapter {
    pub fn parse(s: &str) -> Result<Adapter> {
        match s.trim().to_ascii_lowercase().as_str() {
            "replicate" => Ok(Adapter::Replicate),
            "conv1x1" | "conv" => Ok(Adapter::Conv1x1),
            o => Err(Error::invalid(
                "adapter",
                format!("'{o}': expected replicate or conv1x1"),
            )),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Adapter::Replicate => "replicate",
            Adapter::Conv1x1 => "conv1x1",
        }
    }
}

/// Optimizer, with Keras's default constants (the seed's stack).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerKind {
    Adam,
    #[serde(rename = "rmsprop")]
    RmsProp,
    Sgd,
}

impl OptimizerKind {
    pub fn parse(s: &str) -> Result<OptimizerKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "adam" => Ok(OptimizerKind::Adam),
            "rmsprop" => Ok(OptimizerKind::RmsProp),
            "sgd" => Ok(OptimizerKind::Sgd),
            o => Err(Error::invalid(
                "optimizer",
                format!("'{o}': expected adam, rmsprop or sgd"),
            )),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Sgd => "sgd",
        }
    }
}

/// The smallest validation specificity (share of benign cases called benign) the default
/// benign/malignant policy accepts: [`ThresholdPolicy::MaxF2MinSpecificity`] with this value.
pub const DEFAULT_MIN_SPECIFICITY: f64 = 0.5;

/// How the decision threshold of a binary task is chosen, always on the validation set.
///
/// Spelled in settings and on the command line (`--threshold`) as [`ThresholdPolicy::setting`]
/// gives it: a number (`0.5`), `f2` (or `max-f2`), or `f2@spec0.5`. In `config.json` (serde):
/// `{"fixed": 0.5}`, `"max-f2"`, `{"max-f2-min-specificity": 0.5}`.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThresholdPolicy {
    /// A fixed threshold (0.5 by default).
    Fixed(f64),
    /// The threshold that maximises F2 on validation (recall counts twice as much as precision),
    /// unconstrained. Where the classes are hard to separate it often ends at the lowest score:
    /// every case called positive (malignant), whose F2 is the trivial `5p / (4p + 1)` at
    /// prevalence `p` ([`crate::metrics::f2_all_positive`]). The default before
    /// [`ThresholdPolicy::MaxF2MinSpecificity`]; configurations saved with it keep it.
    MaxF2,
    /// The threshold that maximises F2 on validation among those whose validation specificity
    /// is at least this minimum (in [0, 1]), so that it cannot silently become "everything
    /// malignant". When no threshold reaches the minimum, the fallback is the threshold with the
    /// highest specificity any threshold reaches, and among those the best F2
    /// ([`crate::metrics::best_threshold_min_specificity`]); the run's `metrics.json` says
    /// which happened (`threshold_policy.outcome`). The benign/malignant default, with
    /// [`DEFAULT_MIN_SPECIFICITY`].
    MaxF2MinSpecificity(f64),
}

impl ThresholdPolicy {
    /// F2 with validation specificity >= [`DEFAULT_MIN_SPECIFICITY`] for benign/malignant (a
    /// missed cancer costs most, but calling every case malignant is no model), 0.5 otherwise.
    pub fn default_for(task: Task) -> ThresholdPolicy {
        if task == Task::BenignMalignant {
            ThresholdPolicy::MaxF2MinSpecificity(DEFAULT_MIN_SPECIFICITY)
        } else {
            ThresholdPolicy::Fixed(0.5)
        }
    }

    /// From a setting: a number in [0, 1] (fixed), `f2` or `max-f2` (unconstrained maximum F2),
    /// `f2@specX` (maximum F2 with validation specificity >= X, X in [0, 1]; also written
    /// `f2@spec=X`, `max-f2@specX`, `f2@specificityX`).
    pub fn parse(s: &str) -> Result<ThresholdPolicy> {
        let v = s.trim().to_ascii_lowercase();
        let bad = |why: &str| {
            Error::invalid(
                "threshold",
                format!("'{}': {why}; expected a number in [0, 1], f2 (max F2) or f2@spec0.5 (max F2 with validation specificity >= 0.5)", s.trim()),
            )
        };
        if v == "f2" || v == "max-f2" {
            return Ok(ThresholdPolicy::MaxF2);
        }
        if let Some((head, tail)) = v.split_once('@') {
            if head != "f2" && head != "max-f2" {
                return Err(bad("unknown policy"));
            }
            let num = tail
                .strip_prefix("specificity")
                .or_else(|| tail.strip_prefix("spec"))
                .ok_or_else(|| bad("after '@' comes specX"))?;
            let num = num.strip_prefix('=').unwrap_or(num);
            return match num.parse::<f64>() {
                Ok(m) if (0.0..=1.0).contains(&m) => Ok(ThresholdPolicy::MaxF2MinSpecificity(m)),
                _ => Err(bad("the minimum specificity must be a number in [0, 1]")),
            };
        }
        match v.parse::<f64>() {
            Ok(t) if (0.0..=1.0).contains(&t) => Ok(ThresholdPolicy::Fixed(t)),
            _ => Err(bad("not a threshold policy")),
        }
    }

    /// The policy as a setting, the way [`ThresholdPolicy::parse`] reads it back: `0.5`, `f2`,
    /// `f2@spec0.5`.
    pub fn setting(&self) -> String {
        match self {
            ThresholdPolicy::Fixed(t) => format!("{t}"),
            ThresholdPolicy::MaxF2 => "f2".into(),
            ThresholdPolicy::MaxF2MinSpecificity(m) => format!("f2@spec{m}"),
        }
    }

    /// The policy in words, for reports and `metrics.json`.
    pub fn name(&self) -> String {
        match self {
            ThresholdPolicy::Fixed(t) => format!("fixed threshold {t}"),
            ThresholdPolicy::MaxF2 => {
                "max F2 on validation, unconstrained (may call every case positive)".into()
            }
            ThresholdPolicy::MaxF2MinSpecificity(m) => {
                format!("max F2 on validation with specificity >= {m}")
            }
        }
    }

    /// Whether the values are in range (parse checks text; this checks values set in code).
    pub fn validate(&self) -> Result<()> {
        match *self {
            ThresholdPolicy::Fixed(t) if !(0.0..=1.0).contains(&t) => crate::error::invalid(
                "threshold",
                format!("fixed threshold {t} must be in [0, 1]"),
            ),
            ThresholdPolicy::MaxF2MinSpecificity(m) if !(0.0..=1.0).contains(&m) => {
                crate::error::invalid(
                    "threshold",
                    format!("minimum specificity {m} must be in [0, 1]"),
                )
            }
            _ => Ok(()),
        }
    }
}

impl std::fmt::Display for ThresholdPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.setting())
    }
}

/// Early stopping: stop when the monitored validation metric has not improved for `patience`
/// epochs. The best epoch's weights are always the ones kept.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EarlyStopping {
    pub patience: usize,
}

/// Which validation metric picks the best epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Monitor {
    ValLoss,
    ValAuc,
}

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
    /// Hidden units of the MLP head of a pretrained model (seed: [512] or [512, 256]).
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
    /// Pretrained weights file (safetensors, torchvision names); default: data/weights/<model>.safetensors.
    pub weights: Option<PathBuf>,
    /// Convolutions of the scratch CNN and the Siamese tower in NHWC layout: speed only, the
    /// same model and weights (1.4-1.7x faster training on CPU, docs/PERFORMANCE.md). On by
    /// default; the frozen pretrained backbones always run NHWC, whatever it says. Configs saved before this
    /// option existed load with it off, as they ran.
    #[serde(default)]
    pub channels_last: bool,
    /// fp32, or bf16 compute with fp32 master weights (scratch CNN and Siamese tower).
    /// `None` (`auto`, the default for new configs): [`TrainConfig::precision_on`]. A run
    /// saves the precision it used ([`TrainConfig::resolved`]); configs saved before this
    /// option existed load as fp32, as they ran.
    #[serde(default = "fp32_setting")]
    pub precision: Option<crate::models::Precision>,
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

fn fp32_setting() -> Option<crate::models::Precision> {
    Some(crate::models::Precision::Fp32)
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
            data: crate::profile::data_dir(),
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
                .is_some_and(|p| p != crate::models::Precision::Fp32)
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
    /// `auto` [`crate::models::Precision::auto_for`] (scratch and Siamese models; the pretrained
    /// backbones always run fp32).
    pub fn precision_on(&self, device: tch::Device) -> crate::models::Precision {
        match (self.precision, self.model) {
            (Some(p), _) => p,
            (None, ModelKind::Scratch | ModelKind::Siamese) => {
                crate::models::Precision::auto_for(device)
            }
            (None, _) => crate::models::Precision::Fp32,
        }
    }

    /// This configuration with `auto` settings that change the arithmetic made concrete for the
    /// device it names: the precision ([`TrainConfig::precision_on`]). A run saves this, so that
    /// its `config.json` says how it was computed and a resumed or repeated run computes the same
    /// way. The device itself stays as written (`auto` picks CUDA when there is one).
    pub fn resolved(&self) -> Result<TrainConfig> {
        let mut c = self.clone();
        if c.precision.is_none() {
            let device = crate::device::parse_device(&c.device)?;
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
                    Some(crate::preprocess::Clahe::parse(v)?)
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
                crate::device::parse_device_name(v)?;
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
            "precision" => self.precision = crate::models::Precision::parse_setting(v)?,
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
    /// `quick` is sized from measured speed (docs/PROFILES.md): on 2 CPU cores the scratch CNN
    /// trains the whole course-size training set at ~11 s per epoch and the Siamese network at
    /// ~21 s. Mass vs calcification reaches a validation ROC AUC of ~0.86-0.89 after 8 epochs
    /// (test 0.84-0.87); benign vs malignant (SCRATCH_BM_V6's setup) sits at chance for its
    /// first epochs under RMSprop and reaches a validation AUC of ~0.70 by epoch 10 (test 0.66). Pretrained backbones run a frozen
    /// VGG16 / InceptionV3 forward and backward pass per image (the 1x1 adapter in front of
    /// them trains), ~10 images/s: 2 epochs on a few dozen patches (a walk-through of the
    /// method; its numbers need `full`).
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
mod tests {
    use super::*;
    use crate::models::Precision;

    #[test]
    fn layout_and_precision_are_settable_and_checked() {
        let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
        // Channels-last is the default (the faster layout), auto the default precision.
        assert!(c.channels_last && c.precision.is_none());
        c.set("channels-last", "false").unwrap();
        assert!(!c.channels_last);
        c.set("channels-last", "true").unwrap();
        c.set("precision", "BF16").unwrap();
        assert!(c.channels_last && c.precision == Some(Precision::Bf16));
        c.validate().unwrap();
        let e = c.set("precision", "fp8").unwrap_err().to_string();
        assert!(e.contains("precision") && e.contains("fp8"), "{e}");
        c.set("precision", "Auto").unwrap();
        assert_eq!(c.precision, None);
        c.set("precision", "fp32").unwrap();
        assert_eq!(c.precision, Some(Precision::Fp32));
        // Pretrained backbones choose their own layout and run float32: the layout default does
        // not stop them, asking for bf16 is an error, not ignored.
        let mut v = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, Profile::Smoke);
        v.validate().unwrap();
        v.set("precision", "bf16").unwrap();
        let e = v.validate().unwrap_err().to_string();
        assert!(e.contains("vgg16") || e.contains("VGG"), "{e}");
        // ... while auto is fine: it means fp32 for them on every device.
        v.set("precision", "auto").unwrap();
        v.validate().unwrap();
    }

    #[test]
    fn auto_precision_follows_the_hardware_and_a_run_saves_what_it_used() {
        use tch::Device;
        let bf16_cpu = crate::device::cpu_bf16_units().is_some();
        let cpu_auto = if bf16_cpu {
            Precision::Bf16
        } else {
            Precision::Fp32
        };
        assert_eq!(Precision::auto_for(Device::Cpu), cpu_auto);
        // Not measured on CUDA yet: fp32 there.
        assert_eq!(Precision::auto_for(Device::Cuda(0)), Precision::Fp32);
        let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
        c.device = "cpu".into();
        assert_eq!(c.precision_on(Device::Cpu), cpu_auto);
        let s = TrainConfig::new(Task::Siamese, ModelKind::Siamese, Profile::Smoke);
        assert_eq!(s.precision_on(Device::Cpu), cpu_auto);
        for m in [ModelKind::Vgg16, ModelKind::InceptionV3] {
            let v = TrainConfig::new(Task::MassCalc, m, Profile::Smoke);
            assert_eq!(v.precision_on(Device::Cpu), Precision::Fp32, "{m:?}");
        }
        // What a set precision says wins over the hardware.
        c.precision = Some(Precision::Fp32);
        assert_eq!(c.precision_on(Device::Cpu), Precision::Fp32);
        // resolved() makes auto concrete, changes nothing else, and is idempotent.
        c.precision = None;
        let r = c.resolved().unwrap();
        assert_eq!(r.precision, Some(cpu_auto));
        let mut back = r.clone();
        back.precision = None;
        assert_eq!(back, c);
        assert_eq!(r.resolved().unwrap(), r);
        // A set precision survives a JSON round trip; auto is saved as null.
        let j = serde_json::to_value(&c).unwrap();
        assert!(j["precision"].is_null(), "{j}");
        assert_eq!(serde_json::from_value::<TrainConfig>(j).unwrap(), c);
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["precision"], cpu_auto.name());
        // A saved run matches its auto configuration, whatever it resolved to, and a set
        // precision only itself.
        let mut other = r.clone();
        other.precision = Some(if cpu_auto == Precision::Bf16 {
            Precision::Fp32
        } else {
            Precision::Bf16
        });
        assert!(c.matches_saved(&r) && c.matches_saved(&other));
        assert!(r.matches_saved(&r) && !r.matches_saved(&other));
        let mut lr = r.clone();
        lr.lr *= 2.0;
        assert!(!c.matches_saved(&lr));
        // An impossible device is an error naming it, not a silent fallback.
        c.device = "cuda:7".into();
        if !tch::Cuda::is_available() {
            let e = c.resolved().unwrap_err().to_string();
            assert!(e.contains("cuda:7"), "{e}");
        }
    }

    #[test]
    fn threshold_policies_parse_print_and_survive_json() {
        use ThresholdPolicy::*;
        let cases = [
            ("f2", MaxF2),
            ("max-f2", MaxF2),
            (" F2 ", MaxF2),
            ("f2@spec0.5", MaxF2MinSpecificity(0.5)),
            ("f2@spec=0.7", MaxF2MinSpecificity(0.7)),
            ("max-f2@specificity0.25", MaxF2MinSpecificity(0.25)),
            ("f2@spec1", MaxF2MinSpecificity(1.0)),
            ("0.5", Fixed(0.5)),
            ("0", Fixed(0.0)),
        ];
        for (text, want) in cases {
            let p = ThresholdPolicy::parse(text).unwrap();
            assert_eq!(p, want, "{text}");
            // The setting reads back as the same policy.
            assert_eq!(ThresholdPolicy::parse(&p.setting()).unwrap(), p);
            let j = serde_json::to_string(&p).unwrap();
            assert_eq!(serde_json::from_str::<ThresholdPolicy>(&j).unwrap(), p);
        }
        assert_eq!(MaxF2MinSpecificity(0.5).setting(), "f2@spec0.5");
        assert_eq!(MaxF2MinSpecificity(0.5).to_string(), "f2@spec0.5");
        assert_eq!(MaxF2.setting(), "f2");
        assert_eq!(Fixed(0.5).setting(), "0.5");
        assert!(MaxF2MinSpecificity(0.5)
            .name()
            .contains("specificity >= 0.5"));
        assert!(MaxF2.name().contains("unconstrained"));
        // config.json spellings: the old ones unchanged, the new one beside them.
        assert_eq!(serde_json::to_string(&MaxF2).unwrap(), r#""max-f2""#);
        assert_eq!(
            serde_json::to_string(&Fixed(0.5)).unwrap(),
            r#"{"fixed":0.5}"#
        );
        assert_eq!(
            serde_json::to_string(&MaxF2MinSpecificity(0.5)).unwrap(),
            r#"{"max-f2-min-specificity":0.5}"#
        );
        for bad in [
            "f3",
            "f2@spec",
            "f2@spec1.5",
            "f2@spec-0.1",
            "f2@0.5",
            "f1@spec0.5",
            "1.2",
        ] {
            let e = ThresholdPolicy::parse(bad).unwrap_err().to_string();
            assert!(
                e.contains("threshold") && e.contains("f2@spec0.5"),
                "{bad}: {e}"
            );
        }
        let mut c = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
        c.threshold = MaxF2MinSpecificity(f64::NAN);
        assert!(c.validate().is_err());
        c.threshold = Fixed(2.0);
        assert!(c.validate().is_err());
        c.set("threshold", "f2@spec0.6").unwrap();
        c.validate().unwrap();
        assert_eq!(c.threshold, MaxF2MinSpecificity(0.6));
    }

    #[test]
    fn benign_malignant_defaults_to_constrained_f2_and_old_configs_keep_max_f2() {
        let new = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
        assert_eq!(
            new.threshold,
            ThresholdPolicy::MaxF2MinSpecificity(DEFAULT_MIN_SPECIFICITY)
        );
        assert_eq!(
            ThresholdPolicy::default_for(Task::MassCalc),
            ThresholdPolicy::Fixed(0.5)
        );
        // A config.json written before the new policy, as saved: "threshold": "max-f2".
        let mut j = serde_json::to_value(new.resolved().unwrap()).unwrap();
        j["threshold"] = serde_json::json!("max-f2");
        let text = serde_json::to_string_pretty(&j).unwrap();
        assert!(text.contains(r#""threshold": "max-f2""#), "{text}");
        let old: TrainConfig = serde_json::from_str(&text).unwrap();
        assert_eq!(
            old.threshold,
            ThresholdPolicy::MaxF2,
            "old runs keep their policy"
        );
        // So a new default configuration is not that run (its threshold would be chosen
        // otherwise) ...
        assert!(!new.matches_saved(&old));
        // ... while one asking for the old policy is, and equal configurations still match.
        let mut asks_old = new.clone();
        asks_old.set("threshold", "f2").unwrap();
        assert!(asks_old.matches_saved(&old));
        let saved_new: TrainConfig =
            serde_json::from_value(serde_json::to_value(new.resolved().unwrap()).unwrap()).unwrap();
        assert!(new.matches_saved(&saved_new));
    }

    #[test]
    fn configs_saved_before_these_options_still_load() {
        // Such a config ran NCHW float32, and loads so.
        let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
        c.channels_last = false;
        let mut j = serde_json::to_value(&c).unwrap();
        let o = j.as_object_mut().unwrap();
        o.remove("channels_last");
        o.remove("precision");
        let back: TrainConfig = serde_json::from_value(j).unwrap();
        c.precision = Some(Precision::Fp32);
        assert_eq!(back, c);
    }
}
