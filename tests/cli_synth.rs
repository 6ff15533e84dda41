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
