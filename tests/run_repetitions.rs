//! End-to-end tests of how `parbench run` measures: repetitions spread over the run, intervals
//! that a second run respects, a busy machine noticed and said, the trust line.

mod common;
use common::parbench;

use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::RunResults;
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A small config: pi at a tiny size, serial and threads at 1 and 2 workers.
const PI: &str = "[defaults]\nrepetitions = 3\nwarmup = \"5ms\"\nmin-samples = 6\nmax-samples = 30\nbudget = \"60ms\"\nworkers = [1, 2]\n\n[[suite]]\nworkload = \"pi\"\nsizes = [200000]\nvariants = [\"serial\", \"threads\"]\n";

fn run_pi(dir: &Path, out: &str) -> (PathBuf, String, String) {
    let cfg = dir.join("pi.toml");
    std::fs::write(&cfg, PI).unwrap();
    let assert = parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.join(out))
        .assert()
        .success();
    let o = assert.get_output();
    (
        dir.join(out).join("latest").join("results.json"),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn every_point_is_measured_in_repetitions_spread_over_rounds() {
    let dir = tempfile::tempdir().unwrap();
    let (results, stdout, stderr) = run_pi(dir.path(), "out");
    let r = RunResults::load(&results).unwrap();
    assert_eq!(r.environment.as_ref().unwrap().repetitions, 3);
    assert_eq!(r.points.len(), 3);
    for p in &r.points {
        let m = p.measurement.as_ref().unwrap();
        assert_eq!(m.rounds(), [0, 1, 2], "{}", p.variant);
        assert_eq!(
            m.repetitions.iter().map(|x| x.samples).sum::<usize>(),
            m.samples_ns.len()
        );
        assert!(m.stats.ci_low < m.stats.median && m.stats.median < m.stats.ci_high);
    }
    // Rounds are announced, and the summary ends with how far the run can be trusted.
    assert!(stderr.contains("parbench: round 3/3"), "{stderr}");
    let last = stdout.lines().last().unwrap();
    assert!(
        last.starts_with("trust: 3 points measured in 3 interleaved repetitions each"),
        "{last}"
    );
    assert!(stdout.contains("95% RERUN INTERVAL"));
}

#[test]
fn two_independent_runs_of_one_binary_compare_as_unchanged_or_inconclusive() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _, _) = run_pi(dir.path(), "a");
    let (b, _, _) = run_pi(dir.path(), "b");
    parbench()
        .arg("compare")
        .arg(&a)
        .arg(&b)
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .assert()
        .code(0);
}

#[test]
fn quick_runs_say_their_figures_are_smoke_tests() {
    let dir = tempfile::tempdir().unwrap();
    parbench()
        .args([
            "run",
            "--quick",
            "--suite",
            "pi",
            "--variant",
            "serial",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success()
        .stdout(predicate::str::contains("--quick: smoke-test figures"));
}

#[cfg(target_os = "linux")]
#[test]
fn a_run_started_under_load_reports_itself_as_disturbed() {
    // A CPU hog on one core (a thread of this test process: for parbench, another process).
    let stop = Arc::new(AtomicBool::new(false));
    let hog = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !stop.load(Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        })
    };
    std::thread::sleep(std::time::Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let (results, stdout, stderr) = run_pi(dir.path(), "out");
    stop.store(true, Ordering::Relaxed);
    hog.join().unwrap();
    assert!(stderr.contains("the machine is busy"), "{stderr}");
    let r = RunResults::load(&results).unwrap();
    let env = r.environment.unwrap();
    assert!(env.busy_at_start.is_some(), "{env:?}");
    assert!(env.before.unwrap().others_cores > 0.25);
    assert!(
        stdout.contains("the machine was busy at the start"),
        "{stdout}"
    );
}
