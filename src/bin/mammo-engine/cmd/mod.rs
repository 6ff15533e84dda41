//! One module per subcommand, each owning its arguments (`Args`) and its `run`.
pub mod bench;
pub mod doctor;
pub mod ensemble;
pub mod evaluate;
pub mod explain;
pub mod features;
pub mod import;
pub mod inspect;
pub mod preprocess;
pub mod scan;
pub mod summary;
pub mod sweep;
pub mod synth;
pub mod train;
pub mod weights;
