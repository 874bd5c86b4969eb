//! Areal interpolation between area systems that do not nest (*Verschneidung*): school
//! districts and Sozialräume, old and new LOR, re-cut ASD districts.
//!
//! Every source area is split over the target areas it overlaps, one weight per piece:
//! - **`area`**: the piece's share of the source area (intersection in metres, ETRS89 / UTM);
//! - **`addresses`**: the piece's share of the source area's residents at address points
//!   (`quartier import addresses`). A source area without residents at addresses falls back to
//!   its area and is named (`area_fallback`).
//!
//! A target area's value combines the pieces by the indicator's rule, as aggregation does
//! ([`super::aggregate`]), with each piece weighted: counts are Σ value × weight; shares and
//! rates are recomputed from the interpolated numerator and denominator, never averaged;
//! weighted means weight by the interpolated weight. Indicators that do not aggregate are
//! refused with the reason. A missing or secret value in a piece makes the target's count
//! missing, as in aggregation. A value that rests on a split source carries the sign
//! "s" (*geschätzt*).
//!
//! **Slivers and gaps.** A source covered to at least 99.9 % ([`FULL`]) by target areas has
//! its slivers dropped (pieces narrower than 2 m on average, [`SLIVER_WIDTH_M`]: digitising
//! noise) and its weights scaled to add up to 1, so that totals are preserved. A
//! source covered less is named in `uncovered`, and what lies outside every target is lost.
//!
//! **Quality per target area** ([`TargetQuality`]): how many source areas fed it, how many
//! of them were split, and the share of its weight (area, or residents at addresses) that came
//! from split sources: 0 where the target is a union of whole source areas (the value is
//! exact), the closer to 1 the more it is an estimate.
//!
//! Combined areas ("A und B") of the source level stand in for their members where they
//! carry the value; combined areas of the target level receive nothing (their members do).

use std::collections::{HashMap, HashSet};

use geo::{Area, BooleanOps, BoundingRect, Euclidean, Length};
use serde::Serialize;

use super::aggregate::{load_rules, save_on_level, Combined, DerivedOrigin, LevelSeries, Refused};
use super::origins::PolygonIndex;
use crate::model::ValueFlag;
use crate::progress::{check_cancel, map_parallel, Progress};
use crate::store::{merged_roles, DerivedRun};
use crate::{Atlas, Error, Result};

/// Pieces narrower than this on average (twice the area over the perimeter, in metres) are
/// slivers: the noise between area systems digitised from different sources (Berlin's
/// Planungsraum Falkplatz reaches 0.11 % of its area, as a thin strip, into a neighbouring
/// Bezirksregion). Nobody lives in a strip that narrow. They are dropped where the source is
/// fully covered. (A share of the area would not do: a genuine corner of a fine grid cell is
/// as small a share as a strip, but holds residents.)
pub const SLIVER_WIDTH_M: f64 = 2.0;

/// Sources covered by target areas to at least this share count as fully covered: their
/// weights are scaled to add up to 1.
pub const FULL: f64 = 0.999;

/// How a source area is split over the target areas.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CrosswalkWeight {
    /// By the share of the area.
    #[default]
    Area,
    /// By the share of the residents at address points.
    Addresses,
}

impl CrosswalkWeight {
    /// Parses the command-line spelling (also German).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_lowercase().as_str() {
            "area" | "fläche" | "flaeche" => CrosswalkWeight::Area,
            "addresses" | "adressen" | "einwohner" => CrosswalkWeight::Addresses,
            _ => return None,
        })
    }

    /// The command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            CrosswalkWeight::Area => "area",
            CrosswalkWeight::Addresses => "addresses",
        }
    }

    /// What the weight is, in German.
    pub fn describe_de(self) -> &'static str {
        match self {
            CrosswalkWeight::Area => "Flächenanteil",
            CrosswalkWeight::Addresses => "Anteil der Einwohner an Adresspunkten",
        }
    }
}

