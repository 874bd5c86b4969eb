//! Accessibility: distances from where people live to the nearest point of interest, the
//! share of residents within given radii, POI counts, and the supply ratio by the two-step
//! floating catchment area method (2SFCA, Luo & Wang 2003; Gaussian decay after Dai 2010).
//!
//! Everything is computed in metres in the municipality's UTM zone ([`crate::crs::Metric`]):
//! straight-line ("Luftlinie") distances, planar. Origins are either a regular grid inside
//! each area with the area's residents spread evenly over its cells, or the areas' interior
//! points weighted by their residents (the crude fallback, labelled as such).

use std::collections::HashMap;

use geo::MultiPolygon;
use serde::Serialize;

use super::origins::{
    centroid_origins, counts_within, grid_origins_masked, nearest_distances, Origin, PoiIndex, PolygonIndex,
};

use crate::crs::Metric;
use crate::model::IndicatorKind;
use crate::progress::{check_cancel, map_parallel};
use crate::store::{DerivedRun, DerivedSeries, IndicatorUpdate};
use crate::{Atlas, Error, Progress, Result};

/// The Gaussian distance decay of Dai (2010) inside a catchment of `radius` metres:
/// 1 at the POI, 0 at the edge; `None` means no decay (1 throughout).
pub fn gaussian_weight(distance: f64, radius: f64) -> f64 {
    if distance > radius {
        return 0.0;
    }
    let edge = (-0.5f64).exp();
    ((-0.5 * (distance / radius).powi(2)).exp() - edge) / (1.0 - edge)
}

/// Distance decay in the catchment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// Everyone inside the catchment counts fully.
    None,
    /// Gaussian decay to 0 at the catchment's edge (Dai 2010).
    Gaussian,
}

impl Decay {
    fn weight(self, distance: f64, radius: f64) -> f64 {
        match self {
            Decay::None if distance <= radius => 1.0,
            Decay::None => 0.0,
            Decay::Gaussian => gaussian_weight(distance, radius),
        }
    }
}

/// The 2SFCA accessibility per origin: step 1 divides each POI's supply by the (decayed)
/// demand of the origins within the catchment; step 2 sums the ratios of the POIs within the
/// catchment of each origin (decayed). Multiply by 100 for "places per 100 persons".
/// POIs that nobody reaches keep their supply unused.
pub fn two_step_fca(
    origins: &[Origin],
    pois: &[[f64; 2]],
    supply: &[f64],
    catchment: f64,
    decay: Decay,
) -> Result<Vec<f64>> {
    let origin_index = PoiIndex::new(&origins.iter().map(|o| [o.x, o.y]).collect::<Vec<_>>());
    let ratios: Vec<f64> = map_parallel(pois, &crate::NoProgress, "2SFCA Schritt 1", |j, p| {
        let demand: f64 = origin_index
            .within(p[0], p[1], catchment)
            .map(|(k, d)| origins[k].weight * decay.weight(d, catchment))
            .sum();
        if demand > 0.0 {
            supply[j] / demand
        } else {
            0.0
        }
    })?;
    let poi_index = PoiIndex::new(pois);
    map_parallel(origins, &crate::NoProgress, "2SFCA Schritt 2", |_, o| {
        poi_index
            .within(o.x, o.y, catchment)
            .map(|(j, d)| ratios[j] * decay.weight(d, catchment))
            .sum()
    })
}

/// 2SFCA from precomputed (origin, POI, distance) pairs within the catchment, e.g. walking
/// distances on the street network; the same two steps as [`two_step_fca`].
pub fn two_step_fca_from_pairs(
    origins: &[Origin],
    supply: &[f64],
    pairs: &[(usize, usize, f64)],
    catchment: f64,
    decay: Decay,
) -> Vec<f64> {
    let mut demand = vec![0.0; supply.len()];
    for &(i, j, d) in pairs {
        demand[j] += origins[i].weight * decay.weight(d, catchment);
    }
    let ratios: Vec<f64> = supply
        .iter()
        .zip(&demand)
        .map(|(s, d)| if *d > 0.0 { s / d } else { 0.0 })
        .collect();
    let mut access = vec![0.0; origins.len()];
    for &(i, j, d) in pairs {
        access[i] += ratios[j] * decay.weight(d, catchment);
    }
    access
}

