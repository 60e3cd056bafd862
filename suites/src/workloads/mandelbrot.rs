//! `mandelbrot`: the escape-time image of a view whose rows cost very different amounts (the
//! lower half holds the main cardioid, where every pixel runs to `max-iter`; the upper half
//! escapes quickly). Static chunking (`threads`) leaves a worker idle while dynamic scheduling
//! (`rayon`, `atomic`, `channel`) keeps every worker busy: the difference is the point.
//!
//! Pixel `(px, py)` of a `width` x `width/2` image is [`pixel_c`]; its escape count is
//! [`escape_time`]: only `+ - *` on binary64 in a fixed order with no fused multiply-add, so a
//! device that does the same operations (OpenCL with contraction off) counts identically.

use crate::exec::{rayon_pool, scoped_chunks, split_even};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel, ProcessHook};
pub use crate::kernels::mandelbrot::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

/// The `mandelbrot` workload: an escape-time image with rows of very uneven cost.
#[derive(Debug, Default)]
pub struct Mandelbrot;

enum Strategy {
    Serial,
    Threads,
    Rayon(rayon::ThreadPool),
    Atomic,
    Channel,
}

struct MandelbrotExecution {
    width: usize,
    height: usize,
    max_iter: u32,
    workers: usize,
    strategy: Strategy,
    image: Vec<u32>,
}

impl MandelbrotExecution {
    fn render(&mut self) {
        let (wd, ht, mi, w) = (self.width, self.height, self.max_iter, self.workers);
        let image = &mut self.image;
        match &self.strategy {
            Strategy::Serial => render_rows(&VIEW, wd, ht, 0..ht, mi, image),
            Strategy::Threads => {
                let bands = split_even(ht, w);
                let mut rest = &mut image[..];
                std::thread::scope(|s| {
                    let mut mine = None;
                    for (i, rows) in bands.into_iter().enumerate() {
                        let (band, tail) = std::mem::take(&mut rest).split_at_mut(rows.len() * wd);
                        rest = tail;
                        if i == 0 {
                            mine = Some((rows, band));
                        } else {
                            s.spawn(move || render_rows(&VIEW, wd, ht, rows, mi, band));
                        }
                    }
                    if let Some((rows, band)) = mine {
                        render_rows(&VIEW, wd, ht, rows, mi, band);
                    }
                });
            }
            Strategy::Rayon(pool) => pool.install(|| {
                image
                    .par_chunks_mut(wd)
                    .with_max_len(1)
                    .enumerate()
                    .for_each(|(py, row)| render_row(&VIEW, wd, ht, py, mi, row))
            }),
            Strategy::Atomic => {
                // Self-scheduling: workers claim the next row with fetch_add and keep their rows
                // privately; the caller places them after join.
                let next = AtomicUsize::new(0);
                let parts = scoped_chunks(w, w, |_, _| {
                    let (mut rows, mut data) = (Vec::new(), Vec::new());
                    loop {
                        let py = next.fetch_add(1, Relaxed);
                        if py >= ht {
                            break (rows, data);
                        }
                        let start = data.len();
                        data.resize(start + wd, 0);
                        render_row(&VIEW, wd, ht, py, mi, &mut data[start..]);
                        rows.push(py);
                    }
                });
                for (rows, data) in parts {
                    for (py, row) in rows.into_iter().zip(data.chunks_exact(wd)) {
                        image[py * wd..(py + 1) * wd].copy_from_slice(row);
                    }
                }
            }
            Strategy::Channel => {
                // A pool fed through a job channel (like Pool.map): workers (the calling thread
                // is one of them) take row numbers from one channel and send rendered rows back
                // on another, which holds every row, so nobody waits on the collector; the
                // calling thread places the rows once its own work is done.
                let (job_tx, job_rx) = crossbeam::channel::bounded::<usize>(ht);
                let (row_tx, row_rx) = crossbeam::channel::bounded::<(usize, Vec<u32>)>(ht);
                (0..ht).for_each(|py| job_tx.send(py).expect("capacity for every row"));
                drop(job_tx);
                let work =
                    |job_rx: crossbeam::channel::Receiver<usize>,
                     row_tx: crossbeam::channel::Sender<(usize, Vec<u32>)>| {
                        for py in job_rx {
                            let mut row = vec![0u32; wd];
                            render_row(&VIEW, wd, ht, py, mi, &mut row);
                            row_tx.send((py, row)).expect("capacity for every row");
                        }
                    };
                std::thread::scope(|s| {
                    for _ in 1..w {
                        let (job_rx, row_tx) = (job_rx.clone(), row_tx.clone());
                        s.spawn(move || work(job_rx, row_tx));
                    }
                    work(job_rx, row_tx);
                    for (py, row) in row_rx {
                        image[py * wd..(py + 1) * wd].copy_from_slice(&row);
                    }
                });
            }
        }
    }
}

