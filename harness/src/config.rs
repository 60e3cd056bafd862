//! The config model: TOML parsed into typed, validated settings (a `[defaults]` table and a list
//! of `[[suite]]` tables). Every rejection is a [`ConfigError`] naming the file, line, column and
//! key. Resolving workload, size, variant and parameter names is left to the suites layer, which
//! reports through the same error type using the spans kept here.

mod command;
mod duration;
mod workers;

pub use command::{
    CommandSpec, CommandSuite, CommandVerify, DEFAULT_SETUP_TIMEOUT, PLACEHOLDERS, SHELL,
};
pub use duration::{DurationError, SettingDuration};
pub use workers::{MAX_WORKERS, WorkersError, WorkersItem, WorkersSpec, parse_workers_expr};

use parbench_analysis::digest::sha256_hex;
use parbench_analysis::rng::DEFAULT_SEED;
use parbench_analysis::thresholds::RegressionThresholds;
use parbench_schema::params::ParamSetting;
use parbench_schema::variant::VariantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// A rejected config: where, which key, and what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ConfigError {
    /// The file, or `<embedded …>` for a config compiled into the binary.
    pub path: String,
    /// 1-based line of the problem; 0 when it concerns the whole file (it cannot be read).
    pub line: usize,
    /// 1-based column of the problem (0 with line 0).
    pub column: usize,
    /// The offending key, dotted from the table it sits in (`suite[2].min-samples`), if known.
    pub key: Option<String>,
    /// What was expected, in words.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: about the file as a whole (it cannot be read), not a position in it.
        if self.line == 0 {
            write!(f, "{}: ", self.path)?;
        } else {
            write!(f, "{}:{}:{}: ", self.path, self.line, self.column)?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        write!(f, "{}", self.message)
    }
}

/// The text of a config file and where it came from; turns byte spans into positions.
#[derive(Debug, Clone)]
pub struct ConfigSource {
    /// Shown in errors and echoed in results.
    pub path: String,
    /// The TOML text.
    pub text: String,
}

impl ConfigSource {
    /// A source named `path` (shown in errors) holding `text`.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        ConfigSource {
            path: path.into(),
            text: text.into(),
        }
    }

    /// Reads the config file at `path` (a regular file, at most the config size limit).
    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = parbench_analysis::input_file::read_text(
            path,
            parbench_analysis::input_file::MAX_CONFIG_BYTES,
        )
        .map_err(|e| ConfigError {
            path: path.display().to_string(),
            line: 0,
            column: 0,
            key: None,
            message: format!("cannot read the config file: {e}"),
        })?;
        Ok(ConfigSource::new(path.display().to_string(), text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn position(&self, offset: usize) -> (usize, usize) {
        parbench_analysis::input_file::position(&self.text, offset)
    }

    /// An error at `span`, naming `key` if given, else the key written on that line; `message`
    /// is its text (a string, or an error type whose `Display` says what was expected).
    pub fn error_at(
        &self,
        span: Range<usize>,
        key: Option<&str>,
        message: impl std::fmt::Display,
    ) -> ConfigError {
        let (line, column) = self.position(span.start);
        let key = match key {
            Some(k) => Some(self.qualify_key(span.start, k)),
            None => self
                .key_at(span.start)
                .map(|k| self.qualify_key(span.start, &k)),
        };
        ConfigError {
            path: self.path.clone(),
            line,
            column,
            key,
            message: message.to_string(),
        }
    }

    /// The key assigned on the line of `offset` (`key = value`), if the offset lies in a value.
    fn key_at(&self, offset: usize) -> Option<String> {
        let offset = offset.min(self.text.len());
        let line_start = self.text[..offset].rfind('\n').map_or(0, |i| i + 1);
        let before = &self.text[line_start..offset];
        let eq = before.rfind('=')?;
        let lhs = before[..eq].trim_end();
        // Inline tables: take the last key before `=` after a `{` or `,`.
        let start = lhs.rfind(['{', ',']).map_or(0, |i| i + 1);
        let key = lhs[start..].trim().trim_matches('"');
        (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
    }

    /// Prefixes a key with the table header in force at `offset` (`suite[2].budget`).
    fn qualify_key(&self, offset: usize, key: &str) -> String {
        let mut table: Option<String> = None;
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        let mut pos = 0;
        for line in self.text.split_inclusive('\n') {
            if pos > offset {
                break;
            }
            let t = line.trim();
            if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
                let name = name.trim().to_string();
                let c = counts.entry(name.clone()).or_insert(0);
                *c += 1;
                table = Some(format!("{name}[{}]", *c));
            } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
                let name = name.trim();
                // A sub-table of the current array element keeps its index: [suite.params].
                table = match (&table, name.split_once('.')) {
                    (Some(cur), Some((parent, rest))) if cur.starts_with(&format!("{parent}[")) => {
                        let base = cur.split('.').next().unwrap_or(cur);
                        Some(format!("{base}.{rest}"))
                    }
                    _ => Some(name.to_string()),
                };
            }
            pos += line.len();
        }
        match table {
            // A dotted key (`params.bins`) is relative to the array element (`suite[2]`).
            Some(t) if key.contains('.') => {
                let base = t.split('.').next().unwrap_or(&t);
                format!("{base}.{key}")
            }
            // The error is about the table itself (`[suite.verify]`).
            Some(t) if t == key || t.ends_with(&format!(".{key}")) => t,
            Some(t) => format!("{t}.{key}"),
            None => key.to_string(),
        }
    }

    fn toml_error(&self, e: &toml::de::Error) -> ConfigError {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_string();
        let mut err = self.error_at(span.clone(), None, message);
        // Errors about a whole table (unknown or missing field) point at the table, not a value:
        // name the unknown key from the message instead.
        if let Some(unknown) = err.message.strip_prefix("unknown field `")
            && let Some(name) = unknown.split('`').next()
        {
            err.key = Some(self.qualify_key(span.start, name));
        }
        err
    }
}

