//! `mammo`: the headless runner of the mammo pipeline (this is the engine; `mammo` launches it).
use clap::{Parser, Subcommand};
use mammo::data::dataset::Dataset;
use mammo::data::synth::SynthConfig;
use mammo::data::tasks::Task;
use mammo::train::config::{Adapter, ModelKind, TrainConfig};
use mammo::transforms::intensity::{Clahe, Preprocess};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mammo",
    version,
    about = "Deep learning on mammography patches: the headless runner"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
// Parsed once at start-up: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
enum Cmd {
    /// Print versions, libtorch location, CUDA devices, threads and the datasets found under data/.
    Doctor {
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Generate the synthetic default dataset (the four course files) into a folder.
    Synth {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Fraction of the course's size (0.1 = a tenth, same proportions).
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Calibration: share of lesions drawn with the other severity's look (docs/SYNTHETIC.md).
        #[arg(long, default_value_t = mammo::data::synth::ATYPICAL)]
        atypical: f64,
        /// Calibration: share of hard mass/calcification cases (docs/SYNTHETIC.md).
        #[arg(long, default_value_t = mammo::data::synth::HARD_CASES)]
        hard_cases: f64,
        /// Calibration: share of patients with speckled tissue (docs/SYNTHETIC.md).
        #[arg(long, default_value_t = mammo::data::synth::SPECKLED)]
        speckled: f64,
    },
    /// Check a dataset and print per-label and per-task counts and pixel statistics.
    Inspect {
        /// A dataset folder (four course files, or the MIAS pair files).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Explicit image file (with --labels) instead of a folder.
        #[arg(long, requires = "labels", conflicts_with = "data")]
        images: Option<PathBuf>,
        #[arg(long, requires = "images")]
        labels: Option<PathBuf>,
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Apply contrast and/or CLAHE to every image and write the processed dataset.
    Preprocess {
        #[arg(long)]
        data: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Contrast factor (TensorFlow adjust_contrast), e.g. 1.5 or 2.
        #[arg(long)]
        contrast: Option<f32>,
        /// CLAHE as CLIP:TILES (scikit-image equalize_adapthist), e.g. 0.01:8.
        #[arg(long)]
        clahe: Option<String>,
    },
    /// Print a model's Keras-style summary (layers, output shapes, parameters).
    Summary {
        #[arg(long)]
        model: String,
        /// Backbone cut of a pretrained model: top, block5 (VGG16), top+1, top+2 (InceptionV3).
        #[arg(long)]
        cut: Option<String>,
        #[arg(long, default_value = "replicate")]
        adapter: String,
        #[arg(long, default_value = "mass-calc")]
        task: String,
    },
    /// Train a model and write the run folder (config, history, weights, predictions, metrics).
    Train(TrainArgs),
    /// Recompute metrics.json (and predictions.csv with --data) of a run folder.
    Evaluate {
        #[arg(long)]
        run: PathBuf,
        /// Predict again with the saved model on this dataset.
        #[arg(long)]
        data: Option<PathBuf>,
        /// Test-time augmentation: average over the 8 flips/rotations (needs --data).
        #[arg(long)]
        tta: bool,
    },
    /// Frozen-backbone features of uint16 patches (x/65535, replicated to 3 channels, ImageNet
    /// normalisation, the backbone up to the cut), written as float32 (N, C, H, W).
    Features {
        #[arg(long)]
        model: String,
        #[arg(long)]
        cut: Option<String>,
        #[arg(long)]
        weights: Option<PathBuf>,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value = "auto")]
        device: String,
    },
    /// Grad-CAM of one patch: where the run's model looked. Writes a PNG (patch | heat-map overlay).
    Explain {
        #[arg(long)]
        run: PathBuf,
        /// validation or test.
        #[arg(long, default_value = "test")]
        set: String,
        /// Row of the abnormality patch in that set's source file (as in predictions.csv).
        #[arg(long)]
        index: usize,
        #[arg(long)]
        out: PathBuf,
        /// Dataset (default: the one the run was trained on).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Measurements for `make bench`, one JSON line each (docs/PERFORMANCE.md). Default: the
    /// scratch CNN's training and inference throughput (images/s) on random batches.
    Bench {
        #[arg(long, default_value = "auto")]
        device: String,
        #[arg(long, default_value_t = 32)]
        batch_size: i64,
        #[arg(long, default_value_t = 30)]
        steps: usize,
        /// scratch, vgg16 (feature extraction), data (the data path on --data, with peak
        /// memory), npy (loading --data's train_tensor.npy), roofline (GEMM rate x FLOPs).
        #[arg(long, default_value = "scratch")]
        what: String,
        /// Convolutions in NHWC layout (scratch).
        #[arg(long)]
        channels_last: bool,
        /// fp32, bf16, or auto (what `mammo train` picks on this device) (scratch).
        #[arg(long, default_value = "fp32")]
        precision: String,
        /// Rows per forward/backward pass (scratch, data; 0: the whole batch). Default: the
        /// whole batch for scratch, `mammo train`'s default for data.
        #[arg(long)]
        micro_batch: Option<usize>,
        /// Dataset folder for `data` and `npy` (default: MAMMO_DATA or data/synthetic).
        #[arg(long)]
        data: Option<PathBuf>,
    },
    /// Grids of runs from a TOML file: plan, run one index (a Slurm array task), collect.
    Sweep {
        #[command(subcommand)]
        cmd: SweepCmd,
    },
    /// Average-voting ensemble of runs (seed §7): writes predictions.csv and metrics.json.
    Ensemble {
        #[arg(long, num_args = 1.., required = true)]
        runs: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum SweepCmd {
    /// List the grid's runs, their values and status (pending, interrupted, done).
    Plan {
        grid: PathBuf,
        /// Print the plan as JSON lines.
        #[arg(long)]
        json: bool,
    },
    /// Run one index of the grid (default: SLURM_ARRAY_TASK_ID, PBS_ARRAYID, SGE_TASK_ID - 1
    /// or MAMMO_SWEEP_INDEX); a finished run is reused, an interrupted one continued.
    Run {
        grid: PathBuf,
        #[arg(long)]
        index: Option<usize>,
    },
    /// Build the experiment table of the grid's finished runs (CSV; default
    /// RUNS/<name>.csv) and say which runs are missing.
    Collect {
        grid: PathBuf,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn cmd_sweep(cmd: SweepCmd) -> mammo::Result<()> {
    use mammo::experiment::sweep::Grid;
    match cmd {
        SweepCmd::Plan { grid, json } => {
            let g = Grid::load(&grid)?;
            let plan = g.plan()?;
            if json {
                for r in &plan {
                    let point: serde_json::Map<String, serde_json::Value> = r
                        .point
                        .iter()
                        .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({"index": r.index, "name": r.name, "status": r.status.to_string(),
                            "dir": g.run_dir(r.index), "values": point})
                    );
                }
                return Ok(());
            }
            println!(
                "sweep {} ({}): {} runs into {}",
                g.name,
                grid.display(),
                plan.len(),
                g.runs.display()
            );
            for r in &plan {
                let vals: Vec<String> = r.point.iter().map(|(k, v)| format!("{k}={v}")).collect();
                println!(
                    "{:>4}  {:<24} {:<12} {}",
                    r.index,
                    r.name,
                    r.status.to_string(),
                    vals.join("  ")
                );
            }
            let done = plan
                .iter()
                .filter(|r| r.status == mammo::experiment::sweep::Status::Done)
                .count();
            println!("{done} of {} done", plan.len());
            Ok(())
        }
        SweepCmd::Run { grid, index } => {
            let g = Grid::load(&grid)?;
            let index = index
                .or_else(mammo::experiment::sweep::index_from_env)
                .ok_or_else(|| {
                    mammo::Error::invalid(
                        "sweep run",
                        "give --index N (or run it as a job array: SLURM_ARRAY_TASK_ID)",
                    )
                })?;
            println!("sweep {} run {index}: {}", g.name, g.run_name(index));
            let run = g.run(index)?;
            println!("{}", run.report());
            println!("run saved in {}", g.run_dir(index).display());
            Ok(())
        }
        SweepCmd::Collect { grid, out } => {
            let g = Grid::load(&grid)?;
            let (mut table, missing) = g.collect()?;
            let out = out.unwrap_or_else(|| g.runs.join(format!("{}.csv", g.name)));
            table.path = Some(out.clone());
            table.save()?;
            println!(
                "{} of {} runs collected into {}",
                table.len(),
                g.len(),
                out.display()
            );
            if !missing.is_empty() {
                println!("not finished: {}", missing.join(", "));
            }
            Ok(())
        }
    }
}

#[derive(clap::Args)]
struct TrainArgs {
    #[arg(long)]
    data: Option<PathBuf>,
    #[arg(long, required_unless_present = "resume")]
    task: Option<String>,
    #[arg(long, required_unless_present = "resume")]
    model: Option<String>,
    #[arg(long, required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Continue an interrupted run from its last checkpoint (its saved configuration is used;
    /// other flags are not allowed).
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = ["task", "model", "out", "force"])]
    resume: Option<PathBuf>,
    #[arg(long)]
    cut: Option<String>,
    #[arg(long)]
    adapter: Option<String>,
    /// Hidden layers of a pretrained model's MLP head, e.g. 512 or 512,256.
    #[arg(long)]
    head: Option<String>,
    #[arg(long)]
    optimizer: Option<String>,
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
    #[arg(long)]
    contrast: Option<f32>,
    #[arg(long)]
    clahe: Option<String>,
    /// none, over, under.
    #[arg(long)]
    balance: Option<String>,
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
    /// smoke, quick, full (default: MAMMO_PROFILE, else full on CUDA and quick on CPU).
    #[arg(long)]
    profile: Option<String>,
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
    /// auto (default), fp32 or bf16 (bf16 compute, fp32 master weights; scratch and Siamese
    /// models). auto: bf16 on a CPU with bf16 units (AVX512-BF16 or AMX; `mammo doctor` says),
    /// else fp32. The run's config.json records the one used.
    #[arg(long)]
    precision: Option<String>,
    /// Rows per forward/backward pass: larger batches run as micro-batches whose gradients
    /// are summed before the one update (same step, less memory). 0: the whole batch; auto
    /// (default): 4 for the scratch and Siamese models on the CPU, else the whole batch.
    #[arg(long, value_name = "N|auto")]
    micro_batch: Option<String>,
    /// Replace an existing run folder.
    #[arg(long)]
    force: bool,
}

impl TrainArgs {
    /// The flags as `key = value` settings, in the order `TrainConfig::set` applies them.
    fn settings(&self) -> mammo::Result<Vec<(String, String)>> {
        let (task, model, out) = match (&self.task, &self.model, &self.out) {
            (Some(t), Some(m), Some(o)) => (t, m, o),
            _ => {
                return Err(mammo::Error::invalid(
                    "train",
                    "give --task, --model and --out (or --resume RUN_DIR)",
                ))
            }
        };
        let mut s: Vec<(String, String)> = Vec::new();
        let mut put = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                s.push((k.to_string(), v));
            }
        };
        put("task", Some(task.clone()));
        put("model", Some(model.clone()));
        put("profile", self.profile.clone());
        let name = match out.file_name() {
            Some(n)
                if out
                    .components()
                    .next_back()
                    .is_some_and(|c| matches!(c, std::path::Component::Normal(_))) =>
            {
                n.to_string_lossy().into_owned()
            }
            _ => {
                return Err(mammo::Error::invalid(
                    "--out",
                    format!("'{}' must end with the run's folder name", out.display()),
                ))
            }
        };
        put("name", Some(name));
        put(
            "data",
            Some(
                self.data
                    .clone()
                    .unwrap_or_else(mammo::runtime::profile::data_dir)
                    .display()
                    .to_string(),
            ),
        );
        put("cut", self.cut.clone());
        put("adapter", self.adapter.clone());
        put("head", self.head.clone());
        put("optimizer", self.optimizer.clone());
        put("lr", self.lr.map(|v| v.to_string()));
        put("batch_size", self.batch_size.map(|v| v.to_string()));
        put("epochs", self.epochs.map(|v| v.to_string()));
        put("augment", self.augment.clone());
        put("same_transform", self.same_transform.then(|| "true".into()));
        put("contrast", self.contrast.map(|v| v.to_string()));
        put("clahe", self.clahe.clone());
        put("balance", self.balance.clone());
        put("class_weights", self.class_weights.then(|| "true".into()));
        put("l2", self.l2.map(|v| v.to_string()));
        put("dropout", self.dropout.map(|v| v.to_string()));
        put("seed", self.seed.map(|v| v.to_string()));
        put("device", self.device.clone());
        put(
            "weights",
            self.weights.as_ref().map(|w| w.display().to_string()),
        );
        put("patience", self.patience.map(|v| v.to_string()));
        put("threshold", self.threshold.clone());
        put("channels_last", self.channels_last.then(|| "true".into()));
        put(
            "channels_last",
            self.no_channels_last.then(|| "false".into()),
        );
        put("precision", self.precision.clone());
        put("micro_batch", self.micro_batch.clone());
        Ok(s)
    }

