use super::dicom::{read_header, read_image};
use super::dicom_write::{packbits, write_gray, DicomSpec};
use super::*;

fn ramp(w: usize, h: usize) -> Gray16 {
    Gray16::new(w, h, (0..w * h).map(|i| (i * 37 % 65536) as u16).collect()).unwrap()
}

#[test]
fn stored_bits_scale_to_the_16_bit_range() {
    assert_eq!(to_16bit(255, 8), 65535);
    assert_eq!(to_16bit(128, 8), 32896); // 128 * 257
    assert_eq!(to_16bit(0, 12), 0);
    assert_eq!(to_16bit(4095, 12), 65535);
    assert_eq!(to_16bit(2048, 12), 32776); // round(2048 * 65535 / 4095) = 32776.0
    assert_eq!(to_16bit(40000, 16), 40000);
}

#[test]
fn nearest_takes_the_pixel_under_each_output_centre() {
    let img = ramp(300, 300);
    let p = img
        .patch(
            Rect {
                x: 0,
                y: 0,
                w: 300,
                h: 300,
            },
            150,
            Resize::Nearest,
        )
        .unwrap();
    for j in [0, 7, 149] {
        for i in [0, 3, 149] {
            assert_eq!(p[j * 150 + i], img.get(2 * i + 1, 2 * j + 1));
        }
    }
    // Enlarging 75 -> 150 repeats every source pixel twice (blocky, as the course's patches).
    let p = img
        .patch(
            Rect {
                x: 10,
                y: 20,
                w: 75,
                h: 75,
            },
            150,
            Resize::Nearest,
        )
        .unwrap();
    assert_eq!(p[0], img.get(10, 20));
    assert_eq!(p[1], img.get(10, 20));
    assert_eq!(p[2], img.get(11, 20));
    assert_eq!(p[150 * 149 + 149], img.get(84, 94));
}

#[test]
fn area_averages_what_each_output_pixel_covers() {
    let img = Gray16::new(4, 2, vec![0, 10, 20, 30, 2, 12, 22, 34]).unwrap();
    // 4x2 -> 2x2 halves the width only... use the square patch API on a 2x2 box twice.
    let p = img
        .patch(
            Rect {
                x: 0,
                y: 0,
                w: 2,
                h: 2,
            },
            1,
            Resize::Area,
        )
        .unwrap();
    assert_eq!(p, vec![6]); // (0 + 10 + 2 + 12) / 4
                            // 3 -> 2: the first output covers pixel 0 and half of pixel 1.
    let img = Gray16::new(3, 3, vec![0, 30, 60, 0, 30, 60, 0, 30, 60]).unwrap();
    let p = img
        .patch(
            Rect {
                x: 0,
                y: 0,
                w: 3,
                h: 3,
            },
            2,
            Resize::Area,
        )
        .unwrap();
    assert_eq!(p, vec![10, 50, 10, 50]); // (0 + 0.5*30)/1.5, (0.5*30 + 60)/1.5
}

#[test]
fn a_box_outside_the_image_is_an_error_not_a_panic() {
    let img = ramp(10, 10);
    assert!(img
        .patch(
            Rect {
                x: 5,
                y: 0,
                w: 6,
                h: 6
            },
            150,
            Resize::Nearest
        )
        .is_err());
    assert!(img
        .patch(
            Rect {
                x: 0,
                y: 0,
                w: 0,
                h: 6
            },
            150,
            Resize::Area
        )
        .is_err());
    assert!(Gray16::new(3, 3, vec![0; 8]).is_err());
}

#[test]
fn bounding_box_of_a_mask() {
    let mut px = vec![0u16; 20 * 10];
    px[3 * 20 + 5] = 65535;
    px[7 * 20 + 12] = 65535;
    let m = Gray16::new(20, 10, px).unwrap();
    assert_eq!(
        m.bounding_box(),
        Some(Rect {
            x: 5,
            y: 3,
            w: 8,
            h: 5
        })
    );
    assert_eq!(m.distinct_values(3), 2);
    assert_eq!(Gray16::new(2, 2, vec![0; 4]).unwrap().bounding_box(), None);
}

#[test]
fn otsu_splits_two_populations_between_their_modes() {
    let mut v: Vec<f32> = (0..500).map(|i| 1000.0 + (i % 50) as f32).collect();
    v.extend((0..300).map(|i| 40000.0 + (i % 80) as f32));
    let t = otsu_threshold(&v).unwrap();
    assert!(t > 1049.0 && t < 40000.0, "{t}");
    assert_eq!(otsu_threshold(&[3.0, 3.0]), None);
}

