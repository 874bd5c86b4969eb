//! Hot spots: global and local Moran's I (LISA, Anselin 1995) with queen contiguity computed
//! from the area geometry, row-standardised weights and conditional permutation pseudo
//! p-values, seeded and reproducible. The definitions follow PySAL's `esda` (`Moran`,
//! `Moran_Local`), so the statistics can be compared with it.

use std::collections::{BTreeMap, HashMap};

use geo::{CoordsIter, MultiPolygon};
use serde::Serialize;

use super::stats::SeededRng;
use super::{area_ids, derived_values};
use crate::model::IndicatorKind;
use crate::progress::map_parallel;
use crate::store::{DerivedRun, DerivedSeries, IndicatorUpdate};
use crate::{Atlas, Error, Progress, Result};

/// Queen contiguity: two areas are neighbours when their boundaries share at least one
/// vertex (as PySAL's `Queen` builds it). Coordinates are compared after rounding to 1e-9
/// (in degrees about 0.1 mm), so the same boundary transformed twice still matches.
pub fn queen_contiguity(geometries: &[MultiPolygon<f64>]) -> Vec<Vec<usize>> {
    let mut by_vertex: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (i, g) in geometries.iter().enumerate() {
        for c in g.coords_iter() {
            let key = ((c.x * 1e9).round() as i64, (c.y * 1e9).round() as i64);
            let owners = by_vertex.entry(key).or_default();
            if owners.last() != Some(&i) {
                owners.push(i);
            }
        }
    }
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); geometries.len()];
    for owners in by_vertex.values() {
        for &a in owners {
            for &b in owners {
                if a != b {
                    neighbours[a].push(b);
                }
            }
        }
    }
    for n in &mut neighbours {
        n.sort_unstable();
        n.dedup();
    }
    neighbours
}

/// Global and local Moran's I of values on a neighbour graph (row-standardised weights).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocalMoran {
    /// Global Moran's I.
    pub moran_i: f64,
    /// Its expectation under no autocorrelation, −1 / (n − 1).
    pub moran_expected: f64,
    /// Pseudo p-value of the global I from random permutations of all values (folded, as esda).
    pub moran_p: f64,
    /// Standardised values (population sd).
    pub z: Vec<f64>,
    /// Spatial lag: mean z of the neighbours (0 without neighbours).
    pub lag: Vec<f64>,
    /// Local I per area: (n − 1) · zᵢ · lagᵢ / Σz².
    pub local_i: Vec<f64>,
    /// Conditional permutation pseudo p-value per area (folded, as esda); 1 without neighbours.
    pub p: Vec<f64>,
}

