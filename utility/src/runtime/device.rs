//! Device choice and environment report.
//!
//! libtorch's CUDA part (`libtorch_cuda.so`) is dropped by the linker's as-needed rule, so tch
//! never sees a GPU unless it is loaded by hand. [`init`] does that once, at run time, from the
//! directory the already-loaded `libtorch_cpu.so` came from; on a CPU-only (slim) install the
//! load fails harmlessly. The CLI and the notebooks both go through [`device`], which calls it.
use std::path::PathBuf;
use std::sync::OnceLock;
use tch::Device;

/// The tch crate version mammo is built with (checked against Cargo.lock by a test).
pub const TCH_VERSION: &str = "0.24.0";
/// The libtorch release that tch [`TCH_VERSION`] expects.
pub const LIBTORCH_EXPECTED: &str = "2.11.0";

#[derive(Debug, Clone)]
pub(crate) struct InitState {
    pub(crate) lib_dir: Option<PathBuf>,
    pub(crate) cuda_loaded: Result<(), String>,
}

static ALLOCATOR: OnceLock<String> = OnceLock::new();

/// Set up the allocator for tensor work once per process (`tune_allocator`) and say how it
/// is set. [`init`] calls it; the CLI calls it first thing, before any large allocation.
pub fn allocator() -> &'static str {
    ALLOCATOR.get_or_init(tune_allocator)
}

/// Keep freed tensor buffers in the process for reuse instead of handing them back to the
/// system (glibc `mallopt`: `mmap` only for blocks over 32 MiB, no trimming of the heap top).
///
/// glibc's default serves blocks from 128 KiB up with a fresh `mmap` and unmaps them when freed
/// (its adaptive threshold only rises with the blocks freed so far), so every training step
/// faulted in and zeroed hundreds of MB of new pages, and much of the CPU time went to the
/// kernel (the measurements are in docs/PERFORMANCE.md). 32 MiB is the largest threshold glibc
/// accepts; `M_MMAP_MAX=0` (no `mmap` at all) was no faster and raised the peak memory through
/// heap fragmentation. The cost: the process keeps its peak heap until
/// it exits. `MAMMO_MALLOC=system` leaves glibc's defaults.
fn tune_allocator() -> String {
    if std::env::var("MAMMO_MALLOC").is_ok_and(|v| v.trim() == "system") {
        return "system defaults (MAMMO_MALLOC=system)".into();
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only sets allocator parameters; it is safe to call at any time.
        let ok = unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
        };
        if ok {
            "buffers reused (glibc: M_MMAP_THRESHOLD=32 MiB, M_TRIM_THRESHOLD=2 GiB; MAMMO_MALLOC=system to turn off)".into()
        } else {
            "system defaults (glibc refused mallopt)".into()
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        "system defaults (not glibc)".into()
    }
}

static INIT: OnceLock<InitState> = OnceLock::new();

/// Directory of the libtorch that this process has loaded, read from `/proc/self/maps`.
fn loaded_libtorch_dir() -> Option<PathBuf> {
    // No torch call may happen before the CUDA library is loaded: libtorch caches its CUDA hooks
    // on first use, and a call made before libtorch_cuda.so registers them would pin "no CUDA"
    // for the life of the process. libtorch_cpu.so is mapped already (a load-time dependency).
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    maps.lines()
        .filter_map(|l| l.split_whitespace().nth(5))
        .find(|p| p.ends_with("/libtorch_cpu.so"))
        .and_then(|p| PathBuf::from(p).parent().map(|d| d.to_path_buf()))
        .or_else(|| std::env::var_os("LIBTORCH").map(|t| PathBuf::from(t).join("lib")))
}

fn dlopen_global(path: &std::path::Path) -> Result<(), String> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = CString::new(path.as_os_str().as_bytes()).map_err(|e| e.to_string())?;
    // SAFETY: dlopen with a valid NUL-terminated path; the handle is intentionally leaked so
    // the library stays loaded for the life of the process.
    let h = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if h.is_null() {
        // SAFETY: dlerror returns a thread-local C string or null.
        let err = unsafe { libc::dlerror() };
        let msg = if err.is_null() {
            "unknown dlopen error".to_string()
        } else {
            // SAFETY: non-null pointer from dlerror points to a valid C string.
            unsafe { std::ffi::CStr::from_ptr(err) }
                .to_string_lossy()
                .into_owned()
        };
        return Err(msg);
    }
    Ok(())
}

