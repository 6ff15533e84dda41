//! The nine tables of the seed report as data, row for row (see the module documentation for the
//! readings of ambiguous rows).
use super::*;
use crate::data::tasks::{Balance, Task};
use crate::train::config::{Adapter, ModelKind};
pub(crate) const MC: Task = Task::MassCalc;
pub(crate) const BM: Task = Task::BenignMalignant;

/// §4.1, "Scratch".
pub fn scratch_mass_calc() -> SeedTable {
    let s = ModelKind::Scratch;
    let fr = || SeedParams::new().aug(Aug::FlipRot90);
    SeedTable {
        id: "scratch_mass_calc",
        title: "Scratch CNN — mass vs calcification",
        section: "§4.1",
        params: vec![
            Param::Augment,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Seed,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("SCRATCH_1", "SCRATCH_1", MC, s, SeedParams::new().epochs(50), dashes())
                .overfit(SeedOverfit {
                    train_accuracy: 0.97,
                    val_accuracy: 0.81,
                    train_loss: 0.10,
                    val_loss: 1.55,
                })
                .note("no augmentation: the seed's severe overfitting (train vs validation at the last epoch: accuracy 0.97 / 0.81, loss 0.10 / 1.55)"),
            SeedRow::new("SCRATCH_2", "SCRATCH_2", MC, s, fr().epochs(50), nums(0.82, 0.39, 0.81)),
            SeedRow::new("SCRATCH_3", "SCRATCH_3", MC, s, fr().epochs(50).seed_offset(1), nums(0.85, 0.32, 0.85))
                .full_only()
                .note("the seed states SCRATCH_2's settings: read as SCRATCH_2 with another seed"),
            SeedRow::new("SCRATCH_4", "SCRATCH_4", MC, s, fr().rmsprop().epochs(50), nums(0.87, 0.29, 0.87))
                .skip_quick()
                .note("RMSprop; the `quick` CPU demo spends its epochs on SCRATCH_1 and SCRATCH_2 instead (docs/PROFILES.md)"),
            SeedRow::new("SCRATCH_5", "SCRATCH_5", MC, s, fr().rmsprop().lr(0.003).epochs(50), nums(0.85, 0.47, 0.85)).skip_quick(),
            SeedRow::new("SCRATCH_6", "SCRATCH_6", MC, s, fr().rmsprop().epochs(35), nums(0.87, 0.31, 0.87))
                .source(Source::Epoch { of: "SCRATCH_4", epoch: 35 })
                .note("SCRATCH_4 at 35 instead of 50 epochs: read from SCRATCH_4's history (the seed's best model; recipes::scratch_mass_calc_best trains it on its own)"),
        ],
        note: String::new(),
    }
}

/// §4.2, "Scratch" (benign vs malignant).
pub fn scratch_benign_malignant() -> SeedTable {
    let s = ModelKind::Scratch;
    let r = || SeedParams::new().aug(Aug::Rot90).epochs(30);
    let extra = |mut n: SeedNumbers, x: f64| {
        n.extra = Some(x);
        n
    };
    SeedTable {
        id: "scratch_benign_malignant",
        title: "Scratch CNN — benign vs malignant",
        section: "§4.2",
        params: vec![
            Param::Augment,
            Param::Optimizer,
            Param::Lr,
            Param::Contrast,
            Param::Epochs,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("SCRATCH_BM_V1", "SCRATCH_BM_V1", BM, s, SeedParams::new().epochs(45), dashes())
                .skip_quick()
                .overfit(SeedOverfit {
                    train_accuracy: 0.95,
                    val_accuracy: 0.59,
                    train_loss: 0.08,
                    val_loss: 3.41,
                })
                .note("no augmentation, no contrast: the seed's overfitting (train vs validation at the last epoch: accuracy 0.95 / 0.59, loss 0.08 / 3.41)"),
            SeedRow::new("SCRATCH_BM_V2", "SCRATCH_BM_V2", BM, s, r().contrast(2.0), extra(nums4(0.57, 0.70, 0.68, 0.62), 0.64))
                .skip_quick()
                .note("unlabelled fifth number: 0.64"),
            SeedRow::new("SCRATCH_BM_V3", "SCRATCH_BM_V3", BM, s, r().aug(Aug::FlipRot90).rmsprop().contrast(2.0), extra(nums4(0.61, 0.63, 0.65, 0.59), 0.61))
                .skip_quick()
                .note("the seed states SCRATCH_BM_V6's settings: read as flip + rotation (the text tuned 'combinations between rotation and horizontal flip'); unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V4", "SCRATCH_BM_V4", BM, s, r().rmsprop(), extra(nums4(0.6, 0.65, 0.63, 0.61), 0.61))
                .note("unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V5", "SCRATCH_BM_V5", BM, s, r(), extra(nums4(0.58, 0.68, 0.61, 0.63), 0.61))
                .skip_quick()
                .note("unlabelled fifth number: 0.61"),
            SeedRow::new("SCRATCH_BM_V6", "SCRATCH_BM_V6", BM, s, r().rmsprop().contrast(2.0), extra(nums4(0.65, 0.61, 0.61, 0.65), 0.65))
                .note("the seed's best benign/malignant scratch model (an ensemble member); unlabelled fifth number: 0.65"),
        ],
        note: "The seed's header has nine columns, its rows ten values: the first four numbers are read as accuracy, loss, F2, AUC (the ensemble table repeats SCRATCH_BM_V6's as 0.65, 0.61, 0.65), the fifth is unlabelled. ✓ augmentation is the 90° rotation alone.".into(),
    }
}

