//! Frozen pretrained backbones with torchvision's exact structure and variable names.
//!
//! - [`Vgg16`]: torchvision's `vgg16().features` (13 convolutions with bias, ReLU, 5 max pools).
//!   Variables are named `features.{i}.weight` / `features.{i}.bias`, exactly as in torchvision's
//!   `state_dict()`.
//! - [`InceptionV3`]: torchvision's `inception_v3()` from `Conv2d_1a_3x3` to `Mixed_7c`, without
//!   `AuxLogits`, pooling and `fc`. Every convolution is a `BasicConv2d`: conv (no bias) + batch
//!   norm (eps 0.001, always in eval mode: the backbone is frozen) + ReLU. Variables are named like
//!   `Conv2d_1a_3x3.conv.weight`, `Conv2d_1a_3x3.bn.running_mean`, `Mixed_5b.branch1x1.conv.weight`.
//!
//! Both own their [`nn::VarStore`], frozen (no gradient for any variable), so
//! `vs.variables()` names match torchvision's `state_dict()` keys, less `num_batches_tracked`.
//! Weights come from a safetensors file converted from torchvision's checkpoint ([`torchvision`]:
//! `mammo weights import`, or found in the torch hub cache by [`find_default_weights`]) or written
//! by `scripts/export_torchvision_weights.py` ([`load_safetensors`]); without one the
//! variables keep a random initialisation, which callers must report loudly.
//!
//! Where to cut ([`Cut`]) and the feature shape for a 150x150 patch:
//!
//! | backbone | cut | after | shape |
//! | --- | --- | --- | --- |
//! | VGG16 | `top` | `features.30` (block5 pool) | 512x4x4 |
//! | VGG16 | `block5` | `features.23` (block4 pool) | 512x9x9 |
//! | InceptionV3 | `top` | `Mixed_7c` | 2048x3x3 |
//! | InceptionV3 | `top+1` | `Mixed_7a` | 1280x3x3 |
//! | InceptionV3 | `top+2` | `Mixed_6e` | 768x7x7 |
//!
//! Parameter counts (weights and biases, not batch-norm running statistics), as torchvision's
//! `sum(p.numel() for p in model.parameters())`: VGG16 features 14,714,688 ([`VGG16_PARAMS`]);
//! InceptionV3 up to `Mixed_7c` 21,785,568 ([`INCEPTION_V3_PARAMS`]: 21,751,136 in the 94
//! convolutions plus batch-norm weight and bias on 17,216 channels). Keras reports 21,802,784
//! for the same network (`InceptionV3(include_top=False)`, [`INCEPTION_V3_KERAS_PARAMS`]),
//! 21,768,352 of them trainable ([`INCEPTION_V3_KERAS_TRAINABLE`]): its batch norm has no scale
//! (gamma) and counts the moving mean and variance as weights.
//!
//! Input: `[B, 3, H, W]` float, ImageNet-normalised ([`imagenet_input`] makes it from
//! `[B, 1, H, W]` patches in `[0, 1]`). [`InceptionV3`] with `transform_input = true` then does
//! what torchvision's `inception_v3(weights=IMAGENET1K_V1)` does first: it maps each channel back
//! to `(p - 0.5) / 0.5`, the scaling the Google weights were trained with.
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use tch::{nn, Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::runtime::precision::Precision;

/// ImageNet channel means (RGB) that torchvision's weights expect.
pub const IMAGENET_MEAN: [f64; 3] = [0.485, 0.456, 0.406];
/// ImageNet channel standard deviations (RGB) that torchvision's weights expect.
pub const IMAGENET_STD: [f64; 3] = [0.229, 0.224, 0.225];

/// Parameters of torchvision's `vgg16().features` (13 conv weights and biases).
pub const VGG16_PARAMS: i64 = 14_714_688;
/// Parameters of torchvision's `inception_v3()` up to `Mixed_7c`: conv weights (21,751,136) plus
/// batch-norm weight and bias (2 x 17,216); the running mean and variance are buffers, not
/// parameters.
pub const INCEPTION_V3_PARAMS: i64 = 21_785_568;
/// What Keras' `InceptionV3(include_top=False)` reports as total for the same network: its batch
/// norm has no scale (gamma) but counts the moving mean and variance as non-trainable weights, so
/// 21,751,136 + 3 x 17,216 = 21,802,784.
pub const INCEPTION_V3_KERAS_PARAMS: i64 = 21_802_784;
/// Keras' trainable count for `InceptionV3(include_top=False)`: conv weights plus batch-norm beta,
/// 21,751,136 + 17,216 = 21,768,352 (its non-trainable 34,432 are the moving statistics).
pub const INCEPTION_V3_KERAS_TRAINABLE: i64 = 21_768_352;

/// Folder, relative to the project root, of the default weight files.
pub const WEIGHTS_DIR: &str = "data/weights";

/// Batch-norm epsilon of torchvision's `BasicConv2d`.
const BN_EPS: f64 = 0.001;

// ---------------------------------------------------------------------------------------------
// Kinds and cuts
// ---------------------------------------------------------------------------------------------

/// Which backbone (`"vgg16"`, `"inception-v3"` in `config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackboneKind {
    /// torchvision `vgg16`, `features` only.
    Vgg16,
    /// torchvision `inception_v3`, up to `Mixed_7c`.
    InceptionV3,
}