#[test]
fn breast_mask_counts_tissue_under_a_box() {
    // Left half dark background, right half bright tissue.
    let (w, h) = (400, 200);
    let px = (0..w * h)
        .map(|i| if i % w >= 200 { 40000 } else { 500 })
        .collect();
    let img = Gray16::new(w, h, px).unwrap();
    let m = BreastMask::of(&img, 100);
    assert_eq!(m.factor, 4);
    assert_eq!(
        m.fraction(&Rect {
            x: 250,
            y: 10,
            w: 100,
            h: 100
        }),
        1.0
    );
    assert_eq!(
        m.fraction(&Rect {
            x: 0,
            y: 10,
            w: 100,
            h: 100
        }),
        0.0
    );
    let half = m.fraction(&Rect {
        x: 150,
        y: 0,
        w: 100,
        h: 100,
    });
    assert!((half - 0.5).abs() < 0.01, "{half}");
}

#[test]
fn packbits_round_trips_through_dicom_rs() {
    // Runs, literals, and the 128-byte limits of both.
    let mut data: Vec<u8> = vec![7; 300];
    data.extend((0..=255u8).cycle().take(400));
    data.extend([1, 1, 2, 3, 3, 3, 4]);
    let packed = packbits(&data);
    // Decode PackBits by the standard's rule to check the encoder on its own.
    let mut out = Vec::new();
    let mut i = 0;
    while i < packed.len() {
        let n = packed[i] as i8;
        if n >= 0 {
            out.extend_from_slice(&packed[i + 1..i + 2 + n as usize]);
            i += 2 + n as usize;
        } else {
            out.extend(std::iter::repeat_n(packed[i + 1], (1 - n as i32) as usize));
            i += 2;
        }
    }
    assert_eq!(out, data);
}

fn write_read(values: &[u16], w: usize, h: usize, spec: &DicomSpec) -> (DicomHeader, Gray16) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.dcm");
    write_gray(&p, w, h, values, spec).unwrap();
    let head = read_header(&p).unwrap();
    let img = read_image(&p).unwrap();
    assert_eq!(head.rows, h);
    assert_eq!(head.columns, w);
    (img.header, img.image)
}

use super::dicom::DicomHeader;

#[test]
fn dicom_16_bit_uncompressed_and_rle_decode_to_the_same_pixels() {
    let (w, h) = (37, 23);
    let values: Vec<u16> = (0..w * h).map(|i| ((i * 7919) % 65536) as u16).collect();
    let (hd, a) = write_read(
        &values,
        w,
        h,
        &DicomSpec {
            patient_id: "Mass-Training_P_00001_LEFT_CC".into(),
            ..Default::default()
        },
    );
    assert_eq!(a.pixels, values);
    assert_eq!(hd.patient_id, "Mass-Training_P_00001_LEFT_CC");
    assert_eq!(hd.photometric, "MONOCHROME2");
    let (hd, b) = write_read(
        &values,
        w,
        h,
        &DicomSpec {
            rle: true,
            ..Default::default()
        },
    );
    assert_eq!(hd.transfer_syntax, "1.2.840.10008.1.2.5");
    assert_eq!(b.pixels, values);
}

#[test]
fn dicom_12_and_8_bit_are_scaled_and_monochrome1_inverted() {
    let (w, h) = (4, 2);
    let v12 = vec![0, 4095, 2048, 1, 100, 200, 300, 4000];
    let (hd, img) = write_read(
        &v12,
        w,
        h,
        &DicomSpec {
            bits_stored: 12,
            ..Default::default()
        },
    );
    assert_eq!(hd.bits_stored, 12);
    assert_eq!(
        img.pixels,
        v12.iter()
            .map(|&v| to_16bit(v as u32, 12))
            .collect::<Vec<_>>()
    );
    let v8 = vec![0, 255, 128, 1, 2, 3, 4, 5];
    let (_, img) = write_read(
        &v8,
        w,
        h,
        &DicomSpec {
            bits_stored: 8,
            rle: true,
            ..Default::default()
        },
    );
    assert_eq!(img.pixels[..3], [0, 65535, 32896]);
    let (hd, img) = write_read(
        &v8,
        w,
        h,
        &DicomSpec {
            bits_stored: 8,
            monochrome1: true,
            ..Default::default()
        },
    );
    assert_eq!(hd.photometric, "MONOCHROME1");
    assert_eq!(img.pixels[..3], [65535, 0, to_16bit(127, 8)]);
}

