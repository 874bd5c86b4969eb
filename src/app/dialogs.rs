//! Dialogs: status/dynamics with presets and indicator mapping (the dialog builds a
//! [`StatusDynamicsRequest`], the app runs it as a job off the UI thread), saving the
//! selection as a group, and the about dialog with the data attribution.

use super::i18n::tr;
use std::collections::HashMap;

use eframe::egui;
use quartier_core::analysis::status_dynamics::{
    save_status_dynamics, status_dynamics, Preset, PresetIndicator, StatusDynamicsResult, Thresholds,
};

use super::state::Workbench;
use quartier_core::progress::Progress;
use quartier_core::Atlas;

/// The status/dynamics dialog's inputs.
#[derive(Default)]
pub struct StatusDialog {
    /// Shown?
    pub open: bool,
    /// Index into [`Preset::ALL`].
    pub preset: usize,
    /// The period of the status.
    pub period: String,
    /// The comparison period, for presets that compute the change (Solingen).
    pub compare_period: String,
    /// Preset key → atlas key, where the atlas names an indicator differently.
    pub mapping: HashMap<String, String>,
    /// Store the results as derived indicators.
    pub save: bool,
    /// Class boundaries of the indices (MSS: −1, +1, +1,5 and −1, +1).
    pub thresholds: Thresholds,
    /// The last problem, in German.
    pub message: Option<String>,
}

impl StatusDialog {
    /// Opens the dialog on the shown level, with the newest period that has the preset's
    /// first status indicator.
    pub fn open_for(&mut self, w: &Workbench) {
        self.open = true;
        self.message = None;
        if self.period.is_empty() {
            let first = Preset::ALL[self.preset].0.status_indicators()[0].key;
            let level = w.level_name();
            self.period = w
                .info
                .indicators
                .iter()
                .find(|i| i.key == first)
                .and_then(|i| i.coverage.iter().rfind(|c| c.level == level && c.values_ok > 0))
                .map(|c| c.period.clone())
                .or_else(|| w.choice.period.clone())
                .unwrap_or_default();
        }
    }

