//! The measurement engine: warm-up, batch sizing, and sampling of one point until the 95% CI of
//! the median is narrow enough or the budget is spent. It times any [`Routine`]; what the routine
//! computes, and whether it is right, is the caller's business.
#![warn(missing_docs)]

use crate::cancel::{self, Cancelled, Deadline};
use crate::config::MeasureSettings;
use parbench_analysis::stats::{self, Summary};
use parbench_schema::duration::Nanos;
use parbench_schema::results::{Measurement, Phase, StopReason, TimeStats};
use std::borrow::Cow;
use std::hint::black_box;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// What one iteration of a routine reports besides its time.
#[derive(Debug, Clone, Default)]
pub struct IterationOutput {
    /// A cheap digest of the answer, folded into the point's checksum.
    pub digest: u64,
    /// Time components measured inside the iteration (must sum to at most its wall time).
    pub phases: Vec<(Cow<'static, str>, Nanos)>,
}

impl IterationOutput {
    /// An output with `digest` and no phases.
    pub fn digest(digest: u64) -> Self {
        IterationOutput {
            digest,
            phases: Vec::new(),
        }
    }
}

/// Why one iteration of a routine failed. Its `Display` is the point's one-line reason.
#[derive(Debug, thiserror::Error)]
pub enum IterationError {
    /// The routine failed; the message says how.
    #[error("{message}")]
    Failed {
        /// What went wrong.
        message: String,
    },
    /// An I/O operation failed; `context` says which.
    #[error("{context}: {source}")]
    Io {
        /// What was being done ("cannot open the shared file /dev/shm/x").
        context: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A backend's own error (OpenCL, MPI, worker processes), shown as it is and kept as the
    /// source.
    #[error(transparent)]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

impl IterationError {
    /// A failure described by `message`.
    pub fn failed(message: impl Into<String>) -> Self {
        IterationError::Failed {
            message: message.into(),
        }
    }

    /// An I/O failure while doing `context`.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        IterationError::Io {
            context: context.into(),
            source,
        }
    }

    /// A backend's error, kept as it is.
    pub fn backend(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        IterationError::Backend(Box::new(error))
    }
}

/// Something to time. Setup happens before the engine sees it; each call does exactly the work
/// that is measured.
pub trait Routine {
    /// Does one iteration of the measured work; an `Err` stops the measurement.
    fn iteration(&mut self) -> Result<IterationOutput, IterationError>;

    /// One iteration of a routine that may time itself (like criterion's `iter_custom`): the
    /// output and the duration that counts as the iteration's time, or `None` for the engine's
    /// clock. A command suite returns its program's spawn-to-exit time, measured by the process
    /// that started it, so launching, untimed `prepare` commands and reading the report stay
    /// outside the sample. The engine calls this method; the default runs
    /// [`iteration`](Self::iteration) and returns `None`.
    fn timed_iteration(&mut self) -> Result<(IterationOutput, Option<Duration>), IterationError> {
        self.iteration().map(|out| (out, None))
    }
}

impl<F: FnMut() -> Result<IterationOutput, IterationError>> Routine for F {
    fn iteration(&mut self) -> Result<IterationOutput, IterationError> {
        self()
    }
}

/// Why a measurement stopped without a result.
#[derive(Debug, thiserror::Error)]
pub enum MeasureError {
    /// The routine failed.
    #[error(transparent)]
    Routine(IterationError),
    /// One sample ran past the settings' `timeout`: it was cancelled at the timeout (a routine
    /// that polls [`cancel::requested`]) or ended late (one that does not).
    #[error("timed out after {}", cancel::format_limit(limit.as_duration()))]
    Timeout {
        /// How long the sample ran before it returned.
        elapsed: Nanos,
        /// The timeout.
        limit: Nanos,
    },
    /// The user interrupted the run ([`cancel::interrupt`]) while a sample ran.
    #[error("interrupted")]
    Interrupted,
}

impl MeasureError {
    /// The error for work that `deadline` found cancelled after `elapsed`.
    fn cancelled(why: Cancelled, elapsed: Duration) -> MeasureError {
        match why {
            Cancelled::Interrupted => MeasureError::Interrupted,
            Cancelled::TimedOut(limit) => MeasureError::Timeout {
                elapsed: Nanos::from_duration(elapsed),
                limit: Nanos::from_duration(limit),
            },
        }
    }
}

/// Runs `f` (a computation that is not a timed sample: a reference answer, a verification run)
/// under a [`Deadline`] of `limit`: its result, or why it was cancelled (the deadline passed
/// or the user interrupted; what `f` returned is then dropped). `f` stops early only if it
/// polls [`cancel::requested`].
pub fn run_with_deadline<T>(limit: Duration, f: impl FnOnce() -> T) -> Result<T, MeasureError> {
    let started = Instant::now();
    let deadline = Deadline::arm(limit);
    let out = f();
    match deadline.check() {
        Ok(()) => Ok(out),
        Err(why) => Err(MeasureError::cancelled(why, started.elapsed())),
    }
}

/// A finished measurement with the phases and warnings it produced.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Every raw sample and its statistics.
    pub measurement: Measurement,
    /// The time components the routine reported, per iteration.
    pub phases: Vec<Phase>,
    /// Unstable samples, a slow first iteration, a CI wider than the target.
    pub warnings: Vec<String>,
}

