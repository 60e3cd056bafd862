//! The shared-memory transport leaves nothing in `/dev/shm`, even when parbench is killed with
//! SIGKILL in the middle of a point (no chance to clean up).
#![cfg(target_os = "linux")]

mod common;
use common::{spawn_run, workers_of};

use std::path::Path;
use std::time::{Duration, Instant};

/// Files of parbench `pid` in `/dev/shm`.
fn shm_files_of(pid: u32) -> Vec<String> {
    let prefix = format!("parbench-{pid}-");
    std::fs::read_dir("/dev/shm")
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(&prefix))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_killed_shm_run_leaves_no_file_in_dev_shm() {
    if !Path::new("/dev/shm").is_dir() {
        eprintln!("skipped: no /dev/shm here");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("shm.toml");
    std::fs::write(
        &cfg,
        "[defaults]\nwarmup = \"10ms\"\nbudget = \"120s\"\nmin-samples = 100000\nmax-samples = 100000\nworkers = [2]\n[[suite]]\nworkload = \"square\"\nsizes = [200000]\nvariants = [\"processes-pool\"]\n[suite.params]\ntransport = \"shm\"\n",
    )
    .unwrap();
    let mut child = spawn_run(&cfg, &dir.path().join("out"), false);
    let pid = child.id();
    // Wait until a worker has the shared file mapped: the point is under way.
    let mapped = |w: u32| {
        std::fs::read_to_string(format!("/proc/{w}/maps"))
            .is_ok_and(|m| m.contains(&format!("parbench-{pid}-")))
    };
    let started = Instant::now();
    while !workers_of(pid).into_iter().any(mapped) {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no worker mapped the shared file"
        );
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The workers follow their parent (parent-death signal); then nothing may be left.
    let killed = Instant::now();
    while !workers_of(pid).is_empty() && killed.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(shm_files_of(pid), Vec::<String>::new());
}
