//! Measurements behind `mammo bench` and `make bench` (docs/PERFORMANCE.md): the scratch CNN's
//! training step (forward, backward, Adam) and inference, VGG16 feature extraction, the data
//! path (load, normalise, augment, batch), `.npy` loading, the machine's GEMM rate and the
//! training FLOPs per image. Each returns a record printed as one JSON line.
use crate::data::tasks::Task;
use crate::error::Result;
use crate::models::backbones::{Backbone, BackboneKind, Cut};
use crate::models::ScratchConfig;
use crate::runtime::precision::{Compute, Precision};
use crate::runtime::profile::Profile;
use crate::train::config::{ModelKind, OptimizerKind, TrainConfig};
use crate::train::optim::Optimizer;
use crate::train::{train_batch, Classifier};
use std::path::Path;
use std::time::Instant;
use tch::{Device, Kind, Tensor};

/// Result of a throughput measurement.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Throughput {
    pub bench: String,
    pub implementation: String,
    pub device: String,
    pub batch_size: i64,
    pub channels_last: bool,
    pub precision: String,
    /// Rows per forward/backward pass (0: the whole batch).
    #[serde(default)]
    pub micro_batch: usize,
    pub train_images_per_s: f64,
    pub infer_images_per_s: f64,
    pub threads: i32,
    /// Floating-point operations (2 x multiply-adds) per image of the measured pass, where known:
    /// a frozen backbone's features (inference); with the roofline's GEMM rate it says how close
    /// the backbone runs to the machine's float32 limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gflop_per_image: Option<f64>,
}

