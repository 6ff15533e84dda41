use super::*;
use crate::runtime::precision::Precision;

#[test]
fn layout_and_precision_are_settable_and_checked() {
    let mut c = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Smoke);
    // Channels-last is the default (the faster layout), auto the default precision.
    assert!(c.runtime.channels_last && c.runtime.precision.is_none());
    c.set("channels-last", "false").unwrap();
    assert!(!c.runtime.channels_last);
    c.set("channels-last", "true").unwrap();
    c.set("precision", "BF16").unwrap();
    assert!(c.runtime.channels_last && c.runtime.precision == Some(Precision::Bf16));
    c.validate().unwrap();
    let e = c.set("precision", "fp8").unwrap_err().to_string();
    assert!(e.contains("precision") && e.contains("fp8"), "{e}");
    c.set("precision", "Auto").unwrap();
    assert_eq!(c.runtime.precision, None);
    c.set("precision", "fp32").unwrap();
    assert_eq!(c.runtime.precision, Some(Precision::Fp32));
    // Pretrained backbones choose their own layout: the layout default does not stop them;
    // bf16 computes their frozen features in bf16; auto means fp32 for them on every device
    // (Precision::auto_for_backbone).
    let mut v = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, Profile::Smoke);
    v.validate().unwrap();
    v.set("precision", "bf16").unwrap();
    v.validate().unwrap();
    assert_eq!(v.precision_on(tch::Device::Cpu), Precision::Bf16);
    v.set("precision", "auto").unwrap();
    v.validate().unwrap();
    assert_eq!(v.precision_on(tch::Device::Cpu), Precision::Fp32);
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
    c.runtime.device = DeviceChoice::Cpu;
    assert_eq!(c.precision_on(Device::Cpu), cpu_auto);
    let s = TrainConfig::new(Task::Siamese, ModelKind::Siamese, Profile::Smoke);
    assert_eq!(s.precision_on(Device::Cpu), cpu_auto);
    for m in [ModelKind::Vgg16, ModelKind::InceptionV3] {
        let v = TrainConfig::new(Task::MassCalc, m, Profile::Smoke);
        assert_eq!(v.precision_on(Device::Cpu), Precision::Fp32, "{m:?}");
    }
    // What a set precision says wins over the hardware.
    c.runtime.precision = Some(Precision::Fp32);
    assert_eq!(c.precision_on(Device::Cpu), Precision::Fp32);
    // resolved() makes auto concrete, changes nothing else, and is idempotent.
    c.runtime.precision = None;
    let r = c.resolved().unwrap();
    assert_eq!(r.runtime.precision, Some(cpu_auto));
    let mut back = r.clone();
    back.runtime.precision = None;
    assert_eq!(back, c);
    assert_eq!(r.resolved().unwrap(), r);
    // A set precision survives a JSON round trip; auto is saved as null.
    let j = serde_json::to_value(&c).unwrap();
    assert!(j["runtime"]["precision"].is_null(), "{j}");
    assert_eq!(serde_json::from_value::<TrainConfig>(j).unwrap(), c);
    let j = serde_json::to_value(&r).unwrap();
    assert_eq!(j["runtime"]["precision"], cpu_auto.name());
    // A saved run matches its auto configuration, whatever it resolved to, and a set
    // precision only itself.
    let mut other = r.clone();
    other.runtime.precision = Some(if cpu_auto == Precision::Bf16 {
        Precision::Fp32
    } else {
        Precision::Bf16
    });
    assert!(c.matches_saved(&r) && c.matches_saved(&other));
    assert!(r.matches_saved(&r) && !r.matches_saved(&other));
    let mut lr = r.clone();
    lr.optim.lr *= 2.0;
    assert!(!c.matches_saved(&lr));
    // An impossible device is an error naming it, not a silent fallback.
    c.runtime.device = DeviceChoice::Cuda(Some(7));
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
    c.optim.threshold = MaxF2MinSpecificity(f64::NAN);
    assert!(c.validate().is_err());
    c.optim.threshold = Fixed(2.0);
    assert!(c.validate().is_err());
    c.set("threshold", "f2@spec0.6").unwrap();
    c.validate().unwrap();
    assert_eq!(c.optim.threshold, MaxF2MinSpecificity(0.6));
}

