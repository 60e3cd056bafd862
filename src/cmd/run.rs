//! `parbench run`: config -> plan -> measured, verified points -> results.json and the report
//! (site, CSV, Markdown) in a fresh run directory, checkpointed after every point; a summary
//! table on stdout.

use super::load_config;
use crate::Outcome;
use crate::cli::RunArgs;
use crate::progress::Progress;
use anyhow::Context;
use parbench_harness::config::{Config, DeviceMatch};
use parbench_harness::results_file::WriteResults;
use parbench_reports::{Format, write_reports};
use parbench_schema::results::Shard;
use parbench_schema::results::{ExecutionModel, RunResults};
use parbench_suites::Registry;
use parbench_suites::opencl::{self, DeviceInfo};
use parbench_suites::plan::{Filters, Plan, resolve};
use parbench_suites::runner::{RunControl, finish_results, run_plan, start_results};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::SystemTime;

/// Creates `<out>/<run_id>/` (suffixing `-2`, `-3`… if taken).
fn create_run_dir(out: &Path, run_id: &str) -> anyhow::Result<(PathBuf, String)> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output directory {}", out.display()))?;
    for i in 1.. {
        let id = if i == 1 {
            run_id.to_string()
        } else {
            format!("{run_id}-{i}")
        };
        let dir = out.join(&id);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok((dir, id)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("cannot create the run directory {}", dir.display()));
            }
        }
    }
    unreachable!()
}