fn sync(device: Device) {
    if let Device::Cuda(i) = device {
        tch::Cuda::synchronize(i as i64);
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn check(batch_size: i64, steps: usize) -> Result<()> {
    if batch_size < 1 || steps < 1 {
        return crate::error::invalid("bench", "batch size and steps must be at least 1");
    }
    Ok(())
}

/// Images per second of `f` run `steps` times on `batch_size` images, after 3 warm-up calls;
/// the first error `f` returns stops the measurement.
fn rate(
    device: Device,
    batch_size: i64,
    steps: usize,
    mut f: impl FnMut() -> Result<()>,
) -> Result<f64> {
    for _ in 0..3 {
        f()?;
    }
    sync(device);
    let t = Instant::now();
    for _ in 0..steps {
        f()?;
    }
    sync(device);
    Ok((batch_size as usize * steps) as f64 / t.elapsed().as_secs_f64())
}

/// The seed's scratch CNN on `device`: one training step (forward, backward, mammo's Adam, as
/// `mammo train` runs it, in micro-batches of `micro_batch` rows if not 0) and no-grad
/// inference on random 150x150 batches, in the given layout and precision.
pub fn scratch_throughput(
    device: Device,
    batch_size: i64,
    steps: usize,
    compute: Compute,
    micro_batch: usize,
) -> Result<Throughput> {
    check(batch_size, steps)?;
    let mut cfg = TrainConfig::new(Task::MassCalc, ModelKind::Scratch, Profile::Full);
    cfg.runtime.seed = 0;
    cfg.runtime.channels_last = compute.channels_last;
    cfg.runtime.precision = Some(compute.precision);
    cfg.runtime.micro_batch = Some(micro_batch);
    let model = Classifier::build(&cfg, device)?;
    let mut opt = Optimizer::new(OptimizerKind::Adam, 1e-3, &model.vs);
    let x = Tensor::rand([batch_size, 1, 150, 150], (Kind::Float, device));
    let y = Tensor::rand([batch_size], (Kind::Float, device))
        .ge(0.5)
        .to_kind(Kind::Int64);
    let train = rate(device, batch_size, steps, || {
        train_batch(&model, &mut opt, &cfg, &x, None, &y, None).map(|_| ())
    })?;
    let infer = {
        let _g = tch::no_grad_guard();
        rate(device, batch_size, steps, || {
            model.logits(&x, None, false).map(|_| ())
        })?
    };
    Ok(Throughput {
        bench: "scratch".into(),
        implementation: "mammo".into(),
        device: format!("{device:?}"),
        batch_size,
        channels_last: compute.channels_last,
        precision: compute.precision.name().into(),
        micro_batch,
        train_images_per_s: round1(train),
        infer_images_per_s: round1(infer),
        threads: tch::get_num_threads(),
        gflop_per_image: None,
    })
}

/// VGG16 feature extraction (frozen, cut at the top, random weights: the speed does not depend
/// on them) on 150x150 patches, no-grad, float32, images per second.
pub fn vgg16_inference(device: Device, batch_size: i64, steps: usize) -> Result<Throughput> {
    backbone_inference(
        BackboneKind::Vgg16,
        device,
        batch_size,
        steps,
        Precision::Fp32,
    )
}

/// Feature extraction of a frozen backbone (cut at the top, random weights: the speed does not
/// depend on them) in `precision` on 150x150 patches, no-grad, images per second; the row
/// carries the backbone's GFLOP per image (`vgg16-features`: 13.231, `inception-v3-features`:
/// 2.133).
pub fn backbone_inference(
    kind: BackboneKind,
    device: Device,
    batch_size: i64,
    steps: usize,
    precision: Precision,
) -> Result<Throughput> {
    check(batch_size, steps)?;
    tch::manual_seed(0);
    let mut b = Backbone::new(kind, Cut::Top, device)?;
    b.set_precision(precision)?;
    let x = Tensor::rand([batch_size, 1, 150, 150], (Kind::Float, device));
    let _g = tch::no_grad_guard();
    let infer = rate(device, batch_size, steps, || b.features(&x).map(|_| ()))?;
    Ok(Throughput {
        bench: format!("{}-features", kind.name()),
        implementation: "mammo".into(),
        device: format!("{device:?}"),
        batch_size,
        channels_last: true,
        precision: precision.name().into(),
        micro_batch: 0,
        train_images_per_s: f64::NAN,
        infer_images_per_s: round1(infer),
        threads: tch::get_num_threads(),
        gflop_per_image: Some((2.0 * b.features_macs(150) / 1e6).round() / 1e3),
    })
}

/// Peak resident memory of this process so far (Linux `VmHWM`), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The data path on a dataset folder: load, then one epoch of the training data (relabel,
/// split, oversample, normalise to float, augment flip+rot90, batch) against a few training
/// steps of the scratch CNN on the same batches; peak memory of the whole.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DataPath {
    pub bench: String,
    pub data: String,
    pub load_seconds: f64,
    pub epoch_images: usize,
    pub data_images_per_s: f64,
    pub train_images_per_s: f64,
    /// Data path images/s over training images/s (target: >= 10).
    pub ratio: f64,
    /// Rows per forward/backward pass of the training steps (0: the whole batch).
    pub micro_batch: usize,
    /// The precision of the training steps (`mammo train`'s default on this machine).
    pub precision: String,
    /// The uint16 images of train and test, in bytes.
    pub dataset_bytes: u64,
    /// Parameters, gradients and Adam's two moments, in bytes.
    pub model_bytes: u64,
    pub peak_rss_bytes: Option<u64>,
    /// Peak memory over (2 x dataset bytes + model bytes) (target: <= 1).
    pub peak_over_budget: Option<f64>,
}

pub fn data_path(
    dir: &Path,
    batch_size: usize,
    train_steps: usize,
    micro_batch: Option<usize>,
) -> Result<DataPath> {
    let t = Instant::now();
    let ds = crate::data::dataset::Dataset::load(dir)?;
    let load_seconds = t.elapsed().as_secs_f64();
    let mut cfg = TrainConfig::new(
        Task::MassCalc,
        ModelKind::Scratch,
        crate::runtime::profile::Profile::Full,
    );
    cfg.data.augment = crate::transforms::augment::Augment::parse("flip,rot90")?;
    cfg.optim.batch_size = batch_size;
    if let Some(m) = micro_batch {
        cfg.runtime.micro_batch = Some(m);
    }
    let device = Device::Cpu;
    let t = Instant::now();
    let data = crate::train::prepare(&cfg, &ds)?;
    let mut rng = <crate::rng::SeededRng as rand::SeedableRng>::seed_from_u64(1);
    let mut n = 0usize;
    let mut kept = Vec::new();
    for b in crate::data::batch::Batches::new(
        &data.train_set,
        &data.train,
        batch_size,
        true,
        cfg.runtime.seed,
        1,
        false,
        device,
    )? {
        let b = b?;
        let x = cfg.data.augment.apply(&b.x, &mut rng)?;
        n += b.rows.len();
        if kept.len() < train_steps {
            kept.push((x, b.y));
        }
    }
    let data_rate = n as f64 / t.elapsed().as_secs_f64();
    // The training step as `mammo train` runs it by default.
    let model = Classifier::build(&cfg, device)?;
    let mut opt = Optimizer::new(cfg.optim.optimizer, cfg.optim.lr, &model.vs);
    let t = Instant::now();
    let mut seen = 0usize;
    for (x, y) in &kept {
        let _ = train_batch(&model, &mut opt, &cfg, x, None, y, None)?;
        seen += x.size()[0] as usize;
    }
    let train_rate = seen as f64 / t.elapsed().as_secs_f64().max(1e-9);
    let px = |s: &crate::data::dataset::PairedSet| (s.images.len() * 2) as u64;
    let dataset_bytes = px(&ds.train) + ds.test.as_ref().map_or(0, px);
    let model_bytes = crate::models::count_params(&model.vs) as u64 * 4 * 4;
    let peak = peak_rss_bytes();
    Ok(DataPath {
        bench: "data-path".into(),
        data: dir.display().to_string(),
        load_seconds: (load_seconds * 1000.0).round() / 1000.0,
        epoch_images: n,
        data_images_per_s: round1(data_rate),
        train_images_per_s: round1(train_rate),
        ratio: round1(data_rate / train_rate.max(1e-9)),
        micro_batch: cfg.micro_batch_on(device),
        precision: cfg.precision_on(device).name().into(),
        dataset_bytes,
        model_bytes,
        peak_rss_bytes: peak,
        peak_over_budget: peak
            .map(|p| (p as f64 / (2 * dataset_bytes + model_bytes) as f64 * 100.0).round() / 100.0),
    })
}

/// Seconds to read a `.npy` file of uint16 images (median of `reps`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct NpyLoad {
    pub bench: String,
    pub implementation: String,
    pub file: String,
    pub bytes: u64,
    pub seconds: f64,
    pub megabytes_per_s: f64,
}

