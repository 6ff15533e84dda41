//! Writing grey DICOM images with dicom-rs: what mammo's tests and examples use to build
//! real-shaped inputs (a CBIS-DDSM download, a mammogram to scan) without shipping patient data.
//! Uncompressed (Explicit VR Little Endian) or RLE Lossless; dicom-rs decodes RLE but does not
//! encode it, so the RLE segments are packed here (PackBits, DICOM PS3.5 Annex G).
use crate::error::{Error, Result};
use dicom_core::value::PixelFragmentSequence;
use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use std::path::Path;

/// How to write an image.
#[derive(Debug, Clone)]
pub struct DicomSpec {
    /// Bits per stored value, 1..=16 (8 or fewer are written as 8-bit samples).
    pub bits_stored: u16,
    /// Write MONOCHROME1 (bright is background): the reader inverts it back.
    pub monochrome1: bool,
    pub patient_id: String,
    pub series_description: String,
    /// RLE Lossless instead of uncompressed.
    pub rle: bool,
}

impl Default for DicomSpec {
    fn default() -> Self {
        DicomSpec {
            bits_stored: 16,
            monochrome1: false,
            patient_id: String::new(),
            series_description: String::new(),
            rle: false,
        }
    }
}

/// PackBits of one byte plane (replicate runs of 2..=128, literal runs of 1..=128).
pub fn packbits(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 64 + 2);
    let mut i = 0;
    while i < data.len() {
        let mut run = 1;
        while i + run < data.len() && run < 128 && data[i + run] == data[i] {
            run += 1;
        }
        if run >= 2 {
            out.push((257 - run) as u8);
            out.push(data[i]);
            i += run;
            continue;
        }
        let start = i;
        while i < data.len() && i - start < 128 {
            if i + 1 < data.len() && data[i] == data[i + 1] {
                break;
            }
            i += 1;
        }
        out.push((i - start - 1) as u8);
        out.extend_from_slice(&data[start..i]);
    }
    out
}

/// One RLE Lossless frame: the 64-byte header, then one PackBits segment per byte plane, most
/// significant plane first, each padded to an even length.
fn rle_frame(values: &[u16], two_bytes: bool) -> Vec<u8> {
    let planes: Vec<Vec<u8>> = if two_bytes {
        vec![
            values.iter().map(|v| (v >> 8) as u8).collect(),
            values.iter().map(|v| *v as u8).collect(),
        ]
    } else {
        vec![values.iter().map(|v| *v as u8).collect()]
    };
    let mut header = vec![0u8; 64];
    header[..4].copy_from_slice(&(planes.len() as u32).to_le_bytes());
    let mut body = Vec::new();
    for (k, plane) in planes.iter().enumerate() {
        let offset = (64 + body.len()) as u32;
        header[4 + 4 * k..8 + 4 * k].copy_from_slice(&offset.to_le_bytes());
        body.extend(packbits(plane));
        if body.len() % 2 == 1 {
            body.push(0);
        }
    }
    header.extend(body);
    header
}

/// Write `values` (stored values, row-major, `width` x `height`) as a grey DICOM image.
pub fn write_gray(
    path: &Path,
    width: usize,
    height: usize,
    values: &[u16],
    spec: &DicomSpec,
) -> Result<()> {
    if values.len() != width * height || width == 0 || height == 0 || width.max(height) > 65535 {
        return Err(Error::invalid(
            "DICOM image",
            format!(
                "{width}x{height} needs {} values, got {}",
                width * height,
                values.len()
            ),
        ));
    }
    if !(1..=16).contains(&spec.bits_stored) {
        return Err(Error::invalid(
            "bits_stored",
            format!("{} must be 1..=16", spec.bits_stored),
        ));
    }
    let two_bytes = spec.bits_stored > 8;
    let allocated: u16 = if two_bytes { 16 } else { 8 };
    let (ts, pixel) = if spec.rle {
        let frag =
            PixelFragmentSequence::new(Vec::<u32>::new(), vec![rle_frame(values, two_bytes)]);
        (
            uids::RLE_LOSSLESS,
            DataElement::new(tags::PIXEL_DATA, VR::OB, frag),
        )
    } else if two_bytes {
        (
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OW,
                PrimitiveValue::U16(values.iter().copied().collect()),
            ),
        )
    } else {
        (
            uids::EXPLICIT_VR_LITTLE_ENDIAN,
            DataElement::new(
                tags::PIXEL_DATA,
                VR::OB,
                PrimitiveValue::U8(values.iter().map(|&v| v as u8).collect()),
            ),
        )
    };
    let sop_class = "1.2.840.10008.5.1.4.1.1.1.2"; // Digital Mammography X-Ray Image, for presentation
    let sop_instance = format!(
        "2.25.{}",
        crate::rng::stable_hash(path.to_string_lossy().as_bytes())
    );
    let photometric = if spec.monochrome1 {
        "MONOCHROME1"
    } else {
        "MONOCHROME2"
    };
    let obj = InMemDicomObject::from_element_iter([
        DataElement::new(tags::SOP_CLASS_UID, VR::UI, PrimitiveValue::from(sop_class)),
        DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(sop_instance.as_str()),
        ),
        DataElement::new(tags::MODALITY, VR::CS, PrimitiveValue::from("MG")),
        DataElement::new(
            tags::PATIENT_ID,
            VR::LO,
            PrimitiveValue::from(spec.patient_id.as_str()),
        ),
        DataElement::new(
            tags::SERIES_DESCRIPTION,
            VR::LO,
            PrimitiveValue::from(spec.series_description.as_str()),
        ),
        DataElement::new(tags::SAMPLES_PER_PIXEL, VR::US, PrimitiveValue::from(1u16)),
        DataElement::new(
            tags::PHOTOMETRIC_INTERPRETATION,
            VR::CS,
            PrimitiveValue::from(photometric),
        ),
        DataElement::new(tags::ROWS, VR::US, PrimitiveValue::from(height as u16)),
        DataElement::new(tags::COLUMNS, VR::US, PrimitiveValue::from(width as u16)),
        DataElement::new(
            tags::BITS_ALLOCATED,
            VR::US,
            PrimitiveValue::from(allocated),
        ),
        DataElement::new(
            tags::BITS_STORED,
            VR::US,
            PrimitiveValue::from(spec.bits_stored),
        ),
        DataElement::new(
            tags::HIGH_BIT,
            VR::US,
            PrimitiveValue::from(spec.bits_stored - 1),
        ),
        DataElement::new(
            tags::PIXEL_REPRESENTATION,
            VR::US,
            PrimitiveValue::from(0u16),
        ),
        pixel,
    ]);
    let file = obj
        .with_meta(
            FileMetaTableBuilder::new()
                .transfer_syntax(ts)
                .media_storage_sop_class_uid(sop_class)
                .media_storage_sop_instance_uid(sop_instance.as_str()),
        )
        .map_err(|e| Error::bad_file(path, format!("cannot build the DICOM meta group: {e}")))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    crate::fsx::write_via_temp(path, |tmp| {
        file.write_to_file(tmp)
            .map_err(|e| Error::bad_file(path, format!("cannot write the DICOM file: {e}")))
    })
}
