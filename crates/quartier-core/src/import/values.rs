//! Indicator values from CSV or spreadsheets, in wide or long form.
//!
//! Wide form: one row per area, one column per indicator, one period for the file.
//! Long form: one row per (area, indicator, period, value).
//!
//! Numbers may be German (`1 675`, `9,7`) or English (`2.7978`); markers become value
//! statuses, never zeros. Keys are normalised (zero-padded). Rows that are totals of
//! other rows (Bezirk and city sums at the end of statistical tables) are recognised
//! and reported, never imported as areas; merged areas ("A und B") are reported too.
//! Re-importing a period replaces exactly the values of the file, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use rusqlite::params;
use serde::Serialize;

use super::{fail_on_problems, Problem};
use crate::keys::{clean_key, name_match_form, numeric_key_width, pad_key};
use crate::model::{IndicatorKind, ValueStatus};
use crate::numbers::{
    detect_decimal_separator, parse_cell_with, sign_of_marker, DashMeaning, DecimalSeparator, ParsedCell,
};
use crate::progress::{check_cancel, Progress};
use crate::store::{ensure_indicator, ensure_period, log, read_series, write_official_reference, write_series, Atlas};
use crate::table::{read_table, RawCell, RawTable};
use crate::{Error, Result, StoredValue};

/// What to do with rows whose key matches no area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnmatchedPolicy {
    /// Abort and list every unmatched key (the default).
    #[default]
    Abort,
    /// Import the rest and report the unmatched rows.
    Skip,
    /// Create areas without geometry for unmatched keys.
    CreateMissing,
}

/// How rows find their area.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchBy {
    /// By the area key (normalised).
    #[default]
    Key,
    /// By the area name (case and spacing ignored); for tables that carry no keys.
    Name,
}

/// Column names of the long form.
#[derive(Debug, Clone, PartialEq)]
pub struct LongForm {
    /// Column with the indicator key.
    pub indicator_column: String,
    /// Column with the period label.
    pub period_column: String,
    /// Column with the value.
    pub value_column: String,
}

/// What to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValuesImport {
    /// CSV, XLSX, XLS or ODS.
    pub file: PathBuf,
    /// The spatial level whose areas the rows are.
    pub level: String,
    /// Column with the area key (or name, with [`MatchBy::Name`]).
    pub key_column: String,
    /// Column with the area name (used for reports and created areas).
    pub name_column: Option<String>,
    /// The period of a wide file (ignored in long form).
    pub period: Option<String>,
    /// Worksheet of a spreadsheet.
    pub sheet: Option<String>,
    /// Wide form: the columns to import, each `COLUMN` or `COLUMN=INDICATOR_KEY`; empty: all others.
    pub columns: Vec<String>,
    /// Long form, if the file is long.
    pub long: Option<LongForm>,
    /// Unmatched keys.
    pub unmatched: UnmatchedPolicy,
    /// Key or name matching.
    pub match_by: MatchBy,
    /// Forces the decimal separator instead of detecting it.
    pub decimal: Option<DecimalSeparator>,
    /// What a lone dash means: zero (*nichts vorhanden*, the official sign) or missing.
    pub dash: DashMeaning,
    /// With [`UnmatchedPolicy::CreateMissing`]: creating more than
    /// [`CREATE_WITHOUT_CONFIRMATION`] areas is confirmed (`--yes`).
    pub confirm_create: bool,
    /// The name of a row (in the key column) whose values are the official reference of the
    /// imported level (`--reference-row`, e.g. the "Hamburg" total row): stored as such,
    /// never imported as an area.
    pub reference_row: Option<String>,
    /// Rows that stand for several areas ("Moorfleet und Tatenberg") become combined areas of
    /// the level (`--merge-rows`): key "A+B", the members' union as geometry, standing in for
    /// the members where they have no value ([`crate::store::MergedArea`]).
    pub merge_rows: bool,
}

/// A combined area created from a merged row (`--merge-rows`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CombinedAreaCreated {
    /// Its key: the members' keys joined by "+".
    pub key: String,
    /// Its name: the row's text.
    pub name: String,
    /// The members' keys.
    pub members: Vec<String>,
    /// The line of the row.
    pub line: usize,
}

/// The official reference taken from a row of the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReferenceRow {
    /// Its line.
    pub line: usize,
    /// Its name as written.
    pub name: String,
    /// Official values stored (one per indicator and period).
    pub values: usize,
}

/// How many areas `--create-missing` creates without `--yes`: a handful is a late delivery,
/// more is usually a wrong key column.
pub const CREATE_WITHOUT_CONFIRMATION: usize = 5;

/// The hint for a row whose key matched no area: where the column holds names of the
/// level's areas, matching by name helps; otherwise skipping or creating.
fn unmatched_hint(raw: &str, match_by: MatchBy, names: &HashMap<String, Vec<i64>>) -> String {
    let looks_like_name = raw.chars().any(char::is_alphabetic) && !raw.chars().any(|c| c.is_ascii_digit());
    if match_by == MatchBy::Key && (names.contains_key(&name_match_form(raw)) || looks_like_name) {
        return "die Spalte enthält Namen: mit --match-by name über den Gebietsnamen zuordnen".to_string();
    }
    "mit --skip-unmatched überspringen oder, wenn das Gebiet neu ist, mit --create-missing ohne Geometrie anlegen"
        .to_string()
}

/// A row that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedRow {
    /// Line or row number.
    pub line: usize,
    /// The key or name as written.
    pub key: String,
    /// Why, in German.
    pub reason: String,
}

