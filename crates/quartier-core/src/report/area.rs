//! The Gebietsbericht: 1 to 6 areas of any levels side by side, every indicator with values
//! at their levels, grouped by topic: the value (on the colour of its class on the map), the
//! index against the Gesamtstadt (= 100), the reference value, a spine row (where the areas
//! lie among all areas of their level) and the trend over the periods as a sparkline. Sources,
//! reference date, the suppression footnote and the attribution at the end; the internal
//! marking on every page and sheet.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::analysis::suppress::{HiddenCache, HiddenCells};
use crate::export::{write_via_temporary, INTERNAL_MARKING};
use crate::figure::chart::{spine_rows, SpineRow};
use crate::figure::map::{ClassStyle, Colouring};
use crate::figure::svg::Svg;
use crate::figure::typeset::{string_literal, Document};
use crate::figure::{palette, Rgb};
use crate::model::IndicatorKind;
use crate::numbers::{date_de, format_german};
use crate::reference::reference_value;
use crate::{Atlas, Error, Result};

/// The most areas one report holds side by side.
pub const MAX_AREAS: usize = 6;

/// What to report on.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaReportRequest {
    /// Area keys, 1 to 6, of any levels; `LEVEL:KEY` where a key is on several levels.
    pub areas: Vec<String>,
    /// The period.
    pub period: String,
    /// The classes of the map shown: its indicator's values are coloured by them; every
    /// other indicator by six classes of equal width (the KECK standard).
    pub map: Option<(String, ClassStyle)>,
    /// Unsuppressed, marked internal.
    pub intern: bool,
}

/// An area of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportArea {
    /// Key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Level name.
    pub level: String,
}

/// One area's cell of an indicator row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportValue {
    /// The value as shown: German notation, "k. A." where hidden or missing, the category.
    pub shown: String,
    /// The number, when shown.
    pub number: Option<f64>,
    /// The index against the reference of the area's level (Gesamtstadt = 100).
    pub index: Option<f64>,
    /// The colour of the area's class on the map (six classes of equal width).
    pub colour: Option<Rgb>,
    /// Where the value lies on its level's spine, 0 to 1 (0,5 = the reference).
    pub position: Option<f64>,
    /// The values over the report's periods (`None`: "k. A.").
    pub trend: Vec<Option<f64>>,
}

/// Points of a line in unit coordinates.
pub type Line = Vec<[f64; 2]>;

/// The trend lines of a row in unit coordinates (x from 0 to 1 over the periods, y from 0 at
/// the lowest to 1 at the highest value): the reference's, then one per area; `None` when
/// there is nothing to draw. The PDF's sparklines and the app's draw these.
pub fn trend_lines(row: &ReportRow) -> Option<(Line, Vec<Line>)> {
    let all: Vec<f64> = row
        .values
        .iter()
        .flat_map(|v| v.trend.iter())
        .chain(row.reference_trend.iter())
        .flatten()
        .copied()
        .collect();
    let n = row.values.first().map_or(0, |v| v.trend.len());
    if all.len() < 2 || n < 2 {
        return None;
    }
    let (lo, hi) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let line = |values: &[Option<f64>]| -> Vec<[f64; 2]> {
        values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| [i as f64 / (n - 1) as f64, (v - lo) / span]))
            .collect()
    };
    Some((
        line(&row.reference_trend),
        row.values.iter().map(|v| line(&v.trend)).collect(),
    ))
}

/// One indicator across the areas.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportRow {
    /// Indicator key.
    pub key: String,
    /// Name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Decimals to show.
    pub decimals: usize,
    /// One cell per area.
    pub values: Vec<ReportValue>,
    /// The reference value (Gesamtstadt) at the first area's level, as shown.
    pub reference_shown: String,
    /// The reference value.
    pub reference: Option<f64>,
    /// The reference over the periods.
    pub reference_trend: Vec<Option<f64>>,
    /// The band of the first area's level on the spine, 0 to 1: where the lowest, the 25 %,
    /// the 75 % and the highest value lie (turned round where lower is better).
    pub band: Option<[f64; 4]>,
}

/// A topic's rows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportTopic {
    /// The topic ("Bevölkerung", "Soziales/Arbeitsmarkt"; "Weitere Indikatoren" without one).
    pub name: String,
    /// Its indicators.
    pub rows: Vec<ReportRow>,
}

