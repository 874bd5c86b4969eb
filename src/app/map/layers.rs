//! What the map draws over and under the areas: base map tiles, column symbols of a second
//! indicator, POI dots and their card, the class colours, and the two legends.

use std::collections::HashMap;

use eframe::egui;
use quartier_core::analysis::status_dynamics::{DynamicsClass, StatusClass};

use super::super::basemap::BaseMap;
use super::super::i18n::tr;
use super::super::palette;
use super::super::state::{MapLayer, Workbench};
use super::geometry::*;

/// The base map's tiles under the areas, at the zoom level that matches the scale.
pub(super) fn tiles_ui(
    painter: &egui::Painter,
    base: &mut BaseMap,
    geometry: &MapGeometry,
    visible: &[f32; 4],
    pixels_per_unit: f32,
    to_screen: &impl Fn([f32; 2]) -> egui::Pos2,
) {
    let zoom = base.zoom_for(pixels_per_unit);
    let n = 1u32 << zoom;
    let top_left = geometry.tile_position([visible[0], visible[3]], zoom);
    let bottom_right = geometry.tile_position([visible[2], visible[1]], zoom);
    let columns = (top_left[0].floor().max(0.0) as u32)..=(bottom_right[0].floor().min(n as f64 - 1.0).max(0.0) as u32);
    let rows = (top_left[1].floor().max(0.0) as u32)..=(bottom_right[1].floor().min(n as f64 - 1.0).max(0.0) as u32);
    if columns.clone().count() * rows.clone().count() > 400 {
        return;
    }
    for y in rows {
        for x in columns.clone() {
            let id = walkers::TileId { x, y, zoom };
            let Some(piece) = base.tile(id) else { continue };
            let walkers::Tile::Raster(texture) = &piece.tile;
            let b = geometry.tile_bounds(id);
            let screen = egui::Rect::from_two_pos(to_screen([b[0], b[3]]), to_screen([b[2], b[1]]));
            painter.image(texture.id(), screen, piece.uv, egui::Color32::WHITE);
        }
    }
}

/// Column symbols of the second indicator at each area's inside point: height proportional
/// to the value (the largest absolute value 40 points), downwards for negative values.
pub(super) fn columns_ui(
    painter: &egui::Painter,
    rect: egui::Rect,
    w: &Workbench,
    geometry: &MapGeometry,
    visible: &[f32; 4],
    to_screen: &impl Fn([f32; 2]) -> egui::Pos2,
) {
    if w.choice.column_indicator.is_none() || w.shown.column_values.is_empty() {
        return;
    }
    let largest = w.shown.column_values.values().fold(0.0_f64, |m, v| m.max(v.abs()));
    if largest <= 0.0 {
        return;
    }
    for shape in &geometry.areas {
        let p = shape.inside;
        if p[0] < visible[0] || p[0] > visible[2] || p[1] < visible[1] || p[1] > visible[3] {
            continue;
        }
        let Some(v) = w.shown.column_values.get(&shape.key) else {
            continue;
        };
        let base = to_screen(p);
        let height = (v / largest * 40.0) as f32;
        let bar = egui::Rect::from_two_pos(base + egui::vec2(-3.0, 0.0), base + egui::vec2(3.0, -height));
        let colour = if *v >= 0.0 { COLUMN_UP } else { COLUMN_DOWN };
        painter.rect(
            bar,
            0.0,
            colour,
            egui::Stroke::new(0.75, egui::Color32::WHITE),
            egui::StrokeKind::Outside,
        );
    }
    // Key in the upper left corner: the tallest column and what it stands for.
    let info = w
        .choice
        .column_indicator
        .as_deref()
        .and_then(|k| w.info.indicators.iter().find(|i| i.key == k));
    let Some(info) = info else { return };
    let decimals = w.shown.column_decimals;
    let text = format!(
        "Säulen: {} – höchste = {}",
        w.indicator_title(&info.key),
        quartier_core::numbers::format_german(largest, decimals)
    );
    let font = egui::FontId::proportional(12.0);
    let galley = painter.layout_no_wrap(text, font, egui::Color32::BLACK);
    let top_left = rect.left_top() + egui::vec2(10.0, 10.0);
    let size = galley.size() + egui::vec2(30.0, 12.0);
    painter.rect_filled(
        egui::Rect::from_min_size(top_left, egui::vec2(size.x, size.y.max(50.0))),
        4.0,
        egui::Color32::from_white_alpha(230),
    );
    let bar = egui::Rect::from_min_size(top_left + egui::vec2(8.0, 5.0), egui::vec2(6.0, 40.0));
    painter.rect_filled(bar, 0.0, COLUMN_UP);
    painter.galley(top_left + egui::vec2(22.0, 6.0), galley, egui::Color32::BLACK);
}

