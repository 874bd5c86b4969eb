//! Simplifying a level's areas for the web without opening gaps or overlaps between
//! neighbours (topology-preserving simplification, as TopoJSON and mapshaper do it).
//!
//! 1. Coordinates are quantised to 1e-6 degrees (about 0.1 m), so that the same corner on
//!    two areas' borders is one point, and repeated points go. (A coarser grid of 1e-5
//!    degrees made Hamburg's Stadtteile cross themselves where two points of one border lie
//!    less than a metre apart.)
//! 2. Every ring is cut into arcs at its junctions: a point that rings pass with different
//!    neighbouring points (where a border between two areas meets a third area or the outer
//!    edge). A ring without junctions (an island, an enclave) is one closed arc starting at
//!    its smallest point, so that both sides of it find the same arc.
//! 3. Each distinct arc is simplified once by Ramer–Douglas–Peucker with its ends fixed, in
//!    metres, and every ring is put together again from the simplified arcs. A border two
//!    areas share is one arc, so both get the same simplified border.
//! 4. An arc whose simplification would collapse a ring or make a valid polygon invalid
//!    (a ring crossing or touching itself or its holes) is kept as it is, and the rings are
//!    put together again until every polygon that was valid is still valid.

use std::collections::{HashMap, HashSet};

use geo::algorithm::sweep::Intersections;
use geo::{Coord, Line, LineString, MultiPolygon, Polygon, SimplifyIdx};

/// Quantisation: coordinates are multiples of 1e-6 degrees (about 0.07 m east–west and
/// 0.11 m north–south in Germany).
const GRID: f64 = 1e6;
/// Metres per degree of latitude (mean), for the local plane in which arcs are simplified.
const METRES_PER_DEGREE: f64 = 111_195.0;

/// A quantised point: longitude and latitude in units of 1e-6 degrees.
type GridPoint = (i64, i64);

/// The simplified areas and what the simplification did.
#[derive(Debug, Clone)]
pub struct SharedSimplification {
    /// The areas, in the order given, simplified.
    pub geometries: Vec<MultiPolygon<f64>>,
    /// Points before (after quantisation, each ring closed).
    pub vertices_before: usize,
    /// Points after.
    pub vertices_after: usize,
    /// Distinct arcs (borders between junctions).
    pub arcs: usize,
    /// Arcs used by two rings (a border between two areas).
    pub shared_arcs: usize,
    /// Arcs kept unsimplified so that no ring collapses and no valid polygon turns invalid.
    pub kept_arcs: usize,
}

/// One ring of the input, quantised, without its closing point.
struct Ring {
    points: Vec<GridPoint>,
    /// The arcs it is made of: arc number and whether it runs backwards. Empty for a ring
    /// too small to have three distinct points: it is passed through as it is.
    arcs: Vec<(usize, bool)>,
}

