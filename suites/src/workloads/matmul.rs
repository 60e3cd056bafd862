//! `matmul`: dense `n` x `n` multiply `C = A B` in binary64, blocked for cache the way BLIS does
//! it (B packed into `NR`-wide column panels, A into `MR`-high row panels of `KC` columns, an
//! `MR` x `NR` register tile accumulated per panel pair); throughput in FLOP/s (2 n^3 per
//! multiply). Every variant gives each element of C the same sequence of operations, so they
//! agree bit for bit; the naive reference sums in another order and is compared under the
//! rounding-error bound of an n-term sum (see [`tolerance`]).

use crate::exec::{SpinBarrier, rayon_pool, scoped_each, split_even};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel, ProcessHook};
pub use crate::kernels::matmul::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::results::{ExecutionModel, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::RwLock;

/// The `matmul` workload: a dense `n` x `n` matrix multiply.
#[derive(Debug, Default)]
pub struct Matmul;

enum Strategy {
    Serial(Vec<f64>),
    /// Per-worker chunks of packed panels (written by their owner, then read by all after one
    /// barrier), and each worker's A scratch.
    Threads {
        chunks: Vec<RwLock<Vec<f64>>>,
        scratch: Vec<Vec<f64>>,
    },
    Rayon(rayon::ThreadPool, Vec<f64>),
}

struct MatmulExecution {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    strategy: Strategy,
    a_pack: Vec<f64>,
}

impl MatmulExecution {
    fn multiply(&mut self) {
        let (n, a, b) = (self.n, &self.a[..], &self.b[..]);
        let c = &mut self.c;
        let panel_len = n * NR;
        match &mut self.strategy {
            Strategy::Serial(packed) => {
                for (q, out) in packed.chunks_exact_mut(panel_len).enumerate() {
                    pack_b_panel(b, n, q, out);
                }
                let panels: Vec<&[f64]> = packed.chunks_exact(panel_len).collect();
                multiply_rows(a, n, 0..n, &panels, c, &mut self.a_pack);
            }
            Strategy::Threads { chunks, scratch } => {
                let w = scratch.len();
                let owned = split_even(panels(n), w);
                let bands = split_even(n.div_ceil(MR), w);
                let barrier = SpinBarrier::new(w);
                // Each worker's band of C rows (aligned to MR).
                let mut parts: Vec<(Range<usize>, &mut [f64], &mut Vec<f64>)> =
                    Vec::with_capacity(w);
                let mut rest = &mut c[..];
                for (band, s) in bands.iter().zip(scratch.iter_mut()) {
                    let rows = (band.start * MR).min(n)..(band.end * MR).min(n);
                    let (mine, tail) = std::mem::take(&mut rest).split_at_mut(rows.len() * n);
                    rest = tail;
                    parts.push((rows, mine, s));
                }
                let chunks = &*chunks;
                scoped_each(&mut parts, |i, (rows, c_rows, a_pack)| {
                    {
                        let mut mine = chunks[i].write().unwrap_or_else(|e| e.into_inner());
                        for (k, out) in mine.chunks_exact_mut(panel_len).enumerate() {
                            pack_b_panel(b, n, owned[i].start + k, out);
                        }
                    }
                    barrier.wait();
                    let guards: Vec<_> = chunks
                        .iter()
                        .map(|ch| ch.read().unwrap_or_else(|e| e.into_inner()))
                        .collect();
                    // Panels in order: worker 0's chunk, then worker 1's, …
                    let panels: Vec<&[f64]> = guards
                        .iter()
                        .flat_map(|g| g.chunks_exact(panel_len))
                        .collect();
                    multiply_rows(a, n, rows.clone(), &panels, c_rows, a_pack);
                });
            }
            Strategy::Rayon(pool, packed) => pool.install(|| {
                packed
                    .par_chunks_mut(panel_len)
                    .enumerate()
                    .for_each(|(q, out)| pack_b_panel(b, n, q, out));
                let panels: Vec<&[f64]> = packed.chunks_exact(panel_len).collect();
                c.par_chunks_mut(MC * n).enumerate().for_each_init(
                    Vec::new,
                    |a_pack, (blk, c_rows)| {
                        let rows = blk * MC..blk * MC + c_rows.len() / n;
                        multiply_rows(a, n, rows, &panels, c_rows, a_pack)
                    },
                )
            }),
        }
    }
}

impl Execution for MatmulExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.multiply();
        let n = self.c.len();
        let digest = [0, n / 2, n.saturating_sub(1)]
            .iter()
            .filter_map(|&i| self.c.get(i))
            .fold(0u64, |d, v| d.rotate_left(21) ^ v.to_bits());
        Ok(IterationOutput::digest(digest))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.c.as_slice().into(),
            tolerance: tolerance(self.n),
        }
    }
}

fn side_of(problem: &Problem) -> Result<usize, WorkloadError> {
    usize::try_from(problem.n)
        .ok()
        .filter(|&n| n <= 1 << 16)
        .ok_or_else(|| WorkloadError::new(format!("matmul side {} is too large", problem.n)))
}

