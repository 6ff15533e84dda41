//! `mammo import folder`: a tree of labelled images into a labelled-image dataset, the input of
//! the `labels` task.
//!
//! The tree (docs/IMPORT.md says the same, for users):
//! - `ROOT/CLASS/*` (everything is training data; a test set is held out when a run starts), or
//!   `ROOT/train/CLASS/*` and `ROOT/test/CLASS/*` (folder names matched case-insensitively:
//!   `Train`, `TEST`); images may sit in sub-folders of a class folder;
//! - images: PNG, TIFF, PGM (8- or 16-bit grey) and DICOM (MONOCHROME1 inverted; stored bits
//!   scaled to 16), told apart by content, any size; other files (`.txt`, `.DS_Store`, hidden
//!   files) are counted and left alone; an unreadable image is skipped and listed;
//! - classes: the class folders, the same name in `train` and `test` matched case-insensitively,
//!   in label order sorted case-insensitively, except that `positive` (the positive class of a
//!   binary task) goes last;
//! - each image becomes one 150x150 patch: its centred square (`Fit::Crop`, the default: the
//!   longer side is cut, nothing is distorted) or the whole image (`Fit::Stretch`), resized with
//!   `area` averaging (default) or `nearest`; 8-bit values `v` become `257 v` (0 -> 0,
//!   255 -> 65535), 16-bit values stay as they are;
//! - output: `train_images.npy` (N,150,150) uint16 and `train_labels.npy` (N,) int64, the same
//!   for `test_` when the tree has a test folder, `classes.json` (the names in label order),
//!   `manifest.csv` (the source file of every row, its size and crop) and, when files were
//!   skipped, `skipped.csv`. Rows are in label order, files sorted by path within a class.
use crate::data::dataset::{Dataset, PairedSet, SIDE};
use crate::data::imaging::file::read_any;
use crate::data::imaging::{Rect, Resize};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod example;

/// How an image of any shape becomes a square patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    /// The centred square of the image (the longer side is cut).
    Crop,
    /// The whole image, squeezed to a square.
    Stretch,
}

impl Fit {
    pub fn parse(s: &str) -> Result<Fit> {
        match s.trim().to_ascii_lowercase().as_str() {
            "crop" => Ok(Fit::Crop),
            "stretch" => Ok(Fit::Stretch),
            o => crate::error::invalid("fit", format!("'{o}': expected crop or stretch")),
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Fit::Crop => "crop",
            Fit::Stretch => "stretch",
        }
    }
}

/// What `mammo import folder` does.
#[derive(Debug, Clone)]
pub struct FolderOptions {
    pub root: PathBuf,
    pub out: PathBuf,
    pub resize: Resize,
    pub fit: Fit,
    /// The class put last in label order (class 1 of a binary task: its positive class).
    pub positive: Option<String>,
}

impl FolderOptions {
    pub fn new(root: impl Into<PathBuf>, out: impl Into<PathBuf>) -> FolderOptions {
        FolderOptions {
            root: root.into(),
            out: out.into(),
            resize: Resize::Area,
            fit: Fit::Crop,
            positive: None,
        }
    }
}

/// A file left out of the import, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SkippedFile {
    pub file: PathBuf,
    pub reason: String,
}

/// What an import made.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FolderSummary {
    pub out: PathBuf,
    /// Class names in label order.
    pub classes: Vec<String>,
    /// Images per class, training set.
    pub train: Vec<usize>,
    /// Images per class, test set (when the tree has a test folder).
    pub test: Option<Vec<usize>>,
    /// Files that are not images by their extension (left alone).
    pub other_files: usize,
    pub skipped: Vec<SkippedFile>,
}

/// One output row's source (a line of `manifest.csv`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct FolderManifestRow {
    pub split: &'static str,
    pub index: usize,
    pub label: u8,
    pub class: String,
    pub source_file: String,
    pub width: usize,
    pub height: usize,
    pub crop_x: usize,
    pub crop_y: usize,
    pub crop_w: usize,
    pub crop_h: usize,
    pub resize: &'static str,
}

/// The image files of one split: class folder name -> files, sorted.
type Split = BTreeMap<String, (String, Vec<PathBuf>)>;

/// Image extensions looked at (case-insensitive); anything else is counted as another file.
const IMAGE_EXTENSIONS: [&str; 7] = ["png", "pgm", "tif", "tiff", "dcm", "dicom", "pnm"];

fn is_hidden(p: &Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.starts_with('.'))
}

