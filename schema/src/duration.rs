//! Time quantities: [`Nanos`], the duration newtype every measured figure uses, and how it is
//! shown.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A duration in nanoseconds, fractional so that per-iteration times of batched samples keep
/// their precision. Serialized as a plain JSON number of nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nanos(
    /// Nanoseconds (may be fractional).
    pub f64,
);

impl Nanos {
    /// Zero nanoseconds.
    pub const ZERO: Nanos = Nanos(0.0);

    /// From a `std::time::Duration`.
    pub fn from_duration(d: Duration) -> Self {
        Nanos(d.as_secs_f64() * 1e9)
    }

    /// From seconds.
    pub fn from_secs(s: f64) -> Self {
        Nanos(s * 1e9)
    }

    /// The nanoseconds as a number.
    pub fn as_f64(self) -> f64 {
        self.0
    }

    /// In seconds.
    pub fn as_secs(self) -> f64 {
        self.0 / 1e9
    }

    /// As a `std::time::Duration` (negative values clamp to zero).
    pub fn as_duration(self) -> Duration {
        Duration::from_secs_f64((self.0 / 1e9).max(0.0))
    }
}

impl fmt::Display for Nanos {
    /// Three significant digits with an SI unit: `812 ns`, `1.25 ms`, `3.40 s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        let (value, unit) = if !ns.is_finite() {
            return write!(f, "{ns}");
        } else if ns.abs() < 1e3 {
            (ns, "ns")
        } else if ns.abs() < 1e6 {
            (ns / 1e3, "µs")
        } else if ns.abs() < 1e9 {
            (ns / 1e6, "ms")
        } else {
            (ns / 1e9, "s")
        };
        write!(f, "{} {unit}", three_significant(value))
    }
}

/// Formats with three significant digits (`1.23`, `12.3`, `123`).
pub fn three_significant(v: f64) -> String {
    let a = v.abs();
    if a >= 100.0 || a == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_display_picks_unit() {
        assert_eq!(Nanos(812.0).to_string(), "812 ns");
        assert_eq!(Nanos(1_250_000.0).to_string(), "1.25 ms");
        assert_eq!(Nanos(3.4e9).to_string(), "3.40 s");
        assert_eq!(Nanos(12_345.0).to_string(), "12.3 µs");
    }
}