/// Measurement settings of one point, after defaults and overrides are merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct MeasureSettings {
    /// Run the routine this long before sampling (also estimates the batch size).
    pub warmup: SettingDuration,
    /// Fewest samples to take (`min-samples`), even past the budget.
    pub min_samples: usize,
    /// Most samples to take (`max-samples`); reaching it stops sampling.
    pub max_samples: usize,
    /// Stop sampling once the 95% CI of the median is at most this wide, relative to the median.
    pub target_ci: f64,
    /// Time budget for sampling one point; `min-samples` are taken even past it.
    pub budget: SettingDuration,
    /// A single sample taking longer than this fails the point.
    pub timeout: SettingDuration,
    /// Independent repetitions per point (fresh preparation, interleaved with the other points
    /// of the problem); the warm-up, samples and budget above are shared out among them.
    pub repetitions: usize,
    /// The relative standard deviation of a whole run's figures from one run to the next on
    /// this machine (host load, frequency: the same for every point of a run, so one run cannot
    /// see it); the rerun interval of a time includes it. Speedups, ratios inside a run, do not
    /// need it.
    pub run_drift: f64,
}

impl Default for MeasureSettings {
    fn default() -> Self {
        MeasureSettings {
            warmup: SettingDuration(Duration::from_millis(300)),
            min_samples: 10,
            max_samples: 200,
            target_ci: 0.02,
            budget: SettingDuration(Duration::from_secs(2)),
            timeout: SettingDuration(Duration::from_secs(60)),
            repetitions: DEFAULT_REPETITIONS,
            run_drift: DEFAULT_RUN_DRIFT,
        }
    }
}

/// Run-to-run drift assumed unless a config says otherwise: measured on the 2-core VMs this was
/// built on, where whole runs shifted by up to 7% (all points alike) between consecutive runs
/// (docs/variance.md).
pub const DEFAULT_RUN_DRIFT: f64 = 0.03;
/// The most repetitions a point may have.
pub const MAX_REPETITIONS: usize = 100;
/// Repetitions per point unless a config says otherwise.
pub const DEFAULT_REPETITIONS: usize = 8;
/// Repetitions per point under `--quick` (at most).
pub const QUICK_REPETITIONS: usize = 3;

impl MeasureSettings {
    /// The `--quick` smoke-run budget: same matrix, tiny budgets.
    pub fn quick(&self) -> MeasureSettings {
        MeasureSettings {
            warmup: self.warmup.min(SettingDuration(Duration::from_millis(20))),
            min_samples: self.min_samples.min(3),
            max_samples: self.max_samples.min(10),
            target_ci: self.target_ci.max(0.05),
            budget: self.budget.min(SettingDuration(Duration::from_millis(100))),
            timeout: self.timeout,
            repetitions: self.repetitions.min(QUICK_REPETITIONS),
            run_drift: self.run_drift,
        }
    }

    /// The settings of one of the point's repetitions: warm-up, samples and budget shared out
    /// among `repetitions` (at least 2 samples each; the budget buys more where iterations are
    /// short).
    pub fn per_repetition(&self) -> MeasureSettings {
        let r = self.repetitions.max(1);
        if r == 1 {
            return self.clone();
        }
        let min_samples = self.min_samples.div_ceil(r).max(2);
        MeasureSettings {
            warmup: SettingDuration(self.warmup.0 / r as u32),
            min_samples,
            max_samples: self.max_samples.div_ceil(r).max(min_samples),
            target_ci: self.target_ci,
            budget: SettingDuration(self.budget.0 / r as u32),
            timeout: self.timeout,
            repetitions: 1,
            run_drift: self.run_drift,
        }
    }
}

/// Optional measurement keys, accepted in `[defaults]` and in each `[[suite]]`.
#[derive(Debug, Clone, Default)]
struct MeasureOverrides {
    warmup: Option<Spanned<SettingDuration>>,
    min_samples: Option<Spanned<Count>>,
    max_samples: Option<Spanned<Count>>,
    target_ci: Option<Spanned<Fraction>>,
    budget: Option<Spanned<PositiveDuration>>,
    timeout: Option<Spanned<PositiveDuration>>,
    repetitions: Option<Spanned<Count>>,
    run_drift: Option<Spanned<Drift>>,
}

