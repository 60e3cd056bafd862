//! The extension point: a [`Workload`] describes a problem, its sizes and parameters, computes a
//! reference answer, and prepares [`Execution`]s of its variants. Implement it to put your own
//! code through parbench's engine, verification and reports (see `examples/custom_workload.rs`).
#![warn(missing_docs)]

use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::operations::Operations;
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

/// A problem size a workload offers by name (`S`, `M`, `L`).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedSize {
    /// The name a config uses (`sizes = ["S"]`).
    pub label: &'static str,
    /// The problem size it stands for, in the workload's [`WorkloadInfo::size_meaning`].
    pub n: u64,
}

/// The static description of a workload.
#[derive(Debug, Clone)]
pub struct WorkloadInfo {
    /// The name a config's `workload` key uses; unique in a [`Registry`](crate::Registry).
    pub name: &'static str,
    /// One line for `parbench list` and the report.
    pub description: &'static str,
    /// What `n` counts (`elements`, `samples`, `matrix side`).
    pub size_meaning: &'static str,
    /// Unit of the work figure returned by [`Workload::work`]; throughput is reported per second
    /// of it (`B` gives `B/s`).
    pub work_unit: &'static str,
    /// Named sizes a config may use.
    pub sizes: Vec<NamedSize>,
    /// Sizes run when a suite names none.
    pub default_sizes: Vec<&'static str>,
    /// Parameters a config may set in `[suite.params]` (a list of values sweeps them).
    pub params: Vec<ParamSpec>,
}

impl WorkloadInfo {
    /// The named size `label` (case-insensitive).
    pub fn size(&self, label: &str) -> Option<&NamedSize> {
        self.sizes
            .iter()
            .find(|s| s.label.eq_ignore_ascii_case(label))
    }

    /// The problem of named size `label` with every parameter at its default (benches, tests).
    pub fn problem(&self, label: &str, seed: u64) -> Option<Problem> {
        let size = self.size(label)?;
        let mut p = Problem::new(size.label, size.n, seed);
        for spec in &self.params {
            p.params.insert(spec.name.to_string(), spec.default.clone());
        }
        Some(p)
    }
}

/// Whether a variant can run on this machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// It runs here.
    Available,
    /// Not on this machine: why, and how to get it.
    Unavailable {
        /// Shown by `parbench list` and recorded as the `skipped` reason of its points.
        reason: String,
    },
}

/// One way of computing a workload.
#[derive(Debug, Clone)]
pub struct VariantInfo {
    /// The name a config's `variants` key uses (`serial`, `rayon`, `mutex`, …).
    pub name: &'static str,
    /// How it executes: recorded with every point and used to group reports.
    pub model: ExecutionModel,
    /// How its workers synchronize.
    pub sync: SyncKind,
    /// One line for `parbench list`.
    pub description: &'static str,
    /// False for `serial`: it runs once, at one worker.
    pub uses_workers: bool,
    /// Incorrect by design (lost updates): measured and reported, never verified or ranked.
    pub expected_incorrect: bool,
    /// Whether it can run on this machine.
    pub availability: Availability,
    /// Set on a variant that exists only to compare primitives within its own workload (the
    /// contention suite's spin lock, CAS loop, …): why every other workload lacks it, shown in
    /// their cells of the matrix.
    pub only_here: Option<&'static str>,
}

impl VariantInfo {
    /// An available variant that uses workers unless `model` is
    /// [`Serial`](ExecutionModel::Serial).
    pub fn new(
        name: &'static str,
        model: ExecutionModel,
        sync: SyncKind,
        description: &'static str,
    ) -> Self {
        VariantInfo {
            name,
            model,
            sync,
            description,
            uses_workers: model != ExecutionModel::Serial,
            expected_incorrect: false,
            availability: Availability::Available,
            only_here: None,
        }
    }

    /// The `serial` variant: the baseline every speedup of the workload is measured against.
    pub fn serial(description: &'static str) -> Self {
        Self::new(
            names::SERIAL,
            ExecutionModel::Serial,
            SyncKind::None,
            description,
        )
    }

    /// Marks it incorrect by design (see [`VariantInfo::expected_incorrect`]).
    pub fn expected_incorrect(mut self) -> Self {
        self.expected_incorrect = true;
        self
    }

