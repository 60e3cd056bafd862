//! `mandelbrot` in worker processes: a task is a band of rows; its result is the band's escape
//! counts. Rows cost very different amounts, so static bands (`processes-spawn`'s default, one
//! band per worker) leave workers idle while smaller chunks handed out on demand
//! (`processes-pool`) keep them busy: the chapter's `Process` versus `Pool.map`.

use super::{Job, TaskError, Values, get, put};
use crate::kernels::mandelbrot::{MAX_ITER, VIEW, height_of, render_rows};
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::time::{Duration, Instant};

/// The task kind of `mandelbrot` tasks: how a worker knows which handler computes them.
pub const KIND: &str = "mandelbrot";

/// A task: render rows `start..end` of a `width` x `height` image. Its result is the band's
/// escape counts, [`Values`] of `u32`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MandelbrotTask {
    /// Image width in pixels.
    pub width: u64,
    /// Image height in pixels.
    pub height: u64,
    /// Iteration limit per pixel.
    pub max_iter: u32,
    /// First row.
    pub start: u64,
    /// One past the last row.
    pub end: u64,
}

/// The parent's side: hands out bands of rows, places the returned counts in the image.
#[derive(Debug)]
pub struct MandelbrotJob {
    width: usize,
    height: usize,
    max_iter: u32,
    image: Vec<u32>,
}

impl MandelbrotJob {
    /// The job for `problem` (`n` is the image width); fails if the width does not fit a `usize`.
    pub fn new(problem: &Problem) -> Result<Self, WorkloadError> {
        let width = usize::try_from(problem.n)
            .map_err(|_| WorkloadError::new("mandelbrot width exceeds this platform's usize"))?;
        let height = height_of(width);
        let max_iter = problem.int(MAX_ITER)?.clamp(1, u32::MAX as i64) as u32;
        Ok(MandelbrotJob {
            width,
            height,
            max_iter,
            image: vec![u32::MAX; width * height],
        })
    }
}

impl Job for MandelbrotJob {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn items(&self) -> u64 {
        self.height as u64
    }

    fn begin(&mut self, _iteration: u64) {
        self.image.fill(u32::MAX);
    }

    fn encode(&mut self, _task: usize, rows: Range<u64>, out: &mut Vec<u8>) {
        let task = MandelbrotTask {
            width: self.width as u64,
            height: self.height as u64,
            max_iter: self.max_iter,
            start: rows.start,
            end: rows.end,
        };
        put(out, &task);
    }

    fn absorb(&mut self, _task: usize, rows: Range<u64>, result: &[u8]) -> Result<(), TaskError> {
        let band =
            &mut self.image[rows.start as usize * self.width..rows.end as usize * self.width];
        get::<Values<'_>>(result, "mandelbrot result")?.copy_into(band, "pixels")
    }

    fn digest(&self) -> u64 {
        let n = self.image.len();
        [0, n / 3, n / 2, n.saturating_sub(1)]
            .iter()
            .filter_map(|&i| self.image.get(i))
            .fold(0u64, |d, &c| d.rotate_left(16) ^ c as u64)
    }

    fn answer(&self) -> Answer<'_> {
        Answer::exact(self.image.iter().map(|&c| c as u64).collect())
    }
}

/// The worker's side: renders a band of rows.
pub fn serve(
    state: &mut super::worker::WorkerState,
    payload: &[u8],
    out: &mut Vec<u8>,
) -> Result<Duration, TaskError> {
    let task: MandelbrotTask = get(payload, "mandelbrot task")?;
    if task.start > task.end || task.end > task.height {
        return Err(TaskError::OutOfRange {
            what: "rows",
            start: task.start,
            end: task.end,
            limit: task.height,
        });
    }
    let band_pixels = (task.end - task.start).saturating_mul(task.width);
    if band_pixels > 1 << 28 {
        return Err(TaskError::TooLarge {
            what: "a band of pixels",
            value: band_pixels,
        });
    }
    let (width, height, max_iter) = (task.width as usize, task.height as usize, task.max_iter);
    let (start, end, pixels) = (task.start as usize, task.end as usize, band_pixels as usize);
    let band = &mut state.counts;
    band.clear();
    band.resize(pixels, 0);
    let t = Instant::now();
    render_rows(&VIEW, width, height, start..end, max_iter, band);
    let compute = t.elapsed();
    put(out, &Values::of(band));
    Ok(compute)
}

/// `mandelbrot` under a processes variant.
pub fn prepare(
    problem: &Problem,
    variant: &str,
    workers: usize,
) -> Result<Box<dyn Execution>, WorkloadError> {
    super::prepare(problem, variant, workers, MandelbrotJob::new(problem)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::processes::worker::{WorkerState, tests::run_in_process};
    use crate::workload::{Workload, verify};
    use parbench_schema::params::ParamValue;

    #[test]
    fn bands_computed_by_the_worker_side_match_the_reference() {
        let p = Problem::new("t", 96, 4).with_param(MAX_ITER, ParamValue::Int(200));
        let want = crate::workloads::mandelbrot::Mandelbrot
            .reference(&p)
            .unwrap();
        let mut job = MandelbrotJob::new(&p).unwrap();
        let mut state = WorkerState::default();
        for rows in [48, 7, 1] {
            run_in_process(&mut job, &mut state, rows, 1).unwrap();
            verify(&want, &job.answer()).unwrap();
        }
        assert!(job.absorb(0, 0..1, &[0; 3]).is_err());
    }
}
