//! `mammo synth`: the synthetic default dataset (docs/SYNTHETIC.md).
use mammo::data::synth::{self, SynthConfig};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    out: PathBuf,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Fraction of the course's size (0.1 = a tenth, same proportions).
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    /// Calibration: share of lesions drawn with the other severity's look (docs/SYNTHETIC.md).
    #[arg(long, default_value_t = synth::ATYPICAL)]
    atypical: f64,
    /// Calibration: share of hard mass/calcification cases (docs/SYNTHETIC.md).
    #[arg(long, default_value_t = synth::HARD_CASES)]
    hard_cases: f64,
    /// Calibration: share of patients with speckled tissue (docs/SYNTHETIC.md).
    #[arg(long, default_value_t = synth::SPECKLED)]
    speckled: f64,
    /// Calibration probe: share of speckled patients whose specks also form a small cluster in
    /// both patches, near the centre of the abnormality patch (docs/SYNTHETIC.md).
    #[arg(long, default_value_t = synth::TISSUE_CLUSTERS)]
    tissue_clusters: f64,
    /// Share of masses drawn as asymmetries, a broad density that only the same patient's
    /// baseline patch shows; 0.3 puts the Siamese network ahead of the single image in the
    /// `full` profile (docs/SYNTHETIC.md).
    #[arg(long, default_value_t = synth::ASYMMETRIES)]
    asymmetries: f64,
    /// Write the files even when the folder's synth.json says they are already these.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> mammo::Result<()> {
    let t0 = std::time::Instant::now();
    for (name, v) in [
        ("atypical", a.atypical),
        ("hard-cases", a.hard_cases),
        ("speckled", a.speckled),
        ("tissue-clusters", a.tissue_clusters),
        ("asymmetries", a.asymmetries),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return mammo::error::invalid(name, format!("{v} must be in [0, 1]"));
        }
    }
    let cfg = SynthConfig {
        seed: a.seed,
        scale: a.scale,
        atypical: a.atypical,
        hard_cases: a.hard_cases,
        speckled: a.speckled,
        tissue_clusters: a.tissue_clusters,
        asymmetries: a.asymmetries,
    };
    if !a.force && synth::is_up_to_date(&a.out, &cfg) {
        println!(
            "{} is up to date (generator {}, seed {}, scale {}): nothing written",
            a.out.display(),
            synth::GENERATOR,
            a.seed,
            a.scale
        );
        return Ok(());
    }
    let ds = synth::write(&a.out, &cfg)?;
    let test = ds.test.as_ref().map(|t| t.n_pairs()).unwrap_or(0);
    println!(
        "wrote {} ({} train pairs, {} test pairs, generator {}, seed {}, scale {}) in {:.1} s",
        a.out.display(),
        ds.train.n_pairs(),
        test,
        synth::GENERATOR,
        a.seed,
        a.scale,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}
