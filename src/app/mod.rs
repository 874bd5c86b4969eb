//! The desktop workbench: a menu bar, a sidebar with levels, indicators (searchable), period
//! and classification; map, table and diagram in a dockable layout ([`panes`]), sharing one
//! selection; dialogs for the analyses, which run off the UI thread ([`jobs`]). Everything
//! shown comes from the engine ([`state::Workbench`]); the panes only draw and dispatch.

mod analyses;
mod analysis_results;
mod area_report;
mod basemap;
pub mod command;
mod diagram;
mod diagram_export;
mod dialogs;
mod edit;
mod i18n;
mod import;
mod jobs;
mod manage;
pub mod map;
mod menu;
mod palette;
mod panes;
mod publish;
mod query;
mod save;
mod settings;
pub mod shell;
mod sidebar;
mod sizes;
pub mod state;
mod stories;
mod table;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use eframe::egui;
use quartier_core::analysis::status_dynamics::StatusDynamicsResult;
use quartier_core::export::protection_note;
use quartier_core::progress::ProgressFn;

use i18n::tr;
use panes::Pane;
use state::{MapLayer, Mode};

pub use menu::SHORTCUTS;

/// Opens the app as `quartier` without arguments does: on the atlas opened last, or on the
/// sample atlas (built on first run). An atlas that no longer opens leaves the start page
/// with the reason.
pub fn run_last_or_sample() -> Result<()> {
    let mut shell = shell::Shell::new(crate::paths::data_dir(), true);
    match shell.recent.last_existing().map(Path::to_path_buf) {
        Some(last) => {
            if let Err(e) = shell.open_atlas(&last) {
                shell.error = Some(format!("{e:#}"));
            }
        }
        None => {
            let path = crate::paths::sample_atlas_path();
            if !path.exists() {
                let dir = crate::paths::sample_data_dir().context(
                    "Die Quellen des Beispielatlas (sample_data/) wurden nicht gefunden; QUARTIER_SAMPLE_DATA setzen",
                )?;
                eprintln!("Beispielatlas wird beim ersten Start gebaut: {}", path.display());
                let progress = ProgressFn {
                    callback: |f: f32, s: &str| eprintln!("[{:>3} %] {s}", (f * 100.0) as i32),
                    cancel: None,
                };
                quartier_core::sample::build_sample_atlas(&dir, &path, false, &progress)?;
            }
            shell.open_atlas(&path)?;
        }
    }
    run_shell(shell)
}

/// Opens the app on an atlas file (`quartier open FILE [--present STORY]`); an atlas or a
/// story that does not open is an error of the command.
pub fn run(path: PathBuf, present: Option<String>) -> Result<()> {
    let mut shell = shell::Shell::new(crate::paths::data_dir(), true);
    shell.open_atlas(&path)?;
    if let (Some(story), Some(app)) = (present, shell.app.as_mut()) {
        app.state.atlas.story(&story)?;
        app.commands.push(command::Command::Present(story));
    }
    run_shell(shell)
}

fn run_shell(shell: shell::Shell) -> Result<()> {
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title("Quartier")
            .with_icon(window_icon()),
        ..Default::default()
    };
    eframe::run_native("Quartier", options, Box::new(|_cc| Ok(Box::new(shell))))
        .map_err(|e| anyhow!("Das Fenster konnte nicht geöffnet werden: {e}"))
}

/// The window icon, `assets/icon.png` (a small choropleth with one hot spot).
fn window_icon() -> egui::IconData {
    eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")).unwrap_or_default()
}

