//! `mammo`: the launcher of the mammo command line.
//!
//! The real program, `mammo-engine`, links libtorch. When libtorch cannot be found the system
//! loader would refuse to start it with a terse message, before any of mammo's code runs; this
//! small launcher (which does not link libtorch) checks first and says what to do, then hands
//! over to the engine beside it with the same arguments.
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const LIB: &str = "libtorch_cpu.so";

fn candidate_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var("LD_LIBRARY_PATH")
        .unwrap_or_default()
        .split(':')
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect();
    let baked = env!("MAMMO_LIBTORCH_LIB");
    if !baked.is_empty() {
        dirs.push(PathBuf::from(baked));
    }
    for d in [
        "/usr/local/lib",
        "/usr/lib",
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
    ] {
        dirs.push(PathBuf::from(d));
    }
    dirs
}

fn main() -> ExitCode {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from("mammo"));
    let dir = exe
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    let engine = dir.join("mammo-engine");
    if !engine.is_file() {
        eprintln!(
            "mammo: error: {} not found: the mammo launcher needs the engine binary beside it \
             (build both with `cargo build`, or run `make setup`)",
            engine.display()
        );
        return ExitCode::from(3);
    }
    let dirs = candidate_dirs();
    if !dirs.iter().any(|d| d.join(LIB).is_file()) {
        let baked = env!("MAMMO_LIBTORCH_LIB");
        eprintln!(
            "mammo: error: libtorch cannot be loaded: {LIB} is not in {} nor on LD_LIBRARY_PATH. \
             Run `make setup` (it installs torch 2.11.0 into .venv), or set LD_LIBRARY_PATH to the \
             lib/ folder of a torch 2.11 install.",
            if baked.is_empty() {
                "the build's libtorch folder".to_string()
            } else {
                baked.to_string()
            }
        );
        return ExitCode::from(3);
    }
    use std::os::unix::process::CommandExt;
    let err = std::process::Command::new(&engine)
        .arg0("mammo")
        .args(std::env::args_os().skip(1))
        .exec();
    eprintln!("mammo: error: cannot start {}: {err}", engine.display());
    ExitCode::from(3)
}
