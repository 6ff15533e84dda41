//! The synthetic default dataset: course-format files that look like the CBIS-DDSM patches.
//!
//! What it models (see docs/SYNTHETIC.md): breast-tissue background as a Gaussian random field
//! with a power-law spectrum (1/f^beta, beta ~ 3.2 +- 0.3, as measured on real patches), patient
//! density and contrast; the baseline is healthy tissue of the same synthetic patient; masses
//! (benign round/oval and circumscribed; malignant irregular, ill-defined and spiculated) and
//! calcifications (benign few, coarse, round; malignant many, fine, pleomorphic, clustered or
//! linear); lesion size varying as crops of different sizes resized to 150 make it vary, with
//! nearest-neighbour blockiness for small crops; 12-bit quantisation in the 16-bit range.
//! Benign and malignant overlap on purpose (atypical lesions), so that benign/malignant is much
//! harder than mass/calcification, as on the real data. Results on it say nothing clinical.
use crate::data::dataset::{Dataset, PairedSet, SIDE};
use crate::error::Result;
use crate::rng::SeededRng;
use ndarray::{Array2, Array3};
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;
use std::path::Path;

/// Abnormality label counts (labels 1..=4) of the course files (COURSE_DATA.md).
pub const TRAIN_COUNTS: [usize; 4] = [620, 598, 947, 511];
pub const TEST_COUNTS: [usize; 4] = [113, 66, 106, 51];

/// Default share of lesions drawn with the other severity's look ([`SynthConfig::atypical`]).
pub const ATYPICAL: f64 = 0.12;
/// Default share of hard mass/calcification cases ([`SynthConfig::hard_cases`]).
pub const HARD_CASES: f64 = 0.6;
/// Default share of speckled patients ([`SynthConfig::speckled`]).
pub const SPECKLED: f64 = 0.5;
/// Default share of speckled patients whose specks also gather into a cluster
/// ([`SynthConfig::tissue_clusters`]): 0, a probe setting (docs/SYNTHETIC.md).
pub const TISSUE_CLUSTERS: f64 = 0.0;
/// Default share of masses drawn as asymmetries ([`SynthConfig::asymmetries`]): 0. At 0.3 the
/// Siamese network beats the single image in the `full` profile, which `quick` is too short to
/// show; an option for now (docs/SYNTHETIC.md).
pub const ASYMMETRIES: f64 = 0.0;

/// Version of what the generator draws: bumped whenever a change to it changes the bytes that
/// the same settings produce, so that a folder made by an older mammo is recognised as such.
/// 1: the first calibration (2026-11-30; written without a stamp); 2: fainter hard cases, so
/// that mass vs calcification is no easier than on the real data (docs/SYNTHETIC.md).
pub const GENERATOR: u32 = 2;
/// The stamp [`write`] leaves beside the course files: the generator version and the settings.
pub const STAMP: &str = "synth.json";

