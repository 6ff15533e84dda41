//! The networks of the seed: the CNN from scratch (§4), the Siamese network (§6) and, with
//! [`crate::backbones`], the pretrained feature extractors with an MLP head (§5). Each is a
//! named type built from a config struct with defaults, so it persists between notebook cells.
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
    /// units ([`crate::device::cpu_bf16_units`]), where it trains 1.6-1.9x faster and held
    /// the test ROC AUC (mean difference -0.0003 over 14 paired runs, docs/PERFORMANCE.md);
    /// fp32 elsewhere.
    /// Without bf16 units bf16 is emulated and 2.5x slower; on CUDA it is not measured yet.
    pub fn auto_for(device: tch::Device) -> Precision {
        match device {
            tch::Device::Cpu if crate::device::cpu_bf16_units().is_some() => Precision::Bf16,
            _ => Precision::Fp32,
        }
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
        match self.precision {
            Precision::Fp32 => Kind::Float,
            Precision::Bf16 => Kind::BFloat16,
        }
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
    fn conv(&self, c: &nn::Conv2D, x: &Tensor) -> Tensor {
        match self.precision {
            Precision::Fp32 => c.forward(x),
            Precision::Bf16 => {
                let k = self.kind();
                let b = c.bs.as_ref().map(|b| b.to_kind(k));
                x.conv2d(&c.ws.to_kind(k), b.as_ref(), [1, 1], [0, 0], [1, 1], 1)
            }
        }
    }
    fn linear(&self, l: &nn::Linear, x: &Tensor) -> Tensor {
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
/// back to NHWC before the second convolution): measured 1.3-1.5x slower training on CPU.
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

/// A row of a Keras-style model summary.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerRow {
    pub name: String,
    pub kind: String,
    pub output_shape: String,
    pub params: i64,
    pub trainable: bool,
}

/// A Keras-style summary: layers, output shapes, parameters, trainable and frozen totals.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub model: String,
    pub rows: Vec<LayerRow>,
}

impl Summary {
    pub fn total(&self) -> i64 {
        self.rows.iter().map(|r| r.params).sum()
    }
    pub fn trainable(&self) -> i64 {
        self.rows
            .iter()
            .filter(|r| r.trainable)
            .map(|r| r.params)
            .sum()
    }
    pub fn non_trainable(&self) -> i64 {
        self.total() - self.trainable()
    }
}

/// Format with thousands separators, as Keras prints counts.
pub fn thousands(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "Model: \"{}\"", self.model)?;
        writeln!(
            f,
            "{:<34}{:<24}{:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(70))?;
        for r in &self.rows {
            let name = format!("{} ({})", r.name, r.kind);
            let frozen = if r.trainable || r.params == 0 {
                ""
            } else {
                "  frozen"
            };
            writeln!(
                f,
                "{name:<34}{:<24}{:>12}{frozen}",
                r.output_shape,
                thousands(r.params)
            )?;
        }
        writeln!(f, "{}", "=".repeat(70))?;
        writeln!(f, "Total params: {}", thousands(self.total()))?;
        writeln!(f, "Trainable params: {}", thousands(self.trainable()))?;
        write!(
            f,
            "Non-trainable params: {}",
            thousands(self.non_trainable())
        )
    }
}

/// Configuration of the CNN from scratch. Defaults are the seed's §4 network.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScratchConfig {
    /// Filters of the four 3x3 valid convolutions, each followed by 2x2 max pooling.
    pub filters: [i64; 4],
    /// Units of the dense layer after flattening.
    pub dense: i64,
    /// Dropout before the output layer (0 = none, as in the seed).
    pub dropout: f64,
    /// Outputs: 1 for binary tasks (a logit), 4 for the 4-class task.
    pub n_out: i64,
}

impl Default for ScratchConfig {
    fn default() -> Self {
        ScratchConfig {
            filters: [32, 64, 128, 128],
            dense: 512,
            dropout: 0.0,
            n_out: 1,
        }
    }
}

