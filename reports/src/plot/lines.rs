//! Line charts: a measure against workers ([`WorkersChart`]: time, speedup, efficiency,
//! throughput, with the oversubscribed region shaded, oversubscribed points hollow, error bars,
//! fitted curves and reference lines) and against problem size on log-log axes ([`SizeChart`]).

use super::legend::{LegendEntry, Swatch, draw_legend, legend_height};
use super::{
    AXIS, DEFAULT_HEIGHT, DESC_SIZE, FONT, GRID, HALF_WIDTH, LABEL_SIZE, PlotError, REFERENCE,
    Series, TITLE_SIZE, WRONG, XY, decade_range, tick,
};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::prelude::*;

/// A curve drawn dashed in a series' colour (a model fitted to that series).
#[derive(Debug, Clone)]
pub struct Curve {
    /// Legend label of the curve (e.g. `rayon: USL fit`).
    pub label: String,
    /// Colour: the colour of the series it fits.
    pub color: RGBColor,
    /// Sampled (x, y) points of the curve.
    pub points: Vec<(f64, f64)>,
}

/// A chart of y against workers.
#[derive(Debug, Clone)]
pub struct WorkersChart<'a> {
    /// Chart title.
    pub title: &'a str,
    /// The y axis title, with its unit.
    pub y_label: &'a str,
    /// The lines, one per variant.
    pub series: &'a [Series],
    /// Logical cores: workers beyond this are shaded as oversubscribed.
    pub cores: u32,
    /// Draw y = x (ideal speedup).
    pub ideal: bool,
    /// A horizontal reference line (e.g. 100% efficiency) and its legend label.
    pub reference: Option<(f64, &'a str)>,
    /// Fitted curves, drawn dashed.
    pub curves: &'a [Curve],
    /// Points drawn as red crosses outside any series (measured points whose answer was wrong),
    /// with their legend label.
    pub crosses: &'a [(f64, f64)],
    /// Legend label of `crosses`.
    pub cross_label: &'a str,
    /// One legend entry standing for every curve (their colours say which series each fits),
    /// instead of one entry per curve.
    pub curve_legend: Option<&'a str>,
    /// Formats y tick labels.
    pub y_format: fn(f64) -> String,
    /// Switch to a logarithmic y axis when the values span more than a factor of 10 (ideal and
    /// with an ideal or reference line, which need a linear axis to read right).
    pub log_y: bool,
    /// Width of the SVG in px.
    pub width: u32,
    /// Height of the plot; the legend adds its rows below.
    pub height: u32,
}

impl<'a> WorkersChart<'a> {
    /// A chart with default size, no reference lines and plain tick labels.
    pub fn new(title: &'a str, y_label: &'a str, series: &'a [Series], cores: u32) -> Self {
        WorkersChart {
            title,
            y_label,
            series,
            cores,
            ideal: false,
            reference: None,
            curves: &[],
            curve_legend: None,
            crosses: &[],
            cross_label: "wrong answer (measured, never ranked)",
            y_format: tick,
            log_y: false,
            width: HALF_WIDTH,
            height: DEFAULT_HEIGHT,
        }
    }

    /// The chart as an SVG document.
    pub fn render(&self) -> Result<String, PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let all: Vec<&XY> = self.series.iter().flat_map(|s| s.points.iter()).collect();
        let max_x = all.iter().map(|p| p.x).fold(1.0f64, f64::max).max(2.0);
        let max_y = self.max_y(&all, max_x);

        let over = (self.cores as f64) < max_x;
        let shade = RGBColor(190, 190, 190);
        let entries = self.legend_entries(&all, over, shade);

        let min_positive = self.min_positive(&all);
        // Over more than a factor of ten a linear axis squashes the small values onto zero.
        let log = self.log_y && min_positive.is_finite() && max_y / min_positive > 10.0;