/// The Gebietsbericht's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaReport {
    /// The municipality.
    pub municipality: String,
    /// The period.
    pub period: String,
    /// The reference date of the period (German).
    pub date: String,
    /// The areas.
    pub areas: Vec<ReportArea>,
    /// The periods of the trends.
    pub periods: Vec<String>,
    /// Indicators by topic.
    pub topics: Vec<ReportTopic>,
    /// Sources, each with the names of its indicators.
    pub sources: Vec<(String, String)>,
    /// The atlas's attribution.
    pub attribution: String,
    /// The suppression footnote, where cells are hidden.
    pub footnote: Option<String>,
    /// Cells hidden (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use.
    pub intern: bool,
}

impl AreaReport {
    /// The title: "Gebietsbericht Stülerstraße, Großer Tiergarten – 2020".
    pub fn title(&self) -> String {
        let names: Vec<&str> = self.areas.iter().map(|a| a.name.as_str()).collect();
        format!("Gebietsbericht {} – {}", names.join(", "), self.period)
    }

    /// The rows in order.
    pub fn rows(&self) -> impl Iterator<Item = &ReportRow> {
        self.topics.iter().flat_map(|t| t.rows.iter())
    }
}

/// Finds the areas: a key on one level, or `LEVEL:KEY`.
fn resolve_areas(atlas: &Atlas, wanted: &[String]) -> Result<Vec<(ReportArea, i64)>> {
    if wanted.is_empty() || wanted.len() > MAX_AREAS {
        return Err(Error::Invalid(format!(
            "Ein Gebietsbericht zeigt 1 bis {MAX_AREAS} Gebiete (--areas), nicht {}",
            wanted.len()
        )));
    }
    let levels = atlas.levels()?;
    let mut found = Vec::new();
    for w in wanted {
        let (level_name, key) = match w.split_once(':') {
            Some((l, k)) if levels.iter().any(|x| x.name == l) => (Some(l), k),
            _ => (None, w.as_str()),
        };
        let mut hits = Vec::new();
        for level in levels.iter().filter(|l| level_name.is_none_or(|n| n == l.name)) {
            for a in atlas.level_areas(level.id)?.iter() {
                if &*a.key == key.trim() {
                    hits.push((
                        ReportArea {
                            key: a.key.to_string(),
                            name: a.name.to_string(),
                            level: level.name.clone(),
                        },
                        level.id,
                    ));
                }
            }
        }
        match hits.len() {
            0 => {
                return Err(Error::Invalid(format!(
                    "Gebiet „{w}“ gibt es im Atlas nicht (Schlüssel, z. B. „01011101“, oder EBENE:SCHLÜSSEL)"
                )))
            }
            1 => found.extend(hits),
            _ => {
                let levels: Vec<String> = hits.iter().map(|(a, _)| format!("„{}:{}“", a.level, a.key)).collect();
                return Err(Error::Invalid(format!(
                    "Schlüssel „{w}“ gibt es auf mehreren Ebenen; bitte {} angeben",
                    levels.join(" oder ")
                )));
            }
        }
    }
    Ok(found)
}

