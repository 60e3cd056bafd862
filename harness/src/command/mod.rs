//! External programs, for command suites: a command line built from [`template`]s is run once
//! per call, with stdin from `/dev/null`, stdout captured (to verify it) or counted, the tail of
//! stderr kept (for error messages), a timeout, and the figures of a whole-process measurement:
//! wall time from spawn to exit, user and system CPU time, and peak resident memory.
//!
//! **How peak memory is measured.** On Linux, `wait4`'s `ru_maxrss` of a child also counts the
//! address space the child replaced at `exec`: after a vfork-style spawn (what
//! `std::process::Command` does) that is the *parent's*, after a `fork` a copy of it. So parbench
//! never starts the program itself: it starts a small **launcher** (the parbench executable again,
//! with [`LAUNCH_ARG`], set up with [`set_launcher`]) in a process group of its own; the launcher
//! starts the program, waits for it (a `pidfd`), and reports the program's wall time and `wait4`
//! figures over a socket. The program's `ru_maxrss` is then exact above the launcher's own peak
//! RSS (its *floor*: about 4 MiB for a release build, reported with every run, read after the
//! program exited so that it bounds the launcher's peak at the exec from above); a program that
//! needs less shows the floor. Timing from the launcher keeps its own start-up (about a millisecond)
//! out of the measured time, which is the program's spawn-to-exit time as hyperfine measures it.
//!
//! Containment: a run that exceeds its timeout has its whole process group killed (the program
//! and whatever it started) and is reported with the tail of its stderr; so are runs cut short
//! by [`crate::worker_process::interrupt_all`] (Ctrl-C). Processes the program leaves running in
//! its group when it exits are killed too. The launcher kills the program if parbench dies.

#![warn(missing_docs)]

pub mod template;

#[cfg(unix)]
mod launcher;
#[cfg(unix)]
mod run;

#[cfg(unix)]
pub use launcher::{LAUNCH_ARG, launcher_entry, serve_launcher};
#[cfg(unix)]
pub use run::{
    Accounting, RunError, RunOptions, RunReport, StdoutCapture, accounting, launcher, run,
    set_launcher,
};

use std::ffi::OsString;
use std::path::PathBuf;

/// One program invocation with every placeholder substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    /// The program: a path, or a name looked up in `PATH`.
    pub program: OsString,
    /// Its arguments, each passed as it is (no shell).
    pub args: Vec<OsString>,
    /// Added to (or replacing in) the environment parbench runs in.
    pub env: Vec<(OsString, OsString)>,
    /// The working directory (default: parbench's).
    pub dir: Option<PathBuf>,
}

impl CommandLine {
    /// The command line as one readable string (arguments shell-quoted), for messages.
    pub fn display(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|a| template::shell_quote(&a.to_string_lossy()))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How many bytes of a program's stderr are kept for error messages.
pub(crate) const STDERR_TAIL_BYTES: usize = 4096;