pub fn npy_load(path: &Path, reps: usize) -> Result<NpyLoad> {
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..reps.max(1) {
        let t = Instant::now();
        let a = crate::data::npy::read_u16_images(path)?;
        times.push(t.elapsed().as_secs_f64());
        bytes = (a.len() * 2) as u64;
    }
    times.sort_by(f64::total_cmp);
    let s = times[times.len() / 2];
    Ok(NpyLoad {
        bench: "npy-load".into(),
        implementation: "mammo".into(),
        file: path.display().to_string(),
        bytes,
        seconds: (s * 1000.0).round() / 1000.0,
        megabytes_per_s: round1(bytes as f64 / 1e6 / s),
    })
}

/// The machine's float32 matrix-multiply rate and what it allows the scratch CNN.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Roofline {
    pub bench: String,
    pub device: String,
    pub gemm_gflops: f64,
    /// Forward + backward FLOPs of one 150x150 training image of the scratch CNN.
    pub train_gflop_per_image: f64,
    /// GEMM rate / FLOPs per image: training images/s if every FLOP ran at the GEMM rate.
    pub train_images_per_s_limit: f64,
    pub threads: i32,
}

/// Multiply-accumulates of one forward pass of the scratch CNN (convolutions and dense layers).
pub fn scratch_forward_macs() -> f64 {
    let c = ScratchConfig::default();
    let mut side = crate::data::dataset::SIDE as f64;
    let mut cin = 1.0;
    let mut macs = 0.0;
    for &f in &c.filters {
        let out = side - 2.0;
        macs += out * out * f as f64 * cin * 9.0;
        side = (out / 2.0).floor();
        cin = f as f64;
    }
    let flat = cin * side * side;
    macs + flat * c.dense as f64 + c.dense as f64 * c.n_out as f64
}

