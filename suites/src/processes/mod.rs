//! The `processes` execution model: a workload's work split into chunks (`chunksize`, as in
//! Python's `Pool.map`) and computed by worker processes, parbench re-executed as `parbench
//! worker`. Two variants: `processes-spawn` (a fresh process per task, in every iteration, like
//! `multiprocessing.Process`) and `processes-pool` (processes started once per point, outside the
//! timed region, then fed tasks every iteration, like `Pool`). Each iteration reports its time
//! split into start-up, IPC, compute and teardown; the point gets start-up and per-task IPC
//! costs and the workers' peak memory as metrics.
//!
//! Per workload, a [`Job`] says how to cut the work into task payloads and merge the results
//! (parent side) and [`worker`] computes them (worker side). Payloads and results are typed
//! structs (each workload's module defines its task and result) in the binary encoding of the
//! worker protocol ([`parbench_harness::protocol::encode_into`], postcard); large numeric arrays
//! travel as borrowed byte strings ([`Values`]), copied in bulk, never element by element.
//!
//! [`ProcessesBackend`] implements [`crate::hooks::Backend`] and reads a workload's
//! [`ProcessHook`](crate::hooks::ProcessHook); it does not import [`crate::backend`], the
//! adapter that lists it.

#[cfg(unix)]
pub mod fault;
#[cfg(unix)]
pub mod mandelbrot;
#[cfg(unix)]
pub mod matmul;
#[cfg(unix)]
pub mod particles;
#[cfg(unix)]
pub mod pi;
#[cfg(unix)]
pub mod square;
#[cfg(unix)]
pub mod worker;

use crate::hooks::{Backend, Hooks, Support};
use crate::workload::{
    Answer, Execution, NotApplicable, ParamKind, ParamSpec, Problem, VariantInfo, WorkloadError,
};
use parbench_harness::protocol::DecodeError;
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::ops::Range;

/// A fresh worker process per task, in every iteration.
pub const SPAWN: &str = names::PROCESSES_SPAWN;
/// Worker processes started once per point and reused.
pub const POOL: &str = names::PROCESSES_POOL;

/// Metric names a processes point reports (see docs/results-schema.md).
pub mod metric {
    /// Median time from starting a worker process to receiving its ready frame.
    pub const SPAWN_TO_READY: &str = "spawn_to_ready_ns";
    /// Median per-task IPC cost: round trip minus the worker's compute time.
    pub const IPC_PER_TASK: &str = "ipc_per_task_ns";
    /// Median compute time of one task inside a worker.
    pub const COMPUTE_PER_TASK: &str = "compute_per_task_ns";
    /// Tasks (chunks) per iteration.
    pub const TASKS: &str = "tasks_per_iteration";
    /// The chunk size used (after `chunksize = 0` was resolved).
    pub const CHUNKSIZE: &str = "chunksize";
    /// Wall time to start the whole pool (pool variant only; outside the timed region).
    pub const POOL_STARTUP: &str = "pool_startup_ns";
    /// Payload bytes through the pipes per iteration (tasks and results).
    pub const IPC_BYTES: &str = "ipc_bytes_per_iteration";
    /// Peak resident memory of all workers together, shared-memory pages excluded.
    pub const WORKERS_PEAK_RSS: &str = "workers_peak_rss_bytes";
    /// Growth of the parbench process's own peak RSS during the point (every variant).
    pub const PARBENCH_PEAK_RSS_GROWTH: &str = "parbench_peak_rss_growth_bytes";
    /// The memory the point needed: parbench's growth plus the workers' peak.
    pub const PEAK_RSS: &str = "peak_rss_bytes";
}

/// Whether `variant` is one of the processes variants.
pub fn is_processes_variant(variant: &str) -> bool {
    variant == SPAWN || variant == POOL
}

/// Why processes variants cannot run here, if they cannot.
pub fn unavailable_reason() -> Option<String> {
    #[cfg(unix)]
    {
        parbench_harness::worker_process::worker_program()
            .is_none()
            .then(|| parbench_harness::worker_process::NOT_CONFIGURED.to_string())
    }
    #[cfg(not(unix))]
    {
        Some("worker processes need a Unix platform (pipes, poll, wait4)".to_string())
    }
}

