//! The table pane: key, name, the chosen indicator and any added columns, the reference row
//! (Gesamtstadt) on top, German numbers with each indicator's decimals, "k. A." where a value
//! is suppressed, and the class of each area in the map's colour. Rows can be filtered and
//! sorted by any column; clicking a row selects the area everywhere. The rows shown can be
//! copied (tab-separated, for Excel) and exported as CSV or XLSX. The figures come from the
//! engine's value table ([`quartier_core::export::ValueTable`]).

use super::i18n::tr;
use std::collections::HashMap;

use super::save::Export;
use eframe::egui;

use super::command::{Command, OpenDialog};
use super::palette;
use super::state::Workbench;
use quartier_core::export::TableCell;
use quartier_core::model::ValueFlag;
use quartier_core::numbers::format_german;

const ROW_HEIGHT: f32 = 22.0;
const KEY_WIDTH: f32 = 86.0;
const NAME_WIDTH: f32 = 168.0;
const VALUE_WIDTH: f32 = 112.0;

/// How the table is sorted and filtered (kept by the app between frames).
#[derive(Clone, PartialEq, Eq, Default)]
pub struct TableView {
    /// `None`: by key; `Some(i)`: by value column `i`.
    pub sort_column: Option<usize>,
    /// Highest first.
    pub descending: bool,
    /// Only rows whose key or name contains this (case-insensitive).
    pub filter: String,
}

impl TableView {
    /// Indices of the rows to show, filtered and sorted; "k. A." and empty cells last.
    pub fn visible_rows(&self, w: &Workbench) -> Vec<usize> {
        let Some(t) = &w.shown.table else { return Vec::new() };
        let filter = self.filter.trim().to_lowercase();
        let mut rows: Vec<usize> = (0..t.rows.len())
            .filter(|i| {
                let r = &t.rows[*i];
                filter.is_empty() || r.key.to_lowercase().contains(&filter) || r.name.to_lowercase().contains(&filter)
            })
            .collect();
        match self.sort_column {
            None => {
                if self.descending {
                    rows.reverse();
                }
            }
            Some(c) => {
                let value = |i: &usize| t.rows[*i].cells.get(c).and_then(|x| x.number());
                rows.sort_by(|a, b| match (value(a), value(b)) {
                    (Some(x), Some(y)) if self.descending => y.total_cmp(&x),
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                });
            }
        }
        rows
    }

    /// Clicking a header: sort by it, or turn the order round when it already sorts.
    fn sort_by(&mut self, column: Option<usize>) {
        if self.sort_column == column {
            self.descending = !self.descending;
        } else {
            self.sort_column = column;
            self.descending = column.is_some();
        }
    }

    /// Paints the sort direction at the right end of a header (a triangle: the UI font
    /// has no arrow glyphs).
    fn paint_arrow(&self, ui: &egui::Ui, column: Option<usize>, header: egui::Rect) {
        if self.sort_column != column {
            return;
        }
        let c = egui::pos2(header.right() + 8.0, header.center().y);
        let (tip, base) = if self.descending { (4.0, -3.0) } else { (-4.0, 3.0) };
        let points = vec![
            c + egui::vec2(0.0, tip),
            c + egui::vec2(-4.0, base),
            c + egui::vec2(4.0, base),
        ];
        ui.painter().add(egui::Shape::convex_polygon(
            points,
            ui.visuals().text_color(),
            egui::Stroke::NONE,
        ));
    }
}

/// Adds a widget in a cell of fixed width: text left, numbers right.
fn cell(ui: &mut egui::Ui, width: f32, right: bool, widget: impl egui::Widget) -> egui::Response {
    let layout = if right {
        egui::Layout::right_to_left(egui::Align::Center)
    } else {
        egui::Layout::left_to_right(egui::Align::Center)
    };
    ui.allocate_ui_with_layout(egui::vec2(width, ROW_HEIGHT), layout, |ui| {
        ui.set_min_size(egui::vec2(width, ROW_HEIGHT));
        ui.add(widget)
    })
    .inner
}

/// The table pane.
pub struct TablePane;

impl super::panes::PaneView for TablePane {
    fn pane(&self) -> super::panes::Pane {
        super::panes::Pane::Table
    }

    fn title(&self) -> &'static str {
        tr("Tabelle")
    }

    fn ui(&self, ui: &mut egui::Ui, c: &mut super::panes::PaneContext<'_>) {
        table_ui(ui, c.state, c.table, c.commands)
    }
}

