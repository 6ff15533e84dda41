//! Tests of the history-derived rows, the overfitting check and the seed-vs-run comparison.
use super::*;

#[test]
fn history_derived_metrics() {
    let s6 = find_row("SCRATCH_6").unwrap();
    assert_eq!(s6.derived_from(), Some(("SCRATCH_4", 35)));
    assert_eq!(s6.epoch_in(Profile::Full).unwrap(), Some(35));
    assert_eq!(s6.epoch_in(Profile::Quick).unwrap(), Some(11)); // 35/50 of 15 = 10.5
    assert_eq!(s6.epoch_in(Profile::Smoke).unwrap(), Some(1)); // 35/50 of 2 = 1.4
    let i3 = find_row("INCEPTION_BM_3").unwrap();
    assert_eq!(i3.epoch_in(Profile::Full).unwrap(), Some(10));
    assert_eq!(i3.epoch_in(Profile::Quick).unwrap(), Some(1)); // 10/20 of 2 = 1
    assert_eq!(
        find_row("SCRATCH_4")
            .unwrap()
            .epoch_in(Profile::Full)
            .unwrap(),
        None
    );
    let h = history(50, 40);
    let m = s6.derived_metrics(Profile::Full, &h).unwrap();
    assert_eq!(m.epoch, 35);
    assert!((m.val_accuracy - (0.6 + 35.0 / 200.0)).abs() < 1e-12);
    assert!((m.val_loss - (0.9 - 35.0 / 200.0)).abs() < 1e-12);
    assert!((m.val_auc - 0.735).abs() < 1e-12);
    assert!((m.val_f2 - 0.435).abs() < 1e-12);
    assert!((m.train_loss - 1.0 / 35.0).abs() < 1e-12);
    // A history that stopped before the epoch is an error naming it.
    let e = s6
        .derived_metrics(Profile::Full, &history(20, 20))
        .unwrap_err()
        .to_string();
    assert!(e.contains("35") && e.contains("20 epochs"), "{e}");
    assert!(find_row("SCRATCH_4")
        .unwrap()
        .derived_metrics(Profile::Full, &h)
        .is_err());
    let last = last_epoch(&h).unwrap();
    assert_eq!(last.epoch, 50);
    assert!(last_epoch(&History::default()).is_err());
}

#[test]
fn overfitting_pairs() {
    let env = env(Profile::Quick);
    let row = find_row("SCRATCH_1").unwrap();
    let run = fake_run(row.config(&env).unwrap(), Some(history(4, 4)));
    let (ta, va, tl, vl) = overfitting(&run).unwrap();
    assert!((ta - 0.54).abs() < 1e-12 && (va - 0.62).abs() < 1e-12);
    assert!((tl - 0.25).abs() < 1e-12 && (vl - 0.88).abs() < 1e-12);
    let chk = OverfitCheck::new(&row, Some(&run)).unwrap();
    let html = chk.to_html().0;
    for s in [
        "SCRATCH_1",
        "0.97",
        "0.81",
        "0.1",
        "1.55",
        "0.540",
        "0.620",
        "0.880",
    ] {
        assert!(html.contains(s), "{s}: {html}");
    }
    let none = OverfitCheck::new(&row, None).unwrap();
    assert!(none.run.is_none() && none.to_html().0.contains("1.55"));
    assert!(none.to_html().0.contains("not trained in this profile"));
    assert!(!html.contains("not trained in this profile"));
    assert!(OverfitCheck::new(&find_row("SCRATCH_4").unwrap(), None).is_err());
    let no_history = fake_run(row.config(&env).unwrap(), None);
    assert!(overfitting(&no_history).is_err());
}

#[test]
fn comparison_shows_seed_and_run_side_by_side() {
    let env = env(Profile::Quick);
    let t = scratch_mass_calc();
    let runs: Vec<Run> = ["SCRATCH_1", "SCRATCH_2", "SCRATCH_4"]
        .iter()
        .map(|id| {
            let c = t.row(id).unwrap().config(&env).unwrap();
            fake_run(c, Some(history(15, 2)))
        })
        .collect();
    let mut odd = t.row("SCRATCH_5").unwrap().config(&env).unwrap();
    odd.optim.lr = 0.01;
    let odd = fake_run(odd, Some(history(15, 15)));
    let cmp = SeedComparison::new(&t, &env, runs.iter().chain([&odd])).unwrap();
    assert_eq!(cmp.rows.len(), 6);
    let r4 = cmp.row("SCRATCH_4").unwrap();
    assert_eq!(r4.status, Status::Run);
    assert!(r4.differs.is_empty(), "{:?}", r4.differs);
    assert_eq!(r4.seed.auc, Some(0.87));
    assert_eq!(r4.run.as_ref().unwrap().auc, 0.888);
    assert_eq!(r4.run.as_ref().unwrap().set, "test");
    assert_eq!(r4.run_from, "test, best epoch (2) of 15");
    assert_eq!(r4.seed_from, "last epoch (50)");
    assert_eq!(r4.last.unwrap().epoch, 15);
    assert_eq!(r4.param(Param::Optimizer), "RMSprop");
    assert_eq!(r4.param(Param::Augment), "flip+rot90");
    let r5 = cmp.row("SCRATCH_5").unwrap();
    assert_eq!(r5.differs, ["lr"]);
    assert!(r5.status_text().contains("differs") && r5.status_text().contains("lr"));
    assert_eq!(r5.run_from, "test, last epoch (15)");
    // SCRATCH_3 runs in full only: seed numbers, no run numbers.
    let r3 = cmp.row("SCRATCH_3").unwrap();
    assert_eq!(r3.status, Status::FullOnly);
    assert!(r3.run.is_none() && r3.seed.accuracy == Some(0.85));
    // SCRATCH_6 from SCRATCH_4's history, at epoch 11 of 15 in quick (35/50 of 15 = 10.5).
    let r6 = cmp.row("SCRATCH_6").unwrap();
    assert_eq!(
        r6.status,
        Status::FromHistory {
            of: "SCRATCH_4".into(),
            epoch: 11
        }
    );
    let m6 = r6.run.as_ref().unwrap();
    assert_eq!(m6.set, "validation");
    assert!((m6.accuracy - 0.655).abs() < 1e-12);
    assert!(r6.differs.is_empty(), "{:?}", r6.differs);
    assert!(r6.run_from.contains("SCRATCH_4"));
    let html = cmp.to_html().0;
    for r in &t.rows {
        assert!(html.contains(r.label), "{}", r.label);
    }
    for s in [
        "seed",
        "this run",
        "95% CI",
        "0.87",
        "0.29",
        "0.888",
        "[0.848, 0.928]",
        "full profile only",
        "read from SCRATCH_4",
        "last epoch (50)",
        "n/a",
        "–",
        "augmentation",
        "learning rate",
        "§4.1",
    ] {
        assert!(html.contains(s), "{s}");
    }
}

