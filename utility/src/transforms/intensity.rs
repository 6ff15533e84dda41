//! Preprocessing of 16-bit patches: normalisation, contrast (TensorFlow `adjust_contrast`
//! semantics) and CLAHE (scikit-image `exposure.equalize_adapthist` semantics).
//!
//! Both operations map `u16` patches to `u16` patches, so a preprocessed dataset is stored and
//! loaded exactly like the original course files.
use crate::data::dataset::{Dataset, PairedSet, SIDE};
use crate::error::Result;
use ndarray::{Array2, ArrayView2, Axis};

/// Normalise a 16-bit value to [0, 1], as the seed does (`x / 65535`).
pub fn normalize(x: u16) -> f32 {
    x as f32 / 65535.0
}

/// TensorFlow's `tf.image.adjust_contrast` applied to a `uint16` image: the image is converted to
/// float32 in [0, 1] (`x / 65535`), each pixel becomes `(x - mean) * factor + mean` (the mean of
/// the image), and the result is converted back to `uint16` the way `tf.image.convert_image_dtype`
/// does with saturation: `x * 65535.5`, clipped to [0, 65535], truncated. Values pushed outside
/// the range are therefore clipped to black or white, never wrapped.
pub fn adjust_contrast(img: ArrayView2<u16>, factor: f32) -> Array2<u16> {
    let n = img.len().max(1) as f32;
    // TensorFlow's float32 mean is a tree reduction, accurate to float32 rounding; summing in
    // float64 and rounding once gives the same value (a plain float32 running sum would drift).
    let mean: f32 = (img
        .iter()
        .map(|&v| (v as f32 / 65535.0) as f64)
        .sum::<f64>()
        / n as f64) as f32;
    img.mapv(|v| {
        let x = v as f32 / 65535.0;
        let y = (x - mean) * factor + mean;
        let s = y * 65535.5f32;
        if s <= 0.0 {
            0
        } else if s >= 65535.0 {
            65535
        } else {
            s as u16
        }
    })
}

/// CLAHE parameters (`--clahe CLIP:TILES`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Clahe {
    /// scikit-image's `clip_limit` (fraction of the kernel's pixels per bin); 0 disables clipping.
    pub clip_limit: f64,
    /// Tiles per side: `kernel_size = 150 / tiles` pixels (8 -> 18, scikit-image's default).
    pub tiles: usize,
    /// Histogram bins (scikit-image's `nbins`, default 256).
    pub nbins: usize,
}

impl Default for Clahe {
    fn default() -> Self {
        Clahe {
            clip_limit: 0.01,
            tiles: 8,
            nbins: 256,
        }
    }
}

impl Clahe {
    /// Parse `CLIP:TILES`, e.g. `0.01:8`.
    pub fn parse(s: &str) -> Result<Clahe> {
        let bad =
            || crate::Error::invalid("clahe", format!("'{s}': expected CLIP:TILES, e.g. 0.01:8"));
        let (c, t) = s.split_once(':').ok_or_else(bad)?;
        let clip_limit: f64 = c.trim().parse().map_err(|_| bad())?;
        let tiles: usize = t.trim().parse().map_err(|_| bad())?;
        if !(0.0..=1.0).contains(&clip_limit) || !clip_limit.is_finite() {
            return crate::error::invalid(
                "clahe",
                format!("clip limit {clip_limit} must be in [0, 1]"),
            );
        }
        if tiles == 0 || tiles > SIDE {
            return crate::error::invalid("clahe", format!("tiles {tiles} must be in 1..={SIDE}"));
        }
        Ok(Clahe {
            clip_limit,
            tiles,
            nbins: 256,
        })
    }
    /// Kernel side for an image side.
    pub fn kernel_size(&self, side: usize) -> usize {
        (side / self.tiles.max(1)).max(1)
    }
}

impl std::fmt::Display for Clahe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.clip_limit, self.tiles)
    }
}

const NR_OF_GRAY: usize = 1 << 14;

/// numpy `pad(..., mode='reflect')` index for position `i` in `-pad_before .. n + pad_after`.
fn reflect_index(i: isize, n: usize) -> usize {
    if n == 1 {
        return 0;
    }
    let period = 2 * (n as isize - 1);
    let mut j = i.rem_euclid(period);
    if j >= n as isize {
        j = period - j;
    }
    j as usize
}