/// Gathers the report.
pub fn area_report(atlas: &Atlas, request: &AreaReportRequest) -> Result<AreaReport> {
    let areas = resolve_areas(atlas, &request.areas)?;
    let period = atlas.period(&request.period)?;
    let meta = atlas.meta()?;
    let periods = atlas.periods()?;
    let mut level_ids: Vec<(String, i64)> = Vec::new();
    for (a, id) in &areas {
        if !level_ids.iter().any(|(_, l)| l == id) {
            level_ids.push((a.level.clone(), *id));
        }
    }
    // Indicators with values at one of the areas' levels in the period, by topic.
    let mut indicators = Vec::new();
    for m in atlas.indicators()? {
        let mut has = false;
        for (_, level_id) in &level_ids {
            has |= !atlas.values(m.id, *level_id, period.id)?.is_empty();
        }
        if has {
            indicators.push(m);
        }
    }
    if indicators.is_empty() {
        return Err(Error::Invalid(format!(
            "Für {} gibt es auf den Ebenen der Gebiete keine Werte",
            period.label
        )));
    }
    let keys: Vec<String> = indicators.iter().map(|m| m.key.clone()).collect();
    // What may be shown, per level of the areas and period, computed once each.
    let mut cache = HiddenCache::new(atlas, request.intern);
    let mut hidden: HashMap<(i64, i64), HiddenCells> = HashMap::new();
    for (level, level_id) in &level_ids {
        for p in &periods {
            hidden.insert((*level_id, p.id), cache.at(level, &p.label)?.clone());
        }
    }
    let hidden_at = |level_id: i64, period_id: i64| -> Result<&HiddenCells> {
        hidden
            .get(&(level_id, period_id))
            .ok_or_else(|| Error::Internal("Gebietsbericht: Geheimhaltung fehlt für eine Ebene".into()))
    };
    let mut suppressed = 0;
    let mut footnote = None;
    for (_, level_id) in &level_ids {
        let h = hidden_at(*level_id, period.id)?.only(&keys);
        suppressed += h.len();
        footnote = footnote.or(h.footnote());
    }
    // Spine rows per level of the areas.
    let mut spines: HashMap<i64, Vec<SpineRow>> = HashMap::new();
    for (level, level_id) in &level_ids {
        let at_level: Vec<String> = areas
            .iter()
            .filter(|(_, l)| l == level_id)
            .map(|(a, _)| a.key.clone())
            .collect();
        let h = hidden_at(*level_id, period.id)?;
        spines.insert(*level_id, spine_rows(atlas, &keys, level, &period.label, &at_level, h)?);
    }

    let mut topics: Vec<ReportTopic> = Vec::new();
    for m in &indicators {
        let decimals = m.decimals.max(0) as usize;
        let mut values = Vec::new();
        for (area, level_id) in &areas {
            let h = hidden_at(*level_id, period.id)?;
            let stored = atlas.values(m.id, *level_id, period.id)?;
            let id = atlas
                .level_areas(*level_id)?
                .iter()
                .find(|a| *a.key == *area.key)
                .map(|a| a.id);
            let value = id.and_then(|id| stored.get(&id));
            let is_hidden = h.hides(&m.key, &area.key);
            let (shown, number) = match value {
                Some(v) if m.kind == IndicatorKind::Categorical && !is_hidden => {
                    (v.text.clone().unwrap_or_else(|| "k. A.".into()), None)
                }
                // No value at this level and period: "…" (not available), never "–" (zero).
                _ => super::shown(value, is_hidden, decimals),
            };
            let reference = if h.hides_reference(&m.key) {
                None
            } else {
                reference_value(atlas, m, *level_id, period.id)?.value
            };
            // An index and a place on the spine only for shares, rates and ratios: a count
            // against the city's total says nothing.
            let comparable = !matches!(m.kind, IndicatorKind::Categorical | IndicatorKind::Count);
            let index = match (number, reference) {
                (Some(n), Some(r)) if r != 0.0 && comparable => Some(n / r * 100.0),
                _ => None,
            };
            let colour = if number.is_some() {
                let default = ClassStyle::default();
                let style = request
                    .map
                    .as_ref()
                    .filter(|(key, _)| *key == m.key)
                    .map_or(&default, |(_, style)| style);
                Colouring::new(atlas, (&m.key, &area.level, &period.label), style, h)
                    .ok()
                    .and_then(|c| {
                        let class = c.classes.areas.iter().find(|a| a.key == area.key)?.class;
                        class.map(|k| c.colour(Some(k)))
                    })
            } else {
                None
            };
            let position = spines
                .get(level_id)
                .filter(|_| comparable)
                .and_then(|rows| rows.iter().find(|r| r.indicator == m.key))
                .and_then(|r| number.and_then(|n| r.position(n)));
            let mut trend = Vec::new();
            if m.kind != IndicatorKind::Categorical {
                for p in &periods {
                    let ph = hidden_at(*level_id, p.id)?;
                    let series = atlas.values(m.id, *level_id, p.id)?;
                    trend.push(
                        id.and_then(|id| series.get(&id))
                            .filter(|_| !ph.hides(&m.key, &area.key))
                            .and_then(crate::StoredValue::number),
                    );
                }
            }
            values.push(ReportValue {
                shown,
                number,
                index,
                colour,
                position,
                trend,
            });
        }
        let first_id = areas[0].1;
        let h = hidden_at(first_id, period.id)?;
        let reference = if h.hides_reference(&m.key) || m.kind == IndicatorKind::Categorical {
            None
        } else {
            reference_value(atlas, m, first_id, period.id)?.value
        };
        // The reference's trend beside the areas' only where it is on their scale (not a count).
        let mut reference_trend = Vec::new();
        if !matches!(m.kind, IndicatorKind::Categorical | IndicatorKind::Count) {
            for p in &periods {
                let ph = hidden_at(first_id, p.id)?;
                reference_trend.push(if ph.hides_reference(&m.key) {
                    None
                } else {
                    reference_value(atlas, m, first_id, p.id)?.value
                });
            }
        }
        let band = spines
            .get(&first_id)
            .filter(|_| !matches!(m.kind, IndicatorKind::Categorical | IndicatorKind::Count))
            .and_then(|rows| rows.iter().find(|r| r.indicator == m.key))
            .and_then(|r| {
                let [a, b, c, d] = r.spread?;
                Some([r.position(a)?, r.position(b)?, r.position(c)?, r.position(d)?])
            });
        let row = ReportRow {
            key: m.key.clone(),
            name: m.name.clone(),
            unit: m.unit.clone(),
            decimals,
            values,
            reference_shown: reference.map_or("k. A.".to_string(), |r| format_german(r, decimals)),
            reference,
            reference_trend,
            band,
        };
        let topic = if m.topic.trim().is_empty() {
            "Weitere Indikatoren".to_string()
        } else {
            m.topic.clone()
        };
        match topics.iter_mut().find(|t| t.name == topic) {
            Some(t) => t.rows.push(row),
            None => topics.push(ReportTopic {
                name: topic,
                rows: vec![row],
            }),
        }
    }
    // Sources with the indicators from each.
    let mut sources: Vec<(String, String)> = Vec::new();
    for m in &indicators {
        let source = if m.source.is_empty() {
            "keine Angabe im Atlas".to_string()
        } else {
            m.source.clone()
        };
        match sources.iter_mut().find(|(s, _)| *s == source) {
            Some((_, names)) => {
                names.push_str(", ");
                names.push_str(&m.name);
            }
            None => sources.push((source, m.name.clone())),
        }
    }
    Ok(AreaReport {
        municipality: meta.name,
        period: period.label.clone(),
        date: date_de(period.date.as_deref().unwrap_or(&period.label)),
        areas: areas.into_iter().map(|(a, _)| a).collect(),
        periods: periods.into_iter().map(|p| p.label).collect(),
        topics,
        sources,
        attribution: meta.attribution,
        footnote,
        suppressed_cells: suppressed,
        intern: request.intern,
    })
}

