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
    let metrics = eval::metrics_from_predictions(&predictions, policy, 1).unwrap();
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
