//! Bring your own Rust workload: a program of your own that puts its code through parbench's
//! engine, verification and reports. It defines a workload (`collatz`: the total number of
//! Collatz steps of every start value 1..=n) with three variants, `serial`, `rayon` and `mutex`,
//! registers it, runs a config over 1..=ncpu workers, and writes `results.json`, the HTML report
//! (`index.html` and a page per suite), CSV and Markdown into the directory it is given.
//!
//! ```sh
//! cargo run --release --example custom_workload -- custom-out
//! ```
//!
//! Exit codes as parbench's: 0, 2 (bad config or arguments), 3 (a variant failed or was wrong).

use parbench_harness::config::{Config, ConfigSource};
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_harness::fingerprint::logical_cores;
use parbench_harness::results_file::WriteResults;
use parbench_reports::{Format, write_reports};
use parbench_schema::results::{ExecutionModel, Point, SyncKind};
use parbench_schema::variant::names;
use parbench_suites::plan::{Filters, resolve};
use parbench_suites::runner::{self, Observer, RunControl};
use parbench_suites::workload::{NamedSize, WorkloadInfo};
use parbench_suites::{Answer, Execution, Problem, Registry, VariantInfo, Workload, WorkloadError};
use rayon::prelude::*;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

/// Steps until the Collatz sequence from `x` reaches 1. Start values differ a lot in cost, so
/// static chunks and work stealing behave differently.
fn steps(mut x: u64) -> u64 {
    let mut n = 0;
    while x != 1 {
        x = if x.is_multiple_of(2) {
            x / 2
        } else {
            3 * x + 1
        };
        n += 1;
    }
    n
}

/// The workload: a description, its sizes, a reference answer, and its variants.
struct Collatz;

impl Workload for Collatz {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "collatz",
            description: "total Collatz steps of every start value 1..=n (irregular per-item cost)",
            size_meaning: "start values",
            work_unit: "values",
            sizes: vec![
                NamedSize {
                    label: "S",
                    n: 200_000,
                },
                NamedSize {
                    label: "M",
                    n: 2_000_000,
                },
            ],
            default_sizes: vec!["S"],
            params: vec![],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        vec![
            VariantInfo::serial("one thread, a plain loop"),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "a rayon pool of `workers` threads summing with par_iter",
            ),
            VariantInfo::new(
                names::MUTEX,
                ExecutionModel::Threads,
                SyncKind::Mutex,
                "scoped threads adding each block's sum to a Mutex<u64>",
            ),
        ]
    }

    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64
    }

    /// The answer every variant must reproduce, by the simplest code.
    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        Ok(Answer::exact(vec![(1..problem.n + 1).map(steps).sum()]))
    }

    /// Untimed setup: thread pools are built here, outside the measured region.
    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let n = problem.n;
        Ok(match variant {
            names::SERIAL => Box::new(Serial { n, total: [0] }),
            names::RAYON => Box::new(Rayon {
                n,
                pool: rayon::ThreadPoolBuilder::new()
                    .num_threads(workers)
                    .build()
                    .map_err(|e| WorkloadError::new(format!("cannot build the pool: {e}")))?,
                total: [0],
            }),
            names::MUTEX => Box::new(Locked {
                n,
                workers,
                total: [0],
            }),
            other => return Err(WorkloadError::unknown_variant("collatz", other)),
        })
    }
}

struct Serial {
    n: u64,
    total: [u64; 1],
}

impl Execution for Serial {
    /// One timed iteration: the whole computation.
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.total = [(1..self.n + 1).map(steps).sum()];
        Ok(IterationOutput::digest(self.total[0]))
    }

    /// Checked against the reference before and after timing (not timed).
    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.total.as_slice().into())
    }
}

struct Rayon {
    n: u64,
    pool: rayon::ThreadPool,
    total: [u64; 1],
}

impl Execution for Rayon {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let n = self.n;
        self.total = [self
            .pool
            .install(|| (1..n + 1).into_par_iter().map(steps).sum())];
        Ok(IterationOutput::digest(self.total[0]))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.total.as_slice().into())
    }
}

struct Locked {
    n: u64,
    workers: usize,
    total: [u64; 1],
}

impl Execution for Locked {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        const BLOCK: u64 = 1024;
        let total = Mutex::new(0u64);
        let (n, w) = (self.n, self.workers as u64);
        std::thread::scope(|s| {
            for t in 0..w {
                let total = &total;
                s.spawn(move || {
                    // Static chunks; every block's partial sum goes through the lock.
                    let (lo, hi) = (1 + n * t / w, 1 + n * (t + 1) / w);
                    let mut start = lo;
                    while start < hi {
                        let end = (start + BLOCK).min(hi);
                        let part: u64 = (start..end).map(steps).sum();
                        *total.lock().expect("no worker panics") += part;
                        start = end;
                    }
                });
            }
        });
        self.total = [total.into_inner().expect("no worker panics")];
        Ok(IterationOutput::digest(self.total[0]))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.total.as_slice().into())
    }
}

/// The config: the same keys as a parbench config file.
const CONFIG: &str = r#"
[defaults]
warmup = "50ms"
min-samples = 5
max-samples = 30
budget = "300ms"

[[suite]]
workload = "collatz"
sizes = ["S"]
workers = "1..=ncpu"
"#;

/// Progress on stderr, one line per point.
struct Log;

impl Observer for Log {
    fn point_finished(&mut self, p: &Point) {
        let median = p.median().map_or("–".to_string(), |m| m.to_string());
        let status = p.reason.clone().unwrap_or_else(|| p.status.to_string());
        eprintln!(
            "{} {} {} w{}: {median} {status}",
            p.suite, p.size, p.variant, p.workers
        );
    }
}

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: custom_workload OUT_DIR");
        return ExitCode::from(2);
    };
    let mut registry = Registry::empty();
    registry.register(Collatz);
    let config = match Config::parse(
        ConfigSource::new("<custom_workload example>", CONFIG),
        logical_cores(),
    ) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let filters = Filters::default();
    let plan = match resolve(&config, &registry, &filters, false) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create {}: {e}", out.display());
        return ExitCode::from(2);
    }
    let results_path = out.join("results.json");
    let mut results = runner::start_results(&config, &filters, false);
    let mut write_error = None;
    let completed = runner::run_plan(
        &plan,
        &mut results,
        &mut Log,
        RunControl {
            should_stop: &|| false,
            // Checkpoint after every point, as parbench does.
            checkpoint: &mut |r| {
                if let Err(e) = r.write(&results_path) {
                    write_error.get_or_insert(e);
                }
            },
        },
    );
    runner::finish_results(&mut results, completed);
    if let Some(e) = write_error {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = write_reports(&results, &out, &Format::ALL) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    for p in &results.points {
        let speedup = p
            .derived
            .speedup
            .map_or("–".to_string(), |s| format!("{s:.2}x"));
        println!(
            "{} {} w{}: speedup {speedup} ({})",
            p.suite, p.variant, p.workers, p.status
        );
    }
    eprintln!("wrote {} and the report", results_path.display());
    if results.has_failures() {
        return ExitCode::from(3);
    }
    ExitCode::SUCCESS
}
