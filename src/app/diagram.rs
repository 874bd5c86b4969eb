//! The diagram pane (egui_plot): bars per area with the reference as a line, a scatter of two
//! indicators with the regression line and r, the indicator over all periods for the
//! selection and the reference, and the age structure of the selection against the city.
//! The figures come from the engine ([`Workbench::diagram_data`], computed before the panes
//! draw); this module only draws and pushes commands.
//! Clicking a bar or a point selects its area, as in the map and the table.

use super::i18n::tr;
use eframe::egui;
use egui_plot::{Bar, BarChart, HLine, Legend, Line, LineStyle, Plot, PlotPoints, Points};
use quartier_core::numbers::format_german;

use super::command::{Command, OpenDialog};
use super::diagram_export::FigureKind;
use super::palette;
use super::save::Export;
use super::state::{DiagramData, DiagramKind, Workbench};
use quartier_core::figure::FigureFormat;

const SELECTED: egui::Color32 = egui::Color32::from_rgb(20, 60, 160);
const REFERENCE: egui::Color32 = egui::Color32::from_rgb(60, 60, 60);

/// The diagram pane.
pub struct DiagramPane;

impl super::panes::PaneView for DiagramPane {
    fn pane(&self) -> super::panes::Pane {
        super::panes::Pane::Diagram
    }

    fn title(&self) -> &'static str {
        tr("Diagramm")
    }

    fn ui(&self, ui: &mut egui::Ui, c: &mut super::panes::PaneContext<'_>) {
        diagram_ui(ui, c.state, c.commands)
    }
}

/// The items of a figure's export menu; the one clicked.
pub fn figure_export_menu(ui: &mut egui::Ui, what: FigureKind) -> Option<Export> {
    let mut chosen = None;
    for (format, label) in [
        (FigureFormat::Pdf, tr("Als PDF (Vektor, für den Druck) …")),
        (FigureFormat::Svg, tr("Als SVG (Vektor, zum Weiterbearbeiten) …")),
        (FigureFormat::Png, tr("Als PNG (300 dpi) …")),
    ] {
        if ui.button(label).clicked() {
            chosen = Some(Export::Figure(what, format));
            ui.close();
        }
    }
    chosen
}

/// Draws the diagram pane: the kind chooser, export, and the chosen diagram.
pub fn diagram_ui(ui: &mut egui::Ui, w: &mut Workbench, commands: &mut Vec<Command>) {
    if w.is_categorical() {
        // Categories have no values to draw as bars or points: say where they are shown.
        ui.add_space(12.0);
        ui.label(tr(
            "Kategorialer Indikator: die Karte und ihre Legende zeigen die Gebiete je Kategorie, die Tabelle die Kategorie jedes Gebiets.",
        ));
        return;
    }
    let mut export = None;
    ui.horizontal_wrapped(|ui| {
        for (kind, name) in DiagramKind::ALL {
            if ui.selectable_label(w.view.diagram == kind, tr(name)).clicked() {
                commands.push(Command::SetDiagram(kind));
            }
        }
        ui.menu_button(tr("Exportieren"), |ui| {
            export = figure_export_menu(ui, FigureKind::Diagram);
        });
    });
    if let Some(kind) = export {
        commands.push(Command::Open(OpenDialog::Export(kind)));
    }
    if w.shown.classified.is_none() {
        ui.label(tr("Kein Indikator gewählt"));
        return;
    }
    match w.view.diagram {
        DiagramKind::Bars => bars_ui(ui, w, commands),
        DiagramKind::Scatter => scatter_ui(ui, w, commands),
        DiagramKind::TimeSeries => time_series_ui(ui, w),
        DiagramKind::AgeStructure => age_structure_ui(ui, w),
    }
}

/// An axis label in German notation with as many decimals as the grid step needs.
fn axis_label(mark: egui_plot::GridMark) -> String {
    let decimals = (-mark.step_size.abs().log10().floor()).clamp(0.0, 6.0) as usize;
    format_german(mark.value, decimals)
}

