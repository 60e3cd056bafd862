//! Results files on input: every command that reads one refuses impossible values the same way
//! (exit 2, naming the point), and `compare`'s exit code when several things are wrong at once.

mod common;
use common::parbench;

use assert_cmd::Command;
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const BASE: &str = "tests/data/compare/base.json";

fn base() -> RunResults {
    RunResults::load(Path::new(BASE)).unwrap()
}

fn save(dir: &Path, name: &str, r: &RunResults) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, r.to_json()).unwrap();
    path
}

/// Every command that reads a results file, with `file` in its place.
fn readers(dir: &Path, file: &Path) -> Vec<Command> {
    let mut out = Vec::new();
    let mut c = parbench();
    c.args(["compare", BASE])
        .arg(file)
        .arg("--out")
        .arg(dir.join("cmp"));
    out.push(c);
    let mut c = parbench();
    c.arg("compare")
        .arg(file)
        .arg(BASE)
        .arg("--out")
        .arg(dir.join("cmp"));
    out.push(c);
    let mut c = parbench();
    c.arg("report").arg(file).arg("--out").arg(dir.join("site"));
    out.push(c);
    let mut c = parbench();
    c.arg("export").arg(file).args(["--format", "bencher"]);
    out.push(c);
    let mut c = parbench();
    c.args(["history", "add"])
        .arg(file)
        .arg("--db")
        .arg(dir.join("h.sqlite"));
    out.push(c);
    out
}

#[test]
fn impossible_times_are_refused_by_every_reader_naming_the_point() {
    let dir = tempfile::tempdir().unwrap();
    type Edit = fn(&mut RunResults);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "negative",
            |r| r.points[2].measurement.as_mut().unwrap().samples_ns[0].0 = -5.0,
            "measurement.samples_ns[0]` is -5",
        ),
        (
            "zero-median",
            |r| r.points[2].measurement.as_mut().unwrap().stats.median.0 = 0.0,
            "measurement.stats.median` is 0",
        ),
        (
            "no-samples",
            |r| r.points[2].measurement.as_mut().unwrap().samples_ns.clear(),
            "0 samples",
        ),
        (
            "ok-unmeasured",
            |r| r.points[2].measurement = None,
            "status `ok` without a `measurement`",
        ),
    ];
    for (name, edit, message) in cases {
        let mut r = base();
        assert_eq!(r.points[2].status, Status::Ok);
        let key = r.points[2].key().to_string();
        edit(&mut r);
        let file = save(dir.path(), &format!("{name}.json"), &r);
        for mut reader in readers(dir.path(), &file) {
            reader
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!("{name}.json")))
                .stderr(predicate::str::contains(format!("points[2] ({key})")))
                .stderr(predicate::str::contains(message));
        }
    }
    // Nothing was recorded from a refused file.
    assert!(!dir.path().join("h.sqlite").exists());
}

#[test]
fn a_newly_wrong_point_outranks_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = base();
    for p in &mut r.points {
        let m = p.measurement.as_mut().unwrap();
        for s in &mut m.samples_ns {
            s.0 *= 2.0;
        }
        for v in [
            &mut m.stats.mean,
            &mut m.stats.median,
            &mut m.stats.min,
            &mut m.stats.max,
            &mut m.stats.ci_low,
            &mut m.stats.ci_high,
        ] {
            v.0 *= 2.0;
        }
    }
    let wrong = r
        .points
        .iter()
        .position(|p| p.variant == "threads")
        .unwrap();
    r.points[wrong].status = Status::Wrong;
    r.points[wrong].reason = Some("answer differs".into());
    let file = save(dir.path(), "slow-and-wrong.json", &r);
    parbench()
        .args(["compare", BASE])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .assert()
        .code(3)
        .stderr(predicate::str::contains("REGRESSION: "))
        .stderr(predicate::str::contains("1 point(s) are wrong or failed"));
}

#[test]
fn compare_refuses_another_machine_id() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = base();
    r.machine.id = "0123456789abcdef".into();
    let file = save(dir.path(), "other-id.json", &r);
    parbench()
        .args(["compare", BASE])
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("cmp"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("machine fingerprints differ"))
        .stderr(predicate::str::contains("id: "))
        .stderr(predicate::str::contains("0123456789abcdef"));
    parbench()
        .args(["compare", BASE])
        .arg(&file)
        .arg("--allow-machine-mismatch")
        .arg("--out")
        .arg(dir.path().join("cmp2"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "WARNING: the machine fingerprints differ",
        ));
}

#[test]
fn a_schema_version_of_the_wrong_type_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(BASE).unwrap().replacen(
        "\"schema_version\": 1",
        "\"schema_version\": \"1\"",
        1,
    );
    let file = dir.path().join("string-version.json");
    std::fs::write(&file, text).unwrap();
    parbench()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(dir.path().join("site"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "`schema_version` is \"1\", expected a number (this parbench reads versions 1 to",
        ));
}

#[test]
fn a_negative_threshold_is_out_of_range_not_an_unknown_argument() {
    parbench()
        .args(["compare", BASE, BASE, "--threshold-serial", "-0.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("-0.5 is out of range"))
        .stderr(predicate::str::contains("unexpected argument").not());
}
