//! `histogram`: bin `n` deterministic pseudo-random values into `bins` shared bins (few bins: heavy
//! contention; many: little). The answer is the exact count of every bin; `unsync` loses updates,
//! reported as the `lost_updates` metric.
//!
//! Inputs and binning are public so that other execution models (worker processes, OpenCL
//! kernels) bin exactly the same values: value `i` is [`value`]`(seed, i)` and it falls into bin
//! [`bin_of`]`(value, bins)`.

use super::granularity::{self, Granularity};
use crate::exec::{SpinBarrier, rayon_pool, scoped_chunks_together, split_even, task_len};
use crate::hooks::{Hook, Hooks, OpenClHook, OpenClKernel};
pub use crate::kernels::histogram::*;
use crate::workload::*;
use crossbeam::utils::CachePadded;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Bins per padded block of a `sharded` worker's row (128 bytes, crossbeam's padding on x86-64).
const SHARD_BLOCK: usize = 16;
const CHANNEL_CAPACITY: usize = 1024;
const RAYON_MIN_TASK: usize = 1 << 14;

/// A worker's private partial histogram of one batch, remembering which bins it touched so that
/// publishing it costs one update per touched bin, not per bin.
struct Partial {
    counts: Vec<u64>,
    touched: Vec<u32>,
    pairs: Vec<(u32, u64)>,
}

impl Partial {
    fn new(bins: u32) -> Self {
        Partial {
            counts: vec![0; bins as usize],
            touched: Vec::new(),
            pairs: Vec::new(),
        }
    }

    /// Counts `values` and returns the (bin, count) pairs, resetting the counts.
    fn pairs(&mut self, values: &[u32], bins: u32) -> &[(u32, u64)] {
        for &v in values {
            let b = bin_of(v, bins);
            if self.counts[b] == 0 {
                self.touched.push(b as u32);
            }
            self.counts[b] += 1;
        }
        self.pairs.clear();
        for &b in &self.touched {
            self.pairs
                .push((b, std::mem::take(&mut self.counts[b as usize])));
        }
        self.touched.clear();
        &self.pairs
    }
}

/// Feeds `values` to a shared-state variant: at `Update` granularity `one(bin)` per value; at
/// `Batch` granularity `many(pairs)` once per batch with the batch's (bin, count) pairs.
#[inline]
fn publish(
    values: &[u32],
    bins: u32,
    g: Granularity,
    mut one: impl FnMut(usize),
    mut many: impl FnMut(&[(u32, u64)]),
) {
    // Cancellation (timeout, Ctrl-C) is polled every `POLL_VALUES` values or so.
    match g {
        Granularity::Update => {
            for chunk in values.chunks(POLL_VALUES) {
                if parbench_harness::cancel::requested() {
                    break;
                }
                chunk.iter().for_each(|&v| one(bin_of(v, bins)));
            }
        }
        Granularity::Batch(b) => {
            let mut p = Partial::new(bins);
            let mut since_poll = POLL_VALUES;
            for chunk in values.chunks(b) {
                if since_poll >= POLL_VALUES {
                    if parbench_harness::cancel::requested() {
                        break;
                    }
                    since_poll = 0;
                }
                since_poll += chunk.len();
                many(p.pairs(chunk, bins));
            }
        }
    }
}

/// The `histogram` workload: `n` pseudo-random values binned into shared bins.
#[derive(Debug, Default)]
pub struct Histogram;

/// The `rwlock` variant's table: bins created on first use.
type LazyBins = std::sync::RwLock<Vec<Option<AtomicU64>>>;

enum Message {
    One(u32),
    Partial(Vec<(u32, u64)>),
}

enum Strategy {
    Serial,
    Threads,
    Rayon(rayon::ThreadPool),
    Mutex(std::sync::Mutex<Vec<u64>>),
    ParkingLot(parking_lot::Mutex<Vec<u64>>),
    RwLock(LazyBins),
    Atomic(Vec<AtomicU64>),
    Sharded(Vec<CachePadded<[AtomicU64; SHARD_BLOCK]>>),
    Channel,
    Unsync(Vec<AtomicU64>),
}

struct HistogramExecution {
    values: Vec<u32>,
    bins: u32,
    workers: usize,
    granularity: Granularity,
    strategy: Strategy,
    counts: Vec<u64>,
}

fn atomics(bins: u32) -> Vec<AtomicU64> {
    (0..bins).map(|_| AtomicU64::new(0)).collect()
}

fn read_atomics(a: &[AtomicU64]) -> Vec<u64> {
    a.iter().map(|x| x.load(Relaxed)).collect()
}

