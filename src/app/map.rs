//! The map pane: a choropleth of the engine's classes, or the 4 × 3 status/dynamics map.
//!
//! Geometry is read once per level into a local plane ([`MapGeometry`]). For drawing, each
//! zoom band (a factor of two in scale) gets its own [`Detail`]: the outlines simplified to
//! half a pixel (Ramer–Douglas–Peucker, geo) and triangulated (earcut), built the first time
//! the band is shown and kept. A frame only culls to the visible part, transforms the cached
//! vertices into one mesh, and outlines areas that are large enough on screen to show one;
//! so panning stays cheap with 20,000 areas.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use anyhow::Result;
use eframe::egui;
use geo::{Centroid, Contains, InteriorPoint, MapCoords, MultiPolygon, Simplify};
use quartier_core::Atlas;

use quartier_core::analysis::status_dynamics::{DynamicsClass, StatusClass};

use super::basemap::BaseMap;
use super::palette;
use super::state::{MapLayer, Workbench};

/// The Web Mercator y of a latitude, in degrees (so that x and y have the same scale).
fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln().to_degrees()
}

/// Areas smaller than this on screen (bounding box diagonal, points) get no outline: at that
/// size outlines would hide the colours.
const OUTLINE_MIN_SIZE: f32 = 12.0;

/// One area in the map's plane: Web Mercator in degrees (x = λ − λ₀, y = merc(φ) − merc(φ₀),
/// so that base map tiles line up), relative to the first vertex of the level so that f32
/// keeps centimetres.
pub struct AreaShape {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// The full outline.
    pub polygon: MultiPolygon<f32>,
    /// Bounding box: min x, min y, max x, max y.
    pub bbox: [f32; 4],
    /// A point inside the area, for symbols.
    pub inside: [f32; 2],
}

/// One area's draw data at one zoom band.
pub struct DetailShape {
    /// Triangle vertices.
    pub vertices: Vec<[f32; 2]>,
    /// Three indices per triangle.
    pub indices: Vec<u32>,
    /// Outline rings.
    pub rings: Vec<Vec<[f32; 2]>>,
}

/// The draw data of all areas at one zoom band, in the order of [`MapGeometry::areas`].
pub struct Detail {
    /// Per area.
    pub areas: Vec<DetailShape>,
    /// Triangle vertices of all areas.
    pub vertices: usize,
    /// Triangles of all areas.
    pub triangles: usize,
}

/// The areas of one level, with their draw data per zoom band.
pub struct MapGeometry {
    /// The level this was built for.
    pub level: String,
    /// Areas with geometry.
    pub areas: Vec<AreaShape>,
    /// Extent of all areas.
    pub extent: [f32; 4],
    /// λ₀ and merc(φ₀) of the plane, in degrees.
    origin: [f64; 2],
    details: RefCell<HashMap<i32, Rc<Detail>>>,
    colours: RefCell<Option<(ColourKey, Rc<Vec<egui::Color32>>)>>,
}

/// What the cached area colours were computed for.
type ColourKey = (u64, MapLayer, usize);

impl MapGeometry {
    /// Reads every area of a level into the local plane (once; the caller keeps the result).
    pub fn build(atlas: &Atlas, level: &str) -> Result<Self> {
        let l = atlas.level(level)?;
        let areas = atlas.area_geometries(l.id)?;
        let first = areas
            .iter()
            .flat_map(|(_, g)| g.0.iter())
            .flat_map(|p| p.exterior().0.iter())
            .next()
            .map_or((10.0, 51.0), |c| (c.x, c.y));
        let (lon0, lat0) = first;
        let y0 = mercator_y(lat0);
        let mut extent = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        let shapes = areas
            .into_iter()
            .map(|(a, g)| {
                let polygon: MultiPolygon<f32> =
                    g.map_coords(|c| geo::coord! { x: (c.x - lon0) as f32, y: (mercator_y(c.y) - y0) as f32 });
                let mut bbox = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
                for c in polygon.0.iter().flat_map(|p| p.exterior().0.iter()) {
                    bbox = [bbox[0].min(c.x), bbox[1].min(c.y), bbox[2].max(c.x), bbox[3].max(c.y)];
                }
                extent = [
                    extent[0].min(bbox[0]),
                    extent[1].min(bbox[1]),
                    extent[2].max(bbox[2]),
                    extent[3].max(bbox[3]),
                ];
                // The centroid where it lies inside (cheap), else an interior point (costly).
                let inside = polygon
                    .centroid()
                    .filter(|c| polygon.contains(c))
                    .or_else(|| polygon.interior_point())
                    .map_or([(bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0], |p| {
                        [p.x(), p.y()]
                    });
                AreaShape {
                    key: a.key,
                    name: a.name,
                    polygon,
                    bbox,
                    inside,
                }
            })
            .collect();
        Ok(MapGeometry {
            level: level.to_string(),
            areas: shapes,
            extent,
            origin: [lon0, y0],
            details: RefCell::new(HashMap::new()),
            colours: RefCell::new(None),
        })
    }

    /// The draw data for a scale (screen points per plane unit): simplified to half a point
    /// at the finest scale of its band, triangulated, built on first use.
    pub fn detail(&self, scale: f32) -> Rc<Detail> {
        let band = scale.max(1e-6).log2().floor() as i32;
        if let Some(d) = self.details.borrow().get(&band) {
            return d.clone();
        }
        let tolerance = 0.5 / 2f32.powi(band);
        let areas: Vec<DetailShape> = self
            .areas
            .iter()
            .map(|a| {
                let simplified = a.polygon.simplify(tolerance);
                // A ring that collapses (a tiny area) keeps its full outline.
                let polygon = if simplified.0.iter().all(|p| p.exterior().0.len() >= 4) && !simplified.0.is_empty() {
                    simplified
                } else {
                    a.polygon.clone()
                };
                let (vertices, indices) = quartier_core::geometry::triangles(&polygon);
                let rings = polygon
                    .0
                    .iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|r| r.0.iter().map(|c| [c.x, c.y]).collect())
                    .collect();
                DetailShape {
                    vertices,
                    indices,
                    rings,
                }
            })
            .collect();
        let detail = Rc::new(Detail {
            vertices: areas.iter().map(|a: &DetailShape| a.vertices.len()).sum(),
            triangles: areas.iter().map(|a: &DetailShape| a.indices.len() / 3).sum(),
            areas,
        });
        self.details.borrow_mut().insert(band, detail.clone());
        detail
    }

