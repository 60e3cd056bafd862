//! Horizontal stacked bars: one bar per labelled item (a point, a worker count, a size), split
//! into named components (the time phases a variant reports: compute / exchange, start-up / IPC /
//! compute, build / host-to-device / kernel / device-to-host). A component keeps its colour in
//! every bar; an optional marker per bar shows a total the components should add up to.

use super::legend::{LegendEntry, Swatch, draw_legend, legend_height};
use super::{
    AXIS, DESC_SIZE, FONT, GRID, LABEL_CHAR_PX, LABEL_SIZE, PlotError, TITLE_SIZE, WIDE, tick,
    truncate,
};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One bar.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Label of the bar (the point, worker count or size).
    pub label: String,
    /// Components in drawing order, in the unit of the value axis.
    pub segments: Vec<(String, f64)>,
    /// A value marked on the bar (e.g. the measured median time), if any.
    pub marker: Option<f64>,
}

/// A chart of horizontal stacked bars, one per item, with a legend of the components.
#[derive(Debug, Clone)]
pub struct StackedBarChart<'a> {
    /// Chart title.
    pub title: &'a str,
    /// Title of the value axis, with its unit.
    pub value_label: &'a str,
    /// The bars, drawn top to bottom.
    pub bars: &'a [Bar],
    /// Colour of a component by name.
    pub color: fn(&str) -> RGBColor,
    /// Legend label of the markers.
    pub marker_label: &'a str,
    /// Width of the SVG in px (its height follows from the bars).
    pub width: u32,
}

const ROW_PX: u32 = 30;

impl<'a> StackedBarChart<'a> {
    /// A chart of `bars` at the default width, markers labelled `total`.
    pub fn new(
        title: &'a str,
        value_label: &'a str,
        bars: &'a [Bar],
        color: fn(&str) -> RGBColor,
    ) -> Self {
        StackedBarChart {
            title,
            value_label,
            bars,
            color,
            marker_label: "total",
            width: WIDE,
        }
    }

    /// Component names in order of first appearance.
    fn components(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for b in self.bars {
            for (name, _) in &b.segments {
                if !names.contains(&name.as_str()) {
                    names.push(name);
                }
            }
        }
        names
    }

    /// The chart as an SVG document.
    pub fn render(&self) -> Result<String, PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let entries = self.legend_entries();
        let max = self.axis_max();
        let n = self.bars.len().max(1);
        let legend_h = legend_height(&entries, self.width);
        let longest = self
            .bars
            .iter()
            .map(|b| b.label.chars().count())
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
            let mut chart = ChartBuilder::on(&top)
                .caption(self.title, (FONT, TITLE_SIZE))
                .margin(10)
                .margin_right(24)
                .x_label_area_size(50)
                .y_label_area_size(label_px)
                .build_cartesian_2d(0f64..max, -0.5f64..n as f64 - 0.5)
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc(self.value_label)
                .x_label_formatter(&|x| tick(*x))
                .y_labels(0)
                .disable_y_mesh()
                .axis_desc_style((FONT, DESC_SIZE))
                .label_style((FONT, LABEL_SIZE))
                .light_line_style(WHITE)
                .bold_line_style(GRID)
                .axis_style(AXIS)
                .draw()
                .map_err(|e| err(&e))?;
            let label_style = TextStyle::from((FONT, LABEL_SIZE).into_font())
                .color(&RGBColor(40, 40, 40))
                .pos(Pos::new(HPos::Right, VPos::Center));
            for (i, bar) in self.bars.iter().enumerate() {
                let y = (n - 1 - i) as f64;
                self.draw_bar(&mut chart, bar, y)?;
                let (px, py) = chart.backend_coord(&(0.0, y));
                root.draw(&Text::new(
                    truncate(&bar.label, 52),
                    (px - 8, py),
                    label_style.clone(),
                ))
                .map_err(|e| err(&e))?;
            }
            draw_legend(&bottom, &entries, self.title)?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(svg)
    }

    /// The legend: each component's colour, then the marker where a bar has one.
    fn legend_entries(&self) -> Vec<LegendEntry> {
        let names = self.components();
        let mut entries: Vec<LegendEntry> = names
            .iter()
            .map(|n| LegendEntry::new(*n, Swatch::Fill((self.color)(n), 0.85)))
            .collect();
        let has_marker = self.bars.iter().any(|b| b.marker.is_some());
        if has_marker {
            entries.push(LegendEntry::new(
                self.marker_label,
                Swatch::Marker {
                    color: BLACK,
                    hollow: false,
                },
            ));
        }
        entries
    }

    /// The end of the value axis: the longest bar or marker, plus 6%.
    fn axis_max(&self) -> f64 {
        let max = self
            .bars
            .iter()
            .map(|b| {
                let sum: f64 = b.segments.iter().map(|s| s.1.max(0.0)).sum();
                sum.max(b.marker.unwrap_or(0.0))
            })
            .filter(|v| v.is_finite())
            .fold(0.0f64, f64::max);
        if max > 0.0 { max * 1.06 } else { 1.0 }
    }

    /// One bar's segments, stacked from 0, at height `y`, and its marker where it has one.
    fn draw_bar(&self, chart: &mut BarChart<'_, '_>, bar: &Bar, y: f64) -> Result<(), PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError::new(self.title, e);
        let h = 0.32;
        let mut x = 0.0;
        for (name, v) in &bar.segments {
            let v = v.max(0.0);
            if !v.is_finite() || v == 0.0 {
                continue;
            }
            let c = (self.color)(name);
            chart
                .draw_series([
                    Rectangle::new([(x, y - h), (x + v, y + h)], c.mix(0.85).filled()),
                    Rectangle::new([(x, y - h), (x + v, y + h)], WHITE.stroke_width(1)),
                ])
                .map_err(|e| err(&e))?;
            x += v;
        }
        if let Some(m) = bar.marker.filter(|m| m.is_finite()) {
            chart
                .draw_series([
                    PathElement::new(
                        vec![(m, y - h - 0.08), (m, y + h + 0.08)],
                        BLACK.stroke_width(2),
                    ),
                    PathElement::new(vec![(x.min(m), y), (m, y)], BLACK.stroke_width(1)),
                ])
                .map_err(|e| err(&e))?;
        }
        Ok(())
    }
}

/// The chart the bars are drawn on: values across, bars down.
type BarChart<'a, 'b> = ChartContext<
    'a,
    SVGBackend<'b>,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

#[cfg(test)]
mod tests {
    use super::*;

    fn color(name: &str) -> RGBColor {
        if name == "compute" {
            RGBColor(0, 0, 200)
        } else {
            RGBColor(200, 0, 0)
        }
    }

    #[test]
    fn components_keep_their_colour_and_order() {
        let bars = vec![
            Bar {
                label: "w1".into(),
                segments: vec![("compute".into(), 3.0), ("exchange".into(), 1.0)],
                marker: Some(4.2),
            },
            Bar {
                label: "w<2>".into(),
                segments: vec![("compute".into(), 1.5), ("exchange".into(), 1.2)],
                marker: None,
            },
        ];
        let chart = StackedBarChart::new("phases", "time (ms)", &bars, color);
        assert_eq!(chart.components(), vec!["compute", "exchange"]);
        let svg = chart.render().unwrap();
        assert!(svg.contains("w&lt;2&gt;"));
        assert!(
            svg.contains("#0000C8") || svg.contains("#0000c8"),
            "compute colour"
        );
        assert!(svg.contains(">\ntotal\n<"));
    }
}