impl Execution for MandelbrotExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.image.iter_mut().for_each(|p| *p = u32::MAX);
        self.render();
        let n = self.image.len();
        let digest = [0, n / 3, n / 2, n.saturating_sub(1)]
            .iter()
            .filter_map(|&i| self.image.get(i))
            .fold(0u64, |d, &c| d.rotate_left(16) ^ c as u64);
        Ok(IterationOutput::digest(digest))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::exact(self.image.iter().map(|&c| c as u64).collect())
    }
}

fn max_iter_of(problem: &Problem) -> Result<u32, WorkloadError> {
    Ok(problem.int(MAX_ITER)?.clamp(1, u32::MAX as i64) as u32)
}

fn dimensions(problem: &Problem) -> Result<(usize, usize), WorkloadError> {
    let width = usize::try_from(problem.n)
        .ok()
        .filter(|w| w.checked_mul(height_of(*w)).is_some())
        .ok_or_else(|| {
            WorkloadError::new(format!(
                "mandelbrot width {} is too large: its image does not fit in this platform's address space",
                problem.n
            ))
        })?;
    Ok((width, height_of(width)))
}

impl Workload for Mandelbrot {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "mandelbrot",
            description: "escape-time image whose rows cost very different amounts (static vs dynamic scheduling)",
            size_meaning: "image width in pixels (height is half of it)",
            work_unit: "pixels",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 128,
                },
                NamedSize { label: "S", n: 480 },
                NamedSize {
                    label: "M",
                    n: 1200,
                },
                NamedSize {
                    label: "L",
                    n: 3000,
                },
            ],
            default_sizes: vec!["S", "M"],
            params: vec![
                ParamSpec {
                    name: MAX_ITER,
                    description: "iterations after which a point counts as inside the set",
                    kind: ParamKind::Int {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: ParamValue::Int(DEFAULT_MAX_ITER),
                },
                // In rows of the image.
            ],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, 8 pixels at a time in SIMD lanes"),
            VariantInfo::new(
                names::THREADS,
                ExecutionModel::Threads,
                SyncKind::None,
                "scoped threads, one static band of rows each (unbalanced by design)",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool, one task per row, balanced by work stealing",
            ),
            VariantInfo::new(
                names::ATOMIC,
                ExecutionModel::Threads,
                SyncKind::Atomic,
                "scoped threads claim the next row with an atomic fetch_add (self-scheduling)",
            ),
            VariantInfo::new(
                names::CHANNEL,
                ExecutionModel::Threads,
                SyncKind::Channel,
                "a worker pool (the calling thread included) takes row numbers from a crossbeam channel and sends rows back on another (Pool.map style)",
            ),
        ];
        variants
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        let mut v = NotApplicable::all(
            &[names::MUTEX, names::PARKING_LOT, names::RWLOCK],
            "every pixel is written by exactly one worker and nothing is read back: the only shared state is the next-row counter, claimed lock-free by `atomic`",
        );
        v.push(NotApplicable::new(
            names::SHARDED,
            "there is no shared total to shard: each row is a separate result",
        ));
        v.push(NotApplicable::new(
            names::UNSYNC,
            "rows are independent outputs: there is no read-modify-write that could lose an update",
        ));
        v
    }
    fn work(&self, problem: &Problem) -> f64 {
        let (w, h) = dimensions(problem).unwrap_or((0, 0));
        w as f64 * h as f64
    }

    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        dimensions(problem).map(|_| ())
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // The image (u32 per pixel) and the reference answer (u64 per pixel).
        let (w, h) = dimensions(problem).ok()?;
        Some((w as u64).saturating_mul(h as u64).saturating_mul(4 + 8))
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let (wd, ht) = dimensions(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;

        let mi = max_iter_of(problem)?;
        let counts: Vec<u64> = (0..wd * ht)
            .into_par_iter()
            .map(|i| {
                // Polled per pixel too: after a cancellation every remaining pixel would still
                // run to `escape_time`'s first poll.
                if parbench_harness::cancel::requested() {
                    return 0;
                }
                let (cx, cy) = pixel_c(&VIEW, wd, ht, i % wd, i / wd);
                escape_time(cx, cy, mi) as u64
            })
            .collect();
        Ok(Answer::exact(counts))
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
            names::ATOMIC => Strategy::Atomic,
            names::CHANNEL => Strategy::Channel,
            other => return Err(WorkloadError::unknown_variant("mandelbrot", other)),
        };
        let (width, height) = dimensions(problem)?;
        Ok(Box::new(MandelbrotExecution {
            width,
            height,
            max_iter: max_iter_of(problem)?,
            workers,
            strategy,
            image: vec![0; width * height],
        }))
    }

    fn metrics(&self, _problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        let mut m = BTreeMap::new();
        if let Answer::Exact(v) = answer
            && !v.is_empty()
        {
            m.insert(
                "mean_iterations".into(),
                Metric {
                    value: v.iter().sum::<u64>() as f64 / v.len() as f64,
                    unit: "iterations/pixel".into(),
                },
            );
        }
        m
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 5).max(16)
    }
}

