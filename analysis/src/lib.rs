//! parbench's analysis: statistics of measured samples (used while measuring and when judging
//! results), the figures derived from a run (speedups and self-checks, scalability fits,
//! crossovers, per-worker operations), comparing runs (compare, A/B, regression thresholds),
//! change points in history, reading results files, and import/export for other benchmark
//! tools. Pure computation on `parbench-schema` types: it measures nothing, starts no process
//! and knows nothing of the config language, workloads, HTML or databases.

#![warn(missing_docs)]

pub mod ab;
pub mod changepoint;
pub mod compare;
pub mod crossover;
pub mod derived;
pub mod digest;
pub mod fit;
pub mod input_file;
pub mod interop;
pub mod operations;
pub mod repeated;
pub mod results_io;
pub mod rng;
pub mod stats;
/// Small results, points and machines for tests (here and, with the `test-support` feature,
/// in the crates that use this one).
#[cfg(any(test, feature = "test-support"))]
pub mod test_support;
pub mod thresholds;
pub mod timefmt;
pub mod units;
