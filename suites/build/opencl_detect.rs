//! Decides whether `parbench-suites` is built with its OpenCL variants (the `parbench_opencl`
//! cfg): only where the linker can find an OpenCL library, because `ocl` links `libOpenCL` as
//! soon as any code references it. Shared by `build.rs` and the unit tests (`opencl::tests`), so
//! the decision is tested without rebuilding.

use std::path::{Path, PathBuf};

/// What the build script found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Build the OpenCL variants; link-search these directories (none: the linker's defaults).
    Enabled { search: Vec<PathBuf>, how: String },
    /// Build without them; the reason is shown wherever an OpenCL variant is listed.
    Disabled { reason: String },
}

/// What the decision looks at: environment variables and whether files exist.
pub(crate) struct Probe<'a> {
    /// `PARBENCH_OPENCL`: `0` (never), `1` (always), unset or empty (detect).
    pub(crate) force: Option<String>,
    /// `CARGO_CFG_TARGET_OS`.
    pub(crate) target_os: String,
    /// `CARGO_CFG_TARGET_ARCH`.
    pub(crate) target_arch: String,
    /// `OPENCL_LIB_DIR`: a directory that holds the OpenCL library.
    pub(crate) lib_dir: Option<String>,
    /// `LIBRARY_PATH` (colon-separated), searched by the linker too.
    pub(crate) library_path: Option<String>,
    /// Library directories pkg-config reports for `OpenCL` (`None` when pkg-config or the
    /// `OpenCL.pc` file is missing).
    pub(crate) pkg_config_dirs: Option<Vec<PathBuf>>,
    pub(crate) exists: &'a dyn Fn(&Path) -> bool,
}

/// Where distributions and vendors put `libOpenCL.so` (the Debian/Ubuntu multiarch directory is
/// added for the target architecture).
pub(crate) fn default_dirs(target_arch: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = vec![format!("/usr/lib/{target_arch}-linux-gnu").into()];
    for d in [
        "/usr/lib",
        "/usr/lib64",
        "/usr/local/lib",
        "/usr/local/lib64",
        "/opt/rocm/lib",
        "/usr/local/cuda/lib64",
        "/usr/lib/wsl/lib",
    ] {
        dirs.push(d.into());
    }
    dirs
}

const HOW_TO_GET: &str = "install an OpenCL ICD loader with its development files (Debian/Ubuntu: `apt-get install ocl-icd-opencl-dev`) and a platform (`pocl-opencl-icd` runs OpenCL on the CPU; or a GPU vendor's driver), then rebuild parbench (`cargo build --release` notices the library)";

/// The files and small directories whose change can change the decision, for the build
/// script's `rerun-if-changed`: every `libOpenCL.so` there is now (its removal is noticed),
/// `OPENCL_LIB_DIR`, and the pkg-config directories next to the library directories, where
/// installing the development package adds `OpenCL.pc` (its installation is noticed). Only
/// existing paths: cargo reruns a build script on every build while a watched path is missing.
/// The library directories themselves are not watched: cargo would scan them, with all their
/// subdirectories, on every build.
pub(crate) fn watched(probe: &Probe<'_>) -> Vec<PathBuf> {
    let mut lib_dirs: Vec<PathBuf> = probe.lib_dir.iter().map(PathBuf::from).collect();
    lib_dirs.extend(
        probe
            .library_path
            .iter()
            .flat_map(|p| p.split(':'))
            .filter(|d| !d.is_empty())
            .map(PathBuf::from),
    );
    lib_dirs.extend(probe.pkg_config_dirs.iter().flatten().cloned());
    lib_dirs.extend(default_dirs(&probe.target_arch));
    let mut out: Vec<PathBuf> = Vec::new();
    let mut add = |p: PathBuf| {
        if (probe.exists)(&p) && !out.contains(&p) {
            out.push(p);
        }
    };
    if let Some(dir) = &probe.lib_dir {
        add(PathBuf::from(dir));
    }
    for dir in &lib_dirs {
        add(dir.join("libOpenCL.so"));
        add(dir.join("pkgconfig"));
    }
    add(PathBuf::from("/usr/share/pkgconfig"));
    out
}

pub(crate) fn decide(probe: &Probe<'_>) -> Decision {
    match probe.force.as_deref().map(str::trim) {
        Some("0") | Some("false") | Some("no") => {
            return Decision::Disabled {
                reason: "this parbench was built without OpenCL (PARBENCH_OPENCL=0 was set); to use OpenCL, rebuild it without PARBENCH_OPENCL=0 where an OpenCL ICD loader (Debian/Ubuntu: `ocl-icd-opencl-dev`) and a platform (`pocl-opencl-icd`, or a GPU vendor's driver) are installed".into(),
            };
        }
        Some("1") | Some("true") | Some("yes") => {
            let search = probe.lib_dir.iter().map(PathBuf::from).collect();
            return Decision::Enabled {
                search,
                how: "forced by PARBENCH_OPENCL=1".into(),
            };
        }
        _ => {}
    }
    if probe.target_os == "macos" {
        return Decision::Enabled {
            search: vec![],
            how: "the OpenCL framework of macOS".into(),
        };
    }
    let lib_names: &[&str] = if probe.target_os == "windows" {
        &["OpenCL.lib", "libOpenCL.a", "libOpenCL.dll.a"]
    } else {
        &["libOpenCL.so", "libOpenCL.a"]
    };
    let has_lib = |dir: &Path| lib_names.iter().any(|n| (probe.exists)(&dir.join(n)));
    if let Some(dir) = &probe.lib_dir {
        let dir = PathBuf::from(dir);
        if has_lib(&dir) {
            return Decision::Enabled {
                how: format!("OPENCL_LIB_DIR={}", dir.display()),
                search: vec![dir],
            };
        }
    }
    if let Some(dirs) = &probe.pkg_config_dirs {
        // pkg-config knows OpenCL; its library is in one of its directories or the linker's.
        let found = dirs.iter().find(|d| has_lib(d));
        return Decision::Enabled {
            search: found.cloned().into_iter().collect(),
            how: "pkg-config OpenCL".into(),
        };
    }
    let mut dirs: Vec<PathBuf> = probe
        .library_path
        .iter()
        .flat_map(|p| p.split(':'))
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .collect();
    dirs.extend(default_dirs(&probe.target_arch));
    if let Some(dir) = dirs.iter().find(|d| has_lib(d)) {
        return Decision::Enabled {
            how: format!("{}", dir.join(lib_names[0]).display()),
            search: vec![dir.clone()],
        };
    }
    let runtime_only = dirs
        .iter()
        .find(|d| (probe.exists)(&d.join("libOpenCL.so.1")));
    let reason = match runtime_only {
        Some(d) => format!(
            "this parbench was built without OpenCL: {} exists but not the link-time libOpenCL.so; {HOW_TO_GET}",
            d.join("libOpenCL.so.1").display()
        ),
        None => format!(
            "this parbench was built without OpenCL: no OpenCL library (libOpenCL.so) was found when it was compiled; {HOW_TO_GET}"
        ),
    };
    Decision::Disabled { reason }
}