/// The spine of one row as a small SVG: the band of the first area's level, the reference in
/// the middle, a dot per area.
fn spine_svg(row: &ReportRow) -> String {
    let (w, h) = (40.0, 5.0);
    let mut svg = Svg::page_mm(w, h);
    if let Some([a, b, c, d]) = row.band {
        svg.rect(
            a.min(d) * w,
            1.0,
            (a - d).abs() * w,
            3.0,
            Some(Rgb([215, 225, 235])),
            None,
        );
        svg.rect(
            b.min(c) * w,
            1.0,
            (b - c).abs() * w,
            3.0,
            Some(Rgb([150, 180, 210])),
            None,
        );
    }
    svg.polyline(&[[w / 2.0, 0.2], [w / 2.0, h - 0.2]], Rgb([30, 30, 30]), 0.35, false);
    for (k, v) in row.values.iter().enumerate() {
        if let Some(p) = v.position {
            svg.circle(
                p * w,
                h / 2.0,
                1.3,
                palette::series(k),
                Some((Rgb([255, 255, 255]), 0.2)),
            );
        }
    }
    svg.finish()
}

/// The trend of one row as a sparkline: a line per area, the reference dashed.
fn sparkline_svg(row: &ReportRow) -> Option<String> {
    let (reference, areas) = trend_lines(row)?;
    let (w, h) = (30.0, 6.0);
    let place = |line: &[[f64; 2]]| -> Vec<[f64; 2]> {
        line.iter()
            .map(|[x, y]| [1.0 + x * (w - 2.0), h - 0.6 - y * (h - 1.2)])
            .collect()
    };
    let mut svg = Svg::page_mm(w, h);
    svg.polyline(&place(&reference), Rgb([90, 90, 90]), 0.3, true);
    for (k, line) in areas.iter().enumerate() {
        let points = place(line);
        svg.polyline(&points, palette::series(k), 0.45, false);
        if let Some(last) = points.last() {
            svg.circle(last[0], last[1], 0.5, palette::series(k), None);
        }
    }
    Some(svg.finish())
}

/// Typst content for a text: a string literal.
fn text(t: &str) -> String {
    string_literal(t)
}

