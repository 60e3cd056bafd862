//! Regression thresholds: how large a slowdown of each point counts as a regression. Resolved,
//! highest precedence first, from command-line overrides, a thresholds file (written by
//! `parbench ab --aa` from this machine's measured noise), the config's per-suite keys
//! `threshold-serial` / `threshold-parallel`, and the defaults (5% serial, 10% parallel).

use parbench_schema::results::{ExecutionModel, Point, PointKey};
use parbench_schema::variant::VariantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Regression thresholds of `parbench compare` and `parbench ab`, as fractions: a point has
/// regressed when the whole confidence interval of its time ratio (new / base) lies above
/// 1 + threshold. Config keys `threshold-serial` and `threshold-parallel`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RegressionThresholds {
    /// For variants of the serial execution model (and imported external benchmarks).
    pub serial: f64,
    /// For every other variant: parallel runs are noisier.
    pub parallel: f64,
}

impl Default for RegressionThresholds {
    fn default() -> Self {
        RegressionThresholds {
            serial: 0.05,
            parallel: 0.10,
        }
    }
}

impl RegressionThresholds {
    /// These thresholds with `serial` and `parallel` (fractions) where given.
    pub fn with(self, serial: Option<f64>, parallel: Option<f64>) -> Self {
        RegressionThresholds {
            serial: serial.unwrap_or(self.serial),
            parallel: parallel.unwrap_or(self.parallel),
        }
    }
}

/// Whether a point is judged against the serial threshold: the serial model, and imported
/// external benchmarks (criterion benches are nearly always single-threaded).
pub fn uses_serial_threshold(model: ExecutionModel) -> bool {
    matches!(model, ExecutionModel::Serial | ExecutionModel::External)
}

/// The threshold one point is judged against, and where it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    /// Fraction: 0.05 means a slowdown beyond 5%.
    pub value: f64,
    /// `default`, `config`, `thresholds file`, `command line`.
    pub source: String,
}

/// Resolves the threshold of every point.
#[derive(Debug, Clone, Default)]
pub struct ThresholdPolicy {
    defaults: RegressionThresholds,
    suites: BTreeMap<String, RegressionThresholds>,
    from_config: bool,
    file: BTreeMap<PointKey, f64>,
    serial_override: Option<f64>,
    parallel_override: Option<f64>,
    /// Why part of the policy could not be used (shown to the user).
    pub warnings: Vec<String>,
}

impl ThresholdPolicy {
    /// The thresholds a config sets: its `[defaults]` and per-suite keys (reading them from the
    /// config a results file echoes is `parbench_harness::echoed_config::threshold_policy`).
    pub fn from_config(
        defaults: RegressionThresholds,
        suites: impl IntoIterator<Item = (String, RegressionThresholds)>,
    ) -> ThresholdPolicy {
        ThresholdPolicy {
            defaults,
            suites: suites.into_iter().collect(),
            from_config: true,
            ..ThresholdPolicy::default()
        }
    }

    /// Per-point thresholds from a thresholds file; they override the config.
    pub fn with_file(mut self, file: &ThresholdsFile) -> ThresholdPolicy {
        for p in &file.points {
            self.file.insert(p.key(), p.threshold);
        }
        self
    }

    /// Command-line overrides; they override everything else.
    pub fn with_overrides(mut self, serial: Option<f64>, parallel: Option<f64>) -> ThresholdPolicy {
        self.serial_override = serial;
        self.parallel_override = parallel;
        self
    }

    /// The threshold `point` is judged against: a command-line override, then a thresholds-file
    /// entry, then its suite's config keys, then the defaults.
    pub fn for_point(&self, point: &Point) -> Threshold {
        let serial = uses_serial_threshold(point.model);
        let cli = if serial {
            self.serial_override
        } else {
            self.parallel_override
        };
        if let Some(value) = cli {
            return Threshold {
                value,
                source: "command line".into(),
            };
        }
        if let Some(&value) = self.file.get(&point.key()) {
            return Threshold {
                value,
                source: "thresholds file".into(),
            };
        }
        let t = self.suites.get(&point.suite).unwrap_or(&self.defaults);
        Threshold {
            value: if serial { t.serial } else { t.parallel },
            source: if self.from_config {
                "config"
            } else {
                "default"
            }
            .into(),
        }
    }
}

