//! `matmul` in worker processes: a task is a band of C's rows. Over `pipe` it carries its rows of
//! A and all of B (what Pool.map would pickle for it) and gets its rows of C back; over `shm`, A,
//! B and C live in one memory-mapped file and a task carries only its row range. Either way the
//! worker packs B's panels and multiplies with the same blocked kernel as the thread variants.

use super::particles::load;
use super::{Job, ShmTask, TaskError, Values, get, put};
use crate::kernels::matmul::{NR, input, multiply_rows, pack_b_panel, panels, tolerance};
use crate::shm::{SharedFile, SharedView};
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `matmul`'s pipe tasks: how a worker knows which handler computes them.
pub const KIND_PIPE: &str = "matmul-pipe";
/// The task kind of `matmul`'s shared-memory tasks.
pub const KIND_SHM: &str = "matmul-shm";

/// A pipe task: its rows of A and all of B (row-major `f64` values). Its result is its rows of
/// C, [`Values`] of `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PipeTask<'a> {
    /// The side of the matrices.
    pub n: u64,
    /// The rows of A carried (and of C asked for).
    pub rows: u64,
    /// `rows` rows of A.
    #[serde(borrow)]
    pub a: Values<'a>,
    /// All of B.
    #[serde(borrow)]
    pub b: Values<'a>,
}

/// Largest side a task may ask for (as `matmul` itself allows).
const MAX_SIDE: usize = 1 << 16;

fn digest(c: &[f64]) -> u64 {
    let n = c.len();
    [0, n / 2, n.saturating_sub(1)]
        .iter()
        .filter_map(|&i| c.get(i))
        .fold(0u64, |d, v| d.rotate_left(21) ^ v.to_bits())
}

fn side_of(problem: &Problem) -> Result<usize, WorkloadError> {
    usize::try_from(problem.n)
        .ok()
        .filter(|&n| n <= MAX_SIDE)
        .ok_or_else(|| WorkloadError::new(format!("matmul side {} is too large", problem.n)))
}

/// Buffers a worker keeps between matmul tasks.
#[derive(Debug, Default)]
pub struct Scratch {
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    packed: Vec<f64>,
    a_pack: Vec<f64>,
}

/// Packs B and computes `rows` of C (`a` holds those rows of A only) into `c`: the compute of a
/// task, timed.
fn compute(
    n: usize,
    a_rows: &[f64],
    b: &[f64],
    rows: usize,
    c: &mut [f64],
    packed: &mut Vec<f64>,
    a_pack: &mut Vec<f64>,
) -> Duration {
    let t = Instant::now();
    let panel_len = n * NR;
    packed.resize(panels(n) * panel_len, 0.0);
    for (q, out) in packed.chunks_exact_mut(panel_len).enumerate() {
        pack_b_panel(b, n, q, out);
    }
    let panel_refs: Vec<&[f64]> = packed.chunks_exact(panel_len).collect();
    multiply_rows(a_rows, n, 0..rows, &panel_refs, c, a_pack);
    t.elapsed()
}

/// The parent's side over pipes.
#[derive(Debug)]
pub struct PipeJob {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
}

impl PipeJob {
    /// The job for `problem`: generates A and B (untimed); fails on a side that is too large.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let n = side_of(problem)?;
        let (a, b) = input(n, problem.seed);
        Ok(PipeJob {
            n,
            a,
            b,
            c: vec![0.0; n * n],
        })
    }
}

impl Job for PipeJob {
    fn kind(&self) -> &'static str {
        KIND_PIPE
    }

    fn items(&self) -> u64 {
        self.n as u64
    }

    fn encode(&mut self, _task: usize, rows: Range<u64>, out: &mut Vec<u8>) {
        let n = self.n;
        let (r0, r1) = (rows.start as usize, rows.end as usize);
        let task = PipeTask {
            n: n as u64,
            rows: rows.end - rows.start,
            a: Values::of(&self.a[r0 * n..r1 * n]),
            b: Values::of(&self.b),
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, rows: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let n = self.n;
        let c = &mut self.c[rows.start as usize * n..rows.end as usize * n];
        get::<Values<'_>>(result, "matmul result")?.copy_into(c, "values")
    }

    fn digest(&self) -> u64 {
        digest(&self.c)
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.c.as_slice().into(),
            tolerance: tolerance(self.n),
        }
    }
}

