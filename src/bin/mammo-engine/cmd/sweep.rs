//! `mammo sweep`: grids of runs from a TOML file (docs/SWEEPS.md): plan, run one index (a Slurm
//! array task), collect the finished runs into one experiment table.
use crate::output::{status, TrainProgress};
use mammo::experiment::sweep::{self, Grid, Status};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// List the grid's runs, their values and status (pending, interrupted, done).
    Plan {
        grid: PathBuf,
        /// Print the plan as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Run one index of the grid (default: SLURM_ARRAY_TASK_ID, PBS_ARRAYID, SGE_TASK_ID - 1
    /// or MAMMO_SWEEP_INDEX); a finished run is reused, an interrupted one continued.
    Run {
        grid: PathBuf,
        #[arg(long)]
        index: Option<usize>,
    },
    /// Build the experiment table of the grid's finished runs (CSV; default
    /// RUNS/<name>.csv) and say which runs are missing.
    Collect {
        grid: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub fn run(cmd: Cmd) -> mammo::Result<()> {
    match cmd {
        Cmd::Plan { grid, json } => plan(grid, json),
        Cmd::Run { grid, index } => {
            let g = Grid::load(&grid)?;
            let index = index.or_else(sweep::index_from_env).ok_or_else(|| {
                mammo::Error::invalid(
                    "sweep run",
                    "give --index N (or run it as a job array: SLURM_ARRAY_TASK_ID)",
                )
            })?;
            status(&format!(
                "sweep {} run {index}: {}",
                g.name,
                g.run_name(index)
            ));
            let mut bar = TrainProgress::new();
            let run = g.run_with_progress(index, Some(&mut |e| bar.handle(e)))?;
            println!("{}", run.report());
            status(&format!("run saved in {}", g.run_dir(index).display()));
            Ok(())
        }
        Cmd::Collect { grid, out } => {
            let g = Grid::load(&grid)?;
            let (mut table, missing) = g.collect()?;
            let out = out.unwrap_or_else(|| g.runs.join(format!("{}.csv", g.name)));
            table.path = Some(out.clone());
            table.save()?;
            println!(
                "{} of {} runs collected into {}",
                table.len(),
                g.len(),
                out.display()
            );
            if !missing.is_empty() {
                println!("not finished: {}", missing.join(", "));
            }
            Ok(())
        }
    }
}

fn plan(grid: PathBuf, json: bool) -> mammo::Result<()> {
    let g = Grid::load(&grid)?;
    let plan = g.plan()?;
    if json {
        for r in &plan {
            let point: serde_json::Map<String, serde_json::Value> = r
                .point
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            println!(
                "{}",
                serde_json::json!({"index": r.index, "name": r.name, "status": r.status.to_string(),
                    "dir": g.run_dir(r.index), "values": point})
            );
        }
        return Ok(());
    }
    println!(
        "sweep {} ({}): {} runs into {}",
        g.name,
        grid.display(),
        plan.len(),
        g.runs.display()
    );
    for r in &plan {
        let vals: Vec<String> = r.point.iter().map(|(k, v)| format!("{k}={v}")).collect();
        println!(
            "{:>4}  {:<24} {:<12} {}",
            r.index,
            r.name,
            r.status.to_string(),
            vals.join("  ")
        );
    }
    let done = plan.iter().filter(|r| r.status == Status::Done).count();
    let stale = plan.iter().filter(|r| r.status == Status::Stale).count();
    if stale > 0 {
        println!(
            "{done} of {} done; {stale} stale (trained on other data or weights: `sweep run` trains them again)",
            plan.len()
        );
    } else {
        println!("{done} of {} done", plan.len());
    }
    Ok(())
}
