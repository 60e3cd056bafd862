//! Runs a [`Plan`]: per problem, the reference answer; per point, preparation, verification
//! before timing, the engine's measurement, verification after timing, and the derived figures.
//! Failures and panics are contained in their point; results are checkpointed after each one.
//! [`start_results`] and [`finish_results`] frame a run's [`RunResults`] for programs that run
//! plans themselves (see the crate docs).
#![warn(missing_docs)]

use crate::plan::{Filters, Plan, PlannedProblem, SuitePlan};
use crate::workload::{Answer, Execution, Problem, VariantInfo, Workload, WorkloadError, verify};
use parbench_analysis::derived;
use parbench_analysis::digest::sha256_hex;
use parbench_harness::engine::{self, IterationError, MeasureError, SampleProgress};
use parbench_harness::fingerprint::logical_cores;
use parbench_harness::interference::Snapshot;
use parbench_harness::repeated::RepetitionOutcome;
use parbench_schema::interference::Interference;
use parbench_schema::results::{Derived, Metric, Point, RunResults, Status, Throughput};
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

/// Told about the run's progress (progress bars, logs).
pub trait Observer {
    /// The run starts; it will measure `total_points` points.
    fn started(&mut self, _total_points: usize) {}
    /// Point number `index` (from 1), labelled like `pi S rayon w2`, starts its first
    /// repetition.
    fn point_started(&mut self, _index: usize, _label: &str) {}
    /// Step `step` of `total_steps` (one repetition of one point; the points of a problem are
    /// measured in interleaved rounds) starts, labelled like `pi S rayon w2 (round 2/6)`.
    fn repetition_started(&mut self, _step: usize, _total_steps: usize, _label: &str) {}
    /// The current point took a sample.
    fn sample(&mut self, _progress: SampleProgress) {}
    /// A point is done (whatever its status), its derived figures filled in.
    fn point_finished(&mut self, _point: &Point) {}
    /// Something the user should know (an interrupted point).
    fn note(&mut self, _message: &str) {}
}

/// A results file for a run of `config` that starts now, without points yet: the schema and
/// parbench versions, run id and start time, the config (echoed with its hash, the filters and
/// `quick`) and this machine's fingerprint. Fill it with [`run_plan`], then [`finish_results`].
pub fn start_results(
    config: &parbench_harness::config::Config,
    filters: &Filters,
    quick: bool,
) -> RunResults {
    use parbench_analysis::timefmt;
    let now = std::time::SystemTime::now();
    RunResults {
        schema_version: parbench_schema::results::SCHEMA_VERSION,
        parbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: timefmt::run_id(now),
        started_at: timefmt::rfc3339(now),
        finished_at: None,
        complete: false,
        config: parbench_schema::results::ConfigEcho {
            path: config.source.path.clone(),
            sha256: config.hash(),
            text: config.source.text.clone(),
            quick,
            suite_filter: filters.suites.clone(),
            variant_filter: filters.variants.clone(),
            shard: None,
        },
        machine: parbench_harness::fingerprint::detect(),
        points: Vec::new(),
        crossovers: Vec::new(),
        scalability: Vec::new(),
        environment: Some(parbench_schema::results::RunEnvironment {
            repetitions: if quick {
                config.defaults.measure.quick().repetitions
            } else {
                config.defaults.measure.repetitions
            } as u32,
            run_drift: config.defaults.measure.run_drift,
            ..Default::default()
        }),
    }
}

/// Marks `results` complete (when `completed`, what [`run_plan`] returned) with the end time.
pub fn finish_results(results: &mut RunResults, completed: bool) {
    results.complete = completed;
    results.finished_at =
        completed.then(|| parbench_analysis::timefmt::rfc3339(std::time::SystemTime::now()));
}

/// An observer that ignores everything.
#[derive(Debug, Default)]
pub struct Silent;
impl Observer for Silent {}

/// Controls a running plan from outside.
pub struct RunControl<'a> {
    /// Checked between points; when true, the run stops and the results stay incomplete.
    pub should_stop: &'a (dyn Fn() -> bool + Sync),
    /// Called with the results so far after every point (write them to disk here).
    pub checkpoint: &'a mut dyn FnMut(&RunResults),
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".into()
    }
}

/// The most of a failed worker's stderr a point keeps (bytes, on a character boundary).
const STDERR_KEPT: usize = 4096;

/// The last `max` bytes of `s`, cut at a character boundary.
fn tail_chars(s: &str, max: usize) -> String {
    let mut cut = s.len().saturating_sub(max);
    while !s.is_char_boundary(cut) {
        cut += 1;
    }
    s[cut..].to_string()
}

/// The reason of a point whose variant panicked `when` ("setup", "first run", "while
/// timing"). A thread the system refused to start (the standard library panics then) is said
/// plainly, without the panic's text.
fn panic_reason(when: &str, payload: &(dyn std::any::Any + Send)) -> String {
    let message = panic_message(payload);
    if let Some(rest) = message.strip_prefix("failed to spawn thread") {
        // `: Os { code: 11, kind: WouldBlock, message: "Resource temporarily unavailable" }`
        let why = rest
            .split_once("message: \"")
            .and_then(|(_, m)| m.split_once('"'))
            .map(|(m, _)| m.to_string())
            .unwrap_or_else(|| rest.trim_start_matches(':').trim().to_string());
        let code = rest
            .split_once("code: ")
            .and_then(|(_, c)| c.split(|ch: char| !ch.is_ascii_digit()).next())
            .filter(|c| !c.is_empty())
            .map(|c| format!(" (os error {c})"))
            .unwrap_or_default();
        return format!(
            "{when}: cannot spawn a thread: {why}{code}; the system's limit on threads or memory was reached (ulimit -u, ulimit -v, cgroup pids.max)"
        );
    }
    match when {
        "while timing" => format!("panicked while timing: {message}"),
        _ => format!("{when} panicked: {message}"),
    }
}

