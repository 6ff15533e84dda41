//! The named configurations of the seed's best runs, in one place, so that the notebooks that
//! train them and the ensemble notebook that reuses them agree exactly (identical configurations
//! let `run::train_or_load` reuse the saved runs).
use crate::data::tasks::Task;
use crate::experiment::notebook::Env;
use crate::train::config::{Adapter, Cut, ModelKind, OptimizerKind, TrainConfig};
use crate::transforms::augment::Augment;

fn base(env: &Env, task: Task, model: ModelKind, name: &str) -> TrainConfig {
    let mut c = TrainConfig::new(task, model, env.profile);
    c.runtime.seed = env.seed;
    c.data.dir = env.data.clone();
    c.name = name.to_string();
    c
}

fn rot90() -> Augment {
    Augment {
        rot90: true,
        ..Default::default()
    }
}

fn flip_rot90() -> Augment {
    Augment {
        hflip: true,
        rot90: true,
        ..Default::default()
    }
}

/// SCRATCH_6 (mass vs calcification): augmentation flip + rot90, RMSprop 0.001.
pub fn scratch_mass_calc_best(env: &Env) -> TrainConfig {
    let mut c = base(env, Task::MassCalc, ModelKind::Scratch, "SCRATCH_6");
    c.data.augment = flip_rot90();
    c.optim.optimizer = OptimizerKind::RmsProp;
    c
}

/// SCRATCH_BM_V6 (benign vs malignant): rot90, contrast 2, RMSprop 0.001, 30 epochs in `full`.
pub fn scratch_benign_malignant_best(env: &Env) -> TrainConfig {
    let mut c = base(
        env,
        Task::BenignMalignant,
        ModelKind::Scratch,
        "SCRATCH_BM_V6",
    );
    c.data.augment = rot90();
    c.data.preprocess.contrast = Some(2.0);
    c.optim.optimizer = OptimizerKind::RmsProp;
    if env.profile == crate::runtime::profile::Profile::Full {
        c.optim.epochs = 30;
    }
    c
}

/// BEST VGG (benign vs malignant): cut top, contrast 1.5, batch 32, Adam 0.003, flip + rot90,
/// the seed's trainable 1x1 convolution from one channel to three (its summary's 6 parameters).
pub fn vgg16_benign_malignant_best(env: &Env) -> TrainConfig {
    let mut c = base(
        env,
        Task::BenignMalignant,
        ModelKind::Vgg16,
        "VGG16_BM_BEST",
    );
    c.data.augment = flip_rot90();
    c.data.preprocess.contrast = Some(1.5);
    c.optim.lr = 0.003;
    if let Some(p) = c.model.pretrained_mut() {
        p.adapter = Adapter::Conv1x1;
    }
    c
}

/// BEST INCEPTION (benign vs malignant): cut top+1, dense 512 + 256, contrast 1.5, Adam 0.001,
/// the 1x1 convolution adapter as in the seed's summary.
pub fn inception_benign_malignant_best(env: &Env) -> TrainConfig {
    let mut c = base(
        env,
        Task::BenignMalignant,
        ModelKind::InceptionV3,
        "INCEPTION_BM_BEST",
    );
    c.data.augment = flip_rot90();
    c.data.preprocess.contrast = Some(1.5);
    if let Some(p) = c.model.pretrained_mut() {
        p.cut = Cut::Top1;
        p.head = vec![512, 256];
        p.adapter = Adapter::Conv1x1;
    }
    c
}

/// The three benign/malignant models the seed's ensemble (§7) averages.
pub fn ensemble_members(env: &Env) -> Vec<TrainConfig> {
    vec![
        scratch_benign_malignant_best(env),
        vgg16_benign_malignant_best(env),
        inception_benign_malignant_best(env),
    ]
}
