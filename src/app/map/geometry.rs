//! The map's geometry: every area of a level read once into a local Web Mercator plane, and
//! per zoom band (a factor of two in scale) a [`Detail`] with the outlines simplified to half
//! a pixel (Ramer–Douglas–Peucker, geo) and triangulated (earcut), built the first time the
//! band is shown and kept; hit tests through an index of envelopes.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use anyhow::Result;
use eframe::egui;
use geo::{Centroid, Contains, InteriorPoint, MapCoords, MultiPolygon, Simplify};
use quartier_core::Atlas;

use super::super::state::{MapLayer, Workbench};
use super::layers::area_colours;

/// The Web Mercator y of a latitude, in degrees (so that x and y have the same scale).
pub(super) fn mercator_y(lat: f64) -> f64 {
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    (std::f64::consts::FRAC_PI_4 + lat / 2.0).tan().ln().to_degrees()
}

/// Areas smaller than this on screen (bounding box diagonal, points) get no outline: at that
/// size outlines would hide the colours.
pub(super) const OUTLINE_MIN_SIZE: f32 = 12.0;

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
    /// A combined area ("A und B"): drawn over its members, and only where it has a value
    /// of its own (it then stands in for them, [`quartier_core::store::MergedArea`]).
    pub combined: bool,
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
        LevelShapes::load(atlas, level).map(MapGeometry::from)
    }

    /// The geometry of a level from its shapes (cheap: the caches start empty).
    pub fn from(shapes: LevelShapes) -> Self {
        MapGeometry {
            level: shapes.level,
            areas: shapes.areas,
            extent: shapes.extent,
            origin: shapes.origin,
            details: RefCell::new(HashMap::new()),
            colours: RefCell::new(None),
        }
    }
}

/// The projected outlines of a level's areas: what [`MapGeometry`] is made of, built off the
/// UI thread (it reads and projects every outline, which takes long on large levels).
pub struct LevelShapes {
    level: String,
    areas: Vec<AreaShape>,
    extent: [f32; 4],
    origin: [f64; 2],
}

impl LevelShapes {
    /// Reads the level's outlines from the atlas and projects them.
    pub fn load(atlas: &Atlas, level: &str) -> Result<Self> {
        let l = atlas.level(level)?;
        let mut areas = atlas.area_geometries(l.id)?;
        let listed = atlas.level_areas(l.id)?;
        let combined: std::collections::HashSet<i64> = atlas
            .merged_areas(l.id)?
            .iter()
            .map(|m| listed[m.combined].id)
            .collect();
        // Combined areas last, so that they lie over their members.
        areas.sort_by_key(|(a, _)| combined.contains(&a.id));
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
                    combined: combined.contains(&a.id),
                    key: a.key.to_string(),
                    name: a.name.to_string(),
                    polygon,
                    bbox,
                    inside,
                }
            })
            .collect();
        Ok(LevelShapes {
            level: level.to_string(),
            areas: shapes,
            extent,
            origin: [lon0, y0],
        })
    }
}

impl MapGeometry {
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

    /// Longitude and latitude of a point of the plane (the inverse of [`MapGeometry::project`]).
    pub fn unproject(&self, p: [f32; 2]) -> [f64; 2] {
        let [lon0, y0] = self.origin;
        let y = (f64::from(p[1]) + y0).to_radians();
        [
            f64::from(p[0]) + lon0,
            (2.0 * y.exp().atan() - std::f64::consts::FRAC_PI_2).to_degrees(),
        ]
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

    /// The area under a point of the local plane: the topmost one drawn (a combined area
    /// over its members where it has a value, see [`MapGeometry::is_drawn`]).
    pub fn area_at(&self, p: [f32; 2]) -> Option<&AreaShape> {
        let point = geo::Point::new(p[0], p[1]);
        let colours = self.colours.borrow();
        let colours = colours.as_ref().map(|(_, c)| c.as_slice()).unwrap_or_default();
        self.areas
            .iter()
            .enumerate()
            .rev()
            .map(|(i, s)| (s, Self::is_drawn(s, colours.get(i))))
            .find_map(|(s, drawn)| {
                (drawn
                    && p[0] >= s.bbox[0]
                    && p[0] <= s.bbox[2]
                    && p[1] >= s.bbox[1]
                    && p[1] <= s.bbox[3]
                    && s.polygon.contains(&point))
                .then_some(s)
            })
    }

    /// Whether an area is drawn with `colour`: every area, but a combined area only where it
    /// has a class of its own (elsewhere its members carry the values).
    pub(super) fn is_drawn(shape: &AreaShape, colour: Option<&egui::Color32>) -> bool {
        !shape.combined || colour.is_some_and(|c| *c != super::super::palette::NO_DATA)
    }

    /// The fill colour of every area (in the order of `areas`) for the workbench's layer,
    /// computed again only when the classification, the status/dynamics result or the layer
    /// changes.
    pub(super) fn colours(&self, w: &Workbench) -> Rc<Vec<egui::Color32>> {
        let key = (w.shown.revision, w.choice.layer, self.areas.len());
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
