//! A small tree of labelled images, every format `mammo import folder` reads and the things a
//! real folder holds besides images, for the importer's tests (library and command line) and
//! for trying the `labels` task without a dataset of one's own.
//!
//! `root/Train/CLASS/` and, with a test split, `root/test/CLASS/` (the case differs on purpose),
//! one class folder per name given. Image `i` of a class is written, in turn, as an 8-bit PNG, a
//! 16-bit PNG, a 16-bit binary PGM with maxval 4095 (12-bit values), an 8-bit plain (`P2`) PGM, a
//! 16-bit TIFF and a 16-bit DICOM (MONOCHROME1 every other one), at one of three sizes (150x150,
//! 180x240 portrait, 260x170 landscape), some in a sub-folder. Each class has its own pattern on
//! a noisy background (class 0 a bright disc, class 1 a cluster of small bright dots, class 2
//! horizontal stripes, further classes nothing), so a model can learn them. Beside the images: a
//! `notes.txt`, a hidden `.DS_Store`, and in the first class folder a broken `broken.png`
//! (skipped and reported by the importer).
use crate::data::imaging::dicom_write::{write_gray, DicomSpec};
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};

/// The image sizes used, in turn: (width, height).
pub const SIZES: [(usize, usize); 3] = [(150, 150), (180, 240), (260, 170)];

/// The formats written, in turn.
pub const FORMATS: [&str; 6] = ["png8", "png16", "pgm12", "pgm8-plain", "tif16", "dcm16"];

/// One image written: where, its class label, and its pixels on the 16-bit range as the
/// importer must read them.
#[derive(Debug, Clone)]
pub struct ExampleImage {
    pub path: PathBuf,
    pub split: &'static str,
    pub label: u8,
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u16>,
}

/// The 16-bit pattern of image `i` of class `label`.
pub fn pattern(label: u8, i: usize, width: usize, height: usize, seed: u64) -> Vec<u16> {
    let mut rng = SeededRng::seed_from_u64(seed ^ (label as u64) << 32 ^ i as u64);
    let mut px: Vec<f64> = (0..width * height)
        .map(|_| 18000.0 + rng.gen_range(-4000.0..4000.0))
        .collect();
    let (cx, cy) = (
        width as f64 / 2.0 + rng.gen_range(-15.0..15.0),
        height as f64 / 2.0 + rng.gen_range(-15.0..15.0),
    );
    let side = width.min(height) as f64;
    match label {
        0 => {
            let r = side * rng.gen_range(0.15..0.25);
            for y in 0..height {
                for x in 0..width {
                    let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                    if d < r {
                        px[y * width + x] += 30000.0;
                    }
                }
            }
        }
        1 => {
            for _ in 0..12 {
                let x0 = cx + rng.gen_range(-0.2..0.2) * side;
                let y0 = cy + rng.gen_range(-0.2..0.2) * side;
                for y in 0..height {
                    for x in 0..width {
                        if (x as f64 - x0).abs() < 2.0 && (y as f64 - y0).abs() < 2.0 {
                            px[y * width + x] += 40000.0;
                        }
                    }
                }
            }
        }
        2 => {
            for y in 0..height {
                if (y / 8) % 2 == 0 {
                    for x in 0..width {
                        px[y * width + x] += 15000.0;
                    }
                }
            }
        }
        _ => {}
    }
    px.into_iter()
        .map(|v| v.round().clamp(0.0, 65535.0) as u16)
        .collect()
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path, e)
}

fn write_png(path: &Path, w: usize, h: usize, px16: &[u16], eight: bool) -> Result<()> {
    let f = std::fs::File::create(path).map_err(io(path))?;
    let mut e = png::Encoder::new(std::io::BufWriter::new(f), w as u32, h as u32);
    e.set_color(png::ColorType::Grayscale);
    e.set_depth(if eight {
        png::BitDepth::Eight
    } else {
        png::BitDepth::Sixteen
    });
    let bytes: Vec<u8> = if eight {
        px16.iter().map(|&v| (v / 257) as u8).collect()
    } else {
        px16.iter().flat_map(|v| v.to_be_bytes()).collect()
    };
    e.write_header()
        .and_then(|mut w| w.write_image_data(&bytes))
        .map_err(|e| Error::bad_file(path, format!("PNG: {e}")))
}

fn write_tiff16(path: &Path, w: usize, h: usize, px: &[u16]) -> Result<()> {
    let f = std::fs::File::create(path).map_err(io(path))?;
    let mut enc = tiff::encoder::TiffEncoder::new(std::io::BufWriter::new(f))
        .map_err(|e| Error::bad_file(path, format!("TIFF: {e}")))?;
    enc.write_image::<tiff::encoder::colortype::Gray16>(w as u32, h as u32, px)
        .map_err(|e| Error::bad_file(path, format!("TIFF: {e}")))
}

