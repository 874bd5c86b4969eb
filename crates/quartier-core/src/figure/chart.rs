//! Charts as print figures: bars by class, a scatter with its regression, time series, the
//! age structure and the spine chart (InstantAtlas style: each indicator a row, the spread of
//! all areas of the level as a band, the Gesamtstadt as the spine, the area as a dot). The
//! app's diagram export and `quartier export chart` both draw here, suppressed unless
//! internal.

use serde::Serialize;

use super::map::{ClassStyle, Colouring};
use super::palette;
use super::svg::{fit_title, text_width, wrap, Anchor, Svg};
use super::{Figure, Rgb};
use crate::analysis::chart::{age_band, age_structure, linear_regression, time_series};
use crate::analysis::classify::quantile_sorted;
use crate::analysis::suppress::{HiddenCache, HiddenCells};
use crate::export::INTERNAL_MARKING;
use crate::model::{IndicatorKind, Polarity};
use crate::numbers::format_german;
use crate::reference::reference_value;
use crate::{Atlas, Error, Result};

/// The kinds of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChartKind {
    /// All areas' values as bars, descending, coloured by class, with the reference line.
    Bar,
    /// The first indicator over the second, with the regression line.
    Scatter,
    /// The first indicator over all periods for the areas, with the reference.
    Line,
    /// The age structure of the areas (summed) against the whole municipality.
    Age,
    /// Each indicator a row: the areas against the spread of the level and the reference.
    Spine,
}

/// What chart to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartRequest {
    /// The kind.
    pub kind: ChartKind,
    /// Indicator keys: one for bar and line, two for scatter (shown, then compared with),
    /// any number for spine; none for age (the age bands are found by name).
    pub indicators: Vec<String>,
    /// Level name.
    pub level: String,
    /// Period label.
    pub period: String,
    /// Areas: highlighted in a scatter, the lines of a time series, the group of an age
    /// structure, the dots of a spine chart (at most six).
    pub areas: Vec<String>,
    /// Classes and colours of the bars.
    pub style: ClassStyle,
    /// Unsuppressed, marked internal.
    pub intern: bool,
}

/// What the drawn chart shows.
#[derive(Debug, Clone, Serialize)]
pub struct ChartSummary {
    /// The title.
    pub title: String,
    /// Bars, points, lines or rows drawn.
    pub marks: usize,
    /// Values left out as "k. A." (suppressed or missing).
    pub left_out: usize,
    /// Cells hidden by the suppression (0 with `intern`).
    pub suppressed_cells: usize,
    /// Written for internal use.
    pub intern: bool,
}

/// A drawn chart.
#[derive(Debug, Clone)]
pub struct ChartFigure {
    /// The figure.
    pub figure: Figure,
    /// What it shows.
    pub summary: ChartSummary,
}

/// Drawing units of a chart (printed 170 mm wide).
const WIDTH: f64 = 800.0;
const PLOT_HEIGHT: f64 = 480.0;
const PRINT_WIDTH_MM: f64 = 170.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 64.0;
const BOTTOM: f64 = 60.0;

/// Maps data to the plot area of a chart.
struct Canvas {
    x: (f64, f64),
    y: (f64, f64),
    /// The plot's left edge (room for the y labels).
    left: f64,
    /// Label x ticks without sign (for the two sides of an age pyramid).
    mirror_x: bool,
    svg: Svg,
}

impl Canvas {
    fn new(x: (f64, f64), y: (f64, f64), footer_lines: usize) -> Self {
        let pad = |(lo, hi): (f64, f64)| if hi > lo { (lo, hi) } else { (lo - 1.0, hi + 1.0) };
        let height = PLOT_HEIGHT + footer_lines as f64 * 14.0 + 8.0;
        Canvas {
            x: pad(x),
            y: pad(y),
            left: LEFT,
            mirror_x: false,
            svg: Svg::scaled(WIDTH, height, PRINT_WIDTH_MM),
        }
    }

