//! `pi`: Monte Carlo estimate of pi from `n` points in the unit square (compute-bound; the
//! chapter's 7.2.3). Point `i` comes from a counter-based hash, so every variant counts exactly
//! the same hits; the kernel is written for 8-16 SIMD lanes and dispatched at run time.

use crate::exec::{rayon_pool, scoped_chunks, scoped_workers, split_even, task_len, task_ranges};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel, ProcessHook};
pub use crate::kernels::pi::*;
use crate::workload::*;
use parbench_harness::cancel;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Smallest task of the dynamically scheduled variants (about 30 µs): amortizes scheduling.
const MIN_TASK: usize = 1 << 16;
/// Tasks are multiples of the widest SIMD width in samples.
const TASK_ALIGN: usize = 64;
/// Hit counts a `channel` variant's queue holds before senders wait.
const CHANNEL_CAPACITY: usize = 256;

/// The `pi` workload: a Monte Carlo estimate of pi from `n` points.
#[derive(Debug, Default)]
pub struct Pi;

enum Strategy {
    Serial,
    Threads(usize),
    Rayon(rayon::ThreadPool),
    Atomic(usize),
    Channel(usize),
}

struct PiExecution {
    seed: u64,
    n: u64,
    strategy: Strategy,
    hits: Vec<u64>,
}

impl Execution for PiExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let (seed, n) = (self.seed, self.n);
        let hits = match &self.strategy {
            Strategy::Serial => count_hits_polled(seed, 0, n),
            Strategy::Threads(w) => scoped_chunks(n as usize, *w, |_, r| {
                count_hits_polled(seed, r.start as u64, r.end as u64)
            })
            .into_iter()
            .sum(),
            Strategy::Rayon(pool) => {
                // About 32 tasks per worker (not a fixed size): at size S a fixed 1 Mi-sample
                // task left one worker a whole task behind at the end.
                let len = task_len(n as usize, pool.current_num_threads(), MIN_TASK, TASK_ALIGN);
                pool.install(|| {
                    task_ranges(n as usize, len)
                        .collect::<Vec<_>>()
                        .into_par_iter()
                        .map(|r| count_hits_polled(seed, r.start as u64, r.end as u64))
                        .sum()
                })
            }
            Strategy::Atomic(w) => {
                // Self-scheduling: claim the next task with fetch_add on a shared cursor, add the
                // task's hits to a shared total with another fetch_add.
                let len = task_len(n as usize, *w, MIN_TASK, TASK_ALIGN) as u64;
                let (next, total) = (AtomicU64::new(0), AtomicU64::new(0));
                scoped_workers(*w, |_| {
                    loop {
                        let start = next.fetch_add(len, Relaxed);
                        if start >= n || cancel::requested() {
                            break;
                        }
                        total.fetch_add(
                            count_hits_polled(seed, start, (start + len).min(n)),
                            Relaxed,
                        );
                    }
                });
                total.load(Relaxed)
            }
            Strategy::Channel(w) => {
                // Static chunks cut into tasks; each task's hit count is sent to the calling
                // thread, which adds them up as they arrive.
                let len = task_len(n as usize, *w, MIN_TASK, TASK_ALIGN);
                let (tx, rx) = crossbeam::channel::bounded::<u64>(CHANNEL_CAPACITY);
                std::thread::scope(|s| {
                    for chunk in split_even(n as usize, *w) {
                        let tx = tx.clone();
                        s.spawn(move || {
                            for r in task_ranges(chunk.len(), len) {
                                let (a, b) =
                                    ((chunk.start + r.start) as u64, (chunk.start + r.end) as u64);
                                tx.send(count_hits_polled(seed, a, b))
                                    .expect("the receiver outlives the senders");
                            }
                        });
                    }
                    drop(tx);
                    rx.iter().sum()
                })
            }
        };
        self.hits = vec![hits];
        Ok(IterationOutput::digest(hits))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.hits.as_slice().into())
    }
}

