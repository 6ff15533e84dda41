//! Run profiles: how big a run is. `smoke` for tests (tiny data, 1-2 epochs), `quick` for a CPU
//! demo in minutes, `full` for the seed's sizes on a GPU. Chosen with `MAMMO_PROFILE`; the default
//! is `full` when CUDA is available and `quick` otherwise.
use crate::error::{Error, Result};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    Smoke,
    Quick,
    Full,
}

impl Profile {
    pub const ALL: [Profile; 3] = [Profile::Smoke, Profile::Quick, Profile::Full];

    pub fn name(self) -> &'static str {
        match self {
            Profile::Smoke => "smoke",
            Profile::Quick => "quick",
            Profile::Full => "full",
        }
    }

    pub fn parse(s: &str) -> Result<Profile> {
        match s.trim().to_ascii_lowercase().as_str() {
            "smoke" => Ok(Profile::Smoke),
            "quick" => Ok(Profile::Quick),
            "full" => Ok(Profile::Full),
            other => Err(Error::invalid(
                "profile",
                format!("'{other}': expected smoke, quick or full"),
            )),
        }
    }

    /// `MAMMO_PROFILE` when set and valid; otherwise `full` on CUDA and `quick` on the CPU.
    /// An invalid value is reported on stderr and ignored.
    pub fn from_env() -> Profile {
        if let Ok(v) = std::env::var("MAMMO_PROFILE") {
            match Profile::parse(&v) {
                Ok(p) => return p,
                Err(e) => eprintln!("mammo: ignoring MAMMO_PROFILE: {e}"),
            }
        }
        if crate::runtime::device::cuda_available() {
            Profile::Full
        } else {
            Profile::Quick
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Profile {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Profile::parse(s)
    }
}

/// The project's root folder: `MAMMO_ROOT` when set (the notebook kernel and cargo set it),
/// else the nearest ancestor of the current directory that holds `utility/Cargo.toml`, else the
/// current directory.
pub fn project_root() -> PathBuf {
    if let Some(r) = std::env::var_os("MAMMO_ROOT") {
        return PathBuf::from(r);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    cwd.ancestors()
        .find(|d| d.join("utility").join("Cargo.toml").is_file())
        .map(|d| d.to_path_buf())
        .unwrap_or(cwd)
}

/// Where the default dataset lives: `MAMMO_DATA` when set, else `<root>/data/synthetic`.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("MAMMO_DATA") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => project_root().join("data").join("synthetic"),
    }
}

/// The real MIAS sample shipped with mammo: `<root>/data/mias`.
pub fn mias_dir() -> PathBuf {
    project_root().join("data").join("mias")
}

/// Where runs are saved: `MAMMO_RUNS` when set, else `<root>/runs`.
pub fn runs_dir() -> PathBuf {
    match std::env::var_os("MAMMO_RUNS") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => project_root().join("runs"),
    }
}
