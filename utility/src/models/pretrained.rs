//! Pretrained backbones as frozen feature extractors (seed §5): a 1->3 channel adapter
//! (replicate, or a trainable 1x1 convolution), a frozen VGG16 or InceptionV3 cut at a named
//! level ([`crate::models::backbones`]), and a trainable MLP head (flatten -> dense [-> dense] -> out).
use super::backbones::{self, Backbone, BackboneKind, Cut, IMAGENET_MEAN, IMAGENET_STD};
use super::featcache;
use super::summary::{LayerRow, Summary};
use crate::display::notice;
use crate::error::{Error, Result};
use crate::runtime::precision::Precision;
use crate::runtime::profile::project_root;
use std::path::{Path, PathBuf};
use tch::nn::{self, Module};
use tch::{Device, Kind, Tensor};

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

/// What a pretrained model is made of: the backbone and its cut, the 1->3 channel adapter, the
/// head's hidden layers and dropout, and the weights file (`None`: the default file when present,
/// else random initialisation). It is the `model` of a training configuration that trains a
/// pretrained model (`ModelConfig::Pretrained`), saved in its `config.json`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PretrainedSpec {
    pub backbone: BackboneKind,
    /// Where the backbone is cut (seed: `top`, VGG16 `block5`, InceptionV3 `top+1`, `top+2`).
    pub cut: Cut,
    pub adapter: Adapter,
    /// Hidden units of the MLP head (seed: `[512]` or `[512, 256]`).
    pub head: Vec<i64>,
    /// Dropout between the head's layers (`None`: none).
    pub dropout: Option<f64>,
    /// Weights file (safetensors, torchvision names); `None`: `data/weights/<backbone>.safetensors`
    /// when present, else random initialisation.
    pub weights: Option<PathBuf>,
}

impl PretrainedSpec {
    /// The seed's defaults for `backbone`: the whole backbone (`top`), the replicate adapter, a
    /// 512-unit head without dropout, the default weights file.
    pub fn new(backbone: BackboneKind) -> PretrainedSpec {
        PretrainedSpec {
            backbone,
            cut: Cut::Top,
            adapter: Adapter::Replicate,
            head: vec![512],
            dropout: None,
            weights: None,
        }
    }

    /// The weights a model of this spec loads on this machine: the file it names, else the
    /// default file when present (`data/weights/<backbone>.safetensors`), else none (random).
    pub fn weights_source(&self) -> WeightsSource {
        match &self.weights {
            Some(w) => WeightsSource::File(w.clone()),
            None => backbones::find_default_weights(project_root(), self.backbone)
                .map_or(WeightsSource::Random, WeightsSource::File),
        }
    }
}

/// Where a backbone's weights came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsSource {
    /// ImageNet weights loaded from this file.
    File(PathBuf),
    /// No weights file: random initialisation (frozen random features).
    Random,
}

/// Which backbone weights a run used, as its `metrics.json` records them (`weights`) and the
/// experiment table shows them (`weights` column, [`WeightsRecord::label`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "source", rename_all = "kebab-case")]
pub enum WeightsRecord {
    /// ImageNet weights loaded from a file.
    File {
        /// The file as the run found it.
        path: PathBuf,
        /// Its size in bytes.
        bytes: u64,
        /// SHA-256 of its content (64 hex digits).
        sha256: String,
    },
    /// No weights file was found: a randomly initialised, frozen backbone.
    Random,
}

/// Hex digits of the SHA-256 shown by [`WeightsRecord::label`].
pub const SHA256_LABEL_DIGITS: usize = 12;

impl WeightsRecord {
    /// Record `source`: the file's size and SHA-256 ([`crate::fsx::sha256_cached`]: a file is
    /// hashed once per process, ~1-2 s for VGG16's 528 MB).
    pub fn of(source: &WeightsSource) -> Result<WeightsRecord> {
        match source {
            WeightsSource::Random => Ok(WeightsRecord::Random),
            WeightsSource::File(p) => {
                let bytes = std::fs::metadata(p).map_err(|e| Error::io(p, e))?.len();
                Ok(WeightsRecord::File {
                    path: p.clone(),
                    bytes,
                    sha256: crate::fsx::sha256_cached(p)?,
                })
            }
        }
    }

