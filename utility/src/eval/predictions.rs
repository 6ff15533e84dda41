//! Predictions of a run on its sets (`predictions.csv`), the metrics computed from them, and the
//! average-voting ensemble of seed §7.
use super::*;
use crate::data::tasks::Task;
use crate::error::{Error, Result};
use crate::train::config::ThresholdPolicy;
use crate::train::Trained;
use std::path::Path;
/// One prediction: which set, the row in that set's source file, the true task label, and the
/// probability of class 1 (binary) or of each class (4-class).
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub set: String,
    pub index: usize,
    pub label: u8,
    pub probs: Vec<f64>,
}

/// Predictions of a run for validation and test.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    pub task: Task,
    pub rows: Vec<Prediction>,
}

impl Predictions {
    /// Labels and flat probabilities of one set.
    pub fn of_set(&self, set: &str) -> (Vec<u8>, Vec<f64>) {
        let rows: Vec<&Prediction> = self.rows.iter().filter(|r| r.set == set).collect();
        (
            rows.iter().map(|r| r.label).collect(),
            rows.iter().flat_map(|r| r.probs.iter().copied()).collect(),
        )
    }

    /// CSV: `set,index,label,probability` (binary) or `set,index,label,p0,p1,p2,p3` (4-class).
    pub fn to_csv(&self) -> String {
        let k = self.task.n_classes();
        let mut s = if k == 2 {
            "set,index,label,probability\n".to_string()
        } else {
            format!(
                "set,index,label,{}\n",
                (0..k)
                    .map(|c| format!("p{c}"))
                    .collect::<Vec<_>>()
                    .join(",")
            )
        };
        for r in &self.rows {
            let ps: Vec<String> = r.probs.iter().map(|p| format!("{p}")).collect();
            s.push_str(&format!(
                "{},{},{},{}\n",
                r.set,
                r.index,
                r.label,
                ps.join(",")
            ));
        }
        s
    }

    pub fn from_csv(task: Task, text: &str, path: &Path) -> Result<Predictions> {
        let k = task.n_classes();
        let want = if k == 2 { 4 } else { 3 + k };
        let mut lines = text.lines();
        let header = lines.next().unwrap_or_default();
        if !header.starts_with("set,index,label,") || header.split(',').count() != want {
            return Err(Error::bad_file(
                path,
                format!("not a predictions file for the {task} task (header '{header}')"),
            ));
        }
        let mut rows = Vec::new();
        for (i, l) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let v: Vec<&str> = l.split(',').collect();
            let bad = |what: &str| Error::bad_file(path, format!("line {}: {what}", i + 2));
            if v.len() != want {
                return Err(bad(&format!("expected {want} fields")));
            }
            if v[0] != "validation" && v[0] != "test" {
                return Err(bad("set must be validation or test"));
            }
            let probs = v[3..]
                .iter()
                .map(|x| x.trim().parse::<f64>())
                .collect::<std::result::Result<Vec<f64>, _>>()
                .map_err(|_| bad("bad probability"))?;
            if probs.iter().any(|p| !(0.0..=1.0).contains(p)) {
                return Err(bad("probability outside [0, 1]"));
            }
            rows.push(Prediction {
                set: v[0].to_string(),
                index: v[1].trim().parse().map_err(|_| bad("bad index"))?,
                label: v[2].trim().parse().map_err(|_| bad("bad label"))?,
                probs,
            });
        }
        Ok(Predictions { task, rows })
    }
}

/// Metrics of a run from its predictions: threshold chosen on validation, applied to test.
pub fn metrics_from_predictions(
    preds: &Predictions,
    policy: ThresholdPolicy,
    seed: u64,
) -> Result<RunMetrics> {
    let task = preds.task;
    let (vl, vp) = preds.of_set("validation");
    if vl.is_empty() {
        return crate::error::invalid("predictions", "no validation predictions");
    }
    let thr = if task.n_classes() == 2 {
        choose_threshold(policy, &vl, &vp)?
    } else {
        0.5
    };
    let validation = set_metrics(task, &vl, &vp, thr, seed)?;
    let (tl, tp) = preds.of_set("test");
    let test = if tl.is_empty() {
        None
    } else {
        Some(set_metrics(task, &tl, &tp, thr, seed)?)
    };
    Ok(RunMetrics {
        task,
        validation,
        test,
    })
}

