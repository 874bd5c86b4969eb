//! *Datei → Atlas-Eigenschaften …*: name, AGS, default suppression, attribution (an undoable
//! [`Edit`]).
//!
//! *Datei → Atlas verwalten …*: delete an indicator (or one period of it), a level with its
//! areas, a POI category; rename a level (with undo). Every deletion is confirmed first with
//! what will be lost, as the engine plans it ([`quartier_core::store::Removal`]), and then
//! runs as a job; renaming is an [`Edit`] and can be undone. Moving an indicator to another
//! topic is in the indicator's metadata (*Indikator bearbeiten …*, with undo).

use eframe::egui;
use quartier_core::store::Removal;
use quartier_core::Atlas;

use super::command::{Command, Work};
use super::edit::Edit;
use super::i18n::tr;
use super::state::Workbench;

/// One deletion, ready to run (as a job, by the app).
#[derive(Debug, Clone, PartialEq)]
pub enum Deletion {
    /// An indicator, or one period of it.
    Indicator {
        /// Its key.
        key: String,
        /// Only this period.
        period: Option<String>,
    },
    /// A level with its areas and their values.
    Level(String),
    /// A POI category with its POIs.
    Pois(String),
}

impl Deletion {
    /// What the job is called while it runs.
    pub const TITLE: &'static str = "Löschen";

    /// What it would remove (read only).
    pub fn plan(&self, atlas: &Atlas) -> quartier_core::Result<Removal> {
        match self {
            Deletion::Indicator { key, period } => atlas.plan_delete_indicator(key, period.as_deref(), None),
            Deletion::Level(name) => atlas.plan_delete_level(name),
            Deletion::Pois(category) => atlas.plan_delete_pois(category),
        }
    }

    /// Deletes, in one transaction with a line in the audit log.
    pub fn run(&self, atlas: &mut Atlas) -> anyhow::Result<Removal> {
        Ok(match self {
            Deletion::Indicator { key, period } => atlas.delete_indicator(key, period.as_deref(), None)?,
            Deletion::Level(name) => atlas.delete_level(name)?,
            Deletion::Pois(category) => atlas.delete_pois(category)?,
        })
    }
}

/// The dialog's inputs.
#[derive(Default)]
pub struct ManageDialog {
    /// Shown?
    pub open: bool,
    indicator: String,
    /// Empty: all periods.
    period: String,
    level: String,
    new_level_name: String,
    category: String,
    /// The deletion waiting for confirmation, with what it would remove.
    pending: Option<(Deletion, Removal)>,
    /// The last problem.
    pub message: Option<String>,
}

impl ManageDialog {
    /// Opens the dialog on the shown indicator and level.
    pub fn open_for(&mut self, w: &Workbench) {
        self.open = true;
        self.pending = None;
        self.message = None;
        self.indicator = w.choice.indicator.clone().unwrap_or_default();
        self.period.clear();
        self.level = w.level_name().to_string();
        self.new_level_name = self.level.clone();
        self.category = w.first_poi_category();
    }

    /// Draws the dialog; returns the command for a confirmed deletion or a rename.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<Command> {
        if !self.open {
            return None;
        }
        let mut command = None;
        let mut ask = None;
        let mut cancel = false;
        let mut open = self.open;
        egui::Window::new(tr("Atlas verwalten"))
            .open(&mut open)
            .collapsible(false)
            .default_width(560.0)
            .show(ctx, |ui| {
                ui.strong(tr("Indikatoren"));
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Indikator wählen"));
                    let name = |key: &str| {
                        w.info
                            .indicators
                            .iter()
                            .find(|i| i.key == key)
                            .map_or(key.to_string(), |i| format!("{} ({})", i.name, i.key))
                    };
                    egui::ComboBox::from_id_salt("verwalten_indikator")
                        .selected_text(name(&self.indicator))
                        .width(300.0)
                        .show_ui(ui, |ui| {
                            for i in &w.info.indicators {
                                ui.selectable_value(
                                    &mut self.indicator,
                                    i.key.clone(),
                                    format!("{} ({})", i.name, i.key),
                                );
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    let label = ui.label(tr("Zeitraum wählen"));
                    let periods: Vec<String> = w
                        .info
                        .indicators
                        .iter()
                        .find(|i| i.key == self.indicator)
                        .map(|i| i.periods.clone())
                        .unwrap_or_default();
                    egui::ComboBox::from_id_salt("verwalten_zeitraum")
                        .selected_text(if self.period.is_empty() {
                            tr("alle")
                        } else {
                            self.period.as_str()
                        })
                        .show_ui(ui, |ui| {
                            ui.selectable_value(&mut self.period, String::new(), tr("alle"));
                            for p in periods {
                                ui.selectable_value(&mut self.period, p.clone(), p);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                });
                if ui
                    .add_enabled(!self.indicator.is_empty(), egui::Button::new(tr("Indikator löschen …")))
                    .clicked()
                {
                    ask = Some(Deletion::Indicator {
                        key: self.indicator.clone(),
                        period: Some(self.period.clone()).filter(|p| !p.is_empty()),
                    });
                }
                ui.separator();
                ui.strong(tr("Ebenen"));
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Ebene wählen"));
                    egui::ComboBox::from_id_salt("verwalten_ebene")
                        .selected_text(self.level.as_str())
                        .show_ui(ui, |ui| {
                            for l in &w.info.levels {
                                if ui.selectable_value(&mut self.level, l.name.clone(), &l.name).clicked() {
                                    self.new_level_name = l.name.clone();
                                }
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    let label = ui.label(tr("Neuer Name"));
                    ui.text_edit_singleline(&mut self.new_level_name).labelled_by(label.id);
                    let renamed = self.new_level_name.trim();
                    if ui
                        .add_enabled(
                            !self.level.is_empty() && !renamed.is_empty() && renamed != self.level,
                            egui::Button::new(tr("Umbenennen")),
                        )
                        .clicked()
                    {
                        command = Some(Command::Edit(Edit::RenameLevel {
                            from: self.level.clone(),
                            to: renamed.to_string(),
                        }));
                        self.level = renamed.to_string();
                    }
                });
                if ui
                    .add_enabled(!self.level.is_empty(), egui::Button::new(tr("Ebene löschen …")))
                    .clicked()
                {
                    ask = Some(Deletion::Level(self.level.clone()));
                }
                ui.separator();
                ui.strong(tr("Einrichtungen"));
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Einrichtungsart"));
                    egui::ComboBox::from_id_salt("verwalten_einrichtungen")
                        .selected_text(self.category.as_str())
                        .show_ui(ui, |ui| {
                            for c in &w.info.poi_categories {
                                ui.selectable_value(&mut self.category, c.name.clone(), &c.name);
                            }
                        })
                        .response
                        .labelled_by(label.id);
                    if ui
                        .add_enabled(
                            !self.category.is_empty(),
                            egui::Button::new(tr("Einrichtungen löschen …")),
                        )
                        .clicked()
                    {
                        ask = Some(Deletion::Pois(self.category.clone()));
                    }
                });
                if let Some((deletion, removal)) = &self.pending {
                    ui.separator();
                    ui.colored_label(
                        egui::Color32::from_rgb(190, 30, 30),
                        format!("{} {}", tr("Wird gelöscht:"), removal.summary),
                    );
                    ui.label(tr("Das lässt sich nicht rückgängig machen."));
                    ui.horizontal(|ui| {
                        if ui.button(tr("Endgültig löschen")).clicked() {
                            command = Some(Command::Run(Work::Delete(deletion.clone())));
                        }
                        if ui.button(tr("Abbrechen")).clicked() {
                            cancel = true;
                        }
                    });
                }
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(190, 30, 30), m);
                }
            });
        self.open = open;
        if cancel {
            self.pending = None;
        }
        if let Some(deletion) = ask {
            match deletion.plan(&w.atlas) {
                Ok(removal) => {
                    self.pending = Some((deletion, removal));
                    self.message = None;
                }
                Err(e) => self.message = Some(e.to_string()),
            }
        }
        if matches!(command, Some(Command::Run(_))) {
            self.pending = None;
            self.open = false;
        }
        command
    }
}

