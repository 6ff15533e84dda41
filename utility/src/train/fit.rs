//! The fit loop: batches, optimisation steps, validation, the best epoch's weights, early
//! stopping, checkpoints and progress, resumable.
use super::checkpoint::*;
use super::classifier::*;
use super::config::{Monitor, TrainConfig};
use super::data::*;
use super::history::*;
use super::objective::*;
use crate::data::batch::Batches;
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::SeedableRng;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::{Kind, Tensor};
/// One optimisation step on a batch; returns the batch's training loss and its logits (no
/// graph). With a micro-batch ([`TrainConfig::micro_batch_on`]) smaller than the batch, the batch runs as micro-batches whose
/// gradients are summed before the one update: the same step (each micro-batch's loss is its
/// share of the whole batch's mean loss, the L2 penalty counted once), holding the activations
/// of one micro-batch at a time.
pub fn train_batch(
    model: &Classifier,
    opt: &mut crate::train::optim::Optimizer,
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
    let device = crate::runtime::device::parse_device(&cfg.device)?;
    let model = Classifier::build(cfg, device)?;
    let mut opt = crate::train::optim::Optimizer::new(cfg.optimizer, cfg.lr, &model.vs);
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
            SeededRng::seed_from_u64(cfg.seed.wrapping_mul(31).wrapping_add(epoch as u64));
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
            val_roc_auc: crate::train::auc_or_nan(cfg.task, &val_labels, &val_probs),
            val_f2: crate::train::f2_at_half(cfg.task, &val_labels, &val_probs),
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
