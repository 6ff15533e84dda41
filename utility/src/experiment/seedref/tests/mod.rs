use super::*;
use crate::data::tasks::{Balance, Task};
use crate::eval::{Intervals, Predictions, RunMetrics, SetMetrics};
use crate::train::config::{Adapter, ModelKind, OptimizerKind, TrainConfig};
use crate::train::EpochStats;
use crate::train::History;

fn env(profile: Profile) -> Env {
    Env {
        device: tch::Device::Cpu,
        profile,
        root: PathBuf::from("/tmp/mammo-root"),
        data: PathBuf::from("/tmp/mammo-data"),
        runs: PathBuf::from("/tmp/mammo-runs"),
        seed: 7,
    }
}

fn history(n: usize, best: usize) -> History {
    History {
        epochs: (1..=n)
            .map(|e| EpochStats {
                epoch: e,
                train_loss: 1.0 / e as f64,
                train_accuracy: 0.5 + e as f64 / 100.0,
                val_loss: 0.9 - e as f64 / 200.0,
                val_accuracy: 0.6 + e as f64 / 200.0,
                val_roc_auc: 0.7 + e as f64 / 1000.0,
                val_f2: 0.4 + e as f64 / 1000.0,
                seconds: 1.0,
            })
            .collect(),
        best_epoch: best,
        stopped_early: false,
    }
}

fn set(acc: f64, auc: f64) -> SetMetrics {
    SetMetrics {
        n: 100,
        threshold: Some(0.5),
        accuracy: acc,
        precision: 0.5,
        recall: 0.5,
        f2: 0.55,
        roc_auc: auc,
        loss: 0.45,
        confusion_matrix: vec![vec![40, 10], vec![10, 40]],
        ci: Intervals {
            accuracy: [acc - 0.05, acc + 0.05],
            f2: [0.5, 0.6],
            roc_auc: [auc - 0.04, auc + 0.04],
        },
        note: None,
    }
}

fn fake_run(cfg: TrainConfig, h: Option<History>) -> Run {
    Run {
        dir: None,
        metrics: RunMetrics {
            task: cfg.data.task,
            validation: set(0.8, 0.85),
            test: Some(set(0.777, 0.888)),
        },
        predictions: Predictions {
            task: cfg.data.task,
            rows: Vec::new(),
        },
        config: cfg,
        history: h,
        seconds: 1.0,
        model: None,
        members: Vec::new(),
    }
}

#[test]
fn comparisons_of_rows_a_profile_skips_are_reported_as_not_run() {
    use crate::eval::Prediction;
    use crate::experiment::compare::{compare_named, Paired};
    use crate::experiment::findings::{Findings, Outcome};
    // Two runs on the same 40 validation patches: `a` ranks them perfectly, `b` at random.
    let run = |name: &str, good: bool| {
        let mut c = TrainConfig::new(BM, ModelKind::Scratch, Profile::Quick);
        c.name = name.into();
        let mut r = fake_run(c, None);
        r.predictions.rows = (0..40)
            .map(|i| {
                let label = (i % 2) as u8;
                let p = if good {
                    0.3 + 0.4 * f64::from(label) + 0.001 * i as f64
                } else {
                    ((i * 7919) % 40) as f64 / 40.0
                };
                Prediction {
                    set: "validation".into(),
                    index: i,
                    label,
                    probs: vec![p],
                }
            })
            .collect();
        r
    };
    let runs = vec![run("SCRATCH_BM_V2", true), run("SCRATCH_BM_V6", false)];
    let Paired::Made(c) =
        compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V6", "validation", 1).unwrap()
    else {
        panic!("both runs are there")
    };
    assert_eq!(c.a_value, 1.0);
    assert!(c.difference > 0.0);
    let missing = compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V5", "validation", 1).unwrap();
    assert_eq!(
        missing.to_string(),
        "SCRATCH_BM_V2 vs SCRATCH_BM_V5: not run in this profile (SCRATCH_BM_V5 trained in the full profile only)"
    );
    let mut found = Findings::for_notebook("02_scratch");
    found
        .record_paired("contrast-helps-bm-adam", Ok(missing))
        .unwrap();
    let f = found.get("contrast-helps-bm-adam").unwrap();
    assert!(f.verdict().is_none());
    assert!(
        matches!(&f.outcome, Outcome::NotRun(w) if w.contains("SCRATCH_BM_V5 trained in the full profile only")),
        "{:?}",
        f.outcome
    );
    found
        .record_paired(
            "contrast-helps-bm",
            compare_named(&runs, "SCRATCH_BM_V2", "SCRATCH_BM_V6", "validation", 1),
        )
        .unwrap();
    assert!(found.get("contrast-helps-bm").unwrap().verdict().is_some());
}

