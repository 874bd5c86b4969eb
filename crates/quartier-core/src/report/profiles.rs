//! The book of Quartiersprofile: one profile per area of a level, set with Typst as one PDF
//! with a title page, a table of contents, page numbers, a glossary built from the indicator
//! descriptions and the data attribution. Each profile: a locator map (the area among its
//! neighbours, the parent areas' borders), the interpretation text the planner wrote, the
//! template's sections (value, parent area, Gesamtstadt, index), the area's categories
//! (status/dynamics where saved), the spine chart, the age structure, a time series and the
//! facilities in the area by category. Which indicators appear, in which sections, is the
//! profile template ([`crate::store::ProfileTemplate`]). Suppressed unless internal.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use geo::{BoundingRect, Contains};
use serde::Serialize;

use crate::analysis::chart::age_band;
use crate::analysis::suppress::HiddenCache;
use crate::crs::Metric;
use crate::export::INTERNAL_MARKING;
use crate::figure::chart::{chart_figure_with, ChartKind, ChartRequest};
use crate::figure::map::{extent_of, length_de, scale_bar_length, ClassStyle};
use crate::figure::svg::Svg;
use crate::figure::typeset::{string_literal as text, Document};
use crate::figure::Rgb;
use crate::model::{IndicatorKind, IndicatorMeta};
use crate::numbers::{date_de, format_german};
use crate::progress::{check_cancel, Progress};
use crate::reference::reference_value;
use crate::{Atlas, Error, Result};

/// What book to set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProfilesRequest {
    /// The level whose areas get a profile.
    pub level: String,
    /// The period.
    pub period: String,
    /// Only these areas (keys); empty: every area of the level.
    pub areas: Vec<String>,
    /// The profile template; `None`: one section per topic.
    pub template: Option<String>,
    /// Unsuppressed, marked internal.
    pub intern: bool,
}

/// What [`write_profiles`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ProfilesSummary {
    /// The file.
    pub file: String,
    /// The level.
    pub level: String,
    /// The period.
    pub period: String,
    /// The template used.
    pub template: String,
    /// Profiles in the book.
    pub profiles: usize,
    /// Pages of the book.
    pub pages: usize,
    /// Cells hidden at the level and its parent level (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use.
    pub intern: bool,
}

/// The accent of the area on its locator map.
const ACCENT: Rgb = Rgb([20, 60, 160]);

/// The locator map: the area in the accent colour among its neighbours, the parent areas'
/// borders, a frame; `areas` and `parents` are projected to metres.
fn locator_svg(index: usize, areas: &[geo::MultiPolygon<f64>], parents: &[geo::MultiPolygon<f64>]) -> Option<String> {
    let own = areas[index].bounding_rect()?;
    // The window: the area with room around it, at least 1.5 km across, square.
    let side = (own.width().max(own.height()) * 2.6).max(1500.0);
    let (cx, cy) = (own.center().x, own.center().y);
    let (x0, y0) = (cx - side / 2.0, cy - side / 2.0);
    let size = 80.0;
    let scale = size / side;
    let window = geo::Rect::new(geo::coord! { x: x0, y: y0 }, geo::coord! { x: x0 + side, y: y0 + side });
    let path = |g: &geo::MultiPolygon<f64>| {
        let mut d = String::new();
        for polygon in g {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for (i, c) in ring.coords().enumerate() {
                    let _ = write!(
                        d,
                        "{}{:.2},{:.2}",
                        if i == 0 { 'M' } else { 'L' },
                        (c.x - x0) * scale,
                        (y0 + side - c.y) * scale
                    );
                }
                d.push('Z');
            }
        }
        d
    };
    let overlaps = |g: &geo::MultiPolygon<f64>| {
        g.bounding_rect().is_some_and(|r| {
            r.min().x < window.max().x
                && r.max().x > window.min().x
                && r.min().y < window.max().y
                && r.max().y > window.min().y
        })
    };
    let mut svg = Svg::page_mm(size, size);
    svg.raw(&format!(
        r#"<clipPath id="f"><rect width="{size}" height="{size}"/></clipPath><g clip-path="url(#f)">"#
    ));
    svg.rect(0.0, 0.0, size, size, Some(Rgb([244, 244, 240])), None);
    for (i, g) in areas.iter().enumerate() {
        if i != index && overlaps(g) {
            svg.path(&path(g), Some(Rgb([222, 222, 222])), Some((Rgb([255, 255, 255]), 0.25)));
        }
    }
    svg.path(&path(&areas[index]), Some(ACCENT), Some((Rgb([255, 255, 255]), 0.3)));
    for g in parents.iter().filter(|g| overlaps(g)) {
        svg.path(&path(g), None, Some((Rgb([60, 60, 60]), 0.4)));
    }
    svg.raw("</g>");
    svg.rect(0.0, 0.0, size, size, None, Some((Rgb([150, 150, 150]), 0.3)));
    // A scale bar of a round length, bottom left.
    let metres = scale_bar_length(side * 0.3);
    let bar = metres * scale;
    svg.rect(3.0, size - 6.5, bar + 2.0, 4.5, Some(Rgb([255, 255, 255])), None);
    svg.rect(4.0, size - 3.5, bar, 0.8, Some(Rgb([30, 30, 30])), None);
    svg.text(
        4.0,
        size - 4.2,
        2.2,
        crate::figure::svg::Anchor::Start,
        &length_de(metres),
    );
    Some(svg.finish())
}

