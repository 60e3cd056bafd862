//! `stencil`: 2D heat diffusion on an `n` x `n` grid (explicit 5-point Jacobi steps, fixed
//! boundary: a hot top edge, the other edges cold). The chapter's "sub-units that must share
//! data": in `threads` and `channel` each worker owns a strip of rows and exchanges halo rows with
//! its neighbours every step; each iteration reports its `compute` and `exchange` (halo copies
//! and waiting for neighbours) time as phases. Every variant does the same IEEE operations per
//! cell, so answers match bit for bit.

use crate::exec::{SpinBarrier, rayon_pool, scoped_each, split_even};
pub use crate::kernels::stencil::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::duration::Nanos;
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::Instant;

/// A worker's strip: `h` rows starting at global row `start`, in two buffers of `h + 2` rows
/// (row 0 and row `h + 1` are halos: the neighbours' boundary rows, or the fixed grid edge).
struct Strip {
    start: usize,
    h: usize,
    cur: Vec<f64>,
    next: Vec<f64>,
}

impl Strip {
    fn new(grid: &[f64], n: usize, start: usize, h: usize) -> Strip {
        let rows = grid[(start - 1) * n..(start + h + 1) * n].to_vec();
        Strip {
            start,
            h,
            cur: rows.clone(),
            next: rows,
        }
    }
}

/// The two boundary rows a `threads` worker publishes each step.
struct Halo {
    top: Vec<f64>,
    bottom: Vec<f64>,
}

/// The `stencil` workload: 2D heat diffusion on an `n` x `n` grid.
#[derive(Debug, Default)]
pub struct Stencil;

enum Strategy {
    Serial,
    /// Strips, halos published in double-buffered slots, one (spinning) barrier per step.
    Threads(Vec<[Mutex<Halo>; 2]>),
    Rayon(rayon::ThreadPool),
    /// Strips, halos sent to the neighbours over channels.
    Channel,
}

struct StencilExecution {
    n: usize,
    steps: u32,
    init: Vec<f64>,
    strategy: Strategy,
    /// Whole-grid buffers (serial, rayon); the result is in `a` after an odd number of steps.
    a: Vec<f64>,
    b: Vec<f64>,
    strips: Vec<Strip>,
}

/// Per-worker time split of one iteration, in ns.
#[derive(Default, Clone, Copy)]
struct Split {
    compute: f64,
    exchange: f64,
}

fn mean_split(splits: &[Split]) -> Vec<(std::borrow::Cow<'static, str>, Nanos)> {
    let k = splits.len().max(1) as f64;
    vec![
        (
            "compute".into(),
            Nanos(splits.iter().map(|s| s.compute).sum::<f64>() / k),
        ),
        (
            "exchange".into(),
            Nanos(splits.iter().map(|s| s.exchange).sum::<f64>() / k),
        ),
    ]
}

fn ns(from: Instant, to: Instant) -> f64 {
    (to - from).as_nanos() as f64
}

/// A `channel` worker's ends of the channels to its neighbours (`None` at the grid's edges).
struct Ends {
    /// To the worker above: this strip's top row.
    up_tx: Option<crossbeam::channel::Sender<Vec<f64>>>,
    /// From the worker above: its bottom row.
    down_rx: Option<crossbeam::channel::Receiver<Vec<f64>>>,
    /// To the worker below: this strip's bottom row.
    down_tx: Option<crossbeam::channel::Sender<Vec<f64>>>,
    /// From the worker below: its top row.
    up_rx: Option<crossbeam::channel::Receiver<Vec<f64>>>,
}

impl Ends {
    /// Sends the boundary rows of `next` (a strip of `h` rows of `n` plus two halo rows) to the
    /// neighbours and receives theirs into its halo rows; `false` when a neighbour is gone.
    fn exchange(&self, next: &mut [f64], n: usize, h: usize) -> bool {
        if let Some(tx) = &self.up_tx
            && tx.send(next[n..2 * n].to_vec()).is_err()
        {
            return false;
        }
        if let Some(tx) = &self.down_tx
            && tx.send(next[h * n..(h + 1) * n].to_vec()).is_err()
        {
            return false;
        }
        if let Some(rx) = &self.down_rx {
            match rx.recv() {
                Ok(row) => next[..n].copy_from_slice(&row),
                Err(_) => return false,
            }
        }
        if let Some(rx) = &self.up_rx {
            match rx.recv() {
                Ok(row) => next[(h + 1) * n..].copy_from_slice(&row),
                Err(_) => return false,
            }
        }
        true
    }
}

