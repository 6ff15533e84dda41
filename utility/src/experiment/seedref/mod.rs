//! The seed report's experiment tables, row for row: each table as data (the rows, the
//! hyper-parameters the seed's table states, the numbers it reports), the [`TrainConfig`](crate::train::config::TrainConfig) that
//! reproduces each row, which rows a profile trains, and a side-by-side table of the seed's
//! numbers and this project's ([`SeedComparison`]), as HTML in a notebook and as CSV.
//!
//! # What the seed's numbers are
//!
//! The seed trained with Keras without restoring the best weights, so its numbers are those of
//! the **last epoch**; they are labelled so ("last epoch (50)"). Its ensemble table (§7) repeats
//! the benign/malignant rows' numbers for the members and says it predicted the test set, so the
//! tables' numbers are compared with this project's **test** metrics. A run here keeps the
//! weights of its best validation epoch (see [`crate::train`]); its numbers are labelled with
//! that epoch ("best epoch (12) of 35"), and the validation metrics of its last epoch, read from
//! its history, are shown beside them for the like-for-like view.
//!
//! # Reading the seed's tables
//!
//! Some rows cannot be told apart from the columns the seed printed. Each choice below is also
//! the row's `note`, shown in the table:
//!
//! - **SCRATCH_2 / SCRATCH_3** (§4.1) state identical settings with different results; the text
//!   names nothing else that was varied and mentions Colab runs that behaved differently from one
//!   execution to the next. SCRATCH_3 is SCRATCH_2 with another seed (the base seed + 1).
//! - **SCRATCH_6** is SCRATCH_4 stopped at 35 instead of 50 epochs: it is read from SCRATCH_4's
//!   history at epoch 35 (the first 35 epochs of a 50-epoch run are a 35-epoch run: no schedule
//!   depends on the total). [`crate::experiment::recipes::scratch_mass_calc_best`] trains it on its own, with
//!   the same configuration [`SeedRow::config`] gives.
//! - **SCRATCH_BM table** (§4.2): its header has nine columns but its rows ten values; the header
//!   line ends with an empty tenth column, and SCRATCH_BM_V1 has five dashes. The reading: the
//!   first four numbers are accuracy, loss, F2 and AUC as headed, the fifth is unlabelled (kept as
//!   [`SeedNumbers::extra`] and shown in the note). The ensemble table confirms it: its
//!   Best_BM_Scratch row (accuracy 0.65, F2 0.61, AUC 0.65) is SCRATCH_BM_V6's first, third and
//!   fourth numbers. "✓" augmentation is the 90° rotation alone (the text: "we applied only the
//!   90° degree rotation"), except SCRATCH_BM_V3, whose stated settings equal SCRATCH_BM_V6's:
//!   the text lists "different data augmentation combinations between rotation and horizontal
//!   flip" among what was tuned, so V3 is flip + rotation and V6 (the chosen model,
//!   [`crate::experiment::recipes`]) rotation alone.
//! - **VGG16 mass/calc** (§5.3.1) lists five rows (V1, V2, V3, V6, V5); V2, V3 and V5 state the
//!   same settings. The text names two things that varied besides the columns: "In some tests the
//!   data augmentation is composed of just the rotation layer" and "The best result was obtained
//!   using oversampling" (so some used undersampling; §5.3.2 repeats that undersampling
//!   overfitted "even in this case"). V5, the chosen model whose summary shows both RandomFlip
//!   and RandomRotation, is flip + rotation with oversampling; V2, close to it, is rotation only;
//!   V3, far below, is undersampling. VGG16 has no "top+1" level in torchvision's layout: V6's
//!   "top+1" is the next cut down, `block5` (as VGG_3's "Top + block5").
//! - **InceptionV3 mass/calc** (§5.3.2): INCEPTION_2 and INCEPTION_5 state the same settings and
//!   the same remark about rotation-only tests applies: INCEPTION_2 is rotation only, INCEPTION_5
//!   flip + rotation. The dropout rate is not stated: 0.4, the rate of the seed's Siamese network.
//!   INCEPTION_3 is the configuration the seed shows (its plots and confusion matrix).
//! - **InceptionV3 benign/malignant** (§5.4.2): the table has no learning-rate column (0.001, the
//!   rate of every other table) and prints the same glyph in every Dropout cell; the best model's
//!   summary has no Dropout layer, so none has dropout. The last line "BEST / INCEPTION" is one
//!   row, "BEST INCEPTION". INCEPTION_2/3 and INCEPTION_4/5 state identical settings; the one
//!   thing the text says was varied besides the columns is the head ("we obtained better results
//!   with a further dense layer"): INCEPTION_2 and _4 have the one-layer head `[512]`, INCEPTION_3
//!   and _5 the best model's [512, 256]. INCEPTION_1 (the first test, cut top) has `[512]`;
//!   INCEPTION_6 and _7 [512, 256]. Then INCEPTION_3 is BEST at 10 of its 20 epochs and
//!   INCEPTION_5 is INCEPTION_6 at 10 of 20: both are read from those runs' histories.
//! - **VGG16 benign/malignant** (§5.4.1): no epochs column: the profile's default epochs.
//! - **SIAMESE_1/2/3** (§6) state identical settings: SIAMESE_2 and SIAMESE_3 are SIAMESE_1 with
//!   other seeds (base + 1, base + 2). SIAMESE_4 (rotation, no dropout, 30 epochs) differs from
//!   every 50-epoch row in more than its epochs, so it is a run of its own.
//! - **Adapter comparison** (§5.2) was made "on the best configuration obtained for the benignant
//!   vs malignant problem": its "Convolutional Layer" row has exactly BEST INCEPTION's numbers
//!   (0.69, 0.58, 0.69, 0.70), so the comparison is on BEST INCEPTION: the conv row is that run,
//!   the replication row the same configuration with the replicating adapter.
//! - Every pretrained row uses the seed's architecture: the trainable 1x1 convolution adapter
//!   (the seed's summaries: "conv2d (Conv2D) (None, 150, 150, 3) 6"), except the replication row.
//!
//! # Which rows a profile trains
//!
//! [`SeedRow::runs_in`]: a row is trained as a run of its own in a profile when it is not read
//! from another run (history, same run, ensemble) and either the profile is `full` or the row is
//! not `full_only`. `full_only` rows are the pretrained variants other than the rows the seed
//! chose (VGG16_V5, INCEPTION_3, BEST VGG, BEST INCEPTION and the replication row beside it; a
//! frozen backbone costs ~20x the scratch CNN per image on a CPU) and the repeats with another
//! seed (SCRATCH_3, SIAMESE_2, SIAMESE_3). A `full_only` row stays in the table with the seed's
//! numbers and the status "full profile only". Epochs: [`epochs_for`].
//!
//! `skip_quick` rows train in `full` and in `smoke` (so the tests cover them) but not in `quick`,
//! the CPU demo, which has 25 minutes for the whole notebook series on 2 cores: there the time
//! goes to the rows of the headline comparisons (augmentation vs none: SCRATCH_1/2; contrast vs
//! none on benign vs malignant: SCRATCH_BM_V4/V6; Siamese vs single image: SIAMESE_5), each
//! trained on the whole training set (docs/PROFILES.md). Skipped in `quick`: SCRATCH_4 (RMSprop;
//! with it SCRATCH_6, read from its history: RMSprop vs Adam is a `full` question), SCRATCH_5
//! (learning rate 0.003), SCRATCH_BM_V1 (its overfitting needs the seed's 45 epochs: in 12 on
//! the CPU it sat at chance), SCRATCH_BM_V2/V3/V5 (the Adam pair of the contrast claim,
//! flip + rotation) and SIAMESE_1/4 (flip, dropout); `full` has them all.
use crate::data::dataset::Dataset;
use crate::error::{Error, Result};
use crate::experiment::notebook::{Env, Experiment};
use crate::experiment::run::Run;
use crate::runtime::profile::Profile;
use std::path::PathBuf;

