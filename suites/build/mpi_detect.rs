//! Open MPI detection for the `mpi` variants: finds `libmpi.so` (pkg-config `ompi-c`, then
//! `$MPI_LIB_DIR`, then the distributions' Open MPI directories). Where found, the build sets the
//! `parbench_mpi` cfg and records the library's path in `PARBENCH_MPI_LIB`: an MPI rank loads it
//! at run time (parbench itself never links it, so its start-up cost and the processes variants'
//! spawn cost are unchanged). `PARBENCH_MPI=0` builds without it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// How to get the MPI variants, for every reason they are off.
pub(crate) const HOW_TO_GET: &str = "install Open MPI (Debian/Ubuntu: `sudo apt-get install openmpi-bin libopenmpi-dev`) and rebuild parbench";

/// Whether the build has MPI.
pub(crate) enum MpiDecision {
    /// Found: the library to load in a rank, and how it was found.
    Enabled { library: PathBuf, how: String },
    /// Not built in: why, and how to get it.
    Disabled { reason: String },
}

fn env(name: &str) -> Option<String> {
    println!("cargo::rerun-if-env-changed={name}");
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn pkg_config_libdir() -> Option<PathBuf> {
    let out = Command::new(env("PKG_CONFIG").unwrap_or_else(|| "pkg-config".into()))
        .args(["--variable=libdir", "ompi-c"])
        .output()
        .ok()?;
    let dir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    (out.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// Open MPI's library in `dir`, if there (the unversioned link of the -dev package, else the
/// runtime's soname).
fn library_in(dir: &Path) -> Option<PathBuf> {
    ["libmpi.so", "libmpi.so.40"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
}

/// Detects Open MPI; prints what cargo should watch.
pub(crate) fn detect() -> MpiDecision {
    if env("PARBENCH_MPI").as_deref() == Some("0") {
        return MpiDecision::Disabled {
            reason: format!(
                "this parbench was built without MPI (PARBENCH_MPI=0 was set); to run the mpi variants, {HOW_TO_GET} without PARBENCH_MPI=0"
            ),
        };
    }
    let mut candidates: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(d) = env("MPI_LIB_DIR") {
        candidates.push((PathBuf::from(d), "MPI_LIB_DIR"));
    }
    if let Some(d) = pkg_config_libdir() {
        candidates.push((d, "pkg-config ompi-c"));
    }
    for d in [
        "/usr/lib/x86_64-linux-gnu/openmpi/lib",
        "/usr/lib/aarch64-linux-gnu/openmpi/lib",
        "/usr/lib64/openmpi/lib",
        "/usr/local/lib",
    ] {
        candidates.push((PathBuf::from(d), "a standard Open MPI directory"));
    }
    for (dir, _) in &candidates {
        if dir.is_dir() {
            println!("cargo::rerun-if-changed={}", dir.display());
        }
    }
    for (dir, how) in candidates {
        if let Some(lib) = library_in(&dir) {
            let library = lib.canonicalize().unwrap_or(lib);
            return MpiDecision::Enabled {
                how: format!("{}, found through {how}", library.display()),
                library,
            };
        }
    }
    MpiDecision::Disabled {
        reason: format!(
            "this parbench was built without MPI: no Open MPI library (libmpi.so) was found at build time; {HOW_TO_GET}"
        ),
    }
}
