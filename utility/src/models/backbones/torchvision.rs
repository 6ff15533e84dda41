//! ImageNet weights from where users already have them: torchvision's own checkpoint files
//! (`vgg16-397923af.pth`, `inception_v3_google-0cc3c7bd.pth`), as torch hub caches them, turned
//! into the float32 safetensors mammo's backbones load (`data/weights/*.safetensors`), with no
//! Python and no download.
//!
//! The `.pth` files are read by `pytorch-reader` (from the burn project), which reads both of
//! torch's containers: the zip archive of torch >= 1.6 and the legacy pickle stream of older
//! releases (torchvision's 2017 VGG16 file is one). The file's SHA-256 is checked against the
//! prefix in its name (`-397923af.`), as `torch.hub` does, so a truncated or altered download is
//! refused. The converted file is checked by loading it into the backbone before it replaces
//! anything.
use super::{default_weights_path, Backbone, BackboneKind};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

/// torchvision's file names of the ImageNet weights mammo uses (torchvision >= 0.13).
pub fn torchvision_file_name(kind: BackboneKind) -> &'static str {
    match kind {
        BackboneKind::Vgg16 => "vgg16-397923af.pth",
        BackboneKind::InceptionV3 => "inception_v3_google-0cc3c7bd.pth",
    }
}

/// The prefix of torchvision's file names for `kind` (any hash: older and newer releases).
fn file_stem_prefix(kind: BackboneKind) -> &'static str {
    match kind {
        BackboneKind::Vgg16 => "vgg16-",
        BackboneKind::InceptionV3 => "inception_v3_google-",
    }
}

/// The folders torch hub caches checkpoints in, in the order torch looks:
/// `$TORCH_HOME/hub/checkpoints`, `$XDG_CACHE_HOME/torch/hub/checkpoints`,
/// `~/.cache/torch/hub/checkpoints`; only `DIR` when `MAMMO_TORCH_HUB=DIR`, none when it is
/// `off`.
pub fn torch_hub_dirs() -> Vec<PathBuf> {
    match std::env::var("MAMMO_TORCH_HUB") {
        Ok(v) if v.eq_ignore_ascii_case("off") || v.is_empty() => return Vec::new(),
        Ok(v) => return vec![PathBuf::from(v)],
        Err(_) => {}
    }
    let mut out = Vec::new();
    if let Some(t) = std::env::var_os("TORCH_HOME").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(t).join("hub/checkpoints"));
    }
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(x).join("torch/hub/checkpoints"));
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        out.push(PathBuf::from(h).join(".cache/torch/hub/checkpoints"));
    }
    out.dedup();
    out
}

/// torchvision's checkpoint of `kind` in a torch hub cache folder, if there is one (the
/// current file name first, then any `vgg16-*.pth` / `inception_v3_google-*.pth`).
pub fn find_in_torch_hub(kind: BackboneKind) -> Option<PathBuf> {
    for dir in torch_hub_dirs() {
        let exact = dir.join(torchvision_file_name(kind));
        if exact.is_file() {
            return Some(exact);
        }
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut other: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                n.starts_with(file_stem_prefix(kind)) && n.ends_with(".pth")
            })
            .collect();
        other.sort();
        if let Some(p) = other.into_iter().next() {
            return Some(p);
        }
    }
    None
}

/// The backbone a torchvision file is for: by its name, else by its tensor names.
pub fn kind_of(path: &Path, names: &[String]) -> Option<BackboneKind> {
    let n = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if n.starts_with("vgg16") {
        return Some(BackboneKind::Vgg16);
    }
    if n.starts_with("inception_v3") {
        return Some(BackboneKind::InceptionV3);
    }
    if names.iter().any(|k| k.starts_with("Mixed_5b.")) {
        Some(BackboneKind::InceptionV3)
    } else if names.iter().any(|k| k == "features.28.weight") {
        Some(BackboneKind::Vgg16)
    } else {
        None
    }
}

/// The hash prefix torch hub names a file with (`vgg16-397923af.pth` -> `397923af`), if any.
pub fn hash_prefix(path: &Path) -> Option<String> {
    let n = path.file_name()?.to_string_lossy().into_owned();
    let stem = n.strip_suffix(".pth").or_else(|| n.strip_suffix(".pt"))?;
    let h = stem.rsplit('-').next()?;
    (h.len() >= 6 && h.len() < stem.len() && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| h.to_ascii_lowercase())
}