/// The report as Typst markup with its figures.
fn typst_document(report: &AreaReport) -> Document {
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    let landscape = report.areas.len() > 2;
    let mut m = String::new();
    let marking = crate::figure::typeset::internal_marking(report.intern);
    let _ = writeln!(
        m,
        "#set document(title: {title})\n#set text(font: \"DejaVu Sans\", size: 8pt, lang: \"de\")\n\
         #set page(paper: \"a4\", flipped: {landscape}, margin: (x: 14mm, top: 18mm, bottom: 16mm),\n\
           header: [{marking}],\n\
           footer: context [#set text(size: 7pt, fill: rgb(\"#555555\")); #{municipality} · #{title_text} #h(1fr) Seite #counter(page).display() von #counter(page).final().first()])\n\
         #set table(stroke: (x, y) => if y == 0 {{ (bottom: 0.6pt) }} else {{ (bottom: 0.3pt + rgb(\"#dddddd\")) }})",
        title = text(&report.title()),
        municipality = text(&report.municipality),
        title_text = text(&report.title()),
    );
    let _ = writeln!(m, "#text(size: 16pt, weight: \"bold\")[#{}]\n", text(&report.title()));
    let areas: Vec<String> = report
        .areas
        .iter()
        .map(|a| format!("{} ({} {})", a.name, a.level, a.key))
        .collect();
    let _ = writeln!(
        m,
        "#text(size: 9pt)[#{}]\n",
        text(&format!(
            "{}, Stand {}: {}. Index: Gesamtstadt = 100. Hintergrund der Werte: Klasse auf der Karte (gleiche Intervalle, 6 Klassen). Lage: alle Gebiete der Ebene als Band (hell: niedrigster bis höchster Wert, dunkel: mittlere Hälfte), Gesamtstadt als Strich, rechts die günstigere Seite (ohne Wertung: höhere Werte).",
            report.municipality,
            report.date,
            areas.join("; ")
        ))
    );
    let n = report.areas.len();
    let columns = format!("(2.4fr, {} 1.2fr, 34mm, 26mm)", "1fr, ".repeat(n));
    for (t, topic) in report.topics.iter().enumerate() {
        let _ = writeln!(m, "#heading(level: 2, {})", text(&topic.name));
        let _ = writeln!(
            m,
            "#table(columns: {columns}, align: (left, {} right, center, center), inset: 3pt,",
            "right, ".repeat(n)
        );
        let mut header = vec![text("Indikator")];
        for (k, a) in report.areas.iter().enumerate() {
            let [r, g, b] = palette::series(k).0;
            header.push(format!(
                "[#box(circle(radius: 2.5pt, fill: rgb({r}, {g}, {b})))#linebreak()#strong({})]",
                text(&a.name)
            ));
        }
        header.extend([
            format!("strong({})", text("Gesamtstadt")),
            format!("strong({})", text("Lage")),
            format!(
                "strong({})",
                text(&format!(
                    "Trend {}–{}",
                    report.periods.first().cloned().unwrap_or_default(),
                    report.periods.last().cloned().unwrap_or_default()
                ))
            ),
        ]);
        let header: Vec<String> = header
            .into_iter()
            .map(|h| if h.starts_with('"') { format!("strong({h})") } else { h })
            .collect();
        let _ = writeln!(m, "table.header({}),", header.join(", "));
        for (i, row) in topic.rows.iter().enumerate() {
            let name = if row.unit.is_empty() {
                row.name.clone()
            } else {
                format!("{} ({})", row.name, row.unit)
            };
            let mut cells = vec![text(&name)];
            for v in &row.values {
                let index = v
                    .index
                    .map(|i| format!("Index {}", format_german(i, 0)))
                    .unwrap_or_default();
                let fill = v
                    .colour
                    .map(|c| format!("fill: rgb(\"{}\"), ", c.hex()))
                    .unwrap_or_default();
                let colour = v.colour.map_or(Rgb([20, 20, 20]), Rgb::text_on);
                cells.push(format!(
                    "table.cell({fill})[#text(fill: rgb(\"{}\"))[#{}]#linebreak()#text(size: 6.5pt, fill: rgb(\"{}\"))[#{}]]",
                    colour.hex(),
                    text(&v.shown),
                    colour.hex(),
                    text(&index)
                ));
            }
            cells.push(text(&row.reference_shown));
            let spine = format!("lage-{t}-{i}.svg");
            files.push((spine.clone(), spine_svg(row).into_bytes()));
            cells.push(format!("image({}, width: 34mm)", text(&spine)));
            match sparkline_svg(row) {
                Some(svg) => {
                    let name = format!("trend-{t}-{i}.svg");
                    files.push((name.clone(), svg.into_bytes()));
                    cells.push(format!("image({}, width: 26mm)", text(&name)));
                }
                None => cells.push(text("")),
            }
            let _ = writeln!(m, "{},", cells.join(", "));
        }
        let _ = writeln!(m, ")");
    }
    let _ = writeln!(m, "#heading(level: 2, {})", text("Quellen und Hinweise"));
    let _ = writeln!(m, "#set text(size: 7.5pt)");
    let _ = writeln!(
        m,
        "#{}\n",
        text(&format!(
            "Stichtag: {}. Zeichen: … keine Angabe für diese Ebene und diesen Zeitraum, – nichts vorhanden (null).",
            report.date
        ))
    );
    for (source, names) in &report.sources {
        let _ = writeln!(m, "#strong({}) #{}\n", text(&format!("{source}:")), text(names));
    }
    if let Some(f) = &report.footnote {
        let _ = writeln!(m, "#{}\n", text(f));
    }
    if !report.attribution.is_empty() {
        let _ = writeln!(m, "#{}\n", text(&report.attribution));
    }
    if report.intern {
        let _ = writeln!(m, "#text(fill: rgb(\"#b40000\"))[#{}]\n", text(INTERNAL_MARKING));
    }
    let mut document = Document::new(m);
    for (name, bytes) in files {
        document.add_file(&name, bytes);
    }
    document
}