/// Per-area summary of origins' distances.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaDistances {
    /// Residents represented.
    pub residents: f64,
    /// Population-weighted mean distance in metres.
    pub mean: f64,
    /// The distance within which half the residents live.
    pub median: f64,
    /// The distance within which 90 % of the residents live.
    pub p90: f64,
    /// Share of residents (0–100 %) within each radius, in the order of the radii.
    pub within: Vec<f64>,
}

/// Summarises the origins' distances per area; areas without origins are `None`. Quantiles
/// are weighted: the smallest distance at which the cumulative share of residents reaches q.
pub fn summarise(origins: &[Origin], distances: &[f64], areas: usize, radii: &[f64]) -> Vec<Option<AreaDistances>> {
    let mut by_area: Vec<Vec<(f64, f64)>> = vec![Vec::new(); areas];
    for (o, d) in origins.iter().zip(distances) {
        if o.weight > 0.0 && d.is_finite() {
            by_area[o.area].push((*d, o.weight));
        }
    }
    by_area
        .into_iter()
        .map(|mut pts| {
            let total: f64 = pts.iter().map(|p| p.1).sum();
            if pts.is_empty() || total <= 0.0 {
                return None;
            }
            pts.sort_by(|a, b| a.0.total_cmp(&b.0));
            let quantile = |q: f64| {
                let mut acc = 0.0;
                for (d, w) in &pts {
                    acc += w;
                    if acc >= q * total - 1e-9 * total {
                        return *d;
                    }
                }
                pts.last().map_or(0.0, |p| p.0)
            };
            Some(AreaDistances {
                residents: total,
                mean: pts.iter().map(|(d, w)| d * w).sum::<f64>() / total,
                median: quantile(0.5),
                p90: quantile(0.9),
                within: radii
                    .iter()
                    .map(|r| pts.iter().filter(|(d, _)| d <= r).map(|p| p.1).sum::<f64>() / total * 100.0)
                    .collect(),
            })
        })
        .collect()
}

/// Half-width in metres of the street buffer that draws an isochrone.
pub const ISOCHRONE_WIDTH: f64 = 50.0;

/// Where the residents are placed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum OriginKind {
    /// A regular grid inside each area with this cell size in metres.
    Grid {
        /// Cell size in metres (100).
        cell: f64,
        /// Only cells in these polygons (WGS84), e.g. residential land use (not repeated in
        /// the output; the origin note says it was used).
        #[serde(skip)]
        residential: Option<Vec<MultiPolygon<f64>>>,
    },
    /// The areas' interior points.
    Centroids,
    /// The address points of the atlas with their residents (`import addresses`).
    Addresses {
        /// An age group column of the addresses instead of all residents.
        group: Option<String>,
    },
}

/// The supply ratio by 2SFCA.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SupplyRequest {
    /// `capacity` (the POI's capacity) or the name of a numeric POI attribute.
    pub attribute: String,
    /// Demand: an indicator at the level and period (with address points: an age group of
    /// the addresses), e.g. children under 6; `None`: the residents the distances use.
    pub demand_indicator: Option<String>,
    /// Catchment radius in metres.
    pub catchment: f64,
    /// Distance decay.
    pub decay: Decay,
}

/// A hypothetical POI for a scenario, not stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedPoi {
    /// Name.
    pub name: String,
    /// Longitude in degrees.
    pub lon: f64,
    /// Latitude in degrees.
    pub lat: f64,
    /// Capacity (places), for the supply ratio.
    pub capacity: Option<f64>,
}

/// What to compute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceRequest {
    /// POI categories (their POIs together).
    pub categories: Vec<String>,
    /// Level of the areas.
    pub level: String,
    /// Period of the population figures (needed with them, and for saving).
    pub period: Option<String>,
    /// Residents per area (e.g. `ew`, or `ew_u6` for children); not used with address points,
    /// which carry their residents.
    pub population_indicator: Option<String>,
    /// Origins.
    pub origins: OriginKind,
    /// Radii in metres for the shares within reach and the counts.
    pub radii: Vec<f64>,
    /// POIs outside all areas of the level take part (true) or are left out.
    pub keep_outside: bool,
    /// Distances, counts and catchments along the street network (`import network`) instead
    /// of the straight line.
    pub network: bool,
    /// With the network: the walking isochrone of this many metres around each POI.
    pub isochrones: Option<f64>,
    /// The supply ratio, if wanted.
    pub supply: Option<SupplyRequest>,
    /// Hypothetical POIs added for a scenario.
    pub scenario: Vec<PlannedPoi>,
}

