//! End-to-end tests of the `parbench` binary: configs, runs, reports, exit codes.

use assert_cmd::Command;
use parbench_harness::results::{RunResults, SCHEMA_VERSION, Status};
use predicates::prelude::*;
use std::path::Path;

fn parbench() -> Command {
    let mut c = Command::cargo_bin("parbench").unwrap();
    c.env("NO_COLOR", "1");
    c
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn every_shipped_config_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir("configs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            parbench()
                .arg("validate")
                .arg(&path)
                .assert()
                .success()
                .stdout(predicate::str::contains(": ok ("));
            n += 1;
        }
    }
    assert!(n >= 3, "default, quick and full must ship");
}

#[test]
fn validate_rejects_unknown_key_with_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "bad.toml",
        "[defaults]\nbudget = \"1s\"\n\n[[suite]]\nworkload = \"pi\"\nsamples-please = 3\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:6:1"))
        .stderr(predicate::str::contains("samples-please"))
        .stderr(predicate::str::contains("expected one of"));
}

#[test]
fn validate_rejects_unknown_workload_and_out_of_range_values() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "w.toml", "[[suite]]\nworkload = \"fft\"\n");
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("w.toml:2:12"))
        .stderr(predicate::str::contains("unknown workload `fft`"));
    let cfg = write(
        dir.path(),
        "r.toml",
        "[[suite]]\nworkload = \"pi\"\ntarget-ci = 0\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("r.toml:3:13"))
        .stderr(predicate::str::contains("target-ci"));
    parbench()
        .arg("validate")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn quick_run_writes_verified_results_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    parbench()
        .args(["run", "--config", "configs/quick.toml", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("SPEEDUP"))
        .stdout(predicate::str::contains("EFFICIENCY"))
        .stderr(predicate::str::contains("[  1/"));
    let latest = out.join("latest");
    let results =
        RunResults::load(&latest.join("results.json")).expect("results parse against the schema");
    assert_eq!(results.schema_version, SCHEMA_VERSION);
    assert!(results.complete && results.finished_at.is_some());
    assert!(!results.points.is_empty());
    for p in &results.points {
        assert_eq!(p.status, Status::Ok, "{:?}", p.reason);
        let m = p.measurement.as_ref().unwrap();
        assert_eq!(m.samples_ns.len(), m.stats.n);
        assert!(p.derived.speedup.is_some());
    }
    assert!(
        results.points.iter().any(|p| p.workload == "pi")
            && results.points.iter().any(|p| p.workload == "square")
    );
    let html = std::fs::read_to_string(latest.join("index.html")).unwrap();
    assert!(html.contains("Content-Security-Policy"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"));

    // The report renders again from the saved file, into another directory.
    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(latest.join("results.json"))
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    assert!(site.join("index.html").exists());
    assert!(RunResults::load(&site.join("results.json")).is_ok());
}

#[test]
fn run_filters_and_bad_filters() {
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args([
            "run",
            "--config",
            "configs/quick.toml",
            "--suite",
            "pi",
            "--variant",
            "serial",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let r = RunResults::load(&dir.path().join("latest/results.json")).unwrap();
    assert_eq!(r.points.len(), 1);
    assert_eq!(r.config.suite_filter, vec!["pi"]);
    parbench()
        .args([
            "run",
            "--config",
            "configs/quick.toml",
            "--suite",
            "nope",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--suite nope"));
}

#[test]
fn report_rejects_truncated_and_foreign_results() {
    let dir = tempfile::tempdir().unwrap();
    let t = write(
        dir.path(),
        "trunc.json",
        "{\"schema_version\": 1, \"points\": [",
    );
    parbench()
        .arg("report")
        .arg(&t)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("trunc.json"))
        .stderr(predicate::str::contains("truncated"));
    let v = write(dir.path(), "v9.json", "{\"schema_version\": 9}");
    parbench()
        .arg("report")
        .arg(&v)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("schema version 9"));
}

#[test]
fn list_shows_the_matrix_in_table_and_json() {
    parbench()
        .arg("list")
        .assert()
        .success()
        .stdout(predicate::str::contains("WORKLOAD"))
        .stdout(predicate::str::contains("rayon"));
    let out = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["workload"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"pi") && names.contains(&"square"));
}

#[test]
fn every_subcommand_has_help_with_an_example() {
    for sub in ["run", "list", "validate", "report"] {
        parbench()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Example"));
    }
    parbench()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit codes"));
}
