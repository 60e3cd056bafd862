//! Fallible allocation for workloads: the inputs and outputs of a point are allocated with
//! `try_reserve`, so a size the machine cannot hold fails that point with a reason instead of
//! aborting the whole run ("memory allocation of … bytes failed"), and sizes are multiplied with
//! overflow checks. Plans are checked against the machine's memory before anything runs
//! ([`Workload::memory_bytes`](crate::Workload::memory_bytes)); this is what still fails when the
//! memory is there at planning time but not when the point runs.
#![warn(missing_docs)]

use crate::workload::WorkloadError;
use parbench_analysis::units::format_bytes;

fn cannot_allocate(bytes: u64, what: &str) -> WorkloadError {
    WorkloadError::new(format!(
        "cannot allocate {} for {what} (the machine cannot hold this size; choose a smaller one)",
        format_bytes(bytes)
    ))
}

/// A vector of `n` copies of `value`, or an error naming `what` when it cannot be allocated.
pub fn filled<T: Clone>(n: usize, value: T, what: &str) -> Result<Vec<T>, WorkloadError> {
    let bytes = (n as u64).saturating_mul(std::mem::size_of::<T>() as u64);
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| cannot_allocate(bytes, what))?;
    v.resize(n, value);
    Ok(v)
}

/// `a × b` elements as a `usize`, or an error naming `what` when the product overflows.
pub fn product(a: u64, b: u64, what: &str) -> Result<usize, WorkloadError> {
    a.checked_mul(b)
        .and_then(|p| usize::try_from(p).ok())
        .ok_or_else(|| {
            WorkloadError::new(format!(
                "{what}: {a} × {b} elements do not fit in this machine's address space"
            ))
        })
}

/// Checks that `bytes` can be allocated now, by reserving (not touching) them and handing them
/// back: a cheap probe before a workload builds inputs of that total size piece by piece.
pub fn ensure_fits(bytes: Option<u64>, what: &str) -> Result<(), WorkloadError> {
    let Some(bytes) = bytes else { return Ok(()) };
    let Ok(len) = usize::try_from(bytes) else {
        return Err(cannot_allocate(bytes, what));
    };
    let mut probe: Vec<u8> = Vec::new();
    probe
        .try_reserve_exact(len)
        .map_err(|_| cannot_allocate(bytes, what))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        // 2^50 f64s is 8 PiB: more than any address space holds.
        let e = filled(1usize << 50, 0.0f64, "the input").unwrap_err();
        assert!(
            e.message.contains("cannot allocate 8.0 PiB for the input"),
            "{e}"
        );
        assert!(ensure_fits(Some(u64::MAX), "x").is_err());
        assert!(ensure_fits(Some(1 << 20), "x").is_ok());
        assert!(ensure_fits(None, "x").is_ok());
        assert_eq!(filled(3, 7u8, "x").unwrap(), vec![7, 7, 7]);
        assert!(product(1 << 40, 1 << 40, "grid").is_err());
        assert_eq!(product(3, 4, "grid").unwrap(), 12);
    }
}
