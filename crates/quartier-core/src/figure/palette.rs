//! Class colours: ColorBrewer's sequential YlOrRd (Cynthia Brewer, colorbrewer2.org) for 2 to 9
//! classes, diverging RdBu, qualitative Set3 for categories, the 4 × 3 colours of the status/dynamics map, and the grey of the "k. A." class,
//! which is never a value colour.

use super::Rgb;

/// The colour of areas without a class ("k. A.", too few residents).
pub const NO_DATA: Rgb = Rgb([200, 200, 200]);

const YL_OR_RD_9: [[u8; 3]; 9] = [
    [255, 255, 204],
    [255, 237, 160],
    [254, 217, 118],
    [254, 178, 76],
    [253, 141, 60],
    [252, 78, 42],
    [227, 26, 28],
    [189, 0, 38],
    [128, 0, 38],
];

/// ColorBrewer's diverging RdBu (11 classes), from red to blue.
const RD_BU_11: [[u8; 3]; 11] = [
    [103, 0, 31],
    [178, 24, 43],
    [214, 96, 77],
    [244, 165, 130],
    [253, 219, 199],
    [247, 247, 247],
    [209, 229, 240],
    [146, 197, 222],
    [67, 147, 195],
    [33, 102, 172],
    [5, 48, 97],
];

/// ColorBrewer's qualitative Set3 (12 classes), for the categories of a categorical
/// indicator: light enough for labels on top, distinct without suggesting an order.
const SET3_12: [[u8; 3]; 12] = [
    [141, 211, 199],
    [255, 255, 179],
    [190, 186, 218],
    [251, 128, 114],
    [128, 177, 211],
    [253, 180, 98],
    [179, 222, 105],
    [252, 205, 229],
    [217, 217, 217],
    [188, 128, 189],
    [204, 235, 197],
    [255, 237, 111],
];

/// ColorBrewer's qualitative Dark2, for lines of different areas.
const DARK2: [[u8; 3]; 8] = [
    [27, 158, 119],
    [217, 95, 2],
    [117, 112, 179],
    [231, 41, 138],
    [102, 166, 30],
    [230, 171, 2],
    [166, 118, 29],
    [102, 102, 102],
];

/// The colour of the `i`-th line of a chart (repeats after eight).
pub fn series(i: usize) -> Rgb {
    Rgb(DARK2[i % DARK2.len()])
}

/// Status/dynamics colours, rows status hoch … sehr niedrig, columns dynamics positiv, stabil,
/// negativ. The hue follows the status as in the Berlin MSS maps (green, yellow, orange,
/// red); within a row, a positive dynamics is lighter and a negative one darker.
const STATUS_DYNAMICS: [[[u8; 3]; 3]; 4] = [
    [[199, 233, 192], [116, 196, 118], [35, 139, 69]],
    [[255, 247, 188], [254, 227, 145], [236, 196, 68]],
    [[253, 208, 162], [253, 141, 60], [217, 72, 1]],
    [[252, 187, 161], [239, 59, 44], [153, 0, 13]],
];

/// The colour of a status class (1 = hoch … 4 = sehr niedrig) and a dynamics class
/// (0 = positiv, 1 = stabil, 2 = negativ).
pub fn status_dynamics(status: usize, dynamics: usize) -> Rgb {
    Rgb(STATUS_DYNAMICS[status.clamp(1, 4) - 1][dynamics.min(2)])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequential(class: usize, k: usize) -> Rgb {
        scheme(SchemeKind::Sequential, None).class_colour(class, k, false, false)
    }

    fn diverging(class: usize, k: usize, higher_is_better: bool) -> Rgb {
        scheme(SchemeKind::Diverging, None).class_colour(class, k, higher_is_better, false)
    }

    #[test]
    fn every_scheme_gives_distinct_colours_and_reversing_turns_them_round() {
        for s in SCHEMES {
            let k = if s.kind == SchemeKind::Qualitative { 8 } else { 5 };
            let forward: Vec<Rgb> = (1..=k).map(|c| s.class_colour(c, k, false, false)).collect();
            let backward: Vec<Rgb> = (1..=k).map(|c| s.class_colour(c, k, false, true)).collect();
            assert_eq!(
                forward.iter().collect::<std::collections::HashSet<_>>().len(),
                k,
                "{}",
                s.name
            );
            if s.kind != SchemeKind::Qualitative {
                let mut turned = backward.clone();
                turned.reverse();
                assert_eq!(forward, turned, "{}", s.name);
            }
        }
        // ColorBrewer's darkest YlGnBu and the unknown name falling back to the default.
        assert_eq!(
            scheme(SchemeKind::Sequential, Some("YlGnBu")).class_colour(9, 9, false, false),
            Rgb::from_rgb(8, 29, 88)
        );
        assert_eq!(
            scheme(SchemeKind::Sequential, Some("RdBu")).name,
            "YlOrRd",
            "wrong kind"
        );
    }

    #[test]
    fn classes_run_from_light_to_dark_and_no_data_is_no_class_colour() {
        assert_eq!(sequential(1, 6), Rgb::from_rgb(255, 255, 204));
        assert_eq!(sequential(6, 6), Rgb::from_rgb(128, 0, 38));
        let all: Vec<Rgb> = (1..=6).map(|c| sequential(c, 6)).collect();
        assert!(!all.contains(&NO_DATA));
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 6);
    }

    #[test]
    fn diverging_colours_put_the_unfavourable_side_in_red() {
        // Higher is worse (default): the highest class is dark red, the lowest dark blue.
        assert_eq!(diverging(6, 6, false), Rgb::from_rgb(103, 0, 31));
        assert_eq!(diverging(1, 6, false), Rgb::from_rgb(5, 48, 97));
        assert_eq!(diverging(6, 6, true), Rgb::from_rgb(5, 48, 97));
        let all: Vec<Rgb> = (1..=6).map(|c| diverging(c, 6, false)).collect();
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 6);
        assert!(!all.contains(&NO_DATA));
    }

    #[test]
    fn the_twelve_status_dynamics_colours_differ_and_darken_with_worse_dynamics() {
        let all: Vec<Rgb> = (1..=4)
            .flat_map(|s| (0..3).map(move |d| status_dynamics(s, d)))
            .collect();
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 12);
        assert!(!all.contains(&NO_DATA));
        let lightness = |c: Rgb| c.r() as u32 + c.g() as u32 + c.b() as u32;
        for s in 1..=4 {
            assert!(lightness(status_dynamics(s, 0)) > lightness(status_dynamics(s, 1)));
            assert!(lightness(status_dynamics(s, 1)) > lightness(status_dynamics(s, 2)));
        }
    }
}

