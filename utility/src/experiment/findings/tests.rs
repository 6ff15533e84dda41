use super::*;
use crate::error::Error;

fn cmp(a: &str, b: &str, d: f64, ci: [f64; 2]) -> Comparison {
    Comparison {
        a: a.into(),
        b: b.into(),
        metric: "validation ROC AUC, n = 64".into(),
        a_value: 0.8 + d,
        b_value: 0.8,
        difference: d,
        ci,
        p_value: f64::NAN,
        method: "paired bootstrap, 2000 resamples".into(),
    }
}

fn claim(p: Prediction) -> Claim {
    Claim::new("c", "02_scratch", "§4.1", "the seed said so", p).comparing("A", "B")
}

fn verdict(p: Prediction, ci: [f64; 2]) -> Option<Verdict> {
    Finding::new(claim(p), cmp("A", "B", (ci[0] + ci[1]) / 2.0, ci)).verdict()
}

#[test]
fn better_rule() {
    let p = Prediction::Better;
    assert_eq!(verdict(p, [0.01, 0.08]), Some(Verdict::Agrees));
    assert_eq!(verdict(p, [-0.02, 0.05]), Some(Verdict::Undecided));
    assert_eq!(verdict(p, [-0.09, -0.01]), Some(Verdict::Disagrees));
    // An interval touching 0 does not lie above it.
    assert_eq!(verdict(p, [0.0, 0.05]), Some(Verdict::Undecided));
    assert_eq!(verdict(p, [f64::NAN, f64::NAN]), Some(Verdict::Undecided));
    // A borrowed comparison (as notebooks keep theirs) gives the same finding.
    let c = cmp("A", "B", 0.04, [0.01, 0.08]);
    assert_eq!(
        Finding::new(claim(p), &c),
        Finding::new(claim(p), c.clone())
    );
}

#[test]
fn at_least_as_good_rule() {
    let p = Prediction::AtLeastAsGood { margin: 0.03 };
    assert_eq!(verdict(p, [0.01, 0.08]), Some(Verdict::Agrees));
    assert_eq!(
        verdict(p, [-0.02, 0.05]),
        Some(Verdict::Agrees),
        "not worse by > m"
    );
    assert_eq!(
        verdict(p, [-0.10, 0.05]),
        Some(Verdict::Undecided),
        "straddles"
    );
    assert_eq!(verdict(p, [-0.09, -0.01]), Some(Verdict::Disagrees));
    // Really worse, even if by less than the margin: disagreement is checked first.
    assert_eq!(verdict(p, [-0.02, -0.01]), Some(Verdict::Disagrees));
    let strict = Prediction::AtLeastAsGood { margin: 0.0 };
    assert_eq!(verdict(strict, [-0.01, 0.05]), Some(Verdict::Undecided));
    assert_eq!(verdict(strict, [0.0, 0.05]), Some(Verdict::Agrees));
}

#[test]
fn interchangeable_rule() {
    let p = Prediction::Interchangeable { margin: 0.03 };
    assert_eq!(verdict(p, [-0.02, 0.025]), Some(Verdict::Agrees), "inside");
    assert_eq!(
        verdict(p, [-0.03, 0.03]),
        Some(Verdict::Agrees),
        "the margin itself"
    );
    assert_eq!(
        verdict(p, [-0.05, 0.02]),
        Some(Verdict::Undecided),
        "crosses -m"
    );
    assert_eq!(
        verdict(p, [-0.10, 0.10]),
        Some(Verdict::Undecided),
        "wider than ±m"
    );
    assert_eq!(
        verdict(p, [0.04, 0.09]),
        Some(Verdict::Disagrees),
        "wholly above"
    );
    assert_eq!(
        verdict(p, [-0.09, -0.031]),
        Some(Verdict::Disagrees),
        "wholly below"
    );
}

#[test]
fn single_value_rules() {
    let about = Claim::new(
        "auc",
        "02_scratch",
        "§4.1",
        "0.87",
        Prediction::About { value: 0.87 },
    )
    .of("SCRATCH_6");
    let inside = Estimate::value(
        "SCRATCH_6",
        "test ROC AUC, n = 100",
        0.85,
        [0.80, 0.90],
        "bootstrap",
    );
    let below = Estimate::value(
        "SCRATCH_6",
        "test ROC AUC, n = 100",
        0.75,
        [0.70, 0.80],
        "bootstrap",
    );
    assert_eq!(
        Finding::new(about.clone(), &inside).verdict(),
        Some(Verdict::Agrees)
    );
    assert_eq!(
        Finding::new(about.clone(), &below).verdict(),
        Some(Verdict::Disagrees)
    );
    // A tiny test set: the seed's value is inside, but so is almost any value.
    let wide = Estimate::value(
        "SCRATCH_6",
        "test ROC AUC, n = 10",
        0.52,
        [0.12, 1.0],
        "bootstrap",
    );
    assert_eq!(
        Finding::new(about.clone(), &wide).verdict(),
        Some(Verdict::Undecided)
    );
    let chance = Claim::new(
        "learn",
        "02_scratch",
        "§8",
        "learnable",
        Prediction::Exceeds { value: 0.5 },
    );
    assert_eq!(
        Finding::new(chance.clone(), &inside).verdict(),
        Some(Verdict::Agrees)
    );
    let straddle = Estimate::value("X", "AUC", 0.52, [0.45, 0.60], "bootstrap");
    assert_eq!(
        Finding::new(chance.clone(), &straddle).verdict(),
        Some(Verdict::Undecided)
    );
    let under = Estimate::value("X", "AUC", 0.40, [0.30, 0.49], "bootstrap");
    assert_eq!(
        Finding::new(chance, &under).verdict(),
        Some(Verdict::Disagrees)
    );
    // A value given to a difference claim is recorded, not judged.
    let f = Finding::new(claim(Prediction::Better), &inside);
    assert_eq!(f.verdict(), None);
    assert_eq!(f.status(), "not estimated");
}

