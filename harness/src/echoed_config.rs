//! The config a results file echoes, read again with this parbench's config language: the
//! regression thresholds it set (`threshold-serial`, `threshold-parallel`, per suite).

use crate::config::{Config, ConfigSource};
use parbench_analysis::thresholds::ThresholdPolicy;
use parbench_schema::results::RunResults;

/// The config thresholds of `results` (read from the config text it echoes). A config that
/// no longer parses (another parbench version's keys) falls back to the defaults, with a
/// warning.
pub fn threshold_policy(results: &RunResults, label: &str) -> ThresholdPolicy {
    let echo = &results.config;
    if echo.text.trim().is_empty() {
        return ThresholdPolicy::default();
    }
    let source = ConfigSource::new(echo.path.clone(), echo.text.clone());
    match Config::parse(source, results.machine.logical_cores.max(1)) {
        Ok(config) => ThresholdPolicy::from_config(
            config.defaults.thresholds,
            config
                .suites
                .iter()
                .map(|s| (s.name.get_ref().clone(), s.thresholds)),
        ),
        Err(e) => {
            let mut policy = ThresholdPolicy::default();
            policy.warnings.push(format!(
                "cannot read thresholds from the config echoed in {label} ({e}); using the defaults (5% serial, 10% parallel)"
            ));
            policy
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_analysis::test_support::{point, run};

    #[test]
    fn thresholds_come_from_config_file_and_overrides() {
        let mut r = run(vec![
            point("pi", "serial", 1, 1000.0, 0.01, 1),
            point("pi", "rayon", 2, 520.0, 0.02, 2),
        ]);
        r.config.text = "[defaults]\nthreshold-parallel = 0.2\n[[suite]]\nworkload = \"pi\"\nthreshold-serial = 0.03\n".into();
        let policy = threshold_policy(&r, "new");
        assert!(policy.warnings.is_empty(), "{:?}", policy.warnings);
        assert_eq!(policy.for_point(&r.points[0]).value, 0.03);
        assert_eq!(policy.for_point(&r.points[1]).value, 0.2);
        assert_eq!(policy.for_point(&r.points[1]).source, "config");
        let file = parbench_analysis::thresholds::ThresholdsFile {
            points: vec![parbench_analysis::thresholds::PointThreshold {
                suite: "pi".into(),
                size: "S".into(),
                variant: "rayon".into(),
                workers: 2,
                params: String::new(),
                threshold: 0.07,
            }],
            ..Default::default()
        };
        let policy = policy.with_file(&file);
        assert_eq!(policy.for_point(&r.points[1]).value, 0.07);
        assert_eq!(policy.for_point(&r.points[0]).value, 0.03);
        let policy = policy.with_overrides(Some(0.5), None);
        assert_eq!(policy.for_point(&r.points[0]).value, 0.5);
        assert_eq!(policy.for_point(&r.points[1]).value, 0.07);

        r.config.text = "[defaults]\nfrom-the-future = 1\n".into();
        let policy = threshold_policy(&r, "new.json");
        assert_eq!(policy.warnings.len(), 1);
        assert!(policy.warnings[0].contains("new.json"));
        assert_eq!(policy.for_point(&r.points[0]).value, 0.05);
    }
}
