//! The results schema: what a run measured, on which machine, with which config. Versioned by
//! [`SCHEMA_VERSION`] and documented in `docs/results-schema.md`; reports and comparisons read
//! only these types. Reading, validating and writing the file is `parbench_analysis::results_io`.

use crate::duration::Nanos;
use crate::machine::Machine;
use crate::params::ParamValue;
use crate::variant::VariantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// Version of the results file format written. Optional fields may be added within a version
/// (readers ignore what they do not know). Version 2 measures points in repetitions: `median`
/// is the median of the repetitions' medians and the interval covers a rerun.
pub const SCHEMA_VERSION: u32 = 2;
/// Versions this parbench reads: version 1 files (one block of samples per point) still load,
/// with no repetitions.
pub const READABLE_VERSIONS: std::ops::RangeInclusive<u32> = 1..=SCHEMA_VERSION;

/// One run: every point measured, plus the context needed to interpret and compare it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResults {
    /// Format version of this file ([`SCHEMA_VERSION`] when written by this parbench; 1 or 2 on
    /// read).
    pub schema_version: u32,
    /// Version of the parbench that wrote the file.
    pub parbench_version: String,
    /// The run directory's name: UTC start time, `2026-11-24T23-44-44Z`.
    pub run_id: String,
    /// Start of the run, RFC 3339 UTC.
    pub started_at: String,
    /// Absent while the run is in progress or when it was interrupted.
    #[serde(default)]
    pub finished_at: Option<String>,
    /// False while the run is in progress or when it was interrupted.
    pub complete: bool,
    /// The config the run used, verbatim, with its digest and the command-line filters.
    pub config: ConfigEcho,
    /// The fingerprint of the machine that ran it (hardware, software, optional calibration).
    pub machine: Machine,
    /// One entry per point, in run order.
    pub points: Vec<Point>,
    /// Where accelerator (OpenCL) variants start to beat the CPU over a size sweep; computed
    /// when the run ends (see `parbench_analysis::crossover::find_all`). Empty without such sweeps.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crossovers: Vec<crate::crossover::Crossover>,
    /// The Universal Scalability Law fitted to the throughput of every variant that runs on
    /// several worker counts, per problem (computed at the end of a run; see
    /// `parbench_analysis::fit::scalability_fits`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scalability: Vec<crate::fit::ScalabilityFit>,
    /// How busy the machine was, and the repetitions per point (absent in older files).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment: Option<RunEnvironment>,
}

/// The config as the run used it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ConfigEcho {
    /// The config file's path, or `<embedded configs/default.toml>` for the built-in one.
    pub path: String,
    /// Hex SHA-256 digest of `text`.
    pub sha256: String,
    /// The TOML text verbatim (empty for imported results).
    pub text: String,
    /// Whether `--quick` was given.
    pub quick: bool,
    /// The `--suite` arguments (empty: every suite).
    #[serde(default)]
    pub suite_filter: Vec<String>,
    /// The `--variant` arguments (empty: every variant).
    #[serde(default)]
    pub variant_filter: Vec<VariantId>,
    /// The part of the config's points this run measured (`run --shard K/N`); absent for a
    /// whole run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<Shard>,
}

/// Part `index` (1-based) of `count` deterministic parts of a run's points: `run --shard K/N`.
/// The parts of one config cover each of its points exactly once (see the plan's sharding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Shard {
    /// 1 to `count`.
    pub index: u32,
    /// How many parts, at least 1.
    pub count: u32,
}

/// A `--shard` value that is not `K/N` with 1 ≤ K ≤ N. (Display and Error by hand: this crate
/// depends on serde only.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardError {
    /// What was given.
    pub text: String,
}

impl fmt::Display for ShardError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid shard `{}`: expected K/N with 1 ≤ K ≤ N (for example 1/4)",
            self.text
        )
    }
}

impl std::error::Error for ShardError {}

