//! parbench's side of an MPI job: starts the launcher (in its own process group, registered with
//! the worker-process registry so that an interrupt kills it, and through
//! `parbench mpi-rank --exec-launcher` so that it dies with parbench), waits for rank 0's
//! `READY` (the launch cost ends there) and `SET` (the job's inputs are ready), sends `run` per iteration and reads rank 0's `DONE`, fetches the answer only when
//! it is verified, and stops the job (or kills it: a crashed or hung rank fails the point with
//! the reason, and nothing of the job is left). Every wait for rank 0 also ends when the point is
//! cancelled ([`parbench_harness::cancel`]: its time limit passed, or Ctrl-C): the job is killed
//! then, so an MPI point stops as promptly as an in-process kernel.

use super::job::{JobSpec, WireAnswer};
use super::rank::{self, Done, PREFIX, Ready};
use super::{LaunchSettings, metric};
use crate::workload::{Answer, Execution, Tolerance, WorkloadError};
use parbench_harness::cancel;
use parbench_harness::config::MpiLauncher;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_harness::worker_process::{self, kill_registered, reap_registered, spawn_registered};
use parbench_schema::Nanos;
use parbench_schema::results::Metric;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long the job may take to start (every rank ready).
const LAUNCH_TIMEOUT: Duration = Duration::from_secs(120);
/// How often a wait for rank 0 looks at [`cancel::requested`] (time limit, Ctrl-C).
const CANCEL_POLL: Duration = Duration::from_millis(20);
/// How long stopping may take before the job is killed.
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
/// Bytes of the launcher's stderr (and stray stdout) kept for error messages.
const TAIL_BYTES: usize = 4096;

