//! The four CBIS-DDSM case-description CSVs: one row per abnormality.
//!
//! Tolerant of what the public files and their copies do: Windows line endings, stray spaces
//! around cells and header names, `breast_density` vs `breast density`, file-path cells with a
//! newline inside the quotes, and columns in any order. A row that cannot be used (an unknown
//! pathology, an empty path) is returned as a [`Skip`] naming the file and line, not an error.
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// CBIS-DDSM's own split, kept by the importer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }
}

/// One abnormality of a case-description CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseRow {
    pub split: Split,
    pub patient_id: String,
    pub side: String,
    pub view: String,
    pub abnormality_id: String,
    /// `mass` or `calcification`.
    pub abnormality_type: String,
    /// `MALIGNANT`, `BENIGN` or `BENIGN_WITHOUT_CALLBACK`.
    pub pathology: String,
    pub assessment: String,
    pub subtlety: String,
    pub breast_density: String,
    pub image_path: String,
    pub cropped_path: String,
    pub roi_path: String,
    /// The course label: 1 mass benign, 2 mass malignant, 3 calcification benign,
    /// 4 calcification malignant (`BENIGN_WITHOUT_CALLBACK` is benign).
    pub label: u8,
    pub csv: PathBuf,
    /// Line of the row in its CSV (1 is the header).
    pub line: u64,
}

/// A row left out, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    pub csv: PathBuf,
    pub line: u64,
    pub what: String,
    pub reason: String,
}

/// The course label of an abnormality type and pathology, or why there is none.
pub fn course_label(kind: &str, pathology: &str) -> std::result::Result<u8, String> {
    let base = match kind.trim().to_ascii_lowercase().as_str() {
        "mass" => 1,
        "calcification" | "calc" => 3,
        other => {
            return Err(format!(
                "abnormality type '{other}' is neither mass nor calcification"
            ))
        }
    };
    match pathology.trim().to_ascii_uppercase().as_str() {
        "BENIGN" | "BENIGN_WITHOUT_CALLBACK" => Ok(base),
        "MALIGNANT" => Ok(base + 1),
        other => Err(format!(
            "pathology '{other}' is not MALIGNANT, BENIGN or BENIGN_WITHOUT_CALLBACK"
        )),
    }
}

/// 1-based line of the first character at or after `at` that is not a line ending.
fn line_at(bytes: &[u8], mut at: usize) -> u64 {
    while matches!(bytes.get(at), Some(b'\r' | b'\n')) {
        at += 1;
    }
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// A header name as compared: lower case, trimmed, `_` read as a space, spaces collapsed.
fn norm(h: &str) -> String {
    h.trim()
        .to_ascii_lowercase()
        .replace('_', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The split a CSV holds, from its name (`..._train_set.csv`, `..._test_set.csv`).
pub fn split_of(csv: &Path) -> Result<Split> {
    let name = csv
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match (name.contains("train"), name.contains("test")) {
        (true, false) => Ok(Split::Train),
        (false, true) => Ok(Split::Test),
        _ => Err(Error::bad_file(
            csv,
            "cannot tell whether this CSV is the train or the test set: its name should contain \
             'train' or 'test' (as in mass_case_description_train_set.csv)",
        )),
    }
}

/// The case-description CSVs in a folder: the files whose name contains `case_description`
/// (any case), sorted so that mass comes before calcification and train before test.
pub fn find_csvs(dir: &Path) -> Result<Vec<PathBuf>> {
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut found: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            n.ends_with(".csv") && n.replace(' ', "_").contains("case_description")
        })
        .collect();
    let rank = |p: &PathBuf| {
        let n = p.to_string_lossy().to_ascii_lowercase();
        (!n.contains("mass"), n.contains("test"), n)
    };
    found.sort_by_key(rank);
    if found.is_empty() {
        return Err(Error::bad_file(
            dir,
            "no case-description CSV here (mass_case_description_train_set.csv, ...): \
             pass the folder that holds them with --csv-dir, or each file with --csv",
        ));
    }
    Ok(found)
}

/// Read one case-description CSV. Rows that cannot be used are returned in the second list.
pub fn read_csv(path: &Path) -> Result<(Vec<CaseRow>, Vec<Skip>)> {
    let split = split_of(path)?;
    let bytes = crate::fsx::read_bytes(path)?;
    let mut rd = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes.as_slice());
    let headers: Vec<String> = rd
        .headers()
        .map_err(|e| Error::bad_file(path, format!("cannot read the CSV header: {e}")))?
        .iter()
        .map(norm)
        .collect();
    let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
    let need = |names: &[&str]| {
        col(names).ok_or_else(|| {
            Error::bad_file(
                path,
                format!(
                    "missing column '{}' (columns found: {})",
                    names[0],
                    headers.join(", ")
                ),
            )
        })
    };
    let c_patient = need(&["patient id"])?;
    let c_type = need(&["abnormality type"])?;
    let c_path = need(&["pathology"])?;
    let c_image = need(&["image file path"])?;
    let c_roi = need(&["roi mask file path"])?;
    let c_side = col(&["left or right breast"]);
    let c_view = col(&["image view"]);
    let c_id = col(&["abnormality id"]);
    let c_assess = col(&["assessment"]);
    let c_subtle = col(&["subtlety"]);
    let c_density = col(&["breast density"]);
    let c_crop = col(&["cropped image file path"]);

    let (mut rows, mut skips) = (Vec::new(), Vec::new());
    for rec in rd.records() {
        let rec = rec.map_err(|e| Error::bad_file(path, format!("malformed CSV: {e}")))?;
        // The line of the record's first character, counted here: the csv crate counts a
        // record after a CRLF from its LF and a quoted newline not at all.
        let line = rec
            .position()
            .map(|p| line_at(&bytes, p.byte() as usize))
            .unwrap_or(0);
        if rec.iter().all(|c| c.is_empty()) {
            continue;
        }
        // Cells may hold a newline inside their quotes: keep the first line of a path.
        let cell = |c: Option<usize>| {
            c.and_then(|i| rec.get(i))
                .map(|s| s.lines().next().unwrap_or("").trim().to_string())
                .unwrap_or_default()
        };
        let (kind, pathology) = (cell(Some(c_type)), cell(Some(c_path)));
        let what = format!(
            "{} {} {} abnormality {}",
            cell(Some(c_patient)),
            cell(c_side),
            cell(c_view),
            cell(c_id)
        );
        let mut skip = |reason: String| {
            skips.push(Skip {
                csv: path.to_path_buf(),
                line,
                what: what.clone(),
                reason,
            })
        };
        let label = match course_label(&kind, &pathology) {
            Ok(l) => l,
            Err(reason) => {
                skip(reason);
                continue;
            }
        };
        let (image_path, roi_path) = (cell(Some(c_image)), cell(Some(c_roi)));
        if image_path.is_empty() || roi_path.is_empty() {
            skip("empty image or ROI mask file path".into());
            continue;
        }
        rows.push(CaseRow {
            split,
            patient_id: cell(Some(c_patient)),
            side: cell(c_side),
            view: cell(c_view),
            abnormality_id: cell(c_id),
            abnormality_type: kind.to_ascii_lowercase(),
            pathology: pathology.to_ascii_uppercase(),
            assessment: cell(c_assess),
            subtlety: cell(c_subtle),
            breast_density: cell(c_density),
            image_path,
            cropped_path: cell(c_crop),
            roi_path,
            label,
            csv: path.to_path_buf(),
            line,
        });
    }
    Ok((rows, skips))
}
