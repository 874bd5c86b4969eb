//! Diagram export: SVG drawn from the same engine figures as the pane (vector, for print and
//! for committee documents), and PNG cut from a screenshot of the pane as it is shown.

use super::i18n::tr;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use eframe::egui;
use quartier_core::numbers::format_german;

use super::palette;
use super::state::{DiagramData, DiagramKind, Workbench};

const WIDTH: f64 = 800.0;
const HEIGHT: f64 = 480.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;

/// Maps data to the drawing area and collects SVG elements.
struct Canvas {
    x: (f64, f64),
    y: (f64, f64),
    body: String,
}

impl Canvas {
    fn new(x: (f64, f64), y: (f64, f64)) -> Self {
        let pad = |(lo, hi): (f64, f64)| if hi > lo { (lo, hi) } else { (lo - 1.0, hi + 1.0) };
        Canvas {
            x: pad(x),
            y: pad(y),
            body: String::new(),
        }
    }

    fn px(&self, x: f64) -> f64 {
        LEFT + (x - self.x.0) / (self.x.1 - self.x.0) * (WIDTH - LEFT - RIGHT)
    }

    fn py(&self, y: f64) -> f64 {
        HEIGHT - BOTTOM - (y - self.y.0) / (self.y.1 - self.y.0) * (HEIGHT - TOP - BOTTOM)
    }

    fn rect(&mut self, x0: f64, y0: f64, x1: f64, y1: f64, colour: egui::Color32) {
        let (a, b) = (self.px(x0.min(x1)), self.px(x0.max(x1)));
        let (c, d) = (self.py(y0.max(y1)), self.py(y0.min(y1)));
        let _ = writeln!(
            self.body,
            r#"<rect x="{a:.2}" y="{c:.2}" width="{:.2}" height="{:.2}" fill="{}"/>"#,
            (b - a).max(0.1),
            (d - c).max(0.0),
            hex(colour)
        );
    }

    fn line(&mut self, points: &[[f64; 2]], colour: egui::Color32, width: f64, dashed: bool) {
        let path: Vec<String> = points
            .iter()
            .map(|p| format!("{:.2},{:.2}", self.px(p[0]), self.py(p[1])))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width}"{}/>"#,
            path.join(" "),
            hex(colour),
            if dashed { r#" stroke-dasharray="6 4""# } else { "" }
        );
    }

    fn dot(&mut self, x: f64, y: f64, r: f64, colour: egui::Color32) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{:.2}" cy="{:.2}" r="{r}" fill="{}"/>"#,
            self.px(x),
            self.py(y),
            hex(colour)
        );
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, size: f64, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" font-size="{size}">{}</text>"#,
            escape(text)
        );
    }

    /// Axes with the extremes labelled in German notation.
    fn axes(&mut self, x_label: &str, y_label: &str, x_ticks: bool) {
        let (x0, x1, y0, y1) = (LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM);
        let _ = writeln!(
            self.body,
            r##"<path d="M{x0},{y0} L{x0},{y1} L{x1},{y1}" fill="none" stroke="#444" stroke-width="1"/>"##
        );
        for v in ticks(self.y) {
            let y = self.py(v);
            self.text(x0 - 6.0, y + 4.0, "end", 11.0, &format_german(v, decimals_for(self.y)));
            let _ = writeln!(
                self.body,
                r##"<line x1="{x0}" y1="{y:.1}" x2="{x1}" y2="{y:.1}" stroke="#ddd"/>"##
            );
        }
        if x_ticks {
            for v in ticks(self.x) {
                let x = self.px(v);
                self.text(x, y1 + 16.0, "middle", 11.0, &format_german(v, decimals_for(self.x)));
            }
        }
        self.text((x0 + x1) / 2.0, HEIGHT - 18.0, "middle", 12.0, x_label);
        let _ = writeln!(
            self.body,
            r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle" font-size="12">{}</text>"#,
            (y0 + y1) / 2.0,
            escape(y_label)
        );
    }

    fn finish(self, title: &str, note: &str) -> String {
        format!(
            r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="{LEFT}" y="22" font-size="15" font-weight="bold">{}</text>
<text x="{}" y="22" font-size="11" text-anchor="end" fill="#555">{}</text>
{}</svg>
"##,
            escape(title),
            WIDTH - RIGHT,
            escape(note),
            self.body
        )
    }
}