/// DejaVu Sans behind egui's default font, for the characters it lacks (arrows, Σ, ≤, the
/// triangles of sort orders): otherwise engine texts such as "Σ ew_u6 / Σ ew" would show
/// boxes. The same font will be embedded in PDF reports. Licence: assets/fonts/DejaVu-LICENSE.txt.
fn install_fallback_font(ctx: &egui::Context) {
    use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};
    ctx.add_font(FontInsert {
        name: "DejaVuSans".to_string(),
        data: egui::FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans.ttf")),
        families: [egui::FontFamily::Proportional, egui::FontFamily::Monospace]
            .into_iter()
            .map(|family| InsertFontFamily {
                family,
                priority: FontPriority::Lowest,
            })
            .collect(),
    });
    ctx.add_font(FontInsert {
        name: "DejaVuSansBold".to_string(),
        data: egui::FontData::from_static(include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf")),
        families: vec![InsertFontFamily {
            family: egui::FontFamily::Name(stories::BOLD.into()),
            priority: FontPriority::Highest,
        }],
    });
}

/// The eframe application.
pub struct QuartierApp {
    state: state::Workbench,
    /// Triangulated areas of the shown level, rebuilt only when the level changes.
    geometry: Option<map::MapGeometry>,
    view: map::View,
    table: table::TableView,
    /// The expert layout (remembered per atlas).
    layout: egui_tiles::Tree<Pane>,
    /// The simple mode's layout: map and table.
    simple_layout: egui_tiles::Tree<Pane>,
    /// A pane shown alone.
    maximised: Option<Pane>,
    status_dialog: dialogs::StatusDialog,
    group_dialog: dialogs::GroupDialog,
    about_open: bool,
    /// The running analysis.
    job: Option<jobs::Job<StatusDynamicsResult>>,
    import_dialog: import::ImportDialog,
    analyses: analyses::Analyses,
    /// The running index, suppression, aggregation or distance run.
    analysis_job: Option<jobs::Job<analyses::AnalysisOutput>>,
    history: edit::History,
    value_dialog: edit::ValueDialog,
    metadata_dialog: edit::MetadataDialog,
    area_text_dialog: edit::AreaTextDialog,
    /// The running dry run or import.
    import_job: Option<jobs::Job<import::ImportOutcome>>,
    /// The level whose map geometry is being built off the UI thread.
    geometry_job: Option<(String, jobs::Job<map::LevelShapes>)>,
    /// *Atlas verwalten* and its running deletion.
    manage_dialog: manage::ManageDialog,
    properties_dialog: manage::PropertiesDialog,
    manage_job: Option<jobs::Job<quartier_core::store::Removal>>,
    report_job: Option<jobs::Job<quartier_core::report::profiles::ProfilesSummary>>,
    /// Where the view of this atlas is remembered; `None` in tests.
    settings_path: Option<PathBuf>,
    /// Move the keyboard focus to the indicator search next frame.
    focus_search: bool,
    /// The fallback font is added on the first frame.
    fonts_installed: bool,
    /// The settings as last written, and when that was checked (seconds of UI time).
    settings_written: Option<String>,
    settings_checked: f64,
    /// The base map's settings and, when one is chosen, the opened source.
    base_settings: basemap::BaseMapSettings,
    base_map: Option<basemap::BaseMap>,
    settings_dialog: dialogs::SettingsDialog,
    save_dialog: save::SaveDialog,
    area_report: area_report::AreaReportWindow,
    /// *Lesezeichen speichern* and *Lesezeichen und Storys*.
    bookmark_dialog: stories::BookmarkDialog,
    stories_window: stories::StoriesWindow,
    /// The story being presented, and the view to go back to afterwards.
    presentation: Option<stories::Presentation>,
    before_presentation: Option<quartier_core::store::BookmarkView>,
    /// The running handout of a story.
    story_job: Option<jobs::Job<quartier_core::story::StoryExport>>,
    /// *Veröffentlichen* and the bundle being written.
    publish_window: publish::PublishWindow,
    publish_job: Option<jobs::Job<quartier_core::publish::BundleSummary>>,
    /// The interface in English.
    english: bool,
    /// What the user asked for this frame, carried out after it ([`command`]).
    commands: Vec<command::Command>,
    /// Requests for the shell (new, open, close atlas), taken after each frame.
    pub atlas_requests: Vec<shell::AtlasRequest>,
    /// The atlases opened last, for *Datei → Zuletzt geöffnet* (set by the shell).
    pub recent: Vec<PathBuf>,
    /// When the atlas file was last checked for changes by another process (UI time, s).
    changes_checked: f64,
}

