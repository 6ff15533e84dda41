//! `mammo weights import` end to end: torchvision-shaped checkpoints (the real files' names,
//! shapes, containers and extra tensors, filled with mammo's test pattern) written by
//! `scripts/fixtures/make_torchvision_checkpoint.py` with numpy only, converted by mammo, and
//! loaded into the backbones bit for bit; the torch hub cache found by itself.
mod common;

use mammo::models::backbones::{Backbone, BackboneKind};
use std::path::{Path, PathBuf};
use tch::Device;

fn backbone(kind: BackboneKind) -> Backbone {
    Backbone::new(kind, kind.cuts()[0], Device::Cpu).unwrap()
}

/// Write a torchvision-shaped checkpoint of `kind` into `dir`; returns its path.
fn checkpoint(kind: BackboneKind, dir: &Path, format: &str) -> PathBuf {
    let b = backbone(kind);
    let mut spec: Vec<(String, Vec<i64>)> = b
        .var_store()
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.size()))
        .collect();
    spec.sort();
    let spec_path = dir.join(format!("{}-spec.json", kind.name()));
    std::fs::write(&spec_path, serde_json::to_string(&spec).unwrap()).unwrap();
    let py = common::root().join(".venv/bin/python");
    assert!(py.is_file(), "{} missing: run make setup", py.display());
    let name = match kind {
        BackboneKind::Vgg16 => "vgg16",
        BackboneKind::InceptionV3 => "inception_v3_google",
    };
    let out = std::process::Command::new(py)
        .arg(common::root().join("scripts/fixtures/make_torchvision_checkpoint.py"))
        .arg(&spec_path)
        .arg(dir)
        .args(["--name", name, "--format", format])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// Every variable of the backbone loaded from `file` equals mammo's test pattern exactly.
fn assert_is_pattern(kind: BackboneKind, file: &Path) {
    let mut loaded = backbone(kind);
    loaded.load_safetensors(file).unwrap();
    let want = backbone(kind);
    mammo::models::backbones::fill_with_test_pattern(want.var_store()).unwrap();
    let (a, b) = (loaded.var_store().variables(), want.var_store().variables());
    assert_eq!(a.len(), b.len());
    for (name, t) in &a {
        assert!(t.equal(&b[name]), "{name} differs from the pattern");
    }
}

#[test]
fn weights_import_converts_torchvision_files_in_both_containers() {
    let tmp = tempfile::tempdir().unwrap();
    for (kind, format) in [
        (BackboneKind::Vgg16, "legacy"),
        (BackboneKind::InceptionV3, "zip"),
    ] {
        let src = checkpoint(kind, tmp.path(), format);
        let out = tmp.path().join(format!("w/{}", kind.weights_file_name()));
        let o = common::run_ok(
            common::mammo()
                .args(["weights", "import"])
                .arg(&src)
                .arg("--out")
                .arg(&out),
        );
        let so = common::stdout(&o);
        assert!(so.contains("matches the prefix in the file name"), "{so}");
        assert!(so.contains(&format!("{} weights", kind.name())), "{so}");
        assert_is_pattern(kind, &out);
    }
}

#[test]
fn a_file_whose_hash_does_not_match_its_name_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let src = checkpoint(BackboneKind::Vgg16, tmp.path(), "legacy");
    let bad = tmp.path().join("vgg16-00000000.pth");
    std::fs::copy(&src, &bad).unwrap();
    let out = tmp.path().join("w.safetensors");
    let e = common::run_bad_input(
        common::mammo()
            .args(["weights", "import"])
            .arg(&bad)
            .arg("--out")
            .arg(&out),
    );
    assert!(
        e.contains("vgg16-00000000.pth") && e.contains("incomplete or altered"),
        "{e}"
    );
    assert!(!out.exists());
    // Not a checkpoint at all.
    let junk = tmp.path().join("junk.pth");
    std::fs::write(&junk, b"\x89PNG\r\n\x1a\n not weights").unwrap();
    let e = common::run_bad_input(common::mammo().args(["weights", "import"]).arg(&junk));
    assert!(e.contains("not a readable PyTorch checkpoint"), "{e}");
}

#[test]
fn the_torch_hub_cache_is_found_and_converted_on_first_use() {
    let tmp = tempfile::tempdir().unwrap();
    let hub = tmp.path().join("hub");
    std::fs::create_dir_all(&hub).unwrap();
    checkpoint(BackboneKind::Vgg16, &hub, "legacy");
    let root = tmp.path().join("project");
    std::fs::create_dir_all(&root).unwrap();
    // doctor says where the weights will come from, and converts nothing.
    let o = common::run_ok(
        common::mammo()
            .env("MAMMO_ROOT", &root)
            .env("MAMMO_TORCH_HUB", &hub)
            .arg("doctor"),
    );
    let so = common::stdout(&o);
    assert!(so.contains("torch hub cache: converted to"), "{so}");
    assert!(so.contains("inception-v3: none: RANDOM backbone"), "{so}");
    let converted = root.join("data/weights/vgg16.safetensors");
    assert!(!converted.exists());
    // The first command that needs VGG16 converts it, once.
    let x = tmp.path().join("x.npy");
    mammo::data::npy::write(&x, &[1, 32, 32], &vec![30000u16; 32 * 32]).unwrap();
    let o = common::run_ok(
        common::mammo()
            .env("MAMMO_ROOT", &root)
            .env("MAMMO_TORCH_HUB", &hub)
            .args([
                "features", "--model", "vgg16", "--cut", "block5", "--device", "cpu", "--input",
            ])
            .arg(&x)
            .arg("--out")
            .arg(tmp.path().join("f.npy")),
    );
    assert!(
        common::stderr(&o).contains("converted torchvision's ImageNet weights"),
        "{}",
        common::stderr(&o)
    );
    assert_is_pattern(BackboneKind::Vgg16, &converted);
}

/// `mammo features --precision bf16` computes the backbone in bf16 and writes float32 features
/// of the same shape as in fp32, saying which precision it used; an unknown precision is a usage
/// error naming it.
#[test]
fn features_in_bf16_are_float32_of_the_same_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let x = tmp.path().join("x.npy");
    let pixels: Vec<u16> = (0..2 * 80 * 80)
        .map(|i| (i * 7919 % 65536) as u16)
        .collect();
    mammo::data::npy::write(&x, &[2, 80, 80], &pixels).unwrap();
    for p in ["fp32", "bf16"] {
        let out = tmp.path().join(format!("{p}.npy"));
        let o = common::run_ok(
            common::mammo()
                .args(["features", "--model", "inception-v3", "--device", "cpu"])
                .args(["--precision", p, "--input"])
                .arg(&x)
                .arg("--out")
                .arg(&out),
        );
        let so = common::stdout(&o);
        assert!(so.contains(&format!("computed in {p}")), "{so}");
        let f = mammo::data::npy::read::<f32>(&out).unwrap();
        assert_eq!(f.shape(), [2, 2048, 1, 1]);
        assert!(f.iter().all(|v| v.is_finite()));
    }
    let msg = common::run_bad_input(
        common::mammo()
            .args([
                "features",
                "--model",
                "vgg16",
                "--precision",
                "fp16",
                "--input",
            ])
            .arg(&x)
            .arg("--out")
            .arg(tmp.path().join("f.npy")),
    );
    assert!(msg.contains("fp16"), "{msg}");
}
