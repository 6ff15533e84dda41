//! `mammo::metrics` against scikit-learn 1.8: every function on every case of
//! tests/fixtures/metrics/cases.json (made by scripts/fixtures/make_metric_fixtures.py) at 1e-9,
//! plus the error cases and properties of the bootstrap intervals.
use mammo::metrics::{self, BinaryMetrics};
use serde_json::Value;

const TOL: f64 = 1e-9;

fn cases() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join("metrics")
        .join("cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run scripts/fixtures/make_metric_fixtures.py)",
            path.display()
        )
    });
    serde_json::from_str(&text).expect("cases.json parses")
}

fn u8s(v: &Value) -> Vec<u8> {
    v.as_array()
        .expect("array of labels")
        .iter()
        .map(|x| u8::try_from(x.as_u64().expect("label")).expect("label fits u8"))
        .collect()
}

/// A float of the fixtures: a string holding Python's repr (std's parser reads it back exactly,
/// "inf" included; serde_json's number parser may be one ulp off).
fn f64_of(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap_or_else(|e| panic!("float {s:?}: {e}")),
        _ => panic!("expected a float written as a string, got {v}"),
    }
}

/// An optional float (`null` where scikit-learn has no value).
fn opt(v: &Value) -> Option<f64> {
    (!v.is_null()).then(|| f64_of(v))
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array of numbers")
        .iter()
        .map(f64_of)
        .collect()
}

fn matrix(v: &Value) -> Vec<Vec<usize>> {
    v.as_array()
        .expect("matrix")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|x| x.as_u64().expect("count") as usize)
                .collect()
        })
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= TOL * b.abs().max(1.0)
}

/// Collects mismatches so that one run reports all of them.
#[derive(Default)]
struct Check(Vec<String>);

impl Check {
    fn num(&mut self, ctx: &str, got: mammo::Result<f64>, want: f64) {
        match got {
            Ok(g) if close(g, want) => {}
            Ok(g) => self.0.push(format!(
                "{ctx}: got {g:?}, sklearn {want:?} (diff {:e})",
                g - want
            )),
            Err(e) => self.0.push(format!("{ctx}: error {e}, sklearn {want:?}")),
        }
    }

    fn vec(&mut self, ctx: &str, got: &[f64], want: &[f64]) {
        if got.len() != want.len() {
            self.0.push(format!(
                "{ctx}: length {} vs sklearn {}\n  got {got:?}\n  want {want:?}",
                got.len(),
                want.len()
            ));
        } else if let Some(i) = (0..got.len()).find(|&i| !close(got[i], want[i])) {
            self.0.push(format!(
                "{ctx}[{i}]: got {:?}, sklearn {:?}",
                got[i], want[i]
            ));
        }
    }

    fn truth(&mut self, ctx: &str, ok: bool) {
        if !ok {
            self.0.push(ctx.to_string());
        }
    }

    fn done(self, n_cases: usize) {
        assert!(
            self.0.is_empty(),
            "{} mismatches over {n_cases} cases:\n{}",
            self.0.len(),
            self.0.join("\n")
        );
    }
}

#[test]
fn fixtures_cover_the_required_cases() {
    let c = cases();
    assert_eq!(c["meta"]["sklearn"], "1.8.0");
    let names: Vec<&str> = c["binary"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].as_str().unwrap())
        .collect();
    for needle in [
        "random_n2000",
        "ties_",
        "all_equal",
        "perfect",
        "inverted",
        "tiny_n2",
        "tiny_n3",
        "no_positive_predictions",
        "imbalanced",
        "threshold_at_",
        "one_class",
        "log_loss_extremes",
    ] {
        assert!(
            names.iter().any(|n| n.contains(needle)),
            "no binary case named *{needle}*"
        );
    }
    assert!(c["multiclass"].as_array().unwrap().len() >= 10);
}

