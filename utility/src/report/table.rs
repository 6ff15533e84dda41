//! Experiment tables in the spirit of the seed's SCRATCH_1..6: one row per run with every
//! hyper-parameter and the validation and test metrics, held as a polars DataFrame, persisted as
//! CSV (atomically) and shown in notebooks as an HTML table.
use crate::display::{html_escape, Html};
use crate::error::{Error, Result};
use crate::eval::RunMetrics;
use crate::train::config::TrainConfig;
use crate::train::History;
use polars::prelude::*;
use std::path::{Path, PathBuf};

fn perr(e: PolarsError) -> Error {
    Error::Other(format!("table: {e}"))
}

/// One row of an experiment table.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ExperimentRow {
    pub name: String,
    pub task: String,
    pub model: String,
    pub cut: String,
    pub adapter: String,
    /// Backbone weights of a pretrained run: `vgg16.safetensors sha256:0123456789ab`, `random
    /// initialisation`, `not recorded` (saved before weights were recorded); `-` for the other
    /// models and ensembles ([`crate::experiment::run::Run::weights_label`]).
    pub weights: String,
    pub augment: String,
    pub optimizer: String,
    pub lr: f64,
    pub batch_size: i64,
    pub epochs: i64,
    pub best_epoch: i64,
    pub contrast: f64,
    pub clahe: String,
    pub balance: String,
    pub class_weights: bool,
    pub l2: f64,
    pub dropout: f64,
    pub seed: i64,
    pub profile: String,
    pub threshold: f64,
    /// How the threshold was chosen: `f2@spec0.5`, `f2`, `0.5`, with ` (fallback)` when the
    /// minimum specificity was not reached ([`crate::eval::ThresholdChoice::label`]).
    pub threshold_policy: String,
    pub val_accuracy: f64,
    pub val_loss: f64,
    pub val_f2: f64,
    /// F2 of calling every validation case positive (malignant) at its prevalence.
    pub val_f2_trivial: f64,
    pub val_auc: f64,
    pub test_accuracy: f64,
    pub test_loss: f64,
    pub test_f2: f64,
    /// F2 of calling every test case positive (malignant) at its prevalence.
    pub test_f2_trivial: f64,
    pub test_auc: f64,
    pub test_auc_lo: f64,
    pub test_auc_hi: f64,
    pub seconds: f64,
}

impl ExperimentRow {
    /// The row of a finished run. Missing values (no test set, undefined AUC, no trivial F2 for
    /// the 4-class task) are NaN. `weights` is left empty: [`crate::experiment::run::Run::row`] fills it.
    pub fn from_run(
        cfg: &TrainConfig,
        history: Option<&History>,
        m: &RunMetrics,
        seconds: f64,
    ) -> ExperimentRow {
        let t = m.test.as_ref();
        let nan = f64::NAN;
        ExperimentRow {
            name: cfg.name.clone(),
            task: cfg.task.name().into(),
            model: cfg.model.name().into(),
            cut: cfg.cut.clone().unwrap_or_default(),
            adapter: if cfg.model.is_pretrained() {
                cfg.adapter.name().into()
            } else {
                String::new()
            },
            weights: String::new(),
            augment: cfg.augment.spec(),
            optimizer: cfg.optimizer.name().into(),
            lr: cfg.lr,
            batch_size: cfg.batch_size as i64,
            epochs: history.map(|h| h.epochs.len()).unwrap_or(cfg.epochs) as i64,
            best_epoch: history.map(|h| h.best_epoch as i64).unwrap_or(0),
            contrast: cfg.preprocess.contrast.map(|c| c as f64).unwrap_or(nan),
            clahe: cfg
                .preprocess
                .clahe
                .map(|c| c.to_string())
                .unwrap_or_default(),
            balance: cfg.balance.name().into(),
            class_weights: cfg.class_weights,
            l2: cfg.l2,
            dropout: cfg.dropout.unwrap_or(nan),
            seed: cfg.seed as i64,
            profile: cfg.profile.name().into(),
            threshold: m.validation.threshold.unwrap_or(nan),
            threshold_policy: crate::eval::threshold_choice(cfg.threshold, m.task, &m.validation)
                .label(),
            val_accuracy: m.validation.accuracy,
            val_loss: m.validation.loss,
            val_f2: m.validation.f2,
            val_f2_trivial: m.validation.f2_trivial().unwrap_or(nan),
            val_auc: m.validation.roc_auc,
            test_accuracy: t.map_or(nan, |t| t.accuracy),
            test_loss: t.map_or(nan, |t| t.loss),
            test_f2: t.map_or(nan, |t| t.f2),
            test_f2_trivial: t.and_then(|t| t.f2_trivial()).unwrap_or(nan),
            test_auc: t.map_or(nan, |t| t.roc_auc),
            test_auc_lo: t.map_or(nan, |t| t.ci.roc_auc[0]),
            test_auc_hi: t.map_or(nan, |t| t.ci.roc_auc[1]),
            seconds,
        }
    }