/// Generator settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthConfig {
    pub seed: u64,
    /// Fraction of the course's size (1.0 = 2676 train and 336 test pairs); proportions are kept.
    pub scale: f64,
    /// Probability that a lesion is drawn with the other severity's look (benign/malignant overlap).
    pub atypical: f64,
    /// Probability that a lesion is a hard case for mass vs calcification, as real ones can be:
    /// half of these masses are faint (barely denser than the tissue) and half are a faint
    /// density carrying a few coarse calcifications; half of these calcification clusters are a
    /// few specks barely brighter than the tissue, half lie on a faint density. Calibrated in
    /// docs/SYNTHETIC.md.
    pub hard_cases: f64,
    /// Probability that a patient's tissue is speckled: scattered bright specks (vascular or
    /// benign scattered calcifications) over the whole breast, so in both patches of the pair.
    /// A speckled mass patch looks partly like a calcification cluster; the baseline patch of the
    /// same patient tells the two apart, which is what a Siamese network can use.
    pub speckled: f64,
    /// Probability that a speckled patient's specks also gather into one small cluster in each
    /// patch (benign clustered calcifications in the tissue): anywhere in the baseline, near the
    /// centre of the abnormality patch, where a lesion's own cluster would be, so that its
    /// position does not give it away. A mass patch of such a patient then carries a cluster
    /// that only the baseline patch shows to be the patient's tissue. Drawn from a stream of its
    /// own: at 0 the data are those of the other settings byte for byte.
    pub tissue_clusters: f64,
    /// Probability that a mass is an asymmetry (CBIS-DDSM's mass shapes include asymmetric
    /// breast tissue and focal asymmetric density): a broad density without a margin over most of
    /// the patch, which within the patch looks like the tissue's own slow changes of density and
    /// which only the same patient's baseline (the other breast) shows to be denser than this
    /// patient's normal tissue. Drawn from a stream of its own, and the mass it replaces is still
    /// drawn (and discarded): at 0 the data are those of the other settings byte for byte, and at
    /// any share every baseline patch is.
    pub asymmetries: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 42,
            scale: 1.0,
            atypical: ATYPICAL,
            hard_cases: HARD_CASES,
            speckled: SPECKLED,
            tissue_clusters: TISSUE_CLUSTERS,
            asymmetries: ASYMMETRIES,
        }
    }
}

/// Label counts at a scale: each count rounded, at least 1 per label when scale > 0.
pub fn scaled_counts(counts: [usize; 4], scale: f64) -> [usize; 4] {
    counts.map(|c| ((c as f64 * scale).round() as usize).max(1))
}

mod lesions;
mod texture;
use lesions::{
    add_asymmetry, add_calcifications, add_mass, add_scattered_specks, add_tissue_cluster,
    near_centre, Hard,
};
use texture::{power_law_fields, Synth};

/// The synthetic patient shared by both patches of a pair.
#[derive(Debug, Clone, Copy)]
struct Patient {
    mean: f64,
    sd: f64,
    beta: f64,
    /// Quantisation step in 16-bit units.
    step: u16,
    /// Scattered specks over the whole breast ([`SynthConfig::speckled`]).
    speckled: bool,
}

fn draw_patient(rng: &mut SeededRng, cfg: &SynthConfig) -> Patient {
    Patient {
        mean: rng.gen_range(0.55..0.65),
        sd: rng.gen_range(0.045..0.080),
        beta: (3.2 + 0.3 * rng.sample::<f64, _>(StandardNormal)).clamp(2.4, 4.0),
        step: 16,
        speckled: rng.gen_bool(cfg.speckled.clamp(0.0, 1.0)),
    }
}

/// Nearest-neighbour resample 150 -> s -> 150 (what resizing a small crop up to 150 does).
fn blocky(img: &Array2<f64>, s: usize) -> Array2<f64> {
    if s >= SIDE {
        return img.clone();
    }
    let mut small = Array2::<f64>::zeros((s, s));
    for y in 0..s {
        for x in 0..s {
            small[[y, x]] = img[[(y * SIDE) / s, (x * SIDE) / s]];
        }
    }
    Array2::from_shape_fn((SIDE, SIDE), |(y, x)| {
        small[[(y * s) / SIDE, (x * s) / SIDE]]
    })
}

/// Quantise to multiples of `step` (the top level is the largest multiple that fits in 16 bits).
fn quantize(img: &Array2<f64>, step: u16) -> Array2<u16> {
    let st = step.max(1) as f64;
    let levels = (65535.0 / st).floor();
    img.mapv(|v| ((v.clamp(0.0, 1.0) * levels).round() * st) as u16)
}

