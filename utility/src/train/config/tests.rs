use super::*;
use crate::runtime::precision::Precision;

#[test]
fn layout_and_precision_are_settable_and_checked() {
    let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
    // Channels-last is the default (the faster layout), auto the default precision.
    assert!(c.channels_last && c.precision.is_none());
    c.set("channels-last", "false").unwrap();
    assert!(!c.channels_last);
    c.set("channels-last", "true").unwrap();
    c.set("precision", "BF16").unwrap();
    assert!(c.channels_last && c.precision == Some(Precision::Bf16));
    c.validate().unwrap();
    let e = c.set("precision", "fp8").unwrap_err().to_string();
    assert!(e.contains("precision") && e.contains("fp8"), "{e}");
    c.set("precision", "Auto").unwrap();
    assert_eq!(c.precision, None);
    c.set("precision", "fp32").unwrap();
    assert_eq!(c.precision, Some(Precision::Fp32));
    // Pretrained backbones choose their own layout and run float32: the layout default does
    // not stop them, asking for bf16 is an error, not ignored.
    let mut v = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, Profile::Smoke);
    v.validate().unwrap();
    v.set("precision", "bf16").unwrap();
    let e = v.validate().unwrap_err().to_string();
    assert!(e.contains("vgg16") || e.contains("VGG"), "{e}");
    // ... while auto is fine: it means fp32 for them on every device.
    v.set("precision", "auto").unwrap();
    v.validate().unwrap();
}

#[test]
fn auto_precision_follows_the_hardware_and_a_run_saves_what_it_used() {
    use tch::Device;
    let bf16_cpu = crate::runtime::device::cpu_bf16_units().is_some();
    let cpu_auto = if bf16_cpu {
        Precision::Bf16
    } else {
        Precision::Fp32
    };
    assert_eq!(Precision::auto_for(Device::Cpu), cpu_auto);
    // Not measured on CUDA yet: fp32 there.
    assert_eq!(Precision::auto_for(Device::Cuda(0)), Precision::Fp32);
    let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
    c.device = "cpu".into();
    assert_eq!(c.precision_on(Device::Cpu), cpu_auto);
    let s = TrainConfig::new(Task::Siamese, ModelKind::Siamese, Profile::Smoke);
    assert_eq!(s.precision_on(Device::Cpu), cpu_auto);
    for m in [ModelKind::Vgg16, ModelKind::InceptionV3] {
        let v = TrainConfig::new(Task::MassCalc, m, Profile::Smoke);
        assert_eq!(v.precision_on(Device::Cpu), Precision::Fp32, "{m:?}");
    }
    // What a set precision says wins over the hardware.
    c.precision = Some(Precision::Fp32);
    assert_eq!(c.precision_on(Device::Cpu), Precision::Fp32);
    // resolved() makes auto concrete, changes nothing else, and is idempotent.
    c.precision = None;
    let r = c.resolved().unwrap();
    assert_eq!(r.precision, Some(cpu_auto));
    let mut back = r.clone();
    back.precision = None;
    assert_eq!(back, c);
    assert_eq!(r.resolved().unwrap(), r);
    // A set precision survives a JSON round trip; auto is saved as null.
    let j = serde_json::to_value(&c).unwrap();
    assert!(j["precision"].is_null(), "{j}");
    assert_eq!(serde_json::from_value::<TrainConfig>(j).unwrap(), c);
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["precision"], cpu_auto.name());
    // A saved run matches its auto configuration, whatever it resolved to, and a set
    // precision only itself.
    let mut other = r.clone();
    other.precision = Some(if cpu_auto == Precision::Bf16 {
        Precision::Fp32
    } else {
        Precision::Bf16
    });
    assert!(c.matches_saved(&r) && c.matches_saved(&other));
    assert!(r.matches_saved(&r) && !r.matches_saved(&other));
    let mut lr = r.clone();
    lr.lr *= 2.0;
    assert!(!c.matches_saved(&lr));
    // An impossible device is an error naming it, not a silent fallback.
    c.device = "cuda:7".into();
    if !tch::Cuda::is_available() {
        let e = c.resolved().unwrap_err().to_string();
        assert!(e.contains("cuda:7"), "{e}");
    }
}

