//! The cache of this machine's [`Calibration`] (measured by `parbench calibrate`, see
//! `parbench-suites`): one file per machine fingerprint in the user's cache directory. The record
//! and its bound arithmetic are part of the results schema (`parbench_schema::calibration`).

use parbench_schema::calibration::{CALIBRATION_VERSION, Calibration};
use std::path::{Path, PathBuf};

/// Why a cached calibration could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Neither `XDG_CACHE_HOME` nor `HOME` is set.
    #[error("no cache directory: neither XDG_CACHE_HOME nor HOME is set")]
    NoCacheDir,
    /// The cache file exists but could not be read.
    #[error("cannot read the calibration {path}: {source}")]
    Read {
        /// The cache file.
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The cache file is not a calibration record this parbench reads.
    #[error(
        "the cached calibration {path} cannot be used ({message}); run `parbench calibrate --recalibrate`"
    )]
    Parse {
        /// The cache file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The record could not be written to the cache.
    #[error(transparent)]
    Write(#[from] crate::atomic_file::WriteError),
}

/// `$XDG_CACHE_HOME/parbench`, else `~/.cache/parbench`.
pub fn cache_dir() -> Result<PathBuf, CacheError> {
    match std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        Some(x) => Ok(PathBuf::from(x).join("parbench")),
        None => std::env::var_os("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".cache").join("parbench"))
            .ok_or(CacheError::NoCacheDir),
    }
}

/// The cache file of a machine id in `dir`.
pub fn cache_file(dir: &Path, machine_id: &str) -> PathBuf {
    let safe: String = machine_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    dir.join(format!("calibration-{safe}.json"))
}

/// The cached calibration of `machine_id` in `dir`: `Ok(None)` when there is none (or it is of
/// another version or machine, and must be measured again).
pub fn load_cached(dir: &Path, machine_id: &str) -> Result<Option<Calibration>, CacheError> {
    let path = cache_file(dir, machine_id);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(CacheError::Read { path, source }),
    };
    let c: Calibration = serde_json::from_str(&text).map_err(|e| CacheError::Parse {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok((c.version == CALIBRATION_VERSION && c.machine_id == machine_id).then_some(c))
}

/// Writes `c` to its cache file in `dir` (atomically); returns the path.
pub fn store(dir: &Path, c: &Calibration) -> Result<PathBuf, CacheError> {
    let path = cache_file(dir, &c.machine_id);
    let mut text = serde_json::to_string_pretty(c).expect("calibration serializes");
    text.push('\n');
    crate::atomic_file::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Calibration {
        parbench_schema::calibration::example()
    }

    #[test]
    fn the_cache_round_trips_per_machine() {
        let dir = tempfile::tempdir().unwrap();
        let c = sample();
        assert!(load_cached(dir.path(), "abc").unwrap().is_none());
        let path = store(dir.path(), &c).unwrap();
        assert!(path.ends_with("calibration-abc.json"));
        assert_eq!(load_cached(dir.path(), "abc").unwrap(), Some(c));
        assert!(load_cached(dir.path(), "other").unwrap().is_none());
    }
}
