//! `square`'s kernel: the input array and the element-wise square.
//! Shared by the workload's own variants (`workloads::square`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

use crate::counter_rng::uniform_f64;
use crate::workload::*;
use rayon::prelude::*;

/// The input array of a problem (deterministic in the seed), filled in parallel.
pub fn input(n: usize, seed: u64) -> Vec<f64> {
    let mut x = vec![0.0; n];
    fill_input(&mut x, seed);
    x
}

/// [`input`], or an error when the machine cannot hold it.
pub fn try_input(n: usize, seed: u64) -> Result<Vec<f64>, WorkloadError> {
    let mut x = crate::alloc::filled(n, 0.0, "the input array")?;
    fill_input(&mut x, seed);
    Ok(x)
}

/// Fills `x` with the input values of a problem (in place: shared memory, for instance).
pub fn fill_input(x: &mut [f64], seed: u64) {
    x.par_iter_mut()
        .enumerate()
        .for_each(|(i, v)| *v = uniform_f64(seed, i as u64));
}

/// Elements squared between two polls of [`parbench_harness::cancel::requested`]: 512 KiB of
/// input, tens of microseconds of work, so one relaxed load costs nothing measurable.
pub const POLL_ELEMENTS: usize = 1 << 16;

crate::multiversion! {
    /// `y[i] = x[i] * x[i]`, vectorized for this CPU. Polls for cancellation (timeout, Ctrl-C)
    /// every [`POLL_ELEMENTS`] elements and stops early when it is requested (the caller
    /// discards a cancelled iteration).
    pub fn square_into(x: &[f64], y: &mut [f64]) {
        for (y, x) in y.chunks_mut(POLL_ELEMENTS).zip(x.chunks(POLL_ELEMENTS)) {
            if parbench_harness::cancel::requested() {
                break;
            }
            for (y, x) in y.iter_mut().zip(x) {
                *y = x * x;
            }
        }
    }
}
