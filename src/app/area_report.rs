//! The Gebietsbericht on screen: the selected areas (1 to 6) side by side with every indicator,
//! as the engine gathers it ([`quartier_core::report::area`]), and its export as PDF, DOCX or
//! XLSX through the save dialog (suppressed unless marked internal there). On screen the
//! planner sees everything, as in the table.

use eframe::egui;
use quartier_core::numbers::format_german;
use quartier_core::report::area::{area_report, trend_lines, AreaReport, AreaReportRequest, ReportRow, MAX_AREAS};

use super::command::{Command, OpenDialog};
use super::i18n::tr;
use super::palette;
use super::save::{Export, ReportFormat};
use super::state::Workbench;

/// The window.
#[derive(Default)]
pub struct AreaReportWindow {
    /// Shown?
    pub open: bool,
    report: Option<Result<AreaReport, String>>,
}

/// The request for the selection shown: its areas on the shown level, the shown period, the
/// map's classes for the map's indicator.
pub fn request(w: &Workbench, intern: bool) -> Result<AreaReportRequest, String> {
    let level = w.level_name();
    let areas: Vec<String> = w.selection.iter().map(|k| format!("{level}:{k}")).collect();
    if areas.is_empty() || areas.len() > MAX_AREAS {
        return Err(format!(
            "Für den Gebietsbericht 1 bis {MAX_AREAS} Gebiete auswählen (ausgewählt: {})",
            areas.len()
        ));
    }
    let map = match (&w.choice.indicator, w.engine_method()) {
        (Some(indicator), Ok(method)) => Some((
            indicator.clone(),
            quartier_core::figure::map::ClassStyle {
                method,
                classes: w.choice.classes,
                scheme: w.choice.scheme.clone(),
                reversed: w.choice.reversed,
            },
        )),
        _ => None,
    };
    Ok(AreaReportRequest {
        map,
        areas,
        period: w.choice.period.clone().ok_or("Kein Zeitraum gewählt")?,
        intern,
    })
}

impl AreaReportWindow {
    /// Gathers the report of the selection.
    pub fn open_for(&mut self, w: &Workbench) {
        self.open = true;
        self.report = Some(request(w, true).and_then(|r| area_report(&w.atlas, &r).map_err(|e| e.to_string())));
    }

    /// Draws the window; export buttons push their command.
    pub fn ui(&mut self, ctx: &egui::Context, commands: &mut Vec<Command>) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new(tr("Gebietsbericht"))
            .open(&mut open)
            .default_size([900.0, 600.0])
            .vscroll(true)
            .show(ctx, |ui| match &self.report {
                None => {}
                Some(Err(e)) => {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), e);
                }
                Some(Ok(report)) => {
                    ui.horizontal(|ui| {
                        for (format, label) in [
                            (ReportFormat::Pdf, tr("Als PDF …")),
                            (ReportFormat::Docx, tr("Als Word-Datei (DOCX) …")),
                            (ReportFormat::Xlsx, tr("Als Excel-Datei (XLSX) …")),
                        ] {
                            if ui.button(label).clicked() {
                                commands.push(Command::Open(OpenDialog::Export(Export::AreaReport(format))));
                            }
                        }
                    });
                    report_ui(ui, report);
                }
            });
        self.open = open;
    }
}

