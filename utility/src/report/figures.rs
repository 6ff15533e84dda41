//! Figures of patches and data: grids of images with captions, pixel histograms, label
//! distributions, before/after views and augmentation examples. Images are embedded as PNG in
//! an SVG figure, so one figure holds pictures and text and survives the HTML export.
use crate::data::dataset::SIDE;
use crate::data::dataset::{PairedSet, LABEL_NAMES};
use crate::display::{encode_gray_png, encode_rgb_png, html_escape, Figure};
use crate::error::Result;
use crate::eval::gradcam::{overlay, Cam};
use crate::report::plot::{bar_chart, histogram_chart};
use crate::transforms::augment::Augment;
use ndarray::{Array2, ArrayView2};
use rand::SeedableRng;

pub use crate::display::{to_display, Window};

/// One picture of a grid: 8-bit grayscale or RGB pixels and a caption.
#[derive(Debug, Clone)]
pub struct Tile {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
    pub rgb: bool,
    pub caption: String,
}

impl Tile {
    pub fn gray16(img: ArrayView2<u16>, window: Window, caption: impl Into<String>) -> Tile {
        let (h, w) = img.dim();
        Tile {
            width: w as u32,
            height: h as u32,
            pixels: to_display(img, window),
            rgb: false,
            caption: caption.into(),
        }
    }
    pub fn rgb(width: u32, height: u32, pixels: Vec<u8>, caption: impl Into<String>) -> Tile {
        Tile {
            width,
            height,
            pixels,
            rgb: true,
            caption: caption.into(),
        }
    }
}

/// A grid of tiles with captions, `cols` per row, each shown `cell` pixels wide.
pub fn image_grid(title: &str, tiles: &[Tile], cols: usize, cell: u32) -> Result<Figure> {
    let cols = cols.max(1);
    let rows = tiles.len().div_ceil(cols).max(1);
    let (pad, cap, head) = (8u32, 30u32, if title.is_empty() { 0 } else { 30u32 });
    let width = cols as u32 * (cell + pad) + pad;
    let height = head + rows as u32 * (cell + cap + pad) + pad;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    if !title.is_empty() {
        svg.push_str(&format!(
            "<text x=\"{}\" y=\"21\" font-family=\"sans-serif\" font-size=\"17\" text-anchor=\"middle\">{}</text>\n",
            width / 2,
            html_escape(title)
        ));
    }
    for (i, t) in tiles.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        let x = pad + c as u32 * (cell + pad);
        let y = head + pad + r as u32 * (cell + cap + pad);
        let png = if t.rgb {
            encode_rgb_png(t.width, t.height, &t.pixels)?
        } else {
            encode_gray_png(t.width, t.height, &t.pixels)?
        };
        let h = (cell as f64 * t.height as f64 / t.width.max(1) as f64).round() as u32;
        svg.push_str(&format!(
            "<image x=\"{x}\" y=\"{y}\" width=\"{cell}\" height=\"{h}\" style=\"image-rendering:pixelated\" href=\"{}\" xlink:href=\"{}\"/>\n",
            png.data_uri(),
            png.data_uri()
        ));
        for (li, line) in t.caption.lines().take(2).enumerate() {
            svg.push_str(&format!(
                "<text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"12\" text-anchor=\"middle\">{}</text>\n",
                x + cell / 2,
                y + h + 13 + 13 * li as u32,
                html_escape(line)
            ));
        }
    }
    svg.push_str("</svg>\n");
    Ok(Figure::new(svg, width, height))
}

