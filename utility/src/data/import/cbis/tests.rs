use super::example::{full_values, write_example, BREAST_X0, HEIGHT, WIDTH};
use super::*;
use crate::data::dataset::{PairedSet, TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use crate::data::imaging::Gray16;

fn import(root: &Path, out: &Path, f: impl FnOnce(&mut CbisOptions)) -> Result<ImportSummary> {
    let mut o = CbisOptions::new(root, out);
    f(&mut o);
    import_cbis(&o, &mut |_, _| {})
}

fn manifest(out: &Path) -> Vec<csv::StringRecord> {
    let mut r = csv::Reader::from_path(out.join("manifest.csv")).unwrap();
    r.records().map(|x| x.unwrap()).collect()
}

/// The first train abnormality equals the patch cut from its full image with `how`.
fn assert_first_abnormality_is_cut(
    train: &PairedSet,
    truth: &[example::ExampleLesion],
    how: Resize,
) {
    let t = &truth[0];
    let full = Gray16::new(WIDTH, HEIGHT, full_values(16, &[t.bbox])).unwrap();
    let cut = abnormality_box(t.bbox, WIDTH, HEIGHT, 0.25, 64);
    let want = full.patch(cut, 150, how).unwrap();
    let got: Vec<u16> = train
        .images
        .index_axis(ndarray::Axis(0), 1)
        .iter()
        .copied()
        .collect();
    assert_eq!(got, want);
}

#[test]
fn labels_follow_the_course_coding() {
    assert_eq!(table::course_label("mass", "BENIGN"), Ok(1));
    assert_eq!(table::course_label("mass", "MALIGNANT"), Ok(2));
    assert_eq!(
        table::course_label(" calcification ", "BENIGN_WITHOUT_CALLBACK"),
        Ok(3)
    );
    assert_eq!(table::course_label("calcification", "malignant"), Ok(4));
    assert!(table::course_label("mass", "UNKNOWN").is_err());
    assert!(table::course_label("asymmetry", "BENIGN").is_err());
}

#[test]
fn the_crop_is_a_square_around_the_lesion_inside_the_image() {
    let b = Rect {
        x: 200,
        y: 150,
        w: 30,
        h: 24,
    };
    // side 30 * 1.5 = 45 -> at least 64; centred on (215, 162).
    assert_eq!(
        abnormality_box(b, 320, 480, 0.25, 64),
        Rect {
            x: 183,
            y: 130,
            w: 64,
            h: 64
        }
    );
    // A large lesion: 100 * 1.5 = 150.
    let big = Rect {
        x: 100,
        y: 100,
        w: 100,
        h: 60,
    };
    assert_eq!(
        abnormality_box(big, 320, 480, 0.25, 64),
        Rect {
            x: 75,
            y: 55,
            w: 150,
            h: 150
        }
    );
    // At an edge the box moves inside; never larger than the shorter side.
    let edge = Rect {
        x: 300,
        y: 0,
        w: 20,
        h: 20,
    };
    assert_eq!(
        abnormality_box(edge, 320, 480, 0.25, 64),
        Rect {
            x: 256,
            y: 0,
            w: 64,
            h: 64
        }
    );
    assert_eq!(abnormality_box(big, 90, 480, 0.25, 64).w, 90);
}

#[test]
fn the_example_download_imports_with_every_trap_handled() {
    let dir = tempfile::tempdir().unwrap();
    let (root, out) = (dir.path().join("dl"), dir.path().join("out"));
    let truth = write_example(&root).unwrap();
    let s = import(&root, &out, |_| {}).unwrap();
    assert_eq!((s.train_pairs, s.test_pairs), (2, 2));
    assert_eq!(s.images, 3);
    assert_eq!(s.csvs.len(), 3);
    // Patient 00004's files are missing: skipped, named by CSV line, not fatal.
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(s.skipped[0]
        .csv
        .ends_with("calc_case_description_train_set.csv"));
    assert_eq!(s.skipped[0].line, 3);
    assert!(
        s.skipped[0]
            .reason
            .contains("calc-training_p_00004_right_cc"),
        "{}",
        s.skipped[0].reason
    );
    assert!(out.join("skipped.csv").is_file());

    // The course format, validated by the course loader.
    let train = PairedSet::load(out.join(TRAIN_IMAGES), out.join(TRAIN_LABELS)).unwrap();
    let test = PairedSet::load(out.join(TEST_IMAGES), out.join(TEST_LABELS)).unwrap();
    assert_eq!(train.labels, vec![0, 2, 0, 3]);
    assert_eq!(test.labels, vec![0, 1, 0, 2]);

    let rows = manifest(&out);
    assert_eq!(rows.len(), 8);
    let header = csv::Reader::from_path(out.join("manifest.csv"))
        .unwrap()
        .headers()
        .unwrap()
        .clone();
    let col = |r: &csv::StringRecord, name: &str| {
        r[header.iter().position(|x| x == name).unwrap()].to_string()
    };
    // Abnormality rows: the crop box is the lesion's square and the pixels are the full image's.
    let abn: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| col(r, "kind") == "abnormality")
        .collect();
    assert_eq!(abn.len(), 4);
    for (r, t) in abn.iter().zip(&truth) {
        let want = abnormality_box(t.bbox, WIDTH, HEIGHT, 0.25, 64);
        assert_eq!(col(r, "crop_x"), want.x.to_string(), "{}", t.case);
        assert_eq!(col(r, "crop_y"), want.y.to_string());
        assert_eq!(col(r, "crop_side"), want.w.to_string());
        assert_eq!(col(r, "label"), t.label.to_string());
        assert!(
            col(r, "source_file").contains(t.case),
            "{}",
            col(r, "source_file")
        );
        assert!(col(r, "mask_file").contains(&format!("{}_", t.case)));
        assert_eq!(
            col(r, "resize_factor"),
            format!("{:.4}", 150.0 / want.w as f64)
        );
    }
    assert_eq!(col(abn[0], "patient_id"), "P_00001");
    assert_eq!(col(abn[0], "pathology"), "MALIGNANT");
    assert_eq!(col(abn[1], "bits_stored"), "12");
    assert_eq!(col(abn[1], "breast_density"), "2");
    assert_eq!(col(abn[0], "csv_line"), "2");
    // Patient 00001's mask is 1-2.dcm (the crop sits first in its series).
    assert!(
        col(abn[0], "mask_file").ends_with("1-2.dcm"),
        "{}",
        col(abn[0], "mask_file")
    );

    // Pixels: the first train abnormality equals the nearest-neighbour patch of its full image.
    assert_first_abnormality_is_cut(&train, &truth, Resize::Nearest);
    // The 12-bit calcification image is on the 16-bit range: its lesion reads 0.92 * 65535.
    let calc = train.images.index_axis(ndarray::Axis(0), 3);
    assert_eq!(
        calc[[75, 75]],
        crate::data::imaging::to_16bit((0.92f64 * 4095.0).round() as u32, 12)
    );
    // MONOCHROME1 + RLE test image: inverted back, so the lesion is bright.
    assert!(
        test.images[[1, 75, 75]] > 60000,
        "{}",
        test.images[[1, 75, 75]]
    );

    // Baselines: same side as their abnormality, inside the breast, clear of every lesion.
    let base: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| col(r, "kind") == "baseline")
        .collect();
    for (r, t) in base.iter().zip(&truth) {
        let (x, y, side) = (
            col(r, "crop_x").parse::<usize>().unwrap(),
            col(r, "crop_y").parse::<usize>().unwrap(),
            col(r, "crop_side").parse::<usize>().unwrap(),
        );
        let b = Rect {
            x,
            y,
            w: side,
            h: side,
        };
        assert_eq!(side, abnormality_box(t.bbox, WIDTH, HEIGHT, 0.25, 64).w);
        assert!(
            x >= BREAST_X0 - side / 20,
            "baseline of {} at x {x} is outside the breast",
            t.case
        );
        for other in truth.iter().filter(|o| o.case == t.case) {
            assert!(
                !b.overlaps(&other.bbox),
                "baseline {b:?} overlaps lesion {:?}",
                other.bbox
            );
        }
    }
}