/// Why the MPI job did not answer as expected.
#[derive(Debug, thiserror::Error)]
pub(crate) enum JobError {
    /// The job's standard input was already closed.
    #[error("the job's input is closed")]
    InputClosed,
    /// A command could not be written to rank 0.
    #[error("cannot reach rank 0: {0}")]
    Send(#[source] std::io::Error),
    /// The point was cancelled while the job worked; the job was killed.
    #[error("the MPI job was killed {doing}: {why}")]
    Killed {
        /// What the job was doing (`during an iteration`).
        doing: &'static str,
        /// `the run was interrupted` or `the point's time limit passed`.
        why: &'static str,
    },
    /// Rank 0 did not answer in time; the job was killed.
    #[error(
        "no answer from the MPI job within {:.1} s {doing}: a rank hangs (the job was killed){tail}",
        timeout.as_secs_f64()
    )]
    Hung {
        /// How long parbench waited.
        timeout: Duration,
        /// What the job was doing.
        doing: &'static str,
        /// `; its output ended with: …`, or empty.
        tail: String,
    },
    /// Rank 0 answered something else than expected.
    #[error("rank 0 answered `{line}` {doing}")]
    Unexpected {
        /// The first characters of its line.
        line: String,
        /// What the job was doing.
        doing: &'static str,
    },
    /// The job ended (a rank crashed, or the launcher failed).
    #[error("the MPI job ended {doing} ({status}): a rank crashed or the launcher failed{tail}")]
    Ended {
        /// What the job was doing.
        doing: &'static str,
        /// How the launcher ended.
        status: String,
        /// `; its output ended with: …`, or empty.
        tail: String,
    },
    /// A line of rank 0 is not valid JSON of its kind.
    #[error("rank 0's {what}: {source}")]
    Parse {
        /// Which line (`DONE line`, `answer`).
        what: &'static str,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
    /// Rank 0's answer holds malformed values.
    #[error(transparent)]
    Decode(#[from] super::job::DecodeError),
}

/// The running job and its pipes.
struct Job {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    tail: Arc<Mutex<String>>,
}

fn keep_tail(tail: &Mutex<String>, text: &str) {
    let mut t = tail.lock().unwrap_or_else(|e| e.into_inner());
    t.push_str(text);
    if t.len() > TAIL_BYTES {
        let mut cut = t.len() - TAIL_BYTES;
        while !t.is_char_boundary(cut) {
            cut += 1;
        }
        t.drain(..cut);
    }
}

impl Job {
    fn tail(&self) -> String {
        let t = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        let lines: Vec<&str> = t.lines().filter(|l| !l.trim().is_empty()).collect();
        lines[lines.len().saturating_sub(6)..].join(" | ")
    }

    fn send(&mut self, command: &str) -> Result<(), JobError> {
        let stdin = self.stdin.as_mut().ok_or(JobError::InputClosed)?;
        stdin
            .write_all(format!("{command}\n").as_bytes())
            .and_then(|_| stdin.flush())
            .map_err(JobError::Send)
    }

    /// The next protocol line starting with `tag`, within `timeout`. The wait polls
    /// [`cancel::requested`] every [`CANCEL_POLL`]: when the point's time limit passes or the
    /// user interrupts (Ctrl-C), the job is killed and the wait ends at once, as an in-process
    /// kernel stops at its next poll.
    fn expect(
        &mut self,
        tag: &str,
        timeout: Duration,
        doing: &'static str,
    ) -> Result<String, JobError> {
        let until = Instant::now() + timeout;
        loop {
            if cancel::requested() {
                self.kill();
                let why = if cancel::interrupted() {
                    "the run was interrupted"
                } else {
                    "the point's time limit passed"
                };
                return Err(JobError::Killed { doing, why });
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                self.kill();
                return Err(JobError::Hung {
                    timeout,
                    doing,
                    tail: self.tail_note(),
                });
            }
            match self.lines.recv_timeout(left.min(CANCEL_POLL)) {
                Ok(line) => {
                    return match line.strip_prefix(tag) {
                        Some(rest) => Ok(rest.trim_start().to_string()),
                        None => Err(JobError::Unexpected {
                            line: line.chars().take(80).collect(),
                            doing,
                        }),
                    };
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.wait(STOP_TIMEOUT);
                    return Err(JobError::Ended {
                        doing,
                        status,
                        tail: self.tail_note(),
                    });
                }
            }
        }
    }

    fn tail_note(&self) -> String {
        let t = self.tail();
        if t.is_empty() {
            String::new()
        } else {
            format!("; its output ended with: {t}")
        }
    }

    /// Kills the launcher with its process group (the ranks die with it).
    fn kill(&mut self) {
        kill_registered(&self.child);
        let _ = reap_registered(&mut self.child, true);
    }

    /// Waits for the launcher to exit, killing it after `timeout`; describes how it ended.
    fn wait(&mut self, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            if cancel::interrupted() {
                self.kill();
                return "killed: the run was interrupted".into();
            }
            match reap_registered(&mut self.child, false) {
                Ok(Some(status)) => {
                    return worker_process::ExitDescription(status).to_string();
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5))
                }
                _ => {
                    self.kill();
                    return "killed after it did not exit".into();
                }
            }
        }
    }
}

impl Drop for Job {
    fn drop(&mut self) {
        self.stdin = None;
        self.kill();
    }
}

/// The launcher's command line for `ranks` ranks of `program mpi-rank JOB`.
fn command_line(
    settings: &LaunchSettings,
    ranks: usize,
    program: &std::path::Path,
    job: &str,
) -> Vec<String> {
    let mut args = vec![settings.launcher.program().to_string()];
    match settings.launcher {
        MpiLauncher::Mpirun => {
            args.extend(["-np".into(), ranks.to_string()]);
            match &settings.hostfile {
                Some(h) => args.extend(["--hostfile".into(), h.display().to_string()]),
                // One machine: more ranks than cores share them (marked oversubscribed).
                None => args.push("--oversubscribe".into()),
            }
        }
        MpiLauncher::Srun => args.extend(["-n".into(), ranks.to_string()]),
    }
    args.extend(settings.launcher_args.iter().cloned());
    args.push(program.display().to_string());
    args.push(rank::COMMAND.into());
    args.push(job.into());
    args
}

