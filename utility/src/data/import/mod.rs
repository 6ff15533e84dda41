//! Importers: datasets users already have, turned into what mammo trains on.
//! [`cbis`]: the public CBIS-DDSM release (DICOM + case-description CSVs) to the course format.
pub mod cbis;
