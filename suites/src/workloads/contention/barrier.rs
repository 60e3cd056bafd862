//! An optimization barrier kept in registers: [`opaque`] returns its input unchanged in a way
//! the compiler cannot see through. `std::hint::black_box` does the same through a stack slot,
//! whose store and reload sit inside every measured critical section and, depending on where
//! the stack lands relative to the shared data (4 KiB aliasing), cost a varying amount from one
//! process to the next.

/// `k`, after `observed` (a shared value just read) exists: work started from the result can
/// neither be computed before that read (out of a critical section) nor folded away.
#[inline(always)]
pub(crate) fn opaque(k: u64, observed: u64) -> u64 {
    #[cfg(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64"
    ))]
    {
        let mut k = k;
        // SAFETY: the assembly is empty: it reads and writes only the two registers it names,
        // touches no memory (`nomem`), no stack (`nostack`) and no flags (`preserves_flags`).
        // It only hides from the compiler that `k` comes out unchanged and that `observed` is
        // not used.
        unsafe {
            core::arch::asm!(
                "/* {0} {1} */",
                inout(reg) k,
                in(reg) observed,
                options(nomem, nostack, preserves_flags)
            );
        }
        k
    }
    #[cfg(not(any(
        target_arch = "x86_64",
        target_arch = "aarch64",
        target_arch = "riscv64",
        target_arch = "loongarch64"
    )))]
    {
        std::hint::black_box((k, observed)).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_its_input() {
        for (k, o) in [(0, 0), (7, 99), (u64::MAX, 1)] {
            assert_eq!(opaque(k, o), k);
        }
    }
}