/// One counting pass's inputs: the values, the bin count, the workers and how updates are
/// published.
#[derive(Clone, Copy)]
struct Pass<'a> {
    values: &'a [u32],
    k: u32,
    w: usize,
    g: Granularity,
}

/// Sums per-worker histograms of `bins` bins.
fn merge_parts(parts: Vec<Vec<u64>>, bins: usize) -> Vec<u64> {
    let mut h = vec![0u64; bins];
    for p in parts {
        h.iter_mut().zip(p).for_each(|(a, b)| *a += b);
    }
    h
}

impl HistogramExecution {
    fn count(&mut self) -> Vec<u64> {
        let p = Pass {
            values: &self.values[..],
            k: self.bins,
            w: self.workers,
            g: self.granularity,
        };
        match &mut self.strategy {
            Strategy::Serial => histogram(p.values, p.k),
            Strategy::Threads => count_threads(p),
            Strategy::Rayon(pool) => count_rayon(p, pool),
            Strategy::Mutex(m) => count_mutex(p, m),
            Strategy::ParkingLot(m) => count_parking_lot(p, m),
            Strategy::RwLock(table) => count_rw_lock(p, table),
            Strategy::Atomic(bins) => count_atomic(p, bins),
            Strategy::Sharded(blocks) => count_sharded(p, blocks),
            Strategy::Channel => count_channel(p),
            Strategy::Unsync(bins) => count_unsync(p, bins),
        }
    }
}

fn count_threads(p: Pass<'_>) -> Vec<u64> {
    let Pass { values, k, w, .. } = p;
    let n = p.values.len();
    let parts = scoped_chunks_together(n, w, |_, r| histogram(&values[r], k));
    merge_parts(parts, k as usize)
}

fn count_rayon(p: Pass<'_>, pool: &rayon::ThreadPool) -> Vec<u64> {
    let Pass { values, k, w, .. } = p;
    let n = p.values.len();
    let kk = p.k as usize;
    let len = task_len(n, w, RAYON_MIN_TASK, 1);
    pool.install(|| {
        values
            .par_chunks(len)
            .fold(
                || vec![0u64; kk],
                |mut h, c| {
                    count_into(c, k, &mut h);
                    h
                },
            )
            .reduce(
                || vec![0u64; kk],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            )
    })
}

fn count_mutex(p: Pass<'_>, m: &mut std::sync::Mutex<Vec<u64>>) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    let h = m.get_mut().unwrap_or_else(|e| e.into_inner());
    h.iter_mut().for_each(|x| *x = 0);
    let m = &*m;
    let lock = || m.lock().unwrap_or_else(|e| e.into_inner());
    scoped_chunks_together(n, w, |_, r| {
        publish(
            &values[r],
            k,
            g,
            |b| lock()[b] += 1,
            |pairs| {
                let mut h = lock();
                pairs.iter().for_each(|&(b, c)| h[b as usize] += c);
            },
        )
    });
    lock().clone()
}

fn count_parking_lot(p: Pass<'_>, m: &mut parking_lot::Mutex<Vec<u64>>) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    m.get_mut().iter_mut().for_each(|x| *x = 0);
    let m = &*m;
    scoped_chunks_together(n, w, |_, r| {
        publish(
            &values[r],
            k,
            g,
            |b| m.lock()[b] += 1,
            |pairs| {
                let mut h = m.lock();
                pairs.iter().for_each(|&(b, c)| h[b as usize] += c);
            },
        )
    });
    m.lock().clone()
}

fn count_rw_lock(p: Pass<'_>, table: &mut LazyBins) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    table
        .get_mut()
        .unwrap_or_else(|e| e.into_inner())
        .iter_mut()
        .for_each(|b| *b = None);
    let table = &*table;
    // Adds `c` to bin `b`: under the read lock when the bin exists (the common case),
    // else under the write lock, creating it.
    let add = |b: usize, c: u64, read: &Vec<Option<AtomicU64>>| -> bool {
        match &read[b] {
            Some(x) => {
                x.fetch_add(c, Relaxed);
                true
            }
            None => false,
        }
    };
    let create = |missing: &[(u32, u64)]| {
        let mut t = table.write().unwrap_or_else(|e| e.into_inner());
        for &(b, c) in missing {
            *t[b as usize]
                .get_or_insert_with(|| AtomicU64::new(0))
                .get_mut() += c;
        }
    };
    scoped_chunks_together(n, w, |_, r| {
        let mut missing = Vec::new();
        publish(
            &values[r],
            k,
            g,
            |b| {
                let found = add(b, 1, &table.read().unwrap_or_else(|e| e.into_inner()));
                if !found {
                    create(&[(b as u32, 1)]);
                }
            },
            |pairs| {
                {
                    let t = table.read().unwrap_or_else(|e| e.into_inner());
                    for &(b, c) in pairs {
                        if !add(b as usize, c, &t) {
                            missing.push((b, c));
                        }
                    }
                }
                if !missing.is_empty() {
                    create(&missing);
                    missing.clear();
                }
            },
        )
    });
    let t = table.read().unwrap_or_else(|e| e.into_inner());
    t.iter()
        .map(|b| b.as_ref().map_or(0, |x| x.load(Relaxed)))
        .collect()
}

