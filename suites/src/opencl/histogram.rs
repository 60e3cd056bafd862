//! `histogram` on OpenCL, two ways: `opencl` increments the shared bins in global memory with
//! one atomic per value (the device's version of the `atomic` variant); `opencl-local` gives
//! each work-group its own bins in local memory (local atomics) and merges them into the global
//! bins once per group (like `sharded`). Values are binned exactly as on the CPU
//! ([`bin_of`](crate::kernels::histogram::bin_of)); counts are 32-bit on the device. Per
//! iteration: the values and a reset of the bins to the device, the kernel, the bins back.

use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, groups_for, raw_launch, resized};
use crate::kernels::histogram::{BINS, input};
use crate::workload::{Answer, Problem};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
// bin_of(value, bins) = (value * bins) >> 32, as suites/src/workloads/histogram.rs.
inline uint bin_of(uint value, uint bins) {
    return (uint)(((ulong)value * (ulong)bins) >> 32);
}

__kernel void histogram_global(__global const uint* values, const ulong n, const uint bins,
                               __global uint* counts) {
    const ulong stride = get_global_size(0);
    for (ulong i = get_global_id(0); i < n; i += stride) {
        atomic_inc(&counts[bin_of(values[i], bins)]);
    }
}

__kernel void histogram_local(__global const uint* values, const ulong n, const uint bins,
                              __global uint* counts, __local uint* local_bins) {
    const uint lid = get_local_id(0);
    const uint lsz = get_local_size(0);
    for (uint b = lid; b < bins; b += lsz) local_bins[b] = 0;
    barrier(CLK_LOCAL_MEM_FENCE);
    const ulong stride = get_global_size(0);
    for (ulong i = get_global_id(0); i < n; i += stride) {
        atomic_inc(&local_bins[bin_of(values[i], bins)]);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint b = lid; b < bins; b += lsz) {
        const uint c = local_bins[b];
        if (c != 0) atomic_add(&counts[b], c);
    }
}
"#;

fn bins_of(problem: &Problem) -> Result<u32, OpenClError> {
    let b = problem.int(BINS)?;
    u32::try_from(b)
        .ok()
        .filter(|&b| b >= 1)
        .ok_or_else(|| OpenClError::Refused(format!("`{BINS}` must be at least 1, found {b}")))
}

pub(super) fn spec(local_bins: bool) -> Spec {
    Spec {
        name: "histogram",
        source: SOURCE,
        default_local: super::DEFAULT_WORK_GROUP_SIZE,
        check: if local_bins {
            |device, problem, _| {
                let need = bins_of(problem)? as u64 * 4;
                if need > device.local_memory_bytes {
                    return Err(OpenClError::Refused(format!(
                        "{BINS} = {} needs {need} bytes of local memory per work-group; `{}` has {} (use the `opencl` variant, whose bins are in global memory)",
                        need / 4,
                        device.name,
                        device.local_memory_bytes
                    )));
                }
                check_size(problem)
            }
        } else {
            |_, problem, _| check_size(problem)
        },
        tiny: |p, local| resized(p, local as u64),
        job: if local_bins { job_local } else { job_global },
    }
}

/// Device counts are 32-bit: every bin must hold up to n.
fn check_size(problem: &Problem) -> Result<(), OpenClError> {
    if problem.n > u32::MAX as u64 {
        return Err(OpenClError::Refused(format!(
            "the OpenCL histogram counts in 32 bits: n = {} is more than {}",
            problem.n,
            u32::MAX
        )));
    }
    Ok(())
}

struct HistogramJob {
    values: Vec<u32>,
    counts: Vec<u32>,
    values_dev: Buffer<u32>,
    counts_dev: Buffer<u32>,
    kernel: Kernel,
    queue: ocl::Queue,
    global: usize,
    local: usize,
    answer: Vec<u64>,
}

fn job_global(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    job(env, problem, false)
}

fn job_local(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    job(env, problem, true)
}

fn job(env: &Env<'_>, problem: &Problem, local_bins: bool) -> Result<Box<dyn Job>, OpenClError> {
    check_size(problem)?;
    let n = problem.n as usize;
    let bins = bins_of(problem)?;
    let values_dev = Buffer::<u32>::builder()
        .queue(env.queue.clone())
        .len(n.max(1))
        .build()
        .map_err(OpenClError::from)?;
    let counts_dev = Buffer::<u32>::builder()
        .queue(env.queue.clone())
        .len(bins as usize)
        .build()
        .map_err(OpenClError::from)?;
    let name = if local_bins {
        "histogram_local"
    } else {
        "histogram_global"
    };
    let mut builder = Kernel::builder();
    builder
        .program(env.program)
        .name(name)
        .queue(env.queue.clone())
        .arg(&values_dev)
        .arg(problem.n)
        .arg(bins)
        .arg(&counts_dev);
    if local_bins {
        builder.arg_local::<u32>(bins as usize);
    }
    let kernel = builder.build().map_err(OpenClError::from)?;
    env.check_kernel(&kernel, name)?;
    let groups = groups_for(n, env.local, env.ctx.info.compute_units);
    Ok(Box::new(HistogramJob {
        values: input(n, problem.seed),
        counts: vec![0; bins as usize],
        values_dev,
        counts_dev,
        kernel,
        queue: env.queue.clone(),
        global: groups * env.local,
        local: env.local,
        answer: Vec::new(),
    }))
}

impl Job for HistogramJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        if !self.values.is_empty() {
            self.values_dev.write(&self.values).enew(t.h2d()).enq()?;
        }
        self.counts_dev.cmd().fill(0u32, None).enew(t.h2d()).enq()?;
        raw_launch(
            &self.kernel,
            &self.queue,
            self.global,
            self.local,
            t.kernel(),
        )?;
        self.counts_dev.read(&mut self.counts).enew(t.d2h()).enq()?;
        self.queue.finish()?;
        self.answer = self.counts.iter().map(|&c| c as u64).collect();
        Ok(self.answer.iter().fold(0u64, |d, &c| d.rotate_left(5) ^ c))
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.answer.as_slice().into())
    }
}
