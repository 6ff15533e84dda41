//! What a run was trained on: a content hash of a dataset (SHA-256 over its pixels and labels,
//! as loaded) with its pair counts. Runs record it in `config.json` (the configuration's
//! `provenance`), so that a run trained on other data is never reused as if it were this data's
//! (a folder regenerated with another seed, the real course files dropped where the synthetic
//! ones were).
//!
//! The hash is of the arrays, not the files: the same patches give the same fingerprint whatever
//! the `.npy` layout (byte order, Fortran order, 8 or 16 bits on disk). It costs one pass of
//! SHA-256 (the `sha2` crate, with the CPU's SHA instructions where there are some) over the
//! course-size set's 271 MB: docs/RUNS.md has the measured time; [`DataFingerprint::of_dir`]
//! computes it once per process per folder state.
use crate::data::dataset::{Dataset, PairedSet};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A dataset's identity: `sha256` of its content, and its pair counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DataFingerprint {
    /// 64 hex digits: SHA-256 over the training set's images (u16, little-endian, C order) and
    /// labels, then the test set's (when there is one), each preceded by its shape.
    pub sha256: String,
    /// Pairs in the training and test sets; images, for a labelled-image dataset.
    pub train_pairs: usize,
    pub test_pairs: usize,
    /// A labelled-image dataset's classes (hashed too); `None` for course pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Vec<String>>,
}

/// Hex digits of the hash shown in labels and messages.
pub const SHORT_DIGITS: usize = 12;

fn hash_set(h: &mut Sha256, s: &PairedSet) {
    for d in s.images.shape() {
        h.update((*d as u64).to_le_bytes());
    }
    match s.images.as_slice() {
        Some(px) => {
            // 64 Ki pixels at a time, converted to little-endian bytes.
            let mut buf = Vec::with_capacity(2 << 16);
            for chunk in px.chunks(1 << 16) {
                buf.clear();
                buf.extend(chunk.iter().flat_map(|v| v.to_le_bytes()));
                h.update(&buf);
            }
        }
        None => {
            for v in s.images.iter() {
                h.update(v.to_le_bytes());
            }
        }
    }
    h.update((s.labels.len() as u64).to_le_bytes());
    h.update(&s.labels);
}

impl DataFingerprint {
    /// The fingerprint of a loaded dataset (one SHA-256 pass over it).
    pub fn of(ds: &Dataset) -> DataFingerprint {
        let mut h = Sha256::new();
        h.update(b"mammo dataset v1\0");
        hash_set(&mut h, &ds.train);
        if let Some(t) = &ds.test {
            h.update(b"test\0");
            hash_set(&mut h, t);
        }
        if let Some(c) = &ds.classes {
            h.update(b"classes\0");
            for name in c {
                h.update((name.len() as u64).to_le_bytes());
                h.update(name.as_bytes());
            }
        }
        let count = |s: &PairedSet| if s.paired { s.n_pairs() } else { s.len() };
        DataFingerprint {
            sha256: h.finalize().iter().map(|b| format!("{b:02x}")).collect(),
            train_pairs: count(&ds.train),
            test_pairs: ds.test.as_ref().map_or(0, count),
            classes: ds.classes.clone(),
        }
    }

    /// The fingerprint of the dataset in `dir` ([`Dataset::load`]), computed once per process (in
    /// a notebook, once per kernel, not again in each cell) for a given state of the folder's
    /// files (their names, sizes and modification times).
    pub fn of_dir(dir: impl AsRef<Path>) -> Result<DataFingerprint> {
        type Key = (PathBuf, Vec<(String, u64, Option<std::time::SystemTime>)>);
        type Cache = std::sync::Mutex<std::collections::HashMap<Key, DataFingerprint>>;
        static CACHE: std::sync::OnceLock<&'static Cache> = std::sync::OnceLock::new();
        let dir = dir.as_ref();
        let canonical = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, e))?;
        let mut files = Vec::new();
        for e in std::fs::read_dir(&canonical).map_err(|e| Error::io(dir, e))? {
            let e = e.map_err(|e| Error::io(dir, e))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.ends_with(".npy") || name == crate::data::dataset::CLASSES_FILE {
                let m = e.metadata().map_err(|err| Error::io(e.path(), err))?;
                files.push((name, m.len(), m.modified().ok()));
            }
        }
        files.sort();
        let key: Key = (canonical, files);
        // One per process, also across notebook cells (crate::process).
        let cache = crate::process::shared(
            &CACHE,
            "data fingerprints",
            include_str!("fingerprint.rs"),
            Cache::default,
        );
        if let Some(f) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
            return Ok(f);
        }
        let f = DataFingerprint::of(&Dataset::load(dir)?);
        if let Ok(mut c) = cache.lock() {
            c.insert(key, f.clone());
        }
        Ok(f)
    }

    /// `sha256:0123456789ab`.
    pub fn short(&self) -> String {
        format!(
            "sha256:{}",
            self.sha256.get(..SHORT_DIGITS).unwrap_or(&self.sha256)
        )
    }

    /// `sha256:0123456789ab (2676 + 336 pairs)` (no comma: it is a table cell); `images` for a
    /// labelled-image dataset.
    pub fn label(&self) -> String {
        format!(
            "{} ({} + {} {})",
            self.short(),
            self.train_pairs,
            self.test_pairs,
            if self.classes.is_some() {
                "images"
            } else {
                "pairs"
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn synth(dir: &Path, seed: u64) {
        let cfg = crate::data::synth::SynthConfig {
            seed,
            scale: 0.02,
            ..Default::default()
        };
        crate::data::synth::write(dir, &cfg).unwrap();
    }

    #[test]
    fn the_fingerprint_follows_the_content_not_the_file_layout() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        synth(&a, 1);
        synth(&b, 2);
        let fa = DataFingerprint::of_dir(&a).unwrap();
        let fb = DataFingerprint::of_dir(&b).unwrap();
        assert_ne!(fa.sha256, fb.sha256, "another seed, another fingerprint");
        assert_eq!(fa.sha256.len(), 64);
        assert_eq!(
            (fa.train_pairs, fa.test_pairs),
            (fb.train_pairs, fb.test_pairs)
        );
        // The same content loaded again: the same fingerprint, with or without the cache.
        assert_eq!(DataFingerprint::of(&Dataset::load(&a).unwrap()), fa);
        // Known answer: SHA-256 of exactly the bytes the doc describes, computed independently.
        let ds = Dataset::load(&a).unwrap();
        let mut bytes: Vec<u8> = b"mammo dataset v1\0".to_vec();
        let add = |bytes: &mut Vec<u8>, s: &PairedSet| {
            for d in s.images.shape() {
                bytes.extend((*d as u64).to_le_bytes());
            }
            for v in s.images.iter() {
                bytes.extend(v.to_le_bytes());
            }
            bytes.extend((s.labels.len() as u64).to_le_bytes());
            bytes.extend(&s.labels);
        };
        add(&mut bytes, &ds.train);
        bytes.extend(b"test\0");
        add(&mut bytes, ds.test.as_ref().unwrap());
        let want: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(fa.sha256, want);
        assert!(fa.label().starts_with(&format!("sha256:{}", &want[..12])));
        // A folder regenerated in place is hashed again (new sizes or times).
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::remove_dir_all(&a).unwrap();
        synth(&a, 2);
        assert_eq!(DataFingerprint::of_dir(&a).unwrap().sha256, fb.sha256);
    }
}