        let mut svg = String::new();
        {
            let legend_h = legend_height(&entries, self.width);
            let root = SVGBackend::with_string(&mut svg, (self.width, self.height + legend_h))
                .into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (top, bottom) = root.split_vertically(self.height);
            let mut builder = ChartBuilder::on(&top);
            builder
                .caption(self.title, (FONT, TITLE_SIZE))
                .margin(10)
                .margin_right(18)
                .x_label_area_size(48)
                .y_label_area_size(if log { 80 } else { 68 });
            let x_range = 0.5f64..max_x + 0.5;
            if log {
                let (y0, y1) = decade_range(min_positive, max_y);
                let mut chart = builder
                    .build_cartesian_2d(x_range, (y0..y1).log_scale())
                    .map_err(|e| err(&e))?;
                self.draw_body(
                    &mut chart,
                    max_x,
                    (y0, y1),
                    over,
                    shade,
                    &format!("{} (log scale)", self.y_label),
                )?;
            } else {
                let mut chart = builder
                    .build_cartesian_2d(x_range, 0f64..max_y)
                    .map_err(|e| err(&e))?;
                self.draw_body(&mut chart, max_x, (0.0, max_y), over, shade, self.y_label)?;
            }
            draw_legend(&bottom, &entries, self.title)?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(svg)
    }

    /// The top of the y axis: the highest value, interval end, curve point, cross or
    /// reference line, the ideal line where drawn, plus a tenth.
    fn max_y(&self, all: &[&XY], max_x: f64) -> f64 {
        let mut max_y = all
            .iter()
            .map(|p| p.interval.map_or(p.y, |i| i.1.max(p.y)))
            .chain(
                self.curves
                    .iter()
                    .flat_map(|c| c.points.iter().map(|p| p.1)),
            )
            .chain(self.crosses.iter().map(|c| c.1))
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        if let Some((y, _)) = self.reference {
            max_y = max_y.max(y);
        }
        if self.ideal {
            // Show the ideal line up to where the data is, and at least to twice the data's top.
            max_y = max_y.max(max_x.min(max_y * 1.5).max(1.0));
        }
        if max_y > 0.0 { max_y * 1.1 } else { 1.0 }
    }

    /// The legend: the oversubscribed shading (`over`), hollow points, reference lines, crosses,
    /// then the series and curves.
    fn legend_entries(&self, all: &[&XY], over: bool, shade: RGBColor) -> Vec<LegendEntry> {
        let mut entries = Vec::new();
        if over {
            entries.push(LegendEntry::new(
                format!("oversubscribed (> {} cores)", self.cores),
                Swatch::Fill(shade, 0.3),
            ));
        }
        if all.iter().any(|p| p.hollow) {
            entries.push(LegendEntry::new(
                "hollow: oversubscribed point",
                Swatch::Marker {
                    color: AXIS,
                    hollow: true,
                },
            ));
        }
        if self.ideal {
            entries.push(LegendEntry::new(
                "ideal (speedup = workers)",
                Swatch::Dashed(REFERENCE),
            ));
        }
        if let Some((_, label)) = self.reference {
            entries.push(LegendEntry::new(label, Swatch::Dashed(REFERENCE)));
        }
        if !self.crosses.is_empty() {
            entries.push(LegendEntry::new(self.cross_label, Swatch::Cross(WRONG)));
        }
        match self.curve_legend {
            Some(label) if !self.curves.is_empty() => {
                push_series_entries(&mut entries, self.series, &[]);
                entries.push(LegendEntry::new(label, Swatch::Dashed(AXIS)));
            }
            _ => push_series_entries(&mut entries, self.series, self.curves),
        }
        entries
    }

    /// The smallest positive value, interval end or cross (infinite where there is none).
    fn min_positive(&self, all: &[&XY]) -> f64 {
        let positive: Vec<f64> = all
            .iter()
            .flat_map(|p| {
                let (lo, hi) = p.interval.unwrap_or((p.y, p.y));
                [p.y, lo, hi]
            })
            .filter(|v| v.is_finite() && *v > 0.0)
            .collect();
        positive
            .iter()
            .copied()
            .chain(self.crosses.iter().map(|c| c.1).filter(|v| *v > 0.0))
            .fold(f64::INFINITY, f64::min)
    }