#[test]
fn binary_cases_match_sklearn() {
    let c = cases();
    let all = c["binary"].as_array().unwrap();
    let mut ck = Check::default();
    for case in all {
        let name = case["name"].as_str().unwrap();
        let y = u8s(&case["y_true"]);
        let s = f64s(&case["scores"]);
        let t = f64_of(&case["threshold"]);
        let e = &case["expected"];
        let pred = metrics::predict(&s, t).unwrap();
        ck.truth(
            &format!("{name}: predict(score >= threshold) differs from the fixture"),
            pred == u8s(&case["y_pred"]),
        );
        let cm = metrics::confusion_matrix(&y, &pred, 2).unwrap();
        ck.truth(
            &format!("{name}: confusion matrix {cm:?}"),
            cm == matrix(&e["confusion_matrix"]),
        );
        ck.num(
            &format!("{name}: accuracy"),
            metrics::accuracy(&y, &pred),
            f64_of(&e["accuracy"]),
        );
        ck.num(
            &format!("{name}: precision"),
            metrics::precision(&y, &pred),
            f64_of(&e["precision"]),
        );
        ck.num(
            &format!("{name}: recall"),
            metrics::recall(&y, &pred),
            f64_of(&e["recall"]),
        );
        ck.num(
            &format!("{name}: f1"),
            metrics::f1(&y, &pred),
            f64_of(&e["f1"]),
        );
        ck.num(
            &format!("{name}: f2"),
            metrics::f2(&y, &pred),
            f64_of(&e["f2"]),
        );
        ck.num(
            &format!("{name}: fbeta(2)"),
            metrics::fbeta(&y, &pred, 2.0),
            f64_of(&e["f2"]),
        );
        ck.num(
            &format!("{name}: fbeta(0.5)"),
            metrics::fbeta(&y, &pred, 0.5),
            f64_of(&e["f05"]),
        );
        ck.num(
            &format!("{name}: log_loss"),
            metrics::log_loss(&y, &s),
            f64_of(&e["log_loss"]),
        );
        for (beta, key) in [(1.0, "best_threshold_f1"), (2.0, "best_threshold_f2")] {
            let got = metrics::best_threshold(&y, &s, beta);
            match opt(&e[key]) {
                Some(want) => ck.num(&format!("{name}: {key}"), got, want),
                None => ck.truth(
                    &format!("{name}: {key} should be an error (no positive case)"),
                    got.is_err(),
                ),
            }
        }
        match opt(&e["roc_auc"]) {
            Some(auc) => {
                ck.num(&format!("{name}: roc_auc"), metrics::roc_auc(&y, &s), auc);
                match metrics::roc_curve(&y, &s) {
                    Ok(r) => {
                        let want = &e["roc_curve"];
                        ck.vec(&format!("{name}: roc fpr"), &r.fpr, &f64s(&want["fpr"]));
                        ck.vec(&format!("{name}: roc tpr"), &r.tpr, &f64s(&want["tpr"]));
                        ck.vec(
                            &format!("{name}: roc thresholds"),
                            &r.thresholds,
                            &f64s(&want["thresholds"]),
                        );
                    }
                    Err(err) => ck.0.push(format!("{name}: roc_curve error {err}")),
                }
            }
            None => {
                ck.truth(
                    &format!("{name}: roc_auc of one class should be an error"),
                    metrics::roc_auc(&y, &s).is_err(),
                );
                ck.truth(
                    &format!("{name}: roc_curve of one class should be an error"),
                    metrics::roc_curve(&y, &s).is_err(),
                );
            }
        }
        // Everything at once.
        match metrics::binary_metrics(&y, &s, t) {
            Ok(m) => {
                ck.num(
                    &format!("{name}: binary_metrics.accuracy"),
                    Ok(m.accuracy),
                    f64_of(&e["accuracy"]),
                );
                ck.num(
                    &format!("{name}: binary_metrics.precision"),
                    Ok(m.precision),
                    f64_of(&e["precision"]),
                );
                ck.num(
                    &format!("{name}: binary_metrics.recall"),
                    Ok(m.recall),
                    f64_of(&e["recall"]),
                );
                ck.num(
                    &format!("{name}: binary_metrics.f2"),
                    Ok(m.f2),
                    f64_of(&e["f2"]),
                );
                ck.num(
                    &format!("{name}: binary_metrics.loss"),
                    Ok(m.loss),
                    f64_of(&e["log_loss"]),
                );
                match (m.roc_auc, opt(&e["roc_auc"])) {
                    (Some(g), Some(w)) => {
                        ck.num(&format!("{name}: binary_metrics.roc_auc"), Ok(g), w)
                    }
                    (None, None) => {}
                    (g, w) => ck.0.push(format!(
                        "{name}: binary_metrics.roc_auc {g:?} vs sklearn {w:?}"
                    )),
                }
                let cm: Vec<Vec<usize>> = m.confusion_matrix.iter().map(|r| r.to_vec()).collect();
                ck.truth(
                    &format!("{name}: binary_metrics.confusion_matrix"),
                    cm == matrix(&e["confusion_matrix"]),
                );
                ck.truth(
                    &format!("{name}: binary_metrics.n/threshold"),
                    m.n == y.len() && m.threshold == t,
                );
            }
            Err(err) => ck.0.push(format!("{name}: binary_metrics error {err}")),
        }
    }
    ck.done(all.len());
}

