//! Helpers every CLI test file shares: the binary with colour off, and writing a config.
// Each test file is its own crate and uses only some of these.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::{Path, PathBuf};

/// The `parbench` binary under test, with `NO_COLOR` set.
pub(crate) fn parbench() -> Command {
    let mut c = Command::cargo_bin("parbench").unwrap();
    c.env("NO_COLOR", "1");
    c
}

/// Writes `text` to `dir/name` and returns the path.
pub(crate) fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}
