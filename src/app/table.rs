//! The table pane: the Gesamtstadt row on top, then one row per area with its value in German
//! notation ("k. A." where there is none) and its class in the map's colour. Clicking a row
//! selects the area everywhere.

use eframe::egui;

use super::palette;
use super::state::Workbench;

/// Row order.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By key.
    #[default]
    Key,
    /// Highest value first ("k. A." last).
    ValueDown,
    /// Lowest value first ("k. A." last).
    ValueUp,
}

/// Draws the table pane.
pub fn table_ui(ui: &mut egui::Ui, w: &mut Workbench, order: &mut Order) {
    let Some(c) = w.classified.clone() else {
        ui.label("Kein Indikator gewählt");
        return;
    };
    let fmt = |v: Option<f64>| w.format(v);
    ui.horizontal(|ui| {
        ui.label("Sortierung:");
        ui.selectable_value(order, Order::Key, "Schlüssel");
        ui.selectable_value(order, Order::ValueDown, "höchste zuerst");
        ui.selectable_value(order, Order::ValueUp, "niedrigste zuerst");
    });
    let mut rows: Vec<&quartier_core::analysis::classify::AreaClass> = c.areas.iter().collect();
    match order {
        Order::Key => {}
        Order::ValueDown => rows.sort_by(|a, b| b.value.unwrap_or(f64::MIN).total_cmp(&a.value.unwrap_or(f64::MIN))),
        Order::ValueUp => rows.sort_by(|a, b| a.value.unwrap_or(f64::MAX).total_cmp(&b.value.unwrap_or(f64::MAX))),
    }
    let k = c.labels.len();
    let mut clicked = None;
    let mut hovered = None;
    egui::ScrollArea::vertical().auto_shrink(false).show(ui, |ui| {
        egui::Grid::new("werte_tabelle")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                ui.strong("Schlüssel");
                ui.strong("Name");
                ui.strong(w.indicator_info().map_or(String::new(), |i| i.name.clone()));
                ui.strong("Klasse");
                ui.end_row();
                let reference = w.reference.as_ref();
                ui.label("");
                ui.strong(format!("{} (Gesamtstadt)", w.info.name));
                ui.strong(fmt(reference.and_then(|r| r.value)))
                    .on_hover_text(reference.map_or(String::new(), |r| r.method.clone()));
                ui.label("");
                ui.end_row();
                for a in rows {
                    let selected = w.selection.contains(&a.key);
                    let key = ui.selectable_label(selected, &a.key);
                    let name = ui.selectable_label(selected, &a.name);
                    ui.label(fmt(a.value));
                    let colour = a.class.map_or(palette::NO_DATA, |class| palette::sequential(class, k));
                    let (swatch, _) = ui.allocate_exact_size(egui::vec2(18.0, 14.0), egui::Sense::hover());
                    ui.painter().rect_filled(swatch, 2.0, colour);
                    ui.end_row();
                    if key.clicked() || name.clicked() {
                        clicked = Some(a.key.clone());
                    }
                    if key.hovered() || name.hovered() {
                        hovered = Some(a.key.clone());
                    }
                }
            });
    });
    if let Some(key) = clicked {
        let extend = ui.input(|i| i.modifiers.command || i.modifiers.shift);
        w.click(&key, extend);
    }
    if let Some(key) = hovered {
        w.hover(&key);
    }
}
