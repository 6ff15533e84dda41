//! Training: build the model of a [`TrainConfig`], fit it with a seeded, reproducible loop,
//! keep the best epoch's weights, predict, and save the run.
use crate::augment::Augment;
use crate::batch::{make_batch, Batches};
use crate::config::{ModelKind, Monitor, TrainConfig};
use crate::dataset::{Dataset, PairedSet};
use crate::error::{Error, Result};
use crate::models::{ScratchCnn, ScratchConfig, SiameseConfig, SiameseNet, Summary};
use crate::tasks::{self, Sample, Task};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{nn, Device, Kind, Tensor};

/// The network of a run.
#[derive(Debug)]
pub enum Net {
    Scratch(ScratchCnn),
    Siamese(SiameseNet),
    Pretrained(crate::pretrained::PretrainedNet),
}

/// A model and its weights: what `fit` trains and `predict` uses. Persists between cells.
#[derive(Debug)]
pub struct Classifier {
    pub vs: nn::VarStore,
    pub net: Net,
    pub task: Task,
    pub device: Device,
}

impl Classifier {
    /// Build the model a configuration describes (weights randomly initialised from the seed;
    /// pretrained backbones load their weights).
    pub fn build(cfg: &TrainConfig, device: Device) -> Result<Classifier> {
        tch::manual_seed(cfg.seed as i64);
        let vs = nn::VarStore::new(device);
        let n_out = if cfg.task.n_classes() == 2 {
            1
        } else {
            cfg.task.n_classes() as i64
        };
        let mut net = match cfg.model {
            ModelKind::Scratch => Net::Scratch(ScratchCnn::new(
                &vs.root(),
                &ScratchConfig {
                    n_out,
                    dropout: cfg.dropout.unwrap_or(0.0),
                    ..Default::default()
                },
            )?),
            ModelKind::Siamese => Net::Siamese(SiameseNet::new(
                &vs.root(),
                &SiameseConfig {
                    n_out,
                    dropout: cfg.dropout.unwrap_or(0.4),
                    ..Default::default()
                },
            )?),
            ModelKind::Vgg16 | ModelKind::InceptionV3 => Net::Pretrained(
                crate::pretrained::PretrainedNet::new(&vs.root(), cfg, n_out, device)?,
            ),
        };
        let compute = crate::models::Compute {
            channels_last: cfg.channels_last,
            precision: cfg.precision_on(device),
        };
        match &mut net {
            Net::Scratch(m) => m.tower.set_compute(compute),
            Net::Siamese(m) => m.tower.set_compute(compute),
            Net::Pretrained(_) => {}
        }
        Ok(Classifier {
            vs,
            net,
            task: cfg.task,
            device,
        })
    }

    /// Logits `[B, n_out]` of a batch of abnormality patches (and baselines for pairs).
    pub fn logits(&self, x: &Tensor, baseline: Option<&Tensor>, train: bool) -> Result<Tensor> {
        Ok(match &self.net {
            Net::Scratch(m) => m.forward_t(x, train),
            Net::Siamese(m) => {
                let b = baseline.ok_or_else(|| {
                    Error::invalid("batch", "the Siamese model needs baseline patches")
                })?;
                m.forward_t(b, x, train)
            }
            Net::Pretrained(m) => m.forward_t(x, train)?,
        })
    }

    /// Keras-style summary.
    pub fn summary(&self) -> Summary {
        match &self.net {
            Net::Scratch(m) => m.summary(),
            Net::Siamese(m) => m.summary(),
            Net::Pretrained(m) => m.summary(),
        }
    }

    /// The L2 penalty of the dense weights (Keras `kernel_regularizer`).
    fn l2_penalty(&self, l2: f64) -> Option<Tensor> {
        if l2 <= 0.0 {
            return None;
        }
        let vars = self.vs.variables();
        let mut names: Vec<&String> = vars
            .keys()
            .filter(|k| k.ends_with("weight") && is_dense_name(k))
            .collect();
        names.sort();
        let mut total: Option<Tensor> = None;
        for n in names {
            let s = vars[n].square().sum(Kind::Float);
            total = Some(match total {
                Some(t) => t + s,
                None => s,
            });
        }
        total.map(|t| t * l2)
    }