#[test]
fn a_file_that_is_not_dicom_names_itself() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("notes.dcm");
    std::fs::write(&p, b"hello, not a DICOM file").unwrap();
    let e = read_image(&p).unwrap_err().to_string();
    assert!(
        e.contains("notes.dcm") && e.contains("not a readable DICOM file"),
        "{e}"
    );
    let e = read_header(&dir.path().join("missing.dcm"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("missing.dcm") && e.contains("not found"), "{e}");
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/imaging")
        .join(name)
}

fn load_gray(name: &str) -> Gray16 {
    let a = crate::data::npy::read::<u16>(fixture(name)).unwrap();
    let (h, w) = (a.shape()[0], a.shape()[1]);
    Gray16::new(w, h, a.iter().copied().collect()).unwrap()
}

/// The whole image resized to 150x150.
fn whole_to_150(src: &Gray16, how: Resize) -> Vec<u16> {
    let all = Rect {
        x: 0,
        y: 0,
        w: src.width,
        h: src.height,
    };
    src.patch(all, 150, how).unwrap()
}

/// Pillow's `resize(NEAREST)` and OpenCV's `INTER_AREA` (scripts/fixtures/make_imaging_fixtures.py).
#[test]
fn resizing_matches_pillow_nearest_and_opencv_area() {
    let src = load_gray("source.npy");
    let want = crate::data::npy::read::<u16>(fixture("nearest_150.npy")).unwrap();
    let got = whole_to_150(&src, Resize::Nearest);
    assert_eq!(got, want.iter().copied().collect::<Vec<_>>());

    let src = load_gray("area_src.npy");
    let want = crate::data::npy::read::<u16>(fixture("area_150.npy")).unwrap();
    let got = whole_to_150(&src, Resize::Area);
    let worst = got
        .iter()
        .zip(want.iter())
        .map(|(&a, &b)| (a as i32 - b as i32).abs())
        .max()
        .unwrap();
    // OpenCV accumulates in float32: a difference of one level is rounding.
    assert!(
        worst <= 1,
        "largest difference from OpenCV INTER_AREA: {worst}"
    );
}

#[test]
fn otsu_matches_scikit_image() {
    let v = crate::data::npy::read::<f32>(fixture("otsu_values.npy")).unwrap();
    let want: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("otsu.json")).unwrap()).unwrap();
    let want = want["threshold"].as_f64().unwrap();
    let got = otsu_threshold(v.as_slice().unwrap()).unwrap() as f64;
    assert!(
        (got - want).abs() <= want.abs() * 1e-5,
        "otsu {got} vs scikit-image {want}"
    );
}

fn write_tiff<C: tiff::encoder::colortype::ColorType>(
    path: &std::path::Path,
    w: u32,
    h: u32,
    data: &[C::Inner],
    white_is_zero: bool,
) where
    [C::Inner]: tiff::encoder::TiffValue,
{
    let f = std::fs::File::create(path).unwrap();
    let mut enc = tiff::encoder::TiffEncoder::new(f).unwrap();
    let mut img = enc.new_image::<C>(w, h).unwrap();
    if white_is_zero {
        img.encoder()
            .write_tag(tiff::tags::Tag::PhotometricInterpretation, 0u16)
            .unwrap();
    }
    img.write_data(data).unwrap();
}