#[test]
fn independent_difference_adds_half_widths_in_quadrature() {
    let a = Estimate::value("MC", "test ROC AUC", 0.87, [0.84, 0.90], "bootstrap");
    let b = Estimate::value("BM", "test ROC AUC", 0.65, [0.61, 0.69], "bootstrap");
    let d = Estimate::independent_difference(&a, &b).unwrap();
    assert!((d.value - 0.22).abs() < 1e-12);
    assert!((d.ci[0] - (0.22 - 0.05)).abs() < 1e-9, "{:?}", d.ci);
    assert!((d.ci[1] - (0.22 + 0.05)).abs() < 1e-9, "{:?}", d.ci);
    assert_eq!(d.kind, EstimateKind::Difference);
    assert!(Estimate::independent_difference(&d, &b).is_err());
}

#[test]
fn sentences_are_generated_from_the_numbers() {
    let c = seed_claim("augmentation-helps").unwrap();
    let f = Finding::new(c, cmp("SCRATCH_2", "SCRATCH_1", 0.043, [0.011, 0.078]));
    assert_eq!(
        f.sentence(),
        "SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: +0.043 [+0.011, +0.078] → agrees"
    );
    let m = Finding::new(
        seed_claim("adapter-interchangeable").unwrap(),
        cmp("replicate", "conv1x1", -0.004, [-0.021, 0.013]),
    );
    assert_eq!(
        m.sentence(),
        "replicate − conv1x1, validation ROC AUC, n = 64: -0.004 [-0.021, +0.013] (margin ±0.030) → agrees"
    );
    let v = Finding::new(
        seed_claim("mass-calc-auc").unwrap(),
        Estimate::value(
            "SCRATCH_6",
            "test ROC AUC, n = 120",
            0.861,
            [0.812, 0.905],
            "bootstrap",
        ),
    );
    assert_eq!(
        v.sentence(),
        "SCRATCH_6, test ROC AUC, n = 120: 0.861 [0.812, 0.905] vs the seed's 0.870 → agrees"
    );
    let n = Finding::not_run(
        seed_claim("contrast-helps-bm-adam").unwrap(),
        "full profile only",
    );
    assert_eq!(n.status(), "not run in this profile");
    assert_eq!(n.sentence(), "not run in this profile: full profile only");
}

#[test]
fn verdict_line_format() {
    let f = Finding::new(
        seed_claim("augmentation-helps").unwrap(),
        cmp("SCRATCH_2", "SCRATCH_1", -0.05, [-0.09, -0.01]),
    );
    assert_eq!(
        f.verdict_line("02_scratch"),
        "VERDICT 02_scratch: augmentation-helps: disagrees: SCRATCH_2 − SCRATCH_1, validation ROC AUC, n = 64: -0.050 [-0.090, -0.010]"
    );
    let e = Finding::from_result::<Comparison>(
        seed_claim("ensemble-beats-best-member").unwrap(),
        Err(Error::invalid("comparison", "too few\nresamples")),
    )
    .with_weights_note(Some("VGG16 ran on RANDOM weights".into()));
    let line = e.verdict_line("05_ensemble");
    assert!(
        line.starts_with("VERDICT 05_ensemble: ensemble-beats-best-member: not estimated: "),
        "{line}"
    );
    assert!(
        !line.contains('\n') && line.ends_with("(VGG16 ran on RANDOM weights)"),
        "{line}"
    );
    // Several caveats: each in the line, in order, and under the estimate in the HTML; `None`
    // adds nothing.
    let both = e.clone().with_note(None).with_note(Some(
        "B (0.000) gives every test sample the same probability".into(),
    ));
    assert_eq!(both.notes.len(), 2);
    let line = both.verdict_line("05_ensemble");
    assert!(
        line.ends_with("(VGG16 ran on RANDOM weights) (B (0.000) gives every test sample the same probability)"),
        "{line}"
    );
    let mut fs = Findings::new("05_ensemble");
    fs.add(both);
    let html = fs.to_html().0;
    assert_eq!(html.matches("⚠ ").count(), 2, "{html}");
    assert!(html.contains("⚠ B (0.000) gives every test sample"));
}