    fn px(&self, x: f64) -> f64 {
        self.left + (x - self.x.0) / (self.x.1 - self.x.0) * (WIDTH - self.left - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        PLOT_HEIGHT - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0) * (PLOT_HEIGHT - TOP - BOTTOM)
    }

    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, colour: Rgb) {
        let (a, b) = (self.px(x0.min(x1)), self.px(x0.max(x1)));
        let (c, d) = (self.py(y0.max(y1)), self.py(y0.min(y1)));
        self.svg.rect(a, c, (b - a).max(0.1), d - c, Some(colour), None);
    }

    fn line(&mut self, points: &[[f64; 2]], colour: Rgb, width: f64, dashed: bool) {
        let points: Vec<[f64; 2]> = points.iter().map(|p| [self.px(p[0]), self.py(p[1])]).collect();
        self.svg.polyline(&points, colour, width, dashed);
    }

    fn dot(&mut self, x: f64, y: f64, r: f64, colour: Rgb) {
        let (x, y) = (self.px(x), self.py(y));
        self.svg.circle(x, y, r, colour, None);
    }

    /// Axes with round ticks labelled in German notation (on y only where `y_ticks`).
    fn axes(&mut self, x_label: &str, y_label: &str, x_ticks: bool) {
        self.axes_with(x_label, y_label, x_ticks, true);
    }

    fn axes_with(&mut self, x_label: &str, y_label: &str, x_ticks: bool, y_ticks: bool) {
        let (x0, x1, y0, y1) = (self.left, WIDTH - RIGHT, TOP, PLOT_HEIGHT - BOTTOM);
        let grey = Rgb([221, 221, 221]);
        for v in ticks(self.y).into_iter().filter(|_| y_ticks) {
            let y = self.py(v);
            self.svg.polyline(&[[x0, y], [x1, y]], grey, 0.8, false);
            self.svg.text(
                x0 - 6.0,
                y + 4.0,
                11.0,
                Anchor::End,
                &format_german(v, decimals_for(self.y)),
            );
        }
        if x_ticks {
            for v in ticks(self.x) {
                let x = self.px(v);
                let v = if self.mirror_x { v.abs() } else { v };
                self.svg.text(
                    x,
                    y1 + 16.0,
                    11.0,
                    Anchor::Middle,
                    &format_german(v, decimals_for(self.x)),
                );
            }
        }
        let axis = Rgb([68, 68, 68]);
        self.svg.polyline(&[[x0, y0], [x0, y1], [x1, y1]], axis, 1.0, false);
        self.svg
            .text((x0 + x1) / 2.0, PLOT_HEIGHT - 18.0, 12.0, Anchor::Middle, x_label);
        self.svg.vertical_text(16.0, (y0 + y1) / 2.0, 12.0, y_label);
    }

    fn finish(mut self, title: &str, subtitle: &str, footer: &[String], intern: bool) -> Figure {
        let y = heading_block(&mut self.svg, title, intern);
        self.svg
            .styled_text(LEFT, y, 11.0, Anchor::Start, subtitle, false, Rgb([85, 85, 85]));
        footer_block(&mut self.svg, footer, PLOT_HEIGHT + 8.0, intern);
        let (width_mm, height_mm) = self.svg.size_mm();
        Figure {
            svg: self.svg.finish(),
            width_mm,
            height_mm,
            title: title.to_string(),
        }
    }
}

/// The internal marking (where internal) and the title; returns the subtitle's baseline.
fn heading_block(svg: &mut Svg, title: &str, intern: bool) -> f64 {
    let mut y = 22.0;
    if intern {
        svg.styled_text(
            LEFT,
            12.0,
            10.0,
            Anchor::Start,
            INTERNAL_MARKING,
            true,
            Rgb([180, 0, 0]),
        );
        y = 26.0;
    }
    title_block(svg, title, y)
}

/// The notes under a chart from baseline `y`, the internal marking in red.
fn footer_block(svg: &mut Svg, footer: &[String], y: f64, intern: bool) {
    let mut y = y;
    for line in footer {
        let colour = if intern && line.starts_with(INTERNAL_MARKING) {
            Rgb([180, 0, 0])
        } else {
            Rgb([85, 85, 85])
        };
        svg.styled_text(LEFT, y, 10.0, Anchor::Start, line, false, colour);
        y += 14.0;
    }
}

/// The title from baseline `y`, fitted to the width; returns the subtitle's baseline.
fn title_block(svg: &mut Svg, title: &str, y: f64) -> f64 {
    let (size, lines) = fit_title(title, WIDTH - LEFT - RIGHT, 15.0, 11.5);
    for (i, line) in lines.iter().enumerate() {
        svg.bold(LEFT, y + i as f64 * size * 1.2, size, Anchor::Start, line);
    }
    y + (lines.len() - 1) as f64 * size * 1.2 + 16.0
}

