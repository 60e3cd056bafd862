//! The `mpi` variants through the CLI: they verify at 2 ranks, stencil reports communication as
//! its own phase, a crashing rank fails its point with the reason and leaves no process, a hanging
//! rank fails it at the timeout and Ctrl-C stops it at once (killing the job), and bad
//! `[mpi]` settings are exit 2. In a build without MPI (`PARBENCH_MPI=0`, or no Open MPI
//! library or `mpirun` at build time: the root build script's `parbench_mpi` cfg) the tests that
//! run ranks show as ignored, with the reason; under `PARBENCH_REQUIRE_MPI=1` (as in CI) they
//! run whatever the build found, and fail where MPI is missing. Where MPI was there at build
//! time but is gone at run time, they print why they skip.

mod common;

use common::{parbench, write};
use serde_json::Value;

/// Why the mpi variants cannot run here (`None`: they can), as `parbench list` says.
fn mpi_unavailable() -> Option<String> {
    let out = parbench()
        .args(["list", "--format", "json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let pi = list
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["workload"] == "pi")
        .unwrap();
    let mpi = pi["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "mpi")
        .expect("pi lists an mpi variant, available or not");
    assert_eq!(mpi["model"], "mpi");
    if mpi["available"] == true {
        None
    } else {
        Some(mpi["reason"].as_str().unwrap_or("?").to_string())
    }
}

/// Whether the MPI variants run here; otherwise the test is skipped with the reason printed,
/// unless `PARBENCH_REQUIRE_MPI=1`, which makes it fail.
fn mpi_here(test: &str) -> bool {
    match mpi_unavailable() {
        None => true,
        Some(reason) => {
            if std::env::var_os("PARBENCH_REQUIRE_MPI").is_some_and(|v| v == "1") {
                panic!(
                    "{test}: MPI is required (PARBENCH_REQUIRE_MPI=1) but unavailable: {reason}"
                );
            }
            eprintln!("{test}: skipped, the mpi variants are unavailable: {reason}");
            false
        }
    }
}

const TINY: &str = r#"
[defaults]
warmup = "1ms"
min-samples = 3
max-samples = 5
budget = "20ms"
repetitions = 1
workers = [2]

[[suite]]
workload = "pi"
sizes = [200000]
variants = ["serial", "mpi"]

[[suite]]
workload = "square"
sizes = [20000]
variants = ["serial", "mpi"]

[[suite]]
workload = "stencil"
sizes = [40]
variants = ["serial", "mpi"]
params = { steps = 8 }
"#;

fn results(dir: &std::path::Path) -> Value {
    let latest = std::fs::read_to_string(dir.join("out/latest")).ok();
    let run = match latest {
        Some(id) => dir.join("out").join(id.trim()),
        None => std::fs::read_link(dir.join("out/latest")).unwrap(),
    };
    let run = if run.is_absolute() {
        run
    } else {
        dir.join("out").join(run)
    };
    serde_json::from_str(&std::fs::read_to_string(run.join("results.json")).unwrap()).unwrap()
}

/// Every process (pid and command line) that is a rank or launcher of an MPI job whose command
/// line holds `marker` (like `pgrep -f`).
fn leftover(marker: &str) -> Vec<String> {
    let mut left = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if (cmdline.contains("mpi-rank") || cmdline.contains("mpirun")) && cmdline.contains(marker)
        {
            left.push(format!(
                "{}: {cmdline}",
                entry.file_name().to_string_lossy()
            ));
        }
    }
    left
}

#[test]
#[cfg_attr(
    not(parbench_mpi),
    ignore = "built without MPI (PARBENCH_MPI=0, or no Open MPI library or `mpirun` at build time)"
)]
fn mpi_variants_verify_at_two_ranks_and_stencil_reports_communication() {
    if !mpi_here("mpi_variants_verify_at_two_ranks_and_stencil_reports_communication") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "mpi.toml", TINY);
    let out = parbench()
        .args(["run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let r = results(dir.path());
    let mpi: Vec<&Value> = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["variant"] == "mpi")
        .collect();
    assert_eq!(mpi.len(), 3, "{stderr}");
    for p in &mpi {
        assert_eq!(p["status"], "ok", "{p}");
        assert_eq!(p["model"], "mpi");
        assert_eq!(p["workers"], 2);
        assert_eq!(p["metrics"]["mpi_ranks"]["value"], 2.0);
        assert!(p["metrics"]["mpi_launch_ns"]["value"].as_f64().unwrap() > 0.0);
    }
    let stencil = mpi.iter().find(|p| p["suite"] == "stencil").unwrap();
    let phases: Vec<&str> = stencil["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(phases, ["compute", "communication"]);
    let comm = &stencil["phases"][1];
    assert!(comm["median"].as_f64().unwrap() > 0.0, "{comm}");
    let share = stencil["metrics"]["mpi_communication_share"]["value"]
        .as_f64()
        .unwrap();
    assert!(share > 0.0 && share < 1.0, "{share}");
    // The fingerprint records the hosts the ranks ran on.
    assert!(
        r["machine"]["accelerators"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a.as_str().unwrap().starts_with("MPI ranks on ")),
        "{}",
        r["machine"]
    );
}

#[test]
#[cfg_attr(
    not(parbench_mpi),
    ignore = "built without MPI (PARBENCH_MPI=0, or no Open MPI library or `mpirun` at build time)"
)]
fn a_crashing_rank_fails_its_point_with_the_reason_and_leaves_no_process() {
    if !mpi_here("a_crashing_rank_fails_its_point_with_the_reason_and_leaves_no_process") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "crash.toml",
        &TINY.replace(
            "workers = [2]",
            "workers = [2]\ntimeout = \"20s\"\nseed = 4242424242",
        ),
    );
    let out = parbench()
        .args(["run", "--config"])
        .arg(&config)
        .args(["--suite", "pi", "--out"])
        .arg(dir.path().join("out"))
        .env("PARBENCH_MPI_FAULT", "crash:1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let r = results(dir.path());
    let p = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant"] == "mpi")
        .unwrap();
    assert_eq!(p["status"], "failed", "{p}");
    let reason = p["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("a rank crashed"), "{reason}");
    assert!(reason.contains("rank 1"), "{reason}");
    // The serial point of the same suite still ran.
    assert!(
        r["points"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["variant"] == "serial" && p["status"] == "ok")
    );
    // Every rank of this job had the seed in its command line; ranks that die with their
    // launcher may take a moment to be gone.
    let mut left = leftover("\"seed\":4242424242");
    for _ in 0..40 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = leftover("\"seed\":4242424242");
    }
    assert!(left.is_empty(), "processes left: {left:?}");
}

