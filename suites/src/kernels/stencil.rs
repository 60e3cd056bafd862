//! `stencil`'s kernel: the initial grid and the 5-point update, row by row and whole-grid (the
//! reference). Shared by the workload's own variants (`workloads::stencil`) and its backends
//! (MPI), which import it from here.

use crate::counter_rng::uniform_f64;
use rayon::prelude::*;

/// Name of the workload parameter that sets the number of time steps.
pub const STEPS: &str = "steps";
/// Default number of time steps.
pub const DEFAULT_STEPS: i64 = 100;
/// Diffusion number (stable for the 5-point scheme up to 0.25).
pub const ALPHA: f64 = 0.2;
/// Temperature of the top edge; the other edges are held at 0.
pub const HOT_EDGE: f64 = 1.0;

/// The initial grid, row-major: top row [`HOT_EDGE`], other edges 0, interior cell `i` (its
/// row-major index) `uniform_f64(seed, i)`.
pub fn initial_grid(n: usize, seed: u64) -> Vec<f64> {
    let mut g = vec![0.0; n * n];
    g.par_chunks_mut(n.max(1)).enumerate().for_each(|(r, row)| {
        for (c, v) in row.iter_mut().enumerate() {
            *v = if r == 0 {
                HOT_EDGE
            } else if r == n - 1 || c == 0 || c == n - 1 {
                0.0
            } else {
                uniform_f64(seed, (r * n + c) as u64)
            };
        }
    });
    g
}

/// One cell's update: `c + ALPHA * ((((up + down) + left) + right) - 4c)`.
#[inline(always)]
pub fn update_cell(up: f64, down: f64, left: f64, right: f64, c: f64) -> f64 {
    c + ALPHA * (up + down + left + right - 4.0 * c)
}

/// One step of one row: interior cells of `out` from `row` and its neighbours; the two boundary
/// cells are copied.
#[inline(always)]
pub fn update_row(above: &[f64], row: &[f64], below: &[f64], out: &mut [f64]) {
    let n = row.len();
    out[0] = row[0];
    out[n - 1] = row[n - 1];
    for j in 1..n - 1 {
        out[j] = update_cell(above[j], below[j], row[j - 1], row[j + 1], row[j]);
    }
}

crate::multiversion! {
    /// One step of `h` consecutive rows: `src` holds them plus the row above and the row below
    /// (`(h + 2) * n` values), `dst` receives the `h` new rows. Vectorized for this CPU.
    pub fn sweep_rows(src: &[f64], dst: &mut [f64], n: usize) {
        for (i, out) in dst.chunks_exact_mut(n).enumerate() {
            let rows = &src[i * n..(i + 3) * n];
            let (above, rest) = rows.split_at(n);
            let (row, below) = rest.split_at(n);
            update_row(above, row, below, out);
        }
    }
}

/// `steps` steps of the whole grid, one cell at a time: the obviously correct reference.
pub fn reference_steps(grid: &[f64], n: usize, steps: u32) -> Vec<f64> {
    let mut cur = grid.to_vec();
    let mut next = grid.to_vec();
    for _ in 0..steps {
        if parbench_harness::cancel::requested() {
            break;
        }
        for i in 1..n - 1 {
            for j in 1..n - 1 {
                let at = |r: usize, c: usize| cur[r * n + c];
                next[i * n + j] = update_cell(
                    at(i - 1, j),
                    at(i + 1, j),
                    at(i, j - 1),
                    at(i, j + 1),
                    at(i, j),
                );
            }
        }
        std::mem::swap(&mut cur, &mut next);
    }
    cur
}
