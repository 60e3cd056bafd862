//! parbench's harness: the config model, the measurement engine, statistics, the results schema
//! and machine fingerprint. It knows nothing of concrete workloads or of HTML.

pub mod analysis;
pub mod atomic_file;
pub mod config;
pub mod duration;
pub mod engine;
pub mod fingerprint;
pub mod results;
pub mod rng;
pub mod stats;
pub mod timefmt;

pub use duration::Nanos;
