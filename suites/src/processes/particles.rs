//! `particles` in worker processes: a task carries its particles' initial positions and angular
//! velocities through the pipe (like Pool.map pickling its chunk) and gets their final positions
//! back.

use super::{Job, TaskError, Values, get, put};
use crate::kernels::particles::{ParticleState, STEPS, advance, input};
use crate::workload::{Answer, Execution, Problem, Tolerance, WorkloadError};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `particles` tasks: how a worker knows which handler computes them.
pub const KIND: &str = "particles";

/// A task: its particles' initial positions and angular velocities, and the steps to take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticlesTask<'a> {
    /// Time steps.
    pub steps: u32,
    /// Initial x positions.
    #[serde(borrow)]
    pub x: Values<'a>,
    /// Initial y positions.
    #[serde(borrow)]
    pub y: Values<'a>,
    /// Angular velocities.
    #[serde(borrow)]
    pub w: Values<'a>,
}

/// A task's result: the final positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticlesResult<'a> {
    /// Final x positions.
    #[serde(borrow)]
    pub x: Values<'a>,
    /// Final y positions.
    #[serde(borrow)]
    pub y: Values<'a>,
}

fn range_usize(r: &Range<u64>) -> Range<usize> {
    r.start as usize..r.end as usize
}

/// The parent's side: sends chunks of the initial state, places the final positions.
#[derive(Debug)]
pub struct ParticlesJob {
    init: ParticleState,
    steps: u32,
    x: Vec<f64>,
    y: Vec<f64>,
}

impl ParticlesJob {
    /// The job for `problem`: generates the initial state (untimed); fails if its `steps`
    /// parameter is not an integer.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let n = problem.n as usize;
        Ok(ParticlesJob {
            init: input(n, problem.seed),
            steps: problem.int(STEPS)?.clamp(0, u32::MAX as i64) as u32,
            x: vec![0.0; n],
            y: vec![0.0; n],
        })
    }
}

impl Job for ParticlesJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn items(&self) -> u64 {
        self.x.len() as u64
    }

    fn encode(&mut self, _task: usize, range: Range<u64>, out: &mut Vec<u8>) {
        let r = range_usize(&range);
        let task = ParticlesTask {
            steps: self.steps,
            x: Values::of(&self.init.x[r.clone()]),
            y: Values::of(&self.init.y[r.clone()]),
            w: Values::of(&self.init.w[r]),
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let r = range_usize(&range);
        let ParticlesResult { x, y } = get(result, "particles result")?;
        x.copy_into(&mut self.x[r.clone()], "particles")?;
        y.copy_into(&mut self.y[r], "particles")
    }

    fn digest(&self) -> u64 {
        self.x
            .first()
            .zip(self.y.last())
            .map_or(0, |(a, b)| a.to_bits() ^ b.to_bits().rotate_left(17))
    }

    fn answer(&self) -> Answer<'_> {
        let mut v = self.x.clone();
        v.extend_from_slice(&self.y);
        Answer::approx(v, Tolerance::EXACT)
    }
}

/// Aligned copies of a task's inputs and room for its outputs, kept between tasks.
#[derive(Debug, Default)]
pub struct Scratch {
    x0: Vec<f64>,
    y0: Vec<f64>,
    w: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
}

/// Copies `bytes` (a whole number of f64s) into `v`.
pub(crate) fn load(v: &mut Vec<f64>, bytes: &[u8]) {
    v.clear();
    v.resize(bytes.len() / 8, 0.0);
    bytemuck::cast_slice_mut::<f64, u8>(v).copy_from_slice(bytes);
}

/// The worker's side: integrates one chunk of particles.
pub fn serve(s: &mut Scratch, payload: &[u8], out: &mut Vec<u8>) -> Result<Duration, TaskError> {
    let ParticlesTask { steps, x, y, w } = get(payload, "particles task")?;
    let m = x.0.len() / 8;
    if [x, y, w].iter().any(|v| v.0.len() != 8 * m) {
        return Err(TaskError::NotWhole {
            len: x.0.len() + y.0.len() + w.0.len(),
            unit: "particles (three f64 values each)",
        });
    }
    load(&mut s.x0, x.0);
    load(&mut s.y0, y.0);
    load(&mut s.w, w.0);
    s.x.resize(m, 0.0);
    s.y.resize(m, 0.0);
    let t = Instant::now();
    advance(&s.x0, &s.y0, &s.w, steps, &mut s.x, &mut s.y);
    let compute = t.elapsed();
    let result = ParticlesResult {
        x: Values::of(&s.x),
        y: Values::of(&s.y),
    };
    put(out, &result);
    Ok(compute)
}

/// `particles` under a processes variant.
pub fn prepare(
    problem: &Problem,
    variant: &str,
    workers: usize,
) -> Result<Box<dyn Execution>, WorkloadError> {
    super::prepare(problem, variant, workers, ParticlesJob::new(problem)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::worker::{WorkerState, tests::run_in_process};
    use crate::workload::{Workload, verify};
    use parbench_schema::params::ParamValue;

    #[test]
    fn chunks_computed_by_the_worker_side_match_the_reference() {
        let p = Problem::new("t", 1001, 6).with_param(STEPS, ParamValue::Int(20));
        let want = crate::workloads::particles::Particles
            .reference(&p)
            .unwrap();
        let mut job = ParticlesJob::new(&p).unwrap();
        let mut state = WorkerState::default();
        for chunk in [1001, 250, 33] {
            run_in_process(&mut job, &mut state, chunk, 1).unwrap();
            verify(&want, &job.answer()).unwrap();
        }
        assert!(job.absorb(0, 0..2, &[0; 8]).is_err());
        let mut short = Vec::new();
        let half = ParticlesResult {
            x: Values::of(&[1.0f64]),
            y: Values::of(&[1.0f64]),
        };
        put(&mut short, &half);
        let e = job.absorb(0, 0..2, &short).unwrap_err();
        assert_eq!(e.to_string(), "8 result bytes for 2 particles");
        assert!(serve(&mut Scratch::default(), &[0; 9], &mut Vec::new()).is_err());
        let mut ragged = Vec::new();
        let task = ParticlesTask {
            steps: 1,
            x: Values(&[0; 8]),
            y: Values(&[0; 8]),
            w: Values(&[0; 9]),
        };
        put(&mut ragged, &task);
        let e = serve(&mut Scratch::default(), &ragged, &mut Vec::new()).unwrap_err();
        assert!(matches!(e, TaskError::NotWhole { .. }), "{e}");
    }
}
