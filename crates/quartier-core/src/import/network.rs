//! A street network for walking distances: line geometry from GeoJSON or a zipped
//! shapefile, stored in WGS84. The graph is built when distances are computed
//! ([`crate::analysis::network`]): nodes where lines end (snapped within a tolerance), edges
//! with their length in metres, one-way streets ignored (walking). A new import replaces the
//! previous network.

use std::io::Cursor;
use std::path::PathBuf;

use geo::{Coord, LineString};
use rusqlite::params;
use serde::Serialize;

use super::geometry::{read_geojson, shapefile_parts_from_zip};
use super::{fail_on_problems, Problem};
use crate::analysis::network::Network;
use crate::crs::{crs_from_prj, parse_epsg, Metric, ToWgs84};
use crate::progress::check_cancel;
use crate::store::log;
use crate::table::file_name;
use crate::{Atlas, Error, Progress, Result};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct NetworkImport {
    /// `.geojson` with LineStrings, or `.zip` with a polyline shapefile.
    pub file: PathBuf,
    /// Overrides the CRS of the file, e.g. `EPSG:25833`.
    pub crs: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NetworkImportSummary {
    /// File name.
    pub file: String,
    /// Source CRS.
    pub crs: String,
    /// Lines stored.
    pub lines: usize,
    /// Their total length in kilometres.
    pub length_km: f64,
    /// Graph nodes (line ends snapped within 1 m).
    pub nodes: usize,
    /// Connected parts of the graph.
    pub components: usize,
    /// Lines outside the largest connected part: they do not connect and are not used.
    pub unconnected_lines: usize,
    /// Lines replaced from the previous import.
    pub replaced: usize,
    /// Lines entirely outside the atlas's areas (more than about 5 km away).
    pub outside_atlas: usize,
}

/// Reads the lines of a file in the source CRS.
fn read_lines(path: &std::path::Path, crs: Option<&str>) -> Result<(Vec<LineString<f64>>, u16)> {
    let file = file_name(path);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let override_epsg = crs.map(|c| parse_epsg(c, "--crs")).transpose()?;
    let mut problems = Vec::new();
    let mut lines = Vec::new();
    let to_line =
        |coords: &[geojson::Position]| LineString(coords.iter().map(|p| Coord { x: p[0], y: p[1] }).collect());
    let epsg = match ext.as_str() {
        "geojson" | "json" => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let (fc, epsg, _) = read_geojson(&text, &file)?;
            for (i, f) in fc.features.iter().enumerate() {
                match f.geometry.as_ref().map(|g| &g.value) {
                    Some(geojson::GeometryValue::LineString { coordinates }) => lines.push(to_line(coordinates)),
                    Some(geojson::GeometryValue::MultiLineString { coordinates }) => {
                        lines.extend(coordinates.iter().map(|c| to_line(c)))
                    }
                    _ => problems.push(Problem::row(i + 1, "Geometrie ist keine Linie")),
                }
            }
            override_epsg.unwrap_or(epsg)
        }
        "zip" => {
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            let parts = shapefile_parts_from_zip(std::io::Cursor::new(bytes), &file, true)?;
            let epsg = match (override_epsg, &parts.prj) {
                (Some(e), _) => e,
                (None, Some(prj)) => crs_from_prj(prj, &format!("{file} (.prj)"))?,
                (None, None) => {
                    return Err(Error::Invalid(format!(
                        "{file}: die .prj-Datei fehlt; das Bezugssystem mit --crs EPSG:nnnn angeben"
                    )))
                }
            };
            let bad = |e: &shapefile::Error| {
                Error::Invalid(format!(
                    "{file}: Shapefile beschädigt ({})",
                    super::geometry::shapefile_reason(e)
                ))
            };
            let mut reader = match parts.shx {
                Some(shx) => shapefile::ShapeReader::with_shx(Cursor::new(parts.shp), Cursor::new(shx)),
                None => shapefile::ShapeReader::new(Cursor::new(parts.shp)),
            }
            .map_err(|e| bad(&e))?;
            for (i, shape) in reader.iter_shapes().enumerate() {
                match shape.map_err(|e| bad(&e))? {
                    shapefile::Shape::Polyline(p) => lines.extend(
                        p.parts()
                            .iter()
                            .map(|part| LineString(part.iter().map(|pt| Coord { x: pt.x, y: pt.y }).collect())),
                    ),
                    shapefile::Shape::PolylineZ(p) => lines.extend(
                        p.parts()
                            .iter()
                            .map(|part| LineString(part.iter().map(|pt| Coord { x: pt.x, y: pt.y }).collect())),
                    ),
                    other => problems.push(Problem::row(
                        i + 1,
                        format!("Geometrie ist keine Linie, sondern {}", other.shapetype()),
                    )),
                }
            }
            epsg
        }
        _ => {
            return Err(Error::Invalid(format!(
                "{file}: unbekanntes Format „.{ext}“ für ein Straßennetz (erwartet .geojson oder .zip mit Shapefile)"
            )))
        }
    };
    for (i, l) in lines.iter().enumerate() {
        if l.0.len() < 2 {
            problems.push(Problem::row(i + 1, "Linie mit weniger als zwei Punkten"));
        }
    }
    fail_on_problems(&file, problems)?;
    if lines.is_empty() {
        return Err(Error::Invalid(format!("{file}: keine Linien gefunden")));
    }
    Ok((lines, epsg))
}

