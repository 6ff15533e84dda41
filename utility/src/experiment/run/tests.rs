use super::*;
use crate::data::tasks::Task;
use crate::eval::Prediction;
use crate::runtime::profile::Profile;
use crate::train::config::{ModelKind, ThresholdPolicy};

/// An in-memory run of `model` whose validation set is the F2 collapse case.
fn run(model: ModelKind, policy: ThresholdPolicy) -> Run {
    let mut config = TrainConfig::new(Task::BenignMalignant, model, Profile::Smoke);
    config.optim.threshold = policy;
    let y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
    let s = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];
    let predictions = Predictions {
        task: Task::BenignMalignant,
        rows: y
            .iter()
            .zip(s)
            .enumerate()
            .map(|(i, (&label, p))| Prediction {
                set: "validation".into(),
                index: i,
                label,
                probs: vec![p],
            })
            .collect(),
    };
    in_memory(config, predictions)
}

/// A run held in memory only: `config`, its `predictions` and the metrics computed from them.
fn in_memory(config: TrainConfig, predictions: Predictions) -> Run {
    let metrics = eval::metrics_from_predictions(&predictions, config.optim.threshold, 1).unwrap();
    Run {
        dir: None,
        config,
        history: None,
        predictions,
        metrics,
        seconds: 1.0,
        model: None,
        members: Vec::new(),
    }
}

#[test]
fn reports_and_rows_show_f2_beside_the_trivial_rule_and_the_policy() {
    let old = run(ModelKind::Scratch, ThresholdPolicy::MaxF2);
    let text = old.report();
    // F2 = 15/17 = 0.882: exactly the everything-malignant rule at prevalence 0.6.
    assert!(
        text.contains("F2 0.882 [") && text.contains("(everything-malignant rule: 0.882)"),
        "{text}"
    );
    assert!(
        text.contains("threshold: max F2 on validation, unconstrained"),
        "{text}"
    );
    assert!(!text.contains("backbone weights"), "{text}");
    let r = old.row();
    assert_eq!(
        (r.threshold_policy.as_str(), r.weights.as_str()),
        ("f2", "-")
    );
    assert!((r.val_f2_trivial - 15.0 / 17.0).abs() < 1e-12);
    assert!(r.test_f2_trivial.is_nan());

    let new = run(
        ModelKind::Scratch,
        ThresholdPolicy::MaxF2MinSpecificity(0.5),
    );
    let text = new.report();
    assert!(
        text.contains("F2 0.517 [") && text.contains("(everything-malignant rule: 0.882)"),
        "{text}"
    );
    assert!(
        text.contains("threshold: max F2 on validation with specificity >= 0.5"),
        "{text}"
    );
    assert_eq!(new.row().threshold_policy, "f2@spec0.5");
    assert_eq!(new.threshold_choice().threshold, Some(0.55));
}

#[test]
fn pretrained_rows_name_their_weights() {
    let mut v = run(ModelKind::Vgg16, ThresholdPolicy::MaxF2);
    // Kept in memory, without a model: nothing to say but that.
    assert_eq!(v.weights(), None);
    assert_eq!(v.row().weights, "not recorded");
    assert!(v.report().contains("backbone weights: not recorded"));
    // Saved: what metrics.json records.
    let dir = tempfile::tempdir().unwrap();
    let w = WeightsRecord::File {
        path: "data/weights/vgg16.safetensors".into(),
        bytes: 528_000_000,
        sha256: "0123456789abcdef".repeat(4),
    };
    std::fs::write(
        dir.path().join("metrics.json"),
        eval::metrics_json(&v.config, &v.metrics, Some(&w)).unwrap(),
    )
    .unwrap();
    v.dir = Some(dir.path().to_path_buf());
    assert_eq!(v.weights(), Some(w));
    assert_eq!(v.row().weights, "vgg16.safetensors sha256:0123456789ab");
    std::fs::write(
        dir.path().join("metrics.json"),
        eval::metrics_json(&v.config, &v.metrics, Some(&WeightsRecord::Random)).unwrap(),
    )
    .unwrap();
    assert_eq!(v.row().weights, "random initialisation");
    assert!(v
        .report()
        .contains("backbone weights: random initialisation"));
    // An ensemble's row leaves weights to its members.
    v.members = vec!["A".into(), "B".into()];
    assert_eq!(v.row().weights, "-");
}

