//! The result windows of the analysis dialogs: the composite index with its rank intervals
//! as a diagram, the suppression preview, and the distances per area.

use eframe::egui;
use egui_plot::{Line, Plot, Points};
use quartier_core::analysis::distance::DistanceResult;
use quartier_core::analysis::index::IndexResult;
use quartier_core::analysis::suppress::{Reason, SuppressionReport};
use quartier_core::numbers::format_german;

use super::i18n::tr;

pub(super) fn index_result_ui(ui: &mut egui::Ui, r: &IndexResult) {
    ui.label(format!("{} · {}", r.direction, r.weighting));
    ui.label(egui::RichText::new(&r.compensability).weak());
    let de = |v: Option<f64>| v.map_or("x".to_string(), |v| format_german(v, 2));
    ui.label(format!(
        "{} Gebiete, {} ausgeschlossen · Cronbachs α {} · erste Hauptkomponente {} %",
        r.areas.len(),
        r.excluded.len(),
        de(r.checks.cronbach_alpha),
        de(r.checks.first_component_share.map(|s| s * 100.0))
    ));
    if !r.saved.is_empty() {
        ui.label(format!("Gespeichert als {}", r.saved.join(", ")));
    }
    let Some(u) = &r.uncertainty else { return };
    ui.label(format!(
        "Unsicherheit ({} Läufe): mittlere Breite des 5–95-%-Rangintervalls {} Ränge",
        u.settings.runs,
        format_german(u.mean_interval_width, 1)
    ));
    for s in &u.sensitivity {
        ui.label(format!(
            "  {}: {} % der Rangvarianz",
            s.factor,
            format_german(s.share * 100.0, 0)
        ));
    }
    // Rank intervals: areas by median rank, each with its 5–95 % interval.
    let mut areas: Vec<_> = r.areas.iter().filter(|a| a.rank_median.is_some()).collect();
    areas.sort_by(|a, b| a.rank_median.unwrap_or(0.0).total_cmp(&b.rank_median.unwrap_or(0.0)));
    let names: Vec<String> = areas.iter().map(|a| format!("{} ({})", a.name, a.key)).collect();
    Plot::new("rangintervalle")
        .height(260.0)
        .x_axis_label(tr("Gebiete nach mittlerem Rang"))
        .y_axis_label(tr("Rang (1 = höchster Index)"))
        .allow_scroll(false)
        .label_formatter(move |hover| match hover {
            egui_plot::HoverPosition::NearDataPoint { position, .. } => {
                let i = position.x.round().max(0.0) as usize;
                names
                    .get(i)
                    .map(|n| format!("{n}\nRang {}", format_german(position.y, 0)))
            }
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            for (i, a) in areas.iter().enumerate() {
                if let (Some(lo), Some(hi)) = (a.rank_p05, a.rank_p95) {
                    plot.line(
                        Line::new("5–95 %", vec![[i as f64, lo], [i as f64, hi]])
                            .color(egui::Color32::from_rgb(120, 140, 200))
                            .width(1.0),
                    );
                }
            }
            let medians: Vec<[f64; 2]> = areas
                .iter()
                .enumerate()
                .map(|(i, a)| [i as f64, a.rank_median.unwrap_or(0.0)])
                .collect();
            plot.points(
                Points::new("Median", medians)
                    .radius(1.8)
                    .color(egui::Color32::from_rgb(200, 60, 30)),
            );
        });
}

pub(super) fn suppression_result_ui(ui: &mut egui::Ui, r: &SuppressionReport) {
    ui.label(format!(
        "Regel: {} Personen → k. A. · Ebenen {}",
        r.rules.threshold,
        r.levels.join(" → ")
    ));
    egui::Grid::new("geheimhaltung_zaehler")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for h in [
                tr("Indikator"),
                tr("Quelle"),
                tr("primär"),
                tr("abgeleitet"),
                tr("sekundär"),
            ] {
                ui.strong(h);
            }
            ui.end_row();
            for i in &r.indicators {
                ui.label(&i.key);
                ui.label(i.source.to_string());
                ui.label(i.primary.to_string());
                ui.label(i.derived.to_string());
                ui.label(i.secondary.to_string());
                ui.end_row();
            }
        });
    ui.separator();
    egui::ScrollArea::vertical()
        .id_salt("geheimhaltung_zellen")
        .max_height(240.0)
        .show(ui, |ui| {
            egui::Grid::new("geheimhaltung_zellen_tabelle")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    for h in [tr("Gebiet"), tr("Indikator"), tr("Grund"), tr("Erläuterung")] {
                        ui.strong(h);
                    }
                    ui.end_row();
                    for c in r.cells.iter().filter(|c| c.reason != Reason::Source).take(1000) {
                        ui.label(format!("{} {}", c.key, c.name));
                        ui.label(&c.indicator);
                        ui.label(match c.reason {
                            Reason::Source => tr("Quelle"),
                            Reason::Primary => tr("primär"),
                            Reason::Derived => tr("abgeleitet"),
                            Reason::Secondary => tr("sekundär"),
                        });
                        ui.label(&c.detail);
                        ui.end_row();
                    }
                });
        });
}