    fn config(&self) -> mammo::Result<TrainConfig> {
        TrainConfig::from_settings(&self.settings()?)
    }
}

fn write_json(path: &std::path::Path, v: &impl serde::Serialize) -> mammo::Result<()> {
    let s = serde_json::to_string_pretty(v).map_err(|e| mammo::Error::Other(e.to_string()))?;
    mammo::fsx::write_bytes_atomic(path, s.as_bytes())
}

fn cmd_train(a: TrainArgs) -> mammo::Result<()> {
    if let Some(dir) = &a.resume {
        let run = mammo::experiment::run::resume(dir)?;
        println!("{}", run.report());
        println!("run saved in {}", dir.display());
        return Ok(());
    }
    let cfg = a.config()?;
    let out = a
        .out
        .clone()
        .ok_or_else(|| mammo::Error::invalid("train", "--out RUN_DIR is required"))?;
    let runs = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let ds = Dataset::load(&cfg.data)?;
    let overwrite = if a.force {
        mammo::experiment::run::Overwrite::Yes
    } else {
        mammo::experiment::run::Overwrite::No
    };
    let run = mammo::experiment::run::train(&cfg, &ds, Some(&runs), overwrite)?;
    println!("{}", run.report());
    println!("run saved in {}", out.display());
    Ok(())
}

