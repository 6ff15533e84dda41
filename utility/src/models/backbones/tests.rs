use super::*;

#[test]
fn parse_kinds_and_cuts() {
    assert_eq!(BackboneKind::parse("vgg16").unwrap(), BackboneKind::Vgg16);
    assert_eq!(
        BackboneKind::parse(" Inception-V3 ").unwrap(),
        BackboneKind::InceptionV3
    );
    assert_eq!(
        "inceptionv3".parse::<BackboneKind>().unwrap(),
        BackboneKind::InceptionV3
    );
    let e = BackboneKind::parse("resnet50").unwrap_err().to_string();
    assert!(e.contains("resnet50") && e.contains("vgg16"), "{e}");
    for c in Cut::ALL {
        assert_eq!(Cut::parse(c.name()).unwrap(), c);
        assert_eq!(c.to_string().parse::<Cut>().unwrap(), c);
    }
    let e = Cut::parse("top+3").unwrap_err().to_string();
    assert!(e.contains("top+3") && e.contains("block5"), "{e}");
    let e = BackboneKind::Vgg16
        .parse_cut("top+1")
        .unwrap_err()
        .to_string();
    assert!(e.contains("vgg16") && e.contains("top, block5"), "{e}");
    let e = BackboneKind::InceptionV3
        .parse_cut("block5")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("inception-v3") && e.contains("top, top+1, top+2"),
        "{e}"
    );
    assert!(Vgg16::new(Device::Cpu, Cut::Top2).is_err());
    assert!(InceptionV3::new(Device::Cpu, Cut::Block5, true).is_err());
}

#[test]
fn output_shapes_for_150() {
    assert_eq!(Vgg16::output_shape(Cut::Top).unwrap(), (512, 4, 4));
    assert_eq!(Vgg16::output_shape(Cut::Block5).unwrap(), (512, 9, 9));
    assert_eq!(InceptionV3::output_shape(Cut::Top).unwrap(), (2048, 3, 3));
    assert_eq!(InceptionV3::output_shape(Cut::Top1).unwrap(), (1280, 3, 3));
    assert_eq!(InceptionV3::output_shape(Cut::Top2).unwrap(), (768, 7, 7));
    assert_eq!(
        BackboneKind::InceptionV3
            .output_shape_for(Cut::Top, 75, 75)
            .unwrap(),
        (2048, 1, 1)
    );
    assert!(BackboneKind::InceptionV3
        .output_shape_for(Cut::Top, 74, 75)
        .is_err());
    assert_eq!(
        BackboneKind::Vgg16
            .output_shape_for(Cut::Top, 32, 32)
            .unwrap(),
        (512, 1, 1)
    );
    assert!(BackboneKind::Vgg16
        .output_shape_for(Cut::Top, 31, 64)
        .is_err());
}

#[test]
fn vgg16_names_params_and_shapes() {
    let m = Vgg16::new(Device::Cpu, Cut::Top).unwrap();
    assert_eq!(m.num_params(), VGG16_PARAMS);
    let vars = m.var_store().variables();
    assert_eq!(vars.len(), 26);
    for i in [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28] {
        assert!(
            vars.contains_key(&format!("features.{i}.weight")),
            "features.{i}.weight"
        );
        assert!(
            vars.contains_key(&format!("features.{i}.bias")),
            "features.{i}.bias"
        );
    }
    assert!(vars.values().all(|t| !t.requires_grad()), "frozen");
    let x = Tensor::zeros([1, 3, 150, 150], (Kind::Float, Device::Cpu));
    assert_eq!(m.f_forward(&x).unwrap().size(), vec![1, 512, 4, 4]);
    assert_eq!(
        m.forward_to(&x, Cut::Block5).unwrap().size(),
        vec![1, 512, 9, 9]
    );
    assert!(m
        .f_forward(&Tensor::zeros([1, 1, 150, 150], (Kind::Float, Device::Cpu)))
        .is_err());
}

