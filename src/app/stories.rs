//! Bookmarks, stories and the committee meeting: a bookmark keeps the view (level, period,
//! indicators, classes and colours, map extent, selection, panes and their layout, diagram)
//! with an interpretation text; *Lesezeichen → Lesezeichen und Storys …* lists them, opens
//! them, and arranges them into stories (drag to reorder, duplicate); a story is presented
//! full screen, one bookmark per slide with the live map, or saved as a handout (PDF,
//! PowerPoint) through the save dialog. Every change goes through the undo history
//! ([`super::edit::Edit::Bookmark`], [`super::edit::Edit::Story`]).

use eframe::egui;
use quartier_core::figure::chart::ChartKind;
use quartier_core::store::{
    Bookmark, BookmarkImage, BookmarkState, BookmarkView, Presentation as ClassPresentation, Story,
};
use quartier_core::story::text::{parse, Block};
use quartier_core::story::HandoutFormat;

use super::command::{Command, OpenDialog};
use super::edit::Edit;
use super::i18n::tr;
use super::panes::{self, Pane};
use super::state::{DiagramKind, Workbench};
use super::QuartierApp;

/// The font family of bold text (DejaVu Sans Bold, installed with the fallback font).
pub const BOLD: &str = "fett";

const RED: egui::Color32 = egui::Color32::from_rgb(200, 40, 40);

/// The diagram kind as the engine names it.
pub fn chart_kind(kind: DiagramKind) -> ChartKind {
    match kind {
        DiagramKind::Bars => ChartKind::Bar,
        DiagramKind::Scatter => ChartKind::Scatter,
        DiagramKind::TimeSeries => ChartKind::Line,
        DiagramKind::AgeStructure => ChartKind::Age,
    }
}

fn diagram_kind(kind: ChartKind) -> Option<DiagramKind> {
    Some(match kind {
        ChartKind::Bar => DiagramKind::Bars,
        ChartKind::Scatter => DiagramKind::Scatter,
        ChartKind::Line => DiagramKind::TimeSeries,
        ChartKind::Age => DiagramKind::AgeStructure,
        ChartKind::Spine => return None,
    })
}

impl QuartierApp {
    /// What is shown now, as a bookmark keeps it.
    pub(super) fn current_view(&self) -> BookmarkView {
        let w = &self.state;
        let mut indicators: Vec<String> = w.choice.indicator.iter().cloned().collect();
        for key in &w.choice.table_columns {
            if !indicators.contains(key) {
                indicators.push(key.clone());
            }
        }
        BookmarkView {
            level: w.level_name().to_string(),
            period: w.choice.period.clone().unwrap_or_default(),
            indicators,
            presentation: Some(w.presentation()),
            extent: self.view.shown_extent,
            areas: w.selection.iter().cloned().collect(),
            diagram: Some(chart_kind(w.view.diagram)),
            second_indicator: w.choice.second_indicator.clone(),
            column_indicator: w.choice.column_indicator.clone(),
            panes: Pane::ALL
                .iter()
                .filter(|p| panes::is_open(&self.layout, **p))
                .map(|p| p.id().to_string())
                .collect(),
            layout: serde_json::to_value(&self.layout).ok(),
            maximised: self.maximised.map(|p| p.id().to_string()),
        }
    }

