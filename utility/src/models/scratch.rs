//! The CNN from scratch of seed §4, and its convolutional tower, shared with the Siamese network.
use super::summary::{LayerRow, Summary};
use crate::error::Result;
use crate::runtime::precision::{to_channels_last, Compute};
use tch::nn;
use tch::{Kind, Tensor};
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
    pub(crate) convs: Vec<nn::Conv2D>,
    pub(crate) dense: nn::Linear,
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
        let (_, s) = stage_sizes(crate::data::dataset::SIDE as i64)[3];
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

    pub(crate) fn summary_rows(&self, prefix: &str, rows: &mut Vec<LayerRow>) {
        let sizes = stage_sizes(crate::data::dataset::SIDE as i64);
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
    pub(crate) out: nn::Linear,
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