    fn to_frame(&self) -> Result<DataFrame> {
        let nan_null = |v: f64| if v.is_nan() { None } else { Some(v) };
        let s = |n: &str, v: &str| Column::new(n.into(), [v.to_string()]);
        let f = |n: &str, v: f64| Column::new(n.into(), [nan_null(v)]);
        let i = |n: &str, v: i64| Column::new(n.into(), [v]);
        DataFrame::new_infer_height(vec![
            s("name", &self.name),
            s("task", &self.task),
            s("model", &self.model),
            s("cut", &self.cut),
            s("adapter", &self.adapter),
            s("weights", &self.weights),
            s("augment", &self.augment),
            s("optimizer", &self.optimizer),
            f("lr", self.lr),
            i("batch_size", self.batch_size),
            i("epochs", self.epochs),
            i("best_epoch", self.best_epoch),
            f("contrast", self.contrast),
            s("clahe", &self.clahe),
            s("balance", &self.balance),
            Column::new("class_weights".into(), [self.class_weights]),
            f("l2", self.l2),
            f("dropout", self.dropout),
            i("seed", self.seed),
            s("profile", &self.profile),
            f("threshold", self.threshold),
            s("threshold_policy", &self.threshold_policy),
            f("val_accuracy", self.val_accuracy),
            f("val_loss", self.val_loss),
            f("val_f2", self.val_f2),
            f("val_f2_trivial", self.val_f2_trivial),
            f("val_auc", self.val_auc),
            f("test_accuracy", self.test_accuracy),
            f("test_loss", self.test_loss),
            f("test_f2", self.test_f2),
            f("test_f2_trivial", self.test_f2_trivial),
            f("test_auc", self.test_auc),
            f("test_auc_lo", self.test_auc_lo),
            f("test_auc_hi", self.test_auc_hi),
            f("seconds", self.seconds),
        ])
        .map_err(perr)
    }
}

/// An experiment table: its rows, optionally tied to a CSV file. The polars DataFrame is built
/// on demand ([`ExperimentTable::dataframe`]) and never kept between calls: a notebook keeps the
/// table across cells, and each evcxr cell is a separate shared library with its own copy of
/// polars' hashing state, so a DataFrame made in one cell cannot look up its columns in another.
#[derive(Debug, Clone)]
pub struct ExperimentTable {
    pub title: String,
    pub rows: Vec<ExperimentRow>,
    pub path: Option<PathBuf>,
}

/// The columns shown by default in notebooks (like the seed's tables).
pub const DEFAULT_COLUMNS: &[&str] = &[
    "name",
    "model",
    "cut",
    "adapter",
    "weights",
    "augment",
    "optimizer",
    "lr",
    "epochs",
    "best_epoch",
    "contrast",
    "balance",
    "val_accuracy",
    "val_loss",
    "val_auc",
    "test_accuracy",
    "test_loss",
    "test_f2",
    "test_f2_trivial",
    "test_auc",
    "test_auc_lo",
    "test_auc_hi",
];

