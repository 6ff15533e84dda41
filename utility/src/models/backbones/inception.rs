//! InceptionV3: torchvision's `inception_v3()` blocks (BasicConv2d, Inception A-E), frozen,
//! batch norm in eval mode, cut at `Mixed_7c`, `Mixed_7a` or `Mixed_6e`.
use super::*;
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

    /// Multiply-adds of this convolution on an `h` x `w` input, and the output's `(h, w)`.
    fn macs(&self, (h, w): (i64, i64)) -> (f64, (i64, i64)) {
        let k = self.weight.size();
        let ho = (h + 2 * self.padding[0] - k[2]) / self.stride[0] + 1;
        let wo = (w + 2 * self.padding[1] - k[3]) / self.stride[1] + 1;
        let per_pixel: i64 = k.iter().product();
        ((ho * wo) as f64 * per_pixel as f64, (ho, wo))
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

/// Multiply-adds of an Inception block's convolutions on an `h` x `w` input: in every block
/// each branch keeps the block's input side up to its last convolution (the only strided one,
/// in InceptionB and InceptionD), so each convolution reads an `h` x `w` map.
fn block_macs(convs: &[&BasicConv2d], hw: (i64, i64)) -> f64 {
    convs.iter().map(|c| c.macs(hw).0).sum()
}

/// The output side of [`max_pool_3s2`] and of the strided blocks.
fn side_3s2((h, w): (i64, i64)) -> (i64, i64) {
    ((h - 3) / 2 + 1, (w - 3) / 2 + 1)
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
    /// Its convolutions.
    fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch1x1,
            &self.branch5x5_1,
            &self.branch5x5_2,
            &self.branch3x3dbl_1,
            &self.branch3x3dbl_2,
            &self.branch3x3dbl_3,
            &self.branch_pool,
        ]
    }

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
    /// Its convolutions.
    fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch3x3,
            &self.branch3x3dbl_1,
            &self.branch3x3dbl_2,
            &self.branch3x3dbl_3,
        ]
    }

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
    /// Its convolutions.
    fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch1x1,
            &self.branch7x7_1,
            &self.branch7x7_2,
            &self.branch7x7_3,
            &self.branch7x7dbl_1,
            &self.branch7x7dbl_2,
            &self.branch7x7dbl_3,
            &self.branch7x7dbl_4,
            &self.branch7x7dbl_5,
            &self.branch_pool,
        ]
    }

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
    /// Its convolutions.
    fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch3x3_1,
            &self.branch3x3_2,
            &self.branch7x7x3_1,
            &self.branch7x7x3_2,
            &self.branch7x7x3_3,
            &self.branch7x7x3_4,
        ]
    }

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
    /// Its convolutions.
    fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch1x1,
            &self.branch3x3_1,
            &self.branch3x3_2a,
            &self.branch3x3_2b,
            &self.branch3x3dbl_1,
            &self.branch3x3dbl_2,
            &self.branch3x3dbl_3a,
            &self.branch3x3dbl_3b,
            &self.branch_pool,
        ]
    }

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
        for (i, c) in [
            &self.conv2d_1a_3x3,
            &self.conv2d_2a_3x3,
            &self.conv2d_2b_3x3,
            &self.conv2d_3b_1x1,
            &self.conv2d_4a_3x3,
        ]
        .into_iter()
        .enumerate()
        {
            let (m, out) = c.macs(hw);
            total += m;
            hw = if i == 2 || i == 4 { side_3s2(out) } else { out };
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
