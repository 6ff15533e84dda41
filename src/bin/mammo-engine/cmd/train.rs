//! `mammo train`: train a model and write its run folder (config, history, weights, predictions,
//! metrics). The flags become `key=value` settings that `TrainConfig::from_settings` parses, the
//! one place that does (docs/ARCHITECTURE.md lists where each ends up).
use crate::choices::{
    AdapterArg, BalanceArg, CutArg, ModelArg, OptimizerArg, PrecisionArg, ProfileArg, Setting,
    TaskArg,
};
use crate::output::{print_json_text, status, TrainProgress};
use mammo::experiment::run::{self, Overwrite};
use mammo::train::config::TrainConfig;
use mammo::Dataset;
use std::path::{Component, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Dataset folder (default: MAMMO_DATA, else data/synthetic).
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        required_unless_present = "resume"
    )]
    task: Option<TaskArg>,
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        required_unless_present = "resume"
    )]
    model: Option<ModelArg>,
    /// The run folder to write; its name is the run's name.
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue an interrupted run from its last checkpoint (its saved configuration is used;
    /// other flags are not allowed).
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["task", "model", "out", "force"])]
    resume: Option<PathBuf>,
    /// Backbone cut of a pretrained model: top, block5 (VGG16), top+1, top+2 (InceptionV3).
    #[arg(long, value_enum, ignore_case = true)]
    cut: Option<CutArg>,
    /// How the gray patch becomes three channels for a pretrained backbone.
    #[arg(long, value_enum, ignore_case = true)]
    adapter: Option<AdapterArg>,
    /// Hidden layers of a pretrained model's MLP head, e.g. 512 or 512,256.
    #[arg(long)]
    head: Option<String>,
    #[arg(long, value_enum, ignore_case = true)]
    optimizer: Option<OptimizerArg>,
    #[arg(long)]
    lr: Option<f64>,
    #[arg(long)]
    batch_size: Option<usize>,
    #[arg(long)]
    epochs: Option<usize>,
    /// Comma-separated: flip, vflip, rot90, rotate[:DEG], none.
    #[arg(long)]
    augment: Option<String>,
    /// Pairs get the same random transform (default: independent).
    #[arg(long)]
    same_transform: bool,
    /// Contrast factor (TensorFlow adjust_contrast), e.g. 1.5 or 2.
    #[arg(long)]
    contrast: Option<f32>,
    /// CLAHE as CLIP:TILES (scikit-image equalize_adapthist), e.g. 0.01:8.
    #[arg(long, value_name = "CLIP:TILES")]
    clahe: Option<String>,
    #[arg(long, value_enum, ignore_case = true)]
    balance: Option<BalanceArg>,
    #[arg(long)]
    class_weights: bool,
    #[arg(long)]
    l2: Option<f64>,
    #[arg(long)]
    dropout: Option<f64>,
    #[arg(long)]
    seed: Option<u64>,
    /// auto, cpu, cuda, cuda:N.
    #[arg(long)]
    device: Option<String>,
    /// Pretrained weights (safetensors with torchvision names).
    #[arg(long)]
    weights: Option<PathBuf>,
    /// Default: MAMMO_PROFILE, else full on CUDA and quick on CPU.
    #[arg(long, value_enum, ignore_case = true)]
    profile: Option<ProfileArg>,
    /// Stop after this many epochs without improvement (best weights are kept in any case).
    #[arg(long)]
    patience: Option<usize>,
    /// Decision threshold, chosen on validation: f2@spec0.5 (the benign-malignant default:
    /// maximise F2 among thresholds with specificity >= 0.5; any minimum in [0, 1]), f2
    /// (maximise F2 unconstrained: may call every case malignant), or a fixed number in [0, 1]
    /// (the default for the other tasks: 0.5).
    #[arg(long, value_name = "f2@specX|f2|NUMBER")]
    threshold: Option<String>,
    /// Convolutions in NHWC layout (speed only; scratch and Siamese models). The default;
    /// kept so that scripts passing it keep working.
    #[arg(long, conflicts_with = "no_channels_last")]
    channels_last: bool,
    /// Convolutions in NCHW layout (the layout before NHWC became the default).
    #[arg(long)]
    no_channels_last: bool,
    /// auto (default): bf16 on a CPU with bf16 units (AVX512-BF16 or AMX; `mammo doctor`
    /// says), else fp32; fp32 for the pretrained models' backbones. bf16: bf16 compute, fp32
    /// master weights (scratch and Siamese models), or the frozen backbone's features in bf16
    /// (VGG16, InceptionV3; the head stays fp32). The run's config.json records the one used.
    #[arg(long, value_enum, ignore_case = true)]
    precision: Option<PrecisionArg>,
    /// Rows per forward/backward pass: larger batches run as micro-batches whose gradients
    /// are summed before the one update (same step, less memory). 0: the whole batch; auto
    /// (default): 4 for the scratch and Siamese models on the CPU, else the whole batch.
    #[arg(long, value_name = "N|auto")]
    micro_batch: Option<String>,
    /// Replace an existing run folder.
    #[arg(long)]
    force: bool,
    /// Print the run's metrics (metrics.json) on stdout instead of the report.
    #[arg(long)]
    json: bool,
}

