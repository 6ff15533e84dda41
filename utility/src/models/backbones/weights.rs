//! Backbone weights: loading torchvision's safetensors by variable name with every mismatch
//! reported, the default weights paths, and the deterministic test pattern shared with
//! `scripts/fixtures/make_backbone_fixtures.py`.
use super::*;
// ---------------------------------------------------------------------------------------------
// Weights
// ---------------------------------------------------------------------------------------------

/// What [`load_safetensors`] did.
#[derive(Debug, Clone)]
pub struct LoadedWeights {
    /// The file read.
    pub path: PathBuf,
    /// Number of model variables set from the file (all of them).
    pub loaded: usize,
    /// Tensors of the file that the backbone has no use for (classifier, `fc`, `AuxLogits`,
    /// `num_batches_tracked`), sorted.
    pub ignored: Vec<String>,
}

/// Whether a tensor of a torchvision state dict is outside the frozen backbone by design.
fn ignorable(name: &str) -> bool {
    name.starts_with("classifier.")
        || name.starts_with("fc.")
        || name.starts_with("AuxLogits.")
        || name.ends_with("num_batches_tracked")
}

/// Shape as `[64, 3, 3, 3]`.
fn shape(t: &[i64]) -> String {
    let dims: Vec<String> = t.iter().map(|d| d.to_string()).collect();
    format!("[{}]", dims.join(", "))
}

/// Set every variable of `vs` from a safetensors file with torchvision's names (as written by
/// `scripts/export_torchvision_weights.py`), converting to the variables' kind and device.
///
/// All or nothing: if any variable is missing from the file or has another shape, or the file
/// has tensors that belong to no part of the model, nothing is changed and one error lists every
/// missing tensor (name and model shape), every shape mismatch (file and model shapes) and the
/// unexpected tensors. Tensors of the classifier (`classifier.*`, `fc.*`), `AuxLogits.*` and
/// `num_batches_tracked` are ignored. A missing file is an error naming the path.
pub fn load_safetensors(vs: &mut nn::VarStore, path: impl AsRef<Path>) -> Result<LoadedWeights> {
    load_into(vs, path.as_ref(), "the model")
}

pub(crate) fn load_into(vs: &mut nn::VarStore, path: &Path, model: &str) -> Result<LoadedWeights> {
    if !path.is_file() {
        return Err(Error::bad_file(
            path,
            format!(
                "weights file not found (convert torchvision's file with `mammo weights import FILE`, \
                 see docs/WEIGHTS.md and {WEIGHTS_DIR}/)"
            ),
        ));
    }
    let tensors = Tensor::read_safetensors(path)
        .map_err(|e| Error::bad_file(path, format!("not a readable safetensors file: {e}")))?;
    let file: HashMap<String, Tensor> = tensors.into_iter().collect();
    let vars = vs.variables();
    let mut names: Vec<&String> = vars.keys().collect();
    names.sort();

    let mut missing = Vec::new();
    let mut mismatched = Vec::new();
    let mut pairs = Vec::with_capacity(names.len());
    for name in names {
        let var = &vars[name];
        match file.get(name) {
            None => missing.push(format!("{name} {}", shape(&var.size()))),
            Some(t) if t.size() != var.size() => mismatched.push(format!(
                "{name}: file {}, model {}",
                shape(&t.size()),
                shape(&var.size())
            )),
            Some(t) => pairs.push((var, t)),
        }
    }
    let mut ignored = Vec::new();
    let mut unexpected = Vec::new();
    let mut extra: Vec<&String> = file.keys().filter(|k| !vars.contains_key(*k)).collect();
    extra.sort();
    for name in extra {
        if ignorable(name) {
            ignored.push(name.clone());
        } else {
            unexpected.push(format!("{name} {}", shape(&file[name].size())));
        }
    }

    if !missing.is_empty() || !mismatched.is_empty() || !unexpected.is_empty() {
        let mut parts = Vec::new();
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        if !missing.is_empty() {
            parts.push(format!(
                "{}: {}",
                plural(missing.len(), "missing tensor", "missing tensors"),
                missing.join(", ")
            ));
        }
        if !mismatched.is_empty() {
            parts.push(format!(
                "{}: {}",
                plural(mismatched.len(), "shape mismatch", "shape mismatches"),
                mismatched.join(", ")
            ));
        }
        if !unexpected.is_empty() {
            const SHOWN: usize = 10;
            let more = unexpected.len().saturating_sub(SHOWN);
            let mut list = unexpected
                .iter()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if more > 0 {
                list.push_str(&format!(", ... and {more} more"));
            }
            parts.push(format!(
                "{}: {list}",
                plural(unexpected.len(), "unexpected tensor", "unexpected tensors")
            ));
        }
        return Err(Error::bad_file(
            path,
            format!("weights file does not fit {model}: {}", parts.join("; ")),
        ));
    }

    tch::no_grad(|| -> Result<()> {
        for (var, t) in &pairs {
            let mut var = var.shallow_clone();
            var.f_copy_(t)?;
        }
        Ok(())
    })?;
    Ok(LoadedWeights {
        path: path.to_path_buf(),
        loaded: pairs.len(),
        ignored,
    })
}

