//! Compute precision and memory layout: float32 or bf16 convolutions and dense layers, NCHW or
//! channels-last (NHWC) strides. Neither changes a model or its saved weights, only speed and
//! rounding; `precision = auto` picks bf16 where the CPU has bf16 units (docs/PERFORMANCE.md).
use crate::error::Result;
use tch::nn::{self, Module};
use tch::{Kind, Tensor};
/// Floating-point precision of the convolutions and dense layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// float32 everywhere (the seed's; what `auto` picks where there are no bf16 units).
    #[default]
    Fp32,
    /// bfloat16 compute with float32 master weights, gradients and loss (what PyTorch's
    /// `autocast(dtype=torch.bfloat16)` does for convolutions and linear layers). Fast where the
    /// hardware has bf16 units (CPUs with AMX or AVX512-BF16, recent GPUs); slow elsewhere.
    Bf16,
}

impl Precision {
    pub fn parse(s: &str) -> Result<Precision> {
        match s.trim().to_ascii_lowercase().as_str() {
            "fp32" | "float32" | "f32" => Ok(Precision::Fp32),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            o => crate::error::invalid("precision", format!("'{o}': expected fp32 or bf16")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
    /// The tensor kind computed in: `Float` or `BFloat16`.
    pub fn kind(self) -> Kind {
        match self {
            Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
    }
    /// A precision setting: `fp32`, `bf16`, or `auto` (`None`: [`Precision::auto_for`]).
    pub fn parse_setting(s: &str) -> Result<Option<Precision>> {
        if s.trim().eq_ignore_ascii_case("auto") {
            return Ok(None);
        }
        Precision::parse(s).map(Some).map_err(|_| {
            crate::Error::invalid(
                "precision",
                format!("'{}': expected auto, fp32 or bf16", s.trim()),
            )
        })
    }
    /// What `auto` picks for the scratch CNN and the Siamese tower: bf16 on a CPU with bf16
    /// units ([`crate::runtime::device::cpu_bf16_units`]), where it trains faster and keeps the
    /// test ROC AUC; fp32 elsewhere: without bf16 units bf16 is emulated (slower), and on CUDA its
    /// accuracy is not measured yet. The speeds and the paired accuracy runs behind this choice
    /// are in docs/PERFORMANCE.md.
    pub fn auto_for(device: tch::Device) -> Precision {
        match device {
            tch::Device::Cpu if crate::runtime::device::cpu_bf16_units().is_some() => {
                Precision::Bf16
            }
            _ => Precision::Fp32,
        }
    }
}

impl Precision {
    /// What `auto` picks for a pretrained model's frozen backbone: float32. bf16 features are
    /// available (`precision = bf16`: [`crate::models::backbones::Backbone::set_precision`]) and
    /// 3-4x faster on a CPU with bf16 units, but `scripts/bench/precision_accuracy.sh` measured
    /// them lowering the head's test AUC on the full-size set, a little but in every pair
    /// (VGG16 -0.0065, InceptionV3 -0.0062 [-0.0110, -0.0017]; docs/PERFORMANCE.md).
    pub fn auto_for_backbone(_device: tch::Device) -> Precision {
        Precision::Fp32
    }
}

/// How a tower computes: memory layout and precision. Neither changes the model or its saved
/// weights, only the speed (and, for bf16, the rounding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Compute {
    /// NHWC strides for the convolutions (oneDNN's and cuDNN's fast path).
    pub channels_last: bool,
    pub precision: Precision,
}

impl Compute {
    fn kind(&self) -> Kind {
        self.precision.kind()
    }
    /// The network input in this layout and precision.
    pub fn input(&self, x: &Tensor) -> Tensor {
        let x = if self.channels_last {
            to_channels_last(x)
        } else {
            x.shallow_clone()
        };
        match self.precision {
            Precision::Fp32 => x,
            Precision::Bf16 => x.to_kind(Kind::BFloat16),
        }
    }
    /// A 3x3 valid convolution (stride 1), weights cast to the compute precision.
    pub(crate) fn conv(&self, c: &nn::Conv2D, x: &Tensor) -> Tensor {
        match self.precision {
            Precision::Fp32 => c.forward(x),
            Precision::Bf16 => {
                let k = self.kind();
                let b = c.bs.as_ref().map(|b| b.to_kind(k));
                x.conv2d(&c.ws.to_kind(k), b.as_ref(), [1, 1], [0, 0], [1, 1], 1)
            }
        }
    }
    pub(crate) fn linear(&self, l: &nn::Linear, x: &Tensor) -> Tensor {
        match self.precision {
            Precision::Fp32 => x.apply(l),
            Precision::Bf16 => {
                let k = self.kind();
                let b = l.bs.as_ref().map(|b| b.to_kind(k));
                x.linear(&l.ws.to_kind(k), b.as_ref())
            }
        }
    }
}

/// The same values with exactly NHWC strides (`x.to(memory_format=torch.channels_last)`).
/// Exact strides matter for one-channel tensors (the input image, the first convolution's
/// weights): a permute + `contiguous()` leaves them with their NCHW strides (a size-1 dimension
/// counts as contiguous either way), PyTorch then treats them as NCHW, and the first block runs
/// on the slow NCHW path (oneDNN reorders its 32x148x148 output, NCHW max pooling, and a copy
/// back to NHWC before the second convolution), and training is slower (docs/PERFORMANCE.md).
pub fn to_channels_last(x: &Tensor) -> Tensor {
    let s = x.size();
    if s.len() != 4 {
        return x.shallow_clone();
    }
    let strides = [s[1] * s[2] * s[3], 1, s[3] * s[1], s[1]];
    if x.stride() == strides {
        return x.shallow_clone();
    }
    let mut out = Tensor::empty_strided(&s, strides, (x.kind(), x.device()));
    out.copy_(x);
    out
}
