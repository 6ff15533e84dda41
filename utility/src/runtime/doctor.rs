//! The environment report of `mammo doctor` and the notebooks' first cell: mammo, tch and
//! libtorch versions, CUDA and cuDNN, threads, allocator, device, bf16 units, what `precision =
//! auto` gives, and the profile.
use super::device::{
    allocator, cpu_bf16_units, device, init_state, LIBTORCH_EXPECTED, TCH_VERSION,
};
use super::precision::Precision;
use super::profile::Profile;
/// What `mammo doctor` and the notebooks' environment cell print.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnvReport {
    pub mammo_version: String,
    pub tch_version: String,
    pub libtorch_version: Option<String>,
    pub libtorch_dir: Option<String>,
    pub cuda_library: String,
    pub cuda_available: bool,
    pub cuda_devices: Vec<String>,
    pub cudnn_available: bool,
    pub threads: i32,
    /// How host memory is managed (see `tune_allocator`).
    pub allocator: String,
    pub device: String,
    /// The CPU's bf16 units ([`cpu_bf16_units`]), if any.
    pub cpu_bf16: Option<String>,
    /// What `precision = auto` gives the scratch and Siamese models on [`EnvReport::device`].
    pub auto_precision: String,
    /// What `precision = auto` gives a pretrained model's frozen backbone there.
    pub auto_backbone_precision: String,
    pub profile: String,
}

/// Read libtorch's version from the `version.py` beside its `lib/` directory (PyPI layout) or a
/// `build-version` file (standalone libtorch zip).
fn libtorch_version(lib_dir: &std::path::Path) -> Option<String> {
    let root = lib_dir.parent()?;
    if let Ok(s) = std::fs::read_to_string(root.join("version.py")) {
        for l in s.lines() {
            if let Some(rest) = l.strip_prefix("__version__") {
                let v = rest
                    .trim_start_matches([' ', '=', ':'])
                    .trim_start_matches("str")
                    .trim();
                let v = v.trim_matches(|c| c == '\'' || c == '"' || c == ' ');
                if !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
    }
    std::fs::read_to_string(root.join("build-version"))
        .ok()
        .map(|s| s.trim().to_string())
}

/// Names of the CUDA devices, read with `nvidia-smi` when present (libtorch's C API exposes only
/// the count).
fn cuda_device_names(n: i64) -> Vec<String> {
    let names: Vec<String> = std::process::Command::new("nvidia-smi")
        .args(["--query-gpu=name,memory.total", "--format=csv,noheader"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(|l| l.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    (0..n as usize)
        .map(|i| {
            format!(
                "cuda:{i} {}",
                names
                    .get(i)
                    .cloned()
                    .unwrap_or_else(|| "(name unknown)".into())
            )
        })
        .collect()
}

/// Gather the environment report.
pub fn report() -> EnvReport {
    let st = init_state();
    let cuda = tch::Cuda::is_available();
    let n = if cuda { tch::Cuda::device_count() } else { 0 };
    let dev = device();
    EnvReport {
        mammo_version: env!("CARGO_PKG_VERSION").to_string(),
        tch_version: TCH_VERSION.to_string(),
        libtorch_version: st.lib_dir.as_deref().and_then(libtorch_version),
        libtorch_dir: st.lib_dir.as_ref().map(|d| d.display().to_string()),
        cuda_library: match &st.cuda_loaded {
            Ok(()) => "libtorch_cuda.so loaded".into(),
            Err(e) => format!("not loaded: {e}"),
        },
        cuda_available: cuda,
        cuda_devices: cuda_device_names(n),
        cudnn_available: cuda && tch::Cuda::cudnn_is_available(),
        threads: tch::get_num_threads(),
        allocator: allocator().to_string(),
        device: format!("{dev:?}"),
        cpu_bf16: cpu_bf16_units().map(str::to_string),
        auto_precision: Precision::auto_for(dev).name().to_string(),
        auto_backbone_precision: Precision::auto_for_backbone(dev).name().to_string(),
        profile: Profile::from_env().name().to_string(),
    }
}

impl std::fmt::Display for EnvReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "mammo      {}", self.mammo_version)?;
        writeln!(f, "tch        {}", self.tch_version)?;
        writeln!(
            f,
            "libtorch   {} (expected {})",
            self.libtorch_version.as_deref().unwrap_or("unknown"),
            LIBTORCH_EXPECTED
        )?;
        writeln!(
            f,
            "  path     {}",
            self.libtorch_dir.as_deref().unwrap_or("unknown")
        )?;
        writeln!(f, "  cuda lib {}", self.cuda_library)?;
        writeln!(
            f,
            "CUDA       {}",
            if self.cuda_available {
                "available"
            } else {
                "not available"
            }
        )?;
        writeln!(f, "  devices  {}", self.cuda_devices.len())?;
        for d in &self.cuda_devices {
            writeln!(f, "    {d}")?;
        }
        writeln!(
            f,
            "  cuDNN    {}",
            if self.cudnn_available {
                "available"
            } else {
                "not available"
            }
        )?;
        writeln!(f, "threads    {}", self.threads)?;
        writeln!(f, "allocator  {}", self.allocator)?;
        writeln!(f, "device     {}", self.device)?;
        writeln!(
            f,
            "bf16 CPU   {}",
            self.cpu_bf16
                .as_deref()
                .unwrap_or("none (bf16 would be emulated, slowly)")
        )?;
        writeln!(
            f,
            "precision  auto = {} (scratch and Siamese models on this device), {} (frozen VGG16 \
             and InceptionV3 backbones)",
            self.auto_precision, self.auto_backbone_precision
        )?;
        write!(f, "profile    {}", self.profile)
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::device::parse_device;

    #[test]
    fn the_report_says_what_auto_precision_gives() {
        let r = report();
        let text = r.to_string();
        assert!(text.contains("bf16 CPU"), "{text}");
        assert!(
            text.contains(&format!("precision  auto = {}", r.auto_precision)),
            "{text}"
        );
        let dev = parse_device("auto").unwrap();
        assert_eq!(r.auto_precision, Precision::auto_for(dev).name());
        assert!(
            text.contains(&format!(
                "{} (frozen VGG16 and InceptionV3 backbones)",
                Precision::auto_for_backbone(dev).name()
            )),
            "{text}"
        );
    }
}
