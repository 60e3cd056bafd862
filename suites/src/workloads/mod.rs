//! The built-in workloads.

pub mod command;
pub mod contention;
pub mod counter;
pub mod fault;
pub mod granularity;
pub mod histogram;
pub mod mandelbrot;
pub mod matmul;
pub mod particles;
pub mod pi;
pub mod square;
pub mod stencil;