/// Reads, checks and stores a street network in one transaction, replacing the previous one.
pub fn import_network(
    atlas: &mut Atlas,
    opts: &NetworkImport,
    progress: &dyn Progress,
) -> Result<NetworkImportSummary> {
    let file = file_name(&opts.file);
    progress.report(0.0, "Straßennetz wird gelesen");
    let (lines, epsg) = read_lines(&opts.file, opts.crs.as_deref())?;
    let transform = ToWgs84::new(epsg)?;
    let mut wgs = Vec::with_capacity(lines.len());
    for (i, l) in lines.iter().enumerate() {
        let coords = l
            .0
            .iter()
            .map(|c| {
                let (lon, lat) = transform.lon_lat(c.x, c.y)?;
                if !crate::crs::looks_like_lon_lat(lon, lat) {
                    return Err(Error::Invalid(format!(
                        "{file}: Linie {}: ({}, {}) liegt in EPSG:{epsg} nicht auf der Erde – falsches Bezugssystem? (--crs)",
                        i + 1,
                        c.x,
                        c.y
                    )));
                }
                Ok(Coord { x: lon, y: lat })
            })
            .collect::<Result<Vec<_>>>()?;
        wgs.push(LineString(coords));
    }
    // Lines far from every area usually mean a wrong CRS.
    let extent = super::pois::atlas_extent(atlas)?;
    let outside_atlas = match extent {
        None => 0,
        Some([a, b, c, d]) => {
            let margin = 0.05;
            wgs.iter()
                .filter(|l| {
                    !l.0.iter()
                        .any(|p| p.x >= a - margin && p.x <= c + margin && p.y >= b - margin && p.y <= d + margin)
                })
                .count()
        }
    };
    if outside_atlas == wgs.len() && extent.is_some() {
        return Err(Error::Invalid(format!(
            "{file}: keine Linie liegt im Gebiet des Atlas – stimmt das Bezugssystem EPSG:{epsg}? (--crs)"
        )));
    }
    check_cancel(progress)?;
    progress.report(0.4, "Netz wird geprüft");
    let centre = wgs.iter().flat_map(|l| l.0.iter().map(|c| c.x)).sum::<f64>()
        / wgs.iter().map(|l| l.0.len()).sum::<usize>().max(1) as f64;
    let metric = Metric::for_longitude(centre)?;
    let projected = wgs
        .iter()
        .map(|l| {
            l.0.iter()
                .map(|c| metric.project(c.x, c.y).map(|(x, y)| Coord { x, y }))
                .collect::<Result<Vec<_>>>()
                .map(LineString)
        })
        .collect::<Result<Vec<_>>>()?;
    let built = Network::build(&projected, crate::analysis::network::SNAP_TOLERANCE);
    progress.report(0.7, "Netz wird gespeichert");
    let tx = atlas.write()?;
    let replaced = tx.execute("DELETE FROM network_line", [])?;
    {
        let mut insert = tx.prepare("INSERT INTO network_line(geometry) VALUES (?1)")?;
        for l in &wgs {
            insert.execute(params![crate::geometry::line_to_wkb(l)?])?;
        }
    }
    log(
        &tx,
        "import_network",
        &format!("{file}: {} Linien (EPSG:{epsg}), {replaced} ersetzt", wgs.len()),
    )?;
    tx.commit()?;
    progress.report(1.0, "Fertig");
    Ok(NetworkImportSummary {
        file,
        crs: format!("EPSG:{epsg}"),
        lines: wgs.len(),
        length_km: built.network.total_length() / 1000.0,
        nodes: built.network.node_count(),
        components: built.components,
        unconnected_lines: built.unconnected_lines,
        replaced,
        outside_atlas,
    })
}