/// A human label for a point: `pi S rayon w2`.
pub fn point_label(
    suite: &str,
    size: &str,
    variant: &str,
    workers: u32,
    params: &BTreeMap<String, parbench_schema::params::ParamValue>,
) -> String {
    let mut s = format!("{suite} {size} {variant} w{workers}");
    for (k, v) in params {
        s.push_str(&format!(" {k}={v}"));
    }
    s
}

/// Runs every point of `plan`, appending to `results.points`. Returns false if stopped early.
///
/// The run goes in rounds over the whole plan: each round gives every point one repetition (a
/// fresh preparation, its own warm-up and block of samples), problem after problem, the points
/// of a problem in a seeded random order. A point's repetitions are thus spread over the whole
/// run: the machine's slow moods (a neighbour's job, frequency, the host) land in its spread,
/// not in one unlucky block, and they hit the points of a problem alike. A repetition that the
/// operating system reports disturbed is measured again, a bounded number of times. After every
/// round the points are rewritten with what they have so far and checkpointed. Every problem's
/// reference answer is computed once, first, and kept for the run.
pub fn run_plan(
    plan: &Plan,
    results: &mut RunResults,
    observer: &mut dyn Observer,
    control: RunControl<'_>,
) -> bool {
    let total = plan.point_count();
    observer.started(total);
    let mut problems = problems_of(plan);
    let total_steps: usize = problems.iter().map(|p| p.slots.len() * p.rounds).sum();
    let rounds = problems.iter().map(|p| p.rounds).max().unwrap_or(0);
    let mut progress = Steps {
        points: 0,
        steps: 0,
        total_steps,
        remeasure_budget: (total_steps / 10).max(4),
        remeasured: 0,
    };
    let mut control = control;
    let start = results.points.len();
    let mut completed = true;
    'rounds: for round in 0..rounds {
        observer.note(&format!("parbench: round {}/{rounds}", round + 1));
        for i in 0..problems.len() {
            if round >= problems[i].rounds {
                continue;
            }
            let done =
                problems[i].run_round(round, plan.seed, observer, &mut control, &mut progress);
            publish_all(&mut problems, start, results, plan.seed);
            if !done {
                completed = false;
                break 'rounds;
            }
            (control.checkpoint)(results);
        }
    }
    if let Some(env) = results.environment.as_mut() {
        env.remeasured += progress.remeasured;
    }
    if !completed {
        return false;
    }
    derived::derive_all(&mut results.points, plan.seed);
    for p in &results.points[start..] {
        observer.point_finished(p);
    }
    results.crossovers = parbench_analysis::crossover::find_all(&results.points, plan.seed);
    results.scalability = parbench_analysis::fit::scalability_fits(&results.points);
    true
}

/// Where the run stands: points started, repetitions measured, remeasurements left.
struct Steps {
    points: usize,
    steps: usize,
    total_steps: usize,
    remeasure_budget: usize,
    remeasured: usize,
}

/// One point of a problem while the rounds run.
struct Slot<'a> {
    variant: &'a VariantInfo,
    workers: u32,
    label: String,
    reps: Vec<RepetitionOutcome>,
    /// The latest repetition's point (metrics, observations), or the point's final failure.
    last: Option<Point>,
    /// Failed, wrong or skipped: no more repetitions.
    finished: bool,
    /// The point as last published, while no repetition was added since.
    published: Option<Point>,
}

/// One problem of a suite (a size and parameter set) with its points, while the rounds run.
struct ProblemRun<'a> {
    suite: &'a SuitePlan,
    planned: &'a PlannedProblem,
    reference: Result<Answer<'static>, ReferenceError>,
    slots: Vec<Slot<'a>>,
    rounds: usize,
    per_rep: parbench_harness::config::MeasureSettings,
    /// Seeds the orders of its rounds.
    order_seed: u64,
}

/// A seeded random order of `n` slots for one round (Fisher-Yates).
fn round_order(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = parbench_analysis::rng::SplitMix64::new(seed);
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        order.swap(i, rng.below(i + 1));
    }
    order
}