/// One area's accessibility.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaAccess {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Residents (from the population indicator).
    pub residents: Option<f64>,
    /// Distances; `None` ("k. A.") for areas without residents.
    pub mean: Option<f64>,
    /// Median distance.
    pub median: Option<f64>,
    /// 90th percentile distance.
    pub p90: Option<f64>,
    /// Share of residents within each radius (%).
    pub within: Vec<Option<f64>>,
    /// POIs inside the area.
    pub pois_in_area: usize,
    /// Mean number of POIs within each radius of the residents.
    pub reachable: Vec<Option<f64>>,
    /// Places per 100 of the demand group (2SFCA), if asked.
    pub supply_per_100: Option<f64>,
}

/// The outcome of [`distance`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DistanceResult {
    /// The request.
    pub request: DistanceRequest,
    /// How distances are measured.
    pub method: String,
    /// How origins were made (German).
    pub origin_note: String,
    /// Number of origins.
    pub origin_count: usize,
    /// POIs used (including scenario POIs).
    pub pois_used: usize,
    /// POIs outside every area of the level, by name.
    pub pois_outside: Vec<String>,
    /// Address points outside every area (left out), with address origins.
    pub addresses_outside: usize,
    /// Per area, by key.
    pub areas: Vec<AreaAccess>,
    /// Population-weighted mean distance over the whole municipality.
    pub overall_mean: Option<f64>,
    /// Areas without residents (distances "k. A."), by key.
    pub no_residents: Vec<String>,
    /// With a supply request: POIs without a supply figure (counted as 0 places).
    pub pois_without_supply: usize,
    /// With a scenario: the same figures without the planned POIs, per area.
    pub baseline: Option<Vec<AreaAccess>>,
    /// Walking isochrones per POI as a GeoJSON FeatureCollection in WGS84, when asked.
    pub isochrones: Option<serde_json::Value>,
    /// Keys saved.
    pub saved: Vec<String>,
}

/// The POIs of the request in degrees with their supply and names.
struct PoiSet {
    lon_lat: Vec<(f64, f64)>,
    names: Vec<String>,
    supply: Vec<Option<f64>>,
}

fn load_pois(atlas: &Atlas, request: &DistanceRequest) -> Result<PoiSet> {
    if request.categories.is_empty() {
        return Err(Error::Invalid("Keine POI-Kategorie angegeben (--category)".into()));
    }
    let mut set = PoiSet {
        lon_lat: Vec::new(),
        names: Vec::new(),
        supply: Vec::new(),
    };
    for category in &request.categories {
        let pois = atlas.pois(category)?;
        if pois.is_empty() {
            return Err(Error::Invalid(format!(
                "Die Kategorie „{category}“ hat keine Einrichtungen"
            )));
        }
        let mut attribute_names: Vec<String> = Vec::new();
        for p in pois {
            let supply = request.supply.as_ref().and_then(|s| {
                let value = match &p.attributes[&s.attribute] {
                    serde_json::Value::Number(n) => n.as_f64(),
                    serde_json::Value::String(t) => {
                        crate::numbers::parse_number(t, crate::numbers::DecimalSeparator::Comma)
                            .or_else(|| t.trim().parse().ok())
                    }
                    _ => None,
                };
                // "capacity" and its usual names mean the places from `import pois --capacity-column`.
                let is_capacity = ["capacity", "places", "plätze", "plaetze", "kapazität", "kapazitaet"]
                    .contains(&s.attribute.to_lowercase().as_str());
                value.or(if is_capacity { p.capacity } else { None })
            });
            if let serde_json::Value::Object(map) = &p.attributes {
                for k in map.keys() {
                    if !attribute_names.contains(k) {
                        attribute_names.push(k.clone());
                    }
                }
            }
            set.lon_lat.push((p.lon, p.lat));
            set.names.push(p.name);
            set.supply.push(supply);
        }
        if let Some(s) = &request.supply {
            if set.supply.iter().all(Option::is_none) {
                return Err(Error::Invalid(format!(
                    "Keine Einrichtung der Kategorie „{category}“ hat eine Zahl in „{}“; \
                     capacity (Plätze aus import pois --capacity-column) oder ein Attribut angeben: {}",
                    s.attribute,
                    attribute_names.join(", ")
                )));
            }
        }
    }
    Ok(set)
}

