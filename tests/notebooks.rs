//! Every notebook executes headless (nbconvert + the mammo Rust kernel) in the smoke profile,
//! without a failing cell, and exports to HTML with its figures inline.
mod common;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Condvar, Mutex};

/// Notebooks run two at a time (each kernel gets its own evcxr build dir, see
/// scripts/evcxr-kernel.sh; `MAMMO_NOTEBOOK_LANES` changes how many), except where they would
/// get in each other's way: 00_setup runs alone (it brings the build dir up to date after a
/// change to mammo, which the others then reuse), and 05_ensemble never next to 02 or 03 (it
/// reuses the runs they write, and would otherwise train and write the same runs at once).
static RUNNING: Mutex<Vec<&'static str>> = Mutex::new(Vec::new());
static CHANGED: Condvar = Condvar::new();

fn conflict(a: &str, b: &str) -> bool {
    const WRITERS: [&str; 2] = ["02_scratch", "03_pretrained"];
    let reuse = |x: &str, y: &str| x == "05_ensemble" && WRITERS.contains(&y);
    a == "00_setup" || b == "00_setup" || reuse(a, b) || reuse(b, a)
}

fn lanes() -> usize {
    std::env::var("MAMMO_NOTEBOOK_LANES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2)
        .max(1)
}

/// Held while a notebook runs; frees its place (also when the test fails).
struct Lane(&'static str);

impl Lane {
    fn take(name: &'static str) -> Lane {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        while running.len() >= lanes() || running.iter().any(|r| conflict(r, name)) {
            running = CHANGED.wait(running).unwrap_or_else(|e| e.into_inner());
        }
        running.push(name);
        Lane(name)
    }
}

impl Drop for Lane {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        running.retain(|r| *r != self.0);
        CHANGED.notify_all();
    }
}

fn build() -> PathBuf {
    common::root().join("build")
}

/// The test dataset `build/test-data/<name>`, made once by `make(dataset dir, scratch dir for
/// its sources)` unless its file `last` (written last) is already there.
fn made_once(name: &str, last: &str, make: impl FnOnce(&Path, &Path)) -> PathBuf {
    static MAKE: Mutex<()> = Mutex::new(());
    let _g = MAKE.lock().unwrap_or_else(|e| e.into_inner());
    let base = build().join("test-data");
    let d = base.join(name);
    if !d.join(last).exists() {
        let src = base.join(format!("{name}-source"));
        let _ = std::fs::remove_dir_all(&src);
        make(&d, &src);
    }
    d
}

/// A small synthetic dataset for the smoke profile (made once).
fn smoke_data() -> PathBuf {
    made_once("smoke", "public_test_labels.npy", |d, _| {
        common::small_synth(d, 0.03, 7)
    })
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
fn execute(name: &'static str) -> Value {
    execute_on(name, &smoke_data(), "")
}

/// Execute one notebook on `data`, into build/test-executed{tag}, test-reports{tag} and
/// test-runs{tag}.
fn execute_on(name: &'static str, data: &std::path::Path, tag: &str) -> Value {
    let _lane = Lane::take(name);
    let exec = build().join(format!("test-executed{tag}"));
    let reports = build().join(format!("test-reports{tag}"));
    let out = Command::new("bash")
        .arg(common::root().join("scripts/run-notebooks.sh"))
        .args(["--exec-dir"])
        .arg(&exec)
        .args(["--out"])
        .arg(&reports)
        .arg(name)
        .env("MAMMO_PROFILE", "smoke")
        .env("MAMMO_DATA", data)
        .env("MAMMO_RUNS", build().join(format!("test-runs{tag}")))
        .env("MAMMO_ROOT", common::root())
        .output()
        .expect("run scripts/run-notebooks.sh (did `make setup` run?)");
    // Two notebooks run at once: print each one's log as one block when it ends (straight to
    // stderr, past the test harness's capture), not interleaved line by line.
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    {
        use std::io::Write;
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "---- notebook {name} ----\n{}", log.trim_end());
    }
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(60).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!(
            "notebook {name} failed; the end of its log:\n{}",
            tail.join("\n")
        );
    }
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
        text.contains("precision  auto = "),
        "what precision the models will use is not shown: {text}"
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
    charts_render_in_chromium("00_setup");
}

