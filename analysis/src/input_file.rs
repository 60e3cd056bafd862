//! Reading the files a user hands parbench (configs, results, thresholds, imported benchmark
//! files) with two guards: only regular files (a FIFO would block, `/dev/zero` never ends) and
//! at most a size limit per kind of file (read until memory runs out otherwise).

use std::io::{self, Read};
use std::path::Path;

/// The largest config or thresholds file read (a config of a few thousand sweep values is
/// well under 100 KiB).
pub const MAX_CONFIG_BYTES: u64 = 4 << 20;

/// The largest results file read (a run at the plan limit of 10,000 points with every sample
/// is a few hundred MiB).
pub const MAX_RESULTS_BYTES: u64 = 2 << 30;

/// Reads `path` as UTF-8 text: a regular file of at most `limit` bytes. The error says which
/// guard refused it.
pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let what = if meta.is_dir() {
            "a directory"
        } else {
            "not a regular file (a FIFO, socket or device)"
        };
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("it is {what}; expected a regular file"),
        ));
    }
    let too_large = |size: u64| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "it is {}, more than the {} such a file may have",
                crate::units::format_bytes(size),
                crate::units::format_bytes(limit)
            ),
        )
    };
    if meta.len() > limit {
        return Err(too_large(meta.len()));
    }
    let mut text = String::new();
    // The file may grow after the check: read one byte past the limit at most.
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(too_large(text.len() as u64));
    }
    Ok(text)
}

/// 1-based line and column (in characters) of byte `offset` in `text` (for errors that name
/// where in a file something is wrong).
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.toml");
        std::fs::write(&f, "x = 1\n").unwrap();
        assert_eq!(read_text(&f, 100).unwrap(), "x = 1\n");
        let e = read_text(&f, 3).unwrap_err();
        assert!(e.to_string().contains("more than the 3 B"), "{e}");
        let e = read_text(dir.path(), 100).unwrap_err();
        assert!(e.to_string().contains("a directory"), "{e}");
        #[cfg(unix)]
        {
            let e = read_text(Path::new("/dev/zero"), 100).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }
}
