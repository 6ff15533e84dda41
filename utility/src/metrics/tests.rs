use super::*;

#[test]
fn metrics_confusion_and_basic_rates() {
    let y = [0, 0, 1, 1, 1, 0];
    let p = [0, 1, 1, 0, 1, 0];
    assert_eq!(
        confusion_matrix(&y, &p, 2).unwrap(),
        vec![vec![2, 1], vec![1, 2]]
    );
    assert_eq!(accuracy(&y, &p).unwrap(), 4.0 / 6.0);
    assert_eq!(precision(&y, &p).unwrap(), 2.0 / 3.0);
    assert_eq!(recall(&y, &p).unwrap(), 2.0 / 3.0);
    assert!((f2(&y, &p).unwrap() - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(precision(&y, &[0; 6]).unwrap(), 0.0);
    assert!(confusion_matrix(&y, &[0, 0, 0, 0, 0, 2], 2).is_err());
    assert!(accuracy(&y, &[0, 0, 0, 0, 0, 2]).is_err());
}

#[test]
fn metrics_roc_auc_ties_count_half() {
    assert_eq!(roc_auc(&[0, 1], &[0.5, 0.5]).unwrap(), 0.5);
    assert_eq!(
        roc_auc(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap(),
        0.75
    );
    let c = roc_curve(&[0, 0, 1, 1], &[0.1, 0.4, 0.35, 0.8]).unwrap();
    assert_eq!(c.thresholds[0], f64::INFINITY);
    assert_eq!(&c.thresholds[1..], &[0.8, 0.4, 0.35, 0.1]);
    assert_eq!(c.fpr, vec![0.0, 0.0, 0.5, 0.5, 1.0]);
    assert_eq!(c.tpr, vec![0.0, 0.5, 0.5, 1.0, 1.0]);
}

#[test]
fn metrics_one_class_is_an_error_not_a_panic() {
    let e = roc_auc(&[1, 1, 1], &[0.2, 0.3, 0.9])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("ROC AUC is undefined: the set has only one class (3 samples of class 1)"),
        "{e}"
    );
    let m = binary_metrics(&[0, 0], &[0.2, 0.7], 0.5).unwrap();
    assert_eq!(m.roc_auc, None);
    assert_eq!(m.confusion_matrix, [[1, 1], [0, 0]]);
}

#[test]
fn metrics_best_threshold_prefers_largest_among_ties() {
    // t = 0.9 -> F1 = 2/3 (tp 1, fp 0, P 2); t = 0.2 -> F1 = 2*2/(2+4) = 2/3: a tie.
    let y = [1, 0, 0, 1];
    let s = [0.9, 0.5, 0.4, 0.2];
    assert_eq!(best_threshold(&y, &s, 1.0).unwrap(), 0.9);
    assert!(best_threshold(&[0, 0], &[0.1, 0.2], 2.0).is_err());
}

#[test]
fn metrics_trivial_f2_is_5p_over_4p_plus_1() {
    // By hand: p = 1/4 -> 5/4 / 2 = 0.625; p = 0.6 -> 3 / 3.4 = 15/17; p = 0.37 -> 1.85 / 2.48.
    assert!((f2_all_positive(0.25).unwrap() - 0.625).abs() < 1e-15);
    assert!((f2_all_positive(0.6).unwrap() - 15.0 / 17.0).abs() < 1e-15);
    assert!((f2_all_positive(0.37).unwrap() - 1.85 / 2.48).abs() < 1e-15);
    assert_eq!(f2_all_positive(0.0).unwrap(), 0.0);
    assert_eq!(f2_all_positive(1.0).unwrap(), 1.0);
    // F1 at p = 1/2: 2 p / (p + 1) = 2/3; beta = inf is recall (1), beta = 0 precision (p).
    assert!((fbeta_all_positive(0.5, 1.0).unwrap() - 2.0 / 3.0).abs() < 1e-15);
    assert_eq!(fbeta_all_positive(0.3, f64::INFINITY).unwrap(), 1.0);
    assert!((fbeta_all_positive(0.3, 0.0).unwrap() - 0.3).abs() < 1e-15);
    // It is the F2 of predicting every case positive.
    for y in [
        vec![1u8, 0, 0, 0],
        vec![1, 1, 1, 0, 0],
        vec![0, 1, 1, 1, 1, 1, 0],
    ] {
        let p = y.iter().filter(|&&v| v == 1).count() as f64 / y.len() as f64;
        let all = vec![1u8; y.len()];
        assert!((f2(&y, &all).unwrap() - f2_all_positive(p).unwrap()).abs() < 1e-15);
    }
    assert!(f2_all_positive(1.5).is_err() && f2_all_positive(f64::NAN).is_err());
    assert_eq!(
        specificity(&[0, 0, 1, 0], &[0, 1, 1, 0]).unwrap(),
        2.0 / 3.0
    );
}

/// Labels by falling score: max F2 unconstrained calls everything positive.
const COLLAPSE_Y: [u8; 10] = [1, 0, 1, 0, 1, 0, 1, 0, 1, 1];
const COLLAPSE_S: [f64; 10] = [0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05];

#[test]
fn metrics_unconstrained_max_f2_collapses_to_everything_positive() {
    let (y, s) = (&COLLAPSE_Y, &COLLAPSE_S);
    // Cumulative (tp, fp) down the scores and F2 = 5 tp / (4 * 6 + tp + fp):
    // 0.55 -> (3, 2): 15/29 = 0.517, spec 2/4; 0.05 -> (6, 4): 30/34 = 15/17 = 0.882, spec 0.
    let t = best_threshold(y, s, 2.0).unwrap();
    assert_eq!(t, 0.05, "the lowest score: every case positive");
    let pred = predict(s, t).unwrap();
    assert!(pred.iter().all(|&v| v == 1));
    let f = f2(y, &pred).unwrap();
    assert!((f - 15.0 / 17.0).abs() < 1e-15);
    assert!(
        (f - f2_all_positive(0.6).unwrap()).abs() < 1e-15,
        "F2 = trivial F2"
    );
    assert_eq!(specificity(y, &pred).unwrap(), 0.0);

    // With specificity >= 0.5 the best F2 is at 0.55 (the constraint holds with equality).
    let c = best_threshold_min_specificity(y, s, 2.0, 0.5).unwrap();
    assert_eq!(c.threshold, 0.55);
    assert!(c.met);
    assert_eq!(c.specificity, 0.5);
    assert!((c.fbeta - 15.0 / 29.0).abs() < 1e-15);
    let pred = predict(s, c.threshold).unwrap();
    assert!(specificity(y, &pred).unwrap() >= 0.5);
    assert!((f2(y, &pred).unwrap() - c.fbeta).abs() < 1e-15);
    // Stricter: specificity >= 0.6 leaves 0.95, 0.85, 0.75: best (2, 1) -> 10/27 at 0.75.
    let c = best_threshold_min_specificity(y, s, 2.0, 0.6).unwrap();
    assert_eq!((c.threshold, c.met, c.specificity), (0.75, true, 0.75));
    assert!((c.fbeta - 10.0 / 27.0).abs() < 1e-15);
    // A minimum of 0 is the unconstrained policy.
    let c = best_threshold_min_specificity(y, s, 2.0, 0.0).unwrap();
    assert_eq!((c.threshold, c.met), (0.05, true));
}

#[test]
fn metrics_min_specificity_falls_back_to_the_fewest_false_positives() {
    // The two highest (tied) scores are benign: any threshold calls both positive, so the
    // best specificity reached is 1/3 < 0.5. Among thresholds with 2 false positives (0.9,
    // 0.8, 0.7), 0.7 catches both malignant cases: F2 = 10 / (8 + 4) = 5/6.
    let y = [0, 0, 1, 1, 0];
    let s = [0.9, 0.9, 0.8, 0.7, 0.1];
    let c = best_threshold_min_specificity(&y, &s, 2.0, 0.5).unwrap();
    assert_eq!(c.threshold, 0.7);
    assert!(!c.met);
    assert!((c.specificity - 1.0 / 3.0).abs() < 1e-15);
    assert!((c.fbeta - 5.0 / 6.0).abs() < 1e-15);
    // A model that gives every case the same score: one threshold, everything positive.
    let c = best_threshold_min_specificity(&[1, 0, 0, 1], &[0.4; 4], 2.0, 0.5).unwrap();
    assert_eq!((c.threshold, c.met, c.specificity), (0.4, false, 0.0));
    assert!((c.fbeta - f2_all_positive(0.5).unwrap()).abs() < 1e-15);
    // No negative case: no false positive to make, the minimum holds (as unconstrained).
    let c = best_threshold_min_specificity(&[1, 1], &[0.9, 0.2], 2.0, 0.9).unwrap();
    assert_eq!((c.threshold, c.met, c.specificity), (0.2, true, 1.0));
    // Errors, not panics.
    assert!(best_threshold_min_specificity(&[0, 0], &[0.1, 0.2], 2.0, 0.5).is_err());
    assert!(best_threshold_min_specificity(&[0, 1], &[0.1, 0.2], 2.0, 1.5).is_err());
    assert!(best_threshold_min_specificity(&[0, 1], &[0.1, f64::NAN], 2.0, 0.5).is_err());
    assert!(best_threshold_min_specificity(&[], &[], 2.0, 0.5).is_err());
}

#[test]
fn metrics_percentile_matches_numpy_linear() {
    let v = [1.0, 2.0, 3.0, 4.0];
    assert_eq!(percentile_sorted(&v, 0.0), 1.0);
    assert_eq!(percentile_sorted(&v, 1.0), 4.0);
    assert_eq!(percentile_sorted(&v, 0.5), 2.5);
    assert!((percentile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
    assert_eq!(percentile_sorted(&[7.0], 0.975), 7.0);
}

#[test]
fn metrics_bootstrap_skips_one_class_resamples() {
    // 2 positives in 12: about 11% of the resamples have no positive.
    let y: Vec<u8> = (0..12).map(|i| u8::from(i < 2)).collect();
    let s: Vec<f64> = (0..12).map(|i| 1.0 - i as f64 / 12.0).collect();
    let ci = bootstrap(&y, &s, 400, 7, 0.05, roc_auc).unwrap();
    assert!(ci.n_skipped > 10 && ci.n_skipped < 80, "{ci:?}");
    assert_eq!(ci.n_used + ci.n_skipped, 400);
    assert_eq!((ci.lo, ci.hi, ci.estimate), (1.0, 1.0, 1.0));
    // 1 positive in 6: a third of the resamples have none -> error.
    let y = [1, 0, 0, 0, 0, 0];
    let s = [0.9, 0.1, 0.2, 0.3, 0.4, 0.5];
    let e = bootstrap(&y, &s, 200, 7, 0.05, roc_auc)
        .unwrap_err()
        .to_string();
    assert!(e.contains("resamples were skipped"), "{e}");
}