#[test]
#[cfg_attr(
    not(parbench_mpi),
    ignore = "built without MPI (PARBENCH_MPI=0, or no Open MPI library or `mpirun` at build time)"
)]
fn a_wrong_rank_is_recorded_wrong() {
    if !mpi_here("a_wrong_rank_is_recorded_wrong") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "wrong.toml", TINY);
    let out = parbench()
        .args(["run", "--config"])
        .arg(&config)
        .args(["--suite", "stencil", "--out"])
        .arg(dir.path().join("out"))
        .env("PARBENCH_MPI_FAULT", "wrong:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let r = results(dir.path());
    let p = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant"] == "mpi")
        .unwrap();
    assert_eq!(p["status"], "wrong", "{p}");
}

#[test]
fn bad_mpi_settings_are_config_errors() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "bad.toml",
        "[mpi]\nlauncher = \"mpirun\"\nhostfile = \"no-such-hostfile\"\n\n[[suite]]\nworkload = \"pi\"\nvariants = [\"mpi\"]\n",
    );
    let out = parbench().arg("validate").arg(&config).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    if stderr.contains("not installed") {
        // No mpirun here: the launcher is the first error.
        assert!(stderr.contains("bad.toml:1"), "{stderr}");
    } else {
        assert!(
            stderr.contains("bad.toml:3") && stderr.contains("no-such-hostfile"),
            "{stderr}"
        );
    }
    let config = write(
        dir.path(),
        "typo.toml",
        "[mpi]\nlauncher-arg = []\n\n[[suite]]\nworkload = \"pi\"\n",
    );
    let out = parbench().arg("validate").arg(&config).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("typo.toml:2"), "{stderr}");
}