/// scikit-image's `clip_histogram`, step for step.
fn clip_histogram(hist: &mut [i64], clip_limit: i64) {
    let mut n_excess: i64 = hist
        .iter()
        .filter(|&&h| h > clip_limit)
        .map(|&h| h - clip_limit)
        .sum();
    for h in hist.iter_mut() {
        if *h > clip_limit {
            *h = clip_limit;
        }
    }
    let size = hist.len() as i64;
    let bin_incr = n_excess / size;
    let upper = clip_limit - bin_incr;
    let mut n_low = 0;
    for h in hist.iter_mut() {
        if *h < upper {
            *h += bin_incr;
            n_low += 1;
        }
    }
    n_excess -= n_low * bin_incr;
    for h in hist.iter_mut() {
        if *h >= upper && *h < clip_limit {
            n_excess += *h - clip_limit;
            *h = clip_limit;
        }
    }
    while n_excess > 0 {
        let prev = n_excess;
        for index in 0..hist.len() {
            let under = hist.iter().filter(|&&h| h < clip_limit).count() as i64;
            let step = (under / n_excess).max(1) as usize;
            // hist[index::step][under_mask] += 1, with the mask taken before the increments.
            let mut added = 0;
            let mut i = index;
            while i < hist.len() {
                if hist[i] < clip_limit {
                    hist[i] += 1;
                    added += 1;
                }
                i += step;
            }
            n_excess -= added;
            if n_excess <= 0 {
                break;
            }
        }
        if prev == n_excess {
            break;
        }
    }
}

/// numpy's `round` (half to even) of a rescale to [0, 16383], then `astype(uint16)`, as
/// scikit-image does before CLAHE. A constant image keeps its values (clipped), as there.
fn rescale_to_14bit(img: ArrayView2<u16>) -> Array2<u16> {
    let (lo, hi) = img
        .iter()
        .fold((u16::MAX, 0u16), |(a, b), &v| (a.min(v), b.max(v)));
    if lo == hi {
        return img.mapv(|v| v.min((NR_OF_GRAY - 1) as u16));
    }
    let (lo, hi) = (lo as f64, hi as f64);
    img.mapv(|v| (((v as f64 - lo) / (hi - lo)) * (NR_OF_GRAY - 1) as f64).round_ties_even() as u16)
}

/// CLAHE exactly as scikit-image's `equalize_adapthist(img, kernel_size, clip_limit, nbins)`
/// computes it for a `uint16` image: rescale to 14 bits, contrast-limited equalisation with
/// bilinear interpolation of the tile mappings, then rescale of the result to [0, 1] (float64).
pub fn clahe_f64(img: ArrayView2<u16>, p: &Clahe) -> Array2<f64> {
    let (h, w) = img.dim();
    let kh = (h / p.tiles.max(1)).max(1);
    let kw = (w / p.tiles.max(1)).max(1);
    let nbins = p.nbins.max(1);
    let image = rescale_to_14bit(img);
    // Padding: half a kernel before, up to a multiple of the kernel plus half a kernel after.
    let (ps_r, ps_c) = (kh / 2, kw / 2);
    let pe_r = (kh - h % kh) % kh + kh.div_ceil(2);
    let pe_c = (kw - w % kw) % kw + kw.div_ceil(2);
    let (ph, pw) = (h + ps_r + pe_r, w + ps_c + pe_c);
    let bin_size = 1 + NR_OF_GRAY / nbins;
    let mut binned = Array2::<usize>::zeros((ph, pw));
    for r in 0..ph {
        let sr = reflect_index(r as isize - ps_r as isize, h);
        for c in 0..pw {
            let sc = reflect_index(c as isize - ps_c as isize, w);
            binned[[r, c]] = image[[sr, sc]] as usize / bin_size;
        }
    }
    // Histograms of the contextual regions.
    let (nh_r, nh_c) = (ph / kh - 1, pw / kw - 1);
    let kernel_elements = (kh * kw) as i64;
    let clim: i64 = if p.clip_limit > 0.0 {
        ((p.clip_limit * kernel_elements as f64) as i64).max(1)
    } else {
        kernel_elements
    };
    let mut maps = vec![vec![0i64; nbins]; nh_r * nh_c];
    for br in 0..nh_r {
        for bc in 0..nh_c {
            let mut hist = vec![0i64; nbins];
            for r in 0..kh {
                for c in 0..kw {
                    let v = binned[[kh / 2 + br * kh + r, kw / 2 + bc * kw + c]];
                    if let Some(x) = hist.get_mut(v) {
                        *x += 1;
                    }
                }
            }
            clip_histogram(&mut hist, clim);
            let scale = (NR_OF_GRAY - 1) as f64 / kernel_elements as f64;
            let mut cum = 0i64;
            let m = &mut maps[br * nh_c + bc];
            for (b, &x) in hist.iter().enumerate() {
                cum += x;
                let v = (cum as f64 * scale).min((NR_OF_GRAY - 1) as f64);
                m[b] = v as i64;
            }
        }
    }
    // Edge-padded map grid: map_array[i][j] = maps[clamp(i-1)][clamp(j-1)].
    let map_at = |i: usize, j: usize| -> &Vec<i64> {
        let ii = i.saturating_sub(1).min(nh_r - 1);
        let jj = j.saturating_sub(1).min(nh_c - 1);
        &maps[ii * nh_c + jj]
    };
    let (np_r, np_c) = (ph / kh, pw / kw);
    let mut result = Array2::<u16>::zeros((ph, pw));
    for bi in 0..np_r {
        for bj in 0..np_c {
            let m = [
                map_at(bi, bj),
                map_at(bi, bj + 1),
                map_at(bi + 1, bj),
                map_at(bi + 1, bj + 1),
            ];
            for r in 0..kh {
                let rc = r as f64 / kh as f64;
                for c in 0..kw {
                    let cc = c as f64 / kw as f64;
                    let v = binned[[bi * kh + r, bj * kw + c]];
                    // Edges in numpy's ndindex order: (0,0), (0,1), (1,0), (1,1); weight is
                    // column factor times row factor, accumulated in float32.
                    let coeffs = [
                        (1.0 - cc) * (1.0 - rc),
                        cc * (1.0 - rc),
                        (1.0 - cc) * rc,
                        cc * rc,
                    ];
                    let mut acc = 0f32;
                    for e in 0..4 {
                        acc += (m[e][v] as f64 * coeffs[e]) as f32;
                    }
                    result[[bi * kh + r, bj * kw + c]] = acc as u16;
                }
            }
        }
    }
    let out = result
        .slice(ndarray::s![ps_r..ps_r + h, ps_c..ps_c + w])
        .mapv(|v| v as f64);
    let (lo, hi) = out
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    if hi > lo {
        out.mapv(|v| (v - lo) / (hi - lo))
    } else {
        out.mapv(|v| v.clamp(0.0, 1.0))
    }
}

