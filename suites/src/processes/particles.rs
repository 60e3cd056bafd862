//! `particles` in worker processes: a task carries its particles' initial positions and angular
//! velocities through the pipe (like Pool.map pickling its chunk) and gets their final positions
//! back.

use super::{Fields, Job, put_u64};
use crate::kernels::particles::{ParticleState, STEPS, advance, input};
use crate::workload::{Answer, Execution, Problem, Tolerance, WorkloadError};
use std::ops::Range;
use std::time::{Duration, Instant};

pub const KIND: &str = "particles";

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
        put_u64(out, self.steps as u64);
        for part in [&self.init.x, &self.init.y, &self.init.w] {
            out.extend_from_slice(bytemuck::cast_slice(&part[r.clone()]));
        }
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), String> {
        let r = range_usize(&range);
        if result.len() != r.len() * 16 {
            return Err(format!(
                "{} result bytes for {} particles",
                result.len(),
                r.len()
            ));
        }
        let (x, y) = result.split_at(r.len() * 8);
        bytemuck::cast_slice_mut::<f64, u8>(&mut self.x[r.clone()]).copy_from_slice(x);
        bytemuck::cast_slice_mut::<f64, u8>(&mut self.y[r]).copy_from_slice(y);
        Ok(())
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
pub fn serve(s: &mut Scratch, payload: &[u8], out: &mut Vec<u8>) -> Result<Duration, String> {
    let mut f = Fields(payload);
    let steps = u32::try_from(f.u64("steps")?).map_err(|_| "steps out of range")?;
    let rest = f.rest();
    if rest.len() % 24 != 0 {
        return Err(format!(
            "{} bytes are not whole particles (24 bytes each)",
            rest.len()
        ));
    }
    let m = rest.len() / 24;
    load(&mut s.x0, &rest[..8 * m]);
    load(&mut s.y0, &rest[8 * m..16 * m]);
    load(&mut s.w, &rest[16 * m..]);
    s.x.resize(m, 0.0);
    s.y.resize(m, 0.0);
    let t = Instant::now();
    advance(&s.x0, &s.y0, &s.w, steps, &mut s.x, &mut s.y);
    let compute = t.elapsed();
    out.extend_from_slice(bytemuck::cast_slice(&s.x));
    out.extend_from_slice(bytemuck::cast_slice(&s.y));
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
        assert!(serve(&mut Scratch::default(), &[0; 9], &mut Vec::new()).is_err());
    }
}