#[test]
fn a_run_shows_itself_as_html_with_metrics_policy_and_curves() {
    let mut r = run(ModelKind::Scratch, ThresholdPolicy::MaxF2);
    let h = r.to_html().0;
    assert!(
        h.contains("<b>") && h.contains("scratch on benign-malignant"),
        "{h}"
    );
    assert!(h.contains(">validation<") && !h.contains(">test<"), "{h}");
    assert!(h.contains("(all positive: 0.882)"), "{h}");
    assert!(
        h.contains("threshold: max F2 on validation, unconstrained"),
        "{h}"
    );
    assert!(!h.contains("<svg"), "no history, no curves: {h}");
    let stats = |epoch: usize| crate::train::EpochStats {
        epoch,
        train_loss: 0.6,
        train_accuracy: 0.6,
        val_loss: 0.65,
        val_accuracy: 0.6,
        val_roc_auc: 0.62,
        val_f2: 0.5,
        seconds: 1.0,
    };
    r.history = Some(crate::train::History {
        epochs: vec![stats(1), stats(2)],
        best_epoch: 2,
        stopped_early: false,
    });
    assert!(r.to_html().0.contains("<svg"), "the training curves");
}

mod provenance {
    use super::*;
    use crate::models::backbones::{Backbone, BackboneKind, Cut};
    use crate::train::config::SameProvenance;

    fn synth(dir: &Path, seed: u64) -> Dataset {
        let cfg = crate::data::synth::SynthConfig {
            seed,
            scale: 0.03,
            ..Default::default()
        };
        crate::data::synth::write(dir, &cfg).unwrap();
        Dataset::load(dir).unwrap()
    }

    fn scratch(data: &Path) -> TrainConfig {
        let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
        c.name = "P".into();
        c.data.dir = data.to_path_buf();
        c.optim.epochs = 1;
        c.runtime.device = crate::runtime::device::DeviceChoice::Cpu;
        c
    }

    fn recorded_weights(r: &Run) -> WeightsRecord {
        r.config
            .provenance
            .as_ref()
            .unwrap()
            .weights
            .clone()
            .unwrap()
    }

    fn sha(r: &Run) -> String {
        r.config.provenance.as_ref().unwrap().data.sha256.clone()
    }

