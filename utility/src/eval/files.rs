//! The run folder's files: `config.json`, `metrics.json`, `history.csv`, `predictions.csv`, the
//! weights record, read back as a [`SavedRun`].
use super::*;
use crate::error::{Error, Result};
use crate::models::pretrained::WeightsRecord;
use crate::train::config::TrainConfig;
use crate::train::History;
use std::path::Path;
fn json_err(e: serde_json::Error) -> Error {
    Error::Other(format!("JSON: {e}"))
}

/// Write a run's configuration (`config.json`, atomically).
pub fn write_config(dir: &Path, cfg: &TrainConfig) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    crate::fsx::write_bytes_atomic(
        dir.join("config.json"),
        serde_json::to_string_pretty(cfg)
            .map_err(json_err)?
            .as_bytes(),
    )
}

/// Read a run folder's configuration (`config.json`), naming the folder or file when it is
/// missing or not a mammo configuration.
pub fn read_config(dir: &Path) -> Result<TrainConfig> {
    let cfg_path = dir.join("config.json");
    if !cfg_path.exists() {
        return Err(Error::bad_file(
            dir,
            "not a run folder: config.json is missing",
        ));
    }
    serde_json::from_slice(&crate::fsx::read_bytes(&cfg_path)?)
        .map_err(|e| Error::bad_file(&cfg_path, format!("not a mammo run config: {e}")))
}

/// `metrics.json`: the run's metrics, then how its threshold was chosen and (pretrained models)
/// which backbone weights it used.
#[derive(serde::Serialize)]
struct MetricsFile<'a> {
    #[serde(flatten)]
    metrics: &'a RunMetrics,
    /// The class names in label order (class 1 the positive class of a binary task).
    classes: Vec<String>,
    threshold_policy: ThresholdChoice,
    #[serde(skip_serializing_if = "Option::is_none")]
    weights: Option<&'a WeightsRecord>,
}

/// The text of a run's `metrics.json`: `task`, `validation`, `test` ([`RunMetrics`]), then
/// `classes` (the class names in label order), `threshold_policy` ([`threshold_choice`] of `cfg.threshold`) and, when given, `weights`.
pub fn metrics_json(
    cfg: &TrainConfig,
    m: &RunMetrics,
    weights: Option<&WeightsRecord>,
) -> Result<String> {
    serde_json::to_string_pretty(&MetricsFile {
        metrics: m,
        classes: cfg.data.class_names(),
        threshold_policy: threshold_choice(cfg.optim.threshold, m.task, &m.validation),
        weights,
    })
    .map_err(json_err)
}

/// Write a run's files into `dir` (each atomically): config.json, history.csv, predictions.csv,
/// and last metrics.json ([`metrics_json`]), whose presence marks a complete run (the weights
/// are written during training). `weights`: the backbone weights a pretrained run used
/// (`None` for the scratch and Siamese models and ensembles).
pub fn write_run(
    dir: &Path,
    cfg: &TrainConfig,
    history: Option<&History>,
    preds: &Predictions,
    m: &RunMetrics,
    weights: Option<&WeightsRecord>,
) -> Result<()> {
    write_config(dir, cfg)?;
    if let Some(h) = history {
        crate::fsx::write_bytes_atomic(dir.join("history.csv"), h.to_csv().as_bytes())?;
    }
    crate::fsx::write_bytes_atomic(dir.join("predictions.csv"), preds.to_csv().as_bytes())?;
    crate::fsx::write_bytes_atomic(
        dir.join("metrics.json"),
        metrics_json(cfg, m, weights)?.as_bytes(),
    )
}

/// The backbone weights recorded in a run folder's `metrics.json` (`None` when it has none: a
/// scratch or Siamese run, an ensemble, an unfinished run, or one saved before weights were
/// recorded).
pub fn read_weights(dir: &Path) -> Result<Option<WeightsRecord>> {
    let mp = dir.join("metrics.json");
    if !mp.exists() {
        return Ok(None);
    }
    let v: serde_json::Value = serde_json::from_slice(&crate::fsx::read_bytes(&mp)?)
        .map_err(|e| Error::bad_file(&mp, format!("unreadable metrics: {e}")))?;
    match v.get("weights") {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(w) => serde_json::from_value(w.clone())
            .map(Some)
            .map_err(|e| Error::bad_file(&mp, format!("unreadable weights record: {e}"))),
    }
}

/// A saved run, read back from its folder.
#[derive(Debug, Clone)]
pub struct SavedRun {
    pub dir: std::path::PathBuf,
    pub config: TrainConfig,
    pub predictions: Predictions,
    pub metrics: Option<RunMetrics>,
    pub history: Option<History>,
}

impl SavedRun {
    pub fn load(dir: impl AsRef<Path>) -> Result<SavedRun> {
        let dir = dir.as_ref();
        if !dir.is_dir() {
            return Err(Error::bad_file(dir, "not a run folder (no such folder)"));
        }
        let config = read_config(dir)?;
        let pp = dir.join("predictions.csv");
        let text = String::from_utf8(crate::fsx::read_bytes(&pp)?)
            .map_err(|_| Error::bad_file(&pp, "not UTF-8 text"))?;
        let predictions = Predictions::from_csv(config.data.task, &text, &pp)?;
        let mp = dir.join("metrics.json");
        let metrics = if mp.exists() {
            Some(
                serde_json::from_slice(&crate::fsx::read_bytes(&mp)?)
                    .map_err(|e| Error::bad_file(&mp, format!("unreadable metrics: {e}")))?,
            )
        } else {
            None
        };
        let hp = dir.join("history.csv");
        let history = if hp.exists() {
            let t = String::from_utf8(crate::fsx::read_bytes(&hp)?)
                .map_err(|_| Error::bad_file(&hp, "not UTF-8 text"))?;
            let mut h = History::from_csv(&t, &hp)?;
            h.infer_best(config.optim.monitor, config.optim.epochs);
            Some(h)
        } else {
            None
        };
        Ok(SavedRun {
            dir: dir.to_path_buf(),
            config,
            predictions,
            metrics,
            history,
        })
    }
}
