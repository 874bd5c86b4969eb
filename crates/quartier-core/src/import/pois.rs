//! Points of interest (Kitas, schools, playgrounds) from GeoJSON, CSV or spreadsheets.
//!
//! All source attributes are kept as JSON. Name, address and capacity (places) are
//! recognised from common column names or given explicitly. Re-importing a category
//! replaces its points in one transaction.

use std::path::PathBuf;

use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::{fail_on_problems, json_text, Problem};
use crate::crs::{looks_like_lon_lat, parse_epsg, ToWgs84};
use crate::numbers::{detect_decimal_separator, parse_number};
use crate::progress::{check_cancel, Progress};
use crate::store::Poi;
use crate::store::{log, Atlas};
use crate::table::{file_name, read_table, RawCell};
use crate::{Error, Result};

/// What to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PoiImport {
    /// GeoJSON, CSV, XLSX.
    pub file: PathBuf,
    /// Category, e.g. "Kita"; created when new, replaced when it exists.
    pub category: String,
    /// Column of the x coordinate or longitude (tables).
    pub x_column: Option<String>,
    /// Column of the y coordinate or latitude (tables).
    pub y_column: Option<String>,
    /// CRS of the coordinates, e.g. `EPSG:25833`.
    pub crs: Option<String>,
    /// Column of the name.
    pub name_column: Option<String>,
    /// Column of the capacity (places).
    pub capacity_column: Option<String>,
    /// Worksheet of a spreadsheet.
    pub sheet: Option<String>,
    /// Every row must have a capacity (for address points: their residents).
    pub capacity_required: bool,
    /// Further columns that must hold numbers (empty means 0), stored as JSON numbers.
    pub numeric_columns: Vec<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct PoiImportSummary {
    /// File name.
    pub file: String,
    /// Category written.
    pub category: String,
    /// Source CRS.
    pub crs: String,
    /// Points written.
    pub pois_imported: usize,
    /// Points of the category that were replaced.
    pub pois_replaced: usize,
    /// Points with a capacity.
    pub with_capacity: usize,
    /// Column used for the name.
    pub name_column: Option<String>,
    /// Column used for the capacity.
    pub capacity_column: Option<String>,
    /// Points outside the extent of the atlas's areas (kept; listed by name).
    pub outside_atlas: Vec<String>,
    /// Computed indicators recomputed after the import because the POIs they count changed;
    /// filled by the caller, in a transaction of its own.
    pub recomputed: Vec<String>,
}

const NAME_COLUMNS: &[&str] = &["name", "e_name", "bezeichnung", "einrichtung", "titel", "title"];
const CAPACITY_COLUMNS: &[&str] = &[
    "places",
    "e_platz",
    "plaetze",
    "plätze",
    "kapazitaet",
    "kapazität",
    "capacity",
    "platzzahl",
];
const STREET_COLUMNS: &[&str] = &["street", "strasse", "straße", "e_strasse", "str"];
const HOUSE_COLUMNS: &[&str] = &["hnr", "hausnr", "hausnummer", "e_hnr", "housenumber"];
const ZIP_COLUMNS: &[&str] = &["zip_code", "plz", "e_plz", "postcode"];
const CITY_COLUMNS: &[&str] = &["ort", "e_ort", "city"];
const X_COLUMNS: &[&str] = &["lon", "lng", "longitude", "x", "rechtswert", "laenge", "länge"];
const Y_COLUMNS: &[&str] = &["lat", "latitude", "y", "hochwert", "breite"];

struct SourcePoi {
    row: usize,
    x: Option<f64>,
    y: Option<f64>,
    attributes: serde_json::Map<String, serde_json::Value>,
}

fn pick(explicit: Option<&str>, candidates: &[&str], names: &[String]) -> Option<String> {
    match explicit {
        Some(e) => Some(e.to_string()),
        None => candidates
            .iter()
            .find_map(|c| names.iter().find(|n| n.to_lowercase() == *c).cloned()),
    }
}

