//! `fault`'s kernel: the trivial sum its workers compute.
//! Shared by the workload's own variants (`workloads::fault`) and its backends (processes, OpenCL,
//! MPI), which import it from here.

/// Names of the faults, as the `fault` parameter takes them.
pub const FAULTS: [&str; 7] = [
    "none",
    "crash",
    "signal",
    "hang",
    "wrong",
    "slow-start",
    "malformed",
];

/// The answer for items `range`: the wrapping sum of `mix64(seed ^ i)`.
pub fn sum_range(seed: u64, range: std::ops::Range<u64>) -> u64 {
    range.fold(0u64, |acc, i| {
        acc.wrapping_add(parbench_analysis::rng::mix64(seed ^ i))
    })
}