/// What to interpolate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CrosswalkRequest {
    /// The source level.
    pub from_level: String,
    /// The target level.
    pub to_level: String,
    /// The period.
    pub period: String,
    /// Indicator keys; empty: every indicator with values at the source level.
    pub indicators: Vec<String>,
    /// How sources are split.
    pub weight: CrosswalkWeight,
}

/// How one target area was put together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetQuality {
    /// Key of the target area.
    pub key: String,
    /// Its name.
    pub name: String,
    /// Source areas with a piece in it.
    pub sources: usize,
    /// Of them, those split between several target areas (or partly outside every one).
    pub split_sources: usize,
    /// Share (0–1) of the target's weight (area, or residents at addresses) that came from
    /// split sources: 0 where it is a union of whole source areas.
    pub from_split: f64,
    /// Share (0–1) of the target's area covered by source areas.
    pub covered: f64,
}

/// A source area that target areas cover only in part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncoveredSource {
    /// Key of the source area.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The share (0–1) of its weight that lies in target areas; the rest is lost.
    pub covered: f64,
}

/// One target area's interpolated value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrosswalkArea {
    /// Key of the target area.
    pub key: String,
    /// Its name.
    pub name: String,
    /// The value, the pieces used and how it was computed or why not.
    #[serde(flatten)]
    pub combined: Combined,
    /// Whether the value rests on split source areas (sign "s", *geschätzt*).
    pub estimated: bool,
}

/// One indicator's interpolation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrosswalkIndicator {
    /// Indicator key.
    pub key: String,
    /// The rule, as stored.
    pub rule: String,
    /// The indicator's decimals, for showing its values.
    pub decimals: usize,
    /// Per target area, in key order.
    pub areas: Vec<CrosswalkArea>,
}

/// The outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crosswalk {
    /// The source level.
    pub from_level: String,
    /// The target level.
    pub to_level: String,
    /// The period.
    pub period: String,
    /// How sources were split.
    pub weight: CrosswalkWeight,
    /// The weight in German.
    pub weight_de: String,
    /// Per target area (in key order): where its value came from.
    pub quality: Vec<TargetQuality>,
    /// Interpolated indicators.
    pub indicators: Vec<CrosswalkIndicator>,
    /// Indicators refused, with the reason.
    pub refused: Vec<Refused>,
    /// Source areas not fully covered by target areas.
    pub uncovered: Vec<UncoveredSource>,
    /// Source areas split by area because no resident lives at their address points
    /// (`--weight addresses` only).
    pub area_fallback: Vec<String>,
    /// Source areas without geometry: their values are not distributed.
    pub without_geometry: Vec<String>,
    /// Keys under which the values were stored (empty unless saved).
    pub saved: Vec<String>,
}

/// The pieces of the source areas in the target areas.
struct Overlay {
    /// Per target position: (source position, weight) of its pieces.
    into: Vec<Vec<(usize, f64)>>,
    quality: Vec<TargetQuality>,
    uncovered: Vec<UncoveredSource>,
    area_fallback: Vec<String>,
    without_geometry: Vec<String>,
}

