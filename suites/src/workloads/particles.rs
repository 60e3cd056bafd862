//! `particles`: the independent-particle simulator (the chapter's embarrassingly parallel
//! example): `n` particles on circular orbits around the origin, integrated for `steps` explicit
//! Euler steps, no interaction. Every variant performs the same IEEE operations per particle, so
//! answers match bit for bit.
//!
//! One step of one particle is [`step`]: only `+ - * / sqrt` in a fixed order, with no fused
//! multiply-add, so any device that rounds IEEE 754 binary64 correctly (OpenCL requires it for
//! `double` `sqrt` and division; build with `-cl-fp-contract` off or write no `a*b+c`) reproduces
//! it exactly from the same [`input`].

use crate::exec::{rayon_pool, split_even, task_len};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel, ProcessHook};
pub use crate::kernels::particles::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;

const RAYON_MIN_TASK: usize = 1024;

/// The `particles` workload: `n` independent particles integrated for `steps` steps.
#[derive(Debug, Default)]
pub struct Particles;

enum Strategy {
    Serial,
    Threads,
    Rayon(rayon::ThreadPool),
}

struct ParticlesExecution {
    init: ParticleState,
    steps: u32,
    workers: usize,
    strategy: Strategy,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl Execution for ParticlesExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let (p, steps, w) = (&self.init, self.steps, self.workers);
        let n = p.x.len();
        match &self.strategy {
            Strategy::Serial => advance(&p.x, &p.y, &p.w, steps, &mut self.x, &mut self.y),
            Strategy::Threads => {
                // Static chunks on block boundaries (the last worker takes the remainder).
                let blocks = split_even(n / LANES, w);
                let mut xs = &mut self.x[..];
                let mut ys = &mut self.y[..];
                std::thread::scope(|s| {
                    for (i, b) in blocks.iter().enumerate() {
                        let end = if i + 1 == w { n } else { b.end * LANES };
                        let start = b.start * LANES;
                        let (xh, xt) = std::mem::take(&mut xs).split_at_mut(end - start);
                        let (yh, yt) = std::mem::take(&mut ys).split_at_mut(end - start);
                        (xs, ys) = (xt, yt);
                        let r = start..end;
                        let job = move || {
                            advance(&p.x[r.clone()], &p.y[r.clone()], &p.w[r], steps, xh, yh)
                        };
                        if i + 1 == w {
                            job();
                        } else {
                            s.spawn(job);
                        }
                    }
                });
            }
            Strategy::Rayon(pool) => {
                let len = task_len(n, w, RAYON_MIN_TASK, LANES);
                pool.install(|| {
                    self.x
                        .par_chunks_mut(len)
                        .zip(self.y.par_chunks_mut(len))
                        .enumerate()
                        .for_each(|(t, (xc, yc))| {
                            let r = t * len..t * len + xc.len();
                            advance(&p.x[r.clone()], &p.y[r.clone()], &p.w[r], steps, xc, yc)
                        })
                });
            }
        }
        let digest = self
            .x
            .first()
            .zip(self.y.last())
            .map_or(0, |(a, b)| a.to_bits() ^ b.to_bits().rotate_left(17));
        Ok(IterationOutput::digest(digest))
    }

    fn answer(&self) -> Answer<'_> {
        let mut v = self.x.clone();
        v.extend_from_slice(&self.y);
        Answer::approx(v, Tolerance::EXACT)
    }
}

fn steps_of(problem: &Problem) -> Result<u32, WorkloadError> {
    Ok(problem.int(STEPS)?.clamp(0, u32::MAX as i64) as u32)
}

