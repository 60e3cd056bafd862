//! `parbench ab`: the A/B gate. Runs `parbench run` of side A and side B as fresh processes,
//! round after round in seeded, randomized ABBA order, reads each run's results.json, and
//! decides per point with the t-interval statistics of `parbench_analysis::ab`.

use super::compare::{outcome, policy, print_table, write_outputs};
use crate::Outcome;
use crate::cli::AbArgs;
use anyhow::{Context, bail};
use parbench_analysis::ab::{
    AbOptions, Round, RoundOrder, ab_comparison, abba_orders, min_rounds, suggested_thresholds,
};
use parbench_analysis::results_io::ResultsFile;
use parbench_analysis::timefmt;
use parbench_harness::atomic_file::write_atomic;
use parbench_schema::results::{RunResults, Status};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Instant, SystemTime};

/// Rounds when `--rounds` is not given (more when the number of points needs it).
const DEFAULT_ROUNDS: usize = 10;

/// One side: a binary and a config.
#[derive(Debug, Clone)]
struct SideSpec {
    label: &'static str,
    bin: PathBuf,
    config: Option<PathBuf>,
}

impl SideSpec {
    fn describe(&self) -> String {
        format!(
            "{} with {}",
            self.bin.display(),
            self.config
                .as_ref()
                .map_or("its embedded default config".to_string(), |c| c
                    .display()
                    .to_string())
        )
    }
}

/// What the runs of both sides share.
struct RunSettings<'a> {
    suites: &'a [String],
    variants: &'a [String],
    quick: bool,
}

/// Runs one side once into `dir`, logging to `dir.log`; returns its results.
fn run_side(side: &SideSpec, dir: &Path, settings: &RunSettings) -> anyhow::Result<RunResults> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let log_path = dir.with_extension("log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot create {}", log_path.display()))?;
    let mut cmd = Command::new(&side.bin);
    cmd.arg("run");
    if let Some(c) = &side.config {
        cmd.arg("--config").arg(c);
    }
    cmd.arg("--out").arg(dir);
    for s in settings.suites {
        cmd.args(["--suite", s]);
    }
    for v in settings.variants {
        cmd.args(["--variant", v]);
    }
    if settings.quick {
        cmd.arg("--quick");
    }
    cmd.env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let status = cmd
        .status()
        .with_context(|| format!("cannot start side {} ({})", side.label, side.bin.display()))?;
    // 0: fine; 3: some point wrong or failed (recorded in the results and reported).
    if !matches!(status.code(), Some(0 | 3)) {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let tail: Vec<&str> = text.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "side {} ({}) exited with {status}; its log is {}:\n{}",
            side.label,
            side.describe(),
            log_path.display(),
            tail.join("\n")
        );
    }
    let results = dir.join("latest").join("results.json");
    RunResults::load(&results).with_context(|| {
        format!(
            "side {} ({}) wrote no usable results",
            side.label,
            side.describe()
        )
    })
}

/// Points measured in both runs: the number of intervals the correction is over.
fn comparable_points(a: &RunResults, b: &RunResults) -> usize {
    let ok = |r: &RunResults| -> std::collections::BTreeSet<_> {
        r.points
            .iter()
            .filter(|p| p.status == Status::Ok && p.measurement.is_some())
            .map(|p| p.key())
            .collect()
    };
    ok(a).intersection(&ok(b)).count()
}

fn check_file(path: &Path, what: &str) -> anyhow::Result<()> {
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot use {} as {what}", path.display()))?;
    if !meta.is_file() {
        bail!("{} is not a file; expected {what}", path.display());
    }
    Ok(())
}

/// A fresh directory under `out/runs/` for this invocation's rounds.
fn session_dir(out: &Path) -> anyhow::Result<PathBuf> {
    let runs = out.join("runs");
    std::fs::create_dir_all(&runs).with_context(|| format!("cannot create {}", runs.display()))?;
    let id = timefmt::run_id(SystemTime::now());
    for i in 1.. {
        let dir = runs.join(if i == 1 {
            id.clone()
        } else {
            format!("{id}-{i}")
        });
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot create {}", dir.display())),
        }
    }
    unreachable!()
}

