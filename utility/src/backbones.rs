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
//! Weights come from a safetensors file written by `scripts/export_torchvision_weights.py`
//! ([`load_safetensors`], default files found by [`find_default_weights`]); without one the
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

/// Which backbone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

/// Where the backbone is cut: the layer whose output are the features.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
// ---------------------------------------------------------------------------------------------

/// One VGG layer: a 3x3 convolution with bias followed by ReLU (two torchvision indices), or a
/// 2x2 max pool (one index).
#[derive(Debug)]
enum VggLayer {
    /// `features.{index}` conv + `features.{index + 1}` ReLU.
    Conv {
        index: usize,
        weight: Tensor,
        bias: Tensor,
    },
    /// `features.{index}` max pool.
    Pool { index: usize },
}

/// torchvision's `BasicConv2d`: conv (no bias) + batch norm (eval mode, eps 0.001) + ReLU.
#[derive(Debug)]
struct BasicConv2d {
    weight: Tensor,
    bn_weight: Tensor,
    bn_bias: Tensor,
    running_mean: Tensor,
    running_var: Tensor,
    stride: [i64; 2],
    padding: [i64; 2],
}

impl BasicConv2d {
    /// `p / name` with `.conv.weight`, `.bn.{weight, bias, running_mean, running_var}`.
    fn new(
        p: &nn::Path,
        name: &str,
        c_in: i64,
        c_out: i64,
        kernel: [i64; 2],
        stride: i64,
        padding: [i64; 2],
    ) -> Result<Self> {
        let p = p / name;
        let conv = &p / "conv";
        let bn = &p / "bn";
        Ok(BasicConv2d {
            weight: conv.f_var(
                "weight",
                &[c_out, c_in, kernel[0], kernel[1]],
                nn::init::DEFAULT_KAIMING_UNIFORM,
            )?,
            bn_weight: bn.f_var("weight", &[c_out], nn::Init::Const(1.0))?,
            bn_bias: bn.f_var("bias", &[c_out], nn::Init::Const(0.0))?,
            running_mean: bn.f_zeros_no_train("running_mean", &[c_out])?,
            running_var: bn.f_ones_no_train("running_var", &[c_out])?,
            stride: [stride, stride],
            padding,
        })
    }

    /// Square kernel `k`, padding `pad` on both sides.
    fn sq(
        p: &nn::Path,
        name: &str,
        c_in: i64,
        c_out: i64,
        k: i64,
        stride: i64,
        pad: i64,
    ) -> Result<Self> {
        Self::new(p, name, c_in, c_out, [k, k], stride, [pad, pad])
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let y = x.conv2d(
            &self.weight,
            None::<Tensor>,
            self.stride,
            self.padding,
            [1, 1],
            1,
        );
        Tensor::batch_norm(
            &y,
            Some(&self.bn_weight),
            Some(&self.bn_bias),
            Some(&self.running_mean),
            Some(&self.running_var),
            false,
            0.1,
            BN_EPS,
            true,
        )
        .relu_()
    }
}

/// `F.max_pool2d(x, kernel_size=3, stride=2)`.
fn max_pool_3s2(x: &Tensor) -> Tensor {
    x.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], false)
}

/// `F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)` (padding counted in the mean).
fn avg_pool_3s1(x: &Tensor) -> Tensor {
    x.avg_pool2d([3, 3], [1, 1], [1, 1], false, true, None)
}

/// torchvision `InceptionA` (Mixed_5b, 5c, 5d).
#[derive(Debug)]
struct InceptionA {
    branch1x1: BasicConv2d,
    branch5x5_1: BasicConv2d,
    branch5x5_2: BasicConv2d,
    branch3x3dbl_1: BasicConv2d,
    branch3x3dbl_2: BasicConv2d,
    branch3x3dbl_3: BasicConv2d,
    branch_pool: BasicConv2d,
}