fn sub_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let p = e.map_err(|e| Error::io(dir, e))?.path();
        if p.is_dir() && !is_hidden(&p) {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

/// Every file under `dir` (recursively, hidden entries left out), sorted; `other` counts the
/// files without an image extension.
fn image_files(dir: &Path, other: &mut usize) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let p = e.map_err(|e| Error::io(&d, e))?.path();
            if is_hidden(&p) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if p
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| IMAGE_EXTENSIONS.iter().any(|i| i.eq_ignore_ascii_case(x)))
            {
                out.push(p);
            } else {
                *other += 1;
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The class folders of one split folder (names keyed in lower case).
fn read_split(dir: &Path, other: &mut usize) -> Result<Split> {
    let mut split = Split::new();
    for d in sub_dirs(dir)? {
        let name = d
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let files = image_files(&d, other)?;
        if let Some((first, _)) = split.get(&name.to_lowercase()) {
            return Err(Error::bad_file(
                &d,
                format!(
                    "two class folders differ only in case ('{first}' and '{name}'): class names are matched case-insensitively"
                ),
            ));
        }
        split.insert(name.to_lowercase(), (name, files));
    }
    Ok(split)
}

/// The tree under `root`: its training split and, when it has one, its test split.
pub fn scan_tree(root: &Path) -> Result<(Split, Option<Split>, usize)> {
    if !root.is_dir() {
        return Err(Error::bad_file(
            root,
            "not a folder: give the root of a tree ROOT/CLASS/* or ROOT/train|test/CLASS/*",
        ));
    }
    let dirs = sub_dirs(root)?;
    let named = |want: &str| {
        dirs.iter()
            .find(|d| {
                d.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.eq_ignore_ascii_case(want))
            })
            .cloned()
    };
    let mut other = 0;
    let (train_dir, test_dir) = (named("train"), named("test"));
    if train_dir.is_none() && test_dir.is_some() {
        return Err(Error::bad_file(
            root,
            "a test folder without a train folder: put the training images in ROOT/train/CLASS/",
        ));
    }
    let Some(train_dir) = train_dir else {
        let train = read_split(root, &mut other)?;
        return Ok((train, None, other));
    };
    let extra: Vec<String> = dirs
        .iter()
        .filter(|d| Some(*d) != Some(&train_dir) && Some(*d) != test_dir.as_ref())
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if !extra.is_empty() {
        return Err(Error::bad_file(
            root,
            format!(
                "has a train folder and other folders ({}): either ROOT/train|test/CLASS/ or ROOT/CLASS/, not both",
                extra.join(", ")
            ),
        ));
    }
    let train = read_split(&train_dir, &mut other)?;
    let test = match &test_dir {
        Some(t) => Some(read_split(t, &mut other)?),
        None => None,
    };
    Ok((train, test, other))
}

/// The class names in label order: sorted case-insensitively, `positive` last.
fn class_order(train: &Split, positive: Option<&str>) -> Result<Vec<String>> {
    let mut names: Vec<(String, String)> = train
        .iter()
        .map(|(k, (name, _))| (k.clone(), name.clone()))
        .collect();
    if let Some(p) = positive {
        let key = p.to_lowercase();
        let Some(i) = names.iter().position(|(k, _)| *k == key) else {
            let all: Vec<&str> = names.iter().map(|(_, n)| n.as_str()).collect();
            return crate::error::invalid(
                "positive",
                format!("'{p}' is not one of the classes ({})", all.join(", ")),
            );
        };
        let pos = names.remove(i);
        names.push(pos);
    }
    Ok(names.into_iter().map(|(_, n)| n).collect())
}

/// The region of a `width` x `height` image that becomes the patch.
pub fn fit_box(width: usize, height: usize, fit: Fit) -> Rect {
    match fit {
        Fit::Stretch => Rect {
            x: 0,
            y: 0,
            w: width,
            h: height,
        },
        Fit::Crop => {
            let side = width.min(height);
            Rect {
                x: (width - side) / 2,
                y: (height - side) / 2,
                w: side,
                h: side,
            }
        }
    }
}

struct Out {
    images: Vec<u16>,
    labels: Vec<u8>,
    manifest: Vec<FolderManifestRow>,
    counts: Vec<usize>,
}