/// Rows of a table read from CSV. A column the file lacks (a table saved before that column
/// existed) reads as empty text, NaN, 0 or false.
fn rows_from_frame(df: &DataFrame) -> Result<Vec<ExperimentRow>> {
    let get = |n: &str, i: usize| -> Result<AnyValue<'_>> {
        match df.column(n) {
            Ok(c) => c.get(i).map_err(perr),
            Err(_) => Ok(AnyValue::Null),
        }
    };
    let s = |n: &str, i: usize| -> Result<String> {
        Ok(match get(n, i)? {
            AnyValue::String(v) => v.to_string(),
            AnyValue::StringOwned(v) => v.to_string(),
            AnyValue::Null => String::new(),
            o => o.to_string(),
        })
    };
    let f = |n: &str, i: usize| -> Result<f64> {
        Ok(match get(n, i)? {
            AnyValue::Float64(v) => v,
            AnyValue::Float32(v) => v as f64,
            AnyValue::Int64(v) => v as f64,
            _ => f64::NAN,
        })
    };
    let int = |n: &str, i: usize| -> Result<i64> {
        Ok(match get(n, i)? {
            AnyValue::Int64(v) => v,
            AnyValue::Int32(v) => v as i64,
            _ => 0,
        })
    };
    let b =
        |n: &str, i: usize| -> Result<bool> { Ok(matches!(get(n, i)?, AnyValue::Boolean(true))) };
    (0..df.height())
        .map(|i| {
            Ok(ExperimentRow {
                name: s("name", i)?,
                task: s("task", i)?,
                model: s("model", i)?,
                cut: s("cut", i)?,
                adapter: s("adapter", i)?,
                weights: s("weights", i)?,
                augment: s("augment", i)?,
                optimizer: s("optimizer", i)?,
                lr: f("lr", i)?,
                batch_size: int("batch_size", i)?,
                epochs: int("epochs", i)?,
                best_epoch: int("best_epoch", i)?,
                contrast: f("contrast", i)?,
                clahe: s("clahe", i)?,
                balance: s("balance", i)?,
                class_weights: b("class_weights", i)?,
                l2: f("l2", i)?,
                dropout: f("dropout", i)?,
                seed: int("seed", i)?,
                profile: s("profile", i)?,
                threshold: f("threshold", i)?,
                threshold_policy: s("threshold_policy", i)?,
                val_accuracy: f("val_accuracy", i)?,
                val_loss: f("val_loss", i)?,
                val_f2: f("val_f2", i)?,
                val_f2_trivial: f("val_f2_trivial", i)?,
                val_auc: f("val_auc", i)?,
                test_accuracy: f("test_accuracy", i)?,
                test_loss: f("test_loss", i)?,
                test_f2: f("test_f2", i)?,
                test_f2_trivial: f("test_f2_trivial", i)?,
                test_auc: f("test_auc", i)?,
                test_auc_lo: f("test_auc_lo", i)?,
                test_auc_hi: f("test_auc_hi", i)?,
                seconds: f("seconds", i)?,
            })
        })
        .collect()
}

impl ExperimentTable {
    /// An empty table.
    pub fn new(title: impl Into<String>) -> Result<ExperimentTable> {
        Ok(ExperimentTable {
            title: title.into(),
            rows: Vec::new(),
            path: None,
        })
    }

    /// Load a table from its CSV file, or start an empty one tied to that path.
    pub fn open(path: impl AsRef<Path>, title: impl Into<String>) -> Result<ExperimentTable> {
        let path = path.as_ref();
        let mut t = ExperimentTable::new(title)?;
        if path.exists() {
            // The file's own columns, typed as a row's columns are: tables saved before a
            // column was added load, the missing column reading as empty (rows_from_frame).
            let full = ExperimentRow::default().to_frame()?.schema().clone();
            let text = crate::fsx::read_bytes(path)?;
            let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
            let header = String::from_utf8_lossy(header);
            let mut schema = Schema::default();
            for name in header.trim_end_matches('\r').split(',') {
                let name = name.trim().trim_matches('"');
                let dtype = full.get(name).cloned().unwrap_or(DataType::String);
                schema.with_column(name.into(), dtype);
            }
            let df = CsvReadOptions::default()
                .with_has_header(true)
                .with_schema(Some(std::sync::Arc::new(schema)))
                .try_into_reader_with_file_path(Some(path.to_path_buf()))
                .and_then(|r| r.finish())
                .map_err(|e| Error::bad_file(path, format!("not a mammo experiment table: {e}")))?;
            t.rows = rows_from_frame(&df).map_err(|e| Error::bad_file(path, e.to_string()))?;
        }
        t.path = Some(path.to_path_buf());
        Ok(t)
    }