impl Workload for Particles {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "particles",
            description: "independent particles on circular orbits, Euler-integrated (embarrassingly parallel floating point)",
            size_meaning: "particles",
            work_unit: "particle-steps",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 2_000,
                },
                NamedSize {
                    label: "S",
                    n: 50_000,
                },
                NamedSize {
                    label: "M",
                    n: 500_000,
                },
                NamedSize {
                    label: "L",
                    n: 4_000_000,
                },
            ],
            default_sizes: vec!["S", "M"],
            params: vec![ParamSpec {
                name: STEPS,
                description: "Euler steps per iteration",
                kind: ParamKind::Int {
                    min: 1,
                    max: 1_000_000,
                },
                default: ParamValue::Int(DEFAULT_STEPS),
            }],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, 32 particles at a time in SIMD lanes"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::None,
                "scoped threads, one static chunk of particles each",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool, chunks of particles scheduled by work stealing",
            ),
        ];
        variants
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        NotApplicable::all(
            NotApplicable::SHARED_STATE_VARIANTS,
            "particles never interact: each is read and written by one worker only, so there is no shared state to lock, update atomically, shard or send",
        )
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64 * steps_of(problem).unwrap_or(0) as f64
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // The initial state (x, y, w), the output (x, y) and the reference answer (x, y).
        Some(problem.n.saturating_mul(7 * 8))
    }

    fn bound(&self, _problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        // A particle step: 7 multiplies and adds, plus a square root and a division that this
        // bound does not count (so it is loose: particles reach a small share of it).
        Some(parbench_schema::calibration::BoundModel {
            flops: 7.0,
            ..Default::default()
        })
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let steps = steps_of(problem)?;
        let p = input(problem.n as usize, problem.seed);
        let (x, y): (Vec<f64>, Vec<f64>) = (0..p.x.len())
            .into_par_iter()
            // Polled per particle (at least one step each: the load is noise) like the
            // kernels: the runner holds the reference to the point's timeout.
            .map(|i| {
                if parbench_harness::cancel::requested() {
                    (0.0, 0.0)
                } else {
                    advance_one(p.x[i], p.y[i], p.w[i], steps)
                }
            })
            .unzip();
        let mut v = x;
        v.extend(y);
        Ok(Answer::approx(v, Tolerance::EXACT))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let workers = workers.max(1);
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let strategy = match variant {
            names::SERIAL => Strategy::Serial,
            names::THREADS => Strategy::Threads,
            names::RAYON => Strategy::Rayon(rayon_pool(workers)?),
            other => return Err(WorkloadError::unknown_variant("particles", other)),
        };
        let n = problem.n as usize;
        Ok(Box::new(ParticlesExecution {
            init: input(n, problem.seed),
            steps: steps_of(problem)?,
            workers,
            strategy,
            x: crate::alloc::filled(n, 0.0, "the output positions")?,
            y: crate::alloc::filled(n, 0.0, "the output positions")?,
        }))
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 25).max(100)
    }
}

impl crate::backend::Hooked for Particles {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::particles::prepare,
                transport: false,
            }),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![OpenClKernel {
                    variant: crate::opencl::VARIANT,
                    kernel: crate::opencl::Kernel::Particles,
                    sync: SyncKind::Message,
                    description: "OpenCL device: one work-item per particle (correctly rounded sqrt and division, no fused multiply-add), positions copied in and out",
                    needs: crate::opencl::Needs::Fp64,
                }],
                default_work_group_size: crate::opencl::DEFAULT_WORK_GROUP_SIZE,
                work_group_size_note: None,
                ignores: &[],
            }),
            mpi: Hook::NotApplicable(
                "independent particles handed to ranks and collected again are square's scatter/gather pattern, which square's mpi variant measures",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(n: u64, steps: i64) -> Problem {
        Problem::new("t", n, 11).with_param(STEPS, ParamValue::Int(steps))
    }

    #[test]
    fn every_variant_matches_the_reference_bit_for_bit() {
        // 70 particles: two full blocks and a remainder, split over up to 3 workers.
        let p = problem(70, 25);
        crate::check::every_variant_verifies(&Particles, &p, &[1, 2, 3]).unwrap();
    }

    #[test]
    fn orbits_stay_circular_and_turn_the_right_way() {
        // Explicit Euler drifts outwards slowly: the radius grows by a factor sqrt(1 + s^2) per step.
        let (x, y) = advance_one(1.0, 0.0, 1.0, 1000);
        let r = (x * x + y * y).sqrt();
        assert!((r - 1.0).abs() < 1e-3, "{r}");
        let angle = y.atan2(x);
        assert!((angle - 1.0).abs() < 1e-3, "{angle}"); // 1000 steps of 1e-3 rad
        let p = input(1000, 5);
        assert!(p.w.iter().all(|w| (-1.0..1.0).contains(w)));
        let r0 = p.x[7].hypot(p.y[7]);
        assert!((0.5..1.5).contains(&r0));
    }
}