/// Splits the source level's areas over the target level's.
fn overlay(
    atlas: &Atlas,
    from_id: i64,
    to_id: i64,
    weight: CrosswalkWeight,
    progress: &dyn Progress,
) -> Result<Overlay> {
    let from = atlas.level_areas(from_id)?;
    let to = atlas.level_areas(to_id)?;
    let level_name = |id: i64| -> Result<String> {
        Ok(atlas
            .levels()?
            .into_iter()
            .find(|l| l.id == id)
            .map(|l| l.name)
            .unwrap_or_default())
    };
    let (source_at, sources) = atlas.positioned_geometries(from_id)?;
    let combined_targets: HashSet<usize> = atlas.merged_areas(to_id)?.iter().map(|m| m.combined).collect();
    let (target_at, targets): (Vec<usize>, Vec<geo::MultiPolygon<f64>>) = {
        let (at, g) = atlas.positioned_geometries(to_id)?;
        at.into_iter()
            .zip(g)
            .filter(|(p, _)| !combined_targets.contains(p))
            .unzip()
    };
    for (id, list) in [(from_id, &sources), (to_id, &targets)] {
        if list.is_empty() {
            return Err(Error::Invalid(format!(
                "Ebene „{}“ hat keine Geometrien; die Verschneidung braucht die Flächen beider Ebenen",
                level_name(id)?
            )));
        }
    }
    let metric = crate::crs::Metric::for_geometries(sources.iter().chain(targets.iter()))?;
    let project = |list: &[geo::MultiPolygon<f64>]| -> Result<Vec<geo::MultiPolygon<f64>>> {
        list.iter().map(|g| metric.project_polygons(g)).collect()
    };
    let sources = project(&sources)?;
    let target_index = PolygonIndex::new(project(&targets)?);
    let targets = target_index.polygons();
    let target_m2: Vec<f64> = targets.iter().map(|t| t.unsigned_area()).collect();
    // Per source: its m², and its pieces (target index, m², whether a sliver).
    let pieces = map_parallel(&sources, progress, "Flächen verschneiden", |_, source| {
        let Some(bbox) = source.bounding_rect() else {
            return (0.0, Vec::new());
        };
        let found = target_index
            .overlapping([bbox.min().x, bbox.min().y], [bbox.max().x, bbox.max().y])
            .filter_map(|k| {
                let piece = source.intersection(&targets[k]);
                let shared = piece.unsigned_area();
                let perimeter: f64 = piece
                    .0
                    .iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|ring| Euclidean.length(ring))
                    .sum();
                let sliver = perimeter > 0.0 && 2.0 * shared / perimeter < SLIVER_WIDTH_M;
                (shared > 0.0).then_some((k, shared, sliver))
            })
            .collect::<Vec<_>>();
        (source.unsigned_area(), found)
    })?;
    check_cancel(progress)?;
    // Residents at addresses: per source, per target (`None`: in no target).
    let mut residents: Vec<HashMap<Option<usize>, f64>> = vec![HashMap::new(); sources.len()];
    if weight == CrosswalkWeight::Addresses {
        progress.report(0.6, "Adressen zuordnen");
        let points = atlas.address_points()?;
        if points.is_empty() {
            return Err(Error::Invalid(
                "Der Atlas hat keine Adresspunkte: mit --weight area nach Fläche verteilen \
                 oder erst Adressen importieren (quartier import addresses)"
                    .into(),
            ));
        }
        let source_index = PolygonIndex::new(sources.clone());
        for point in points.iter().filter(|p| p.residents > 0.0) {
            let (x, y) = metric.project(point.lon, point.lat)?;
            if let Some(s) = source_index.find(x, y) {
                *residents[s].entry(target_index.find(x, y)).or_default() += point.residents;
            }
        }
    }
    // Weights per source: shares of its area or residents; slivers dropped; scaled to 1 when
    // (nearly) fully covered.
    let mut into: Vec<Vec<(usize, f64)>> = vec![Vec::new(); targets.len()];
    // Per target: (weight mass from split sources, all weight mass, area from sources).
    let mut mass: Vec<(f64, f64, f64)> = vec![(0.0, 0.0, 0.0); targets.len()];
    let mut split_sources = vec![0usize; targets.len()];
    let (mut uncovered, mut area_fallback) = (Vec::new(), Vec::new());
    for (s, (source_m2, found)) in pieces.iter().enumerate() {
        let at = source_at[s];
        for &(k, m2, _) in found {
            mass[k].2 += m2;
        }
        let by_residents: f64 = residents[s].values().sum();
        let (raw, total): (Vec<(usize, f64)>, f64) = if weight == CrosswalkWeight::Addresses && by_residents > 0.0 {
            let raw = residents[s]
                .iter()
                .filter_map(|(k, r)| Some((((*k)?), r / by_residents)))
                .collect();
            (raw, by_residents)
        } else {
            if weight == CrosswalkWeight::Addresses {
                area_fallback.push(from[at].key.to_string());
            }
            let raw = found
                .iter()
                .map(|&(k, m2, _)| (k, if *source_m2 > 0.0 { m2 / source_m2 } else { 0.0 }))
                .collect();
            (raw, *source_m2)
        };
        // Fully covered: slivers dropped, the rest scaled to add up to 1. Else kept as they
        // are, and the loss named.
        let covered: f64 = raw.iter().map(|(_, w)| w).sum();
        let mut kept: Vec<(usize, f64)> = if covered >= FULL {
            let real: HashSet<usize> = found.iter().filter(|p| !p.2).map(|p| p.0).collect();
            let mut kept: Vec<(usize, f64)> = raw.iter().copied().filter(|(k, _)| real.contains(k)).collect();
            if kept.is_empty() {
                kept = raw;
            }
            let sum: f64 = kept.iter().map(|(_, w)| w).sum();
            kept.iter().map(|&(k, w)| (k, w / sum)).collect()
        } else {
            uncovered.push(UncoveredSource {
                key: from[at].key.to_string(),
                name: from[at].name.to_string(),
                covered,
            });
            raw
        };
        kept.sort_by_key(|(k, _)| *k);
        let split = !matches!(kept.as_slice(), [(_, w)] if *w >= 1.0);
        // The weight mass of each piece for the quality figure: residents where they split
        // the source, else area; sources split by area for want of residents weigh nothing
        // against those with residents.
        let basis = match weight {
            CrosswalkWeight::Addresses if by_residents > 0.0 => total,
            CrosswalkWeight::Addresses => 0.0,
            CrosswalkWeight::Area => total,
        };
        for &(k, w) in &kept {
            into[k].push((at, w));
            mass[k].1 += w * basis;
            if split {
                mass[k].0 += w * basis;
                split_sources[k] += 1;
            }
        }
    }
    let with_geometry: HashSet<usize> = source_at.iter().copied().collect();
    let without_geometry = from
        .iter()
        .enumerate()
        .filter(|(i, _)| !with_geometry.contains(i))
        .map(|(_, a)| a.key.to_string())
        .collect();
    let quality = (0..targets.len())
        .map(|k| {
            let area = &to[target_at[k]];
            let own_m2 = target_m2[k];
            let (from_split, all, source_m2) = mass[k];
            TargetQuality {
                key: area.key.to_string(),
                name: area.name.to_string(),
                sources: into[k].len(),
                split_sources: split_sources[k],
                from_split: if all > 0.0 {
                    from_split / all
                } else if into[k].is_empty() {
                    0.0
                } else {
                    // No resident weight at all: judged by whether any piece is split.
                    f64::from(u8::from(split_sources[k] > 0))
                },
                covered: if own_m2 > 0.0 {
                    (source_m2 / own_m2).min(1.0)
                } else {
                    0.0
                },
            }
        })
        .collect();
    // Back to target positions in the level's order.
    let mut into_by_position: Vec<Vec<(usize, f64)>> = vec![Vec::new(); to.len()];
    for (k, pieces) in into.into_iter().enumerate() {
        into_by_position[target_at[k]] = pieces;
    }
    Ok(Overlay {
        into: into_by_position,
        quality,
        uncovered,
        area_fallback,
        without_geometry,
    })
}

