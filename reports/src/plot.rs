//! SVG charts drawn with plotters (SVG backend, no system fonts): every chart has axis titles
//! with units, a legend, and marks oversubscribed points distinctly. Text is escaped by plotters.

use plotters::prelude::*;

#[derive(Debug, thiserror::Error)]
#[error("cannot draw the chart `{title}`: {message}")]
pub struct PlotError {
    pub title: String,
    pub message: String,
}

/// One point of a series, with an optional interval drawn as an error bar.
#[derive(Debug, Clone, PartialEq)]
pub struct XY {
    pub x: f64,
    pub y: f64,
    pub interval: Option<(f64, f64)>,
    /// Drawn hollow (oversubscribed points).
    pub hollow: bool,
}

#[derive(Debug, Clone)]
pub struct Series {
    pub label: String,
    pub color: RGBColor,
    pub points: Vec<XY>,
}

/// A chart of y against workers with the ideal-speedup diagonal and the oversubscribed region.
#[derive(Debug, Clone)]
pub struct WorkersChart<'a> {
    pub title: &'a str,
    pub y_label: &'a str,
    pub series: &'a [Series],
    /// Logical cores: workers beyond this are shaded as oversubscribed.
    pub cores: u32,
    /// Draw y = x (ideal speedup).
    pub ideal: bool,
    pub width: u32,
    pub height: u32,
}

impl WorkersChart<'_> {
    pub fn render(&self) -> Result<String, PlotError> {
        let err = |e: &dyn std::fmt::Display| PlotError {
            title: self.title.to_string(),
            message: e.to_string(),
        };
        let all: Vec<&XY> = self.series.iter().flat_map(|s| s.points.iter()).collect();
        let max_x = all.iter().map(|p| p.x).fold(1.0f64, f64::max).max(2.0);
        let mut max_y = all
            .iter()
            .map(|p| p.interval.map_or(p.y, |i| i.1.max(p.y)))
            .fold(0.0f64, f64::max);
        if self.ideal {
            max_y = max_y.max(max_x.min(max_y * 1.5).max(1.0));
        }
        let max_y = if max_y > 0.0 { max_y * 1.12 } else { 1.0 };
        let mut svg = String::new();
        {
            let root =
                SVGBackend::with_string(&mut svg, (self.width, self.height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let mut chart = ChartBuilder::on(&root)
                .caption(self.title, ("sans-serif", 20))
                .margin(12)
                .x_label_area_size(44)
                .y_label_area_size(60)
                .build_cartesian_2d(0.5f64..max_x + 0.5, 0f64..max_y)
                .map_err(|e| err(&e))?;
            chart
                .configure_mesh()
                .x_desc("workers (threads or processes)")
                .y_desc(self.y_label)
                .x_labels((max_x as usize + 1).min(16))
                .x_label_formatter(&|x| format!("{x:.0}"))
                .y_label_formatter(&|y| format!("{y:.2}"))
                .axis_desc_style(("sans-serif", 15))
                .label_style(("sans-serif", 13))
                .light_line_style(RGBColor(235, 235, 235))
                .draw()
                .map_err(|e| err(&e))?;
            if (self.cores as f64) < max_x {
                let shade = RGBColor(200, 200, 200).mix(0.25);
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(self.cores as f64 + 0.5, 0.0), (max_x + 0.5, max_y)],
                        shade.filled(),
                    )))
                    .map_err(|e| err(&e))?
                    .label(format!("oversubscribed (> {} cores)", self.cores))
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 5), (x + 16, y + 5)], shade.filled())
                    });
            }
            if self.ideal {
                let grey = RGBColor(150, 150, 150);
                chart
                    .draw_series(DashedLineSeries::new(
                        vec![(1.0, 1.0), (max_x, max_x)],
                        6,
                        4,
                        grey.stroke_width(1),
                    ))
                    .map_err(|e| err(&e))?
                    .label("ideal (speedup = workers)")
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], grey.stroke_width(1))
                    });
            }
            for s in self.series {
                let color = s.color;
                let mut pts = s.points.clone();
                pts.sort_by(|a, b| a.x.total_cmp(&b.x));
                chart
                    .draw_series(LineSeries::new(
                        pts.iter().map(|p| (p.x, p.y)),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?
                    .label(s.label.clone())
                    .legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 16, y)], color.stroke_width(2))
                    });
                chart
                    .draw_series(pts.iter().map(|p| {
                        let style = if p.hollow {
                            color.stroke_width(2)
                        } else {
                            color.filled()
                        };
                        Circle::new((p.x, p.y), 4, style)
                    }))
                    .map_err(|e| err(&e))?;
                chart
                    .draw_series(pts.iter().filter_map(|p| {
                        let (lo, hi) = p.interval?;
                        Some(PathElement::new(
                            vec![(p.x, lo), (p.x, hi)],
                            color.stroke_width(1),
                        ))
                    }))
                    .map_err(|e| err(&e))?;
            }
            chart
                .configure_series_labels()
                .position(SeriesLabelPosition::UpperLeft)
                .background_style(WHITE.mix(0.85))
                .border_style(RGBColor(180, 180, 180))
                .label_font(("sans-serif", 13))
                .draw()
                .map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(svg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_svg_with_labels_and_escapes_text() {
        let series = vec![Series {
            label: "<b>rayon</b>".into(),
            color: RGBColor(1, 2, 3),
            points: vec![
                XY {
                    x: 1.0,
                    y: 1.0,
                    interval: Some((0.9, 1.1)),
                    hollow: false,
                },
                XY {
                    x: 4.0,
                    y: 1.9,
                    interval: None,
                    hollow: true,
                },
            ],
        }];
        let svg = WorkersChart {
            title: "pi & co",
            y_label: "speedup (×)",
            series: &series,
            cores: 2,
            ideal: true,
            width: 640,
            height: 400,
        }
        .render()
        .unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..50]);
        assert!(svg.contains("workers (threads or processes)"));
        assert!(svg.contains("&lt;b&gt;rayon&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("pi &amp; co"));
        assert!(svg.contains("oversubscribed"));
    }
}
