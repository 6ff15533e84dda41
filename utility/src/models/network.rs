//! What every network of mammo does, as one trait: training, prediction, Grad-CAM and summaries
//! call it and never match on the kind of model.
//!
//! The scratch CNN is also a `tch::nn::ModuleT` (one input, one output). The Siamese network takes
//! two inputs (the baseline and the abnormality patch) and a pretrained network's forward pass can
//! fail (its frozen-feature cache reads tensors back), so the trait below, not `ModuleT`, is what
//! all three share.
use super::pretrained::{PretrainedNet, WeightsSource};
use super::siamese::SiameseNet;
use super::summary::Summary;
use super::ScratchCnn;
use crate::error::{Error, Result};
use crate::runtime::precision::Compute;
use tch::nn::ModuleT;
use tch::Tensor;

pub trait Network: std::fmt::Debug + Send {
    /// Logits `[B, n_out]` of abnormality patches `x` `[B, 1, H, W]` in [0, 1]; a pair network
    /// also takes the baselines.
    fn logits(&self, x: &Tensor, baseline: Option<&Tensor>, train: bool) -> Result<Tensor>;

    /// The feature maps Grad-CAM weighs: the last convolutional maps of `x` (the tower's, or the
    /// frozen backbone's through the adapter).
    fn cam_maps(&self, x: &Tensor) -> Result<Tensor>;

    /// Logits from [`Network::cam_maps`] (and the baselines for a pair network), in evaluation
    /// mode: the part of the network Grad-CAM differentiates.
    fn logits_from_maps(&self, maps: &Tensor, baseline: Option<&Tensor>) -> Result<Tensor>;

    /// Keras-style summary.
    fn summary(&self) -> Summary;

    /// Memory layout and precision: of the trainable convolutions (scratch, Siamese), or of a
    /// pretrained network's frozen backbone (its precision; the backbones always run NHWC, and
    /// the small trainable head float32).
    fn set_compute(&mut self, compute: Compute) -> Result<()>;

    /// Where a pretrained network's backbone weights came from; `None` for the others.
    fn weights_source(&self) -> Option<&WeightsSource> {
        None
    }
}

impl ModuleT for ScratchCnn {
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        ScratchCnn::forward_t(self, xs, train)
    }
}

impl Network for ScratchCnn {
    fn logits(&self, x: &Tensor, _baseline: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(ScratchCnn::forward_t(self, x, train))
    }
    fn cam_maps(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.tower.conv_maps(x))
    }
    fn logits_from_maps(&self, maps: &Tensor, _baseline: Option<&Tensor>) -> Result<Tensor> {
        Ok(self.forward_from_maps(maps))
    }
    fn summary(&self) -> Summary {
        ScratchCnn::summary(self)
    }
    fn set_compute(&mut self, compute: Compute) -> Result<()> {
        self.tower.set_compute(compute);
        Ok(())
    }
}

fn baseline_of(baseline: Option<&Tensor>) -> Result<&Tensor> {
    baseline.ok_or_else(|| Error::invalid("batch", "the Siamese model needs baseline patches"))
}

impl Network for SiameseNet {
    fn logits(&self, x: &Tensor, baseline: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(self.forward_t(baseline_of(baseline)?, x, train))
    }
    fn cam_maps(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.tower.conv_maps(x))
    }
    fn logits_from_maps(&self, maps: &Tensor, baseline: Option<&Tensor>) -> Result<Tensor> {
        Ok(self.forward_from_maps(baseline_of(baseline)?, maps))
    }
    fn summary(&self) -> Summary {
        SiameseNet::summary(self)
    }
    fn set_compute(&mut self, compute: Compute) -> Result<()> {
        self.tower.set_compute(compute);
        Ok(())
    }
}

impl Network for PretrainedNet {
    fn logits(&self, x: &Tensor, _baseline: Option<&Tensor>, train: bool) -> Result<Tensor> {
        self.forward_t(x, train)
    }
    fn cam_maps(&self, x: &Tensor) -> Result<Tensor> {
        self.features(x)
    }
    fn logits_from_maps(&self, maps: &Tensor, _baseline: Option<&Tensor>) -> Result<Tensor> {
        Ok(self.head_forward(maps, false))
    }
    fn summary(&self) -> Summary {
        PretrainedNet::summary(self)
    }
    fn weights_source(&self) -> Option<&WeightsSource> {
        Some(&self.weights)
    }
    fn set_compute(&mut self, compute: Compute) -> Result<()> {
        self.set_precision(compute.precision)
    }
}
