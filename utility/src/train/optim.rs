//! Optimizers whose state can be saved and restored (so an interrupted run resumes to the same
//! result): Adam, RMSprop and SGD with PyTorch's update rules (Keras' epsilon 1e-7), over the
//! trainable variables of a `VarStore`, in name order.
use crate::error::{Error, Result};
use crate::train::config::OptimizerKind;
use tch::{nn, Tensor};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const RMS_ALPHA: f64 = 0.9;
const EPS: f64 = 1e-7;

/// An optimizer over the trainable variables of a model.
#[derive(Debug)]
pub struct Optimizer {
    kind: OptimizerKind,
    lr: f64,
    /// (name, variable) of every trainable variable, sorted by name.
    params: Vec<(String, Tensor)>,
    /// Adam: first moments; RMSprop: running mean of squared gradients; SGD: unused.
    m: Vec<Tensor>,
    /// Adam: second moments.
    v: Vec<Tensor>,
    step: i64,
}

impl Optimizer {
    pub fn new(kind: OptimizerKind, lr: f64, vs: &nn::VarStore) -> Optimizer {
        let mut params: Vec<(String, Tensor)> = vs
            .variables()
            .into_iter()
            .filter(|(_, t)| t.requires_grad())
            .collect();
        params.sort_by(|a, b| a.0.cmp(&b.0));
        let zeros = |ps: &[(String, Tensor)]| ps.iter().map(|(_, t)| t.zeros_like()).collect();
        let m = match kind {
            OptimizerKind::Sgd => Vec::new(),
            _ => zeros(&params),
        };
        let v = match kind {
            OptimizerKind::Adam => zeros(&params),
            _ => Vec::new(),
        };
        Optimizer {
            kind,
            lr,
            params,
            m,
            v,
            step: 0,
        }
    }

    /// Number of steps taken.
    pub fn steps(&self) -> i64 {
        self.step
    }

    /// Backpropagate `loss` and update the variables. The gradients are computed for the
    /// trainable variables directly (as `torch.autograd.grad` does), so nothing is zeroed or
    /// accumulated into `.grad` (what PyTorch's `zero_grad(set_to_none=True)` saves), and the
    /// updates are in place (no temporary copy of a weight per operation).
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<()> {
        let grads = self.gradients(loss)?;
        self.apply(&grads);
        Ok(())
    }

    /// The gradients of `loss` with respect to the trainable variables, in the optimizer's
    /// order (undefined for a variable `loss` does not depend on). Nothing is updated.
    pub fn gradients(&self, loss: &Tensor) -> Result<Vec<Tensor>> {
        let vars: Vec<&Tensor> = self.params.iter().map(|(_, p)| p).collect();
        Tensor::f_run_backward(&[loss], &vars, false, false)
            .map_err(|e| Error::Other(format!("backward pass failed: {e}")))
    }

    /// Add the gradients of `loss` into `acc` (gradient accumulation over micro-batches):
    /// the first call fills it, later calls add in place.
    pub fn accumulate(&self, loss: &Tensor, acc: &mut Vec<Tensor>) -> Result<()> {
        let grads = self.gradients(loss)?;
        if acc.is_empty() {
            *acc = grads;
            return Ok(());
        }
        let _g = tch::no_grad_guard();
        for (a, g) in acc.iter_mut().zip(grads) {
            if !g.defined() {
                continue;
            }
            if a.defined() {
                let _ = a.g_add_(&g);
            } else {
                *a = g;
            }
        }
        Ok(())
    }

    /// One update with gradients computed elsewhere ([`Optimizer::gradients`] or
    /// [`Optimizer::accumulate`]), in the optimizer's variable order.
    pub fn step_with(&mut self, grads: &[Tensor]) -> Result<()> {
        if grads.len() != self.params.len() {
            return crate::error::invalid(
                "optimizer",
                format!(
                    "{} gradients for {} variables",
                    grads.len(),
                    self.params.len()
                ),
            );
        }
        self.apply(grads);
        Ok(())
    }