/// Draws the table with its toolbar.
pub fn table_ui(ui: &mut egui::Ui, w: &mut Workbench, view: &mut TableView, commands: &mut Vec<Command>) {
    if w.shown.table.is_none() {
        ui.label(tr("Kein Indikator gewählt"));
        return;
    }
    toolbar_ui(ui, w, view, commands);
    if !w.info.attribution.is_empty() {
        ui.small(format!("{} {}", tr("Quelle:"), w.info.attribution));
    }
    let Some(t) = w.shown.table.clone() else { return };
    let rows = view.visible_rows(w);
    let classes: HashMap<&str, Option<usize>> = w
        .shown
        .classified
        .iter()
        .flat_map(|c| c.areas.iter())
        .map(|a| (a.key.as_str(), a.class))
        .collect();
    let k = w.shown.classified.as_ref().map_or(1, |c| c.labels.len());
    let mut clicked = None;
    let mut hovered = None;
    let mut remove_column = None;
    egui::ScrollArea::horizontal().show(ui, |ui| {
        ui.vertical(|ui| {
            // Header: click to sort.
            ui.horizontal(|ui| {
                let header = cell(ui, KEY_WIDTH, false, egui::Button::new(tr("Schlüssel")).frame(false));
                view.paint_arrow(ui, None, header.rect);
                if header.clicked() {
                    view.sort_by(None);
                }
                cell(
                    ui,
                    NAME_WIDTH,
                    false,
                    egui::Label::new(egui::RichText::new(tr("Name")).strong()),
                );
                for (c, column) in t.columns.iter().enumerate() {
                    let header = cell(
                        ui,
                        VALUE_WIDTH,
                        true,
                        egui::Button::new(&column.indicator.name).frame(false).truncate(),
                    )
                    .on_hover_text(format!("{}\nKlicken: sortieren", column.header()));
                    view.paint_arrow(ui, Some(c), header.rect);
                    if header.clicked() {
                        view.sort_by(Some(c));
                    }
                    if c > 0 {
                        header.context_menu(|ui| {
                            if ui.button(tr("Spalte entfernen")).clicked() {
                                remove_column = Some(column.indicator.key.clone());
                            }
                        });
                    }
                }
                ui.label(egui::RichText::new(tr("Klasse")).strong());
            });
            // The reference row.
            ui.horizontal(|ui| {
                cell(ui, KEY_WIDTH, false, egui::Label::new(""));
                cell(
                    ui,
                    NAME_WIDTH,
                    false,
                    egui::Label::new(egui::RichText::new(format!("{} (Gesamtstadt)", w.info.name)).strong()).truncate(),
                );
                for column in &t.columns {
                    let reference = &column.reference;
                    let text = reference.display_de(column.decimals());
                    // No rule is not a value: grey, with the reason on hover. An official value
                    // is marked "amtl." and shows the computed one beside it where they differ.
                    let (text, hover) = match (reference.status, reference.computed) {
                        (quartier_core::reference::ReferenceStatus::NoRule, _) => {
                            (egui::RichText::new(text).weak().italics(), reference.method.clone())
                        }
                        (quartier_core::reference::ReferenceStatus::Official, computed) => (
                            egui::RichText::new(format!("{text} amtl.")).strong(),
                            match computed {
                                Some(c) => format!(
                                    "{}; aus den Gebieten berechnet: {}",
                                    reference.method,
                                    format_german(c, column.decimals())
                                ),
                                None => format!("{}; stimmt mit dem berechneten Wert überein", reference.method),
                            },
                        ),
                        _ => (egui::RichText::new(text).strong(), reference.method.clone()),
                    };
                    cell(ui, VALUE_WIDTH, true, egui::Label::new(text)).on_hover_text(hover);
                }
            });
            ui.separator();
            egui::ScrollArea::vertical()
                .auto_shrink(false)
                .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
                    for &i in &rows[range] {
                        let row = &t.rows[i];
                        let selected = w.selection.contains(&row.key);
                        let highlighted = selected || w.selection.hovered.as_deref() == Some(row.key.as_str());
                        let response = ui
                            .horizontal(|ui| {
                                let key = cell(ui, KEY_WIDTH, false, egui::Button::selectable(selected, &row.key));
                                let name = cell(
                                    ui,
                                    NAME_WIDTH,
                                    false,
                                    egui::Button::selectable(highlighted, &row.name).truncate(),
                                );
                                for (c, (value, column)) in row.cells.iter().zip(&t.columns).enumerate() {
                                    let mut shown = cell(
                                        ui,
                                        VALUE_WIDTH,
                                        true,
                                        egui::Label::new(cell_text(value, column.decimals()))
                                            .sense(egui::Sense::click()),
                                    );
                                    if let TableCell::Flagged(_, flag) = value {
                                        shown = shown.on_hover_text(flag.meaning_de());
                                    }
                                    if c == 0 {
                                        if shown.double_clicked() {
                                            commands.push(Command::Open(OpenDialog::Value(row.key.clone())));
                                        }
                                        shown.context_menu(|ui| {
                                            if ui.button(tr("Wert ändern …")).clicked() {
                                                commands.push(Command::Open(OpenDialog::Value(row.key.clone())));
                                                ui.close();
                                            }
                                        });
                                    }
                                }
                                let colour = classes
                                    .get(row.key.as_str())
                                    .copied()
                                    .flatten()
                                    .map_or(palette::NO_DATA, |class| w.class_colour(class, k));
                                let (swatch, _) = ui.allocate_exact_size(egui::vec2(18.0, 14.0), egui::Sense::hover());
                                ui.painter().rect_filled(swatch, 2.0, colour);
                                (key, name)
                            })
                            .inner;
                        if response.0.clicked() || response.1.clicked() {
                            clicked = Some(row.key.clone());
                        }
                        if response.0.hovered() || response.1.hovered() {
                            hovered = Some(row.key.clone());
                        }
                    }
                });
        });
    });
    if let Some(key) = clicked {
        let extend = ui.input(|i| i.modifiers.command || i.modifiers.shift);
        commands.push(Command::Click { key, extend });
    }
    if let Some(key) = hovered {
        commands.push(Command::Hover(key));
    }
    if let Some(key) = remove_column {
        commands.push(Command::RemoveTableColumn(key));
    }
}

