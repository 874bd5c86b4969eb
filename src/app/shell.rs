//! The window around an atlas: which atlas is open (or none: the start page), the atlases
//! opened last, and the dialogs that create and open one. *Datei → Neuer Atlas …, Öffnen …,
//! Zuletzt geöffnet, Beispielatlas öffnen, Atlas schließen* reach the shell as
//! [`AtlasRequest`]s from the workbench's commands; the start page offers the same.
//!
//! An atlas that cannot be opened (damaged, from a newer version, not an atlas) leaves the
//! shell as it was, with the German message on the start page or in the workbench.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};

use anyhow::{Context, Result};
use eframe::egui;
use quartier_core::Atlas;
use serde::{Deserialize, Serialize};

use super::i18n::tr;
use super::{settings, state, QuartierApp};

/// What the workbench asks of the shell (through [`super::command::Command::Atlas`]).
#[derive(Debug, Clone, PartialEq)]
pub enum AtlasRequest {
    /// Show the dialog for a new atlas.
    New,
    /// Show the dialog to open an atlas.
    Open,
    /// Open this atlas.
    OpenPath(PathBuf),
    /// Open the sample atlas (built on first use).
    Sample,
    /// Close the atlas: the start page.
    Close,
}

/// How many atlases *Zuletzt geöffnet* lists.
pub const RECENT_LIMIT: usize = 10;

/// The atlases opened last, newest first (kept as JSON in the user's data folder).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recent {
    /// Paths, newest first.
    pub atlases: Vec<PathBuf>,
}

impl Recent {
    /// Reads the list; a missing or damaged file gives an empty one (it is only a convenience).
    pub fn load(path: &Path) -> Self {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default()
    }

    /// Writes the list (to a temporary file first).
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("Ordner {} anlegen", dir.display()))?;
        }
        let tmp = path.with_extension("json.tmp");
        std::fs::write(&tmp, serde_json::to_vec_pretty(self)?)
            .with_context(|| format!("{} schreiben", tmp.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("{} schreiben", path.display()))
    }

    /// Puts `atlas` first, without duplicates, at most [`RECENT_LIMIT`].
    pub fn remember(&mut self, atlas: &Path) {
        let atlas = std::fs::canonicalize(atlas).unwrap_or_else(|_| atlas.to_path_buf());
        self.atlases.retain(|a| *a != atlas);
        self.atlases.insert(0, atlas);
        self.atlases.truncate(RECENT_LIMIT);
    }

    /// The newest atlas that still exists.
    pub fn last_existing(&self) -> Option<&Path> {
        self.atlases.iter().find(|a| a.is_file()).map(PathBuf::as_path)
    }
}

/// The inputs of *Neuer Atlas …*.
#[derive(Default)]
pub struct NewAtlasDialog {
    /// Shown?
    pub open: bool,
    /// Put the keyboard focus in the first field (once, when opened).
    focus: bool,
    /// The municipality's name.
    pub name: String,
    /// Its AGS (8 digits), optional.
    pub ags: String,
    /// Where to save the file.
    pub path: String,
    /// The last problem.
    pub message: Option<String>,
}

/// The inputs of *Öffnen …*.
#[derive(Default)]
pub struct OpenAtlasDialog {
    /// Shown?
    pub open: bool,
    /// Put the keyboard focus in the path field (once, when opened).
    focus: bool,
    /// The typed path.
    pub path: String,
    /// The last problem.
    pub message: Option<String>,
}

/// The eframe application: the open workbench, or the start page.
pub struct Shell {
    /// The workbench on the open atlas; `None`: the start page.
    pub app: Option<QuartierApp>,
    /// The atlases opened last.
    pub recent: Recent,
    /// The user's data folder (recent list, views per atlas, sample atlas).
    data_dir: PathBuf,
    /// Write the recent list and the views (not in tests that look only at the screen).
    persist: bool,
    /// The two dialogs.
    pub new_dialog: NewAtlasDialog,
    /// See [`OpenAtlasDialog`].
    pub open_dialog: OpenAtlasDialog,
    /// Why the last atlas did not open, in German (shown on the start page).
    pub error: Option<String>,
    /// The sample atlas being built off the UI thread.
    building_sample: Option<Receiver<Result<PathBuf>>>,
    /// The window title last sent.
    title: String,
}