#[test]
fn every_table_has_the_reports_row_count() {
    let counts: Vec<(&str, usize)> = tables().iter().map(|t| (t.id, t.rows.len())).collect();
    assert_eq!(
        counts,
        vec![
            ("scratch_mass_calc", 6),
            ("scratch_benign_malignant", 6),
            ("adapter_comparison", 2),
            ("vgg16_mass_calc", 5),
            ("inception_mass_calc", 6),
            ("vgg16_benign_malignant", 5),
            ("inception_benign_malignant", 8),
            ("siamese", 5),
            ("ensemble", 4),
        ]
    );
    // Ids are unique over all tables, labels within a table; sources exist.
    let all: Vec<SeedRow> = tables().into_iter().flat_map(|t| t.rows).collect();
    let mut ids: Vec<&str> = all.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all.len());
    for t in tables() {
        let mut labels: Vec<&str> = t.rows.iter().map(|r| r.label).collect();
        labels.sort_unstable();
        labels.dedup();
        assert_eq!(labels.len(), t.rows.len(), "{}", t.id);
    }
    for r in &all {
        match &r.source {
            Source::SameRunAs(of) | Source::Epoch { of, .. } => {
                assert_eq!(find_row(of).unwrap().source, Source::Own, "{}", r.id)
            }
            Source::Ensemble(m) => {
                for x in m {
                    find_row(x).unwrap();
                }
            }
            Source::Own => {}
        }
    }
    // The VGG16 mass/calc table in the seed's order, and the two INCEPTION_1 rows apart.
    let v: Vec<&str> = vgg16_mass_calc().rows.iter().map(|r| r.label).collect();
    assert_eq!(
        v,
        ["VGG16_V1", "VGG16_V2", "VGG16_V3", "VGG16_V6", "VGG16_V5"]
    );
    assert_eq!(
        inception_benign_malignant().row("INCEPTION_1").unwrap().id,
        "INCEPTION_BM_1"
    );
    assert_eq!(
        inception_mass_calc().row("INCEPTION_1").unwrap().id,
        "INCEPTION_1"
    );
    assert!(table("nope").is_err() && table("siamese").is_ok());
}