pub(super) const COLUMN_UP: egui::Color32 = egui::Color32::from_rgb(37, 52, 148);
pub(super) const COLUMN_DOWN: egui::Color32 = egui::Color32::from_rgb(0, 109, 44);

/// POIs of the shown categories as dots in the category's colour; returns the one under the
/// pointer (within 6 points), if any.
pub(super) fn pois_ui(
    painter: &egui::Painter,
    w: &Workbench,
    geometry: &MapGeometry,
    visible: &[f32; 4],
    to_screen: &impl Fn([f32; 2]) -> egui::Pos2,
    pointer: Option<egui::Pos2>,
    radius: f32,
) -> Option<PinnedPoi> {
    let mut nearest: Option<(f32, &str, &quartier_core::store::Poi)> = None;
    for (i, layer) in w.shown.poi_layers.iter().enumerate() {
        let Some(points) = layer.points.as_ref().filter(|_| layer.shown) else {
            continue;
        };
        let colour = palette::series(i);
        for poi in points {
            let p = geometry.project(poi.lon, poi.lat);
            if p[0] < visible[0] || p[0] > visible[2] || p[1] < visible[1] || p[1] > visible[3] {
                continue;
            }
            let s = to_screen(p);
            painter.circle(s, radius, colour, egui::Stroke::new(0.75, egui::Color32::WHITE));
            if let Some(d) = pointer.map(|q| q.distance(s)).filter(|d| *d <= 6.0) {
                if nearest.is_none_or(|(best, _, _)| d < best) {
                    nearest = Some((d, &layer.category, poi));
                }
            }
        }
    }
    nearest.map(|(_, category, poi)| PinnedPoi {
        category: category.to_string(),
        poi: poi.clone(),
    })
}

/// A POI with its category (whose card layout applies).
#[derive(Debug, Clone, PartialEq)]
pub struct PinnedPoi {
    /// The POI category, e.g. "Kita".
    pub category: String,
    /// The POI.
    pub poi: quartier_core::store::Poi,
}

/// The attributes of a POI the import kept, as (source name, German text), in the order of
/// `layout` when the category has one, else all of them: text as it is, numbers in German
/// notation, yes/no as „ja“/„nein“; empty values are left out.
pub fn poi_fields(poi: &quartier_core::store::Poi, layout: Option<&[String]>) -> Vec<(String, String)> {
    let Some(all) = poi.attributes.as_object() else {
        return Vec::new();
    };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.as_f64().map_or_else(
            || n.to_string(),
            |x| quartier_core::numbers::format_german(x, quartier_core::numbers::decimals_needed(x)),
        ),
        serde_json::Value::Bool(true) => "ja".to_string(),
        serde_json::Value::Bool(false) => "nein".to_string(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let names: Vec<&String> = match layout {
        Some(fields) => fields.iter().filter(|f| all.contains_key(*f)).collect(),
        None => all.keys().collect(),
    };
    names
        .into_iter()
        .map(|name| (name.clone(), text(&all[name])))
        .filter(|(_, value)| !value.is_empty())
        .collect()
}

/// The info card of a POI: name, address, places, website, and the other attributes.
pub fn poi_card_ui(ui: &mut egui::Ui, poi: &quartier_core::store::Poi, layout: Option<&[String]>) {
    ui.strong(&poi.name);
    if !poi.address.is_empty() {
        ui.label(&poi.address);
    }
    if let Some(c) = poi.capacity {
        ui.label(format!("Plätze: {}", quartier_core::numbers::format_german(c, 0)));
    }
    let fields = poi_fields(poi, layout);
    let website = fields.iter().find_map(|(k, v)| {
        let k = k.to_lowercase();
        (k.contains("web") || k.contains("url") || k.contains("homepage") || k.contains("internet")).then(|| v.clone())
    });
    if let Some(url) = website {
        ui.hyperlink_to(
            format!("Website: {url}"),
            if url.starts_with("http") {
                url.clone()
            } else {
                format!("https://{url}")
            },
        );
    }
    // Everything else the import kept, under the source's names.
    let shown = [poi.name.as_str(), poi.address.as_str()];
    egui::Grid::new(("poi_felder", poi.lon.to_bits(), poi.lat.to_bits()))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            for (name, value) in fields.iter().filter(|(_, v)| !shown.contains(&v.as_str())) {
                ui.weak(name);
                ui.label(value);
                ui.end_row();
            }
        });
}

