//! `mammo import`: datasets users already have, into what mammo trains on (docs/IMPORT.md).
use crate::choices::{ResizeArg, Setting};
use crate::output::{print_json, status, CountProgress};
use mammo::data::imaging::Resize;
use mammo::data::import::cbis::{self, CbisOptions};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// The public CBIS-DDSM release (DICOM + the four case-description CSVs) to the course format:
    /// train/public_test tensors and labels, manifest.csv (every row's source), skipped.csv.
    #[command(name = "cbis-ddsm")]
    CbisDdsm(CbisArgs),
}

#[derive(clap::Args)]
pub struct CbisArgs {
    /// Root of the DICOM download (the CBIS-DDSM folder, or the folder above it).
    #[arg(long)]
    root: PathBuf,
    /// Output folder (created; its course files are replaced).
    #[arg(long)]
    out: PathBuf,
    /// A case-description CSV (repeat for several). Default: every *case_description*.csv of --csv-dir.
    #[arg(long = "csv")]
    csvs: Vec<PathBuf>,
    /// Folder holding the case-description CSVs [default: --root].
    #[arg(long)]
    csv_dir: Option<PathBuf>,
    /// Margin around the lesion's bounding box, as a fraction of its longer side, on every side.
    #[arg(long, default_value_t = 0.25)]
    margin: f64,
    /// Smallest crop side in pixels (small calcifications are enlarged up to 150 from this).
    #[arg(long, default_value_t = 64)]
    min_side: usize,
    /// How a crop becomes 150x150.
    #[arg(long, value_enum, default_value_t = ResizeArg::Nearest)]
    resize: ResizeArg,
    /// Seed of the baseline patches' positions.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Import only the first N rows of each CSV (to try a download quickly).
    #[arg(long)]
    limit: Option<usize>,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Cmd) -> mammo::Result<()> {
    match cmd {
        Cmd::CbisDdsm(a) => cbis_ddsm(a),
    }
}

fn cbis_ddsm(a: CbisArgs) -> mammo::Result<()> {
    let t0 = std::time::Instant::now();
    let mut o = CbisOptions::new(&a.root, &a.out);
    o.csvs = a.csvs;
    o.csv_dir = a.csv_dir;
    o.margin = a.margin;
    o.min_side = a.min_side;
    o.resize = Resize::parse(a.resize.setting())?;
    o.seed = a.seed;
    o.limit = a.limit;
    let mut progress = CountProgress::new("images", true);
    let s = cbis::import_cbis(&o, &mut |done, total| progress.update(done, total))?;
    progress.finish();
    for sk in &s.skipped {
        status(&format!(
            "skipped {}:{} ({}): {}",
            sk.csv.display(),
            sk.line,
            sk.what,
            sk.reason
        ));
    }
    if a.json {
        return print_json(&serde_json::json!({
            "out": s.out,
            "csvs": s.csvs,
            "dicom_files": s.dicom_files,
            "images": s.images,
            "low_bit_images": s.low_bit_images,
            "train_pairs": s.train_pairs,
            "test_pairs": s.test_pairs,
            "skipped": s.skipped.len(),
            "seconds": t0.elapsed().as_secs_f64(),
        }));
    }
    println!(
        "wrote {}: {} train pairs, {} test pairs from {} full mammograms ({} DICOM files found, {} CSV rows skipped) in {:.1} s",
        s.out.display(),
        s.train_pairs,
        s.test_pairs,
        s.images,
        s.dicom_files,
        s.skipped.len(),
        t0.elapsed().as_secs_f64()
    );
    if !s.skipped.is_empty() {
        println!(
            "skipped rows and why: {}",
            s.out.join("skipped.csv").display()
        );
    }
    if s.low_bit_images > 0 {
        println!(
            "note: {} of {} images are stored with 8 bits or fewer (a JPEG copy?): their 16-bit detail is gone",
            s.low_bit_images, s.images
        );
    }
    if s.test_pairs == 0 {
        println!("note: no test pairs (no test CSV given, or none of its rows could be used)");
    }
    println!("next: mammo inspect --data {}", s.out.display());
    Ok(())
}
