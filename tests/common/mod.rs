//! Helpers shared by the integration tests.
#![allow(dead_code)]
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures() -> PathBuf {
    root().join("tests").join("fixtures")
}

/// The `mammo` binary (the launcher) built for this test run.
pub fn mammo() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mammo"));
    c.env("MAMMO_ROOT", root());
    c
}

pub fn run_ok(cmd: &mut Command) -> Output {
    let out = cmd.output().expect("run mammo");
    assert!(
        out.status.success(),
        "command failed: {:?}\nstdout:\n{}\nstderr:\n{}",
        cmd,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A small synthetic dataset, generated once per test binary into a shared temporary folder.
pub fn small_synth(dir: &Path, scale: f64, seed: u64) {
    run_ok(mammo().args(["synth", "--out"]).arg(dir).args([
        "--scale",
        &scale.to_string(),
        "--seed",
        &seed.to_string(),
    ]));
}

/// A small synthetic dataset kept under build/test-data/NAME between test runs, generated the
/// first time it is needed and again when the generator changed (its synth.json); call it from
/// one `OnceLock` per test binary: tests run in parallel.
pub fn test_data(name: &str, scale: f64, seed: u64) -> PathBuf {
    let d = root().join("build").join("test-data").join(name);
    let cfg = mammo::data::synth::SynthConfig {
        seed,
        scale,
        ..Default::default()
    };
    if !mammo::data::synth::is_up_to_date(&d, &cfg) {
        small_synth(&d, scale, seed);
    }
    d
}

/// `mammo train` on `data` with the smoke profile, writing the run folder `out`.
pub fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    mammo()
        .args(["train", "--data"])
        .arg(data)
        .args(["--profile", "smoke", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .expect("run mammo")
}

/// Run a command that must be refused as bad input: exit code 2. Returns its stderr.
pub fn run_bad_input(cmd: &mut Command) -> String {
    let out = cmd.output().expect("run mammo");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{cmd:?}\nstderr:\n{err}");
    err
}