/// The card layout of a POI's category: which attributes, in what order. Returns the new
/// layout when the user changed it (`Some(None)`: all attributes again).
pub fn poi_card_layout_ui(
    ui: &mut egui::Ui,
    pinned: &PinnedPoi,
    layout: Option<&[String]>,
) -> Option<Option<Vec<String>>> {
    let all: Vec<String> = pinned
        .poi
        .attributes
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    // The current order: the layout's fields first, then the others (unchecked).
    let mut order: Vec<(String, bool)> = match layout {
        Some(fields) => fields
            .iter()
            .map(|f| (f.clone(), true))
            .chain(all.iter().filter(|a| !fields.contains(a)).map(|a| (a.clone(), false)))
            .collect(),
        None => all.iter().map(|a| (a.clone(), true)).collect(),
    };
    let mut changed = false;
    let mut reset = false;
    ui.collapsing(format!("{} „{}“", tr("Felder der Karten"), pinned.category), |ui| {
        let mut move_up = None;
        for (i, (name, shown)) in order.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                changed |= ui.checkbox(shown, name.as_str()).changed();
                if i > 0 && ui.small_button("↑").on_hover_text(tr("nach oben")).clicked() {
                    move_up = Some(i);
                }
            });
        }
        if let Some(i) = move_up {
            order.swap(i - 1, i);
            changed = true;
        }
        if layout.is_some() && ui.button(tr("Alle Felder zeigen")).clicked() {
            reset = true;
        }
    });
    if reset {
        return Some(None);
    }
    changed.then(|| Some(order.into_iter().filter(|(_, shown)| *shown).map(|(n, _)| n).collect()))
}

/// Adds a closed polyline of about one point width as quads (two triangles per segment) in
/// a half-transparent grey, which reads like a thin anti-aliased line.
pub(super) fn add_hairline(mesh: &mut egui::Mesh, points: impl Iterator<Item = egui::Pos2>) {
    const COLOUR: egui::Color32 = egui::Color32::from_rgba_premultiplied(45, 45, 45, 140);
    let mut previous: Option<egui::Pos2> = None;
    for q in points {
        if let Some(p) = previous {
            let d = q - p;
            let length = d.length();
            if length > 0.0 {
                let n = egui::vec2(-d.y, d.x) * (0.5 / length);
                let base = mesh.vertices.len() as u32;
                for v in [p + n, p - n, q + n, q - n] {
                    mesh.colored_vertex(v, COLOUR);
                }
                mesh.add_triangle(base, base + 1, base + 2);
                mesh.add_triangle(base + 1, base + 3, base + 2);
            }
        }
        previous = Some(q);
    }
}

