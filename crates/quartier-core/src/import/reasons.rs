//! What the readers' errors mean, in German. The libraries that read CSV, GeoJSON, ZIP and
//! spreadsheets describe their failures in English (`EOF while parsing a list at line 1
//! column 141`, `invalid Zip archive: Could not find EOCD`); the planner gets the German
//! reason with the position the library gives (line and column, byte offset, record), and
//! never the library's text.

use crate::error::io_reason;

/// A GeoJSON reader's failure, with line and column where the JSON parser gives them.
pub fn geojson_reason(e: &geojson::Error) -> String {
    use geojson::Error as E;
    match e {
        E::MalformedGeoJson(json) => json_reason(json),
        E::Io(io) => io_reason(io),
        E::GeometryWithoutCoordinatesKey { geometry_type } => {
            format!("eine Geometrie vom Typ {geometry_type:?} ohne Koordinaten („coordinates“ fehlt)")
        }
        E::GeometryCollectionWithoutGeometriesKey => "eine GeometryCollection ohne „geometries“".into(),
        E::InvalidGeometryDimensions {
            geometry_type,
            dimensions,
        } => format!("eine Geometrie vom Typ {geometry_type:?} mit Koordinaten der Tiefe {dimensions}"),
        E::PositionTooShort(n) => format!("eine Position hat {n} Zahl(en) statt mindestens 2"),
        E::ExpectedType { expected, actual } => format!("Typ „{actual}“ gefunden, „{expected}“ erwartet"),
        E::InvalidGeometryConversion {
            expected_type,
            found_type,
        } => {
            format!("Geometrie vom Typ „{found_type}“ statt „{expected_type}“")
        }
        E::FeatureHasNoGeometry(_) => "ein Feature ohne Geometrie".into(),
        E::InvalidWriterState(_) => "GeoJSON nicht lesbar".into(),
    }
}

/// A JSON parser's failure: what kind, and where.
pub fn json_reason(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "die Datei endet mitten im JSON (abgeschnitten?)".to_string(),
        Category::Syntax => "JSON-Syntaxfehler".to_string(),
        Category::Io => "nicht lesbar (kein Text in UTF-8?)".to_string(),
        Category::Data => json_data_reason(&e.to_string()),
    };
    if e.line() > 0 {
        format!("{what} in Zeile {}, Spalte {}", e.line(), e.column())
    } else {
        what
    }
}

/// serde's messages for a value of the wrong form, in German.
fn json_data_reason(message: &str) -> String {
    let message = message.split(" at line ").next().unwrap_or(message);
    if message.contains("coordinates") {
        return "eine Geometrie ohne gültige Koordinaten".into();
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!(
            "falscher Typ: {} gefunden, {} erwartet",
            json_kind(found),
            json_kind(expected)
        );
    }
    if let Some(field) = message.strip_prefix("missing field ") {
        return format!("das Feld „{}“ fehlt", field.trim_matches('`'));
    }
    "ein Element hat nicht die erwartete Form".into()
}

/// serde's names of JSON kinds ("a sequence", "string \"x\"", "struct Feature"), in German.
fn json_kind(kind: &str) -> String {
    let kind = kind.trim();
    let kind = kind
        .strip_prefix("a ")
        .or_else(|| kind.strip_prefix("an "))
        .unwrap_or(kind);
    if let Some(name) = kind.strip_prefix("struct ") {
        return format!("Objekt „{name}“");
    }
    match kind.split([' ', ':']).next().unwrap_or(kind) {
        "null" => "null".into(),
        "string" | "borrowed" => "Text".into(),
        "integer" | "floating" | "f64" | "number" => "Zahl".into(),
        "boolean" => "Wahrheitswert".into(),
        "sequence" | "tuple" => "Liste".into(),
        "map" => "Objekt".into(),
        _ => "ein anderer Wert".into(),
    }
}

