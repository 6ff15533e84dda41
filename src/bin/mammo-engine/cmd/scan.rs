//! `mammo scan`: a trained single-image model slid over a whole mammogram (DICOM, or grey PNG or TIFF):
//! a heat map PNG over the downsampled image and a CSV of the most probable windows.
use crate::choices::{ResizeArg, Setting};
use crate::output::{print_json, status, CountProgress};
use mammo::data::imaging::Resize;
use mammo::eval::scan::{self, ScanOptions};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// A run folder of a single-image binary model (mass-calc or benign-malignant).
    #[arg(long)]
    run: PathBuf,
    /// The mammogram: DICOM, or an 8/16-bit grey PNG or TIFF.
    #[arg(long)]
    image: PathBuf,
    /// The heat map picture (PNG).
    #[arg(long)]
    out: PathBuf,
    /// The top windows as CSV [default: --out with .csv].
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Window side in pixels of the mammogram.
    #[arg(long, default_value_t = 256)]
    window: usize,
    /// Step between windows in pixels [default: half a window].
    #[arg(long)]
    stride: Option<usize>,
    /// Smallest share of breast tissue for a window to be scored.
    #[arg(long, default_value_t = 0.5)]
    min_breast: f64,
    /// How a window becomes 150x150 (as the training patches were made).
    #[arg(long, value_enum, default_value_t = ResizeArg::Nearest)]
    resize: ResizeArg,
    /// Windows listed in the CSV.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Print the summary and the top windows as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let t0 = std::time::Instant::now();
    if !(0.0..=1.0).contains(&a.min_breast) {
        return mammo::error::invalid("min-breast", format!("{} must be in [0, 1]", a.min_breast));
    }
    let mut run = mammo::experiment::run::load(&a.run)?;
    let preprocess = run.config.data.preprocess;
    let img = mammo::data::imaging::file::read_any(&a.image)?;
    let o = ScanOptions {
        window: a.window,
        stride: a.stride,
        min_breast: a.min_breast,
        resize: Resize::parse(a.resize.setting())?,
        ..Default::default()
    };
    let model = run.load_model()?;
    let mut progress = CountProgress::new("windows", false);
    let s = scan::scan(model, &preprocess, &img, &o, &mut |done, total| {
        progress.update(done, total)
    })?;
    progress.finish();
    s.picture.save(&a.out)?;
    let csv = a.csv.clone().unwrap_or_else(|| a.out.with_extension("csv"));
    mammo::fsx::write_bytes_atomic(&csv, s.top_csv(a.top).as_bytes())?;
    let top = s.top(1);
    if a.json {
        return print_json(&serde_json::json!({
            "image": a.image,
            "size": [s.width, s.height],
            "window": o.window.min(s.width).min(s.height),
            "stride": s.stride,
            "scored": s.windows.len(),
            "skipped_background": s.skipped,
            "out": a.out,
            "csv": csv,
            "top": s.top(a.top),
            "seconds": t0.elapsed().as_secs_f64(),
        }));
    }
    status(&format!(
        "scanned {} windows in {:.1} s",
        s.windows.len(),
        t0.elapsed().as_secs_f64()
    ));
    println!(
        "wrote {} and {}: {} windows of {} px every {} px scored on the {}x{} image ({} background windows skipped)",
        a.out.display(),
        csv.display(),
        s.windows.len(),
        o.window.min(s.width).min(s.height),
        s.stride,
        s.width,
        s.height,
        s.skipped
    );
    if let Some(w) = top.first() {
        let class = run.config.data.positive_name();
        println!(
            "most {class}-like window: x {} y {} (side {}), probability {:.3}",
            w.x, w.y, w.side, w.probability
        );
    }
    Ok(())
}
