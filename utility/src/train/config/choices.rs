//! The closed choices of a configuration: the network, the optimizer, the threshold policy and
//! early stopping.
use crate::data::tasks::Task;
use crate::error::{Error, Result};
use crate::models::backbones::BackboneKind;

/// Which network, by the name the settings and the CLI use (`--model`).
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
    /// The backbone of a pretrained model (`None` for the scratch and Siamese models).
    pub fn backbone(self) -> Option<BackboneKind> {
        match self {
            ModelKind::Vgg16 => Some(BackboneKind::Vgg16),
            ModelKind::InceptionV3 => Some(BackboneKind::InceptionV3),
            ModelKind::Scratch | ModelKind::Siamese => None,
        }
    }
    /// The model that trains a pretrained `backbone` with a head.
    pub fn of_backbone(backbone: BackboneKind) -> ModelKind {
        match backbone {
            BackboneKind::Vgg16 => ModelKind::Vgg16,
            BackboneKind::InceptionV3 => ModelKind::InceptionV3,
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

impl Monitor {
    /// `val_loss` (or `loss`), `val_auc` (or `auc`).
    pub fn parse(s: &str) -> Result<Monitor> {
        match s.trim() {
            "val_loss" | "loss" | "val-loss" => Ok(Monitor::ValLoss),
            "val_auc" | "auc" | "val-auc" => Ok(Monitor::ValAuc),
            o => crate::error::invalid("monitor", format!("'{o}': expected val_loss or val_auc")),
        }
    }
}
