//! `histogram`'s kernel: the input values, their bins and the serial count.
//! Shared by the workload's own variants (`workloads::histogram`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

use crate::counter_rng::uniform_u64;
use rayon::prelude::*;

/// Name of the workload parameter that sets the number of bins.
pub const BINS: &str = "bins";
/// Default number of bins: 16 bins on two cache lines, so atomics contend heavily.
pub const DEFAULT_BINS: i64 = 16;

/// Value `i` of the input stream `seed`: the high 32 bits of the counter-based hash.
#[inline]
pub fn value(seed: u64, i: u64) -> u32 {
    (uniform_u64(seed, i) >> 32) as u32
}

/// The input of a problem: `n` values, filled in parallel (deterministic in `seed`).
pub fn input(n: usize, seed: u64) -> Vec<u32> {
    let mut v = vec![0u32; n];
    v.par_iter_mut()
        .enumerate()
        .for_each(|(i, x)| *x = value(seed, i as u64));
    v
}

/// The bin of `value` among `bins` equal-width bins over the u32 range: `(value * bins) >> 32`
/// (multiply-shift, no division; every bin gets the same share of the range up to one value).
#[inline(always)]
pub fn bin_of(value: u32, bins: u32) -> usize {
    ((value as u64 * bins as u64) >> 32) as usize
}

/// The histogram of `values`, one bin at a time: the serial kernel and the reference.
pub fn histogram(values: &[u32], bins: u32) -> Vec<u64> {
    let mut h = vec![0u64; bins as usize];
    count_into(values, bins, &mut h);
    h
}

/// Values binned between two polls of [`parbench_harness::cancel::requested`] (tens of
/// microseconds of work: one relaxed load costs nothing measurable).
pub const POLL_VALUES: usize = 1 << 16;

/// Adds the counts of `values` to `h` (`h.len()` is the number of bins). Polls for
/// cancellation (timeout, Ctrl-C) every [`POLL_VALUES`] values and stops early when it is
/// requested (the caller discards a cancelled iteration).
#[inline]
pub fn count_into(values: &[u32], bins: u32, h: &mut [u64]) {
    for chunk in values.chunks(POLL_VALUES) {
        if parbench_harness::cancel::requested() {
            break;
        }
        for &v in chunk {
            h[bin_of(v, bins)] += 1;
        }
    }
}
