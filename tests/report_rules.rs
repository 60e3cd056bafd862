//! Issue 13's rules on real runs: every shipped config run with `--quick`, re-rendered, and its
//! report checked (no headline from an oversubscribed, flagged or under-sampled point, no
//! interval from fewer than the minimum samples, Karp-Flatt only where meaningful, size labels
//! from the n that ran, distinct colours in every chart; see `reports/tests/rules/mod.rs`).
//! `configs/command.toml` is left out: it builds an example program with cargo in its setup
//! (tests/cli.rs runs it with its paths adapted).

#[path = "../reports/tests/rules/mod.rs"]
mod rules;

use parbench_harness::results::RunResults;
use std::path::Path;
use std::process::Command;

fn quick_run(config: &str, out: &Path) -> RunResults {
    let status = Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args([
            "run",
            "--quick",
            "--no-calibrate",
            "--config",
            config,
            "--out",
        ])
        .arg(out)
        .env("NO_COLOR", "1")
        .output()
        .expect("parbench runs");
    assert!(
        matches!(status.status.code(), Some(0 | 3)),
        "{config}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    RunResults::load(&out.join("latest/results.json")).expect("results load")
}

#[test]
fn every_shipped_config_run_quick_keeps_the_report_rules() {
    let mut configs: Vec<String> = std::fs::read_dir("configs")
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .filter(|p| p.ends_with(".toml") && !p.ends_with("command.toml"))
        .collect();
    configs.sort();
    assert!(configs.len() >= 9, "{configs:?}");
    let mut failures = Vec::new();
    for config in &configs {
        let dir = tempfile::tempdir().unwrap();
        let results = quick_run(config, dir.path());
        let site = dir.path().join("latest");
        for v in rules::check_site(&site, &results) {
            failures.push(format!("{config}: {v}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