/// Sets the book and writes it to `out` (PDF), whole or not at all.
pub fn write_profiles(
    atlas: &Atlas,
    request: &ProfilesRequest,
    out: &Path,
    progress: &dyn Progress,
) -> Result<ProfilesSummary> {
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    if ext != "pdf" {
        return Err(Error::Invalid(format!(
            "{}: die Quartiersprofile werden als PDF geschrieben (.pdf), nicht „.{ext}“",
            out.display()
        )));
    }
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let info = atlas.meta()?;
    let template = atlas.profile_template(request.template.as_deref(), &level.name, Some(&period.label))?;
    let metas: HashMap<String, IndicatorMeta> = template
        .sections
        .iter()
        .flat_map(|s| s.indicators.iter())
        .map(|k| atlas.indicator(k).map(|m| (k.clone(), m)))
        .collect::<Result<_>>()?;
    let parent_level = match level.parent_level_id {
        Some(id) => atlas.levels()?.into_iter().find(|l| l.id == id),
        None => None,
    };

    // The areas: every area of the level with geometry (combined areas have their members'
    // profiles), or the ones asked for.
    progress.report(0.0, "Gebiete und Geometrien lesen");
    let combined: std::collections::HashSet<usize> = atlas.merged_areas(level.id)?.iter().map(|m| m.combined).collect();
    let listed = atlas.level_areas(level.id)?;
    let is_combined = |key: &str| {
        listed
            .iter()
            .position(|a| &*a.key == key)
            .is_some_and(|i| combined.contains(&i))
    };
    let geometries: Vec<(crate::store::AreaRef, geo::MultiPolygon<f64>)> = atlas
        .area_geometries(level.id)?
        .into_iter()
        .filter(|(a, _)| !is_combined(&a.key))
        .collect();
    for key in &request.areas {
        if !geometries.iter().any(|(a, _)| &*a.key == key.as_str()) {
            return Err(Error::Invalid(format!(
                "Gebiet „{key}“ gibt es auf Ebene „{}“ nicht (oder ohne Geometrie)",
                level.name
            )));
        }
    }
    let chosen: Vec<usize> = (0..geometries.len())
        .filter(|&i| request.areas.is_empty() || request.areas.iter().any(|k| **k == *geometries[i].0.key))
        .collect();
    if chosen.is_empty() {
        return Err(Error::Invalid(format!(
            "Ebene „{}“ hat keine Gebiete mit Geometrie",
            level.name
        )));
    }
    // ETRS89 / UTM of the municipality's centre, as on the map page.
    let extent = extent_of(geometries.iter().map(|(_, g)| g))
        .ok_or_else(|| Error::Invalid(format!("Ebene „{}“: Geometrien ohne Ausdehnung", level.name)))?;
    let metric = Metric::for_longitude(extent.center().x)?;
    let projected: Vec<geo::MultiPolygon<f64>> = geometries
        .iter()
        .map(|(_, g)| metric.project_polygons(g))
        .collect::<Result<_>>()?;
    let parent_areas = match &parent_level {
        Some(p) => atlas.area_geometries(p.id)?,
        None => Vec::new(),
    };
    let parents_projected: Vec<geo::MultiPolygon<f64>> = parent_areas
        .iter()
        .map(|(_, g)| metric.project_polygons(g))
        .collect::<Result<_>>()?;
    let parent_of: HashMap<i64, &crate::store::AreaRef> = parent_areas.iter().map(|(a, _)| (a.id, a)).collect();
    // Each parent's parts: positions in the level's areas in key order.
    let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, a) in listed.iter().enumerate() {
        if let Some(p) = a.parent_area_id {
            children.entry(p).or_default().push(i);
        }
    }

    // What may be shown.
    let mut cache = HiddenCache::new(atlas, request.intern);
    let hidden = cache.at(&level.name, &period.label)?.clone();
    let parent_hidden = match &parent_level {
        Some(p) => cache.at(&p.name, &period.label)?.clone(),
        None => crate::analysis::suppress::HiddenCells::internal(),
    };

    // Values of the template's indicators at the level, the parent level and the reference.
    struct Column {
        meta: IndicatorMeta,
        values: std::sync::Arc<crate::store::Series>,
        parent_values: Option<std::sync::Arc<crate::store::Series>>,
        /// The indicator's rule inputs at the level, to compute a parent's value where the
        /// parent level has none stored.
        inputs: Option<crate::analysis::aggregate::RuleInputs>,
        reference: Option<f64>,
    }
    let mut columns: HashMap<String, Column> = HashMap::new();
    for (key, meta) in &metas {
        let values = atlas.values(meta.id, level.id, period.id)?;
        let parent_values = match &parent_level {
            Some(p) => Some(atlas.values(meta.id, p.id, period.id)?),
            None => None,
        };
        let reference = if hidden.hides_reference(key) || meta.kind == IndicatorKind::Categorical {
            None
        } else {
            reference_value(atlas, meta, level.id, period.id)?.value
        };
        let inputs = if meta.kind == IndicatorKind::Categorical {
            None
        } else {
            crate::analysis::aggregate::RuleInputs::load(atlas, meta, level.id, period.id)?.ok()
        };
        columns.insert(
            key.clone(),
            Column {
                meta: meta.clone(),
                values,
                parent_values,
                inputs,
                reference,
            },
        );
    }
    // The categories of the areas (status/dynamics and other saved classes) in the period.
    let mut categories: Vec<(IndicatorMeta, std::sync::Arc<crate::store::Series>)> = Vec::new();
    for m in atlas.indicators()? {
        if m.kind == IndicatorKind::Categorical {
            let values = atlas.values(m.id, level.id, period.id)?;
            if !values.is_empty() {
                categories.push((m, values));
            }
        }
    }
    // Facilities by category in each area.
    progress.report(0.1, "Einrichtungen den Gebieten zuordnen");
    let mut facilities: Vec<(String, Vec<crate::store::Poi>)> = Vec::new();
    for (category, _) in atlas.poi_categories()? {
        let pois = atlas.pois(&category)?;
        facilities.push((category, pois));
    }
    let boxes: Vec<Option<geo::Rect<f64>>> = geometries.iter().map(|(_, g)| g.bounding_rect()).collect();
    let texts = atlas.area_texts(level.id)?;
    let has_age_bands = atlas
        .indicators()?
        .iter()
        .any(|m| m.kind == IndicatorKind::Count && age_band(&m.name).is_some());
    let numeric: Vec<String> = template
        .sections
        .iter()
        .flat_map(|s| s.indicators.iter())
        .filter(|k| {
            columns
                .get(*k)
                .is_some_and(|c| c.meta.kind != IndicatorKind::Categorical && c.meta.kind != IndicatorKind::Count)
        })
        .cloned()
        .collect();
    // The time series shows the first numeric indicator with values in more than one period.
    let all_periods = atlas.periods()?;
    let mut trend_indicator = None;
    'find: for key in &numeric {
        let meta = &columns[key].meta;
        let mut periods_with = 0;
        for p in &all_periods {
            periods_with += usize::from(!atlas.values(meta.id, level.id, p.id)?.is_empty());
            if periods_with > 1 {
                trend_indicator = Some(key.clone());
                break 'find;
            }
        }
    }

    let title = format!("Quartiersprofile {} – {}, {}", info.name, level.name, period.label);
    let date = date_de(period.date.as_deref().unwrap_or(&period.label));
    let mut m = String::new();
    let marking = crate::figure::typeset::internal_marking(request.intern);
    let _ = writeln!(
        m,
        "#set document(title: {t})\n#set text(font: \"DejaVu Sans\", size: 8.5pt, lang: \"de\")\n\
         #set page(paper: \"a4\", margin: (x: 16mm, top: 18mm, bottom: 16mm), header: [{marking}],\n\
           footer: context [#set text(size: 7pt, fill: rgb(\"#555555\")); #{t} #h(1fr) Seite #counter(page).display()])\n\
         #show heading.where(level: 1): it => {{ pagebreak(weak: true); block(below: 3mm, text(size: 15pt, weight: \"bold\", it.body)) }}\n\
         #show heading.where(level: 2): it => block(above: 4mm, below: 2mm, text(size: 10pt, weight: \"bold\", it.body))\n\
         #set table(stroke: (x, y) => if y == 0 {{ (bottom: 0.6pt) }} else {{ (bottom: 0.3pt + rgb(\"#dddddd\")) }}, inset: 2.5pt)",
        t = text(&title)
    );
    // Title page.
    let _ = writeln!(
        m,
        "#page(header: [{marking}], footer: none)[#v(1fr)#text(size: 26pt, weight: \"bold\")[#{}]\\ #v(4mm)#text(size: 14pt)[#{}]\\ #v(2mm)#text(size: 11pt)[#{}]#v(1fr)#text(size: 8pt)[#{}]]",
        text("Quartiersprofile"),
        text(&format!("{}, {}", info.name, level.name)),
        text(&format!(
            "Stand {date} · {} Profile · Vorlage „{}“",
            chosen.len(),
            template.name
        )),
        text(&if info.attribution.is_empty() {
            "Daten: siehe Glossar und Hinweise am Ende.".to_string()
        } else {
            format!("Daten: {}", info.attribution)
        }),
    );
    let _ = writeln!(m, "#outline(title: {}, depth: 1)", text("Inhalt"));

    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for (n, &i) in chosen.iter().enumerate() {
        if n % 16 == 0 {
            check_cancel(progress)?;
            progress.report(0.1 + 0.6 * n as f32 / chosen.len() as f32, "Profile zusammenstellen");
        }
        let (area, geometry) = &geometries[i];
        let parent = area.parent_area_id.and_then(|id| parent_of.get(&id).copied());
        let _ = writeln!(
            m,
            "#heading(level: 1, {})",
            text(&format!("{} ({})", area.name, area.key))
        );
        let mut line = level.name.clone();
        if let (Some(p), Some(pl)) = (parent, &parent_level) {
            let _ = write!(line, " in {} ({})", p.name, pl.name);
        }
        let _ = write!(line, " · {}, Stand {date}", info.name);
        let _ = writeln!(m, "#text(fill: rgb(\"#555555\"))[#{}]\n", text(&line));
        // Locator map beside the first section's figures.
        let map = locator_svg(i, &projected, &parents_projected);
        let map_cell = match map {
            Some(svg) => {
                let name = format!("lage-{n}.svg");
                files.push((name.clone(), svg.into_bytes()));
                format!("image({}, width: 80mm)", text(&name))
            }
            None => text(""),
        };
        let area_km2 = crate::geometry::area_m2(geometry) / 1e6;
        let mut facts = vec![format!(
            "[#strong({})#linebreak()#{}]",
            text("Fläche"),
            text(&format!("{} km²", format_german(area_km2, 2)))
        )];
        for (meta, values) in &categories {
            if let Some(t) = values.get(&area.id).and_then(|v| v.text.clone()) {
                if !hidden.hides(&meta.key, &area.key) {
                    facts.push(format!("[#strong({})#linebreak()#{}]", text(&meta.name), text(&t)));
                }
            }
        }
        // Facilities in the area.
        let mut facility_rows = Vec::new();
        for (category, pois) in &facilities {
            let inside: Vec<&crate::store::Poi> = pois
                .iter()
                .filter(|p| {
                    boxes[i].is_some_and(|b| {
                        p.lon >= b.min().x && p.lon <= b.max().x && p.lat >= b.min().y && p.lat <= b.max().y
                    }) && geometry.contains(&geo::point! { x: p.lon, y: p.lat })
                })
                .collect();
            let capacity: Option<f64> = inside.iter().map(|p| p.capacity).sum();
            let known = inside.iter().filter(|p| p.capacity.is_some()).count();
            facility_rows.push((category.clone(), inside.len(), capacity.filter(|_| known > 0), known));
        }
        let _ = writeln!(
            m,
            "#grid(columns: (80mm, 1fr), gutter: 6mm, {map_cell}, [#grid(columns: 1, row-gutter: 3mm, {})])",
            facts.join(", ")
        );
        if let Some(t) = texts.get(&area.id) {
            let _ = writeln!(
                m,
                "#block(fill: rgb(\"#f2f4f8\"), inset: 5pt, width: 100%)[#strong({})#linebreak()#{}]",
                text("Einschätzung"),
                text(t)
            );
        }
        for section in &template.sections {
            let _ = writeln!(m, "#heading(level: 2, {})", text(&section.title));
            let parent_name = match (parent, &parent_level) {
                (Some(p), _) => p.name.to_string(),
                (None, Some(pl)) => pl.name.clone(),
                _ => "übergeordnet".into(),
            };
            let _ = writeln!(
                m,
                "#table(columns: (2.8fr, 1fr, 1fr, 1fr, 0.7fr), align: (left, right, right, right, right), table.header(strong({}), strong({}), strong({}), strong({}), strong({})),",
                text("Indikator"),
                text(&area.name),
                text(&parent_name),
                text("Gesamtstadt"),
                text("Index")
            );
            for key in &section.indicators {
                let c = &columns[key];
                let decimals = c.meta.decimals.max(0) as usize;
                let (value, number) = super::shown(c.values.get(&area.id), hidden.hides(key, &area.key), decimals);
                // The parent's stored value, or its value from its parts by the indicator's rule.
                let parent_value = match (parent, &c.parent_values, &parent_level) {
                    (Some(p), Some(values), Some(pl)) => {
                        let secret = parent_hidden.hides(key, &p.key) || hidden.hides_parent(&pl.name, key, &p.key);
                        match values.get(&p.id) {
                            Some(v) => super::shown(Some(v), secret, decimals).0,
                            None if secret => "k. A.".into(),
                            None => c
                                .inputs
                                .as_ref()
                                .and_then(|inputs| inputs.combine(&children[&p.id], false).value)
                                .map_or("…".into(), |v| format_german(v, decimals)),
                        }
                    }
                    _ => "…".into(),
                };
                let reference = c.reference.map_or("k. A.".to_string(), |r| format_german(r, decimals));
                let index = match (number, c.reference) {
                    (Some(v), Some(r)) if r != 0.0 && c.meta.kind != IndicatorKind::Count => {
                        format_german(v / r * 100.0, 0)
                    }
                    _ => String::new(),
                };
                let name = if c.meta.unit.is_empty() {
                    c.meta.name.clone()
                } else {
                    format!("{} ({})", c.meta.name, c.meta.unit)
                };
                let _ = writeln!(
                    m,
                    "{}, {}, {}, {}, {},",
                    text(&name),
                    text(&value),
                    text(&parent_value),
                    text(&reference),
                    text(&index)
                );
            }
            let _ = writeln!(m, ")");
        }
        // Charts: the spine of the template's shares and rates, the age structure, a series.
        let mut chart = |kind: ChartKind, indicators: Vec<String>, name: &str| -> Result<Option<String>> {
            let figure = chart_figure_with(
                atlas,
                &ChartRequest {
                    kind,
                    indicators,
                    level: level.name.clone(),
                    period: period.label.clone(),
                    areas: vec![area.key.to_string()],
                    style: ClassStyle::default(),
                    intern: request.intern,
                },
                &mut cache,
            );
            match figure {
                Ok(f) => {
                    let file = format!("{name}-{n}.svg");
                    files.push((file.clone(), f.figure.svg.into_bytes()));
                    Ok(Some(file))
                }
                Err(Error::Invalid(_)) => Ok(None),
                Err(e) => Err(e),
            }
        };
        let spine = if numeric.is_empty() {
            None
        } else {
            chart(ChartKind::Spine, numeric.clone(), "spine")?
        };
        let age = if has_age_bands {
            chart(ChartKind::Age, Vec::new(), "alter")?
        } else {
            None
        };
        let series = match &trend_indicator {
            Some(k) => chart(ChartKind::Line, vec![k.clone()], "zeitreihe")?,
            None => None,
        };
        if !facility_rows.is_empty() {
            // The heading and its few rows on one page.
            let _ = writeln!(m, "#block(breakable: false)[");
            let _ = writeln!(m, "#heading(level: 2, {})", text("Einrichtungen im Gebiet"));
            let _ = writeln!(
                m,
                "#table(columns: (2fr, 1fr, 1.4fr), align: (left, right, right), table.header(strong({}), strong({}), strong({})),",
                text("Art"),
                text("Anzahl"),
                text("Plätze (wo bekannt)")
            );
            for (category, count, capacity, known) in &facility_rows {
                let places = match capacity {
                    Some(c) if *known == *count => format_german(*c, 0),
                    Some(c) => format!("{} (bei {known} von {count})", format_german(*c, 0)),
                    None => "…".into(),
                };
                let _ = writeln!(
                    m,
                    "{}, {}, {},",
                    text(category),
                    text(&if *count == 0 {
                        "–".to_string()
                    } else {
                        format_german(*count as f64, 0)
                    }),
                    text(if *count == 0 { "" } else { &places })
                );
            }
            let _ = writeln!(m, ")]");
        }
        if let Some(file) = spine {
            let _ = writeln!(
                m,
                "#heading(level: 2, {})\n#image({}, width: 100%)",
                text("Lage in der Stadt"),
                text(&file)
            );
        }
        // One chart below the other at 120 mm: their text stays near 5 pt in print.
        let charts: Vec<String> = [age, series]
            .into_iter()
            .flatten()
            .map(|f| format!("#align(center, image({}, width: 120mm))", text(&f)))
            .collect();
        if !charts.is_empty() {
            let _ = writeln!(
                m,
                "#heading(level: 2, {})\n{}",
                text("Altersstruktur und Entwicklung"),
                charts.join("\n")
            );
        }
    }

    // Glossary and notes.
    let _ = writeln!(m, "#heading(level: 1, {})", text("Glossar"));
    for section in &template.sections {
        let _ = writeln!(m, "#heading(level: 2, {})", text(&section.title));
        for key in &section.indicators {
            let meta = &columns[key].meta;
            let name = if meta.unit.is_empty() {
                meta.name.clone()
            } else {
                format!("{} ({})", meta.name, meta.unit)
            };
            let description = if meta.description.trim().is_empty() {
                "Keine Beschreibung im Atlas.".to_string()
            } else {
                meta.description.trim().to_string()
            };
            let source = if meta.source.is_empty() {
                "keine Angabe".to_string()
            } else {
                meta.source.clone()
            };
            let _ = writeln!(
                m,
                "#par[#strong({}) #{} #text(fill: rgb(\"#555555\"))[#{}]]",
                text(&name),
                text(&description),
                text(&format!("Quelle: {source}."))
            );
        }
    }
    let _ = writeln!(m, "#heading(level: 1, {})", text("Hinweise"));
    let mut notes = vec![
        format!("Stichtag: {date}. Index: Gesamtstadt = 100 (bei Anteilen, Quoten und Verhältnissen)."),
        "Zeichen: k. A. = geheim gehalten oder nicht angegeben; … = keine Angabe für diese Ebene und diesen Zeitraum; – = nichts vorhanden (null).".into(),
        "Lage in der Stadt: alle Gebiete der Ebene als Band (hell: niedrigster bis höchster Wert, dunkel: mittlere Hälfte), die Gesamtstadt als Strich, das Gebiet als Punkt, rechts die günstigere Seite.".into(),
    ];
    notes.extend(hidden.footnote());
    if !info.attribution.is_empty() {
        notes.push(format!("Namensnennung: {}", info.attribution));
    }
    if request.intern {
        notes.push(INTERNAL_MARKING.to_string());
    }
    for note in &notes {
        let _ = writeln!(m, "#par[#{}]", text(note));
    }

    progress.report(0.7, "Buch setzen");
    check_cancel(progress)?;
    let mut document = Document::new(m);
    for (name, bytes) in files {
        document.add_file(&name, bytes);
    }
    let (pdf, pages) = document.pdf_with_pages()?;
    progress.report(0.95, "Schreiben");
    crate::export::write_whole(out, &pdf)?;
    Ok(ProfilesSummary {
        file: out.display().to_string(),
        level: level.name,
        period: period.label,
        template: template.name,
        profiles: chosen.len(),
        pages,
        suppressed_cells: hidden.len() + parent_hidden.len(),
        intern: request.intern,
    })
}
