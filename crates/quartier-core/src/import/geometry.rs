//! Area geometry per spatial level, from GeoJSON, a zipped ESRI shapefile or a `.shp`.
//!
//! Coordinates are transformed to WGS84; the CRS comes from `--crs`, the shapefile's
//! `.prj` or the GeoJSON `crs` member (RFC 7946 files without one are WGS84). Parent
//! areas come from a parent-key column or, without one, from the parent level's polygon
//! that contains each area's interior point.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;

use geo::{Contains, Coord, LineString, MultiPolygon, Polygon};
use rstar::{primitives::GeomWithData, primitives::Rectangle, RTree, AABB};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{fail_on_problems, json_text, Problem};
use crate::crs::{crs_from_prj, parse_epsg, ToWgs84};
use crate::keys::{clean_key, numeric_key_width, pad_key};
use crate::progress::{check_cancel, Progress};
use crate::store::{log, Atlas};
use crate::table::file_name;
use crate::{Error, Result};

/// What to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeometryImport {
    /// The spatial level; created when new.
    pub level: String,
    /// `.geojson`, `.json`, `.zip` (one shapefile inside) or `.shp`.
    pub file: std::path::PathBuf,
    /// Attribute holding the area key.
    pub key_column: String,
    /// Attribute holding the area name.
    pub name_column: Option<String>,
    /// The next coarser level.
    pub parent_level: Option<String>,
    /// Attribute holding the parent area's key; without it, parents come from point-in-polygon.
    pub parent_key_column: Option<String>,
    /// Overrides the CRS found in the file, e.g. `EPSG:25832`.
    pub crs: Option<String>,
    /// Confirms a new level whose name is close to an existing level's or whose areas all
    /// coincide with an existing level's (`--new-level`).
    pub new_level: bool,
}

/// The stem of a level's name for comparing: lower case, letters and digits only, umlauts
/// plain, one German plural ending off ("Ortsteile" and "Orts-Teil" are the same level).
fn level_stem(name: &str) -> String {
    let plain: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            'ä' => 'a',
            'ö' => 'o',
            'ü' => 'u',
            'ß' => 's',
            other => other,
        })
        .collect();
    for ending in ["en", "er", "e", "n", "s"] {
        if plain.len() > ending.len() + 3 {
            if let Some(stem) = plain.strip_suffix(ending) {
                return stem.to_string();
            }
        }
    }
    plain
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct GeometryImportSummary {
    /// The file name.
    pub file: String,
    /// The level written.
    pub level: String,
    /// Whether the level was created by this import.
    pub level_created: bool,
    /// The source CRS.
    pub crs: String,
    /// How the CRS was determined.
    pub crs_source: String,
    /// Text encoding of the attributes (shapefiles).
    pub encoding: Option<String>,
    /// Features read.
    pub areas_read: usize,
    /// New areas.
    pub areas_created: usize,
    /// Existing areas whose geometry or name was replaced.
    pub areas_updated: usize,
    /// Keys zero-padded to the level's width.
    pub keys_padded: usize,
    /// The parent level, if any.
    pub parent_level: Option<String>,
    /// How parents were found: `key_column` or `point_in_polygon`.
    pub parent_method: Option<String>,
    /// Areas for which no parent area was found (key list).
    pub without_parent: Vec<String>,
    /// Total area in km².
    pub total_area_km2: f64,
    /// Things that were imported but look wrong (areas outside Germany), in German.
    pub warnings: Vec<String>,
    /// Computed indicators recomputed after the import because what they read changed
    /// (`area_km2`, POIs in areas); filled by the caller, in a transaction of its own.
    pub recomputed: Vec<String>,
}

pub(crate) struct SourceFeature {
    number: usize,
    pub(crate) properties: serde_json::Map<String, serde_json::Value>,
    rings: std::result::Result<MultiPolygon<f64>, String>,
}

pub(crate) struct SourceLayer {
    pub(crate) features: Vec<SourceFeature>,
    pub(crate) epsg: u16,
    pub(crate) crs_source: String,
    pub(crate) encoding: Option<String>,
}

