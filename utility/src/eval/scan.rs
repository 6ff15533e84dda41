//! `mammo scan`: a trained single-image model slid over a whole mammogram, where does it see an
//! abnormality of its positive class?
//!
//! Square windows of `window` pixels of the full image, every `stride` pixels (the last row and
//! column of windows flush with the image's edges), each resized to 150x150 as the training
//! patches were and preprocessed as the run was; windows with less than `min_breast` of breast
//! tissue (the breast found as for the importer's baselines: Otsu's threshold of the image at
//! <= 512 tiles) are skipped. The result is each window's probability of the run's class 1, a
//! heat map (the mean probability of the windows covering each pixel, in the jet colours over
//! the downsampled image, nothing drawn where no window was scored) and the top windows.
//! Memory stays bounded: one image, and `batch` windows at a time.
use super::gradcam::jet;
use crate::data::dataset::{PairedSet, SIDE};
use crate::data::imaging::{BreastMask, Gray16, Rect, Resize};
use crate::data::tasks::Sample;
use crate::display::PngImage;
use crate::error::{Error, Result};
use crate::train::Classifier;
use crate::transforms::intensity::Preprocess;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Window side in pixels of the full image.
    pub window: usize,
    /// Step between windows (default: half a window).
    pub stride: Option<usize>,
    /// Smallest share of breast tissue in a window for it to be scored.
    pub min_breast: f64,
    pub resize: Resize,
    /// Windows per forward pass.
    pub batch: usize,
    /// Long side of the heat map picture.
    pub picture_side: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            window: 256,
            stride: None,
            min_breast: 0.5,
            resize: Resize::Nearest,
            batch: 64,
            picture_side: 1024,
        }
    }
}

/// One scored window.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ScoredWindow {
    pub x: usize,
    pub y: usize,
    pub side: usize,
    pub probability: f64,
    pub breast: f64,
}

/// What a scan found.
#[derive(Debug, Clone)]
pub struct Scan {
    pub width: usize,
    pub height: usize,
    pub stride: usize,
    /// Scored windows, in scan order (row by row).
    pub windows: Vec<ScoredWindow>,
    /// Windows skipped as background.
    pub skipped: usize,
    /// The heat map over the downsampled image (RGB PNG).
    pub picture: PngImage,
}

impl Scan {
    /// The `n` most probable windows, most probable first.
    pub fn top(&self, n: usize) -> Vec<ScoredWindow> {
        let mut w = self.windows.clone();
        w.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        w.truncate(n);
        w
    }

    /// `rank,x,y,side,probability,breast_fraction` of the `n` most probable windows.
    pub fn top_csv(&self, n: usize) -> String {
        let mut s = String::from("rank,x,y,side,probability,breast_fraction\n");
        for (i, w) in self.top(n).iter().enumerate() {
            s.push_str(&format!(
                "{},{},{},{},{:.6},{:.3}\n",
                i + 1,
                w.x,
                w.y,
                w.side,
                w.probability,
                w.breast
            ));
        }
        s
    }
}

/// Window starts along one axis: every `stride`, the last one flush with the edge.
pub fn starts(len: usize, window: usize, stride: usize) -> Vec<usize> {
    if window > len {
        return Vec::new();
    }
    let mut v: Vec<usize> = (0..=len - window).step_by(stride.max(1)).collect();
    if v.last() != Some(&(len - window)) {
        v.push(len - window);
    }
    v
}

