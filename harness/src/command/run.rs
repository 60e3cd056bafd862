//! The parbench side of a command run: start the launcher, pump the program's stdout and
//! stderr, enforce the timeout, read the launcher's report, and reap everything.

use super::launcher::{self, Report};
use super::{CommandLine, STDERR_TAIL_BYTES};
use crate::children::Counter;
use crate::sys;
use crate::worker_process::{
    self, ExitDescription, StderrTail, WorkerProgram, interrupted, summarize_stderr,
};
use std::ffi::OsString;
use std::io::{self, Read};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// How long `poll` waits at most before checking for an interrupt.
const POLL_SLICE_MS: i32 = 50;

/// After the program exited, how long its stdout and stderr may stay open (held by a process
/// it started outside its process group) before parbench stops waiting for them.
const DRAIN_GRACE: Duration = Duration::from_secs(2);

static LAUNCHER: OnceLock<WorkerProgram> = OnceLock::new();
static COMMANDS: Counter = Counter::new();

/// Sets the launcher every command run of this process starts: a program that, given
/// [`LAUNCH_ARG`](super::LAUNCH_ARG) among `program.args`, calls
/// [`serve_launcher`](super::serve_launcher) (the `parbench` binary passes its own path; a
/// program embedding parbench calls [`launcher_entry`](super::launcher_entry) first thing in
/// `main`). Returns false if one was already set.
pub fn set_launcher(program: WorkerProgram) -> bool {
    LAUNCHER.set(program).is_ok()
}

/// The configured launcher, if any.
pub fn launcher() -> Option<&'static WorkerProgram> {
    LAUNCHER.get()
}

pub use crate::children::Accounting;

/// How many launchers this process started and reaped so far.
pub fn accounting() -> Accounting {
    COMMANDS.accounting()
}

/// What to do with the program's stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutCapture {
    /// Read and count it, keep nothing.
    Discard,
    /// Keep up to `limit` bytes; more fails the run with [`RunError::StdoutTooLong`].
    Keep {
        /// The most bytes kept.
        limit: usize,
    },
}

/// How to run a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// The program (and the process group it leads) is killed after this long.
    pub timeout: Duration,
    /// Keep the program's stdout (to verify it) or only count it.
    pub stdout: StdoutCapture,
}

/// A finished run. A non-zero exit is not an error here: check [`RunReport::status`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    /// How the program ended.
    pub status: ExitStatus,
    /// From just before the spawn to the reaping of the program, measured by the launcher.
    pub wall: Duration,
    /// CPU time the program (and the children it waited for) spent in user mode.
    pub user: Duration,
    /// CPU time the program (and the children it waited for) spent in the kernel.
    pub system: Duration,
    /// The program's peak resident set size (`ru_maxrss`), at least [`rss_floor`](Self::rss_floor).
    pub peak_rss: Option<u64>,
    /// The launcher's peak RSS, read after the program exited (an upper bound of what it held
    /// at the program's exec): a program that needs less memory reports about this figure.
    pub rss_floor: Option<u64>,
    /// parbench's time for the whole run (starting the launcher, reading its report) minus
    /// `wall`: the cost of measuring this way, outside the measured time.
    pub overhead: Duration,
    /// The program's stdout, with [`StdoutCapture::Keep`] (empty otherwise).
    pub stdout: Vec<u8>,
    /// Bytes the program wrote to stdout.
    pub stdout_bytes: u64,
    /// The last lines of its stderr.
    pub stderr: StderrTail,
}

impl RunReport {
    /// Whether it exited with `code` (false when a signal ended it).
    pub fn exited_with(&self, code: i32) -> bool {
        self.status.code() == Some(code)
    }

    /// How it ended, in words: `exited with status 3`, `was killed by signal 9 (SIGKILL)`.
    pub fn how(&self) -> ExitDescription {
        ExitDescription(self.status)
    }
}