    /// Short form: `vgg16.safetensors sha256:0123456789ab`, or `random initialisation`.
    pub fn label(&self) -> String {
        match self {
            WeightsRecord::Random => "random initialisation".into(),
            WeightsRecord::File { path, sha256, .. } => format!(
                "{} sha256:{}",
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| path.display().to_string()),
                sha256.get(..SHA256_LABEL_DIGITS).unwrap_or(sha256)
            ),
        }
    }
}

/// A frozen pretrained backbone under a trainable adapter and MLP head.
#[derive(Debug)]
pub struct PretrainedNet {
    pub backbone: Backbone,
    adapter: Option<nn::Conv2D>,
    head: Vec<nn::Linear>,
    out: nn::Linear,
    dropout: f64,
    pub weights: WeightsSource,
    hidden: Vec<i64>,
    n_out: i64,
    /// Identity of the frozen backbone in the feature cache ([`crate::models::featcache`]).
    cache_id: u64,
}

/// Say loudly, in a notebook or on stderr, when the ImageNet weights files are missing.
pub fn weights_notice(root: &Path) {
    for kind in [BackboneKind::Vgg16, BackboneKind::InceptionV3] {
        if backbones::find_default_weights(root, kind).is_none() {
            notice(&format!(
                "{} ImageNet weights not found at {}: the backbone runs with RANDOM weights (frozen random features), \
                 so its results say nothing about transfer learning. Put torchvision's {} in the torch hub cache \
                 (~/.cache/torch/hub/checkpoints) or run `mammo weights import FILE` (docs/WEIGHTS.md).",
                kind.name(),
                backbones::default_weights_path(root, kind).display(),
                backbones::torchvision::torchvision_file_name(kind)
            ));
        }
    }
}

/// The backbone's identity in the feature cache: kind, cut, precision and weights.
fn cache_id(backbone: &Backbone) -> Result<u64> {
    featcache::model_id(
        &format!(
            "{} {} {}",
            backbone.kind().name(),
            backbone.cut(),
            backbone.precision().name()
        ),
        backbone.var_store(),
    )
}

