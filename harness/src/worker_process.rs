//! Worker processes, generically: start a program that speaks the [`protocol`],
//! wait for its ready frame, feed it opaque tasks, collect results with per-task timings, and
//! end it: on request, on error, on drop, or when the user interrupts the run. Every process is
//! reaped, its memory read from `/proc` on request; none outlives its [`WorkerSet`].
//!
//! The worker side is [`serve`]. Which program to start is a process-wide setting
//! ([`set_worker_program`]): the `parbench` binary points it at itself (`parbench worker`).

use crate::children::Counter;
use crate::protocol::{self, Frame, Message, ProtocolError};
use crate::sys;
use std::ffi::OsString;
use std::fmt;
use std::io::{self, Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The environment variable through which a worker learns its parent's pid (it exits if the
/// parent is already gone and asks the kernel to kill it when the parent dies).
pub const PARENT_ENV: &str = "PARBENCH_WORKER_PARENT";

/// How many bytes of a worker's stderr are kept for error messages.
const STDERR_TAIL_BYTES: usize = 4096;

/// Capacity requested for the task and result pipes (Linux's default `pipe-max-size`).
const PIPE_BYTES: usize = 1 << 20;

/// How long `poll` waits at most before checking for an interrupt.
const POLL_SLICE_MS: i32 = 50;

/// The program started as a worker, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerProgram {
    /// The executable, as given to [`Command::new`] (a bare name is looked up in `PATH`).
    pub path: PathBuf,
    /// Arguments passed to it, in order (the `parbench` binary passes `worker`).
    pub args: Vec<OsString>,
}

impl WorkerProgram {
    /// The program at `path`, started with `args`.
    pub fn new(
        path: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<OsString>>,
    ) -> Self {
        WorkerProgram {
            path: path.into(),
            args: args.into_iter().map(Into::into).collect(),
        }
    }
}

static PROGRAM: OnceLock<WorkerProgram> = OnceLock::new();

/// Sets the program every [`WorkerSet`] of this process starts. Call it once, early (the
/// `parbench` binary passes its own path and `worker`). Returns false if one was already set.
pub fn set_worker_program(program: WorkerProgram) -> bool {
    PROGRAM.set(program).is_ok()
}

/// The configured worker program, if any.
pub fn worker_program() -> Option<&'static WorkerProgram> {
    PROGRAM.get()
}

/// Why worker processes cannot run when no program is configured.
pub const NOT_CONFIGURED: &str = "no worker executable is configured: this program embeds parbench without a worker entry point (the parbench binary re-executes itself as `parbench worker`; your own binary must call parbench_harness::worker_process::set_worker_program and serve tasks with worker_process::serve)";

/// Pids of started, not yet reaped workers. A pid is removed only by the thread that reaps it,
/// with this lock held, so every pid in it names one of our children (never a recycled pid).
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());
static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static WORKERS: Counter = Counter::new();

/// The raw stderr tail of the worker whose failure was described last (see
/// [`take_failure_stderr`]).
static FAILURE_STDERR: Mutex<Option<String>> = Mutex::new(None);

/// The last 4 KiB a failed worker wrote to stderr, raw (panic message,
/// backtrace), as of the latest failure this process described; taken once. The one-line reason
/// quotes only a summary; the runner keeps this with the failed point (its `stderr` field).
pub fn take_failure_stderr() -> Option<String> {
    FAILURE_STDERR
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
}

fn note_failure_stderr(raw: &[u8]) {
    let text = (!raw.is_empty()).then(|| String::from_utf8_lossy(raw).into_owned());
    *FAILURE_STDERR.lock().unwrap_or_else(|e| e.into_inner()) = text;
}

/// The registry of live children (worker processes and command launchers), locked.
pub(crate) fn live() -> std::sync::MutexGuard<'static, Vec<u32>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Stops every worker and command run of this process now (the run was interrupted): kills them
/// (each with its process group) and makes every [`WorkerSet`] call and command run return an
/// interrupted error. Callable from a signal-handling thread.
pub fn interrupt_all() {
    INTERRUPTED.store(true, Ordering::SeqCst);
    for &pid in live().iter() {
        sys::kill(pid);
        // Every registered child leads its own process group (spawned with process_group(0)).
        sys::kill_group(pid);
    }
}

/// Spawns `cmd` as a registered child that leads its own process group (as worker processes
/// are): [`interrupt_all`] kills it with its group, and the accounting counts it. Reap it with
/// [`reap_registered`] only. Fails when the run was already interrupted.
pub fn spawn_registered(cmd: &mut Command) -> io::Result<std::process::Child> {
    std::os::unix::process::CommandExt::process_group(cmd, 0);
    let mut live = live();
    if interrupted() {
        return Err(io::Error::new(
            io::ErrorKind::Interrupted,
            "the run was interrupted",
        ));
    }
    let child = cmd.spawn()?;
    WORKERS.started(&mut live, child.id());
    Ok(child)
}

/// Kills a child from [`spawn_registered`] and its process group (SIGKILL), unless reaped.
pub fn kill_registered(child: &std::process::Child) {
    let live = live();
    if live.contains(&child.id()) {
        sys::kill(child.id());
        sys::kill_group(child.id());
    }
}

/// Reaps a child from [`spawn_registered`] if it has exited (`block`: waits until it has),
/// removing it from the registry; `None` while it runs.
pub fn reap_registered(
    child: &mut std::process::Child,
    block: bool,
) -> io::Result<Option<ExitStatus>> {
    loop {
        let mut live = live();
        if !live.contains(&child.id()) {
            return Ok(None);
        }
        if let Some(status) = child.try_wait()? {
            WORKERS.reaped(&mut live, child.id());
            return Ok(Some(status));
        }
        drop(live);
        if !block {
            return Ok(None);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// In a process started by parbench (a worker, an MPI rank): asks the kernel to SIGKILL it when
/// its parent dies, then checks that the parent is still `expected_parent`.
pub fn die_with_parent(expected_parent: u32) -> io::Result<()> {
    sys::die_with_parent(expected_parent)
}

/// Whether [`interrupt_all`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

pub use crate::children::Accounting;

/// How many worker processes this process started and reaped so far.
pub fn accounting() -> Accounting {
    WORKERS.accounting()
}

/// What a worker was doing when something went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Spawned, its ready frame not yet received.
    Starting,
    /// Ready and waiting for a task.
    Idle,
    /// Computing a task it was sent.
    Task,
    /// Asked to exit, not yet reaped.
    Stopping,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Starting => "while starting (before its ready frame)",
            Stage::Idle => "while idle",
            Stage::Task => "while running a task",
            Stage::Stopping => "while shutting down",
        })
    }
}

/// The last lines a worker wrote to stderr, for error messages ("" when it wrote nothing).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StderrTail(pub String);