/// Counts of written values by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct StatusCounts {
    /// Numbers and categories.
    pub ok: usize,
    /// Missing markers and empty cells.
    pub missing: usize,
    /// "k. A.", "." and the like.
    pub suppressed: usize,
    /// "x".
    pub not_applicable: usize,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct ValuesImportSummary {
    /// The file name.
    pub file: String,
    /// The level.
    pub level: String,
    /// Periods written.
    pub periods: Vec<String>,
    /// Periods that had no values of these indicators before (added, not replaced).
    pub periods_added: Vec<String>,
    /// Data rows in the file.
    pub rows_read: usize,
    /// Rows written.
    pub rows_imported: usize,
    /// Values written.
    pub values_written: usize,
    /// Values by status.
    pub values_by_status: StatusCounts,
    /// Indicator keys written.
    pub indicators: Vec<String>,
    /// Indicators that did not exist before.
    pub indicators_created: Vec<String>,
    /// Short keys made from long headings (the heading is the display name).
    pub keys_from_headings: Vec<HeadingKey>,
    /// Indicators recognised as categorical (no number in the column).
    pub categorical: Vec<String>,
    /// Keys zero-padded to the level's width.
    pub keys_padded: usize,
    /// Decimal separator used.
    pub decimal_separator: DecimalSeparator,
    /// Text encoding of the file.
    pub encoding: String,
    /// Computed indicators recomputed because they read an imported indicator (filled by
    /// the caller after the import's transaction, see [`crate::analysis::compute::refresh_dependents`]).
    pub recomputed: Vec<String>,
    /// Rows whose key matched no area (with `--skip-unmatched`).
    pub unmatched: Vec<SkippedRow>,
    /// Rows recognised as totals of other rows (never imported).
    pub total_rows: Vec<SkippedRow>,
    /// Rows that combine several areas ("A und B").
    pub merged_rows: Vec<SkippedRow>,
    /// Rows of finer areas that share their name with an area of the imported level whose own
    /// row is a total further down (never imported into it).
    pub namesakes: Vec<SkippedRow>,
    /// Areas created without geometry (with `--create-missing`).
    pub areas_created: Vec<String>,
    /// Combined areas created from merged rows (with `--merge-rows`).
    pub combined_areas_created: Vec<CombinedAreaCreated>,
    /// How often each sign of official statistics was met ("–", ".", "…", "/", "x",
    /// "k. A.", "( )", "p", "r", "s", "leer" for empty cells), so the planner sees what was
    /// decided for it.
    pub signs: BTreeMap<String, usize>,
    /// What a lone dash was read as.
    pub dash: DashMeaning,
    /// Things that were imported but look wrong (a count with decimals, a period far from
    /// the atlas's), in German.
    pub warnings: Vec<String>,
    /// Against what the atlas held before: new, unchanged and changed values.
    pub changes: ValueChanges,
    /// With `--reference-row`: the row whose values became the official reference.
    pub reference_row: Option<ReferenceRow>,
}

/// A key made from a heading.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeadingKey {
    /// The heading as written in the file.
    pub heading: String,
    /// The indicator key made from it.
    pub key: String,
}

/// What a re-import changed.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ValueChanges {
    /// Values where the atlas had none.
    pub new: usize,
    /// Values equal to the stored ones (number, status and sign).
    pub unchanged: usize,
    /// Values that replaced a different stored one.
    pub changed: usize,
    /// The largest changes (by the absolute difference of the numbers; a change of status
    /// counts after those), at most five.
    pub largest: Vec<ValueChange>,
}

/// One changed value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueChange {
    /// Indicator key.
    pub indicator: String,
    /// Period.
    pub period: String,
    /// Area key.
    pub area: String,
    /// Before, as shown (German notation, signs).
    pub before: String,
    /// After, as shown.
    pub after: String,
    /// After minus before, where both are numbers.
    pub difference: Option<f64>,
}

/// A value as the import report shows it: with as many decimals as it has.
fn shown(v: &StoredValue) -> String {
    v.display_de(v.value.map_or(0, crate::numbers::decimals_needed))
}

/// How far a new period may lie from the atlas's periods before the import warns: a year
/// such as 2041 in an atlas of 2013–2020 is usually a typo.
const PERIOD_WARN_YEARS: i64 = 5;

/// Words that mark a row as a total.
const TOTAL_WORDS: &[&str] = &[
    "insgesamt",
    "summe",
    "gesamt",
    "gesamtstadt",
    "total",
    "zusammen",
    "stadt insgesamt",
];

struct AreaIndex {
    by_key: HashMap<String, i64>,
    by_name: HashMap<String, Vec<i64>>,
    width: Option<usize>,
}

#[derive(Clone, Copy)]
enum RowTarget {
    Existing(i64),
    Created(usize),
    /// A combined area to be created (`--merge-rows`), an index into its list.
    Combined(usize),
}

enum RowMatch {
    Area(i64),
    Unmatched,
    Ambiguous(usize),
    /// The row named by `--reference-row`.
    Reference,
}

