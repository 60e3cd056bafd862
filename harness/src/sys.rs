//! The few Unix system calls worker-process management needs and `std` does not offer:
//! non-blocking and larger pipes, `poll`, `wait4` by pid (with the child's resource usage for
//! command runs), `kill` by pid and by process group, `pidfd_open` and `PR_SET_PDEATHSIG` on
//! Linux. Each `unsafe` block states why it is sound.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

/// Puts a file descriptor (a pipe end) into non-blocking mode.
pub(crate) fn set_nonblocking(fd: &impl AsRawFd) -> io::Result<()> {
    let fd = fd.as_raw_fd();
    // SAFETY: fcntl with F_GETFL/F_SETFL only reads and writes the status flags of `fd`, which
    // the caller owns (it borrows the owning handle for the duration of the call).
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Asks for a pipe of `bytes` capacity (Linux `F_SETPIPE_SZ`); silently keeps the current size
/// where the system refuses (or elsewhere than Linux).
pub(crate) fn grow_pipe(fd: &impl AsRawFd, bytes: usize) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: F_SETPIPE_SZ only changes the capacity of the pipe behind `fd`, which the
        // caller owns; it passes an integer, no memory.
        unsafe {
            libc::fcntl(fd.as_raw_fd(), libc::F_SETPIPE_SZ, bytes as libc::c_int);
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (fd, bytes);
}

/// What to wait for on one descriptor.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interest {
    pub(crate) fd: RawFd,
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

/// Waits until one of `interests` is ready or `timeout_ms` passes; returns one readiness per
/// interest, in order. `EINTR` counts as a timeout (the caller loops anyway).
pub(crate) fn poll(interests: &[Interest], timeout_ms: i32) -> io::Result<Vec<Readiness>> {
    let mut fds: Vec<libc::pollfd> = interests
        .iter()
        .map(|i| libc::pollfd {
            fd: i.fd,
            events: (if i.read { libc::POLLIN } else { 0 })
                | (if i.write { libc::POLLOUT } else { 0 }),
            revents: 0,
        })
        .collect();
    // SAFETY: `fds` is a live, exclusively borrowed array of `fds.len()` pollfd structs; poll
    // writes only their `revents` fields.
    let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
    if n < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(fds
        .iter()
        .map(|p| Readiness {
            readable: p.revents & libc::POLLIN != 0,
            writable: p.revents & libc::POLLOUT != 0,
            closed: p.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0,
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
pub(crate) fn wait4(pid: u32, block: bool) -> io::Result<Option<Reaped>> {
    let mut status: libc::c_int = 0;
    let flags = if block { 0 } else { libc::WNOHANG };
    loop {
        // SAFETY: `status` is a valid, exclusively borrowed out-parameter and a null rusage
        // pointer is allowed; wait4 only affects the child `pid`, which this process spawned
        // and has not reaped.
        let r =
            unsafe { libc::wait4(pid as libc::pid_t, &mut status, flags, std::ptr::null_mut()) };
        if r < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if r == 0 {
            return Ok(None);
        }
        return Ok(Some(Reaped {
            status: ExitStatus::from_raw(status),
        }));
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
pub(crate) fn kill_group(pgid: u32) {
    // SAFETY: kill has no memory effects; a negative pid addresses the process group, which by
    // the contract above belongs to our unreaped child (or is already empty: ESRCH, ignored).
    unsafe {
        libc::kill(-(pgid as libc::pid_t), libc::SIGKILL);
    }
}

/// If this process leads its own process group, sends SIGKILL to the group, this process
/// included (a command launcher whose parent died takes the program and everything it started
/// with it). Otherwise does nothing: the group is someone else's (a shell's).
pub(crate) fn kill_own_group_if_leader() {
    // SAFETY: getpgrp takes no arguments, cannot fail and has no memory effects.
    let leader = unsafe { libc::getpgrp() } == std::process::id() as libc::pid_t;
    if leader {
        // SAFETY: kill has no memory effects; pid 0 addresses the caller's own process group,
        // which this process leads (checked above).
        unsafe {
            libc::kill(0, libc::SIGKILL);
        }
    }
}

/// A pollable descriptor that becomes readable when child `pid` exits (Linux 5.3+
/// `pidfd_open`). `Err` where the kernel or platform lacks it; the caller then waits blocking.
pub(crate) fn pidfd_open(pid: u32) -> io::Result<std::os::fd::OwnedFd> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::FromRawFd;
        // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor (close-on-exec)
        // or -1; no memory is passed.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `fd` is a fresh descriptor that nothing else owns.
        Ok(unsafe { std::os::fd::OwnedFd::from_raw_fd(fd as RawFd) })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        Err(io::Error::from(io::ErrorKind::Unsupported))
    }
}

/// Sends SIGKILL to child `pid`. The caller guarantees that `pid` has not been reaped yet, so it
/// still names that child (a zombie at worst) and never a recycled pid.
pub(crate) fn kill(pid: u32) {
    // SAFETY: kill has no memory effects; the pid is an unreaped child of this process (see the
    // function's contract), so the signal cannot reach an unrelated process.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGKILL);
    }
}

/// In a worker: asks the kernel to SIGKILL this process when its parent dies, then checks that
/// the parent is still `expected_parent` (it may have died before the request took effect).
pub(crate) fn die_with_parent(expected_parent: u32) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: PR_SET_PDEATHSIG takes a signal number and changes only this process's
        // parent-death signal; no memory is passed.
        let r = unsafe {
            libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
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
