//! The execution every OpenCL variant shares: a job (device buffers and kernels of one
//! workload) run once per iteration on its own profiling queue, each iteration's time split into
//! the phases `h2d` (copies to the device, buffers reset), `kernel` and `d2h` (copies back) from
//! the profiling events, and the program's build costs reported as metrics after timing.

use super::device::{self, DeviceContext};
use super::{Kernel, OpenClError, program, work_group_size};
use crate::workload::{Answer, Execution, Problem, WorkloadError};
use ocl::flags::CommandQueueProperties;
use ocl::{Event, Program, Queue};
use parbench_harness::cancel;
use parbench_harness::engine::{IterationError, IterationOutput};
use parbench_schema::Nanos;
use parbench_schema::results::Metric;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::time::Instant;

/// What a phase of an iteration is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    H2d,
    Kernel,
    D2h,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::H2d => "h2d",
            Phase::Kernel => "kernel",
            Phase::D2h => "d2h",
        }
    }
}

/// The commands of one iteration, by phase; their profiling events give the device times.
#[derive(Default)]
pub(super) struct Timeline {
    events: Vec<(Phase, Event)>,
}

impl Timeline {
    fn event(&mut self, phase: Phase) -> &mut Event {
        self.events.push((phase, Event::empty()));
        &mut self.events.last_mut().expect("just pushed").1
    }

    /// The event of a copy to the device (or a device buffer reset).
    pub(super) fn h2d(&mut self) -> &mut Event {
        self.event(Phase::H2d)
    }

    pub(super) fn kernel(&mut self) -> &mut Event {
        self.event(Phase::Kernel)
    }

    pub(super) fn d2h(&mut self) -> &mut Event {
        self.event(Phase::D2h)
    }

    /// Device time per phase, from the events' start and end (all must have completed).
    fn phases(&self) -> ocl::Result<Vec<(Cow<'static, str>, Nanos)>> {
        use ocl::enums::ProfilingInfo;
        let mut out: Vec<(Cow<'static, str>, Nanos)> = Vec::new();
        for phase in [Phase::H2d, Phase::Kernel, Phase::D2h] {
            let mut total = 0u64;
            let mut any = false;
            for (_, e) in self.events.iter().filter(|(p, _)| *p == phase) {
                let start = e.profiling_info(ProfilingInfo::Start)?.time()?;
                let end = e.profiling_info(ProfilingInfo::End)?.time()?;
                total += end.saturating_sub(start);
                any = true;
            }
            if any {
                out.push((phase.name().into(), Nanos(total as f64)));
            }
        }
        Ok(out)
    }
}

/// What a job needs to set itself up.
pub(super) struct Env<'a> {
    pub(super) ctx: &'a DeviceContext,
    pub(super) queue: &'a Queue,
    pub(super) program: &'a Program,
    /// Work-items per group (the `work-group-size` parameter).
    pub(super) local: usize,
}

impl Env<'_> {
    /// A kernel of the program, checked against what the device allows for it with `local`
    /// work-items per group.
    pub(super) fn check_kernel(&self, kernel: &ocl::Kernel, name: &str) -> Result<(), OpenClError> {
        use ocl::enums::{KernelWorkGroupInfo, KernelWorkGroupInfoResult};
        let max = match kernel.wg_info(self.ctx.device, KernelWorkGroupInfo::WorkGroupSize) {
            Ok(KernelWorkGroupInfoResult::WorkGroupSize(m)) => m,
            Ok(_) => return Ok(()),
            Err(e) => return Err(e.into()),
        };
        if self.local > max {
            return Err(OpenClError::Refused(format!(
                "work-group-size = {} is more than `{}` allows for kernel `{name}` ({max} work-items per group); choose {max} or less",
                self.local, self.ctx.info.name
            )));
        }
        Ok(())
    }
}

/// One workload's device buffers and kernels.
pub(super) trait Job: Send {
    /// One iteration: copies to the device, kernels, copies back (blocking), each command's
    /// event recorded in `t`. Returns a digest of the answer.
    fn iterate(&mut self, t: &mut Timeline) -> ocl::Result<u64>;

    fn answer(&self) -> Answer<'_>;
}

