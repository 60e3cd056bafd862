//! `particles` on OpenCL: one work-item per particle, the Euler steps of
//! [`step`](crate::kernels::particles::step) with the same binary64 operations in the same
//! order and contraction off. OpenCL requires correctly rounded `sqrt` and division in double
//! precision, so a conforming device reproduces the CPU's positions bit for bit (the tolerance
//! stays exact: a device that rounds differently is reported `wrong`, never approximately
//! right). Per iteration: positions and angular velocities to the device, the kernel,
//! positions back.

use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, raw_launch, resized, round_up};
use crate::kernels::particles::{STEPS, TIMESTEP, input};
use crate::workload::{Answer, Problem, Tolerance};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
// advance_one of suites/src/workloads/particles.rs.
__kernel void particles(__global const double* x0, __global const double* y0,
                        __global const double* w, const uint steps, const double timestep,
                        const ulong n, __global double* x_out, __global double* y_out) {
    const size_t i = get_global_id(0);
    if (i >= n) return;
    double x = x0[i];
    double y = y0[i];
    const double hw = timestep * w[i];
    for (uint s = 0; s < steps; s++) {
        const double norm = sqrt(x * x + y * y);
        const double k = hw / norm;
        const double nx = x - k * y;
        const double ny = y + k * x;
        x = nx;
        y = ny;
    }
    x_out[i] = x;
    y_out[i] = y;
}
"#;

pub(super) fn spec() -> Spec {
    Spec {
        name: "particles",
        source: SOURCE,
        default_local: super::DEFAULT_WORK_GROUP_SIZE,
        check: |_, _, _| Ok(()),
        tiny: |p, local| resized(p, local as u64),
        job,
    }
}

struct ParticlesJob {
    x0: Vec<f64>,
    y0: Vec<f64>,
    w: Vec<f64>,
    x: Vec<f64>,
    y: Vec<f64>,
    dev: [Buffer<f64>; 5],
    kernel: Kernel,
    queue: ocl::Queue,
    global: usize,
    local: usize,
    answer: Vec<f64>,
}

fn job(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    let n = problem.n as usize;
    let steps = problem.int(STEPS)?.clamp(0, u32::MAX as i64) as u32;
    let buffer = || {
        Buffer::<f64>::builder()
            .queue(env.queue.clone())
            .len(n.max(1))
            .build()
            .map_err(OpenClError::from)
    };
    let dev = [buffer()?, buffer()?, buffer()?, buffer()?, buffer()?];
    let kernel = Kernel::builder()
        .program(env.program)
        .name("particles")
        .queue(env.queue.clone())
        .arg(&dev[0])
        .arg(&dev[1])
        .arg(&dev[2])
        .arg(steps)
        .arg(TIMESTEP)
        .arg(n as u64)
        .arg(&dev[3])
        .arg(&dev[4])
        .build()
        .map_err(OpenClError::from)?;
    env.check_kernel(&kernel, "particles")?;
    let init = input(n, problem.seed);
    Ok(Box::new(ParticlesJob {
        x0: init.x,
        y0: init.y,
        w: init.w,
        x: vec![0.0; n],
        y: vec![0.0; n],
        dev,
        kernel,
        queue: env.queue.clone(),
        global: round_up(n.max(1), env.local),
        local: env.local,
        answer: Vec::new(),
    }))
}

impl Job for ParticlesJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        if !self.x0.is_empty() {
            self.dev[0].write(&self.x0).enew(t.h2d()).enq()?;
            self.dev[1].write(&self.y0).enew(t.h2d()).enq()?;
            self.dev[2].write(&self.w).enew(t.h2d()).enq()?;
        }
        raw_launch(
            &self.kernel,
            &self.queue,
            self.global,
            self.local,
            t.kernel(),
        )?;
        if !self.x.is_empty() {
            self.dev[3].read(&mut self.x).enew(t.d2h()).enq()?;
            self.dev[4].read(&mut self.y).enew(t.d2h()).enq()?;
        }
        self.queue.finish()?;
        self.answer.clear();
        self.answer.extend_from_slice(&self.x);
        self.answer.extend_from_slice(&self.y);
        Ok(self
            .x
            .first()
            .zip(self.y.last())
            .map_or(0, |(a, b)| a.to_bits() ^ b.to_bits().rotate_left(17)))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.answer.as_slice().into(),
            tolerance: Tolerance::EXACT,
        }
    }
}