/// What [`write_area_report`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct AreaReportSummary {
    /// The file.
    pub file: String,
    /// `pdf`, `docx` or `xlsx`.
    pub format: String,
    /// The title.
    pub title: String,
    /// The areas.
    pub areas: Vec<ReportArea>,
    /// Indicator rows.
    pub indicators: usize,
    /// Cells hidden (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use.
    pub intern: bool,
}

/// Writes the report as PDF, DOCX or XLSX, by the extension of `out`, whole or not at all.
pub fn write_area_report(report: &AreaReport, out: &Path) -> Result<AreaReportSummary> {
    let format = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    match format.as_str() {
        "pdf" => {
            let pdf = typst_document(report).pdf()?;
            crate::export::write_whole(out, &pdf)?;
        }
        "docx" => write_via_temporary(out, |tmp| write_docx(report, tmp))?,
        "xlsx" => write_via_temporary(out, |tmp| write_xlsx(report, tmp))?,
        _ => {
            return Err(Error::Invalid(format!(
                "{}: unbekanntes Format „.{format}“; möglich sind .pdf, .docx und .xlsx",
                out.display()
            )))
        }
    }
    Ok(AreaReportSummary {
        file: out.display().to_string(),
        format,
        title: report.title(),
        areas: report.areas.clone(),
        indicators: report.rows().count(),
        suppressed_cells: report.suppressed_cells,
        intern: report.intern,
    })
}

/// The notes under the table: reference date and sources, the footnote, the attribution.
fn notes(report: &AreaReport) -> Vec<String> {
    let mut notes = Vec::new();
    if report.intern {
        notes.push(INTERNAL_MARKING.to_string());
    }
    notes.push(format!("Stichtag: {}. Index: Gesamtstadt = 100.", report.date));
    for (source, names) in &report.sources {
        notes.push(format!("Quelle {source}: {names}"));
    }
    notes.extend(report.footnote.clone());
    if !report.attribution.is_empty() {
        notes.push(report.attribution.clone());
    }
    notes
}