fn cmd_evaluate(run_dir: PathBuf, data: Option<PathBuf>, tta: bool) -> mammo::Result<()> {
    let mut run = mammo::experiment::run::load(&run_dir)?;
    if tta && data.is_none() {
        return Err(mammo::Error::invalid(
            "evaluate",
            "--tta predicts again: give --data DIR",
        ));
    }
    // The backbone weights the run was trained with, as recorded; else (a run saved before they
    // were recorded) those of the model loaded now for --data.
    let mut weights = mammo::eval::read_weights(&run_dir)?;
    let preds = match data {
        Some(d) => {
            let ds = Dataset::load(&d)?;
            let data = mammo::train::prepare(&run.config, &ds)?;
            run.load_model()?;
            let model = run
                .model
                .take()
                .ok_or_else(|| mammo::Error::Other("model not loaded".into()))?;
            if weights.is_none() {
                weights = mammo::experiment::run::model_weights(&model)?;
            }
            let t = mammo::train::Trained {
                config: run.config.clone(),
                model,
                history: Default::default(),
                data,
                seconds: 0.0,
            };
            mammo::eval::predict_run(&t, tta)?
        }
        None => run.predictions.clone(),
    };
    let m = mammo::eval::metrics_from_predictions(&preds, run.config.threshold, run.config.seed)?;
    mammo::eval::write_run(
        &run_dir,
        &run.config,
        run.history.as_ref(),
        &preds,
        &m,
        weights.as_ref(),
    )?;
    run.metrics = m;
    run.predictions = preds;
    println!("{}", run.report());
    Ok(())
}