    /// Add a row (replacing an earlier row of the same run name), and save when tied to a file.
    pub fn add(&mut self, row: &ExperimentRow) -> Result<()> {
        self.rows.retain(|r| r.name != row.name);
        self.rows.push(row.clone());
        if self.path.is_some() {
            self.save()?;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table as a polars DataFrame (built now; don't keep it across notebook cells).
    pub fn dataframe(&self) -> Result<DataFrame> {
        let mut df = ExperimentRow::default().to_frame()?.clear();
        for r in &self.rows {
            df = df.vstack(&r.to_frame()?).map_err(perr)?;
        }
        Ok(df)
    }

    /// Write the CSV atomically.
    pub fn save(&self) -> Result<()> {
        let path = self.path.as_ref().ok_or_else(|| {
            Error::invalid("table", "not tied to a file (use ExperimentTable::open)")
        })?;
        let mut df = self.dataframe()?;
        crate::fsx::write_atomic(path, |w| {
            CsvWriter::new(w)
                .include_header(true)
                .finish(&mut df)
                .map_err(std::io::Error::other)
        })
    }

    /// HTML of the given columns (all when `None`); floats with 3 decimals, nulls blank.
    pub fn to_html(&self, columns: Option<&[&str]>) -> Html {
        let df = match self.dataframe() {
            Ok(d) => d,
            Err(e) => {
                return Html(format!(
                    "<p>table unavailable: {}</p>",
                    html_escape(&e.to_string())
                ))
            }
        };
        let names: Vec<String> = match columns {
            Some(c) => c.iter().map(|s| s.to_string()).collect(),
            None => df
                .get_column_names()
                .iter()
                .map(|s| s.to_string())
                .collect(),
        };
        let mut h = String::from("<table style=\"border-collapse:collapse;font-size:12px\">");
        if !self.title.is_empty() {
            h.push_str(&format!(
                "<caption style=\"font-weight:bold;padding:4px\">{}</caption>",
                html_escape(&self.title)
            ));
        }
        h.push_str("<thead><tr>");
        for n in &names {
            h.push_str(&format!(
                "<th style=\"border-bottom:1px solid #444;padding:2px 6px\">{}</th>",
                html_escape(n)
            ));
        }
        h.push_str("</tr></thead><tbody>");
        for r in 0..df.height() {
            h.push_str("<tr>");
            for n in &names {
                let cell = df
                    .column(n)
                    .ok()
                    .and_then(|c| c.get(r).ok())
                    .map(|v| fmt_value(&v))
                    .unwrap_or_default();
                h.push_str(&format!(
                    "<td style=\"padding:2px 6px;text-align:right\">{}</td>",
                    html_escape(&cell)
                ));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        Html(h)
    }

    /// Shown by evcxr when the table is a cell's value.
    pub fn evcxr_display(&self) {
        self.to_html(Some(DEFAULT_COLUMNS)).evcxr_display();
    }

    /// Show the table inline (in a notebook).
    pub fn show(&self) {
        self.to_html(Some(DEFAULT_COLUMNS)).show();
    }
}

fn fmt_value(v: &AnyValue) -> String {
    match v {
        AnyValue::Null => String::new(),
        AnyValue::String(s) => s.to_string(),
        AnyValue::StringOwned(s) => s.to_string(),
        AnyValue::Float64(f) if f.is_nan() => String::new(),
        AnyValue::Float64(f) if f.abs() < 0.01 && *f != 0.0 => format!("{f:.0e}"),
        AnyValue::Float64(f) => format!("{f:.3}"),
        AnyValue::Float32(f) => format!("{f:.3}"),
        AnyValue::Boolean(b) => if *b { "yes" } else { "" }.to_string(),
        other => other.to_string(),
    }
}

impl std::fmt::Display for ExperimentTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.dataframe() {
            Ok(df) => write!(f, "{df}"),
            Err(e) => write!(f, "table unavailable: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &str, auc: f64) -> ExperimentRow {
        ExperimentRow {
            name: name.into(),
            task: "mass-calc".into(),
            model: "scratch".into(),
            val_auc: auc,
            test_auc: f64::NAN,
            lr: 0.001,
            ..Default::default()
        }
    }

    #[test]
    fn tables_saved_before_the_new_columns_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("old.csv");
        // A table as saved before weights, threshold_policy and the trivial F2s existed.
        std::fs::write(
            &p,
            "name,task,model,cut,adapter,augment,optimizer,lr,batch_size,epochs,best_epoch,contrast,clahe,balance,class_weights,l2,dropout,seed,profile,threshold,val_accuracy,val_loss,val_f2,val_auc,test_accuracy,test_loss,test_f2,test_auc,test_auc_lo,test_auc_hi,seconds\n\
             VGG16_BM_1,benign-malignant,vgg16,top,replicate,,adam,0.001,32,3,2,,,over,false,0.0,,42,quick,0.06,0.4,0.7,0.74,0.6,0.37,0.8,0.735,0.55,0.45,0.65,12.5\n",
        )
        .unwrap();
        let mut t = ExperimentTable::open(&p, "old").unwrap();
        assert_eq!(t.len(), 1);
        let r = &t.rows[0];
        assert_eq!((r.name.as_str(), r.model.as_str()), ("VGG16_BM_1", "vgg16"));
        assert_eq!((r.threshold, r.test_f2, r.seconds), (0.06, 0.735, 12.5));
        assert_eq!((r.weights.as_str(), r.threshold_policy.as_str()), ("", ""));
        assert!(r.val_f2_trivial.is_nan() && r.test_f2_trivial.is_nan());
        // A new row beside it; the file now has every column, and both rows read back.
        let mut new = row("VGG16_BM_2", 0.8);
        new.weights = "vgg16.safetensors sha256:0123456789ab".into();
        new.threshold_policy = "f2@spec0.5 (fallback)".into();
        new.test_f2_trivial = 0.746;
        t.add(&new).unwrap();
        let again = ExperimentTable::open(&p, "old").unwrap();
        assert_eq!(again.len(), 2);
        assert_eq!(again.rows[0].test_f2, 0.735);
        let r = &again.rows[1];
        assert_eq!(r.weights, "vgg16.safetensors sha256:0123456789ab");
        assert_eq!(r.threshold_policy, "f2@spec0.5 (fallback)");
        assert_eq!(r.test_f2_trivial, 0.746);
        let header = std::fs::read_to_string(&p).unwrap();
        let header = header.lines().next().unwrap();
        for c in [
            "weights",
            "threshold_policy",
            "val_f2_trivial",
            "test_f2_trivial",
        ] {
            assert!(header.split(',').any(|h| h == c), "{c} in {header}");
        }
    }

    #[test]
    fn rows_accumulate_persist_and_replace_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.csv");
        let mut t = ExperimentTable::open(&p, "t").unwrap();
        t.add(&row("A", 0.7)).unwrap();
        t.add(&row("B", 0.8)).unwrap();
        assert_eq!(t.len(), 2);
        let mut again = ExperimentTable::open(&p, "t").unwrap();
        assert_eq!(again.len(), 2);
        again.add(&row("A", 0.9)).unwrap();
        again.add(&row("C", 0.6)).unwrap();
        assert_eq!(again.len(), 3, "A replaced, C added");
        let html = again.to_html(None).0;
        assert!(html.contains("0.900") && !html.contains("0.700"), "{html}");
    }
}