/// The report's tables, one grid per topic.
fn report_ui(ui: &mut egui::Ui, report: &AreaReport) {
    ui.heading(report.title());
    ui.label(format!(
        "{}, Stand {}. Index: Gesamtstadt = 100. {}",
        report.municipality,
        report.date,
        tr("Ansicht im Programm: nicht geheim gehalten; die Exporte halten geheim, was den Rechner nicht verlassen darf.")
    ));
    for topic in &report.topics {
        ui.add_space(8.0);
        ui.strong(&topic.name);
        egui::Grid::new(("gebietsbericht", &topic.name))
            .striped(true)
            .num_columns(report.areas.len() + 4)
            .min_col_width(110.0)
            .show(ui, |ui| {
                ui.add_sized(
                    [280.0, 18.0],
                    egui::Label::new(egui::RichText::new(tr("Indikator")).strong()),
                );
                for (k, a) in report.areas.iter().enumerate() {
                    ui.colored_label(palette::series(k), format!("● {}", a.name));
                }
                ui.strong(tr("Gesamtstadt"));
                ui.strong(tr("Lage"));
                ui.strong(tr("Trend"));
                ui.end_row();
                for row in &topic.rows {
                    let name = if row.unit.is_empty() {
                        row.name.clone()
                    } else {
                        format!("{} ({})", row.name, row.unit)
                    };
                    ui.add_sized([280.0, 18.0], egui::Label::new(name).truncate());
                    for v in &row.values {
                        let text = match v.index {
                            Some(i) => format!("{}  (Index {})", v.shown, format_german(i, 0)),
                            None => v.shown.clone(),
                        };
                        let fill = v.colour.map(palette::colour);
                        let label = egui::RichText::new(text).color(
                            v.colour
                                .map_or(ui.visuals().text_color(), |c| palette::colour(c.text_on())),
                        );
                        egui::Frame::new()
                            .fill(fill.unwrap_or(egui::Color32::TRANSPARENT))
                            .inner_margin(egui::Margin::symmetric(4, 1))
                            .show(ui, |ui| ui.label(label));
                    }
                    ui.label(&row.reference_shown);
                    spine_ui(ui, row);
                    sparkline_ui(ui, row);
                    ui.end_row();
                }
            });
    }
}

/// The spine: the level's band, the reference in the middle, a dot per area.
fn spine_ui(ui: &mut egui::Ui, row: &ReportRow) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(140.0, 16.0), egui::Sense::hover());
    let p = ui.painter();
    let x = |t: f64| rect.left() + t as f32 * rect.width();
    if let Some([a, b, c, d]) = row.band {
        let band = |lo: f64, hi: f64, colour| {
            p.rect_filled(
                egui::Rect::from_x_y_ranges(x(lo.min(hi))..=x(lo.max(hi)), rect.top() + 3.0..=rect.bottom() - 3.0),
                0.0,
                colour,
            )
        };
        band(a, d, egui::Color32::from_rgb(215, 225, 235));
        band(b, c, egui::Color32::from_rgb(150, 180, 210));
    }
    if row.band.is_some() || row.values.iter().any(|v| v.position.is_some()) {
        p.line_segment(
            [
                egui::pos2(rect.center().x, rect.top()),
                egui::pos2(rect.center().x, rect.bottom()),
            ],
            egui::Stroke::new(1.5, egui::Color32::from_gray(30)),
        );
    }
    for (k, v) in row.values.iter().enumerate() {
        if let Some(t) = v.position {
            p.circle_filled(egui::pos2(x(t), rect.center().y), 4.0, palette::series(k));
        }
    }
}

/// The trend: a line per area, the reference dashed.
fn sparkline_ui(ui: &mut egui::Ui, row: &ReportRow) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(100.0, 16.0), egui::Sense::hover());
    let Some((reference, areas)) = trend_lines(row) else {
        return;
    };
    let place = |line: &[[f64; 2]]| -> Vec<egui::Pos2> {
        line.iter()
            .map(|[x, y]| {
                egui::pos2(
                    rect.left() + *x as f32 * rect.width(),
                    rect.bottom() - *y as f32 * rect.height(),
                )
            })
            .collect()
    };
    let p = ui.painter();
    let reference = place(&reference);
    if reference.len() > 1 {
        p.extend(egui::Shape::dashed_line(
            &reference,
            egui::Stroke::new(1.0, egui::Color32::from_gray(110)),
            3.0,
            2.0,
        ));
    }
    for (k, line) in areas.iter().enumerate() {
        let points = place(line);
        if points.len() > 1 {
            p.add(egui::Shape::line(points, egui::Stroke::new(1.5, palette::series(k))));
        }
    }
}