    fn draw_body<Y>(
        &self,
        chart: &mut Chart<'_, '_, plotters::coord::types::RangedCoordf64, Y>,
        max_x: f64,
        (y0, y1): (f64, f64),
        over: bool,
        shade: RGBColor,
        y_desc: &str,
    ) -> Result<(), PlotError>
    where
        Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let y_format = self.y_format;
        let log = y_desc.ends_with("(log scale)");
        let shown = |y: f64| !log || super::log_tick_shown(y, y0, y1);
        chart
            .configure_mesh()
            .x_desc("workers (threads or processes)")
            .y_desc(y_desc)
            .x_labels((max_x as usize + 1).min(16))
            .y_labels(if log {
                super::log_label_count(y0, y1)
            } else {
                8
            })
            .x_label_formatter(&|x| {
                if (x - x.round()).abs() < 1e-9 {
                    format!("{x:.0}")
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| {
                if shown(*y) {
                    y_format(*y)
                } else {
                    String::new()
                }
            })
            .axis_desc_style((FONT, DESC_SIZE))
            .label_style((FONT, LABEL_SIZE))
            .light_line_style(RGBColor(246, 246, 246))
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .draw()
            .map_err(|e| err(&e))?;
        if over {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(self.cores as f64 + 0.5, y0), (max_x + 0.5, y1)],
                    shade.mix(0.3).filled(),
                )))
                .map_err(|e| err(&e))?;
        }
        if self.ideal {
            let top = max_x.min(y1);
            // Sampled: y = x is a curve on a log axis.
            let ideal: Vec<(f64, f64)> = (0..=32)
                .map(|i| {
                    let x = 1.0 + (top - 1.0) * i as f64 / 32.0;
                    (x, x)
                })
                .filter(|p| p.1 >= y0)
                .collect();
            chart
                .draw_series(DashedLineSeries::new(
                    ideal,
                    6,
                    4,
                    REFERENCE.stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
        }
        if let Some((y, _)) = self.reference {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.5, y), (max_x + 0.5, y)],
                    6,
                    4,
                    REFERENCE.stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
        }
        for c in self.curves {
            draw_curve(chart, c, self.title)?;
        }
        for s in self.series {
            draw_series(chart, s, (0.5, max_x + 0.5), self.title)?;
        }
        chart
            .draw_series(self.crosses.iter().filter(|c| c.1.is_finite()).map(|c| {
                EmptyElement::at(*c)
                    + PathElement::new(vec![(-6, -6), (6, 6)], WRONG.stroke_width(3))
                    + PathElement::new(vec![(-6, 6), (6, -6)], WRONG.stroke_width(3))
            }))
            .map_err(|e| err(&e))?;
        Ok(())
    }
}

/// A vertical mark on a [`SizeChart`]: a problem size (a crossover) with an optional interval,
/// shaded.
#[derive(Debug, Clone)]
pub struct SizeMarker {
    /// Legend label of the mark.
    pub label: String,
    /// The problem size marked.
    pub x: f64,
    /// The interval shaded around `x`; an end of `None` reaches the edge of the chart.
    pub interval: Option<(Option<f64>, Option<f64>)>,
    /// Colour of the mark and its shading.
    pub color: RGBColor,
    /// Dashed (else solid).
    pub dashed: bool,
}

