//! A miniature CBIS-DDSM download: synthetic pixels in the release's real folder layout and CSV
//! schema, with its known traps, for the importer's tests (library and command line) and for
//! trying the importer without the 160 GB archive.
//!
//! What it holds (`root/`):
//! - `mass_case_description_train_set.csv` (Windows line endings, padded cells, a newline inside a
//!   quoted path): patient 00001 LEFT CC, one malignant mass; its ROI series holds the crop as
//!   `1-1.dcm` and the mask as `1-2.dcm` (the swapped order users report);
//! - `mass_case_description_test_set.csv`: patient 00002 RIGHT MLO, two abnormalities on one
//!   image (benign, malignant), the full image RLE Lossless and MONOCHROME1, the masks 8-bit;
//! - `calc_case_description_train_set.csv` (`breast density` with a space): patient 00003 LEFT
//!   MLO, `BENIGN_WITHOUT_CALLBACK`, 12-bit pixels, CSV paths that exist literally on disk (the
//!   layout of some mirrors); and patient 00004, whose files are missing (skipped, reported).
use crate::data::imaging::dicom_write::{write_gray, DicomSpec};
use crate::data::imaging::Rect;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Size of the example's full mammograms.
pub const WIDTH: usize = 320;
pub const HEIGHT: usize = 480;
/// The breast occupies columns `BREAST_X0..` (a side-on breast, chest wall on the right).
pub const BREAST_X0: usize = 110;

/// One lesion of the example: where it is, and the stored full image it is on.
#[derive(Debug, Clone)]
pub struct ExampleLesion {
    pub case: &'static str,
    pub bbox: Rect,
    pub label: u8,
}

/// The stored values of a full mammogram (bits: 16 or 12): textured tissue right of
/// `BREAST_X0`, dark film background left of it, bright lesions.
pub fn full_values(bits: u16, lesions: &[Rect]) -> Vec<u16> {
    full_values_scaled(bits, lesions, 1)
}

/// [`full_values`] of the example enlarged `k` times (`k * WIDTH` x `k * HEIGHT`).
pub fn full_values_scaled(bits: u16, lesions: &[Rect], k: usize) -> Vec<u16> {
    let max = ((1u32 << bits) - 1) as f64;
    let (w, h) = (WIDTH * k, HEIGHT * k);
    (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let v = if lesions.iter().any(|r| inside(r, x, y)) {
                0.92
            } else if x >= BREAST_X0 * k {
                0.55 + 0.1 * (((x * 13 + y * 7) % 17) as f64 / 17.0)
            } else {
                0.02
            };
            (v * max).round() as u16
        })
        .collect()
}

fn inside(r: &Rect, x: usize, y: usize) -> bool {
    x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h
}

fn mask_values(r: &Rect, on: u16, k: usize) -> Vec<u16> {
    let w = WIDTH * k;
    (0..w * HEIGHT * k)
        .map(|i| if inside(r, i % w, i / w) { on } else { 0 })
        .collect()
}

fn scaled(r: Rect, k: usize) -> Rect {
    Rect {
        x: r.x * k,
        y: r.y * k,
        w: r.w * k,
        h: r.h * k,
    }
}

fn dcm(path: &Path, w: usize, h: usize, v: &[u16], spec: DicomSpec) -> Result<()> {
    write_gray(path, w, h, v, &spec)
}

fn spec(bits: u16, patient: &str, series: &str) -> DicomSpec {
    DicomSpec {
        bits_stored: bits,
        patient_id: patient.into(),
        series_description: series.into(),
        ..Default::default()
    }
}

const MASS_HEADER: &str = "patient_id,breast_density,left or right breast,image view,abnormality id,abnormality type,mass shape,mass margins,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path";
const CALC_HEADER: &str = "patient_id,breast density,left or right breast,image view,abnormality id,abnormality type,calc type,calc distribution,assessment,pathology,subtlety,image file path,cropped image file path,ROI mask file path";

/// Write the example under `root` (see the module doc) and return its lesions, in the order the
/// importer writes them: train (mass, then calcification), then test.
pub fn write_example(root: &Path) -> Result<Vec<ExampleLesion>> {
    write_example_scaled(root, 1)
}

