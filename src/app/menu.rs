//! The menu bar, the keyboard shortcuts and the status bar. Menus and shortcuts read the same
//! commands ([`Command`]); nothing here changes the state itself.

use eframe::egui;

use super::analyses;
use super::command::{Command, OpenDialog};
use super::i18n::tr;
use super::import::ImportKind;
use super::panes::{self, Pane};
use super::shell::AtlasRequest;
use super::state::{MapLayer, Mode};
use super::QuartierApp;

/// The keyboard shortcuts, as the about dialog lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Strg+F", "Indikator suchen"),
    ("Strg+E", "Einfache Ansicht / Expertenansicht"),
    ("Strg+D", "Status und Dynamik …"),
    ("Strg+G", "Auswahl als Gruppe speichern"),
    ("Strg+B", "Ansicht als Lesezeichen speichern"),
    ("← → / Bild auf / Bild ab", "in der Präsentation blättern (Esc beendet)"),
    ("Strg+C", "Tabellenzeilen (Auswahl oder alle gezeigten) kopieren"),
    ("Strg+Z / Strg+Y", "Rückgängig / Wiederholen"),
    ("Bild auf / Bild ab", "Zeitraum vor / zurück"),
    ("F11", "Bereich maximieren / Aufteilung wiederherstellen"),
    ("Esc", "Auswahl aufheben"),
    ("F1", "Über Quartier"),
];

/// The commands of the shortcuts pressed this frame.
pub fn shortcuts(ctx: &egui::Context) -> Vec<Command> {
    use egui::{Key, KeyboardShortcut, Modifiers};
    let pressed = |m: Modifiers, k: Key| ctx.input_mut(|i| i.consume_shortcut(&KeyboardShortcut::new(m, k)));
    let mut commands = Vec::new();
    let mut push = |on: bool, command: Command| {
        if on {
            commands.push(command);
        }
    };
    push(pressed(Modifiers::COMMAND, Key::F), Command::FocusSearch);
    push(pressed(Modifiers::COMMAND, Key::E), Command::ToggleMode);
    push(
        pressed(Modifiers::COMMAND, Key::D),
        Command::Open(OpenDialog::StatusDynamics),
    );
    // Opens only with a selection (see `QuartierApp::open`).
    push(
        pressed(Modifiers::COMMAND, Key::G),
        Command::Open(OpenDialog::SaveGroup),
    );
    push(
        pressed(Modifiers::COMMAND, Key::B),
        Command::Open(OpenDialog::SaveBookmark),
    );
    // In a text field, Strg+Z belongs to the field.
    let typing = ctx.egui_wants_keyboard_input();
    push(
        !typing && (pressed(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z) || pressed(Modifiers::COMMAND, Key::Y)),
        Command::Redo,
    );
    push(!typing && pressed(Modifiers::COMMAND, Key::Z), Command::Undo);
    push(pressed(Modifiers::NONE, Key::F1), Command::Open(OpenDialog::About));
    push(pressed(Modifiers::NONE, Key::F11), Command::ToggleMaximise);
    let copy = ctx.input(|i| i.events.contains(&egui::Event::Copy)) && ctx.memory(|m| m.focused().is_none());
    push(copy, Command::CopyRows);
    push(pressed(Modifiers::NONE, Key::Escape), Command::ClearSelection);
    push(pressed(Modifiers::NONE, Key::PageUp), Command::StepPeriod(1));
    push(pressed(Modifiers::NONE, Key::PageDown), Command::StepPeriod(-1));
    commands
}