/// Points `<out>/latest` at the run directory (replaced atomically where symlinks exist).
fn update_latest(out: &Path, id: &str) -> anyhow::Result<()> {
    let latest = out.join("latest");
    #[cfg(unix)]
    {
        let tmp = out.join(format!(".latest.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(id, &tmp)
            .with_context(|| format!("cannot create the link {}", tmp.display()))?;
        if let Err(e) = std::fs::rename(&tmp, &latest) {
            let _ = std::fs::remove_file(&tmp);
            return Err(e).with_context(|| format!("cannot update {}", latest.display()));
        }
    }
    #[cfg(not(unix))]
    {
        parbench_harness::atomic_file::write_atomic(&latest, id.as_bytes())?;
    }
    Ok(())
}

/// Refuses an output directory whose `latest` is not parbench's link (a real directory or
/// file), before anything is created in it.
fn check_latest(out: &Path) -> anyhow::Result<()> {
    let latest = out.join("latest");
    match std::fs::symlink_metadata(&latest) {
        Ok(m) if !m.file_type().is_symlink() => anyhow::bail!(
            "{} is a {}, not the link parbench keeps to the newest run; move it away or choose another --out",
            latest.display(),
            if m.is_dir() { "directory" } else { "file" }
        ),
        _ => Ok(()),
    }
}

/// Selects the OpenCL device the config and the command line name (the command line wins).
/// A name that matches nothing here is bad input: at the config line, or naming the option.
pub(crate) fn select_opencl_device(
    config: &Config,
    cli_platform: Option<&DeviceMatch>,
    cli_device: Option<&DeviceMatch>,
) -> anyhow::Result<Option<DeviceInfo>> {
    let from_config = &config.defaults.opencl;
    let selector = opencl::Selector {
        platform: cli_platform
            .cloned()
            .or_else(|| from_config.platform.as_ref().map(|s| s.get_ref().clone())),
        device: cli_device
            .cloned()
            .or_else(|| from_config.device.as_ref().map(|s| s.get_ref().clone())),
    };
    let named = selector.platform.is_some() || selector.device.is_some();
    match opencl::select(selector) {
        Ok(Some(device)) => Ok(Some(device)),
        Ok(None) => {
            if named {
                errln!(
                    "parbench: an OpenCL device is selected, but OpenCL is not available here ({}); the OpenCL variants are skipped",
                    opencl::selected()
                        .err()
                        .map(|e| e.to_string())
                        .unwrap_or_default()
                );
            }
            Ok(None)
        }
        Err(e) => {
            let (flag, spanned, key) = if e.platform {
                (
                    cli_platform.is_some(),
                    &from_config.platform,
                    "opencl-platform",
                )
            } else {
                (cli_device.is_some(), &from_config.device, "opencl-device")
            };
            match spanned {
                Some(s) if !flag => Err(config
                    .source
                    .error_at(s.span(), Some(key), e.message)
                    .into()),
                _ => Err(anyhow::anyhow!("--{key}: {}", e.message)),
            }
        }
    }
}

/// A panic hook, as `std::panic::take_hook` returns it.
type PanicHook = Box<dyn Fn(&std::panic::PanicHookInfo<'_>) + Sync + Send + 'static>;

/// While points run, a panic is caught by the runner and recorded as its point's reason (a
/// thread that cannot be spawned, a variant's bug), so the default report on stderr ("thread
/// 'main' panicked at …", a backtrace) would only repeat it as noise between the progress lines.
/// This keeps panics quiet until dropped, remembering the last one: a panic that escapes the
/// runner (a bug in parbench) is reported by [`QuietPanics::escaped`].
struct QuietPanics {
    previous: Option<PanicHook>,
    last: Arc<std::sync::Mutex<Option<String>>>,
}

impl QuietPanics {
    fn install() -> QuietPanics {
        let previous = std::panic::take_hook();
        let last = Arc::new(std::sync::Mutex::new(None));
        let keep = last.clone();
        std::panic::set_hook(Box::new(move |info| {
            if let Ok(mut last) = keep.lock() {
                *last = Some(info.to_string());
            }
        }));
        QuietPanics {
            previous: Some(previous),
            last,
        }
    }

    /// Reports a panic that was not contained in its point, and passes it on.
    fn escaped(self, payload: Box<dyn std::any::Any + Send>) -> ! {
        let last = self.last.lock().ok().and_then(|mut l| l.take());
        drop(self);
        errln!(
            "parbench: internal error (please report it): {}",
            last.unwrap_or_else(|| "a panic".into())
        );
        std::panic::resume_unwind(payload)
    }
}

impl Drop for QuietPanics {
    fn drop(&mut self) {
        if let Some(previous) = self.previous.take() {
            std::panic::set_hook(previous);
        }
    }
}

/// Watches the machine for a moment before the first point: a run started on a busy machine
/// says so on the terminal and in `results.json` (its points are also checked one by one).
fn note_busy_machine(results: &mut RunResults) {
    let probe = parbench_harness::interference::probe_idle(std::time::Duration::from_millis(250));
    let env = results.environment.get_or_insert_with(Default::default);
    env.before = probe;
    if let Some(reason) = probe.and_then(|p| p.disturbed()) {
        let load = results
            .machine
            .load_average
            .map(|l| format!(", load average {:.2}", l[0]))
            .unwrap_or_default();
        let busy = format!("{reason} before the first point{load}");
        errln!(
            "parbench: warning: the machine is busy ({busy}); disturbed repetitions are measured again and points that stay disturbed are flagged"
        );
        env.busy_at_start = Some(busy);
    }
}

/// How long after the first Ctrl-C a point may take to stop before parbench exits anyway.
const INTERRUPT_GRACE: std::time::Duration = std::time::Duration::from_secs(1);

pub(crate) fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_deref())?;
    let device = select_opencl_device(
        &config,
        args.opencl_platform.as_ref(),
        args.opencl_device.as_ref(),
    )?;
    // How the mpi variants start their ranks (a missing launcher or hostfile: exit 2 here).
    parbench_suites::mpi::configure(&config)?;
    let registry = Registry::builtin();
    let filters = Filters {
        suites: args.suites.clone(),
        variants: args.variants.clone(),
    };
    let mut plan = resolve(&config, &registry, &filters, args.quick)?;
    apply_shard(&mut plan, args.shard);
    let uses_device = plan.suites.iter().any(|s| {
        s.variants
            .iter()
            .any(|v| v.model == ExecutionModel::Opencl && v.is_available())
    });

    let start = SystemTime::now();
    let mut results = start_results(&config, &filters, args.quick);
    results.config.shard = plan.shard;
    check_latest(&args.out)?;
    let (dir, run_id) = create_run_dir(&args.out, &results.run_id)?;
    results.run_id = run_id.clone();
    let results_path = dir.join("results.json");
    if let Some(d) = device.filter(|_| uses_device) {
        results.machine.accelerators.push(d.describe());
    }
    // The machine's limits every point is measured against (cached; measured once per machine).
    results.machine.calibration = super::calibrate::for_run(&results.machine, args.no_calibrate);
    results.write(&results_path)?;
    update_latest(&args.out, &run_id)?;
    errln!(
        "parbench: {} points from {} → {}",
        plan.point_count(),
        config.source.path,
        dir.display()
    );

    // Ctrl-C cancels the current point and keeps everything measured before it.
    let (interrupted, plan_returned) = install_interrupt_handler();

    // Adopt what command suites' programs leave behind (setsid, daemons), to end it after
    // each point (Linux).
    #[cfg(unix)]
    parbench_harness::subreaper::enable();
    note_busy_machine(&mut results);
    let mut progress = Progress::new();
    let mut write_error: Option<anyhow::Error> = None;
    let should_stop = || interrupted.load(Ordering::SeqCst);
    let mut checkpoint = |r: &RunResults| {
        if let Err(e) = r.write(&results_path) {
            write_error.get_or_insert(e.into());
        }
    };
    let quiet = QuietPanics::install();
    let completed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run_plan(
            &plan,
            &mut results,
            &mut progress,
            RunControl {
                should_stop: &should_stop,
                checkpoint: &mut checkpoint,
            },
        )
    }));
    plan_returned.store(true, Ordering::SeqCst);
    let completed = match completed {
        Ok(completed) => completed,
        Err(payload) => quiet.escaped(payload),
    };
    drop(quiet);
    progress.finish();
    if let Some(e) = write_error {
        return Err(e.context("results could not be checkpointed"));
    }

    finish_results(&mut results, completed);
    record_mpi_hosts(&mut results);
    if let Some(c) = results.machine.calibration.clone() {
        parbench_suites::calibrate::apply_bounds(&mut results, &registry, &c);
    }
    results.write(&results_path)?;
    // results.json is already written (and checkpointed); the other formats render from it.
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| *f != Format::Json)
        .collect();
    let written = write_reports(&results, &dir, &formats)?;

    crate::summary::print_table(&results);
    #[cfg(unix)]
    print_process_accounting();
    crate::summary::print_crossovers(&results);
    outln!("{}", crate::summary::trust_line(&results));
    let elapsed = start.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    errln!(
        "parbench: wrote {} and {} report files (open {}) in {elapsed:.1} s",
        results_path.display(),
        written.len(),
        dir.join("index.html").display()
    );
    Ok(run_outcome(&results, completed))
}