    /// Probabilities for samples: binary tasks give P(class 1) per sample; the 4-class task gives
    /// `n_classes` values per sample (row-major). No gradients, eval mode, large batches.
    pub fn predict(
        &self,
        set: &PairedSet,
        samples: &[Sample],
        batch_size: usize,
        tta: Option<&Augment>,
    ) -> Result<Vec<f64>> {
        let _g = tch::no_grad_guard();
        let mut out = Vec::with_capacity(samples.len());
        for chunk in samples.chunks(batch_size.max(1)) {
            let b = make_batch(set, chunk, self.task.is_pair(), self.device)?;
            let p = match tta {
                None => self.probs(&b.x, b.baseline.as_ref())?,
                Some(_) => {
                    // Average over the 8 symmetries of the square (flips x 90-degree rotations).
                    let mut acc: Option<Tensor> = None;
                    for k in 0..4 {
                        for flip in [false, true] {
                            let t = |x: &Tensor| {
                                let y = if flip { x.flip([3]) } else { x.shallow_clone() };
                                if k > 0 {
                                    y.rot90(k, [2, 3])
                                } else {
                                    y
                                }
                            };
                            let pb = self.probs(&t(&b.x), b.baseline.as_ref().map(&t).as_ref())?;
                            acc = Some(match acc {
                                Some(a) => a + pb,
                                None => pb,
                            });
                        }
                    }
                    acc.ok_or_else(|| Error::Other("no TTA transforms".into()))? / 8.0
                }
            };
            out.extend(crate::tensor::tensor_to_vec(&p)?);
        }
        Ok(out)
    }

    fn probs(&self, x: &Tensor, baseline: Option<&Tensor>) -> Result<Tensor> {
        let z = self.logits(x, baseline, false)?;
        Ok(if self.task.n_classes() == 2 {
            z.squeeze_dim(1).sigmoid()
        } else {
            z.softmax(1, Kind::Float)
        })
    }

    /// Save the trainable weights (safetensors, atomically).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let tmp = path.with_extension("tmp.safetensors");
        // Row-major copies (channels-last weights have NHWC strides in memory).
        let mut named: Vec<(String, Tensor)> = self
            .vs
            .variables()
            .into_iter()
            .map(|(n, t)| (n, t.detach().contiguous()))
            .collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        Tensor::write_safetensors(&named, &tmp)
            .map_err(|e| Error::bad_file(&tmp, e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
    }

    /// Load weights saved by [`Classifier::save`], naming any missing or mis-shaped tensor.
    pub fn load(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(Error::bad_file(path, "weights file not found"));
        }
        let file = Tensor::read_safetensors(path)
            .map_err(|e| Error::bad_file(path, format!("not a readable safetensors file: {e}")))?;
        let file: std::collections::HashMap<String, Tensor> = file.into_iter().collect();
        let vars = self.vs.variables();
        let mut problems = Vec::new();
        let mut names: Vec<&String> = vars.keys().collect();
        names.sort();
        for n in names {
            match file.get(n) {
                None => problems.push(format!("missing {n} {:?}", vars[n].size())),
                Some(t) if t.size() != vars[n].size() => problems.push(format!(
                    "{n}: file {:?}, model {:?}",
                    t.size(),
                    vars[n].size()
                )),
                Some(_) => {}
            }
        }
        if !problems.is_empty() {
            return Err(Error::bad_file(
                path,
                format!("weights do not fit the model: {}", problems.join("; ")),
            ));
        }
        let _g = tch::no_grad_guard();
        for (n, mut v) in vars {
            if let Some(t) = file.get(&n) {
                v.copy_(&t.to_device(self.device).to_kind(v.kind()));
            }
        }
        Ok(())
    }
}

fn is_dense_name(name: &str) -> bool {
    name.contains("dense")
        || name.contains("out.")
        || name.starts_with("out")
        || name.contains("head")
}

/// One epoch of the history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EpochStats {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_loss: f64,
    pub val_accuracy: f64,
    pub val_roc_auc: f64,
    pub val_f2: f64,
    pub seconds: f64,
}

/// The per-epoch history of a run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    pub epochs: Vec<EpochStats>,
    /// 1-based epoch whose weights were kept.
    pub best_epoch: usize,
    pub stopped_early: bool,
}

impl History {
    pub const CSV_HEADER: &'static str =
        "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_roc_auc,val_f2,seconds";

    pub fn to_csv(&self) -> String {
        let mut s = String::from(Self::CSV_HEADER);
        s.push('\n');
        for e in &self.epochs {
            s.push_str(&format!(
                "{},{},{},{},{},{},{},{}\n",
                e.epoch,
                e.train_loss,
                e.train_accuracy,
                e.val_loss,
                e.val_accuracy,
                e.val_roc_auc,
                e.val_f2,
                e.seconds
            ));
        }
        s
    }

    /// Set `best_epoch` and `stopped_early` from the epochs, by the rule `fit` applies (the
    /// first epoch with the best monitored score), for a history read back from its CSV.
    pub fn infer_best(&mut self, monitor: Monitor, planned_epochs: usize) {
        let mut best: Option<(f64, usize)> = None;
        for e in &self.epochs {
            let score = match monitor {
                Monitor::ValLoss => -e.val_loss,
                Monitor::ValAuc => e.val_roc_auc,
            };
            if best.is_none_or(|(b, _)| score > b || (b.is_nan() && !score.is_nan())) {
                best = Some((score, e.epoch));
            }
        }
        self.best_epoch = best.map(|b| b.1).unwrap_or(0);
        self.stopped_early = self.epochs.len() < planned_epochs;
    }

