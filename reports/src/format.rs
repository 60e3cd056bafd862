//! Number formatting shared by every output: SI-prefixed throughput, ratios and percentages.

use crate::unit::MetricUnit;

/// `1.23 G` style: three significant digits with an SI prefix.
pub fn si(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return format!("{value} {unit}");
    }
    let prefixes = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")];
    for (scale, p) in prefixes {
        if value.abs() >= scale {
            return format!(
                "{} {p}{unit}",
                parbench_schema::duration::three_significant(value / scale)
            );
        }
    }
    format!(
        "{} {unit}",
        parbench_schema::duration::three_significant(value)
    )
}

/// A throughput unit such as `B/s` with the prefix inside: `12.3 GB/s`, `2.10 Gsamples/s`.
pub fn throughput(value: f64, unit: &str) -> String {
    si(value, unit)
}

// Lives in `unit` (a dimensionless metric is shown this way), re-exported here for the tables.
pub use crate::unit::number;

/// A metric value with its unit as a results file names it: bytes and nanoseconds get readable
/// prefixes (see [`MetricUnit`]).
pub fn metric(value: f64, unit: &str) -> String {
    MetricUnit::parse(unit).format(value)
}

/// A byte count with a binary prefix: `50.0 MiB`.
pub fn bytes(value: f64) -> String {
    MetricUnit::Bytes.format(value)
}

/// An integer with thousands separators: `1,000,000`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Two decimals: the ends of a speedup interval.
pub fn number2(v: f64) -> String {
    format!("{v:.2}")
}

/// A ratio with two decimals and a times sign: `1.85×`.
pub fn ratio(v: f64) -> String {
    format!("{v:.2}×")
}

/// A percentage without decimals above 10%: `62%`, `4.5%` (bounds are not that precise).
pub fn percent_short(v: f64) -> String {
    if v.abs() >= 0.1 {
        format!("{:.0}%", v * 100.0)
    } else {
        percent(v)
    }
}

/// A fraction as a percentage with one decimal: `0.625` → `62.5%`.
pub fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn si_prefixes() {
        assert_eq!(si(12_345_678_900.0, "B/s"), "12.3 GB/s");
        assert_eq!(si(950.0, "samples/s"), "950 samples/s");
        assert_eq!(si(2.1e9, "samples/s"), "2.10 Gsamples/s");
        assert_eq!(ratio(1.956), "1.96×");
        assert_eq!(percent(0.0234), "2.3%");
        assert_eq!(grouped(100_000_000), "100,000,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(number(1.5), "1.5");
        assert_eq!(number(0.000012), "1.2000e-5");
        assert_eq!(number(123.456789), "123.457");
        assert_eq!(number(std::f64::consts::PI), "3.14159");
        assert_eq!(number(0.97), "0.97");
        assert_eq!(number(2e7), "2.0000e7");
        assert_eq!(metric(50.0 * 1024.0 * 1024.0, "B"), "50.0 MiB");
        assert_eq!(metric(1500.0, "ns"), "1.50 µs");
        assert_eq!(metric(3.0, "increments"), "3 increments");
    }
}
