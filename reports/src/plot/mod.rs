//! SVG charts drawn with plotters (SVG backend, no system fonts), the building blocks of every
//! report page: lines against workers or problem size, box plots of raw samples, stacked bars of
//! time components and heatmaps. Every chart has a title, axis titles with units and a legend
//! below the plot area (never over the data); plotters escapes all text it writes.

mod boxplot;
mod heatmap;
mod legend;
mod lines;
mod stacked;

pub use boxplot::{BoxPlotChart, BoxRow};
pub use heatmap::{ColorScale, HeatCell, HeatmapChart};
pub use legend::{LegendEntry, Swatch};
pub use lines::{Curve, SizeChart, SizeMarker, WorkersChart};
pub use stacked::{Bar, StackedBarChart};

use plotters::prelude::*;

/// Font family of every chart (plotters' SVG backend writes it as the `font-family`).
pub(crate) const FONT: &str = "sans-serif";
// plotters writes `font-size = size / 1.24`: these sizes give about 18, 14.5 and 13 px text.
pub(crate) const TITLE_SIZE: f64 = 22.0;
pub(crate) const DESC_SIZE: f64 = 18.0;
pub(crate) const LABEL_SIZE: f64 = 16.0;
/// Width of one character of `LABEL_SIZE` text, for layout (plotters cannot measure SVG text).
pub(crate) const LABEL_CHAR_PX: f64 = 7.4;
pub(crate) const GRID: RGBColor = RGBColor(232, 232, 232);
pub(crate) const AXIS: RGBColor = RGBColor(110, 110, 110);
pub(crate) const REFERENCE: RGBColor = RGBColor(120, 120, 120);
/// Marks results that must not be read as valid (wrong answers).
pub(crate) const WRONG: RGBColor = RGBColor(179, 38, 30);
/// The machine's bound drawn on a chart.
pub const BOUND: RGBColor = RGBColor(200, 40, 40);
/// Default size of a chart shown two to a row on a 1200 px page.
pub const HALF_WIDTH: u32 = 568;
/// The most a chart shown alone on a row of a 1200 px page may be wide.
pub const FULL_WIDTH: u32 = 1152;
/// Default width of charts shown alone on a row (box plots, stacked bars): narrower than the
/// page so that their text stays readable when printed on A4 (scaled to about 75%).
pub const WIDE: u32 = 960;
/// Default height of a line chart's plot (its legend adds rows below).
pub const DEFAULT_HEIGHT: u32 = 360;

/// A chart that plotters could not draw, named by its title.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart `{title}`: {message}")]
pub struct PlotError {
    /// The chart's title.
    pub title: String,
    /// What plotters reported.
    pub message: String,
}

impl PlotError {
    pub(crate) fn new(title: &str, e: impl std::fmt::Display) -> PlotError {
        PlotError {
            title: title.to_string(),
            message: e.to_string(),
        }
    }
}

/// One point of a series, with an optional interval drawn as an error bar.
#[derive(Debug, Clone, PartialEq)]
pub struct XY {
    /// Position on the x axis (workers, problem size).
    pub x: f64,
    /// Value on the y axis, in the axis's unit.
    pub y: f64,
    /// Low and high end of the error bar; `None` draws no bar.
    pub interval: Option<(f64, f64)>,
    /// Drawn hollow (oversubscribed points).
    pub hollow: bool,
}

/// A named line of points in one colour (one variant).
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label (the variant's name).
    pub label: String,
    /// Colour of its line and markers.
    pub color: RGBColor,
    /// Its measured points, each with its optional error bar.
    pub points: Vec<XY>,
    /// Also drawn as a dashed horizontal line across the chart at its first point's value: a
    /// baseline measured at one worker only (the serial variant).
    pub baseline: bool,
    /// x values the line must not be drawn across (a worker count whose point failed or was
    /// wrong): the line breaks there instead of suggesting a measurement.
    pub breaks: Vec<f64>,
}

impl Series {
    /// A plain series: not a baseline, no breaks.
    pub fn new(label: impl Into<String>, color: RGBColor, points: Vec<XY>) -> Series {
        Series {
            label: label.into(),
            color,
            points,
            baseline: false,
            breaks: Vec::new(),
        }
    }
}

/// A time unit for an axis: values in ns are divided by `ns` to be shown in `name`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimeUnit {
    /// Nanoseconds per unit (1e3 for µs).
    pub ns: f64,
    /// The unit's symbol (`ns`, `µs`, `ms`, `s`).
    pub name: &'static str,
}

/// The unit that shows `max_ns` with one to three integer digits.
pub fn time_unit(max_ns: f64) -> TimeUnit {
    let (ns, name) = if max_ns >= 1e9 {
        (1e9, "s")
    } else if max_ns >= 1e6 {
        (1e6, "ms")
    } else if max_ns >= 1e3 {
        (1e3, "µs")
    } else {
        (1.0, "ns")
    };
    TimeUnit { ns, name }
}

