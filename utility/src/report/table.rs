//! Experiment tables in the spirit of the seed's SCRATCH_1..6: one row per run with every
//! hyper-parameter and the validation and test metrics, persisted as CSV (atomically) and shown in
//! notebooks as an HTML table.
//!
//! The CSV is read and written with the `csv` crate through serde: the columns are the fields of
//! [`ExperimentRow`], named once. (polars held these tables before; it did nothing but read and
//! write the CSV, its DataFrames could not cross notebook cells (each evcxr cell has its own copy
//! of polars' hashing state), and it was the largest dependency to build in every notebook kernel.)
//! A missing value (no test set, an undefined AUC) is an empty field, as polars wrote it; files
//! written by polars, including those with fewer columns, load unchanged.
use crate::display::{html_escape, Html};
use crate::error::{Error, Result};
use crate::eval::RunMetrics;
use crate::train::config::TrainConfig;
use crate::train::History;
use std::path::{Path, PathBuf};

/// The style of every HTML table mammo shows: the opening tag, a header cell's and a data cell's
/// attributes (experiment tables, seed comparisons, run metrics).
pub const TABLE_OPEN: &str = "<table style=\"border-collapse:collapse;font-size:12px\">";
pub const TH: &str = " style=\"border-bottom:1px solid #444;padding:2px 6px\"";
pub const TD: &str = " style=\"padding:2px 6px;text-align:right\"";