/// The first `n` pairs of a set chosen so that every abnormality label appears (the files are
/// sorted by label, so the first pairs would all be one label): (baseline, abnormality) side by side.
pub fn pairs_grid(set: &PairedSet, n_pairs: usize) -> Result<Figure> {
    if !set.paired {
        return crate::error::invalid(
            "figure",
            format!(
                "{} holds labelled images, not (baseline, abnormality) pairs: show it with class_grid",
                set.images_path.display()
            ),
        );
    }
    let mut chosen = Vec::new();
    let per_label = n_pairs.div_ceil(4).max(1);
    for label in 1..=4u8 {
        let rows: Vec<usize> = (1..set.len())
            .step_by(2)
            .filter(|&r| set.labels[r] == label)
            .take(per_label)
            .collect();
        chosen.extend(rows);
    }
    chosen.truncate(n_pairs);
    let mut tiles = Vec::new();
    for &r in &chosen {
        tiles.push(Tile::gray16(
            set.image(r - 1),
            Window::Auto,
            format!("#{} baseline", r - 1),
        ));
        tiles.push(Tile::gray16(
            set.image(r),
            Window::Auto,
            format!("#{r} {}", LABEL_NAMES[set.labels[r] as usize]),
        ));
    }
    image_grid(
        "(baseline, abnormality) pairs; each patch stretched min..max",
        &tiles,
        4,
        150,
    )
}

/// The first `per_class` images of each class of a labelled-image dataset (`mammo import
/// folder`), one row per class, captioned with the class name and row.
pub fn class_grid(ds: &crate::data::dataset::Dataset, per_class: usize) -> Result<Figure> {
    let Some(classes) = &ds.classes else {
        return crate::error::invalid(
            "figure",
            format!(
                "{} holds (baseline, abnormality) pairs: show it with pairs_grid",
                ds.dir.display()
            ),
        );
    };
    let per_class = per_class.max(1);
    let mut tiles = Vec::new();
    for (label, name) in classes.iter().enumerate() {
        let rows = (0..ds.train.len())
            .filter(|&r| ds.train.labels[r] as usize == label)
            .take(per_class);
        for r in rows {
            tiles.push(Tile::gray16(
                ds.train.image(r),
                Window::Auto,
                format!("#{r} {name}"),
            ));
        }
    }
    image_grid(
        "training images by class; each stretched min..max",
        &tiles,
        per_class,
        150,
    )
}