/// *Atlas-Eigenschaften*: the inputs, filled from the atlas when opened.
#[derive(Default)]
pub struct PropertiesDialog {
    /// Shown?
    pub open: bool,
    name: String,
    ags: String,
    threshold: i64,
    suppress_zero: bool,
    attribution: String,
    /// The properties when opened (for undo).
    before: Option<quartier_core::store::AtlasProperties>,
    /// The last problem.
    pub message: Option<String>,
}

impl PropertiesDialog {
    /// Opens the dialog with the stored properties.
    pub fn open_for(&mut self, w: &Workbench) {
        match w.atlas.properties() {
            Ok(p) => {
                self.name = p.name.clone();
                self.ags = p.ags.clone().unwrap_or_default();
                self.threshold = p.suppression.threshold;
                self.suppress_zero = p.suppression.suppress_zero;
                self.attribution = p.attribution.clone();
                self.before = Some(p);
                self.message = None;
                self.open = true;
            }
            Err(e) => self.message = Some(e.to_string()),
        }
    }

    /// Draws the dialog; returns the edit when the user applies it.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Command> {
        if !self.open {
            return None;
        }
        let mut apply = false;
        let mut open = self.open;
        egui::Window::new(tr("Atlas-Eigenschaften"))
            .open(&mut open)
            .collapsible(false)
            .default_width(520.0)
            .show(ctx, |ui| {
                egui::Grid::new("eigenschaften").num_columns(2).show(ui, |ui| {
                    let label = ui.label(tr("Name der Kommune"));
                    ui.text_edit_singleline(&mut self.name).labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label(tr("Gemeindeschlüssel (AGS)"));
                    ui.text_edit_singleline(&mut self.ags).labelled_by(label.id);
                    ui.end_row();
                    let label = ui.label(tr("Geheimhaltung: Fallzahlen von 1 bis"));
                    ui.add(egui::DragValue::new(&mut self.threshold).range(0..=20))
                        .labelled_by(label.id)
                        .on_hover_text(tr("Zählwerte von 1 bis zu dieser Zahl werden „k. A.“ (Standard: 3)"));
                    ui.end_row();
                    ui.label("");
                    ui.checkbox(&mut self.suppress_zero, tr("auch 0 geheim halten"));
                    ui.end_row();
                    let label = ui.label(tr("Namensnennung (unter jeder Karte und Tabelle)"));
                    ui.add(
                        egui::TextEdit::multiline(&mut self.attribution)
                            .desired_rows(3)
                            .desired_width(320.0),
                    )
                    .labelled_by(label.id);
                    ui.end_row();
                });
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(190, 30, 30), m);
                }
                if ui.button(tr("Übernehmen")).clicked() {
                    apply = true;
                }
            });
        self.open = open;
        let before = self.before.clone()?;
        if !apply {
            return None;
        }
        let after = quartier_core::store::AtlasProperties {
            name: self.name.trim().to_string(),
            ags: Some(self.ags.trim().to_string()).filter(|a| !a.is_empty()),
            suppression: quartier_core::model::SuppressionRules {
                threshold: self.threshold,
                suppress_zero: self.suppress_zero,
            },
            attribution: self.attribution.trim().to_string(),
        };
        self.open = false;
        Some(Command::Edit(Edit::Properties {
            before: Box::new(before),
            after: Box::new(after),
        }))
    }
}
