//! The few Unix system calls worker-process management needs and `std` does not offer:
//! non-blocking and larger pipes, `poll`, `wait4` by pid (with the child's resource usage for
//! command runs), `kill` by pid and by process group, `pidfd_open` and `PR_SET_PDEATHSIG` on
//! Linux. They go through `rustix`'s safe wrappers; the two calls it does not wrap (`wait4` with
//! the child's resource usage, glibc's `malloc_trim`) call `libc` in `unsafe` blocks that each
//! state why they are sound.

use rustix::event::{PollFd, PollFlags};
use rustix::fs::OFlags;
use rustix::process::{Pid, Signal, WaitOptions};
use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// A child's pid as rustix's type. Pids of children are positive; 0 would address the caller's
/// process group in `kill`, so it is refused.
fn pid(pid: u32) -> io::Result<Pid> {
    i32::try_from(pid)
        .ok()
        .and_then(Pid::from_raw)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, format!("no such pid {pid}")))
}

/// Puts a file descriptor (a pipe end) into non-blocking mode.
pub(crate) fn set_nonblocking(fd: &impl AsFd) -> io::Result<()> {
    let flags = rustix::fs::fcntl_getfl(fd)?;
    rustix::fs::fcntl_setfl(fd, flags | OFlags::NONBLOCK)?;
    Ok(())
}

/// Asks for a pipe of `bytes` capacity (Linux `F_SETPIPE_SZ`); silently keeps the current size
/// where the system refuses (or elsewhere than Linux).
pub(crate) fn grow_pipe(fd: &impl AsFd, bytes: usize) {
    #[cfg(target_os = "linux")]
    let _ = rustix::pipe::fcntl_setpipe_size(fd, bytes);
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, bytes);
}

/// What to wait for on one descriptor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interest<'fd> {
    pub(crate) fd: BorrowedFd<'fd>,
    pub(crate) read: bool,
    pub(crate) write: bool,
}

/// What `poll` reported for one descriptor.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Readiness {
    pub(crate) readable: bool,
    pub(crate) writable: bool,
    /// Hang-up or error: the other end is gone (reading returns what is left, then EOF).
    pub(crate) closed: bool,
}

