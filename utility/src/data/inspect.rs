//! Dataset summaries (`mammo inspect`, the data notebook) and discovery (`mammo doctor`).
use crate::data::dataset::{Dataset, PairedSet, LABEL_NAMES, N_LABELS};
use crate::data::tasks::{class_counts, task_samples, Task};
use std::path::Path;

/// Pixel statistics of a set, in 16-bit units and as fractions of 65535.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PixelStats {
    pub min: u16,
    pub max: u16,
    pub mean: f64,
    pub std: f64,
    /// Number of distinct values used.
    pub distinct: usize,
    /// Greatest common divisor of the gaps between used values (the quantisation step).
    pub step: u32,
    /// Mean of the per-image standard deviations, baselines and abnormalities (fractions).
    pub within_sd_baseline: f64,
    pub within_sd_abnormality: f64,
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Pixel statistics of all images of a set.
pub fn pixel_stats(set: &PairedSet) -> PixelStats {
    let mut hist = vec![0u64; 65536];
    let (mut sum, mut sum2) = (0f64, 0f64);
    for &v in set.images.iter() {
        hist[v as usize] += 1;
        sum += v as f64;
        sum2 += (v as f64) * (v as f64);
    }
    let n = set.images.len().max(1) as f64;
    let mean = sum / n;
    let used: Vec<u32> = (0..65536u32).filter(|&v| hist[v as usize] > 0).collect();
    let step = used.windows(2).fold(0, |g, w| gcd(g, w[1] - w[0]));
    let (mut sb, mut sa, mut nb, mut na) = (0.0, 0.0, 0usize, 0usize);
    for (i, img) in set.images.outer_iter().enumerate() {
        let m = img.iter().map(|&v| v as f64).sum::<f64>() / img.len() as f64;
        let sd = (img.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>() / img.len() as f64)
            .sqrt()
            / 65535.0;
        if i % 2 == 0 {
            sb += sd;
            nb += 1;
        } else {
            sa += sd;
            na += 1;
        }
    }
    PixelStats {
        min: used.first().copied().unwrap_or(0) as u16,
        max: used.last().copied().unwrap_or(0) as u16,
        mean,
        std: (sum2 / n - mean * mean).max(0.0).sqrt(),
        distinct: used.len(),
        step: step.max(1),
        within_sd_baseline: sb / nb.max(1) as f64,
        within_sd_abnormality: sa / na.max(1) as f64,
    }
}

/// Summary of one file pair.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SetSummary {
    pub role: String,
    pub images: String,
    pub labels: String,
    pub n_images: usize,
    pub n_pairs: usize,
    pub label_counts: [usize; N_LABELS],
    /// Task -> class counts.
    pub task_counts: Vec<(String, Vec<usize>)>,
    /// Whether the abnormality labels are sorted (as in the course files).
    pub sorted_by_label: bool,
    pub pixels: PixelStats,
    pub pairing: String,
}

/// Summary of a dataset.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Summary {
    pub name: String,
    pub dir: String,
    pub sets: Vec<SetSummary>,
}

fn set_summary(role: &str, set: &PairedSet) -> SetSummary {
    let task_counts = [Task::MassCalc, Task::BenignMalignant, Task::FourClass]
        .iter()
        .map(|&t| {
            let s = task_samples(t, set).unwrap_or_default();
            (t.name().to_string(), class_counts(&s, t.n_classes()))
        })
        .collect();
    let abn: Vec<u8> = set.labels.iter().skip(1).step_by(2).copied().collect();
    SetSummary {
        role: role.into(),
        images: set.images_path.display().to_string(),
        labels: set.labels_path.display().to_string(),
        n_images: set.len(),
        n_pairs: set.n_pairs(),
        label_counts: set.label_counts(),
        task_counts,
        sorted_by_label: abn.windows(2).all(|w| w[0] <= w[1]),
        pixels: pixel_stats(set),
        pairing: "ok: even rows are baselines, odd rows abnormalities".into(),
    }
}

/// Summarise a loaded (hence valid) dataset.
pub fn summarize(ds: &Dataset) -> Summary {
    let mut sets = vec![set_summary("train", &ds.train)];
    if let Some(t) = &ds.test {
        sets.push(set_summary("test", t));
    }
    Summary {
        name: ds.name.clone(),
        dir: ds.dir.display().to_string(),
        sets,
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "dataset {} ({})", self.name, self.dir)?;
        for s in &self.sets {
            writeln!(
                f,
                "\n[{}] {} images = {} pairs  ({})",
                s.role, s.n_images, s.n_pairs, s.images
            )?;
            writeln!(f, "  pairing: {}", s.pairing)?;
            for (l, name) in LABEL_NAMES.iter().enumerate() {
                writeln!(f, "  label {l} {name:<24} {:>6}", s.label_counts[l])?;
            }
            for (t, c) in &s.task_counts {
                let task = Task::parse(t).map_err(|_| std::fmt::Error)?;
                let parts: Vec<String> = task
                    .class_names()
                    .iter()
                    .zip(c)
                    .map(|(n, c)| format!("{n} {c}"))
                    .collect();
                writeln!(f, "  task {t:<17} {}", parts.join(" / "))?;
            }
            writeln!(
                f,
                "  sorted by label: {}",
                if s.sorted_by_label {
                    "yes (shuffle before splitting!)"
                } else {
                    "no"
                }
            )?;
            let p = &s.pixels;
            writeln!(
                f,
                "  pixels: min {} ({:.3}) max {} ({:.3}) mean {:.3} sd {:.3}; {} levels, step {}",
                p.min,
                p.min as f64 / 65535.0,
                p.max,
                p.max as f64 / 65535.0,
                p.mean / 65535.0,
                p.std / 65535.0,
                p.distinct,
                p.step
            )?;
            write!(
                f,
                "  within-patch sd: baselines {:.3}, abnormalities {:.3}",
                p.within_sd_baseline, p.within_sd_abnormality
            )?;
            writeln!(f)?;
        }
        Ok(())
    }
}

/// Datasets found in the folders directly under `data` (headers only, nothing loaded).
pub fn find_datasets(data: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(rd) = std::fs::read_dir(data) else {
        return out;
    };
    let mut dirs: Vec<_> = rd
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for d in dirs {
        let course = d.join(crate::data::dataset::TRAIN_IMAGES);
        let mias = d.join(crate::data::dataset::MIAS_IMAGES);
        let (kind, file) = if course.exists() {
            ("course files", course)
        } else if mias.exists() {
            ("MIAS pairs", mias)
        } else {
            continue;
        };
        let desc = match crate::data::npy::read_header(&file) {
            Ok(h) => format!("{} {} {}", h.dtype.name(), h.shape_str(), kind),
            Err(e) => format!("unreadable: {e}"),
        };
        out.push(format!("{}: {desc}", d.display()));
    }
    out
}