impl MeasureOverrides {
    fn apply(
        &self,
        base: &MeasureSettings,
        src: &ConfigSource,
    ) -> Result<MeasureSettings, ConfigError> {
        let mut m = base.clone();
        if let Some(v) = &self.warmup {
            m.warmup = *v.get_ref();
        }
        if let Some(v) = &self.min_samples {
            m.min_samples = v.get_ref().0;
        }
        if let Some(v) = &self.max_samples {
            m.max_samples = v.get_ref().0;
        }
        if let Some(v) = &self.target_ci {
            m.target_ci = v.get_ref().0;
        }
        if let Some(v) = &self.budget {
            m.budget = v.get_ref().0;
        }
        if let Some(v) = &self.timeout {
            m.timeout = v.get_ref().0;
        }
        if let Some(v) = &self.repetitions {
            if v.get_ref().0 > MAX_REPETITIONS {
                return Err(src.error_at(
                    v.span(),
                    None,
                    format!(
                        "repetitions = {} is out of range: expected an integer from 1 to {MAX_REPETITIONS}",
                        v.get_ref().0
                    ),
                ));
            }
            m.repetitions = v.get_ref().0;
        }
        if let Some(v) = &self.run_drift {
            m.run_drift = v.get_ref().0;
        }
        if m.max_samples < m.min_samples {
            let span = self
                .max_samples
                .as_ref()
                .map(|s| s.span())
                .or_else(|| self.min_samples.as_ref().map(|s| s.span()))
                .unwrap_or(0..0);
            return Err(src.error_at(
                span,
                None,
                format!(
                    "max-samples ({}) must be at least min-samples ({})",
                    m.max_samples, m.min_samples
                ),
            ));
        }
        Ok(m)
    }
}

macro_rules! with_measure_keys {
    ($(#[$meta:meta])* $vis:vis struct $name:ident { $($field:tt)* }) => {
        $(#[$meta])*
        $vis struct $name {
            $($field)*
            #[serde(default)]
            warmup: Option<Spanned<SettingDuration>>,
            #[serde(default)]
            min_samples: Option<Spanned<Count>>,
            #[serde(default)]
            max_samples: Option<Spanned<Count>>,
            #[serde(default)]
            target_ci: Option<Spanned<Fraction>>,
            #[serde(default)]
            budget: Option<Spanned<PositiveDuration>>,
            #[serde(default)]
            timeout: Option<Spanned<PositiveDuration>>,
            #[serde(default)]
            repetitions: Option<Spanned<Count>>,
            #[serde(default)]
            run_drift: Option<Spanned<Drift>>,
        }

        impl $name {
            fn measure_overrides(&self) -> MeasureOverrides {
                MeasureOverrides {
                    warmup: self.warmup.clone(),
                    min_samples: self.min_samples.clone(),
                    max_samples: self.max_samples.clone(),
                    target_ci: self.target_ci.clone(),
                    budget: self.budget.clone(),
                    timeout: self.timeout.clone(),
                    repetitions: self.repetitions.clone(),
                    run_drift: self.run_drift.clone(),
                }
            }
        }
    };
}

with_measure_keys! {
    #[derive(Debug, Default, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct RawDefaults {
        #[serde(default)]
        workers: Option<Spanned<WorkersSpec>>,
        #[serde(default)]
        seed: Option<u64>,
        #[serde(default)]
        threshold_serial: Option<Fraction>,
        #[serde(default)]
        threshold_parallel: Option<Fraction>,
        #[serde(default)]
        opencl_platform: Option<Spanned<DeviceMatch>>,
        #[serde(default)]
        opencl_device: Option<Spanned<DeviceMatch>>,
    }
}

with_measure_keys! {
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields, rename_all = "kebab-case")]
    struct RawSuite {
        #[serde(default)]
        name: Option<Spanned<String>>,
        #[serde(default)]
        workload: Option<Spanned<String>>,
        #[serde(default)]
        sizes: Option<Spanned<Vec<Spanned<SizeSpec>>>>,
        #[serde(default)]
        variants: Option<Spanned<Vec<Spanned<VariantId>>>>,
        #[serde(default)]
        workers: Option<Spanned<WorkersSpec>>,
        #[serde(default)]
        params: BTreeMap<String, Spanned<ParamSetting>>,
        #[serde(default)]
        threshold_serial: Option<Fraction>,
        #[serde(default)]
        threshold_parallel: Option<Fraction>,
        // Command suites (config/command.rs).
        #[serde(default)]
        command: Option<Spanned<command::RawCommand>>,
        #[serde(default)]
        shell: Option<Spanned<bool>>,
        #[serde(default)]
        env: Option<Spanned<BTreeMap<String, Spanned<String>>>>,
        #[serde(default)]
        setup: Option<Spanned<command::RawCommand>>,
        #[serde(default)]
        prepare: Option<Spanned<command::RawCommand>>,
        #[serde(default)]
        cleanup: Option<Spanned<command::RawCommand>>,
        #[serde(default)]
        expected_exit_code: Option<Spanned<command::ExitCode>>,
        #[serde(default)]
        setup_timeout: Option<Spanned<PositiveDuration>>,
        #[serde(default)]
        working_dir: Option<Spanned<String>>,
        #[serde(default)]
        verify: Option<Spanned<command::RawVerify>>,
    }
}

