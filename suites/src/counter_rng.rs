//! Counter-based random numbers: value `i` of a stream is a pure function of (seed, i), so every
//! variant, whatever its chunking or device, draws exactly the same numbers for the same indices.

/// Chris Wellons' `lowbias32`: a 32-bit integer hash with low bias, cheap to vectorize (two
/// 32-bit multiplies).
#[inline(always)]
pub fn lowbias32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// SplitMix64's finalizer: a bijective 64-bit hash.
#[inline(always)]
pub fn mix64(z: u64) -> u64 {
    parbench_analysis::rng::mix64(z)
}

/// A uniform f64 in [0, 1) for index `i` of the stream `seed`.
#[inline(always)]
pub fn uniform_f64(seed: u64, i: u64) -> f64 {
    (mix64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15)) >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform u64 for index `i` of the stream `seed`.
#[inline(always)]
pub fn uniform_u64(seed: u64, i: u64) -> u64 {
    mix64(seed ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowbias32_reference_values() {
        // Computed independently with Python's arbitrary-precision integers masked to 32 bits.
        assert_eq!(lowbias32(0), 0);
        assert_eq!(lowbias32(1), 0x6889_90c0);
        assert_eq!(lowbias32(0xdead_beef), 0xe628_c683);
    }

    #[test]
    fn uniform_is_in_range_and_balanced() {
        let n = 100_000;
        let mean: f64 = (0..n).map(|i| uniform_f64(7, i)).sum::<f64>() / n as f64;
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert!((0..1000).all(|i| (0.0..1.0).contains(&uniform_f64(1, i))));
    }
}
