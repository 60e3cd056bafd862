//! Colours. A variant keeps the same colour in every plot of a report: built-in variant names
//! have fixed slots, other names take free slots in a stable order ([`Palette`]). Time phases
//! (compute, exchange, start-up, IPC, kernel, …) have their own fixed colours.

use parbench_schema::variant::names;
pub use plotters::style::RGBColor;
use std::collections::BTreeMap;

/// The first seven are Okabe and Ito's colour-blind-friendly set; the rest were chosen greedily
/// to lie as far as possible (CIE L*a*b*) from every colour before them, among colours dark
/// enough to read on white. Every two of the 24 differ by a CIE76 ΔE of at least
/// [`MIN_DELTA_E`], so no two variants of one chart look alike.
const PALETTE: [RGBColor; 12] = [
    RGBColor(0, 0, 0),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(204, 121, 167),
    RGBColor(0, 0, 255),
    RGBColor(0, 204, 0),
    RGBColor(255, 0, 221),
    RGBColor(255, 0, 102),
    RGBColor(0, 102, 255),
];

/// Further colours for reports with more variants than [`PALETTE`] holds (the same greedy
/// choice, continued).
const EXTRA: [RGBColor; 12] = [
    RGBColor(85, 85, 0),
    RGBColor(204, 170, 136),
    RGBColor(136, 34, 34),
    RGBColor(153, 187, 51),
    RGBColor(136, 17, 136),
    RGBColor(85, 102, 102),
    RGBColor(170, 153, 255),
    RGBColor(170, 68, 255),
    RGBColor(255, 0, 34),
    RGBColor(255, 136, 119),
    RGBColor(0, 119, 0),
    RGBColor(238, 68, 170),
];

/// The least perceptual distance (CIE76 ΔE in L*a*b*) between any two colours of the palette.
pub const MIN_DELTA_E: f64 = 25.0;

/// CIE L*a*b* (D65) of an sRGB colour.
pub fn lab(RGBColor(r, g, b): RGBColor) -> [f64; 3] {
    let lin = |c: u8| {
        let c = c as f64 / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (r, g, b) = (lin(r), lin(g), lin(b));
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
    let f = |t: f64| {
        if t > 0.008856 {
            t.cbrt()
        } else {
            7.787 * t + 16.0 / 116.0
        }
    };
    [
        116.0 * f(y) - 16.0,
        500.0 * (f(x) - f(y)),
        200.0 * (f(y) - f(z)),
    ]
}

/// CIE76 colour difference: the distance of two colours in L*a*b*.
pub fn delta_e(a: RGBColor, b: RGBColor) -> f64 {
    let (p, q) = (lab(a), lab(b));
    ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) + (p[2] - q[2]).powi(2)).sqrt()
}

/// Fixed slots for the built-in variants; any other name hashes into the palette.
const KNOWN: [&str; 12] = [
    names::SERIAL,
    names::THREADS,
    names::RAYON,
    names::MUTEX,
    names::PARKING_LOT,
    names::ATOMIC,
    names::SHARDED,
    names::CHANNEL,
    names::RWLOCK,
    names::PROCESSES_POOL,
    names::PROCESSES_SPAWN,
    names::OPENCL,
];

fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x1000_0000_01b3)
    })
}

/// A variant's colour on its own (built-in names fixed, others hashed). Two unknown names may
/// share a colour; a report uses [`Palette`], which never does while colours last.
pub fn variant_color(variant: &str) -> RGBColor {
    if let Some(i) = KNOWN.iter().position(|k| *k == variant) {
        return PALETTE[i];
    }
    PALETTE[(fnv(variant) % PALETTE.len() as u64) as usize]
}

/// `#rrggbb` of a variant's colour, for HTML legends.
pub fn variant_hex(variant: &str) -> String {
    hex(variant_color(variant))
}

/// `#rrggbb` of a colour.
pub fn hex(RGBColor(r, g, b): RGBColor) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The colours of every variant in one report: built-in names keep their fixed slots; other
/// names, in sorted order, take the free slot nearest their hash, so the assignment depends only
/// on the set of variant names, never on run order.
#[derive(Debug, Clone, Default)]
pub struct Palette {
    colors: BTreeMap<String, RGBColor>,
}

