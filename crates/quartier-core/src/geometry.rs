//! Geometry helpers: WKB storage, validation, area and interior points.
//!
//! Geometry is stored as little-endian WKB in WGS84 (longitude, latitude in degrees).

use geo::{BoundingRect, GeodesicArea, InteriorPoint, MultiPolygon, Orient, Point};
use geo_traits::to_geo::ToGeoGeometry;

use crate::{Error, Result};

/// Encodes a multipolygon as WKB.
pub fn to_wkb(geometry: &MultiPolygon<f64>) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    wkb::writer::write_geometry(
        &mut buf,
        &geo::Geometry::MultiPolygon(geometry.clone()),
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(|e| Error::Invalid(format!("Geometrie nicht speicherbar: {e}")))?;
    Ok(buf)
}

/// Encodes a line as WKB (street networks).
pub fn line_to_wkb(line: &geo::LineString<f64>) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    wkb::writer::write_geometry(
        &mut buf,
        &geo::Geometry::LineString(line.clone()),
        &wkb::writer::WriteOptions {
            endianness: wkb::Endianness::LittleEndian,
        },
    )
    .map_err(|e| Error::Invalid(format!("Linie nicht speicherbar: {e}")))?;
    Ok(buf)
}

/// Decodes a line written by [`line_to_wkb`].
pub fn line_from_wkb(bytes: &[u8]) -> Result<geo::LineString<f64>> {
    let wkb =
        wkb::reader::read_wkb(bytes).map_err(|e| Error::Invalid(format!("gespeicherte Linie beschädigt: {e}")))?;
    match wkb.try_to_geometry() {
        Some(geo::Geometry::LineString(l)) => Ok(l),
        _ => Err(Error::Invalid("gespeicherte Geometrie ist keine Linie".into())),
    }
}

/// Decodes WKB written by [`to_wkb`] (a polygon is widened to a multipolygon).
pub fn from_wkb(bytes: &[u8]) -> Result<MultiPolygon<f64>> {
    let wkb =
        wkb::reader::read_wkb(bytes).map_err(|e| Error::Invalid(format!("gespeicherte Geometrie beschädigt: {e}")))?;
    match wkb.try_to_geometry() {
        Some(geo::Geometry::MultiPolygon(mp)) => Ok(mp),
        Some(geo::Geometry::Polygon(p)) => Ok(MultiPolygon(vec![p])),
        _ => Err(Error::Invalid("gespeicherte Geometrie ist kein (Multi-)Polygon".into())),
    }
}

/// Why a geometry cannot be stored, in German; `None` when it is fine.
pub fn geometry_problem(geometry: &MultiPolygon<f64>) -> Option<String> {
    if geometry.0.is_empty() || geometry.0.iter().all(|p| p.exterior().0.len() < 4) {
        return Some("leere Geometrie".into());
    }
    for polygon in &geometry.0 {
        for coord in polygon
            .exterior()
            .0
            .iter()
            .chain(polygon.interiors().iter().flat_map(|r| r.0.iter()))
        {
            if !coord.x.is_finite() || !coord.y.is_finite() {
                return Some("Koordinate ist keine Zahl".into());
            }
            if !crate::crs::looks_like_lon_lat(coord.x, coord.y) {
                return Some(format!(
                    "Koordinate ({}, {}) liegt nach der Umrechnung nicht auf der Erde – falsches Bezugssystem?",
                    coord.x, coord.y
                ));
            }
        }
    }
    for (n, polygon) in geometry.0.iter().enumerate() {
        if let Some(reason) = polygon_problem(polygon) {
            return Some(if geometry.0.len() > 1 {
                format!("ungültige Geometrie: Teilfläche {}: {reason}", n + 1)
            } else {
                format!("ungültige Geometrie: {reason}")
            });
        }
    }
    None
}

/// One edge of a polygon for the sweep, with its ring (0 the exterior, then the holes).
#[derive(Debug, Clone, Copy)]
struct Edge {
    line: geo::Line<f64>,
    ring: usize,
}

