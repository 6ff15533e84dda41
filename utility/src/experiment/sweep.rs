//! Sweeps: a grid of training configurations in a TOML file, run one index at a time, so that a
//! scheduler that hands out indices (a Slurm job array, a shell loop, GNU parallel) runs the grid
//! on many machines that share one runs folder; then one experiment table of the finished runs.
//!
//! ```toml
//! name = "bm-optimizers"        # runs are named bm-optimizers-000, -001, ...
//! runs = "runs/sweeps"          # optional; default: the runs folder (MAMMO_RUNS or runs/)
//!
//! [base]                        # every run: the `mammo train` settings (task and model required)
//! task = "benign-malignant"
//! model = "scratch"
//! profile = "quick"
//! augment = "flip,rot90"
//!
//! [grid]                        # the cross product of these lists, keys in alphabetical
//!                               # order, the last one varying fastest
//! optimizer = ["adam", "rmsprop"]
//! lr = [1e-3, 1e-4]
//! seed = [1, 2, 3]
//! ```
//! Values may be strings, numbers, booleans, or lists (joined with commas: `head = [512, 256]`).
//! Relative paths (`runs`, `data`, `weights`) are taken from the current directory.
use crate::error::{Error, Result};
use crate::report::table::ExperimentTable;
use crate::train::config::TrainConfig;
use std::path::{Path, PathBuf};

/// A parsed grid file.
#[derive(Debug, Clone, PartialEq)]
pub struct Grid {
    pub path: PathBuf,
    pub name: String,
    pub runs: PathBuf,
    /// Settings shared by every run (keys in alphabetical order).
    pub base: Vec<(String, String)>,
    /// The axes of the grid (keys in alphabetical order), each with its values.
    pub axes: Vec<(String, Vec<String>)>,
}

/// Where a run of the grid stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Not started (no run folder, or one of another configuration).
    Pending,
    /// Started and interrupted: `sweep run` continues it from its checkpoint.
    Interrupted,
    /// Finished (metrics.json written).
    Done,
    /// Finished, but on other data or with other backbone weights than the grid's now:
    /// `sweep run` trains it again.
    Stale,
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Status::Pending => "pending",
            Status::Interrupted => "interrupted",
            Status::Done => "done",
            Status::Stale => "stale",
        })
    }
}

/// One run of a grid.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedRun {
    pub index: usize,
    pub name: String,
    /// The grid values of this run (axis, value).
    pub point: Vec<(String, String)>,
    pub config: TrainConfig,
    pub status: Status,
}

fn value_text(v: &toml::Value, key: &str, path: &Path) -> Result<String> {
    Ok(match v {
        toml::Value::String(s) => s.clone(),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        toml::Value::Array(a) => a
            .iter()
            .map(|x| value_text(x, key, path))
            .collect::<Result<Vec<_>>>()?
            .join(","),
        _ => {
            return Err(Error::bad_file(
                path,
                format!("{key}: expected a string, number, boolean or list"),
            ))
        }
    })
}

