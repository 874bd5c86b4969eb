//! The desktop workbench: a sidebar with levels, indicators (searchable), period and
//! classification; the map and the table side by side, sharing one selection. Everything shown
//! comes from the engine ([`state::Workbench`]); the panes only draw and dispatch.

mod map;
mod palette;
mod state;
mod table;

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use eframe::egui;
use quartier_core::progress::ProgressFn;
use quartier_core::Atlas;

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
    let state = state::Workbench::new(atlas)?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title(format!("Quartier – {}", state.info.name)),
        ..Default::default()
    };
    let app = QuartierApp {
        state,
        geometry: None,
        view: map::View::default(),
        order: table::Order::default(),
    };
    eframe::run_native("Quartier", options, Box::new(|_cc| Ok(Box::new(app))))
        .map_err(|e| anyhow!("Das Fenster konnte nicht geöffnet werden: {e}"))
}

/// The eframe application.
pub struct QuartierApp {
    state: state::Workbench,
    /// Triangulated areas of the shown level, rebuilt only when the level changes.
    geometry: Option<map::MapGeometry>,
    view: map::View,
    order: table::Order,
}

impl QuartierApp {
    /// The sidebar: levels, indicators with search, period, classification.
    fn sidebar_ui(&mut self, ui: &mut egui::Ui) {
        let w = &mut self.state;
        ui.heading(&w.info.name);
        ui.separator();
        ui.strong("Ebene");
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
        ui.strong("Zeitraum");
        let periods = w.periods();
        let mut period = None;
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
        ui.strong("Klassen");
        let mut changed = false;
        egui::ComboBox::from_id_salt("verfahren")
            .selected_text(state::METHODS[w.method].0)
            .show_ui(ui, |ui| {
                for (i, (name, _)) in state::METHODS.iter().enumerate() {
                    changed |= ui.selectable_value(&mut w.method, i, *name).changed();
                }
            });
        changed |= ui
            .add(egui::Slider::new(&mut w.classes, 2..=9).text("Klassen"))
            .changed();
        if changed {
            w.refresh();
        }
        ui.separator();
        ui.strong("Indikatoren");
        ui.add(egui::TextEdit::singleline(&mut w.search).hint_text("Suchen …"));
        let search = w.search.to_lowercase();
        let mut chosen = None;
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
                let unit = if i.unit.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", i.unit)
                };
                let on = w.indicator.as_deref() == Some(i.key.as_str());
                if ui
                    .selectable_label(on, format!("{}{unit}", i.name))
                    .on_hover_text(format!("{} · Zeiträume: {}", i.key, i.periods.join(", ")))
                    .clicked()
                {
                    chosen = Some(i.key.clone());
                }
            }
        });
        if let Some(key) = chosen {
            w.choose_indicator(&key);
        }
    }
}

impl eframe::App for QuartierApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::bottom("statusleiste").show(ui, |ui| {
            let w = &self.state;
            ui.horizontal(|ui| {
                ui.label(format!("Atlas: {}", w.info.name));
                ui.separator();
                ui.label(format!("Ebene: {}", w.level_name()));
                ui.separator();
                ui.label(format!("Zeitraum: {}", w.period.as_deref().unwrap_or("–")));
                ui.separator();
                ui.label(format!("Auswahl: {} Gebiete", w.selection.len()));
                if let Some(e) = &w.error {
                    ui.separator();
                    ui.colored_label(egui::Color32::RED, e);
                }
            });
        });
        egui::Panel::left("atlasbaum")
            .default_size(300.0)
            .show(ui, |ui| self.sidebar_ui(ui));
        let level = self.state.level_name().to_string();
        if self.geometry.as_ref().map(|g| g.level.as_str()) != Some(level.as_str()) {
            match map::MapGeometry::build(&self.state.atlas, &level) {
                Ok(g) => self.geometry = Some(g),
                Err(e) => self.state.error = Some(e.to_string()),
            }
            self.view = map::View::default();
        }
        egui::Panel::right("tabelle")
            .default_size(420.0)
            .show(ui, |ui| table::table_ui(ui, &mut self.state, &mut self.order));
        egui::CentralPanel::default().show(ui, |ui| {
            if let Some(g) = &self.geometry {
                map::map_ui(ui, &mut self.state, g, &mut self.view);
            }
        });
    }
}
