//! Stories for the committee meeting: the figures of a bookmark drawn off-screen (the map,
//! and the diagram when its pane was open), and a story written as a handout, as PDF (one
//! page per bookmark, [`handout`]) or as PowerPoint (one slide per bookmark with editable
//! text, [`pptx`]). Suppression applies as in every output unless `intern`.
//!
//! - [`text`]: the interpretation text (Markdown subset) read into blocks.
//! - [`handout`]: the PDF handout (Typst).
//! - [`pptx`]: the PowerPoint writer (the OOXML parts a slide deck needs).

pub mod handout;
pub mod pptx;
pub mod text;

use std::path::Path;

use serde::Serialize;

use std::collections::BTreeSet;

use crate::analysis::chart::age_band;
use crate::analysis::suppress::{HiddenCache, HiddenCells};
use crate::figure::chart::{chart_figure_with, ChartKind, ChartRequest};
use crate::figure::map::{map_figure, ClassStyle, MapRequest};
use crate::figure::{Figure, Page, Paper};
use crate::progress::{check_cancel, Progress};
use crate::reference::reference_value;
use crate::store::{BookmarkImage, BookmarkView};
use crate::{Atlas, Error, Result};

/// The classes and colours of a view: its own, else the indicator's saved default on the
/// level, else the KECK standard.
pub fn view_style(atlas: &Atlas, view: &BookmarkView) -> Result<ClassStyle> {
    let Some(key) = view.indicators.first() else {
        return Ok(ClassStyle::default());
    };
    let presentation = match &view.presentation {
        Some(p) => Some(p.clone()),
        None => atlas.presentation(key, &view.level)?,
    };
    let Some(presentation) = presentation else {
        return Ok(ClassStyle::default());
    };
    let reference = if presentation.method == "diverging-reference" {
        let meta = atlas.indicator(key)?;
        let level = atlas.level(&view.level)?;
        let period = atlas.period(&view.period)?;
        reference_value(atlas, &meta, level.id, period.id)?.value
    } else {
        None
    };
    presentation.class_style(reference)
}

/// What one page or slide of a story shows.
pub struct Slide {
    /// The bookmark's name (the slide's title).
    pub title: String,
    /// Its interpretation text.
    pub text: String,
    /// The map (none when the view's indicator, level or period is gone).
    pub map: Option<Figure>,
    /// The diagram, when its pane was open.
    pub chart: Option<Figure>,
    /// The bookmark's images.
    pub images: Vec<BookmarkImage>,
    /// The caption: source, reference date, attribution, footnote (the figures carry their
    /// titles).
    pub caption: Vec<String>,
    /// What the view refers to that the atlas no longer has.
    pub missing: Vec<String>,
    /// Cells hidden on this slide's figures: level, period, indicator, area key.
    pub hidden: BTreeSet<(String, String, String, String)>,
}

/// The figures and texts of one bookmark, drawn with the hidden cells of `cache`.
pub fn slide(atlas: &Atlas, name: &str, intern: bool, cache: &mut HiddenCache) -> Result<Slide> {
    let bookmark = atlas.bookmark(name)?;
    let view = &bookmark.view;
    let missing = atlas.missing_in_view(view)?;
    let mut slide = Slide {
        title: bookmark.name.clone(),
        text: bookmark.text.clone(),
        map: None,
        chart: None,
        images: atlas.bookmark_images(name)?,
        caption: Vec::new(),
        missing,
        hidden: BTreeSet::new(),
    };
    let usable = |key: &String| atlas.indicator(key).is_ok();
    let Some(indicator) = view.indicators.first().filter(|k| usable(k)) else {
        return Ok(slide);
    };
    if atlas.level(&view.level).is_err() || atlas.period(&view.period).is_err() {
        return Ok(slide);
    }
    let style = view_style(atlas, view)?;
    let map = map_figure(
        atlas,
        &MapRequest {
            indicator: indicator.clone(),
            level: view.level.clone(),
            period: view.period.clone(),
            style: style.clone(),
            page: Page {
                paper: Paper::A5,
                landscape: true,
            },
            labels: false,
            pois: Vec::new(),
            columns: view.column_indicator.clone().filter(usable),
            intern,
        },
    )?;
    slide.map = Some(map.figure);
    let note_hidden = |slide: &mut Slide, hidden: &HiddenCells| {
        for (indicator, key) in hidden.cells() {
            slide
                .hidden
                .insert((view.level.clone(), view.period.clone(), indicator, key));
        }
    };
    let mut mapped = vec![indicator.clone()];
    mapped.extend(view.column_indicator.iter().filter(|k| usable(k)).cloned());
    note_hidden(&mut slide, &cache.at(&view.level, &view.period)?.only(&mapped));
    let mut shown = mapped;
    shown.extend(view.second_indicator.iter().filter(|k| usable(k)).cloned());
    let hidden = cache.at(&view.level, &view.period)?.only(&shown);
    slide.caption.extend(crate::figure::caption_notes(
        atlas,
        &shown,
        &view.period,
        &hidden,
        intern,
    )?);
    let diagram_open = view.panes.iter().any(|p| p == "diagram") || view.maximised.as_deref() == Some("diagram");
    if let Some(kind) = view.diagram.filter(|_| diagram_open) {
        let mut indicators = vec![indicator.clone()];
        if kind == ChartKind::Scatter {
            match view.second_indicator.clone().filter(usable) {
                Some(x) => indicators.push(x),
                None => return Ok(slide),
            }
        }
        let request = ChartRequest {
            kind,
            indicators,
            level: view.level.clone(),
            period: view.period.clone(),
            areas: view.areas.iter().take(6).cloned().collect(),
            style,
            intern,
        };
        let chart = chart_figure_with(atlas, &request, cache)?;
        // The cells the chart hides: its indicators, or for the age structure the age bands.
        let keys: Vec<String> = if kind == ChartKind::Age {
            atlas
                .indicators()?
                .into_iter()
                .filter(|m| m.kind == crate::model::IndicatorKind::Count && age_band(&m.name).is_some())
                .map(|m| m.key)
                .collect()
        } else {
            request.indicators.clone()
        };
        let hidden = cache.at(&view.level, &view.period)?.only(&keys);
        note_hidden(&mut slide, &hidden);
        slide.chart = Some(chart.figure);
    }
    Ok(slide)
}

