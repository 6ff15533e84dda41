//! Optimizers whose state can be saved and restored (so an interrupted run resumes to the same
//! result): Adam, RMSprop and SGD with PyTorch's update rules (Keras' epsilon 1e-7), over the
//! trainable variables of a `VarStore`, in name order.
use crate::config::OptimizerKind;
use crate::error::{Error, Result};
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

    /// Zero the gradients, backpropagate `loss`, and update the variables.
    pub fn backward_step(&mut self, loss: &Tensor) {
        for (_, p) in self.params.iter_mut() {
            p.zero_grad();
        }
        loss.backward();
        self.apply();
    }

    fn apply(&mut self) {
        let _g = tch::no_grad_guard();
        self.step += 1;
        let t = self.step as f64;
        for (i, (_, p)) in self.params.iter_mut().enumerate() {
            let g = p.grad();
            if !g.defined() {
                continue;
            }
            match self.kind {
                OptimizerKind::Adam => {
                    // In place where it costs nothing: the moments and the weights are
                    // updated without allocating a copy of each.
                    let (m, v) = (&mut self.m[i], &mut self.v[i]);
                    *m *= BETA1;
                    *m += &g * (1.0 - BETA1);
                    *v *= BETA2;
                    *v += &g * &g * (1.0 - BETA2);
                    let bc1 = 1.0 - BETA1.powf(t);
                    let bc2 = 1.0 - BETA2.powf(t);
                    let denom = v.sqrt() / bc2.sqrt() + EPS;
                    *p -= &*m / denom * (self.lr / bc1);
                }
                OptimizerKind::RmsProp => {
                    let sq = &mut self.m[i];
                    *sq *= RMS_ALPHA;
                    *sq += &g * &g * (1.0 - RMS_ALPHA);
                    *p -= &g / (sq.sqrt() + EPS) * self.lr;
                }
                OptimizerKind::Sgd => {
                    *p -= &g * self.lr;
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
        opt.backward_step(&loss);
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
        opt.backward_step(&((&w * &w).sum(Kind::Float) / 2.0));
        assert!((w.double_value(&[0]) - 1.8).abs() < 1e-6);
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().var_copy("w", &Tensor::from_slice(&[2.0f32]));
        let mut opt = Optimizer::new(OptimizerKind::RmsProp, 0.1, &vs);
        opt.backward_step(&((&w * &w).sum(Kind::Float) / 2.0));
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
                opt.backward_step(&loss);
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
}