/// Imports the areas of one level. All or nothing.
pub fn import_geometry(
    atlas: &mut Atlas,
    opts: &GeometryImport,
    progress: &dyn Progress,
) -> Result<GeometryImportSummary> {
    let file = file_name(&opts.file);
    progress.report(0.0, "Geometrie wird gelesen");
    let layer = read_layer(&opts.file, opts.crs.as_deref())?;
    check_cancel(progress)?;
    check_degrees_in_projected_crs(&layer, &file)?;
    let transform = ToWgs84::new(layer.epsg)?;

    let existing_level = atlas
        .levels()?
        .into_iter()
        .find(|l| l.name.to_lowercase() == opts.level.trim().to_lowercase());
    let parent_level = match (&opts.parent_level, &existing_level) {
        (Some(p), _) => Some(atlas.level(p)?),
        (None, Some(l)) => match l.parent_level_id {
            Some(pid) => atlas.levels()?.into_iter().find(|x| x.id == pid),
            None => None,
        },
        (None, None) => None,
    };
    if let (Some(parent), Some(level)) = (&parent_level, &existing_level) {
        check_no_level_cycle(atlas, level, parent)?;
    }
    if opts.parent_key_column.is_some() && parent_level.is_none() {
        return Err(Error::Invalid("--parent-key-column braucht --parent-level".into()));
    }
    let existing_keys: Vec<String> = match &existing_level {
        Some(l) => atlas.areas(l.id)?.into_iter().map(|a| a.key.to_string()).collect(),
        None => Vec::new(),
    };

    // Keys: a level whose keys are all numeric of one width pads shorter ones.
    let mut problems = Vec::new();
    let raw_keys: Vec<String> = layer
        .features
        .iter()
        .map(|f| clean_key(&json_text(f.properties.get(&opts.key_column))))
        .collect();
    if let Some(first) = layer.features.first() {
        if !first.properties.contains_key(&opts.key_column) {
            let mut names: Vec<&String> = first.properties.keys().collect();
            names.sort();
            return Err(Error::Invalid(format!(
                "{file}: Schlüsselattribut „{}“ (--key-column) nicht gefunden. Vorhanden: {}",
                opts.key_column,
                names.iter().map(|n| format!("„{n}“")).collect::<Vec<_>>().join(", ")
            )));
        }
    } else {
        return Err(Error::Invalid(format!("{file}: die Datei enthält keine Flächen")));
    }
    // A new level that is an existing one under another spelling, or that holds exactly the
    // areas of an existing level, is almost always a typo: it needs confirmation.
    if existing_level.is_none() && !opts.new_level {
        let stem = level_stem(&opts.level);
        let new_keys: std::collections::BTreeSet<&str> = raw_keys.iter().map(String::as_str).collect();
        for level in atlas.levels()? {
            let reason = if level_stem(&level.name) == stem {
                Some("der Name unterscheidet sich nur in Schreibweise oder Mehrzahl".to_string())
            } else {
                let keys: std::collections::BTreeSet<String> =
                    atlas.areas(level.id)?.iter().map(|a| a.key.to_string()).collect();
                let width = numeric_key_width(keys.iter().map(String::as_str));
                let same = !keys.is_empty()
                    && keys.len() == new_keys.len()
                    && new_keys.iter().all(|k| keys.contains(&pad_key(k, width).0));
                same.then(|| format!("alle {} Flächen haben dieselben Schlüssel", keys.len()))
            };
            if let Some(reason) = reason {
                return Err(Error::Invalid(format!(
                    "{file}: die Ebene „{}“ gibt es noch nicht, aber „{}“ ({reason}). \
                     In die bestehende Ebene mit --level „{}“ importieren, oder mit --new-level bestätigen, \
                     dass eine zweite Ebene entstehen soll.",
                    opts.level.trim(),
                    level.name,
                    level.name
                )));
            }
        }
    }
    let width = numeric_key_width(
        existing_keys
            .iter()
            .map(String::as_str)
            .chain(raw_keys.iter().map(String::as_str).filter(|k| !k.is_empty())),
    )
    .or_else(|| {
        let max = raw_keys.iter().map(String::len).max()?;
        numeric_key_width(raw_keys.iter().map(String::as_str).filter(|k| !k.is_empty())).or(
            if raw_keys
                .iter()
                .all(|k| !k.is_empty() && k.chars().all(|c| c.is_ascii_digit()))
            {
                Some(max)
            } else {
                None
            },
        )
    });
    let mut keys_padded = 0;
    let mut seen: HashMap<String, usize> = HashMap::new();
    struct Prepared {
        key: String,
        name: String,
        parent_key: Option<String>,
        geometry: MultiPolygon<f64>,
        area_m2: f64,
    }
    let mut outside_germany = Vec::new();
    let mut prepared = Vec::with_capacity(layer.features.len());
    let total = layer.features.len().max(1);
    for (i, (feature, raw_key)) in layer.features.into_iter().zip(raw_keys).enumerate() {
        if i % 500 == 0 {
            progress.report(0.1 + 0.5 * i as f32 / total as f32, "Koordinaten werden umgerechnet");
            check_cancel(progress)?;
        }
        let row = feature.number;
        if raw_key.is_empty() {
            problems.push(Problem::at(row, &opts.key_column, "", "leerer Schlüssel"));
            continue;
        }
        let (key, padded) = pad_key(&raw_key, width);
        keys_padded += usize::from(padded);
        if let Some(first) = seen.insert(key.clone(), row) {
            problems.push(Problem::at(
                row,
                &opts.key_column,
                &key,
                format!("Schlüssel doppelt (schon in Fläche {first})"),
            ));
            continue;
        }
        let name = match &opts.name_column {
            Some(c) => {
                if !feature.properties.contains_key(c) {
                    problems.push(Problem::at(row, c, "", "Namensattribut fehlt"));
                }
                json_text(feature.properties.get(c)).trim().to_string()
            }
            None => String::new(),
        };
        let parent_key = opts
            .parent_key_column
            .as_ref()
            .map(|c| clean_key(&json_text(feature.properties.get(c))));
        let source_geometry = match feature.rings {
            Ok(g) => g,
            Err(reason) => {
                problems.push(Problem::at(row, &opts.key_column, &key, reason));
                continue;
            }
        };
        let geometry = match transform_multipolygon(&source_geometry, &transform) {
            Ok(g) => crate::geometry::oriented(&g),
            Err(e) => {
                problems.push(Problem::at(row, &opts.key_column, &key, e.to_string()));
                continue;
            }
        };
        if let Some(reason) = crate::geometry::geometry_problem(&geometry) {
            problems.push(Problem::at(row, &opts.key_column, &key, reason));
            continue;
        }
        let bbox = crate::geometry::bbox(&geometry).unwrap_or_default();
        let area_m2 = crate::geometry::area_m2(&geometry);
        if let Some(reason) = implausible_extent(bbox, area_m2) {
            problems.push(Problem::at(row, &opts.key_column, &key, reason));
            continue;
        }
        let g = crate::crs::GERMANY_EXTENT;
        if bbox[2] < g[0] || bbox[0] > g[2] || bbox[3] < g[1] || bbox[1] > g[3] {
            outside_germany.push(format!(
                "{key} bei {}° O, {}° N",
                crate::numbers::format_german((bbox[0] + bbox[2]) / 2.0, 2),
                crate::numbers::format_german((bbox[1] + bbox[3]) / 2.0, 2)
            ));
        }
        prepared.push(Prepared {
            key,
            name,
            parent_key,
            geometry,
            area_m2,
        });
    }
    fail_on_problems(&file, problems)?;
    check_cancel(progress)?;

    // Parents.
    progress.report(0.65, "Übergeordnete Gebiete werden zugeordnet");
    let mut parent_ids: Vec<Option<i64>> = vec![None; prepared.len()];
    let mut without_parent = Vec::new();
    let mut parent_method = None;
    if let Some(parent) = &parent_level {
        if opts.parent_key_column.is_some() {
            parent_method = Some("key_column".to_string());
            let parents = atlas.areas(parent.id)?;
            let pwidth = numeric_key_width(parents.iter().map(|a| a.key.as_ref()));
            let by_key: HashMap<&str, i64> = parents.iter().map(|a| (a.key.as_ref(), a.id)).collect();
            let mut problems = Vec::new();
            for (i, p) in prepared.iter().enumerate() {
                let pk = pad_key(p.parent_key.as_deref().unwrap_or(""), pwidth).0;
                match by_key.get(pk.as_str()) {
                    Some(id) => parent_ids[i] = Some(*id),
                    None => problems.push(Problem::at(
                        i + 1,
                        opts.parent_key_column.clone().unwrap_or_default(),
                        pk,
                        format!("kein Gebiet mit diesem Schlüssel auf der Ebene „{}“", parent.name),
                    )),
                }
            }
            fail_on_problems(&file, problems)?;
        } else {
            parent_method = Some("point_in_polygon".to_string());
            let parents = atlas.area_geometries(parent.id)?;
            if parents.is_empty() {
                return Err(Error::Invalid(format!(
                    "Die übergeordnete Ebene „{}“ hat keine Geometrie; Zuordnung nur über --parent-key-column möglich",
                    parent.name
                )));
            }
            let tree = RTree::bulk_load(
                parents
                    .iter()
                    .enumerate()
                    .filter_map(|(i, (_, g))| {
                        crate::geometry::bbox(g)
                            .map(|b| GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), i))
                    })
                    .collect(),
            );
            for (i, p) in prepared.iter().enumerate() {
                let Some(point) = crate::geometry::interior_point(&p.geometry) else {
                    without_parent.push(p.key.clone());
                    continue;
                };
                let envelope = AABB::from_point([point.x(), point.y()]);
                let found = tree
                    .locate_in_envelope_intersecting(&envelope)
                    .map(|c| c.data)
                    .find(|&idx| parents[idx].1.contains(&point));
                match found {
                    Some(idx) => parent_ids[i] = Some(parents[idx].0.id),
                    None => without_parent.push(p.key.clone()),
                }
            }
        }
    }
    check_cancel(progress)?;

    // Write.
    progress.report(0.8, "Flächen werden gespeichert");
    let level_name = existing_level
        .as_ref()
        .map(|l| l.name.clone())
        .unwrap_or_else(|| opts.level.trim().to_string());
    if level_name.is_empty() {
        return Err(Error::Invalid(
            "Der Name der Ebene darf nicht leer sein (--level)".into(),
        ));
    }
    let mut total_area = 0.0;
    let (mut created, mut updated) = (0, 0);
    let tx = atlas.write()?;
    let level_id = match &existing_level {
        Some(l) => {
            if let Some(p) = &parent_level {
                tx.execute(
                    "UPDATE spatial_level SET parent_level_id = ?1 WHERE id = ?2",
                    params![p.id, l.id],
                )?;
            }
            l.id
        }
        None => crate::store::insert_level(&tx, &level_name, parent_level.as_ref().map(|p| p.id))?,
    };
    {
        let mut find = tx.prepare("SELECT id FROM area WHERE level_id = ?1 AND key = ?2")?;
        let mut insert = tx.prepare(
            "INSERT INTO area(level_id, key, name, parent_area_id, geometry, area_m2, min_lon, min_lat, max_lon, max_lat)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        let mut update = tx.prepare(
            "UPDATE area SET name = CASE WHEN ?2 = '' THEN name ELSE ?2 END, parent_area_id = COALESCE(?3, parent_area_id),
             geometry = ?4, area_m2 = ?5, min_lon = ?6, min_lat = ?7, max_lon = ?8, max_lat = ?9 WHERE id = ?1",
        )?;
        for (p, parent_id) in prepared.iter().zip(&parent_ids) {
            let wkb = crate::geometry::to_wkb(&p.geometry)?;
            let area = p.area_m2;
            total_area += area;
            let b = crate::geometry::bbox(&p.geometry).unwrap_or([0.0; 4]);
            match find
                .query_row(params![level_id, p.key], |r| r.get::<_, i64>(0))
                .optional()?
            {
                Some(id) => {
                    update.execute(params![id, p.name, parent_id, wkb, area, b[0], b[1], b[2], b[3]])?;
                    updated += 1;
                }
                None => {
                    insert.execute(params![
                        level_id, p.key, p.name, parent_id, wkb, area, b[0], b[1], b[2], b[3]
                    ])?;
                    created += 1;
                }
            }
        }
    }
    log(
        &tx,
        "import_geometry",
        &format!(
            "{file}: {created} neue, {updated} ersetzte Flächen auf Ebene „{level_name}“ (EPSG:{})",
            layer.epsg
        ),
    )?;
    check_cancel(progress)?;
    tx.commit()?;
    progress.report(1.0, "Fertig");
    Ok(GeometryImportSummary {
        file,
        level: level_name,
        level_created: existing_level.is_none(),
        crs: format!("EPSG:{}", layer.epsg),
        crs_source: layer.crs_source,
        encoding: layer.encoding,
        areas_read: prepared.len(),
        areas_created: created,
        areas_updated: updated,
        keys_padded,
        parent_level: parent_level.map(|p| p.name),
        parent_method,
        without_parent,
        total_area_km2: total_area / 1e6,
        warnings: outside_germany_warning(&outside_germany, prepared.len())
            .into_iter()
            .collect(),
        recomputed: Vec::new(),
    })
}

