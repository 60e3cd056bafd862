//! `particles`' kernel: the initial state and the integration steps.
//! Shared by the workload's own variants (`workloads::particles`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

use crate::counter_rng::uniform_f64;
use parbench_harness::cancel;
use rayon::prelude::*;

/// Name of the workload parameter that sets the number of integration steps.
pub const STEPS: &str = "steps";
/// Default number of integration steps.
pub const DEFAULT_STEPS: i64 = 200;
/// Integration time step.
pub const TIMESTEP: f64 = 1e-3;
/// Particles integrated together: four 8-lane vectors, enough independent chains to hide the
/// latency of `sqrt` and the division.
pub const LANES: usize = 32;
/// Steps of one block of [`LANES`] particles between two polls for cancellation (about a
/// millisecond of work).
pub const POLL_STEPS: u32 = 1 << 12;

/// The initial state, structure of arrays: positions and angular velocities.
#[derive(Debug, Clone, PartialEq)]
pub struct ParticleState {
    /// x coordinate of each particle.
    pub x: Vec<f64>,
    /// y coordinate of each particle.
    pub y: Vec<f64>,
    /// Angular velocity, in [-1, 1) radians per unit time.
    pub w: Vec<f64>,
}

/// `n` particles of stream `seed`: radius in [0.5, 1.5), angle in [0, 2π), angular velocity in
/// [-1, 1), each from the counter-based generator (draws `3i`, `3i+1`, `3i+2` for particle `i`).
pub fn input(n: usize, seed: u64) -> ParticleState {
    let mut p = ParticleState {
        x: vec![0.0; n],
        y: vec![0.0; n],
        w: vec![0.0; n],
    };
    p.x.par_iter_mut()
        .zip(p.y.par_iter_mut())
        .zip(p.w.par_iter_mut())
        .enumerate()
        .for_each(|(i, ((x, y), w))| {
            let i = 3 * i as u64;
            let r = 0.5 + uniform_f64(seed, i);
            let theta = std::f64::consts::TAU * uniform_f64(seed, i + 1);
            *x = r * theta.cos();
            *y = r * theta.sin();
            *w = 2.0 * uniform_f64(seed, i + 2) - 1.0;
        });
    p
}

/// One Euler step of a particle at (x, y) turning at `hw` = [`TIMESTEP`] × angular velocity:
/// velocity is perpendicular to the radius, `s = hw / |r|`, `x' = x - s*y`, `y' = y + s*x`.
#[inline(always)]
pub fn step(x: f64, y: f64, hw: f64) -> (f64, f64) {
    let norm = (x * x + y * y).sqrt();
    let s = hw / norm;
    (x - s * y, y + s * x)
}

crate::multiversion! {
    /// Integrates particles `x0, y0, w` for `steps` steps into `x, y` (all the same length), a
    /// block of [`LANES`] particles at a time, vectorized for this CPU. Polls for cancellation
    /// (timeout, Ctrl-C) before every block (at most [`LANES`] × 10^6 steps: milliseconds) and
    /// every [`POLL_STEPS`] steps within one, and stops early when it is requested (the caller
    /// discards a cancelled iteration).
    pub fn advance(x0: &[f64], y0: &[f64], w: &[f64], steps: u32, x: &mut [f64], y: &mut [f64]) {
        advance_inline(x0, y0, w, steps, x, y)
    }
}

#[inline(always)]
fn advance_inline(x0: &[f64], y0: &[f64], w: &[f64], steps: u32, x: &mut [f64], y: &mut [f64]) {
    let n = x0.len();
    assert!(y0.len() == n && w.len() == n && x.len() == n && y.len() == n);
    let full = n - n % LANES;
    for b in (0..full).step_by(LANES) {
        if cancel::requested() {
            return;
        }
        let mut px: [f64; LANES] = x0[b..b + LANES].try_into().expect("block");
        let mut py: [f64; LANES] = y0[b..b + LANES].try_into().expect("block");
        let hw: [f64; LANES] = std::array::from_fn(|l| TIMESTEP * w[b + l]);
        let mut done = 0;
        while done < steps {
            let now = (steps - done).min(POLL_STEPS);
            for _ in 0..now {
                for l in 0..LANES {
                    (px[l], py[l]) = step(px[l], py[l], hw[l]);
                }
            }
            done += now;
            if done < steps && cancel::requested() {
                return;
            }
        }
        x[b..b + LANES].copy_from_slice(&px);
        y[b..b + LANES].copy_from_slice(&py);
    }
    if cancel::requested() {
        return;
    }
    for i in full..n {
        (x[i], y[i]) = advance_one(x0[i], y0[i], w[i], steps);
    }
}

/// One particle, one step at a time: the obviously correct reference.
pub fn advance_one(mut x: f64, mut y: f64, w: f64, steps: u32) -> (f64, f64) {
    let hw = TIMESTEP * w;
    for _ in 0..steps {
        (x, y) = step(x, y, hw);
    }
    (x, y)
}
