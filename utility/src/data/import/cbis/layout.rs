//! Finding a CSV row's DICOM files on disk.
//!
//! The CSVs name files as `<case folder>/<study uid>/<series uid>/000000.dcm`, but the archive's
//! downloader writes `<case folder>/<date-description-uid>/<number-series description-uid>/1-1.dcm`,
//! so the literal path rarely exists. Files are found instead by their **case folder**
//! (`Mass-Training_P_00001_LEFT_CC` for the full mammogram, the same with `_1`, `_2`, ... for an
//! abnormality's ROI mask and crop), the first path component of the CSV cell. Every `.dcm`
//! under the root is indexed once by the nearest enclosing folder whose name starts with
//! `Mass-` or `Calc-`; files outside such folders are indexed by their DICOM `PatientID`, which
//! holds the same name. Within a case folder the series description (`full mammogram images`,
//! `ROI mask images`, `cropped images`) breaks ties. A ROI mask is told from a cropped image by
//! content, never by name (copies of the archive swap them): the mask has the full mammogram's
//! size and at most two values.
use super::table::CaseRow;
use crate::data::imaging::dicom::{read_header, DicomHeader};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A DICOM file of the download.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// Name of the folder holding the file (the series), lower case.
    pub series: String,
}

/// Every `.dcm` under a root, by lower-case case-folder name.
#[derive(Debug, Default)]
pub struct Layout {
    pub root: PathBuf,
    pub by_case: BTreeMap<String, Vec<Entry>>,
    pub files: usize,
}

fn is_case_folder(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.starts_with("mass-") || n.starts_with("calc-")) && n.contains("_p_")
}

/// The case folder a CSV path cell names: its first component, lower case.
pub fn case_of(cell: &str) -> String {
    cell.trim()
        .replace('\\', "/")
        .split('/')
        .find(|s| !s.is_empty() && *s != "CBIS-DDSM")
        .unwrap_or("")
        .to_ascii_lowercase()
}

impl Layout {
    /// Index every `.dcm` file under `root` (symbolic links to folders are not followed).
    pub fn scan(root: &Path) -> Result<Layout> {
        if !root.is_dir() {
            return Err(Error::bad_file(
                root,
                "not a folder (the root of the CBIS-DDSM download)",
            ));
        }
        let mut out = Layout {
            root: root.to_path_buf(),
            ..Default::default()
        };
        let mut stack = vec![(root.to_path_buf(), None::<String>)];
        while let Some((dir, case)) = stack.pop() {
            let rd = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
            let mut items: Vec<_> = rd.filter_map(|e| e.ok()).collect();
            items.sort_by_key(|e| e.file_name());
            for e in items {
                let path = e.path();
                let name = e.file_name().to_string_lossy().into_owned();
                let Ok(ft) = e.file_type() else { continue };
                if ft.is_dir() {
                    let case = if is_case_folder(&name) {
                        Some(name.to_ascii_lowercase())
                    } else {
                        case.clone()
                    };
                    stack.push((path, case));
                } else if name.to_ascii_lowercase().ends_with(".dcm") {
                    let key = match &case {
                        Some(c) => c.clone(),
                        None => match read_header(&path) {
                            Ok(h) if is_case_folder(&h.patient_id) => {
                                h.patient_id.to_ascii_lowercase()
                            }
                            _ => continue,
                        },
                    };
                    let series = dir
                        .file_name()
                        .map(|n| n.to_string_lossy().to_ascii_lowercase())
                        .unwrap_or_default();
                    out.by_case
                        .entry(key)
                        .or_default()
                        .push(Entry { path, series });
                    out.files += 1;
                }
            }
        }
        Ok(out)
    }

    /// The literal CSV path, when the download kept it (under the root or `root/CBIS-DDSM`).
    fn literal(&self, cell: &str) -> Option<PathBuf> {
        let rel = cell.trim().replace('\\', "/");
        [self.root.join(&rel), self.root.join("CBIS-DDSM").join(&rel)]
            .into_iter()
            .find(|p| p.is_file())
    }

    fn entries(&self, cell: &str) -> Result<&[Entry]> {
        let case = case_of(cell);
        match self.by_case.get(&case) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(Error::bad_file(
                &self.root,
                format!("no DICOM file of case folder '{case}' (from the CSV path '{cell}')"),
            )),
        }
    }

    /// The full mammogram of a row.
    pub fn full_image(&self, row: &CaseRow) -> Result<PathBuf> {
        if let Some(p) = self.literal(&row.image_path) {
            return Ok(p);
        }
        let all = self.entries(&row.image_path)?;
        if all.len() == 1 {
            return Ok(all[0].path.clone());
        }
        let full: Vec<&Entry> = all
            .iter()
            .filter(|e| e.series.contains("full mammogram"))
            .collect();
        match full.as_slice() {
            [one] => Ok(one.path.clone()),
            _ => Err(Error::bad_file(
                &all[0].path,
                format!(
                    "{} DICOM files in case folder '{}' and {} in a 'full mammogram images' \
                     series: cannot tell which is the full mammogram",
                    all.len(),
                    case_of(&row.image_path),
                    full.len()
                ),
            )),
        }
    }

    /// The candidate ROI masks of a row: the files of its abnormality's case folder (and the
    /// literal ROI and crop paths, when they exist) that have the full image's size, the ones in
    /// a `ROI mask` series first. The caller checks the content.
    pub fn mask_candidates(&self, row: &CaseRow, full: &DicomHeader) -> Result<Vec<PathBuf>> {
        let mut files: Vec<(bool, PathBuf)> = Vec::new();
        for cell in [&row.roi_path, &row.cropped_path] {
            if let Some(p) = self.literal(cell) {
                files.push((false, p));
            }
        }
        if let Ok(all) = self.entries(&row.roi_path) {
            files.extend(
                all.iter()
                    .map(|e| (!e.series.contains("roi mask"), e.path.clone())),
            );
        }
        files.sort();
        let mut seen = std::collections::BTreeSet::new();
        files.retain(|(_, p)| seen.insert(p.clone()));
        if files.is_empty() {
            return Err(Error::bad_file(
                &self.root,
                format!(
                    "no DICOM file of case folder '{}' (the ROI mask of the CSV path '{}')",
                    case_of(&row.roi_path),
                    row.roi_path
                ),
            ));
        }
        let mut sizes = Vec::new();
        let mut out = Vec::new();
        for (_, p) in files {
            let h = read_header(&p)?;
            if h.rows == full.rows && h.columns == full.columns {
                out.push(p);
            } else {
                sizes.push(format!("{}x{}", h.columns, h.rows));
            }
        }
        if out.is_empty() {
            return Err(Error::bad_file(
                &self.root,
                format!(
                    "no ROI mask of the full image's size {}x{} in case folder '{}' (found {})",
                    full.columns,
                    full.rows,
                    case_of(&row.roi_path),
                    sizes.join(", ")
                ),
            ));
        }
        Ok(out)
    }
}