#[test]
fn inception_names_params_and_shapes() {
    let m = InceptionV3::new(Device::Cpu, Cut::Top, true).unwrap();
    assert_eq!(m.num_params(), INCEPTION_V3_PARAMS);
    let vars = m.var_store().variables();
    // 94 BasicConv2d: conv weight + 4 batch-norm tensors each.
    assert_eq!(vars.len(), 94 * 5);
    for name in [
        "Conv2d_1a_3x3.conv.weight",
        "Conv2d_1a_3x3.bn.running_mean",
        "Mixed_5b.branch1x1.conv.weight",
        "Mixed_6e.branch7x7dbl_5.bn.running_var",
        "Mixed_7c.branch3x3dbl_3b.bn.bias",
    ] {
        assert!(vars.contains_key(name), "{name}");
    }
    assert_eq!(
        vars["Mixed_6b.branch7x7_2.conv.weight"].size(),
        vec![128, 128, 1, 7]
    );
    // Keras counts the same network differently (no gamma; moving statistics as weights).
    let sum = |suffix: &str| -> i64 {
        vars.iter()
            .filter(|(n, _)| n.ends_with(suffix))
            .map(|(_, t)| t.numel() as i64)
            .sum()
    };
    let (conv, bn) = (sum("conv.weight"), sum("running_mean"));
    assert_eq!((conv, bn), (21_751_136, 17_216));
    assert_eq!(conv + 2 * bn, INCEPTION_V3_PARAMS);
    assert_eq!(conv + 3 * bn, INCEPTION_V3_KERAS_PARAMS);
    assert_eq!(conv + bn, INCEPTION_V3_KERAS_TRAINABLE);
    let x = Tensor::zeros([1, 3, 150, 150], (Kind::Float, Device::Cpu));
    assert_eq!(m.f_forward(&x).unwrap().size(), vec![1, 2048, 3, 3]);
    assert_eq!(
        m.forward_to(&x, Cut::Top2).unwrap().size(),
        vec![1, 768, 7, 7]
    );
    assert!(m
        .f_forward(&Tensor::zeros([1, 3, 60, 60], (Kind::Float, Device::Cpu)))
        .is_err());
}

#[test]
fn transform_input_maps_back_to_half_scale() {
    let p = Tensor::from_slice(&[0.0f32, 0.25, 0.5, 1.0]).view([4, 1, 1, 1]);
    let x = inception_transform_input(&imagenet_input(&p).unwrap());
    let got = crate::tensor::tensor_to_vec(&x).unwrap();
    for (k, want) in [-1.0, -0.5, 0.0, 1.0].iter().enumerate() {
        for c in 0..3 {
            assert!((got[k * 3 + c] - want).abs() < 1e-5, "{got:?}");
        }
    }
    assert!(imagenet_input(&Tensor::zeros([2, 3, 8, 8], (Kind::Float, Device::Cpu))).is_err());
}

#[test]
fn pattern_is_stable() {
    // Values pinned so that a change of formula is noticed (the Python side must follow).
    assert_eq!(test_pattern_seed("ab"), 97 + 2 * 98);
    // Same numbers as scripts/fixtures/make_backbone_fixtures.py prints.
    let seed = test_pattern_seed("features.0.weight");
    assert_eq!(seed, 14747);
    let v: Vec<f64> = (0..3).map(|i| test_pattern_value(seed, i)).collect();
    assert_eq!(
        v,
        [0.5097149955108762, -0.6135409353300929, 0.52671118080616]
    );
    let rv: Vec<f64> = test_pattern("Conv2d_1a_3x3.bn.running_var", &[2])
        .iter()
        .map(|&x| f64::from(x))
        .collect();
    assert_eq!(rv, [1.1172285079956055, 1.0467079877853394]);
    let v: Vec<f64> = (0..3).map(|i| test_pattern_value(5, i)).collect();
    assert!(v.iter().all(|x| (-1.0..1.0).contains(x)));
    assert_ne!(v[0], v[1]);
    let rv = test_pattern("x.bn.running_var", &[1000]);
    assert!(rv.iter().all(|&x| (0.8..1.2).contains(&x)));
    let mean: f32 = test_pattern("w.weight", &[64, 3, 3, 3]).iter().sum::<f32>() / 1728.0;
    assert!(mean.abs() < 0.05, "{mean}");
}