/// A ZIP reader's failure.
pub fn zip_reason(e: &zip::result::ZipError) -> String {
    use zip::result::ZipError as Z;
    match e {
        Z::Io(io) => io_reason(io),
        Z::InvalidArchive(_) => "kein gültiges ZIP-Archiv (beschädigt oder abgeschnitten)".into(),
        Z::UnsupportedArchive(_) | Z::CompressionMethodNotSupported(_) => {
            "diese Art ZIP-Archiv wird nicht unterstützt (ungewöhnliche Kompression oder Verschlüsselung)".into()
        }
        Z::FileNotFound => "Eintrag im ZIP nicht gefunden".into(),
        Z::InvalidPassword => "das ZIP ist verschlüsselt".into(),
        _ => "ZIP-Archiv nicht lesbar".into(),
    }
}

/// A spreadsheet reader's failure.
pub fn spreadsheet_reason(e: &calamine::Error) -> String {
    use calamine::{Error as C, XlsxError as X};
    match e {
        C::Io(io) => io_reason(io),
        C::Xlsx(X::Io(io)) => io_reason(io),
        C::Xlsx(X::Zip(_)) => "keine gültige XLSX-Datei (kein ZIP-Archiv, beschädigt oder abgeschnitten)".into(),
        C::Xlsx(X::Xml(_) | X::XmlAttr(_) | X::XmlEof(_) | X::UnexpectedNode(_)) => {
            "das XML der Arbeitsmappe ist beschädigt".into()
        }
        C::Xlsx(X::FileNotFound(part)) => format!("der Teil „{part}“ fehlt in der Arbeitsmappe"),
        C::Xlsx(X::ParseFloat(_) | X::ParseInt(_) | X::Parse(_)) => {
            "eine Zahl oder Angabe in der Arbeitsmappe ist beschädigt".into()
        }
        C::Xlsx(_) => "die XLSX-Datei ist beschädigt oder nutzt etwas, das nicht unterstützt wird".into(),
        C::Xls(_) => "die XLS-Datei ist beschädigt oder verschlüsselt".into(),
        C::Xlsb(_) => "die XLSB-Datei ist beschädigt".into(),
        C::Ods(_) => "die ODS-Datei ist beschädigt".into(),
        C::Vba(_) | C::De(_) => "die Arbeitsmappe ist beschädigt".into(),
        C::Msg(_) => "unbekanntes Dateiformat (CSV, XLSX, XLS oder ODS erwartet)".into(),
    }
}

/// A CSV reader's failure, with the line where it happened.
pub fn csv_reason(e: &csv::Error) -> String {
    use csv::ErrorKind as K;
    let what = match e.kind() {
        K::Io(io) => io_reason(io),
        K::Utf8 { .. } => "Text ist kein gültiges UTF-8 (Zeichensatz?)".into(),
        K::UnequalLengths { expected_len, len, .. } => {
            format!("{len} statt {expected_len} Spalten")
        }
        _ => "nicht lesbar".into(),
    };
    match e.position() {
        Some(p) => format!("Zeile {}: {what}", p.line()),
        None => what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_errors_come_out_in_german_with_their_position() {
        let cut: geojson::Result<geojson::GeoJson> = r#"{"type":"FeatureCollection","features":["#.parse();
        let reason = geojson_reason(&cut.unwrap_err());
        assert_eq!(
            reason,
            "die Datei endet mitten im JSON (abgeschnitten?) in Zeile 1, Spalte 40"
        );
        let wrong: geojson::Result<geojson::GeoJson> = r#"{"type":"FeatureCollection","features":[[1,2]]}"#.parse();
        let reason = geojson_reason(&wrong.unwrap_err());
        assert!(reason.starts_with("falscher Typ: Liste gefunden"), "{reason}");
        let null: geojson::Result<geojson::GeoJson> =
            r#"{"type":"Feature","properties":{},"geometry":{"type":"Polygon","coordinates":null}}"#.parse();
        let reason = geojson_reason(&null.unwrap_err());
        assert!(reason.starts_with("eine Geometrie"), "{reason}");
        let zip = zip::ZipArchive::new(std::io::Cursor::new(b"PK\x03\x04 kein zip".to_vec())).unwrap_err();
        assert_eq!(
            zip_reason(&zip),
            "kein gültiges ZIP-Archiv (beschädigt oder abgeschnitten)"
        );
        let io = std::io::Error::from(std::io::ErrorKind::NotFound);
        assert_eq!(io_reason(&io), "nicht gefunden");
    }
}