/// Spatial size after the four conv (valid 3x3) + pool (2x2) stages, for a 150x150 input.
fn stage_sizes(side: i64) -> [(i64, i64); 4] {
    let mut out = [(0, 0); 4];
    let mut s = side;
    for o in out.iter_mut() {
        let c = s - 2;
        s = c / 2;
        *o = (c, s);
    }
    out
}

/// The convolutional tower of the scratch CNN: conv 32-64-128-128 (3x3 valid, ReLU) each
/// followed by 2x2 max pooling, flatten (6272), dense 512 (ReLU).
#[derive(Debug)]
pub struct Tower {
    convs: Vec<nn::Conv2D>,
    dense: nn::Linear,
    /// Layout and precision of the forward pass (default: NCHW float32).
    pub compute: Compute,
    pub filters: [i64; 4],
    pub dense_units: i64,
    pub flat: i64,
}

impl Tower {
    pub fn new(p: &nn::Path, filters: [i64; 4], dense_units: i64) -> Result<Tower> {
        if filters.iter().any(|&f| f <= 0) || dense_units <= 0 {
            return crate::error::invalid(
                "model",
                format!("filters {filters:?} and dense {dense_units} must be positive"),
            );
        }
        let mut convs = Vec::new();
        let mut cin = 1;
        for (i, &f) in filters.iter().enumerate() {
            convs.push(nn::conv2d(
                p / format!("conv{}", i + 1),
                cin,
                f,
                3,
                Default::default(),
            ));
            cin = f;
        }
        let (_, s) = stage_sizes(crate::dataset::SIDE as i64)[3];
        let flat = filters[3] * s * s;
        let dense = nn::linear(p / "dense", flat, dense_units, Default::default());
        Ok(Tower {
            convs,
            dense,
            compute: Compute::default(),
            filters,
            dense_units,
            flat,
        })
    }

    /// Compute in this layout and precision. Channels-last also stores the convolution weights
    /// with NHWC strides (as PyTorch's `model.to(memory_format=torch.channels_last)`), so that
    /// neither the weights nor their gradients are reordered at every step.
    pub fn set_compute(&mut self, compute: Compute) {
        let _g = tch::no_grad_guard();
        for c in &mut self.convs {
            let w = if compute.channels_last {
                to_channels_last(&c.ws)
            } else {
                c.ws.contiguous()
            };
            c.ws.set_data(&w);
        }
        self.compute = compute;
    }

    /// The last convolution's activation (before its pooling), `[B, 128, 15, 15]`: what
    /// Grad-CAM looks at. In the compute precision (float32 unless bf16 was asked for).
    pub fn conv_maps(&self, x: &Tensor) -> Tensor {
        let mut h = self.compute.input(x);
        for (i, c) in self.convs.iter().enumerate() {
            h = self.compute.conv(c, &h);
            // conv -> ReLU -> pool computed as conv -> pool -> ReLU: the same values and the
            // same gradients (max pooling commutes with any non-decreasing function, ties
            // included), with the ReLU on a quarter of the pixels. In place: neither the
            // pooling's backward nor the convolution's needs the tensor ReLU overwrites.
            if i + 1 < self.convs.len() {
                h = h.max_pool2d_default(2);
            }
            let _ = h.relu_();
        }
        h
    }

    /// From the last convolution's activation to the dense features (float32).
    pub fn head_from_maps(&self, maps: &Tensor) -> Tensor {
        let h = maps.max_pool2d_default(2).flatten(1, -1);
        let h = self.compute.linear(&self.dense, &h).relu();
        if h.kind() == Kind::Float {
            h
        } else {
            h.to_kind(Kind::Float)
        }
    }

    /// `[B, 1, 150, 150]` -> `[B, dense]`.
    pub fn forward(&self, x: &Tensor) -> Tensor {
        self.head_from_maps(&self.conv_maps(x))
    }