/// Computes accessibility per area. Reads only; see [`save_distance`] to store it.
pub fn distance(atlas: &Atlas, request: &DistanceRequest, progress: &dyn Progress) -> Result<DistanceResult> {
    if request.radii.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
        return Err(Error::Invalid(format!(
            "Radien müssen positive Meterangaben sein: {:?}",
            request.radii
        )));
    }
    let level = atlas.level(&request.level)?;
    let period = request.period.as_deref().map(|p| atlas.period(p)).transpose()?;
    progress.report(0.0, "Flächen und Einrichtungen laden");
    let geometries = atlas.area_geometries(level.id)?;
    if geometries.is_empty() {
        return Err(Error::Invalid(format!(
            "Die Ebene „{}“ hat keine Flächen: Entfernungen brauchen Geometrie (import geometry)",
            level.name
        )));
    }
    let people_of = |key: &str| -> Result<Vec<Option<f64>>> {
        let meta = atlas.indicator(key)?;
        if meta.kind == IndicatorKind::Categorical {
            return Err(Error::Invalid(format!("„{key}“ ist kategorial, keine Einwohnerzahl")));
        }
        let period = period.as_ref().ok_or_else(|| {
            Error::Invalid(format!(
                "Für die Einwohnerzahlen „{key}“ den Zeitraum angeben (--period)"
            ))
        })?;
        let values = atlas.values(meta.id, level.id, period.id)?;
        if values.is_empty() {
            return Err(Error::Invalid(format!(
                "„{key}“ hat auf Ebene „{}“ für {} keine Werte",
                level.name, period.label
            )));
        }
        Ok(geometries
            .iter()
            .map(|(a, _)| values.get(&a.id).and_then(crate::StoredValue::number))
            .collect())
    };
    let mut pois = load_pois(atlas, request)?;
    let scenario_start = pois.lon_lat.len();
    for planned in &request.scenario {
        pois.lon_lat.push((planned.lon, planned.lat));
        pois.names.push(planned.name.clone());
        pois.supply.push(planned.capacity);
    }
    // Metric coordinates in the municipality's UTM zone.
    let metric = Metric::for_geometries(geometries.iter().map(|(_, g)| g))?;
    let areas_m: Vec<MultiPolygon<f64>> = geometries
        .iter()
        .map(|(_, g)| metric.project_polygons(g))
        .collect::<Result<_>>()?;
    let pois_m: Vec<[f64; 2]> = pois
        .lon_lat
        .iter()
        .map(|(lon, lat)| metric.project(*lon, *lat).map(|(x, y)| [x, y]))
        .collect::<Result<_>>()?;
    // Which area each POI lies in.
    let area_index = PolygonIndex::new(areas_m);
    let areas_m = area_index.polygons();
    let poi_area: Vec<Option<usize>> = pois_m.iter().map(|p| area_index.find(p[0], p[1])).collect();
    let pois_outside: Vec<String> = poi_area
        .iter()
        .zip(&pois.names)
        .filter(|(a, _)| a.is_none())
        .map(|(_, n)| n.clone())
        .collect();
    let used: Vec<usize> = (0..pois_m.len())
        .filter(|&i| request.keep_outside || poi_area[i].is_some())
        .collect();
    if used.is_empty() {
        return Err(Error::Invalid("Keine Einrichtung liegt im Gebiet der Kommune".into()));
    }
    check_cancel(progress)?;
    progress.report(0.2, "Wohnorte verteilen");
    let locate = |x: f64, y: f64| area_index.find(x, y);
    let population_indicator = || {
        request.population_indicator.as_deref().ok_or_else(|| {
            Error::Invalid("Einwohner je Gebiet fehlen: --population-indicator angeben (z. B. ew oder ew_u6)".into())
        })
    };
    let mask = match &request.origins {
        OriginKind::Grid {
            residential: Some(polygons),
            ..
        } => Some(PolygonIndex::new(
            polygons
                .iter()
                .map(|g| metric.project_polygons(g))
                .collect::<Result<_>>()?,
        )),
        _ => None,
    };
    let spread = |people: &[Option<f64>]| -> Result<Vec<Origin>> {
        Ok(match request.origins {
            OriginKind::Grid { cell, .. } => grid_origins_masked(areas_m, people, cell, mask.as_ref())?,
            _ => centroid_origins(areas_m, people),
        })
    };
    let mut addresses_outside = 0;
    let (origin_note, residents, origins, demand_origins) = match &request.origins {
        OriginKind::Grid { .. } | OriginKind::Centroids => {
            let note = match &request.origins {
                OriginKind::Grid { cell, residential } => {
                    if !(10.0..=1000.0).contains(cell) {
                        return Err(Error::Invalid(format!(
                            "Rasterweite {cell} m: erlaubt sind 10 bis 1.000 m"
                        )));
                    }
                    format!(
                        "Einwohner gleichmäßig auf ein {cell} m-Raster in den Flächen verteilt{}",
                        if residential.is_some() {
                            ", nur auf Wohnbauflächen (wo eine Fläche keine hat: überall)"
                        } else {
                            ""
                        }
                    )
                }
                _ => "grob: ein Punkt je Fläche (innerer Punkt), gewichtet mit den Einwohnern".to_string(),
            };
            let key = population_indicator()?;
            let residents = people_of(key)?;
            let origins = spread(&residents)?;
            let demand = match request.supply.as_ref().and_then(|s| s.demand_indicator.as_deref()) {
                Some(d) if d != key => Some(spread(&people_of(d)?)?),
                _ => None,
            };
            (note, residents, origins, demand)
        }
        OriginKind::Addresses { group } => {
            let points = atlas.address_points()?;
            if points.is_empty() {
                return Err(Error::Invalid(
                    "Der Atlas hat keine Adresspunkte: erst import addresses, oder --origins grid".into(),
                ));
            }
            let projected: Vec<(f64, f64, Option<usize>)> = points
                .iter()
                .map(|p| {
                    let (x, y) = metric.project(p.lon, p.lat)?;
                    Ok((x, y, locate(x, y)))
                })
                .collect::<Result<_>>()?;
            addresses_outside = projected.iter().filter(|p| p.2.is_none()).count();
            let build = |group: Option<&str>| -> Result<Vec<Origin>> {
                if let Some(g) = group {
                    if !points.iter().any(|p| p.groups.contains_key(g)) {
                        let known: Vec<String> = points[0].groups.keys().map(|k| format!("„{k}“")).collect();
                        return Err(Error::Invalid(format!(
                            "Die Adressen haben keine Gruppe „{g}“; vorhanden: {}",
                            if known.is_empty() {
                                "keine".to_string()
                            } else {
                                known.join(", ")
                            }
                        )));
                    }
                }
                Ok(points
                    .iter()
                    .zip(&projected)
                    .filter_map(|(p, (x, y, area))| {
                        let weight = match group {
                            None => p.residents,
                            Some(g) => p.groups.get(g).copied().unwrap_or(0.0),
                        };
                        Some(Origin {
                            x: *x,
                            y: *y,
                            weight,
                            area: (*area)?,
                        })
                    })
                    .filter(|o| o.weight > 0.0)
                    .collect())
            };
            let origins = build(group.as_deref())?;
            let mut residents = vec![None; areas_m.len()];
            for o in &origins {
                *residents[o.area].get_or_insert(0.0) += o.weight;
            }
            let demand = match request.supply.as_ref().and_then(|s| s.demand_indicator.as_deref()) {
                Some(d) if Some(d) != group.as_deref() => Some(build(Some(d))?),
                _ => None,
            };
            let note = format!(
                "{} Adresspunkte mit {}{}",
                origins.len(),
                group
                    .as_ref()
                    .map_or("ihren Einwohnern".to_string(), |g| format!("der Gruppe „{g}“")),
                if addresses_outside > 0 {
                    format!("; {addresses_outside} Adressen außerhalb aller Gebiete nicht berücksichtigt")
                } else {
                    String::new()
                }
            );
            (note, residents, origins, demand)
        }
    };
    let network = if request.network {
        let lines = atlas.network_lines()?;
        if lines.is_empty() {
            return Err(Error::Invalid(
                "Der Atlas hat kein Straßennetz: erst import network, oder ohne --network (Luftlinie)".into(),
            ));
        }
        progress.report(0.3, "Straßennetz aufbauen");
        let projected = lines
            .iter()
            .map(|l| {
                l.0.iter()
                    .map(|c| metric.project(c.x, c.y).map(|(x, y)| geo::coord! { x: x, y: y }))
                    .collect::<Result<Vec<_>>>()
                    .map(geo::LineString)
            })
            .collect::<Result<Vec<_>>>()?;
        Some(super::network::Network::build(
            &projected,
            super::network::SNAP_TOLERANCE,
        ))
    } else {
        None
    };
    let method = match &network {
        None => metric.describe_de(),
        Some(built) => format!(
            "Fußweg im Straßennetz ({} km, ungerichtet; {} nicht angebundene Linien ausgelassen), Weg zur nächsten Straße \
             in Luftlinie, Koordinaten in ETRS89 / UTM",
            crate::numbers::format_german(built.network.total_length() / 1000.0, 1),
            built.unconnected_lines,
        ),
    };
    let compute = |poi_ids: &[usize]| -> Result<Vec<AreaAccess>> {
        let points: Vec<[f64; 2]> = poi_ids.iter().map(|&i| pois_m[i]).collect();
        let index = PoiIndex::new(&points);
        check_cancel(progress)?;
        progress.report(0.4, "Nächste Einrichtung je Wohnort");
        let distances = match &network {
            None => nearest_distances(&origins, &index)?,
            Some(built) => built.network.nearest_source_distances(&points, &origins)?,
        };
        let summary = summarise(&origins, &distances, areas_m.len(), &request.radii);
        check_cancel(progress)?;
        progress.report(0.6, "Erreichbare Einrichtungen zählen");
        let counts = match &network {
            None => counts_within(&origins, &index, &request.radii)?,
            Some(built) => {
                let largest = request.radii.iter().copied().fold(0.0, f64::max);
                let mut counts = vec![vec![0u32; request.radii.len()]; origins.len()];
                for (i, _, d) in built.network.pairs_within(&points, &origins, largest)? {
                    for (c, r) in counts[i].iter_mut().zip(&request.radii) {
                        if d <= *r {
                            *c += 1;
                        }
                    }
                }
                counts
            }
        };
        let mut reachable = vec![vec![0.0; request.radii.len()]; areas_m.len()];
        for (o, counts) in origins.iter().zip(counts) {
            for (sum, c) in reachable[o.area].iter_mut().zip(counts) {
                *sum += o.weight * f64::from(c);
            }
        }
        let mut in_area = vec![0usize; areas_m.len()];
        for &i in poi_ids {
            if let Some(a) = poi_area[i] {
                in_area[a] += 1;
            }
        }
        let supply = match &request.supply {
            None => None,
            Some(s) => {
                check_cancel(progress)?;
                progress.report(0.8, "Versorgungsquote (2SFCA)");
                let demand_origins = demand_origins.as_ref().unwrap_or(&origins);
                let capacity: Vec<f64> = poi_ids.iter().map(|&i| pois.supply[i].unwrap_or(0.0)).collect();
                let access = match &network {
                    None => two_step_fca(demand_origins, &points, &capacity, s.catchment, s.decay)?,
                    Some(built) => two_step_fca_from_pairs(
                        demand_origins,
                        &capacity,
                        &built.network.pairs_within(&points, demand_origins, s.catchment)?,
                        s.catchment,
                        s.decay,
                    ),
                };
                let mut sum = vec![(0.0, 0.0); areas_m.len()];
                for (o, a) in demand_origins.iter().zip(&access) {
                    sum[o.area].0 += o.weight * a;
                    sum[o.area].1 += o.weight;
                }
                Some(sum)
            }
        };
        // A cancel during the last phase is honoured here, before anything is returned.
        check_cancel(progress)?;
        Ok(geometries
            .iter()
            .enumerate()
            .map(|(i, (a, _))| {
                let s = summary[i].as_ref();
                AreaAccess {
                    key: a.key.to_string(),
                    name: a.name.to_string(),
                    residents: residents[i],
                    mean: s.map(|s| s.mean),
                    median: s.map(|s| s.median),
                    p90: s.map(|s| s.p90),
                    within: request
                        .radii
                        .iter()
                        .enumerate()
                        .map(|(r, _)| s.map(|s| s.within[r]))
                        .collect(),
                    pois_in_area: in_area[i],
                    reachable: reachable[i].iter().map(|c| s.map(|s| c / s.residents)).collect(),
                    supply_per_100: supply
                        .as_ref()
                        .and_then(|sum| (sum[i].1 > 0.0).then(|| sum[i].0 / sum[i].1 * 100.0)),
                }
            })
            .collect())
    };
    let areas = compute(&used)?;
    let isochrones = match (request.isochrones, &network) {
        (None, _) => None,
        (Some(_), None) => {
            return Err(Error::Invalid("Isochronen brauchen das Straßennetz (--network)".into()));
        }
        (Some(radius), Some(built)) => {
            progress.report(0.9, "Isochronen");
            let mut features = Vec::new();
            for &i in &used {
                check_cancel(progress)?;
                let Some(area) = built
                    .network
                    .isochrone(pois_m[i][0], pois_m[i][1], radius, ISOCHRONE_WIDTH)
                else {
                    continue;
                };
                let ring = |ls: &geo::LineString<f64>| -> Result<Vec<serde_json::Value>> {
                    ls.0.iter()
                        .map(|c| {
                            metric
                                .unproject(c.x, c.y)
                                .map(|(lon, lat)| serde_json::json!([lon, lat]))
                        })
                        .collect()
                };
                let polygons = area
                    .0
                    .iter()
                    .map(|p| {
                        std::iter::once(p.exterior())
                            .chain(p.interiors())
                            .map(ring)
                            .collect::<Result<Vec<_>>>()
                    })
                    .collect::<Result<Vec<_>>>()?;
                features.push(serde_json::json!({
                    "type": "Feature",
                    "properties": {"name": pois.names[i], "radius_m": radius},
                    "geometry": {"type": "MultiPolygon", "coordinates": polygons},
                }));
            }
            Some(serde_json::json!({"type": "FeatureCollection", "features": features}))
        }
    };
    let baseline = if request.scenario.is_empty() {
        None
    } else {
        let without: Vec<usize> = used.iter().copied().filter(|&i| i < scenario_start).collect();
        Some(compute(&without)?)
    };
    progress.report(1.0, "fertig");
    let (sum, weight) = areas
        .iter()
        .filter_map(|a| Some((a.mean? * a.residents?, a.residents?)))
        .fold((0.0, 0.0), |(s, w), (x, y)| (s + x, w + y));
    let no_residents = areas
        .iter()
        .filter(|a| a.mean.is_none())
        .map(|a| a.key.clone())
        .collect();
    Ok(DistanceResult {
        request: request.clone(),
        method,
        origin_note,
        origin_count: origins.len(),
        pois_used: used.len(),
        pois_outside,
        addresses_outside,
        pois_without_supply: if request.supply.is_some() {
            used.iter().filter(|&&i| pois.supply[i].is_none()).count()
        } else {
            0
        },
        areas,
        overall_mean: (weight > 0.0).then(|| sum / weight),
        no_residents,
        baseline,
        isochrones,
        saved: Vec::new(),
    })
}

