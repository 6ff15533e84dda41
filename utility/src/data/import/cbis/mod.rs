//! `mammo import cbis-ddsm`: the public CBIS-DDSM release (DICOM full mammograms, ROI masks,
//! case-description CSVs) to the course format, so that everything downstream works unchanged.
//!
//! How a pair is cut (docs/IMPORT.md says the same, for users):
//! - **abnormality patch**: the bounding box of the ROI mask's non-zero pixels, grown by
//!   `margin` (default 0.25) of its longer side on every side, made square on its centre, at
//!   least `min_side` pixels (default 64) and at most the image's shorter side, moved inside the
//!   image when it crosses an edge, then resized to 150x150 (nearest neighbour by default, as the
//!   course's patches were; `area` averages);
//! - **baseline patch**: a square of the same side from the same full mammogram, inside the
//!   breast (at least 95% of it on breast tissue, Otsu's threshold of the image at <= 512 tiles
//!   on its long side; 80% after 1,000 unsuccessful draws) and overlapping no ROI of that image,
//!   at a position drawn by a generator seeded from `seed` and the row's identity (patient, side,
//!   view, abnormality id), so a row's baseline does not depend on which other rows are imported;
//! - **labels**: 1 mass benign, 2 mass malignant, 3 calcification benign, 4 calcification
//!   malignant (`BENIGN_WITHOUT_CALLBACK` is benign); rows in CSV order, mass CSVs first, as the
//!   course files are; CBIS-DDSM's train/test split kept.
//!
//! Memory stays bounded: one full mammogram and one mask are decoded at a time; only the 150x150
//! patches are kept. A row whose files are missing or unreadable is skipped and reported with its
//! CSV file and line; the import fails only when no pair at all could be made.
use crate::data::dataset::{Dataset, PairedSet, SIDE};
use crate::data::imaging::dicom::read_image;
use crate::data::imaging::{BreastMask, Rect, Resize};
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod example;
pub mod layout;
pub mod table;

pub use layout::Layout;
pub use table::{CaseRow, Skip, Split};

/// What `mammo import cbis-ddsm` does.
#[derive(Debug, Clone)]
pub struct CbisOptions {
    /// The root of the DICOM download (the `CBIS-DDSM` folder or the one above it).
    pub root: PathBuf,
    /// The case-description CSVs; empty: every `*case_description*.csv` of `csv_dir`.
    pub csvs: Vec<PathBuf>,
    /// Where to look for the CSVs when `csvs` is empty (default: `root`).
    pub csv_dir: Option<PathBuf>,
    /// The output folder (the four course files, `manifest.csv`, `skipped.csv`).
    pub out: PathBuf,
    pub margin: f64,
    pub min_side: usize,
    pub resize: Resize,
    pub seed: u64,
    /// Import only the first `limit` rows of each CSV (to try the importer on a download).
    pub limit: Option<usize>,
}

impl CbisOptions {
    pub fn new(root: impl Into<PathBuf>, out: impl Into<PathBuf>) -> CbisOptions {
        CbisOptions {
            root: root.into(),
            csvs: Vec::new(),
            csv_dir: None,
            out: out.into(),
            margin: 0.25,
            min_side: 64,
            resize: Resize::Nearest,
            seed: 42,
            limit: None,
        }
    }
}

/// What an import made.
#[derive(Debug, Clone, Default)]
pub struct ImportSummary {
    pub out: PathBuf,
    pub csvs: Vec<PathBuf>,
    pub dicom_files: usize,
    pub train_pairs: usize,
    pub test_pairs: usize,
    /// Full mammograms decoded.
    pub images: usize,
    /// Of which stored with 8 bits or fewer (16-bit detail is gone: an 8-bit JPEG copy).
    pub low_bit_images: usize,
    pub skipped: Vec<Skip>,
}

/// One output row's provenance (a line of `manifest.csv`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ManifestRow {
    pub split: &'static str,
    pub index: usize,
    pub kind: &'static str,
    pub label: u8,
    pub patient_id: String,
    pub side: String,
    pub view: String,
    pub abnormality_id: String,
    pub abnormality_type: String,
    pub pathology: String,
    pub assessment: String,
    pub subtlety: String,
    pub breast_density: String,
    pub source_file: String,
    pub mask_file: String,
    pub crop_x: usize,
    pub crop_y: usize,
    pub crop_side: usize,
    pub resize_factor: String,
    pub bits_stored: u16,
    pub csv_file: String,
    pub csv_line: u64,
}

/// The square crop around a lesion's bounding box (see the module doc).
pub fn abnormality_box(b: Rect, width: usize, height: usize, margin: f64, min_side: usize) -> Rect {
    let long = b.w.max(b.h) as f64;
    let side = ((long * (1.0 + 2.0 * margin.max(0.0))).round() as usize)
        .max(min_side)
        .min(width.min(height))
        .max(1);
    let place = |start: usize, len: usize, limit: usize| {
        let centre = start as f64 + len as f64 / 2.0;
        let s = (centre - side as f64 / 2.0).round().max(0.0) as usize;
        s.min(limit - side)
    };
    Rect {
        x: place(b.x, b.w, width),
        y: place(b.y, b.h, height),
        w: side,
        h: side,
    }
}

