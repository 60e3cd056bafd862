//! Heatmaps: a grid of labelled rows x columns, each cell coloured by its value on a
//! (diverging or sequential, linear or logarithmic) colour scale and printed with its text, a
//! colour bar as the legend, and optional links: a cell or a row label can point at another page
//! (plain SVG `<a>` elements, no script).

use super::legend::{LegendEntry, Swatch, draw_legend, legend_height};
use super::{FONT, FULL_WIDTH, LABEL_CHAR_PX, LABEL_SIZE, PlotError, TITLE_SIZE, truncate};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One cell.
#[derive(Debug, Clone, Default)]
pub struct HeatCell {
    /// The value that sets the colour; `None` draws an empty (grey) cell.
    pub value: Option<f64>,
    /// Printed in the cell: one line, or two (the second smaller) split by `\n`.
    pub text: String,
    /// Where clicking the cell goes (a relative file name).
    pub href: Option<String>,
    /// Shown when hovering the cell.
    pub tooltip: String,
}

/// Maps values to colours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ColorScale {
    /// Orange below `center`, neutral at it, blue above; `lo` and `hi` are the saturated ends.
    Diverging {
        /// Value drawn fully orange (and anything below it).
        lo: f64,
        /// Value drawn neutral, near white (e.g. a speedup of 1).
        center: f64,
        /// Value drawn fully blue (and anything above it).
        hi: f64,
        /// Interpolate on a logarithmic scale (for ratios).
        log: bool,
    },
    /// Light to dark blue from `lo` to `hi`.
    Sequential {
        /// Value drawn lightest (and anything below it).
        lo: f64,
        /// Value drawn darkest (and anything above it).
        hi: f64,
        /// Interpolate on a logarithmic scale.
        log: bool,
    },
}

const ORANGE: (f64, f64, f64) = (179.0, 88.0, 6.0);
const NEUTRAL: (f64, f64, f64) = (247.0, 247.0, 247.0);
const BLUE: (f64, f64, f64) = (33.0, 102.0, 172.0);
const LIGHT_BLUE: (f64, f64, f64) = (239.0, 243.0, 255.0);
const EMPTY: RGBColor = RGBColor(236, 236, 236);
const SMALL_SIZE: f64 = 14.0;
const INK: RGBColor = RGBColor(40, 40, 40);
const MUTED: RGBColor = RGBColor(95, 99, 104);

fn lerp(a: (f64, f64, f64), b: (f64, f64, f64), t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let m = |x: f64, y: f64| (x + (y - x) * t).round() as u8;
    RGBColor(m(a.0, b.0), m(a.1, b.1), m(a.2, b.2))
}

impl ColorScale {
    fn position(v: f64, lo: f64, hi: f64, log: bool) -> f64 {
        let f = |x: f64| if log { x.max(1e-300).ln() } else { x };
        let (a, b) = (f(lo), f(hi));
        if b == a { 0.5 } else { (f(v) - a) / (b - a) }
    }

    /// The colour of value `v` (clamped to the scale's ends).
    pub fn color(&self, v: f64) -> RGBColor {
        match *self {
            ColorScale::Diverging {
                lo,
                center,
                hi,
                log,
            } => {
                if v < center {
                    lerp(NEUTRAL, ORANGE, 1.0 - Self::position(v, lo, center, log))
                } else {
                    lerp(NEUTRAL, BLUE, Self::position(v, center, hi, log))
                }
            }
            ColorScale::Sequential { lo, hi, log } => {
                lerp(LIGHT_BLUE, BLUE, Self::position(v, lo, hi, log))
            }
        }
    }

    fn ends(&self) -> (f64, f64, bool) {
        match *self {
            ColorScale::Diverging { lo, hi, log, .. } => (lo, hi, log),
            ColorScale::Sequential { lo, hi, log } => (lo, hi, log),
        }
    }

