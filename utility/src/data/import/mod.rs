//! Importers: datasets users already have, turned into what mammo trains on.
//! [`cbis`]: the public CBIS-DDSM release (DICOM + case-description CSVs) to the course format.
//! [`folder`]: a tree of labelled images (ROOT/[train|test/]CLASS/*) to a labelled-image dataset.
pub mod cbis;
pub mod folder;

use crate::error::{Error, Result};

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