    /// A WGS84 position in the map's plane.
    pub fn project(&self, lon: f64, lat: f64) -> [f32; 2] {
        let [lon0, y0] = self.origin;
        [(lon - lon0) as f32, (mercator_y(lat) - y0) as f32]
    }

    /// The rectangle of a web map tile in the plane: min x, min y, max x, max y.
    pub fn tile_bounds(&self, id: walkers::TileId) -> [f32; 4] {
        let [lon0, y0] = self.origin;
        let n = (1u64 << id.zoom) as f64;
        let x = |tx: f64| (tx / n * 360.0 - 180.0 - lon0) as f32;
        let y = |ty: f64| (180.0 - ty / n * 360.0 - y0) as f32;
        [
            x(id.x as f64),
            y(id.y as f64 + 1.0),
            x(id.x as f64 + 1.0),
            y(id.y as f64),
        ]
    }

    /// The tile column and row (fractional) of a point of the plane at a zoom level.
    pub fn tile_position(&self, p: [f32; 2], zoom: u8) -> [f64; 2] {
        let [lon0, y0] = self.origin;
        let n = (1u64 << zoom) as f64;
        [
            (p[0] as f64 + lon0 + 180.0) / 360.0 * n,
            (180.0 - (p[1] as f64 + y0)) / 360.0 * n,
        ]
    }

    /// The scale (points per plane unit) at which the whole level fits a pane of `size`
    /// with a margin of 20 points.
    pub fn fit_scale(&self, size: egui::Vec2) -> f32 {
        let e = self.extent;
        let (width, height) = ((e[2] - e[0]).max(1e-9), (e[3] - e[1]).max(1e-9));
        ((size.x - 40.0) / width).min((size.y - 40.0) / height).max(1e-6)
    }

    /// The area under a point of the local plane.
    pub fn area_at(&self, p: [f32; 2]) -> Option<&AreaShape> {
        let point = geo::Point::new(p[0], p[1]);
        self.areas.iter().find(|s| {
            p[0] >= s.bbox[0]
                && p[0] <= s.bbox[2]
                && p[1] >= s.bbox[1]
                && p[1] <= s.bbox[3]
                && s.polygon.contains(&point)
        })
    }

