//! The engine's colours ([`quartier_core::figure::palette`]) as egui colours: the screen and
//! every exported figure use the same schemes.

use eframe::egui::Color32;
use quartier_core::figure::{palette, Rgb};

pub use palette::{scheme, Scheme, SchemeKind, SCHEMES};

/// An engine colour for egui.
pub const fn colour(c: Rgb) -> Color32 {
    let [r, g, b] = c.0;
    Color32::from_rgb(r, g, b)
}

/// The colour of areas without a class ("k. A.", too few residents).
pub const NO_DATA: Color32 = colour(palette::NO_DATA);

/// The colour of the `i`-th line of a chart (repeats after eight).
pub fn series(i: usize) -> Color32 {
    colour(palette::series(i))
}

/// The colour of a status class (1 = hoch … 4 = sehr niedrig) and a dynamics class
/// (0 = positiv, 1 = stabil, 2 = negativ).
pub fn status_dynamics(status: usize, dynamics: usize) -> Color32 {
    colour(palette::status_dynamics(status, dynamics))
}