    /// Marks the variant as one only this workload offers, with the reason other workloads
    /// lack it.
    pub fn only_here(mut self, reason: &'static str) -> Self {
        self.only_here = Some(reason);
        self
    }

    /// Marks it unavailable on this machine, with the reason.
    pub fn unavailable(mut self, reason: impl Into<String>) -> Self {
        self.availability = Availability::Unavailable {
            reason: reason.into(),
        };
        self
    }

    /// Whether it can run here.
    pub fn is_available(&self) -> bool {
        self.availability == Availability::Available
    }
}

/// A variant a workload deliberately does not offer, and why: `parbench list` prints the reason in
/// the matrix's empty cell, and a config that names the variant gets it in its error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotApplicable {
    /// The variant's name in the matrix (`mutex`, `processes-pool`, …).
    pub variant: &'static str,
    /// Why the workload has no such variant.
    pub reason: Cow<'static, str>,
}

impl NotApplicable {
    /// `variant` does not apply, because of `reason`.
    pub fn new(variant: &'static str, reason: impl Into<Cow<'static, str>>) -> Self {
        NotApplicable {
            variant,
            reason: reason.into(),
        }
    }

    /// The variants that synchronize shared mutable state. A workload whose workers share none
    /// (each output written by one worker, inputs only read) lists them all with one reason.
    pub const SHARED_STATE_VARIANTS: &'static [&'static str] = &[
        names::MUTEX,
        names::PARKING_LOT,
        names::RWLOCK,
        names::ATOMIC,
        names::SHARDED,
        names::CHANNEL,
        names::UNSYNC,
    ];

    /// The same reason for several variants.
    pub fn all(variants: &[&'static str], reason: &'static str) -> Vec<NotApplicable> {
        variants
            .iter()
            .map(|v| NotApplicable::new(v, reason))
            .collect()
    }
}

/// The kind and range of a workload parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    /// An integer in `min..=max`.
    Int {
        /// The smallest value accepted.
        min: i64,
        /// The largest value accepted.
        max: i64,
    },
    /// A number in `min..=max` (integers are accepted and converted).
    Float {
        /// The smallest value accepted.
        min: f64,
        /// The largest value accepted.
        max: f64,
    },
    /// `true` or `false`.
    Bool,
    /// One of these strings.
    Choice(&'static [&'static str]),
}

/// A parameter a workload accepts in `[suite.params]`.
#[derive(Debug, Clone)]
pub struct ParamSpec {
    /// The key in `[suite.params]`.
    pub name: &'static str,
    /// One line for `parbench list`.
    pub description: &'static str,
    /// What values it accepts.
    pub kind: ParamKind,
    /// Its value when a config does not set it.
    pub default: ParamValue,
}

impl ParamSpec {
    /// Checks a configured value; the error says what was expected.
    pub fn check(&self, value: &ParamValue) -> Result<ParamValue, ParamError> {
        let found = || value.clone();
        match (&self.kind, value) {
            (ParamKind::Int { min, max }, ParamValue::Int(v)) if (min..=max).contains(&v) => {
                Ok(value.clone())
            }
            (&ParamKind::Int { min, max }, _) => Err(ParamError::Int {
                min,
                max,
                found: found(),
            }),
            (ParamKind::Float { min, max }, ParamValue::Float(v)) if *v >= *min && *v <= *max => {
                Ok(value.clone())
            }
            (ParamKind::Float { min, max }, ParamValue::Int(v))
                if (*v as f64) >= *min && (*v as f64) <= *max =>
            {
                Ok(ParamValue::Float(*v as f64))
            }
            (&ParamKind::Float { min, max }, _) => Err(ParamError::Float {
                min,
                max,
                found: found(),
            }),
            (ParamKind::Bool, ParamValue::Bool(_)) => Ok(value.clone()),
            (ParamKind::Bool, _) => Err(ParamError::Bool { found: found() }),
            (ParamKind::Choice(options), ParamValue::Str(s)) if options.contains(&s.as_str()) => {
                Ok(value.clone())
            }
            (&ParamKind::Choice(options), _) => Err(ParamError::Choice {
                options,
                found: found(),
            }),
        }
    }
}