// More ColorBrewer schemes (Cynthia Brewer, colorbrewer2.org, Apache-2.0), each at its
// largest class count; fewer classes take evenly spread steps.
const YL_GN_BU_9: [[u8; 3]; 9] = [
    [255, 255, 217],
    [237, 248, 177],
    [199, 233, 180],
    [127, 205, 187],
    [65, 182, 196],
    [29, 145, 192],
    [34, 94, 168],
    [37, 52, 148],
    [8, 29, 88],
];

const BLUES_9: [[u8; 3]; 9] = [
    [247, 251, 255],
    [222, 235, 247],
    [198, 219, 239],
    [158, 202, 225],
    [107, 174, 214],
    [66, 146, 198],
    [33, 113, 181],
    [8, 81, 156],
    [8, 48, 107],
];

const GREENS_9: [[u8; 3]; 9] = [
    [247, 252, 245],
    [229, 245, 224],
    [199, 233, 192],
    [161, 217, 155],
    [116, 196, 118],
    [65, 171, 93],
    [35, 139, 69],
    [0, 109, 44],
    [0, 68, 27],
];

const PURPLES_9: [[u8; 3]; 9] = [
    [252, 251, 253],
    [239, 237, 245],
    [218, 218, 235],
    [188, 189, 220],
    [158, 154, 200],
    [128, 125, 186],
    [106, 81, 163],
    [84, 39, 143],
    [63, 0, 125],
];

const OR_RD_9: [[u8; 3]; 9] = [
    [255, 247, 236],
    [254, 232, 200],
    [253, 212, 158],
    [253, 187, 132],
    [252, 141, 89],
    [239, 101, 72],
    [215, 48, 31],
    [179, 0, 0],
    [127, 0, 0],
];

const PU_OR_11: [[u8; 3]; 11] = [
    [127, 59, 8],
    [179, 88, 6],
    [224, 130, 20],
    [253, 184, 99],
    [254, 224, 182],
    [247, 247, 247],
    [216, 218, 235],
    [178, 171, 210],
    [128, 115, 172],
    [84, 39, 136],
    [45, 0, 75],
];

const BR_BG_11: [[u8; 3]; 11] = [
    [84, 48, 5],
    [140, 81, 10],
    [191, 129, 45],
    [223, 194, 125],
    [246, 232, 195],
    [245, 245, 245],
    [199, 234, 229],
    [128, 205, 193],
    [53, 151, 143],
    [1, 102, 94],
    [0, 60, 48],
];

const RD_YL_GN_11: [[u8; 3]; 11] = [
    [165, 0, 38],
    [215, 48, 39],
    [244, 109, 67],
    [253, 174, 97],
    [254, 224, 139],
    [255, 255, 191],
    [217, 239, 139],
    [166, 217, 106],
    [102, 189, 99],
    [26, 152, 80],
    [0, 104, 55],
];

const SET2_8: [[u8; 3]; 8] = [
    [102, 194, 165],
    [252, 141, 98],
    [141, 160, 203],
    [231, 138, 195],
    [166, 216, 84],
    [255, 217, 47],
    [229, 196, 148],
    [179, 179, 179],
];