/// Coefficient of variation above which a point is flagged unstable.
pub const UNSTABLE_CV: f64 = 0.10;
/// A first iteration this many times slower than the median is flagged.
pub const SLOW_FIRST_FACTOR: f64 = 3.0;
/// Floor on the duration of one sample, whatever the timer's resolution.
pub const MIN_SAMPLE_FLOOR: Duration = Duration::from_micros(10);
/// Bootstrap resamples used while deciding whether to stop (the final figure uses more).
const STOP_CHECK_RESAMPLES: usize = 500;

/// The smallest non-zero step of `Instant` observed (cached).
pub fn timer_resolution() -> Nanos {
    static RES: OnceLock<Nanos> = OnceLock::new();
    *RES.get_or_init(|| {
        let mut best = Duration::MAX;
        for _ in 0..200 {
            let t0 = Instant::now();
            let mut t1 = Instant::now();
            while t1 == t0 {
                t1 = Instant::now();
            }
            best = best.min(t1 - t0);
        }
        Nanos::from_duration(best)
    })
}

/// Progress of a point while it is being sampled.
#[derive(Debug, Clone, Copy)]
pub struct SampleProgress {
    /// Samples taken so far.
    pub samples: usize,
    /// Sampling time spent so far.
    pub elapsed: Duration,
    /// The point's sampling budget.
    pub budget: Duration,
}