impl BackboneKind {
    /// Both kinds.
    pub const ALL: [BackboneKind; 2] = [BackboneKind::Vgg16, BackboneKind::InceptionV3];

    /// Parse `"vgg16"` or `"inception-v3"` (also `"inceptionv3"`, `"inception_v3"`), ignoring
    /// case and surrounding spaces.
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vgg16" | "vgg-16" | "vgg_16" => Ok(BackboneKind::Vgg16),
            "inception-v3" | "inceptionv3" | "inception_v3" => Ok(BackboneKind::InceptionV3),
            _ => crate::error::invalid(
                "backbone",
                format!("unknown backbone '{s}' (known: vgg16, inception-v3)"),
            ),
        }
    }

    /// The canonical name: `"vgg16"` or `"inception-v3"`.
    pub fn name(self) -> &'static str {
        match self {
            BackboneKind::Vgg16 => "vgg16",
            BackboneKind::InceptionV3 => "inception-v3",
        }
    }

    /// The cuts this backbone supports, the default ([`Cut::Top`]) first.
    pub fn cuts(self) -> &'static [Cut] {
        match self {
            BackboneKind::Vgg16 => &[Cut::Top, Cut::Block5],
            BackboneKind::InceptionV3 => &[Cut::Top, Cut::Top1, Cut::Top2],
        }
    }

    /// `cut` itself if this backbone supports it, else an error naming the supported cuts.
    pub fn check_cut(self, cut: Cut) -> Result<Cut> {
        if self.cuts().contains(&cut) {
            Ok(cut)
        } else {
            let known: Vec<&str> = self.cuts().iter().map(|c| c.name()).collect();
            crate::error::invalid(
                "cut",
                format!(
                    "cut '{}' is not available for {} (available: {})",
                    cut.name(),
                    self.name(),
                    known.join(", ")
                ),
            )
        }
    }

    /// Parse a cut name and check that this backbone supports it.
    pub fn parse_cut(self, s: &str) -> Result<Cut> {
        self.check_cut(Cut::parse(s)?)
    }

    /// Feature shape `(c, h, w)` at `cut` for a 150x150 input.
    pub fn output_shape(self, cut: Cut) -> Result<(i64, i64, i64)> {
        self.output_shape_for(cut, 150, 150)
    }

    /// Feature shape `(c, h, w)` at `cut` for an `h` x `w` input; an error if the input is too
    /// small for this backbone (VGG16 `top` needs 32x32, InceptionV3 needs 75x75).
    pub fn output_shape_for(self, cut: Cut, h: i64, w: i64) -> Result<(i64, i64, i64)> {
        let cut = self.check_cut(cut)?;
        let side = |n: i64| -> Option<i64> {
            match (self, cut) {
                (BackboneKind::Vgg16, Cut::Block5) => vgg_side(n, 4),
                (BackboneKind::Vgg16, _) => vgg_side(n, 5),
                (BackboneKind::InceptionV3, cut) => inception_side(n, cut),
            }
        };
        let c = match (self, cut) {
            (BackboneKind::Vgg16, _) => 512,
            (BackboneKind::InceptionV3, Cut::Top2) => 768,
            (BackboneKind::InceptionV3, Cut::Top1) => 1280,
            (BackboneKind::InceptionV3, _) => 2048,
        };
        match (side(h), side(w)) {
            (Some(oh), Some(ow)) => Ok((c, oh, ow)),
            _ => crate::error::invalid(
                "input size",
                format!(
                    "{h}x{w} is too small for {} at cut '{}' (at least {}x{})",
                    self.name(),
                    cut.name(),
                    self.min_side(),
                    self.min_side()
                ),
            ),
        }
    }

    /// Smallest input side that gives a non-empty feature map at every cut.
    pub fn min_side(self) -> i64 {
        match self {
            BackboneKind::Vgg16 => 32,
            BackboneKind::InceptionV3 => 75,
        }
    }

    /// torchvision's parameter count of this backbone ([`VGG16_PARAMS`],
    /// [`INCEPTION_V3_PARAMS`]).
    pub fn param_count(self) -> i64 {
        match self {
            BackboneKind::Vgg16 => VGG16_PARAMS,
            BackboneKind::InceptionV3 => INCEPTION_V3_PARAMS,
        }
    }

    /// File name of the default weights: `vgg16.safetensors` or `inception_v3.safetensors`.
    pub fn weights_file_name(self) -> &'static str {
        match self {
            BackboneKind::Vgg16 => "vgg16.safetensors",
            BackboneKind::InceptionV3 => "inception_v3.safetensors",
        }
    }
}

