//! `command`: an external program as a workload, created per command suite from its config
//! ([`CommandWorkload::new`]). One iteration is one run of the program, timed from spawn to exit
//! by parbench's launcher (see [`parbench_harness::command`]); `prepare` runs before every run
//! outside the timed region, `setup` and `cleanup` once per point. The variant `command` sweeps
//! the suite's worker counts; its speedup is against the same command at one worker.
//!
//! Verification (`[suite.verify]`) turns each run's stdout into a text answer: whether it
//! matches a regex, the checksum a regex captures, and/or the whole output. The reference is the
//! command at one worker (run once per size, before the points); every run of a point must agree
//! with its first run, and that with the reference.
#![warn(missing_docs)]

use crate::workload::*;
use parbench_harness::command::CommandLine;
use parbench_harness::config::{CommandSpec, CommandSuite, CommandVerify};
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

/// The variant a command suite runs.
pub const VARIANT: &str = names::COMMAND;

/// A peak RSS within this many bytes of the launcher's floor is (about) the floor, not the
/// program's own figure.
const FLOOR_SLACK: u64 = 256 << 10;

/// The most stdout kept per run for verification.
pub const STDOUT_LIMIT: usize = 16 << 20;

/// Metric names of command points (see docs/results-schema.md).
pub mod metric {
    /// Median CPU time in user mode per run (the program and the children it waited for).
    pub const USER_CPU: &str = "user_cpu_ns";
    /// Median CPU time in the kernel per run.
    pub const SYSTEM_CPU: &str = "system_cpu_ns";
    /// Median of (user + system) / wall per run: how many cores the program kept busy.
    pub const CPU_UTILIZATION: &str = "cpu_utilization";
    /// The largest peak RSS of the program over the timed runs.
    pub const PROGRAM_PEAK_RSS: &str = "program_peak_rss_bytes";
    /// The launcher's peak RSS (an upper bound of what it held at the program's exec): a program
    /// that needs less shows about this figure.
    pub const RSS_FLOOR: &str = "rss_floor_bytes";
    /// Median time per run that parbench spent outside the measured spawn-to-exit time
    /// (starting the launcher, reading its report).
    pub const LAUNCH_OVERHEAD: &str = "launch_overhead_ns";
    /// Median bytes written to stdout per run.
    pub const STDOUT_BYTES: &str = "stdout_bytes";
}

/// A command suite's program as a [`Workload`].
#[derive(Debug, Clone)]
pub struct CommandWorkload {
    suite: String,
    config: CommandSuite,
    /// The per-run limit (the suite's `timeout`) for the reference run; executions are told
    /// theirs by the runner.
    run_timeout: Duration,
}