pub(crate) fn ab(args: AbArgs) -> anyhow::Result<Outcome> {
    let (a, b) = sides(&args)?;
    // A bad thresholds file should fail now, not after every round has run.
    if let Some(path) = &args.gate.thresholds {
        parbench_analysis::thresholds::ThresholdsFile::load(path)?;
    }
    let seed = args.seed.unwrap_or_else(|| {
        let t = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        parbench_analysis::rng::mix64(t ^ std::process::id() as u64)
    });
    let session = session_dir(&args.out)?;
    let settings = RunSettings {
        suites: &args.suites,
        variants: &args.variants,
        quick: args.quick,
    };
    errln!(
        "parbench ab: A = {}\nparbench ab: B = {}{}\nparbench ab: ABBA order seed {seed}; runs in {}",
        a.describe(),
        b.describe(),
        if args.aa {
            " (A/A: the same build twice)"
        } else {
            ""
        },
        session.display()
    );

    let mut planned = args.rounds.map_or(DEFAULT_ROUNDS, |r| r as usize);
    let mut rounds: Vec<Round> = Vec::new();
    let started = Instant::now();
    let mut i = 0;
    while i < planned {
        let order = abba_orders(planned, seed)[i];
        let round = run_round(i, planned, order, (&a, &b), &session, &settings)?;
        if i == 0 {
            planned = rounds_needed(&args, &round, planned)?;
        }
        rounds.push(round);
        i += 1;
    }
    errln!(
        "parbench ab: {} rounds in {:.1} s",
        rounds.len(),
        started.elapsed().as_secs_f64()
    );

    let b_label = b.describe();
    let policy = policy(&rounds[0].b, &b_label, &args.gate)?;
    let c = ab_comparison(
        &rounds,
        &a.describe(),
        &b_label,
        &policy,
        &AbOptions {
            family_level: args.gate.level,
            seed,
            aa: args.aa,
        },
    )?;
    print_table(&c);
    let [md, json] = write_outputs(&c, &args.out)?;
    errln!("parbench: wrote {} and {}", md.display(), json.display());
    if let Some(path) = &args.write_thresholds {
        write_suggested_thresholds(path, &c, &rounds[0])?;
    }
    if args.aa && c.has_regression() {
        errln!(
            "parbench: the A/A run flagged a regression: this machine's noise exceeds the thresholds in force; raise them (see SUGGESTED) or add rounds"
        );
    }
    Ok(outcome(&c))
}

/// Sides A and B from the command line (B is A for `--aa`), their binaries and configs
/// checked.
fn sides(args: &AbArgs) -> anyhow::Result<(SideSpec, SideSpec)> {
    let this = std::env::current_exe().context("cannot locate this parbench binary")?;
    if args.aa && (args.b_bin.is_some() || args.b_config.is_some()) {
        bail!("--aa runs side A against itself; drop --b-bin and --b-config (or drop --aa)");
    }
    let a = SideSpec {
        label: "A",
        bin: args.a_bin.clone().unwrap_or(this),
        config: args.a_config.clone().or_else(|| args.config.clone()),
    };
    let b = if args.aa {
        SideSpec {
            label: "B",
            ..a.clone()
        }
    } else {
        SideSpec {
            label: "B",
            bin: args.b_bin.clone().unwrap_or_else(|| a.bin.clone()),
            config: args.b_config.clone().or_else(|| args.config.clone()),
        }
    };
    if !args.aa && a.bin == b.bin && a.config == b.config {
        bail!(
            "sides A and B are the same binary and config; pass --aa to measure this machine's noise, or give --b-bin or --b-config"
        );
    }
    for side in [&a, &b] {
        check_file(
            &side.bin,
            &format!("the parbench binary of side {}", side.label),
        )?;
        if let Some(c) = &side.config {
            check_file(c, &format!("the config of side {}", side.label))?;
        }
    }
    Ok((a, b))
}

/// Runs round `i` (of `planned`) in `order`, each side into its own directory of `session`.
fn run_round(
    i: usize,
    planned: usize,
    order: RoundOrder,
    (a, b): (&SideSpec, &SideSpec),
    session: &Path,
    settings: &RunSettings<'_>,
) -> anyhow::Result<Round> {
    let sides: [&SideSpec; 2] = match order {
        RoundOrder::AB => [a, b],
        RoundOrder::BA => [b, a],
    };
    let mut got: [Option<RunResults>; 2] = [None, None];
    let mut times = Vec::new();
    for side in sides {
        let t0 = Instant::now();
        let dir = session.join(format!("round-{:02}-{}", i + 1, side.label));
        let r = run_side(side, &dir, settings)?;
        times.push(format!(
            "{} {:.1} s",
            side.label,
            t0.elapsed().as_secs_f64()
        ));
        got[(side.label == "B") as usize] = Some(r);
    }
    let [Some(ra), Some(rb)] = got else {
        unreachable!("both sides ran")
    };
    errln!(
        "parbench ab: round {}/{planned} ({order}): {}",
        i + 1,
        times.join(", ")
    );
    Ok(Round {
        order,
        a: ra,
        b: rb,
    })
}

/// The rounds to run, from the first round's points: refuses `--rounds` below what a
/// Bonferroni interval on each point needs; without it, at least that plus two.
fn rounds_needed(args: &AbArgs, first: &Round, planned: usize) -> anyhow::Result<usize> {
    let m = comparable_points(&first.a, &first.b);
    let needed = min_rounds(m, args.gate.level);
    match args.rounds {
        Some(r) if (r as usize) < needed => bail!(
            "{r} rounds are too few for a {:.0}% interval on each of {m} points (Bonferroni); use --rounds {needed} or more",
            args.gate.level * 100.0
        ),
        Some(_) => Ok(planned),
        None => Ok(planned.max(needed + 2)),
    }
}

/// Writes the thresholds an A/A comparison suggests to `path`.
fn write_suggested_thresholds(
    path: &Path,
    c: &parbench_analysis::compare::Comparison,
    first: &Round,
) -> anyhow::Result<()> {
    let file = suggested_thresholds(c, &first.a.machine, &timefmt::rfc3339(SystemTime::now()));
    write_atomic(path, file.to_toml().as_bytes())?;
    errln!(
        "parbench: wrote the suggested thresholds of {} points to {} (use with --thresholds)",
        file.points.len(),
        path.display()
    );
    Ok(())
}