#[test]
fn seed_numbers_and_settings_spot_checks() {
    let s4 = find_row("SCRATCH_4").unwrap();
    assert_eq!(s4.seed.auc, Some(0.87));
    assert_eq!(s4.seed.accuracy, Some(0.87));
    assert_eq!(s4.seed.f2, None);
    assert_eq!(s4.params.optimizer, OptimizerKind::RmsProp);
    assert_eq!(s4.params.epochs, Some(50));
    let s1 = find_row("SCRATCH_1").unwrap();
    assert_eq!(s1.seed, SeedNumbers::default());
    assert_eq!(
        s1.overfit
            .map(|o| (o.train_accuracy, o.val_accuracy, o.train_loss, o.val_loss)),
        Some((0.97, 0.81, 0.10, 1.55))
    );
    let b1 = find_row("SCRATCH_BM_V1").unwrap();
    assert_eq!(
        b1.overfit
            .map(|o| (o.train_accuracy, o.val_accuracy, o.train_loss, o.val_loss)),
        Some((0.95, 0.59, 0.08, 3.41))
    );
    assert_eq!(b1.params.epochs, Some(45));
    let v6 = find_row("SCRATCH_BM_V6").unwrap();
    assert_eq!(
        (
            v6.seed.accuracy,
            v6.seed.loss,
            v6.seed.f2,
            v6.seed.auc,
            v6.seed.extra
        ),
        (Some(0.65), Some(0.61), Some(0.61), Some(0.65), Some(0.65))
    );
    let vgg = find_row("VGG16_BM_BEST").unwrap();
    assert_eq!(vgg.label, "BEST VGG");
    assert_eq!((vgg.params.lr, vgg.params.contrast), (0.003, Some(1.5)));
    assert_eq!(vgg.seed.accuracy, Some(0.648));
    assert_eq!(find_row("VGG16_BM_1").unwrap().params.batch_size, 50);
    let inc = find_row("INCEPTION_BM_BEST").unwrap();
    assert_eq!(inc.param(Param::Cut), "top+1");
    assert_eq!(inc.param(Param::Head), "512+256");
    assert_eq!(inc.param(Param::Adapter), "conv1x1");
    assert_eq!(inc.seed, nums4(0.69, 0.58, 0.69, 0.70));
    assert_eq!(
        find_row("VGG16_V6").unwrap().param(Param::Cut),
        "top+1 (= block5)"
    );
    assert_eq!(
        find_row("VGG16_BM_3").unwrap().param(Param::Cut),
        "top+block5 (= block5)"
    );
    assert_eq!(find_row("INCEPTION_BM_7").unwrap().seed.f2, Some(0.19));
    assert_eq!(find_row("SIAMESE_5").unwrap().params.dropout, Some(0.4));
    assert_eq!(find_row("SIAMESE_4").unwrap().params.epochs, Some(30));
    let ad = adapter_comparison();
    assert_eq!(ad.rows[0].seed, nums4(0.68, 0.57, 0.72, 0.71));
    assert_eq!(ad.rows[0].params.adapter, Some(Adapter::Replicate));
    // The conv row is BEST INCEPTION: same numbers, same run.
    assert_eq!(ad.rows[1].seed, inc.seed);
    assert_eq!(ad.rows[1].run_name(), "INCEPTION_BM_BEST");
    let e = ensemble();
    assert_eq!(e.rows[3].seed.accuracy, Some(0.71));
    assert_eq!(e.rows[3].seed.loss, None);
    assert_eq!(e.rows[0].run_name(), "SCRATCH_BM_V6");
    // The ensemble's members repeat their tables' numbers (the reading of SCRATCH_BM).
    assert_eq!(
        (e.rows[0].seed.f2, e.rows[0].seed.auc),
        (v6.seed.f2, v6.seed.auc)
    );
    assert_eq!(e.rows[2].seed.f2, inc.seed.f2);
}