/// A level cannot lie below itself: `level` under `parent` must not close a loop of parent
/// levels (Bezirk → Planungsraum after Planungsraum → Bezirk would send aggregation and
/// suppression round in circles).
fn check_no_level_cycle(atlas: &Atlas, level: &crate::model::Level, parent: &crate::model::Level) -> Result<()> {
    let levels = atlas.levels()?;
    let mut chain = vec![parent.name.clone()];
    let mut at = Some(parent.clone());
    while let Some(l) = at {
        if l.id == level.id {
            return Err(Error::Invalid(if chain.len() == 1 {
                format!(
                    "Die Ebene „{}“ kann nicht ihre eigene übergeordnete Ebene sein (--parent-level)",
                    level.name
                )
            } else {
                format!(
                    "„{}“ unter „{}“ ergäbe einen Kreis von Ebenen ({} → {}); --parent-level prüfen",
                    level.name,
                    parent.name,
                    level.name,
                    chain.join(" → ")
                )
            }));
        }
        at = l
            .parent_level_id
            .and_then(|p| levels.iter().find(|x| x.id == p).cloned());
        if let Some(next) = &at {
            chain.push(next.name.clone());
        }
        if chain.len() > levels.len() + 1 {
            break;
        }
    }
    Ok(())
}

/// The warning for areas outside Germany, naming up to three.
fn outside_germany_warning(outside: &[String], total: usize) -> Option<String> {
    (!outside.is_empty()).then(|| {
        format!(
            "{} von {total} Flächen liegen außerhalb Deutschlands ({}{}): stimmt das Bezugssystem?",
            outside.len(),
            outside.iter().take(3).cloned().collect::<Vec<_>>().join(", "),
            if outside.len() > 3 { ", …" } else { "" }
        )
    })
}