/// Histogram of pixel values (fractions of 65535) of the given rows, baselines vs abnormalities.
pub fn pixel_histogram(set: &PairedSet, max_images: usize, bins: usize) -> Result<Figure> {
    let bins = bins.max(2);
    let rows: Vec<usize> = (0..set.len())
        .step_by((set.len() / max_images.max(1)).max(1))
        .collect();
    let (mut lo, mut hi) = (u16::MAX, 0u16);
    for &r in &rows {
        for &v in set.image(r).iter() {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    let (lo, hi) = (
        lo as f64 / 65535.0,
        (hi as f64 / 65535.0).max(lo as f64 / 65535.0 + 1e-6),
    );
    let edges: Vec<f64> = (0..=bins)
        .map(|i| lo + (hi - lo) * i as f64 / bins as f64)
        .collect();
    let mut counts = [vec![0f64; bins], vec![0f64; bins]];
    for &r in &rows {
        let which = r % 2;
        for &v in set.image(r).iter() {
            let x = v as f64 / 65535.0;
            let b = (((x - lo) / (hi - lo)) * bins as f64)
                .floor()
                .clamp(0.0, (bins - 1) as f64) as usize;
            counts[which][b] += 1.0;
        }
    }
    histogram_chart(
        &format!("pixel values ({} images)", rows.len()),
        "value / 65535",
        &edges,
        &[
            ("baseline".into(), counts[0].clone()),
            ("abnormality".into(), counts[1].clone()),
        ],
    )
}

/// Class counts before and after balancing, side by side.
pub fn balance_chart(
    title: &str,
    class_names: &[&str],
    before: &[usize],
    after: &[usize],
) -> Result<Figure> {
    let cats: Vec<String> = class_names.iter().map(|s| s.to_string()).collect();
    bar_chart(
        title,
        &cats,
        &[
            ("before".into(), before.iter().map(|&c| c as f64).collect()),
            ("after".into(), after.iter().map(|&c| c as f64).collect()),
        ],
        "patches",
    )
}

/// Counts of the five labels.
pub fn label_chart(title: &str, counts: &[usize]) -> Result<Figure> {
    let cats: Vec<String> = (0..counts.len()).map(|i| format!("{i}")).collect();
    bar_chart(
        title,
        &cats,
        &[(String::new(), counts.iter().map(|&c| c as f64).collect())],
        "images",
    )
}

/// Before/after views of images: pairs of (original, processed) with a caption each.
pub fn before_after(
    title: &str,
    items: &[(Array2<u16>, Array2<u16>, String)],
    window: Window,
) -> Result<Figure> {
    let mut tiles = Vec::new();
    for (a, b, cap) in items {
        tiles.push(Tile::gray16(a.view(), window, format!("{cap}\noriginal")));
        tiles.push(Tile::gray16(b.view(), window, format!("{cap}\nprocessed")));
    }
    image_grid(title, &tiles, 4, 150)
}

/// `n` random augmentations of one image (first tile: the original).
pub fn augmentation_examples(
    img: ArrayView2<u16>,
    aug: &Augment,
    n: usize,
    seed: u64,
) -> Result<Figure> {
    let (h, w) = img.dim();
    let x = tch::Tensor::from_slice(
        &img.iter()
            .map(|&v| v as f32 / 65535.0)
            .collect::<Vec<f32>>(),
    )
    .view([1, 1, h as i64, w as i64]);
    let mut rng = crate::rng::SeededRng::seed_from_u64(seed);
    let mut tiles = vec![Tile::gray16(img, Window::Auto, "original")];
    for i in 0..n {
        let y = aug.apply(&x, &mut rng)?;
        let v = crate::tensor::tensor_to_vec(&y)?;
        let arr = Array2::from_shape_vec(
            (h, w),
            v.iter()
                .map(|&f| (f * 65535.0).round().clamp(0.0, 65535.0) as u16)
                .collect(),
        )
        .map_err(|e| crate::Error::Other(e.to_string()))?;
        tiles.push(Tile::gray16(
            arr.view(),
            Window::Auto,
            format!("augmented #{}", i + 1),
        ));
    }
    image_grid(&format!("augmentation: {}", aug.spec()), &tiles, 4, 150)
}

/// Before/after views of a preprocessing on some rows of a set.
pub fn preprocess_examples(
    set: &PairedSet,
    rows: &[usize],
    pre: &crate::transforms::intensity::Preprocess,
    title: &str,
) -> Result<Figure> {
    let items: Vec<(Array2<u16>, Array2<u16>, String)> = rows
        .iter()
        .filter(|&&r| r < set.len())
        .map(|&r| {
            let img = set.image(r);
            (
                img.to_owned(),
                pre.apply(img),
                format!("#{r} {}", LABEL_NAMES[set.labels[r] as usize]),
            )
        })
        .collect();
    before_after(title, &items, Window::Fixed(0.0, 1.0))
}

/// Rows of the first abnormality of each label 1..=4 (handy examples; the files are sorted).
pub fn one_row_per_label(set: &PairedSet) -> Vec<usize> {
    (1..=4u8)
        .filter_map(|l| (1..set.len()).step_by(2).find(|&r| set.labels[r] == l))
        .collect()
}

/// A figure of Grad-CAM overlays: original patch and overlay for each sample.
pub fn cam_figure(
    title: &str,
    set: &PairedSet,
    cams: &[Cam],
    class_names: &[impl AsRef<str>],
) -> Result<Figure> {
    let mut tiles = Vec::new();
    for c in cams {
        let name = |k: u8| class_names.get(k as usize).map_or("?", |n| n.as_ref());
        let verdict = if c.label == c.predicted {
            "correct"
        } else {
            "wrong"
        };
        tiles.push(Tile::gray16(
            set.image(c.row),
            Window::Auto,
            format!("#{} true {}", c.row, name(c.label)),
        ));
        tiles.push(Tile::rgb(
            SIDE as u32,
            SIDE as u32,
            overlay(set, c, 0.6),
            format!(
                "pred {} ({verdict})\np = {:.2}",
                name(c.predicted),
                c.probability
            ),
        ));
    }
    image_grid(title, &tiles, 4, 150)
}
