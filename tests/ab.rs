//! `parbench ab` (interleaved rounds of two binaries, and the A/A mode) and `ci/bench-pr.sh`,
//! which runs it as a CI gate. These tests time things: they run one at a time (`exclusive`).

mod common;
use common::{BASE, parbench, read_json, write};

use predicates::prelude::*;
use std::path::Path;

/// A tiny gate config: one pi point, fast even in a debug build.
fn tiny_gate_config(dir: &Path, name: &str, n: u64) -> std::path::PathBuf {
    write(
        dir,
        name,
        &format!(
            "[defaults]\nwarmup = \"10ms\"\nmin-samples = 5\nmax-samples = 20\ntarget-ci = 0.01\nbudget = \"60ms\"\nworkers = [1]\n\n[[suite]]\nname = \"pi\"\nworkload = \"pi\"\nsizes = [{{ label = \"gate\", n = {n} }}]\nvariants = [\"serial\"]\n"
        ),
    )
}

/// Serializes the tests that time things against each other, so that they do not measure one
/// another on a 2-core CI machine.
fn exclusive() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Two copies of the parbench under test, as a CI job has for base and head.
fn two_binaries(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_parbench"));
    let a = dir.join("base-parbench");
    let b = dir.join("head-parbench");
    std::fs::copy(&bin, &a).unwrap();
    std::fs::copy(&bin, &b).unwrap();
    (a, b)
}

#[test]
fn ab_on_two_copies_of_one_binary_reports_no_regression() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let out = dir.path().join("ab");
    parbench()
        .arg("ab")
        .arg("--a-bin")
        .arg(&a)
        .arg("--b-bin")
        .arg(&b)
        .arg("--config")
        .arg(&cfg)
        .args(["--rounds", "8", "--seed", "11", "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("pi/gate/serial/w1"))
        .stdout(predicate::str::contains("REGRESSED").not())
        .stderr(predicate::str::contains("round 8/8"));
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["kind"], "ab-rounds");
    assert_eq!(c["method"]["seed"], 11);
    let order = c["method"]["order"].as_array().unwrap();
    assert_eq!(order.len(), 8);
    for block in order.chunks(2) {
        assert_ne!(block[0], block[1], "ABBA blocks: {order:?}");
    }
    assert_eq!(c["counts"]["regressed"], 0);
    // Rounds a side measured disturbed (a busy test machine) may be left out, with a note each.
    let left_out = c["points"][0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n.as_str().unwrap().contains("left out"))
        .count();
    assert_eq!(
        c["points"][0]["rounds"]["log_ratios"]
            .as_array()
            .unwrap()
            .len()
            + left_out,
        8
    );
    assert!(out.join("compare.md").exists());
    // Every round's results are kept.
    let runs: Vec<_> = std::fs::read_dir(out.join("runs")).unwrap().collect();
    assert_eq!(runs.len(), 1);
}

#[test]
fn ab_with_a_raised_problem_size_reports_a_regression() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let base = tiny_gate_config(dir.path(), "base.toml", 300_000);
    // Three times the work: a slowdown no scheduling hiccup of a shared 2-core machine hides
    // (a hiccup in a few of the 12 rounds moves the mean log ratio far less than 3x).
    let head = tiny_gate_config(dir.path(), "head.toml", 900_000);
    let out = dir.path().join("ab");
    parbench()
        .arg("ab")
        .arg("--a-bin")
        .arg(&a)
        .arg("--b-bin")
        .arg(&b)
        .arg("--a-config")
        .arg(&base)
        .arg("--b-config")
        .arg(&head)
        .args(["--rounds", "12", "--seed", "5", "--out"])
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("REGRESSED"))
        .stderr(predicate::str::contains(
            "problem size differs: n 300000 → 900000",
        ));
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.starts_with("## parbench: 🔴 1 regression"), "{md}");
}

#[test]
fn ab_aa_mode_suggests_thresholds_that_compare_reads() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let thresholds = dir.path().join("thresholds.toml");
    let out = dir.path().join("aa");
    parbench()
        .args(["ab", "--aa", "--rounds", "6", "--seed", "3", "--config"])
        .arg(&cfg)
        .arg("--write-thresholds")
        .arg(&thresholds)
        .arg("--out")
        .arg(&out)
        .assert()
        .stdout(predicate::str::contains("SUGGESTED"))
        .stdout(predicate::str::contains("DETECTABLE"));
    let text = std::fs::read_to_string(&thresholds).unwrap();
    assert!(
        text.contains("[[point]]") && text.contains("variant = \"serial\""),
        "{text}"
    );
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["aa"], true);
    assert!(
        c["points"][0]["rounds"]["suggested_threshold"]
            .as_f64()
            .unwrap()
            >= 0.01
    );
    // The file is a valid --thresholds input.
    parbench()
        .args(["compare", BASE, BASE, "--thresholds"])
        .arg(&thresholds)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    // Misuse is explained.
    parbench()
        .args(["ab", "--config"])
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--aa"));
    parbench()
        .args(["ab", "--rounds", "2", "--aa", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("few"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--rounds 3 or more"));
    parbench()
        .args(["ab", "--a-bin", "/nonexistent/parbench", "--aa"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/parbench"));
}

#[test]
fn bench_pr_script_runs_the_gate_with_prebuilt_binaries() {
    let _timing = exclusive();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_binaries(dir.path());
    let cfg = tiny_gate_config(dir.path(), "gate.toml", 300_000);
    let out = dir.path().join("gate");
    let dry = std::process::Command::new("bash")
        .args(["ci/bench-pr.sh", "--dry-run", "--base", "HEAD", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&dry.stderr);
    assert!(dry.status.success(), "{err}");
    assert!(err.contains("cargo build --release --locked"), "{err}");
    assert!(err.contains(" ab --a-bin "), "{err}");
    let run = std::process::Command::new("bash")
        .args([
            "ci/bench-pr.sh",
            "--base",
            "HEAD",
            "--rounds",
            "6",
            "--config",
        ])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .env("PARBENCH_BASE_BIN", &a)
        .env("PARBENCH_HEAD_BIN", &b)
        .env("PARBENCH_AB_ARGS", "--seed 9")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(0), "{err}");
    assert!(err.contains("compare.md is ready"), "{err}");
    let c = read_json(&out.join("compare.json"));
    assert_eq!(c["method"]["seed"], 9);
    assert_eq!(c["method"]["rounds"], 6);
}