impl Palette {
    /// The colours of `variants` (duplicates ignored; the order does not matter).
    pub fn new<'a>(variants: impl IntoIterator<Item = &'a str>) -> Palette {
        let mut names: Vec<&str> = variants.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        let all: Vec<RGBColor> = PALETTE.iter().chain(EXTRA.iter()).copied().collect();
        let mut used = vec![false; all.len()];
        let mut colors = BTreeMap::new();
        for name in &names {
            if let Some(i) = KNOWN.iter().position(|k| k == name) {
                used[i] = true;
                colors.insert(name.to_string(), all[i]);
            }
        }
        for name in names {
            if colors.contains_key(name) {
                continue;
            }
            let start = (fnv(name) % all.len() as u64) as usize;
            let slot = (0..all.len())
                .map(|k| (start + k) % all.len())
                .find(|i| !used[*i]);
            let color = match slot {
                Some(i) => {
                    used[i] = true;
                    all[i]
                }
                // More variants than colours: share, deterministically.
                None => all[start],
            };
            colors.insert(name.to_string(), color);
        }
        Palette { colors }
    }

    /// The colour of `variant`; a name the palette was not built with gets its hashed colour.
    pub fn color(&self, variant: &str) -> RGBColor {
        self.colors
            .get(variant)
            .copied()
            .unwrap_or_else(|| variant_color(variant))
    }

    /// `#rrggbb` of [`Palette::color`].
    pub fn hex(&self, variant: &str) -> String {
        hex(self.color(variant))
    }
}

/// Fixed, distinct colours of well-known time phases; other names hash into extra colours.
pub fn phase_color(phase: &str) -> RGBColor {
    const PHASES: [(&str, RGBColor); 12] = [
        ("compute", RGBColor(0, 114, 178)),
        ("kernel", RGBColor(51, 34, 136)),
        ("exchange", RGBColor(230, 159, 0)),
        ("ipc", RGBColor(213, 94, 0)),
        ("startup", RGBColor(204, 121, 167)),
        ("build", RGBColor(136, 34, 85)),
        ("h2d", RGBColor(0, 158, 115)),
        ("d2h", RGBColor(86, 180, 233)),
        ("merge", RGBColor(153, 153, 51)),
        ("wait", RGBColor(170, 170, 170)),
        ("sync", RGBColor(68, 170, 153)),
        ("other", RGBColor(210, 210, 210)),
    ];
    if let Some((_, c)) = PHASES.iter().find(|(n, _)| *n == phase) {
        return *c;
    }
    EXTRA[(fnv(phase) % EXTRA.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_stable() {
        assert_eq!(variant_hex("serial"), "#000000");
        assert_eq!(variant_hex("my-variant"), variant_hex("my-variant"));
    }

    #[test]
    fn report_palette_never_shares_while_colours_last() {
        let names = [
            "serial", "threads", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k",
        ];
        let p = Palette::new(names);
        let mut seen: Vec<RGBColor> = names.iter().map(|n| p.color(n)).collect();
        seen.sort_by_key(|c| (c.0, c.1, c.2));
        seen.dedup();
        assert_eq!(seen.len(), names.len());
        assert_eq!(p.hex("serial"), "#000000");
        // Independent of order.
        let q = Palette::new(names.iter().rev().copied());
        for n in names {
            assert_eq!(p.color(n), q.color(n));
        }
    }

    #[test]
    fn no_two_palette_colours_look_alike() {
        let all: Vec<RGBColor> = PALETTE.iter().chain(EXTRA.iter()).copied().collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(
                    delta_e(*a, *b) >= MIN_DELTA_E,
                    "{} and {} differ by ΔE {:.1}",
                    hex(*a),
                    hex(*b),
                    delta_e(*a, *b)
                );
            }
        }
        // The contention suite's twelve primitives and serial, in one chart.
        let names = [
            "serial",
            "mutex",
            "parking_lot",
            "parking_lot_fair",
            "rwlock",
            "parking_lot_rwlock",
            "spin",
            "atomic",
            "cas",
            "sharded",
            "sharded_unpadded",
            "channel",
            "unsync",
        ];
        let p = Palette::new(names);
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert!(delta_e(p.color(a), p.color(b)) >= MIN_DELTA_E, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn phases_have_fixed_colours() {
        assert_eq!(phase_color("compute"), RGBColor(0, 114, 178));
        assert_eq!(phase_color("custom"), phase_color("custom"));
    }
}
