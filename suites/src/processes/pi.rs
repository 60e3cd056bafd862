//! `pi` in worker processes: a task is a range of sample indices; its result is the hit count.

use super::{Job, TaskError, get, put};
use crate::kernels::pi::count_hits;
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `pi` tasks: how a worker knows which handler computes them.
pub const KIND: &str = "pi";

/// A task: count the hits among samples `start..end` of the stream `seed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiTask {
    /// The problem's seed.
    pub seed: u64,
    /// First sample index.
    pub start: u64,
    /// One past the last sample index.
    pub end: u64,
}

/// A task's result: the hit count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PiResult {
    /// Samples inside the quarter circle.
    pub hits: u64,
}

/// The parent's side: hands out sample ranges, sums the hits.
#[derive(Debug)]
pub struct PiJob {
    seed: u64,
    n: u64,
    hits: [u64; 1],
}

impl PiJob {
    /// The job for `problem`: `n` samples of the stream `seed`.
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
        let task = PiTask {
            seed: self.seed,
            start: range.start,
            end: range.end,
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, range: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let PiResult { hits } = get(result, "pi result")?;
        let samples = range.end - range.start;
        if hits > samples {
            return Err(TaskError::ImpossibleHits { hits, samples });
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
pub fn serve(payload: &[u8], out: &mut Vec<u8>) -> Result<Duration, TaskError> {
    let PiTask { seed, start, end } = get(payload, "pi task")?;
    if start > end {
        return Err(TaskError::OutOfRange {
            what: "samples",
            start,
            end,
            limit: u64::MAX,
        });
    }
    let t = Instant::now();
    let hits = count_hits(seed, start, end);
    let compute = t.elapsed();
    put(out, &PiResult { hits });
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
        let mut eleven = Vec::new();
        put(&mut eleven, &PiResult { hits: 11 });
        let e = job.absorb(0, 0..10, &eleven).unwrap_err();
        assert!(
            matches!(
                e,
                TaskError::ImpossibleHits {
                    hits: 11,
                    samples: 10
                }
            ),
            "{e}"
        );
        assert!(matches!(
            job.absorb(0, 0..10, &[1, 2, 3]).unwrap_err(),
            TaskError::Decode(_)
        ));
        let mut reversed = Vec::new();
        put(
            &mut reversed,
            &PiTask {
                seed: 1,
                start: 5,
                end: 2,
            },
        );
        assert!(serve(&reversed, &mut Vec::new()).is_err());
    }
}
