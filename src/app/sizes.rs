//! Areas too small to report, on the map: the size check as a layer with the list of the
//! small areas, and the regionalisation the planner reviews and adjusts (merge the regions of
//! the selected areas, take selected areas out, undo) before it is saved as a level.
//! The dialog that starts both is in [`super::analyses`]; the colours are the map's
//! ([`sizes_colour`], [`legend_rows`]).

use eframe::egui;
use quartier_core::analysis::sizes::{Region, Regionalisation, SizeCheck};
use quartier_core::numbers::format_german_or_no_data;

use super::analyses::AnalysisRequest;
use super::command::{Command, Work};
use super::i18n::tr;
use super::palette;
use super::state::{MapLayer, RegionEdit, SizesShown, Workbench};

/// Too small, or a region to review.
pub const TOO_SMALL: egui::Color32 = egui::Color32::from_rgb(214, 69, 65);
/// Meets the rule.
pub const MEETS: egui::Color32 = egui::Color32::from_rgb(204, 226, 196);
/// Merged regions that meet the rule take these in turn, so that neighbours differ mostly.
const REGION_COLOURS: [egui::Color32; 6] = [
    egui::Color32::from_rgb(102, 166, 206),
    egui::Color32::from_rgb(178, 142, 204),
    egui::Color32::from_rgb(246, 179, 92),
    egui::Color32::from_rgb(95, 186, 160),
    egui::Color32::from_rgb(232, 150, 190),
    egui::Color32::from_rgb(170, 170, 90),
];

/// Whether a region needs the planner's eye: below the rule, not in one piece, or across a
/// parent's border.
fn to_review(r: &Region) -> bool {
    !r.meets || r.reason.is_some() || r.crosses_parent
}

/// The fill of each area key on the layer "Gebietsgrößen".
pub fn sizes_colour(shown: &SizesShown) -> std::collections::HashMap<&str, egui::Color32> {
    let mut colours = std::collections::HashMap::new();
    if let Some(p) = &shown.proposal {
        let mut merged = 0;
        for r in &p.regions {
            let colour = if to_review(r) {
                TOO_SMALL
            } else if r.members.len() > 1 {
                merged += 1;
                REGION_COLOURS[(merged - 1) % REGION_COLOURS.len()]
            } else {
                MEETS
            };
            for m in &r.members {
                colours.insert(m.as_str(), colour);
            }
        }
    } else if let Some(c) = &shown.check {
        for a in &c.areas {
            let colour = match a.meets {
                Some(true) => MEETS,
                Some(false) => TOO_SMALL,
                None => palette::NO_DATA,
            };
            colours.insert(a.key.as_str(), colour);
        }
    }
    colours
}

/// The legend of the layer: colour and text with counts.
pub fn legend_rows(shown: &SizesShown) -> Vec<(egui::Color32, String)> {
    if let Some(p) = &shown.proposal {
        let review = p.regions.iter().filter(|r| to_review(r)).count();
        let merged = p
            .regions
            .iter()
            .filter(|r| !to_review(r) && r.members.len() > 1)
            .count();
        let single = p.regions.len() - review - merged;
        return vec![
            (REGION_COLOURS[0], format!("{}  ({merged})", tr("zusammengelegt"))),
            (MEETS, format!("{}  ({single})", tr("erfüllt die Regel allein"))),
            (TOO_SMALL, format!("{}  ({review})", tr("zu prüfen"))),
        ];
    }
    let Some(c) = &shown.check else {
        return Vec::new();
    };
    vec![
        (
            MEETS,
            format!(
                "{}  ({})",
                tr("erfüllt die Regel"),
                c.areas.len() - c.too_small.len() - c.unknown.len()
            ),
        ),
        (TOO_SMALL, format!("{}  ({})", tr("zu klein"), c.too_small.len())),
        (palette::NO_DATA, format!("k. A.  ({})", c.unknown.len())),
    ]
}

/// The map's tooltip line for an area on the layer.
pub fn tooltip(shown: &SizesShown, key: &str) -> String {
    if let Some(r) = shown
        .proposal
        .as_ref()
        .and_then(|p| p.regions.iter().find(|r| r.members.iter().any(|m| m == key)))
    {
        return format!(
            "{} · {}{}",
            r.name,
            format_german_or_no_data(r.value, 0),
            r.reason.as_ref().map_or(String::new(), |why| format!(" · {why}"))
        );
    }
    match shown.check.as_ref().and_then(|c| c.areas.iter().find(|a| a.key == key)) {
        Some(a) => match (a.meets, &a.reason) {
            (Some(true), _) => format!("{} · {}", format_german_or_no_data(a.value, 0), tr("erfüllt die Regel")),
            (Some(false), _) => format!("{} · {}", format_german_or_no_data(a.value, 0), tr("zu klein")),
            (None, why) => format!("k. A. · {}", why.as_deref().unwrap_or("")),
        },
        None => "k. A.".to_string(),
    }
}

