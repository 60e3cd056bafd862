//! `parbench run`: config -> plan -> measured, verified points -> results.json and the report
//! (site, CSV, Markdown) in a fresh run directory, checkpointed after every point; a summary
//! table on stdout.

use super::load_config;
use crate::Outcome;
use crate::cli::RunArgs;
use crate::progress::Progress;
use anyhow::Context;
use parbench_harness::fingerprint::Machine;
use parbench_harness::results::{ConfigEcho, RunResults, SCHEMA_VERSION};
use parbench_harness::timefmt;
use parbench_reports::{Format, write_reports};
use parbench_suites::Registry;
use parbench_suites::plan::{Filters, resolve};
use parbench_suites::runner::{RunControl, run_plan};
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
        std::fs::rename(&tmp, &latest)
            .with_context(|| format!("cannot update {}", latest.display()))?;
    }
    #[cfg(not(unix))]
    {
        parbench_harness::atomic_file::write_atomic(&latest, id.as_bytes())?;
    }
    Ok(())
}

pub(crate) fn run(args: RunArgs) -> anyhow::Result<Outcome> {
    let config = load_config(args.config.as_deref())?;
    let registry = Registry::builtin();
    let filters = Filters {
        suites: args.suites.clone(),
        variants: args.variants.clone(),
    };
    let plan = resolve(&config, &registry, &filters, args.quick)?;

    let start = SystemTime::now();
    let (dir, run_id) = create_run_dir(&args.out, &timefmt::run_id(start))?;
    let results_path = dir.join("results.json");
    let mut results = RunResults {
        schema_version: SCHEMA_VERSION,
        parbench_version: env!("CARGO_PKG_VERSION").to_string(),
        run_id: run_id.clone(),
        started_at: timefmt::rfc3339(start),
        finished_at: None,
        complete: false,
        config: ConfigEcho {
            path: config.source.path.clone(),
            sha256: config.hash(),
            text: config.source.text.clone(),
            quick: args.quick,
            suite_filter: args.suites,
            variant_filter: args.variants,
        },
        machine: Machine::detect(),
        points: Vec::new(),
    };
    results.write(&results_path)?;
    update_latest(&args.out, &run_id)?;
    eprintln!(
        "parbench: {} points from {} → {}",
        plan.point_count(),
        config.source.path,
        dir.display()
    );

    // Ctrl-C: stop after the current point and keep everything measured; a second one exits now
    // (the last checkpoint stays on disk).
    let interrupted = Arc::new(AtomicBool::new(false));
    let presses = Arc::new(AtomicUsize::new(0));
    {
        let (interrupted, presses) = (interrupted.clone(), presses.clone());
        let _ = ctrlc::set_handler(move || {
            interrupted.store(true, Ordering::SeqCst);
            // A point waiting on worker processes must not hold the interrupt up: kill them now
            // (the point is then dropped, not recorded).
            #[cfg(unix)]
            parbench_harness::worker_process::interrupt_all();
            if presses.fetch_add(1, Ordering::SeqCst) >= 1 {
                eprintln!(
                    "\nparbench: interrupted again; exiting now (results so far are in results.json)"
                );
                std::process::exit(130);
            }
            eprintln!(
                "\nparbench: interrupted; stopping after the current point (its worker processes, if any, are stopped now), then writing what was measured (Ctrl-C again to quit now)"
            );
        });
    }

    let mut progress = Progress::new();
    let mut write_error: Option<anyhow::Error> = None;
    let should_stop = || interrupted.load(Ordering::SeqCst);
    let mut checkpoint = |r: &RunResults| {
        if let Err(e) = r.write(&results_path) {
            write_error.get_or_insert(e.into());
        }
    };
    let completed = run_plan(
        &plan,
        &mut results,
        &mut progress,
        RunControl {
            should_stop: &should_stop,
            checkpoint: &mut checkpoint,
        },
    );
    progress.finish();
    if let Some(e) = write_error {
        return Err(e.context("results could not be checkpointed"));
    }

    results.complete = completed;
    results.finished_at = completed.then(|| timefmt::rfc3339(SystemTime::now()));
    results.write(&results_path)?;
    // results.json is already written (and checkpointed); the other formats render from it.
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| *f != Format::Json)
        .collect();
    let written = write_reports(&results, &dir, &formats)?;

    crate::summary::print_table(&results);
    #[cfg(unix)]
    {
        let workers = parbench_harness::worker_process::accounting();
        if workers.started > 0 {
            eprintln!(
                "parbench: {} worker processes started, {} reaped, {} left",
                workers.started,
                workers.reaped,
                workers.started.saturating_sub(workers.reaped)
            );
        }
        let commands = parbench_harness::command::accounting();
        if commands.started > 0 {
            eprintln!(
                "parbench: {} command runs started, {} reaped, {} left",
                commands.started,
                commands.reaped,
                commands.started.saturating_sub(commands.reaped)
            );
        }
    }
    let elapsed = start.elapsed().map(|d| d.as_secs_f64()).unwrap_or(0.0);
    eprintln!(
        "parbench: wrote {} and {} report files (open {}) in {elapsed:.1} s",
        results_path.display(),
        written.len(),
        dir.join("index.html").display()
    );
    if !completed {
        eprintln!(
            "parbench: the run was interrupted; results.json holds the {} points measured (complete = false)",
            results.points.len()
        );
        return Ok(Outcome::Interrupted);
    }
    if results.has_failures() {
        eprintln!(
            "parbench: {} point(s) wrong and {} failed; see the status column and the report",
            results.count(parbench_harness::results::Status::Wrong),
            results.count(parbench_harness::results::Status::Failed)
        );
        return Ok(Outcome::VariantFailures);
    }
    Ok(Outcome::Success)
}