/// A stable 64-bit hash of a row's identity, mixed into the baseline's seed.
fn identity_hash(row: &CaseRow) -> u64 {
    let key = format!(
        "{}|{}|{}|{}|{}|{}",
        row.split.name(),
        row.patient_id,
        row.side,
        row.view,
        row.abnormality_id,
        row.abnormality_type
    );
    crate::rng::stable_hash(key.as_bytes())
}

/// A healthy-tissue square of `side` pixels: inside the breast, clear of every ROI box.
pub fn baseline_box(
    breast: &BreastMask,
    rois: &[Rect],
    width: usize,
    height: usize,
    side: usize,
    rng: &mut SeededRng,
) -> Option<(Rect, f64)> {
    if side > width || side > height {
        return None;
    }
    for attempt in 0..2000 {
        let need = if attempt < 1000 { 0.95 } else { 0.80 };
        let r = Rect {
            x: rng.gen_range(0..=width - side),
            y: rng.gen_range(0..=height - side),
            w: side,
            h: side,
        };
        if rois.iter().any(|roi| roi.overlaps(&r)) {
            continue;
        }
        let f = breast.fraction(&r);
        if f >= need {
            return Some((r, f));
        }
    }
    None
}

fn rel(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}

/// A row's ROI mask: the first candidate with at most two values and some lesion pixels.
fn find_mask(
    layout: &Layout,
    row: &CaseRow,
    full: &crate::data::imaging::dicom::DicomHeader,
) -> Result<(PathBuf, Rect)> {
    let mut why = Vec::new();
    for p in layout.mask_candidates(row, full)? {
        let m = read_image(&p)?.image;
        let distinct = m.distinct_values(3);
        if distinct > 2 {
            why.push(format!(
                "{} has more than two values (an image, not a mask)",
                rel(&layout.root, &p)
            ));
            continue;
        }
        match m.bounding_box() {
            Some(b) => return Ok((p, b)),
            None => why.push(format!("{} is empty", rel(&layout.root, &p))),
        }
    }
    Err(Error::bad_file(
        &layout.root,
        format!("no usable ROI mask: {}", why.join("; ")),
    ))
}

struct Out {
    images: Vec<u16>,
    labels: Vec<u8>,
}

