//! The workloads' kernels: the code that computes a workload's answer, in one place that the
//! workloads' own variants (`workloads/`) and every backend (`processes/`, `opencl/`, `mpi/`)
//! import. Nothing here imports a workload or a backend.

pub mod fault;
pub mod histogram;
pub mod mandelbrot;
pub mod matmul;
pub mod particles;
pub mod pi;
pub mod square;
pub mod stencil;
