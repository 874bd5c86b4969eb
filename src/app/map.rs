//! The map pane: a choropleth of the engine's classes. Geometry is triangulated once per level
//! (`MapGeometry`); a frame only transforms the cached vertices into one mesh and draws the
//! outlines, so panning stays cheap.

use std::collections::HashMap;

use anyhow::Result;
use eframe::egui;
use quartier_core::Atlas;

use quartier_core::analysis::status_dynamics::{DynamicsClass, StatusClass};

use super::palette;
use super::state::{MapLayer, Workbench};

/// One area's draw data in a local plane (x = (lon − λ₀) · cos φ₀, y = lat − φ₀).
pub struct AreaShape {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Triangle vertices.
    pub vertices: Vec<[f32; 2]>,
    /// Three indices per triangle.
    pub indices: Vec<u32>,
    /// Outline rings.
    pub rings: Vec<Vec<[f32; 2]>>,
    /// Bounding box: min x, min y, max x, max y.
    pub bbox: [f32; 4],
}

/// The triangulated areas of one level.
pub struct MapGeometry {
    /// The level this was built for.
    pub level: String,
    /// Areas with geometry, by key.
    pub areas: Vec<AreaShape>,
    /// Extent of all areas.
    pub extent: [f32; 4],
}

impl MapGeometry {
    /// Triangulates every area of a level (once; the caller keeps the result).
    pub fn build(atlas: &Atlas, level: &str) -> Result<Self> {
        let l = atlas.level(level)?;
        let areas = atlas.area_geometries(l.id)?;
        let lat0 = areas
            .iter()
            .flat_map(|(_, g)| g.0.iter())
            .flat_map(|p| p.exterior().0.iter())
            .map(|c| c.y)
            .next()
            .unwrap_or(51.0);
        let k = lat0.to_radians().cos();
        // Relative to the first vertex, so that f32 keeps centimetres.
        let lon0 = areas
            .iter()
            .flat_map(|(_, g)| g.0.iter())
            .flat_map(|p| p.exterior().0.iter())
            .map(|c| c.x)
            .next()
            .unwrap_or(10.0);
        let local = |x: f64, y: f64| [((x - lon0) * k) as f32, (y - lat0) as f32];
        let mut extent = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        let shapes = areas
            .iter()
            .map(|(a, g)| {
                let (vertices, indices) = quartier_core::geometry::triangles(g);
                let vertices: Vec<[f32; 2]> = vertices.iter().map(|v| local(v[0], v[1])).collect();
                let rings: Vec<Vec<[f32; 2]>> =
                    g.0.iter()
                        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                        .map(|r| r.0.iter().map(|c| local(c.x, c.y)).collect())
                        .collect();
                let mut bbox = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
                for v in &vertices {
                    bbox = [
                        bbox[0].min(v[0]),
                        bbox[1].min(v[1]),
                        bbox[2].max(v[0]),
                        bbox[3].max(v[1]),
                    ];
                }
                extent = [
                    extent[0].min(bbox[0]),
                    extent[1].min(bbox[1]),
                    extent[2].max(bbox[2]),
                    extent[3].max(bbox[3]),
                ];
                AreaShape {
                    key: a.key.clone(),
                    name: a.name.clone(),
                    vertices,
                    indices,
                    rings,
                    bbox,
                }
            })
            .collect();
        Ok(MapGeometry {
            level: level.to_string(),
            areas: shapes,
            extent,
        })
    }

    /// The area under a point of the local plane.
    pub fn area_at(&self, p: [f32; 2]) -> Option<&AreaShape> {
        let inside = |a: [f32; 2], b: [f32; 2], c: [f32; 2]| {
            let d =
                |p: [f32; 2], q: [f32; 2], r: [f32; 2]| (p[0] - r[0]) * (q[1] - r[1]) - (q[0] - r[0]) * (p[1] - r[1]);
            let (d1, d2, d3) = (d(p, a, b), d(p, b, c), d(p, c, a));
            !((d1 < 0.0 || d2 < 0.0 || d3 < 0.0) && (d1 > 0.0 || d2 > 0.0 || d3 > 0.0))
        };
        self.areas.iter().find(|s| {
            p[0] >= s.bbox[0]
                && p[0] <= s.bbox[2]
                && p[1] >= s.bbox[1]
                && p[1] <= s.bbox[3]
                && s.indices.chunks(3).any(|t| {
                    inside(
                        s.vertices[t[0] as usize],
                        s.vertices[t[1] as usize],
                        s.vertices[t[2] as usize],
                    )
                })
        })
    }
}

