//! How a run shows itself: training curves, confusion matrices, ROC, the text report, the
//! notebook display and what it was trained on.
use super::*;

impl Run {
    /// Training curves (loss and accuracy, train vs validation).
    pub fn curves(&self) -> Result<Figure> {
        let h = self
            .history
            .as_ref()
            .ok_or_else(|| Error::invalid("run", "no history saved"))?;
        crate::report::plot::training_curves(&self.config.name, h)
    }

    pub(super) fn set(&self, set: &str) -> Result<&SetMetrics> {
        match set {
            "validation" => Ok(&self.metrics.validation),
            "test" => self
                .metrics
                .test
                .as_ref()
                .ok_or_else(|| Error::invalid("set", "this run has no test set")),
            o => crate::error::invalid("set", format!("'{o}': expected validation or test")),
        }
    }

    /// Confusion matrix of `validation` or `test` at the validation-chosen threshold.
    pub fn confusion(&self, set: &str) -> Result<Figure> {
        let m = self.set(set)?;
        let thr = m
            .threshold
            .map(|t| format!(", threshold {t:.3}"))
            .unwrap_or_default();
        crate::report::plot::confusion_matrix_chart(
            &format!("{} — {set}{thr}", self.config.name),
            &m.confusion_matrix,
            &self.config.data.class_names(),
        )
    }

    /// ROC curve (fpr, tpr) and AUC of a set (binary tasks).
    pub fn roc(&self, set: &str) -> Result<(Vec<f64>, Vec<f64>, f64)> {
        let (y, p) = self.predictions.of_set(set);
        let c = crate::metrics::roc_curve(&y, &p)?;
        Ok((c.fpr, c.tpr, crate::metrics::roc_auc(&y, &p)?))
    }

    /// Shown by evcxr when a run is a cell's value: its name, model and task, the metrics
    /// table with 95% intervals, the threshold policy and backbone weights, and the curves.
    pub fn evcxr_display(&self) {
        self.to_html().evcxr_display();
    }

    /// The run as HTML (what [`Run::evcxr_display`] shows).
    pub fn to_html(&self) -> crate::display::Html {
        use crate::display::html_escape;
        let mut h = format!(
            "<div><b>{}</b> ({} on {}, {:.0} s)",
            html_escape(&self.config.name),
            self.config.model.name(),
            self.config.data.task,
            self.seconds
        );
        h.push_str(&crate::report::notebook::metrics_table(&self.metrics));
        let mut notes = Vec::new();
        if self.config.data.task.n_classes() == 2 {
            let c = self.threshold_choice();
            notes.push(format!("threshold: {} ({})", c.name, c.note));
        }
        if self.config.model.is_pretrained() && self.members.is_empty() {
            notes.push(format!("backbone weights: {}", self.weights_label()));
        }
        for n in notes {
            h.push_str(&format!(
                "<p style=\"font-size:12px;margin:2px 0\">{}</p>",
                html_escape(&n)
            ));
        }
        if let Some(f) = self
            .history
            .as_ref()
            .and_then(|hist| crate::report::plot::training_curves(&self.config.name, hist).ok())
        {
            h.push_str(&f.svg);
        }
        h.push_str("</div>");
        crate::display::Html(h)
    }

    /// A short text report: validation and test metrics with 95% intervals.
    pub fn report(&self) -> String {
        let positive = self.config.data.positive_name();
        let f = |name: &str, m: &SetMetrics| set_line(name, m, &positive);
        let mut s = format!(
            "{} ({} on {}, {:.0} s)\n",
            self.config.name,
            self.config.model.name(),
            self.config.data.task,
            self.seconds
        );
        s.push_str(&f("validation", &self.metrics.validation));
        if let Some(t) = &self.metrics.test {
            s.push('\n');
            s.push_str(&f("test", t));
        }
        if self.config.data.task.n_classes() == 2 {
            let c = self.threshold_choice();
            s.push_str(&format!("\nthreshold: {} ({})", c.name, c.note));
        }
        if self.config.model.is_pretrained() && self.members.is_empty() {
            s.push_str(&format!("\nbackbone weights: {}", self.weights_label()));
        }
        if self.members.is_empty() {
            s.push_str(&format!("\ndata: {}", self.data_label()));
            if let Some(h) = self.held_out() {
                s.push_str(&format!("\ntest: {}", h.describe()));
            }
        }
        s
    }

    /// The test set held out of the training file, when the run's dataset has no test set
    /// (recorded by its data fingerprint: no test pairs), as [`crate::train::prepare`]
    /// held it out.
    pub fn held_out(&self) -> Option<crate::train::HeldOut> {
        let p = self.config.provenance.as_ref()?;
        if p.data.test_pairs > 0 || self.metrics.test.is_none() {
            return None;
        }
        let fraction = self.config.data.test_holdout;
        Some(crate::train::HeldOut {
            fraction,
            pairs: (fraction * p.data.train_pairs as f64).ceil() as usize,
            of_pairs: p.data.train_pairs,
            paired: p.data.classes.is_none(),
        })
    }

    /// What the run was trained on: its data folder and fingerprint (`data/synthetic
    /// sha256:0123456789ab (2676 + 336 pairs)`), or `... (fingerprint not recorded)` for a run
    /// saved before runs recorded it.
    pub fn data_label(&self) -> String {
        match &self.config.provenance {
            Some(p) => format!("{} {}", self.config.data.dir.display(), p.data.label()),
            None => format!(
                "{} (fingerprint not recorded)",
                self.config.data.dir.display()
            ),
        }
    }
}

impl Run {
    /// Slide this run's model over a whole mammogram (DICOM, grey PNG or TIFF) with the default
    /// windows ([`crate::eval::scan`]); `mammo scan` does the same from the command line.
    pub fn scan(&mut self, image: impl AsRef<std::path::Path>) -> Result<crate::eval::scan::Scan> {
        let img = crate::data::imaging::file::read_any(image.as_ref())?;
        let preprocess = self.config.data.preprocess;
        let model = self.load_model()?;
        crate::eval::scan::scan(
            model,
            &preprocess,
            &img,
            &crate::eval::scan::ScanOptions::default(),
            &mut |_, _| {},
        )
    }
}
