//! Address points with residents, as the cadastre's house coordinates (Hauskoordinaten)
//! deliver them joined with the population register: one row per address with x/y, the
//! residents and optionally residents by age group. They are internal data for distance
//! analyses and never part of the public subset. A new import replaces the previous one.

use std::collections::BTreeMap;
use std::path::PathBuf;

use rusqlite::params;
use serde::Serialize;

use super::pois::{read_pois, PoiImport};
use crate::progress::check_cancel;
use crate::store::log;
use crate::{Atlas, Error, Progress, Result};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct AddressImport {
    /// CSV, XLSX or GeoJSON points.
    pub file: PathBuf,
    /// Column of the x coordinate (tables).
    pub x_column: Option<String>,
    /// Column of the y coordinate (tables).
    pub y_column: Option<String>,
    /// CRS, e.g. `EPSG:25832` (tables in lon/lat need none).
    pub crs: Option<String>,
    /// Column with the residents per address.
    pub residents_column: String,
    /// Columns with residents per age group (e.g. `unter_6`).
    pub age_columns: Vec<String>,
    /// Worksheet of a spreadsheet.
    pub sheet: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressImportSummary {
    /// File name.
    pub file: String,
    /// Source CRS.
    pub crs: String,
    /// Addresses stored.
    pub addresses: usize,
    /// Residents in total.
    pub residents: f64,
    /// Residents per age group in total.
    pub groups: BTreeMap<String, f64>,
    /// Addresses replaced from the previous import.
    pub replaced: usize,
    /// Addresses far outside the atlas's areas (by row name or coordinates).
    pub outside_atlas: Vec<String>,
}

/// Reads, checks and stores address points in one transaction; any bad row stops the
/// import with every problem listed (line, column, value).
pub fn import_addresses(
    atlas: &mut Atlas,
    opts: &AddressImport,
    progress: &dyn Progress,
) -> Result<AddressImportSummary> {
    if opts.residents_column.trim().is_empty() {
        return Err(Error::Invalid(
            "Die Spalte mit den Einwohnern fehlt (--residents-column)".into(),
        ));
    }
    progress.report(0.0, "Adressen werden gelesen");
    let read = read_pois(
        atlas,
        &PoiImport {
            file: opts.file.clone(),
            category: "Adressen".into(),
            x_column: opts.x_column.clone(),
            y_column: opts.y_column.clone(),
            crs: opts.crs.clone(),
            name_column: None,
            capacity_column: Some(opts.residents_column.clone()),
            sheet: opts.sheet.clone(),
            capacity_required: true,
            numeric_columns: opts.age_columns.clone(),
        },
    )?;
    check_cancel(progress)?;
    progress.report(0.6, "Adressen werden gespeichert");
    let mut groups_total: BTreeMap<String, f64> = BTreeMap::new();
    let tx = atlas.write()?;
    let replaced = tx.execute("DELETE FROM address_point", [])?;
    {
        let mut insert =
            tx.prepare("INSERT INTO address_point(lon, lat, residents, groups) VALUES (?1, ?2, ?3, ?4)")?;
        for p in &read.pois {
            let groups: BTreeMap<String, f64> = opts
                .age_columns
                .iter()
                .map(|c| (c.clone(), p.attributes[c].as_f64().unwrap_or(0.0)))
                .collect();
            for (g, v) in &groups {
                *groups_total.entry(g.clone()).or_default() += v;
            }
            insert.execute(params![
                p.lon,
                p.lat,
                p.capacity.unwrap_or(0.0),
                serde_json::to_string(&groups).unwrap_or_else(|_| "{}".into())
            ])?;
        }
    }
    let file = crate::table::file_name(&opts.file);
    log(
        &tx,
        "import_addresses",
        &format!(
            "{file}: {} Adressen (EPSG:{}), {replaced} ersetzt",
            read.pois.len(),
            read.epsg
        ),
    )?;
    tx.commit()?;
    progress.report(1.0, "Fertig");
    Ok(AddressImportSummary {
        file,
        crs: format!("EPSG:{}", read.epsg),
        addresses: read.pois.len(),
        residents: read.pois.iter().filter_map(|p| p.capacity).sum(),
        groups: groups_total,
        replaced,
        outside_atlas: read.outside,
    })
}
