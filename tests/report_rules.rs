//! Issue 13's rules on real runs: every shipped config run with `--quick`, re-rendered, and its
//! report checked (no headline from an oversubscribed, flagged or under-sampled point, no
//! interval from fewer than the minimum samples, Karp-Flatt only where meaningful, size labels
//! from the n that ran, distinct colours in every chart; see `reports/tests/rules/mod.rs`).
//! `configs/command.toml` is left out (it builds an example program with cargo in its setup;
//! tests/cli.rs runs it with its paths adapted), and so are `configs/full.toml` and
//! `configs/opencl.toml` unless `PARBENCH_RULES_ALL=1`: in a debug build their `--quick` runs
//! take about ten and eighteen minutes on 2 cores. `rules_hold_on_saved_runs` checks saved runs
//! (of any config, any build) re-rendered with this renderer.

#[path = "../reports/tests/rules/mod.rs"]
mod rules;

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;
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
        .filter(|p| {
            !p.ends_with("full.toml")
                || std::env::var_os("PARBENCH_RULES_FULL").is_some_and(|v| v == "1")
        })
        .collect();
    configs.sort();
    assert!(configs.len() >= 7, "{configs:?}");
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

/// The rules on saved runs: `PARBENCH_RULES_RUNS` lists results files (separated by `:`), each
/// re-rendered with this renderer and checked.
/// `PARBENCH_RULES_RUNS=a/results.json:b/results.json cargo test --test report_rules -- --ignored`
#[test]
#[ignore = "needs PARBENCH_RULES_RUNS"]
fn rules_hold_on_saved_runs() {
    let runs = std::env::var("PARBENCH_RULES_RUNS").expect("PARBENCH_RULES_RUNS");
    let mut failures = Vec::new();
    for path in runs.split(':').filter(|p| !p.is_empty()) {
        let results = RunResults::load(Path::new(path)).expect("results load");
        let dir = tempfile::tempdir().unwrap();
        parbench_reports::write_reports(&results, dir.path(), &parbench_reports::Format::ALL)
            .expect("renders");
        for v in rules::check_site(dir.path(), &results) {
            failures.push(format!("{path}: {v}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