#[test]
fn threshold_policies_parse_print_and_survive_json() {
    use ThresholdPolicy::*;
    let cases = [
        ("f2", MaxF2),
        ("max-f2", MaxF2),
        (" F2 ", MaxF2),
        ("f2@spec0.5", MaxF2MinSpecificity(0.5)),
        ("f2@spec=0.7", MaxF2MinSpecificity(0.7)),
        ("max-f2@specificity0.25", MaxF2MinSpecificity(0.25)),
        ("f2@spec1", MaxF2MinSpecificity(1.0)),
        ("0.5", Fixed(0.5)),
        ("0", Fixed(0.0)),
    ];
    for (text, want) in cases {
        let p = ThresholdPolicy::parse(text).unwrap();
        assert_eq!(p, want, "{text}");
        // The setting reads back as the same policy.
        assert_eq!(ThresholdPolicy::parse(&p.setting()).unwrap(), p);
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ThresholdPolicy>(&j).unwrap(), p);
    }
    assert_eq!(MaxF2MinSpecificity(0.5).setting(), "f2@spec0.5");
    assert_eq!(MaxF2MinSpecificity(0.5).to_string(), "f2@spec0.5");
    assert_eq!(MaxF2.setting(), "f2");
    assert_eq!(Fixed(0.5).setting(), "0.5");
    assert!(MaxF2MinSpecificity(0.5)
        .name()
        .contains("specificity >= 0.5"));
    assert!(MaxF2.name().contains("unconstrained"));
    // config.json spellings: the old ones unchanged, the new one beside them.
    assert_eq!(serde_json::to_string(&MaxF2).unwrap(), r#""max-f2""#);
    assert_eq!(
        serde_json::to_string(&Fixed(0.5)).unwrap(),
        r#"{"fixed":0.5}"#
    );
    assert_eq!(
        serde_json::to_string(&MaxF2MinSpecificity(0.5)).unwrap(),
        r#"{"max-f2-min-specificity":0.5}"#
    );
    for bad in [
        "f3",
        "f2@spec",
        "f2@spec1.5",
        "f2@spec-0.1",
        "f2@0.5",
        "f1@spec0.5",
        "1.2",
    ] {
        let e = ThresholdPolicy::parse(bad).unwrap_err().to_string();
        assert!(
            e.contains("threshold") && e.contains("f2@spec0.5"),
            "{bad}: {e}"
        );
    }
    let mut c = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
    c.threshold = MaxF2MinSpecificity(f64::NAN);
    assert!(c.validate().is_err());
    c.threshold = Fixed(2.0);
    assert!(c.validate().is_err());
    c.set("threshold", "f2@spec0.6").unwrap();
    c.validate().unwrap();
    assert_eq!(c.threshold, MaxF2MinSpecificity(0.6));
}

#[test]
fn benign_malignant_defaults_to_constrained_f2_and_old_configs_keep_max_f2() {
    let new = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
    assert_eq!(
        new.threshold,
        ThresholdPolicy::MaxF2MinSpecificity(DEFAULT_MIN_SPECIFICITY)
    );
    assert_eq!(
        ThresholdPolicy::default_for(Task::MassCalc),
        ThresholdPolicy::Fixed(0.5)
    );
    // A config.json written before the new policy, as saved: "threshold": "max-f2".
    let mut j = serde_json::to_value(new.resolved().unwrap()).unwrap();
    j["threshold"] = serde_json::json!("max-f2");
    let text = serde_json::to_string_pretty(&j).unwrap();
    assert!(text.contains(r#""threshold": "max-f2""#), "{text}");
    let old: TrainConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(
        old.threshold,
        ThresholdPolicy::MaxF2,
        "old runs keep their policy"
    );
    // So a new default configuration is not that run (its threshold would be chosen
    // otherwise) ...
    assert!(!new.matches_saved(&old));
    // ... while one asking for the old policy is, and equal configurations still match.
    let mut asks_old = new.clone();
    asks_old.set("threshold", "f2").unwrap();
    assert!(asks_old.matches_saved(&old));
    let saved_new: TrainConfig =
        serde_json::from_value(serde_json::to_value(new.resolved().unwrap()).unwrap()).unwrap();
    assert!(new.matches_saved(&saved_new));
}

#[test]
fn configs_saved_before_these_options_still_load() {
    // Such a config ran NCHW float32, and loads so.
    let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
    c.channels_last = false;
    let mut j = serde_json::to_value(&c).unwrap();
    let o = j.as_object_mut().unwrap();
    o.remove("channels_last");
    o.remove("precision");
    let back: TrainConfig = serde_json::from_value(j).unwrap();
    c.precision = Some(Precision::Fp32);
    assert_eq!(back, c);
}