/// Computes Moran's I and the LISA statistics. `permutations` ≥ 1; the same seed gives the
/// same p-values regardless of the number of cores.
/// The local permutations report to `progress` and stop when it cancels.
pub fn local_moran(
    values: &[f64],
    neighbours: &[Vec<usize>],
    permutations: usize,
    seed: u64,
    progress: &dyn Progress,
) -> Result<LocalMoran> {
    let n = values.len();
    if n < 3 || neighbours.len() != n {
        return Err(Error::Invalid(format!(
            "Moran's I braucht mindestens 3 Gebiete mit Werten, nicht {n}"
        )));
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
    if sd == 0.0 || !sd.is_finite() {
        return Err(Error::Invalid(
            "Alle Gebiete haben denselben Wert: keine räumliche Struktur messbar".into(),
        ));
    }
    let z: Vec<f64> = values.iter().map(|v| (v - mean) / sd).collect();
    let den: f64 = z.iter().map(|v| v * v).sum();
    let lag_of = |z: &[f64], i: usize| -> f64 {
        let nb = &neighbours[i];
        if nb.is_empty() {
            0.0
        } else {
            nb.iter().map(|&j| z[j]).sum::<f64>() / nb.len() as f64
        }
    };
    let lag: Vec<f64> = (0..n).map(|i| lag_of(&z, i)).collect();
    let s0 = neighbours.iter().filter(|nb| !nb.is_empty()).count() as f64;
    let global = |z: &[f64]| -> f64 { n as f64 / s0 * (0..n).map(|i| z[i] * lag_of(z, i)).sum::<f64>() / den };
    let moran_i = global(&z);
    let local_i: Vec<f64> = (0..n).map(|i| (n - 1) as f64 * z[i] * lag[i] / den).collect();

    let permutations = permutations.max(1);
    let fold = |larger: usize| -> f64 {
        let larger = larger.min(permutations - larger);
        (larger + 1) as f64 / (permutations + 1) as f64
    };
    // Global: permute all values.
    let mut rng = SeededRng::new(seed);
    let mut shuffled = z.clone();
    let mut larger = 0;
    for _ in 0..permutations {
        for i in (1..n).rev() {
            shuffled.swap(i, rng.below(i + 1));
        }
        if global(&shuffled) >= moran_i {
            larger += 1;
        }
    }
    let moran_p = fold(larger);

    // Local: for each area, its neighbours' values drawn from the other n − 1 areas.
    let p = map_parallel(neighbours, progress, "Lokales Moran's I: Permutationen", |i, nb| {
        let k = nb.len();
        if k == 0 {
            return 1.0;
        }
        let mut rng = SeededRng::new(seed ^ (i as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
        let observed = z[i] * lag[i];
        let mut drawn: Vec<usize> = Vec::with_capacity(k);
        let mut larger = 0;
        for _ in 0..permutations {
            drawn.clear();
            while drawn.len() < k {
                let j = rng.below(n);
                if j != i && !drawn.contains(&j) {
                    drawn.push(j);
                }
            }
            let perm_lag = drawn.iter().map(|&j| z[j]).sum::<f64>() / k as f64;
            if z[i] * perm_lag >= observed {
                larger += 1;
            }
        }
        fold(larger)
    })?;
    Ok(LocalMoran {
        moran_i,
        moran_expected: -1.0 / (n as f64 - 1.0),
        moran_p,
        z,
        lag,
        local_i,
        p,
    })
}

/// A LISA cluster class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LisaClass {
    /// High value among high values (hot spot).
    #[serde(rename = "high-high")]
    HighHigh,
    /// Low among low (cold spot).
    #[serde(rename = "low-low")]
    LowLow,
    /// High among low (outlier).
    #[serde(rename = "high-low")]
    HighLow,
    /// Low among high (outlier).
    #[serde(rename = "low-high")]
    LowHigh,
    /// Not significant at the chosen level.
    #[serde(rename = "not_significant")]
    NotSignificant,
    /// No neighbour (an island).
    #[serde(rename = "no_neighbours")]
    NoNeighbours,
}

impl LisaClass {
    /// German legend label.
    pub fn label_de(self) -> &'static str {
        match self {
            LisaClass::HighHigh => "hoch–hoch (Hotspot)",
            LisaClass::LowLow => "niedrig–niedrig (Coldspot)",
            LisaClass::HighLow => "hoch–niedrig (Ausreißer)",
            LisaClass::LowHigh => "niedrig–hoch (Ausreißer)",
            LisaClass::NotSignificant => "nicht signifikant",
            LisaClass::NoNeighbours => "ohne Nachbarn",
        }
    }

    /// The class of one area (esda's quadrants: z > 0 is "high", the lag likewise).
    pub fn of(z: f64, lag: f64, p: f64, has_neighbours: bool, significance: f64) -> Self {
        match (has_neighbours, p <= significance, z > 0.0, lag > 0.0) {
            (false, ..) => LisaClass::NoNeighbours,
            (_, false, ..) => LisaClass::NotSignificant,
            (_, _, true, true) => LisaClass::HighHigh,
            (_, _, false, false) => LisaClass::LowLow,
            (_, _, true, false) => LisaClass::HighLow,
            (_, _, false, true) => LisaClass::LowHigh,
        }
    }
}

/// What to analyse.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LisaRequest {
    /// Indicator key.
    pub indicator: String,
    /// Level (with geometry).
    pub level: String,
    /// Period.
    pub period: String,
    /// Permutations (esda's default 999).
    pub permutations: usize,
    /// Seed.
    pub seed: u64,
    /// Significance level for the cluster classes (0.05).
    pub significance: f64,
}

/// One area's LISA result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LisaArea {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// The value.
    pub value: f64,
    /// Number of neighbours.
    pub neighbours: usize,
    /// Local Moran's I.
    pub local_i: f64,
    /// Pseudo p-value.
    pub p: f64,
    /// Cluster class.
    pub class: LisaClass,
    /// Its German label.
    pub label: String,
}

/// The outcome of [`lisa`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LisaResult {
    /// The request.
    #[serde(flatten)]
    pub request: LisaRequest,
    /// Global Moran's I.
    pub moran_i: f64,
    /// Its expectation without autocorrelation.
    pub moran_expected: f64,
    /// Its pseudo p-value.
    pub moran_p: f64,
    /// Mean number of neighbours.
    pub mean_neighbours: f64,
    /// Areas per class (German label → count).
    pub counts: BTreeMap<String, usize>,
    /// Per area, by key.
    pub areas: Vec<LisaArea>,
    /// Areas left out: no value or no geometry, with the reason.
    pub left_out: Vec<(String, String)>,
    /// Keys saved.
    pub saved: Vec<String>,
}