/// One bar per area with a value, highest first, in its class colour; the selection outlined;
/// the reference (Gesamtstadt) as a dashed line.
fn bars_ui(ui: &mut egui::Ui, w: &mut Workbench, commands: &mut Vec<Command>) {
    let Some(c) = w.shown.classified.clone() else { return };
    let mut rows: Vec<_> = c.areas.iter().filter(|a| a.value.is_some()).collect();
    rows.sort_by(|a, b| b.value.unwrap_or(0.0).total_cmp(&a.value.unwrap_or(0.0)));
    let k = c.labels.len();
    let decimals = w.shown.decimals;
    let bars: Vec<Bar> = rows
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let selected = w.selection.highlights(&a.key);
            // Selected and hovered areas in the selection blue, so that they stand out even
            // as one of hundreds of thin bars.
            let fill = if selected {
                SELECTED
            } else {
                a.class.map_or(palette::NO_DATA, |class| w.class_colour(class, k))
            };
            Bar::new(i as f64, a.value.unwrap_or(0.0))
                .name(format!("{} ({})", a.name, a.key))
                .fill(fill)
                .stroke(egui::Stroke::NONE)
                .width(if selected { 1.6 } else { 0.9 })
        })
        .collect();
    // Members of a combined area that stands in for them are not areas without a value.
    let without = c.no_data;
    ui.label(format!(
        "{} · {} {}{}",
        w.indicator_title(&c.indicator),
        rows.len(),
        tr("Gebiete"),
        if without > 0 {
            format!(", {without} ohne Wert (k. A.) nicht gezeigt")
        } else {
            String::new()
        }
    ));
    let reference = w.reference_line();
    let reference_name = format!("{} (Gesamtstadt)", w.info.name);
    let response = Plot::new("balken")
        .legend(Legend::default())
        .show_x(false)
        .include_y(0.0)
        .allow_scroll(false)
        .x_axis_formatter(|_, _| String::new())
        .y_axis_formatter(|m, _| axis_label(m))
        .show(ui, |plot| {
            plot.add(
                BarChart::new(tr("Gebiete"), bars).element_formatter(Box::new(move |bar, _| {
                    format!("{}\n{}", bar.name, format_german(bar.value, decimals))
                })),
            );
            if let Some(r) = reference {
                plot.add(
                    HLine::new(format!("{reference_name}: {}", format_german(r, decimals)), r)
                        .color(REFERENCE)
                        .style(LineStyle::dashed_loose())
                        .width(1.5),
                );
            }
            plot.pointer_coordinate()
        });
    let under_pointer = response.inner.and_then(|p| {
        let i = p.x.round();
        (i >= 0.0 && (i as usize) < rows.len() && p.y.abs() <= rows[i as usize].value.unwrap_or(0.0).abs())
            .then(|| rows[i as usize].key.clone())
    });
    if let Some(key) = under_pointer {
        if response.response.clicked() {
            let extend = ui.input(|i| i.modifiers.command || i.modifiers.shift);
            commands.push(Command::Click {
                key: key.clone(),
                extend,
            });
        }
        commands.push(Command::Hover(key));
    }
}

