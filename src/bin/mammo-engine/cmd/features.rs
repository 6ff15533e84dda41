//! `mammo features`: frozen-backbone features of uint16 patches (x/65535, replicated to 3
//! channels, ImageNet normalisation, the backbone up to the cut), written as float32 (N, C, H, W).
use crate::choices::{BackboneArg, CutArg, PrecisionArg, Setting};
use crate::output::status;
use mammo::models::backbones::{self, Backbone, BackboneKind};
use mammo::runtime::precision::Precision;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long, value_enum, ignore_case = true)]
    model: BackboneArg,
    /// top, block5 (VGG16), top+1, top+2 (InceptionV3).
    #[arg(long, value_enum, ignore_case = true)]
    cut: Option<CutArg>,
    #[arg(long)]
    weights: Option<PathBuf>,
    #[arg(long)]
    input: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// auto, cpu, cuda, cuda:N.
    #[arg(long, default_value = "auto")]
    device: String,
    /// The backbone's precision: fp32, or bf16 (bf16 kernels and activations, float32 features
    /// out: fast on CUDA and on CPUs with bf16 units, emulated and slow elsewhere); auto: what
    /// `mammo train` picks for a backbone on this device (`mammo doctor` says).
    #[arg(long, value_enum, ignore_case = true, default_value = "auto")]
    precision: PrecisionArg,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let kind = BackboneKind::parse(a.model.setting())?;
    let cut = kind.parse_cut(a.cut.map_or("top", |c| c.setting()))?;
    let device = mammo::runtime::device::parse_device(&a.device)?;
    let mut bb = Backbone::new(kind, cut, device)?;
    let root = mammo::runtime::profile::project_root();
    match a
        .weights
        .or_else(|| backbones::find_default_weights(&root, kind))
    {
        Some(w) => {
            bb.load_safetensors(&w)?;
        }
        None => status(&format!(
            "NOTICE: no weights file for {}: features of a RANDOMLY initialised backbone",
            kind.name()
        )),
    }
    bb.set_precision(
        Precision::parse_setting(a.precision.setting())?
            .unwrap_or_else(|| Precision::auto_for_backbone(device)),
    )?;
    let imgs = mammo::data::npy::read_u16_images(&a.input)?;
    let shape = imgs.shape().to_vec();
    let (n, h, w) = match shape.as_slice() {
        [n, h, w] | [n, h, w, 1] => (*n, *h, *w),
        _ => {
            return Err(mammo::Error::bad_file(
                &a.input,
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
    mammo::data::npy::write(&a.out, &[n, c as usize, fh as usize, fw as usize], &outv)?;
    println!(
        "wrote {} ({n}, {c}, {fh}, {fw}) float32 features of {} cut {} computed in {}",
        a.out.display(),
        kind.name(),
        cut,
        bb.precision().name()
    );
    Ok(())
}