impl Args {
    /// The flags as `key = value` settings, in the order `TrainConfig::set` applies them.
    fn settings(&self) -> mammo::Result<Vec<(String, String)>> {
        let (Some(task), Some(model), Some(out)) = (self.task, self.model, &self.out) else {
            return mammo::error::invalid(
                "train",
                "give --task, --model and --out (or --resume RUN_DIR)",
            );
        };
        let name = match out.file_name() {
            Some(n) if matches!(out.components().next_back(), Some(Component::Normal(_))) => {
                n.to_string_lossy().into_owned()
            }
            _ => {
                return mammo::error::invalid(
                    "--out",
                    format!("'{}' must end with the run's folder name", out.display()),
                )
            }
        };
        let data = self
            .data
            .clone()
            .unwrap_or_else(mammo::runtime::profile::data_dir);
        fn named<T: Setting>(v: Option<T>) -> Option<String> {
            v.map(|v| v.setting().to_string())
        }
        fn text<T: ToString>(v: Option<T>) -> Option<String> {
            v.map(|v| v.to_string())
        }
        let flag = |on: bool, v: &str| on.then(|| v.to_string());
        let all = [
            ("task", Some(task.setting().into())),
            ("model", Some(model.setting().into())),
            ("profile", named(self.profile)),
            ("name", Some(name)),
            ("data", Some(data.display().to_string())),
            ("cut", named(self.cut)),
            ("adapter", named(self.adapter)),
            ("head", self.head.clone()),
            ("optimizer", named(self.optimizer)),
            ("lr", text(self.lr)),
            ("batch_size", text(self.batch_size)),
            ("epochs", text(self.epochs)),
            ("augment", self.augment.clone()),
            ("same_transform", flag(self.same_transform, "true")),
            ("contrast", text(self.contrast)),
            ("clahe", self.clahe.clone()),
            ("balance", named(self.balance)),
            ("class_weights", flag(self.class_weights, "true")),
            ("l2", text(self.l2)),
            ("dropout", text(self.dropout)),
            ("seed", text(self.seed)),
            ("device", self.device.clone()),
            (
                "weights",
                self.weights.as_ref().map(|w| w.display().to_string()),
            ),
            ("patience", text(self.patience)),
            ("threshold", self.threshold.clone()),
            ("channels_last", flag(self.channels_last, "true")),
            ("channels_last", flag(self.no_channels_last, "false")),
            ("precision", named(self.precision)),
            ("micro_batch", self.micro_batch.clone()),
        ];
        Ok(all
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
            .collect())
    }
}

pub fn run(a: Args) -> mammo::Result<()> {
    let mut bar = TrainProgress::new();
    let mut progress = |e| bar.handle(e);
    let (run, dir) = match &a.resume {
        Some(dir) => (
            run::resume_with_progress(dir, Some(&mut progress))?,
            dir.clone(),
        ),
        None => {
            let cfg = TrainConfig::from_settings(&a.settings()?)?;
            let out = a.out.clone().unwrap_or_default();
            let runs = out
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("."));
            let ds = Dataset::load(&cfg.data.dir)?;
            let overwrite = if a.force {
                Overwrite::Yes
            } else {
                Overwrite::No
            };
            let r =
                run::train_with_progress(&cfg, &ds, Some(&runs), overwrite, Some(&mut progress))?;
            (r, out)
        }
    };
    if a.json {
        print_json_text(&mammo::eval::metrics_json(
            &run.config,
            &run.metrics,
            run.weights().as_ref(),
        )?);
    } else {
        println!("{}", run.report());
    }
    status(&format!("run saved in {}", dir.display()));
    Ok(())
}
