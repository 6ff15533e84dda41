//! Charts as SVG figures (plotters' SVG backend; no system fonts needed).
use crate::display::Figure;
use crate::error::{Error, Result};
use plotters::prelude::*;

/// Colours used for series, in order.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

pub(crate) fn perr<E: std::fmt::Display>(e: E) -> Error {
    Error::Other(format!("plotting failed: {e}"))
}

/// A named series of (x, y) points.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
    /// Dashed line (e.g. validation curves).
    pub dashed: bool,
}

impl Series {
    pub fn new(name: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Series {
            name: name.into(),
            points,
            dashed: false,
        }
    }
    pub fn dashed(mut self) -> Self {
        self.dashed = true;
        self
    }
}

fn padded_range(vals: impl Iterator<Item = f64>, pad_frac: f64) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in vals.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * pad_frac;
    (lo - pad, hi + pad)
}

/// A line chart of several series. `y_range` fixes the y axis (e.g. `Some((0.0, 1.0))`).
pub fn line_chart(
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    y_range: Option<(f64, f64)>,
) -> Result<Figure> {
    let (w, h) = (640u32, 400u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let (x0, x1) = padded_range(
            series.iter().flat_map(|s| s.points.iter().map(|p| p.0)),
            0.02,
        );
        let (y0, y1) = y_range.unwrap_or_else(|| {
            padded_range(
                series.iter().flat_map(|s| s.points.iter().map(|p| p.1)),
                0.05,
            )
        });
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(perr)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc(y_label)
            .light_line_style(RGBColor(235, 235, 235))
            .draw()
            .map_err(perr)?;
        for (i, s) in series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let style = color.stroke_width(2);
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .copied()
                .filter(|p| p.0.is_finite() && p.1.is_finite())
                .collect();
            let anno = if s.dashed {
                chart
                    .draw_series(DashedLineSeries::new(pts, 6, 4, style))
                    .map_err(perr)?
            } else {
                chart
                    .draw_series(LineSeries::new(pts, style))
                    .map_err(perr)?
            };
            anno.label(s.name.clone()).legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
            });
        }
        if series.iter().any(|s| !s.name.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::LowerRight)
                .draw()
                .map_err(perr)?;
        }
        root.present().map_err(perr)?;
    }
    Ok(Figure::new(svg, w, h))
}

/// A bar chart: one bar per category; `groups` holds one vector of values per group (bars of a
/// category are drawn side by side, one colour per group).
pub fn bar_chart(
    title: &str,
    categories: &[String],
    groups: &[(String, Vec<f64>)],
    y_label: &str,
) -> Result<Figure> {
    let (w, h) = (640u32, 400u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let ymax = groups
            .iter()
            .flat_map(|g| g.1.iter().copied())
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.15;
        let n = categories.len().max(1);
        let ng = groups.len().max(1);
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(0f64..n as f64, 0f64..ymax)
            .map_err(perr)?;
        let cats = categories.to_vec();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n + 1)
            .x_label_formatter(&|x| {
                let i = (x - 0.5).round();
                if (x - 0.5 - i).abs() < 1e-6 && i >= 0.0 {
                    cats.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_desc(y_label)
            .draw()
            .map_err(perr)?;
        let bw = 0.8 / ng as f64;
        for (gi, (gname, vals)) in groups.iter().enumerate() {
            let color = PALETTE[gi % PALETTE.len()];
            let anno = chart
                .draw_series(vals.iter().enumerate().map(|(i, &v)| {
                    let x0 = i as f64 + 0.1 + gi as f64 * bw;
                    Rectangle::new([(x0, 0.0), (x0 + bw * 0.95, v)], color.filled())
                }))
                .map_err(perr)?;
            if !gname.is_empty() {
                anno.label(gname.clone()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
            }
            chart
                .draw_series(vals.iter().enumerate().map(|(i, &v)| {
                    let x = i as f64 + 0.1 + gi as f64 * bw + bw * 0.45;
                    Text::new(
                        format!("{v}"),
                        (x - 0.05 * bw.max(0.2), v + ymax * 0.01),
                        ("sans-serif", 12),
                    )
                }))
                .map_err(perr)?;
        }
        if groups.iter().any(|g| !g.0.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .position(SeriesLabelPosition::UpperRight)
                .draw()
                .map_err(perr)?;
        }
        root.present().map_err(perr)?;
    }
    Ok(Figure::new(svg, w, h))
}

/// A histogram of values already binned: `edges` has `counts.len() + 1` entries.
pub fn histogram_chart(
    title: &str,
    x_label: &str,
    edges: &[f64],
    counts: &[(String, Vec<f64>)],
) -> Result<Figure> {
    let (w, h) = (640u32, 400u32);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(perr)?;
        let x0 = edges.first().copied().unwrap_or(0.0);
        let x1 = edges.last().copied().unwrap_or(1.0).max(x0 + 1e-9);
        let ymax = counts
            .iter()
            .flat_map(|c| c.1.iter().copied())
            .fold(0.0f64, f64::max)
            .max(1e-9)
            * 1.1;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 20))
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0f64..ymax)
            .map_err(perr)?;
        chart
            .configure_mesh()
            .x_desc(x_label)
            .y_desc("count")
            .draw()
            .map_err(perr)?;
        for (gi, (name, vals)) in counts.iter().enumerate() {
            let color = PALETTE[gi % PALETTE.len()];
            let anno = chart
                .draw_series(
                    vals.iter()
                        .enumerate()
                        .filter_map(|(i, &v)| Some((*edges.get(i)?, *edges.get(i + 1)?, v)))
                        .map(|(a, b, v)| {
                            Rectangle::new([(a, 0.0), (b, v)], color.mix(0.55).filled())
                        }),
                )
                .map_err(perr)?;
            if !name.is_empty() {
                anno.label(name.clone()).legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled())
                });
            }
        }
        if counts.iter().any(|c| !c.0.is_empty()) {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.85))
                .border_style(BLACK)
                .draw()
                .map_err(perr)?;
        }
        root.present().map_err(perr)?;
    }
    Ok(Figure::new(svg, w, h))
}

