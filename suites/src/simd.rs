//! Runtime CPU-feature dispatch: runs a kernel compiled for the widest vector extension this CPU
//! has (AVX-512, AVX2, or the baseline), so the default build is fast on modern x86-64 and still
//! runs everywhere. The only `unsafe` of the kernels lives here.

/// The instruction set [`dispatch`] uses on this CPU.
pub fn best_level() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("avx512dq")
        {
            return "avx512";
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            return "avx2";
        }
    }
    "baseline"
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
fn run_avx512<R>(f: impl FnOnce() -> R) -> R {
    f()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn run_avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Calls `f` inside a function compiled with the best available target features. `f` should be
/// an `#[inline(always)]` kernel call so that it is compiled (vectorized) for those features.
#[inline(always)]
pub fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static LEVEL: OnceLock<&'static str> = OnceLock::new();
        match *LEVEL.get_or_init(best_level) {
            // SAFETY: best_level() checked at run time that the CPU supports avx512f and
            // avx512dq (avx512vl, avx2 and fma are implied on every CPU that has both).
            "avx512" => return unsafe { run_avx512(f) },
            // SAFETY: best_level() checked at run time that the CPU supports avx2 (fma
            // accompanies avx2 on every x86-64 CPU that has it).
            "avx2" => return unsafe { run_avx2(f) },
            _ => {}
        }
    }
    f()
}

#[cfg(test)]
mod tests {
    #[test]
    fn dispatch_returns_the_closure_value() {
        assert_eq!(super::dispatch(|| 2 + 2), 4);
        assert!(["avx512", "avx2", "baseline"].contains(&super::best_level()));
    }
}