/// Slide `model` over `img` (see the module doc). `progress(done, total)` after each batch.
pub fn scan(
    model: &Classifier,
    preprocess: &Preprocess,
    img: &Gray16,
    o: &ScanOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<Scan> {
    if model.task.is_pair() || model.task.n_classes() != 2 {
        return Err(Error::invalid(
            "scan",
            format!(
                "a single-image binary model is needed; this run's task is {}",
                model.task.name()
            ),
        ));
    }
    let side = o.window.min(img.width).min(img.height);
    if side < 16 {
        return Err(Error::invalid(
            "scan",
            format!("the image ({}x{}) is too small", img.width, img.height),
        ));
    }
    let stride = o.stride.unwrap_or(side / 2).max(1);
    let breast = BreastMask::of(img, 512);
    let mut todo = Vec::new();
    let mut skipped = 0;
    for &y in &starts(img.height, side, stride) {
        for &x in &starts(img.width, side, stride) {
            let r = Rect {
                x,
                y,
                w: side,
                h: side,
            };
            let f = breast.fraction(&r);
            if f >= o.min_breast {
                todo.push((r, f));
            } else {
                skipped += 1;
            }
        }
    }
    let mut windows = Vec::with_capacity(todo.len());
    let total = todo.len();
    for chunk in todo.chunks(o.batch.max(1)) {
        let n = chunk.len();
        let mut px = vec![0u16; 2 * n * SIDE * SIDE];
        for (k, (r, _)) in chunk.iter().enumerate() {
            let p = img.patch(*r, SIDE, o.resize)?;
            px[(2 * k + 1) * SIDE * SIDE..(2 * k + 2) * SIDE * SIDE].copy_from_slice(&p);
        }
        let images = ndarray::Array3::from_shape_vec((2 * n, SIDE, SIDE), px)
            .map_err(|e| Error::Other(format!("scan batch: {e}")))?;
        let mut set = PairedSet {
            images: images.into_shared(),
            labels: (0..2 * n).map(|i| (i % 2) as u8).collect(),
            images_path: "scan".into(),
            labels_path: "scan".into(),
            paired: true,
        };
        preprocess.apply_set(&mut set);
        let samples: Vec<Sample> = (0..n)
            .map(|k| Sample {
                row: 2 * k + 1,
                label: 0,
            })
            .collect();
        let probs = model.predict(&set, &samples, o.batch.max(1), None)?;
        for ((r, f), p) in chunk.iter().zip(probs) {
            windows.push(ScoredWindow {
                x: r.x,
                y: r.y,
                side,
                probability: p,
                breast: *f,
            });
        }
        progress(windows.len(), total);
    }
    let picture = picture(img, &windows, o.picture_side)?;
    Ok(Scan {
        width: img.width,
        height: img.height,
        stride,
        windows,
        skipped,
        picture,
    })
}

/// The heat map over the downsampled image.
fn picture(img: &Gray16, windows: &[ScoredWindow], max_side: usize) -> Result<PngImage> {
    let f = img.width.max(img.height).div_ceil(max_side.max(1)).max(1);
    let (w, h, v) = img.block_mean(f);
    // Grey levels between the 1st and 99th percentiles of the picture.
    let mut sorted = v.clone();
    sorted.sort_by(f32::total_cmp);
    let (lo, hi) = (
        sorted[sorted.len() / 100],
        sorted[(sorted.len() * 99) / 100],
    );
    let span = (hi - lo).max(1.0);
    let mut sum = vec![0f64; w * h];
    let mut cnt = vec![0u32; w * h];
    for win in windows {
        let (x0, y0) = (win.x / f, win.y / f);
        let (x1, y1) = (
            (win.x + win.side).div_ceil(f).min(w),
            (win.y + win.side).div_ceil(f).min(h),
        );
        for y in y0..y1 {
            for x in x0..x1 {
                sum[y * w + x] += win.probability;
                cnt[y * w + x] += 1;
            }
        }
    }
    let mut rgb = Vec::with_capacity(w * h * 3);
    for i in 0..w * h {
        let g = ((v[i] - lo) / span).clamp(0.0, 1.0) * 255.0;
        if cnt[i] == 0 {
            rgb.extend([g as u8; 3]);
            continue;
        }
        let p = (sum[i] / cnt[i] as f64) as f32;
        let c = jet(p);
        let a = 0.25 + 0.5 * p;
        for ch in c {
            rgb.push(((1.0 - a) * g + a * 255.0 * ch).round().clamp(0.0, 255.0) as u8);
        }
    }
    crate::display::encode_rgb_png(w as u32, h as u32, &rgb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::profile::Profile;
    use crate::train::config::{ModelKind, TrainConfig};
    use crate::Task;

    #[test]
    fn windows_cover_the_image_to_its_edges() {
        assert_eq!(starts(10, 4, 3), vec![0, 3, 6]);
        assert_eq!(starts(11, 4, 3), vec![0, 3, 6, 7]);
        assert_eq!(starts(4, 4, 2), vec![0]);
        assert!(starts(3, 4, 2).is_empty());
    }

    /// An untrained model: the scan scores exactly the windows inside the breast, each with the
    /// probability the model gives that window's patch directly.
    #[test]
    fn a_scan_scores_the_breast_windows_as_the_model_scores_their_patches() {
        let cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
        let model = Classifier::build(&cfg, tch::Device::Cpu).unwrap();
        // 600 x 400: background on the left third, textured tissue elsewhere.
        let (w, h) = (600, 400);
        let px = (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                if x < 200 {
                    800
                } else {
                    30000 + ((x * 31 + y * 17) % 9000) as u16
                }
            })
            .collect();
        let img = Gray16::new(w, h, px).unwrap();
        let o = ScanOptions {
            window: 200,
            stride: Some(100),
            batch: 3,
            ..Default::default()
        };
        let s = scan(&model, &Preprocess::default(), &img, &o, &mut |_, _| {}).unwrap();
        // x starts 0..=400 by 100 (5), y starts 0, 100, 200 (3): 15 windows; those starting at
        // x = 0 are background (< 50% breast) and skipped: x = 100 is exactly half tissue.
        assert_eq!(s.windows.len() + s.skipped, 15);
        assert_eq!(s.skipped, 3);
        assert!(s
            .windows
            .iter()
            .all(|w| w.x >= 100 && (0.0..=1.0).contains(&w.probability)));
        let one = s.windows[4];
        let p = img
            .patch(
                Rect {
                    x: one.x,
                    y: one.y,
                    w: 200,
                    h: 200,
                },
                SIDE,
                Resize::Nearest,
            )
            .unwrap();
        let mut px = vec![0u16; SIDE * SIDE];
        px.extend(p);
        let set = PairedSet {
            images: ndarray::Array3::from_shape_vec((2, SIDE, SIDE), px)
                .unwrap()
                .into_shared(),
            labels: vec![0, 1],
            images_path: "x".into(),
            labels_path: "x".into(),
            paired: true,
        };
        let direct = model
            .predict(&set, &[Sample { row: 1, label: 0 }], 1, None)
            .unwrap()[0];
        assert!(
            (direct - one.probability).abs() < 1e-6,
            "{direct} vs {}",
            one.probability
        );
        assert!(s.picture.bytes.starts_with(b"\x89PNG"));
        assert_eq!(s.top(2).len(), 2);
        assert!(s.top(2)[0].probability >= s.top(2)[1].probability);
        assert_eq!(s.top_csv(3).lines().count(), 4);
        // A pair model cannot scan single windows.
        let pair = Classifier::build(
            &TrainConfig::new(Task::Siamese, ModelKind::Siamese, Profile::Smoke),
            tch::Device::Cpu,
        )
        .unwrap();
        assert!(scan(&pair, &Preprocess::default(), &img, &o, &mut |_, _| {}).is_err());
    }
}