    /// Shows a bookmark's view: what still exists is restored exactly; what the atlas no
    /// longer has is named in the notice.
    pub(super) fn restore_view(&mut self, name: &str, view: &BookmarkView) {
        let missing = self.state.atlas.missing_in_view(view).unwrap_or_default();
        let w = &mut self.state;
        if let Some(i) = w.info.levels.iter().position(|l| l.name == view.level) {
            if i != w.choice.level {
                w.choose_level(i);
            }
        }
        let known = |w: &Workbench, key: &String| w.info.indicators.iter().any(|i| &i.key == key);
        if let Some(key) = view.indicators.first().filter(|k| known(w, k)) {
            w.choose_indicator(key);
        }
        if w.periods().contains(&view.period) {
            w.choice.period = Some(view.period.clone());
        }
        // The bookmark's classes; without, as every output of it: the indicator's saved
        // default on the level, else the KECK standard of six equal intervals.
        let presentation = view.presentation.clone().or_else(|| {
            let key = view.indicators.first()?;
            w.atlas.presentation(key, &view.level).ok().flatten()
        });
        w.take_presentation(&presentation.unwrap_or_else(|| ClassPresentation {
            method: "equal-interval".into(),
            classes: 6,
            manual_breaks: String::new(),
            scheme: String::new(),
            reversed: false,
        }));
        w.choice.table_columns = view
            .indicators
            .iter()
            .skip(1)
            .filter(|k| known(w, k))
            .cloned()
            .collect();
        w.choice.second_indicator = view.second_indicator.clone().filter(|k| known(w, k));
        w.choice.column_indicator = view.column_indicator.clone().filter(|k| known(w, k));
        if let Some(kind) = view.diagram.and_then(diagram_kind) {
            w.view.diagram = kind;
        }
        w.refresh();
        let areas: std::collections::BTreeSet<String> = view
            .areas
            .iter()
            .filter(|k| {
                w.shown
                    .table
                    .as_ref()
                    .is_none_or(|t| t.rows.iter().any(|r| &r.key == *k))
            })
            .cloned()
            .collect();
        w.selection.set(areas);
        let layout = view
            .layout
            .clone()
            .and_then(|l| serde_json::from_value::<egui_tiles::Tree<Pane>>(l).ok());
        self.layout = layout.unwrap_or_else(|| {
            let mut tree = panes::default_layout();
            for pane in Pane::ALL {
                if !view.panes.iter().any(|p| p == pane.id()) {
                    if let Some(tile) = tree.tiles.find_pane(&pane) {
                        tree.remove_recursively(tile);
                    }
                }
            }
            tree
        });
        self.maximised = view.maximised.as_deref().and_then(Pane::from_id);
        self.view.pending_extent = view.extent;
        if view.extent.is_none() {
            self.view.zoom = 1.0;
            self.view.pan = egui::Vec2::ZERO;
        }
        self.state.session.notice = Some(if missing.is_empty() {
            format!("Lesezeichen „{name}“ geöffnet")
        } else {
            format!(
                "Lesezeichen „{name}“ geöffnet; nicht mehr im Atlas: {}",
                missing.join("; ")
            )
        });
    }

    /// Opens a saved bookmark.
    pub(super) fn open_bookmark(&mut self, name: &str) {
        match self.state.atlas.bookmark(name) {
            Ok(b) => self.restore_view(name, &b.view),
            Err(e) => self.state.session.error = Some(e.to_string()),
        }
    }
}

/// A bookmark's image as a texture (`None` when it is not a readable PNG).
fn texture(ctx: &egui::Context, image: &BookmarkImage) -> Option<egui::TextureHandle> {
    let decoded = image::load_from_memory_with_format(&image.png, image::ImageFormat::Png).ok()?;
    let rgba = decoded.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    let pixels = egui::ColorImage::from_rgba_unmultiplied(size, rgba.as_raw());
    Some(ctx.load_texture(
        format!("lesezeichenbild-{}", image.name),
        pixels,
        egui::TextureOptions::LINEAR,
    ))
}

/// Draws an interpretation text: headings, paragraphs with bold, italic and links, lists;
/// `size` is the body's point size.
pub fn text_ui(ui: &mut egui::Ui, text: &str, size: f32) {
    let bold = egui::FontFamily::Name(BOLD.into());
    for block in parse(text) {
        let (scale, heading) = match &block {
            Block::Heading(1, _) => (1.3, true),
            Block::Heading(..) => (1.15, true),
            _ => (1.0, false),
        };
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing.x = 0.0;
            if let Block::Item { number, .. } = &block {
                let marker = number.map_or("•  ".to_string(), |n| format!("{n}.  "));
                ui.label(egui::RichText::new(marker).size(size));
            }
            for span in block.spans() {
                let mut rich = egui::RichText::new(&span.text).size(size * scale);
                if span.bold || heading {
                    rich = rich.family(bold.clone()).strong();
                }
                if span.italic {
                    rich = rich.italics();
                }
                match &span.link {
                    Some(url) => {
                        ui.hyperlink_to(rich, url);
                    }
                    None => {
                        ui.label(rich);
                    }
                }
            }
        });
        ui.add_space(size * 0.4);
    }
}

