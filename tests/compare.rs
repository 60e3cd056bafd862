//! `parbench compare`: verdicts against the base results file, unusable input, thresholds from
//! flags and files.

mod common;
use common::{BASE, parbench, read_json, write};

use parbench_analysis::results_io::ResultsFile;
use parbench_harness::results_file::WriteResults;
use parbench_schema::results::RunResults;
use predicates::prelude::*;
use std::path::Path;

/// A copy of the base fixture with every sample of `variant` scaled by `factor`.
fn scaled_fixture(dir: &Path, variant: &str, factor: f64) -> std::path::PathBuf {
    let mut r = RunResults::load(Path::new(BASE)).unwrap();
    for p in r.points.iter_mut().filter(|p| p.variant == variant) {
        let m = p.measurement.as_mut().unwrap();
        for s in &mut m.samples_ns {
            s.0 *= factor;
        }
        for v in [
            &mut m.stats.mean,
            &mut m.stats.median,
            &mut m.stats.min,
            &mut m.stats.max,
            &mut m.stats.ci_low,
            &mut m.stats.ci_high,
        ] {
            v.0 *= factor;
        }
    }
    let path = dir.join(format!("{variant}-x{factor}.json"));
    r.write(&path).unwrap();
    path
}

#[test]
fn compare_with_itself_is_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    parbench()
        .args(["compare", BASE, BASE, "--out"])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::contains("unchanged"))
        .stdout(predicate::str::contains("REGRESSED").not())
        .stdout(predicate::str::contains("inconclusive").not());
    let c = read_json(&out.join("compare.json"));
    let n = RunResults::load(Path::new(BASE)).unwrap().points.len();
    assert_eq!(c["counts"]["unchanged"], n, "{c}");
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.starts_with("## parbench: ✅ no regression"), "{md}");
}

#[test]
fn compare_flags_a_variant_thirty_percent_slower() {
    let dir = tempfile::tempdir().unwrap();
    let slower = scaled_fixture(dir.path(), "threads", 1.3);
    let out = dir.path().join("cmp");
    let assert = parbench()
        .args(["compare", BASE])
        .arg(&slower)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("REGRESSION: "));
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    let regressed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("REGRESSED"))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    // Seeded bootstrap: deterministic. The fourth threads point of the fixture is too noisy
    // (CV of its samples) for its interval to clear 10%, and stays inconclusive.
    assert_eq!(
        regressed,
        [
            "pi/XS/threads/w1",
            "pi/XS/threads/w2",
            "square/XS/threads/w1"
        ],
        "{stdout}"
    );
    let c = read_json(&out.join("compare.json"));
    for p in c["points"].as_array().unwrap() {
        if p["key"]["variant"] == "threads" {
            assert!((p["ratio"].as_f64().unwrap() - 1.3).abs() < 1e-9, "{p}");
            assert!(
                p["verdict"] == "regressed" || p["verdict"] == "inconclusive",
                "{p}"
            );
        } else {
            assert_eq!(p["verdict"], "unchanged", "{p}");
        }
    }
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("regression"), "{md}");
    assert!(md.contains("🔴 **regressed**"), "{md}");
}

#[test]
fn compare_rejects_unusable_input_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(BASE).unwrap();
    let truncated = write(dir.path(), "truncated.json", &text[..text.len() / 2]);
    parbench()
        .args(["compare", BASE])
        .arg(&truncated)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("truncated.json"))
        .stderr(predicate::str::contains("truncated"));
    // A version this parbench does not know is refused; version 1 (the fixture) still reads.
    let v3 = write(
        dir.path(),
        "v3.json",
        &text.replacen("\"schema_version\": 1", "\"schema_version\": 3", 1),
    );
    parbench()
        .arg("compare")
        .arg(&v3)
        .arg(BASE)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("v3.json"))
        .stderr(predicate::str::contains("schema version 3"));
    parbench()
        .args(["compare", BASE])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.json"));

    // Another machine: refused, unless asked for, and then flagged.
    let mut other = RunResults::load(Path::new(BASE)).unwrap();
    other.machine.cpu_model = "Some Other CPU".into();
    let other_path = dir.path().join("other.json");
    other.write(&other_path).unwrap();
    parbench()
        .args(["compare", BASE])
        .arg(&other_path)
        .arg("--out")
        .arg(dir.path().join("c1"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("machine fingerprints differ"))
        .stderr(predicate::str::contains("--allow-machine-mismatch"));
    parbench()
        .args(["compare", BASE])
        .arg(&other_path)
        .arg("--allow-machine-mismatch")
        .arg("--out")
        .arg(dir.path().join("c2"))
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "WARNING: the machine fingerprints differ",
        ));
    let md = std::fs::read_to_string(dir.path().join("c2/compare.md")).unwrap();
    assert!(md.contains("machine fingerprints differ"), "{md}");
}

#[test]
fn compare_thresholds_from_flags_and_files() {
    let dir = tempfile::tempdir().unwrap();
    let slower = scaled_fixture(dir.path(), "serial", 1.3);
    // A threshold above the slowdown turns the regression off.
    parbench()
        .args(["compare", BASE])
        .arg(&slower)
        .args(["--threshold-serial", "0.5", "--out"])
        .arg(dir.path().join("c"))
        .assert()
        .code(0);
    let t = write(
        dir.path(),
        "t.toml",
        "[[point]]\nsuite = \"pi\"\nsize = \"XS\"\nvariant = \"serial\"\nworkers = 1\nthreshold = 0.6\n",
    );
    let assert = parbench()
        .args(["compare", BASE])
        .arg(&slower)
        .arg("--thresholds")
        .arg(&t)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(1);
    // square's serial point still regresses at the default 5%; pi's does not at 60%.
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("square/XS/serial/w1") && l.contains("REGRESSED")),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l.starts_with("pi/XS/serial/w1")
            && l.contains("60%")
            && !l.contains("REGRESSED")),
        "{stdout}"
    );
    let bad = write(
        dir.path(),
        "bad.toml",
        "[[point]]\nsuite = \"pi\"\nthreshold = \"x\"\n",
    );
    parbench()
        .args(["compare", BASE, BASE, "--thresholds"])
        .arg(&bad)
        .arg("--out")
        .arg(dir.path().join("c"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:"));
    parbench()
        .args(["compare", BASE, BASE, "--threshold-parallel", "2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("out of range"));
}
