//! The map pane: a choropleth of the engine's classes, or the 4 × 3 status/dynamics map.
//!
//! Geometry is read once per level into a local plane ([`MapGeometry`]). For drawing, each
//! zoom band (a factor of two in scale) gets its own [`Detail`]: the outlines simplified to
//! half a pixel (Ramer–Douglas–Peucker, geo) and triangulated (earcut), built the first time
//! the band is shown and kept. A frame only culls to the visible part, transforms the cached
//! vertices into one mesh, and outlines areas that are large enough on screen to show one;
//! so panning stays cheap with 20,000 areas.

mod geometry;
pub(super) mod layers;

use eframe::egui;

use super::basemap::BaseMap;
use super::command::Command;
use super::i18n::tr;
use super::palette;
use super::state::{MapLayer, Workbench};

use geometry::*;
pub use geometry::{AreaShape, Detail, DetailShape, LevelShapes, MapGeometry};
use layers::*;
pub use layers::{is_highlighted, poi_card_layout_ui, poi_card_ui, poi_fields, PinnedPoi};

/// Pan and zoom of the map pane.
#[derive(Clone, Copy)]
pub struct View {
    /// Zoom factor over "fit to pane".
    pub zoom: f32,
    /// Offset in screen points.
    pub pan: egui::Vec2,
    /// What the map showed when last drawn: west, south, east, north in degrees (a
    /// bookmark keeps it).
    pub shown_extent: Option<[f64; 4]>,
    /// An extent to show when the map is next drawn (an opened bookmark's), in degrees.
    pub pending_extent: Option<[f64; 4]>,
}

impl Default for View {
    fn default() -> Self {
        View {
            zoom: 1.0,
            pan: egui::Vec2::ZERO,
            shown_extent: None,
            pending_extent: None,
        }
    }
}

impl View {
    /// Zoom and pan so that `extent` (degrees) fills a pane of `size` around its centre.
    fn show_extent(&mut self, geometry: &MapGeometry, extent: [f64; 4], size: egui::Vec2) {
        let a = geometry.project(extent[0], extent[1]);
        let b = geometry.project(extent[2], extent[3]);
        let (width, height) = ((b[0] - a[0]).abs().max(1e-9), (b[1] - a[1]).abs().max(1e-9));
        let scale = (size.x / width).min(size.y / height);
        let fit = geometry.fit_scale(size);
        self.zoom = (scale / fit).clamp(0.5, 200.0);
        let scale = fit * self.zoom;
        let e = geometry.extent;
        let (cx, cy) = ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0);
        let (tx, ty) = ((a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0);
        self.pan = egui::vec2(-(tx - cx) * scale, (ty - cy) * scale);
    }
}

/// The map pane.
pub struct MapPane;

impl super::panes::PaneView for MapPane {
    fn pane(&self) -> super::panes::Pane {
        super::panes::Pane::Map
    }

    fn title(&self) -> &'static str {
        tr("Karte")
    }

    fn ui(&self, ui: &mut egui::Ui, c: &mut super::panes::PaneContext<'_>) {
        match c.geometry {
            Some(g) => map_ui(ui, c.state, g, c.view, c.base.as_deref_mut(), c.commands),
            None => {
                // No spinner: it would repaint every frame; the job repaints when it is done.
                ui.label(tr("Karte wird aufgebaut …"));
            }
        }
    }
}

