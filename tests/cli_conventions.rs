//! The command line's conventions: closed choices listed by `--help` (old spellings still
//! accepted), results on stdout and progress on stderr, `--json` results, a progress bar on a
//! terminal, and exit codes 2 for bad input and 1 for a failure while running.
mod common;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn data() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| common::test_data("cli-conventions", 0.03, 11))
}

/// Two smoke epochs on the shared small set.
fn train(out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["--epochs", "2"];
    args.extend_from_slice(extra);
    common::train(data(), out, &args)
}

#[test]
fn help_lists_the_allowed_values_of_every_closed_choice() {
    let help = common::stdout(&common::run_ok(common::mammo().args(["train", "--help"])));
    for values in [
        ["mass-calc", "benign-malignant", "siamese", "four-class"].as_slice(),
        &["scratch", "vgg16", "inception-v3"],
        &["replicate", "conv1x1"],
        &["top", "block5", "top+1", "top+2"],
        &["adam", "rmsprop", "sgd"],
        &["none", "over", "under"],
        &["smoke", "quick", "full"],
        &["auto", "fp32", "bf16"],
    ] {
        for v in values {
            assert!(
                help.contains(&format!("- {v}:"))
                    || help.contains(&format!(" {v},"))
                    || help.contains(&format!(" {v}]")),
                "`mammo train --help` does not list {v}:\n{help}"
            );
        }
    }
    // A wrong value is refused with the list, before anything runs.
    let o = common::mammo()
        .args([
            "train", "--task", "mass", "--model", "scratch", "--out", "x",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        common::stderr(&o).contains("mass-calc, benign-malignant"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn old_spellings_and_any_case_still_work() {
    for (model, task) in [
        ("CNN", "Mass_Calc"),
        ("scratch", "mass-calc"),
        ("vgg-16", "benign_malignant"),
    ] {
        let o = common::run_ok(common::mammo().args(["summary", "--model", model, "--task", task]));
        assert!(
            common::stdout(&o).contains("Total params"),
            "{model} {task}"
        );
    }
    let o =
        common::run_ok(common::mammo().args(["summary", "--model", "inception", "--cut", "TOP+1"]));
    assert!(common::stdout(&o).contains("Total params"));
}

#[test]
fn train_json_prints_the_metrics_and_progress_goes_to_stderr() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("r");
    let o = train(
        &run,
        &["--task", "mass-calc", "--model", "scratch", "--json"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let out = common::stdout(&o);
    let printed: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(printed, saved, "stdout is the run's metrics.json");
    let err = common::stderr(&o);
    assert_eq!(
        err.matches("epoch ").count(),
        2,
        "one line per epoch on stderr:\n{err}"
    );
    assert!(err.contains("run saved in"), "{err}");
    assert!(!out.contains("epoch "), "no progress on stdout");

    // Without --json stdout holds the report, and still no progress.
    let o = common::run_ok(common::mammo().args(["evaluate", "--run"]).arg(&run));
    let out = common::stdout(&o);
    assert!(
        out.contains("validation n=") && !out.contains("epoch "),
        "{out}"
    );

    // evaluate --json: the recomputed metrics.json, equal to the saved one.
    let o = common::run_ok(
        common::mammo()
            .args(["evaluate", "--json", "--run"])
            .arg(&run),
    );
    let printed: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(printed, saved);

    // ensemble --json: the ensemble's metrics.json.
    let ens = tmp.path().join("ens");
    let o = common::run_ok(
        common::mammo()
            .args(["ensemble", "--json", "--runs"])
            .arg(&run)
            .arg(&run)
            .arg("--out")
            .arg(&ens),
    );
    let printed: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(ens.join("metrics.json")).unwrap()).unwrap();
    assert_eq!(printed, saved);

    // explain --json: what was explained, and the PNG it wrote.
    let png = tmp.path().join("cam.png");
    let o = common::run_ok(
        common::mammo()
            .args(["explain", "--json", "--index", "1", "--run"])
            .arg(&run)
            .arg("--out")
            .arg(&png),
    );
    let v: Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(v["row"], 1);
    assert_eq!(v["set"], "test");
    assert!(v["probability"]
        .as_f64()
        .is_some_and(|p| (0.0..=1.0).contains(&p)));
    assert!(png.exists());
}

/// On a terminal (here a pseudo-terminal made by `script`), stderr shows a progress bar over the
/// batches; stdout, redirected to a file, still gets only the report.
#[test]
fn a_terminal_run_shows_a_progress_bar_on_stderr() {
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped: no `script` (util-linux) to make a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (out, log) = (tmp.path().join("stdout.txt"), tmp.path().join("tty.log"));
    let cmd = format!(
        "'{}' train --data '{}' --profile smoke --epochs 2 --task mass-calc --model scratch --out '{}' > '{}'",
        env!("CARGO_BIN_EXE_mammo"),
        data().display(),
        tmp.path().join("r").display(),
        out.display()
    );
    let o = std::process::Command::new("script")
        .args(["-qec", &cmd])
        .arg(&log)
        .env("TERM", "xterm")
        .env("MAMMO_ROOT", common::root())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    let tty = std::fs::read_to_string(&log).unwrap();
    assert!(
        tty.contains("epoch   1 [") && tty.contains("eta"),
        "no progress bar:\n{tty}"
    );
    assert!(tty.contains("epoch   2/2  loss"), "{tty}");
    let stdout = std::fs::read_to_string(&out).unwrap();
    assert!(
        stdout.contains("validation n=") && !stdout.contains("epoch "),
        "{stdout}"
    );
}

#[test]
fn bad_input_exits_2_and_a_failure_while_running_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    // A dataset folder that is not there.
    let o = common::mammo()
        .args([
            "train",
            "--task",
            "mass-calc",
            "--model",
            "scratch",
            "--data",
            "/no/such/folder",
            "--out",
        ])
        .arg(tmp.path().join("a"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("/no/such/folder"));
    // A value the library refuses.
    let o = train(
        &tmp.path().join("b"),
        &[
            "--task",
            "mass-calc",
            "--model",
            "scratch",
            "--threshold",
            "2",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    // A malformed file.
    let bad = tmp.path().join("bad.npy");
    std::fs::write(&bad, b"not a numpy file").unwrap();
    let o = common::mammo()
        .args(["features", "--model", "vgg16", "--input"])
        .arg(&bad)
        .arg("--out")
        .arg(tmp.path().join("f.npy"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    // Training that diverges is a failure while running, not the input's fault.
    let o = train(
        &tmp.path().join("c"),
        &[
            "--task",
            "mass-calc",
            "--model",
            "scratch",
            "--optimizer",
            "sgd",
            "--lr",
            "1e12",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("diverged"),
        "{}",
        common::stderr(&o)
    );
}

/// `mammo inspect ... | head`: when the reader of stdout goes away, mammo ends as Unix tools do
/// (killed by SIGPIPE), not with a panic message and exit code 101.
#[cfg(unix)]
#[test]
fn a_closed_stdout_ends_mammo_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("d");
    common::small_synth(&data, 0.02, 3);
    let mut child = common::mammo()
        .args(["inspect", "--data"])
        .arg(&data)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone before mammo writes a line
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        out.status.success() || out.status.signal() == Some(libc_sigpipe()),
        "{:?}",
        out.status
    );
}

#[cfg(unix)]
fn libc_sigpipe() -> i32 {
    13 // SIGPIPE on Linux and macOS
}
