//! Grad-CAM: where in the patch did the model look? The gradient of the predicted class's score
//! with respect to the last convolutional feature maps, averaged over space, weights those maps;
//! their positive sum, upsampled to the patch, is the heat map (Selvaraju et al., 2017).
use crate::data::dataset::{PairedSet, SIDE};
use crate::data::tasks::Sample;
use crate::display::{to_display, Window};
use crate::error::{Error, Result};
use crate::train::Classifier;
use ndarray::Array2;
use tch::{Kind, Tensor};

/// A heat map in [0, 1], 150x150, with the prediction it explains.
#[derive(Debug, Clone)]
pub struct Cam {
    pub heat: Array2<f32>,
    pub row: usize,
    pub label: u8,
    /// Probability of class 1 (binary) or of the predicted class (4-class).
    pub probability: f64,
    pub predicted: u8,
}

/// Grad-CAM of one sample for the class the model predicts.
pub fn grad_cam(model: &Classifier, set: &PairedSet, sample: Sample) -> Result<Cam> {
    grad_cam_at(model, set, sample, 0.5)
}

/// [`grad_cam`] with the run's decision threshold (binary tasks: predicted positive when
/// p >= threshold), so that "correct" and "wrong" agree with the run's confusion matrix.
pub fn grad_cam_at(
    model: &Classifier,
    set: &PairedSet,
    sample: Sample,
    threshold: f64,
) -> Result<Cam> {
    let b = crate::data::batch::make_batch(set, &[sample], model.task.is_pair(), model.device)?;
    let maps = model.net.cam_maps(&b.x)?.detach().set_requires_grad(true);
    let logits = model.net.logits_from_maps(&maps, b.baseline.as_ref())?;
    let binary = model.task.n_classes() == 2;
    let (score, predicted, probability) = if binary {
        let z = logits.squeeze();
        let p = z.sigmoid().double_value(&[]);
        let pred = u8::from(p >= threshold);
        // For class 0 the evidence is the negative logit.
        (
            if pred == 1 {
                z.shallow_clone()
            } else {
                -z.shallow_clone()
            },
            pred,
            p,
        )
    } else {
        let pr = logits.softmax(1, Kind::Float);
        let c = pr.argmax(1, false).int64_value(&[0]);
        (logits.get(0).get(c), c as u8, pr.double_value(&[0, c]))
    };
    let grads = Tensor::f_run_backward(&[score], &[&maps], false, false)?;
    let g = grads
        .into_iter()
        .next()
        .ok_or_else(|| Error::Other("no gradient".into()))?;
    let w = g.mean_dim([2i64, 3].as_slice(), true, Kind::Float);
    let cam = (w * maps.detach())
        .sum_dim_intlist([1i64].as_slice(), true, Kind::Float)
        .relu();
    let up = cam
        .upsample_bilinear2d([SIDE as i64, SIDE as i64], false, None, None)
        .view([-1]);
    let mx = up.max().double_value(&[]);
    let up = if mx > 0.0 { up / mx } else { up };
    let v = crate::tensor::tensor_to_vec_f32(&up)?;
    let heat = Array2::from_shape_vec((SIDE, SIDE), v).map_err(|e| Error::Other(e.to_string()))?;
    Ok(Cam {
        heat,
        row: sample.row,
        label: sample.label,
        probability,
        predicted,
    })
}

/// The jet colour map.
pub(crate) fn jet(t: f32) -> [f32; 3] {
    let t = t.clamp(0.0, 1.0);
    let r = (1.5 - (4.0 * t - 3.0).abs()).clamp(0.0, 1.0);
    let g = (1.5 - (4.0 * t - 2.0).abs()).clamp(0.0, 1.0);
    let b = (1.5 - (4.0 * t - 1.0).abs()).clamp(0.0, 1.0);
    [r, g, b]
}

/// The patch in gray with the heat map blended over it (RGB, 8-bit).
pub fn overlay(set: &PairedSet, cam: &Cam, alpha: f32) -> Vec<u8> {
    let gray = to_display(set.image(cam.row), Window::Auto);
    let mut out = Vec::with_capacity(gray.len() * 3);
    for (i, &g) in gray.iter().enumerate() {
        let h = cam.heat.as_slice().map(|s| s[i]).unwrap_or(0.0);
        let c = jet(h);
        let a = alpha * h.sqrt();
        for ch in c {
            out.push(
                ((1.0 - a) * g as f32 + a * 255.0 * ch)
                    .round()
                    .clamp(0.0, 255.0) as u8,
            );
        }
    }
    out
}

/// Pick, for each class, one correctly and one wrongly predicted sample (when there is one),
/// using the given predictions (probability of class 1 per sample, binary tasks).
pub fn pick_examples(samples: &[Sample], probs: &[f64], threshold: f64) -> Vec<Sample> {
    let mut out = Vec::new();
    for class in 0..2u8 {
        for want_correct in [true, false] {
            if let Some((s, _)) = samples
                .iter()
                .zip(probs)
                .filter(|(s, &p)| {
                    s.label == class && ((u8::from(p >= threshold) == class) == want_correct)
                })
                .max_by(|a, b| (a.1 - 0.5).abs().total_cmp(&(b.1 - 0.5).abs()))
            {
                out.push(*s);
            }
        }
    }
    out
}

/// [`pick_examples`] for `k` classes: `probs` holds each sample's `k` class probabilities in a
/// row; for each class, its most confident correct prediction and the most confident wrong
/// prediction of one of its samples (arg-max decisions), when there is one.
pub fn pick_examples_multi(samples: &[Sample], probs: &[f64], k: usize) -> Vec<Sample> {
    let rows: Vec<&[f64]> = probs.chunks(k.max(1)).collect();
    let argmax = |r: &[f64]| {
        r.iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .map_or(0, |(i, _)| i as u8)
    };
    let mut out = Vec::new();
    for class in 0..k as u8 {
        for want_correct in [true, false] {
            if let Some((s, _)) = samples
                .iter()
                .zip(&rows)
                .filter(|(s, r)| s.label == class && ((argmax(r) == class) == want_correct))
                .max_by(|a, b| {
                    let top = |r: &[f64]| r.iter().copied().fold(f64::MIN, f64::max);
                    top(a.1).total_cmp(&top(b.1))
                })
            {
                out.push(*s);
            }
        }
    }
    out
}

/// A PNG of the patch (gray) and its Grad-CAM overlay side by side (300x150).
pub fn side_by_side_png(set: &PairedSet, cam: &Cam) -> Result<crate::display::PngImage> {
    let gray = to_display(set.image(cam.row), Window::Auto);
    let over = overlay(set, cam, 0.6);
    let mut px = Vec::with_capacity(SIDE * SIDE * 6);
    for y in 0..SIDE {
        for x in 0..SIDE {
            let g = gray[y * SIDE + x];
            px.extend_from_slice(&[g, g, g]);
        }
        px.extend_from_slice(&over[y * SIDE * 3..(y + 1) * SIDE * 3]);
    }
    crate::display::encode_rgb_png(2 * SIDE as u32, SIDE as u32, &px)
}
