//! Datasets: loading and validation.
//!
//! A dataset is a folder with the four course files (`train_tensor.npy`, `train_labels.npy`,
//! `public_test_tensor.npy`, `public_test_labels.npy`), or an explicit pair of image and label
//! files (the MIAS sample: `mias_pairs_tensor.npy`, `mias_pairs_labels.npy`), or a
//! labelled-image dataset as `mammo import folder` writes it (`train_images.npy`,
//! `train_labels.npy`, optionally `test_images.npy` and `test_labels.npy`, and `classes.json`,
//! the class names in label order): single images with labels `0..k`, no pairs, trained with
//! the `labels` task.
//!
//! Images come in pairs: row `2k` is the baseline patch (healthy tissue, label 0) and row `2k+1`
//! the abnormality patch of the same patient (label 1..=4: 1 mass benign, 2 mass malignant,
//! 3 calcification benign, 4 calcification malignant). Images stay `u16` in memory (the course
//! train set is 241 MB); they become float tensors one batch at a time.
use crate::data::npy;
use crate::error::{Error, Result};
use ndarray::{ArcArray, ArrayView2, Axis, Ix3};
use std::path::{Path, PathBuf};

/// Side of a patch in pixels.
pub const SIDE: usize = 150;
/// Number of labels (0 baseline, 1..=4 abnormalities).
pub const N_LABELS: usize = 5;
/// Names of the five labels.
pub const LABEL_NAMES: [&str; N_LABELS] = [
    "baseline",
    "mass benign",
    "mass malignant",
    "calcification benign",
    "calcification malignant",
];

/// The course file names.
pub const TRAIN_IMAGES: &str = "train_tensor.npy";
pub const TRAIN_LABELS: &str = "train_labels.npy";
pub const TEST_IMAGES: &str = "public_test_tensor.npy";
pub const TEST_LABELS: &str = "public_test_labels.npy";
/// The MIAS sample's file names.
pub const MIAS_IMAGES: &str = "mias_pairs_tensor.npy";
pub const MIAS_LABELS: &str = "mias_pairs_labels.npy";
/// A labelled-image dataset's file names (`mammo import folder`); its training labels file is
/// [`TRAIN_LABELS`].
pub const CLASSES_FILE: &str = "classes.json";
pub const LABELLED_TRAIN_IMAGES: &str = "train_images.npy";
pub const LABELLED_TEST_IMAGES: &str = "test_images.npy";
pub const LABELLED_TEST_LABELS: &str = "test_labels.npy";

/// One file pair: images `(N,150,150)` as `u16` and labels, validated. In course files
/// (`paired`) the labels are `0..=4` with the pairing rule; in a labelled-image dataset they
/// are class labels `0..k` of single images.
#[derive(Debug, Clone)]
pub struct PairedSet {
    /// `(N, 150, 150)`, C order. Shared copy-on-write: cloning a set (every training run
    /// does, to preprocess its own copy) costs nothing until the pixels are changed.
    pub images: ArcArray<u16, Ix3>,
    pub labels: Vec<u8>,
    pub images_path: PathBuf,
    pub labels_path: PathBuf,
    /// Course pairs (row `2k` a baseline, `2k+1` its abnormality); `false` for the single
    /// images of a labelled-image dataset.
    pub paired: bool,
}

fn list_indices(idx: &[usize]) -> String {
    let shown: Vec<String> = idx.iter().take(5).map(|i| i.to_string()).collect();
    let more = if idx.len() > 5 {
        format!(" and {} more", idx.len() - 5)
    } else {
        String::new()
    };
    format!("{}{more}", shown.join(", "))
}

