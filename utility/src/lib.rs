//! # mammo
//!
//! Deep learning on mammography patches, in Rust: the library behind the mammo notebooks and the
//! `mammo` command line. It mirrors the original course's `utility` notebook: data loading and
//! validation, task relabeling, balancing, splits, contrast/CLAHE, augmentation, model builders,
//! training, metrics, plots and experiment tables.
//!
//! Every fallible function returns [`Result`]; the library never panics on user input, so a bad
//! file in a notebook cell gives an error message and keeps the kernel's variables.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

// The layers, bottom to top: each imports only from the ones above it in this list
// (`tests/architecture.rs` checks it). docs/ARCHITECTURE.md draws them.
pub mod data; // 2: .npy, datasets, tasks, batches, synthetic data, summaries
pub mod display;
pub mod error; // foundation: the error type, atomic files, tensor helpers, notebook display
pub mod eval; // 7: predictions, thresholds, metrics of a run, ensemble, Grad-CAM
pub mod experiment;
pub mod fsx;
pub mod metrics; // 4: scikit-learn's metrics, bootstrap, statistics
pub mod models; // 5: scratch CNN, Siamese network, pretrained backbones and head
pub mod process; // foundation: state shared by every copy of mammo in a process (notebook cells)
pub mod report; // 8: charts, figures, experiment tables
pub mod rng;
pub mod runtime; // 1: device, precision, profile and folders, doctor
pub mod tensor;
pub mod train; // 6: configuration, objective, optimizers, history, checkpoints, fit
pub mod transforms; // 3: contrast and CLAHE, augmentation // 9: runs, comparisons, seed tables and claims, notebooks, sweeps, benchmarks

pub use data::dataset::{Dataset, PairedSet};
pub use data::tasks::{Balance, Sample, Task};
pub use display::{Figure, Html, PngImage};
pub use error::{Error, Result};
pub use experiment::notebook::key;
pub use runtime::device::{cuda_available, device};
pub use runtime::profile::Profile;
pub use tensor::{tensor_to_vec, tensor_to_vec_f32};

/// Re-exports of the crates notebooks need, so one `:dep mammo` line is enough.
pub use ndarray;
pub use tch;

/// Everything a notebook usually needs, in one `use mammo::prelude::*;`.
pub mod prelude {
    pub use crate::data::dataset::{Dataset, PairedSet};
    pub use crate::data::tasks::{Balance, Sample, Task};
    pub use crate::display::{Figure, Html, PngImage};
    pub use crate::error::{Error, Result};
    pub use crate::experiment::notebook::{env_cell, key, Env};
    pub use crate::report::plot::{line_chart, Series};
    pub use crate::runtime::device::{cuda_available, device};
    pub use crate::runtime::precision::Precision;
    pub use crate::runtime::profile::{data_dir, mias_dir, project_root, runs_dir, Profile};
    pub use crate::transforms::augment::Augment;
    pub use crate::transforms::intensity::{Clahe, Preprocess};
    pub use tch::{Device, Kind, Tensor};
}

// The flat module paths of mammo 0.1 (`mammo::run`, `mammo::stats`, ...), kept so that notebooks
// and scripts written against them still work. New code uses the layered paths above.
#[doc(hidden)]
pub use data::{batch, dataset, inspect, npy, synth, tasks};
#[doc(hidden)]
pub use eval as evaluate;
#[doc(hidden)]
pub use experiment::{bench, findings, notebook, recipes, seedref, sweep};
#[doc(hidden)]
pub use models::{backbones, featcache, pretrained};
#[doc(hidden)]
pub use report::{figures, plot, table};
#[doc(hidden)]
pub use runtime::profile;
#[doc(hidden)]
pub use train::{config, optim};
#[doc(hidden)]
pub use transforms::{augment, intensity as preprocess};
#[doc(hidden)]
pub mod device {
    pub use crate::runtime::device::*;
    pub use crate::runtime::doctor::{report, EnvReport};
}
#[doc(hidden)]
pub mod gradcam {
    pub use crate::eval::gradcam::*;
    pub use crate::report::figures::cam_figure;
}
#[doc(hidden)]
pub mod run {
    pub use crate::experiment::crossval::*;
    pub use crate::experiment::run::*;
}
#[doc(hidden)]
pub mod stats {
    pub use crate::experiment::compare::*;
    pub use crate::metrics::stats::*;
}