impl Grid {
    /// Read and check a grid file (every run's configuration must be valid).
    pub fn load(path: impl AsRef<Path>) -> Result<Grid> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let g = Grid::parse(&text, path)?;
        for i in 0..g.len() {
            g.config(i)?;
        }
        Ok(g)
    }

    /// Parse grid text (`path` names the file in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Grid> {
        let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            Error::bad_file(path, format!("not valid TOML: {}", e.message()))
        })?;
        for k in doc.keys() {
            if !matches!(k.as_str(), "name" | "runs" | "base" | "grid") {
                return Err(Error::bad_file(
                    path,
                    format!("unknown top-level key '{k}' (expected name, runs, [base], [grid])"),
                ));
            }
        }
        let name = match doc.get("name") {
            Some(toml::Value::String(s)) => s.clone(),
            Some(_) => return Err(Error::bad_file(path, "name must be a string")),
            None => path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "sweep".into()),
        };
        crate::train::run_dir(Path::new("."), &name)
            .map_err(|e| Error::bad_file(path, format!("name: {e}")))?;
        let runs = match doc.get("runs") {
            Some(toml::Value::String(s)) => PathBuf::from(s),
            Some(_) => return Err(Error::bad_file(path, "runs must be a string (a folder)")),
            None => crate::runtime::profile::runs_dir(),
        };
        let table = |key: &str| -> Result<Vec<(String, toml::Value)>> {
            match doc.get(key) {
                None => Ok(Vec::new()),
                Some(toml::Value::Table(t)) => {
                    Ok(t.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                }
                Some(_) => Err(Error::bad_file(path, format!("[{key}] must be a table"))),
            }
        };
        let mut base = Vec::new();
        for (k, v) in table("base")? {
            base.push((k.clone(), value_text(&v, &k, path)?));
        }
        let mut axes = Vec::new();
        for (k, v) in table("grid")? {
            let vals = match &v {
                toml::Value::Array(a) if !a.is_empty() => a
                    .iter()
                    .map(|x| value_text(x, &k, path))
                    .collect::<Result<Vec<_>>>()?,
                _ => {
                    return Err(Error::bad_file(
                        path,
                        format!("grid.{k}: expected a non-empty list of values"),
                    ))
                }
            };
            if base.iter().any(|(b, _)| b == &k) {
                return Err(Error::bad_file(
                    path,
                    format!("'{k}' is in both [base] and [grid]"),
                ));
            }
            axes.push((k, vals));
        }
        for k in base.iter().map(|b| &b.0).chain(axes.iter().map(|a| &a.0)) {
            if k == "name" {
                return Err(Error::bad_file(
                    path,
                    "run names come from the grid's name: remove 'name' from [base]/[grid]",
                ));
            }
        }
        Ok(Grid {
            path: path.to_path_buf(),
            name,
            runs,
            base,
            axes,
        })
    }

    /// Number of runs (the product of the axes' lengths; 1 for a grid without axes).
    pub fn len(&self) -> usize {
        self.axes.iter().map(|(_, v)| v.len()).product()
    }

    /// A grid always holds at least one run.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check_index(&self, index: usize) -> Result<()> {
        if index >= self.len() {
            return Err(Error::bad_file(
                &self.path,
                format!(
                    "index {index} is out of range: the grid has {} runs (0..={})",
                    self.len(),
                    self.len().saturating_sub(1)
                ),
            ));
        }
        Ok(())
    }

    /// The grid values of run `index` (row-major: the last axis varies fastest).
    pub fn point(&self, index: usize) -> Result<Vec<(String, String)>> {
        self.check_index(index)?;
        let mut rest = index;
        let mut out = vec![(String::new(), String::new()); self.axes.len()];
        for (i, (k, vals)) in self.axes.iter().enumerate().rev() {
            out[i] = (k.clone(), vals[rest % vals.len()].clone());
            rest /= vals.len();
        }
        Ok(out)
    }

    /// The run name of an index: `<name>-<index, 3 digits>`.
    pub fn run_name(&self, index: usize) -> String {
        format!("{}-{index:03}", self.name)
    }

    /// The training configuration of run `index`. Settings of `[base]` that the point's model
    /// does not have (`cut`, `adapter`, `head`, `weights` for the scratch and Siamese models) are
    /// left out for that point, so that one base serves a grid over models; the same settings
    /// in `[grid]` are errors for such a model.
    pub fn config(&self, index: usize) -> Result<TrainConfig> {
        let point = self.point(index)?;
        let model = point
            .iter()
            .chain(self.base.iter().rev())
            .find(|(k, _)| k == "model")
            .and_then(|(_, v)| crate::train::config::ModelKind::parse(v).ok());
        let mut settings: Vec<(String, String)> = self
            .base
            .iter()
            .filter(|(k, _)| {
                model.is_none_or(|m| m.is_pretrained())
                    || !TrainConfig::PRETRAINED_KEYS.contains(&k.replace('-', "_").as_str())
            })
            .cloned()
            .collect();
        settings.extend(point);
        settings.push(("name".into(), self.run_name(index)));
        TrainConfig::from_settings(&settings).map_err(|e| {
            Error::bad_file(
                &self.path,
                format!("run {index} ({}): {e}", self.run_name(index)),
            )
        })
    }

    /// The folder of run `index`.
    pub fn run_dir(&self, index: usize) -> PathBuf {
        self.runs.join(self.run_name(index))
    }

    /// Where run `index` stands in the runs folder.
    pub fn status(&self, index: usize) -> Result<Status> {
        let cfg = self.config(index)?;
        let d = self.run_dir(index);
        let saved = crate::eval::read_config(&d).ok();
        Ok(match saved {
            Some(c) if cfg.matches_saved(&c) && d.join("metrics.json").exists() => {
                // Where the grid's data cannot be read here (a plan on a login node without
                // it), what the run was trained on cannot be compared.
                let now = crate::train::config::Provenance::of_dir(&cfg);
                match now.map(|n| n.compare(c.provenance.as_ref())) {
                    Ok(crate::train::config::SameProvenance::Differs(_)) => Status::Stale,
                    _ => Status::Done,
                }
            }
            Some(c) if cfg.matches_saved(&c) && crate::train::has_checkpoint(&d) => {
                Status::Interrupted
            }
            _ => Status::Pending,
        })
    }

    /// Every run with its grid values, configuration and status.
    pub fn plan(&self) -> Result<Vec<PlannedRun>> {
        (0..self.len())
            .map(|i| {
                Ok(PlannedRun {
                    index: i,
                    name: self.run_name(i),
                    point: self.point(i)?,
                    config: self.config(i)?,
                    status: self.status(i)?,
                })
            })
            .collect()
    }

    /// Run index `index`: reuse it when done, continue it when interrupted, train it otherwise.
    pub fn run(&self, index: usize) -> Result<crate::experiment::run::Run> {
        self.run_with_progress(index, None)
    }

    /// [`Grid::run`], reporting the training's progress to a callback.
    pub fn run_with_progress(
        &self,
        index: usize,
        progress: Option<crate::train::Progress>,
    ) -> Result<crate::experiment::run::Run> {
        let cfg = self.config(index)?;
        let ds = crate::data::dataset::Dataset::load(&cfg.data.dir)?;
        std::fs::create_dir_all(&self.runs).map_err(|e| Error::io(&self.runs, e))?;
        crate::experiment::run::train_or_load_with_progress(&cfg, &ds, &self.runs, progress)
    }

    /// The experiment table of the finished runs (in index order) and the names of those not
    /// finished yet.
    pub fn collect(&self) -> Result<(ExperimentTable, Vec<String>)> {
        let mut table = ExperimentTable::new(format!("sweep {}", self.name))?;
        let mut missing = Vec::new();
        for i in 0..self.len() {
            if self.status(i)? == Status::Done {
                table.add(&crate::experiment::run::load(self.run_dir(i))?.row())?;
            } else {
                missing.push(self.run_name(i));
            }
        }
        Ok((table, missing))
    }
}

