use super::*;
use crate::data::tasks::Task;
use crate::models::pretrained::WeightsRecord;
use crate::train::config::{ThresholdPolicy, TrainConfig};

fn preds(rows: &[(&str, usize, u8, f64)]) -> Predictions {
    Predictions {
        task: Task::BenignMalignant,
        rows: rows
            .iter()
            .map(|&(set, index, label, p)| Prediction {
                set: set.into(),
                index,
                label,
                probs: vec![p],
            })
            .collect(),
    }
}

/// The collapse case of `metrics.rs` as a validation set, and a test set of prevalence 1/4
/// (big enough that no bootstrap interval is undefined).
fn collapse_run() -> Predictions {
    let y = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
    let s = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];
    let mut rows: Vec<(&str, usize, u8, f64)> = y
        .iter()
        .zip(s)
        .enumerate()
        .map(|(i, (&y, s))| ("validation", 2 * i + 1, y, s))
        .collect();
    let test = [
        (1, 0.9),
        (1, 0.4),
        (0, 0.6),
        (0, 0.3),
        (0, 0.01),
        (0, 0.2),
        (0, 0.5),
        (0, 0.1),
    ];
    for (i, (y, s)) in test.into_iter().enumerate() {
        rows.push(("test", 2 * i + 1, y, s));
    }
    preds(&rows)
}

#[test]
fn metrics_show_f2_beside_the_everything_malignant_rule() {
    let p = collapse_run();
    let old = metrics_from_predictions(&p, ThresholdPolicy::MaxF2, 1).unwrap();
    let v = &old.validation;
    assert_eq!(v.threshold, Some(0.05));
    // Everything malignant: F2 is exactly the trivial rule's, 5p / (4p + 1) at p = 0.6.
    assert_eq!(v.prevalence(), Some(0.6));
    assert!((v.f2_trivial().unwrap() - 15.0 / 17.0).abs() < 1e-15);
    assert!((v.f2 - v.f2_trivial().unwrap()).abs() < 1e-15);
    assert_eq!(v.specificity(), Some(0.0));
    let c = threshold_choice(ThresholdPolicy::MaxF2, Task::BenignMalignant, v);
    assert_eq!(c.outcome, ThresholdOutcome::Unconstrained);
    assert_eq!(c.label(), "f2");

    let policy = ThresholdPolicy::MaxF2MinSpecificity(0.5);
    let new = metrics_from_predictions(&p, policy, 1).unwrap();
    let v = &new.validation;
    assert_eq!(v.threshold, Some(0.55));
    assert_eq!(v.specificity(), Some(0.5));
    assert!((v.f2 - 15.0 / 29.0).abs() < 1e-15);
    let c = threshold_choice(policy, Task::BenignMalignant, v);
    assert_eq!(c.outcome, ThresholdOutcome::ConstraintMet);
    assert_eq!(
        (c.setting.as_str(), c.label()),
        ("f2@spec0.5", "f2@spec0.5".into())
    );
    assert_eq!(c.validation_specificity, Some(0.5));
    // The test set (2 malignant in 8) at 0.55: tp 1, fp 1, fn 1 -> F2 = 5 / (8 + 2) = 0.5,
    // below the trivial rule's there: p = 1/4 -> 5/4 / 2 = 0.625.
    let t = new.test.as_ref().unwrap();
    assert!((t.f2 - 0.5).abs() < 1e-15);
    assert!((t.f2_trivial().unwrap() - 0.625).abs() < 1e-15);
    assert_eq!(t.specificity(), Some(5.0 / 6.0));
    // metrics.json has both, per set, and names the policy.
    let cfg = {
        let mut c = TrainConfig::new(
            Task::BenignMalignant,
            crate::train::config::ModelKind::Scratch,
            crate::runtime::profile::Profile::Smoke,
        );
        c.optim.threshold = policy;
        c
    };
    let j: serde_json::Value =
        serde_json::from_str(&metrics_json(&cfg, &new, None).unwrap()).unwrap();
    assert!((j["test"]["f2_trivial"].as_f64().unwrap() - 0.625).abs() < 1e-15);
    assert_eq!(j["validation"]["specificity"], 0.5);
    assert_eq!(j["threshold_policy"]["setting"], "f2@spec0.5");
    assert_eq!(j["threshold_policy"]["outcome"], "constraint-met");
    assert!(j["threshold_policy"]["name"]
        .as_str()
        .unwrap()
        .contains("specificity >= 0.5"));
    assert!(j.get("weights").is_none(), "no weights for a scratch run");
    // And it loads back as the metrics it was written from.
    let back: RunMetrics = serde_json::from_value(j).unwrap();
    assert_eq!(back, new);
}