/// A thresholds file (TOML): per-point thresholds measured by an A/A run on one machine.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ThresholdsFile {
    /// The fingerprint id of the machine the noise was measured on.
    #[serde(default)]
    pub machine_id: Option<String>,
    /// Host name of that machine.
    #[serde(default)]
    pub hostname: Option<String>,
    /// When the noise was measured, RFC 3339 UTC.
    #[serde(default)]
    pub measured_at: Option<String>,
    /// A/A rounds the thresholds come from.
    #[serde(default)]
    pub rounds: Option<usize>,
    /// One entry per point, `[[point]]` tables.
    #[serde(default, rename = "point")]
    pub points: Vec<PointThreshold>,
}

/// One `[[point]]` of a thresholds file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct PointThreshold {
    /// Suite name.
    pub suite: String,
    /// Size label.
    pub size: String,
    /// Variant name.
    pub variant: VariantId,
    /// Worker count.
    pub workers: u32,
    /// `k=v,k=v` as in results, empty when the point has no parameters.
    #[serde(default)]
    pub params: String,
    /// Fraction: 0.03 means a slowdown beyond 3% is a regression.
    pub threshold: f64,
}

impl PointThreshold {
    /// The point this threshold applies to.
    pub fn key(&self) -> PointKey {
        PointKey {
            suite: self.suite.clone(),
            size: self.size.clone(),
            variant: self.variant.clone(),
            workers: self.workers,
            params: self.params.clone(),
        }
    }
}

/// A thresholds file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ThresholdsError {
    /// The file could not be read.
    #[error("cannot read the thresholds file {path}: {source}")]
    Io {
        /// The file's path.
        path: PathBuf,
        /// Why reading it failed.
        source: std::io::Error,
    },
    /// The file is not a valid thresholds file.
    #[error("{path}:{line}:{column}: {message}")]
    Invalid {
        /// The file's path.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What was expected, in words.
        message: String,
    },
}

impl ThresholdsFile {
    /// Reads and validates the thresholds file at `path` (TOML, at most the config size limit).
    pub fn load(path: &Path) -> Result<ThresholdsFile, ThresholdsError> {
        let text = crate::input_file::read_text(path, crate::input_file::MAX_CONFIG_BYTES)
            .map_err(|source| ThresholdsError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        Self::parse(&text, path)
    }

    /// Parses thresholds text; `path` is only used in errors.
    pub fn parse(text: &str, path: &Path) -> Result<ThresholdsFile, ThresholdsError> {
        let invalid = |offset: usize, message: String| {
            let (line, column) = crate::input_file::position(text, offset);
            ThresholdsError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let file: ThresholdsFile = toml::from_str(text).map_err(|e| {
            invalid(
                e.span().map_or(0, |s| s.start),
                e.message().trim().to_string(),
            )
        })?;
        for p in &file.points {
            if !(p.threshold.is_finite() && p.threshold > 0.0) {
                let offset = text
                    .find(&format!("threshold = {}", p.threshold))
                    .unwrap_or(0);
                return Err(invalid(
                    offset,
                    format!(
                        "threshold {} of {} must be a positive fraction (0.03 for 3%)",
                        p.threshold,
                        p.key()
                    ),
                ));
            }
        }
        Ok(file)
    }

    /// The file as TOML, with a comment saying what the numbers mean.
    pub fn to_toml(&self) -> String {
        let mut out = String::from(
            "# Regression thresholds measured by `parbench ab --aa` (an A/A run: the same build twice).\n\
             # Each threshold is the smallest under which that run called the point unchanged, rounded up\n\
             # to 0.5% and at least 1%. Use with `parbench compare --thresholds FILE` or `parbench ab\n\
             # --thresholds FILE`; they override the config's threshold-serial / threshold-parallel.\n",
        );
        out.push_str(&toml::to_string(self).expect("thresholds serialize"));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_round_trips_and_rejects_bad_values() {
        let f = ThresholdsFile {
            machine_id: Some("abc".into()),
            hostname: None,
            measured_at: None,
            rounds: Some(12),
            points: vec![PointThreshold {
                suite: "pi".into(),
                size: "S".into(),
                variant: "serial".into(),
                workers: 1,
                params: String::new(),
                threshold: 0.025,
            }],
        };
        let text = f.to_toml();
        assert!(text.contains("[[point]]"), "{text}");
        let back = ThresholdsFile::parse(&text, Path::new("t.toml")).unwrap();
        assert_eq!(back, f);

        let e = ThresholdsFile::parse(
            "[[point]]\nsuite = \"pi\"\nsize = \"S\"\nvariant = \"serial\"\nworkers = 1\nthreshold = -0.1\n",
            Path::new("t.toml"),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("t.toml:6:1:"), "{e}");
        let e = ThresholdsFile::parse("[[point]]\nsuite = 3\n", Path::new("t.toml")).unwrap_err();
        assert!(e.to_string().starts_with("t.toml:2:"), "{e}");
    }
}