/// Why a configured parameter value is not one its [`ParamSpec`] accepts; the text says what
/// was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParamError {
    /// Not an integer in `min..=max`.
    #[error("expected an integer from {min} to {max}, found {found}")]
    Int {
        /// The smallest value accepted.
        min: i64,
        /// The largest value accepted.
        max: i64,
        /// The value configured.
        found: ParamValue,
    },
    /// Not a number in `min..=max`.
    #[error("expected a number from {min} to {max}, found {found}")]
    Float {
        /// The smallest value accepted.
        min: f64,
        /// The largest value accepted.
        max: f64,
        /// The value configured.
        found: ParamValue,
    },
    /// Not `true` or `false`.
    #[error("expected true or false, found {found}")]
    Bool {
        /// The value configured.
        found: ParamValue,
    },
    /// Not one of the accepted strings.
    #[error("expected one of {}, found {found}", quoted(options))]
    Choice {
        /// The strings accepted.
        options: &'static [&'static str],
        /// The value configured.
        found: ParamValue,
    },
}

/// `"a", "b"`.
fn quoted(options: &[&str]) -> String {
    options
        .iter()
        .map(|o| format!("\"{o}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The problem one point solves: its size and parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The size as configured (`S`, or the number).
    pub size_label: String,
    /// The problem size, in the workload's [`WorkloadInfo::size_meaning`].
    pub n: u64,
    /// Every declared parameter, defaults filled in.
    pub params: BTreeMap<String, ParamValue>,
    /// Seeds the inputs: every variant of a problem sees the same data.
    pub seed: u64,
}

impl Problem {
    /// A problem of size `n` under `size_label`, without parameters.
    pub fn new(size_label: impl Into<String>, n: u64, seed: u64) -> Self {
        Problem {
            size_label: size_label.into(),
            n,
            params: BTreeMap::new(),
            seed,
        }
    }

    /// The problem with parameter `name` set to `value`.
    pub fn with_param(mut self, name: &str, value: ParamValue) -> Self {
        self.params.insert(name.to_string(), value);
        self
    }

    /// Integer parameter `name` (an error names it when it is missing or of another type).
    pub fn int(&self, name: &str) -> Result<i64, WorkloadError> {
        match self.params.get(name) {
            Some(ParamValue::Int(v)) => Ok(*v),
            other => Err(WorkloadError::new(format!(
                "parameter `{name}` should be an integer, found {other:?}"
            ))),
        }
    }

    /// Number parameter `name` (integers are converted).
    pub fn float(&self, name: &str) -> Result<f64, WorkloadError> {
        match self.params.get(name) {
            Some(ParamValue::Float(v)) => Ok(*v),
            Some(ParamValue::Int(v)) => Ok(*v as f64),
            other => Err(WorkloadError::new(format!(
                "parameter `{name}` should be a number, found {other:?}"
            ))),
        }
    }

    /// String parameter `name`.
    pub fn string(&self, name: &str) -> Result<&str, WorkloadError> {
        match self.params.get(name) {
            Some(ParamValue::Str(v)) => Ok(v),
            other => Err(WorkloadError::new(format!(
                "parameter `{name}` should be a string, found {other:?}"
            ))),
        }
    }

    /// Boolean parameter `name`.
    pub fn flag(&self, name: &str) -> Result<bool, WorkloadError> {
        match self.params.get(name) {
            Some(ParamValue::Bool(v)) => Ok(*v),
            other => Err(WorkloadError::new(format!(
                "parameter `{name}` should be true or false, found {other:?}"
            ))),
        }
    }
}

/// A workload or variant could not do what was asked.
#[derive(Debug, Clone)]
pub struct WorkloadError {
    /// What went wrong, recorded as the point's reason.
    pub message: String,
    /// The error that caused it, if one did (an OpenCL or MPI error, a failed command).
    cause: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl fmt::Display for WorkloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for WorkloadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// Two errors are equal when they say the same (their sources are not compared).
impl PartialEq for WorkloadError {
    fn eq(&self, other: &Self) -> bool {
        self.message == other.message
    }
}

impl WorkloadError {
    /// An error with `message`.
    pub fn new(message: impl Into<String>) -> Self {
        WorkloadError {
            message: message.into(),
            cause: None,
        }
    }

    /// An error that says what `error` says and keeps it as its source.
    pub fn from_error(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        WorkloadError {
            message: error.to_string(),
            cause: Some(std::sync::Arc::new(error)),
        }
    }

    /// `workload` has no variant `variant` (for [`Workload::prepare`]).
    pub fn unknown_variant(workload: &str, variant: &str) -> Self {
        WorkloadError::new(format!("workload `{workload}` has no variant `{variant}`"))
    }
}

/// How close a floating-point answer must be: `|got - want| <= abs + rel * |want|`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerance {
    /// Relative part, a fraction of the reference value.
    pub rel: f64,
    /// Absolute part.
    pub abs: f64,
}

impl Tolerance {
    /// Bit-for-bit equal values (every variant does the same IEEE operations per element).
    pub const EXACT: Tolerance = Tolerance { rel: 0.0, abs: 0.0 };

    /// A purely relative tolerance.
    pub fn relative(rel: f64) -> Self {
        Tolerance { rel, abs: 0.0 }
    }

    fn accepts(&self, got: f64, want: f64) -> bool {
        if self.rel == 0.0 && self.abs == 0.0 {
            return got.to_bits() == want.to_bits() || got == want;
        }
        (got - want).abs() <= self.abs + self.rel * want.abs()
    }
}

/// A computed answer, compared against the reference before and after timing.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer<'a> {
    /// Integers that every correct variant reproduces exactly (counts, bins).
    Exact(Cow<'a, [u64]>),
    /// Floating-point values compared under a declared tolerance.
    Approx {
        /// The values.
        values: Cow<'a, [f64]>,
        /// How close each value must be (the reference's tolerance applies).
        tolerance: Tolerance,
    },
    /// Text that every correct run reproduces exactly, compared line by line (what an external
    /// program printed, or the checksum it printed).
    Text(Cow<'a, str>),
}

impl Answer<'_> {
    /// An owned exact answer.
    pub fn exact(values: Vec<u64>) -> Answer<'static> {
        Answer::Exact(Cow::Owned(values))
    }

    /// An owned approximate answer.
    pub fn approx(values: Vec<f64>, tolerance: Tolerance) -> Answer<'static> {
        Answer::Approx {
            values: Cow::Owned(values),
            tolerance,
        }
    }

    /// An owned text answer.
    pub fn text(text: impl Into<String>) -> Answer<'static> {
        Answer::Text(Cow::Owned(text.into()))
    }

    /// Values, or lines of a text answer.
    pub fn len(&self) -> usize {
        match self {
            Answer::Exact(v) => v.len(),
            Answer::Approx { values, .. } => values.len(),
            Answer::Text(t) => t.lines().count(),
        }
    }

    /// Whether it holds no values (or no lines).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The answer with its values copied, so it outlives the execution it borrowed from.
    pub fn into_owned(self) -> Answer<'static> {
        match self {
            Answer::Exact(v) => Answer::Exact(Cow::Owned(v.into_owned())),
            Answer::Approx { values, tolerance } => Answer::Approx {
                values: Cow::Owned(values.into_owned()),
                tolerance,
            },
            Answer::Text(t) => Answer::Text(Cow::Owned(t.into_owned())),
        }
    }
}