    fn summary_rows(&self, prefix: &str, rows: &mut Vec<LayerRow>) {
        let sizes = stage_sizes(crate::dataset::SIDE as i64);
        let mut cin = 1;
        for (i, &f) in self.filters.iter().enumerate() {
            let (c, s) = sizes[i];
            rows.push(LayerRow {
                name: format!("{prefix}conv{}", i + 1),
                kind: "Conv2D".into(),
                output_shape: format!("(None, {c}, {c}, {f})"),
                params: cin * f * 9 + f,
                trainable: true,
            });
            rows.push(LayerRow {
                name: format!("{prefix}pool{}", i + 1),
                kind: "MaxPooling2D".into(),
                output_shape: format!("(None, {s}, {s}, {f})"),
                params: 0,
                trainable: true,
            });
            cin = f;
        }
        rows.push(LayerRow {
            name: format!("{prefix}flatten"),
            kind: "Flatten".into(),
            output_shape: format!("(None, {})", self.flat),
            params: 0,
            trainable: true,
        });
        rows.push(LayerRow {
            name: format!("{prefix}dense"),
            kind: "Dense".into(),
            output_shape: format!("(None, {})", self.dense_units),
            params: self.flat * self.dense_units + self.dense_units,
            trainable: true,
        });
    }
}

/// The CNN from scratch of seed §4: 3,452,545 parameters with the defaults.
#[derive(Debug)]
pub struct ScratchCnn {
    pub tower: Tower,
    out: nn::Linear,
    pub config: ScratchConfig,
}

impl ScratchCnn {
    pub fn new(p: &nn::Path, config: &ScratchConfig) -> Result<ScratchCnn> {
        let tower = Tower::new(p, config.filters, config.dense)?;
        let out = nn::linear(p / "out", config.dense, config.n_out, Default::default());
        Ok(ScratchCnn {
            tower,
            out,
            config: config.clone(),
        })
    }
    /// Logits `[B, n_out]`.
    pub fn forward_t(&self, x: &Tensor, train: bool) -> Tensor {
        self.tower
            .forward(x)
            .dropout(self.config.dropout, train)
            .apply(&self.out)
    }
    /// Logits from the last convolution's activation (for Grad-CAM).
    pub fn forward_from_maps(&self, maps: &Tensor) -> Tensor {
        self.tower.head_from_maps(maps).apply(&self.out)
    }
    pub fn summary(&self) -> Summary {
        let mut rows = Vec::new();
        self.tower.summary_rows("", &mut rows);
        rows.push(LayerRow {
            name: "out".into(),
            kind: "Dense".into(),
            output_shape: format!("(None, {})", self.config.n_out),
            params: self.config.dense * self.config.n_out + self.config.n_out,
            trainable: true,
        });
        Summary {
            model: "scratch".into(),
            rows,
        }
    }
}

/// Configuration of the Siamese network. Defaults are the seed's §6 network.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SiameseConfig {
    pub filters: [i64; 4],
    /// Units of the tower's dense layer (its output).
    pub tower_dense: i64,
    /// Dropout after concatenation (the seed settled on 0.4).
    pub dropout: f64,
    /// Units of the dense layer after concatenation.
    pub dense: i64,
    pub n_out: i64,
}

impl Default for SiameseConfig {
    fn default() -> Self {
        SiameseConfig {
            filters: [32, 64, 128, 128],
            tower_dense: 512,
            dropout: 0.4,
            dense: 512,
            n_out: 1,
        }
    }
}

/// The Siamese network of seed §6: one tower shared by the baseline and the abnormality patch,
/// concatenation, dropout, dense 512, dense 1: 3,977,345 parameters with the defaults.
#[derive(Debug)]
pub struct SiameseNet {
    pub tower: Tower,
    dense: nn::Linear,
    out: nn::Linear,
    pub config: SiameseConfig,
}

