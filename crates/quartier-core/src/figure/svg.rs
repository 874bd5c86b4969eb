//! A small SVG builder: a page in its own units (millimetres for maps), shapes, text in the
//! shipped DejaVu Sans, and text wrapping by the font's average width.

use std::fmt::Write as _;

use super::Rgb;

/// Escapes text for SVG.
pub fn escape(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Where a text's `x` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// The text begins at `x`.
    Start,
    /// The text is centred on `x`.
    Middle,
    /// The text ends at `x`.
    End,
}

impl Anchor {
    fn attribute(self) -> &'static str {
        match self {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        }
    }
}

/// The average advance of DejaVu Sans in em (measured over German text with digits), a
/// little generous so that wrapped lines never run over.
const AVERAGE_ADVANCE: f64 = 0.58;

/// About how wide `text` is at font size `size`, in the same units.
pub fn text_width(text: &str, size: f64) -> f64 {
    text.chars().count() as f64 * size * AVERAGE_ADVANCE
}

/// Breaks `text` into lines no wider than `width` at font size `size` (words longer than a
/// line stay whole).
pub fn wrap(text: &str, width: f64, size: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size) > width && !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line = word.to_string();
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A title set in one line at up to `size`, smaller where it is long, and in two lines at
/// `min_size` where even that would be too small: the font size and the lines.
pub fn fit_title(title: &str, width: f64, size: f64, min_size: f64) -> (f64, Vec<String>) {
    let fitted = (width / text_width(title, 1.0)).min(size);
    if fitted >= min_size {
        (fitted, vec![title.to_string()])
    } else {
        (min_size, wrap(title, width, min_size).into_iter().take(2).collect())
    }
}

/// An SVG document being drawn.
#[derive(Debug, Clone)]
pub struct Svg {
    width: f64,
    height: f64,
    /// Printed width in millimetres.
    width_mm: f64,
    body: String,
}

impl Svg {
    /// A white page of `width` × `height` millimetres, drawn in millimetres.
    pub fn page_mm(width: f64, height: f64) -> Self {
        Svg {
            width,
            height,
            width_mm: width,
            body: String::new(),
        }
    }

    /// A drawing of `width` × `height` user units, printed `width_mm` wide.
    pub fn scaled(width: f64, height: f64, width_mm: f64) -> Self {
        Svg {
            width,
            height,
            width_mm,
            body: String::new(),
        }
    }

    /// Printed width and height in millimetres.
    pub fn size_mm(&self) -> (f64, f64) {
        (self.width_mm, self.height * self.width_mm / self.width)
    }

    /// Width in drawing units.
    pub fn width(&self) -> f64 {
        self.width
    }

    /// Height in drawing units.
    pub fn height(&self) -> f64 {
        self.height
    }

