//! Arbitrary bytes as an (images, labels) pair of `.npy` files, through the validation that
//! `PairedSet::load` runs on files. Layout of the input: a little-endian u32 giving the length
//! of the images part (clamped to what is there), the images part, then the labels part.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mammo::data::dataset::{check_pairing, PairedSet, SIDE};

fuzz_target!(|data: &[u8]| {
    let (len, rest) = match data.split_first_chunk::<4>() {
        Some((len, rest)) => (u32::from_le_bytes(*len) as usize, rest),
        None => (0, data),
    };
    let (images, labels) = rest.split_at(len.min(rest.len()));
    match PairedSet::from_npy_bytes(images, labels, "images.npy", "labels.npy") {
        Ok(set) => {
            // Whatever validates satisfies the dataset invariants.
            assert!(!set.is_empty() && set.len() % 2 == 0);
            assert_eq!(set.images.shape(), &[set.len(), SIDE, SIDE]);
            assert!(set.labels.iter().all(|&l| l <= 4));
            assert!(check_pairing(&set.labels).is_ok());
            let c = set.label_counts();
            assert_eq!(c[0], set.n_pairs());
        }
        Err(e) => {
            // Every message names one of the two inputs.
            let s = e.to_string();
            assert!(s.starts_with("images.npy: ") || s.starts_with("labels.npy: "), "{s}");
        }
    }
    // The pairing rule alone, on the raw label bytes.
    let _ = check_pairing(labels);
});