/// Why a command of a command suite did not run as required.
#[derive(Debug, thiserror::Error)]
enum CommandError {
    /// The launcher could not run the command.
    #[cfg(unix)]
    #[error(transparent)]
    Launch(#[from] parbench_harness::command::RunError),
    /// This platform cannot run command suites.
    #[cfg(not(unix))]
    #[error("command suites need a Unix platform")]
    Unsupported,
    /// A setup, prepare or cleanup command could not be run.
    #[error("the {what} command failed: {source}")]
    Helper {
        /// `setup`, `prepare` or `cleanup`.
        what: &'static str,
        /// Why it could not be run.
        #[source]
        source: Box<CommandError>,
    },
    /// A setup, prepare or cleanup command exited other than with code 0.
    #[error("the {what} command `{line}` {how}{stderr}")]
    HelperExit {
        /// `setup`, `prepare` or `cleanup`.
        what: &'static str,
        /// The command line as shown.
        line: String,
        /// How it ended (`exited with status 3`).
        how: String,
        /// `; its stderr ended with: …` or `; its stderr was empty`.
        stderr: String,
    },
    /// The measured command exited with another code than the expected one.
    #[error("`{line}` {how} (expected exit code {expected}){stderr}")]
    Exit {
        /// The command line as shown.
        line: String,
        /// How it ended (`exited with status 3`).
        how: String,
        /// The exit code it should have returned.
        expected: i32,
        /// `; its stderr ended with: …` or `; its stderr was empty`.
        stderr: String,
    },
}

/// One finished run of a program.
#[derive(Debug, Clone, PartialEq)]
struct Run {
    exit_code: Option<i32>,
    /// `exited with status 3`, `was killed by signal 9 (SIGKILL)`.
    how: String,
    wall: Duration,
    user: Duration,
    system: Duration,
    peak_rss: Option<u64>,
    floor: Option<u64>,
    overhead: Duration,
    stdout: Vec<u8>,
    stdout_bytes: u64,
    /// `; its stderr ended with: …` or `; its stderr was empty`.
    stderr: String,
}

#[cfg(unix)]
fn execute(line: &CommandLine, timeout: Duration, keep_stdout: bool) -> Result<Run, CommandError> {
    use parbench_harness::command::{self, RunOptions, StdoutCapture};
    let report = command::run(
        line,
        &RunOptions {
            timeout,
            stdout: if keep_stdout {
                StdoutCapture::Keep {
                    limit: STDOUT_LIMIT,
                }
            } else {
                StdoutCapture::Discard
            },
        },
    )?;
    Ok(Run {
        exit_code: report.status.code(),
        how: report.how().to_string(),
        wall: report.wall,
        user: report.user,
        system: report.system,
        peak_rss: report.peak_rss,
        floor: report.rss_floor,
        overhead: report.overhead,
        stdout_bytes: report.stdout_bytes,
        stderr: report.stderr.to_string(),
        stdout: report.stdout,
    })
}

#[cfg(not(unix))]
fn execute(
    _line: &CommandLine,
    _timeout: Duration,
    _keep_stdout: bool,
) -> Result<Run, CommandError> {
    Err(CommandError::Unsupported)
}

/// Why the command variant cannot run here, if it cannot.
fn unavailable() -> Option<&'static str> {
    #[cfg(unix)]
    {
        parbench_harness::command::launcher().is_none().then_some(
            "no command launcher is configured: this program embeds parbench without one (call parbench_harness::command::set_launcher, and parbench_harness::command::launcher_entry first thing in main)",
        )
    }
    #[cfg(not(unix))]
    {
        Some("command suites need a Unix platform")
    }
}

/// Runs `line` and requires exit code 0 (setup, prepare and cleanup commands).
fn run_helper(
    what: &'static str,
    line: &CommandLine,
    timeout: Duration,
) -> Result<Run, CommandError> {
    let run = execute(line, timeout, false).map_err(|e| CommandError::Helper {
        what,
        source: Box::new(e),
    })?;
    if run.exit_code != Some(0) {
        return Err(CommandError::HelperExit {
            what,
            line: line.display(),
            how: run.how,
            stderr: run.stderr,
        });
    }
    Ok(run)
}

/// The first characters of a program's output, on one line, for messages.
fn excerpt(text: &str) -> String {
    let t = text.trim();
    if t.is_empty() {
        return "its stdout was empty".into();
    }
    let one_line = t.replace('\n', "⏎");
    match one_line.char_indices().nth(100) {
        Some((cut, _)) => format!("its stdout began: {}…", &one_line[..cut]),
        None => format!("its stdout was: {one_line}"),
    }
}

/// What a run's stdout means to the configured checks, as text compared with the reference.
fn verified_text(verify: &CommandVerify, stdout: &[u8]) -> String {
    let out = String::from_utf8_lossy(stdout);
    let mut lines = Vec::new();
    if let Some(re) = &verify.matches {
        lines.push(if re.is_match(&out) {
            format!("stdout matches /{re}/")
        } else {
            format!("stdout does not match /{re}/ ({})", excerpt(&out))
        });
    }
    if let Some(re) = &verify.checksum {
        lines.push(match checksum(re, &out) {
            Some(c) => format!("checksum {c}"),
            None => format!("no checksum matching /{re}/ ({})", excerpt(&out)),
        });
    }
    if verify.same_output {
        lines.push("stdout:".into());
        lines.push(out.into_owned());
    }
    lines.join("\n")
}

