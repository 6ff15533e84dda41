//! InceptionV3: torchvision's `inception_v3()` blocks (BasicConv2d, Inception A-E), frozen,
//! batch norm in eval mode, cut at `Mixed_7c`, `Mixed_7a` or `Mixed_6e`.
use super::*;
mod blocks;
use blocks::*;

/// torchvision's `inception_v3()` from `Conv2d_1a_3x3` to `Mixed_7c`, frozen, batch norm in eval
/// mode, no `AuxLogits`, no `fc`; cut at [`Cut::Top`] (`Mixed_7c`), [`Cut::Top1`] (`Mixed_7a`)
/// or [`Cut::Top2`] (`Mixed_6e`).
#[derive(Debug)]
pub struct InceptionV3 {
    vs: nn::VarStore,
    cut: Cut,
    transform_input: bool,
    net: Box<InceptionNet>,
    precision: Precision,
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
    /// Multiply-adds of [`InceptionNet::forward`] for one `side` x `side` image up to `cut`.
    fn macs(&self, side: i64, cut: Cut) -> f64 {
        let (mut total, mut hw) = (0.0, (side, side));
        // The stem, as in `forward`: each convolution, and whether a max pool follows it.
        for (c, pool_after) in [
            (&self.conv2d_1a_3x3, false),
            (&self.conv2d_2a_3x3, false),
            (&self.conv2d_2b_3x3, true),
            (&self.conv2d_3b_1x1, false),
            (&self.conv2d_4a_3x3, true),
        ] {
            let (m, out) = c.macs(hw);
            total += m;
            hw = if pool_after { side_3s2(out) } else { out };
        }
        for b in [&self.mixed_5b, &self.mixed_5c, &self.mixed_5d] {
            total += block_macs(&b.convs(), hw);
        }
        total += block_macs(&self.mixed_6a.convs(), hw);
        hw = side_3s2(hw);
        for b in [
            &self.mixed_6b,
            &self.mixed_6c,
            &self.mixed_6d,
            &self.mixed_6e,
        ] {
            total += block_macs(&b.convs(), hw);
        }
        if cut == Cut::Top2 {
            return total;
        }
        total += block_macs(&self.mixed_7a.convs(), hw);
        hw = side_3s2(hw);
        if cut == Cut::Top1 {
            return total;
        }
        for b in [&self.mixed_7b, &self.mixed_7c] {
            total += block_macs(&b.convs(), hw);
        }
        total
    }

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
            .forward(&crate::runtime::precision::to_channels_last(x));
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
            precision: Precision::Fp32,
        })
    }

    /// The precision the convolutions compute in.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Compute in `precision`: for bf16, the convolution kernels are stored in bf16 and the
    /// input is rounded to bf16 after [`inception_transform_input`]; batch norm keeps its
    /// float32 parameters and statistics and normalises the bf16 activations (what PyTorch's
    /// bf16 autocast does with these layers). The features come back as float32 either way.
    /// Back to fp32 after bf16, the weights stay rounded to bf16's precision: load the weights
    /// file again for the exact float32 values.
    pub fn set_precision(&mut self, precision: Precision) -> Result<()> {
        vars_to_precision(&self.vs, precision, |name| name.ends_with("conv.weight"))?;
        self.precision = precision;
        Ok(())
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
    /// wrong shape or a too small image. Moves `x` to the model's device; float32 features.
    pub fn f_forward(&self, x: &Tensor) -> Result<Tensor> {
        self.forward_to(x, self.cut)
    }

    /// Checked features at any supported `cut`, whatever this model's own cut.
    pub fn forward_to(&self, x: &Tensor, cut: Cut) -> Result<Tensor> {
        let cut = BackboneKind::InceptionV3.check_cut(cut)?;
        check_input(BackboneKind::InceptionV3, cut, x)?;
        let x = x.f_to_device(self.vs.device())?;
        Ok(self.run(&x, cut))
    }

    fn run(&self, x: &Tensor, cut: Cut) -> Tensor {
        let x = x.to_kind(Kind::Float);
        let x = if self.transform_input {
            inception_transform_input(&x)
        } else {
            x
        };
        self.net
            .forward(&x.to_kind(self.precision.kind()), cut)
            .to_kind(Kind::Float)
    }

    /// Multiply-adds of the features of one `side` x `side` image at this model's cut (the
    /// convolutions; batch norm, pooling and ReLU not counted): at 299 and `top` 5.711 G, with
    /// the classifier 5.713 G, the "GFLOPS" torchvision documents for InceptionV3 (it counts
    /// multiply-adds); at 150, 1.067 G.
    pub fn features_macs(&self, side: i64) -> f64 {
        self.net.macs(side, self.cut)
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
