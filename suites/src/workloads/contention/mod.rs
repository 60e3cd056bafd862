//! `contention`: how a synchronization primitive behaves as threads are added, in the manner
//! of parking_lot's lock benchmarks and ARM's lockhammer. Each worker repeatedly does
//! `work-outside` units of private work, then one operation on shared state: a write (the
//! critical section: `work-inside` units, then an update of one shared 64-bit word) or, with
//! probability `read-fraction`, a read (`work-inside` units on the word's value).
//!
//! **One iteration = n operations shared by all workers.** Workers claim tickets `0..n` in
//! chunks from a shared counter (about 64 chunks per worker, at most 1024 tickets each), so the
//! engine times a fixed amount of work: its time statistics, speedup and throughput (ops/s) keep
//! their meaning, and how the n operations were split among the workers is the fairness. (Running
//! for a fixed duration instead would make the time constant and move the signal into a varying
//! operation count, which the engine does not summarize.) Threads are spawned once per point and
//! released together at a barrier for every iteration.
//!
//! **Verified exactly.** Write `k` adds an odd value derived from `k` to the word, whatever the
//! order: the final word must equal the sum over the write tickets of `0..n` (a lost or repeated
//! update changes it), and the operations and writes the workers counted must be n and the
//! number of write tickets. Which tickets are reads is a hash of the ticket and the seed, the
//! same for every variant.
//!
//! **Observed per point** ([`Operations`]): operations per worker (fairness: min, max, standard
//! deviation, Jain's index, starvation), per iteration and in total, and the latency of the
//! shared part of every `latency-every`-th operation of each worker (the lock taken, the critical
//! section, the release; a whole CAS loop; a `fetch_add`; a channel send), kept in a histogram,
//! with the clock's own cost subtracted.

mod barrier;
mod crew;
mod primitives;
pub mod spin;

use crate::counter_rng::uniform_u64;
use crate::workload::*;
pub(crate) use barrier::opaque;
use crew::Crew;
use crossbeam::utils::CachePadded;
use parbench_analysis::operations::{FairnessTracker, LatencyHistogram};
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::operations::{Fairness, Operations};
use parbench_schema::params::ParamValue;
use parbench_schema::results::{ExecutionModel, Metric, SyncKind};
use parbench_schema::variant::names;
use primitives::{Bare, CasLoop, FetchAdd, Locked, Plain, Shared, Slots};
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, Instant};

/// Parameter: units of work done while holding the shared word (inside the critical section).
pub const WORK_INSIDE: &str = "work-inside";
/// Parameter: units of private work before each operation on the shared word.
pub const WORK_OUTSIDE: &str = "work-outside";
/// Parameter: the share (0 to 1) of operations that only read the shared word.
pub const READ_FRACTION: &str = "read-fraction";
/// Parameter: time every k-th operation of each worker for latency percentiles (0: none).
pub const LATENCY_EVERY: &str = "latency-every";

/// What one operation is, as stored with the observations.
const OPERATION: &str = "work-outside units of private work, then a read or write of the shared word holding work-inside units";

/// Tickets per chunk: about this many chunks per worker and iteration.
const CHUNKS_PER_WORKER: u64 = 64;
const MAX_CHUNK: u64 = 1024;
/// Messages the channel's queue holds before senders wait.
const CHANNEL_CAPACITY: usize = 256;
/// Marks a read in a channel message (tickets stay far below 2^63).
const READ_BIT: u64 = 1 << 63;
const TICKET_SALT: u64 = 0x6A09_E667_F3BC_C909;

/// One unit of work: a multiply-xorshift step on a 64-bit value. Each step needs the previous
/// step's result (about 5 cycles of latency that neither the compiler nor the CPU can
/// shorten), and no closed form exists, so `units` steps cost `units` times one step. Its cost on
/// this machine is measured once per process (`work_unit_ns` in every point's metrics).
#[inline(always)]
pub fn work(mut x: u64, units: u32) -> u64 {
    for _ in 0..units {
        x = (x ^ (x >> 29) ^ 0x9E37_79B9_7F4A_7C15).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    }
    x
}