impl SiameseNet {
    pub fn new(p: &nn::Path, config: &SiameseConfig) -> Result<SiameseNet> {
        let tower = Tower::new(&(p / "tower"), config.filters, config.tower_dense)?;
        let dense = nn::linear(
            p / "dense",
            2 * config.tower_dense,
            config.dense,
            Default::default(),
        );
        let out = nn::linear(p / "out", config.dense, config.n_out, Default::default());
        Ok(SiameseNet {
            tower,
            dense,
            out,
            config: config.clone(),
        })
    }
    /// Logits `[B, n_out]` of (baseline, abnormality) pairs.
    pub fn forward_t(&self, baseline: &Tensor, abnormality: &Tensor, train: bool) -> Tensor {
        let a = self.tower.forward(baseline);
        let b = self.tower.forward(abnormality);
        Tensor::cat(&[a, b], 1)
            .dropout(self.config.dropout, train)
            .apply(&self.dense)
            .relu()
            .apply(&self.out)
    }
    /// Logits from the abnormality tower's last convolution activation (for Grad-CAM).
    pub fn forward_from_maps(&self, baseline: &Tensor, abnormality_maps: &Tensor) -> Tensor {
        let a = self.tower.forward(baseline);
        let b = self.tower.head_from_maps(abnormality_maps);
        Tensor::cat(&[a, b], 1)
            .apply(&self.dense)
            .relu()
            .apply(&self.out)
    }

    pub fn summary(&self) -> Summary {
        let mut tower_rows = Vec::new();
        self.tower.summary_rows("", &mut tower_rows);
        let tower_params: i64 = tower_rows.iter().map(|r| r.params).sum();
        let c = &self.config;
        let rows = vec![
            LayerRow {
                name: "baseline".into(),
                kind: "InputLayer".into(),
                output_shape: "(None, 150, 150, 1)".into(),
                params: 0,
                trainable: true,
            },
            LayerRow {
                name: "abnormality".into(),
                kind: "InputLayer".into(),
                output_shape: "(None, 150, 150, 1)".into(),
                params: 0,
                trainable: true,
            },
            LayerRow {
                name: "tower (shared)".into(),
                kind: "Functional".into(),
                output_shape: format!("(None, {})", c.tower_dense),
                params: tower_params,
                trainable: true,
            },
            LayerRow {
                name: "concatenation".into(),
                kind: "Concatenate".into(),
                output_shape: format!("(None, {})", 2 * c.tower_dense),
                params: 0,
                trainable: true,
            },
            LayerRow {
                name: "dropout".into(),
                kind: "Dropout".into(),
                output_shape: format!("(None, {})", 2 * c.tower_dense),
                params: 0,
                trainable: true,
            },
            LayerRow {
                name: "dense".into(),
                kind: "Dense".into(),
                output_shape: format!("(None, {})", c.dense),
                params: 2 * c.tower_dense * c.dense + c.dense,
                trainable: true,
            },
            LayerRow {
                name: "out".into(),
                kind: "Dense".into(),
                output_shape: format!("(None, {})", c.n_out),
                params: c.dense * c.n_out + c.n_out,
                trainable: true,
            },
        ];
        Summary {
            model: "siamese".into(),
            rows,
        }
    }
    /// Summary of the shared tower alone (3,452,032 parameters with the defaults).
    pub fn tower_summary(&self) -> Summary {
        let mut rows = Vec::new();
        self.tower.summary_rows("", &mut rows);
        Summary {
            model: "siamese tower".into(),
            rows,
        }
    }
}