/// A run that could not complete. Every process it started is killed and reaped before this is
/// returned.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// [`set_launcher`] was never called.
    #[error(
        "no command launcher is configured: this program embeds parbench without one (the parbench binary starts itself as the launcher; yours must call parbench_harness::command::set_launcher and answer parbench_harness::command::launcher_entry first thing in main)"
    )]
    NoLauncher,
    /// The launcher could not be started (a missing working directory, for one).
    #[error("cannot start the command launcher {path}: {source}")]
    Launch {
        /// The launcher program.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// The program could not be started (not found, not executable).
    #[error("cannot start `{program}`: {message}")]
    Spawn {
        /// The program as given.
        program: String,
        /// The system's error, as the launcher saw it.
        message: String,
    },
    /// The program ran longer than the timeout; its process group was killed.
    #[error("`{program}` did not finish within the timeout of {limit:?} and was killed{stderr}")]
    Timeout {
        /// The program as given.
        program: String,
        /// The timeout.
        limit: Duration,
        /// The last lines of its stderr.
        stderr: StderrTail,
    },
    /// The program wrote more to stdout than [`StdoutCapture::Keep`] allows.
    #[error(
        "`{program}` wrote more than {limit} bytes to stdout: parbench keeps a command's stdout only to verify it (print less, or verify a checksum line)"
    )]
    StdoutTooLong {
        /// The program as given.
        program: String,
        /// The limit in bytes.
        limit: usize,
    },
    /// A process the program left outside its process group kept its output open.
    #[error(
        "the stdout or stderr of `{program}` stayed open {grace:?} after it exited: a process it started outside its process group still holds it"
    )]
    StreamsHeld {
        /// The program as given.
        program: String,
        /// How long parbench waited.
        grace: Duration,
    },
    /// The launcher ended without a usable report.
    #[error("the command launcher failed: {0}")]
    Launcher(String),
    /// Waiting on the pipes or the socket failed.
    #[error("waiting for `{program}` failed: {source}")]
    Io {
        /// The program as given.
        program: String,
        /// The system's error.
        source: io::Error,
    },
    /// [`interrupt_all`](crate::worker_process::interrupt_all) stopped the run.
    #[error("interrupted (Ctrl-C): the command was killed")]
    Interrupted,
}

/// The launcher process of one run: killed (with its group) and reaped on drop.
struct Launched {
    /// Never waited on through `std`: reaped with `wait4` here.
    _child: Child,
    pid: u32,
    reaped: bool,
}

impl Launched {
    /// Kills the launcher's process group (the program and anything it started) and reaps the
    /// launcher.
    fn kill_and_reap(&mut self) {
        if self.reaped {
            return;
        }
        let mut live = worker_process::live();
        // Unreaped, so its pid (the group id) still names our child's group.
        sys::kill_group(self.pid);
        sys::kill(self.pid);
        if sys::wait4(self.pid, true).is_ok() {
            self.reaped = true;
            COMMANDS.reaped(&mut live, self.pid);
        }
        // What the program started outside its group (`setsid`, a daemon) was adopted by
        // parbench as subreaper when its parent exited: end it too.
        crate::subreaper::kill_orphans_except(&live);
    }
}

impl Drop for Launched {
    fn drop(&mut self) {
        self.kill_and_reap();
    }
}

/// An output stream of the program being read.
struct Stream<R> {
    pipe: Option<R>,
    kept: Vec<u8>,
    total: u64,
}

impl<R: Read> Stream<R> {
    fn new(pipe: R) -> Self {
        Stream {
            pipe: Some(pipe),
            kept: Vec::new(),
            total: 0,
        }
    }