/// What [`import_torchvision`] did.
#[derive(Debug, Clone)]
pub struct ImportedWeights {
    pub kind: BackboneKind,
    pub source: PathBuf,
    pub source_sha256: String,
    /// Whether the name's hash prefix was there and matched.
    pub hash_checked: bool,
    pub out: PathBuf,
    /// Tensors written (float32), and the backbone variables set from them when checked.
    pub tensors: usize,
    pub loaded: usize,
}

fn kind_of_dtype(d: pytorch_reader::DType) -> Kind {
    use pytorch_reader::DType as D;
    match d {
        D::F64 => Kind::Double,
        D::F32 => Kind::Float,
        D::F16 => Kind::Half,
        D::BF16 => Kind::BFloat16,
        D::I64 | D::U64 => Kind::Int64,
        D::I32 | D::U32 => Kind::Int,
        D::I16 | D::U16 => Kind::Int16,
        D::I8 => Kind::Int8,
        D::U8 => Kind::Uint8,
        D::Bool => Kind::Bool,
    }
}

/// Every tensor of a PyTorch checkpoint, floating point ones as float32, in name order.
pub fn read_checkpoint(path: &Path) -> Result<Vec<(String, Tensor)>> {
    if !path.is_file() {
        return Err(Error::bad_file(path, "file not found"));
    }
    let reader = pytorch_reader::PytorchReader::new(path)
        .map_err(|e| Error::bad_file(path, format!("not a readable PyTorch checkpoint: {e}")))?;
    let mut names = reader.keys();
    names.sort();
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let Some(t) = reader.get(&name) else { continue };
        let bytes = t
            .read()
            .map_err(|e| Error::bad_file(path, format!("tensor '{name}': {e}")))?;
        let u = t.dtype();
        // Unsigned 64/32/16-bit tensors do not occur in state dicts; refuse rather than wrap.
        if matches!(
            u,
            pytorch_reader::DType::U64 | pytorch_reader::DType::U32 | pytorch_reader::DType::U16
        ) {
            return Err(Error::bad_file(
                path,
                format!("tensor '{name}': unsigned {u:?} is not supported"),
            ));
        }
        let shape: Vec<i64> = t.shape().iter().map(|&d| d as i64).collect();
        let kind = kind_of_dtype(u);
        let x = Tensor::f_from_data_size(&bytes, &shape, kind)
            .map_err(|e| Error::bad_file(path, format!("tensor '{name}': {e}")))?;
        let float = matches!(
            kind,
            Kind::Double | Kind::Float | Kind::Half | Kind::BFloat16
        );
        let x = if float { x.to_kind(Kind::Float) } else { x };
        out.push((name, x));
    }
    Ok(out)
}

