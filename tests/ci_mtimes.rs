//! scripts/ci-mtimes.py gives unchanged files their recorded times back (so CI's clean clone
//! reuses the kept builds), never touches a changed file, and restores nothing when the build
//! caches were written after its manifest.
mod common;
use std::fs::{self, File};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn set_mtime(p: &Path, t: SystemTime) {
    File::options()
        .write(true)
        .open(p)
        .unwrap()
        .set_modified(t)
        .unwrap();
}

fn mtime(p: &Path) -> SystemTime {
    fs::metadata(p).unwrap().modified().unwrap()
}

fn script(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(common::root().join("scripts/ci-mtimes.py"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "ci-mtimes.py {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn unchanged_files_get_their_recorded_time_back_changed_ones_do_not() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("clone");
    let cache = tmp.path().join("cache");
    let fp = cache.join("target/debug/.fingerprint/mammo-0123");
    fs::create_dir_all(repo.join("src")).unwrap();
    fs::create_dir_all(&fp).unwrap();
    fs::write(fp.join("lib-mammo"), "fingerprint").unwrap();
    let (a, b) = (repo.join("src/a.rs"), repo.join("b.toml"));
    fs::write(&a, "fn a() {}").unwrap();
    fs::write(&b, "[package]").unwrap();
    for args in [&["init", "-q", "."][..], &["add", "src/a.rs", "b.toml"]] {
        let git = Command::new("git").args(args).current_dir(&repo).status();
        assert!(git.unwrap().success(), "git {args:?}");
    }

    // A first run: the files date from t0, the build outputs from a little later.
    let t0 = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    set_mtime(&a, t0);
    set_mtime(&b, t0);
    set_mtime(&fp.join("lib-mammo"), t0 + Duration::from_secs(60));
    let manifest = cache.join("ci-mtimes.json");
    let m = manifest.to_str().unwrap();
    let c = cache.to_str().unwrap();
    assert!(script(&repo, &["record", m, c]).contains("2 files"));

    // The next clean clone: every file is new, and b's content changed.
    let now = SystemTime::now();
    set_mtime(&a, now);
    fs::write(&b, "[package]\nname = \"x\"").unwrap();
    set_mtime(&b, now);
    let out = script(&repo, &["restore", m, c]);
    assert!(out.contains("1 files unchanged"), "{out}");
    assert_eq!(mtime(&a), t0, "the unchanged file gets its recorded time");
    assert_eq!(mtime(&b), now, "the changed file keeps the clone's time");
    assert!(!manifest.exists(), "restore consumes the manifest");

    // Without a manifest (a run that died half-way), nothing is touched.
    set_mtime(&a, now);
    assert!(script(&repo, &["restore", m, c]).contains("no build-time manifest"));
    assert_eq!(mtime(&a), now);

    // A build into the caches after the manifest was written: restore nothing.
    assert!(script(&repo, &["record", m, c]).contains("2 files"));
    let later = SystemTime::now() + Duration::from_secs(3600);
    set_mtime(&fp.join("lib-mammo"), later);
    let clone_time = now + Duration::from_secs(10);
    set_mtime(&a, clone_time);
    let out = script(&repo, &["restore", m, c]);
    assert!(out.contains("restoring no times"), "{out}");
    assert_eq!(mtime(&a), clone_time, "the recorded time is not restored");
    assert!(!manifest.exists());
}