impl PairedSet {
    /// Load and validate an image file and its label file.
    pub fn load(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<PairedSet> {
        Self::load_from(
            npy::Source::File(images.as_ref()),
            npy::Source::File(labels.as_ref()),
            None,
        )
    }

    /// Load and validate the images and class labels `0..n_classes` of a labelled-image
    /// dataset (no pairs).
    pub fn load_labelled(
        images: impl AsRef<Path>,
        labels: impl AsRef<Path>,
        n_classes: usize,
    ) -> Result<PairedSet> {
        Self::load_from(
            npy::Source::File(images.as_ref()),
            npy::Source::File(labels.as_ref()),
            Some(n_classes),
        )
    }

    /// Validate and load an image file and its label file whose contents are held in memory,
    /// with exactly the checks of [`PairedSet::load`]. The names are only used in messages and
    /// recorded as `images_path` and `labels_path`.
    pub fn from_npy_bytes(
        images: &[u8],
        labels: &[u8],
        images_name: impl AsRef<Path>,
        labels_name: impl AsRef<Path>,
    ) -> Result<PairedSet> {
        Self::load_from(
            npy::Source::Bytes {
                bytes: images,
                name: images_name.as_ref(),
            },
            npy::Source::Bytes {
                bytes: labels,
                name: labels_name.as_ref(),
            },
            None,
        )
    }

    /// The validation behind [`PairedSet::load`], [`PairedSet::load_labelled`] (`classes`:
    /// the class count) and [`PairedSet::from_npy_bytes`].
    fn load_from(
        images: npy::Source<'_>,
        labels: npy::Source<'_>,
        classes: Option<usize>,
    ) -> Result<PairedSet> {
        let (ip, lp) = (images.name(), labels.name());
        // Check both headers before reading 240 MB of pixels.
        let ih = images.header()?;
        let lh = labels.header()?;
        let n = match ih.shape.as_slice() {
            [n, h, w] | [n, h, w, 1] if *h == SIDE && *w == SIDE => *n,
            [_, h, w] | [_, h, w, 1] => {
                return Err(Error::bad_file(
                    ip,
                    format!("images must be {SIDE}x{SIDE}, found {h}x{w} (shape {})", ih.shape_str()),
                ))
            }
            _ => {
                return Err(Error::bad_file(
                    ip,
                    format!("images must have shape (N, {SIDE}, {SIDE}) or (N, {SIDE}, {SIDE}, 1), found {}", ih.shape_str()),
                ))
            }
        };
        if !matches!(ih.dtype, npy::Dtype::U16 | npy::Dtype::U8) {
            return Err(Error::bad_file(
                ip,
                format!(
                    "images must be uint16 (or uint8), found {} ('{}')",
                    ih.dtype.name(),
                    ih.descr
                ),
            ));
        }
        let nl = match lh.shape.as_slice() {
            [n] | [n, 1] => *n,
            _ => {
                return Err(Error::bad_file(
                    lp,
                    format!(
                        "labels must have shape (N,) or (N, 1), found {}",
                        lh.shape_str()
                    ),
                ))
            }
        };
        if !lh.dtype.is_integer() {
            return Err(Error::bad_file(
                lp,
                format!(
                    "labels must be integers, found {} ('{}')",
                    lh.dtype.name(),
                    lh.descr
                ),
            ));
        }
        if n == 0 {
            return Err(Error::bad_file(ip, "no images (N = 0)"));
        }
        if n % 2 != 0 && classes.is_none() {
            return Err(Error::bad_file(
                ip,
                format!("odd number of images ({n}): images come in (baseline, abnormality) pairs"),
            ));
        }
        if nl != n {
            return Err(Error::bad_file(
                lp,
                format!("{nl} labels for {n} images in {}", ip.display()),
            ));
        }
        let raw = labels.read_int_labels()?;
        let top = classes.map_or(4, |k| k as i64 - 1);
        let bad: Vec<usize> = raw
            .iter()
            .enumerate()
            .filter(|(_, &v)| !(0..=top).contains(&v))
            .map(|(i, _)| i)
            .collect();
        if let Some(&first) = bad.first() {
            return Err(Error::bad_file(
                lp,
                format!(
                    "labels must be 0..={top}{}; found {} at index {}",
                    if classes.is_some() {
                        format!(" (the classes of {CLASSES_FILE})")
                    } else {
                        String::new()
                    },
                    raw.iter().nth(first).copied().unwrap_or(-1),
                    list_indices(&bad)
                ),
            ));
        }
        let labels: Vec<u8> = raw.iter().map(|&v| v as u8).collect();
        if classes.is_none() {
            check_pairing(&labels).map_err(|m| Error::bad_file(lp, m))?;
        }
        let arr = images.read_u16_images()?;
        let images = arr
            .into_shape_with_order((n, SIDE, SIDE))
            .map_err(|e| Error::bad_file(ip, e.to_string()))?;
        Ok(PairedSet {
            images: images.into_shared(),
            labels,
            images_path: ip.to_path_buf(),
            labels_path: lp.to_path_buf(),
            paired: classes.is_none(),
        })
    }

    /// Number of images (twice the number of pairs).
    pub fn len(&self) -> usize {
        self.labels.len()
    }
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }
    /// Number of (baseline, abnormality) pairs.
    pub fn n_pairs(&self) -> usize {
        self.labels.len() / 2
    }
    /// One image as a 150x150 view.
    pub fn image(&self, row: usize) -> ArrayView2<'_, u16> {
        self.images.index_axis(Axis(0), row)
    }
    /// Count of each label: 0..=4 for course pairs, each class for labelled images.
    pub fn label_counts(&self) -> Vec<usize> {
        let n = if self.paired {
            N_LABELS
        } else {
            self.labels
                .iter()
                .map(|&l| l as usize + 1)
                .max()
                .unwrap_or(0)
        };
        let mut c = vec![0; n];
        for &l in &self.labels {
            if let Some(x) = c.get_mut(l as usize) {
                *x += 1;
            }
        }
        c
    }
    /// Write both files (atomically) in the course format: uint16 `(N,150,150)`, int64 `(N,)`.
    pub fn save(&self, images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<()> {
        let data = self.images.as_standard_layout();
        let slice = data
            .as_slice()
            .ok_or_else(|| Error::Other("image array not contiguous".into()))?;
        npy::write(images, &[self.len(), SIDE, SIDE], slice)?;
        let l: Vec<i64> = self.labels.iter().map(|&v| v as i64).collect();
        npy::write(labels, &[l.len()], &l)
    }
}