/// `root/data/weights/vgg16.safetensors` or `root/data/weights/inception_v3.safetensors`.
pub fn default_weights_path(root: impl AsRef<Path>, kind: BackboneKind) -> PathBuf {
    root.as_ref()
        .join(WEIGHTS_DIR)
        .join(kind.weights_file_name())
}

/// The default weights file of `kind` under the project `root` if it is present; `None` means
/// the caller has only random weights and must say so loudly.
///
/// When the file is missing but torchvision's checkpoint of `kind` is in a torch hub cache
/// folder ([`super::torchvision::torch_hub_dirs`]; `MAMMO_TORCH_HUB=DIR` looks only in `DIR`,
/// `MAMMO_TORCH_HUB=off` nowhere), it is converted into the default file first, once, with a
/// notice; a conversion that fails is a notice too, and the backbone stays random.
pub fn find_default_weights(root: impl AsRef<Path>, kind: BackboneKind) -> Option<PathBuf> {
    let root = root.as_ref();
    let p = default_weights_path(root, kind);
    if p.is_file() {
        return Some(p);
    }
    let src = super::torchvision::find_in_torch_hub(kind)?;
    match super::torchvision::import_torchvision(&src, Some(kind), root, None) {
        Ok(w) => {
            crate::display::notice(&format!(
                "{}: converted torchvision's ImageNet weights from the torch hub cache ({}) into {} (once)",
                kind.name(),
                src.display(),
                w.out.display()
            ));
            Some(w.out)
        }
        Err(e) => {
            crate::display::notice(&format!(
                "{}: found {} in the torch hub cache but could not convert it: {e}",
                kind.name(),
                src.display()
            ));
            None
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Deterministic test pattern (parity with scripts/fixtures/make_backbone_fixtures.py)
// ---------------------------------------------------------------------------------------------

/// Seed of a tensor's test pattern: `sum((j + 1) * b_j)` over the UTF-8 bytes `b_j` of its name.
pub fn test_pattern_seed(name: &str) -> u64 {
    name.bytes()
        .enumerate()
        .map(|(j, b)| (j as u64 + 1) * u64::from(b))
        .sum()
}

/// Element `i` of the pattern with `seed`: a value in `[-1, 1)` from an integer hash, exact in
/// any language with 64-bit unsigned integers (all arithmetic modulo 2^32 after each step):
///
/// ```text
/// x = (i * 2654435761 + seed * 40503 + 12345) mod 2^32
/// 3 times: x ^= x >> 16; x = (x * 0x45d9f3b) mod 2^32      then x ^= x >> 16
/// v = x / 2^32 * 2 - 1                                     (float64)
/// ```
pub fn test_pattern_value(seed: u64, i: u64) -> f64 {
    const M: u64 = 0xFFFF_FFFF;
    let mut x = (i.wrapping_mul(2_654_435_761))
        .wrapping_add(seed.wrapping_mul(40_503))
        .wrapping_add(12_345)
        & M;
    for _ in 0..3 {
        x ^= x >> 16;
        x = x.wrapping_mul(0x045d_9f3b) & M;
    }
    x ^= x >> 16;
    x as f64 / 4_294_967_296.0 * 2.0 - 1.0
}

/// The test pattern of one tensor, as float32, in row-major order. With `v = `
/// [`test_pattern_value`]`(`[`test_pattern_seed`]`(name), i)`, element `i` is (float64, then
/// rounded to float32):
///
/// - `*running_mean`: `0.1 v`
/// - `*running_var`: `1 + 0.2 v` (in `[0.8, 1.2)`)
/// - weights with 2 or more dims (conv, linear): `sqrt(6 / fan_in) v`, `fan_in = prod(shape[1..])`
///   (He-uniform scale: activations keep their size through ReLU layers)
/// - 1-dim `*weight` (batch-norm gamma): `1 + 0.1 v`
/// - `*bias`: `0.1 v`
/// - anything else: `v`
pub fn test_pattern(name: &str, shape: &[i64]) -> Vec<f32> {
    let n: i64 = shape.iter().product();
    let seed = test_pattern_seed(name);
    let (scale, offset) = if name.ends_with("running_mean") {
        (0.1, 0.0)
    } else if name.ends_with("running_var") {
        (0.2, 1.0)
    } else if shape.len() >= 2 {
        let fan_in: i64 = shape[1..].iter().product();
        ((6.0 / fan_in as f64).sqrt(), 0.0)
    } else if name.ends_with("weight") {
        (0.1, 1.0)
    } else if name.ends_with("bias") {
        (0.1, 0.0)
    } else {
        (1.0, 0.0)
    };
    (0..n.max(0) as u64)
        .map(|i| (offset + scale * test_pattern_value(seed, i)) as f32)
        .collect()
}

/// Overwrite every variable of `vs` (parameters and batch-norm running statistics) with
/// [`test_pattern`], the same values `scripts/fixtures/make_backbone_fixtures.py` gives the
/// torchvision models, so both produce comparable features without real weights.
pub fn fill_with_test_pattern(vs: &nn::VarStore) -> Result<()> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| -> Result<()> {
        for (name, var) in &mut vars {
            let size = var.size();
            let values =
                Tensor::f_from_slice(&test_pattern(name, &size))?.f_view(size.as_slice())?;
            var.f_copy_(&values)?;
        }
        Ok(())
    })
}
