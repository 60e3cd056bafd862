//! A size the machine cannot hold fails its point with a reason, not the whole run (the
//! process used to abort with "memory allocation of … bytes failed").

use parbench_harness::config::{Config, ConfigSource};
use parbench_schema::results::Status;
use parbench_suites::plan::{Filters, resolve};
use parbench_suites::runner::{Observer, RunControl, run_plan, start_results};
use parbench_suites::{Problem, Registry, Workload};

struct Quiet;
impl Observer for Quiet {}

/// A problem of `n` with every parameter of `workload` at its default.
fn problem(workload: &dyn Workload, n: u64) -> Problem {
    let mut p = Problem::new("huge", n, 1);
    for spec in workload.info().params {
        p.params.insert(spec.name.to_string(), spec.default.clone());
    }
    p
}

#[test]
fn workloads_report_sizes_they_cannot_allocate_as_errors() {
    let registry = Registry::builtin();
    // Sizes whose memory exceeds any address space (2^47 bytes on x86-64 Linux), yet pass each
    // workload's own size check.
    for (name, n) in [
        ("square", 1u64 << 50),
        ("histogram", 1 << 60),
        ("particles", 1 << 50),
        ("stencil", 1 << 25),
        ("mandelbrot", 1 << 26),
    ] {
        let w = registry.get(name).unwrap();
        let p = problem(&*w, n);
        w.check_problem(&p).unwrap();
        let e = w.reference(&p).map(|_| ()).unwrap_err();
        assert!(e.message.contains("cannot allocate"), "{name}: {e}");
        for variant in ["serial", "rayon"] {
            let e = w.prepare(&p, variant, 2).map(|_| ()).unwrap_err();
            assert!(
                e.message.contains("cannot allocate"),
                "{name} {variant}: {e}"
            );
        }
    }
}

#[test]
fn an_allocation_failure_fails_its_point_and_the_run_goes_on() {
    let text = "[defaults]\nwarmup = \"1ms\"\nbudget = \"5ms\"\nmin-samples = 2\nmax-samples = 3\n[[suite]]\nname = \"big\"\nworkload = \"square\"\nsizes = [1000]\nvariants = [\"serial\"]\n[[suite]]\nname = \"small\"\nworkload = \"square\"\nsizes = [1000]\nvariants = [\"serial\"]\n";
    let config = Config::parse(ConfigSource::new("t.toml", text), 2).unwrap();
    let mut plan = resolve(&config, &Registry::builtin(), &Filters::default(), false).unwrap();
    // Grown after planning (as if memory ran out between validation and the point).
    plan.suites[0].problems[0].problem.n = 1 << 50;
    let mut results = start_results(&config, &Filters::default(), false);
    let completed = run_plan(
        &plan,
        &mut results,
        &mut Quiet,
        RunControl {
            should_stop: &|| false,
            checkpoint: &mut |_| {},
        },
    );
    assert!(completed);
    assert_eq!(results.points.len(), 2);
    let big = &results.points[0];
    assert_eq!(big.status, Status::Failed);
    assert!(
        big.reason.as_deref().unwrap().contains("cannot allocate"),
        "{:?}",
        big.reason
    );
    assert_eq!(
        results.points[1].status,
        Status::Ok,
        "{:?}",
        results.points[1].reason
    );
}