/// How an answer differs from the reference.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The first value (or line) that differs.
    pub first_index: usize,
    /// How many values (or lines) differ.
    pub count: usize,
    /// The reference's value there.
    pub expected: String,
    /// The answer's value there.
    pub found: String,
    /// For exact integer answers: reference total minus found total (lost updates when positive).
    pub deficit: Option<i128>,
    /// A text answer: `first_index` and `count` are lines.
    pub lines: bool,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines {
            return write!(
                f,
                "output differs from the reference at {} of its lines (first at line {}: expected `{}`, found `{}`)",
                self.count,
                self.first_index + 1,
                self.expected,
                self.found
            );
        }
        write!(
            f,
            "answer differs from the serial reference at {} of its values (first at index {}: expected {}, found {})",
            self.count, self.first_index, self.expected, self.found
        )
    }
}

impl std::error::Error for Mismatch {}

/// Compares `got` with the reference `want`; the reference's tolerance applies.
pub fn verify(want: &Answer<'_>, got: &Answer<'_>) -> Result<(), Mismatch> {
    let shape = |w: usize, g: usize| Mismatch {
        first_index: w.min(g),
        count: w.abs_diff(g).max(1),
        expected: format!("{w} values"),
        found: format!("{g} values"),
        deficit: None,
        lines: false,
    };
    match (want, got) {
        (Answer::Exact(w), Answer::Exact(g)) => {
            if w.len() != g.len() {
                return Err(shape(w.len(), g.len()));
            }
            let mut first = None;
            let mut count = 0;
            for (i, (a, b)) in w.iter().zip(g.iter()).enumerate() {
                if a != b {
                    count += 1;
                    first.get_or_insert(i);
                }
            }
            match first {
                None => Ok(()),
                Some(i) => Err(Mismatch {
                    first_index: i,
                    count,
                    expected: w[i].to_string(),
                    found: g[i].to_string(),
                    deficit: Some(
                        w.iter().map(|&v| v as i128).sum::<i128>()
                            - g.iter().map(|&v| v as i128).sum::<i128>(),
                    ),
                    lines: false,
                }),
            }
        }
        (
            Answer::Approx {
                values: w,
                tolerance,
            },
            Answer::Approx { values: g, .. },
        ) => {
            if w.len() != g.len() {
                return Err(shape(w.len(), g.len()));
            }
            let mut first = None;
            let mut count = 0;
            for (i, (a, b)) in w.iter().zip(g.iter()).enumerate() {
                if !tolerance.accepts(*b, *a) {
                    count += 1;
                    first.get_or_insert(i);
                }
            }
            match first {
                None => Ok(()),
                Some(i) => Err(Mismatch {
                    first_index: i,
                    count,
                    expected: format!("{:e}", w[i]),
                    found: format!("{:e}", g[i]),
                    deficit: None,
                    lines: false,
                }),
            }
        }
        (Answer::Text(w), Answer::Text(g)) => verify_text(w, g),
        _ => Err(Mismatch {
            first_index: 0,
            count: 1,
            expected: "an answer of the reference's kind".into(),
            found: "an answer of another kind (exact, approximate or text)".into(),
            deficit: None,
            lines: false,
        }),
    }
}

