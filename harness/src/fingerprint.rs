//! The machine fingerprint: what a result was measured on (CPU, cores, memory, OS, compiler,
//! load, frequency governor, git commit), plus a stable id for telling machines apart.

use parbench_schema::machine::Machine;
use std::path::Path;
use std::process::Command;

/// Logical cores available to this process.
pub fn logical_cores() -> u32 {
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(1)
}

/// Reads the fingerprint of this machine; fields that cannot be read are left empty.
pub fn detect() -> Machine {
    let cpuinfo = read("/proc/cpuinfo").unwrap_or_default();
    let cpu_model = field(&cpuinfo, "model name")
        .or_else(|| field(&cpuinfo, "Hardware"))
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let logical_cores = logical_cores();
    let mut m = Machine {
        id: String::new(),
        hostname: read("/proc/sys/kernel/hostname")
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown".into()),
        cpu_model,
        logical_cores,
        physical_cores: physical_cores(&cpuinfo),
        memory_bytes: read("/proc/meminfo").and_then(|t| {
            field(&t, "MemTotal")
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
                .map(|kb| kb * 1024)
        }),
        os: read("/etc/os-release")
            .and_then(|t| field_eq(&t, "PRETTY_NAME"))
            .unwrap_or_else(|| std::env::consts::OS.to_string()),
        kernel: read("/proc/sys/kernel/osrelease").unwrap_or_else(|| "unknown".into()),
        arch: std::env::consts::ARCH.to_string(),
        cpu_features: cpu_features(),
        rustc: env!("PARBENCH_RUSTC_VERSION").to_string(),
        build_profile: env!("PARBENCH_BUILD_PROFILE").to_string(),
        load_average: read("/proc/loadavg").and_then(|t| {
            let v: Vec<f64> = t
                .split_whitespace()
                .take(3)
                .filter_map(|x| x.parse().ok())
                .collect();
            (v.len() == 3).then(|| [v[0], v[1], v[2]])
        }),
        cpu_governor: read("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
        cpu_mhz: field(&cpuinfo, "cpu MHz").and_then(|v| v.parse().ok()),
        git_commit: git(&["rev-parse", "HEAD"]),
        git_dirty: git(&["status", "--porcelain", "--untracked-files=no"]).map(|s| !s.is_empty()),
        accelerators: Vec::new(),
        calibration: None,
    };
    m.id = stable_id(&m);
    m
}

/// Hash of the fields that identify the hardware and OS (not load, not git).
pub fn stable_id(m: &Machine) -> String {
    let text = format!(
        "{}|{}|{:?}|{:?}|{}|{}",
        m.cpu_model,
        m.logical_cores,
        m.physical_cores,
        m.memory_bytes.map(|b| b >> 28),
        m.os,
        m.arch
    );
    parbench_analysis::digest::sha256_hex(text.as_bytes())[..16].to_string()
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(Path::new(path))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// `key : value` lines of /proc files.
fn field(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim().to_string())
    })
}

/// `KEY="value"` lines of os-release.
fn field_eq(text: &str, key: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

/// Distinct (physical id, core id) pairs in /proc/cpuinfo.
fn physical_cores(cpuinfo: &str) -> Option<u32> {
    let mut set = std::collections::BTreeSet::new();
    let mut phys = String::new();
    for line in cpuinfo.lines() {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim() {
                "physical id" => phys = v.trim().to_string(),
                "core id" => {
                    set.insert((phys.clone(), v.trim().to_string()));
                }
                _ => {}
            }
        }
    }
    (!set.is_empty()).then_some(set.len() as u32)
}

fn cpu_features() -> Vec<String> {
    #[allow(unused_mut)]
    let mut f: Vec<String> = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("sse4.1") {
            f.push("sse4.1".into());
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            f.push("avx2".into());
        }
        if std::arch::is_x86_feature_detected!("fma") {
            f.push("fma".into());
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            f.push("avx512f".into());
        }
    }
    #[cfg(target_arch = "aarch64")]
    f.push("neon".into());
    f
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_this_machine() {
        let m = detect();
        assert!(m.logical_cores >= 1);
        assert!(
            !m.rustc.is_empty() && m.rustc.starts_with("rustc"),
            "{}",
            m.rustc
        );
        assert_eq!(m.id, stable_id(&m));
        assert_eq!(m.id.len(), 16);
        assert!(m.differences(&m).is_empty());
    }

    #[test]
    fn physical_cores_counts_unique_pairs() {
        let info = "processor : 0\nphysical id : 0\ncore id : 0\n\nprocessor : 1\nphysical id : 0\ncore id : 0\n\nprocessor : 2\nphysical id : 0\ncore id : 1\n";
        assert_eq!(physical_cores(info), Some(2));
        assert_eq!(physical_cores(""), None);
    }

    #[test]
    fn differences_name_fields() {
        let a = detect();
        let mut b = a.clone();
        b.cpu_model = "Other CPU".into();
        b.logical_cores += 2;
        let d = a.differences(&b);
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(d[0].starts_with("cpu_model"));
    }
}
