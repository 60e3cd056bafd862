//! Chart legends drawn in their own strip below the plot area, so they never hide data: entries
//! flow left to right in equal columns, as many rows as needed.

use super::{FONT, LABEL_CHAR_PX, LABEL_SIZE, PlotError, truncate};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// How an entry's sample is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A solid line with a filled marker (a measured series).
    Series(RGBColor),
    /// A dashed line (a fitted curve, an ideal or reference line).
    Dashed(RGBColor),
    /// A marker alone, hollow or filled.
    Marker {
        /// The marker's colour.
        color: RGBColor,
        /// Drawn as an outline only.
        hollow: bool,
    },
    /// A filled box (bar segments, shaded regions), with its opacity.
    Fill(RGBColor, f64),
    /// A cross (a flagged point).
    Cross(RGBColor),
}

/// One entry of a chart's legend: a swatch and what it stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// The text shown beside the swatch.
    pub label: String,
    /// What the entry looks like.
    pub swatch: Swatch,
}

impl LegendEntry {
    /// An entry showing `swatch` labelled `label`.
    pub fn new(label: impl Into<String>, swatch: Swatch) -> LegendEntry {
        LegendEntry {
            label: label.into(),
            swatch,
        }
    }
}

const ROW: u32 = 22;
const SWATCH: i32 = 26;
const PAD: u32 = 10;
const MAX_CHARS: usize = 60;

/// Columns and column width (px) for `entries` in a strip `width` px wide.
fn layout(entries: &[LegendEntry], width: u32) -> (usize, u32) {
    let longest = entries
        .iter()
        .map(|e| e.label.chars().count().min(MAX_CHARS))
        .max()
        .unwrap_or(0);
    let col = (SWATCH as f64 + 8.0 + longest as f64 * LABEL_CHAR_PX + 18.0).ceil() as u32;
    let usable = width.saturating_sub(2 * PAD).max(1);
    let cols = (usable / col.max(1)).max(1) as usize;
    (
        cols.min(entries.len().max(1)),
        col.min(usable).max(usable / cols as u32),
    )
}

/// Height (px) of the legend strip for `entries` in a chart `width` px wide.
pub(crate) fn legend_height(entries: &[LegendEntry], width: u32) -> u32 {
    if entries.is_empty() {
        return 0;
    }
    let (cols, _) = layout(entries, width);
    let rows = entries.len().div_ceil(cols) as u32;
    rows * ROW + PAD
}

/// Draws `entries` into `area` (sized by [`legend_height`]).
pub(crate) fn draw_legend(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    entries: &[LegendEntry],
    title: &str,
) -> Result<(), PlotError> {
    if entries.is_empty() {
        return Ok(());
    }
    let err = |e: &dyn std::fmt::Display| PlotError::new(title, e);
    let (width, _) = area.dim_in_pixel();
    let (cols, col_w) = layout(entries, width);
    let max_chars = ((col_w as f64 - SWATCH as f64 - 16.0) / LABEL_CHAR_PX).max(6.0) as usize;
    let text = TextStyle::from((FONT, LABEL_SIZE).into_font())
        .color(&RGBColor(40, 40, 40))
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, e) in entries.iter().enumerate() {
        let x = (PAD + (i % cols) as u32 * col_w) as i32;
        let y = ((i / cols) as u32 * ROW + ROW / 2 + PAD / 2) as i32;
        match e.swatch {
            Swatch::Series(c) => {
                area.draw(&PathElement::new(
                    vec![(x, y), (x + SWATCH - 4, y)],
                    c.stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
                area.draw(&Circle::new((x + (SWATCH - 4) / 2, y), 4, c.filled()))
                    .map_err(|e| err(&e))?;
            }
            Swatch::Dashed(c) => {
                for k in 0..3 {
                    let x0 = x + k * 8;
                    area.draw(&PathElement::new(
                        vec![(x0, y), (x0 + 5, y)],
                        c.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?;
                }
            }
            Swatch::Marker { color, hollow } => {
                let style = if hollow {
                    color.stroke_width(2)
                } else {
                    color.filled()
                };
                area.draw(&Circle::new((x + (SWATCH - 4) / 2, y), 4, style))
                    .map_err(|e| err(&e))?;
            }
            Swatch::Cross(c) => {
                let cx = x + (SWATCH - 4) / 2;
                for (a, b) in [((-5, -5), (5, 5)), ((-5, 5), (5, -5))] {
                    area.draw(&PathElement::new(
                        vec![(cx + a.0, y + a.1), (cx + b.0, y + b.1)],
                        c.stroke_width(3),
                    ))
                    .map_err(|e| err(&e))?;
                }
            }
            Swatch::Fill(c, alpha) => {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + SWATCH - 6, y + 6)],
                    c.mix(alpha).filled(),
                ))
                .map_err(|e| err(&e))?;
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + SWATCH - 6, y + 6)],
                    RGBColor(150, 150, 150).stroke_width(1),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        area.draw(&Text::new(
            truncate(&e.label, max_chars.min(MAX_CHARS)),
            (x + SWATCH + 4, y),
            text.clone(),
        ))
        .map_err(|e| err(&e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legend_wraps_into_rows() {
        let entries: Vec<LegendEntry> = (0..6)
            .map(|i| LegendEntry::new(format!("variant-{i}"), Swatch::Dashed(BLACK)))
            .collect();
        let one_row = legend_height(&entries[..2], 1000);
        let narrow = legend_height(&entries, 200);
        assert!(narrow > one_row, "{narrow} vs {one_row}");
        assert_eq!(legend_height(&[], 500), 0);
    }
}