/// §5.2, the adapter comparison (on BEST INCEPTION, benign vs malignant).
pub fn adapter_comparison() -> SeedTable {
    let best = inception_bm_best_params();
    SeedTable {
        id: "adapter_comparison",
        title: "1 to 3 channels: replication vs a 1x1 convolution (BEST INCEPTION, benign vs malignant)",
        section: "§5.2",
        params: vec![Param::Adapter, Param::Cut, Param::Head, Param::Contrast, Param::Epochs],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("INCEPTION_BM_BEST_REPLICATE", "Replication", BM, ModelKind::InceptionV3, best.clone().adapter(Adapter::Replicate), nums4(0.68, 0.57, 0.72, 0.71))
                .note("BEST INCEPTION with the gray channel copied three times"),
            SeedRow::new("ADAPTER_CONV1X1", "Convolutional Layer", BM, ModelKind::InceptionV3, best, nums4(0.69, 0.58, 0.69, 0.70))
                .source(Source::SameRunAs("INCEPTION_BM_BEST"))
                .note("the seed's numbers are BEST INCEPTION's: this is that run"),
        ],
        note: "The seed compared the adapters \"on the best configuration obtained for the benignant vs malignant problem\"; its convolution row has exactly BEST INCEPTION's numbers, so both rows are BEST INCEPTION's configuration. One run each, as the seed did: the notebooks repeat the comparison over seeds.".into(),
    }
}

/// §5.3.1, VGG16 (mass vs calcification).
pub fn vgg16_mass_calc() -> SeedTable {
    let v = ModelKind::Vgg16;
    let p = || SeedParams::new().adapter(Adapter::Conv1x1).cut("top");
    SeedTable {
        id: "vgg16_mass_calc",
        title: "VGG16 features — mass vs calcification",
        section: "§5.3.1",
        params: vec![
            Param::Augment,
            Param::Cut,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Balance,
            Param::Adapter,
            Param::Head,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("VGG16_V1", "VGG16_V1", MC, v, p().epochs(60), dashes()).full_only(),
            SeedRow::new("VGG16_V2", "VGG16_V2", MC, v, p().aug(Aug::Rot90).epochs(15), nums(0.81, 0.42, 0.81))
                .full_only()
                .note("the seed states V5's settings: read as rotation-only augmentation ('In some tests the data augmentation is composed of just the rotation layer')"),
            SeedRow::new("VGG16_V3", "VGG16_V3", MC, v, p().aug(Aug::FlipRot90).balance(Balance::Under).epochs(15), nums(0.66, 0.65, 0.68))
                .full_only()
                .note("the seed states V5's settings: read as undersampling ('The best result was obtained using oversampling')"),
            SeedRow::new("VGG16_V6", "VGG16_V6", MC, v, p().aug(Aug::FlipRot90).cut("top+1").epochs(15), nums(0.82, 0.38, 0.82))
                .full_only()
                .note("VGG16 has no 'top+1' level in torchvision's layout: the next cut down, block5"),
            SeedRow::new("VGG16_V5", "VGG16_V5", MC, v, p().aug(Aug::FlipRot90).epochs(15), nums(0.83, 0.41, 0.82))
                .note("the seed's chosen model (its plots and confusion matrix)"),
        ],
        note: "The seed lists five rows, in this order (no V4).".into(),
    }
}

