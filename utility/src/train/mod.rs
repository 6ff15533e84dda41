//! Layer 6, training: the configuration of a run ([`config`]), the network it names
//! ([`Classifier`]), its data ([`RunData`]), the task's objective (loss, probabilities, labels,
//! scores), the optimizers ([`optim`]), the history, checkpoints, and the fit loop ([`fit`]).
//! Seeded and reproducible on the CPU. Depends on the models, metrics, transforms and data.
mod checkpoint;
mod classifier;
pub mod config;
mod data;
mod fit;
mod history;
mod objective;
pub mod optim;
mod policies;

pub use checkpoint::CHECKPOINT;
pub use classifier::Classifier;
pub use data::{hold_out_test, prepare, HeldOut, RunData, HOLDOUT_SEED};
pub use fit::{fit, has_checkpoint, resume, run_dir, train_batch, Trained};
pub use history::{EpochStats, History};
pub use objective::{auc_or_nan, f2_at_half, predicted_labels, prob_accuracy, prob_loss};
pub use policies::{
    epoch_line, BestEpoch, EarlyStop, Progress, ProgressEvent, Reporter, RunFolder,
};

#[cfg(test)]
mod tests;