/// The chosen indicator (y) over a second one (x), the regression line and r.
fn scatter_ui(ui: &mut egui::Ui, w: &mut Workbench, commands: &mut Vec<Command>) {
    let candidates = w.scatter_candidates();
    ui.horizontal(|ui| {
        let label = ui.label(tr("x-Achse:"));
        let shown = w
            .choice
            .second_indicator
            .as_ref()
            .and_then(|k| candidates.iter().find(|(c, _)| c == k))
            .map_or("–".to_string(), |(_, n)| n.clone());
        egui::ComboBox::from_id_salt("zweiter_indikator")
            .selected_text(shown)
            .width(260.0)
            .show_ui(ui, |ui| {
                for (key, name) in &candidates {
                    if ui
                        .selectable_label(w.choice.second_indicator.as_deref() == Some(key.as_str()), name)
                        .clicked()
                    {
                        commands.push(Command::SetSecondIndicator(key.clone()));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    let Some(x_key) = w.choice.second_indicator.clone() else {
        ui.label(tr("Kein zweiter Indikator auf dieser Ebene"));
        return;
    };
    let x_label = w.indicator_title(&x_key);
    let y_label = w.indicator_title(w.choice.indicator.as_deref().unwrap_or_default());
    let Some(DiagramData::Scatter(s)) = w.diagram_data().cloned() else {
        return;
    };
    match &s.regression {
        Some(r) => ui.label(format!(
            "r = {} · n = {} · y = {} + {} · x{}",
            format_german(r.r, 3),
            r.n,
            format_german(r.intercept, 3),
            format_german(r.slope, 3),
            if s.left_out > 0 {
                format!(" · {} Gebiete ohne beide Werte (k. A.)", s.left_out)
            } else {
                String::new()
            }
        )),
        None => ui.label(tr("Zu wenige Werte für eine Regression")),
    };
    let (plain, chosen): (Vec<_>, Vec<_>) = s.points.iter().partition(|p| !w.selection.contains(&p.key));
    let to_points =
        |v: &[&quartier_core::analysis::chart::ScatterPoint]| -> PlotPoints { v.iter().map(|p| [p.x, p.y]).collect() };
    let x_range = s
        .points
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.x), hi.max(p.x)));
    let response = Plot::new("streuung")
        .legend(Legend::default())
        .x_axis_label(x_label)
        .y_axis_label(y_label)
        .x_axis_formatter(|m, _| axis_label(m))
        .y_axis_formatter(|m, _| axis_label(m))
        .allow_scroll(false)
        .label_formatter(|hover| match hover {
            egui_plot::HoverPosition::NearDataPoint {
                plot_name,
                position,
                index,
            } => {
                let list = if *plot_name == tr("Auswahl") { &chosen } else { &plain };
                let name = list
                    .get(*index)
                    .map_or(String::new(), |p| format!("{} ({})\n", p.name, p.key));
                Some(format!(
                    "{name}x = {} · y = {}",
                    format_german(position.x, 2),
                    format_german(position.y, 2)
                ))
            }
            egui_plot::HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            plot.points(
                Points::new(tr("Gebiete"), to_points(&plain))
                    .radius(2.5)
                    .color(egui::Color32::from_rgb(240, 120, 40)),
            );
            if !chosen.is_empty() {
                plot.points(
                    Points::new(tr("Auswahl"), to_points(&chosen))
                        .radius(4.5)
                        .color(SELECTED),
                );
            }
            if let Some(r) = s.regression {
                let (lo, hi) = x_range;
                plot.line(
                    Line::new(
                        tr("Regressionsgerade"),
                        vec![[lo, r.intercept + r.slope * lo], [hi, r.intercept + r.slope * hi]],
                    )
                    .color(REFERENCE)
                    .width(1.5),
                );
            }
            plot.pointer_coordinate().map(|p| plot.screen_from_plot(p))
        });
    // Hover and click: the nearest point within 8 screen points.
    if let Some(pointer) = response.inner {
        let nearest = s
            .points
            .iter()
            .map(|p| {
                let screen = response
                    .transform
                    .position_from_point(&egui_plot::PlotPoint::new(p.x, p.y));
                (p, screen.distance(pointer))
            })
            .filter(|(_, d)| *d < 8.0)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((p, _)) = nearest {
            commands.push(Command::Hover(p.key.clone()));
            if response.response.clicked() {
                let extend = ui.input(|i| i.modifiers.command || i.modifiers.shift);
                commands.push(Command::Click {
                    key: p.key.clone(),
                    extend,
                });
            }
        }
    }
}

/// One line per selected area over all periods, and the reference as a dashed line.
fn time_series_ui(ui: &mut egui::Ui, w: &mut Workbench) {
    let Some(DiagramData::TimeSeries(t)) = w.diagram_data().cloned() else {
        return;
    };
    if w.selection.is_empty() {
        ui.label(tr(
            "Gebiete auswählen (Karte, Tabelle), um ihre Linien neben der Gesamtstadt zu sehen",
        ));
    } else {
        ui.label(format!("{} Zeiträume", t.periods.len()));
    }
    // Periods spaced by date: quarters and months where they fall in the year.
    let positions = t.positions.clone();
    let line = |values: &[Option<f64>]| -> PlotPoints {
        values
            .iter()
            .zip(&positions)
            .filter_map(|(v, at)| v.map(|v| [*at, v]))
            .collect()
    };
    let labelled: Vec<(f64, String)> = t.positions.iter().copied().zip(t.periods.iter().cloned()).collect();
    Plot::new("zeitreihe")
        .legend(Legend::default())
        .allow_scroll(false)
        .x_grid_spacer(move |_| labelled_marks(&labelled))
        .x_axis_formatter({
            let labelled: Vec<(f64, String)> = t.positions.iter().copied().zip(t.periods.iter().cloned()).collect();
            move |m, _| {
                labelled
                    .iter()
                    .find(|(at, _)| (m.value - at).abs() < 1e-6)
                    .map(|(_, label)| label.clone())
                    .unwrap_or_default()
            }
        })
        .y_axis_formatter(|m, _| axis_label(m))
        .show(ui, |plot| {
            plot.line(
                Line::new(t.reference.name.clone(), line(&t.reference.values))
                    .color(REFERENCE)
                    .style(LineStyle::dashed_loose())
                    .width(2.0),
            );
            for (i, a) in t.areas.iter().enumerate() {
                let colour = palette::series(i);
                plot.line(
                    Line::new(format!("{} ({})", a.name, a.key), line(&a.values))
                        .color(colour)
                        .width(2.0),
                );
                plot.points(
                    Points::new(format!("{} ({})", a.name, a.key), line(&a.values))
                        .color(colour)
                        .radius(3.0),
                );
            }
        });
}

/// Grid marks exactly at the periods, so that every period is labelled where it falls.
fn labelled_marks(labelled: &[(f64, String)]) -> Vec<egui_plot::GridMark> {
    let span = match (labelled.first(), labelled.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => b.0 - a.0,
        _ => 1.0,
    };
    labelled
        .iter()
        .map(|(at, _)| egui_plot::GridMark {
            value: *at,
            step_size: span,
        })
        .collect()
}

/// The selection's age bands (left) against the whole city's (right), in percent.
fn age_structure_ui(ui: &mut egui::Ui, w: &mut Workbench) {
    let Some(DiagramData::AgeStructure(a)) = w.diagram_data().cloned() else {
        return;
    };
    if a.bands.is_empty() {
        ui.label(tr("Dieser Atlas hat auf dieser Ebene keine Altersgruppen (Anzahlen „unter 6 Jahren“, „6 bis unter 15 Jahre“ …)"));
        return;
    }
    let group_name = match w.selection.len() {
        0 => "Auswahl (leer)".to_string(),
        1 => w
            .shown
            .classified
            .as_ref()
            .and_then(|c| c.areas.iter().find(|x| w.selection.contains(&x.key)))
            .map_or(tr("Auswahl").to_string(), |x| x.name.clone()),
        n => format!("Auswahl ({n} Gebiete)"),
    };
    ui.label(match a.group_total {
        Some(t) => format!(
            "{group_name}: {} Einwohner · rechts: {} (Gesamtstadt)",
            format_german(t, 0),
            w.info.name
        ),
        None => format!(
            "Gebiete auswählen, um sie links neben {} (Gesamtstadt) zu sehen",
            w.info.name
        ),
    });
    let labels: Vec<String> = a.bands.iter().map(|b| b.label.clone()).collect();
    let left: Vec<Bar> = a
        .bands
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.group_share.map(|s| Bar::new(i as f64, -s).name(&b.label).width(0.8)))
        .collect();
    let right: Vec<Bar> = a
        .bands
        .iter()
        .enumerate()
        .filter_map(|(i, b)| {
            b.reference_share
                .map(|s| Bar::new(i as f64, s).name(&b.label).width(0.8))
        })
        .collect();
    Plot::new("altersstruktur")
        .legend(Legend::default())
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .x_axis_formatter(|m, _| format!("{} %", format_german(m.value.abs(), 0)))
        .y_axis_formatter(move |m, _| {
            let i = m.value.round();
            if (m.value - i).abs() < 1e-6 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .show(ui, |plot| {
            plot.add(
                BarChart::new(group_name.clone(), left)
                    .horizontal()
                    .color(SELECTED)
                    .element_formatter(Box::new(|bar, _| {
                        format!("{}: {} %", bar.name, format_german(-bar.value, 1))
                    })),
            );
            plot.add(
                BarChart::new(format!("{} (Gesamtstadt)", w.info.name), right)
                    .horizontal()
                    .color(egui::Color32::from_rgb(150, 150, 150))
                    .element_formatter(Box::new(|bar, _| {
                        format!("{}: {} %", bar.name, format_german(bar.value, 1))
                    })),
            );
        });
}