/// The example with every image and lesion enlarged `k` times (`k` = 10 gives 3200 x 4800
/// mammograms, CBIS-DDSM's size: what the importer's time and memory are measured on).
pub fn write_example_scaled(root: &Path, k: usize) -> Result<Vec<ExampleLesion>> {
    let k = k.max(1);
    let (width, height) = (WIDTH * k, HEIGHT * k);
    let dl = root.join("CBIS-DDSM");
    let series = |case: &str, study: &str, s: &str| dl.join(case).join(study).join(s);
    let uid = "1.3.6.1.4.1.9590.100.1.2.1";

    // Patient 00001: mass, malignant, 16-bit, crop and mask swapped in one series.
    let l1 = scaled(
        Rect {
            x: 200,
            y: 150,
            w: 30,
            h: 24,
        },
        k,
    );
    let c1 = "Mass-Training_P_00001_LEFT_CC";
    dcm(
        &series(
            c1,
            "07-20-2016-DDSM-74994",
            "1.000000-full mammogram images-24515",
        )
        .join("1-1.dcm"),
        width,
        height,
        &full_values_scaled(16, &[l1], k),
        spec(16, c1, "full mammogram images"),
    )?;
    let roi1 = series(
        &format!("{c1}_1"),
        "08-07-2016-DDSM-43351",
        "1.000000-ROI mask images-97465",
    );
    dcm(
        &roi1.join("1-1.dcm"),
        40,
        34,
        &vec![50000; 40 * 34],
        spec(16, &format!("{c1}_1"), "cropped images"),
    )?;
    dcm(
        &roi1.join("1-2.dcm"),
        width,
        height,
        &mask_values(&l1, 65535, k),
        spec(16, &format!("{c1}_1"), "ROI mask images"),
    )?;
    let mass_train = format!(
        "{MASS_HEADER}\r\n P_00001 ,3,LEFT,CC,1,mass,IRREGULAR,SPICULATED,4,MALIGNANT,4,{c1}/{uid}/{uid}.1/000000.dcm,\"{c1}_1/{uid}/{uid}.2/000000.dcm\n\",{c1}_1/{uid}/{uid}.3/000001.dcm\r\n"
    );
    write(
        &root.join("mass_case_description_train_set.csv"),
        &mass_train,
    )?;

    // Patient 00002: two masses on one image, RLE + MONOCHROME1, 8-bit masks.
    let (l2a, l2b) = (
        scaled(
            Rect {
                x: 150,
                y: 60,
                w: 20,
                h: 40,
            },
            k,
        ),
        scaled(
            Rect {
                x: 240,
                y: 330,
                w: 50,
                h: 44,
            },
            k,
        ),
    );
    let c2 = "Mass-Test_P_00002_RIGHT_MLO";
    let mono1: Vec<u16> = full_values_scaled(16, &[l2a, l2b], k)
        .iter()
        .map(|v| 65535 - v)
        .collect();
    dcm(
        &series(
            c2,
            "07-20-2016-DDSM-11111",
            "1.000000-full mammogram images-22222",
        )
        .join("1-1.dcm"),
        width,
        height,
        &mono1,
        DicomSpec {
            monochrome1: true,
            rle: true,
            ..spec(16, c2, "full mammogram images")
        },
    )?;
    for (id, l) in [(1, l2a), (2, l2b)] {
        let case = format!("{c2}_{id}");
        dcm(
            &series(
                &case,
                "08-07-2016-DDSM-3333",
                "1.000000-ROI mask images-4444",
            )
            .join("1-1.dcm"),
            width,
            height,
            &mask_values(&l, 255, k),
            spec(8, &case, "ROI mask images"),
        )?;
        dcm(
            &series(
                &case,
                "08-07-2016-DDSM-3333",
                "2.000000-cropped images-5555",
            )
            .join("1-1.dcm"),
            30,
            30,
            &vec![100; 900],
            spec(8, &case, "cropped images"),
        )?;
    }
    let mass_test = format!(
        "{MASS_HEADER}\nP_00002,2,RIGHT,MLO,1,mass,OVAL,CIRCUMSCRIBED,3,BENIGN,3,{c2}/{uid}/{uid}.4/000000.dcm,{c2}_1/{uid}/{uid}.5/000000.dcm,{c2}_1/{uid}/{uid}.6/000001.dcm\nP_00002,2,RIGHT,MLO,2,mass,LOBULATED,ILL_DEFINED,5,MALIGNANT,5,{c2}/{uid}/{uid}.4/000000.dcm,{c2}_2/{uid}/{uid}.7/000000.dcm,{c2}_2/{uid}/{uid}.8/000001.dcm\n"
    );
    write(&root.join("mass_case_description_test_set.csv"), &mass_test)?;

    // Patient 00003: calcification, 12-bit, literal CSV paths; patient 00004: files missing.
    let l3 = scaled(
        Rect {
            x: 180,
            y: 400,
            w: 12,
            h: 10,
        },
        k,
    );
    let c3 = "Calc-Training_P_00003_LEFT_MLO";
    let (full3, mask3) = (
        format!("{c3}/{uid}/{uid}.9/000000.dcm"),
        format!("{c3}_1/{uid}/{uid}.10/000001.dcm"),
    );
    dcm(
        &dl.join(&full3),
        width,
        height,
        &full_values_scaled(12, &[l3], k),
        spec(12, c3, "full mammogram images"),
    )?;
    dcm(
        &dl.join(&mask3),
        width,
        height,
        &mask_values(&l3, 4095, k),
        spec(12, &format!("{c3}_1"), "ROI mask images"),
    )?;
    let c4 = "Calc-Training_P_00004_RIGHT_CC";
    let calc_train = format!(
        "{CALC_HEADER}\nP_00003,2,LEFT,MLO,1,calcification,PLEOMORPHIC,CLUSTERED,2,BENIGN_WITHOUT_CALLBACK,2,{full3},{c3}_1/{uid}/{uid}.11/000000.dcm,{mask3}\nP_00004,1,RIGHT,CC,1,calcification,AMORPHOUS,CLUSTERED,4,MALIGNANT,3,{c4}/{uid}/{uid}.12/000000.dcm,{c4}_1/{uid}/{uid}.13/000000.dcm,{c4}_1/{uid}/{uid}.14/000001.dcm\n"
    );
    write(
        &root.join("calc_case_description_train_set.csv"),
        &calc_train,
    )?;
    Ok(vec![
        ExampleLesion {
            case: c1,
            bbox: l1,
            label: 2,
        },
        ExampleLesion {
            case: c3,
            bbox: l3,
            label: 3,
        },
        ExampleLesion {
            case: c2,
            bbox: l2a,
            label: 1,
        },
        ExampleLesion {
            case: c2,
            bbox: l2b,
            label: 2,
        },
    ])
}