/// *Lesezeichen speichern*: the view shown now under a name, with its text.
#[derive(Default)]
pub struct BookmarkDialog {
    /// Shown?
    pub open: bool,
    /// The name the bookmark had when the dialog opened (`None`: a new one).
    editing: Option<String>,
    name: String,
    text: String,
    author: String,
    public: bool,
    images: Vec<BookmarkImage>,
    view: BookmarkView,
    message: Option<String>,
}

impl BookmarkDialog {
    /// A new bookmark of `view`.
    pub fn open_new(&mut self, w: &Workbench, view: BookmarkView) {
        let indicator = view
            .indicators
            .first()
            .map(|k| {
                w.info
                    .indicators
                    .iter()
                    .find(|i| &i.key == k)
                    .map_or(k.clone(), |i| i.name.clone())
            })
            .unwrap_or_default();
        *self = BookmarkDialog {
            open: true,
            name: format!("{indicator}, {} {}", view.level, view.period)
                .trim()
                .to_string(),
            author: std::mem::take(&mut self.author),
            view,
            ..BookmarkDialog::default()
        };
    }

    /// The text, images and flag of a saved bookmark; `view` replaces its view when given.
    pub fn open_existing(&mut self, b: &Bookmark, images: Vec<BookmarkImage>, view: Option<BookmarkView>) {
        *self = BookmarkDialog {
            open: true,
            editing: Some(b.name.clone()),
            name: b.name.clone(),
            text: b.text.clone(),
            author: b.author.clone(),
            public: b.public,
            images,
            view: view.unwrap_or_else(|| b.view.clone()),
            message: None,
        };
    }

    /// Draws the dialog; the edit when saved.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<Edit> {
        if !self.open {
            return None;
        }
        let mut open = self.open;
        let mut edit = None;
        egui::Window::new(tr("Lesezeichen"))
            .open(&mut open)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.weak(format!(
                    "{} · {} · {}",
                    self.view.level,
                    self.view.indicators.join(", "),
                    self.view.period
                ));
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Name des Lesezeichens"));
                    ui.add(egui::TextEdit::singleline(&mut self.name).desired_width(380.0))
                        .labelled_by(label.id);
                });
                let label = ui.strong(tr("Einschätzung"));
                ui.add(
                    egui::TextEdit::multiline(&mut self.text)
                        .desired_rows(8)
                        .desired_width(f32::INFINITY)
                        .hint_text(tr("## Überschrift, **fett**, - Aufzählung, [Link](https://…)")),
                )
                .labelled_by(label.id);
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Verfasst von"));
                    ui.text_edit_singleline(&mut self.author).labelled_by(label.id);
                    ui.checkbox(&mut self.public, tr("Zur Veröffentlichung freigegeben"));
                });
                ui.horizontal(|ui| {
                    ui.label(format!("{}: {}", tr("Bilder"), self.images.len()));
                    if ui.button(tr("Bild hinzufügen …")).clicked() {
                        if let Some(path) = rfd::FileDialog::new().add_filter("PNG", &["png"]).pick_file() {
                            let name = path
                                .file_name()
                                .map_or(String::new(), |n| n.to_string_lossy().to_string());
                            match std::fs::read(&path)
                                .map_err(|e| format!("{}: {e}", path.display()))
                                .and_then(|bytes| BookmarkImage::new(&name, bytes).map_err(|e| e.to_string()))
                            {
                                Ok(image) => self.images.push(image),
                                Err(e) => self.message = Some(e),
                            }
                        }
                    }
                    if !self.images.is_empty() && ui.button(tr("Bilder entfernen")).clicked() {
                        self.images.clear();
                    }
                });
                let name = self.name.trim().to_string();
                let taken = self.editing.as_deref() != Some(name.as_str()) && w.atlas.bookmark(&name).is_ok();
                if taken {
                    ui.colored_label(
                        RED,
                        tr("Ein Lesezeichen dieses Namens gibt es schon; Speichern ersetzt es."),
                    );
                }
                if let Some(m) = &self.message {
                    ui.colored_label(RED, m);
                }
                if ui.button(tr("Speichern")).clicked() {
                    if name.is_empty() {
                        self.message = Some(tr("Bitte einen Namen angeben").to_string());
                    } else {
                        let state = BookmarkState {
                            bookmark: Bookmark {
                                name: name.clone(),
                                view: self.view.clone(),
                                text: self.text.trim().to_string(),
                                author: self.author.trim().to_string(),
                                created: String::new(),
                                updated: String::new(),
                                public: self.public,
                                images: self.images.iter().map(|i| i.name.clone()).collect(),
                            },
                            images: self.images.clone(),
                            stories: Vec::new(),
                        };
                        edit = Some(Edit::Bookmark {
                            name: match &self.editing {
                                Some(old) if !taken => old.clone(),
                                _ => name,
                            },
                            before: None,
                            after: Some(Box::new(state)),
                        });
                    }
                }
            });
        self.open = open && edit.is_none();
        edit
    }
}