/// Interpolates indicators from one level onto another that need not nest.
pub fn crosswalk(atlas: &Atlas, request: &CrosswalkRequest, progress: &dyn Progress) -> Result<Crosswalk> {
    let from = atlas.level(&request.from_level)?;
    let to = atlas.level(&request.to_level)?;
    if from.id == to.id {
        return Err(Error::Invalid(format!(
            "Von- und Nach-Ebene sind gleich („{}“)",
            to.name
        )));
    }
    let period = atlas.period(&request.period)?;
    progress.report(0.05, "Flächen verschneiden");
    let overlay = overlay(atlas, from.id, to.id, request.weight, progress)?;
    check_cancel(progress)?;
    progress.report(0.8, "Werte übertragen");
    let targets = atlas.level_areas(to.id)?;
    let quality_of: HashSet<&str> = overlay.quality.iter().map(|q| q.key.as_str()).collect();
    let (loaded, refused) = load_rules(atlas, &request.indicators, &from, &period, "übertragen")?;
    let mut indicators = Vec::new();
    for (meta, inputs) in loaded {
        // Combined source areas with the value stand in for their members; without it, the
        // members carry it.
        let roles = merged_roles(inputs.merged(), |p| inputs.deciding().status[p].is_some());
        let areas = targets
            .iter()
            .zip(&overlay.into)
            .filter(|(t, _)| quality_of.contains(&*t.key))
            .map(|(t, pieces)| {
                let pieces: Vec<(usize, f64)> =
                    pieces.iter().copied().filter(|(s, _)| !roles.contains_key(s)).collect();
                let mut combined = inputs.combine_weighted(&pieces, false);
                let estimated = combined.value.is_some() && pieces.iter().any(|(_, w)| *w < 1.0);
                if combined.value.is_some() {
                    combined.note = format!(
                        "{}, aus {} Gebieten der Ebene „{}“ nach {}",
                        combined.note,
                        pieces.len(),
                        from.name,
                        request.weight.describe_de()
                    );
                }
                CrosswalkArea {
                    key: t.key.to_string(),
                    name: t.name.to_string(),
                    combined,
                    estimated,
                }
            })
            .collect();
        indicators.push(CrosswalkIndicator {
            key: meta.key.clone(),
            rule: meta.aggregation.to_stored(),
            decimals: meta.decimals.max(0) as usize,
            areas,
        });
    }
    Ok(Crosswalk {
        from_level: from.name,
        to_level: to.name,
        period: period.label,
        weight: request.weight,
        weight_de: request.weight.describe_de().into(),
        quality: overlay.quality,
        indicators,
        refused,
        uncovered: overlay.uncovered,
        area_fallback: overlay.area_fallback,
        without_geometry: overlay.without_geometry,
        saved: Vec::new(),
    })
}

