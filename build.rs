//! Sets the `parbench_opencl` cfg for the `parbench` package exactly as `parbench-suites`'s build
//! script decides it (the same detection, `suites/build/`), so that tests which need the OpenCL
//! variants are marked `ignored` with the reason in a build without them, instead of passing
//! silently.

#[path = "suites/build/opencl_build.rs"]
mod opencl_build;
#[path = "suites/build/opencl_detect.rs"]
mod opencl_detect;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(parbench_opencl)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=suites/build/opencl_detect.rs");
    println!("cargo::rerun-if-changed=suites/build/opencl_build.rs");
    if let opencl_detect::Decision::Enabled { .. } = opencl_build::detect() {
        println!("cargo::rustc-cfg=parbench_opencl");
    }
}