/// Phases of one iteration: (name, mean time per worker).
type Phases = Vec<(std::borrow::Cow<'static, str>, Nanos)>;

/// What every strategy's steps read: the grid's side, the step count and the initial grid.
struct Steps<'a> {
    n: usize,
    steps: u32,
    init: &'a [f64],
}

impl Steps<'_> {
    /// Runs the steps on one thread.
    fn serial(&self, a: &mut Vec<f64>, b: &mut Vec<f64>) -> Phases {
        let (n, steps, init) = (self.n, self.steps, self.init);
        let interior = n * (n - 2);
        let t0 = Instant::now();
        sweep_rows(init, &mut a[n..n + interior], n);
        for _ in 1..steps {
            // Cancellation (timeout, Ctrl-C) is polled per step.
            if parbench_harness::cancel::requested() {
                break;
            }
            std::mem::swap(a, b);
            sweep_rows(b, &mut a[n..n + interior], n);
        }
        let split = Split {
            compute: ns(t0, Instant::now()),
            exchange: 0.0,
        };
        mean_split(&[split])
    }

    /// Runs each step as rayon tasks of rows.
    fn rayon(&self, pool: &rayon::ThreadPool, a: &mut Vec<f64>, b: &mut Vec<f64>) -> Phases {
        let (n, steps, init) = (self.n, self.steps, self.init);
        let interior = n * (n - 2);
        let workers = pool.current_num_threads();
        let rows_per_task = (n - 2).div_ceil(workers * 4).max(1);
        let busy = AtomicU64::new(0);
        let t0 = Instant::now();
        pool.install(|| {
            for t in 0..steps {
                if t > 0 && parbench_harness::cancel::requested() {
                    break;
                }
                if t > 0 {
                    std::mem::swap(a, b);
                }
                let src: &[f64] = if t == 0 { init } else { b };
                a[n..n + interior]
                    .par_chunks_mut(rows_per_task * n)
                    .enumerate()
                    .for_each(|(k, dst)| {
                        let s = Instant::now();
                        let first = k * rows_per_task; // interior row index, 0-based
                        let h = dst.len() / n;
                        sweep_rows(&src[first * n..(first + h + 2) * n], dst, n);
                        busy.fetch_add(s.elapsed().as_nanos() as u64, Relaxed);
                    });
            }
        });
        let wall = ns(t0, Instant::now());
        let compute = busy.load(Relaxed) as f64 / workers as f64;
        vec![
            ("compute".into(), Nanos(compute)),
            ("exchange".into(), Nanos((wall - compute).max(0.0))),
        ]
    }

    /// Runs the strips on scoped threads, halos through double-buffered slots and a barrier per step.
    fn threads(&self, slots: &[[Mutex<Halo>; 2]], strips: &mut [Strip]) -> Phases {
        let (n, steps, init) = (self.n, self.steps, self.init);
        let barrier = SpinBarrier::new(strips.len());
        let w = strips.len();
        // Cancellation (timeout, Ctrl-C): a worker that stopped alone would leave the
        // others at the barrier for ever, so all stop after the same step. Worker 0 polls
        // before the barrier of step `t` and publishes its decision in `stop[t % 2]`;
        // every worker reads it after that barrier. Two slots, because worker 0 writes
        // the next step's decision while slower workers may still read this one's (it
        // cannot write `stop[t % 2]` again before all of them passed barrier `t + 1`).
        let stop = [AtomicBool::new(false), AtomicBool::new(false)];
        let splits = scoped_each(strips, |i, strip| {
            let Strip {
                start,
                h,
                cur,
                next,
            } = strip;
            let (start, h) = (*start, *h);
            let mut split = Split::default();
            for t in 0..steps as usize {
                let t0 = Instant::now();
                let src: &[f64] = if t == 0 {
                    &init[(start - 1) * n..(start + h + 1) * n]
                } else {
                    cur
                };
                sweep_rows(src, &mut next[n..(h + 1) * n], n);
                let t1 = Instant::now();
                let p = t % 2;
                {
                    let mut mine = slots[i][p].lock().unwrap_or_else(|e| e.into_inner());
                    mine.top.copy_from_slice(&next[n..2 * n]);
                    mine.bottom.copy_from_slice(&next[h * n..(h + 1) * n]);
                }
                if i == 0 {
                    stop[p].store(parbench_harness::cancel::requested(), Relaxed);
                }
                // The barrier orders worker 0's store before every worker's load.
                barrier.wait();
                let stopping = stop[p].load(Relaxed);
                if i > 0 {
                    let above = slots[i - 1][p].lock().unwrap_or_else(|e| e.into_inner());
                    next[..n].copy_from_slice(&above.bottom);
                }
                if i + 1 < w {
                    let below = slots[i + 1][p].lock().unwrap_or_else(|e| e.into_inner());
                    next[(h + 1) * n..].copy_from_slice(&below.top);
                }
                std::mem::swap(cur, next);
                let t2 = Instant::now();
                split.compute += ns(t0, t1);
                split.exchange += ns(t1, t2);
                if stopping {
                    break;
                }
            }
            split
        });
        mean_split(&splits)
    }

    /// Runs the strips on scoped threads, halos sent to the neighbours over channels.
    fn channel(&self, strips: &mut [Strip]) -> Phases {
        let (n, steps, init) = (self.n, self.steps, self.init);
        let w = strips.len();
        // down[k]: worker k -> k+1 (k's bottom row); up[k]: worker k+1 -> k (its top row).
        let (down_tx, down_rx): (Vec<_>, Vec<_>) = (1..w)
            .map(|_| crossbeam::channel::bounded::<Vec<f64>>(1))
            .unzip();
        let (up_tx, up_rx): (Vec<_>, Vec<_>) = (1..w)
            .map(|_| crossbeam::channel::bounded::<Vec<f64>>(1))
            .unzip();
        // Each worker takes its own ends, so that a worker that stops drops them.
        // Cancellation (timeout, Ctrl-C): a worker that sees it stops; its neighbours'
        // next send or receive then fails (the channel is disconnected) and they stop
        // too, and so on down the line: no worker waits for a neighbour that is gone.
        let mut down_tx = down_tx.into_iter().map(Some).collect::<Vec<_>>();
        let mut down_rx = down_rx.into_iter().map(Some).collect::<Vec<_>>();
        let mut up_tx = up_tx.into_iter().map(Some).collect::<Vec<_>>();
        let mut up_rx = up_rx.into_iter().map(Some).collect::<Vec<_>>();
        let ends: Vec<Mutex<Option<Ends>>> = (0..w)
            .map(|i| {
                let above = i.checked_sub(1);
                let below = (i + 1 < w).then_some(i);
                Mutex::new(Some(Ends {
                    up_tx: above.and_then(|k| up_tx[k].take()),
                    down_rx: above.and_then(|k| down_rx[k].take()),
                    down_tx: below.and_then(|k| down_tx[k].take()),
                    up_rx: below.and_then(|k| up_rx[k].take()),
                }))
            })
            .collect();
        let splits = scoped_each(strips, |i, strip| {
            let Strip {
                start,
                h,
                cur,
                next,
            } = strip;
            let (start, h) = (*start, *h);
            let ends = ends[i]
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .expect("each worker takes its ends once");
            let mut split = Split::default();
            for t in 0..steps as usize {
                if parbench_harness::cancel::requested() {
                    break;
                }
                let t0 = Instant::now();
                let src: &[f64] = if t == 0 {
                    &init[(start - 1) * n..(start + h + 1) * n]
                } else {
                    cur
                };
                sweep_rows(src, &mut next[n..(h + 1) * n], n);
                let t1 = Instant::now();
                // A failed send or receive: a neighbour stopped (cancelled, or its
                // thread panicked, which the scope then re-raises).
                if !ends.exchange(next, n, h) {
                    break;
                }
                std::mem::swap(cur, next);
                let t2 = Instant::now();
                split.compute += ns(t0, t1);
                split.exchange += ns(t1, t2);
            }
            split
        });
        mean_split(&splits)
    }
}

