//! `parbench list`: a newcomer's overview fits a terminal; the whole matrix is behind `--full`;
//! the JSON form says what every cell is and why.

mod common;
use common::parbench;

use assert_cmd::Command;
use predicates::prelude::*;

fn list(args: &[&str], env: Option<(&str, &str)>) -> String {
    let mut c = Command::cargo_bin("parbench").unwrap();
    c.env("NO_COLOR", "1").arg("list").args(args);
    if let Some((k, v)) = env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_default_list_fits_100_columns_and_points_at_the_full_matrix() {
    // Also with OpenCL unavailable (a long reason to wrap).
    for env in [None, Some(("OCL_ICD_VENDORS", "/nonexistent-parbench-icd"))] {
        let text = list(&[], env);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 100,
                "{} wide: {line}",
                line.chars().count()
            );
        }
        assert!(text.lines().count() <= 40, "{text}");
        assert!(
            text.contains("\ncounter     serial threads rayon mutex"),
            "{text}"
        );
        assert!(text.contains("unsync*"), "{text}");
        assert!(text.contains("parbench list --full"), "{text}");
    }
    let full = list(&["--full"], None);
    assert!(full.contains("Why cells are empty:"));
    assert!(full.lines().count() > 100);
}

#[test]
fn list_shows_the_matrix_in_table_and_json() {
    parbench()
        .args(["list", "--full"])
        .assert()
        .success()
        .stdout(predicate::str::contains("WORKLOAD"))
        .stdout(predicate::str::is_match(
            r"WORKLOAD +serial +threads +rayon +mutex +parking_lot +rwlock +atomic +sharded +channel +unsync",
        ).unwrap())
        .stdout(predicate::str::is_match(r"\ncounter +yes +yes +yes +yes +yes +- +yes +yes +yes +racy +- +-[ -]*\n").unwrap())
        .stdout(predicate::str::contains("Why cells are empty:"))
        .stdout(predicate::str::contains("counter x rwlock: every access increments"));
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
    for w in [
        "square",
        "pi",
        "counter",
        "histogram",
        "particles",
        "stencil",
        "mandelbrot",
        "matmul",
    ] {
        assert!(names.contains(&w), "{w} missing from {names:?}");
    }
    // Every cell of the matrix says what it is, and every empty one why.
    for w in v.as_array().unwrap() {
        let cells = w["matrix"].as_array().unwrap();
        assert!(cells.len() >= 10, "{w}");
        for c in cells {
            let state = c["state"].as_str().unwrap();
            assert!(
                [
                    "runs",
                    "expected-incorrect",
                    "unavailable",
                    "not-applicable"
                ]
                .contains(&state),
                "{c}"
            );
            assert_eq!(
                c["reason"].is_string(),
                state != "runs" && state != "expected-incorrect",
                "{c}"
            );
        }
    }
}

#[test]
fn list_shows_the_processes_variants_and_the_fault_workload() {
    let out = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let workloads = v.as_array().unwrap();
    assert!(workloads.iter().any(|w| w["workload"] == "fault"));
    for name in ["pi", "square", "mandelbrot"] {
        let w = workloads.iter().find(|w| w["workload"] == name).unwrap();
        for variant in ["processes-spawn", "processes-pool"] {
            let entry = w["variants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["name"] == variant)
                .unwrap_or_else(|| panic!("{name} {variant}"));
            assert_eq!(entry["available"], true, "{entry}");
            assert_eq!(entry["model"], "processes");
        }
    }
    // Workloads about shared-memory contention say why they have no processes variants.
    for name in ["counter", "histogram"] {
        let w = workloads.iter().find(|w| w["workload"] == name).unwrap();
        let cell = w["matrix"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["variant"] == "processes-pool")
            .unwrap();
        assert_eq!(cell["state"], "not-applicable", "{cell}");
        assert!(cell["reason"].as_str().unwrap().contains("share no memory"));
    }
}

#[test]
fn a_closed_stdout_ends_quietly() {
    // The reader goes away before parbench writes (as with `parbench list | head -0`): the write
    // fails with EPIPE, which must end the process with success and no panic message.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["list", "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