/// Waits until one of `interests` is ready or `timeout_ms` passes (negative: no limit); returns
/// one readiness per interest, in order. `EINTR` counts as a timeout (the caller loops anyway).
pub(crate) fn poll(interests: &[Interest<'_>], timeout_ms: i32) -> io::Result<Vec<Readiness>> {
    let mut fds: Vec<PollFd<'_>> = interests
        .iter()
        .map(|i| {
            let mut events = PollFlags::empty();
            events.set(PollFlags::IN, i.read);
            events.set(PollFlags::OUT, i.write);
            PollFd::from_borrowed_fd(i.fd, events)
        })
        .collect();
    let timeout = (timeout_ms >= 0).then(|| rustix::event::Timespec {
        tv_sec: i64::from(timeout_ms / 1000),
        tv_nsec: i64::from(timeout_ms % 1000) * 1_000_000,
    });
    match rustix::event::poll(&mut fds, timeout.as_ref()) {
        Ok(_) => {}
        Err(rustix::io::Errno::INTR) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(fds
        .iter()
        .map(|p| {
            let r = p.revents();
            Readiness {
                readable: r.contains(PollFlags::IN),
                writable: r.contains(PollFlags::OUT),
                closed: r.intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL),
            }
        })
        .collect())
}

/// A reaped child: how it ended. (`wait4`'s `ru_maxrss` is not used: after a vfork-based spawn
/// Linux reports the parent's peak in it, so worker memory is read from `/proc` instead.)
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reaped {
    pub(crate) status: ExitStatus,
}

/// Reaps child `pid` if it has exited (`block` = false) or waits for it (`block` = true).
/// `Ok(None)`: still running. The caller must not reap the same pid twice (a reaped pid may be
/// reused by an unrelated process).
pub(crate) fn wait4(child: u32, block: bool) -> io::Result<Option<Reaped>> {
    let options = if block {
        WaitOptions::empty()
    } else {
        WaitOptions::NOHANG
    };
    loop {
        match rustix::process::waitpid(Some(pid(child)?), options) {
            Ok(None) => return Ok(None),
            Ok(Some((_, status))) => {
                return Ok(Some(Reaped {
                    status: ExitStatus::from_raw(status.as_raw()),
                }));
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// What a reaped child used: CPU time in user and kernel mode and its peak resident set size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct ChildUsage {
    pub(crate) user: std::time::Duration,
    pub(crate) system: std::time::Duration,
    /// `ru_maxrss` in bytes. On Linux this is the larger of the child's own peak and the peak
    /// of the address space it replaced at `exec` (its parent's, after a vfork-style spawn):
    /// callers must start the child from a small process for it to mean the child's peak.
    pub(crate) max_rss: u64,
}

fn timeval(t: libc::timeval) -> std::time::Duration {
    std::time::Duration::from_secs(t.tv_sec.max(0) as u64)
        + std::time::Duration::from_micros(t.tv_usec.max(0) as u64)
}

/// Waits for child `pid` to exit and reaps it, returning how it ended and what it used. Same
/// contract as [`wait4`]: `pid` is an unreaped child of this process.
pub(crate) fn wait4_usage(pid: u32) -> io::Result<(ExitStatus, ChildUsage)> {
    let mut status: libc::c_int = 0;
    loop {
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: `status` and `usage` are valid, exclusively borrowed out-parameters; wait4
        // only affects the child `pid`, which this process spawned and has not reaped.
        let r = unsafe { libc::wait4(pid as libc::pid_t, &mut status, 0, &mut usage) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        // Linux and most Unixes count ru_maxrss in KiB; macOS in bytes.
        let unit: u64 = if cfg!(target_os = "macos") { 1 } else { 1024 };
        return Ok((
            ExitStatus::from_raw(status),
            ChildUsage {
                user: timeval(usage.ru_utime),
                system: timeval(usage.ru_stime),
                max_rss: (usage.ru_maxrss.max(0) as u64) * unit,
            },
        ));
    }
}

/// Sends SIGKILL to every process of the process group `pgid`. The caller guarantees that
/// `pgid` is the pid of an unreaped child of this process that leads its own group (spawned
/// with `process_group(0)`): while it is unreaped its pid, hence the group id, cannot be reused.
/// An already empty group (`ESRCH`) is ignored.
pub(crate) fn kill_group(pgid: u32) {
    if let Ok(group) = pid(pgid) {
        let _ = rustix::process::kill_process_group(group, Signal::KILL);
    }
}

/// If this process leads its own process group, sends SIGKILL to the group, this process
/// included (a command launcher whose parent died takes the program and everything it started
/// with it). Otherwise does nothing: the group is someone else's (a shell's).
pub(crate) fn kill_own_group_if_leader() {
    if rustix::process::getpgrp() == rustix::process::getpid() {
        let _ = rustix::process::kill_current_process_group(Signal::KILL);
    }
}

/// A pollable descriptor that becomes readable when child `pid` exits (Linux 5.3+
/// `pidfd_open`). `Err` where the kernel or platform lacks it; the caller then waits blocking.
pub(crate) fn pidfd_open(child: u32) -> io::Result<std::os::fd::OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        Ok(rustix::process::pidfd_open(
            pid(child)?,
            rustix::process::PidfdFlags::empty(),
        )?)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = child;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// Sends SIGKILL to child `pid`. The caller guarantees that `pid` has not been reaped yet, so it
/// still names that child (a zombie at worst) and never a recycled pid.
pub(crate) fn kill(child: u32) {
    if let Ok(child) = pid(child) {
        let _ = rustix::process::kill_process(child, Signal::KILL);
    }
}

/// In a worker: asks the kernel to SIGKILL this process when its parent dies, then checks that
/// the parent is still `expected_parent` (it may have died before the request took effect).
pub(crate) fn die_with_parent(expected_parent: u32) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    rustix::process::set_parent_process_death_signal(Some(Signal::KILL))?;
    let parent = std::os::unix::process::parent_id();
    if parent != expected_parent {
        return Err(io::Error::other(format!(
            "the parent process {expected_parent} is gone (now {parent}); not serving"
        )));
    }
    Ok(())
}

/// Returns free heap memory to the system (glibc's `malloc_trim`), so that memory freed by
/// earlier work is not silently reused and hidden from a peak-RSS measurement. A no-op elsewhere.
pub(crate) fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free pages of glibc's own heaps; it is thread-safe and
    // touches no memory the program can reach.
    unsafe {
        libc::malloc_trim(0);
    }
}
