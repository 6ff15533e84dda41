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

mod header;
use header::MAGIC;
pub use header::{parse_header, read_header, shape_str, Dtype, Header};

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
mod tests;
