//! `pi`'s kernel: the counter-based sample stream and the vectorized hit count.
//! Shared by the workload's own variants (`workloads::pi`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

use crate::counter_rng::{lowbias32, mix64};
use parbench_harness::cancel;

/// A point (x, y) with 31-bit integer coordinates is a hit when x^2 + y^2 < 2^62 (exact integer
/// arithmetic: no rounding differs between CPUs and devices).
pub const HIT_LIMIT: u64 = 1 << 62;

/// The two 32-bit keys of the 2^32-sample block `block` of stream `seed`.
#[inline(always)]
pub fn block_keys(seed: u64, block: u64) -> (u32, u32) {
    let k = mix64(seed ^ block.wrapping_mul(0xD1B5_4A32_D192_ED03));
    let (kx, ky) = (k as u32, (k >> 32) as u32);
    // Equal keys would put every point on the diagonal.
    (kx, if ky == kx { ky ^ 0x9E37_79B9 } else { ky })
}

/// Whether sample `c` of a block with keys (kx, ky) falls inside the quarter circle.
#[inline(always)]
pub fn is_hit(kx: u32, ky: u32, c: u32) -> bool {
    let x = (lowbias32(c ^ kx) >> 1) as u64;
    let y = (lowbias32(c ^ ky) >> 1) as u64;
    x * x + y * y < HIT_LIMIT
}

#[inline(always)]
fn hits_in_block(kx: u32, ky: u32, lo: u64, hi: u64) -> u64 {
    let mut hits = 0u64;
    for i in lo..hi {
        hits += is_hit(kx, ky, i as u32) as u64;
    }
    hits
}

#[inline(always)]
fn count_hits_inline(seed: u64, start: u64, end: u64) -> u64 {
    let mut total = 0;
    let mut i = start;
    while i < end {
        let block = i >> 32;
        let block_end = ((block + 1) << 32).min(end);
        let (kx, ky) = block_keys(seed, block);
        total += hits_in_block(kx, ky, i, block_end);
        i = block_end;
    }
    total
}

crate::multiversion! {
    /// Hits among samples `start..end` of stream `seed`, vectorized for this CPU.
    pub fn count_hits(seed: u64, start: u64, end: u64) -> u64 {
        count_hits_inline(seed, start, end)
    }
}

/// Samples between two polls of [`cancel::requested`] (a few milliseconds of one core).
pub const POLL_STEP: u64 = 1 << 22;

/// [`count_hits`] in steps of [`POLL_STEP`], returning early (a partial count the caller
/// discards) once the run is cancelled: its timeout passed or the user interrupted.
pub fn count_hits_polled(seed: u64, start: u64, end: u64) -> u64 {
    cancel::sum_in_steps(start, end, POLL_STEP, |a, b| count_hits(seed, a, b))
}

/// The same count, one sample at a time through [`is_hit`]: the obviously correct reference.
pub fn count_hits_scalar(seed: u64, start: u64, end: u64) -> u64 {
    (start..end)
        .filter(|&i| {
            let (kx, ky) = block_keys(seed, i >> 32);
            is_hit(kx, ky, i as u32)
        })
        .count() as u64
}
