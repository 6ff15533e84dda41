//! VGG16: torchvision's `vgg16().features`, frozen, cut after block 5 or block 4.
use super::*;
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

/// torchvision's `vgg16().features`, frozen, cut at [`Cut::Top`] (after `features.30`) or
/// [`Cut::Block5`] (after `features.23`).
#[derive(Debug)]
pub struct Vgg16 {
    vs: nn::VarStore,
    layers: Vec<VggLayer>,
    cut: Cut,
    precision: Precision,
}

/// torchvision's VGG16 configuration "D": output channels of each conv, `None` = max pool.
pub(crate) const VGG16_CFG: [Option<i64>; 18] = [
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
        Ok(Vgg16 {
            vs,
            layers,
            cut,
            precision: Precision::Fp32,
        })
    }

    /// Multiply-adds of the features (13 convolutions, 3x3, padding 1; the pools halve the side,
    /// rounding down) for a square `side` x `side` input at the `top` cut. At 224 they are
    /// 15.35 G, and with the classifier's three dense layers 15.47 G, the "GFLOPS" torchvision
    /// documents for VGG16 (it counts multiply-adds); at 150, 6.62 G.
    pub fn features_macs(side: i64) -> f64 {
        Self::features_macs_to(side, Cut::Top)
    }

    /// [`Vgg16::features_macs`] up to `cut` (`block5` stops before the last three
    /// convolutions).
    pub fn features_macs_to(side: i64, cut: Cut) -> f64 {
        let mut convs_left = if cut == Cut::Block5 { 10 } else { 13 };
        let (mut side, mut c_in, mut macs) = (side as f64, 3.0, 0.0);
        for c in VGG16_CFG {
            match c {
                Some(_) if convs_left == 0 => break,
                Some(c_out) => {
                    macs += side * side * c_out as f64 * c_in * 9.0;
                    c_in = c_out as f64;
                    convs_left -= 1;
                }
                None => side = (side / 2.0).floor(),
            }
        }
        macs
    }

    /// The precision the convolutions compute in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Compute in `precision`: for bf16, every kernel and bias is stored in bf16 and the input
    /// is rounded to bf16 before the first convolution (what PyTorch's bf16 autocast does with
    /// these layers); the features come back as float32 either way. Weights loaded afterwards
    /// are converted on the way in. Fast where the hardware has bf16 units; emulated, and
    /// slower than float32, elsewhere (docs/PERFORMANCE.md).
    /// Back to fp32 after bf16, the weights stay rounded to bf16's precision: load the weights
    /// file again for the exact float32 values.
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        vars_to_precision(&self.vs, precision, |_| true)?;
        self.precision = precision;
        Ok(())
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
    /// shape or a too small image. Moves `x` to the model's device; float32 features.
    pub fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_to(x, self.cut)
    }

    /// Checked features at any supported `cut`, whatever this model's own cut.
    pub fn forward_to(&self, x: &Tensor, cut: Cut) -> Result<Tensor> {
        let cut = BackboneKind::Vgg16.check_cut(cut)?;
        check_input(BackboneKind::Vgg16, cut, x)?;
        let x = x.f_to_device(self.vs.device())?;
        Ok(self.run(&x, cut))
    }

    fn run(&self, x: &Tensor, cut: Cut) -> Tensor {
        let last = Self::last_index(cut);
        // NHWC: oneDNN's fast layout on CPU (1.8x faster than NCHW for these features, measured
        // with PyTorch and mammo alike). Same values up to float rounding.
        let mut x = crate::runtime::precision::to_channels_last(&x.to_kind(self.precision.kind()));
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
        x.to_kind(Kind::Float)
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
