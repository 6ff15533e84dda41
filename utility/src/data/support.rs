//! Which tasks a dataset can train, and its class names for a task: [`Dataset::supports`](crate::data::dataset::Dataset::supports)
//! (`mammo inspect`, the notebooks' skipped cells, the findings a dataset cannot test) and
//! [`Dataset::class_names`](crate::data::dataset::Dataset::class_names).
use crate::data::tasks::{class_counts, task_samples, Task};

/// What a dataset can train (its own module, so that `data::dataset` does not depend on the
/// tasks).
impl crate::data::dataset::Dataset {
    /// Whether the dataset can train `task`: `Err` says why not in one line (pairs or labelled
    /// images; a class without at least two examples to train on).
    pub fn supports(&self, task: Task) -> std::result::Result<(), String> {
        let task = match (task, &self.classes) {
            (Task::Labels(_), None) => {
                return Err(
                    "labels needs a labelled-image dataset (made by `mammo import folder`); this one holds (baseline, abnormality) pairs".into(),
                )
            }
            (Task::Labels(_), Some(c)) => Task::Labels(c.len() as u8),
            (t, Some(c)) => {
                return Err(format!(
                    "{t} needs the course's (baseline, abnormality) pairs; this dataset holds labelled images ({})",
                    c.join(", ")
                ))
            }
            (t, None) => t,
        };
        let samples = task_samples(task, &self.train).map_err(|e| e.to_string())?;
        let counts = class_counts(&samples, task.n_classes());
        let names = self.class_names(task);
        let few: Vec<String> = counts
            .iter()
            .zip(&names)
            .filter(|(&c, _)| c < 2)
            .map(|(c, n)| format!("{n} ({c})"))
            .collect();
        if few.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{} needs every class in the training data; this dataset has too few examples of {}",
                task.name(),
                few.join(", ")
            ))
        }
    }

    /// The class names of a task on this dataset: the seed's for its tasks, the dataset's own
    /// for `labels`.
    pub fn class_names(&self, task: Task) -> Vec<String> {
        match (task, &self.classes) {
            (Task::Labels(_), Some(c)) => c.clone(),
            (t, _) => t.class_names().iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Five (baseline, mass) pairs, three benign and two malignant, written into `dir` and loaded:
/// a dataset that cannot train mass vs calcification (tests).
#[cfg(test)]
pub(crate) fn mass_only_dataset(dir: &std::path::Path) -> crate::data::dataset::Dataset {
    let (ip, lp) = (dir.join("i.npy"), dir.join("l.npy"));
    let labels = [0i64, 1, 0, 2, 0, 1, 0, 2, 0, 1];
    crate::data::npy::write(&ip, &[10, 150, 150], &vec![7u8; 10 * 150 * 150]).unwrap();
    crate::data::npy::write(&lp, &[10], &labels).unwrap();
    crate::data::dataset::Dataset::from_files(&ip, &lp).unwrap()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A mass-only import (no calcification) can train benign vs malignant, not mass vs
    /// calcification, the Siamese task or the four classes; the reasons name the missing
    /// classes. Course pairs cannot train `labels`.
    #[test]
    fn which_tasks_a_dataset_supports() {
        let tmp = tempfile::tempdir().unwrap();
        let ds = mass_only_dataset(tmp.path());
        assert_eq!(ds.supports(Task::BenignMalignant), Ok(()));
        for t in [Task::MassCalc, Task::Siamese, Task::FourClass] {
            let e = ds.supports(t).unwrap_err();
            assert!(
                e.contains("too few examples of") && e.contains("calcification"),
                "{t}: {e}"
            );
        }
        let e = ds.supports(Task::Labels(0)).unwrap_err();
        assert!(
            e.starts_with("labels needs a labelled-image dataset"),
            "{e}"
        );
    }
}