/// Check the pairing rule: even rows are baselines (0), odd rows abnormalities (1..=4).
pub fn check_pairing(labels: &[u8]) -> std::result::Result<(), String> {
    let bad_even: Vec<usize> = labels
        .iter()
        .enumerate()
        .step_by(2)
        .filter(|(_, &l)| l != 0)
        .map(|(i, _)| i)
        .collect();
    if !bad_even.is_empty() {
        return Err(format!(
            "even indices must be baselines (label 0); found abnormality labels at index {}",
            list_indices(&bad_even)
        ));
    }
    let bad_odd: Vec<usize> = labels
        .iter()
        .enumerate()
        .skip(1)
        .step_by(2)
        .filter(|(_, &l)| l == 0)
        .map(|(i, _)| i)
        .collect();
    if !bad_odd.is_empty() {
        return Err(format!(
            "odd indices must be abnormalities (labels 1..=4); found baselines (label 0) at index {}",
            list_indices(&bad_odd)
        ));
    }
    Ok(())
}

/// A dataset: a training set and, for the course files, the public test set.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub name: String,
    pub dir: PathBuf,
    pub train: PairedSet,
    /// The public test set; `None` for a single file pair such as the MIAS sample.
    pub test: Option<PairedSet>,
    /// A labelled-image dataset's class names in label order (its `classes.json`); `None` for
    /// course pairs.
    pub classes: Option<Vec<String>>,
}