impl geo::algorithm::sweep::Cross for Edge {
    type Scalar = f64;
    fn line(&self) -> geo::Line<f64> {
        self.line
    }
}

/// Why a polygon is not valid in the sense of OGC Simple Features, in German; `None` when it
/// is. The rules are those of geo's `Validation` (a ring needs four points, rings are simple,
/// rings touch at points at most, holes lie inside the exterior), but the intersections are
/// found by a sweep line ([`geo::Intersections`], n log n for outlines) instead of comparing
/// every edge with every other: on a ring of 100,000 vertices geo's check took 45 s.
pub fn polygon_problem(polygon: &geo::Polygon<f64>) -> Option<String> {
    use geo::{Contains, CoordinatePosition, LineIntersection, RemoveRepeatedPoints};
    let polygon = polygon.remove_repeated_points();
    let rings: Vec<&geo::LineString<f64>> = std::iter::once(polygon.exterior()).chain(polygon.interiors()).collect();
    let ring_name = |r: usize| {
        if r == 0 {
            "die Außengrenze".to_string()
        } else {
            format!("Loch {r}")
        }
    };
    for (r, ring) in rings.iter().enumerate() {
        if ring.0.len() < 4 {
            return Some(format!("{} hat weniger als 4 Punkte", capitalised(&ring_name(r))));
        }
    }
    let edges = rings
        .iter()
        .enumerate()
        .flat_map(|(r, ring)| ring.lines().map(move |line| Edge { line, ring: r }));
    let at = |c: geo::Coord<f64>| format!("bei ({}, {})", short_number(c.x), short_number(c.y));
    for (a, b, crossing) in geo::Intersections::from_iter(edges) {
        let same_ring = a.ring == b.ring;
        match crossing {
            LineIntersection::SinglePoint {
                intersection,
                is_proper,
            } => {
                // Edges that follow each other share a vertex, and a ring may pass through one
                // of its vertices twice (as geo's check allows); rings may touch at a point.
                let chained = a.line.end == b.line.start || b.line.end == a.line.start;
                if !is_proper && (chained || !same_ring) {
                    continue;
                }
                return Some(if same_ring {
                    format!(
                        "{} {} sich selbst {}",
                        capitalised(&ring_name(a.ring)),
                        if is_proper { "schneidet" } else { "berührt" },
                        at(intersection)
                    )
                } else {
                    format!(
                        "{} und {} schneiden sich {}",
                        capitalised(&ring_name(a.ring.min(b.ring))),
                        ring_name(a.ring.max(b.ring)),
                        at(intersection)
                    )
                });
            }
            LineIntersection::Collinear { intersection } => {
                return Some(if same_ring {
                    format!(
                        "{} läuft auf sich selbst zurück (Spitze) {}",
                        capitalised(&ring_name(a.ring)),
                        at(intersection.start)
                    )
                } else {
                    format!(
                        "{} und {} haben eine gemeinsame Kante {}",
                        capitalised(&ring_name(a.ring.min(b.ring))),
                        ring_name(a.ring.max(b.ring)),
                        at(intersection.start)
                    )
                });
            }
        }
    }
    // The rings do not cross, so a hole lies inside the exterior when one of its vertices
    // off the exterior does, and inside another hole when that hole contains such a vertex.
    let exterior = geo::Polygon::new(polygon.exterior().clone(), Vec::new());
    let hole_polygons: Vec<geo::Polygon<f64>> = polygon
        .interiors()
        .iter()
        .map(|h| geo::Polygon::new(h.clone(), Vec::new()))
        .collect();
    for (h, hole) in polygon.interiors().iter().enumerate() {
        // The first vertex that is not on the exterior decides (a hole may touch it).
        let Some((vertex, position)) = hole
            .0
            .iter()
            .map(|c| (geo::Point::from(*c), exterior.coordinate_position(c)))
            .find(|(_, position)| *position != geo::coordinate_position::CoordPos::OnBoundary)
        else {
            continue;
        };
        if position == geo::coordinate_position::CoordPos::Outside {
            return Some(format!("Loch {} liegt außerhalb der Außengrenze", h + 1));
        }
        // Nested holes: checked against the others only for few holes (h² tests).
        if hole_polygons.len() <= 64 {
            if let Some(o) = hole_polygons
                .iter()
                .enumerate()
                .position(|(o, other)| o != h && other.contains(&vertex))
            {
                return Some(format!("Loch {} liegt in Loch {}", h + 1, o + 1));
            }
        }
    }
    None
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A coordinate for a message: at most seven decimals, huge ones in powers of ten.
pub(crate) fn short_number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "keine Zahl".into()
        } else {
            "unendlich".into()
        };
    }
    if x.abs() >= 1e12 {
        return format!("{x:.3e}");
    }
    let text = format!("{x:.7}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The same geometry with exterior rings counter-clockwise and holes clockwise (the
/// orientation geodesic area and most consumers expect; files come either way).
pub fn oriented(geometry: &MultiPolygon<f64>) -> MultiPolygon<f64> {
    geometry.orient(geo::orient::Direction::Default)
}

/// Area on the ellipsoid in square metres.
/// The geometry must be oriented (see [`oriented`]).
pub fn area_m2(geometry: &MultiPolygon<f64>) -> f64 {
    geometry.geodesic_area_unsigned()
}

/// A point guaranteed inside the area (for parent assignment and labels).
pub fn interior_point(geometry: &MultiPolygon<f64>) -> Option<Point<f64>> {
    geometry.interior_point()
}

/// Bounding box as `[min_lon, min_lat, max_lon, max_lat]`.
pub fn bbox(geometry: &MultiPolygon<f64>) -> Option<[f64; 4]> {
    geometry
        .bounding_rect()
        .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
}

/// Triangles covering a multipolygon (holes respected), as flat vertex and index lists, for
/// drawing filled areas: `(vertices, indices)` with three indices per triangle. Earcut from geo.
///
/// ```
/// use geo::polygon;
/// let square = geo::MultiPolygon(vec![polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)]]);
/// let (vertices, indices) = quartier_core::geometry::triangles(&square);
/// assert_eq!((vertices.len(), indices.len()), (4, 6));
/// ```
pub fn triangles<T: geo::CoordFloat>(g: &MultiPolygon<T>) -> (Vec<[T; 2]>, Vec<u32>) {
    use geo::TriangulateEarcut;
    let mut vertices = Vec::new();
    let mut indices = Vec::new();
    for p in &g.0 {
        let raw = p.earcut_triangles_raw();
        let offset = vertices.len() as u32;
        indices.extend(raw.triangle_indices.iter().map(|i| offset + *i as u32));
        vertices.extend(raw.vertices);
    }
    (vertices, indices)
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn wkb_round_trip_and_validation() {
        let p = polygon![(x: 13.0, y: 52.0), (x: 13.01, y: 52.0), (x: 13.01, y: 52.01), (x: 13.0, y: 52.01), (x: 13.0, y: 52.0)];
        let mp = MultiPolygon(vec![p]);
        let back = from_wkb(&to_wkb(&mp).unwrap()).unwrap();
        assert_eq!(back, mp);
        assert_eq!(geometry_problem(&mp), None);
        let a = area_m2(&mp);
        assert!((a - 680.0 * 1113.0).abs() / a < 0.01, "{a}");
        let bow = polygon![(x: 13.0, y: 52.0), (x: 13.01, y: 52.01), (x: 13.01, y: 52.0), (x: 13.0, y: 52.01), (x: 13.0, y: 52.0)];
        assert!(geometry_problem(&MultiPolygon(vec![bow])).unwrap().contains("ungültig"));
        assert_eq!(
            geometry_problem(&MultiPolygon(vec![])).as_deref(),
            Some("leere Geometrie")
        );
    }

    fn ring(points: &[(f64, f64)]) -> geo::LineString<f64> {
        points.iter().map(|&(x, y)| geo::coord! { x: x, y: y }).collect()
    }

    /// The sweep-line check agrees with geo's own `Validation` (the reference, quadratic) on
    /// the cases that rule distinguishes, and says what is wrong in German.
    #[test]
    fn polygon_check_agrees_with_geos_validation() {
        use geo::Validation;
        let square = ring(&[(0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0), (0.0, 0.0)]);
        let cases: Vec<(&str, geo::Polygon<f64>, Option<&str>)> = vec![
            ("square", geo::Polygon::new(square.clone(), vec![]), None),
            (
                "hole inside",
                geo::Polygon::new(
                    square.clone(),
                    vec![ring(&[(2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 2.0)])],
                ),
                None,
            ),
            (
                "hole touching the exterior at a point",
                geo::Polygon::new(
                    square.clone(),
                    vec![ring(&[(0.0, 5.0), (4.0, 4.0), (4.0, 6.0), (0.0, 5.0)])],
                ),
                None,
            ),
            (
                "bow tie",
                geo::Polygon::new(
                    ring(&[(0.0, 0.0), (10.0, 10.0), (10.0, 0.0), (0.0, 10.0), (0.0, 0.0)]),
                    vec![],
                ),
                Some("Die Außengrenze schneidet sich selbst bei (5, 5)"),
            ),
            (
                "spike",
                geo::Polygon::new(
                    ring(&[
                        (0.0, 0.0),
                        (10.0, 0.0),
                        (10.0, 10.0),
                        (10.0, 15.0),
                        (10.0, 10.0),
                        (0.0, 10.0),
                        (0.0, 0.0),
                    ]),
                    vec![],
                ),
                Some("Die Außengrenze berührt sich selbst bei (10, 10)"),
            ),
            (
                "hole outside",
                geo::Polygon::new(
                    square.clone(),
                    vec![ring(&[(20.0, 2.0), (24.0, 2.0), (24.0, 4.0), (20.0, 2.0)])],
                ),
                Some("Loch 1 liegt außerhalb der Außengrenze"),
            ),
            (
                "hole crossing the exterior",
                geo::Polygon::new(
                    square.clone(),
                    vec![ring(&[(5.0, 5.0), (15.0, 5.0), (15.0, 6.0), (5.0, 5.0)])],
                ),
                Some("Die Außengrenze und Loch 1 schneiden sich bei (10, "),
            ),
            (
                "hole sharing an edge with the exterior",
                geo::Polygon::new(
                    square.clone(),
                    vec![ring(&[(0.0, 2.0), (0.0, 4.0), (3.0, 3.0), (0.0, 2.0)])],
                ),
                Some("gemeinsame Kante"),
            ),
            (
                "hole in a hole",
                geo::Polygon::new(
                    square.clone(),
                    vec![
                        ring(&[(1.0, 1.0), (9.0, 1.0), (9.0, 9.0), (1.0, 9.0), (1.0, 1.0)]),
                        ring(&[(2.0, 2.0), (3.0, 2.0), (3.0, 3.0), (2.0, 2.0)]),
                    ],
                ),
                Some("Loch 2 liegt in Loch 1"),
            ),
            (
                "too few points",
                geo::Polygon::new(ring(&[(0.0, 0.0), (1.0, 1.0), (0.0, 0.0)]), vec![]),
                Some("weniger als 4 Punkte"),
            ),
        ];
        for (name, polygon, expected) in cases {
            let ours = polygon_problem(&polygon);
            assert_eq!(
                ours.is_none(),
                polygon.is_valid(),
                "{name}: {ours:?} vs geo {:?}",
                polygon.validation_errors()
            );
            match expected {
                None => assert_eq!(ours, None, "{name}"),
                Some(part) => assert!(ours.as_deref().unwrap().contains(part), "{name}: {ours:?}"),
            }
        }
    }
}