#[test]
fn default_weights_lookup() {
    let dir = tempfile::tempdir().unwrap();
    assert!(find_default_weights(dir.path(), BackboneKind::Vgg16).is_none());
    let p = default_weights_path(dir.path(), BackboneKind::InceptionV3);
    assert!(p.ends_with("data/weights/inception_v3.safetensors"));
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, b"x").unwrap();
    assert_eq!(
        find_default_weights(dir.path(), BackboneKind::InceptionV3),
        Some(p)
    );
    let e = Vgg16::new(Device::Cpu, Cut::Top)
        .unwrap()
        .load_safetensors(dir.path().join("nope.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nope.safetensors") && e.contains("not found"),
        "{e}"
    );
}

/// bf16 features: float32 out, the same shape, within bf16's rounding of the float32 features
/// (8 bits of mantissa: ~0.4% per rounding, a few percent after 13 convolutions); the kernels
/// stored in bf16, InceptionV3's batch norm kept in float32 as under PyTorch's autocast; weights
/// loaded afterwards stay bf16.
#[test]
fn bf16_features_stay_close_to_float32() {
    let rel = |a: &Tensor, b: &Tensor| {
        let d = (a - b).norm().double_value(&[]);
        d / a.norm().double_value(&[])
    };
    for kind in [BackboneKind::Vgg16, BackboneKind::InceptionV3] {
        tch::manual_seed(11);
        let side = if kind == BackboneKind::Vgg16 { 64 } else { 150 };
        let mut b = Backbone::new(kind, Cut::Top, Device::Cpu).unwrap();
        let x = Tensor::rand([2, 1, side, side], (Kind::Float, Device::Cpu));
        let _g = tch::no_grad_guard();
        let f32 = b.features(&x).unwrap();
        assert_eq!(b.precision(), Precision::Fp32);
        b.set_precision(Precision::Bf16).unwrap();
        assert_eq!(b.precision(), Precision::Bf16);
        let bf = b.features(&x).unwrap();
        assert_eq!(bf.kind(), Kind::Float, "{kind:?}");
        assert_eq!(bf.size(), f32.size(), "{kind:?}");
        let e = rel(&f32, &bf);
        eprintln!("{kind:?}: bf16 vs float32 features, relative difference {e:.4}");
        assert!(e > 0.0 && e < 0.05, "{kind:?}: relative difference {e}");
        let vars = b.var_store().variables();
        let kind_of = |n: &str| vars[n].kind();
        match kind {
            BackboneKind::Vgg16 => {
                assert_eq!(kind_of("features.0.weight"), Kind::BFloat16);
                assert_eq!(kind_of("features.0.bias"), Kind::BFloat16);
            }
            BackboneKind::InceptionV3 => {
                assert_eq!(kind_of("Conv2d_1a_3x3.conv.weight"), Kind::BFloat16);
                assert_eq!(kind_of("Conv2d_1a_3x3.bn.running_var"), Kind::Float);
                assert_eq!(kind_of("Mixed_7c.branch_pool.bn.weight"), Kind::Float);
            }
        }
        // Weights loaded after the switch are converted on the way in.
        match &mut b {
            Backbone::Vgg16(m) => m.fill_with_test_pattern().unwrap(),
            Backbone::InceptionV3(m) => m.fill_with_test_pattern().unwrap(),
        }
        let first = vars
            .keys()
            .find(|n| n.ends_with("conv.weight") || n.as_str() == "features.0.weight");
        assert_eq!(vars[first.unwrap()].kind(), Kind::BFloat16);
        assert!(b.features(&x).unwrap().isfinite().all().int64_value(&[]) == 1);
    }
}