/// The value write `k` adds to the shared word: `work-inside` units from `k`, made odd so that
/// a single lost or repeated write always changes the sum.
#[inline(always)]
pub(crate) fn write_delta(k: u64, inside: u32) -> u64 {
    work(k ^ TICKET_SALT, inside) | 1
}

/// Cost of one unit of [`work`] in ns, measured once (best of five runs of a million units).
pub fn work_unit_ns() -> f64 {
    static UNIT: OnceLock<f64> = OnceLock::new();
    *UNIT.get_or_init(|| {
        const UNITS: u32 = 1_000_000;
        (0..5)
            .map(|_| {
                let t = Instant::now();
                black_box(work(black_box(1), UNITS));
                t.elapsed().as_secs_f64() * 1e9 / UNITS as f64
            })
            .fold(f64::INFINITY, f64::min)
    })
}

/// Median cost of timing an empty interval (`Instant::now` then `elapsed`), in ns: what every
/// latency sample carries on top of the operation, subtracted from the latency figures.
pub fn clock_overhead_ns() -> f64 {
    static CLOCK: OnceLock<f64> = OnceLock::new();
    *CLOCK.get_or_init(|| {
        let mut v: Vec<f64> = (0..10_001)
            .map(|_| {
                let t = Instant::now();
                t.elapsed().as_nanos() as f64
            })
            .collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    })
}

/// Which tickets are reads: a hash of (seed, ticket) below `read-fraction` of the range.
#[derive(Debug, Clone, Copy)]
struct OpMix {
    seed: u64,
    threshold: u64,
    all_reads: bool,
}

impl OpMix {
    fn new(read_fraction: f64, seed: u64) -> OpMix {
        OpMix {
            seed,
            threshold: (read_fraction.clamp(0.0, 1.0) * 2f64.powi(64)) as u64,
            all_reads: read_fraction >= 1.0,
        }
    }

    #[inline(always)]
    fn is_read(&self, k: u64) -> bool {
        self.all_reads || (self.threshold > 0 && uniform_u64(self.seed, k) < self.threshold)
    }
}

/// A point's settings, read from the problem.
#[derive(Debug, Clone, Copy)]
struct Settings {
    n: u64,
    inside: u32,
    outside: u32,
    mix: OpMix,
    /// Time every `every`-th operation of each worker (0: never).
    every: u64,
    chunk: u64,
}

impl Settings {
    fn of(problem: &Problem, workers: usize) -> Result<Settings, WorkloadError> {
        let units = |name: &str| -> Result<u32, WorkloadError> {
            u32::try_from(problem.int(name)?)
                .map_err(|_| WorkloadError::new(format!("parameter `{name}` is out of range")))
        };
        let n = problem.n;
        Ok(Settings {
            n,
            inside: units(WORK_INSIDE)?,
            outside: units(WORK_OUTSIDE)?,
            mix: OpMix::new(problem.float(READ_FRACTION)?, problem.seed),
            every: problem.int(LATENCY_EVERY)?.max(0) as u64,
            chunk: (n / (workers.max(1) as u64 * CHUNKS_PER_WORKER)).clamp(1, MAX_CHUNK),
        })
    }
}

/// What one worker did in one iteration.
#[derive(Debug, Clone, Copy, Default)]
struct Done {
    ops: u64,
    writes: u64,
}

/// What one worker observed since the observations were last taken.
#[derive(Debug, Default)]
struct Tally {
    retries: u64,
    writes: u64,
    latency: LatencyHistogram,
}

/// What every execution shares with its crew: settings, the ticket counter, one tally per
/// worker.
struct Common {
    settings: Settings,
    next: CachePadded<AtomicU64>,
    tallies: Vec<CachePadded<Mutex<Tally>>>,
}

