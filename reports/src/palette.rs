//! Variant colours: a variant keeps the same colour in every plot of every report.

use plotters::style::RGBColor;

/// Colour-blind-friendly palette (Okabe-Ito plus Tol's muted extras).
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(204, 121, 167),
    RGBColor(136, 34, 85),
    RGBColor(68, 170, 153),
    RGBColor(153, 153, 51),
    RGBColor(102, 17, 0),
    RGBColor(51, 34, 136),
];

/// Fixed slots for the built-in variants; any other name hashes into the palette.
const KNOWN: [&str; 12] = [
    "serial",
    "threads",
    "rayon",
    "mutex",
    "parking_lot",
    "atomic",
    "sharded",
    "channel",
    "rwlock",
    "processes-pool",
    "processes-spawn",
    "opencl",
];

pub fn variant_color(variant: &str) -> RGBColor {
    if let Some(i) = KNOWN.iter().position(|k| *k == variant) {
        return PALETTE[i];
    }
    let h = variant.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x1000_0000_01b3)
    });
    PALETTE[(h % PALETTE.len() as u64) as usize]
}

/// `#rrggbb` of a variant's colour, for HTML legends.
pub fn variant_hex(variant: &str) -> String {
    let RGBColor(r, g, b) = variant_color(variant);
    format!("#{r:02x}{g:02x}{b:02x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_stable() {
        assert_eq!(variant_hex("serial"), "#000000");
        assert_eq!(variant_hex("my-variant"), variant_hex("my-variant"));
    }
}
