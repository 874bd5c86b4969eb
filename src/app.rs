//! The desktop window. For now an overview of the atlas: levels, indicators, POI
//! categories and an outline map of the chosen level. The full workbench (map, table and
//! diagram panes) builds on this.

use std::path::PathBuf;

use anyhow::{anyhow, Context, Result};
use eframe::egui;
use quartier_core::info::{atlas_info, AtlasInfo};
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
    let state = OverviewState::load(atlas)?;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_inner_size([1280.0, 800.0])
            .with_title(format!("Quartier – {}", state.info.name)),
        ..Default::default()
    };
    eframe::run_native("Quartier", options, Box::new(|_cc| Ok(Box::new(QuartierApp { state }))))
        .map_err(|e| anyhow!("Das Fenster konnte nicht geöffnet werden: {e}"))
}

/// Outline rings of one level in a local plane (x = lon · cos φ₀, y = lat), with their extent.
struct Outlines {
    /// cos φ₀, the x scale of the local plane.
    k: f64,
    rings: Vec<Vec<[f64; 2]>>,
    min: [f64; 2],
    max: [f64; 2],
}

/// What the overview shows; loaded once, outlines cached per level.
pub struct OverviewState {
    atlas: Atlas,
    info: AtlasInfo,
    selected_level: usize,
    outlines: Option<(usize, Outlines)>,
    poi_category: Option<String>,
    pois: Vec<[f64; 2]>,
    error: Option<String>,
}

impl OverviewState {
    fn load(atlas: Atlas) -> Result<Self> {
        let info = atlas_info(&atlas)?;
        let selected_level = info.levels.len().saturating_sub(1);
        Ok(OverviewState {
            atlas,
            info,
            selected_level,
            outlines: None,
            poi_category: None,
            pois: Vec::new(),
            error: None,
        })
    }

    fn outlines(&mut self) -> Option<&Outlines> {
        if self.outlines.as_ref().map(|(l, _)| *l) != Some(self.selected_level) {
            let level = self.info.levels.get(self.selected_level)?.name.clone();
            match self.atlas.level(&level).and_then(|l| self.atlas.area_geometries(l.id)) {
                Ok(areas) => {
                    let lat0 = areas
                        .iter()
                        .flat_map(|(_, g)| g.0.iter())
                        .flat_map(|p| p.exterior().0.iter())
                        .map(|c| c.y)
                        .next()
                        .unwrap_or(51.0);
                    let k = lat0.to_radians().cos();
                    let mut o = Outlines {
                        k,
                        rings: Vec::new(),
                        min: [f64::MAX; 2],
                        max: [f64::MIN; 2],
                    };
                    for (_, g) in &areas {
                        for p in &g.0 {
                            for ring in std::iter::once(p.exterior()).chain(p.interiors()) {
                                let pts: Vec<[f64; 2]> = ring.0.iter().map(|c| [c.x * k, c.y]).collect();
                                for q in &pts {
                                    o.min = [o.min[0].min(q[0]), o.min[1].min(q[1])];
                                    o.max = [o.max[0].max(q[0]), o.max[1].max(q[1])];
                                }
                                o.rings.push(pts);
                            }
                        }
                    }
                    self.outlines = Some((self.selected_level, o));
                }
                Err(e) => {
                    self.error = Some(e.to_string());
                    return None;
                }
            }
        }
        self.outlines.as_ref().map(|(_, o)| o)
    }

    /// The sidebar: levels, POI categories, indicators.
    fn sidebar_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading(&self.info.name);
        ui.label(format!("Zeiträume: {}", self.info.periods.join(", ")));
        ui.separator();
        ui.strong("Ebenen");
        for (i, l) in self.info.levels.iter().enumerate() {
            if ui
                .selectable_label(self.selected_level == i, format!("{} ({})", l.name, l.areas))
                .clicked()
            {
                self.selected_level = i;
            }
        }
        ui.separator();
        ui.strong("Einrichtungen");
        let mut chosen = None;
        for c in &self.info.poi_categories {
            let on = self.poi_category.as_deref() == Some(c.name.as_str());
            if ui.selectable_label(on, format!("{} ({})", c.name, c.count)).clicked() {
                chosen = Some(if on { None } else { Some(c.name.clone()) });
            }
        }
        if let Some(choice) = chosen {
            self.poi_category = choice;
            self.pois = match &self.poi_category {
                Some(c) => self
                    .atlas
                    .pois(c)
                    .map(|p| p.into_iter().map(|p| [p.lon, p.lat]).collect())
                    .unwrap_or_default(),
                None => Vec::new(),
            };
        }
        ui.separator();
        ui.strong("Indikatoren");
        egui::ScrollArea::vertical().show(ui, |ui| {
            for i in &self.info.indicators {
                let unit = if i.unit.is_empty() {
                    String::new()
                } else {
                    format!(" [{}]", i.unit)
                };
                ui.label(format!("{}{unit}", i.name)).on_hover_text(format!(
                    "{} · {} · Zeiträume: {}",
                    i.key,
                    i.topic,
                    i.periods.join(", ")
                ));
            }
        });
    }

    /// The outline map of the selected level, fitted to the panel.
    fn map_ui(&mut self, ui: &mut egui::Ui) {
        let (rect, _) = ui.allocate_exact_size(ui.available_size(), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, egui::Color32::from_rgb(246, 244, 238));
        let pois = self.pois.clone();
        let Some(o) = self.outlines() else {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                "Keine Geometrie auf dieser Ebene",
                egui::FontId::proportional(16.0),
                egui::Color32::GRAY,
            );
            return;
        };
        let (w, h) = ((o.max[0] - o.min[0]).max(1e-9), (o.max[1] - o.min[1]).max(1e-9));
        let scale = ((rect.width() as f64 - 40.0) / w).min((rect.height() as f64 - 40.0) / h);
        let origin = rect.center();
        let (cx, cy) = ((o.min[0] + o.max[0]) / 2.0, (o.min[1] + o.max[1]) / 2.0);
        let screen_from_world = |p: [f64; 2]| {
            egui::pos2(
                origin.x + ((p[0] - cx) * scale) as f32,
                origin.y - ((p[1] - cy) * scale) as f32,
            )
        };
        let stroke = egui::Stroke::new(1.0, egui::Color32::from_rgb(70, 80, 100));
        for ring in &o.rings {
            painter.add(egui::Shape::closed_line(
                ring.iter().map(|p| screen_from_world(*p)).collect(),
                stroke,
            ));
        }
        for p in pois {
            painter.circle_filled(
                screen_from_world([p[0] * o.k, p[1]]),
                2.0,
                egui::Color32::from_rgb(200, 60, 40),
            );
        }
    }
}

/// The eframe application.
pub struct QuartierApp {
    state: OverviewState,
}

impl eframe::App for QuartierApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::Panel::top("statusleiste").show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.label(format!("Atlas: {}", self.state.info.name));
                if let Some(l) = self.state.info.levels.get(self.state.selected_level) {
                    ui.separator();
                    ui.label(format!("Ebene: {}", l.name));
                }
                if let Some(e) = &self.state.error {
                    ui.separator();
                    ui.colored_label(egui::Color32::RED, e);
                }
            });
        });
        egui::Panel::left("atlasbaum")
            .default_size(300.0)
            .show(ui, |ui| self.state.sidebar_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| self.state.map_ui(ui));
    }
}