impl crate::backend::Hooked for Mandelbrot {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::mandelbrot::prepare,
                transport: false,
            }),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![OpenClKernel {
                    variant: crate::opencl::VARIANT,
                    kernel: crate::opencl::Kernel::Mandelbrot,
                    sync: SyncKind::Message,
                    description: "OpenCL device: one work-item per pixel with the same binary64 operations (no fused multiply-add), the image copied back",
                    needs: crate::opencl::Needs::Fp64,
                }],
                default_work_group_size: crate::opencl::DEFAULT_WORK_GROUP_SIZE,
                work_group_size_note: None,
                ignores: &[],
            }),
            mpi: Hook::NotApplicable(
                "rows computed by ranks and gathered are square's scatter/gather pattern (square's mpi variant); balancing uneven rows by messages is what processes-pool shows",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::mandelbrot::escape_lanes;

    fn problem(width: u64, max_iter: i64) -> Problem {
        Problem::new("t", width, 1).with_param(MAX_ITER, ParamValue::Int(max_iter))
    }

    #[test]
    fn every_variant_counts_every_pixel_like_the_reference() {
        // 37 wide: four full lane blocks and a remainder; 18 rows over up to 3 workers.
        let p = problem(37, 60);
        crate::check::every_variant_verifies(&Mandelbrot, &p, &[1, 2, 3]).unwrap();
    }

    #[test]
    fn escape_times_of_known_points_and_imbalanced_halves() {
        assert_eq!(escape_time(0.0, 0.0, 100), 100); // inside
        assert_eq!(escape_time(-1.0, 0.0, 100), 100); // period-2 cycle
        assert_eq!(escape_time(2.0, 0.0, 100), 2); // z1 = 2: |z|^2 = 4 is not > 4; z2 = 6
        assert_eq!(escape_time(3.0, 0.0, 100), 1);
        let lanes = escape_lanes(&[0.0, 2.0, 3.0, -1.0, 0.3, 0.26, -0.75, 1.0], 0.0, 100);
        for (l, cx) in [0.0, 2.0, 3.0, -1.0, 0.3, 0.26, -0.75, 1.0]
            .iter()
            .enumerate()
        {
            assert_eq!(lanes[l], escape_time(*cx, 0.0, 100), "lane {l}");
        }
        // The lower band of rows costs several times the upper one: static halves are unbalanced.
        let p = problem(64, 200);
        let Answer::Exact(c) = Mandelbrot.reference(&p).unwrap() else {
            panic!()
        };
        let half = c.len() / 2;
        let (top, bottom): (u64, u64) = (c[..half].iter().sum(), c[half..].iter().sum());
        assert!(bottom > 2 * top, "top {top}, bottom {bottom}");
    }
}