    /// Reads what the pipe holds now; `keep` decides what to retain of each chunk.
    fn pump(&mut self, keep: &mut dyn FnMut(&mut Vec<u8>, &[u8])) -> io::Result<()> {
        let Some(pipe) = self.pipe.as_mut() else {
            return Ok(());
        };
        let mut buf = [0u8; 64 * 1024];
        loop {
            match pipe.read(&mut buf) {
                Ok(0) => {
                    self.pipe = None;
                    return Ok(());
                }
                Ok(n) => {
                    self.total += n as u64;
                    keep(&mut self.kept, &buf[..n]);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

fn keep_tail(kept: &mut Vec<u8>, chunk: &[u8]) {
    kept.extend_from_slice(chunk);
    if kept.len() > STDERR_TAIL_BYTES {
        let cut = kept.len() - STDERR_TAIL_BYTES;
        kept.drain(..cut);
    }
}

/// Runs `line` once through the configured launcher and waits for it (at most
/// `options.timeout`).
pub fn run(line: &CommandLine, options: &RunOptions) -> Result<RunReport, RunError> {
    let launcher = launcher().ok_or(RunError::NoLauncher)?;
    let program = line.program.to_string_lossy().into_owned();
    let io_err = |source| RunError::Io {
        program: program.clone(),
        source,
    };
    if interrupted() {
        return Err(RunError::Interrupted);
    }
    let (mut control, theirs) = UnixStream::pair().map_err(io_err)?;
    let mut cmd = launcher_command(launcher, line, theirs);
    let started = Instant::now();
    let mut child = {
        let mut live = worker_process::live();
        let child = cmd.spawn().map_err(|source| RunError::Launch {
            path: launcher.path.clone(),
            source,
        })?;
        COMMANDS.started(&mut live, child.id());
        child
    };
    // The command still owns our copy of the launcher's end of the socket: close it, so that
    // the launcher's exit ends the stream.
    drop(cmd);
    let pid = child.id();
    let mut stdout = Stream::new(child.stdout.take().expect("piped stdout"));
    let mut stderr = Stream::new(child.stderr.take().expect("piped stderr"));
    let mut launched = Launched {
        _child: child,
        pid,
        reaped: false,
    };
    let (out, err) = (stdout.pipe.as_ref(), stderr.pipe.as_ref());
    [
        out.expect("open").as_fd(),
        err.expect("open").as_fd(),
        control.as_fd(),
    ]
    .iter()
    .try_for_each(sys::set_nonblocking)
    .map_err(io_err)?;
    let mut out_keeper = StdoutKeeper::new(options.stdout);
    let mut keep_out = |kept: &mut Vec<u8>, chunk: &[u8]| out_keeper.keep(kept, chunk);
    let mut report_bytes = Vec::new();
    let deadline = started + options.timeout;

    // Until the launcher closes the control socket (it has reported, or died).
    loop {
        if interrupted() {
            launched.kill_and_reap();
            return Err(RunError::Interrupted);
        }
        let now = Instant::now();
        if now >= deadline {
            launched.kill_and_reap();
            let _ = stderr.pump(&mut keep_tail);
            let stderr = tail_of(&stderr.kept);
            let limit = options.timeout;
            return Err(RunError::Timeout {
                program,
                limit,
                stderr,
            });
        }
        let interests = readable([
            Some(control.as_fd()),
            stdout.pipe.as_ref().map(AsFd::as_fd),
            stderr.pipe.as_ref().map(AsFd::as_fd),
        ]);
        let wait_ms = poll_slice_ms(deadline.saturating_duration_since(now));
        sys::poll(&interests, wait_ms).map_err(io_err)?;
        stdout.pump(&mut keep_out).map_err(io_err)?;
        stderr.pump(&mut keep_tail).map_err(io_err)?;
        if read_control(&mut control, &mut report_bytes).map_err(io_err)? {
            break;
        }
    }
    let reported = Instant::now();
    // The launcher has reported and is exiting: anything left in its group is a process the
    // program left behind, which must not outlive the run.
    launched.kill_and_reap();
    if interrupted() {
        return Err(RunError::Interrupted);
    }

    // The program has exited: read what is left in the pipes.
    drain(&mut stdout, &mut stderr, &mut keep_out).map_err(|e| match e {
        Drain::Held => RunError::StreamsHeld {
            program: program.clone(),
            grace: DRAIN_GRACE,
        },
        Drain::Io(source) => io_err(source),
    })?;
    let stderr_tail = tail_of(&stderr.kept);

    let timing = Timing { started, reported };
    report_of(
        &report_bytes,
        stdout,
        stderr_tail,
        program,
        &out_keeper,
        timing,
    )
}

/// Why reading the pipes' rest failed.
enum Drain {
    /// They stayed open past [`DRAIN_GRACE`] (a process the program left holds them).
    Held,
    /// Reading failed.
    Io(io::Error),
}

/// Reads what is left in the program's pipes once it has exited, for at most [`DRAIN_GRACE`].
fn drain(
    stdout: &mut Stream<std::process::ChildStdout>,
    stderr: &mut Stream<std::process::ChildStderr>,
    keep_out: &mut dyn FnMut(&mut Vec<u8>, &[u8]),
) -> Result<(), Drain> {
    let grace = Instant::now() + DRAIN_GRACE;
    while stdout.pipe.is_some() || stderr.pipe.is_some() {
        let now = Instant::now();
        if now >= grace {
            return Err(Drain::Held);
        }
        let interests = readable([
            None,
            stdout.pipe.as_ref().map(AsFd::as_fd),
            stderr.pipe.as_ref().map(AsFd::as_fd),
        ]);
        let wait_ms = poll_slice_ms(grace.saturating_duration_since(now));
        sys::poll(&interests, wait_ms).map_err(Drain::Io)?;
        stdout.pump(keep_out).map_err(Drain::Io)?;
        stderr.pump(&mut keep_tail).map_err(Drain::Io)?;
    }
    Ok(())
}

/// The end of the program's stderr, summarized for a reason.
fn tail_of(kept: &[u8]) -> StderrTail {
    StderrTail(summarize_stderr(&String::from_utf8_lossy(kept)))
}

/// When the run started, and when the launcher reported.
struct Timing {
    started: Instant,
    reported: Instant,
}

/// The run's report from the launcher's bytes and what was kept of the program's output.
fn report_of(
    report: &[u8],
    stdout: Stream<std::process::ChildStdout>,
    stderr_tail: StderrTail,
    program: String,
    keeper: &StdoutKeeper,
    timing: Timing,
) -> Result<RunReport, RunError> {
    match launcher::decode_report(report) {
        Ok(Report::Exited {
            status,
            wall,
            user,
            system,
            max_rss,
            floor,
        }) => {
            if keeper.overflow {
                return Err(RunError::StdoutTooLong {
                    program,
                    limit: keeper.limit,
                });
            }
            Ok(RunReport {
                status: ExitStatus::from_raw(status),
                wall,
                user,
                system,
                peak_rss: (max_rss > 0).then_some(max_rss),
                rss_floor: (floor > 0).then_some(floor),
                overhead: timing
                    .reported
                    .duration_since(timing.started)
                    .saturating_sub(wall),
                stdout: stdout.kept,
                stdout_bytes: stdout.total,
                stderr: stderr_tail,
            })
        }
        Ok(Report::SpawnFailed(message)) => Err(RunError::Spawn { program, message }),
        Err(why) => Err(RunError::Launcher(format!("{why}{stderr_tail}"))),
    }
}

/// The launcher's command for `line`: the program, its arguments, environment and directory,
/// with the control socket's other end as stdin and piped output, in a process group of its
/// own (a timeout or an interrupt kills the launcher, the program and whatever the program
/// started at once, and a Ctrl-C in the terminal reaches only parbench).
fn launcher_command(launcher: &WorkerProgram, line: &CommandLine, theirs: UnixStream) -> Command {
    let mut cmd = Command::new(&launcher.path);
    cmd.args(&launcher.args);
    for (key, value) in &line.env {
        let mut pair = OsString::from(key);
        pair.push("=");
        pair.push(value);
        cmd.arg(launcher::ENV_FLAG).arg(pair);
    }
    cmd.arg("--").arg(&line.program).args(&line.args);
    if let Some(dir) = &line.dir {
        cmd.current_dir(dir);
    }
    cmd.stdin(Stdio::from(OwnedFd::from(theirs)))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd
}

/// Keeps the program's stdout up to its limit, and notes when it went past it.
struct StdoutKeeper {
    keep: bool,
    limit: usize,
    overflow: bool,
}

impl StdoutKeeper {
    fn new(capture: StdoutCapture) -> Self {
        let (keep, limit) = match capture {
            StdoutCapture::Discard => (false, 0),
            StdoutCapture::Keep { limit } => (true, limit),
        };
        StdoutKeeper {
            keep,
            limit,
            overflow: false,
        }
    }

    fn keep(&mut self, kept: &mut Vec<u8>, chunk: &[u8]) {
        if self.keep && !self.overflow {
            if kept.len() + chunk.len() > self.limit {
                self.overflow = true;
            } else {
                kept.extend_from_slice(chunk);
            }
        }
    }
}

/// Poll interests: readable, for each open descriptor.
fn readable<'a>(fds: [Option<BorrowedFd<'a>>; 3]) -> Vec<sys::Interest<'a>> {
    fds.into_iter()
        .flatten()
        .map(|fd| sys::Interest {
            fd,
            read: true,
            write: false,
        })
        .collect()
}

/// How long one poll waits: what is `left`, at most a slice, at least 1 ms.
fn poll_slice_ms(left: Duration) -> i32 {
    (left.as_millis().min(POLL_SLICE_MS as u128) as i32).max(1)
}

/// Reads what the control socket holds; true once it is closed (the launcher is done).
fn read_control(control: &mut UnixStream, into: &mut Vec<u8>) -> io::Result<bool> {
    let mut buf = [0u8; 256];
    loop {
        match control.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) => into.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            // The launcher was killed while writing: report what arrived.
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(true),
            Err(e) => return Err(e),
        }
    }
}
