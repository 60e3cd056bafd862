//! Number formatting shared by every output: SI-prefixed throughput, ratios and percentages.

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
                parbench_harness::duration::three_significant(value / scale)
            );
        }
    }
    format!(
        "{} {unit}",
        parbench_harness::duration::three_significant(value)
    )
}

/// A throughput unit such as `B/s` with the prefix inside: `12.3 GB/s`, `2.10 Gsamples/s`.
pub fn throughput(value: f64, unit: &str) -> String {
    si(value, unit)
}

pub fn ratio(v: f64) -> String {
    format!("{v:.2}×")
}

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
    }
}