/// A larger download without traps, for running the notebooks on an import: `per_label` training
/// and `test_per_label` test cases of each label (mass benign, mass malignant, calcification
/// benign, calcification malignant), one lesion per 320 x 480 16-bit mammogram, masses larger
/// (18-48 px) than calcification clusters (8-16 px), positions and sizes drawn from `seed`. The
/// release's folder layout and CSV schema; returns the number of cases written.
pub fn write_cohort(
    root: &Path,
    per_label: usize,
    test_per_label: usize,
    seed: u64,
) -> Result<usize> {
    use rand::{Rng, SeedableRng};
    let mut rng = crate::rng::SeededRng::seed_from_u64(seed);
    let dl = root.join("CBIS-DDSM");
    let uid = "1.3.6.1.4.1.9590.100.1.2.2";
    let mut mass = [String::from(MASS_HEADER), String::from(MASS_HEADER)];
    let mut calc = [String::from(CALC_HEADER), String::from(CALC_HEADER)];
    let mut n = 0usize;
    for (split, count) in [(0usize, per_label), (1, test_per_label)] {
        for label in 1..=4u8 {
            for _ in 0..count {
                n += 1;
                let is_mass = label <= 2;
                let side = (if is_mass {
                    rng.gen_range(18..=48)
                } else {
                    rng.gen_range(8..=16)
                }) as usize;
                let lesion = Rect {
                    x: rng.gen_range(BREAST_X0 + 20..WIDTH - side - 10),
                    y: rng.gen_range(20..HEIGHT - side - 20),
                    w: side,
                    h: side * rng.gen_range(70..=130) / 100,
                };
                let kind = if is_mass { "Mass" } else { "Calc" };
                let part = if split == 0 { "Training" } else { "Test" };
                let (lr, view) = if n.is_multiple_of(2) {
                    ("LEFT", "CC")
                } else {
                    ("RIGHT", "MLO")
                };
                let patient = format!("P_{:05}", 10_000 + n);
                let case = format!("{kind}-{part}_{patient}_{lr}_{view}");
                let full = dl
                    .join(&case)
                    .join("07-20-2016-DDSM-1")
                    .join("1.000000-full mammogram images-1");
                dcm(
                    &full.join("1-1.dcm"),
                    WIDTH,
                    HEIGHT,
                    &full_values_scaled(16, &[lesion], 1),
                    spec(16, &case, "full mammogram images"),
                )?;
                let roi = dl
                    .join(format!("{case}_1"))
                    .join("08-07-2016-DDSM-1")
                    .join("1.000000-ROI mask images-1");
                dcm(
                    &roi.join("1-1.dcm"),
                    WIDTH,
                    HEIGHT,
                    &mask_values(&lesion, 65535, 1),
                    spec(16, &format!("{case}_1"), "ROI mask images"),
                )?;
                let pathology = if label % 2 == 0 {
                    "MALIGNANT"
                } else {
                    "BENIGN"
                };
                let paths = format!("{case}/{uid}/{uid}.{n}/000000.dcm,{case}_1/{uid}/{uid}.{n}1/000000.dcm,{case}_1/{uid}/{uid}.{n}2/000001.dcm");
                let line = if is_mass {
                    format!("\n{patient},2,{lr},{view},1,mass,OVAL,CIRCUMSCRIBED,4,{pathology},3,{paths}")
                } else {
                    format!("\n{patient},2,{lr},{view},1,calcification,PLEOMORPHIC,CLUSTERED,4,{pathology},3,{paths}")
                };
                if is_mass {
                    mass[split].push_str(&line);
                } else {
                    calc[split].push_str(&line);
                }
            }
        }
    }
    for (split, name) in [(0, "train"), (1, "test")] {
        write(
            &root.join(format!("mass_case_description_{name}_set.csv")),
            &format!("{}\n", mass[split]),
        )?;
        write(
            &root.join(format!("calc_case_description_{name}_set.csv")),
            &format!("{}\n", calc[split]),
        )?;
    }
    Ok(n)
}

fn write(path: &PathBuf, text: &str) -> Result<()> {
    std::fs::create_dir_all(path.parent().unwrap_or(Path::new(".")))
        .map_err(|e| Error::io(path, e))?;
    crate::fsx::write_bytes_atomic(path, text.as_bytes())
}