#[test]
fn every_row_builds_a_valid_config_in_every_profile() {
    for profile in Profile::ALL {
        let env = env(profile);
        for t in tables() {
            for r in &t.rows {
                if matches!(r.source, Source::Ensemble(_)) {
                    assert!(r.config(&env).is_err());
                    continue;
                }
                let c = r.config(&env).unwrap();
                c.validate().unwrap();
                // Named as the row, or as the row whose run it is.
                let name = match r.source {
                    Source::SameRunAs(of) => of,
                    _ => r.id,
                };
                assert_eq!(c.name, name, "{}", r.id);
                assert_eq!(c.runtime.seed, 7 + r.params.seed_offset, "{}", r.id);
                assert_eq!(c.data.dir, env.data);
                if let Some(p) = c.model.pretrained() {
                    let b = if c.model.kind() == ModelKind::Vgg16 {
                        crate::models::backbones::BackboneKind::Vgg16
                    } else {
                        crate::models::backbones::BackboneKind::InceptionV3
                    };
                    b.check_cut(p.cut).unwrap();
                    let want = r.params.adapter.unwrap();
                    assert_eq!(p.adapter, want, "{}", r.id);
                }
            }
        }
    }
    // Epochs: the seed's in full, the profile's default otherwise.
    let s4 = find_row("SCRATCH_4").unwrap();
    assert_eq!(s4.config(&env(Profile::Full)).unwrap().optim.epochs, 50);
    assert_eq!(s4.config(&env(Profile::Quick)).unwrap().optim.epochs, 15);
    let v6 = find_row("SCRATCH_BM_V6").unwrap();
    assert_eq!(v6.config(&env(Profile::Quick)).unwrap().optim.epochs, 13);
    let s5 = find_row("SIAMESE_5").unwrap();
    assert_eq!(s5.config(&env(Profile::Quick)).unwrap().optim.epochs, 4);
    assert_eq!(s5.config(&env(Profile::Full)).unwrap().optim.epochs, 50);
    assert_eq!(s4.config(&env(Profile::Smoke)).unwrap().optim.epochs, 2);
    let vgg = find_row("VGG16_BM_BEST").unwrap();
    assert_eq!(vgg.config(&env(Profile::Full)).unwrap().optim.epochs, 20);
    assert_eq!(
        epochs_for(Profile::Full, MC, ModelKind::Vgg16, Some(15)),
        15
    );
    assert_eq!(
        epochs_for(Profile::Quick, MC, ModelKind::Vgg16, Some(15)),
        2
    );
    assert_eq!(
        epochs_for(Profile::Full, Task::Siamese, ModelKind::Siamese, None),
        50
    );
    // The interpretations.
    let full = env(Profile::Full);
    let c3 = find_row("VGG16_V3").unwrap().config(&full).unwrap();
    assert_eq!(c3.data.balance, Balance::Under);
    let c2 = find_row("VGG16_V2").unwrap().config(&full).unwrap();
    assert!(c2.data.augment.rot90 && !c2.data.augment.hflip);
    let c6 = find_row("VGG16_V6").unwrap().config(&full).unwrap();
    assert_eq!(c6.model.cut().map(|c| c.name()), Some("block5"));
    let i3 = find_row("INCEPTION_3").unwrap().config(&full).unwrap();
    assert_eq!((i3.model.dropout(), i3.optim.epochs), (Some(0.4), 15));
    let s1 = find_row("SIAMESE_1").unwrap().config(&full).unwrap();
    assert_eq!(
        (
            s1.data.task,
            s1.model.dropout(),
            s1.data.pair_same_transform
        ),
        (Task::Siamese, Some(0.0), false)
    );
}

#[test]
fn derived_rows_differ_from_their_source_only_in_epochs() {
    for profile in Profile::ALL {
        let env = env(profile);
        for r in tables().into_iter().flat_map(|t| t.rows) {
            let Some((of, _)) = r.derived_from() else {
                continue;
            };
            let mut mine = r.config(&env).unwrap();
            let src = find_row(of).unwrap().config(&env).unwrap();
            mine.name = src.name.clone();
            mine.optim.epochs = src.optim.epochs;
            assert_eq!(mine, src, "{}", r.id);
        }
    }
}

