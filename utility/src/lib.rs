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

pub mod augment;
pub mod backbones;
pub mod batch;
pub mod bench;
pub mod config;
pub mod dataset;
pub mod device;
pub mod display;
pub mod error;
pub mod evaluate;
pub mod featcache;
pub mod figures;
pub mod findings;
pub mod fsx;
pub mod gradcam;
pub mod inspect;
pub mod metrics;
pub mod models;
pub mod notebook;
pub mod npy;
pub mod optim;
pub mod plot;
pub mod preprocess;
pub mod pretrained;
pub mod profile;
pub mod recipes;
pub mod run;
pub mod seedref;
pub mod stats;
pub mod sweep;
pub mod synth;
pub mod table;
pub mod tasks;
pub mod tensor;
pub mod train;

pub use dataset::{Dataset, PairedSet};
pub use device::{cuda_available, device};
pub use display::{Figure, Html, PngImage};
pub use error::{Error, Result};
pub use notebook::key;
pub use profile::Profile;
pub use tasks::{Balance, Sample, Task};
pub use tensor::{tensor_to_vec, tensor_to_vec_f32};

/// Re-exports of the crates notebooks need, so one `:dep mammo` line is enough.
pub use ndarray;
pub use tch;

/// Everything a notebook usually needs, in one `use mammo::prelude::*;`.
pub mod prelude {
    pub use crate::augment::Augment;
    pub use crate::dataset::{Dataset, PairedSet};
    pub use crate::device::{cuda_available, device};
    pub use crate::display::{Figure, Html, PngImage};
    pub use crate::error::{Error, Result};
    pub use crate::models::Precision;
    pub use crate::notebook::{env_cell, key, Env};
    pub use crate::plot::{line_chart, Series};
    pub use crate::preprocess::{Clahe, Preprocess};
    pub use crate::profile::{data_dir, mias_dir, project_root, runs_dir, Profile};
    pub use crate::tasks::{Balance, Sample, Task};
    pub use tch::{Device, Kind, Tensor};
}
