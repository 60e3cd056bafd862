//! parbench's workloads: each runs the same problem under several execution models and verifies
//! every variant against a reference answer. Also the [`Workload`] trait for
//! your own code, the [`Registry`], plan resolution and the runner.
//!
//! # Your own workload
//!
//! Implement [`Workload`] (what the problem is, its reference answer, its variants) and
//! [`Execution`] (one prepared variant: [`Execution::run`] is the timed iteration,
//! [`Execution::answer`] is checked against the reference before and after timing), register it
//! in a [`Registry`], resolve a config against the registry ([`plan::resolve`]: names, sizes,
//! variants and parameters checked with positioned errors), and run the plan
//! ([`runner::run_plan`]: reference, verification, the engine's measurement in
//! [`parbench_harness::engine`], speedup and efficiency). The
//! [`RunResults`](parbench_schema::results::RunResults) that come out are
//! what `parbench report` renders: write them with
//! [`WriteResults::write`](parbench_harness::results_file::WriteResults::write) and render the HTML
//! report, CSV and Markdown with `parbench_reports::write_reports`. The repository's
//! `examples/custom_workload.rs` does all of that with serial, rayon and mutex variants.
//!
//! ```
//! use parbench_harness::config::{Config, ConfigSource};
//! use parbench_harness::engine::{IterationError, IterationOutput};
//! use parbench_schema::results::Status;
//! use parbench_suites::plan::{Filters, resolve};
//! use parbench_suites::runner::{self, RunControl, Silent};
//! use parbench_suites::workload::{NamedSize, WorkloadInfo};
//! use parbench_suites::{Answer, Execution, Problem, Registry, VariantInfo, Workload, WorkloadError};
//!
//! /// The sum of 0..n, computed in one loop.
//! struct Sum;
//!
//! struct SumRun {
//!     n: u64,
//!     total: [u64; 1],
//! }
//!
//! impl Execution for SumRun {
//!     fn run(&mut self) -> Result<IterationOutput, IterationError> {
//!         self.total = [(0..self.n).map(std::hint::black_box).sum()];
//!         Ok(IterationOutput::digest(self.total[0]))
//!     }
//!     fn answer(&self) -> Answer<'_> {
//!         Answer::Exact(self.total.as_slice().into())
//!     }
//! }
//!
//! impl Workload for Sum {
//!     fn info(&self) -> WorkloadInfo {
//!         WorkloadInfo {
//!             name: "sum",
//!             description: "the sum of 0..n",
//!             size_meaning: "terms",
//!             work_unit: "terms",
//!             sizes: vec![NamedSize { label: "S", n: 10_000 }],
//!             default_sizes: vec!["S"],
//!             params: vec![],
//!         }
//!     }
//!     fn variants(&self) -> Vec<VariantInfo> {
//!         vec![VariantInfo::serial("one loop")]
//!     }
//!     fn work(&self, problem: &Problem) -> f64 {
//!         problem.n as f64
//!     }
//!     fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
//!         Ok(Answer::exact(vec![problem.n * (problem.n - 1) / 2]))
//!     }
//!     fn prepare(
//!         &self,
//!         problem: &Problem,
//!         variant: &str,
//!         _workers: usize,
//!     ) -> Result<Box<dyn Execution>, WorkloadError> {
//!         match variant {
//!             "serial" => Ok(Box::new(SumRun { n: problem.n, total: [0] })),
//!             other => Err(WorkloadError::unknown_variant("sum", other)),
//!         }
//!     }
//! }
//!
//! let mut registry = Registry::empty();
//! registry.register(Sum);
//! let text = "[defaults]\nwarmup = \"1ms\"\nmin-samples = 3\nbudget = \"10ms\"\n\n[[suite]]\nworkload = \"sum\"\n";
//! let config = Config::parse(ConfigSource::new("sum.toml", text), 2).expect("a valid config");
//! let filters = Filters::default();
//! let plan = resolve(&config, &registry, &filters, false).expect("known names");
//! let mut results = runner::start_results(&config, &filters, false);
//! let completed = runner::run_plan(
//!     &plan,
//!     &mut results,
//!     &mut Silent,
//!     RunControl { should_stop: &|| false, checkpoint: &mut |_| {} },
//! );
//! runner::finish_results(&mut results, completed);
//! let point = &results.points[0];
//! assert_eq!(point.status, Status::Ok);
//! assert_eq!(point.derived.speedup, Some(1.0));
//! ```
//!
//! # External programs
//!
//! A config's `[[suite]]` may name a `command` instead of a workload: [`workloads::command`]
//! turns it into a workload, timed and measured through [`parbench_harness::command`]. A program
//! that embeds parbench and wants command suites must answer parbench's launcher: call
//! `parbench_harness::command::launcher_entry()` first thing in `main` and point
//! `parbench_harness::command::set_launcher` at its own executable.
#![warn(missing_docs)]

pub mod alloc;
pub mod backend;
pub mod calibrate;
pub mod check;
pub mod counter_rng;
pub mod exec;
pub mod hooks;
pub mod kernels;
pub mod matrix;
pub mod mpi;
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