impl Common {
    fn new(settings: Settings, workers: usize) -> Common {
        Common {
            settings,
            next: CachePadded::new(AtomicU64::new(0)),
            tallies: (0..workers)
                .map(|_| CachePadded::new(Mutex::new(Tally::default())))
                .collect(),
        }
    }

    /// Worker `w`'s share of an iteration: claim chunks of tickets until none are left; per
    /// ticket, the private work, then `op(ticket, is_read)` (timed every `every`-th time),
    /// which returns a value to fold into the private result and its retries.
    #[inline(always)]
    fn worker(&self, w: usize, mut op: impl FnMut(u64, bool) -> (u64, u64)) -> Done {
        let s = self.settings;
        let mut tally = self.tallies[w]
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut done = Done::default();
        let mut sink = w as u64;
        let mut retries = 0;
        // Workers sample at staggered positions; `u64::MAX` never counts down to zero.
        let mut countdown = if s.every > 0 {
            1 + (w as u64 * 7) % s.every
        } else {
            u64::MAX
        };
        loop {
            let start = self.next.fetch_add(s.chunk, Relaxed);
            if start >= s.n || parbench_harness::cancel::requested() {
                break;
            }
            for k in start..(start + s.chunk).min(s.n) {
                sink = work(sink ^ k, s.outside);
                let read = s.mix.is_read(k);
                countdown -= 1;
                let (v, r) = if countdown == 0 {
                    countdown = s.every;
                    let t = Instant::now();
                    let out = op(k, read);
                    tally.latency.record(t.elapsed().as_nanos() as u64);
                    out
                } else {
                    op(k, read)
                };
                sink ^= v;
                retries += r;
                done.ops += 1;
                done.writes += u64::from(!read);
            }
        }
        black_box(sink);
        tally.retries += retries;
        tally.writes += done.writes;
        done
    }
}

/// Observations common to every variant, and the bookkeeping they come from.
struct Observer {
    variant: &'static str,
    fairness: FairnessTracker,
    /// Wall time and operations of the iterations observed, for the sampling-overhead estimate.
    wall: Duration,
    ops: u64,
    workers: usize,
}

impl Observer {
    fn new(variant: &'static str, workers: usize) -> Observer {
        Observer {
            variant,
            fairness: FairnessTracker::new(),
            wall: Duration::ZERO,
            ops: 0,
            workers,
        }
    }

    fn record(&mut self, per_worker: &[u64], wall: Duration) {
        self.fairness.record(per_worker);
        self.wall += wall;
        self.ops += per_worker.iter().sum::<u64>();
    }

    fn take(&mut self, common: &Common) -> Observations {
        let mut latency = LatencyHistogram::new();
        let (mut retries, mut writes) = (0u64, 0u64);
        for t in &common.tallies {
            let mut t = t.lock().unwrap_or_else(PoisonError::into_inner);
            latency.merge(&t.latency);
            t.latency.clear();
            retries += std::mem::take(&mut t.retries);
            writes += std::mem::take(&mut t.writes);
        }
        let fairness = std::mem::take(&mut self.fairness);
        let (wall, ops) = (
            std::mem::take(&mut self.wall),
            std::mem::take(&mut self.ops),
        );
        let Some(balance) = Fairness::of(fairness.totals()) else {
            return Observations::default();
        };
        let every = common.settings.every;
        let clock = clock_overhead_ns();
        let mut latency = (every > 0 && latency.count() > 0)
            .then(|| latency.summary(every, clock, parbench_harness::engine::timer_resolution().0));
        if let Some(l) = latency.as_mut()
            && ops > 0
        {
            // Two clock reads every `every` operations, against a worker's mean time per
            // operation.
            let per_op = wall.as_secs_f64() * 1e9 * self.workers as f64 / ops as f64;
            l.sampling_overhead = Some(2.0 * clock / every as f64 / per_op);
        }
        let operations = Operations {
            operation: OPERATION.into(),
            per_worker: fairness.totals().to_vec(),
            fairness: balance,
            per_iteration: fairness.per_iteration(),
            latency,
        };
        let mut metrics = parbench_analysis::operations::metrics(&operations);
        let mut put = |name: &str, value: f64, unit: &str| {
            metrics.insert(
                name.into(),
                Metric {
                    value,
                    unit: unit.into(),
                },
            );
        };
        put("work_unit_ns", work_unit_ns(), "ns");
        if self.variant == names::CAS && writes > 0 {
            put("cas_retries_per_write", retries as f64 / writes as f64, "");
        }
        Observations {
            metrics,
            operations: Some(operations),
        }
    }
}

