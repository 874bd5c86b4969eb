//! Simplification for the web on real borders: Berlin's 448 Planungsräume and Hamburg's
//! Stadtteile. Checked independently of how the simplification works: the areas' union
//! (geo's boolean operations) shows overlaps and gaps, the distance of the original points
//! from the simplified border shows how far each border moved, and a naive simplification area by area shows that the checks see
//! the gaps it opens.
#![allow(clippy::unwrap_used)]

mod common;

use geo::{Area, CoordsIter, Distance, Euclidean, LinesIter, MapCoords, MultiPolygon, Polygon, Simplify, Validation};
use quartier_core::publish::WEB_TOLERANCE_M;
use quartier_core::topology::simplify_shared;

/// The areas of a GeoJSON file as stored in an atlas (WGS 84).
fn areas(file: std::path::PathBuf) -> Vec<MultiPolygon<f64>> {
    let dir = tempfile::tempdir().unwrap();
    let mut atlas = common::new_atlas(dir.path(), "Test");
    common::import_level(&mut atlas, "Ebene", file, None);
    let level = atlas.level("Ebene").unwrap();
    atlas
        .area_geometries(level.id)
        .unwrap()
        .into_iter()
        .map(|(_, g)| g)
        .collect()
}

/// Into a local plane in metres around `latitude` (what the test measures in).
fn metres(geometries: &[MultiPolygon<f64>], latitude: f64) -> Vec<MultiPolygon<f64>> {
    let scale = 111_195.0;
    geometries
        .iter()
        .map(|g| g.map_coords(|c| geo::coord! { x: c.x * scale * latitude.to_radians().cos(), y: c.y * scale }))
        .collect()
}

/// Overlap (Σ areas − area of the union) and the area of the union's holes (gaps between
/// areas, and places that belong to no area), both in m².
fn overlap_and_gaps(geometries: &[MultiPolygon<f64>]) -> (f64, f64) {
    let union = geo::unary_union(geometries.iter());
    let sum: f64 = geometries.iter().map(|g| g.unsigned_area()).sum();
    let gaps = union
        .0
        .iter()
        .flat_map(|p| p.interiors())
        .map(|ring| Polygon::new(ring.clone(), vec![]).unsigned_area())
        .sum();
    (sum - union.unsigned_area(), gaps)
}

/// How far the border moved: the largest distance of a point of the original border from
/// the simplified border (its points are original points, so the other way is 0).
fn furthest_move(before: &MultiPolygon<f64>, after: &MultiPolygon<f64>) -> f64 {
    let border: Vec<geo::Line<f64>> = after.lines_iter().collect();
    before
        .coords_iter()
        .map(|c| {
            border
                .iter()
                .map(|line| Euclidean.distance(&geo::Point::from(c), line))
                .fold(f64::INFINITY, f64::min)
        })
        .fold(0.0, f64::max)
}

fn check(name: &str, file: std::path::PathBuf, latitude: f64, slack_m2: f64) {
    let original = areas(file);
    let result = simplify_shared(&original, WEB_TOLERANCE_M);
    let (before, after) = (metres(&original, latitude), metres(&result.geometries, latitude));
    let (overlap_before, gaps_before) = overlap_and_gaps(&before);
    let (overlap_after, gaps_after) = overlap_and_gaps(&after);
    let naive: Vec<MultiPolygon<f64>> = before.iter().map(|g| g.simplify(WEB_TOLERANCE_M)).collect();
    let (overlap_naive, gaps_naive) = overlap_and_gaps(&naive);
    let moved = before
        .iter()
        .zip(&after)
        .map(|(b, a)| furthest_move(b, a))
        .fold(0.0, f64::max);
    let invalid: Vec<usize> = (0..original.len())
        .filter(|&i| original[i].is_valid() && !result.geometries[i].is_valid())
        .collect();
    println!(
        "{name}: {} areas, points {} → {} ({:.0} %), arcs {} (shared {}, kept {}); overlap {overlap_before:.1} → \
         {overlap_after:.1} m² (area by area: {overlap_naive:.1} m²), gaps {gaps_before:.1} → {gaps_after:.1} m² \
         (area by area: {gaps_naive:.1} m²), furthest move {moved:.2} m",
        original.len(),
        result.vertices_before,
        result.vertices_after,
        100.0 * result.vertices_after as f64 / result.vertices_before as f64,
        result.arcs,
        result.shared_arcs,
        result.kept_arcs,
    );
    assert!(
        result.vertices_after * 10 < result.vertices_before * 8,
        "{name}: fewer than a fifth of the points went"
    );
    // Shared borders stay shared: no new overlap and no new gap beyond `slack_m2` over the
    // whole city (rounding; and where the source's neighbours do not share their points,
    // each side moves on its own within the tolerance).
    assert!(
        overlap_after <= overlap_before + slack_m2,
        "{name}: overlap {overlap_after} m²"
    );
    assert!(gaps_after <= gaps_before + slack_m2, "{name}: gaps {gaps_after} m²");
    // The checks see what simplifying area by area does.
    assert!(
        overlap_naive > overlap_after + 10_000.0 && gaps_naive > gaps_after + 10_000.0,
        "{name}"
    );
    // No border moves further than the tolerance plus the 1e-6° grid (at most 0.1 m).
    assert!(moved <= WEB_TOLERANCE_M + 0.1, "{name}: a border moved {moved} m");
    assert!(invalid.is_empty(), "{name}: areas turned invalid: {invalid:?}");
}

#[test]
fn berlin_planungsraeume_lose_points_but_no_shared_border() {
    check(
        "Berlin, Planungsräume",
        common::sample_data().join("geometry/berlin-lor-planning-areas-until-2020.geojson"),
        52.5,
        1.0,
    );
}

#[test]
fn hamburg_stadtteile_lose_points_but_no_shared_border() {
    check(
        "Hamburg, Stadtteile",
        common::realdata().join("hamburg/hamburg-quarters.geojson"),
        53.55,
        // Hamburg's Stadtteile have 40 slivers of up to 2 m² between them in the source.
        20.0,
    );
}