/// Pan and zoom of the map pane.
#[derive(Clone, Copy)]
pub struct View {
    /// Zoom factor over "fit to pane".
    pub zoom: f32,
    /// Offset in screen points.
    pub pan: egui::Vec2,
}

impl Default for View {
    fn default() -> Self {
        View {
            zoom: 1.0,
            pan: egui::Vec2::ZERO,
        }
    }
}

/// Draws the map pane and handles hover, click, pan and zoom.
pub fn map_ui(ui: &mut egui::Ui, w: &mut Workbench, geometry: &MapGeometry, view: &mut View) {
    let (rect, response) = ui.allocate_exact_size(ui.available_size(), egui::Sense::click_and_drag());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::from_rgb(246, 244, 238));
    if geometry.areas.is_empty() {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "Keine Flächen auf dieser Ebene",
            egui::FontId::proportional(16.0),
            egui::Color32::GRAY,
        );
        return;
    }
    if response.dragged() {
        view.pan += response.drag_delta();
    }
    if response.hovered() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            view.zoom = (view.zoom * (1.0 + scroll * 0.002)).clamp(0.5, 40.0);
        }
    }
    let e = geometry.extent;
    let (ww, hh) = ((e[2] - e[0]).max(1e-9), (e[3] - e[1]).max(1e-9));
    let scale = ((rect.width() - 40.0) / ww).min((rect.height() - 40.0) / hh) * view.zoom;
    let centre = rect.center() + view.pan;
    let (cx, cy) = ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0);
    let to_screen = |p: [f32; 2]| egui::pos2(centre.x + (p[0] - cx) * scale, centre.y - (p[1] - cy) * scale);
    let to_plane = |s: egui::Pos2| [(s.x - centre.x) / scale + cx, cy - (s.y - centre.y) / scale];

    let mesh = {
        let colour_of = area_colours(w);
        let mut mesh = egui::Mesh::default();
        for shape in &geometry.areas {
            let colour = colour_of(shape.key.as_str());
            let base = mesh.vertices.len() as u32;
            for v in &shape.vertices {
                mesh.colored_vertex(to_screen(*v), colour);
            }
            for t in shape.indices.chunks(3) {
                mesh.add_triangle(base + t[0], base + t[1], base + t[2]);
            }
        }
        mesh
    };
    painter.add(egui::Shape::mesh(mesh));
    let thin = egui::Stroke::new(0.5, egui::Color32::from_rgb(90, 90, 90));
    let strong = egui::Stroke::new(2.5, egui::Color32::from_rgb(20, 60, 160));
    for shape in &geometry.areas {
        let selected = is_highlighted(w, &shape.key);
        for ring in &shape.rings {
            painter.add(egui::Shape::closed_line(
                ring.iter().map(|p| to_screen(*p)).collect(),
                if selected { strong } else { thin },
            ));
        }
    }
    // Hover and click.
    let mut hovered = None;
    if let Some(pos) = response.hover_pos() {
        if let Some(shape) = geometry.area_at(to_plane(pos)) {
            hovered = Some(shape.key.clone());
            let value = match (w.layer, w.status_dynamics_of(&shape.key)) {
                (MapLayer::StatusDynamics, Some(r)) => format!(
                    "Status {} · Dynamik {} ({})",
                    r.status_class.label_de(),
                    r.dynamics_class.label_de(),
                    r.code
                ),
                (MapLayer::StatusDynamics, None) => "nicht bewertet".to_string(),
                _ => w
                    .classified
                    .as_ref()
                    .and_then(|c| c.areas.iter().find(|a| a.key == shape.key))
                    .map_or("k. A.".to_string(), |a| w.format(a.value)),
            };
            egui::Tooltip::always_open(
                ui.ctx().clone(),
                ui.layer_id(),
                ui.scope_id().with("karte_tooltip"),
                pos,
            )
            .show(|ui| {
                ui.strong(&shape.name);
                ui.label(format!("{} · {value}", shape.key));
            });
            if response.clicked() {
                let extend = ui.input(|i| i.modifiers.command || i.modifiers.shift);
                w.click(&shape.key, extend);
            }
        }
    }
    if let Some(key) = hovered {
        w.hover(&key);
    }
    match w.layer {
        MapLayer::StatusDynamics => status_dynamics_legend_ui(ui, rect, w),
        MapLayer::Choropleth => legend_ui(&painter, rect, w),
    }
}