/// Workers operating directly on shared state under primitive `S`.
struct Direct<S: Shared> {
    ctx: Arc<(Common, S)>,
    crew: Crew<Done>,
    observer: Observer,
    last: [u64; 3],
}

impl<S: Shared> Direct<S> {
    fn prepare(
        settings: Settings,
        shared: S,
        workers: usize,
        variant: &'static str,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let ctx = Arc::new((Common::new(settings, workers), shared));
        let c = Arc::clone(&ctx);
        let inside = settings.inside;
        let crew = Crew::new(workers, Arc::default(), move |w| {
            let (common, shared) = &*c;
            common.worker(w, |k, read| {
                if read {
                    (shared.read(w, k, inside), 0)
                } else {
                    (0, shared.write(w, k, inside))
                }
            })
        })
        .map_err(WorkloadError::from_error)?;
        Ok(Box::new(Direct {
            ctx,
            crew,
            observer: Observer::new(variant, workers),
            last: [0; 3],
        }))
    }
}

impl<S: Shared> Execution for Direct<S> {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        let (common, shared) = &*self.ctx;
        shared.reset();
        common.next.store(0, Relaxed);
        let t = Instant::now();
        let done = self.crew.run().map_err(IterationError::backend)?;
        let wall = t.elapsed();
        let per_worker: Vec<u64> = done.iter().map(|d| d.ops).collect();
        self.observer.record(&per_worker, wall);
        let value = shared.value();
        self.last = [
            per_worker.iter().sum(),
            done.iter().map(|d| d.writes).sum(),
            value,
        ];
        Ok(IterationOutput::digest(value))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::exact(self.last.to_vec())
    }

    fn take_observations(&mut self) -> Observations {
        self.observer.take(&self.ctx.0)
    }
}

/// The channel hand-off: workers send each operation's ticket to a server (the calling
/// thread) that owns the shared word and performs every critical section; a worker's operation
/// is its send (waiting while the bounded queue is full).
struct Channel {
    ctx: Arc<ChannelShared>,
    crew: Crew<Done>,
    observer: Observer,
    last: [u64; 3],
}

struct ChannelShared {
    common: Common,
    tx: crossbeam::channel::Sender<u64>,
    rx: crossbeam::channel::Receiver<u64>,
    value: AtomicU64,
    abort: Arc<AtomicBool>,
}

impl ChannelShared {
    /// Receives exactly n messages (one per ticket) and applies them to the word it owns.
    fn serve(&self) -> Done {
        let s = self.common.settings;
        let (mut value, mut sink, mut received) = (0u64, 0u64, 0u64);
        while received < s.n {
            match self.rx.recv_timeout(Duration::from_millis(50)) {
                Ok(m) => {
                    let k = m & !READ_BIT;
                    if m & READ_BIT != 0 {
                        sink ^= work(value ^ k, s.inside);
                    } else {
                        value = value.wrapping_add(write_delta(opaque(k, value), s.inside));
                    }
                    received += 1;
                }
                Err(crossbeam::channel::RecvTimeoutError::Timeout) => {
                    // The workers stopped: one panicked, or the run was cancelled.
                    if self.abort.load(Relaxed) || parbench_harness::cancel::requested() {
                        break;
                    }
                }
                Err(crossbeam::channel::RecvTimeoutError::Disconnected) => break,
            }
        }
        black_box(sink);
        self.value.store(value, Relaxed);
        Done::default()
    }
}

