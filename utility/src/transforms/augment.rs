//! Seeded data augmentation on batches of patches (`[B, 1, H, W]` float tensors, any device):
//! horizontal and vertical flips, 90-degree rotations, and rotation by a random angle with
//! reflect fill. Training only: evaluation never augments (except test-time augmentation, which
//! averages over fixed transforms).
use crate::error::{Error, Result};
use crate::rng::SeededRng;
use rand::Rng;
use tch::{Kind, Tensor};

/// Which transforms to apply; each is drawn independently per image.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Augment {
    /// Horizontal flip with probability 1/2.
    pub hflip: bool,
    /// Vertical flip with probability 1/2.
    pub vflip: bool,
    /// Rotation by 0, 90, 180 or 270 degrees, uniformly.
    pub rot90: bool,
    /// Rotation by a uniform random angle in [-deg, deg], reflect fill, bilinear.
    pub rotate_deg: Option<f64>,
}

impl Augment {
    pub const NAMES: &'static str =
        "flip (= hflip), hflip, vflip, rot90, rotate[:DEGREES] (default 180), none";

    /// Parse a comma-separated list such as `flip,rot90` or `rotate:20`.
    pub fn parse(s: &str) -> Result<Augment> {
        let mut a = Augment::default();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, arg) = match part.split_once(':') {
                Some((n, v)) => (n.trim(), Some(v.trim())),
                None => (part, None),
            };
            match (name.to_ascii_lowercase().as_str(), arg) {
                ("none", None) => {}
                ("flip" | "hflip", None) => a.hflip = true,
                ("vflip", None) => a.vflip = true,
                ("rot90", None) => a.rot90 = true,
                ("rotate" | "rotation", None) => a.rotate_deg = Some(180.0),
                ("rotate" | "rotation", Some(v)) => {
                    let d: f64 = v.parse().map_err(|_| {
                        Error::invalid(
                            "augment",
                            format!("'{part}': the angle must be a number of degrees"),
                        )
                    })?;
                    if !(d.is_finite() && d > 0.0 && d <= 180.0) {
                        return crate::error::invalid(
                            "augment",
                            format!("'{part}': the angle must be in (0, 180]"),
                        );
                    }
                    a.rotate_deg = Some(d);
                }
                _ => {
                    return crate::error::invalid(
                        "augment",
                        format!(
                            "unknown augmentation '{part}' in '{s}': expected {}",
                            Self::NAMES
                        ),
                    )
                }
            }
        }
        Ok(a)
    }

    pub fn is_none(&self) -> bool {
        !self.hflip && !self.vflip && !self.rot90 && self.rotate_deg.is_none()
    }

    /// The list form, as accepted by [`Augment::parse`].
    pub fn spec(&self) -> String {
        let mut v = Vec::new();
        if self.hflip {
            v.push("flip".to_string());
        }
        if self.vflip {
            v.push("vflip".to_string());
        }
        if self.rot90 {
            v.push("rot90".to_string());
        }
        if let Some(d) = self.rotate_deg {
            v.push(format!("rotate:{d}"));
        }
        if v.is_empty() {
            "none".into()
        } else {
            v.join(",")
        }
    }

    /// Draw the transform parameters of one image.
    pub fn draw(&self, rng: &mut SeededRng) -> Draw {
        Draw {
            hflip: self.hflip && rng.gen_bool(0.5),
            vflip: self.vflip && rng.gen_bool(0.5),
            k90: if self.rot90 { rng.gen_range(0..4) } else { 0 },
            angle_deg: self
                .rotate_deg
                .map(|d| rng.gen_range(-d..=d))
                .unwrap_or(0.0),
        }
    }

    /// Augment a batch `[B, C, H, W]`, each image with its own random draw.
    pub fn apply(&self, x: &Tensor, rng: &mut SeededRng) -> Result<Tensor> {
        if self.is_none() {
            return Ok(x.shallow_clone());
        }
        let b = x.size().first().copied().unwrap_or(0);
        let draws: Vec<Draw> = (0..b).map(|_| self.draw(rng)).collect();
        apply_draws(x, &draws)
    }

    /// Augment a batch of pairs. With `same`, both images of a pair get the same transform.
    pub fn apply_pair(
        &self,
        a: &Tensor,
        b: &Tensor,
        same: bool,
        rng: &mut SeededRng,
    ) -> Result<(Tensor, Tensor)> {
        if self.is_none() {
            return Ok((a.shallow_clone(), b.shallow_clone()));
        }
        let n = a.size().first().copied().unwrap_or(0);
        let da: Vec<Draw> = (0..n).map(|_| self.draw(rng)).collect();
        let db: Vec<Draw> = if same {
            da.clone()
        } else {
            (0..n).map(|_| self.draw(rng)).collect()
        };
        Ok((apply_draws(a, &da)?, apply_draws(b, &db)?))
    }
}

/// The random choices for one image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Draw {
    pub hflip: bool,
    pub vflip: bool,
    pub k90: i64,
    pub angle_deg: f64,
}

/// Rotate a batch `[B, C, H, W]` by per-image angles (degrees, counter-clockwise), bilinear,
/// with reflect fill at the borders.
pub fn rotate(x: &Tensor, angles_deg: &[f64]) -> Result<Tensor> {
    let b = angles_deg.len() as i64;
    let mut theta = Vec::with_capacity(angles_deg.len() * 6);
    for &a in angles_deg {
        let r = a.to_radians();
        let (s, c) = (r.sin() as f32, r.cos() as f32);
        theta.extend_from_slice(&[c, -s, 0.0, s, c, 0.0]);
    }
    let theta = Tensor::from_slice(&theta)
        .view([b, 2, 3])
        .to_device(x.device())
        .to_kind(x.kind());
    let grid = Tensor::f_affine_grid_generator(&theta, x.size(), false)?;
    // interpolation 0 = bilinear, padding 2 = reflection.
    Ok(x.f_grid_sampler(&grid, 0, 2, false)?)
}

fn apply_draws(x: &Tensor, draws: &[Draw]) -> Result<Tensor> {
    let dims = x.size();
    if dims.len() != 4 || dims[0] as usize != draws.len() {
        return crate::error::invalid(
            "augment",
            format!(
                "expected a [B, C, H, W] batch of {} images, got {:?}",
                draws.len(),
                dims
            ),
        );
    }
    let mut imgs = Vec::with_capacity(draws.len());
    for (i, d) in draws.iter().enumerate() {
        let mut img = x.narrow(0, i as i64, 1);
        if d.hflip {
            img = img.flip([3]);
        }
        if d.vflip {
            img = img.flip([2]);
        }
        if d.k90 != 0 {
            img = img.rot90(d.k90, [2, 3]);
        }
        imgs.push(img);
    }
    let mut out = Tensor::cat(&imgs, 0);
    if draws.iter().any(|d| d.angle_deg != 0.0) {
        let angles: Vec<f64> = draws.iter().map(|d| d.angle_deg).collect();
        out = rotate(&out, &angles)?;
    }
    if out.kind() != x.kind() {
        out = out.to_kind(Kind::Float);
    }
    Ok(out.contiguous())
}
