//! The one place where `key=value` settings become a [`TrainConfig`]: the `mammo train` flags,
//! sweep grids and notebook cells all go through [`TrainConfig::set`] and
//! [`TrainConfig::from_settings`]. Keys are flat (`lr`, `cut`, `augment`), whatever group the
//! value lives in; `-` and `_` are alike.
use super::*;
use crate::error::Error;

impl TrainConfig {
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
        "test_holdout",
        "patience",
        "monitor",
        "threshold",
        "weights",
        "channels_last",
        "precision",
        "micro_batch",
    ];

    /// Keys that only the pretrained models have ([`PretrainedSpec`]); setting one for the
    /// scratch CNN or the Siamese network is an error.
    pub const PRETRAINED_KEYS: &'static [&'static str] = &["cut", "adapter", "head", "weights"];

    /// Set one hyper-parameter from text, as the CLI flags and sweep grids give it
    /// (`set("lr", "1e-4")`, `set("augment", "flip,rot90")`, `set("head", "512,256")`).
    /// Unknown keys, bad values and settings the model does not have (a cut for the scratch
    /// CNN) are errors naming the key; call [`TrainConfig::validate`] once all are set.
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
        if Self::PRETRAINED_KEYS.contains(&key_n.as_str()) {
            let model_name = self.model.name();
            let p = self.model.pretrained_mut().ok_or_else(|| {
                Error::invalid(
                    &key_n,
                    format!(
                        "'{v}': {key_n} applies to the pretrained models (vgg16, inception-v3), \
                         not {model_name}"
                    ),
                )
            })?;
            return set_pretrained(p, &key_n, v);
        }
        let (d, o, r) = (&mut self.data, &mut self.optim, &mut self.runtime);
        match key_n.as_str() {
            "name" => self.name = v.to_string(),
            "data" => d.dir = PathBuf::from(v),
            "dropout" => {
                let rate = if none(v) { None } else { Some(num("dropout")?) };
                self.model.set_dropout(rate)
            }
            "l2" => o.l2 = num("l2")?,
            "optimizer" => o.optimizer = OptimizerKind::parse(v)?,
            "lr" | "learning_rate" => o.lr = num("learning rate")?,
            "batch_size" => o.batch_size = count("batch size")?,
            "epochs" => o.epochs = count("epochs")?,
            "augment" => d.augment = Augment::parse(v)?,
            "same_transform" | "pair_same_transform" => {
                d.pair_same_transform = flag("same_transform")?
            }
            "contrast" => {
                d.preprocess.contrast = if none(v) {
                    None
                } else {
                    Some(num("contrast")? as f32)
                }
            }
            "clahe" => {
                d.preprocess.clahe = if none(v) {
                    None
                } else {
                    Some(crate::transforms::intensity::Clahe::parse(v)?)
                }
            }
            "balance" => d.balance = Balance::parse(v)?,
            "class_weights" => o.class_weights = flag("class_weights")?,
            "seed" => {
                r.seed = v.parse::<u64>().map_err(|_| {
                    Error::invalid("seed", format!("'{v}' is not a whole number >= 0"))
                })?
            }
            "device" => r.device = DeviceChoice::parse(v)?,
            "val_fraction" => d.val_fraction = num("validation fraction")?,
            "test_holdout" => d.test_holdout = num("test hold-out")?,
            "patience" => {
                o.early_stopping = if none(v) {
                    None
                } else {
                    Some(EarlyStopping {
                        patience: count("patience")?,
                    })
                }
            }
            "monitor" => o.monitor = Monitor::parse(v)?,
            "threshold" => o.threshold = ThresholdPolicy::parse(v)?,
            "channels_last" => r.channels_last = flag("channels_last")?,
            "precision" => r.precision = Precision::parse_setting(v)?,
            "micro_batch" => {
                r.micro_batch = if v.eq_ignore_ascii_case("auto") {
                    None
                } else {
                    Some(count("micro-batch")?)
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

    /// The configuration as one level of fields named as the settings name them (`lr`, `cut`,
    /// `augment`, `dir` for the data folder; the model's kind and backbone both as `model`),
    /// with their `config.json` values: what comparisons list when two runs differ. `None` if it
    /// cannot be serialised.
    pub fn flat_fields(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        let v = serde_json::to_value(self).ok()?;
        let mut out = serde_json::Map::new();
        for (k, v) in v.as_object()? {
            if k == "provenance" {
                continue;
            }
            match v.as_object() {
                Some(group) => {
                    for (sk, sv) in group {
                        let key = match (k.as_str(), sk.as_str()) {
                            ("model", "kind") if sv != "pretrained" => "model",
                            ("model", "kind") => continue,
                            ("model", "backbone") => "model",
                            (_, sk) => sk,
                        };
                        out.insert(key.to_string(), sv.clone());
                    }
                }
                None => {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
        Some(out)
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
}

/// A setting of [`TrainConfig::PRETRAINED_KEYS`] on a pretrained model's spec.
fn set_pretrained(p: &mut PretrainedSpec, key: &str, v: &str) -> Result<()> {
    let none = v.is_empty() || v.eq_ignore_ascii_case("none");
    match key {
        "cut" => p.cut = p.backbone.parse_cut(v)?,
        "adapter" => p.adapter = Adapter::parse(v)?,
        "head" if none => p.head = Vec::new(),
        "head" => {
            p.head = v
                .split(',')
                .map(|x| {
                    x.trim().parse::<i64>().map_err(|_| {
                        Error::invalid("head", format!("'{v}': expected numbers like 512,256"))
                    })
                })
                .collect::<Result<Vec<i64>>>()?
        }
        "weights" => p.weights = (!none).then(|| PathBuf::from(v)),
        _ => {
            return crate::error::invalid("setting", format!("'{key}' is not a pretrained setting"))
        }
    }
    Ok(())
}