#[test]
fn imports_are_reproducible_and_a_rows_baseline_ignores_the_other_rows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dl");
    write_example(&root).unwrap();
    let (a, b, c) = (
        dir.path().join("a"),
        dir.path().join("b"),
        dir.path().join("c"),
    );
    import(&root, &a, |_| {}).unwrap();
    import(&root, &b, |_| {}).unwrap();
    for f in [TRAIN_IMAGES, TEST_IMAGES, "manifest.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    // Only the mass train CSV: patient 00001's pair is the same bytes.
    import(&root, &c, |o| {
        o.csvs = vec![root.join("mass_case_description_train_set.csv")]
    })
    .unwrap();
    let full = PairedSet::load(a.join(TRAIN_IMAGES), a.join(TRAIN_LABELS)).unwrap();
    let one = PairedSet::load(c.join(TRAIN_IMAGES), c.join(TRAIN_LABELS)).unwrap();
    assert_eq!(one.labels, vec![0, 2]);
    assert_eq!(
        one.images.index_axis(ndarray::Axis(0), 0),
        full.images.index_axis(ndarray::Axis(0), 0)
    );
    assert!(
        !c.join(TEST_IMAGES).exists(),
        "no test CSV given: no test files"
    );
    // Another seed moves the baselines, not the abnormalities.
    let d = dir.path().join("d");
    import(&root, &d, |o| o.seed = 7).unwrap();
    let other = PairedSet::load(d.join(TRAIN_IMAGES), d.join(TRAIN_LABELS)).unwrap();
    assert_ne!(
        other.images.index_axis(ndarray::Axis(0), 0),
        full.images.index_axis(ndarray::Axis(0), 0)
    );
    assert_eq!(
        other.images.index_axis(ndarray::Axis(0), 1),
        full.images.index_axis(ndarray::Axis(0), 1)
    );
}

