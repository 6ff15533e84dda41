//! Reading `config.json` in both formats: the grouped one [`TrainConfig`] writes, and the flat
//! one of mammo 0.1 (one list of fields: `"task"`, `"model": "vgg16"`, `"cut": "top"`,
//! `"device": "auto"`, ...), so that runs saved before the groups existed are still found,
//! compared ([`TrainConfig::matches_saved`]) and reused. A flat file becomes the grouped
//! configuration it ran as; the settings a model did not use (a cut or head on the scratch CNN)
//! are dropped, as they were ignored when it ran. Examples of the flat format, as 0.1 wrote them,
//! are committed under `tests/fixtures/configs/` and loaded by the tests.
use super::*;
use crate::error::Error;

/// A `config.json` in either format; the grouped one is recognised by its `"data"` object.
pub(super) enum AnyFormat {
    Grouped(Box<Grouped>),
    Flat(Box<Flat>),
}

impl<'de> serde::Deserialize<'de> for AnyFormat {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        use serde::de::Error as _;
        let v = serde_json::Value::deserialize(d)?;
        if v.get("data").is_some_and(|d| d.is_object()) {
            serde_json::from_value(v)
                .map(|g| AnyFormat::Grouped(Box::new(g)))
                .map_err(D::Error::custom)
        } else {
            serde_json::from_value(v)
                .map(|f| AnyFormat::Flat(Box::new(f)))
                .map_err(|e| {
                    D::Error::custom(format!("{e} (a config.json of mammo 0.1's flat format)"))
                })
        }
    }
}

impl TryFrom<AnyFormat> for TrainConfig {
    type Error = Error;
    fn try_from(f: AnyFormat) -> Result<TrainConfig> {
        match f {
            AnyFormat::Grouped(g) => Ok(TrainConfig {
                name: g.name,
                data: g.data,
                model: g.model,
                optim: g.optim,
                runtime: g.runtime,
                provenance: g.provenance,
            }),
            AnyFormat::Flat(f) => f.into_grouped(),
        }
    }
}

/// The grouped format, field for field (what `#[derive(Deserialize)]` on [`TrainConfig`] would
/// read, were it not also reading the flat one).
#[derive(serde::Deserialize)]
pub(super) struct Grouped {
    name: String,
    data: DataConfig,
    model: ModelConfig,
    optim: OptimConfig,
    runtime: RuntimeConfig,
    #[serde(default)]
    provenance: Option<Provenance>,
}

/// mammo 0.1's flat `config.json`, with the defaults its later fields had for files written
/// before them.
#[derive(serde::Deserialize)]
pub(super) struct Flat {
    name: String,
    data: PathBuf,
    task: Task,
    model: ModelKind,
    cut: Option<String>,
    adapter: Adapter,
    head: Vec<i64>,
    dropout: Option<f64>,
    l2: f64,
    optimizer: OptimizerKind,
    lr: f64,
    batch_size: usize,
    epochs: usize,
    augment: Augment,
    pair_same_transform: bool,
    preprocess: Preprocess,
    balance: Balance,
    class_weights: bool,
    seed: u64,
    device: String,
    profile: Profile,
    val_fraction: f64,
    early_stopping: Option<EarlyStopping>,
    monitor: Monitor,
    threshold: ThresholdPolicy,
    weights: Option<PathBuf>,
    /// Before this option existed runs were NCHW.
    #[serde(default)]
    channels_last: bool,
    /// ... and float32,
    #[serde(default = "fp32_setting")]
    precision: Option<Precision>,
    /// ... and the whole batch at once.
    #[serde(default = "whole_batch")]
    micro_batch: Option<usize>,
}

fn whole_batch() -> Option<usize> {
    Some(0)
}

fn fp32_setting() -> Option<Precision> {
    Some(Precision::Fp32)
}

impl Flat {
    fn into_grouped(self) -> Result<TrainConfig> {
        let model = match self.model.backbone() {
            None => {
                let mut m = ModelConfig::new(self.model);
                m.set_dropout(self.dropout);
                m
            }
            Some(backbone) => ModelConfig::Pretrained(PretrainedSpec {
                backbone,
                cut: backbone.parse_cut(self.cut.as_deref().unwrap_or("top"))?,
                adapter: self.adapter,
                head: self.head,
                dropout: self.dropout,
                weights: self.weights,
            }),
        };
        Ok(TrainConfig {
            name: self.name,
            data: DataConfig {
                dir: self.data,
                task: self.task,
                val_fraction: self.val_fraction,
                balance: self.balance,
                preprocess: self.preprocess,
                augment: self.augment,
                pair_same_transform: self.pair_same_transform,
                test_holdout: super::DEFAULT_TEST_HOLDOUT,
                classes: Vec::new(),
            },
            model,
            optim: OptimConfig {
                optimizer: self.optimizer,
                lr: self.lr,
                l2: self.l2,
                batch_size: self.batch_size,
                epochs: self.epochs,
                class_weights: self.class_weights,
                early_stopping: self.early_stopping,
                monitor: self.monitor,
                threshold: self.threshold,
            },
            runtime: RuntimeConfig {
                seed: self.seed,
                device: DeviceChoice::parse(&self.device)?,
                profile: self.profile,
                channels_last: self.channels_last,
                precision: self.precision,
                micro_batch: self.micro_batch,
            },
            provenance: None,
        })
    }
}
