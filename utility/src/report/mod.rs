//! Layer 8, reports: what a person looks at. Charts ([`plot`]: lines, bars, histograms, training
//! curves, confusion matrices, ROC curves as SVG), figures of patches ([`figures`]: grids,
//! histograms, before/after, augmentation examples, Grad-CAM overlays) and experiment tables
//! ([`table`]: one row per run, CSV and HTML). Depends on evaluation and the layers below.
pub mod figures;
pub mod notebook;
pub mod plot;
pub mod table;