/// The run's outcome: interrupted, with wrong or failed points, or a success (said on stderr).
fn run_outcome(results: &RunResults, completed: bool) -> Outcome {
    if !completed {
        errln!(
            "parbench: the run was interrupted; results.json holds the {} points measured (complete = false)",
            results.points.len()
        );
        return Outcome::Interrupted;
    }
    if results.has_failures() {
        errln!(
            "parbench: {} point(s) wrong and {} failed; see the status column and the report",
            results.count(parbench_schema::results::Status::Wrong),
            results.count(parbench_schema::results::Status::Failed)
        );
        return Outcome::VariantFailures;
    }
    Outcome::Success
}

/// Keeps `shard`'s points of `plan` (all where there is none), saying how many on stderr.
fn apply_shard(plan: &mut Plan, shard: Option<Shard>) {
    let whole = (plan.point_count(), plan.problem_count());
    if let Some(shard) = shard {
        plan.select_shard(shard);
        errln!(
            "parbench: shard {shard}: {} of the config's {} points ({} of {} problems, dealt round-robin)",
            plan.point_count(),
            whole.0,
            plan.problem_count(),
            whole.1
        );
        if plan.point_count() == 0 {
            errln!(
                "parbench: note: shard {shard} has no points (the config has only {} problems to deal); it writes an empty part that `parbench report` merges",
                whole.1
            );
        }
    }
}

/// Installs the Ctrl-C handler. Ctrl-C: cancel the current point (its kernels stop at their next poll, its worker
/// processes are killed; it is dropped, not recorded) and keep everything measured before it.
/// A second Ctrl-C, or a point that has not stopped within a second, exits at once (the last
/// checkpoint stays on disk).
/// Returns the flags the run polls: whether Ctrl-C was pressed, and the one it sets once the
/// plan has returned.
fn install_interrupt_handler() -> (Arc<AtomicBool>, Arc<AtomicBool>) {
    let interrupted = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    let plan_returned = Arc::new(AtomicBool::new(false));
    {
        let (interrupted, presses) = (interrupted.clone(), presses.clone());
        let plan_returned = plan_returned.clone();
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, Ordering::SeqCst);
            parbench_harness::cancel::interrupt();
            // A point waiting on worker processes must not hold the interrupt up: kill them now.
            #[cfg(unix)]
            parbench_harness::worker_process::interrupt_all();
            if presses.fetch_add(1, Ordering::SeqCst) >= 1 {
                errln!(
                    "\nparbench: interrupted again; exiting now (results so far are in results.json)"
                );
                std::process::exit(130);
            }
            errln!(
                "\nparbench: interrupted; stopping the current point (dropped, not recorded), then writing what was measured (Ctrl-C again to quit now)"
            );
            let plan_returned = plan_returned.clone();
            std::thread::spawn(move || {
                std::thread::sleep(INTERRUPT_GRACE);
                if !plan_returned.load(Ordering::SeqCst) {
                    #[cfg(unix)]
                    parbench_harness::worker_process::interrupt_all();
                    errln!(
                        "parbench: the current point did not stop within {} s; exiting now (results so far are in results.json)",
                        INTERRUPT_GRACE.as_secs()
                    );
                    std::process::exit(130);
                }
            });
        });
    }
    (interrupted, plan_returned)
}

/// Records in the fingerprint where the MPI ranks ran, if any did.
fn record_mpi_hosts(results: &mut RunResults) {
    let mpi_hosts = parbench_suites::mpi::hosts_seen();
    if !mpi_hosts.is_empty() {
        results
            .machine
            .accelerators
            .push(format!("MPI ranks on {}", mpi_hosts.join(", ")));
    }
}

/// How many worker processes and command runs were started and reaped (Unix).
#[cfg(unix)]
fn print_process_accounting() {
    let registries = [
        (
            "worker processes",
            parbench_harness::worker_process::accounting(),
        ),
        ("command runs", parbench_harness::command::accounting()),
    ];
    for (what, a) in registries {
        if a.started > 0 {
            errln!(
                "parbench: {} {what} started, {} reaped, {} left",
                a.started,
                a.reaped,
                a.started.saturating_sub(a.reaped)
            );
        }
    }
}