/// The window beside the map: the small areas of the check, or the proposal to review with
/// its adjustments. Returns the commands the planner gave.
pub fn review_ui(ctx: &egui::Context, w: &Workbench) -> Vec<Command> {
    let mut commands = Vec::new();
    let Some(shown) = w.shown.sizes.as_ref().filter(|_| w.choice.layer == MapLayer::Sizes) else {
        return commands;
    };
    let mut open = true;
    egui::Window::new(tr("Gebietsgrößen"))
        .default_pos(egui::pos2(860.0, 60.0))
        .default_width(460.0)
        .min_width(420.0)
        .open(&mut open)
        .show(ctx, |ui| match &shown.proposal {
            Some(p) => proposal_ui(ui, w, shown, p, &mut commands),
            None => {
                if let Some(c) = &shown.check {
                    check_ui(ui, c, &mut commands);
                }
            }
        });
    if !open {
        commands.push(Command::SetMapLayer(MapLayer::Choropleth));
    }
    commands
}

/// Selects the members (the first replaces the selection).
fn select(members: &[String], commands: &mut Vec<Command>) {
    for (i, m) in members.iter().enumerate() {
        commands.push(Command::Click {
            key: m.clone(),
            extend: i > 0,
        });
    }
}

fn check_ui(ui: &mut egui::Ui, c: &SizeCheck, commands: &mut Vec<Command>) {
    ui.label(format!("Regel „{}“ · Ebene {} · {}", c.rule, c.level, c.period));
    if let Some(source) = &c.source {
        ui.label(egui::RichText::new(source).weak());
    }
    ui.label(format!(
        "{} von {} Gebieten zu klein, bei {} lässt es sich nicht sagen.",
        c.too_small.len(),
        c.areas.len(),
        c.unknown.len()
    ));
    egui::ScrollArea::vertical()
        .id_salt("zu_klein_liste")
        .max_height(360.0)
        .show(ui, |ui| {
            egui::Grid::new("zu_klein").striped(true).num_columns(3).show(ui, |ui| {
                for a in c.areas.iter().filter(|a| a.meets != Some(true)) {
                    if ui.link(&a.name).on_hover_text(tr("Auf der Karte auswählen")).clicked() {
                        select(std::slice::from_ref(&a.key), commands);
                    }
                    ui.label(format_german_or_no_data(a.value, 0));
                    ui.label(a.reason.as_deref().unwrap_or(tr("zu klein")));
                    ui.end_row();
                }
            });
        });
}

fn proposal_ui(ui: &mut egui::Ui, w: &Workbench, shown: &SizesShown, p: &Regionalisation, commands: &mut Vec<Command>) {
    ui.label(format!(
        "Vorschlag „{}“ aus {} · Regel „{}“ · {}",
        p.new_level, p.level, p.rule, p.period
    ));
    let review: Vec<&Region> = p.regions.iter().filter(|r| to_review(r)).collect();
    ui.label(format!(
        "{} Gebiete → {} Regionen, {} zusammengelegt, {} zu prüfen.",
        p.areas,
        p.regions.len(),
        p.merged,
        review.len()
    ));
    ui.label(
        egui::RichText::new(tr(
            "Gebiete auf der Karte auswählen (Strg+Klick für mehrere), dann zusammenlegen oder herauslösen.",
        ))
        .weak(),
    );
    let selected = w.selection.iter().next().is_some();
    ui.horizontal_wrapped(|ui| {
        if ui
            .add_enabled(selected, egui::Button::new(tr("Auswahl zusammenlegen")))
            .clicked()
        {
            commands.push(Command::AdjustRegions(RegionEdit::MergeSelection));
        }
        if ui
            .add_enabled(selected, egui::Button::new(tr("Auswahl herauslösen")))
            .clicked()
        {
            commands.push(Command::AdjustRegions(RegionEdit::SplitSelection));
        }
        if ui
            .add_enabled(!shown.earlier.is_empty(), egui::Button::new(tr("Rückgängig")))
            .clicked()
        {
            commands.push(Command::AdjustRegions(RegionEdit::Undo));
        }
    });
    let merged: Vec<&Region> = p
        .regions
        .iter()
        .filter(|r| !to_review(r) && r.members.len() > 1)
        .collect();
    egui::ScrollArea::vertical()
        .id_salt("regionen_liste")
        .max_height(340.0)
        .show(ui, |ui| {
            egui::Grid::new("regionen").striped(true).num_columns(3).show(ui, |ui| {
                for r in review.iter().chain(&merged) {
                    if ui.link(&r.name).on_hover_text(tr("Auf der Karte auswählen")).clicked() {
                        select(&r.members, commands);
                    }
                    ui.label(format_german_or_no_data(r.value, 0));
                    let mut notes: Vec<&str> = r.reason.iter().map(String::as_str).collect();
                    if r.crosses_parent {
                        notes.push(tr("über die Grenze des übergeordneten Gebiets"));
                    }
                    if notes.is_empty() {
                        ui.label(tr("erfüllt die Regel"));
                    } else {
                        ui.colored_label(TOO_SMALL, notes.join("; "));
                    }
                    ui.end_row();
                }
            });
        });
    ui.separator();
    if ui.button(tr("Als Ebene speichern")).clicked() {
        commands.push(Command::Run(Work::Analysis(AnalysisRequest::SaveRegions(Box::new(
            p.clone(),
        )))));
    }
}