/// Moran's I and the LISA cluster classes of an indicator on a level.
pub fn lisa(atlas: &Atlas, request: &LisaRequest, progress: &dyn Progress) -> Result<LisaResult> {
    if !(request.significance > 0.0 && request.significance < 1.0) {
        return Err(Error::Invalid(format!(
            "Das Signifikanzniveau muss zwischen 0 und 1 liegen, nicht {}",
            request.significance
        )));
    }
    if request.permutations < 99 {
        return Err(Error::Invalid(format!(
            "Mindestens 99 Permutationen sind nötig, nicht {}",
            request.permutations
        )));
    }
    let meta = atlas.indicator(&request.indicator)?;
    if meta.kind == IndicatorKind::Categorical {
        return Err(Error::Invalid(format!("Indikator „{}“ ist kategorial", meta.key)));
    }
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let values = atlas.values(meta.id, level.id, period.id)?;
    let with_geometry = atlas.area_geometries(level.id)?;
    if with_geometry.is_empty() {
        return Err(Error::Invalid(format!(
            "Die Ebene „{}“ hat keine Flächen: Nachbarschaften brauchen Geometrie (import geometry)",
            level.name
        )));
    }
    let mut left_out = Vec::new();
    let has_geometry: std::collections::HashSet<i64> = with_geometry.iter().map(|(a, _)| a.id).collect();
    for a in atlas.areas(level.id)? {
        if !has_geometry.contains(&a.id) {
            left_out.push((a.key.to_string(), "keine Fläche".to_string()));
        }
    }
    let mut areas = Vec::new();
    let mut geometries = Vec::new();
    let mut numbers = Vec::new();
    for (a, g) in with_geometry {
        match values.get(&a.id).and_then(crate::StoredValue::number) {
            Some(v) => {
                areas.push(a);
                geometries.push(g);
                numbers.push(v);
            }
            None => left_out.push((a.key.to_string(), "kein Wert".to_string())),
        }
    }
    let neighbours = queen_contiguity(&geometries);
    let m = local_moran(&numbers, &neighbours, request.permutations, request.seed, progress)?;
    let mut counts = BTreeMap::new();
    let result_areas: Vec<LisaArea> = areas
        .into_iter()
        .enumerate()
        .map(|(i, a)| {
            let class = LisaClass::of(
                m.z[i],
                m.lag[i],
                m.p[i],
                !neighbours[i].is_empty(),
                request.significance,
            );
            *counts.entry(class.label_de().to_string()).or_insert(0) += 1;
            LisaArea {
                key: a.key.to_string(),
                name: a.name.to_string(),
                value: numbers[i],
                neighbours: neighbours[i].len(),
                local_i: m.local_i[i],
                p: m.p[i],
                class,
                label: class.label_de().into(),
            }
        })
        .collect();
    Ok(LisaResult {
        request: request.clone(),
        moran_i: m.moran_i,
        moran_expected: m.moran_expected,
        moran_p: m.moran_p,
        mean_neighbours: neighbours.iter().map(Vec::len).sum::<usize>() as f64 / neighbours.len() as f64,
        counts,
        areas: result_areas,
        left_out,
        saved: Vec::new(),
    })
}

/// Computes and stores `KEY_lisa` (the class, categorical) and `KEY_lisa_p` with their run.
pub fn save_lisa(atlas: &mut Atlas, request: &LisaRequest, progress: &dyn Progress) -> Result<LisaResult> {
    let mut result = lisa(atlas, request, progress)?;
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let ids = area_ids(atlas, level.id)?;
    let key = &result.request.indicator;
    let description = format!(
        "Lokales Moran's I von „{key}“, Queen-Nachbarschaft aus den Flächen, zeilenstandardisiert, \
         {} bedingte Permutationen (Startwert {}), Signifikanzniveau {}.",
        request.permutations, request.seed, request.significance
    );
    let series = |text: bool| {
        derived_values(
            &ids,
            result
                .areas
                .iter()
                .map(|a| (a.key.as_str(), (!text).then_some(a.p), text.then(|| a.label.clone()))),
            result.left_out.iter().map(|(k, why)| (k.as_str(), why.as_str())),
        )
    };
    let meta = |name: String, kind: IndicatorKind, decimals: i64| IndicatorUpdate {
        name: Some(name),
        topic: Some("Abgeleitet/Hotspots".into()),
        unit: Some(String::new()),
        decimals: Some(decimals),
        kind: Some(kind),
        aggregation: Some(crate::model::AggregationRule::NotAggregable),
        description: Some(description.clone()),
        ..Default::default()
    };
    let outputs = vec![
        DerivedSeries {
            key: format!("{key}_lisa"),
            meta: meta(format!("LISA-Cluster von {key}"), IndicatorKind::Categorical, 0),
            values: series(true),
        },
        DerivedSeries {
            key: format!("{key}_lisa_p"),
            meta: meta(format!("LISA-p-Wert von {key}"), IndicatorKind::Ratio, 3),
            values: series(false),
        },
    ];
    let run = DerivedRun {
        method: "lisa".into(),
        parameters: serde_json::json!({
            "level": level.name,
            "period": period.label,
            "contiguity": "queen",
            "weights": "row-standardised",
            "permutations": request.permutations,
            "seed": request.seed,
            "significance": request.significance,
            "moran_i": result.moran_i,
        }),
        inputs: vec![key.clone()],
    };
    result.saved = atlas.save_derived(level.id, period.id, &run, &outputs)?;
    Ok(result)
}