impl QuartierApp {
    pub(super) fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let w = &self.state;
        let commands = &mut self.commands;
        let mut command = |c: Command| commands.push(c);
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(tr("Datei"), |ui| {
                if ui.button(tr("Neuer Atlas …")).clicked() {
                    command(Command::Atlas(AtlasRequest::New));
                }
                if ui.button(tr("Öffnen …")).clicked() {
                    command(Command::Atlas(AtlasRequest::Open));
                }
                ui.menu_button(tr("Zuletzt geöffnet"), |ui| {
                    let mut requests = Vec::new();
                    super::shell::recent_list(ui, &self.recent, &mut requests);
                    if self.recent.is_empty() {
                        ui.label(tr("noch keine"));
                    }
                    for r in requests {
                        command(Command::Atlas(r));
                    }
                });
                if ui.button(tr("Beispielatlas öffnen")).clicked() {
                    command(Command::Atlas(AtlasRequest::Sample));
                }
                if ui.button(tr("Atlas schließen")).clicked() {
                    command(Command::Atlas(AtlasRequest::Close));
                }
                ui.separator();
                for (kind, label) in [
                    (ImportKind::Geometry, tr("Geometrie importieren …")),
                    (ImportKind::Values, tr("Werte importieren …")),
                    (ImportKind::Pois, tr("Einrichtungen importieren …")),
                ] {
                    if ui.button(label).clicked() {
                        command(Command::Open(OpenDialog::Import(kind)));
                    }
                }
                if ui.button(tr("Veröffentlichen …")).clicked() {
                    command(Command::Open(OpenDialog::Publish));
                }
                if ui.button(tr("Quartiersprofile …")).clicked() {
                    command(Command::Open(OpenDialog::Export(super::save::Export::Profiles)));
                }
                ui.menu_button(tr("Karte exportieren"), |ui| {
                    if let Some(export) = super::diagram::figure_export_menu(ui, super::diagram_export::FigureKind::Map)
                    {
                        command(Command::Open(OpenDialog::Export(export)));
                    }
                });
                ui.separator();
                if ui.button(tr("Atlas-Eigenschaften …")).clicked() {
                    command(Command::Open(OpenDialog::Properties));
                }
                if ui.button(tr("Atlas verwalten …")).clicked() {
                    command(Command::Open(OpenDialog::Manage));
                }
                if ui.button(tr("Einstellungen …")).clicked() {
                    command(Command::Open(OpenDialog::Settings));
                }
                if ui.button(tr("Beenden")).clicked() {
                    command(Command::Quit);
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
                    command(Command::Undo);
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
                    command(Command::Redo);
                }
                ui.separator();
                if ui
                    .add_enabled(
                        w.choice.indicator.is_some(),
                        egui::Button::new(tr("Indikator bearbeiten …")),
                    )
                    .clicked()
                {
                    if let Some(key) = w.choice.indicator.clone() {
                        command(Command::Open(OpenDialog::Metadata(key)));
                    }
                }
            });
            ui.menu_button(tr("Analyse"), |ui| {
                if ui.button(tr("Status und Dynamik …")).clicked() {
                    command(Command::Open(OpenDialog::StatusDynamics));
                }
                for (dialog, label) in [
                    (analyses::Dialog::Index, tr("Zusammengesetzter Index …")),
                    (analyses::Dialog::Suppression, tr("Geheimhaltung prüfen …")),
                    (analyses::Dialog::Aggregation, tr("Auf gröbere Ebene zusammenfassen …")),
                    (analyses::Dialog::Distance, tr("Entfernung zu Einrichtungen …")),
                    (analyses::Dialog::Formula, tr("Berechneter Indikator …")),
                    (analyses::Dialog::Sizes, tr("Gebietsgrößen prüfen …")),
                    (
                        analyses::Dialog::Crosswalk,
                        tr("Auf andere Gebietsgliederung übertragen …"),
                    ),
                ] {
                    if ui.button(label).clicked() {
                        command(Command::Open(OpenDialog::Analysis(dialog)));
                    }
                }
                if ui
                    .button(tr("Berechnete Indikatoren aktualisieren"))
                    .on_hover_text(tr(
                        "Rechnet die berechneten Indikatoren neu, deren Eingänge sich seit der letzten Berechnung geändert haben",
                    ))
                    .clicked()
                {
                    command(Command::Run(super::command::Work::Analysis(
                        analyses::AnalysisRequest::Refresh,
                    )));
                }
                if ui.button(tr("Abfrage (SQL) …")).clicked() {
                    command(Command::ShowPane(Pane::Query, true));
                }
                ui.separator();
                let mut layer = w.choice.layer;
                ui.radio_value(&mut layer, MapLayer::Choropleth, tr("Karte: gewählter Indikator"));
                ui.add_enabled_ui(w.shown.status_dynamics.is_some(), |ui| {
                    ui.radio_value(&mut layer, MapLayer::StatusDynamics, tr("Karte: Status/Dynamik"));
                });
                ui.add_enabled_ui(w.shown.sizes.is_some(), |ui| {
                    ui.radio_value(&mut layer, MapLayer::Sizes, tr("Karte: Gebietsgrößen"));
                });
                if layer != w.choice.layer {
                    command(Command::SetMapLayer(layer));
                }
            });
            ui.menu_button(tr("Auswahl"), |ui| {
                if ui.button(tr("Auswahl aufheben")).clicked() {
                    command(Command::ClearSelection);
                }
                if ui
                    .add_enabled(!w.selection.is_empty(), egui::Button::new(tr("Als Gruppe speichern …")))
                    .clicked()
                {
                    command(Command::Open(OpenDialog::SaveGroup));
                }
                let n = w.selection.len();
                if ui
                    .add_enabled(
                        (1..=quartier_core::report::area::MAX_AREAS).contains(&n),
                        egui::Button::new(tr("Gebietsbericht …")),
                    )
                    .on_disabled_hover_text(tr("1 bis 6 Gebiete auswählen"))
                    .clicked()
                {
                    command(Command::Open(OpenDialog::AreaReport));
                }
                if ui
                    .add_enabled(n == 1, egui::Button::new(tr("Profiltext …")))
                    .on_disabled_hover_text(tr("Ein Gebiet auswählen"))
                    .clicked()
                {
                    command(Command::Open(OpenDialog::AreaText));
                }
                if !w.view.groups.is_empty() {
                    ui.separator();
                    for group in &w.view.groups {
                        if ui.button(format!("Gruppe „{}“", group.name)).clicked() {
                            command(Command::SelectGroup(group.name.clone()));
                        }
                    }
                }
            });
            ui.menu_button(tr("Lesezeichen"), |ui| {
                if ui
                    .add(egui::Button::new(tr("Lesezeichen speichern …")).shortcut_text("Strg+B"))
                    .clicked()
                {
                    command(Command::Open(OpenDialog::SaveBookmark));
                }
                if ui.button(tr("Lesezeichen und Storys …")).clicked() {
                    command(Command::Open(OpenDialog::Stories));
                }
                let bookmarks = w.atlas.bookmarks().unwrap_or_default();
                let stories = w.atlas.stories().unwrap_or_default();
                if !bookmarks.is_empty() {
                    ui.separator();
                    ui.menu_button(tr("Öffnen"), |ui| {
                        for b in &bookmarks {
                            if ui.button(&b.name).clicked() {
                                command(Command::OpenBookmark(b.name.clone()));
                            }
                        }
                    });
                }
                if !stories.is_empty() {
                    ui.menu_button(tr("Präsentieren"), |ui| {
                        for s in stories.iter().filter(|s| !s.bookmarks.is_empty()) {
                            if ui.button(&s.name).clicked() {
                                command(Command::Present(s.name.clone()));
                            }
                        }
                    });
                }
            });
            ui.menu_button(tr("Ansicht"), |ui| {
                for pane in Pane::ALL {
                    let mut open = panes::is_open(&self.layout, pane);
                    if ui.checkbox(&mut open, pane.title()).changed() {
                        command(Command::ShowPane(pane, open));
                    }
                }
                ui.separator();
                if ui.button(tr("Aufteilung zurücksetzen")).clicked() {
                    command(Command::ResetLayout);
                }
            });
            ui.menu_button(tr("Hilfe"), |ui| {
                if ui.button(tr("Über Quartier")).clicked() {
                    command(Command::Open(OpenDialog::About));
                }
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                let mut mode = w.view.mode;
                ui.selectable_value(&mut mode, Mode::Expert, tr("Experte"))
                    .on_hover_text(tr("Alle Indikatoren, Diagramme und Analysen (Strg+E)"));
                ui.selectable_value(&mut mode, Mode::Simple, tr("Einfach"))
                    .on_hover_text(tr("Ausgewählte Indikatoren, Karte und Tabelle (Strg+E)"));
                if mode != w.view.mode {
                    command(Command::SetMode(mode));
                }
            });
        });
    }

    pub(super) fn status_bar_ui(&mut self, ui: &mut egui::Ui) {
        let w = &self.state;
        ui.horizontal(|ui| {
            ui.label(format!("{}: {}", tr("Atlas"), w.info.name));
            ui.separator();
            ui.label(format!("{}: {}", tr("Ebene"), w.level_name()));
            ui.separator();
            ui.label(format!(
                "{}: {}",
                tr("Zeitraum"),
                w.choice.period.as_deref().unwrap_or("–")
            ));
            ui.separator();
            ui.label(format!("{}: {} {}", tr("Auswahl"), w.selection.len(), tr("Gebiete")));
            if self.history.is_busy() {
                ui.separator();
                ui.spinner();
                ui.label(tr("Änderung wird gespeichert …"));
            }
            if let Some(e) = &w.session.error {
                ui.separator();
                ui.colored_label(egui::Color32::from_rgb(220, 60, 60), e);
            } else if let Some(n) = &w.session.notice {
                ui.separator();
                ui.label(n);
            }
        });
    }
}
