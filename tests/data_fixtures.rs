//! The data layer against oracles: NumPy-written files, TensorFlow's contrast formula,
//! scikit-image's CLAHE and scikit-learn's split counts (fixtures made by
//! scripts/fixtures/make_data_fixtures.py).
mod common;
use mammo::data::npy;
use mammo::data::tasks::{class_counts, stratified_kfold, stratified_split, Sample};
use mammo::transforms::intensity::{adjust_contrast, clahe_f64, Clahe};
use ndarray::{Array3, ArrayD, Axis, Ix3};
use serde_json::Value;

fn fx(name: &str) -> std::path::PathBuf {
    common::fixtures().join("data").join(name)
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fx("expected.json")).unwrap()).unwrap()
}

fn u16_3(path: &str) -> Array3<u16> {
    npy::read_u16_images(fx(path))
        .unwrap()
        .into_dimensionality::<Ix3>()
        .unwrap()
}

#[test]
fn numpy_written_image_variants_load_identically() {
    let reference = u16_3("ref_images_u16.npy");
    // A second, independent reader agrees on the reference file.
    let via_crate: ndarray::Array3<u16> =
        ndarray_npy::read_npy(fx("ref_images_u16.npy")).expect("ndarray-npy reads the reference");
    assert_eq!(reference, via_crate);
    let e = expected();
    let sum: i64 = reference.iter().map(|&v| v as i64).sum();
    assert_eq!(sum, e["npy"]["sum_u16"].as_i64().unwrap());
    for p in e["npy"]["probe"].as_array().unwrap() {
        let p: Vec<usize> = p
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(reference[[p[0], p[1], p[2]]] as usize, p[3]);
    }
    assert_eq!(u16_3("images_u16_fortran.npy"), reference, "Fortran order");
    assert_eq!(u16_3("images_u16_bigendian.npy"), reference, "big-endian");
    let nhwc = npy::read_u16_images(fx("images_u16_nhwc.npy")).unwrap();
    assert_eq!(nhwc.shape(), &[4, 150, 150, 1]);
    assert_eq!(nhwc.index_axis(Axis(3), 0), reference.into_dyn());
    let u8s = u16_3("images_u8.npy");
    let s8: i64 = u8s.iter().map(|&v| v as i64).sum();
    assert_eq!(
        s8,
        e["npy"]["sum_u8_scaled"].as_i64().unwrap(),
        "uint8 scaled by 257"
    );
    assert!(u8s.iter().all(|&v| v % 257 == 0));
}

#[test]
fn numpy_written_label_variants_load_identically() {
    let reference: ArrayD<i64> = npy::read_int_labels(fx("ref_labels_i64.npy")).unwrap();
    assert_eq!(reference.as_slice().unwrap(), &[0, 1, 0, 3]);
    for f in [
        "labels_i32.npy",
        "labels_u8.npy",
        "labels_i16_bigendian.npy",
    ] {
        assert_eq!(npy::read_int_labels(fx(f)).unwrap(), reference, "{f}");
    }
    let n1 = npy::read_int_labels(fx("labels_i64_n1.npy")).unwrap();
    assert_eq!(n1.shape(), &[4, 1]);
    // The dataset loader accepts every combination.
    for (i, l) in [
        ("images_u16_fortran.npy", "labels_i64_n1.npy"),
        ("images_u16_bigendian.npy", "labels_i32.npy"),
        ("images_u16_nhwc.npy", "labels_u8.npy"),
        ("images_u8.npy", "labels_i16_bigendian.npy"),
    ] {
        let set = mammo::PairedSet::load(fx(i), fx(l)).unwrap_or_else(|e| panic!("{i} + {l}: {e}"));
        assert_eq!(set.labels, vec![0, 1, 0, 3]);
        assert_eq!(set.images.dim(), (4, 150, 150));
    }
}

#[test]
fn our_writer_round_trips_and_numpy_layout() {
    let reference = u16_3("ref_images_u16.npy");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.npy");
    npy::write(&p, &[4, 150, 150], reference.as_slice().unwrap()).unwrap();
    assert_eq!(u16_3_abs(&p), reference);
    let back: ndarray::Array3<u16> = ndarray_npy::read_npy(&p).unwrap();
    assert_eq!(back, reference);
    let h = npy::read_header(&p).unwrap();
    assert_eq!(h.data_offset % 64, 0, "data aligned to 64 bytes like NumPy");
}