/// Why an area's extent cannot be an area of a municipality: spanning more than half the
/// longitudes (across the antimeridian, or the whole world, where the area on the sphere
/// comes out as 510 million or 0 km²), no area at all, or more than the area of Germany
/// (357.000 km²).
fn implausible_extent(bbox: [f64; 4], area_m2: f64) -> Option<String> {
    let span = bbox[2] - bbox[0];
    if span > 180.0 {
        return Some(format!(
            "die Fläche reicht über {}° Länge (über die Datumsgrenze oder um die ganze Erde): keine Fläche einer Gemeinde, falsches Bezugssystem?",
            crate::numbers::format_german(span, 0)
        ));
    }
    if area_m2.is_nan() || area_m2 <= 0.0 {
        return Some("die Fläche ist 0 km² groß (alle Punkte auf einer Linie?)".into());
    }
    if area_m2 > 4.0e11 {
        return Some(format!(
            "die Fläche ist {} km² groß, mehr als Deutschland: falsches Bezugssystem?",
            crate::numbers::format_german(area_m2 / 1e6, 0)
        ));
    }
    None
}

/// Coordinates that are all within ±180/±90 in a projected coordinate system (metres) are
/// degrees under a wrong `.prj` or `--crs` (read as metres they land near the equator).
fn check_degrees_in_projected_crs(layer: &SourceLayer, file: &str) -> Result<()> {
    use geo::CoordsIter;
    if crate::crs::is_geographic(layer.epsg) {
        return Ok(());
    }
    let mut coords = layer
        .features
        .iter()
        .filter_map(|f| f.rings.as_ref().ok())
        .flat_map(|g| g.coords_iter());
    let Some(first) = coords.next() else {
        return Ok(());
    };
    if crate::crs::looks_like_lon_lat(first.x, first.y) && coords.all(|c| crate::crs::looks_like_lon_lat(c.x, c.y)) {
        return Err(Error::Invalid(format!(
            "{file}: die Koordinaten (z. B. {}, {}) sehen nach Längen- und Breitengraden aus, das Bezugssystem \
             ist aber EPSG:{} ({}, in Metern). Stimmt die .prj-Datei? Sonst mit --crs EPSG:4326 importieren.",
            first.x, first.y, layer.epsg, layer.crs_source
        )));
    }
    Ok(())
}

/// The polygons of a file (GeoJSON or shapefile) in WGS84, without attributes: for masks such
/// as residential land use. Every unreadable feature is reported.
pub fn read_polygons(path: &Path, crs: Option<&str>) -> Result<Vec<MultiPolygon<f64>>> {
    let file = file_name(path);
    let layer = read_layer(path, crs)?;
    let transform = ToWgs84::new(layer.epsg)?;
    let mut problems = Vec::new();
    let mut polygons = Vec::new();
    for f in layer.features {
        match f.rings {
            Ok(g) => polygons.push(transform_multipolygon(&g, &transform)?),
            Err(reason) => problems.push(crate::import::Problem::row(f.number, reason)),
        }
    }
    crate::import::fail_on_problems(&file, problems)?;
    if polygons.is_empty() {
        return Err(Error::Invalid(format!("{file}: keine Flächen gefunden")));
    }
    Ok(polygons)
}

/// Transforms to WGS84. A coordinate that is not a finite number (NaN or infinite, from a
/// damaged file) is an error before any geometry algorithm sees it: geo's orientation and
/// validity checks panic on NaN.
fn transform_multipolygon(g: &MultiPolygon<f64>, t: &ToWgs84) -> Result<MultiPolygon<f64>> {
    use geo::CoordsIter;
    if let Some(c) = g.coords_iter().find(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err(Error::Invalid(format!(
            "Koordinate ({}, {}) ist keine endliche Zahl (Datei beschädigt?)",
            crate::geometry::short_number(c.x),
            crate::geometry::short_number(c.y)
        )));
    }
    if t.epsg() == 4326 {
        return Ok(g.clone());
    }
    let ring = |ls: &LineString<f64>| -> Result<LineString<f64>> {
        ls.0.iter()
            .map(|c| {
                t.lon_lat(c.x, c.y).and_then(|(x, y)| {
                    if x.is_finite() && y.is_finite() {
                        Ok(Coord { x, y })
                    } else {
                        Err(Error::Invalid(format!(
                            "Koordinate ({}, {}) lässt sich aus EPSG:{} nicht umrechnen",
                            crate::geometry::short_number(c.x),
                            crate::geometry::short_number(c.y),
                            t.epsg()
                        )))
                    }
                })
            })
            .collect::<Result<Vec<_>>>()
            .map(LineString)
    };
    g.0.iter()
        .map(|p| {
            Ok(Polygon::new(
                ring(p.exterior())?,
                p.interiors().iter().map(ring).collect::<Result<Vec<_>>>()?,
            ))
        })
        .collect::<Result<Vec<_>>>()
        .map(MultiPolygon)
}