impl Workload for Matmul {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "matmul",
            description: "dense n x n f64 matrix multiply, blocked for cache (GFLOP/s)",
            size_meaning: "matrix side",
            work_unit: "FLOP",
            sizes: vec![
                NamedSize { label: "XS", n: 64 },
                NamedSize { label: "S", n: 384 },
                NamedSize {
                    label: "M",
                    n: 1024,
                },
                NamedSize {
                    label: "L",
                    n: 2048,
                },
            ],
            default_sizes: vec!["S", "M"],
            params: vec![
                // In rows of C.
            ],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, packed panels and 8x8 register tiles"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::Barrier,
                "scoped threads pack B's panels in parallel, meet at a barrier, then multiply one static band of C rows each",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool: B's panels packed in parallel, then 64-row blocks of C scheduled by work stealing",
            ),
        ];
        variants
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        NotApplicable::all(
            NotApplicable::SHARED_STATE_VARIANTS,
            "A and B are only read and every element of C is written by exactly one worker: there is no shared mutable state to lock, update atomically, shard, send or race on",
        )
    }
    fn work(&self, problem: &Problem) -> f64 {
        2.0 * (problem.n as f64).powi(3)
    }

    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        side_of(problem).map(|_| ())
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // A, B, C, the packed panels and the reference answer.
        Some(problem.n.saturating_mul(problem.n).saturating_mul(5 * 8))
    }

    fn bound(&self, _problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        // The unit of work is a FLOP (a multiply or an add); the blocked kernel reuses every
        // element from cache, so the matrices' traffic is not the limit.
        Some(parbench_schema::calibration::BoundModel {
            flops: 1.0,
            ..Default::default()
        })
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let n = side_of(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;

        let (a, b) = input(n, problem.seed);
        Ok(Answer::approx(multiply_naive(&a, &b, n), tolerance(n)))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let n = side_of(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let workers = workers.max(1);
        let packed = || vec![0.0; panels(n) * n * NR];
        let strategy = match variant {
            names::SERIAL => Strategy::Serial(packed()),
            names::THREADS => Strategy::Threads {
                chunks: split_even(panels(n), workers)
                    .into_iter()
                    .map(|r| RwLock::new(vec![0.0; r.len() * n * NR]))
                    .collect(),
                scratch: vec![Vec::new(); workers],
            },
            names::RAYON => Strategy::Rayon(rayon_pool(workers)?, packed()),
            other => return Err(WorkloadError::unknown_variant("matmul", other)),
        };
        let (a, b) = input(n, problem.seed);
        Ok(Box::new(MatmulExecution {
            n,
            a,
            b,
            c: vec![0.0; n * n],
            strategy,
            a_pack: Vec::new(),
        }))
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 4).max(8)
    }
}

impl crate::backend::Hooked for Matmul {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::matmul::prepare,
                transport: true,
            }),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![OpenClKernel {
                    variant: crate::opencl::VARIANT,
                    kernel: crate::opencl::Kernel::Matmul,
                    sync: SyncKind::Message,
                    description: "OpenCL device: square work-groups multiply tiles of A and B staged in local memory; A and B copied in, C copied back",
                    needs: crate::opencl::Needs::Fp64,
                }],
                default_work_group_size: crate::opencl::DEFAULT_MATMUL_WORK_GROUP_SIZE,
                work_group_size_note: Some(
                    "work-items per OpenCL work-group, a square: t x t tiles of C (64, 256, 1024; OpenCL variants only)",
                ),
                ignores: &[],
            }),
            mpi: Hook::NotApplicable(
                "a fair distributed multiply needs B on every rank and a blocked algorithm (SUMMA); the mpi variants cover reduction (pi), scatter/gather (square) and halo exchange (stencil)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_matches_the_naive_product_and_each_other() {
        // 75: partial tiles in both directions; with n > KC the k loop has two panels (one run
        // per variant there: debug builds are slow).
        for n in [1, 9, 75, KC + 5] {
            let p = Problem::new("t", n as u64, 2);
            let want = Matmul.reference(&p).unwrap();
            let mut serial = None;
            for v in Matmul.variants().into_iter().filter(|v| v.is_available()) {
                let workers: &[usize] = if n > KC { &[2] } else { &[1, 2, 3] };
                for &w in workers {
                    let mut e = Matmul.prepare(&p, v.name, w).unwrap();
                    e.run().unwrap();
                    e.run().unwrap();
                    let got = e.answer().into_owned();
                    verify(&want, &got).unwrap_or_else(|m| panic!("n={n} {} w{w}: {m}", v.name));
                    // Same operations per element: the CPU variants agree exactly; the OpenCL
                    // tiles sum in the naive order, so it agrees exactly with the reference.
                    let exact = |a: &Answer<'_>| match a {
                        Answer::Approx { values, .. } => values.to_vec(),
                        Answer::Exact(_) | Answer::Text(_) => unreachable!(),
                    };
                    let naive = exact(&want);
                    let s = if v.model == ExecutionModel::Opencl {
                        &naive
                    } else {
                        serial.get_or_insert_with(|| exact(&got))
                    };
                    assert!(
                        s.iter()
                            .zip(exact(&got))
                            .all(|(x, y)| x.to_bits() == y.to_bits()),
                        "n={n} {} w{w}",
                        v.name
                    );
                }
            }
        }
    }

    #[test]
    fn tolerance_catches_a_missing_term() {
        let n = 64;
        let (a, b) = input(n, 1);
        let want = Answer::approx(multiply_naive(&a, &b, n), tolerance(n));
        let mut c = multiply_naive(&a, &b, n);
        // Drop the k = 0 term from one element.
        c[5 * n + 7] -= a[5 * n] * b[7];
        let m = verify(&want, &Answer::approx(c, Tolerance::EXACT)).unwrap_err();
        assert_eq!((m.first_index, m.count), (5 * n + 7, 1));
        // Identity times B is B exactly.
        let mut id = vec![0.0; n * n];
        (0..n).for_each(|i| id[i * n + i] = 1.0);
        assert_eq!(multiply_naive(&id, &b, n), b);
    }
}
