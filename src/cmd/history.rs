//! `parbench history add|report|list`: record results in the SQLite history, render the trend
//! pages, list what is recorded.

use crate::Outcome;
use crate::cli::{HistoryAddArgs, HistoryCommand, HistoryListArgs, HistoryReportArgs};
use parbench_analysis::results_io::ResultsFile;
use parbench_analysis::timefmt;
use parbench_harness::atomic_file::write_atomic;
use parbench_harness::history::{Added, History, RunMeta, SeriesFilter};
use parbench_schema::results::RunResults;
use std::process::Command;
use std::time::SystemTime;

pub(crate) fn history(command: HistoryCommand) -> anyhow::Result<Outcome> {
    match command {
        HistoryCommand::Add(args) => add(args),
        HistoryCommand::Report(args) => report(args),
        HistoryCommand::List(args) => list(args),
    }
}

/// The branch a run belongs to: `$PARBENCH_BRANCH`, the branch variables of GitHub Actions and
/// GitLab CI, or the checked-out git branch.
fn detect_branch() -> String {
    for var in [
        "PARBENCH_BRANCH",
        "GITHUB_HEAD_REF",
        "GITHUB_REF_NAME",
        "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME",
        "CI_COMMIT_REF_NAME",
    ] {
        if let Some(v) = std::env::var(var).ok().filter(|v| !v.trim().is_empty()) {
            return v;
        }
    }
    Command::new("git")
        .args(["rev-parse", "--abbrev-ref", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|b| !b.is_empty() && b != "HEAD")
        .unwrap_or_else(|| "unknown".into())
}

fn add(args: HistoryAddArgs) -> anyhow::Result<Outcome> {
    // Read every file first: a bad one records nothing.
    let mut all = Vec::new();
    for path in &args.results {
        all.push((path, RunResults::load(path)?));
    }
    let mut history = History::open(&args.db)?;
    let meta = RunMeta {
        branch: args.branch.clone().unwrap_or_else(detect_branch),
        commit: args.commit.clone(),
        recorded_at: timefmt::rfc3339(SystemTime::now()),
    };
    for (path, results) in all {
        if !results.complete {
            errln!(
                "parbench: note: {} is incomplete (interrupted); recording the points it has",
                path.display()
            );
        }
        match history.add(&results, &meta)? {
            Added::New { run, points } => outln!(
                "{}: recorded as run {run} ({points} points, branch {}, commit {}) in {}",
                path.display(),
                meta.branch,
                meta.commit
                    .as_deref()
                    .or(results.machine.git_commit.as_deref())
                    .unwrap_or("unknown"),
                args.db.display()
            ),
            Added::Duplicate { run } => outln!(
                "{}: already recorded as run {run} in {}; nothing changed",
                path.display(),
                args.db.display()
            ),
        }
    }
    Ok(Outcome::Success)
}

fn report(args: HistoryReportArgs) -> anyhow::Result<Outcome> {
    let history = History::open_existing(&args.db)?;
    let filter = SeriesFilter {
        machine: args.machine.clone(),
        branch: args.branch.clone(),
        suite: args.suite.clone(),
    };
    let site = history.site(&filter, &timefmt::rfc3339(SystemTime::now()))?;
    if site.series.is_empty() {
        errln!(
            "parbench: note: {} holds no verified points{}",
            args.db.display(),
            if filter == SeriesFilter::default() {
                ""
            } else {
                " matching the filters"
            }
        );
    }
    let files = parbench_reports::history::render_site(&site)?;
    for f in &files {
        write_atomic(&args.out.join(&f.name), f.contents.as_bytes())?;
    }
    let steps: usize = site.series.iter().map(|s| s.change_points.len()).sum();
    errln!(
        "parbench: {} series from {} runs, {steps} step(s) detected; {} pages",
        site.series.len(),
        site.runs,
        files.len() - 1
    );
    outln!("{}", args.out.join("index.html").display());
    Ok(Outcome::Success)
}

fn list(args: HistoryListArgs) -> anyhow::Result<Outcome> {
    let history = History::open_existing(&args.db)?;
    let mut rows = vec![
        [
            "RUN", "STARTED", "MACHINE", "HOST", "BRANCH", "COMMIT", "POINTS",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for r in history.runs()? {
        rows.push(vec![
            r.id.to_string(),
            r.started_at,
            r.machine_id,
            r.hostname,
            r.branch,
            r.commit
                .map(|c| c.chars().take(12).collect())
                .unwrap_or_else(|| "–".into()),
            r.points.to_string(),
        ]);
    }
    crate::summary::print_rows(&rows);
    Ok(Outcome::Success)
}