/// An SI prefix for an axis: values are divided by `scale` and the unit gets `prefix`.
pub fn si_unit(max: f64) -> (f64, &'static str) {
    for (scale, prefix) in [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")] {
        if max.abs() >= scale {
            return (scale, prefix);
        }
    }
    (1.0, "")
}

/// A tick label: at most three decimals, trailing zeros dropped.
pub fn tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let s = if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.3}")
    };
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A signed percentage tick label for a relative difference (`0.05` -> `+5%`).
pub fn signed_percent_tick(v: f64) -> String {
    if v.abs() < 1e-9 {
        "0%".into()
    } else if v > 0.0 {
        format!("+{}%", tick(v * 100.0))
    } else {
        format!("−{}%", tick(-v * 100.0))
    }
}

/// A percentage tick label for a fraction (`0.5` -> `50%`).
pub fn percent_tick(v: f64) -> String {
    format!("{}%", tick(v * 100.0))
}

/// A count with an SI prefix for axis labels: `1000` -> `1k`, `2500000` -> `2.5M`.
pub fn format_count(v: f64) -> String {
    let (scale, prefix) = si_unit(v);
    format!("{}{prefix}", tick(v / scale))
}

/// Shortens `text` to at most `max_chars` characters, ending with `…` when cut.
pub(crate) fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max_chars.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Lower and upper bounds of a log axis covering `[lo, hi]`, widened to whole decades so that
/// plotters always has labelled ticks (it labels powers of ten).
pub(crate) fn decade_range(lo: f64, hi: f64) -> (f64, f64) {
    let lo = if lo > 0.0 { lo } else { 1.0 };
    let hi = hi.max(lo * 1.0001);
    let a = 10f64.powf(lo.log10().floor());
    let mut b = 10f64.powf(hi.log10().ceil());
    if b <= a {
        b = a * 10.0;
    }
    (a, b)
}

/// How many labels to ask plotters for on a log axis over `[lo, hi]`: over up to two decades
/// enough that it places a tick at every multiple (1, 2, …, 9) of each power of ten, so the
/// axis labels more than the decades (see [`log_tick_shown`]); over more, the decades.
pub(crate) fn log_label_count(lo: f64, hi: f64) -> usize {
    let decades = (hi / lo).log10().round().max(1.0);
    if decades <= 2.0 {
        (10.0 * decades) as usize + 1
    } else {
        8
    }
}

/// Whether a tick of a log axis over `[lo, hi]` gets a label: over up to one decade 1, 2, 3
/// and 5 times a power of ten, over two 1, 2 and 5, over more every tick plotters places.
pub(crate) fn log_tick_shown(v: f64, lo: f64, hi: f64) -> bool {
    let decades = (hi / lo).log10().round().max(1.0);
    if decades > 2.0 || v <= 0.0 {
        return true;
    }
    let mantissa = v / 10f64.powf(v.log10().floor());
    let near = |m: f64| (mantissa - m).abs() < 1e-6 * m || (mantissa - 10.0 * m).abs() < 1e-5;
    if decades <= 1.0 {
        [1.0, 2.0, 3.0, 5.0].iter().any(|m| near(*m))
    } else {
        [1.0, 2.0, 5.0].iter().any(|m| near(*m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_and_ticks() {
        assert_eq!(time_unit(999.0).name, "ns");
        assert_eq!(time_unit(1_500.0).name, "µs");
        assert_eq!(time_unit(2.5e7).name, "ms");
        assert_eq!(time_unit(3e9).name, "s");
        assert_eq!(si_unit(2.1e9), (1e9, "G"));
        assert_eq!(si_unit(12.0), (1.0, ""));
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(1.125), "1.125");
        assert_eq!(tick(1500.0), "1500");
        assert_eq!(percent_tick(0.25), "25%");
        assert_eq!(signed_percent_tick(0.05), "+5%");
        assert_eq!(signed_percent_tick(-0.1), "−10%");
        assert_eq!(signed_percent_tick(-1e-17), "0%");
        assert_eq!(format_count(1000.0), "1k");
        assert_eq!(format_count(2.5e6), "2.5M");
        assert_eq!(format_count(10.0), "10");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(decade_range(2000.0, 9000.0), (1000.0, 10000.0));
        assert_eq!(decade_range(1000.0, 1000.0), (1000.0, 10000.0));
        // One decade: labels beyond the decades.
        assert!(log_label_count(0.1, 1.0) > 10);
        assert!(log_tick_shown(0.2, 0.1, 1.0) && log_tick_shown(0.5, 0.1, 1.0));
        assert!(!log_tick_shown(0.7, 0.1, 1.0));
        assert!(log_tick_shown(0.7, 1e-3, 1e3));
    }
}
