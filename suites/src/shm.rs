//! Shared memory between parbench and its worker processes: a file in `/dev/shm` (or the
//! temporary directory) that the parent creates and fills and every worker maps. The parent owns
//! and removes the file; a worker borrows disjoint ranges of it for one task at a time. The
//! memory-mapping `unsafe` of the crate lives here.
//!
//! On Linux the file is unlinked as soon as it is created and mapped: workers open it through
//! the parent's descriptor (`/proc/<pid>/fd/<fd>`), so nothing is left in `/dev/shm` even when
//! parbench is killed with SIGKILL (the memory goes when the last process holding it exits).

use memmap2::{MmapMut, MmapOptions, MmapRaw};
use std::fs::{File, OpenOptions};
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where shared files go: tmpfs when the system has it, else the temporary directory.
fn shared_dir() -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The parent's side: a fresh file of `f64`s, mapped read-write, removed on drop (on Linux,
/// unlinked at once; see the module documentation).
pub struct SharedFile {
    /// What workers open: the file's name, or `/proc/<pid>/fd/<fd>#<name>` once unlinked.
    path: PathBuf,
    /// Whether the name is still in the directory (removed on drop).
    linked: bool,
    map: MmapMut,
    _file: File,
}

/// Separates the descriptor path workers open from the unique name that identifies the file
/// (descriptor numbers are reused, names are not).
const PROC_NAME_SEPARATOR: char = '#';

/// The path to open for a path handed out by [`SharedFile::path`].
fn openable(path: &str) -> &str {
    match path.strip_prefix("/proc/") {
        Some(_) => path.split(PROC_NAME_SEPARATOR).next().unwrap_or(path),
        None => path,
    }
}

/// Unlinks `path`, leaving the file reachable through this process's descriptor `file`: the
/// path workers open instead, or `None` (the file stays linked) where `/proc` is not there.
#[cfg(target_os = "linux")]
fn unlink_keeping_descriptor(path: &Path, file: &File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    let fd_path = format!("/proc/{}/fd/{}", std::process::id(), file.as_raw_fd());
    if !Path::new(&fd_path).exists() {
        return None;
    }
    std::fs::remove_file(path).ok()?;
    let name = path.file_name()?.to_string_lossy();
    Some(PathBuf::from(format!(
        "{fd_path}{PROC_NAME_SEPARATOR}{name}"
    )))
}

#[cfg(not(target_os = "linux"))]
fn unlink_keeping_descriptor(_path: &Path, _file: &File) -> Option<PathBuf> {
    None
}

impl std::fmt::Debug for SharedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedFile")
            .field("path", &self.path)
            .field("bytes", &self.map.len())
            .finish()
    }
}

impl SharedFile {
    /// Creates a file of `len` zeroed `f64`s with a name no other file has.
    pub fn create(len: usize) -> io::Result<SharedFile> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let bytes = len
            .checked_mul(8)
            .filter(|&b| b > 0)
            .ok_or_else(|| io::Error::other(format!("cannot share {len} values")))?;
        let path = shared_dir().join(format!(
            "parbench-{}-{}.shm",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options
            .open(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))?;
        let remove = |e: io::Error| {
            let _ = std::fs::remove_file(&path);
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        };
        file.set_len(bytes as u64).map_err(remove)?;
        // SAFETY: the file was just created by this process (create_new, mode 0600, a name
        // with our pid and a counter) and is never truncated while mapped. Besides us, only our
        // worker processes write to it, and only while the parent is not reading the mapping:
        // a worker writes its task's output range between receiving the task and sending its
        // result, while `SharedFile` is borrowed by the batch that waits for those results.
        let map = unsafe { MmapOptions::new().len(bytes).map_mut(&file) }.map_err(remove)?;
        let (path, linked) = match unlink_keeping_descriptor(&path, &file) {
            Some(fd_path) => (fd_path, false),
            None => (path, true),
        };
        Ok(SharedFile {
            path,
            linked,
            map,
            _file: file,
        })
    }

    /// What workers open ([`SharedView::open`]): the file's name, or
    /// `/proc/<pid>/fd/<fd>#<name>` once it is unlinked.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The whole file as `f64`s (page-aligned, so the cast cannot fail).
    pub fn values(&self) -> &[f64] {
        bytemuck::cast_slice(&self.map[..])
    }

    /// The whole file as `f64`s, writable (the parent fills inputs before a batch).
    pub fn values_mut(&mut self) -> &mut [f64] {
        bytemuck::cast_slice_mut(&mut self.map[..])
    }
}

impl Drop for SharedFile {
    fn drop(&mut self) {
        if self.linked {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// A worker's side: the parent's file mapped whole, lent out range by range.
pub struct SharedView {
    path: String,
    map: MmapRaw,
    values: usize,
}

impl std::fmt::Debug for SharedView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedView")
            .field("path", &self.path)
            .field("values", &self.values)
            .finish()
    }
}

/// Why a shared file could not be mapped or lent.
#[derive(Debug, thiserror::Error)]
pub enum ShmError {
    /// Opening, sizing or mapping the file failed.
    #[error("cannot {doing} the shared file {path}: {source}")]
    Io {
        /// `open`, `read the size of` or `map`.
        doing: &'static str,
        /// The file.
        path: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The file is shorter than the task needs.
    #[error("the shared file {path} holds {len} bytes, the task needs {need}")]
    TooSmall {
        /// The file.
        path: String,
        /// Its length in bytes.
        len: u64,
        /// The bytes the task needs.
        need: u64,
    },
    /// A range lies outside the file.
    #[error("range {range:?} does not fit a shared file of {values} values")]
    OutOfBounds {
        /// The range, in `f64` indices.
        range: Range<usize>,
        /// The file's length in `f64` values.
        values: usize,
    },
    /// An input range overlaps the output range.
    #[error("ranges {input:?} and {output:?} overlap")]
    Overlap {
        /// The input range.
        input: Range<usize>,
        /// The output range.
        output: Range<usize>,
    },
}

impl SharedView {
    /// Maps the file at `path`, which must hold at least `values` `f64`s.
    pub fn open(path: &str, values: usize) -> Result<SharedView, ShmError> {
        let io = |doing: &'static str| {
            move |source| ShmError::Io {
                doing,
                path: path.to_string(),
                source,
            }
        };
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(openable(path))
            .map_err(io("open"))?;
        let len = file.metadata().map_err(io("read the size of"))?.len();
        let need = (values as u64).saturating_mul(8);
        if len < need || need == 0 {
            return Err(ShmError::TooSmall {
                path: path.to_string(),
                len,
                need,
            });
        }
        let map = MmapOptions::new()
            .len(need as usize)
            .map_raw(&file)
            .map_err(io("map"))?;
        Ok(SharedView {
            path: path.to_string(),
            map,
            values,
        })
    }

