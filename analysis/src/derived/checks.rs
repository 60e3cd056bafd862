//! Self-checks that catch a wrong comparison: a 1-worker variant far from serial, a speedup
//! above the worker count, a point measured while the machine was busy, too few samples. A
//! failed check becomes a [`Flag`] with its likely causes; flagged points are never headlines.

use parbench_schema::interference::{DISTURBED_CORES, Interference};
use parbench_schema::results::{ExecutionModel, Flag, FlagKind, Point, SyncKind};

/// A 1-worker variant may differ from `serial` by its interval plus this much before it is
/// flagged.
pub const ONE_WORKER_TOLERANCE: f64 = 0.15;
/// Fewer samples than this give no interval worth printing.
pub const MIN_SAMPLES: usize = 5;
/// A point whose repetitions were disturbed more often than this share is flagged.
pub const DISTURBED_SHARE: f64 = 1.0 / 3.0;

/// Checks of the point on its own: enough samples, a quiet machine.
pub fn own_flags(p: &Point) -> Vec<Flag> {
    let mut flags = Vec::new();
    let Some(m) = &p.measurement else {
        return flags;
    };
    if m.samples_ns.len() < MIN_SAMPLES {
        flags.push(Flag {
            kind: FlagKind::FewSamples,
            message: format!(
                "{} samples: fewer than {MIN_SAMPLES}, too few for an interval",
                m.samples_ns.len()
            ),
        });
    }
    let disturbed: Vec<&parbench_schema::results::Repetition> = m
        .repetitions
        .iter()
        .filter(|r| r.disturbed.is_some())
        .collect();
    let share = disturbed.len() as f64 / m.repetitions.len().max(1) as f64;
    if !m.repetitions.is_empty() && share > DISTURBED_SHARE {
        let windows: Vec<Interference> = disturbed.iter().filter_map(|r| r.interference).collect();
        let others =
            Interference::combine(&windows).map_or(0.0, |i| i.others_cores.max(i.steal_cores));
        let first = disturbed[0].disturbed.as_deref().unwrap_or("disturbed");
        flags.push(Flag {
            kind: FlagKind::Disturbed,
            message: format!(
                "{} of {} repetitions disturbed even after measuring them again (for example: {first}; other processes or the hypervisor used {others:.2} cores on average, the limit is {DISTURBED_CORES})",
                disturbed.len(),
                m.repetitions.len()
            ),
        });
    }
    flags
}

/// Whether a variant at one worker is meant to match serial: no synchronization and a
/// thread-based model (locks, message passing and worker processes cost something by design).
fn should_match_serial(p: &Point) -> bool {
    p.sync == SyncKind::None && matches!(p.model, ExecutionModel::Threads | ExecutionModel::Rayon)
}