    /// Draws the dialog; returns the request when the user starts the run.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<StatusDynamicsRequest> {
        if !self.open {
            return None;
        }
        let mut start = None;
        let mut open = self.open;
        egui::Window::new(tr("Status und Dynamik"))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .default_width(460.0)
            .show(ctx, |ui| {
                let (preset, _) = Preset::ALL[self.preset];
                egui::Grid::new("status_eingaben").num_columns(2).show(ui, |ui| {
                    let label = ui.label(tr("Vorlage"));
                    egui::ComboBox::from_id_salt("vorlage")
                        .selected_text(preset_label(preset))
                        .show_ui(ui, |ui| {
                            for (i, (p, _)) in Preset::ALL.iter().enumerate() {
                                ui.selectable_value(&mut self.preset, i, preset_label(*p));
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    ui.end_row();
                    ui.label(tr("Ebene"));
                    ui.label(w.level_name());
                    ui.end_row();
                    let periods = w.info.periods.clone();
                    let label = ui.label(tr("Zeitraum"));
                    period_choice(ui, "zeitraum_status", &mut self.period, &periods, label.id);
                    ui.end_row();
                    if preset.dynamics_indicators().is_none() {
                        let label = ui.label(tr("Vergleichszeitraum"));
                        period_choice(ui, "vergleich_status", &mut self.compare_period, &periods, label.id);
                        ui.end_row();
                    }
                    ui.label("");
                    ui.checkbox(&mut self.save, tr("Ergebnis als Indikatoren speichern"));
                    ui.end_row();
                });
                ui.collapsing(tr("Klassengrenzen"), |ui| {
                    let t = &mut self.thresholds;
                    egui::Grid::new("klassengrenzen").num_columns(4).show(ui, |ui| {
                        ui.label(tr("Status"));
                        for (value, hint) in
                            t.status
                                .iter_mut()
                                .zip(["hoch | mittel", "mittel | niedrig", "niedrig | sehr niedrig"])
                        {
                            ui.add(egui::DragValue::new(value).speed(0.05).range(-5.0..=5.0))
                                .on_hover_text(hint);
                        }
                        ui.end_row();
                        ui.label(tr("Dynamik"));
                        for (value, hint) in t.dynamics.iter_mut().zip(["positiv | stabil", "stabil | negativ"]) {
                            ui.add(egui::DragValue::new(value).speed(0.05).range(-5.0..=5.0))
                                .on_hover_text(hint);
                        }
                        ui.end_row();
                    });
                    if ui.button(tr("Wie im MSS")).clicked() {
                        *t = Thresholds::default();
                    }
                });
                ui.collapsing(tr("Indikatoren zuordnen"), |ui| {
                    let options: Vec<(String, String)> = w
                        .info
                        .indicators
                        .iter()
                        .map(|i| (i.key.clone(), i.name.clone()))
                        .collect();
                    let mut needed: Vec<PresetIndicator> = preset.status_indicators().to_vec();
                    needed.extend(preset.dynamics_indicators().unwrap_or_default());
                    egui::Grid::new("zuordnung")
                        .num_columns(2)
                        .striped(true)
                        .show(ui, |ui| {
                            for p in needed {
                                let current = self.mapping.get(p.key).cloned().unwrap_or_else(|| p.key.to_string());
                                let found = options.iter().find(|(k, _)| *k == current);
                                let label = ui.label(p.meaning).on_hover_text(p.key);
                                let text =
                                    found.map_or(format!("– fehlt ({current}) –"), |(k, n)| format!("{n} ({k})"));
                                egui::ComboBox::from_id_salt(("zuordnung", p.key))
                                    .selected_text(text)
                                    .width(220.0)
                                    .show_ui(ui, |ui| {
                                        for (k, n) in &options {
                                            if ui.selectable_label(*k == current, format!("{n} ({k})")).clicked() {
                                                self.mapping.insert(p.key.to_string(), k.clone());
                                            }
                                        }
                                    })
                                    .response
                                    .labelled_by(label.id);
                                ui.end_row();
                            }
                        });
                });
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(180, 30, 30), m);
                }
                ui.separator();
                if ui.button(tr("Berechnen")).clicked() {
                    let [a, b, c] = self.thresholds.status;
                    let [d, e] = self.thresholds.dynamics;
                    if a < b && b < c && d < e {
                        self.message = None;
                        start = Some(self.request(w));
                    } else {
                        self.message = Some("Die Klassengrenzen müssen von links nach rechts steigen".to_string());
                    }
                }
            });
        self.open = open && start.is_none();
        start
    }

    /// The run for the current inputs.
    fn request(&self, w: &Workbench) -> StatusDynamicsRequest {
        StatusDynamicsRequest {
            preset: Preset::ALL[self.preset].0,
            level: w.level_name().to_string(),
            period: self.period.clone(),
            compare_period: Some(self.compare_period.clone()).filter(|c| !c.trim().is_empty()),
            mapping: self.mapping.clone(),
            thresholds: self.thresholds.clone(),
            save: self.save,
        }
    }
}

/// A status/dynamics run as the dialog asked for it, ready to run (as a job, by the app).
#[derive(Debug, Clone, PartialEq)]
pub struct StatusDynamicsRequest {
    /// The preset whose method and indicators are used.
    pub preset: Preset,
    /// The level.
    pub level: String,
    /// The period of the status.
    pub period: String,
    /// The comparison period, for presets that compute the change.
    pub compare_period: Option<String>,
    /// Preset key → atlas key.
    pub mapping: HashMap<String, String>,
    /// Class boundaries.
    pub thresholds: Thresholds,
    /// Store the results as derived indicators.
    pub save: bool,
}

impl StatusDynamicsRequest {
    /// What the job is called while it runs.
    pub const TITLE: &'static str = "Status und Dynamik berechnen";