/// A chart of time (or any positive measure) against problem size, both axes logarithmic.
#[derive(Debug, Clone)]
pub struct SizeChart<'a> {
    /// Chart title.
    pub title: &'a str,
    /// The x axis title: the workload's measure of size.
    pub x_label: &'a str,
    /// The y axis title, with its unit.
    pub y_label: &'a str,
    /// The lines, one per variant.
    pub series: &'a [Series],
    /// Formats y tick labels (values as given, e.g. ns).
    pub y_format: fn(f64) -> String,
    /// Vertical marks (crossovers), drawn under the series.
    pub markers: &'a [SizeMarker],
    /// Width of the SVG in px.
    pub width: u32,
    /// Height of the plot; the legend adds its rows below.
    pub height: u32,
}

impl<'a> SizeChart<'a> {
    /// A chart with default size, no markers and plain tick labels.
    pub fn new(title: &'a str, x_label: &'a str, y_label: &'a str, series: &'a [Series]) -> Self {
        SizeChart {
            title,
            x_label,
            y_label,
            series,
            markers: &[],
            y_format: tick,
            width: HALF_WIDTH,
            height: DEFAULT_HEIGHT,
        }
    }

    /// The chart as an SVG document.
    pub fn render(&self) -> Result<String, PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let all: Vec<&XY> = self.series.iter().flat_map(|s| s.points.iter()).collect();
        let ((x0, x1), (y0, y1)) = self.ranges(&all);
        let entries = self.legend_entries(&all);

        let mut svg = String::new();
        {
            let legend_h = legend_height(&entries, self.width);
            let root = SVGBackend::with_string(&mut svg, (self.width, self.height + legend_h))
                .into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (top, bottom) = root.split_vertically(self.height);
            let mut chart = ChartBuilder::on(&top)
                .caption(self.title, (FONT, TITLE_SIZE))
                .margin(10)
                .margin_right(18)
                .x_label_area_size(48)
                .y_label_area_size(80)
                .build_cartesian_2d((x0..x1).log_scale(), (y0..y1).log_scale())
                .map_err(|e| err(&e))?;
            let y_format = self.y_format;
            chart
                .configure_mesh()
                .x_desc(self.x_label)
                .y_desc(self.y_label)
                .x_labels(super::log_label_count(x0, x1).min(12))
                .y_labels(super::log_label_count(y0, y1))
                .x_label_formatter(&|x| {
                    if super::log_tick_shown(*x, x0, x1) {
                        super::format_count(*x)
                    } else {
                        String::new()
                    }
                })
                .y_label_formatter(&|y| {
                    if super::log_tick_shown(*y, y0, y1) {
                        y_format(*y)
                    } else {
                        String::new()
                    }
                })
                .axis_desc_style((FONT, DESC_SIZE))
                .label_style((FONT, LABEL_SIZE))
                .light_line_style(RGBColor(245, 245, 245))
                .bold_line_style(GRID)
                .axis_style(AXIS)
                .draw()
                .map_err(|e| err(&e))?;
            self.draw_markers(&mut chart, (x0, x1), (y0, y1))?;
            for s in self.series {
                draw_series(&mut chart, s, (x0, x1), self.title)?;
            }
            draw_legend(&bottom, &entries, self.title)?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(svg)
    }

    /// The decades the axes span: every positive x (points and markers) and y (points and
    /// their intervals).
    fn ranges(&self, all: &[&XY]) -> ((f64, f64), (f64, f64)) {
        let positive = |v: &f64| v.is_finite() && *v > 0.0;
        let xs: Vec<f64> = all
            .iter()
            .map(|p| p.x)
            .chain(self.markers.iter().map(|m| m.x))
            .filter(positive)
            .collect();
        let ys: Vec<f64> = all
            .iter()
            .flat_map(|p| {
                let (lo, hi) = p.interval.unwrap_or((p.y, p.y));
                [p.y, lo, hi]
            })
            .filter(positive)
            .collect();
        let span = |v: &[f64]| {
            decade_range(
                v.iter().copied().fold(f64::INFINITY, f64::min),
                v.iter().copied().fold(0.0, f64::max),
            )
        };
        (span(&xs), span(&ys))
    }

