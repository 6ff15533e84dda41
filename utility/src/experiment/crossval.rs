//! Stratified k-fold cross-validation of a configuration (seed §3: the small MIAS sample), with
//! pooled out-of-fold predictions.
use super::run::set_line;
use crate::data::dataset::Dataset;
use crate::error::Result;
use crate::eval::{self, Predictions, SetMetrics};
use crate::train;
use crate::train::config::TrainConfig;
/// The result of k-fold cross-validation: each fold's held-out metrics and the pooled
/// out-of-fold predictions (every sample predicted once, by the model that never saw it).
#[derive(Debug)]
pub struct CrossValidation {
    pub config: TrainConfig,
    pub k: usize,
    /// Held-out ("test") metrics of each fold.
    pub folds: Vec<SetMetrics>,
    /// Out-of-fold predictions of all samples (set `test`).
    pub pooled: Predictions,
    /// Metrics of the pooled predictions, with bootstrap intervals.
    pub pooled_metrics: SetMetrics,
}

impl CrossValidation {
    /// Mean and sd of the folds' ROC AUC.
    pub fn auc_mean_sd(&self) -> (f64, f64) {
        let v: Vec<f64> = self
            .folds
            .iter()
            .map(|m| m.roc_auc)
            .filter(|a| a.is_finite())
            .collect();
        crate::metrics::stats::mean_sd(&v)
    }

    pub fn report(&self) -> String {
        let (m, sd) = self.auc_mean_sd();
        let p = &self.pooled_metrics;
        format!(
            "{} — {}-fold cross-validation ({} on {})\nfold AUCs: {}\nAUC mean {:.3} ± {:.3} (sd over folds)\n{}",
            self.config.name,
            self.k,
            self.config.model.name(),
            self.config.data.task,
            self.folds.iter().map(|f| format!("{:.3}", f.roc_auc)).collect::<Vec<_>>().join(", "),
            m,
            sd,
            set_line(
                "pooled out-of-fold:",
                p,
                &self.config.data.positive_name()
            )
        )
    }
}

/// Stratified k-fold cross-validation of a configuration on a dataset's training file (for small
/// sets such as MIAS). Inside each fold, an inner stratified 80/20 split of the training folds
/// chooses the best epoch and the threshold, so the held-out fold never steers anything.
pub fn cross_validate(cfg: &TrainConfig, ds: &Dataset, k: usize) -> Result<CrossValidation> {
    let cfg = &cfg.for_dataset(ds)?;
    cfg.validate()?;
    let n_classes = cfg.data.task.n_classes();
    let mut set = ds.train.clone();
    cfg.data.preprocess.apply_set(&mut set);
    let all = crate::data::tasks::task_samples(cfg.data.task, &set)?;
    let folds = crate::data::tasks::stratified_kfold(&all, n_classes, k, cfg.runtime.seed)?;
    let mut fold_metrics = Vec::new();
    let mut pooled = Vec::new();
    let mut thresholds = Vec::new();
    for (fi, (train_part, held_out)) in folds.into_iter().enumerate() {
        let (inner_train, inner_val) = crate::data::tasks::stratified_split(
            &train_part,
            n_classes,
            cfg.data.val_fraction,
            cfg.runtime.seed ^ fi as u64,
        )?;
        let (balanced, report) = crate::data::tasks::balance(
            &inner_train,
            n_classes,
            cfg.data.balance,
            cfg.runtime.seed ^ 4,
        )?;
        let data = train::RunData {
            train_set: set.clone(),
            test_set: Some(set.clone()),
            train: balanced,
            val: inner_val,
            test: held_out,
            balance: report,
            class_weights: cfg
                .optim
                .class_weights
                .then(|| crate::data::tasks::class_weights(&inner_train, n_classes)),
            held_out: None,
        };
        crate::display::status(&format!("fold {}/{k}", fi + 1));
        let trained = train::fit(cfg, data, None, None)?;
        let preds = eval::predict_run(&trained, false)?;
        let m = eval::metrics_from_predictions(&preds, cfg.optim.threshold, cfg.runtime.seed)?;
        thresholds.push(m.validation.threshold.unwrap_or(0.5));
        if let Some(t) = m.test {
            fold_metrics.push(t);
        }
        pooled.extend(preds.rows.into_iter().filter(|p| p.set == "test"));
    }
    let labels: Vec<u8> = pooled.iter().map(|p| p.label).collect();
    let probs: Vec<f64> = pooled
        .iter()
        .flat_map(|p| p.probs.iter().copied())
        .collect();
    // Pooled accuracy and F2 use the median of the folds' (inner-validation) thresholds.
    thresholds.sort_by(f64::total_cmp);
    let thr = thresholds.get(thresholds.len() / 2).copied().unwrap_or(0.5);
    let pooled_metrics = eval::set_metrics(cfg.data.task, &labels, &probs, thr, cfg.runtime.seed)?;
    Ok(CrossValidation {
        config: cfg.clone(),
        k,
        folds: fold_metrics,
        pooled: Predictions {
            task: cfg.data.task,
            rows: pooled,
        },
        pooled_metrics,
    })
}