/// A key part from a category name: lower case ASCII letters and digits ("Kita" → `kita`).
fn key_part(text: &str) -> String {
    let mut out = String::new();
    for c in text.to_lowercase().chars() {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            c if c.is_ascii_alphanumeric() => out.push(c),
            _ if !out.ends_with('_') => out.push('_'),
            _ => {}
        }
    }
    out.trim_matches('_').to_string()
}

/// Computes and stores the figures as derived indicators `CATEGORY_dist_mean`,
/// `_dist_median`, `_dist_p90`, `_within_R` (per radius), `_count` and, with a supply
/// request, `_supply`, each with its `derived_run`. Scenarios are never stored.
pub fn save_distance(atlas: &mut Atlas, request: &DistanceRequest, progress: &dyn Progress) -> Result<DistanceResult> {
    if !request.scenario.is_empty() {
        return Err(Error::Invalid(
            "Szenarien mit geplanten Einrichtungen werden nicht gespeichert; ohne --save rechnen".into(),
        ));
    }
    let mut result = distance(atlas, request, progress)?;
    let level = atlas.level(&request.level)?;
    let period = atlas.period(
        request
            .period
            .as_deref()
            .ok_or_else(|| Error::Invalid("Zum Speichern den Zeitraum angeben (--period)".into()))?,
    )?;
    let ids: HashMap<String, i64> = super::area_ids(atlas, level.id)?;
    let prefix = request
        .categories
        .iter()
        .map(|c| key_part(c))
        .collect::<Vec<_>>()
        .join("_");
    let label = request.categories.join(", ");
    let left_out: Vec<(&str, &str)> = result
        .areas
        .iter()
        .filter(|a| a.mean.is_none())
        .map(|a| (a.key.as_str(), "keine Einwohner"))
        .collect();
    // The residents weight the means when they are an indicator of the atlas.
    let weighted_by = |indicator: Option<&String>| match (&request.origins, indicator) {
        (OriginKind::Addresses { .. }, _) | (_, None) => crate::model::AggregationRule::NotAggregable,
        (_, Some(key)) => crate::model::AggregationRule::WeightedMean(key.clone()),
    };
    let residents_label = match &request.origins {
        OriginKind::Addresses { group } => format!(
            "Adresspunkte{}",
            group.as_ref().map_or(String::new(), |g| format!(", Gruppe „{g}“"))
        ),
        _ => format!("„{}“", request.population_indicator.clone().unwrap_or_default()),
    };
    let series = |key: String, name: String, unit: &str, decimals: i64, pick: &dyn Fn(&AreaAccess) -> Option<f64>| {
        DerivedSeries {
            key,
            meta: IndicatorUpdate {
                name: Some(name),
                topic: Some("Abgeleitet/Erreichbarkeit".into()),
                unit: Some(unit.into()),
                decimals: Some(decimals),
                kind: Some(IndicatorKind::Ratio),
                aggregation: Some(weighted_by(request.population_indicator.as_ref())),
                description: Some(format!(
                    "{}; {}; Einwohner: {residents_label} {}.",
                    result.method, result.origin_note, period.label
                )),
                ..Default::default()
            },
            values: super::derived_values(
                &ids,
                result.areas.iter().map(|a| (a.key.as_str(), pick(a), None)),
                left_out.iter().copied(),
            ),
        }
    };
    let mut outputs = vec![
        series(
            format!("{prefix}_dist_mean"),
            format!("Mittlere Entfernung zur nächsten Einrichtung ({label})"),
            "m",
            0,
            &|a| a.mean,
        ),
        series(
            format!("{prefix}_dist_median"),
            format!("Median der Entfernung zur nächsten Einrichtung ({label})"),
            "m",
            0,
            &|a| a.median,
        ),
        series(
            format!("{prefix}_dist_p90"),
            format!("90-%-Entfernung zur nächsten Einrichtung ({label})"),
            "m",
            0,
            &|a| a.p90,
        ),
    ];
    for (r, radius) in request.radii.iter().enumerate() {
        outputs.push(series(
            format!("{prefix}_within_{radius:.0}"),
            format!("Anteil der Einwohner bis {radius:.0} m zur nächsten Einrichtung ({label})"),
            "%",
            1,
            &move |a| a.within[r],
        ));
    }
    let mut count = series(
        format!("{prefix}_count"),
        format!("Einrichtungen im Gebiet ({label})"),
        "Anzahl",
        0,
        &|a| Some(a.pois_in_area as f64),
    );
    count.meta.kind = Some(IndicatorKind::Count);
    count.meta.aggregation = Some(crate::model::AggregationRule::Sum);
    outputs.push(count);
    if let Some(s) = &request.supply {
        let mut supply = series(
            format!("{prefix}_supply"),
            format!(
                "Versorgungsquote 2SFCA ({label}): {} je 100 {}",
                s.attribute,
                s.demand_indicator
                    .as_ref()
                    .map_or(residents_label.clone(), |d| format!("„{d}“"))
            ),
            "je 100",
            1,
            &|a| a.supply_per_100,
        );
        supply.meta.aggregation = Some(weighted_by(
            s.demand_indicator.as_ref().or(request.population_indicator.as_ref()),
        ));
        outputs.push(supply);
    }
    let run = DerivedRun {
        method: "distance".into(),
        parameters: serde_json::json!({
            "request": request,
            "method": result.method,
            "origins": result.origin_note,
            "origin_count": result.origin_count,
            "pois_used": result.pois_used,
        }),
        inputs: request
            .population_indicator
            .iter()
            .chain(request.supply.iter().filter_map(|s| s.demand_indicator.as_ref()))
            .cloned()
            .collect(),
    };
    progress.report(0.95, "Speichern");
    crate::progress::check_cancel(progress)?;
    result.saved = atlas.save_derived(level.id, period.id, &run, &outputs)?;
    Ok(result)
}
