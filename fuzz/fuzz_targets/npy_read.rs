//! Arbitrary bytes as the content of a `.npy` file: every reader must return `Ok` or `Err`,
//! never panic, abort or allocate more than the input can fill.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mammo::data::npy;

/// A successful read agrees with the header it was read from.
fn agrees<T>(r: &mammo::Result<mammo::ndarray::ArrayD<T>>, h: &Result<npy::Header, String>) {
    if let Ok(a) = r {
        let h = h.as_ref().expect("a successful read has a valid header");
        assert_eq!(a.shape(), h.shape.as_slice());
        assert_eq!(a.len(), h.len());
        assert!(a.is_standard_layout());
    }
}

fuzz_target!(|data: &[u8]| {
    let name = "fuzz.npy";
    let header = npy::parse_header(data);
    agrees(&npy::read_u16_images_bytes(data, name), &header);
    agrees(&npy::read_int_labels_bytes(data, name), &header);
    agrees(&npy::read_bytes::<u16>(data, name), &header);
    agrees(&npy::read_bytes::<i64>(data, name), &header);
});