impl StencilExecution {
    /// Runs the steps; returns the phases.
    fn step_all(&mut self) -> Phases {
        let StencilExecution {
            n,
            steps,
            init,
            strategy,
            a,
            b,
            strips,
        } = self;
        let grid = Steps {
            n: *n,
            steps: *steps,
            init: &init[..],
        };
        match strategy {
            Strategy::Serial => grid.serial(a, b),
            Strategy::Rayon(pool) => grid.rayon(pool, a, b),
            Strategy::Threads(slots) => grid.threads(slots, strips),
            Strategy::Channel => grid.channel(strips),
        }
    }

    fn grid(&self) -> Vec<f64> {
        let n = self.n;
        match &self.strategy {
            Strategy::Serial | Strategy::Rayon(_) => self.a.clone(),
            Strategy::Threads(_) | Strategy::Channel => {
                let mut g = self.init.clone();
                for s in &self.strips {
                    g[s.start * n..(s.start + s.h) * n].copy_from_slice(&s.cur[n..(s.h + 1) * n]);
                }
                g
            }
        }
    }
}

impl Execution for StencilExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let phases = self.step_all();
        let n = self.n;
        let mid = match &self.strategy {
            Strategy::Serial | Strategy::Rayon(_) => self.a[(n / 2) * n + n / 2],
            Strategy::Threads(_) | Strategy::Channel => {
                self.strips.first().map_or(0.0, |s| s.cur[n + n / 2])
            }
        };
        Ok(IterationOutput {
            digest: mid.to_bits(),
            phases,
        })
    }

    fn answer(&self) -> Answer<'_> {
        Answer::approx(self.grid(), Tolerance::EXACT)
    }
}