pub(crate) fn init_state() -> &'static InitState {
    INIT.get_or_init(|| {
        allocator();
        flush_denormals();
        let lib_dir = loaded_libtorch_dir();
        let cuda_loaded = match &lib_dir {
            Some(d) => {
                let p = d.join("libtorch_cuda.so");
                if p.exists() {
                    dlopen_global(&p).map_err(|e| {
                        if e.contains("cannot open shared object file") {
                            format!("CPU-only setup (the CUDA libraries libtorch_cuda.so needs are not installed: {e})")
                        } else {
                            e
                        }
                    })
                } else {
                    Err(format!("{} not present (CPU-only libtorch)", p.display()))
                }
            }
            None => Err("libtorch directory not found".into()),
        };
        InitState {
            lib_dir,
            cuda_loaded,
        }
    })
}

/// Treat subnormal floats as zero on this thread and on the threads it starts from now on
/// (libtorch's worker threads inherit the setting): SSE's flush-to-zero and denormals-are-zero
/// bits, what PyTorch's `torch.set_flush_denormal(True)` sets (tch does not expose it).
/// Arithmetic on subnormal numbers (below 1.2e-38) takes a slow path on x86 CPUs, up to ~100x
/// per operation: a frozen VGG16 whose 1x1 adapter had a large update spent 44 s instead of
/// 9.5 s on one epoch of 48 + 64 patches (docs/PERFORMANCE.md). Rounding such values to zero
/// changes nothing a float32 or bf16 model can represent usefully. [`init`] sets it and
/// [`crate::train::Classifier::build`] again, on the thread that builds (and then runs) a model:
/// a test harness's or a notebook's threads get it too. (Rust's deprecation of `_mm_setcsr`
/// is about LLVM assuming the default floating-point environment; the only effect of these two
/// bits is on subnormal values, which PyTorch's own setting accepts as well.)
#[cfg(target_arch = "x86_64")]
pub fn flush_denormals() {
    // MXCSR bit 15: flush to zero (results); bit 6: denormals are zero (inputs).
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);
    #[allow(deprecated)]
    // SAFETY: reading and writing MXCSR, which every x86_64 CPU has; only the two bits above
    // change, and they make no operation trap.
    unsafe {
        use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
        _mm_setcsr(_mm_getcsr() | FTZ_DAZ);
    }
}

#[cfg(not(target_arch = "x86_64"))]
pub fn flush_denormals() {}

/// Load libtorch's CUDA part when there is one and set up the allocator for tensor work
/// ([`allocator`]). Idempotent and cheap after the first call.
pub fn init() {
    let _ = init_state();
}

/// Whether a CUDA device can be used.
pub fn cuda_available() -> bool {
    init();
    tch::Cuda::is_available()
}

/// The device to compute on: `MAMMO_DEVICE` (`cpu`, `cuda`, `cuda:N`) when set, else the first
/// CUDA device when present, else the CPU.
pub fn device() -> Device {
    init();
    match std::env::var("MAMMO_DEVICE").ok().as_deref().map(str::trim) {
        Some("cpu") => Device::Cpu,
        Some(s) if s.starts_with("cuda") => {
            let idx = s
                .strip_prefix("cuda:")
                .and_then(|i| i.parse().ok())
                .unwrap_or(0);
            if tch::Cuda::is_available() {
                Device::Cuda(idx)
            } else {
                eprintln!("mammo: MAMMO_DEVICE={s} but CUDA is not available; using the CPU");
                Device::Cpu
            }
        }
        _ => Device::cuda_if_available(),
    }
}

/// The CPU's bf16 units, when it has them: `"AMX-BF16 + AVX512-BF16"` or `"AVX512-BF16"`
/// (every CPU with AMX so far also has AVX512-BF16, which oneDNN's bf16 kernels need at least).
/// `None` elsewhere: there libtorch emulates bf16 with float32 arithmetic and conversions, 2.5x
/// slower than float32 (docs/PERFORMANCE.md).
#[cfg(target_arch = "x86_64")]
pub fn cpu_bf16_units() -> Option<&'static str> {
    if !std::arch::is_x86_feature_detected!("avx512bf16") {
        return None;
    }
    // AMX-BF16 is CPUID leaf 7, sub-leaf 0, EDX bit 22 (std's detection of it is unstable).
    #[allow(unused_unsafe)]
    // SAFETY: CPUID leaf 7 exists on every CPU with AVX512-BF16 (reported by leaf 7 itself).
    let leaf7 = unsafe { std::arch::x86_64::__cpuid_count(7, 0) };
    Some(if leaf7.edx & (1 << 22) != 0 {
        "AMX-BF16 + AVX512-BF16"
    } else {
        "AVX512-BF16"
    })
}

#[cfg(not(target_arch = "x86_64"))]
pub fn cpu_bf16_units() -> Option<&'static str> {
    // ARM's bf16 (BF16/SVE) paths in libtorch are not measured: treat them as absent.
    None
}