/// Import the release (see the module doc). `progress(done, total)` is called after every full
/// mammogram.
pub fn import_cbis(
    opts: &CbisOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportSummary> {
    if !(0.0..=2.0).contains(&opts.margin) {
        return Err(Error::invalid(
            "margin",
            format!("{} must be between 0 and 2", opts.margin),
        ));
    }
    let csvs = if opts.csvs.is_empty() {
        table::find_csvs(opts.csv_dir.as_deref().unwrap_or(&opts.root))?
    } else {
        opts.csvs.clone()
    };
    let mut rows = Vec::new();
    let mut summary = ImportSummary {
        out: opts.out.clone(),
        csvs: csvs.clone(),
        ..Default::default()
    };
    for csv in &csvs {
        let (mut r, s) = table::read_csv(csv)?;
        if let Some(n) = opts.limit {
            r.truncate(n);
        }
        rows.extend(r);
        summary.skipped.extend(s);
    }
    let layout = Layout::scan(&opts.root)?;
    summary.dicom_files = layout.files;

    // Rows grouped by full mammogram, in order of first appearance (one decode per image).
    let mut groups: Vec<(PathBuf, Vec<CaseRow>)> = Vec::new();
    let mut at: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for row in rows {
        match layout.full_image(&row) {
            Ok(p) => {
                let i = *at.entry(p.clone()).or_insert_with(|| {
                    groups.push((p, Vec::new()));
                    groups.len() - 1
                });
                groups[i].1.push(row);
            }
            Err(e) => summary.skipped.push(skip(&row, &e)),
        }
    }

    let mut outs = [
        Out {
            images: Vec::new(),
            labels: Vec::new(),
        },
        Out {
            images: Vec::new(),
            labels: Vec::new(),
        },
    ];
    let mut manifest: [Vec<ManifestRow>; 2] = [Vec::new(), Vec::new()];
    let total = groups.len();
    for (done, (path, group)) in groups.into_iter().enumerate() {
        match read_image(&path) {
            Err(e) => summary.skipped.extend(group.iter().map(|r| skip(r, &e))),
            Ok(full) => {
                summary.images += 1;
                if full.header.bits_stored <= 8 {
                    summary.low_bit_images += 1;
                }
                let mut found = Vec::new();
                for row in group {
                    match find_mask(&layout, &row, &full.header) {
                        Ok((mask, b)) => found.push((row, mask, b)),
                        Err(e) => summary.skipped.push(skip(&row, &e)),
                    }
                }
                let img = &full.image;
                let rois: Vec<Rect> = found.iter().map(|f| f.2).collect();
                let breast = BreastMask::of(img, 512);
                for (row, mask, b) in found {
                    let crop =
                        abnormality_box(b, img.width, img.height, opts.margin, opts.min_side);
                    let mut rng = SeededRng::seed_from_u64(opts.seed ^ identity_hash(&row));
                    let Some((base, _)) =
                        baseline_box(&breast, &rois, img.width, img.height, crop.w, &mut rng)
                    else {
                        summary.skipped.push(skip(&row, &Error::bad_file(&path, format!("no square of {} pixels inside the breast clear of the image's ROIs for the baseline patch", crop.w))));
                        continue;
                    };
                    let s = row.split as usize;
                    for (kind, r, label) in
                        [("baseline", base, 0u8), ("abnormality", crop, row.label)]
                    {
                        outs[s].images.extend(img.patch(r, SIDE, opts.resize)?);
                        outs[s].labels.push(label);
                        manifest[s].push(manifest_row(
                            &layout.root,
                            &row,
                            kind,
                            label,
                            outs[s].labels.len() - 1,
                            &path,
                            &mask,
                            r,
                            full.header.bits_stored,
                        ));
                    }
                }
            }
        }
        progress(done + 1, total);
    }
    let [train, test] = outs;
    summary.train_pairs = train.labels.len() / 2;
    summary.test_pairs = test.labels.len() / 2;
    write_outputs(opts, &summary, train, test, manifest)?;
    Ok(summary)
}

fn skip(row: &CaseRow, e: &Error) -> Skip {
    Skip {
        csv: row.csv.clone(),
        line: row.line,
        what: format!(
            "{} {} {} abnormality {}",
            row.patient_id, row.side, row.view, row.abnormality_id
        ),
        reason: e.to_string(),
    }
}

#[allow(clippy::too_many_arguments)]
fn manifest_row(
    root: &Path,
    row: &CaseRow,
    kind: &'static str,
    label: u8,
    index: usize,
    source: &Path,
    mask: &Path,
    r: Rect,
    bits: u16,
) -> ManifestRow {
    ManifestRow {
        split: row.split.name(),
        index,
        kind,
        label,
        patient_id: row.patient_id.clone(),
        side: row.side.clone(),
        view: row.view.clone(),
        abnormality_id: row.abnormality_id.clone(),
        abnormality_type: row.abnormality_type.clone(),
        pathology: row.pathology.clone(),
        assessment: row.assessment.clone(),
        subtlety: row.subtlety.clone(),
        breast_density: row.breast_density.clone(),
        source_file: rel(root, source),
        mask_file: rel(root, mask),
        crop_x: r.x,
        crop_y: r.y,
        crop_side: r.w,
        resize_factor: format!("{:.4}", SIDE as f64 / r.w as f64),
        bits_stored: bits,
        csv_file: row
            .csv
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        csv_line: row.line,
    }
}

fn set_of(o: Out, dir: &Path, images: &str, labels: &str) -> Result<PairedSet> {
    super::patch_set(o.images, o.labels, dir.join(images), dir.join(labels), true)
}

fn write_outputs(
    opts: &CbisOptions,
    summary: &ImportSummary,
    train: Out,
    test: Out,
    manifest: [Vec<ManifestRow>; 2],
) -> Result<()> {
    use crate::data::dataset::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
    if train.labels.is_empty() && test.labels.is_empty() {
        let first: Vec<String> = summary
            .skipped
            .iter()
            .take(5)
            .map(|s| format!("{}:{}: {}", s.csv.display(), s.line, s.reason))
            .collect();
        return Err(Error::bad_file(
            &opts.root,
            format!(
                "no pair could be made: all {} CSV rows were skipped; first reasons: {}",
                summary.skipped.len(),
                first.join(" | ")
            ),
        ));
    }
    let out = &opts.out;
    let has_test = !test.labels.is_empty();
    let ds = Dataset {
        name: "cbis-ddsm".into(),
        dir: out.clone(),
        train: set_of(train, out, TRAIN_IMAGES, TRAIN_LABELS)?,
        test: if has_test {
            Some(set_of(test, out, TEST_IMAGES, TEST_LABELS)?)
        } else {
            None
        },
        classes: None,
    };
    ds.save(out)?;
    // A labelled-image dataset imported into this folder before would take precedence.
    let _ = std::fs::remove_file(out.join(crate::data::dataset::CLASSES_FILE));
    if !has_test {
        // A test set left by an earlier import into this folder is not this import's.
        for f in [TEST_IMAGES, TEST_LABELS] {
            let _ = std::fs::remove_file(out.join(f));
        }
    }
    super::write_csv(&out.join("manifest.csv"), manifest.iter().flatten())?;
    let skipped = out.join("skipped.csv");
    if summary.skipped.is_empty() {
        let _ = std::fs::remove_file(&skipped);
    } else {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["csv_file", "csv_line", "row", "reason"]);
        for s in &summary.skipped {
            let _ = w.write_record([
                s.csv.display().to_string(),
                s.line.to_string(),
                s.what.clone(),
                s.reason.clone(),
            ]);
        }
        let bytes = w
            .into_inner()
            .map_err(|e| Error::Other(format!("skipped.csv: {e}")))?;
        crate::fsx::write_bytes_atomic(&skipped, &bytes)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