impl Dataset {
    /// Load a dataset folder: the four course files, or the two MIAS files.
    pub fn load(dir: impl AsRef<Path>) -> Result<Dataset> {
        let dir = dir.as_ref();
        if !dir.exists() {
            return Err(Error::bad_file(
                dir,
                "dataset folder not found (generate the default data with `mammo synth --out data/synthetic`, or set MAMMO_DATA)",
            ));
        }
        if !dir.is_dir() {
            return Err(Error::bad_file(
                dir,
                "not a folder: a dataset is a folder with the course .npy files",
            ));
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if dir.join(CLASSES_FILE).exists() {
            return Self::load_labelled(dir, name);
        }
        if dir.join(MIAS_IMAGES).exists() && !dir.join(TRAIN_IMAGES).exists() {
            let train = PairedSet::load(dir.join(MIAS_IMAGES), dir.join(MIAS_LABELS))?;
            return Ok(Dataset {
                name,
                dir: dir.to_path_buf(),
                train,
                test: None,
                classes: None,
            });
        }
        for f in [TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS] {
            if !dir.join(f).exists() {
                return Err(Error::bad_file(
                    dir.join(f),
                    format!("missing file: a course dataset folder holds {TRAIN_IMAGES}, {TRAIN_LABELS}, {TEST_IMAGES} and {TEST_LABELS}"),
                ));
            }
        }
        let train = PairedSet::load(dir.join(TRAIN_IMAGES), dir.join(TRAIN_LABELS))?;
        let test = PairedSet::load(dir.join(TEST_IMAGES), dir.join(TEST_LABELS))?;
        Ok(Dataset {
            name,
            dir: dir.to_path_buf(),
            train,
            test: Some(test),
            classes: None,
        })
    }

    /// A labelled-image dataset: `classes.json`, the training files and, when both are there,
    /// the test files.
    fn load_labelled(dir: &Path, name: String) -> Result<Dataset> {
        let classes = read_classes(&dir.join(CLASSES_FILE))?;
        let train = PairedSet::load_labelled(
            dir.join(LABELLED_TRAIN_IMAGES),
            dir.join(TRAIN_LABELS),
            classes.len(),
        )?;
        let (ti, tl) = (
            dir.join(LABELLED_TEST_IMAGES),
            dir.join(LABELLED_TEST_LABELS),
        );
        let test = match (ti.exists(), tl.exists()) {
            (true, true) => Some(PairedSet::load_labelled(&ti, &tl, classes.len())?),
            (false, false) => None,
            (true, false) => {
                return Err(Error::bad_file(
                    &tl,
                    format!("missing file: {LABELLED_TEST_IMAGES} is there without its labels"),
                ))
            }
            (false, true) => {
                return Err(Error::bad_file(
                    &ti,
                    format!("missing file: {LABELLED_TEST_LABELS} is there without its images"),
                ))
            }
        };
        Ok(Dataset {
            name,
            dir: dir.to_path_buf(),
            train,
            test,
            classes: Some(classes),
        })
    }

    /// Load from explicit image and label paths (no test set).
    pub fn from_files(images: impl AsRef<Path>, labels: impl AsRef<Path>) -> Result<Dataset> {
        let train = PairedSet::load(&images, &labels)?;
        let dir = images
            .as_ref()
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let name = images
            .as_ref()
            .file_stem()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        Ok(Dataset {
            name,
            dir,
            train,
            test: None,
            classes: None,
        })
    }

    /// The test set, or an error saying this dataset has none.
    pub fn test_set(&self) -> Result<&PairedSet> {
        self.test.as_ref().ok_or_else(|| {
            Error::invalid(
                "dataset",
                format!(
                    "{} has no test set (use cross-validation)",
                    self.dir.display()
                ),
            )
        })
    }

    /// Save into `dir` (atomically, file by file): the course layout, or a labelled-image
    /// dataset's files with its `classes.json`.
    pub fn save(&self, dir: impl AsRef<Path>) -> Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let Some(classes) = &self.classes else {
            self.train
                .save(dir.join(TRAIN_IMAGES), dir.join(TRAIN_LABELS))?;
            if let Some(t) = &self.test {
                t.save(dir.join(TEST_IMAGES), dir.join(TEST_LABELS))?;
            }
            return Ok(());
        };
        self.train
            .save(dir.join(LABELLED_TRAIN_IMAGES), dir.join(TRAIN_LABELS))?;
        if let Some(t) = &self.test {
            t.save(
                dir.join(LABELLED_TEST_IMAGES),
                dir.join(LABELLED_TEST_LABELS),
            )?;
        }
        let json = serde_json::to_string_pretty(classes)
            .map_err(|e| Error::Other(format!("classes: {e}")))?;
        crate::fsx::write_bytes_atomic(dir.join(CLASSES_FILE), format!("{json}\n").as_bytes())
    }
}