impl Shell {
    /// The shell with the user's data folder (`crate::paths::data_dir`); `persist` writes the
    /// recent list and the views there.
    pub fn new(data_dir: PathBuf, persist: bool) -> Self {
        let recent = Recent::load(&data_dir.join("zuletzt-geoeffnet.json"));
        Shell {
            app: None,
            recent,
            data_dir,
            persist,
            new_dialog: NewAtlasDialog::default(),
            open_dialog: OpenAtlasDialog::default(),
            error: None,
            building_sample: None,
            title: String::new(),
        }
    }

    /// Opens the atlas at `path` in place of the open one (whose view is saved first). On
    /// failure the open atlas stays and the error is returned, in German.
    pub fn open_atlas(&mut self, path: &Path) -> Result<()> {
        let atlas = Atlas::open(path).with_context(|| format!("Atlas {} öffnen", path.display()))?;
        let state = state::Workbench::new(atlas)?;
        if let Some(app) = &mut self.app {
            app.save_settings();
        }
        let settings_path = self.persist.then(|| settings::settings_path(&self.data_dir, path));
        self.recent.remember(path);
        self.save_recent();
        // The list changes only when an atlas opens: the menu gets it once, not every frame.
        let mut app = QuartierApp::new(state, settings_path);
        app.recent = self.recent.atlases.clone();
        self.app = Some(app);
        self.error = None;
        Ok(())
    }

    /// Creates a new, empty atlas and opens it (the workbench shows the guide to the first
    /// import).
    pub fn create_atlas(&mut self, path: &Path, name: &str, ags: Option<&str>) -> Result<()> {
        drop(Atlas::create(path, name, ags).with_context(|| format!("Atlas {} anlegen", path.display()))?);
        self.open_atlas(path)
    }

    /// Closes the atlas (its view is saved): the start page.
    pub fn close_atlas(&mut self) {
        if let Some(app) = &mut self.app {
            app.save_settings();
        }
        self.app = None;
    }

    /// The window title: "Quartier – NAME (FILE)", or "Quartier" on the start page.
    pub fn title(&self) -> &str {
        &self.title
    }

    fn save_recent(&self) {
        if self.persist {
            // Only a convenience: a failure to write it must not stop the work.
            let _ = self.recent.save(&self.data_dir.join("zuletzt-geoeffnet.json"));
        }
    }

