//! The worker side: what `parbench worker` runs. It serves the tasks its parent sends over
//! stdin/stdout (see `parbench_harness::protocol`) by dispatching on the task kind to the
//! workload code in the sibling modules.

use super::TaskError;
use crate::shm::SharedView;
use parbench_harness::worker_process::{self, Computed, ResultAt, ServeError};
use std::time::Duration;

/// Makes every worker wait this many milliseconds before its ready frame (the `fault`
/// workload's slow start).
pub const START_DELAY_ENV: &str = "PARBENCH_WORKER_START_DELAY_MS";

/// State a worker keeps between tasks.
#[derive(Debug, Default)]
pub struct WorkerState {
    /// The shared file of the last shared-memory task, kept mapped for the next.
    pub(crate) shared: Option<SharedView>,
    /// Escape counts of the last mandelbrot band, reused.
    pub(crate) counts: Vec<u32>,
    pub(crate) particles: super::particles::Scratch,
    pub(crate) matmul: super::matmul::Scratch,
}

impl WorkerState {
    /// Computes one task: its result is appended to `out` or computed in place in `payload`.
    pub fn dispatch(
        &mut self,
        kind: &str,
        payload: &mut [u8],
        out: &mut Vec<u8>,
    ) -> Result<Computed, TaskError> {
        let appended = |compute: Duration| Computed {
            compute,
            result: ResultAt::Out,
        };
        match kind {
            super::pi::KIND => super::pi::serve(payload, out).map(appended),
            super::square::KIND_PIPE => {
                super::square::serve_pipe(payload).map(|compute| Computed {
                    compute,
                    result: ResultAt::Payload,
                })
            }
            super::square::KIND_SHM => super::square::serve_shm(self, payload).map(appended),
            super::fault::KIND => super::fault::serve(payload, out).map(appended),
            super::mandelbrot::KIND => super::mandelbrot::serve(self, payload, out).map(appended),
            super::particles::KIND => {
                super::particles::serve(&mut self.particles, payload, out).map(appended)
            }
            super::matmul::KIND_PIPE => {
                super::matmul::serve_pipe(&mut self.matmul, payload, out).map(appended)
            }
            super::matmul::KIND_SHM => super::matmul::serve_shm(self, payload).map(appended),
            other => Err(TaskError::UnknownKind(other.to_string())),
        }
    }
}

/// Why `parbench worker` stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum WorkerRunError {
    /// The start delay variable is not a number.
    #[error("{START_DELAY_ENV} must be a number of milliseconds, not {0:?}")]
    StartDelay(std::ffi::OsString),
    /// Serving failed (a broken pipe, a malformed frame).
    #[error(transparent)]
    Serve(#[from] ServeError),
}

/// The body of `parbench worker`: serve tasks until the parent says stop or goes away.
pub fn run() -> Result<(), WorkerRunError> {
    if let Some(ms) = std::env::var_os(START_DELAY_ENV) {
        let ms: u64 = ms
            .to_str()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| WorkerRunError::StartDelay(ms.clone()))?;
        eprintln!("parbench worker: delaying start-up by {ms} ms (fault injection)");
        std::thread::sleep(Duration::from_millis(ms));
    }
    let mut state = WorkerState::default();
    worker_process::serve(&mut |kind, payload, out| Ok(state.dispatch(kind, payload, out)?))?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::processes::{Job, chunk_range};

    /// Runs every task of one iteration of `job` through the worker's dispatcher in this process
    /// (the encoding and decoding of both sides, without pipes).
    pub(crate) fn run_in_process<J: Job>(
        job: &mut J,
        state: &mut WorkerState,
        chunk: u64,
        iteration: u64,
    ) -> Result<(), TaskError> {
        job.begin(iteration);
        let tasks = job.items().div_ceil(chunk).max(1) as usize;
        for t in 0..tasks {
            let range = chunk_range(t, chunk, job.items());
            let mut payload = Vec::new();
            job.encode(t, range.clone(), &mut payload);
            let mut out = Vec::new();
            let result = match state.dispatch(job.kind(), &mut payload, &mut out)?.result {
                ResultAt::Out => &out,
                ResultAt::Payload => &payload,
            };
            job.absorb(t, range, result)?;
        }
        Ok(())
    }

    #[test]
    fn unknown_kinds_are_refused() {
        let e = WorkerState::default()
            .dispatch("fft", &mut [], &mut Vec::new())
            .unwrap_err();
        assert!(e.to_string().contains("unknown task kind `fft`"), "{e}");
    }

    mod properties {
        use crate::processes::{
            ShmTask, Values, fault, get, mandelbrot, matmul, particles, pi, put, square,
        };
        use proptest::prelude::*;

        /// Decodes `bytes` as every task and result type: each either decodes or errors.
        fn decode_all(bytes: &[u8]) {
            let _ = get::<pi::PiTask>(bytes, "t");
            let _ = get::<pi::PiResult>(bytes, "t");
            let _ = get::<square::PipeTask<'_>>(bytes, "t");
            let _ = get::<square::PipeResult<'_>>(bytes, "t");
            let _ = get::<ShmTask<'_>>(bytes, "t");
            let _ = get::<()>(bytes, "t");
            let _ = get::<Values<'_>>(bytes, "t");
            let _ = get::<matmul::PipeTask<'_>>(bytes, "t");
            let _ = get::<particles::ParticlesTask<'_>>(bytes, "t");
            let _ = get::<particles::ParticlesResult<'_>>(bytes, "t");
            let _ = get::<mandelbrot::MandelbrotTask>(bytes, "t");
            let _ = get::<fault::FaultTask>(bytes, "t");
            let _ = get::<fault::FaultResult>(bytes, "t");
        }

        proptest! {
            #[test]
            fn arbitrary_payloads_decode_or_fail_without_panicking(
                bytes in prop::collection::vec(any::<u8>(), 0..96)
            ) {
                decode_all(&bytes);
            }

            #[test]
            fn tasks_round_trip_and_any_cut_is_an_error(
                seed in any::<u64>(), start in any::<u64>(), end in any::<u64>(),
                steps in any::<u32>(), values in prop::collection::vec(any::<f64>(), 0..40),
                cut in any::<prop::sample::Index>(),
            ) {
                let mut b = Vec::new();
                let t = particles::ParticlesTask {
                    steps,
                    x: Values::of(&values),
                    y: Values::of(&values),
                    w: Values::of(&values),
                };
                put(&mut b, &t);
                prop_assert_eq!(get::<particles::ParticlesTask<'_>>(&b, "t").unwrap(), t);
                let cut = cut.index(b.len());
                prop_assert!(get::<particles::ParticlesTask<'_>>(&b[..cut], "t").is_err());

                let mut b = Vec::new();
                let t = pi::PiTask { seed, start, end };
                put(&mut b, &t);
                prop_assert_eq!(get::<pi::PiTask>(&b, "t").unwrap(), t);
                b.push(0);
                prop_assert!(get::<pi::PiTask>(&b, "t").is_err());
            }
        }
    }
}