/// The fill colour per area key for the shown layer; areas without a class are grey.
fn area_colours(w: &Workbench) -> impl Fn(&str) -> egui::Color32 + '_ {
    let classes: HashMap<&str, Option<usize>> = w
        .classified
        .as_ref()
        .map(|c| c.areas.iter().map(|a| (a.key.as_str(), a.class)).collect())
        .unwrap_or_default();
    let k = w.classified.as_ref().map_or(1, |c| c.labels.len());
    move |key: &str| match w.layer {
        MapLayer::StatusDynamics => w.status_dynamics_of(key).map_or(palette::NO_DATA, |r| {
            palette::status_dynamics(r.status_class.number(), dynamics_column(r.dynamics_class))
        }),
        MapLayer::Choropleth => match classes.get(key).copied().flatten() {
            Some(class) => palette::sequential(class, k),
            None => palette::NO_DATA,
        },
    }
}

fn dynamics_column(d: DynamicsClass) -> usize {
    DynamicsClass::ALL.iter().position(|x| *x == d).unwrap_or(1)
}

/// The 4 × 3 matrix legend of the status/dynamics map with the number of areas per cell;
/// made of widgets (not painted) so that its labels are readable by screen readers and tests.
fn status_dynamics_legend_ui(ui: &egui::Ui, rect: egui::Rect, w: &Workbench) {
    let Some(r) = w.status_dynamics.as_ref().filter(|r| r.level == w.level_name()) else {
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
                                        ui.label(egui::RichText::new(r.matrix[s][d].to_string()).color(ink));
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
    w.selection.contains(key) || w.hovered.as_deref() == Some(key)
}

/// The legend in the lower left corner: one swatch per class and the "k. A." class.
fn legend_ui(painter: &egui::Painter, rect: egui::Rect, w: &Workbench) {
    let Some(c) = &w.classified else { return };
    let k = c.labels.len();
    let font = egui::FontId::proportional(13.0);
    let rows: Vec<(egui::Color32, String)> = c
        .labels
        .iter()
        .enumerate()
        .map(|(i, l)| (palette::sequential(i + 1, k), format!("{l}  ({})", c.counts[i])))
        .chain(std::iter::once((palette::NO_DATA, format!("k. A.  ({})", c.no_data))))
        .collect();
    let height = rows.len() as f32 * 18.0 + 30.0;
    let top_left = egui::pos2(rect.left() + 10.0, rect.bottom() - height - 10.0);
    painter.rect_filled(
        egui::Rect::from_min_size(top_left, egui::vec2(210.0, height)),
        4.0,
        egui::Color32::from_white_alpha(230),
    );
    let title = w.indicator_info().map_or(String::new(), |i| {
        if i.unit.is_empty() {
            i.name.clone()
        } else {
            format!("{} [{}]", i.name, i.unit)
        }
    });
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn geometry_is_triangulated_once_and_hit_tests_find_the_area() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berlin.quartier");
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
        let atlas = Atlas::open(&path).unwrap();
        let g = MapGeometry::build(&atlas, "Bezirk").unwrap();
        assert_eq!(g.areas.len(), 12);
        assert!(g
            .areas
            .iter()
            .all(|a| !a.indices.is_empty() && a.indices.len() % 3 == 0));
        // The centre of Mitte's largest triangle lies in Mitte.
        let mitte = g.areas.iter().find(|a| a.key == "01").unwrap();
        let v = |i: u32| mitte.vertices[i as usize];
        let size = |t: &[u32]| {
            let (a, b, c) = (v(t[0]), v(t[1]), v(t[2]));
            ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs()
        };
        let t = mitte
            .indices
            .chunks(3)
            .max_by(|a, b| size(a).total_cmp(&size(b)))
            .unwrap();
        let centre = [
            (v(t[0])[0] + v(t[1])[0] + v(t[2])[0]) / 3.0,
            (v(t[0])[1] + v(t[1])[1] + v(t[2])[1]) / 3.0,
        ];
        assert_eq!(g.area_at(centre).map(|a| a.key.as_str()), Some("01"));
        assert!(g.area_at([1000.0, 1000.0]).is_none(), "far outside the city");
    }
}