/// Generate one pair (baseline, abnormality) for abnormality label 1..=4.
fn make_pair(label: u8, seed: u64, cfg: &SynthConfig, sy: &Synth) -> (Array2<u16>, Array2<u16>) {
    let mut rng = SeededRng::seed_from_u64(seed);
    let p = draw_patient(&mut rng, cfg);
    let (field, field2) = power_law_fields(&mut rng, p.beta, sy);
    let mut base =
        Array2::from_shape_fn((SIDE, SIDE), |(y, x)| p.mean + p.sd * field[y * SIDE + x]);
    // Abnormality patches are cut around dense lesions: more varied tissue than the baselines.
    let sd2 = p.sd * rng.gen_range(1.15..1.45);
    let mut abn = Array2::from_shape_fn((SIDE, SIDE), |(y, x)| p.mean + sd2 * field2[y * SIDE + x]);
    let malignant = label.is_multiple_of(2);
    let look = if rng.gen_bool(cfg.atypical.clamp(0.0, 1.0)) {
        !malignant
    } else {
        malignant
    };
    let is_mass = label <= 2;
    let hard = if rng.gen_bool(cfg.hard_cases.clamp(0.0, 1.0)) {
        if rng.gen_bool(0.5) {
            Hard::Faint
        } else {
            Hard::Mixed
        }
    } else {
        Hard::No
    };
    // Crop side in original pixels: small crops are magnified (and blocky), large ones shrunk.
    let crop: f64 = if is_mass {
        (rng.gen_range(90f64..320.0).ln()).exp()
    } else {
        rng.gen_range(60f64..260.0)
    };
    let scale = (150.0 / crop).sqrt().clamp(0.6, 1.6);
    if p.speckled {
        add_scattered_specks(&mut base, &mut rng, &p);
        add_scattered_specks(&mut abn, &mut rng, &p);
        // A stream of its own, so that the other draws (and every other pair) stay as they are.
        let mut tc = SeededRng::seed_from_u64(seed ^ 0x5EC0_C1A5_7E55_0001);
        if tc.gen_bool(cfg.tissue_clusters.clamp(0.0, 1.0)) {
            let anywhere = (tc.gen_range(20.0..130.0), tc.gen_range(20.0..130.0));
            add_tissue_cluster(&mut base, &mut tc, anywhere, &p);
            let near = near_centre(&mut tc, 10.0);
            add_tissue_cluster(&mut abn, &mut tc, near, &p);
        }
    }
    // A stream of its own, as for the tissue clusters.
    let mut asym = SeededRng::seed_from_u64(seed ^ 0xA5E3_7A11_D0C5_0002);
    if is_mass && asym.gen_bool(cfg.asymmetries.clamp(0.0, 1.0)) {
        // The usual mass is drawn into a copy and dropped, so that the main stream's later draws
        // (none today) and the other pairs stay as they are.
        add_mass(&mut abn.clone(), &mut rng, look, scale, &p, hard);
        add_asymmetry(&mut abn, &mut asym, &p);
    } else if is_mass {
        add_mass(&mut abn, &mut rng, look, scale, &p, hard);
    } else {
        add_calcifications(&mut abn, &mut rng, look, scale, &p, hard);
    }
    let abn = blocky(&abn, crop.round() as usize);
    (quantize(&base, p.step), quantize(&abn, p.step))
}

fn make_set(counts: [usize; 4], seed: u64, set_tag: u64, cfg: &SynthConfig) -> Result<PairedSet> {
    let labels_ab: Vec<u8> = counts
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| std::iter::repeat_n(i as u8 + 1, c))
        .collect();
    let n_pairs = labels_ab.len();
    let mut images = Array3::<u16>::zeros((2 * n_pairs, SIDE, SIDE));
    let threads = std::thread::available_parallelism()
        .map(|t| t.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let chunk = n_pairs.div_ceil(threads).max(1);
    {
        let slice = images
            .as_slice_mut()
            .ok_or_else(|| crate::Error::Other("image buffer not contiguous".into()))?;
        let px = SIDE * SIDE;
        std::thread::scope(|s| {
            for (ci, part) in slice.chunks_mut(2 * px * chunk).enumerate() {
                let labels_ab = &labels_ab;
                s.spawn(move || {
                    let sy = Synth::new();
                    for (j, pair) in part.chunks_mut(2 * px).enumerate() {
                        let k = ci * chunk + j;
                        let pair_seed = seed
                            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                            .wrapping_add(set_tag.wrapping_mul(0xD1B5_4A32_D192_ED03))
                            .wrapping_add(k as u64);
                        let (b, a) = make_pair(labels_ab[k], pair_seed, cfg, &sy);
                        pair[..px].copy_from_slice(b.as_slice().unwrap_or(&[]));
                        pair[px..].copy_from_slice(a.as_slice().unwrap_or(&[]));
                    }
                });
            }
        });
    }
    let mut labels = Vec::with_capacity(2 * n_pairs);
    for &l in &labels_ab {
        labels.push(0);
        labels.push(l);
    }
    Ok(PairedSet {
        images: images.into_shared(),
        labels,
        images_path: Default::default(),
        labels_path: Default::default(),
        paired: true,
    })
}