mod comparison;
mod epochs;
mod row;
mod tables;

pub use comparison::*;
pub use epochs::*;
pub use row::*;
pub use tables::*;

/// A seed table.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedTable {
    /// e.g. `scratch_mass_calc`.
    pub id: &'static str,
    pub title: &'static str,
    /// The seed's section, e.g. `§4.1`.
    pub section: &'static str,
    /// The hyper-parameter columns shown: the seed's, and those a reading of the table added.
    pub params: Vec<Param>,
    /// The metric columns the seed's table has.
    pub reported: Vec<Metric>,
    pub rows: Vec<SeedRow>,
    pub note: String,
}

impl SeedTable {
    /// A row by id or by the seed's label.
    pub fn row(&self, id_or_label: &str) -> Result<&SeedRow> {
        self.rows
            .iter()
            .find(|r| r.id == id_or_label)
            .or_else(|| self.rows.iter().find(|r| r.label == id_or_label))
            .ok_or_else(|| {
                Error::invalid(
                    "seed row",
                    format!("'{id_or_label}' is not a row of the seed table {}", self.id),
                )
            })
    }

    /// The rows trained as runs of their own in `profile` ([`SeedRow::runs_in`]).
    pub fn to_run(&self, profile: Profile) -> Vec<&SeedRow> {
        self.rows.iter().filter(|r| r.runs_in(profile)).collect()
    }

    /// The experiment that records this table's runs (`<runs>/<id>.csv`).
    pub fn experiment(&self, env: &Env) -> Result<Experiment> {
        let first = self
            .rows
            .first()
            .ok_or_else(|| Error::invalid("seed table", format!("{} has no rows", self.id)))?;
        Experiment::new(env, self.id, self.title, first.task, first.model)
    }

    /// Train (or reuse, when an identical run is saved) every row that runs in `env.profile`,
    /// recording each in `exp`; the runs in table order.
    pub fn run_rows(&self, env: &Env, ds: &Dataset, exp: &mut Experiment) -> Result<Vec<Run>> {
        self.to_run(env.profile)
            .into_iter()
            .map(|r| exp.run_config(ds, &r.config(env)?))
            .collect()
    }