/// The largest GeoJSON read (it is parsed in memory, which takes several times its size):
/// 1 GiB, far beyond a city's finest level.
pub const MAX_GEOJSON_BYTES: u64 = 1 << 30;

/// Reads the features of a geometry file in their source CRS.
pub(crate) fn read_layer(path: &Path, crs_override: Option<&str>) -> Result<SourceLayer> {
    let file = file_name(path);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let override_epsg = crs_override.map(|c| parse_epsg(c, "--crs")).transpose()?;
    match ext.as_str() {
        "geojson" | "json" => {
            let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
            if size > MAX_GEOJSON_BYTES {
                return Err(Error::Invalid(format!(
                    "{file}: die Datei ist {} MiB groß; gelesen wird GeoJSON bis {} MiB (größere Ebenen als \
                     Shapefile liefern oder aufteilen)",
                    size >> 20,
                    MAX_GEOJSON_BYTES >> 20
                )));
            }
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let (features, epsg, crs_source) = read_geojson_polygons(&text, &file)?;
            let (epsg, crs_source) = match override_epsg {
                Some(e) => (e, "--crs".to_string()),
                None => (epsg, crs_source),
            };
            Ok(SourceLayer {
                features,
                epsg,
                crs_source,
                encoding: None,
            })
        }
        "zip" => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let parts = shapefile_parts_from_zip(Cursor::new(bytes), &file, true)?;
            read_shapefile(parts, &file, override_epsg)
        }
        "shp" => read_shapefile(shapefile_parts_beside(path, &file, true)?, &file, override_epsg),
        _ => Err(Error::Invalid(format!(
            "{file}: unbekanntes Geometrieformat „.{ext}“ (erwartet .geojson, .json, .zip mit Shapefile oder .shp)"
        ))),
    }
}

/// The CRS named in a GeoJSON's (2008-style) `crs` member; RFC 7946 files have none and are WGS84.
fn geojson_crs(members: Option<&serde_json::Map<String, serde_json::Value>>, file: &str) -> Result<(u16, String)> {
    let name = members
        .and_then(|m| m.get("crs"))
        .and_then(|c| c.get("properties"))
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str());
    geojson_crs_named(name, file)
}

/// The CRS of a GeoJSON whose `crs` member names `name` (none: WGS84), and how it was found.
pub(crate) fn geojson_crs_named(name: Option<&str>, file: &str) -> Result<(u16, String)> {
    match name {
        Some(n) => Ok((parse_epsg(n, file)?, format!("GeoJSON-crs „{n}“"))),
        None => Ok((4326, "GeoJSON ohne crs-Angabe (RFC 7946: WGS84)".to_string())),
    }
}

/// Parses a GeoJSON FeatureCollection; returns features, EPSG code and how it was found.
pub(crate) fn read_geojson(text: &str, file: &str) -> Result<(geojson::FeatureCollection, u16, String)> {
    let gj: geojson::GeoJson = text.parse().map_err(|e| {
        Error::Invalid(format!(
            "{file}: kein gültiges GeoJSON: {}",
            super::reasons::geojson_reason(&e)
        ))
    })?;
    let fc = match gj {
        geojson::GeoJson::FeatureCollection(fc) => fc,
        geojson::GeoJson::Feature(f) => geojson::FeatureCollection::new([f]),
        geojson::GeoJson::Geometry(_) => {
            return Err(Error::Invalid(format!(
                "{file}: eine FeatureCollection mit Attributen wird erwartet, keine einzelne Geometrie"
            )))
        }
    };
    let (epsg, source) = geojson_crs(fc.foreign_members.as_ref(), file)?;
    Ok((fc, epsg, source))
}

fn read_geojson_polygons(text: &str, file: &str) -> Result<(Vec<SourceFeature>, u16, String)> {
    let (fc, epsg, source) = read_geojson(text, file)?;
    let features = fc
        .features
        .into_iter()
        .enumerate()
        .map(|(i, f)| SourceFeature {
            number: i + 1,
            properties: f.properties.unwrap_or_default(),
            rings: match f.geometry {
                None => Err("leere Geometrie".to_string()),
                Some(g) => geojson_to_multipolygon(&g.value),
            },
        })
        .collect();
    Ok((features, epsg, source))
}

fn positions_to_ring(ring: &[geojson::Position]) -> LineString<f64> {
    LineString(ring.iter().map(|p| Coord { x: p[0], y: p[1] }).collect())
}

fn geojson_to_multipolygon(value: &geojson::GeometryValue) -> std::result::Result<MultiPolygon<f64>, String> {
    let polygon = |rings: &Vec<Vec<geojson::Position>>| -> std::result::Result<Polygon<f64>, String> {
        if rings.iter().flatten().any(|p| p.as_slice().len() < 2) {
            return Err("Koordinate mit weniger als zwei Werten".into());
        }
        let mut it = rings.iter();
        let exterior = it
            .next()
            .map(|r| positions_to_ring(r))
            .unwrap_or_else(|| LineString(vec![]));
        Ok(Polygon::new(exterior, it.map(|r| positions_to_ring(r)).collect()))
    };
    match value {
        geojson::GeometryValue::Polygon { coordinates } => Ok(MultiPolygon(vec![polygon(coordinates)?])),
        geojson::GeometryValue::MultiPolygon { coordinates } => Ok(MultiPolygon(
            coordinates
                .iter()
                .map(polygon)
                .collect::<std::result::Result<Vec<_>, _>>()?,
        )),
        other => Err(format!(
            "Geometrietyp {} statt (Multi-)Polygon; Punkte als POIs importieren",
            geojson_type_name(other)
        )),
    }
}