    /// The value at fraction `t` of the colour bar.
    fn at(&self, t: f64) -> f64 {
        let (lo, hi, log) = self.ends();
        if log {
            (lo.ln() + (hi.ln() - lo.ln()) * t).exp()
        } else {
            lo + (hi - lo) * t
        }
    }
}

/// Whether text on `c` should be white.
fn dark(c: RGBColor) -> bool {
    let RGBColor(r, g, b) = c;
    0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64 <= 140.0
}

/// A grid of coloured cells (e.g. speedup by suite and workers) with a colour bar.
#[derive(Debug, Clone)]
pub struct HeatmapChart<'a> {
    /// Chart title.
    pub title: &'a str,
    /// Row labels, top to bottom.
    pub rows: &'a [String],
    /// Column labels, left to right.
    pub columns: &'a [String],
    /// `cells[row][column]`.
    pub cells: &'a [Vec<HeatCell>],
    /// How values map to colours.
    pub scale: ColorScale,
    /// Header of the rows: what they are.
    pub row_header: &'a str,
    /// Header of the columns.
    pub column_header: &'a str,
    /// Title of the colour bar, with the unit.
    pub scale_label: &'a str,
    /// Formats the colour bar's tick labels.
    pub scale_format: fn(f64) -> String,
    /// Where clicking a row label goes.
    pub row_hrefs: &'a [Option<String>],
    /// The most the chart may be wide; it is narrower when the grid needs less.
    pub max_width: u32,
    /// What an empty (grey) cell means, for the legend.
    pub empty_label: &'a str,
}

const MARGIN: i32 = 12;

impl<'a> HeatmapChart<'a> {
    /// A chart with no headers, plain colour-bar ticks and the full page width at most.
    pub fn new(
        title: &'a str,
        rows: &'a [String],
        columns: &'a [String],
        cells: &'a [Vec<HeatCell>],
        scale: ColorScale,
    ) -> Self {
        HeatmapChart {
            title,
            rows,
            columns,
            cells,
            scale,
            row_header: "",
            column_header: "",
            scale_label: "",
            scale_format: super::tick,
            row_hrefs: &[],
            max_width: FULL_WIDTH,
            empty_label: "no verified speedup",
        }
    }

