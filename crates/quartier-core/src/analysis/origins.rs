//! Where people live, as points in metres, and the spatial indices to look things up by
//! position: the shared lower layer of [`super::distance`] (straight-line) and
//! [`super::network`] (walking distances).
//!
//! Origins are either a regular grid inside each area with the area's residents spread evenly
//! over its cells, or the areas' interior points weighted by their residents (the crude
//! fallback). Every coordinate is in metres in the municipality's UTM zone
//! ([`crate::crs::Metric`]).

use geo::{BoundingRect, Contains, InteriorPoint, MultiPolygon, Point};
use rstar::{primitives::GeomWithData, RTree};

use crate::progress::map_parallel;
use crate::Result;

/// One origin: a point in metres with the residents it stands for and the area it lies in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origin {
    /// Easting in metres.
    pub x: f64,
    /// Northing in metres.
    pub y: f64,
    /// Residents (or demand) at this point.
    pub weight: f64,
    /// Index of its area.
    pub area: usize,
}

/// Spatial index of POIs in metres: a k-d tree (kiddo's immutable tree, measured faster
/// than an R-tree for nearest-point queries on 500,000 origins, `--bench distance`).
pub struct PoiIndex {
    tree: kiddo::ImmutableKdTree<f64, 2>,
    len: usize,
}

impl PoiIndex {
    /// Builds the index.
    pub fn new(points: &[[f64; 2]]) -> Self {
        PoiIndex {
            tree: kiddo::ImmutableKdTree::new_from_slice(points),
            len: points.len(),
        }
    }

    /// The nearest POI of a point: (its index, distance in metres); `None` without POIs.
    pub fn nearest(&self, x: f64, y: f64) -> Option<(usize, f64)> {
        if self.len == 0 {
            return None;
        }
        let n = self.tree.nearest_one::<kiddo::SquaredEuclidean>(&[x, y]);
        Some((n.item as usize, n.distance.sqrt()))
    }

    /// All POIs within `radius` metres: (index, distance).
    pub fn within(&self, x: f64, y: f64, radius: f64) -> impl Iterator<Item = (usize, f64)> + '_ {
        let found = if self.len == 0 {
            Vec::new()
        } else {
            self.tree
                .within_unsorted::<kiddo::SquaredEuclidean>(&[x, y], radius * radius)
        };
        found.into_iter().map(|n| (n.item as usize, n.distance.sqrt()))
    }
}

/// Spreads each area's residents evenly over the centres of a regular `cell` × `cell` metre
/// grid that fall inside the area (grid aligned to multiples of `cell`; a centre on a shared
/// boundary belongs to one of the areas). An area too small to
/// hold a cell centre gets one origin at its interior point. Areas without residents (`None`
/// or 0) get no origins.
pub fn grid_origins(areas: &[MultiPolygon<f64>], residents: &[Option<f64>], cell: f64) -> Result<Vec<Origin>> {
    grid_origins_masked(areas, residents, cell, None)
}

/// Polygons indexed for point lookups: the areas (which area a point lies in) or a mask such
/// as residential land use.
pub struct PolygonIndex {
    tree: RTree<GeomWithData<rstar::primitives::Rectangle<[f64; 2]>, usize>>,
    polygons: Vec<MultiPolygon<f64>>,
}

impl PolygonIndex {
    /// Indexes the polygons.
    pub fn new(polygons: Vec<MultiPolygon<f64>>) -> Self {
        let tree = RTree::bulk_load(
            polygons
                .iter()
                .enumerate()
                .filter_map(|(i, g)| {
                    let r = g.bounding_rect()?;
                    Some(GeomWithData::new(
                        rstar::primitives::Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                        i,
                    ))
                })
                .collect(),
        );
        PolygonIndex { tree, polygons }
    }

    /// The first polygon that contains the point.
    pub fn find(&self, x: f64, y: f64) -> Option<usize> {
        self.tree
            .locate_all_at_point(&[x, y])
            .map(|r| r.data)
            .find(|&i| self.polygons[i].contains(&Point::new(x, y)))
    }