/// Starts the job of `spec` on `ranks` ranks and waits until every rank is ready.
pub(super) fn prepare(
    spec: JobSpec,
    ranks: usize,
    settings: &LaunchSettings,
) -> Result<Box<dyn Execution>, WorkloadError> {
    let program = worker_process::worker_program()
        .ok_or_else(|| WorkloadError::new(worker_process::NOT_CONFIGURED))?
        .path
        .clone();
    let json = serde_json::to_string(&spec).expect("serializable");
    let line = command_line(settings, ranks, &program, &json);
    let mut cmd = Command::new(&program);
    cmd.arg(rank::COMMAND)
        .arg(rank::EXEC_LAUNCHER)
        .arg(std::process::id().to_string())
        .arg("--")
        .args(&line)
        // Open MPI refuses root unless told; harmless otherwise.
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = spawn_registered(&mut cmd)
        .map_err(|e| WorkloadError::new(format!("cannot start `{}`: {e}", line.join(" "))))?;
    let tail = Arc::new(Mutex::new(String::new()));
    let (tx, lines) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().expect("piped stdout");
    let out_tail = tail.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match line.strip_prefix(PREFIX) {
                Some(rest) => {
                    if tx.send(rest.to_string()).is_err() {
                        break;
                    }
                }
                None => keep_tail(&out_tail, &format!("{line}\n")),
            }
        }
    });
    let mut stderr = child.stderr.take().expect("piped stderr");
    let err_tail = tail.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stderr.read(&mut buf) {
            if n == 0 {
                break;
            }
            keep_tail(&err_tail, &String::from_utf8_lossy(&buf[..n]));
        }
    });
    let stdin = child.stdin.take();
    let mut job = Job {
        child,
        stdin,
        lines,
        tail,
    };
    let ready = job
        .expect("READY", LAUNCH_TIMEOUT, "while starting")
        .map_err(WorkloadError::from_error)?;
    let launch = started.elapsed();
    let ready: Ready = serde_json::from_str(&ready)
        .map_err(|e| WorkloadError::new(format!("rank 0's READY line: {e}")))?;
    job.expect("SET", LAUNCH_TIMEOUT, "while setting up the job")
        .map_err(WorkloadError::from_error)?;
    if ready.ranks != ranks {
        return Err(WorkloadError::new(format!(
            "the launcher started {} ranks, not {ranks}",
            ready.ranks
        )));
    }
    super::record_hosts(&ready.hosts);
    let mut hosts = ready.hosts.clone();
    hosts.sort();
    hosts.dedup();
    Ok(Box::new(MpiExecution {
        job: Mutex::new(job),
        ranks,
        hosts: hosts.len(),
        launch,
        timeout: Duration::from_secs(60),
        digest: 0,
        shares: Vec::new(),
        answer: OnceLock::new(),
    }))
}

struct MpiExecution {
    job: Mutex<Job>,
    ranks: usize,
    hosts: usize,
    launch: Duration,
    timeout: Duration,
    digest: u64,
    /// Communication share of every iteration so far.
    shares: Vec<f64>,
    /// The last iteration's answer, fetched from rank 0 when asked for.
    answer: OnceLock<Answer<'static>>,
}

impl MpiExecution {
    fn fetch_answer(&self) -> Result<Answer<'static>, JobError> {
        let mut job = self.job.lock().unwrap_or_else(|e| e.into_inner());
        job.send("answer")?;
        let text = job.expect(
            "ANSWER",
            self.timeout.max(Duration::from_secs(30)),
            "while sending its answer",
        )?;
        let wire: WireAnswer = serde_json::from_str(&text).map_err(|source| JobError::Parse {
            what: "answer",
            source,
        })?;
        Ok(match wire {
            WireAnswer::Exact(v) => Answer::exact(v),
            WireAnswer::F64Hex(hex) => {
                Answer::approx(WireAnswer::decode_f64(&hex)?, Tolerance::EXACT)
            }
        })
    }
}