    fn apply(&mut self, grads: &[Tensor]) {
        let _g = tch::no_grad_guard();
        self.step += 1;
        let t = self.step as f64;
        let bc1 = 1.0 - BETA1.powf(t);
        let bc2 = 1.0 - BETA2.powf(t);
        for (i, ((_, p), g)) in self.params.iter_mut().zip(grads).enumerate() {
            if !g.defined() {
                continue;
            }
            // PyTorch's single-tensor rules; tch's addcmul_/addcdiv_ take no scale, so the
            // scales go into one temporary each (two per weight and step at most).
            match self.kind {
                OptimizerKind::Adam => {
                    // m = lerp(m, g, 1 - b1); v = b2 v + (1 - b2) g^2;
                    // p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps).
                    let (m, v) = (&mut self.m[i], &mut self.v[i]);
                    let _ = m.lerp_(g, 1.0 - BETA1);
                    let _ = v.g_mul_scalar_(BETA2).addcmul_(&(g * (1.0 - BETA2)), g);
                    let mut denom = v.sqrt();
                    let _ = denom
                        .g_div_scalar_(bc2.sqrt())
                        .g_add_scalar_(EPS)
                        .g_div_scalar_(-self.lr / bc1);
                    let _ = p.addcdiv_(&*m, &denom);
                }
                OptimizerKind::RmsProp => {
                    // sq = a sq + (1 - a) g^2; p -= lr g / (sqrt(sq) + eps).
                    let sq = &mut self.m[i];
                    let _ = sq
                        .g_mul_scalar_(RMS_ALPHA)
                        .addcmul_(&(g * (1.0 - RMS_ALPHA)), g);
                    let mut denom = sq.sqrt();
                    let _ = denom.g_add_scalar_(EPS).g_div_scalar_(-self.lr);
                    let _ = p.addcdiv_(g, &denom);
                }
                OptimizerKind::Sgd => {
                    let _ = p.g_add_(&(g * -self.lr));
                }
            }
        }
    }

