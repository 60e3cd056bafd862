//! Facts about the workspace that a newcomer relies on: the declared minimum Rust version is the
//! real one (no dependency needs a newer compiler, and no lower version would do), and the
//! licence files `Cargo.toml` names exist.

use std::path::Path;

fn version(text: &str) -> Vec<u32> {
    text.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

#[test]
fn rust_version_is_the_real_minimum() {
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap();
    let declared = manifest
        .lines()
        .find_map(|l| l.strip_prefix("rust-version = "))
        .expect("the workspace declares rust-version")
        .trim_matches('"')
        .to_string();
    let out = std::process::Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (needed, by) = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["name"].as_str().unwrap().starts_with("parbench"))
        .filter_map(|p| {
            Some((
                version(p["rust_version"].as_str()?),
                format!("{} {}", p["name"].as_str()?, p["version"].as_str()?),
            ))
        })
        .max()
        .unwrap();
    assert_eq!(
        version(&declared),
        needed,
        "Cargo.toml declares rust-version {declared}, but the newest compiler a dependency needs is {needed:?} ({by})"
    );
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert!(
        readme.contains(&format!("Rust {declared}")),
        "the README must name the minimum Rust version {declared}"
    );
}

#[test]
fn the_licence_files_exist() {
    let manifest = std::fs::read_to_string("Cargo.toml").unwrap();
    assert!(manifest.contains("license = \"MIT OR Apache-2.0\""));
    for f in ["LICENSE-MIT", "LICENSE-APACHE"] {
        let text = std::fs::read_to_string(Path::new(f)).unwrap_or_default();
        assert!(text.len() > 500, "{f} is missing or empty");
    }
}
