//! The query pane for analysts: SQL over the view `werte` of the atlas's values
//! ([`quartier_core::analysis::query`]), the result as a table, exported as CSV through the
//! save dialog (run again over the protected values unless marked internal). The pane only
//! draws the state ([`super::state::QueryPane`]) and pushes commands.

use eframe::egui;

use super::command::{Command, OpenDialog};
use super::i18n::tr;
use super::save::Export;
use super::state::Workbench;

/// How many rows the pane draws (the export writes all).
const SHOWN_ROWS: usize = 500;

/// The query pane.
pub struct QueryPaneView;

impl super::panes::PaneView for QueryPaneView {
    fn pane(&self) -> super::panes::Pane {
        super::panes::Pane::Query
    }

    fn title(&self) -> &'static str {
        tr("Abfrage")
    }

    fn ui(&self, ui: &mut egui::Ui, c: &mut super::panes::PaneContext<'_>) {
        query_ui(ui, c.state, c.commands)
    }
}

fn query_ui(ui: &mut egui::Ui, w: &mut Workbench, commands: &mut Vec<Command>) {
    ui.label(
        egui::RichText::new(tr(
            "SQL über die Sicht „werte“: ebene, periode, key, name und je Indikator eine Spalte (sein Schlüssel). \
             Nur lesend; Strg+Eingabe führt aus.",
        ))
        .weak(),
    );
    let label = ui.strong(tr("SQL-Abfrage"));
    let editor = ui
        .add(
            egui::TextEdit::multiline(&mut w.session.query.sql)
                .code_editor()
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
    let run_by_key = editor.has_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter) && i.modifiers.command);
    ui.horizontal(|ui| {
        if ui.button(tr("Ausführen")).clicked() || run_by_key {
            commands.push(Command::RunQuery);
        }
        let has_result = w.session.query.result.is_some();
        if ui
            .add_enabled(has_result, egui::Button::new(tr("Exportieren (CSV) …")))
            .on_hover_text(tr(
                "Die Abfrage wird über die geheim gehaltenen Werte wiederholt, wie bei allem, was den Rechner verlässt.",
            ))
            .clicked()
        {
            commands.push(Command::Open(OpenDialog::Export(Export::QueryCsv)));
        }
    });
    if let Some(e) = &w.session.query.error {
        ui.colored_label(egui::Color32::from_rgb(200, 40, 40), e);
    }
    let Some(r) = &w.session.query.result else {
        return;
    };
    ui.label(format!(
        "{} Zeilen{}{} · {}",
        r.rows.len(),
        if r.truncated { " (gekürzt)" } else { "" },
        if r.rows.len() > SHOWN_ROWS {
            format!(", die ersten {SHOWN_ROWS} gezeigt")
        } else {
            String::new()
        },
        tr("intern, ohne Geheimhaltung")
    ));
    egui::ScrollArea::both()
        .id_salt("abfrage_ergebnis")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            egui::Grid::new("abfrage_tabelle").striped(true).show(ui, |ui| {
                for c in &r.columns {
                    ui.strong(c);
                }
                ui.end_row();
                for row in 0..r.rows.len().min(SHOWN_ROWS) {
                    for column in 0..r.columns.len() {
                        let text = r.display_de(row, column);
                        if matches!(
                            r.rows[row][column],
                            quartier_core::analysis::query::QueryCell::Number(_)
                        ) {
                            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| ui.label(text));
                        } else {
                            ui.label(text);
                        }
                    }
                    ui.end_row();
                }
            });
        });
}
