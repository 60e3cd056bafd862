//! parbench's harness: the config model, the measurement engine, statistics, the results schema,
//! machine fingerprint, comparison and regression decisions, run history, import/export for
//! other benchmark tools, the worker-process protocol and child-process management, and the
//! running and measuring of external programs (command suites). It knows nothing of concrete
//! workloads or of HTML.

pub mod ab;
pub mod analysis;
pub mod atomic_file;
pub mod calibration;
pub mod cancel;
pub mod changepoint;
pub mod command;
pub mod compare;
pub mod config;
pub mod crossover;
pub mod duration;
pub mod engine;
pub mod fingerprint;
pub mod fit;
pub mod history;
pub mod input_file;
pub mod interference;
pub mod interop;
pub mod memory;
pub mod operations;
pub mod protocol;
pub mod repeated;
pub mod results;
pub mod rng;
pub mod stats;
#[cfg(unix)]
pub mod subreaper;
#[cfg(unix)]
mod sys;
#[cfg(test)]
mod test_support;
pub mod thresholds;
pub mod timefmt;
#[cfg(unix)]
pub mod worker_process;

pub use duration::Nanos;
