//! Strict `.npy` reading and atomic writing.
//!
//! The reader parses the header itself (format versions 1, 2 and 3), so that every fault in a
//! user's file becomes one clear message naming the file: bad magic, truncated header or data,
//! unsupported dtype, trailing bytes. Data are read straight into a typed buffer (no
//! intermediate byte copy) and byte-swapped when the file's byte order is not the machine's.
//! Fortran-ordered arrays are converted to C order.
use crate::error::{Error, Result};
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use std::io::Read;
use std::path::Path;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Element types mammo understands in `.npy` files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dtype {
    Bool,
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F16,
    F32,
    F64,
}

impl Dtype {
    pub fn size(self) -> usize {
        match self {
            Dtype::Bool | Dtype::U8 | Dtype::I8 => 1,
            Dtype::U16 | Dtype::I16 | Dtype::F16 => 2,
            Dtype::U32 | Dtype::I32 | Dtype::F32 => 4,
            Dtype::U64 | Dtype::I64 | Dtype::F64 => 8,
        }
    }
    /// NumPy's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            Dtype::Bool => "bool",
            Dtype::U8 => "uint8",
            Dtype::I8 => "int8",
            Dtype::U16 => "uint16",
            Dtype::I16 => "int16",
            Dtype::U32 => "uint32",
            Dtype::I32 => "int32",
            Dtype::U64 => "uint64",
            Dtype::I64 => "int64",
            Dtype::F16 => "float16",
            Dtype::F32 => "float32",
            Dtype::F64 => "float64",
        }
    }
    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Dtype::U8
                | Dtype::I8
                | Dtype::U16
                | Dtype::I16
                | Dtype::U32
                | Dtype::I32
                | Dtype::U64
                | Dtype::I64
        )
    }
}

/// A parsed `.npy` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The descr string as written, e.g. `<u2`.
    pub descr: String,
    pub dtype: Dtype,
    /// True when the data are big-endian.
    pub big_endian: bool,
    pub fortran_order: bool,
    pub shape: Vec<usize>,
    /// Offset of the first data byte.
    pub data_offset: usize,
}

impl Header {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The shape as NumPy prints it, e.g. `(5352, 150, 150)`.
    pub fn shape_str(&self) -> String {
        shape_str(&self.shape)
    }
}

pub fn shape_str(shape: &[usize]) -> String {
    match shape.len() {
        1 => format!("({},)", shape[0]),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn parse_descr(descr: &str) -> std::result::Result<(Dtype, bool), String> {
    let (order, code) = match descr.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (c, &descr[1..]),
        _ => ('=', descr),
    };
    let dtype = match code {
        "b1" | "?" => Dtype::Bool,
        "u1" => Dtype::U8,
        "i1" => Dtype::I8,
        "u2" => Dtype::U16,
        "i2" => Dtype::I16,
        "u4" => Dtype::U32,
        "i4" => Dtype::I32,
        "u8" => Dtype::U64,
        "i8" => Dtype::I64,
        "f2" => Dtype::F16,
        "f4" => Dtype::F32,
        "f8" => Dtype::F64,
        _ => return Err(format!("unsupported dtype '{descr}'")),
    };
    let big_endian = match order {
        '>' => true,
        '<' | '|' => false,
        _ => cfg!(target_endian = "big"),
    };
    Ok((dtype, big_endian))
}

/// A tiny parser for the Python dict literal of a `.npy` header.
struct DictParser<'a> {
    s: &'a [u8],
    i: usize,
}

#[derive(Debug)]
enum PyVal {
    Str(String),
    Bool(bool),
    Tuple(Vec<usize>),
}

