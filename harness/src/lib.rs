//! parbench's harness: the config model, the measurement engine, statistics, the results schema,
//! machine fingerprint, comparison and regression decisions, run history, import/export for
//! other benchmark tools, the worker-process protocol and child-process management, and the
//! running and measuring of external programs (command suites). It knows nothing of concrete
//! workloads or of HTML.

pub mod atomic_file;
pub mod calibration;
pub mod command;
pub mod config;
pub mod echoed_config;
pub mod engine;
pub mod fingerprint;
pub mod history;
pub mod interference;
pub mod memory;
pub mod protocol;
pub mod repeated;
pub mod results_file;
#[cfg(unix)]
mod sys;
#[cfg(unix)]
pub mod worker_process;

pub use parbench_schema::Nanos;
// Temporary: the schema's modules under their old paths, until the callers import them from
// `parbench_schema` (removed in the commit that fixes the imports).
pub use parbench_analysis::derived as analysis;
pub use parbench_analysis::{
    ab, changepoint, compare, crossover, fit, input_file, interop, operations, results_io, rng,
    stats, thresholds, timefmt,
};
pub use parbench_schema::{duration, results};