/// The two processes variants, with their availability on this machine.
pub fn variants() -> Vec<VariantInfo> {
    let reason = unavailable_reason();
    [
        (
            SPAWN,
            "a fresh worker process per chunk in every iteration (multiprocessing.Process): start-up, IPC and teardown are timed",
        ),
        (
            POOL,
            "worker processes started once per point, fed chunks every iteration (Pool.map): IPC is timed, start-up is not",
        ),
    ]
    .into_iter()
    .map(|(name, description)| {
        let v = VariantInfo::new(name, ExecutionModel::Processes, SyncKind::Message, description);
        match &reason {
            Some(r) => v.unavailable(r.clone()),
            None => v,
        }
    })
    .collect()
}

/// Both processes variants declared not applicable to a workload, with `reason`.
pub fn not_applicable(reason: &'static str) -> Vec<NotApplicable> {
    NotApplicable::all(&[SPAWN, POOL], reason)
}

/// The `chunksize` parameter every workload with processes variants takes.
pub fn chunksize_param() -> ParamSpec {
    ParamSpec {
        name: "chunksize",
        description: "processes variants: items per task, as in Pool.map; 0 = automatic (one task per worker for processes-spawn, four per worker for processes-pool, Pool.map's rule)",
        kind: ParamKind::Int {
            min: 0,
            max: 1 << 40,
        },
        default: ParamValue::Int(0),
    }
}

/// The `transport` parameter of workloads with large inputs.
pub fn transport_param() -> ParamSpec {
    ParamSpec {
        name: "transport",
        description: "processes variants: how inputs and outputs reach the workers: \"pipe\" (copied through the worker's stdin/stdout) or \"shm\" (a memory-mapped file in /dev/shm)",
        kind: ParamKind::Choice(&["pipe", "shm"]),
        default: ParamValue::Str("pipe".into()),
    }
}

/// The processes backend: adds `processes-spawn` and `processes-pool`, the `chunksize` (and,
/// where the hook asks, `transport`) parameter, and dispatches to the workload's job.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessesBackend;

impl Backend for ProcessesBackend {
    fn name(&self) -> &'static str {
        "processes"
    }

    fn variant_names(&self) -> &'static [&'static str] {
        &[SPAWN, POOL]
    }

    fn support(&self, hooks: &Hooks) -> Support {
        (&hooks.processes).into()
    }

    fn params(&self, hooks: &Hooks) -> Vec<ParamSpec> {
        let mut p = vec![chunksize_param()];
        if hooks.processes.supported().is_some_and(|h| h.transport) {
            p.push(transport_param());
        }
        p
    }

    fn variants(&self, _hooks: &Hooks) -> Vec<VariantInfo> {
        variants()
    }

    fn prepare(
        &self,
        hooks: &Hooks,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        match hooks.processes.supported() {
            Some(h) => (h.prepare)(problem, variant, workers),
            None => Err(WorkloadError::new(format!(
                "`{variant}`: this workload has no worker-process job"
            ))),
        }
    }
}

/// Items per task for `n` items on `workers` workers under `variant`.
pub fn resolve_chunksize(configured: i64, n: u64, workers: usize, variant: &str) -> u64 {
    let w = workers.max(1) as u64;
    let auto = if variant == SPAWN {
        n.div_ceil(w)
    } else {
        n.div_ceil(4 * w)
    };
    if configured > 0 {
        configured as u64
    } else {
        auto.max(1)
    }
}

/// Task `task`'s range of `0..n` for chunks of `chunk` items.
pub fn chunk_range(task: usize, chunk: u64, n: u64) -> Range<u64> {
    let start = (task as u64).saturating_mul(chunk).min(n);
    start..start.saturating_add(chunk).min(n)
}

/// How a workload runs in worker processes, on the parent's side.
pub trait Job: Send {
    /// The task kind the worker dispatches on (see [`worker::WorkerState::dispatch`]).
    fn kind(&self) -> &'static str;
    /// The items `0..items()` are cut into chunks, one task each.
    fn items(&self) -> u64;
    /// Called before each iteration's tasks; `iteration` counts from 1.
    fn begin(&mut self, _iteration: u64) {}
    /// Appends the payload of the task for `range`.
    fn encode(&mut self, task: usize, range: Range<u64>, out: &mut Vec<u8>);
    /// Merges the result of the task for `range`.
    fn absorb(&mut self, task: usize, range: Range<u64>, result: &[u8]) -> Result<(), TaskError>;
    /// A cheap digest of the iteration's answer.
    fn digest(&self) -> u64;
    /// The iteration's answer, for verification.
    fn answer(&self) -> Answer<'_>;
    /// Extra environment variables for the workers.
    fn worker_env(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        Vec::new()
    }
}