/// The checksum a regex finds: its first capture group, or the whole match without groups.
fn checksum<'t>(re: &regex_lite::Regex, text: &'t str) -> Option<&'t str> {
    let caps = re.captures(text)?;
    caps.get(1).or_else(|| caps.get(0)).map(|m| m.as_str())
}

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x1000_0000_01b3)
    })
}

impl CommandWorkload {
    /// The workload of suite `suite`; `run_timeout` is the suite's per-run `timeout`.
    pub fn new(suite: impl Into<String>, config: CommandSuite, run_timeout: Duration) -> Self {
        CommandWorkload {
            suite: suite.into(),
            config,
            run_timeout,
        }
    }

    /// The suite's command keys.
    pub fn config(&self) -> &CommandSuite {
        &self.config
    }

    /// `spec` with the placeholders of `problem` at `workers` workers substituted.
    pub fn command_line(
        &self,
        spec: &CommandSpec,
        problem: &Problem,
        workers: usize,
    ) -> CommandLine {
        let value = |name: &str| -> Option<String> {
            Some(match name {
                "workers" => workers.to_string(),
                "size" => problem.n.to_string(),
                "label" => problem.size_label.clone(),
                "suite" => self.suite.clone(),
                "seed" => problem.seed.to_string(),
                other => problem.params.get(other)?.to_string(),
            })
        };
        self.config.command_line(spec, &value)
    }

    fn check_working_dir(&self) -> Result<(), WorkloadError> {
        match &self.config.working_dir {
            Some(dir) if !dir.is_dir() => Err(WorkloadError::new(format!(
                "the working directory {} does not exist (working-dir is relative to the config file's directory)",
                dir.display()
            ))),
            _ => Ok(()),
        }
    }
}

impl Workload for CommandWorkload {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "command",
            description: "an external program (a command suite): one run per iteration, timed from spawn to exit",
            size_meaning: "the value of {size}",
            work_unit: "runs",
            sizes: Vec::new(),
            default_sizes: Vec::new(),
            params: Vec::new(),
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let v = VariantInfo::new(
            VARIANT,
            ExecutionModel::Command,
            SyncKind::None,
            "the suite's program, one run per iteration, with {workers} substituted",
        );
        vec![match unavailable() {
            Some(reason) => v.unavailable(reason),
            None => v,
        }]
    }

    fn work(&self, _problem: &Problem) -> f64 {
        1.0
    }

    /// The reference: for `same-output` and `checksum`, what the command at one worker printed
    /// (it is run once, with setup, prepare and cleanup); for `matches` alone, a match.
    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let verify = &self.config.verify;
        if !verify.needs_reference() {
            let mut lines = Vec::new();
            if let Some(re) = &verify.matches {
                lines.push(format!("stdout matches /{re}/"));
            }
            return Ok(Answer::text(lines.join("\n")));
        }
        self.check_working_dir()?;
        let mut exec = self.execution(problem, 1)?;
        exec.timeout = self.run_timeout;
        let run = exec.run_once().map_err(|e| {
            WorkloadError::new(format!("the reference run (at 1 worker) failed: {e}"))
        });
        exec.cleanup_now();
        if let Some(w) = exec.warnings.first() {
            return Err(WorkloadError::new(format!("after the reference run: {w}")));
        }
        let text = run?;
        if let Some(re) = &verify.checksum
            && checksum(re, &String::from_utf8_lossy(&exec.last_stdout)).is_none()
        {
            return Err(WorkloadError::new(format!(
                "the reference run (`{}`) printed no checksum matching /{re}/; {}",
                exec.command.display(),
                excerpt(&String::from_utf8_lossy(&exec.last_stdout))
            )));
        }
        Ok(Answer::text(text))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        if variant != VARIANT {
            return Err(WorkloadError::unknown_variant("command", variant));
        }
        if let Some(reason) = unavailable() {
            return Err(WorkloadError::new(reason));
        }
        self.check_working_dir()?;
        Ok(Box::new(self.execution(problem, workers)?))
    }

    fn quick_size(&self, n: u64) -> u64 {
        if n == 0 { 0 } else { (n / 16).max(1) }
    }
}