impl RawSuite {
    fn command_keys(&self) -> command::RawCommandKeys {
        command::RawCommandKeys {
            command: self.command.clone(),
            shell: self.shell.clone(),
            env: self.env.clone(),
            setup: self.setup.clone(),
            prepare: self.prepare.clone(),
            cleanup: self.cleanup.clone(),
            expected_exit_code: self.expected_exit_code.clone(),
            setup_timeout: self.setup_timeout.clone(),
            working_dir: self.working_dir.clone(),
            verify: self.verify.clone(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    #[serde(default)]
    defaults: RawDefaults,
    #[serde(default, rename = "suite")]
    suites: Vec<Spanned<RawSuite>>,
    #[serde(default)]
    mpi: Option<Spanned<MpiSettings>>,
}

/// The program that starts MPI jobs (`[mpi] launcher`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MpiLauncher {
    /// Open MPI's `mpirun` (the default).
    #[default]
    Mpirun,
    /// Slurm's `srun`, inside an allocation.
    Srun,
}

impl MpiLauncher {
    /// The program's name.
    pub fn program(self) -> &'static str {
        match self {
            MpiLauncher::Mpirun => "mpirun",
            MpiLauncher::Srun => "srun",
        }
    }
}

/// How the `mpi` variants start their ranks (`[mpi]`): the launcher, an optional hostfile and
/// extra launcher arguments. Absent: `mpirun` on this machine.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct MpiSettings {
    /// `mpirun` or `srun`.
    #[serde(default)]
    pub launcher: MpiLauncher,
    /// A hostfile for `mpirun --hostfile` (relative to the config file's directory).
    #[serde(default)]
    pub hostfile: Option<Spanned<String>>,
    /// Arguments added to the launcher's command line before the program.
    #[serde(default)]
    pub launcher_args: Vec<String>,
}

/// A sample count: 1 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)
            .map_err(|_| serde::de::Error::custom("expected an integer from 1 to 1000000"))?;
        if !(1..=1_000_000).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range: expected an integer from 1 to 1000000"
            )));
        }
        Ok(Count(v as usize))
    }
}

/// A relative run-to-run drift: 0 (a tuned, dedicated machine) up to 0.5.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drift(f64);

impl<'de> Deserialize<'de> for Drift {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a number from 0 to 0.5, e.g. 0.03 for 3%")
        })?;
        if !(0.0..=0.5).contains(&v) {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range: expected a number from 0 to 0.5, e.g. 0.03 for 3%"
            )));
        }
        Ok(Drift(v))
    }
}

/// A fraction strictly between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Fraction(f64);

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a number between 0 and 1, e.g. 0.02 for 2%")
        })?;
        if !(v > 0.0 && v < 1.0) {
            return Err(serde::de::Error::custom(format!(
                "{v} is out of range: expected a number between 0 and 1 (exclusive), e.g. 0.02 for 2%"
            )));
        }
        Ok(Fraction(v))
    }
}

/// A duration that must be longer than zero.
#[derive(Debug, Clone, Copy, PartialEq)]
struct PositiveDuration(SettingDuration);

impl<'de> Deserialize<'de> for PositiveDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = SettingDuration::deserialize(d)?;
        if v.0.is_zero() {
            return Err(serde::de::Error::custom(
                "expected a duration longer than zero",
            ));
        }
        Ok(PositiveDuration(v))
    }
}

/// A problem size as written: a workload's named size (`"S"`), an explicit number, or an
/// explicit number under a label of one's own (`{ label = "S", n = 22000000 }`). Points are
/// matched across runs by label, so a labelled size lets two configs compare different `n`
/// under one name (how `parbench ab` tests inject a known slowdown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum SizeSpec {
    /// A workload's named size (`"S"`, `"M"`).
    Named(String),
    /// An explicit problem size, labelled with its number.
    Value(u64),
    /// An explicit problem size under a label of one's own.
    Labeled {
        /// The name points are matched by across runs.
        label: String,
        /// The problem size it stands for.
        n: u64,
    },
}

/// What a size may be written as, for errors.
const SIZE_EXPECTED: &str = "a size: a workload's size name (\"S\"), a positive number, or { label = \"big\", n = 1000000 }";

