//! Layer 9, experiments: what the notebooks and the CLI run. Run folders end to end ([`run`]:
//! train or load, evaluate, save), cross-validation, comparisons of runs with their intervals
//! ([`compare`]), the seed's named configurations ([`recipes`]) and tables ([`seedref`]), the
//! seed's claims with this run's verdicts ([`findings`]), the notebook environment
//! ([`notebook`]), sweeps over grids ([`sweep`]) and the benchmarks ([`bench`](mod@bench)). Depends on every
//! layer below.
pub mod bench;
pub mod compare;
pub mod crossval;
pub mod findings;
pub mod notebook;
pub mod recipes;
pub mod run;
pub mod seedref;
pub mod sweep;
