//! Accounting of the child processes this process starts, one counter pair per kind (worker
//! processes, command launchers): how many were started and how many reaped. The counts change
//! together with the registry of live pids ([`crate::worker_process::live`]), under its lock, so
//! that "started, reaped, left" always agrees with what the registry holds.

use std::sync::atomic::{AtomicU64, Ordering};

/// Children of one kind started and reaped by this process so far (equal when none is left).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Accounting {
    /// Children started.
    pub started: u64,
    /// Children reaped.
    pub reaped: u64,
}

impl Accounting {
    /// Children started and not reaped (yet).
    pub fn left(&self) -> u64 {
        self.started.saturating_sub(self.reaped)
    }
}

/// The counters of one kind of child.
#[derive(Debug)]
pub(crate) struct Counter {
    started: AtomicU64,
    reaped: AtomicU64,
}

impl Counter {
    pub(crate) const fn new() -> Self {
        Counter {
            started: AtomicU64::new(0),
            reaped: AtomicU64::new(0),
        }
    }

    /// Registers child `pid`, just spawned: it joins `live` (the locked registry) and counts as
    /// started.
    pub(crate) fn started(&self, live: &mut Vec<u32>, pid: u32) {
        live.push(pid);
        self.started.fetch_add(1, Ordering::SeqCst);
    }

    /// Unregisters child `pid`, just reaped: it leaves `live` (the locked registry) and counts
    /// as reaped.
    pub(crate) fn reaped(&self, live: &mut Vec<u32>, pid: u32) {
        live.retain(|&p| p != pid);
        self.reaped.fetch_add(1, Ordering::SeqCst);
    }

    /// The counts so far.
    pub(crate) fn accounting(&self) -> Accounting {
        Accounting {
            started: self.started.load(Ordering::SeqCst),
            reaped: self.reaped.load(Ordering::SeqCst),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_registry_and_the_counts_move_together() {
        let counter = Counter::new();
        let mut live = vec![7];
        counter.started(&mut live, 11);
        counter.started(&mut live, 12);
        assert_eq!(live, [7, 11, 12]);
        counter.reaped(&mut live, 11);
        assert_eq!(live, [7, 12], "only the reaped pid leaves");
        let a = counter.accounting();
        assert_eq!((a.started, a.reaped, a.left()), (2, 1, 1));
    }
}