/// Numeric values carried in bulk: the native-endian bytes of an `f64` or `u32` slice (parent
/// and workers run on the same machine), encoded as one byte string, so encoding is a single
/// copy and decoding borrows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Values<'a>(#[serde(borrow, with = "serde_bytes")] pub &'a [u8]);

impl<'a> Values<'a> {
    /// The bytes of `values`.
    pub fn of<T: bytemuck::NoUninit>(values: &'a [T]) -> Self {
        Values(bytemuck::cast_slice(values))
    }

    /// Copies the values into `into`, which must hold exactly as many bytes.
    pub fn copy_into<T: bytemuck::Pod>(
        self,
        into: &mut [T],
        unit: &'static str,
    ) -> Result<(), TaskError> {
        let dest = bytemuck::cast_slice_mut::<T, u8>(into);
        if dest.len() != self.0.len() {
            return Err(TaskError::ResultSize {
                got: self.0.len(),
                expected: into.len(),
                unit,
            });
        }
        dest.copy_from_slice(self.0);
        Ok(())
    }
}

/// A shared-memory task (`square` and `matmul` over `shm`): the mapped file, the problem size
/// and the task's range; its result is empty (`()`), the output is written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShmTask<'a> {
    /// The shared file's path.
    pub path: &'a str,
    /// The problem size.
    pub n: u64,
    /// The first item of the task.
    pub start: u64,
    /// One past the last item of the task.
    pub end: u64,
}

/// Appends the encoding of a task or result.
pub fn put<T: Serialize>(out: &mut Vec<u8>, value: &T) {
    parbench_harness::protocol::encode_into(out, value);
}

/// Decodes a whole task payload or result, strictly.
pub fn get<'a, T: Deserialize<'a>>(bytes: &'a [u8], what: &'static str) -> Result<T, TaskError> {
    Ok(parbench_harness::protocol::decode_exact(bytes, what)?)
}

/// Why a task could not be computed (worker side) or its result used (parent side).
#[derive(Debug, thiserror::Error)]
pub enum TaskError {
    /// The payload or result is not what its kind encodes.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A result with the wrong number of values.
    #[error("{got} result bytes for {expected} {unit}")]
    ResultSize {
        /// Bytes received.
        got: usize,
        /// Values expected.
        expected: usize,
        /// What the values are.
        unit: &'static str,
    },
    /// Bulk bytes that are not a whole number of values.
    #[error("{len} bytes are not whole {unit}")]
    NotWhole {
        /// Bytes received.
        len: usize,
        /// What the values are.
        unit: &'static str,
    },
    /// A range outside the problem.
    #[error("{what} {start}..{end} are outside 0..{limit}")]
    OutOfRange {
        /// What the range counts.
        what: &'static str,
        /// First item.
        start: u64,
        /// One past the last item.
        end: u64,
        /// The problem's size.
        limit: u64,
    },
    /// A size this worker refuses.
    #[error("{what} {value} is too large")]
    TooLarge {
        /// What the size is of.
        what: &'static str,
        /// The size.
        value: u64,
    },
    /// A result that cannot be right.
    #[error("{hits} hits among {samples} samples is impossible")]
    ImpossibleHits {
        /// Hits reported.
        hits: u64,
        /// Samples in the task.
        samples: u64,
    },
    /// The shared file could not be mapped or lent.
    #[error(transparent)]
    Shared(Box<dyn std::error::Error + Send + Sync>),
    /// A task kind this worker does not know.
    #[error("unknown task kind `{0}` (is the worker a different parbench build?)")]
    UnknownKind(String),
}

impl TaskError {
    /// A shared-memory failure, kept whole.
    pub fn shared(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TaskError::Shared(e.into())
    }
}

/// Keeps at most this many per-task figures (the most recent: the timed iterations come last).
const MAX_KEPT: usize = 1 << 20;

/// A figure measured in iteration `.0` (0: outside any iteration, e.g. the pool's start-up).
type Tagged = std::collections::VecDeque<(u64, f64)>;

fn keep(v: &mut Tagged, iteration: u64, x: f64) {
    if v.len() == MAX_KEPT {
        v.pop_front();
    }
    v.push_back((iteration, x));
}