    pub fn from_csv(text: &str, path: &Path) -> Result<History> {
        let mut lines = text.lines();
        if lines.next().map(str::trim) != Some(Self::CSV_HEADER) {
            return Err(Error::bad_file(
                path,
                format!(
                    "not a mammo history file (expected header '{}')",
                    Self::CSV_HEADER
                ),
            ));
        }
        let mut epochs = Vec::new();
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Vec<&str> = l.split(',').collect();
            let bad = || Error::bad_file(path, format!("line {}: expected 8 numbers", i + 2));
            if v.len() != 8 {
                return Err(bad());
            }
            let f = |k: usize| v[k].trim().parse::<f64>().map_err(|_| bad());
            epochs.push(EpochStats {
                epoch: v[0].trim().parse().map_err(|_| bad())?,
                train_loss: f(1)?,
                train_accuracy: f(2)?,
                val_loss: f(3)?,
                val_accuracy: f(4)?,
                val_roc_auc: f(5)?,
                val_f2: f(6)?,
                seconds: f(7)?,
            });
        }
        Ok(History {
            epochs,
            best_epoch: 0,
            stopped_early: false,
        })
    }
}

/// The data of a run, after task relabeling, split, profile limits and balancing.
#[derive(Debug, Clone)]
pub struct RunData {
    pub train_set: PairedSet,
    pub test_set: Option<PairedSet>,
    /// Balanced training samples (what the epochs iterate over).
    pub train: Vec<Sample>,
    pub val: Vec<Sample>,
    pub test: Vec<Sample>,
    pub balance: tasks::BalanceReport,
    pub class_weights: Option<Vec<f64>>,
}

/// Take at most `n` samples keeping class proportions (seeded).
fn limit(
    samples: Vec<Sample>,
    n: Option<usize>,
    n_classes: usize,
    seed: u64,
) -> Result<Vec<Sample>> {
    match n {
        Some(n) if samples.len() > n => {
            let frac = 1.0 - n as f64 / samples.len() as f64;
            Ok(tasks::stratified_split(&samples, n_classes, frac, seed)?.0)
        }
        _ => Ok(samples),
    }
}

/// Prepare the data of a run from a loaded dataset: preprocess, relabel, split 80/20 (seeded,
/// stratified, shuffled), apply the profile's limits, balance the training part.
pub fn prepare(cfg: &TrainConfig, ds: &Dataset) -> Result<RunData> {
    let k = cfg.task.n_classes();
    let mut train_set = ds.train.clone();
    cfg.preprocess.apply_set(&mut train_set);
    let test_set = ds.test.clone().map(|mut t| {
        cfg.preprocess.apply_set(&mut t);
        t
    });
    let all = tasks::task_samples(cfg.task, &train_set)?;
    let (tr, va) = tasks::stratified_split(&all, k, cfg.val_fraction, cfg.seed)?;
    let (mt, mv, mte) = cfg.limits();
    let tr = limit(tr, mt, k, cfg.seed ^ 1)?;
    let va = limit(va, mv, k, cfg.seed ^ 2)?;
    let test = match &test_set {
        Some(t) => limit(tasks::task_samples(cfg.task, t)?, mte, k, cfg.seed ^ 3)?,
        None => Vec::new(),
    };
    let (train, balance) = tasks::balance(&tr, k, cfg.balance, cfg.seed ^ 4)?;
    let class_weights = cfg.class_weights.then(|| tasks::class_weights(&train, k));
    if tasks::class_counts(&va, k)
        .iter()
        .filter(|&&c| c > 0)
        .count()
        < 2
    {
        return crate::error::invalid(
            "dataset",
            "the validation split has a single class: the dataset is too small",
        );
    }
    Ok(RunData {
        train_set,
        test_set,
        train,
        val: va,
        test,
        balance,
        class_weights,
    })
}

/// Loss of logits against labels (mean over the batch, optionally class-weighted).
fn loss_fn(task: Task, logits: &Tensor, y: &Tensor, weights: Option<&[f64]>) -> Tensor {
    loss_reduced(task, logits, y, weights, tch::Reduction::Mean)
}