#[test]
fn a_policy_that_falls_back_says_so() {
    let p = preds(&[
        ("validation", 1, 0, 0.9),
        ("validation", 3, 0, 0.9),
        ("validation", 5, 1, 0.8),
        ("validation", 7, 1, 0.7),
        ("validation", 9, 0, 0.1),
    ]);
    let policy = ThresholdPolicy::MaxF2MinSpecificity(0.5);
    let m = metrics_from_predictions(&p, policy, 1).unwrap();
    assert_eq!(m.validation.threshold, Some(0.7));
    let c = threshold_choice(policy, Task::BenignMalignant, &m.validation);
    assert_eq!(c.outcome, ThresholdOutcome::Fallback);
    assert_eq!(c.label(), "f2@spec0.5 (fallback)");
    assert!(c.note.contains("FALLBACK"), "{}", c.note);
    // The 4-class task has no threshold, and no trivial F2.
    let four = SetMetrics {
        confusion_matrix: vec![vec![1, 0, 0, 0]; 4],
        threshold: None,
        ..m.validation.clone()
    };
    assert_eq!(four.f2_trivial(), None);
    let j = serde_json::to_value(&four).unwrap();
    assert!(j.get("f2_trivial").is_none() && j.get("specificity").is_none());
    let c = threshold_choice(ThresholdPolicy::Fixed(0.5), Task::FourClass, &four);
    assert_eq!(c.outcome, ThresholdOutcome::Argmax);
}

#[test]
fn metrics_saved_before_f2_trivial_and_weights_still_load() {
    let m = metrics_from_predictions(&collapse_run(), ThresholdPolicy::MaxF2, 1).unwrap();
    let mut j = serde_json::to_value(&m).unwrap();
    for set in ["validation", "test"] {
        let o = j[set].as_object_mut().unwrap();
        assert!(o.remove("f2_trivial").is_some() && o.remove("specificity").is_some());
    }
    let old: RunMetrics = serde_json::from_value(j).unwrap();
    assert_eq!(old, m);
    // The trivial F2 of an old run follows from its confusion matrix.
    assert!((old.validation.f2_trivial().unwrap() - 15.0 / 17.0).abs() < 1e-15);
    // read_weights: none recorded (old run, scratch run, no metrics.json), or the record.
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(read_weights(dir.path()).unwrap(), None);
    std::fs::write(
        dir.path().join("metrics.json"),
        serde_json::to_string(&m).unwrap(),
    )
    .unwrap();
    assert_eq!(read_weights(dir.path()).unwrap(), None);
    let cfg = TrainConfig::new(
        Task::BenignMalignant,
        crate::train::config::ModelKind::Vgg16,
        crate::runtime::profile::Profile::Smoke,
    );
    let w = WeightsRecord::File {
        path: "data/weights/vgg16.safetensors".into(),
        bytes: 3,
        sha256: "ab".repeat(32),
    };
    std::fs::write(
        dir.path().join("metrics.json"),
        metrics_json(&cfg, &m, Some(&w)).unwrap(),
    )
    .unwrap();
    assert_eq!(read_weights(dir.path()).unwrap(), Some(w));
    std::fs::write(dir.path().join("metrics.json"), "{").unwrap();
    assert!(read_weights(dir.path()).is_err());
}

