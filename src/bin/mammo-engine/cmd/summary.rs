//! `mammo summary`: a model's Keras-style summary (layers, output shapes, parameters).
use crate::choices::{AdapterArg, CutArg, ModelArg, Setting, TaskArg};
use mammo::train::config::TrainConfig;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, ignore_case = true)]
    model: ModelArg,
    /// Backbone cut of a pretrained model: top, block5 (VGG16), top+1, top+2 (InceptionV3).
    #[arg(long, value_enum, ignore_case = true)]
    cut: Option<CutArg>,
    #[arg(long, value_enum, ignore_case = true, default_value = "replicate")]
    adapter: AdapterArg,
    #[arg(long, value_enum, ignore_case = true, default_value = "mass-calc")]
    task: TaskArg,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let mut settings = vec![
        ("model".to_string(), a.model.setting().to_string()),
        ("adapter".to_string(), a.adapter.setting().to_string()),
        ("profile".to_string(), "smoke".to_string()),
    ];
    let task = if a.model == ModelArg::Siamese {
        TaskArg::Siamese
    } else {
        a.task
    };
    settings.insert(0, ("task".to_string(), task.setting().to_string()));
    if let Some(c) = a.cut {
        settings.push(("cut".to_string(), c.setting().to_string()));
    }
    let cfg = TrainConfig::from_settings(&settings)?;
    let m = mammo::train::Classifier::build(&cfg, tch::Device::Cpu)?;
    println!("{}", m.summary());
    Ok(())
}
