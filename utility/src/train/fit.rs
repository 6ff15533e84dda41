//! The fit loop: for each epoch, train on every batch, validate, let the policies decide (best
//! weights, early stopping, what the run folder receives, progress), resumable from a checkpoint.
use super::checkpoint::{load_prefixed, read_checkpoint, Resume, CHECKPOINT};
use super::classifier::Classifier;
use super::config::TrainConfig;
use super::data::RunData;
use super::history::{EpochStats, History};
use super::objective::{
    auc_or_nan, f2_at_half, loss_denominator, loss_fn, loss_reduced, prob_accuracy, prob_loss,
};
use super::optim::Optimizer;
use super::policies::{BestEpoch, EarlyStop, Progress, Reporter, RunFolder};
use crate::data::batch::Batches;
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Kind, Tensor};

/// One optimisation step on a batch; returns the batch's training loss and its logits (no
/// graph). With a micro-batch ([`TrainConfig::micro_batch_on`]) smaller than the batch, the
/// batch runs as micro-batches whose gradients are summed before the one update: the same step
/// (each micro-batch's loss is its share of the whole batch's mean loss, the L2 penalty counted
/// once), holding the activations of one micro-batch at a time.
pub fn train_batch(
    model: &Classifier,
    opt: &mut Optimizer,
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
        let mut loss = loss_fn(cfg.data.task, &logits, y, weights);
        if let Some(p) = model.l2_penalty(cfg.optim.l2) {
            loss += p;
        }
        opt.backward_step(&loss)?;
        return Ok((loss.double_value(&[]), logits.detach()));
    }
    let denom = loss_denominator(cfg.data.task, y, weights)?;
    let (mut acc, mut total, mut outs) = (Vec::new(), 0.0, Vec::new());
    let mut start = 0;
    while start < n {
        let len = m.min(n - start);
        let b = baseline.map(|b| b.narrow(0, start, len));
        let logits = model.logits(&x.narrow(0, start, len), b.as_ref(), true)?;
        let ys = y.narrow(0, start, len);
        let mut loss =
            loss_reduced(cfg.data.task, &logits, &ys, weights, tch::Reduction::Sum) / denom;
        if start == 0 {
            if let Some(p) = model.l2_penalty(cfg.optim.l2) {
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

/// The result of training: model, history and the data it saw.
#[derive(Debug)]
pub struct Trained {
    pub config: TrainConfig,
    pub model: Classifier,
    pub history: History,
    pub data: RunData,
    pub seconds: f64,
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

/// Where a fit starts: the history so far, the best epoch, the first epoch to train and the
/// seconds already spent (all empty for a new run; from the checkpoint for a resumed one, whose
/// current weights and optimizer state are put back).
struct Start {
    history: History,
    best: BestEpoch,
    first_epoch: usize,
    seconds_before: f64,
}

impl Start {
    fn new(cfg: &TrainConfig) -> Start {
        Start {
            history: History::default(),
            best: BestEpoch::new(cfg.optim.monitor),
            first_epoch: 1,
            seconds_before: 0.0,
        }
    }

    fn resumed(
        cfg: &TrainConfig,
        r: &Resume,
        model: &Classifier,
        opt: &mut Optimizer,
    ) -> Result<Start> {
        let current = load_prefixed(&model.vs, &r.tensors, "model/", &r.path)?;
        super::checkpoint::restore(&model.vs, &current);
        let best_weights = match r.meta.best_epoch {
            Some(_) => Some(load_prefixed(&model.vs, &r.tensors, "best/", &r.path)?),
            None => None,
        };
        opt.restore(&r.tensors, &r.path)?;
        let mut history = History::from_csv(&r.meta.history_csv, &r.path)?;
        history.best_epoch = r.meta.best_epoch.unwrap_or(r.meta.epoch);
        history.stopped_early = r.meta.stopped_early;
        Ok(Start {
            history,
            best: BestEpoch::restored(cfg.optim.monitor, &r.meta, best_weights),
            // A run that stopped early is complete: nothing is left to train.
            first_epoch: if r.meta.stopped_early {
                cfg.optim.epochs + 1
            } else {
                r.meta.epoch + 1
            },
            seconds_before: r.meta.seconds,
        })
    }
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
    let device = cfg.runtime.device.resolve()?;
    let model = Classifier::build(cfg, device)?;
    let mut opt = Optimizer::new(cfg.optim.optimizer, cfg.optim.lr, &model.vs);
    let mut report = Reporter::new(progress, &cfg.name, cfg.optim.epochs);
    let mut s = match &resume {
        Some(r) => {
            report.resumed(r.meta.epoch);
            Start::resumed(cfg, r, &model, &mut opt)?
        }
        None => Start::new(cfg),
    };
    let (folder, early_stop) = (
        RunFolder::new(out),
        EarlyStop::new(cfg.optim.early_stopping),
    );
    let t_all = Instant::now();
    for epoch in s.first_epoch..=cfg.optim.epochs {
        let t0 = Instant::now();
        let (loss, accuracy) = train_epoch(&model, &mut opt, cfg, &data, epoch, &mut report)?;
        let stats = validate(&model, cfg, &data, epoch, (loss, accuracy), t0)?;
        let improved = s.best.observe(&stats, &model.vs);
        if improved {
            folder.save_best(&model)?;
        }
        s.history.epochs.push(stats.clone());
        s.history.best_epoch = s.best.epoch().unwrap_or(epoch);
        let stop = early_stop.should_stop(s.best.since_best());
        let seconds = s.seconds_before + t_all.elapsed().as_secs_f64();
        folder.after_epoch(&model, &opt, &s.best, &s.history, epoch, stop, seconds)?;
        report.epoch(stats, improved);
        if stop {
            s.history.stopped_early = true;
            break;
        }
    }
    s.best.restore_into(&model.vs);
    Ok(Trained {
        config: cfg.clone(),
        model,
        history: s.history,
        data,
        seconds: s.seconds_before + t_all.elapsed().as_secs_f64(),
    })
}

/// One pass over the training set (reshuffled, augmented): the mean loss and the accuracy.
/// Every random draw of an epoch (dropout, shuffling, augmentation) is seeded from the run's
/// seed and the epoch, so that a resumed run repeats the uninterrupted one.
fn train_epoch(
    model: &Classifier,
    opt: &mut Optimizer,
    cfg: &TrainConfig,
    data: &RunData,
    epoch: usize,
    report: &mut Reporter,
) -> Result<(f64, f64)> {
    tch::manual_seed(
        cfg.runtime
            .seed
            .wrapping_mul(1_000_003)
            .wrapping_add(epoch as u64) as i64,
    );
    let mut aug_rng =
        SeededRng::seed_from_u64(cfg.runtime.seed.wrapping_mul(31).wrapping_add(epoch as u64));
    let batches = Batches::new(
        &data.train_set,
        &data.train,
        cfg.optim.batch_size,
        true,
        cfg.runtime.seed,
        epoch,
        cfg.data.task.is_pair(),
        model.device,
    )?;
    let n_batches = batches.n_batches();
    let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
    for (bi, b) in batches.enumerate() {
        let b = b?;
        let (x, base) = match &b.baseline {
            Some(bl) => {
                let (xa, xb) = cfg.data.augment.apply_pair(
                    &b.x,
                    bl,
                    cfg.data.pair_same_transform,
                    &mut aug_rng,
                )?;
                (xa, Some(xb))
            }
            None => (cfg.data.augment.apply(&b.x, &mut aug_rng)?, None),
        };
        let weights = data.class_weights.as_deref();
        let (lv, logits) = train_batch(model, opt, cfg, &x, base.as_ref(), &b.y, weights)?;
        if !lv.is_finite() {
            return Err(Error::Other(format!("training diverged: loss is {lv} at epoch {epoch}, batch {} (try a lower learning rate)", bi + 1)));
        }
        let bs = b.rows.len();
        loss_sum += lv * bs as f64;
        let pred = if cfg.data.task.n_classes() == 2 {
            logits.squeeze_dim(1).ge(0.0).to_kind(Kind::Int64)
        } else {
            logits.argmax(1, false)
        };
        correct += pred.eq_tensor(&b.y).sum(Kind::Int64).int64_value(&[]) as usize;
        seen += bs;
        report.batch(epoch, bi + 1, n_batches, lv);
    }
    Ok((
        loss_sum / seen.max(1) as f64,
        correct as f64 / seen.max(1) as f64,
    ))
}

/// The epoch's row of the history: the training loss and accuracy, and the validation set's.
fn validate(
    model: &Classifier,
    cfg: &TrainConfig,
    data: &RunData,
    epoch: usize,
    (train_loss, train_accuracy): (f64, f64),
    t0: Instant,
) -> Result<EpochStats> {
    let val_probs = model.predict(&data.train_set, &data.val, 128, None)?;
    let val_labels: Vec<u8> = data.val.iter().map(|s| s.label).collect();
    Ok(EpochStats {
        epoch,
        train_loss,
        train_accuracy,
        val_loss: prob_loss(cfg.data.task, &val_labels, &val_probs),
        val_accuracy: prob_accuracy(cfg.data.task, &val_labels, &val_probs),
        val_roc_auc: auc_or_nan(cfg.data.task, &val_labels, &val_probs),
        val_f2: f2_at_half(cfg.data.task, &val_labels, &val_probs),
        seconds: t0.elapsed().as_secs_f64(),
    })
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
