use super::example::{pattern, write_example, write_pgm};
use super::*;
use crate::data::dataset::{Dataset, CLASSES_FILE};
use crate::data::tasks::{task_samples, Task};

fn import(root: &Path, out: &Path) -> Result<FolderSummary> {
    import_folder(&FolderOptions::new(root, out), &mut |_, _| {})
}

/// The patch an image must become: its centred square resized with area averaging, computed
/// here from the image the example says was written (150x150 images come out unchanged).
fn expected_patch(img: &example::ExampleImage, resize: Resize) -> Vec<u16> {
    let g = crate::data::imaging::Gray16::new(img.width, img.height, img.pixels.clone()).unwrap();
    g.patch(fit_box(img.width, img.height, Fit::Crop), SIDE, resize)
        .unwrap()
}

/// Every format, case-insensitive split and class folders, sub-folders, other files, a broken
/// image: the dataset holds every readable image with its class label, its pixels as read, and
/// a manifest row naming its source.
#[test]
fn a_tree_of_every_format_imports_row_for_row() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("tree"), tmp.path().join("ds"));
    let written = write_example(&root, &["benign", "Malignant", "normal"], 7, 3, 5).unwrap();
    let s = import(&root, &out).unwrap();
    assert_eq!(s.classes, ["benign", "Malignant", "normal"]);
    assert_eq!(s.train, [7, 7, 7]);
    assert_eq!(s.test, Some(vec![3, 3, 3]));
    // notes.txt in each of the 6 class folders; hidden files are not counted.
    assert_eq!(s.other_files, 6);
    assert_eq!(s.skipped.len(), 1, "{:?}", s.skipped);
    assert!(s.skipped[0].file.ends_with("broken.png"));
    assert!(
        s.skipped[0].reason.contains("PNG"),
        "{}",
        s.skipped[0].reason
    );

    let ds = Dataset::load(&out).unwrap();
    assert_eq!(ds.classes.as_deref(), Some(&s.classes[..]));
    assert!(!ds.train.paired);
    let test = ds.test.as_ref().unwrap();
    assert_eq!((ds.train.len(), test.len()), (21, 9));
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    let mut lines = manifest.lines();
    assert_eq!(
        lines.next().unwrap(),
        "split,index,label,class,source_file,width,height,crop_x,crop_y,crop_w,crop_h,resize"
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 30);
    for img in &written {
        let row = rows
            .iter()
            .find(|r| r[4] == img.path.display().to_string())
            .unwrap_or_else(|| panic!("{} not in the manifest", img.path.display()));
        assert_eq!(row[0], img.split);
        assert_eq!(row[2], img.label.to_string());
        assert_eq!(row[3], s.classes[img.label as usize]);
        assert_eq!(
            (row[5].as_str(), row[6].as_str()),
            (
                img.width.to_string().as_str(),
                img.height.to_string().as_str()
            )
        );
        let b = fit_box(img.width, img.height, Fit::Crop);
        assert_eq!(row[7..11], [b.x, b.y, b.w, b.h].map(|v| v.to_string()));
        let set = if img.split == "train" {
            &ds.train
        } else {
            test
        };
        let index: usize = row[1].parse().unwrap();
        assert_eq!(set.labels[index], img.label);
        let got: Vec<u16> = set.image(index).iter().copied().collect();
        let want = expected_patch(img, Resize::Area);
        let differ = got.iter().zip(&want).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "{}: {differ} pixels differ", img.path.display());
        if (img.width, img.height) == (150, 150) {
            assert!(got == img.pixels, "a 150x150 image is taken as it is");
        }
    }
    // The labels task sees one sample per image; the seed's tasks are refused by name.
    let task = Task::Labels(0).bind(&ds).unwrap();
    assert_eq!(task, Task::Labels(3));
    assert_eq!(task_samples(task, &ds.train).unwrap().len(), 21);
    let e = Task::MassCalc.bind(&ds).unwrap_err().to_string();
    assert!(
        e.contains("labelled-image dataset") && e.contains("--task labels"),
        "{e}"
    );
    assert!(ds.supports(Task::Labels(0)).is_ok());
    assert!(ds.supports(Task::BenignMalignant).is_err());
    let classes: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(out.join(CLASSES_FILE)).unwrap()).unwrap();
    assert_eq!(classes, s.classes);
    let skipped = std::fs::read_to_string(out.join("skipped.csv")).unwrap();
    assert!(skipped.starts_with("file,reason\n") && skipped.contains("broken.png"));
}