/// CLAHE to a `u16` image: [`clahe_f64`] scaled by 65535 and rounded.
pub fn clahe(img: ArrayView2<u16>, p: &Clahe) -> Array2<u16> {
    clahe_f64(img, p).mapv(|v| (v * 65535.0).round_ties_even().clamp(0.0, 65535.0) as u16)
}

/// The preprocessing of a run: contrast then CLAHE, each optional.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Preprocess {
    pub contrast: Option<f32>,
    pub clahe: Option<Clahe>,
}

impl Preprocess {
    pub fn is_identity(&self) -> bool {
        self.contrast.is_none() && self.clahe.is_none()
    }
    /// Apply to one image.
    pub fn apply(&self, img: ArrayView2<u16>) -> Array2<u16> {
        let mut out = match self.contrast {
            Some(f) => adjust_contrast(img, f),
            None => img.to_owned(),
        };
        if let Some(c) = &self.clahe {
            out = clahe(out.view(), c);
        }
        out
    }
    /// Apply to every image of a set (in place), using all cores.
    pub fn apply_set(&self, set: &mut PairedSet) {
        if self.is_identity() {
            return;
        }
        let n = set.images.len_of(Axis(0));
        let threads = std::thread::available_parallelism()
            .map(|t| t.get())
            .unwrap_or(1)
            .min(n.max(1));
        let chunk = n.div_ceil(threads).max(1);
        std::thread::scope(|s| {
            for mut part in set.images.axis_chunks_iter_mut(Axis(0), chunk) {
                s.spawn(move || {
                    for mut img in part.outer_iter_mut() {
                        let out = self.apply(img.view());
                        img.assign(&out);
                    }
                });
            }
        });
    }
    /// Apply to a whole dataset.
    pub fn apply_dataset(&self, ds: &mut Dataset) -> Result<()> {
        if let Some(f) = self.contrast {
            if !(f.is_finite() && f >= 0.0) {
                return crate::error::invalid(
                    "contrast",
                    format!("factor {f} must be a finite number >= 0"),
                );
            }
        }
        self.apply_set(&mut ds.train);
        if let Some(t) = ds.test.as_mut() {
            self.apply_set(t);
        }
        Ok(())
    }
}