fn count_atomic(p: Pass<'_>, bins: &mut [AtomicU64]) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    bins.iter().for_each(|b| b.store(0, Relaxed));
    let bins = &*bins;
    scoped_chunks_together(n, w, |_, r| {
        publish(
            &values[r],
            k,
            g,
            |b| {
                bins[b].fetch_add(1, Relaxed);
            },
            |pairs| {
                for &(b, c) in pairs {
                    bins[b as usize].fetch_add(c, Relaxed);
                }
            },
        )
    });
    read_atomics(bins)
}

fn count_sharded(p: Pass<'_>, blocks: &mut [CachePadded<[AtomicU64; SHARD_BLOCK]>]) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    let kk = p.k as usize;
    blocks
        .iter()
        .flat_map(|b| b.iter())
        .for_each(|x| x.store(0, Relaxed));
    let blocks = &*blocks;
    let per_row = kk.div_ceil(SHARD_BLOCK);
    scoped_chunks_together(n, w, |i, r| {
        // Worker i's row: only it writes there, so a relaxed load and store suffice;
        // rows start on their own 128-byte blocks, so no line is shared.
        let row = &blocks[i * per_row..(i + 1) * per_row];
        let slot = |b: usize| &row[b / SHARD_BLOCK][b % SHARD_BLOCK];
        let bump = |b: usize, c: u64| {
            let s = slot(b);
            s.store(s.load(Relaxed) + c, Relaxed)
        };
        publish(
            &values[r],
            k,
            g,
            |b| bump(b, 1),
            |pairs| pairs.iter().for_each(|&(b, c)| bump(b as usize, c)),
        )
    });
    (0..kk)
        .map(|b| {
            (0..w)
                .map(|i| blocks[i * per_row + b / SHARD_BLOCK][b % SHARD_BLOCK].load(Relaxed))
                .sum()
        })
        .collect()
}

fn count_channel(p: Pass<'_>) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    let kk = p.k as usize;
    let (tx, rx) = crossbeam::channel::bounded::<Message>(CHANNEL_CAPACITY);
    let start = &SpinBarrier::new(w);
    std::thread::scope(|s| {
        for r in split_even(n, w) {
            let tx = tx.clone();
            s.spawn(move || {
                start.wait();
                let send = |m| tx.send(m).expect("the receiver outlives the senders");
                publish(
                    &values[r],
                    k,
                    g,
                    |b| send(Message::One(b as u32)),
                    |pairs| send(Message::Partial(pairs.to_vec())),
                )
            });
        }
        drop(tx);
        let mut h = vec![0u64; kk];
        for m in rx {
            match m {
                Message::One(b) => h[b as usize] += 1,
                Message::Partial(p) => p.into_iter().for_each(|(b, c)| h[b as usize] += c),
            }
        }
        h
    })
}

fn count_unsync(p: Pass<'_>, bins: &mut [AtomicU64]) -> Vec<u64> {
    let Pass { values, k, w, g } = p;
    let n = p.values.len();
    bins.iter().for_each(|b| b.store(0, Relaxed));
    let bins = &*bins;
    // Lost-update demonstration: a racing store between this load and store wins.
    let racy = |b: usize, c: u64| bins[b].store(bins[b].load(Relaxed) + c, Relaxed);
    scoped_chunks_together(n, w, |_, r| {
        publish(
            &values[r],
            k,
            g,
            |b| racy(b, 1),
            |pairs| pairs.iter().for_each(|&(b, c)| racy(b as usize, c)),
        )
    });
    read_atomics(bins)
}

impl Execution for HistogramExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.counts = self.count();
        let digest = self.counts.iter().fold(0u64, |d, &c| d.rotate_left(5) ^ c);
        Ok(IterationOutput::digest(digest))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.counts.as_slice().into())
    }
}