impl Channel {
    fn prepare(settings: Settings, workers: usize) -> Result<Box<dyn Execution>, WorkloadError> {
        let (tx, rx) = crossbeam::channel::bounded(CHANNEL_CAPACITY);
        let abort = Arc::new(AtomicBool::new(false));
        let ctx = Arc::new(ChannelShared {
            common: Common::new(settings, workers),
            tx,
            rx,
            value: AtomicU64::new(0),
            abort: Arc::clone(&abort),
        });
        let c = Arc::clone(&ctx);
        let crew = Crew::new(workers + 1, abort, move |member| {
            if member == 0 {
                return c.serve();
            }
            c.common.worker(member - 1, |k, read| {
                c.tx.send(if read { k | READ_BIT } else { k })
                    .expect("the server's receiver lives as long as the crew");
                (0, 0)
            })
        })
        .map_err(WorkloadError::from_error)?;
        Ok(Box::new(Channel {
            ctx,
            crew,
            observer: Observer::new(names::CHANNEL, workers),
            last: [0; 3],
        }))
    }
}

impl Execution for Channel {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.ctx.common.next.store(0, Relaxed);
        let t = Instant::now();
        let done = self.crew.run().map_err(IterationError::backend)?;
        let wall = t.elapsed();
        let workers = &done[1..];
        let per_worker: Vec<u64> = workers.iter().map(|d| d.ops).collect();
        self.observer.record(&per_worker, wall);
        let value = self.ctx.value.load(Relaxed);
        self.last = [
            per_worker.iter().sum(),
            workers.iter().map(|d| d.writes).sum(),
            value,
        ];
        Ok(IterationOutput::digest(value))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::exact(self.last.to_vec())
    }

    fn take_observations(&mut self) -> Observations {
        self.observer.take(&self.ctx.common)
    }
}

/// The `contention` workload: one shared word under each synchronization primitive, as threads
/// are added.
#[derive(Debug, Default)]
pub struct Contention;

fn variant(name: &'static str, sync: SyncKind, description: &'static str) -> VariantInfo {
    VariantInfo::new(name, ExecutionModel::Threads, sync, description)
}

/// Why other workloads lack the primitives only this suite compares.
const ONLY_HERE: &str = "a primitive compared there on one shared word; the other workloads share state through the common variants";

