//! How results show themselves when they are a notebook cell's value: evcxr calls a value's
//! `evcxr_display` method. A run's metrics become a table with their 95% intervals, a history
//! its training curves, a comparison one line with its interval; `experiment::run::Run` puts the
//! metrics and the curves together.
use crate::display::{html_escape, Html};
use crate::eval::{RunMetrics, SetMetrics};
use crate::metrics::stats::Comparison;
use crate::report::plot::training_curves;
use crate::report::table::{TABLE_OPEN, TD, TH};
use crate::train::History;

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "n/a".into()
    }
}

fn with_ci(v: f64, ci: [f64; 2]) -> String {
    if ci.iter().all(|c| c.is_finite()) {
        format!("{} [{}, {}]", num(v), num(ci[0]), num(ci[1]))
    } else {
        num(v)
    }
}

fn set_row(name: &str, m: &SetMetrics) -> String {
    let f2 = match m.f2_trivial() {
        Some(t) => format!("{} (all positive: {})", with_ci(m.f2, m.ci.f2), num(t)),
        None => with_ci(m.f2, m.ci.f2),
    };
    let cells = [
        name.to_string(),
        m.n.to_string(),
        with_ci(m.accuracy, m.ci.accuracy),
        f2,
        with_ci(m.roc_auc, m.ci.roc_auc),
        num(m.loss),
        m.threshold.map_or("".into(), num),
    ];
    let tds: String = cells
        .iter()
        .map(|c| format!("<td{TD}>{}</td>", html_escape(c)))
        .collect();
    format!("<tr>{tds}</tr>")
}

/// The metrics of a run's sets as an HTML table (95% bootstrap intervals in brackets).
pub fn metrics_table(m: &RunMetrics) -> String {
    let multi = m.task.n_classes() > 2;
    let heads = [
        "set",
        "n",
        "accuracy",
        if multi { "macro F1" } else { "F2" },
        if multi {
            "ROC AUC (macro OvR)"
        } else {
            "ROC AUC"
        },
        "loss",
        "threshold",
    ];
    let ths: String = heads.iter().map(|h| format!("<th{TH}>{h}</th>")).collect();
    let mut h = format!("{TABLE_OPEN}<thead><tr>{ths}</tr></thead><tbody>");
    h.push_str(&set_row("validation", &m.validation));
    if let Some(t) = &m.test {
        h.push_str(&set_row("test", t));
    }
    h.push_str("</tbody></table>");
    h
}

/// One comparison as a line of HTML: the two values, the difference and its interval.
pub fn comparison_line(c: &Comparison) -> String {
    format!(
        "<p style=\"font-size:13px\"><b>{}</b></p>",
        html_escape(&c.to_string())
    )
}

impl RunMetrics {
    /// Shown by evcxr when a run's metrics are a cell's value.
    pub fn evcxr_display(&self) {
        Html(metrics_table(self)).evcxr_display();
    }
}

impl History {
    /// Shown by evcxr when a history is a cell's value: the training curves.
    pub fn evcxr_display(&self) {
        match training_curves("training", self) {
            Ok(f) => f.evcxr_display(),
            Err(e) => crate::display::notice(&format!("no curves: {e}")),
        }
    }
}

impl Comparison {
    /// Shown by evcxr when a comparison is a cell's value.
    pub fn evcxr_display(&self) {
        Html(comparison_line(self)).evcxr_display();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::Intervals;

    fn set(acc: f64, ci: [f64; 2]) -> SetMetrics {
        SetMetrics {
            n: 40,
            threshold: Some(0.5),
            accuracy: acc,
            precision: 0.5,
            recall: 0.5,
            f2: 0.5,
            roc_auc: f64::NAN,
            loss: 0.7,
            confusion_matrix: vec![vec![10, 10], vec![10, 10]],
            ci: Intervals {
                accuracy: ci,
                f2: [0.4, 0.6],
                roc_auc: [f64::NAN, f64::NAN],
            },
            note: None,
        }
    }

    #[test]
    fn the_metrics_table_shows_each_set_with_its_intervals() {
        let m = RunMetrics {
            task: crate::Task::MassCalc,
            validation: set(0.75, [0.6, 0.85]),
            test: Some(set(0.7, [0.55, 0.8])),
        };
        let h = metrics_table(&m);
        assert!(h.contains(">validation<") && h.contains(">test<"), "{h}");
        assert!(h.contains("0.750 [0.600, 0.850]"), "{h}");
        assert!(h.contains("0.700 [0.550, 0.800]"), "{h}");
        // The F2 of calling everything positive (prevalence 0.5 here: 5p/(4p+1) = 0.833).
        assert!(h.contains("(all positive: 0.833)"), "{h}");
        // An undefined AUC is said to be so, not printed as NaN.
        assert!(h.contains(">n/a<") && !h.contains("NaN"), "{h}");
        assert_eq!(h.matches("<tr>").count(), 3);
    }

    #[test]
    fn a_comparison_is_one_escaped_line() {
        let c = Comparison {
            a: "A<1>".into(),
            b: "B".into(),
            metric: "ROC AUC".into(),
            a_value: 0.8,
            b_value: 0.7,
            difference: 0.1,
            ci: [0.02, 0.18],
            p_value: 0.01,
            method: "paired bootstrap".into(),
        };
        let l = comparison_line(&c);
        assert!(l.contains("A&lt;1&gt;") && !l.contains("A<1>"), "{l}");
        assert!(l.contains(&html_escape(&c.to_string())));
    }
}
