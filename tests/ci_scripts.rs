//! The CI scripts (`ci/*.sh`) parse, and pass shellcheck. The shellcheck test shows as
//! `ignored` (with how to get it) in a build that found no shellcheck, instead of passing
//! silently; `PARBENCH_REQUIRE_SHELLCHECK=1` (as in CI) makes it run and fail where it is
//! missing (see the root `build.rs`).

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
