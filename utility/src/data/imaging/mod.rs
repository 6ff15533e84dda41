//! Whole images in memory: a 16-bit grey image, cropping, resizing to a patch, and the breast
//! region of a mammogram. Decoding lives beside it: DICOM through dicom-rs ([`dicom`]).
//!
//! Conventions, shared by `mammo import` and `mammo scan`:
//! - pixels are `u16`, row-major, on the full 16-bit range: an image stored with fewer bits is
//!   scaled by `65535 / (2^bits - 1)` (rounded), so an 8-bit 255 and a 12-bit 4095 both become
//!   65535, and bright means dense tissue (MONOCHROME1 is inverted when decoded);
//! - resizing to a patch is either nearest-neighbour at pixel centres (source index
//!   `floor((i + 0.5) * src / dst)`, what Pillow's `NEAREST` does, and what the course's blocky
//!   patches show) or area averaging (each output pixel is the mean of the source area it
//!   covers, fractional pixels weighted: OpenCV's `INTER_AREA` when shrinking), rounded to the
//!   nearest integer.
use crate::error::{Error, Result};

pub mod dicom;
pub mod dicom_write;
pub mod file;

/// A single-channel 16-bit image, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Gray16 {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<u16>,
}

/// How a region becomes a patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Resize {
    /// Nearest neighbour at pixel centres (the course's patches).
    #[default]
    Nearest,
    /// Area averaging (anti-aliased when shrinking).
    Area,
}

impl Resize {
    pub fn parse(s: &str) -> Result<Resize> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nearest" => Ok(Resize::Nearest),
            "area" => Ok(Resize::Area),
            other => Err(Error::invalid(
                "resize",
                format!("'{other}': expected nearest or area"),
            )),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Resize::Nearest => "nearest",
            Resize::Area => "area",
        }
    }
}

/// An axis-aligned box in pixels: columns `x..x + w`, rows `y..y + h`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rect {
    pub x: usize,
    pub y: usize,
    pub w: usize,
    pub h: usize,
}

impl Rect {
    /// Whether the two boxes share at least one pixel.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// Scale a stored value of `bits` bits to the 16-bit range (rounded).
pub fn to_16bit(v: u32, bits: u32) -> u16 {
    if bits >= 16 {
        return v.min(65535) as u16;
    }
    let max = (1u64 << bits) - 1;
    ((v.min(max as u32) as u64 * 65535 + max / 2) / max) as u16
}

impl Gray16 {
    pub fn new(width: usize, height: usize, pixels: Vec<u16>) -> Result<Gray16> {
        if width == 0 || height == 0 || pixels.len() != width * height {
            return Err(Error::invalid(
                "image",
                format!(
                    "{width}x{height} needs {} pixels, got {}",
                    width * height,
                    pixels.len()
                ),
            ));
        }
        Ok(Gray16 {
            width,
            height,
            pixels,
        })
    }

    pub fn get(&self, x: usize, y: usize) -> u16 {
        self.pixels[y * self.width + x]
    }

    /// The bounding box of the pixels above zero (a lesion mask's outline), or `None` when the
    /// image is all zero.
    pub fn bounding_box(&self) -> Option<Rect> {
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..self.height {
            let row = &self.pixels[y * self.width..(y + 1) * self.width];
            let first = row.iter().position(|&v| v > 0);
            if let Some(f) = first {
                let last = row.iter().rposition(|&v| v > 0).unwrap_or(f);
                x0 = x0.min(f);
                x1 = x1.max(last);
                y0 = y0.min(y);
                y1 = y;
            }
        }
        (x0 != usize::MAX).then(|| Rect {
            x: x0,
            y: y0,
            w: x1 - x0 + 1,
            h: y1 - y0 + 1,
        })
    }

    /// Number of distinct pixel values, counting at most `cap` (a mask has two).
    pub fn distinct_values(&self, cap: usize) -> usize {
        let mut seen: Vec<u16> = Vec::new();
        for &v in &self.pixels {
            if !seen.contains(&v) {
                seen.push(v);
                if seen.len() >= cap {
                    break;
                }
            }
        }
        seen.len()
    }

    /// The region `r` resized to `side` x `side`, row-major. `r` must lie inside the image.
    pub fn patch(&self, r: Rect, side: usize, how: Resize) -> Result<Vec<u16>> {
        if r.w == 0 || r.h == 0 || r.x + r.w > self.width || r.y + r.h > self.height || side == 0 {
            return Err(Error::invalid(
                "patch",
                format!(
                    "box {}x{} at ({}, {}) is not inside the {}x{} image",
                    r.w, r.h, r.x, r.y, self.width, self.height
                ),
            ));
        }
        Ok(match how {
            Resize::Nearest => {
                let xs: Vec<usize> = (0..side).map(|i| r.x + nearest(i, r.w, side)).collect();
                let mut out = Vec::with_capacity(side * side);
                for j in 0..side {
                    let row = (r.y + nearest(j, r.h, side)) * self.width;
                    out.extend(xs.iter().map(|&x| self.pixels[row + x]));
                }
                out
            }
            Resize::Area => {
                let wx = area_weights(r.w, side);
                let wy = area_weights(r.h, side);
                let mut out = Vec::with_capacity(side * side);
                let mut acc = vec![0f64; side];
                for ys in &wy {
                    acc.iter_mut().for_each(|a| *a = 0.0);
                    let mut total_y = 0.0;
                    for &(sy, fy) in ys {
                        total_y += fy;
                        let row = &self.pixels[(r.y + sy) * self.width + r.x..][..r.w];
                        for (a, xs) in acc.iter_mut().zip(&wx) {
                            let s: f64 = xs.iter().map(|&(sx, fx)| row[sx] as f64 * fx).sum();
                            *a += s * fy;
                        }
                    }
                    for (a, xs) in acc.iter().zip(&wx) {
                        let total: f64 = total_y * xs.iter().map(|&(_, f)| f).sum::<f64>();
                        out.push((a / total).round().clamp(0.0, 65535.0) as u16);
                    }
                }
                out
            }
        })
    }

