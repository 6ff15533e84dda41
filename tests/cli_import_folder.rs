//! `mammo import folder` + `--task labels` end to end: a tree of PNG, PGM, TIFF and DICOM images
//! (8- and 16-bit, three sizes, a broken file, other files) imported, inspected, trained on
//! (three classes: macro one-vs-rest AUC; two classes: binary metrics with the chosen positive
//! class), evaluated and explained; and the errors for trees and tasks that do not fit.
mod common;

use mammo::data::import::folder::example::write_example;
use std::path::Path;

fn import(root: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let o = common::run_ok(
        common::mammo()
            .args(["import", "folder", "--json", "--root"])
            .arg(root)
            .arg("--out")
            .arg(out)
            .args(extra),
    );
    serde_json::from_str(&common::stdout(&o)).unwrap()
}

fn metrics(run: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(run.join("metrics.json")).unwrap()).unwrap()
}

#[test]
fn three_classes_import_train_evaluate_and_explain() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, data) = (tmp.path().join("tree"), tmp.path().join("ds"));
    write_example(&root, &["disc", "dots", "stripes"], 24, 6, 11).unwrap();
    let s = import(&root, &data, &[]);
    assert_eq!(s["classes"], serde_json::json!(["disc", "dots", "stripes"]));
    assert_eq!(s["train"], serde_json::json!([24, 24, 24]));
    assert_eq!(s["test"], serde_json::json!([6, 6, 6]));
    assert_eq!(s["skipped"].as_array().unwrap().len(), 1);
    assert_eq!(s["other_files"], 6);

    let o = common::run_ok(
        common::mammo()
            .args(["inspect", "--json", "--data"])
            .arg(&data),
    );
    let j: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(j["kind"], "labelled images");
    let supported: Vec<&str> = j["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["supported"] == true)
        .map(|t| t["task"].as_str().unwrap())
        .collect();
    assert_eq!(supported, ["labels"]);

    let run = tmp.path().join("runs/labels3");
    let o = common::train(
        &data,
        &run,
        &["--task", "labels", "--model", "scratch", "--seed", "1"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let report = common::stdout(&o);
    assert!(
        report.contains("macro OvR AUC") && report.contains("macro F1"),
        "{report}"
    );
    let m = metrics(&run);
    assert_eq!(m["task"], "labels:3");
    assert_eq!(m["classes"], serde_json::json!(["disc", "dots", "stripes"]));
    assert_eq!(m["test"]["n"], 18, "the test folder is the test set");
    assert_eq!(m["test"]["confusion_matrix"].as_array().unwrap().len(), 3);
    let auc = m["test"]["roc_auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc), "{auc}");
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    assert_eq!(cfg["data"]["task"], "labels:3");
    assert_eq!(
        cfg["data"]["classes"],
        serde_json::json!(["disc", "dots", "stripes"])
    );

    // The saved run predicts the same again, and a Grad-CAM of a test image names its classes.
    let o = common::run_ok(
        common::mammo()
            .args(["evaluate", "--json", "--run"])
            .arg(&run)
            .arg("--data")
            .arg(&data),
    );
    let again: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(
        again["test"]["confusion_matrix"],
        m["test"]["confusion_matrix"]
    );
    let cam = tmp.path().join("cam.png");
    let o = common::run_ok(
        common::mammo()
            .args(["explain", "--json", "--index", "7", "--run"])
            .arg(&run)
            .arg("--out")
            .arg(&cam),
    );
    let e: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(
        e["label"], "dots",
        "test row 7 is the second class's second image: {e}"
    );
    assert!(cam.exists());

    // The seed's tasks on this dataset, and `labels` on course pairs, are refused by name.
    let err = common::run_bad_input(
        common::mammo()
            .args([
                "train",
                "--task",
                "mass-calc",
                "--model",
                "scratch",
                "--profile",
                "smoke",
                "--data",
            ])
            .arg(&data)
            .arg("--out")
            .arg(tmp.path().join("runs/mc")),
    );
    assert!(
        err.contains("labelled-image dataset") && err.contains("--task labels"),
        "{err}"
    );
    let course = common::test_data("cli-import-folder", 0.02, 5);
    let err = common::run_bad_input(
        common::mammo()
            .args([
                "train",
                "--task",
                "labels",
                "--model",
                "scratch",
                "--profile",
                "smoke",
                "--data",
            ])
            .arg(&course)
            .arg("--out")
            .arg(tmp.path().join("runs/x")),
    );
    assert!(
        err.contains("the labels task is for a labelled-image dataset"),
        "{err}"
    );
}

#[test]
fn two_classes_binary_metrics_with_the_chosen_positive_class_and_a_held_out_test_set() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, data) = (tmp.path().join("tree"), tmp.path().join("ds"));
    write_example(&root, &["malignant", "benign"], 30, 0, 12).unwrap();
    let s = import(
        &root,
        &data,
        &[
            "--positive",
            "Malignant",
            "--fit",
            "stretch",
            "--resize",
            "nearest",
        ],
    );
    assert_eq!(s["classes"], serde_json::json!(["benign", "malignant"]));
    assert_eq!(s["test"], serde_json::Value::Null);
    let manifest = std::fs::read_to_string(data.join("manifest.csv")).unwrap();
    assert!(manifest.lines().skip(1).all(|l| l.ends_with(",nearest")));
    let run = tmp.path().join("runs/bin");
    let o = common::train(
        &data,
        &run,
        &["--task", "labels", "--model", "scratch", "--seed", "2"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let report = common::stdout(&o);
    assert!(report.contains("everything-malignant rule"), "{report}");
    assert!(
        report.contains("test: the dataset has no test set: 12 of its 60 images held out"),
        "{report}"
    );
    let m = metrics(&run);
    assert_eq!(m["task"], "labels:2");
    assert_eq!(m["test"]["n"], 12);
    let cm = &m["test"]["confusion_matrix"];
    let positives = cm[1][0].as_u64().unwrap() + cm[1][1].as_u64().unwrap();
    assert_eq!(
        positives, 6,
        "stratified: half of the held-out images are malignant"
    );
    assert!(m["test"]["f2_trivial"].as_f64().is_some());

    // Grad-CAM of the held-out test set: only its rows.
    let preds = std::fs::read_to_string(run.join("predictions.csv")).unwrap();
    let test_rows: Vec<usize> = preds
        .lines()
        .filter(|l| l.starts_with("test,"))
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    let not_test = (0..60).find(|r| !test_rows.contains(r)).unwrap();
    let err = common::run_bad_input(
        common::mammo()
            .args(["explain", "--index", &not_test.to_string(), "--run"])
            .arg(&run)
            .arg("--out")
            .arg(tmp.path().join("cam.png")),
    );
    assert!(
        err.contains("not in the test set this run held out"),
        "{err}"
    );
    common::run_ok(
        common::mammo()
            .args(["explain", "--index", &test_rows[0].to_string(), "--run"])
            .arg(&run)
            .arg("--out")
            .arg(tmp.path().join("cam.png")),
    );
}

#[test]
fn trees_that_cannot_make_a_dataset_exit_2_naming_the_fault() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let root = tmp.path().join("tree");
    write_example(&root, &["a", "b"], 2, 0, 1).unwrap();
    std::fs::create_dir_all(root.join("extra")).unwrap();
    let err = common::run_bad_input(
        common::mammo()
            .args(["import", "folder", "--root"])
            .arg(&root)
            .arg("--out")
            .arg(&out),
    );
    assert!(
        err.contains("train folder and other folders (extra)"),
        "{err}"
    );
    std::fs::remove_dir(root.join("extra")).unwrap();
    let err = common::run_bad_input(
        common::mammo()
            .args(["import", "folder", "--positive", "c", "--root"])
            .arg(&root)
            .arg("--out")
            .arg(&out),
    );
    assert!(
        err.contains("'c' is not one of the classes (a, b)"),
        "{err}"
    );
    let err = common::run_bad_input(
        common::mammo()
            .args(["import", "folder", "--root"])
            .arg(tmp.path().join("missing"))
            .arg("--out")
            .arg(&out),
    );
    assert!(
        err.contains("missing") && err.contains("not a folder"),
        "{err}"
    );
    assert!(!out.exists() || std::fs::read_dir(&out).unwrap().next().is_none());
}
