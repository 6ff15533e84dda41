//! `mammo import`: datasets users already have, into what mammo trains on (docs/IMPORT.md).
use crate::choices::{ResizeArg, Setting};
use crate::output::{print_json, status, CountProgress};
use mammo::data::imaging::Resize;
use mammo::data::import::cbis::{self, CbisOptions};
use mammo::data::import::folder::{self, Fit, FolderOptions};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum Cmd {
    /// The public CBIS-DDSM release (DICOM + the four case-description CSVs) to the course format:
    /// train/public_test tensors and labels, manifest.csv (every row's source), skipped.csv.
    #[command(name = "cbis-ddsm")]
    CbisDdsm(CbisArgs),
    /// A tree of labelled images (ROOT/CLASS/* or ROOT/train|test/CLASS/*; PNG, TIFF, PGM, DICOM;
    /// 8- or 16-bit, any size) to a labelled-image dataset for `--task labels`:
    /// train_images.npy, train_labels.npy (test_* with a test folder), classes.json, manifest.csv.
    Folder(FolderArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FitArg {
    /// The centred square of each image (the longer side is cut; nothing is distorted).
    Crop,
    /// The whole image, squeezed to a square.
    Stretch,
}

#[derive(clap::Args)]
pub struct FolderArgs {
    /// Root of the tree: class folders, or train/ and test/ folders holding class folders.
    #[arg(long)]
    root: PathBuf,
    /// Output folder (created; its dataset files are replaced).
    #[arg(long)]
    out: PathBuf,
    /// The positive class of a two-class tree (put last: label 1). Default: the classes in
    /// alphabetical order, so the second one.
    #[arg(long, value_name = "CLASS")]
    positive: Option<String>,
    /// How an image of any shape becomes square.
    #[arg(long, value_enum, default_value_t = FitArg::Crop)]
    fit: FitArg,
    /// How the square becomes 150x150.
    #[arg(long, value_enum, default_value_t = ResizeArg::Area)]
    resize: ResizeArg,
    /// Print the summary as JSON on stdout.
    #[arg(long)]
    json: bool,
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
        Cmd::Folder(a) => folder(a),
    }
}

fn folder(a: FolderArgs) -> mammo::Result<()> {
    let t0 = std::time::Instant::now();
    let mut o = FolderOptions::new(&a.root, &a.out);
    o.positive = a.positive;
    o.fit = match a.fit {
        FitArg::Crop => Fit::Crop,
        FitArg::Stretch => Fit::Stretch,
    };
    o.resize = Resize::parse(a.resize.setting())?;
    let mut progress = CountProgress::new("images", true);
    let s = folder::import_folder(&o, &mut |done, total| progress.update(done, total))?;
    progress.finish();
    for sk in &s.skipped {
        status(&format!("skipped {}: {}", sk.file.display(), sk.reason));
    }
    if a.json {
        let mut v =
            serde_json::to_value(&s).map_err(|e| mammo::Error::Other(format!("summary: {e}")))?;
        v["seconds"] = serde_json::json!(t0.elapsed().as_secs_f64());
        return print_json(&v);
    }
    let counts = |c: &[usize]| {
        s.classes
            .iter()
            .zip(c)
            .map(|(n, c)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "wrote {}: {} training images ({}){} in {:.1} s",
        s.out.display(),
        s.train.iter().sum::<usize>(),
        counts(&s.train),
        match &s.test {
            Some(t) => format!(", {} test images ({})", t.iter().sum::<usize>(), counts(t)),
            None => String::new(),
        },
        t0.elapsed().as_secs_f64()
    );
    println!("classes in label order: {}", s.classes.join(", "));
    if s.classes.len() == 2 {
        println!(
            "positive class (label 1): {} (change it with --positive)",
            s.classes[1]
        );
    }
    if !s.skipped.is_empty() {
        println!(
            "{} unreadable files skipped: {}",
            s.skipped.len(),
            s.out.join("skipped.csv").display()
        );
    }
    if s.other_files > 0 {
        println!(
            "{} files that are not images (by extension) left alone",
            s.other_files
        );
    }
    if s.test.is_none() {
        println!(
            "note: no test folder: runs hold out a stratified test set of the training images"
        );
    }
    println!(
        "next: mammo train --data {} --task labels --model scratch --out runs",
        s.out.display()
    );
    Ok(())
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
