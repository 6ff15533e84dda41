//! The seed report's claims, section by section, as data.
use super::*;
use crate::data::tasks::Task;
use crate::error::{Error, Result};
/// The seed report's claims (/work/shared/seed/report.md, cited by section), each with the
/// notebook that tests it.
pub fn seed_claims() -> Vec<Claim> {
    let m = DEFAULT_MARGIN;
    let claims = vec![
        Claim::new(
            "augmentation-helps",
            "02_scratch",
            "§4.1",
            "The first result was not so good, we faced a severe overfitting [...] To overcome \
             this problem, we used Data Augmentation",
            Prediction::Better,
        )
        .comparing("SCRATCH_2 (flip + 90° rotation)", "SCRATCH_1 (no augmentation)")
        .metric("validation ROC AUC")
        .evidence(
            "SCRATCH_1 overfitted: accuracy 0.97 on training vs 0.81 on validation, validation \
             loss 1.55 (vs 0.10); SCRATCH_2 with augmentation: validation accuracy 0.82, loss \
             0.39, AUC 0.81. One run each.",
        ),
        Claim::new(
            "rmsprop-at-least-adam",
            "02_scratch",
            "§4.1",
            "we tried to improve our results tuning the hyper-parameters, especially we focused \
             on: learning rate, optimizers, number of epochs (best tests: SCRATCH_4 and \
             SCRATCH_6, both RMSprop)",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("SCRATCH_4 (RMSprop)", "SCRATCH_2/3 (Adam)")
        .metric("validation ROC AUC")
        .evidence(
            "SCRATCH_4 (RMSprop, lr 0.001) AUC 0.87 vs SCRATCH_2 and SCRATCH_3 (Adam, lr 0.001) \
             0.81 and 0.85. One run each.",
        ),
        Claim::new(
            "contrast-helps-bm",
            "02_scratch",
            "§4.2, §8",
            "the images are classified better when a small contrast is applied: we empirically \
             set the contrast factor to 1.5 or to 2",
            Prediction::Better,
        )
        .comparing("SCRATCH_BM_V6 (RMSprop, contrast 2)", "SCRATCH_BM_V4 (RMSprop, no contrast)")
        .metric("validation ROC AUC")
        .evidence("SCRATCH_BM_V6 AUC 0.65 vs SCRATCH_BM_V4 (the same without contrast) 0.61. One run each."),
        Claim::new(
            "contrast-helps-bm-adam",
            "02_scratch",
            "§4.2, §8",
            "the images are classified better when a small contrast is applied: we empirically \
             set the contrast factor to 1.5 or to 2",
            Prediction::Better,
        )
        .comparing("SCRATCH_BM_V2 (Adam, contrast 2)", "SCRATCH_BM_V5 (Adam, no contrast)")
        .metric("validation ROC AUC")
        .evidence("SCRATCH_BM_V2 AUC 0.64 vs SCRATCH_BM_V5 (the same without contrast) 0.61. One run each."),
        Claim::new(
            "mass-calc-learnable",
            "02_scratch",
            "§8",
            "we were able to state that the data set is prepared for the mass-calcification \
             classification problem",
            Prediction::Exceeds { value: 0.5 },
        )
        .of("the best mass/calc model")
        .metric("test ROC AUC, above chance (0.5)")
        .evidence("SCRATCH_6: accuracy 0.87, AUC 0.87 (§4.1)."),
        Claim::new(
            "mass-calc-auc",
            "02_scratch",
            "§4.1",
            "with a greater number of epochs, the results stabilized around 0.87 accuracy \
             (SCRATCH_6: AUC 0.87)",
            Prediction::About { value: 0.87 },
        )
        .of("the best mass/calc model")
        .metric("test ROC AUC")
        .evidence("SCRATCH_6 (RMSprop, 35 epochs): accuracy 0.87, loss 0.31, AUC 0.87. One run."),
        Claim::new(
            "benign-malignant-much-harder",
            "02_scratch",
            "§8",
            "On the other hand, we had had a lot of difficulty in developing a satisfactory \
             model for the benign-malignant problem",
            Prediction::Better,
        )
        .comparing("mass/calc", "benign/malignant")
        .metric("ROC AUC of the best model of each task")
        .evidence(
            "best scratch AUC 0.87 (mass/calc, SCRATCH_6) vs 0.65 (benign/malignant, \
             SCRATCH_BM_V6); the best benign/malignant model of all, the ensemble, 0.71.",
        ),
        Claim::new(
            "vgg16-top-vs-deeper-cut-mc",
            "03_pretrained",
            "§5.3.1",
            "going on with tests with higher cut levels we saw that this was not leading to \
             better results",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("VGG16_V5 (cut top)", "VGG16_V6 (cut top+1)")
        .metric("validation ROC AUC, mass vs calcification")
        .evidence("VGG16_V5 AUC 0.82, accuracy 0.83 vs VGG16_V6 AUC 0.82, accuracy 0.82. One run each."),
        Claim::new(
            "inception-top-vs-top1-mc",
            "03_pretrained",
            "§5.3.2",
            "Best tests results: INCEPTION_5 (cut top) AUC 0.87, INCEPTION_6 (cut top+1) 0.85",
            Prediction::AtLeastAsGood { margin: m },
        )
        .comparing("INCEPTION_5 (cut top)", "INCEPTION_6 (cut top+1)")
        .metric("validation ROC AUC, mass vs calcification")
        .evidence("INCEPTION_5 AUC 0.87, accuracy 0.86 vs INCEPTION_6 AUC 0.85, accuracy 0.85. One run each."),
        Claim::new(
            "inception-top1-better-bm",
            "03_pretrained",
            "§5.4.2",
            "As opposed to VGG-16, in Inception we observed that tuning the cut level gave us \
             some improvements: we trained our best model removing the top level and also the \
             one immediately above",
            Prediction::Better,
        )
        .comparing("InceptionV3 cut top+1", "InceptionV3 cut top")
        .metric("validation ROC AUC, benign vs malignant")
        .evidence(
            "BEST INCEPTION (top+1, Adam, 20 epochs) AUC 0.70, F2 0.69 vs INCEPTION_1 (top, \
             Adam, 20 epochs) AUC 0.64, F2 0.55. One run each.",
        ),
        Claim::new(
            "adapter-interchangeable",
            "03_pretrained",
            "§5.2",
            "we have limited ourselves only to comparing the two best results for a given \
             configuration, in order to show that in our case they are quite interchangeable",
            Prediction::Interchangeable { margin: m },
        )
        .comparing("replicate", "conv1x1")
        .metric("validation ROC AUC at the best benign/malignant configuration")
        .evidence(
            "Replication AUC 0.71, F2 0.72 vs the 1x1 convolution AUC 0.70, F2 0.69. One run \
             each.",
        ),
        Claim::new(
            "siamese-baseline-helps",
            "04_siamese",
            "§6",
            "We tested a Siamese Architecture to make a sort of model calibration based on \
             normal tissue patches",
            Prediction::Better,
        )
        .comparing("SIAMESE_5 (baseline + abnormality)", "the single-image model")
        .metric("test ROC AUC, mass vs calcification")
        .evidence(
            "SIAMESE_5 (rotation, dropout 0.4) AUC 0.83; the seed never trained the single-image \
             model on the same patches (its SCRATCH_6 reached 0.87 on another split).",
        ),
        Claim::new(
            "ensemble-beats-best-member",
            "05_ensemble",
            "§7",
            "even if the Benignant vs Malignant models are not performative, the ensemble can \
             manage to slightly improve the metrics",
            Prediction::Better,
        )
        .comparing("the ensemble", "its best member")
        .metric("test ROC AUC, benign vs malignant")
        .evidence(
            "Ensemble AUC 0.71, accuracy 0.71, F2 0.68 vs the best member (InceptionV3) AUC \
             0.70, accuracy 0.69, F2 0.69. One test set, no interval.",
        ),
    ];
    claims
        .into_iter()
        .map(|c| {
            let tasks = claim_tasks(&c.id);
            c.on_tasks(tasks)
        })
        .collect()
}

/// The tasks the runs of a seed claim train (by claim id).
fn claim_tasks(id: &str) -> &'static [Task] {
    match id {
        "augmentation-helps"
        | "rmsprop-at-least-adam"
        | "mass-calc-learnable"
        | "mass-calc-auc"
        | "vgg16-top-vs-deeper-cut-mc"
        | "inception-top-vs-top1-mc" => &[Task::MassCalc],
        "benign-malignant-much-harder" => &[Task::MassCalc, Task::BenignMalignant],
        "siamese-baseline-helps" => &[Task::Siamese, Task::MassCalc],
        _ => &[Task::BenignMalignant],
    }
}

/// The seed claim `id` (see [`seed_claims`]).
pub fn seed_claim(id: &str) -> Result<Claim> {
    let all = seed_claims();
    let known: Vec<String> = all.iter().map(|c| c.id.clone()).collect();
    all.into_iter().find(|c| c.id == id).ok_or_else(|| {
        Error::invalid(
            "finding",
            format!("no seed claim '{id}' (known: {})", known.join(", ")),
        )
    })
}
