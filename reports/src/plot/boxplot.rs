//! Horizontal box plots of raw values, one row per labelled distribution (one point's samples):
//! box from the first to the third quartile, a line at the median, whiskers to the furthest
//! value within 1.5 IQR (Tukey), and each value beyond drawn as an outlier dot. The value axis
//! turns logarithmic when the rows span more than a factor of 20.

use super::legend::{LegendEntry, Swatch, draw_legend, legend_height};
use super::{
    AXIS, DESC_SIZE, FONT, GRID, LABEL_CHAR_PX, LABEL_SIZE, PlotError, TITLE_SIZE, WIDE,
    decade_range, tick, truncate,
};
use parbench_analysis::stats::{quantile_sorted, sorted};
use plotters::coord::ranged1d::{Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One distribution.
#[derive(Debug, Clone)]
pub struct BoxRow {
    /// Label of the row, shown beside its box (which point the values are).
    pub label: String,
    /// Colour of the box (the variant's).
    pub color: RGBColor,
    /// The raw values, in the unit of the value axis.
    pub values: Vec<f64>,
    /// Drawn with a light fill (an oversubscribed point).
    pub hollow: bool,
    /// Drawn in grey (a point whose answer was not verified correct).
    pub muted: bool,
}

/// A chart of box plots, one row per distribution, with a legend explaining the marks.
#[derive(Debug, Clone)]
pub struct BoxPlotChart<'a> {
    /// Chart title.
    pub title: &'a str,
    /// Title of the value axis, with its unit.
    pub value_label: &'a str,
    /// The distributions, drawn top to bottom.
    pub rows: &'a [BoxRow],
    /// Formats the value axis' tick labels.
    pub value_format: fn(f64) -> String,
    /// Width of the SVG in px (its height follows from the rows).
    pub width: u32,
}

/// Five-number summary used for drawing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Boxed {
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub whisker_lo: f64,
    pub whisker_hi: f64,
}

pub(crate) fn boxed(values: &[f64]) -> Option<(Boxed, Vec<f64>)> {
    let v = sorted(values);
    if v.is_empty() {
        return None;
    }
    let (q1, median, q3) = (
        quantile_sorted(&v, 0.25),
        quantile_sorted(&v, 0.5),
        quantile_sorted(&v, 0.75),
    );
    let iqr = q3 - q1;
    let (fence_lo, fence_hi) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    let inside: Vec<f64> = v
        .iter()
        .copied()
        .filter(|x| *x >= fence_lo && *x <= fence_hi)
        .collect();
    let outliers = v
        .iter()
        .copied()
        .filter(|x| *x < fence_lo || *x > fence_hi)
        .collect();
    Some((
        Boxed {
            q1,
            median,
            q3,
            whisker_lo: inside.first().copied().unwrap_or(q1),
            whisker_hi: inside.last().copied().unwrap_or(q3),
        },
        outliers,
    ))
}

const ROW_PX: u32 = 30;
const GREY: RGBColor = RGBColor(140, 140, 140);

impl<'a> BoxPlotChart<'a> {
    /// A chart of `rows` at the default width with plain tick labels.
    pub fn new(title: &'a str, value_label: &'a str, rows: &'a [BoxRow]) -> Self {
        BoxPlotChart {
            title,
            value_label,
            rows,
            value_format: tick,
            width: WIDE,
        }
    }

    fn legend(&self) -> Vec<LegendEntry> {
        let mut e = vec![
            LegendEntry::new(
                "box: quartiles (middle half), bar: median",
                Swatch::Fill(AXIS, 0.35),
            ),
            LegendEntry::new(
                "whiskers: furthest sample within 1.5 IQR",
                Swatch::Dashed(AXIS),
            ),
            LegendEntry::new(
                "dot: outlier sample",
                Swatch::Marker {
                    color: AXIS,
                    hollow: true,
                },
            ),
        ];
        if self.rows.iter().any(|r| r.hollow) {
            e.push(LegendEntry::new(
                "light box: oversubscribed",
                Swatch::Fill(AXIS, 0.08),
            ));
        }
        if self.rows.iter().any(|r| r.muted) {
            e.push(LegendEntry::new(
                "grey: answer not verified correct",
                Swatch::Fill(GREY, 0.35),
            ));
        }
        e
    }