/// Training curves of a history: loss and accuracy, train (solid) vs validation (dashed), side by
/// side in one figure.
pub fn training_curves(title: &str, h: &crate::train::History) -> Result<Figure> {
    let ep = |f: fn(&crate::train::EpochStats) -> f64| -> Vec<(f64, f64)> {
        h.epochs.iter().map(|e| (e.epoch as f64, f(e))).collect()
    };
    let loss = line_chart(
        &format!("{title}: loss"),
        "epoch",
        "loss",
        &[
            Series::new("train", ep(|e| e.train_loss)),
            Series::new("validation", ep(|e| e.val_loss)).dashed(),
        ],
        None,
    )?;
    let acc = line_chart(
        &format!("{title}: accuracy"),
        "epoch",
        "accuracy",
        &[
            Series::new("train", ep(|e| e.train_accuracy)),
            Series::new("validation", ep(|e| e.val_accuracy)).dashed(),
        ],
        Some((0.0, 1.0)),
    )?;
    Ok(side_by_side(&[loss, acc]))
}

/// Place figures next to each other in one SVG.
pub fn side_by_side(figs: &[Figure]) -> Figure {
    let w: u32 = figs.iter().map(|f| f.width).sum();
    let h: u32 = figs.iter().map(|f| f.height).max().unwrap_or(0);
    let mut svg = format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n");
    let mut x = 0;
    for f in figs {
        // Nest each figure as an inner <svg> placed at its offset.
        let inner = f.svg.trim_start_matches(|c| c != '<');
        let inner = inner
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .unwrap_or(inner)
            .trim_start();
        let inner = inner.replacen("<svg ", &format!("<svg x=\"{x}\" y=\"0\" "), 1);
        svg.push_str(&inner);
        svg.push('\n');
        x += f.width;
    }
    svg.push_str("</svg>\n");
    Figure::new(svg, w, h)
}

/// A confusion-matrix heatmap with counts (rows: true class, columns: predicted).
pub fn confusion_matrix_chart(
    title: &str,
    cm: &[Vec<usize>],
    class_names: &[impl AsRef<str>],
) -> Result<Figure> {
    let k = cm.len().max(1);
    let cell = if k <= 2 { 110u32 } else { 80 };
    let (left, top) = (150u32, 70u32);
    let (w, h) = (left + cell * k as u32 + 30, top + cell * k as u32 + 50);
    let max = cm.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" font-family=\"sans-serif\" font-size=\"16\" text-anchor=\"middle\">{}</text>\n\
         <text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"13\" text-anchor=\"middle\">predicted</text>\n\
         <text x=\"14\" y=\"{}\" font-family=\"sans-serif\" font-size=\"13\" text-anchor=\"middle\" transform=\"rotate(-90 14 {})\">true</text>\n",
        w / 2,
        crate::display::html_escape(title),
        left + cell * k as u32 / 2,
        top - 28,
        top + cell * k as u32 / 2,
        top + cell * k as u32 / 2
    );
    for (j, name) in class_names.iter().enumerate().take(k) {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
            left + cell * j as u32 + cell / 2,
            top - 8,
            crate::display::html_escape(name.as_ref())
        ));
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"end\">{}</text>\n",
            left - 8,
            top + cell * j as u32 + cell / 2 + 4,
            crate::display::html_escape(name.as_ref())
        ));
    }
    for (i, row) in cm.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            let t = v as f64 / max;
            let (r, g, b) = (
                (247.0 - t * (247.0 - 8.0)) as u8,
                (251.0 - t * (251.0 - 48.0)) as u8,
                (255.0 - t * (255.0 - 107.0)) as u8,
            );
            let fg = if t > 0.5 { "white" } else { "black" };
            let (x, y) = (left + cell * j as u32, top + cell * i as u32);
            svg.push_str(&format!(
                "<rect x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{cell}\" fill=\"rgb({r},{g},{b})\" stroke=\"#888\"/>\n\
                 <text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"20\" fill=\"{fg}\" text-anchor=\"middle\">{v}</text>\n",
                x + cell / 2,
                y + cell / 2 + 7
            ));
        }
    }
    svg.push_str("</svg>\n");
    Ok(Figure::new(svg, w, h))
}

/// ROC curves of several models on one chart, with their AUC in the legend and the chance line.
pub fn roc_chart(title: &str, curves: &[(String, Vec<f64>, Vec<f64>, f64)]) -> Result<Figure> {
    let mut series: Vec<Series> = curves
        .iter()
        .map(|(name, fpr, tpr, auc)| {
            Series::new(
                format!("{name} (AUC {auc:.3})"),
                fpr.iter().copied().zip(tpr.iter().copied()).collect(),
            )
        })
        .collect();
    series.push(Series::new("chance", vec![(0.0, 0.0), (1.0, 1.0)]).dashed());
    line_chart(
        title,
        "false positive rate",
        "true positive rate",
        &series,
        Some((0.0, 1.0)),
    )
}
