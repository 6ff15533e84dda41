//! Every bad dataset input exits non-zero with one clear line naming the file and the fault,
//! and never panics.
mod common;
use mammo::data::npy;
use std::path::{Path, PathBuf};

/// Write a valid 2-pair dataset folder (course layout) and return its path.
fn valid_dataset(dir: &Path) -> PathBuf {
    let d = dir.join("ok");
    std::fs::create_dir_all(&d).unwrap();
    let imgs: Vec<u16> = (0..4 * 150 * 150)
        .map(|i| (30000 + (i % 977) * 16) as u16)
        .collect();
    for (i, l) in [
        ("train_tensor.npy", "train_labels.npy"),
        ("public_test_tensor.npy", "public_test_labels.npy"),
    ] {
        npy::write(d.join(i), &[4, 150, 150], &imgs).unwrap();
        npy::write(d.join(l), &[4], &[0i64, 2, 0, 4]).unwrap();
    }
    d
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

/// (case name, file to break, how to break it, text the error must contain)
type Breaker = fn(&Path);

fn cases() -> Vec<(&'static str, &'static str, Breaker, &'static str)> {
    vec![
        (
            "truncated file",
            "train_tensor.npy",
            |p| {
                let b = std::fs::read(p).unwrap();
                std::fs::write(p, &b[..b.len() / 2]).unwrap();
            },
            "truncated data",
        ),
        (
            "corrupt header",
            "train_tensor.npy",
            |p| {
                let mut b = std::fs::read(p).unwrap();
                b[12..20].copy_from_slice(b"garbage!");
                std::fs::write(p, &b).unwrap();
            },
            "corrupt .npy header",
        ),
        (
            "bad magic",
            "train_labels.npy",
            |p| std::fs::write(p, b"hello, this is not numpy at all").unwrap(),
            "not a .npy file",
        ),
        (
            "float64 images",
            "train_tensor.npy",
            |p| {
                npy::write(p, &[4, 150, 150], &vec![0.5f64; 4 * 150 * 150]).unwrap();
            },
            "images must be uint16 (or uint8), found float64",
        ),
        (
            "wrong image size",
            "train_tensor.npy",
            |p| {
                npy::write(p, &[4, 128, 128], &vec![1u16; 4 * 128 * 128]).unwrap();
            },
            "images must be 150x150, found 128x128",
        ),
        (
            "odd count",
            "train_tensor.npy",
            |p| {
                npy::write(p, &[3, 150, 150], &vec![1u16; 3 * 150 * 150]).unwrap();
            },
            "odd number of images (3)",
        ),
        (
            "label 7",
            "train_labels.npy",
            |p| npy::write(p, &[4], &[0i64, 2, 0, 7]).unwrap(),
            "labels must be 0..=4; found 7 at index 3",
        ),
        (
            "baseline at an odd index",
            "train_labels.npy",
            |p| npy::write(p, &[4], &[0i64, 0, 0, 4]).unwrap(),
            "found baselines (label 0) at index 1",
        ),
        (
            "abnormality at an even index",
            "train_labels.npy",
            |p| npy::write(p, &[4], &[1i64, 2, 0, 4]).unwrap(),
            "even indices must be baselines (label 0); found abnormality labels at index 0",
        ),
        (
            "label count not matching",
            "train_labels.npy",
            |p| npy::write(p, &[6], &[0i64, 2, 0, 4, 0, 1]).unwrap(),
            "6 labels for 4 images",
        ),
        (
            "float labels",
            "train_labels.npy",
            |p| npy::write(p, &[4], &[0f32, 2.0, 0.0, 4.0]).unwrap(),
            "labels must be integers, found float32",
        ),
        (
            "labels 2-D",
            "train_labels.npy",
            |p| npy::write(p, &[2, 2], &[0i64, 2, 0, 4]).unwrap(),
            "labels must have shape (N,) or (N, 1), found (2, 2)",
        ),
        (
            "empty file",
            "public_test_labels.npy",
            |p| std::fs::write(p, b"").unwrap(),
            "empty file (0 bytes)",
        ),
        (
            "missing file",
            "public_test_tensor.npy",
            |p| std::fs::remove_file(p).unwrap(),
            "missing file",
        ),
        (
            "trailing bytes",
            "train_labels.npy",
            |p| {
                let mut b = std::fs::read(p).unwrap();
                b.extend_from_slice(&[0u8; 8]);
                std::fs::write(p, &b).unwrap();
            },
            "unexpected bytes after the data",
        ),
    ]
}

#[test]
fn valid_dataset_inspects_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    let d = valid_dataset(tmp.path());
    let out = common::run_ok(common::mammo().args(["inspect", "--data"]).arg(&d));
    let s = common::stdout(&out);
    assert!(s.contains("mass malignant"), "{s}");
    assert!(s.contains("benign 0 / malignant 2"), "{s}");
}

#[test]
fn every_bad_input_gives_one_clear_line_and_no_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let good = valid_dataset(tmp.path());
    for (i, (name, file, breaker, want)) in cases().into_iter().enumerate() {
        let d = tmp.path().join(format!("case{i}"));
        copy_dir(&good, &d);
        breaker(&d.join(file));
        let out = common::mammo()
            .args(["inspect", "--data"])
            .arg(&d)
            .output()
            .unwrap();
        let err = common::stderr(&out);
        assert!(
            !out.status.success(),
            "{name}: expected failure, got success"
        );
        assert!(!err.contains("panicked"), "{name}: panicked: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}: expected one line, got: {err}");
        assert!(
            lines[0].contains(file),
            "{name}: the message must name {file}: {}",
            lines[0]
        );
        assert!(
            lines[0].contains(want),
            "{name}: expected '{want}' in: {}",
            lines[0]
        );
    }
}

#[test]
fn missing_folder_is_explained() {
    let out = common::mammo()
        .args(["inspect", "--data", "/nonexistent/mammo-data"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = common::stderr(&out);
    assert!(
        err.contains("/nonexistent/mammo-data") && err.contains("dataset folder not found"),
        "{err}"
    );
}

#[test]
fn mias_sample_loads_through_the_same_loader() {
    let out = common::run_ok(
        common::mammo()
            .args(["inspect", "--data"])
            .arg(common::root().join("data/mias")),
    );
    let s = common::stdout(&out);
    // Counts from data/mias/README.md.
    assert!(s.contains("162 images = 81 pairs"), "{s}");
    assert!(s.contains("mass 54 / calcification 27"), "{s}");
    assert!(s.contains("benign 50 / malignant 31"), "{s}");
}
