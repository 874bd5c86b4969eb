//! Geometry helpers: WKB storage, validation, area and interior points.
//!
//! Geometry is stored as little-endian WKB in WGS84 (longitude, latitude in degrees).

use geo::{BoundingRect, GeodesicArea, InteriorPoint, MultiPolygon, Orient, Point, Validation};
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
    if !geometry.is_valid() {
        let errors = geometry.validation_errors();
        let first = errors.first().map(|e| e.to_string()).unwrap_or_default();
        return Some(format!("ungültige Geometrie ({} Fehler, z. B. {first})", errors.len()));
    }
    None
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
}
