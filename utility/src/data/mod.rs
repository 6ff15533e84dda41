//! Layer 2, the data: course-format files and what is done to them before a model sees them.
//! `.npy` reading and writing ([`npy`]), datasets and their validation ([`dataset`]), their content fingerprints ([`fingerprint`]), the tasks'
//! relabelling, balancing and splits ([`tasks`]), batches on a device ([`batch`]), the synthetic
//! default ([`synth`]) and dataset summaries ([`inspect`]). Depends on the foundation only.
pub mod batch;
pub mod dataset;
pub mod fingerprint;
pub mod inspect;
pub mod npy;
pub mod synth;
pub mod tasks;
