//! Value tables for Excel: key, name, one column per indicator, the reference row on top.
//!
//! CSV is written the way German Excel opens it directly: UTF-8 with BOM, `;` as
//! separator, decimal comma. Files are written to a temporary name and renamed, so a
//! failure never leaves a half-written table.

use std::path::Path;

use serde::Serialize;

use crate::model::{IndicatorKind, IndicatorMeta, ValueFlag, ValueStatus, SIGNS_LEGEND};
use crate::numbers::format_german;
use crate::reference::{reference_value, ReferenceStatus, ReferenceValue};
use crate::{Atlas, Error, Result};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// `;`-separated, decimal comma, UTF-8 with BOM.
    Csv,
    /// Excel workbook with number formats and a notes sheet.
    Xlsx,
}

/// How a CSV writes its numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CsvNotation {
    /// For German Excel: `;`, decimal comma, UTF-8 with BOM.
    #[default]
    German,
    /// For R, Python, GIS and English Excel: `,`, decimal point, UTF-8 without BOM.
    International,
}

/// What an export wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ValuesExportSummary {
    /// The output file.
    pub file: String,
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// Area rows (without the reference row).
    pub areas: usize,
    /// Indicator columns.
    pub indicators: Vec<String>,
    /// Format.
    pub format: ExportFormat,
    /// Cells shown as "k. A." by the atlas's suppression (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use, unsuppressed and marked ([`INTERNAL_MARKING`]).
    pub intern: bool,
}

/// One cell of a value table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    /// A number (shown with the column's decimals).
    Number(f64),
    /// A number with a sign of official statistics: "–" (zero), "(1.234)", "1.234 p".
    Flagged(f64, ValueFlag),
    /// The class text of a categorical indicator.
    Text(String),
    /// No number: suppressed ("k. A."), missing ("–") or not applicable ("x").
    Status(ValueStatus),
    /// No stored value.
    Empty,
}

impl TableCell {
    /// The cell as a planner reads it: German notation, "k. A." for suppressed values.
    pub fn display_de(&self, decimals: usize) -> String {
        match self {
            TableCell::Number(v) => format_german(*v, decimals),
            TableCell::Flagged(v, flag) => flag.write(&format_german(*v, decimals)),
            TableCell::Text(t) => t.clone(),
            TableCell::Status(s) => s.display_de().to_string(),
            TableCell::Empty => String::new(),
        }
    }

    /// The number, if the cell has one.
    pub fn number(&self) -> Option<f64> {
        match self {
            TableCell::Number(v) | TableCell::Flagged(v, _) => Some(*v),
            _ => None,
        }
    }
}

/// One indicator column with its reference value (the Gesamtstadt row).
#[derive(Debug, Clone)]
pub struct TableColumn {
    /// The indicator.
    pub indicator: IndicatorMeta,
    /// Its reference value by its aggregation rule.
    pub reference: ReferenceValue,
}

impl TableColumn {
    /// Decimals to show.
    pub fn decimals(&self) -> usize {
        self.indicator.decimals.max(0) as usize
    }

    /// The header: name and unit.
    pub fn header(&self) -> String {
        if self.indicator.unit.is_empty() {
            self.indicator.name.clone()
        } else {
            format!("{} ({})", self.indicator.name, self.indicator.unit)
        }
    }
}

/// One area row.
#[derive(Debug, Clone)]
pub struct TableRow {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// One cell per column.
    pub cells: Vec<TableCell>,
}

/// The values of one level and period: key, name, one column per indicator, and the
/// reference row. The table pane shows it, the clipboard and the export files write it.
#[derive(Debug, Clone)]
pub struct ValueTable {
    /// The municipality (atlas name), for the reference row.
    pub municipality: String,
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// Indicator columns.
    pub columns: Vec<TableColumn>,
    /// Area rows, by key.
    pub rows: Vec<TableRow>,
    /// The atlas's attribution (sources, licences), written with the table; may be empty.
    pub attribution: String,
    /// Notes written under the table (and on the notes sheet): the suppression rule, the
    /// internal marking.
    pub notes: Vec<String>,
    /// Marked for internal use ([`INTERNAL_MARKING`]): not suppressed.
    pub internal: bool,
    /// Cells hidden by [`ValueTable::protect`] (with the reference cells).
    pub suppressed_cells: usize,
}