impl fmt::Display for BackboneKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for BackboneKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        BackboneKind::parse(s)
    }
}

/// Side after `pools` VGG max pools (2x2, stride 2, floor); `None` when it reaches 0.
fn vgg_side(n: i64, pools: u32) -> Option<i64> {
    let out = n >> pools;
    (out >= 1).then_some(out)
}

/// Side after a `k`-wide window with stride `s`, no padding; `None` when the input is too small.
fn window(n: Option<i64>, k: i64, s: i64) -> Option<i64> {
    n.and_then(|n| (n >= k).then(|| (n - k) / s + 1))
}

/// Side of InceptionV3's feature map at `cut`.
fn inception_side(n: i64, cut: Cut) -> Option<i64> {
    let x = window(Some(n), 3, 2); // Conv2d_1a_3x3
    let x = window(x, 3, 1); // Conv2d_2a_3x3 (2b keeps the size)
    let x = window(x, 3, 2); // maxpool1
    let x = window(x, 3, 1); // Conv2d_4a_3x3 (3b keeps the size)
    let x = window(x, 3, 2); // maxpool2
    let x = window(x, 3, 2); // Mixed_6a
    if cut == Cut::Top2 {
        return x;
    }
    window(x, 3, 2) // Mixed_7a (7b, 7c keep the size)
}

/// Where the backbone is cut: the layer whose output are the features (saved by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Cut {
    /// `"top"`: the whole backbone (VGG16 after the block5 pool, `features.30`; InceptionV3
    /// after `Mixed_7c`).
    Top,
    /// `"block5"` (VGG16 only): after the block4 pool, `features.23`, before block5.
    Block5,
    /// `"top+1"` (InceptionV3 only): after `Mixed_7a`, one block below the top.
    Top1,
    /// `"top+2"` (InceptionV3 only): after `Mixed_6e`, two blocks below the top.
    Top2,
}

impl Cut {
    /// Every cut.
    pub const ALL: [Cut; 4] = [Cut::Top, Cut::Block5, Cut::Top1, Cut::Top2];

    /// Parse `"top"`, `"block5"`, `"top+1"` or `"top+2"` (case and surrounding spaces ignored).
    pub fn parse(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "top" => Ok(Cut::Top),
            "block5" => Ok(Cut::Block5),
            "top+1" => Ok(Cut::Top1),
            "top+2" => Ok(Cut::Top2),
            _ => crate::error::invalid(
                "cut",
                format!(
                    "unknown cut '{s}' (known: top, block5 for vgg16; top, top+1, top+2 for \
                     inception-v3)"
                ),
            ),
        }
    }

    /// The name: `"top"`, `"block5"`, `"top+1"` or `"top+2"`.
    pub fn name(self) -> &'static str {
        match self {
            Cut::Top => "top",
            Cut::Block5 => "block5",
            Cut::Top1 => "top+1",
            Cut::Top2 => "top+2",
        }
    }
}

impl fmt::Display for Cut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Cut {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Cut::parse(s)
    }
}

impl TryFrom<String> for Cut {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        Cut::parse(&s)
    }
}

