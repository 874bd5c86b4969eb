//! The query pane for analysts: read-only SQL over a view of the atlas's values, evaluated by
//! polars' SQL engine (the one that evaluates the formulas of [`super::compute`]).
//!
//! The view is one table, `werte`: a row per area, level and period with the columns `ebene`,
//! `periode`, `key`, `name` and one column per indicator (its key; numbers, or text for a
//! categorical indicator; `NULL` where there is no number: missing, secret, not meaningful).
//! Only the indicators the query names are read (all of them for `SELECT *`).
//!
//! ```sql
//! SELECT key, name, anteil_u6 FROM werte WHERE ebene = 'Planungsraum' AND periode = '2020'
//! ORDER BY anteil_u6 DESC LIMIT 10
//! ```
//!
//! **Protection.** The view holds the values as the atlas's outputs show them: with
//! suppression applied ([`crate::export::ValueTable::protect`]), unless `intern`. Whatever a
//! query computes from the protected view the public could compute from the published
//! values, so its result may leave the laptop; an internal result is marked as such.
//!
//! **Read-only.** One `SELECT` (with `WITH`, joins, subqueries, `UNION`); no other table than
//! `werte` and the query's own `WITH` names, and no table functions (`read_csv` …), so a
//! query reads nothing but the atlas.

use std::collections::HashSet;
use std::ops::ControlFlow;

use polars::prelude::{AnyValue, DataFrame, IntoLazy};
use serde::Serialize;
use sqlparser::ast::{self, Visit, Visitor};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::export::TableCell;
use crate::model::IndicatorKind;
use crate::numbers::format_german;
use crate::{Atlas, Error, Result};

/// The name of the view.
pub const VIEW: &str = "werte";

/// How many rows a result holds at most (the pane shows them, the CSV writes them).
pub const MAX_ROWS: usize = 100_000;

/// One cell of a result.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum QueryCell {
    /// A number.
    Number(f64),
    /// A text.
    Text(String),
    /// `NULL`: no value (missing, secret, not meaningful) or a computation without result.
    Null,
}

/// A query's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// The query.
    pub sql: String,
    /// The result's column names.
    pub columns: Vec<String>,
    /// Decimals per column: the indicator's where the column is an indicator, else 2 (whole
    /// numbers are written without decimals).
    pub decimals: Vec<usize>,
    /// The rows.
    pub rows: Vec<Vec<QueryCell>>,
    /// Whether rows were left out beyond [`MAX_ROWS`].
    pub truncated: bool,
    /// Whether the view held unsuppressed values (marked for internal use).
    pub intern: bool,
    /// Cells of the view hidden by the suppression.
    pub suppressed_cells: usize,
}

impl QueryResult {
    /// A cell as a planner reads it: German notation, "k. A." for no value.
    pub fn display_de(&self, row: usize, column: usize) -> String {
        match &self.rows[row][column] {
            QueryCell::Number(v) if v.fract() == 0.0 => format_german(*v, 0),
            QueryCell::Number(v) => format_german(*v, self.decimals[column]),
            QueryCell::Text(t) => t.clone(),
            QueryCell::Null => "k. A.".to_string(),
        }
    }

    /// What the result is as to protection: the internal marking, or how many cells of the
    /// view the suppression hid.
    pub fn note(&self) -> String {
        if self.intern {
            crate::export::INTERNAL_MARKING.to_string()
        } else {
            format!(
                "Geheimhaltung: {} Zellen der Sicht „{VIEW}“ nach den Regeln des Atlas geheim gehalten (k. A.).",
                self.suppressed_cells
            )
        }
    }