/// Writes a file through `write` to a temporary name beside `out` and renames it, so `out`
/// appears whole or not at all; the temporary file is removed when writing fails.
pub fn write_via_temporary<T>(out: &Path, write: impl FnOnce(&Path) -> Result<T>) -> Result<T> {
    let tmp = out.with_extension(format!("{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    match write(&tmp) {
        Ok(done) => {
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                Error::io(out, e)
            })?;
            Ok(done)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes `bytes` to `out` whole or not at all ([`write_via_temporary`]).
pub fn write_whole(out: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temporary(out, |tmp| std::fs::write(tmp, bytes).map_err(|e| Error::io(tmp, e)))
}

/// What a written file's message adds about its protection: " (nur für den Dienstgebrauch)"
/// or ", 4 Zellen geheim gehalten (k. A.)".
pub fn protection_note(intern: bool, suppressed_cells: usize) -> String {
    if intern {
        " (nur für den Dienstgebrauch)".to_string()
    } else {
        format!(", {suppressed_cells} Zellen geheim gehalten (k. A.)")
    }
}

/// The marking of every output that holds unsuppressed counts (`--intern`).
pub const INTERNAL_MARKING: &str = "Nur für den Dienstgebrauch – enthält nicht geheimgehaltene Fallzahlen";

/// How a note row under an exported table begins; the value import skips such rows.
pub const NOTE_PREFIX: &str = "Hinweis: ";

/// The value table of a level and period for the given indicators (in that order), or for
/// every indicator with values there when `indicators` is `None`.
pub fn value_table(atlas: &Atlas, level: &str, period: &str, indicators: Option<&[String]>) -> Result<ValueTable> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let areas = atlas.areas(level.id)?;
    let chosen: Vec<IndicatorMeta> = match indicators {
        Some(keys) => keys.iter().map(|k| atlas.indicator(k)).collect::<Result<_>>()?,
        None => {
            let mut stmt = atlas.conn.prepare(
                "SELECT indicator_id FROM value_series WHERE level_id = ?1 AND period_id = ?2 AND values_total > 0",
            )?;
            let present = stmt
                .query_map([level.id, period.id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            atlas
                .indicators()?
                .into_iter()
                .filter(|i| present.contains(&i.id))
                .collect()
        }
    };
    if chosen.is_empty() {
        return Err(Error::Invalid(format!(
            "Für Ebene „{}“ und Zeitraum „{}“ gibt es keine Werte",
            level.name, period.label
        )));
    }
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for indicator in chosen {
        let reference = reference_value(atlas, &indicator, level.id, period.id)?;
        values.push(atlas.values(indicator.id, level.id, period.id)?);
        columns.push(TableColumn { indicator, reference });
    }
    // A combined area ("A und B") is a row only where it stands in for its members in one of
    // the columns (it has a value there and they have none).
    let combined: std::collections::HashSet<i64> = atlas
        .merged_areas(level.id)?
        .iter()
        .map(|m| areas[m.combined].id)
        .collect();
    let rows = areas
        .into_iter()
        .filter(|area| !combined.contains(&area.id) || values.iter().any(|v| v.contains_key(&area.id)))
        .map(|area| {
            let cells = columns
                .iter()
                .zip(&values)
                .map(|(column, values)| match values.get(&area.id) {
                    Some(v) if v.status == ValueStatus::Ok => match (&v.value, &v.text) {
                        (Some(n), _) if column.indicator.kind != IndicatorKind::Categorical => match v.flag {
                            Some(flag) => TableCell::Flagged(*n, flag),
                            None => TableCell::Number(*n),
                        },
                        (_, Some(t)) => TableCell::Text(t.clone()),
                        (Some(n), None) => TableCell::Number(*n),
                        (None, None) => TableCell::Empty,
                    },
                    Some(v) => TableCell::Status(v.status),
                    None => TableCell::Empty,
                })
                .collect();
            TableRow {
                key: area.key.to_string(),
                name: area.name.to_string(),
                cells,
            }
        })
        .collect();
    let meta = atlas.meta()?;
    Ok(ValueTable {
        municipality: meta.name,
        level: level.name,
        period: period.label,
        columns,
        rows,
        attribution: meta.attribution,
        notes: Vec::new(),
        internal: false,
        suppressed_cells: 0,
    })
}

impl ValueTable {
    /// Applies the atlas's suppression as `quartier suppress` computes it for this level and
    /// period (primary, derived, secondary, up to the whole municipality): every hidden cell
    /// becomes "k. A.", the reference too where it would give a hidden cell away, and a note
    /// states the rule. What leaves the laptop goes through here unless it is marked internal.
    pub fn protect(self, atlas: &Atlas) -> Result<Self> {
        let keys: Vec<String> = self.columns.iter().map(|c| c.indicator.key.clone()).collect();
        let hidden = crate::analysis::suppress::HiddenCells::compute(atlas, &self.level, &self.period, &keys)?;
        Ok(self.protect_with(&hidden))
    }

    /// Applies cells already computed by [`crate::analysis::suppress::HiddenCells::compute`]
    /// for this level, period and these columns (or more), as [`Self::protect`] does.
    pub fn protect_with(mut self, hidden: &crate::analysis::suppress::HiddenCells) -> Self {
        for row in &mut self.rows {
            for (cell, column) in row.cells.iter_mut().zip(&self.columns) {
                if hidden.hides(&column.indicator.key, &row.key) {
                    *cell = TableCell::Status(ValueStatus::Suppressed);
                }
            }
        }
        for column in &mut self.columns {
            if hidden.hides_reference(&column.indicator.key) {
                let reference = &mut column.reference;
                reference.value = None;
                reference.computed = None;
                reference.status = ReferenceStatus::NotComputable;
                reference.method = "geheim gehalten".into();
            }
        }
        self.suppressed_cells = hidden.len();
        self.notes.extend(hidden.footnote());
        self
    }

    /// Marks the table for internal use: unsuppressed, with [`INTERNAL_MARKING`].
    pub fn mark_internal(mut self) -> Self {
        self.internal = true;
        self.notes.insert(0, INTERNAL_MARKING.to_string());
        self
    }

    /// The header row: key, name, one header per column.
    pub fn header(&self) -> Vec<String> {
        let mut header = vec!["Schlüssel".to_string(), "Name".to_string()];
        header.extend(self.columns.iter().map(TableColumn::header));
        header
    }

    /// The reference row's name; "amtlich" where its values are the official ones.
    pub fn reference_name(&self) -> String {
        if self
            .columns
            .iter()
            .any(|c| c.reference.status == ReferenceStatus::Official)
        {
            format!("{} (Referenz, amtlich)", self.municipality)
        } else {
            format!("{} (Referenz)", self.municipality)
        }
    }

    /// The row of references computed from the areas, where official ones differ from them.
    fn computed_reference_row(&self) -> Option<Vec<Cell>> {
        if self.columns.iter().all(|c| c.reference.computed.is_none()) {
            return None;
        }
        let mut row = vec![
            Cell::Text(String::new()),
            Cell::Text(format!("{} (Referenz, aus den Gebieten berechnet)", self.municipality)),
        ];
        row.extend(self.columns.iter().map(|c| match c.reference.computed {
            Some(v) => Cell::Number(v, c.decimals()),
            None => Cell::Text(String::new()),
        }));
        Some(row)
    }

    /// The chosen rows (indices into `rows`, in the order given) with the header and the
    /// reference row as tab-separated text in German notation, for pasting into Excel.
    pub fn to_tsv(&self, rows: &[usize]) -> String {
        let clean = |t: &str| t.replace(['\t', '\n'], " ");
        let mut out = self.header().iter().map(|h| clean(h)).collect::<Vec<_>>().join("\t");
        out.push('\n');
        let mut reference = vec![String::new(), self.reference_name()];
        reference.extend(self.columns.iter().map(|c| c.reference.display_de(c.decimals())));
        out.push_str(&reference.join("\t"));
        out.push('\n');
        for row in rows.iter().filter_map(|i| self.rows.get(*i)) {
            let mut line = vec![clean(&row.key), clean(&row.name)];
            line.extend(
                row.cells
                    .iter()
                    .zip(&self.columns)
                    .map(|(c, col)| clean(&c.display_de(col.decimals()))),
            );
            out.push_str(&line.join("\t"));
            out.push('\n');
        }
        out
    }

    /// Writes the table as CSV or XLSX (to a temporary name first, then renamed).
    pub fn write(&self, format: ExportFormat, out: &Path) -> Result<ValuesExportSummary> {
        self.write_in(format, CsvNotation::German, out)
    }

    /// [`ValueTable::write`] with the CSV notation chosen.
    pub fn write_in(&self, format: ExportFormat, notation: CsvNotation, out: &Path) -> Result<ValuesExportSummary> {
        let header = self.header();
        let mut rows: Vec<Vec<Cell>> = Vec::with_capacity(self.rows.len() + 1);
        let mut reference_row = vec![Cell::Text(String::new()), Cell::Text(self.reference_name())];
        reference_row.extend(self.columns.iter().map(|c| match c.reference.value {
            Some(v) => Cell::Number(v, c.decimals()),
            None => Cell::Text(c.reference.display_de(c.decimals())),
        }));
        rows.push(reference_row);
        rows.extend(self.computed_reference_row());
        // A note fills the first cell of a full-width row (CSV needs rows of equal length).
        let note_rows: Vec<Vec<Cell>> = self
            .notes
            .iter()
            .map(|n| {
                std::iter::once(Cell::Text(format!("{NOTE_PREFIX}{n}")))
                    .chain((1..header.len()).map(|_| Cell::Text(String::new())))
                    .collect()
            })
            .collect();
        for row in &self.rows {
            let mut cells = vec![Cell::Text(row.key.clone()), Cell::Text(row.name.clone())];
            cells.extend(row.cells.iter().zip(&self.columns).map(|(c, col)| match c {
                TableCell::Number(v) => Cell::Number(*v, col.decimals()),
                TableCell::Flagged(v, flag) => Cell::Flagged(*v, col.decimals(), *flag),
                other => Cell::Text(other.display_de(col.decimals())),
            }));
            rows.push(cells);
        }
        let indicators: Vec<IndicatorMeta> = self.columns.iter().map(|c| c.indicator.clone()).collect();
        let methods: Vec<String> = self.columns.iter().map(|c| c.reference.method.clone()).collect();
        rows.extend(note_rows);
        write_via_temporary(out, |tmp| match format {
            ExportFormat::Csv => write_csv(tmp, &header, &rows, notation),
            ExportFormat::Xlsx => write_xlsx(
                tmp,
                &header,
                &rows,
                &indicators,
                &methods,
                [&self.level, &self.period, &self.attribution],
                self.internal,
            ),
        })?;
        Ok(ValuesExportSummary {
            file: out.display().to_string(),
            level: self.level.clone(),
            period: self.period.clone(),
            areas: self.rows.len(),
            indicators: indicators.into_iter().map(|i| i.key).collect(),
            format,
            suppressed_cells: self.suppressed_cells,
            intern: self.internal,
        })
    }
}

enum Cell {
    Number(f64, usize),
    /// A number with its sign, written as text ("–", "(1234)", "12 p"): a spreadsheet number
    /// cannot carry the sign.
    Flagged(f64, usize, ValueFlag),
    Text(String),
}

/// Writes the values of one level and period: every indicator with values there.
///
/// Suppressed by the atlas's rules ([`ValueTable::protect`]) unless `intern`, which writes
/// every value and marks the file ([`INTERNAL_MARKING`]).
pub fn export_values(
    atlas: &Atlas,
    level: &str,
    period: &str,
    format: ExportFormat,
    notation: CsvNotation,
    out: &Path,
    intern: bool,
) -> Result<ValuesExportSummary> {
    let table = value_table(atlas, level, period, None)?;
    let table = if intern {
        table.mark_internal()
    } else {
        table.protect(atlas)?
    };
    table.write_in(format, notation, out)
}

fn write_csv(path: &Path, header: &[String], rows: &[Vec<Cell>], notation: CsvNotation) -> Result<()> {
    let io = |e: std::io::Error| Error::io(path, e);
    let (mut buf, delimiter): (Vec<u8>, u8) = match notation {
        CsvNotation::German => (b"\xEF\xBB\xBF".to_vec(), b';'),
        CsvNotation::International => (Vec::new(), b','),
    };
    let number = |v: f64, d: usize| match notation {
        CsvNotation::German => format_german(v, d).replace('.', ""),
        CsvNotation::International => format!("{v:.d$}"),
    };
    {
        let mut w = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut buf);
        let csv_err = |e: csv::Error| {
            Error::Invalid(format!(
                "{}: nicht schreibbar ({})",
                path.display(),
                crate::import::reasons::csv_reason(&e)
            ))
        };
        w.write_record(header).map_err(csv_err)?;
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Number(v, d) => number(*v, *d),
                Cell::Flagged(v, d, flag) => flag.write(&number(*v, *d)),
                Cell::Text(t) => t.clone(),
            }))
            .map_err(csv_err)?;
        }
        w.flush().map_err(io)?;
    }
    std::fs::write(path, buf).map_err(io)
}