/// Convert torchvision's checkpoint `src` into mammo's weights file for its backbone:
/// `out` (default: `root/data/weights/<kind>.safetensors`). The name's hash prefix, when there
/// is one, must match the file's SHA-256; the result must load into the backbone. Written
/// through a temporary file: a failure leaves any earlier weights file as it was.
pub fn import_torchvision(
    src: &Path,
    kind: Option<BackboneKind>,
    root: &Path,
    out: Option<&Path>,
) -> Result<ImportedWeights> {
    let sha = crate::fsx::sha256_file(src)?;
    let prefix = hash_prefix(src);
    if let Some(p) = &prefix {
        if !sha.starts_with(p.as_str()) {
            return Err(Error::bad_file(
                src,
                format!(
                    "its SHA-256 starts {} but its name says {p}: the download is incomplete or altered (download it again)",
                    &sha[..p.len().min(sha.len())]
                ),
            ));
        }
    }
    let tensors = read_checkpoint(src)?;
    let names: Vec<String> = tensors.iter().map(|(n, _)| n.clone()).collect();
    let kind = match kind.or_else(|| kind_of(src, &names)) {
        Some(k) => k,
        None => {
            return Err(Error::bad_file(
                src,
                "neither VGG16 nor InceptionV3 weights (no features.28.weight or Mixed_5b.* tensors): pass --model",
            ))
        }
    };
    let out = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_weights_path(root, kind));
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let mut loaded = 0;
    crate::fsx::write_via_temp(&out, |tmp| {
        let refs: Vec<(&str, &Tensor)> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        Tensor::write_safetensors(&refs, tmp)
            .map_err(|e| Error::bad_file(tmp, format!("cannot write safetensors: {e}")))?;
        // The check: every backbone variable set, with the right shape, from the new file.
        let mut b = Backbone::new(kind, kind.cuts()[0], Device::Cpu)?;
        loaded = b
            .load_safetensors(tmp)
            .map_err(|e| {
                Error::bad_file(src, format!("does not fit mammo's {}: {e}", kind.name()))
            })?
            .loaded;
        Ok(())
    })?;
    Ok(ImportedWeights {
        kind,
        source: src.to_path_buf(),
        source_sha256: sha,
        hash_checked: prefix.is_some(),
        out,
        tensors: tensors.len(),
        loaded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/pth")
            .join(name)
    }

    /// pytorch-reader on torch's containers as `torch.save` writes them (tests/fixtures/pth, made
    /// by scripts/fixtures/make_pth_fixtures.py and read back there the way torch's own loader
    /// does): every tensor's name, shape and values, strided views and shared storages included.
    #[test]
    fn checkpoints_in_every_container_read_as_torch_reads_them() {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(fixture("expected.json")).unwrap())
                .unwrap();
        let mut files: Vec<(String, &serde_json::Value)> = doc["files"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v))
            .collect();
        for (name, v) in doc["deflated"].as_object().unwrap() {
            let same = v["same_tensors_as"].as_str().unwrap();
            files.push((name.clone(), &doc["files"][same]));
        }
        assert_eq!(files.len(), 5);
        for (file, want) in files {
            let got = read_checkpoint(&fixture(&file)).unwrap();
            let mut expected: Vec<&serde_json::Value> =
                want["tensors"].as_array().unwrap().iter().collect();
            expected.sort_by_key(|t| t["name"].as_str().unwrap().to_string());
            assert_eq!(got.len(), expected.len(), "{file}");
            for ((name, t), e) in got.iter().zip(expected) {
                assert_eq!(name, e["name"].as_str().unwrap(), "{file}");
                let shape: Vec<i64> = e["shape"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|d| d.as_i64().unwrap())
                    .collect();
                assert_eq!(t.size(), shape, "{file} {name}");
                let vals: Vec<f64> = Vec::try_from(t.to_kind(Kind::Double).flatten(0, -1)).unwrap();
                let want: Vec<f64> = e["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap())
                    .collect();
                assert_eq!(vals, want, "{file} {name}");
            }
        }
    }

    #[test]
    fn names_say_the_backbone_and_the_hash() {
        assert_eq!(
            hash_prefix(Path::new("/c/vgg16-397923af.pth")).as_deref(),
            Some("397923af")
        );
        assert_eq!(
            hash_prefix(Path::new("inception_v3_google-0cc3c7bd.pth")).as_deref(),
            Some("0cc3c7bd")
        );
        assert_eq!(hash_prefix(Path::new("my_weights.pth")), None);
        assert_eq!(hash_prefix(Path::new("vgg16-final.pth")), None);
        assert_eq!(
            kind_of(Path::new("vgg16-397923af.pth"), &[]),
            Some(BackboneKind::Vgg16)
        );
        assert_eq!(
            kind_of(
                Path::new("w.pth"),
                &["Mixed_5b.branch1x1.conv.weight".into()]
            ),
            Some(BackboneKind::InceptionV3)
        );
        assert_eq!(kind_of(Path::new("w.pth"), &["conv.weight".into()]), None);
    }

    #[test]
    fn a_checkpoint_of_something_else_is_refused_and_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("vgg16.safetensors");
        let e = import_torchvision(&fixture("tiny_zip.pth"), None, dir.path(), Some(&out))
            .unwrap_err()
            .to_string();
        assert!(e.contains("neither VGG16 nor InceptionV3"), "{e}");
        let e = import_torchvision(
            &fixture("tiny_zip.pth"),
            Some(BackboneKind::Vgg16),
            dir.path(),
            Some(&out),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("does not fit mammo's vgg16"), "{e}");
        assert!(!out.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temporary file left"
        );
    }
}