/// The clock the engine times samples, warm-up and budget with.
pub trait Clock {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The monotonic clock ([`Instant::now`]): the engine's clock unless told otherwise.
#[derive(Debug, Default, Clone, Copy)]
pub struct MonotonicClock;

impl Clock for MonotonicClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Measures `routine` under `settings`. `seed` makes the bootstrap reproducible;
/// `on_sample` is told after each sample.
pub fn measure(
    routine: &mut dyn Routine,
    settings: &MeasureSettings,
    seed: u64,
    on_sample: &mut dyn FnMut(SampleProgress),
) -> Result<Outcome, MeasureError> {
    measure_with(routine, settings, seed, None, &MonotonicClock, on_sample)
}

/// [`measure`] with another clock: a test's clock that advances only as its routine says makes
/// the figures exact, whatever else the machine does. Timeouts are still judged by the
/// monotonic clock.
pub fn measure_with_clock(
    routine: &mut dyn Routine,
    settings: &MeasureSettings,
    seed: u64,
    clock: &dyn Clock,
    on_sample: &mut dyn FnMut(SampleProgress),
) -> Result<Outcome, MeasureError> {
    measure_with(routine, settings, seed, None, clock, on_sample)
}

/// [`measure`] of a routine whose first (cold) iteration the caller already ran and timed
/// (`cold`), for instance to verify its answer: that run counts as the first iteration instead
/// of running another one.
pub fn measure_after_cold(
    routine: &mut dyn Routine,
    settings: &MeasureSettings,
    seed: u64,
    cold: Duration,
    on_sample: &mut dyn FnMut(SampleProgress),
) -> Result<Outcome, MeasureError> {
    measure_with(
        routine,
        settings,
        seed,
        Some(cold),
        &MonotonicClock,
        on_sample,
    )
}

fn measure_with(
    routine: &mut dyn Routine,
    settings: &MeasureSettings,
    seed: u64,
    cold: Option<Duration>,
    clock: &dyn Clock,
    on_sample: &mut dyn FnMut(SampleProgress),
) -> Result<Outcome, MeasureError> {
    let since = |t: Instant| clock.now().saturating_duration_since(t);
    let resolution = timer_resolution();
    let timeout = settings.timeout.0;
    // A routine that times itself (a command suite) may report more than the engine saw.
    let check_timeout = |elapsed: Duration| within_timeout(elapsed, timeout);
    let mut checksum: u64 = 0;
    let mut fold = |out: &IterationOutput| {
        checksum = black_box(checksum.rotate_left(7) ^ out.digest);
    };

    // A batch of `iters` iterations: its time (the engine's clock, or the sum of the times the
    // routine measured itself when every iteration did), with each output handed to `each`.
    // The batch runs under a deadline of `timeout`: a routine that polls `cancel::requested`
    // stops there, and an iteration that ends after it (or after an interrupt) is discarded.
    let mut run_batch =
        |iters: u64, each: &mut dyn FnMut(&IterationOutput)| -> Result<Duration, MeasureError> {
            let deadline = Deadline::arm(timeout);
            let t = clock.now();
            let mut own = Some(Duration::ZERO);
            for _ in 0..iters {
                // The routine's own error says more (a worker process killed at its timeout);
                // a result that arrives past the deadline (or an interrupt) is discarded.
                let (out, took) = routine.timed_iteration().map_err(MeasureError::Routine)?;
                // Inside the timed batch only the flag is read (no clock read per iteration).
                if cancel::requested() {
                    deadline
                        .check()
                        .map_err(|why| MeasureError::cancelled(why, since(t)))?;
                }
                own = own.zip(took).map(|(a, b)| a + b);
                each(&out);
            }
            let wall = since(t);
            deadline
                .check()
                .map_err(|why| MeasureError::cancelled(why, wall))?;
            Ok(own.unwrap_or(wall))
        };

    // Warm-up: one cold iteration, then batches of doubling size until the warm-up time is spent.
    // A cold run done by the caller counts toward the warm-up time.
    let now = clock.now();
    let warm_start = cold.and_then(|c| now.checked_sub(c)).unwrap_or(now);
    let first = match cold {
        Some(cold) => cold,
        None => run_batch(1, &mut |out| fold(out))?,
    };
    check_timeout(first)?;
    let mut warm_iters: u64 = 1;
    // Per-iteration estimate: the fastest warm-up batch. Preemption and cache misses only ever
    // make a batch slower, so the minimum is the estimate least disturbed by the machine.
    let mut per_iter = first.as_secs_f64();
    let mut batch = 1u64;
    while since(warm_start) < settings.warmup.0 {
        let elapsed = run_batch(batch, &mut |out| fold(out))?;
        check_timeout(elapsed)?;
        warm_iters += batch;
        per_iter = per_iter.min(elapsed.as_secs_f64() / batch as f64);
        batch = batch.saturating_mul(2);
    }
    let warmup_ns = Nanos::from_duration(since(warm_start));
    let min_sample = Duration::from_secs_f64(resolution.as_secs() * 1000.0).max(MIN_SAMPLE_FLOOR);
    let iters = ((min_sample.as_secs_f64() / per_iter.max(1e-12)).ceil() as u64).max(1);

    // Sampling.
    let mut samples: Vec<f64> = Vec::new();
    let mut phase_samples: Vec<(Cow<'static, str>, Vec<f64>)> = Vec::new();
    let sampling_start = clock.now();
    let mut stop = StopRule::default();
    let stop_reason = loop {
        let mut phase_sums: Vec<(Cow<'static, str>, f64)> = Vec::new();
        let elapsed = run_batch(iters, &mut |out| {
            fold(out);
            sum_phases(&mut phase_sums, out);
        })?;
        check_timeout(elapsed)?;
        samples.push(elapsed.as_secs_f64() * 1e9 / iters as f64);
        add_phase_samples(&mut phase_samples, phase_sums, iters);
        let n = samples.len();
        let spent = since(sampling_start);
        on_sample(SampleProgress {
            samples: n,
            elapsed: spent,
            budget: settings.budget.0,
        });
        if let Some(reason) = stop.decide(&samples, spent, settings, seed) {
            break reason;
        }
    };

    let summary = Summary::of(&samples, seed);
    let stats = TimeStats::from(&summary);
    let first_ns = Nanos::from_duration(first);
    let warnings = quality_warnings(&summary, first_ns, settings.target_ci, stop_reason);
    let phases = phases_of(phase_samples, summary.mean);
    Ok(Outcome {
        measurement: Measurement {
            samples_ns: samples.into_iter().map(Nanos).collect(),
            iters_per_sample: iters,
            stats,
            warmup_iters: warm_iters,
            warmup_ns,
            first_iteration_ns: first_ns,
            timer_resolution_ns: resolution,
            stop_reason,
            checksum: format!("{checksum:016x}"),
            repetitions: Vec::new(),
        },
        phases,
        warnings,
    })
}

/// When sampling stops: at `max-samples`; from `min-samples` on, when the median's interval is
/// narrow enough or the time budget is spent.
#[derive(Default)]
struct StopRule {
    /// Samples at the last interval check.
    last_check: usize,
}

impl StopRule {
    fn decide(
        &mut self,
        samples: &[f64],
        spent: Duration,
        settings: &MeasureSettings,
        seed: u64,
    ) -> Option<StopReason> {
        let n = samples.len();
        if n >= settings.max_samples {
            return Some(StopReason::MaxSamples);
        }
        if n < settings.min_samples {
            return None;
        }
        // The interval is checked after every eighth of the samples so far (it costs a bootstrap).
        if n >= 3 && n - self.last_check >= (n / 8).max(1) {
            self.last_check = n;
            if target_ci_reached(samples, settings.target_ci, seed) {
                return Some(StopReason::TargetCi);
            }
        }
        (spent >= settings.budget.0).then_some(StopReason::Budget)
    }
}

/// `Ok` when `elapsed` is within `timeout`.
fn within_timeout(elapsed: Duration, timeout: Duration) -> Result<(), MeasureError> {
    if elapsed > timeout {
        Err(MeasureError::Timeout {
            elapsed: Nanos::from_duration(elapsed),
            limit: Nanos::from_duration(timeout),
        })
    } else {
        Ok(())
    }
}

/// Whether the bootstrap interval of the samples' median is at most `target_ci` wide
/// (relative to the median).
fn target_ci_reached(samples: &[f64], target_ci: f64, seed: u64) -> bool {
    let (lo, hi) =
        stats::bootstrap_median_ci(samples, stats::CONFIDENCE_LEVEL, STOP_CHECK_RESAMPLES, seed);
    parbench_schema::results::relative_width(lo, hi, stats::median(samples)) <= target_ci
}

/// Adds one iteration's phase times to the batch's sums.
fn sum_phases(phase_sums: &mut Vec<(Cow<'static, str>, f64)>, out: &IterationOutput) {
    for (name, ns) in &out.phases {
        match phase_sums.iter_mut().find(|(n, _)| n == name) {
            Some((_, sum)) => *sum += ns.0,
            None => phase_sums.push((name.clone(), ns.0)),
        }
    }
}

/// Adds one batch's phase sums (over `iters` iterations) to the per-phase samples, per
/// iteration.
fn add_phase_samples(
    phase_samples: &mut Vec<(Cow<'static, str>, Vec<f64>)>,
    phase_sums: Vec<(Cow<'static, str>, f64)>,
    iters: u64,
) {
    for (name, sum) in phase_sums {
        let per_iter = sum / iters as f64;
        match phase_samples.iter_mut().find(|(n, _)| *n == name) {
            Some((_, v)) => v.push(per_iter),
            None => phase_samples.push((name, vec![per_iter])),
        }
    }
}

/// The phases' figures from their samples, each as a share of `mean_iter`.
fn phases_of(
    phase_samples: Vec<(Cow<'static, str>, Vec<f64>)>,
    mean_iter: f64,
) -> Vec<parbench_schema::results::Phase> {
    phase_samples
        .into_iter()
        .map(|(name, v)| {
            parbench_analysis::stats::phase_from_samples(
                name.into_owned(),
                v.into_iter().map(Nanos).collect(),
                mean_iter,
            )
        })
        .collect()
}

/// Warnings about a point's samples: unstable, a slow first iteration, an interval wider than
/// `target_ci`.
fn quality_warnings(
    summary: &Summary,
    first_ns: Nanos,
    target_ci: f64,
    stop_reason: StopReason,
) -> Vec<String> {
    let mut warnings = Vec::new();
    if summary.n >= 3 && summary.cv > UNSTABLE_CV {
        warnings.push(format!(
            "unstable: coefficient of variation {:.1}% exceeds {:.0}%",
            summary.cv * 100.0,
            UNSTABLE_CV * 100.0
        ));
    }
    if first_ns.0 > SLOW_FIRST_FACTOR * summary.median && first_ns.0 - summary.median > 1e5 {
        warnings.push(format!(
            "slow first iteration: {first_ns} is {:.1}x the median (cold caches, page faults or lazy initialization)",
            first_ns.0 / summary.median
        ));
    }
    let rel = summary.relative_ci_width();
    if rel > target_ci {
        warnings.push(format!(
            "95% CI of the median is {:.1}% wide, above the {:.1}% target ({} samples; stopped on {})",
            rel * 100.0,
            target_ci * 100.0,
            summary.n,
            match stop_reason {
                StopReason::Budget => "the time budget",
                StopReason::MaxSamples => "max-samples",
                StopReason::TargetCi => "the target",
            }
        ));
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SettingDuration;

    fn settings(budget_ms: u64) -> MeasureSettings {
        MeasureSettings {
            warmup: SettingDuration(Duration::from_millis(20)),
            min_samples: 5,
            max_samples: 50,
            target_ci: 0.02,
            budget: SettingDuration(Duration::from_millis(budget_ms)),
            timeout: SettingDuration(Duration::from_secs(10)),
            repetitions: 1,
            run_drift: 0.0,
        }
    }

    fn spin(d: Duration) {
        let t = Instant::now();
        while t.elapsed() < d {
            std::hint::spin_loop();
        }
    }

    #[test]
    fn measures_a_routine_of_known_duration() {
        let _turn = crate::cancel::test_turn();
        let mut calls = 0u64;
        let mut r = || {
            calls += 1;
            spin(Duration::from_micros(500));
            Ok(IterationOutput::digest(calls))
        };
        let o = measure(&mut r, &settings(300), 1, &mut |_| {}).unwrap();
        let m = &o.measurement;
        // A spin of 500 µs can never be faster; preemption only makes samples slower, and the
        // median resists the few it hits.
        assert!(m.stats.median.0 >= 500_000.0, "{}", m.stats.median);
        assert!(m.stats.median.0 < 800_000.0, "{}", m.stats.median);
        assert!(m.samples_ns.len() >= 5);
        assert_eq!(m.stats.n, m.samples_ns.len());
        assert!(m.warmup_iters >= 1);
        assert_eq!(m.iters_per_sample, 1);
        assert!(m.stats.ci_low <= m.stats.median && m.stats.median <= m.stats.ci_high);
    }

    #[test]
    fn short_routines_are_batched_to_1000_timer_steps() {
        let mut x = 0u64;
        let mut r = || {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            Ok(IterationOutput::digest(x))
        };
        let o = measure(&mut r, &settings(100), 1, &mut |_| {}).unwrap();
        let m = &o.measurement;
        assert!(m.iters_per_sample > 1, "{}", m.iters_per_sample);
        let sample_ns = m.stats.median.0 * m.iters_per_sample as f64;
        // Each sample must last at least 1000 resolutions (allow for the estimate's error).
        assert!(
            sample_ns >= 0.5 * 1000.0 * m.timer_resolution_ns.0,
            "{sample_ns}"
        );
    }

    #[test]
    fn stops_at_max_samples_and_keeps_every_sample() {
        let _turn = crate::cancel::test_turn();
        let mut s = settings(10_000);
        s.max_samples = 7;
        s.min_samples = 7;
        s.target_ci = 1e-9;
        let mut r = || {
            spin(Duration::from_micros(50));
            Ok(IterationOutput::default())
        };
        let o = measure(&mut r, &s, 1, &mut |_| {}).unwrap();
        assert_eq!(o.measurement.samples_ns.len(), 7);
        assert_eq!(o.measurement.stop_reason, StopReason::MaxSamples);
    }

    #[test]
    fn backend_errors_show_as_they_are_and_keep_their_source() {
        let inner = std::io::Error::other("device lost");
        let e = IterationError::backend(Wrapped(inner));
        assert_eq!(e.to_string(), "wrapped: device lost");
        // Transparent: the backend error's own source is the next in the chain.
        let next = std::error::Error::source(&e).expect("a source");
        assert_eq!(next.to_string(), "device lost");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("wrapped: {0}")]
    struct Wrapped(#[source] std::io::Error);

    #[test]
    fn routine_errors_and_timeouts_surface() {
        let _turn = crate::cancel::test_turn();
        let mut n = 0;
        let mut r = || {
            n += 1;
            if n > 3 {
                Err(IterationError::failed("boom"))
            } else {
                Ok(IterationOutput::default())
            }
        };
        let e = measure(&mut r, &settings(100), 1, &mut |_| {}).unwrap_err();
        assert_eq!(e.to_string(), "boom");
        assert!(matches!(
            e,
            MeasureError::Routine(IterationError::Failed { .. })
        ));

        // A backend's error reaches the measurement's error whole: its text and its source.
        let mut broken = || -> Result<IterationOutput, IterationError> {
            Err(IterationError::io(
                "cannot read the report",
                std::io::Error::other("pipe closed"),
            ))
        };
        let e = measure(&mut broken, &settings(100), 1, &mut |_| {}).unwrap_err();
        assert_eq!(e.to_string(), "cannot read the report: pipe closed");
        let source = std::error::Error::source(&e).expect("the io error is kept");
        assert_eq!(source.to_string(), "pipe closed");

        let mut s = settings(100);
        s.timeout = SettingDuration(Duration::from_millis(5));
        let mut slow = || {
            spin(Duration::from_millis(10));
            Ok(IterationOutput::default())
        };
        let e = measure(&mut slow, &s, 1, &mut |_| {}).unwrap_err();
        assert!(matches!(e, MeasureError::Timeout { .. }), "{e}");
        assert!(e.to_string().starts_with("timed out after 5 ms"), "{e}");
    }

    #[test]
    fn a_sample_that_never_ends_is_cancelled_at_the_timeout() {
        let _turn = crate::cancel::test_turn();
        let mut s = settings(100);
        s.timeout = SettingDuration(Duration::from_millis(200));
        let mut calls = 0;
        // The first iterations are quick; then one would run forever but polls the deadline.
        let mut endless = || {
            calls += 1;
            if calls > 3 {
                while !crate::cancel::requested() {
                    std::hint::spin_loop();
                }
            }
            Ok(IterationOutput::default())
        };
        let t = Instant::now();
        let e = measure(&mut endless, &s, 1, &mut |_| {}).unwrap_err();
        let took = t.elapsed();
        assert!(matches!(e, MeasureError::Timeout { .. }), "{e}");
        assert!(e.to_string().starts_with("timed out after 200 ms"), "{e}");
        assert!(took < Duration::from_secs(2), "{took:?}");
        // The next measurement starts with a clear flag.
        assert!(!crate::cancel::requested());
        let mut quick = || Ok(IterationOutput::default());
        measure(&mut quick, &settings(20), 1, &mut |_| {}).unwrap();
    }

    /// A clock that moves only when told.
    struct FakeClock {
        start: Instant,
        offset: std::cell::Cell<Duration>,
    }

    impl FakeClock {
        fn advance(&self, d: Duration) {
            self.offset.set(self.offset.get() + d);
        }
    }

    impl Clock for FakeClock {
        fn now(&self) -> Instant {
            self.start + self.offset.get()
        }
    }

    #[test]
    fn with_a_fake_clock_the_figures_are_exact() {
        let _turn = crate::cancel::test_turn();
        let clock = FakeClock {
            start: Instant::now(),
            offset: std::cell::Cell::new(Duration::ZERO),
        };
        let mut calls = 0u64;
        // Every iteration takes exactly 500 µs by this clock, however busy the machine is.
        let mut r = || {
            calls += 1;
            clock.advance(Duration::from_micros(500));
            Ok(IterationOutput::digest(calls))
        };
        let mut s = settings(10);
        s.min_samples = 6;
        let o = measure_with_clock(&mut r, &s, 1, &clock, &mut |_| {}).unwrap();
        let m = &o.measurement;
        assert_eq!(m.iters_per_sample, 1);
        assert!(m.samples_ns.iter().all(|&x| x == Nanos(500_000.0)));
        assert_eq!(m.stats.median, Nanos(500_000.0));
        assert_eq!(m.first_iteration_ns, Nanos(500_000.0));
        // 20 ms of warm-up: the first iteration, then batches of 1, 2, 4, 8, 16 and 32
        // iterations of 0.5 ms, the last one starting at 16 ms (64 iterations, 32 ms).
        assert_eq!(m.warmup_iters, 64);
        assert_eq!(m.warmup_ns, Nanos(32_000_000.0));
        // Identical samples: the CI is zero wide, so sampling stops once min-samples are in.
        assert_eq!(m.stop_reason, StopReason::TargetCi);
        assert_eq!(m.samples_ns.len(), 6);
        assert!(o.warnings.is_empty(), "{:?}", o.warnings);
    }

    /// Spins 300 µs per iteration but claims 100 µs, as a self-timing routine would.
    struct SelfTimed {
        claim: Option<Duration>,
    }

    impl Routine for SelfTimed {
        fn iteration(&mut self) -> Result<IterationOutput, IterationError> {
            spin(Duration::from_micros(300));
            Ok(IterationOutput::digest(1))
        }
        fn timed_iteration(
            &mut self,
        ) -> Result<(IterationOutput, Option<Duration>), IterationError> {
            self.iteration().map(|o| (o, self.claim))
        }
    }

    #[test]
    fn self_timed_iterations_count_their_own_time() {
        let _turn = crate::cancel::test_turn();
        let mut r = SelfTimed {
            claim: Some(Duration::from_micros(100)),
        };
        let o = measure(&mut r, &settings(100), 1, &mut |_| {}).unwrap();
        let m = &o.measurement;
        assert_eq!(m.stats.median, Nanos(100_000.0), "{}", m.stats.median);
        assert_eq!(m.first_iteration_ns, Nanos(100_000.0));
        // Without a claim the engine's clock counts.
        let mut r = SelfTimed { claim: None };
        let o = measure(&mut r, &settings(100), 1, &mut |_| {}).unwrap();
        assert!(o.measurement.stats.median.0 >= 300_000.0);
    }

    #[test]
    fn phases_are_averaged_per_iteration() {
        let _turn = crate::cancel::test_turn();
        let mut r = || {
            spin(Duration::from_micros(100));
            Ok(IterationOutput {
                digest: 1,
                phases: vec![
                    ("compute".into(), Nanos(60_000.0)),
                    ("exchange".into(), Nanos(40_000.0)),
                ],
            })
        };
        let o = measure(&mut r, &settings(50), 1, &mut |_| {}).unwrap();
        assert_eq!(o.phases.len(), 2);
        assert_eq!(o.phases[0].name, "compute");
        assert_eq!(o.phases[0].median, Nanos(60_000.0));
        assert!(o.phases[1].share > 0.0 && o.phases[1].share <= 0.41);
        assert_eq!(o.phases[0].samples_ns.len(), o.measurement.samples_ns.len());
    }
}
