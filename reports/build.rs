//! Sets the `parbench_chromium` cfg where a Chromium binary is found at build time (the places
//! `tests/browser.rs` looks: `$PARBENCH_CHROMIUM`, else `/usr/bin/chromium`,
//! `/usr/bin/chromium-browser`, `/usr/bin/google-chrome`), so that the browser tests show as
//! `ignored` with the reason in a build without it instead of passing silently. The script
//! reruns when those change. `PARBENCH_REQUIRE_CHROMIUM=1` (as in CI) sets the cfg whatever was
//! found: the tests then run and fail where Chromium is missing.

use std::path::Path;

const CANDIDATES: [&str; 3] = [
    "/usr/bin/chromium",
    "/usr/bin/chromium-browser",
    "/usr/bin/google-chrome",
];

fn main() {
    println!("cargo::rustc-check-cfg=cfg(parbench_chromium)");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PARBENCH_CHROMIUM");
    println!("cargo::rerun-if-env-changed=PARBENCH_REQUIRE_CHROMIUM");
    let required = std::env::var("PARBENCH_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    let found = match std::env::var("PARBENCH_CHROMIUM") {
        Ok(path) => Path::new(&path).is_file(),
        Err(_) => {
            // Installing or removing a package changes the directory's mtime.
            println!("cargo::rerun-if-changed=/usr/bin");
            CANDIDATES.iter().any(|p| Path::new(p).is_file())
        }
    };
    if found || required {
        println!("cargo::rustc-cfg=parbench_chromium");
    }
}