#[test]
fn multiclass_cases_match_sklearn() {
    let c = cases();
    let all = c["multiclass"].as_array().unwrap();
    let mut ck = Check::default();
    for case in all {
        let name = case["name"].as_str().unwrap();
        let k = case["n_classes"].as_u64().unwrap() as usize;
        let y = u8s(&case["y_true"]);
        let p = f64s(&case["probs"]);
        let e = &case["expected"];
        let pred = metrics::argmax_rows(&p, k).unwrap();
        ck.truth(
            &format!("{name}: argmax_rows differs from numpy argmax"),
            pred == u8s(&case["y_pred"]),
        );
        let cm = metrics::confusion_matrix(&y, &pred, k).unwrap();
        ck.truth(
            &format!("{name}: confusion matrix {cm:?}"),
            cm == matrix(&e["confusion_matrix"]),
        );
        ck.num(
            &format!("{name}: accuracy"),
            metrics::multiclass_accuracy(&y, &pred),
            f64_of(&e["accuracy"]),
        );
        ck.num(
            &format!("{name}: macro_f1"),
            metrics::macro_f1(&y, &pred),
            f64_of(&e["macro_f1"]),
        );
        let got = metrics::roc_auc_ovr_macro(&y, &p, k);
        match opt(&e["roc_auc_ovr_macro"]) {
            Some(want) => ck.num(&format!("{name}: roc_auc_ovr_macro"), got, want),
            None => ck.truth(
                &format!(
                    "{name}: roc_auc_ovr_macro should be an error ({})",
                    e["roc_auc_error"]
                ),
                got.is_err(),
            ),
        }
    }
    ck.done(all.len());
}

// ---- errors, never panics ----------------------------------------------------------------------