    /// Opens the sample atlas, building it off the UI thread when it is not there yet.
    fn open_sample(&mut self, ctx: &egui::Context) {
        let path = self.data_dir.join("beispiel-berlin.quartier");
        if path.exists() {
            if let Err(e) = self.open_atlas(&path) {
                self.report(format!("{e:#}"));
            }
            return;
        }
        let Some(sources) = crate::paths::sample_data_dir() else {
            self.report(
                "Die Quellen des Beispielatlas (sample_data/) wurden nicht gefunden; QUARTIER_SAMPLE_DATA setzen"
                    .into(),
            );
            return;
        };
        let (send, receive) = channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let built = quartier_core::sample::build_sample_atlas(&sources, &path, false, &quartier_core::NoProgress)
                .map(|_| path)
                .map_err(anyhow::Error::from);
            let _ = send.send(built);
            ctx.request_repaint();
        });
        self.building_sample = Some(receive);
    }

    /// A problem: in the workbench when an atlas is open, on the start page otherwise.
    fn report(&mut self, message: String) {
        match &mut self.app {
            Some(app) => app.state.session.error = Some(message),
            None => self.error = Some(message),
        }
    }

    fn handle(&mut self, ctx: &egui::Context, request: AtlasRequest) {
        match request {
            AtlasRequest::New => {
                self.new_dialog = NewAtlasDialog {
                    open: true,
                    focus: true,
                    ..Default::default()
                }
            }
            AtlasRequest::Open => {
                self.open_dialog.open = true;
                self.open_dialog.focus = true;
                self.open_dialog.message = None;
            }
            AtlasRequest::OpenPath(path) => {
                if let Err(e) = self.open_atlas(&path) {
                    self.report(format!("{e:#}"));
                }
            }
            AtlasRequest::Sample => self.open_sample(ctx),
            AtlasRequest::Close => self.close_atlas(),
        }
    }

    /// The whole window, for eframe and for the tests.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        if let Some(built) = self.building_sample.as_ref().and_then(|r| r.try_recv().ok()) {
            self.building_sample = None;
            match built.and_then(|path| self.open_atlas(&path)) {
                Ok(()) => {}
                Err(e) => self.report(format!("{e:#}")),
            }
        }
        let title = match &self.app {
            Some(app) => format!(
                "Quartier – {} ({})",
                app.state.info.name,
                file_name(app.state.atlas.path())
            ),
            None => "Quartier".to_string(),
        };
        if title != self.title {
            ctx.send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title = title;
        }
        let mut requests = Vec::new();
        match &mut self.app {
            Some(app) => {
                app.show(ui);
                requests.append(&mut app.atlas_requests);
            }
            None => self.start_page(ui, &mut requests),
        }
        if let Some(request) = self.new_dialog_ui(&ctx) {
            requests.push(request);
        }
        if let Some(request) = self.open_dialog_ui(&ctx) {
            requests.push(request);
        }
        for request in requests {
            self.handle(&ctx, request);
        }
    }

    /// The start page: new, open, sample, and the atlases opened last.
    fn start_page(&mut self, ui: &mut egui::Ui, requests: &mut Vec<AtlasRequest>) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.vertical_centered(|ui| {
                ui.add_space(60.0);
                ui.heading("Quartier");
                ui.label(tr("Werkbank für kleinräumiges Monitoring"));
                ui.add_space(24.0);
                if ui.button(tr("Neuer Atlas …")).clicked() {
                    requests.push(AtlasRequest::New);
                }
                if ui.button(tr("Atlas öffnen …")).clicked() {
                    requests.push(AtlasRequest::Open);
                }
                if self.building_sample.is_some() {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(tr("Beispielatlas wird gebaut …"));
                    });
                } else if ui.button(tr("Beispielatlas öffnen")).clicked() {
                    requests.push(AtlasRequest::Sample);
                }
                if let Some(error) = &self.error {
                    ui.add_space(12.0);
                    ui.colored_label(egui::Color32::from_rgb(190, 30, 30), error);
                }
                ui.add_space(24.0);
                ui.strong(tr("Zuletzt geöffnet"));
                if self.recent.atlases.is_empty() {
                    ui.label(tr("noch keine"));
                }
                recent_list(ui, &self.recent.atlases, requests);
            });
        });
    }

    fn new_dialog_ui(&mut self, ctx: &egui::Context) -> Option<AtlasRequest> {
        let d = &mut self.new_dialog;
        if !d.open {
            return None;
        }
        let mut create = false;
        let mut open = d.open;
        centred_window(ctx, tr("Neuer Atlas")).open(&mut open).show(ctx, |ui| {
            egui::Grid::new("neuer_atlas").num_columns(2).show(ui, |ui| {
                let label = ui.label(tr("Name der Kommune"));
                let field = ui.text_edit_singleline(&mut d.name).labelled_by(label.id);
                if std::mem::take(&mut d.focus) {
                    field.request_focus();
                }
                ui.end_row();
                let label = ui.label(tr("Gemeindeschlüssel (AGS, 8 Ziffern, optional)"));
                ui.text_edit_singleline(&mut d.ags).labelled_by(label.id);
                ui.end_row();
                let label = ui.label(tr("Speichern unter"));
                ui.horizontal(|ui| {
                    ui.add(egui::TextEdit::singleline(&mut d.path).desired_width(300.0))
                        .labelled_by(label.id);
                    if ui.button(tr("Durchsuchen …")).clicked() {
                        let suggested = format!("{}.quartier", d.name.trim().to_lowercase().replace(' ', "-"));
                        if let Some(p) = rfd::FileDialog::new()
                            .add_filter("Quartier-Atlas", &["quartier"])
                            .set_file_name(suggested)
                            .save_file()
                        {
                            d.path = p.display().to_string();
                        }
                    }
                });
                ui.end_row();
            });
            if let Some(m) = &d.message {
                ui.colored_label(egui::Color32::from_rgb(190, 30, 30), m);
            }
            if ui.button(tr("Anlegen")).clicked() {
                create = true;
            }
        });
        d.open = open;
        if !create {
            return None;
        }
        let path = PathBuf::from(d.path.trim());
        if d.path.trim().is_empty() {
            d.message = Some(tr("Bitte angeben, wo der Atlas gespeichert wird").to_string());
            return None;
        }
        let path = if path.extension().is_none() {
            path.with_extension("quartier")
        } else {
            path
        };
        let (name, ags) = (d.name.clone(), Some(d.ags.trim().to_string()).filter(|a| !a.is_empty()));
        match self.create_atlas(&path, &name, ags.as_deref()) {
            Ok(()) => self.new_dialog.open = false,
            Err(e) => self.new_dialog.message = Some(format!("{e:#}")),
        }
        None
    }

    fn open_dialog_ui(&mut self, ctx: &egui::Context) -> Option<AtlasRequest> {
        let d = &mut self.open_dialog;
        if !d.open {
            return None;
        }
        let mut chosen = None;
        let mut open = d.open;
        centred_window(ctx, tr("Atlas öffnen")).open(&mut open).show(ctx, |ui| {
            ui.horizontal(|ui| {
                let label = ui.label(tr("Atlasdatei"));
                let field = ui
                    .add(egui::TextEdit::singleline(&mut d.path).desired_width(320.0))
                    .labelled_by(label.id);
                if std::mem::take(&mut d.focus) {
                    field.request_focus();
                }
                if field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) && !d.path.trim().is_empty() {
                    chosen = Some(PathBuf::from(d.path.trim()));
                }
                if ui.button(tr("Durchsuchen …")).clicked() {
                    if let Some(p) = rfd::FileDialog::new()
                        .add_filter("Quartier-Atlas", &["quartier"])
                        .pick_file()
                    {
                        d.path = p.display().to_string();
                        chosen = Some(p);
                    }
                }
            });
            if let Some(m) = &d.message {
                ui.colored_label(egui::Color32::from_rgb(190, 30, 30), m);
            }
            if ui.button(tr("Öffnen")).clicked() && !d.path.trim().is_empty() {
                chosen = Some(PathBuf::from(d.path.trim()));
            }
        });
        d.open = open;
        let path = chosen?;
        match self.open_atlas(&path) {
            Ok(()) => self.open_dialog = OpenAtlasDialog::default(),
            Err(e) => self.open_dialog.message = Some(format!("{e:#}")),
        }
        None
    }
}

