//! Value tables for Excel: key, name, one column per indicator, the reference row on top.
//!
//! CSV is written the way German Excel opens it directly: UTF-8 with BOM, `;` as
//! separator, decimal comma. Files are written to a temporary name and renamed, so a
//! failure never leaves a half-written table.

use std::path::Path;

use serde::Serialize;

use crate::model::{IndicatorKind, ValueStatus};
use crate::numbers::format_german;
use crate::reference::reference_value;
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
}

enum Cell {
    Number(f64, usize),
    Text(String),
}

/// Writes the values of one level and period.
pub fn export_values(
    atlas: &Atlas,
    level: &str,
    period: &str,
    format: ExportFormat,
    out: &Path,
) -> Result<ValuesExportSummary> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let areas = atlas.areas(level.id)?;
    let present: Vec<i64> = {
        let mut stmt = atlas.conn.prepare(
            "SELECT indicator_id FROM value_series WHERE level_id = ?1 AND period_id = ?2 AND values_total > 0",
        )?;
        let ids = stmt
            .query_map([level.id, period.id], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<i64>>>()?;
        ids
    };
    let indicators: Vec<_> = atlas
        .indicators()?
        .into_iter()
        .filter(|i| present.contains(&i.id))
        .collect();
    if indicators.is_empty() {
        return Err(Error::Invalid(format!(
            "Für Ebene „{}“ und Zeitraum „{}“ gibt es keine Werte",
            level.name, period.label
        )));
    }
    let meta = atlas.meta()?;

    let mut header = vec!["Schlüssel".to_string(), "Name".to_string()];
    header.extend(indicators.iter().map(|i| {
        if i.unit.is_empty() {
            i.name.clone()
        } else {
            format!("{} ({})", i.name, i.unit)
        }
    }));
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut reference_row = vec![
        Cell::Text(String::new()),
        Cell::Text(format!("{} (Referenz)", meta.name)),
    ];
    let mut methods = Vec::new();
    let mut columns = Vec::new();
    for ind in &indicators {
        let r = reference_value(atlas, ind, level.id, period.id)?;
        reference_row.push(match r.value {
            Some(v) => Cell::Number(v, ind.decimals as usize),
            None => Cell::Text(String::new()),
        });
        methods.push(r.method);
        columns.push(atlas.values(ind.id, level.id, period.id)?);
    }
    rows.push(reference_row);
    for area in &areas {
        let mut row = vec![Cell::Text(area.key.clone()), Cell::Text(area.name.clone())];
        for (ind, values) in indicators.iter().zip(&columns) {
            row.push(match values.get(&area.id) {
                Some(v) if v.status == ValueStatus::Ok => match (&v.value, &v.text) {
                    (Some(n), _) if ind.kind != IndicatorKind::Categorical => {
                        Cell::Number(*n, ind.decimals.max(0) as usize)
                    }
                    (_, Some(t)) => Cell::Text(t.clone()),
                    (Some(n), None) => Cell::Number(*n, ind.decimals.max(0) as usize),
                    (None, None) => Cell::Text(String::new()),
                },
                Some(v) => Cell::Text(v.status.display_de().to_string()),
                None => Cell::Text(String::new()),
            });
        }
        rows.push(row);
    }

    let tmp = out.with_extension(format!("{}.tmp", std::process::id()));
    let written = match format {
        ExportFormat::Csv => write_csv(&tmp, &header, &rows),
        ExportFormat::Xlsx => write_xlsx(&tmp, &header, &rows, &indicators, &methods, &level.name, &period.label),
    };
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, out).map_err(|e| Error::io(out, e))?;
    Ok(ValuesExportSummary {
        file: out.display().to_string(),
        level: level.name,
        period: period.label,
        areas: areas.len(),
        indicators: indicators.into_iter().map(|i| i.key).collect(),
        format,
    })
}

fn write_csv(path: &Path, header: &[String], rows: &[Vec<Cell>]) -> Result<()> {
    let io = |e: std::io::Error| Error::io(path, e);
    let mut buf: Vec<u8> = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(&mut buf);
        let csv_err = |e: csv::Error| Error::Invalid(format!("{}: {e}", path.display()));
        w.write_record(header).map_err(csv_err)?;
        for row in rows {
            w.write_record(row.iter().map(|c| match c {
                Cell::Number(v, d) => format_german(*v, *d).replace('.', ""),
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
    level: &str,
    period: &str,
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
    notes.write_string_with_format(0, 0, format!("Ebene: {level}, Zeitraum: {period}. „k. A.“ = keine Angabe (Datenschutz), „–“ = fehlt, „x“ = nicht sinnvoll."), &bold).map_err(x)?;
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