/// A float in a CSV field: empty for NaN (a missing value), integral values with one decimal
/// (`2.0`), others in the shortest form that reads back exactly.
mod csv_float {
    pub fn serialize<S: serde::Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_nan() {
            s.serialize_str("")
        } else if v.fract() == 0.0 && v.abs() < 1e15 {
            s.serialize_str(&format!("{v:.1}"))
        } else {
            s.serialize_str(&v.to_string())
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        let text: String = serde::Deserialize::deserialize(d)?;
        match text.trim() {
            "" => Ok(f64::NAN),
            t => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// One row of an experiment table; its fields are the CSV's columns, in order. A column a file
/// lacks (a table saved before the column existed) reads as empty text, NaN, 0 or false.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
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
    #[serde(with = "csv_float")]
    pub lr: f64,
    pub batch_size: i64,
    pub epochs: i64,
    pub best_epoch: i64,
    #[serde(with = "csv_float")]
    pub contrast: f64,
    pub clahe: String,
    pub balance: String,
    pub class_weights: bool,
    #[serde(with = "csv_float")]
    pub l2: f64,
    #[serde(with = "csv_float")]
    pub dropout: f64,
    pub seed: i64,
    pub profile: String,
    #[serde(with = "csv_float")]
    pub threshold: f64,
    /// How the threshold was chosen: `f2@spec0.5`, `f2`, `0.5`, with ` (fallback)` when the
    /// minimum specificity was not reached ([`crate::eval::ThresholdChoice::label`]).
    pub threshold_policy: String,
    #[serde(with = "csv_float")]
    pub val_accuracy: f64,
    #[serde(with = "csv_float")]
    pub val_loss: f64,
    #[serde(with = "csv_float")]
    pub val_f2: f64,
    /// F2 of calling every validation case positive (malignant) at its prevalence.
    #[serde(with = "csv_float")]
    pub val_f2_trivial: f64,
    #[serde(with = "csv_float")]
    pub val_auc: f64,
    #[serde(with = "csv_float")]
    pub test_accuracy: f64,
    #[serde(with = "csv_float")]
    pub test_loss: f64,
    #[serde(with = "csv_float")]
    pub test_f2: f64,
    /// F2 of calling every test case positive (malignant) at its prevalence.
    #[serde(with = "csv_float")]
    pub test_f2_trivial: f64,
    #[serde(with = "csv_float")]
    pub test_auc: f64,
    #[serde(with = "csv_float")]
    pub test_auc_lo: f64,
    #[serde(with = "csv_float")]
    pub test_auc_hi: f64,
    #[serde(with = "csv_float")]
    pub seconds: f64,
    /// What the run was trained on: `sha256:0123456789ab (2676 + 336 pairs)`, `not recorded` for
    /// runs saved before runs recorded it. The last column, added after the others (tables
    /// written before it load with it empty).
    #[serde(default)]
    pub data: String,
}

impl Default for ExperimentRow {
    /// Empty text, 0, false, and NaN (missing) for every float.
    fn default() -> ExperimentRow {
        let nan = f64::NAN;
        ExperimentRow {
            name: String::new(),
            task: String::new(),
            model: String::new(),
            cut: String::new(),
            adapter: String::new(),
            weights: String::new(),
            data: String::new(),
            augment: String::new(),
            optimizer: String::new(),
            lr: nan,
            batch_size: 0,
            epochs: 0,
            best_epoch: 0,
            contrast: nan,
            clahe: String::new(),
            balance: String::new(),
            class_weights: false,
            l2: nan,
            dropout: nan,
            seed: 0,
            profile: String::new(),
            threshold: nan,
            threshold_policy: String::new(),
            val_accuracy: nan,
            val_loss: nan,
            val_f2: nan,
            val_f2_trivial: nan,
            val_auc: nan,
            test_accuracy: nan,
            test_loss: nan,
            test_f2: nan,
            test_f2_trivial: nan,
            test_auc: nan,
            test_auc_lo: nan,
            test_auc_hi: nan,
            seconds: nan,
        }
    }
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
            task: cfg.data.task.name().into(),
            model: cfg.model.name().into(),
            cut: cfg
                .model
                .cut()
                .map(|c| c.name().to_string())
                .unwrap_or_default(),
            adapter: cfg
                .model
                .pretrained()
                .map(|p| p.adapter.name().to_string())
                .unwrap_or_default(),
            weights: String::new(),
            data: cfg
                .provenance
                .as_ref()
                .map_or_else(|| "not recorded".into(), |p| p.data.label()),
            augment: cfg.data.augment.spec(),
            optimizer: cfg.optim.optimizer.name().into(),
            lr: cfg.optim.lr,
            batch_size: cfg.optim.batch_size as i64,
            epochs: history.map(|h| h.epochs.len()).unwrap_or(cfg.optim.epochs) as i64,
            best_epoch: history.map(|h| h.best_epoch as i64).unwrap_or(0),
            contrast: cfg
                .data
                .preprocess
                .contrast
                .map(|c| c as f64)
                .unwrap_or(nan),
            clahe: cfg
                .data
                .preprocess
                .clahe
                .map(|c| c.to_string())
                .unwrap_or_default(),
            balance: cfg.data.balance.name().into(),
            class_weights: cfg.optim.class_weights,
            l2: cfg.optim.l2,
            dropout: cfg.model.dropout().unwrap_or(nan),
            seed: cfg.runtime.seed as i64,
            profile: cfg.runtime.profile.name().into(),
            threshold: m.validation.threshold.unwrap_or(nan),
            threshold_policy: crate::eval::threshold_choice(
                cfg.optim.threshold,
                m.task,
                &m.validation,
            )
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
}

/// An experiment table: its rows, optionally tied to a CSV file.
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

fn csv_err(path: &Path, e: csv::Error) -> Error {
    Error::bad_file(path, format!("not a mammo experiment table: {e}"))
}

/// The rows as CSV text, header first (the field names of [`ExperimentRow`]).
fn to_csv(rows: &[ExperimentRow]) -> Result<(Vec<String>, Vec<csv::StringRecord>)> {
    let err = |e: csv::Error| Error::Other(format!("table: {e}"));
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in std::iter::once(&ExperimentRow::default()).chain(rows) {
        w.serialize(r).map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| Error::Other(format!("table: {e}")))?;
    let mut rd = csv::Reader::from_reader(bytes.as_slice());
    let header = rd
        .headers()
        .map_err(err)?
        .iter()
        .map(String::from)
        .collect();
    let records: Vec<csv::StringRecord> = rd
        .records()
        .skip(1)
        .collect::<std::result::Result<_, _>>()
        .map_err(err)?;
    Ok((header, records))
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
            let mut rd = csv::Reader::from_path(path).map_err(|e| csv_err(path, e))?;
            t.rows = rd
                .deserialize()
                .collect::<std::result::Result<_, _>>()
                .map_err(|e| csv_err(path, e))?;
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

    /// The column names (the CSV's header).
    pub fn columns() -> Vec<String> {
        to_csv(&[]).map(|(h, _)| h).unwrap_or_default()
    }

    /// Write the CSV atomically.
    pub fn save(&self) -> Result<()> {
        let path = self.path.as_ref().ok_or_else(|| {
            Error::invalid("table", "not tied to a file (use ExperimentTable::open)")
        })?;
        let (header, records) = to_csv(&self.rows)?;
        crate::fsx::write_atomic(path, |w| {
            let mut out = csv::Writer::from_writer(w);
            out.write_record(&header)?;
            for r in &records {
                out.write_record(r)?;
            }
            out.flush()
        })
    }

    /// HTML of the given columns (all when `None`); floats with 3 decimals, nulls blank.
    pub fn to_html(&self, columns: Option<&[&str]>) -> Html {
        let (header, records) = match to_csv(&self.rows) {
            Ok(t) => t,
            Err(e) => {
                return Html(format!(
                    "<p>table unavailable: {}</p>",
                    html_escape(&e.to_string())
                ))
            }
        };
        let names: Vec<String> = match columns {
            Some(c) => c.iter().map(|s| s.to_string()).collect(),
            None => header.clone(),
        };
        let mut h = String::from(TABLE_OPEN);
        if !self.title.is_empty() {
            h.push_str(&format!(
                "<caption style=\"font-weight:bold;padding:4px\">{}</caption>",
                html_escape(&self.title)
            ));
        }
        h.push_str("<thead><tr>");
        for n in &names {
            h.push_str(&format!("<th{TH}>{}</th>", html_escape(n)));
        }
        h.push_str("</tr></thead><tbody>");
        for r in &records {
            h.push_str("<tr>");
            for n in &names {
                let cell = header
                    .iter()
                    .position(|c| c == n)
                    .and_then(|i| r.get(i))
                    .map(fmt_cell)
                    .unwrap_or_default();
                h.push_str(&format!("<td{TD}>{}</td>", html_escape(&cell)));
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

/// A CSV field as a table cell: floats with 3 decimals (small ones in scientific notation),
/// `true` as "yes", `false` and missing values blank.
fn fmt_cell(field: &str) -> String {
    match field {
        "true" => "yes".into(),
        "false" | "" => String::new(),
        f if f.contains('.') || f.contains('e') => match f.parse::<f64>() {
            Ok(v) if v.abs() < 0.01 && v != 0.0 => format!("{v:.0e}"),
            Ok(v) => format!("{v:.3}"),
            Err(_) => f.to_string(),
        },
        other => other.to_string(),
    }
}

impl std::fmt::Display for ExperimentTable {
    /// The default columns as aligned text.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (header, records) = to_csv(&self.rows).map_err(|_| std::fmt::Error)?;
        let idx: Vec<usize> = DEFAULT_COLUMNS
            .iter()
            .filter_map(|c| header.iter().position(|h| h == c))
            .collect();
        let mut cells: Vec<Vec<String>> = vec![idx.iter().map(|&i| header[i].clone()).collect()];
        for r in &records {
            cells.push(
                idx.iter()
                    .map(|&i| fmt_cell(r.get(i).unwrap_or("")))
                    .collect(),
            );
        }
        let widths: Vec<usize> = (0..idx.len())
            .map(|j| cells.iter().map(|row| row[j].len()).max().unwrap_or(0))
            .collect();
        if !self.title.is_empty() {
            writeln!(f, "{}", self.title)?;
        }
        for row in &cells {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(c, w)| format!("{c:>w$}"))
                .collect();
            writeln!(f, "{}", line.join("  ").trim_end())?;
        }
        Ok(())
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

    /// A table as polars wrote it (copied from a quick-profile run of notebook 02): quoted empty
    /// strings, empty fields for missing floats, floats such as `0.0` and `2.0`. It loads, and
    /// saving it again changes no value.
    #[test]
    fn tables_written_by_polars_load_and_round_trip() {
        let polars_csv = "name,task,model,cut,adapter,weights,augment,optimizer,lr,batch_size,epochs,best_epoch,contrast,clahe,balance,class_weights,l2,dropout,seed,profile,threshold,threshold_policy,val_accuracy,val_loss,val_f2,val_f2_trivial,val_auc,test_accuracy,test_loss,test_f2,test_f2_trivial,test_auc,test_auc_lo,test_auc_hi,seconds\n\
SCRATCH_BM_V4,benign-malignant,scratch,\"\",\"\",-,rot90,rmsprop,0.001,32,10,10,,\"\",over,false,0.0,,42,quick,0.4543211758136749,f2@spec0.5,0.542910447761194,0.6723485802037681,0.5315471045808124,0.7794943820224719,0.5912233889940898,0.5148809523809523,0.6640778394586033,0.47318611987381703,0.7276119402985074,0.541778870545994,0.4705574528221404,0.6061092287419659,130.144166239\n\
SCRATCH_BM_V6,benign-malignant,scratch,\"\",\"\",-,rot90,rmsprop,0.001,32,10,10,2.0,\"\",over,false,0.0,,42,quick,0.36686238646507263,f2@spec0.5,0.6417910447761194,0.6235016340937365,0.7301980198019802,0.7794943820224719,0.7085556894474091,0.5684523809523809,0.6075520170765348,0.6871345029239766,0.7276119402985074,0.6626468407290326,0.6016067633267996,0.7249002826937225,127.502835422\n";
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("scratch_benign_malignant.csv");
        std::fs::write(&p, polars_csv).unwrap();
        let t = ExperimentTable::open(&p, "t").unwrap();
        assert_eq!(t.len(), 2);
        let (v4, v6) = (&t.rows[0], &t.rows[1]);
        assert_eq!((v4.cut.as_str(), v4.weights.as_str()), ("", "-"));
        assert!(v4.contrast.is_nan() && v4.dropout.is_nan());
        assert_eq!((v6.contrast, v6.l2, v6.lr, v6.seed), (2.0, 0.0, 0.001, 42));
        assert_eq!(v6.test_auc, 0.6626468407290326);
        assert_eq!(v6.seconds, 127.502835422);
        assert!(!v6.class_weights);
        t.save().unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        // The same header, with the `data` column added at the end (empty for these rows).
        assert_eq!(
            text.lines().next().map(String::from),
            polars_csv.lines().next().map(|h| format!("{h},data")),
            "same header"
        );
        // Every value as polars wrote it; only the quotes of empty text differ.
        let with_data: String = polars_csv.lines().map(|l| format!("{l},\n")).collect();
        assert_eq!(
            text.replace("\"\"", ""),
            with_data.replacen(",\n", ",data\n", 1).replace("\"\"", "")
        );
        // And what mammo writes reads back to the same file.
        ExperimentTable::open(&p, "t").unwrap().save().unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), text);
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