/// The part of the line `y = a + b·x` over `xs` that lies within `ys`, if any.
fn clipped_line(a: f64, b: f64, xs: (f64, f64), ys: (f64, f64)) -> Option<[[f64; 2]; 2]> {
    let (mut lo, mut hi) = xs;
    if b.abs() > f64::EPSILON {
        let (p, q) = ((ys.0 - a) / b, (ys.1 - a) / b);
        lo = lo.max(p.min(q));
        hi = hi.min(p.max(q));
    } else if a < ys.0 || a > ys.1 {
        return None;
    }
    (hi > lo).then_some([[lo, a + b * lo], [hi, a + b * hi]])
}

/// About five round values across a range.
fn ticks((lo, hi): (f64, f64)) -> Vec<f64> {
    let raw = (hi - lo) / 5.0;
    let magnitude = 10f64.powf(raw.abs().log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(magnitude * 10.0);
    let mut v = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while v <= hi + step * 1e-9 && out.len() < 20 {
        out.push(v);
        v += step;
    }
    out
}

/// The decimals the tick labels of a range need (2,5 needs one, 20 none).
fn decimals_for(range: (f64, f64)) -> usize {
    let t = ticks(range);
    let step = if t.len() > 1 { t[1] - t[0] } else { 1.0 };
    (0..=4)
        .find(|d| {
            let scaled = step * 10f64.powi(*d as i32);
            (scaled - scaled.round()).abs() < 1e-6
        })
        .unwrap_or(4)
}

/// The lowest and highest of some numbers.
fn range_of(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
}

/// The notes under the chart, wrapped to its width.
fn footer_lines(
    atlas: &Atlas,
    indicators: &[String],
    period: &str,
    hidden: &HiddenCells,
    intern: bool,
) -> Result<Vec<String>> {
    Ok(super::caption_notes(atlas, indicators, period, hidden, intern)?
        .iter()
        .flat_map(|n| wrap(n, WIDTH - LEFT - RIGHT, 10.0))
        .collect())
}

/// The indicator's name with its unit.
fn titled(atlas: &Atlas, key: &str) -> Result<String> {
    let meta = atlas.indicator(key)?;
    Ok(if meta.unit.is_empty() {
        meta.name
    } else {
        format!("{} ({})", meta.name, meta.unit)
    })
}

fn need(request: &ChartRequest, n: usize, what: &str) -> Result<()> {
    if request.indicators.len() < n {
        return Err(Error::Invalid(format!(
            "Das Diagramm „{:?}“ braucht {what} (--indicators)",
            request.kind
        )));
    }
    Ok(())
}

/// Draws the chart.
pub fn chart_figure(atlas: &Atlas, request: &ChartRequest) -> Result<ChartFigure> {
    chart_figure_with(atlas, request, &mut HiddenCache::new(atlas, request.intern))
}

/// Draws the chart with the hidden cells of `cache` (which decides whether it is internal).
pub fn chart_figure_with(atlas: &Atlas, request: &ChartRequest, cache: &mut HiddenCache) -> Result<ChartFigure> {
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let info = atlas.meta()?;
    let keys: Vec<String> = match request.kind {
        ChartKind::Age => atlas
            .indicators()?
            .into_iter()
            .filter(|m| m.kind == IndicatorKind::Count && age_band(&m.name).is_some())
            .map(|m| m.key)
            .collect(),
        _ => request.indicators.clone(),
    };
    let mut hidden_at = |period: &str| -> Result<HiddenCells> { Ok(cache.at(&level.name, period)?.only(&keys)) };
    let hidden = hidden_at(&period.label)?;
    let headline = |what: &str| format!("{}, {} – {what}, {}", info.name, level.name, period.label);
    let areas = atlas.level_areas(level.id)?;
    let name_of = |key: &str| {
        areas
            .iter()
            .find(|a| *a.key == *key)
            .map_or(key.to_string(), |a| a.name.to_string())
    };
    let footer = footer_lines(atlas, &keys, &period.label, &hidden, request.intern)?;
    let reference_name = format!("{} (Gesamtstadt)", info.name);
    let (figure, marks, left_out, suppressed) = match request.kind {
        ChartKind::Bar => {
            need(request, 1, "einen Indikator")?;
            let key = &request.indicators[0];
            let meta = atlas.indicator(key)?;
            let colouring = Colouring::new(atlas, (key, &level.name, &period.label), &request.style, &hidden)?;
            let mut rows: Vec<_> = colouring.classes.areas.iter().filter(|a| a.class.is_some()).collect();
            rows.sort_by(|a, b| b.value.unwrap_or(0.0).total_cmp(&a.value.unwrap_or(0.0)));
            let values: Vec<f64> = rows.iter().filter_map(|a| a.value).collect();
            let reference = if hidden.hides_reference(key) {
                None
            } else {
                reference_value(atlas, &meta, level.id, period.id)?.value
            };
            let top = values.iter().copied().fold(reference.unwrap_or(0.0), f64::max);
            let bottom = values.iter().copied().fold(0.0, f64::min);
            let mut canvas = Canvas::new((0.0, rows.len() as f64), (bottom, top * 1.05), footer.len());
            for (i, a) in rows.iter().enumerate() {
                let colour = colouring.colour(a.class);
                canvas.rect(i as f64 + 0.05, 0.0, i as f64 + 0.95, a.value.unwrap_or(0.0), colour);
            }
            if let Some(r) = reference {
                canvas.line(&[[0.0, r], [rows.len() as f64, r]], Rgb([40, 40, 40]), 1.5, true);
                let label = format!("{reference_name}: {}", format_german(r, meta.decimals.max(0) as usize));
                let y = canvas.py(r) - 5.0;
                canvas.svg.text(WIDTH - RIGHT, y, 11.0, Anchor::End, &label);
            }
            let left_out = colouring.classes.areas.len() - rows.len();
            let title = titled(atlas, key)?;
            canvas.axes(
                &format!("{} Gebiete, absteigend; {left_out} ohne Wert (k. A.)", rows.len()),
                &title,
                false,
            );
            let subtitle = format!(
                "Balken in den Farben der Kartenklassen ({}); gestrichelt: Gesamtstadt",
                colouring.classes.method.name_de()
            );
            (
                canvas.finish(&headline(&meta.name), &subtitle, &footer, request.intern),
                rows.len(),
                left_out,
                hidden.len(),
            )
        }
        ChartKind::Scatter => {
            need(request, 2, "zwei Indikatoren (gezeigt, verglichen mit)")?;
            let (y_key, x_key) = (&request.indicators[0], &request.indicators[1]);
            let published = |key: &str| -> Result<std::collections::HashMap<i64, f64>> {
                let meta = atlas.indicator(key)?;
                Ok(atlas
                    .values(meta.id, level.id, period.id)?
                    .iter()
                    .filter_map(|(id, v)| v.number().map(|n| (*id, n)))
                    .collect())
            };
            let (ys, xs) = (published(y_key)?, published(x_key)?);
            let mut points = Vec::new();
            for a in areas.iter() {
                if hidden.hides(y_key, &a.key) || hidden.hides(x_key, &a.key) {
                    continue;
                }
                if let (Some(x), Some(y)) = (xs.get(&a.id), ys.get(&a.id)) {
                    points.push((a.key.to_string(), *x, *y));
                }
            }
            let (xr, yr) = (
                range_of(points.iter().map(|p| p.1)),
                range_of(points.iter().map(|p| p.2)),
            );
            let mut canvas = Canvas::new(xr, yr, footer.len());
            for (key, x, y) in &points {
                let (colour, r) = if request.areas.contains(key) {
                    (Rgb([20, 60, 160]), 4.0)
                } else {
                    (Rgb([240, 120, 40]), 2.5)
                };
                canvas.dot(*x, *y, r, colour);
            }
            let (x, y): (Vec<f64>, Vec<f64>) = points.iter().map(|p| (p.1, p.2)).unzip();
            let regression = linear_regression(&x, &y);
            let mut subtitle = format!("{} Gebiete", points.len());
            if let Some(r) = regression {
                if let Some(line) = clipped_line(r.intercept, r.slope, canvas.x, canvas.y) {
                    canvas.line(&line, Rgb([40, 40, 40]), 1.5, false);
                }
                subtitle = format!("{subtitle}; Regressionsgerade, r = {}", format_german(r.r, 3));
            }
            let (y_title, x_title) = (titled(atlas, y_key)?, titled(atlas, x_key)?);
            canvas.axes(&x_title, &y_title, true);
            let what = format!("{} über {}", atlas.indicator(y_key)?.name, atlas.indicator(x_key)?.name);
            let left_out = areas.len() - points.len();
            (
                canvas.finish(&headline(&what), &subtitle, &footer, request.intern),
                points.len(),
                left_out,
                hidden.len(),
            )
        }
        ChartKind::Line => {
            need(request, 1, "einen Indikator")?;
            let key = &request.indicators[0];
            let mut t = time_series(atlas, key, &level.name, &request.areas, &reference_name)?;
            let mut left_out = 0;
            let mut suppressed = 0;
            for (i, p) in t.periods.clone().iter().enumerate() {
                let hidden = hidden_at(p)?;
                suppressed += hidden.len();
                if hidden.hides_reference(key) {
                    t.reference.values[i] = None;
                }
                for line in &mut t.areas {
                    if hidden.hides(key, &line.key) {
                        line.values[i] = None;
                    }
                    left_out += usize::from(line.values[i].is_none());
                }
            }
            let all = t
                .reference
                .values
                .iter()
                .chain(t.areas.iter().flat_map(|a| a.values.iter()))
                .flatten()
                .copied();
            let yr = range_of(all);
            // Periods spaced by date (quarters and months where they fall), with a margin of
            // a fifth of the typical step on either side.
            let first = t.positions.first().copied().unwrap_or(0.0);
            let last = t.positions.last().copied().unwrap_or(0.0);
            let step = if t.positions.len() > 1 {
                (last - first) / (t.positions.len() - 1) as f64
            } else {
                1.0
            };
            let mut canvas = Canvas::new(
                (first - 0.2 * step, last + 0.2 * step),
                (yr.0.min(0.0), yr.1 * 1.05),
                footer.len(),
            );
            let positions = t.positions.clone();
            let points = |v: &[Option<f64>]| -> Vec<[f64; 2]> {
                v.iter()
                    .zip(&positions)
                    .filter_map(|(x, at)| x.map(|x| [*at, x]))
                    .collect()
            };
            canvas.line(&points(&t.reference.values), Rgb([40, 40, 40]), 2.0, true);
            for (i, a) in t.areas.iter().enumerate() {
                canvas.line(&points(&a.values), palette::series(i), 2.0, false);
                for p in points(&a.values) {
                    canvas.dot(p[0], p[1], 2.5, palette::series(i));
                }
            }
            for (p, at) in t.periods.iter().zip(&t.positions) {
                let x = canvas.px(*at);
                canvas.svg.text(x, PLOT_HEIGHT - BOTTOM + 16.0, 11.0, Anchor::Middle, p);
            }
            let named = |name: &str, values: &[Option<f64>]| {
                if values.iter().all(Option::is_none) {
                    format!("{name}: k. A.")
                } else {
                    name.to_string()
                }
            };
            let mut legend = vec![(Rgb([40, 40, 40]), named(&t.reference.name, &t.reference.values))];
            legend.extend(
                t.areas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (palette::series(i), named(&a.name, &a.values))),
            );
            // The legend in a line above the plot, continued in a second where it is long.
            let (mut x, mut y) = (LEFT, TOP - 10.0);
            for (colour, name) in &legend {
                let w = 24.0 + text_width(name, 11.0);
                if x + w > WIDTH - RIGHT && x > LEFT {
                    x = LEFT;
                    y += 14.0;
                }
                canvas.svg.rect(x, y - 4.0, 14.0, 4.0, Some(*colour), None);
                canvas.svg.text(x + 18.0, y, 11.0, Anchor::Start, name);
                x += w + 14.0;
            }
            let title = titled(atlas, key)?;
            canvas.axes("Zeitraum", &title, false);
            let meta = atlas.indicator(key)?;
            let headline = format!(
                "{}, {} – {}, {}–{}",
                info.name,
                level.name,
                meta.name,
                t.periods.first().cloned().unwrap_or_default(),
                t.periods.last().cloned().unwrap_or_default()
            );
            (
                canvas.finish(
                    &headline,
                    "Zeitreihe; gestrichelt: Gesamtstadt",
                    &footer,
                    request.intern,
                ),
                t.areas.len() + 1,
                left_out,
                suppressed,
            )
        }
        ChartKind::Age => {
            let a = age_structure(atlas, &level.name, &period.label, &request.areas, &hidden)?;
            if a.bands.is_empty() {
                return Err(Error::Invalid(format!(
                    "Der Atlas hat auf Ebene „{}“ für {} keine Altersgruppen (Anzahlen mit Namen wie „6 bis unter 15 Jahre“)",
                    level.name, period.label
                )));
            }
            let top = a
                .bands
                .iter()
                .flat_map(|b| [b.group_share, b.reference_share])
                .flatten()
                .fold(1.0, f64::max);
            let mut canvas = Canvas::new(
                (-top * 1.1, top * 1.1),
                (-0.5, a.bands.len() as f64 - 0.5),
                footer.len(),
            );
            canvas.left = 150.0;
            canvas.mirror_x = true;
            for (i, b) in a.bands.iter().enumerate() {
                let y = i as f64;
                if let Some(s) = b.group_share {
                    canvas.rect(-s, y - 0.4, 0.0, y + 0.4, Rgb([20, 60, 160]));
                }
                if let Some(s) = b.reference_share {
                    canvas.rect(0.0, y - 0.4, s, y + 0.4, Rgb([150, 150, 150]));
                }
                let py = canvas.py(y) + 4.0;
                let label = if b.suppressed {
                    format!("{}: k. A.", b.label)
                } else {
                    b.label.clone()
                };
                canvas.svg.text(canvas.left - 6.0, py, 11.0, Anchor::End, &label);
            }
            let zero = canvas.px(0.0);
            canvas.svg.polyline(
                &[[zero, TOP], [zero, PLOT_HEIGHT - BOTTOM]],
                Rgb([68, 68, 68]),
                1.0,
                false,
            );
            canvas.axes_with(
                "Anteil in % (links die Auswahl, rechts die Gesamtstadt)",
                "Altersgruppe",
                true,
                false,
            );
            let group = match request.areas.as_slice() {
                [] => "Gesamtstadt".to_string(),
                [one] => name_of(one),
                many => format!("{} Gebiete", many.len()),
            };
            let hidden_bands = a.bands.iter().filter(|b| b.suppressed).count();
            let subtitle = if hidden_bands > 0 {
                format!("{group}; Anteile an den gezeigten Altersgruppen, {hidden_bands} geheim gehalten (k. A.)")
            } else {
                format!("{group}; Anteile an den Einwohnern aller Altersgruppen")
            };
            (
                canvas.finish(&headline("Altersstruktur"), &subtitle, &footer, request.intern),
                a.bands.len(),
                hidden_bands,
                hidden.len(),
            )
        }
        ChartKind::Spine => {
            need(request, 1, "mindestens einen Indikator")?;
            if request.areas.is_empty() || request.areas.len() > 6 {
                return Err(Error::Invalid(
                    "Das Spine-Diagramm zeigt 1 bis 6 Gebiete (--areas)".to_string(),
                ));
            }
            let rows = spine_rows(
                atlas,
                &request.indicators,
                &level.name,
                &period.label,
                &request.areas,
                &hidden,
            )?;
            let figure = spine_figure(
                &rows,
                &request.areas.iter().map(|k| name_of(k)).collect::<Vec<_>>(),
                &reference_name,
                &headline("Gebietsprofil"),
                &footer,
                request.intern,
            );
            let left_out = rows.iter().flat_map(|r| &r.areas).filter(|v| v.is_none()).count();
            (figure, rows.len(), left_out, hidden.len())
        }
    };
    Ok(ChartFigure {
        summary: ChartSummary {
            title: figure.title.clone(),
            marks,
            left_out,
            suppressed_cells: suppressed,
            intern: request.intern,
        },
        figure,
    })
}