#[test]
fn findings_render_every_claim_and_replace_by_id() {
    let mut fs = Findings::for_notebook("02_scratch");
    let ids: Vec<String> = seed_claims()
        .into_iter()
        .filter(|c| c.notebook == "02_scratch")
        .map(|c| c.id)
        .collect();
    assert_eq!(fs.len(), ids.len());
    assert!(ids.len() >= 5);
    fs.add(Finding::new(
        seed_claim("augmentation-helps").unwrap(),
        cmp("SCRATCH_2", "SCRATCH_1", 0.043, [0.011, 0.078]),
    ));
    fs.add(Finding::new(
        seed_claim("rmsprop-at-least-adam").unwrap(),
        cmp("SCRATCH_4", "SCRATCH_2", -0.1, [-0.2, -0.05]),
    ));
    fs.add(
        Finding::new(
            seed_claim("contrast-helps-bm").unwrap(),
            cmp("SCRATCH_BM_V6", "SCRATCH_BM_V4", 0.01, [-0.05, 0.07]),
        )
        .with_weights_note(Some("tested nothing about ImageNet features".into())),
    );
    fs.record(
        "mass-calc-auc",
        Ok(Estimate::value(
            "SCRATCH_6",
            "test ROC AUC, n = 120",
            0.86,
            [0.81, 0.91],
            "bootstrap",
        )),
    )
    .unwrap();
    assert!(fs
        .record("no-such-claim", Ok(cmp("A", "B", 0.0, [0.0, 0.0])))
        .is_err());
    assert_eq!(
        fs.len(),
        ids.len(),
        "added findings replace the pending ones"
    );
    assert_eq!(fs.findings[0].claim.id, "augmentation-helps");
    assert_eq!(fs.counts(), [2, 1, 1, ids.len() - 4]);
    let html = fs.to_html().0;
    for id in &ids {
        assert!(html.contains(&format!("<b>{id}</b>")), "{id} missing");
    }
    for c in seed_claims().iter().filter(|c| c.notebook == "02_scratch") {
        assert!(html.contains(&html_escape(&c.section)));
        assert!(html.contains(&html_escape(&c.evidence)));
    }
    assert!(html.contains("+0.043 [+0.011, +0.078]"));
    assert!(html.contains(">agrees</td>") && html.contains("#e8f5e9"));
    assert!(html.contains(">disagrees</td>") && html.contains("#ffebee"));
    assert!(html.contains(">undecided</td>"));
    assert!(html.contains(">not run in this profile</td>"));
    assert!(html.contains("tested nothing about ImageNet features"));
    assert!(html.contains("2 agree, 1 disagrees, 1 undecided"));
    let lines = fs.verdict_lines();
    assert_eq!(lines.len(), ids.len());
    assert!(lines.iter().all(|l| l.starts_with("VERDICT 02_scratch: ")));
    assert!(lines.contains(
        &"VERDICT 02_scratch: contrast-helps-bm-adam: not run in this profile: SCRATCH_BM_V2 (Adam, contrast 2) and SCRATCH_BM_V5 (Adam, no contrast) are not both trained in this profile"
            .to_string()
    ));
    assert!(fs
        .to_string()
        .contains("augmentation-helps (§4.1): SCRATCH_2 − SCRATCH_1"));
}

#[test]
fn seed_claims_are_well_formed() {
    let all = seed_claims();
    let mut ids: Vec<&str> = all.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len(), "unique ids");
    for c in &all {
        assert!(c.section.starts_with('§'), "{}", c.id);
        assert!(
            !c.statement.is_empty() && !c.evidence.is_empty(),
            "{}",
            c.id
        );
        assert_eq!(c.b.is_some(), c.prediction.is_difference(), "{}", c.id);
        assert!(
            ["02_scratch", "03_pretrained", "04_siamese", "05_ensemble"]
                .contains(&c.notebook.as_str()),
            "{}",
            c.id
        );
    }
    assert!(seed_claim("no-such-claim").is_err());
}

/// On a mass-only dataset (no calcification), the claims about mass vs calcification are "not
/// run on this data", with the reason; those about benign vs malignant stay "not run in this
/// profile" until their runs are recorded.
#[test]
fn claims_the_data_cannot_test_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let ds = crate::data::support::mass_only_dataset(tmp.path());
    let f = Findings::for_notebook("02_scratch").on(&ds);
    let lines = f.verdict_lines();
    let line = |id: &str| {
        lines
            .iter()
            .find(|l| l.contains(&format!(": {id}: ")))
            .unwrap()
            .clone()
    };
    assert!(
        line("augmentation-helps")
            .contains(": not run on this data: mass-calc needs every class in the training data"),
        "{lines:#?}"
    );
    assert!(
        line("benign-malignant-much-harder").contains(": not run on this data: "),
        "{lines:#?}"
    );
    assert!(
        line("contrast-helps-bm").contains(": not run in this profile: "),
        "{lines:#?}"
    );
}
