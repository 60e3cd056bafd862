//! `timeout = "2s"` through `parbench run`, for every in-process variant of every built-in
//! workload that a size or parameter can make endless (taken from the registry): each point
//! fails "timed out after 2 s" (its reference, or its first run where the reference is cheap)
//! and the run ends within 5 s per problem. `square` and `histogram` are single passes over
//! memory the machine must hold: no accepted size outlasts 2 s in a release build, so
//! `suites/tests/cancel.rs` checks them (and every variant at a shorter deadline) in-process.

mod common;
use common::{run_config, write};
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{ExecutionModel, RunResults, Status};
use parbench_suites::Registry;
use std::time::{Duration, Instant};

/// The size and parameters (TOML) that make a workload's points endless, within what
/// `validate` accepts; `None` for the single-pass workloads.
fn endless(workload: &str) -> Option<(&'static str, &'static str)> {
    Some(match workload {
        "pi" | "counter" | "contention" | "fault" => ("1000000000000000000", ""),
        "matmul" => ("2048", ""),
        "mandelbrot" => ("256", "params = { max-iter = 1000000 }\n"),
        "stencil" => ("256", "params = { steps = 1000000 }\n"),
        "particles" => ("50000", "params = { steps = 1000000 }\n"),
        "square" | "histogram" => return None,
        other => panic!("no endless problem for workload `{other}`: add one to this test"),
    })
}

#[test]
fn every_in_process_point_fails_at_a_two_second_timeout() {
    let registry = Registry::builtin();
    let mut config = String::from(
        "[defaults]\nwarmup = \"1ms\"\nmin-samples = 2\nmax-samples = 3\nbudget = \"10ms\"\nrepetitions = 1\nworkers = [2]\ntimeout = \"2s\"\n",
    );
    let mut expected = Vec::new();
    for w in registry.iter() {
        let name = w.info().name;
        let Some((size, params)) = endless(name) else {
            continue;
        };
        let variants: Vec<String> = w
            .variants()
            .into_iter()
            .filter(|v| v.is_available())
            .filter(|v| {
                matches!(
                    v.model,
                    ExecutionModel::Serial | ExecutionModel::Threads | ExecutionModel::Rayon
                )
            })
            .map(|v| v.name.to_string())
            .collect();
        let list: Vec<String> = variants.iter().map(|v| format!("\"{v}\"")).collect();
        config.push_str(&format!(
            "\n[[suite]]\nname = \"endless-{name}\"\nworkload = \"{name}\"\nsizes = [{size}]\nvariants = [{}]\n{params}",
            list.join(", ")
        ));
        expected.extend(variants.into_iter().map(|v| (format!("endless-{name}"), v)));
    }
    let problems = expected
        .iter()
        .map(|(s, _)| s)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = write(dir.path(), "endless.toml", &config);
    let started = Instant::now();
    let output = run_config(&cfg, &out, Duration::from_secs(600));
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    let r = RunResults::load(&out.join("latest/results.json")).expect("a valid results file");
    // A point whose reference is cheap (counter) runs its kernel to the timeout: 2 s each.
    let kernel_timeouts = r
        .points
        .iter()
        .filter(|p| p.reason.as_deref() == Some("timed out after 2 s in the first run"))
        .count();
    eprintln!(
        "{} points of {problems} problems ({kernel_timeouts} cut in their first run) took {took:?}",
        expected.len()
    );
    for (suite, variant) in &expected {
        let p = r
            .points
            .iter()
            .find(|p| &p.suite == suite && &p.variant.to_string() == variant)
            .unwrap_or_else(|| panic!("no point {suite} {variant}"));
        assert_eq!(p.status, Status::Failed, "{suite} {variant}");
        let reason = p.reason.as_deref().unwrap_or("");
        assert!(
            reason == "timed out after 2 s in the first run"
                || reason == "the reference computation timed out after 2 s",
            "{suite} {variant}: {reason}"
        );
    }
    // Each cut within 5 s of its start: the references (one per problem) and the first runs.
    let limit = Duration::from_secs(5 * (problems + kernel_timeouts) as u64 + 10);
    assert!(took < limit, "{took:?} (limit {limit:?})\n{stderr}");
}