/// One row of a spine chart: an indicator across the level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpineRow {
    /// Indicator key.
    pub indicator: String,
    /// Its name with unit.
    pub title: String,
    /// Decimals to show.
    pub decimals: usize,
    /// Whether higher values are better (the better side is drawn right), worse, or neither.
    pub polarity: Polarity,
    /// The reference value (Gesamtstadt), if published.
    pub reference: Option<f64>,
    /// Lowest, 25th percentile, 75th percentile and highest published value of the level.
    pub spread: Option<[f64; 4]>,
    /// The areas' values, in the order asked; `None` for "k. A.".
    pub areas: Vec<Option<f64>>,
}

impl SpineRow {
    /// Where `value` sits on the row, from 0 (left) to 1 (right), the reference at 0.5:
    /// scaled by the farthest of lowest and highest from the reference, turned round so the
    /// better side is right where the indicator has a polarity.
    pub fn position(&self, value: f64) -> Option<f64> {
        let reference = self.reference?;
        let [low, _, _, high] = self.spread?;
        let reach = (reference - low).abs().max((high - reference).abs());
        if reach <= 0.0 {
            return Some(0.5);
        }
        let t = (value - reference) / reach / 2.0;
        let t = if self.polarity == Polarity::HigherIsWorse {
            -t
        } else {
            t
        };
        Some((0.5 + t).clamp(0.0, 1.0))
    }
}

