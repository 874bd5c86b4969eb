//! *Datei → Veröffentlichen …*: what leaves the laptop, before anything does. The planner
//! releases indicators per level and POI categories with their attributes (each a step in
//! the undo history, logged with who did it), sees the engine's plan (series with their
//! periods and suppressed cells, POI categories, stories, warnings) and writes the public
//! bundle to a folder as a job.

use std::path::PathBuf;

use eframe::egui;
use quartier_core::publish::{plan, PublishPlan};

use super::command::{Command, Work};
use super::edit::{Edit, Released};
use super::i18n::tr;
use super::state::Workbench;

const RED: egui::Color32 = egui::Color32::from_rgb(200, 40, 40);

/// The window.
#[derive(Default)]
pub struct PublishWindow {
    /// Shown?
    pub open: bool,
    /// The folder the bundle is written to.
    pub out: String,
    /// The engine's plan and each POI category's attributes, read for a revision of the
    /// shown state (every edit, undo and outside change makes a new one): the plan runs the
    /// suppression, too slow for every frame.
    read: Option<(u64, Result<PublishPlan, String>, Vec<PoiCategory>)>,
}

/// A POI category: its name, its number of POIs and its attributes.
type PoiCategory = (String, i64, Vec<String>);

/// The login name, for the audit log.
pub fn user_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_default()
}

impl PublishWindow {
    /// Opens the window with a folder suggested beside the exports.
    pub fn open_for(&mut self, w: &Workbench) {
        if self.out.is_empty() {
            self.out = super::save::export_dir()
                .join(format!("{}-web", quartier_core::publish::slug(&w.info.name)))
                .display()
                .to_string();
        }
        self.open = true;
    }

    /// Draws the window; releases and the bundle go into `commands`.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench, commands: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        if self
            .read
            .as_ref()
            .is_none_or(|(revision, ..)| *revision != w.shown.revision)
        {
            let categories = w
                .atlas
                .poi_categories()
                .unwrap_or_default()
                .into_iter()
                .map(|(c, n)| {
                    let attributes = w.atlas.poi_attributes(&c).unwrap_or_default();
                    (c, n, attributes)
                })
                .collect();
            self.read = Some((w.shown.revision, plan(&w.atlas).map_err(|e| e.to_string()), categories));
        }
        let Some((_, current, categories)) = &self.read else {
            return;
        };
        let mut open = self.open;
        egui::Window::new(tr("Veröffentlichen"))
            .open(&mut open)
            .default_size([820.0, 620.0])
            .show(ctx, |ui| {
                ui.weak(tr(
                    "Nur was hier freigegeben ist, verlässt den Rechner – geheim gehalten wie jede Ausgabe.",
                ));
                // The releases and the plan scroll; the folder and the button stay in view.
                egui::ScrollArea::vertical()
                    .max_height((ui.available_height() - 70.0).max(200.0))
                    .show(ui, |ui| {
                        egui::CollapsingHeader::new(tr("Indikatoren je Ebene freigeben"))
                            .default_open(true)
                            .show(ui, |ui| release_grid(ui, w, commands));
                        egui::CollapsingHeader::new(tr("Einrichtungen freigeben"))
                            .default_open(false)
                            .show(ui, |ui| poi_release(ui, w, categories, commands));
                        ui.separator();
                        match current {
                            Ok(p) => plan_ui(ui, w, p),
                            Err(e) => {
                                ui.colored_label(RED, e);
                            }
                        }
                    });
                ui.separator();
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Zielordner"));
                    ui.add(egui::TextEdit::singleline(&mut self.out).desired_width(420.0))
                        .labelled_by(label.id);
                    if ui.button(tr("Durchsuchen …")).clicked() {
                        if let Some(p) = rfd::FileDialog::new().pick_folder() {
                            self.out = p.display().to_string();
                        }
                    }
                });
                let ready = current.as_ref().is_ok_and(|p| !p.series.is_empty());
                if ui
                    .add_enabled(ready, egui::Button::new(tr("Bündel schreiben")))
                    .on_disabled_hover_text(tr("Erst Indikatoren freigeben"))
                    .clicked()
                {
                    commands.push(Command::Run(Work::Publish(PathBuf::from(self.out.trim()))));
                }
            });
        self.open = open;
    }
}

