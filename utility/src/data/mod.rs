//! Layer 2, the data: course-format files and what is done to them before a model sees them.
//! `.npy` reading and writing ([`npy`]), datasets and their validation ([`dataset`]), their content fingerprints ([`fingerprint`]), the tasks'
//! relabelling, balancing and splits ([`tasks`]), which tasks a dataset can train ([`support`]), batches on a device ([`batch`]), the synthetic
//! default ([`synth`]), dataset summaries ([`inspect`]), whole images and DICOM decoding
//! ([`imaging`]) and importers of real datasets ([`import`]). Depends on the foundation only.
pub mod batch;
pub mod dataset;
pub mod fingerprint;
pub mod imaging;
pub mod import;
pub mod inspect;
pub mod npy;
pub mod support;
pub mod synth;
pub mod tasks;
