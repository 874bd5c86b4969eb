//! The desktop workbench: a menu bar, a sidebar with levels, indicators (searchable), period
//! and classification; map, table and diagram in a dockable layout ([`panes`]), sharing one
//! selection; dialogs for the analyses, which run off the UI thread ([`jobs`]). Everything
//! shown comes from the engine ([`state::Workbench`]); the panes only draw and dispatch.

mod analyses;
mod basemap;
mod diagram;
mod diagram_export;
mod dialogs;
mod edit;
mod i18n;
mod import;
mod jobs;
pub mod map;
mod palette;
mod panes;
mod save;
mod settings;
pub mod state;
mod table;
#[cfg(test)]
mod tests;

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use eframe::egui;
use quartier_core::analysis::status_dynamics::StatusDynamicsResult;
use quartier_core::progress::ProgressFn;
use quartier_core::Atlas;

use i18n::tr;
use panes::Pane;
use state::{MapLayer, Mode};

/// The keyboard shortcuts, as the about dialog lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Strg+F", "Indikator suchen"),
    ("Strg+E", "Einfache Ansicht / Expertenansicht"),
    ("Strg+D", "Status und Dynamik …"),
    ("Strg+G", "Auswahl als Gruppe speichern"),
    ("Strg+C", "Tabellenzeilen (Auswahl oder alle gezeigten) kopieren"),
    ("Strg+Z / Strg+Y", "Rückgängig / Wiederholen"),
    ("Bild auf / Bild ab", "Zeitraum vor / zurück"),
    ("F11", "Bereich maximieren / Aufteilung wiederherstellen"),
    ("Esc", "Auswahl aufheben"),
    ("F1", "Über Quartier"),
];

/// Opens the app on the sample atlas, building it on first run.
pub fn run_with_sample() -> Result<()> {
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
    run(path)
}

/// Opens the app on an atlas file.
pub fn run(path: PathBuf) -> Result<()> {
    let atlas = Atlas::open(&path).with_context(|| format!("Atlas {} öffnen", path.display()))?;
    let settings_path = settings::settings_path(&crate::paths::data_dir(), &path);
    let app = QuartierApp::new(state::Workbench::new(atlas)?, Some(settings_path));
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title(format!("Quartier – {}", app.state.info.name))
            .with_icon(window_icon()),
        ..Default::default()
    };
    eframe::run_native("Quartier", options, Box::new(|_cc| Ok(Box::new(app))))
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
    /// The running dry run or import.
    import_job: Option<jobs::Job<import::ImportOutcome>>,
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
    /// The interface in English.
    english: bool,
}

