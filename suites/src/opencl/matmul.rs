//! `matmul` on OpenCL: C = AB tiled in local memory. A work-group of `t` x `t` work-items (the
//! `work-group-size` is t², a square: 64, 256, 1024) computes a `t` x `t` tile of C; per step it
//! loads a tile of A and one of B into local memory, then each item accumulates its dot-product
//! slice. Each element of C sums `A[i][k] * B[k][j]` for k in order from zero with contraction
//! off, the very order of the naive reference, so the answer is within the workload's declared
//! tolerance (in practice bit-identical). Per iteration: A and B to the device, the kernel, C
//! back.

use super::DeviceInfo;
use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, digest_of, resized, round_up};
use crate::kernels::matmul::{input, tolerance};
use crate::workload::{Answer, Problem};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
#pragma OPENCL FP_CONTRACT OFF
#ifdef cl_khr_fp64
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#endif
__kernel void matmul_tiled(__global const double* a, __global const double* b,
                           __global double* c, const uint n,
                           __local double* a_tile, __local double* b_tile) {
    const uint t = get_local_size(0);
    const uint lx = get_local_id(0);
    const uint ly = get_local_id(1);
    const size_t col = (size_t)get_group_id(0) * t + lx;
    const size_t row = (size_t)get_group_id(1) * t + ly;
    double acc = 0.0;
    for (uint k0 = 0; k0 < n; k0 += t) {
        a_tile[ly * t + lx] = (row < n && k0 + lx < n) ? a[row * n + k0 + lx] : 0.0;
        b_tile[ly * t + lx] = (k0 + ly < n && col < n) ? b[(size_t)(k0 + ly) * n + col] : 0.0;
        barrier(CLK_LOCAL_MEM_FENCE);
        const uint kk = min(t, n - k0);
        for (uint k = 0; k < kk; k++) {
            acc = acc + a_tile[ly * t + k] * b_tile[k * t + lx];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (row < n && col < n) c[row * n + col] = acc;
}
"#;

/// The side of a square work-group of `local` work-items.
fn tile_side(local: usize) -> Option<usize> {
    let t = (local as f64).sqrt().round() as usize;
    (t * t == local).then_some(t)
}

fn check(device: &DeviceInfo, problem: &Problem, local: usize) -> Result<(), OpenClError> {
    let t = tile_side(local).ok_or_else(|| {
        OpenClError::Refused(format!(
            "matmul's work-groups are square tiles: work-group-size must be a square (16, 64, 256, 1024), found {local}"
        ))
    })?;
    if let Some(&max) = device.max_work_item_sizes.iter().take(2).min()
        && t > max
    {
        return Err(OpenClError::Refused(format!(
            "a {t} x {t} tile needs {t} work-items per dimension; `{}` allows {max}",
            device.name
        )));
    }
    let need = 2 * local as u64 * 8;
    if need > device.local_memory_bytes {
        return Err(OpenClError::Refused(format!(
            "a {t} x {t} tile of A and of B needs {need} bytes of local memory; `{}` has {}",
            device.name, device.local_memory_bytes
        )));
    }
    if problem.n > u32::MAX as u64 {
        return Err(OpenClError::Refused(format!(
            "matmul side {} is too large",
            problem.n
        )));
    }
    Ok(())
}

pub(super) fn spec() -> Spec {
    Spec {
        name: "matmul",
        source: SOURCE,
        default_local: super::DEFAULT_MATMUL_WORK_GROUP_SIZE,
        check,
        tiny: |p, local| resized(p, tile_side(local).unwrap_or(1) as u64),
        job,
    }
}

struct MatmulJob {
    n: usize,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Vec<f64>,
    dev: [Buffer<f64>; 3],
    kernel: Kernel,
    queue: ocl::Queue,
    global: usize,
    tile: usize,
}

fn job(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    let n = problem.n as usize;
    let tile = tile_side(env.local)
        .ok_or_else(|| OpenClError::Refused("the work-group size is not a square".into()))?;
    let buffer = || {
        Buffer::<f64>::builder()
            .queue(env.queue.clone())
            .len((n * n).max(1))
            .build()
            .map_err(OpenClError::from)
    };
    let dev = [buffer()?, buffer()?, buffer()?];
    let kernel = Kernel::builder()
        .program(env.program)
        .name("matmul_tiled")
        .queue(env.queue.clone())
        .arg(&dev[0])
        .arg(&dev[1])
        .arg(&dev[2])
        .arg(n as u32)
        .arg_local::<f64>(env.local)
        .arg_local::<f64>(env.local)
        .build()
        .map_err(OpenClError::from)?;
    env.check_kernel(&kernel, "matmul_tiled")?;
    let (a, b) = input(n, problem.seed);
    Ok(Box::new(MatmulJob {
        n,
        a,
        b,
        c: vec![0.0; n * n],
        dev,
        kernel,
        queue: env.queue.clone(),
        global: round_up(n.max(1), tile),
        tile,
    }))
}

impl Job for MatmulJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        if self.n > 0 {
            self.dev[0].write(&self.a).enew(t.h2d()).enq()?;
            self.dev[1].write(&self.b).enew(t.h2d()).enq()?;
        }
        super::raw::launch(
            &self.kernel,
            &self.queue,
            (self.global, self.global).into(),
            (self.tile, self.tile).into(),
            t.kernel(),
        )?;
        if self.n > 0 {
            self.dev[2].read(&mut self.c).enew(t.d2h()).enq()?;
        }
        self.queue.finish()?;
        Ok(digest_of(&self.c, f64::to_bits))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Approx {
            values: self.c.as_slice().into(),
            tolerance: tolerance(self.n),
        }
    }
}