/// `--positive` puts its class last (label 1 of a binary task); without it, classes sort
/// case-insensitively; nearest resizing and stretching are what they say.
#[test]
fn class_order_positive_class_and_fit() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("tree"), tmp.path().join("ds"));
    let written = write_example(&root, &["tumour", "Normal"], 3, 0, 9).unwrap();
    let s = import(&root, &out).unwrap();
    assert_eq!(s.classes, ["Normal", "tumour"]);
    assert_eq!(s.test, None);
    let mut o = FolderOptions::new(&root, &out);
    o.positive = Some("NORMAL".into());
    o.resize = Resize::Nearest;
    o.fit = Fit::Stretch;
    let s = import_folder(&o, &mut |_, _| {}).unwrap();
    assert_eq!(s.classes, ["tumour", "Normal"]);
    let ds = Dataset::load(&out).unwrap();
    assert!(ds.test.is_none());
    let manifest = std::fs::read_to_string(out.join("manifest.csv")).unwrap();
    for (index, img) in written.iter().filter(|w| w.label == 0).enumerate() {
        // "tumour" (written as class 0) is now label 0, "Normal" label 1.
        let line = manifest
            .lines()
            .find(|l| l.contains(&img.path.display().to_string()))
            .unwrap();
        assert!(
            line.starts_with(&format!("train,{index},0,tumour,")),
            "{line}"
        );
        assert!(
            line.ends_with(&format!(",0,0,{},{},nearest", img.width, img.height)),
            "{line}"
        );
        let g =
            crate::data::imaging::Gray16::new(img.width, img.height, img.pixels.clone()).unwrap();
        let want = g
            .patch(
                fit_box(img.width, img.height, Fit::Stretch),
                SIDE,
                Resize::Nearest,
            )
            .unwrap();
        assert_eq!(
            ds.train.image(index).iter().copied().collect::<Vec<_>>(),
            want
        );
    }
    let e = import_folder(
        &FolderOptions {
            positive: Some("cancer".into()),
            ..o.clone()
        },
        &mut |_, _| {},
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("'cancer' is not one of the classes (Normal, tumour)"),
        "{e}"
    );
}

/// PGM maxval scaling: binary 16-bit with any maxval, 8-bit plain; bitmaps and colour refused.
#[test]
fn pgm_values_are_scaled_by_their_maxval() {
    let tmp = tempfile::tempdir().unwrap();
    let v: Vec<u16> = vec![0, 1, 136, 137, 1000, 4094, 4095, 2048];
    let p = tmp.path().join("a.pgm");
    write_pgm(&p, 4, 2, &v, 4095, false).unwrap();
    let got = read_any(&p).unwrap().pixels;
    for (g, v) in got.iter().zip(&v) {
        let exact = *v as f64 * 65535.0 / 4095.0;
        assert!(
            (*g as f64 - exact).abs() <= 0.51,
            "{v} -> {g}, exactly {exact}"
        );
    }
    assert_eq!((got[0], got[6]), (0, 65535));
    let full: Vec<u16> = vec![0, 1, 65535, 300, 40000, 7];
    write_pgm(&p, 3, 2, &full, 65535, false).unwrap();
    assert_eq!(read_any(&p).unwrap().pixels, full);
    write_pgm(&p, 3, 2, &[0, 1, 2, 255, 128, 9], 255, true).unwrap();
    assert_eq!(
        read_any(&p).unwrap().pixels,
        [0, 257, 514, 65535, 128 * 257, 9 * 257]
    );
    std::fs::write(&p, b"P6\n1 1\n255\n\x01\x02\x03").unwrap();
    let e = read_any(&p).unwrap_err().to_string();
    assert!(
        e.contains("a.pgm") && e.contains("not bitmaps or colour"),
        "{e}"
    );
    std::fs::write(&p, b"P5\n2 2\n255\n\x01").unwrap();
    let e = read_any(&p).unwrap_err().to_string();
    assert!(
        e.contains("a.pgm") && e.contains("not a readable PGM"),
        "{e}"
    );
}

