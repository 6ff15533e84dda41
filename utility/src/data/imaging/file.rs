//! Whole images from files, told apart by their content: DICOM (through dicom-rs, [`super::dicom`]),
//! PNG (the `png` crate), TIFF (the `tiff` crate: uncompressed, LZW, deflate, PackBits, JPEG) and
//! PGM (the `image` crate's Netpbm decoder, binary `P5` and plain `P2`, any maxval up to 65535,
//! scaled to the full 8- or 16-bit range), 8- or 16-bit grey, into [`Gray16`].
use super::Gray16;
use crate::error::{Error, Result};
use std::path::Path;

/// A whole image from a file, by its content: DICOM (the `DICM` preamble, or a `.dcm` name),
/// PNG, TIFF or PGM (8- or 16-bit grey; 8-bit values scaled to 16 bits, TIFF WhiteIsZero
/// inverted).
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
    if head.starts_with(b"P5") || head.starts_with(b"P2") {
        return read_pgm(path);
    }
    if head.len() >= 2 && head[0] == b'P' && matches!(head[1], b'1' | b'3' | b'4' | b'6' | b'7') {
        return Err(Error::bad_file(
            path,
            format!(
                "a Netpbm P{} image: mammo reads grey PGM (P5 or P2), not bitmaps or colour",
                head[1] as char
            ),
        ));
    }
    Err(Error::bad_file(
        path,
        "not a DICOM, PNG, TIFF or PGM image (mammo reads DICOM and 8/16-bit grey PNG, TIFF and PGM)",
    ))
}

fn read_pgm(path: &Path) -> Result<Gray16> {
    use image::ImageDecoder;
    let bad = |e: image::ImageError| Error::bad_file(path, format!("not a readable PGM: {e}"));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let dec = image::codecs::pnm::PnmDecoder::new(std::io::BufReader::new(f)).map_err(bad)?;
    let (w, h) = dec.dimensions();
    let (w, h) = (w as usize, h as usize);
    let color = dec.color_type();
    // A header may claim any size: refuse more than a full-field mammogram could need
    // (256 Mpx) before allocating.
    if w.saturating_mul(h) > 1 << 28 {
        return Err(Error::bad_file(
            path,
            format!("a PGM of {w}x{h} pixels is larger than mammo reads (256 Mpx)"),
        ));
    }
    let mut buf = vec![0u8; dec.total_bytes() as usize];
    dec.read_image(&mut buf).map_err(bad)?;
    let px: Vec<u16> = match color {
        image::ColorType::L8 => buf.iter().map(|&v| u16::from(v) * 257).collect(),
        // The decoder writes 16-bit samples in native byte order.
        image::ColorType::L16 => buf
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]))
            .collect(),
        c => {
            return Err(Error::bad_file(
                path,
                format!("a grey PGM was expected, this one decodes as {c:?}"),
            ))
        }
    };
    Gray16::new(w, h, px)
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
        (c @ (png::ColorType::Rgb | png::ColorType::Rgba | png::ColorType::GrayscaleAlpha), d)
            if matches!(d, png::BitDepth::Eight | png::BitDepth::Sixteen) =>
        {
            grey_of_channels(path, &buf, w * h, c, d == png::BitDepth::Sixteen)?
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

/// The grey values of a PNG stored with colour or alpha channels: accepted when it is grey in
/// all but name (red = green = blue in every pixel, alpha fully opaque), as viewers often export
/// grey images; a colour or transparent image is refused (which grey it should become is the
/// user's call).
fn grey_of_channels(
    path: &Path,
    buf: &[u8],
    n: usize,
    color: png::ColorType,
    sixteen: bool,
) -> Result<Vec<u16>> {
    let channels = color.samples();
    let sample = |i: usize| -> u16 {
        if sixteen {
            u16::from_be_bytes([buf[2 * i], buf[2 * i + 1]])
        } else {
            u16::from(buf[i]) * 257
        }
    };
    let has_alpha = matches!(color, png::ColorType::Rgba | png::ColorType::GrayscaleAlpha);
    let colour = matches!(color, png::ColorType::Rgb | png::ColorType::Rgba);
    let mut out = Vec::with_capacity(n);
    for p in 0..n {
        let base = p * channels;
        let v = sample(base);
        if colour && (sample(base + 1) != v || sample(base + 2) != v) {
            return Err(Error::bad_file(
                path,
                format!("a colour PNG (pixel {p} is not grey): mammo reads grey images; convert it to grey first"),
            ));
        }
        if has_alpha && sample(base + channels - 1) != u16::MAX {
            return Err(Error::bad_file(
                path,
                format!("a PNG with transparency (pixel {p}): mammo reads opaque grey images"),
            ));
        }
        out.push(v);
    }
    Ok(out)
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
