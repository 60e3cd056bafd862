//! Builds OpenCL programs and measures what building costs, two ways: cold (a source the
//! platform has never compiled, so no binary cache can help) and warm (the same source built
//! again, so a platform that caches binaries, as PoCL does in `~/.cache/pocl/kcache`, serves it
//! from there). Both include making the program launch-ready: PoCL compiles each kernel for its
//! work-group size at the first launch, so every build is followed by a probe run of the program
//! on a tiny problem. Build time is measured in `prepare`, never inside timed iterations.

use super::OpenClError;
use super::device::DeviceContext;
use super::raw;
use ocl::{Buffer, Event, Kernel, Program, Queue};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime};

/// A program ready to run, with its build times in ns.
pub(super) struct Built {
    pub(super) program: Program,
    /// Build and first launch of the program as a never-compiled source (once per process,
    /// device, program and work-group size; later points reuse the figure).
    pub(super) cold_ns: f64,
    /// Build and first launch of the program as it runs, after one untimed build (the
    /// platform's binary cache, if it has one, is warm).
    pub(super) warm_ns: f64,
}

/// Cold build times measured so far: (device index, program and work-group size, ns).
static COLD: Mutex<Vec<(usize, String, f64)>> = Mutex::new(Vec::new());
static NONCE: AtomicU64 = AtomicU64::new(0);

/// An empty kernel with a name never used before: appended to a source, it changes what the
/// platform's cache keys on (PoCL hashes the preprocessed source, so a comment would not).
fn unique_kernel() -> String {
    let time = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    format!(
        "\n__kernel void parbench_cold_build_{:x}_{time:x}_{}(void) {{ }}\n",
        std::process::id(),
        NONCE.fetch_add(1, Ordering::Relaxed)
    )
}

fn compile(ctx: &DeviceContext, source: &str) -> Result<Program, OpenClError> {
    Program::builder()
        .devices(ctx.device)
        .src(source)
        .build(&ctx.context)
        .map_err(OpenClError::ocl(format!(
            "the OpenCL program does not build on `{}`: ",
            ctx.info.name
        )))
}

fn nanos(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e9
}

/// Builds `source` (the program `name`, launched in groups of `local` work-items), measures its
/// cold and warm build times, and returns the warm build. `probe` runs a built program once on
/// a tiny problem.
pub(super) fn build(
    ctx: &DeviceContext,
    name: &str,
    local: usize,
    source: &str,
    probe: &dyn Fn(&Program) -> Result<(), OpenClError>,
) -> Result<Built, OpenClError> {
    let key = format!("{name} local={local}");
    let known = COLD
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .find(|(d, k, _)| *d == ctx.info.index && *k == key)
        .map(|c| c.2);
    let cold_ns = match known {
        Some(ns) => ns,
        None => {
            let start = Instant::now();
            let cold = compile(ctx, &format!("{source}{}", unique_kernel()))?;
            probe(&cold)?;
            let ns = nanos(start);
            COLD.lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((ctx.info.index, key, ns));
            ns
        }
    };
    // Once untimed, so that a platform that caches binaries has this source in its cache.
    probe(&compile(ctx, source)?)?;
    let start = Instant::now();
    let program = compile(ctx, source)?;
    probe(&program)?;
    let warm_ns = nanos(start);
    Ok(Built {
        program,
        cold_ns,
        warm_ns,
    })
}

/// Compiles and launches a trivial, never-seen program once: the process's one-time costs (the
/// compiler's start-up) land here instead of in the first workload's cold build.
pub(super) fn warm_up_compiler(ctx: &DeviceContext) -> Result<(), OpenClError> {
    let source = format!(
        "__kernel void parbench_start(__global uint* out) {{ out[get_global_id(0)] = 1u; }}\n{}",
        unique_kernel()
    );
    let program = compile(ctx, &source)?;
    let fail = |e: ocl::Error| OpenClError::ocl("the first OpenCL launch failed: ")(e);
    let queue = Queue::new(&ctx.context, ctx.device, None).map_err(fail)?;
    let out = Buffer::<u32>::builder()
        .queue(queue.clone())
        .len(1)
        .build()
        .map_err(fail)?;
    let kernel = Kernel::builder()
        .program(&program)
        .name("parbench_start")
        .queue(queue.clone())
        .global_work_size(1)
        .arg(&out)
        .build()
        .map_err(fail)?;
    let mut event = Event::empty();
    raw::launch(&kernel, &queue, 1.into(), 1.into(), &mut event).map_err(fail)?;
    queue.finish().map_err(fail)
}