/// Every problem of the plan with its points, references computed.
fn problems_of(plan: &Plan) -> Vec<ProblemRun<'_>> {
    let mut out = Vec::new();
    for suite in &plan.suites {
        let suite_hash =
            u64::from_str_radix(&sha256_hex(suite.name.as_bytes())[..16], 16).unwrap_or(0);
        for (problem_index, planned) in suite.problems.iter().enumerate() {
            let slots = slots_of(suite, problem_index, planned);
            if slots.is_empty() {
                continue;
            }
            // The reference is held to the points' timeout too: a problem too big to answer
            // fails its points at the timeout instead of holding up the run. Not a command
            // suite's: it builds and runs the program under limits of its own (setup-timeout).
            let runs_commands = suite
                .variants
                .iter()
                .any(|v| v.model == parbench_schema::results::ExecutionModel::Command);
            let limit = if runs_commands {
                std::time::Duration::MAX
            } else {
                suite.measure.timeout.0
            };
            let reference = engine::run_with_deadline(limit, || {
                catch_unwind(AssertUnwindSafe(|| {
                    suite.workload.reference(&planned.problem)
                }))
            })
            .map_err(ReferenceError::Cancelled)
            .and_then(|r| r.map_err(|p| ReferenceError::Panicked(panic_message(&*p))))
            .and_then(|r| r.map_err(ReferenceError::Failed));
            out.push(ProblemRun {
                suite,
                planned,
                reference,
                slots,
                rounds: suite.measure.repetitions.max(1),
                per_rep: suite.measure.per_repetition(),
                order_seed: plan.seed
                    ^ parbench_analysis::rng::mix64(((problem_index as u64) << 32) ^ suite_hash),
            });
        }
    }
    out
}

/// The points of one problem, in plan order.
fn slots_of<'a>(
    suite: &'a SuitePlan,
    problem_index: usize,
    planned: &PlannedProblem,
) -> Vec<Slot<'a>> {
    let mut slots = Vec::new();
    for variant in &suite.variants {
        if !suite.runs(problem_index, variant) {
            continue;
        }
        for workers in suite.workers_for(variant) {
            slots.push(Slot {
                variant,
                workers,
                label: point_label(
                    &suite.name,
                    &planned.problem.size_label,
                    variant.name,
                    workers,
                    &suite.params_for(planned, variant),
                ),
                reps: Vec::new(),
                last: None,
                finished: false,
                published: None,
            });
        }
    }
    slots
}

impl ProblemRun<'_> {
    /// Gives every point of the problem one repetition of round `round`, in a seeded random
    /// order; false if the run was stopped.
    fn run_round(
        &mut self,
        round: usize,
        seed: u64,
        observer: &mut dyn Observer,
        control: &mut RunControl<'_>,
        progress: &mut Steps,
    ) -> bool {
        for i in round_order(self.slots.len(), self.order_seed ^ round as u64) {
            if (control.should_stop)() {
                return false;
            }
            let slot = &mut self.slots[i];
            progress.steps += 1;
            if slot.finished {
                continue;
            }
            if slot.reps.is_empty() && slot.last.is_none() {
                progress.points += 1;
                observer.point_started(progress.points, &slot.label);
            }
            observer.repetition_started(
                progress.steps,
                progress.total_steps,
                &format!("{} (round {}/{})", slot.label, round + 1, self.rounds),
            );
            let interrupted = measure_slot(
                self.suite,
                self.planned,
                slot,
                round as u32,
                self.reference.as_ref(),
                seed,
                &self.per_rep,
                observer,
                control,
                progress,
            );
            if interrupted {
                observer.note(&format!(
                    "parbench: {} was interrupted; its last repetition is not recorded",
                    slot.label
                ));
                return false;
            }
        }
        true
    }
}

