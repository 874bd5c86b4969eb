//! What an import dialog shows before anything is written: the columns (or attributes) of a
//! file, its first rows, and what was detected: encoding, coordinate system, number format.
//! The dry run itself is [`crate::Atlas::trial`] around the import.

use std::path::Path;

use serde::Serialize;

use crate::import::json_text;
use crate::numbers::{detect_decimal_separator, DecimalSeparator};
use crate::table::{file_name, read_table};
use crate::{Error, Result};

/// The first rows of a file and what was detected in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FilePreview {
    /// File name.
    pub file: String,
    /// Column headers or attribute names, in file order.
    pub headers: Vec<String>,
    /// The first rows, as text.
    pub rows: Vec<Vec<String>>,
    /// Rows (features) in the whole file.
    pub total_rows: usize,
    /// Text encoding (CSV), where it matters.
    pub encoding: Option<String>,
    /// Coordinate system and where it came from (geometry files).
    pub crs: Option<String>,
    /// Decimal separator of the numbers (tables): "Komma" or "Punkt".
    pub decimal: Option<String>,
}

/// Reads the first `rows` rows of a table (CSV, XLSX, XLS, ODS) or the attributes of the
/// first `rows` features of a geometry file (GeoJSON, zipped or plain shapefile).
pub fn preview_file(path: &Path, rows: usize) -> Result<FilePreview> {
    let file = file_name(path);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    match ext.as_str() {
        "geojson" | "json" => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
            let (collection, epsg, source) = crate::import::geometry::read_geojson(&text, &file)?;
            let mut headers: Vec<String> = Vec::new();
            for f in collection.features.iter().take(rows.max(1) * 10) {
                for k in f.properties.iter().flat_map(|p| p.keys()) {
                    if !headers.contains(k) {
                        headers.push(k.clone());
                    }
                }
            }
            let shown = collection
                .features
                .iter()
                .take(rows)
                .map(|f| {
                    headers
                        .iter()
                        .map(|h| json_text(f.properties.as_ref().and_then(|p| p.get(h))))
                        .collect()
                })
                .collect();
            Ok(FilePreview {
                file,
                headers,
                rows: shown,
                total_rows: collection.features.len(),
                encoding: None,
                crs: Some(format!("EPSG:{epsg} ({source})")),
                decimal: None,
            })
        }
        "zip" | "shp" => {
            let layer = crate::import::geometry::read_layer(path, None)?;
            let mut headers: Vec<String> = Vec::new();
            for f in layer.features.iter().take(rows.max(1) * 10) {
                for k in f.properties.keys() {
                    if !headers.contains(k) {
                        headers.push(k.clone());
                    }
                }
            }
            let shown = layer
                .features
                .iter()
                .take(rows)
                .map(|f| headers.iter().map(|h| json_text(f.properties.get(h))).collect())
                .collect();
            Ok(FilePreview {
                file,
                headers,
                rows: shown,
                total_rows: layer.features.len(),
                encoding: layer.encoding,
                crs: Some(format!("EPSG:{} ({})", layer.epsg, layer.crs_source)),
                decimal: None,
            })
        }
        _ => {
            let table = read_table(path, None)?;
            let texts: Vec<String> = table
                .rows
                .iter()
                .flat_map(|r| r.cells.iter().map(|c| c.as_text()))
                .collect();
            let decimal = match detect_decimal_separator(texts.iter().map(String::as_str)) {
                DecimalSeparator::Comma => "Komma (1.234,5)",
                DecimalSeparator::Point => "Punkt (1234.5)",
            };
            Ok(FilePreview {
                file,
                headers: table.headers.clone(),
                rows: table
                    .rows
                    .iter()
                    .take(rows)
                    .map(|r| r.cells.iter().map(|c| c.as_text()).collect())
                    .collect(),
                total_rows: table.rows.len(),
                encoding: (ext == "csv" || ext == "txt").then(|| table.encoding.to_string()),
                crs: None,
                decimal: Some(decimal.to_string()),
            })
        }
    }
}