/// *Lesezeichen und Storys*: the bookmarks (open, edit, delete) and the stories (arrange,
/// duplicate, present, save as handout).
#[derive(Default)]
pub struct StoriesWindow {
    /// Shown?
    pub open: bool,
    /// The story being arranged (its saved name; `None`: a new one).
    chosen: Option<String>,
    /// The story as arranged here, saved with "Story speichern".
    draft: Option<Story>,
    /// The name typed for a duplicate.
    copy_name: String,
    message: Option<String>,
}

impl StoriesWindow {
    fn choose(&mut self, story: Option<&Story>) {
        self.chosen = story.map(|s| s.name.clone());
        self.draft = Some(story.cloned().unwrap_or(Story {
            name: String::new(),
            intro: String::new(),
            bookmarks: Vec::new(),
            author: String::new(),
            created: String::new(),
            updated: String::new(),
            public: false,
        }));
        self.copy_name = story.map(|s| format!("{} (Kopie)", s.name)).unwrap_or_default();
        self.message = None;
    }

    /// Draws the window; user actions go into `commands`.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench, commands: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        let bookmarks = w.atlas.bookmarks();
        let stories = w.atlas.stories();
        let (bookmarks, stories) = match (bookmarks, stories) {
            (Ok(b), Ok(s)) => (b, s),
            (Err(e), _) | (_, Err(e)) => {
                self.message = Some(e.to_string());
                (Vec::new(), Vec::new())
            }
        };
        // A story deleted (or renamed by an undo) is no longer chosen.
        if let Some(name) = &self.chosen {
            if !stories.iter().any(|s| &s.name == name) {
                self.chosen = None;
                self.draft = None;
            }
        }
        let mut open = self.open;
        egui::Window::new(tr("Lesezeichen und Storys"))
            .open(&mut open)
            .default_size([1040.0, 600.0])
            .show(ctx, |ui| {
                if let Some(m) = &self.message {
                    ui.colored_label(RED, m);
                }
                ui.columns(2, |columns| {
                    self.bookmarks_ui(&mut columns[0], w, &bookmarks, commands);
                    self.stories_ui(&mut columns[1], w, &bookmarks, &stories, commands);
                });
            });
        self.open = open;
    }

    fn bookmarks_ui(&mut self, ui: &mut egui::Ui, w: &Workbench, bookmarks: &[Bookmark], commands: &mut Vec<Command>) {
        ui.heading(tr("Lesezeichen"));
        if ui.button(tr("Aktuelle Ansicht als Lesezeichen …")).clicked() {
            commands.push(Command::Open(OpenDialog::SaveBookmark));
        }
        if bookmarks.is_empty() {
            ui.weak(tr("Noch keine Lesezeichen: die Ansicht einstellen und hier speichern."));
        }
        egui::ScrollArea::vertical().id_salt("lesezeichen").show(ui, |ui| {
            for b in bookmarks {
                ui.group(|ui| {
                    ui.horizontal(|ui| {
                        ui.strong(&b.name);
                        if b.public {
                            ui.weak(tr("öffentlich"));
                        }
                    });
                    ui.weak(format!(
                        "{} · {} · {}{}",
                        b.view.level,
                        b.view
                            .indicators
                            .first()
                            .map(|k| w.indicator_title(k))
                            .unwrap_or_default(),
                        b.view.period,
                        if b.author.is_empty() {
                            String::new()
                        } else {
                            format!(" · {}", b.author)
                        }
                    ));
                    ui.horizontal(|ui| {
                        if ui.button(tr("Öffnen")).on_hover_text(&b.name).clicked() {
                            commands.push(Command::OpenBookmark(b.name.clone()));
                        }
                        if ui.button(tr("Text …")).clicked() {
                            commands.push(Command::Open(OpenDialog::EditBookmark(b.name.clone(), false)));
                        }
                        if ui
                            .button(tr("Ansicht übernehmen"))
                            .on_hover_text(tr("Das Lesezeichen zeigt künftig die aktuelle Ansicht"))
                            .clicked()
                        {
                            commands.push(Command::Open(OpenDialog::EditBookmark(b.name.clone(), true)));
                        }
                        if let Some(draft) = &mut self.draft {
                            if ui
                                .button(tr("→ Story"))
                                .on_hover_text(tr("An die Story anhängen"))
                                .clicked()
                            {
                                draft.bookmarks.push(b.name.clone());
                            }
                        }
                        if ui.button(tr("Löschen")).clicked() {
                            commands.push(Command::Edit(Edit::Bookmark {
                                name: b.name.clone(),
                                before: None,
                                after: None,
                            }));
                        }
                    });
                });
            }
        });
    }

    fn stories_ui(
        &mut self,
        ui: &mut egui::Ui,
        w: &Workbench,
        bookmarks: &[Bookmark],
        stories: &[Story],
        commands: &mut Vec<Command>,
    ) {
        ui.heading(tr("Storys"));
        ui.horizontal_wrapped(|ui| {
            for story in stories {
                let unreleased = w.atlas.unreleased_in_story(story).unwrap_or_default();
                let label = if story.public && !unreleased.is_empty() {
                    format!("⚠ {}", story.name)
                } else {
                    story.name.clone()
                };
                let chosen = self.chosen.as_deref() == Some(story.name.as_str());
                let mut response = ui.selectable_label(chosen, label);
                if !unreleased.is_empty() {
                    response = response.on_hover_text(format!(
                        "{}: {}",
                        tr("Nicht zur Veröffentlichung freigegebene Indikatoren"),
                        unreleased.join(", ")
                    ));
                }
                if response.clicked() {
                    self.choose(Some(story));
                }
            }
            if ui.button(tr("Neue Story")).clicked() {
                self.choose(None);
            }
        });
        let Some(draft) = &mut self.draft else {
            ui.weak(tr("Eine Story wählen oder eine neue anlegen."));
            return;
        };
        ui.separator();
        ui.horizontal(|ui| {
            let label = ui.label(tr("Titel der Story"));
            ui.text_edit_singleline(&mut draft.name).labelled_by(label.id);
        });
        let label = ui.label(tr("Einleitung"));
        ui.add(
            egui::TextEdit::multiline(&mut draft.intro)
                .desired_rows(3)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        ui.checkbox(&mut draft.public, tr("Zur Veröffentlichung freigegeben"));
        let unreleased = w.atlas.unreleased_in_story(draft).unwrap_or_default();
        if draft.public && !unreleased.is_empty() {
            ui.colored_label(
                RED,
                format!(
                    "⚠ {}: {}",
                    tr("Nicht zur Veröffentlichung freigegebene Indikatoren"),
                    unreleased.join(", ")
                ),
            );
        }
        ui.label(tr("Folien (zum Umordnen ziehen):"));
        // Drag a slide onto another to move it there.
        let mut moved: Option<(usize, usize)> = None;
        let mut removed = None;
        for (i, name) in draft.bookmarks.iter().enumerate() {
            let known = bookmarks.iter().any(|b| &b.name == name);
            let row = ui.horizontal(|ui| {
                let id = egui::Id::NULL.with(("story_folie", i));
                ui.dnd_drag_source(id, i, |ui| {
                    ui.label(format!("☰ {}. {name}", i + 1));
                });
                if !known {
                    ui.colored_label(RED, tr("(gelöscht)"));
                }
                if ui.small_button("✕").on_hover_text(tr("Aus der Story nehmen")).clicked() {
                    removed = Some(i);
                }
            });
            if let Some(from) = row.response.dnd_release_payload::<usize>() {
                moved = Some((*from, i));
            }
        }
        if let Some((from, to)) = moved {
            let item = draft.bookmarks.remove(from);
            draft.bookmarks.insert(to.min(draft.bookmarks.len()), item);
        }
        if let Some(i) = removed {
            draft.bookmarks.remove(i);
        }
        ui.separator();
        let chosen = self.chosen.clone();
        let saved = chosen.as_ref().and_then(|n| stories.iter().find(|s| &s.name == n));
        let changed = saved.is_none_or(|s| s != draft);
        ui.horizontal_wrapped(|ui| {
            if ui
                .add_enabled(
                    changed && !draft.name.trim().is_empty(),
                    egui::Button::new(tr("Story speichern")),
                )
                .clicked()
            {
                let mut story = draft.clone();
                story.name = story.name.trim().to_string();
                commands.push(Command::Edit(Edit::Story {
                    name: chosen.clone().unwrap_or_else(|| story.name.clone()),
                    before: None,
                    after: Some(Box::new(story.clone())),
                }));
                self.chosen = Some(story.name.clone());
                *draft = story;
            }
            if let Some(saved) = saved {
                if ui.button(tr("Präsentieren")).clicked() {
                    commands.push(Command::Present(saved.name.clone()));
                }
                for (format, label) in [
                    (HandoutFormat::Pdf, tr("Als PDF …")),
                    (HandoutFormat::Pptx, tr("Als PowerPoint …")),
                ] {
                    if ui.button(label).clicked() {
                        commands.push(Command::Open(OpenDialog::StoryExport(saved.name.clone(), format)));
                    }
                }
                if ui.button(tr("Löschen")).clicked() {
                    commands.push(Command::Edit(Edit::Story {
                        name: saved.name.clone(),
                        before: None,
                        after: None,
                    }));
                }
            }
        });
        if let Some(saved) = saved {
            ui.horizontal(|ui| {
                let label = ui.label(tr("Name der Kopie"));
                ui.text_edit_singleline(&mut self.copy_name).labelled_by(label.id);
                let name = self.copy_name.trim().to_string();
                let free = !name.is_empty() && !stories.iter().any(|s| s.name == name);
                if ui.add_enabled(free, egui::Button::new(tr("Duplizieren"))).clicked() {
                    let mut copy = saved.clone();
                    copy.name = name.clone();
                    copy.created = String::new();
                    commands.push(Command::Edit(Edit::Story {
                        name,
                        before: None,
                        after: Some(Box::new(copy)),
                    }));
                }
            });
        }
    }
}

