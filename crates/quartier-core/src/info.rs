//! What an atlas holds: levels, indicators with periods and coverage, POI categories.
//!
//! Reads only the series counts (`value_series`), never the values, so it is fast on large atlases.

use std::collections::HashMap;

use serde::Serialize;

use crate::{Atlas, Result};

/// The `quartier info --json` structure (stable; documented in the README).
#[derive(Debug, Clone, Serialize)]
pub struct AtlasInfo {
    /// The atlas file.
    pub file: String,
    /// Municipality name.
    pub name: String,
    /// AGS, if given.
    pub ags: Option<String>,
    /// Sources and licences shown under every map and table; empty if not set.
    pub attribution: String,
    /// Schema version of the file.
    pub schema_version: i64,
    /// Levels, coarse to fine.
    pub levels: Vec<LevelInfo>,
    /// Period labels, oldest first.
    pub periods: Vec<String>,
    /// Indicators with their coverage.
    pub indicators: Vec<IndicatorInfo>,
    /// POI categories.
    pub poi_categories: Vec<PoiCategoryInfo>,
}

/// One level.
#[derive(Debug, Clone, Serialize)]
pub struct LevelInfo {
    /// Name.
    pub name: String,
    /// Parent level name.
    pub parent: Option<String>,
    /// Number of areas.
    pub areas: i64,
    /// Areas with geometry.
    pub areas_with_geometry: i64,
}

/// One indicator.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorInfo {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Kind (`count`, `share`, …).
    pub kind: String,
    /// Topic path.
    pub topic: String,
    /// Periods with values, oldest first.
    pub periods: Vec<String>,
    /// Coverage per level and period.
    pub coverage: Vec<Coverage>,
}

/// Coverage of one indicator at one level and period.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Level name.
    pub level: String,
    /// Period label.
    pub period: String,
    /// Stored values (any status).
    pub values: i64,
    /// Values with status ok.
    pub values_ok: i64,
    /// Areas of the level.
    pub areas: i64,
    /// values_ok / areas, 0..1.
    pub share_ok: f64,
    /// Present where an official reference value exists for this level and period.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<ReferenceInfo>,
}

/// Whether the reference row shows an official value.
#[derive(Debug, Clone, Serialize)]
pub struct ReferenceInfo {
    /// An official reference value was imported.
    pub official: bool,
}

/// One POI category.
#[derive(Debug, Clone, Serialize)]
pub struct PoiCategoryInfo {
    /// Name.
    pub name: String,
    /// Number of points.
    pub count: i64,
}

/// Collects the summary.
pub fn atlas_info(atlas: &Atlas) -> Result<AtlasInfo> {
    let meta = atlas.meta()?;
    let conn = &atlas.conn;
    let mut stmt = conn.prepare(
        "SELECT l.id, l.name, p.name, (SELECT COUNT(*) FROM area a WHERE a.level_id = l.id),
                (SELECT COUNT(*) FROM area a WHERE a.level_id = l.id AND a.geometry IS NOT NULL)
         FROM spatial_level l LEFT JOIN spatial_level p ON p.id = l.parent_level_id ORDER BY l.sort_order, l.id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                LevelInfo {
                    name: r.get(1)?,
                    parent: r.get(2)?,
                    areas: r.get(3)?,
                    areas_with_geometry: r.get(4)?,
                },
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let level_by_id: HashMap<i64, (String, i64)> =
        rows.iter().map(|(id, l)| (*id, (l.name.clone(), l.areas))).collect();
    let level_order: HashMap<i64, usize> = rows.iter().enumerate().map(|(i, (id, _))| (*id, i)).collect();
    let levels = rows.into_iter().map(|(_, l)| l).collect();

    let periods = atlas.periods()?;
    let period_order: HashMap<i64, usize> = periods.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let period_label: HashMap<i64, String> = periods.iter().map(|p| (p.id, p.label.clone())).collect();

    let mut official: std::collections::HashSet<(i64, i64, i64)> = std::collections::HashSet::new();
    {
        let mut stmt = conn.prepare("SELECT indicator_id, period_id, level_id FROM official_reference")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            official.insert((r.get(0)?, r.get(1)?, r.get(2)?));
        }
    }
    let mut coverage: HashMap<i64, Vec<(usize, usize, Coverage)>> = HashMap::new();
    let mut stmt =
        conn.prepare("SELECT indicator_id, period_id, level_id, values_ok, values_total FROM value_series")?;
    let mut q = stmt.query([])?;
    while let Some(r) = q.next()? {
        let (ind, per, lev): (i64, i64, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        let (level_name, areas) = level_by_id.get(&lev).cloned().unwrap_or_default();
        let ok: i64 = r.get(3)?;
        coverage.entry(ind).or_default().push((
            level_order.get(&lev).copied().unwrap_or(usize::MAX),
            period_order.get(&per).copied().unwrap_or(usize::MAX),
            Coverage {
                level: level_name,
                period: period_label.get(&per).cloned().unwrap_or_default(),
                values: r.get(4)?,
                values_ok: ok,
                areas,
                share_ok: if areas > 0 { ok as f64 / areas as f64 } else { 0.0 },
                reference: official
                    .contains(&(ind, per, lev))
                    .then_some(ReferenceInfo { official: true }),
            },
        ));
    }
    let indicators = atlas
        .indicators()?
        .into_iter()
        .map(|i| {
            let mut cov = coverage.remove(&i.id).unwrap_or_default();
            cov.sort_by_key(|(l, p, _)| (*l, *p));
            let mut period_idx: Vec<usize> = cov.iter().map(|(_, p, _)| *p).collect();
            period_idx.sort_unstable();
            period_idx.dedup();
            IndicatorInfo {
                periods: period_idx
                    .iter()
                    .filter_map(|p| periods.get(*p).map(|x| x.label.clone()))
                    .collect(),
                coverage: cov.into_iter().map(|(_, _, c)| c).collect(),
                key: i.key,
                name: i.name,
                unit: i.unit,
                kind: i.kind.as_str().to_string(),
                topic: i.topic,
            }
        })
        .collect();
    Ok(AtlasInfo {
        file: atlas.path().display().to_string(),
        name: meta.name,
        ags: meta.ags,
        attribution: meta.attribution,
        schema_version: atlas.schema_version()?,
        levels,
        periods: periods.into_iter().map(|p| p.label).collect(),
        indicators,
        poi_categories: atlas
            .poi_categories()?
            .into_iter()
            .map(|(name, count)| PoiCategoryInfo { name, count })
            .collect(),
    })
}
