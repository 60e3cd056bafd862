//! Time quantities: [`Nanos`], the duration newtype every measured figure uses, and the
//! human-readable duration strings of config files (`"500ms"`, `"2s"`).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// A duration in nanoseconds, fractional so that per-iteration times of batched samples keep
/// their precision. Serialized as a plain JSON number of nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Nanos(pub f64);

impl Nanos {
    pub const ZERO: Nanos = Nanos(0.0);

    pub fn from_duration(d: Duration) -> Self {
        Nanos(d.as_secs_f64() * 1e9)
    }

    pub fn from_secs(s: f64) -> Self {
        Nanos(s * 1e9)
    }

    pub fn as_f64(self) -> f64 {
        self.0
    }

    pub fn as_secs(self) -> f64 {
        self.0 / 1e9
    }

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

/// A duration written in a config file as a number with a unit: `"250ms"`, `"2s"`, `"1.5m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SettingDuration(pub Duration);

impl SettingDuration {
    pub fn parse(text: &str) -> Result<Self, String> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| format!("`{text}` has no unit; expected e.g. \"500ms\" or \"2s\""))?;
        let (num, unit) = t.split_at(split);
        let value: f64 = num.parse().map_err(|_| {
            format!("`{text}` does not start with a number; expected e.g. \"500ms\"")
        })?;
        let scale = match unit.trim() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" | "min" => 60.0,
            other => {
                return Err(format!(
                    "unknown duration unit `{other}` in `{text}`; expected one of ns, us, ms, s, m"
                ));
            }
        };
        let secs = value * scale;
        if !secs.is_finite() || secs > 86_400.0 {
            return Err(format!("`{text}` is out of range (at most one day)"));
        }
        Ok(SettingDuration(Duration::from_secs_f64(secs)))
    }
}

impl fmt::Display for SettingDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0.as_nanos();
        if ns.is_multiple_of(1_000_000_000) {
            write!(f, "{}s", ns / 1_000_000_000)
        } else if ns.is_multiple_of(1_000_000) {
            write!(f, "{}ms", ns / 1_000_000)
        } else if ns.is_multiple_of(1_000) {
            write!(f, "{}us", ns / 1_000)
        } else {
            write!(f, "{ns}ns")
        }
    }
}

impl<'de> Deserialize<'de> for SettingDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d).map_err(|_| {
            serde::de::Error::custom("expected a duration string such as \"500ms\" or \"2s\"")
        })?;
        SettingDuration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl Serialize for SettingDuration {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(
            SettingDuration::parse("500ms").unwrap().0,
            Duration::from_millis(500)
        );
        assert_eq!(
            SettingDuration::parse("2s").unwrap().0,
            Duration::from_secs(2)
        );
        assert_eq!(
            SettingDuration::parse("1.5m").unwrap().0,
            Duration::from_secs(90)
        );
        assert_eq!(
            SettingDuration::parse("250 us").unwrap().0,
            Duration::from_micros(250)
        );
    }

    #[test]
    fn rejects_bad_durations() {
        assert!(
            SettingDuration::parse("500")
                .unwrap_err()
                .contains("no unit")
        );
        assert!(
            SettingDuration::parse("5 parsecs")
                .unwrap_err()
                .contains("unknown duration unit")
        );
        assert!(SettingDuration::parse("ms").is_err());
        assert!(SettingDuration::parse("2d").is_err());
    }

    #[test]
    fn displays_round_trip() {
        for s in ["500ms", "2s", "250us", "17ns"] {
            assert_eq!(SettingDuration::parse(s).unwrap().to_string(), s);
        }
    }

    #[test]
    fn nanos_display_picks_unit() {
        assert_eq!(Nanos(812.0).to_string(), "812 ns");
        assert_eq!(Nanos(1_250_000.0).to_string(), "1.25 ms");
        assert_eq!(Nanos(3.4e9).to_string(), "3.40 s");
        assert_eq!(Nanos(12_345.0).to_string(), "12.3 µs");
    }
}