impl fmt::Display for StderrTail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("; its stderr was empty")
        } else {
            write!(f, "; its stderr ended with: {}", self.0)
        }
    }
}

/// A worker failure, contained in the set that owns the worker (every worker of the set is
/// killed and reaped before this is returned).
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// No worker program was set with [`set_worker_program`].
    #[error("{NOT_CONFIGURED}")]
    NotConfigured,
    /// The worker program could not be spawned.
    #[error("cannot start the worker program {path}: {source}")]
    Spawn {
        /// The program that was to be started.
        path: PathBuf,
        /// Why `spawn` failed.
        source: io::Error,
    },
    /// The worker ended without being asked to.
    #[error("worker process {pid} crashed: it {how} {stage}{stderr}")]
    Exited {
        /// Its process id.
        pid: u32,
        /// Its exit status or the signal that killed it.
        how: ExitDescription,
        /// What it was doing.
        stage: Stage,
        /// The end of what it wrote to stderr.
        stderr: StderrTail,
    },
    /// The worker did not answer in time; it was killed and reaped.
    #[error(
        "worker process {pid} did not {what} within the timeout of {limit:?} and was killed{stderr}"
    )]
    Timeout {
        /// Its process id.
        pid: u32,
        /// What it failed to do, as a verb phrase ("finish its task", "become ready").
        what: &'static str,
        /// The timeout that ran out.
        limit: Duration,
        /// The end of what it wrote to stderr.
        stderr: StderrTail,
    },
    /// The worker wrote bytes that are not a valid protocol frame.
    #[error("worker process {pid} sent a malformed frame {stage}: {error}{stderr}")]
    Protocol {
        /// Its process id.
        pid: u32,
        /// What it was doing.
        stage: Stage,
        /// What is wrong with the frame.
        error: ProtocolError,
        /// The end of what it wrote to stderr.
        stderr: StderrTail,
    },
    /// The worker's ready frame names another protocol version.
    #[error(
        "worker process {pid} speaks protocol version {found}, this parbench speaks {expected} (is the worker program a different parbench build?)"
    )]
    Version {
        /// Its process id.
        pid: u32,
        /// The version the worker announced.
        found: u32,
        /// The version this build speaks ([`protocol::PROTOCOL_VERSION`]).
        expected: u32,
    },
    /// The worker sent a well-formed frame that does not fit its state.
    #[error("worker process {pid} sent an unexpected `{message}` frame {stage}")]
    Unexpected {
        /// Its process id.
        pid: u32,
        /// The frame's message name (`ready`, `done`, ...).
        message: &'static str,
        /// What it was doing.
        stage: Stage,
    },
    /// The worker's handler reported that it could not compute a task.
    #[error("worker process {pid} could not run task `{kind}`: {message}{stderr}")]
    TaskFailed {
        /// Its process id.
        pid: u32,
        /// The task kind of the batch ("" if no batch was running).
        kind: String,
        /// The handler's error, as the worker sent it.
        message: String,
        /// The end of what it wrote to stderr.
        stderr: StderrTail,
    },
    /// A returned result was rejected by the batch's [`Tasks::absorb`].
    #[error("the result of task {task} from worker process {pid} is unusable: {source}")]
    BadResult {
        /// The process id of the worker that computed it.
        pid: u32,
        /// The task's index in its batch.
        task: usize,
        /// Why the result was rejected.
        source: TaskError,
    },
    /// Reading from or writing to a worker's pipes failed.
    #[error("pipe to worker process {pid} failed: {source}")]
    Io {
        /// Its process id.
        pid: u32,
        /// The failed read or write.
        source: io::Error,
    },
    /// `poll` on the workers' pipes failed.
    #[error("waiting for worker processes failed: {0}")]
    Poll(io::Error),
    /// The run was interrupted ([`interrupt_all`]); every worker was killed and reaped.
    #[error("interrupted (Ctrl-C): the worker processes were killed")]
    Interrupted,
    /// The set was used after an earlier failure (kept as text) stopped it.
    #[error("the worker processes were stopped after an earlier failure: {0}")]
    Broken(String),
}

/// How a process ended, in words: `exited with status 3`, `was killed by signal 6 (SIGABRT)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitDescription(pub ExitStatus);

impl fmt::Display for ExitDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use std::os::unix::process::ExitStatusExt;
        let s = self.0;
        if let Some(code) = s.code() {
            write!(f, "exited with status {code}")
        } else if let Some(sig) = s.signal() {
            write!(f, "was killed by signal {sig}")?;
            if let Some(name) = signal_name(sig) {
                write!(f, " ({name})")?;
            }
            if s.core_dumped() {
                f.write_str(", core dumped")?;
            }
            Ok(())
        } else {
            write!(f, "ended ({s})")
        }
    }
}

fn signal_name(sig: i32) -> Option<&'static str> {
    Some(match sig {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGILL => "SIGILL",
        libc::SIGTRAP => "SIGTRAP",
        libc::SIGABRT => "SIGABRT",
        libc::SIGBUS => "SIGBUS",
        libc::SIGFPE => "SIGFPE",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return None,
    })
}

/// Timings of one task, measured by the parent (round trip) and the worker (compute).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TaskTiming {
    /// The slot (0..workers) that ran it.
    pub slot: usize,
    /// From encoding the task to having absorbed its result.
    pub round_trip: Duration,
    /// Time the worker reported computing (at most the round trip).
    pub compute: Duration,
}

impl TaskTiming {
    /// Everything but compute: encoding, pipe transfers, wake-ups, decoding.
    pub fn ipc(&self) -> Duration {
        self.round_trip.saturating_sub(self.compute)
    }
}

/// What happened during one [`WorkerSet::run_batch`] (or start/shutdown).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchReport {
    /// Timings of every task the batch ran, in the order their results were absorbed.
    pub tasks: Vec<TaskTiming>,
    /// Spawn-to-ready of every process started, with its slot.
    pub startups: Vec<(usize, Duration)>,
    /// Shutdown-request-to-reaped of every process that ended, with its slot.
    pub teardowns: Vec<(usize, Duration)>,
    /// Memory read from `/proc` just before processes were asked to exit (only while
    /// [`WorkerSet::set_sample_memory`] is on), with the slot.
    pub memory: Vec<(usize, crate::memory::ProcessMemory)>,
}

impl BatchReport {
    /// Sum over slots of the largest private peak RSS sampled in each: the memory all workers
    /// hold at once, shared-memory pages excluded (their owner counts them once). `None`
    /// without samples.
    pub fn concurrent_private_peak(&self, slots: usize) -> Option<u64> {
        (!self.memory.is_empty()).then(|| {
            sum_of_slot_maxima(
                slots,
                self.memory.iter().map(|(s, m)| (*s, m.private_peak())),
            )
        })
    }
}