#[test]
fn seed_configs_are_the_recipes() {
    // The recipes (what the notebooks train and the ensemble reuses) and the seed rows agree
    // field for field in every profile.
    for profile in Profile::ALL {
        let env = env(profile);
        let pairs = [
            (
                "SCRATCH_6",
                crate::experiment::recipes::scratch_mass_calc_best(&env),
            ),
            (
                "SCRATCH_BM_V6",
                crate::experiment::recipes::scratch_benign_malignant_best(&env),
            ),
            (
                "VGG16_BM_BEST",
                crate::experiment::recipes::vgg16_benign_malignant_best(&env),
            ),
            (
                "INCEPTION_BM_BEST",
                crate::experiment::recipes::inception_benign_malignant_best(&env),
            ),
        ];
        for (id, recipe) in pairs {
            let mine = find_row(id).unwrap().config(&env).unwrap();
            assert_eq!(mine, recipe, "{id} in {profile}");
        }
    }
    // The ensemble's members are the recipes' members.
    let env = env(Profile::Quick);
    let names: Vec<String> = crate::experiment::recipes::ensemble_members(&env)
        .into_iter()
        .map(|c| c.name)
        .collect();
    let e = ensemble();
    let Source::Ensemble(m) = &e.rows[3].source else {
        unreachable!()
    };
    assert_eq!(names, *m);
}

#[test]
fn runs_in_follows_the_rule() {
    let t = scratch_mass_calc();
    let quick: Vec<&str> = t.to_run(Profile::Quick).iter().map(|r| r.id).collect();
    assert_eq!(quick, ["SCRATCH_1", "SCRATCH_2"]);
    // SCRATCH_6 is read from SCRATCH_4's history: measured where SCRATCH_4 runs.
    assert!(!t.row("SCRATCH_6").unwrap().measured_in(Profile::Quick));
    let smoke: Vec<&str> = t.to_run(Profile::Smoke).iter().map(|r| r.id).collect();
    assert_eq!(smoke, ["SCRATCH_1", "SCRATCH_2", "SCRATCH_4", "SCRATCH_5"]);
    let full: Vec<&str> = t.to_run(Profile::Full).iter().map(|r| r.id).collect();
    assert_eq!(
        full,
        [
            "SCRATCH_1",
            "SCRATCH_2",
            "SCRATCH_3",
            "SCRATCH_4",
            "SCRATCH_5"
        ]
    );
    let s6 = t.row("SCRATCH_6").unwrap();
    assert!(!s6.runs_in(Profile::Full) && s6.measured_in(Profile::Smoke));
    let ib = inception_benign_malignant();
    let quick: Vec<&str> = ib.to_run(Profile::Smoke).iter().map(|r| r.id).collect();
    assert_eq!(quick, ["INCEPTION_BM_BEST"]);
    assert!(ib.row("INCEPTION_3").unwrap().measured_in(Profile::Quick));
    assert!(!ib.row("INCEPTION_5").unwrap().measured_in(Profile::Quick));
    assert!(ib.row("INCEPTION_5").unwrap().measured_in(Profile::Full));
    let pick = |t: SeedTable| -> Vec<&'static str> {
        t.to_run(Profile::Quick).iter().map(|r| r.id).collect()
    };
    assert_eq!(pick(vgg16_mass_calc()), ["VGG16_V5"]);
    assert_eq!(pick(inception_mass_calc()), ["INCEPTION_3"]);
    assert_eq!(pick(vgg16_benign_malignant()), ["VGG16_BM_BEST"]);
    assert_eq!(pick(siamese()), ["SIAMESE_5"]);
    let smoke: Vec<&str> = siamese()
        .to_run(Profile::Smoke)
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(smoke, ["SIAMESE_1", "SIAMESE_4", "SIAMESE_5"]);
    assert_eq!(pick(adapter_comparison()), ["INCEPTION_BM_BEST_REPLICATE"]);
    assert_eq!(pick(ensemble()), Vec::<&str>::new());
    assert!(ensemble()
        .rows
        .iter()
        .all(|r| r.measured_in(Profile::Smoke)));
    assert_eq!(
        pick(scratch_benign_malignant()),
        ["SCRATCH_BM_V4", "SCRATCH_BM_V6"]
    );
    assert_eq!(scratch_benign_malignant().to_run(Profile::Smoke).len(), 6);
}

mod comparison;
mod lookups;