/// The median of the figures from iteration `from` on, or of all of them if none is that late.
fn median_from(v: &Tagged, from: u64) -> Option<f64> {
    let late: Vec<f64> = v
        .iter()
        .filter(|(i, _)| *i >= from)
        .map(|(_, x)| *x)
        .collect();
    let all: Vec<f64>;
    let values = if late.is_empty() {
        all = v.iter().map(|(_, x)| *x).collect();
        &all
    } else {
        &late
    };
    (!values.is_empty()).then(|| parbench_analysis::stats::median(values))
}

fn ns_metric(v: f64) -> Metric {
    Metric {
        value: v,
        unit: "ns".into(),
    }
}

/// Builds the execution of `job` under processes variant `variant` on `workers` workers.
#[cfg(unix)]
pub fn prepare<J: Job + 'static>(
    problem: &Problem,
    variant: &str,
    workers: usize,
    job: J,
) -> Result<Box<dyn Execution>, WorkloadError> {
    prepare_dyn(problem, variant, workers, Box::new(job))
}

/// [`prepare`] behind one trait object: the execution is compiled once, not once per job type
/// (a dynamic call per task costs nothing beside the task's pipe round trip).
#[cfg(unix)]
fn prepare_dyn(
    problem: &Problem,
    variant: &str,
    workers: usize,
    job: Box<dyn Job>,
) -> Result<Box<dyn Execution>, WorkloadError> {
    use parbench_harness::worker_process::{Mode, WorkerSet};
    let mode = match variant {
        SPAWN => Mode::Spawn,
        POOL => Mode::Pool,
        other => {
            return Err(WorkloadError::new(format!(
                "`{other}` is not a processes variant"
            )));
        }
    };
    let configured = match problem.params.get("chunksize") {
        Some(_) => problem.int("chunksize")?,
        None => 0,
    };
    let chunk = resolve_chunksize(configured, job.items(), workers, variant);
    let tasks = job.items().div_ceil(chunk).max(1);
    if tasks > 1 << 24 {
        return Err(WorkloadError::new(format!(
            "chunksize {chunk} cuts {} items into {tasks} tasks per iteration; use a chunksize of at least {}",
            job.items(),
            job.items().div_ceil(1 << 24)
        )));
    }
    let set = WorkerSet::new(mode, workers, job.worker_env())
        .map_err(|e| WorkloadError::new(e.to_string()))?;
    Ok(Box::new(ProcessExecution {
        job,
        set,
        chunk,
        tasks: tasks as usize,
        timeout: std::time::Duration::from_secs(60),
        iteration: 0,
        started: false,
        stats: Stats::default(),
    }))
}

/// Builds nothing: worker processes need Unix.
#[cfg(not(unix))]
pub fn prepare<J: Job + 'static>(
    _problem: &Problem,
    _variant: &str,
    _workers: usize,
    _job: J,
) -> Result<Box<dyn Execution>, WorkloadError> {
    Err(WorkloadError::new(unavailable_reason().unwrap_or_default()))
}

/// Figures gathered over every iteration of a point, tagged with their iteration.
#[derive(Debug, Default)]
struct Stats {
    startups_ns: Tagged,
    ipc_ns: Tagged,
    compute_ns: Tagged,
    pool_startup_ns: Option<f64>,
    ipc_bytes: u64,
    /// Largest concurrent private peak of the workers seen.
    workers_peak: Option<u64>,
}

#[cfg(unix)]
struct ProcessExecution {
    job: Box<dyn Job>,
    set: parbench_harness::worker_process::WorkerSet,
    chunk: u64,
    tasks: usize,
    timeout: std::time::Duration,
    iteration: u64,
    started: bool,
    stats: Stats,
}

/// The batch of one iteration, seen by the worker set.
#[cfg(unix)]
struct IterationTasks<'a> {
    job: &'a mut dyn Job,
    chunk: u64,
    count: usize,
    bytes: u64,
}

#[cfg(unix)]
impl parbench_harness::worker_process::Tasks for IterationTasks<'_> {
    fn kind(&self) -> &str {
        self.job.kind()
    }

    fn count(&self) -> usize {
        self.count
    }

    fn encode(&mut self, task: usize, out: &mut Vec<u8>) {
        let before = out.len();
        let range = chunk_range(task, self.chunk, self.job.items());
        self.job.encode(task, range, out);
        self.bytes += (out.len() - before) as u64;
    }

    fn absorb(
        &mut self,
        task: usize,
        result: &[u8],
    ) -> Result<(), parbench_harness::worker_process::TaskError> {
        self.bytes += result.len() as u64;
        let range = chunk_range(task, self.chunk, self.job.items());
        Ok(self.job.absorb(task, range, result)?)
    }
}

