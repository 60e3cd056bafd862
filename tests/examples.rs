//! The Rust API example (`examples/custom_workload.rs`) runs its own workload through parbench.

mod common;
use common::example;

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};

#[test]
fn the_custom_workload_example_runs_its_workload_through_parbench() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(example("custom_workload"))
        .arg(dir.path().join("report"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let report = dir.path().join("report");
    for file in [
        "results.json",
        "index.html",
        "suite-collatz.html",
        "results.csv",
        "samples.csv",
        "summary.md",
    ] {
        assert!(report.join(file).is_file(), "{file} missing");
    }
    let r = RunResults::load(&report.join("results.json")).unwrap();
    assert!(r.complete);
    let mut variants: Vec<&str> = r.points.iter().map(|p| p.variant.as_str()).collect();
    variants.dedup();
    assert_eq!(variants, ["serial", "rayon", "mutex"]);
    for p in &r.points {
        assert_eq!(p.workload, "collatz");
        assert_eq!(p.status, Status::Ok, "{} {:?}", p.key(), p.reason);
        assert!(p.derived.speedup.is_some(), "{}", p.key());
        assert_eq!(p.derived.baseline.as_deref(), Some("serial"));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("collatz mutex w1: speedup"), "{stdout}");
    let page = std::fs::read_to_string(report.join("suite-collatz.html")).unwrap();
    assert!(page.contains("Content-Security-Policy"));
}