#[test]
fn benign_malignant_defaults_to_constrained_f2_and_old_configs_keep_max_f2() {
    let new = TrainConfig::new(Task::BenignMalignant, ModelKind::Scratch, Profile::Smoke);
    assert_eq!(
        new.optim.threshold,
        ThresholdPolicy::MaxF2MinSpecificity(DEFAULT_MIN_SPECIFICITY)
    );
    assert_eq!(
        ThresholdPolicy::default_for(Task::MassCalc),
        ThresholdPolicy::Fixed(0.5)
    );
    // A config.json written before the new policy, as saved: "threshold": "max-f2" (a file of
    // mammo 0.1's flat format, tests/fixtures/configs).
    let text = std::fs::read_to_string(flat_example("SCRATCH_BM_V6_early")).unwrap();
    assert!(text.contains(r#""threshold": "max-f2""#), "{text}");
    let mut old: TrainConfig = serde_json::from_str(&text).unwrap();
    assert_eq!(
        old.optim.threshold,
        ThresholdPolicy::MaxF2,
        "old runs keep their policy"
    );
    // (compared as if saved by this run's configuration, apart from the policy)
    let new = {
        let mut n = new;
        n.name = old.name.clone();
        n.data.dir = old.data.dir.clone();
        n.optim.epochs = old.optim.epochs;
        n.data.augment = old.data.augment;
        n.data.preprocess = old.data.preprocess;
        n.optim.optimizer = old.optim.optimizer;
        n.runtime.profile = old.runtime.profile;
        n.runtime.channels_last = old.runtime.channels_last;
        n.runtime.micro_batch = old.runtime.micro_batch;
        n
    };
    old.runtime.precision = None;
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

/// A `config.json` of mammo 0.1's flat format (tests/fixtures/configs/README.md).
fn flat_example(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/configs/flat-0.1")
        .join(format!("{name}.json"))
}

fn load_example(name: &str) -> TrainConfig {
    let text = std::fs::read_to_string(flat_example(name)).unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn configs_saved_before_these_options_still_load() {
    // Such a config ran NCHW float32 on whole batches, and loads so.
    let c = load_example("SCRATCH_BM_V6_early");
    assert!(!c.runtime.channels_last);
    assert_eq!(c.runtime.precision, Some(Precision::Fp32));
    assert_eq!(c.runtime.micro_batch, Some(0));
}

#[test]
fn configs_of_the_flat_format_load_as_the_runs_they_were() {
    use crate::experiment::{notebook::Env, recipes};
    // Each file with what it says, now in its group and typed.
    let s2 = load_example("SCRATCH_2");
    assert_eq!(
        (s2.data.task, s2.model.kind()),
        (Task::MassCalc, ModelKind::Scratch)
    );
    assert_eq!(s2.model, ModelConfig::Scratch { dropout: None });
    assert_eq!((s2.optim.epochs, s2.runtime.seed), (8, 42));
    assert_eq!(s2.runtime.device, DeviceChoice::Auto);
    assert_eq!(s2.runtime.precision, Some(Precision::Bf16));
    assert_eq!(s2.optim.threshold, ThresholdPolicy::Fixed(0.5));
    let siamese = load_example("SIAMESE_5");
    assert_eq!(siamese.model, ModelConfig::Siamese { dropout: Some(0.4) });
    assert!(siamese.data.augment.rot90);
    let inception = load_example("INCEPTION_BM_BEST");
    let p = inception.model.pretrained().unwrap();
    assert_eq!(
        (p.backbone, p.cut, p.adapter, p.head.as_slice(), p.dropout),
        (
            BackboneKind::InceptionV3,
            Cut::Top1,
            Adapter::Conv1x1,
            &[512, 256][..],
            None
        )
    );
    assert_eq!(inception.data.preprocess.contrast, Some(1.5));
    assert_eq!(
        inception.optim.threshold,
        ThresholdPolicy::MaxF2MinSpecificity(0.5)
    );
    // The runs are found: the configurations the notebooks ask for today match them, so a
    // rerun reuses them instead of training again.
    let env = Env {
        profile: Profile::Quick,
        seed: 42,
        data: s2.data.dir.clone(),
        ..Env::from_env()
    };
    let asked = [
        (
            "SCRATCH_BM_V6",
            recipes::scratch_benign_malignant_best(&env),
        ),
        ("VGG16_BM_BEST", recipes::vgg16_benign_malignant_best(&env)),
        (
            "INCEPTION_BM_BEST",
            recipes::inception_benign_malignant_best(&env),
        ),
        (
            "SCRATCH_2",
            crate::experiment::seedref::find_row("SCRATCH_2")
                .unwrap()
                .config(&env)
                .unwrap(),
        ),
    ];
    for (name, c) in asked {
        let saved = load_example(name);
        // These runs were saved when `quick` trained the scratch CNN 8 epochs (10 for benign vs
        // malignant); it trains 15 (13) now, so today's notebooks train them again: the epochs
        // differ, and everything else must match.
        let mut c = c;
        if c.model.kind() == ModelKind::Scratch {
            assert!(
                !c.matches_saved(&saved),
                "{name}: epochs {} vs saved {}",
                c.optim.epochs,
                saved.optim.epochs
            );
            c.optim.epochs = saved.optim.epochs;
        }
        assert!(
            c.matches_saved(&saved),
            "{name}: {c:#?}\nvs saved {saved:#?}"
        );
        // ... and a different setting is a different run.
        let mut other = c.clone();
        other.optim.lr *= 2.0;
        assert!(!other.matches_saved(&saved), "{name}");
        // Saved again, a run's config is the grouped format, and reads back equal.
        let text = serde_json::to_string_pretty(&saved).unwrap();
        assert!(
            text.contains(r#""optim": {"#) && text.contains(r#""kind": "#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<TrainConfig>(&text).unwrap(), saved);
    }
}

#[test]
fn a_broken_config_json_names_the_fault() {
    // Grouped format with a misspelt cut; flat format missing a field.
    let mut j = serde_json::to_value(TrainConfig::new(
        Task::MassCalc,
        ModelKind::Vgg16,
        Profile::Smoke,
    ))
    .unwrap();
    j["model"]["cut"] = serde_json::json!("top+9");
    let e = serde_json::from_value::<TrainConfig>(j)
        .unwrap_err()
        .to_string();
    assert!(e.contains("top+9"), "{e}");
    let mut j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(flat_example("SCRATCH_2")).unwrap()).unwrap();
    j.as_object_mut().unwrap().remove("optimizer");
    let e = serde_json::from_value::<TrainConfig>(j)
        .unwrap_err()
        .to_string();
    assert!(e.contains("optimizer") && e.contains("flat"), "{e}");
    // A flat file naming a cut its backbone does not have.
    let mut j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(flat_example("VGG16_BM_BEST")).unwrap())
            .unwrap();
    j["cut"] = serde_json::json!("top+1");
    let e = serde_json::from_value::<TrainConfig>(j)
        .unwrap_err()
        .to_string();
    assert!(e.contains("top+1") && e.contains("vgg16"), "{e}");
}

#[test]
fn settings_reach_their_groups_and_model_settings_need_the_model() {
    let s = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let c = TrainConfig::from_settings(&s(&[
        ("task", "benign-malignant"),
        ("model", "inception-v3"),
        ("profile", "smoke"),
        ("cut", "top+2"),
        ("head", "512,256"),
        ("adapter", "conv1x1"),
        ("dropout", "0.3"),
        ("lr", "3e-3"),
        ("contrast", "1.5"),
        ("device", "cuda:1"),
        ("seed", "7"),
    ]))
    .unwrap();
    let p = c.model.pretrained().unwrap();
    assert_eq!(
        (p.cut, p.head.clone(), p.adapter, p.dropout),
        (Cut::Top2, vec![512, 256], Adapter::Conv1x1, Some(0.3))
    );
    assert_eq!((c.optim.lr, c.data.preprocess.contrast), (3e-3, Some(1.5)));
    assert_eq!(
        (c.runtime.device, c.runtime.seed),
        (DeviceChoice::Cuda(Some(1)), 7)
    );
    // A cut of the other backbone, and pretrained settings on the scratch CNN, are errors
    // naming the setting.
    let e = TrainConfig::from_settings(&s(&[
        ("task", "mass-calc"),
        ("model", "vgg16"),
        ("cut", "top+1"),
    ]))
    .unwrap_err()
    .to_string();
    assert!(e.contains("top+1") && e.contains("vgg16"), "{e}");
    for key in ["cut", "head", "adapter", "weights"] {
        let e = TrainConfig::from_settings(&s(&[
            ("task", "mass-calc"),
            ("model", "scratch"),
            (key, "top"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(e.contains(key) && e.contains("scratch"), "{key}: {e}");
    }
    // Devices are checked for spelling without touching the hardware.
    for (text, want) in [
        ("auto", DeviceChoice::Auto),
        ("cpu", DeviceChoice::Cpu),
        ("cuda", DeviceChoice::Cuda(None)),
        ("cuda:3", DeviceChoice::Cuda(Some(3))),
    ] {
        assert_eq!(DeviceChoice::parse(text).unwrap(), want);
        assert_eq!(want.name(), text);
    }
    assert!(DeviceChoice::parse("gpu")
        .unwrap_err()
        .to_string()
        .contains("gpu"));
}

#[test]
fn provenance_compares_data_and_weights_by_content() {
    use crate::data::fingerprint::DataFingerprint;
    let data = |h: &str| DataFingerprint {
        sha256: h.repeat(64),
        train_pairs: 10,
        test_pairs: 2,
        classes: None,
    };
    let file = |path: &str, h: &str| {
        Some(WeightsRecord::File {
            path: path.into(),
            bytes: 1,
            sha256: h.repeat(64),
        })
    };
    let p = |d: &str, w| Provenance {
        data: data(d),
        weights: w,
        mammo: "0.1.0".into(),
    };
    let now = p("a", file("/x/vgg16.safetensors", "1"));
    assert_eq!(now.compare(None), SameProvenance::Unknown);
    // The same weights found at another path, by another mammo: the same run.
    let mut moved = p("a", file("/y/vgg16.safetensors", "1"));
    moved.mammo = "0.0.9".into();
    assert_eq!(now.compare(Some(&moved)), SameProvenance::Same);
    // Other data, other weights content, random weights: each says which, with both prints.
    for (saved, want) in [
        (
            p("b", file("/x/vgg16.safetensors", "1")),
            ["other data", "sha256:bbbbbbbbbbbb", "sha256:aaaaaaaaaaaa"],
        ),
        (
            p("a", file("/x/vgg16.safetensors", "2")),
            [
                "other backbone weights",
                "sha256:222222222222",
                "sha256:111111111111",
            ],
        ),
        (
            p("a", Some(WeightsRecord::Random)),
            ["other backbone weights", "random", "sha256:111111111111"],
        ),
    ] {
        match now.compare(Some(&saved)) {
            SameProvenance::Differs(why) => {
                for w in want {
                    assert!(why.contains(w), "{w} in {why}");
                }
            }
            o => panic!("{o:?}"),
        }
    }
}
