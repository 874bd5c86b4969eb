//! The choropleth map as a print page: title and subtitle by the atlas convention
//! ("<Kommune>, <Ebene> – <Indikator>, <Jahr>"), the areas in their class colours (projected
//! to ETRS89 / UTM, so the scale is true), the parent areas' borders, a legend with the method
//! and the class counts and "k. A." as a class of its own, a scale bar and a north arrow,
//! source, reference date, attribution and the suppression footnote.

use std::collections::HashSet;

use geo::{BoundingRect, InteriorPoint};
use serde::Serialize;

use super::palette::{self, SchemeKind};
use super::svg::{fit_title, text_width, wrap, Anchor, Svg};
use super::{Figure, Page, Rgb};
use crate::analysis::classify::{classify_published, Method, SeriesClasses, NO_DATA_LABEL, SMALL_AREA_LABEL};
use crate::analysis::suppress::HiddenCells;
use crate::crs::Metric;
use crate::export::INTERNAL_MARKING;
use crate::model::Polarity;
use crate::numbers::format_german;
use crate::{Atlas, Error, Result};

/// What map to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct MapRequest {
    /// Indicator key.
    pub indicator: String,
    /// Level name.
    pub level: String,
    /// Period label.
    pub period: String,
    /// Classes and colours.
    pub style: ClassStyle,
    /// Paper and orientation.
    pub page: Page,
    /// Write area names where they fit.
    pub labels: bool,
    /// Facility categories drawn as symbols.
    pub pois: Vec<String>,
    /// A second indicator drawn as columns at the areas' interior points.
    pub columns: Option<String>,
    /// Unsuppressed, marked internal.
    pub intern: bool,
}

/// What the drawn map shows, for the CLI's JSON and for tests.
#[derive(Debug, Clone, Serialize)]
pub struct MapSummary {
    /// The title.
    pub title: String,
    /// Areas drawn.
    pub areas: usize,
    /// Areas without a class ("k. A.", suppressed, too small).
    pub no_class: usize,
    /// Cells hidden by the suppression (0 with `intern`).
    pub suppressed_cells: usize,
    /// Class labels with their area counts.
    pub classes: Vec<(String, usize)>,
    /// The map scale as 1 : n.
    pub scale: f64,
    /// The scale bar's length on the ground, in metres.
    pub scale_bar_m: f64,
    /// The scale bar's length on paper, in millimetres.
    pub scale_bar_mm: f64,
    /// The scale bar's left end, in millimetres from the page's top left corner.
    pub scale_bar_at_mm: [f64; 2],
    /// The map frame: x, y, width, height in millimetres.
    pub frame_mm: [f64; 4],
    /// Written for internal use.
    pub intern: bool,
}

/// A drawn map.
#[derive(Debug, Clone)]
pub struct MapFigure {
    /// The page.
    pub figure: Figure,
    /// What it shows.
    pub summary: MapSummary,
}

/// How areas are classed and coloured, for maps and bar charts.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassStyle {
    /// Classification method.
    pub method: Method,
    /// Number of classes.
    pub classes: usize,
    /// ColorBrewer scheme name; `None`: the default of the kind the classes need.
    pub scheme: Option<String>,
    /// Turn the colours round.
    pub reversed: bool,
}

impl Default for ClassStyle {
    /// The KECK standard: six classes of equal width, the default colours.
    fn default() -> Self {
        ClassStyle {
            method: Method::EqualInterval,
            classes: 6,
            scheme: None,
            reversed: false,
        }
    }
}

/// Area classes of one series with their colours, as legends, maps and charts use them.
pub(crate) struct Colouring {
    pub(crate) classes: SeriesClasses,
    pub(crate) colours: Vec<Rgb>,
}

impl Colouring {
    pub(crate) fn new(
        atlas: &Atlas,
        (indicator, level, period): (&str, &str, &str),
        style: &ClassStyle,
        hidden: &HiddenCells,
    ) -> Result<Self> {
        let meta = atlas.indicator(indicator)?;
        let classes = classify_published(
            atlas,
            indicator,
            level,
            period,
            &style.method,
            style.classes,
            None,
            hidden,
        )?;
        let kind = match classes.method {
            Method::Categories => SchemeKind::Qualitative,
            Method::Diverging { .. } => SchemeKind::Diverging,
            _ => SchemeKind::Sequential,
        };
        let scheme = palette::scheme(kind, style.scheme.as_deref());
        let k = classes.labels.len();
        let higher_is_better = meta.polarity == Polarity::HigherIsBetter;
        let colours = (1..=k)
            .map(|c| scheme.class_colour(c, k, higher_is_better, style.reversed))
            .collect();
        Ok(Colouring { classes, colours })
    }

