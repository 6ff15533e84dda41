//! The environment cell every notebook starts with.
use crate::runtime::profile::{data_dir, project_root, runs_dir, Profile};
use std::path::PathBuf;
use tch::Device;

/// What a notebook runs with: device, profile, data and runs folders, seed.
#[derive(Debug, Clone)]
pub struct Env {
    pub device: Device,
    pub profile: Profile,
    pub root: PathBuf,
    pub data: PathBuf,
    pub runs: PathBuf,
    pub seed: u64,
}

impl Env {
    /// Read the environment (`MAMMO_PROFILE`, `MAMMO_DATA`, `MAMMO_RUNS`, `MAMMO_DEVICE`,
    /// `MAMMO_SEED`).
    pub fn from_env() -> Env {
        let seed = std::env::var("MAMMO_SEED")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(42);
        Env {
            device: crate::runtime::device::device(),
            profile: Profile::from_env(),
            root: project_root(),
            data: data_dir(),
            runs: runs_dir(),
            seed,
        }
    }
}

impl std::fmt::Display for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "device   {:?}", self.device)?;
        writeln!(f, "profile  {}", self.profile)?;
        writeln!(f, "data     {}", self.data.display())?;
        writeln!(f, "runs     {}", self.runs.display())?;
        write!(f, "seed     {}", self.seed)
    }
}

/// The environment cell: reads [`Env`], seeds libtorch, prints a summary and returns it.
pub fn env_cell() -> Env {
    let env = Env::from_env();
    tch::manual_seed(env.seed as i64);
    println!("{env}");
    // The default dataset of this notebook's runs (MAMMO_DATA), for the report index; a
    // notebook on other data (06's MIAS pairs) says so itself.
    match crate::data::fingerprint::DataFingerprint::of_dir(&env.data) {
        Ok(f) => key(
            "MAMMO_DATA",
            format!("{} {}", env.data.display(), f.label()),
        ),
        Err(e) => println!("data fingerprint: not available ({e})"),
    }
    // The kernel's one feature cache and file-hash cache, made now, before anything trains
    // (crate::process; the fingerprint above made the kernel's cache of fingerprints).
    let _ = crate::models::featcache::stats();
    let _ = crate::fsx::cached_hashes();
    env
}

/// Print a key number of this run as `KEY <label>: <value>`; `make demo` collects these lines
/// into the reports' index page.
pub fn key(label: &str, value: impl std::fmt::Display) {
    println!("KEY {label}: {value}");
}

/// A series of runs recorded in one experiment table, like the seed's SCRATCH_1..6: each run
/// starts from the base configuration, changes what it studies, trains (or reuses an identical
/// saved run), prints its report and adds its row to the table.
#[derive(Debug)]
pub struct Experiment {
    pub base: crate::train::config::TrainConfig,
    pub table: crate::report::table::ExperimentTable,
    pub runs_dir: PathBuf,
}

impl Experiment {
    /// An experiment whose table is saved as `<runs>/<file>.csv`.
    pub fn new(
        env: &Env,
        file: &str,
        title: &str,
        task: crate::data::tasks::Task,
        model: crate::train::config::ModelKind,
    ) -> crate::Result<Experiment> {
        let mut base = crate::train::config::TrainConfig::new(task, model, env.profile);
        base.runtime.seed = env.seed;
        base.data.dir = env.data.clone();
        std::fs::create_dir_all(&env.runs).map_err(|e| crate::Error::io(&env.runs, e))?;
        let table = crate::report::table::ExperimentTable::open(
            env.runs.join(format!("{file}.csv")),
            title,
        )?;
        Ok(Experiment {
            base,
            table,
            runs_dir: env.runs.clone(),
        })
    }

    /// Train (or reuse) a run from a complete configuration (e.g. one of [`crate::experiment::recipes`]),
    /// and add it to the table.
    pub fn run_config(
        &mut self,
        ds: &crate::data::dataset::Dataset,
        cfg: &crate::train::config::TrainConfig,
    ) -> crate::Result<crate::experiment::run::Run> {
        let r = crate::experiment::run::train_or_load(cfg, ds, &self.runs_dir)?;
        println!("{}", r.report());
        self.table.add(&r.row())?;
        Ok(r)
    }

    /// Train (or reuse) the same configuration once per seed, as runs `<name>_s<seed>`: the
    /// runs of a comparison that holds (see [`crate::experiment::compare::compare_seed_runs`]).
    pub fn over_seeds(
        &mut self,
        ds: &crate::data::dataset::Dataset,
        name: &str,
        seeds: &[u64],
        change: impl Fn(&mut crate::train::config::TrainConfig),
    ) -> crate::Result<Vec<crate::experiment::run::Run>> {
        seeds
            .iter()
            .map(|&s| {
                self.run(ds, &format!("{name}_s{s}"), |c| {
                    change(c);
                    c.runtime.seed = s;
                })
            })
            .collect()
    }

    /// Train (or reuse) the run `name`: the base configuration changed by `change`.
    pub fn run(
        &mut self,
        ds: &crate::data::dataset::Dataset,
        name: &str,
        change: impl FnOnce(&mut crate::train::config::TrainConfig),
    ) -> crate::Result<crate::experiment::run::Run> {
        let mut cfg = self.base.clone();
        cfg.name = name.to_string();
        change(&mut cfg);
        let r = crate::experiment::run::train_or_load(&cfg, ds, &self.runs_dir)?;
        println!("{}", r.report());
        self.table.add(&r.row())?;
        Ok(r)
    }
}

/// The seeds a comparison repeats over in a profile: 2 (smoke), 2 (quick), 5 (full).
pub fn seeds_for(profile: crate::runtime::profile::Profile) -> Vec<u64> {
    match profile {
        crate::runtime::profile::Profile::Smoke => vec![1, 2],
        crate::runtime::profile::Profile::Quick => vec![1, 2],
        crate::runtime::profile::Profile::Full => vec![1, 2, 3, 4, 5],
    }
}
