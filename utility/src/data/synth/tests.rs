use super::*;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;

#[test]
fn full_scale_counts_are_the_course_counts() {
    assert_eq!(scaled_counts(TRAIN_COUNTS, 1.0).iter().sum::<usize>(), 2676);
    assert_eq!(scaled_counts(TEST_COUNTS, 1.0).iter().sum::<usize>(), 336);
    assert_eq!(scaled_counts(TRAIN_COUNTS, 0.1), [62, 60, 95, 51]);
}

#[test]
fn layout_order_and_pixels_look_like_the_course_files() {
    let ds = generate(&SynthConfig {
        seed: 3,
        scale: 0.05,
        ..Default::default()
    })
    .unwrap();
    let train = &ds.train;
    assert_eq!(
        train.n_pairs(),
        scaled_counts(TRAIN_COUNTS, 0.05).iter().sum::<usize>()
    );
    crate::data::dataset::check_pairing(&train.labels).unwrap();
    let abn: Vec<u8> = train.labels.iter().skip(1).step_by(2).copied().collect();
    assert!(
        abn.windows(2).all(|w| w[0] <= w[1]),
        "sorted by label like the course files"
    );
    let stats = crate::data::inspect::pixel_stats(train);
    assert_eq!(stats.step, 16, "12-bit quantisation in the 16-bit range");
    let mean = stats.mean / 65535.0;
    assert!((0.55..0.66).contains(&mean), "mean intensity {mean}");
    assert!(
        (0.045..0.085).contains(&stats.within_sd_baseline),
        "baseline sd {}",
        stats.within_sd_baseline
    );
    assert!(
        stats.within_sd_abnormality > stats.within_sd_baseline,
        "lesions add structure"
    );
}

/// The radially averaged power spectrum of the baselines falls as 1/f^beta, beta ~ 3.2
/// (Hann window, 4..50 cycles per patch), as measured on real patches.
#[test]
fn background_has_the_power_law_spectrum_of_breast_tissue() {
    let ds = generate(&SynthConfig {
        seed: 9,
        scale: 0.02,
        ..Default::default()
    })
    .unwrap();
    let n = SIDE;
    let mut planner = FftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(n);
    let hann: Vec<f64> = (0..n)
        .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1) as f64).cos())
        .collect();
    let mut betas = Vec::new();
    for r in (0..ds.train.len()).step_by(2) {
        let img = ds.train.image(r);
        let mean = img.iter().map(|&v| v as f64).sum::<f64>() / (n * n) as f64;
        let mut buf: Vec<Complex<f64>> = (0..n * n)
            .map(|i| {
                Complex::new(
                    (img[[i / n, i % n]] as f64 - mean) * hann[i / n] * hann[i % n],
                    0.0,
                )
            })
            .collect();
        fft.process(&mut buf);
        let mut t = vec![Complex::new(0.0, 0.0); n * n];
        for a in 0..n {
            for b in 0..n {
                t[b * n + a] = buf[a * n + b];
            }
        }
        fft.process(&mut t);
        let mut sum = vec![0.0; 76];
        let mut cnt = vec![0usize; 76];
        for a in 0..n {
            for b in 0..n {
                let fa = if a <= n / 2 {
                    a as f64
                } else {
                    a as f64 - n as f64
                };
                let fb = if b <= n / 2 {
                    b as f64
                } else {
                    b as f64 - n as f64
                };
                let f = (fa * fa + fb * fb).sqrt().round() as usize;
                if f < 76 {
                    sum[f] += t[a * n + b].norm_sqr();
                    cnt[f] += 1;
                }
            }
        }
        let pts: Vec<(f64, f64)> = (4..=50)
            .map(|f| ((f as f64).ln(), (sum[f] / cnt[f] as f64).ln()))
            .collect();
        let mx = pts.iter().map(|p| p.0).sum::<f64>() / pts.len() as f64;
        let my = pts.iter().map(|p| p.1).sum::<f64>() / pts.len() as f64;
        let slope = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum::<f64>()
            / pts.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        betas.push(-slope);
    }
    let beta = betas.iter().sum::<f64>() / betas.len() as f64;
    assert!((2.8..3.6).contains(&beta), "mean beta {beta}");
}

/// The baselines carry no information about the lesion (speckled tissue is a trait of the
/// patient, not of the label), while the abnormality patches do: calcification patches
/// have brighter specks than mass patches on average.
#[test]
fn baselines_carry_no_lesion_information() {
    let ds = generate(&SynthConfig {
        seed: 4,
        scale: 0.15,
        ..Default::default()
    })
    .unwrap();
    let t = &ds.train;
    // Brightest pixel above the patch mean, in units of the 16-bit range.
    let peak = |r: usize| {
        let img = t.image(r);
        let mean = img.iter().map(|&v| v as f64).sum::<f64>() / img.len() as f64;
        (img.iter().copied().max().unwrap_or(0) as f64 - mean) / 65535.0
    };
    let mean_of = |rows: Vec<usize>| rows.iter().map(|&r| peak(r)).sum::<f64>() / rows.len() as f64;
    let pairs = |calc: bool| -> Vec<usize> {
        (0..t.n_pairs())
            .filter(|&k| (t.labels[2 * k + 1] >= 3) == calc)
            .collect()
    };
    let (mass, calc) = (pairs(false), pairs(true));
    let base_mass = mean_of(mass.iter().map(|k| 2 * k).collect());
    let base_calc = mean_of(calc.iter().map(|k| 2 * k).collect());
    assert!(
        (base_mass - base_calc).abs() < 0.01,
        "baseline peaks {base_mass} vs {base_calc}"
    );
    let abn_mass = mean_of(mass.iter().map(|k| 2 * k + 1).collect());
    let abn_calc = mean_of(calc.iter().map(|k| 2 * k + 1).collect());
    assert!(
        abn_calc > abn_mass + 0.02,
        "abnormality peaks {abn_mass} vs {abn_calc}"
    );
}

