//! Building blocks shared by variants: static partitioning, scoped-thread fan-out and rayon pools
//! of an exact size.

use crate::workload::WorkloadError;
use std::ops::Range;

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
    fn pool_has_exact_size() {
        let p = rayon_pool(3).unwrap();
        assert_eq!(p.current_num_threads(), 3);
    }
}