/// TIFF (8/16-bit, WhiteIsZero inverted), PNG (8/16-bit) and DICOM all read into the same
/// 16-bit image; anything else is refused by name.
#[test]
fn images_of_every_format_read_to_the_same_pixels() {
    use super::file::read_any;
    let dir = tempfile::tempdir().unwrap();
    let (w, h) = (7usize, 5usize);
    let v16: Vec<u16> = (0..w * h).map(|i| (i * 1789 % 65536) as u16).collect();
    let v8: Vec<u8> = (0..w * h).map(|i| (i * 37 % 256) as u8).collect();
    let as16: Vec<u16> = v8.iter().map(|&v| u16::from(v) * 257).collect();

    let t16 = dir.path().join("a.tif");
    write_tiff::<tiff::encoder::colortype::Gray16>(&t16, w as u32, h as u32, &v16, false);
    assert_eq!(read_any(&t16).unwrap().pixels, v16);
    let t8 = dir.path().join("b.tiff");
    write_tiff::<tiff::encoder::colortype::Gray8>(&t8, w as u32, h as u32, &v8, false);
    assert_eq!(read_any(&t8).unwrap().pixels, as16);
    let inv = dir.path().join("c.tif");
    write_tiff::<tiff::encoder::colortype::Gray16>(&inv, w as u32, h as u32, &v16, true);
    assert_eq!(
        read_any(&inv).unwrap().pixels,
        v16.iter().map(|v| 65535 - v).collect::<Vec<_>>()
    );

    let p8 = dir.path().join("d.png");
    crate::display::encode_gray_png(w as u32, h as u32, &v8)
        .unwrap()
        .save(&p8)
        .unwrap();
    assert_eq!(read_any(&p8).unwrap().pixels, as16);
    let p16 = dir.path().join("e.png");
    {
        let f = std::fs::File::create(&p16).unwrap();
        let mut e = png::Encoder::new(f, w as u32, h as u32);
        e.set_color(png::ColorType::Grayscale);
        e.set_depth(png::BitDepth::Sixteen);
        let bytes: Vec<u8> = v16.iter().flat_map(|v| v.to_be_bytes()).collect();
        e.write_header().unwrap().write_image_data(&bytes).unwrap();
    }
    assert_eq!(read_any(&p16).unwrap().pixels, v16);
    let d = dir.path().join("f.dcm");
    write_gray(&d, w, h, &v16, &DicomSpec::default()).unwrap();
    assert_eq!(read_any(&d).unwrap().pixels, v16);

    let txt = dir.path().join("notes.txt");
    std::fs::write(&txt, "hello").unwrap();
    let e = read_any(&txt).unwrap_err().to_string();
    assert!(
        e.contains("notes.txt") && e.contains("not a DICOM, PNG, TIFF or PGM"),
        "{e}"
    );
    // Grey stored as RGB, or with an opaque alpha channel, is grey; colour and transparency are
    // refused by name.
    let rgb = dir.path().join("rgb.png");
    let grey_rgb: Vec<u8> = v8.iter().flat_map(|&v| [v, v, v]).collect();
    crate::display::encode_rgb_png(w as u32, h as u32, &grey_rgb)
        .unwrap()
        .save(&rgb)
        .unwrap();
    assert_eq!(read_any(&rgb).unwrap().pixels, as16);
    let mut colour = grey_rgb.clone();
    colour[3 * 7 + 1] ^= 1;
    crate::display::encode_rgb_png(w as u32, h as u32, &colour)
        .unwrap()
        .save(&rgb)
        .unwrap();
    let e = read_any(&rgb).unwrap_err().to_string();
    assert!(
        e.contains("rgb.png") && e.contains("a colour PNG (pixel 7"),
        "{e}"
    );
    let write = |p: &std::path::Path, color: png::ColorType, depth: png::BitDepth, data: &[u8]| {
        let f = std::fs::File::create(p).unwrap();
        let mut e = png::Encoder::new(f, w as u32, h as u32);
        e.set_color(color);
        e.set_depth(depth);
        e.write_header().unwrap().write_image_data(data).unwrap();
    };
    let rgba16 = dir.path().join("rgba16.png");
    let opaque: Vec<u8> = v16
        .iter()
        .flat_map(|v| {
            [
                v.to_be_bytes(),
                v.to_be_bytes(),
                v.to_be_bytes(),
                [255, 255],
            ]
        })
        .flatten()
        .collect();
    write(
        &rgba16,
        png::ColorType::Rgba,
        png::BitDepth::Sixteen,
        &opaque,
    );
    assert_eq!(read_any(&rgba16).unwrap().pixels, v16);
    let ga = dir.path().join("ga.png");
    let mut alpha: Vec<u8> = v8.iter().flat_map(|&v| [v, 255]).collect();
    write(
        &ga,
        png::ColorType::GrayscaleAlpha,
        png::BitDepth::Eight,
        &alpha,
    );
    assert_eq!(read_any(&ga).unwrap().pixels, as16);
    alpha[2 * 4 + 1] = 128;
    write(
        &ga,
        png::ColorType::GrayscaleAlpha,
        png::BitDepth::Eight,
        &alpha,
    );
    let e = read_any(&ga).unwrap_err().to_string();
    assert!(e.contains("a PNG with transparency (pixel 4)"), "{e}");
}
