//! Checkpoints: the whole training state after the last finished epoch (weights, optimizer state,
//! history, RNG position), written atomically, read back to resume to the uninterrupted result.
use super::classifier::Classifier;
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};
use tch::{nn, Tensor};
/// The file in a run folder that holds the training state after the last finished epoch.
pub const CHECKPOINT: &str = "checkpoint.safetensors";

/// Training state saved after every epoch (one file, written atomically): current weights,
/// the best epoch's weights, optimizer state, and the bookkeeping below (as JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct CheckpointMeta {
    /// Last finished epoch.
    pub(crate) epoch: usize,
    /// Best monitored score so far (`None`: NaN) and its epoch.
    pub(crate) best_score: Option<f64>,
    pub(crate) best_epoch: Option<usize>,
    pub(crate) since_best: usize,
    pub(crate) history_csv: String,
    pub(crate) stopped_early: bool,
    pub(crate) seconds: f64,
}

pub(crate) struct Resume {
    pub(crate) meta: CheckpointMeta,
    pub(crate) tensors: std::collections::HashMap<String, Tensor>,
    pub(crate) path: PathBuf,
}

pub(crate) fn write_checkpoint(
    dir: &Path,
    model: &Classifier,
    best: &[(String, Tensor)],
    opt: &crate::train::optim::Optimizer,
    meta: &CheckpointMeta,
) -> Result<()> {
    let path = dir.join(CHECKPOINT);
    let json = serde_json::to_vec(meta).map_err(|e| Error::Other(format!("checkpoint: {e}")))?;
    let mut named: Vec<(String, Tensor)> = snapshot(&model.vs)
        .into_iter()
        .map(|(n, t)| (format!("model/{n}"), t))
        .collect();
    named.extend(
        best.iter()
            .map(|(n, t)| (format!("best/{n}"), t.shallow_clone())),
    );
    named.extend(opt.state());
    named.push(("meta/json".into(), Tensor::from_slice(&json)));
    // safetensors holds dense row-major data: channels-last weights and moments are copied so.
    let named: Vec<(String, Tensor)> = named
        .into_iter()
        .map(|(n, t)| (n, t.contiguous()))
        .collect();
    // A failed write (a full disk) leaves the previous checkpoint, which --resume accepts.
    crate::fsx::write_via_temp(&path, |tmp| {
        Tensor::write_safetensors(&named, tmp).map_err(|e| Error::bad_file(tmp, e.to_string()))
    })
}

pub(crate) fn read_checkpoint(dir: &Path) -> Result<Resume> {
    let path = dir.join(CHECKPOINT);
    if !path.exists() {
        return Err(Error::bad_file(
            dir,
            format!("no {CHECKPOINT}: the run never finished an epoch, start it again"),
        ));
    }
    let tensors: std::collections::HashMap<String, Tensor> = Tensor::read_safetensors(&path)
        .map_err(|e| Error::bad_file(&path, format!("not a readable checkpoint: {e}")))?
        .into_iter()
        .collect();
    let json = tensors
        .get("meta/json")
        .ok_or_else(|| Error::bad_file(&path, "not a mammo checkpoint (meta/json missing)"))?;
    let bytes =
        Vec::<u8>::try_from(json).map_err(|e| Error::bad_file(&path, format!("meta/json: {e}")))?;
    let meta: CheckpointMeta = serde_json::from_slice(&bytes)
        .map_err(|e| Error::bad_file(&path, format!("meta/json: {e}")))?;
    Ok(Resume {
        meta,
        tensors,
        path,
    })
}

/// Copy `prefix`-named tensors of a checkpoint into a model's variables (all must be there).
pub(crate) fn load_prefixed(
    vs: &nn::VarStore,
    tensors: &std::collections::HashMap<String, Tensor>,
    prefix: &str,
    path: &Path,
) -> Result<Vec<(String, Tensor)>> {
    let mut out = Vec::new();
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    for (n, v) in vars {
        let t = tensors.get(&format!("{prefix}{n}")).ok_or_else(|| {
            Error::bad_file(
                path,
                format!("{prefix}{n} missing: the checkpoint is of another model"),
            )
        })?;
        if t.size() != v.size() {
            return Err(Error::bad_file(
                path,
                format!("{prefix}{n}: shape {:?}, model {:?}", t.size(), v.size()),
            ));
        }
        out.push((n, t.to_device(v.device()).to_kind(v.kind())));
    }
    Ok(out)
}

pub(crate) fn snapshot(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let _g = tch::no_grad_guard();
    let mut v: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.detach().copy()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

pub(crate) fn restore(vs: &nn::VarStore, w: &[(String, Tensor)]) {
    let _g = tch::no_grad_guard();
    let mut vars = vs.variables();
    for (n, t) in w {
        if let Some(v) = vars.get_mut(n) {
            v.copy_(t);
        }
    }
}
