//! Builds the OpenCL variants only where an OpenCL library can be linked (see
//! `build/opencl_detect.rs` and `build/opencl_build.rs`): sets the `parbench_opencl` cfg, and
//! records why it is off in `PARBENCH_OPENCL_BUILD` so that `parbench list` can say so.
//! `PARBENCH_OPENCL=0|1` overrides the detection. Likewise for Open MPI (`build/mpi_detect.rs`):
//! the `parbench_mpi` cfg, `PARBENCH_MPI_BUILD`, and `PARBENCH_MPI=0` to build without it.
//! `parbench_opencl_device` marks the tests that need an OpenCL device: set with
//! `parbench_opencl` where a platform is registered (`build/opencl_icd.rs`), or whatever was
//! found under `PARBENCH_REQUIRE_OPENCL=1` (the tests then run and fail without one).

#[path = "build/mpi_detect.rs"]
mod mpi_detect;
#[path = "build/opencl_build.rs"]
mod opencl_build;
#[path = "build/opencl_detect.rs"]
mod opencl_detect;
#[path = "build/opencl_icd.rs"]
mod opencl_icd;

use opencl_detect::Decision;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl)");
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl_device)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=build/opencl_icd.rs");
    println!("cargo::rerun-if-env-changed=PARBENCH_REQUIRE_OPENCL");
    println!("cargo::rerun-if-changed=build/opencl_detect.rs");
    println!("cargo::rerun-if-changed=build/opencl_build.rs");
    println!("cargo::rerun-if-changed=build/mpi_detect.rs");
    println!("cargo::rustc-check-cfg=cfg(parbench_mpi)");
    match mpi_detect::detect() {
        mpi_detect::MpiDecision::Enabled { library, how } => {
            println!("cargo::rustc-cfg=parbench_mpi");
            println!("cargo::rustc-env=PARBENCH_MPI_LIB={}", library.display());
            println!("cargo::rustc-env=PARBENCH_MPI_BUILD=built with Open MPI ({how})");
        }
        mpi_detect::MpiDecision::Disabled { reason } => {
            println!("cargo::rustc-env=PARBENCH_MPI_LIB=");
            println!("cargo::rustc-env=PARBENCH_MPI_BUILD={reason}");
        }
    }
    match opencl_build::detect() {
        Decision::Enabled { search, how } => {
            println!("cargo::rustc-cfg=parbench_opencl");
            let required = std::env::var("PARBENCH_REQUIRE_OPENCL").is_ok_and(|v| v == "1");
            if opencl_icd::platform_registered() || required {
                println!("cargo::rustc-cfg=parbench_opencl_device");
            }
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
