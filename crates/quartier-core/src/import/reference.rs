//! Official reference values from a separate file: the row of the municipality's published
//! totals ("Hamburg", "Stadt Solingen insgesamt") becomes the official reference of a level
//! at a period, one value per indicator column. The same from the values file itself is
//! `--reference-row` of [`super::values`]. See [`crate::reference`] for how it is shown.

use std::path::PathBuf;

use serde::Serialize;

use crate::import::values::parse_raw_cell;
use crate::keys::name_match_form;
use crate::numbers::{detect_decimal_separator, DashMeaning, DecimalSeparator};
use crate::store::{ensure_period, log, write_official_reference, Atlas};
use crate::table::{read_table, RawCell};
use crate::{Error, Result, StoredValue};

/// What to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReferenceImport {
    /// CSV or spreadsheet.
    pub file: PathBuf,
    /// The level whose reference the values are.
    pub level: String,
    /// The period.
    pub period: String,
    /// The name of the row (any cell of it) with the totals.
    pub row: String,
    /// Worksheet.
    pub sheet: Option<String>,
}

/// One official value stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfficialValue {
    /// Indicator key.
    pub indicator: String,
    /// The column it came from.
    pub column: String,
    /// The value as stored (German notation, signs).
    pub value: String,
}

/// What the import did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceImportSummary {
    /// File name.
    pub file: String,
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// The line of the row used.
    pub line: usize,
    /// The values stored.
    pub values: Vec<OfficialValue>,
    /// Columns that name no indicator of the atlas (not imported).
    pub skipped_columns: Vec<String>,
}

/// Imports the official reference of a level and period from a row of a file. All or nothing.
pub fn import_reference(atlas: &mut Atlas, opts: &ReferenceImport) -> Result<ReferenceImportSummary> {
    let table = read_table(&opts.file, opts.sheet.as_deref())?;
    let file = table.source.clone();
    let level = atlas.level(&opts.level)?;
    let wanted = name_match_form(&opts.row);
    let rows: Vec<&crate::table::RawRow> = table
        .rows
        .iter()
        .filter(|r| r.cells.iter().any(|c| name_match_form(&c.as_text()) == wanted))
        .collect();
    let row = match rows[..] {
        [one] => one,
        [] => {
            return Err(Error::Invalid(format!(
                "{file}: keine Zeile „{}“ (--row) gefunden",
                opts.row.trim()
            )))
        }
        ref several => {
            return Err(Error::Invalid(format!(
                "{file}: „{}“ steht in {} Zeilen ({}); bitte eindeutig benennen",
                opts.row.trim(),
                several.len(),
                several
                    .iter()
                    .map(|r| r.line.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    };
    let texts: Vec<String> = row.cells.iter().map(RawCell::as_text).collect();
    let decimal = detect_decimal_separator(texts.iter().map(String::as_str));
    let mut found = Vec::new();
    let mut skipped_columns = Vec::new();
    for (c, heading) in table.headers.iter().enumerate() {
        let cell = &row.cells[c];
        if name_match_form(&cell.as_text()) == wanted || heading.trim().is_empty() {
            continue;
        }
        let indicator = atlas
            .indicator(heading)
            .or_else(|_| atlas.indicator(&crate::keys::key_from_heading(heading)));
        match indicator {
            Ok(meta) => found.push((meta, heading.clone(), official_cell(cell, decimal))),
            Err(_) => skipped_columns.push(heading.clone()),
        }
    }
    if found.is_empty() {
        return Err(Error::Invalid(format!(
            "{file}: keine Spalte nennt einen Indikator des Atlas (Spalten: {})",
            table.headers.join(", ")
        )));
    }
    let source = format!("{file}, Zeile {}", row.line);
    let tx = atlas.write()?;
    let period_id = ensure_period(&tx, &opts.period)?;
    let mut values = Vec::new();
    for (meta, column, value) in &found {
        write_official_reference(&tx, meta.id, level.id, period_id, value, &source)?;
        values.push(OfficialValue {
            indicator: meta.key.clone(),
            column: column.clone(),
            value: value.display_de(meta.decimals.max(0) as usize),
        });
    }
    log(
        &tx,
        "import_reference",
        &format!(
            "{source}: {} amtliche Referenzwerte für Ebene „{}“, Zeitraum {}",
            values.len(),
            level.name,
            opts.period.trim()
        ),
    )?;
    tx.commit()?;
    Ok(ReferenceImportSummary {
        file,
        level: level.name,
        period: opts.period.trim().to_string(),
        line: row.line,
        values,
        skipped_columns,
    })
}

/// A cell of the totals row as a stored value, read like every imported value; text that is
/// no number or sign gives no official value.
fn official_cell(cell: &RawCell, decimal: DecimalSeparator) -> StoredValue {
    let mut value = parse_raw_cell(cell, decimal, DashMeaning::Zero);
    if value.text.take().is_some() {
        value.status = crate::model::ValueStatus::Missing;
    }
    value
}