fn sum_of_slot_maxima(slots: usize, values: impl Iterator<Item = (usize, u64)>) -> u64 {
    let mut per_slot = vec![0u64; slots];
    for (s, b) in values {
        if let Some(v) = per_slot.get_mut(s) {
            *v = (*v).max(b);
        }
    }
    per_slot.iter().sum()
}

/// The tasks of one batch, for a [`WorkerSet`]: every task has the same kind; the set asks for
/// each task's payload when a worker is free and hands back each result.
pub trait Tasks {
    /// The task kind the worker dispatches on.
    fn kind(&self) -> &str;
    /// How many tasks the batch has.
    fn count(&self) -> usize;
    /// Appends the payload of task `task` to `out`.
    fn encode(&mut self, task: usize, out: &mut Vec<u8>);
    /// Takes the result of task `task`; an `Err` fails the batch (and kills the workers).
    fn absorb(&mut self, task: usize, result: &[u8]) -> Result<(), TaskError>;
}

/// Why a task's payload or result could not be used: the caller's own error type, kept whole
/// (its message is what a `failed` frame carries, or what a batch failure reports).
pub type TaskError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// How a set uses its processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Processes started once and fed task after task.
    Pool,
    /// A fresh process for every task, at most one per slot at a time.
    Spawn,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Starting,
    Idle,
    Busy { task: usize, id: u64, sent: Instant },
    Stopping { since: Instant },
}

impl State {
    fn stage(self) -> Stage {
        match self {
            State::Starting => Stage::Starting,
            State::Idle => Stage::Idle,
            State::Busy { .. } => Stage::Task,
            State::Stopping { .. } => Stage::Stopping,
        }
    }
}

