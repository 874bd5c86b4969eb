//! Print-quality figures: maps and charts drawn once as SVG from the atlas (the same
//! classification, colours and suppression as every other output), then written as SVG,
//! rasterised to PNG at any DPI (resvg) or set as a PDF page (Typst). No window is needed,
//! so the CLI, the app and the reports share one drawing code.
//!
//! - [`palette`]: the colour schemes (ColorBrewer), also used by the app on screen.
//! - [`svg`]: the SVG builder, in millimetres.
//! - [`map`]: the choropleth page with title, legend, scale bar and north arrow.
//! - [`chart`]: bar, scatter, line, age structure and spine charts.
//! - [`typeset`]: the Typst world with the shipped fonts, for PDF pages and documents.

pub mod chart;
pub mod map;
pub mod palette;
pub mod svg;
pub mod typeset;

use std::path::Path;

use serde::Serialize;

use crate::{Error, Result};

/// The notes under every figure: the internal marking, source and reference date, the
/// atlas's attribution and the suppression footnote, unwrapped.
pub fn caption_notes(
    atlas: &crate::Atlas,
    indicators: &[String],
    period: &str,
    hidden: &crate::analysis::suppress::HiddenCells,
    intern: bool,
) -> Result<Vec<String>> {
    let mut notes = Vec::new();
    if intern {
        notes.push(crate::export::INTERNAL_MARKING.to_string());
    }
    let mut sources: Vec<String> = Vec::new();
    for key in indicators {
        let source = atlas.indicator(key)?.source;
        if !source.is_empty() && !sources.contains(&source) {
            sources.push(source);
        }
    }
    let period = atlas.period(period)?;
    let date = crate::numbers::date_de(period.date.as_deref().unwrap_or(&period.label));
    notes.push(if sources.is_empty() {
        format!("Quelle: keine Angabe im Atlas; Stand: {date}.")
    } else {
        format!("Quelle: {}; Stand: {date}.", sources.join("; "))
    });
    let attribution = atlas.meta()?.attribution;
    if !attribution.is_empty() {
        notes.push(attribution);
    }
    notes.extend(hidden.footnote());
    Ok(notes)
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Rgb(pub [u8; 3]);

impl Rgb {
    /// From red, green and blue.
    pub const fn from_rgb(r: u8, g: u8, b: u8) -> Self {
        Rgb([r, g, b])
    }

    /// Red.
    pub fn r(self) -> u8 {
        self.0[0]
    }

    /// Green.
    pub fn g(self) -> u8 {
        self.0[1]
    }

    /// Blue.
    pub fn b(self) -> u8 {
        self.0[2]
    }

    /// `#rrggbb`, for SVG.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0[0], self.0[1], self.0[2])
    }

    /// Near-black or white, whichever reads better on this colour (for labels on fills).
    pub fn text_on(self) -> Rgb {
        let [r, g, b] = self.0.map(f64::from);
        if 0.299 * r + 0.587 * g + 0.114 * b > 140.0 {
            Rgb([20, 20, 20])
        } else {
            Rgb([255, 255, 255])
        }
    }
}

/// A paper size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Paper {
    /// 210 × 297 mm.
    #[default]
    A4,
    /// 297 × 420 mm.
    A3,
    /// 148 × 210 mm: a figure set into a page or a slide, where A4's type would be too small.
    A5,
}

/// A page: paper and orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Page {
    /// The paper.
    pub paper: Paper,
    /// Landscape (wider than high).
    pub landscape: bool,
}

impl Page {
    /// Width and height in millimetres.
    pub fn size_mm(&self) -> (f64, f64) {
        let (short, long) = match self.paper {
            Paper::A4 => (210.0, 297.0),
            Paper::A3 => (297.0, 420.0),
            Paper::A5 => (148.0, 210.0),
        };
        if self.landscape {
            (long, short)
        } else {
            (short, long)
        }
    }
}

/// A finished figure: SVG in millimetres.
#[derive(Debug, Clone)]
pub struct Figure {
    /// The SVG document.
    pub svg: String,
    /// Width in millimetres.
    pub width_mm: f64,
    /// Height in millimetres.
    pub height_mm: f64,
    /// The title, for the PDF's metadata.
    pub title: String,
}

