//! InceptionV3's building blocks, as torchvision defines them: `BasicConv2d` and the five
//! Inception blocks (A-E), with their multiply-adds.
use super::*;

/// torchvision's `BasicConv2d`: conv (no bias) + batch norm (eval mode, eps 0.001) + ReLU.
#[derive(Debug)]
pub(super) struct BasicConv2d {
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
    pub(super) fn new(
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
    pub(super) fn sq(
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
    pub(super) fn macs(&self, (h, w): (i64, i64)) -> (f64, (i64, i64)) {
        let k = self.weight.size();
        let ho = (h + 2 * self.padding[0] - k[2]) / self.stride[0] + 1;
        let wo = (w + 2 * self.padding[1] - k[3]) / self.stride[1] + 1;
        let per_pixel: i64 = k.iter().product();
        ((ho * wo) as f64 * per_pixel as f64, (ho, wo))
    }

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
pub(super) fn block_macs(convs: &[&BasicConv2d], hw: (i64, i64)) -> f64 {
    convs.iter().map(|c| c.macs(hw).0).sum()
}

/// The output side of [`max_pool_3s2`] and of the strided blocks.
pub(super) fn side_3s2((h, w): (i64, i64)) -> (i64, i64) {
    ((h - 3) / 2 + 1, (w - 3) / 2 + 1)
}

/// `F.max_pool2d(x, kernel_size=3, stride=2)`.
pub(super) fn max_pool_3s2(x: &Tensor) -> Tensor {
    x.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], false)
}

/// `F.avg_pool2d(x, kernel_size=3, stride=1, padding=1)` (padding counted in the mean).
pub(super) fn avg_pool_3s1(x: &Tensor) -> Tensor {
    x.avg_pool2d([3, 3], [1, 1], [1, 1], false, true, None)
}

/// torchvision `InceptionA` (Mixed_5b, 5c, 5d).
#[derive(Debug)]
pub(super) struct InceptionA {
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
    pub(super) fn convs(&self) -> Vec<&BasicConv2d> {
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

    pub(super) fn new(p: &nn::Path, c_in: i64, pool_features: i64) -> Result<Self> {
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

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
pub(super) struct InceptionB {
    branch3x3: BasicConv2d,
    branch3x3dbl_1: BasicConv2d,
    branch3x3dbl_2: BasicConv2d,
    branch3x3dbl_3: BasicConv2d,
}

impl InceptionB {
    /// Its convolutions.
    pub(super) fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch3x3,
            &self.branch3x3dbl_1,
            &self.branch3x3dbl_2,
            &self.branch3x3dbl_3,
        ]
    }

    pub(super) fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
        Ok(InceptionB {
            branch3x3: BasicConv2d::sq(p, "branch3x3", c_in, 384, 3, 2, 0)?,
            branch3x3dbl_1: BasicConv2d::sq(p, "branch3x3dbl_1", c_in, 64, 1, 1, 0)?,
            branch3x3dbl_2: BasicConv2d::sq(p, "branch3x3dbl_2", 64, 96, 3, 1, 1)?,
            branch3x3dbl_3: BasicConv2d::sq(p, "branch3x3dbl_3", 96, 96, 3, 2, 0)?,
        })
    }

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
pub(super) struct InceptionC {
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
    pub(super) fn convs(&self) -> Vec<&BasicConv2d> {
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

    pub(super) fn new(p: &nn::Path, c_in: i64, c7: i64) -> Result<Self> {
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

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
pub(super) struct InceptionD {
    branch3x3_1: BasicConv2d,
    branch3x3_2: BasicConv2d,
    branch7x7x3_1: BasicConv2d,
    branch7x7x3_2: BasicConv2d,
    branch7x7x3_3: BasicConv2d,
    branch7x7x3_4: BasicConv2d,
}

impl InceptionD {
    /// Its convolutions.
    pub(super) fn convs(&self) -> Vec<&BasicConv2d> {
        vec![
            &self.branch3x3_1,
            &self.branch3x3_2,
            &self.branch7x7x3_1,
            &self.branch7x7x3_2,
            &self.branch7x7x3_3,
            &self.branch7x7x3_4,
        ]
    }

    pub(super) fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
        Ok(InceptionD {
            branch3x3_1: BasicConv2d::sq(p, "branch3x3_1", c_in, 192, 1, 1, 0)?,
            branch3x3_2: BasicConv2d::sq(p, "branch3x3_2", 192, 320, 3, 2, 0)?,
            branch7x7x3_1: BasicConv2d::sq(p, "branch7x7x3_1", c_in, 192, 1, 1, 0)?,
            branch7x7x3_2: BasicConv2d::new(p, "branch7x7x3_2", 192, 192, [1, 7], 1, [0, 3])?,
            branch7x7x3_3: BasicConv2d::new(p, "branch7x7x3_3", 192, 192, [7, 1], 1, [3, 0])?,
            branch7x7x3_4: BasicConv2d::sq(p, "branch7x7x3_4", 192, 192, 3, 2, 0)?,
        })
    }

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
pub(super) struct InceptionE {
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
    pub(super) fn convs(&self) -> Vec<&BasicConv2d> {
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

    pub(super) fn new(p: &nn::Path, c_in: i64) -> Result<Self> {
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

    pub(super) fn forward(&self, x: &Tensor) -> Tensor {
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