/// The lines of a worker's stderr worth quoting in a one-line reason: for a panic, only what it
/// said (`panicked: boom`; where, the backtrace and the `note:` lines after it are left out:
/// they are in the raw tail a failed point keeps, see [`take_failure_stderr`]), else the last lines; at most 8 lines and 1000 characters.
pub(crate) fn summarize_stderr(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let joined = match lines.iter().rposition(|l| l.contains("panicked at")) {
        Some(i) => {
            // `thread 'main' (7) panicked at src/x.rs:1:2:` and the message on the next lines
            // (or after the last colon, in older formats): the message only, the place is in
            // the raw stderr the point keeps.
            let line = &lines[i][lines[i].find("panicked at").unwrap_or(0)..];
            let after_place = line
                .strip_prefix("panicked at ")
                .and_then(|rest| {
                    // `file:line:col:` then the message, if on the same line.
                    let mut colons = rest.match_indices(':').map(|(k, _)| k);
                    let third = colons.nth(2)?;
                    Some(rest[third + 1..].trim())
                })
                .unwrap_or("");
            let at = if after_place.is_empty() {
                "panicked:".to_string()
            } else {
                format!("panicked: {after_place}")
            };
            let message: Vec<&str> = lines[i + 1..]
                .iter()
                .take_while(|l| !l.starts_with("note:") && !l.starts_with("stack backtrace:"))
                .take(8)
                .copied()
                .collect();
            format!("{at} {}", message.join(" | "))
                .trim_end()
                .to_string()
        }
        None => lines[lines.len().saturating_sub(8)..].join(" | "),
    };
    match joined.char_indices().nth(1000) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// One running worker process and its pipes.
struct Proc {
    child: Child,
    pid: u32,
    stdin: Option<ChildStdin>,
    stdout: ChildStdout,
    stderr: Option<ChildStderr>,
    /// Received bytes: `inbuf[..filled]` is valid.
    inbuf: Vec<u8>,
    filled: usize,
    out: Vec<u8>,
    out_pos: usize,
    tail: Vec<u8>,
    spawned: Instant,
    state: State,
    served: usize,
    stdout_eof: bool,
    reaped: bool,
}

impl Proc {
    fn spawn(program: &WorkerProgram, env: &[(OsString, OsString)]) -> Result<Proc, WorkerError> {
        let spawn_err = |source| WorkerError::Spawn {
            path: program.path.clone(),
            source,
        };
        let mut cmd = Command::new(&program.path);
        cmd.args(&program.args)
            .env(PARENT_ENV, std::process::id().to_string())
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group: a Ctrl-C in the terminal reaches parbench, which then stops the
        // workers itself (and records what was measured) instead of the workers dying first.
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let spawned = Instant::now();
        let mut child = {
            // Hold the registry lock across spawn and registration so an interrupt either sees
            // the new pid or happens before it exists (and is then noticed by the caller).
            let mut live = live();
            let child = cmd.spawn().map_err(spawn_err)?;
            WORKERS.started(&mut live, child.id());
            child
        };
        let pid = child.id();
        let (stdin, stdout, stderr) = (
            child.stdin.take().expect("piped stdin"),
            child.stdout.take().expect("piped stdout"),
            child.stderr.take().expect("piped stderr"),
        );
        let proc = Proc {
            child,
            pid,
            stdin: Some(stdin),
            stdout,
            stderr: Some(stderr),
            inbuf: Vec::new(),
            filled: 0,
            out: Vec::new(),
            out_pos: 0,
            tail: Vec::new(),
            spawned,
            state: State::Starting,
            served: 0,
            stdout_eof: false,
            reaped: false,
        };
        let nb = [
            proc.stdin.as_ref().map(sys::set_nonblocking),
            Some(sys::set_nonblocking(&proc.stdout)),
            proc.stderr.as_ref().map(sys::set_nonblocking),
        ];
        for r in nb.into_iter().flatten() {
            r.map_err(|source| WorkerError::Io { pid, source })?;
        }
        // Bigger pipes mean fewer wake-ups per megabyte; where the system refuses, the default
        // (64 KiB on Linux) stays.
        if let Some(stdin) = &proc.stdin {
            sys::grow_pipe(stdin, PIPE_BYTES);
        }
        sys::grow_pipe(&proc.stdout, PIPE_BYTES);
        Ok(proc)
    }

    fn stderr_tail(&mut self) -> StderrTail {
        self.drain_stderr();
        note_failure_stderr(&self.tail);
        StderrTail(summarize_stderr(&String::from_utf8_lossy(&self.tail)))
    }

    /// Reads whatever stderr holds now (non-blocking), keeping the last bytes.
    fn drain_stderr(&mut self) {
        let Some(err) = self.stderr.as_mut() else {
            return;
        };
        let mut buf = [0u8; 4096];
        loop {
            match err.read(&mut buf) {
                Ok(0) => {
                    self.stderr = None;
                    break;
                }
                Ok(n) => {
                    self.tail.extend_from_slice(&buf[..n]);
                    if self.tail.len() > STDERR_TAIL_BYTES {
                        let cut = self.tail.len() - STDERR_TAIL_BYTES;
                        self.tail.drain(..cut);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
    }

    /// Writes pending output; returns Err when the worker's stdin is gone.
    fn flush_out(&mut self) -> io::Result<()> {
        let Some(stdin) = self.stdin.as_mut() else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        while self.out_pos < self.out.len() {
            match stdin.write(&self.out[self.out_pos..]) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.out_pos += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.out.clear();
        self.out_pos = 0;
        Ok(())
    }

    fn wants_write(&self) -> bool {
        self.stdin.is_some() && self.out_pos < self.out.len()
    }

    /// Reads what stdout holds now into `inbuf`; sets `stdout_eof` at end of stream.
    fn fill_in(&mut self) -> io::Result<()> {
        loop {
            // Size the buffer for the frame being received, so big results arrive in place.
            let want = match protocol::frame_at(&self.inbuf[..self.filled]) {
                // A whole frame, or a bad header: handle_frames takes it from here.
                Ok(Some(_)) | Err(_) => return Ok(()),
                Ok(None) if self.filled >= 4 => {
                    let len = u32::from_le_bytes(self.inbuf[..4].try_into().expect("4 bytes"));
                    (4 + len as usize).min(4 + protocol::MAX_FRAME_BODY)
                }
                _ => 4,
            };
            let need = want.max(self.filled + 4096);
            if self.inbuf.len() < need {
                self.inbuf.resize(need.max(64 * 1024), 0);
            }
            match self.stdout.read(&mut self.inbuf[self.filled..]) {
                Ok(0) => {
                    self.stdout_eof = true;
                    return Ok(());
                }
                Ok(n) => self.filled += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Removes the first `used` bytes of `inbuf`.
    fn consume(&mut self, used: usize) {
        self.inbuf.copy_within(used..self.filled, 0);
        self.filled -= used;
    }

    /// Reaps the process if it has exited; with `block`, waits (after a kill).
    fn try_reap(&mut self, block: bool) -> io::Result<Option<sys::Reaped>> {
        if self.reaped {
            return Ok(None);
        }
        let mut live = live();
        let r = sys::wait4(self.pid, block)?;
        if r.is_some() {
            self.reaped = true;
            WORKERS.reaped(&mut live, self.pid);
        }
        Ok(r)
    }

    /// Waits up to `limit` for the process to exit by itself (it has closed its stdout).
    fn reap_within(&mut self, limit: Duration) -> io::Result<Option<sys::Reaped>> {
        let until = Instant::now() + limit;
        let mut nap = Duration::from_micros(5);
        loop {
            if let Some(r) = self.try_reap(false)? {
                return Ok(Some(r));
            }
            if Instant::now() >= until {
                return Ok(None);
            }
            std::thread::sleep(nap);
            nap = (nap * 2).min(Duration::from_millis(2));
        }
    }

    /// Kills (if still running) and reaps; returns how it ended.
    fn kill_and_reap(&mut self) -> Option<sys::Reaped> {
        if self.reaped {
            return None;
        }
        // Unreaped, so the pid is still our child.
        sys::kill(self.pid);
        self.stdin = None;
        self.try_reap(true).ok().flatten()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill_and_reap();
        // `child` is never waited on through std: we reaped it with wait4 ourselves.
        let _ = &self.child;
    }
}

/// A set of worker processes, one slot per worker. Every process is killed and reaped when the
/// set is dropped; after an error the set is broken and all its processes are already gone.
pub struct WorkerSet {
    program: WorkerProgram,
    env: Vec<(OsString, OsString)>,
    mode: Mode,
    slots: Vec<Option<Proc>>,
    next_id: u64,
    broken: Option<String>,
    sample_memory: bool,
}

impl fmt::Debug for WorkerSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkerSet")
            .field("program", &self.program)
            .field("mode", &self.mode)
            .field("slots", &self.slots.len())
            .field(
                "pids",
                &self
                    .slots
                    .iter()
                    .flatten()
                    .map(|p| p.pid)
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A worker pipe that [`WorkerSet::pump`] waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pipe {
    /// Frames from the worker.
    Stdout,
    /// The worker's diagnostics (the tail is kept for error reports).
    Stderr,
    /// Frames to the worker, when some are pending.
    Stdin,
}

/// What a pump iteration is waiting for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    AllIdle,
    Batch,
    AllGone,
}

impl WorkerSet {
    /// A set of `workers` slots running the configured [`worker_program`]; `env` is added to the
    /// workers' environment. No process starts yet.
    pub fn new(
        mode: Mode,
        workers: usize,
        env: Vec<(OsString, OsString)>,
    ) -> Result<Self, WorkerError> {
        let program = worker_program().ok_or(WorkerError::NotConfigured)?.clone();
        Ok(Self::with_program(program, mode, workers, env))
    }

    /// Like [`WorkerSet::new`] with an explicit program.
    pub fn with_program(
        program: WorkerProgram,
        mode: Mode,
        workers: usize,
        env: Vec<(OsString, OsString)>,
    ) -> Self {
        WorkerSet {
            program,
            env,
            mode,
            slots: (0..workers.max(1)).map(|_| None).collect(),
            next_id: 0,
            broken: None,
            sample_memory: false,
        }
    }

    /// Whether to read each process's memory from `/proc` before asking it to exit (reported in
    /// [`BatchReport::memory`]). Costs a few tens of microseconds per process.
    pub fn set_sample_memory(&mut self, on: bool) {
        self.sample_memory = on;
    }

    /// The number of slots: how many processes may run at once.
    pub fn workers(&self) -> usize {
        self.slots.len()
    }

    /// Whether processes are kept between tasks ([`Mode::Pool`]) or started per task.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Pids of the processes alive now.
    pub fn pids(&self) -> Vec<u32> {
        self.slots.iter().flatten().map(|p| p.pid).collect()
    }

    /// Starts a process in every slot and waits for all of them to be ready (pool mode; in spawn
    /// mode processes start inside [`run_batch`](Self::run_batch)).
    pub fn start(&mut self, timeout: Duration) -> Result<BatchReport, WorkerError> {
        self.check()?;
        let deadline = Instant::now() + timeout;
        let mut report = BatchReport::default();
        for slot in 0..self.slots.len() {
            if self.slots[slot].is_none() {
                match Proc::spawn(&self.program, &self.env) {
                    Ok(p) => self.slots[slot] = Some(p),
                    Err(e) => return Err(self.fail(e)),
                }
            }
        }
        self.pump(Goal::AllIdle, None, deadline, timeout, &mut report)?;
        Ok(report)
    }

    /// Runs every task of `batch` and waits for all results (and, in spawn mode, for every
    /// process it started to exit). `timeout` bounds the whole batch.
    pub fn run_batch(
        &mut self,
        tasks: &mut dyn Tasks,
        timeout: Duration,
    ) -> Result<BatchReport, WorkerError> {
        self.check()?;
        let deadline = Instant::now() + timeout;
        let mut report = BatchReport::default();
        let mut sched = Sched {
            count: tasks.count(),
            kind: tasks.kind().to_string(),
            tasks,
            next: 0,
            absorbed: 0,
        };
        self.pump(
            Goal::Batch,
            Some(&mut sched),
            deadline,
            timeout,
            &mut report,
        )?;
        Ok(report)
    }

    /// Asks every process to exit and reaps it (killing what does not exit within `timeout`).
    pub fn shutdown(&mut self, timeout: Duration) -> Result<BatchReport, WorkerError> {
        let mut report = BatchReport::default();
        if self.broken.is_some() {
            return Ok(report);
        }
        let deadline = Instant::now() + timeout;
        let sample = self.sample_memory;
        for (slot, p) in self.slots.iter_mut().enumerate() {
            let Some(p) = p else { continue };
            if !matches!(p.state, State::Stopping { .. }) {
                if sample && let Some(m) = crate::memory::process_memory(p.pid) {
                    report.memory.push((slot, m));
                }
                protocol::encode_shutdown(&mut p.out);
                p.state = State::Stopping {
                    since: Instant::now(),
                };
            }
        }
        self.pump(Goal::AllGone, None, deadline, timeout, &mut report)?;
        Ok(report)
    }

    fn check(&self) -> Result<(), WorkerError> {
        if interrupted() {
            return Err(WorkerError::Interrupted);
        }
        match &self.broken {
            Some(why) => Err(WorkerError::Broken(why.clone())),
            None => Ok(()),
        }
    }

    /// Kills and reaps every process, marks the set broken, and passes the error on.
    fn fail(&mut self, e: WorkerError) -> WorkerError {
        for slot in &mut self.slots {
            if let Some(mut p) = slot.take() {
                p.kill_and_reap();
            }
        }
        let e = if interrupted() {
            WorkerError::Interrupted
        } else {
            e
        };
        self.broken = Some(e.to_string());
        e
    }

    /// Kills `slot`'s process, reaps it and describes how it ended.
    fn died(&mut self, slot: usize) -> WorkerError {
        let mut p = self.slots[slot].take().expect("a process in the slot");
        let stage = p.state.stage();
        // It closed its stdout or stdin: it is exiting. Give it a moment, then make sure.
        let reaped = match p.reap_within(Duration::from_millis(500)) {
            Ok(Some(r)) => Some(r),
            _ => p.kill_and_reap(),
        };
        let stderr = p.stderr_tail();
        match reaped {
            Some(r) => WorkerError::Exited {
                pid: p.pid,
                how: ExitDescription(r.status),
                stage,
                stderr,
            },
            None => WorkerError::Io {
                pid: p.pid,
                source: io::Error::other("the worker closed its pipes but could not be reaped"),
            },
        }
    }

    /// Drives the set until `goal` is reached: hands out tasks, writes and reads the pipes,
    /// acts on frames and ended processes. Any error fails the set (every process is killed).
    fn pump(
        &mut self,
        goal: Goal,
        mut sched: Option<&mut Sched<'_>>,
        deadline: Instant,
        timeout: Duration,
        report: &mut BatchReport,
    ) -> Result<(), WorkerError> {
        let step =
            |set: &mut Self, sched: &mut Option<&mut Sched<'_>>, report: &mut BatchReport| {
                set.hand_out(sched.as_deref_mut(), report)?;
                set.flush_all()?;
                if set.reached(goal, sched.as_deref()) {
                    return Ok(true);
                }
                if interrupted() {
                    return Err(WorkerError::Interrupted);
                }
                set.check_deadline(deadline, timeout)?;
                set.wait_for_pipes(deadline)?;
                set.handle_slots(sched.as_deref_mut(), deadline, report)?;
                Ok(false)
            };
        loop {
            match step(self, &mut sched, report) {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(self.fail(e)),
            }
        }
    }

    /// Starts processes (spawn mode) and hands the next tasks to idle workers; asks spawned
    /// workers that have served their task to exit.
    fn hand_out(
        &mut self,
        mut sched: Option<&mut Sched<'_>>,
        report: &mut BatchReport,
    ) -> Result<(), WorkerError> {
        let mode = self.mode;
        for slot in 0..self.slots.len() {
            let Some(s) = sched.as_deref_mut() else {
                return Ok(());
            };
            let more = s.next < s.count;
            match &mut self.slots[slot] {
                None if mode == Mode::Spawn && more => {
                    self.slots[slot] = Some(Proc::spawn(&self.program, &self.env)?);
                }
                None if mode == Mode::Pool => {
                    return Err(WorkerError::Broken("the pool was not started".into()));
                }
                // A spawned process serves one task, then exits.
                Some(p)
                    if p.state == State::Idle && mode == Mode::Spawn && (p.served > 0 || !more) =>
                {
                    if self.sample_memory
                        && let Some(m) = crate::memory::process_memory(p.pid)
                    {
                        report.memory.push((slot, m));
                    }
                    protocol::encode_shutdown(&mut p.out);
                    p.state = State::Stopping {
                        since: Instant::now(),
                    };
                }
                Some(p) if p.state == State::Idle && more => {
                    let task = s.next;
                    s.next += 1;
                    let id = self.next_id;
                    self.next_id += 1;
                    let sent = Instant::now();
                    let tasks = &mut *s.tasks;
                    protocol::encode_task(&mut p.out, id, &s.kind, |out| tasks.encode(task, out));
                    p.state = State::Busy { task, id, sent };
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Writes what is pending before waiting (most frames fit the pipe at once).
    fn flush_all(&mut self) -> Result<(), WorkerError> {
        for slot in 0..self.slots.len() {
            let Some(p) = self.slots[slot].as_mut() else {
                continue;
            };
            if p.wants_write() && p.flush_out().is_err() {
                return Err(self.died(slot));
            }
        }
        Ok(())
    }

    /// Whether the set has reached `goal`.
    fn reached(&self, goal: Goal, sched: Option<&Sched<'_>>) -> bool {
        match goal {
            Goal::AllIdle => self
                .slots
                .iter()
                .all(|p| p.as_ref().is_some_and(|p| p.state == State::Idle)),
            Goal::Batch => {
                let s = sched.expect("a batch");
                s.absorbed == s.count
                    && (self.mode == Mode::Pool || self.slots.iter().all(Option::is_none))
            }
            Goal::AllGone => self.slots.iter().all(Option::is_none),
        }
    }

    /// Past the deadline: kills the first worker that is not idle and says what it was doing.
    fn check_deadline(&mut self, deadline: Instant, timeout: Duration) -> Result<(), WorkerError> {
        if Instant::now() < deadline {
            return Ok(());
        }
        let slot = self
            .slots
            .iter()
            .position(|p| p.as_ref().is_some_and(|p| p.state != State::Idle))
            .unwrap_or(0);
        Err(match self.slots[slot].as_mut() {
            Some(p) => {
                let what = match p.state {
                    State::Starting => "become ready",
                    State::Busy { .. } => "finish its task",
                    State::Stopping { .. } => "exit after the shutdown request",
                    State::Idle => "respond",
                };
                let pid = p.pid;
                p.kill_and_reap();
                WorkerError::Timeout {
                    pid,
                    what,
                    limit: timeout,
                    stderr: p.stderr_tail(),
                }
            }
            None => WorkerError::Broken("timed out with no worker running".into()),
        })
    }

    /// Waits (at most a poll slice, and not past the deadline) for any worker's pipe to be ready,
    /// then reads stdout, drains stderr and writes stdin where they are.
    fn wait_for_pipes(&mut self, deadline: Instant) -> Result<(), WorkerError> {
        let mut interests = Vec::new();
        let mut owners = Vec::new();
        for (slot, p) in self.slots.iter().enumerate() {
            let Some(p) = p else { continue };
            let mut watch = |fd, pipe: Pipe| {
                interests.push(sys::Interest {
                    fd,
                    read: pipe != Pipe::Stdin,
                    write: pipe == Pipe::Stdin,
                });
                owners.push((slot, pipe));
            };
            if !p.stdout_eof {
                watch(p.stdout.as_fd(), Pipe::Stdout);
            }
            if let Some(e) = &p.stderr {
                watch(e.as_fd(), Pipe::Stderr);
            }
            if p.wants_write() {
                watch(p.stdin.as_ref().expect("stdin").as_fd(), Pipe::Stdin);
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let wait_ms = (left.as_millis().min(POLL_SLICE_MS as u128) as i32).max(1);
        let ready = sys::poll(&interests, wait_ms).map_err(WorkerError::Poll)?;
        for (&(slot, pipe), r) in owners.iter().zip(&ready) {
            if !(r.readable || r.writable || r.closed) {
                continue;
            }
            let Some(p) = self.slots[slot].as_mut() else {
                continue;
            };
            match pipe {
                Pipe::Stdout => {
                    if let Err(source) = p.fill_in() {
                        return Err(WorkerError::Io { pid: p.pid, source });
                    }
                }
                Pipe::Stderr => p.drain_stderr(),
                Pipe::Stdin => {
                    if p.flush_out().is_err() {
                        return Err(self.died(slot));
                    }
                }
            }
        }
        Ok(())
    }

    /// Acts on every slot's complete frames, then on its process if its stdout ended: reaps a
    /// stopping one, reports any other as dead.
    fn handle_slots(
        &mut self,
        mut sched: Option<&mut Sched<'_>>,
        deadline: Instant,
        report: &mut BatchReport,
    ) -> Result<(), WorkerError> {
        for slot in 0..self.slots.len() {
            self.handle_frames(slot, sched.as_deref_mut(), report)?;
            let Some(p) = self.slots[slot].as_mut() else {
                continue;
            };
            if !p.stdout_eof {
                continue;
            }
            match p.state {
                State::Stopping { since } => self.reap_stopped(slot, since, deadline, report)?,
                _ => return Err(self.died(slot)),
            }
        }
        Ok(())
    }

    /// Reaps `slot`'s process, which was asked to exit at `since` and closed its stdout; one that
    /// is not reaped by the deadline is left for the deadline check to kill.
    fn reap_stopped(
        &mut self,
        slot: usize,
        since: Instant,
        deadline: Instant,
        report: &mut BatchReport,
    ) -> Result<(), WorkerError> {
        let p = self.slots[slot].as_mut().expect("a process in the slot");
        let pid = p.pid;
        let reaped = p
            .reap_within(deadline.saturating_duration_since(Instant::now()))
            .map_err(|source| WorkerError::Io { pid, source })?;
        let Some(r) = reaped else {
            return Ok(());
        };
        report.teardowns.push((slot, since.elapsed()));
        let failed = (!r.status.success()).then(|| WorkerError::Exited {
            pid,
            how: ExitDescription(r.status),
            stage: Stage::Stopping,
            stderr: p.stderr_tail(),
        });
        self.slots[slot] = None;
        failed.map_or(Ok(()), Err)
    }

    /// `Ok` unless `slot`'s stream ended inside a frame: then the protocol error, with how the
    /// worker ended.
    fn check_not_truncated(&mut self, slot: usize) -> Result<(), WorkerError> {
        let Some(p) = self.slots[slot].as_ref() else {
            return Ok(());
        };
        if !(p.stdout_eof && p.filled > 0) {
            return Ok(());
        }
        let have = p.filled;
        let need = if have >= 4 {
            4 + u32::from_le_bytes(p.inbuf[..4].try_into().expect("4 bytes")) as usize
        } else {
            4
        };
        let stage = p.state.stage();
        let pid = p.pid;
        // A partial frame at the end of the stream: report how it ended too.
        let died = self.died(slot);
        Err(WorkerError::Protocol {
            pid,
            stage,
            error: ProtocolError::Truncated { have, need },
            stderr: StderrTail(format!("{died}")),
        })
    }

    /// Decodes and acts on every complete frame `slot` has received.
    fn handle_frames(
        &mut self,
        slot: usize,
        mut sched: Option<&mut Sched<'_>>,
        report: &mut BatchReport,
    ) -> Result<(), WorkerError> {
        loop {
            let Some(p) = self.slots[slot].as_mut() else {
                return Ok(());
            };
            let (body, used) = match protocol::frame_at(&p.inbuf[..p.filled]) {
                Ok(Some(f)) => f,
                Ok(None) => return self.check_not_truncated(slot),
                Err(error) => {
                    let pid = p.pid;
                    let stage = p.state.stage();
                    p.kill_and_reap();
                    return Err(WorkerError::Protocol {
                        pid,
                        stage,
                        error,
                        stderr: p.stderr_tail(),
                    });
                }
            };
            let pid = p.pid;
            let stage = p.state.stage();
            let Frame { message, payload } = match protocol::decode_body(&p.inbuf[body]) {
                Ok(f) => f,
                Err(error) => {
                    p.kill_and_reap();
                    return Err(WorkerError::Protocol {
                        pid,
                        stage,
                        error,
                        stderr: p.stderr_tail(),
                    });
                }
            };
            match (message, p.state) {
                (Message::Ready { version, .. }, State::Starting) => {
                    if version != protocol::PROTOCOL_VERSION {
                        return Err(WorkerError::Version {
                            pid,
                            found: version,
                            expected: protocol::PROTOCOL_VERSION,
                        });
                    }
                    report.startups.push((slot, p.spawned.elapsed()));
                    p.state = State::Idle;
                }
                (
                    Message::Done {
                        id: got,
                        compute_ns,
                    },
                    State::Busy { task, id, sent },
                ) if got == id => {
                    let s = sched.as_deref_mut().ok_or(WorkerError::Unexpected {
                        pid,
                        message: "done",
                        stage,
                    })?;
                    s.tasks
                        .absorb(task, payload)
                        .map_err(|source| WorkerError::BadResult { pid, task, source })?;
                    let round_trip = sent.elapsed();
                    report.tasks.push(TaskTiming {
                        slot,
                        round_trip,
                        compute: Duration::from_nanos(compute_ns).min(round_trip),
                    });
                    s.absorbed += 1;
                    p.served += 1;
                    p.state = State::Idle;
                }
                (Message::Failed { id: got, message }, State::Busy { id, .. }) if got == id => {
                    let kind = sched.as_deref().map_or(String::new(), |s| s.kind.clone());
                    let message = message.to_string();
                    return Err(WorkerError::TaskFailed {
                        pid,
                        kind,
                        message,
                        stderr: p.stderr_tail(),
                    });
                }
                (m, _) => {
                    return Err(WorkerError::Unexpected {
                        pid,
                        message: m.name(),
                        stage,
                    });
                }
            }
            p.consume(used);
        }
    }
}

impl Drop for WorkerSet {
    fn drop(&mut self) {
        // Proc's own Drop kills and reaps.
        self.slots.clear();
    }
}

struct Sched<'a> {
    tasks: &'a mut dyn Tasks,
    count: usize,
    kind: String,
    next: usize,
    absorbed: usize,
}

/// Where a worker's handler left a task's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultAt {
    /// Appended to the output buffer.
    Out,
    /// In the task's payload buffer, computed in place (sent back without a copy).
    Payload,
}

/// What a worker's handler reports for a task it computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Computed {
    /// Time spent computing (the rest of the round trip counts as IPC).
    pub compute: Duration,
    /// Where the handler left the result.
    pub result: ResultAt,
}

/// A worker's computation: `handler(kind, payload, out)`.
pub type TaskHandler<'a> =
    dyn FnMut(&str, &mut [u8], &mut Vec<u8>) -> Result<Computed, TaskError> + 'a;

/// The worker side: computes the tasks it is sent with `handler(kind, payload, out)`, which
/// either appends the result to `out` or computes it in place in `payload`, and returns the
/// time it spent computing. Sends the ready frame first; returns at a shutdown frame or when
/// stdin closes. If [`PARENT_ENV`] is set, the worker first arranges to die with its parent.
pub fn serve(handler: &mut TaskHandler<'_>) -> Result<(), ServeError> {
    if let Some(parent) = std::env::var_os(PARENT_ENV) {
        let parent: u32 = parent
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| ServeError::ParentId(parent.clone()))?;
        sys::die_with_parent(parent).map_err(ServeError::DieWithParent)?;
    }
    use std::os::fd::AsFd;
    let stdin = std::fs::File::from(
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .map_err(ServeError::Io)?,
    );
    let mut stdout = std::fs::File::from(
        io::stdout()
            .as_fd()
            .try_clone_to_owned()
            .map_err(ServeError::Io)?,
    );
    let mut input = io::BufReader::with_capacity(64 * 1024, stdin);
    let mut out = Vec::new();
    protocol::encode_ready(&mut out, protocol::PROTOCOL_VERSION, std::process::id());
    protocol::write_frames(&mut stdout, &out).map_err(ServeError::Io)?;
    let mut reader = protocol::FrameReader::default();
    let mut kind = String::new();
    loop {
        out.clear();
        let more = reader.read(&mut input).map_err(|e| match e {
            protocol::ReadError::Io(e) => ServeError::Io(e),
            protocol::ReadError::Protocol(e) => ServeError::Protocol(e),
        })?;
        if !more {
            return Ok(());
        }
        let (id, payload_at) = match protocol::decode_body(reader.body()) {
            Ok(Frame {
                message: Message::Shutdown,
                ..
            }) => return Ok(()),
            Ok(Frame {
                message: Message::Task { id, kind: k },
                payload,
            }) => {
                kind.clear();
                kind.push_str(k);
                (id, reader.body().len() - payload.len())
            }
            Ok(other) => return Err(ServeError::Unexpected(other.message.name())),
            Err(e) => return Err(ServeError::Protocol(e)),
        };
        let payload = &mut reader.body_mut()[payload_at..];
        protocol::begin_done(&mut out);
        match handler(&kind, payload, &mut out) {
            Ok(Computed {
                compute,
                result: ResultAt::Out,
            }) => {
                let start = protocol::finish_done(&mut out, id, compute.as_nanos() as u64);
                protocol::write_frames(&mut stdout, &out[start..]).map_err(ServeError::Io)?;
            }
            Ok(Computed {
                compute,
                result: ResultAt::Payload,
            }) => {
                out.clear();
                protocol::encode_done_header(
                    &mut out,
                    id,
                    compute.as_nanos() as u64,
                    payload.len(),
                );
                stdout.write_all(&out).map_err(ServeError::Io)?;
                protocol::write_frames(&mut stdout, payload).map_err(ServeError::Io)?;
            }
            Err(error) => {
                out.clear();
                protocol::encode_failed(&mut out, id, &error.to_string());
                protocol::write_frames(&mut stdout, &out).map_err(ServeError::Io)?;
            }
        }
    }
}

/// Why a worker stopped serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// [`PARENT_ENV`] is set but does not hold a pid (its value is kept).
    #[error("worker setup failed: {PARENT_ENV} is not a process id: {0:?}")]
    ParentId(OsString),
    /// Asking the kernel to kill this worker when its parent dies failed.
    #[error("worker setup failed: cannot arrange to die with the parent: {0}")]
    DieWithParent(#[source] io::Error),
    /// Reading tasks from stdin or writing results to stdout failed.
    #[error("worker pipe failed: {0}")]
    Io(io::Error),
    /// The parent wrote bytes that are not a valid protocol frame.
    #[error("the parent sent a malformed frame: {0}")]
    Protocol(ProtocolError),
    /// The parent sent a well-formed frame a worker does not accept (its message name).
    #[error("the parent sent an unexpected `{0}` frame")]
    Unexpected(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> WorkerProgram {
        WorkerProgram::new("/bin/sh", ["-c", script])
    }

    fn set(script: &str, mode: Mode, n: usize) -> WorkerSet {
        WorkerSet::with_program(sh(script), mode, n, vec![])
    }

    /// `printf` escapes of a ready frame (protocol version `v`).
    fn ready_frame(v: u32) -> String {
        let mut b = Vec::new();
        protocol::encode_ready(&mut b, v, 1);
        b.iter().map(|x| format!("\\{x:03o}")).collect()
    }

    #[test]
    fn stderr_summaries_keep_the_panic_message() {
        let text = "noise\nthread 'main' panicked at src/x.rs:1:2:\nboom\nstack backtrace:\n   0: a\n   1: b\n   2: c\n   3: d\n   4: e\n   5: f\n";
        // The message, not where nor the backtrace (the point keeps the raw stderr).
        assert_eq!(summarize_stderr(text), "panicked: boom");
        let text = "thread 'main' (7) panicked at src/x.rs:1:2:\nfault injected\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(summarize_stderr(text), "panicked: fault injected");
        // The older one-line format.
        let text = "thread 'main' panicked at 'boom', src/x.rs:1:2\n";
        assert!(
            summarize_stderr(text).starts_with("panicked"),
            "{}",
            summarize_stderr(text)
        );
        let many: String = (0..20).map(|i| format!("line {i}\n")).collect();
        assert!(summarize_stderr(&many).starts_with("line 12 | "));
        assert_eq!(summarize_stderr(""), "");
        assert!(summarize_stderr(&"x".repeat(5000)).ends_with('…'));
    }

    #[test]
    fn a_program_that_cannot_start_is_a_spawn_error() {
        let mut s = WorkerSet::with_program(
            WorkerProgram::new("/nonexistent/parbench", ["worker"]),
            Mode::Pool,
            1,
            vec![],
        );
        let e = s.start(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, WorkerError::Spawn { .. }), "{e}");
        assert!(e.to_string().contains("/nonexistent/parbench"), "{e}");
    }

    #[test]
    fn exit_before_ready_reports_status_and_stderr() {
        let mut s = set("echo 'no such table' >&2; exit 3", Mode::Pool, 2);
        let e = s.start(Duration::from_secs(5)).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("exited with status 3"), "{msg}");
        assert!(msg.contains("while starting"), "{msg}");
        assert!(msg.contains("no such table"), "{msg}");
        assert!(s.pids().is_empty());
        // The set stays broken.
        assert!(matches!(
            s.start(Duration::from_secs(1)).unwrap_err(),
            WorkerError::Broken(_)
        ));
    }

    #[test]
    fn a_signal_is_named() {
        let mut s = set("kill -SEGV $$", Mode::Pool, 1);
        let e = s.start(Duration::from_secs(5)).unwrap_err();
        assert!(
            e.to_string().contains("killed by signal 11 (SIGSEGV)"),
            "{e}"
        );
    }

    #[test]
    fn a_worker_that_never_gets_ready_is_killed_at_the_timeout() {
        let before = accounting();
        let mut s = set("echo starting >&2; exec sleep 30", Mode::Pool, 2);
        let t = Instant::now();
        let e = s.start(Duration::from_millis(300)).unwrap_err();
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        assert!(matches!(e, WorkerError::Timeout { .. }), "{e}");
        assert!(e.to_string().contains("did not become ready"), "{e}");
        assert!(e.to_string().contains("starting"), "{e}");
        assert!(s.pids().is_empty());
        let after = accounting();
        assert!(after.started - before.started >= 2);
    }

    #[test]
    fn stray_output_is_a_malformed_frame() {
        let mut s = set(
            "echo 'hello from a stray print'; exec sleep 30",
            Mode::Pool,
            1,
        );
        let e = s.start(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, WorkerError::Protocol { .. }), "{e}");
        assert!(e.to_string().contains("hello fr"), "{e}");
    }

    #[test]
    fn a_wrong_protocol_version_is_refused() {
        let script = format!("printf '{}'; exec sleep 30", ready_frame(99));
        let mut s = set(&script, Mode::Pool, 1);
        let e = s.start(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(e, WorkerError::Version { found: 99, .. }), "{e}");
    }

    /// One task of kind `echo` with payload `hi`; keeps the results.
    struct Echo(Vec<(usize, Vec<u8>)>);

    impl Tasks for Echo {
        fn kind(&self) -> &str {
            "echo"
        }
        fn count(&self) -> usize {
            1
        }
        fn encode(&mut self, _task: usize, out: &mut Vec<u8>) {
            out.extend_from_slice(b"hi");
        }
        fn absorb(&mut self, task: usize, result: &[u8]) -> Result<(), TaskError> {
            self.0.push((task, result.to_vec()));
            Ok(())
        }
    }

    #[test]
    fn ready_then_task_then_result_round_trip() {
        // A shell worker: ready, swallow the one task frame, answer task 0 with "ok".
        let mut task = Vec::new();
        protocol::encode_task(&mut task, 0, "echo", |p| p.extend_from_slice(b"hi"));
        let mut done = Vec::new();
        protocol::begin_done(&mut done);
        done.extend_from_slice(b"ok");
        let start = protocol::finish_done(&mut done, 0, 1000);
        done.drain(..start);
        let esc = |b: &[u8]| b.iter().map(|x| format!("\\{x:03o}")).collect::<String>();
        let script = format!(
            "printf '{}'; head -c {} >/dev/null; printf '{}'; head -c 5 >/dev/null",
            ready_frame(protocol::PROTOCOL_VERSION),
            task.len(),
            esc(&done)
        );
        for mode in [Mode::Pool, Mode::Spawn] {
            let mut s = set(&script, mode, 1);
            s.set_sample_memory(true);
            if mode == Mode::Pool {
                let r = s.start(Duration::from_secs(5)).unwrap();
                assert_eq!(r.startups.len(), 1);
            }
            let mut echo = Echo(Vec::new());
            let report = s.run_batch(&mut echo, Duration::from_secs(5)).unwrap();
            assert_eq!(echo.0, vec![(0, b"ok".to_vec())]);
            assert_eq!(report.tasks.len(), 1);
            assert_eq!(report.tasks[0].compute, Duration::from_micros(1));
            if mode == Mode::Spawn {
                assert_eq!(report.startups.len(), 1);
                assert_eq!(report.teardowns.len(), 1);
                assert!(report.concurrent_private_peak(1).unwrap() > 0);
                assert!(s.pids().is_empty(), "spawn mode reaps its processes");
            } else {
                let r = s.shutdown(Duration::from_secs(5)).unwrap();
                assert_eq!(r.memory.len(), 1);
                assert_eq!(r.teardowns.len(), 1);
                assert!(s.pids().is_empty());
            }
        }
    }

    #[test]
    fn dropping_a_set_kills_and_reaps_its_processes() {
        let script = format!(
            "printf '{}'; exec sleep 30",
            ready_frame(protocol::PROTOCOL_VERSION)
        );
        let mut s = set(&script, Mode::Pool, 2);
        s.start(Duration::from_secs(5)).unwrap();
        let pids = s.pids();
        assert_eq!(pids.len(), 2);
        drop(s);
        for pid in pids {
            // Reaped: no /proc entry (not even a zombie) unless the pid was already reused.
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            assert!(
                !stat.contains("(sleep)"),
                "worker {pid} still exists: {stat}"
            );
        }
    }
}