/// What a variant observed about its own iterations besides their time: figures it measured
/// along the way (into the point's `metrics`) and per-worker operation counts with sampled
/// latencies (into the point's `operations`).
#[derive(Debug, Clone, Default)]
pub struct Observations {
    /// Figures measured along the way, merged into the point's `metrics`.
    pub metrics: BTreeMap<String, Metric>,
    /// Per-worker operation counts and sampled latencies, the point's `operations`.
    pub operations: Option<Operations>,
}

/// At most this many characters of a differing line are quoted.
const QUOTED_LINE_CHARS: usize = 120;

fn quote_line(line: Option<&str>) -> String {
    match line {
        None => "(no such line)".into(),
        Some(l) => match l.char_indices().nth(QUOTED_LINE_CHARS) {
            Some((cut, _)) => format!("{}…", &l[..cut]),
            None => l.to_string(),
        },
    }
}

fn verify_text(want: &str, got: &str) -> Result<(), Mismatch> {
    if want == got {
        return Ok(());
    }
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let differs = |i: usize| w.get(i) != g.get(i);
    let total = w.len().max(g.len());
    let first = (0..total).find(|&i| differs(i));
    // Equal lines but different text: line endings or a final newline differ.
    let first_index = first.unwrap_or(total.saturating_sub(1));
    Err(Mismatch {
        first_index,
        count: (0..total).filter(|&i| differs(i)).count().max(1),
        expected: match first {
            Some(i) => quote_line(w.get(i).copied()),
            None => format!("{:?}", quote_line(Some(want))),
        },
        found: match first {
            Some(i) => quote_line(g.get(i).copied()),
            None => format!("{:?}", quote_line(Some(got))),
        },
        deficit: None,
        lines: true,
    })
}

/// A prepared variant: inputs allocated, pools built. Only [`Execution::run`] is timed.
pub trait Execution: Send {
    /// Performs one iteration of the work. Return a cheap digest of the result (and phases, if
    /// the variant splits its time).
    fn run(&mut self) -> Result<IterationOutput, IterationError>;

    /// The answer of the last run (not timed); may borrow from the execution.
    fn answer(&self) -> Answer<'_>;

    /// Like [`run`](Self::run), for a variant that measures its own time: the output and the
    /// duration that counts as the iteration's time (or `None` for the engine's clock; see
    /// [`Routine::timed_iteration`](parbench_harness::engine::Routine::timed_iteration)). The
    /// engine calls this for every timed iteration; the default calls `run`.
    fn run_timed(
        &mut self,
    ) -> Result<(IterationOutput, Option<std::time::Duration>), IterationError> {
        self.run().map(|out| (out, None))
    }