#[test]
fn full_only_rows_render_with_seed_numbers_but_no_run_numbers() {
    let env = env(Profile::Smoke);
    let t = inception_benign_malignant();
    let cmp = SeedComparison::new(&t, &env, std::iter::empty::<&Run>()).unwrap();
    for r in &cmp.rows {
        assert!(r.run.is_none() && r.last.is_none(), "{}", r.id);
    }
    let r7 = cmp.row("INCEPTION_BM_7").unwrap();
    assert_eq!(r7.status, Status::FullOnly);
    assert_eq!(r7.seed.f2, Some(0.19));
    assert_eq!(cmp.row("INCEPTION_BM_5").unwrap().status, Status::FullOnly);
    assert_eq!(cmp.row("INCEPTION_BM_BEST").unwrap().status, Status::NotRun);
    assert!(matches!(
        cmp.row("INCEPTION_3").unwrap().status,
        Status::Unavailable(_)
    ));
    let html = cmp.to_html().0;
    assert!(
        html.contains("BEST INCEPTION")
            && html.contains("0.19")
            && html.contains("full profile only")
    );
    // The seed's INCEPTION_7 row: seed cells filled, run cells empty.
    let row_html = html
        .split("<tr>")
        .find(|s| s.contains("<b>INCEPTION_7</b>"))
        .unwrap();
    assert!(row_html.contains("0.68") && row_html.contains("0.56"));
    assert!(row_html.contains("<td style=\"padding:2px 6px;text-align:right\"></td>"));
    let csv = cmp.to_csv();
    let line = csv
        .lines()
        .find(|l| l.contains(",INCEPTION_BM_7,"))
        .unwrap();
    assert!(line.contains(",0.68,,0.6,,0.19,,0.56,"), "{line}");
    assert!(line.contains("full profile only"));
}

#[test]
fn csv_is_written_atomically_and_parses() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        runs: dir.path().to_path_buf(),
        ..env(Profile::Quick)
    };
    let t = ensemble();
    let members: Vec<Run> = ["SCRATCH_BM_V6", "VGG16_BM_BEST", "INCEPTION_BM_BEST"]
        .iter()
        .map(|id| {
            fake_run(
                find_row(id).unwrap().config(&env).unwrap(),
                Some(history(3, 3)),
            )
        })
        .collect();
    let mut ens = fake_run(members[0].config.clone(), None);
    ens.config.name = ENSEMBLE_RUN.into();
    ens.members = members.iter().map(|r| r.config.name.clone()).collect();
    let cmp = t.compare(&env, members.iter().chain([&ens])).unwrap();
    assert_eq!(
        cmp.row("Ensemble").unwrap().status,
        Status::Ensemble(ens.members.clone())
    );
    assert!(cmp.row("Ensemble").unwrap().differs.is_empty());
    assert_eq!(
        cmp.row("Best_BM_VGG16").unwrap().status,
        Status::SameRunAs("VGG16_BM_BEST".into())
    );
    let path = t.csv_path(&env);
    cmp.save_csv(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text, cmp.to_csv());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    let n = SeedComparison::csv_header().split(',').count();
    // Every line has the header's field count (no field here has a comma inside quotes
    // that would split: count fields with a tiny CSV reader).
    for l in &lines {
        assert_eq!(split_csv(l).len(), n, "{l}");
    }
    assert!(lines[4].starts_with("ensemble,ENSEMBLE,Ensemble,"));
    // No temporary file left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1);
    // Loading from an empty runs folder: no runs, seed numbers only.
    let loaded = SeedComparison::load(&scratch_mass_calc(), &env).unwrap();
    assert!(loaded.rows.iter().all(|r| r.run.is_none()));
}

fn split_csv(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}