/// The worker's side over pipes.
pub fn serve_pipe(
    s: &mut Scratch,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<Duration, TaskError> {
    let task: PipeTask<'_> = get(payload, "matmul task")?;
    if task.n > MAX_SIDE as u64 {
        return Err(TaskError::TooLarge {
            what: "matmul side",
            value: task.n,
        });
    }
    if task.rows > task.n {
        return Err(TaskError::OutOfRange {
            what: "rows",
            start: 0,
            end: task.rows,
            limit: task.n,
        });
    }
    let (n, rows) = (task.n as usize, task.rows as usize);
    if task.a.0.len() != rows * n * 8 || task.b.0.len() != n * n * 8 {
        return Err(TaskError::NotWhole {
            len: task.a.0.len() + task.b.0.len(),
            unit: "rows of A and B",
        });
    }
    load(&mut s.a, task.a.0);
    load(&mut s.b, task.b.0);
    s.c.clear();
    s.c.resize(rows * n, 0.0);
    let t = compute(n, &s.a, &s.b, rows, &mut s.c, &mut s.packed, &mut s.a_pack);
    put(out, &Values::of(&s.c));
    Ok(t)
}

/// The parent's side over shared memory: A, B, then C in one mapped file.
#[derive(Debug)]
pub struct ShmJob {
    file: SharedFile,
    n: usize,
    path: String,
}

impl ShmJob {
    /// The job for `problem`: creates the shared file and writes A and B into it (untimed);
    /// fails on a side that is too large or when the file cannot be created.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let n = side_of(problem)?;
        let mut file = SharedFile::create((3 * n * n).max(1))
            .map_err(|e| WorkloadError::new(format!("cannot create the shared file: {e}")))?;
        let (a, b) = input(n, problem.seed);
        let v = file.values_mut();
        v[..n * n].copy_from_slice(&a);
        v[n * n..2 * n * n].copy_from_slice(&b);
        v[2 * n * n..].fill(0.0);
        let path = file
            .path()
            .to_str()
            .ok_or_else(|| WorkloadError::new("the shared file's path is not UTF-8"))?
            .to_string();
        Ok(ShmJob { file, n, path })
    }

    fn c(&self) -> &[f64] {
        &self.file.values()[2 * self.n * self.n..3 * self.n * self.n]
    }
}

impl Job for ShmJob {
    fn kind(&self) -> &'static str {
        KIND_SHM
    }

    fn items(&self) -> u64 {
        self.n as u64
    }

    fn encode(&mut self, _task: usize, rows: Range<u64>, out: &mut Vec<u8>) {
        let task = ShmTask {
            path: &self.path,
            n: self.n as u64,
            start: rows.start,
            end: rows.end,
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, _rows: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        get::<()>(result, "matmul-shm result")
    }

    fn digest(&self) -> u64 {
        digest(self.c())
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.c().into(),
            tolerance: tolerance(self.n),
        }
    }
}

/// The worker's side over shared memory: reads its rows of A and all of B from the file and
/// writes its rows of C there.
pub fn serve_shm(
    state: &mut super::worker::WorkerState,
    payload: &[u8],
) -> Result<Duration, TaskError> {
    let task: ShmTask<'_> = get(payload, "matmul-shm task")?;
    if task.n > MAX_SIDE as u64 {
        return Err(TaskError::TooLarge {
            what: "matmul side",
            value: task.n,
        });
    }
    if task.start > task.end || task.end > task.n {
        return Err(TaskError::OutOfRange {
            what: "rows",
            start: task.start,
            end: task.end,
            limit: task.n,
        });
    }
    let path = task.path;
    let (n, r0, r1) = (task.n as usize, task.start as usize, task.end as usize);
    let values = (3 * n * n).max(1);
    let reuse = state
        .shared
        .as_ref()
        .is_some_and(|v| v.path() == path && v.values() == values);
    if !reuse {
        state.shared = None;
        state.shared = Some(SharedView::open(path, values).map_err(TaskError::shared)?);
    }
    let view = state.shared.as_mut().expect("mapped above");
    let nn = n * n;
    let (inputs, c) = view
        .lend(
            &[r0 * n..r1 * n, nn..2 * nn],
            2 * nn + r0 * n..2 * nn + r1 * n,
        )
        .map_err(TaskError::shared)?;
    let s = &mut state.matmul;
    Ok(compute(
        n,
        inputs[0],
        inputs[1],
        r1 - r0,
        c,
        &mut s.packed,
        &mut s.a_pack,
    ))
}

/// `matmul` under a processes variant, over the transport the `transport` parameter names.
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
        "pipe" => super::prepare(problem, variant, workers, PipeJob::new(problem)?),
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
    fn both_transports_match_the_naive_product() {
        let p = Problem::new("t", 75, 2);
        let want = crate::workloads::matmul::Matmul.reference(&p).unwrap();
        let mut state = WorkerState::default();
        let mut pipe = PipeJob::new(&p).unwrap();
        let mut shm = ShmJob::new(&p).unwrap();
        for rows in [75, 20, 7] {
            run_in_process(&mut pipe, &mut state, rows, 1).unwrap();
            verify(&want, &pipe.answer()).unwrap();
            run_in_process(&mut shm, &mut state, rows, 1).unwrap();
            verify(&want, &shm.answer()).unwrap();
        }
        let e = serve_pipe(&mut Scratch::default(), &[0; 24], &mut Vec::new()).unwrap_err();
        assert!(matches!(e, TaskError::Decode(_)), "{e}");
        let mut short = Vec::new();
        let task = PipeTask {
            n: 2,
            rows: 1,
            a: Values::of(&[1.0f64, 2.0]),
            b: Values::of(&[1.0f64; 3]),
        };
        put(&mut short, &task);
        let e = serve_pipe(&mut Scratch::default(), &short, &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("rows of A and B"), "{e}");
    }
}