/// The rows of a spine chart: for each indicator the published values of the level, the
/// reference and the areas' values, hidden cells left out.
pub fn spine_rows(
    atlas: &Atlas,
    indicators: &[String],
    level: &str,
    period: &str,
    keys: &[String],
    hidden: &HiddenCells,
) -> Result<Vec<SpineRow>> {
    let level = atlas.level(level)?;
    let period = atlas.period(period)?;
    let areas = atlas.level_areas(level.id)?;
    let mut rows = Vec::new();
    for key in indicators {
        let meta = atlas.indicator(key)?;
        if meta.kind == IndicatorKind::Categorical {
            continue;
        }
        let values = atlas.values(meta.id, level.id, period.id)?;
        let published = |a: &crate::store::AreaRef| -> Option<f64> {
            if hidden.hides(key, &a.key) {
                return None;
            }
            values.get(&a.id).and_then(crate::StoredValue::number)
        };
        let mut all: Vec<f64> = areas.iter().filter_map(published).collect();
        all.sort_by(f64::total_cmp);
        let spread = (!all.is_empty()).then(|| {
            [
                all[0],
                quantile_sorted(&all, 0.25),
                quantile_sorted(&all, 0.75),
                all[all.len() - 1],
            ]
        });
        let reference = if hidden.hides_reference(key) {
            None
        } else {
            reference_value(atlas, &meta, level.id, period.id)?.value
        };
        let wanted = keys
            .iter()
            .map(|k| areas.iter().find(|a| *a.key == **k).and_then(published))
            .collect();
        rows.push(SpineRow {
            indicator: key.clone(),
            title: titled(atlas, key)?,
            decimals: meta.decimals.max(0) as usize,
            polarity: meta.polarity,
            reference,
            spread,
            areas: wanted,
        });
    }
    Ok(rows)
}

