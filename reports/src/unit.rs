//! The unit of a metric, as the renderer tells units apart. The results schema stores a
//! metric's unit as text (`"ns"`, `"B"`, `""`, or a workload's own such as `"increments"`), so
//! files stay as they are; the renderer parses it once into [`MetricUnit`] and formats by
//! variant, never by comparing strings. A dimensionless value is a plain [`number`] (which
//! `format` re-exports for tables).

use std::fmt;

/// A metric's unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricUnit<'a> {
    /// `"ns"`: shown as a duration (`1.50 µs`).
    Nanoseconds,
    /// `"B"`: shown with a binary prefix (`50.0 MiB`).
    Bytes,
    /// `""`: a plain number (an error, a ratio, a count without a name).
    Dimensionless,
    /// A workload's own unit (`increments`, `samples/s`): shown after the number.
    Other(&'a str),
}

impl<'a> MetricUnit<'a> {
    /// The unit a results file names.
    pub fn parse(text: &'a str) -> MetricUnit<'a> {
        match text {
            "ns" => MetricUnit::Nanoseconds,
            "B" => MetricUnit::Bytes,
            "" => MetricUnit::Dimensionless,
            other => MetricUnit::Other(other),
        }
    }

    /// The unit as a results file writes it.
    pub fn as_str(self) -> &'a str {
        match self {
            MetricUnit::Nanoseconds => "ns",
            MetricUnit::Bytes => "B",
            MetricUnit::Dimensionless => "",
            MetricUnit::Other(u) => u,
        }
    }

    /// `value` in this unit, for a reader: durations and byte counts with readable prefixes.
    pub fn format(self, value: f64) -> String {
        match self {
            MetricUnit::Nanoseconds => parbench_schema::Nanos(value).to_string(),
            MetricUnit::Bytes => {
                let mut v = value;
                let mut i = 0;
                const PREFIXED: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
                while v.abs() >= 1024.0 && i + 1 < PREFIXED.len() {
                    v /= 1024.0;
                    i += 1;
                }
                format!(
                    "{} {}",
                    parbench_schema::duration::three_significant(v),
                    PREFIXED[i]
                )
            }
            MetricUnit::Dimensionless => number(value),
            MetricUnit::Other(u) => format!("{} {u}", number(value)),
        }
    }
}

impl fmt::Display for MetricUnit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A plain number for tables: up to six significant digits, scientific notation outside
/// [0.001, 1e6), trailing zeros dropped.
pub fn number(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.4e}");
    }
    let decimals = (5 - a.log10().floor() as i32).clamp(0, 8) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_it_writes() {
        for text in ["ns", "B", "", "increments", "samples/s"] {
            assert_eq!(MetricUnit::parse(text).as_str(), text);
        }
        assert_eq!(MetricUnit::parse("ns"), MetricUnit::Nanoseconds);
        assert_eq!(MetricUnit::parse("B"), MetricUnit::Bytes);
        assert_eq!(MetricUnit::parse("b"), MetricUnit::Other("b"));
    }

    #[test]
    fn formats_by_unit() {
        assert_eq!(MetricUnit::Bytes.format(50.0 * 1024.0 * 1024.0), "50.0 MiB");
        assert_eq!(MetricUnit::Bytes.format(512.0), "512 B");
        assert_eq!(MetricUnit::Nanoseconds.format(1500.0), "1.50 µs");
        assert_eq!(MetricUnit::Dimensionless.format(0.97), "0.97");
        assert_eq!(MetricUnit::Other("increments").format(3.0), "3 increments");
    }
}