    /// The legend: hollow points, the series, then the markers.
    fn legend_entries(&self, all: &[&XY]) -> Vec<LegendEntry> {
        let mut entries = Vec::new();
        if all.iter().any(|p| p.hollow) {
            entries.push(LegendEntry::new(
                "hollow: oversubscribed point",
                Swatch::Marker {
                    color: AXIS,
                    hollow: true,
                },
            ));
        }
        push_series_entries(&mut entries, self.series, &[]);
        for m in self.markers {
            entries.push(LegendEntry::new(
                m.label.clone(),
                if m.dashed {
                    Swatch::Dashed(m.color)
                } else {
                    Swatch::Fill(m.color, 0.5)
                },
            ));
        }
        entries
    }

    /// Each marker's vertical line, over its shaded interval where it has one.
    fn draw_markers(
        &self,
        chart: &mut Chart<'_, '_, LogCoord<f64>, LogCoord<f64>>,
        (x0, x1): (f64, f64),
        (y0, y1): (f64, f64),
    ) -> Result<(), PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        for m in self.markers.iter().filter(|m| m.x.is_finite() && m.x > 0.0) {
            if let Some((lo, hi)) = m.interval {
                let lo = lo.filter(|v| v.is_finite()).unwrap_or(x0).clamp(x0, x1);
                let hi = hi.filter(|v| v.is_finite()).unwrap_or(x1).clamp(x0, x1);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(lo, y0), (hi, y1)],
                        m.color.mix(0.12).filled(),
                    )))
                    .map_err(|e| err(&e))?;
            }
            let line = vec![(m.x, y0), (m.x, y1)];
            if m.dashed {
                chart
                    .draw_series(DashedLineSeries::new(line, 6, 4, m.color.stroke_width(2)))
                    .map_err(|e| err(&e))?;
            } else {
                chart
                    .draw_series(LineSeries::new(line, m.color.stroke_width(2)))
                    .map_err(|e| err(&e))?;
            }
        }
        Ok(())
    }
}

fn push_series_entries(entries: &mut Vec<LegendEntry>, series: &[Series], curves: &[Curve]) {
    for s in series {
        entries.push(LegendEntry::new(s.label.clone(), Swatch::Series(s.color)));
    }
    for c in curves {
        entries.push(LegendEntry::new(c.label.clone(), Swatch::Dashed(c.color)));
    }
}

type Chart<'a, 'b, X, Y> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<X, Y>>;

fn draw_curve<X, Y>(
    chart: &mut Chart<'_, '_, X, Y>,
    c: &Curve,
    title: &str,
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    chart
        .draw_series(DashedLineSeries::new(
            c.points.iter().copied().filter(|p| p.1.is_finite()),
            7,
            5,
            c.color.stroke_width(2),
        ))
        .map_err(|e| PlotError::new(title, e))?;
    Ok(())
}