impl<'a> DictParser<'a> {
    fn ws(&mut self) {
        while self.i < self.s.len() && (self.s[self.i] as char).is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, c: u8) -> bool {
        self.ws();
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn string(&mut self) -> std::result::Result<String, String> {
        self.ws();
        let q = *self.s.get(self.i).ok_or("unexpected end of header")?;
        if q != b'\'' && q != b'"' {
            return Err(format!(
                "expected a quoted string at header byte {}",
                self.i
            ));
        }
        self.i += 1;
        let start = self.i;
        while self.i < self.s.len() && self.s[self.i] != q {
            self.i += 1;
        }
        if self.i >= self.s.len() {
            return Err("unterminated string in header".into());
        }
        let out = String::from_utf8_lossy(&self.s[start..self.i]).into_owned();
        self.i += 1;
        Ok(out)
    }
    fn value(&mut self) -> std::result::Result<PyVal, String> {
        self.ws();
        match self.s.get(self.i) {
            Some(b'\'') | Some(b'"') => Ok(PyVal::Str(self.string()?)),
            Some(b'T') if self.s[self.i..].starts_with(b"True") => {
                self.i += 4;
                Ok(PyVal::Bool(true))
            }
            Some(b'F') if self.s[self.i..].starts_with(b"False") => {
                self.i += 5;
                Ok(PyVal::Bool(false))
            }
            Some(b'(') => {
                self.i += 1;
                let mut dims = Vec::new();
                loop {
                    if self.eat(b')') {
                        break;
                    }
                    self.ws();
                    let start = self.i;
                    while self.i < self.s.len() && self.s[self.i].is_ascii_digit() {
                        self.i += 1;
                    }
                    // Python 2 era headers may write longs as 123L.
                    let digits =
                        std::str::from_utf8(&self.s[start..self.i]).map_err(|e| e.to_string())?;
                    if self.s.get(self.i) == Some(&b'L') {
                        self.i += 1;
                    }
                    let d: usize = digits
                        .parse()
                        .map_err(|_| format!("bad dimension in shape at header byte {start}"))?;
                    dims.push(d);
                    if !self.eat(b',') {
                        if self.eat(b')') {
                            break;
                        }
                        return Err("malformed shape tuple in header".into());
                    }
                }
                Ok(PyVal::Tuple(dims))
            }
            _ => Err(format!("unexpected value at header byte {}", self.i)),
        }
    }
}

/// Parse the header at the start of `bytes` (which need only hold the header).
pub fn parse_header(bytes: &[u8]) -> std::result::Result<Header, String> {
    if bytes.is_empty() {
        return Err("empty file (0 bytes): not a .npy file".into());
    }
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err("not a .npy file (bad magic bytes)".into());
    }
    let major = bytes[6];
    let (hlen, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10usize),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated .npy header".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12usize,
            )
        }
        v => return Err(format!("unsupported .npy format version {v}")),
    };
    let end = start.checked_add(hlen).ok_or("corrupt header length")?;
    if bytes.len() < end {
        return Err(format!(
            "truncated .npy header: header says {hlen} bytes, file has {}",
            bytes.len() - start
        ));
    }
    let mut p = DictParser {
        s: &bytes[start..end],
        i: 0,
    };
    if !p.eat(b'{') {
        return Err("corrupt .npy header: not a dictionary".into());
    }
    let (mut descr, mut fortran, mut shape) = (None, None, None);
    loop {
        if p.eat(b'}') {
            break;
        }
        let key = p
            .string()
            .map_err(|e| format!("corrupt .npy header: {e}"))?;
        if !p.eat(b':') {
            return Err("corrupt .npy header: expected ':'".into());
        }
        let val = p.value().map_err(|e| format!("corrupt .npy header: {e}"))?;
        match (key.as_str(), val) {
            ("descr", PyVal::Str(s)) => descr = Some(s),
            ("fortran_order", PyVal::Bool(b)) => fortran = Some(b),
            ("shape", PyVal::Tuple(t)) => shape = Some(t),
            (k, v) => {
                return Err(format!(
                    "corrupt .npy header: unexpected entry '{k}': {v:?}"
                ))
            }
        }
        if !p.eat(b',') {
            if p.eat(b'}') {
                break;
            }
            return Err("corrupt .npy header: expected ',' or '}'".into());
        }
    }
    let descr = descr.ok_or("corrupt .npy header: no 'descr'")?;
    let (dtype, big_endian) = parse_descr(&descr)?;
    let shape = shape.ok_or("corrupt .npy header: no 'shape'")?;
    let mut n: usize = 1;
    for &d in &shape {
        n = n
            .checked_mul(d)
            .ok_or("corrupt .npy header: shape too large")?;
    }
    n.checked_mul(dtype.size())
        .ok_or("corrupt .npy header: shape too large")?;
    Ok(Header {
        descr,
        dtype,
        big_endian,
        fortran_order: fortran.ok_or("corrupt .npy header: no 'fortran_order'")?,
        shape,
        data_offset: end,
    })
}

