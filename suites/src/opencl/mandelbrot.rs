//! `mandelbrot` on OpenCL: one work-item per pixel, the escape-time loop of
//! [`escape_time`](crate::kernels::mandelbrot::escape_time) with the same binary64 operations
//! in the same order and contraction off (no fused multiply-add), so every count equals the
//! CPU's. Nothing goes to the device (pixels are computed from their coordinates); the image
//! comes back.

use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, digest_of, raw_launch, resized, round_up};
use crate::kernels::mandelbrot::{MAX_ITER, VIEW, height_of};
use crate::workload::{Answer, Problem};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
// pixel_c and escape_time of suites/src/workloads/mandelbrot.rs; dx and dy come from the host.
__kernel void mandelbrot(const uint width, const uint height, const double re_min,
                         const double im_max, const double dx, const double dy,
                         const uint max_iter, __global uint* counts) {
    const size_t i = get_global_id(0);
    if (i >= (size_t)width * (size_t)height) return;
    const uint px = (uint)(i % width);
    const uint py = (uint)(i / width);
    const double cx = re_min + (double)px * dx;
    const double cy = im_max - (double)py * dy;
    double x = 0.0, y = 0.0;
    uint it = 0;
    while (it < max_iter) {
        const double x2 = x * x;
        const double y2 = y * y;
        if (x2 + y2 > 4.0) break;
        y = 2.0 * x * y + cy;
        x = x2 - y2 + cx;
        it++;
    }
    counts[i] = it;
}
"#;

pub(super) fn spec() -> Spec {
    Spec {
        name: "mandelbrot",
        source: SOURCE,
        default_local: super::DEFAULT_WORK_GROUP_SIZE,
        check: |_, problem, _| dimensions(problem).map(|_| ()),
        tiny: |p, _| resized(p, 16),
        job,
    }
}

fn dimensions(problem: &Problem) -> Result<(u32, u32), OpenClError> {
    let width = u32::try_from(problem.n)
        .ok()
        .filter(|w| (*w as u64) * (height_of(*w as usize) as u64) <= u32::MAX as u64)
        .ok_or_else(|| {
            OpenClError::Refused(format!(
                "mandelbrot width {} is too large for OpenCL",
                problem.n
            ))
        })?;
    Ok((width, height_of(width as usize) as u32))
}

struct MandelbrotJob {
    counts: Vec<u32>,
    counts_dev: Buffer<u32>,
    kernel: Kernel,
    queue: ocl::Queue,
    global: usize,
    local: usize,
    answer: Vec<u64>,
}

fn job(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    let (width, height) = dimensions(problem)?;
    let max_iter = problem.int(MAX_ITER)?.clamp(1, u32::MAX as i64) as u32;
    let pixels = width as usize * height as usize;
    let counts_dev = Buffer::<u32>::builder()
        .queue(env.queue.clone())
        .len(pixels.max(1))
        .build()
        .map_err(OpenClError::from)?;
    // The same steps as `pixel_c`: the widths divided on the host, in binary64.
    let dx = (VIEW.re_max - VIEW.re_min) / width as f64;
    let dy = (VIEW.im_max - VIEW.im_min) / height as f64;
    let kernel = Kernel::builder()
        .program(env.program)
        .name("mandelbrot")
        .queue(env.queue.clone())
        .arg(width)
        .arg(height)
        .arg(VIEW.re_min)
        .arg(VIEW.im_max)
        .arg(dx)
        .arg(dy)
        .arg(max_iter)
        .arg(&counts_dev)
        .build()
        .map_err(OpenClError::from)?;
    env.check_kernel(&kernel, "mandelbrot")?;
    Ok(Box::new(MandelbrotJob {
        counts: vec![u32::MAX; pixels],
        counts_dev,
        kernel,
        queue: env.queue.clone(),
        global: round_up(pixels.max(1), env.local),
        local: env.local,
        answer: Vec::new(),
    }))
}

impl Job for MandelbrotJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        raw_launch(
            &self.kernel,
            &self.queue,
            self.global,
            self.local,
            t.kernel(),
        )?;
        if !self.counts.is_empty() {
            self.counts_dev.read(&mut self.counts).enew(t.d2h()).enq()?;
        }
        self.queue.finish()?;
        self.answer = self.counts.iter().map(|&c| c as u64).collect();
        Ok(digest_of(&self.counts, |c| c as u64))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.answer.as_slice().into())
    }
}
