//! One error type for the whole library. Every fallible call returns [`Result`]; nothing in the
//! library panics on user input (clippy denies `unwrap`/`expect`/`panic!` outside tests).
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file exists but its content is wrong (bad header, wrong dtype, bad labels, ...).
    #[error("{path}: {msg}")]
    BadFile { path: PathBuf, msg: String },
    /// A value given by the user (config, CLI flag, function argument) is not acceptable.
    #[error("invalid {what}: {msg}")]
    Invalid { what: String, msg: String },
    /// libtorch reported an error.
    #[error("torch: {0}")]
    Torch(#[from] tch::TchError),
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
    pub fn bad_file(path: impl AsRef<Path>, msg: impl Into<String>) -> Self {
        Error::BadFile {
            path: path.as_ref().to_path_buf(),
            msg: msg.into(),
        }
    }
    pub fn invalid(what: impl Into<String>, msg: impl Into<String>) -> Self {
        Error::Invalid {
            what: what.into(),
            msg: msg.into(),
        }
    }
}

/// Shorthand for `Err(Error::invalid(..))`.
pub fn invalid<T>(what: impl Into<String>, msg: impl Into<String>) -> Result<T> {
    Err(Error::invalid(what, msg))
}