fn cmd_ensemble(runs: Vec<PathBuf>, out: PathBuf, force: bool) -> mammo::Result<()> {
    if out.join("metrics.json").exists() && !force {
        return Err(mammo::Error::bad_file(
            &out,
            "output folder holds results already: use --force to replace them",
        ));
    }
    let loaded = runs
        .iter()
        .map(mammo::experiment::run::load)
        .collect::<mammo::Result<Vec<_>>>()?;
    let preds: Vec<&mammo::eval::Predictions> = loaded.iter().map(|r| &r.predictions).collect();
    let avg = mammo::eval::ensemble(&preds)?;
    let first = &loaded[0].config;
    let m = mammo::eval::metrics_from_predictions(&avg, first.threshold, first.seed)?;
    std::fs::create_dir_all(&out).map_err(|e| mammo::Error::io(&out, e))?;
    let mut cfg = first.clone();
    cfg.name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ensemble".into());
    mammo::eval::write_run(&out, &cfg, None, &avg, &m, None)?;
    let members: Vec<String> = runs.iter().map(|r| r.display().to_string()).collect();
    write_json(
        &out.join("ensemble.json"),
        &serde_json::json!({ "members": members, "rule": "average of probabilities" }),
    )?;
    let r = mammo::experiment::run::Run {
        dir: Some(out.clone()),
        config: cfg,
        history: None,
        predictions: avg,
        metrics: m,
        seconds: 0.0,
        model: None,
        members: runs.iter().map(|r| r.display().to_string()).collect(),
    };
    println!("{}", r.report());
    Ok(())
}