/// The handout formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HandoutFormat {
    /// One PDF page per bookmark.
    Pdf,
    /// One PowerPoint slide per bookmark.
    Pptx,
}

/// What [`write_story`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct StoryExport {
    /// The file.
    pub file: String,
    /// Its format.
    pub format: HandoutFormat,
    /// The story.
    pub story: String,
    /// Pages (PDF) or slides (PPTX), the title included.
    pub pages: usize,
    /// Bookmarks in it.
    pub bookmarks: usize,
    /// Cells hidden on its figures, each counted once (0 with `intern`).
    pub suppressed_cells: usize,
    /// What its bookmarks refer to that the atlas no longer has.
    pub missing: Vec<String>,
    /// Written for internal use.
    pub intern: bool,
}

/// Writes the story `name` as a handout to `out` (`.pdf` or `.pptx`), whole or not at all.
pub fn write_story(
    atlas: &Atlas,
    name: &str,
    out: &Path,
    intern: bool,
    progress: &dyn Progress,
) -> Result<StoryExport> {
    let ext = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    let format = match ext.as_str() {
        "pdf" => HandoutFormat::Pdf,
        "pptx" => HandoutFormat::Pptx,
        _ => {
            return Err(Error::Invalid(format!(
                "{}: unbekanntes Format „.{ext}“; möglich sind .pdf und .pptx",
                out.display()
            )))
        }
    };
    let story = atlas.story(name)?;
    if story.bookmarks.is_empty() {
        return Err(Error::Invalid(format!("Story „{name}“ hat keine Lesezeichen")));
    }
    let mut cache = HiddenCache::new(atlas, intern);
    let mut slides = Vec::new();
    for (i, bookmark) in story.bookmarks.iter().enumerate() {
        check_cancel(progress)?;
        progress.report(
            0.8 * i as f32 / story.bookmarks.len() as f32,
            &format!("Lesezeichen „{bookmark}“ zeichnen"),
        );
        slides.push(slide(atlas, bookmark, intern, &mut cache)?);
    }
    check_cancel(progress)?;
    progress.report(0.8, "Handout setzen");
    let meta = atlas.meta()?;
    let title = handout::TitlePage {
        story: story.name.clone(),
        intro: story.intro.clone(),
        atlas: meta.name.clone(),
        author: story.author.clone(),
        date: crate::numbers::date_de(story.updated.get(..10).unwrap_or(&story.updated)),
        attribution: meta.attribution.clone(),
    };
    let (bytes, pages) = match format {
        HandoutFormat::Pdf => handout::pdf(&title, &slides, intern)?,
        HandoutFormat::Pptx => (pptx::pptx(&title, &slides, intern)?, slides.len() + 1),
    };
    check_cancel(progress)?;
    progress.report(0.95, "Schreiben");
    crate::export::write_whole(out, &bytes)?;
    Ok(StoryExport {
        file: out.display().to_string(),
        format,
        story: story.name,
        pages,
        bookmarks: slides.len(),
        suppressed_cells: slides
            .iter()
            .flat_map(|s| s.hidden.iter())
            .collect::<BTreeSet<_>>()
            .len(),
        missing: slides.iter().flat_map(|s| s.missing.iter().cloned()).collect(),
        intern,
    })
}