    /// The polygons whose bounding box meets the rectangle (min, max): the candidates for an
    /// intersection.
    pub fn overlapping(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = usize> + '_ {
        self.tree
            .locate_in_envelope_intersecting(&rstar::AABB::from_corners(min, max))
            .map(|r| r.data)
    }

    /// The polygons, in the order given.
    pub fn polygons(&self) -> &[MultiPolygon<f64>] {
        &self.polygons
    }
}

/// Like [`grid_origins`], keeping only cells inside the mask (e.g. residential land use);
/// an area without such cells keeps all its cells, so its residents are not lost.
pub fn grid_origins_masked(
    areas: &[MultiPolygon<f64>],
    residents: &[Option<f64>],
    cell: f64,
    mask: Option<&PolygonIndex>,
) -> Result<Vec<Origin>> {
    let per_area = map_parallel(areas, &crate::NoProgress, "Raster", |i, area| {
        let mut origins = Vec::new();
        let Some(people) = residents[i].filter(|p| *p > 0.0) else {
            return origins;
        };
        let Some(bbox) = area.bounding_rect() else {
            return origins;
        };
        let x0 = (bbox.min().x / cell).floor() as i64;
        let x1 = (bbox.max().x / cell).ceil() as i64;
        let y0 = (bbox.min().y / cell).floor() as i64;
        let y1 = (bbox.max().y / cell).ceil() as i64;
        for gy in y0..y1 {
            for gx in x0..x1 {
                let (x, y) = ((gx as f64 + 0.5) * cell, (gy as f64 + 0.5) * cell);
                // Tested a micrometre off the centre, so that a centre on the boundary of two
                // areas belongs to exactly one of them (and is not lost to both).
                if area.contains(&Point::new(x + 1e-6, y + 1.3e-6)) {
                    origins.push(Origin {
                        x,
                        y,
                        weight: 0.0,
                        area: i,
                    });
                }
            }
        }
        if let Some(mask) = mask {
            let inside: Vec<Origin> = origins
                .iter()
                .copied()
                .filter(|o| mask.find(o.x, o.y).is_some())
                .collect();
            if !inside.is_empty() {
                origins = inside;
            }
        }
        if origins.is_empty() {
            if let Some(p) = area.interior_point() {
                origins.push(Origin {
                    x: p.x(),
                    y: p.y(),
                    weight: 0.0,
                    area: i,
                });
            }
        }
        let share = people / origins.len().max(1) as f64;
        for o in &mut origins {
            o.weight = share;
        }
        origins
    })?;
    Ok(per_area.into_iter().flatten().collect())
}

/// One origin per area at its interior point, weighted by the area's residents.
pub fn centroid_origins(areas: &[MultiPolygon<f64>], residents: &[Option<f64>]) -> Vec<Origin> {
    areas
        .iter()
        .zip(residents)
        .enumerate()
        .filter_map(|(i, (area, people))| {
            let people = people.filter(|p| *p > 0.0)?;
            let p = area.interior_point()?;
            Some(Origin {
                x: p.x(),
                y: p.y(),
                weight: people,
                area: i,
            })
        })
        .collect()
}

/// The distance from each origin to its nearest POI, on all cores.
pub fn nearest_distances(origins: &[Origin], pois: &PoiIndex) -> Result<Vec<f64>> {
    map_parallel(origins, &crate::NoProgress, "Nächste Einrichtung", |_, o| {
        pois.nearest(o.x, o.y).map_or(f64::INFINITY, |(_, d)| d)
    })
}

/// For each origin, the number of POIs within each radius (one query with the largest).
pub fn counts_within(origins: &[Origin], pois: &PoiIndex, radii: &[f64]) -> Result<Vec<Vec<u32>>> {
    let largest = radii.iter().copied().fold(0.0, f64::max);
    map_parallel(origins, &crate::NoProgress, "Erreichbare Einrichtungen", |_, o| {
        let mut counts = vec![0u32; radii.len()];
        for (_, d) in pois.within(o.x, o.y, largest) {
            for (c, r) in counts.iter_mut().zip(radii) {
                if d <= *r {
                    *c += 1;
                }
            }
        }
        counts
    })
}