impl CommandWorkload {
    /// An execution at `workers` workers, its setup command already run.
    fn execution(
        &self,
        problem: &Problem,
        workers: usize,
    ) -> Result<CommandExecution, WorkloadError> {
        let line = |spec: &CommandSpec| self.command_line(spec, problem, workers);
        let exec = CommandExecution {
            command: line(&self.config.command),
            prepare: self.config.prepare.as_ref().map(line),
            cleanup: self.config.cleanup.as_ref().map(line),
            verify: self.config.verify.clone(),
            expected_exit_code: self.config.expected_exit_code,
            timeout: self.run_timeout,
            setup_timeout: self.config.setup_timeout,
            runs: Vec::new(),
            first_text: None,
            disagreement: None,
            last_stdout: Vec::new(),
            cleaned: false,
            warnings: Vec::new(),
        };
        if let Some(setup) = &self.config.setup {
            run_helper("setup", &line(setup), self.config.setup_timeout)
                .map_err(WorkloadError::from_error)?;
        }
        Ok(exec)
    }
}

/// A command suite's point: the substituted command lines and every run's figures.
struct CommandExecution {
    command: CommandLine,
    prepare: Option<CommandLine>,
    cleanup: Option<CommandLine>,
    verify: CommandVerify,
    expected_exit_code: i32,
    timeout: Duration,
    setup_timeout: Duration,
    runs: Vec<Run>,
    /// The verified text of the point's first run.
    first_text: Option<String>,
    /// Set when a later run's verified text differed from the first run's.
    disagreement: Option<String>,
    last_stdout: Vec<u8>,
    cleaned: bool,
    warnings: Vec<String>,
}

impl CommandExecution {
    /// One run (after the prepare command): checks the exit code, records the figures and
    /// returns the run's verified text.
    fn run_once(&mut self) -> Result<String, CommandError> {
        if let Some(prepare) = &self.prepare {
            run_helper("prepare", prepare, self.timeout)?;
        }
        let mut run = execute(&self.command, self.timeout, self.verify.any())?;
        if run.exit_code != Some(self.expected_exit_code) {
            return Err(CommandError::Exit {
                line: self.command.display(),
                how: run.how,
                expected: self.expected_exit_code,
                stderr: run.stderr,
            });
        }
        let text = if self.verify.any() {
            verified_text(&self.verify, &run.stdout)
        } else {
            String::new()
        };
        self.last_stdout = std::mem::take(&mut run.stdout);
        self.runs.push(run);
        match &self.first_text {
            None => self.first_text = Some(text.clone()),
            Some(first) if *first != text && self.disagreement.is_none() => {
                let line = |t: &str| {
                    let (a, b) = (first.lines(), t.lines());
                    a.zip(b)
                        .find(|(x, y)| x != y)
                        .map(|(x, y)| (x.to_string(), y.to_string()))
                        .unwrap_or_else(|| (first.clone(), t.to_string()))
                };
                let (a, b) = line(&text);
                self.disagreement = Some(format!(
                    "runs of this point disagree: run 1 gave `{a}`, run {} gave `{b}`",
                    self.runs.len()
                ));
            }
            Some(_) => {}
        }
        Ok(text)
    }

    fn cleanup_now(&mut self) {
        if self.cleaned {
            return;
        }
        self.cleaned = true;
        if let Some(cleanup) = &self.cleanup
            && let Err(e) = run_helper("cleanup", cleanup, self.setup_timeout)
        {
            self.warnings.push(e.to_string());
        }
    }
}