fn geojson_type_name(v: &geojson::GeometryValue) -> &'static str {
    match v {
        geojson::GeometryValue::Point { .. } => "Point",
        geojson::GeometryValue::MultiPoint { .. } => "MultiPoint",
        geojson::GeometryValue::LineString { .. } => "LineString",
        geojson::GeometryValue::MultiLineString { .. } => "MultiLineString",
        geojson::GeometryValue::Polygon { .. } => "Polygon",
        geojson::GeometryValue::MultiPolygon { .. } => "MultiPolygon",
        geojson::GeometryValue::GeometryCollection { .. } => "GeometryCollection",
    }
}

/// The files of one shapefile, read into memory.
pub(crate) struct ShapefileParts {
    pub shp: Vec<u8>,
    pub shx: Option<Vec<u8>>,
    pub dbf: Option<Vec<u8>>,
    pub prj: Option<String>,
    pub cpg: Option<String>,
}

/// A `.shp` and the files beside it of the same name (extension in either case). Without
/// `shapes` only the attribute table and the files that describe it are read (for a preview).
fn shapefile_parts_beside(path: &Path, file: &str, shapes: bool) -> Result<ShapefileParts> {
    let read = |part: &Path| -> Result<Vec<u8>> {
        let f = std::fs::File::open(part).map_err(|e| Error::io(part, e))?;
        read_limited(f, &file_name(part), file)
    };
    let sibling = |e: &str| -> Result<Option<Vec<u8>>> {
        match [e.to_string(), e.to_uppercase()]
            .iter()
            .map(|x| path.with_extension(x))
            .find(|p| p.is_file())
        {
            Some(p) => read(&p).map(Some),
            None => Ok(None),
        }
    };
    let (shp, shx) = if shapes {
        (read(path)?, sibling("shx")?)
    } else if path.is_file() {
        (Vec::new(), None)
    } else {
        return Err(Error::Invalid(format!("{file}: Datei nicht gefunden")));
    };
    Ok(ShapefileParts {
        shp,
        shx,
        dbf: sibling("dbf")?,
        prj: sibling("prj")?.map(|b| crate::table::decode_text(&b).0),
        cpg: sibling("cpg")?.map(|b| crate::table::decode_text(&b).0),
    })
}

/// The largest part of a shapefile read, by extension: geometry and attribute tables up to
/// 512 MiB (a city's building footprints are far less), the small text files up to 64 KiB.
/// A ZIP entry that unpacks to 1.2 GB would otherwise be read whole into memory.
pub fn shapefile_part_limit(name: &str) -> u64 {
    match name.rsplit('.').next().map(str::to_lowercase).as_deref() {
        Some("prj" | "cpg") => 64 << 10,
        _ => 512 << 20,
    }
}

/// Reads a shapefile part (`name`, from a file or a ZIP entry) up to its limit
/// ([`shapefile_part_limit`]); beyond it, refuses with the limit stated. Counts what actually
/// comes out: the sizes in a ZIP directory may lie.
fn read_limited(reader: impl std::io::Read, name: &str, file: &str) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let limit = shapefile_part_limit(name);
    let mut buf = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Error::Invalid(format!("{file}: {name} nicht lesbar ({})", crate::error::io_reason(&e))))?;
    if buf.len() as u64 > limit {
        return Err(Error::Invalid(format!(
            "{file}: {name} ist größer als {}; so große Teile eines Shapefiles werden nicht gelesen",
            if limit >= 1 << 20 {
                format!("{} MiB", limit >> 20)
            } else {
                format!("{} KiB", limit >> 10)
            }
        )));
    }
    Ok(buf)
}

/// Finds the one shapefile in a zip (cadastre offices deliver one zip per level). Without
/// `shapes` only the attribute table and the files beside it are unpacked (for a preview).
pub(crate) fn shapefile_parts_from_zip(
    zip: impl std::io::Read + std::io::Seek,
    file: &str,
    shapes: bool,
) -> Result<ShapefileParts> {
    let mut archive = zip::ZipArchive::new(zip).map_err(|e| {
        Error::Invalid(format!(
            "{file}: keine lesbare ZIP-Datei ({})",
            super::reasons::zip_reason(&e)
        ))
    })?;
    let names: Vec<String> = archive
        .file_names()
        .map(|n| n.map(|c| c.into_owned()))
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| {
            Error::Invalid(format!(
                "{file}: ZIP-Verzeichnis beschädigt ({})",
                super::reasons::zip_reason(&e)
            ))
        })?;
    let shps: Vec<&String> = names
        .iter()
        .filter(|n| n.to_lowercase().ends_with(".shp") && !n.contains("__MACOSX"))
        .collect();
    let shp_name = match shps.as_slice() {
        [one] => (*one).clone(),
        [] => {
            return Err(Error::Invalid(format!(
                "{file}: im ZIP ist keine .shp-Datei (enthalten: {})",
                names.join(", ")
            )))
        }
        many => {
            return Err(Error::Invalid(format!(
                "{file}: im ZIP sind {} Shapefiles ({}); bitte eine ZIP-Datei je Ebene",
                many.len(),
                many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            )))
        }
    };
    let stem = &shp_name[..shp_name.len() - 4];
    let mut read = |ext: &str| -> Result<Option<Vec<u8>>> {
        let Some(name) = names
            .iter()
            .find(|n| n.len() == stem.len() + 4 && n.starts_with(stem) && n.to_lowercase().ends_with(ext))
            .cloned()
        else {
            return Ok(None);
        };
        let entry = archive.by_name(&name).map_err(|e| {
            Error::Invalid(format!(
                "{file}: {name} nicht lesbar ({})",
                super::reasons::zip_reason(&e)
            ))
        })?;
        read_limited(entry, &name, file).map(Some)
    };
    let (shp, shx) = if shapes {
        (read(".shp")?.unwrap_or_default(), read(".shx")?)
    } else {
        (Vec::new(), None)
    };
    let dbf = read(".dbf")?;
    let prj = read(".prj")?.map(|b| crate::table::decode_text(&b).0);
    let cpg = read(".cpg")?.map(|b| crate::table::decode_text(&b).0);
    Ok(ShapefileParts {
        shp,
        shx,
        dbf,
        prj,
        cpg,
    })
}