#[test]
fn ensemble_averages_the_samples_every_run_predicted() {
    let a = preds(&[
        ("validation", 1, 0, 0.2),
        ("validation", 2, 1, 0.6),
        ("test", 5, 1, 0.9),
        ("test", 6, 0, 0.1),
    ]);
    // A run with fewer samples (a subset), in another order.
    let b = preds(&[("test", 5, 1, 0.5), ("validation", 2, 1, 0.8)]);
    let e = ensemble(&[&a, &b]).unwrap();
    let got: Vec<(String, usize, f64)> = e
        .rows
        .iter()
        .map(|p| (p.set.clone(), p.index, p.probs[0]))
        .collect();
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].0.as_str(), got[0].1), ("test", 5));
    assert!((got[0].2 - 0.7).abs() < 1e-12);
    assert_eq!((got[1].0.as_str(), got[1].1), ("validation", 2));
    assert!((got[1].2 - 0.7).abs() < 1e-12);
    // Identical runs average to themselves.
    assert_eq!(ensemble(&[&a, &a]).unwrap().rows.len(), 4);
}

#[test]
fn ensemble_refuses_other_data_and_disjoint_runs() {
    let a = preds(&[("validation", 1, 0, 0.2), ("test", 5, 1, 0.9)]);
    let relabelled = preds(&[("validation", 1, 1, 0.2), ("test", 5, 1, 0.9)]);
    let e = ensemble(&[&a, &relabelled]).unwrap_err().to_string();
    assert!(e.contains("labels validation sample 1"), "{e}");
    let disjoint = preds(&[("validation", 3, 0, 0.2), ("test", 7, 1, 0.9)]);
    let e = ensemble(&[&a, &disjoint]).unwrap_err().to_string();
    assert!(e.contains("share no validation sample"), "{e}");
}

/// Grad-CAM examples: for each class its most confident correct prediction and the most
/// confident wrong one among its samples, by threshold (two classes) or arg-max (more).
#[test]
fn grad_cam_examples_are_the_most_confident_right_and_wrong_of_each_class() {
    use crate::data::tasks::Sample;
    use crate::eval::gradcam::{pick_examples, pick_examples_multi};
    let s = |row: usize, label: u8| Sample { row, label };
    let samples = [s(0, 0), s(1, 0), s(2, 0), s(3, 1), s(4, 1), s(5, 1)];
    // class 0: correct 0.1 and 0.3 (0.1 is more confident), wrong 0.6; class 1: correct 0.9,
    // wrong 0.4 and 0.2 (0.2 is more confident).
    let probs = [0.3, 0.1, 0.6, 0.9, 0.4, 0.2];
    let rows = |v: Vec<Sample>| v.iter().map(|s| s.row).collect::<Vec<_>>();
    assert_eq!(rows(pick_examples(&samples, &probs, 0.5)), [1, 2, 3, 5]);
    // At threshold 0.35 row 4 (0.4) turns into a correct class-1 prediction; row 3 (0.9) stays
    // the most confident one, row 5 (0.2) the most confident wrong one.
    assert_eq!(rows(pick_examples(&samples, &probs, 0.35)), [1, 2, 3, 5]);
    let three = [s(0, 0), s(1, 0), s(2, 1), s(3, 2), s(4, 2)];
    #[rustfmt::skip]
    let p3 = [
        0.7, 0.2, 0.1, // row 0: class 0, right (0.7)
        0.1, 0.8, 0.1, // row 1: class 0, wrong (predicts 1 at 0.8)
        0.2, 0.5, 0.3, // row 2: class 1, right (0.5)
        0.1, 0.1, 0.8, // row 3: class 2, right (0.8)
        0.6, 0.1, 0.3, // row 4: class 2, wrong (predicts 0 at 0.6)
    ];
    assert_eq!(rows(pick_examples_multi(&three, &p3, 3)), [0, 1, 2, 3, 4]);
}