/// Simplifies the areas of one level with a tolerance in metres; borders shared by two areas
/// stay shared (see the module's description).
pub fn simplify_shared(geometries: &[MultiPolygon<f64>], tolerance_m: f64) -> SharedSimplification {
    // 1. Quantise; layout[g][p] = the ring numbers of polygon p of geometry g.
    let mut rings: Vec<Ring> = Vec::new();
    let layout: Vec<Vec<Vec<usize>>> = geometries
        .iter()
        .map(|g| {
            g.0.iter()
                .map(|polygon| {
                    std::iter::once(polygon.exterior())
                        .chain(polygon.interiors())
                        .map(|line| {
                            rings.push(Ring {
                                points: quantised(line),
                                arcs: Vec::new(),
                            });
                            rings.len() - 1
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let vertices_before = rings.iter().map(|r| r.points.len() + 1).sum();

    // 2. Junctions, then arcs.
    let mut neighbours: HashMap<GridPoint, (GridPoint, GridPoint)> = HashMap::new();
    let mut junctions: HashSet<GridPoint> = HashSet::new();
    for ring in rings.iter().filter(|r| r.points.len() >= 3) {
        let n = ring.points.len();
        for (i, &point) in ring.points.iter().enumerate() {
            let (before, after) = (ring.points[(i + n - 1) % n], ring.points[(i + 1) % n]);
            let pair = (before.min(after), before.max(after));
            match neighbours.entry(point) {
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(pair);
                }
                std::collections::hash_map::Entry::Occupied(e) => {
                    if *e.get() != pair {
                        junctions.insert(point);
                    }
                }
            }
        }
    }
    let mut arc_numbers: HashMap<Vec<GridPoint>, usize> = HashMap::new();
    let mut arcs: Vec<Vec<GridPoint>> = Vec::new();
    let mut uses: Vec<usize> = Vec::new();
    for ring in rings.iter_mut().filter(|r| r.points.len() >= 3) {
        let n = ring.points.len();
        let cuts: Vec<usize> = (0..n).filter(|&i| junctions.contains(&ring.points[i])).collect();
        let pieces: Vec<Vec<GridPoint>> = if cuts.is_empty() {
            let start = (0..n).min_by_key(|&i| ring.points[i]).unwrap_or(0);
            vec![(0..=n).map(|k| ring.points[(start + k) % n]).collect()]
        } else {
            (0..cuts.len())
                .map(|c| {
                    let (from, to) = (cuts[c], cuts[(c + 1) % cuts.len()]);
                    let len = (to + n - from) % n;
                    let len = if len == 0 { n } else { len };
                    (0..=len).map(|k| ring.points[(from + k) % n]).collect()
                })
                .collect()
        };
        for piece in pieces {
            let reversed: Vec<GridPoint> = piece.iter().rev().copied().collect();
            let (canonical, backwards) = if reversed < piece {
                (reversed, true)
            } else {
                (piece, false)
            };
            let number = *arc_numbers.entry(canonical.clone()).or_insert_with(|| {
                arcs.push(canonical);
                uses.push(0);
                arcs.len() - 1
            });
            uses[number] += 1;
            ring.arcs.push((number, backwards));
        }
    }

    // 3. Simplify each arc once, in a local plane in metres.
    let latitude = {
        let (sum, count) = arcs
            .iter()
            .flatten()
            .fold((0.0, 0usize), |(s, c), p| (s + p.1 as f64 / GRID, c + 1));
        if count == 0 {
            0.0
        } else {
            sum / count as f64
        }
    };
    let x_scale = METRES_PER_DEGREE * latitude.to_radians().cos() / GRID;
    let y_scale = METRES_PER_DEGREE / GRID;
    let simplified: Vec<Vec<usize>> = arcs
        .iter()
        .map(|arc| {
            let plane: LineString<f64> = arc
                .iter()
                .map(|&(x, y)| Coord {
                    x: x as f64 * x_scale,
                    y: y as f64 * y_scale,
                })
                .collect();
            plane.simplify_idx(tolerance_m)
        })
        .collect();

    // 4. Put the rings together; keep arcs whole where a ring collapses or a polygon that was
    //    valid turns invalid, until nothing changes. Whether the original was valid is asked
    //    only of polygons whose simplification is not.
    let mut was_valid: Vec<Vec<Option<bool>>> = layout.iter().map(|polygons| vec![None; polygons.len()]).collect();
    let mut kept = vec![false; arcs.len()];
    loop {
        let assembled: Vec<Vec<GridPoint>> = rings
            .iter()
            .map(|ring| {
                if ring.arcs.is_empty() {
                    return closed(&ring.points);
                }
                let mut points: Vec<GridPoint> = Vec::new();
                for &(number, backwards) in &ring.arcs {
                    let arc = &arcs[number];
                    let mut piece: Vec<GridPoint> = if kept[number] {
                        arc.clone()
                    } else {
                        simplified[number].iter().map(|&i| arc[i]).collect()
                    };
                    if backwards {
                        piece.reverse();
                    }
                    let skip = usize::from(!points.is_empty());
                    points.extend(piece.into_iter().skip(skip));
                }
                points
            })
            .collect();
        let mut changed = false;
        let mut keep_ring = |ring: &Ring, kept: &mut Vec<bool>| {
            for &(number, _) in &ring.arcs {
                if !kept[number] {
                    kept[number] = true;
                    changed = true;
                }
            }
        };
        for (ring, points) in rings.iter().zip(&assembled) {
            if !ring.arcs.is_empty() && points.len() < 4 {
                keep_ring(ring, &mut kept);
            }
        }
        for (g, polygons) in layout.iter().enumerate() {
            for (p, ring_numbers) in polygons.iter().enumerate() {
                if !crosses_itself(ring_numbers.iter().map(|&r| assembled[r].as_slice())) {
                    continue;
                }
                let valid_before = *was_valid[g][p].get_or_insert_with(|| {
                    let originals: Vec<Vec<GridPoint>> =
                        ring_numbers.iter().map(|&r| closed(&rings[r].points)).collect();
                    !crosses_itself(originals.iter().map(Vec::as_slice))
                });
                if valid_before {
                    for &r in ring_numbers {
                        keep_ring(&rings[r], &mut kept);
                    }
                }
            }
        }
        if !changed {
            let geometries: Vec<MultiPolygon<f64>> = layout
                .iter()
                .map(|polygons| {
                    MultiPolygon::new(
                        polygons
                            .iter()
                            .map(|ring_numbers| polygon_of(ring_numbers.iter().map(|&r| assembled[r].clone())))
                            .collect(),
                    )
                })
                .collect();
            return SharedSimplification {
                vertices_before,
                vertices_after: assembled.iter().map(Vec::len).sum(),
                arcs: arcs.len(),
                shared_arcs: uses.iter().filter(|&&u| u >= 2).count(),
                kept_arcs: kept.iter().filter(|&&k| k).count(),
                geometries,
            };
        }
    }
}

/// Whether a polygon's rings (closed, on the grid) cross or touch themselves or each other
/// anywhere but where one segment ends and the next begins: the test of geo's `Validation`
/// for rings, found by a sweep over all segments at once instead of pairwise (which took
/// nine tenths of the time on Berlin's Planungsräume).
fn crosses_itself<'a>(rings: impl Iterator<Item = &'a [GridPoint]>) -> bool {
    let point = |(x, y): GridPoint| Coord {
        x: x as f64,
        y: y as f64,
    };
    let lines: Vec<Line<f64>> = rings
        .flat_map(|ring| ring.windows(2).map(|w| Line::new(point(w[0]), point(w[1]))))
        .collect();
    Intersections::from_iter(lines).any(|(a, b, _)| a.start != b.end && a.end != b.start)
}

/// A ring's points on the grid, without repeated points and without the closing point.
fn quantised(line: &LineString<f64>) -> Vec<GridPoint> {
    let mut points: Vec<GridPoint> = Vec::with_capacity(line.0.len());
    for c in &line.0 {
        let p = ((c.x * GRID).round() as i64, (c.y * GRID).round() as i64);
        if points.last() != Some(&p) {
            points.push(p);
        }
    }
    while points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points
}

/// The ring closed again (first point repeated at the end).
fn closed(points: &[GridPoint]) -> Vec<GridPoint> {
    let mut ring = points.to_vec();
    if let Some(&first) = points.first() {
        ring.push(first);
    }
    ring
}

/// A polygon in degrees from rings on the grid (the first is the exterior).
fn polygon_of(mut rings: impl Iterator<Item = Vec<GridPoint>>) -> Polygon<f64> {
    let line = |points: Vec<GridPoint>| -> LineString<f64> {
        points
            .into_iter()
            .map(|(x, y)| Coord {
                x: x as f64 / GRID,
                y: y as f64 / GRID,
            })
            .collect()
    };
    let exterior = rings.next().map(line).unwrap_or_else(|| LineString::new(Vec::new()));
    Polygon::new(exterior, rings.map(line).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, Area, Validation};

    /// Two squares 0.01° wide sharing a wiggly border (wiggles of 0.7 m, within 2 m).
    fn two_squares() -> Vec<MultiPolygon<f64>> {
        let border: Vec<(f64, f64)> = (0..=20)
            .map(|i| (10.01 + if i % 2 == 1 { 0.00001 } else { 0.0 }, 52.0 + i as f64 * 0.0005))
            .collect();
        let mut left = vec![(10.0, 52.0)];
        left.extend(border.iter().copied());
        left.push((10.0, 52.01));
        left.push((10.0, 52.0));
        let mut right: Vec<(f64, f64)> = border.iter().rev().copied().collect();
        right.push((10.02, 52.0));
        right.push((10.02, 52.01));
        let close = |mut ring: Vec<(f64, f64)>| {
            if ring.first() != ring.last() {
                ring.push(ring[0]);
            }
            MultiPolygon::new(vec![Polygon::new(LineString::from(ring), vec![])])
        };
        vec![close(left), close(right)]
    }

    #[test]
    fn a_shared_border_is_simplified_once_for_both_neighbours() {
        let result = simplify_shared(&two_squares(), 2.0);
        // The wiggles go; the border keeps its two ends (the junctions with the outer edge).
        let border = |g: &MultiPolygon<f64>| -> Vec<(i64, i64)> {
            let mut points: Vec<(i64, i64)> = g.0[0]
                .exterior()
                .0
                .iter()
                .filter(|c| (c.x - 10.01).abs() < 1e-4)
                .map(|c| ((c.x * GRID).round() as i64, (c.y * GRID).round() as i64))
                .collect();
            points.sort();
            points.dedup();
            points
        };
        let (left, right) = (border(&result.geometries[0]), border(&result.geometries[1]));
        assert_eq!(left, vec![(10_010_000, 52_000_000), (10_010_000, 52_010_000)]);
        assert_eq!(left, right);
        assert_eq!((result.arcs, result.shared_arcs, result.kept_arcs), (3, 1, 0));
        assert_eq!(result.vertices_before, 24 + 24);
        assert_eq!(result.vertices_after, 5 + 5);
        // No gap, no overlap: the two halves make up the whole square.
        let total: f64 = result.geometries.iter().map(|g| g.unsigned_area()).sum();
        assert!((total - 0.02 * 0.01).abs() < 1e-12, "{total}");
    }

    #[test]
    fn an_enclave_is_one_closed_arc_shared_by_its_ring_and_the_hole_around_it() {
        // A 2 km square with a small square hole; the enclave fills the hole. The enclave's
        // corners are 100 m apart, far above the tolerance: it must keep its shape.
        let hole =
            polygon![(x: 10.005, y: 52.005), (x: 10.005, y: 52.006), (x: 10.006, y: 52.006), (x: 10.006, y: 52.005)];
        let outer = Polygon::new(
            polygon![(x: 10.0, y: 52.0), (x: 10.03, y: 52.0), (x: 10.03, y: 52.02), (x: 10.0, y: 52.02)]
                .exterior()
                .clone(),
            vec![hole.exterior().clone()],
        );
        let enclave = Polygon::new(hole.exterior().clone(), vec![]);
        let result = simplify_shared(&[MultiPolygon::new(vec![outer]), MultiPolygon::new(vec![enclave])], 2.0);
        assert_eq!((result.arcs, result.shared_arcs), (2, 1));
        let hole_after = &result.geometries[0].0[0].interiors()[0];
        let enclave_after = result.geometries[1].0[0].exterior();
        let as_set = |l: &LineString<f64>| {
            l.0.iter()
                .map(|c| ((c.x * GRID).round() as i64, (c.y * GRID).round() as i64))
                .collect::<HashSet<_>>()
        };
        assert_eq!((hole_after.0.len(), as_set(hole_after).len()), (5, 4));
        assert_eq!(as_set(hole_after), as_set(enclave_after));
    }

    #[test]
    fn a_border_that_would_cross_a_hole_is_kept() {
        // A 1 km square whose southern edge dips 1.2 m (within the tolerance) around a small
        // hole that reaches above the straight edge: straightening the edge would cut the hole.
        let metres = |x: f64, y: f64| geo::coord! { x: 10.0 + x / (111_195.0 * 52f64.to_radians().cos()), y: 52.0 + y / 111_195.0 };
        let ring =
            |points: &[(f64, f64)]| LineString::from(points.iter().map(|&(x, y)| metres(x, y)).collect::<Vec<_>>());
        let exterior = ring(&[
            (0.0, 0.0),
            (400.0, 0.0),
            (500.0, -1.2),
            (600.0, 0.0),
            (1000.0, 0.0),
            (1000.0, 1000.0),
            (0.0, 1000.0),
            (0.0, 0.0),
        ]);
        let hole = ring(&[(490.0, -0.8), (500.0, 0.5), (510.0, -0.8), (490.0, -0.8)]);
        let polygon = Polygon::new(exterior, vec![hole]);
        assert!(polygon.is_valid());
        let result = simplify_shared(&[MultiPolygon::new(vec![polygon])], 1.5);
        let after = &result.geometries[0].0[0];
        assert!(after.is_valid(), "{:?}", after.validation_errors());
        assert_eq!((after.exterior().0.len(), after.interiors()[0].0.len()), (8, 4));
        assert_eq!(result.kept_arcs, 2);
        // The same square without the hole loses its dip.
        let plain = Polygon::new(after.exterior().clone(), vec![]);
        let result = simplify_shared(&[MultiPolygon::new(vec![plain])], 1.5);
        assert_eq!((result.geometries[0].0[0].exterior().0.len(), result.kept_arcs), (5, 0));
    }

    #[test]
    fn a_ring_smaller_than_the_tolerance_keeps_its_points() {
        // A triangle of about 1.5 m: simplifying it would leave a line.
        let tiny = polygon![(x: 10.0, y: 52.0), (x: 10.00002, y: 52.0), (x: 10.00001, y: 52.00001), (x: 10.000005, y: 52.0000051)];
        let result = simplify_shared(&[MultiPolygon::new(vec![tiny])], 5.0);
        assert!(result.geometries[0].0[0].exterior().0.len() >= 4);
        assert!(result.geometries[0].unsigned_area() > 0.0);
        assert_eq!(result.kept_arcs, 1);
    }
}