impl Execution for CommandExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.run_timed().map(|(out, _)| out)
    }

    fn run_timed(&mut self) -> Result<(IterationOutput, Option<Duration>), IterationError> {
        let text = self.run_once().map_err(IterationError::backend)?;
        let wall = self.runs.last().map(|r| r.wall);
        Ok((IterationOutput::digest(fnv(&text)), wall))
    }

    fn answer(&self) -> Answer<'_> {
        match (&self.disagreement, &self.first_text) {
            (Some(d), _) => Answer::Text(Cow::Borrowed(d)),
            (None, Some(t)) => Answer::Text(Cow::Borrowed(t)),
            (None, None) => Answer::Text(Cow::Borrowed("(no run)")),
        }
    }

    fn set_sample_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    fn finish(&mut self, timed_iterations: u64) -> BTreeMap<String, Metric> {
        self.cleanup_now();
        let timed = &self.runs[self.runs.len().saturating_sub(timed_iterations as usize)..];
        let mut m = BTreeMap::new();
        if timed.is_empty() {
            return m;
        }
        let median = |f: &dyn Fn(&Run) -> f64| {
            parbench_analysis::stats::median(&timed.iter().map(f).collect::<Vec<_>>())
        };
        let mut put = |name: &str, value: f64, unit: &str| {
            m.insert(
                name.to_string(),
                Metric {
                    value,
                    unit: unit.to_string(),
                },
            );
        };
        put(
            metric::USER_CPU,
            median(&|r| r.user.as_nanos() as f64),
            "ns",
        );
        put(
            metric::SYSTEM_CPU,
            median(&|r| r.system.as_nanos() as f64),
            "ns",
        );
        put(
            metric::CPU_UTILIZATION,
            median(&|r| (r.user + r.system).as_secs_f64() / r.wall.as_secs_f64().max(1e-9)),
            "cores",
        );
        put(
            metric::LAUNCH_OVERHEAD,
            median(&|r| r.overhead.as_nanos() as f64),
            "ns",
        );
        put(
            metric::STDOUT_BYTES,
            median(&|r| r.stdout_bytes as f64),
            "B",
        );
        let peak = timed.iter().filter_map(|r| r.peak_rss).max();
        let floor = timed.iter().filter_map(|r| r.floor).max();
        if let Some(peak) = peak {
            put(metric::PROGRAM_PEAK_RSS, peak as f64, "B");
        }
        if let Some(floor) = floor {
            put(metric::RSS_FLOOR, floor as f64, "B");
        }
        if let (Some(peak), Some(floor)) = (peak, floor)
            && peak <= floor + FLOOR_SLACK
        {
            self.warnings.push(format!(
                    "peak RSS at the launcher's floor ({:.1} MiB): the program's own peak is at most that",
                    floor as f64 / (1u64 << 20) as f64
                ));
        }
        m
    }

    fn warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }
}

impl Drop for CommandExecution {
    fn drop(&mut self) {
        // A point that failed still cleans up after its setup.
        self.cleanup_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verify(matches: Option<&str>, same: bool, sum: Option<&str>) -> CommandVerify {
        CommandVerify {
            matches: matches.map(|r| regex_lite::Regex::new(r).unwrap()),
            same_output: same,
            checksum: sum.map(|r| regex_lite::Regex::new(r).unwrap()),
        }
    }

    #[test]
    fn verified_text_holds_what_each_check_sees() {
        let out = b"threads 4\nchecksum: 9f2c01\n";
        let v = verify(Some("^threads"), false, Some(r"checksum: (\w+)"));
        assert_eq!(
            verified_text(&v, out),
            "stdout matches /^threads/\nchecksum 9f2c01"
        );
        let v = verify(Some("^nope"), true, Some("checksum: [0-9a-f]+"));
        let t = verified_text(&v, out);
        assert!(
            t.starts_with(
                "stdout does not match /^nope/ (its stdout was: threads 4⏎checksum: 9f2c01)"
            ),
            "{t}"
        );
        assert!(
            t.contains("\nchecksum checksum: 9f2c01\nstdout:\nthreads 4\n"),
            "{t}"
        );
        let v = verify(None, false, Some(r"sum=(\d+)"));
        assert_eq!(
            verified_text(&v, b""),
            "no checksum matching /sum=(\\d+)/ (its stdout was empty)"
        );
    }
}