/// Interpolates and stores the values at the target level, as derived values with a
/// `derived_run` record (method `crosswalk`, levels, period, weight), in one transaction.
/// Estimated values carry the sign "s". Under the indicator's own key unless the target level
/// already holds values of it for the period (refused: imported figures are never
/// overwritten); with `key_suffix` under `KEY_suffix`.
pub fn save_crosswalk(
    atlas: &mut Atlas,
    request: &CrosswalkRequest,
    key_suffix: Option<&str>,
    progress: &dyn Progress,
) -> Result<Crosswalk> {
    let mut result = crosswalk(atlas, request, progress)?;
    check_cancel(progress)?;
    let series: Vec<LevelSeries> = result
        .indicators
        .iter()
        .map(|ind| LevelSeries {
            key: ind.key.clone(),
            values: ind
                .areas
                .iter()
                .map(|a| {
                    (
                        a.key.clone(),
                        a.combined.stored(a.estimated.then_some(ValueFlag::Estimated)),
                    )
                })
                .collect(),
            origin: DerivedOrigin {
                name_suffix: "übertragen",
                description: format!(
                    "Aus Ebene „{}“ übertragen nach {} ({}).",
                    result.from_level, result.weight_de, ind.rule
                ),
            },
        })
        .collect();
    let run = DerivedRun {
        method: "crosswalk".into(),
        parameters: serde_json::json!({
            "from_level": result.from_level,
            "to_level": result.to_level,
            "period": result.period,
            "weight": result.weight,
        }),
        inputs: result.indicators.iter().map(|i| i.key.clone()).collect(),
    };
    progress.report(0.9, "Speichern");
    check_cancel(progress)?;
    result.saved = save_on_level(atlas, &request.to_level, &request.period, &series, key_suffix, &run)?;
    Ok(result)
}
