//! The scalability section: the Universal Scalability Law fitted to each variant's throughput
//! against workers (the fits stored in the results, or fitted here for results without any):
//! the measured throughputs with the fitted curves, and λ, σ, κ with 95% intervals and the
//! predicted peak. A problem where no variant has a meaningful fit shows nothing, unless its
//! points count operations per worker (the contention suite): then it says why there is no fit.

use super::{Page, Section, figure, variant_cell};
use crate::format;
use crate::output::ReportError;
use crate::plot::{Curve, FULL_WIDTH, Series, WorkersChart, XY, si_unit};
use crate::view::{Problem, ReportView, variants_of};
use maud::{Markup, Render, html};
use parbench_analysis::fit::{self, USL_MAX_RMS_RELATIVE_RESIDUAL, USL_MIN_DISTINCT_WORKERS};
use parbench_schema::fit::{ScalabilityFit, UslFit, UslPeak};
use parbench_schema::results::{Point, Status};

pub(super) struct Scalability;

/// Three significant digits, in scientific notation below 0.001.
pub(super) fn coefficient(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() < 1e-3 || v.abs() >= 1e5 {
        return format!("{v:.2e}");
    }
    let decimals = (2 - v.abs().log10().floor() as i32).max(0) as usize;
    format!("{v:.decimals$}")
}

/// The USL fits of one problem's variants.
pub(super) fn fits_of(page: &Page<'_>, problem: &Problem<'_>) -> Vec<ScalabilityFit> {
    let stored = &page.view.results.scalability;
    if stored.is_empty() {
        return fit::scalability_fits(problem.points.iter().copied());
    }
    stored
        .iter()
        .filter(|f| {
            f.suite == page.suite.name && f.size == problem.size && f.params == problem.params
        })
        .cloned()
        .collect()
}

fn peak_text(f: &UslFit, unit: &str) -> (String, String) {
    match &f.peak {
        // An interval spanning more than a factor of ten says the data does not locate a peak:
        // no number is printed as if it did.
        UslPeak::At {
            ci: Some([lo, hi]), ..
        } if *lo <= 0.0 || hi / lo > 10.0 => (
            "not determined".into(),
            format!(
                "its 95% interval spans {}–{} workers",
                coefficient(*lo),
                coefficient(*hi)
            ),
        ),
        UslPeak::At {
            workers,
            ci,
            throughput,
            beyond_measured,
        } => (
            format!(
                "{}{}",
                coefficient(*workers),
                ci.map_or(String::new(), |[lo, hi]| format!(
                    " ({}–{})",
                    coefficient(lo),
                    coefficient(hi)
                )),
            ),
            format!(
                "{}{}",
                format::throughput(*throughput, unit),
                if *beyond_measured {
                    ", beyond the counts measured"
                } else {
                    ""
                }
            ),
        ),
        UslPeak::Unbounded { ceiling: Some(c) } => (
            "none (κ = 0)".into(),
            format!("approaches {}", format::throughput(*c, unit)),
        ),
        UslPeak::Unbounded { ceiling: None } => {
            ("none (σ = κ = 0)".into(), "linear, unbounded".into())
        }
        UslPeak::OneWorker => ("1".into(), "never above one worker's".into()),
    }
}

/// `0.082` over `0.05–0.11` (HTML), the interval marked one-sided at a bound.
fn estimate(v: f64, ci: [f64; 2], at_bound: bool) -> Markup {
    html! {
        (coefficient(v)) br;
        span.note {
            (coefficient(ci[0])) "–" (coefficient(ci[1])) @if at_bound { " one-sided" }
        }
    }
}