/// Sets a workload's job up for a problem.
pub(super) type SetUp = fn(&Env<'_>, &Problem) -> Result<Box<dyn Job>, OpenClError>;

/// How a workload's OpenCL variant is built and set up.
pub(super) struct Spec {
    /// The program's name (one per workload: its build is measured once per work-group size).
    pub(super) name: &'static str,
    pub(super) source: &'static str,
    /// The default of `work-group-size`.
    pub(super) default_local: i64,
    /// Checks the problem and work-group size against the device before anything is built.
    pub(super) check: fn(&super::DeviceInfo, &Problem, usize) -> Result<(), OpenClError>,
    /// A problem of the same shape but tiny: what the build probe runs.
    pub(super) tiny: fn(&Problem, usize) -> Problem,
    pub(super) job: SetUp,
}

fn spec(kernel: Kernel) -> Spec {
    match kernel {
        Kernel::Square => super::square::spec(),
        Kernel::Pi => super::pi::spec(),
        Kernel::Histogram { local } => super::histogram::spec(local),
        Kernel::Mandelbrot => super::mandelbrot::spec(),
        Kernel::Particles => super::particles::spec(),
        Kernel::Matmul => super::matmul::spec(),
    }
}

/// The OpenCL variant of `kernel` for `problem`, ready to time.
pub(super) fn prepare(
    kernel: Kernel,
    problem: &Problem,
) -> Result<Box<dyn Execution>, WorkloadError> {
    let spec = spec(kernel);
    let local = work_group_size(problem, spec.default_local)?;
    let fail = |e: OpenClError| WorkloadError::from_error(e);
    let ctx = device::open().map_err(fail)?;
    (spec.check)(&ctx.info, problem, local).map_err(fail)?;
    if local > ctx.info.max_work_group_size {
        return Err(WorkloadError::new(format!(
            "work-group-size = {local} is more than `{}` allows ({} work-items per group); choose {} or less",
            ctx.info.name, ctx.info.max_work_group_size, ctx.info.max_work_group_size
        )));
    }
    let queue = Queue::new(
        &ctx.context,
        ctx.device,
        Some(CommandQueueProperties::PROFILING_ENABLE),
    )
    .map_err(|e| {
        fail(OpenClError::ocl(
            "cannot create a profiling command queue: ",
        )(e))
    })?;
    let probe = |program: &Program| -> Result<(), OpenClError> {
        let tiny = (spec.tiny)(problem, local);
        let env = Env {
            ctx: &ctx,
            queue: &queue,
            program,
            local,
        };
        let mut job = (spec.job)(&env, &tiny)?;
        let result = job.iterate(&mut Timeline::default());
        let finished = queue.finish();
        Ok(result.and(finished).map(|_| ())?)
    };
    let built = program::build(&ctx, spec.name, local, spec.source, &probe).map_err(fail)?;
    let job = (spec.job)(
        &Env {
            ctx: &ctx,
            queue: &queue,
            program: &built.program,
            local,
        },
        problem,
    )
    .map_err(fail)?;
    let ns = |value: f64| Metric {
        value,
        unit: "ns".into(),
    };
    let mut metrics = BTreeMap::new();
    metrics.insert("build_cold_ns".to_string(), ns(built.cold_ns));
    metrics.insert("build_warm_ns".to_string(), ns(built.warm_ns));
    metrics.insert("opencl_startup_ns".to_string(), ns(ctx.startup_ns));
    metrics.insert(
        "work_group_size".to_string(),
        Metric {
            value: local as f64,
            unit: "work-items".into(),
        },
    );
    Ok(Box::new(OpenclExecution {
        device: Some(Device {
            job,
            queue,
            _program: built.program,
            _ctx: ctx,
        }),
        metrics,
        first_run_ns: None,
    }))
}

/// Everything an execution holds of OpenCL, released together (see `Drop`).
struct Device {
    job: Box<dyn Job>,
    queue: Queue,
    _program: Program,
    _ctx: Arc<DeviceContext>,
}

struct OpenclExecution {
    device: Option<Device>,
    metrics: BTreeMap<String, Metric>,
    first_run_ns: Option<f64>,
}

/// One iteration of the job, its phases from the profiling events.
fn iterate(device: &mut Device) -> Result<IterationOutput, IterationError> {
    let mut t = Timeline::default();
    let digest = match device.job.iterate(&mut t) {
        Ok(d) => d,
        Err(e) => {
            // Nothing may still use the buffers when the job is dropped.
            let _ = device.queue.finish();
            return Err(IterationError::backend(OpenClError::from(e)));
        }
    };
    let phases = t
        .phases()
        .map_err(|e| IterationError::backend(OpenClError::from(e)))?;
    Ok(IterationOutput { digest, phases })
}

/// Releases `device` after its queue finished, containing a failing driver's panic.
fn release(device: Device) {
    let _ = catch_unwind(AssertUnwindSafe(move || {
        let _ = device.queue.finish();
        drop(device);
    }));
}

impl OpenclExecution {
    /// The first run, on a thread of its own: an enqueued kernel cannot be stopped, so a problem
    /// too big for the device must not hold the caller past its timeout or a Ctrl-C. When the
    /// run is cancelled ([`cancel::requested`]) the caller stops waiting and fails; the thread is
    /// left to wait for the kernel and then releases the device (detached). Later iterations
    /// (the same work, which fitted) run on the calling thread, without a thread's hand-off in
    /// their time.
    fn first_run(&mut self) -> Result<IterationOutput, IterationError> {
        let start = Instant::now();
        let mut device = self
            .device
            .take()
            .ok_or_else(|| IterationError::failed("the OpenCL device is gone"))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("parbench-opencl-first-run".into())
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| iterate(&mut device)))
                    .unwrap_or_else(|_| Err(IterationError::failed("the OpenCL driver panicked")));
                if let Err(std::sync::mpsc::SendError((device, _))) = tx.send((device, result)) {
                    // Nobody waits any more: the run was cancelled.
                    release(device);
                }
            })
            .map_err(|e| IterationError::io("cannot start the OpenCL first run", e))?;
        loop {
            match rx.recv_timeout(std::time::Duration::from_millis(20)) {
                Ok((device, result)) => {
                    self.device = Some(device);
                    let out = result?;
                    self.first_run_ns = Some(start.elapsed().as_secs_f64() * 1e9);
                    return Ok(out);
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    if cancel::requested() {
                        return Err(IterationError::failed(
                            "cancelled while its OpenCL kernel ran; the kernel cannot be stopped and is left to finish on the device",
                        ));
                    }
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(IterationError::failed(
                        "the OpenCL first run ended without a result",
                    ));
                }
            }
        }
    }
}

