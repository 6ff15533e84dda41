//! The classifier of a run: the network its configuration names (scratch CNN, Siamese network,
//! or a pretrained backbone with a head), built on a device, with its forward pass and summary.
use super::config::{ModelConfig, TrainConfig};
use crate::data::batch::make_batch;
use crate::data::dataset::PairedSet;
use crate::data::tasks::{Sample, Task};
use crate::error::{Error, Result};
use crate::models::pretrained::PretrainedNet;
use crate::models::{Network, ScratchCnn, ScratchConfig, SiameseConfig, SiameseNet, Summary};
use crate::transforms::augment::Augment;
use std::path::Path;
use tch::{nn, Device, Kind, Tensor};
/// The network of a run.
/// A model and its weights: what `fit` trains and `predict` uses. Persists between cells.
#[derive(Debug)]
pub struct Classifier {
    pub vs: nn::VarStore,
    /// The network, whatever its kind ([`Network`]).
    pub net: Box<dyn Network>,
    pub task: Task,
    pub device: Device,
}

impl Classifier {
    /// Build the model a configuration describes (weights randomly initialised from the seed;
    /// pretrained backbones load their weights).
    pub fn build(cfg: &TrainConfig, device: Device) -> Result<Classifier> {
        crate::runtime::device::flush_denormals();
        tch::manual_seed(cfg.runtime.seed as i64);
        let vs = nn::VarStore::new(device);
        let n_out = if cfg.data.task.n_classes() == 2 {
            1
        } else {
            cfg.data.task.n_classes() as i64
        };
        let mut net: Box<dyn Network> = match &cfg.model {
            ModelConfig::Scratch { dropout } => Box::new(ScratchCnn::new(
                &vs.root(),
                &ScratchConfig {
                    n_out,
                    dropout: dropout.unwrap_or(0.0),
                    ..Default::default()
                },
            )?),
            ModelConfig::Siamese { dropout } => Box::new(SiameseNet::new(
                &vs.root(),
                &SiameseConfig {
                    n_out,
                    dropout: dropout.unwrap_or(0.4),
                    ..Default::default()
                },
            )?),
            ModelConfig::Pretrained(_) => Box::new(PretrainedNet::new(
                &vs.root(),
                &cfg.pretrained_spec()?,
                n_out,
                device,
            )?),
        };
        let compute = crate::runtime::precision::Compute {
            channels_last: cfg.runtime.channels_last,
            precision: cfg.precision_on(device),
        };
        net.set_compute(compute)?;
        Ok(Classifier {
            vs,
            net,
            task: cfg.data.task,
            device,
        })
    }

    /// Logits `[B, n_out]` of a batch of abnormality patches (and baselines for pairs).
    pub fn logits(&self, x: &Tensor, baseline: Option<&Tensor>, train: bool) -> Result<Tensor> {
        self.net.logits(x, baseline, train)
    }

    /// Keras-style summary.
    pub fn summary(&self) -> Summary {
        self.net.summary()
    }

    /// The L2 penalty of the dense weights (Keras `kernel_regularizer`).
    pub(crate) fn l2_penalty(&self, l2: f64) -> Option<Tensor> {
        if l2 <= 0.0 {
            return None;
        }
        let vars = self.vs.variables();
        let mut names: Vec<&String> = vars
            .keys()
            .filter(|k| k.ends_with("weight") && is_dense_name(k))
            .collect();
        names.sort();
        let mut total: Option<Tensor> = None;
        for n in names {
            let s = vars[n].square().sum(Kind::Float);
            total = Some(match total {
                Some(t) => t + s,
                None => s,
            });
        }
        total.map(|t| t * l2)
    }

    /// Probabilities for samples: binary tasks give P(class 1) per sample; the 4-class task gives
    /// `n_classes` values per sample (row-major). No gradients, eval mode, large batches.
    pub fn predict(
        &self,
        set: &PairedSet,
        samples: &[Sample],
        batch_size: usize,
        tta: Option<&Augment>,
    ) -> Result<Vec<f64>> {
        let _g = tch::no_grad_guard();
        let mut out = Vec::with_capacity(samples.len());
        for chunk in samples.chunks(batch_size.max(1)) {
            let b = make_batch(set, chunk, self.task.is_pair(), self.device)?;
            let p = match tta {
                None => self.probs(&b.x, b.baseline.as_ref())?,
                Some(_) => {
                    // Average over the 8 symmetries of the square (flips x 90-degree rotations).
                    let mut acc: Option<Tensor> = None;
                    for k in 0..4 {
                        for flip in [false, true] {
                            let t = |x: &Tensor| {
                                let y = if flip { x.flip([3]) } else { x.shallow_clone() };
                                if k > 0 {
                                    y.rot90(k, [2, 3])
                                } else {
                                    y
                                }
                            };
                            let pb = self.probs(&t(&b.x), b.baseline.as_ref().map(&t).as_ref())?;
                            acc = Some(match acc {
                                Some(a) => a + pb,
                                None => pb,
                            });
                        }
                    }
                    acc.ok_or_else(|| Error::Other("no TTA transforms".into()))? / 8.0
                }
            };
            out.extend(crate::tensor::tensor_to_vec(&p)?);
        }
        Ok(out)
    }

    fn probs(&self, x: &Tensor, baseline: Option<&Tensor>) -> Result<Tensor> {
        let z = self.logits(x, baseline, false)?;
        Ok(if self.task.n_classes() == 2 {
            z.squeeze_dim(1).sigmoid()
        } else {
            z.softmax(1, Kind::Float)
        })
    }

    /// Save the trainable weights (safetensors, atomically).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        // Row-major copies (channels-last weights have NHWC strides in memory).
        let mut named: Vec<(String, Tensor)> = self
            .vs
            .variables()
            .into_iter()
            .map(|(n, t)| (n, t.detach().contiguous()))
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        crate::fsx::write_via_temp(path, |tmp| {
            Tensor::write_safetensors(&named, tmp).map_err(|e| Error::bad_file(tmp, e.to_string()))
        })
    }

    /// Load weights saved by [`Classifier::save`], naming any missing or mis-shaped tensor.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::bad_file(path, "weights file not found"));
        }
        let file = Tensor::read_safetensors(path)
            .map_err(|e| Error::bad_file(path, format!("not a readable safetensors file: {e}")))?;
        let file: std::collections::HashMap<String, Tensor> = file.into_iter().collect();
        let vars = self.vs.variables();
        let mut problems = Vec::new();
        let mut names: Vec<&String> = vars.keys().collect();
        names.sort();
        for n in names {
            match file.get(n) {
                None => problems.push(format!("missing {n} {:?}", vars[n].size())),
                Some(t) if t.size() != vars[n].size() => problems.push(format!(
                    "{n}: file {:?}, model {:?}",
                    t.size(),
                    vars[n].size()
                )),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(Error::bad_file(
                path,
                format!("weights do not fit the model: {}", problems.join("; ")),
            ));
        }
        let _g = tch::no_grad_guard();
        for (n, mut v) in vars {
            if let Some(t) = file.get(&n) {
                v.copy_(&t.to_device(self.device).to_kind(v.kind()));
            }
        }
        Ok(())
    }
}

fn is_dense_name(name: &str) -> bool {
    name.contains("dense")
        || name.contains("out.")
        || name.starts_with("out")
        || name.contains("head")
}
