//! `mammo bench`: the measurements behind `make bench`, one JSON line each
//! (docs/PERFORMANCE.md).
use crate::choices::{BenchWhat, PrecisionArg, Setting};
use mammo::experiment::bench;
use mammo::models::backbones::BackboneKind;
use mammo::runtime::precision::{Compute, Precision};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// auto, cpu, cuda, cuda:N.
    #[arg(long, default_value = "auto")]
    device: String,
    #[arg(long, default_value_t = 32)]
    batch_size: i64,
    #[arg(long, default_value_t = 30)]
    steps: usize,
    /// What to measure (default: the scratch CNN's training and inference throughput).
    #[arg(long, value_enum, ignore_case = true, default_value = "scratch")]
    what: BenchWhat,
    /// Convolutions in NHWC layout (scratch).
    #[arg(long)]
    channels_last: bool,
    /// The scratch CNN's or the backbone's precision; auto: what `mammo train` picks on this
    /// device for that model.
    #[arg(long, value_enum, ignore_case = true, default_value = "fp32")]
    precision: PrecisionArg,
    /// Rows per forward/backward pass (scratch, data; 0: the whole batch). Default: the
    /// whole batch for scratch, `mammo train`'s default for data.
    #[arg(long)]
    micro_batch: Option<usize>,
    /// Dataset folder for `data` and `npy` (default: MAMMO_DATA or data/synthetic).
    #[arg(long)]
    data: Option<PathBuf>,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let device = mammo::runtime::device::parse_device(&a.device)?;
    let compute = Compute {
        channels_last: a.channels_last,
        precision: Precision::parse_setting(a.precision.setting())?.unwrap_or_else(|| {
            match a.what {
                BenchWhat::Vgg16 | BenchWhat::InceptionV3 => Precision::auto_for_backbone(device),
                _ => Precision::auto_for(device),
            }
        }),
    };
    let data = a.data.unwrap_or_else(mammo::runtime::profile::data_dir);
    let json = |v: serde_json::Result<String>| v.map_err(|e| mammo::Error::Other(e.to_string()));
    let line = match a.what {
        BenchWhat::Scratch => json(serde_json::to_string(&bench::scratch_throughput(
            device,
            a.batch_size,
            a.steps,
            compute,
            a.micro_batch.unwrap_or(0),
        )?))?,
        BenchWhat::Vgg16 | BenchWhat::InceptionV3 => {
            let kind = if a.what == BenchWhat::Vgg16 {
                BackboneKind::Vgg16
            } else {
                BackboneKind::InceptionV3
            };
            json(serde_json::to_string(&bench::backbone_inference(
                kind,
                device,
                a.batch_size,
                a.steps,
                compute.precision,
            )?))?
        }
        BenchWhat::Data => json(serde_json::to_string(&bench::data_path(
            &data,
            a.batch_size.max(1) as usize,
            a.steps,
            a.micro_batch,
        )?))?,
        BenchWhat::Npy => json(serde_json::to_string(&bench::npy_load(
            &data.join("train_tensor.npy"),
            a.steps,
        )?))?,
        BenchWhat::Roofline => json(serde_json::to_string(&bench::roofline(
            device, 2048, a.steps,
        )?))?,
    };
    println!("{line}");
    Ok(())
}