/// Binary cross-entropy (binary tasks) or cross-entropy (4 classes), class-weighted if asked.
/// `Mean` is the training loss: the mean over rows for binary tasks (as Keras), the weighted
/// mean for 4 classes (as PyTorch); `Sum` is its numerator (see [`loss_denominator`]).
fn loss_reduced(
    task: Task,
    logits: &Tensor,
    y: &Tensor,
    weights: Option<&[f64]>,
    reduction: tch::Reduction,
) -> Tensor {
    if task.n_classes() == 2 {
        let yf = y.to_kind(Kind::Float);
        let w = weights.map(|w| {
            let w0 = w.first().copied().unwrap_or(1.0);
            let w1 = w.get(1).copied().unwrap_or(1.0);
            (&yf * (w1 - w0) + w0).to_kind(Kind::Float)
        });
        logits
            .squeeze_dim(1)
            .binary_cross_entropy_with_logits::<Tensor>(&yf, w, None, reduction)
    } else {
        let w = weights.map(|w| {
            Tensor::from_slice(&w.iter().map(|&v| v as f32).collect::<Vec<_>>())
                .to_device(logits.device())
        });
        logits
            .log_softmax(1, Kind::Float)
            .g_nll_loss::<Tensor>(y, w, reduction, -100)
    }
}

/// What the `Mean` training loss of a batch divides its `Sum` by: the number of rows, or for
/// the class-weighted 4-class loss the sum of the rows' class weights.
fn loss_denominator(task: Task, y: &Tensor, weights: Option<&[f64]>) -> Result<f64> {
    let n = y.size().first().copied().unwrap_or(0) as f64;
    match weights {
        Some(w) if task.n_classes() != 2 => {
            let labels = Vec::<i64>::try_from(&y.to_device(Device::Cpu).to_kind(Kind::Int64))?;
            Ok(labels
                .iter()
                .map(|&l| w.get(l as usize).copied().unwrap_or(1.0))
                .sum())
        }
        _ => Ok(n),
    }
}

/// One optimisation step on a batch; returns the batch's training loss and its logits (no
/// graph). With a micro-batch ([`TrainConfig::micro_batch_on`]) smaller than the batch, the batch runs as micro-batches whose
/// gradients are summed before the one update: the same step (each micro-batch's loss is its
/// share of the whole batch's mean loss, the L2 penalty counted once), holding the activations
/// of one micro-batch at a time.
pub fn train_batch(
    model: &Classifier,
    opt: &mut crate::optim::Optimizer,
    cfg: &TrainConfig,
    x: &Tensor,
    baseline: Option<&Tensor>,
    y: &Tensor,
    weights: Option<&[f64]>,
) -> Result<(f64, Tensor)> {
    let n = x.size().first().copied().unwrap_or(0);
    let m = cfg.micro_batch_on(model.device) as i64;
    if m == 0 || m >= n {
        let logits = model.logits(x, baseline, true)?;
        let mut loss = loss_fn(cfg.task, &logits, y, weights);
        if let Some(p) = model.l2_penalty(cfg.l2) {
            loss += p;
        }
        opt.backward_step(&loss)?;
        return Ok((loss.double_value(&[]), logits.detach()));
    }
    let denom = loss_denominator(cfg.task, y, weights)?;
    let (mut acc, mut total, mut outs) = (Vec::new(), 0.0, Vec::new());
    let mut start = 0;
    while start < n {
        let len = m.min(n - start);
        let b = baseline.map(|b| b.narrow(0, start, len));
        let logits = model.logits(&x.narrow(0, start, len), b.as_ref(), true)?;
        let ys = y.narrow(0, start, len);
        let mut loss = loss_reduced(cfg.task, &logits, &ys, weights, tch::Reduction::Sum) / denom;
        if start == 0 {
            if let Some(p) = model.l2_penalty(cfg.l2) {
                loss += p;
            }
        }
        opt.accumulate(&loss, &mut acc)?;
        total += loss.double_value(&[]);
        outs.push(logits.detach());
        start += len;
    }
    opt.step_with(&acc)?;
    Ok((total, Tensor::cat(&outs, 0)))
}

/// Validation/test loss from probabilities (binary cross-entropy or cross-entropy), clipped.
pub fn prob_loss(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let eps = 1e-7;
    let n = labels.len().max(1) as f64;
    if task.n_classes() == 2 {
        labels
            .iter()
            .zip(probs)
            .map(|(&y, &p)| {
                let p = p.clamp(eps, 1.0 - eps);
                if y == 1 {
                    -p.ln()
                } else {
                    -(1.0 - p).ln()
                }
            })
            .sum::<f64>()
            / n
    } else {
        let k = task.n_classes();
        labels
            .iter()
            .enumerate()
            .map(|(i, &y)| -probs[i * k + y as usize].clamp(eps, 1.0).ln())
            .sum::<f64>()
            / n
    }
}

/// Accuracy of probabilities at threshold 0.5 (binary) or by argmax.
pub fn prob_accuracy(task: Task, labels: &[u8], probs: &[f64]) -> f64 {
    let preds = predicted_labels(task, probs, 0.5);
    labels.iter().zip(&preds).filter(|(a, b)| a == b).count() as f64 / labels.len().max(1) as f64
}