fn u16_3_abs(p: &std::path::Path) -> Array3<u16> {
    npy::read_u16_images(p)
        .unwrap()
        .into_dimensionality::<Ix3>()
        .unwrap()
}

/// Contrast agrees with TensorFlow's formula to within one 16-bit level (float32 rounding).
#[test]
fn contrast_matches_tensorflow_formula() {
    let input = u16_3("contrast_in.npy");
    for f in [0.5f32, 1.5, 2.0] {
        let want = u16_3(&format!("contrast_out_{f:?}.npy"));
        let mut worst = 0i32;
        for (i, img) in input.outer_iter().enumerate() {
            let got = adjust_contrast(img, f);
            for (a, b) in got.iter().zip(want.index_axis(Axis(0), i).iter()) {
                worst = worst.max((*a as i32 - *b as i32).abs());
            }
        }
        assert!(worst <= 1, "factor {f}: max difference {worst} levels");
    }
}

/// CLAHE agrees with scikit-image's equalize_adapthist on real and edge-case patches.
#[test]
fn clahe_matches_scikit_image() {
    let input = u16_3("clahe_in.npy");
    for case in expected()["clahe"].as_array().unwrap() {
        let p = Clahe {
            clip_limit: case["clip"].as_f64().unwrap(),
            tiles: case["tiles"].as_u64().unwrap() as usize,
            nbins: case["nbins"].as_u64().unwrap() as usize,
        };
        let want: ArrayD<f64> = npy::read::<f64>(fx(case["file"].as_str().unwrap())).unwrap();
        for (i, img) in input.outer_iter().enumerate() {
            let got = clahe_f64(img, &p);
            let w = want.index_axis(Axis(0), i);
            let worst = got
                .iter()
                .zip(w.iter())
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f64::max);
            assert!(
                worst <= 1e-9,
                "clahe {p:?} image {i}: max abs difference {worst}"
            );
        }
    }
}

fn samples_with_counts(counts: &[usize]) -> Vec<Sample> {
    let mut v = Vec::new();
    let mut row = 1;
    for (k, &c) in counts.iter().enumerate() {
        for _ in 0..c {
            v.push(Sample {
                row,
                label: k as u8,
            });
            row += 2;
        }
    }
    v
}

#[test]
fn stratified_split_counts_match_scikit_learn() {
    for case in expected()["splits"].as_array().unwrap() {
        let counts: Vec<usize> = case["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let want_tr: Vec<usize> = case["train"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let want_va: Vec<usize> = case["val"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let s = samples_with_counts(&counts);
        for seed in [0, 1, 7] {
            let (tr, va) = stratified_split(&s, counts.len(), 0.2, seed).unwrap();
            assert_eq!(class_counts(&tr, counts.len()), want_tr, "{counts:?} train");
            assert_eq!(class_counts(&va, counts.len()), want_va, "{counts:?} val");
            let mut all: Vec<usize> = tr.iter().chain(&va).map(|s| s.row).collect();
            all.sort();
            assert_eq!(
                all,
                s.iter().map(|s| s.row).collect::<Vec<_>>(),
                "disjoint and complete"
            );
        }
    }
}

#[test]
fn stratified_kfold_counts_match_scikit_learn() {
    for case in expected()["kfolds"].as_array().unwrap() {
        let counts: Vec<usize> = case["counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .collect();
        let k = case["k"].as_u64().unwrap() as usize;
        let want: Vec<Vec<usize>> = case["val_counts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_array()
                    .unwrap()
                    .iter()
                    .map(|v| v.as_u64().unwrap() as usize)
                    .collect()
            })
            .collect();
        let s = samples_with_counts(&counts);
        let folds = stratified_kfold(&s, counts.len(), k, 3).unwrap();
        let got: Vec<Vec<usize>> = folds
            .iter()
            .map(|(_, va)| class_counts(va, counts.len()))
            .collect();
        assert_eq!(got, want, "{counts:?} k={k}");
        let mut seen: Vec<usize> = folds
            .iter()
            .flat_map(|(_, va)| va.iter().map(|s| s.row))
            .collect();
        seen.sort();
        assert_eq!(seen.len(), s.len(), "each sample validates exactly once");
        seen.dedup();
        assert_eq!(seen.len(), s.len());
    }
}
