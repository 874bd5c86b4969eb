//! Class colours: ColorBrewer's sequential YlOrRd (Cynthia Brewer, colorbrewer2.org) for 2 to 9
//! classes, and the grey of the "k. A." class, which is never a value colour.

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
}