/// The spine chart: a row per indicator with its name, the values of the first two areas
/// and the reference, and the bar (spread of the level, spine, a dot per area).
fn spine_figure(
    rows: &[SpineRow],
    names: &[String],
    reference_name: &str,
    title: &str,
    footer: &[String],
    intern: bool,
) -> Figure {
    let row_h = 22.0;
    let value_w = 78.0;
    let value_columns = names.len().min(2);
    let name_w = 230.0;
    let values_x = LEFT + name_w;
    let bar_x = values_x + value_w * (value_columns + 1) as f64 + 10.0;
    let bar_w = WIDTH - RIGHT - bar_x;
    // The legend: the spine, then one dot per area, in lines as wide as the chart.
    let mut legend: Vec<(f64, usize, Option<usize>, String)> = Vec::new();
    let (mut x, mut line) = (0.0, 0);
    for (k, name) in
        std::iter::once((None, reference_name)).chain(names.iter().enumerate().map(|(k, n)| (Some(k), n.as_str())))
    {
        let w = 24.0 + text_width(name, 10.0);
        if x + w > WIDTH - LEFT - RIGHT && x > 0.0 {
            x = 0.0;
            line += 1;
        }
        legend.push((LEFT + x, line, k, name.to_string()));
        x += w + 16.0;
    }
    let rows_top = TOP + 24.0;
    let legend_top = rows_top + rows.len() as f64 * row_h + 18.0;
    let plot_h = legend_top + (line + 1) as f64 * 16.0;
    let height = plot_h + footer.len() as f64 * 14.0 + 8.0;
    let mut svg = Svg::scaled(WIDTH, height, PRINT_WIDTH_MM);
    let y = heading_block(&mut svg, title, intern);
    svg.styled_text(
        LEFT,
        y,
        10.0,
        Anchor::Start,
        "Band: alle Gebiete der Ebene (hell: niedrigster bis höchster Wert, dunkel: mittlere Hälfte); Strich: Gesamtstadt; rechts die günstigere Seite",
        false,
        Rgb([85, 85, 85]),
    );
    let header_y = TOP + 12.0;
    svg.bold(LEFT, header_y, 10.0, Anchor::Start, "Indikator");
    for (k, name) in names.iter().take(value_columns).enumerate() {
        let lines = wrap(name, value_w - 8.0, 10.0);
        let lines = &lines[..lines.len().min(2)];
        for (j, line) in lines.iter().enumerate() {
            let y = header_y - (lines.len() - 1 - j) as f64 * 11.0;
            svg.bold(values_x + value_w * (k + 1) as f64 - 6.0, y, 10.0, Anchor::End, line);
        }
    }
    svg.bold(
        values_x + value_w * (value_columns + 1) as f64 - 6.0,
        header_y,
        10.0,
        Anchor::End,
        "Gesamtstadt",
    );
    for (i, row) in rows.iter().enumerate() {
        let y = rows_top + i as f64 * row_h;
        if i % 2 == 0 {
            svg.rect(
                LEFT - 4.0,
                y - 2.0,
                WIDTH - RIGHT - LEFT + 4.0,
                row_h,
                Some(Rgb([245, 245, 245])),
                None,
            );
        }
        let title = wrap(&row.title, name_w - 8.0, 10.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        svg.text(LEFT, y + 12.0, 10.0, Anchor::Start, &title);
        let shown = |v: Option<f64>| v.map_or("k. A.".to_string(), |v| format_german(v, row.decimals));
        for k in 0..value_columns {
            let v = row.areas.get(k).copied().flatten();
            svg.text(
                values_x + value_w * (k + 1) as f64 - 6.0,
                y + 12.0,
                10.0,
                Anchor::End,
                &shown(v),
            );
        }
        svg.text(
            values_x + value_w * (value_columns + 1) as f64 - 6.0,
            y + 12.0,
            10.0,
            Anchor::End,
            &shown(row.reference),
        );
        let (Some(spread), Some(_)) = (row.spread, row.reference) else {
            svg.styled_text(
                bar_x + bar_w / 2.0,
                y + 12.0,
                10.0,
                Anchor::Middle,
                "k. A.",
                false,
                Rgb([120, 120, 120]),
            );
            continue;
        };
        let at = |v: f64| bar_x + row.position(v).unwrap_or(0.5) * bar_w;
        let (a, b) = (at(spread[0]).min(at(spread[3])), at(spread[0]).max(at(spread[3])));
        svg.rect(a, y + 3.0, b - a, row_h - 8.0, Some(Rgb([215, 225, 235])), None);
        let (c, d) = (at(spread[1]).min(at(spread[2])), at(spread[1]).max(at(spread[2])));
        svg.rect(c, y + 3.0, d - c, row_h - 8.0, Some(Rgb([150, 180, 210])), None);
        svg.polyline(
            &[[bar_x + bar_w / 2.0, y], [bar_x + bar_w / 2.0, y + row_h - 2.0]],
            Rgb([30, 30, 30]),
            1.6,
            false,
        );
        for (k, v) in row.areas.iter().enumerate() {
            if let Some(v) = v {
                svg.circle(
                    at(*v),
                    y + row_h / 2.0 - 1.0,
                    5.0,
                    palette::series(k),
                    Some((Rgb([255, 255, 255]), 1.0)),
                );
            }
        }
    }
    for (x, line, k, name) in &legend {
        let y = legend_top + *line as f64 * 16.0;
        match k {
            None => svg.polyline(&[[x + 6.0, y - 8.0], [x + 6.0, y + 4.0]], Rgb([30, 30, 30]), 1.6, false),
            Some(k) => svg.circle(x + 6.0, y - 2.0, 5.0, palette::series(*k), None),
        }
        svg.text(x + 18.0, y + 2.0, 10.0, Anchor::Start, name);
    }
    footer_block(&mut svg, footer, plot_h + 8.0, intern);
    let (width_mm, height_mm) = svg.size_mm();
    Figure {
        svg: svg.finish(),
        width_mm,
        height_mm,
        title: title.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks((0.0, 10.0)), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks((3.2, 11.8)), [4.0, 6.0, 8.0, 10.0]);
        assert_eq!(
            (
                decimals_for((0.0, 11.0)),
                decimals_for((0.0, 20.0)),
                decimals_for((0.0, 1.0))
            ),
            (1, 0, 1)
        );
    }

    #[test]
    fn the_spine_puts_the_reference_in_the_middle_and_the_better_side_right() {
        let row = |polarity| SpineRow {
            indicator: "x".into(),
            title: "x".into(),
            decimals: 1,
            polarity,
            reference: Some(10.0),
            spread: Some([6.0, 8.0, 12.0, 18.0]),
            areas: vec![Some(14.0)],
        };
        // The farthest end is 8 from the reference: 18 is the right edge, 2 would be the left.
        let up = row(Polarity::HigherIsBetter);
        assert_eq!(up.position(10.0), Some(0.5));
        assert_eq!(up.position(18.0), Some(1.0));
        assert_eq!(up.position(14.0), Some(0.75));
        assert_eq!(up.position(6.0), Some(0.25));
        let down = row(Polarity::HigherIsWorse);
        assert_eq!(down.position(14.0), Some(0.25));
        assert_eq!(down.position(6.0), Some(0.75));
    }
}
