//! `square` in worker processes, over two transports. `pipe`: a task carries its chunk of `x`
//! through the worker's stdin and the result comes back through its stdout (copied both ways,
//! like Pool.map's pickling). `shm`: `x` and `y` live in one memory-mapped file; a task carries
//! only a range, and the worker writes its part of `y` in place.

use super::{Job, ShmTask, TaskError, Values, get, put};
use crate::kernels::square::{fill_input, input};
use crate::shm::{SharedFile, SharedView};
use crate::workload::{Answer, Execution, Problem, Tolerance, WorkloadError};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `square`'s pipe tasks: how a worker knows which handler computes them.
pub const KIND_PIPE: &str = "square-pipe";
/// The task kind of `square`'s shared-memory tasks.
pub const KIND_SHM: &str = "square-shm";

/// A pipe task: its chunk of `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipeTask<'a> {
    /// The chunk's values.
    #[serde(borrow)]
    pub x: Values<'a>,
}

/// A pipe task's result: the chunk of `y`. Encoded exactly like its [`PipeTask`] (one byte
/// string of as many bytes), which lets the worker compute it in place in the task's payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipeResult<'a> {
    /// The squares.
    #[serde(borrow)]
    pub y: Values<'a>,
}

fn digest(y: &[f64]) -> u64 {
    let n = y.len();
    if n == 0 {
        return 0;
    }
    y[0].to_bits() ^ y[n / 2].to_bits().rotate_left(21) ^ y[n - 1].to_bits().rotate_left(42)
}

fn range_usize(r: &Range<u64>) -> Range<usize> {
    r.start as usize..r.end as usize
}

/// The parent's side over pipes: sends chunks of `x`, copies results into `y`.
#[derive(Debug)]
pub struct PipeJob {
    x: Vec<f64>,
    y: Vec<f64>,
}

impl PipeJob {
    /// The job for `problem`: generates `x` and allocates `y` (untimed).
    pub fn new(problem: &Problem) -> Self {
        let n = problem.n as usize;
        PipeJob {
            x: input(n, problem.seed),
            // Touched now so page faults stay out of the timed region.
            y: vec![-1.0; n],
        }
    }
}

impl Job for PipeJob {
    fn kind(&self) -> &'static str {
        KIND_PIPE
    }

    fn items(&self) -> u64 {
        self.x.len() as u64
    }

    fn encode(&mut self, _task: usize, range: Range<u64>, out: &mut Vec<u8>) {
        let x = Values::of(&self.x[range_usize(&range)]);
        put(out, &PipeTask { x });
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let PipeResult { y } = get(result, "square result")?;
        y.copy_into(&mut self.y[range_usize(&range)], "values")
    }

    fn digest(&self) -> u64 {
        digest(&self.y)
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.y.as_slice().into(),
            tolerance: Tolerance::EXACT,
        }
    }
}

/// The worker's side over pipes: squares the payload's values in place (the payload, a
/// [`PipeTask`], becomes the [`PipeResult`] and goes back without another copy).
pub fn serve_pipe(payload: &mut [u8]) -> Result<Duration, TaskError> {
    let PipeTask { x } = get(payload, "square task")?;
    if !x.0.len().is_multiple_of(8) {
        return Err(TaskError::NotWhole {
            len: x.0.len(),
            unit: "f64 values",
        });
    }
    // Strict decoding leaves the values at the end of the payload.
    let at = payload.len() - x.0.len();
    let values = &mut payload[at..];
    let t = Instant::now();
    // The payload's bytes are not aligned for f64, so the vectorized `square_into` cannot run on
    // them in place; the same multiplication element by element (this transport is dominated
    // by the copies through the pipe).
    for v in values.chunks_exact_mut(8) {
        let x = f64::from_ne_bytes((&*v).try_into().expect("8 bytes"));
        v.copy_from_slice(&(x * x).to_ne_bytes());
    }
    Ok(t.elapsed())
}

/// The parent's side over shared memory: `x` then `y` in one mapped file.
#[derive(Debug)]
pub struct ShmJob {
    file: SharedFile,
    n: usize,
    path: String,
}

impl ShmJob {
    /// The job for `problem`: creates the shared file and writes `x` into it (untimed); fails
    /// when the file cannot be created.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let n = problem.n as usize;
        let mut file = SharedFile::create(2 * n)
            .map_err(|e| WorkloadError::new(format!("cannot create the shared file: {e}")))?;
        let (x, y) = file.values_mut().split_at_mut(n);
        fill_input(x, problem.seed);
        y.fill(-1.0);
        let path = file
            .path()
            .to_str()
            .ok_or_else(|| WorkloadError::new("the shared file's path is not UTF-8"))?
            .to_string();
        Ok(ShmJob { file, n, path })
    }

    fn y(&self) -> &[f64] {
        &self.file.values()[self.n..]
    }
}

