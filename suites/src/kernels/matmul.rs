//! `matmul`'s kernel: the inputs, packing and the register-tiled multiply.
//! Shared by the workload's own variants (`workloads::matmul`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

use crate::counter_rng::uniform_f64;
use crate::workload::*;
use rayon::prelude::*;
use std::ops::Range;

/// Rows of a register tile.
pub const MR: usize = 8;
/// Columns of a register tile (one AVX-512 vector of f64).
pub const NR: usize = 8;
/// Depth of a packed panel: an `NR` x `KC` panel of B (16 KiB) stays in L1 across a row block.
pub const KC: usize = 256;
/// Rows of C per block: the packed `MC` x `KC` block of A (128 KiB) stays in L2.
pub const MC: usize = 64;

/// The inputs: `A[i] = uniform_f64(seed, i)`, `B[i] = uniform_f64(seed, n*n + i)`, row-major, all
/// in [0, 1).
pub fn input(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let fill = |offset: usize| {
        let mut m = vec![0.0; n * n];
        m.par_iter_mut()
            .enumerate()
            .for_each(|(i, v)| *v = uniform_f64(seed, (offset + i) as u64));
        m
    };
    (fill(0), fill(n * n))
}

/// The tolerance of a blocked product against the naive one. With every term non-negative, any
/// summation order of an n-term dot product is within `γ_n |c|` of the exact value
/// (`γ_n = n u / (1 - n u)`, `u = 2^-53`), so two orders differ by at most `2 γ_n |c|`, about
/// `n ε |c|`; twice that is allowed. A missing or doubled term is off by about `|c| / n`.
pub fn tolerance(n: usize) -> Tolerance {
    Tolerance::relative(2.0 * n as f64 * f64::EPSILON)
}

/// The naive triple loop (row i of C accumulates `A[i][k] * B[k][..]` for k in order): the
/// obviously correct reference. Rows are spread over rayon's global pool.
pub fn multiply_naive(a: &[f64], b: &[f64], n: usize) -> Vec<f64> {
    let mut c = vec![0.0; n * n];
    c.par_chunks_mut(n.max(1)).enumerate().for_each(|(i, row)| {
        // Polled per row: a cancelled reference is discarded by its caller.
        if parbench_harness::cancel::requested() {
            return;
        }
        for k in 0..n {
            let aik = a[i * n + k];
            for (cj, bkj) in row.iter_mut().zip(&b[k * n..(k + 1) * n]) {
                *cj += aik * bkj;
            }
        }
    });
    c
}

/// Number of `NR`-wide column panels of B.
pub fn panels(n: usize) -> usize {
    n.div_ceil(NR)
}

/// Packs column panel `q` of B (`n` x `n`) into `out` (`n * NR` values): row k of the panel at
/// `k * NR`, columns beyond `n` zero. Does nothing once cancellation is requested (timeout,
/// Ctrl-C: packing all of B is n² copies, seconds at the largest sides).
pub fn pack_b_panel(b: &[f64], n: usize, q: usize, out: &mut [f64]) {
    if parbench_harness::cancel::requested() {
        return;
    }
    let cols = q * NR..((q + 1) * NR).min(n);
    for (k, dst) in out.chunks_exact_mut(NR).enumerate().take(n) {
        let src = &b[k * n + cols.start..k * n + cols.end];
        dst[..src.len()].copy_from_slice(src);
        dst[src.len()..].fill(0.0);
    }
}

/// Packs rows `rows` x columns `pc..pc+kc` of A into `MR`-high panels, each `kc` x `MR` with
/// column k at `k * MR`; rows beyond the range are zero.
fn pack_a(a: &[f64], n: usize, rows: Range<usize>, pc: usize, kc: usize, out: &mut Vec<f64>) {
    let panels = rows.len().div_ceil(MR);
    out.clear();
    out.resize(panels * kc * MR, 0.0);
    for (p, panel) in out.chunks_exact_mut(kc * MR).enumerate() {
        for r in 0..MR {
            let i = rows.start + p * MR + r;
            if i < rows.end {
                let src = &a[i * n + pc..i * n + pc + kc];
                for (k, &v) in src.iter().enumerate() {
                    panel[k * MR + r] = v;
                }
            }
        }
    }
}

/// The register tile: `sum_k a[k][r] * b[k][j]` over `kc` packed columns, accumulated from zero in
/// k order (no fused multiply-add, so every CPU path rounds identically).
#[inline(always)]
fn tile(a: &[f64], b: &[f64], kc: usize) -> [[f64; NR]; MR] {
    let mut c = [[0.0f64; NR]; MR];
    for (ak, bk) in a.chunks_exact(MR).zip(b.chunks_exact(NR)).take(kc) {
        for r in 0..MR {
            for j in 0..NR {
                c[r][j] += ak[r] * bk[j];
            }
        }
    }
    c
}

crate::multiversion! {
    /// Computes rows `rows` of C into `c_rows` (`rows.len() * n` values) from A and the packed
    /// panels of B (`panels[q]` is panel q), in blocks of [`MC`] rows; `a_pack` is scratch.
    pub fn multiply_rows(
        a: &[f64],
        n: usize,
        rows: Range<usize>,
        panels: &[&[f64]],
        c_rows: &mut [f64],
        a_pack: &mut Vec<f64>,
    ) {
        multiply_rows_inline(a, n, rows, panels, c_rows, a_pack)
    }
}

#[inline(always)]
fn multiply_rows_inline(
    a: &[f64],
    n: usize,
    rows: Range<usize>,
    panels: &[&[f64]],
    c_rows: &mut [f64],
    a_pack: &mut Vec<f64>,
) {
    let mut ic = rows.start;
    while ic < rows.end {
        let mc = MC.min(rows.end - ic);
        let mut pc = 0;
        while pc < n {
            // Polled per block (MC x KC x n multiply-adds): a cancelled product is discarded.
            if parbench_harness::cancel::requested() {
                return;
            }
            let kc = KC.min(n - pc);
            pack_a(a, n, ic..ic + mc, pc, kc, a_pack);
            for (q, panel) in panels.iter().enumerate() {
                // And every 64 panels within a block (about 8 M multiply-adds at n = 4096): a
                // block alone is most of a second in a debug build.
                if q > 0 && q.is_multiple_of(64) && parbench_harness::cancel::requested() {
                    return;
                }
                let bp = &panel[pc * NR..(pc + kc) * NR];
                let nr = NR.min(n - q * NR);
                for (p, ap) in a_pack.chunks_exact(kc * MR).enumerate() {
                    let acc = tile(ap, bp, kc);
                    let mr = MR.min(mc - p * MR);
                    for (r, acc_row) in acc.iter().enumerate().take(mr) {
                        let i = ic - rows.start + p * MR + r;
                        let dst = &mut c_rows[i * n + q * NR..i * n + q * NR + nr];
                        if pc == 0 {
                            dst.copy_from_slice(&acc_row[..nr]);
                        } else {
                            dst.iter_mut().zip(acc_row).for_each(|(d, v)| *d += v);
                        }
                    }
                }
            }
            pc += kc;
        }
        ic += mc;
    }
}
