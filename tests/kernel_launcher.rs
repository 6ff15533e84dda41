//! The notebook kernel launcher (`scripts/evcxr-kernel.sh`): each kernel gets a build slot of its
//! own, and the slot starts from the workspace's Cargo.lock, so that notebooks build mammo with
//! exactly the dependency versions the CLI and the tests use.
mod common;

use std::process::Command;

#[test]
fn a_kernel_gets_a_build_slot_that_starts_from_the_workspace_lock() {
    let tmp = tempfile::tempdir().unwrap();
    // A stand-in for evcxr_jupyter: records the build dir it was given and its arguments.
    let fake = tmp.path().join("fake-evcxr.sh");
    let record = tmp.path().join("record.txt");
    std::fs::write(
        &fake,
        format!(
            "#!/bin/sh\necho \"$EVCXR_TMPDIR $*\" > '{}'\n",
            record.display()
        ),
    )
    .unwrap();
    let mut perm = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
    std::fs::set_permissions(&fake, perm).unwrap();
    let slots = tmp.path().join("slots");
    let launch = || {
        let o = Command::new("bash")
            .arg(common::root().join("scripts/evcxr-kernel.sh"))
            .arg("conn.json")
            .env("MAMMO_EVCXR", &fake)
            .env("MAMMO_EVCXR_DIR", &slots)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", common::stderr(&o));
        std::fs::read_to_string(&record).unwrap()
    };
    let rec = launch();
    let slot0 = slots.join("slot-0");
    assert_eq!(
        rec.trim(),
        format!("{} --control_file conn.json", slot0.display())
    );
    let workspace_lock = std::fs::read(common::root().join("Cargo.lock")).unwrap();
    assert_eq!(
        std::fs::read(slot0.join("Cargo.lock")).unwrap(),
        workspace_lock
    );
    // A lock the slot's own build changed (or an older one) is replaced at the next start.
    std::fs::write(slot0.join("Cargo.lock"), "# stale\n").unwrap();
    launch();
    assert_eq!(
        std::fs::read(slot0.join("Cargo.lock")).unwrap(),
        workspace_lock
    );
}
