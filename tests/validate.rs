//! `parbench validate` (and `run` before its first point) finds what a run would fail on: sizes
//! the machine cannot hold, plans too large to expand, sizes a workload cannot run, duplicate
//! sizes, OpenCL devices that do not exist; and input files that are not files. Every shipped
//! config validates; unknown keys, workloads and variants are named with their line.

use predicates::prelude::*;

mod common;
use common::{parbench, write};

#[test]
fn a_size_the_machine_cannot_hold_is_refused_by_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "huge.toml",
        "[[suite]]\nworkload = \"square\"\nsizes = [1000000000000000000]\nvariants = [\"serial\"]\n[[suite]]\nname = \"later\"\nworkload = \"pi\"\nsizes = [\"XS\"]\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("huge.toml:3:10"))
        .stderr(predicate::str::contains("needs at least"))
        .stderr(predicate::str::contains("choose a smaller size"));
    let out = dir.path().join("out");
    parbench()
        .arg("run")
        .arg("--config")
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs at least"));
    // Refused before anything was created.
    assert!(!out.exists());
}

#[test]
fn a_plan_above_the_limit_is_refused_with_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let values = (1..=300)
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let cfg = write(
        dir.path(),
        "sweep.toml",
        &format!(
            "[[suite]]\nworkload = \"histogram\"\nsizes = [1000]\n[suite.params]\nbins = [{values}]\nbatch-size = [{values}]\n"
        ),
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("expand to 90000 problems"))
        .stderr(predicate::str::contains("limit of 10000"));
}

#[test]
fn validate_finds_what_run_would_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "stencil.toml",
        "[[suite]]\nworkload = \"stencil\"\nsizes = [2]\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("stencil.toml:3:10"))
        .stderr(predicate::str::contains("at least 3, found 2"));
    let cfg = write(
        dir.path(),
        "twice.toml",
        "[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\", { label = \"XS\", n = 5 }]\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("twice.toml:3:16"))
        .stderr(predicate::str::contains("size `XS` appears twice"));
    let cfg = write(
        dir.path(),
        "device.toml",
        "[defaults]\nopencl-device = \"no-such-device-anywhere\"\n[[suite]]\nworkload = \"pi\"\nsizes = [\"XS\"]\n",
    );
    // Where OpenCL is not built in or has no platform, `run` only notes that the device is
    // unused; then validate accepts it too. Otherwise both refuse it at its line.
    let run = parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(dir.path().join("out"))
        .args(["--variant", "serial", "--quick"])
        .output()
        .unwrap();
    let validate = parbench().arg("validate").arg(&cfg).output().unwrap();
    if run.status.code() == Some(2) {
        assert_eq!(validate.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&validate.stderr);
        assert!(stderr.contains("device.toml:2:17"), "{stderr}");
    } else {
        assert_eq!(validate.status.code(), Some(0));
    }
}

#[test]
fn input_files_that_are_not_regular_files_are_refused() {
    parbench()
        .args(["validate", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "/dev/zero: cannot read the config file",
        ))
        .stderr(predicate::str::contains("not a regular file"))
        .stderr(predicate::str::contains(":0:0").not());
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.toml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    parbench()
        .arg("validate")
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
    parbench()
        .arg("report")
        .arg(&fifo)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a regular file"));
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(5 << 20).unwrap();
    parbench()
        .arg("validate")
        .arg(&big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("more than the 4.0 MiB"));
}

#[test]
fn a_latest_that_is_a_directory_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("latest")).unwrap();
    let cfg = write(
        dir.path(),
        "pi.toml",
        "[[suite]]\nworkload = \"pi\"\nsizes = [1000]\nvariants = [\"serial\"]\n",
    );
    parbench()
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("latest is a directory"));
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, ["latest"]);
}

#[test]
fn every_shipped_config_validates() {
    let mut n = 0;
    for entry in std::fs::read_dir("configs").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            parbench()
                .arg("validate")
                .arg(&path)
                .assert()
                .success()
                .stdout(predicate::str::contains(": ok ("));
            n += 1;
        }
    }
    assert!(n >= 3, "default, quick and full must ship");
}

#[test]
fn validate_rejects_unknown_key_with_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "bad.toml",
        "[defaults]\nbudget = \"1s\"\n\n[[suite]]\nworkload = \"pi\"\nsamples-please = 3\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.toml:6:1"))
        .stderr(predicate::str::contains("samples-please"))
        .stderr(predicate::str::contains("expected one of"));
}

#[test]
fn validate_rejects_unknown_workload_and_out_of_range_values() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(dir.path(), "w.toml", "[[suite]]\nworkload = \"fft\"\n");
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("w.toml:2:12"))
        .stderr(predicate::str::contains("unknown workload `fft`"));
    let cfg = write(
        dir.path(),
        "r.toml",
        "[[suite]]\nworkload = \"pi\"\ntarget-ci = 0\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("r.toml:3:13"))
        .stderr(predicate::str::contains("target-ci"));
    parbench()
        .arg("validate")
        .arg(dir.path().join("missing.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.toml"));
}

#[test]
fn a_variant_that_does_not_apply_is_rejected_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "na.toml",
        "[[suite]]\nworkload = \"particles\"\nvariants = [\"serial\", \"mutex\"]\n",
    );
    parbench()
        .arg("validate")
        .arg(&cfg)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("na.toml:3"))
        .stderr(predicate::str::contains(
            "no variant `mutex` (particles never interact",
        ));
}
