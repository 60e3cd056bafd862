//! Runtime CPU-feature dispatch: runs a kernel compiled for the widest vector extension this CPU
//! has (AVX-512, AVX2, or the baseline), so the default build is fast on modern x86-64 and still
//! runs everywhere. The only `unsafe` of the kernels lives here (also in what [`multiversion!`](crate::multiversion)
//! expands to).

/// The instruction sets kernels are compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// AVX-512 F, DQ and VL (with AVX2 and FMA).
    Avx512,
    /// AVX2 and FMA.
    Avx2,
    /// Whatever the build targets (SSE2 on x86-64).
    Baseline,
}

/// The instruction set [`dispatch`] and [`multiversion!`](crate::multiversion) use on this CPU (detected once).
pub fn level() -> Level {
    #[cfg(target_arch = "x86_64")]
    {
        use std::sync::OnceLock;
        static LEVEL: OnceLock<Level> = OnceLock::new();
        *LEVEL.get_or_init(|| {
            if std::arch::is_x86_feature_detected!("avx512f")
                && std::arch::is_x86_feature_detected!("avx512dq")
                && std::arch::is_x86_feature_detected!("avx512vl")
            {
                Level::Avx512
            } else if std::arch::is_x86_feature_detected!("avx2")
                && std::arch::is_x86_feature_detected!("fma")
            {
                Level::Avx2
            } else {
                Level::Baseline
            }
        })
    }
    #[cfg(not(target_arch = "x86_64"))]
    Level::Baseline
}

/// The name of [`level`]: `avx512`, `avx2` or `baseline`.
pub fn best_level() -> &'static str {
    match level() {
        Level::Avx512 => "avx512",
        Level::Avx2 => "avx2",
        Level::Baseline => "baseline",
    }
}

/// Defines a function whose body is compiled three times (for AVX-512, for AVX2 and for the
/// baseline) and runs the version for the best instruction set this CPU has. The body should
/// call `#[inline(always)]` kernels: they are inlined into each version and vectorized for its
/// instruction set. No fused multiply-add is ever formed implicitly (Rust does not contract
/// `a * b + c`), so the three versions round identically.
///
/// Arguments must have concrete types (no generics); lifetimes may be elided.
#[macro_export]
macro_rules! multiversion {
    ($(#[$attr:meta])* $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) $(-> $ret)? {
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
                fn avx512($($arg: $ty),*) $(-> $ret)? $body
                #[target_feature(enable = "avx2,fma")]
                fn avx2($($arg: $ty),*) $(-> $ret)? $body
                match $crate::simd::level() {
                    // SAFETY: level() checked at run time that this CPU supports avx512f,
                    // avx512dq and avx512vl (avx2 and fma come with them on every such CPU).
                    $crate::simd::Level::Avx512 => return unsafe { avx512($($arg),*) },
                    // SAFETY: level() checked at run time that this CPU supports avx2 and fma.
                    $crate::simd::Level::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::simd::Level::Baseline => {}
                }
            }
            $body
        }
    };
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

/// Calls `f` inside a function compiled with the best available target features. This only
/// vectorizes `f` for them when LLVM inlines the closure, which it may decline for large
/// kernels: prefer [`multiversion!`](crate::multiversion), which does not depend on that.
#[inline(always)]
pub fn dispatch<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match level() {
        // SAFETY: level() checked at run time that the CPU supports avx512f, avx512dq and
        // avx512vl (avx2 and fma are implied on every CPU that has them).
        Level::Avx512 => return unsafe { run_avx512(f) },
        // SAFETY: level() checked at run time that the CPU supports avx2 and fma.
        Level::Avx2 => return unsafe { run_avx2(f) },
        Level::Baseline => {}
    }
    f()
}

#[cfg(test)]
mod tests {
    crate::multiversion! {
        /// A doc comment passes through.
        fn sum_squares(v: &[f64]) -> f64 {
            v.iter().map(|x| x * x).sum()
        }
    }

    #[test]
    fn dispatch_returns_the_closure_value() {
        assert_eq!(super::dispatch(|| 2 + 2), 4);
        assert!(["avx512", "avx2", "baseline"].contains(&super::best_level()));
        assert_eq!(sum_squares(&[1.0, 2.0, 3.0]), 14.0);
    }
}