impl std::str::FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Shard, ShardError> {
        let bad = || ShardError {
            text: text.to_string(),
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// How a variant executes its work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecutionModel {
    /// One thread, no parallelism: the reference every answer is checked against.
    Serial,
    /// Scoped OS threads, one per worker.
    Threads,
    /// A rayon pool of exactly `workers` threads.
    Rayon,
    /// Worker processes (re-executed parbench workers).
    Processes,
    /// An OpenCL device.
    Opencl,
    /// MPI ranks (distributed memory), started by an MPI launcher.
    Mpi,
    /// An external program run as a whole process.
    Command,
    /// Measured by another tool and imported (e.g. a criterion benchmark): how it executes is
    /// not known to parbench, and its answer was not verified by parbench.
    External,
}

impl fmt::Display for ExecutionModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExecutionModel::Serial => "serial",
            ExecutionModel::Threads => "threads",
            ExecutionModel::Rayon => "rayon",
            ExecutionModel::Processes => "processes",
            ExecutionModel::Opencl => "opencl",
            ExecutionModel::Mpi => "mpi",
            ExecutionModel::Command => "command",
            ExecutionModel::External => "external",
        })
    }
}

/// How workers share state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SyncKind {
    /// Private state, merged once at the end (or nothing shared at all).
    None,
    /// One `std::sync::Mutex` around the shared state.
    Mutex,
    /// One `std::sync::RwLock` around the shared state.
    RwLock,
    /// A hand-written test-and-set spin lock.
    SpinLock,
    /// Atomic read-modify-write operations on shared counters.
    Atomic,
    /// Per-worker padded slots merged at the end.
    Sharded,
    /// Partial results sent over channels.
    Channel,
    /// Unsynchronized read-modify-write: loses updates by design.
    Unsync,
    /// Data passed between address spaces (pipes, shared memory, device buffers).
    Message,
    /// Workers meet at a barrier (explicit, or the join ending each parallel step).
    Barrier,
}

impl fmt::Display for SyncKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The serde name (kebab-case); a test in `parbench_analysis::results_io` keeps the two
        // equal.
        f.write_str(match self {
            SyncKind::None => "none",
            SyncKind::Mutex => "mutex",
            SyncKind::RwLock => "rw-lock",
            SyncKind::SpinLock => "spin-lock",
            SyncKind::Atomic => "atomic",
            SyncKind::Sharded => "sharded",
            SyncKind::Channel => "channel",
            SyncKind::Unsync => "unsync",
            SyncKind::Message => "message",
            SyncKind::Barrier => "barrier",
        })
    }
}

/// The outcome of a point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Measured, and its answer matched the serial reference.
    Ok,
    /// Its answer differed from the reference: no speedup is reported.
    Wrong,
    /// It crashed, timed out or could not be prepared.
    Failed,
    /// Not run on this machine (unavailable), with the reason.
    Skipped,
    /// Incorrect by design (a lost-update demonstration): measured, never ranked.
    ExpectedIncorrect,
}

impl Status {
    /// Whether this status makes the run exit with code 3.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Wrong | Status::Failed)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok",
            Status::Wrong => "wrong",
            Status::Failed => "failed",
            Status::Skipped => "skipped",
            Status::ExpectedIncorrect => "expected-incorrect",
        })
    }
}

/// Identifies a point across runs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct PointKey {
    /// Suite name from the config.
    pub suite: String,
    /// Size label (`S`, the number, or a `{ label, n }` size's label).
    pub size: String,
    /// Variant name (`serial`, `threads`, `rayon`, …).
    pub variant: VariantId,
    /// Threads, processes or ranks the variant used.
    pub workers: u32,
    /// Sweep parameters, rendered `k=v` and joined with `,` (empty when none).
    pub params: String,
}

impl fmt::Display for PointKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/w{}",
            self.suite, self.size, self.variant, self.workers
        )?;
        if !self.params.is_empty() {
            write!(f, "[{}]", self.params)?;
        }
        Ok(())
    }
}