    /// The side-by-side table of the seed's numbers and these runs'.
    pub fn compare<'a>(
        &self,
        env: &Env,
        runs: impl IntoIterator<Item = &'a Run>,
    ) -> Result<SeedComparison> {
        SeedComparison::new(self, env, runs)
    }

    /// Where [`SeedComparison::save_csv`] puts this table by default: `<runs>/<id>_vs_seed.csv`.
    pub fn csv_path(&self, env: &Env) -> PathBuf {
        env.runs.join(format!("{}_vs_seed.csv", self.id))
    }
}

/// Take the run named `name` out of `runs` (as [`SeedTable::run_rows`] returns them), so that a
/// notebook can keep it as a variable of its own (Grad-CAM and test-time augmentation need it
/// mutable). Errors, naming the runs there are, when none has that name.
pub fn take(runs: &mut Vec<Run>, name: &str) -> Result<Run> {
    match runs.iter().position(|r| r.config.name == name) {
        Some(i) => Ok(runs.remove(i)),
        None => Err(no_run(runs, &[name])),
    }
}

/// The run named `name` among `runs`, if that row was trained (a profile may skip it).
pub fn find<'a>(runs: &'a [Run], name: &str) -> Option<&'a Run> {
    runs.iter().find(|r| r.config.name == name)
}

/// The runs named `names` among `runs`, in that order, leaving out the rows the profile did not
/// train (e.g. the runs of a comparison, for [`crate::experiment::findings::short_training_note`]).
pub fn find_all<'a>(runs: &'a [Run], names: &[&str]) -> Vec<&'a Run> {
    names.iter().filter_map(|n| find(runs, n)).collect()
}

/// The run named `name` among `runs`; an error naming the runs there are when it is not.
pub fn get<'a>(runs: &'a [Run], name: &str) -> Result<&'a Run> {
    find(runs, name).ok_or_else(|| no_run(runs, &[name]))
}

/// A copy of its own of the first of `names` that was trained, read back from its run folder,
/// for a notebook variable that Grad-CAM, test-time augmentation and scanning need mutable while
/// `runs` keeps every row for the tables and comparisons. The profile decides which row that
/// is: 02 explains SCRATCH_4, the seed's best, where it trains and SCRATCH_2 in `quick`, which
/// skips SCRATCH_4.
pub fn open_first(runs: &[Run], names: &[&str]) -> Result<Run> {
    let Some(r) = names.iter().find_map(|n| find(runs, n)) else {
        return Err(no_run(runs, names));
    };
    match &r.dir {
        Some(dir) => crate::experiment::run::load(dir),
        None => crate::error::invalid(
            "run",
            format!(
                "{} was not saved in a run folder: nothing to open",
                r.config.name
            ),
        ),
    }
}

/// The run of `runs` with the highest validation ROC AUC (the first of equals): the best model
/// as the validation set picks it, so that the test set, reported once, never chooses.
pub fn best_on_validation(runs: &[Run]) -> Result<&Run> {
    let auc = |r: &Run| r.metrics.validation.roc_auc;
    runs.iter()
        .filter(|r| auc(r).is_finite())
        .reduce(|best, r| if auc(r) > auc(best) { r } else { best })
        .ok_or_else(|| {
            Error::invalid(
                "runs",
                format!("no run with a validation ROC AUC among: {}", names_of(runs)),
            )
        })
}

fn names_of(runs: &[Run]) -> String {
    runs.iter()
        .map(|r| r.config.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn no_run(runs: &[Run], names: &[&str]) -> Error {
    Error::invalid(
        "run",
        format!(
            "no run named {} here (runs: {})",
            names.join(" or "),
            names_of(runs)
        ),
    )
}

/// Every seed table, in the report's order.
pub fn tables() -> Vec<SeedTable> {
    vec![
        scratch_mass_calc(),
        scratch_benign_malignant(),
        adapter_comparison(),
        vgg16_mass_calc(),
        inception_mass_calc(),
        vgg16_benign_malignant(),
        inception_benign_malignant(),
        siamese(),
        ensemble(),
    ]
}

/// A seed table by id.
pub fn table(id: &str) -> Result<SeedTable> {
    tables().into_iter().find(|t| t.id == id).ok_or_else(|| {
        let ids: Vec<&str> = tables().iter().map(|t| t.id).collect();
        Error::invalid(
            "seed table",
            format!("'{id}': expected one of {}", ids.join(", ")),
        )
    })
}

/// A row by its id, in whichever table.
pub fn find_row(id: &str) -> Result<SeedRow> {
    tables()
        .into_iter()
        .flat_map(|t| t.rows)
        .find(|r| r.id == id)
        .ok_or_else(|| Error::invalid("seed row", format!("no seed row has the id '{id}'")))
}

#[cfg(test)]
mod tests;