impl Workload for Contention {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "contention",
            description: "n operations on one shared word under a synchronization primitive: private work outside, a critical section of work inside (lock-heavy vs lock-free under load; fairness and latency per point)",
            size_meaning: "operations per iteration",
            work_unit: "ops",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 4_000,
                },
                NamedSize {
                    label: "S",
                    n: 200_000,
                },
                NamedSize {
                    label: "M",
                    n: 2_000_000,
                },
                NamedSize {
                    label: "L",
                    n: 20_000_000,
                },
            ],
            default_sizes: vec!["S"],
            params: vec![
                ParamSpec {
                    name: WORK_INSIDE,
                    description: "units of work in each critical section (one unit: a dependent multiply-xorshift step, its cost in the `work_unit_ns` metric)",
                    kind: ParamKind::Int {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: ParamValue::Int(4),
                },
                ParamSpec {
                    name: WORK_OUTSIDE,
                    description: "units of private work before each operation",
                    kind: ParamKind::Int {
                        min: 0,
                        max: 1_000_000,
                    },
                    default: ParamValue::Int(16),
                },
                ParamSpec {
                    name: READ_FRACTION,
                    description: "share of operations that only read the shared word (read locks for the rwlock variants)",
                    kind: ParamKind::Float { min: 0.0, max: 1.0 },
                    default: ParamValue::Float(0.0),
                },
                ParamSpec {
                    name: LATENCY_EVERY,
                    description: "time every k-th operation of each worker for the latency percentiles (0: no latency sampling)",
                    kind: ParamKind::Int {
                        min: 0,
                        max: 1 << 30,
                    },
                    default: ParamValue::Int(128),
                },
            ],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        vec![
            VariantInfo::serial(
                "one thread, the shared word in plain memory (no lock, no atomic read-modify-write)",
            ),
            variant(names::MUTEX, SyncKind::Mutex, "std::sync::Mutex"),
            variant(names::PARKING_LOT, SyncKind::Mutex, "parking_lot::Mutex"),
            variant(
                names::PARKING_LOT_FAIR,
                SyncKind::Mutex,
                "parking_lot::FairMutex (hands the lock to the next waiter on every unlock)",
            )
            .only_here(ONLY_HERE),
            variant(
                names::RWLOCK,
                SyncKind::RwLock,
                "std::sync::RwLock: reads share the lock",
            ),
            variant(
                names::PARKING_LOT_RWLOCK,
                SyncKind::RwLock,
                "parking_lot::RwLock: reads share the lock",
            )
            .only_here(ONLY_HERE),
            variant(
                names::SPIN,
                SyncKind::SpinLock,
                "test-and-test-and-set spin lock with exponential backoff, yielding at the cap",
            )
            .only_here(ONLY_HERE),
            variant(
                names::ATOMIC,
                SyncKind::Atomic,
                "fetch_add on one AtomicU64 (the write's work is done before it: no critical section)",
            ),
            variant(
                names::CAS,
                SyncKind::Atomic,
                "compare-and-swap loop on one AtomicU64, the write's work inside the optimistic window (redone on conflict)",
            )
            .only_here(ONLY_HERE),
            variant(
                names::SHARDED,
                SyncKind::Sharded,
                "a CachePadded slot per worker (owner-only load and store); reads sum every slot",
            ),
            variant(
                names::SHARDED_UNPADDED,
                SyncKind::Sharded,
                "adjacent 8-byte slots per worker, eight to a cache line: false sharing",
            )
            .only_here(ONLY_HERE),
            variant(
                names::CHANNEL,
                SyncKind::Channel,
                "workers send each operation over a bounded crossbeam channel to a server thread that owns the word (workers + 1 threads)",
            ),
        ]
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        let v = vec![
            NotApplicable::new(
                names::THREADS,
                "every operation touches the shared word: threads without a primitive are `sharded` (private slots)",
            ),
            NotApplicable::new(
                names::RAYON,
                "the primitives are compared on dedicated threads; a work-stealing pool would add its own scheduling to every operation",
            ),
            NotApplicable::new(
                names::UNSYNC,
                "compares correct primitives only (every variant is verified exactly); counter and histogram demonstrate lost updates",
            ),
        ];
        v
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        let s = Settings::of(problem, 1)?;
        let (mut writes, mut value) = (0u64, 0u64);
        for k in 0..s.n {
            if k.is_multiple_of(1 << 20) && parbench_harness::cancel::requested() {
                break;
            }
            if !s.mix.is_read(k) {
                writes += 1;
                value = value.wrapping_add(write_delta(k, s.inside));
            }
        }
        Ok(Answer::exact(vec![s.n, writes, value]))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        let workers = if variant == names::SERIAL {
            1
        } else {
            workers.max(1)
        };
        let s = Settings::of(problem, workers)?;
        let word = || CachePadded::new(AtomicU64::new(0));
        match variant {
            names::SERIAL => Direct::prepare(s, Plain(word()), 1, names::SERIAL),
            names::MUTEX => Direct::prepare(
                s,
                Locked::new(std::sync::Mutex::new(0)),
                workers,
                names::MUTEX,
            ),
            names::PARKING_LOT => Direct::prepare(
                s,
                Locked::new(parking_lot::Mutex::new(0)),
                workers,
                names::PARKING_LOT,
            ),
            names::PARKING_LOT_FAIR => Direct::prepare(
                s,
                Locked::new(parking_lot::FairMutex::new(0)),
                workers,
                names::PARKING_LOT_FAIR,
            ),
            names::RWLOCK => Direct::prepare(
                s,
                Locked::new(std::sync::RwLock::new(0)),
                workers,
                names::RWLOCK,
            ),
            names::PARKING_LOT_RWLOCK => Direct::prepare(
                s,
                Locked::new(parking_lot::RwLock::new(0)),
                workers,
                names::PARKING_LOT_RWLOCK,
            ),
            names::SPIN => {
                Direct::prepare(s, Locked::new(spin::SpinLock::new(0)), workers, names::SPIN)
            }
            names::ATOMIC => Direct::prepare(s, FetchAdd(word()), workers, names::ATOMIC),
            names::CAS => Direct::prepare(s, CasLoop(word()), workers, names::CAS),
            names::SHARDED => Direct::prepare(
                s,
                Slots((0..workers).map(|_| word()).collect()),
                workers,
                names::SHARDED,
            ),
            names::SHARDED_UNPADDED => Direct::prepare(
                s,
                Slots((0..workers).map(|_| Bare::default()).collect()),
                workers,
                names::SHARDED_UNPADDED,
            ),
            names::CHANNEL => Channel::prepare(s, workers),
            other => Err(WorkloadError::unknown_variant("contention", other)),
        }
    }

    fn quick_size(&self, n: u64) -> u64 {
        (n / 20).max(1000)
    }
}