/// One measured (or skipped) combination of suite, size, variant, workers and parameters.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Point {
    /// Suite name from the config.
    pub suite: String,
    /// The workload the suite runs (`command` for a command suite).
    pub workload: String,
    /// Size label as configured (`"S"`, or the number).
    pub size: String,
    /// The problem size the label stands for, in the workload's own measure.
    pub n: u64,
    /// Variant name (`serial`, `threads`, `rayon`, …).
    pub variant: VariantId,
    /// How the variant executes its work.
    pub model: ExecutionModel,
    /// How the variant's workers share state.
    pub sync: SyncKind,
    /// Threads, processes or ranks the variant used (1 for an OpenCL device).
    pub workers: u32,
    /// Workload parameters set in the config that the variant reads; defaults and parameters it
    /// ignores are not listed.
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// Whether the answer was verified, wrong, failed, skipped or incorrect by design.
    pub status: Status,
    /// Why, for every status but `ok`; `None` for an `ok` point.
    #[serde(default)]
    pub reason: Option<String>,
    /// More workers than logical cores.
    pub oversubscribed: bool,
    /// Samples and statistics; `None` when the point was not timed (skipped, failed before timing).
    #[serde(default)]
    pub measurement: Option<Measurement>,
    /// Work per second at the median time; `None` when the point was not timed.
    #[serde(default)]
    pub throughput: Option<Throughput>,
    /// Figures against the baseline (speedup, efficiency, flags); only `ok` points have them.
    #[serde(default)]
    pub derived: Derived,
    /// Time components reported by the variant (compute vs exchange, start-up vs IPC, …).
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// Workload-specific figures (the pi estimate's error, lost updates, …).
    #[serde(default)]
    pub metrics: BTreeMap<String, Metric>,
    /// Human-readable warnings: unstable (CV > 10%), slow first iteration, CI wider than the
    /// target, oversubscribed, ….
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Operations per worker (fairness) and sampled per-operation latencies, from variants that
    /// count what each worker did (the contention suite).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<crate::operations::Operations>,
    /// A failed point's worker process stderr, raw (panic message and backtrace), its last
    /// 4 KiB: the `reason` quotes only a one-line summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

impl Point {
    /// The identity of this point across runs: suite, size, variant, workers and parameters.
    pub fn key(&self) -> PointKey {
        PointKey {
            suite: self.suite.clone(),
            size: self.size.clone(),
            variant: self.variant.clone(),
            workers: self.workers,
            params: self.params_label(),
        }
    }

    /// `k=v,k=v` of the parameters, empty when there are none.
    pub fn params_label(&self) -> String {
        self.params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The point's median time per iteration; `None` when it was not timed.
    pub fn median(&self) -> Option<Nanos> {
        self.measurement.as_ref().map(|m| m.stats.median)
    }

    /// Whether this point may be a headline (the best speedup of a run, a heatmap's colour, a
    /// winner): verified, measured, not oversubscribed and not flagged by any self-check.
    pub fn headline_eligible(&self) -> bool {
        self.status == Status::Ok
            && self.measurement.is_some()
            && !self.oversubscribed
            && self.derived.flags.is_empty()
    }
}

/// Raw samples and their statistics. Times are per iteration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// Every sample, in order: batch time divided by `iters_per_sample`, in ns.
    pub samples_ns: Vec<Nanos>,
    /// Iterations timed back to back in one sample, chosen after warm-up so a sample lasts well
    /// above the timer's resolution.
    pub iters_per_sample: u64,
    /// Median, interval, spread and outliers of the samples.
    pub stats: TimeStats,
    /// Iterations run to warm up before sampling.
    pub warmup_iters: u64,
    /// Time spent warming up, in total.
    pub warmup_ns: Nanos,
    /// The very first (cold) iteration.
    pub first_iteration_ns: Nanos,
    /// Smallest step of the monotonic clock observed.
    pub timer_resolution_ns: Nanos,
    /// Why sampling stopped.
    pub stop_reason: StopReason,
    /// Digest of every answer produced while timing (keeps the optimizer honest).
    pub checksum: String,
    /// The independent repetitions the samples come from, in order: `samples_ns` is their
    /// samples one repetition after another. With two or more, `stats.median` is the median of
    /// the repetitions' medians and `stats.ci_low..ci_high` the 95% interval for a rerun's
    /// figure (see `repeated`). Empty in files written before repetitions existed (one block).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repetitions: Vec<Repetition>,
}

