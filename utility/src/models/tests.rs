use super::*;
use crate::runtime::precision::{to_channels_last, Compute, Precision};
use tch::nn::Module;
use tch::Tensor;
use tch::{nn::VarStore, Device, Kind};

#[test]
fn scratch_has_the_seeds_parameter_count_and_shapes() {
    let vs = VarStore::new(Device::Cpu);
    let m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
    assert_eq!(count_params(&vs), 3_452_545);
    assert_eq!(m.summary().total(), 3_452_545);
    let y = m.forward_t(
        &Tensor::zeros([2, 1, 150, 150], (Kind::Float, Device::Cpu)),
        false,
    );
    assert_eq!(y.size(), vec![2, 1]);
    assert!(m.summary().to_string().contains("(None, 7, 7, 128)"));
}

#[test]
fn siamese_has_the_seeds_parameter_counts() {
    let vs = VarStore::new(Device::Cpu);
    let m = SiameseNet::new(&vs.root(), &SiameseConfig::default()).unwrap();
    assert_eq!(count_params(&vs), 3_977_345);
    assert_eq!(m.summary().total(), 3_977_345);
    assert_eq!(m.tower_summary().total(), 3_452_032);
    let x = Tensor::zeros([3, 1, 150, 150], (Kind::Float, Device::Cpu));
    assert_eq!(m.forward_t(&x, &x, false).size(), vec![3, 1]);
}

#[test]
fn thousands_separators() {
    assert_eq!(thousands(3452545), "3,452,545");
    assert_eq!(thousands(513), "513");
}

/// NHWC strides as PyTorch's `.to(memory_format=torch.channels_last)` gives them, one-channel
/// tensors included (a permute + contiguous() would leave those NCHW), values unchanged.
#[test]
fn channels_last_gives_exact_nhwc_strides() {
    let x = Tensor::arange(2 * 5 * 5, (Kind::Float, Device::Cpu)).view([2, 1, 5, 5]);
    let y = to_channels_last(&x);
    assert_eq!(y.stride(), vec![25, 1, 5, 1]);
    assert!(y.equal(&x));
    let x = Tensor::arange(2 * 3 * 4 * 5, (Kind::Float, Device::Cpu)).view([2, 3, 4, 5]);
    let y = to_channels_last(&x);
    assert_eq!(y.stride(), vec![60, 1, 15, 3]);
    assert!(y.equal(&x));
    // Already NHWC: the same tensor, no copy.
    let z = to_channels_last(&y);
    assert_eq!(z.data_ptr(), y.data_ptr());
    // The towers' weights follow: the first convolution's [32, 1, 3, 3] kernel too.
    let vs = VarStore::new(Device::Cpu);
    let mut m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
    m.tower.set_compute(Compute {
        channels_last: true,
        precision: Precision::Fp32,
    });
    assert_eq!(m.tower.convs[0].ws.stride(), vec![9, 1, 3, 1]);
    assert_eq!(m.tower.convs[1].ws.stride(), vec![288, 1, 96, 32]);
}

/// The tower computes conv -> pool -> ReLU; the seed's network is conv -> ReLU -> pool.
/// Same logits and same gradients for every weight.
#[test]
fn pool_then_relu_equals_relu_then_pool_with_gradients() {
    tch::manual_seed(11);
    let vs = VarStore::new(Device::Cpu);
    let m = ScratchCnn::new(&vs.root(), &ScratchConfig::default()).unwrap();
    let x = Tensor::randn([3, 1, 150, 150], (Kind::Float, Device::Cpu));
    let grads = |logits: Tensor| -> Vec<Tensor> {
        let vars: Vec<Tensor> = m.tower.convs.iter().map(|c| c.ws.shallow_clone()).collect();
        Tensor::run_backward(&[logits.sum(Kind::Float)], &vars, false, false)
    };
    let ours = m.forward_t(&x, false);
    let g_ours = grads(ours.shallow_clone());
    let mut h = x.shallow_clone();
    for (i, c) in m.tower.convs.iter().enumerate() {
        h = c.forward(&h).relu();
        if i + 1 < m.tower.convs.len() {
            h = h.max_pool2d_default(2);
        }
    }
    let seed = h
        .max_pool2d_default(2)
        .flatten(1, -1)
        .apply(&m.tower.dense)
        .relu()
        .apply(&m.out);
    let g_seed = grads(seed.shallow_clone());
    assert!(ours.allclose(&seed, 1e-6, 1e-6, false));
    for (a, b) in g_ours.iter().zip(&g_seed) {
        assert!(a.allclose(b, 1e-5, 1e-6, false));
    }
}