    #[test]
    fn a_run_on_other_data_is_retrained_never_reused() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, runs) = (tmp.path().join("data"), tmp.path().join("runs"));
        let ds = synth(&data, 1);
        let cfg = scratch(&data);
        let first = train_or_load(&cfg, &ds, &runs).unwrap();
        // The run records what it was trained on, in config.json.
        let saved = crate::eval::read_config(&runs.join("P")).unwrap();
        let p = saved.provenance.clone().unwrap();
        assert_eq!(p.data, crate::data::fingerprint::DataFingerprint::of(&ds));
        assert_eq!(
            (p.weights, p.mammo.as_str()),
            (None, env!("CARGO_PKG_VERSION"))
        );
        assert!(first.data_label().contains(&p.data.short()));
        // Same data: reused (the model file is not written again).
        let modified = || {
            std::fs::metadata(runs.join("P/model.safetensors"))
                .unwrap()
                .modified()
                .unwrap()
        };
        let t0 = modified();
        let again = train_or_load(&cfg, &ds, &runs).unwrap();
        assert!(again.model.is_none(), "reused, not trained");
        assert_eq!(modified(), t0);
        // The folder regenerated with another seed: the same configuration is retrained.
        std::fs::remove_dir_all(&data).unwrap();
        let ds2 = synth(&data, 2);
        let now = Provenance::of(&cfg, &ds2).unwrap();
        match now.compare(saved.provenance.as_ref()) {
            SameProvenance::Differs(why) => {
                assert!(
                    why.contains(&p.data.short()) && why.contains(&now.data.short()),
                    "{why}"
                )
            }
            o => panic!("{o:?}"),
        }
        let retrained = train_or_load(&cfg, &ds2, &runs).unwrap();
        assert!(retrained.model.is_some(), "trained again");
        assert_eq!(sha(&retrained), now.data.sha256);
        assert_ne!(sha(&retrained), sha(&first));
        // --resume cannot retrain: a run started on the old data is refused, naming both.
        let mut stale = crate::eval::read_config(&runs.join("P")).unwrap();
        stale.provenance = saved.provenance.clone();
        crate::eval::write_config(&runs.join("P"), &stale).unwrap();
        std::fs::remove_file(runs.join("P/metrics.json")).unwrap();
        let e = resume(runs.join("P")).unwrap_err().to_string();
        assert!(
            e.contains("cannot resume") && e.contains(&p.data.short()),
            "{e}"
        );
    }

    #[test]
    fn runs_saved_before_provenance_are_reused_as_unknown() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, runs) = (tmp.path().join("data"), tmp.path().join("runs"));
        let ds = synth(&data, 3);
        let cfg = scratch(&data);
        train_or_load(&cfg, &ds, &runs).unwrap();
        // As an old run folder has it: no provenance in config.json.
        let mut old = crate::eval::read_config(&runs.join("P")).unwrap();
        old.provenance = None;
        crate::eval::write_config(&runs.join("P"), &old).unwrap();
        let text = std::fs::read_to_string(runs.join("P/config.json")).unwrap();
        assert!(!text.contains("provenance"), "{text}");
        let now = Provenance::of(&cfg, &ds).unwrap();
        assert_eq!(now.compare(None), SameProvenance::Unknown);
        let r = train_or_load(&cfg, &ds, &runs).unwrap();
        assert!(r.model.is_none(), "reused");
        assert!(
            r.data_label().contains("not recorded"),
            "{}",
            r.data_label()
        );
        assert_eq!(r.row().data, "not recorded");
    }

    #[test]
    fn a_replaced_weights_file_retrains_a_pretrained_run() {
        let tmp = tempfile::tempdir().unwrap();
        let (data, runs) = (tmp.path().join("data"), tmp.path().join("runs"));
        let ds = synth(&data, 4);
        // Two different VGG16 weights files (random, seeded), torchvision names.
        let write_weights = |seed: i64, path: &Path| {
            tch::manual_seed(seed);
            let b = Backbone::new(BackboneKind::Vgg16, Cut::Top, tch::Device::Cpu).unwrap();
            let named: Vec<(String, tch::Tensor)> = b
                .var_store()
                .variables()
                .into_iter()
                .map(|(n, t)| (n, t.contiguous()))
                .collect();
            tch::Tensor::write_safetensors(&named, path).unwrap();
        };
        let w = tmp.path().join("vgg16.safetensors");
        write_weights(1, &w);
        let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, Profile::Smoke);
        cfg.name = "V".into();
        cfg.data.dir = data.clone();
        cfg.optim.epochs = 1;
        cfg.set("weights", w.to_str().unwrap()).unwrap();
        let first = train_or_load(&cfg, &ds, &runs).unwrap();
        let w1 = recorded_weights(&first);
        assert!(
            train_or_load(&cfg, &ds, &runs).unwrap().model.is_none(),
            "reused"
        );
        // Another file at the same path: trained again, recording the new hash.
        std::thread::sleep(std::time::Duration::from_millis(20));
        write_weights(2, &w);
        let second = train_or_load(&cfg, &ds, &runs).unwrap();
        assert!(second.model.is_some(), "trained again");
        let w2 = recorded_weights(&second);
        assert_ne!(w1, w2);
        assert_eq!(second.weights(), Some(w2));
    }
}

/// A member named `name` with the given validation and test probabilities on fixed labels.
fn member(name: &str, validation: &[f64], test: &[f64]) -> Run {
    let mut config = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
    config.name = name.to_string();
    let labels = [1u8, 0, 1, 0, 0, 1, 0, 1];
    let rows = [("validation", validation), ("test", test)]
        .into_iter()
        .flat_map(|(set, probs)| {
            probs
                .iter()
                .zip(labels)
                .enumerate()
                .map(move |(i, (&p, label))| Prediction {
                    set: set.into(),
                    index: i,
                    label,
                    probs: vec![p],
                })
        })
        .collect();
    let predictions = Predictions {
        task: Task::BenignMalignant,
        rows,
    };
    in_memory(config, predictions)
}