    /// Runs the classification on the job's own connection.
    pub fn run(&self, atlas: &mut Atlas, progress: &dyn Progress) -> anyhow::Result<StatusDynamicsResult> {
        progress.report(0.1, tr("Indikatoren zuordnen"));
        let mut config = self.preset.config(
            atlas,
            &self.level,
            &self.period,
            self.compare_period.as_deref(),
            &self.mapping,
        )?;
        config.thresholds = self.thresholds.clone();
        progress.report(0.3, "Indizes und Klassen berechnen");
        let result = if self.save {
            save_status_dynamics(atlas, &config, progress)?
        } else {
            status_dynamics(atlas, &config)?
        };
        progress.report(1.0, "Fertig");
        Ok(result)
    }
}

fn preset_label(p: Preset) -> &'static str {
    match p {
        Preset::BerlinMss => tr("Berlin: Monitoring Soziale Stadtentwicklung"),
        Preset::HamburgRise => tr("Hamburg: RISE-Sozialmonitoring"),
        Preset::Solingen => tr("Solingen: Sozialraummonitoring"),
    }
}

fn period_choice(ui: &mut egui::Ui, id: &str, value: &mut String, periods: &[String], label: egui::Id) {
    egui::ComboBox::from_id_salt(id)
        .selected_text(if value.is_empty() {
            "–".to_string()
        } else {
            value.clone()
        })
        .show_ui(ui, |ui| {
            for p in periods {
                ui.selectable_value(value, p.clone(), p);
            }
        })
        .response
        .labelled_by(label);
}

/// The "save selection as group" dialog.
#[derive(Default)]
pub struct GroupDialog {
    /// Shown?
    pub open: bool,
    /// The name typed.
    pub name: String,
}

impl GroupDialog {
    /// Draws the dialog and saves the group on confirmation.
    pub fn ui(&mut self, ctx: &egui::Context, w: &mut Workbench) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        let mut done = false;
        egui::Window::new(tr("Auswahl als Gruppe speichern"))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.label(format!("{} Gebiete auf Ebene {}", w.selection.len(), w.level_name()));
                ui.add(egui::TextEdit::singleline(&mut self.name).hint_text(tr("Name der Gruppe")));
                let ok = !self.name.trim().is_empty() && !w.selection.is_empty();
                if ui.add_enabled(ok, egui::Button::new(tr("Speichern"))).clicked() {
                    w.save_group(&self.name);
                    done = true;
                }
            });
        self.open = open && !done;
    }
}

/// The settings dialog: the base map and offline mode.
#[derive(Default)]
pub struct SettingsDialog {
    /// Shown?
    pub open: bool,
    /// The settings being edited.
    pub draft: super::basemap::BaseMapSettings,
    /// The path typed for file and folder sources.
    pub path: String,
    /// Why the last choice could not be opened.
    pub message: Option<String>,
    /// The interface in English.
    pub english: bool,
}

impl SettingsDialog {
    /// Opens the dialog on the current settings.
    pub fn open_with(&mut self, current: &super::basemap::BaseMapSettings, english: bool) {
        self.english = english;
        use super::basemap::BaseMapSource as S;
        self.open = true;
        self.message = None;
        self.draft = current.clone();
        self.path = match &current.source {
            S::TileFolder(p) | S::MbTiles(p) | S::PmTiles(p) => p.display().to_string(),
            S::None | S::OpenStreetMap => String::new(),
        };
    }

