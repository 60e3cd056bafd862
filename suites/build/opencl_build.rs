//! OpenCL detection shared by the build scripts of `parbench-suites` (which links the OpenCL
//! variants) and of the `parbench` package (whose tests need to know whether the variants are
//! there): reads the environment and pkg-config, and tells cargo what to watch.

use super::opencl_detect::{self, Decision, Probe, decide};
use std::path::PathBuf;
use std::process::Command;

pub(crate) fn env(name: &str) -> Option<String> {
    println!("cargo::rerun-if-env-changed={name}");
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The library directories of `pkg-config --libs-only-L OpenCL`, or `None` when pkg-config or
/// the OpenCL module is missing.
fn pkg_config_dirs() -> Option<Vec<PathBuf>> {
    let out = Command::new(env("PKG_CONFIG").unwrap_or_else(|| "pkg-config".into()))
        .args(["--libs-only-L", "OpenCL"])
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .filter_map(|a| a.strip_prefix("-L"))
            .map(PathBuf::from)
            .collect()
    })
}

/// Detects OpenCL the way every build script of the workspace does: prints the
/// `rerun-if-changed` and `rerun-if-env-changed` lines (so installing or removing OpenCL takes
/// effect on the next build) and returns the decision. The caller prints the cfg.
pub(crate) fn detect() -> Decision {
    let force = env("PARBENCH_OPENCL");
    let probe = Probe {
        force: force.clone(),
        target_os: std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default(),
        target_arch: std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default(),
        lib_dir: env("OPENCL_LIB_DIR"),
        library_path: env("LIBRARY_PATH"),
        pkg_config_dirs: if force.is_some() {
            None
        } else {
            pkg_config_dirs()
        },
        exists: &|p| p.exists(),
    };
    // Installing or removing OpenCL takes effect on the next build, without a clean step: the
    // library files (removal) and the pkg-config directories (installation) are watched.
    for path in opencl_detect::watched(&probe) {
        println!("cargo::rerun-if-changed={}", path.display());
    }
    for dir in std::env::split_paths(&env("PKG_CONFIG_PATH").unwrap_or_default()) {
        if dir.is_dir() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    decide(&probe)
}
