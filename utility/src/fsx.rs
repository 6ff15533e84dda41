//! File helpers: every file mammo writes goes to a temporary sibling first and is renamed into
//! place, so a crash never leaves a half-written file behind.
use crate::error::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

fn tmp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Write a file atomically: `write` fills a temporary sibling, which is then synced and renamed.
pub fn write_atomic(
    path: impl AsRef<Path>,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let path = path.as_ref();
    if let Some(dir) = path.parent() {
        if !dir.as_os_str().is_empty() {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    let tmp = tmp_sibling(path);
    let res = (|| -> std::io::Result<()> {
        let f = std::fs::File::create(&tmp)?;
        let mut w = std::io::BufWriter::new(f);
        write(&mut w)?;
        w.flush()?;
        w.get_ref().sync_all()?;
        Ok(())
    })();
    if let Err(e) = res {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// Write a file through a temporary sibling that `write` fills by path (for libraries that write
/// files themselves, such as safetensors): synced and renamed into place when `write` succeeds.
/// When it fails (a full disk, a permission) or the rename does, the temporary file is removed
/// and the file at `path`, if any, is left as it was: a run folder stays as the last complete
/// write left it, which `--resume` or a retry accepts.
pub fn write_via_temp(
    path: impl AsRef<Path>,
    write: impl FnOnce(&Path) -> Result<()>,
) -> Result<()> {
    let path = path.as_ref();
    let tmp = tmp_sibling(path);
    let res = write(&tmp).and_then(|()| {
        if let Ok(f) = std::fs::File::open(&tmp) {
            f.sync_all().map_err(|e| Error::io(&tmp, e))?;
        }
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    });
    if res.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    res
}

/// Write bytes atomically.
pub fn write_bytes_atomic(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    write_atomic(path, |w| w.write_all(bytes))
}

/// Read a whole file, naming it in the error.
pub fn read_bytes(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|e| Error::io(path, e))
}

/// What identifies a file's content for [`sha256_cached`]: its canonical path, size and
/// modification time.
type FileKey = (PathBuf, u64, Option<std::time::SystemTime>);

fn hash_cache() -> &'static std::sync::Mutex<std::collections::HashMap<FileKey, String>> {
    type Cache = std::sync::Mutex<std::collections::HashMap<FileKey, String>>;
    static CACHE: std::sync::OnceLock<&'static Cache> = std::sync::OnceLock::new();
    // One per process, also across notebook cells (crate::process).
    crate::process::shared(
        &CACHE,
        "file hashes",
        include_str!("fsx.rs"),
        Cache::default,
    )
}

/// How many files' hashes [`sha256_cached`] holds (one cache per process, also in a notebook).
pub fn cached_hashes() -> usize {
    hash_cache().lock().map_or(0, |g| g.len())
}

/// SHA-256 of a file's content, as 64 lowercase hex digits, read in 1 MiB blocks.
pub fn sha256_file(path: impl AsRef<Path>) -> Result<String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let path = path.as_ref();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// [`sha256_file`], computed once per process for a given (canonical path, size, modification
/// time): a weights file of hundreds of MB is hashed once, not at every run that uses it. A
/// file changed in place (new size or time) is hashed again.
pub fn sha256_cached(path: impl AsRef<Path>) -> Result<String> {
    let path = path.as_ref();
    let canonical = std::fs::canonicalize(path).map_err(|e| Error::io(path, e))?;
    let meta = std::fs::metadata(&canonical).map_err(|e| Error::io(path, e))?;
    let key: FileKey = (canonical, meta.len(), meta.modified().ok());
    if let Some(h) = hash_cache().lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(h);
    }
    let h = sha256_file(&key.0)?;
    if let Ok(mut c) = hash_cache().lock() {
        c.insert(key, h.clone());
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("model.safetensors");
        std::fs::write(&p, b"old").unwrap();
        // An error injected after part of the file is written (as a full disk gives it).
        let e = write_via_temp(&p, |tmp| {
            std::fs::write(tmp, b"half").unwrap();
            Err(Error::io(tmp, std::io::Error::from_raw_os_error(28)))
        })
        .unwrap_err();
        assert!(e.to_string().contains("model.safetensors"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(listing(dir.path()), ["model.safetensors"]);
        // The same through write_atomic's writer.
        let e = write_atomic(&p, |w| {
            w.write_all(b"half")?;
            w.flush()?;
            Err(std::io::Error::from_raw_os_error(28))
        })
        .unwrap_err();
        assert!(e.to_string().contains("model.safetensors"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(listing(dir.path()), ["model.safetensors"]);
        // A rename that fails (the target is a non-empty folder) also cleans up.
        let d = dir.path().join("busy");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("x"), b"x").unwrap();
        assert!(write_via_temp(&d, |tmp| {
            std::fs::write(tmp, b"new").map_err(|e| Error::io(tmp, e))
        })
        .is_err());
        assert_eq!(listing(dir.path()), ["busy", "model.safetensors"]);
        // And a write that succeeds replaces the file.
        write_via_temp(&p, |tmp| {
            std::fs::write(tmp, b"new").map_err(|e| Error::io(tmp, e))
        })
        .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(listing(dir.path()), ["busy", "model.safetensors"]);
    }

    #[test]
    fn sha256_of_a_small_file_is_known_and_cached_by_size_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("w.bin");
        std::fs::write(&p, b"abc").unwrap();
        // FIPS 180-2 test vector.
        let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(sha256_file(&p).unwrap(), abc);
        assert_eq!(sha256_cached(&p).unwrap(), abc);
        assert!(cached_hashes() >= 1, "the hash just computed is held");
        // Same path and size, new content: with the same modification time the cached hash is
        // given (the cache trusts size and time, as make does) ...
        let t = std::fs::metadata(&p).unwrap().modified().unwrap();
        std::fs::write(&p, b"abd").unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(t).unwrap();
        drop(f);
        assert_eq!(sha256_cached(&p).unwrap(), abc);
        // ... and a new time or size hashes again.
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(t + std::time::Duration::from_secs(5))
            .unwrap();
        drop(f);
        let abd = sha256_file(&p).unwrap();
        assert_ne!(abd, abc);
        assert_eq!(sha256_cached(&p).unwrap(), abd);
        std::fs::write(&p, b"").unwrap();
        assert_eq!(
            sha256_cached(&p).unwrap(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert!(sha256_cached(dir.path().join("missing")).is_err());
    }
}