const PAIRED_12: [[u8; 3]; 12] = [
    [166, 206, 227],
    [31, 120, 180],
    [178, 223, 138],
    [51, 160, 44],
    [251, 154, 153],
    [227, 26, 28],
    [253, 191, 111],
    [255, 127, 0],
    [202, 178, 214],
    [106, 61, 154],
    [255, 255, 153],
    [177, 89, 40],
];

/// What a colour scheme is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SchemeKind {
    /// Low to high (one hue or more).
    Sequential,
    /// Two sides of a middle.
    Diverging,
    /// Unordered categories.
    Qualitative,
}

/// A ColorBrewer scheme.
#[derive(Debug)]
pub struct Scheme {
    /// Its ColorBrewer name, stored in saved presentations.
    pub name: &'static str,
    /// What it is for.
    pub kind: SchemeKind,
    /// Distinguishable with the common colour-vision deficiencies (ColorBrewer's rating at
    /// the class counts the workbench uses).
    pub colour_blind_safe: bool,
    colours: &'static [[u8; 3]],
}

/// The schemes offered, the first of each kind its default.
pub const SCHEMES: &[Scheme] = &[
    Scheme {
        name: "YlOrRd",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &YL_OR_RD_9,
    },
    Scheme {
        name: "YlGnBu",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &YL_GN_BU_9,
    },
    Scheme {
        name: "OrRd",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &OR_RD_9,
    },
    Scheme {
        name: "Blues",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &BLUES_9,
    },
    Scheme {
        name: "Greens",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &GREENS_9,
    },
    Scheme {
        name: "Purples",
        kind: SchemeKind::Sequential,
        colour_blind_safe: true,
        colours: &PURPLES_9,
    },
    Scheme {
        name: "RdBu",
        kind: SchemeKind::Diverging,
        colour_blind_safe: true,
        colours: &RD_BU_11,
    },
    Scheme {
        name: "PuOr",
        kind: SchemeKind::Diverging,
        colour_blind_safe: true,
        colours: &PU_OR_11,
    },
    Scheme {
        name: "BrBG",
        kind: SchemeKind::Diverging,
        colour_blind_safe: true,
        colours: &BR_BG_11,
    },
    Scheme {
        name: "RdYlGn",
        kind: SchemeKind::Diverging,
        colour_blind_safe: false,
        colours: &RD_YL_GN_11,
    },
    Scheme {
        name: "Set3",
        kind: SchemeKind::Qualitative,
        colour_blind_safe: false,
        colours: &SET3_12,
    },
    Scheme {
        name: "Set2",
        kind: SchemeKind::Qualitative,
        colour_blind_safe: false,
        colours: &SET2_8,
    },
    Scheme {
        name: "Paired",
        kind: SchemeKind::Qualitative,
        colour_blind_safe: false,
        colours: &PAIRED_12,
    },
    Scheme {
        name: "Dark2",
        kind: SchemeKind::Qualitative,
        colour_blind_safe: false,
        colours: &DARK2,
    },
];

/// The scheme of `kind` named `name`, or that kind's default.
pub fn scheme(kind: SchemeKind, name: Option<&str>) -> &'static Scheme {
    let of_kind = || SCHEMES.iter().filter(move |s| s.kind == kind);
    name.and_then(|n| of_kind().find(|s| s.name == n))
        .or_else(|| of_kind().next())
        .unwrap_or(&SCHEMES[0])
}

impl Scheme {
    /// The colour of class `class` (1-based) of `k`. Sequential: evenly spread from light to
    /// dark; diverging: symmetric from the middle, the high classes on the scheme's second
    /// side when `higher_is_better` (blue in RdBu), otherwise the first (red); qualitative:
    /// one colour each, repeating. `reversed` turns the order round.
    pub fn class_colour(&self, class: usize, k: usize, higher_is_better: bool, reversed: bool) -> Rgb {
        let n = self.colours.len();
        let i = match self.kind {
            SchemeKind::Sequential => {
                let k = k.clamp(1, n);
                let i = if k == 1 {
                    n / 2
                } else {
                    (class.clamp(1, k) - 1) * (n - 1) / (k - 1)
                };
                if reversed {
                    n - 1 - i
                } else {
                    i
                }
            }
            SchemeKind::Diverging => {
                let k = k.clamp(2, n);
                let t = (class.clamp(1, k) as f32 - 1.0) / (k as f32 - 1.0) * 2.0 - 1.0;
                let t = if higher_is_better != reversed { t } else { -t };
                ((t + 1.0) / 2.0 * (n - 1) as f32).round().clamp(0.0, (n - 1) as f32) as usize
            }
            SchemeKind::Qualitative => {
                let i = (class.max(1) - 1) % n;
                if reversed {
                    n - 1 - i
                } else {
                    i
                }
            }
        };
        Rgb(self.colours[i])
    }
}
