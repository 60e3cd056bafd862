//! Where an accelerator variant starts to beat the CPU over a size sweep, as stored in a
//! results file (`crossovers`); found by `parbench_analysis::crossover`.

use crate::duration::Nanos;
use crate::params::ParamValue;
use crate::variant::VariantId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The name of the phase that holds an accelerator's kernel time.
pub const KERNEL_PHASE: &str = "kernel";

/// Which time of the accelerator is compared with the CPU's end-to-end time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Measure {
    /// The whole iteration: copies to the device, kernels, copies back, host overhead.
    EndToEnd,
    /// Only the kernels' device time (profiling events): what the device itself costs.
    Kernel,
}

impl std::fmt::Display for Measure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Measure::EndToEnd => "end to end",
            Measure::Kernel => "kernel only",
        })
    }
}

/// The accelerator against the best CPU point at one size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeComparison {
    /// Size label of the swept size.
    pub size: String,
    /// The problem size the label stands for.
    pub n: u64,
    /// The accelerator's median time per iteration (end to end, or its kernel phase).
    pub accelerator_ns: Nanos,
    /// The fastest verified CPU point of the same problem: variant, workers, median.
    pub cpu_variant: VariantId,
    /// Workers of that CPU point.
    pub cpu_workers: u32,
    /// That CPU point's end-to-end median time per iteration.
    pub cpu_ns: Nanos,
    /// accelerator / CPU: below 1 the accelerator is faster.
    pub ratio: f64,
    /// Bootstrap 95% interval of that ratio (resampling both points' samples).
    pub ratio_ci: [f64; 2],
}

/// Where the accelerator starts to win, as far as the swept sizes tell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// Slower at `slower_at`, faster at `faster_from` and every larger size: the ratio crosses 1
    /// at about `n` (log-log interpolation between the two sizes). `low`..`high` is where the
    /// 95% interval of the ratio crosses 1; `high` is absent when that interval still includes
    /// 1 at the largest size (the crossover may lie beyond the sweep).
    Found {
        /// Interpolated problem size where the ratio crosses 1.
        n: f64,
        /// Lower end of the sizes where the ratio's 95% interval crosses 1.
        low: f64,
        /// Upper end of those sizes; `None` when the interval still includes 1 at the largest size.
        high: Option<f64>,
        /// The size just below the crossover, where the accelerator was slower.
        slower_at: u64,
        /// The size from which the accelerator is faster at every larger size.
        faster_from: u64,
    },
    /// Faster at every swept size: the crossover is at or below the smallest, `n`.
    AtOrBelow {
        /// The smallest swept size.
        n: u64,
    },
    /// Not faster at the largest swept size, `n`: no crossover in the swept range.
    NotInRange {
        /// The largest swept size.
        n: u64,
    },
}

/// The crossover of one accelerator variant (with one parameter set) in one suite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Crossover {
    /// Suite name from the config.
    pub suite: String,
    /// The workload the suite runs.
    pub workload: String,
    /// The accelerator (OpenCL) variant.
    pub variant: VariantId,
    /// The accelerator points' parameters (e.g. `work-group-size`).
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// End to end, or the kernel phase only, each against the CPU's end-to-end median.
    pub measure: Measure,
    /// One entry per swept size, smallest first.
    pub sizes: Vec<SizeComparison>,
    /// Where the accelerator starts to win.
    pub outcome: Outcome,
    /// What a reader should know (faster at a smaller size too, sizes without a CPU point).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Crossover {
    /// `k=v,k=v` of the parameters, empty when there are none.
    pub fn params_label(&self) -> String {
        self.params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// One line for people: `from n ≈ 1.2M (95%: 0.9M – 2M)`.
    pub fn summary(&self) -> String {
        match &self.outcome {
            Outcome::Found { n, low, high, .. } => format!(
                "faster from n ≈ {} (95% interval {} – {})",
                short(*n),
                short(*low),
                high.map_or_else(|| "beyond the largest size".to_string(), short)
            ),
            Outcome::AtOrBelow { n } => format!(
                "faster at every size: the crossover is at or below the smallest, n = {}",
                short(*n as f64)
            ),
            Outcome::NotInRange { n } => format!(
                "not faster up to the largest size, n = {}: no crossover in the swept range",
                short(*n as f64)
            ),
        }
    }
}

/// A size for a sentence: `1.5M`, `20k`, `384`.
fn short(n: f64) -> String {
    let (scale, suffix) = if n >= 1e9 {
        (1e9, "G")
    } else if n >= 1e6 {
        (1e6, "M")
    } else if n >= 1e4 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    let v = n / scale;
    let digits = if v >= 100.0 || scale == 1.0 { 0 } else { 1 };
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    format!("{s}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_for_sentences() {
        assert_eq!(short(1_234_567.0), "1.2M");
        assert_eq!(short(384.0), "384");
        assert_eq!(short(20_000.0), "20k");
    }
}
