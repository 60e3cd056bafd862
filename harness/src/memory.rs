//! Resident memory of this process, for the memory figures of a point: current and peak RSS
//! (`VmRSS`, `VmHWM` in `/proc/self/status`) and a reset of the peak (writing `5` to
//! `/proc/self/clear_refs`) so the peak *during one point* can be read. Linux only; elsewhere
//! every figure is `None`, never a guess. Free heap memory is handed back to the system before a
//! window starts (glibc `malloc_trim`), so the allocator cannot hide a point's allocations in
//! pages an earlier point left resident. Also the memory a process may use at most
//! ([`memory_limit`]: the machine's memory, a cgroup's `memory.max`, `ulimit -v`), against which
//! plans are checked before anything runs.

/// A field of a `/proc/*/status` text in bytes (`VmRSS:   1234 kB`).
fn status_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
}

/// `VmRSS` and `VmHWM` of this process, in bytes.
fn status_fields() -> Option<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    Some((
        status_field(&text, "VmRSS:")?,
        status_field(&text, "VmHWM:")?,
    ))
}

/// Resident memory of another process (a worker), in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessMemory {
    /// Peak resident set size (`VmHWM`).
    pub peak_rss: u64,
    /// Resident shared memory now (`RssShmem`): pages of shared mappings (the shared-memory
    /// transport's file) that other processes hold too.
    pub shared: u64,
}

impl ProcessMemory {
    /// The peak minus the shared pages: what this process holds on its own (exact when the peak
    /// is reached with the shared pages mapped, which is the case for parbench's workers).
    pub fn private_peak(&self) -> u64 {
        self.peak_rss.saturating_sub(self.shared)
    }
}

/// Reads the memory of process `pid` from `/proc/<pid>/status` (Linux; `None` elsewhere).
pub fn process_memory(pid: u32) -> Option<ProcessMemory> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    Some(ProcessMemory {
        peak_rss: status_field(&text, "VmHWM:")?,
        shared: status_field(&text, "RssShmem:").unwrap_or(0),
    })
}

/// This process's resident set size now, in bytes.
pub fn current_rss() -> Option<u64> {
    status_fields().map(|(rss, _)| rss)
}

/// The peak resident set size since start (or since the last reset), in bytes.
pub fn peak_rss() -> Option<u64> {
    status_fields().map(|(_, hwm)| hwm)
}

/// The growth of this process's peak RSS over a stretch of work (one point).
#[derive(Debug, Clone, Copy)]
pub struct PeakWindow {
    start_rss: u64,
}

impl PeakWindow {
    /// Returns free heap memory to the system (so pages freed by earlier work cannot be reused
    /// unseen), resets the peak to the current RSS and remembers that level. `None` when the
    /// kernel does not allow the reset (then no peak of the window can be known).
    pub fn start() -> Option<PeakWindow> {
        #[cfg(unix)]
        crate::sys::release_free_memory();
        std::fs::write("/proc/self/clear_refs", "5").ok()?;
        let (rss, hwm) = status_fields()?;
        // After a reset VmHWM equals VmRSS (give or take pages touched in between).
        (hwm <= rss + (1 << 20)).then_some(PeakWindow { start_rss: rss })
    }

    /// Bytes by which the peak RSS since [`start`](Self::start) exceeds the RSS at the start:
    /// the extra resident memory the window needed.
    pub fn growth(&self) -> Option<u64> {
        peak_rss().map(|hwm| hwm.saturating_sub(self.start_rss))
    }
}

/// The most memory this process can use, and what sets that limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLimit {
    /// The limit, in bytes.
    pub bytes: u64,
    /// What sets it: `this machine's memory`, `the cgroup's memory.max`, `the address-space
    /// limit (ulimit -v)`.
    pub source: &'static str,
}

/// The `MemTotal` of a `/proc/meminfo` text, in bytes.
fn meminfo_total(text: &str) -> Option<u64> {
    status_field(text, "MemTotal:")
}

/// The `memory.max` of this process's cgroup (v2), in bytes; `None` when unlimited or unknown.
fn cgroup_memory_max() -> Option<u64> {
    let cgroups = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    // cgroup v2: the single line `0::/path`.
    let path = cgroups.lines().find_map(|l| l.strip_prefix("0::"))?;
    let file = format!("/sys/fs/cgroup{}/memory.max", path.trim_end_matches('/'));
    std::fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// The soft address-space limit (`ulimit -v`), in bytes; `None` when unlimited.
#[cfg(unix)]
fn address_space_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` into the struct it is given, which lives on this
    // stack frame for the duration of the call.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_AS, &mut limit) };
    // `rlim_t` is not `u64` on every Unix.
    #[allow(clippy::unnecessary_cast)]
    let current = limit.rlim_cur as u64;
    (rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
}

#[cfg(not(unix))]
fn address_space_limit() -> Option<u64> {
    None
}

/// The smallest of this machine's memory (`MemTotal`), the cgroup's `memory.max` and the
/// address-space limit: no point can hold more than this. `None` where none can be read.
pub fn memory_limit() -> Option<MemoryLimit> {
    let candidates = [
        std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|t| meminfo_total(&t))
            .map(|bytes| MemoryLimit {
                bytes,
                source: "this machine's memory",
            }),
        cgroup_memory_max().map(|bytes| MemoryLimit {
            bytes,
            source: "the cgroup's memory.max",
        }),
        address_space_limit().map(|bytes| MemoryLimit {
            bytes,
            source: "the address-space limit (ulimit -v)",
        }),
    ];
    candidates.into_iter().flatten().min_by_key(|l| l.bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_sees_memory_touched_inside_it() {
        let Some(w) = PeakWindow::start() else {
            eprintln!("skipped: /proc/self/clear_refs is not available here");
            return;
        };
        let mut v = vec![0u8; 64 << 20];
        // Touch every page so it becomes resident.
        for i in (0..v.len()).step_by(4096) {
            v[i] = 1;
        }
        std::hint::black_box(&v);
        let grew = w.growth().unwrap();
        drop(v);
        // Other tests run concurrently in this process, so only a lower bound holds.
        assert!(grew >= 60 << 20, "grew {grew}");
        assert!(current_rss().unwrap() > 0);
        let me = process_memory(std::process::id()).unwrap();
        assert!(me.peak_rss >= me.private_peak());
    }

    #[test]
    fn the_memory_limit_is_known() {
        assert_eq!(
            meminfo_total("MemTotal:       16318248 kB\nMemFree: 1 kB\n"),
            Some(16318248 * 1024)
        );
        if cfg!(target_os = "linux") {
            let limit = memory_limit().unwrap();
            assert!(limit.bytes > 1 << 20, "{limit:?}");
        }
    }
}
