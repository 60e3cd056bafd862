//! Building blocks shared by variants: static partitioning, scoped-thread fan-out and rayon pools
//! of an exact size.

use crate::workload::WorkloadError;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Splits `0..n` into `parts` contiguous ranges whose lengths differ by at most one.
pub fn split_even(n: usize, parts: usize) -> Vec<Range<usize>> {
    let parts = parts.max(1);
    let (base, extra) = (n / parts, n % parts);
    let mut start = 0;
    (0..parts)
        .map(|i| {
            let len = base + usize::from(i < extra);
            let r = start..start + len;
            start += len;
            r
        })
        .collect()
}

/// Runs `f(worker, range)` for each of `workers` static chunks of `0..n`, on `workers - 1` scoped
/// threads plus the calling thread; returns the results in chunk order.
pub fn scoped_chunks<R: Send>(
    n: usize,
    workers: usize,
    f: impl Fn(usize, Range<usize>) -> R + Sync,
) -> Vec<R> {
    let ranges = split_even(n, workers);
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = ranges[1..]
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let r = r.clone();
                s.spawn(move || f(i + 1, r))
            })
            .collect();
        let mut out = Vec::with_capacity(workers);
        out.push(f(0, ranges[0].clone()));
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        out
    })
}

/// Like [`scoped_chunks`], but no worker starts before all have been spawned, so that they
/// really run at the same time: without that, on a short problem the first worker can finish
/// before the last thread exists, and contention (or a lost update) never happens. Workers meet
/// at a [`SpinBarrier`]: a blocking barrier's wake-up can take a whole scheduler time slice on a
/// busy machine.
pub fn scoped_chunks_together<R: Send>(
    n: usize,
    workers: usize,
    f: impl Fn(usize, Range<usize>) -> R + Sync,
) -> Vec<R> {
    let start = SpinBarrier::new(workers);
    scoped_chunks(n, workers, |i, r| {
        start.wait();
        f(i, r)
    })
}

/// A reusable barrier for `workers` threads that spins instead of sleeping: for
/// [`SpinBarrier::SPIN`], then yielding to the scheduler between checks so that oversubscribed
/// workers (more than cores) still make progress. Like an OpenMP barrier with an active wait
/// policy: far cheaper than `std::sync::Barrier` (a mutex and a condition variable) when every
/// worker has a core.
#[derive(Debug)]
pub struct SpinBarrier {
    workers: usize,
    arrived: AtomicUsize,
    generation: AtomicUsize,
}

impl SpinBarrier {
    /// How long a waiting worker spins before it starts yielding between checks.
    pub const SPIN: Duration = Duration::from_micros(200);

    /// A barrier that opens when `workers` threads wait on it (at least 1).
    pub fn new(workers: usize) -> Self {
        SpinBarrier {
            workers: workers.max(1),
            arrived: AtomicUsize::new(0),
            generation: AtomicUsize::new(0),
        }
    }