    /// Writes the result as CSV in German notation (`;`, decimal comma), whole or not at all,
    /// with the protection note under the rows.
    pub fn write_csv(&self, out: &std::path::Path) -> Result<()> {
        let mut text = String::from("\u{feff}");
        let quote = |s: &str| {
            if s.contains([';', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        text.push_str(&self.columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(";"));
        text.push('\n');
        for r in 0..self.rows.len() {
            let cells: Vec<String> = (0..self.columns.len()).map(|c| quote(&self.display_de(r, c))).collect();
            text.push_str(&cells.join(";"));
            text.push('\n');
        }
        text.push('\n');
        text.push_str(&quote(&self.note()));
        text.push('\n');
        crate::export::write_whole(out, text.as_bytes())
    }
}

fn query_error(sql: &str, why: impl std::fmt::Display) -> Error {
    let shown: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    let shown = if shown.chars().count() > 80 {
        format!("{} …", shown.chars().take(80).collect::<String>())
    } else {
        shown
    };
    Error::Invalid(format!("Abfrage „{shown}“: {why}"))
}

/// What the query reads: checked to be one read-only `SELECT` on the view.
struct Checked {
    /// Every identifier the query names (candidates for indicator columns).
    names: HashSet<String>,
    /// Whether a `*` asks for every column.
    wildcard: bool,
}

/// Collects the names of the query's `WITH` tables, its identifiers, and what it must not do.
#[derive(Default)]
struct Reader {
    with_names: HashSet<String>,
    tables: Vec<(String, bool)>,
    names: HashSet<String>,
}

impl Visitor for Reader {
    type Break = ();

    fn pre_visit_query(&mut self, query: &ast::Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.with_names.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, table: &ast::TableFactor) -> ControlFlow<()> {
        if let ast::TableFactor::Table { name, args, .. } = table {
            self.tables.push((name.to_string().to_lowercase(), args.is_some()));
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, expr: &ast::Expr) -> ControlFlow<()> {
        match expr {
            ast::Expr::Identifier(i) => {
                self.names.insert(i.value.clone());
            }
            ast::Expr::CompoundIdentifier(parts) => {
                if let Some(last) = parts.last() {
                    self.names.insert(last.value.clone());
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

/// Whether a select list anywhere in the query holds `*`.
fn has_wildcard(query: &ast::Query) -> bool {
    fn in_set(body: &ast::SetExpr) -> bool {
        match body {
            ast::SetExpr::Select(select) => select.projection.iter().any(|item| {
                matches!(
                    item,
                    ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..)
                )
            }),
            ast::SetExpr::Query(q) => has_wildcard(q),
            ast::SetExpr::SetOperation { left, right, .. } => in_set(left) || in_set(right),
            _ => false,
        }
    }
    in_set(&query.body)
        || query
            .with
            .as_ref()
            .is_some_and(|w| w.cte_tables.iter().any(|c| has_wildcard(&c.query)))
}

fn check(sql: &str) -> Result<Checked> {
    let statements = Parser::parse_sql(&GenericDialect, sql)
        .map_err(|e| query_error(sql, super::compute::german_parser_error(&e)))?;
    let [ast::Statement::Query(query)] = statements.as_slice() else {
        return Err(query_error(
            sql,
            "nur eine Abfrage mit SELECT ist erlaubt (die Abfrageansicht ändert nichts)",
        ));
    };
    let mut reader = Reader::default();
    let _ = query.visit(&mut reader);
    for (table, with_args) in &reader.tables {
        if *with_args {
            return Err(query_error(
                sql,
                format!("Tabellenfunktionen wie „{table}(…)“ sind nicht erlaubt; die Abfrage liest nur „{VIEW}“"),
            ));
        }
        if table != VIEW && !reader.with_names.contains(table) {
            return Err(query_error(
                sql,
                format!("unbekannte Tabelle „{table}“; die Abfrage kennt nur „{VIEW}“ (und eigene WITH-Namen)"),
            ));
        }
    }
    Ok(Checked {
        names: reader.names,
        wildcard: has_wildcard(query),
    })
}

/// Runs a read-only query over the view of the atlas's values, suppressed unless `intern`.
pub fn query(atlas: &Atlas, sql: &str, intern: bool) -> Result<QueryResult> {
    let sql = sql.trim().trim_end_matches(';');
    if sql.is_empty() {
        return Err(query_error(sql, "ist leer"));
    }
    let checked = check(sql)?;
    let indicators: Vec<crate::model::IndicatorMeta> = atlas
        .indicators()?
        .into_iter()
        .filter(|i| checked.wildcard || checked.names.contains(&i.key))
        .collect();
    let keys: Vec<String> = indicators.iter().map(|i| i.key.clone()).collect();
    // The view: one block of rows per level and period in which a chosen indicator has values.
    let (mut levels, mut periods, mut area_keys, mut names) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut numbers: Vec<Vec<Option<f64>>> = vec![Vec::new(); keys.len()];
    let mut texts: Vec<Vec<Option<String>>> = vec![Vec::new(); keys.len()];
    let mut suppressed_cells = 0;
    let all_periods = atlas.periods()?;
    for level in atlas.levels()? {
        for period in &all_periods {
            let mut any = false;
            for i in &indicators {
                if !atlas.values(i.id, level.id, period.id)?.is_empty() {
                    any = true;
                    break;
                }
            }
            if !keys.is_empty() && !any {
                continue;
            }
            let table = if keys.is_empty() {
                None
            } else {
                let t = crate::export::value_table(atlas, &level.name, &period.label, Some(&keys))?;
                Some(if intern { t } else { t.protect(atlas)? })
            };
            match &table {
                Some(t) => {
                    suppressed_cells += t.suppressed_cells;
                    for row in &t.rows {
                        levels.push(level.name.clone());
                        periods.push(period.label.clone());
                        area_keys.push(row.key.clone());
                        names.push(row.name.clone());
                        for (k, cell) in row.cells.iter().enumerate() {
                            let (number, text) = match cell {
                                TableCell::Number(v) | TableCell::Flagged(v, _) => (Some(*v), None),
                                TableCell::Text(t) => (None, Some(t.clone())),
                                TableCell::Status(_) | TableCell::Empty => (None, None),
                            };
                            numbers[k].push(number);
                            texts[k].push(text);
                        }
                    }
                }
                None => {
                    for area in atlas.level_areas(level.id)?.iter() {
                        levels.push(level.name.clone());
                        periods.push(period.label.clone());
                        area_keys.push(area.key.to_string());
                        names.push(area.name.to_string());
                    }
                }
            }
        }
    }
    let n = levels.len();
    let mut columns: Vec<polars::prelude::Column> = vec![
        polars::prelude::Column::new("ebene".into(), levels),
        polars::prelude::Column::new("periode".into(), periods),
        polars::prelude::Column::new("key".into(), area_keys),
        polars::prelude::Column::new("name".into(), names),
    ];
    for (k, meta) in indicators.iter().enumerate() {
        columns.push(if meta.kind == IndicatorKind::Categorical {
            polars::prelude::Column::new(meta.key.as_str().into(), std::mem::take(&mut texts[k]))
        } else {
            polars::prelude::Column::new(meta.key.as_str().into(), std::mem::take(&mut numbers[k]))
        });
    }
    let polars_error = |e: polars::prelude::PolarsError| query_error(sql, german_polars_error(&e.to_string(), &keys));
    let view = DataFrame::new(n, columns).map_err(polars_error)?;
    let mut context = polars::sql::SQLContext::new();
    context.register(VIEW, view.lazy());
    let frame = context
        .execute(sql)
        .map_err(polars_error)?
        .limit(MAX_ROWS as u32 + 1)
        .collect()
        .map_err(polars_error)?;
    let truncated = frame.height() > MAX_ROWS;
    let height = frame.height().min(MAX_ROWS);
    let names: Vec<String> = frame.get_column_names().iter().map(|c| c.to_string()).collect();
    let mut rows = vec![Vec::with_capacity(names.len()); height];
    for column in frame.columns() {
        for (r, row) in rows.iter_mut().enumerate() {
            row.push(match column.get(r).map_err(polars_error)? {
                AnyValue::Null => QueryCell::Null,
                AnyValue::String(s) => QueryCell::Text(s.to_string()),
                AnyValue::StringOwned(s) => QueryCell::Text(s.to_string()),
                AnyValue::Boolean(b) => QueryCell::Text(if b { "ja" } else { "nein" }.to_string()),
                v => match v.extract::<f64>() {
                    Some(x) if x.is_finite() => QueryCell::Number(x),
                    Some(_) => QueryCell::Null,
                    None => QueryCell::Text(v.to_string()),
                },
            });
        }
    }
    let decimals = names
        .iter()
        .map(|c| {
            indicators
                .iter()
                .find(|i| &i.key == c)
                .map_or(2, |i| i.decimals.max(0) as usize)
        })
        .collect();
    Ok(QueryResult {
        sql: sql.to_string(),
        columns: names,
        decimals,
        rows,
        truncated,
        intern,
        suppressed_cells,
    })
}

/// polars' message in German: an unknown column is named with the view's columns.
fn german_polars_error(raw: &str, keys: &[String]) -> String {
    let first = raw.lines().next().unwrap_or(raw);
    for marker in ["unable to find column \"", "not found: ", "ColumnNotFound: "] {
        if let Some(rest) = first.split(marker).nth(1) {
            let name = rest.split(['"', ';', ' ']).next().unwrap_or(rest).trim_matches('"');
            return format!(
                "unbekannte Spalte „{name}“ (die Sicht „{VIEW}“ hat ebene, periode, key, name und die Schlüssel der \
                 Indikatoren{})",
                if keys.is_empty() {
                    String::new()
                } else {
                    format!(", hier {}", keys.join(", "))
                }
            );
        }
    }
    format!("lässt sich nicht ausführen ({first})")
}