/// Number of parameters in a var store (trainable or not).
pub fn count_params(vs: &nn::VarStore) -> i64 {
    vs.variables().values().map(|t| t.numel() as i64).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn::VarStore, Device, Kind};

    #[test]
    fn scratch_has_the_seeds_parameter_count_and_shapes() {
        let vs = VarStore::new(Device::Cpu);
        let m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
        assert_eq!(count_params(&vs), 3_452_545);
        assert_eq!(m.summary().total(), 3_452_545);
        let y = m.forward_t(
            &Tensor::zeros([2, 1, 150, 150], (Kind::Float, Device::Cpu)),
            false,
        );
        assert_eq!(y.size(), vec![2, 1]);
        assert!(m.summary().to_string().contains("(None, 7, 7, 128)"));
    }

    #[test]
    fn siamese_has_the_seeds_parameter_counts() {
        let vs = VarStore::new(Device::Cpu);
        let m = SiameseNet::new(&vs.root(), &SiameseConfig::default()).unwrap();
        assert_eq!(count_params(&vs), 3_977_345);
        assert_eq!(m.summary().total(), 3_977_345);
        assert_eq!(m.tower_summary().total(), 3_452_032);
        let x = Tensor::zeros([3, 1, 150, 150], (Kind::Float, Device::Cpu));
        assert_eq!(m.forward_t(&x, &x, false).size(), vec![3, 1]);
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(3452545), "3,452,545");
        assert_eq!(thousands(513), "513");
    }

    /// NHWC strides as PyTorch's `.to(memory_format=torch.channels_last)` gives them, one-channel
    /// tensors included (a permute + contiguous() would leave those NCHW), values unchanged.
    #[test]
    fn channels_last_gives_exact_nhwc_strides() {
        let x = Tensor::arange(2 * 5 * 5, (Kind::Float, Device::Cpu)).view([2, 1, 5, 5]);
        let y = to_channels_last(&x);
        assert_eq!(y.stride(), vec![25, 1, 5, 1]);
        assert!(y.equal(&x));
        let x = Tensor::arange(2 * 3 * 4 * 5, (Kind::Float, Device::Cpu)).view([2, 3, 4, 5]);
        let y = to_channels_last(&x);
        assert_eq!(y.stride(), vec![60, 1, 15, 3]);
        assert!(y.equal(&x));
        // Already NHWC: the same tensor, no copy.
        let z = to_channels_last(&y);
        assert_eq!(z.data_ptr(), y.data_ptr());
        // The towers' weights follow: the first convolution's [32, 1, 3, 3] kernel too.
        let vs = VarStore::new(Device::Cpu);
        let mut m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
        m.tower.set_compute(Compute {
            channels_last: true,
            precision: Precision::Fp32,
        });
        assert_eq!(m.tower.convs[0].ws.stride(), vec![9, 1, 3, 1]);
        assert_eq!(m.tower.convs[1].ws.stride(), vec![288, 1, 96, 32]);
    }

    /// The tower computes conv -> pool -> ReLU; the seed's network is conv -> ReLU -> pool.
    /// Same logits and same gradients for every weight.
    #[test]
    fn pool_then_relu_equals_relu_then_pool_with_gradients() {
        tch::manual_seed(11);
        let vs = VarStore::new(Device::Cpu);
        let m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
        let x = Tensor::randn([3, 1, 150, 150], (Kind::Float, Device::Cpu));
        let grads = |logits: Tensor| -> Vec<Tensor> {
            let vars: Vec<Tensor> = m.tower.convs.iter().map(|c| c.ws.shallow_clone()).collect();
            Tensor::run_backward(&[logits.sum(Kind::Float)], &vars, false, false)
        };
        let ours = m.forward_t(&x, false);
        let g_ours = grads(ours.shallow_clone());
        let mut h = x.shallow_clone();
        for (i, c) in m.tower.convs.iter().enumerate() {
            h = c.forward(&h).relu();
            if i + 1 < m.tower.convs.len() {
                h = h.max_pool2d_default(2);
            }
        }
        let seed = h
            .max_pool2d_default(2)
            .flatten(1, -1)
            .apply(&m.tower.dense)
            .relu()
            .apply(&m.out);
        let g_seed = grads(seed.shallow_clone());
        assert!(ours.allclose(&seed, 1e-6, 1e-6, false));
        for (a, b) in g_ours.iter().zip(&g_seed) {
            assert!(a.allclose(b, 1e-5, 1e-6, false));
        }
    }
}