    pub(crate) fn colour(&self, class: Option<usize>) -> Rgb {
        class
            .and_then(|c| self.colours.get(c - 1).copied())
            .unwrap_or(palette::NO_DATA)
    }
}

/// A legend entry of an overlay.
enum Overlay {
    /// Facilities of a category.
    Symbol(Rgb),
    /// The columns of a second indicator.
    Column,
}

/// The box around all `geometries`.
pub(crate) fn extent_of<'a>(geometries: impl Iterator<Item = &'a geo::MultiPolygon<f64>>) -> Option<geo::Rect<f64>> {
    geometries.filter_map(|g| g.bounding_rect()).reduce(|a, b| {
        geo::Rect::new(
            geo::coord! { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
            geo::coord! { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
        )
    })
}

/// Round lengths for the scale bar: 1, 2, 5 × 10^n metres, at most `max`.
pub(crate) fn scale_bar_length(max: f64) -> f64 {
    let magnitude = 10f64.powf(max.log10().floor());
    [5.0, 2.0, 1.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|l| *l <= max)
        .unwrap_or(magnitude)
}

/// "500 m", "2 km", "2,5 km".
pub(crate) fn length_de(metres: f64) -> String {
    if metres >= 1000.0 {
        let km = metres / 1000.0;
        let decimals = if (km - km.round()).abs() < 1e-9 { 0 } else { 1 };
        format!("{} km", format_german(km, decimals))
    } else {
        format!("{} m", format_german(metres, 0))
    }
}

/// A map scale rounded for print: 1 : 148.300 → 1 : 150.000.
fn rounded_scale(n: f64) -> f64 {
    let magnitude = 10f64.powf(n.log10().floor() - 1.0);
    (n / magnitude).round() * magnitude
}

/// Draws the map page.
pub fn map_figure(atlas: &Atlas, request: &MapRequest) -> Result<MapFigure> {
    let meta = atlas.indicator(&request.indicator)?;
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let info = atlas.meta()?;
    let mut shown_keys = vec![meta.key.clone()];
    shown_keys.extend(request.columns.iter().cloned());
    let hidden = if request.intern {
        HiddenCells::internal()
    } else {
        HiddenCells::compute(atlas, &level.name, &period.label, &shown_keys)?
    };
    // The columns' values, published ones only, and the facilities asked for.
    let column_values: Option<(crate::model::IndicatorMeta, std::collections::HashMap<String, f64>)> =
        match &request.columns {
            Some(key) => {
                let m = atlas.indicator(key)?;
                let values = atlas.values(m.id, level.id, period.id)?;
                let by_key = atlas
                    .level_areas(level.id)?
                    .iter()
                    .filter(|a| !hidden.hides(key, &a.key))
                    .filter_map(|a| {
                        values
                            .get(&a.id)
                            .and_then(crate::StoredValue::number)
                            .map(|v| (a.key.to_string(), v))
                    })
                    .collect();
                Some((m, by_key))
            }
            None => None,
        };
    let known: Vec<String> = atlas.poi_categories()?.into_iter().map(|(c, _)| c).collect();
    let mut facilities = Vec::new();
    for category in &request.pois {
        if !known.contains(category) {
            return Err(Error::Invalid(format!(
                "Einrichtungsart „{category}“ gibt es im Atlas nicht; vorhanden: {}",
                known.join(", ")
            )));
        }
        facilities.push((category.clone(), atlas.pois(category)?));
    }
    let colouring = Colouring::new(atlas, (&meta.key, &level.name, &period.label), &request.style, &hidden)?;
    let geometries = atlas.area_geometries(level.id)?;
    if geometries.is_empty() {
        return Err(Error::Invalid(format!(
            "Ebene „{}“ hat keine Geometrien; ohne sie gibt es keine Karte",
            level.name
        )));
    }
    let parents = match level.parent_level_id {
        Some(parent) => atlas.area_geometries(parent)?,
        None => Vec::new(),
    };

    // Projection: ETRS89 / UTM of the municipality's centre, so lengths are true.
    let no_extent = || Error::Invalid(format!("Ebene „{}“: Geometrien ohne Ausdehnung", level.name));
    let bounds = extent_of(geometries.iter().map(|(_, g)| g)).ok_or_else(no_extent)?;
    let metric = Metric::for_longitude(bounds.center().x)?;
    let project = |g: &geo::MultiPolygon<f64>| metric.project_polygons(g);
    let projected: Vec<geo::MultiPolygon<f64>> = geometries.iter().map(|(_, g)| project(g)).collect::<Result<_>>()?;
    let parent_outlines: Vec<geo::MultiPolygon<f64>> =
        parents.iter().map(|(_, g)| project(g)).collect::<Result<_>>()?;
    let extent = extent_of(projected.iter()).ok_or_else(no_extent)?;

    // Page layout, from the outside in: title, footer, legend, and the map in what is left.
    let (page_w, page_h) = request.page.size_mm();
    let margin = 12.0;
    let inner_w = page_w - 2.0 * margin;
    let title = format!("{}, {} – {}, {}", info.name, level.name, meta.name, period.label);
    let mut subtitle = Vec::new();
    if !meta.unit.is_empty() {
        subtitle.push(format!("in {}", meta.unit));
    }
    subtitle.push(format!("{} Gebiete", geometries.len()));
    subtitle.push(format!("Klassen: {}", colouring.classes.method.name_de()));
    let subtitle = subtitle.join(" · ");

    let footer_size = 2.5;
    let footer = super::caption_notes(
        atlas,
        std::slice::from_ref(&meta.key),
        &period.label,
        &hidden,
        request.intern,
    )?;
    let footer_lines: Vec<String> = footer.iter().flat_map(|f| wrap(f, inner_w, footer_size)).collect();
    let footer_h = footer_lines.len() as f64 * footer_size * 1.3 + 2.0;

    // Legend entries: the classes, then "k. A." and the too small areas where there are any.
    let mut entries: Vec<(Rgb, String, usize)> = colouring
        .classes
        .labels
        .iter()
        .zip(&colouring.classes.counts)
        .enumerate()
        .map(|(i, (label, n))| (colouring.colours[i], label.clone(), *n))
        .collect();
    let no_class = colouring.classes.areas.iter().filter(|a| a.class.is_none()).count();
    let suppressed_areas = colouring
        .classes
        .areas
        .iter()
        .filter(|a| a.class.is_none() && hidden.hides(&meta.key, &a.key))
        .count();
    if colouring.classes.no_data > 0 {
        let label = if suppressed_areas > 0 {
            format!("{NO_DATA_LABEL} (ohne Wert oder geheim gehalten)")
        } else {
            NO_DATA_LABEL.to_string()
        };
        entries.push((palette::NO_DATA, label, colouring.classes.no_data));
    }
    if colouring.classes.small_areas > 0 {
        entries.push((
            palette::NO_DATA,
            SMALL_AREA_LABEL.to_string(),
            colouring.classes.small_areas,
        ));
    }
    // Overlays below the classes: the facilities, the columns.
    let mut overlay_entries: Vec<(Overlay, String)> = Vec::new();
    for (i, (category, pois)) in facilities.iter().enumerate() {
        overlay_entries.push((
            Overlay::Symbol(palette::series(i)),
            format!("{category} ({})", format_german(pois.len() as f64, 0)),
        ));
    }
    let column_max = column_values
        .as_ref()
        .map(|(_, v)| v.values().copied().fold(0.0, f64::max))
        .filter(|m| *m > 0.0);
    if let (Some((m, _)), Some(max)) = (&column_values, column_max) {
        overlay_entries.push((
            Overlay::Column,
            format!(
                "Säulen: {}{}, höchste {}",
                m.name,
                if m.unit.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", m.unit)
                },
                format_german(max, m.decimals.max(0) as usize)
            ),
        ));
    }
    let row_h = 5.0;
    let legend_size = 2.8;
    let beside = request.page.landscape;
    let legend_w = if beside { 62.0 } else { inner_w };
    let columns = if beside { 1 } else { 2 };
    let rows = (entries.len() + overlay_entries.len()).div_ceil(columns);
    let legend_h = 14.0 + rows as f64 * row_h;

    let top = margin + if request.intern { 22.0 } else { 17.0 };
    let bottom = page_h - margin - footer_h;
    let (frame_x, frame_y, frame_w, frame_h) = if beside {
        (margin, top, inner_w - legend_w - 6.0, bottom - top - 4.0)
    } else {
        (margin, top, inner_w, bottom - top - legend_h - 6.0)
    };
    if frame_w < 40.0 || frame_h < 40.0 {
        return Err(Error::Invalid(format!(
            "Für die Karte bleibt auf dem Blatt kein Platz ({} Legendeneinträge); ein größeres Format wählen",
            entries.len()
        )));
    }

    // The scale: millimetres of paper per metre of ground.
    let (ew, eh) = (extent.width().max(1.0), extent.height().max(1.0));
    let mm_per_m = (frame_w / ew).min(frame_h / eh);
    let dx = frame_x + (frame_w - ew * mm_per_m) / 2.0;
    let dy = frame_y + (frame_h - eh * mm_per_m) / 2.0;
    let to_page = |c: geo::Coord<f64>| -> (f64, f64) {
        (
            dx + (c.x - extent.min().x) * mm_per_m,
            dy + (extent.max().y - c.y) * mm_per_m,
        )
    };
    let path_of = |g: &geo::MultiPolygon<f64>| -> String {
        let mut d = String::new();
        for polygon in g {
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                for (i, c) in ring.coords().enumerate() {
                    let (x, y) = to_page(*c);
                    d.push(if i == 0 { 'M' } else { 'L' });
                    d.push_str(&format!("{x:.2},{y:.2}"));
                }
                d.push('Z');
            }
        }
        d
    };

    let mut svg = Svg::page_mm(page_w, page_h);
    let mut y = margin + 4.0;
    if request.intern {
        svg.styled_text(margin, y, 3.2, Anchor::Start, INTERNAL_MARKING, true, Rgb([180, 0, 0]));
        y += 5.0;
    }
    // The title in one line, smaller where it is long, in two where even that is too small.
    let (size, lines) = fit_title(&title, inner_w, 5.0, 3.8);
    let first_baseline = if lines.len() > 1 { y - 1.5 } else { y + 1.5 };
    for (i, line) in lines.iter().enumerate() {
        svg.bold(
            margin,
            first_baseline + i as f64 * size * 1.2,
            size,
            Anchor::Start,
            line,
        );
    }
    svg.text(margin, y + 7.5, 3.3, Anchor::Start, &subtitle);

    // The areas: ordinary areas first, combined areas over their members where they have a
    // class (as on screen).
    let combined: HashSet<usize> = atlas.merged_areas(level.id)?.iter().map(|m| m.combined).collect();
    let listed = atlas.level_areas(level.id)?;
    let position_of: std::collections::HashMap<&str, usize> =
        listed.iter().enumerate().map(|(i, a)| (a.key.as_ref(), i)).collect();
    let class_of: std::collections::HashMap<&str, Option<usize>> = colouring
        .classes
        .areas
        .iter()
        .map(|a| (a.key.as_str(), a.class))
        .collect();
    let border = if geometries.len() > 2000 { 0.04 } else { 0.1 };
    let mut drawn = 0;
    let mut labels = Vec::new();
    svg.raw(&format!(
        r#"<clipPath id="rahmen"><rect x="{frame_x:.2}" y="{frame_y:.2}" width="{frame_w:.2}" height="{frame_h:.2}"/></clipPath><g clip-path="url(#rahmen)">"#
    ));
    for pass in [false, true] {
        for ((area, _), g) in geometries.iter().zip(&projected) {
            let is_combined = position_of.get(area.key.as_ref()).is_some_and(|i| combined.contains(i));
            if is_combined != pass {
                continue;
            }
            let class = class_of.get(area.key.as_ref()).copied().flatten();
            if is_combined && class.is_none() {
                continue;
            }
            let fill = colouring.colour(class);
            svg.path(&path_of(g), Some(fill), Some((Rgb([110, 110, 110]), border)));
            drawn += 1;
            if request.labels {
                if let (Some(p), Some(r)) = (g.interior_point(), g.bounding_rect()) {
                    let width_mm = r.width() * mm_per_m;
                    let size = 1.8;
                    if text_width(&area.name, size) <= width_mm * 1.1 {
                        let (x, y) = to_page(p.0);
                        labels.push((x, y, area.name.to_string(), fill.text_on()));
                    }
                }
            }
        }
    }
    for g in &parent_outlines {
        svg.path(&path_of(g), None, Some((Rgb([40, 40, 40]), 0.35)));
    }
    // Columns at the interior points, scaled to the highest (12 mm).
    if let (Some((_, values)), Some(max)) = (&column_values, column_max) {
        for ((area, _), g) in geometries.iter().zip(&projected) {
            let (Some(v), Some(p)) = (values.get(area.key.as_ref()), g.interior_point()) else {
                continue;
            };
            let (x, y) = to_page(p.0);
            let h = (v / max * 12.0).max(0.0);
            svg.rect(
                x - 0.6,
                y - h,
                1.2,
                h,
                Some(Rgb([50, 50, 50])),
                Some((Rgb([255, 255, 255]), 0.12)),
            );
        }
    }
    // Facilities as dots in their category's colour.
    for (i, (_, pois)) in facilities.iter().enumerate() {
        for p in pois {
            let (x, y) = metric.project(p.lon, p.lat)?;
            let (x, y) = to_page(geo::coord! { x: x, y: y });
            svg.circle(x, y, 0.55, palette::series(i), Some((Rgb([255, 255, 255]), 0.12)));
        }
    }
    for (x, y, name, colour) in &labels {
        svg.styled_text(*x, *y + 0.6, 1.8, Anchor::Middle, name, false, *colour);
    }
    svg.raw("</g>");
    svg.rect(
        frame_x,
        frame_y,
        frame_w,
        frame_h,
        None,
        Some((Rgb([150, 150, 150]), 0.2)),
    );

    // North arrow, top right in the frame (UTM grid north; within 2° of true north in Germany).
    let (nx, ny) = (frame_x + frame_w - 8.0, frame_y + 5.0);
    svg.raw(&format!(
        r##"<path d="M{nx:.2},{:.2} L{:.2},{:.2} L{nx:.2},{:.2} Z" fill="#222"/><path d="M{nx:.2},{:.2} L{:.2},{:.2} L{nx:.2},{:.2} Z" fill="white" stroke="#222" stroke-width="0.2"/>"##,
        ny + 1.0,
        nx + 2.6,
        ny + 10.0,
        ny + 8.0,
        ny + 1.0,
        nx - 2.6,
        ny + 10.0,
        ny + 8.0,
    ));
    svg.bold(nx, ny, 3.2, Anchor::Middle, "N");

    // Scale bar, bottom left in the frame: four segments, black and white.
    let bar_m = scale_bar_length(frame_w * 0.25 / mm_per_m);
    let bar_mm = bar_m * mm_per_m;
    let (bx, by) = (frame_x + 5.0, frame_y + frame_h - 6.0);
    svg.rect(bx - 2.0, by - 5.0, bar_mm + 12.0, 9.0, Some(Rgb([255, 255, 255])), None);
    for i in 0..4 {
        let fill = if i % 2 == 0 {
            Rgb([30, 30, 30])
        } else {
            Rgb([255, 255, 255])
        };
        svg.rect(
            bx + bar_mm / 4.0 * i as f64,
            by,
            bar_mm / 4.0,
            1.4,
            Some(fill),
            Some((Rgb([30, 30, 30]), 0.2)),
        );
    }
    svg.text(bx, by - 1.0, 2.4, Anchor::Middle, "0");
    svg.text(bx + bar_mm, by - 1.0, 2.4, Anchor::Middle, &length_de(bar_m));
    let scale = 1000.0 / mm_per_m;
    svg.text(
        bx + bar_mm + 8.0,
        by + 1.4,
        2.4,
        Anchor::Start,
        &format!("1 : {}", format_german(rounded_scale(scale), 0)),
    );

    // Legend.
    let (lx, ly) = if beside {
        (frame_x + frame_w + 6.0, frame_y)
    } else {
        (margin, frame_y + frame_h + 6.0)
    };
    let heading = if meta.unit.is_empty() {
        meta.name.clone()
    } else {
        format!("{} ({})", meta.name, meta.unit)
    };
    for (i, line) in wrap(&heading, legend_w, 3.0).iter().take(2).enumerate() {
        svg.bold(lx, ly + 3.0 + i as f64 * 3.6, 3.0, Anchor::Start, line);
    }
    let method_line = format!(
        "{}, {} Klassen; in Klammern: Zahl der Gebiete",
        colouring.classes.method.name_de(),
        colouring.classes.labels.len()
    );
    let heading_lines = wrap(&heading, legend_w, 3.0).len().min(2);
    let method_lines = wrap(&method_line, legend_w, 2.4);
    let method_top = ly + 3.0 + heading_lines as f64 * 3.6 + 1.8;
    for (i, line) in method_lines.iter().enumerate() {
        svg.styled_text(
            lx,
            method_top + i as f64 * 3.0,
            2.4,
            Anchor::Start,
            line,
            false,
            Rgb([90, 90, 90]),
        );
    }
    let first_row = method_top + (method_lines.len() - 1) as f64 * 3.0 + 1.2;
    let column_w = legend_w / columns as f64;
    for (i, (colour, label, n)) in entries.iter().enumerate() {
        let (col, row) = (i / rows, i % rows);
        let x = lx + col as f64 * column_w;
        let y = first_row + 1.5 + row as f64 * row_h;
        svg.rect(x, y, 7.0, 3.8, Some(*colour), Some((Rgb([110, 110, 110]), 0.15)));
        svg.text(x + 9.0, y + 3.0, legend_size, Anchor::Start, &format!("{label} ({n})"));
    }
    for (j, (overlay, label)) in overlay_entries.iter().enumerate() {
        let i = entries.len() + j;
        let (col, row) = (i / rows, i % rows);
        let x = lx + col as f64 * column_w;
        let y = first_row + 1.5 + row as f64 * row_h;
        match overlay {
            Overlay::Symbol(colour) => svg.circle(x + 3.5, y + 1.9, 1.1, *colour, Some((Rgb([255, 255, 255]), 0.15))),
            Overlay::Column => svg.rect(x + 2.8, y, 1.4, 3.8, Some(Rgb([50, 50, 50])), None),
        }
        svg.text(x + 9.0, y + 3.0, legend_size, Anchor::Start, label);
    }

    // Footer.
    let footer_y = page_h - margin - footer_h + 3.0;
    let first = footer_lines.first().cloned().unwrap_or_default();
    let mut y = footer_y;
    for line in &footer_lines {
        let colour = if request.intern && line == &first {
            Rgb([180, 0, 0])
        } else {
            Rgb([70, 70, 70])
        };
        svg.styled_text(margin, y, footer_size, Anchor::Start, line, false, colour);
        y += footer_size * 1.3;
    }

    let classes: Vec<(String, usize)> = entries.iter().map(|(_, l, n)| (l.clone(), *n)).collect();
    Ok(MapFigure {
        figure: Figure {
            svg: svg.finish(),
            width_mm: page_w,
            height_mm: page_h,
            title: title.clone(),
        },
        summary: MapSummary {
            title,
            areas: drawn,
            no_class,
            suppressed_cells: hidden.len(),
            classes,
            scale,
            scale_bar_m: bar_m,
            scale_bar_mm: bar_mm,
            scale_bar_at_mm: [bx, by],
            frame_mm: [frame_x, frame_y, frame_w, frame_h],
            intern: request.intern,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bars_take_round_lengths_and_read_in_german() {
        assert_eq!(scale_bar_length(7300.0), 5000.0);
        assert_eq!(scale_bar_length(2100.0), 2000.0);
        assert_eq!(scale_bar_length(999.0), 500.0);
        assert_eq!(length_de(5000.0), "5 km");
        assert_eq!(length_de(2500.0), "2,5 km");
        assert_eq!(length_de(500.0), "500 m");
        assert_eq!(rounded_scale(148_312.0), 150_000.0);
    }
}
