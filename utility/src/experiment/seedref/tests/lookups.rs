//! Tests of finding runs by name, the best run on validation and the stopped-early note.
use super::*;

/// A quick-profile run of scratch_mass_calc's row `id` with the given validation and test AUCs.
fn scored(id: &str, val_auc: f64, test_auc: f64) -> Run {
    let c = scratch_mass_calc()
        .row(id)
        .unwrap()
        .config(&env(Profile::Quick))
        .unwrap();
    let mut r = fake_run(c, None);
    r.metrics.validation = set(0.7, val_auc);
    r.metrics.test = Some(set(0.7, test_auc));
    r
}

/// The run a notebook reports as its best is chosen on validation (highest ROC AUC, the first
/// of equals, an undefined AUC never), and a missing name is an error naming the runs there are.
#[test]
fn best_on_validation_and_lookups() {
    // The test AUCs would pick SCRATCH_2; validation picks SCRATCH_1.
    let runs = vec![
        scored("SCRATCH_2", 0.83, 0.95),
        scored("SCRATCH_1", 0.87, 0.86),
        scored("SCRATCH_5", f64::NAN, 0.99),
        scored("SCRATCH_4", 0.87, 0.80),
    ];
    assert_eq!(best_on_validation(&runs).unwrap().config.name, "SCRATCH_1");
    let e = best_on_validation(&runs[2..3]).unwrap_err().to_string();
    assert!(e.contains("SCRATCH_5"), "{e}");
    assert!(best_on_validation(&[]).is_err());
    assert_eq!(get(&runs, "SCRATCH_4").unwrap().config.name, "SCRATCH_4");
    let e = get(&runs, "SCRATCH_3").unwrap_err().to_string();
    assert!(
        e.contains("no run named SCRATCH_3")
            && e.contains("SCRATCH_2, SCRATCH_1, SCRATCH_5, SCRATCH_4"),
        "{e}"
    );
    // open_first: the first name trained, read back from its folder; none trained, or no
    // folder, is an error.
    let e = open_first(&runs, &["SCRATCH_3", "SCRATCH_6"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("SCRATCH_3 or SCRATCH_6"), "{e}");
    let e = open_first(&runs, &["SCRATCH_3", "SCRATCH_4"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("SCRATCH_4 was not saved"), "{e}");
}

/// `Estimate::of_best`: the test metric of the run validation ranks best, named after it.
#[test]
fn estimate_of_the_best_run_is_chosen_on_validation() {
    use crate::experiment::findings::Estimate;
    let runs = vec![
        scored("SCRATCH_2", 0.83, 0.95),
        scored("SCRATCH_1", 0.87, 0.86),
    ];
    let e = Estimate::of_best(&runs, "test", "roc_auc").unwrap();
    assert_eq!((e.label.as_str(), e.value), ("SCRATCH_1", 0.86));
    assert_eq!(e.ci, [0.86 - 0.04, 0.86 + 0.04]);
    assert!(Estimate::of_best(&[], "test", "roc_auc").is_err());
}

#[test]
fn a_verdict_on_runs_shorter_than_the_seeds_says_they_stopped_early() {
    use crate::experiment::compare::compare_runs;
    use crate::experiment::findings::{short_training_note, Findings};
    let run = |name: &str, task: Task, model: ModelKind, profile: Profile, epochs: usize| {
        let mut c = TrainConfig::new(task, model, profile);
        c.name = name.into();
        c.optim.epochs = epochs;
        let mut r = fake_run(c, None);
        // Scores on the same 40 test patches, so that the two runs can be compared.
        r.predictions.rows = (0..40)
            .map(|i| crate::eval::Prediction {
                set: "test".into(),
                index: i,
                label: (i % 2) as u8,
                probs: vec![((i * 7919 + epochs) % 40) as f64 / 40.0],
            })
            .collect();
        r
    };
    // The seed trained SIAMESE_5 for 50 epochs (its table, §6); quick trains it for 4.
    assert_eq!(find_row("SIAMESE_5").unwrap().params.epochs, Some(50));
    let s5 = run(
        "SIAMESE_5",
        Task::Siamese,
        ModelKind::Siamese,
        Profile::Quick,
        4,
    );
    // Its single-image twin is no seed row: it is not named.
    let single = run(
        "SINGLE_ROT_DROPOUT",
        Task::MassCalc,
        ModelKind::Scratch,
        Profile::Quick,
        4,
    );
    let note = short_training_note([&s5, &single]).expect("SIAMESE_5 trained 4 of 50 epochs");
    assert!(
        note.starts_with(
            "stopped early: SIAMESE_5 trained 4 of the seed's 50 epochs (the quick profile;"
        ),
        "{note}"
    );
    assert!(!note.contains("SINGLE_ROT_DROPOUT"), "{note}");
    assert_eq!(short_training_note([&single]), None);
    // The seed's epochs or more: nothing to say.
    let full = run(
        "SIAMESE_5",
        Task::Siamese,
        ModelKind::Siamese,
        Profile::Full,
        50,
    );
    assert_eq!(short_training_note([&full, &single]), None);
    // Two short rows are both named, the profile once.
    assert_eq!(find_row("SCRATCH_1").unwrap().params.epochs, Some(50));
    assert_eq!(find_row("SCRATCH_2").unwrap().params.epochs, Some(50));
    let runs = vec![
        run(
            "SCRATCH_2",
            Task::MassCalc,
            ModelKind::Scratch,
            Profile::Quick,
            15,
        ),
        run(
            "SCRATCH_1",
            Task::MassCalc,
            ModelKind::Scratch,
            Profile::Quick,
            15,
        ),
    ];
    let note = short_training_note(&runs).unwrap();
    // find_all picks a comparison's runs in the order asked, leaving out rows not trained.
    let picked: Vec<&str> = find_all(&runs, &["SCRATCH_1", "SCRATCH_4", "SCRATCH_2"])
        .iter()
        .map(|r| r.config.name.as_str())
        .collect();
    assert_eq!(picked, ["SCRATCH_1", "SCRATCH_2"]);
    assert!(
        note.contains(
            "stopped early: SCRATCH_2 and SCRATCH_1 each trained 15 of the seed's 50 epochs (the \
             quick profile;"
        ),
        "{note}"
    );
    // Different counts are named apart: SIAMESE_5's 4 of 50 beside the scratch runs' 15 of 50.
    let note = short_training_note([&runs[0], &s5, &runs[1]]).unwrap();
    assert!(
        note.starts_with(
            "stopped early: SCRATCH_2 and SCRATCH_1 each trained 15 of the seed's 50 epochs; \
             SIAMESE_5 trained 4 of the seed's 50 epochs (the quick profile;"
        ),
        "{note}"
    );

    // Runs under names of their own (03's adapter comparison) are held to the row whose recipe
    // they train: BEST INCEPTION's 20 epochs (§5.3.2), which quick's 2 fall short of.
    use crate::experiment::findings::short_training_note_as;
    assert_eq!(
        find_row("INCEPTION_BM_BEST").unwrap().params.epochs,
        Some(20)
    );
    let adapters: Vec<Run> = [
        "ADAPTER_replicate_s1",
        "ADAPTER_conv1x1_s1",
        "ADAPTER_conv1x1_s2",
    ]
    .iter()
    .map(|n| {
        run(
            n,
            Task::BenignMalignant,
            ModelKind::InceptionV3,
            Profile::Quick,
            2,
        )
    })
    .collect();
    assert_eq!(
        short_training_note(&adapters),
        None,
        "no seed row has these names"
    );
    let note = short_training_note_as("INCEPTION_BM_BEST", &adapters)
        .unwrap()
        .unwrap();
    assert!(
        note.starts_with(
            "stopped early: ADAPTER_replicate_s1, ADAPTER_conv1x1_s1 and ADAPTER_conv1x1_s2 each \
             trained 2 of the seed's 20 epochs for INCEPTION_BM_BEST (the quick profile;"
        ),
        "{note}"
    );
    let long = run(
        "ADAPTER_conv1x1_s1",
        Task::BenignMalignant,
        ModelKind::InceptionV3,
        Profile::Full,
        20,
    );
    assert_eq!(
        short_training_note_as("INCEPTION_BM_BEST", [&long]).unwrap(),
        None
    );
    let e = short_training_note_as("NO_SUCH_ROW", &adapters)
        .unwrap_err()
        .to_string();
    assert!(e.contains("NO_SUCH_ROW"), "{e}");

    // The note joins the finding and its VERDICT line, the verdict still the rule's; a claim
    // without an estimate takes none; an unknown claim is an error naming it.
    let mut found = Findings::for_notebook("04_siamese");
    let c = compare_runs(&s5, &single, "test", 1);
    found
        .record("siamese-baseline-helps", c)
        .unwrap()
        .note(
            "siamese-baseline-helps",
            short_training_note([&s5, &single]),
        )
        .unwrap();
    let f = found.get("siamese-baseline-helps").unwrap();
    assert!(f.verdict().is_some());
    let line = f.verdict_line("04_siamese");
    assert!(
        line.contains("(stopped early: SIAMESE_5 trained 4 of the seed's 50 epochs"),
        "{line}"
    );
    let mut other = Findings::for_notebook("04_siamese");
    other
        .note("siamese-baseline-helps", Some("x".into()))
        .unwrap();
    assert!(other
        .get("siamese-baseline-helps")
        .unwrap()
        .notes
        .is_empty());
    let e = other
        .note("no-such-claim", Some("x".into()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("04_siamese") && e.contains("no-such-claim"),
        "{e}"
    );
}
