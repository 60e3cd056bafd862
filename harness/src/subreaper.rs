//! Orphans do not outlive the run (Linux): `parbench run` makes itself a *child subreaper*
//! (`PR_SET_CHILD_SUBREAPER`), so a process that a command suite's program (or a worker) leaves
//! behind, even one that left the process group with `setsid` or double-forked into a daemon,
//! is re-parented to parbench instead of init when its parent exits. [`kill_orphans`] then
//! kills and reaps every child of parbench that is not one of its registered worker processes
//! or command launchers: after every command run and after every point.
//!
//! Elsewhere (other systems, or when the call is refused) [`enable`] reports false and
//! [`kill_orphans`] does nothing; such processes can outlive the run, as the README says.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Makes this process the subreaper of its descendants; true when it is one now.
pub fn enable() -> bool {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: prctl(PR_SET_CHILD_SUBREAPER, 1) takes plain integer arguments, touches no
        // memory of this process and only changes who adopts its orphaned descendants.
        let r = unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1 as libc::c_ulong, 0, 0, 0) };
        if r == 0 {
            ENABLED.store(true, Ordering::SeqCst);
        }
    }
    enabled()
}

/// Whether [`enable`] succeeded in this process.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::SeqCst)
}

/// Children of this process (every thread's), from `/proc/self/task/*/children`.
#[cfg(target_os = "linux")]
fn children() -> Vec<u32> {
    let mut out = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        if let Ok(text) = std::fs::read_to_string(task.path().join("children")) {
            out.extend(
                text.split_whitespace()
                    .filter_map(|p| p.parse::<u32>().ok()),
            );
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// Kills (SIGKILL) and reaps every child of this process that is not a registered worker
/// process or command launcher: orphans adopted as subreaper, and what they started in turn
/// (adopted once they are killed). Returns how many it ended. Does nothing unless [`enable`]d.
pub fn kill_orphans() -> usize {
    if !enabled() {
        return 0;
    }
    #[cfg(target_os = "linux")]
    {
        // Held throughout: a worker is registered under this lock as it is spawned, so every
        // unregistered child seen here is an orphan (or a zombie of one).
        let live = crate::worker_process::live();
        kill_orphans_except(&live)
    }
    #[cfg(not(target_os = "linux"))]
    0
}

/// [`kill_orphans`] with the registry already locked (`live`: the registered children).
pub(crate) fn kill_orphans_except(live: &[u32]) -> usize {
    let _ = live;
    if !enabled() {
        return 0;
    }
    let mut ended = 0;
    #[cfg(target_os = "linux")]
    for _round in 0..16 {
        let orphans: Vec<u32> = children()
            .into_iter()
            .filter(|p| !live.contains(p))
            .collect();
        if orphans.is_empty() {
            break;
        }
        for &pid in &orphans {
            // An unreaped child of this process: the pid cannot name anyone else.
            crate::sys::kill(pid);
        }
        for &pid in &orphans {
            // A killed process exits at once unless it sleeps uninterruptibly; do not hang.
            let until = Instant::now() + Duration::from_secs(1);
            loop {
                match crate::sys::wait4(pid, false) {
                    Ok(Some(_)) | Err(_) => {
                        ended += 1;
                        break;
                    }
                    Ok(None) if Instant::now() < until => {
                        std::thread::sleep(Duration::from_millis(1))
                    }
                    Ok(None) => break,
                }
            }
        }
        // What they started is adopted now that they are gone: look again.
    }
    ended
}
