//! Every notebook executes headless (nbconvert + the mammo Rust kernel) in the smoke profile,
//! without a failing cell, and exports to HTML with its figures inline.
mod common;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

/// Notebooks share one evcxr build dir and the smoke data: run them one after the other.
static SERIAL: Mutex<()> = Mutex::new(());

fn build() -> PathBuf {
    common::root().join("build")
}

/// A small synthetic dataset for the smoke profile (made once).
fn smoke_data() -> PathBuf {
    let d = build().join("test-data").join("smoke");
    if !d.join("public_test_labels.npy").exists() {
        common::small_synth(&d, 0.03, 7);
    }
    d
}

fn outputs(nb: &Value) -> Vec<&Value> {
    nb["cells"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["outputs"].as_array().into_iter().flatten())
        .collect()
}

/// Execute one notebook; return the executed notebook's JSON.
fn execute(name: &str) -> Value {
    let _guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = smoke_data();
    let exec = build().join("test-executed");
    let reports = build().join("test-reports");
    let status = Command::new("bash")
        .arg(common::root().join("scripts/run-notebooks.sh"))
        .args(["--exec-dir"])
        .arg(&exec)
        .args(["--out"])
        .arg(&reports)
        .arg(name)
        .env("MAMMO_PROFILE", "smoke")
        .env("MAMMO_DATA", &data)
        .env("MAMMO_RUNS", build().join("test-runs"))
        .env("MAMMO_ROOT", common::root())
        .status()
        .expect("run scripts/run-notebooks.sh (did `make setup` run?)");
    assert!(
        status.success(),
        "notebook {name} failed (see the output above)"
    );
    let nb: Value =
        serde_json::from_str(&std::fs::read_to_string(exec.join(format!("{name}.ipynb"))).unwrap())
            .unwrap();
    for o in outputs(&nb) {
        assert_ne!(o["output_type"], "error", "{name}: error output {o}");
        let text = o["text"]
            .as_array()
            .map(|t| t.iter().filter_map(|s| s.as_str()).collect::<String>())
            .unwrap_or_default();
        assert!(
            !text.contains("panicked at"),
            "{name}: a cell panicked: {text}"
        );
    }
    let html = std::fs::read_to_string(reports.join(format!("{name}.html"))).unwrap();
    assert!(html.len() > 10_000, "{name}.html is suspiciously small");
    nb
}

fn figures(nb: &Value) -> usize {
    outputs(nb)
        .iter()
        .filter(|o| {
            o["data"].get("image/svg+xml").is_some() || o["data"].get("image/png").is_some()
        })
        .count()
}

fn text_of(nb: &Value) -> String {
    outputs(nb)
        .iter()
        .filter_map(|o| o["text"].as_array())
        .flat_map(|t| t.iter().filter_map(|s| s.as_str()))
        .collect()
}

fn html_has_figure(name: &str) -> bool {
    let html = std::fs::read_to_string(build().join("test-reports").join(format!("{name}.html")))
        .unwrap_or_default();
    html.contains("<svg") || html.contains("data:image/png") || html.contains("data:image/svg+xml")
}

#[test]
fn notebook_00_setup() {
    let nb = execute("00_setup");
    let text = text_of(&nb);
    assert!(
        text.contains("device"),
        "environment cell output missing: {text}"
    );
    assert!(
        text.contains("libtorch   2.11.0"),
        "libtorch version not shown: {text}"
    );
    assert!(
        text.contains("sigmoid at -8, 0, 8"),
        "tensor output missing: {text}"
    );
    assert!(
        figures(&nb) >= 1,
        "no inline chart (image/svg+xml or image/png)"
    );
    assert!(html_has_figure("00_setup"), "exported HTML lacks the chart");
}

#[test]
fn notebook_01_data() {
    let nb = execute("01_data");
    let text = text_of(&nb);
    assert!(text.contains("sorted by label: yes"), "{text}");
    assert!(
        text.contains("162 images = 81 pairs"),
        "MIAS section missing: {text}"
    );
    assert!(
        figures(&nb) >= 8,
        "expected the data figures, found {}",
        figures(&nb)
    );
    assert!(html_has_figure("01_data"));
}
