//! Timeouts and Ctrl-C of in-process points: an iteration that would never end fails its point
//! at the timeout (the run goes on with the next point), and Ctrl-C ends a run within about a
//! second with the points measured before it.

mod common;
use common::{run_config, write};
use parbench_analysis::results_io::ResultsFile;
use parbench_schema::results::{RunResults, Status};
use std::time::{Duration, Instant};

const FAST: &str = "[defaults]\nwarmup = \"1ms\"\nmin-samples = 2\nmax-samples = 3\nbudget = \"10ms\"\nrepetitions = 1\nworkers = [2]\n";

#[test]
fn never_ending_points_fail_at_their_timeout_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    // counter's reference is n itself: the variants' kernels are what runs forever. pi's
    // reference counts every sample: there the reference times out, failing its points.
    let cfg = write(
        dir.path(),
        "endless.toml",
        &format!(
            "{FAST}timeout = \"2s\"\n\n[[suite]]\nname = \"endless\"\nworkload = \"counter\"\nsizes = [1000000000000000000]\nvariants = [\"serial\", \"threads\", \"rayon\"]\n\n[[suite]]\nname = \"endless-pi\"\nworkload = \"pi\"\nsizes = [1000000000000000000]\nvariants = [\"serial\", \"threads\", \"rayon\"]\n\n[[suite]]\nname = \"after\"\nworkload = \"pi\"\nsizes = [\"XS\"]\nvariants = [\"serial\"]\n"
        ),
    );
    let started = Instant::now();
    let output = run_config(&cfg, &out, Duration::from_secs(120));
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    eprintln!("the run of 3 + 1 timed-out points and 1 fast point took {took:?}");
    // Three kernels and one reference, each cut at 2 s, plus start-up and the fast point.
    assert!(took < Duration::from_secs(20), "{took:?}\n{stderr}");
    let r = RunResults::load(&out.join("latest/results.json")).expect("a valid results file");
    assert!(r.complete);
    for v in ["serial", "threads", "rayon"] {
        let p = r
            .points
            .iter()
            .find(|p| p.suite == "endless" && p.variant == v)
            .unwrap();
        assert_eq!(p.status, Status::Failed, "{v}");
        assert_eq!(
            p.reason.as_deref(),
            Some("timed out after 2 s in the first run"),
            "{v}"
        );
        let p = r
            .points
            .iter()
            .find(|p| p.suite == "endless-pi" && p.variant == v)
            .unwrap();
        assert_eq!(p.status, Status::Failed, "{v}");
        assert_eq!(
            p.reason.as_deref(),
            Some("the reference computation timed out after 2 s"),
            "{v}"
        );
    }
    let after = r.points.iter().find(|p| p.suite == "after").unwrap();
    assert_eq!(after.status, Status::Ok);
}

#[test]
fn a_timeout_under_a_second_cuts_the_point_as_promptly() {
    // About a minute of increments against a timeout of 50 ms.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = write(
        dir.path(),
        "tiny.toml",
        &format!(
            "{FAST}timeout = \"50ms\"\n\n[[suite]]\nname = \"tiny\"\nworkload = \"counter\"\nsizes = [100000000000]\nvariants = [\"serial\"]\n"
        ),
    );
    let started = Instant::now();
    let output = run_config(&cfg, &out, Duration::from_secs(60));
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(3), "{stderr}");
    eprintln!("a run with one 50 ms timeout took {took:?}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let r = RunResults::load(&out.join("latest/results.json")).unwrap();
    let p = &r.points[0];
    assert_eq!(p.status, Status::Failed);
    assert_eq!(
        p.reason.as_deref(),
        Some("timed out after 50 ms in the first run")
    );
}

#[test]
fn ctrl_c_ends_a_never_ending_point_within_a_second_or_two() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let cfg = write(
        dir.path(),
        "endless.toml",
        &format!(
            "{FAST}timeout = \"600s\"\n\n[[suite]]\nname = \"before\"\nworkload = \"pi\"\nsizes = [\"XS\"]\nvariants = [\"serial\"]\n\n[[suite]]\nname = \"endless\"\nworkload = \"counter\"\nsizes = [1000000000000000000]\nvariants = [\"rayon\"]\n"
        ),
    );
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_parbench"))
        .args(["run", "--no-calibrate", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Wait until the first point is checkpointed; the endless one runs next.
    let started = Instant::now();
    while RunResults::load(&out.join("latest/results.json")).map_or(0, |r| r.points.len()) < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run never reached the endless point"
        );
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
    eprintln!("Ctrl-C to exit: {latency:?}");
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    // The point stops at its next poll; the results and reports are then written.
    assert!(latency < Duration::from_secs(3), "{latency:?}\n{stderr}");
    assert!(
        !stderr.contains("did not stop within"),
        "the point was not cancelled, the grace period ended the run:\n{stderr}"
    );
    let r = RunResults::load(&out.join("latest/results.json")).expect("a valid results file");
    assert!(!r.complete);
    assert_eq!(r.points.len(), 1, "the interrupted point is not recorded");
    assert_eq!(r.points[0].status, Status::Ok);
    assert!(out.join("latest/index.html").exists());
}
