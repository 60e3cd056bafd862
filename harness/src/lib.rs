//! parbench's harness: the config model, the measurement engine, statistics, the results schema,
//! machine fingerprint, comparison and regression decisions, run history, and import/export for
//! other benchmark tools. It knows nothing of concrete workloads or of HTML.

pub mod ab;
pub mod analysis;
pub mod atomic_file;
pub mod changepoint;
pub mod compare;
pub mod config;
pub mod duration;
pub mod engine;
pub mod fingerprint;
pub mod fit;
pub mod history;
pub mod interop;
pub mod results;
pub mod rng;
pub mod stats;
#[cfg(test)]
mod test_support;
pub mod thresholds;
pub mod timefmt;

pub use duration::Nanos;