    /// The chart as an SVG document.
    pub fn render(&self) -> Result<String, PlotError> {
        let entries = vec![LegendEntry::new(self.empty_label, Swatch::Fill(EMPTY, 1.0))];
        let l = self.layout(&entries);
        let mut links = Vec::new();
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (l.width, l.height)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| self.err(&e))?;
            self.draw_headers(&root, &l)?;
            self.draw_rows(&root, &l, &mut links)?;
            self.draw_color_bar(&root, &l)?;
            let (_, bottom) = root.split_vertically(l.height as i32 - l.legend_h - MARGIN / 2);
            draw_legend(&bottom, &entries, self.title)?;
            root.present().map_err(|e| self.err(&e))?;
        }
        if !links.is_empty() {
            self.insert_links(&mut svg, &links)?;
        }
        Ok(svg)
    }

    fn err(&self, e: &dyn std::fmt::Display) -> PlotError {
        PlotError::new(self.title, e)
    }

    /// Sizes the grid: label and cell widths from the longest labels, narrowed to fit
    /// `max_width`, and the chart's total size with the legend of `entries`.
    fn layout(&self, entries: &[LegendEntry]) -> Layout {
        let ncols = self.columns.len().max(1) as i32;
        let nrows = self.rows.len() as i32;
        let row_chars = self
            .rows
            .iter()
            .map(|r| r.chars().count())
            .chain([self.row_header.chars().count()])
            .max()
            .unwrap_or(4)
            .min(32);
        let label_px = (row_chars as f64 * LABEL_CHAR_PX + 20.0).max(90.0) as i32;
        let col_chars = self
            .columns
            .iter()
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(4);
        let mut cell_w = ((col_chars as f64 * LABEL_CHAR_PX + 16.0) as i32).clamp(72, 150);
        let max_width = self.max_width.max(400) as i32;
        if 2 * MARGIN + label_px + ncols * cell_w > max_width {
            cell_w = ((max_width - 2 * MARGIN - label_px) / ncols).max(24);
        }
        let col_max_chars = ((cell_w - 8) as f64 / LABEL_CHAR_PX).max(3.0) as usize;
        // Column labels that do not fit their cell alternate between two rows, each getting
        // two cells of width.
        let stagger = col_chars > col_max_chars && ncols > 1;
        let label_chars = if stagger {
            ((2 * cell_w - 10) as f64 / LABEL_CHAR_PX).max(3.0) as usize
        } else {
            col_max_chars
        };
        let two_lines = self.cells.iter().flatten().any(|c| c.text.contains('\n'));
        let cell_h: i32 = if two_lines { 44 } else { 32 };
        let grid_w = ncols * cell_w;
        let width = (2 * MARGIN + label_px + grid_w).max(420) as u32;
        let legend_h = legend_height(entries, width) as i32;
        let title_h = 40;
        let header_h = if stagger { 70 } else { 48 };
        let bar_h = 86;
        let grid_top = title_h + header_h;
        let height = (grid_top + nrows * cell_h + bar_h + legend_h + MARGIN) as u32;
        Layout {
            nrows,
            label_px,
            cell_w,
            cell_h,
            stagger,
            label_chars,
            grid_w,
            grid_top,
            title_h,
            width,
            height,
            legend_h,
        }
    }

    /// The title, the row and column headers and the column labels.
    fn draw_headers(&self, root: &Area<'_>, l: &Layout) -> Result<(), PlotError> {
        let err = |e: &dyn std::fmt::Display| self.err(e);
        root.draw(&Text::new(
            self.title.to_string(),
            (l.width as i32 / 2, l.title_h / 2 + 4),
            text(TITLE_SIZE, HPos::Center, &INK),
        ))
        .map_err(|e| err(&e))?;
        let gx = l.grid_x();
        root.draw(&Text::new(
            truncate(self.row_header, 40),
            (MARGIN, l.grid_top - 14),
            text(LABEL_SIZE, HPos::Left, &MUTED),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&Text::new(
            self.column_header.to_string(),
            (gx + l.grid_w / 2, l.title_h + 10),
            text(LABEL_SIZE, HPos::Center, &MUTED),
        ))
        .map_err(|e| err(&e))?;
        for (j, c) in self.columns.iter().enumerate() {
            let x = gx + j as i32 * l.cell_w + l.cell_w / 2;
            let upper = l.stagger && j % 2 == 1;
            let y = if upper {
                l.grid_top - 36
            } else {
                l.grid_top - 14
            };
            if upper {
                root.draw(&PathElement::new(
                    vec![(x, y + 10), (x, l.grid_top - 2)],
                    RGBColor(190, 190, 190).stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
            }
            root.draw(&Text::new(
                truncate(c, l.label_chars),
                (x, y),
                text(LABEL_SIZE, HPos::Center, &INK),
            ))
            .map_err(|e| err(&e))?;
        }
        Ok(())
    }

    /// Each row's label and cells, collecting the links of labels and cells into `links`.
    fn draw_rows(
        &self,
        root: &Area<'_>,
        l: &Layout,
        links: &mut Vec<Link>,
    ) -> Result<(), PlotError> {
        let gx = l.grid_x();
        for (i, r) in self.rows.iter().enumerate() {
            let y = l.grid_top + i as i32 * l.cell_h;
            root.draw(&Text::new(
                truncate(r, 32),
                (gx - 10, y + l.cell_h / 2),
                text(LABEL_SIZE, HPos::Right, &INK),
            ))
            .map_err(|e| self.err(&e))?;
            if let Some(Some(href)) = self.row_hrefs.get(i) {
                links.push((MARGIN, y, l.label_px - 4, l.cell_h, href.clone(), r.clone()));
            }
            for j in 0..self.columns.len() {
                let cell = self
                    .cells
                    .get(i)
                    .and_then(|row| row.get(j))
                    .cloned()
                    .unwrap_or_default();
                let x = gx + j as i32 * l.cell_w;
                self.draw_cell(root, l, &cell, (x, y))?;
                if let Some(href) = &cell.href {
                    let tip = if cell.tooltip.is_empty() {
                        format!("{r} · {}", self.columns[j])
                    } else {
                        cell.tooltip.clone()
                    };
                    links.push((x, y, l.cell_w, l.cell_h, href.clone(), tip));
                }
            }
        }
        Ok(())
    }

    /// One cell with its top-left corner at `(x, y)`: its colour and its one or two lines of
    /// text.
    fn draw_cell(
        &self,
        root: &Area<'_>,
        l: &Layout,
        cell: &HeatCell,
        (x, y): (i32, i32),
    ) -> Result<(), PlotError> {
        let err = |e: &dyn std::fmt::Display| self.err(e);
        let (cell_w, cell_h) = (l.cell_w, l.cell_h);
        let fill = cell
            .value
            .filter(|v| v.is_finite())
            .map_or(EMPTY, |v| self.scale.color(v));
        root.draw(&Rectangle::new(
            [(x, y), (x + cell_w, y + cell_h)],
            fill.filled(),
        ))
        .map_err(|e| err(&e))?;
        root.draw(&Rectangle::new(
            [(x, y), (x + cell_w, y + cell_h)],
            WHITE.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        let fg: &'static RGBColor = if dark(fill) { &WHITE } else { &INK };
        let lines: Vec<&str> = cell.text.lines().take(2).collect();
        for (k, line) in lines.iter().enumerate() {
            // A value in the label size; a second line, or a word standing in for a missing
            // value, smaller.
            let (size, dy) = match (lines.len(), k) {
                (1, _) if cell.value.is_some() => (LABEL_SIZE, cell_h / 2),
                (1, _) => (SMALL_SIZE, cell_h / 2),
                (_, 0) => (LABEL_SIZE, cell_h / 2 - 8),
                _ => (SMALL_SIZE, cell_h / 2 + 10),
            };
            let chars = (cell_w - 6) as f64 / (LABEL_CHAR_PX * size / LABEL_SIZE);
            root.draw(&Text::new(
                truncate(line, chars.max(3.0) as usize),
                (x + cell_w / 2, y + dy),
                text(size, HPos::Center, fg),
            ))
            .map_err(|e| err(&e))?;
        }
        Ok(())
    }

    /// The colour bar under the grid, with its ticks and title.
    fn draw_color_bar(&self, root: &Area<'_>, l: &Layout) -> Result<(), PlotError> {
        let err = |e: &dyn std::fmt::Display| self.err(e);
        let width = l.width;
        let by = l.grid_top + l.nrows * l.cell_h + 40;
        let bw = 320.min(width as i32 - 2 * MARGIN - 40);
        let bx = MARGIN + 20;
        let steps = 64;
        for k in 0..steps {
            let t = k as f64 / (steps - 1) as f64;
            let x0 = bx + bw * k / steps;
            let x1 = bx + bw * (k + 1) / steps;
            root.draw(&Rectangle::new(
                [(x0, by), (x1, by + 12)],
                self.scale.color(self.scale.at(t)).filled(),
            ))
            .map_err(|e| err(&e))?;
        }
        let mut ticks = vec![0.0, 1.0];
        if let ColorScale::Diverging {
            lo,
            center,
            hi,
            log,
        } = self.scale
        {
            ticks.push(ColorScale::position(center, lo, hi, log));
        }
        for t in ticks {
            let x = bx + (bw as f64 * t).round() as i32;
            root.draw(&PathElement::new(
                vec![(x, by + 12), (x, by + 17)],
                INK.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
            root.draw(&Text::new(
                (self.scale_format)(self.scale.at(t)),
                (x, by + 26),
                text(LABEL_SIZE, HPos::Center, &INK),
            ))
            .map_err(|e| err(&e))?;
        }
        root.draw(&Text::new(
            truncate(
                self.scale_label,
                ((width as i32 - bx - MARGIN) as f64 / LABEL_CHAR_PX) as usize,
            ),
            (bx - 12, by - 14),
            text(LABEL_SIZE, HPos::Left, &INK),
        ))
        .map_err(|e| err(&e))?;
        Ok(())
    }

    /// Adds the links over the cells to `svg`, written with maud like the pages (every value
    /// escaped).
    fn insert_links(&self, svg: &mut String, links: &[Link]) -> Result<(), PlotError> {
        let overlay = maud::html! {
            @for (x, y, w, h, href, tip) in links {
                a href=(href) {
                    rect x=(x) y=(y) width=(w) height=(h) fill="#000" fill-opacity="0" {
                        title { (tip) }
                    }
                } "\n"
            }
        }
        .into_string();
        let end = svg
            .rfind("</svg>")
            .ok_or_else(|| self.err(&"no </svg> end tag"))?;
        svg.insert_str(end, &overlay);
        Ok(())
    }
}

/// The drawing area a heatmap draws on.
type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;

/// A clickable rectangle over the chart: x, y, width, height, target and tooltip.
type Link = (i32, i32, i32, i32, String, String);

/// Text in the chart's font, vertically centred on its position.
fn text(size: f64, h: HPos, color: &'static RGBColor) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font())
        .color(color)
        .pos(Pos::new(h, VPos::Center))
}

/// Where a heatmap's parts go, in pixels.
struct Layout {
    nrows: i32,
    /// Width of the row labels' column.
    label_px: i32,
    cell_w: i32,
    cell_h: i32,
    /// Whether the column labels alternate between two rows.
    stagger: bool,
    /// The most characters of a column label.
    label_chars: usize,
    grid_w: i32,
    grid_top: i32,
    title_h: i32,
    width: u32,
    height: u32,
    legend_h: i32,
}

impl Layout {
    /// The left edge of the grid.
    fn grid_x(&self) -> i32 {
        MARGIN + self.label_px
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_scale_is_neutral_at_center() {
        let s = ColorScale::Diverging {
            lo: 0.25,
            center: 1.0,
            hi: 8.0,
            log: true,
        };
        assert_eq!(s.color(1.0), RGBColor(247, 247, 247));
        assert_eq!(s.color(8.0), RGBColor(33, 102, 172));
        assert_eq!(s.color(100.0), RGBColor(33, 102, 172), "clamped");
        assert_eq!(s.color(0.25), RGBColor(179, 88, 6));
        assert!((s.at(0.5) - 1.414).abs() < 0.01, "{}", s.at(0.5));
        assert!(dark(s.color(8.0)) && !dark(s.color(1.0)));
    }

    #[test]
    fn links_are_escaped_anchors() {
        let rows = vec!["<img src=x onerror=alert(1)>".to_string()];
        let cols = vec!["rayon".to_string(), "threads".to_string()];
        let cells = vec![vec![
            HeatCell {
                value: Some(2.0),
                text: "2.00×".into(),
                href: Some("suite-x.html#a\"b".into()),
                tooltip: String::new(),
            },
            HeatCell::default(),
        ]];
        let hrefs = vec![Some("suite-x.html".to_string())];
        let mut chart = HeatmapChart::new(
            "best speedup",
            &rows,
            &cols,
            &cells,
            ColorScale::Sequential {
                lo: 1.0,
                hi: 4.0,
                log: false,
            },
        );
        chart.row_hrefs = &hrefs;
        let svg = chart.render().unwrap();
        assert!(svg.contains("<a href=\"suite-x.html\">"));
        assert!(svg.contains("href=\"suite-x.html#a&quot;b\""));
        assert!(svg.contains("&lt;img src=x onerror=alert(1)&gt;"));
        assert!(!svg.contains("<img"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }
}
