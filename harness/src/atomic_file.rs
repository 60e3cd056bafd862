//! Atomic file writes: write a uniquely named temporary file beside the target (`tempfile`),
//! flush it to disk, rename it over the target, then flush the directory, so that a reader never
//! sees a half-written results file, an interrupted write loses nothing that was already there,
//! concurrent writers of one target (threads or processes) never share a temporary file, and the
//! rename itself survives a crash.

use std::io::Write;
use std::path::{Path, PathBuf};

/// A file that could not be written atomically (creating its directory, writing, syncing or
/// renaming the temporary file failed).
#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {source}")]
pub struct WriteError {
    /// The target file.
    pub path: PathBuf,
    /// The failed operation's error.
    #[source]
    pub source: std::io::Error,
}

/// Atomically replaces `path` with `bytes`. The file gets the permissions a newly created file
/// gets (0666 less the umask), like `File::create`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!(".{file_name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    // Dropped on any error before `persist`: the temporary file is removed.
    let mut tmp = builder.tempfile_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    sync_dir(dir).map_err(err)
}

/// Flushes the directory entry of a rename to disk (Unix: fsync of the directory). Elsewhere
/// the rename is as durable as the platform makes it.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_content_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/results.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn error_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let e = write_atomic(&blocker.join("inner.json"), b"x").unwrap_err();
        assert!(e.to_string().contains("inner.json"), "{e}");
    }

    #[test]
    fn concurrent_writers_of_one_target_never_tear_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("results.json");
        // Each writer's content is one repeated byte, long enough to span many write calls'
        // worth of page cache: a torn file would mix bytes.
        let contents: Vec<Vec<u8>> = (0..16u8).map(|i| vec![b'a' + i; 64 * 1024]).collect();
        let done = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|s| {
            let reader = s.spawn(|| {
                let mut reads = 0;
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    if let Ok(bytes) = std::fs::read(&target) {
                        assert!(
                            contents.contains(&bytes),
                            "a torn read: {} bytes",
                            bytes.len()
                        );
                        reads += 1;
                    }
                }
                reads
            });
            let writers: Vec<_> = contents
                .iter()
                .map(|c| {
                    let target = &target;
                    s.spawn(move || {
                        for _ in 0..5 {
                            write_atomic(target, c).unwrap();
                        }
                    })
                })
                .collect();
            for w in writers {
                w.join().unwrap();
            }
            done.store(true, std::sync::atomic::Ordering::Relaxed);
            reader.join().unwrap();
        });
        assert!(contents.contains(&std::fs::read(&target).unwrap()));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["results.json"], "temporary files left behind");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_gets_the_usual_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let created = dir.path().join("created");
        std::fs::File::create(&created).unwrap();
        let atomic = dir.path().join("atomic");
        write_atomic(&atomic, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&atomic), mode(&created));
    }
}