/// Iterations whose spawned processes get their memory read (the first runs: verification and
/// warm-up; the timed samples do not pay for the reading).
#[cfg(unix)]
const MEMORY_SAMPLED_ITERATIONS: u64 = 3;

#[cfg(unix)]
impl ProcessExecution {
    fn record_memory(&mut self, report: &parbench_harness::worker_process::BatchReport) {
        if let Some(p) = report.concurrent_private_peak(self.set.workers()) {
            self.stats.workers_peak = Some(self.stats.workers_peak.unwrap_or(0).max(p));
        }
    }
}

#[cfg(unix)]
impl Execution for ProcessExecution {
    fn run(
        &mut self,
    ) -> Result<parbench_harness::engine::IterationOutput, parbench_harness::engine::IterationError>
    {
        use parbench_harness::worker_process::Mode;
        use parbench_schema::Nanos;
        use std::time::{Duration, Instant};
        // The pool starts on the first run: the untimed verification run, before any timing.
        if self.set.mode() == Mode::Pool && !self.started {
            let t = Instant::now();
            let report = self
                .set
                .start(self.timeout)
                .map_err(parbench_harness::engine::IterationError::backend)?;
            self.stats.pool_startup_ns = Some(t.elapsed().as_nanos() as f64);
            for (_, d) in &report.startups {
                keep(&mut self.stats.startups_ns, 0, d.as_nanos() as f64);
            }
            self.started = true;
        }
        self.iteration += 1;
        self.job.begin(self.iteration);
        let spawn = self.set.mode() == Mode::Spawn;
        self.set
            .set_sample_memory(spawn && self.iteration <= MEMORY_SAMPLED_ITERATIONS);
        let mut tasks = IterationTasks {
            job: self.job.as_mut(),
            chunk: self.chunk,
            count: self.tasks,
            bytes: 0,
        };
        let report = self
            .set
            .run_batch(&mut tasks, self.timeout)
            .map_err(parbench_harness::engine::IterationError::backend)?;
        self.stats.ipc_bytes = tasks.bytes;

        let slots = self.set.workers() as f64;
        let per_slot = |d: Duration| Nanos(d.as_nanos() as f64 / slots);
        let mut compute = Duration::ZERO;
        let mut ipc = Duration::ZERO;
        for t in &report.tasks {
            compute += t.compute;
            ipc += t.ipc();
            let i = self.iteration;
            keep(&mut self.stats.compute_ns, i, t.compute.as_nanos() as f64);
            keep(&mut self.stats.ipc_ns, i, t.ipc().as_nanos() as f64);
        }
        let mut phases = Vec::new();
        if spawn {
            let startup: Duration = report.startups.iter().map(|(_, d)| *d).sum();
            let teardown: Duration = report.teardowns.iter().map(|(_, d)| *d).sum();
            for (_, d) in &report.startups {
                keep(
                    &mut self.stats.startups_ns,
                    self.iteration,
                    d.as_nanos() as f64,
                );
            }
            self.record_memory(&report);
            phases.push(("startup".into(), per_slot(startup)));
            phases.push(("ipc".into(), per_slot(ipc)));
            phases.push(("compute".into(), per_slot(compute)));
            phases.push(("teardown".into(), per_slot(teardown)));
        } else {
            phases.push(("ipc".into(), per_slot(ipc)));
            phases.push(("compute".into(), per_slot(compute)));
        }
        Ok(parbench_harness::engine::IterationOutput {
            digest: self.job.digest(),
            phases,
        })
    }

