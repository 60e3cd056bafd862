//! parbench's harness: measuring. The config language, the measurement engine and the
//! combining of repetitions, interference snapshots and memory limits, the machine
//! fingerprint and calibration cache, the worker-process protocol and child-process
//! management, the running and measuring of external programs (command suites), and
//! writing results files. It uses `parbench-analysis` for statistics and derived figures and
//! `parbench-schema` for the results' types; it knows nothing of concrete workloads or of HTML.

#![warn(missing_docs)]

pub mod atomic_file;
pub mod calibration;
pub mod cancel;
#[cfg(unix)]
mod children;
pub mod command;
pub mod config;
pub mod echoed_config;
pub mod engine;
pub mod fingerprint;
pub mod interference;
pub mod memory;
pub mod protocol;
pub mod repeated;
pub mod results_file;
#[cfg(unix)]
pub mod subreaper;
#[cfg(unix)]
mod sys;
#[cfg(unix)]
pub mod worker_process;
