//! Builds the OpenCL variants only where an OpenCL library can be linked (see
//! `build/opencl_detect.rs`): sets the `parbench_opencl` cfg, and records why it is off in
//! `PARBENCH_OPENCL_BUILD` so that `parbench list` can say so. `PARBENCH_OPENCL=0|1` overrides
//! the detection.

#[path = "build/opencl_detect.rs"]
mod opencl_detect;

use opencl_detect::{Decision, Probe, decide};
use std::path::PathBuf;
use std::process::Command;

fn env(name: &str) -> Option<String> {
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

fn main() {
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build/opencl_detect.rs");
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
    match decide(&probe) {
        Decision::Enabled { search, how } => {
            println!("cargo::rustc-cfg=parbench_opencl");
            for dir in search {
                println!("cargo::rustc-link-search=native={}", dir.display());
            }
            println!("cargo::rustc-env=PARBENCH_OPENCL_BUILD=built with OpenCL ({how})");
        }
        Decision::Disabled { reason } => {
            println!("cargo::rustc-env=PARBENCH_OPENCL_BUILD={reason}");
        }
    }
}
