//! What the operating system says about interference while something was measured: CPU time
//! used by other processes (all CPU time on the machine minus this process's and its
//! children's), steal time taken by the hypervisor, involuntary context switches of this
//! process, and runnable tasks. Linux reads `/proc`; elsewhere nothing is known.

use std::time::Instant;

use parbench_schema::interference::Interference;

/// Counters at one instant.
#[derive(Debug, Clone)]
pub struct Snapshot {
    at: Instant,
    /// CPU seconds spent by the whole machine outside idle, I/O wait and steal.
    machine_busy_s: f64,
    steal_s: f64,
    /// This process's and its children's CPU seconds (reaped and live).
    own_s: f64,
    involuntary_switches: u64,
    runnable: u32,
}

impl Snapshot {
    /// The counters now, or `None` where the system does not tell.
    pub fn take() -> Option<Snapshot> {
        imp::take()
    }

    /// What happened between `self` and `later`.
    pub fn until(&self, later: &Snapshot) -> Interference {
        let wall = later.at.duration_since(self.at).as_secs_f64().max(1e-9);
        let busy = (later.machine_busy_s - self.machine_busy_s).max(0.0);
        let own = (later.own_s - self.own_s).max(0.0);
        Interference {
            wall_s: wall,
            // Tick accounting (10 ms) can put a little of this process's time on the other side.
            others_cores: ((busy - own) / wall).max(0.0),
            steal_cores: ((later.steal_s - self.steal_s) / wall).max(0.0),
            own_cores: own / wall,
            involuntary_switches: later
                .involuntary_switches
                .saturating_sub(self.involuntary_switches),
            runnable: self.runnable.max(later.runnable),
        }
    }
}

/// Watches the machine for `window` while doing nothing: how busy it is without parbench.
pub fn probe_idle(window: std::time::Duration) -> Option<Interference> {
    let a = Snapshot::take()?;
    std::thread::sleep(window);
    Some(a.until(&Snapshot::take()?))
}

#[cfg(target_os = "linux")]
mod imp {
    use super::Snapshot;
    use std::time::Instant;

    fn ticks_per_second() -> f64 {
        // SAFETY: sysconf only reads a configuration value.
        let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if t > 0 { t as f64 } else { 100.0 }
    }

    /// (busy, steal) seconds of the whole machine and the runnable tasks, from /proc/stat.
    fn machine() -> Option<(f64, f64, u32)> {
        let text = std::fs::read_to_string("/proc/stat").ok()?;
        let hz = ticks_per_second();
        let mut busy = None;
        let mut runnable = 0;
        for line in text.lines() {
            let mut fields = line.split_ascii_whitespace();
            match fields.next() {
                Some("cpu") => {
                    let v: Vec<f64> = fields.filter_map(|f| f.parse().ok()).collect();
                    // user nice system idle iowait irq softirq steal (guest time is inside user).
                    if v.len() >= 8 {
                        busy = Some(((v[0] + v[1] + v[2] + v[5] + v[6]) / hz, v[7] / hz));
                    }
                }
                Some("procs_running") => {
                    runnable = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
                }
                _ => {}
            }
        }
        busy.map(|(b, s)| (b, s, runnable))
    }

    fn rusage(who: libc::c_int) -> Option<libc::rusage> {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage writes one rusage into the buffer it is given, which lives here.
        let rc = unsafe { libc::getrusage(who, usage.as_mut_ptr()) };
        // SAFETY: a zeroed rusage is a valid value, and getrusage filled it on success.
        (rc == 0).then(|| unsafe { usage.assume_init() })
    }

    fn seconds(t: libc::timeval) -> f64 {
        t.tv_sec as f64 + t.tv_usec as f64 * 1e-6
    }

