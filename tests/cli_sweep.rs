//! `mammo sweep plan / run / collect` end to end: a grid of 4 runs (2 optimizers x 2 seeds) in
//! the smoke profile, each index run in turn as a job array would, then one table.
mod common;
use std::path::Path;

fn sweep(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = common::mammo()
        .current_dir(dir)
        .arg("sweep")
        .args(args)
        .output()
        .unwrap();
    assert!(
        !common::stderr(&o).contains("panicked"),
        "{}",
        common::stderr(&o)
    );
    o
}

#[test]
fn a_grid_goes_plan_run_collect() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    common::small_synth(&data, 0.03, 8);
    let grid = tmp.path().join("grid.toml");
    std::fs::write(
        &grid,
        format!(
            "name = \"opt\"\nruns = \"runs\"\n[base]\ntask = \"benign-malignant\"\nmodel = \"scratch\"\n\
             profile = \"smoke\"\nepochs = 1\ndata = \"{}\"\n[grid]\noptimizer = [\"adam\", \"rmsprop\"]\nseed = [1, 2]\n",
            data.display()
        ),
    )
    .unwrap();
    let d = tmp.path();
    let plan = common::stdout(&common::run_ok(common::mammo().current_dir(d).args([
        "sweep",
        "plan",
        "grid.toml",
    ])));
    assert!(plan.contains("4 runs"), "{plan}");
    for (i, want) in [
        "optimizer=adam  seed=1",
        "optimizer=adam  seed=2",
        "optimizer=rmsprop  seed=1",
        "optimizer=rmsprop  seed=2",
    ]
    .iter()
    .enumerate()
    {
        let line = plan
            .lines()
            .find(|l| l.contains(&format!("opt-{i:03}")))
            .unwrap_or_else(|| panic!("no line for run {i}: {plan}"));
        assert!(line.contains("pending") && line.contains(want), "{line}");
    }
    // Collecting before anything ran: an empty table and the missing runs named.
    let o = sweep(d, &["collect", "grid.toml"]);
    assert!(common::stdout(&o).contains("0 of 4 runs collected"));
    // Index 0 from the command line, the others as a Slurm array would hand them out.
    common::run_ok(common::mammo().current_dir(d).args([
        "sweep",
        "run",
        "grid.toml",
        "--index",
        "0",
    ]));
    for i in 1..4 {
        common::run_ok(
            common::mammo()
                .current_dir(d)
                .env("SLURM_ARRAY_TASK_ID", i.to_string())
                .args(["sweep", "run", "grid.toml"]),
        );
    }
    // A repeated index reuses the finished run instead of training again.
    let again = common::run_ok(common::mammo().current_dir(d).args([
        "sweep",
        "run",
        "grid.toml",
        "--index",
        "2",
    ]));
    assert!(common::stderr(&again).contains("reusing the saved run"));
    let plan = common::stdout(&common::run_ok(common::mammo().current_dir(d).args([
        "sweep",
        "plan",
        "grid.toml",
    ])));
    assert!(plan.contains("4 of 4 done"), "{plan}");
    let o = common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "collect", "grid.toml"]),
    );
    assert!(common::stdout(&o).contains("4 of 4 runs collected"));
    let csv = std::fs::read_to_string(d.join("runs").join("opt.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| *h == n).unwrap();
    let rows: Vec<Vec<String>> = lines
        .map(|l| {
            l.split(',')
                .map(|s| s.trim_matches('"').to_string())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 4);
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| {
            (
                r[col("name")].clone(),
                r[col("optimizer")].clone(),
                r[col("seed")].clone(),
            )
        })
        .collect();
    let want: Vec<(String, String, String)> = [
        ("opt-000", "adam", "1"),
        ("opt-001", "adam", "2"),
        ("opt-002", "rmsprop", "1"),
        ("opt-003", "rmsprop", "2"),
    ]
    .iter()
    .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    .collect();
    assert_eq!(got, want);
    // Each row carries its run's own metrics (as saved in the run folder).
    for r in &rows {
        let m: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(d.join("runs").join(&r[col("name")]).join("metrics.json"))
                .unwrap(),
        )
        .unwrap();
        let auc = m["validation"]["roc_auc"].as_f64().unwrap();
        let row_auc: f64 = r[col("val_auc")].parse().unwrap();
        assert!((auc - row_auc).abs() < 1e-9, "{auc} vs {row_auc}");
        assert_eq!(r[col("best_epoch")], "1");
    }
    // An index outside the grid is a clear error.
    let o = sweep(d, &["run", "grid.toml", "--index", "4"]);
    assert!(!o.status.success());
    assert!(
        common::stderr(&o).contains("grid.toml") && common::stderr(&o).contains("out of range"),
        "{}",
        common::stderr(&o)
    );
}

/// A folder regenerated with another seed after a run finished: `sweep plan` shows the run as
/// stale, `sweep run` trains it again (saying why), and `evaluate --data` refuses to rewrite the
/// old run's metrics with the new data, naming both fingerprints.
#[test]
fn a_run_on_regenerated_data_is_stale_and_trained_again() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let data = d.join("data");
    common::small_synth(&data, 0.03, 8);
    std::fs::write(
        d.join("g.toml"),
        format!(
            "name = \"fp\"\nruns = \"runs\"\n[base]\ntask = \"mass-calc\"\nmodel = \"scratch\"\n\
             profile = \"smoke\"\nepochs = 1\ndata = \"{}\"\n[grid]\nseed = [1]\n",
            data.display()
        ),
    )
    .unwrap();
    common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "run", "g.toml", "--index", "0"]),
    );
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("runs/fp-000/config.json")).unwrap())
            .unwrap();
    let old = cfg["provenance"]["data"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(old.len(), 64, "{cfg}");
    let plan = common::stdout(&common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "plan", "g.toml"]),
    ));
    assert!(plan.contains("1 of 1 done"), "{plan}");
    // The same folder, regenerated with another seed.
    std::fs::remove_dir_all(&data).unwrap();
    common::small_synth(&data, 0.03, 9);
    let plan = common::stdout(&common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "plan", "g.toml"]),
    ));
    let line = plan.lines().find(|l| l.contains("fp-000")).unwrap();
    assert!(line.contains("stale"), "{plan}");
    assert!(plan.contains("1 stale"), "{plan}");
    let o = common::mammo()
        .current_dir(d)
        .args(["evaluate", "--run", "runs/fp-000", "--data"])
        .arg(&data)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let e = common::stderr(&o);
    assert!(e.contains("other data") && e.contains(&old[..12]), "{e}");
    let o = common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "run", "g.toml", "--index", "0"]),
    );
    assert!(
        common::stderr(&o).contains("retraining"),
        "{}",
        common::stderr(&o)
    );
    let cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("runs/fp-000/config.json")).unwrap())
            .unwrap();
    assert_ne!(cfg["provenance"]["data"]["sha256"].as_str().unwrap(), old);
    let plan = common::stdout(&common::run_ok(
        common::mammo()
            .current_dir(d)
            .args(["sweep", "plan", "g.toml"]),
    ));
    assert!(plan.contains("1 of 1 done"), "{plan}");
}
