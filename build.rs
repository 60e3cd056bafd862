//! Sets cfgs that mark tests needing a system part `ignored` (with the reason) in a build
//! without it, instead of letting them pass silently:
//! - `parbench_opencl`: exactly as `parbench-suites`'s build script decides it (the same
//!   detection, `suites/build/`);
//! - `parbench_opencl_device`: also an OpenCL platform registered with the ICD loader
//!   (`suites/build/opencl_icd.rs`), for the tests that need a device;
//! - `parbench_shellcheck`: a `shellcheck` program on `PATH` at build time (the build script
//!   reruns when a `PATH` directory changes, so installing or removing it takes effect on the
//!   next build);
//! - `parbench_mpi`: `parbench-suites` is built with its MPI variants (the same detection,
//!   `suites/build/mpi_detect.rs`; off under `PARBENCH_MPI=0`) and the `mpirun` launcher is on
//!   `PATH`;
//! - `parbench_postgres`: `PARBENCH_TEST_POSTGRES_URL` (the server of `tests/history_postgres.rs`,
//!   `ci/start-postgres.sh` prints one) is set at build time. The test binary is rebuilt when
//!   it changes.
//!
//! With `PARBENCH_REQUIRE_<PART>=1` (as in CI) the cfg is set whatever was found, so the tests
//! run and fail where the part is missing, as they must.

// Only the decision is needed here; the library path and reasons are `parbench-suites`'s.
#[allow(dead_code)]
#[path = "suites/build/mpi_detect.rs"]
mod mpi_detect;
#[path = "suites/build/opencl_build.rs"]
mod opencl_build;
#[path = "suites/build/opencl_detect.rs"]
mod opencl_detect;
#[path = "suites/build/opencl_icd.rs"]
mod opencl_icd;

fn required(part: &str) -> bool {
    let var = format!("PARBENCH_REQUIRE_{part}");
    println!("cargo::rerun-if-env-changed={var}");
    std::env::var(&var).is_ok_and(|v| v == "1")
}

/// Whether `program` is an executable file in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    println!("cargo::rerun-if-env-changed=PATH");
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    let mut found = false;
    for dir in std::env::split_paths(&path) {
        if dir.is_dir() {
            // A directory's mtime changes when a file is added to or removed from it.
            println!("cargo::rerun-if-changed={}", dir.display());
            found |= dir.join(program).is_file();
        }
    }
    found
}

fn main() {
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl)");
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl_device)");
    println!("cargo::rerun-if-changed=suites/build/opencl_icd.rs");
    println!("cargo::rustc-check-cfg=cfg(parbench_shellcheck)");
    println!("cargo::rustc-check-cfg=cfg(parbench_mpi)");
    println!("cargo::rustc-check-cfg=cfg(parbench_postgres)");
    println!("cargo::rerun-if-changed=suites/build/mpi_detect.rs");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=suites/build/opencl_detect.rs");
    println!("cargo::rerun-if-changed=suites/build/opencl_build.rs");
    let opencl = matches!(
        opencl_build::detect(),
        opencl_detect::Decision::Enabled { .. }
    );
    if opencl || required("OPENCL") {
        println!("cargo::rustc-cfg=parbench_opencl");
    }
    if (opencl && opencl_icd::platform_registered()) || required("OPENCL") {
        println!("cargo::rustc-cfg=parbench_opencl_device");
    }
    if on_path("shellcheck") || required("SHELLCHECK") {
        println!("cargo::rustc-cfg=parbench_shellcheck");
    }
    let mpi = matches!(
        mpi_detect::detect(),
        mpi_detect::MpiDecision::Enabled { .. }
    ) && on_path("mpirun");
    if mpi || required("MPI") {
        println!("cargo::rustc-cfg=parbench_mpi");
    }
    println!("cargo::rerun-if-env-changed=PARBENCH_TEST_POSTGRES_URL");
    let postgres =
        std::env::var("PARBENCH_TEST_POSTGRES_URL").is_ok_and(|url| !url.trim().is_empty());
    if postgres || required("POSTGRES") {
        println!("cargo::rustc-cfg=parbench_postgres");
    }
}
