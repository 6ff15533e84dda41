//! `mammo import cbis-ddsm` end to end, on the miniature CBIS-DDSM download that the library
//! writes (`mammo::data::import::cbis::example`: real layout and CSV schema, DICOMs written by
//! dicom-rs, the release's traps), then `mammo inspect` on what it made.
mod common;

use mammo::data::import::cbis::example::write_example;

#[test]
fn import_cbis_ddsm_makes_a_dataset_inspect_accepts() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("CBIS"), tmp.path().join("imported"));
    write_example(&root).unwrap();
    let o = common::run_ok(
        common::mammo()
            .args(["import", "cbis-ddsm", "--root"])
            .arg(&root)
            .arg("--out")
            .arg(&out),
    );
    let (so, se) = (common::stdout(&o), common::stderr(&o));
    assert!(
        so.contains("2 train pairs, 2 test pairs from 3 full mammograms"),
        "{so}"
    );
    assert!(so.contains("1 CSV rows skipped"), "{so}");
    // The skipped row is named on stderr by file and line, with the reason.
    assert!(
        se.contains("calc_case_description_train_set.csv:3")
            && se.contains("calc-training_p_00004_right_cc"),
        "{se}"
    );
    for f in [
        "train_tensor.npy",
        "train_labels.npy",
        "public_test_tensor.npy",
        "public_test_labels.npy",
        "manifest.csv",
        "skipped.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let o = common::run_ok(common::mammo().args(["inspect", "--data"]).arg(&out));
    let so = common::stdout(&o);
    assert!(so.contains("pairs"), "{so}");

    // --json, --limit and explicit CSVs.
    let out2 = tmp.path().join("one");
    let o = common::run_ok(
        common::mammo()
            .args([
                "import",
                "cbis-ddsm",
                "--json",
                "--limit",
                "1",
                "--resize",
                "area",
                "--root",
            ])
            .arg(&root)
            .arg("--csv")
            .arg(root.join("mass_case_description_test_set.csv"))
            .arg("--out")
            .arg(&out2),
    );
    let j: serde_json::Value = serde_json::from_str(&common::stdout(&o)).unwrap();
    assert_eq!(
        (j["train_pairs"].as_u64(), j["test_pairs"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(j["images"].as_u64(), Some(1));
}

#[test]
fn import_with_nothing_usable_exits_2_naming_the_cause() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("dl");
    std::fs::create_dir_all(&root).unwrap();
    let import = |extra: &[&str]| {
        let mut c = common::mammo();
        c.args(["import", "cbis-ddsm"])
            .args(extra)
            .arg("--root")
            .arg(&root);
        c.arg("--out").arg(tmp.path().join("o"));
        common::run_bad_input(&mut c)
    };
    let e = import(&[]);
    assert!(e.contains("no case-description CSV"), "{e}");
    import(&["--resize", "bicubic"]);
}