/// Generate the synthetic dataset (train and public test sets) in memory.
pub fn generate(cfg: &SynthConfig) -> Result<Dataset> {
    if !(cfg.scale > 0.0 && cfg.scale <= 10.0) {
        return crate::error::invalid("scale", format!("{} must be in (0, 10]", cfg.scale));
    }
    let train = make_set(scaled_counts(TRAIN_COUNTS, cfg.scale), cfg.seed, 1, cfg)?;
    let test = make_set(scaled_counts(TEST_COUNTS, cfg.scale), cfg.seed, 2, cfg)?;
    Ok(Dataset {
        name: "synthetic".into(),
        dir: Default::default(),
        train,
        test: Some(test),
        classes: None,
    })
}

/// Generate and write the four course files into `out` (each written atomically).
pub fn write(out: impl AsRef<Path>, cfg: &SynthConfig) -> Result<Dataset> {
    let out = out.as_ref();
    let mut ds = generate(cfg)?;
    // The stamp goes first and comes back last: a folder caught half-rewritten has none.
    let stamp_path = out.join(STAMP);
    match std::fs::remove_file(&stamp_path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            return Err(crate::error::Error::io(&stamp_path, e))
        }
        _ => {}
    }
    ds.save(out)?;
    crate::fsx::write_bytes_atomic(&stamp_path, stamp(cfg).as_bytes())?;
    ds.dir = out.to_path_buf();
    ds.train.images_path = out.join(crate::data::dataset::TRAIN_IMAGES);
    ds.train.labels_path = out.join(crate::data::dataset::TRAIN_LABELS);
    if let Some(t) = ds.test.as_mut() {
        t.images_path = out.join(crate::data::dataset::TEST_IMAGES);
        t.labels_path = out.join(crate::data::dataset::TEST_LABELS);
    }
    Ok(ds)
}

/// The stamp's text for `cfg`: one JSON object, the generator version and every setting.
pub fn stamp(cfg: &SynthConfig) -> String {
    let mut v = serde_json::json!({
        "generator": GENERATOR,
        "seed": cfg.seed,
        "scale": cfg.scale,
        "atypical": cfg.atypical,
        "hard_cases": cfg.hard_cases,
        "speckled": cfg.speckled,
    });
    // Written only when set, so that the stamps of folders made before the setting existed
    // still say "up to date" for the same data.
    if cfg.tissue_clusters != 0.0 {
        v["tissue_clusters"] = serde_json::json!(cfg.tissue_clusters);
    }
    if cfg.asymmetries != 0.0 {
        v["asymmetries"] = serde_json::json!(cfg.asymmetries);
    }
    format!("{v:#}\n")
}

/// Whether `dir` holds what [`write`] would write for `cfg`: its stamp says this generator and
/// these settings, and the four course files are there. A folder without a stamp (made by a
/// mammo older than generator 2, or not by `mammo synth`) is not up to date.
pub fn is_up_to_date(dir: impl AsRef<Path>, cfg: &SynthConfig) -> bool {
    use crate::data::dataset::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
    let dir = dir.as_ref();
    std::fs::read_to_string(dir.join(STAMP)).is_ok_and(|s| s == stamp(cfg))
        && [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS]
            .iter()
            .all(|f| dir.join(f).is_file())
}

#[cfg(test)]
mod tests;