impl Execution for OpenclExecution {
    fn run(&mut self) -> Result<IterationOutput, IterationError> {
        if self.first_run_ns.is_none() {
            return self.first_run();
        }
        let device = self
            .device
            .as_mut()
            .ok_or_else(|| IterationError::failed("the OpenCL device is gone"))?;
        iterate(device)
    }

    fn answer(&self) -> Answer<'_> {
        match &self.device {
            Some(d) => d.job.answer(),
            None => Answer::exact(Vec::new()),
        }
    }

    fn finish(&mut self, _timed_iterations: u64) -> BTreeMap<String, Metric> {
        let mut m = self.metrics.clone();
        if let Some(ns) = self.first_run_ns {
            m.insert(
                "first_run_ns".into(),
                Metric {
                    value: ns,
                    unit: "ns".into(),
                },
            );
        }
        m
    }
}

impl Drop for OpenclExecution {
    fn drop(&mut self) {
        // ocl panics when releasing an object fails; a failing driver must not take the run
        // down, so the release happens here, contained, after the queue has finished.
        if let Some(device) = self.device.take() {
            release(device);
        }
    }
}

/// Launches a one-dimensional kernel over `global` work-items in groups of `local`.
pub(super) fn raw_launch(
    kernel: &ocl::Kernel,
    queue: &Queue,
    global: usize,
    local: usize,
    event: &mut Event,
) -> ocl::Result<()> {
    super::raw::launch(kernel, queue, global.into(), local.into(), event)
}

/// `n` rounded up to a multiple of `m`.
pub(super) fn round_up(n: usize, m: usize) -> usize {
    n.div_ceil(m) * m
}

/// Work-groups for a grid-stride kernel over `n` items: enough to fill the device many times
/// over, never more than the items need.
pub(super) fn groups_for(n: usize, local: usize, compute_units: u32) -> usize {
    n.div_ceil(local)
        .clamp(1, (compute_units.max(1) as usize) * 64)
}

/// A problem like `problem` of size `n` (for build probes).
pub(super) fn resized(problem: &Problem, n: u64) -> Problem {
    let mut p = problem.clone();
    p.n = n;
    p.size_label = format!("probe-{n}");
    p
}

/// A digest of a few values of a slice (first, middle, last).
pub(super) fn digest_of<T: Copy>(v: &[T], bits: impl Fn(T) -> u64) -> u64 {
    let n = v.len();
    [0, n / 2, n.saturating_sub(1)]
        .iter()
        .filter_map(|&i| v.get(i))
        .fold(0u64, |d, &x| d.rotate_left(21) ^ bits(x))
}
