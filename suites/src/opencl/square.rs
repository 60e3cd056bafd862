//! `square` on OpenCL: `y[i] = x[i] * x[i]`, one work-item per element. Per iteration: x to the
//! device, the kernel, y back. Bit-identical to the CPU variants (one IEEE multiplication).

use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, digest_of, raw_launch, resized, round_up};
use crate::kernels::square::input;
use crate::workload::{Answer, Problem, Tolerance};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
__kernel void square(__global const double* x, __global double* y, const ulong n) {
    const size_t i = get_global_id(0);
    if (i < n) {
        const double v = x[i];
        y[i] = v * v;
    }
}
"#;

pub(super) fn spec() -> Spec {
    Spec {
        name: "square",
        source: SOURCE,
        default_local: super::DEFAULT_WORK_GROUP_SIZE,
        check: |_, _, _| Ok(()),
        tiny: |p, local| resized(p, local as u64),
        job,
    }
}

struct SquareJob {
    x: Vec<f64>,
    y: Vec<f64>,
    x_dev: Buffer<f64>,
    y_dev: Buffer<f64>,
    kernel: Kernel,
    queue: ocl::Queue,
    global: usize,
    local: usize,
}

fn job(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    let n = problem.n as usize;
    let len = n.max(1);
    let buffer = || {
        Buffer::<f64>::builder()
            .queue(env.queue.clone())
            .len(len)
            .build()
            .map_err(OpenClError::from)
    };
    let (x_dev, y_dev) = (buffer()?, buffer()?);
    let kernel = Kernel::builder()
        .program(env.program)
        .name("square")
        .queue(env.queue.clone())
        .arg(&x_dev)
        .arg(&y_dev)
        .arg(n as u64)
        .build()
        .map_err(OpenClError::from)?;
    env.check_kernel(&kernel, "square")?;
    Ok(Box::new(SquareJob {
        x: input(n, problem.seed),
        y: vec![-1.0; n],
        x_dev,
        y_dev,
        kernel,
        queue: env.queue.clone(),
        global: round_up(len, env.local),
        local: env.local,
    }))
}

impl Job for SquareJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        if !self.x.is_empty() {
            self.x_dev.write(&self.x).enew(t.h2d()).enq()?;
        }
        raw_launch(
            &self.kernel,
            &self.queue,
            self.global,
            self.local,
            t.kernel(),
        )?;
        if !self.y.is_empty() {
            self.y_dev.read(&mut self.y).enew(t.d2h()).enq()?;
        }
        self.queue.finish()?;
        Ok(digest_of(&self.y, f64::to_bits))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.y.as_slice().into(),
            tolerance: Tolerance::EXACT,
        }
    }
}