    fn answer(&self) -> Answer<'_> {
        self.job.answer()
    }

    fn set_sample_timeout(&mut self, timeout: std::time::Duration) {
        self.timeout = timeout;
    }

    fn finish(&mut self, timed_iterations: u64) -> BTreeMap<String, Metric> {
        // Per-task figures come from the timed iterations (the last ones run): warm-up can
        // behave differently (cold caches, processes not yet placed on their cores).
        let from = self.iteration.saturating_sub(timed_iterations) + 1;
        if self.started {
            self.set.set_sample_memory(true);
            if let Ok(report) = self.set.shutdown(self.timeout) {
                self.record_memory(&report);
            }
        }
        let s = &self.stats;
        let mut m = BTreeMap::new();
        if let Some(v) = median_from(&s.startups_ns, from) {
            m.insert(metric::SPAWN_TO_READY.into(), ns_metric(v));
        }
        if let Some(v) = median_from(&s.ipc_ns, from) {
            m.insert(metric::IPC_PER_TASK.into(), ns_metric(v));
        }
        if let Some(v) = median_from(&s.compute_ns, from) {
            m.insert(metric::COMPUTE_PER_TASK.into(), ns_metric(v));
        }
        if let Some(v) = s.pool_startup_ns {
            m.insert(metric::POOL_STARTUP.into(), ns_metric(v));
        }
        let count = |v: f64, unit: &str| Metric {
            value: v,
            unit: unit.into(),
        };
        m.insert(metric::TASKS.into(), count(self.tasks as f64, "tasks"));
        m.insert(metric::CHUNKSIZE.into(), count(self.chunk as f64, "items"));
        m.insert(metric::IPC_BYTES.into(), count(s.ipc_bytes as f64, "B"));
        if let Some(v) = s.workers_peak {
            m.insert(metric::WORKERS_PEAK_RSS.into(), count(v as f64, "B"));
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_items_in_order() {
        for (n, chunk) in [(10u64, 3u64), (9, 3), (1, 5), (0, 1)] {
            let tasks = n.div_ceil(chunk).max(1) as usize;
            let mut next = 0;
            for t in 0..tasks {
                let r = chunk_range(t, chunk, n);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, n);
        }
        assert_eq!(resolve_chunksize(0, 100, 2, SPAWN), 50);
        assert_eq!(resolve_chunksize(0, 100, 2, POOL), 13);
        assert_eq!(resolve_chunksize(7, 100, 2, POOL), 7);
        assert_eq!(resolve_chunksize(0, 0, 2, POOL), 1);
    }

    #[test]
    fn medians_come_from_the_timed_iterations() {
        let mut v = Tagged::new();
        keep(&mut v, 0, 1000.0);
        for i in 1..=10 {
            keep(&mut v, i, if i <= 7 { 50.0 } else { 10.0 });
        }
        assert_eq!(median_from(&v, 8), Some(10.0));
        assert_eq!(median_from(&v, 1), Some(50.0));
        // Nothing that late (the pool's start-up, measured before any iteration): all of them.
        let mut s = Tagged::new();
        keep(&mut s, 0, 7.0);
        assert_eq!(median_from(&s, 5), Some(7.0));
        assert_eq!(median_from(&Tagged::new(), 1), None);
    }

    #[test]
    fn payloads_are_read_strictly() {
        let mut b = Vec::new();
        let task = ShmTask {
            path: "/dev/shm/x",
            n: 42,
            start: 1,
            end: 2,
        };
        put(&mut b, &task);
        assert_eq!(get::<ShmTask<'_>>(&b, "shm task").unwrap(), task);
        b.push(7);
        let e = get::<ShmTask<'_>>(&b, "shm task").unwrap_err();
        assert!(e.to_string().contains("1 unexpected bytes"), "{e}");
        assert!(get::<ShmTask<'_>>(&b[..5], "shm task").is_err());
        // Values are one bulk byte string: a varint length, then the bytes as they are.
        let x = [1.5f64, -2.0];
        let mut v = Vec::new();
        put(&mut v, &Values::of(&x));
        assert_eq!(v.len(), 1 + 16);
        assert_eq!(&v[1..], bytemuck::cast_slice::<f64, u8>(&x));
        let mut y = [0.0f64; 2];
        get::<Values<'_>>(&v, "values")
            .unwrap()
            .copy_into(&mut y, "values")
            .unwrap();
        assert_eq!(y, x);
        let e = Values(&[0; 8]).copy_into(&mut y, "values").unwrap_err();
        assert_eq!(e.to_string(), "8 result bytes for 2 values");
    }

    #[test]
    fn without_a_worker_program_the_variants_say_why() {
        // Unit tests never configure a worker program (the parbench binary does).
        for v in variants() {
            assert!(!v.is_available(), "{}", v.name);
            assert_eq!(v.model, ExecutionModel::Processes);
            assert_eq!(v.sync, SyncKind::Message);
            match v.availability {
                crate::workload::Availability::Unavailable { reason } => {
                    assert!(reason.contains("worker"), "{reason}")
                }
                _ => unreachable!(),
            }
        }
    }
}
