use super::checkpoint::{restore, snapshot};
use super::fit::*;
use super::*;
use crate::data::tasks::Task;
use crate::train::config::{ModelKind, Monitor, TrainConfig};
use std::path::Path;
use tch::{Device, Kind, Tensor};

#[test]
fn channels_last_weights_save_row_major_and_load_into_a_plain_model() {
    let dir = std::env::temp_dir().join(format!("mammo-cl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, crate::Profile::Smoke);
    // float32 on any CPU: the comparison below is at float32 rounding.
    cfg.runtime.precision = Some(crate::runtime::precision::Precision::Fp32);
    cfg.runtime.channels_last = true;
    let cl = Classifier::build(&cfg, Device::Cpu).unwrap();
    let w = dir.join("m.safetensors");
    cl.save(&w).unwrap();
    cfg.runtime.channels_last = false;
    cfg.runtime.seed = 7; // different initial weights, replaced by the file's
    let mut plain = Classifier::build(&cfg, Device::Cpu).unwrap();
    plain.load(&w).unwrap();
    let x = Tensor::rand([2, 1, 150, 150], (Kind::Float, Device::Cpu));
    let a = cl.logits(&x, None, false).unwrap();
    let b = plain.logits(&x, None, false).unwrap();
    assert!(a.allclose(&b, 1e-5, 1e-5, false), "{a} vs {b}");
    std::fs::remove_dir_all(&dir).ok();
}

/// One step on a batch, whole and in micro-batches (uneven: 4 + 4 + 3 rows): the same loss
/// and the same updated weights, for class-weighted binary and 4-class losses with an L2
/// penalty, and for Siamese pairs.
#[test]
fn micro_batches_take_the_same_step_as_the_whole_batch() {
    let cases: [(Task, ModelKind, Option<Vec<f64>>); 4] = [
        (Task::BenignMalignant, ModelKind::Scratch, None),
        (Task::MassCalc, ModelKind::Scratch, Some(vec![0.6, 2.5])),
        (
            Task::FourClass,
            ModelKind::Scratch,
            Some(vec![0.5, 1.0, 3.0, 1.5]),
        ),
        (Task::Siamese, ModelKind::Siamese, None),
    ];
    for (task, kind, weights) in cases {
        let mut cfg = TrainConfig::new(task, kind, crate::Profile::Smoke);
        cfg.optim.optimizer = crate::train::config::OptimizerKind::Sgd;
        cfg.optim.lr = 0.5;
        cfg.optim.l2 = 0.01;
        // float32 on any CPU: the same step up to float32 rounding is what is checked.
        cfg.runtime.precision = Some(crate::runtime::precision::Precision::Fp32);
        tch::manual_seed(11);
        let n = 11;
        let x = Tensor::rand([n, 1, 150, 150], (Kind::Float, Device::Cpu));
        let base = Tensor::rand([n, 1, 150, 150], (Kind::Float, Device::Cpu));
        let base = task.is_pair().then_some(&base);
        let y = Tensor::randint(task.n_classes() as i64, [n], (Kind::Int64, Device::Cpu));
        cfg.model.set_dropout(Some(0.0));
        // The same initial weights for both (tests share libtorch's global generator, so
        // two seeded builds could differ when tests run in parallel).
        let init = snapshot(&Classifier::build(&cfg, Device::Cpu).unwrap().vs);
        let mut out = Vec::new();
        for micro in [0, 4] {
            cfg.runtime.micro_batch = Some(micro);
            let m = Classifier::build(&cfg, Device::Cpu).unwrap();
            restore(&m.vs, &init);
            let mut opt =
                crate::train::optim::Optimizer::new(cfg.optim.optimizer, cfg.optim.lr, &m.vs);
            let (loss, logits) =
                train_batch(&m, &mut opt, &cfg, &x, base, &y, weights.as_deref()).unwrap();
            assert_eq!(logits.size()[0], n);
            out.push((loss, logits, snapshot(&m.vs)));
        }
        let (whole, micro) = (&out[0], &out[1]);
        assert!(
            (whole.0 - micro.0).abs() < 1e-5 * whole.0.abs().max(1.0),
            "{task:?}: loss {} vs {}",
            whole.0,
            micro.0
        );
        assert!(whole.1.allclose(&micro.1, 1e-5, 1e-5, false));
        let mut moved = 0.0;
        for (((name, a), (_, b)), (_, w0)) in whole.2.iter().zip(&micro.2).zip(&init) {
            assert!(
                a.allclose(b, 1e-4, 1e-6, false),
                "{task:?}: {name} differs by {}",
                (a - b).abs().max().double_value(&[])
            );
            moved += (a - w0).abs().sum(Kind::Double).double_value(&[]);
        }
        assert!(moved > 1e-3, "{task:?}: the step moved nothing");
    }
}

#[test]
fn micro_batch_is_a_setting_and_old_configs_load_without_it() {
    let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, crate::Profile::Smoke);
    assert_eq!(cfg.runtime.micro_batch, None, "auto by default");
    assert_eq!(
        cfg.micro_batch_on(Device::Cpu),
        crate::train::config::AUTO_CPU_MICRO_BATCH
    );
    assert_eq!(cfg.micro_batch_on(Device::Cuda(0)), 0);
    let vgg = TrainConfig::new(Task::MassCalc, ModelKind::Vgg16, crate::Profile::Smoke);
    assert_eq!(vgg.micro_batch_on(Device::Cpu), 0);
    cfg.set("micro-batch", "8").unwrap();
    assert_eq!(cfg.micro_batch_on(Device::Cuda(0)), 8);
    cfg.set("micro_batch", "0").unwrap();
    assert_eq!(cfg.micro_batch_on(Device::Cpu), 0);
    assert!(cfg.set("micro_batch", "-1").is_err());
    let round: TrainConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(round.runtime.micro_batch, Some(0));
    cfg.set("micro_batch", "AUTO").unwrap();
    assert_eq!(cfg.runtime.micro_batch, None);
    let round: TrainConfig = serde_json::from_str(&serde_json::to_string(&cfg).unwrap()).unwrap();
    assert_eq!(round.runtime.micro_batch, None);
    // A config.json of mammo 0.1's flat format written before the option existed.
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/configs/flat-0.1/SCRATCH_2.json"
    );
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_object_mut().unwrap().remove("micro_batch");
    let old: TrainConfig = serde_json::from_value(v).unwrap();
    assert_eq!(
        old.runtime.micro_batch,
        Some(0),
        "configs saved before run whole batches"
    );
}

fn epoch(epoch: usize, val_loss: f64, val_roc_auc: f64) -> EpochStats {
    EpochStats {
        epoch,
        train_loss: 0.0,
        train_accuracy: 0.0,
        val_loss,
        val_accuracy: 0.0,
        val_roc_auc,
        val_f2: 0.0,
        seconds: 0.0,
    }
}

/// A history read back from CSV gets the best epoch `fit` kept: the first best score.
#[test]
fn best_epoch_is_inferred_by_fits_rule() {
    let mut h = History {
        epochs: vec![
            epoch(1, 0.7, f64::NAN),
            epoch(2, 0.5, 0.6),
            epoch(3, 0.6, 0.8),
            epoch(4, 0.5, 0.8),
        ],
        ..Default::default()
    };
    let csv = h.to_csv();
    let mut back = History::from_csv(&csv, Path::new("h.csv")).unwrap();
    back.infer_best(Monitor::ValLoss, 6);
    assert_eq!((back.best_epoch, back.stopped_early), (2, true));
    back.infer_best(Monitor::ValAuc, 4);
    assert_eq!((back.best_epoch, back.stopped_early), (3, false));
    h.infer_best(Monitor::ValAuc, 4);
    assert_eq!(h.best_epoch, 3);
}
