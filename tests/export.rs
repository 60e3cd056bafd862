//! `parbench export` and `parbench import`: results in other tools' formats (Bencher,
//! github-action-benchmark) and criterion's results read in.

mod common;
use common::{BASE, parbench, read_json};

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;
use predicates::prelude::*;

#[test]
fn export_to_bencher_and_github_action_benchmark() {
    let dir = tempfile::tempdir().unwrap();
    let out = parbench()
        .args(["export", BASE, "--format", "bencher"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let bmf: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let lat = &bmf["pi/XS/serial/w1"]["latency"];
    assert!(lat["value"].as_f64().unwrap() > 0.0);
    assert!(lat["lower_value"].as_f64().unwrap() <= lat["value"].as_f64().unwrap());
    let file = dir.path().join("gab.json");
    parbench()
        .args([
            "export",
            BASE,
            "--format",
            "github-action-benchmark",
            "--out",
        ])
        .arg(&file)
        .assert()
        .success();
    let gab = read_json(&file);
    let entries = gab.as_array().unwrap();
    assert_eq!(entries.len(), 10);
    assert!(
        entries
            .iter()
            .all(|e| e["unit"] == "ns" && e["value"].as_f64().unwrap() > 0.0)
    );
}

#[test]
fn import_criterion_results_into_reports_and_comparisons() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("imported");
    parbench()
        .args(["import", "criterion", "tests/data/criterion", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("imported 5 benchmark(s)"));
    let r = RunResults::load(&out.join("results.json")).unwrap();
    assert_eq!(r.points.len(), 5);
    assert!(r.points.iter().all(|p| p.model.to_string() == "external"));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(html.contains("sum") && html.contains("fib 15"));
    parbench()
        .arg("compare")
        .arg(out.join("results.json"))
        .arg(out.join("results.json"))
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    parbench()
        .args(["import", "criterion"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no criterion results"));
}