/// Trees that cannot make a dataset are refused, naming the folder and the fault.
#[test]
fn bad_trees_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let err = |root: &Path| import(root, &out).unwrap_err().to_string();
    let missing = tmp.path().join("nowhere");
    assert!(err(&missing).contains("not a folder"));

    let one = tmp.path().join("one");
    write_example(&one.join("x"), &["only"], 2, 0, 1).unwrap();
    std::fs::rename(one.join("x/Train/only"), one.join("only")).unwrap();
    std::fs::remove_dir_all(one.join("x")).unwrap();
    let e = err(&one);
    assert!(e.contains("1 class folder found"), "{e}");

    let mixed = tmp.path().join("mixed");
    write_example(&mixed, &["a", "b"], 2, 0, 1).unwrap();
    std::fs::create_dir_all(mixed.join("c")).unwrap();
    let e = err(&mixed);
    assert!(e.contains("train folder and other folders (c)"), "{e}");

    let unknown = tmp.path().join("unknown");
    write_example(&unknown, &["a", "b"], 2, 1, 1).unwrap();
    std::fs::rename(unknown.join("test/B"), unknown.join("test/other")).unwrap();
    let e = err(&unknown);
    assert!(
        e.contains("test classes without a training folder: other"),
        "{e}"
    );

    let test_only = tmp.path().join("test_only");
    std::fs::create_dir_all(test_only.join("Test/a")).unwrap();
    assert!(err(&test_only).contains("a test folder without a train folder"));

    let twice = tmp.path().join("twice");
    for c in ["Mass", "mass", "calc"] {
        let d = twice.join(c);
        std::fs::create_dir_all(&d).unwrap();
        let px = pattern(0, 0, 150, 150, 1);
        example::write_pgm(&d.join("x.pgm"), 150, 150, &px, 65535, false).unwrap();
    }
    let e = err(&twice);
    assert!(e.contains("differ only in case"), "{e}");

    let unreadable = tmp.path().join("unreadable");
    write_example(&unreadable, &["a", "b"], 1, 0, 1).unwrap();
    for f in std::fs::read_dir(unreadable.join("Train/b")).unwrap() {
        let p = f.unwrap().path();
        if p.is_file() && !p.ends_with("notes.txt") {
            std::fs::write(&p, b"garbage").unwrap();
        }
    }
    let e = err(&unreadable);
    assert!(
        e.contains("no readable training image in the class folder b"),
        "{e}"
    );
    assert!(
        !out.join(CLASSES_FILE).exists(),
        "nothing written on failure"
    );
}

/// A labelled-image dataset's files are validated like the course files: labels beyond the
/// classes, a test file without its labels and a malformed classes.json are refused by name.
#[test]
fn labelled_dataset_files_are_validated() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, out) = (tmp.path().join("tree"), tmp.path().join("ds"));
    write_example(&root, &["a", "b"], 2, 1, 3).unwrap();
    import(&root, &out).unwrap();
    let labels = out.join(crate::data::dataset::TRAIN_LABELS);
    crate::data::npy::write(&labels, &[4], &[0i64, 1, 2, 0]).unwrap();
    let e = Dataset::load(&out).unwrap_err().to_string();
    assert!(
        e.contains("train_labels.npy") && e.contains("labels must be 0..=1"),
        "{e}"
    );
    import(&root, &out).unwrap();
    std::fs::remove_file(out.join(crate::data::dataset::LABELLED_TEST_LABELS)).unwrap();
    let e = Dataset::load(&out).unwrap_err().to_string();
    assert!(
        e.contains("test_labels.npy") && e.contains("without its labels"),
        "{e}"
    );
    import(&root, &out).unwrap();
    for (text, why) in [
        ("{\"a\": 1}", "not a JSON list"),
        ("[\"a\"]", "1 classes"),
        ("[\"a\", \"A\"]", "given twice"),
    ] {
        std::fs::write(out.join(CLASSES_FILE), text).unwrap();
        let e = Dataset::load(&out).unwrap_err().to_string();
        assert!(e.contains("classes.json") && e.contains(why), "{e}");
    }
}
