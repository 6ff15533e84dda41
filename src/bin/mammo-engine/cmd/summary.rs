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
    /// Channel adapter of a pretrained model (default replicate).
    #[arg(long, value_enum, ignore_case = true)]
    adapter: Option<AdapterArg>,
    #[arg(long, value_enum, ignore_case = true, default_value = "mass-calc")]
    task: TaskArg,
}

pub fn run(a: Args) -> mammo::Result<()> {
    // The Siamese network has one task; the summary needs no data, so the smallest profile.
    let task = if a.model == ModelArg::Siamese {
        TaskArg::Siamese
    } else {
        a.task
    };
    let settings: Vec<(String, String)> = [
        ("task", Some(task.setting())),
        ("model", Some(a.model.setting())),
        ("adapter", a.adapter.map(|x| x.setting())),
        ("profile", Some("smoke")),
        ("cut", a.cut.map(|c| c.setting())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
    .collect();
    let cfg = TrainConfig::from_settings(&settings)?;
    let m = mammo::train::Classifier::build(&cfg, tch::Device::Cpu)?;
    println!("{}", m.summary());
    Ok(())
}