/// Open an exported report in headless Chromium and check, from a screenshot, that the chart
/// rendered: enough non-white pixels, and pixels in the chart line's colour (plotters' first
/// palette colour, RGB 31,119,180).
fn charts_render_in_chromium(name: &str) {
    let html = build().join("test-reports").join(format!("{name}.html"));
    let shot = build().join("test-reports").join(format!("{name}.png"));
    let profile = tempfile::tempdir().unwrap();
    let status = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1100,2600",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", html.display()))
        .status()
        .expect("chromium (installed by scripts/ensure-chromium.sh, run by `make test`)");
    assert!(status.success(), "chromium failed");
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let px = &buf[..info.buffer_size()];
    let (mut non_white, mut line) = (0usize, 0usize);
    for p in px.chunks(ch) {
        if p[0] < 240 || p[1] < 240 || p[2] < 240 {
            non_white += 1;
        }
        if (p[0] as i32 - 31).abs() <= 10
            && (p[1] as i32 - 119).abs() <= 10
            && (p[2] as i32 - 180).abs() <= 10
        {
            line += 1;
        }
    }
    let total = px.len() / ch;
    assert!(
        non_white * 50 > total,
        "{name}: the page looks blank ({non_white} of {total} pixels non-white)"
    );
    assert!(
        line > 300,
        "{name}: the chart's line colour is not on the page ({line} pixels)"
    );
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

#[test]
fn notebook_02_scratch() {
    let nb = execute("02_scratch");
    let text = text_of(&nb);
    assert!(text.contains("Total params: 3,452,545"), "{text}");
    assert!(text.contains("SCRATCH_BM_V6"), "{text}");
    // The comparisons are settled by paired tests, each with an interval and a verdict.
    for want in [
        "SCRATCH_2 vs SCRATCH_1 (validation ROC AUC",
        "SCRATCH_4 vs SCRATCH_2 (validation ROC AUC",
        "SCRATCH_4+TTA vs SCRATCH_4 (validation ROC AUC",
        "SCRATCH_BM_V6 vs SCRATCH_BM_CW (validation F2 at the validation thresholds",
    ] {
        assert!(text.contains(want), "missing comparison '{want}': {text}");
    }
    assert!(text.matches("=> ").count() >= 5, "verdicts missing: {text}");
    // The figures explain SCRATCH_4 where the profile trains it (smoke does); the best model of
    // the table is chosen on validation and reported with its test interval.
    assert!(text.contains("the model shown below: SCRATCH_4"), "{text}");
    assert!(
        text.contains("KEY best scratch test AUC (mass/calc, chosen on validation): SCRATCH_"),
        "{text}"
    );
    // Curves, confusion matrices and two Grad-CAM grids.
    assert!(
        figures(&nb) >= 7,
        "curves, confusion matrices and Grad-CAM figures expected, found {}",
        figures(&nb)
    );
    let html = std::fs::read_to_string(build().join("test-reports/02_scratch.html")).unwrap();
    assert!(
        html.contains("<table") && html.contains("SCRATCH_4"),
        "experiment table missing from the report"
    );
    // The seed's tables row for row beside this run's, and the computed verdicts.
    seed_tables_and_verdicts(
        "02_scratch",
        &text,
        &html,
        &[
            "SCRATCH_1",
            "SCRATCH_3",
            "SCRATCH_6",
            "SCRATCH_BM_V1",
            "SCRATCH_BM_V3",
            "SCRATCH_BM_V6",
        ],
        &[
            "augmentation-helps",
            "rmsprop-at-least-adam",
            "contrast-helps-bm",
            "contrast-helps-bm-adam",
            "mass-calc-learnable",
            "mass-calc-auc",
            "benign-malignant-much-harder",
        ],
    );
    // smoke trains every row for fewer than the seed's epochs: the verdicts of the comparisons
    // it makes say so.
    for (claim, run) in [
        ("augmentation-helps", "SCRATCH_2"),
        ("contrast-helps-bm", "SCRATCH_BM_V6"),
    ] {
        let line = verdict_line(&text, "02_scratch", claim);
        let note = line.split("(stopped early: ").nth(1).unwrap_or("");
        assert!(
            note.contains(run)
                && note.contains(" each trained 2 of the seed's ")
                && note.contains("(the smoke profile;"),
            "{line}"
        );
    }
    assert!(
        html.contains("seed train") && html.contains("this run validation"),
        "SCRATCH_1's overfitting beside the seed's missing"
    );
}

/// The `VERDICT {notebook}: {claim}: ` line of an executed notebook's text.
fn verdict_line<'a>(text: &'a str, notebook: &str, claim: &str) -> &'a str {
    let head = format!("VERDICT {notebook}: {claim}: ");
    text.lines()
        .find(|l| l.starts_with(&head))
        .unwrap_or_else(|| panic!("{notebook}: no VERDICT line for {claim}: {text}"))
}

