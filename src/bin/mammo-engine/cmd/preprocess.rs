//! `mammo preprocess`: contrast and/or CLAHE on every image, written as a new dataset.
use mammo::transforms::intensity::{Clahe, Preprocess};
use mammo::Dataset;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    data: PathBuf,
    #[arg(long)]
    out: PathBuf,
    /// Contrast factor (TensorFlow adjust_contrast), e.g. 1.5 or 2.
    #[arg(long)]
    contrast: Option<f32>,
    /// CLAHE as CLIP:TILES (scikit-image equalize_adapthist), e.g. 0.01:8.
    #[arg(long, value_name = "CLIP:TILES")]
    clahe: Option<String>,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let pre = Preprocess {
        contrast: a.contrast,
        clahe: a.clahe.as_deref().map(Clahe::parse).transpose()?,
    };
    if pre.is_identity() {
        return Err(mammo::Error::invalid(
            "preprocess",
            "nothing to do: give --contrast F and/or --clahe CLIP:TILES",
        ));
    }
    let t0 = std::time::Instant::now();
    let mut ds = Dataset::load(&a.data)?;
    pre.apply_dataset(&mut ds)?;
    if ds.test.is_none() {
        ds.train.save(
            a.out.join(mammo::data::dataset::MIAS_IMAGES),
            a.out.join(mammo::data::dataset::MIAS_LABELS),
        )?;
    } else {
        ds.save(&a.out)?;
    }
    println!(
        "wrote {} ({} images) in {:.1} s",
        a.out.display(),
        ds.train.len() + ds.test.as_ref().map_or(0, |t| t.len()),
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
