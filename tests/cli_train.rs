//! `mammo train / evaluate / ensemble / summary` end to end on a small synthetic set (smoke
//! profile): the run folder's files, metrics consistent with predictions, reproducibility, and
//! clear errors for bad input.
mod common;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn data() -> &'static PathBuf {
    static D: OnceLock<PathBuf> = OnceLock::new();
    D.get_or_init(|| common::test_data("cli-train", 0.03, 5))
}

fn train(out: &Path, extra: &[&str]) -> std::process::Output {
    common::train(data(), out, extra)
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Two run folders hold the same weights, predictions, metrics and history (history.csv ends
/// with the epoch's seconds, which differ; everything else must not).
fn assert_same_run(a: &Path, b: &Path, what: &str) {
    for f in ["model.safetensors", "predictions.csv", "metrics.json"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between {what}"
        );
    }
    let strip = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| {
                l.rsplit_once(',')
                    .map(|x| x.0.to_string())
                    .unwrap_or_default()
            })
            .collect()
    };
    assert_eq!(
        strip(&a.join("history.csv")),
        strip(&b.join("history.csv")),
        "{what}"
    );
}

#[test]
fn train_writes_a_complete_consistent_run() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("r1");
    let o = train(
        &run,
        &[
            "--task",
            "mass-calc",
            "--model",
            "scratch",
            "--epochs",
            "2",
            "--augment",
            "flip,rot90",
            "--micro-batch",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert_eq!(
        read_json(&run.join("config.json"))["runtime"]["micro_batch"],
        3,
        "the micro-batch is part of the run's record"
    );
    // No --precision: auto, saved as what it was on this machine's CPU. /proc/cpuinfo is an
    // independent reading of the CPU's bf16 units.
    let doctor = common::stdout(&common::run_ok(common::mammo().arg("doctor")));
    if let Ok(info) = std::fs::read_to_string("/proc/cpuinfo") {
        if cfg!(target_arch = "x86_64") && doctor.contains("device     Cpu") {
            let bf16 = info
                .lines()
                .find(|l| l.starts_with("flags"))
                .is_some_and(|l| l.split_whitespace().any(|f| f == "avx512_bf16"));
            let expected = if bf16 { "bf16" } else { "fp32" };
            assert_eq!(
                read_json(&run.join("config.json"))["runtime"]["precision"],
                expected,
                "auto precision on a CPU {} AVX512-BF16",
                if bf16 { "with" } else { "without" }
            );
            assert!(
                doctor.contains(&format!("precision  auto = {expected}")),
                "{doctor}"
            );
        }
    }
    for f in [
        "config.json",
        "history.csv",
        "model.safetensors",
        "predictions.csv",
        "metrics.json",
    ] {
        assert!(run.join(f).exists(), "{f} missing");
    }
    let hist = std::fs::read_to_string(run.join("history.csv")).unwrap();
    assert_eq!(hist.lines().count(), 3, "header + 2 epochs:\n{hist}");
    let m = read_json(&run.join("metrics.json"));
    // Recompute test accuracy and the confusion matrix from predictions.csv by hand.
    let preds = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    assert!(preds.starts_with("set,index,label,probability\n"));
    let thr = m["test"]["threshold"].as_f64().unwrap();
    let (mut tn, mut fp, mut fneg, mut tp) = (0, 0, 0, 0);
    for l in preds.lines().skip(1).filter(|l| l.starts_with("test,")) {
        let v: Vec<&str> = l.split(',').collect();
        let index: usize = v[1].parse().unwrap();
        assert_eq!(index % 2, 1, "index is the abnormality row (odd)");
        let (y, p): (u8, f64) = (v[2].parse().unwrap(), v[3].parse().unwrap());
        match (y, p >= thr) {
            (0, false) => tn += 1,
            (0, true) => fp += 1,
            (1, false) => fneg += 1,
            _ => tp += 1,
        }
    }
    let cm = &m["test"]["confusion_matrix"];
    assert_eq!(cm, &serde_json::json!([[tn, fp], [fneg, tp]]));
    let acc = (tn + tp) as f64 / (tn + fp + fneg + tp) as f64;
    assert!((m["test"]["accuracy"].as_f64().unwrap() - acc).abs() < 1e-12);
    for k in [
        "threshold",
        "accuracy",
        "precision",
        "recall",
        "f2",
        "roc_auc",
        "loss",
        "confusion_matrix",
        "ci",
    ] {
        assert!(
            m["validation"].get(k).is_some() && m["test"].get(k).is_some(),
            "metrics.json lacks {k}"
        );
    }
    // The library's recomputation agrees with the file.
    let saved = mammo::experiment::run::load(&run).unwrap();
    let again = mammo::eval::metrics_from_predictions(
        &saved.predictions,
        saved.config.optim.threshold,
        saved.config.runtime.seed,
    )
    .unwrap();
    let again = serde_json::to_value(&again).unwrap();
    for k in ["task", "validation", "test"] {
        assert_eq!(again[k], m[k], "{k}");
    }
    // Each set's F2 comes with the F2 of calling every case positive at its prevalence, and
    // the file names the threshold policy (mass-calc: a fixed 0.5) and what it did.
    for set in ["validation", "test"] {
        let cm = &m[set]["confusion_matrix"];
        let count = |r: usize, c: usize| cm[r][c].as_f64().unwrap();
        let p =
            (count(1, 0) + count(1, 1)) / (count(0, 0) + count(0, 1) + count(1, 0) + count(1, 1));
        let trivial = m[set]["f2_trivial"].as_f64().unwrap();
        assert!((trivial - 5.0 * p / (4.0 * p + 1.0)).abs() < 1e-12, "{set}");
    }
    assert_eq!(m["threshold_policy"]["setting"], "0.5");
    assert_eq!(m["threshold_policy"]["outcome"], "fixed");
    assert!(
        m.get("weights").is_none(),
        "a scratch run records no backbone weights"
    );
    // `mammo evaluate` rewrites the same metrics.
    let before = std::fs::read(run.join("metrics.json")).unwrap();
    common::run_ok(common::mammo().args(["evaluate", "--run"]).arg(&run));
    assert_eq!(std::fs::read(run.join("metrics.json")).unwrap(), before);
}

#[test]
fn seeded_cpu_runs_repeat_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for d in [&a, &b] {
        let o = train(
            d,
            &[
                "--task",
                "benign-malignant",
                "--model",
                "scratch",
                "--epochs",
                "2",
                "--augment",
                "rotate:20,flip",
                "--seed",
                "3",
            ],
        );
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    assert_same_run(&a, &b, "identical seeded runs");
}

#[test]
fn siamese_and_ensemble_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("siam");
    let o = train(
        &s,
        &["--task", "siamese", "--model", "siamese", "--epochs", "1"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for (d, seed) in [(&a, "1"), (&b, "1")] {
        let o = train(
            d,
            &[
                "--task",
                "benign-malignant",
                "--model",
                "scratch",
                "--epochs",
                "1",
                "--seed",
                seed,
                "--lr",
                "0.0005",
            ],
        );
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let e = tmp.path().join("ens");
    common::run_ok(
        common::mammo()
            .args(["ensemble", "--runs"])
            .arg(&a)
            .arg(&b)
            .arg("--out")
            .arg(&e),
    );
    let m = read_json(&e.join("metrics.json"));
    assert!(m["test"]["accuracy"].as_f64().is_some());
    // The average of two identical runs is that run.
    let sorted = |p: &Path| {
        let mut v: Vec<String> = std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        sorted(&e.join("predictions.csv")),
        sorted(&a.join("predictions.csv"))
    );
    // Not overwritten without --force.
    let o = common::mammo()
        .args(["ensemble", "--runs"])
        .arg(&a)
        .arg("--out")
        .arg(&e)
        .output()
        .unwrap();
    assert!(!o.status.success() && common::stderr(&o).contains("--force"));
}

#[test]
fn summary_prints_the_seeds_parameter_counts() {
    let o = common::run_ok(common::mammo().args(["summary", "--model", "scratch"]));
    assert!(
        common::stdout(&o).contains("Total params: 3,452,545"),
        "{}",
        common::stdout(&o)
    );
    let o = common::run_ok(common::mammo().args(["summary", "--model", "siamese"]));
    assert!(
        common::stdout(&o).contains("Total params: 3,977,345"),
        "{}",
        common::stdout(&o)
    );
}

#[test]
fn bad_training_input_gives_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("x");
    let cases: &[(&[&str], &str)] = &[
        (
            &["--task", "mass-calc", "--model", "resnet"],
            "invalid value 'resnet' for '--model",
        ),
        (
            &["--task", "benign", "--model", "scratch"],
            "invalid value 'benign' for '--task",
        ),
        (
            &["--task", "mass-calc", "--model", "vgg16", "--cut", "top+7"],
            "cut",
        ),
        (
            &["--task", "mass-calc", "--model", "scratch", "--epochs", "0"],
            "invalid epochs",
        ),
        (
            &["--task", "mass-calc", "--model", "scratch", "--lr", "0"],
            "invalid learning rate",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--batch-size",
                "0",
            ],
            "invalid batch size",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--augment",
                "flip,rot9",
            ],
            "unknown augmentation 'rot9'",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--balance",
                "sideways",
            ],
            "invalid value 'sideways' for '--balance",
        ),
        (&["--task", "mass-calc", "--model", "siamese"], "siamese"),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--micro-batch",
                "half",
            ],
            "invalid micro-batch: 'half'",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--dropout",
                "1.5",
            ],
            "invalid dropout: 1.5 must be in [0, 1)",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--optimizer",
                "adamw",
            ],
            "invalid value 'adamw' for '--optimizer",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--threshold",
                "abc",
            ],
            "invalid threshold: 'abc'",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "vgg16",
                "--head",
                "512,abc",
            ],
            "invalid head: '512,abc'",
        ),
        (
            &["--task", "mass-calc", "--model", "scratch", "--lr=-0.1"],
            "invalid learning rate: -0.1",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--epochs",
                "-1",
            ],
            "unexpected argument '-1'",
        ),
        (
            &[
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--clahe",
                "0.01",
            ],
            "CLIP:TILES",
        ),
    ];
    for (args, want) in cases {
        let o = train(&out, args);
        let err = common::stderr(&o);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(!err.contains("panicked"), "{args:?} panicked: {err}");
        assert!(err.contains(want), "{args:?}: expected '{want}' in: {err}");
    }
    assert!(!out.exists(), "a failed run leaves no folder behind");
    // A weights file that is not safetensors is named, and leaves no run folder.
    let bad = tmp.path().join("bad.safetensors");
    std::fs::write(&bad, b"garbage").unwrap();
    let o = train(
        &out,
        &[
            "--task",
            "mass-calc",
            "--model",
            "vgg16",
            "--weights",
            bad.to_str().unwrap(),
        ],
    );
    let err = common::stderr(&o);
    assert!(
        !o.status.success() && err.contains("bad.safetensors") && !err.contains("panicked"),
        "{err}"
    );
    assert!(!out.exists(), "a failed run leaves no folder behind");
    // --out must name a folder inside the runs folder.
    let o = train(
        Path::new(".."),
        &["--task", "mass-calc", "--model", "scratch"],
    );
    assert!(
        common::stderr(&o).contains("must end with the run's folder name"),
        "{}",
        common::stderr(&o)
    );
    // A corrupt run folder is named by evaluate and by --resume.
    let broken = tmp.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("config.json"), "{").unwrap();
    for args in [["evaluate", "--run"], ["train", "--resume"]] {
        let o = common::mammo().args(args).arg(&broken).output().unwrap();
        let err = common::stderr(&o);
        assert!(
            !o.status.success() && err.contains("config.json") && !err.contains("panicked"),
            "{err}"
        );
    }
    let o = common::mammo()
        .args(["evaluate", "--run"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(
        !o.status.success() && common::stderr(&o).contains("not a run folder"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn explain_writes_a_grad_cam_png() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("r");
    let o = train(
        &run,
        &["--task", "mass-calc", "--model", "scratch", "--epochs", "1"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let preds = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    let index = preds
        .lines()
        .find(|l| l.starts_with("test,"))
        .unwrap()
        .split(',')
        .nth(1)
        .unwrap()
        .to_string();
    let png = tmp.path().join("cam.png");
    common::run_ok(
        common::mammo()
            .args(["explain", "--run"])
            .arg(&run)
            .args(["--set", "test", "--index", &index, "--out"])
            .arg(&png),
    );
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[1..4], b"PNG");
    // IHDR: width 300, height 150.
    assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 300);
    assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 150);
    let o = common::mammo()
        .args(["explain", "--run"])
        .arg(&run)
        .args(["--set", "test", "--index", "0", "--out"])
        .arg(&png)
        .output()
        .unwrap();
    assert!(!o.status.success() && common::stderr(&o).contains("baseline row"));
}

/// A run killed with SIGKILL mid-training keeps its last checkpoint and history;
/// `mammo train --resume` finishes it to exactly the uninterrupted run's result.
#[test]
fn killed_run_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    let args = [
        "--task",
        "mass-calc",
        "--model",
        "scratch",
        "--epochs",
        "4",
        "--batch-size",
        "8",
        "--augment",
        "flip,rot90",
        "--dropout",
        "0.3",
        "--seed",
        "4",
    ];
    let o = train(&a, &args);
    assert!(o.status.success(), "{}", common::stderr(&o));
    let mut child = common::mammo()
        .args(["train", "--data"])
        .arg(data())
        .args(["--profile", "smoke", "--out"])
        .arg(&b)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    while !b.join("checkpoint.safetensors").exists() {
        assert!(t0.elapsed().as_secs() < 300, "no checkpoint after 300 s");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !b.join("metrics.json").exists(),
        "the run finished before it was killed: the test needs more epochs"
    );
    let hist = std::fs::read_to_string(b.join("history.csv")).unwrap();
    assert!(
        hist.lines().count() >= 2,
        "history of the finished epochs kept"
    );
    // Starting it again by name refuses and points to --resume.
    let o = train(&b, &args);
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("--resume"),
        "{}",
        common::stderr(&o)
    );
    let o = common::mammo()
        .args(["train", "--resume"])
        .arg(&b)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(
        common::stderr(&o).contains("resuming"),
        "{}",
        common::stderr(&o)
    );
    assert_same_run(&a, &b, "the resumed and the uninterrupted run");
    assert!(
        !b.join("checkpoint.safetensors").exists(),
        "a finished run drops its checkpoint"
    );
    // A finished run has nothing to resume.
    let o = common::mammo()
        .args(["train", "--resume"])
        .arg(&b)
        .output()
        .unwrap();
    assert!(!o.status.success() && common::stderr(&o).contains("nothing to resume"));
}