impl Section for Scalability {
    fn problem(
        &self,
        page: &Page<'_>,
        problem: &Problem<'_>,
        out: &mut String,
    ) -> Result<(), ReportError> {
        let fits = fits_of(page, problem);
        let counts_operations = problem.points.iter().any(|p| p.operations.is_some());
        if fits.is_empty() || (!counts_operations && fits.iter().all(|f| f.result().is_err())) {
            return Ok(());
        }
        let view = page.view;
        html! { h3 { "Scalability: the Universal Scalability Law" } "\n" }.render_to(out);
        let measured: Vec<&Point> = problem
            .points
            .iter()
            .copied()
            .filter(|p| p.status == Status::Ok && p.throughput.is_some())
            .collect();
        let fitted: Vec<(&ScalabilityFit, &UslFit)> = fits
            .iter()
            .filter_map(|f| Some((f, f.result().ok()?)))
            .collect();
        if !fitted.is_empty() {
            usl_charts(view, &measured, &fitted, out)?;
        }
        usl_table(view, problem, &fits, out);
        Ok(())
    }
}

/// The measured throughputs with the fitted USL curves: one chart, or one per family of
/// primitives where the variants fall into families.
fn usl_charts(
    view: &ReportView<'_>,
    measured: &[&Point],
    fitted: &[(&ScalabilityFit, &UslFit)],
    out: &mut String,
) -> Result<(), ReportError> {
    let unit = fitted[0].0.unit.clone();
    let max = measured
        .iter()
        .filter_map(|p| p.throughput.as_ref().map(|t| t.value))
        .fold(0.0, f64::max);
    let (scale, prefix) = si_unit(max);
    let max_workers = measured.iter().map(|p| p.workers).max().unwrap_or(2).max(2) as f64;
    let (series, curves) = usl_series(view, measured, fitted, scale, max_workers);
    let y_label = format!("throughput ({prefix}{unit})");
    let caption = "Measured throughput (points) and X(N) = λN / (1 + σ(N−1) + κN(N−1)) fitted to it (dashed). A curve that bends over and falls has coherency cost (κ > 0); one that flattens has contention (σ).";
    match super::small_multiples(&series) {
        None => {
            let mut chart = WorkersChart::new(
                "Throughput vs workers with the fitted USL curves",
                &y_label,
                &series,
                view.cores,
            );
            chart.curves = &curves;
            chart.curve_legend = Some("dashed, in a variant's colour: its USL fit");
            chart.width = FULL_WIDTH.min(960);
            figure(out, &chart.render()?, caption);
        }
        Some(families) => {
            // One chart per family of primitives, each against the same reference
            // (serial) and on the same axis, so neighbours never share a chart.
            super::grid(out, |out| {
                for (family, family_series) in &families {
                    let family_curves: Vec<Curve> = curves
                        .iter()
                        .filter(|c| {
                            family_series
                                .iter()
                                .any(|s| c.label.starts_with(&format!("{}:", s.label)))
                        })
                        .cloned()
                        .collect();
                    let title = format!("Throughput and USL fits · {family}");
                    let mut chart = WorkersChart::new(&title, &y_label, family_series, view.cores);
                    chart.curves = &family_curves;
                    chart.curve_legend = Some("dashed: the variant's USL fit");
                    chart.log_y = true;
                    figure(
                        out,
                        &chart.render()?,
                        &format!("{family}, with serial as the common reference."),
                    );
                }
                Ok(())
            })?;
            html! { p.note { (caption) } "\n" }.render_to(out);
        }
    }
    Ok(())
}

/// Each variant's measured throughputs (in units of `scale`) and, where it has a fit, its
/// fitted curve from one worker to `max_workers`.
fn usl_series(
    view: &ReportView<'_>,
    measured: &[&Point],
    fitted: &[(&ScalabilityFit, &UslFit)],
    scale: f64,
    max_workers: f64,
) -> (Vec<Series>, Vec<Curve>) {
    let mut series = Vec::new();
    let mut curves = Vec::new();
    for v in variants_of(measured) {
        let mut xy: Vec<XY> = measured
            .iter()
            .filter(|p| p.variant == v)
            .filter_map(|p| {
                Some(XY {
                    x: p.workers as f64,
                    y: p.throughput.as_ref()?.value / scale,
                    interval: None,
                    hollow: p.oversubscribed,
                })
            })
            .collect();
        xy.sort_by(|a, b| a.x.total_cmp(&b.x));
        let color = view.palette.color(v);
        let mut s = Series::new(v, color, xy);
        s.baseline = measured
            .iter()
            .filter(|p| p.variant == v)
            .all(|p| p.workers == 1);
        series.push(s);
        if let Some((_, f)) = fitted.iter().find(|(sf, _)| sf.variant == v) {
            let steps = 64;
            curves.push(Curve {
                label: format!("{v}: USL fit"),
                color,
                points: (0..=steps)
                    .map(|i| {
                        let n = 1.0 + (max_workers - 1.0) * i as f64 / steps as f64;
                        (n, f.throughput(n) / scale)
                    })
                    .collect(),
            });
        }
    }
    (series, curves)
}

