//! scripts/report_index.py lists, per executed notebook, its KEY lines and the verdicts its
//! "What this run found" section printed as `VERDICT <notebook>: <claim>: <verdict>: <estimate>`
//! lines (mammo::experiment::findings), with their counts, and links a notebook's slide deck when there is one.
mod common;
use std::fs;
use std::process::Command;

fn stream(lines: &[&str]) -> serde_json::Value {
    serde_json::json!({
        "output_type": "stream",
        "name": "stdout",
        "text": lines.iter().map(|l| format!("{l}\n")).collect::<Vec<_>>(),
    })
}

#[test]
fn index_lists_keys_and_verdicts_per_notebook() {
    let tmp = tempfile::tempdir().unwrap();
    let (exec, out) = (tmp.path().join("executed"), tmp.path().join("reports"));
    fs::create_dir_all(&exec).unwrap();
    fs::create_dir_all(&out).unwrap();
    let nb = |title: &str, outputs: Vec<serde_json::Value>| {
        serde_json::json!({
            "cells": [
                {"cell_type": "markdown", "metadata": {}, "source": [format!("# {title}\n"), "text"]},
                {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": ["findings"],
                 "outputs": outputs},
            ],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
        })
        .to_string()
    };
    fs::write(
        exec.join("02_scratch.ipynb"),
        nb(
            "02 · A CNN from scratch",
            vec![stream(&[
                "profile quick",
                "KEY SCRATCH_6 test AUC: 0.861",
                "VERDICT 02_scratch: augmentation-helps: agrees: SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: +0.043 [+0.011, +0.078]",
                "VERDICT 02_scratch: rmsprop-at-least-adam: disagrees: SCRATCH_4 − SCRATCH_2, validation ROC AUC, n = 64: -0.090 [-0.150, -0.020] (margin ±0.030)",
                "VERDICT 02_scratch: contrast-helps-bm: undecided: SCRATCH_BM_V6 − SCRATCH_BM_V4, validation ROC AUC, n = 40: +0.010 [-0.050, +0.070]",
                "VERDICT 02_scratch: contrast-helps-bm-adam: not run in this profile: full profile only",
            ])],
        ),
    )
    .unwrap();
    fs::write(
        exec.join("05_ensemble.ipynb"),
        nb(
            "05 · Ensemble",
            vec![stream(&[
                "VERDICT 05_ensemble: ensemble-beats-best-member: agrees: the ensemble − VGG16, test ROC AUC, n = 80: +0.020 [+0.005, +0.040] (VGG16 ran on RANDOM backbone weights <no ImageNet>)",
            ])],
        ),
    )
    .unwrap();
    fs::write(out.join("02_scratch.html"), "<html></html>").unwrap();
    fs::write(out.join("02_scratch.slides.html"), "<html></html>").unwrap();
    fs::write(out.join("05_ensemble.html"), "<html></html>").unwrap();

    let st = Command::new("python3")
        .arg(common::root().join("scripts/report_index.py"))
        .arg("--exec-dir")
        .arg(&exec)
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3");
    assert!(st.success());
    let page = fs::read_to_string(out.join("index.html")).unwrap();
    let (scratch, ensemble) = page.split_at(page.find("05_ensemble.html").unwrap());

    // 02_scratch: its key, its four verdicts with their counts, and its deck.
    assert!(scratch.contains("<code>SCRATCH_6 test AUC: 0.861</code>"));
    assert!(scratch.contains(
        "What this run found (1 agrees, 1 disagrees, 1 undecided, 1 not run in this profile)"
    ));
    for (claim, verdict, colour) in [
        ("augmentation-helps", "agrees", "#1b5e20"),
        ("rmsprop-at-least-adam", "disagrees", "#b71c1c"),
        ("contrast-helps-bm", "undecided", "#5d4037"),
        (
            "contrast-helps-bm-adam",
            "not run in this profile",
            "#616161",
        ),
    ] {
        let at = scratch
            .find(&format!("<code>{claim}</code>"))
            .unwrap_or_else(|| panic!("{claim} missing"));
        let item = &scratch[at..at + scratch[at..].find("</li>").unwrap()];
        assert!(item.contains(&format!(">{verdict}</span>")), "{item}");
        assert!(item.contains(&format!("color:{colour}")), "{item}");
    }
    assert!(scratch.contains("+0.043 [+0.011, +0.078]"));
    assert!(scratch.contains(r#"<a href="02_scratch.slides.html">slides</a>"#));

    // 05_ensemble: its own verdict only, escaped, and no deck.
    assert!(ensemble.contains("What this run found (1 agrees)"));
    assert!(ensemble.contains("<code>ensemble-beats-best-member</code>"));
    assert!(ensemble.contains("RANDOM backbone weights &lt;no ImageNet&gt;"));
    assert!(!ensemble.contains("augmentation-helps"));
    assert!(!page.contains("05_ensemble.slides.html"));
}