/// Read only the header of a file.
pub fn read_header(path: impl AsRef<Path>) -> Result<Header> {
    let path = path.as_ref();
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = vec![0u8; 4096];
    let mut got = 0;
    while got < buf.len() {
        let k = f.read(&mut buf[got..]).map_err(|e| Error::io(path, e))?;
        if k == 0 {
            break;
        }
        got += k;
    }
    buf.truncate(got);
    match parse_header(&buf) {
        Err(e) if e.starts_with("truncated .npy header") && got == 4096 => {
            // Very long header (many dims or padding): read the whole file.
            let all = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            parse_header(&all).map_err(|e| Error::bad_file(path, e))
        }
        r => r.map_err(|e| Error::bad_file(path, e)),
    }
}

/// Plain numbers that can come out of a `.npy` file.
pub trait Element: Copy + Default + 'static {
    const DTYPE: Dtype;
    fn swap(self) -> Self;
}
macro_rules! element {
    ($t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: Dtype = $d;
            fn swap(self) -> Self {
                <$t>::from_bits(self.to_bits().swap_bytes())
            }
        }
    };
    (int $t:ty, $d:expr) => {
        impl Element for $t {
            const DTYPE: Dtype = $d;
            fn swap(self) -> Self {
                self.swap_bytes()
            }
        }
    };
}
element!(int u8, Dtype::U8);
element!(int i8, Dtype::I8);
element!(int u16, Dtype::U16);
element!(int i16, Dtype::I16);
element!(int u32, Dtype::U32);
element!(int i32, Dtype::I32);
element!(int u64, Dtype::U64);
element!(int i64, Dtype::I64);
element!(f32, Dtype::F32);
element!(f64, Dtype::F64);

/// Where the bytes of a `.npy` file come from.
///
/// Both kinds go through the same checks and decoding; only the way the data bytes are fetched
/// differs. Error messages name [`Source::name`].
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A file on disk: the header is read first, then the data straight into a typed buffer.
    File(&'a Path),
    /// The whole content of a `.npy` file held in memory; `name` is only used in messages.
    Bytes { bytes: &'a [u8], name: &'a Path },
}

impl<'a> Source<'a> {
    /// The path error messages name.
    pub fn name(&self) -> &'a Path {
        match *self {
            Source::File(path) => path,
            Source::Bytes { name, .. } => name,
        }
    }

    /// Parse the header.
    pub fn header(&self) -> Result<Header> {
        match *self {
            Source::File(path) => read_header(path),
            Source::Bytes { bytes, name } => {
                parse_header(bytes).map_err(|e| Error::bad_file(name, e))
            }
        }
    }

    /// Read an array of exactly type `T`.
    pub fn read<T: Element>(&self) -> Result<ArrayD<T>> {
        let h = self.header()?;
        self.read_data(&h)
    }

    /// Read image data as `u16`: `uint16` as is, `uint8` scaled by 257 (so 255 -> 65535).
    pub fn read_u16_images(&self) -> Result<ArrayD<u16>> {
        let h = self.header()?;
        match h.dtype {
            Dtype::U16 => self.read_data::<u16>(&h),
            Dtype::U8 => Ok(self.read_data::<u8>(&h)?.mapv(|x| x as u16 * 257)),
            d => Err(Error::bad_file(
                self.name(),
                format!(
                    "images must be uint16 (or uint8), found {} ('{}')",
                    d.name(),
                    h.descr
                ),
            )),
        }
    }

    /// Read integer labels of any integer dtype as `i64`.
    pub fn read_int_labels(&self) -> Result<ArrayD<i64>> {
        let h = self.header()?;
        let path = self.name();
        let conv_u64 = |a: ArrayD<u64>| -> Result<ArrayD<i64>> {
            if let Some(x) = a.iter().find(|&&x| x > i64::MAX as u64) {
                return Err(Error::bad_file(path, format!("label {x} out of range")));
            }
            Ok(a.mapv(|x| x as i64))
        };
        match h.dtype {
            Dtype::U8 => Ok(self.read_data::<u8>(&h)?.mapv(i64::from)),
            Dtype::I8 => Ok(self.read_data::<i8>(&h)?.mapv(i64::from)),
            Dtype::U16 => Ok(self.read_data::<u16>(&h)?.mapv(i64::from)),
            Dtype::I16 => Ok(self.read_data::<i16>(&h)?.mapv(i64::from)),
            Dtype::U32 => Ok(self.read_data::<u32>(&h)?.mapv(i64::from)),
            Dtype::I32 => Ok(self.read_data::<i32>(&h)?.mapv(i64::from)),
            Dtype::I64 => self.read_data::<i64>(&h),
            Dtype::U64 => conv_u64(self.read_data::<u64>(&h)?),
            d => Err(Error::bad_file(
                path,
                format!(
                    "labels must be integers, found {} ('{}')",
                    d.name(),
                    h.descr
                ),
            )),
        }
    }

    /// Read the data whose header `h` has already been parsed from this source.
    ///
    /// The data length is checked against the real size of the file (or byte slice) before
    /// anything is allocated, so a header claiming a huge shape costs nothing.
    fn read_data<T: Element>(&self, h: &Header) -> Result<ArrayD<T>> {
        let path = self.name();
        if h.dtype != T::DTYPE {
            return Err(Error::bad_file(
                path,
                format!(
                    "expected {} data, found {}",
                    T::DTYPE.name(),
                    h.dtype.name()
                ),
            ));
        }
        match *self {
            Source::File(path) => {
                let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
                let file_len = f.metadata().map_err(|e| Error::io(path, e))?.len();
                check_data_len(h, file_len).map_err(|e| Error::bad_file(path, e))?;
                std::io::copy(
                    &mut (&mut f).take(h.data_offset as u64),
                    &mut std::io::sink(),
                )
                .map_err(|e| Error::io(path, e))?;
                decode(path, h, |buf| {
                    f.read_exact(buf).map_err(|e| Error::io(path, e))
                })
            }
            Source::Bytes { bytes, name } => {
                check_data_len(h, bytes.len() as u64).map_err(|e| Error::bad_file(name, e))?;
                decode(name, h, |buf| {
                    let data = bytes
                        .get(h.data_offset..)
                        .filter(|d| d.len() == buf.len())
                        .ok_or_else(|| Error::bad_file(name, "data length mismatch"))?;
                    buf.copy_from_slice(data);
                    Ok(())
                })
            }
        }
    }
}

