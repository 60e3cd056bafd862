//! `parbench report`: a results file covering every workload becomes the site; truncated and
//! foreign files are refused.

mod common;
use common::{parbench, write};

use parbench_harness::results_file::WriteResults;
use predicates::prelude::*;

use parbench_test_support::fixture;

#[test]
fn report_turns_results_covering_every_workload_into_the_site() {
    let dir = tempfile::tempdir().unwrap();
    let results = fixture::every_workload();
    let file = dir.path().join("results.json");
    results.write(&file).unwrap();
    let site = dir.path().join("site");
    let out = parbench()
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(&site)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let listed = String::from_utf8(out).unwrap();
    let mut suites: Vec<&str> = results.points.iter().map(|p| p.suite.as_str()).collect();
    suites.dedup();
    let pages = std::fs::read_dir(&site)
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            let name = name.to_string_lossy();
            name.starts_with("suite-") && name.ends_with(".html")
        })
        .count();
    assert_eq!(pages, suites.len(), "a page per suite");
    for f in [
        "index.html",
        "results.json",
        "results.csv",
        "samples.csv",
        "summary.md",
    ] {
        assert!(site.join(f).is_file(), "{f}");
        assert!(listed.contains(f), "stdout lists {f}");
    }
    for workload in [
        "pi",
        "square",
        "counter",
        "histogram",
        "particles",
        "stencil",
        "mandelbrot",
        "matmul",
        "contention",
    ] {
        let page = std::fs::read_to_string(site.join(format!("suite-{workload}.html"))).unwrap();
        assert!(page.contains("Time vs workers"), "{workload}");
    }
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!index.contains(fixture::XSS));
    let summary = std::fs::read_to_string(site.join("summary.md")).unwrap();
    assert!(summary.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!summary.contains(fixture::XSS));

    // Rendered again beside its own results file: the JSON is left as it is.
    let before = std::fs::read(&file).unwrap();
    parbench().arg("report").arg(&file).assert().success();
    assert_eq!(std::fs::read(&file).unwrap(), before);
    assert!(dir.path().join("index.html").is_file());
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
