//! `square`: `y[i] = x[i]^2` over a large f64 array (memory-bound; the chapter's `Pool.map`
//! example). Every variant performs the same IEEE multiplication per element, so answers must
//! match the reference bit for bit. Throughput counts 16 bytes per element (one read, one write).

use crate::exec::{rayon_pool, scoped_slices};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel, ProcessHook};
pub use crate::kernels::square::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::results::{ExecutionModel, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;

/// Bytes moved per element: 8 read + 8 written (write-allocate traffic is not counted, as in STREAM).
pub const BYTES_PER_ELEMENT: f64 = 16.0;

/// Elements per rayon task.
const RAYON_MIN_LEN: usize = 1 << 14;

/// The `square` workload: `y[i] = x[i]^2` over `n` elements.
#[derive(Debug, Default)]
pub struct Square;

enum Strategy {
    Serial,
    Threads(usize),
    Rayon(rayon::ThreadPool),
}

struct SquareExecution {
    x: Vec<f64>,
    y: Vec<f64>,
    strategy: Strategy,
}

impl Execution for SquareExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let x = &self.x;
        match &self.strategy {
            Strategy::Serial => square_into(x, &mut self.y),
            Strategy::Threads(w) => scoped_slices(&mut self.y, *w, |_, off, chunk| {
                square_into(&x[off..off + chunk.len()], chunk)
            }),
            // The same vectorized kernel as serial and threads, over 16 Ki-element tasks: an
            // element-wise closure here measured a different (scalar) kernel, not rayon.
            Strategy::Rayon(pool) => pool.install(|| {
                self.y
                    .par_chunks_mut(RAYON_MIN_LEN)
                    .zip(x.par_chunks(RAYON_MIN_LEN))
                    .for_each(|(y, x)| square_into(x, y))
            }),
        }
        let n = self.y.len();
        let digest = if n == 0 {
            0
        } else {
            self.y[0].to_bits()
                ^ self.y[n / 2].to_bits().rotate_left(21)
                ^ self.y[n - 1].to_bits().rotate_left(42)
        };
        Ok(IterationOutput::digest(digest))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.y.as_slice().into(),
            tolerance: Tolerance::EXACT,
        }
    }
}

impl Workload for Square {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "square",
            description: "elementwise y = x^2 over an f64 array (memory-bound)",
            size_meaning: "elements",
            work_unit: "B",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 100_000,
                },
                NamedSize {
                    label: "S",
                    n: 2_000_000,
                },
                NamedSize {
                    label: "M",
                    n: 16_000_000,
                },
                NamedSize {
                    label: "L",
                    n: 64_000_000,
                },
            ],
            default_sizes: vec!["S", "M"],
            params: vec![],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, a vectorized loop"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::None,
                "scoped threads, one static chunk of the array each",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool, parallel iterator over 16 Ki-element tasks",
            ),
        ];
        variants
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        NotApplicable::all(
            NotApplicable::SHARED_STATE_VARIANTS,
            "each output element is written by exactly one worker and the input is only read: there is no shared state to lock, update atomically, shard, send or race on",
        )
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64 * BYTES_PER_ELEMENT
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // The reference answer, x and y.
        Some(problem.n.saturating_mul(3 * 8))
    }

    fn bound(&self, problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        // The unit of work is a byte moved: x read and y written, both arrays touched.
        Some(parbench_schema::calibration::BoundModel {
            bytes: 1.0,
            working_set_bytes: problem.n as f64 * BYTES_PER_ELEMENT,
            ..Default::default()
        })
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let mut x = try_input(problem.n as usize, problem.seed)?;
        // Polled like the kernels (the runner holds the reference to the point's timeout).
        for chunk in x.chunks_mut(POLL_ELEMENTS) {
            if parbench_harness::cancel::requested() {
                break;
            }
            chunk.iter_mut().for_each(|v| *v *= *v);
        }
        Ok(Answer::approx(x, Tolerance::EXACT))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let strategy = match variant {
            names::SERIAL => Strategy::Serial,
            names::THREADS => Strategy::Threads(workers),
            names::RAYON => Strategy::Rayon(rayon_pool(workers)?),
            other => return Err(WorkloadError::unknown_variant("square", other)),
        };
        let n = problem.n as usize;
        // Touch the output now so page faults stay out of the timed region.
        Ok(Box::new(SquareExecution {
            x: try_input(n, problem.seed)?,
            y: crate::alloc::filled(n, -1.0, "the output array")?,
            strategy,
        }))
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 32).max(1000)
    }
}

impl crate::backend::Hooked for Square {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::square::prepare,
                transport: true,
            }),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![OpenClKernel {
                    variant: crate::opencl::VARIANT,
                    kernel: crate::opencl::Kernel::Square,
                    sync: SyncKind::Message,
                    description: "OpenCL device: x copied to the device, one work-item per element, y copied back (copies and kernel timed apart)",
                    needs: crate::opencl::Needs::Fp64,
                }],
                default_work_group_size: crate::opencl::DEFAULT_WORK_GROUP_SIZE,
                work_group_size_note: None,
                ignores: &[],
            }),
            mpi: Hook::Supported(crate::mpi::MpiHook {
                job: crate::mpi::job::square,
                sync: SyncKind::Message,
                description: "rank 0 scatters x (MPI_Scatterv), each rank squares its block, rank 0 gathers y (MPI_Gatherv); scatter and gather are the communication",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_matches_bit_for_bit() {
        let p = Problem::new("t", 100_003, 5);
        crate::check::every_variant_verifies(&Square, &p, &[1, 2, 5]).unwrap();
    }

    #[test]
    fn unknown_variant_is_an_error() {
        let p = Problem::new("t", 10, 5);
        assert!(Square.prepare(&p, "gpu", 1).is_err());
    }
}
