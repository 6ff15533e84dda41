//! `make slides` (scripts/slides.py) turns an executed notebook into a reveal.js deck: each `#`/`##`
//! heading a slide, `###` headings and code cells vertical sub-slides, prose fragments, evcxr set-up
//! cells left out; the slide types are set on a copy (the notebook file is not changed), and the
//! deck loads reveal.js from `reports/reveal.js/` so that it works offline (or, where npm and its
//! cache are unavailable, says that it falls back to the CDN). No Rust kernel is needed: the
//! notebook is a hand-made executed one.
mod common;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

fn python() -> PathBuf {
    let venv = std::env::var_os("MAMMO_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::root().join(".venv"));
    let p = venv.join("bin/python");
    assert!(p.is_file(), "{} missing: run `make setup`", p.display());
    p
}

fn cell(kind: &str, source: &str, outputs: serde_json::Value) -> serde_json::Value {
    let mut c = serde_json::json!({"cell_type": kind, "metadata": {}, "source": source});
    if kind == "code" {
        c["outputs"] = outputs;
        c["execution_count"] = serde_json::json!(1);
    }
    c
}

#[test]
fn executed_notebook_becomes_a_deck_with_a_slide_per_section() {
    let tmp = tempfile::tempdir().unwrap();
    let (exec, out) = (tmp.path().join("executed"), tmp.path().join("reports"));
    fs::create_dir_all(&exec).unwrap();
    let none = serde_json::json!([]);
    let printed = serde_json::json!([{"output_type": "stream", "name": "stdout",
                                      "text": ["OUTPUT-OF-THE-CODE-CELL\n"]}]);
    let nb = serde_json::json!({
        "cells": [
            cell("code", ":dep mammo = { path = \"../utility\" }\n:opt 2", none.clone()),
            cell("markdown", "# Deck title\n\nWhat the notebook is about.", none.clone()),
            cell("markdown", "Some prose that follows.", none.clone()),
            cell("code", "println!(\"hi\");", printed),
            cell("markdown", "## Section two\n\ntext", none.clone()),
            cell("markdown", "### A detail", none.clone()),
            cell("code", "", none.clone()),
            cell("markdown", "## Section three", none.clone()),
        ],
        "metadata": {"kernelspec": {"name": "rust", "display_name": "Rust", "language": "rust"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    });
    let path = exec.join("07_tiny.ipynb");
    let text = serde_json::to_string_pretty(&nb).unwrap();
    fs::write(&path, &text).unwrap();

    let run = Command::new(python())
        .arg(common::root().join("scripts/slides.py"))
        .arg("--exec-dir")
        .arg(&exec)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let (stdout, stderr) = (common::stdout(&run), common::stderr(&run));
    assert!(
        run.status.success(),
        "slides.py failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text,
        "the executed notebook is unchanged"
    );
    let deck = fs::read_to_string(out.join("07_tiny.slides.html")).unwrap();

    // Three slides (the three #/## headings) of two nested <section>s each, and two vertical
    // sub-slides (the println cell and ### A detail; the empty cell is skipped).
    assert_eq!(
        deck.matches("<section").count(),
        3 * 2 + 2,
        "{}",
        sections(&deck)
    );
    assert_eq!(deck.matches("</section>").count(), 3 * 2 + 2);
    let at = |s: &str| deck.find(s).unwrap_or_else(|| panic!("{s} missing"));
    let starts: Vec<usize> = ["Deck title", "Section two", "Section three"]
        .iter()
        .map(|h| at(&format!("id=\"{}\"", h.replace(' ', "-"))))
        .collect();
    for (i, s) in starts.iter().enumerate() {
        // Each heading opens a new horizontal slide: `<section><section>` right before it.
        let before = &deck[..*s];
        let open = before.rfind("<section><section>").unwrap();
        assert!(
            starts[..i].iter().all(|p| *p < open),
            "heading {i} does not start its own slide"
        );
    }
    assert!(at("OUTPUT-OF-THE-CODE-CELL") > starts[0] && at("OUTPUT-OF-THE-CODE-CELL") < starts[1]);
    assert!(
        deck.contains("<div class=\"fragment\">"),
        "prose is a fragment"
    );
    assert!(
        !deck.contains(":dep mammo"),
        "the evcxr set-up cell is left out"
    );

    if stdout.contains("(offline)") {
        for f in [
            "dist/reveal.js",
            "dist/reveal.css",
            "plugin/notes/notes.js",
            "vendor/require.js",
        ] {
            assert!(out.join("reveal.js").join(f).is_file(), "{f} not installed");
        }
        assert!(deck.contains("\"reveal.js/dist/reveal.js\""));
        assert!(deck.contains("src=\"reveal.js/vendor/require.js\""));
        for cdn in ["unpkg.com", "cdnjs.cloudflare.com"] {
            assert!(
                !deck.contains(cdn),
                "the offline deck still loads from {cdn}"
            );
        }
        reveal_starts_without_network(&out.join("07_tiny.slides.html"));
    } else {
        assert!(stderr.contains("need the network"), "{stderr}");
        assert!(deck.contains("https://unpkg.com/reveal.js@4.0.2"));
    }
}

fn sections(deck: &str) -> String {
    deck.match_indices("section")
        .map(|(i, _)| &deck[i.saturating_sub(2)..(i + 10).min(deck.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// With chromium (installed by `make test`), open the deck with every network request sent to a
/// dead proxy: reveal.js must still start (it marks its root `ready`).
fn reveal_starts_without_network(deck: &std::path::Path) {
    if Command::new("chromium").arg("--version").output().is_err() {
        eprintln!("chromium not installed: the deck's offline start is not checked");
        return;
    }
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--proxy-server=http://127.0.0.1:9",
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", deck.display()))
        .output()
        .expect("chromium");
    let dom = common::stdout(&out);
    let root = dom
        .find("<div class=\"reveal")
        .map(|i| &dom[i..i + dom[i..].find('>').unwrap_or(0)])
        .unwrap_or("");
    assert!(
        root.contains("ready"),
        "reveal.js did not start offline: {root:?}\n{}",
        common::stderr(&out)
    );
}