/// Filter, added columns, copy and export.
fn toolbar_ui(ui: &mut egui::Ui, w: &mut Workbench, view: &mut TableView, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let label = ui.label(tr("Filter"));
        ui.add(
            egui::TextEdit::singleline(&mut view.filter)
                .hint_text(tr("Schlüssel oder Name"))
                .desired_width(160.0),
        )
        .labelled_by(label.id);
        let shown: Vec<String> = w
            .shown
            .table
            .iter()
            .flat_map(|t| t.columns.iter())
            .map(|c| c.indicator.key.clone())
            .collect();
        let candidates: Vec<(String, String)> = w
            .indicators_on_level()
            .iter()
            .filter(|i| !shown.contains(&i.key))
            .map(|i| (i.key.clone(), i.name.clone()))
            .collect();
        let mut added = None;
        ui.menu_button(tr("Spalte hinzufügen"), |ui| {
            egui::ScrollArea::vertical().max_height(360.0).show(ui, |ui| {
                for (key, name) in &candidates {
                    if ui.button(name).clicked() {
                        added = Some(key.clone());
                        ui.close();
                    }
                }
            });
        });
        if let Some(key) = added {
            commands.push(Command::AddTableColumn(key));
        }
        if ui
            .button(tr("Kopieren"))
            .on_hover_text(tr(
                "Die gezeigten Zeilen (oder die Auswahl) für Excel in die Zwischenablage (Strg+C)",
            ))
            .clicked()
        {
            commands.push(Command::CopyRows);
        }
        ui.menu_button(tr("Exportieren"), |ui| {
            for (kind, label) in [
                (Export::TableXlsx, tr("Als Excel-Datei (XLSX) …")),
                (Export::TableCsv, tr("Als CSV-Datei …")),
            ] {
                if ui.button(label).clicked() {
                    ui.close();
                    commands.push(Command::Open(OpenDialog::Export(kind)));
                }
            }
        });
    });
}

/// Copies the selected rows, or without a selection the rows shown, to the clipboard.
pub fn copy_rows(ctx: &egui::Context, w: &mut Workbench, view: &TableView) {
    let Some(t) = &w.shown.table else { return };
    let mut rows = view.visible_rows(w);
    if !w.selection.is_empty() {
        rows.retain(|i| w.selection.contains(&t.rows[*i].key));
    }
    ctx.copy_text(t.to_tsv(&rows));
    w.session.notice = Some(format!("{} Zeilen in die Zwischenablage kopiert", rows.len()));
}

/// A value cell as the table shows it: official signs, with "p", "r" and "s" raised
/// (`1.234ᵖ`) so the column of numbers stays readable; the meaning is on hover.
fn cell_text(value: &TableCell, decimals: usize) -> String {
    match value {
        TableCell::Flagged(v, flag @ (ValueFlag::Provisional | ValueFlag::Revised | ValueFlag::Estimated)) => {
            let raised = match flag {
                ValueFlag::Provisional => 'ᵖ',
                ValueFlag::Revised => 'ʳ',
                _ => 'ˢ',
            };
            format!("{}{raised}", format_german(*v, decimals))
        }
        other => other.display_de(decimals),
    }
}