/// Imports one category of points. All or nothing.
pub fn import_pois(atlas: &mut Atlas, opts: &PoiImport, progress: &dyn Progress) -> Result<PoiImportSummary> {
    let file = file_name(&opts.file);
    if opts.category.trim().is_empty() {
        return Err(Error::Invalid("Die Kategorie darf nicht leer sein (--category)".into()));
    }
    progress.report(0.0, "Punkte werden gelesen");
    let PoisRead {
        pois: ready,
        epsg,
        name_column,
        capacity_column,
        outside,
    } = read_pois(atlas, opts)?;
    check_cancel(progress)?;

    progress.report(0.6, "Punkte werden gespeichert");
    let category = opts.category.trim();
    let tx = atlas.write()?;
    let category_id = match tx
        .query_row("SELECT id FROM poi_category WHERE name = ?1", [category], |r| {
            r.get::<_, i64>(0)
        })
        .optional()?
    {
        Some(id) => id,
        None => {
            // Not public until released (`quartier release --poi-category`).
            tx.execute("INSERT INTO poi_category(name, public) VALUES (?1, 0)", [category])?;
            tx.last_insert_rowid()
        }
    };
    let replaced = tx.execute("DELETE FROM poi WHERE category_id = ?1", [category_id])?;
    {
        let mut insert = tx.prepare("INSERT INTO poi(category_id, name, address, lon, lat, capacity, attributes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
        for p in &ready {
            insert.execute(params![
                category_id,
                p.name,
                p.address,
                p.lon,
                p.lat,
                p.capacity,
                p.attributes.to_string()
            ])?;
        }
    }
    log(
        &tx,
        "import_pois",
        &format!(
            "{file}: {} Punkte der Kategorie „{category}“ (EPSG:{epsg}), {replaced} ersetzt",
            ready.len()
        ),
    )?;
    tx.commit()?;
    progress.report(1.0, "Fertig");
    Ok(PoiImportSummary {
        file,
        category: category.to_string(),
        crs: format!("EPSG:{epsg}"),
        pois_imported: ready.len(),
        pois_replaced: replaced,
        with_capacity: ready.iter().filter(|p| p.capacity.is_some()).count(),
        name_column,
        capacity_column,
        outside_atlas: outside,
        recomputed: Vec::new(),
    })
}

/// The bounding box of all areas with geometry, if any.
pub(crate) fn atlas_extent(atlas: &Atlas) -> Result<Option<[f64; 4]>> {
    let r = atlas.conn.query_row(
        "SELECT MIN(min_lon), MIN(min_lat), MAX(max_lon), MAX(max_lat) FROM area WHERE geometry IS NOT NULL",
        [],
        |r| {
            Ok((
                r.get::<_, Option<f64>>(0)?,
                r.get::<_, Option<f64>>(1)?,
                r.get::<_, Option<f64>>(2)?,
                r.get::<_, Option<f64>>(3)?,
            ))
        },
    )?;
    Ok(match r {
        (Some(a), Some(b), Some(c), Some(d)) => Some([a, b, c, d]),
        _ => None,
    })
}

/// Points read from a file, in WGS84, not yet stored.
pub struct PoisRead {
    /// The points.
    pub pois: Vec<Poi>,
    /// The source CRS.
    pub epsg: u16,
    /// The name column used.
    pub name_column: Option<String>,
    /// The capacity column used.
    pub capacity_column: Option<String>,
    /// Names of points far outside the atlas's areas.
    pub outside: Vec<String>,
}

/// Reads and checks the points of a file without storing them (import, or planned
/// facilities of a scenario). Every bad row is reported at once.
pub fn read_pois(atlas: &Atlas, opts: &PoiImport) -> Result<PoisRead> {
    let file = file_name(&opts.file);

    let ext = opts
        .file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_lowercase();
    let mut problems = Vec::new();
    let (points, epsg, columns) = if ext == "geojson" || ext == "json" {
        let text = std::fs::read_to_string(&opts.file).map_err(|e| Error::io(&opts.file, e))?;
        let (fc, epsg, _) = crate::import::geometry::read_geojson(&text, &file)?;
        let epsg = match &opts.crs {
            Some(c) => parse_epsg(c, "--crs")?,
            None => epsg,
        };
        let mut columns: Vec<String> = Vec::new();
        let mut points = Vec::new();
        for (i, f) in fc.features.into_iter().enumerate() {
            let mut attributes = f.properties.unwrap_or_default();
            attributes.retain(|_, v| !v.is_null() && v.as_str().is_none_or(|t| !t.trim().is_empty()));
            for k in attributes.keys() {
                if k.chars().count() > crate::table::MAX_HEADING_CHARACTERS {
                    problems.push(Problem::at(
                        i + 1,
                        k.as_str(),
                        "",
                        format!(
                            "der Attributname ist {} Zeichen lang; erlaubt sind {}",
                            k.chars().count(),
                            crate::table::MAX_HEADING_CHARACTERS
                        ),
                    ));
                } else if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
            let (x, y) = match f.geometry.map(|g| g.value) {
                Some(geojson::GeometryValue::Point { coordinates }) if coordinates.as_slice().len() >= 2 => {
                    (Some(coordinates[0]), Some(coordinates[1]))
                }
                Some(geojson::GeometryValue::MultiPoint { coordinates })
                    if coordinates.len() == 1 && coordinates[0].as_slice().len() >= 2 =>
                {
                    (Some(coordinates[0][0]), Some(coordinates[0][1]))
                }
                Some(_) => {
                    problems.push(Problem::row(i + 1, "Geometrie ist kein Punkt"));
                    (None, None)
                }
                None => {
                    problems.push(Problem::row(i + 1, "Punkt ohne Koordinaten"));
                    (None, None)
                }
            };
            points.push(SourcePoi {
                row: i + 1,
                x,
                y,
                attributes,
            });
        }
        (points, epsg, columns)
    } else {
        let table = read_table(&opts.file, opts.sheet.as_deref())?;
        let xc = match &opts.x_column {
            Some(c) => table.require_column(c, "--x-column")?,
            None => pick(None, X_COLUMNS, &table.headers)
                .and_then(|c| table.column(&c))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{file}: keine Koordinatenspalten erkannt; mit --x-column und --y-column angeben"
                    ))
                })?,
        };
        let yc = match &opts.y_column {
            Some(c) => table.require_column(c, "--y-column")?,
            None => pick(None, Y_COLUMNS, &table.headers)
                .and_then(|c| table.column(&c))
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "{file}: keine Koordinatenspalten erkannt; mit --x-column und --y-column angeben"
                    ))
                })?,
        };
        let decimal = detect_decimal_separator(table.rows.iter().flat_map(|r| {
            [xc, yc].map(|c| match &r.cells[c] {
                RawCell::Text(t) => t.as_str(),
                _ => "",
            })
        }));
        let coord = |cell: &RawCell| match cell {
            RawCell::Number(n) => Some(*n),
            RawCell::Text(t) => parse_number(t, decimal),
            RawCell::Empty => None,
        };
        let mut points = Vec::new();
        for row in &table.rows {
            let (x, y) = (coord(&row.cells[xc]), coord(&row.cells[yc]));
            if x.is_none() {
                problems.push(Problem::at(
                    row.line,
                    &table.headers[xc],
                    row.cells[xc].as_text(),
                    "keine Koordinate",
                ));
            }
            if y.is_none() {
                problems.push(Problem::at(
                    row.line,
                    &table.headers[yc],
                    row.cells[yc].as_text(),
                    "keine Koordinate",
                ));
            }
            // Empty cells are not stored: an unused column costs nothing per POI.
            let attributes = table
                .headers
                .iter()
                .zip(&row.cells)
                .filter(|(_, c)| !c.as_text().trim().is_empty())
                .map(|(h, c)| (h.clone(), serde_json::Value::String(c.as_text().trim().to_string())))
                .collect();
            points.push(SourcePoi {
                row: row.line,
                x,
                y,
                attributes,
            });
        }
        let epsg = match &opts.crs {
            Some(c) => parse_epsg(c, "--crs")?,
            None if points.iter().all(|p| matches!((p.x, p.y), (Some(x), Some(y)) if looks_like_lon_lat(x, y)) || p.x.is_none() || p.y.is_none()) => 4326,
            None => {
                return Err(Error::Invalid(format!(
                    "{file}: die Koordinaten sind keine geographischen Längen/Breiten; Bezugssystem mit --crs EPSG:nnnn angeben"
                )))
            }
        };
        (points, epsg, table.headers.clone())
    };
    let name_column = pick(opts.name_column.as_deref(), NAME_COLUMNS, &columns);
    let capacity_column = pick(opts.capacity_column.as_deref(), CAPACITY_COLUMNS, &columns);
    for (flag, col) in [
        ("--name-column", opts.name_column.as_ref()),
        ("--capacity-column", opts.capacity_column.as_ref()),
    ]
    .into_iter()
    .chain(opts.numeric_columns.iter().map(|c| ("--age-columns", Some(c))))
    {
        if let Some(c) = col {
            if !columns.contains(c) {
                return Err(Error::Invalid(format!(
                    "{file}: Spalte „{c}“ ({flag}) nicht gefunden. Vorhanden: {}",
                    columns.join(", ")
                )));
            }
        }
    }
    let street = pick(None, STREET_COLUMNS, &columns);
    let house = pick(None, HOUSE_COLUMNS, &columns);
    let zip = pick(None, ZIP_COLUMNS, &columns);
    let city = pick(None, CITY_COLUMNS, &columns);
    let address_column = pick(None, &["address", "adresse", "anschrift"], &columns);

    let transform = ToWgs84::new(epsg)?;
    let extent = atlas_extent(atlas)?;
    let mut ready = Vec::new();
    let mut outside = Vec::new();
    for p in points {
        let (Some(x), Some(y)) = (p.x, p.y) else { continue };
        let (lon, lat) = match transform.lon_lat(x, y) {
            Ok(c) if looks_like_lon_lat(c.0, c.1) && c.0.is_finite() && c.1.is_finite() => c,
            _ => {
                problems.push(Problem::at(
                    p.row,
                    "Koordinaten",
                    format!("{x}, {y}"),
                    format!("liegt in EPSG:{epsg} nicht auf der Erde – falsches Bezugssystem?"),
                ));
                continue;
            }
        };
        let text = |c: &Option<String>| {
            c.as_ref()
                .map(|c| json_text(p.attributes.get(c)).trim().to_string())
                .unwrap_or_default()
        };
        let name = text(&name_column);
        let number = |t: &str| {
            parse_number(t, crate::numbers::DecimalSeparator::Comma)
                .or_else(|| parse_number(t, crate::numbers::DecimalSeparator::Point))
        };
        let capacity = match &capacity_column {
            Some(c) => {
                let raw = json_text(p.attributes.get(c));
                match raw.trim() {
                    "" if opts.capacity_required => {
                        problems.push(Problem::at(p.row, c, "", "Wert fehlt"));
                        None
                    }
                    "" => None,
                    t => match number(t) {
                        Some(v) if v >= 0.0 => Some(v),
                        _ => {
                            problems.push(Problem::at(p.row, c, t, "keine Zahl ab 0"));
                            None
                        }
                    },
                }
            }
            None => None,
        };
        let mut attributes = p.attributes.clone();
        for c in &opts.numeric_columns {
            let raw = json_text(attributes.get(c));
            let value = match raw.trim() {
                "" => Some(0.0),
                t => number(t).filter(|v| *v >= 0.0),
            };
            match value.and_then(serde_json::Number::from_f64) {
                Some(v) => {
                    attributes.insert(c.clone(), serde_json::Value::Number(v));
                }
                None => problems.push(Problem::at(p.row, c, raw.trim(), "keine Zahl ab 0")),
            }
        }
        let address = match &address_column {
            Some(_) => text(&address_column),
            None => {
                let line1 = [text(&street), text(&house)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                let line2 = [text(&zip), text(&city)]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(" ");
                [line1, line2]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        if let Some([a, b, c, d]) = extent {
            let margin = 0.05;
            if lon < a - margin || lon > c + margin || lat < b - margin || lat > d + margin {
                outside.push(if name.is_empty() {
                    format!("Zeile {}", p.row)
                } else {
                    name.clone()
                });
            }
        }
        ready.push(Poi {
            name,
            address,
            lon,
            lat,
            capacity,
            attributes: serde_json::Value::Object(attributes),
        });
    }
    fail_on_problems(&file, problems)?;
    if ready.is_empty() {
        return Err(Error::Invalid(format!("{file}: keine Punkte gefunden")));
    }
    Ok(PoisRead {
        pois: ready,
        epsg,
        name_column,
        capacity_column,
        outside,
    })
}