    /// Returns once all `workers` threads have called `wait` (for this round).
    pub fn wait(&self) {
        let generation = self.generation.load(Ordering::Acquire);
        if self.arrived.fetch_add(1, Ordering::AcqRel) + 1 == self.workers {
            // Last to arrive: reset the count for the next round, then release this one (the
            // Release store orders the reset before any waiter can start the next round).
            self.arrived.store(0, Ordering::Relaxed);
            self.generation.fetch_add(1, Ordering::Release);
            return;
        }
        let started = Instant::now();
        let mut patient = true;
        let mut spins = 0u32;
        while self.generation.load(Ordering::Acquire) == generation {
            spins = spins.wrapping_add(1);
            if patient && spins.is_multiple_of(64) && started.elapsed() > Self::SPIN {
                patient = false;
            }
            if patient {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
    }
}

/// Splits a mutable slice into `workers` static chunks and runs `f(worker, offset, chunk)` on
/// scoped threads (the calling thread takes the first).
pub fn scoped_slices<T: Send>(
    data: &mut [T],
    workers: usize,
    f: impl Fn(usize, usize, &mut [T]) + Sync,
) {
    let ranges = split_even(data.len(), workers);
    let mut chunks = Vec::with_capacity(ranges.len());
    let mut rest = data;
    for r in &ranges {
        let (head, tail) = rest.split_at_mut(r.len());
        chunks.push((r.start, head));
        rest = tail;
    }
    std::thread::scope(|s| {
        let f = &f;
        let mut iter = chunks.into_iter().enumerate();
        let first = iter.next();
        for (i, (offset, chunk)) in iter {
            s.spawn(move || f(i, offset, chunk));
        }
        if let Some((i, (offset, chunk))) = first {
            f(i, offset, chunk);
        }
    });
}

/// Runs `f(worker)` for each of `workers` workers, on `workers - 1` scoped threads plus the calling
/// thread (worker 0); returns the results in worker order.
pub fn scoped_workers<R: Send>(workers: usize, f: impl Fn(usize) -> R + Sync) -> Vec<R> {
    scoped_chunks(workers.max(1), workers.max(1), |w, _| f(w))
}

/// Runs `f(i, &mut items[i])` for every item, each on its own scoped thread (the calling thread
/// takes item 0); returns the results in item order.
pub fn scoped_each<T: Send, R: Send>(
    items: &mut [T],
    f: impl Fn(usize, &mut T) -> R + Sync,
) -> Vec<R> {
    let Some((first, rest)) = items.split_first_mut() else {
        return Vec::new();
    };
    std::thread::scope(|s| {
        let f = &f;
        let handles: Vec<_> = rest
            .iter_mut()
            .enumerate()
            .map(|(i, item)| s.spawn(move || f(i + 1, item)))
            .collect();
        let mut out = Vec::with_capacity(handles.len() + 1);
        out.push(f(0, first));
        out.extend(
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
        );
        out
    })
}

/// Tasks per worker a dynamically scheduled variant aims for: enough that work stealing evens out
/// the end of a run (the last task is at most 1/32 of a worker's share), few enough that the
/// scheduling cost per task (about a microsecond) stays negligible.
pub const TASKS_PER_WORKER: usize = 32;

/// The length of the tasks `n` items are cut into for `workers` dynamically scheduled workers:
/// about [`TASKS_PER_WORKER`] tasks per worker, at least `min_len` items (so a task amortizes its
/// scheduling), rounded up to a multiple of `align` (SIMD lanes, tile sizes).
pub fn task_len(n: usize, workers: usize, min_len: usize, align: usize) -> usize {
    let align = align.max(1);
    let target = n
        .div_ceil(workers.max(1) * TASKS_PER_WORKER)
        .max(min_len)
        .max(1);
    target.div_ceil(align) * align
}

/// The ranges of `0..n` in tasks of `len` items (the last may be shorter).
pub fn task_ranges(n: usize, len: usize) -> impl ExactSizeIterator<Item = Range<usize>> + Clone {
    let len = len.max(1);
    (0..n.div_ceil(len)).map(move |t| t * len..((t + 1) * len).min(n))
}

/// A rayon pool of exactly `workers` threads, built outside the timed region.
pub fn rayon_pool(workers: usize) -> Result<rayon::ThreadPool, WorkloadError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(workers.max(1))
        .thread_name(|i| format!("parbench-rayon-{i}"))
        .build()
        .map_err(|e| {
            WorkloadError::new(format!(
                "cannot build a rayon pool of {workers} threads: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_even_covers_without_overlap() {
        for n in [0, 1, 7, 100] {
            for parts in 1..6 {
                let r = split_even(n, parts);
                assert_eq!(r.len(), parts);
                assert_eq!(r.first().unwrap().start, 0);
                assert_eq!(r.last().unwrap().end, n);
                assert!(r.windows(2).all(|w| w[0].end == w[1].start));
                let lens: Vec<_> = r.iter().map(|x| x.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }

    #[test]
    fn scoped_helpers_visit_everything_in_order() {
        let sums = scoped_chunks(10, 3, |_, r| r.sum::<usize>());
        assert_eq!(sums.iter().sum::<usize>(), 45);
        assert_eq!(sums.len(), 3);
        let mut v = vec![0usize; 10];
        scoped_slices(&mut v, 4, |_, off, c| {
            c.iter_mut().enumerate().for_each(|(i, x)| *x = off + i)
        });
        assert_eq!(v, (0..10).collect::<Vec<_>>());
    }

    #[test]
    fn task_sizes_and_ranges() {
        assert_eq!(task_len(1_000_000, 2, 1, 1), 15_625);
        assert_eq!(task_len(1_000_000, 2, 100_000, 64), 100_032);
        assert_eq!(task_len(10, 4, 1, 8), 8);
        assert_eq!(task_len(0, 4, 0, 1), 1);
        let r: Vec<_> = task_ranges(10, 4).collect();
        assert_eq!(r, vec![0..4, 4..8, 8..10]);
        assert_eq!(task_ranges(0, 4).len(), 0);
        assert_eq!(scoped_workers(3, |w| w * 10), vec![0, 10, 20]);
        let sums = scoped_chunks_together(10, 3, |_, r| r.sum::<usize>());
        assert_eq!(sums.iter().sum::<usize>(), 45);
    }

    #[test]
    fn spin_barrier_separates_rounds() {
        // Each round, every worker adds its id to the round's slot; after the barrier all
        // workers must see the completed sum of the round (and never a later round's additions).
        let workers = 3;
        let rounds = 200;
        let barrier = SpinBarrier::new(workers);
        let slots: Vec<AtomicUsize> = (0..rounds).map(|_| AtomicUsize::new(0)).collect();
        let seen = scoped_workers(workers, |w| {
            let mut ok = true;
            for slot in &slots {
                slot.fetch_add(w + 1, Ordering::Relaxed);
                barrier.wait();
                ok &= slot.load(Ordering::Relaxed) == 6;
                barrier.wait();
            }
            ok
        });
        assert!(seen.into_iter().all(|ok| ok));
        let mut items = vec![1, 2, 3];
        let r = scoped_each(&mut items, |i, x| {
            *x *= 10;
            i
        });
        assert_eq!((items, r), (vec![10, 20, 30], vec![0, 1, 2]));
    }

    #[test]
    fn pool_has_exact_size() {
        let p = rayon_pool(3).unwrap();
        assert_eq!(p.current_num_threads(), 3);
    }
}
