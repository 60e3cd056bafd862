//! The CI scripts (`ci/*.sh`) parse, and pass shellcheck. The shellcheck test shows as
//! `ignored` (with how to get it) in a build that found no shellcheck, instead of passing
//! silently; `PARBENCH_REQUIRE_SHELLCHECK=1` (as in CI) makes it run and fail where it is
//! missing (see the root `build.rs`). `publish.sh` builds a static site
//! (`bench-pr.sh` runs the A/B gate: tests/ab.rs).

mod common;
use common::BASE;

/// The shell scripts of `ci/`, sorted.
fn scripts() -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir("ci")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    out.sort();
    out
}

#[test]
fn ci_scripts_parse() {
    let scripts = scripts();
    for path in &scripts {
        let st = std::process::Command::new("bash")
            .arg("-n")
            .arg(path)
            .status()
            .unwrap();
        assert!(st.success(), "bash -n {}", path.display());
    }
    assert!(
        scripts.len() >= 4,
        "bench-pr.sh, publish.sh, measure-gate.sh and measure-command.sh: {scripts:?}"
    );
}

#[test]
#[cfg_attr(
    not(parbench_shellcheck),
    ignore = "no shellcheck on PATH at build time (apt-get install shellcheck); PARBENCH_REQUIRE_SHELLCHECK=1 fails instead"
)]
fn ci_scripts_pass_shellcheck() {
    let out = match std::process::Command::new("shellcheck")
        .args(scripts())
        .output()
    {
        Ok(out) => out,
        Err(e) => panic!("shellcheck cannot run: {e} (install it: apt-get install shellcheck)"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A build that requires a system part has it: with `PARBENCH_REQUIRE_OPENCL=1` the OpenCL
/// variants must be built in (the tests that need them would otherwise be compiled out or
/// ignored, and CI would pass without ever running them).
#[test]
fn required_system_parts_are_built_in() {
    if std::env::var("PARBENCH_REQUIRE_OPENCL").is_ok_and(|v| v == "1") {
        // Read at run time (not a constant assertion): the build decides it.
        let built = std::hint::black_box(parbench_suites::opencl::BUILT_WITH_OPENCL);
        assert!(
            built,
            "PARBENCH_REQUIRE_OPENCL=1 but this build has no OpenCL: {}",
            parbench_suites::opencl::build_info()
        );
    }
}

#[test]
fn publish_script_builds_a_static_site() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    let db = dir.path().join("h.db");
    let out = std::process::Command::new("bash")
        .args(["ci/publish.sh", "--site"])
        .arg(&site)
        .args([
            "--results",
            BASE,
            "--branch",
            "main",
            "--commit",
            "abc123",
            "--db",
        ])
        .arg(&db)
        .env("PARBENCH", env!("CARGO_BIN_EXE_parbench"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for page in [
        "index.html",
        "latest/index.html",
        "latest/results.json",
        "history/index.html",
    ] {
        assert!(site.join(page).is_file(), "{page} missing");
    }
    let index = std::fs::read_to_string(site.join("index.html")).unwrap();
    assert!(index.contains("Content-Security-Policy") && index.contains("history/index.html"));
    let history = std::fs::read_to_string(site.join("history/index.html")).unwrap();
    assert!(history.contains("1 run on 1 machine"), "{history}");
}