fn write_xlsx(
    path: &Path,
    header: &[String],
    rows: &[Vec<Cell>],
    indicators: &[crate::model::IndicatorMeta],
    methods: &[String],
    [level, period, attribution]: [&str; 3],
    internal: bool,
) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let x = |e: rust_xlsxwriter::XlsxError| Error::Invalid(format!("{}: XLSX nicht schreibbar: {e}", path.display()));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_text_wrap();
    let number_formats: Vec<Format> = (0..=6)
        .map(|d| {
            Format::new().set_num_format(if d == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(d))
            })
        })
        .collect();
    let ws = wb.add_worksheet();
    ws.set_name("Werte").map_err(x)?;
    // Printed, every page says it.
    if internal {
        ws.set_header(format!("&C&B{INTERNAL_MARKING}"));
    }
    for (c, h) in header.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold).map_err(x)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Number(v, d) => ws
                    .write_number_with_format(r, c, *v, &number_formats[(*d).min(6)])
                    .map(|_| ()),
                Cell::Flagged(v, d, flag) => ws.write_string(r, c, flag.write(&format_german(*v, *d))).map(|_| ()),
                Cell::Text(t) if r == 1 => ws.write_string_with_format(r, c, t, &bold).map(|_| ()),
                Cell::Text(t) => ws.write_string(r, c, t).map(|_| ()),
            }
            .map_err(x)?;
        }
    }
    ws.set_freeze_panes(2, 2).map_err(x)?;
    ws.set_column_width(1, 28).map_err(x)?;
    for c in 2..header.len() {
        ws.set_column_width(c as u16, 16).map_err(x)?;
    }
    let notes = wb.add_worksheet();
    notes.set_name("Hinweise").map_err(x)?;
    if internal {
        notes.set_header(format!("&C&B{INTERNAL_MARKING}"));
    }
    notes
        .write_string_with_format(
            0,
            0,
            format!("Ebene: {level}, Zeitraum: {period}. {SIGNS_LEGEND}"),
            &bold,
        )
        .map_err(x)?;
    if !attribution.is_empty() {
        notes.write_string(1, 0, format!("Quelle: {attribution}")).map_err(x)?;
    }
    for (c, h) in [
        "Schlüssel",
        "Name",
        "Einheit",
        "Referenzzeile",
        "Beschreibung",
        "Quelle",
    ]
    .iter()
    .enumerate()
    {
        notes.write_string_with_format(2, c as u16, *h, &bold).map_err(x)?;
    }
    for (r, (ind, method)) in indicators.iter().zip(methods).enumerate() {
        let r = r as u32 + 3;
        for (c, t) in [&ind.key, &ind.name, &ind.unit, method, &ind.description, &ind.source]
            .iter()
            .enumerate()
        {
            notes.write_string(r, c as u16, t.as_str()).map_err(x)?;
        }
    }
    wb.save(path).map_err(x)
}
