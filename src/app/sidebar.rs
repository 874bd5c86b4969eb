//! The sidebar: levels, period, classification, a second indicator, POI categories and the
//! searchable indicator list. It shows the state and pushes commands.

use eframe::egui;

use super::command::{Command, OpenDialog};
use super::i18n::tr;
use super::palette;
use super::state::{self, Mode};
use super::QuartierApp;

impl QuartierApp {
    /// The sidebar: levels, indicators with search, period, classification.
    pub(super) fn sidebar_ui(&mut self, ui: &mut egui::Ui) {
        let w = &mut self.state;
        let commands = &mut self.commands;
        let focus_search = &mut self.focus_search;
        ui.heading(&w.info.name);
        ui.separator();
        ui.strong(tr("Ebene"));
        let mut level = None;
        for (i, l) in w.info.levels.iter().enumerate() {
            if ui
                .selectable_label(w.choice.level == i, format!("{} ({})", l.name, l.areas))
                .clicked()
            {
                level = Some(i);
            }
        }
        if let Some(i) = level {
            commands.push(Command::ChooseLevel(i));
        }
        ui.separator();
        let heading = ui.strong(tr("Zeitraum"));
        let periods = w.periods();
        let mut period = None;
        let current = w
            .choice
            .period
            .as_ref()
            .and_then(|p| periods.iter().position(|x| x == p));
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
                    .selectable_label(w.choice.period.as_deref() == Some(p.as_str()), p)
                    .clicked()
                {
                    period = Some(p.clone());
                }
            }
        });
        if let Some(p) = period {
            commands.push(Command::ChoosePeriod(p));
        }
        ui.separator();
        ui.strong(tr("Klassen"));
        // The typed breaks stay in the state while being typed; the classification changes by
        // command when a choice is made or the field is left.
        let mut changed = false;
        let (mut method, mut classes) = (w.choice.method, w.choice.classes);
        // A categorical indicator's classes are its categories: nothing to choose.
        ui.add_enabled_ui(!w.is_categorical(), |ui| {
            let label = ui.label(tr("Verfahren"));
            egui::ComboBox::from_id_salt("verfahren")
                .selected_text(tr(state::METHODS[method].0))
                .show_ui(ui, |ui| {
                    for (i, (name, _)) in state::METHODS.iter().enumerate() {
                        changed |= ui.selectable_value(&mut method, i, tr(name)).changed();
                    }
                })
                .response
                .labelled_by(label.id);
            if state::METHODS[method.min(state::METHODS.len() - 1)].1 == state::MethodChoice::Manual {
                let label = ui.label(tr("Grenzen (durch ; getrennt)"));
                changed |= ui
                    .add(egui::TextEdit::singleline(&mut w.choice.manual_breaks).hint_text(tr("z. B. 5; 10,5; 20")))
                    .labelled_by(label.id)
                    .lost_focus();
            } else {
                changed |= ui
                    .add(egui::Slider::new(&mut classes, 2..=9).text(tr("Klassen")))
                    .changed();
            }
        });
        if w.is_categorical() {
            ui.weak(tr("Kategorialer Indikator: eine Klasse je Kategorie"));
        }
        // Colours: the ColorBrewer schemes that fit the classes (sequential, diverging or
        // qualitative), the colour-blind-safe ones marked.
        let kind = w.scheme_kind();
        let current = super::palette::scheme(kind, w.choice.scheme.as_deref());
        let name = |s: &super::palette::Scheme| {
            if s.colour_blind_safe {
                format!("{} ({})", s.name, tr("farbenblind-sicher"))
            } else {
                s.name.to_string()
            }
        };
        let mut scheme = current.name.to_string();
        let mut reversed = w.choice.reversed;
        ui.horizontal(|ui| {
            let label = ui.label(tr("Farben"));
            egui::ComboBox::from_id_salt("farbschema")
                .selected_text(name(current))
                .show_ui(ui, |ui| {
                    for s in super::palette::SCHEMES.iter().filter(|s| s.kind == kind) {
                        ui.selectable_value(&mut scheme, s.name.to_string(), name(s));
                    }
                })
                .response
                .labelled_by(label.id);
            ui.checkbox(&mut reversed, tr("umkehren"));
        });
        if scheme != current.name || reversed != w.choice.reversed {
            commands.push(Command::SetScheme {
                scheme: Some(scheme),
                reversed,
            });
        }
        if w.view.mode == Mode::Expert
            && w.choice.indicator.is_some()
            && ui
                .button(tr("Als Standard für diese Ebene speichern"))
                .on_hover_text(tr(
                    "Verfahren, Klassen und Farben werden im Atlas gespeichert: wer ihn öffnet, sieht dieselbe Karte",
                ))
                .clicked()
        {
            commands.push(Command::SavePresentation);
        }
        if changed {
            commands.push(Command::SetClassification {
                method,
                classes,
                manual_breaks: w.choice.manual_breaks.clone(),
            });
        }
        if w.view.mode == Mode::Expert {
            let label = ui.label(tr("Säulen (zweiter Indikator)"));
            let options: Vec<(String, String)> = w
                .indicators_on_level()
                .iter()
                .map(|i| (i.key.clone(), i.name.clone()))
                .collect();
            let shown = w
                .choice
                .column_indicator
                .as_ref()
                .and_then(|k| options.iter().find(|(o, _)| o == k))
                .map_or(tr("keine").to_string(), |(_, n)| n.clone());
            let mut chosen = w.choice.column_indicator.clone();
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
            if chosen != w.choice.column_indicator {
                commands.push(Command::SetColumnIndicator(chosen));
            }
        }
        if !w.shown.poi_layers.is_empty() {
            ui.separator();
            ui.strong(tr("Einrichtungen"));
            let mut toggled = None;
            for (i, layer) in w.shown.poi_layers.iter().enumerate() {
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
            if let Some((layer, shown)) = toggled {
                commands.push(Command::ShowPois { layer, shown });
            }
        }
        ui.separator();
        ui.strong(tr("Indikatoren"));
        ui.horizontal(|ui| {
            let label = ui.label(tr("Suchen"));
            let search_box = ui
                .add(egui::TextEdit::singleline(&mut w.session.search).hint_text(tr("Name oder Schlüssel (Strg+F)")))
                .labelled_by(label.id);
            if std::mem::take(focus_search) {
                search_box.request_focus();
            }
        });
        let search = w.session.search.to_lowercase();
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
                let on = w.choice.indicator.as_deref() == Some(i.key.as_str());
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
            commands.push(Command::ChooseIndicator(key));
        }
        if let Some((key, offered)) = curate {
            commands.push(Command::CurateSimple { key, offered });
        }
        if let Some(key) = edit_metadata {
            commands.push(Command::Open(OpenDialog::Metadata(key)));
        }
    }
}
