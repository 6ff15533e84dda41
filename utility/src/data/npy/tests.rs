use super::*;

/// A version-1 `.npy` file with the given header dict and data bytes.
fn npy_bytes(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut b = MAGIC.to_vec();
    b.extend_from_slice(&[1, 0]);
    b.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    b.extend_from_slice(dict.as_bytes());
    b.extend_from_slice(data);
    b
}

fn err_text<T: std::fmt::Debug>(r: Result<T>) -> String {
    r.expect_err("expected an error").to_string()
}

#[test]
fn bytes_and_file_reads_agree() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.npy");
    let data: Vec<u16> = (0..24).map(|i| i * 1000 + 7).collect();
    write(&p, &[2, 3, 4], &data).unwrap();
    let bytes = std::fs::read(&p).unwrap();
    let from_file = read::<u16>(&p).unwrap();
    let from_bytes = read_bytes::<u16>(&bytes, &p).unwrap();
    assert_eq!(from_file, from_bytes);
    assert_eq!(from_bytes.shape(), &[2, 3, 4]);
    assert_eq!(from_bytes.iter().copied().collect::<Vec<_>>(), data);
    assert_eq!(
        read_u16_images(&p).unwrap(),
        read_u16_images_bytes(&bytes, &p).unwrap()
    );
    assert_eq!(
        read_int_labels(&p).unwrap(),
        read_int_labels_bytes(&bytes, &p).unwrap()
    );
}

#[test]
fn bytes_read_handles_byte_order_fortran_and_u8_images() {
    let big = npy_bytes(
        "{'descr': '>i2', 'fortran_order': False, 'shape': (3,), }",
        &[0, 1, 0xff, 0xfe, 0, 4],
    );
    let l = read_int_labels_bytes(&big, "big.npy").unwrap();
    assert_eq!(l.iter().copied().collect::<Vec<_>>(), [1, -2, 4]);
    // Fortran order: column-major bytes come back in C order.
    let f = npy_bytes(
        "{'descr': '|u1', 'fortran_order': True, 'shape': (2, 3), }",
        &[1, 4, 2, 5, 3, 6],
    );
    let a = read_u16_images_bytes(&f, "f.npy").unwrap();
    assert_eq!(a.shape(), &[2, 3]);
    let want: Vec<u16> = [1u16, 2, 3, 4, 5, 6].iter().map(|x| x * 257).collect();
    assert_eq!(a.iter().copied().collect::<Vec<_>>(), want);
}

#[test]
fn bytes_read_errors_name_the_file() {
    let e = err_text(read_bytes::<u16>(b"", "empty.npy"));
    assert!(
        e.contains("empty.npy") && e.contains("empty file (0 bytes)"),
        "{e}"
    );
    let e = err_text(read_bytes::<u16>(b"hello, not numpy", "x.npy"));
    assert!(e.contains("x.npy") && e.contains("not a .npy file"), "{e}");
    let ok = npy_bytes(
        "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
        &[1, 0, 2, 0],
    );
    let e = err_text(read_bytes::<u16>(&ok[..ok.len() - 1], "t.npy"));
    assert!(
        e.contains("t.npy: truncated data: shape (2,) needs 4 bytes, file has 3"),
        "{e}"
    );
    let mut long = ok.clone();
    long.push(0);
    let e = err_text(read_bytes::<u16>(&long, "t.npy"));
    assert!(e.contains("1 unexpected bytes after the data"), "{e}");
    let e = err_text(read_bytes::<i64>(&ok, "t.npy"));
    assert!(e.contains("expected int64 data, found uint16"), "{e}");
}

/// A header claiming 10^12 elements must be rejected against the real length before the
/// buffer is allocated (allocating would abort the process).
#[test]
fn huge_shape_is_rejected_before_allocating() {
    let b = npy_bytes(
        "{'descr': '<u2', 'fortran_order': False, 'shape': (1000000000000,), }",
        &[0; 16],
    );
    let e = err_text(read_u16_images_bytes(&b, "huge.npy"));
    assert!(
        e.contains("truncated data: shape (1000000000000,) needs 2000000000000 bytes"),
        "{e}"
    );
    let b = npy_bytes(
        "{'descr': '<i8', 'fortran_order': True, 'shape': (100000, 100000, 100000), }",
        &[0; 16],
    );
    let e = err_text(read_int_labels_bytes(&b, "huge.npy"));
    assert!(e.contains("truncated data"), "{e}");
    // Same through a file.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("huge.npy");
    std::fs::write(&p, &b).unwrap();
    let e = err_text(read_int_labels(&p));
    assert!(e.contains("truncated data"), "{e}");
}

#[test]
fn overflowing_shapes_are_errors() {
    let b = npy_bytes(
        "{'descr': '<u2', 'fortran_order': False, 'shape': (4294967296, 4294967296), }",
        &[],
    );
    let e = err_text(read_bytes::<u16>(&b, "o.npy"));
    assert!(e.contains("shape too large"), "{e}");
    // Zero elements, but the other axis is beyond what an array can index: an error, not a
    // panic.
    let b = npy_bytes(
        "{'descr': '<u2', 'fortran_order': False, 'shape': (0, 9223372036854775808), }",
        &[],
    );
    assert!(read_bytes::<u16>(&b, "o.npy").is_err());
    let b = npy_bytes(
        "{'descr': '<u2', 'fortran_order': True, 'shape': (9223372036854775808, 0), }",
        &[],
    );
    assert!(read_bytes::<u16>(&b, "o.npy").is_err());
}

#[test]
fn empty_shapes_read_as_empty_arrays() {
    let b = npy_bytes(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }",
        &[],
    );
    assert_eq!(read_int_labels_bytes(&b, "e.npy").unwrap().len(), 0);
    // A 0-d array holds one value.
    let b = npy_bytes(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (), }",
        &[5, 0, 0, 0, 0, 0, 0, 0],
    );
    let a = read_int_labels_bytes(&b, "s.npy").unwrap();
    assert_eq!(a.ndim(), 0);
    assert_eq!(a.iter().copied().collect::<Vec<_>>(), [5]);
}