impl Workload for Pi {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "pi",
            description: "Monte Carlo estimate of pi from n random points (compute-bound)",
            size_meaning: "samples",
            work_unit: "samples",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 1_000_000,
                },
                NamedSize {
                    label: "S",
                    n: 20_000_000,
                },
                NamedSize {
                    label: "M",
                    n: 200_000_000,
                },
                NamedSize {
                    label: "L",
                    n: 2_000_000_000,
                },
            ],
            default_sizes: vec!["S", "M"],
            params: vec![],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, SIMD lanes over consecutive samples"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::None,
                "scoped threads, one static chunk each, hits summed at the end",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool, about 32 tasks per worker scheduled by work stealing",
            ),
            VariantInfo::new(
                names::ATOMIC,
                ExecutionModel::Threads,
                SyncKind::Atomic,
                "scoped threads claim tasks from a shared atomic cursor and fetch_add their hits into one shared total",
            ),
            VariantInfo::new(
                names::CHANNEL,
                ExecutionModel::Threads,
                SyncKind::Channel,
                "scoped threads send each task's hit count over a crossbeam channel; the calling thread sums them",
            ),
        ];
        variants
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        let mut v = NotApplicable::all(
            &[names::MUTEX, names::PARKING_LOT, names::SHARDED],
            "the only shared state is one total, updated once per task: `atomic` and `channel` show that reduction; locking it per sample would serialize the SIMD kernel (see `counter` for per-update lock costs)",
        );
        v.push(NotApplicable::new(
            names::RWLOCK,
            "nothing is read while others write: the total is only ever added to",
        ));
        v.push(NotApplicable::new(
            names::UNSYNC,
            "the lost-update demonstration is `counter` and `histogram`; pi's one total per task would lose whole tasks rarely and unpredictably",
        ));
        v
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64
    }

    fn bound(&self, _problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        // Two 32-bit hashes per sample (x and y); the hit test is not counted.
        Some(parbench_schema::calibration::BoundModel {
            hashes: 2.0,
            ..Default::default()
        })
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        // The scalar path is simple but slow; split it over the machine's cores for big sizes.
        let n = problem.n;
        let parts = std::thread::available_parallelism().map_or(1, |p| p.get());
        let hits = scoped_chunks(n as usize, parts, |_, r| {
            cancel::sum_in_steps(r.start as u64, r.end as u64, POLL_STEP / 8, |a, b| {
                count_hits_scalar(problem.seed, a, b)
            })
        });
        Ok(Answer::exact(vec![hits.into_iter().sum()]))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let strategy = match variant {
            names::SERIAL => Strategy::Serial,
            names::THREADS => Strategy::Threads(workers),
            names::RAYON => Strategy::Rayon(rayon_pool(workers)?),
            names::ATOMIC => Strategy::Atomic(workers.max(1)),
            names::CHANNEL => Strategy::Channel(workers.max(1)),
            other => return Err(WorkloadError::unknown_variant("pi", other)),
        };
        Ok(Box::new(PiExecution {
            seed: problem.seed,
            n: problem.n,
            strategy,
            hits: vec![],
        }))
    }

    fn metrics(&self, problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        let mut m = BTreeMap::new();
        if let Answer::Exact(h) = answer
            && let (Some(&hits), true) = (h.first(), problem.n > 0)
        {
            let n = problem.n as f64;
            let estimate = 4.0 * hits as f64 / n;
            let p = std::f64::consts::FRAC_PI_4;
            let sigma = 4.0 * (p * (1.0 - p) / n).sqrt();
            let error = (estimate - std::f64::consts::PI).abs();
            m.insert(
                "pi_estimate".into(),
                Metric {
                    value: estimate,
                    unit: String::new(),
                },
            );
            m.insert(
                "abs_error".into(),
                Metric {
                    value: error,
                    unit: String::new(),
                },
            );
            m.insert(
                "error_in_sigmas".into(),
                Metric {
                    value: error / sigma,
                    unit: "σ".into(),
                },
            );
        }
        m
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 64).max(1000)
    }
}

impl crate::backend::Hooked for Pi {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::pi::prepare,
                transport: false,
            }),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![OpenClKernel {
                    variant: crate::opencl::VARIANT,
                    kernel: crate::opencl::Kernel::Pi,
                    sync: SyncKind::Message,
                    description: "OpenCL device: the same counter-based stream in OpenCL C, grid-stride work-items, per-group sums in local memory, partial sums copied back",
                    needs: crate::opencl::Needs::Nothing,
                }],
                default_work_group_size: crate::opencl::DEFAULT_WORK_GROUP_SIZE,
                work_group_size_note: None,
                ignores: &[],
            }),
            mpi: Hook::Supported(crate::mpi::MpiHook {
                job: crate::mpi::job::pi,
                sync: SyncKind::Message,
                description: "ranks count the hits of their own block of samples; one MPI_Reduce sums them on rank 0 (communication: the reduction)",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_kernel_matches_scalar_reference_across_block_boundaries() {
        let seed = 42;
        for (a, b) in [(0, 10_000), (17, 1_017), ((1 << 32) - 500, (1 << 32) + 700)] {
            assert_eq!(
                count_hits(seed, a, b),
                count_hits_scalar(seed, a, b),
                "{a}..{b}"
            );
        }
    }

    #[test]
    fn every_variant_counts_the_same_hits() {
        let p = Problem::new("t", 3_000_001, 9);
        crate::check::every_variant_verifies(&Pi, &p, &[1, 2, 3]).unwrap();
    }

    #[test]
    fn estimate_is_statistically_sound() {
        let p = Problem::new("t", 4_000_000, 1);
        let a = Pi.reference(&p).unwrap();
        let m = Pi.metrics(&p, &a);
        // Fails with probability ~1e-6 for a good generator; deterministic for this seed.
        assert!(m["error_in_sigmas"].value < 5.0, "{m:?}");
        assert!((m["pi_estimate"].value - std::f64::consts::PI).abs() < 0.01);
    }
}
