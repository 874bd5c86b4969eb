//! Importers: each reads one kind of file, validates everything, and writes in one
//! transaction or not at all.
//!
//! - [`geometry`]: area geometry per spatial level from GeoJSON or (zipped) shapefiles.
//! - [`values`]: indicator values from CSV/XLSX in wide or long form.
//! - [`pois`]: points of interest from GeoJSON, CSV or XLSX.
//! - [`addresses`]: address points with residents (internal, for distances).
//! - [`metadata`]: indicator metadata from a metadata sheet.
//! - [`network`]: a street network for walking distances.
//! - [`reference`]: official reference values (the published total row) from a separate file.
//!
//! Every importer collects all problems of a file before it decides; a file with
//! problems writes nothing and returns [`crate::Error::Import`] with an [`ImportReport`].

pub mod addresses;
pub mod geometry;
pub mod metadata;
pub mod network;
pub mod pois;
pub mod preview;
pub mod reasons;
pub mod reference;
pub mod values;

use serde::Serialize;

/// One problem in an input file, located as precisely as the format allows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Line (CSV), row (spreadsheet) or feature number (GeoJSON, shapefile), 1-based.
    pub row: Option<usize>,
    /// Column or attribute name.
    pub column: Option<String>,
    /// The offending value as written.
    pub value: Option<String>,
    /// What is wrong, in German.
    pub reason: String,
}

impl Problem {
    /// A problem at a row, column and value.
    pub fn at(row: usize, column: impl Into<String>, value: impl Into<String>, reason: impl Into<String>) -> Self {
        Problem {
            row: Some(row),
            column: Some(excerpt(&column.into())),
            value: Some(excerpt(&value.into())),
            reason: reason.into(),
        }
    }
    /// A problem of a whole row.
    pub fn row(row: usize, reason: impl Into<String>) -> Self {
        Problem {
            row: Some(row),
            column: None,
            value: None,
            reason: reason.into(),
        }
    }
}

/// How many characters of a value a message quotes: a 1 MB cell must not become 1 MB of
/// error message.
pub const QUOTED_CHARACTERS: usize = 80;

/// `text` as a message quotes it: whole up to [`QUOTED_CHARACTERS`] characters, otherwise its
/// beginning, "…" and its length.
pub fn excerpt(text: &str) -> String {
    let length = text.chars().count();
    if length <= QUOTED_CHARACTERS {
        return text.to_string();
    }
    let head: String = text.chars().take(QUOTED_CHARACTERS - 1).collect();
    format!("{head}… ({} Zeichen)", crate::numbers::format_german(length as f64, 0))
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        if let Some(r) = self.row {
            parts.push(format!("Zeile {r}"));
        }
        if let Some(c) = &self.column {
            parts.push(format!("Spalte „{c}“"));
        }
        if let Some(v) = &self.value {
            parts.push(format!("Wert „{v}“"));
        }
        if parts.is_empty() {
            write!(f, "{}", self.reason)
        } else {
            write!(f, "{}: {}", parts.join(", "), self.reason)
        }
    }
}

/// All problems found in one file; nothing was written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    /// The file name.
    pub file: String,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// How many problems the text form lists before summarising (the JSON form lists all).
const SHOWN_PROBLEMS: usize = 50;

/// How many problems of the same reason a report shows before it counts the rest.
const SHOWN_PER_REASON: usize = 5;

impl std::fmt::Display for ImportReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.problems.len();
        writeln!(
            f,
            "Import von {} abgebrochen, der Atlas bleibt unverändert. {} gefunden:",
            self.file,
            if n == 1 {
                "1 Problem".to_string()
            } else {
                format!("{n} Probleme")
            }
        )?;
        // The same reason on hundreds of rows (a shifted header, a wrong column) is shown a
        // few times and then counted: a message is to be read, not scrolled.
        let mut shown_by_reason: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
        let mut hidden_by_reason: Vec<(&str, usize)> = Vec::new();
        let mut shown = 0;
        for p in &self.problems {
            let same = shown_by_reason.entry(p.reason.as_str()).or_insert(0);
            if *same < SHOWN_PER_REASON && shown < SHOWN_PROBLEMS {
                *same += 1;
                shown += 1;
                writeln!(f, "  {}: {p}", self.file)?;
            } else {
                match hidden_by_reason.iter_mut().find(|(r, _)| *r == p.reason) {
                    Some((_, count)) => *count += 1,
                    None => hidden_by_reason.push((p.reason.as_str(), 1)),
                }
            }
        }
        for (reason, count) in hidden_by_reason.iter().take(SHOWN_PROBLEMS) {
            writeln!(f, "  … und {count} weitere: {}", excerpt(reason))?;
        }
        if shown < n {
            writeln!(f, "  (alle {n} mit --json)")?;
        }
        Ok(())
    }
}

/// Turns collected problems into an error, or passes when there are none.
pub(crate) fn fail_on_problems(file: &str, problems: Vec<Problem>) -> crate::Result<()> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ImportReport {
            file: file.to_string(),
            problems,
        }
        .into())
    }
}

/// A JSON property as text (numbers without `.0`, null as empty).
pub(crate) fn json_text(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => String::new(),
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.to_string(),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Some(other) => other.to_string(),
    }
}