#[test]
fn area_resizing_is_an_option() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dl");
    let truth = write_example(&root).unwrap();
    let out = dir.path().join("o");
    import(&root, &out, |o| o.resize = Resize::Area).unwrap();
    let train = PairedSet::load(out.join(TRAIN_IMAGES), out.join(TRAIN_LABELS)).unwrap();
    assert_first_abnormality_is_cut(&train, &truth, Resize::Area);
}

#[test]
fn nothing_usable_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("dl");
    std::fs::create_dir_all(&root).unwrap();
    std::fs::write(
        root.join("calc_case_description_test_set.csv"),
        "patient_id,abnormality type,pathology,image file path,ROI mask file path\nP_1,calcification,BENIGN,Calc-Test_P_1_LEFT_CC/a/b/0.dcm,Calc-Test_P_1_LEFT_CC_1/a/b/1.dcm\nP_2,calcification,WHO_KNOWS,x,y\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let e = import(&root, &out, |_| {}).unwrap_err().to_string();
    assert!(e.contains("no pair could be made"), "{e}");
    assert!(e.contains("calc-test_p_1_left_cc"), "{e}");
    assert!(!out.join(TEST_IMAGES).exists());
    // A CSV without a needed column names it.
    std::fs::write(
        root.join("calc_case_description_test_set.csv"),
        "patient_id,pathology\nP_1,BENIGN\n",
    )
    .unwrap();
    let e = import(&root, &out, |_| {}).unwrap_err().to_string();
    assert!(
        e.contains("missing column 'abnormality type'")
            && e.contains("calc_case_description_test_set.csv"),
        "{e}"
    );
    // No CSV at all.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let e = import(&empty, &out, |_| {}).unwrap_err().to_string();
    assert!(e.contains("no case-description CSV"), "{e}");
}