fn cmd_features(
    model: String,
    cut: Option<String>,
    weights: Option<PathBuf>,
    input: PathBuf,
    out: PathBuf,
    device: String,
) -> mammo::Result<()> {
    use mammo::models::backbones::{Backbone, BackboneKind};
    let kind = BackboneKind::parse(&model)?;
    let cut = kind.parse_cut(cut.as_deref().unwrap_or("top"))?;
    let device = mammo::runtime::device::parse_device(&device)?;
    let mut bb = Backbone::new(kind, cut, device)?;
    match weights.or_else(|| {
        mammo::models::backbones::find_default_weights(
            mammo::runtime::profile::project_root(),
            kind,
        )
    }) {
        Some(w) => {
            bb.load_safetensors(&w)?;
        }
        None => eprintln!(
            "NOTICE: no weights file for {}: features of a RANDOMLY initialised backbone",
            kind.name()
        ),
    }
    let imgs = mammo::data::npy::read_u16_images(&input)?;
    let shape = imgs.shape().to_vec();
    let (n, h, w) = match shape.as_slice() {
        [n, h, w] | [n, h, w, 1] => (*n, *h, *w),
        _ => {
            return Err(mammo::Error::bad_file(
                &input,
                format!(
                    "expected (N, H, W) or (N, H, W, 1) patches, found {}",
                    mammo::data::npy::shape_str(&shape)
                ),
            ))
        }
    };
    let flat: Vec<f32> = imgs.iter().map(|&v| v as f32 / 65535.0).collect();
    let (c, fh, fw) = kind.output_shape_for(cut, h as i64, w as i64)?;
    let mut outv: Vec<f32> = Vec::with_capacity(n * (c * fh * fw) as usize);
    let _g = tch::no_grad_guard();
    for start in (0..n).step_by(32) {
        let b = (n - start).min(32);
        let x = tch::Tensor::from_slice(&flat[start * h * w..(start + b) * h * w])
            .view([b as i64, 1, h as i64, w as i64])
            .to_device(device);
        let f = bb.features(&x)?;
        outv.extend(mammo::tensor_to_vec_f32(&f)?);
    }
    mammo::data::npy::write(&out, &[n, c as usize, fh as usize, fw as usize], &outv)?;
    println!(
        "wrote {} ({n}, {c}, {fh}, {fw}) float32 features of {} cut {}",
        out.display(),
        kind.name(),
        cut
    );
    Ok(())
}