    /// The suite's per-sample timeout, told once before the first run. Variants that can block
    /// (worker processes) stop waiting and fail the run after this long; others ignore it.
    fn set_sample_timeout(&mut self, _timeout: std::time::Duration) {}

    /// Called once after timing and verification: release expensive resources (shut worker
    /// processes down) and return figures measured along the way (start-up cost, peak memory).
    /// The last `timed_iterations` runs were the timed samples (earlier ones: verification and
    /// warm-up).
    fn finish(&mut self, _timed_iterations: u64) -> BTreeMap<String, Metric> {
        BTreeMap::new()
    }

    /// Takes what the variant observed since the previous call (or since it was prepared),
    /// leaving nothing behind. The runner calls it (untimed) before timing, discarding what the
    /// verification run observed, and after timing, keeping what the engine's iterations (warm-up
    /// and samples) observed. The default observes nothing.
    fn take_observations(&mut self) -> Observations {
        Observations::default()
    }

    /// Warnings for the point, asked after [`finish`](Self::finish) (a cleanup command that
    /// failed, …). The default has none.
    fn warnings(&mut self) -> Vec<String> {
        Vec::new()
    }
}

/// A problem parbench can time under several execution models, verifying every variant.
pub trait Workload: Send + Sync {
    /// Name, description, sizes and parameters.
    fn info(&self) -> WorkloadInfo;

    /// Every variant, with its availability on this machine.
    fn variants(&self) -> Vec<VariantInfo>;

    /// Variants of the matrix (see `parbench list`) that this workload deliberately lacks, each
    /// with the reason. The default declares none; a missing variant without a reason is shown
    /// as "not implemented".
    fn not_applicable(&self) -> Vec<NotApplicable> {
        Vec::new()
    }

    /// Whether `variant` reads parameter `param`. A parameter only some variants read (the
    /// OpenCL `work-group-size`) does not multiply the other variants' points when swept: they
    /// run once per value of the parameters they read, and their points do not list the others.
    /// The default: every variant reads every parameter.
    fn param_applies(&self, _param: &str, _variant: &str) -> bool {
        true
    }

    /// Checks a problem before anything runs (`parbench validate`, and `run` before its first
    /// point): a size or parameter combination the workload cannot run at all is a config error
    /// at the size's line. The default accepts every problem.
    fn check_problem(&self, _problem: &Problem) -> Result<(), WorkloadError> {
        Ok(())
    }

    /// The memory one point of `problem` needs at least, in bytes: its inputs, outputs and the
    /// reference answer held while it runs. A plan whose problem needs more than the machine
    /// can hold ([`memory_limit`](parbench_harness::memory::memory_limit)) is refused before
    /// anything runs. `None` (the default): small, or unknown.
    fn memory_bytes(&self, _problem: &Problem) -> Option<u64> {
        None
    }

    /// Units of work ([`WorkloadInfo::work_unit`]) one iteration performs.
    fn work(&self, problem: &Problem) -> f64;

    /// The correct answer, by the simplest obviously correct code.
    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError>;

    /// Builds `variant` on `workers` workers (untimed setup).
    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError>;

    /// Extra figures derived from an answer (accuracy of an estimate, lost updates, …).
    fn metrics(&self, _problem: &Problem, _answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        BTreeMap::new()
    }

    /// What one unit of work ([`WorkloadInfo::work_unit`]) costs the machine: bytes streamed,
    /// FP64 multiplies and adds, integer hashes, and the bytes the problem touches (see
    /// [`BoundModel`](parbench_schema::calibration::BoundModel)). With the machine's
    /// calibration it gives every point a bound its throughput cannot honestly exceed ("% of
    /// bound"). The default: no model, no bound.
    fn bound(&self, _problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        None
    }

