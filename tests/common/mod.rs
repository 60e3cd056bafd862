//! Helpers the CLI test files share: the binary with colour off, writing a config, reading JSON,
//! the base results file, the examples, and the worker processes of a run.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `parbench` binary under test, with `NO_COLOR` set.
pub(crate) fn parbench() -> Command {
    let mut c = Command::cargo_bin("parbench").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Writes `text` to `dir/name` and returns the path.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// Live processes whose environment names `parent` as their parbench parent: workers of that
/// run that are still around (orphans). Zombies have no readable environment; the run's own
/// "started, reaped, left" line accounts for those.
pub(crate) fn workers_of(parent: u32) -> Vec<u32> {
    let marker = format!("PARBENCH_WORKER_PARENT={parent}\0");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        if let Ok(env) = std::fs::read(entry.path().join("environ"))
            && String::from_utf8_lossy(&env).contains(&marker)
        {
            found.push(pid);
        }
    }
    found
}

/// The path of example `name` built in this test's profile, building it when it is missing
/// (`cargo test` builds every example; `cargo test --test command` alone does not).
pub(crate) fn example(name: &str) -> std::path::PathBuf {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_parbench")).parent().unwrap();
    let path = bin_dir.join("examples").join(name);
    if !path.exists() {
        let mut cargo = std::process::Command::new(env!("CARGO"));
        cargo.args(["build", "--quiet", "--example", name]);
        if bin_dir.ends_with("release") {
            cargo.arg("--release");
        }
        let status = cargo.status().unwrap();
        assert!(status.success(), "cargo build --example {name} failed");
    }
    assert!(path.exists(), "{} was not built", path.display());
    path
}

/// `path` parsed as JSON.
pub(crate) fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A small results file of two workloads (schema version 1), the base of the compare tests.
pub(crate) const BASE: &str = "tests/data/compare/base.json";

/// `parbench run --no-calibrate --config <config> --out <out>` to its end, killed after `limit`.
pub(crate) fn run_config(
    config: &Path,
    out: &Path,
    limit: std::time::Duration,
) -> std::process::Output {
    parbench()
        .args(["run", "--no-calibrate", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .timeout(limit)
        .output()
        .unwrap()
}

/// `parbench run --config <config> --out <out>` started in the background, for a test that
/// signals or kills it: colour off, stdout dropped, stderr piped (or dropped when `stderr` is
/// false).
pub(crate) fn spawn_run(config: &Path, out: &Path, stderr: bool) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(if stderr {
            std::process::Stdio::piped()
        } else {
            std::process::Stdio::null()
        })
        .spawn()
        .unwrap()
}

/// Polls `ready` every 20 ms until it holds; fails with `what` (and how long it waited) after
/// `limit`.
pub(crate) fn wait_until(limit: std::time::Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !ready() {
        assert!(started.elapsed() < limit, "{what} (waited {limit:?})");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Sends SIGINT to `pid`, as Ctrl-C in a terminal does.
pub(crate) fn interrupt(pid: u32) {
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
}