/// The fill colour of each area for the shown layer; areas without a class are grey.
pub(super) fn area_colours(w: &Workbench, areas: &[AreaShape]) -> Vec<egui::Color32> {
    match w.choice.layer {
        MapLayer::StatusDynamics => {
            let results: HashMap<&str, egui::Color32> = w
                .shown
                .status_dynamics
                .iter()
                .filter(|r| r.level == w.level_name())
                .flat_map(|r| r.areas.iter())
                .map(|r| {
                    let colour =
                        palette::status_dynamics(r.status_class.number(), r.dynamics_class.map_or(1, dynamics_column));
                    (r.key.as_ref(), colour)
                })
                .collect();
            areas
                .iter()
                .map(|a| results.get(a.key.as_str()).copied().unwrap_or(palette::NO_DATA))
                .collect()
        }
        MapLayer::Sizes => {
            let colours = w
                .shown
                .sizes
                .as_ref()
                .filter(|s| s.level() == w.level_name())
                .map(crate::app::sizes::sizes_colour)
                .unwrap_or_default();
            areas
                .iter()
                .map(|a| colours.get(a.key.as_str()).copied().unwrap_or(palette::NO_DATA))
                .collect()
        }
        MapLayer::Choropleth => {
            let k = w.shown.classified.as_ref().map_or(1, |c| c.labels.len());
            let classes: HashMap<&str, usize> = w
                .shown
                .classified
                .iter()
                .flat_map(|c| c.areas.iter())
                .filter_map(|a| a.class.map(|class| (a.key.as_str(), class)))
                .collect();
            areas
                .iter()
                .map(|a| {
                    classes
                        .get(a.key.as_str())
                        .map_or(palette::NO_DATA, |c| w.class_colour(*c, k))
                })
                .collect()
        }
    }
}

pub(super) fn dynamics_column(d: DynamicsClass) -> usize {
    DynamicsClass::ALL.iter().position(|x| *x == d).unwrap_or(1)
}

/// The 4 × 3 matrix legend of the status/dynamics map with the number of areas per cell;
/// made of widgets (not painted) so that its labels are readable by screen readers and tests.
/// The legend of the layer "Gebietsgrößen": the rule, then one swatch per verdict.
pub(super) fn sizes_legend_ui(ui: &egui::Ui, rect: egui::Rect, w: &Workbench) {
    let Some(shown) = w.shown.sizes.as_ref().filter(|s| s.level() == w.level_name()) else {
        return;
    };
    let rule = shown
        .proposal
        .as_ref()
        .map(|p| p.rule.as_str())
        .or(shown.check.as_ref().map(|c| c.rule.as_str()))
        .unwrap_or("");
    egui::Area::new(ui.scope_id().with("groessen_legende"))
        .pivot(egui::Align2::LEFT_BOTTOM)
        .fixed_pos(rect.left_bottom() + egui::vec2(10.0, -10.0))
        .constrain_to(rect)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.strong(format!("{} „{rule}“", crate::app::i18n::tr("Regel")));
                for (colour, text) in crate::app::sizes::legend_rows(shown) {
                    ui.horizontal(|ui| {
                        let (swatch, _) = ui.allocate_exact_size(egui::vec2(22.0, 14.0), egui::Sense::hover());
                        ui.painter().rect_filled(swatch, 0.0, colour);
                        ui.label(text);
                    });
                }
            });
        });
}

pub(super) fn status_dynamics_legend_ui(ui: &egui::Ui, rect: egui::Rect, w: &Workbench) {
    let Some(r) = w.shown.status_dynamics.as_ref().filter(|r| r.level == w.level_name()) else {
        return;
    };
    egui::Area::new(ui.scope_id().with("status_dynamik_legende"))
        .pivot(egui::Align2::LEFT_BOTTOM)
        .fixed_pos(rect.left_bottom() + egui::vec2(10.0, -10.0))
        .constrain_to(rect)
        .show(ui.ctx(), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.strong(format!("Status/Dynamik {}", r.period));
                egui::Grid::new("status_dynamik_matrix")
                    .spacing(egui::vec2(2.0, 2.0))
                    .show(ui, |ui| {
                        ui.label("Status \\ Dynamik");
                        for class in DynamicsClass::ALL {
                            ui.label(class.label_de());
                        }
                        ui.end_row();
                        for (s, status) in StatusClass::ALL.iter().enumerate() {
                            ui.label(status.label_de());
                            for d in 0..3 {
                                let colour = palette::status_dynamics(status.number(), d);
                                let ink = if colour.r() as u32 + colour.g() as u32 + colour.b() as u32 > 400 {
                                    egui::Color32::BLACK
                                } else {
                                    egui::Color32::WHITE
                                };
                                egui::Frame::new().fill(colour).show(ui, |ui| {
                                    ui.set_min_size(egui::vec2(48.0, 16.0));
                                    ui.centered_and_justified(|ui| {
                                        let count = r.matrix.map_or(String::new(), |m| m[s][d].to_string());
                                        ui.label(egui::RichText::new(count).color(ink));
                                    });
                                });
                            }
                            ui.end_row();
                        }
                    });
                ui.horizontal(|ui| {
                    let (swatch, _) = ui.allocate_exact_size(egui::vec2(22.0, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(swatch, 0.0, palette::NO_DATA);
                    ui.label(format!("nicht bewertet ({})", r.excluded.len()));
                });
                ui.label(format!("{} gültige Gebiete", r.valid_areas));
            });
        });
}

