//! The summary table printed on stdout after a run: one row per point.

use parbench_schema::results::{FlagKind, Point, RunResults};

/// Prints rows as left-aligned columns (the first row is the header).
pub(crate) fn print_rows(rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            }
        }
        outln!("{}", line.trim_end());
    }
}

pub(crate) fn print_table(results: &RunResults) {
    let mut rows = vec![
        [
            "SUITE",
            "SIZE",
            "VARIANT",
            "WORKERS",
            "MEDIAN",
            "95% RERUN INTERVAL",
            "THROUGHPUT",
            "SPEEDUP",
            "EFFICIENCY",
            "STATUS",
        ]
        .map(String::from)
        .to_vec(),
    ];
    let mut any_over = false;
    for p in &results.points {
        any_over |= p.oversubscribed;
        let (median, ci) = match &p.measurement {
            Some(m) => (
                m.stats.median.to_string(),
                format!("{} – {}", m.stats.ci_low, m.stats.ci_high),
            ),
            None => ("–".into(), "–".into()),
        };
        let mut suite = p.suite.clone();
        if !p.params.is_empty() {
            suite.push_str(&format!(" [{}]", p.params_label()));
        }
        rows.push(vec![
            suite,
            p.size.clone(),
            p.variant.to_string(),
            format!("{}{}", p.workers, if p.oversubscribed { "*" } else { "" }),
            median,
            ci,
            p.throughput.as_ref().map_or("–".into(), |t| {
                parbench_reports::format::throughput(t.value, &t.unit)
            }),
            p.derived.speedup.map_or("–".into(), |s| format!("{s:.2}×")),
            p.derived
                .efficiency
                .map_or("–".into(), |e| format!("{:.0}%", e * 100.0)),
            status_cell(p),
        ]);
    }
    print_rows(&rows);
    if any_over {
        outln!(
            "* oversubscribed: more workers than the {} logical cores",
            results.machine.logical_cores
        );
    }
}

/// The status, with the self-checks a point failed (`ok!` and their names).
fn status_cell(p: &Point) -> String {
    if p.derived.flags.is_empty() {
        return p.status.to_string();
    }
    let kinds: Vec<&str> = p.derived.flags.iter().map(|f| flag_name(f.kind)).collect();
    format!("{}! {}", p.status, kinds.join(","))
}

fn flag_name(kind: FlagKind) -> &'static str {
    match kind {
        FlagKind::OneWorkerOffSerial => "1-worker-off-serial",
        FlagKind::Superlinear => "superlinear",
        FlagKind::Disturbed => "disturbed",
        FlagKind::FewSamples => "few-samples",
        FlagKind::AboveBound => "above-bound",
    }
}

/// How far the run's figures can be trusted, in one line (and what a `--quick` run is).
pub(crate) fn trust_line(results: &RunResults) -> String {
    let measured: Vec<&Point> = results
        .points
        .iter()
        .filter(|p| p.measurement.is_some())
        .collect();
    let count = |kind: FlagKind| {
        measured
            .iter()
            .filter(|p| p.derived.flags.iter().any(|f| f.kind == kind))
            .count()
    };
    let flagged = measured
        .iter()
        .filter(|p| !p.derived.flags.is_empty())
        .count();
    let wide = measured
        .iter()
        .filter(|p| p.warnings.iter().any(|w| w.contains("wide, above the")))
        .count();
    let env = results.environment.clone().unwrap_or_default();
    let mut line = format!(
        "trust: {} points measured in {} interleaved repetition{} each; {} disturbed, {} flagged by self-checks, {} with intervals wider than the target",
        measured.len(),
        env.repetitions.max(1),
        if env.repetitions == 1 { "" } else { "s" },
        count(FlagKind::Disturbed),
        flagged,
        wide,
    );
    if env.remeasured > 0 {
        line.push_str(&format!(
            "; {} disturbed repetitions measured again",
            env.remeasured
        ));
    }
    if let Some(busy) = &env.busy_at_start {
        line.push_str(&format!("; the machine was busy at the start ({busy})"));
    }
    if results.config.quick {
        line.push_str(
            "; --quick: smoke-test figures (few repetitions, tiny budgets), not for publishing",
        );
    } else if flagged == 0 && env.busy_at_start.is_none() {
        line.push_str("; nothing flagged");
    }
    line.push('.');
    line
}

/// The crossovers of accelerator variants found over size sweeps, one line each.
pub(crate) fn print_crossovers(results: &RunResults) {
    if results.crossovers.is_empty() {
        return;
    }
    outln!();
    outln!("OpenCL against the best CPU point at each size (crossover):");
    for c in &results.crossovers {
        let params = c.params_label();
        outln!(
            "  {} {}{} ({}): {}",
            c.suite,
            c.variant,
            if params.is_empty() {
                String::new()
            } else {
                format!(" [{params}]")
            },
            c.measure,
            c.summary()
        );
    }
}
