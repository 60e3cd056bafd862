//! `parbench report RESULTS.json… [--out DIR]`: render the report again from a saved results
//! file, or from the N results files of one run sharded with `run --shard K/N` (checked to be
//! the parts of one run, each part once, then merged into one site).

use crate::Outcome;
use crate::cli::ReportArgs;
use anyhow::bail;
use parbench_analysis::results_io::ResultsFile;
use parbench_analysis::rng::DEFAULT_SEED;
use parbench_harness::config::{Config, ConfigSource};
use parbench_reports::{Format, write_reports};
use parbench_schema::results::RunResults;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub(crate) fn report(args: ReportArgs) -> anyhow::Result<Outcome> {
    let (results, source_dir) = match args.results.as_slice() {
        [one] => {
            let results = RunResults::load(one)?;
            if let Some(shard) = results.config.shard {
                errln!(
                    "parbench: note: {} is shard {shard} of a run; its report shows that part's points only (give all {} files to report the whole run)",
                    one.display(),
                    shard.count
                );
            }
            let dir = one
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."))
                .to_path_buf();
            (results, Some(dir))
        }
        many => {
            let mut parts = Vec::new();
            for path in many {
                parts.push((path.clone(), RunResults::load(path)?));
            }
            let merged = merge_shards(parts)?;
            (merged, None)
        }
    };
    let out = match (&args.out, &source_dir) {
        (Some(out), _) => out.clone(),
        (None, Some(dir)) => dir.clone(),
        (None, None) => {
            bail!("several results files make one new report: say where with --out DIR")
        }
    };
    // Beside its own results file the JSON is already there; elsewhere (and for a merged run),
    // write it so the report directory is complete.
    let same_dir = source_dir.is_some_and(|source| {
        std::fs::canonicalize(&out).ok() == std::fs::canonicalize(source).ok()
    });
    let formats: Vec<Format> = Format::ALL
        .into_iter()
        .filter(|f| !(same_dir && *f == Format::Json))
        .collect();
    let written = write_reports(&results, &out, &formats)?;
    for p in written {
        outln!("{}", p.display());
    }
    Ok(Outcome::Success)
}

/// The parts of one sharded run as one run: every part of the same config, filters, `--quick`,
/// parbench version and commit, each shard 1..N exactly once. Points keep their own figures;
/// they are ordered by suite (config order) and size, and the crossovers, which span sizes,
/// are found again over all of them.
fn merge_shards(mut parts: Vec<(PathBuf, RunResults)>) -> anyhow::Result<RunResults> {
    for (path, r) in &parts {
        if r.config.shard.is_none() {
            bail!(
                "{} is a whole run, not a part of a sharded one (`run --shard K/N`); report several files only when they are the shards of one run",
                path.display()
            );
        }
    }
    parts.sort_by_key(|(_, r)| r.config.shard.map(|s| s.index));
    let count = check_one_run(&parts)?;
    note_machines(&parts, count);
    let first = &parts[0].1;

    let config = Config::parse(
        ConfigSource::new(first.config.path.clone(), first.config.text.clone()),
        first.machine.logical_cores,
    )
    .ok();
    let seed = config.as_ref().map_or(DEFAULT_SEED, |c| c.defaults.seed);
    let suite_rank: BTreeMap<String, usize> = config
        .iter()
        .flat_map(|c| c.suites.iter())
        .enumerate()
        .map(|(i, s)| (s.name.get_ref().clone(), i))
        .collect();

    let mut merged = first.clone();
    merged.config.shard = None;
    merged.points.clear();
    merged.scalability.clear();
    for (_, r) in &parts {
        merged.points.extend(r.points.iter().cloned());
        merged.scalability.extend(r.scalability.iter().cloned());
        merged.complete &= r.complete;
        if r.started_at < merged.started_at {
            merged.started_at = r.started_at.clone();
        }
        merged.finished_at = match (&merged.finished_at, &r.finished_at) {
            (Some(a), Some(b)) => Some(a.max(b).clone()),
            _ => None,
        };
    }
    // Stable: within a suite and size the parts keep their own (plan) order.
    merged
        .points
        .sort_by_key(|p| (suite_rank.get(&p.suite).copied().unwrap_or(usize::MAX), p.n));
    merged.crossovers = parbench_analysis::crossover::find_all(&merged.points, seed);
    errln!(
        "parbench: merged {count} shards: {} points",
        merged.points.len()
    );
    Ok(merged)
}