fn cmd_explain(
    run_dir: PathBuf,
    set: String,
    index: usize,
    out: PathBuf,
    data: Option<PathBuf>,
) -> mammo::Result<()> {
    let mut run = mammo::experiment::run::load(&run_dir)?;
    let cfg = run.config.clone();
    let ds = Dataset::load(data.as_ref().unwrap_or(&cfg.data))?;
    let rd = mammo::train::prepare(&cfg, &ds)?;
    let pset = match set.as_str() {
        "test" => rd
            .test_set
            .as_ref()
            .ok_or_else(|| mammo::Error::invalid("set", "the dataset has no test set"))?,
        "validation" => &rd.train_set,
        o => {
            return Err(mammo::Error::invalid(
                "set",
                format!("'{o}': expected validation or test"),
            ))
        }
    };
    if index >= pset.len() {
        return Err(mammo::Error::invalid(
            "index",
            format!(
                "{index} is beyond the {} images of the {set} file",
                pset.len()
            ),
        ));
    }
    if index.is_multiple_of(2) {
        return Err(mammo::Error::invalid("index", format!("{index} is a baseline row: abnormality patches are at odd rows (as in predictions.csv)")));
    }
    let sample = mammo::Sample {
        row: index,
        label: cfg.task.relabel(pset.labels[index])?,
    };
    let thr = match set.as_str() {
        "test" => run.metrics.test.as_ref().and_then(|m| m.threshold),
        _ => run.metrics.validation.threshold,
    }
    .unwrap_or(0.5);
    let model = run.load_model()?;
    let cam = mammo::eval::gradcam::grad_cam_at(model, pset, sample, thr)?;
    let png = mammo::eval::gradcam::side_by_side_png(pset, &cam)?;
    png.save(&out)?;
    let names = cfg.task.class_names();
    println!(
        "wrote {}: row {index}, true {}, predicted {} (p = {:.3})",
        out.display(),
        names.get(cam.label as usize).unwrap_or(&"?"),
        names.get(cam.predicted as usize).unwrap_or(&"?"),
        cam.probability
    );
    Ok(())
}

fn cmd_bench(
    device: tch::Device,
    batch_size: i64,
    steps: usize,
    what: String,
    compute: mammo::runtime::precision::Compute,
    micro_batch: Option<usize>,
    data: Option<PathBuf>,
) -> mammo::Result<()> {
    use mammo::experiment::bench;
    let data = data.unwrap_or_else(mammo::runtime::profile::data_dir);
    let json = |v: serde_json::Result<String>| v.map_err(|e| mammo::Error::Other(e.to_string()));
    let line = match what.as_str() {
        "scratch" => json(serde_json::to_string(&bench::scratch_throughput(
            device,
            batch_size,
            steps,
            compute,
            micro_batch.unwrap_or(0),
        )?))?,
        "vgg16" => json(serde_json::to_string(&bench::vgg16_inference(
            device, batch_size, steps,
        )?))?,
        "data" => json(serde_json::to_string(&bench::data_path(
            &data,
            batch_size.max(1) as usize,
            steps,
            micro_batch,
        )?))?,
        "npy" => json(serde_json::to_string(&bench::npy_load(
            &data.join("train_tensor.npy"),
            steps,
        )?))?,
        "roofline" => json(serde_json::to_string(&bench::roofline(
            device, 2048, steps,
        )?))?,
        o => {
            return Err(mammo::Error::invalid(
                "--what",
                format!("'{o}': expected scratch, vgg16, data, npy or roofline"),
            ))
        }
    };
    println!("{line}");
    Ok(())
}

fn cmd_summary(
    model: String,
    cut: Option<String>,
    adapter: String,
    task: String,
) -> mammo::Result<()> {
    let kind = ModelKind::parse(&model)?;
    let task = if kind == ModelKind::Siamese {
        Task::Siamese
    } else {
        Task::parse(&task)?
    };
    let mut cfg = TrainConfig::new(task, kind, mammo::Profile::Smoke);
    if cut.is_some() {
        cfg.cut = cut;
    }
    cfg.adapter = Adapter::parse(&adapter)?;
    cfg.validate()?;
    let m = mammo::train::Classifier::build(&cfg, tch::Device::Cpu)?;
    println!("{}", m.summary());
    Ok(())
}