/// A dialog window of the shell: centred near the top, fixed open.
fn centred_window<'a>(ctx: &egui::Context, title: &str) -> egui::Window<'a> {
    egui::Window::new(title.to_string())
        .pivot(egui::Align2::CENTER_TOP)
        .default_pos(ctx.content_rect().center_top() + egui::vec2(0.0, 90.0))
        .collapsible(false)
        .default_width(520.0)
}

/// The file name of a path, for titles and lists.
fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The recent atlases as buttons; missing files are marked and cannot be chosen.
pub fn recent_list(ui: &mut egui::Ui, atlases: &[PathBuf], requests: &mut Vec<AtlasRequest>) {
    for path in atlases {
        let exists = path.is_file();
        let label = if exists {
            file_name(path)
        } else {
            format!("{} ({})", file_name(path), tr("fehlt"))
        };
        if ui
            .add_enabled(exists, egui::Button::new(label))
            .on_hover_text(path.display().to_string())
            .on_disabled_hover_text(format!("{} – {}", path.display(), tr("Datei nicht gefunden")))
            .clicked()
        {
            requests.push(AtlasRequest::OpenPath(path.clone()));
        }
    }
}

impl eframe::App for Shell {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        if let Some(app) = &mut self.app {
            app.save_settings();
        }
    }
}