/// A notebook's report shows the seed's rows (`rows`, the ones only run in `full` included) with
/// the seed and this-run columns, and prints one VERDICT line per seed claim (`claims`), each
/// with a verdict or the reason it has none.
fn seed_tables_and_verdicts(name: &str, text: &str, html: &str, rows: &[&str], claims: &[&str]) {
    for r in rows {
        assert!(
            html.contains(r),
            "{name}: seed row {r} missing from the report"
        );
    }
    assert!(
        html.contains(">seed</th>") && html.contains(">this run</th>"),
        "{name}: seed and this-run columns missing"
    );
    assert!(
        html.contains("What this run found"),
        "{name}: closing section missing"
    );
    for c in claims {
        let line = verdict_line(text, name, c);
        assert!(
            [
                "agrees",
                "disagrees",
                "undecided",
                "not run",
                "not estimated"
            ]
            .iter()
            .any(|v| line.contains(&format!(": {v}"))),
            "{name}: VERDICT line without a verdict: {line}"
        );
    }
}

#[test]
fn notebook_03_pretrained() {
    let nb = execute("03_pretrained");
    let text = text_of(&nb);
    assert!(
        text.contains("Total params: 18,910,023"),
        "the seed's VGG16 model summary: {text}"
    );
    assert!(
        text.contains("paired by seed") && text.contains("=> "),
        "adapter comparison verdict missing: {text}"
    );
    let html = std::fs::read_to_string(build().join("test-reports/03_pretrained.html")).unwrap();
    seed_tables_and_verdicts(
        "03_pretrained",
        &text,
        &html,
        &[
            "VGG16_V1",
            "VGG16_V5",
            "INCEPTION_3",
            "<b>INCEPTION_7</b>",
            "BEST VGG",
            "Convolutional Layer",
        ],
        &[
            "adapter-interchangeable",
            "vgg16-top-vs-deeper-cut-mc",
            "inception-top-vs-top1-mc",
            "inception-top1-better-bm",
        ],
    );
    // The adapter runs train BEST INCEPTION's recipe under names of their own; smoke gives them
    // 2 of its 20 epochs, and the verdict says so.
    let line = verdict_line(&text, "03_pretrained", "adapter-interchangeable");
    assert!(
        line.contains("(stopped early: ADAPTER_replicate_s")
            && line.contains(
                " each trained 2 of the seed's 20 epochs for INCEPTION_BM_BEST (the smoke profile;"
            ),
        "{line}"
    );
    // Curves, a confusion matrix and the Grad-CAM grid of the VGG16 run.
    assert!(figures(&nb) >= 3, "found {} figures", figures(&nb));
}

#[test]
fn notebook_04_siamese() {
    let nb = execute("04_siamese");
    let text = text_of(&nb);
    assert!(text.contains("Total params: 3,977,345"), "{text}");
    assert!(
        text.contains("paired bootstrap"),
        "Siamese vs single-image comparison missing: {text}"
    );
    let html = std::fs::read_to_string(build().join("test-reports/04_siamese.html")).unwrap();
    seed_tables_and_verdicts(
        "04_siamese",
        &text,
        &html,
        &["SIAMESE_1", "SIAMESE_3", "SIAMESE_5"],
        &["siamese-baseline-helps"],
    );
    // smoke trains SIAMESE_5 for fewer than the seed's 50 epochs: its verdict says so.
    let line = verdict_line(&text, "04_siamese", "siamese-baseline-helps");
    assert!(
        line.contains("(stopped early: SIAMESE_5 trained ")
            && line.contains(" of the seed's 50 epochs (the smoke profile;"),
        "{line}"
    );
    assert!(
        text.contains("SIAMESE_4 vs SIAMESE_1 (validation ROC AUC"),
        "rotation vs flip+rotation comparison missing: {text}"
    );
    assert!(figures(&nb) >= 3);
}

#[test]
fn notebook_05_ensemble() {
    let nb = execute("05_ensemble");
    let text = text_of(&nb);
    assert!(text.contains("ENSEMBLE"), "{text}");
    let html = std::fs::read_to_string(build().join("test-reports/05_ensemble.html")).unwrap();
    seed_tables_and_verdicts(
        "05_ensemble",
        &text,
        &html,
        &["Best_BM_Scratch", "Best_BM_VGG16", "Ensemble"],
        &["ensemble-beats-best-member"],
    );
    assert!(figures(&nb) >= 2, "confusion matrix and ROC chart expected");
}