/// Draws the map pane and handles hover, click, pan and zoom.
pub fn map_ui(
    ui: &mut egui::Ui,
    w: &mut Workbench,
    geometry: &MapGeometry,
    view: &mut View,
    mut base: Option<&mut BaseMap>,
    commands: &mut Vec<Command>,
) {
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
    if let Some(pointer) = response.hover_pos() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            // Zoom about the pointer: the place under it stays under it.
            let zoom = (view.zoom * (1.0 + scroll * 0.002)).clamp(0.5, 200.0);
            let towards = pointer - rect.center();
            view.pan = towards - (towards - view.pan) * (zoom / view.zoom);
            view.zoom = zoom;
        }
    }
    if let Some(extent) = view.pending_extent.take() {
        view.show_extent(geometry, extent, rect.size());
    }
    let e = geometry.extent;
    let scale = geometry.fit_scale(rect.size()) * view.zoom;
    let centre = rect.center() + view.pan;
    let (cx, cy) = ((e[0] + e[2]) / 2.0, (e[1] + e[3]) / 2.0);
    let to_screen = |p: [f32; 2]| egui::pos2(centre.x + (p[0] - cx) * scale, centre.y - (p[1] - cy) * scale);
    let to_plane = |s: egui::Pos2| [(s.x - centre.x) / scale + cx, cy - (s.y - centre.y) / scale];

    let detail = geometry.detail(scale);
    let colours = geometry.colours(w);
    let visible = {
        let (a, b) = (to_plane(rect.left_top()), to_plane(rect.right_bottom()));
        [a[0].min(b[0]), a[1].min(b[1]), a[0].max(b[0]), a[1].max(b[1])]
    };
    let (south_west, north_east) = (
        geometry.unproject([visible[0], visible[1]]),
        geometry.unproject([visible[2], visible[3]]),
    );
    view.shown_extent = Some([south_west[0], south_west[1], north_east[0], north_east[1]]);
    if let Some(base) = base.as_deref_mut() {
        tiles_ui(
            &painter,
            base,
            geometry,
            &visible,
            scale * ui.ctx().pixels_per_point(),
            &to_screen,
        );
    }
    // Over a base map the colours let the streets show through.
    let opacity = if base.is_some() { 0.72 } else { 1.0 };
    let mut fill = egui::Mesh::default();
    fill.reserve_vertices(detail.vertices);
    fill.reserve_triangles(detail.triangles);
    let mut outlined = Vec::new();
    for (i, (shape, d)) in geometry.areas.iter().zip(&detail.areas).enumerate() {
        let b = shape.bbox;
        if b[2] < visible[0] || b[0] > visible[2] || b[3] < visible[1] || b[1] > visible[3] {
            continue;
        }
        if !MapGeometry::is_drawn(shape, colours.get(i)) {
            continue;
        }
        let base = fill.vertices.len() as u32;
        let colour = colours
            .get(i)
            .copied()
            .unwrap_or(palette::NO_DATA)
            .gamma_multiply(opacity);
        for v in &d.vertices {
            fill.colored_vertex(to_screen(*v), colour);
        }
        fill.indices.extend(d.indices.iter().map(|t| base + t));
        let size = ((b[2] - b[0]).powi(2) + (b[3] - b[1]).powi(2)).sqrt() * scale;
        if size >= OUTLINE_MIN_SIZE || is_highlighted(w, &shape.key) {
            outlined.push(i);
        }
    }
    painter.add(egui::Shape::mesh(fill));
    // Thin outlines as one mesh of quads: egui's anti-aliased line tessellation costs more
    // than the whole rest of the frame when thousands of areas are outlined.
    let strong = egui::Stroke::new(2.5, egui::Color32::from_rgb(20, 60, 160));
    let mut lines = egui::Mesh::default();
    let segments: usize = outlined
        .iter()
        .map(|i| detail.areas[*i].rings.iter().map(Vec::len).sum::<usize>())
        .sum();
    lines.reserve_vertices(4 * segments);
    lines.reserve_triangles(2 * segments);
    let mut highlighted = Vec::new();
    for i in outlined {
        if is_highlighted(w, &geometry.areas[i].key) {
            highlighted.push(i);
            continue;
        }
        for ring in &detail.areas[i].rings {
            add_hairline(&mut lines, ring.iter().map(|p| to_screen(*p)));
        }
    }
    painter.add(egui::Shape::mesh(lines));
    // The selection on top of its neighbours' outlines.
    for i in highlighted {
        for ring in &detail.areas[i].rings {
            painter.add(egui::Shape::closed_line(
                ring.iter().map(|p| to_screen(*p)).collect(),
                strong,
            ));
        }
    }
    columns_ui(&painter, rect, w, geometry, &visible, &to_screen);
    let radius = (1.5 + view.zoom).clamp(2.0, 4.5);
    let poi_under_pointer = pois_ui(
        &painter,
        w,
        geometry,
        &visible,
        &to_screen,
        response.hover_pos(),
        radius,
    );
    if let (Some(pinned), Some(pos)) = (&poi_under_pointer, response.hover_pos()) {
        let layout = w.view.poi_cards.get(&pinned.category).map(Vec::as_slice);
        egui::Tooltip::always_open(ui.ctx().clone(), ui.layer_id(), ui.scope_id().with("poi_tooltip"), pos)
            .show(|ui| poi_card_ui(ui, &pinned.poi, layout));
        if response.clicked() {
            commands.push(Command::ShowPoiCard(Some(pinned.clone())));
        }
    }
    // Hover and click.
    let mut hovered = None;
    if let Some(pos) = response.hover_pos().filter(|_| poi_under_pointer.is_none()) {
        if let Some(shape) = geometry.area_at(to_plane(pos)) {
            hovered = Some(shape.key.clone());
            let value = match (w.choice.layer, w.status_dynamics_of(&shape.key)) {
                (MapLayer::StatusDynamics, Some(r)) => match r.dynamics_class {
                    Some(d) => format!(
                        "Status {} · Dynamik {} ({})",
                        r.status_class.label_de(),
                        d.label_de(),
                        r.code
                    ),
                    None => format!("Status {} ({})", r.status_class.label_de(), r.code),
                },
                (MapLayer::StatusDynamics, None) => "nicht bewertet".to_string(),
                (MapLayer::Sizes, _) => w
                    .shown
                    .sizes
                    .as_ref()
                    .map_or("k. A.".to_string(), |s| crate::app::sizes::tooltip(s, &shape.key)),
                _ => w
                    .shown
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
                commands.push(Command::Click {
                    key: shape.key.clone(),
                    extend,
                });
            }
        }
    }
    if let Some(key) = hovered {
        commands.push(Command::Hover(key));
    }
    match w.choice.layer {
        MapLayer::StatusDynamics => status_dynamics_legend_ui(ui, rect, w),
        MapLayer::Sizes => layers::sizes_legend_ui(ui, rect, w),
        MapLayer::Choropleth => legend_ui(&painter, rect, w),
    }
    // The atlas's sources and the base map's, bottom right, as every map the atlas produces.
    let attribution: Vec<&str> = [
        w.info.attribution.as_str(),
        base.as_ref().map_or("", |b| b.attribution.as_str()),
    ]
    .into_iter()
    .filter(|a| !a.is_empty())
    .collect();
    if !attribution.is_empty() {
        let font = egui::FontId::proportional(11.0);
        let galley = painter.layout(
            attribution.join(" · "),
            font,
            egui::Color32::from_gray(40),
            // The right half: the legend has the left.
            (rect.width() * 0.5 - 12.0).max(100.0),
        );
        let at = rect.right_bottom() - galley.size() - egui::vec2(6.0, 4.0);
        painter.rect_filled(
            egui::Rect::from_min_size(at - egui::vec2(3.0, 1.0), galley.size() + egui::vec2(6.0, 2.0)),
            2.0,
            egui::Color32::from_white_alpha(200),
        );
        painter.galley(at, galley, egui::Color32::from_gray(40));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use quartier_core::Atlas;
    use std::rc::Rc;

    #[test]
    fn detail_per_zoom_band_is_built_once_and_hit_tests_find_the_area() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berlin.quartier");
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
        let atlas = Atlas::open(&path).unwrap();
        let g = MapGeometry::build(&atlas, "Planungsraum").unwrap();
        assert_eq!(g.areas.len(), 448);
        let full: usize = g
            .areas
            .iter()
            .map(|a| a.polygon.0.iter().map(|p| p.exterior().0.len()).sum::<usize>())
            .sum();
        // The whole city in about 800 points: one plane unit (a degree of latitude) is about
        // 2,500 points; half a point is then about 20 m.
        let (coarse, fine) = (g.detail(2500.0), g.detail(2_000_000.0));
        assert!(Rc::ptr_eq(&coarse, &g.detail(3000.0)), "same band, same detail");
        let points = |d: &Detail| d.areas.iter().flat_map(|a| a.rings.iter()).map(Vec::len).sum::<usize>();
        assert!(points(&coarse) * 2 < full, "coarse {} of {full}", points(&coarse));
        // At 5 cm per point only collinear and repeated vertices go.
        assert!(points(&fine) * 100 > full * 85, "fine {} of {full}", points(&fine));
        assert!(coarse
            .areas
            .iter()
            .all(|a| !a.indices.is_empty() && a.indices.len() % 3 == 0));
        // The centre of Stülerstraße's largest triangle lies in it.
        let i = g.areas.iter().position(|a| a.key == "01011101").unwrap();
        let d = &fine.areas[i];
        let v = |k: u32| d.vertices[k as usize];
        let size = |t: &[u32]| {
            let (a, b, c) = (v(t[0]), v(t[1]), v(t[2]));
            ((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1])).abs()
        };
        let t = d.indices.chunks(3).max_by(|a, b| size(a).total_cmp(&size(b))).unwrap();
        let centre = [
            (v(t[0])[0] + v(t[1])[0] + v(t[2])[0]) / 3.0,
            (v(t[0])[1] + v(t[1])[1] + v(t[2])[1]) / 3.0,
        ];
        assert_eq!(g.area_at(centre).map(|a| a.key.as_str()), Some("01011101"));
        assert!(g.area_at([1000.0, 1000.0]).is_none(), "far outside the city");

        // Web map tiles line up: the TV tower (13.4094° E, 52.5208° N) lies in the slippy-map
        // tile 12/2200/1343 (x = ⌊(λ + 180)/360 · 2¹²⌋, y = ⌊(1 − ln(tan φ + sec φ)/π)/2 · 2¹²⌋),
        // and that tile's bounds contain it.
        let tower = g.project(13.4094, 52.5208);
        let t = g.tile_position(tower, 12);
        assert_eq!((t[0].floor(), t[1].floor()), (2200.0, 1343.0));
        let b = g.tile_bounds(walkers::TileId {
            x: 2200,
            y: 1343,
            zoom: 12,
        });
        assert!(
            b[0] <= tower[0] && tower[0] <= b[2] && b[1] <= tower[1] && tower[1] <= b[3],
            "{b:?} {tower:?}"
        );
        assert_eq!(g.area_at(tower).map(|a| a.name.as_str()), Some("Alexanderplatzviertel"));
    }
}