fn steps_of(problem: &Problem) -> Result<u32, WorkloadError> {
    Ok(problem.int(STEPS)?.clamp(1, u32::MAX as i64) as u32)
}

fn side_of(problem: &Problem) -> Result<usize, WorkloadError> {
    match usize::try_from(problem.n) {
        Ok(n) if n >= 3 => Ok(n),
        _ => Err(WorkloadError::new(format!(
            "stencil needs a grid side of at least 3, found {}",
            problem.n
        ))),
    }
}

impl Workload for Stencil {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "stencil",
            description: "2D heat diffusion, workers own strips and exchange halo rows every step (compute vs exchange time)",
            size_meaning: "grid side (n x n cells)",
            work_unit: "cell-updates",
            sizes: vec![
                NamedSize { label: "XS", n: 64 },
                NamedSize { label: "S", n: 512 },
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
            params: vec![ParamSpec {
                name: STEPS,
                description: "diffusion steps per iteration (one halo exchange each)",
                kind: ParamKind::Int {
                    min: 1,
                    max: 1_000_000,
                },
                default: ParamValue::Int(DEFAULT_STEPS),
            }],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        vec![
            VariantInfo::serial("one thread sweeps the whole grid, two buffers"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::Barrier,
                "scoped threads own strips; halo rows published in shared slots, one spinning barrier per step",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::Barrier,
                "rayon pool, each step a parallel loop over row blocks of the shared grid (the join ends the step)",
            ),
            VariantInfo::new(
                names::CHANNEL,
                ExecutionModel::Threads,
                SyncKind::Channel,
                "scoped threads own strips; halo rows sent to the neighbours over crossbeam channels (no barrier)",
            ),
        ]
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        let mut v = NotApplicable::all(
            &[
                names::MUTEX,
                names::PARKING_LOT,
                names::RWLOCK,
                names::ATOMIC,
                names::SHARDED,
            ],
            "a step needs whole halo rows from the step before: that is a barrier (`threads`) or messages (`channel`), not a lock or per-cell atomics around shared state",
        );
        v.push(NotApplicable::new(
            names::UNSYNC,
            "cells are written by their strip's owner only: there is no read-modify-write to lose",
        ));
        v
    }
    fn work(&self, problem: &Problem) -> f64 {
        let n = problem.n.saturating_sub(2) as f64;
        n * n * steps_of(problem).unwrap_or(0) as f64
    }

    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        side_of(problem).map(|_| ())
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // The initial grid, two working grids and the reference answer.
        Some(problem.n.saturating_mul(problem.n).saturating_mul(4 * 8))
    }

    fn bound(&self, problem: &Problem) -> Option<parbench_schema::calibration::BoundModel> {
        // A cell update reads its cell (the neighbours come from cache) and writes one: 16
        // bytes; c + α(u + d + l + r − 4c) is 8 multiplies and adds. Two grids are touched.
        let n = problem.n as f64;
        Some(parbench_schema::calibration::BoundModel {
            bytes: 16.0,
            flops: 8.0,
            working_set_bytes: 2.0 * n * n * 8.0,
            ..Default::default()
        })
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let n = side_of(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;

        let grid = initial_grid(n, problem.seed);
        Ok(Answer::approx(
            reference_steps(&grid, n, steps_of(problem)?),
            Tolerance::EXACT,
        ))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let n = side_of(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let init = initial_grid(n, problem.seed);
        // Never more strips than interior rows.
        let workers = workers.clamp(1, n - 2);
        let strips = || {
            split_even(n - 2, workers)
                .into_iter()
                .map(|r| Strip::new(&init, n, r.start + 1, r.len()))
                .collect::<Vec<_>>()
        };
        let (strategy, strips) = match variant {
            names::SERIAL => (Strategy::Serial, Vec::new()),
            names::RAYON => (Strategy::Rayon(rayon_pool(workers)?), Vec::new()),
            names::THREADS => {
                let halo = || {
                    Mutex::new(Halo {
                        top: vec![0.0; n],
                        bottom: vec![0.0; n],
                    })
                };
                let slots = (0..workers).map(|_| [halo(), halo()]).collect();
                (Strategy::Threads(slots), strips())
            }
            names::CHANNEL => (Strategy::Channel, strips()),
            other => return Err(WorkloadError::unknown_variant("stencil", other)),
        };
        let whole = matches!(strategy, Strategy::Serial | Strategy::Rayon(_));
        Ok(Box::new(StencilExecution {
            n,
            steps: steps_of(problem)?,
            a: if whole { init.clone() } else { Vec::new() },
            b: if whole { init.clone() } else { Vec::new() },
            init,
            strategy,
            strips,
        }))
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 4).max(3)
    }
}

