//! Progress on stderr: a progress bar on a terminal, one plain line per point otherwise (CI logs,
//! pipes). Colour only on a terminal and never when `NO_COLOR` is set.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use parbench_harness::engine::SampleProgress;
use parbench_schema::results::{Point, Status};
use parbench_suites::runner::Observer;
use std::io::IsTerminal;

pub(crate) struct Progress {
    bar: Option<ProgressBar>,
    total: usize,
    index: usize,
    label: String,
}

fn colour_allowed() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
}

/// One line describing a finished point.
pub(crate) fn point_line(p: &Point) -> String {
    let mut s = String::new();
    if let Some(m) = &p.measurement {
        s.push_str(&format!(
            "median {} ±{:.1}%",
            m.stats.median,
            m.stats.relative_ci_width() * 50.0
        ));
    }
    if let Some(sp) = p.derived.speedup {
        s.push_str(&format!("  speedup {sp:.2}×"));
    }
    if p.oversubscribed {
        s.push_str("  (oversubscribed)");
    }
    s.push_str(&format!("  {}", p.status));
    if let (Some(r), true) = (&p.reason, p.status != Status::Ok) {
        s.push_str(&format!(": {r}"));
    }
    s
}

impl Progress {
    pub(crate) fn new() -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let template = if colour_allowed() {
                "{spinner:.cyan} [{pos:>3}/{len}] {bar:30.cyan/blue} {elapsed_precise} {wide_msg}"
            } else {
                "{spinner} [{pos:>3}/{len}] {bar:30} {elapsed_precise} {wide_msg}"
            };
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(template)
                    .expect("valid template")
                    .progress_chars("=> "),
            );
            bar
        });
        Progress {
            bar,
            total: 0,
            index: 0,
            label: String::new(),
        }
    }

    pub(crate) fn finish(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Progress {
    fn started(&mut self, total: usize) {
        self.total = total;
    }

    fn repetition_started(&mut self, step: usize, total_steps: usize, label: &str) {
        self.label = parbench_reports::escape::terminal(label).into_owned();
        if let Some(bar) = &self.bar {
            bar.set_length(total_steps as u64);
            bar.set_position(step as u64 - 1);
            bar.set_message(self.label.clone());
        }
    }

    fn sample(&mut self, p: SampleProgress) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "{}  ({} samples, {:.1}/{:.1} s)",
                self.label,
                p.samples,
                p.elapsed.as_secs_f64(),
                p.budget.as_secs_f64()
            ));
        }
    }

    fn point_finished(&mut self, point: &Point) {
        self.index += 1;
        let label = parbench_suites::runner::point_label(
            &point.suite,
            &point.size,
            &point.variant,
            point.workers,
            &point.params,
        );
        let line = format!(
            "[{:>3}/{}] {label}  {}",
            self.index,
            self.total,
            point_line(point)
        );
        let line = parbench_reports::escape::terminal(&line).into_owned();
        match &self.bar {
            Some(bar) => bar.println(line),
            None => errln!("{line}"),
        }
    }

    fn note(&mut self, message: &str) {
        let message = parbench_reports::escape::terminal(message);
        match &self.bar {
            Some(bar) => bar.println(message),
            None => errln!("{message}"),
        }
    }
}
