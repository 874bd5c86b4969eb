//! Class colours: ColorBrewer's sequential YlOrRd (Cynthia Brewer, colorbrewer2.org) for 2 to 9
//! classes, diverging RdBu, qualitative Set3 for categories, the 4 × 3 colours of the status/dynamics map, and the grey of the "k. A." class,
//! which is never a value colour.

use eframe::egui::Color32;

/// The colour of areas without a class ("k. A.", too few residents).
pub const NO_DATA: Color32 = Color32::from_rgb(200, 200, 200);

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

/// The colour of class `class` (1-based) of `k` classes: evenly spread over the scheme.
pub fn sequential(class: usize, k: usize) -> Color32 {
    let k = k.clamp(1, 9);
    let i = if k == 1 {
        4
    } else {
        (class.clamp(1, k) - 1) * 8 / (k - 1)
    };
    let [r, g, b] = YL_OR_RD_9[i];
    Color32::from_rgb(r, g, b)
}

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

/// The colour of class `class` (1-based, lowest values first) of `k` diverging classes. With
/// `higher_is_better` the high classes are blue (favourable) and the low ones red; otherwise
/// the other way round. The classes spread symmetrically from the middle of the scheme.
pub fn diverging(class: usize, k: usize, higher_is_better: bool) -> Color32 {
    let k = k.clamp(2, 11);
    let class = class.clamp(1, k);
    // Position in −1..1 from the lowest to the highest class.
    let t = (class as f32 - 1.0) / (k as f32 - 1.0) * 2.0 - 1.0;
    let t = if higher_is_better { t } else { -t };
    let i = ((t + 1.0) / 2.0 * 10.0).round().clamp(0.0, 10.0) as usize;
    let [r, g, b] = RD_BU_11[i];
    Color32::from_rgb(r, g, b)
}

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

/// The colour of category `class` (1-based); repeats after twelve.
pub fn qualitative(class: usize) -> Color32 {
    let [r, g, b] = SET3_12[(class.max(1) - 1) % SET3_12.len()];
    Color32::from_rgb(r, g, b)
}

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
pub fn series(i: usize) -> Color32 {
    let [r, g, b] = DARK2[i % DARK2.len()];
    Color32::from_rgb(r, g, b)
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
pub fn status_dynamics(status: usize, dynamics: usize) -> Color32 {
    let [r, g, b] = STATUS_DYNAMICS[status.clamp(1, 4) - 1][dynamics.min(2)];
    Color32::from_rgb(r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_run_from_light_to_dark_and_no_data_is_no_class_colour() {
        assert_eq!(sequential(1, 6), Color32::from_rgb(255, 255, 204));
        assert_eq!(sequential(6, 6), Color32::from_rgb(128, 0, 38));
        let all: Vec<Color32> = (1..=6).map(|c| sequential(c, 6)).collect();
        assert!(!all.contains(&NO_DATA));
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 6);
    }

    #[test]
    fn diverging_colours_put_the_unfavourable_side_in_red() {
        // Higher is worse (default): the highest class is dark red, the lowest dark blue.
        assert_eq!(diverging(6, 6, false), Color32::from_rgb(103, 0, 31));
        assert_eq!(diverging(1, 6, false), Color32::from_rgb(5, 48, 97));
        assert_eq!(diverging(6, 6, true), Color32::from_rgb(5, 48, 97));
        let all: Vec<Color32> = (1..=6).map(|c| diverging(c, 6, false)).collect();
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 6);
        assert!(!all.contains(&NO_DATA));
    }

    #[test]
    fn the_twelve_status_dynamics_colours_differ_and_darken_with_worse_dynamics() {
        let all: Vec<Color32> = (1..=4)
            .flat_map(|s| (0..3).map(move |d| status_dynamics(s, d)))
            .collect();
        assert_eq!(all.iter().collect::<std::collections::HashSet<_>>().len(), 12);
        assert!(!all.contains(&NO_DATA));
        let lightness = |c: Color32| c.r() as u32 + c.g() as u32 + c.b() as u32;
        for s in 1..=4 {
            assert!(lightness(status_dynamics(s, 0)) > lightness(status_dynamics(s, 1)));
            assert!(lightness(status_dynamics(s, 1)) > lightness(status_dynamics(s, 2)));
        }
    }
}