/// The table of each variant's fitted coefficients and peak, or why it has no fit.
fn usl_table(
    view: &ReportView<'_>,
    problem: &Problem<'_>,
    fits: &[ScalabilityFit],
    out: &mut String,
) {
    let mut rows: Vec<Markup> = Vec::new();
    for v in variants_of(&problem.points) {
        let Some(f) = fits.iter().find(|f| f.variant == v) else {
            continue;
        };
        rows.push(usl_row(view, v, f));
    }
    html! {
        div.scroll { table {
            "\n"
            thead { tr {
                th { "variant" }
                th.num { "λ: one worker" br; "(95% CI)" }
                th.num { "σ contention" br; "(95% CI)" }
                th.num { "κ coherency" br; "(95% CI)" }
                th.num { "peak N* = √((1−σ)/κ)" br; "workers (95% CI)" }
                th.num { "points / counts" br; "RMS residual" }
            } } "\n"
            tbody { "\n" @for r in &rows { (r) } }
            "\n"
        } } "\n"
        p.note {
            "Least squares on the logarithm of throughput (each measurement weighs by its relative error) with σ, κ ≥ 0; intervals from the fit's covariance (Student t). A fit needs at least "
            (USL_MIN_DISTINCT_WORKERS)
            " distinct worker counts (three parameters) and measurements within "
            (format!("{:.0}", USL_MAX_RMS_RELATIVE_RESIDUAL * 100.0))
            "% (RMS) of the curve; otherwise the table says why there is none. Worker counts beyond the "
            (view.cores)
            " logical cores are fitted too: there the workers take turns on the same cores, so σ and κ also describe the scheduler."
        } "\n"
    }
    .render_to(out);
}

/// One variant's row of the USL table.
fn usl_row(view: &ReportView<'_>, v: &str, f: &ScalabilityFit) -> Markup {
    match f.result() {
        Ok(u) => {
            let (peak, peak_x) = peak_text(u, &f.unit);
            let contention = u.sigma >= 1.0;
            html! {
                tr class=[contention.then_some("has-notes")] {
                    td { (variant_cell(view, v)) }
                    td.num {
                        (format::throughput(u.lambda, &f.unit)) br;
                        span.note {
                            (format::throughput(u.lambda_ci[0], "").trim_end()) "–"
                            (format::throughput(u.lambda_ci[1], "").trim_end())
                        }
                    }
                    td.num { (estimate(u.sigma, u.sigma_ci, u.sigma_at_bound)) }
                    td.num { (estimate(u.kappa, u.kappa_ci, u.kappa_at_bound)) }
                    td.num { (peak) br; span.note { (peak_x) } }
                    td.num {
                        (u.points) " / " (u.distinct_workers) br;
                        span.note { (format::percent(u.rms_relative_residual)) }
                    }
                } "\n"
                @if contention {
                    tr.notes {
                        td {}
                        td colspan="5" class="wrap" {
                            "σ ≥ 1: every added worker costs more than it brings"
                        }
                    } "\n"
                }
            }
        }
        Err(e) => html! {
            tr {
                td { (variant_cell(view, v)) }
                td colspan="5" class="wrap" { (e) }
            } "\n"
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coefficients_have_three_significant_digits() {
        assert_eq!(coefficient(0.0), "0");
        assert_eq!(coefficient(0.0523), "0.0523");
        assert_eq!(coefficient(1.5), "1.50");
        assert_eq!(coefficient(15.24), "15.2");
        assert_eq!(coefficient(0.000_123_4), "1.23e-4");
    }
}