/// A PGM: binary (`P5`, big-endian samples above maxval 255) or plain (`P2`).
pub fn write_pgm(
    path: &Path,
    w: usize,
    h: usize,
    values: &[u16],
    maxval: u16,
    plain: bool,
) -> Result<()> {
    let mut b = format!(
        "{}\n# mammo example\n{w} {h}\n{maxval}\n",
        if plain { "P2" } else { "P5" }
    )
    .into_bytes();
    if plain {
        for row in values.chunks(w.max(1)) {
            let line: Vec<String> = row.iter().map(|v| v.to_string()).collect();
            b.extend(line.join(" ").bytes());
            b.push(b'\n');
        }
    } else if maxval > 255 {
        b.extend(values.iter().flat_map(|v| v.to_be_bytes()));
    } else {
        b.extend(values.iter().map(|&v| v as u8));
    }
    std::fs::write(path, b).map_err(io(path))
}

/// Write the example tree (see the module doc): `per_class` training images per class and,
/// when `test_per_class > 0`, a test split. Returns every image written (not the broken one).
pub fn write_example(
    root: &Path,
    classes: &[&str],
    per_class: usize,
    test_per_class: usize,
    seed: u64,
) -> Result<Vec<ExampleImage>> {
    let mut out = Vec::new();
    let mut k = 0usize;
    for (split, dir_name, n) in [
        ("train", "Train", per_class),
        ("test", "test", test_per_class),
    ] {
        if n == 0 {
            continue;
        }
        for (label, class) in classes.iter().enumerate() {
            // The test split's folders in upper case: class names are matched case-insensitively.
            let class_dir = if split == "test" {
                root.join(dir_name).join(class.to_uppercase())
            } else {
                root.join(dir_name).join(class)
            };
            std::fs::create_dir_all(class_dir.join("more")).map_err(io(&class_dir))?;
            for i in 0..n {
                let (w, h) = SIZES[k % SIZES.len()];
                let format = FORMATS[k % FORMATS.len()];
                k += 1;
                let px = pattern(
                    label as u8,
                    i + 1000 * usize::from(split == "test"),
                    w,
                    h,
                    seed,
                );
                let dir = if i % 4 == 3 {
                    class_dir.join("more")
                } else {
                    class_dir.clone()
                };
                let stem = format!("{class}_{split}_{i:03}");
                let (path, read) = match format {
                    "png8" => {
                        let p = dir.join(format!("{stem}.png"));
                        write_png(&p, w, h, &px, true)?;
                        (p, px.iter().map(|&v| (v / 257) * 257).collect())
                    }
                    "png16" => {
                        let p = dir.join(format!("{stem}.PNG"));
                        write_png(&p, w, h, &px, false)?;
                        (p, px.clone())
                    }
                    "pgm12" => {
                        let p = dir.join(format!("{stem}.pgm"));
                        let v: Vec<u16> = px.iter().map(|&v| v >> 4).collect();
                        write_pgm(&p, w, h, &v, 4095, false)?;
                        // 65535 v / 4095, as the decoder rounds it (in f32: within 1 of exact).
                        let read = v
                            .iter()
                            .map(|&v| (f32::from(v) * (65535.0f32 / 4095.0)).round() as u16)
                            .collect();
                        (p, read)
                    }
                    "pgm8-plain" => {
                        let p = dir.join(format!("{stem}.pgm"));
                        let v: Vec<u16> = px.iter().map(|&v| v / 257).collect();
                        write_pgm(&p, w, h, &v, 255, true)?;
                        (p, v.iter().map(|&v| v * 257).collect())
                    }
                    "tif16" => {
                        let p = dir.join(format!("{stem}.tif"));
                        write_tiff16(&p, w, h, &px)?;
                        (p, px.clone())
                    }
                    _ => {
                        let p = dir.join(format!("{stem}.dcm"));
                        // MONOCHROME1 stores bright as low values: written inverted, read back
                        // as `px` by the importer.
                        let mono1 = i % 2 == 1;
                        let spec = DicomSpec {
                            monochrome1: mono1,
                            patient_id: stem.clone(),
                            ..DicomSpec::default()
                        };
                        let stored: Vec<u16> = if mono1 {
                            px.iter().map(|&v| 65535 - v).collect()
                        } else {
                            px.clone()
                        };
                        write_gray(&p, w, h, &stored, &spec)?;
                        (p, px.clone())
                    }
                };
                out.push(ExampleImage {
                    path,
                    split,
                    label: label as u8,
                    width: w,
                    height: h,
                    pixels: read,
                });
            }
            let notes = class_dir.join("notes.txt");
            std::fs::write(&notes, "scanned 2026\n").map_err(io(&notes))?;
            let hidden = class_dir.join(".DS_Store");
            std::fs::write(&hidden, [0u8, 0, 0, 1]).map_err(io(&hidden))?;
            if label == 0 && split == "train" {
                let broken = class_dir.join("broken.png");
                std::fs::write(&broken, b"\x89PNG\r\n\x1a\nnot really").map_err(io(&broken))?;
            }
        }
    }
    Ok(out)
}