/// Predict validation and test of a trained model.
pub fn predict_run(t: &Trained, tta: bool) -> Result<Predictions> {
    let aug = tta.then(crate::transforms::augment::Augment::default);
    let k = t.config.data.task.n_classes();
    let per = if k == 2 { 1 } else { k };
    let mut rows = Vec::new();
    let vp = t
        .model
        .predict(&t.data.train_set, &t.data.val, 128, aug.as_ref())?;
    for (i, s) in t.data.val.iter().enumerate() {
        rows.push(Prediction {
            set: "validation".into(),
            index: s.row,
            label: s.label,
            probs: vp[i * per..(i + 1) * per].to_vec(),
        });
    }
    if let Some(ts) = &t.data.test_set {
        let tp = t.model.predict(ts, &t.data.test, 128, aug.as_ref())?;
        for (i, s) in t.data.test.iter().enumerate() {
            rows.push(Prediction {
                set: "test".into(),
                index: s.row,
                label: s.label,
                probs: tp[i * per..(i + 1) * per].to_vec(),
            });
        }
    }
    Ok(Predictions {
        task: t.config.data.task,
        rows,
    })
}
/// Average voting (seed §7): the mean of the runs' probabilities for each (set, index).
///
/// All runs must be of the same task. Runs of different models may have predicted different
/// numbers of samples (the quick and smoke profiles give pretrained models fewer images); the
/// ensemble then averages over the samples every run predicted, and says how many that is. This
/// stays honest: a run predicts a validation or test sample only if it did not train on it, so a
/// sample all runs predicted is held out for all of them. A sample labelled differently by two
/// runs means they were trained on different data, which is an error.
pub fn ensemble(runs: &[&Predictions]) -> Result<Predictions> {
    let first = runs
        .first()
        .ok_or_else(|| Error::invalid("ensemble", "needs at least one run"))?;
    type Key = (String, usize);
    let mut sums: std::collections::BTreeMap<Key, (Prediction, usize)> = first
        .rows
        .iter()
        .map(|p| ((p.set.clone(), p.index), (p.clone(), 1)))
        .collect();
    for (i, r) in runs.iter().enumerate().skip(1) {
        if r.task != first.task {
            return crate::error::invalid(
                "ensemble",
                format!(
                    "run {} is a {} run, run 1 a {} run",
                    i + 1,
                    r.task,
                    first.task
                ),
            );
        }
        for p in &r.rows {
            if let Some((b, n)) = sums.get_mut(&(p.set.clone(), p.index)) {
                if b.label != p.label || b.probs.len() != p.probs.len() {
                    return crate::error::invalid(
                        "ensemble",
                        format!(
                            "run {} labels {} sample {} as {}, run 1 as {}: ensemble runs trained on the same dataset",
                            i + 1,
                            p.set,
                            p.index,
                            p.label,
                            b.label
                        ),
                    );
                }
                for (x, y) in b.probs.iter_mut().zip(&p.probs) {
                    *x += y;
                }
                *n += 1;
            }
        }
    }
    let n_runs = runs.len();
    let mut rows = Vec::new();
    for (_, (mut p, n)) in sums {
        if n == n_runs {
            for x in p.probs.iter_mut() {
                *x /= n_runs as f64;
            }
            rows.push(p);
        }
    }
    let count = |ps: &[Prediction], set: &str| ps.iter().filter(|p| p.set == set).count();
    for set in ["validation", "test"] {
        let most = runs.iter().map(|r| count(&r.rows, set)).max().unwrap_or(0);
        let shared = count(&rows, set);
        if most > 0 && shared == 0 {
            return crate::error::invalid(
                "ensemble",
                format!("the runs share no {set} sample: ensemble runs trained with the same data and seed"),
            );
        }
        if shared < most {
            crate::display::notice(&format!(
                "ensemble: the runs predicted different {set} samples (their profiles give them different sizes);                  averaging over the {shared} that all {n_runs} predicted"
            ));
        }
    }
    Ok(Predictions {
        task: first.task,
        rows,
    })
}