    /// Draws the dialog; returns the settings to apply when the user confirms.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<super::basemap::BaseMapSettings> {
        use super::basemap::BaseMapSource as S;
        if !self.open {
            return None;
        }
        let mut apply = None;
        let mut open = self.open;
        egui::Window::new(tr("Einstellungen"))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .default_width(480.0)
            .show(ctx, |ui| {
                ui.strong(tr("Sprache"));
                ui.horizontal(|ui| {
                    ui.radio_value(&mut self.english, false, "Deutsch");
                    ui.radio_value(&mut self.english, true, "English");
                });
                ui.separator();
                ui.strong(tr("Hintergrundkarte"));
                let path = std::path::PathBuf::from(self.path.trim());
                let choices = [
                    S::None,
                    S::TileFolder(path.clone()),
                    S::MbTiles(path.clone()),
                    S::PmTiles(path.clone()),
                    S::OpenStreetMap,
                ];
                for choice in choices {
                    let on = std::mem::discriminant(&choice) == std::mem::discriminant(&self.draft.source);
                    if ui.radio(on, choice.label()).clicked() {
                        self.draft.source = choice;
                    }
                }
                let needs_path = matches!(self.draft.source, S::TileFolder(_) | S::MbTiles(_) | S::PmTiles(_));
                if needs_path {
                    ui.horizontal(|ui| {
                        let label = ui.label(tr("Pfad"));
                        ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(300.0))
                            .labelled_by(label.id);
                        if ui.button(tr("Durchsuchen …")).clicked() {
                            let picked = match self.draft.source {
                                S::TileFolder(_) => rfd::FileDialog::new().pick_folder(),
                                S::MbTiles(_) => rfd::FileDialog::new().add_filter("MBTiles", &["mbtiles"]).pick_file(),
                                _ => rfd::FileDialog::new().add_filter("PMTiles", &["pmtiles"]).pick_file(),
                            };
                            if let Some(p) = picked {
                                self.path = p.display().to_string();
                            }
                        }
                    });
                }
                ui.separator();
                ui.checkbox(&mut self.draft.offline, tr("Offline-Modus: keine Netzabfragen"));
                if self.draft.source == S::OpenStreetMap {
                    ui.label(
                        "Kacheln von tile.openstreetmap.org, zwischengespeichert im Datenordner;                          © OpenStreetMap-Mitwirkende (ODbL).",
                    );
                }
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(180, 30, 30), m);
                }
                ui.separator();
                if ui.button(tr("Übernehmen")).clicked() {
                    let path = std::path::PathBuf::from(self.path.trim());
                    let mut chosen = self.draft.clone();
                    chosen.source = match chosen.source {
                        S::TileFolder(_) => S::TileFolder(path),
                        S::MbTiles(_) => S::MbTiles(path),
                        S::PmTiles(_) => S::PmTiles(path),
                        other => other,
                    };
                    self.message = None;
                    apply = Some(chosen);
                }
            });
        self.open = open;
        apply
    }
}

/// The about dialog: version, licence, and the attribution the sample data requires.
pub fn about_ui(ctx: &egui::Context, open: &mut bool) {
    egui::Window::new(tr("Über Quartier"))
        .open(open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.heading(format!("Quartier {}", crate::VERSION));
            ui.label(tr(
                "Werkbank für kleinräumiges Monitoring – offline, ein Atlas je Kommune.",
            ));
            ui.label(tr("Lizenz: MIT oder Apache-2.0"));
            ui.separator();
            ui.strong(tr("Datenquellen des Beispielatlas"));
            ui.label(
                "Enthält Daten des Amts für Statistik Berlin-Brandenburg, der Senatsverwaltung für \
                 Stadtentwicklung, Bauen und Wohnen Berlin und der Senatsverwaltung für Bildung, \
                 Jugend und Familie Berlin (CC BY 3.0 DE / dl-de/by-2-0), über open-lifeworlds \
                 (CC BY 4.0); Statistikamt Nord und LGV Hamburg (dl-de/by-2-0); \
                 © OpenStreetMap-Mitwirkende (ODbL).",
            );
            ui.separator();
            ui.strong(tr("Tastenkürzel"));
            egui::Grid::new("kuerzel").num_columns(2).show(ui, |ui| {
                for (key, what) in super::SHORTCUTS {
                    ui.monospace(*key);
                    ui.label(tr(what));
                    ui.end_row();
                }
            });
        });
}