/// §5.3.2, InceptionV3 (mass vs calcification).
pub fn inception_mass_calc() -> SeedTable {
    let i = ModelKind::InceptionV3;
    let p = || SeedParams::new().adapter(Adapter::Conv1x1).cut("top");
    let fr = || p().aug(Aug::FlipRot90);
    SeedTable {
        id: "inception_mass_calc",
        title: "InceptionV3 features — mass vs calcification",
        section: "§5.3.2",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Cut,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Adapter,
            Param::Head,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("INCEPTION_1", "INCEPTION_1", MC, i, p().epochs(20), dashes()).full_only(),
            SeedRow::new("INCEPTION_2", "INCEPTION_2", MC, i, p().aug(Aug::Rot90).epochs(20), nums(0.85, 0.46, 0.85))
                .full_only()
                .note("the seed states INCEPTION_5's settings: read as rotation-only augmentation ('In some tests the data augmentation is composed of just the rotation layer')"),
            SeedRow::new("INCEPTION_3", "INCEPTION_3", MC, i, fr().dropout(0.4).epochs(15), nums(0.86, 0.36, 0.87))
                .note("the seed's shown model (plots, confusion matrix); dropout rate not stated: 0.4, as the seed's Siamese network"),
            SeedRow::new("INCEPTION_4", "INCEPTION_4", MC, i, fr().rmsprop().epochs(20), nums(0.84, 0.35, 0.83)).full_only(),
            SeedRow::new("INCEPTION_5", "INCEPTION_5", MC, i, fr().epochs(20), nums(0.86, 0.32, 0.87))
                .full_only()
                .note("flip + rotation (INCEPTION_2, with the same stated settings, is rotation only)"),
            SeedRow::new("INCEPTION_6", "INCEPTION_6", MC, i, fr().cut("top+1").epochs(20), nums(0.85, 0.35, 0.85)).full_only(),
        ],
        note: String::new(),
    }
}

/// §5.4.1, VGG16 (benign vs malignant).
pub fn vgg16_benign_malignant() -> SeedTable {
    let v = ModelKind::Vgg16;
    let p = || {
        SeedParams::new()
            .adapter(Adapter::Conv1x1)
            .aug(Aug::FlipRot90)
            .cut("top")
            .contrast(1.5)
    };
    SeedTable {
        id: "vgg16_benign_malignant",
        title: "VGG16 features — benign vs malignant",
        section: "§5.4.1",
        params: vec![
            Param::Augment,
            Param::Cut,
            Param::Contrast,
            Param::BatchSize,
            Param::Optimizer,
            Param::Lr,
            Param::Epochs,
            Param::Adapter,
            Param::Head,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new(
                "VGG16_BM_1",
                "VGG_1",
                BM,
                v,
                p().batch(50),
                nums4(0.67, 0.68, 0.10, 0.53),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_2",
                "VGG_2",
                BM,
                v,
                p(),
                nums4(0.658, 0.61, 0.58, 0.63),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_3",
                "VGG_3",
                BM,
                v,
                p().cut("top+block5"),
                nums4(0.58, 0.66, 0.69, 0.63),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_4",
                "VGG_4",
                BM,
                v,
                p().rmsprop(),
                nums4(0.65, 0.61, 0.44, 0.60),
            )
            .full_only(),
            SeedRow::new(
                "VGG16_BM_BEST",
                "BEST VGG",
                BM,
                v,
                p().lr(0.003),
                nums4(0.648, 0.63, 0.68, 0.67),
            )
            .note("the seed's chosen model (fewest false negatives; an ensemble member)"),
        ],
        note: "The seed's table has no epochs column: the profile's default epochs.".into(),
    }
}

fn inception_bm_best_params() -> SeedParams {
    SeedParams::new()
        .adapter(Adapter::Conv1x1)
        .aug(Aug::FlipRot90)
        .cut("top+1")
        .head(&[512, 256])
        .contrast(1.5)
        .epochs(20)
}