    /// The size a `--quick` run uses instead of `n`.
    fn quick_size(&self, n: u64) -> u64 {
        (n / 16).max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_answers_report_first_difference_and_deficit() {
        let want = Answer::exact(vec![5, 5, 5]);
        assert!(verify(&want, &Answer::exact(vec![5, 5, 5])).is_ok());
        let m = verify(&want, &Answer::exact(vec![5, 3, 4])).unwrap_err();
        assert_eq!((m.first_index, m.count, m.deficit), (1, 2, Some(3)));
        assert!(m.to_string().contains("expected 5, found 3"));
    }

    #[test]
    fn approximate_answers_use_tolerance() {
        let want = Answer::approx(vec![1.0, 100.0], Tolerance::relative(1e-6));
        assert!(
            verify(
                &want,
                &Answer::approx(vec![1.0 + 1e-7, 100.0], Tolerance::EXACT)
            )
            .is_ok()
        );
        assert!(verify(&want, &Answer::approx(vec![1.0, 100.01], Tolerance::EXACT)).is_err());
        let exact = Answer::approx(vec![0.1 * 3.0], Tolerance::EXACT);
        assert!(verify(&exact, &Answer::approx(vec![0.3], Tolerance::EXACT)).is_err());
        assert!(
            verify(
                &want,
                &Answer::approx(vec![f64::NAN, 100.0], Tolerance::EXACT)
            )
            .is_err()
        );
    }

    #[test]
    fn shape_and_kind_mismatches() {
        assert!(verify(&Answer::exact(vec![1]), &Answer::exact(vec![1, 2])).is_err());
        assert!(
            verify(
                &Answer::exact(vec![1]),
                &Answer::approx(vec![1.0], Tolerance::EXACT)
            )
            .is_err()
        );
    }

    #[test]
    fn text_answers_name_the_first_differing_line() {
        let want = Answer::text("n = 100\nchecksum 1f2e\ndone");
        assert!(verify(&want, &Answer::text("n = 100\nchecksum 1f2e\ndone")).is_ok());
        let m = verify(&want, &Answer::text("n = 100\nchecksum 1f2f\ndone")).unwrap_err();
        assert_eq!((m.first_index, m.count, m.lines), (1, 1, true));
        assert_eq!(
            m.to_string(),
            "output differs from the reference at 1 of its lines (first at line 2: expected `checksum 1f2e`, found `checksum 1f2f`)"
        );
        let m = verify(&want, &Answer::text("n = 100")).unwrap_err();
        assert_eq!(m.found, "(no such line)");
        assert!(verify(&want, &Answer::text("n = 100\nchecksum 1f2e\ndone\n")).is_err());
        assert!(verify(&want, &Answer::exact(vec![1])).is_err());
        assert_eq!(want.len(), 3);
    }

    #[test]
    fn workload_errors_keep_their_cause() {
        let e = WorkloadError::from_error(std::io::Error::other("disk gone"));
        assert_eq!(e.to_string(), "disk gone");
        let cause = std::error::Error::source(&e).expect("the cause is kept");
        assert!(cause.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(e, WorkloadError::new("disk gone"));
        assert!(std::error::Error::source(&WorkloadError::new("x")).is_none());
    }

    #[test]
    fn param_checks() {
        let p = ParamSpec {
            name: "bins",
            description: "",
            kind: ParamKind::Int { min: 1, max: 10 },
            default: ParamValue::Int(2),
        };
        assert!(p.check(&ParamValue::Int(3)).is_ok());
        assert!(
            p.check(&ParamValue::Int(11))
                .unwrap_err()
                .to_string()
                .contains("from 1 to 10")
        );
        let c = ParamSpec {
            name: "mode",
            description: "",
            kind: ParamKind::Choice(&["a", "b"]),
            default: ParamValue::Str("a".into()),
        };
        assert!(
            c.check(&ParamValue::Str("c".into()))
                .unwrap_err()
                .to_string()
                .contains("\"a\", \"b\"")
        );
        // The text is the config error's message, as before the type: kept word for word.
        assert_eq!(
            p.check(&ParamValue::Bool(true)).unwrap_err(),
            ParamError::Int {
                min: 1,
                max: 10,
                found: ParamValue::Bool(true)
            }
        );
        assert_eq!(
            p.check(&ParamValue::Int(0)).unwrap_err().to_string(),
            "expected an integer from 1 to 10, found 0"
        );
        let b = ParamSpec {
            name: "flag",
            description: "",
            kind: ParamKind::Bool,
            default: ParamValue::Bool(false),
        };
        assert_eq!(
            b.check(&ParamValue::Int(2)).unwrap_err().to_string(),
            "expected true or false, found 2"
        );
        let f = ParamSpec {
            name: "x",
            description: "",
            kind: ParamKind::Float { min: 0.0, max: 1.0 },
            default: ParamValue::Float(0.5),
        };
        assert_eq!(
            f.check(&ParamValue::Int(1)).unwrap(),
            ParamValue::Float(1.0)
        );
    }
}