/// Indicators (rows) × levels (columns), a box per release.
fn release_grid(ui: &mut egui::Ui, w: &Workbench, commands: &mut Vec<Command>) {
    let internal = w.atlas.internal_levels().unwrap_or_default();
    let levels: Vec<&str> = w
        .info
        .levels
        .iter()
        .map(|l| l.name.as_str())
        .filter(|l| !internal.iter().any(|i| i == l))
        .collect();
    let released = w.atlas.released_indicators().unwrap_or_default();
    egui::Grid::new("freigaben").striped(true).show(ui, |ui| {
        ui.strong(tr("Indikator"));
        for level in &levels {
            ui.strong(*level);
        }
        ui.end_row();
        for i in &w.info.indicators {
            ui.label(w.indicator_title(&i.key));
            for level in &levels {
                let has_values = i.coverage.iter().any(|c| c.level == *level && c.values_ok > 0);
                let was = released.iter().any(|(k, l)| *k == i.key && l == level);
                let mut now = was;
                let response = ui.add_enabled(has_values || was, egui::Checkbox::without_text(&mut now));
                let response = response.on_hover_text(format!("{} auf {level}", i.key));
                if response.changed() && now != was {
                    commands.push(Command::Edit(Edit::Release {
                        what: Released::Indicator {
                            key: i.key.clone(),
                            level: level.to_string(),
                        },
                        release: now,
                        who: user_name(),
                    }));
                }
            }
            ui.end_row();
        }
    });
    if !internal.is_empty() {
        ui.weak(format!("{}: {}", tr("Intern, nie veröffentlicht"), internal.join(", ")));
    }
}

/// Each POI category with its attributes.
fn poi_release(ui: &mut egui::Ui, w: &Workbench, categories: &[PoiCategory], commands: &mut Vec<Command>) {
    let released = w.atlas.released_poi_categories().unwrap_or_default();
    for (category, count, attributes) in categories {
        let current = released.iter().find(|c| c.category == *category);
        let was = current.is_some();
        let mut now = was;
        ui.checkbox(&mut now, format!("{category} ({count}): {}", tr("Name und Lage")));
        if now != was {
            commands.push(Command::Edit(Edit::Release {
                what: Released::Pois {
                    category: category.clone(),
                    attribute: None,
                },
                release: now,
                who: user_name(),
            }));
        }
        let Some(current) = current else { continue };
        ui.indent(("merkmale", category), |ui| {
            ui.horizontal_wrapped(|ui| {
                for attribute in attributes {
                    let was = current.attributes.contains(attribute);
                    let mut now = was;
                    ui.checkbox(&mut now, attribute);
                    if now != was {
                        commands.push(Command::Edit(Edit::Release {
                            what: Released::Pois {
                                category: category.clone(),
                                attribute: Some(attribute.clone()),
                            },
                            release: now,
                            who: user_name(),
                        }));
                    }
                }
            });
        });
    }
}

/// The engine's plan: what leaves, and what to look at.
fn plan_ui(ui: &mut egui::Ui, w: &Workbench, p: &PublishPlan) {
    ui.heading(tr("Was den Rechner verlässt"));
    if p.series.is_empty() {
        ui.label(tr("Noch nichts freigegeben."));
    }
    egui::Grid::new("plan").striped(true).show(ui, |ui| {
        if !p.series.is_empty() {
            for heading in [tr("Indikator"), tr("Ebene"), tr("Zeiträume"), tr("geheim gehalten")] {
                ui.strong(heading);
            }
            ui.end_row();
        }
        for s in &p.series {
            ui.label(w.indicator_title(&s.indicator));
            ui.label(&s.level);
            ui.label(if s.periods.is_empty() {
                tr("keine Werte").to_string()
            } else {
                s.periods.join(", ")
            });
            ui.label(format!("{} {}", s.suppressed_cells, tr("Zellen")));
            ui.end_row();
        }
    });
    for c in &p.poi_categories {
        ui.label(format!(
            "{} ({}): {}{}",
            c.category,
            c.pois,
            tr("Name und Lage"),
            if c.attributes.is_empty() {
                String::new()
            } else {
                format!(", {}", c.attributes.join(", "))
            }
        ));
    }
    for s in &p.stories {
        ui.label(format!("{} „{s}“", tr("Story")));
    }
    for warning in &p.warnings {
        ui.colored_label(RED, format!("⚠ {warning}"));
    }
}