fn run(cli: Cli) -> mammo::Result<()> {
    match cli.cmd {
        Cmd::Doctor { json } => doctor(json),
        Cmd::Synth {
            out,
            seed,
            scale,
            atypical,
            hard_cases,
            speckled,
        } => {
            let t0 = std::time::Instant::now();
            for (name, v) in [
                ("atypical", atypical),
                ("hard-cases", hard_cases),
                ("speckled", speckled),
            ] {
                if !(0.0..=1.0).contains(&v) {
                    return mammo::error::invalid(name, format!("{v} must be in [0, 1]"));
                }
            }
            let ds = mammo::data::synth::write(
                &out,
                &SynthConfig {
                    seed,
                    scale,
                    atypical,
                    hard_cases,
                    speckled,
                },
            )?;
            let test = ds.test.as_ref().map(|t| t.n_pairs()).unwrap_or(0);
            println!(
                "wrote {} ({} train pairs, {} test pairs, seed {seed}, scale {scale}) in {:.1} s",
                out.display(),
                ds.train.n_pairs(),
                test,
                t0.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Cmd::Inspect {
            data,
            images,
            labels,
            json,
        } => {
            let ds = match (data, images, labels) {
                (Some(d), _, _) => Dataset::load(d)?,
                (None, Some(i), Some(l)) => Dataset::from_files(i, l)?,
                _ => Dataset::load(mammo::runtime::profile::data_dir())?,
            };
            let s = mammo::data::inspect::summarize(&ds);
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&s)
                        .map_err(|e| mammo::Error::Other(e.to_string()))?
                );
            } else {
                println!("{s}");
            }
            Ok(())
        }
        Cmd::Summary {
            model,
            cut,
            adapter,
            task,
        } => cmd_summary(model, cut, adapter, task),
        Cmd::Train(a) => cmd_train(a),
        Cmd::Evaluate { run, data, tta } => cmd_evaluate(run, data, tta),
        Cmd::Ensemble { runs, out, force } => cmd_ensemble(runs, out, force),
        Cmd::Sweep { cmd } => cmd_sweep(cmd),
        Cmd::Bench {
            device,
            batch_size,
            steps,
            what,
            channels_last,
            precision,
            micro_batch,
            data,
        } => {
            use mammo::runtime::precision::{Compute, Precision};
            let device = mammo::runtime::device::parse_device(&device)?;
            let compute = Compute {
                channels_last,
                precision: Precision::parse_setting(&precision)?
                    .unwrap_or_else(|| Precision::auto_for(device)),
            };
            cmd_bench(device, batch_size, steps, what, compute, micro_batch, data)
        }
        Cmd::Explain {
            run,
            set,
            index,
            out,
            data,
        } => cmd_explain(run, set, index, out, data),
        Cmd::Features {
            model,
            cut,
            weights,
            input,
            out,
            device,
        } => cmd_features(model, cut, weights, input, out, device),
        Cmd::Preprocess {
            data,
            out,
            contrast,
            clahe,
        } => {
            let pre = Preprocess {
                contrast,
                clahe: clahe.as_deref().map(Clahe::parse).transpose()?,
            };
            if pre.is_identity() {
                return Err(mammo::Error::invalid(
                    "preprocess",
                    "nothing to do: give --contrast F and/or --clahe CLIP:TILES",
                ));
            }
            let t0 = std::time::Instant::now();
            let mut ds = Dataset::load(&data)?;
            pre.apply_dataset(&mut ds)?;
            if ds.test.is_none() {
                ds.train.save(
                    out.join(mammo::data::dataset::MIAS_IMAGES),
                    out.join(mammo::data::dataset::MIAS_LABELS),
                )?;
            } else {
                ds.save(&out)?;
            }
            println!(
                "wrote {} ({} images) in {:.1} s",
                out.display(),
                ds.train.len() + ds.test.as_ref().map_or(0, |t| t.len()),
                t0.elapsed().as_secs_f64()
            );
            Ok(())
        }
    }
}

fn doctor(json: bool) -> mammo::Result<()> {
    let rep = mammo::runtime::doctor::report();
    let found =
        mammo::data::inspect::find_datasets(&mammo::runtime::profile::project_root().join("data"));
    if json {
        let v = serde_json::json!({ "environment": rep, "datasets": found });
        println!(
            "{}",
            serde_json::to_string_pretty(&v).map_err(|e| mammo::Error::Other(e.to_string()))?
        );
    } else {
        println!("{rep}");
        println!(
            "datasets under {}:",
            mammo::runtime::profile::project_root()
                .join("data")
                .display()
        );
        if found.is_empty() {
            println!("  none (generate the default with `mammo synth --out data/synthetic`)");
        }
        for d in &found {
            println!("  {d}");
        }
    }
    if rep.libtorch_dir.is_none() {
        return Err(mammo::Error::Other(
            "libtorch could not be located: run `make setup`".into(),
        ));
    }
    Ok(())
}

fn main() -> ExitCode {
    // Before any large allocation: tensor buffers are reused rather than mapped and unmapped
    // at every step (mammo::runtime::device::allocator).
    mammo::runtime::device::allocator();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mammo: error: {e}");
            ExitCode::FAILURE
        }
    }
}