impl Measurement {
    /// Each repetition's samples (the whole block as one repetition in older files).
    pub fn repetition_samples(&self) -> Vec<Vec<f64>> {
        let all: Vec<f64> = self.samples_ns.iter().map(|x| x.0).collect();
        if self.repetitions.is_empty() {
            return vec![all];
        }
        let mut out = Vec::with_capacity(self.repetitions.len());
        let mut at = 0;
        for r in &self.repetitions {
            let end = (at + r.samples).min(all.len());
            out.push(all[at..end].to_vec());
            at = end;
        }
        out
    }

    /// The rounds of the repetitions, in order (empty in older files).
    pub fn rounds(&self) -> Vec<u32> {
        self.repetitions.iter().map(|r| r.round).collect()
    }
}

/// One repetition of a point: a fresh preparation (buffers, threads or workers), its own
/// warm-up and a block of samples, measured in round `round` among the other points of its
/// problem (in a seeded random order).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repetition {
    /// 0-based round in which the repetition was measured: every point of a problem gets one
    /// repetition per round.
    pub round: u32,
    /// How many of the measurement's samples (consecutive) are this repetition's.
    pub samples: usize,
    /// Iterations per sample in this repetition.
    pub iters_per_sample: u64,
    /// Median of this repetition's samples, per iteration.
    pub median_ns: Nanos,
    /// Attempts measured: more than one when a disturbed attempt was measured again (the least
    /// disturbed attempt is kept).
    pub attempts: u32,
    /// What the operating system reported while it ran (Linux).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interference: Option<crate::interference::Interference>,
    /// Why the kept attempt counts as disturbed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disturbed: Option<String>,
}

/// The conditions of a run as a whole: how busy the machine was before it started, and how
/// many points were disturbed or measured again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunEnvironment {
    /// Independent repetitions per point (the config's `repetitions`).
    pub repetitions: u32,
    /// What other processes did during a short idle probe before the first point.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<crate::interference::Interference>,
    /// Why the machine counted as busy when the run started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub busy_at_start: Option<String>,
    /// Repetitions measured again because they were disturbed.
    #[serde(default)]
    pub remeasured: usize,
    /// The run-to-run drift the time intervals include (the config's `run-drift`).
    #[serde(default)]
    pub run_drift: f64,
}

/// Why sampling stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StopReason {
    /// The confidence interval reached the target width.
    TargetCi,
    /// The time budget was spent.
    Budget,
    /// `max-samples` were taken.
    MaxSamples,
}

/// Tukey-fence outlier counts: mild beyond 1.5 IQR from the quartiles, severe beyond 3 IQR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OutlierCounts {
    /// Samples below the lower quartile minus 3 IQR.
    pub low_severe: usize,
    /// Samples between 1.5 and 3 IQR below the lower quartile.
    pub low_mild: usize,
    /// Samples between 1.5 and 3 IQR above the upper quartile.
    pub high_mild: usize,
    /// Samples above the upper quartile plus 3 IQR.
    pub high_severe: usize,
}

impl OutlierCounts {
    /// Outliers of every kind together.
    pub fn total(&self) -> usize {
        self.low_severe + self.low_mild + self.high_mild + self.high_severe
    }
}

/// Width of the interval `low`..`high` relative to `center` (infinite around a zero centre,
/// unless the interval is empty).
pub fn relative_width(low: f64, high: f64, center: f64) -> f64 {
    if center == 0.0 {
        if high == low { 0.0 } else { f64::INFINITY }
    } else {
        (high - low) / center.abs()
    }
}