    /// Block means over `factor` x `factor` tiles (the last row and column of tiles may be
    /// smaller): a small copy of the image for region finding. Returns (width, height, values).
    pub fn block_mean(&self, factor: usize) -> (usize, usize, Vec<f32>) {
        let f = factor.max(1);
        let (w, h) = (self.width.div_ceil(f), self.height.div_ceil(f));
        let mut sum = vec![0f64; w * h];
        let mut cnt = vec![0u32; w * h];
        for y in 0..self.height {
            let row = &self.pixels[y * self.width..(y + 1) * self.width];
            let base = (y / f) * w;
            for (x, &v) in row.iter().enumerate() {
                sum[base + x / f] += v as f64;
                cnt[base + x / f] += 1;
            }
        }
        let v = sum
            .iter()
            .zip(&cnt)
            .map(|(&s, &c)| (s / c.max(1) as f64) as f32)
            .collect();
        (w, h, v)
    }
}

fn nearest(i: usize, src: usize, dst: usize) -> usize {
    (((2 * i + 1) * src) / (2 * dst)).min(src - 1)
}

/// For each output index, the source indices it covers and the covered fraction of each.
fn area_weights(src: usize, dst: usize) -> Vec<Vec<(usize, f64)>> {
    let scale = src as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let (a, b) = (i as f64 * scale, (i + 1) as f64 * scale);
            let (lo, hi) = (a.floor() as usize, (b.ceil() as usize).min(src));
            (lo..hi)
                .filter_map(|s| {
                    let f = (b.min(s as f64 + 1.0) - a.max(s as f64)).max(0.0);
                    (f > 1e-12).then_some((s, f))
                })
                .collect()
        })
        .collect()
}

/// Otsu's threshold of `values` over a 256-bin histogram between their minimum and maximum
/// (scikit-image's `threshold_otsu(values, nbins=256)`): the bin centre that maximises the
/// between-class variance. `None` when all values are equal.
pub fn otsu_threshold(values: &[f32]) -> Option<f32> {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in values.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return None;
    }
    const BINS: usize = 256;
    let width = (hi - lo) as f64 / BINS as f64;
    let mut hist = [0f64; BINS];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let b = (((v - lo) as f64 / width) as usize).min(BINS - 1);
        hist[b] += 1.0;
    }
    let centre = |b: usize| lo as f64 + width * (b as f64 + 0.5);
    // scikit-image: weight1/weight2 cumulative from each end, means, variance12 over the splits.
    let mut best = (f64::NEG_INFINITY, 0usize);
    let total: f64 = hist.iter().sum();
    let total_sum: f64 = hist.iter().enumerate().map(|(b, &c)| c * centre(b)).sum();
    let (mut w1, mut s1) = (0.0, 0.0);
    for (b, &count) in hist.iter().enumerate().take(BINS - 1) {
        w1 += count;
        s1 += count * centre(b);
        let w2 = total - w1;
        if w1 == 0.0 || w2 == 0.0 {
            continue;
        }
        let (m1, m2) = (s1 / w1, (total_sum - s1) / w2);
        let var = w1 * w2 * (m1 - m2) * (m1 - m2);
        if var > best.0 {
            best = (var, b);
        }
    }
    Some(centre(best.1) as f32)
}

/// The breast region of a mammogram: a downsampled mask (tiles of `factor` pixels) of the tiles
/// brighter than Otsu's threshold of the tile means. Film background, whatever its exact level,
/// falls below it; a label or marker on the film is small and rejected by the callers' fraction
/// tests rather than here.
#[derive(Debug, Clone)]
pub struct BreastMask {
    pub factor: usize,
    pub width: usize,
    pub height: usize,
    /// Summed-area table of the mask, `(width + 1) * (height + 1)`.
    integral: Vec<u32>,
}

impl BreastMask {
    /// The mask of `img`, on tiles so that the long side has at most `max_side` tiles.
    pub fn of(img: &Gray16, max_side: usize) -> BreastMask {
        let factor = img.width.max(img.height).div_ceil(max_side.max(1)).max(1);
        let (w, h, v) = img.block_mean(factor);
        let t = otsu_threshold(&v).unwrap_or(f32::INFINITY);
        let mut integral = vec![0u32; (w + 1) * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row += u32::from(v[y * w + x] > t);
                integral[(y + 1) * (w + 1) + x + 1] = integral[y * (w + 1) + x + 1] + row;
            }
        }
        BreastMask {
            factor,
            width: w,
            height: h,
            integral,
        }
    }

    /// Fraction of the tiles under the pixel box `r` that are breast.
    pub fn fraction(&self, r: &Rect) -> f64 {
        let f = self.factor;
        let (x0, y0) = ((r.x / f).min(self.width), (r.y / f).min(self.height));
        let x1 = (r.x + r.w).div_ceil(f).clamp(x0, self.width);
        let y1 = (r.y + r.h).div_ceil(f).clamp(y0, self.height);
        let n = (x1 - x0) * (y1 - y0);
        if n == 0 {
            return 0.0;
        }
        let s = |x: usize, y: usize| self.integral[y * (self.width + 1) + x] as i64;
        let inside = s(x1, y1) - s(x0, y1) - s(x1, y0) + s(x0, y0);
        inside as f64 / n as f64
    }
}

#[cfg(test)]
mod tests;
