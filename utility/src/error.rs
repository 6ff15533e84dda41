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

impl Error {
    /// Whether the error is the caller's input (a value, a flag, a malformed or missing file)
    /// rather than a failure while running: the command line exits with 2 for these, 1 else.
    pub fn is_bad_input(&self) -> bool {
        match self {
            Error::Invalid { .. } | Error::BadFile { .. } => true,
            Error::Io { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            Error::Torch(_) | Error::Other(_) => false,
        }
    }
}

/// Shorthand for `Err(Error::invalid(..))`.
pub fn invalid<T>(what: impl Into<String>, msg: impl Into<String>) -> Result<T> {
    Err(Error::invalid(what, msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_the_callers_and_the_rest_a_failure_while_running() {
        let io = |k| Error::io("x.npy", std::io::Error::from(k));
        assert!(Error::invalid("epochs", "must be positive").is_bad_input());
        assert!(Error::bad_file("x.npy", "bad magic").is_bad_input());
        assert!(io(std::io::ErrorKind::NotFound).is_bad_input());
        assert!(!io(std::io::ErrorKind::PermissionDenied).is_bad_input());
        assert!(!io(std::io::ErrorKind::StorageFull).is_bad_input());
        assert!(!Error::Other("training diverged".into()).is_bad_input());
    }
}