pub fn roofline(device: Device, n: i64, reps: usize) -> Result<Roofline> {
    if n < 64 {
        return crate::error::invalid("bench", "the GEMM side must be at least 64");
    }
    let a = Tensor::rand([n, n], (Kind::Float, device));
    let b = Tensor::rand([n, n], (Kind::Float, device));
    let per = rate(device, 1, reps.max(1), || {
        let _ = a.matmul(&b);
        Ok(())
    })?;
    let gflops = per * 2.0 * (n as f64).powi(3) / 1e9;
    // Training = forward + backward (gradients of inputs and of weights): about 3x the forward.
    let gflop = 3.0 * 2.0 * scratch_forward_macs() / 1e9;
    Ok(Roofline {
        bench: "roofline".into(),
        device: format!("{device:?}"),
        gemm_gflops: round1(gflops),
        train_gflop_per_image: (gflop * 1000.0).round() / 1000.0,
        train_images_per_s_limit: round1(gflops / gflop),
        threads: tch::get_num_threads(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::ScratchCnn;
    use tch::nn;

    #[test]
    fn scratch_flops_match_the_hand_count() {
        // conv1 148^2*32*9, conv2 72^2*64*288, conv3 34^2*128*576, conv4 15^2*128*1152,
        // dense 6272*512, out 512.
        let expected = 148.0 * 148.0 * 32.0 * 9.0
            + 72.0 * 72.0 * 64.0 * 288.0
            + 34.0 * 34.0 * 128.0 * 576.0
            + 15.0 * 15.0 * 128.0 * 1152.0
            + 6272.0 * 512.0
            + 512.0;
        assert_eq!(scratch_forward_macs(), expected);
        // The performance issue's figure: ~1.34 GFLOP per training image.
        let g = 6.0 * scratch_forward_macs() / 1e9;
        assert!((g - 1.34).abs() < 0.01, "{g}");
    }

    #[test]
    fn vgg16_flops_match_torchvision() {
        use crate::models::backbones::Vgg16;
        // torchvision documents VGG16 (features and classifier, 224x224) at 15.47 "GFLOPS",
        // i.e. multiply-adds; the classifier adds 25088*4096 + 4096*4096 + 4096*1000.
        let classifier = 25088.0 * 4096.0 + 4096.0 * 4096.0 + 4096.0 * 1000.0;
        let g = (Vgg16::features_macs(224) + classifier) / 1e9;
        assert!((g - 15.47).abs() < 0.005, "{g}");
        assert_eq!(Vgg16::features_macs(224), 15_346_630_656.0);
        // 150x150 (sides 150, 75, 37, 18, 9): conv1 150^2*64*3*9 + ... by hand.
        let by_hand = 150.0 * 150.0 * 9.0 * (64.0 * 3.0 + 64.0 * 64.0)
            + 75.0 * 75.0 * 9.0 * (128.0 * 64.0 + 128.0 * 128.0)
            + 37.0 * 37.0 * 9.0 * (256.0 * 128.0 + 2.0 * 256.0 * 256.0)
            + 18.0 * 18.0 * 9.0 * (512.0 * 256.0 + 2.0 * 512.0 * 512.0)
            + 9.0 * 9.0 * 9.0 * (3.0 * 512.0 * 512.0);
        assert_eq!(Vgg16::features_macs(150), by_hand);
        let t = vgg16_inference(Device::Cpu, 1, 1).unwrap();
        assert_eq!(t.gflop_per_image, Some(13.231));
    }

    /// Both backbones' multiply-adds at every cut, against PyTorch's FlopCounterMode on
    /// torchvision's models (tests/fixtures/backbones/macs.json,
    /// scripts/fixtures/make_flop_fixtures.py): exactly equal.
    #[test]
    fn backbone_flops_match_pytorchs_count() {
        use crate::models::backbones::{InceptionV3, Vgg16};
        let fixture: serde_json::Value = serde_json::from_str(include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../tests/fixtures/backbones/macs.json"
        )))
        .unwrap();
        let want = |model: &str, key: &str| fixture[model][key].as_f64().unwrap();
        assert_eq!(Vgg16::features_macs(224), want("vgg16", "top_224"));
        assert_eq!(Vgg16::features_macs(150), want("vgg16", "top_150"));
        assert_eq!(
            Vgg16::features_macs_to(150, Cut::Block5),
            want("vgg16", "block5_150")
        );
        for cut in [Cut::Top, Cut::Top1, Cut::Top2] {
            let m = InceptionV3::new(Device::Cpu, cut, true).unwrap();
            for side in [299, 150] {
                let key = format!("{}_{side}", cut.name());
                assert_eq!(
                    m.features_macs(side),
                    want("inception_v3", &key),
                    "InceptionV3 {key}"
                );
            }
        }
        // The whole model, classifier included: torchvision's documented 5.71 "GFLOPS".
        let whole = want("inception_v3", "whole_299") / 1e9;
        assert!((whole - 5.71).abs() < 0.005, "{whole}");
        let t = backbone_inference(
            BackboneKind::InceptionV3,
            Device::Cpu,
            1,
            1,
            Precision::Fp32,
        )
        .unwrap();
        assert_eq!(t.bench, "inception-v3-features");
        assert_eq!(t.gflop_per_image, Some(2.133));
    }

    #[test]
    fn channels_last_and_bf16_give_the_same_logits_as_fp32() {
        tch::manual_seed(3);
        let vs = nn::VarStore::new(Device::Cpu);
        let mut m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
        let x = Tensor::rand([2, 1, 150, 150], (Kind::Float, Device::Cpu));
        let base = m.forward_t(&x, false);
        m.tower.compute = Compute {
            channels_last: true,
            precision: Precision::Fp32,
        };
        let cl = m.forward_t(&x, false);
        assert!(cl.allclose(&base, 1e-5, 1e-5, false));
        m.tower.compute.precision = Precision::Bf16;
        let bf = m.forward_t(&x, false);
        assert_eq!(bf.kind(), Kind::Float);
        let diff = (&bf - &base).abs().max().double_value(&[]);
        let scale = base.abs().max().double_value(&[]).max(1e-3);
        assert!(
            diff / scale < 0.05,
            "bf16 logits too far: {diff} vs {scale}"
        );
    }

    #[test]
    fn data_path_reports_rates_and_memory() {
        let dir = std::env::temp_dir().join(format!("mammo-bench-{}", std::process::id()));
        let cfg = crate::data::synth::SynthConfig {
            seed: 5,
            scale: 0.02,
            ..Default::default()
        };
        crate::data::synth::write(&dir, &cfg).unwrap();
        let r = data_path(&dir, 16, 2, Some(4)).unwrap();
        assert!(r.epoch_images > 0 && r.data_images_per_s > 0.0 && r.train_images_per_s > 0.0);
        assert!(r.dataset_bytes > 0 && r.model_bytes == 3_452_545 * 16);
        let n = npy_load(&dir.join("train_tensor.npy"), 1).unwrap();
        // The train tensor's pixels: the file less its header (64 to 4096 bytes).
        let file = std::fs::metadata(dir.join("train_tensor.npy"))
            .unwrap()
            .len();
        assert!(
            file > n.bytes && file - n.bytes <= 4096,
            "{file} vs {}",
            n.bytes
        );
        assert!(n.bytes < r.dataset_bytes);
        std::fs::remove_dir_all(&dir).ok();
    }
}