impl crate::backend::Hooked for Stencil {
    fn backends(&self) -> crate::hooks::Hooks {
        use crate::hooks::{Hook, Hooks};
        Hooks {
            processes: Hook::NotApplicable(
                "not offered: a worker process takes one task and returns one result, but every stencil step needs its neighbours' halo rows from the step before; as tasks, every strip would travel through parbench on every step (message-passing exchange between workers is what `channel` shows)",
            ),
            opencl: Hook::NotApplicable(
                "stencil measures the halo exchange between the workers' strips every step; on a device the whole grid stays in device memory and there is no exchange to measure, so it has no OpenCL variant",
            ),
            mpi: Hook::Supported(crate::mpi::MpiHook {
                job: crate::mpi::job::stencil,
                sync: SyncKind::Message,
                description: "each rank owns a strip of rows and exchanges halo rows with its neighbours every step (MPI_Sendrecv; communication: the exchange)",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(n: u64, steps: i64) -> Problem {
        Problem::new("t", n, 4).with_param(STEPS, ParamValue::Int(steps))
    }

    #[test]
    fn every_variant_matches_the_reference_bit_for_bit() {
        for steps in [1, 2, 7] {
            let p = problem(23, steps);
            let want = Stencil.reference(&p).unwrap();
            for v in Stencil.variants() {
                for w in [1, 2, 3, 5] {
                    let mut e = Stencil.prepare(&p, v.name, w).unwrap();
                    e.run().unwrap();
                    let out = e.run().unwrap();
                    verify(&want, &e.answer())
                        .unwrap_or_else(|m| panic!("{} w{w} steps {steps}: {m}", v.name));
                    let names: Vec<_> = out.phases.iter().map(|(k, _)| k.as_ref()).collect();
                    assert_eq!(names, ["compute", "exchange"], "{}", v.name);
                }
            }
        }
    }

    #[test]
    fn more_workers_than_rows_and_the_smallest_grid() {
        let p = problem(3, 4);
        let want = Stencil.reference(&p).unwrap();
        for v in ["threads", "channel", "rayon"] {
            let mut e = Stencil.prepare(&p, v, 4).unwrap();
            e.run().unwrap();
            verify(&want, &e.answer()).unwrap();
        }
        assert!(Stencil.prepare(&problem(2, 1), "serial", 1).is_err());
    }

    #[test]
    fn heat_flows_from_the_hot_edge_and_stays_bounded() {
        let n = 16;
        let g = reference_steps(&initial_grid(n, 1), n, 500);
        assert!(g.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(
            g[n + n / 2] > g[(n - 2) * n + n / 2],
            "rows near the hot edge are warmer"
        );
        assert_eq!(g[..n], vec![HOT_EDGE; n][..]);
    }
}