/// Rewrites the run's points (from `results.points[start]` on, in plan order) with what each
/// has so far: its repetitions combined (recombined only where a repetition was added), or its
/// failure.
fn publish_all(problems: &mut [ProblemRun<'_>], start: usize, results: &mut RunResults, seed: u64) {
    results.points.truncate(start);
    for problem in problems.iter_mut() {
        let (suite, planned) = (problem.suite, problem.planned);
        for slot in &mut problem.slots {
            let Some(last) = &slot.last else { continue };
            let point = match &slot.published {
                Some(p) => p.clone(),
                None => {
                    let p = combined_point(suite, planned, slot, last, seed);
                    slot.published = Some(p.clone());
                    p
                }
            };
            results.points.push(point);
        }
    }
    let end = results.points.len();
    for i in start..end {
        results.points[i].derived = derived::derive(&results.points, i, seed);
    }
}

/// Measures one repetition of `slot`, again (a bounded number of times) while the operating
/// system reports it disturbed; returns true when the run was interrupted during it.
#[allow(clippy::too_many_arguments)]
fn measure_slot(
    suite: &SuitePlan,
    planned: &PlannedProblem,
    slot: &mut Slot<'_>,
    round: u32,
    reference: Result<&Answer<'static>, &ReferenceError>,
    seed: u64,
    per_rep: &parbench_harness::config::MeasureSettings,
    observer: &mut dyn Observer,
    control: &mut RunControl<'_>,
    progress: &mut Steps,
) -> bool {
    const ATTEMPTS: u32 = 3;
    // (point, the whole repetition's window, why it counts as disturbed)
    let mut best: Option<(Point, Option<Interference>, Option<String>)> = None;
    let mut attempts = 0;
    while attempts < ATTEMPTS {
        attempts += 1;
        let before = Snapshot::take();
        let mut sampling = None;
        let point = measure_repetition(
            suite,
            planned,
            slot.variant,
            slot.workers,
            reference,
            seed,
            per_rep,
            observer,
            &mut sampling,
        );
        let seen = before.zip(Snapshot::take()).map(|(a, b)| a.until(&b));
        // Nothing the point started outlives it (orphans adopted as subreaper; see
        // parbench_harness::subreaper).
        #[cfg(unix)]
        parbench_harness::subreaper::kill_orphans();
        if (control.should_stop)() && point.status == Status::Failed {
            return true;
        }
        let why = seen
            .and_then(|s| s.disturbed())
            .or_else(|| sampling.and_then(|s| crowded(slot, &s)));
        let score = |why: &Option<String>, seen: &Option<Interference>| {
            (why.is_some(), seen.map_or(0.0, |s| s.others_cores))
        };
        let better = best
            .as_ref()
            .is_none_or(|(_, s, w)| score(&why, &seen) < score(w, s));
        let disturbed = why.is_some();
        if better {
            best = Some((point, seen, why));
        }
        let ok = best.as_ref().is_some_and(|(p, _, _)| is_measured(p.status));
        if !disturbed || !ok || progress.remeasure_budget == 0 || attempts == ATTEMPTS {
            break;
        }
        progress.remeasure_budget -= 1;
        progress.remeasured += 1;
    }
    let (point, seen, why) = best.expect("at least one attempt");
    match point.measurement.clone() {
        Some(m) if is_measured(point.status) => {
            slot.reps.push(RepetitionOutcome {
                round,
                outcome: engine::Outcome {
                    measurement: m,
                    phases: point.phases.clone(),
                    warnings: point.warnings.clone(),
                },
                attempts,
                interference: seen,
                disturbed: why,
            });
        }
        _ => slot.finished = true,
    }
    slot.last = Some(point);
    slot.published = None;
    false
}

/// Why a repetition of a parallel point without shared state ran crowded: its workers got well
/// under one core each while sampling (the OS kept two threads on one core for the whole
/// repetition, as seen here on small VMs), or `None`. Variants that block on locks or
/// channels, or whose work is unbalanced by design, are not judged.
fn crowded(slot: &Slot<'_>, sampling: &Interference) -> Option<String> {
    use parbench_schema::results::{ExecutionModel, SyncKind};
    let parallel = matches!(
        slot.variant.model,
        ExecutionModel::Threads | ExecutionModel::Rayon
    ) && slot.variant.sync == SyncKind::None;
    let workers = f64::from(slot.workers);
    let fits = slot.workers >= 2 && slot.workers <= logical_cores();
    (parallel && fits && sampling.wall_s >= 0.01 && sampling.own_cores < CROWDED_SHARE * workers)
        .then(|| {
            format!(
                "its {} workers got {:.2} cores while sampling: the OS kept them on fewer cores",
                slot.workers, sampling.own_cores
            )
        })
}

/// A parallel repetition whose workers got less than this share of a core each ran crowded.
const CROWDED_SHARE: f64 = 0.55;

/// A seed of its own for each point (its key hashed), so bootstraps do not share streams.
fn point_seed(point: &Point) -> u64 {
    u64::from_str_radix(&sha256_hex(point.key().to_string().as_bytes())[..16], 16).unwrap_or(0)
}

/// Whether a point has samples that count (verified, or expected-incorrect).
fn is_measured(status: Status) -> bool {
    matches!(status, Status::Ok | Status::ExpectedIncorrect)
}

/// Warnings the engine gives one repetition; the point's replace them when repetitions combine.
fn is_engine_warning(w: &str) -> bool {
    w.starts_with("unstable: ")
        || w.starts_with("slow first iteration: ")
        || w.starts_with("95% CI of the median")
}

/// The point of `slot` with its repetitions combined (`last` is its latest repetition's point).
fn combined_point(
    suite: &SuitePlan,
    planned: &PlannedProblem,
    slot: &Slot<'_>,
    last: &Point,
    seed: u64,
) -> Point {
    let mut point = last.clone();
    if !is_measured(point.status) || slot.reps.is_empty() {
        return point;
    }
    let key_seed = seed ^ point_seed(&point);
    let outcome = parbench_harness::repeated::combine(slot.reps.clone(), &suite.measure, key_seed);
    let median_s = outcome.measurement.stats.median.as_secs();
    if median_s > 0.0 {
        point.throughput = Some(Throughput {
            value: suite.workload.work(&planned.problem) / median_s,
            unit: format!("{}/s", suite.info.work_unit),
        });
    }
    // The point's warnings replace the engine's per-repetition ones; the variant's own (of its
    // latest repetition) stay.
    let mut warnings = outcome.warnings;
    for w in &point.warnings {
        if !is_engine_warning(w) && !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    point.warnings = warnings;
    point.phases = outcome.phases;
    point.measurement = Some(outcome.measurement);
    point
}

fn new_point(
    suite: &SuitePlan,
    planned: &PlannedProblem,
    variant: &VariantInfo,
    workers: u32,
) -> Point {
    Point {
        suite: suite.name.clone(),
        workload: suite.info.name.to_string(),
        size: planned.problem.size_label.clone(),
        n: planned.problem.n,
        variant: parbench_schema::VariantId::from_static(variant.name),
        model: variant.model,
        sync: variant.sync,
        workers,
        params: suite.params_for(planned, variant),
        status: Status::Skipped,
        reason: None,
        oversubscribed: workers > logical_cores(),
        measurement: None,
        throughput: None,
        derived: Derived::default(),
        phases: Vec::new(),
        metrics: BTreeMap::new(),
        warnings: Vec::new(),
        operations: None,
        stderr: None,
    }
}

/// Why a problem has no reference answer; every point of the problem fails with this reason.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// It ran past the points' timeout, or the run was interrupted.
    #[error("the reference computation {0}")]
    Cancelled(#[source] MeasureError),
    /// It panicked (the panic's message).
    #[error("the reference computation panicked: {0}")]
    Panicked(String),
    /// The workload could not compute it.
    #[error("the reference computation failed: {0}")]
    Failed(#[source] WorkloadError),
}

/// The engine's view of an execution: every timed iteration goes through
/// [`Execution::run_timed`], so variants that time themselves (command suites) can.
struct ExecutionRoutine<'a>(&'a mut dyn Execution);

impl engine::Routine for ExecutionRoutine<'_> {
    fn iteration(&mut self) -> Result<parbench_harness::engine::IterationOutput, IterationError> {
        self.0.run()
    }

    fn timed_iteration(
        &mut self,
    ) -> Result<
        (
            parbench_harness::engine::IterationOutput,
            Option<std::time::Duration>,
        ),
        IterationError,
    > {
        self.0.run_timed()
    }
}

/// Adds the point's memory figures: the growth of this process's peak RSS and, with the peak of
/// the processes it ran (worker processes, or a command suite's program), the total the point
/// needed.
fn record_memory(point: &mut Point, window: Option<parbench_harness::memory::PeakWindow>) {
    use crate::processes::metric;
    let Some(growth) = window.and_then(|w| w.growth()) else {
        return;
    };
    let bytes = |value: f64| Metric {
        value,
        unit: "B".into(),
    };
    point.metrics.insert(
        metric::PARBENCH_PEAK_RSS_GROWTH.into(),
        bytes(growth as f64),
    );
    let workers = point
        .metrics
        .get(metric::WORKERS_PEAK_RSS)
        .or_else(|| {
            point
                .metrics
                .get(crate::workloads::command::metric::PROGRAM_PEAK_RSS)
        })
        .map_or(0.0, |m| m.value);
    point
        .metrics
        .insert(metric::PEAK_RSS.into(), bytes(growth as f64 + workers));
}

/// Work per second at a median of `median_s` seconds per iteration (none at a zero median).
fn throughput(suite: &SuitePlan, problem: &Problem, median_s: f64) -> Option<Throughput> {
    (median_s > 0.0).then(|| Throughput {
        value: suite.workload.work(problem) / median_s,
        unit: format!("{}/s", suite.info.work_unit),
    })
}

/// Adds what the variant observed while timed (metrics, operation counts) to the point, or a
/// warning when it panicked handing them over.
fn add_observations(point: &mut Point, execution: &mut dyn Execution) {
    match catch_unwind(AssertUnwindSafe(|| execution.take_observations())) {
        Ok(observed) => {
            point.metrics.extend(observed.metrics);
            point.operations = observed.operations;
        }
        Err(p) => point.warnings.push(format!(
            "the variant's own observations are missing: it panicked while handing them over: {}",
            panic_message(&*p)
        )),
    }
}

/// Why a point failed before timing; its text is the point's `reason`.
#[derive(Debug, thiserror::Error)]
enum PointFailure {
    /// The workload could not prepare the variant.
    #[error("setup failed: {0}")]
    Setup(#[source] WorkloadError),
    /// The first run ended past its deadline (or an interrupt), with the variant's own error.
    #[error("{why} in the first run: {source}")]
    LateWith {
        /// The deadline or the interrupt.
        why: parbench_harness::cancel::Cancelled,
        /// The variant's error.
        source: IterationError,
    },
    /// The first run ended past its deadline (or an interrupt).
    #[error("{0} in the first run")]
    Late(parbench_harness::cancel::Cancelled),
    /// The first run failed.
    #[error("first run failed: {0}")]
    FirstRun(#[source] IterationError),
    /// Something panicked; the text says where and with what message.
    #[error("{0}")]
    Panicked(String),
}

/// Prepares `variant` of the problem on `workers` workers; the reason when that fails or panics.
fn prepare(
    workload: &dyn Workload,
    problem: &Problem,
    variant: &VariantInfo,
    workers: u32,
) -> Result<Box<dyn Execution>, PointFailure> {
    let prepared = catch_unwind(AssertUnwindSafe(|| {
        workload.prepare(problem, variant.name, workers as usize)
    }));
    match prepared {
        Ok(Ok(e)) => Ok(e),
        Ok(Err(e)) => Err(PointFailure::Setup(e)),
        Err(p) => Err(PointFailure::Panicked(panic_reason("setup", &*p))),
    }
}

/// The first (cold) run, which is also the engine's first iteration: its time, or why the
/// point fails. It runs under the timeout: what a cancelled run leaves is never verified.
fn first_run(
    execution: &mut dyn Execution,
    variant: &VariantInfo,
    timeout: std::time::Duration,
) -> Result<std::time::Duration, PointFailure> {
    let started = std::time::Instant::now();
    let deadline = parbench_harness::cancel::Deadline::arm(timeout);
    let ran = catch_unwind(AssertUnwindSafe(|| execution.run_timed()));
    // Worker processes and command suites enforce the timeout themselves, per step (start-up,
    // each task or run): their first run is judged by those limits, not by its whole length.
    let self_limited = matches!(
        variant.model,
        parbench_schema::results::ExecutionModel::Processes
            | parbench_schema::results::ExecutionModel::Command
    );
    let late = deadline
        .check()
        .err()
        .filter(|why| !self_limited || *why == parbench_harness::cancel::Cancelled::Interrupted);
    drop(deadline);
    let cold = match (ran, late) {
        (Ok(Ok((_, own))), None) => own.unwrap_or_else(|| started.elapsed()),
        // Its own error says how (a worker process killed at its timeout): keep it.
        (Ok(Err(source)), Some(why)) => return Err(PointFailure::LateWith { why, source }),
        (_, Some(why)) => return Err(PointFailure::Late(why)),
        (Ok(Err(e)), None) => return Err(PointFailure::FirstRun(e)),
        (Err(p), None) => {
            return Err(PointFailure::Panicked(panic_reason("first run", &*p)));
        }
    };
    Ok(cold)
}

/// Whether `answer` is the reference's; a mismatch marks the point wrong (with `when`), except
/// for a variant incorrect by design, whose mismatched values are counted.
fn verified(
    reference: &Answer<'static>,
    answer: &Answer<'_>,
    variant: &VariantInfo,
    point: &mut Point,
    when: &str,
) -> bool {
    match verify(reference, answer) {
        Ok(()) => true,
        Err(m) if variant.expected_incorrect => {
            point.metrics.insert(
                "mismatched_values".into(),
                Metric {
                    value: m.count as f64,
                    unit: String::new(),
                },
            );
            true
        }
        Err(m) => {
            point.status = Status::Wrong;
            point.reason = Some(format!("{when}: {m}"));
            false
        }
    }
}

/// Measures one repetition of a point under `settings` (a fresh preparation, verification
/// before and after, the engine's samples); never panics, whatever the variant does.
#[allow(clippy::too_many_arguments)]
pub fn measure_repetition(
    suite: &SuitePlan,
    planned: &PlannedProblem,
    variant: &VariantInfo,
    workers: u32,
    reference: Result<&Answer<'static>, &ReferenceError>,
    seed: u64,
    settings: &parbench_harness::config::MeasureSettings,
    observer: &mut dyn Observer,
    sampling: &mut Option<Interference>,
) -> Point {
    let mut point = new_point(suite, planned, variant, workers);
    // A failure's raw worker stderr is kept with its point; none is left from an earlier one.
    #[cfg(unix)]
    let _ = parbench_harness::worker_process::take_failure_stderr();
    let fail = |mut point: Point, status: Status, reason: String| {
        point.status = status;
        point.reason = Some(reason);
        #[cfg(unix)]
        {
            point.stderr = parbench_harness::worker_process::take_failure_stderr()
                .map(|s| tail_chars(&s, STDERR_KEPT));
        }
        point
    };
    if let crate::workload::Availability::Unavailable { reason } = &variant.availability {
        return fail(point, Status::Skipped, reason.clone());
    }
    let reference = match reference {
        Ok(r) => r,
        Err(e) => return fail(point, Status::Failed, e.to_string()),
    };
    let problem = &planned.problem;
    let workload = &suite.workload;
    // The peak RSS of this process during the point (inputs, pools, buffers) is measured from
    // here; memory the workload keeps (the reference answer) is already resident.
    let memory = parbench_harness::memory::PeakWindow::start();
    let mut execution = match prepare(workload.as_ref(), problem, variant, workers) {
        Ok(e) => e,
        Err(reason) => return fail(point, Status::Failed, reason.to_string()),
    };

    execution.set_sample_timeout(settings.timeout.0);

    // Correctness before timing; this first (cold) run is also the engine's first iteration.
    // It runs under the timeout: what a cancelled run leaves is never verified.
    let cold = match first_run(execution.as_mut(), variant, settings.timeout.0) {
        Ok(cold) => cold,
        Err(reason) => return fail(point, Status::Failed, reason.to_string()),
    };
    let check = |answer: &Answer<'_>, point: &mut Point, when: &str| {
        verified(reference, answer, variant, point, when)
    };
    if !check(&execution.answer(), &mut point, "before timing") {
        return point;
    }
    // What the verification run observed is not part of the measurement.
    let _ = catch_unwind(AssertUnwindSafe(|| execution.take_observations()));

    let key_seed = seed ^ point_seed(&point);
    let before = Snapshot::take();
    let measured = catch_unwind(AssertUnwindSafe(|| {
        let mut routine = ExecutionRoutine(execution.as_mut());
        engine::measure_after_cold(&mut routine, settings, key_seed, cold, &mut |p| {
            observer.sample(p)
        })
    }));
    *sampling = before.zip(Snapshot::take()).map(|(a, b)| a.until(&b));
    let outcome = match measured {
        Ok(Ok(o)) => o,
        Ok(Err(e @ (MeasureError::Timeout { .. } | MeasureError::Interrupted))) => {
            return fail(point, Status::Failed, e.to_string());
        }
        Ok(Err(e)) => return fail(point, Status::Failed, format!("failed while timing: {e}")),
        Err(p) => {
            return fail(point, Status::Failed, panic_reason("while timing", &*p));
        }
    };

    // Correctness after timing: a race that shows only sometimes must not pass.
    let answer = execution.answer();
    if !check(&answer, &mut point, "after timing") {
        point.measurement = Some(outcome.measurement);
        return point;
    }
    point.status = if variant.expected_incorrect {
        Status::ExpectedIncorrect
    } else {
        Status::Ok
    };
    point.throughput = throughput(suite, problem, outcome.measurement.stats.median.as_secs());
    point.metrics.extend(workload.metrics(problem, &answer));
    drop(answer);
    add_observations(&mut point, execution.as_mut());
    let timed = outcome.measurement.samples_ns.len() as u64 * outcome.measurement.iters_per_sample;
    if let Ok(metrics) = catch_unwind(AssertUnwindSafe(|| execution.finish(timed))) {
        point.metrics.extend(metrics);
    }
    record_memory(&mut point, memory);
    point.phases = outcome.phases;
    point.warnings = outcome.warnings;
    if let Ok(warnings) = catch_unwind(AssertUnwindSafe(|| execution.warnings())) {
        point.warnings.extend(warnings);
    }
    if point.oversubscribed {
        point.warnings.push(format!(
            "oversubscribed: {workers} workers on {} logical cores",
            logical_cores()
        ));
    }
    point.measurement = Some(outcome.measurement);
    point
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Filters, resolve};
    use crate::registry::Registry;
    use crate::workload::*;
    use parbench_harness::config::{Config, ConfigSource};
    use parbench_harness::engine::{IterationError, IterationOutput};
    use parbench_schema::results::{ConfigEcho, ExecutionModel, SyncKind};

    /// Sums 0..n; `wrong` adds one, `flaky` is right only on its first run, `panics` panics.
    struct Toy;

    struct ToyRun {
        n: u64,
        variant: &'static str,
        runs: u64,
        last: u64,
    }

    impl Execution for ToyRun {
        fn run(&mut self) -> Result<IterationOutput, IterationError> {
            self.runs += 1;
            let right: u64 = (0..self.n).sum();
            self.last = match self.variant {
                "wrong" => right + 1,
                "flaky" if self.runs > 1 => right - 1,
                "panics" => panic!("variant exploded"),
                "errors" => return Err(IterationError::failed("device lost")),
                _ => right,
            };
            Ok(IterationOutput::digest(self.last))
        }
        fn answer(&self) -> Answer<'_> {
            Answer::exact(vec![self.last])
        }
    }

    impl Workload for Toy {
        fn info(&self) -> WorkloadInfo {
            WorkloadInfo {
                name: "toy",
                description: "sum of 0..n",
                size_meaning: "terms",
                work_unit: "terms",
                sizes: vec![NamedSize {
                    label: "S",
                    n: 1000,
                }],
                default_sizes: vec!["S"],
                params: vec![],
            }
        }
        fn variants(&self) -> Vec<VariantInfo> {
            let t = |name| VariantInfo::new(name, ExecutionModel::Threads, SyncKind::None, "toy");
            vec![
                VariantInfo::serial("right"),
                t("wrong"),
                t("flaky"),
                t("panics"),
                t("errors"),
                t("lossy").expected_incorrect(),
                t("absent").unavailable("needs hardware this machine lacks"),
            ]
        }
        fn work(&self, p: &Problem) -> f64 {
            p.n as f64
        }
        fn reference(&self, p: &Problem) -> Result<Answer<'static>, WorkloadError> {
            Ok(Answer::exact(vec![(0..p.n).sum()]))
        }
        fn prepare(
            &self,
            p: &Problem,
            variant: &str,
            _w: usize,
        ) -> Result<Box<dyn Execution>, WorkloadError> {
            let variant = self
                .variants()
                .into_iter()
                .find(|v| v.name == variant)
                .ok_or_else(|| WorkloadError::unknown_variant("toy", variant))?
                .name;
            let n = if variant == "lossy" { p.n - 1 } else { p.n };
            Ok(Box::new(ToyRun {
                n,
                variant,
                runs: 0,
                last: 0,
            }))
        }
    }

    fn run_toy(variants: &str) -> RunResults {
        let text = format!(
            "[defaults]\nwarmup = \"1ms\"\nmin-samples = 3\nmax-samples = 5\nbudget = \"10ms\"\nrepetitions = 3\n[[suite]]\nworkload = \"toy\"\nvariants = [{variants}]\nworkers = [1, 2]\n"
        );
        let config = Config::parse(ConfigSource::new("toy.toml", text.clone()), 2).unwrap();
        let mut registry = Registry::empty();
        registry.register(Toy);
        let plan = resolve(&config, &registry, &Filters::default(), false).unwrap();
        let mut results = RunResults {
            schema_version: parbench_schema::results::SCHEMA_VERSION,
            parbench_version: "test".into(),
            run_id: "t".into(),
            started_at: "t".into(),
            finished_at: None,
            complete: false,
            config: ConfigEcho {
                path: "toy.toml".into(),
                sha256: config.hash(),
                text,
                quick: false,
                suite_filter: vec![],
                variant_filter: vec![],
                shard: None,
            },
            machine: parbench_harness::fingerprint::detect(),
            points: vec![],
            crossovers: Vec::new(),
            scalability: vec![],
            environment: None,
        };
        let mut checkpoints = 0;
        let done = run_plan(
            &plan,
            &mut results,
            &mut Silent,
            RunControl {
                should_stop: &|| false,
                checkpoint: &mut |_| checkpoints += 1,
            },
        );
        assert!(done);
        // Checkpointed after every round of the (one) problem.
        assert_eq!(checkpoints, 3);
        results
    }

    fn point<'a>(r: &'a RunResults, variant: &str, workers: u32) -> &'a Point {
        r.points
            .iter()
            .find(|p| p.variant == variant && p.workers == workers)
            .unwrap()
    }

    #[test]
    fn verification_catches_wrong_variants_and_contains_failures() {
        let r = run_toy(
            "\"serial\", \"wrong\", \"flaky\", \"panics\", \"errors\", \"lossy\", \"absent\"",
        );
        let serial = point(&r, "serial", 1);
        assert_eq!(serial.status, Status::Ok);
        assert_eq!(serial.derived.speedup, Some(1.0));

        let wrong = point(&r, "wrong", 2);
        assert_eq!(wrong.status, Status::Wrong);
        assert!(
            wrong.reason.as_deref().unwrap().contains("before timing"),
            "{:?}",
            wrong.reason
        );
        assert_eq!(
            wrong.derived.speedup, None,
            "a wrong point never gets a speedup"
        );
        assert!(wrong.measurement.is_none());

        let flaky = point(&r, "flaky", 1);
        assert_eq!(flaky.status, Status::Wrong);
        assert!(flaky.reason.as_deref().unwrap().contains("after timing"));
        assert_eq!(flaky.derived.speedup, None);

        let panics = point(&r, "panics", 1);
        assert_eq!(panics.status, Status::Failed);
        assert!(
            panics
                .reason
                .as_deref()
                .unwrap()
                .contains("variant exploded")
        );
        assert_eq!(point(&r, "errors", 2).status, Status::Failed);
        assert!(
            point(&r, "errors", 2)
                .reason
                .as_deref()
                .unwrap()
                .contains("device lost")
        );

        let lossy = point(&r, "lossy", 2);
        assert_eq!(lossy.status, Status::ExpectedIncorrect);
        assert_eq!(
            lossy.derived.speedup, None,
            "expected-incorrect points are never ranked"
        );
        assert!(lossy.metrics.contains_key("mismatched_values"));

        let absent = point(&r, "absent", 1);
        assert_eq!(absent.status, Status::Skipped);
        assert!(absent.reason.as_deref().unwrap().contains("lacks"));
        assert!(r.has_failures());
    }

    #[test]
    fn points_are_measured_in_interleaved_repetitions() {
        let r = run_toy("\"serial\", \"wrong\", \"flaky\"");
        let serial = point(&r, "serial", 1);
        let m = serial.measurement.as_ref().unwrap();
        assert_eq!(m.rounds(), [0, 1, 2]);
        assert_eq!(
            m.repetitions.iter().map(|r| r.samples).sum::<usize>(),
            m.samples_ns.len()
        );
        // The figure is the median of the repetitions' medians.
        let mut medians: Vec<f64> = m.repetitions.iter().map(|r| r.median_ns.0).collect();
        medians.sort_by(f64::total_cmp);
        assert_eq!(m.stats.median.0, medians[1]);
        assert!(m.stats.ci_low <= m.stats.median && m.stats.median <= m.stats.ci_high);
        // A wrong point stops at its first repetition; the plan order is kept.
        let order: Vec<(&str, u32)> = r
            .points
            .iter()
            .map(|p| (p.variant.as_str(), p.workers))
            .collect();
        assert_eq!(
            order,
            [
                ("serial", 1),
                ("wrong", 1),
                ("wrong", 2),
                ("flaky", 1),
                ("flaky", 2)
            ]
        );
        assert_eq!(point(&r, "wrong", 1).status, Status::Wrong);
    }

    #[test]
    fn a_thread_the_system_refuses_is_said_plainly() {
        let payload: Box<dyn std::any::Any + Send> = Box::new(String::from(
            "failed to spawn thread: Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" }",
        ));
        assert_eq!(
            panic_reason("first run", &*payload),
            "first run: cannot spawn a thread: Resource temporarily unavailable (os error 11); the system's limit on threads or memory was reached (ulimit -u, ulimit -v, cgroup pids.max)"
        );
        let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(panic_reason("setup", &*payload), "setup panicked: boom");
        assert_eq!(
            panic_reason("while timing", &*payload),
            "panicked while timing: boom"
        );
        assert_eq!(tail_chars("aé", 1), "");
        assert_eq!(tail_chars("abc", 2), "bc");
    }

    #[test]
    fn rounds_visit_every_point_in_a_seeded_random_order() {
        let a = round_order(10, 7);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(a, round_order(10, 7));
        assert_ne!(a, round_order(10, 8));
    }

    #[test]
    fn right_variants_get_speedup_efficiency_and_throughput() {
        let r = run_toy("\"serial\"");
        assert!(!r.has_failures());
        let p = point(&r, "serial", 1);
        assert_eq!(p.derived.efficiency, Some(1.0));
        let t = p.throughput.as_ref().unwrap();
        assert_eq!(t.unit, "terms/s");
        assert!(t.value > 0.0);
        assert!(p.measurement.as_ref().unwrap().samples_ns.len() >= 3);
    }
}