#[test]
#[cfg_attr(
    parbench_mpi,
    ignore = "built with MPI: build with PARBENCH_MPI=0 to check the unavailable listing"
)]
fn without_mpi_the_variants_are_listed_unavailable_with_how_to_get_them() {
    // Meaningful in a build without MPI (PARBENCH_MPI=0, as CI also builds); with MPI the
    // variants run and the other tests cover them.
    match mpi_unavailable() {
        None => eprintln!(
            "without_mpi_the_variants_are_listed_unavailable_with_how_to_get_them: MPI is built in here; build with PARBENCH_MPI=0 to check the unavailable listing"
        ),
        Some(reason) => {
            assert!(
                reason.contains("openmpi-bin") || reason.contains("worker"),
                "{reason}"
            );
            let out = parbench().args(["list", "--full"]).output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.contains("mpi"), "{text}");
        }
    }
}

#[test]
#[cfg_attr(
    not(parbench_mpi),
    ignore = "built without MPI (PARBENCH_MPI=0, or no Open MPI library or `mpirun` at build time)"
)]
fn a_hanging_rank_fails_its_point_at_the_timeout_and_leaves_no_process() {
    if !mpi_here("a_hanging_rank_fails_its_point_at_the_timeout_and_leaves_no_process") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "hang.toml",
        &TINY.replace(
            "workers = [2]",
            "workers = [2]\ntimeout = \"2s\"\nseed = 4242424243",
        ),
    );
    let started = std::time::Instant::now();
    let out = parbench()
        .args(["run", "--config"])
        .arg(&config)
        .args(["--suite", "pi", "--out"])
        .arg(dir.path().join("out"))
        .env("PARBENCH_MPI_FAULT", "hang:1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let r = results(dir.path());
    let p = r["points"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["variant"] == "mpi")
        .unwrap();
    assert_eq!(p["status"], "failed", "{p}");
    let reason = p["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("timed out after 2 s"), "{reason}");
    // Far below the launch timeout (120 s) and the answer's 30 s.
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    let mut left = leftover("\"seed\":4242424243");
    for _ in 0..40 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        left = leftover("\"seed\":4242424243");
    }
    assert!(left.is_empty(), "processes left: {left:?}");
}

#[test]
#[cfg_attr(
    not(parbench_mpi),
    ignore = "built without MPI (PARBENCH_MPI=0, or no Open MPI library or `mpirun` at build time)"
)]
fn ctrl_c_stops_a_hanging_mpi_point_at_once_and_leaves_no_process() {
    use std::time::{Duration, Instant};
    if !mpi_here("ctrl_c_stops_a_hanging_mpi_point_at_once_and_leaves_no_process") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "endless.toml",
        &TINY.replace(
            "workers = [2]",
            "workers = [2]\ntimeout = \"600s\"\nseed = 4242424244",
        ),
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--no-calibrate", "--config"])
        .arg(&config)
        .args(["--suite", "pi", "--out"])
        .arg(dir.path().join("out"))
        .env("PARBENCH_MPI_FAULT", "hang:1")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    let pid = child.id();
    // Wait until the job's ranks run (rank 1 then hangs in its first iteration).
    let started = Instant::now();
    while leftover("\"seed\":4242424244").len() < 2 {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the mpi job never started");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let sent = Instant::now();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = child.wait_with_output().unwrap();
    let latency = sent.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(latency < Duration::from_secs(3), "{latency:?}\n{stderr}");
    assert!(
        !stderr.contains("did not stop within"),
        "the mpi point was not cancelled, the grace period ended the run:\n{stderr}"
    );
    let r = results(dir.path());
    assert!(
        r["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["variant"] != "mpi"),
        "the interrupted mpi point is not recorded: {r}"
    );
    let mut left = leftover("\"seed\":4242424244");
    for _ in 0..40 {
        if left.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
        left = leftover("\"seed\":4242424244");
    }
    assert!(left.is_empty(), "processes left: {left:?}");
}