/// Predicted labels: binary at `threshold` (positive when p >= threshold), else argmax.
pub fn predicted_labels(task: Task, probs: &[f64], threshold: f64) -> Vec<u8> {
    if task.n_classes() == 2 {
        probs.iter().map(|&p| u8::from(p >= threshold)).collect()
    } else {
        probs
            .chunks(task.n_classes())
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold((0usize, f64::NEG_INFINITY), |b, (i, &v)| {
                        if v > b.1 {
                            (i, v)
                        } else {
                            b
                        }
                    })
                    .0 as u8
            })
            .collect()
    }
}

/// Progress reporting of `fit`: one line per epoch (notebooks), or a callback (the CLI's bar).
pub type Progress<'a> = &'a mut dyn FnMut(ProgressEvent);

/// What `fit` reports while it runs.
#[derive(Debug, Clone)]
pub enum ProgressEvent {
    Batch {
        epoch: usize,
        batch: usize,
        n_batches: usize,
        loss: f64,
    },
    Epoch(EpochStats),
}

/// The result of training: model, history and the data it saw.
#[derive(Debug)]
pub struct Trained {
    pub config: TrainConfig,
    pub model: Classifier,
    pub history: History,
    pub data: RunData,
    pub seconds: f64,
}

/// The file in a run folder that holds the training state after the last finished epoch.
pub const CHECKPOINT: &str = "checkpoint.safetensors";

/// Training state saved after every epoch (one file, written atomically): current weights,
/// the best epoch's weights, optimizer state, and the bookkeeping below (as JSON).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct CheckpointMeta {
    /// Last finished epoch.
    epoch: usize,
    /// Best monitored score so far (`None`: NaN) and its epoch.
    best_score: Option<f64>,
    best_epoch: Option<usize>,
    since_best: usize,
    history_csv: String,
    stopped_early: bool,
    seconds: f64,
}

struct Resume {
    meta: CheckpointMeta,
    tensors: std::collections::HashMap<String, Tensor>,
    path: PathBuf,
}

fn write_checkpoint(
    dir: &Path,
    model: &Classifier,
    best: &[(String, Tensor)],
    opt: &crate::optim::Optimizer,
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
    let tmp = dir.join(format!(".{CHECKPOINT}.tmp-{}", std::process::id()));
    Tensor::write_safetensors(&named, &tmp).map_err(|e| Error::bad_file(&tmp, e.to_string()))?;
    if let Ok(f) = std::fs::File::open(&tmp) {
        let _ = f.sync_all();
    }
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
}

