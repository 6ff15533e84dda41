//! Layer 7, evaluation: a trained model's predictions on its sets, the validation-chosen
//! threshold, metrics with 95% bootstrap intervals, the run folder's files (`predictions.csv`,
//! `metrics.json`, `config.json`, `history.csv`), the average-voting ensemble of seed §7,
//! Grad-CAM ([`gradcam`]) and a model slid over a whole mammogram ([`scan`]). Depends on training and
//! the layers below it.
mod files;
pub mod gradcam;
mod predictions;
pub mod scan;
mod set_metrics;
mod threshold;

pub use files::*;
pub use predictions::*;
pub use set_metrics::*;
pub use threshold::*;

#[cfg(test)]
mod tests;
