//! The `.npy` header: magic, format versions 1-3, the Python-literal dictionary (`descr`,
//! `fortran_order`, `shape`), and the dtypes mammo reads. Every fault is a message that names it.
use crate::error::{Error, Result};
use std::io::Read;
use std::path::Path;
pub(super) const MAGIC: &[u8; 6] = b"\x93NUMPY";

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