impl From<Cut> for String {
    fn from(c: Cut) -> String {
        c.name().to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Preprocessing
// ---------------------------------------------------------------------------------------------

/// What torchvision's models expect from grey patches: `[B, 1, H, W]` floats in `[0, 1]` are
/// replicated to 3 channels and normalised with ImageNet's mean and std
/// ([`IMAGENET_MEAN`], [`IMAGENET_STD`]), in float32 as `transforms.Normalize` does
/// (`(x - mean) / std`). The result goes to [`Vgg16`] and [`InceptionV3`] as it is.
pub fn imagenet_input(patches: &Tensor) -> Result<Tensor> {
    let size = patches.size();
    if size.len() != 4 || size[1] != 1 {
        return crate::error::invalid(
            "patches",
            format!("expected [B, 1, H, W] floats in [0, 1], got shape {size:?}"),
        );
    }
    if !patches.is_floating_point() {
        return crate::error::invalid(
            "patches",
            format!(
                "expected floats in [0, 1], got {:?} (scale integer images first)",
                patches.kind()
            ),
        );
    }
    let device = patches.device();
    let x = patches
        .f_to_kind(Kind::Float)?
        .f_expand([size[0], 3, size[2], size[3]], false)?;
    let mean = Tensor::f_from_slice(&IMAGENET_MEAN.map(|m| m as f32))?
        .f_view([1, 3, 1, 1])?
        .f_to_device(device)?;
    let std = Tensor::f_from_slice(&IMAGENET_STD.map(|s| s as f32))?
        .f_view([1, 3, 1, 1])?
        .f_to_device(device)?;
    Ok(x.f_sub(&mean)?.f_div(&std)?)
}

/// torchvision's `Inception3._transform_input`, applied by `inception_v3(weights=IMAGENET1K_V1)`
/// (`transform_input=True`): channel `c` of the ImageNet-normalised input becomes
/// `x[:, c] * (std[c] / 0.5) + (mean[c] - 0.5) / 0.5`, i.e. `(p - 0.5) / 0.5` of the original
/// pixel `p`, the scaling the Google weights were trained with. [`InceptionV3::forward`] calls it
/// when `transform_input` is on; same float32 operations as torchvision.
pub fn inception_transform_input(x: &Tensor) -> Tensor {
    let channels: Vec<Tensor> = (0..3)
        .map(|c| {
            x.select(1, c as i64).unsqueeze(1) * (IMAGENET_STD[c] / 0.5)
                + (IMAGENET_MEAN[c] - 0.5) / 0.5
        })
        .collect();
    Tensor::cat(&channels, 1)
}

/// Check that `x` is `[B, 3, H, W]` with `H`, `W` large enough for `kind` at `cut`.
fn check_input(kind: BackboneKind, cut: Cut, x: &Tensor) -> Result<()> {
    let size = x.size();
    if size.len() != 4 || size[1] != 3 {
        return crate::error::invalid(
            "backbone input",
            format!(
                "{} expects [B, 3, H, W] ImageNet-normalised floats, got shape {size:?} (see \
                 backbones::imagenet_input)",
                kind.name()
            ),
        );
    }
    if !x.is_floating_point() {
        return crate::error::invalid(
            "backbone input",
            format!("{} expects floats, got {:?}", kind.name(), x.kind()),
        );
    }
    kind.output_shape_for(cut, size[2], size[3]).map(|_| ())
}

// ---------------------------------------------------------------------------------------------
// Layers
mod inception;
pub mod torchvision;
mod vgg;
mod weights;

pub use inception::InceptionV3;
pub use vgg::Vgg16;
pub use weights::*;

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// Sum of the element counts of the trainable variables (weights and biases; batch-norm running
/// statistics are buffers and not counted), like `sum(p.numel() for p in model.parameters())`.
pub fn count_params(vs: &nn::VarStore) -> i64 {
    vs.trainable_variables()
        .iter()
        .map(|t| t.numel() as i64)
        .sum()
}

/// Store every convolution kernel with NHWC strides, as the activations: otherwise oneDNN
/// reorders each kernel at every call. Loading weights later (`copy_`) keeps the strides.
fn weights_channels_last(vs: &nn::VarStore) {
    let _g = tch::no_grad_guard();
    for (_, mut v) in vs.variables() {
        if v.dim() == 4 {
            let w = crate::runtime::precision::to_channels_last(&v);
            v.set_data(&w);
        }
    }
}

/// Store the variables `which` selects (by name) in `precision`'s kind, NHWC strides kept for
/// the kernels; the others are left as they are. A frozen backbone's reduced precision: its
/// convolutions then run in bf16 on bf16 inputs, as under PyTorch's bf16 autocast.
fn vars_to_precision(
    vs: &nn::VarStore,
    precision: Precision,
    which: impl Fn(&str) -> bool,
) -> Result<()> {
    let kind = precision.kind();
    let _g = tch::no_grad_guard();
    for (name, mut v) in vs.variables() {
        if which(&name) && v.kind() != kind {
            let w = v.f_to_kind(kind)?;
            let w = if w.dim() == 4 {
                crate::runtime::precision::to_channels_last(&w)
            } else {
                w
            };
            v.set_data(&w);
        }
    }
    Ok(())
}

/// Either backbone, for code that picks one by name.
#[derive(Debug)]
pub enum Backbone {
    /// See [`Vgg16`].
    Vgg16(Vgg16),
    /// See [`InceptionV3`].
    InceptionV3(InceptionV3),
}

impl Backbone {
    /// Build `kind` cut at `cut` on `device`, random weights, frozen; InceptionV3 with
    /// `transform_input = true` as torchvision's ImageNet model.
    pub fn new(kind: BackboneKind, cut: Cut, device: Device) -> Result<Self> {
        Ok(match kind {
            BackboneKind::Vgg16 => Backbone::Vgg16(Vgg16::new(device, cut)?),
            BackboneKind::InceptionV3 => {
                Backbone::InceptionV3(InceptionV3::new(device, cut, true)?)
            }
        })
    }

    /// Which backbone this is.
    pub fn kind(&self) -> BackboneKind {
        match self {
            Backbone::Vgg16(_) => BackboneKind::Vgg16,
            Backbone::InceptionV3(_) => BackboneKind::InceptionV3,
        }
    }

    /// The cut.
    pub fn cut(&self) -> Cut {
        match self {
            Backbone::Vgg16(m) => m.cut(),
            Backbone::InceptionV3(m) => m.cut(),
        }
    }

    /// Feature shape `(c, h, w)` at this backbone's cut for a 150x150 input.
    pub fn output_shape(&self) -> Result<(i64, i64, i64)> {
        self.kind().output_shape(self.cut())
    }

    /// Change the cut; an error if this backbone does not support it.
    pub fn set_cut(&mut self, cut: Cut) -> Result<()> {
        match self {
            Backbone::Vgg16(m) => m.set_cut(cut),
            Backbone::InceptionV3(m) => m.set_cut(cut),
        }
    }

    /// See [`Vgg16::forward`], [`InceptionV3::forward`].
    pub fn forward(&self, x: &Tensor) -> Tensor {
        match self {
            Backbone::Vgg16(m) => m.forward(x),
            Backbone::InceptionV3(m) => m.forward(x),
        }
    }

    /// See [`Vgg16::f_forward`], [`InceptionV3::f_forward`].
    pub fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        match self {
            Backbone::Vgg16(m) => m.f_forward(x),
            Backbone::InceptionV3(m) => m.f_forward(x),
        }
    }

    /// Multiply-adds of one `side` x `side` image's features at this backbone's cut: see
    /// [`Vgg16::features_macs`], [`InceptionV3::features_macs`].
    pub fn features_macs(&self, side: i64) -> f64 {
        match self {
            Backbone::Vgg16(m) => Vgg16::features_macs_to(side, m.cut()),
            Backbone::InceptionV3(m) => m.features_macs(side),
        }
    }

    /// The precision the convolutions compute in (float32 unless set).
    pub fn precision(&self) -> Precision {
        match self {
            Backbone::Vgg16(m) => m.precision(),
            Backbone::InceptionV3(m) => m.precision(),
        }
    }

    /// Compute the features in `precision`: see [`Vgg16::set_precision`],
    /// [`InceptionV3::set_precision`].
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        match self {
            Backbone::Vgg16(m) => m.set_precision(precision),
            Backbone::InceptionV3(m) => m.set_precision(precision),
        }
    }

    /// Features straight from patches: `[B, 1, H, W]` floats in `[0, 1]` through
    /// [`imagenet_input`] and [`Backbone::f_forward`].
    pub fn features(&self, patches: &Tensor) -> Result<Tensor> {
        self.f_forward(&imagenet_input(patches)?)
    }

    /// The variables.
    pub fn var_store(&self) -> &nn::VarStore {
        match self {
            Backbone::Vgg16(m) => m.var_store(),
            Backbone::InceptionV3(m) => m.var_store(),
        }
    }

    /// Number of parameters.
    pub fn num_params(&self) -> i64 {
        count_params(self.var_store())
    }

    /// Load torchvision-named weights, see [`load_safetensors`].
    pub fn load_safetensors(&mut self, path: impl AsRef<Path>) -> Result<LoadedWeights> {
        match self {
            Backbone::Vgg16(m) => m.load_safetensors(path),
            Backbone::InceptionV3(m) => m.load_safetensors(path),
        }
    }
}

#[cfg(test)]
mod tests;