impl QuartierApp {
    /// The app on a state, with the view remembered at `settings_path` (if any).
    pub fn new(mut state: state::Workbench, settings_path: Option<PathBuf>) -> Self {
        let remembered = match settings_path.as_deref().map(settings::load) {
            Some(Ok(s)) => s,
            Some(Err(e)) => {
                state.error = Some(format!("{e:#}"));
                settings::AtlasSettings::default()
            }
            None => settings::AtlasSettings::default(),
        };
        state.simple_indicators = remembered.simple_indicators;
        state.groups = remembered.groups;
        state.diagram = remembered.diagram;
        state.set_mode(remembered.mode);
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
            import_job: None,
            settings_path,
            focus_search: false,
            fonts_installed: false,
            settings_written: None,
            settings_checked: 0.0,
            base_settings: remembered.base_map,
            base_map: None,
            settings_dialog: dialogs::SettingsDialog::default(),
            save_dialog: save::SaveDialog::default(),
            english,
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
            mode: self.state.mode,
            diagram: self.state.diagram,
            simple_indicators: self.state.simple_indicators.clone(),
            groups: self.state.groups.clone(),
            base_map: self.base_settings.clone(),
            english: self.english,
        };
        let text = serde_json::to_string(&remembered).unwrap_or_default();
        if self.settings_written.as_deref() == Some(text.as_str()) {
            return;
        }
        match settings::save(path, &remembered) {
            Ok(()) => self.settings_written = Some(text),
            Err(e) => self.state.error = Some(format!("{e:#}")),
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
        let zoom = if self.state.mode == Mode::Simple { 1.25 } else { 1.0 };
        if ctx.zoom_factor() != zoom {
            ctx.set_zoom_factor(zoom);
        }
        self.state.begin_frame();
        let now = ctx.input(|i| i.time);
        if now - self.settings_checked > 10.0 {
            self.settings_checked = now;
            self.save_settings();
        }
        i18n::set_english(self.english);
        if let Some(message) = self.state.export_status.lock().ok().and_then(|mut m| m.take()) {
            self.state.notice = Some(message);
        }
        if ctx.cumulative_frame_nr() == 0 && self.base_settings.source != basemap::BaseMapSource::None {
            if let Err(e) = self.open_base_map(&ctx) {
                self.state.error = Some(format!("Hintergrundkarte: {e:#}"));
            }
        }
        self.shortcuts(&ctx);
        self.poll_job();
        self.poll_analysis();
        self.poll_import();
        egui::Panel::top("menue").show(ui, |ui| self.menu_ui(ui));
        egui::Panel::bottom("statusleiste").show(ui, |ui| self.status_bar_ui(ui));
        let simple = self.state.mode == Mode::Simple;
        egui::Panel::left("atlasbaum")
            .default_size(if simple { 330.0 } else { 300.0 })
            .show(ui, |ui| self.sidebar_ui(ui));
        let level = self.state.level_name().to_string();
        if self.geometry.as_ref().map(|g| g.level.as_str()) != Some(level.as_str()) {
            match map::MapGeometry::build(&self.state.atlas, &level) {
                Ok(g) => self.geometry = Some(g),
                Err(e) => self.state.error = Some(e.to_string()),
            }
            self.view = map::View::default();
        }
        egui::CentralPanel::default().show(ui, |ui| {
            let mut context = panes::PaneContext {
                state: &mut self.state,
                geometry: self.geometry.as_ref(),
                base: self.base_map.as_mut(),
                view: &mut self.view,
                table: &mut self.table,
                maximise: None,
            };
            match self.maximised {
                Some(pane) => {
                    ui.horizontal(|ui| {
                        ui.strong(pane.title());
                        if ui.button(tr("Aufteilung wiederherstellen")).clicked() {
                            self.maximised = None;
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
                    if context.maximise.is_some() {
                        self.maximised = context.maximise;
                    }
                }
            }
        });
        if let Some(poi) = self.state.poi_card.clone() {
            let mut open = true;
            egui::Window::new(tr("Einrichtung"))
                .open(&mut open)
                .collapsible(false)
                .resizable(false)
                .show(&ctx, |ui| map::poi_card_ui(ui, &poi));
            if !open {
                self.state.poi_card = None;
            }
        }
        if let Some(job) = self.status_dialog.ui(&ctx, &self.state) {
            self.job = Some(job);
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
        if let Some(kind) = self.state.export_request.take() {
            self.save_dialog.open_for(kind, &self.state);
        }
        self.save_dialog.ui(&ctx, &mut self.state);
        if let Some(area) = self.table.edit_value.take() {
            self.value_dialog.open_for(&self.state, &area);
        }
        let edits = [self.value_dialog.ui(&ctx, &self.state), self.metadata_dialog.ui(&ctx)];
        for edit in edits.into_iter().flatten() {
            if let Err(e) = self.history.apply(&mut self.state, edit) {
                self.state.error = Some(e.to_string());
            }
        }
        if let Some(job) = self.import_dialog.ui(&ctx, &self.state) {
            self.import_job = Some(job);
        }
        if let Some(job) = &self.job {
            job.ui(&ctx);
        }
        if let Some(job) = &self.import_job {
            job.ui(&ctx);
        }
        if let Some(job) = self.analyses.ui(&ctx, &self.state) {
            self.analysis_job = Some(job);
        }
        self.analyses.result_ui(&ctx);
        if let Some(job) = &self.analysis_job {
            job.ui(&ctx);
        }
    }

    /// Takes the result of a finished dry run or import; after an import the atlas overview,
    /// the POI layers and the shown figures are read again.
    fn poll_import(&mut self) {
        let Some(outcome) = self.import_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.import_job = None;
        let written = matches!(outcome, Ok(import::ImportOutcome::Done { written: true, .. }));
        self.import_dialog.finished(outcome);
        if written {
            if let Err(e) = self.state.reload() {
                self.state.error = Some(format!("{e:#}"));
            }
            self.geometry = None;
            self.state.notice = Some("Import abgeschlossen".to_string());
        }
    }

    /// Takes the result of a finished analysis; saved results are read into the overview and
    /// the first one is shown (an aggregate on its coarser level).
    fn poll_analysis(&mut self) {
        let Some(outcome) = self.analysis_job.as_ref().and_then(|j| j.poll()) else {
            return;
        };
        self.analysis_job = None;
        match outcome {
            Ok(output) => {
                if let Some(first) = output.saved().first().cloned() {
                    if let analyses::AnalysisOutput::Aggregation(a) = &output {
                        if let Some(i) = self.state.info.levels.iter().position(|l| l.name == a.to_level) {
                            self.state.level = i;
                        }
                    }
                    if let Err(e) = self.state.reload() {
                        self.state.error = Some(format!("{e:#}"));
                    }
                    self.state.choose_indicator(&first);
                    self.state.layer = MapLayer::Choropleth;
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
        match outcome {
            Ok(result) => {
                if !result.saved.is_empty() {
                    if let Ok(info) = quartier_core::info::atlas_info(&self.state.atlas) {
                        self.state.info = info;
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

    fn shortcuts(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let pressed = |m: Modifiers, k: Key| ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, k)));
        if pressed(Modifiers::COMMAND, Key::F) {
            self.focus_search = true;
        }
        if pressed(Modifiers::COMMAND, Key::E) {
            self.toggle_mode();
        }
        if pressed(Modifiers::COMMAND, Key::D) {
            self.status_dialog.open_for(&self.state);
        }
        if pressed(Modifiers::COMMAND, Key::G) {
            self.group_dialog.open = !self.state.selection.is_empty();
        }
        // In a text field, Strg+Z belongs to the field.
        let typing = ctx.egui_wants_keyboard_input();
        if !typing && (pressed(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z) || pressed(Modifiers::COMMAND, Key::Y)) {
            self.history.redo(&mut self.state);
        }
        if !typing && pressed(Modifiers::COMMAND, Key::Z) {
            self.history.undo(&mut self.state);
        }
        if pressed(Modifiers::NONE, Key::F1) {
            self.about_open = true;
        }
        if pressed(Modifiers::NONE, Key::F11) {
            self.maximised = match self.maximised {
                Some(_) => None,
                None => Some(Pane::Map),
            };
        }
        let copy = ctx.input(|i| i.events.contains(&egui::Event::Copy)) && ctx.memory(|m| m.focused().is_none());
        if copy {
            table::copy_rows(ctx, &mut self.state, &self.table);
        }
        if pressed(Modifiers::NONE, Key::Escape) {
            self.state.selection.clear();
        }
        let step = if pressed(Modifiers::NONE, Key::PageUp) {
            1
        } else if pressed(Modifiers::NONE, Key::PageDown) {
            -1
        } else {
            0
        };
        if step != 0 {
            let periods = self.state.periods();
            let now = self
                .state
                .period
                .as_ref()
                .and_then(|p| periods.iter().position(|x| x == p));
            if let Some(i) = now {
                let next = (i as i64 + step).clamp(0, periods.len() as i64 - 1) as usize;
                let label = periods[next].clone();
                self.state.choose_period(&label);
            }
        }
    }

    fn toggle_mode(&mut self) {
        let mode = match self.state.mode {
            Mode::Expert => Mode::Simple,
            Mode::Simple => Mode::Expert,
        };
        self.state.set_mode(mode);
        self.maximised = None;
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(tr("Datei"), |ui| {
                for kind in [
                    import::ImportKind::Geometry,
                    import::ImportKind::Values,
                    import::ImportKind::Pois,
                ] {
                    let label = match kind {
                        import::ImportKind::Geometry => tr("Geometrie importieren …"),
                        import::ImportKind::Values => tr("Werte importieren …"),
                        import::ImportKind::Pois => tr("Einrichtungen importieren …"),
                    };
                    if ui.button(label).clicked() {
                        self.import_dialog.open_for(kind, &self.state);
                    }
                }
                ui.separator();
                if ui.button(tr("Einstellungen …")).clicked() {
                    self.settings_dialog.open_with(&self.base_settings, self.english);
                }
                if ui.button(tr("Beenden")).clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button(tr("Bearbeiten"), |ui| {
                let undo = self.history.next_undo().map(|e| e.describe());
                if ui
                    .add_enabled(
                        undo.is_some(),
                        egui::Button::new(tr("Rückgängig")).shortcut_text("Strg+Z"),
                    )
                    .on_hover_text(undo.unwrap_or_default())
                    .clicked()
                {
                    self.history.undo(&mut self.state);
                }
                let redo = self.history.next_redo().map(|e| e.describe());
                if ui
                    .add_enabled(
                        redo.is_some(),
                        egui::Button::new(tr("Wiederholen")).shortcut_text("Strg+Y"),
                    )
                    .on_hover_text(redo.unwrap_or_default())
                    .clicked()
                {
                    self.history.redo(&mut self.state);
                }
                ui.separator();
                if ui
                    .add_enabled(
                        self.state.indicator.is_some(),
                        egui::Button::new(tr("Indikator bearbeiten …")),
                    )
                    .clicked()
                {
                    if let Some(key) = self.state.indicator.clone() {
                        self.metadata_dialog.open_for(&self.state, &key);
                    }
                }
            });
            ui.menu_button(tr("Analyse"), |ui| {
                if ui.button(tr("Status und Dynamik …")).clicked() {
                    self.status_dialog.open_for(&self.state);
                }
                for (dialog, label) in [
                    (analyses::Dialog::Index, tr("Zusammengesetzter Index …")),
                    (analyses::Dialog::Suppression, tr("Geheimhaltung prüfen …")),
                    (analyses::Dialog::Aggregation, tr("Auf gröbere Ebene zusammenfassen …")),
                    (analyses::Dialog::Distance, tr("Entfernung zu Einrichtungen …")),
                ] {
                    if ui.button(label).clicked() {
                        self.analyses.open(dialog, &self.state);
                    }
                }
                ui.separator();
                let has_result = self.state.status_dynamics.is_some();
                ui.radio_value(
                    &mut self.state.layer,
                    MapLayer::Choropleth,
                    tr("Karte: gewählter Indikator"),
                );
                ui.add_enabled_ui(has_result, |ui| {
                    ui.radio_value(
                        &mut self.state.layer,
                        MapLayer::StatusDynamics,
                        tr("Karte: Status/Dynamik"),
                    );
                });
            });
            ui.menu_button(tr("Auswahl"), |ui| {
                if ui.button(tr("Auswahl aufheben")).clicked() {
                    self.state.selection.clear();
                }
                if ui
                    .add_enabled(
                        !self.state.selection.is_empty(),
                        egui::Button::new(tr("Als Gruppe speichern …")),
                    )
                    .clicked()
                {
                    self.group_dialog.open = true;
                }
                if !self.state.groups.is_empty() {
                    ui.separator();
                    let names: Vec<String> = self.state.groups.iter().map(|g| g.name.clone()).collect();
                    for name in names {
                        if ui.button(format!("Gruppe „{name}“")).clicked() {
                            self.state.select_group(&name);
                        }
                    }
                }
            });
            ui.menu_button(tr("Ansicht"), |ui| {
                for pane in Pane::ALL {
                    let mut open = panes::is_open(&self.layout, pane);
                    if ui.checkbox(&mut open, pane.title()).changed() {
                        if open {
                            panes::reopen(&mut self.layout, pane);
                        } else if let Some(tile) = self.layout.tiles.find_pane(&pane) {
                            self.layout.remove_recursively(tile);
                        }
                    }
                }
                ui.separator();
                if ui.button(tr("Aufteilung zurücksetzen")).clicked() {
                    self.layout = panes::default_layout();
                    self.maximised = None;
                }
            });
            ui.menu_button(tr("Hilfe"), |ui| {
                if ui.button(tr("Über Quartier")).clicked() {
                    self.about_open = true;
                }
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let mut mode = self.state.mode;
                ui.selectable_value(&mut mode, Mode::Expert, tr("Experte"))
                    .on_hover_text(tr("Alle Indikatoren, Diagramme und Analysen (Strg+E)"));
                ui.selectable_value(&mut mode, Mode::Simple, tr("Einfach"))
                    .on_hover_text(tr("Ausgewählte Indikatoren, Karte und Tabelle (Strg+E)"));
                if mode != self.state.mode {
                    self.state.set_mode(mode);
                    self.maximised = None;
                }
            });
        });
    }

    fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        let w = &self.state;
        ui.horizontal(|ui| {
            ui.label(format!("{}: {}", tr("Atlas"), w.info.name));
            ui.separator();
            ui.label(format!("{}: {}", tr("Ebene"), w.level_name()));
            ui.separator();
            ui.label(format!("{}: {}", tr("Zeitraum"), w.period.as_deref().unwrap_or("–")));
            ui.separator();
            ui.label(format!("{}: {} {}", tr("Auswahl"), w.selection.len(), tr("Gebiete")));
            if let Some(e) = &w.error {
                ui.separator();
                ui.colored_label(egui::Color32::from_rgb(220, 60, 60), e);
            } else if let Some(n) = &w.notice {
                ui.separator();
                ui.label(n);
            }
        });
    }

    /// The sidebar: levels, indicators with search, period, classification.
    fn sidebar_ui(&mut self, ui: &mut egui::Ui) {
        let w = &mut self.state;
        ui.heading(&w.info.name);
        ui.separator();
        ui.strong(tr("Ebene"));
        let mut level = None;
        for (i, l) in w.info.levels.iter().enumerate() {
            if ui
                .selectable_label(w.level == i, format!("{} ({})", l.name, l.areas))
                .clicked()
            {
                level = Some(i);
            }
        }
        if let Some(i) = level {
            w.choose_level(i);
        }
        ui.separator();
        let heading = ui.strong(tr("Zeitraum"));
        let periods = w.periods();
        let mut period = None;
        let current = w.period.as_ref().and_then(|p| periods.iter().position(|x| x == p));
        if let (Some(mut index), true) = (current, periods.len() > 1) {
            let labels = periods.clone();
            let slider = ui
                .add(
                    egui::Slider::new(&mut index, 0..=periods.len() - 1)
                        .step_by(1.0)
                        .custom_formatter(move |v, _| labels.get(v.round() as usize).cloned().unwrap_or_default()),
                )
                .labelled_by(heading.id);
            if slider.changed() {
                period = periods.get(index).cloned();
            }
        }
        ui.horizontal_wrapped(|ui| {
            for p in &periods {
                if ui
                    .selectable_label(w.period.as_deref() == Some(p.as_str()), p)
                    .clicked()
                {
                    period = Some(p.clone());
                }
            }
        });
        if let Some(p) = period {
            w.choose_period(&p);
        }
        ui.separator();
        ui.strong(tr("Klassen"));
        let mut changed = false;
        let label = ui.label(tr("Verfahren"));
        egui::ComboBox::from_id_salt("verfahren")
            .selected_text(tr(state::METHODS[w.method].0))
            .show_ui(ui, |ui| {
                for (i, (name, _)) in state::METHODS.iter().enumerate() {
                    changed |= ui.selectable_value(&mut w.method, i, tr(name)).changed();
                }
            })
            .response
            .labelled_by(label.id);
        if state::METHODS[w.method.min(state::METHODS.len() - 1)].1 == state::MethodChoice::Manual {
            let label = ui.label(tr("Grenzen (durch ; getrennt)"));
            changed |= ui
                .add(egui::TextEdit::singleline(&mut w.manual_breaks).hint_text(tr("z. B. 5; 10,5; 20")))
                .labelled_by(label.id)
                .lost_focus();
        } else {
            changed |= ui
                .add(egui::Slider::new(&mut w.classes, 2..=9).text(tr("Klassen")))
                .changed();
        }
        if changed {
            w.refresh();
        }
        if w.mode == Mode::Expert {
            let label = ui.label(tr("Säulen (zweiter Indikator)"));
            let options: Vec<(String, String)> = w
                .indicators_on_level()
                .iter()
                .map(|i| (i.key.clone(), i.name.clone()))
                .collect();
            let shown = w
                .column_indicator
                .as_ref()
                .and_then(|k| options.iter().find(|(o, _)| o == k))
                .map_or(tr("keine").to_string(), |(_, n)| n.clone());
            let mut chosen = w.column_indicator.clone();
            egui::ComboBox::from_id_salt("saeulen")
                .selected_text(shown)
                .width(260.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut chosen, None, tr("keine"));
                    for (key, name) in &options {
                        ui.selectable_value(&mut chosen, Some(key.clone()), name);
                    }
                })
                .response
                .labelled_by(label.id);
            if chosen != w.column_indicator {
                w.column_indicator = chosen;
                w.refresh_columns();
            }
        }
        if !w.poi_layers.is_empty() {
            ui.separator();
            ui.strong(tr("Einrichtungen"));
            let mut toggled = None;
            for (i, layer) in w.poi_layers.iter().enumerate() {
                let mut shown = layer.shown;
                ui.horizontal(|ui| {
                    let (dot, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                    ui.painter().circle_filled(dot.center(), 4.5, palette::series(i));
                    if ui
                        .checkbox(&mut shown, format!("{} ({})", layer.category, layer.count))
                        .changed()
                    {
                        toggled = Some((i, shown));
                    }
                });
            }
            if let Some((i, shown)) = toggled {
                w.show_pois(i, shown);
            }
        }
        ui.separator();
        ui.strong(tr("Indikatoren"));
        ui.horizontal(|ui| {
            let label = ui.label(tr("Suchen"));
            let search_box = ui
                .add(egui::TextEdit::singleline(&mut w.search).hint_text(tr("Name oder Schlüssel (Strg+F)")))
                .labelled_by(label.id);
            if std::mem::take(&mut self.focus_search) {
                search_box.request_focus();
            }
        });
        let search = w.search.to_lowercase();
        let mut chosen = None;
        let mut curate = None;
        let mut edit_metadata = None;
        egui::ScrollArea::vertical().show(ui, |ui| {
            let mut topic = String::new();
            for i in w.indicators_on_level() {
                if !search.is_empty()
                    && !i.name.to_lowercase().contains(&search)
                    && !i.key.to_lowercase().contains(&search)
                {
                    continue;
                }
                if i.topic != topic {
                    topic = i.topic.clone();
                    ui.label(egui::RichText::new(if topic.is_empty() { "Ohne Thema" } else { &topic }).weak());
                }
                let on = w.indicator.as_deref() == Some(i.key.as_str());
                let item = ui
                    .selectable_label(on, w.indicator_title(&i.key))
                    .on_hover_text(format!("{} · Zeiträume: {}", i.key, i.periods.join(", ")));
                if item.clicked() {
                    chosen = Some(i.key.clone());
                }
                item.context_menu(|ui| {
                    if ui.button(tr("Metadaten bearbeiten …")).clicked() {
                        edit_metadata = Some(i.key.clone());
                        ui.close();
                    }
                    let mut offered = w.is_simple_indicator(i);
                    if ui
                        .checkbox(&mut offered, tr("In der einfachen Ansicht zeigen"))
                        .changed()
                    {
                        curate = Some((i.key.clone(), offered));
                    }
                });
            }
        });
        if let Some(key) = chosen {
            w.choose_indicator(&key);
        }
        if let Some((key, offered)) = curate {
            w.curate_simple_indicator(&key, offered);
        }
        if let Some(key) = edit_metadata {
            self.metadata_dialog.open_for(&self.state, &key);
        }
    }
}

impl eframe::App for QuartierApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.save_settings();
    }
}
