//! A process-wide cache of frozen-backbone features.
//!
//! A pretrained model with the `replicate` adapter feeds every image through a frozen VGG16 or
//! InceptionV3, whose output depends only on the image and the backbone's weights. On a CPU that
//! forward pass is by far the slowest part of training (VGG16: a few images per second), and it
//! is repeated for the same images at every epoch, every validation pass and every run of a
//! comparison or a cross-validation. This cache keeps each image's features once computed:
//! keyed by the backbone (kind, cut, precision and a hash of every weight, so two random
//! initialisations, or float32 and bf16 features, never share entries) and by the image's
//! content (a 128-bit hash of its float32 pixels, so an augmented variant is a different image).
//! It holds up to `MAMMO_FEATURE_CACHE_MB` megabytes (default 1024; 0 turns it off) and stops
//! adding entries when full. It is one cache per process, also in a notebook, where every cell
//! carries its own copy of mammo's code ([`crate::process::shared`]: why, and how the copies
//! find the one store).
//!
//! Features come out the same as without the cache up to the last bits of float rounding
//! (oneDNN may round differently for a batch of another size); within one process a cached
//! image always gets the features it got first, so a rerun in a notebook repeats its result.
use crate::error::Result;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, OnceLock};
use tch::{nn, Device, Kind, Tensor};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    model: u64,
    image: (u64, u64),
}

/// The cache's entries and counters.
#[derive(Debug, Default)]
pub struct Store {
    map: HashMap<Key, Tensor>,
    bytes: usize,
    hits: u64,
    misses: u64,
}

/// Counters of the process-wide cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
}

impl Store {
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            entries: self.map.len(),
            bytes: self.bytes,
            hits: self.hits,
            misses: self.misses,
        }
    }
}

type Shared = Mutex<Option<Store>>;

/// The one store of the process, also in a notebook, where every cell carries its own copy of
/// mammo's code ([`crate::process::shared`]).
fn store() -> &'static Shared {
    static LOCAL: OnceLock<&'static Shared> = OnceLock::new();
    crate::process::shared(
        &LOCAL,
        "feature cache",
        include_str!("featcache.rs"),
        || Mutex::new(None),
    )
}

/// The budget in bytes: `MAMMO_FEATURE_CACHE_MB` (default 1024 MB; 0 = no cache).
pub fn budget_bytes() -> usize {
    let mb = std::env::var("MAMMO_FEATURE_CACHE_MB")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(1024);
    mb << 20
}

/// Counters of the process-wide cache.
pub fn stats() -> CacheStats {
    let g = store().lock().unwrap_or_else(|p| p.into_inner());
    g.as_ref().map(Store::stats).unwrap_or_default()
}

/// Empty the process-wide cache (frees its memory).
pub fn clear() {
    let mut g = store().lock().unwrap_or_else(|p| p.into_inner());
    *g = None;
}

fn hash_with(seed: u64, bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    seed.hash(&mut h);
    bytes.hash(&mut h);
    h.finish()
}

/// The bytes of `t` as float32, row-major, on the CPU: one copy, read as bytes in place.
///
/// Flattened before the bytes are viewed: a "contiguous" tensor may still carry a non-unit
/// stride on a trailing size-1 dimension (a 1x1 conv weight kept channels-last, a `[n, c, 1, 1]`
/// pooled feature map), which `view_dtype` refuses.
fn float_bytes(t: &Tensor) -> Result<Vec<u8>> {
    Ok(Vec::try_from(
        &t.f_detach()?
            .f_to_device(Device::Cpu)?
            .f_to_kind(Kind::Float)?
            .f_contiguous()?
            .f_reshape([-1])?
            .f_view_dtype(Kind::Uint8)?,
    )?)
}

/// The identity of a frozen backbone: its kind and cut (`label`) and a hash of every variable
/// (names and float32 values, in name order).
pub fn model_id(label: &str, vs: &nn::VarStore) -> Result<u64> {
    let mut vars: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    let mut h = std::collections::hash_map::DefaultHasher::new();
    label.hash(&mut h);
    for (name, t) in vars {
        name.hash(&mut h);
        float_bytes(&t)?.hash(&mut h);
    }
    Ok(h.finish())
}