/// Draws a series: the line, the error bars (with caps), and markers, hollow where marked.
fn draw_series<X, Y>(
    chart: &mut Chart<'_, '_, X, Y>,
    s: &Series,
    x_span: (f64, f64),
    title: &str,
) -> Result<(), PlotError>
where
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| PlotError::new(title, e);
    let color = s.color;
    let mut pts = s.points.clone();
    pts.retain(|p| p.x.is_finite() && p.y.is_finite());
    pts.sort_by(|a, b| a.x.total_cmp(&b.x));
    if s.baseline
        && let Some(first) = pts.first()
    {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(x_span.0, first.y), (x_span.1, first.y)],
                3,
                4,
                color.mix(0.6).stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
    }
    // Runs of points with no break between neighbours, each drawn as its own line.
    let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (i, p) in pts.iter().enumerate() {
        if i > 0 {
            let prev = pts[i - 1].x;
            if s.breaks.iter().any(|b| *b > prev && *b < p.x) {
                runs.push(Vec::new());
            }
        }
        runs.last_mut().expect("one run").push((p.x, p.y));
    }
    for run in runs.into_iter().filter(|r| r.len() > 1) {
        chart
            .draw_series(LineSeries::new(run, color.stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    chart
        .draw_series(pts.iter().filter_map(|p| {
            let (lo, hi) = p.interval?;
            (lo.is_finite() && hi.is_finite() && hi > lo).then(|| {
                EmptyElement::at((p.x, lo))
                    + PathElement::new(vec![(-5, 0), (5, 0)], color.stroke_width(1))
            })
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(pts.iter().filter_map(|p| {
            let (lo, hi) = p.interval?;
            (lo.is_finite() && hi.is_finite() && hi > lo).then(|| {
                EmptyElement::at((p.x, hi))
                    + PathElement::new(vec![(-5, 0), (5, 0)], color.stroke_width(1))
            })
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(pts.iter().filter_map(|p| {
            let (lo, hi) = p.interval?;
            (lo.is_finite() && hi.is_finite() && hi > lo)
                .then(|| PathElement::new(vec![(p.x, lo), (p.x, hi)], color.stroke_width(1)))
        }))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(pts.iter().map(|p| {
            let style = if p.hollow {
                WHITE.filled()
            } else {
                color.filled()
            };
            EmptyElement::at((p.x, p.y))
                + Circle::new((0, 0), 4, style)
                + Circle::new((0, 0), 4, color.stroke_width(2))
        }))
        .map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xy(x: f64, y: f64, interval: Option<(f64, f64)>, hollow: bool) -> XY {
        XY {
            x,
            y,
            interval,
            hollow,
        }
    }

    #[test]
    fn renders_svg_with_labels_and_escapes_text() {
        let series = vec![Series::new(
            "<b>rayon</b>",
            RGBColor(1, 2, 3),
            vec![
                xy(1.0, 1.0, Some((0.9, 1.1)), false),
                xy(4.0, 1.9, None, true),
            ],
        )];
        let curves = [Curve {
            label: "rayon: Amdahl fit".into(),
            color: RGBColor(1, 2, 3),
            points: vec![(1.0, 1.0), (4.0, 2.0)],
        }];
        let mut chart = WorkersChart::new("pi & co", "speedup (×)", &series, 2);
        chart.ideal = true;
        chart.curves = &curves;
        let svg = chart.render().unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..50]);
        assert!(svg.contains("viewBox"));
        assert!(svg.contains("workers (threads or processes)"));
        assert!(svg.contains("&lt;b&gt;rayon&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("pi &amp; co"));
        assert!(svg.contains("oversubscribed (&gt; 2 cores)"));
        assert!(svg.contains("hollow: oversubscribed point"));
        assert!(svg.contains("ideal (speedup = workers)"));
        assert!(svg.contains("Amdahl fit"));
        assert!(
            !svg.contains("style="),
            "plotters must not write style attributes"
        );
    }

    #[test]
    fn size_chart_is_log_log() {
        let series = vec![Series::new(
            "serial",
            RGBColor(0, 0, 0),
            vec![
                xy(1e3, 2e3, Some((1.9e3, 2.1e3)), false),
                xy(1e6, 2e6, None, false),
            ],
        )];
        let svg = SizeChart::new("time vs size", "n (elements)", "time", &series)
            .render()
            .unwrap();
        assert!(svg.contains("n (elements)"));
        assert!(svg.contains(">\nserial\n<"));
        let markers = [SizeMarker {
            label: "crossover <n>".into(),
            x: 5e4,
            interval: Some((Some(3e4), None)),
            color: RGBColor(200, 0, 0),
            dashed: true,
        }];
        let mut chart = SizeChart::new("marked", "n", "time", &series);
        chart.markers = &markers;
        let svg = chart.render().unwrap();
        assert!(
            svg.contains("crossover &lt;n&gt;"),
            "the marker has a legend entry"
        );
        assert!(!svg.contains("style="));
    }
}