fn err_text<T: std::fmt::Debug>(r: mammo::Result<T>) -> String {
    match r {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn one_class_roc_auc_is_a_clear_error() {
    let e = err_text(metrics::roc_auc(
        &[0, 0, 0, 0, 0],
        &[0.1, 0.2, 0.3, 0.4, 0.5],
    ));
    assert!(
        e.contains("ROC AUC is undefined: the set has only one class (5 samples of class 0)"),
        "{e}"
    );
    let e = err_text(metrics::roc_auc(&[1, 1], &[0.1, 0.9]));
    assert!(
        e.contains("ROC AUC is undefined: the set has only one class (2 samples of class 1)"),
        "{e}"
    );
    let e = err_text(metrics::roc_curve(&[1, 1], &[0.1, 0.9]));
    assert!(e.contains("only one class"), "{e}");
    // binary_metrics reports it as None and keeps the other metrics.
    let m = metrics::binary_metrics(&[1, 1, 1], &[0.2, 0.6, 0.9], 0.5).unwrap();
    assert_eq!(m.roc_auc, None);
    assert_eq!(m.recall, 2.0 / 3.0);
    // The bootstrap of ROC AUC on such a set says why.
    let e = err_text(metrics::bootstrap_ci(
        &[1, 1, 1],
        &[0.2, 0.6, 0.9],
        100,
        1,
        0.05,
        metrics::roc_auc,
    ));
    assert!(e.contains("only one class"), "{e}");
    // Multi-class: a class without samples.
    let e = err_text(metrics::roc_auc_ovr_macro(
        &[0, 1, 1],
        &[0.5, 0.3, 0.2, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1],
        3,
    ));
    assert!(e.contains("class 2 has no sample"), "{e}");
}

#[test]
fn length_mismatch_and_empty_input_are_errors() {
    let e = err_text(metrics::roc_auc(&[0, 1, 1], &[0.1, 0.9]));
    assert!(e.contains("y_true has 3 samples but scores has 2"), "{e}");
    assert!(err_text(metrics::accuracy(&[0, 1], &[0]))
        .contains("y_true has 2 samples but y_pred has 1"));
    assert!(metrics::precision(&[0, 1], &[0, 1, 1]).is_err());
    assert!(metrics::recall(&[0, 1], &[]).is_err());
    assert!(metrics::fbeta(&[0, 1], &[1], 2.0).is_err());
    assert!(metrics::confusion_matrix(&[0, 1], &[1], 2).is_err());
    assert!(metrics::log_loss(&[0, 1], &[0.5]).is_err());
    assert!(metrics::roc_curve(&[0, 1], &[0.5]).is_err());
    assert!(metrics::binary_metrics(&[0, 1], &[0.5], 0.5).is_err());
    assert!(metrics::best_threshold(&[0, 1], &[0.5], 2.0).is_err());
    assert!(metrics::macro_f1(&[0, 1, 2], &[0, 1]).is_err());
    assert!(metrics::roc_auc_ovr_macro(&[0, 1, 2], &[0.2, 0.3, 0.5], 3).is_err());
    assert!(metrics::argmax_rows(&[0.2, 0.3, 0.5, 0.1], 3).is_err());
    assert!(metrics::bootstrap_ci(&[0, 1], &[0.5], 10, 0, 0.05, metrics::roc_auc).is_err());
    let e = err_text(metrics::accuracy(&[], &[]));
    assert!(e.contains("empty input"), "{e}");
    assert!(metrics::roc_auc(&[], &[]).is_err());
    assert!(metrics::log_loss(&[], &[]).is_err());
    assert!(metrics::binary_metrics(&[], &[], 0.5).is_err());
    assert!(metrics::multiclass_accuracy(&[], &[]).is_err());
    assert!(metrics::macro_f1(&[], &[]).is_err());
    assert!(metrics::roc_auc_ovr_macro(&[], &[], 4).is_err());
    assert!(metrics::confusion_matrix(&[], &[], 2).is_err());
}

#[test]
fn nan_and_bad_values_are_errors() {
    let y = [0, 1, 0, 1];
    let nan = [0.1, f64::NAN, 0.3, 0.9];
    let e = err_text(metrics::roc_auc(&y, &nan));
    assert!(e.contains("NaN at index 1"), "{e}");
    assert!(metrics::roc_curve(&y, &nan).is_err());
    assert!(metrics::log_loss(&y, &nan).is_err());
    assert!(metrics::binary_metrics(&y, &nan, 0.5).is_err());
    assert!(metrics::best_threshold(&y, &nan, 2.0).is_err());
    assert!(metrics::predict(&nan, 0.5).is_err());
    assert!(metrics::predict(&[0.5], f64::NAN).is_err());
    assert!(metrics::roc_auc(&y, &[0.1, f64::INFINITY, 0.3, 0.9]).is_err());
    assert!(metrics::roc_auc_ovr_macro(&[0, 1], &[f64::NAN, 1.0, 0.5, 0.5], 2).is_err());
    // Probabilities out of [0, 1] for the log loss; rows not summing to 1 for multi-class AUC.
    assert!(err_text(metrics::log_loss(&y, &[0.1, 1.2, 0.3, 0.9])).contains("[0, 1]"));
    assert!(err_text(metrics::roc_auc_ovr_macro(
        &[0, 1, 2],
        &[0.5, 0.3, 0.3, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1],
        3
    ))
    .contains("sums to"));
    // Labels other than 0/1 in binary metrics, labels past n_classes.
    assert!(err_text(metrics::roc_auc(&[0, 2, 1], &[0.1, 0.2, 0.3])).contains("found 2 at index 1"));
    assert!(metrics::f2(&[0, 1, 1], &[0, 3, 1]).is_err());
    assert!(metrics::confusion_matrix(&[0, 4], &[0, 1], 4).is_err());
    assert!(metrics::fbeta(&y, &y, -1.0).is_err());
    assert!(metrics::fbeta(&y, &y, f64::NAN).is_err());
}

#[test]
fn binary_metrics_roundtrip_through_json() {
    let m = metrics::binary_metrics(&[0, 1, 1, 0], &[0.2, 0.7, 0.4, 0.6], 0.5).unwrap();
    assert_eq!(m.confusion_matrix, [[1, 1], [1, 1]]);
    assert_eq!(m.roc_auc, Some(0.75));
    let back: BinaryMetrics = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
    let one = metrics::binary_metrics(&[0, 0], &[0.2, 0.7], 0.5).unwrap();
    let json = serde_json::to_value(&one).unwrap();
    assert!(json["roc_auc"].is_null());
    assert_eq!(serde_json::from_value::<BinaryMetrics>(json).unwrap(), one);
}

// ---- bootstrap ---------------------------------------------------------------------------------

fn case(name: &str) -> (Vec<u8>, Vec<f64>) {
    let c = cases();
    let k = c["binary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["name"] == name)
        .unwrap_or_else(|| panic!("no case {name}"));
    (u8s(&k["y_true"]), f64s(&k["scores"]))
}

fn acc_at_half(y: &[u8], p: &[f64]) -> mammo::Result<f64> {
    metrics::accuracy(y, &metrics::predict(p, 0.5)?)
}

#[test]
fn bootstrap_intervals_behave() {
    let (y_big, s_big) = case("random_n2000");
    let (y_small, s_small) = case("random_n100");
    // (ROC AUC resamples are the slow ones: fewer of them.)
    type Metric<'a> = &'a dyn Fn(&[u8], &[f64]) -> mammo::Result<f64>;
    let cases: [(&str, Metric, usize); 2] = [
        ("roc_auc", &metrics::roc_auc, 400),
        ("accuracy@0.5", &acc_at_half, 1000),
    ];
    for (label, metric, b) in cases {
        let big = metrics::bootstrap(&y_big, &s_big, b, 42, 0.05, metric).unwrap();
        let small = metrics::bootstrap(&y_small, &s_small, b, 42, 0.05, metric).unwrap();
        for (n, ci) in [(2000, &big), (100, &small)] {
            assert!(
                ci.lo < ci.estimate && ci.estimate < ci.hi,
                "{label} n={n}: {ci:?} must contain the estimate"
            );
            assert_eq!((ci.n_used, ci.n_skipped), (b, 0), "{label} n={n}");
        }
        let (w_big, w_small) = (big.hi - big.lo, small.hi - small.lo);
        assert!(
            w_big < w_small,
            "{label}: n=2000 width {w_big} not below n=100 width {w_small}"
        );
        // Width scales like 1/sqrt(n): sqrt(20) ~ 4.5 between the two sets.
        let ratio = w_small / w_big;
        assert!((2.5..8.0).contains(&ratio), "{label}: width ratio {ratio}");
        // Same seed, same interval; another seed, another one.
        let again = metrics::bootstrap_ci(&y_big, &s_big, b, 42, 0.05, metric).unwrap();
        assert_eq!(
            again,
            (big.lo, big.hi),
            "{label}: same seed must give the same interval"
        );
        let other = metrics::bootstrap_ci(&y_big, &s_big, b, 43, 0.05, metric).unwrap();
        assert_ne!(
            other,
            (big.lo, big.hi),
            "{label}: another seed should move the interval"
        );
        // A 90% interval lies inside the 95% one (same resamples).
        let (lo90, hi90) = metrics::bootstrap_ci(&y_big, &s_big, b, 42, 0.10, metric).unwrap();
        assert!(
            big.lo <= lo90 && hi90 <= big.hi,
            "{label}: 90% ({lo90}, {hi90}) not inside 95% {big:?}"
        );
    }
    // The accuracy interval matches the normal approximation +-1.96 sqrt(p (1 - p) / n).
    let ci = metrics::bootstrap(&y_big, &s_big, 2000, 7, 0.05, acc_at_half).unwrap();
    let p = ci.estimate;
    let half = 1.96 * (p * (1.0 - p) / 2000.0).sqrt();
    let got = (ci.hi - ci.lo) / 2.0;
    assert!(
        (got / half - 1.0).abs() < 0.2,
        "bootstrap half-width {got} vs normal {half}"
    );
}

#[test]
fn bootstrap_skips_and_rejects() {
    // Imbalanced small set: some resamples have no positive case and are skipped, not fatal.
    let y: Vec<u8> = (0..12).map(|i| u8::from(i < 2)).collect();
    let s: Vec<f64> = (0..12)
        .map(|i| {
            if i < 2 {
                0.6 + i as f64 / 10.0
            } else {
                i as f64 / 20.0
            }
        })
        .collect();
    let ci = metrics::bootstrap(&y, &s, 500, 3, 0.05, metrics::roc_auc).unwrap();
    assert!(
        ci.n_skipped > 0 && ci.n_used + ci.n_skipped == 500,
        "{ci:?}"
    );
    assert!(ci.lo <= ci.estimate && ci.estimate <= ci.hi, "{ci:?}");
    // One positive among 60: most resamples have none -> a clear error.
    let y: Vec<u8> = (0..60).map(|i| u8::from(i == 0)).collect();
    let s: Vec<f64> = (0..60).map(|i| i as f64 / 60.0).collect();
    let e = err_text(metrics::bootstrap_ci(
        &y,
        &s,
        300,
        3,
        0.05,
        metrics::roc_auc,
    ));
    assert!(e.contains("resamples were skipped"), "{e}");
    // Bad parameters.
    assert!(metrics::bootstrap_ci(&y, &s, 0, 3, 0.05, acc_at_half).is_err());
    assert!(metrics::bootstrap_ci(&y, &s, 10, 3, 0.0, acc_at_half).is_err());
    assert!(metrics::bootstrap_ci(&y, &s, 10, 3, 1.0, acc_at_half).is_err());
    assert!(metrics::bootstrap_ci(&y, &s, 10, 3, f64::NAN, acc_at_half).is_err());
}

#[test]
fn binary_ci_contains_the_point_metrics() {
    let (y, s) = case("random_n500");
    let t = metrics::best_threshold(&y, &s, 2.0).unwrap();
    let m = metrics::binary_metrics(&y, &s, t).unwrap();
    let ci = metrics::binary_ci(&y, &s, t, 500, 11).unwrap();
    assert_eq!((ci.threshold, ci.n_boot, ci.seed), (t, 500, 11));
    for (name, c, point) in [
        ("accuracy", ci.accuracy, m.accuracy),
        ("f2", ci.f2, m.f2),
        ("roc_auc", ci.roc_auc, m.roc_auc.unwrap()),
    ] {
        assert_eq!(c.estimate, point, "{name}");
        assert!(
            c.lo < point && point < c.hi && c.hi - c.lo < 0.2,
            "{name}: {c:?}"
        );
    }
    assert_eq!(
        metrics::binary_ci(&y, &s, t, 500, 11).unwrap(),
        ci,
        "seeded"
    );
    assert!(metrics::binary_ci(&[1, 1, 1], &[0.2, 0.5, 0.9], 0.5, 100, 1).is_err());
}

#[test]
fn best_threshold_is_chosen_on_validation_and_applied_to_test() {
    // Split one fixture set in halves: the threshold from the first half is a score of that half,
    // maximises F2 there among all candidate thresholds, and is used as-is on the second half.
    let (y, s) = case("random_n2000");
    let (yv, sv, yt, st) = (&y[..1000], &s[..1000], &y[1000..], &s[1000..]);
    let t = metrics::best_threshold(yv, sv, 2.0).unwrap();
    assert!(sv.contains(&t));
    let f_best = metrics::f2(yv, &metrics::predict(sv, t).unwrap()).unwrap();
    for &c in sv {
        let f = metrics::f2(yv, &metrics::predict(sv, c).unwrap()).unwrap();
        assert!(
            f < f_best || (f == f_best && c <= t),
            "threshold {c} gives F2 {f} vs {f_best} at {t}"
        );
    }
    let test = metrics::binary_metrics(yt, st, t).unwrap();
    assert_eq!(test.threshold, t);
    assert!(test.f2 > 0.5, "{test:?}");
}
