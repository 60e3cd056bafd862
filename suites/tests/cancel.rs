//! In-process kernels stop at their deadline: an iteration that would run for years returns
//! within a fraction of a second of the timeout, in every in-process variant of every built-in
//! workload (serial, scoped threads, rayon, contention crews, stencil's lock-step workers),
//! and the deadline reports it timed out.
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

/// How a workload's huge problem shows that its kernels poll.
enum Proof {
    /// The problem would run for hours: an iteration under a deadline stops within [`LATEST`]
    /// of it and the deadline reports it timed out.
    Endless,
    /// Single passes over memory-bound data: no size the machine holds outlasts a deadline in a
    /// release build, so the iteration starts after the deadline fired and must stop at its
    /// first poll, leaving an answer that fails verification (it would pass, complete).
    OnePass,
}

/// For every built-in workload: a problem its kernels cannot finish (sizes and parameters within
/// what `validate` accepts), and how to prove they stop. A workload missing here fails the test.
fn huge(name: &str) -> (u64, Vec<(&'static str, ParamValue)>, Proof) {
    use Proof::*;
    match name {
        "pi" | "counter" | "contention" | "fault" => (1 << 60, vec![], Endless),
        // Bounded memory, unbounded time: a big product, escape loops at the iteration limit,
        // a million steps of a grid or of particles.
        "matmul" => (2048, vec![], Endless),
        "mandelbrot" => (256, vec![("max-iter", ParamValue::Int(1_000_000))], Endless),
        "stencil" => (256, vec![("steps", ParamValue::Int(1_000_000))], Endless),
        "particles" => (50_000, vec![("steps", ParamValue::Int(1_000_000))], Endless),
        "square" => (2_000_000, vec![], OnePass),
        "histogram" => (4_000_000, vec![], OnePass),
        other => panic!("no huge problem for workload `{other}`: add one to this test"),
    }
}

#[test]
fn every_in_process_variant_of_every_workload_stops_at_its_deadline() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::builtin();
    let mut checked = Vec::new();
    for w in registry.iter() {
        let name = w.info().name;
        let (n, overrides, proof) = huge(name);
        let p = problem(&**w, n, &overrides);
        for (k, v) in &p.params {
            if let Some(spec) = w.info().params.iter().find(|s| s.name == k) {
                spec.check(v)
                    .unwrap_or_else(|e| panic!("{name}: `{k}` fails validation: {e}"));
            }
        }
        w.check_problem(&p)
            .unwrap_or_else(|e| panic!("{name}: the problem fails validation: {e}"));
        // A one-pass problem's answer, computed before any deadline fires.
        let want = match proof {
            Proof::OnePass => Some(w.reference(&p).expect("the reference")),
            Proof::Endless => None,
        };
        for v in w.variants().into_iter().filter(|v| v.is_available()) {
            let in_process = matches!(
                v.model,
                ExecutionModel::Serial | ExecutionModel::Threads | ExecutionModel::Rayon
            );
            if !in_process {
                continue;
            }
            let label = format!("{name} {}", v.name);
            let mut e = match w.prepare(&p, v.name, 2) {
                Ok(e) => e,
                Err(err) => panic!("{label}: setup: {err}"),
            };
            let took = match &want {
                None => {
                    let deadline = Deadline::arm(LIMIT);
                    let t = Instant::now();
                    let _ = e.run();
                    let took = t.elapsed();
                    assert_eq!(
                        deadline.check(),
                        Err(Cancelled::TimedOut(LIMIT)),
                        "{label} ended before its deadline: the problem is too small to test"
                    );
                    took
                }
                Some(want) => {
                    let deadline = Deadline::arm(Duration::ZERO);
                    let raised = Instant::now();
                    while !parbench_harness::cancel::requested() {
                        assert!(raised.elapsed() < LATEST, "the deadline's flag never rose");
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    let t = Instant::now();
                    let _ = e.run();
                    let took = t.elapsed();
                    assert!(
                        parbench_suites::workload::verify(want, &e.answer()).is_err(),
                        "{label} finished its pass although cancelled before it began"
                    );
                    drop(deadline);
                    took
                }
            };
            eprintln!("{label}: stopped {took:?} after it began");
            assert!(
                took < LATEST,
                "{label} ran {took:?} past a deadline of {LIMIT:?}"
            );
            checked.push(label);
        }
    }
    // The parallel bodies this test exists for (issue 14 item 2): a rename must not drop them.
    for must in [
        "pi serial",
        "pi threads",
        "pi rayon",
        "counter mutex",
        "contention mutex",
        "matmul rayon",
        "mandelbrot threads",
        "stencil threads",
        "stencil channel",
        "particles threads",
        "square serial",
        "square rayon",
        "histogram atomic",
        "histogram mutex",
        "histogram channel",
        "fault serial",
    ] {
        assert!(
            checked.iter().any(|c| c == must),
            "{must} not checked: {checked:?}"
        );
    }
    eprintln!("checked {} variants: {checked:?}", checked.len());
}

#[test]
fn every_workloads_reference_stops_at_its_deadline() {
    let _turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
    let registry = Registry::builtin();
    for w in registry.iter() {
        let name = w.info().name;
        let (n, overrides, proof) = huge(name);
        let p = problem(&**w, n, &overrides);
        let t = Instant::now();
        match proof {
            Proof::Endless => {
                let r = parbench_harness::engine::run_with_deadline(LIMIT, || w.reference(&p));
                let took = t.elapsed();
                eprintln!("{name} reference: stopped {took:?} after it began");
                assert!(took < LATEST, "{name}: {took:?}");
                // counter's reference is n itself: nothing to stop.
                if name != "counter" {
                    let e = r.map(|_| ()).unwrap_err();
                    assert_eq!(e.to_string(), "timed out after 300 ms", "{name}");
                }
            }
            Proof::OnePass => {
                let want = w.reference(&p).expect("the reference");
                let deadline = Deadline::arm(Duration::ZERO);
                while !parbench_harness::cancel::requested() {
                    assert!(t.elapsed() < LATEST * 4, "the deadline's flag never rose");
                    std::thread::sleep(Duration::from_millis(1));
                }
                let t = Instant::now();
                let got = w.reference(&p).expect("the reference");
                let took = t.elapsed();
                eprintln!("{name} reference: stopped {took:?} after it began");
                assert!(took < LATEST, "{name}: {took:?}");
                assert!(
                    parbench_suites::workload::verify(&want, &got).is_err(),
                    "{name}'s reference finished its pass although cancelled before it began"
                );
                drop(deadline);
            }
        }
    }
}
