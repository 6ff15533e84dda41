//! Whole images from files, told apart by their content: DICOM (through dicom-rs, [`super::dicom`]),
//! PNG (the `png` crate) and TIFF (the `tiff` crate: uncompressed, LZW, deflate, PackBits, JPEG), 8- or 16-bit grey, into [`Gray16`].
use super::Gray16;
use crate::error::{Error, Result};
use std::path::Path;

/// A whole image from a file, by its content: DICOM (the `DICM` preamble, or a `.dcm` name),
/// PNG or TIFF (8- or 16-bit grey; 8-bit values scaled to 16 bits, TIFF WhiteIsZero inverted).
pub fn read_any(path: &Path) -> Result<Gray16> {
    let head = std::fs::File::open(path)
        .and_then(|mut f| {
            let mut b = vec![0u8; 132];
            let n = std::io::Read::read(&mut f, &mut b)?;
            b.truncate(n);
            Ok(b)
        })
        .map_err(|e| Error::io(path, e))?;
    let dcm_name = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("dcm"));
    if dcm_name || head.get(128..132) == Some(b"DICM") {
        return Ok(crate::data::imaging::dicom::read_image(path)?.image);
    }
    if head.starts_with(b"\x89PNG") {
        return read_png(path);
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return read_tiff(path);
    }
    Err(Error::bad_file(
        path,
        "not a DICOM, PNG or TIFF image (mammo reads DICOM and 8/16-bit grey PNG and TIFF)",
    ))
}

fn read_png(path: &Path) -> Result<Gray16> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut dec = png::Decoder::new(std::io::BufReader::new(f));
    dec.set_transformations(png::Transformations::EXPAND);
    let mut r = dec
        .read_info()
        .map_err(|e| Error::bad_file(path, format!("not a readable PNG: {e}")))?;
    let mut buf = vec![0u8; r.output_buffer_size()];
    let info = r
        .next_frame(&mut buf)
        .map_err(|e| Error::bad_file(path, format!("not a readable PNG: {e}")))?;
    let (w, h) = (info.width as usize, info.height as usize);
    let px: Vec<u16> = match (info.color_type, info.bit_depth) {
        (png::ColorType::Grayscale, png::BitDepth::Sixteen) => buf[..w * h * 2]
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect(),
        (png::ColorType::Grayscale, png::BitDepth::Eight) => {
            buf[..w * h].iter().map(|&v| u16::from(v) * 257).collect()
        }
        (c, d) => {
            return Err(Error::bad_file(
                path,
                format!("a grey PNG was expected, this one is {c:?} at {d:?} bits"),
            ))
        }
    };
    Gray16::new(w, h, px)
}

fn read_tiff(path: &Path) -> Result<Gray16> {
    use tiff::decoder::{Decoder, DecodingResult};
    let bad = |e: tiff::TiffError| Error::bad_file(path, format!("not a readable TIFF: {e}"));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut dec = Decoder::new(std::io::BufReader::new(f)).map_err(bad)?;
    let (w, h) = dec.dimensions().map_err(bad)?;
    let (w, h) = (w as usize, h as usize);
    let color = dec.colortype().map_err(bad)?;
    // WhiteIsZero (bright is background, as DICOM's MONOCHROME1) is inverted by the tiff
    // crate as it decodes: bright is dense tissue here too (tested).
    let px: Vec<u16> = match (color, dec.read_image().map_err(bad)?) {
        (tiff::ColorType::Gray(8), DecodingResult::U8(v)) => {
            v.into_iter().map(|x| u16::from(x) * 257).collect()
        }
        (tiff::ColorType::Gray(16), DecodingResult::U16(v)) => v,
        (c, _) => {
            return Err(Error::bad_file(
                path,
                format!("an 8- or 16-bit grey TIFF was expected, this one is {c:?}"),
            ))
        }
    };
    Gray16::new(w, h, px.into_iter().take(w * h).collect())
}