/// Check that a source of `total_len` bytes holds exactly the data `h` describes after its header.
fn check_data_len(h: &Header, total_len: u64) -> std::result::Result<(), String> {
    let need = h
        .shape
        .iter()
        .try_fold(h.dtype.size() as u64, |acc, &d| acc.checked_mul(d as u64))
        .ok_or_else(|| format!("shape {} too large", h.shape_str()))?;
    let have = total_len.saturating_sub(h.data_offset as u64);
    if have < need {
        return Err(format!(
            "truncated data: shape {} needs {need} bytes, file has {have}",
            h.shape_str()
        ));
    }
    if have > need {
        return Err(format!("{} unexpected bytes after the data", have - need));
    }
    Ok(())
}

/// Allocate the array's buffer, let `fill` write its bytes, then fix byte order and layout.
/// Only called once [`check_data_len`] has accepted the length, so the allocation is bounded by
/// the size of the input.
/// Ask the kernel for transparent huge pages on a large buffer before it is filled, as NumPy
/// does for its arrays: reading the 241 MB course tensor then faults in ~120 pages of 2 MB
/// instead of ~59,000 of 4 KB. Only the 2 MB-aligned interior is advised; a no-op elsewhere.
fn advise_huge_pages(buf: &mut [u8]) {
    #[cfg(target_os = "linux")]
    {
        const HUGE: usize = 2 << 20;
        if buf.len() < 2 * HUGE {
            return;
        }
        let start = buf.as_mut_ptr() as usize;
        let aligned = (start + HUGE - 1) & !(HUGE - 1);
        let end = (start + buf.len()) & !(HUGE - 1);
        if end > aligned {
            // SAFETY: the range lies inside `buf`, memory this process owns; MADV_HUGEPAGE only
            // changes how the kernel backs it, never its contents.
            unsafe {
                libc::madvise(
                    aligned as *mut libc::c_void,
                    end - aligned,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = buf;
}

fn decode<T: Element>(
    path: &Path,
    h: &Header,
    fill: impl FnOnce(&mut [u8]) -> Result<()>,
) -> Result<ArrayD<T>> {
    let mut v: Vec<T> = vec![T::default(); h.len()];
    // SAFETY: T is a plain integer or float type (all bit patterns valid); the byte view covers
    // exactly the vector's initialised elements.
    let bytes = unsafe {
        std::slice::from_raw_parts_mut(v.as_mut_ptr() as *mut u8, std::mem::size_of_val(&v[..]))
    };
    advise_huge_pages(bytes);
    fill(bytes)?;
    if h.big_endian != cfg!(target_endian = "big") && h.dtype.size() > 1 {
        for x in v.iter_mut() {
            *x = x.swap();
        }
    }
    let arr = if h.fortran_order {
        ArrayD::from_shape_vec(IxDyn(&h.shape).f(), v)
            .map_err(|e| Error::bad_file(path, e.to_string()))?
            .as_standard_layout()
            .into_owned()
    } else {
        ArrayD::from_shape_vec(IxDyn(&h.shape), v)
            .map_err(|e| Error::bad_file(path, e.to_string()))?
    };
    Ok(arr)
}

/// Read an array of exactly type `T`.
pub fn read<T: Element>(path: impl AsRef<Path>) -> Result<ArrayD<T>> {
    Source::File(path.as_ref()).read()
}

/// Read image data as `u16`: `uint16` as is, `uint8` scaled by 257 (so 255 -> 65535).
pub fn read_u16_images(path: impl AsRef<Path>) -> Result<ArrayD<u16>> {
    Source::File(path.as_ref()).read_u16_images()
}

/// Read integer labels of any integer dtype as `i64`.
pub fn read_int_labels(path: impl AsRef<Path>) -> Result<ArrayD<i64>> {
    Source::File(path.as_ref()).read_int_labels()
}

/// [`read`] from the content of a `.npy` file held in memory; `name` is only used in messages.
pub fn read_bytes<T: Element>(bytes: &[u8], name: impl AsRef<Path>) -> Result<ArrayD<T>> {
    Source::Bytes {
        bytes,
        name: name.as_ref(),
    }
    .read()
}

/// [`read_u16_images`] from the content of a `.npy` file held in memory.
pub fn read_u16_images_bytes(bytes: &[u8], name: impl AsRef<Path>) -> Result<ArrayD<u16>> {
    Source::Bytes {
        bytes,
        name: name.as_ref(),
    }
    .read_u16_images()
}

/// [`read_int_labels`] from the content of a `.npy` file held in memory.
pub fn read_int_labels_bytes(bytes: &[u8], name: impl AsRef<Path>) -> Result<ArrayD<i64>> {
    Source::Bytes {
        bytes,
        name: name.as_ref(),
    }
    .read_int_labels()
}

/// Write a C-ordered little-endian `.npy` file atomically.
pub fn write<T: Element>(path: impl AsRef<Path>, shape: &[usize], data: &[T]) -> Result<()> {
    let path = path.as_ref();
    let n: usize = shape.iter().product();
    if n != data.len() {
        return crate::error::invalid(
            "npy write",
            format!(
                "shape {} holds {n} values, got {}",
                shape_str(shape),
                data.len()
            ),
        );
    }
    let descr = match T::DTYPE {
        Dtype::U8 => "|u1",
        Dtype::I8 => "|i1",
        Dtype::U16 => "<u2",
        Dtype::I16 => "<i2",
        Dtype::U32 => "<u4",
        Dtype::I32 => "<i4",
        Dtype::U64 => "<u8",
        Dtype::I64 => "<i8",
        Dtype::F32 => "<f4",
        Dtype::F64 => "<f8",
        Dtype::Bool | Dtype::F16 => "|u1",
    };
    let mut dict = format!(
        "{{'descr': '{descr}', 'fortran_order': False, 'shape': {}, }}",
        shape_str(shape)
    );
    // Pad so that the data start at a multiple of 64 bytes (as NumPy does), newline-terminated.
    let total = 10 + dict.len() + 1;
    let pad = (64 - total % 64) % 64;
    dict.push_str(&" ".repeat(pad));
    dict.push('\n');
    let hlen = dict.len();
    crate::fsx::write_atomic(path, |w| {
        use std::io::Write;
        w.write_all(MAGIC)?;
        if hlen <= u16::MAX as usize {
            w.write_all(&[1, 0])?;
            w.write_all(&(hlen as u16).to_le_bytes())?;
        } else {
            return Err(std::io::Error::other("npy header too long"));
        }
        w.write_all(dict.as_bytes())?;
        if cfg!(target_endian = "little") || T::DTYPE.size() == 1 {
            // SAFETY: plain numeric data viewed as bytes for writing.
            let bytes = unsafe {
                std::slice::from_raw_parts(data.as_ptr() as *const u8, std::mem::size_of_val(data))
            };
            w.write_all(bytes)?;
        } else {
            for x in data {
                let s = x.swap();
                // SAFETY: one plain numeric value viewed as bytes.
                let b = unsafe {
                    std::slice::from_raw_parts(
                        &s as *const T as *const u8,
                        std::mem::size_of::<T>(),
                    )
                };
                w.write_all(b)?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
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
}