/// Import a tree of labelled images (see the module doc). `progress(done, total)` is called
/// after each image.
pub fn import_folder(
    opts: &FolderOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<FolderSummary> {
    let (train, test, other_files) = scan_tree(&opts.root)?;
    if train.len() < 2 {
        return Err(Error::bad_file(
            &opts.root,
            format!(
                "{} class folder{} found: a labelled-image tree has at least two (ROOT/CLASS/image.png or ROOT/train/CLASS/image.png)",
                train.len(),
                if train.len() == 1 { "" } else { "s" }
            ),
        ));
    }
    if train.len() > 255 {
        return Err(Error::bad_file(
            &opts.root,
            format!("{} class folders: at most 255 classes", train.len()),
        ));
    }
    let classes = class_order(&train, opts.positive.as_deref())?;
    if let Some(t) = &test {
        let unknown: Vec<&str> = t
            .iter()
            .filter(|(k, _)| !train.contains_key(*k))
            .map(|(_, (n, _))| n.as_str())
            .collect();
        if !unknown.is_empty() {
            return Err(Error::bad_file(
                &opts.root,
                format!(
                    "test classes without a training folder: {} (a model cannot learn a class it never sees)",
                    unknown.join(", ")
                ),
            ));
        }
    }
    let total: usize = train
        .values()
        .chain(test.iter().flat_map(|t| t.values()))
        .map(|(_, f)| f.len())
        .sum();
    let mut done = 0;
    let mut skipped = Vec::new();
    let mut run_split = |split: &Split, name: &'static str| -> Out {
        let mut out = Out {
            images: Vec::new(),
            labels: Vec::new(),
            manifest: Vec::new(),
            counts: vec![0; classes.len()],
        };
        for (label, class) in classes.iter().enumerate() {
            let Some((_, files)) = split.get(&class.to_lowercase()) else {
                continue;
            };
            for f in files {
                let r = read_any(f).and_then(|img| {
                    let b = fit_box(img.width, img.height, opts.fit);
                    Ok((img.patch(b, SIDE, opts.resize)?, img.width, img.height, b))
                });
                done += 1;
                progress(done, total);
                match r {
                    Ok((px, width, height, b)) => {
                        out.manifest.push(FolderManifestRow {
                            split: name,
                            index: out.labels.len(),
                            label: label as u8,
                            class: class.clone(),
                            source_file: f.display().to_string(),
                            width,
                            height,
                            crop_x: b.x,
                            crop_y: b.y,
                            crop_w: b.w,
                            crop_h: b.h,
                            resize: opts.resize.name(),
                        });
                        out.images.extend(px);
                        out.labels.push(label as u8);
                        out.counts[label] += 1;
                    }
                    Err(e) => skipped.push(SkippedFile {
                        file: f.clone(),
                        reason: match e {
                            Error::BadFile { msg, .. } | Error::Invalid { msg, .. } => msg,
                            e => e.to_string(),
                        },
                    }),
                }
            }
        }
        out
    };
    let tr = run_split(&train, "train");
    let te = test.as_ref().map(|t| run_split(t, "test"));
    let missing: Vec<String> = classes
        .iter()
        .zip(&tr.counts)
        .filter(|(_, &c)| c == 0)
        .map(|(n, _)| n.clone())
        .collect();
    if !missing.is_empty() {
        let first: Vec<String> = skipped
            .iter()
            .take(3)
            .map(|s| format!("{}: {}", s.file.display(), s.reason))
            .collect();
        return Err(Error::bad_file(
            &opts.root,
            format!(
                "no readable training image in the class folder{} {}{}",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                if first.is_empty() {
                    String::new()
                } else {
                    format!("; first unreadable files: {}", first.join(" | "))
                }
            ),
        ));
    }
    let summary = FolderSummary {
        out: opts.out.clone(),
        classes: classes.clone(),
        train: tr.counts.clone(),
        test: te.as_ref().map(|t| t.counts.clone()),
        other_files,
        skipped,
    };
    write_outputs(opts, &summary, tr, te)?;
    Ok(summary)
}

fn set_of(o: Out, images: PathBuf, labels: PathBuf) -> Result<PairedSet> {
    super::patch_set(o.images, o.labels, images, labels, false)
}

fn write_outputs(
    opts: &FolderOptions,
    summary: &FolderSummary,
    train: Out,
    test: Option<Out>,
) -> Result<()> {
    use crate::data::dataset::{
        LABELLED_TEST_IMAGES, LABELLED_TEST_LABELS, LABELLED_TRAIN_IMAGES, TRAIN_LABELS,
    };
    let out = &opts.out;
    let mut manifest = train.manifest.clone();
    let train = set_of(
        train,
        out.join(LABELLED_TRAIN_IMAGES),
        out.join(TRAIN_LABELS),
    )?;
    let test = match test {
        Some(t) if !t.labels.is_empty() => {
            manifest.extend(t.manifest.iter().cloned());
            Some(set_of(
                t,
                out.join(LABELLED_TEST_IMAGES),
                out.join(LABELLED_TEST_LABELS),
            )?)
        }
        _ => None,
    };
    let has_test = test.is_some();
    let ds = Dataset {
        name: out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        dir: out.clone(),
        train,
        test,
        classes: Some(summary.classes.clone()),
    };
    ds.save(out)?;
    if !has_test {
        // A test set left by an earlier import into this folder is not this import's.
        for f in [LABELLED_TEST_IMAGES, LABELLED_TEST_LABELS] {
            let _ = std::fs::remove_file(out.join(f));
        }
    }
    super::write_csv(&out.join("manifest.csv"), &manifest)?;
    let skipped = out.join("skipped.csv");
    if summary.skipped.is_empty() {
        let _ = std::fs::remove_file(&skipped);
    } else {
        super::write_csv(&skipped, &summary.skipped)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
