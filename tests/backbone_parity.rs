//! The frozen backbones against torchvision 0.26 itself: the same networks, filled with the same
//! deterministic pattern on both sides (`mammo::models::backbones::test_pattern`), must give the same
//! features on real MIAS patches. Fixtures made by scripts/fixtures/make_backbone_fixtures.py.
mod common;
use mammo::data::npy;
use mammo::models::backbones::{
    self, default_weights_path, find_default_weights, imagenet_input, BackboneKind, Cut,
    InceptionV3, Vgg16, INCEPTION_V3_PARAMS, VGG16_PARAMS,
};
use ndarray::ArrayD;
use tch::{Device, Kind, Tensor};

/// Relative error allowed between mammo's and torchvision's features (CPU, float32).
const TOL: f64 = 1e-4;

fn fx(name: &str) -> std::path::PathBuf {
    common::fixtures().join("backbones").join(name)
}

fn read(name: &str) -> ArrayD<f32> {
    npy::read::<f32>(fx(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn to_tensor(a: &ArrayD<f32>) -> Tensor {
    let shape: Vec<i64> = a.shape().iter().map(|&d| d as i64).collect();
    let data: Vec<f32> = a.iter().copied().collect();
    Tensor::from_slice(&data).view(shape.as_slice())
}

/// max |got - want| / max |want|, and the same with L2 norms.
fn rel_errors(got: &Tensor, want: &ArrayD<f32>) -> (f64, f64) {
    let want_shape: Vec<i64> = want.shape().iter().map(|&d| d as i64).collect();
    assert_eq!(got.size(), want_shape, "shape");
    let g = mammo::tensor_to_vec(got).unwrap();
    let (mut max_diff, mut max_ref, mut sq_diff, mut sq_ref) = (0f64, 0f64, 0f64, 0f64);
    for (a, &b) in g.iter().zip(want.iter()) {
        let b = b as f64;
        assert!(a.is_finite(), "non-finite feature");
        max_diff = max_diff.max((a - b).abs());
        max_ref = max_ref.max(b.abs());
        sq_diff += (a - b) * (a - b);
        sq_ref += b * b;
    }
    assert!(max_ref > 0.0, "reference is all zeros");
    (max_diff / max_ref, (sq_diff / sq_ref).sqrt())
}

fn check(what: &str, got: &Tensor, fixture: &str) {
    let (max_rel, l2_rel) = rel_errors(got, &read(fixture));
    println!("{what}: max relative error {max_rel:.3e}, L2 relative error {l2_rel:.3e}");
    assert!(
        max_rel < TOL,
        "{what}: max relative error {max_rel:.3e} >= {TOL:e}"
    );
}

fn input() -> Tensor {
    let patches = to_tensor(&read("input_patches.npy"));
    let x = imagenet_input(&patches).unwrap();
    // Preprocessing parity with transforms.Normalize on the replicated patches.
    let (max_rel, _) = rel_errors(&x, &read("input_imagenet.npy"));
    assert!(
        max_rel < 1e-6,
        "imagenet_input differs from torchvision: {max_rel:.3e}"
    );
    x
}

#[test]
fn vgg16_matches_torchvision() {
    let x = input();
    let mut m = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    m.fill_with_test_pattern().unwrap();
    check("vgg16 top", &m.forward(&x), "vgg16_top.npy");
    check(
        "vgg16 block5",
        &m.forward_to(&x, Cut::Block5).unwrap(),
        "vgg16_block5.npy",
    );
    m.set_cut(Cut::Block5).unwrap();
    assert_eq!(m.f_forward(&x).unwrap().size(), vec![2, 512, 9, 9]);
}

#[test]
fn inception_v3_matches_torchvision() {
    let x = input();
    let mut m = InceptionV3::new(Device::Cpu, Cut::Top, true).unwrap();
    m.fill_with_test_pattern().unwrap();
    check("inception-v3 top", &m.forward(&x), "inception_v3_top.npy");
    check(
        "inception-v3 top+1",
        &m.forward_to(&x, Cut::Top1).unwrap(),
        "inception_v3_top+1.npy",
    );
    check(
        "inception-v3 top+2",
        &m.forward_to(&x, Cut::Top2).unwrap(),
        "inception_v3_top+2.npy",
    );
    m.set_transform_input(false);
    check(
        "inception-v3 top, transform_input=false",
        &m.f_forward(&x).unwrap(),
        "inception_v3_top_no_transform.npy",
    );
}

#[test]
fn output_shapes_match_fixtures() {
    for (kind, cut, fixture) in [
        (BackboneKind::Vgg16, Cut::Top, "vgg16_top.npy"),
        (BackboneKind::Vgg16, Cut::Block5, "vgg16_block5.npy"),
        (BackboneKind::InceptionV3, Cut::Top, "inception_v3_top.npy"),
        (
            BackboneKind::InceptionV3,
            Cut::Top1,
            "inception_v3_top+1.npy",
        ),
        (
            BackboneKind::InceptionV3,
            Cut::Top2,
            "inception_v3_top+2.npy",
        ),
    ] {
        let (c, h, w) = kind.output_shape(cut).unwrap();
        assert_eq!(
            read(fixture).shape(),
            &[2, c as usize, h as usize, w as usize],
            "{fixture}"
        );
    }
}

#[test]
fn parameter_counts_are_torchvision_s() {
    let vgg = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    assert_eq!(vgg.num_params(), 14_714_688);
    assert_eq!(VGG16_PARAMS, 14_714_688);
    let inc = InceptionV3::new(Device::Cpu, Cut::Top, true).unwrap();
    // torchvision: sum(p.numel() for p in parameters()) without fc; Keras counts 21,802,784
    // for the same network (21,768,352 trainable).
    assert_eq!(inc.num_params(), 21_785_568);
    assert_eq!(INCEPTION_V3_PARAMS, 21_785_568);
    assert_eq!(backbones::INCEPTION_V3_KERAS_PARAMS, 21_802_784);
    assert_eq!(backbones::INCEPTION_V3_KERAS_TRAINABLE, 21_768_352);
}

/// A torchvision-like state dict of VGG16 from a model's own variables.
fn vgg_state_dict(m: &Vgg16) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = m
        .var_store()
        .variables()
        .into_iter()
        // The kernels are stored NHWC-strided (faster convolutions); safetensors wants
        // row-major.
        .map(|(k, t)| (k, t.detach().contiguous().copy()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn safetensors_round_trip_ignores_classifier() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    src.fill_with_test_pattern().unwrap();
    let mut sd = vgg_state_dict(&src);
    sd.push((
        "classifier.0.weight".into(),
        Tensor::zeros([4, 8], (Kind::Float, Device::Cpu)),
    ));
    sd.push((
        "classifier.0.bias".into(),
        Tensor::zeros([4], (Kind::Float, Device::Cpu)),
    ));
    let path = dir.path().join("vgg16.safetensors");
    Tensor::write_safetensors(&sd, &path).unwrap();

    let mut dst = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    let report = dst.load_safetensors(&path).unwrap();
    assert_eq!(report.loaded, 26);
    assert_eq!(
        report.ignored,
        vec!["classifier.0.bias", "classifier.0.weight"]
    );
    let x = input();
    let (max_rel, _) = rel_errors(&dst.forward(&x), &read("vgg16_top.npy"));
    assert!(
        max_rel < TOL,
        "loaded weights give other features: {max_rel:.3e}"
    );
}

#[test]
fn safetensors_errors_list_every_missing_and_mismatched_tensor() {
    let dir = tempfile::tempdir().unwrap();
    let src = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    let mut sd: Vec<(String, Tensor)> = vgg_state_dict(&src)
        .into_iter()
        .filter(|(k, _)| k != "features.0.weight" && k != "features.28.bias")
        .collect();
    for (k, t) in sd.iter_mut() {
        if k == "features.2.weight" {
            *t = Tensor::zeros([64, 32, 3, 3], (Kind::Float, Device::Cpu));
        }
    }
    sd.push((
        "features.99.weight".into(),
        Tensor::zeros([3], (Kind::Float, Device::Cpu)),
    ));
    let path = dir.path().join("broken.safetensors");
    Tensor::write_safetensors(&sd, &path).unwrap();

    let mut m = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    let before = mammo::tensor_to_vec(&m.var_store().variables()["features.5.weight"]).unwrap();
    let e = m.load_safetensors(&path).unwrap_err().to_string();
    println!("{e}");
    assert!(e.contains("broken.safetensors"), "{e}");
    assert!(e.contains("2 missing tensors"), "{e}");
    assert!(e.contains("features.0.weight [64, 3, 3, 3]"), "{e}");
    assert!(e.contains("features.28.bias [512]"), "{e}");
    assert!(e.contains("1 shape mismatch"), "{e}");
    assert!(
        e.contains("features.2.weight: file [64, 32, 3, 3], model [64, 64, 3, 3]"),
        "{e}"
    );
    assert!(
        e.contains("1 unexpected tensor: features.99.weight [3]"),
        "{e}"
    );
    // All or nothing: a rejected file changes no variable.
    let after = mammo::tensor_to_vec(&m.var_store().variables()["features.5.weight"]).unwrap();
    assert_eq!(before, after);

    // The InceptionV3 loader names its model and a missing file names its path.
    let mut inc = InceptionV3::new(Device::Cpu, Cut::Top, true).unwrap();
    let e = inc.load_safetensors(&path).unwrap_err().to_string();
    assert!(
        e.contains("inception-v3") && e.contains("470 missing tensors"),
        "{e}"
    );
    let e = inc
        .load_safetensors(dir.path().join("absent.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("absent.safetensors") && e.contains("not found"),
        "{e}"
    );
}

/// Real weights, where present (data/weights/, or the root in MAMMO_WEIGHTS_ROOT): they load
/// completely and give finite features of the documented shape. Absent files are reported.
#[test]
fn default_weights_load_when_present() {
    let root = std::env::var_os("MAMMO_WEIGHTS_ROOT")
        .map(Into::into)
        .unwrap_or_else(common::root);
    let x = input();
    for kind in BackboneKind::ALL {
        let Some(path) = find_default_weights(&root, kind) else {
            println!(
                "{}: no {} (random weights only)",
                kind,
                default_weights_path(&root, kind).display()
            );
            continue;
        };
        let mut m = backbones::Backbone::new(kind, Cut::Top, Device::Cpu).unwrap();
        let report = m.load_safetensors(&path).unwrap();
        assert_eq!(report.loaded, m.var_store().len(), "{kind}");
        let f = m.f_forward(&x).unwrap();
        let (c, h, w) = m.output_shape().unwrap();
        assert_eq!(f.size(), vec![2, c, h, w]);
        assert!(mammo::tensor_to_vec(&f)
            .unwrap()
            .iter()
            .all(|v| v.is_finite()));
        println!(
            "{kind}: loaded {} tensors from {}, ignored {}",
            report.loaded,
            path.display(),
            report.ignored.len()
        );
    }
}
