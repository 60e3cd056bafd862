//! The machine a result was measured on (CPU, cores, memory, OS, compiler, load, frequency
//! governor, git commit, its calibration) and a stable id for telling machines apart. Read by
//! `parbench_harness::fingerprint`.

use serde::{Deserialize, Serialize};

/// The fingerprint of a machine, as stored in every results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Hash of the stable hardware and OS fields: equal ids mean comparable machines.
    pub id: String,
    /// The machine's host name.
    pub hostname: String,
    /// CPU model name as the OS reports it.
    pub cpu_model: String,
    /// Logical cores (hardware threads) the OS reports.
    pub logical_cores: u32,
    /// Physical cores; `None` where the OS does not say.
    #[serde(default)]
    pub physical_cores: Option<u32>,
    /// Installed memory in bytes; `None` where unreadable.
    #[serde(default)]
    pub memory_bytes: Option<u64>,
    /// Operating system name and version.
    pub os: String,
    /// Kernel release (`uname -r`).
    pub kernel: String,
    /// CPU architecture (`x86_64`, `aarch64`).
    pub arch: String,
    /// SIMD features the CPU reports that parbench's kernels can use.
    #[serde(default)]
    pub cpu_features: Vec<String>,
    /// Version of the rustc that built parbench.
    pub rustc: String,
    /// Profile of the parbench binary, e.g. `release (opt-level 3)`.
    pub build_profile: String,
    /// 1, 5 and 15 minute load averages when the run started.
    #[serde(default)]
    pub load_average: Option<[f64; 3]>,
    /// CPU frequency governor (`performance`, `powersave`); `None` where unreadable.
    #[serde(default)]
    pub cpu_governor: Option<String>,
    /// Current CPU frequency in MHz; `None` where unreadable.
    #[serde(default)]
    pub cpu_mhz: Option<f64>,
    /// Commit of the working directory parbench ran in; `None` outside a git checkout.
    #[serde(default)]
    pub git_commit: Option<String>,
    /// Whether tracked files were modified; `None` outside a git checkout.
    #[serde(default)]
    pub git_dirty: Option<bool>,
    /// Accelerators used by the run (OpenCL devices), described by their backend.
    #[serde(default)]
    pub accelerators: Vec<String>,
    /// This machine's measured limits (`parbench calibrate`), where the run had them: what
    /// every point's "% of bound" is measured against. Absent in older files and in runs
    /// without a calibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calibration: Option<crate::calibration::Calibration>,
}

impl Machine {
    /// The fields where two fingerprints differ, as `field: a != b` lines.
    pub fn differences(&self, other: &Machine) -> Vec<String> {
        let mut d = Vec::new();
        let mut cmp = |name: &str, a: String, b: String| {
            if a != b {
                d.push(format!("{name}: {a} != {b}"));
            }
        };
        cmp("cpu_model", self.cpu_model.clone(), other.cpu_model.clone());
        cmp(
            "logical_cores",
            self.logical_cores.to_string(),
            other.logical_cores.to_string(),
        );
        cmp(
            "physical_cores",
            format!("{:?}", self.physical_cores),
            format!("{:?}", other.physical_cores),
        );
        cmp(
            "memory",
            format!("{:?}", self.memory_bytes.map(|b| b >> 28)),
            format!("{:?}", other.memory_bytes.map(|b| b >> 28)),
        );
        cmp("os", self.os.clone(), other.os.clone());
        cmp("arch", self.arch.clone(), other.arch.clone());
        // The id is what history keys runs by: ids that differ are different machines even
        // where the fields shown agree (an edited file, or an id from another parbench).
        if d.is_empty() && self.id != other.id {
            d.push(format!("id: {} != {}", self.id, other.id));
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine() -> Machine {
        Machine {
            id: "0123456789abcdef".into(),
            hostname: "host".into(),
            cpu_model: "CPU".into(),
            logical_cores: 4,
            physical_cores: Some(2),
            memory_bytes: Some(8 << 30),
            os: "Linux".into(),
            kernel: "6.1".into(),
            arch: "x86_64".into(),
            cpu_features: Vec::new(),
            rustc: "rustc 1.95.0".into(),
            build_profile: "release".into(),
            load_average: None,
            cpu_governor: None,
            cpu_mhz: None,
            git_commit: None,
            git_dirty: None,
            accelerators: Vec::new(),
            calibration: None,
        }
    }

    #[test]
    fn differences_name_fields() {
        let a = machine();
        assert!(a.differences(&a).is_empty());
        let mut b = a.clone();
        b.cpu_model = "Other CPU".into();
        b.logical_cores += 2;
        let d = a.differences(&b);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("cpu_model"));
        let mut c = a.clone();
        c.id = "fedcba9876543210".into();
        assert_eq!(a.differences(&c).len(), 1);
    }
}