    /// The path this view was opened with (as the parent's [`SharedFile::path`] gave it).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The length of the mapping, in `f64` values.
    pub fn values(&self) -> usize {
        self.values
    }

    /// Lends `input` (read) and `output` (written) of the file, in `f64` indices, for one task.
    /// The ranges must lie inside the file and must not overlap.
    pub fn split(
        &mut self,
        input: Range<usize>,
        output: Range<usize>,
    ) -> Result<(&[f64], &mut [f64]), ShmError> {
        let (mut inputs, out) = self.lend(std::slice::from_ref(&input), output)?;
        Ok((inputs.remove(0), out))
    }

    /// Lends several `inputs` (read; they may overlap each other) and one `output` (written), in
    /// `f64` indices, for one task. Every range must lie inside the file and no input may
    /// overlap the output.
    pub fn lend(
        &mut self,
        inputs: &[Range<usize>],
        output: Range<usize>,
    ) -> Result<(Vec<&[f64]>, &mut [f64]), ShmError> {
        let inside = |r: &Range<usize>| r.start <= r.end && r.end <= self.values;
        if let Some(bad) = inputs.iter().chain([&output]).find(|r| !inside(r)) {
            return Err(ShmError::OutOfBounds {
                range: bad.clone(),
                values: self.values,
            });
        }
        if let Some(clash) = inputs
            .iter()
            .find(|i| i.start < output.end && output.start < i.end)
        {
            return Err(ShmError::Overlap {
                input: clash.clone(),
                output,
            });
        }
        let base = self.map.as_mut_ptr().cast::<f64>();
        // SAFETY: the mapping is page-aligned and `values * 8` bytes long, so every range (checked
        // above to lie inside it, the output overlapping no input) is an aligned, in-bounds `f64`
        // slice for as long as `self` is mutably borrowed (the mapping lives as long as `self`).
        // Inputs are only read, so they may overlap each other. By the protocol between parbench
        // and its workers, nobody writes an input range while a task runs, and only this worker
        // writes the output range until it sends the task's result; the parent reads it only
        // afterwards. So no slice is aliased by a conflicting access.
        unsafe {
            let ins = inputs
                .iter()
                .map(|r| std::slice::from_raw_parts(base.add(r.start), r.len()))
                .collect();
            Ok((
                ins,
                std::slice::from_raw_parts_mut(base.add(output.start), output.len()),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_and_view_see_the_same_values_and_the_file_goes_away() {
        let mut f = SharedFile::create(8).unwrap();
        let path = f.path().to_path_buf();
        f.values_mut()[..4].copy_from_slice(&[1.0, 2.0, 3.0, 4.0]);
        {
            let mut v = SharedView::open(path.to_str().unwrap(), 8).unwrap();
            let (x, y) = v.split(0..4, 4..8).unwrap();
            for (y, x) in y.iter_mut().zip(x) {
                *y = x * x;
            }
            assert!(matches!(
                v.split(0..4, 2..6),
                Err(ShmError::Overlap { input, output }) if input == (0..4) && output == (2..6)
            ));
            let e = v.split(0..4, 6..9).unwrap_err();
            assert!(matches!(e, ShmError::OutOfBounds { values: 8, .. }), "{e}");
            assert_eq!(
                e.to_string(),
                "range 6..9 does not fit a shared file of 8 values"
            );
            let (ins, out) = v.lend(&[0..2, 1..4], 4..5).unwrap();
            assert_eq!((ins[0], ins[1].len(), out.len()), (&[1.0, 2.0][..], 3, 1));
        }
        assert_eq!(&f.values()[4..], &[1.0, 4.0, 9.0, 16.0]);
        let text = path.to_str().unwrap();
        let name = text.rsplit([PROC_NAME_SEPARATOR, '/']).next().unwrap();
        assert!(
            name.starts_with("parbench-") && name.ends_with(".shm"),
            "{name}"
        );
        let in_dir = || shared_dir().join(name).exists();
        if cfg!(target_os = "linux") {
            // Unlinked at once: a SIGKILL leaves nothing behind.
            assert!(text.starts_with("/proc/"), "{text}");
            assert!(!in_dir());
        }
        drop(f);
        assert!(!in_dir());
    }

    #[test]
    fn a_file_too_small_for_the_task_is_refused() {
        let f = SharedFile::create(4).unwrap();
        let e = SharedView::open(f.path().to_str().unwrap(), 5).unwrap_err();
        assert!(e.to_string().contains("the task needs 40"), "{e}");
        let e = SharedView::open("/nonexistent/parbench.shm", 1).unwrap_err();
        assert!(matches!(&e, ShmError::Io { doing: "open", .. }), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }
}