    /// A filled rectangle, optionally outlined.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: Option<Rgb>, stroke: Option<(Rgb, f64)>) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{x:.2}" y="{y:.2}" width="{:.2}" height="{:.2}"{}{}/>"#,
            w.max(0.0),
            h.max(0.0),
            fill_attribute(fill),
            stroke_attribute(stroke)
        );
    }

    /// A path from SVG path data.
    pub fn path(&mut self, d: &str, fill: Option<Rgb>, stroke: Option<(Rgb, f64)>) {
        let _ = writeln!(
            self.body,
            r#"<path d="{d}"{}{} fill-rule="evenodd" stroke-linejoin="round"/>"#,
            fill_attribute(fill),
            stroke_attribute(stroke)
        );
    }

    /// A polyline.
    pub fn polyline(&mut self, points: &[[f64; 2]], stroke: Rgb, width: f64, dashed: bool) {
        if points.len() < 2 {
            return;
        }
        let path: Vec<String> = points.iter().map(|p| format!("{:.2},{:.2}", p[0], p[1])).collect();
        let dash = if dashed {
            format!(r#" stroke-dasharray="{:.2} {:.2}""#, width * 4.0, width * 2.5)
        } else {
            String::new()
        };
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{}" stroke-width="{width:.3}"{dash}/>"#,
            path.join(" "),
            stroke.hex()
        );
    }

    /// A filled circle.
    pub fn circle(&mut self, cx: f64, cy: f64, r: f64, fill: Rgb, stroke: Option<(Rgb, f64)>) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{cx:.2}" cy="{cy:.2}" r="{r:.2}" fill="{}"{}/>"#,
            fill.hex(),
            stroke_attribute(stroke)
        );
    }

    /// One line of text with its baseline at `y`.
    pub fn text(&mut self, x: f64, y: f64, size: f64, anchor: Anchor, text: &str) {
        self.styled_text(x, y, size, anchor, text, false, Rgb([30, 30, 30]));
    }

    /// One line of bold text.
    pub fn bold(&mut self, x: f64, y: f64, size: f64, anchor: Anchor, text: &str) {
        self.styled_text(x, y, size, anchor, text, true, Rgb([20, 20, 20]));
    }

    /// One line of text in a weight and colour.
    #[allow(clippy::too_many_arguments)]
    pub fn styled_text(&mut self, x: f64, y: f64, size: f64, anchor: Anchor, text: &str, bold: bool, colour: Rgb) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.2}" y="{y:.2}" font-size="{size:.2}" text-anchor="{}"{} fill="{}">{}</text>"#,
            anchor.attribute(),
            if bold { r#" font-weight="bold""# } else { "" },
            colour.hex(),
            escape(text)
        );
    }

    /// Text turned 90° anticlockwise, centred on (`x`, `y`).
    pub fn vertical_text(&mut self, x: f64, y: f64, size: f64, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text transform="translate({x:.2},{y:.2}) rotate(-90)" text-anchor="middle" font-size="{size:.2}" fill="{}">{}</text>"#,
            Rgb([30, 30, 30]).hex(),
            escape(text)
        );
    }

    /// Lines of text from `y` down, `leading` apart; returns the `y` below the last line.
    pub fn paragraph(&mut self, x: f64, y: f64, size: f64, lines: &[String], colour: Rgb) -> f64 {
        let leading = size * 1.3;
        let mut y = y;
        for line in lines {
            self.styled_text(x, y, size, Anchor::Start, line, false, colour);
            y += leading;
        }
        y
    }

    /// Raw SVG elements (a group, a clip path).
    pub fn raw(&mut self, svg: &str) {
        self.body.push_str(svg);
        self.body.push('\n');
    }

    /// The finished document.
    pub fn finish(self) -> String {
        let (w, h) = (self.width, self.height);
        let (wm, hm) = self.size_mm();
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{wm:.2}mm" height="{hm:.2}mm" viewBox="0 0 {w} {h}" font-family="DejaVu Sans">
<rect width="{w}" height="{h}" fill="white"/>
{}</svg>
"#,
            self.body
        )
    }
}

fn fill_attribute(fill: Option<Rgb>) -> String {
    match fill {
        Some(c) => format!(r#" fill="{}""#, c.hex()),
        None => r#" fill="none""#.to_string(),
    }
}

fn stroke_attribute(stroke: Option<(Rgb, f64)>) -> String {
    match stroke {
        Some((c, w)) => format!(r#" stroke="{}" stroke-width="{w:.3}""#, c.hex()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_wraps_at_word_boundaries_and_no_line_runs_over() {
        let text = "Amt für Statistik Berlin-Brandenburg, Einwohnerregisterstatistik, Datenlizenz \
                    Deutschland – Namensnennung – Version 2.0";
        let lines = wrap(text, 60.0, 3.0);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text.split_whitespace().collect::<Vec<_>>().join(" "));
        assert!(lines.iter().all(|l| text_width(l, 3.0) <= 60.0));
        assert_eq!(escape("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
    }
}