/// Whether the map draws an area with the selection outline.
pub fn is_highlighted(w: &Workbench, key: &str) -> bool {
    w.selection.highlights(key)
}

/// The legend in the lower left corner: one swatch per class and the "k. A." class.
/// The legend's rows: the colour and "label  (areas)" of each class (of each category, for
/// a categorical indicator), then "k. A.".
pub fn legend_rows(w: &Workbench) -> Vec<(egui::Color32, String)> {
    let Some(c) = &w.shown.classified else {
        return Vec::new();
    };
    let k = c.labels.len();
    c.labels
        .iter()
        .enumerate()
        .map(|(i, l)| (w.class_colour(i + 1, k), format!("{l}  ({})", c.counts[i])))
        .chain(std::iter::once((palette::NO_DATA, format!("k. A.  ({})", c.no_data))))
        .collect()
}

/// The gentle hint under the legend of a count mapped as a choropleth: bigger areas have
/// more of everything, so a map of counts compares sizes, not situations.
pub const COUNT_HINT: &str = "Anzahlen besser als Säulen oder Dichte darstellen";

pub(super) fn legend_ui(painter: &egui::Painter, rect: egui::Rect, w: &Workbench) {
    if w.shown.classified.is_none() {
        return;
    }
    let font = egui::FontId::proportional(13.0);
    let mut rows = legend_rows(w);
    let is_count = w.indicator_info().is_some_and(|i| i.kind == "count");
    if is_count {
        rows.push((egui::Color32::TRANSPARENT, tr(COUNT_HINT).to_string()));
    }
    let title = w
        .choice
        .indicator
        .as_deref()
        .map_or(String::new(), |k| w.indicator_title(k));
    let text_width = |t: &str| {
        painter
            .layout_no_wrap(t.to_string(), font.clone(), egui::Color32::BLACK)
            .size()
            .x
    };
    let width = rows
        .iter()
        .map(|(_, l)| text_width(l) + 46.0)
        .fold(text_width(&title) + 16.0, f32::max)
        .max(160.0);
    let height = rows.len() as f32 * 18.0 + 30.0;
    let top_left = egui::pos2(rect.left() + 10.0, rect.bottom() - height - 10.0);
    painter.rect_filled(
        egui::Rect::from_min_size(top_left, egui::vec2(width, height)),
        4.0,
        egui::Color32::from_white_alpha(230),
    );
    painter.text(
        top_left + egui::vec2(8.0, 6.0),
        egui::Align2::LEFT_TOP,
        title,
        font.clone(),
        egui::Color32::BLACK,
    );
    for (i, (colour, label)) in rows.iter().enumerate() {
        let y = top_left.y + 26.0 + i as f32 * 18.0;
        let swatch = egui::Rect::from_min_size(egui::pos2(top_left.x + 8.0, y), egui::vec2(22.0, 14.0));
        painter.rect_filled(swatch, 0.0, *colour);
        painter.text(
            egui::pos2(top_left.x + 38.0, y),
            egui::Align2::LEFT_TOP,
            label,
            font.clone(),
            egui::Color32::BLACK,
        );
    }
}