/// The encoding of a shapefile's `.dbf`: the `.cpg` if present, else UTF-8 when the bytes
/// are valid UTF-8, else Windows-1252 (what German offices' software writes).
fn dbf_encoding(cpg: Option<&str>, dbf: &[u8], file: &str) -> Result<&'static encoding_rs::Encoding> {
    if let Some(cpg) = cpg {
        let label = cpg.trim().to_lowercase().replace(' ', "");
        let enc = match label.as_str() {
            "utf-8" | "utf8" | "65001" => Some(encoding_rs::UTF_8),
            "1252" | "ansi1252" | "cp1252" | "windows-1252" | "ansi" => Some(encoding_rs::WINDOWS_1252),
            "iso-8859-1" | "iso8859-1" | "88591" | "8859_1" | "latin1" | "iso88591" => Some(encoding_rs::WINDOWS_1252),
            "iso-8859-15" | "885915" | "8859_15" | "iso885915" => Some(encoding_rs::ISO_8859_15),
            other => encoding_rs::Encoding::for_label(other.as_bytes()),
        };
        return enc.ok_or_else(|| {
            Error::Invalid(format!(
                "{file}: Zeichensatz „{}“ aus der .cpg-Datei unbekannt",
                cpg.trim()
            ))
        });
    }
    let header_len = dbf
        .get(8..10)
        .map(|b| u16::from_le_bytes([b[0], b[1]]) as usize)
        .unwrap_or(0);
    let body = dbf.get(header_len..).unwrap_or(&[]);
    Ok(if std::str::from_utf8(body).is_ok() {
        encoding_rs::UTF_8
    } else {
        encoding_rs::WINDOWS_1252
    })
}

/// The attribute table of a shapefile, which holds the keys: refused when missing.
fn required_dbf(dbf: Option<Vec<u8>>, file: &str) -> Result<Vec<u8>> {
    dbf.ok_or_else(|| {
        Error::Invalid(format!(
            "{file}: die .dbf-Datei (Attributtabelle) fehlt; ohne sie gibt es keine Schlüssel"
        ))
    })
}

/// The attribute table read in its encoding; a damaged header is refused in German (the
/// reader's own text is English).
fn dbf_reader(
    dbf: Vec<u8>,
    encoding: &'static encoding_rs::Encoding,
    file: &str,
) -> Result<dbase::Reader<Cursor<Vec<u8>>>> {
    dbase::ReaderBuilder::new()
        .with_encoding(dbase::encoding::EncodingRs::from(encoding))
        .build(Cursor::new(dbf))
        .map_err(|_| Error::Invalid(format!("{file}: die Attributtabelle (.dbf) ist beschädigt")))
}

fn read_shapefile(parts: ShapefileParts, file: &str, override_epsg: Option<u16>) -> Result<SourceLayer> {
    let dbf = required_dbf(parts.dbf, file)?;
    let (epsg, crs_source) = match (override_epsg, &parts.prj) {
        (Some(e), _) => (e, "--crs".to_string()),
        (None, Some(prj)) => (crs_from_prj(prj, &format!("{file} (.prj)"))?, ".prj-Datei".to_string()),
        (None, None) => {
            return Err(Error::Invalid(format!(
                "{file}: die .prj-Datei fehlt; das Bezugssystem mit --crs EPSG:nnnn angeben"
            )))
        }
    };
    let encoding = dbf_encoding(parts.cpg.as_deref(), &dbf, file)?;
    let bad = |e: &shapefile::Error| Error::Invalid(format!("{file}: Shapefile beschädigt ({})", shapefile_reason(e)));
    let shape_reader = match parts.shx {
        Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(shx)).map_err(|e| bad(&e))?,
        None => shapefile::ShapeReader::new(Cursor::new(parts.shp)).map_err(|e| bad(&e))?,
    };
    let dbase_reader = dbf_reader(dbf, encoding, file)?;
    let records = dbase_reader.header().num_records as usize;
    let mut reader = shapefile::Reader::new(shape_reader, dbase_reader);
    let mut features = Vec::new();
    for (i, item) in reader.iter_shapes_and_records().enumerate() {
        let (shape, record) = item.map_err(|e| {
            Error::Invalid(format!(
                "{file}: Fläche {} nicht lesbar ({})",
                i + 1,
                shapefile_reason(&e)
            ))
        })?;
        let properties = record.into_iter().map(|(k, v)| (k, dbase_value_to_json(v))).collect();
        features.push(SourceFeature {
            number: i + 1,
            properties,
            rings: shape_to_multipolygon(shape),
        });
    }
    // A damaged record length makes the shape reader stop early without an error.
    if features.len() != records {
        return Err(Error::Invalid(format!(
            "{file}: die Geometrie (.shp) enthält {} Flächen, die Attributtabelle (.dbf) {records} Datensätze; \
             die .shp ist beschädigt oder gehört nicht zur .dbf",
            features.len()
        )));
    }
    Ok(SourceLayer {
        features,
        epsg,
        crs_source,
        encoding: Some(encoding.name().to_string()),
    })
}

