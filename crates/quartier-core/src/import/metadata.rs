//! Indicator metadata from a metadata sheet (CSV or XLSX), one row per indicator.
//!
//! Recognised columns (German or English headers): `key`/`Schlüssel`, `name`/`Name`,
//! `topic`/`Thema`, `unit`/`Einheit`, `decimals`/`Nachkommastellen`, `kind`/`Art`,
//! `numerator`/`Zähler`, `denominator`/`Nenner`, `aggregation`/`Aggregation`,
//! `polarity`/`Polarität`, `description`/`Beschreibung`, `source`/`Quelle`,
//! `suppression_threshold`/`Geheimhaltungsschwelle` (empty: the atlas default; 0: never).
//! Indicators that do not exist yet are created; the sheet can be re-imported to edit.

use std::path::PathBuf;

use serde::Serialize;

use super::{fail_on_problems, Problem};
use crate::model::{AggregationRule, IndicatorKind, Polarity};
use crate::store::{apply_indicator_update, ensure_indicator, log, Atlas, IndicatorUpdate};
use crate::table::read_table;
use crate::{Error, Result};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct MetadataImport {
    /// CSV or spreadsheet.
    pub file: PathBuf,
    /// Worksheet.
    pub sheet: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataImportSummary {
    /// File name.
    pub file: String,
    /// Indicators whose metadata was written.
    pub indicators: Vec<String>,
    /// Of these, the new ones.
    pub created: Vec<String>,
}

fn find(headers: &[String], names: &[&str]) -> Option<usize> {
    headers
        .iter()
        .position(|h| names.iter().any(|n| h.trim().to_lowercase() == *n))
}

/// Imports metadata. All or nothing.
pub fn import_metadata(atlas: &mut Atlas, opts: &MetadataImport) -> Result<MetadataImportSummary> {
    let table = read_table(&opts.file, opts.sheet.as_deref())?;
    let h = &table.headers;
    let key_col = find(h, &["key", "schlüssel", "schluessel", "kennung", "indikator"]).ok_or_else(|| {
        Error::Invalid(format!(
            "{}: Spalte „Schlüssel“ (oder „key“) fehlt im Metadatenblatt",
            table.source
        ))
    })?;
    let col = |names: &[&str]| find(h, names);
    let c_name = col(&["name", "bezeichnung"]);
    let c_topic = col(&["topic", "thema", "themenfeld"]);
    let c_unit = col(&["unit", "einheit"]);
    let c_dec = col(&["decimals", "nachkommastellen", "dezimalstellen"]);
    let c_kind = col(&["kind", "art", "typ"]);
    let c_num = col(&["numerator", "zähler", "zaehler"]);
    let c_den = col(&["denominator", "nenner"]);
    let c_agg = col(&["aggregation", "aggregationsregel"]);
    let c_pol = col(&["polarity", "polarität", "polaritaet", "richtung"]);
    let c_desc = col(&["description", "beschreibung", "definition"]);
    let c_src = col(&["source", "quelle", "datenquelle"]);
    let c_threshold = col(&["suppression_threshold", "geheimhaltungsschwelle", "geheimhaltung"]);

    let mut problems = Vec::new();
    let mut updates = Vec::new();
    for row in &table.rows {
        let text = |c: Option<usize>| c.map(|c| row.cells[c].as_text().trim().to_string());
        let key = row.cells[key_col].as_text().trim().to_string();
        if key.is_empty() {
            problems.push(Problem::at(row.line, &h[key_col], "", "leerer Indikatorschlüssel"));
            continue;
        }
        let mut u = IndicatorUpdate {
            name: text(c_name).filter(|s| !s.is_empty()),
            topic: text(c_topic),
            unit: text(c_unit),
            numerator: text(c_num),
            denominator: text(c_den),
            description: text(c_desc),
            source: text(c_src),
            ..Default::default()
        };
        if let Some(c) = c_dec {
            let t = row.cells[c].as_text();
            if !t.trim().is_empty() {
                match t.trim().parse::<i64>() {
                    Ok(d) if (0..=6).contains(&d) => u.decimals = Some(d),
                    _ => problems.push(Problem::at(
                        row.line,
                        &h[c],
                        t,
                        "Nachkommastellen müssen eine ganze Zahl von 0 bis 6 sein",
                    )),
                }
            }
        }
        if let Some(c) = c_kind {
            let t = row.cells[c].as_text();
            match IndicatorKind::parse(&t) {
                Some(k) => u.kind = Some(k),
                None => problems.push(Problem::at(
                    row.line,
                    &h[c],
                    t,
                    "unbekannte Art (Anzahl, Anteil, Rate je 1000, Verhältnis, kategorial)",
                )),
            }
        }
        if let Some(c) = c_agg {
            let t = row.cells[c].as_text();
            match AggregationRule::parse(&t) {
                Some(a) => u.aggregation = Some(a),
                None => problems.push(Problem::at(row.line, &h[c], t, "unbekannte Aggregationsregel (Summe, Quotient der Summen, gewichtetes Mittel:KEY, nicht aggregierbar)")),
            }
        }
        if let Some(c) = c_pol {
            let t = row.cells[c].as_text();
            match Polarity::parse(&t) {
                Some(p) => u.polarity = Some(p),
                None => problems.push(Problem::at(
                    row.line,
                    &h[c],
                    t,
                    "unbekannte Polarität (higher_is_better, higher_is_worse, neutral oder +, -, 0)",
                )),
            }
        }
        if let Some(c) = c_threshold {
            let t = row.cells[c].as_text();
            let t = t.trim();
            if t.is_empty() {
                u.suppression_threshold = Some(None);
            } else {
                match t.parse::<i64>() {
                    Ok(n) if n >= 0 => u.suppression_threshold = Some(Some(n)),
                    _ => problems.push(Problem::at(
                        row.line,
                        &h[c],
                        t,
                        "Geheimhaltungsschwelle muss eine ganze Zahl ab 0 sein (leer: Vorgabe des Atlas)",
                    )),
                }
            }
        }
        updates.push((key, u));
    }
    fail_on_problems(&table.source, problems)?;
    let tx = atlas.write()?;
    let mut created = Vec::new();
    for (key, u) in &updates {
        let (id, new) = ensure_indicator(&tx, key, u.kind.unwrap_or(IndicatorKind::Unspecified))?;
        if new {
            created.push(key.clone());
        }
        apply_indicator_update(&tx, id, u)?;
    }
    log(
        &tx,
        "import_metadata",
        &format!("{}: Metadaten für {} Indikatoren", table.source, updates.len()),
    )?;
    tx.commit()?;
    Ok(MetadataImportSummary {
        file: table.source,
        indicators: updates.into_iter().map(|(k, _)| k).collect(),
        created,
    })
}