fn hex(c: egui::Color32) -> String {
    format!("#{:02x}{:02x}{:02x}", c.r(), c.g(), c.b())
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
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

/// The diagram shown, as SVG.
pub fn diagram_svg(w: &Workbench) -> Option<String> {
    let indicator = w.indicator_title(w.choice.indicator.as_deref()?);
    let note = format!(
        "{} · {} · {}",
        w.info.name,
        w.level_name(),
        w.choice.period.as_deref().unwrap_or("")
    );
    let reference_name = format!("{} (Gesamtstadt)", w.info.name);
    match w.view.diagram {
        DiagramKind::Bars => {
            let c = w.shown.classified.clone()?;
            let mut rows: Vec<_> = c.areas.iter().filter(|a| a.value.is_some()).collect();
            rows.sort_by(|a, b| b.value.unwrap_or(0.0).total_cmp(&a.value.unwrap_or(0.0)));
            let values: Vec<f64> = rows.iter().filter_map(|a| a.value).collect();
            let reference = w.reference_line();
            let top = values.iter().copied().fold(reference.unwrap_or(0.0), f64::max);
            let bottom = values.iter().copied().fold(0.0, f64::min);
            let mut canvas = Canvas::new((0.0, rows.len() as f64), (bottom, top * 1.05));
            let k = c.labels.len();
            for (i, a) in rows.iter().enumerate() {
                let colour = a.class.map_or(palette::NO_DATA, |class| w.class_colour(class, k));
                canvas.rect(i as f64 + 0.05, 0.0, i as f64 + 0.95, a.value.unwrap_or(0.0), colour);
            }
            if let Some(r) = reference {
                canvas.line(
                    &[[0.0, r], [rows.len() as f64, r]],
                    egui::Color32::from_gray(40),
                    1.5,
                    true,
                );
                let label = format!("{reference_name}: {}", format_german(r, w.shown.decimals));
                let y = canvas.py(r) - 5.0;
                canvas.text(WIDTH - RIGHT, y, "end", 11.0, &label);
            }
            canvas.axes(&format!("{} Gebiete, absteigend", rows.len()), &indicator, false);
            Some(canvas.finish(&indicator, &note))
        }
        DiagramKind::Scatter => {
            let x_key = w.choice.second_indicator.clone()?;
            let x_label = w
                .info
                .indicators
                .iter()
                .find(|i| i.key == x_key)
                .map_or(x_key.clone(), |i| i.name.clone());
            let Some(DiagramData::Scatter(s)) = w.diagram_data().cloned() else {
                return None;
            };
            let range = |f: fn(&quartier_core::analysis::chart::ScatterPoint) -> f64| {
                s.points
                    .iter()
                    .map(f)
                    .fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(v), hi.max(v)))
            };
            let (xr, yr) = (range(|p| p.x), range(|p| p.y));
            let mut canvas = Canvas::new(xr, yr);
            for p in &s.points {
                let colour = if w.selection.contains(&p.key) {
                    egui::Color32::from_rgb(20, 60, 160)
                } else {
                    egui::Color32::from_rgb(240, 120, 40)
                };
                canvas.dot(p.x, p.y, 2.5, colour);
            }
            let mut title = format!("{indicator} über {x_label}");
            if let Some(r) = s.regression {
                let line = [
                    [xr.0, r.intercept + r.slope * xr.0],
                    [xr.1, r.intercept + r.slope * xr.1],
                ];
                canvas.line(&line, egui::Color32::from_gray(40), 1.5, false);
                title = format!("{title} (r = {}, n = {})", format_german(r.r, 3), r.n);
            }
            canvas.axes(&x_label, &indicator, true);
            Some(canvas.finish(&title, &note))
        }
        DiagramKind::TimeSeries => {
            let Some(DiagramData::TimeSeries(t)) = w.diagram_data().cloned() else {
                return None;
            };
            let values = t
                .reference
                .values
                .iter()
                .chain(t.areas.iter().flat_map(|a| a.values.iter()))
                .flatten();
            let yr = values.fold((f64::MAX, f64::MIN), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
            let mut canvas = Canvas::new((-0.2, t.periods.len() as f64 - 0.8), (yr.0.min(0.0), yr.1 * 1.05));
            let points = |v: &[Option<f64>]| -> Vec<[f64; 2]> {
                v.iter()
                    .enumerate()
                    .filter_map(|(i, x)| x.map(|x| [i as f64, x]))
                    .collect()
            };
            canvas.line(&points(&t.reference.values), egui::Color32::from_gray(40), 2.0, true);
            for (i, a) in t.areas.iter().enumerate() {
                canvas.line(&points(&a.values), palette::series(i), 2.0, false);
            }
            for (i, p) in t.periods.iter().enumerate() {
                let x = canvas.px(i as f64);
                canvas.text(x, HEIGHT - BOTTOM + 16.0, "middle", 11.0, p);
            }
            let mut legend = vec![(egui::Color32::from_gray(40), t.reference.name.clone())];
            legend.extend(
                t.areas
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (palette::series(i), a.name.clone())),
            );
            for (i, (colour, name)) in legend.iter().enumerate() {
                let y = TOP + 8.0 + i as f64 * 16.0;
                let _ = writeln!(
                    canvas.body,
                    r#"<rect x="{}" y="{:.1}" width="14" height="4" fill="{}"/>"#,
                    LEFT + 10.0,
                    y - 4.0,
                    hex(*colour)
                );
                canvas.text(LEFT + 30.0, y, "start", 11.0, name);
            }
            canvas.axes(tr("Zeitraum"), &indicator, false);
            Some(canvas.finish(&indicator, &note))
        }
        DiagramKind::AgeStructure => {
            let Some(DiagramData::AgeStructure(a)) = w.diagram_data().cloned() else {
                return None;
            };
            let top = a
                .bands
                .iter()
                .flat_map(|b| [b.group_share, b.reference_share])
                .flatten()
                .fold(1.0, f64::max);
            let mut canvas = Canvas::new((-top * 1.1, top * 1.1), (-0.5, a.bands.len() as f64 - 0.5));
            for (i, b) in a.bands.iter().enumerate() {
                let y = i as f64;
                if let Some(s) = b.group_share {
                    canvas.rect(-s, y - 0.4, 0.0, y + 0.4, egui::Color32::from_rgb(20, 60, 160));
                }
                if let Some(s) = b.reference_share {
                    canvas.rect(0.0, y - 0.4, s, y + 0.4, egui::Color32::from_gray(150));
                }
                let (x, py) = (canvas.px(0.0), canvas.py(y) + 4.0);
                canvas.text(x, py, "middle", 10.0, &b.label);
            }
            canvas.axes(
                "Anteil an den Einwohnern in % (links Auswahl, rechts Gesamtstadt)",
                "Altersgruppe",
                true,
            );
            Some(canvas.finish(tr("Altersstruktur"), &note))
        }
    }
}