fn write_docx(report: &AreaReport, out: &Path) -> Result<()> {
    use docx_rs::{Docx, Header, Paragraph, Run, Table, TableCell, TableRow};
    let para = |t: &str| Paragraph::new().add_run(Run::new().add_text(t));
    let bold = |t: &str| Paragraph::new().add_run(Run::new().add_text(t).bold());
    let cell = |p: Paragraph| TableCell::new().add_paragraph(p);
    let mut docx = Docx::new();
    if report.intern {
        docx = docx.header(
            Header::new()
                .add_paragraph(Paragraph::new().add_run(Run::new().add_text(INTERNAL_MARKING).bold().color("B40000"))),
        );
    }
    docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_text(report.title()).bold().size(32)));
    for topic in &report.topics {
        docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_text(&topic.name).bold().size(24)));
        let mut header = vec![cell(bold("Indikator"))];
        for a in &report.areas {
            header.push(cell(bold(&a.name)));
            header.push(cell(bold("Index")));
        }
        header.push(cell(bold("Gesamtstadt")));
        let mut rows = vec![TableRow::new(header)];
        for row in &topic.rows {
            let name = if row.unit.is_empty() {
                row.name.clone()
            } else {
                format!("{} ({})", row.name, row.unit)
            };
            let mut cells = vec![cell(para(&name))];
            for v in &row.values {
                let mut c = cell(para(&v.shown).align(docx_rs::AlignmentType::Right));
                if let Some(colour) = v.colour {
                    c = c.shading(docx_rs::Shading::new().fill(colour.hex().trim_start_matches('#')));
                }
                cells.push(c);
                let index = v.index.map(|i| format_german(i, 0)).unwrap_or_default();
                cells.push(cell(para(&index).align(docx_rs::AlignmentType::Right)));
            }
            cells.push(cell(para(&row.reference_shown).align(docx_rs::AlignmentType::Right)));
            rows.push(TableRow::new(cells));
        }
        docx = docx.add_table(Table::new(rows));
    }
    for note in notes(report) {
        docx = docx.add_paragraph(para(&note).size(16));
    }
    let file = std::fs::File::create(out).map_err(|e| Error::io(out, e))?;
    docx.build()
        .pack(file)
        .map_err(|e| Error::Invalid(format!("{}: DOCX nicht geschrieben ({e})", out.display())))?;
    Ok(())
}

fn write_xlsx(report: &AreaReport, out: &Path) -> Result<()> {
    use rust_xlsxwriter::{Format, Workbook};
    let xlsx =
        |e: rust_xlsxwriter::XlsxError| Error::Invalid(format!("{}: XLSX nicht geschrieben ({e})", out.display()));
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("Gebietsbericht").map_err(xlsx)?;
    let bold = Format::new().set_bold();
    let red = Format::new().set_bold().set_font_color(0xB4_0000);
    let mut r = 0u32;
    if report.intern {
        sheet.write_with_format(r, 0, INTERNAL_MARKING, &red).map_err(xlsx)?;
        r += 1;
    }
    sheet.write_with_format(r, 0, report.title(), &bold).map_err(xlsx)?;
    r += 2;
    let mut header = vec!["Thema".to_string(), "Indikator".to_string(), "Einheit".to_string()];
    for a in &report.areas {
        header.push(format!("{} ({})", a.name, a.key));
        header.push(format!("Index {}", a.name));
    }
    header.push("Gesamtstadt".into());
    for (c, h) in header.iter().enumerate() {
        sheet.write_with_format(r, c as u16, h, &bold).map_err(xlsx)?;
    }
    r += 1;
    for topic in &report.topics {
        for row in &topic.rows {
            let number = Format::new().set_num_format(if row.decimals == 0 {
                "#,##0".to_string()
            } else {
                format!("#,##0.{}", "0".repeat(row.decimals))
            });
            sheet.write(r, 0, &topic.name).map_err(xlsx)?;
            sheet.write(r, 1, &row.name).map_err(xlsx)?;
            sheet.write(r, 2, &row.unit).map_err(xlsx)?;
            let mut c = 3u16;
            for v in &row.values {
                match v.number {
                    Some(n) => sheet.write_number_with_format(r, c, n, &number).map_err(xlsx)?,
                    None => sheet.write(r, c, &v.shown).map_err(xlsx)?,
                };
                if let Some(i) = v.index {
                    sheet
                        .write_number_with_format(r, c + 1, i, &Format::new().set_num_format("0"))
                        .map_err(xlsx)?;
                }
                c += 2;
            }
            match row.reference {
                Some(n) => sheet.write_number_with_format(r, c, n, &number).map_err(xlsx)?,
                None => sheet.write(r, c, &row.reference_shown).map_err(xlsx)?,
            };
            r += 1;
        }
    }
    r += 1;
    for note in notes(report) {
        sheet
            .write(r, 0, format!("{}{note}", crate::export::NOTE_PREFIX))
            .map_err(xlsx)?;
        r += 1;
    }
    sheet.set_column_width(1, 40).map_err(xlsx)?;
    book.save(out).map_err(xlsx)?;
    Ok(())
}
