//! Computed indicators: a formula over other indicators of the same area and period, kept in
//! the atlas as text and evaluated again when an input changes.
//!
//! The formula is an SQL expression (`kinder_u6 / einwohner * 100`), parsed by `sqlparser`
//! and evaluated column-wise by polars' expression engine over the areas of one level and
//! period. Before that, the functions of the common templates, which need more than the
//! row's own inputs, are computed here and enter polars as columns of their own:
//!
//! | function | value per area |
//! |---|---|
//! | `change(x, n)` | x now − x n periods earlier (periods in which x has values on the level) |
//! | `change_pct(x, n)` | the same in % of the earlier value |
//! | `trend(x, von, bis)` | slope of the least-squares line through x over the years `von`..=`bis`, per year |
//! | `area_km2()` | the area of the area in km² (geodesic) |
//! | `count_pois('Kita')` | the POIs of a category inside the area |
//! | `sum_pois('Kita', 'plaetze')` | the sum of an attribute of those POIs (`plaetze`/`kapazitaet`: the capacity) |
//! | `reference(x)` | x's reference value over all areas of the level (its aggregation rule) |
//!
//! Status propagates honestly: where an input is secret or missing, the result is "k. A."
//! and its note names the input; a zero denominator (a result that is not a finite number)
//! is "nicht sinnvoll" (x), never infinity.
//!
//! **Kept current by refresh, not inside the import's transaction.** The evaluation reads
//! through the atlas's read path (cached columns, areas, geometries, POIs), which sees what
//! is committed. After an import, [`refresh`] recomputes every computed indicator whose
//! inputs the import touched, in one transaction of its own; [`stale`] finds those whose
//! inputs changed since (their input digest in `derived_run` no longer matches), so that a
//! failed or skipped refresh shows and is one click or `compute --refresh` away.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use polars::prelude::{DataFrame, DataType, IntoLazy};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlparser::ast::{self, Expr as SqlExpr, FunctionArg, FunctionArgExpr, FunctionArguments};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;

use crate::model::{AggregationRule, IndicatorKind, IndicatorMeta, ValueStatus};
use crate::store::{DerivedRun, IndicatorUpdate};
use crate::{Atlas, Error, Result, StoredValue};

/// The method name in `derived_run`.
pub const METHOD: &str = "formel";

/// A function of the formula language that needs more than the row's own inputs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "funktion", rename_all = "snake_case")]
pub enum Call {
    /// `change(x, n)` or `change_pct(x, n)`.
    Change {
        /// The indicator.
        indicator: String,
        /// How many periods back.
        back: usize,
        /// In % of the earlier value.
        relative: bool,
    },
    /// `trend(x, from, to)`: the slope per year.
    Trend {
        /// The indicator.
        indicator: String,
        /// First year.
        from: i32,
        /// Last year.
        to: i32,
    },
    /// `area_km2()`.
    AreaKm2,
    /// `count_pois('category')`.
    CountPois {
        /// The POI category.
        category: String,
    },
    /// `sum_pois('category', 'attribute')`.
    SumPois {
        /// The POI category.
        category: String,
        /// The attribute summed.
        attribute: String,
    },
    /// `reference(x)`.
    Reference {
        /// The indicator.
        indicator: String,
    },
}

impl Call {
    /// The indicator the call reads, if any.
    fn indicator(&self) -> Option<&str> {
        match self {
            Call::Change { indicator, .. } | Call::Trend { indicator, .. } | Call::Reference { indicator } => {
                Some(indicator)
            }
            _ => None,
        }
    }
}

/// A parsed formula.
#[derive(Debug, Clone)]
pub struct Formula {
    /// As written.
    pub text: String,
    /// The indicators it reads, directly or through a function, sorted.
    pub inputs: Vec<String>,
    /// The indicators read as the row's own value (not only through a function).
    direct: Vec<String>,
    /// The functions, in the order of their placeholder columns `__f0`, `__f1`, ….
    pub calls: Vec<Call>,
    /// The expression for polars, with the functions replaced by their columns.
    rewritten: String,
    /// `a / b` with optional constant factor: the numerator and denominator keys, from
    /// which the aggregation rule follows (ratio of sums), and the factor, from which the
    /// kind follows.
    pub ratio: Option<Ratio>,
}

/// One computed value per area of a level at one period.
#[derive(Debug, Clone, Serialize)]
pub struct ComputedSeries {
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// Per area: its key with the value, status and reason.
    pub values: Vec<ComputedValue>,
    /// The periods a `change` compared with their dates, as "x: früher (Datum) → jetzt
    /// (Datum)" (empty without `change`).
    pub compared: Vec<String>,
}

/// One area's computed value.
#[derive(Debug, Clone, Serialize)]
pub struct ComputedValue {
    /// The area key.
    pub key: String,
    /// The value with its status and, where there is no number, the reason.
    #[serde(flatten)]
    pub value: StoredValue,
}

/// What `compute` asks for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputeRequest {
    /// The new indicator's key.
    pub key: String,
    /// Its display name.
    pub name: String,
    /// The formula.
    pub formula: String,
    /// Its unit.
    pub unit: Option<String>,
    /// Its kind (`share`, `rate`, `ratio`, `count`); by default a ratio of counts is a share
    /// when it is multiplied by 100 and a ratio otherwise.
    pub kind: Option<IndicatorKind>,
    /// The levels to compute on; empty: every level on which the inputs have values.
    pub levels: Vec<String>,
}