/// Statistics of per-iteration times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeStats {
    /// Number of samples, over all repetitions pooled.
    pub n: usize,
    /// Mean of the samples, per iteration.
    pub mean: Nanos,
    /// With two or more repetitions the median of the repetitions' medians, else the median of the
    /// samples.
    pub median: Nanos,
    /// Sample standard deviation (n − 1) of the samples.
    pub stddev: Nanos,
    /// Median absolute deviation of the samples, scaled by 1.4826 to estimate a standard deviation.
    pub mad: Nanos,
    /// Fastest sample.
    pub min: Nanos,
    /// Slowest sample.
    pub max: Nanos,
    /// Coefficient of variation: `stddev / mean` (a fraction, not a percentage).
    pub cv: f64,
    /// Lower end of the interval for the median a rerun would report (see `ci_level`).
    pub ci_low: Nanos,
    /// Upper end of the interval for the median a rerun would report.
    pub ci_high: Nanos,
    /// Confidence level of `ci_low..ci_high` (0.95).
    pub ci_level: f64,
    /// Tukey-fence outlier counts (counted, never removed).
    pub outliers: OutlierCounts,
}

impl TimeStats {
    /// Width of the interval relative to the median (`(ci_high − ci_low) / median`).
    pub fn relative_ci_width(&self) -> f64 {
        relative_width(self.ci_low.0, self.ci_high.0, self.median.0)
    }
}

/// Work per second at the median time, in the workload's unit (`B/s`, `samples/s`, `FLOP/s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Throughput {
    /// Work per second.
    pub value: f64,
    /// Unit of `value`, e.g. `B/s`, `samples/s`, `FLOP/s`.
    pub unit: String,
}

/// Figures derived against the baseline (the serial variant at the same workload, size and
/// parameters).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Derived {
    /// What the speedup is measured against, e.g. `serial`.
    #[serde(default)]
    pub baseline: Option<String>,
    /// Baseline median / this median.
    #[serde(default)]
    pub speedup: Option<f64>,
    /// Bootstrap 95% interval of the speedup.
    #[serde(default)]
    pub speedup_ci: Option<[f64; 2]>,
    /// Speedup / workers.
    #[serde(default)]
    pub efficiency: Option<f64>,
    /// Karp-Flatt experimentally determined serial fraction: (1/S - 1/p) / (1 - 1/p), p > 1.
    #[serde(default)]
    pub karp_flatt: Option<f64>,
    /// Self-checks this point failed (a 1-worker variant far from serial, a superlinear speedup,
    /// a disturbed machine, too few samples): a flagged point is shown with its flags and never
    /// becomes a headline. Empty in files written before the checks existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
}

/// A failed self-check of one point, with the likely causes in `message`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    /// Which self-check failed.
    pub kind: FlagKind,
    /// What was seen and its likely causes, for the reader.
    pub message: String,
}

/// Which self-check a point failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// A parallel variant at 1 worker differs from `serial` by more than its interval plus 15%.
    OneWorkerOffSerial,
    /// A speedup above the worker count (or an efficiency above 100%).
    Superlinear,
    /// The machine was busy while the point was measured (steal, other runnable tasks, CPU time
    /// well below wall time).
    Disturbed,
    /// Too few samples or repetitions for an interval.
    FewSamples,
    /// Faster than the machine's measured limit allows.
    AboveBound,
}

/// One time component of an iteration, as reported by the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    /// Component name, e.g. `compute`, `exchange`, `ipc`, `kernel`.
    pub name: String,
    /// Median over the samples of this component's time per iteration.
    pub median: Nanos,
    /// Mean time of this component per iteration.
    pub mean: Nanos,
    /// Mean of this phase / mean iteration time.
    pub share: f64,
    /// Per sample, the phase's mean time per iteration (like `Measurement::samples_ns`), for
    /// intervals over a phase (the crossover of OpenCL kernel time uses them). Empty in files
    /// written before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples_ns: Vec<Nanos>,
}

/// A workload figure stored in a point's `metrics` (e.g. `abs_error`, `lost_updates`,
/// `peak_rss_bytes`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// The figure, in `unit`.
    pub value: f64,
    /// Its unit (`ns`, `B`, `tasks`, …; empty for a plain ratio).
    pub unit: String,
}

impl RunResults {
    /// How many points have `status`.
    pub fn count(&self, status: Status) -> usize {
        self.points.iter().filter(|p| p.status == status).count()
    }

    /// Whether any point is wrong or failed (exit code 3).
    pub fn has_failures(&self) -> bool {
        self.points.iter().any(|p| p.status.is_failure())
    }
}