/// The file formats of a figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FigureFormat {
    /// Raster at a chosen DPI.
    Png,
    /// Vector, editable in Inkscape or Illustrator.
    Svg,
    /// Vector, one page with the fonts embedded.
    Pdf,
}

impl FigureFormat {
    /// The format a file name asks for, by its extension.
    pub fn from_path(path: &Path) -> Result<Self> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_lowercase)
            .unwrap_or_default();
        match ext.as_str() {
            "png" => Ok(FigureFormat::Png),
            "svg" => Ok(FigureFormat::Svg),
            "pdf" => Ok(FigureFormat::Pdf),
            _ => Err(Error::Invalid(format!(
                "{}: unbekanntes Bildformat „.{ext}“; möglich sind .png, .svg und .pdf",
                path.display()
            ))),
        }
    }
}

/// What [`write_figure`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct FigureFile {
    /// The file.
    pub file: String,
    /// Its format.
    pub format: FigureFormat,
    /// Width and height in millimetres.
    pub size_mm: [f64; 2],
    /// For PNG: width and height in pixels.
    pub pixels: Option<[u32; 2]>,
    /// For PNG: the resolution.
    pub dpi: Option<f64>,
}

/// The most pixels a PNG may have (about A0 at 300 DPI), so a typo in `--dpi` cannot fill
/// the memory.
const MAX_PIXELS: f64 = 150_000_000.0;

/// Writes `figure` to `out` in the format its extension names; PNG at `dpi`. The file
/// appears whole or not at all.
pub fn write_figure(figure: &Figure, out: &Path, dpi: f64) -> Result<FigureFile> {
    let format = FigureFormat::from_path(out)?;
    let (bytes, pixels) = match format {
        FigureFormat::Svg => (figure.svg.clone().into_bytes(), None),
        FigureFormat::Png => {
            let (png, w, h) = render_png(figure, dpi)?;
            (png, Some([w, h]))
        }
        FigureFormat::Pdf => (typeset::figure_pdf(figure)?, None),
    };
    crate::export::write_whole(out, &bytes)?;
    Ok(FigureFile {
        file: out.display().to_string(),
        format,
        size_mm: [figure.width_mm, figure.height_mm],
        pixels,
        dpi: pixels.map(|_| dpi),
    })
}

/// Rasterises `figure` at `dpi`: PNG bytes, width and height in pixels.
pub fn render_png(figure: &Figure, dpi: f64) -> Result<(Vec<u8>, u32, u32)> {
    let pixmap = render_pixmap(figure, dpi)?;
    let (w, h) = (pixmap.width(), pixmap.height());
    let png = pixmap
        .encode_png()
        .map_err(|e| Error::Invalid(format!("PNG nicht erzeugt: {e}")))?;
    Ok((png, w, h))
}

/// Rasterises `figure` at `dpi` on white.
pub fn render_pixmap(figure: &Figure, dpi: f64) -> Result<resvg::tiny_skia::Pixmap> {
    if !(dpi.is_finite() && (30.0..=1200.0).contains(&dpi)) {
        return Err(Error::Invalid(format!(
            "Auflösung {dpi} dpi: möglich sind 30 bis 1200 dpi"
        )));
    }
    let w = (figure.width_mm / 25.4 * dpi).round();
    let h = (figure.height_mm / 25.4 * dpi).round();
    if w * h > MAX_PIXELS || w < 1.0 || h < 1.0 {
        return Err(Error::Invalid(format!(
            "{w} × {h} Pixel sind zu viel für ein Bild; eine kleinere Auflösung wählen"
        )));
    }
    let options = resvg::usvg::Options {
        fontdb: typeset::font_database(),
        font_family: typeset::FONT_FAMILY.to_string(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(&figure.svg, &options)
        .map_err(|e| Error::Invalid(format!("Abbildung nicht lesbar (interner Fehler): {e}")))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(w as u32, h as u32)
        .ok_or_else(|| Error::Invalid(format!("{w} × {h} Pixel: kein Bild möglich")))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    let size = tree.size();
    let transform = resvg::tiny_skia::Transform::from_scale(w as f32 / size.width(), h as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    Ok(pixmap)
}
