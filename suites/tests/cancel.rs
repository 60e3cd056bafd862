//! In-process kernels stop at their deadline: an iteration that would run for years returns
//! within a fraction of a second of the timeout, in every in-process execution model (serial,
//! scoped threads, rayon, contention crews), and the deadline reports it timed out.
//!
//! Its own test binary: the cancellation state is process-wide, and a deadline that fires here
//! must not cut short the kernels of other tests.

use parbench_harness::cancel::{Cancelled, Deadline};
use parbench_schema::params::ParamValue;
use parbench_schema::results::ExecutionModel;
use parbench_suites::{Problem, Registry, Workload};
use std::time::{Duration, Instant};

/// A problem of `n` with every parameter of `workload` at its default, then `overrides`.
fn problem(workload: &dyn Workload, n: u64, overrides: &[(&str, ParamValue)]) -> Problem {
    let mut p = Problem::new("huge", n, 1);
    for spec in workload.info().params {
        p.params.insert(spec.name.to_string(), spec.default.clone());
    }
    for (k, v) in overrides {
        p.params.insert(k.to_string(), v.clone());
    }
    p
}

/// The tests of this file take turns (one armed deadline per process).
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

const LIMIT: Duration = Duration::from_millis(300);
/// The deadline's flag is raised within the watchdog's period; a kernel polls every few ms.
const LATEST: Duration = Duration::from_millis(1500);

#[test]
fn never_ending_in_process_iterations_stop_at_their_deadline() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::builtin();
    // (workload, n, parameter overrides)
    type Case = (&'static str, u64, Vec<(&'static str, ParamValue)>);
    let cases: Vec<Case> = vec![
        ("pi", 1 << 60, vec![]),
        ("counter", 1 << 60, vec![]),
        ("contention", 1 << 60, vec![]),
        // Bounded memory, unbounded time: a big product, an image of escape loops.
        ("matmul", 4096, vec![]),
        (
            "mandelbrot",
            256,
            vec![("max-iter", ParamValue::Int(i64::from(u32::MAX)))],
        ),
        ("stencil", 256, vec![("steps", ParamValue::Int(1 << 30))]),
    ];
    let mut checked = Vec::new();
    for (name, n, overrides) in cases {
        let w = registry.get(name).unwrap();
        let p = problem(&*w, n, &overrides);
        for v in w.variants().into_iter().filter(|v| v.is_available()) {
            let in_process = matches!(
                v.model,
                ExecutionModel::Serial | ExecutionModel::Threads | ExecutionModel::Rayon
            );
            // Stencil's threads and channel variants meet at every step: a worker cannot stop
            // alone (see docs/measurement.md, Timeouts); they end at the iteration's end.
            if !in_process || (name == "stencil" && !matches!(v.name, "serial" | "rayon")) {
                continue;
            }
            let mut e = match w.prepare(&p, v.name, 2) {
                Ok(e) => e,
                Err(err) => panic!("{name} {}: setup: {err}", v.name),
            };
            let deadline = Deadline::arm(LIMIT);
            let t = Instant::now();
            let _ = e.run();
            let took = t.elapsed();
            assert!(
                took < LATEST,
                "{name} {} ran {took:?} past a deadline of {LIMIT:?}",
                v.name
            );
            assert_eq!(
                deadline.check(),
                Err(Cancelled::TimedOut(LIMIT)),
                "{name} {} ended before its deadline: the problem is too small to test",
                v.name
            );
            drop(deadline);
            checked.push(format!("{name} {}", v.name));
        }
    }
    for must in [
        "pi serial",
        "pi threads",
        "pi rayon",
        "pi atomic",
        "pi channel",
        "counter mutex",
        "contention mutex",
        "matmul rayon",
        "mandelbrot threads",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} not checked: {checked:?}"
        );
    }
}

#[test]
fn a_reference_that_never_ends_stops_at_its_deadline() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::builtin();
    for (name, n) in [("pi", 1u64 << 60), ("contention", 1 << 60)] {
        let w = registry.get(name).unwrap();
        let p = problem(&*w, n, &[]);
        let t = Instant::now();
        let r = parbench_harness::engine::run_with_deadline(LIMIT, || w.reference(&p));
        assert!(t.elapsed() < LATEST, "{name}: {:?}", t.elapsed());
        let e = r.map(|_| ()).unwrap_err();
        assert_eq!(e.to_string(), "timed out after 300 ms", "{name}");
    }
}