#[test]
fn same_seed_same_data_other_seed_other_data() {
    let a = generate(&SynthConfig {
        seed: 5,
        scale: 0.02,
        ..Default::default()
    })
    .unwrap();
    let b = generate(&SynthConfig {
        seed: 5,
        scale: 0.02,
        ..Default::default()
    })
    .unwrap();
    let c = generate(&SynthConfig {
        seed: 6,
        scale: 0.02,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(a.train.images, b.train.images);
    assert_ne!(a.train.images, c.train.images);
}

/// `tissue_clusters` only adds a cluster to speckled patients' patches, from a stream of its
/// own: without speckled patients the data are byte for byte those of the setting at 0; with
/// every patient speckled and clustered, every patch changes (a cluster is added to both), the
/// labels stay, and the stamp names the setting only when it is set.
#[test]
fn tissue_clusters_add_a_cluster_to_speckled_patients_only() {
    let at = |speckled: f64, tissue_clusters: f64| {
        generate(&SynthConfig {
            seed: 9,
            scale: 0.01,
            speckled,
            tissue_clusters,
            ..Default::default()
        })
        .unwrap()
    };
    assert_eq!(at(0.0, 0.0).train.images, at(0.0, 1.0).train.images);
    let (plain, clustered) = (at(1.0, 0.0), at(1.0, 1.0));
    assert_eq!(plain.train.labels, clustered.train.labels);
    let (a, b) = (&plain.train, &clustered.train);
    for r in 0..a.labels.len() {
        let (x, y) = (a.image(r), b.image(r));
        let brighter = x.iter().zip(y.iter()).filter(|(p, q)| q > p).count();
        let darker = x.iter().zip(y.iter()).filter(|(p, q)| q < p).count();
        assert!(brighter >= 9, "row {r}: {brighter} pixels brighter");
        assert_eq!(darker, 0, "row {r}: a cluster only adds brightness");
    }
    assert!(!stamp(&SynthConfig::default()).contains("tissue_clusters"));
    let s = stamp(&SynthConfig {
        tissue_clusters: 0.5,
        ..Default::default()
    });
    assert!(s.contains("\"tissue_clusters\": 0.5"), "{s}");
}

/// `asymmetries` replaces masses by asymmetries, from a stream of its own: every baseline patch
/// and every calcification patch stays byte for byte what it is without them, every mass patch
/// changes, and an asymmetry leaves its patch denser than the same patient's baseline by at
/// least 0.2 of the smallest tissue sd (it raises the mean by 0.25-0.75 sd), which a normal
/// mass does not always do. The stamp names the setting only when it is set.
#[test]
fn asymmetries_replace_masses_and_show_against_the_baseline() {
    let at = |asymmetries: f64| {
        generate(&SynthConfig {
            seed: 5,
            scale: 0.02,
            speckled: 0.0,
            asymmetries,
            ..Default::default()
        })
        .unwrap()
        .train
    };
    let (plain, asym) = (at(0.0), at(1.0));
    assert_eq!(plain.labels, asym.labels);
    let mean = |s: &PairedSet, r: usize| {
        s.image(r).iter().map(|&v| v as f64).sum::<f64>() / (SIDE * SIDE) as f64
    };
    let min_shift = 0.2 * 0.045 * 65535.0;
    let (mut masses, mut plain_below) = (0, 0);
    for r in 0..asym.labels.len() {
        let (x, y) = (plain.image(r), asym.image(r));
        let is_mass_patch = r % 2 == 1 && (1..=2).contains(&asym.labels[r]);
        if !is_mass_patch {
            assert_eq!(x, y, "row {r} (label {}) changed", asym.labels[r]);
            continue;
        }
        masses += 1;
        assert_ne!(x, y, "mass row {r} unchanged");
        let shift = mean(&asym, r) - mean(&asym, r - 1);
        assert!(
            shift >= min_shift,
            "row {r}: {shift:.0} above the baseline, < {min_shift:.0}"
        );
        plain_below += usize::from(mean(&plain, r) - mean(&plain, r - 1) < min_shift);
    }
    assert!(masses >= 20, "{masses} mass patches");
    assert!(
        plain_below > 0,
        "every normal mass already shifts its patch's mean"
    );
    assert!(!stamp(&SynthConfig::default()).contains("asymmetries"));
    let s = stamp(&SynthConfig {
        asymmetries: 0.25,
        ..Default::default()
    });
    assert!(s.contains("\"asymmetries\": 0.25"), "{s}");
}
