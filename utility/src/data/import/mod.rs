//! Importers: datasets users already have, turned into what mammo trains on.
//! [`cbis`]: the public CBIS-DDSM release (DICOM + case-description CSVs) to the course format.
//! [`folder`]: a tree of labelled images (ROOT/[train|test/]CLASS/*) to a labelled-image dataset.
pub mod cbis;
pub mod folder;