impl<'de> Deserialize<'de> for SizeSpec {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = SizeSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(SIZE_EXPECTED)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<SizeSpec, E> {
                Ok(SizeSpec::Named(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<SizeSpec, E> {
                Ok(SizeSpec::Value(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<SizeSpec, E> {
                u64::try_from(v)
                    .map(SizeSpec::Value)
                    .map_err(|_| E::custom(format!("a size must be a positive number, found {v}")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<SizeSpec, E> {
                Err(E::custom(format!(
                    "a size must be a whole number, found {v}; expected {SIZE_EXPECTED}"
                )))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<SizeSpec, A::Error> {
                #[derive(Deserialize)]
                #[serde(deny_unknown_fields)]
                struct Labeled {
                    label: String,
                    n: u64,
                }
                let l = Labeled::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(SizeSpec::Labeled {
                    label: l.label,
                    n: l.n,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl fmt::Display for SizeSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeSpec::Named(s) => f.write_str(s),
            SizeSpec::Value(v) => write!(f, "{v}"),
            SizeSpec::Labeled { label, n } => write!(f, "{label} (n = {n})"),
        }
    }
}

/// Config-wide settings.
#[derive(Debug, Clone)]
pub struct Defaults {
    /// Measurement settings every suite starts from (`[defaults]`).
    pub measure: MeasureSettings,
    /// Worker counts every suite starts from (`[defaults] workers`).
    pub workers: Vec<u32>,
    /// Seeds workload inputs and the bootstrap.
    pub seed: u64,
    /// Regression thresholds every suite starts from (`threshold-serial`, `threshold-parallel`).
    pub thresholds: RegressionThresholds,
    /// Which OpenCL device the `opencl` variants run on.
    pub opencl: OpenclSelection,
}

/// An OpenCL platform or device as a config (`opencl-platform`, `opencl-device`) or the command
/// line (`--opencl-device`) names it: its index as `parbench list --devices` numbers them, or a
/// case-insensitive part of its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum DeviceMatch {
    /// The index `parbench list --devices` shows.
    Index(usize),
    /// A case-insensitive part of the name.
    Name(String),
}

impl DeviceMatch {
    /// Whether `name` (a platform or device name) matches this name part.
    pub fn matches_name(&self, name: &str) -> bool {
        match self {
            DeviceMatch::Index(_) => false,
            DeviceMatch::Name(part) => name.to_lowercase().contains(&part.to_lowercase()),
        }
    }
}

impl fmt::Display for DeviceMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceMatch::Index(i) => write!(f, "{i}"),
            DeviceMatch::Name(n) => write!(f, "\"{n}\""),
        }
    }
}

/// An empty `--opencl-device` or `--opencl-platform`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("expected an index (0, 1, …) or a part of the name")]
pub struct EmptyDeviceMatch;

impl std::str::FromStr for DeviceMatch {
    type Err = EmptyDeviceMatch;

    /// Digits are an index; anything else is a part of the name.
    fn from_str(text: &str) -> Result<Self, EmptyDeviceMatch> {
        let text = text.trim();
        if text.is_empty() {
            return Err(EmptyDeviceMatch);
        }
        Ok(match text.parse::<usize>() {
            Ok(i) => DeviceMatch::Index(i),
            Err(_) => DeviceMatch::Name(text.to_string()),
        })
    }
}

impl<'de> Deserialize<'de> for DeviceMatch {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        const EXPECTED: &str = "expected an index as `parbench list --devices` numbers them (0, 1, …) or a non-empty part of the name, e.g. \"pthread\"";
        match Raw::deserialize(d).map_err(|_| serde::de::Error::custom(EXPECTED))? {
            Raw::Int(i) if i >= 0 => Ok(DeviceMatch::Index(i as usize)),
            Raw::Int(i) => Err(serde::de::Error::custom(format!(
                "{i} is negative: {EXPECTED}"
            ))),
            Raw::Text(t) if t.trim().is_empty() => Err(serde::de::Error::custom(EXPECTED)),
            Raw::Text(t) => Ok(DeviceMatch::Name(t.trim().to_string())),
        }
    }
}

/// The OpenCL device of a run (`[defaults] opencl-platform` and `opencl-device`), spanned so that
/// a device that does not exist here is reported at the config line. Unset: the first GPU, else
/// the first device.
#[derive(Debug, Clone, Default)]
pub struct OpenclSelection {
    /// The platform (`opencl-platform`); `None`: every platform.
    pub platform: Option<Spanned<DeviceMatch>>,
    /// The device (`opencl-device`); `None`: the first GPU, else the first accelerator, else the
    /// first device.
    pub device: Option<Spanned<DeviceMatch>>,
}

/// One `[[suite]]`: names stay spanned so that the suites layer can point at them.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// The suite's name (`name`), unique in the config.
    pub name: Spanned<String>,
    /// The built-in workload; for a command suite `command`, spanning the `command` key.
    pub workload: Spanned<String>,
    /// An external program instead of a built-in workload (`command = [...]`).
    pub command: Option<CommandSuite>,
    /// `None`: the workload's default sizes.
    pub sizes: Option<Vec<Spanned<SizeSpec>>>,
    /// `None`: every variant available on this machine.
    pub variants: Option<Vec<Spanned<VariantId>>>,
    /// Worker counts to run each parallel variant at (the suite's `workers`, or the default).
    pub workers: Vec<u32>,
    /// Where `workers` was written (or the suite header when inherited).
    pub workers_span: Range<usize>,
    /// Workload parameters set by the suite (`[suite.params]`), each one value or a sweep.
    pub params: BTreeMap<String, Spanned<ParamSetting>>,
    /// Measurement settings after the suite's overrides of `[defaults]`.
    pub measure: MeasureSettings,
    /// Regression thresholds after the suite's overrides.
    pub thresholds: RegressionThresholds,
    /// The whole `[[suite]]` table.
    pub span: Range<usize>,
}

/// A parsed and validated config file.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file and its text.
    pub source: ConfigSource,
    /// The `[defaults]` table, with built-in values for keys it leaves out.
    pub defaults: Defaults,
    /// Every `[[suite]]`, in file order.
    pub suites: Vec<SuiteConfig>,
    /// `[mpi]`, with the span of its table; `None` where the config has none.
    pub mpi: Option<Spanned<MpiSettings>>,
}

impl Config {
    /// Parses and validates `source`; `ncpu` resolves worker expressions.
    pub fn parse(source: ConfigSource, ncpu: u32) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(&source.text).map_err(|e| source.toml_error(&e))?;
        let defaults = Self::parse_defaults(&raw.defaults, &source, ncpu)?;
        if raw.suites.is_empty() {
            return Err(source.error_at(
                0..0,
                None,
                "the config defines no suites: add at least one [[suite]] table with a `workload` (or `command`) key",
            ));
        }
        let mut suites = Vec::new();
        let mut seen_names: BTreeMap<String, usize> = BTreeMap::new();
        for spanned in raw.suites {
            suites.push(Self::parse_suite(
                spanned,
                &defaults,
                &source,
                ncpu,
                &mut seen_names,
            )?);
        }
        Ok(Config {
            source,
            defaults,
            suites,
            mpi: raw.mpi,
        })
    }

    /// The `[defaults]` table, with the built-in defaults where it sets nothing.
    fn parse_defaults(
        raw: &RawDefaults,
        source: &ConfigSource,
        ncpu: u32,
    ) -> Result<Defaults, ConfigError> {
        let base = MeasureSettings::default();
        let defaults_measure = raw.measure_overrides().apply(&base, source)?;
        let default_workers = match &raw.workers {
            Some(w) => w
                .get_ref()
                .resolve(ncpu)
                .map_err(|e| source.error_at(w.span(), Some("workers"), e.to_string()))?,
            None => vec![1, ncpu.max(1)]
                .into_iter()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect(),
        };
        Ok(Defaults {
            measure: defaults_measure,
            workers: default_workers,
            seed: raw.seed.unwrap_or(DEFAULT_SEED),
            thresholds: RegressionThresholds::default().with(
                raw.threshold_serial.map(|f| f.0),
                raw.threshold_parallel.map(|f| f.0),
            ),
            opencl: OpenclSelection {
                platform: raw.opencl_platform.clone(),
                device: raw.opencl_device.clone(),
            },
        })
    }

    /// One `[[suite]]` table, its settings over `defaults`; `seen_names` holds the names of the
    /// suites before it (where each was written) and gets this one's.
    fn parse_suite(
        spanned: Spanned<RawSuite>,
        defaults: &Defaults,
        source: &ConfigSource,
        ncpu: u32,
        seen_names: &mut BTreeMap<String, usize>,
    ) -> Result<SuiteConfig, ConfigError> {
        let span = spanned.span();
        let raw_suite = spanned.into_inner();
        let measure = raw_suite
            .measure_overrides()
            .apply(&defaults.measure, source)?;
        let (workers, workers_span) = match &raw_suite.workers {
            Some(w) => (
                w.get_ref()
                    .resolve(ncpu)
                    .map_err(|e| source.error_at(w.span(), Some("workers"), e.to_string()))?,
                w.span(),
            ),
            None => (defaults.workers.clone(), span.clone()),
        };
        let command = raw_suite.command_keys().check(
            source,
            &command::SuiteContext {
                span: span.clone(),
                workload: raw_suite.workload.as_ref(),
                sizes: raw_suite.sizes.as_ref(),
                workers: &workers,
                workers_span: workers_span.clone(),
                params: &raw_suite.params,
            },
        )?;
        let workload = match (&raw_suite.workload, &raw_suite.command) {
            (Some(w), _) => w.clone(),
            (None, Some(c)) => Spanned::new(c.span(), "command".to_string()),
            (None, None) => unreachable!("checked: a suite has a workload or a command"),
        };
        let name = match (&raw_suite.name, &raw_suite.command) {
            (Some(n), _) => n.clone(),
            (None, Some(c)) if raw_suite.workload.is_none() => command::default_name(c),
            (None, _) => workload.clone(),
        };
        if name.get_ref().trim().is_empty() {
            return Err(source.error_at(
                name.span(),
                Some("name"),
                "a suite name must not be empty",
            ));
        }
        if let Some(first) = seen_names.insert(name.get_ref().clone(), name.span().start) {
            let (line, _) = source.position(first);
            return Err(source.error_at(
                name.span(),
                Some("name"),
                format!(
                    "duplicate suite name `{}` (first used on line {line}); give each suite a unique `name`",
                    name.get_ref()
                ),
            ));
        }
        check_not_empty(&raw_suite, source)?;
        Ok(SuiteConfig {
            name,
            workload,
            command,
            sizes: raw_suite.sizes.map(|s| s.into_inner()),
            variants: raw_suite.variants.map(|v| v.into_inner()),
            workers,
            workers_span,
            params: raw_suite.params,
            measure,
            thresholds: defaults.thresholds.with(
                raw_suite.threshold_serial.map(|f| f.0),
                raw_suite.threshold_parallel.map(|f| f.0),
            ),
            span,
        })
    }

    /// SHA-256 of the config text, hex: identifies the exact config a run used.
    pub fn hash(&self) -> String {
        sha256_hex(self.source.text.as_bytes())
    }
}

/// Refuses empty `sizes`, size labels, `variants` and parameter sweeps of a suite.
fn check_not_empty(raw_suite: &RawSuite, source: &ConfigSource) -> Result<(), ConfigError> {
    if let Some(sizes) = &raw_suite.sizes {
        if sizes.get_ref().is_empty() {
            return Err(source.error_at(sizes.span(), Some("sizes"), "expected at least one size"));
        }
        for size in sizes.get_ref() {
            if let SizeSpec::Labeled { label, .. } = size.get_ref()
                && label.trim().is_empty()
            {
                return Err(source.error_at(
                    size.span(),
                    Some("sizes"),
                    "a size label must not be empty",
                ));
            }
        }
    }
    if let Some(variants) = &raw_suite.variants
        && variants.get_ref().is_empty()
    {
        return Err(source.error_at(
            variants.span(),
            Some("variants"),
            "expected at least one variant",
        ));
    }
    for (key, value) in &raw_suite.params {
        if let ParamSetting::Sweep(v) = value.get_ref()
            && v.is_empty()
        {
            return Err(source.error_at(
                value.span(),
                Some(&format!("params.{key}")),
                "expected at least one value",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_schema::params::ParamValue;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(ConfigSource::new("test.toml", text), 2)
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse("[[suite]]\nworkload = \"pi\"\n").unwrap();
        assert_eq!(c.suites.len(), 1);
        assert_eq!(c.suites[0].name.get_ref(), "pi");
        assert_eq!(c.suites[0].workers, vec![1, 2]);
        assert_eq!(c.suites[0].measure, MeasureSettings::default());
        assert_eq!(c.defaults.seed, DEFAULT_SEED);
    }

    #[test]
    fn suite_overrides_defaults() {
        let c = parse(
            "[defaults]\nbudget = \"5s\"\nmin-samples = 4\nworkers = \"1..=2*ncpu\"\n\n[[suite]]\nworkload = \"pi\"\nmin-samples = 7\nsizes = [\"S\", 1000]\n",
        )
        .unwrap();
        let s = &c.suites[0];
        assert_eq!(s.measure.budget.0, Duration::from_secs(5));
        assert_eq!(s.measure.min_samples, 7);
        assert_eq!(s.workers, vec![1, 2, 3, 4]);
        let sizes: Vec<_> = s
            .sizes
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.get_ref().clone())
            .collect();
        assert_eq!(
            sizes,
            vec![SizeSpec::Named("S".into()), SizeSpec::Value(1000)]
        );
    }

    #[test]
    fn unknown_key_names_key_line_and_column() {
        let e =
            parse("[defaults]\nbudget = \"1s\"\n\n[[suite]]\nworkload = \"pi\"\nbogus-key = 3\n")
                .unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].bogus-key"), "{e}");
        assert!(e.message.contains("unknown field `bogus-key`"), "{e}");
        assert!(e.message.contains("expected one of"), "{e}");
        assert!(
            e.to_string()
                .starts_with("test.toml:6:1: key `suite[1].bogus-key`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_key_and_expectation() {
        let e = parse("[[suite]]\nworkload = \"pi\"\nmin-samples = \"many\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 15), "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].min-samples"));
        assert!(e.message.contains("expected an integer"), "{e}");
    }

    #[test]
    fn out_of_range_values_are_rejected() {
        let e = parse("[defaults]\ntarget-ci = 1.5\n[[suite]]\nworkload = \"pi\"\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.key.as_deref(), Some("defaults.target-ci"));
        assert!(e.message.contains("out of range"), "{e}");

        let e = parse("[[suite]]\nworkload = \"pi\"\nbudget = \"0s\"\n").unwrap_err();
        assert!(e.message.contains("longer than zero"), "{e}");

        let e =
            parse("[[suite]]\nworkload = \"pi\"\nmin-samples = 10\nmax-samples = 5\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("at least min-samples"), "{e}");

        let e = parse("[[suite]]\nworkload = \"pi\"\nworkers = \"4..=2\"\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.key.as_deref(), Some("suite[1].workers"));
        assert!(e.message.contains("empty"), "{e}");
    }

    #[test]
    fn bad_duration_names_unit() {
        let e = parse("[defaults]\nwarmup = \"3 fortnights\"\n[[suite]]\nworkload = \"pi\"\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("unknown duration unit"), "{e}");
    }

    #[test]
    fn missing_workload_and_empty_config() {
        let e = parse("[[suite]]\nname = \"x\"\n").unwrap_err();
        assert!(e.message.contains("missing field `workload`"), "{e}");
        let e = parse("[defaults]\n").unwrap_err();
        assert!(e.message.contains("no suites"), "{e}");
    }

    #[test]
    fn duplicate_suite_names_are_rejected() {
        let e = parse("[[suite]]\nworkload = \"pi\"\n[[suite]]\nworkload = \"pi\"\n").unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("duplicate suite name"), "{e}");
    }

    #[test]
    fn params_accept_values_and_sweeps() {
        let c = parse("[[suite]]\nworkload = \"histogram\"\n[suite.params]\nbins = [4, 256]\nmode = \"batch\"\n").unwrap();
        let p = &c.suites[0].params;
        assert_eq!(
            p["bins"].get_ref().values(),
            vec![ParamValue::Int(4), ParamValue::Int(256)]
        );
        assert_eq!(
            p["mode"].get_ref().values(),
            vec![ParamValue::Str("batch".into())]
        );
    }

    #[test]
    fn key_in_params_subtable_is_qualified() {
        let src = ConfigSource::new(
            "t",
            "[[suite]]\nworkload = \"pi\"\n[suite.params]\nbins = 3\n",
        );
        let off = src.text.find('3').unwrap();
        let e = src.error_at(off..off + 1, None, "bad");
        assert_eq!(e.key.as_deref(), Some("suite[1].params.bins"));
    }

    #[test]
    fn thresholds_default_and_override_per_suite() {
        let c = parse(
            "[defaults]\nthreshold-serial = 0.03\n[[suite]]\nworkload = \"pi\"\n[[suite]]\nname = \"b\"\nworkload = \"pi\"\nthreshold-parallel = 0.2\n",
        )
        .unwrap();
        assert_eq!(
            c.defaults.thresholds,
            RegressionThresholds {
                serial: 0.03,
                parallel: 0.10
            }
        );
        assert_eq!(c.suites[0].thresholds, c.defaults.thresholds);
        assert_eq!(
            c.suites[1].thresholds,
            RegressionThresholds {
                serial: 0.03,
                parallel: 0.2
            }
        );
        let e = parse("[[suite]]\nworkload = \"pi\"\nthreshold-serial = 2\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert_eq!(e.key.as_deref(), Some("suite[1].threshold-serial"));
    }

    #[test]
    fn labeled_sizes_keep_their_label() {
        let c = parse(
            "[[suite]]\nworkload = \"pi\"\nsizes = [\"S\", { label = \"gate\", n = 1100 }]\n",
        )
        .unwrap();
        let sizes: Vec<_> = c.suites[0]
            .sizes
            .as_ref()
            .unwrap()
            .iter()
            .map(|s| s.get_ref().clone())
            .collect();
        assert_eq!(
            sizes[1],
            SizeSpec::Labeled {
                label: "gate".into(),
                n: 1100
            }
        );
        let e = parse("[[suite]]\nworkload = \"pi\"\nsizes = [{ label = \" \", n = 3 }]\n")
            .unwrap_err();
        assert!(e.message.contains("label"), "{e}");
    }

    #[test]
    fn mpi_table_is_kebab_case_and_strict() {
        let c = Config::parse(
            ConfigSource::new(
                "m.toml",
                "[mpi]\nlauncher = \"srun\"\nhostfile = \"hosts\"\nlauncher-args = [\"--mpi=pmix\"]\n[[suite]]\nworkload = \"pi\"\n",
            ),
            2,
        )
        .unwrap();
        let m = c.mpi.unwrap().into_inner();
        assert_eq!(m.launcher, MpiLauncher::Srun);
        assert_eq!(m.hostfile.unwrap().into_inner(), "hosts");
        assert_eq!(m.launcher_args, vec!["--mpi=pmix"]);
        for bad in ["launcher = \"mpiexec\"", "host-file = \"x\""] {
            let text = format!("[mpi]\n{bad}\n[[suite]]\nworkload = \"pi\"\n");
            let e = Config::parse(ConfigSource::new("m.toml", text), 2).unwrap_err();
            assert_eq!(e.line, 2, "{e}");
        }
    }

    #[test]
    fn opencl_device_by_index_or_name_part() {
        let c = parse(
            "[defaults]\nopencl-platform = \"Portable\"\nopencl-device = 1\n[[suite]]\nworkload = \"pi\"\n",
        )
        .unwrap();
        let o = &c.defaults.opencl;
        assert_eq!(
            o.platform.as_ref().map(|p| p.get_ref().clone()),
            Some(DeviceMatch::Name("Portable".into()))
        );
        assert_eq!(
            o.device.as_ref().map(|d| d.get_ref().clone()),
            Some(DeviceMatch::Index(1))
        );
        assert!(DeviceMatch::Name("pthread".into()).matches_name("PThread-skylake"));
        assert_eq!("2".parse::<DeviceMatch>(), Ok(DeviceMatch::Index(2)));
        assert_eq!(
            "gfx90a".parse::<DeviceMatch>(),
            Ok(DeviceMatch::Name("gfx90a".into()))
        );
        for (bad, what) in [
            ("-1", "negative"),
            ("\"  \"", "non-empty part"),
            ("1.5", "expected an index"),
        ] {
            let e = parse(&format!(
                "[defaults]\nopencl-device = {bad}\n[[suite]]\nworkload = \"pi\"\n"
            ))
            .unwrap_err();
            assert_eq!(e.line, 2, "{e}");
            assert_eq!(e.key.as_deref(), Some("defaults.opencl-device"), "{e}");
            assert!(e.message.contains(what), "{bad}: {e}");
        }
    }

    #[test]
    fn syntax_error_has_position() {
        let e = parse("[[suite]]\nworkload = \"pi\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn size_and_parameter_errors_say_what_is_expected() {
        let err = |text: &str| Config::parse(ConfigSource::new("t.toml", text), 2).unwrap_err();
        let e = err("[[suite]]\nworkload = \"pi\"\nsizes = [-5]\n");
        assert_eq!((e.line, e.column), (3, 10), "{e}");
        assert!(
            e.message
                .contains("a size must be a positive number, found -5"),
            "{e}"
        );
        let e = err("[[suite]]\nworkload = \"pi\"\nsizes = [true]\n");
        assert!(
            e.message
                .contains("expected a size: a workload's size name"),
            "{e}"
        );
        let e = err("[[suite]]\nworkload = \"pi\"\nsizes = [{ label = \"x\" }]\n");
        assert!(e.message.contains("missing field `n`"), "{e}");
        let e = err("[[suite]]\nworkload = \"pi\"\n[suite.params]\nbins = { a = 1 }\n");
        assert!(e.message.contains("a list of them to sweep"), "{e}");
        let e = err("[[suite]]\nworkload = \"pi\"\n[suite.params]\nbins = [[1]]\n");
        assert!(e.message.contains("expected a parameter value"), "{e}");
        assert!(!e.message.contains("untagged"), "{e}");
        // Results files keep reading every kind of value.
        let v: BTreeMap<String, ParamValue> = serde_json::from_str(
            r#"{"a": true, "b": -3, "c": 0.5, "d": "x", "e": 18446744073709551615}"#,
        )
        .unwrap();
        assert_eq!(v["b"], ParamValue::Int(-3));
        assert_eq!(v["e"], ParamValue::Float(18446744073709551615.0));
    }
}
