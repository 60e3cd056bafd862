//! The shared state each primitive guards, and the two operations on it: a write adds an odd
//! value derived from the operation's ticket (after `work-inside` units of work) to one shared
//! 64-bit word; a read does `work-inside` units of work on the word's current value. Every
//! primitive does the same arithmetic; they differ only in how workers are kept apart.

use super::spin::SpinLock;
use super::{opaque, write_delta};
use crate::workloads::contention::work;
use crossbeam::utils::CachePadded;
use std::sync::PoisonError;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Shared state under one synchronization primitive.
pub(crate) trait Shared: Send + Sync + 'static {
    /// Applies write `k`; returns how many times it had to retry (CAS loops), else 0.
    fn write(&self, worker: usize, k: u64, inside: u32) -> u64;
    /// Reads the shared value and works on it; returns the result (folded into a private sink).
    fn read(&self, worker: usize, k: u64, inside: u32) -> u64;
    /// The shared value, read when no worker runs.
    fn value(&self) -> u64;
    /// Back to 0, when no worker runs.
    fn reset(&self);
}

/// A lock around one `u64`: exclusive access for writes, shared access (where the lock has it)
/// for reads.
pub(crate) trait Lock: Send + Sync + 'static {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R;
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R;
}

impl Lock for std::sync::Mutex<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock().unwrap_or_else(PoisonError::into_inner))
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Lock for parking_lot::Mutex<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.lock())
    }
}

impl Lock for parking_lot::FairMutex<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.lock())
    }
}

impl Lock for std::sync::RwLock<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.write().unwrap_or_else(PoisonError::into_inner))
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Lock for parking_lot::RwLock<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.write())
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.read())
    }
}

impl Lock for SpinLock<u64> {
    fn exclusive<R>(&self, f: impl FnOnce(&mut u64) -> R) -> R {
        f(&mut self.lock())
    }
    fn shared<R>(&self, f: impl FnOnce(u64) -> R) -> R {
        f(*self.lock())
    }
}

/// The word behind a lock, on its own cache line. The work of a write happens while the lock
/// is held: it starts from the ticket passed through [`opaque`] together with the word just
/// read, so the compiler cannot move it out of the critical section.
pub(crate) struct Locked<L>(pub(crate) CachePadded<L>);

impl<L: Lock> Locked<L> {
    pub(crate) fn new(lock: L) -> Self {
        Locked(CachePadded::new(lock))
    }
}

impl<L: Lock> Shared for Locked<L> {
    #[inline]
    fn write(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        self.0.exclusive(|v| {
            *v = v.wrapping_add(write_delta(opaque(k, *v), inside));
        });
        0
    }
    #[inline]
    fn read(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        self.0.shared(|v| work(v ^ k, inside))
    }
    fn value(&self) -> u64 {
        self.0.shared(|v| v)
    }
    fn reset(&self) {
        self.0.exclusive(|v| *v = 0);
    }
}

/// One word in memory without any synchronization: the `serial` baseline (relaxed loads and
/// stores compile to plain moves).
pub(crate) struct Plain(pub(crate) CachePadded<AtomicU64>);

impl Shared for Plain {
    #[inline]
    fn write(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        let v = self.0.load(Relaxed);
        self.0
            .store(v.wrapping_add(write_delta(opaque(k, v), inside)), Relaxed);
        0
    }
    #[inline]
    fn read(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        work(self.0.load(Relaxed) ^ k, inside)
    }
    fn value(&self) -> u64 {
        self.0.load(Relaxed)
    }
    fn reset(&self) {
        self.0.store(0, Relaxed);
    }
}

/// `fetch_add` on one shared atomic word. An atomic read-modify-write has no critical section
/// to hold: the write's work computes the value to add before the `fetch_add`.
pub(crate) struct FetchAdd(pub(crate) CachePadded<AtomicU64>);

impl Shared for FetchAdd {
    #[inline]
    fn write(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        self.0.fetch_add(write_delta(k, inside), Relaxed);
        0
    }
    #[inline]
    fn read(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        work(self.0.load(Relaxed) ^ k, inside)
    }
    fn value(&self) -> u64 {
        self.0.load(Relaxed)
    }
    fn reset(&self) {
        self.0.store(0, Relaxed);
    }
}

/// A compare-and-swap loop: read the word, do the write's work (started from the word read, so
/// it happens inside the optimistic window), try to swap the sum in; on a conflict, start over
/// from the value found (the work is redone: the price of optimism).
pub(crate) struct CasLoop(pub(crate) CachePadded<AtomicU64>);

impl Shared for CasLoop {
    #[inline]
    fn write(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        let mut retries = 0;
        let mut current = self.0.load(Relaxed);
        loop {
            let next = current.wrapping_add(write_delta(opaque(k, current), inside));
            match self.0.compare_exchange(current, next, Relaxed, Relaxed) {
                Ok(_) => return retries,
                Err(found) => {
                    current = found;
                    retries += 1;
                }
            }
        }
    }
    #[inline]
    fn read(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        work(self.0.load(Relaxed) ^ k, inside)
    }
    fn value(&self) -> u64 {
        self.0.load(Relaxed)
    }
    fn reset(&self) {
        self.0.store(0, Relaxed);
    }
}

/// One slot per worker, written only by its owner (a relaxed load and store, no
/// read-modify-write); the value is the sum of the slots, so a read loads every slot.
/// `S` is `CachePadded<AtomicU64>` (a cache line per slot) or a bare `AtomicU64` (eight slots
/// per 64-byte line: every write invalidates the line in the other workers' caches: false
/// sharing).
pub(crate) struct Slots<S>(pub(crate) Vec<S>);

impl<S: std::ops::Deref<Target = AtomicU64> + Send + Sync + 'static> Shared for Slots<S> {
    #[inline]
    fn write(&self, worker: usize, k: u64, inside: u32) -> u64 {
        let slot = &*self.0[worker];
        let v = slot.load(Relaxed);
        slot.store(v.wrapping_add(write_delta(opaque(k, v), inside)), Relaxed);
        0
    }
    #[inline]
    fn read(&self, _worker: usize, k: u64, inside: u32) -> u64 {
        let sum = self
            .0
            .iter()
            .fold(0u64, |s, slot| s.wrapping_add(slot.load(Relaxed)));
        work(sum ^ k, inside)
    }
    fn value(&self) -> u64 {
        self.0
            .iter()
            .fold(0u64, |s, slot| s.wrapping_add(slot.load(Relaxed)))
    }
    fn reset(&self) {
        self.0.iter().for_each(|s| s.store(0, Relaxed));
    }
}

/// An `AtomicU64` that derefs to itself, so that bare slots and `CachePadded` slots share
/// [`Slots`]' code.
#[derive(Debug, Default)]
pub(crate) struct Bare(pub(crate) AtomicU64);

impl std::ops::Deref for Bare {
    type Target = AtomicU64;
    fn deref(&self) -> &AtomicU64 {
        &self.0
    }
}
