//! Dataset summaries (`mammo inspect`, the data notebook) and discovery (`mammo doctor`).
use crate::data::dataset::{Dataset, PairedSet, LABEL_NAMES};
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
    /// Mean of the per-image standard deviations over all images (fraction).
    pub within_sd: f64,
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
        within_sd: (sb + sa) / (nb + na).max(1) as f64,
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
    /// The names of the labels counted in `label_counts` (`baseline`, `mass benign`, ... for
    /// course pairs; the classes of a labelled-image dataset).
    pub label_names: Vec<String>,
    pub label_counts: Vec<usize>,
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
    /// `pairs` (the course format) or `labelled images` (`mammo import folder`).
    pub kind: String,
    pub sets: Vec<SetSummary>,
    /// Which tasks this dataset can train, and why not.
    pub tasks: Vec<TaskSupport>,
}

/// Whether a dataset can train a task ([`Dataset::supports`]).
#[derive(Debug, Clone, serde::Serialize)]
pub struct TaskSupport {
    pub task: String,
    pub supported: bool,
    /// Why not, in one line; `None` when supported.
    pub reason: Option<String>,
}

fn set_summary(role: &str, set: &PairedSet, classes: Option<&[String]>) -> SetSummary {
    let Some(classes) = classes else {
        let task_counts = [Task::MassCalc, Task::BenignMalignant, Task::FourClass]
            .iter()
            .map(|&t| {
                let s = task_samples(t, set).unwrap_or_default();
                (t.name().to_string(), class_counts(&s, t.n_classes()))
            })
            .collect();
        let abn: Vec<u8> = set.labels.iter().skip(1).step_by(2).copied().collect();
        return SetSummary {
            role: role.into(),
            images: set.images_path.display().to_string(),
            labels: set.labels_path.display().to_string(),
            n_images: set.len(),
            n_pairs: set.n_pairs(),
            label_names: LABEL_NAMES.iter().map(|s| s.to_string()).collect(),
            label_counts: set.label_counts(),
            task_counts,
            sorted_by_label: abn.windows(2).all(|w| w[0] <= w[1]),
            pixels: pixel_stats(set),
            pairing: "ok: even rows are baselines, odd rows abnormalities".into(),
        };
    };
    let mut counts = vec![0; classes.len()];
    for &l in &set.labels {
        if let Some(c) = counts.get_mut(l as usize) {
            *c += 1;
        }
    }
    SetSummary {
        role: role.into(),
        images: set.images_path.display().to_string(),
        labels: set.labels_path.display().to_string(),
        n_images: set.len(),
        n_pairs: 0,
        label_names: classes.to_vec(),
        label_counts: counts.clone(),
        task_counts: vec![("labels".into(), counts)],
        sorted_by_label: set.labels.windows(2).all(|w| w[0] <= w[1]),
        pixels: pixel_stats(set),
        pairing: "none: single labelled images (the labels task)".into(),
    }
}

/// Summarise a loaded (hence valid) dataset.
pub fn summarize(ds: &Dataset) -> Summary {
    let classes = ds.classes.as_deref();
    let mut sets = vec![set_summary("train", &ds.train, classes)];
    if let Some(t) = &ds.test {
        sets.push(set_summary("test", t, classes));
    }
    let tasks = Task::ALL
        .into_iter()
        .chain([Task::Labels(0)])
        .map(|t| {
            let why = ds.supports(t).err();
            TaskSupport {
                task: t.name().into(),
                supported: why.is_none(),
                reason: why,
            }
        })
        .collect();
    Summary {
        name: ds.name.clone(),
        dir: ds.dir.display().to_string(),
        kind: if classes.is_some() {
            "labelled images"
        } else {
            "pairs"
        }
        .into(),
        sets,
        tasks,
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "dataset {} ({})", self.name, self.dir)?;
        for s in &self.sets {
            if s.n_pairs > 0 {
                writeln!(
                    f,
                    "\n[{}] {} images = {} pairs  ({})",
                    s.role, s.n_images, s.n_pairs, s.images
                )?;
            } else {
                writeln!(f, "\n[{}] {} images  ({})", s.role, s.n_images, s.images)?;
            }
            writeln!(f, "  pairing: {}", s.pairing)?;
            for (l, (name, c)) in s.label_names.iter().zip(&s.label_counts).enumerate() {
                writeln!(f, "  label {l} {name:<24} {c:>6}")?;
            }
            for (t, c) in &s.task_counts {
                let task = Task::parse(t).map_err(|_| std::fmt::Error)?;
                let names: Vec<String> = if task == Task::Labels(0) {
                    s.label_names.clone()
                } else {
                    task.class_names().iter().map(|n| n.to_string()).collect()
                };
                let parts: Vec<String> = names
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
            if s.n_pairs > 0 {
                write!(
                    f,
                    "  within-patch sd: baselines {:.3}, abnormalities {:.3}",
                    p.within_sd_baseline, p.within_sd_abnormality
                )?;
            } else {
                write!(f, "  within-image sd: {:.3}", p.within_sd)?;
            }
            writeln!(f)?;
        }
        let no: Vec<&TaskSupport> = self.tasks.iter().filter(|t| !t.supported).collect();
        let yes: Vec<&str> = self
            .tasks
            .iter()
            .filter(|t| t.supported)
            .map(|t| t.task.as_str())
            .collect();
        writeln!(
            f,
            "\ntasks it can train: {}",
            if yes.is_empty() {
                "none".to_string()
            } else {
                yes.join(", ")
            }
        )?;
        for t in no {
            writeln!(
                f,
                "  not {}: {}",
                t.task,
                t.reason
                    .as_deref()
                    .unwrap_or("")
                    .trim_start_matches(&format!("{} ", t.task))
            )?;
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
        let labelled = d.join(crate::data::dataset::LABELLED_TRAIN_IMAGES);
        let (kind, file) = if d.join(crate::data::dataset::CLASSES_FILE).exists() {
            ("labelled images", labelled)
        } else if course.exists() {
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
