//! Importers: datasets users already have, turned into what mammo trains on.
//! [`cbis`]: the public CBIS-DDSM release (DICOM + case-description CSVs) to the course format.
//! [`folder`]: a tree of labelled images (ROOT/[train|test/]CLASS/*) to a labelled-image dataset.
pub mod cbis;
pub mod folder;

use crate::error::{Error, Result};

/// The 150x150 patches an importer cut (`images`: row-major, one patch after another) and their
/// labels, as a set whose files will be `images_path` and `labels_path`.
pub(crate) fn patch_set(
    images: Vec<u16>,
    labels: Vec<u8>,
    images_path: std::path::PathBuf,
    labels_path: std::path::PathBuf,
    paired: bool,
) -> Result<crate::data::dataset::PairedSet> {
    let side = crate::data::dataset::SIDE;
    let arr = ndarray::Array3::from_shape_vec((labels.len(), side, side), images)
        .map_err(|e| Error::Other(format!("patch buffer: {e}")))?;
    Ok(crate::data::dataset::PairedSet {
        images: arr.into_shared(),
        labels,
        images_path,
        labels_path,
        paired,
    })
}

/// Write `rows` as a CSV file with a header from their field names (atomically): the importers'
/// `manifest.csv` and `skipped.csv`.
pub(crate) fn write_csv<T: serde::Serialize>(
    path: &std::path::Path,
    rows: impl IntoIterator<Item = T>,
) -> Result<()> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.serialize(r)
            .map_err(|e| Error::bad_file(path, format!("CSV: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::bad_file(path, format!("CSV: {e}")))?;
    crate::fsx::write_bytes_atomic(path, &bytes)
}