/// Checks that the sorted `parts` are the shards of one run (same config, filters, `--quick`,
/// version and commit), each of its shards once; returns the number of shards.
fn check_one_run(parts: &[(PathBuf, RunResults)]) -> anyhow::Result<u32> {
    let (first_path, first) = &parts[0];
    let count = first.config.shard.map_or(0, |s| s.count);
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for (path, r) in parts {
        let shard = r.config.shard.expect("checked above");
        let unrelated = |what: &str, a: &dyn std::fmt::Display, b: &dyn std::fmt::Display| {
            anyhow::anyhow!(
                "{} and {} are not parts of one sharded run: {what} differs ({a} against {b})",
                first_path.display(),
                path.display()
            )
        };
        if shard.count != count {
            return Err(unrelated(
                "the number of shards",
                &format!("{}/{count}", first.config.shard.expect("checked").index),
                &shard,
            ));
        }
        if r.config.sha256 != first.config.sha256 || r.config.text != first.config.text {
            return Err(unrelated(
                "the config",
                &format!("sha256 {}", short(&first.config.sha256)),
                &format!("sha256 {}", short(&r.config.sha256)),
            ));
        }
        if r.config.quick != first.config.quick {
            return Err(unrelated("--quick", &first.config.quick, &r.config.quick));
        }
        if r.config.suite_filter != first.config.suite_filter
            || r.config.variant_filter != first.config.variant_filter
        {
            return Err(unrelated(
                "the --suite/--variant filters",
                &format!(
                    "{:?} {:?}",
                    first.config.suite_filter, first.config.variant_filter
                ),
                &format!("{:?} {:?}", r.config.suite_filter, r.config.variant_filter),
            ));
        }
        if r.parbench_version != first.parbench_version {
            return Err(unrelated(
                "the parbench version",
                &first.parbench_version,
                &r.parbench_version,
            ));
        }
        if let (Some(a), Some(b)) = (&first.machine.git_commit, &r.machine.git_commit)
            && a != b
        {
            return Err(unrelated("the commit", &short(a), &short(b)));
        }
        if let Some(other) = seen.insert(shard.index, path) {
            bail!(
                "{} and {} are both shard {shard}; give each shard of the run once",
                other.display(),
                path.display()
            );
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        bail!(
            "shard {} of this run missing (given: {}); a report of part of a run would look like the whole run",
            missing.join(", "),
            seen.keys()
                .map(|k| format!("{k}/{count}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(count)
}

/// Notes on stderr when the shards ran on more than one machine.
fn note_machines(parts: &[(PathBuf, RunResults)], count: u32) {
    let mut hosts: Vec<&str> = parts
        .iter()
        .map(|(_, r)| r.machine.hostname.as_str())
        .collect();
    hosts.dedup();
    let machines: std::collections::BTreeSet<&str> =
        parts.iter().map(|(_, r)| r.machine.id.as_str()).collect();
    if machines.len() > 1 {
        errln!(
            "parbench: note: the {count} shards ran on {} machines ({}); the report shows the first one's fingerprint",
            machines.len(),
            hosts.join(", ")
        );
    }
}

/// The first 12 characters of a hash or commit.
fn short(text: &str) -> String {
    text.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use parbench_schema::results::Shard;

    fn part(k: u32, n: u32) -> (PathBuf, RunResults) {
        let mut r = RunResults::load(Path::new("tests/data/compare/base.json")).unwrap();
        r.config.shard = Some(Shard { index: k, count: n });
        // Shard k of the fixture keeps the points of suite k (pi, square).
        let suite = ["pi", "square"][(k - 1) as usize % 2];
        r.points.retain(|p| p.suite == suite);
        (PathBuf::from(format!("s{k}.json")), r)
    }

    #[test]
    fn the_shards_of_one_run_merge_in_config_order() {
        let merged = merge_shards(vec![part(2, 2), part(1, 2)]).unwrap();
        assert!(merged.config.shard.is_none());
        assert_eq!(merged.points.len(), 10);
        assert_eq!(merged.points[0].suite, "pi");
    }

    #[test]
    fn unrelated_or_incomplete_parts_are_refused() {
        let e = merge_shards(vec![part(1, 2)]).unwrap_err().to_string();
        assert!(e.contains("shard 2/2 of this run missing"), "{e}");
        let e = merge_shards(vec![part(1, 2), part(1, 2)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("both shard 1/2"), "{e}");
        let e = merge_shards(vec![part(1, 2), part(2, 3)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("the number of shards"), "{e}");
        let (p, mut other) = part(2, 2);
        other.config.sha256 = "ffff".into();
        let e = merge_shards(vec![part(1, 2), (p, other)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("the config differs"), "{e}");
        let (p, mut whole) = part(2, 2);
        whole.config.shard = None;
        let e = merge_shards(vec![part(1, 2), (p, whole)])
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a whole run"), "{e}");
    }
}