/// Read a `classes.json`: a JSON list of two or more distinct, non-empty class names.
pub fn read_classes(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let classes: Vec<String> = serde_json::from_str(&text).map_err(|e| {
        Error::bad_file(
            path,
            format!("not a JSON list of class names such as [\"benign\", \"malignant\"]: {e}"),
        )
    })?;
    if classes.len() < 2 || classes.len() > 255 {
        return Err(Error::bad_file(
            path,
            format!(
                "{} classes: a labelled-image dataset has 2 to 255",
                classes.len()
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for c in &classes {
        if c.trim().is_empty() || !seen.insert(c.to_lowercase()) {
            return Err(Error::bad_file(
                path,
                format!("class name '{c}' is empty or given twice"),
            ));
        }
    }
    Ok(classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_pair(dir: &Path, labels: &[i64]) -> (PathBuf, PathBuf) {
        let (ip, lp) = (dir.join("i.npy"), dir.join("l.npy"));
        let n = labels.len();
        let imgs: Vec<u8> = (0..n * SIDE * SIDE).map(|i| (i % 251) as u8).collect();
        npy::write(&ip, &[n, SIDE, SIDE], &imgs).unwrap();
        npy::write(&lp, &[n], labels).unwrap();
        (ip, lp)
    }

    #[test]
    fn from_npy_bytes_matches_load() {
        let tmp = tempfile::tempdir().unwrap();
        let (ip, lp) = write_pair(tmp.path(), &[0, 2, 0, 4]);
        let a = PairedSet::load(&ip, &lp).unwrap();
        let (ib, lb) = (std::fs::read(&ip).unwrap(), std::fs::read(&lp).unwrap());
        let b = PairedSet::from_npy_bytes(&ib, &lb, &ip, &lp).unwrap();
        assert_eq!(a.images, b.images);
        assert_eq!(a.labels, b.labels);
        assert_eq!(
            (a.images_path, a.labels_path),
            (b.images_path, b.labels_path)
        );
        assert_eq!(b.images[[0, 0, 1]], 257); // uint8 scaled by 257
    }

    #[test]
    fn from_npy_bytes_errors_match_load() {
        let tmp = tempfile::tempdir().unwrap();
        for labels in [&[0i64, 0, 0, 4][..], &[1, 2, 0, 4], &[0, 2, 0, 7], &[0, 2]] {
            let (ip, lp) = write_pair(tmp.path(), &[0, 2, 0, 4]);
            npy::write(&lp, &[labels.len()], labels).unwrap();
            let (ib, lb) = (std::fs::read(&ip).unwrap(), std::fs::read(&lp).unwrap());
            let a = PairedSet::load(&ip, &lp).unwrap_err().to_string();
            let b = PairedSet::from_npy_bytes(&ib, &lb, &ip, &lp)
                .unwrap_err()
                .to_string();
            assert_eq!(a, b);
            assert!(a.starts_with(&lp.display().to_string()), "{a}");
        }
        // Truncated image data is found last, after the labels were checked.
        let (ip, lp) = write_pair(tmp.path(), &[0, 2]);
        let (ib, lb) = (std::fs::read(&ip).unwrap(), std::fs::read(&lp).unwrap());
        let e = PairedSet::from_npy_bytes(&ib[..1000], &lb, "img.npy", "lab.npy").unwrap_err();
        assert!(e.to_string().starts_with("img.npy: truncated data"), "{e}");
    }

    /// Headers that claim 10^12 images and labels: refused from the labels' real length, nothing
    /// allocated.
    #[test]
    fn huge_claimed_counts_are_refused() {
        let hdr = |descr: &str, shape: &str| {
            let dict =
                format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
            let mut b = b"\x93NUMPY\x01\x00".to_vec();
            b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
            b.extend_from_slice(dict.as_bytes());
            b
        };
        let ib = hdr("<u2", "(1000000000000, 150, 150)");
        let lb = hdr("<i8", "(1000000000000,)");
        let e = PairedSet::from_npy_bytes(&ib, &lb, "i.npy", "l.npy").unwrap_err();
        assert!(e.to_string().starts_with("l.npy: truncated data"), "{e}");
    }
}