impl Job for ShmJob {
    fn kind(&self) -> &'static str {
        KIND_SHM
    }

    fn items(&self) -> u64 {
        self.n as u64
    }

    fn encode(&mut self, _task: usize, range: Range<u64>, out: &mut Vec<u8>) {
        let task = ShmTask {
            path: &self.path,
            n: self.n as u64,
            start: range.start,
            end: range.end,
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, _range: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        get::<()>(result, "square-shm result")
    }

    fn digest(&self) -> u64 {
        digest(self.y())
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.y().into(),
            tolerance: Tolerance::EXACT,
        }
    }
}

/// The worker's side over shared memory: squares `x[range]` into `y[range]` in place.
pub fn serve_shm(
    state: &mut super::worker::WorkerState,
    payload: &[u8],
) -> Result<Duration, TaskError> {
    let task: ShmTask<'_> = get(payload, "square-shm task")?;
    let path = task.path;
    let too_large = || TaskError::TooLarge {
        what: "n",
        value: task.n,
    };
    let n = usize::try_from(task.n).map_err(|_| too_large())?;
    let (start, end) = (task.start as usize, task.end as usize);
    let values = n.checked_mul(2).ok_or_else(too_large)?;
    let reuse = state
        .shared
        .as_ref()
        .is_some_and(|v| v.path() == path && v.values() == values);
    if !reuse {
        state.shared = None;
        state.shared = Some(SharedView::open(path, values).map_err(TaskError::shared)?);
    }
    let view = state.shared.as_mut().expect("mapped above");
    if start > end || end > n {
        return Err(TaskError::OutOfRange {
            what: "items",
            start: task.start,
            end: task.end,
            limit: task.n,
        });
    }
    let (x, y) = view
        .split(start..end, n + start..n + end)
        .map_err(TaskError::shared)?;
    let t = Instant::now();
    crate::kernels::square::square_into(x, y);
    Ok(t.elapsed())
}

/// `square` under a processes variant, over the transport the `transport` parameter names.
pub fn prepare(
    problem: &Problem,
    variant: &str,
    workers: usize,
) -> Result<Box<dyn Execution>, WorkloadError> {
    let transport = match problem.params.get("transport") {
        Some(_) => problem.string("transport")?,
        None => "pipe",
    };
    match transport {
        "pipe" => super::prepare(problem, variant, workers, PipeJob::new(problem)),
        "shm" => super::prepare(problem, variant, workers, ShmJob::new(problem)?),
        other => Err(WorkloadError::new(format!(
            "unknown transport `{other}`; expected \"pipe\" or \"shm\""
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::worker::{WorkerState, tests::run_in_process};
    use crate::workload::{Workload, verify};

    #[test]
    fn both_transports_match_the_reference_bit_for_bit() {
        let p = Problem::new("t", 10_007, 3);
        let want = crate::workloads::square::Square.reference(&p).unwrap();
        let mut state = WorkerState::default();
        let mut pipe = PipeJob::new(&p);
        let mut shm = ShmJob::new(&p).unwrap();
        for chunk in [10_007, 1000, 333] {
            run_in_process(&mut pipe, &mut state, chunk, 1).unwrap();
            verify(&want, &pipe.answer()).unwrap();
            run_in_process(&mut shm, &mut state, chunk, 1).unwrap();
            verify(&want, &shm.answer()).unwrap();
        }
        let mut one = Vec::new();
        put(
            &mut one,
            &PipeResult {
                y: Values::of(&[1.0f64]),
            },
        );
        let e = pipe.absorb(0, 0..2, &one).unwrap_err();
        assert_eq!(e.to_string(), "8 result bytes for 2 values");
        assert!(shm.absorb(0, 0..2, &[0]).is_err());
    }

    #[test]
    fn worker_rejects_bad_payloads() {
        let mut state = WorkerState::default();
        assert!(serve_pipe(&mut [0; 7]).is_err());
        let mut seven = Vec::new();
        put(&mut seven, &PipeTask { x: Values(&[0; 7]) });
        let e = serve_pipe(&mut seven).unwrap_err();
        assert!(matches!(e, TaskError::NotWhole { len: 7, .. }), "{e}");
        let mut b = Vec::new();
        let task = ShmTask {
            path: "/nonexistent/parbench.shm",
            n: 4,
            start: 0,
            end: 4,
        };
        put(&mut b, &task);
        let e = serve_shm(&mut state, &b).unwrap_err();
        assert!(e.to_string().contains("cannot open the shared file"), "{e}");
    }
}
