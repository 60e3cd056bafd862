//! Interference observed while something was measured: CPU time of other processes, steal
//! time, involuntary context switches and runnable tasks over a window (taken by
//! `parbench_harness::interference`), and when such a window counts as disturbed.

use serde::{Deserialize, Serialize};

/// Other processes using more than this many cores on average (or the hypervisor stealing as
/// much) disturb a measurement on a small machine.
pub const DISTURBED_CORES: f64 = 0.25;

/// How much CPU time the machine-wide counters can be off by over one window, in seconds.
/// Linux's `/proc/stat` counts in ticks of 10 ms (USER_HZ is 100 on every architecture), and
/// both ends of a window are rounded down, while this process's own time (getrusage) is exact:
/// on an idle 2-core VM every window flagged "other processes used 0.26–0.60 cores" in a
/// default run lasted 20–50 ms and held at most 20 ms of unexplained time (see round 4's
/// closing note). A window is judged disturbed only when what others used exceeds this
/// allowance too.
pub const COUNTER_RESOLUTION_S: f64 = 0.02;

/// Interference observed between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interference {
    /// Wall time of the window, in seconds.
    pub wall_s: f64,
    /// CPU used by other processes, in cores (CPU seconds per wall second).
    pub others_cores: f64,
    /// CPU stolen by the hypervisor, in cores.
    pub steal_cores: f64,
    /// CPU used by this process and its children, in cores.
    pub own_cores: f64,
    /// Involuntary context switches of this process's threads.
    pub involuntary_switches: u64,
    /// The most runnable tasks the kernel reported at either end (this process's included).
    pub runnable: u32,
}

impl Interference {
    /// Why this window counts as disturbed, or `None`.
    pub fn disturbed(&self) -> Option<String> {
        if self.beyond_resolution(self.others_cores) > DISTURBED_CORES {
            Some(format!(
                "other processes used {:.2} cores",
                self.others_cores
            ))
        } else if self.beyond_resolution(self.steal_cores) > DISTURBED_CORES {
            Some(format!(
                "the hypervisor stole {:.2} cores",
                self.steal_cores
            ))
        } else {
            None
        }
    }

    /// `cores` less what the counters' resolution could explain over this window: the least
    /// that was surely used.
    fn beyond_resolution(&self, cores: f64) -> f64 {
        if self.wall_s <= 0.0 {
            return 0.0;
        }
        (cores - COUNTER_RESOLUTION_S / self.wall_s).max(0.0)
    }

    /// The time-weighted average of several windows.
    pub fn combine(windows: &[Interference]) -> Option<Interference> {
        let wall: f64 = windows.iter().map(|w| w.wall_s).sum();
        if windows.is_empty() || wall <= 0.0 {
            return None;
        }
        let avg = |f: fn(&Interference) -> f64| {
            windows.iter().map(|w| f(w) * w.wall_s).sum::<f64>() / wall
        };
        Some(Interference {
            wall_s: wall,
            others_cores: avg(|w| w.others_cores),
            steal_cores: avg(|w| w.steal_cores),
            own_cores: avg(|w| w.own_cores),
            involuntary_switches: windows.iter().map(|w| w.involuntary_switches).sum(),
            runnable: windows.iter().map(|w| w.runnable).max().unwrap_or(0),
        })
    }
}
