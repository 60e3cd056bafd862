//! Whether an OpenCL platform is registered with the ICD loader at build time: without one, an
//! OpenCL library can be linked but no device will ever be found, so the tests that need a device
//! are marked `ignored` (the `parbench_opencl_device` cfg) instead of printing a skip line and
//! passing. Looks where the loaders look: `OCL_ICD_FILENAMES` (libraries named directly),
//! `OCL_ICD_VENDORS` or `OPENCL_VENDOR_PATH` (a directory of `.icd` files, or one file), else
//! `/etc/OpenCL/vendors`. A registered platform may still have no usable device (PoCL without
//! double precision, say): those tests then print why they skip, as before.

use std::path::Path;

/// The loaders' default registry of platforms.
const VENDORS: &str = "/etc/OpenCL/vendors";

fn env(name: &str) -> Option<String> {
    println!("cargo::rerun-if-env-changed={name}");
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Whether `path` is an `.icd` file, or a directory holding one.
fn has_icd(path: &Path) -> bool {
    if path.is_dir() {
        // Installing or removing a platform changes the directory's mtime.
        println!("cargo::rerun-if-changed={}", path.display());
        std::fs::read_dir(path).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "icd"))
        })
    } else {
        path.is_file()
    }
}

/// Whether the ICD loader would find at least one platform.
pub(crate) fn platform_registered() -> bool {
    if env("OCL_ICD_FILENAMES").is_some() {
        return true;
    }
    let dir = env("OCL_ICD_VENDORS")
        .or_else(|| env("OPENCL_VENDOR_PATH"))
        .unwrap_or_else(|| VENDORS.to_string());
    if !Path::new(&dir).exists() {
        // Watch the parent, so that creating the directory reruns the build script.
        if let Some(parent) = Path::new(&dir).parent().filter(|p| p.is_dir()) {
            println!("cargo::rerun-if-changed={}", parent.display());
        }
        return false;
    }
    has_icd(Path::new(&dir))
}
