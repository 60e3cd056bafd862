//! `parbench run --shard K/N` and `parbench report` of the shards of one run: the shards cover
//! the unsharded run's points exactly once, record which part they are, and merge into one site
//! with the same point set; parts of different runs are refused.

mod common;
use common::{parbench, write};

use predicates::prelude::*;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Two suites, two problems each: four problems to deal, quick settings.
const CONFIG: &str = "[defaults]\nwarmup = \"2ms\"\nmin-samples = 3\nmax-samples = 4\nbudget = \"10ms\"\nrepetitions = 1\nworkers = [1, 2]\n\n[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\", 20000]\nvariants = [\"serial\", \"threads\"]\n\n[[suite]]\nworkload = \"square\"\nsizes = [\"XS\", 48]\nvariants = [\"serial\", \"rayon\"]\n";

/// Runs the config (with `extra` arguments) into `out` and returns its results file.
fn run(config: &Path, out: &Path, extra: &[&str]) -> PathBuf {
    parbench()
        .args(["run", "--no-calibrate", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
    out.join("latest").join("results.json")
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Each point's identity: suite, size, variant, workers, parameters.
fn points(results: &Value) -> Vec<String> {
    results["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}/{}/{}/w{}/{}",
                p["suite"], p["size"], p["variant"], p["workers"], p["params"]
            )
        })
        .collect()
}

fn set(v: &[String]) -> BTreeSet<String> {
    v.iter().cloned().collect()
}

#[test]
fn two_shards_cover_the_run_and_merge_into_one_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "tiny.toml", CONFIG);
    let whole = json(&run(&config, &dir.path().join("whole"), &[]));
    let one = run(&config, &dir.path().join("s1"), &["--shard", "1/2"]);
    let two = run(&config, &dir.path().join("s2"), &["--shard", "2/2"]);
    let (p1, p2, all) = (points(&json(&one)), points(&json(&two)), points(&whole));
    assert_eq!(all.len(), 12, "{all:?}");
    assert_eq!(set(&all).len(), all.len());
    assert!(!p1.is_empty() && !p2.is_empty(), "{p1:?} {p2:?}");
    assert!(set(&p1).is_disjoint(&set(&p2)), "{p1:?} {p2:?}");
    let mut union = p1.clone();
    union.extend(p2.clone());
    assert_eq!(union.len(), all.len());
    assert_eq!(set(&union), set(&all));
    // The results record which part they are; a whole run records none.
    assert_eq!(json(&one)["config"]["shard"]["index"], 1);
    assert_eq!(json(&two)["config"]["shard"]["count"], 2);
    assert!(whole["config"].get("shard").is_none());

    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(&two)
        .arg(&one)
        .arg("--out")
        .arg(&site)
        .assert()
        .success()
        .stderr(predicate::str::contains("merged 2 shards: 12 points"));
    let merged = json(&site.join("results.json"));
    assert_eq!(set(&points(&merged)), set(&all));
    assert_eq!(points(&merged).len(), all.len());
    assert!(merged["config"].get("shard").is_none());
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("pi") && index.contains("square"));

    // Parts of different runs, a part twice, a part missing, a whole run among parts.
    let other_config = write(
        dir.path(),
        "other.toml",
        &CONFIG.replace("sizes = [\"XS\", 48]", "sizes = [\"XS\"]"),
    );
    let other = run(&other_config, &dir.path().join("o2"), &["--shard", "2/2"]);
    let whole_path = dir.path().join("whole/latest/results.json");
    for (files, expected) in [
        (vec![&one, &other], "the config differs"),
        (vec![&one, &one], "both shard 1/2"),
        (vec![&one, &whole_path], "is a whole run"),
    ] {
        parbench()
            .arg("report")
            .args(files)
            .arg("--out")
            .arg(dir.path().join("bad"))
            .assert()
            .code(2)
            .stderr(predicate::str::contains(expected));
    }
    parbench()
        .arg("report")
        .arg(&one)
        .arg(&two)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn bad_shard_values_are_refused() {
    for bad in ["0/2", "3/2", "2", "x/y"] {
        parbench()
            .args(["run", "--quick", "--shard", bad])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("K/N"));
    }
}

#[test]
fn a_shard_with_nothing_to_measure_writes_an_empty_part() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "one.toml",
        "[defaults]\nwarmup = \"2ms\"\nmin-samples = 3\nmax-samples = 4\nbudget = \"10ms\"\nrepetitions = 1\nworkers = [1]\n\n[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\"]\nvariants = [\"serial\"]\n",
    );
    let empty = dir.path().join("e");
    parbench()
        .args(["run", "--no-calibrate", "--shard", "2/2", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&empty)
        .assert()
        .success()
        .stderr(predicate::str::contains("has no points"));
    let full = run(&config, &dir.path().join("f"), &["--shard", "1/2"]);
    let site = dir.path().join("site");
    parbench()
        .arg("report")
        .arg(&full)
        .arg(empty.join("latest/results.json"))
        .arg("--out")
        .arg(&site)
        .assert()
        .success();
    assert_eq!(points(&json(&site.join("results.json"))).len(), 1);
}
