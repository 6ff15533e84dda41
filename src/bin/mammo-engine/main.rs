//! `mammo-engine`: the mammo command line (the `mammo` launcher checks that libtorch can be found,
//! then hands its arguments over to this program).
//!
//! Conventions: results on stdout (a report, or JSON with `--json` on `train`, `evaluate`,
//! `ensemble`, `explain`, `inspect`, `doctor`, `sweep plan`), progress and status on stderr;
//! exit code 0 on success, 2 for bad input (a wrong flag or value, a missing or malformed file:
//! fix the command), 1 for a failure while running (training diverged, a disk full, libtorch).
mod choices;
mod cmd;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "mammo",
    version,
    about = "Deep learning on mammography patches: the headless runner",
    after_help = "Exit status: 0 success, 1 failure while running, 2 bad input (flags, values, files)."
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
    Doctor(cmd::doctor::Args),
    /// Generate the synthetic default dataset (the four course files) into a folder.
    Synth(cmd::synth::Args),
    /// Check a dataset and print per-label and per-task counts and pixel statistics.
    Inspect(cmd::inspect::Args),
    /// Apply contrast and/or CLAHE to every image and write the processed dataset.
    Preprocess(cmd::preprocess::Args),
    /// Print a model's Keras-style summary (layers, output shapes, parameters).
    Summary(cmd::summary::Args),
    /// Train a model and write the run folder (config, history, weights, predictions, metrics).
    Train(cmd::train::Args),
    /// Recompute metrics.json (and predictions.csv with --data) of a run folder.
    Evaluate(cmd::evaluate::Args),
    /// Frozen-backbone features of uint16 patches (x/65535, replicated to 3 channels, ImageNet
    /// normalisation, the backbone up to the cut), written as float32 (N, C, H, W).
    Features(cmd::features::Args),
    /// Grad-CAM of one patch: where the run's model looked. Writes a PNG (patch | heat-map overlay).
    Explain(cmd::explain::Args),
    /// Slide a run's model over a whole mammogram (DICOM, PNG, TIFF): heat map PNG + top windows CSV.
    Scan(cmd::scan::Args),
    /// Measurements for `make bench`, one JSON line each (docs/PERFORMANCE.md).
    Bench(cmd::bench::Args),
    /// Grids of runs from a TOML file: plan, run one index (a Slurm array task), collect.
    Sweep {
        #[command(subcommand)]
        cmd: cmd::sweep::Cmd,
    },
    /// Import a dataset users have (CBIS-DDSM's DICOMs) into the course format (docs/IMPORT.md).
    Import {
        #[command(subcommand)]
        cmd: cmd::import::Cmd,
    },
    /// ImageNet weights of the frozen backbones from torchvision's own files (docs/WEIGHTS.md).
    Weights {
        #[command(subcommand)]
        cmd: cmd::weights::Cmd,
    },
    /// Average-voting ensemble of runs (seed §7): writes predictions.csv and metrics.json.
    Ensemble(cmd::ensemble::Args),
}

fn run(cli: Cli) -> mammo::Result<()> {
    match cli.cmd {
        Cmd::Doctor(a) => cmd::doctor::run(a),
        Cmd::Synth(a) => cmd::synth::run(a),
        Cmd::Inspect(a) => cmd::inspect::run(a),
        Cmd::Preprocess(a) => cmd::preprocess::run(a),
        Cmd::Summary(a) => cmd::summary::run(a),
        Cmd::Train(a) => cmd::train::run(a),
        Cmd::Evaluate(a) => cmd::evaluate::run(a),
        Cmd::Features(a) => cmd::features::run(a),
        Cmd::Explain(a) => cmd::explain::run(a),
        Cmd::Bench(a) => cmd::bench::run(a),
        Cmd::Scan(a) => cmd::scan::run(a),
        Cmd::Sweep { cmd } => cmd::sweep::run(cmd),
        Cmd::Ensemble(a) => cmd::ensemble::run(a),
        Cmd::Import { cmd } => cmd::import::run(cmd),
        Cmd::Weights { cmd } => cmd::weights::run(cmd),
    }
}

/// Bad input (2) or a failure while running (1).
fn exit_code(e: &mammo::Error) -> u8 {
    if e.is_bad_input() {
        2
    } else {
        1
    }
}

fn main() -> ExitCode {
    // Unix convention: `mammo inspect ... | head` ends quietly when the reader goes away,
    // instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default action of one signal, before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // Before any large allocation: tensor buffers are reused rather than mapped and unmapped
    // at every step (mammo::runtime::device::allocator).
    mammo::runtime::device::allocator();
    // Before libtorch starts its worker threads, which inherit it.
    mammo::runtime::device::flush_denormals();
    // clap exits with 2 on a bad flag or value, after printing the usage.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mammo: error: {e}");
            ExitCode::from(exit_code(&e))
        }
    }
}
