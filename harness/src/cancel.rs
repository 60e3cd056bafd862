//! Cooperative cancellation of in-process work. The measurement engine (and the runner, for a
//! point's reference and first run) arms a deadline around every computation it times; the
//! user's Ctrl-C [`interrupt`]s the whole process. Kernels poll [`requested`] at their
//! chunk, row or step boundaries (one relaxed atomic load) and return early when it is set; the
//! caller then discards what they return and fails the point ("timed out after 2 s") or stops
//! the run.
//!
//! The state is process-wide, because kernels run on threads the caller does not own (rayon
//! pools, scoped workers) and take no context: one armed computation at a time per process,
//! as in a parbench run. A [`Deadline`] that a newer one replaced no longer fires. A watchdog
//! thread, started at the first arm, turns an expired deadline into the flag kernels see
//! (within [`WATCHDOG_PERIOD`]), so polling costs no clock read.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// How often the watchdog looks at the armed deadline: the lateness of a timeout's flag.
pub const WATCHDOG_PERIOD: Duration = Duration::from_millis(20);

/// Generation of the armed deadline (0: none).
static ARMED: AtomicU64 = AtomicU64::new(0);
/// Its expiry, in nanoseconds since [`epoch`].
static EXPIRES: AtomicU64 = AtomicU64::new(u64::MAX);
/// The generation whose deadline the watchdog found expired (0: none).
static FIRED: AtomicU64 = AtomicU64::new(0);
/// Generations handed out so far.
static GENERATIONS: AtomicU64 = AtomicU64::new(0);
/// Set by [`interrupt`], never cleared.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Why work was cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Cancelled {
    /// The armed deadline passed.
    #[error("timed out after {}", format_limit(*.0))]
    TimedOut(Duration),
    /// The user interrupted the run.
    #[error("interrupted")]
    Interrupted,
}

/// `2 s`, `1.5 s`, `250 ms`: a configured limit as people write it.
pub fn format_limit(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{} s", d.as_secs())
    } else if d >= Duration::from_secs(1) {
        format!("{} s", d.as_secs_f64())
    } else if d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{} ms", d.as_millis())
    } else {
        parbench_schema::Nanos::from_duration(d).to_string()
    }
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

fn nanos_since_epoch(t: Instant) -> u64 {
    u64::try_from(t.saturating_duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX)
}

/// Whether the computation running now should stop: its deadline passed or the user
/// interrupted. Cheap enough to call every few microseconds of work.
#[inline]
pub fn requested() -> bool {
    if INTERRUPTED.load(Ordering::Relaxed) {
        return true;
    }
    let fired = FIRED.load(Ordering::Relaxed);
    fired != 0 && fired == ARMED.load(Ordering::Relaxed)
}