    /// The state as named tensors (prefix `opt/`), for a checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("opt/step".to_string(), Tensor::from_slice(&[self.step]))];
        for (i, (n, _)) in self.params.iter().enumerate() {
            if let Some(m) = self.m.get(i) {
                out.push((format!("opt/m/{n}"), m.shallow_clone()));
            }
            if let Some(v) = self.v.get(i) {
                out.push((format!("opt/v/{n}"), v.shallow_clone()));
            }
        }
        out
    }

    /// Restore the state saved by [`Optimizer::state`]; names what is missing or mis-shaped.
    pub fn restore(
        &mut self,
        file: &std::collections::HashMap<String, Tensor>,
        path: &std::path::Path,
    ) -> Result<()> {
        let get = |name: String, like: &Tensor| -> Result<Tensor> {
            match file.get(&name) {
                Some(t) if t.size() == like.size() => Ok(t.to_device(like.device())),
                Some(t) => Err(Error::bad_file(
                    path,
                    format!("{name}: shape {:?}, expected {:?}", t.size(), like.size()),
                )),
                None => Err(Error::bad_file(
                    path,
                    format!("optimizer state {name} missing (was the run trained with another optimizer?)"),
                )),
            }
        };
        let step = file
            .get("opt/step")
            .ok_or_else(|| Error::bad_file(path, "optimizer step count missing"))?;
        let step = step
            .f_int64_value(&[0])
            .map_err(|e| Error::bad_file(path, format!("optimizer step count: {e}")))?;
        let _g = tch::no_grad_guard();
        for i in 0..self.params.len() {
            let n = self.params[i].0.clone();
            if i < self.m.len() {
                let t = get(format!("opt/m/{n}"), &self.m[i])?;
                self.m[i].copy_(&t);
            }
            if i < self.v.len() {
                let t = get(format!("opt/v/{n}"), &self.v[i])?;
                self.v[i].copy_(&t);
            }
        }
        self.step = step;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    /// One Adam step on f(w) = sum(w^2)/2 (gradient w) against PyTorch's formula by hand:
    /// m = 0.1 g, v = 0.001 g^2, update = lr * (m / 0.1) / (sqrt(v / 0.001) + eps) = lr * g/(|g|+eps).
    #[test]
    fn adam_first_step_moves_each_weight_by_lr() {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs
            .root()
            .var_copy("w", &Tensor::from_slice(&[1.0f32, -2.0, 0.5]));
        let mut opt = Optimizer::new(OptimizerKind::Adam, 0.01, &vs);
        let loss = (&w * &w).sum(Kind::Float) / 2.0;
        opt.backward_step(&loss).unwrap();
        let got: Vec<f32> = Vec::try_from(&w).unwrap();
        let want = [1.0 - 0.01, -2.0 + 0.01, 0.5 - 0.01];
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-6, "{got:?} vs {want:?}");
        }
        assert_eq!(opt.steps(), 1);
    }

    #[test]
    fn rmsprop_and_sgd_follow_their_rules() {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().var_copy("w", &Tensor::from_slice(&[2.0f32]));
        let mut opt = Optimizer::new(OptimizerKind::Sgd, 0.1, &vs);
        opt.backward_step(&((&w * &w).sum(Kind::Float) / 2.0))
            .unwrap();
        assert!((w.double_value(&[0]) - 1.8).abs() < 1e-6);
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().var_copy("w", &Tensor::from_slice(&[2.0f32]));
        let mut opt = Optimizer::new(OptimizerKind::RmsProp, 0.1, &vs);
        opt.backward_step(&((&w * &w).sum(Kind::Float) / 2.0))
            .unwrap();
        // sq = 0.1 * 4 = 0.4; update = 0.1 * 2 / (sqrt(0.4) + 1e-7)
        let want = 2.0 - 0.1 * 2.0 / (0.4f64.sqrt() + 1e-7);
        assert!((w.double_value(&[0]) - want).abs() < 1e-6);
    }

    /// Saving the state after k steps and restoring it into a fresh optimizer continues exactly.
    #[test]
    fn restored_state_continues_exactly() {
        let run = |split: Option<usize>| -> Vec<f32> {
            let vs = nn::VarStore::new(Device::Cpu);
            let w = vs
                .root()
                .var_copy("w", &Tensor::from_slice(&[1.0f32, -3.0, 0.25]));
            let mut opt = Optimizer::new(OptimizerKind::Adam, 0.05, &vs);
            for k in 0..6 {
                if split == Some(k) {
                    let state: std::collections::HashMap<String, Tensor> = opt
                        .state()
                        .into_iter()
                        .map(|(n, t)| (n, t.copy()))
                        .collect();
                    opt = Optimizer::new(OptimizerKind::Adam, 0.05, &vs);
                    opt.restore(&state, std::path::Path::new("mem")).unwrap();
                }
                let loss = (&w * &w * &w * &w).sum(Kind::Float);
                opt.backward_step(&loss).unwrap();
            }
            Vec::try_from(&w).unwrap()
        };
        assert_eq!(run(None), run(Some(3)));
        // Another optimizer's state does not fit, and says so.
        let vs = nn::VarStore::new(Device::Cpu);
        let _w = vs.root().var_copy("w", &Tensor::from_slice(&[1.0f32]));
        let rms: std::collections::HashMap<String, Tensor> =
            Optimizer::new(OptimizerKind::RmsProp, 0.1, &vs)
                .state()
                .into_iter()
                .collect();
        let err = Optimizer::new(OptimizerKind::Adam, 0.1, &vs)
            .restore(&rms, std::path::Path::new("ckpt"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("opt/v/w") && err.contains("ckpt"), "{err}");
    }

    /// Every weight after every step equals torch.optim's (Adam eps 1e-7, RMSprop alpha 0.9,
    /// SGD) on the same loss, from tests/fixtures/optim/cases.json
    /// (scripts/fixtures/make_optim_fixtures.py), to float32 rounding.
    #[test]
    fn matches_torch_optim() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/optim/cases.json"
        );
        let j: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let f =
            |v: &serde_json::Value| -> f32 { v.as_str().unwrap().parse::<f64>().unwrap() as f32 };
        let c = Tensor::from_slice(&[1.0f32, 2.0, 3.0, 4.0]).view([2, 2]);
        let cases = j["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 3);
        for case in cases {
            let name = case["optimizer"].as_str().unwrap();
            let kind = OptimizerKind::parse(name).unwrap();
            let lr: f64 = case["lr"].as_str().unwrap().parse().unwrap();
            let vs = nn::VarStore::new(Device::Cpu);
            let a = vs
                .root()
                .var_copy("a", &Tensor::from_slice(&[1.0f32, -2.0, 0.5]));
            let b = vs.root().var_copy(
                "b",
                &Tensor::from_slice(&[0.3f32, -0.7, 1.5, -0.1]).view([2, 2]),
            );
            let mut opt = Optimizer::new(kind, lr, &vs);
            for (k, step) in case["steps"].as_array().unwrap().iter().enumerate() {
                let loss =
                    (&a * &a * &a * &a).sum(Kind::Float) / 4.0 + (&c * &b * &b).sum(Kind::Float);
                opt.backward_step(&loss).unwrap();
                for (t, key) in [(&a, "a"), (&b, "b")] {
                    let got: Vec<f32> = Vec::try_from(&t.flatten(0, -1)).unwrap();
                    let want: Vec<f32> = step[key].as_array().unwrap().iter().map(f).collect();
                    for (g, w) in got.iter().zip(&want) {
                        assert!(
                            (g - w).abs() <= 2e-6 * w.abs().max(1.0),
                            "{name} step {}: {key} = {got:?}, torch.optim {want:?}",
                            k + 1
                        );
                    }
                }
            }
        }
    }
}