#[test]
fn constant_members_are_named_and_leave_the_ranking_to_the_others() {
    let varying = [0.9, 0.2, 0.7, 0.4, 0.1, 0.3, 0.6, 0.8];
    let a = member("A", &varying, &varying);
    // B: constant 0 on both sets (a saturated head); C: constant on test only, up to float
    // noise; D ranks by differences of 1e-6, which count.
    let b = member("B", &[0.0; 8], &[0.0; 8]);
    let noisy: Vec<f64> = (0..8).map(|i| 0.4 + i as f64 * 1e-12).collect();
    let c = member("C", &varying, &noisy);
    let slight: Vec<f64> = varying.iter().map(|p| 0.4 + p * 1e-6).collect();
    assert!(constant_members(&[member("D", &slight, &slight)], "test").is_empty());
    let members = vec![a, b, c];
    let constant = constant_members(&members, "test");
    assert_eq!(constant.len(), 2);
    assert_eq!((constant[0].0, constant[1].0), ("B", "C"));
    assert!((constant[1].1 - 0.4).abs() < 1e-6);
    assert_eq!(constant_members(&members, "validation").len(), 1);
    // The note's claim holds: the ensemble's test AUC is A's, exactly.
    let ens = ensemble(&members, "ENSEMBLE").unwrap();
    let auc = |r: &Run| r.metrics.test.as_ref().unwrap().roc_auc;
    assert_eq!(auc(&ens), auc(&members[0]));
    let note = constant_members_note(&members, "test").unwrap();
    assert!(
        note.starts_with("B (0.000), C (0.400) give every test sample the same probability"),
        "{note}"
    );
    assert!(note.contains("exactly as A does"), "{note}");
    // Every member ranks on validation but B: one member named, the other two averaged.
    let note = constant_members_note(&members, "validation").unwrap();
    assert!(
        note.starts_with("B (0.000) gives every validation sample"),
        "{note}"
    );
    assert!(note.contains("the average of A and C"), "{note}");
    assert_eq!(constant_members_note(&members[..1], "test"), None);
}

#[test]
fn the_best_member_is_chosen_on_validation_first_on_ties() {
    let good = [0.9, 0.2, 0.7, 0.4, 0.1, 0.3, 0.6, 0.8];
    let worse = [0.9, 0.2, 0.7, 0.4, 0.1, 0.3, 0.85, 0.6];
    // Test predictions that would reverse the choice: the test set must not decide.
    let members = vec![
        member("flat", &[0.5; 8], &good),
        member("worse", &worse, &good),
        member("good", &good, &[0.5; 8]),
        member("tie", &good, &good),
    ];
    assert_eq!(best_member(&members).unwrap().config.name, "good");
    assert_eq!(best_member(&members[..2]).unwrap().config.name, "worse");
    assert_eq!(best_member(&members[..1]).unwrap().config.name, "flat");
    assert!(best_member(&[]).is_err());
}

#[test]
fn members_too_small_to_change_the_ensembles_order_are_named() {
    let varying = [0.9, 0.2, 0.7, 0.4, 0.1, 0.3, 0.6, 0.8];
    // T: a saturated head that still ranks, by differences of 1e-8 (the MIAS run's
    // INCEPTION_BM_BEST), in the opposite order of A's.
    let tiny: Vec<f64> = varying.iter().map(|p| (1.0 - p) * 1e-8).collect();
    let members = vec![
        member("A", &varying, &varying),
        member("T", &tiny, &tiny),
        member("Z", &[0.0; 8], &[0.0; 8]),
    ];
    assert!(constant_members(&members[..2], "test").is_empty());
    let negligible = negligible_members(&members, "test");
    assert_eq!(negligible.len(), 1);
    assert_eq!(negligible[0].0, "T");
    assert!((negligible[0].1 - 1e-9).abs() < 1e-15 && (negligible[0].2 - 9e-9).abs() < 1e-15);
    // The claim holds: the ensemble's test AUC is A's, exactly.
    let ens = ensemble(&members, "ENSEMBLE").unwrap();
    let auc = |r: &Run| r.metrics.test.as_ref().unwrap().roc_auc;
    assert_eq!(auc(&ens), auc(&members[0]));
    let note = constant_members_note(&members, "test").unwrap();
    assert!(
        note.starts_with("Z (0.000) gives every test sample the same probability; T (from 1.0e-9 to 9.0e-9) varies too little"),
        "{note}"
    );
    assert!(note.contains("exactly as A does"), "{note}");
    // Not named: a member whose tiny differences break the others' ties (they change the
    // order), and a member that ranks like the others (identical, not small).
    let tied = [0.9, 0.2, 0.7, 0.4, 0.1, 0.3, 0.6, 0.6];
    let breaker: Vec<f64> = (0..8).map(|i| i as f64 * 1e-8).collect();
    let tie_members = vec![member("A", &tied, &tied), member("B", &breaker, &breaker)];
    assert!(negligible_members(&tie_members, "test").is_empty());
    assert_eq!(constant_members_note(&tie_members, "test"), None);
    let twins = vec![
        member("A", &varying, &varying),
        member("A2", &varying, &varying),
    ];
    assert!(negligible_members(&twins, "test").is_empty());
    // Members scored on different samples: nothing is claimed.
    let mut other = member("O", &tiny, &tiny);
    other.predictions.rows.retain(|p| p.index != 3);
    assert!(negligible_members(&[member("A", &varying, &varying), other], "test").is_empty());
}