/// §5.4.2, InceptionV3 (benign vs malignant).
pub fn inception_benign_malignant() -> SeedTable {
    let i = ModelKind::InceptionV3;
    let p = || {
        SeedParams::new()
            .adapter(Adapter::Conv1x1)
            .aug(Aug::FlipRot90)
            .contrast(1.5)
            .head(&[512, 256])
    };
    SeedTable {
        id: "inception_benign_malignant",
        title: "InceptionV3 features — benign vs malignant",
        section: "§5.4.2",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Cut,
            Param::Optimizer,
            Param::Epochs,
            Param::Contrast,
            Param::Head,
            Param::Adapter,
        ],
        reported: Metric::ALL.to_vec(),
        rows: vec![
            SeedRow::new("INCEPTION_BM_1", "INCEPTION_1", BM, i, p().cut("top").head(&[512]).epochs(20), nums4(0.67, 0.62, 0.55, 0.64))
                .full_only()
                .note("head not stated: the first test, with the mass/calcification head [512]"),
            SeedRow::new("INCEPTION_BM_2", "INCEPTION_2", BM, i, p().cut("top+1").head(&[512]).epochs(10), nums4(0.70, 0.56, 0.44, 0.64))
                .full_only()
                .note("the seed states INCEPTION_3's settings: read as the one-layer head [512] ('better results with a further dense layer')"),
            SeedRow::new("INCEPTION_BM_3", "INCEPTION_3", BM, i, p().cut("top+1").epochs(10), nums4(0.64, 0.62, 0.72, 0.68))
                .source(Source::Epoch { of: "INCEPTION_BM_BEST", epoch: 10 })
                .note("head [512, 256] (see INCEPTION_2): BEST at 10 of its 20 epochs, read from its history"),
            SeedRow::new("INCEPTION_BM_4", "INCEPTION_4", BM, i, p().cut("top+1").rmsprop().head(&[512]).epochs(10), nums4(0.70, 0.55, 0.49, 0.65))
                .full_only()
                .note("the seed states INCEPTION_5's settings: read as the one-layer head [512]"),
            SeedRow::new("INCEPTION_BM_5", "INCEPTION_5", BM, i, p().cut("top+1").rmsprop().epochs(10), nums4(0.66, 0.59, 0.69, 0.68))
                .source(Source::Epoch { of: "INCEPTION_BM_6", epoch: 10 })
                .note("head [512, 256] (see INCEPTION_4): INCEPTION_6 at 10 of its 20 epochs, read from its history"),
            SeedRow::new("INCEPTION_BM_6", "INCEPTION_6", BM, i, p().cut("top+1").rmsprop().epochs(20), nums4(0.71, 0.56, 0.60, 0.68))
                .full_only()
                .note("head not stated: [512, 256], as INCEPTION_5"),
            SeedRow::new("INCEPTION_BM_7", "INCEPTION_7", BM, i, p().cut("top+2").epochs(20), nums4(0.68, 0.60, 0.19, 0.56))
                .full_only()
                .note("head not stated: [512, 256], as the best model"),
            SeedRow::new("INCEPTION_BM_BEST", "BEST INCEPTION", BM, i, inception_bm_best_params(), nums4(0.69, 0.58, 0.69, 0.70))
                .note("the seed's best benign/malignant model (its summary: dense 512 + 256, conv1x1 adapter; an ensemble member)"),
        ],
        note: "No learning-rate column: 0.001 throughout. Every Dropout cell has the same glyph and the best model's summary has no Dropout layer: no dropout. The seed's last line 'BEST / INCEPTION' is one row.".into(),
    }
}