fn variant(name: &'static str, sync: SyncKind, description: &'static str) -> VariantInfo {
    VariantInfo::new(name, ExecutionModel::Threads, sync, description)
}

fn bins_of(problem: &Problem) -> Result<u32, WorkloadError> {
    let b = problem.int(BINS)?;
    u32::try_from(b)
        .ok()
        .filter(|&b| b >= 1)
        .ok_or_else(|| WorkloadError::new(format!("`{BINS}` must be at least 1, found {b}")))
}

impl Workload for Histogram {
    fn info(&self) -> WorkloadInfo {
        let mut params = vec![ParamSpec {
            name: BINS,
            description: "number of shared bins (few bins: heavy contention)",
            kind: ParamKind::Int {
                min: 1,
                max: 1 << 20,
            },
            default: ParamValue::Int(DEFAULT_BINS),
        }];
        params.extend(granularity::params());
        WorkloadInfo {
            name: "histogram",
            description: "bin n pseudo-random values into `bins` shared bins (contention vs bin count)",
            size_meaning: "values",
            work_unit: "values",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 20_000,
                },
                NamedSize {
                    label: "S",
                    n: 4_000_000,
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
            default_sizes: vec!["S"],
            params,
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let variants = vec![
            VariantInfo::serial("one thread, one private histogram"),
            variant(
                names::THREADS,
                SyncKind::None,
                "scoped threads, a private histogram each, merged after join",
            ),
            VariantInfo::new(
                names::RAYON,
                ExecutionModel::Rayon,
                SyncKind::None,
                "rayon pool, fold into per-task histograms, reduced pairwise",
            ),
            variant(
                names::MUTEX,
                SyncKind::Mutex,
                "one histogram behind std::sync::Mutex, locked per value or per batch's partial histogram",
            ),
            variant(
                names::PARKING_LOT,
                SyncKind::Mutex,
                "one histogram behind parking_lot::Mutex, locked per value or per batch",
            ),
            variant(
                names::RWLOCK,
                SyncKind::RwLock,
                "bins created on first use in a table behind std::sync::RwLock: the read lock and an atomic fetch_add per update, the write lock only to create a bin",
            ),
            variant(
                names::ATOMIC,
                SyncKind::Atomic,
                "one AtomicU64 per bin, fetch_add per value or per batch's touched bin",
            ),
            variant(
                names::SHARDED,
                SyncKind::Sharded,
                "a row of CachePadded atomic bins per worker (owner-only load and store), summed at the end",
            ),
            variant(
                names::CHANNEL,
                SyncKind::Channel,
                "workers send bins (per value) or partial histograms (per batch) over a bounded crossbeam channel; the calling thread adds them up",
            ),
            variant(
                names::UNSYNC,
                SyncKind::Unsync,
                "racy load-then-store on shared atomic bins, which loses updates",
            )
            .expected_incorrect(),
        ];
        variants
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64
    }

    fn check_problem(&self, problem: &Problem) -> Result<(), WorkloadError> {
        bins_of(problem).map(|_| ())
    }

    fn memory_bytes(&self, problem: &Problem) -> Option<u64> {
        // The input values (u32) and, per worker, at most a copy of the bins.
        Some(problem.n.saturating_mul(4))
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let bins = bins_of(problem)?;
        // The reference needs no input array, but the points after it do: fail it (and so
        // them) at once instead of counting values no point can hold.
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let mut h = vec![0u64; bins as usize];
        // Polled like the kernels (the runner holds the reference to the point's timeout).
        parbench_harness::cancel::sum_in_steps(0, problem.n, POLL_VALUES as u64, |lo, hi| {
            for i in lo..hi {
                h[bin_of(value(problem.seed, i), bins)] += 1;
            }
            0
        });
        Ok(Answer::exact(h))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let workers = workers.max(1);
        let bins = bins_of(problem)?;
        crate::alloc::ensure_fits(self.memory_bytes(problem), "this problem")?;
        let k = bins as usize;
        let strategy = match variant {
            names::SERIAL => Strategy::Serial,
            names::THREADS => Strategy::Threads,
            names::RAYON => Strategy::Rayon(rayon_pool(workers)?),
            names::MUTEX => Strategy::Mutex(std::sync::Mutex::new(vec![0; k])),
            names::PARKING_LOT => Strategy::ParkingLot(parking_lot::Mutex::new(vec![0; k])),
            names::RWLOCK => {
                Strategy::RwLock(std::sync::RwLock::new((0..k).map(|_| None).collect()))
            }
            names::ATOMIC => Strategy::Atomic(atomics(bins)),
            names::SHARDED => Strategy::Sharded(
                (0..workers * k.div_ceil(SHARD_BLOCK))
                    .map(|_| CachePadded::new(std::array::from_fn(|_| AtomicU64::new(0))))
                    .collect(),
            ),
            names::CHANNEL => Strategy::Channel,
            names::UNSYNC => Strategy::Unsync(atomics(bins)),
            other => return Err(WorkloadError::unknown_variant("histogram", other)),
        };
        let n = usize::try_from(problem.n)
            .map_err(|_| WorkloadError::new("histogram size exceeds this platform's usize"))?;
        Ok(Box::new(HistogramExecution {
            values: input(n, problem.seed),
            bins,
            workers,
            granularity: Granularity::from_problem(problem)?,
            strategy,
            counts: Vec::new(),
        }))
    }

    fn metrics(&self, problem: &Problem, answer: &Answer<'_>) -> BTreeMap<String, Metric> {
        let mut m = BTreeMap::new();
        if let Answer::Exact(v) = answer {
            let got: u64 = v.iter().sum();
            m.insert(
                "lost_updates".into(),
                Metric {
                    value: problem.n as f64 - got as f64,
                    unit: "updates".into(),
                },
            );
        }
        m
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 50).max(1000)
    }
}