/// The split Grad-CAM differentiates (maps, then logits from the maps) is the forward pass: for
/// every kind of network, in evaluation mode, the two give the same logits.
#[test]
fn every_network_splits_at_its_cam_maps_without_changing_its_logits() {
    use crate::models::backbones::{BackboneKind, Cut};
    use crate::models::pretrained::{Adapter, PretrainedNet, PretrainedSpec};
    tch::manual_seed(3);
    let x = Tensor::rand([2, 1, 150, 150], (tch::Kind::Float, tch::Device::Cpu));
    let base = Tensor::rand([2, 1, 150, 150], (tch::Kind::Float, tch::Device::Cpu));
    let vs = tch::nn::VarStore::new(tch::Device::Cpu);
    let spec = PretrainedSpec {
        backbone: BackboneKind::Vgg16,
        cut: Cut::Top,
        adapter: Adapter::Conv1x1,
        head: vec![16],
        dropout: None,
        weights: Some(std::path::PathBuf::from("/nonexistent/weights.safetensors")),
    };
    // A weights file that is not there is an error, not a silent random backbone.
    assert!(PretrainedNet::new(&vs.root(), &spec, 1, tch::Device::Cpu).is_err());
    let spec = PretrainedSpec {
        weights: None,
        ..spec
    };
    let nets: Vec<(Box<dyn Network>, Option<&Tensor>)> = vec![
        (
            Box::new(ScratchCnn::new(&(&vs.root() / "s"), &ScratchConfig::default()).unwrap()),
            None,
        ),
        (
            Box::new(SiameseNet::new(&(&vs.root() / "p"), &SiameseConfig::default()).unwrap()),
            Some(&base),
        ),
        (
            Box::new(PretrainedNet::new(&(&vs.root() / "v"), &spec, 1, tch::Device::Cpu).unwrap()),
            None,
        ),
    ];
    for (net, b) in &nets {
        let direct = net.logits(&x, *b, false).unwrap();
        let maps = net.cam_maps(&x).unwrap();
        assert_eq!(
            maps.dim(),
            4,
            "{:?}: maps are [B, C, H, W]",
            net.summary().model
        );
        let split = net.logits_from_maps(&maps, *b).unwrap();
        assert_eq!(direct.size(), [2, 1]);
        let diff = (&direct - &split).abs().max().double_value(&[]);
        assert!(diff < 1e-5, "{}: {diff}", net.summary().model);
    }
    // The Siamese network refuses a batch without its baselines.
    assert!(nets[1].0.logits(&x, None, false).is_err());
    assert!(nets[2].0.weights_source().is_some() && nets[0].0.weights_source().is_none());
}

/// A pretrained network asked for bf16 computes its frozen features in bf16: other features
/// than in float32 (not served from the float32 entries of the feature cache), close to them, a
/// float32 head; through the trainable 1x1 adapter the gradient still reaches the adapter.
#[test]
fn a_pretrained_network_computes_its_backbone_in_the_precision_set() {
    use crate::models::backbones::{BackboneKind, Cut};
    use crate::models::pretrained::{Adapter, PretrainedNet, PretrainedSpec};
    tch::manual_seed(5);
    let x = Tensor::rand([2, 1, 150, 150], (tch::Kind::Float, tch::Device::Cpu));
    for adapter in [Adapter::Replicate, Adapter::Conv1x1] {
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let spec = PretrainedSpec {
            backbone: BackboneKind::InceptionV3,
            cut: Cut::Top,
            adapter,
            head: vec![8],
            dropout: None,
            weights: None,
        };
        let mut net = PretrainedNet::new(&vs.root(), &spec, 1, tch::Device::Cpu).unwrap();
        let f32 = tch::no_grad(|| net.features(&x)).unwrap();
        Network::set_compute(
            &mut net,
            Compute {
                channels_last: true,
                precision: Precision::Bf16,
            },
        )
        .unwrap();
        assert_eq!(net.backbone.precision(), Precision::Bf16);
        let bf = tch::no_grad(|| net.features(&x)).unwrap();
        assert_eq!(bf.kind(), tch::Kind::Float);
        let rel = (&f32 - &bf).norm().double_value(&[]) / f32.norm().double_value(&[]);
        assert!(rel > 0.0 && rel < 0.05, "{adapter:?}: {rel}");
        let logits = net.logits(&x, None, true).unwrap();
        assert_eq!(logits.kind(), tch::Kind::Float);
        logits.sum(tch::Kind::Float).backward();
        let vars = vs.variables();
        for (name, v) in &vars {
            let g = v.grad();
            assert!(g.defined(), "{adapter:?}: no gradient for {name}");
            assert!(
                g.isfinite().all().int64_value(&[]) == 1,
                "{adapter:?}: {name}"
            );
        }
        assert_eq!(
            vars.keys().any(|k| k.starts_with("adapter")),
            adapter == Adapter::Conv1x1
        );
    }
}
