//! Export to the Bencher Metric Format (BMF): a JSON object from benchmark name to measures;
//! here the `latency` measure in nanoseconds with the 95% interval as lower and upper values.

use super::{benchmark_name, exportable};
use parbench_schema::results::RunResults;
use serde_json::{Map, Value, json};

/// The run as BMF JSON (only verified points).
pub fn to_bmf(results: &RunResults) -> Value {
    let mut out = Map::new();
    for p in exportable(results) {
        let m = p
            .measurement
            .as_ref()
            .expect("exportable points are measured");
        out.insert(
            benchmark_name(p),
            json!({
                "latency": {
                    "value": m.stats.median.0,
                    "lower_value": m.stats.ci_low.0,
                    "upper_value": m.stats.ci_high.0,
                }
            }),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{point, run};

    #[test]
    fn latency_with_interval_per_point() {
        let mut failed = point("pi", "threads", 2, 500.0, 0.01, 2);
        failed.status = parbench_schema::results::Status::Failed;
        let r = run(vec![point("pi", "serial", 1, 1000.0, 0.01, 1), failed]);
        let v = to_bmf(&r);
        let obj = v.as_object().unwrap();
        assert_eq!(obj.len(), 1, "failed points are not exported");
        let lat = &v["pi/S/serial/w1"]["latency"];
        let value = lat["value"].as_f64().unwrap();
        assert!((value - 1000.0).abs() < 20.0);
        assert!(lat["lower_value"].as_f64().unwrap() <= value);
        assert!(lat["upper_value"].as_f64().unwrap() >= value);
    }
}