/// Imports values. All or nothing.
pub fn import_values(atlas: &mut Atlas, opts: &ValuesImport, progress: &dyn Progress) -> Result<ValuesImportSummary> {
    progress.report(0.0, "Tabelle wird gelesen");
    let mut table = read_table(&opts.file, opts.sheet.as_deref())?;
    let file = table.source.clone();
    let level = atlas.level(&opts.level)?;
    let areas = atlas.areas(level.id)?;
    let index = AreaIndex {
        by_key: areas.iter().map(|a| (a.key.to_string(), a.id)).collect(),
        by_name: areas.iter().fold(HashMap::new(), |mut m, a| {
            m.entry(name_match_form(&a.name)).or_insert_with(Vec::new).push(a.id);
            m
        }),
        width: numeric_key_width(areas.iter().map(|a| a.key.as_ref())),
    };
    if opts.unmatched == UnmatchedPolicy::CreateMissing && opts.match_by == MatchBy::Name {
        return Err(Error::Invalid(format!(
            "{file}: Gebiete ohne Geometrie lassen sich nur über Schlüssel anlegen (--match-by key); \
             aus Namen entstünden Gebiete ohne Schlüssel. Fehlende Gebiete zuerst mit ihrer Geometrie importieren \
             oder mit --skip-unmatched überspringen."
        )));
    }
    let atlas_name = name_match_form(&atlas.meta()?.name);
    let key_col = table.require_column(&opts.key_column, "--key-column")?;
    // A table exported by Quartier imports again: its notes ("Hinweis: k. A. = geheim
    // gehalten …") and its reference rows (no key, "Berlin (Referenz)") are no area rows.
    table.rows.retain(|r| {
        let key = r.cells.get(key_col).map(RawCell::as_text).unwrap_or_default();
        let note = key.starts_with(crate::export::NOTE_PREFIX)
            && r.cells
                .iter()
                .enumerate()
                .all(|(i, c)| i == key_col || *c == RawCell::Empty);
        let reference = key.trim().is_empty()
            && r.cells.iter().any(|c| {
                let t = c.as_text();
                t.ends_with(" (Referenz)") || t.contains(" (Referenz, ")
            });
        !note && !reference
    });
    let name_col = opts
        .name_column
        .as_deref()
        .map(|c| table.require_column(c, "--name-column"))
        .transpose()?;

    // Which columns hold values, and under which indicator key.
    let (value_columns, long_cols) = match &opts.long {
        Some(l) => {
            let ic = table.require_column(&l.indicator_column, "--indicator-column")?;
            let pc = table.require_column(&l.period_column, "--period-column")?;
            let vc = table.require_column(&l.value_column, "--value-column")?;
            (vec![(vc, String::new())], Some((ic, pc)))
        }
        None => {
            if opts.period.as_deref().is_none_or(|p| p.trim().is_empty()) {
                return Err(Error::Invalid(
                    "Für eine Tabelle in breiter Form ist --period nötig (z. B. --period 2019)".into(),
                ));
            }
            let mut cols = Vec::new();
            if opts.columns.is_empty() {
                for (i, h) in table.headers.iter().enumerate() {
                    if i != key_col && Some(i) != name_col {
                        if h.is_empty() {
                            return Err(Error::Invalid(format!(
                                "{file}: Spalte {} hat keine Überschrift",
                                i + 1
                            )));
                        }
                        cols.push((i, h.clone()));
                    }
                }
            } else {
                for spec in &opts.columns {
                    let (source, key) = match spec.split_once('=') {
                        Some((s, k)) => (s.trim(), k.trim()),
                        None => (spec.trim(), spec.trim()),
                    };
                    cols.push((table.require_column(source, "--columns")?, key.to_string()));
                }
            }
            if cols.is_empty() {
                return Err(Error::Invalid(format!(
                    "{file}: außer Schlüssel und Name keine Spalten mit Werten"
                )));
            }
            (cols, None)
        }
    };
    let mut seen_keys = BTreeSet::new();
    for (_, key) in &value_columns {
        if !key.is_empty() && !seen_keys.insert(key.clone()) {
            return Err(Error::Invalid(format!(
                "{file}: Indikator „{key}“ kommt in mehreren Spalten vor"
            )));
        }
    }

    let dash = opts.dash;
    let decimal = opts.decimal.unwrap_or_else(|| {
        detect_decimal_separator(table.rows.iter().flat_map(|r| {
            value_columns.iter().filter_map(move |(c, _)| match &r.cells[*c] {
                RawCell::Text(t) => Some(t.as_str()),
                _ => None,
            })
        }))
    });
    check_cancel(progress)?;
    progress.report(0.2, "Schlüssel werden zugeordnet");

    // Match rows to areas.
    let mut problems = Vec::new();
    let mut keys_padded = 0;
    let mut matches = Vec::with_capacity(table.rows.len());
    for row in &table.rows {
        let raw = row.cells[key_col].as_text();
        let m = match opts.match_by {
            MatchBy::Key => {
                let (key, padded) = pad_key(&clean_key(&raw), index.width);
                match index.by_key.get(&key) {
                    Some(id) => {
                        keys_padded += usize::from(padded);
                        RowMatch::Area(*id)
                    }
                    None => RowMatch::Unmatched,
                }
            }
            MatchBy::Name => match index.by_name.get(&name_match_form(&raw)).map(Vec::as_slice) {
                Some([one]) => RowMatch::Area(*one),
                Some(many) => RowMatch::Ambiguous(many.len()),
                None => RowMatch::Unmatched,
            },
        };
        matches.push((raw.trim().to_string(), m));
    }

    // The row named by --reference-row: the official reference of the level, not an area.
    let reference_rows: Vec<usize> = match &opts.reference_row {
        None => Vec::new(),
        Some(name) => {
            let wanted = name_match_form(name);
            let found: Vec<usize> = (0..matches.len())
                .filter(|i| name_match_form(&matches[*i].0) == wanted)
                .collect();
            if found.is_empty() || (long_cols.is_none() && found.len() > 1) {
                return Err(Error::Invalid(format!(
                    "{file}: die Referenzzeile „{name}“ (--reference-row) steht {} in der Spalte „{}“",
                    if found.is_empty() {
                        "nicht".to_string()
                    } else {
                        format!(
                            "{}-mal (Zeilen {})",
                            found.len(),
                            found
                                .iter()
                                .map(|i| table.rows[*i].line.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                    opts.key_column
                )));
            }
            found
        }
    };
    for &i in &reference_rows {
        matches[i].1 = RowMatch::Reference;
    }

    // Rows that occur twice or match nothing are checked for being totals of other rows.
    let mut area_rows: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, (_, m)) in matches.iter().enumerate() {
        if let RowMatch::Area(id) = m {
            area_rows.entry(*id).or_default().push(i);
        }
    }
    // Only computed when some row is a candidate: it parses every value column once more.
    let count_sums = std::cell::OnceCell::new();
    let mut total_rows = Vec::new();
    let mut is_total = vec![false; table.rows.len()];
    // Area → the row that is its own where several rows carry its name (see below).
    let mut own_rows: HashMap<i64, usize> = HashMap::new();
    // In long form an area has many rows; only wide tables hold each area once.
    let duplicate = |m: &RowMatch| long_cols.is_none() && matches!(m, RowMatch::Area(id) if area_rows[id].len() > 1);
    let candidates: Vec<usize> = (0..table.rows.len())
        .filter(|i| {
            let m = &matches[*i].1;
            duplicate(m) || !matches!(m, RowMatch::Area(_) | RowMatch::Reference)
        })
        .collect();
    // How far above a candidate a run may end: the whole table for the few candidates of an
    // ordinary file, shorter when thousands of rows are candidates (a table of new keys, rows
    // repeated), so that the search stays linear in the file.
    let window = (TOTAL_SEARCH_BUDGET / candidates.len().max(1)).max(16);
    for i in candidates {
        let (raw, m) = &matches[i];
        let duplicate = duplicate(m);
        let form = name_match_form(raw);
        let by_word = form == atlas_name
            || TOTAL_WORDS
                .iter()
                .any(|w| form == *w || form.starts_with(&format!("{w} ")));
        // The evidence is every column of the file that is not the key, the name or a long
        // form's indicator or period: which columns the user imports does not change which
        // rows are totals.
        let count_sums = count_sums.get_or_init(|| {
            let evidence: Vec<usize> = (0..table.headers.len())
                .filter(|c| *c != key_col && Some(*c) != name_col)
                .filter(|c| long_cols.is_none_or(|(ic, pc)| *c != ic && *c != pc))
                .collect();
            CountSums::new(&table, &count_like_columns(&table, &evidence, decimal), decimal)
        });
        let by_sum = count_sums.total_of_earlier_rows(i, window);
        // A total of rows that are not areas of the imported level, under the name of an area
        // of that level, is that area's own row (importing the Bezirke from a table of
        // Stadtteile with Bezirk totals): the other rows of that name are finer areas that
        // share it.
        if let (Some((a, b)), RowMatch::Area(id), true) = (by_sum, m, duplicate) {
            let run_of_level = (a..=b).filter(|j| matches!(matches[*j].1, RowMatch::Area(_))).count();
            if run_of_level * 2 < b - a + 1 {
                own_rows.insert(*id, i);
                continue;
            }
        }
        if by_word || by_sum.is_some() {
            is_total[i] = true;
            let reason = match by_sum {
                Some((a, b)) => format!(
                    "Summenzeile: Summe der Zeilen {}–{}",
                    table.rows[a].line, table.rows[b].line
                ),
                None => "Summenzeile (Gesamtwert)".to_string(),
            };
            total_rows.push(SkippedRow {
                line: table.rows[i].line,
                key: raw.clone(),
                reason,
            });
        }
    }

    // By position: unmatched rows after the last ordinary area row belong to the block of
    // totals at the end of the table when that block holds a recognised total.
    let ordinary = |i: usize| -> bool {
        matches!(matches[i].1, RowMatch::Area(id) if !is_total[i] && (long_cols.is_some() || area_rows[&id].iter().find(|r| !is_total[**r]) == Some(&i)))
    };
    if let Some(last_ordinary) = (0..table.rows.len()).rev().find(|i| ordinary(*i)) {
        if (last_ordinary + 1..table.rows.len()).any(|i| is_total[i]) {
            for i in last_ordinary + 1..table.rows.len() {
                if !is_total[i]
                    && !matches!(matches[i].1, RowMatch::Area(_) | RowMatch::Reference)
                    && !matches[i].0.is_empty()
                {
                    is_total[i] = true;
                    total_rows.push(SkippedRow {
                        line: table.rows[i].line,
                        key: matches[i].0.clone(),
                        reason: "Summenzeile: steht im Block der Summenzeilen am Tabellenende".into(),
                    });
                }
            }
            total_rows.sort_by_key(|r| r.line);
        }
    }

    let mut unmatched = Vec::new();
    let mut merged_rows = Vec::new();
    let mut namesakes = Vec::new();
    let mut to_create: Vec<(usize, String, String)> = Vec::new();
    // Combined areas to create from merged rows: (row, members' area ids).
    let mut to_combine: Vec<(usize, Vec<i64>)> = Vec::new();
    let mut combined_index: HashMap<Vec<i64>, usize> = HashMap::new();
    // Key → index into `to_create` (a search per row grew quadratically with new keys).
    let mut created_index: HashMap<String, usize> = HashMap::new();
    // Names of the level's areas, for the hint that a key column holds names.
    let name_index_of_all = &index.by_name;
    let mut first_row_of_area: HashMap<i64, usize> = HashMap::new();
    let mut row_area: Vec<Option<RowTarget>> = vec![None; table.rows.len()];
    for (i, (raw, m)) in matches.iter().enumerate() {
        if is_total[i] {
            continue;
        }
        let line = table.rows[i].line;
        match m {
            RowMatch::Area(id) if long_cols.is_some() => row_area[i] = Some(RowTarget::Existing(*id)),
            RowMatch::Area(id) if own_rows.get(id).is_some_and(|own| *own != i) => namesakes.push(SkippedRow {
                line,
                key: raw.clone(),
                reason: format!(
                    "Gebiet einer feineren Ebene mit dem Namen eines Gebiets der Ebene „{}“; dessen Zeile ist die \
                     Summenzeile {} und wird importiert",
                    level.name, table.rows[own_rows[id]].line
                ),
            }),
            RowMatch::Area(id) => {
                if let Some(first) = first_row_of_area.insert(*id, line) {
                    problems.push(Problem::at(
                        line,
                        &opts.key_column,
                        raw,
                        format!("Gebiet doppelt (schon in Zeile {first})"),
                    ));
                } else {
                    row_area[i] = Some(RowTarget::Existing(*id));
                }
            }
            RowMatch::Ambiguous(n) => problems.push(Problem::at(
                line,
                &opts.key_column,
                raw,
                format!(
                    "{n} Gebiete der Ebene „{}“ tragen diesen Namen; über den Schlüssel zuordnen",
                    level.name
                ),
            )),
            RowMatch::Reference => {}
            RowMatch::Unmatched if raw.is_empty() => {
                problems.push(Problem::at(line, &opts.key_column, "", "leerer Schlüssel"))
            }
            RowMatch::Unmatched => {
                let parts = merged_parts(raw, &index);
                if let (Some(members), true) = (&parts, opts.merge_rows) {
                    let mut ids: Vec<i64> = members.iter().map(|(_, id)| *id).collect();
                    ids.sort_unstable();
                    match combined_index.get(&ids).copied() {
                        Some(n) if long_cols.is_some() => row_area[i] = Some(RowTarget::Combined(n)),
                        Some(n) => problems.push(Problem::at(
                            line,
                            &opts.key_column,
                            raw,
                            format!("Gebiet doppelt (schon in Zeile {})", table.rows[to_combine[n].0].line),
                        )),
                        None => {
                            row_area[i] = Some(RowTarget::Combined(to_combine.len()));
                            combined_index.insert(ids.clone(), to_combine.len());
                            to_combine.push((i, ids));
                        }
                    }
                    continue;
                }
                let reason = match &parts {
                    Some(p) => format!(
                        "zusammengefasste Gebiete ({}); Werte lassen sich nicht aufteilen",
                        p.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>().join(" + ")
                    ),
                    None => format!(
                        "kein Gebiet der Ebene „{}“ mit diesem {}",
                        level.name,
                        if opts.match_by == MatchBy::Key {
                            "Schlüssel"
                        } else {
                            "Namen"
                        }
                    ),
                };
                match (opts.unmatched, parts.is_some()) {
                    (UnmatchedPolicy::Abort, true) => problems.push(Problem::at(
                        line,
                        &opts.key_column,
                        raw,
                        format!(
                            "{reason}; mit --merge-rows wird daraus ein zusammengefasstes Gebiet, das für seine \
                             Teile steht (Karte: ihre Vereinigung; Summen und Referenz zählen es einmal), mit \
                             --skip-unmatched wird die Zeile übersprungen und die Gebiete bleiben für diese Werte \
                             leer (ein neues Gebiet anlegen hilft nicht: die Zeile ist kein eigenes Gebiet)"
                        ),
                    )),
                    (UnmatchedPolicy::Abort, false) => problems.push(Problem::at(
                        line,
                        &opts.key_column,
                        raw,
                        format!("{reason} ({})", unmatched_hint(raw, opts.match_by, name_index_of_all)),
                    )),
                    (UnmatchedPolicy::Skip, true) | (UnmatchedPolicy::CreateMissing, true) => {
                        merged_rows.push(SkippedRow {
                            line,
                            key: raw.clone(),
                            reason,
                        })
                    }
                    (UnmatchedPolicy::Skip, false) => unmatched.push(SkippedRow {
                        line,
                        key: raw.clone(),
                        reason,
                    }),
                    (UnmatchedPolicy::CreateMissing, false) => {
                        let key = pad_key(&clean_key(raw), index.width).0;
                        match created_index.get(&key).copied() {
                            Some(n) if long_cols.is_some() => row_area[i] = Some(RowTarget::Created(n)),
                            Some(n) => problems.push(Problem::at(
                                line,
                                &opts.key_column,
                                raw,
                                format!("Gebiet doppelt (schon in Zeile {})", table.rows[to_create[n].0].line),
                            )),
                            None => {
                                let name = name_col
                                    .map(|c| table.rows[i].cells[c].as_text().trim().to_string())
                                    .unwrap_or_default();
                                row_area[i] = Some(RowTarget::Created(to_create.len()));
                                created_index.insert(key.clone(), to_create.len());
                                to_create.push((i, key, name));
                            }
                        }
                    }
                }
            }
        }
    }

    // An import in which no row finds an area writes nothing and creates nothing: it is
    // almost always a wrong key column or level.
    if problems.is_empty() && row_area.iter().all(Option::is_none) {
        let examples: Vec<String> = matches
            .iter()
            .enumerate()
            .filter(|(i, (raw, _))| !is_total[*i] && !raw.is_empty())
            .map(|(_, (raw, _))| format!("„{raw}“"))
            .take(3)
            .collect();
        let level_examples: Vec<String> = areas
            .iter()
            .take(3)
            .map(|a| match opts.match_by {
                MatchBy::Key => format!("„{}“", a.key),
                MatchBy::Name => format!("„{}“", a.name),
            })
            .collect();
        return Err(Error::Invalid(format!(
            "{file}: keine Zeile passt zu einem Gebiet der Ebene „{}“ (0 von {} Zeilen); nichts wurde importiert. \
             Die Spalte „{}“ enthält z. B. {}, die Ebene hat z. B. {}. Stimmen --key-column, --level und --match-by?",
            level.name,
            table.rows.len(),
            opts.key_column,
            if examples.is_empty() {
                "nichts".to_string()
            } else {
                examples.join(", ")
            },
            if level_examples.is_empty() {
                "keine Gebiete".to_string()
            } else {
                level_examples.join(", ")
            },
        )));
    }
    if to_create.len() > CREATE_WITHOUT_CONFIRMATION && !opts.confirm_create {
        let listed: Vec<String> = to_create
            .iter()
            .take(10)
            .map(|(i, key, name)| {
                let line = table.rows[*i].line;
                if name.is_empty() {
                    format!("Zeile {line}: {key}")
                } else {
                    format!("Zeile {line}: {key} {name}")
                }
            })
            .collect();
        return Err(Error::Invalid(format!(
            "{file}: es würden {} Gebiete ohne Geometrie in der Ebene „{}“ angelegt ({}{}); nichts wurde importiert. \
             Wenn das so gewollt ist, mit --yes bestätigen; sonst --key-column, --level oder --match-by prüfen.",
            to_create.len(),
            level.name,
            listed.join(", "),
            if to_create.len() > listed.len() { ", …" } else { "" }
        )));
    }

    // Parse the cells straight into series: one per indicator and period, in row order.
    progress.report(0.35, "Werte werden geprüft");
    let mut indicator_keys: Vec<String> = Vec::new();
    let mut indicator_index: HashMap<String, usize> = HashMap::new();
    let mut period_labels: Vec<String> = Vec::new();
    let mut period_index: HashMap<String, usize> = HashMap::new();
    let intern = |keys: &mut Vec<String>, idx: &mut HashMap<String, usize>, k: &str| -> usize {
        if let Some(i) = idx.get(k) {
            return *i;
        }
        keys.push(k.to_string());
        idx.insert(k.to_string(), keys.len() - 1);
        keys.len() - 1
    };
    let imported_rows: Vec<usize> = (0..table.rows.len()).filter(|i| row_area[*i].is_some()).collect();
    let mut series: Vec<ParsedSeries> = Vec::new();
    match long_cols {
        None => {
            // Wide form: each column is one indicator at the file's period; the columns are
            // parsed on all cores.
            let period = intern(
                &mut period_labels,
                &mut period_index,
                opts.period.as_deref().unwrap_or("").trim(),
            );
            let columns: Vec<(usize, usize)> = value_columns
                .iter()
                .map(|(col, key)| (*col, intern(&mut indicator_keys, &mut indicator_index, key)))
                .collect();
            let threads = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(columns.len());
            let chunk = columns.len().div_ceil(threads.max(1));
            let (table, rows) = (&table, &imported_rows);
            let parsed: Vec<Option<Vec<ParsedSeries>>> = std::thread::scope(|s| {
                let workers: Vec<_> = columns
                    .chunks(chunk)
                    .map(|part| {
                        s.spawn(move || {
                            part.iter()
                                .map(|&(column, indicator)| ParsedSeries {
                                    indicator,
                                    period,
                                    column,
                                    values: rows
                                        .iter()
                                        .map(|&row| {
                                            (row, parse_raw_cell(&table.rows[row].cells[column], decimal, dash))
                                        })
                                        .collect(),
                                })
                                .collect()
                        })
                    })
                    .collect();
                workers.into_iter().map(|w| w.join().ok()).collect()
            });
            for part in parsed {
                series.extend(
                    part.ok_or_else(|| {
                        Error::Internal(format!("{file}: ein Rechenthread ist beim Lesen abgebrochen"))
                    })?,
                );
            }
        }
        Some((ic, pc)) => {
            let (vc, _) = value_columns[0];
            let mut series_index: HashMap<(usize, usize), usize> = HashMap::new();
            for &i in &imported_rows {
                let row = &table.rows[i];
                let indicator_key = row.cells[ic].as_text();
                let period_label = row.cells[pc].as_text();
                if indicator_key.trim().is_empty() {
                    problems.push(Problem::at(
                        row.line,
                        &table.headers[ic],
                        "",
                        "leerer Indikatorschlüssel",
                    ));
                    continue;
                }
                if period_label.trim().is_empty() {
                    problems.push(Problem::at(row.line, &table.headers[pc], "", "leerer Zeitraum"));
                    continue;
                }
                let indicator = intern(&mut indicator_keys, &mut indicator_index, indicator_key.trim());
                let period = intern(&mut period_labels, &mut period_index, period_label.trim());
                let n = *series_index.entry((indicator, period)).or_insert_with(|| {
                    series.push(ParsedSeries {
                        indicator,
                        period,
                        column: vc,
                        values: Vec::new(),
                    });
                    series.len() - 1
                });
                series[n]
                    .values
                    .push((i, parse_raw_cell(&row.cells[vc], decimal, dash)));
            }
        }
    }
    // The reference row's values: (indicator, period, value), parsed like the areas' values.
    let mut reference_values: Vec<(usize, usize, StoredValue)> = Vec::new();
    for &i in &reference_rows {
        let row = &table.rows[i];
        match long_cols {
            None => {
                let period = period_index.get(opts.period.as_deref().unwrap_or("").trim()).copied();
                for (col, key) in &value_columns {
                    if let (Some(&indicator), Some(period)) = (indicator_index.get(key.as_str()), period) {
                        reference_values.push((indicator, period, parse_raw_cell(&row.cells[*col], decimal, dash)));
                    }
                }
            }
            Some((ic, pc)) => {
                let indicator = indicator_index.get(row.cells[ic].as_text().trim()).copied();
                let period = period_index.get(row.cells[pc].as_text().trim()).copied();
                if let (Some(indicator), Some(period)) = (indicator, period) {
                    let (vc, _) = value_columns[0];
                    reference_values.push((indicator, period, parse_raw_cell(&row.cells[vc], decimal, dash)));
                }
            }
        }
    }

    // A column with text but no number is categorical; text in a numeric column is an error.
    let mut numbers_by_indicator = vec![0usize; indicator_keys.len()];
    for s in &series {
        numbers_by_indicator[s.indicator] += s.values.iter().filter(|(_, v)| v.value.is_some()).count();
    }
    let mut categorical = BTreeSet::new();
    for s in &series {
        for (row, v) in &s.values {
            let Some(text) = &v.text else { continue };
            if numbers_by_indicator[s.indicator] == 0 {
                categorical.insert(s.indicator);
            } else {
                problems.push(Problem::at(
                    table.rows[*row].line,
                    &table.headers[s.column],
                    text,
                    "keine Zahl in einer Zahlenspalte (fehlende Werte leer oder als „…“, geheime als „.“ oder „k. A.“, null als „–“ oder 0 angeben)",
                ));
            }
        }
    }
    // Long form: the same area, indicator and period twice.
    if long_cols.is_some() {
        for s in &series {
            let mut seen: HashMap<i64, usize> = HashMap::new();
            for (row, _) in &s.values {
                let area = match row_area[*row] {
                    Some(RowTarget::Existing(id)) => id,
                    Some(RowTarget::Created(n)) => -(n as i64) - 1,
                    Some(RowTarget::Combined(n)) => -(n as i64) - 1 - (1 << 40),
                    None => continue,
                };
                if let Some(first) = seen.insert(area, table.rows[*row].line) {
                    problems.push(Problem::row(
                        table.rows[*row].line,
                        format!(
                            "Wert für Gebiet, Indikator „{}“ und Zeitraum „{}“ doppelt (schon in Zeile {first})",
                            indicator_keys[s.indicator], period_labels[s.period]
                        ),
                    ));
                }
            }
        }
    }
    problems.sort_by_key(|p| p.row);
    fail_on_problems(&file, problems)?;
    check_cancel(progress)?;

    // Long headings get short keys; the heading becomes the display name. An indicator
    // imported before under the heading (as its key or its name) keeps its key.
    let existing = atlas.indicators()?;
    let mut keys_from_headings: Vec<HeadingKey> = Vec::new();
    let mut display_names: Vec<Option<String>> = vec![None; indicator_keys.len()];
    for (i, raw) in indicator_keys.clone().into_iter().enumerate() {
        if crate::keys::is_key_like(&raw) {
            continue;
        }
        let key = match existing
            .iter()
            .find(|m| m.key == raw || m.name.eq_ignore_ascii_case(&raw))
        {
            Some(m) => m.key.clone(),
            None => {
                let base = crate::keys::key_from_heading(&raw);
                let taken = |k: &str| indicator_keys.iter().any(|x| x == k) || existing.iter().any(|m| m.key == k);
                let mut key = base.clone();
                let mut n = 2;
                while taken(&key) {
                    key = format!("{base}_{n}");
                    n += 1;
                }
                keys_from_headings.push(HeadingKey {
                    heading: raw.clone(),
                    key: key.clone(),
                });
                key
            }
        };
        display_names[i] = Some(raw);
        indicator_keys[i] = key;
    }

    // Write everything in one transaction.
    progress.report(0.5, "Werte werden gespeichert");
    let tx = atlas.write()?;
    let mut created_area_ids = Vec::new();
    {
        let mut insert_area = tx.prepare("INSERT INTO area(level_id, key, name) VALUES (?1, ?2, ?3)")?;
        for (_, key, name) in &to_create {
            insert_area.execute(params![level.id, key, name])?;
            created_area_ids.push(tx.last_insert_rowid());
        }
    }
    let mut combined_area_ids = Vec::new();
    let mut combined_areas_created = Vec::new();
    for (row, members) in &to_combine {
        let name = matches[*row].0.clone();
        let (id, keys, created) = crate::store::insert_combined_area(&tx, level.id, &name, members)?;
        combined_area_ids.push(id);
        if !created {
            continue;
        }
        combined_areas_created.push(CombinedAreaCreated {
            key: keys.join("+"),
            name,
            members: keys,
            line: table.rows[*row].line,
        });
    }
    // A new indicator shows its values as the file wrote them: counts without decimals,
    // "9,75" with two (its metadata, if imported later, say otherwise).
    let mut decimals = vec![0usize; indicator_keys.len()];
    for s in &series {
        for (_, value) in &s.values {
            if let Some(x) = value.value {
                decimals[s.indicator] = decimals[s.indicator].max(crate::numbers::decimals_needed(x));
            }
        }
    }
    let mut indicator_ids = Vec::new();
    let mut indicators_created = Vec::new();
    for (i, key) in indicator_keys.iter().enumerate() {
        let kind = if categorical.contains(&i) {
            IndicatorKind::Categorical
        } else {
            IndicatorKind::Unspecified
        };
        let (id, created) = ensure_indicator(&tx, key, kind)?;
        if created {
            indicators_created.push(key.clone());
            if let Some(name) = &display_names[i] {
                tx.execute("UPDATE indicator SET name = ?1 WHERE id = ?2", params![name, id])?;
            }
            if kind != IndicatorKind::Categorical {
                tx.execute(
                    "UPDATE indicator SET decimals = ?1 WHERE id = ?2",
                    params![decimals[i] as i64, id],
                )?;
            }
        }
        indicator_ids.push(id);
    }
    // A count with decimals is no count of persons or cases: suppression leaves it alone,
    // and the planner should check the metadata.
    let mut warnings = Vec::new();
    for (i, key) in indicator_keys.iter().enumerate() {
        // Indicators this import created have no kind yet; the others are in `existing`.
        if !existing.iter().any(|m| m.key == *key && m.kind == IndicatorKind::Count) {
            continue;
        }
        let fractional = series
            .iter()
            .filter(|s| s.indicator == i)
            .flat_map(|s| s.values.iter())
            .find(|(_, v)| v.number().is_some_and(|x| x.fract() != 0.0));
        if let Some((row, v)) = fractional {
            warnings.push(format!(
                "Indikator „{key}“ ist als Anzahl erfasst, hat aber Werte mit Nachkommastellen (z. B. {} in Zeile {}): \
                 keine Anzahl von Personen oder Fällen? Die Art in den Metadaten prüfen; die Geheimhaltung gilt nur für ganze Anzahlen.",
                shown(v),
                table.rows[*row].line
            ));
        }
    }
    let period_ids = period_labels
        .iter()
        .map(|l| ensure_period(&tx, l))
        .collect::<Result<Vec<_>>>()?;
    // One series per indicator and period: existing values of other areas stay, the file's
    // areas are replaced.
    let mut counts = StatusCounts::default();
    let mut signs: BTreeMap<String, usize> = BTreeMap::new();
    let mut changes = ValueChanges::default();
    let mut candidates: Vec<ValueChange> = Vec::new();
    let area_keys: HashMap<i64, &str> = areas.iter().map(|a| (a.id, a.key.as_ref())).collect();
    let mut values_written = 0;
    series.sort_unstable_by_key(|s| (s.indicator, s.period));
    let mut period_had_values = vec![false; period_ids.len()];
    let total = series.len().max(1);
    for (n, s) in series.into_iter().enumerate() {
        if n % 10 == 0 {
            progress.report(0.5 + 0.45 * n as f32 / total as f32, "Werte werden gespeichert");
            check_cancel(progress)?;
        }
        let mut new_values = Vec::with_capacity(s.values.len());
        for (row, value) in s.values {
            let area = match row_area[row] {
                Some(RowTarget::Existing(id)) => id,
                Some(RowTarget::Created(n)) => created_area_ids[n],
                Some(RowTarget::Combined(n)) => combined_area_ids[n],
                None => continue,
            };
            let sign = match (value.flag, value.status, &value.note) {
                (Some(flag), _, _) => Some(flag.sign().to_string()),
                (None, ValueStatus::Ok, _) => None,
                (None, _, Some(marker)) => Some(sign_of_marker(marker)),
                (None, _, None) => Some("leer".to_string()),
            };
            if let Some(sign) = sign {
                *signs.entry(sign).or_insert(0) += 1;
            }
            match value.status {
                ValueStatus::Ok => counts.ok += 1,
                ValueStatus::Missing => counts.missing += 1,
                ValueStatus::Suppressed => counts.suppressed += 1,
                ValueStatus::NotApplicable => counts.not_applicable += 1,
            }
            new_values.push((area, value));
        }
        values_written += new_values.len();
        let (ind, per) = (indicator_ids[s.indicator], period_ids[s.period]);
        let mut stored = read_series(&tx, ind, per, level.id)?;
        period_had_values[s.period] |= !stored.is_empty();
        for (area, value) in &new_values {
            match stored.get(area) {
                None => changes.new += 1,
                Some(before)
                    if before.status == value.status
                        && before.value == value.value
                        && before.text == value.text
                        && before.flag == value.flag =>
                {
                    changes.unchanged += 1
                }
                Some(before) => {
                    changes.changed += 1;
                    let difference = before.number().zip(value.number()).map(|(b, a)| a - b);
                    candidates.push(ValueChange {
                        indicator: indicator_keys[s.indicator].clone(),
                        period: period_labels[s.period].clone(),
                        area: area_keys.get(area).map_or_else(String::new, |k| k.to_string()),
                        before: shown(before),
                        after: shown(value),
                        difference,
                    });
                    // Keep only the largest few while going.
                    if candidates.len() > 64 {
                        largest_first(&mut candidates);
                        candidates.truncate(5);
                    }
                }
            }
        }
        if stored.is_empty() {
            // Sorted bulk build; `extend` would insert one by one.
            stored = new_values.into_iter().collect();
        } else {
            stored.extend(new_values);
        }
        write_series(&tx, ind, per, level.id, &stored)?;
    }
    if let Some(first) = reference_rows.first() {
        let source = format!("{file}, Zeile {}", table.rows[*first].line);
        for (indicator, period, value) in &reference_values {
            write_official_reference(
                &tx,
                indicator_ids[*indicator],
                level.id,
                period_ids[*period],
                value,
                &source,
            )?;
        }
    }
    largest_first(&mut candidates);
    candidates.truncate(5);
    changes.largest = candidates;
    let periods_added: Vec<String> = period_labels
        .iter()
        .zip(&period_had_values)
        .filter(|(_, had)| !**had)
        .map(|(l, _)| l.clone())
        .collect();
    // A period far from every other period of the atlas.
    let year = |label: &str| crate::model::period_date(label).and_then(|d| d.get(..4)?.parse::<i64>().ok());
    let known: Vec<i64> = tx
        .prepare("SELECT label FROM period")?
        .query_map([], |r| r.get::<_, String>(0))?
        .filter_map(|l| l.ok())
        .filter(|l| !period_labels.contains(l))
        .filter_map(|l| year(&l))
        .collect();
    if let (Some(&first), Some(&last)) = (known.iter().min(), known.iter().max()) {
        for label in &periods_added {
            if let Some(y) = year(label) {
                if y > last + PERIOD_WARN_YEARS || y < first - PERIOD_WARN_YEARS {
                    warnings.push(format!(
                        "Zeitraum „{label}“ liegt weit außerhalb der Zeiträume des Atlas ({first}–{last}): Tippfehler?"
                    ));
                }
            }
        }
    }
    log(
        &tx,
        "import_values",
        &format!(
            "{file}: {} Werte, {} Indikatoren, Zeiträume {} auf Ebene „{}“; {} neu, {} unverändert, {} geändert{}",
            values_written,
            indicator_keys.len(),
            period_labels.join(", "),
            level.name,
            changes.new,
            changes.unchanged,
            changes.changed,
            if changes.largest.is_empty() {
                String::new()
            } else {
                format!(
                    "; größte Änderungen: {}",
                    changes
                        .largest
                        .iter()
                        .map(|c| format!("{} {} {}: {} → {}", c.indicator, c.period, c.area, c.before, c.after))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            }
        ),
    )?;
    check_cancel(progress)?;
    tx.commit()?;
    progress.report(1.0, "Fertig");
    let rows_imported = row_area.iter().filter(|r| r.is_some()).count();
    Ok(ValuesImportSummary {
        file,
        level: level.name,
        periods: period_labels,
        periods_added,
        rows_read: table.rows.len(),
        rows_imported,
        values_written,
        values_by_status: counts,
        categorical: categorical.iter().map(|i| indicator_keys[*i].clone()).collect(),
        indicators: indicator_keys,
        indicators_created,
        keys_from_headings,
        keys_padded,
        decimal_separator: decimal,
        encoding: table.encoding.to_string(),
        recomputed: Vec::new(),
        unmatched,
        total_rows,
        merged_rows,
        namesakes,
        areas_created: to_create.into_iter().map(|(_, k, _)| k).collect(),
        combined_areas_created,
        signs,
        dash: opts.dash,
        warnings,
        changes,
        reference_row: reference_rows.first().map(|i| ReferenceRow {
            line: table.rows[*i].line,
            name: matches[*i].0.clone(),
            values: reference_values.len(),
        }),
    })
}

/// Sorts changes with the largest numeric difference first, changes of status after them.
fn largest_first(changes: &mut [ValueChange]) {
    changes.sort_by(|a, b| {
        let size = |c: &ValueChange| c.difference.map_or(-1.0, f64::abs);
        size(b).total_cmp(&size(a))
    });
}

/// The values of one indicator at one period, as parsed from the file.
struct ParsedSeries {
    indicator: usize,
    period: usize,
    /// The column the values stand in.
    column: usize,
    /// Row index into the table, and the value.
    values: Vec<(usize, StoredValue)>,
}

/// A number, a number with a sign (the cell kept as note), a marker (as a status with the
/// marker kept as note) or a text.
pub(crate) fn parse_raw_cell(cell: &RawCell, decimal: DecimalSeparator, dash: DashMeaning) -> StoredValue {
    let parsed = match cell {
        RawCell::Number(n) => ParsedCell::Number(*n),
        RawCell::Empty => {
            return StoredValue {
                value: None,
                text: None,
                status: ValueStatus::Missing,
                note: None,
                flag: None,
            }
        }
        RawCell::Text(t) => parse_cell_with(t, decimal, dash),
    };
    match parsed {
        ParsedCell::Number(n) => StoredValue {
            value: Some(n),
            text: None,
            status: ValueStatus::Ok,
            note: None,
            flag: None,
        },
        ParsedCell::Flagged { value, flag } => StoredValue {
            value: Some(value),
            text: None,
            status: ValueStatus::Ok,
            note: match cell {
                RawCell::Text(t) => Some(t.trim().to_string()),
                _ => None,
            },
            flag: Some(flag),
        },
        ParsedCell::Marker { status, marker } => StoredValue {
            value: None,
            text: None,
            status,
            note: (!marker.is_empty()).then_some(marker),
            flag: None,
        },
        ParsedCell::Text(t) => StoredValue {
            value: None,
            text: Some(t),
            status: ValueStatus::Ok,
            note: None,
            flag: None,
        },
    }
}

/// Columns whose numbers are all non-negative integers: counts that sum up (the first three).
fn count_like_columns(table: &RawTable, columns: &[usize], decimal: DecimalSeparator) -> Vec<usize> {
    columns
        .iter()
        .copied()
        .filter(|c| {
            let mut numbers = 0;
            let all_integer = table.rows.iter().all(|r| match number_at(&r.cells[*c], decimal) {
                Some(v) => {
                    numbers += 1;
                    v >= 0.0 && v.fract() == 0.0
                }
                None => true,
            });
            all_integer && numbers * 2 >= table.rows.len()
        })
        .take(3)
        .collect()
}

fn number_at(cell: &RawCell, decimal: DecimalSeparator) -> Option<f64> {
    match cell {
        RawCell::Number(n) => Some(*n),
        RawCell::Text(t) => crate::numbers::parse_number(t, decimal),
        RawCell::Empty => None,
    }
}

/// How many row ends the search for total rows may try in all (see `window` above).
const TOTAL_SEARCH_BUDGET: usize = 4_000_000;

/// The count columns of a table, parsed once, with prefix sums (a missing count adds zero, which
/// can only miss a total, never fake one across all count columns).
struct CountSums {
    /// Per count column, per row: the number.
    values: Vec<Vec<Option<f64>>>,
    /// Per count column: `prefix[j]` is the sum of rows `0..j`.
    prefix: Vec<Vec<f64>>,
}

impl CountSums {
    fn new(table: &RawTable, count_columns: &[usize], decimal: DecimalSeparator) -> Self {
        let values: Vec<Vec<Option<f64>>> = count_columns
            .iter()
            .map(|c| table.rows.iter().map(|r| number_at(&r.cells[*c], decimal)).collect())
            .collect();
        let prefix = values
            .iter()
            .map(|column| {
                std::iter::once(0.0)
                    .chain(column.iter().scan(0.0, |sum, v| {
                        *sum += v.unwrap_or(0.0);
                        Some(*sum)
                    }))
                    .collect()
            })
            .collect();
        CountSums { values, prefix }
    }

    /// If row `i` holds, in every count column, the sum of a contiguous run of two or more
    /// earlier rows ending at most `window` rows above it, returns the run (first, last row
    /// index): the latest run, and of those the shortest.
    ///
    /// A sum in a single count column is no evidence: among hundreds of rows some run of
    /// inhabitants adds up to another area's by chance (MSS 2021 lost four Planungsräume so, and a
    /// generated 20,000-row table four more even when only runs directly above counted). At least
    /// two count columns must agree; totals in tables with fewer are found by their name.
    ///
    /// Counts are whole and not negative, so the prefix sums rise: the start of a run with the
    /// wanted sum is found by binary search, and one row costs O(window · log n).
    fn total_of_earlier_rows(&self, i: usize, window: usize) -> Option<(usize, usize)> {
        if self.values.len() < 2 {
            return None;
        }
        let target = self.values[0][i]?;
        if target <= 0.0 {
            return None;
        }
        let prefix = &self.prefix[0];
        for end in (i.saturating_sub(window).max(2)..=i).rev() {
            // Starts up to end − 2 (two rows at least) with prefix[end] − prefix[start]
            // within 0.5 of the target, latest first.
            let low = prefix[end] - target - 0.5;
            let high = prefix[end] - target + 0.5;
            let starts = &prefix[..=end - 2];
            let (first, past) = (
                starts.partition_point(|p| *p <= low),
                starts.partition_point(|p| *p < high),
            );
            for start in (first..past).rev() {
                // Every other count column with a number in row `i` must agree, and at least
                // one must: an empty cell is no agreement.
                let mut agreeing = 0;
                let contradicted = (1..self.values.len()).any(|c| {
                    let Some(t) = self.values[c][i] else {
                        return false;
                    };
                    let sum = self.prefix[c][end] - self.prefix[c][start];
                    let agrees = (sum - t).abs() < 0.5;
                    agreeing += usize::from(agrees);
                    !agrees
                });
                if !contradicted && agreeing > 0 {
                    return Some((start, end - 1));
                }
            }
        }
        None
    }
}

/// "A und B", "A/B", "A + B", "0101+0102": the parts with their areas, if each names
/// exactly one area.
fn merged_parts(raw: &str, index: &AreaIndex) -> Option<Vec<(String, i64)>> {
    let area_of = |part: &str| match index.by_key.get(part) {
        Some(id) => Some(*id),
        None => match index.by_name.get(&name_match_form(part)).map(Vec::as_slice) {
            Some([id]) => Some(*id),
            _ => None,
        },
    };
    for sep in [" und ", " u. ", "/", " + ", "+", ", ", " & "] {
        if raw.contains(sep) {
            let parts: Option<Vec<(String, i64)>> = raw
                .split(sep)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| area_of(p).map(|id| (p.to_string(), id)))
                .collect();
            if let Some(parts) = parts.filter(|p| p.len() >= 2) {
                return Some(parts);
            }
        }
    }
    None
}