/// Checks of a speedup `s` (interval `ci`) of `p` against its baseline `base`.
pub fn speedup_flags(p: &Point, base: &Point, s: f64, ci: [f64; 2]) -> Vec<Flag> {
    let mut flags = Vec::new();
    if p.model == ExecutionModel::Opencl || p.model == ExecutionModel::Serial {
        return flags;
    }
    let up = 1.0 + ONE_WORKER_TOLERANCE;
    if p.workers == 1 && base.variant == crate::derived::BASELINE_VARIANT {
        if ci[0] > up {
            flags.push(Flag {
                kind: FlagKind::OneWorkerOffSerial,
                message: format!(
                    "at 1 worker {s:.2}× faster than serial (interval {:.2}–{:.2}): one worker cannot beat the serial kernel unless it runs a different kernel, its buffers landed better in memory, or the serial point was disturbed",
                    ci[0], ci[1]
                ),
            });
        } else if ci[1] < 1.0 / up && should_match_serial(p) {
            flags.push(Flag {
                kind: FlagKind::OneWorkerOffSerial,
                message: format!(
                    "at 1 worker only {s:.2}× of serial (interval {:.2}–{:.2}): a variant without synchronization should match serial; likely a different (unvectorized) kernel, the pool's dispatch overhead on a tiny problem, or memory placement",
                    ci[0], ci[1]
                ),
            });
        }
    }
    let workers = f64::from(p.workers);
    if p.workers >= 2 && (ci[0] > workers || s > workers * 1.10) {
        flags.push(Flag {
            kind: FlagKind::Superlinear,
            message: format!(
                "speedup {s:.2}× (interval {:.2}–{:.2}) above the {} workers: superlinear; likely the working set fits the caches of more cores, a different kernel, or a disturbed baseline",
                ci[0], ci[1], p.workers
            ),
        });
    }
    if base
        .derived
        .flags
        .iter()
        .any(|f| f.kind == FlagKind::Disturbed)
    {
        flags.push(Flag {
            kind: FlagKind::Disturbed,
            message: format!(
                "its baseline ({}) was measured on a busy machine",
                base.variant
            ),
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::point;

    #[test]
    fn one_worker_far_from_serial_is_flagged_both_ways_only_where_it_should_match() {
        let serial = point("sq", "serial", 1, 400.0, 0.01, 1);
        let mut rayon = point("sq", "rayon", 1, 400.0, 0.01, 2);
        rayon.model = ExecutionModel::Rayon;
        let kinds = |f: Vec<Flag>| f.into_iter().map(|f| f.kind).collect::<Vec<_>>();
        assert_eq!(
            kinds(speedup_flags(&rayon, &serial, 2.41, [2.2, 2.6])),
            [FlagKind::OneWorkerOffSerial]
        );
        assert_eq!(
            kinds(speedup_flags(&rayon, &serial, 0.6, [0.55, 0.65])),
            [FlagKind::OneWorkerOffSerial]
        );
        // Within the interval plus 15%: fine.
        assert!(speedup_flags(&rayon, &serial, 0.9, [0.8, 1.0]).is_empty());
        // A mutex at one worker pays for its lock by design.
        let mut mutex = rayon.clone();
        mutex.model = ExecutionModel::Threads;
        mutex.sync = SyncKind::Mutex;
        assert!(speedup_flags(&mutex, &serial, 0.4, [0.35, 0.45]).is_empty());
    }

    #[test]
    fn superlinear_speedups_are_flagged() {
        let serial = point("sq", "serial", 1, 400.0, 0.01, 1);
        let mut threads = point("sq", "threads", 2, 150.0, 0.01, 2);
        threads.model = ExecutionModel::Threads;
        let f = speedup_flags(&threads, &serial, 2.62, [2.5, 2.7]);
        assert_eq!(f[0].kind, FlagKind::Superlinear);
        assert!(f[0].message.contains("2.62×"));
        assert!(speedup_flags(&threads, &serial, 1.95, [1.9, 2.05]).is_empty());
    }

    #[test]
    fn few_samples_and_disturbed_repetitions_are_flagged() {
        use parbench_schema::results::Repetition;
        let mut p = point("sq", "serial", 1, 400.0, 0.01, 3);
        let m = p.measurement.as_mut().unwrap();
        m.samples_ns.truncate(3);
        let busy = Interference {
            wall_s: 0.2,
            others_cores: 0.9,
            steal_cores: 0.0,
            own_cores: 1.0,
            involuntary_switches: 40,
            runnable: 3,
        };
        m.repetitions = (0..3)
            .map(|round| Repetition {
                round,
                samples: 1,
                iters_per_sample: 1,
                median_ns: parbench_schema::Nanos(400.0),
                attempts: 3,
                interference: Some(busy),
                disturbed: (round < 2).then(|| "other processes used 0.90 cores".into()),
            })
            .collect();
        let kinds: Vec<FlagKind> = own_flags(&p).into_iter().map(|f| f.kind).collect();
        assert_eq!(kinds, [FlagKind::FewSamples, FlagKind::Disturbed]);
    }
}
