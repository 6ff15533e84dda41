//! `mammo synth` end to end: same seed, same bytes; course counts and ordering; loads back.
mod common;

#[test]
fn synth_is_reproducible_and_in_course_format() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    common::small_synth(&a, 0.1, 11);
    common::small_synth(&b, 0.1, 11);
    for f in [
        "train_tensor.npy",
        "train_labels.npy",
        "public_test_tensor.npy",
        "public_test_labels.npy",
    ] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f} differs between runs"
        );
    }
    let ds = mammo::Dataset::load(&a).unwrap();
    // A tenth of COURSE_DATA.md's counts (620/598/947/511 train, 113/66/106/51 test), sorted.
    assert_eq!(&ds.train.label_counts()[1..], &[62, 60, 95, 51]);
    assert_eq!(&ds.test_set().unwrap().label_counts()[1..], &[11, 7, 11, 5]);
    let h = mammo::data::npy::read_header(a.join("train_tensor.npy")).unwrap();
    assert_eq!(
        (h.descr.as_str(), h.shape.as_slice()),
        ("<u2", &[536usize, 150, 150][..])
    );
    let out = common::run_ok(common::mammo().args(["inspect", "--data"]).arg(&a));
    assert!(common::stdout(&out).contains("sorted by label: yes"));
}

/// `mammo synth` leaves a synth.json (generator version + settings) and, asked again for the same
/// folder and settings, writes nothing; an older generator's stamp, other settings or `--force`
/// write again. `make data` relies on this to replace a data/synthetic made by an older mammo.
#[test]
fn synth_stamps_its_folder_and_skips_an_up_to_date_one() {
    use mammo::data::synth::{GENERATOR, HARD_CASES};
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("s");
    let synth = |extra: &[&str]| {
        let out = common::run_ok(
            common::mammo()
                .args(["synth", "--scale", "0.05", "--out"])
                .arg(&d)
                .args(extra),
        );
        common::stdout(&out)
    };
    let stamp = || -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(d.join("synth.json")).unwrap()).unwrap()
    };
    let images = || std::fs::read(d.join("train_tensor.npy")).unwrap();
    assert!(synth(&["--seed", "3"]).starts_with("wrote "));
    let s = stamp();
    assert_eq!(s["generator"], GENERATOR);
    assert_eq!(
        (s["seed"].as_u64(), s["scale"].as_f64()),
        (Some(3), Some(0.05))
    );
    assert_eq!(s["hard_cases"].as_f64(), Some(HARD_CASES));
    let seed3 = images();

    // Same settings: nothing written (the files' modification times stay).
    let mtime = || {
        std::fs::metadata(d.join("train_tensor.npy"))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = mtime();
    let out = synth(&["--seed", "3"]);
    assert!(
        out.contains(&format!("is up to date (generator {GENERATOR}, seed 3")),
        "{out}"
    );
    assert_eq!(mtime(), before);

    // A stamp from generator 1, or none at all: written again, the same bytes, a current stamp.
    let old = std::fs::read_to_string(d.join("synth.json"))
        .unwrap()
        .replace(&format!("\"generator\": {GENERATOR}"), "\"generator\": 1");
    assert!(old.contains("\"generator\": 1"), "{old}");
    std::fs::write(d.join("synth.json"), old).unwrap();
    assert!(synth(&["--seed", "3"]).starts_with("wrote "));
    assert_eq!(stamp()["generator"], GENERATOR);
    std::fs::remove_file(d.join("synth.json")).unwrap();
    assert!(synth(&["--seed", "3"]).starts_with("wrote "));
    assert_eq!(images(), seed3);

    // --force writes although the folder is current; other settings write other bytes.
    assert!(synth(&["--seed", "3", "--force"]).starts_with("wrote "));
    assert!(synth(&["--seed", "4"]).starts_with("wrote "));
    assert_eq!(stamp()["seed"].as_u64(), Some(4));
    assert_ne!(images(), seed3);

    // The probe settings: named in the stamp when set, other bytes, a share outside [0, 1]
    // refused naming the flag.
    for (flag, key) in [
        ("--tissue-clusters", "tissue_clusters"),
        ("--asymmetries", "asymmetries"),
    ] {
        assert!(synth(&["--seed", "4", flag, "1"]).starts_with("wrote "));
        assert_eq!(stamp()[key].as_f64(), Some(1.0), "{flag}");
        let probe = images();
        assert!(synth(&["--seed", "4"]).starts_with("wrote "));
        assert!(stamp().get(key).is_none(), "{flag}");
        assert_ne!(images(), probe, "{flag}");
        let msg = common::run_bad_input(
            common::mammo()
                .args(["synth", "--scale", "0.05", flag, "1.5", "--out"])
                .arg(&d),
        );
        assert!(msg.contains(&flag[2..]) && msg.contains("1.5"), "{msg}");
    }
}
