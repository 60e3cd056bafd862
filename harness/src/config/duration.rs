//! The durations of config files: a number with a unit, `"500ms"`, `"2s"`, `"1.5m"`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// Why a duration string cannot be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DurationError {
    /// A number without a unit (`"500"`), or nothing at all (the text).
    #[error("`{0}` has no unit; expected e.g. \"500ms\" or \"2s\"")]
    NoUnit(String),
    /// The part before the unit is not a number.
    #[error("`{text}` does not start with a number; expected e.g. \"500ms\"")]
    NotANumber {
        /// The duration as written.
        text: String,
        /// The number parser's error.
        source: std::num::ParseFloatError,
    },
    /// A unit other than ns, us (µs), ms, s, m (min).
    #[error("unknown duration unit `{unit}` in `{text}`; expected one of ns, us, ms, s, m")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The duration as written.
        text: String,
    },
    /// Longer than one day, or not finite (the text).
    #[error("`{0}` is out of range (at most one day)")]
    OutOfRange(String),
}

/// A duration written in a config file as a number with a unit: `"250ms"`, `"2s"`, `"1.5m"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SettingDuration(
    /// The duration.
    pub Duration,
);

impl SettingDuration {
    /// Parses `"500ms"`, `"2s"`, `"1.5m"` (units ns, us, ms, s, m; at most one day).
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let t = text.trim();
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(|| DurationError::NoUnit(text.to_string()))?;
        let (num, unit) = t.split_at(split);
        let value: f64 = num.parse().map_err(|source| DurationError::NotANumber {
            text: text.to_string(),
            source,
        })?;
        let scale = match unit.trim() {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" | "min" => 60.0,
            other => {
                return Err(DurationError::UnknownUnit {
                    unit: other.to_string(),
                    text: text.to_string(),
                });
            }
        };
        let secs = value * scale;
        if !secs.is_finite() || secs > 86_400.0 {
            return Err(DurationError::OutOfRange(text.to_string()));
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
                .to_string()
                .contains("no unit")
        );
        assert!(
            SettingDuration::parse("5 parsecs")
                .unwrap_err()
                .to_string()
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
}
