//! `pi` in worker processes: a task is a range of sample indices; its result is the hit count.

use super::{Fields, Job, put_u64};
use crate::kernels::pi::count_hits;
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use std::ops::Range;
use std::time::{Duration, Instant};

pub const KIND: &str = "pi";

/// The parent's side: hands out sample ranges, sums the hits.
#[derive(Debug)]
pub struct PiJob {
    seed: u64,
    n: u64,
    hits: [u64; 1],
}

impl PiJob {
    pub fn new(problem: &Problem) -> Self {
        PiJob {
            seed: problem.seed,
            n: problem.n,
            hits: [0],
        }
    }
}

impl Job for PiJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn items(&self) -> u64 {
        self.n
    }

    fn begin(&mut self, _iteration: u64) {
        self.hits = [0];
    }

    fn encode(&mut self, _task: usize, range: Range<u64>, out: &mut Vec<u8>) {
        put_u64(out, self.seed);
        put_u64(out, range.start);
        put_u64(out, range.end);
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), String> {
        let mut f = Fields(result);
        let hits = f.u64("hits")?;
        f.end()?;
        if hits > range.end - range.start {
            return Err(format!(
                "{hits} hits among {} samples is impossible",
                range.end - range.start
            ));
        }
        self.hits[0] += hits;
        Ok(())
    }

    fn digest(&self) -> u64 {
        self.hits[0]
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.hits.as_slice().into())
    }
}

/// The worker's side: counts the hits of one range.
pub fn serve(payload: &[u8], out: &mut Vec<u8>) -> Result<Duration, String> {
    let mut f = Fields(payload);
    let (seed, start, end) = (f.u64("seed")?, f.u64("start")?, f.u64("end")?);
    f.end()?;
    if start > end {
        return Err(format!("empty range {start}..{end}"));
    }
    let t = Instant::now();
    let hits = count_hits(seed, start, end);
    let compute = t.elapsed();
    put_u64(out, hits);
    Ok(compute)
}

/// `pi` under a processes variant.
pub fn prepare(
    problem: &Problem,
    variant: &str,
    workers: usize,
) -> Result<Box<dyn Execution>, WorkloadError> {
    super::prepare(problem, variant, workers, PiJob::new(problem))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::worker::{WorkerState, tests::run_in_process};
    use crate::workload::{Workload, verify};

    #[test]
    fn tasks_computed_by_the_worker_side_sum_to_the_reference() {
        let p = Problem::new("t", 1_000_003, 11);
        let want = crate::workloads::pi::Pi.reference(&p).unwrap();
        let mut job = PiJob::new(&p);
        for chunk in [1_000_003, 250_000, 77_777] {
            run_in_process(&mut job, &mut WorkerState::default(), chunk, 1).unwrap();
            verify(&want, &job.answer()).unwrap();
        }
        // A result that cannot be right is refused.
        job.begin(2);
        assert!(job.absorb(0, 0..10, &11u64.to_le_bytes()).is_err());
        assert!(job.absorb(0, 0..10, &[1, 2, 3]).is_err());
    }
}