impl crate::backend::Hooked for Histogram {
    fn backends(&self) -> Hooks {
        Hooks {
            processes: Hook::NotApplicable(
                "the point is contention on bins in shared memory; worker processes share no memory, so their partial histograms would travel as messages and be added once (the `channel` reduction per batch)",
            ),
            opencl: Hook::Supported(OpenClHook {
                kernels: vec![
                    OpenClKernel {
                        variant: crate::opencl::VARIANT,
                        kernel: crate::opencl::Kernel::Histogram { local: false },
                        sync: SyncKind::Atomic,
                        description: "OpenCL device: one global atomic_inc per value on the shared bins; the values and a reset of the bins copied in, the bins copied back",
                        needs: crate::opencl::Needs::Nothing,
                    },
                    OpenClKernel {
                        variant: crate::opencl::VARIANT_LOCAL,
                        kernel: crate::opencl::Kernel::Histogram { local: true },
                        sync: SyncKind::Sharded,
                        description: "OpenCL device: each work-group counts into its own bins in local memory (local atomics) and merges them into the global bins once",
                        needs: crate::opencl::Needs::Nothing,
                    },
                ],
                default_work_group_size: crate::opencl::DEFAULT_WORK_GROUP_SIZE,
                work_group_size_note: None,
                ignores: granularity::PARAMS,
            }),
            mpi: Hook::NotApplicable(
                "the point is contention on shared bins; MPI ranks share no memory, so their partial histograms would be one reduction (pi's mpi variant)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::granularity::problem;

    #[test]
    fn every_correct_variant_counts_every_bin_exactly() {
        for bins in [1, 3, 16, 100] {
            for g in ["update", "batch"] {
                let p = problem(5_003, g, &[(BINS, ParamValue::Int(bins))]);
                let want = Histogram.reference(&p).unwrap();
                assert_eq!(want.len(), bins as usize);
                for v in Histogram
                    .variants()
                    .into_iter()
                    .filter(|v| v.is_available())
                {
                    for w in [1, 2, 3] {
                        let mut e = Histogram.prepare(&p, v.name, w).unwrap();
                        e.run().unwrap();
                        e.run().unwrap(); // shared state is reset between iterations
                        let got = e.answer();
                        let lost = Histogram.metrics(&p, &got)["lost_updates"].value;
                        if v.expected_incorrect {
                            // Never assert that updates are lost (flaky on 2 cores), only that
                            // none is invented.
                            assert!(lost >= 0.0, "{} bins={bins} w{w} {g}", v.name);
                        } else {
                            verify(&want, &got)
                                .unwrap_or_else(|m| panic!("{} bins={bins} w{w} {g}: {m}", v.name));
                            assert_eq!(lost, 0.0);
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn bins_cover_the_range_evenly() {
        assert_eq!(bin_of(0, 16), 0);
        assert_eq!(bin_of(u32::MAX, 16), 15);
        assert_eq!(bin_of(u32::MAX, 1), 0);
        let h = histogram(&input(64_000, 1), 4);
        assert!(h.iter().all(|&c| (15_000..17_000).contains(&c)), "{h:?}");
        assert_eq!(
            input(10, 1),
            (0..10).map(|i| value(1, i)).collect::<Vec<_>>()
        );
    }
}
