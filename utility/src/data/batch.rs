//! Batching: task samples -> `[B, 1, 150, 150]` float tensors in [0, 1] on the chosen device,
//! reshuffled every epoch (seeded). Images stay `u16` in the dataset; each batch is converted
//! once, straight into the tensor's buffer.
use crate::data::dataset::{PairedSet, SIDE};
use crate::data::tasks::Sample;
use crate::error::Result;
use crate::rng::SeededRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use tch::{Device, Kind, Tensor};

/// Which image of a pair a batch holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Abnormality,
    Baseline,
}

/// Gather `rows` of `set` as a `[B, 1, 150, 150]` float tensor in [0, 1] on `device`.
pub fn images_tensor(set: &PairedSet, rows: &[usize], device: Device) -> Result<Tensor> {
    let px = SIDE * SIDE;
    let src = set
        .images
        .as_slice()
        .ok_or_else(|| crate::Error::Other("dataset images are not contiguous".into()))?;
    let n = set.len();
    if let Some(&bad) = rows.iter().find(|&&r| r >= n) {
        return crate::error::invalid(
            "batch",
            format!("row {bad} out of range: the set has {n} images"),
        );
    }
    let mut buf = vec![0f32; rows.len() * px];
    for (dst, &r) in buf.chunks_exact_mut(px).zip(rows) {
        for (d, &s) in dst.iter_mut().zip(&src[r * px..(r + 1) * px]) {
            *d = s as f32 * (1.0 / 65535.0);
        }
    }
    let t = Tensor::from_slice(&buf).view([rows.len() as i64, 1, SIDE as i64, SIDE as i64]);
    Ok(if device == Device::Cpu {
        t
    } else {
        t.to_device(device)
    })
}

/// One batch: images (and for pair tasks, baselines), labels, and the samples' rows.
#[derive(Debug)]
pub struct Batch {
    pub x: Tensor,
    /// Baseline images for pair tasks.
    pub baseline: Option<Tensor>,
    /// Labels as int64 `[B]`.
    pub y: Tensor,
    pub rows: Vec<usize>,
}

/// Build the batch of `samples`.
pub fn make_batch(
    set: &PairedSet,
    samples: &[Sample],
    pairs: bool,
    device: Device,
) -> Result<Batch> {
    let rows: Vec<usize> = samples.iter().map(|s| s.row).collect();
    let x = images_tensor(set, &rows, device)?;
    let baseline = if pairs {
        let b: Vec<usize> = samples.iter().map(|s| s.baseline_row()).collect();
        Some(images_tensor(set, &b, device)?)
    } else {
        None
    };
    let labels: Vec<i64> = samples.iter().map(|s| s.label as i64).collect();
    let y = Tensor::from_slice(&labels)
        .to_kind(Kind::Int64)
        .to_device(device);
    Ok(Batch {
        x,
        baseline,
        y,
        rows,
    })
}

/// Order of the samples for one epoch: a seeded shuffle (`seed`, `epoch`) or file order.
pub fn epoch_order(n: usize, shuffle: bool, seed: u64, epoch: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..n).collect();
    if shuffle {
        let mut rng =
            SeededRng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        idx.shuffle(&mut rng);
    }
    idx
}

/// Iterate over the batches of one epoch.
pub struct Batches<'a> {
    set: &'a PairedSet,
    samples: &'a [Sample],
    order: Vec<usize>,
    pos: usize,
    batch_size: usize,
    pairs: bool,
    device: Device,
}

impl<'a> Batches<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        set: &'a PairedSet,
        samples: &'a [Sample],
        batch_size: usize,
        shuffle: bool,
        seed: u64,
        epoch: usize,
        pairs: bool,
        device: Device,
    ) -> Result<Self> {
        if batch_size == 0 {
            return crate::error::invalid("batch size", "must be at least 1");
        }
        Ok(Batches {
            set,
            samples,
            order: epoch_order(samples.len(), shuffle, seed, epoch),
            pos: 0,
            batch_size,
            pairs,
            device,
        })
    }
    /// Number of batches in the epoch.
    pub fn n_batches(&self) -> usize {
        self.samples.len().div_ceil(self.batch_size)
    }
}

impl Iterator for Batches<'_> {
    type Item = Result<Batch>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.order.len() {
            return None;
        }
        let end = (self.pos + self.batch_size).min(self.order.len());
        let chosen: Vec<Sample> = self.order[self.pos..end]
            .iter()
            .map(|&i| self.samples[i])
            .collect();
        self.pos = end;
        Some(make_batch(self.set, &chosen, self.pairs, self.device))
    }
}