impl crate::backend::Hooked for Contention {
    fn backends(&self) -> crate::hooks::Hooks {
        use crate::hooks::{Hook, Hooks};
        Hooks {
            processes: Hook::NotApplicable(
                "the primitives guard one word in shared memory; worker processes share no memory, so there would be nothing to lock or update atomically",
            ),
            opencl: Hook::NotApplicable(
                "the suite compares CPU synchronization primitives (locks, spin locks, atomics) under thread contention; device atomics on one word are measured by histogram's OpenCL variants with `bins = 1`",
            ),
            mpi: Hook::NotApplicable(
                "compares synchronization primitives on one word of shared memory; MPI ranks share no memory",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_schema::operations::STARVATION_SHARE;

    fn problem(n: u64, inside: i64, outside: i64, read_fraction: f64, every: i64) -> Problem {
        Problem::new("t", n, 17)
            .with_param(WORK_INSIDE, ParamValue::Int(inside))
            .with_param(WORK_OUTSIDE, ParamValue::Int(outside))
            .with_param(READ_FRACTION, ParamValue::Float(read_fraction))
            .with_param(LATENCY_EVERY, ParamValue::Int(every))
    }

    #[test]
    fn every_primitive_ends_in_the_exact_state() {
        for (inside, outside, reads) in [(0, 0, 0.0), (3, 2, 0.0), (2, 1, 0.6), (1, 0, 1.0)] {
            let p = problem(3_001, inside, outside, reads, 16);
            let want = Contention.reference(&p).unwrap();
            let Answer::Exact(w) = &want else { panic!() };
            assert_eq!(w[0], 3_001);
            if reads == 0.0 {
                assert_eq!(w[1], 3_001, "no reads");
            } else if reads == 1.0 {
                assert_eq!((w[1], w[2]), (0, 0), "no writes");
            } else {
                // About 60% reads (a hash of the ticket decides).
                assert!((1000..1500).contains(&w[1]), "{}", w[1]);
            }
            for v in Contention.variants() {
                for workers in [1, 2, 3, 5] {
                    let mut e = Contention.prepare(&p, v.name, workers).unwrap();
                    for _ in 0..3 {
                        // The shared state is reset between iterations.
                        e.run().unwrap();
                        verify(&want, &e.answer()).unwrap_or_else(|m| {
                            panic!("{} w{workers} inside {inside} reads {reads}: {m}", v.name)
                        });
                    }
                    let obs = e.take_observations();
                    let ops = obs.operations.expect("every variant counts its operations");
                    let expect_workers = if v.name == "serial" { 1 } else { workers };
                    assert_eq!(ops.per_worker.len(), expect_workers, "{}", v.name);
                    assert_eq!(ops.per_worker.iter().sum::<u64>(), 3 * 3_001);
                    assert_eq!(ops.per_iteration.iterations, 3);
                    let lat = ops.latency.expect("sampled every 16th operation");
                    assert!(lat.samples >= 3 * 3_001 / 16 - 3 * 5, "{}", lat.samples);
                    assert!(obs.metrics.contains_key("jain_index"));
                    assert!(obs.metrics["work_unit_ns"].value > 0.0);
                    // Taken: nothing is left for the next call.
                    assert!(e.take_observations().operations.is_none());
                }
            }
        }
    }

    #[test]
    fn a_lost_write_is_caught() {
        // The sum of odd deltas changes with any single lost or repeated write.
        let p = problem(1000, 2, 0, 0.0, 0);
        let Answer::Exact(want) = Contention.reference(&p).unwrap() else {
            panic!()
        };
        let lost = want[2].wrapping_sub(write_delta(17, 2));
        assert_ne!(lost, want[2]);
        let doubled = want[2].wrapping_add(write_delta(17, 2));
        assert_ne!(doubled, want[2]);
        assert_eq!(write_delta(17, 2) & 1, 1);
    }

    #[test]
    fn latency_sampling_can_be_switched_off() {
        let p = problem(2_000, 1, 1, 0.0, 0);
        let mut e = Contention.prepare(&p, "parking_lot", 2).unwrap();
        e.run().unwrap();
        let obs = e.take_observations();
        assert!(obs.operations.unwrap().latency.is_none());
        assert!(!obs.metrics.contains_key("latency_p50"));
        assert_eq!(obs.metrics.len(), 3, "{:?}", obs.metrics.keys());
    }

    #[test]
    fn cas_reports_its_retries_and_fairness_is_consistent() {
        let p = problem(20_000, 2, 0, 0.0, 8);
        let mut e = Contention.prepare(&p, "cas", 2).unwrap();
        e.run().unwrap();
        let obs = e.take_observations();
        assert!(obs.metrics["cas_retries_per_write"].value >= 0.0);
        let ops = obs.operations.unwrap();
        let f = &ops.fairness;
        assert_eq!(f.total, 20_000);
        assert!(f.min <= f.max && f.jain > 0.0 && f.jain <= 1.0);
        assert_eq!(
            f.starved.is_empty(),
            ops.per_worker
                .iter()
                .all(|&c| c as f64 >= STARVATION_SHARE * f.mean)
        );
    }

    #[test]
    fn work_is_a_dependent_chain() {
        assert_eq!(work(5, 0), 5);
        assert_ne!(work(0, 1), 0, "zero is not a fixed point");
        assert_ne!(work(1, 3), work(1, 2));
        assert_eq!(work(work(9, 2), 3), work(9, 5));
        assert!(work_unit_ns() > 0.0 && clock_overhead_ns() >= 0.0);
    }

    #[test]
    fn op_mix_matches_its_fraction() {
        let mix = OpMix::new(0.25, 3);
        let reads = (0..100_000).filter(|&k| mix.is_read(k)).count();
        assert!((24_000..26_000).contains(&reads), "{reads}");
        assert!(!(0..1000).any(|k| OpMix::new(0.0, 3).is_read(k)));
        assert!((0..1000).all(|k| OpMix::new(1.0, 3).is_read(k)));
    }

    #[test]
    fn unknown_variant_and_chunking() {
        assert!(
            Contention
                .prepare(&problem(10, 0, 0, 0.0, 0), "magic", 2)
                .is_err()
        );
        let s = Settings::of(&problem(200_000, 0, 0, 0.0, 0), 2).unwrap();
        // 200,000 / (2 workers x 64 chunks) = 1562 tickets, capped at 1024.
        assert_eq!(s.chunk, 1024);
        let s = Settings::of(&problem(20_000, 0, 0, 0.0, 0), 2).unwrap();
        assert_eq!(s.chunk, 156);
        assert_eq!(
            Settings::of(&problem(10, 0, 0, 0.0, 0), 8).unwrap().chunk,
            1
        );
    }
}
