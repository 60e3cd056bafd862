//! The built-in workloads.

pub mod pi;
pub mod square;
