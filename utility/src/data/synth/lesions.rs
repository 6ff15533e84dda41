//! How the synthetic generator draws lesions and tissue specks into a patch: masses (round,
//! lobulated or spiculated, benign or malignant look, faint and mixed hard cases), calcification
//! clusters, and the specks of speckled tissue (docs/SYNTHETIC.md, "What it models").
use super::Patient;
use crate::data::dataset::SIDE;
use crate::rng::SeededRng;
use ndarray::Array2;
use rand::Rng;

fn smoothstep(e0: f64, e1: f64, x: f64) -> f64 {
    let t = ((x - e0) / (e1 - e0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

/// Distance from point p to segment a-b.
fn seg_dist(p: (f64, f64), a: (f64, f64), b: (f64, f64)) -> (f64, f64) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let l2 = dx * dx + dy * dy;
    let t = if l2 > 0.0 {
        (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / l2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a.0 + t * dx, a.1 + t * dy);
    (((p.0 - qx).powi(2) + (p.1 - qy).powi(2)).sqrt(), t)
}

/// A point within `jitter` px of the patch's centre in each direction (x drawn first, then y).
pub(super) fn near_centre(rng: &mut SeededRng, jitter: f64) -> (f64, f64) {
    let c = SIDE as f64 / 2.0;
    let x = c + rng.gen_range(-jitter..jitter);
    (x, c + rng.gen_range(-jitter..jitter))
}

/// A spicule: from a point on the margin, to its tip, with a width.
type Spicule = ((f64, f64), (f64, f64), f64);

/// Add a mass. `malignant_look` selects the irregular, ill-defined, spiculated appearance.
pub(super) fn add_mass(
    img: &mut Array2<f64>,
    rng: &mut SeededRng,
    malignant_look: bool,
    scale: f64,
    patient: &Patient,
    hard: Hard,
) {
    let (cx, cy) = near_centre(rng, 8.0);
    let r0 = (rng.gen_range(16.0..34.0) * scale).clamp(6.0, 70.0);
    let contrast = patient.sd
        * match hard {
            Hard::Faint => rng.gen_range(0.3..0.7),
            Hard::Mixed => rng.gen_range(0.5..1.0),
            Hard::No => rng.gen_range(1.1..2.0),
        };
    // Radial shape: ellipticity (k = 2) for all; higher harmonics for irregular margins.
    let ecc = rng.gen_range(0.0..0.25);
    let phi2 = rng.gen_range(0.0..std::f64::consts::TAU);
    let harmonics: Vec<(f64, f64, f64)> = if malignant_look {
        (3..9)
            .map(|k| {
                (
                    k as f64,
                    rng.gen_range(0.02..0.09),
                    rng.gen_range(0.0..std::f64::consts::TAU),
                )
            })
            .collect()
    } else {
        (3..5)
            .map(|k| {
                (
                    k as f64,
                    rng.gen_range(0.0..0.02),
                    rng.gen_range(0.0..std::f64::consts::TAU),
                )
            })
            .collect()
    };
    // (k, amplitude, cos p, sin p), k ascending from 3.
    let harmonics: Vec<(f64, f64, f64, f64)> = harmonics
        .into_iter()
        .map(|(k, a, p)| (k, a, p.cos(), p.sin()))
        .collect();
    let (cos2p, sin2p) = ((2.0 * phi2).cos(), (2.0 * phi2).sin());
    let edge = if malignant_look {
        rng.gen_range(2.5..6.0)
    } else {
        rng.gen_range(0.8..2.0)
    };
    let spicules: Vec<Spicule> = if malignant_look {
        let n = rng.gen_range(6..16);
        (0..n)
            .map(|_| {
                let th: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
                let len = r0 * rng.gen_range(0.5..1.4);
                let a = (cx + 0.8 * r0 * th.cos(), cy + 0.8 * r0 * th.sin());
                let b = (cx + (r0 + len) * th.cos(), cy + (r0 + len) * th.sin());
                (a, b, rng.gen_range(0.7..1.6))
            })
            .collect()
    } else {
        Vec::new()
    };
    let reach = r0 * 2.6 + 8.0;
    let (x0, x1) = (
        (cx - reach).max(0.0) as usize,
        ((cx + reach) as usize).min(SIDE - 1),
    );
    let (y0, y1) = (
        (cy - reach).max(0.0) as usize,
        ((cy + reach) as usize).min(SIDE - 1),
    );
    // Beyond `r_max` the body contributes exactly 0 (smoothstep saturates at 1), and a pixel
    // outside a spicule's box is farther than 3w from it: both are skipped without changing a
    // single output value.
    let r_max = r0 * (1.0 + ecc + harmonics.iter().map(|h| h.1).sum::<f64>()) + edge + 1e-6;
    let boxes: Vec<(f64, f64, f64, f64)> = spicules
        .iter()
        .map(|&(a, b, w)| {
            (
                a.0.min(b.0) - 3.0 * w,
                a.0.max(b.0) + 3.0 * w,
                a.1.min(b.1) - 3.0 * w,
                a.1.max(b.1) + 3.0 * w,
            )
        })
        .collect();
    for y in y0..=y1 {
        for x in x0..=x1 {
            let (dx, dy) = (x as f64 - cx, y as f64 - cy);
            let d = (dx * dx + dy * dy).sqrt();
            let (xf, yf) = (x as f64, y as f64);
            let near_spicule =
                |bx: &(f64, f64, f64, f64)| xf >= bx.0 && xf <= bx.1 && yf >= bx.2 && yf <= bx.3;
            if d >= r_max && !boxes.iter().any(near_spicule) {
                continue;
            }
            // cos/sin of the polar angle and its multiples by the Chebyshev recurrence (no
            // atan2/cos per pixel: this loop dominates the generator's time).
            let (c1, s1) = if d > 0.0 {
                (dx / d, dy / d)
            } else {
                (1.0, 0.0)
            };
            let (c2, s2) = (c1 * c1 - s1 * s1, 2.0 * s1 * c1);
            let mut rt = r0 * (1.0 + ecc * (c2 * cos2p + s2 * sin2p));
            let (mut ck, mut sk) = (c2 * c1 - s2 * s1, s2 * c1 + c2 * s1); // k = 3
            let mut k = 3.0;
            for &(hk, a, cp, sp) in &harmonics {
                while k < hk {
                    (ck, sk) = (ck * c1 - sk * s1, sk * c1 + ck * s1);
                    k += 1.0;
                }
                // cos(k th + p)
                rt += r0 * a * (ck * cp - sk * sp);
            }
            let mut v = contrast * (1.0 - smoothstep(rt - edge, rt + edge, d));
            for (&(a, b, w), bx) in spicules.iter().zip(&boxes) {
                if !near_spicule(bx) {
                    continue;
                }
                let (sd, t) = seg_dist((xf, yf), a, b);
                if sd < 3.0 * w {
                    v = v.max(contrast * 0.75 * (1.0 - t) * (-(sd * sd) / (2.0 * w * w)).exp());
                }
            }
            img[[y, x]] += v;
        }
    }
    if hard == Hard::Mixed {
        // A few coarse calcifications inside the mass body.
        let n = rng.gen_range(2..6);
        let b = patient.sd * rng.gen_range(2.0..3.5);
        for _ in 0..n {
            let a: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            let r = 0.8 * r0 * rng.gen::<f64>().sqrt();
            let rad = rng.gen_range(1.6..3.5) * scale.sqrt();
            add_speck(img, (cx + r * a.cos(), cy + r * a.sin()), rad, 1.0, 0.0, b);
        }
    }
}

/// A hard case for mass vs calcification (see [`SynthConfig::hard_cases`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hard {
    No,
    /// Mass: body 0.3-0.7 of the tissue's sd (a normal mass: 1.1-2.0); calcifications: 1-4
    /// specks at 0.5-1.0 sd (a normal cluster: 2.5-4.5).
    Faint,
    /// Mass: a body of 0.5-1.0 sd with 2-5 coarse calcifications inside; calcifications: on a
    /// density of 0.5-1.0 sd. The two look alike on purpose, as real ones can.
    Mixed,
}

/// One bright speck (a calcification) of radius `r`, elongated by `aspect` along angle `o`.
pub(super) fn add_speck(img: &mut Array2<f64>, p: (f64, f64), r: f64, aspect: f64, o: f64, b: f64) {
    let (px, py) = p;
    let reach = (r * aspect * 2.5 + 2.0) as isize;
    let (co, so) = (o.cos(), o.sin());
    for y in (py as isize - reach).max(0)..=(py as isize + reach).min(SIDE as isize - 1) {
        for x in (px as isize - reach).max(0)..=(px as isize + reach).min(SIDE as isize - 1) {
            let (dx, dy) = (x as f64 - px, y as f64 - py);
            let u = (dx * co + dy * so) / aspect;
            let w = -dx * so + dy * co;
            let d = (u * u + w * w).sqrt();
            let v = b * (1.0 - smoothstep(r - 0.6, r + 0.6, d));
            let cell = &mut img[[y as usize, x as usize]];
            *cell = cell.max(*cell + v);
        }
    }
}

/// Scattered specks over the whole patch: the tissue of a speckled patient.
pub(super) fn add_scattered_specks(img: &mut Array2<f64>, rng: &mut SeededRng, patient: &Patient) {
    let n = rng.gen_range(4..12);
    for _ in 0..n {
        let p = (rng.gen_range(4.0..146.0), rng.gen_range(4.0..146.0));
        add_tissue_speck(img, rng, p, 2.0, patient);
    }
}

/// One speck of the tissue at `p`: radius 1.2-3 px, elongated up to `max_aspect`, 2-3.5 times
/// the tissue's sd brighter.
fn add_tissue_speck(
    img: &mut Array2<f64>,
    rng: &mut SeededRng,
    p: (f64, f64),
    max_aspect: f64,
    patient: &Patient,
) {
    let r = rng.gen_range(1.2..3.0);
    let aspect = rng.gen_range(1.0..max_aspect);
    let o = rng.gen_range(0.0..std::f64::consts::PI);
    let b = patient.sd * rng.gen_range(2.0..3.5);
    add_speck(img, p, r, aspect, o, b);
}

/// A small cluster of tissue specks (benign clustered calcifications) around `c`: 3-8 specks,
/// as bright as the scattered ones, within 6-16 px.
pub(super) fn add_tissue_cluster(
    img: &mut Array2<f64>,
    rng: &mut SeededRng,
    c: (f64, f64),
    patient: &Patient,
) {
    let n = rng.gen_range(3..9);
    let spread = rng.gen_range(6.0..16.0);
    for _ in 0..n {
        let a: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
        let r = spread * rng.gen::<f64>().sqrt();
        add_tissue_speck(
            img,
            rng,
            (c.0 + r * a.cos(), c.1 + r * a.sin()),
            1.5,
            patient,
        );
    }
}

/// An asymmetry in place of a mass ([`super::SynthConfig::asymmetries`]): a density without a
/// margin, a Gaussian of sd 45-75 px centred within 15 px of the patch's centre, 0.5-1.0 of the
/// tissue's sd at its peak. It raises the patch's mean by about 0.25-0.75 sd, where patients'
/// mean densities differ by about 0.4-0.6 sd (mean 0.55-0.65, sd 0.045-0.080), and its slope
/// across the patch is no steeper than the texture's own (a 1/f^3.2 field has most of its power
/// at the lowest frequencies): a single patch hardly shows it, the same patient's baseline does.
pub(super) fn add_asymmetry(img: &mut Array2<f64>, rng: &mut SeededRng, patient: &Patient) {
    let (cx, cy) = near_centre(rng, 15.0);
    let s = rng.gen_range(45.0..75.0);
    let peak = patient.sd * rng.gen_range(0.5..1.0);
    for ((y, x), v) in img.indexed_iter_mut() {
        let d2 = (x as f64 - cx).powi(2) + (y as f64 - cy).powi(2);
        *v += peak * (-d2 / (2.0 * s * s)).exp();
    }
}

/// Add a calcification cluster. `malignant_look`: many, fine, pleomorphic, clustered or linear.
pub(super) fn add_calcifications(
    img: &mut Array2<f64>,
    rng: &mut SeededRng,
    malignant_look: bool,
    scale: f64,
    patient: &Patient,
    hard: Hard,
) {
    let (cx, cy) = near_centre(rng, 10.0);
    let spread = (rng.gen_range(12.0..32.0) * scale).clamp(5.0, 60.0);
    if hard == Hard::Mixed {
        // The cluster lies on a faint density, as if on a mass.
        let r0 = spread * rng.gen_range(0.8..1.3);
        let c = patient.sd * rng.gen_range(0.5..1.0);
        let edge = rng.gen_range(2.0..5.0);
        let reach = (r0 + edge + 2.0) as isize;
        for y in (cy as isize - reach).max(0)..=(cy as isize + reach).min(SIDE as isize - 1) {
            for x in (cx as isize - reach).max(0)..=(cx as isize + reach).min(SIDE as isize - 1) {
                let d = ((x as f64 - cx).powi(2) + (y as f64 - cy).powi(2)).sqrt();
                img[[y as usize, x as usize]] += c * (1.0 - smoothstep(r0 - edge, r0 + edge, d));
            }
        }
    }
    let (n, rad) = if malignant_look {
        (
            rng.gen_range(10..32),
            (0.6 * scale.sqrt(), 1.6 * scale.sqrt()),
        )
    } else {
        (
            rng.gen_range(2..8),
            (2.0 * scale.sqrt(), 4.5 * scale.sqrt()),
        )
    };
    let linear = malignant_look && rng.gen_bool(0.5);
    let dir: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
    let (brightness, n) = if hard == Hard::Faint {
        (
            patient.sd * rng.gen_range(0.5..1.0),
            n.min(rng.gen_range(1..5)),
        )
    } else {
        (patient.sd * rng.gen_range(2.5..4.5), n)
    };
    for _ in 0..n {
        let (px, py) = if linear {
            let t = rng.gen_range(-1.0..1.0) * spread;
            let j = rng.gen_range(-0.15..0.15) * spread;
            (
                cx + t * dir.cos() - j * dir.sin(),
                cy + t * dir.sin() + j * dir.cos(),
            )
        } else {
            let a: f64 = rng.gen_range(0.0..std::f64::consts::TAU);
            let r = spread * rng.gen::<f64>().sqrt();
            (cx + r * a.cos(), cy + r * a.sin())
        };
        let r = rng.gen_range(rad.0..rad.1).max(0.5);
        // Pleomorphic: elongated, randomly oriented; benign: round.
        let aspect = if malignant_look {
            rng.gen_range(1.0..3.0)
        } else {
            rng.gen_range(1.0..1.3)
        };
        let o: f64 = rng.gen_range(0.0..std::f64::consts::PI);
        let b = brightness * rng.gen_range(0.7..1.2);
        add_speck(img, (px, py), r, aspect, o, b);
    }
}