/// The outcome of a computation (`--check` shows it without storing).
#[derive(Debug, Clone, Serialize)]
pub struct ComputeOutcome {
    /// The indicator.
    pub key: String,
    /// The formula.
    pub formula: String,
    /// The indicators read.
    pub inputs: Vec<String>,
    /// The aggregation rule derived from the formula, as stored (`ratio_of_sums` …).
    pub aggregation: String,
    /// The same in German words ("Quotient der Summen").
    pub aggregation_de: String,
    /// Per level and period.
    pub series: Vec<ComputedSeries>,
    /// Whether it was stored.
    pub saved: bool,
    /// Counts computed alongside as the numerator or denominator of a ratio whose side is a
    /// sum (`KEY_zaehler`, `KEY_nenner`), so that the ratio aggregates as the ratio of sums;
    /// with `--check` the ones that would be.
    pub helpers: Vec<String>,
}

fn formula_error(text: &str, why: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("Formel „{text}“: {why}"))
}

/// Parses `text` and checks every indicator it names against the atlas.
pub fn parse(atlas: &Atlas, text: &str) -> Result<Formula> {
    let text = text.trim();
    if text.is_empty() {
        return Err(formula_error(text, "ist leer"));
    }
    let mut expr = Parser::new(&GenericDialect)
        .try_with_sql(text)
        .and_then(|mut p| {
            let e = p.parse_expr()?;
            match p.peek_token().token {
                sqlparser::tokenizer::Token::EOF => Ok(e),
                t => Err(sqlparser::parser::ParserError::ParserError(format!("unerwartet „{t}“"))),
            }
        })
        .map_err(|e| formula_error(text, german_parser_error(&e)))?;
    // Functions first: they become placeholder columns.
    let mut calls = Vec::new();
    let mut problem = None;
    let _ = ast::visit_expressions_mut(&mut expr, |e| {
        if let SqlExpr::Function(f) = e {
            match template_call(f) {
                Ok(Some(call)) => {
                    let column = format!("__f{}", calls.len());
                    calls.push(call);
                    *e = SqlExpr::Identifier(ast::Ident::new(column));
                }
                Ok(None) => {}
                Err(why) => {
                    problem = Some(why);
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    });
    if let Some(why) = problem {
        return Err(formula_error(text, why));
    }
    // The remaining names are indicators.
    let mut direct = BTreeSet::new();
    let _ = ast::visit_expressions(&expr, |e| {
        if let SqlExpr::Identifier(id) = e {
            if !id.value.starts_with("__f") {
                direct.insert(id.value.clone());
            }
        }
        ControlFlow::<()>::Continue(())
    });
    let mut inputs: BTreeSet<String> = direct.clone();
    inputs.extend(calls.iter().filter_map(|c| c.indicator().map(str::to_string)));
    let known = atlas.indicators()?;
    for key in &inputs {
        if !known.iter().any(|i| &i.key == key) {
            return Err(formula_error(
                text,
                format!(
                    "„{key}“ ist kein Indikator dieses Atlas.{}",
                    crate::store::did_you_mean(key, &known)
                ),
            ));
        }
    }
    let ratio = ratio_of(&expr);
    let rewritten = expr.to_string();
    // polars must understand the rest: unknown functions are named here, not at evaluation.
    let _checked =
        polars::sql::sql_expr(&rewritten).map_err(|e| formula_error(text, german_polars_error(&e.to_string())))?;
    Ok(Formula {
        text: text.to_string(),
        inputs: inputs.into_iter().collect(),
        direct: direct.into_iter().collect(),
        calls,
        rewritten,
        ratio,
    })
}

/// A formula that is a ratio of two indicators times a constant.
#[derive(Debug, Clone, PartialEq)]
pub struct Ratio {
    /// The keys the numerator adds up (one for `a / b`).
    pub numerator: Vec<String>,
    /// The keys the denominator adds up (`ew_18_27 + ew_27_45 + …`).
    pub denominator: Vec<String>,
    /// The constant factor (100 for a share in %, 1,000 for a rate per 1,000).
    pub factor: f64,
}

/// `a / b`, `a / b * k`, `k * a / b` or `(a / b) * k` over two indicators, where either may
/// also be a sum of indicators (`a / (b + c)`).
fn ratio_of(expr: &SqlExpr) -> Option<Ratio> {
    use ast::BinaryOperator::{Divide, Multiply};
    let strip = |e: &SqlExpr| -> SqlExpr {
        let mut e = e.clone();
        while let SqlExpr::Nested(inner) = e {
            e = *inner;
        }
        e
    };
    let number = |e: &SqlExpr| match strip(e) {
        SqlExpr::Value(v) => match v.value {
            ast::Value::Number(n, _) => n.parse::<f64>().ok(),
            _ => None,
        },
        _ => None,
    };
    fn sum_of_keys(e: &SqlExpr) -> Option<Vec<String>> {
        match e {
            SqlExpr::Nested(inner) => sum_of_keys(inner),
            SqlExpr::Identifier(id) if !id.value.starts_with("__f") => Some(vec![id.value.clone()]),
            SqlExpr::BinaryOp {
                left,
                op: ast::BinaryOperator::Plus,
                right,
            } => {
                let mut keys = sum_of_keys(left)?;
                keys.extend(sum_of_keys(right)?);
                Some(keys)
            }
            _ => None,
        }
    }
    let key = |e: &SqlExpr| sum_of_keys(e);
    let scaled = |ratio: Option<Ratio>, k: f64| {
        ratio.map(|r| Ratio {
            factor: r.factor * k,
            ..r
        })
    };
    match strip(expr) {
        SqlExpr::BinaryOp {
            left,
            op: Divide,
            right,
        } => {
            let denominator = key(&right)?;
            match (key(&left), strip(&left)) {
                (Some(numerator), _) => Some(Ratio {
                    numerator,
                    denominator,
                    factor: 1.0,
                }),
                // k * a / b parses as (k * a) / b.
                (
                    None,
                    SqlExpr::BinaryOp {
                        left: k,
                        op: Multiply,
                        right: a,
                    },
                ) => Some(Ratio {
                    numerator: key(&a)?,
                    denominator,
                    factor: number(&k)?,
                }),
                _ => None,
            }
        }
        SqlExpr::BinaryOp {
            left,
            op: Multiply,
            right,
        } => match (number(&left), number(&right)) {
            (_, Some(k)) => scaled(ratio_of(&left), k),
            (Some(k), None) => scaled(ratio_of(&right), k),
            (None, None) => None,
        },
        _ => None,
    }
}

/// The template function a call names, `None` for a function polars evaluates itself.
fn template_call(f: &ast::Function) -> std::result::Result<Option<Call>, String> {
    let name = f.name.to_string().to_lowercase();
    const TEMPLATES: [&str; 7] = [
        "change",
        "change_pct",
        "trend",
        "area_km2",
        "count_pois",
        "sum_pois",
        "reference",
    ];
    if !TEMPLATES.contains(&name.as_str()) {
        return Ok(None);
    }
    let args: Vec<&SqlExpr> = match &f.args {
        FunctionArguments::List(list) => list
            .args
            .iter()
            .filter_map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    let expected = match name.as_str() {
        "area_km2" => "area_km2()",
        "change" => "change(indikator, perioden_zurück)",
        "change_pct" => "change_pct(indikator, perioden_zurück)",
        "trend" => "trend(indikator, von_jahr, bis_jahr)",
        "count_pois" => "count_pois('Kategorie')",
        "sum_pois" => "sum_pois('Kategorie', 'Attribut')",
        _ => "reference(indikator)",
    };
    let wrong = || format!("{name} erwartet {expected}");
    let key = |i: usize| -> std::result::Result<String, String> {
        match args.get(i) {
            Some(SqlExpr::Identifier(id)) if id.quote_style.is_none() => Ok(id.value.clone()),
            _ => Err(wrong()),
        }
    };
    let text = |i: usize| -> std::result::Result<String, String> {
        match args.get(i) {
            Some(SqlExpr::Value(v)) => match &v.value {
                ast::Value::SingleQuotedString(s) | ast::Value::DoubleQuotedString(s) => Ok(s.clone()),
                _ => Err(wrong()),
            },
            // "Kita" in double quotes reads as a quoted name.
            Some(SqlExpr::Identifier(id)) if id.quote_style.is_some() => Ok(id.value.clone()),
            _ => Err(wrong()),
        }
    };
    let int = |i: usize| -> std::result::Result<i64, String> {
        match args.get(i) {
            Some(SqlExpr::Value(v)) => match &v.value {
                ast::Value::Number(n, _) => n.parse::<i64>().map_err(|_| wrong()),
                _ => Err(wrong()),
            },
            _ => Err(wrong()),
        }
    };
    let count = |n: usize| if args.len() == n { Ok(()) } else { Err(wrong()) };
    Ok(Some(match name.as_str() {
        "area_km2" => {
            count(0)?;
            Call::AreaKm2
        }
        "change" | "change_pct" => {
            count(2)?;
            let back = int(1)?;
            if back < 1 {
                return Err(format!("{name}: perioden_zurück muss mindestens 1 sein, nicht {back}"));
            }
            Call::Change {
                indicator: key(0)?,
                back: back as usize,
                relative: name == "change_pct",
            }
        }
        "trend" => {
            count(3)?;
            let (from, to) = (int(1)?, int(2)?);
            if from >= to {
                return Err(format!("trend: von_jahr {from} muss vor bis_jahr {to} liegen"));
            }
            Call::Trend {
                indicator: key(0)?,
                from: from as i32,
                to: to as i32,
            }
        }
        "count_pois" => {
            count(1)?;
            Call::CountPois { category: text(0)? }
        }
        "sum_pois" => {
            count(2)?;
            Call::SumPois {
                category: text(0)?,
                attribute: text(1)?,
            }
        }
        _ => {
            count(1)?;
            Call::Reference { indicator: key(0)? }
        }
    }))
}

pub(crate) fn german_parser_error(e: &sqlparser::parser::ParserError) -> String {
    let raw = e.to_string();
    let detail = raw
        .trim_start_matches("sql parser error: ")
        .trim_start_matches("SQL parser error: ");
    if let Some(rest) = detail.strip_prefix("Expected: ") {
        // "an expression, found: )" → the part after "found:" is the user's text.
        let found = rest.split("found: ").nth(1).unwrap_or("").trim();
        if found.is_empty() || found == "EOF" {
            "ist unvollständig (fehlt ein Wert oder eine Klammer?)".to_string()
        } else {
            format!("unerwartet „{found}“")
        }
    } else {
        format!("nicht lesbar ({detail})")
    }
}

fn german_polars_error(raw: &str) -> String {
    if let Some(rest) = raw.split("unsupported function '").nth(1) {
        let name = rest.split('\'').next().unwrap_or(rest);
        return format!(
            "unbekannte Funktion „{name}“ (möglich: change, change_pct, trend, area_km2, count_pois, sum_pois, \
             reference und die SQL-Funktionen abs, round, ln, sqrt, greatest, least, coalesce …)"
        );
    }
    format!("lässt sich nicht auswerten ({})", raw.lines().next().unwrap_or(raw))
}

/// One cell of an input or a function's column: a number, or the status and reason why not.
type Cell = std::result::Result<f64, (ValueStatus, String)>;

fn cell_of(column: &crate::store::Column, i: usize, key: &str) -> Cell {
    match column.status[i] {
        Some(ValueStatus::Ok) if column.numbers[i].is_finite() => Ok(column.numbers[i]),
        Some(ValueStatus::Suppressed) => Err((ValueStatus::Suppressed, format!("„{key}“ ist geheim gehalten"))),
        Some(ValueStatus::NotApplicable) => Err((ValueStatus::NotApplicable, format!("„{key}“ ist nicht sinnvoll"))),
        _ => Err((ValueStatus::Missing, format!("„{key}“ fehlt"))),
    }
}

/// The periods in which `indicator` has a number on the level, oldest first.
fn periods_with_values(atlas: &Atlas, indicator: &IndicatorMeta, level_id: i64) -> Result<Vec<crate::model::Period>> {
    let mut out = Vec::new();
    for p in atlas.periods()? {
        let column = atlas.column(indicator.id, level_id, p.id)?;
        if column.status.contains(&Some(ValueStatus::Ok)) {
            out.push(p);
        }
    }
    Ok(out)
}

/// The year of a period: its date's year, else the first four digits of its label.
fn year_of(period: &crate::model::Period) -> Option<f64> {
    let from_date = period
        .date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<f64>().ok());
    from_date.or_else(|| period.label.get(..4).and_then(|y| y.parse().ok()))
}

/// The column of a template function on a level at a period; the compared periods for
/// `change`.
fn call_column(
    atlas: &Atlas,
    call: &Call,
    level_id: i64,
    period: &crate::model::Period,
    n: usize,
) -> Result<(Vec<Cell>, Option<String>)> {
    Ok(match call {
        Call::Change {
            indicator,
            back,
            relative,
        } => {
            let meta = atlas.indicator(indicator)?;
            let periods = periods_with_values(atlas, &meta, level_id)?;
            let Some(now) = periods.iter().position(|p| p.id == period.id) else {
                let why = format!("„{indicator}“ hat in {} keine Werte", period.label);
                return Ok((vec![Err((ValueStatus::Missing, why)); n], None));
            };
            let Some(earlier) = now.checked_sub(*back).map(|i| &periods[i]) else {
                let why = format!(
                    "„{indicator}“ hat keinen Wert {back} Perioden vor {} (erste: {})",
                    period.label, periods[0].label
                );
                return Ok((vec![Err((ValueStatus::Missing, why)); n], None));
            };
            let a = atlas.column(meta.id, level_id, earlier.id)?;
            let b = atlas.column(meta.id, level_id, period.id)?;
            let cells = (0..n)
                .map(|i| {
                    let (old, new) = (cell_of(&a, i, indicator)?, cell_of(&b, i, indicator)?);
                    if *relative {
                        if old == 0.0 {
                            Err((
                                ValueStatus::NotApplicable,
                                format!("„{indicator}“ war {} 0: keine relative Änderung", earlier.label),
                            ))
                        } else {
                            Ok((new - old) / old * 100.0)
                        }
                    } else {
                        Ok(new - old)
                    }
                })
                .collect();
            let dated = |p: &crate::model::Period| match &p.date {
                Some(d) => format!("{} ({})", p.label, crate::numbers::date_de(d)),
                None => p.label.clone(),
            };
            (
                cells,
                Some(format!("{indicator}: {} → {}", dated(earlier), dated(period))),
            )
        }
        Call::Trend { indicator, from, to } => {
            let meta = atlas.indicator(indicator)?;
            let span: Vec<(f64, std::sync::Arc<crate::store::Column>)> = atlas
                .periods()?
                .into_iter()
                .filter_map(|p| year_of(&p).map(|y| (y, p)))
                .filter(|(y, _)| *y >= f64::from(*from) && *y <= f64::from(*to))
                .map(|(y, p)| Ok((y, atlas.column(meta.id, level_id, p.id)?)))
                .collect::<Result<_>>()?;
            let cells = (0..n)
                .map(|i| {
                    let (years, values): (Vec<f64>, Vec<f64>) = span
                        .iter()
                        .filter_map(|(y, c)| cell_of(c, i, indicator).ok().map(|v| (*y, v)))
                        .unzip();
                    super::stats::least_squares_slope(&years, &values).ok_or_else(|| {
                        (
                            ValueStatus::Missing,
                            format!("„{indicator}“ hat zwischen {from} und {to} weniger als zwei Jahre mit Werten"),
                        )
                    })
                })
                .collect();
            (cells, None)
        }
        Call::AreaKm2 => {
            let areas = atlas.level_areas(level_id)?;
            let geometries: BTreeMap<i64, f64> = atlas
                .area_geometries(level_id)?
                .into_iter()
                .map(|(a, g)| (a.id, crate::geometry::area_m2(&g) / 1e6))
                .collect();
            let cells = areas
                .iter()
                .map(|a| {
                    geometries
                        .get(&a.id)
                        .copied()
                        .ok_or_else(|| (ValueStatus::Missing, "das Gebiet hat keine Geometrie".to_string()))
                })
                .collect();
            (cells, None)
        }
        Call::CountPois { category } | Call::SumPois { category, .. } => {
            let (owners, geometries) = atlas.positioned_geometries(level_id)?;
            let index = super::origins::PolygonIndex::new(geometries);
            let pois = atlas.pois(category)?;
            let attribute = match call {
                Call::SumPois { attribute, .. } => Some(attribute.as_str()),
                _ => None,
            };
            let mut sums = vec![0.0; n];
            let mut unknown = vec![0usize; n];
            for poi in &pois {
                let Some(i) = index.find(poi.lon, poi.lat).map(|k| owners[k]) else {
                    continue;
                };
                match attribute {
                    None => sums[i] += 1.0,
                    Some(attr) => match poi_number(poi, attr) {
                        Some(v) => sums[i] += v,
                        None => unknown[i] += 1,
                    },
                }
            }
            let cells = (0..n)
                .map(|i| {
                    if unknown[i] > 0 {
                        Err((
                            ValueStatus::Missing,
                            format!(
                                "{} Einrichtung(en) „{category}“ ohne Zahl in „{}“",
                                unknown[i],
                                attribute.unwrap_or_default()
                            ),
                        ))
                    } else {
                        Ok(sums[i])
                    }
                })
                .collect();
            (cells, None)
        }
        Call::Reference { indicator } => {
            let meta = atlas.indicator(indicator)?;
            let reference = crate::reference::reference_value(atlas, &meta, level_id, period.id)?;
            let cell = reference.value.ok_or_else(|| {
                (
                    ValueStatus::Missing,
                    format!("Referenzwert von „{indicator}“: {}", reference.method),
                )
            });
            (vec![cell; n], None)
        }
    })
}

/// A POI's number in `attribute`: the capacity for `plaetze`/`kapazitaet`/`capacity`, else
/// the attribute of the source (a number, or a text in German or plain notation).
fn poi_number(poi: &crate::store::Poi, attribute: &str) -> Option<f64> {
    if ["plaetze", "plätze", "kapazitaet", "kapazität", "capacity"].contains(&attribute.to_lowercase().as_str()) {
        if let Some(c) = poi.capacity {
            return Some(c);
        }
    }
    match poi.attributes.get(attribute)? {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => {
            crate::numbers::parse_number(s, crate::numbers::DecimalSeparator::Comma).or_else(|| s.trim().parse().ok())
        }
        _ => None,
    }
}

/// Evaluates `formula` on the areas of a level at one period.
pub fn evaluate(
    atlas: &Atlas,
    formula: &Formula,
    level_id: i64,
    period: &crate::model::Period,
) -> Result<ComputedSeries> {
    let level = atlas
        .levels()?
        .into_iter()
        .find(|l| l.id == level_id)
        .ok_or_else(|| Error::Internal(format!("Ebene {level_id} fehlt")))?;
    let areas = atlas.level_areas(level_id)?;
    let n = areas.len();
    // The cells of every column, inputs first, then the functions.
    let mut names: Vec<String> = Vec::new();
    let mut cells: Vec<Vec<Cell>> = Vec::new();
    for key in &formula.direct {
        let meta = atlas.indicator(key)?;
        let column = atlas.column(meta.id, level_id, period.id)?;
        names.push(key.clone());
        cells.push((0..n).map(|i| cell_of(&column, i, key)).collect());
    }
    let mut compared = Vec::new();
    for (k, call) in formula.calls.iter().enumerate() {
        let (column, periods) = call_column(atlas, call, level_id, period, n)?;
        names.push(format!("__f{k}"));
        cells.push(column);
        compared.extend(periods);
    }
    let columns: Vec<(String, Vec<Option<f64>>)> = names
        .iter()
        .zip(&cells)
        .map(|(name, column)| (name.clone(), column.iter().map(|c| c.as_ref().ok().copied()).collect()))
        .collect();
    let numbers = evaluate_columns(formula, n, columns)?;
    let values = areas
        .iter()
        .enumerate()
        .map(|(i, area)| {
            // The first input that has no number decides: secret before missing before x.
            let blocked = cells
                .iter()
                .filter_map(|c| c[i].as_ref().err())
                .min_by_key(|(status, _)| match status {
                    ValueStatus::Suppressed => 0,
                    ValueStatus::Missing => 1,
                    _ => 2,
                });
            let value = match (blocked, numbers[i]) {
                (Some((status, why)), _) => StoredValue {
                    value: None,
                    text: None,
                    status: *status,
                    note: Some(why.clone()),
                    flag: None,
                },
                (None, Some(v)) if v.is_finite() => StoredValue {
                    value: Some(v),
                    text: None,
                    status: ValueStatus::Ok,
                    note: None,
                    flag: None,
                },
                (None, _) => StoredValue {
                    value: None,
                    text: None,
                    status: ValueStatus::NotApplicable,
                    note: Some("Division durch 0: nicht sinnvoll".to_string()),
                    flag: None,
                },
            };
            ComputedValue {
                key: area.key.to_string(),
                value,
            }
        })
        .collect();
    Ok(ComputedSeries {
        level: level.name,
        period: period.label.clone(),
        values,
        compared,
    })
}

/// Evaluates the formula with polars over `n` rows of the given columns (an indicator's key,
/// or `__fN` for the N-th template function, with its numbers). Rows where an input is
/// missing give `None`; a result that is not a finite number stays as it is (the caller
/// decides: "nicht sinnvoll").
pub fn evaluate_columns(
    formula: &Formula,
    n: usize,
    columns: Vec<(String, Vec<Option<f64>>)>,
) -> Result<Vec<Option<f64>>> {
    let polars_error =
        |e: polars::prelude::PolarsError| formula_error(&formula.text, german_polars_error(&e.to_string()));
    let columns: Vec<polars::prelude::Column> = columns
        .into_iter()
        .map(|(name, values)| polars::prelude::Column::new(name.as_str().into(), values))
        .collect();
    let frame = DataFrame::new(n, columns).map_err(polars_error)?;
    let expression = polars::sql::sql_expr(&formula.rewritten)
        .map_err(polars_error)?
        .cast(DataType::Float64)
        .alias("__ergebnis");
    let result = frame
        .lazy()
        .with_column(expression)
        .select([polars::prelude::col("__ergebnis")])
        .collect()
        .map_err(polars_error)?;
    let numbers = result
        .column("__ergebnis")
        .and_then(|c| c.f64().cloned())
        .map_err(polars_error)?;
    Ok((0..n).map(|i| numbers.get(i)).collect())
}

/// The levels and periods to compute on: every period in which all direct inputs (or, with
/// none, the function's indicators) have values on the level; without any indicator, every
/// period of the atlas.
fn targets(atlas: &Atlas, formula: &Formula, levels: &[String]) -> Result<Vec<(i64, crate::model::Period)>> {
    let all_levels = atlas.levels()?;
    let chosen: Vec<&crate::model::Level> = if levels.is_empty() {
        all_levels.iter().collect()
    } else {
        levels
            .iter()
            .map(|name| {
                all_levels
                    .iter()
                    .find(|l| &l.name == name)
                    .ok_or_else(|| Error::NotFound {
                        kind: "Ebene",
                        name: name.clone(),
                        available: crate::store::existing_names(all_levels.iter().map(|l| l.name.clone())),
                    })
            })
            .collect::<Result<_>>()?
    };
    let drivers: Vec<&str> = if formula.direct.is_empty() {
        formula.calls.iter().filter_map(Call::indicator).collect()
    } else {
        formula.direct.iter().map(String::as_str).collect()
    };
    let periods = atlas.periods()?;
    let mut out = Vec::new();
    for level in chosen {
        for period in &periods {
            let mut all = true;
            for key in &drivers {
                let meta = atlas.indicator(key)?;
                let column = atlas.column(meta.id, level.id, period.id)?;
                all &= column.status.iter().any(Option::is_some);
            }
            if all {
                out.push((level.id, period.clone()));
            }
        }
    }
    Ok(out)
}

/// A digest of the input series a formula read on a level (all periods of each input), so
/// that a later change of an input shows as stale.
fn input_digest(atlas: &Atlas, formula: &Formula, level_ids: &BTreeSet<i64>) -> Result<String> {
    let mut hash = Sha256::new();
    let periods = atlas.periods()?;
    for key in &formula.inputs {
        let meta = atlas.indicator(key)?;
        for level_id in level_ids {
            for period in &periods {
                let column = atlas.column(meta.id, *level_id, period.id)?;
                hash.update(key.as_bytes());
                hash.update(level_id.to_le_bytes());
                hash.update(period.id.to_le_bytes());
                for (v, s) in column.numbers.iter().zip(&column.status) {
                    hash.update(v.to_bits().to_le_bytes());
                    hash.update([s.map_or(9, |s| s.code() as u8)]);
                }
            }
        }
    }
    // What the functions read besides indicators: the areas' geometry (area, which POIs lie
    // inside) and the POIs of the categories named, so that a new geometry or POI import
    // makes the indicator stale too.
    let reads_geometry = formula
        .calls
        .iter()
        .any(|c| matches!(c, Call::AreaKm2 | Call::CountPois { .. } | Call::SumPois { .. }));
    if reads_geometry {
        for level_id in level_ids {
            for (area, geometry) in atlas.area_geometries(*level_id)? {
                hash.update(area.key.as_bytes());
                for c in geo::CoordsIter::coords_iter(&geometry) {
                    hash.update(c.x.to_bits().to_le_bytes());
                    hash.update(c.y.to_bits().to_le_bytes());
                }
            }
        }
    }
    for call in &formula.calls {
        if let Call::CountPois { category } | Call::SumPois { category, .. } = call {
            for poi in atlas.pois(category)? {
                hash.update(serde_json::to_vec(&poi).unwrap_or_default());
            }
        }
    }
    Ok(format!("{:x}", hash.finalize()))
}

/// One side of a ratio as an indicator: its key, and for a sum of counts the formula and the
/// role ("Zähler", "Nenner") of the computed count that stands for it.
struct Side {
    key: String,
    sum: Option<(String, &'static str)>,
}

/// Computes the indicator of `request` on every target level and period; stores it with its
/// formula and a `derived_run` record unless `check`.
pub fn compute(atlas: &mut Atlas, request: &ComputeRequest, check: bool) -> Result<ComputeOutcome> {
    let key = request.key.trim();
    if key.is_empty() || key.starts_with("__") || !key.chars().all(|c| c.is_alphanumeric() || c == '_') {
        return Err(Error::Invalid(format!(
            "Schlüssel „{key}“: nur Buchstaben, Ziffern und _ (nicht mit __ beginnend)"
        )));
    }
    let formula = parse(atlas, &request.formula)?;
    if formula.inputs.iter().any(|i| i == key) {
        return Err(formula_error(
            &formula.text,
            format!("„{key}“ kann nicht aus sich selbst berechnet werden"),
        ));
    }
    // No cycle: no input may itself be computed from this key, directly or further down.
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = formula.inputs.clone();
    while let Some(next) = stack.pop() {
        if !seen.insert(next.clone()) {
            continue;
        }
        let meta = atlas.indicator(&next)?;
        if let Some(text) = &meta.formula {
            let inner = parse(atlas, text)?;
            if inner.inputs.iter().any(|i| i == key) {
                return Err(formula_error(
                    &formula.text,
                    format!("Kreis: „{next}“ wird mit „{text}“ aus „{key}“ berechnet"),
                ));
            }
            stack.extend(inner.inputs);
        }
    }
    let existing = atlas.indicator(key).ok();
    if let Some(meta) = existing.as_ref().filter(|m| m.formula.is_none()) {
        if !atlas.indicator_is_empty(meta.id)? {
            return Err(Error::Invalid(format!(
                "„{key}“ ist ein importierter Indikator mit Werten; ein berechneter braucht einen eigenen Schlüssel"
            )));
        }
    }
    let targets = targets(atlas, &formula, &request.levels)?;
    if targets.is_empty() {
        return Err(formula_error(
            &formula.text,
            "auf keiner Ebene und in keinem Zeitraum haben alle Eingänge Werte",
        ));
    }
    let mut series = Vec::new();
    for (level_id, period) in &targets {
        series.push(evaluate(atlas, &formula, *level_id, period)?);
    }
    // The ratio's sides as single indicators: a sum of counts gets a computed count of its
    // own (`KEY_nenner`), which aggregates by summing; a sum of anything else leaves the
    // ratio without a rule.
    let mut helpers = Vec::new();
    let mut sides = Vec::new();
    if let Some(ratio) = &formula.ratio {
        for (keys, role, role_de) in [
            (&ratio.numerator, "zaehler", "Zähler"),
            (&ratio.denominator, "nenner", "Nenner"),
        ] {
            sides.push(match keys.as_slice() {
                [one] => Some(Side {
                    key: one.clone(),
                    sum: None,
                }),
                many => {
                    let counts = many
                        .iter()
                        .all(|k| atlas.indicator(k).is_ok_and(|m| m.aggregation == AggregationRule::Sum));
                    counts.then(|| {
                        let helper = format!("{key}_{role}");
                        helpers.push(helper.clone());
                        Side {
                            key: helper,
                            sum: Some((many.join(" + "), role_de)),
                        }
                    })
                }
            });
        }
    }
    let sides: Option<Vec<Side>> = sides.into_iter().collect();
    let (kind, aggregation) = kind_and_rule(&formula, request.kind, sides.is_some());
    let outcome = ComputeOutcome {
        key: key.to_string(),
        formula: formula.text.clone(),
        inputs: formula.inputs.clone(),
        aggregation: aggregation.to_stored(),
        aggregation_de: aggregation.describe_de(),
        series,
        saved: !check,
        helpers,
    };
    if check {
        return Ok(outcome);
    }
    let shown_name = if request.name.trim().is_empty() {
        key
    } else {
        request.name.trim()
    };
    for side in sides.iter().flatten() {
        if let Some((sum, role_de)) = &side.sum {
            let first = sum.split(" + ").next().unwrap_or_default();
            compute(
                atlas,
                &ComputeRequest {
                    key: side.key.clone(),
                    name: format!("{role_de} von „{shown_name}“"),
                    formula: sum.clone(),
                    unit: Some(atlas.indicator(first)?.unit),
                    kind: Some(IndicatorKind::Count),
                    levels: request.levels.clone(),
                },
                false,
            )?;
        }
    }
    let level_ids: BTreeSet<i64> = targets.iter().map(|(l, _)| *l).collect();
    let run = DerivedRun {
        method: METHOD.to_string(),
        parameters: serde_json::json!({
            "formel": formula.text,
            "ebenen": outcome.series.iter().map(|s| s.level.clone()).collect::<BTreeSet<_>>(),
            "zeiträume": outcome.series.iter().map(|s| s.period.clone()).collect::<BTreeSet<_>>(),
            "verglichen": outcome.series.iter().flat_map(|s| s.compared.clone()).collect::<BTreeSet<_>>(),
            "eingänge_digest": input_digest(atlas, &formula, &level_ids)?,
        }),
        inputs: formula.inputs.clone(),
    };
    let (numerator, denominator) = match sides.as_deref() {
        Some([n, d]) => (Some(n.key.clone()), Some(d.key.clone())),
        _ => (None, None),
    };
    let meta = IndicatorUpdate {
        name: Some(if request.name.trim().is_empty() {
            existing.as_ref().map_or(key.to_string(), |m| m.name.clone())
        } else {
            request.name.trim().to_string()
        }),
        unit: request
            .unit
            .clone()
            .or_else(|| existing.as_ref().map(|m| m.unit.clone())),
        decimals: Some(
            existing
                .as_ref()
                .map_or(if kind == IndicatorKind::Count { 0 } else { 1 }, |m| m.decimals),
        ),
        kind: Some(kind),
        numerator: Some(numerator.unwrap_or_default()),
        denominator: Some(denominator.unwrap_or_default()),
        aggregation: Some(aggregation),
        description: existing
            .as_ref()
            .map(|m| m.description.clone())
            .filter(|d| !d.is_empty())
            .or_else(|| Some(format!("Berechnet: {}", formula.text))),
        formula: Some(formula.text.clone()),
        ..Default::default()
    };
    let mut cells = Vec::new();
    for ((level_id, period), s) in targets.iter().zip(&outcome.series) {
        let areas = atlas.level_areas(*level_id)?;
        let ids: BTreeMap<&str, i64> = areas.iter().map(|a| (a.key.as_ref(), a.id)).collect();
        let values: BTreeMap<i64, StoredValue> = s
            .values
            .iter()
            .filter_map(|v| ids.get(v.key.as_str()).map(|id| (*id, v.value.clone())))
            .collect();
        cells.push((*level_id, period.id, values));
    }
    atlas.save_computed(key, &meta, &run, &cells)?;
    Ok(outcome)
}

/// The kind and aggregation rule: a ratio of two indicators aggregates as the ratio of their
/// sums (the Bezirk value of a share is never the mean of shares); a count sums; anything
/// else cannot be aggregated from the areas' values (it is computed on each level).
fn kind_and_rule(
    formula: &Formula,
    asked: Option<IndicatorKind>,
    sides_are_indicators: bool,
) -> (IndicatorKind, AggregationRule) {
    // The factor of a ratio: × 1,000 makes a rate per 1,000, × 100 a share in %.
    let kind = asked.unwrap_or(match &formula.ratio {
        Some(r) if r.factor == 1000.0 => IndicatorKind::RatePer1000,
        Some(r) if r.factor == 100.0 => IndicatorKind::Share,
        _ => IndicatorKind::Ratio,
    });
    let rule = match (&formula.ratio, kind) {
        (_, IndicatorKind::Count) => AggregationRule::Sum,
        (Some(_), _) if sides_are_indicators => AggregationRule::RatioOfSums,
        _ => AggregationRule::NotAggregable,
    };
    (kind, rule)
}

/// A computed indicator and why it is stale.
#[derive(Debug, Clone, Serialize)]
pub struct Stale {
    /// The indicator.
    pub key: String,
    /// Its formula.
    pub formula: String,
}

/// The computed indicators whose inputs changed since they were computed.
pub fn stale(atlas: &Atlas) -> Result<Vec<Stale>> {
    let mut out = Vec::new();
    for meta in atlas.indicators()? {
        let Some(text) = meta.formula.clone() else { continue };
        let current = match parse(atlas, &text) {
            Ok(formula) => {
                let levels = computed_levels(atlas, &meta)?;
                Some(input_digest(atlas, &formula, &levels)?)
            }
            Err(_) => None,
        };
        let recorded = atlas.derived_run(&meta.key)?.and_then(|(run, _)| {
            run.parameters
                .get("eingänge_digest")
                .and_then(|d| d.as_str().map(str::to_string))
        });
        if current.is_none() || current != recorded {
            out.push(Stale {
                key: meta.key.clone(),
                formula: text,
            });
        }
    }
    Ok(out)
}

/// The levels on which a computed indicator was computed (from its last run).
fn computed_levels(atlas: &Atlas, meta: &IndicatorMeta) -> Result<BTreeSet<i64>> {
    let names: Vec<String> = atlas
        .derived_run(&meta.key)?
        .and_then(|(run, _)| {
            run.parameters
                .get("ebenen")
                .and_then(|l| serde_json::from_value(l.clone()).ok())
        })
        .unwrap_or_default();
    let levels = atlas.levels()?;
    Ok(levels
        .iter()
        .filter(|l| names.contains(&l.name))
        .map(|l| l.id)
        .collect())
}

/// Recomputes computed indicators: `key` alone, or every stale one. Returns what was
/// recomputed.
pub fn refresh(atlas: &mut Atlas, key: Option<&str>) -> Result<Vec<ComputeOutcome>> {
    let todo: Vec<String> = match key {
        Some(k) => {
            let meta = atlas.indicator(k)?;
            if meta.formula.is_none() {
                return Err(Error::Invalid(format!(
                    "„{k}“ ist kein berechneter Indikator (er hat keine Formel)"
                )));
            }
            vec![k.to_string()]
        }
        None => stale(atlas)?.into_iter().map(|s| s.key).collect(),
    };
    recompute_in_order(atlas, todo)
}

/// After an import of `changed` indicators: recompute every computed indicator that reads
/// one of them, directly or through another computed one, and has become stale.
pub fn refresh_dependents(atlas: &mut Atlas, changed: &[String]) -> Result<Vec<ComputeOutcome>> {
    let mut affected: BTreeSet<String> = changed.iter().cloned().collect();
    let computed = computed_inputs(atlas)?;
    loop {
        let before = affected.len();
        for (key, inputs) in &computed {
            if inputs.iter().any(|i| affected.contains(i)) {
                affected.insert(key.clone());
            }
        }
        if affected.len() == before {
            break;
        }
    }
    let todo: Vec<String> = stale(atlas)?
        .into_iter()
        .map(|s| s.key)
        .filter(|k| affected.contains(k))
        .collect();
    recompute_in_order(atlas, todo)
}

/// Every computed indicator with the indicators its formula reads.
fn computed_inputs(atlas: &Atlas) -> Result<Vec<(String, Vec<String>)>> {
    Ok(atlas
        .indicators()?
        .into_iter()
        .filter_map(|m| m.formula.clone().map(|f| (m.key, f)))
        .filter_map(|(k, f)| parse(atlas, &f).ok().map(|p| (k, p.inputs)))
        .collect())
}

/// Recomputes `todo` so that an indicator computed from another one in `todo` comes after it
/// (the formulas have no cycles: [`compute`] refuses them).
fn recompute_in_order(atlas: &mut Atlas, mut todo: Vec<String>) -> Result<Vec<ComputeOutcome>> {
    let computed = computed_inputs(atlas)?;
    let inputs_of = |key: &str| {
        computed
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| i.clone())
            .unwrap_or_default()
    };
    let mut done = Vec::new();
    while !todo.is_empty() {
        let ready = todo
            .iter()
            .position(|k| !inputs_of(k).iter().any(|i| todo.contains(i)))
            .unwrap_or(0);
        let key = todo.remove(ready);
        let meta = atlas.indicator(&key)?;
        let levels = computed_levels(atlas, &meta)?;
        let level_names: Vec<String> = atlas
            .levels()?
            .into_iter()
            .filter(|l| levels.contains(&l.id))
            .map(|l| l.name)
            .collect();
        let request = ComputeRequest {
            key: key.clone(),
            name: meta.name.clone(),
            formula: meta.formula.clone().unwrap_or_default(),
            unit: Some(meta.unit.clone()),
            kind: Some(meta.kind),
            levels: level_names,
        };
        done.push(compute(atlas, &request, false)?);
    }
    Ok(done)
}
