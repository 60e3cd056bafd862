//! `fault`: a built-in fault injector for worker processes. Its work is a trivial sum; under the
//! processes variants one worker misbehaves as the `fault` parameter says (crash, signal, hang,
//! wrong answer, slow start, malformed frame), from iteration `on-iteration` on. The point must
//! end `failed` (or `wrong`) with the reason, and the run must go on.

pub use crate::kernels::fault::*;
use crate::workload::*;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::params::ParamValue;
use parbench_schema::variant::names;

/// The sum of items `0..n`, polling for cancellation (timeout, Ctrl-C) every 2^16 items (a
/// cancelled sum is partial; the caller discards it).
fn sum(seed: u64, n: u64) -> u64 {
    parbench_harness::cancel::sum_in_steps(0, n, 1 << 16, |lo, hi| sum_range(seed, lo..hi))
}

/// The `fault` workload: a trivial sum whose worker processes misbehave on purpose.
#[derive(Debug, Default)]
pub struct Fault;

struct SerialSum {
    seed: u64,
    n: u64,
    sum: [u64; 1],
}

impl Execution for SerialSum {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        self.sum = [sum(self.seed, self.n)];
        Ok(IterationOutput::digest(self.sum[0]))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.sum.as_slice().into())
    }
}

impl Workload for Fault {
    fn info(&self) -> WorkloadInfo {
        WorkloadInfo {
            name: "fault",
            description: "fault injection for worker processes: a trivial sum one worker breaks on purpose (see the `fault` parameter)",
            size_meaning: "items summed",
            work_unit: "items",
            sizes: vec![
                NamedSize {
                    label: "XS",
                    n: 10_000,
                },
                NamedSize {
                    label: "S",
                    n: 1_000_000,
                },
            ],
            default_sizes: vec!["XS"],
            params: vec![
                ParamSpec {
                    name: "fault",
                    description: "what the first task's worker does: none, crash (panics), signal (aborts: SIGABRT), hang (never answers), wrong (a wrong sum), slow-start (every worker waits start-delay-ms before it is ready), malformed (prints to its stdout)",
                    kind: ParamKind::Choice(&FAULTS),
                    default: ParamValue::Str("none".into()),
                },
                ParamSpec {
                    name: "on-iteration",
                    description: "the fault fires from this iteration of the point on: 1 is the verification run before timing, later ones hit warm-up or timing",
                    kind: ParamKind::Int {
                        min: 1,
                        max: 1_000_000,
                    },
                    default: ParamValue::Int(1),
                },
                ParamSpec {
                    name: "start-delay-ms",
                    description: "slow-start: milliseconds each worker waits before its ready frame",
                    kind: ParamKind::Int {
                        min: 0,
                        max: 3_600_000,
                    },
                    default: ParamValue::Int(2000),
                },
            ],
        }
    }

    fn variants(&self) -> Vec<VariantInfo> {
        let v = vec![VariantInfo::serial(
            "the correct sum in one thread: the baseline",
        )];
        v
    }

    fn not_applicable(&self) -> Vec<NotApplicable> {
        NotApplicable::all(
            &[
                &[names::THREADS, names::RAYON],
                NotApplicable::SHARED_STATE_VARIANTS,
            ]
            .concat(),
            "fault injection is about worker processes: `serial` is its baseline, the processes variants break on purpose",
        )
    }
    fn work(&self, problem: &Problem) -> f64 {
        problem.n as f64
    }

    fn reference(&self, problem: &Problem) -> Result<Answer<'static>, WorkloadError> {
        Ok(Answer::exact(vec![sum(problem.seed, problem.n)]))
    }

    fn prepare(
        &self,
        problem: &Problem,
        variant: &str,
        workers: usize,
    ) -> Result<Box<dyn Execution>, WorkloadError> {
        match variant {
            names::SERIAL => Ok(Box::new(SerialSum {
                seed: problem.seed,
                n: problem.n,
                sum: [0],
            })),
            other => {
                let _ = workers;
                Err(WorkloadError::unknown_variant("fault", other))
            }
        }
    }

    fn quick_size(&self, n: u64) -> u64 {
        n.min(10_000)
    }
}

impl crate::backend::Hooked for Fault {
    fn backends(&self) -> crate::hooks::Hooks {
        use crate::hooks::{Hook, Hooks, ProcessHook};
        Hooks {
            processes: Hook::Supported(ProcessHook {
                prepare: crate::processes::fault::prepare,
                transport: false,
            }),
            opencl: Hook::NotApplicable(
                "fault injection is about worker processes: `serial` is its baseline, the processes variants break on purpose",
            ),
            mpi: Hook::NotApplicable(
                "fault injection here is about worker processes; faults of MPI ranks are injected with PARBENCH_MPI_FAULT (docs/mpi.md)",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_computes_the_reference() {
        let p = Problem::new("t", 100, 3);
        let want = Fault.reference(&p).unwrap();
        let mut e = Fault.prepare(&p, "serial", 1).unwrap();
        e.run().unwrap();
        assert!(verify(&want, &e.answer()).is_ok());
        assert_eq!(
            want,
            Answer::exact(vec![
                sum_range(3, 0..50).wrapping_add(sum_range(3, 50..100))
            ])
        );
    }
}