/// A story being presented: its slides (the title, then one per bookmark) and where we are.
pub struct Presentation {
    /// The story.
    pub story: Story,
    /// 0: the title slide; n: the n-th bookmark.
    pub slide: usize,
    /// The text of the bookmark shown.
    text: String,
    /// What the bookmark shown refers to that the atlas no longer has.
    missing: Vec<String>,
    /// Whether the bookmark shown had its diagram open.
    diagram: bool,
    /// The bookmark's images, as textures.
    pub images: Vec<egui::TextureHandle>,
}

impl Presentation {
    /// Slides in all, the title included.
    pub fn len(&self) -> usize {
        self.story.bookmarks.len() + 1
    }
}

impl QuartierApp {
    /// Starts presenting a story full screen, on its title slide.
    pub(super) fn present(&mut self, ctx: &egui::Context, name: &str) {
        match self.state.atlas.story(name) {
            Ok(story) if !story.bookmarks.is_empty() => {
                self.before_presentation = Some(self.current_view());
                // A committee meeting is public: the map shows what may be published.
                self.state.choice.published = true;
                self.state.refresh();
                self.presentation = Some(Presentation {
                    story,
                    slide: 0,
                    text: String::new(),
                    missing: Vec::new(),
                    diagram: false,
                    images: Vec::new(),
                });
                self.stories_window.open = false;
                ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(true));
            }
            Ok(_) => self.state.session.error = Some(format!("Story „{name}“ hat keine Lesezeichen")),
            Err(e) => self.state.session.error = Some(e.to_string()),
        }
    }

    /// One slide on (+1) or back (−1); the bookmark's view is shown.
    pub(super) fn step_slide(&mut self, ctx: &egui::Context, step: i64) {
        let Some(p) = &mut self.presentation else { return };
        let next = (p.slide as i64 + step).clamp(0, p.len() as i64 - 1) as usize;
        if next == p.slide {
            return;
        }
        p.slide = next;
        let Some(name) = next.checked_sub(1).and_then(|i| p.story.bookmarks.get(i)).cloned() else {
            return;
        };
        match self.state.atlas.bookmark(&name) {
            Ok(b) => {
                self.restore_view(&name, &b.view);
                let missing = self.state.atlas.missing_in_view(&b.view).unwrap_or_default();
                let images = self
                    .state
                    .atlas
                    .bookmark_images(&name)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| texture(ctx, i))
                    .collect();
                if let Some(p) = &mut self.presentation {
                    p.text = b.text;
                    p.missing = missing;
                    p.diagram = b.view.panes.iter().any(|x| x == "diagram");
                    p.images = images;
                }
            }
            Err(e) => {
                if let Some(p) = &mut self.presentation {
                    p.text = String::new();
                    p.missing = vec![e.to_string()];
                    p.diagram = false;
                    p.images = Vec::new();
                }
            }
        }
    }

    /// Leaves the presentation and puts back the view from before it.
    pub(super) fn end_presentation(&mut self, ctx: &egui::Context) {
        if self.presentation.take().is_none() {
            return;
        }
        ctx.send_viewport_cmd(egui::ViewportCommand::Fullscreen(false));
        self.state.choice.published = false;
        self.state.refresh();
        if let Some(view) = self.before_presentation.take() {
            self.restore_view("", &view);
            self.state.session.notice = Some(tr("Präsentation beendet").to_string());
        }
    }

    /// The keys of a presentation: arrows and Page Up/Down (what presenter remotes send),
    /// space, Home and End; Esc ends it.
    pub(super) fn presentation_keys(&mut self, ctx: &egui::Context) {
        use egui::Key;
        let pressed = |keys: &[Key]| ctx.input(|i| keys.iter().any(|k| i.key_pressed(*k)));
        if pressed(&[Key::ArrowRight, Key::ArrowDown, Key::PageDown, Key::Space, Key::Enter]) {
            self.commands.push(Command::Slide(1));
        }
        if pressed(&[Key::ArrowLeft, Key::ArrowUp, Key::PageUp, Key::Backspace]) {
            self.commands.push(Command::Slide(-1));
        }
        if pressed(&[Key::Home]) {
            self.commands.push(Command::Slide(-1000));
        }
        if pressed(&[Key::End]) {
            self.commands.push(Command::Slide(1000));
        }
        if pressed(&[Key::Escape]) {
            self.commands.push(Command::EndPresentation);
        }
    }

    /// Draws the slide: large type for the back of the room, the live map (hover shows
    /// values) beside the interpretation text, the caption and the slide counter.
    pub(super) fn presentation_ui(&mut self, ui: &mut egui::Ui) {
        let Some(p) = &self.presentation else { return };
        let (slide, len) = (p.slide, p.len());
        let title = match slide {
            0 => p.story.name.clone(),
            n => p.story.bookmarks.get(n - 1).cloned().unwrap_or_default(),
        };
        let (text, missing, diagram, images) = (p.text.clone(), p.missing.clone(), p.diagram, p.images.clone());
        let (intro, byline) = (
            p.story.intro.clone(),
            [self.state.info.name.as_str(), p.story.author.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
        );
        let bold = egui::FontFamily::Name(BOLD.into());
        // Dark type on white, whatever the desktop's theme: a projector washes out the rest.
        ui.style_mut().visuals = egui::Visuals::light();
        let white = egui::Frame::new().fill(egui::Color32::WHITE).inner_margin(24.0);
        egui::Panel::bottom("folienfuss")
            .frame(white.inner_margin(egui::Margin::symmetric(24, 8)))
            .show(ui, |ui| {
                let caption = (slide > 0).then(|| {
                    let mut source = self.caption();
                    let hidden = self.state.shown.hidden_cells;
                    if hidden > 0 {
                        source.push_str(&format!(" · k. A. = geheim gehalten (Datenschutz), {hidden} Zellen"));
                    }
                    source
                });
                // The counter and the hint on the right, the caption wrapped in the rest.
                ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                    ui.label(
                        egui::RichText::new(format!("{} / {len}", slide + 1))
                            .size(20.0)
                            .family(bold.clone()),
                    );
                    ui.label(
                        egui::RichText::new(tr("← → blättern · Esc beendet"))
                            .size(13.0)
                            .color(egui::Color32::from_gray(120)),
                    );
                    if let Some(caption) = caption {
                        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
                            ui.add(
                                egui::Label::new(
                                    egui::RichText::new(caption)
                                        .size(14.0)
                                        .color(egui::Color32::from_gray(70)),
                                )
                                .wrap(),
                            );
                        });
                    }
                });
            });
        egui::Panel::top("folientitel").frame(white).show(ui, |ui| {
            ui.label(
                egui::RichText::new(&title)
                    .size(if slide == 0 { 44.0 } else { 30.0 })
                    .family(bold.clone())
                    .color(egui::Color32::from_gray(20)),
            );
        });
        if slide == 0 {
            egui::CentralPanel::default().frame(white).show(ui, |ui| {
                ui.label(
                    egui::RichText::new(byline)
                        .size(24.0)
                        .color(egui::Color32::from_gray(60)),
                );
                ui.add_space(24.0);
                ui.set_max_width(ui.available_width() * 0.8);
                text_ui(ui, &intro, 24.0);
            });
            return;
        }
        egui::Panel::right("folientext")
            .frame(white)
            .exact_size(ui.available_width() * 0.36)
            .resizable(false)
            .show(ui, |ui| {
                // The text scrolls if it is long; the diagram takes the rest of the column.
                let text_height = if diagram {
                    ui.available_height() * 0.5
                } else {
                    ui.available_height()
                };
                egui::ScrollArea::vertical()
                    .max_height(text_height)
                    .auto_shrink([false, true])
                    .show(ui, |ui| {
                        text_ui(ui, &text, 20.0);
                        for image in &images {
                            ui.add(
                                egui::Image::new(image)
                                    .max_width(ui.available_width())
                                    .max_height(220.0),
                            );
                        }
                        if !missing.is_empty() {
                            ui.add_space(8.0);
                            ui.colored_label(
                                egui::Color32::from_rgb(140, 90, 0),
                                egui::RichText::new(format!("{}: {}", tr("Nicht mehr im Atlas"), missing.join("; ")))
                                    .size(16.0),
                            );
                        }
                    });
                if diagram {
                    ui.add_space(8.0);
                    let size = ui.available_size();
                    ui.allocate_ui(size, |ui| {
                        self.pane_context().pane_content(ui, Pane::Diagram);
                    });
                }
            });
        egui::CentralPanel::default()
            .frame(egui::Frame::new().fill(egui::Color32::WHITE).inner_margin(12.0))
            .show(ui, |ui| {
                // Legend and tooltips one size up: the map is read from across the room.
                ui.style_mut().override_text_style = Some(egui::TextStyle::Heading);
                self.pane_context().pane_content(ui, Pane::Map);
            });
    }

    /// What a pane draws with, when nothing else of the app is borrowed.
    fn pane_context(&mut self) -> panes::PaneContext<'_> {
        panes::PaneContext {
            state: &mut self.state,
            geometry: self.geometry.as_ref(),
            base: self.base_map.as_mut(),
            view: &mut self.view,
            table: &mut self.table,
            commands: &mut self.commands,
        }
    }

    /// "Quelle: …; Stand: …" of the shown indicator.
    fn caption(&self) -> String {
        let w = &self.state;
        let Some(meta) = w.indicator_info() else {
            return String::new();
        };
        let period = w.choice.period.clone().unwrap_or_default();
        let date = w
            .atlas
            .period(&period)
            .ok()
            .map(|p| quartier_core::numbers::date_de(p.date.as_deref().unwrap_or(&p.label)))
            .unwrap_or(period);
        let source = w.atlas.indicator(&meta.key).map(|m| m.source).unwrap_or_default();
        if source.is_empty() {
            format!("Stand: {date}")
        } else {
            format!("Quelle: {source}; Stand: {date}")
        }
    }
}
