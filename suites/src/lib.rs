//! parbench's workloads: each runs the same problem under several execution models and verifies
//! every variant against a reference answer. Also the [`Workload`] trait for
//! your own code, the [`Registry`], plan resolution and the runner.

pub mod counter_rng;
pub mod exec;
pub mod matrix;
pub mod opencl;
pub mod plan;
pub mod processes;
pub mod registry;
pub mod runner;
#[cfg(unix)]
pub mod shm;
pub mod simd;
pub mod workload;
pub mod workloads;

pub use registry::Registry;
pub use workload::{
    Answer, Execution, NotApplicable, Observations, Problem, Tolerance, VariantInfo, Workload,
    WorkloadError, WorkloadInfo,
};