/// The index a scheduler hands out: `SLURM_ARRAY_TASK_ID`, else `PBS_ARRAYID`, else
/// `SGE_TASK_ID` (1-based there, so minus one), else `MAMMO_SWEEP_INDEX`.
pub fn index_from_env() -> Option<usize> {
    let get = |k: &str| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    get("SLURM_ARRAY_TASK_ID")
        .or_else(|| get("PBS_ARRAYID"))
        .or_else(|| get("SGE_TASK_ID").map(|i| i.saturating_sub(1)))
        .or_else(|| get("MAMMO_SWEEP_INDEX"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::config::ModelConfig;

    const GRID: &str = r#"
name = "g"
runs = "/tmp/runs"
[base]
task = "benign-malignant"
model = "vgg16"
profile = "smoke"
head = [512, 256]
[grid]
seed = [1, 2]
optimizer = ["adam", "rmsprop"]
lr = [1e-3, 0.0001, 0.01]
"#;

    #[test]
    fn points_are_the_cross_product_in_row_major_order() {
        let g = Grid::parse(GRID, Path::new("g.toml")).unwrap();
        assert_eq!(g.len(), 12);
        let p = |i| {
            g.point(i)
                .unwrap()
                .into_iter()
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
        };
        // Axes in alphabetical order (lr, optimizer, seed); the last varies fastest.
        let keys: Vec<&str> = g.axes.iter().map(|a| a.0.as_str()).collect();
        assert_eq!(keys, ["lr", "optimizer", "seed"]);
        assert_eq!(p(0), ["0.001", "adam", "1"]);
        assert_eq!(p(1), ["0.001", "adam", "2"]);
        assert_eq!(p(2), ["0.001", "rmsprop", "1"]);
        assert_eq!(p(11), ["0.01", "rmsprop", "2"]);
        let all: std::collections::HashSet<Vec<String>> = (0..12).map(p).collect();
        assert_eq!(all.len(), 12, "every index is a different point");
        let c = g.config(7).unwrap();
        assert_eq!(c.name, "g-007");
        // 7 = lr index 1, optimizer index 1, seed index 1.
        assert_eq!(
            c.optim.optimizer,
            crate::train::config::OptimizerKind::RmsProp
        );
        assert_eq!(c.optim.lr, 1e-4);
        assert_eq!(c.runtime.seed, 2);
        assert_eq!(c.model.pretrained().unwrap().head, vec![512, 256]);
        assert!(g
            .point(12)
            .unwrap_err()
            .to_string()
            .contains("out of range"));
    }

    #[test]
    fn a_base_serves_a_grid_over_models() {
        // The head of [base] is the pretrained model's; the scratch point goes without it.
        let g = Grid::parse(
            "name = \"m\"\n[base]\ntask = \"mass-calc\"\nprofile = \"smoke\"\n\
             head = [512, 256]\ncut = \"top\"\n[grid]\nmodel = [\"scratch\", \"vgg16\"]\n",
            Path::new("m.toml"),
        )
        .unwrap();
        let scratch = g.config(0).unwrap();
        assert_eq!(scratch.model, ModelConfig::Scratch { dropout: None });
        let vgg = g.config(1).unwrap();
        assert_eq!(vgg.model.pretrained().unwrap().head, vec![512, 256]);
        // A grid axis that the model does not have is an error naming it.
        let g = Grid::parse(
            "name = \"c\"\n[base]\ntask = \"mass-calc\"\nmodel = \"scratch\"\n\
             [grid]\ncut = [\"top\", \"block5\"]\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let e = g.config(0).unwrap_err().to_string();
        assert!(
            e.contains("c.toml") && e.contains("cut") && e.contains("scratch"),
            "{e}"
        );
    }

    #[test]
    fn bad_grids_name_the_file_and_the_fault() {
        let cases = [
            ("name = \"g\"\n[grid]\nlr = []", "grid.lr"),
            ("nme = \"g\"", "unknown top-level key 'nme'"),
            ("[base\n", "not valid TOML"),
            (
                "[base]\ntask='mass-calc'\nmodel='scratch'\n[grid]\nlr=[0.0]",
                "learning rate",
            ),
            (
                "[base]\ntask='mass-calc'\nmodel='scratch'\n[grid]\naugment=['flip','rot9']",
                "rot9",
            ),
            (
                "[base]\ntask='mass-calc'\nmodel='scratch'\nlr=1\n[grid]\nlr=[1]",
                "both",
            ),
            (
                "[base]\ntask='mass-calc'\nmodel='scratch'\n[grid]\nepocs=[1]",
                "unknown key 'epocs'",
            ),
        ];
        for (text, want) in cases {
            let r = Grid::parse(text, Path::new("bad.toml")).and_then(|g| {
                for i in 0..g.len() {
                    g.config(i)?;
                }
                Ok(g)
            });
            let e = r.unwrap_err().to_string();
            assert!(e.contains("bad.toml") && e.contains(want), "{text:?}: {e}");
        }
    }
}