fn read_checkpoint(dir: &Path) -> Result<Resume> {
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
fn load_prefixed(
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

/// Train a model on prepared data. Reproducible on the CPU for a given seed. When `out` is given,
/// the best weights (`model.safetensors`), `history.csv` and a checkpoint of the whole training
/// state (`checkpoint.safetensors`) are written there after every epoch.
pub fn fit(
    cfg: &TrainConfig,
    data: RunData,
    out: Option<&Path>,
    progress: Option<Progress>,
) -> Result<Trained> {
    fit_from(cfg, data, out, progress, None)
}

/// Continue an interrupted run from the checkpoint in `dir` (written by [`fit`]): the result
/// equals that of the uninterrupted run on the CPU (same seed, same data).
pub fn resume(
    cfg: &TrainConfig,
    data: RunData,
    dir: &Path,
    progress: Option<Progress>,
) -> Result<Trained> {
    let r = read_checkpoint(dir)?;
    fit_from(cfg, data, Some(dir), progress, Some(r))
}

/// Whether a run folder holds a checkpoint to resume from.
pub fn has_checkpoint(dir: &Path) -> bool {
    dir.join(CHECKPOINT).exists()
}

fn fit_from(
    cfg: &TrainConfig,
    data: RunData,
    out: Option<&Path>,
    progress: Option<Progress>,
    resume: Option<Resume>,
) -> Result<Trained> {
    cfg.validate()?;
    let cfg = &cfg.resolved()?;
    let device = crate::device::parse_device(&cfg.device)?;
    let model = Classifier::build(cfg, device)?;
    let mut opt = crate::optim::Optimizer::new(cfg.optimizer, cfg.lr, &model.vs);
    let mut history = History::default();
    let mut best: Option<(f64, usize)> = None;
    let mut best_weights: Option<Vec<(String, Tensor)>> = None;
    let mut since_best = 0usize;
    let mut first_epoch = 1;
    let mut seconds_before = 0.0;
    if let Some(r) = &resume {
        let current = load_prefixed(&model.vs, &r.tensors, "model/", &r.path)?;
        restore(&model.vs, &current);
        if r.meta.best_epoch.is_some() {
            best_weights = Some(load_prefixed(&model.vs, &r.tensors, "best/", &r.path)?);
        }
        opt.restore(&r.tensors, &r.path)?;
        history = History::from_csv(&r.meta.history_csv, &r.path)?;
        history.best_epoch = r.meta.best_epoch.unwrap_or(r.meta.epoch);
        history.stopped_early = r.meta.stopped_early;
        best = r
            .meta
            .best_epoch
            .map(|e| (r.meta.best_score.unwrap_or(f64::NAN), e));
        since_best = r.meta.since_best;
        first_epoch = r.meta.epoch + 1;
        seconds_before = r.meta.seconds;
        println!(
            "resuming {} after epoch {} of {}",
            cfg.name, r.meta.epoch, cfg.epochs
        );
        if r.meta.stopped_early {
            first_epoch = cfg.epochs + 1;
        }
    }
    let mut progress = progress;
    let t_all = Instant::now();
    let pairs = cfg.task.is_pair();
    let weights = data.class_weights.clone();
    for epoch in first_epoch..=cfg.epochs {
        let t0 = Instant::now();
        // Every random draw of an epoch (dropout, shuffling, augmentation) is seeded from the
        // run's seed and the epoch, so that a resumed run repeats the uninterrupted one.
        tch::manual_seed(cfg.seed.wrapping_mul(1_000_003).wrapping_add(epoch as u64) as i64);
        let mut aug_rng =
            StdRng::seed_from_u64(cfg.seed.wrapping_mul(31).wrapping_add(epoch as u64));
        let batches = Batches::new(
            &data.train_set,
            &data.train,
            cfg.batch_size,
            true,
            cfg.seed,
            epoch,
            pairs,
            device,
        )?;
        let n_batches = batches.n_batches();
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        for (bi, b) in batches.enumerate() {
            let b = b?;
            let (x, base) = match &b.baseline {
                Some(bl) => {
                    let (xa, xb) =
                        cfg.augment
                            .apply_pair(&b.x, bl, cfg.pair_same_transform, &mut aug_rng)?;
                    (xa, Some(xb))
                }
                None => (cfg.augment.apply(&b.x, &mut aug_rng)?, None),
            };
            let (lv, logits) = train_batch(
                &model,
                &mut opt,
                cfg,
                &x,
                base.as_ref(),
                &b.y,
                weights.as_deref(),
            )?;
            if !lv.is_finite() {
                return Err(Error::Other(format!("training diverged: loss is {lv} at epoch {epoch}, batch {} (try a lower learning rate)", bi + 1)));
            }
            let bs = b.rows.len();
            loss_sum += lv * bs as f64;
            let pred = if cfg.task.n_classes() == 2 {
                logits.squeeze_dim(1).ge(0.0).to_kind(Kind::Int64)
            } else {
                logits.argmax(1, false)
            };
            correct += pred.eq_tensor(&b.y).sum(Kind::Int64).int64_value(&[]) as usize;
            seen += bs;
            if let Some(p) = progress.as_mut() {
                p(ProgressEvent::Batch {
                    epoch,
                    batch: bi + 1,
                    n_batches,
                    loss: lv,
                });
            }
        }
        let val_probs = model.predict(&data.train_set, &data.val, 128, None)?;
        let val_labels: Vec<u8> = data.val.iter().map(|s| s.label).collect();
        let stats = EpochStats {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            val_loss: prob_loss(cfg.task, &val_labels, &val_probs),
            val_accuracy: prob_accuracy(cfg.task, &val_labels, &val_probs),
            val_roc_auc: crate::evaluate::auc_or_nan(cfg.task, &val_labels, &val_probs),
            val_f2: crate::evaluate::f2_at_half(cfg.task, &val_labels, &val_probs),
            seconds: t0.elapsed().as_secs_f64(),
        };
        let score = match cfg.monitor {
            Monitor::ValLoss => -stats.val_loss,
            Monitor::ValAuc => stats.val_roc_auc,
        };
        let improved = best.is_none_or(|(b, _)| score > b || (b.is_nan() && !score.is_nan()));
        if improved {
            best = Some((score, epoch));
            since_best = 0;
            best_weights = Some(snapshot(&model.vs));
            if let Some(dir) = out {
                model.save(dir.join("model.safetensors"))?;
            }
        } else {
            since_best += 1;
        }
        history.epochs.push(stats.clone());
        history.best_epoch = best.map(|b| b.1).unwrap_or(epoch);
        let stop = cfg
            .early_stopping
            .is_some_and(|es| since_best >= es.patience);
        if let Some(dir) = out {
            crate::fsx::write_bytes_atomic(dir.join("history.csv"), history.to_csv().as_bytes())?;
            let meta = CheckpointMeta {
                epoch,
                best_score: best.and_then(|b| (!b.0.is_nan()).then_some(b.0)),
                best_epoch: best.map(|b| b.1),
                since_best,
                history_csv: history.to_csv(),
                stopped_early: stop,
                seconds: seconds_before + t_all.elapsed().as_secs_f64(),
            };
            write_checkpoint(
                dir,
                &model,
                best_weights.as_deref().unwrap_or(&[]),
                &opt,
                &meta,
            )?;
        }
        match progress.as_mut() {
            Some(p) => p(ProgressEvent::Epoch(stats)),
            None => println!(
                "epoch {epoch:>3}/{}  loss {:.4}  acc {:.3}  val_loss {:.4}  val_acc {:.3}  val_auc {:.3}  ({:.1} s){}",
                cfg.epochs,
                stats.train_loss,
                stats.train_accuracy,
                stats.val_loss,
                stats.val_accuracy,
                stats.val_roc_auc,
                stats.seconds,
                if improved { "  *" } else { "" }
            ),
        }
        if stop {
            history.stopped_early = true;
            break;
        }
    }
    if let Some(w) = best_weights {
        restore(&model.vs, &w);
    }
    Ok(Trained {
        config: cfg.clone(),
        model,
        history,
        data,
        seconds: seconds_before + t_all.elapsed().as_secs_f64(),
    })
}

fn snapshot(vs: &nn::VarStore) -> Vec<(String, Tensor)> {
    let _g = tch::no_grad_guard();
    let mut v: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(n, t)| (n, t.detach().copy()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn restore(vs: &nn::VarStore, w: &[(String, Tensor)]) {
    let _g = tch::no_grad_guard();
    let mut vars = vs.variables();
    for (n, t) in w {
        if let Some(v) = vars.get_mut(n) {
            v.copy_(t);
        }
    }
}

/// The run folder for a name under the runs folder (refuses names that would escape it).
pub fn run_dir(runs: &Path, name: &str) -> Result<PathBuf> {
    if name.is_empty()
        || name.contains('/')
        || name.contains('\\')
        || name == ".."
        || name.starts_with('.')
    {
        return crate::error::invalid("run name", format!("'{name}' must be a plain folder name"));
    }
    Ok(runs.join(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_last_weights_save_row_major_and_load_into_a_plain_model() {
        let dir = std::env::temp_dir().join(format!("mammo-cl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, crate::Profile::Smoke);
        // float32 on any CPU: the comparison below is at float32 rounding.
        cfg.precision = Some(crate::models::Precision::Fp32);
        cfg.channels_last = true;
        let cl = Classifier::build(&cfg, Device::Cpu).unwrap();
        let w = dir.join("m.safetensors");
        cl.save(&w).unwrap();
        cfg.channels_last = false;
        cfg.seed = 7; // different initial weights, replaced by the file's
        let mut plain = Classifier::build(&cfg, Device::Cpu).unwrap();
        plain.load(&w).unwrap();
        let x = Tensor::rand([2, 1, 150, 150], (Kind::Float, Device::Cpu));
        let a = cl.logits(&x, None, false).unwrap();
        let b = plain.logits(&x, None, false).unwrap();
        assert!(a.allclose(&b, 1e-5, 1e-5, false), "{a} vs {b}");
        std::fs::remove_dir_all(&dir).ok();
    }

    /// One step on a batch, whole and in micro-batches (uneven: 4 + 4 + 3 rows): the same loss
    /// and the same updated weights, for class-weighted binary and 4-class losses with an L2
    /// penalty, and for Siamese pairs.
    #[test]
    fn micro_batches_take_the_same_step_as_the_whole_batch() {
        let cases: [(Task, ModelKind, Option<Vec<f64>>); 4] = [
            (Task::BenignMalignant, ModelKind::Scratch, None),
            (Task::MassCalc, ModelKind::Scratch, Some(vec![0.6, 2.5])),
            (
                Task::FourClass,
                ModelKind::Scratch,
                Some(vec![0.5, 1.0, 3.0, 1.5]),
            ),
            (Task::Siamese, ModelKind::Siamese, None),
        ];
        for (task, kind, weights) in cases {
            let mut cfg = TrainConfig::new(task, kind, crate::Profile::Smoke);
            cfg.optimizer = crate::config::OptimizerKind::Sgd;
            cfg.lr = 0.5;
            cfg.l2 = 0.01;
            // float32 on any CPU: the same step up to float32 rounding is what is checked.
            cfg.precision = Some(crate::models::Precision::Fp32);
            tch::manual_seed(11);
            let n = 11;
            let x = Tensor::rand([n, 1, 150, 150], (Kind::Float, Device::Cpu));
            let base = Tensor::rand([n, 1, 150, 150], (Kind::Float, Device::Cpu));
            let base = task.is_pair().then_some(&base);
            let y = Tensor::randint(task.n_classes() as i64, [n], (Kind::Int64, Device::Cpu));
            cfg.dropout = Some(0.0);
            // The same initial weights for both (tests share libtorch's global generator, so
            // two seeded builds could differ when tests run in parallel).
            let init = snapshot(&Classifier::build(&cfg, Device::Cpu).unwrap().vs);
            let mut out = Vec::new();
            for micro in [0, 4] {
                cfg.micro_batch = Some(micro);
                let m = Classifier::build(&cfg, Device::Cpu).unwrap();
                restore(&m.vs, &init);
                let mut opt = crate::optim::Optimizer::new(cfg.optimizer, cfg.lr, &m.vs);
                let (loss, logits) =
                    train_batch(&m, &mut opt, &cfg, &x, base, &y, weights.as_deref()).unwrap();
                assert_eq!(logits.size()[0], n);
                out.push((loss, logits, snapshot(&m.vs)));
            }
            let (whole, micro) = (&out[0], &out[1]);
            assert!(
                (whole.0 - micro.0).abs() < 1e-5 * whole.0.abs().max(1.0),
                "{task:?}: loss {} vs {}",
                whole.0,
                micro.0
            );
            assert!(whole.1.allclose(&micro.1, 1e-5, 1e-5, false));
            let mut moved = 0.0;
            for (((name, a), (_, b)), (_, w0)) in whole.2.iter().zip(&micro.2).zip(&init) {
                assert!(
                    a.allclose(b, 1e-4, 1e-6, false),
                    "{task:?}: {name} differs by {}",
                    (a - b).abs().max().double_value(&[])
                );
                moved += (a - w0).abs().sum(Kind::Double).double_value(&[]);
            }
            assert!(moved > 1e-3, "{task:?}: the step moved nothing");
        }
    }

    #[test]
    fn micro_batch_is_a_setting_and_old_configs_load_without_it() {
        let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, crate::Profile::Smoke);
        assert_eq!(cfg.micro_batch, None, "auto by default");
        assert_eq!(
            cfg.micro_batch_on(Device::Cpu),
            crate::config::AUTO_CPU_MICRO_BATCH
        );
        assert_eq!(cfg.micro_batch_on(Device::Cuda(0)), 0);
        let vgg = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, crate::Profile::Smoke);
        assert_eq!(vgg.micro_batch_on(Device::Cpu), 0);
        cfg.set("micro-batch", "8").unwrap();
        assert_eq!(cfg.micro_batch_on(Device::Cuda(0)), 8);
        cfg.set("micro_batch", "0").unwrap();
        assert_eq!(cfg.micro_batch_on(Device::Cpu), 0);
        assert!(cfg.set("micro_batch", "-1").is_err());
        let round: TrainConfig =
            serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(round.micro_batch, Some(0));
        cfg.set("micro_batch", "AUTO").unwrap();
        assert_eq!(cfg.micro_batch, None);
        let round: TrainConfig =
            serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
        assert_eq!(round.micro_batch, None);
        let mut v = serde_json::to_value(&cfg).unwrap();
        v.as_object_mut().unwrap().remove("micro_batch");
        let old: TrainConfig = serde_json::from_value(v).unwrap();
        assert_eq!(
            old.micro_batch,
            Some(0),
            "configs saved before run whole batches"
        );
    }

    fn epoch(epoch: usize, val_loss: f64, val_roc_auc: f64) -> EpochStats {
        EpochStats {
            epoch,
            train_loss: 0.0,
            train_accuracy: 0.0,
            val_loss,
            val_accuracy: 0.0,
            val_roc_auc,
            val_f2: 0.0,
            seconds: 0.0,
        }
    }

    /// A history read back from CSV gets the best epoch `fit` kept: the first best score.
    #[test]
    fn best_epoch_is_inferred_by_fits_rule() {
        let mut h = History {
            epochs: vec![
                epoch(1, 0.7, f64::NAN),
                epoch(2, 0.5, 0.6),
                epoch(3, 0.6, 0.8),
                epoch(4, 0.5, 0.8),
            ],
            ..Default::default()
        };
        let csv = h.to_csv();
        let mut back = History::from_csv(&csv, Path::new("h.csv")).unwrap();
        back.infer_best(Monitor::ValLoss, 6);
        assert_eq!((back.best_epoch, back.stopped_early), (2, true));
        back.infer_best(Monitor::ValAuc, 4);
        assert_eq!((back.best_epoch, back.stopped_early), (3, false));
        h.infer_best(Monitor::ValAuc, 4);
        assert_eq!(h.best_epoch, 3);
    }
}
