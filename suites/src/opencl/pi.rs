//! `pi` on OpenCL: the CPU variants' counter-based stream ported to OpenCL C (`lowbias32` per
//! coordinate with the block's keys, 31-bit coordinates, the integer hit test `x² + y² <
//! 2^62`), so the device counts exactly the same hits. The keys of each 2^32-sample block come
//! from the CPU's own [`block_keys`]; a launch covers one block. Work-items take samples
//! grid-stride in a branch-free loop; each group sums its items' hits in local memory and
//! writes one partial count, which the host adds up. Nothing goes to the device; the partials
//! come back.

use super::OpenClError;
use super::execution::{Env, Job, Spec, Timeline, groups_for, raw_launch, resized};
use crate::kernels::pi::block_keys;
use crate::workload::{Answer, Problem};
use ocl::{Buffer, Kernel};

const SOURCE: &str = r#"
// lowbias32 of suites/src/counter_rng.rs.
inline uint lowbias32(uint x) {
    x ^= x >> 16;
    x *= 0x7feb352dU;
    x ^= x >> 15;
    x *= 0x846ca68bU;
    x ^= x >> 16;
    return x;
}

// Hits among samples first .. first + count of one 2^32-sample block with keys (kx, ky), as
// is_hit of suites/src/workloads/pi.rs. Every work-item runs the same number of steps (a
// branch-free loop the compiler can vectorize across work-items), taking samples grid-stride;
// the group's sum goes to partial[slot + group].
__kernel void pi_hits(const uint kx, const uint ky, const uint first, const ulong count,
                      const uint per_item, const uint slot, __global ulong* partial,
                      __local ulong* scratch) {
    const ulong gid = get_global_id(0);
    const ulong stride = get_global_size(0);
    const uint lid = get_local_id(0);
    const uint lsz = get_local_size(0);
    uint hits = 0;
    for (uint k = 0; k < per_item; k++) {
        const ulong off = (ulong)k * stride + gid;
        const uint c = first + (uint)off;
        const ulong x = (ulong)(lowbias32(c ^ kx) >> 1);
        const ulong y = (ulong)(lowbias32(c ^ ky) >> 1);
        hits += ((off < count) && (x * x + y * y < (1UL << 62))) ? 1u : 0u;
    }
    scratch[lid] = hits;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint s = 1; s < lsz; s <<= 1) {
        if ((lid % (2 * s)) == 0 && lid + s < lsz) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) partial[slot + get_group_id(0)] = scratch[0];
}
"#;

pub(super) fn spec() -> Spec {
    Spec {
        name: "pi",
        source: SOURCE,
        default_local: super::DEFAULT_WORK_GROUP_SIZE,
        check: |device, _, local| {
            let need = local as u64 * 8;
            if need > device.local_memory_bytes {
                return Err(OpenClError::Refused(format!(
                    "work-group-size = {local} needs {need} bytes of local memory for the group's sum; `{}` has {}",
                    device.name, device.local_memory_bytes
                )));
            }
            Ok(())
        },
        tiny: |p, local| resized(p, local as u64),
        job,
    }
}

/// One launch: the samples of one block.
struct Launch {
    kernel: Kernel,
    global: usize,
}

struct PiJob {
    launches: Vec<Launch>,
    partial: Vec<u64>,
    partial_dev: Buffer<u64>,
    queue: ocl::Queue,
    local: usize,
    hits: Vec<u64>,
}

fn job(env: &Env<'_>, problem: &Problem) -> Result<Box<dyn Job>, OpenClError> {
    job_from(env, problem, 0)
}