impl PretrainedNet {
    /// Compute the frozen backbone's features in `precision` (the head stays float32): see
    /// [`Backbone::set_precision`]. Features cached in another precision are not reused.
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        if precision != self.backbone.precision() {
            self.backbone.set_precision(precision)?;
            self.cache_id = cache_id(&self.backbone)?;
        }
        Ok(())
    }

    pub fn new(
        p: &nn::Path,
        spec: &PretrainedSpec,
        n_out: i64,
        device: Device,
    ) -> Result<PretrainedNet> {
        let (kind, cut) = (spec.backbone, spec.cut);
        let mut backbone = Backbone::new(kind, cut, device)?;
        let weights = match spec.weights_source() {
            WeightsSource::File(w) => {
                backbone.load_safetensors(&w)?;
                WeightsSource::File(w)
            }
            WeightsSource::Random => {
                notice(&format!(
                    "{}: no ImageNet weights file ({}); using a RANDOMLY initialised, frozen backbone",
                    kind.name(),
                    backbones::default_weights_path(project_root(), kind).display()
                ));
                WeightsSource::Random
            }
        };
        let cache_id = cache_id(&backbone)?;
        let adapter = match spec.adapter {
            Adapter::Replicate => None,
            Adapter::Conv1x1 => Some(nn::conv2d(p / "adapter", 1, 3, 1, Default::default())),
        };
        let (c, h, w) = backbone.output_shape()?;
        let mut din = c * h * w;
        let mut head = Vec::new();
        for (i, &u) in spec.head.iter().enumerate() {
            head.push(nn::linear(
                p / format!("head{i}"),
                din,
                u,
                Default::default(),
            ));
            din = u;
        }
        let out = nn::linear(p / "out", din, n_out, Default::default());
        Ok(PretrainedNet {
            backbone,
            adapter,
            head,
            out,
            dropout: spec.dropout.unwrap_or(0.0),
            weights,
            hidden: spec.head.clone(),
            n_out,
            cache_id,
        })
    }

    /// Backbone features of patches `[B, 1, H, W]` in [0, 1] (through the adapter).
    pub fn features(&self, x: &Tensor) -> Result<Tensor> {
        match &self.adapter {
            // Replicated channels into a frozen backbone: the features depend on the image
            // alone, and are computed once per image and process (crate::models::featcache).
            None => tch::no_grad(|| {
                featcache::features(self.cache_id, x, |s| self.backbone.features(s))
            }),
            Some(a) => {
                let y = a.forward(x);
                let dev = y.device();
                let mean = Tensor::from_slice(&IMAGENET_MEAN.map(|m| m as f32))
                    .view([1, 3, 1, 1])
                    .to_device(dev);
                let std = Tensor::from_slice(&IMAGENET_STD.map(|s| s as f32))
                    .view([1, 3, 1, 1])
                    .to_device(dev);
                self.backbone.f_forward(&((y - mean) / std))
            }
        }
    }

    /// Logits from already computed backbone features.
    pub fn head_forward(&self, feats: &Tensor, train: bool) -> Tensor {
        let mut h = feats.flatten(1, -1);
        for l in &self.head {
            h = l.forward(&h).relu().dropout(self.dropout, train);
        }
        h.apply(&self.out)
    }

    /// Logits `[B, n_out]`.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Result<Tensor> {
        let f = self.features(&x.to_kind(Kind::Float))?;
        Ok(self.head_forward(&f, train))
    }

    pub fn summary(&self) -> Summary {
        let (c, h, w) = self.backbone.output_shape().unwrap_or((0, 0, 0));
        let mut rows = Vec::new();
        if self.adapter.is_some() {
            rows.push(LayerRow {
                name: "adapter".into(),
                kind: "Conv2D 1x1".into(),
                output_shape: "(None, 150, 150, 3)".into(),
                params: 6,
                trainable: true,
            });
        } else {
            rows.push(LayerRow {
                name: "replicate".into(),
                kind: "Concatenate".into(),
                output_shape: "(None, 150, 150, 3)".into(),
                params: 0,
                trainable: true,
            });
        }
        let kind = self.backbone.kind();
        let source = match &self.weights {
            WeightsSource::File(_) => "ImageNet",
            WeightsSource::Random => "random init",
        };
        rows.push(LayerRow {
            name: format!("{} cut {} [{source}]", kind.name(), self.backbone.cut()),
            kind: "Functional".into(),
            output_shape: format!("(None, {h}, {w}, {c})"),
            params: self.backbone.num_params(),
            trainable: false,
        });
        rows.push(LayerRow {
            name: "flatten".into(),
            kind: "Flatten".into(),
            output_shape: format!("(None, {})", c * h * w),
            params: 0,
            trainable: true,
        });
        let mut din = c * h * w;
        for (i, &u) in self.hidden.iter().enumerate() {
            rows.push(LayerRow {
                name: format!("head{i}"),
                kind: "Dense".into(),
                output_shape: format!("(None, {u})"),
                params: din * u + u,
                trainable: true,
            });
            din = u;
        }
        rows.push(LayerRow {
            name: "out".into(),
            kind: "Dense".into(),
            output_shape: format!("(None, {})", self.n_out),
            params: din * self.n_out + self.n_out,
            trainable: true,
        });
        Summary {
            model: kind.name().into(),
            rows,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_record_names_the_file_and_its_hash_or_random() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("vgg16.safetensors");
        std::fs::write(&p, b"abc").unwrap();
        let r = WeightsRecord::of(&WeightsSource::File(p.clone())).unwrap();
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(
            r,
            WeightsRecord::File {
                path: p.clone(),
                bytes: 3,
                sha256: sha.into()
            }
        );
        assert_eq!(r.label(), "vgg16.safetensors sha256:ba7816bf8f01");
        let j = serde_json::to_value(&r).unwrap();
        assert_eq!(j["source"], "file");
        assert_eq!(j["sha256"], sha);
        assert_eq!(serde_json::from_value::<WeightsRecord>(j).unwrap(), r);
        let random = WeightsRecord::of(&WeightsSource::Random).unwrap();
        assert_eq!(random.label(), "random initialisation");
        assert_eq!(
            serde_json::to_value(&random).unwrap(),
            serde_json::json!({"source": "random"})
        );
        // A file that vanished is an error naming it, not a panic.
        let gone = dir.path().join("gone.safetensors");
        let e = WeightsRecord::of(&WeightsSource::File(gone))
            .unwrap_err()
            .to_string();
        assert!(e.contains("gone.safetensors"), "{e}");
    }
}
