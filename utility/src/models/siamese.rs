//! The Siamese network of seed §6: one tower shared by the baseline and the abnormality patch.
use super::scratch::Tower;
use super::summary::{LayerRow, Summary};
use crate::error::Result;
use tch::nn;
use tch::Tensor;
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
