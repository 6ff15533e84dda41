//! Throughput measurements (`mammo bench`, `make bench`): the scratch CNN's training step
//! (forward, backward, Adam) and inference on random batches, in images per second.
use crate::error::Result;
use crate::models::{ScratchCnn, ScratchConfig};
use std::time::Instant;
use tch::{nn, nn::OptimizerConfig, Device, Kind, Tensor};

/// Result of a throughput measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Throughput {
    pub implementation: String,
    pub device: String,
    pub batch_size: i64,
    pub train_images_per_s: f64,
    pub infer_images_per_s: f64,
    pub threads: i32,
}

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

/// Measure the seed's scratch CNN on `device`.
pub fn scratch_throughput(device: Device, batch_size: i64, steps: usize) -> Result<Throughput> {
    if batch_size < 1 || steps < 1 {
        return crate::error::invalid("bench", "batch size and steps must be at least 1");
    }
    tch::manual_seed(0);
    let vs = nn::VarStore::new(device);
    let m = ScratchCnn::new(&vs.root(), &ScratchConfig::default())?;
    let mut opt = nn::Adam {
        eps: 1e-7,
        ..Default::default()
    }
    .build(&vs, 1e-3)?;
    let x = Tensor::rand([batch_size, 1, 150, 150], (Kind::Float, device));
    let y = Tensor::rand([batch_size], (Kind::Float, device))
        .ge(0.5)
        .to_kind(Kind::Float);
    let mut step = || {
        let loss = m
            .forward_t(&x, true)
            .squeeze_dim(1)
            .binary_cross_entropy_with_logits::<Tensor>(&y, None, None, tch::Reduction::Mean);
        opt.backward_step(&loss);
    };
    for _ in 0..5 {
        step();
    }
    sync(device);
    let t = Instant::now();
    for _ in 0..steps {
        step();
    }
    sync(device);
    let train = (batch_size as usize * steps) as f64 / t.elapsed().as_secs_f64();
    let _g = tch::no_grad_guard();
    for _ in 0..3 {
        let _ = m.forward_t(&x, false);
    }
    sync(device);
    let t = Instant::now();
    for _ in 0..steps {
        let _ = m.forward_t(&x, false);
    }
    sync(device);
    let infer = (batch_size as usize * steps) as f64 / t.elapsed().as_secs_f64();
    Ok(Throughput {
        implementation: "mammo".into(),
        device: format!("{device:?}"),
        batch_size,
        train_images_per_s: (train * 10.0).round() / 10.0,
        infer_images_per_s: (infer * 10.0).round() / 10.0,
        threads: tch::get_num_threads(),
    })
}
