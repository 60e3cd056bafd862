//! Writes a synthetic results file of POINTS points (TEST DATA, NOT MEASUREMENTS: built by the
//! report tests' fixture, SAMPLES raw samples per point) for measuring `parbench report` and
//! `parbench export` on huge runs (issue 14 item 8). Building a point's statistics takes about
//! 2 ms, so at most 2,000 points are built and then copied under new suite names.
//!
//! `cargo run --release -p parbench-reports --example big_results -- 200000 50 /tmp/big/results.json`

use parbench_test_support::fixture;

use parbench_analysis::results_io::ResultsFile;

/// Points built from scratch; the rest are copies of them in suites of their own.
const BUILT: usize = 2000;

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: big_results POINTS SAMPLES OUT.json";
    let mut number = || -> usize {
        args.next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{usage}"))
    };
    let (points, samples) = (number(), number());
    let out = std::env::args()
        .nth(3)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("{usage}"));
    let mut results = fixture::synthetic_with(points.min(BUILT), samples);
    let base = results.points.clone();
    let mut copy = 1;
    while results.points.len() < points {
        for p in &base {
            if results.points.len() == points {
                break;
            }
            let mut p = p.clone();
            p.suite = format!("{}-copy{copy}", p.suite);
            results.points.push(p);
        }
        copy += 1;
    }
    // Written plainly (the atomic writer lives in parbench-harness, which reports does not
    // depend on); this is test data for a benchmark, not a run's results.
    let mut text = results.to_json();
    text.push('\n');
    std::fs::write(&out, text).expect("write the results file");
    eprintln!("wrote {} points to {}", results.points.len(), out.display());
}