pub(super) fn distance_result_ui(ui: &mut egui::Ui, r: &DistanceResult) {
    ui.label(&r.method);
    ui.label(&r.origin_note);
    ui.label(format!(
        "{} Einrichtungen, {} Wohnorte; mittlere Entfernung {} m",
        r.pois_used,
        r.origin_count,
        quartier_core::numbers::format_german_or_no_data(r.overall_mean, 0)
    ));
    if !r.no_residents.is_empty() {
        ui.label(format!("{} Gebiete ohne Einwohner: k. A.", r.no_residents.len()));
    }
    if !r.saved.is_empty() {
        ui.label(format!("Gespeichert: {}", r.saved.join(", ")));
    }
    let mut areas: Vec<_> = r.areas.iter().filter(|a| a.mean.is_some()).collect();
    areas.sort_by(|a, b| b.mean.unwrap_or(0.0).total_cmp(&a.mean.unwrap_or(0.0)));
    ui.strong(tr("Am weitesten entfernt"));
    egui::Grid::new("entfernung_weit").striped(true).show(ui, |ui| {
        for a in areas.iter().take(10) {
            ui.label(format!("{} {}", a.key, a.name));
            ui.label(format!("{} m", format_german(a.mean.unwrap_or(0.0), 0)));
            ui.end_row();
        }
    });
}

pub(super) fn crosswalk_result_ui(ui: &mut egui::Ui, r: &quartier_core::analysis::crosswalk::Crosswalk) {
    ui.label(format!(
        "{} → {}, {}, verteilt nach {}",
        r.from_level, r.to_level, r.period, r.weight_de
    ));
    for k in &r.saved {
        ui.label(format!("gespeichert: {k}"));
    }
    for refused in &r.refused {
        ui.colored_label(
            egui::Color32::from_rgb(200, 40, 40),
            format!("nicht übertragen: {}: {}", refused.key, refused.reason),
        );
    }
    if !r.uncovered.is_empty() {
        ui.label(format!(
            "{} Quellgebiete nur teilweise bedeckt (der Rest geht verloren): {}",
            r.uncovered.len(),
            r.uncovered
                .iter()
                .map(|u| u.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !r.area_fallback.is_empty() {
        ui.label(format!(
            "ohne Einwohner an Adresspunkten, nach Fläche verteilt: {}",
            r.area_fallback.join(", ")
        ));
    }
    let Some(indicator) = r.indicators.first() else { return };
    ui.label(tr(
        "Güte je Zielgebiet: Anteil aus geteilten Quellgebieten (0 % = genau)",
    ));
    egui::ScrollArea::vertical()
        .id_salt("uebertragen_guete")
        .max_height(320.0)
        .show(ui, |ui| {
            egui::Grid::new("uebertragen_tabelle")
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    ui.strong(tr("Zielgebiet"));
                    ui.strong(&indicator.key);
                    ui.strong(tr("Quellen"));
                    ui.strong(tr("aus geteilten"));
                    ui.end_row();
                    for (area, quality) in indicator.areas.iter().zip(&r.quality) {
                        ui.label(&area.name);
                        let value = area.combined.value.map_or("k. A.".to_string(), |v| {
                            let shown = format_german(v, indicator.decimals);
                            if area.estimated {
                                quartier_core::model::ValueFlag::Estimated.write(&shown)
                            } else {
                                shown
                            }
                        });
                        ui.label(value).on_hover_text(&area.combined.note);
                        ui.label(format!("{} ({} geteilt)", quality.sources, quality.split_sources));
                        ui.label(format!("{} %", format_german(quality.from_split * 100.0, 0)));
                        ui.end_row();
                    }
                });
        });
}