#[test]
fn notebook_06_real_mias() {
    let nb = execute("06_real_mias");
    let text = text_of(&nb);
    assert!(text.contains("3-fold cross-validation"), "{text}");
    assert!(
        text.contains("pooled out-of-fold: n=81"),
        "every MIAS pair predicted once: {text}"
    );
    assert!(figures(&nb) >= 2);
}

/// A task notebook on a dataset without a test set (the 81 MIAS pairs): it runs to its end, its
/// runs are tested on pairs held out of the training file, and it says so.
#[test]
fn notebook_02_scratch_on_a_dataset_without_a_test_set() {
    let nb = execute_on("02_scratch", &common::root().join("data/mias"), "-mias");
    let text = text_of(&nb);
    assert!(
        text.contains("the dataset has no test set: 17 of its 81 pairs held out as the test set"),
        "the held-out test set is not announced: {text}"
    );
}

/// A labelled-image dataset as `mammo import folder` makes it (made once): 3 classes, 40
/// training and 10 test images each, every image format.
fn labelled_data() -> PathBuf {
    made_once("labelled", "classes.json", |d, tree| {
        mammo::data::import::folder::example::write_example(
            tree,
            &["disc", "dots", "stripes"],
            40,
            10,
            42,
        )
        .unwrap();
        mammo::data::import::folder::import_folder(
            &mammo::data::import::folder::FolderOptions::new(tree, d),
            &mut |_, _| {},
        )
        .unwrap();
    })
}

/// The lines of the cells skipped because the data cannot serve them.
fn skipped_lines(nb: &Value) -> Vec<String> {
    text_of(nb)
        .lines()
        .filter(|l| l.starts_with("skipped: "))
        .map(String::from)
        .collect()
}

/// 02 on a labelled-image dataset: the seed's tables are skipped, one line each saying why, and
/// the scratch CNN trains on the dataset's own classes (macro metrics for three classes).
#[test]
fn notebook_02_scratch_on_a_labelled_image_dataset() {
    let nb = execute_on("02_scratch", &labelled_data(), "-labelled");
    let text = text_of(&nb);
    let skipped = skipped_lines(&nb);
    assert!(
        skipped.len() >= 20
            && skipped
                .iter()
                .all(|l| l.ends_with("(baseline, abnormality) pairs; this dataset holds labelled images (disc, dots, stripes)")),
        "{skipped:#?}"
    );
    assert!(text.contains("LABELS_SCRATCH (scratch on labels"), "{text}");
    assert!(text.contains("macro OvR AUC"), "{text}");
    assert!(
        text.contains("KEY LABELS_SCRATCH test AUC (own classes): "),
        "{text}"
    );
    assert!(
        figures(&nb) >= 3,
        "curves, confusion matrix and Grad-CAM examples"
    );
    // The verdict section is there: the seed's claims are not run on this data, and say why.
    assert!(
        text.contains("VERDICT 02_scratch: augmentation-helps: not run on this data: mass-calc needs the course's (baseline, abnormality) pairs"),
        "{text}"
    );
}

/// The other notebooks on a labelled-image dataset run to their end: each cell the data cannot
/// serve says so in one line; 01 shows the classes instead of pairs.
#[test]
fn notebooks_01_03_04_05_on_a_labelled_image_dataset() {
    let data = labelled_data();
    let nb = execute_on("01_data", &data, "-labelled");
    let text = text_of(&nb);
    assert!(
        text.contains("pairing: none: single labelled images"),
        "{text}"
    );
    assert!(
        text.contains("KEY training images per class: [40, 40, 40]"),
        "{text}"
    );
    assert!(skipped_lines(&nb)
        .iter()
        .any(|l| l.contains("this cell shows the course's (baseline, abnormality) pairs")));
    assert!(figures(&nb) >= 3, "class grid, histogram, MIAS pairs");
    for name in ["03_pretrained", "04_siamese", "05_ensemble"] {
        let nb = execute_on(name, &data, "-labelled");
        let skipped = skipped_lines(&nb);
        assert!(skipped.len() >= 3, "{name}: {skipped:#?}");
        assert!(
            text_of(&nb).contains(&format!("VERDICT {name}: "))
                && text_of(&nb).contains(": not run on this data: "),
            "{name}: no verdict section"
        );
    }
}

