//! A crew of persistent threads for one prepared execution: spawned once (untimed), woken for
//! every iteration, started together at a spin barrier, and joined when the crew is dropped.
//! Spawning threads inside every timed iteration would add about 50 µs per thread to it.

use crate::exec::SpinBarrier;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long an idle member spins for the next iteration before it sleeps: iterations follow
/// each other closely while the engine samples, and a sleeping thread takes microseconds to wake.
const WAKE_SPIN: Duration = Duration::from_micros(20);
/// After spinning, an idle member yields the CPU between checks for this long before it sleeps:
/// a member that sleeps is woken by the calling thread, and Linux tends to wake it on the waker's
/// CPU (wake-affine), so two workers would share one core for the whole of a short iteration.
const WAKE_YIELD: Duration = Duration::from_millis(10);

/// Why a crew could not start or finish an iteration.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CrewError {
    /// A member's thread could not be spawned.
    #[error("cannot start crew thread {member}: {source}")]
    Spawn {
        /// The member whose thread failed to start.
        member: usize,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A member panicked during the iteration.
    #[error("member {member} panicked: {message}")]
    Panicked {
        /// The member that panicked.
        member: usize,
        /// The panic's message.
        message: String,
    },
    /// A member left no result (it did not take part in the iteration).
    #[error("a crew member reported nothing")]
    Silent,
}

type Job<R> = dyn Fn(usize) -> R + Send + Sync;

struct Shared<R> {
    job: Box<Job<R>>,
    generation: AtomicU64,
    shutdown: AtomicBool,
    gate: Mutex<()>,
    wake: Condvar,
    start: SpinBarrier,
    done: SpinBarrier,
    results: Vec<Mutex<Option<Result<R, CrewError>>>>,
    /// Set when a member panics, so that members waiting on it (a channel server) can give up.
    abort: Arc<AtomicBool>,
}

impl<R> Shared<R> {
    /// One member's part of an iteration.
    fn play(&self, member: usize) {
        self.start.wait();
        let result = catch_unwind(AssertUnwindSafe(|| (self.job)(member))).map_err(|p| {
            self.abort.store(true, Ordering::SeqCst);
            let message = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic with a non-string payload".into());
            CrewError::Panicked { member, message }
        });
        *self.results[member]
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(result);
        self.done.wait();
    }
}

/// `size` members running `job(member)` once per [`Crew::run`]: member 0 on the calling thread,
/// the others on threads of their own.
pub(crate) struct Crew<R: Send + 'static> {
    shared: Arc<Shared<R>>,
    handles: Vec<JoinHandle<()>>,
}

impl<R: Send + 'static> Crew<R> {
    /// Spawns the crew; `abort` is set when a member panics (and cleared by each `run`).
    pub(crate) fn new(
        size: usize,
        abort: Arc<AtomicBool>,
        job: impl Fn(usize) -> R + Send + Sync + 'static,
    ) -> Result<Crew<R>, CrewError> {
        let size = size.max(1);
        let shared = Arc::new(Shared {
            job: Box::new(job),
            generation: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
            gate: Mutex::new(()),
            wake: Condvar::new(),
            start: SpinBarrier::new(size),
            done: SpinBarrier::new(size),
            results: (0..size).map(|_| Mutex::new(None)).collect(),
            abort,
        });
        let mut crew = Crew {
            shared,
            handles: Vec::new(),
        };
        for member in 1..size {
            let shared = Arc::clone(&crew.shared);
            let handle = std::thread::Builder::new()
                .name(format!("parbench-crew-{member}"))
                .spawn(move || member_loop(&shared, member))
                .map_err(|source| CrewError::Spawn { member, source })?;
            crew.handles.push(handle);
        }
        Ok(crew)
    }

    /// Runs one iteration on every member; returns their results in member order, or the first
    /// member's panic.
    pub(crate) fn run(&self) -> Result<Vec<R>, CrewError> {
        let s = &*self.shared;
        s.abort.store(false, Ordering::SeqCst);
        {
            let _gate = s.gate.lock().unwrap_or_else(PoisonError::into_inner);
            s.generation.fetch_add(1, Ordering::Release);
        }
        s.wake.notify_all();
        s.play(0);
        let mut out = Vec::with_capacity(s.results.len());
        for slot in &s.results {
            match slot.lock().unwrap_or_else(PoisonError::into_inner).take() {
                Some(Ok(r)) => out.push(r),
                Some(Err(e)) => return Err(e),
                None => return Err(CrewError::Silent),
            }
        }
        Ok(out)
    }
}

fn member_loop<R>(s: &Shared<R>, member: usize) {
    let mut seen = 0u64;
    loop {
        let waiting = Instant::now();
        loop {
            if s.shutdown.load(Ordering::Acquire) {
                return;
            }
            let g = s.generation.load(Ordering::Acquire);
            if g != seen {
                seen = g;
                break;
            }
            let waited = waiting.elapsed();
            if waited < WAKE_SPIN {
                std::hint::spin_loop();
                continue;
            }
            if waited < WAKE_YIELD {
                std::thread::yield_now();
                continue;
            }
            // The generation only changes under the gate, so no wake-up is missed.
            let mut gate = s.gate.lock().unwrap_or_else(PoisonError::into_inner);
            while s.generation.load(Ordering::Acquire) == seen
                && !s.shutdown.load(Ordering::Acquire)
            {
                gate = s.wake.wait(gate).unwrap_or_else(PoisonError::into_inner);
            }
        }
        s.play(member);
    }
}

impl<R: Send + 'static> Drop for Crew<R> {
    fn drop(&mut self) {
        {
            let _gate = self
                .shared
                .gate
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            self.shared.shutdown.store(true, Ordering::Release);
        }
        self.shared.wake.notify_all();
        for h in self.handles.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_member_runs_once_per_iteration_in_order() {
        let calls = Arc::new(AtomicU64::new(0));
        let c = Arc::clone(&calls);
        let crew = Crew::new(3, Arc::default(), move |m| {
            c.fetch_add(1, Ordering::Relaxed);
            m * 10
        })
        .unwrap();
        for round in 1..=50 {
            assert_eq!(crew.run().unwrap(), vec![0, 10, 20]);
            assert_eq!(calls.load(Ordering::Relaxed), 3 * round);
        }
        // Idle long enough for the members to sleep, then wake them again.
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(crew.run().unwrap(), vec![0, 10, 20]);
    }

    #[test]
    fn a_panicking_member_fails_the_iteration_and_the_crew_survives() {
        let abort = Arc::new(AtomicBool::new(false));
        let fail = Arc::new(AtomicBool::new(true));
        let f = Arc::clone(&fail);
        let crew = Crew::new(2, Arc::clone(&abort), move |m| {
            if m == 1 && f.load(Ordering::Relaxed) {
                panic!("boom");
            }
            m
        })
        .unwrap();
        let e = crew.run().unwrap_err();
        assert!(e.to_string().contains("member 1 panicked: boom"), "{e}");
        assert!(abort.load(Ordering::SeqCst));
        fail.store(false, Ordering::Relaxed);
        assert_eq!(crew.run().unwrap(), vec![0, 1]);
        assert!(!abort.load(Ordering::SeqCst));
    }
}