/// The attribute table of a shapefile (`.shp` beside its `.dbf`, or a zip) without its
/// shapes: the field names in file order, the first `rows` records, how many there are (from
/// the table's header), the coordinate system and the encoding. For the import preview,
/// which must not read a large file whole.
pub(crate) fn read_shapefile_attributes(path: &Path, rows: usize) -> Result<AttributeTable> {
    let file = file_name(path);
    let parts = if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("zip")) {
        let zip = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        shapefile_parts_from_zip(std::io::BufReader::new(zip), &file, false)?
    } else {
        shapefile_parts_beside(path, &file, false)?
    };
    let dbf = required_dbf(parts.dbf, &file)?;
    let crs = match &parts.prj {
        Some(prj) => Some((crs_from_prj(prj, &format!("{file} (.prj)"))?, ".prj-Datei".to_string())),
        None => None,
    };
    let encoding = dbf_encoding(parts.cpg.as_deref(), &dbf, &file)?;
    let mut reader = dbf_reader(dbf, encoding, &file)?;
    let headers: Vec<String> = reader.fields().iter().map(|f| f.name().to_string()).collect();
    let total = reader.header().num_records as usize;
    let mut shown = Vec::new();
    for record in reader.iter_records().take(rows) {
        let record = record.map_err(|_| {
            Error::Invalid(format!(
                "{file}: die Attributtabelle (.dbf) ist beschädigt (Satz {} nicht lesbar)",
                shown.len() + 1
            ))
        })?;
        shown.push(
            headers
                .iter()
                .map(|h| {
                    record
                        .get(h)
                        .cloned()
                        .map_or(serde_json::Value::Null, dbase_value_to_json)
                })
                .collect(),
        );
    }
    Ok(AttributeTable {
        headers,
        rows: shown,
        total,
        crs,
        encoding: encoding.name().to_string(),
    })
}

/// What [`read_shapefile_attributes`] found.
pub(crate) struct AttributeTable {
    pub(crate) headers: Vec<String>,
    pub(crate) rows: Vec<Vec<serde_json::Value>>,
    pub(crate) total: usize,
    /// EPSG code and where it came from; `None` without a `.prj`.
    pub(crate) crs: Option<(u16, String)>,
    pub(crate) encoding: String,
}

/// What went wrong in a shapefile, in German (the reader's own texts are English).
pub(crate) fn shapefile_reason(e: &shapefile::Error) -> String {
    use shapefile::Error as E;
    #[allow(unreachable_patterns)]
    match e {
        E::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof => {
            "die Datei endet vorzeitig, sie ist wohl abgeschnitten".to_string()
        }
        E::IoError(_) => "Lesefehler".to_string(),
        E::InvalidFileCode(code) => format!("keine Shapefile-Kennung (Dateicode {code} statt 9994)"),
        E::InvalidShapeType(t) => format!("unbekannter Geometrietyp {t}"),
        E::InvalidPatchType(t) => format!("unbekannter Flächentyp {t}"),
        E::MismatchShapeType { requested, actual } => format!("Geometrietyp {actual} statt {requested}"),
        E::InvalidShapeRecordSize => "ungültige Satzlänge".to_string(),
        E::AllocationLimitExceeded { requested_bytes } => {
            format!("die Datei verlangt {requested_bytes} Bytes Speicher für eine Fläche; das ist unglaubwürdig")
        }
        E::DbaseError(_) => "die Attributtabelle (.dbf) ist beschädigt".to_string(),
        E::MissingDbf => "die .dbf-Datei fehlt".to_string(),
        E::MissingIndexFile => "die .shx-Datei fehlt".to_string(),
        _ => "unlesbarer Inhalt".to_string(),
    }
}

fn dbase_value_to_json(v: dbase::FieldValue) -> serde_json::Value {
    use dbase::FieldValue as F;
    use serde_json::Value as J;
    let num = |f: f64| serde_json::Number::from_f64(f).map(J::Number).unwrap_or(J::Null);
    match v {
        F::Character(Some(s)) | F::Memo(s) => J::String(s.trim().to_string()),
        F::Numeric(Some(f)) | F::Double(f) | F::Currency(f) => num(f),
        F::Float(Some(f)) => num(f64::from(f)),
        F::Integer(i) => J::from(i),
        F::Logical(Some(b)) => J::Bool(b),
        F::Date(Some(d)) => J::String(format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())),
        _ => J::Null,
    }
}

fn rings_to_multipolygon(rings: Vec<(bool, LineString<f64>)>) -> std::result::Result<MultiPolygon<f64>, String> {
    let mut polygons: Vec<(LineString<f64>, Vec<LineString<f64>>)> = Vec::new();
    let mut holes = Vec::new();
    for (outer, ring) in rings {
        if outer {
            polygons.push((ring, Vec::new()));
        } else {
            holes.push(ring);
        }
    }
    for hole in holes {
        let Some(first) = hole.0.first().copied() else { continue };
        let owner = polygons
            .iter()
            .position(|(ext, _)| Polygon::new(ext.clone(), vec![]).contains(&geo::Point::from(first)))
            .or(if polygons.is_empty() {
                None
            } else {
                Some(polygons.len() - 1)
            });
        match owner {
            Some(i) => polygons[i].1.push(hole),
            None => return Err("Loch ohne äußeren Ring".into()),
        }
    }
    Ok(MultiPolygon(
        polygons.into_iter().map(|(e, h)| Polygon::new(e, h)).collect(),
    ))
}

fn shape_to_multipolygon(shape: shapefile::Shape) -> std::result::Result<MultiPolygon<f64>, String> {
    use shapefile::{PolygonRing, Shape};
    fn collect<P>(rings: &[PolygonRing<P>], xy: impl Fn(&P) -> (f64, f64)) -> Vec<(bool, LineString<f64>)> {
        rings
            .iter()
            .map(|r| {
                let (outer, pts) = match r {
                    PolygonRing::Outer(p) => (true, p),
                    PolygonRing::Inner(p) => (false, p),
                };
                (
                    outer,
                    LineString(
                        pts.iter()
                            .map(|p| {
                                let (x, y) = xy(p);
                                Coord { x, y }
                            })
                            .collect(),
                    ),
                )
            })
            .collect()
    }
    match shape {
        Shape::Polygon(p) => rings_to_multipolygon(collect(p.rings(), |q| (q.x, q.y))),
        Shape::PolygonM(p) => rings_to_multipolygon(collect(p.rings(), |q| (q.x, q.y))),
        Shape::PolygonZ(p) => rings_to_multipolygon(collect(p.rings(), |q| (q.x, q.y))),
        Shape::NullShape => Err("leere Geometrie".into()),
        other => Err(format!(
            "Geometrietyp {} statt Polygon; Punkte als POIs importieren",
            other.shapetype()
        )),
    }
}