    /// The fill colour of every area (in the order of `areas`) for the workbench's layer,
    /// computed again only when the classification, the status/dynamics result or the layer
    /// changes.
    fn colours(&self, w: &Workbench) -> Rc<Vec<egui::Color32>> {
        let key = (w.revision, w.layer, self.areas.len());
        if let Some((k, c)) = &*self.colours.borrow() {
            if *k == key {
                return c.clone();
            }
        }
        let colours = Rc::new(area_colours(w, &self.areas));
        *self.colours.borrow_mut() = Some((key, colours.clone()));
        colours
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
pub fn map_ui(
    ui: &mut egui::Ui,
    w: &mut Workbench,
    geometry: &MapGeometry,
    view: &mut View,
    mut base: Option<&mut BaseMap>,
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
    if let (Some(poi), Some(pos)) = (&poi_under_pointer, response.hover_pos()) {
        egui::Tooltip::always_open(ui.ctx().clone(), ui.layer_id(), ui.scope_id().with("poi_tooltip"), pos)
            .show(|ui| poi_card_ui(ui, poi));
        if response.clicked() {
            w.poi_card = Some(poi.clone());
        }
    }
    // Hover and click.
    let mut hovered = None;
    if let Some(pos) = response.hover_pos().filter(|_| poi_under_pointer.is_none()) {
        if let Some(shape) = geometry.area_at(to_plane(pos)) {
            hovered = Some(shape.key.clone());
            let value = match (w.layer, w.status_dynamics_of(&shape.key)) {
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
    if let Some(base) = base {
        let font = egui::FontId::proportional(11.0);
        let galley = painter.layout_no_wrap(base.attribution.clone(), font, egui::Color32::from_gray(40));
        let at = rect.right_bottom() - galley.size() - egui::vec2(6.0, 4.0);
        painter.rect_filled(
            egui::Rect::from_min_size(at - egui::vec2(3.0, 1.0), galley.size() + egui::vec2(6.0, 2.0)),
            2.0,
            egui::Color32::from_white_alpha(200),
        );
        painter.galley(at, galley, egui::Color32::from_gray(40));
    }
}

/// The base map's tiles under the areas, at the zoom level that matches the scale.
fn tiles_ui(
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
fn columns_ui(
    painter: &egui::Painter,
    rect: egui::Rect,
    w: &Workbench,
    geometry: &MapGeometry,
    visible: &[f32; 4],
    to_screen: &impl Fn([f32; 2]) -> egui::Pos2,
) {
    if w.column_indicator.is_none() || w.column_values.is_empty() {
        return;
    }
    let largest = w.column_values.values().fold(0.0_f64, |m, v| m.max(v.abs()));
    if largest <= 0.0 {
        return;
    }
    for shape in &geometry.areas {
        let p = shape.inside;
        if p[0] < visible[0] || p[0] > visible[2] || p[1] < visible[1] || p[1] > visible[3] {
            continue;
        }
        let Some(v) = w.column_values.get(&shape.key) else {
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
        .column_indicator
        .as_deref()
        .and_then(|k| w.info.indicators.iter().find(|i| i.key == k));
    let Some(info) = info else { return };
    let decimals = w.atlas.indicator(&info.key).map_or(0, |m| m.decimals.max(0) as usize);
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

const COLUMN_UP: egui::Color32 = egui::Color32::from_rgb(37, 52, 148);
const COLUMN_DOWN: egui::Color32 = egui::Color32::from_rgb(0, 109, 44);

/// POIs of the shown categories as dots in the category's colour; returns the one under the
/// pointer (within 6 points), if any.
fn pois_ui(
    painter: &egui::Painter,
    w: &Workbench,
    geometry: &MapGeometry,
    visible: &[f32; 4],
    to_screen: &impl Fn([f32; 2]) -> egui::Pos2,
    pointer: Option<egui::Pos2>,
    radius: f32,
) -> Option<quartier_core::store::Poi> {
    let mut nearest: Option<(f32, &quartier_core::store::Poi)> = None;
    for (i, layer) in w.poi_layers.iter().enumerate() {
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
                if nearest.is_none_or(|(best, _)| d < best) {
                    nearest = Some((d, poi));
                }
            }
        }
    }
    nearest.map(|(_, poi)| poi.clone())
}

/// The info card of a POI: name, address, places, website, and the other attributes.
pub fn poi_card_ui(ui: &mut egui::Ui, poi: &quartier_core::store::Poi) {
    ui.strong(&poi.name);
    if !poi.address.is_empty() {
        ui.label(&poi.address);
    }
    if let Some(c) = poi.capacity {
        ui.label(format!("Plätze: {}", quartier_core::numbers::format_german(c, 0)));
    }
    let website = poi.attributes.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| {
                let k = k.to_lowercase();
                k.contains("web") || k.contains("url") || k.contains("homepage") || k.contains("internet")
            })
            .and_then(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
            .map(str::to_string)
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
}

/// Adds a closed polyline of about one point width as quads (two triangles per segment) in
/// a half-transparent grey, which reads like a thin anti-aliased line.
fn add_hairline(mesh: &mut egui::Mesh, points: impl Iterator<Item = egui::Pos2>) {
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
fn area_colours(w: &Workbench, areas: &[AreaShape]) -> Vec<egui::Color32> {
    match w.layer {
        MapLayer::StatusDynamics => {
            let results: HashMap<&str, egui::Color32> = w
                .status_dynamics
                .iter()
                .filter(|r| r.level == w.level_name())
                .flat_map(|r| r.areas.iter())
                .map(|r| {
                    let colour =
                        palette::status_dynamics(r.status_class.number(), r.dynamics_class.map_or(1, dynamics_column));
                    (r.key.as_str(), colour)
                })
                .collect();
            areas
                .iter()
                .map(|a| results.get(a.key.as_str()).copied().unwrap_or(palette::NO_DATA))
                .collect()
        }
        MapLayer::Choropleth => {
            let k = w.classified.as_ref().map_or(1, |c| c.labels.len());
            let classes: HashMap<&str, usize> = w
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
        .map(|(i, l)| (w.class_colour(i + 1, k), format!("{l}  ({})", c.counts[i])))
        .chain(std::iter::once((palette::NO_DATA, format!("k. A.  ({})", c.no_data))))
        .collect();
    let title = w.indicator.as_deref().map_or(String::new(), |k| w.indicator_title(k));
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

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