/// §6, the Siamese network (mass vs calcification on (baseline, abnormality) pairs).
pub fn siamese() -> SeedTable {
    let s = ModelKind::Siamese;
    let t = Task::Siamese;
    // The seed built the Siamese towers "starting from the one used in the Scratch task" and
    // states no optimizer: the scratch task's best, RMSprop 0.001 (SCRATCH_4/6). Adam 0.001
    // collapsed on one synthetic seed in three (validation AUC stuck at 0.50, as the seed saw
    // in §8) where RMSprop trained on all (docs/SYNTHETIC.md).
    let fr = || {
        SeedParams::new()
            .aug(Aug::FlipRot90)
            .rmsprop()
            .dropout(0.0)
            .epochs(50)
    };
    let rot = || SeedParams::new().aug(Aug::Rot90).rmsprop();
    SeedTable {
        id: "siamese",
        title: "Siamese network — mass vs calcification",
        section: "§6",
        params: vec![
            Param::Augment,
            Param::Dropout,
            Param::Optimizer,
            Param::Epochs,
            Param::Seed,
        ],
        reported: vec![Metric::Accuracy, Metric::Loss, Metric::Auc],
        rows: vec![
            SeedRow::new("SIAMESE_1", "SIAMESE_1", t, s, fr(), nums(0.83, 0.38, 0.83)).skip_quick(),
            SeedRow::new("SIAMESE_2", "SIAMESE_2", t, s, fr().seed_offset(1), nums(0.82, 0.40, 0.82))
                .full_only()
                .note("the seed states SIAMESE_1's settings: read as SIAMESE_1 with another seed"),
            SeedRow::new("SIAMESE_3", "SIAMESE_3", t, s, fr().seed_offset(2), nums(0.75, 0.51, 0.73))
                .full_only()
                .note("the seed states SIAMESE_1's settings: read as SIAMESE_1 with a third seed"),
            SeedRow::new("SIAMESE_4", "SIAMESE_4", t, s, rot().dropout(0.0).epochs(30), nums(0.82, 0.40, 0.81)).skip_quick(),
            SeedRow::new("SIAMESE_5", "SIAMESE_5", t, s, rot().dropout(0.4).epochs(50), nums(0.84, 0.36, 0.83))
                .note("the seed's best: rotation and dropout 0.4 after the concatenation"),
        ],
        note: "Each tower augments its input independently (the augmentation layer is inside the shared tower). Optimizer not stated by the seed: RMSprop 0.001, the scratch task's best, whose network the towers start from.".into(),
    }
}

/// §7, the ensemble (benign vs malignant).
pub fn ensemble() -> SeedTable {
    let members = vec!["SCRATCH_BM_V6", "VGG16_BM_BEST", "INCEPTION_BM_BEST"];
    // The members' settings, from their tables (not `find_row`, which builds this table).
    let params_of =
        |t: SeedTable, id: &str| t.row(id).map(|r| r.params.clone()).unwrap_or_default();
    let member = |id: &'static str, label: &'static str, model: ModelKind, n: SeedNumbers| {
        let params = match model {
            ModelKind::Vgg16 => params_of(vgg16_benign_malignant(), id),
            ModelKind::InceptionV3 => inception_bm_best_params(),
            _ => params_of(scratch_benign_malignant(), id),
        };
        SeedRow::new(id, label, BM, model, params, n).source(Source::SameRunAs(id))
    };
    let n3 = |a: f64, f2: f64, auc: f64| SeedNumbers {
        accuracy: Some(a),
        f2: Some(f2),
        auc: Some(auc),
        ..Default::default()
    };
    SeedTable {
        id: "ensemble",
        title: "Benign vs malignant — average-voting ensemble",
        section: "§7",
        params: vec![],
        reported: vec![Metric::Accuracy, Metric::F2, Metric::Auc],
        rows: vec![
            SeedRow {
                id: "ENSEMBLE_SCRATCH",
                ..member("SCRATCH_BM_V6", "Best_BM_Scratch", ModelKind::Scratch, n3(0.65, 0.61, 0.65))
            },
            SeedRow {
                id: "ENSEMBLE_VGG16",
                ..member("VGG16_BM_BEST", "Best_BM_VGG16", ModelKind::Vgg16, n3(0.64, 0.68, 0.67))
            },
            SeedRow {
                id: "ENSEMBLE_INCEPTION",
                ..member("INCEPTION_BM_BEST", "Best_BM_Inceptionv3", ModelKind::InceptionV3, n3(0.69, 0.69, 0.7))
            },
            SeedRow::new("ENSEMBLE", "Ensemble", BM, ModelKind::Scratch, SeedParams::new(), n3(0.71, 0.68, 0.71))
                .source(Source::Ensemble(members))
                .note("the average of the three members' probabilities"),
        ],
        note: "The seed's numbers are on the test set; its members' repeat the benign/malignant tables' rows.".into(),
    }
}
