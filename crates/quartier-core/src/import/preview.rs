//! What an import dialog shows before anything is written: the columns (or attributes) of a
//! file, its first rows, and what was detected: encoding, coordinate system, number format.
//! The dry run itself is [`crate::Atlas::trial`] around the import.

use std::path::Path;

use serde::Serialize;

use crate::import::json_text;
use crate::numbers::{detect_decimal_separator, DecimalSeparator};
use crate::table::{decode_text, detect_delimiter, file_name, read_csv_bytes, read_table, RawTable};
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
        "geojson" | "json" => match preview_geojson_stream(path, &file, rows) {
            Ok(Some(preview)) => Ok(preview),
            // Not a FeatureCollection the stream reader understands (a single Feature, an
            // error): the whole-file reader gives the precise German message.
            Ok(None) | Err(_) => preview_geojson_whole(path, &file, rows),
        },
        "zip" | "shp" => {
            // The attribute table only: the shapes are not read for a preview.
            let table = crate::import::geometry::read_shapefile_attributes(path, rows)?;
            Ok(FilePreview {
                file,
                headers: table.headers,
                rows: table
                    .rows
                    .iter()
                    .map(|r| r.iter().map(|v| json_text(Some(v))).collect())
                    .collect(),
                total_rows: table.total,
                encoding: Some(table.encoding),
                crs: Some(match table.crs {
                    Some((epsg, source)) => format!("EPSG:{epsg} ({source})"),
                    None => "unbekannt: die .prj-Datei fehlt, das Bezugssystem bitte angeben".to_string(),
                }),
                decimal: None,
            })
        }
        "csv" | "txt" | "tsv" | "tab" => {
            let (head, whole) = read_head(path)?;
            let table = read_csv_bytes(&head, &file)?;
            let total_rows = if whole {
                table.rows.len()
            } else {
                count_csv_rows(path, detect_delimiter(&decode_text(&head).0))?
            };
            Ok(table_preview(
                file,
                &table,
                rows,
                total_rows,
                Some(table.encoding.to_string()),
            ))
        }
        _ => {
            let table = read_table(path, None)?;
            Ok(table_preview(file, &table, rows, table.rows.len(), None))
        }
    }
}

/// The preview of a table read whole or in part.
fn table_preview(
    file: String,
    table: &RawTable,
    rows: usize,
    total_rows: usize,
    encoding: Option<String>,
) -> FilePreview {
    let texts: Vec<String> = table
        .rows
        .iter()
        .flat_map(|r| r.cells.iter().map(|c| c.as_text()))
        .collect();
    let decimal = match detect_decimal_separator(texts.iter().map(String::as_str)) {
        DecimalSeparator::Comma => "Komma (1.234,5)",
        DecimalSeparator::Point => "Punkt (1234.5)",
    };
    FilePreview {
        file,
        headers: table.headers.clone(),
        rows: table
            .rows
            .iter()
            .take(rows)
            .map(|r| r.cells.iter().map(|c| c.as_text()).collect())
            .collect(),
        total_rows,
        encoding,
        crs: None,
        decimal: Some(decimal.to_string()),
    }
}

/// How much of a CSV the preview reads: enough for its rows and for detecting the encoding and
/// the number format, far less than a large file.
const HEAD_BYTES: u64 = 256 * 1024;

/// The start of a text file, cut after its last complete line; true when that is the whole file.
fn read_head(path: &Path) -> Result<(Vec<u8>, bool)> {
    use std::io::Read as _;
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(HEAD_BYTES).read_to_end(&mut head))
        .map_err(|e| Error::io(path, e))?;
    if (head.len() as u64) < HEAD_BYTES {
        return Ok((head, true));
    }
    if let Some(end) = head.iter().rposition(|b| *b == b'\n') {
        head.truncate(end + 1);
    }
    Ok((head, false))
}

/// The data rows of a CSV (records that are not blank, without the header), counted in a
/// stream without keeping them.
fn count_csv_rows(path: &Path, delimiter: u8) -> Result<usize> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(std::io::BufReader::new(file));
    let mut record = csv::ByteRecord::new();
    let mut records = 0usize;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if !record.iter().all(|c| c.trim_ascii().is_empty()) {
                    records += 1;
                }
            }
            Err(e) => {
                return Err(Error::Invalid(format!(
                    "{}: CSV nicht lesbar ({})",
                    file_name(path),
                    super::reasons::csv_reason(&e)
                )));
            }
        }
    }
    Ok(records.saturating_sub(1))
}