/// A CBIS-DDSM download imported with `mammo import cbis-ddsm` (made once: 12 training and 4
/// test cases of each label, the release's layout and CSV schema).
fn cbis_data() -> PathBuf {
    made_once("cbis", "public_test_labels.npy", |d, download| {
        mammo::data::import::cbis::example::write_cohort(download, 12, 4, 3).unwrap();
        let s = mammo::data::import::cbis::import_cbis(
            &mammo::data::import::cbis::CbisOptions::new(download, d),
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!((s.train_pairs, s.test_pairs, s.skipped.len()), (48, 16, 0));
    })
}

/// 02 on a CBIS-DDSM import: every table of the seed trains on the imported pairs, and no cell
/// of the seed's tasks is skipped.
#[test]
fn notebook_02_scratch_on_a_cbis_ddsm_import() {
    let nb = execute_on("02_scratch", &cbis_data(), "-cbis");
    let text = text_of(&nb);
    assert!(text.contains("(48 + 16 pairs)"), "{text}");
    let skipped = skipped_lines(&nb);
    assert!(
        skipped
            .iter()
            .all(|l| l.starts_with("skipped: labels needs")),
        "{skipped:#?}"
    );
    assert!(
        text.contains("KEY SCRATCH_4 test AUC (mass/calc): "),
        "{text}"
    );
    assert!(
        text.contains("KEY SCRATCH_BM_V6 test F2 (benign/malignant): "),
        "{text}"
    );
}

/// In a notebook every cell is its own shared library with its own copy of mammo's statics
/// (evcxr links dependencies statically): the frozen-feature cache must still be one per kernel,
/// so that features computed in one cell are reused in the next (models::featcache::store).
#[test]
fn the_feature_cache_is_one_per_kernel_across_cells() {
    let _lane = Lane::take("featcache_probe");
    let dir = build().join("test-probe");
    std::fs::create_dir_all(&dir).unwrap();
    // The notebooks' evcxr settings, or the kernel would rebuild every dependency.
    std::fs::copy(
        common::root().join("notebooks/evcxr.toml"),
        dir.join("evcxr.toml"),
    )
    .unwrap();
    let features = "mammo::featcache::features(7, &x, |s| Ok(s.sum_dim_intlist(&[1i64, 2, 3][..], false, Kind::Float)))?";
    let cells = [
        format!(":dep mammo = {{ path = {:?} }}", common::root().join("utility")),
        "use mammo::prelude::*;".to_string(),
        format!("let x = Tensor::rand([3, 1, 8, 8], (Kind::Float, Device::Cpu));\nlet f = {features};\nprintln!(\"first {{:?}}\", mammo::featcache::stats());"),
        "println!(\"next {:?}\", mammo::featcache::stats());".to_string(),
        format!("let g = {features};\nprintln!(\"again {{:?}} {{}}\", mammo::featcache::stats(), f.equal(&g));"),
    ];
    let nb = serde_json::json!({
        "cells": cells.iter().map(|c| serde_json::json!({
            "cell_type": "code", "execution_count": null, "metadata": {}, "outputs": [], "source": c,
        })).collect::<Vec<_>>(),
        "metadata": {"kernelspec": {"name": "rust", "display_name": "Rust (mammo)", "language": "rust"}},
        "nbformat": 4, "nbformat_minor": 5,
    });
    std::fs::write(dir.join("featcache.ipynb"), nb.to_string()).unwrap();
    let out = Command::new(common::root().join(".venv/bin/jupyter"))
        .args(["nbconvert", "--to", "notebook", "--execute"])
        .args([
            "--ExecutePreprocessor.kernel_name=rust",
            "--ExecutePreprocessor.timeout=1800",
        ])
        .args(["--output", "featcache-out.ipynb"])
        .arg(dir.join("featcache.ipynb"))
        .env("MAMMO_ROOT", common::root())
        .env_remove("MAMMO_FEATURE_CACHE_MB")
        .output()
        .expect("run jupyter nbconvert (did `make setup` run?)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let nb: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("featcache-out.ipynb")).unwrap())
            .unwrap();
    let text = text_of(&nb);
    let entries3 = "entries: 3, bytes: 12";
    assert!(
        text.contains(&format!(
            "first CacheStats {{ {entries3}, hits: 0, misses: 3 }}"
        )),
        "{text}"
    );
    // The next cell sees the same cache, and the same images are not computed again.
    assert!(
        text.contains(&format!(
            "next CacheStats {{ {entries3}, hits: 0, misses: 3 }}"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "again CacheStats {{ {entries3}, hits: 3, misses: 3 }} true"
        )),
        "{text}"
    );
}
