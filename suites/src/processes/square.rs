//! `square` in worker processes, over two transports. `pipe`: a task carries its chunk of `x`
//! through the worker's stdin and the result comes back through its stdout (copied both ways,
//! like Pool.map's pickling). `shm`: `x` and `y` live in one memory-mapped file; a task carries
//! only a range, and the worker writes its part of `y` in place.

use super::{Fields, Job, put_str, put_u64};
use crate::kernels::square::{fill_input, input};
use crate::shm::{SharedFile, SharedView};
use crate::workload::{Answer, Execution, Problem, Tolerance, WorkloadError};
use std::ops::Range;
use std::time::{Duration, Instant};

pub const KIND_PIPE: &str = "square-pipe";
pub const KIND_SHM: &str = "square-shm";

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
        out.extend_from_slice(bytemuck::cast_slice(&self.x[range_usize(&range)]));
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), String> {
        let y = &mut self.y[range_usize(&range)];
        if result.len() != y.len() * 8 {
            return Err(format!(
                "{} result bytes for {} values",
                result.len(),
                y.len()
            ));
        }
        bytemuck::cast_slice_mut::<f64, u8>(y).copy_from_slice(result);
        Ok(())
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

/// The worker's side over pipes: squares the payload's values in place (they go back as the
/// result without another copy).
pub fn serve_pipe(payload: &mut [u8]) -> Result<Duration, String> {
    if !payload.len().is_multiple_of(8) {
        return Err(format!(
            "a chunk of f64 values cannot be {} bytes long",
            payload.len()
        ));
    }
    let t = Instant::now();
    // The payload's bytes are not aligned for f64, so the vectorized `square_into` cannot run on
    // them in place; the same multiplication element by element (this transport is dominated
    // by the copies through the pipe).
    for v in payload.chunks_exact_mut(8) {
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
        put_str(out, &self.path);
        put_u64(out, self.n as u64);
        put_u64(out, range.start);
        put_u64(out, range.end);
    }

    fn absorb(&mut self, _task: usize, _range: Range<u64>, result: &[u8]) -> Result<(), String> {
        Fields(result).end()
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
) -> Result<Duration, String> {
    let mut f = Fields(payload);
    let path = f.str("path")?;
    let n = f.u64("n")? as usize;
    let (start, end) = (f.u64("start")? as usize, f.u64("end")? as usize);
    f.end()?;
    let values = n
        .checked_mul(2)
        .ok_or_else(|| format!("n = {n} is too large"))?;
    let reuse = state
        .shared
        .as_ref()
        .is_some_and(|v| v.path() == path && v.values() == values);
    if !reuse {
        state.shared = None;
        state.shared = Some(SharedView::open(path, values).map_err(|e| e.to_string())?);
    }
    let view = state.shared.as_mut().expect("mapped above");
    if start > end || end > n {
        return Err(format!("range {start}..{end} is outside 0..{n}"));
    }
    let (x, y) = view
        .split(start..end, n + start..n + end)
        .map_err(|e| e.to_string())?;
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
        assert!(pipe.absorb(0, 0..2, &[0; 8]).is_err());
        assert!(shm.absorb(0, 0..2, &[0]).is_err());
    }

    #[test]
    fn worker_rejects_bad_payloads() {
        let mut state = WorkerState::default();
        assert!(serve_pipe(&mut [0; 7]).is_err());
        let mut b = Vec::new();
        put_str(&mut b, "/nonexistent/parbench.shm");
        put_u64(&mut b, 4);
        put_u64(&mut b, 0);
        put_u64(&mut b, 4);
        let e = serve_shm(&mut state, &b).unwrap_err();
        assert!(e.contains("cannot open the shared file"), "{e}");
    }
}