impl MpiExecution {
    /// Runs one iteration of the job and reads rank 0's report of it.
    fn iterate(job: &mut Job, timeout: Duration) -> Result<Done, JobError> {
        job.send("run")?;
        let text = job.expect("DONE", timeout, "during an iteration")?;
        serde_json::from_str(&text).map_err(|source| JobError::Parse {
            what: "DONE line",
            source,
        })
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

impl Execution for MpiExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.run_timed().map(|(out, _)| out)
    }

    fn run_timed(&mut self) -> Result<(IterationOutput, Option<Duration>), IterationError> {
        self.answer = OnceLock::new();
        let job = self.job.get_mut().unwrap_or_else(|e| e.into_inner());
        let done = Self::iterate(job, self.timeout).map_err(IterationError::backend)?;
        let (compute, communication) = (mean(&done.compute_ns), mean(&done.communication_ns));
        if compute + communication > 0.0 {
            self.shares.push(communication / (compute + communication));
        }
        self.digest = done.digest;
        let out = IterationOutput {
            digest: done.digest,
            phases: vec![
                ("compute".into(), Nanos(compute)),
                ("communication".into(), Nanos(communication)),
            ],
        };
        Ok((out, Some(Duration::from_nanos(done.wall_ns as u64))))
    }

    fn answer(&self) -> Answer<'_> {
        self.answer
            .get_or_init(|| {
                self.fetch_answer()
                    .unwrap_or_else(|e| Answer::text(format!("(no answer: {e})")))
            })
            .clone()
    }

    fn set_sample_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    fn finish(&mut self, timed_iterations: u64) -> BTreeMap<String, Metric> {
        let job = self.job.get_mut().unwrap_or_else(|e| e.into_inner());
        if job.send("stop").is_ok() {
            job.stdin = None;
            job.wait(STOP_TIMEOUT);
        }
        let metric = |value: f64, unit: &str| Metric {
            value,
            unit: unit.into(),
        };
        let mut m = BTreeMap::new();
        m.insert(
            metric::LAUNCH.into(),
            metric(self.launch.as_nanos() as f64, "ns"),
        );
        m.insert(metric::RANKS.into(), metric(self.ranks as f64, "ranks"));
        m.insert(metric::HOSTS.into(), metric(self.hosts as f64, "hosts"));
        let from = self.shares.len().saturating_sub(timed_iterations as usize);
        let timed = &self.shares[from..];
        if !timed.is_empty() {
            m.insert(
                metric::COMMUNICATION_SHARE.into(),
                metric(parbench_analysis::stats::median(timed), ""),
            );
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    #[test]
    fn launcher_command_lines() {
        let exe = Path::new("/bin/parbench");
        let local = command_line(&LaunchSettings::default(), 4, exe, "{}");
        assert_eq!(
            local,
            [
                "mpirun",
                "-np",
                "4",
                "--oversubscribe",
                "/bin/parbench",
                "mpi-rank",
                "{}"
            ]
        );
        let cluster = LaunchSettings {
            launcher: MpiLauncher::Mpirun,
            hostfile: Some(PathBuf::from("/etc/hosts.mpi")),
            launcher_args: vec!["--bind-to".into(), "core".into()],
        };
        let line = command_line(&cluster, 2, exe, "{}");
        assert_eq!(
            line[..7],
            [
                "mpirun",
                "-np",
                "2",
                "--hostfile",
                "/etc/hosts.mpi",
                "--bind-to",
                "core"
            ]
        );
        let srun = LaunchSettings {
            launcher: MpiLauncher::Srun,
            ..Default::default()
        };
        assert_eq!(command_line(&srun, 2, exe, "{}")[..3], ["srun", "-n", "2"]);
    }
}
