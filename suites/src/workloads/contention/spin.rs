//! A test-and-test-and-set spin lock with exponential backoff: waiters read the flag (a load
//! keeps the cache line shared instead of bouncing it) and only try to take it when it looks
//! free; after a failed try they pause for 1, 2, 4, … up to [`MAX_BACKOFF`] spin-loop hints,
//! and once the backoff is at its cap they yield the CPU between tries, so that more threads
//! than cores (where the holder may be descheduled) still make progress.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

/// The longest backoff, in spin-loop hints (`pause` on x86).
pub const MAX_BACKOFF: u32 = 1 << 10;

/// A spin lock guarding a `T` (the `spin` variant's primitive), used like `std::sync::Mutex`
/// but never sleeping in the kernel.
#[derive(Debug, Default)]
pub struct SpinLock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

// SAFETY: `data` is only reached through a `SpinGuard`, and the lock hands out at most one guard
// at a time (the Acquire compare-exchange in `lock` succeeds for one thread until the Release
// store in the guard's drop), so sharing the lock lets threads use `T` one after another, which
// needs exactly `T: Send`, as for `std::sync::Mutex`.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// An unlocked lock holding `value`.
    pub fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            data: UnsafeCell::new(value),
        }
    }

    /// Waits for the lock (spinning, then backing off, then yielding) and takes it.
    pub fn lock(&self) -> SpinGuard<'_, T> {
        let mut backoff = 1u32;
        loop {
            if !self.locked.load(Ordering::Relaxed)
                && self
                    .locked
                    .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
                    .is_ok()
            {
                return SpinGuard { lock: self };
            }
            for _ in 0..backoff {
                std::hint::spin_loop();
            }
            if backoff < MAX_BACKOFF {
                backoff *= 2;
            } else {
                std::thread::yield_now();
            }
        }
    }

    /// The data, through exclusive access to the lock itself (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

/// Holds the lock; releases it when dropped (also while unwinding).
#[derive(Debug)]
pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: this guard exists only while its thread holds the lock (taken in `lock`,
        // released in `drop`), so no other reference to the data exists meanwhile.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the guard's only live reference.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excludes_concurrent_read_modify_writes() {
        // Unsynchronized, these load-add-store sequences would lose updates.
        let lock = SpinLock::new(0u64);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..20_000 {
                        let mut g = lock.lock();
                        let v = *g;
                        std::hint::black_box(());
                        *g = v + 1;
                    }
                });
            }
        });
        assert_eq!(lock.into_inner(), 80_000);
    }

    #[test]
    fn a_panicking_holder_releases_the_lock() {
        let lock = SpinLock::new(1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _g = lock.lock();
            panic!("holder fails");
        }));
        assert!(r.is_err());
        assert_eq!(*lock.lock(), 1);
        let mut lock = lock;
        *lock.get_mut() = 5;
        assert_eq!(*lock.lock(), 5);
    }
}