/// The device a run asks for, as it is written in settings and `config.json`: `auto` (CUDA when
/// there is one, else the CPU), `cpu`, `cuda` (the first CUDA device) or `cuda:N`.
///
/// Parsing checks the spelling only, without touching the hardware (a sweep is planned on a
/// login node and run on GPU nodes); [`DeviceChoice::resolve`] finds the device itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceChoice {
    /// CUDA when there is one, else the CPU.
    #[default]
    Auto,
    Cpu,
    /// `cuda` (`None`: the first device) or `cuda:N`.
    Cuda(Option<usize>),
}

impl DeviceChoice {
    /// `auto` (or empty), `cpu`, `cuda`, `cuda:N`; an error naming the allowed spellings.
    pub fn parse(s: &str) -> crate::Result<DeviceChoice> {
        match s.trim() {
            "auto" | "" => Ok(DeviceChoice::Auto),
            "cpu" => Ok(DeviceChoice::Cpu),
            "cuda" => Ok(DeviceChoice::Cuda(None)),
            s => match s.strip_prefix("cuda:").map(|i| i.parse::<usize>()) {
                Some(Ok(i)) => Ok(DeviceChoice::Cuda(Some(i))),
                _ => crate::error::invalid(
                    "device",
                    format!("'{s}': expected auto, cpu, cuda or cuda:N"),
                ),
            },
        }
    }

    /// The spelling [`DeviceChoice::parse`] reads back.
    pub fn name(self) -> String {
        match self {
            DeviceChoice::Auto => "auto".into(),
            DeviceChoice::Cpu => "cpu".into(),
            DeviceChoice::Cuda(None) => "cuda".into(),
            DeviceChoice::Cuda(Some(i)) => format!("cuda:{i}"),
        }
    }

    /// The device on this machine: an error when CUDA is asked for and absent, or the index is
    /// past the devices there are.
    pub fn resolve(self) -> crate::Result<Device> {
        parse_device(&self.name())
    }
}

impl std::fmt::Display for DeviceChoice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

impl std::str::FromStr for DeviceChoice {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<DeviceChoice> {
        DeviceChoice::parse(s)
    }
}

impl TryFrom<String> for DeviceChoice {
    type Error = crate::Error;
    fn try_from(s: String) -> crate::Result<DeviceChoice> {
        DeviceChoice::parse(&s)
    }
}

impl From<DeviceChoice> for String {
    fn from(d: DeviceChoice) -> String {
        d.name()
    }
}

/// Check the syntax of a device name (`auto`, `cpu`, `cuda`, `cuda:N`) without touching the
/// hardware ([`DeviceChoice::parse`]).
pub fn parse_device_name(s: &str) -> crate::Result<()> {
    DeviceChoice::parse(s).map(|_| ())
}

/// Parse a device name given on a command line (`auto`, `cpu`, `cuda`, `cuda:N`).
pub fn parse_device(s: &str) -> crate::Result<Device> {
    init();
    match s.trim() {
        "auto" | "" => Ok(device()),
        "cpu" => Ok(Device::Cpu),
        s if s == "cuda" || s.starts_with("cuda:") => {
            let idx = match s.strip_prefix("cuda:") {
                Some(i) => i.parse().map_err(|_| {
                    crate::Error::invalid("device", format!("'{s}': expected cuda:N"))
                })?,
                None => 0,
            };
            if !tch::Cuda::is_available() {
                return crate::error::invalid(
                    "device",
                    format!("'{s}' requested but CUDA is not available"),
                );
            }
            if idx >= tch::Cuda::device_count() as usize {
                return crate::error::invalid(
                    "device",
                    format!("'{s}': only {} CUDA device(s)", tch::Cuda::device_count()),
                );
            }
            Ok(Device::Cuda(idx))
        }
        other => crate::error::invalid(
            "device",
            format!("'{other}': expected auto, cpu, cuda or cuda:N"),
        ),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    /// CPUID as Linux reports it: the `flags` line of /proc/cpuinfo is an independent reading of
    /// the same bits.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn bf16_units_agree_with_proc_cpuinfo() {
        let info = std::fs::read_to_string("/proc/cpuinfo").unwrap();
        let flags: Vec<&str> = info
            .lines()
            .find(|l| l.starts_with("flags"))
            .and_then(|l| l.split(':').nth(1))
            .unwrap()
            .split_whitespace()
            .collect();
        let has = |f: &str| flags.contains(&f);
        let expected = match (has("avx512_bf16"), has("amx_bf16")) {
            (false, _) => None,
            (true, false) => Some("AVX512-BF16"),
            (true, true) => Some("AMX-BF16 + AVX512-BF16"),
        };
        assert_eq!(cpu_bf16_units(), expected, "flags: {flags:?}");
    }
}