/// Interrupts every computation of this process, now and later (Ctrl-C). Async-signal-safe
/// (one atomic store).
pub fn interrupt() {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// Whether [`interrupt`] was called.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sums `f(lo, hi)` over consecutive sub-ranges of `start..end` at most `step` long, stopping
/// early (with a partial sum) once cancellation is [`requested`]: the polling loop of a kernel
/// whose work is a long range of independent items.
#[inline]
pub fn sum_in_steps(start: u64, end: u64, step: u64, mut f: impl FnMut(u64, u64) -> u64) -> u64 {
    let step = step.max(1);
    let mut total = 0u64;
    let mut lo = start;
    while lo < end {
        if requested() {
            break;
        }
        let hi = lo.saturating_add(step).min(end);
        total = total.wrapping_add(f(lo, hi));
        lo = hi;
    }
    total
}

/// An armed deadline: while it lives (and no newer one replaced it), [`requested`] turns true
/// once `limit` has passed since it was armed. Dropping it disarms it.
#[derive(Debug)]
pub struct Deadline {
    generation: u64,
    at: Instant,
    limit: Duration,
}

impl Deadline {
    /// Arms a deadline `limit` from now (replacing the one armed before, if any).
    pub fn arm(limit: Duration) -> Deadline {
        let start = Instant::now();
        let at = start
            .checked_add(limit)
            .unwrap_or(start + Duration::from_secs(1 << 40));
        let generation = GENERATIONS.fetch_add(1, Ordering::SeqCst) + 1;
        EXPIRES.store(nanos_since_epoch(at), Ordering::SeqCst);
        ARMED.store(generation, Ordering::SeqCst);
        watchdog();
        Deadline {
            generation,
            at,
            limit,
        }
    }

    /// Whether the deadline has passed (by this caller's clock, whether or not the watchdog has
    /// raised the flag yet).
    pub fn expired(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The configured limit.
    pub fn limit(&self) -> Duration {
        self.limit
    }

    /// Why the work timed by this deadline must be discarded, if it must: the user interrupted,
    /// or the deadline passed.
    pub fn check(&self) -> Result<(), Cancelled> {
        if interrupted() {
            Err(Cancelled::Interrupted)
        } else if self.expired() {
            Err(Cancelled::TimedOut(self.limit))
        } else {
            Ok(())
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        // Only the armed generation disarms: a replaced deadline leaves the newer one alone.
        if ARMED
            .compare_exchange(self.generation, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            EXPIRES.store(u64::MAX, Ordering::SeqCst);
        }
    }
}

/// Starts the watchdog thread once.
fn watchdog() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let _ = epoch();
        // Without the thread, kernels see only interrupts; the caller's `Deadline::check` still
        // fails a late iteration once it returns.
        let _ = std::thread::Builder::new()
            .name("parbench-deadline".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(WATCHDOG_PERIOD);
                    let generation = ARMED.load(Ordering::SeqCst);
                    let expires = EXPIRES.load(Ordering::SeqCst);
                    // Re-read: a deadline armed between the two loads is judged next time.
                    if generation != 0
                        && ARMED.load(Ordering::SeqCst) == generation
                        && nanos_since_epoch(Instant::now()) >= expires
                    {
                        FIRED.store(generation, Ordering::SeqCst);
                    }
                }
            });
    });
}

/// The state is process-wide: the unit tests that arm deadlines (these, the engine's) take
/// turns, so that one's expiry never cancels another's work.
#[cfg(test)]
pub(crate) fn test_turn() -> std::sync::MutexGuard<'static, ()> {
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_raises_the_flag_and_disarming_lowers_it() {
        let _turn = test_turn();
        let d = Deadline::arm(Duration::from_millis(30));
        assert!(!requested());
        assert_eq!(d.check(), Ok(()));
        let t = Instant::now();
        while !requested() {
            assert!(t.elapsed() < Duration::from_secs(2), "the flag never rose");
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(d.expired());
        assert_eq!(
            d.check(),
            Err(Cancelled::TimedOut(Duration::from_millis(30)))
        );
        assert_eq!(d.check().unwrap_err().to_string(), "timed out after 30 ms");
        drop(d);
        assert!(!requested(), "a disarmed deadline still cancels");
        // A fresh deadline starts clear.
        let d = Deadline::arm(Duration::from_secs(60));
        assert!(!requested());
        drop(d);
    }

    #[test]
    fn a_replaced_deadline_does_not_fire() {
        let _turn = test_turn();
        let old = Deadline::arm(Duration::from_millis(1));
        let new = Deadline::arm(Duration::from_secs(60));
        std::thread::sleep(WATCHDOG_PERIOD * 4);
        assert!(!requested());
        drop(old);
        assert!(!requested());
        assert_eq!(new.check(), Ok(()));
    }

    #[test]
    fn sum_in_steps_covers_the_range_and_stops_when_cancelled() {
        let _turn = test_turn();
        assert_eq!(sum_in_steps(3, 1003, 7, |a, b| b - a), 1000);
        assert_eq!(sum_in_steps(0, 0, 7, |a, b| b - a), 0);
        let _d = Deadline::arm(Duration::from_millis(10));
        let t = Instant::now();
        // About 1e18 steps: only cancellation ends it.
        let s = sum_in_steps(0, u64::MAX, 1, |_, _| {
            std::hint::spin_loop();
            1
        });
        assert!(s > 0);
        assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    }

    #[test]
    fn limits_read_as_written() {
        assert_eq!(format_limit(Duration::from_secs(2)), "2 s");
        assert_eq!(format_limit(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(format_limit(Duration::from_millis(250)), "250 ms");
    }
}
