//! The `fault` workload in worker processes: a trivial sum whose first task misbehaves on
//! purpose (crash, signal, hang, wrong answer, slow start, malformed frame), so that fault
//! containment can be seen and tested end to end.

use super::worker::START_DELAY_ENV;
use super::{Job, TaskError, get, put};
pub use crate::kernels::fault::sum_range;
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `fault` tasks: how a worker knows which handler computes them.
pub const KIND: &str = "fault";

/// What the worker does wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Fault {
    /// Nothing: the processes variants verify.
    None,
    /// The worker panics (exit status 101, the panic message on stderr).
    Crash,
    /// The worker aborts (killed by SIGABRT).
    Signal,
    /// The worker never answers (the per-sample timeout kills it).
    Hang,
    /// The worker answers wrongly (the point is `wrong`).
    Wrong,
    /// Every worker waits `start-delay-ms` before its ready frame.
    SlowStart,
    /// The worker prints to its stdout, breaking the frame stream.
    Malformed,
}

impl Fault {
    /// Every fault, by its name in configs.
    pub const ALL: [(&'static str, Fault); 7] = [
        ("none", Fault::None),
        ("crash", Fault::Crash),
        ("signal", Fault::Signal),
        ("hang", Fault::Hang),
        ("wrong", Fault::Wrong),
        ("slow-start", Fault::SlowStart),
        ("malformed", Fault::Malformed),
    ];

    /// The fault named `name` in a config, or None if there is no such fault.
    pub fn parse(name: &str) -> Option<Fault> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }
}

/// A task: sum the range, and misbehave as `fault` says if `fire`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultTask {
    /// The fault to inject.
    pub fault: Fault,
    /// Whether this task injects it.
    pub fire: bool,
    /// The problem's seed.
    pub seed: u64,
    /// First item.
    pub start: u64,
    /// One past the last item.
    pub end: u64,
}

/// A task's result: the range's sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultResult {
    /// The partial sum.
    pub sum: u64,
}

/// The parent's side: hands out ranges, sums the partial sums; decides when the fault fires.
#[derive(Debug)]
pub struct FaultJob {
    seed: u64,
    n: u64,
    fault: Fault,
    on_iteration: u64,
    start_delay_ms: u64,
    iteration: u64,
    sum: [u64; 1],
}

impl FaultJob {
    /// The job for `problem`, with the fault its `fault`, `on-iteration` and `start-delay-ms`
    /// parameters ask for; an error names an unknown fault.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let name = problem.string("fault")?;
        let fault = Fault::parse(name)
            .ok_or_else(|| WorkloadError::new(format!("unknown fault `{name}`")))?;
        Ok(FaultJob {
            seed: problem.seed,
            n: problem.n,
            fault,
            on_iteration: problem.int("on-iteration")?.max(1) as u64,
            start_delay_ms: problem.int("start-delay-ms")?.max(0) as u64,
            iteration: 0,
            sum: [0],
        })
    }
}

impl Job for FaultJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn items(&self) -> u64 {
        self.n
    }

    fn begin(&mut self, iteration: u64) {
        self.iteration = iteration;
        self.sum = [0];
    }

    fn encode(&mut self, task: usize, range: Range<u64>, out: &mut Vec<u8>) {
        let task = FaultTask {
            fault: self.fault,
            fire: task == 0 && self.iteration >= self.on_iteration,
            seed: self.seed,
            start: range.start,
            end: range.end,
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, _range: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let FaultResult { sum } = get(result, "fault result")?;
        self.sum[0] = self.sum[0].wrapping_add(sum);
        Ok(())
    }

    fn digest(&self) -> u64 {
        self.sum[0]
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.sum.as_slice().into())
    }

    fn worker_env(&self) -> Vec<(std::ffi::OsString, std::ffi::OsString)> {
        if self.fault == Fault::SlowStart {
            vec![(
                START_DELAY_ENV.into(),
                self.start_delay_ms.to_string().into(),
            )]
        } else {
            Vec::new()
        }
    }
}

/// The worker's side: sums its range, misbehaving as told.
pub fn serve(payload: &[u8], out: &mut Vec<u8>) -> Result<Duration, TaskError> {
    let FaultTask {
        fault,
        fire,
        seed,
        start,
        end,
    } = get(payload, "fault task")?;
    let t = Instant::now();
    let mut sum = sum_range(seed, start..end);
    let compute = t.elapsed();
    if fire {
        match fault {
            Fault::Crash => panic!("fault injected: the worker crashed"),
            Fault::Signal => {
                eprintln!("fault injected: the worker aborts itself (SIGABRT)");
                std::process::abort();
            }
            Fault::Hang => {
                eprintln!("fault injected: the worker hangs");
                loop {
                    std::thread::sleep(Duration::from_secs(3600));
                }
            }
            Fault::Wrong => sum = sum.wrapping_add(1),
            Fault::Malformed => {
                let mut stdout = std::io::stdout();
                let _ = stdout.write_all(b"fault injected: a stray print on the worker's stdout\n");
                let _ = stdout.flush();
            }
            Fault::None | Fault::SlowStart => {}
        }
    }
    put(out, &FaultResult { sum });
    Ok(compute)
}

/// The `fault` workload under a processes variant.
pub fn prepare(
    problem: &Problem,
    variant: &str,
    workers: usize,
) -> Result<Box<dyn Execution>, WorkloadError> {
    super::prepare(problem, variant, workers, FaultJob::new(problem)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::worker::{WorkerState, tests::run_in_process};
    use crate::workload::verify;
    use parbench_schema::params::ParamValue;

    fn problem(fault: &str, on: i64) -> Problem {
        Problem::new("t", 1000, 5)
            .with_param("fault", ParamValue::Str(fault.into()))
            .with_param("on-iteration", ParamValue::Int(on))
            .with_param("start-delay-ms", ParamValue::Int(10))
    }

    #[test]
    fn names_and_encodings_round_trip() {
        for (name, f) in Fault::ALL {
            assert_eq!(Fault::parse(name), Some(f));
            let mut b = Vec::new();
            put(&mut b, &f);
            assert_eq!(get::<Fault>(&b, "fault").unwrap(), f);
        }
        // An unknown fault is a decoding error, not a panic.
        assert!(get::<Fault>(&[7], "fault").is_err());
        assert_eq!(
            crate::kernels::fault::FAULTS.to_vec(),
            Fault::ALL.map(|(n, _)| n).to_vec()
        );
    }

    #[test]
    fn harmless_faults_verify_and_wrong_fires_from_its_iteration() {
        let want = Answer::exact(vec![sum_range(5, 0..1000)]);
        for f in ["none", "slow-start"] {
            let mut job = FaultJob::new(&problem(f, 1)).unwrap();
            run_in_process(&mut job, &mut WorkerState::default(), 300, 1).unwrap();
            verify(&want, &job.answer()).unwrap();
        }
        let mut job = FaultJob::new(&problem("wrong", 2)).unwrap();
        run_in_process(&mut job, &mut WorkerState::default(), 300, 1).unwrap();
        verify(&want, &job.answer()).unwrap();
        run_in_process(&mut job, &mut WorkerState::default(), 300, 2).unwrap();
        assert!(verify(&want, &job.answer()).is_err());
        assert!(
            FaultJob::new(&problem("slow-start", 1))
                .unwrap()
                .worker_env()[0]
                .1
                == "10"
        );
    }
}