/// The job counting samples `first..first + n`: one launch per 2^32-sample block they touch,
/// with that block's keys computed on the host by the CPU variants' own function.
fn job_from(env: &Env<'_>, problem: &Problem, first: u64) -> Result<Box<dyn Job>, OpenClError> {
    let end = first
        .checked_add(problem.n)
        .ok_or_else(|| OpenClError::Refused("pi: the sample range overflows".into()))?;
    let mut segments = Vec::new();
    let mut i = first;
    while i < end {
        let block = i >> 32;
        let block_end = ((block + 1) << 32).min(end);
        segments.push((block, i, block_end - i));
        i = block_end;
    }
    let mut plans = Vec::new();
    let mut slots = 0usize;
    for &(block, start, count) in &segments {
        let count_items = usize::try_from(count)
            .map_err(|_| OpenClError::Refused("pi size exceeds usize".into()))?;
        let groups = groups_for(count_items, env.local, env.ctx.info.compute_units);
        let global = groups * env.local;
        let per_item = u32::try_from(count.div_ceil(global as u64))
            .map_err(|_| OpenClError::Refused("pi: too many samples per work-item".into()))?;
        plans.push((block, start, count, per_item, slots, global));
        slots += groups;
    }
    let partial_dev = Buffer::<u64>::builder()
        .queue(env.queue.clone())
        .len(slots.max(1))
        .build()
        .map_err(OpenClError::from)?;
    let mut launches = Vec::new();
    for (block, start, count, per_item, slot, global) in plans {
        let (kx, ky) = block_keys(problem.seed, block);
        let kernel = Kernel::builder()
            .program(env.program)
            .name("pi_hits")
            .queue(env.queue.clone())
            .arg(kx)
            .arg(ky)
            .arg(start as u32)
            .arg(count)
            .arg(per_item)
            .arg(slot as u32)
            .arg(&partial_dev)
            .arg_local::<u64>(env.local)
            .build()
            .map_err(OpenClError::from)?;
        env.check_kernel(&kernel, "pi_hits")?;
        launches.push(Launch { kernel, global });
    }
    Ok(Box::new(PiJob {
        launches,
        partial: vec![0; slots],
        partial_dev,
        queue: env.queue.clone(),
        local: env.local,
        hits: Vec::new(),
    }))
}

impl Job for PiJob {
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64> {
        for l in &self.launches {
            raw_launch(&l.kernel, &self.queue, l.global, self.local, t.kernel())?;
        }
        if !self.partial.is_empty() {
            self.partial_dev
                .read(&mut self.partial)
                .enew(t.d2h())
                .enq()?;
        }
        self.queue.finish()?;
        let hits = self.partial.iter().sum();
        self.hits = vec![hits];
        Ok(hits)
    }

    fn answer(&self) -> Answer<'_> {
        Answer::Exact(self.hits.as_slice().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::pi::count_hits_scalar;
    use ocl::flags::CommandQueueProperties;
    use ocl::{Program, Queue};

    #[test]
    #[cfg_attr(
        not(parbench_opencl_device),
        ignore = "no OpenCL device: built without OpenCL (PARBENCH_OPENCL=0, or no OpenCL library at build time), or no OpenCL platform registered at build time (/etc/OpenCL/vendors/*.icd)"
    )]
    fn counts_like_the_cpu_across_a_block_boundary() {
        if crate::opencl::device_for_tests("pi block boundary").is_none() {
            return;
        }
        let ctx = super::super::device::open().unwrap();
        let queue = Queue::new(
            &ctx.context,
            ctx.device,
            Some(CommandQueueProperties::PROFILING_ENABLE),
        )
        .unwrap();
        let program = Program::builder()
            .devices(ctx.device)
            .src(SOURCE)
            .build(&ctx.context)
            .unwrap();
        let env = Env {
            ctx: &ctx,
            queue: &queue,
            program: &program,
            local: 64,
        };
        // Samples 2^32 - 500 .. 2^32 + 700 use the keys of two blocks.
        let (first, n, seed) = ((1u64 << 32) - 500, 1200, 42);
        let mut job = job_from(&env, &Problem::new("t", n, seed), first).unwrap();
        job.iterate(&mut Timeline::default()).unwrap();
        let Answer::Exact(hits) = job.answer() else {
            panic!("pi answers exact counts")
        };
        assert_eq!(hits[0], count_hits_scalar(seed, first, first + n));
    }
}
