//! The breast-tissue background: power-law Gaussian random fields (1/f^beta spectrum) made with
//! one inverse FFT per pair of fields, and the per-thread scratch (FFT plan, frequency table).
use crate::data::dataset::SIDE;
use crate::rng::SeededRng;
use rand::Rng;
use rand_distr::StandardNormal;
use rustfft::num_complex::Complex;
use rustfft::FftPlanner;
/// ln(f^2) of every frequency of the 150x150 grid (the same for every patch; NaN-free: the DC
/// term is marked with -inf and gets amplitude 0).
pub(super) fn log_f2_table() -> Vec<f64> {
    let n = SIDE;
    let freq = |u: usize| {
        if u <= n / 2 {
            u as f64
        } else {
            u as f64 - n as f64
        }
    };
    let mut t = Vec::with_capacity(n * n);
    for u in 0..n {
        for v in 0..n {
            let f2 = freq(u) * freq(u) + freq(v) * freq(v);
            t.push(if f2 < 0.25 {
                f64::NEG_INFINITY
            } else {
                f2.ln()
            });
        }
    }
    t
}

/// Per-thread scratch of the generator: the FFT plan and the frequency table.
pub(super) struct Synth {
    fft: std::sync::Arc<dyn rustfft::Fft<f64>>,
    log_f2: Vec<f64>,
}

impl Synth {
    pub(super) fn new() -> Synth {
        Synth {
            fft: FftPlanner::<f64>::new().plan_fft_inverse(SIDE),
            log_f2: log_f2_table(),
        }
    }
}

/// Two independent power-law Gaussian random fields (the real and imaginary parts of one inverse
/// FFT of circular complex white noise shaped by f^(-beta/2)), each zero mean and unit sd.
pub(super) fn power_law_fields(rng: &mut SeededRng, beta: f64, sy: &Synth) -> (Vec<f64>, Vec<f64>) {
    let n = SIDE;
    let fft = &sy.fft;
    let mut buf = vec![Complex::new(0.0, 0.0); n * n];
    for (cell, &lf) in buf.iter_mut().zip(&sy.log_f2) {
        let amp = if lf == f64::NEG_INFINITY {
            0.0
        } else {
            (-beta / 4.0 * lf).exp()
        };
        *cell = Complex::new(
            rng.sample::<f64, _>(StandardNormal) * amp,
            rng.sample::<f64, _>(StandardNormal) * amp,
        );
    }
    // 2D inverse FFT: rows, transpose, rows.
    fft.process(&mut buf);
    let mut t = vec![Complex::new(0.0, 0.0); n * n];
    for r in 0..n {
        for c in 0..n {
            t[c * n + r] = buf[r * n + c];
        }
    }
    fft.process(&mut t);
    let norm = |mut field: Vec<f64>| {
        let mean = field.iter().sum::<f64>() / field.len() as f64;
        let sd = (field.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / field.len() as f64)
            .sqrt()
            .max(1e-12);
        for x in field.iter_mut() {
            *x = (*x - mean) / sd;
        }
        field
    };
    (
        norm(t.iter().map(|c| c.re).collect()),
        norm(t.iter().map(|c| c.im).collect()),
    )
}