    /// CPU seconds of this process's live children (pool workers, a command's program), which
    /// getrusage counts only once they are reaped.
    fn live_children_s(hz: f64) -> f64 {
        let me = std::process::id().to_string();
        let Ok(dir) = std::fs::read_dir("/proc") else {
            return 0.0;
        };
        let mut total = 0.0;
        for entry in dir.flatten() {
            let name = entry.file_name();
            let Some(pid) = name
                .to_str()
                .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            else {
                continue;
            };
            let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // The command name is in parentheses and may hold spaces: fields follow the last ')'.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                continue;
            };
            let f: Vec<&str> = rest.split_ascii_whitespace().collect();
            // state ppid ... utime(14th field overall = index 11 here) stime(12)
            if f.len() > 12 && f[1] == me {
                let ticks: f64 =
                    f[11].parse::<f64>().unwrap_or(0.0) + f[12].parse::<f64>().unwrap_or(0.0);
                total += ticks / hz;
            }
        }
        total
    }

    pub(super) fn take() -> Option<Snapshot> {
        let (machine_busy_s, steal_s, runnable) = machine()?;
        let me = rusage(libc::RUSAGE_SELF)?;
        let reaped = rusage(libc::RUSAGE_CHILDREN)?;
        let own_s = seconds(me.ru_utime)
            + seconds(me.ru_stime)
            + seconds(reaped.ru_utime)
            + seconds(reaped.ru_stime)
            + live_children_s(ticks_per_second());
        Some(Snapshot {
            at: Instant::now(),
            machine_busy_s,
            steal_s,
            own_s,
            involuntary_switches: me.ru_nivcsw as u64,
            runnable,
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    pub(super) fn take() -> Option<super::Snapshot> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(others: f64, steal: f64, wall: f64) -> Interference {
        Interference {
            wall_s: wall,
            others_cores: others,
            steal_cores: steal,
            own_cores: 1.0,
            involuntary_switches: 3,
            runnable: 2,
        }
    }

    #[test]
    fn thresholds_and_weighted_combination() {
        assert!(window(0.05, 0.0, 1.0).disturbed().is_none());
        assert!(
            window(0.9, 0.0, 1.0)
                .disturbed()
                .unwrap()
                .contains("0.90 cores")
        );
        assert!(window(0.0, 0.5, 1.0).disturbed().unwrap().contains("stole"));
        let c = Interference::combine(&[window(1.0, 0.0, 1.0), window(0.0, 0.0, 3.0)]).unwrap();
        assert!((c.others_cores - 0.25).abs() < 1e-12);
        assert_eq!(c.involuntary_switches, 6);
        assert!(Interference::combine(&[]).is_none());
    }

    #[test]
    fn counter_ticks_in_a_short_window_are_not_a_disturbance() {
        // 20 ms of other time (two /proc/stat ticks) over a 30 ms window reads as 0.67 cores:
        // within the counters' resolution, as every false flag of a default run was.
        assert!(window(0.67, 0.0, 0.03).disturbed().is_none());
        assert!(window(0.0, 0.6, 0.03).disturbed().is_none());
        // The same share over a second is 670 ms of others' work: disturbed.
        assert!(window(0.67, 0.0, 1.0).disturbed().is_some());
        // A short window is still judged when others clearly took a core.
        assert!(window(1.2, 0.0, 0.03).disturbed().is_some());
        // Just above the threshold once the resolution is taken off: 0.25 + 0.02 = 0.27.
        assert!(window(0.28, 0.0, 1.0).disturbed().is_some());
        assert!(window(0.26, 0.0, 1.0).disturbed().is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn own_cpu_time_is_not_counted_as_interference() {
        // Spin until this process has used 0.2 s of CPU (however long a busy machine makes that
        // take): that time must show up as our own, not as other processes' (a fixed wall-clock
        // window would fail whenever others take the cores).
        let a = Snapshot::take().expect("/proc is readable");
        let deadline = Instant::now() + std::time::Duration::from_secs(20);
        let mut x = 0u64;
        while Snapshot::take().unwrap().own_s - a.own_s < 0.2 && Instant::now() < deadline {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
        }
        let w = a.until(&Snapshot::take().unwrap());
        assert!(w.own_cores * w.wall_s >= 0.19, "{w:?}");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
        assert!(w.others_cores + w.own_cores <= cores + 0.25, "{w:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_busy_child_process_counts_as_our_own() {
        // A child that spins is this run's work (a worker process), not interference: its CPU
        // time shows up in this process's own time while it is still running.
        let mut child = std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .unwrap();
        let a = Snapshot::take().unwrap();
        let deadline = Instant::now() + std::time::Duration::from_secs(10);
        let mut grew = 0.0;
        while Instant::now() < deadline && grew < 0.1 {
            std::thread::sleep(std::time::Duration::from_millis(50));
            grew = Snapshot::take().unwrap().own_s - a.own_s;
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(
            grew >= 0.1,
            "a live child's CPU time was not counted: {grew} s"
        );
    }
}