/// The first `rows` features of a GeoJSON FeatureCollection read as a stream (the features
/// are counted, not kept), and its coordinate system from the start of the file, where the
/// `crs` member stands. `None` when the stream reader cannot read the file.
fn preview_geojson_stream(path: &Path, file: &str, rows: usize) -> Result<Option<FilePreview>> {
    let (head, _) = read_head(path)?;
    let name = geojson_crs_name(&String::from_utf8_lossy(&head));
    let (epsg, source) = crate::import::geometry::geojson_crs_named(name.as_deref(), file)?;
    let reader = geojson::FeatureReader::from_reader(std::io::BufReader::new(
        std::fs::File::open(path).map_err(|e| Error::io(path, e))?,
    ));
    let mut headers: Vec<String> = Vec::new();
    let mut firsts = Vec::new();
    let mut total = 0usize;
    for feature in reader.features() {
        let Ok(feature) = feature else { return Ok(None) };
        total += 1;
        if total <= rows.max(1) * 10 {
            add_headers(&mut headers, feature.properties.iter().flat_map(|p| p.keys()));
        }
        if total <= rows {
            firsts.push(feature.properties.unwrap_or_default());
        }
    }
    if total == 0 {
        return Ok(None);
    }
    Ok(Some(FilePreview {
        file: file.to_string(),
        rows: firsts
            .iter()
            .map(|p| headers.iter().map(|h| json_text(p.get(h))).collect())
            .collect(),
        headers,
        total_rows: total,
        encoding: None,
        crs: Some(format!("EPSG:{epsg} ({source})")),
        decimal: None,
    }))
}

/// Adds the attribute names not seen yet, in the order met.
fn add_headers<'a>(headers: &mut Vec<String>, names: impl Iterator<Item = &'a String>) {
    for name in names {
        if !headers.contains(name) {
            headers.push(name.clone());
        }
    }
}

/// The `name` of a GeoJSON's (2008-style) `crs` member, from the start of the text.
fn geojson_crs_name(head: &str) -> Option<String> {
    let mut rest = &head[head.find("\"crs\"")?..];
    // The key "name" (followed by a colon), not the value of `"type": "name"`.
    loop {
        let at = rest.find("\"name\"")? + 6;
        rest = &rest[at..];
        if let Some(value) = rest.trim_start().strip_prefix(':') {
            let start = value.find('"')? + 1;
            let end = start + value[start..].find('"')?;
            return Some(value[start..end].to_string());
        }
    }
}

/// The preview from the whole parsed file (files the stream reader does not take).
fn preview_geojson_whole(path: &Path, file: &str, rows: usize) -> Result<FilePreview> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let (collection, epsg, source) = crate::import::geometry::read_geojson(&text, file)?;
    let mut headers: Vec<String> = Vec::new();
    for f in collection.features.iter().take(rows.max(1) * 10) {
        add_headers(&mut headers, f.properties.iter().flat_map(|p| p.keys()));
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
        file: file.to_string(),
        headers,
        rows: shown,
        total_rows: collection.features.len(),
        encoding: None,
        crs: Some(format!("EPSG:{epsg} ({source})")),
        decimal: None,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// The streamed preview of a GeoJSON equals the one from the whole parsed file: headers,
    /// first rows, count and coordinate system (EPSG:25833 from a `crs` member, and WGS84
    /// without one).
    #[test]
    fn a_geojson_preview_streams_and_agrees_with_the_whole_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for file in [
            root.join("sample_data/poi/kitas-2022-epsg25833.geojson"),
            root.join("sample_data/geometry/berlin-lor-districts.geojson"),
        ] {
            let name = file_name(&file);
            let streamed = preview_geojson_stream(&file, &name, 4).unwrap().unwrap();
            let whole = preview_geojson_whole(&file, &name, 4).unwrap();
            assert_eq!(streamed, whole, "{name}");
        }
        // A single Feature is no FeatureCollection for the stream: the whole-file path takes it.
        let dir = tempfile::tempdir().unwrap();
        let one = dir.path().join("eins.geojson");
        std::fs::write(
            &one,
            r#"{"type":"Feature","properties":{"id":"01"},"geometry":{"type":"Point","coordinates":[13.4,52.5]}}"#,
        )
        .unwrap();
        assert_eq!(preview_file(&one, 3).unwrap().total_rows, 1);
    }
}