    /// The chart as an SVG document.
    pub fn render(&self) -> Result<String, PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let rows: Vec<(&BoxRow, Boxed, Vec<f64>)> = self
            .rows
            .iter()
            .filter_map(|r| boxed(&r.values).map(|(b, o)| (r, b, o)))
            .collect();
        // The axis spans the whiskers (and the outliers near them): one far outlier must not
        // squash every box into a line. Outliers beyond are counted at the axis's edge.
        let (wlo, whi) = rows
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, c), (_, b, _)| {
                (a.min(b.whisker_lo), c.max(b.whisker_hi))
            });
        let span = (whi - wlo).abs().max(whi.abs() * 0.05).max(1e-12);
        let (clip_lo, clip_hi) = (wlo - span, whi + span);
        let values = rows
            .iter()
            .flat_map(|(r, _, _)| r.values.iter().copied())
            .filter(|v| v.is_finite() && *v >= clip_lo && *v <= clip_hi);
        let (lo, hi) = values.fold((f64::INFINITY, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
        let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
        let log = lo > 0.0 && hi / lo > 20.0;
        let n = rows.len().max(1);
        let entries = self.legend();
        let legend_h = legend_height(&entries, self.width);
        let longest = rows
            .iter()
            .map(|(r, _, _)| r.label.chars().count())
            .max()
            .unwrap_or(4)
            .min(52);
        let label_px = (longest as f64 * LABEL_CHAR_PX + 24.0).max(80.0) as u32;
        let height = 44 + n as u32 * ROW_PX + 56 + legend_h;

        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (self.width, height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (top, bottom) = root.split_vertically(height - legend_h);
            let builder = |area| {
                let mut b = ChartBuilder::on(area);
                b.caption(self.title, (FONT, TITLE_SIZE))
                    .margin(10)
                    .margin_right(24)
                    .x_label_area_size(50)
                    .y_label_area_size(label_px);
                b
            };
            let y_range = -0.5f64..n as f64 - 0.5;
            let labels: Vec<String> = rows
                .iter()
                .map(|(r, _, _)| truncate(&r.label, 52))
                .collect();
            if log {
                let (a, b) = decade_range(lo, hi);
                let mut chart = builder(&top)
                    .build_cartesian_2d((a..b).log_scale(), y_range)
                    .map_err(|e| err(&e))?;
                self.draw(&mut chart, &rows, &labels, &root)?;
            } else {
                let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-12);
                let mut chart = builder(&top)
                    .build_cartesian_2d(
                        if lo >= 0.0 {
                            (lo - pad).max(0.0)
                        } else {
                            lo - pad
                        }..hi + pad,
                        y_range,
                    )
                    .map_err(|e| err(&e))?;
                self.draw(&mut chart, &rows, &labels, &root)?;
            }
            draw_legend(&bottom, &entries, self.title)?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(svg)
    }

    fn draw<X>(
        &self,
        chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<X, RangedCoordf64>>,
        rows: &[(&BoxRow, Boxed, Vec<f64>)],
        labels: &[String],
        root: &DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> Result<(), PlotError>
    where
        X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let n = rows.len();
        let format = self.value_format;
        chart
            .configure_mesh()
            .x_desc(self.value_label)
            .x_label_formatter(&|x| format(*x))
            .y_labels(0)
            .disable_y_mesh()
            .axis_desc_style((FONT, DESC_SIZE))
            .label_style((FONT, LABEL_SIZE))
            .light_line_style(RGBColor(245, 245, 245))
            .bold_line_style(GRID)
            .axis_style(AXIS)
            .draw()
            .map_err(|e| err(&e))?;
        let x_lo = chart.x_range().start;
        let label_style = TextStyle::from((FONT, LABEL_SIZE).into_font())
            .color(&RGBColor(40, 40, 40))
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, ((row, b, outliers), label)) in rows.iter().zip(labels).enumerate() {
            // First row at the top.
            let y = (n - 1 - i) as f64;
            let color = if row.muted { GREY } else { row.color };
            let fill = if row.hollow { 0.08 } else { 0.35 };
            let h = 0.3;
            let line = color.stroke_width(1);
            chart
                .draw_series([
                    PathElement::new(vec![(b.whisker_lo, y), (b.q1, y)], line),
                    PathElement::new(vec![(b.q3, y), (b.whisker_hi, y)], line),
                    PathElement::new(
                        vec![(b.whisker_lo, y - h * 0.6), (b.whisker_lo, y + h * 0.6)],
                        line,
                    ),
                    PathElement::new(
                        vec![(b.whisker_hi, y - h * 0.6), (b.whisker_hi, y + h * 0.6)],
                        line,
                    ),
                ])
                .map_err(|e| err(&e))?;
            chart
                .draw_series([
                    Rectangle::new([(b.q1, y - h), (b.q3, y + h)], color.mix(fill).filled()),
                    Rectangle::new([(b.q1, y - h), (b.q3, y + h)], color.stroke_width(1)),
                ])
                .map_err(|e| err(&e))?;
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(b.median, y - h), (b.median, y + h)],
                    color.stroke_width(3),
                )))
                .map_err(|e| err(&e))?;
            let range = chart.x_range();
            let (edge_lo, edge_hi) = (range.start, range.end);
            // One dot per pixel column: outliers that land on the same pixel draw the same dot,
            // so a point with a million samples draws at most the chart's width in dots.
            let mut last_px: Option<i32> = None;
            let dots: Vec<f64> = outliers
                .iter()
                .copied()
                .filter(|v| *v >= edge_lo && *v <= edge_hi)
                .filter(|v| {
                    let px = chart.backend_coord(&(*v, y)).0;
                    let new = last_px != Some(px);
                    last_px = Some(px);
                    new
                })
                .collect();
            chart
                .draw_series(
                    dots.iter()
                        .map(|v| Circle::new((*v, y), 3, color.stroke_width(1))),
                )
                .map_err(|e| err(&e))?;
            let beyond_hi = outliers.iter().filter(|v| **v > edge_hi).count();
            let beyond_lo = outliers.iter().filter(|v| **v < edge_lo).count();
            let clip_style = TextStyle::from((FONT, LABEL_SIZE).into_font()).color(&color);
            for (count, at, text) in [
                (beyond_hi, edge_hi, format!("{beyond_hi} ▸")),
                (beyond_lo, edge_lo, format!("◂ {beyond_lo}")),
            ] {
                if count > 0 {
                    let (px, py) = chart.backend_coord(&(at, y));
                    let dx = if at == edge_hi { -28 } else { 4 };
                    root.draw(&Text::new(text, (px + dx, py - 18), clip_style.clone()))
                        .map_err(|e| err(&e))?;
                }
            }
            let (px, py) = chart.backend_coord(&(x_lo, y));
            root.draw(&Text::new(label.clone(), (px - 8, py), label_style.clone()))
                .map_err(|e| err(&e))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_numbers_and_outliers() {
        let (b, out) = boxed(&[1.0, 2.0, 3.0, 4.0, 5.0, 100.0]).unwrap();
        assert_eq!(b.median, 3.5);
        assert_eq!(b.q1, 2.25);
        assert_eq!(b.q3, 4.75);
        assert_eq!(b.whisker_lo, 1.0);
        assert_eq!(b.whisker_hi, 5.0);
        assert_eq!(out, vec![100.0]);
        assert!(boxed(&[]).is_none());
    }

    #[test]
    fn renders_rows_with_escaped_labels() {
        let rows = vec![
            BoxRow {
                label: "threads <2>".into(),
                color: RGBColor(0, 0, 255),
                values: vec![1.0, 1.1, 1.2, 0.9, 3.0],
                hollow: false,
                muted: false,
            },
            BoxRow {
                label: "threads 4".into(),
                color: RGBColor(0, 0, 255),
                values: vec![2.0, 2.1, 2.2],
                hollow: true,
                muted: true,
            },
        ];
        let svg = BoxPlotChart::new("raw samples", "time per iteration (ms)", &rows)
            .render()
            .unwrap();
        assert!(svg.contains("threads &lt;2&gt;"));
        assert!(svg.contains("light box: oversubscribed"));
        assert!(svg.contains("grey: answer not verified correct"));
        assert!(svg.contains("time per iteration (ms)"));
    }

    #[test]
    fn a_million_samples_draw_at_most_a_dot_per_pixel() {
        // Every 20th sample is an outlier: 50,000 of them, spread over the axis.
        let values: Vec<f64> = (0..1_000_000)
            .map(|i| {
                if i % 20 == 0 {
                    1.02 + (i % 997) as f64 / 997.0 * 0.01
                } else {
                    1.0 + (i % 89) as f64 / 8900.0
                }
            })
            .collect();
        let rows = vec![BoxRow {
            label: "threads 2".into(),
            color: RGBColor(0, 0, 255),
            values,
            hollow: false,
            muted: false,
        }];
        let chart = BoxPlotChart::new("raw samples", "time (ms)", &rows);
        let svg = chart.render().unwrap();
        let dots = svg.matches("<circle").count();
        assert!(dots > 10, "outliers are drawn: {dots}");
        assert!(dots <= chart.width as usize, "{dots} dots");
    }
}