impl InceptionA {
    fn new(p: &nn::Path, c_in: i64, pool_features: i64) -> Result<Self> {
        Ok(InceptionA {
            branch1x1: BasicConv2d::sq(p, "branch1x1", c_in, 64, 1, 1, 0)?,
            branch5x5_1: BasicConv2d::sq(p, "branch5x5_1", c_in, 48, 1, 1, 0)?,
            branch5x5_2: BasicConv2d::sq(p, "branch5x5_2", 48, 64, 5, 1, 2)?,
            branch3x3dbl_1: BasicConv2d::sq(p, "branch3x3dbl_1", c_in, 64, 1, 1, 0)?,
            branch3x3dbl_2: BasicConv2d::sq(p, "branch3x3dbl_2", 64, 96, 3, 1, 1)?,
            branch3x3dbl_3: BasicConv2d::sq(p, "branch3x3dbl_3", 96, 96, 3, 1, 1)?,
            branch_pool: BasicConv2d::sq(p, "branch_pool", c_in, pool_features, 1, 1, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let b1 = self.branch1x1.forward(x);
        let b5 = self.branch5x5_2.forward(&self.branch5x5_1.forward(x));
        let b3 = self.branch3x3dbl_1.forward(x);
        let b3 = self
            .branch3x3dbl_3
            .forward(&self.branch3x3dbl_2.forward(&b3));
        let bp = self.branch_pool.forward(&avg_pool_3s1(x));
        Tensor::cat(&[b1, b5, b3, bp], 1)
    }
}

/// torchvision `InceptionB` (Mixed_6a).
#[derive(Debug)]
struct InceptionB {
    branch3x3: BasicConv2d,
    branch3x3dbl_1: BasicConv2d,
    branch3x3dbl_2: BasicConv2d,
    branch3x3dbl_3: BasicConv2d,
}

impl InceptionB {
    fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
        Ok(InceptionB {
            branch3x3: BasicConv2d::sq(p, "branch3x3", c_in, 384, 3, 2, 0)?,
            branch3x3dbl_1: BasicConv2d::sq(p, "branch3x3dbl_1", c_in, 64, 1, 1, 0)?,
            branch3x3dbl_2: BasicConv2d::sq(p, "branch3x3dbl_2", 64, 96, 3, 1, 1)?,
            branch3x3dbl_3: BasicConv2d::sq(p, "branch3x3dbl_3", 96, 96, 3, 2, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let b3 = self.branch3x3.forward(x);
        let bd = self.branch3x3dbl_1.forward(x);
        let bd = self
            .branch3x3dbl_3
            .forward(&self.branch3x3dbl_2.forward(&bd));
        Tensor::cat(&[b3, bd, max_pool_3s2(x)], 1)
    }
}

/// torchvision `InceptionC` (Mixed_6b .. 6e).
#[derive(Debug)]
struct InceptionC {
    branch1x1: BasicConv2d,
    branch7x7_1: BasicConv2d,
    branch7x7_2: BasicConv2d,
    branch7x7_3: BasicConv2d,
    branch7x7dbl_1: BasicConv2d,
    branch7x7dbl_2: BasicConv2d,
    branch7x7dbl_3: BasicConv2d,
    branch7x7dbl_4: BasicConv2d,
    branch7x7dbl_5: BasicConv2d,
    branch_pool: BasicConv2d,
}

impl InceptionC {
    fn new(p: &nn::Path, c_in: i64, c7: i64) -> Result<Self> {
        let (k17, p17, k71, p71) = ([1, 7], [0, 3], [7, 1], [3, 0]);
        Ok(InceptionC {
            branch1x1: BasicConv2d::sq(p, "branch1x1", c_in, 192, 1, 1, 0)?,
            branch7x7_1: BasicConv2d::sq(p, "branch7x7_1", c_in, c7, 1, 1, 0)?,
            branch7x7_2: BasicConv2d::new(p, "branch7x7_2", c7, c7, k17, 1, p17)?,
            branch7x7_3: BasicConv2d::new(p, "branch7x7_3", c7, 192, k71, 1, p71)?,
            branch7x7dbl_1: BasicConv2d::sq(p, "branch7x7dbl_1", c_in, c7, 1, 1, 0)?,
            branch7x7dbl_2: BasicConv2d::new(p, "branch7x7dbl_2", c7, c7, k71, 1, p71)?,
            branch7x7dbl_3: BasicConv2d::new(p, "branch7x7dbl_3", c7, c7, k17, 1, p17)?,
            branch7x7dbl_4: BasicConv2d::new(p, "branch7x7dbl_4", c7, c7, k71, 1, p71)?,
            branch7x7dbl_5: BasicConv2d::new(p, "branch7x7dbl_5", c7, 192, k17, 1, p17)?,
            branch_pool: BasicConv2d::sq(p, "branch_pool", c_in, 192, 1, 1, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let b1 = self.branch1x1.forward(x);
        let b7 = self.branch7x7_1.forward(x);
        let b7 = self.branch7x7_3.forward(&self.branch7x7_2.forward(&b7));
        let bd = self.branch7x7dbl_1.forward(x);
        let bd = self.branch7x7dbl_2.forward(&bd);
        let bd = self.branch7x7dbl_3.forward(&bd);
        let bd = self.branch7x7dbl_4.forward(&bd);
        let bd = self.branch7x7dbl_5.forward(&bd);
        let bp = self.branch_pool.forward(&avg_pool_3s1(x));
        Tensor::cat(&[b1, b7, bd, bp], 1)
    }
}

/// torchvision `InceptionD` (Mixed_7a).
#[derive(Debug)]
struct InceptionD {
    branch3x3_1: BasicConv2d,
    branch3x3_2: BasicConv2d,
    branch7x7x3_1: BasicConv2d,
    branch7x7x3_2: BasicConv2d,
    branch7x7x3_3: BasicConv2d,
    branch7x7x3_4: BasicConv2d,
}

impl InceptionD {
    fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
        Ok(InceptionD {
            branch3x3_1: BasicConv2d::sq(p, "branch3x3_1", c_in, 192, 1, 1, 0)?,
            branch3x3_2: BasicConv2d::sq(p, "branch3x3_2", 192, 320, 3, 2, 0)?,
            branch7x7x3_1: BasicConv2d::sq(p, "branch7x7x3_1", c_in, 192, 1, 1, 0)?,
            branch7x7x3_2: BasicConv2d::new(p, "branch7x7x3_2", 192, 192, [1, 7], 1, [0, 3])?,
            branch7x7x3_3: BasicConv2d::new(p, "branch7x7x3_3", 192, 192, [7, 1], 1, [3, 0])?,
            branch7x7x3_4: BasicConv2d::sq(p, "branch7x7x3_4", 192, 192, 3, 2, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let b3 = self.branch3x3_2.forward(&self.branch3x3_1.forward(x));
        let b7 = self.branch7x7x3_1.forward(x);
        let b7 = self.branch7x7x3_2.forward(&b7);
        let b7 = self.branch7x7x3_3.forward(&b7);
        let b7 = self.branch7x7x3_4.forward(&b7);
        Tensor::cat(&[b3, b7, max_pool_3s2(x)], 1)
    }
}

/// torchvision `InceptionE` (Mixed_7b, 7c).
#[derive(Debug)]
struct InceptionE {
    branch1x1: BasicConv2d,
    branch3x3_1: BasicConv2d,
    branch3x3_2a: BasicConv2d,
    branch3x3_2b: BasicConv2d,
    branch3x3dbl_1: BasicConv2d,
    branch3x3dbl_2: BasicConv2d,
    branch3x3dbl_3a: BasicConv2d,
    branch3x3dbl_3b: BasicConv2d,
    branch_pool: BasicConv2d,
}

impl InceptionE {
    fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
        let (k13, p13, k31, p31) = ([1, 3], [0, 1], [3, 1], [1, 0]);
        Ok(InceptionE {
            branch1x1: BasicConv2d::sq(p, "branch1x1", c_in, 320, 1, 1, 0)?,
            branch3x3_1: BasicConv2d::sq(p, "branch3x3_1", c_in, 384, 1, 1, 0)?,
            branch3x3_2a: BasicConv2d::new(p, "branch3x3_2a", 384, 384, k13, 1, p13)?,
            branch3x3_2b: BasicConv2d::new(p, "branch3x3_2b", 384, 384, k31, 1, p31)?,
            branch3x3dbl_1: BasicConv2d::sq(p, "branch3x3dbl_1", c_in, 448, 1, 1, 0)?,
            branch3x3dbl_2: BasicConv2d::sq(p, "branch3x3dbl_2", 448, 384, 3, 1, 1)?,
            branch3x3dbl_3a: BasicConv2d::new(p, "branch3x3dbl_3a", 384, 384, k13, 1, p13)?,
            branch3x3dbl_3b: BasicConv2d::new(p, "branch3x3dbl_3b", 384, 384, k31, 1, p31)?,
            branch_pool: BasicConv2d::sq(p, "branch_pool", c_in, 192, 1, 1, 0)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Tensor {
        let b1 = self.branch1x1.forward(x);
        let b3 = self.branch3x3_1.forward(x);
        let b3 = Tensor::cat(
            &[
                self.branch3x3_2a.forward(&b3),
                self.branch3x3_2b.forward(&b3),
            ],
            1,
        );
        let bd = self.branch3x3dbl_2.forward(&self.branch3x3dbl_1.forward(x));
        let bd = Tensor::cat(
            &[
                self.branch3x3dbl_3a.forward(&bd),
                self.branch3x3dbl_3b.forward(&bd),
            ],
            1,
        );
        let bp = self.branch_pool.forward(&avg_pool_3s1(x));
        Tensor::cat(&[b1, b3, bd, bp], 1)
    }
}

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
            let w = crate::models::to_channels_last(&v);
            v.set_data(&w);
        }
    }
}

/// torchvision's `vgg16().features`, frozen, cut at [`Cut::Top`] (after `features.30`) or
/// [`Cut::Block5`] (after `features.23`).
#[derive(Debug)]
pub struct Vgg16 {
    vs: nn::VarStore,
    layers: Vec<VggLayer>,
    cut: Cut,
}

/// torchvision's VGG16 configuration "D": output channels of each conv, `None` = max pool.
const VGG16_CFG: [Option<i64>; 18] = [
    Some(64),
    Some(64),
    None,
    Some(128),
    Some(128),
    None,
    Some(256),
    Some(256),
    Some(256),
    None,
    Some(512),
    Some(512),
    Some(512),
    None,
    Some(512),
    Some(512),
    Some(512),
    None,
];

impl Vgg16 {
    /// Build the network on `device` with random (Kaiming uniform) weights, frozen, cut at `cut`
    /// (`top` or `block5`). Load real weights with [`Vgg16::load_safetensors`].
    pub fn new(device: Device, cut: Cut) -> Result<Self> {
        let cut = BackboneKind::Vgg16.check_cut(cut)?;
        let mut vs = nn::VarStore::new(device);
        let features = vs.root() / "features";
        let mut layers = Vec::with_capacity(VGG16_CFG.len());
        let (mut index, mut c_in) = (0usize, 3i64);
        for c in VGG16_CFG {
            match c {
                Some(c_out) => {
                    let p = &features / index;
                    let weight = p.f_var(
                        "weight",
                        &[c_out, c_in, 3, 3],
                        nn::init::DEFAULT_KAIMING_UNIFORM,
                    )?;
                    let bias = p.f_var("bias", &[c_out], nn::Init::Const(0.0))?;
                    layers.push(VggLayer::Conv {
                        index,
                        weight,
                        bias,
                    });
                    index += 2;
                    c_in = c_out;
                }
                None => {
                    layers.push(VggLayer::Pool { index });
                    index += 1;
                }
            }
        }
        vs.freeze();
        weights_channels_last(&vs);
        Ok(Vgg16 { vs, layers, cut })
    }

    /// The cut [`Vgg16::forward`] stops at.
    pub fn cut(&self) -> Cut {
        self.cut
    }

    /// Change the cut (`top` or `block5`).
    pub fn set_cut(&mut self, cut: Cut) -> Result<()> {
        self.cut = BackboneKind::Vgg16.check_cut(cut)?;
        Ok(())
    }

    /// Last torchvision `features` index included at `cut`.
    fn last_index(cut: Cut) -> usize {
        match cut {
            Cut::Block5 => 23,
            _ => 30,
        }
    }

    /// Feature shape `(c, h, w)` at `cut` for a 150x150 input: `top` 512x4x4, `block5` 512x9x9.
    pub fn output_shape(cut: Cut) -> Result<(i64, i64, i64)> {
        BackboneKind::Vgg16.output_shape(cut)
    }

    /// Features of `x` (`[B, 3, H, W]`, ImageNet-normalised, see [`imagenet_input`]) at this
    /// model's cut, as torchvision's `features[:31](x)` (top) or `features[:24](x)` (block5).
    /// Like any tch op it panics on an input of the wrong shape or device; [`Vgg16::f_forward`]
    /// checks first.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.run(x, self.cut)
    }

    /// [`Vgg16::forward`] with the input checked first: an error, not a panic, for a wrong
    /// shape or a too small image. Moves `x` to the model's device as float32.
    pub fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_to(x, self.cut)
    }

    /// Checked features at any supported `cut`, whatever this model's own cut.
    pub fn forward_to(&self, x: &Tensor, cut: Cut) -> Result<Tensor> {
        let cut = BackboneKind::Vgg16.check_cut(cut)?;
        check_input(BackboneKind::Vgg16, cut, x)?;
        let x = x.f_to_device(self.vs.device())?.f_to_kind(Kind::Float)?;
        Ok(self.run(&x, cut))
    }

    fn run(&self, x: &Tensor, cut: Cut) -> Tensor {
        let last = Self::last_index(cut);
        // NHWC: oneDNN's fast layout on CPU (1.8x faster than NCHW for these features, measured
        // with PyTorch and mammo alike). Same values up to float rounding.
        let mut x = crate::models::to_channels_last(x);
        for layer in &self.layers {
            match layer {
                VggLayer::Conv {
                    index,
                    weight,
                    bias,
                } if *index <= last => {
                    // ReLU in place: the convolution's backward (through a trainable
                    // adapter) needs its input, not its output.
                    x = x
                        .conv2d(weight, Some(bias), [1, 1], [1, 1], [1, 1], 1)
                        .relu_();
                }
                VggLayer::Pool { index } if *index <= last => {
                    x = x.max_pool2d([2, 2], [2, 2], [0, 0], [1, 1], false);
                }
                _ => break,
            }
        }
        x
    }

    /// The variables, named `features.{i}.weight` / `features.{i}.bias` as in torchvision. The
    /// kernels have NHWC strides: take `.contiguous()` copies to write them to safetensors.
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// Number of parameters: 14,714,688 ([`VGG16_PARAMS`]).
    pub fn num_params(&self) -> i64 {
        count_params(&self.vs)
    }

    /// Load torchvision-named weights, see [`load_safetensors`].
    pub fn load_safetensors(&mut self, path: impl AsRef<Path>) -> Result<LoadedWeights> {
        load_into(&mut self.vs, path.as_ref(), BackboneKind::Vgg16.name())
    }

    /// Fill every variable with [`fill_with_test_pattern`]'s deterministic values.
    pub fn fill_with_test_pattern(&mut self) -> Result<()> {
        fill_with_test_pattern(&self.vs)
    }
}

/// torchvision's `inception_v3()` from `Conv2d_1a_3x3` to `Mixed_7c`, frozen, batch norm in eval
/// mode, no `AuxLogits`, no `fc`; cut at [`Cut::Top`] (`Mixed_7c`), [`Cut::Top1`] (`Mixed_7a`)
/// or [`Cut::Top2`] (`Mixed_6e`).
#[derive(Debug)]
pub struct InceptionV3 {
    vs: nn::VarStore,
    cut: Cut,
    transform_input: bool,
    net: Box<InceptionNet>,
}

/// The layers of [`InceptionV3`], named after torchvision's attributes.
#[derive(Debug)]
struct InceptionNet {
    conv2d_1a_3x3: BasicConv2d,
    conv2d_2a_3x3: BasicConv2d,
    conv2d_2b_3x3: BasicConv2d,
    conv2d_3b_1x1: BasicConv2d,
    conv2d_4a_3x3: BasicConv2d,
    mixed_5b: InceptionA,
    mixed_5c: InceptionA,
    mixed_5d: InceptionA,
    mixed_6a: InceptionB,
    mixed_6b: InceptionC,
    mixed_6c: InceptionC,
    mixed_6d: InceptionC,
    mixed_6e: InceptionC,
    mixed_7a: InceptionD,
    mixed_7b: InceptionE,
    mixed_7c: InceptionE,
}

impl InceptionNet {
    fn new(r: &nn::Path) -> Result<Self> {
        Ok(InceptionNet {
            conv2d_1a_3x3: BasicConv2d::sq(r, "Conv2d_1a_3x3", 3, 32, 3, 2, 0)?,
            conv2d_2a_3x3: BasicConv2d::sq(r, "Conv2d_2a_3x3", 32, 32, 3, 1, 0)?,
            conv2d_2b_3x3: BasicConv2d::sq(r, "Conv2d_2b_3x3", 32, 64, 3, 1, 1)?,
            conv2d_3b_1x1: BasicConv2d::sq(r, "Conv2d_3b_1x1", 64, 80, 1, 1, 0)?,
            conv2d_4a_3x3: BasicConv2d::sq(r, "Conv2d_4a_3x3", 80, 192, 3, 1, 0)?,
            mixed_5b: InceptionA::new(&(r / "Mixed_5b"), 192, 32)?,
            mixed_5c: InceptionA::new(&(r / "Mixed_5c"), 256, 64)?,
            mixed_5d: InceptionA::new(&(r / "Mixed_5d"), 288, 64)?,
            mixed_6a: InceptionB::new(&(r / "Mixed_6a"), 288)?,
            mixed_6b: InceptionC::new(&(r / "Mixed_6b"), 768, 128)?,
            mixed_6c: InceptionC::new(&(r / "Mixed_6c"), 768, 160)?,
            mixed_6d: InceptionC::new(&(r / "Mixed_6d"), 768, 160)?,
            mixed_6e: InceptionC::new(&(r / "Mixed_6e"), 768, 192)?,
            mixed_7a: InceptionD::new(&(r / "Mixed_7a"), 768)?,
            mixed_7b: InceptionE::new(&(r / "Mixed_7b"), 1280)?,
            mixed_7c: InceptionE::new(&(r / "Mixed_7c"), 2048)?,
        })
    }

    /// torchvision's `Inception3._forward` from `Conv2d_1a_3x3` to the block of `cut`.
    fn forward(&self, x: &Tensor, cut: Cut) -> Tensor {
        // NHWC: oneDNN's fast layout on CPU (and cuDNN's on recent GPUs); every block, the
        // channel concatenations included, keeps it. Same values up to float rounding.
        let x = self
            .conv2d_1a_3x3
            .forward(&crate::models::to_channels_last(x));
        let x = self.conv2d_2a_3x3.forward(&x);
        let x = self.conv2d_2b_3x3.forward(&x);
        let x = max_pool_3s2(&x);
        let x = self.conv2d_3b_1x1.forward(&x);
        let x = self.conv2d_4a_3x3.forward(&x);
        let x = max_pool_3s2(&x);
        let x = self.mixed_5b.forward(&x);
        let x = self.mixed_5c.forward(&x);
        let x = self.mixed_5d.forward(&x);
        let x = self.mixed_6a.forward(&x);
        let x = self.mixed_6b.forward(&x);
        let x = self.mixed_6c.forward(&x);
        let x = self.mixed_6d.forward(&x);
        let x = self.mixed_6e.forward(&x);
        if cut == Cut::Top2 {
            return x;
        }
        let x = self.mixed_7a.forward(&x);
        if cut == Cut::Top1 {
            return x;
        }
        let x = self.mixed_7b.forward(&x);
        self.mixed_7c.forward(&x)
    }
}

impl InceptionV3 {
    /// Build the network on `device` with random weights, frozen, cut at `cut` (`top`, `top+1`
    /// or `top+2`). `transform_input`: torchvision's option of that name; `true` is what
    /// `inception_v3(weights=IMAGENET1K_V1)` uses and what the ImageNet weights need (see
    /// [`inception_transform_input`]). Load real weights with [`InceptionV3::load_safetensors`].
    pub fn new(device: Device, cut: Cut, transform_input: bool) -> Result<Self> {
        let cut = BackboneKind::InceptionV3.check_cut(cut)?;
        let mut vs = nn::VarStore::new(device);
        let net = Box::new(InceptionNet::new(&vs.root())?);
        vs.freeze();
        weights_channels_last(&vs);
        Ok(InceptionV3 {
            vs,
            cut,
            transform_input,
            net,
        })
    }

    /// The cut [`InceptionV3::forward`] stops at.
    pub fn cut(&self) -> Cut {
        self.cut
    }

    /// Change the cut (`top`, `top+1` or `top+2`).
    pub fn set_cut(&mut self, cut: Cut) -> Result<()> {
        self.cut = BackboneKind::InceptionV3.check_cut(cut)?;
        Ok(())
    }

    /// Whether [`inception_transform_input`] is applied first (torchvision's `transform_input`).
    pub fn transform_input(&self) -> bool {
        self.transform_input
    }

    /// Turn torchvision's `transform_input` on or off.
    pub fn set_transform_input(&mut self, on: bool) {
        self.transform_input = on;
    }

    /// Feature shape `(c, h, w)` at `cut` for a 150x150 input: `top` 2048x3x3, `top+1`
    /// 1280x3x3, `top+2` 768x7x7.
    pub fn output_shape(cut: Cut) -> Result<(i64, i64, i64)> {
        BackboneKind::InceptionV3.output_shape(cut)
    }

    /// Features of `x` (`[B, 3, H, W]`, ImageNet-normalised, see [`imagenet_input`]; at least
    /// 75x75) at this model's cut: the output of `Mixed_7c`, `Mixed_7a` or `Mixed_6e` in
    /// torchvision's eval-mode forward, `transform_input` included. Like any tch op it panics on
    /// an input of the wrong shape or device; [`InceptionV3::f_forward`] checks first.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.run(x, self.cut)
    }

    /// [`InceptionV3::forward`] with the input checked first: an error, not a panic, for a
    /// wrong shape or a too small image. Moves `x` to the model's device as float32.
    pub fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_to(x, self.cut)
    }

    /// Checked features at any supported `cut`, whatever this model's own cut.
    pub fn forward_to(&self, x: &Tensor, cut: Cut) -> Result<Tensor> {
        let cut = BackboneKind::InceptionV3.check_cut(cut)?;
        check_input(BackboneKind::InceptionV3, cut, x)?;
        let x = x.f_to_device(self.vs.device())?.f_to_kind(Kind::Float)?;
        Ok(self.run(&x, cut))
    }

    fn run(&self, x: &Tensor, cut: Cut) -> Tensor {
        if self.transform_input {
            self.net.forward(&inception_transform_input(x), cut)
        } else {
            self.net.forward(x, cut)
        }
    }

    /// The variables, named as in torchvision (`Conv2d_1a_3x3.conv.weight`,
    /// `Mixed_5b.branch1x1.bn.running_var`, ...).
    pub fn var_store(&self) -> &nn::VarStore {
        &self.vs
    }

    /// Number of parameters: 21,785,568 ([`INCEPTION_V3_PARAMS`]; Keras counts 21,802,784, of which
    /// 21,768,352 trainable).
    pub fn num_params(&self) -> i64 {
        count_params(&self.vs)
    }

    /// Load torchvision-named weights, see [`load_safetensors`].
    pub fn load_safetensors(&mut self, path: impl AsRef<Path>) -> Result<LoadedWeights> {
        load_into(
            &mut self.vs,
            path.as_ref(),
            BackboneKind::InceptionV3.name(),
        )
    }

    /// Fill every variable with [`fill_with_test_pattern`]'s deterministic values.
    pub fn fill_with_test_pattern(&mut self) -> Result<()> {
        fill_with_test_pattern(&self.vs)
    }
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

// ---------------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------------

/// What [`load_safetensors`] did.
#[derive(Debug, Clone)]
pub struct LoadedWeights {
    /// The file read.
    pub path: PathBuf,
    /// Number of model variables set from the file (all of them).
    pub loaded: usize,
    /// Tensors of the file that the backbone has no use for (classifier, `fc`, `AuxLogits`,
    /// `num_batches_tracked`), sorted.
    pub ignored: Vec<String>,
}

/// Whether a tensor of a torchvision state dict is outside the frozen backbone by design.
fn ignorable(name: &str) -> bool {
    name.starts_with("classifier.")
        || name.starts_with("fc.")
        || name.starts_with("AuxLogits.")
        || name.ends_with("num_batches_tracked")
}

/// Shape as `[64, 3, 3, 3]`.
fn shape(t: &[i64]) -> String {
    let dims: Vec<String> = t.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// Set every variable of `vs` from a safetensors file with torchvision's names (as written by
/// `scripts/export_torchvision_weights.py`), converting to the variables' kind and device.
///
/// All or nothing: if any variable is missing from the file or has another shape, or the file
/// has tensors that belong to no part of the model, nothing is changed and one error lists every
/// missing tensor (name and model shape), every shape mismatch (file and model shapes) and the
/// unexpected tensors. Tensors of the classifier (`classifier.*`, `fc.*`), `AuxLogits.*` and
/// `num_batches_tracked` are ignored. A missing file is an error naming the path.
pub fn load_safetensors(vs: &mut nn::VarStore, path: impl AsRef<Path>) -> Result<LoadedWeights> {
    load_into(vs, path.as_ref(), "the model")
}

fn load_into(vs: &mut nn::VarStore, path: &Path, model: &str) -> Result<LoadedWeights> {
    if !path.is_file() {
        return Err(Error::bad_file(
            path,
            format!(
                "weights file not found (make it with scripts/export_torchvision_weights.py, \
                 see {WEIGHTS_DIR}/)"
            ),
        ));
    }
    let tensors = Tensor::read_safetensors(path)
        .map_err(|e| Error::bad_file(path, format!("not a readable safetensors file: {e}")))?;
    let file: HashMap<String, Tensor> = tensors.into_iter().collect();
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();

    let mut missing = Vec::new();
    let mut mismatched = Vec::new();
    let mut pairs = Vec::with_capacity(names.len());
    for name in names {
        let var = &vars[name];
        match file.get(name) {
            None => missing.push(format!("{name} {}", shape(&var.size()))),
            Some(t) if t.size() != var.size() => mismatched.push(format!(
                "{name}: file {}, model {}",
                shape(&t.size()),
                shape(&var.size())
            )),
            Some(t) => pairs.push((var, t)),
        }
    }
    let mut ignored = Vec::new();
    let mut unexpected = Vec::new();
    let mut extra: Vec<&String> = file.keys().filter(|k| !vars.contains_key(*k)).collect();
    extra.sort();
    for name in extra {
        if ignorable(name) {
            ignored.push(name.clone());
        } else {
            unexpected.push(format!("{name} {}", shape(&file[name].size())));
        }
    }

    if !missing.is_empty() || !mismatched.is_empty() || !unexpected.is_empty() {
        let mut parts = Vec::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        if !missing.is_empty() {
            parts.push(format!(
                "{}: {}",
                plural(missing.len(), "missing tensor", "missing tensors"),
                missing.join(", ")
            ));
        }
        if !mismatched.is_empty() {
            parts.push(format!(
                "{}: {}",
                plural(mismatched.len(), "shape mismatch", "shape mismatches"),
                mismatched.join(", ")
            ));
        }
        if !unexpected.is_empty() {
            const SHOWN: usize = 10;
            let more = unexpected.len().saturating_sub(SHOWN);
            let mut list = unexpected
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if more > 0 {
                list.push_str(&format!(", ... and {more} more"));
            }
            parts.push(format!(
                "{}: {list}",
                plural(unexpected.len(), "unexpected tensor", "unexpected tensors")
            ));
        }
        return Err(Error::bad_file(
            path,
            format!("weights file does not fit {model}: {}", parts.join("; ")),
        ));
    }

    tch::no_grad(|| -> Result<()> {
        for (var, t) in &pairs {
            let mut var = var.shallow_clone();
            var.f_copy_(t)?;
        }
        Ok(())
    })?;
    Ok(LoadedWeights {
        path: path.to_path_buf(),
        loaded: pairs.len(),
        ignored,
    })
}

/// `root/data/weights/vgg16.safetensors` or `root/data/weights/inception_v3.safetensors`.
pub fn default_weights_path(root: impl AsRef<Path>, kind: BackboneKind) -> PathBuf {
    root.as_ref()
        .join(WEIGHTS_DIR)
        .join(kind.weights_file_name())
}

/// The default weights file of `kind` under the project `root` if it is present; `None` means
/// the caller has only random weights and must say so loudly.
pub fn find_default_weights(root: impl AsRef<Path>, kind: BackboneKind) -> Option<PathBuf> {
    let p = default_weights_path(root, kind);
    p.is_file().then_some(p)
}

// ---------------------------------------------------------------------------------------------
// Deterministic test pattern (parity with scripts/fixtures/make_backbone_fixtures.py)
// ---------------------------------------------------------------------------------------------

/// Seed of a tensor's test pattern: `sum((j + 1) * b_j)` over the UTF-8 bytes `b_j` of its name.
pub fn test_pattern_seed(name: &str) -> u64 {
    name.bytes()
        .enumerate()
        .map(|(j, b)| (j as u64 + 1) * u64::from(b))
        .sum()
}

/// Element `i` of the pattern with `seed`: a value in `[-1, 1)` from an integer hash, exact in
/// any language with 64-bit unsigned integers (all arithmetic modulo 2^32 after each step):
///
/// ```text
/// x = (i * 2654435761 + seed * 40503 + 12345) mod 2^32
/// 3 times: x ^= x >> 16; x = (x * 0x45d9f3b) mod 2^32      then x ^= x >> 16
/// v = x / 2^32 * 2 - 1                                     (float64)
/// ```
pub fn test_pattern_value(seed: u64, i: u64) -> f64 {
    const M: u64 = 0xFFFF_FFFF;
    let mut x = (i.wrapping_mul(2_654_435_761))
        .wrapping_add(seed.wrapping_mul(40_503))
        .wrapping_add(12_345)
        & M;
    for _ in 0..3 {
        x ^= x >> 16;
        x = x.wrapping_mul(0x045d_9f3b) & M;
    }
    x ^= x >> 16;
    x as f64 / 4_294_967_296.0 * 2.0 - 1.0
}

/// The test pattern of one tensor, as float32, in row-major order. With `v = `
/// [`test_pattern_value`]`(`[`test_pattern_seed`]`(name), i)`, element `i` is (float64, then
/// rounded to float32):
///
/// - `*running_mean`: `0.1 v`
/// - `*running_var`: `1 + 0.2 v` (in `[0.8, 1.2)`)
/// - weights with 2 or more dims (conv, linear): `sqrt(6 / fan_in) v`, `fan_in = prod(shape[1..])`
///   (He-uniform scale: activations keep their size through ReLU layers)
/// - 1-dim `*weight` (batch-norm gamma): `1 + 0.1 v`
/// - `*bias`: `0.1 v`
/// - anything else: `v`
pub fn test_pattern(name: &str, shape: &[i64]) -> Vec<f32> {
    let n: i64 = shape.iter().product();
    let seed = test_pattern_seed(name);
    let (scale, offset) = if name.ends_with("running_mean") {
        (0.1, 0.0)
    } else if name.ends_with("running_var") {
        (0.2, 1.0)
    } else if shape.len() >= 2 {
        let fan_in: i64 = shape[1..].iter().product();
        ((6.0 / fan_in as f64).sqrt(), 0.0)
    } else if name.ends_with("weight") {
        (0.1, 1.0)
    } else if name.ends_with("bias") {
        (0.1, 0.0)
    } else {
        (1.0, 0.0)
    };
    (0..n.max(0) as u64)
        .map(|i| (offset + scale * test_pattern_value(seed, i)) as f32)
        .collect()
}

/// Overwrite every variable of `vs` (parameters and batch-norm running statistics) with
/// [`test_pattern`], the same values `scripts/fixtures/make_backbone_fixtures.py` gives the
/// torchvision models, so both produce comparable features without real weights.
pub fn fill_with_test_pattern(vs: &nn::VarStore) -> Result<()> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| -> Result<()> {
        for (name, var) in &mut vars {
            let size = var.size();
            let values =
                Tensor::f_from_slice(&test_pattern(name, &size))?.f_view(size.as_slice())?;
            var.f_copy_(&values)?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_kinds_and_cuts() {
        assert_eq!(BackboneKind::parse("vgg16").unwrap(), BackboneKind::Vgg16);
        assert_eq!(
            BackboneKind::parse(" Inception-V3 ").unwrap(),
            BackboneKind::InceptionV3
        );
        assert_eq!(
            "inceptionv3".parse::<BackboneKind>().unwrap(),
            BackboneKind::InceptionV3
        );
        let e = BackboneKind::parse("resnet50").unwrap_err().to_string();
        assert!(e.contains("resnet50") && e.contains("vgg16"), "{e}");
        for c in Cut::ALL {
            assert_eq!(Cut::parse(c.name()).unwrap(), c);
            assert_eq!(c.to_string().parse::<Cut>().unwrap(), c);
        }
        let e = Cut::parse("top+3").unwrap_err().to_string();
        assert!(e.contains("top+3") && e.contains("block5"), "{e}");
        let e = BackboneKind::Vgg16
            .parse_cut("top+1")
            .unwrap_err()
            .to_string();
        assert!(e.contains("vgg16") && e.contains("top, block5"), "{e}");
        let e = BackboneKind::InceptionV3
            .parse_cut("block5")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("inception-v3") && e.contains("top, top+1, top+2"),
            "{e}"
        );
        assert!(Vgg16::new(Device::Cpu, Cut::Top2).is_err());
        assert!(InceptionV3::new(Device::Cpu, Cut::Block5, true).is_err());
    }

    #[test]
    fn output_shapes_for_150() {
        assert_eq!(Vgg16::output_shape(Cut::Top).unwrap(), (512, 4, 4));
        assert_eq!(Vgg16::output_shape(Cut::Block5).unwrap(), (512, 9, 9));
        assert_eq!(InceptionV3::output_shape(Cut::Top).unwrap(), (2048, 3, 3));
        assert_eq!(InceptionV3::output_shape(Cut::Top1).unwrap(), (1280, 3, 3));
        assert_eq!(InceptionV3::output_shape(Cut::Top2).unwrap(), (768, 7, 7));
        assert_eq!(
            BackboneKind::InceptionV3
                .output_shape_for(Cut::Top, 75, 75)
                .unwrap(),
            (2048, 1, 1)
        );
        assert!(BackboneKind::InceptionV3
            .output_shape_for(Cut::Top, 74, 75)
            .is_err());
        assert_eq!(
            BackboneKind::Vgg16
                .output_shape_for(Cut::Top, 32, 32)
                .unwrap(),
            (512, 1, 1)
        );
        assert!(BackboneKind::Vgg16
            .output_shape_for(Cut::Top, 31, 64)
            .is_err());
    }

    #[test]
    fn vgg16_names_params_and_shapes() {
        let m = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
        assert_eq!(m.num_params(), VGG16_PARAMS);
        let vars = m.var_store().variables();
        assert_eq!(vars.len(), 26);
        for i in [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28] {
            assert!(
                vars.contains_key(&format!("features.{i}.weight")),
                "features.{i}.weight"
            );
            assert!(
                vars.contains_key(&format!("features.{i}.bias")),
                "features.{i}.bias"
            );
        }
        assert!(vars.values().all(|t| !t.requires_grad()), "frozen");
        let x = Tensor::zeros([1, 3, 150, 150], (Kind::Float, Device::Cpu));
        assert_eq!(m.f_forward(&x).unwrap().size(), vec![1, 512, 4, 4]);
        assert_eq!(
            m.forward_to(&x, Cut::Block5).unwrap().size(),
            vec![1, 512, 9, 9]
        );
        assert!(m
            .f_forward(&Tensor::zeros([1, 1, 150, 150], (Kind::Float, Device::Cpu)))
            .is_err());
    }

    #[test]
    fn inception_names_params_and_shapes() {
        let m = InceptionV3::new(Device::Cpu, Cut::Top, true).unwrap();
        assert_eq!(m.num_params(), INCEPTION_V3_PARAMS);
        let vars = m.var_store().variables();
        // 94 BasicConv2d: conv weight + 4 batch-norm tensors each.
        assert_eq!(vars.len(), 94 * 5);
        for name in [
            "Conv2d_1a_3x3.conv.weight",
            "Conv2d_1a_3x3.bn.running_mean",
            "Mixed_5b.branch1x1.conv.weight",
            "Mixed_6e.branch7x7dbl_5.bn.running_var",
            "Mixed_7c.branch3x3dbl_3b.bn.bias",
        ] {
            assert!(vars.contains_key(name), "{name}");
        }
        assert_eq!(
            vars["Mixed_6b.branch7x7_2.conv.weight"].size(),
            vec![128, 128, 1, 7]
        );
        // Keras counts the same network differently (no gamma; moving statistics as weights).
        let sum = |suffix: &str| -> i64 {
            vars.iter()
                .filter(|(n, _)| n.ends_with(suffix))
                .map(|(_, t)| t.numel() as i64)
                .sum()
        };
        let (conv, bn) = (sum("conv.weight"), sum("running_mean"));
        assert_eq!((conv, bn), (21_751_136, 17_216));
        assert_eq!(conv + 2 * bn, INCEPTION_V3_PARAMS);
        assert_eq!(conv + 3 * bn, INCEPTION_V3_KERAS_PARAMS);
        assert_eq!(conv + bn, INCEPTION_V3_KERAS_TRAINABLE);
        let x = Tensor::zeros([1, 3, 150, 150], (Kind::Float, Device::Cpu));
        assert_eq!(m.f_forward(&x).unwrap().size(), vec![1, 2048, 3, 3]);
        assert_eq!(
            m.forward_to(&x, Cut::Top2).unwrap().size(),
            vec![1, 768, 7, 7]
        );
        assert!(m
            .f_forward(&Tensor::zeros([1, 3, 60, 60], (Kind::Float, Device::Cpu)))
            .is_err());
    }

    #[test]
    fn transform_input_maps_back_to_half_scale() {
        let p = Tensor::from_slice(&[0.0f32, 0.25, 0.5, 1.0]).view([4, 1, 1, 1]);
        let x = inception_transform_input(&imagenet_input(&p).unwrap());
        let got = crate::tensor::tensor_to_vec(&x).unwrap();
        for (k, want) in [-1.0, -0.5, 0.0, 1.0].iter().enumerate() {
            for c in 0..3 {
                assert!((got[k * 3 + c] - want).abs() < 1e-5, "{got:?}");
            }
        }
        assert!(imagenet_input(&Tensor::zeros([2, 3, 8, 8], (Kind::Float, Device::Cpu))).is_err());
    }

    #[test]
    fn pattern_is_stable() {
        // Values pinned so that a change of formula is noticed (the Python side must follow).
        assert_eq!(test_pattern_seed("ab"), 97 + 2 * 98);
        // Same numbers as scripts/fixtures/make_backbone_fixtures.py prints.
        let seed = test_pattern_seed("features.0.weight");
        assert_eq!(seed, 14747);
        let v: Vec<f64> = (0..3).map(|i| test_pattern_value(seed, i)).collect();
        assert_eq!(
            v,
            [0.5097149955108762, -0.6135409353300929, 0.52671118080616]
        );
        let rv: Vec<f64> = test_pattern("Conv2d_1a_3x3.bn.running_var", &[2])
            .iter()
            .map(|&x| f64::from(x))
            .collect();
        assert_eq!(rv, [1.1172285079956055, 1.0467079877853394]);
        let v: Vec<f64> = (0..3).map(|i| test_pattern_value(5, i)).collect();
        assert!(v.iter().all(|x| (-1.0..1.0).contains(x)));
        assert_ne!(v[0], v[1]);
        let rv = test_pattern("x.bn.running_var", &[1000]);
        assert!(rv.iter().all(|&x| (0.8..1.2).contains(&x)));
        let mean: f32 = test_pattern("w.weight", &[64, 3, 3, 3]).iter().sum::<f32>() / 1728.0;
        assert!(mean.abs() < 0.05, "{mean}");
    }

    #[test]
    fn default_weights_lookup() {
        let dir = tempfile::tempdir().unwrap();
        assert!(find_default_weights(dir.path(), BackboneKind::Vgg16).is_none());
        let p = default_weights_path(dir.path(), BackboneKind::InceptionV3);
        assert!(p.ends_with("data/weights/inception_v3.safetensors"));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, b"x").unwrap();
        assert_eq!(
            find_default_weights(dir.path(), BackboneKind::InceptionV3),
            Some(p)
        );
        let e = Vgg16::new(Device::Cpu, Cut::Top)
            .unwrap()
            .load_safetensors(dir.path().join("nope.safetensors"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("nope.safetensors") && e.contains("not found"),
            "{e}"
        );
    }
}