impl QuartierApp {
    /// The app on a state, with the view remembered at `settings_path` (if any).
    pub fn new(mut state: state::Workbench, settings_path: Option<PathBuf>) -> Self {
        let remembered = match settings_path.as_deref().map(settings::load) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                state.session.error = Some(format!("{e:#}"));
                settings::AtlasSettings::default()
            }
            None => settings::AtlasSettings::default(),
        };
        let mode = remembered.view.mode;
        state.view = remembered.view;
        state.set_mode(mode);
        let english = remembered.english;
        QuartierApp {
            state,
            geometry: None,
            view: map::View::default(),
            table: table::TableView::default(),
            layout: remembered.layout.unwrap_or_else(panes::default_layout),
            simple_layout: panes::simple_layout(),
            maximised: None,
            status_dialog: dialogs::StatusDialog::default(),
            group_dialog: dialogs::GroupDialog::default(),
            about_open: false,
            job: None,
            import_dialog: import::ImportDialog::default(),
            analyses: analyses::Analyses::default(),
            analysis_job: None,
            history: edit::History::default(),
            value_dialog: edit::ValueDialog::default(),
            metadata_dialog: edit::MetadataDialog::default(),
            area_text_dialog: edit::AreaTextDialog::default(),
            import_job: None,
            geometry_job: None,
            manage_dialog: manage::ManageDialog::default(),
            properties_dialog: manage::PropertiesDialog::default(),
            manage_job: None,
            report_job: None,
            settings_path,
            focus_search: false,
            fonts_installed: false,
            settings_written: None,
            settings_checked: 0.0,
            base_settings: remembered.base_map,
            base_map: None,
            settings_dialog: dialogs::SettingsDialog::default(),
            save_dialog: save::SaveDialog::default(),
            area_report: area_report::AreaReportWindow::default(),
            bookmark_dialog: stories::BookmarkDialog::default(),
            stories_window: stories::StoriesWindow::default(),
            presentation: None,
            before_presentation: None,
            story_job: None,
            publish_window: publish::PublishWindow::default(),
            publish_job: None,
            english,
            commands: Vec::new(),
            atlas_requests: Vec::new(),
            recent: Vec::new(),
            changes_checked: 0.0,
        }
    }

    /// Opens the base map of the settings (on the first frame, when the context exists, and
    /// after the settings change). A source that fails leaves the plain background and says why.
    fn open_base_map(&mut self, ctx: &egui::Context) -> Result<()> {
        self.base_map = None;
        let cache = crate::paths::data_dir().join("kachelcache");
        self.base_map = basemap::BaseMap::open(&self.base_settings, ctx, &cache)?;
        Ok(())
    }

    /// Stores the view of this atlas.
    /// Writes the view of this atlas when it changed since the last write (called every few
    /// seconds and on exit, so that a crash loses little).
    fn save_settings(&mut self) {
        let Some(path) = &self.settings_path else { return };
        let remembered = settings::AtlasSettings {
            layout: Some(self.layout.clone()),
            view: self.state.view.clone(),
            base_map: self.base_settings.clone(),
            english: self.english,
        };
        let text = serde_json::to_string(&remembered).unwrap_or_default();
        if self.settings_written.as_deref() == Some(text.as_str()) {
            return;
        }
        match settings::save(path, &remembered) {
            Ok(()) => self.settings_written = Some(text),
            Err(e) => self.state.session.error = Some(format!("{e:#}")),
        }
    }

    /// The whole window, for eframe and for the tests.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if !self.fonts_installed {
            install_fallback_font(&ctx);
            self.fonts_installed = true;
        }
        // Simple mode: bigger controls throughout.
        // Simple mode and the presentation: bigger controls and type throughout (the legend
        // is read from the back of the room).
        let zoom = if self.state.view.mode == Mode::Simple || self.presentation.is_some() {
            1.25
        } else {
            1.0
        };
        if ctx.zoom_factor() != zoom {
            ctx.set_zoom_factor(zoom);
        }
        self.state.selection.begin_frame();
        let now = ctx.input(|i| i.time);
        if now - self.settings_checked > 10.0 {
            self.settings_checked = now;
            self.save_settings();
        }
        i18n::set_english(self.english);
        if ctx.cumulative_frame_nr() == 0 && self.base_settings.source != basemap::BaseMapSource::None {
            if let Err(e) = self.open_base_map(&ctx) {
                self.state.session.error = Some(format!("Hintergrundkarte: {e:#}"));
            }
        }
        self.poll_job();
        self.poll_analysis();
        self.poll_import();
        self.poll_deletion();
        self.poll_report();
        self.poll_history(&ctx);
        self.poll_story_export();
        self.poll_publish();
        if now - self.changes_checked > 0.5 {
            self.changes_checked = now;
            self.notice_outside_changes();
        }
        if self.presentation.is_some() {
            self.geometry_for_level(&ctx);
            self.state.prepare_diagram();
            self.presentation_keys(&ctx);
            self.presentation_ui(ui);
            self.dialogs_ui(&ctx);
            return;
        }
        let pressed = menu::shortcuts(&ctx);
        self.commands.extend(pressed);
        egui::Panel::top("menue").show(ui, |ui| self.menu_ui(ui));
        egui::Panel::bottom("statusleiste").show(ui, |ui| self.status_bar_ui(ui));
        if self.state.info.levels.is_empty() {
            self.first_steps_ui(ui);
            self.dialogs_ui(&ctx);
            return;
        }
        let simple = self.state.view.mode == Mode::Simple;
        egui::Panel::left("atlasbaum")
            .default_size(if simple { 330.0 } else { 300.0 })
            .show(ui, |ui| self.sidebar_ui(ui));
        self.geometry_for_level(&ctx);
        self.state.prepare_diagram();
        egui::CentralPanel::default().show(ui, |ui| {
            let mut context = panes::PaneContext {
                state: &mut self.state,
                geometry: self.geometry.as_ref(),
                base: self.base_map.as_mut(),
                view: &mut self.view,
                table: &mut self.table,
                commands: &mut self.commands,
            };
            match self.maximised {
                Some(pane) => {
                    ui.horizontal(|ui| {
                        ui.strong(pane.title());
                        if ui.button(tr("Aufteilung wiederherstellen")).clicked() {
                            context.commands.push(command::Command::Maximise(None));
                        }
                    });
                    context.pane_content(ui, pane);
                }
                None => {
                    let tree = if simple {
                        &mut self.simple_layout
                    } else {
                        &mut self.layout
                    };
                    tree.ui(&mut context, ui);
                }
            }
        });
        if let Some(pinned) = self.state.session.poi_card.clone() {
            let mut open = true;
            let layout = self.state.view.poi_cards.get(&pinned.category).cloned();
            let mut changed = None;
            egui::Window::new(format!("{} – {}", tr("Einrichtung"), pinned.category))
                .open(&mut open)
                .collapsible(false)
                .resizable(false)
                .show(&ctx, |ui| {
                    map::poi_card_ui(ui, &pinned.poi, layout.as_deref());
                    changed = map::poi_card_layout_ui(ui, &pinned, layout.as_deref());
                });
            if let Some(fields) = changed {
                self.commands.push(command::Command::SetPoiCardLayout {
                    category: pinned.category.clone(),
                    fields,
                });
            }
            if !open {
                self.commands.push(command::Command::ShowPoiCard(None));
            }
        }
        self.dialogs_ui(&ctx);
    }

    /// The dialogs and job windows, then the commands of this frame.
    fn dialogs_ui(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        if let Some(request) = self.status_dialog.ui(&ctx, &self.state) {
            self.commands
                .push(command::Command::Run(command::Work::StatusDynamics(request)));
        }
        self.group_dialog.ui(&ctx, &mut self.state);
        if let Some(chosen) = self.settings_dialog.ui(&ctx) {
            self.english = self.settings_dialog.english;
            let previous = std::mem::replace(&mut self.base_settings, chosen);
            match self.open_base_map(&ctx) {
                Ok(()) => self.settings_dialog.open = false,
                Err(e) => {
                    self.settings_dialog.message = Some(format!("{e:#}"));
                    self.base_settings = previous;
                    let _ = self.open_base_map(&ctx);
                }
            }
        }
        dialogs::about_ui(&ctx, &mut self.about_open);
        self.area_report.ui(&ctx, &mut self.commands);
        self.stories_window.ui(&ctx, &self.state, &mut self.commands);
        self.publish_window.ui(&ctx, &self.state, &mut self.commands);
        self.save_dialog.ui(&ctx, &mut self.state);
        if let Some(work) = self.save_dialog.work.take() {
            self.commands.push(command::Command::Run(work));
        }
        let edits = [
            self.value_dialog.ui(&ctx, &self.state),
            self.metadata_dialog.ui(&ctx),
            self.area_text_dialog.ui(&ctx),
            self.bookmark_dialog.ui(&ctx, &self.state),
        ];
        self.commands
            .extend(edits.into_iter().flatten().map(command::Command::Edit));
        if let Some(request) = self.import_dialog.ui(&ctx, &self.state) {
            self.commands
                .push(command::Command::Run(command::Work::Import(request)));
        }
        if let Some(job) = &self.job {
            job.ui(&ctx);
        }
        if let Some(job) = &self.import_job {
            job.ui(&ctx);
        }
        if let Some(command) = self.manage_dialog.ui(&ctx, &self.state) {
            self.commands.push(command);
        }
        if let Some(command) = self.properties_dialog.ui(&ctx) {
            self.commands.push(command);
        }
        if let Some(job) = &self.manage_job {
            job.ui(&ctx);
        }
        if let Some(job) = &self.report_job {
            job.ui(&ctx);
        }
        if let Some(job) = &self.story_job {
            job.ui(&ctx);
        }
        if let Some(job) = &self.publish_job {
            job.ui(&ctx);
        }
        if let Some(request) = self.analyses.ui(&ctx, &self.state) {
            self.commands
                .push(command::Command::Run(command::Work::Analysis(request)));
        }
        self.analyses.result_ui(&ctx);
        self.commands.extend(sizes::review_ui(&ctx, &self.state));
        if let Some(job) = &self.analysis_job {
            job.ui(&ctx);
        }
        // The state changed after this frame was drawn: one more frame shows it. (A hover is
        // shown with the next pointer move, as before; repainting for it would never stop
        // while the pointer rests on an area.)
        let commands = std::mem::take(&mut self.commands);
        if commands.iter().any(|c| !matches!(c, command::Command::Hover(_))) {
            ctx.request_repaint();
        }
        for command in commands {
            self.apply(&ctx, command);
        }
    }

    /// An atlas without levels: what to do first, instead of empty panes.
    fn first_steps_ui(&mut self, ui: &mut egui::Ui) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.heading(format!("{} – {}", self.state.info.name, tr("ein neuer, leerer Atlas")));
                ui.add_space(12.0);
                ui.label(tr(
                    "Erster Schritt: die Gebiete einer Ebene als Geometrie importieren (GeoJSON oder Shapefile, \
                     z. B. die Stadtteile). Danach Werte zu diesen Gebieten importieren (CSV oder Excel), \
                     dann Einrichtungen.",
                ));
                ui.add_space(12.0);
                if ui.button(tr("Geometrie importieren …")).clicked() {
                    self.commands.push(command::Command::Open(command::OpenDialog::Import(
                        import::ImportKind::Geometry,
                    )));
                }
            });
        });
    }

    /// Keeps the map's geometry on the shown level: reading and projecting the outlines of a
    /// large level takes longer than a frame, so it runs as a job with its own connection and
    /// the map pane shows a spinner meanwhile.
    fn geometry_for_level(&mut self, ctx: &egui::Context) {
        let level = self.state.level_name().to_string();
        if let Some((for_level, job)) = &self.geometry_job {
            if let Some(outcome) = job.poll() {
                let for_level = for_level.clone();
                self.geometry_job = None;
                match outcome {
                    Ok(shapes) if for_level == level => {
                        self.geometry = Some(map::MapGeometry::from(shapes));
                        // A bookmark opened on another level waits for this geometry.
                        self.view = map::View {
                            pending_extent: self.view.pending_extent.take(),
                            ..map::View::default()
                        };
                    }
                    Ok(_) => {}
                    Err(e) => self.state.session.error = Some(format!("{e:#}")),
                }
            }
        }
        let shown = self.geometry.as_ref().map(|g| g.level.as_str());
        let building = self.geometry_job.as_ref().map(|(l, _)| l.as_str());
        if level.is_empty() || shown == Some(level.as_str()) || building == Some(level.as_str()) {
            return;
        }
        self.geometry = None;
        let job_level = level.clone();
        self.geometry_job = Some((
            level,
            jobs::Job::start(
                tr("Karte aufbauen"),
                self.state.atlas.path().to_path_buf(),
                ctx.clone(),
                move |atlas, _| map::LevelShapes::load(atlas, &job_level),
            ),
        ));
    }

    /// Reloads what is shown when another process changed the atlas, keeping the view and
    /// the selection; the undo history is cut there (an undo could put back a value the
    /// other process replaced). Not while a job of this app runs: its result brings its own
    /// reload.
    fn notice_outside_changes(&mut self) {
        if self.job.is_some()
            || self.analysis_job.is_some()
            || self.import_job.is_some()
            || self.manage_job.is_some()
            || self.geometry_job.is_some()
            || self.history.is_busy()
        {
            return;
        }
        match self.state.atlas.changed_elsewhere() {
            Ok(false) => {}
            Ok(true) => {
                if let Err(e) = self.state.reload() {
                    self.state.session.error = Some(format!("{e:#}"));
                }
                self.geometry = None;
                self.state.session.notice = Some(format!(
                    "{}{}",
                    tr("Der Atlas wurde von einem anderen Vorgang geändert; die Anzeige ist aktualisiert"),
                    self.cut_history()
                ));
            }
            Err(e) => self.state.session.error = Some(format!("{e:#}")),
        }
    }

    /// A job of this app wrote through its own connection: that is not another process's
    /// change (its result brings its own reload).
    fn acknowledge_own_writes(&mut self) {
        let _ = self.state.atlas.changed_elsewhere();
    }

    /// Cuts the undo history after a write outside it; the text to add to the notice.
    fn cut_history(&mut self) -> &'static str {
        if self.history.cut() {
            tr(" – frühere Änderungen lassen sich nicht mehr rückgängig machen")
        } else {
            ""
        }
    }

    /// Takes a written change, undo or redo and starts the next waiting one; the shown
    /// figures are read again.
    fn poll_history(&mut self, ctx: &egui::Context) {
        if self.history.poll(&mut self.state, ctx) {
            self.acknowledge_own_writes();
            if let Err(e) = self.state.reload() {
                self.state.session.error = Some(format!("{e:#}"));
            }
        }
    }

    /// Takes the result of the book of profiles: where it was written, or why not.
    fn poll_report(&mut self) {
        let Some(outcome) = self.report_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.report_job = None;
        let written = outcome.map(|s| {
            format!(
                "Quartiersprofile nach {} geschrieben: {} Profile, {} Seiten{}",
                s.file,
                s.profiles,
                s.pages,
                protection_note(s.intern, s.suppressed_cells)
            )
        });
        self.take_written(written, tr("Quartiersprofile abgebrochen; nichts geschrieben"));
    }

    /// Takes the result of a story's handout: where it was written, or why not.
    fn poll_story_export(&mut self) {
        let Some(outcome) = self.story_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.story_job = None;
        let written = outcome.map(|s| {
            let missing = if s.missing.is_empty() {
                String::new()
            } else {
                format!("; nicht mehr im Atlas: {}", s.missing.join("; "))
            };
            format!(
                "Story „{}“ nach {} geschrieben: {} Seiten{}{missing}",
                s.story,
                s.file,
                s.pages,
                protection_note(s.intern, s.suppressed_cells)
            )
        });
        self.take_written(written, tr("Handout abgebrochen; nichts geschrieben"));
    }

    /// Takes the result of writing the public bundle.
    fn poll_publish(&mut self) {
        let Some(outcome) = self.publish_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.publish_job = None;
        let written = outcome.map(|b| {
            format!(
                "Bündel Version {} nach {} geschrieben: {} Dateien, {} Reihen, {} Zellen geheim gehalten (k. A.)",
                b.version,
                b.dir,
                b.files,
                b.plan.series.len(),
                b.plan.series.iter().map(|s| s.suppressed_cells).sum::<usize>()
            )
        });
        self.take_written(written, tr("Veröffentlichen abgebrochen; nichts geschrieben"));
    }

    /// The notice of a job that wrote a file (what it wrote), was cancelled (nothing written)
    /// or failed (why).
    fn take_written(&mut self, outcome: Result<String>, cancelled: &str) {
        match outcome {
            Ok(notice) => self.state.session.notice = Some(notice),
            Err(e)
                if e.downcast_ref::<quartier_core::Error>()
                    .is_some_and(|e| matches!(e, quartier_core::Error::Cancelled)) =>
            {
                self.state.session.notice = Some(cancelled.to_string())
            }
            Err(e) => self.state.session.error = Some(format!("{e:#}")),
        }
    }

    /// Takes the result of a finished deletion: the atlas overview is read again.
    fn poll_deletion(&mut self) {
        let Some(outcome) = self.manage_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.manage_job = None;
        self.acknowledge_own_writes();
        match outcome {
            Ok(removal) => {
                if let Err(e) = self.state.reload() {
                    self.state.session.error = Some(format!("{e:#}"));
                }
                self.geometry = None;
                let cut = self.cut_history();
                self.state.session.notice = Some(format!("{} {}{cut}", tr("Gelöscht:"), removal.summary));
            }
            Err(e) => {
                self.manage_dialog.open = true;
                self.manage_dialog.message = Some(format!("{e:#}"));
            }
        }
    }

    /// Takes the result of a finished dry run or import; after an import the atlas overview,
    /// the POI layers and the shown figures are read again.
    fn poll_import(&mut self) {
        let Some(outcome) = self.import_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.import_job = None;
        self.acknowledge_own_writes();
        let written = matches!(outcome, Ok(import::ImportOutcome::Done { written: true, .. }));
        self.import_dialog.finished(outcome);
        if written {
            if let Err(e) = self.state.reload() {
                self.state.session.error = Some(format!("{e:#}"));
            }
            self.geometry = None;
            let cut = self.cut_history();
            self.state.session.notice = Some(format!("{}{cut}", tr("Import abgeschlossen")));
        }
    }

    /// Takes the result of a finished analysis; saved results are read into the overview and
    /// the first one is shown (an aggregate on its coarser level).
    fn poll_analysis(&mut self) {
        let Some(outcome) = self.analysis_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.analysis_job = None;
        self.acknowledge_own_writes();
        match outcome {
            Ok(analyses::AnalysisOutput::SizeCheck(check)) => {
                self.analyses.dialog = analyses::Dialog::Closed;
                self.state.show_sizes(state::SizesShown {
                    check: Some(check),
                    ..Default::default()
                });
            }
            Ok(analyses::AnalysisOutput::Regionalisation(proposal)) => {
                self.analyses.dialog = analyses::Dialog::Closed;
                // The check of the same level stays, for the list of small areas.
                let check = self
                    .state
                    .shown
                    .sizes
                    .take()
                    .and_then(|s| s.check)
                    .filter(|c| c.level == proposal.level);
                self.state.show_sizes(state::SizesShown {
                    check,
                    proposal: Some(proposal),
                    earlier: Vec::new(),
                });
            }
            Ok(analyses::AnalysisOutput::RegionsSaved(saved)) => {
                if let Err(e) = self.state.reload() {
                    self.state.session.error = Some(format!("{e:#}"));
                }
                self.state.shown.sizes = None;
                self.state.choice.layer = MapLayer::Choropleth;
                if let Some(i) = self.state.info.levels.iter().position(|l| l.name == saved.new_level) {
                    self.state.choose_level(i);
                }
                let cut = self.cut_history();
                self.state.session.notice = Some(format!("{} „{}“{cut}", tr("Ebene gespeichert:"), saved.new_level));
                self.analyses.result = Some(analyses::AnalysisOutput::RegionsSaved(saved));
            }
            Ok(output) => {
                if let Some(first) = output.saved().first().cloned() {
                    let shown_on = match &output {
                        analyses::AnalysisOutput::Aggregation(a) => Some(a.to_level.clone()),
                        analyses::AnalysisOutput::Crosswalk(c) => Some(c.to_level.clone()),
                        _ => None,
                    };
                    if let Some(level) = shown_on {
                        if let Some(i) = self.state.info.levels.iter().position(|l| l.name == level) {
                            self.state.choice.level = i;
                        }
                    }
                    if let Err(e) = self.state.reload() {
                        self.state.session.error = Some(format!("{e:#}"));
                    }
                    self.state.choose_indicator(&first);
                    self.state.choice.layer = MapLayer::Choropleth;
                    let cut = self.cut_history();
                    if !cut.is_empty() {
                        self.state.session.notice = Some(format!("{}{cut}", tr("Ergebnis gespeichert")));
                    }
                }
                self.analyses.dialog = analyses::Dialog::Closed;
                self.analyses.result = Some(output);
            }
            Err(e) => {
                let cancelled = e
                    .downcast_ref::<quartier_core::Error>()
                    .is_some_and(|c| matches!(c, quartier_core::Error::Cancelled));
                self.analyses.message = Some(if cancelled {
                    "Abgebrochen".to_string()
                } else {
                    format!("{e:#}")
                });
                self.analyses.dialog = self.analyses.last;
            }
        }
    }

    /// Takes the result of a finished job.
    fn poll_job(&mut self) {
        let Some(outcome) = self.job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.job = None;
        self.acknowledge_own_writes();
        match outcome {
            Ok(result) => {
                if !result.saved.is_empty() {
                    if let Ok(info) = quartier_core::info::atlas_info(&self.state.atlas) {
                        self.state.info = info;
                    }
                    let cut = self.cut_history();
                    if !cut.is_empty() {
                        self.state.session.notice = Some(format!("{}{cut}", tr("Ergebnis gespeichert")));
                    }
                }
                self.state.show_status_dynamics(result);
            }
            Err(e) => {
                let cancelled = e
                    .downcast_ref::<quartier_core::Error>()
                    .is_some_and(|c| matches!(c, quartier_core::Error::Cancelled));
                self.status_dialog.message = Some(if cancelled {
                    "Abgebrochen".to_string()
                } else {
                    format!("{e:#}")
                });
                self.status_dialog.open = true;
            }
        }
    }
}