/// Features of the images `x` (`[B, ...]` floats) from `compute`, through the process-wide
/// cache: only the images not seen before with this `model` go through `compute`, as one batch.
pub fn features(
    model: u64,
    x: &Tensor,
    compute: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let budget = budget_bytes();
    if budget == 0 {
        return compute(x);
    }
    let mut g = store().lock().unwrap_or_else(|p| p.into_inner());
    let store = g.get_or_insert_with(Store::default);
    lookup_or_compute(store, budget, model, x, compute)
}

/// [`features`] on a given store and budget.
pub fn lookup_or_compute(
    store: &mut Store,
    budget: usize,
    model: u64,
    x: &Tensor,
    compute: impl FnOnce(&Tensor) -> Result<Tensor>,
) -> Result<Tensor> {
    let n = x.size().first().copied().unwrap_or(0);
    if n == 0 {
        return compute(x);
    }
    let pixels = float_bytes(x)?;
    let per = pixels.len() / n as usize;
    let keys: Vec<Key> = pixels
        .chunks(per.max(1))
        .map(|img| Key {
            model,
            image: (hash_with(1, img), hash_with(2, img)),
        })
        .collect();
    let mut rows: Vec<Option<Tensor>> = keys
        .iter()
        .map(|k| store.map.get(k).map(Tensor::shallow_clone))
        .collect();
    let missing: Vec<i64> = (0..n).filter(|&i| rows[i as usize].is_none()).collect();
    store.hits += (n as usize - missing.len()) as u64;
    store.misses += missing.len() as u64;
    if !missing.is_empty() {
        let sub = if missing.len() == n as usize {
            x.shallow_clone()
        } else {
            let idx = Tensor::f_from_slice(&missing)?.f_to_device(x.device())?;
            x.f_index_select(0, &idx)?
        };
        let f = compute(&sub)?;
        for (j, &i) in missing.iter().enumerate() {
            // A copy, so that a kept row does not hold on to the whole batch.
            let src = f.f_get(j as i64)?;
            let mut row = Tensor::f_empty_like(&src)?;
            row.f_copy_(&src)?;
            let size = row.numel() * row.kind().elt_size_in_bytes();
            let key = keys[i as usize];
            if store.bytes + size <= budget && !store.map.contains_key(&key) {
                store.map.insert(key, row.shallow_clone());
                store.bytes += size;
            }
            rows[i as usize] = Some(row);
        }
    }
    let rows: Vec<Tensor> = rows.into_iter().flatten().collect();
    Ok(Tensor::f_stack(&rows, 0)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in "backbone": a fixed function of each image, counting the images it sees.
    fn backbone(seen: &mut usize) -> impl FnOnce(&Tensor) -> Result<Tensor> + '_ {
        move |x: &Tensor| {
            *seen += x.size()[0] as usize;
            Ok((x * 2.0 + 1.0).sum_dim_intlist(&[2i64, 3][..], false, Kind::Float))
        }
    }

    #[test]
    fn hits_return_what_a_fresh_computation_returns_in_order() {
        let mut store = Store::default();
        let x = Tensor::rand([6, 1, 8, 8], (Kind::Float, Device::Cpu));
        let mut seen = 0;
        let a = lookup_or_compute(&mut store, 1 << 20, 7, &x, backbone(&mut seen)).unwrap();
        assert_eq!(seen, 6);
        // A batch of three seen images (in another order) and two new ones.
        let y = Tensor::rand([2, 1, 8, 8], (Kind::Float, Device::Cpu));
        let mixed = Tensor::cat(
            &[
                x.get(4).unsqueeze(0),
                y.get(0).unsqueeze(0),
                x.get(1).unsqueeze(0),
                y.get(1).unsqueeze(0),
                x.get(4).unsqueeze(0),
            ],
            0,
        );
        let mut seen2 = 0;
        let b = lookup_or_compute(&mut store, 1 << 20, 7, &mixed, backbone(&mut seen2)).unwrap();
        assert_eq!(seen2, 2, "only the new images are computed");
        let mut seen3 = 0;
        let want = backbone(&mut seen3)(&mixed).unwrap();
        assert!(b.allclose(&want, 1e-6, 1e-6, false));
        assert!(b.get(0).equal(&a.get(4)) && b.get(2).equal(&a.get(1)));
        let s = store.stats();
        assert_eq!((s.entries, s.hits, s.misses), (8, 3, 8));
        assert_eq!(s.bytes, 8 * 4);
    }

    #[test]
    fn float_bytes_reads_any_layout_row_major() {
        // A 1x1 conv weight in channels-last: contiguous by PyTorch's rule, yet its last
        // (size-1) dimension has stride 64. Inception's weights look like this.
        let w = crate::runtime::precision::to_channels_last(&Tensor::rand(
            [8, 64, 1, 1],
            (Kind::Float, Device::Cpu),
        ));
        assert_ne!(w.stride()[3], 1);
        let b = float_bytes(&w).unwrap();
        let v: Vec<f32> = Vec::try_from(&w.contiguous().view([-1])).unwrap();
        let want: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(b, want);
        // A transposed (non-contiguous) double tensor: row-major float32 bytes of its values.
        let t = Tensor::from_slice(&[1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0])
            .view([2, 3])
            .transpose(0, 1);
        let want: Vec<u8> = [1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0]
            .iter()
            .flat_map(|x| x.to_le_bytes())
            .collect();
        assert_eq!(float_bytes(&t).unwrap(), want);
    }

    #[test]
    fn model_id_of_inception_loads_and_is_stable() {
        let vs = nn::VarStore::new(Device::Cpu);
        let root = vs.root();
        let _conv = nn::conv2d(&root / "c", 64, 8, 1, Default::default());
        for mut v in vs.variables().into_values() {
            tch::no_grad(|| v.set_data(&crate::runtime::precision::to_channels_last(&v)));
        }
        let a = model_id("inception", &vs).unwrap();
        assert_eq!(a, model_id("inception", &vs).unwrap());
        assert_ne!(a, model_id("vgg16", &vs).unwrap());
    }

    #[test]
    fn another_backbone_or_another_image_never_hits() {
        let mut store = Store::default();
        let x = Tensor::rand([3, 1, 8, 8], (Kind::Float, Device::Cpu));
        let mut seen = 0;
        let _ = lookup_or_compute(&mut store, 1 << 20, 1, &x, backbone(&mut seen)).unwrap();
        let _ = lookup_or_compute(&mut store, 1 << 20, 2, &x, backbone(&mut seen)).unwrap();
        assert_eq!(seen, 6, "a second backbone computes its own features");
        // One pixel changed by 1e-6 makes another image.
        let mut x2 = Tensor::empty_like(&x);
        x2.copy_(&x);
        let _ = x2
            .get(0)
            .get(0)
            .get(0)
            .get(0)
            .fill_(x.double_value(&[0, 0, 0, 0]) as f32 as f64 + 1e-6);
        let mut seen2 = 0;
        let _ = lookup_or_compute(&mut store, 1 << 20, 1, &x2, backbone(&mut seen2)).unwrap();
        assert_eq!(seen2, 1);
    }

    #[test]
    fn a_full_cache_stops_adding_and_still_answers() {
        let mut store = Store::default();
        let x = Tensor::rand([5, 1, 8, 8], (Kind::Float, Device::Cpu));
        let mut seen = 0;
        // Room for two rows of one float each.
        let a = lookup_or_compute(&mut store, 8, 3, &x, backbone(&mut seen)).unwrap();
        assert_eq!(store.stats().entries, 2);
        let mut seen2 = 0;
        let b = lookup_or_compute(&mut store, 8, 3, &x, backbone(&mut seen2)).unwrap();
        assert_eq!(seen2, 3);
        assert!(a.allclose(&b, 1e-6, 1e-6, false));
    }

    #[test]
    fn model_id_follows_the_weights() {
        let vs = nn::VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[4], nn::Init::Const(0.5));
        let id = model_id("vgg16 top", &vs).unwrap();
        assert_eq!(id, model_id("vgg16 top", &vs).unwrap());
        assert_ne!(id, model_id("vgg16 block5", &vs).unwrap());
        tch::no_grad(|| {
            let _ = w.get(2).fill_(0.25);
        });
        assert_ne!(id, model_id("vgg16 top", &vs).unwrap());
    }
}