/// Cuts `rect` (in points) out of a screenshot and writes it as PNG.
pub fn save_png(image: &egui::ColorImage, rect: egui::Rect, pixels_per_point: f32, path: &Path) -> Result<()> {
    let [width, height] = image.size;
    let x0 = ((rect.left() * pixels_per_point).round().max(0.0) as usize).min(width);
    let y0 = ((rect.top() * pixels_per_point).round().max(0.0) as usize).min(height);
    let x1 = ((rect.right() * pixels_per_point).round().max(0.0) as usize).min(width);
    let y1 = ((rect.bottom() * pixels_per_point).round().max(0.0) as usize).min(height);
    anyhow::ensure!(x1 > x0 && y1 > y0, "Das Diagramm ist nicht zu sehen; nichts exportiert");
    let mut out = image::RgbaImage::new((x1 - x0) as u32, (y1 - y0) as u32);
    for y in y0..y1 {
        for x in x0..x1 {
            let c = image.pixels[y * width + x];
            out.put_pixel(
                (x - x0) as u32,
                (y - y0) as u32,
                image::Rgba([c.r(), c.g(), c.b(), 255]),
            );
        }
    }
    out.save_with_format(path, image::ImageFormat::Png)
        .with_context(|| format!("{} schreiben", path.display()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_cut_of_a_screenshot_is_written_as_png() {
        let dir = tempfile::tempdir().unwrap();
        let mut image = egui::ColorImage::filled([40, 30], egui::Color32::WHITE);
        image.pixels[10 * 40 + 20] = egui::Color32::from_rgb(200, 0, 0);
        let path = dir.path().join("diagramm.png");
        // Points at 2 pixels per point: the rect (5, 2)–(15, 10) is pixels (10, 4)–(30, 20).
        save_png(
            &image,
            egui::Rect::from_min_max(egui::pos2(5.0, 2.0), egui::pos2(15.0, 10.0)),
            2.0,
            &path,
        )
        .unwrap();
        let back = image::open(&path).unwrap().to_rgba8();
        assert_eq!(back.dimensions(), (20, 16));
        assert_eq!(back.get_pixel(10, 6).0, [200, 0, 0, 255]);
        let e = save_png(
            &image,
            egui::Rect::from_min_max(egui::pos2(50.0, 50.0), egui::pos2(60.0, 60.0)),
            1.0,
            &path,
        )
        .unwrap_err();
        assert!(e.to_string().contains("nicht zu sehen"));
    }

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
}
