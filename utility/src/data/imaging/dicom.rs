//! DICOM images through dicom-rs (`dicom-object` reads the file, `dicom-pixeldata` decodes the
//! pixel data, compressed transfer syntaxes included: RLE Lossless, JPEG baseline/lossless,
//! deflate). mammo adds only what a mammogram needs on top: one grey frame, the stored bits
//! scaled to 16 bits, MONOCHROME1 inverted so that bright is dense, and signed pixels shifted to
//! start at zero. No modality or VOI LUT is applied: the patches keep the scanner's values.
use super::{to_16bit, Gray16};
use crate::error::{Error, Result};
use dicom_dictionary_std::tags;
use dicom_object::{open_file, OpenFileOptions};
use dicom_pixeldata::{ConvertOptions, ModalityLutOption, PixelDecoder};
use std::path::Path;

/// What the header of a DICOM image says, read without its pixel data.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DicomHeader {
    pub rows: usize,
    pub columns: usize,
    pub bits_stored: u16,
    pub photometric: String,
    pub patient_id: String,
    pub series_description: String,
    pub transfer_syntax: String,
}

/// A decoded DICOM image.
#[derive(Debug, Clone)]
pub struct DicomImage {
    pub header: DicomHeader,
    /// The pixels on the 16-bit range, MONOCHROME1 inverted.
    pub image: Gray16,
}

fn text(obj: &dicom_object::InMemDicomObject, tag: dicom_object::Tag) -> String {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_str().ok().map(|s| s.trim().to_string()))
        .unwrap_or_default()
}

fn number(obj: &dicom_object::InMemDicomObject, tag: dicom_object::Tag) -> Option<u32> {
    obj.element_opt(tag)
        .ok()
        .flatten()
        .and_then(|e| e.to_int::<u32>().ok())
}

fn header_of(obj: &dicom_object::DefaultDicomObject) -> DicomHeader {
    DicomHeader {
        rows: number(obj, tags::ROWS).unwrap_or(0) as usize,
        columns: number(obj, tags::COLUMNS).unwrap_or(0) as usize,
        bits_stored: number(obj, tags::BITS_STORED).unwrap_or(0) as u16,
        photometric: text(obj, tags::PHOTOMETRIC_INTERPRETATION),
        patient_id: text(obj, tags::PATIENT_ID),
        series_description: text(obj, tags::SERIES_DESCRIPTION),
        transfer_syntax: obj
            .meta()
            .transfer_syntax()
            .trim_end_matches('\0')
            .to_string(),
    }
}

fn not_dicom(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::bad_file(path, format!("not a readable DICOM file: {e}"))
}

/// The header of a DICOM file (sizes, photometric interpretation, patient id, series
/// description), without reading its pixels.
pub fn read_header(path: &Path) -> Result<DicomHeader> {
    if !path.is_file() {
        return Err(Error::bad_file(path, "file not found"));
    }
    let obj = OpenFileOptions::new()
        .read_until(tags::PIXEL_DATA)
        .open_file(path)
        .map_err(|e| not_dicom(path, e))?;
    Ok(header_of(&obj))
}

/// Decode the first frame of a grey DICOM image to 16 bits (see the module doc).
pub fn read_image(path: &Path) -> Result<DicomImage> {
    if !path.is_file() {
        return Err(Error::bad_file(path, "file not found"));
    }
    let obj = open_file(path).map_err(|e| not_dicom(path, e))?;
    let header = header_of(&obj);
    let px = obj
        .decode_pixel_data_frame(0)
        .map_err(|e| Error::bad_file(path, format!("cannot decode the pixel data: {e}")))?;
    if px.samples_per_pixel() != 1 {
        return Err(Error::bad_file(
            path,
            format!(
                "a grey image was expected, this one has {} samples per pixel ({})",
                px.samples_per_pixel(),
                header.photometric
            ),
        ));
    }
    let (rows, cols) = (px.rows() as usize, px.columns() as usize);
    let bits = u32::from(px.bits_stored()).clamp(1, 16);
    let signed = px.pixel_representation() == dicom_pixeldata::PixelRepresentation::Signed;
    let n = rows * cols;
    let opts = ConvertOptions::new().with_modality_lut(ModalityLutOption::None);
    let bad = |e: dicom_pixeldata::Error| {
        Error::bad_file(path, format!("cannot read the pixel values: {e}"))
    };
    let max = (1u32 << bits) - 1;
    let invert = header.photometric.eq_ignore_ascii_case("MONOCHROME1");
    let finish = |v: u32| to_16bit(if invert { max - v } else { v }, bits);
    let pixels: Vec<u16> = if signed {
        let raw: Vec<i32> = px.to_vec_frame_with_options(0, &opts).map_err(bad)?;
        let offset = 1i64 << (bits - 1);
        raw.into_iter()
            .map(|v| finish((v as i64 + offset).clamp(0, max as i64) as u32))
            .collect()
    } else {
        // Unsigned values keep only their stored bits (some files carry stray high bits).
        let mut raw: Vec<u16> = px.to_vec_frame_with_options(0, &opts).map_err(bad)?;
        raw.iter_mut()
            .for_each(|v| *v = finish(u32::from(*v) & max));
        raw
    };
    drop(px);
    if pixels.len() != n {
        return Err(Error::bad_file(
            path,
            format!("{rows}x{cols} image, but {} pixel values", pixels.len()),
        ));
    }
    Ok(DicomImage {
        header: DicomHeader {
            rows,
            columns: cols,
            bits_stored: bits as u16,
            ..header
        },
        image: Gray16::new(cols, rows, pixels)?,
    })
}
