//! "Speichern unter" for the table, the map and the diagram: a path suggested in the export folder
//! (`~/Quartier-Export`), which the user can type, paste or pick with the system's file
//! dialog. The typed path works where no native dialog is available (a Linux desktop
//! without an xdg portal, a remote session).

use std::path::PathBuf;

use eframe::egui;
use quartier_core::export::{protection_note, ExportFormat};
use quartier_core::figure::{write_figure, FigureFormat};
use quartier_core::report::area::{area_report, write_area_report};
use quartier_core::story::HandoutFormat;

use super::diagram_export::FigureKind;
use super::i18n::tr;

/// The resolution of exported PNG figures.
const PRINT_DPI: f64 = 300.0;
use super::state::Workbench;

/// What is saved.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Export {
    /// The table as an Excel workbook.
    TableXlsx,
    /// The table as CSV for German Excel.
    TableCsv,
    /// The map or the diagram as a print figure (SVG, PNG at 300 dpi, PDF).
    Figure(FigureKind, FigureFormat),
    /// The Gebietsbericht of the selection.
    AreaReport(ReportFormat),
    /// The book of Quartiersprofile of the shown level and period (a PDF).
    Profiles,
    /// A story's handout (its name is the dialog's `story`).
    Story(HandoutFormat),
    /// The query pane's result as CSV (the query run again over the protected values).
    QueryCsv,
}

/// The formats of a report.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ReportFormat {
    /// PDF.
    Pdf,
    /// Word.
    Docx,
    /// Excel.
    Xlsx,
}

impl Export {
    fn extension(self) -> &'static str {
        match self {
            Export::TableXlsx => "xlsx",
            Export::TableCsv | Export::QueryCsv => "csv",
            Export::Figure(_, FigureFormat::Svg) => "svg",
            Export::Figure(_, FigureFormat::Png) => "png",
            Export::Figure(_, FigureFormat::Pdf) => "pdf",
            Export::AreaReport(ReportFormat::Pdf) => "pdf",
            Export::AreaReport(ReportFormat::Docx) => "docx",
            Export::AreaReport(ReportFormat::Xlsx) => "xlsx",
            Export::Profiles => "pdf",
            Export::Story(HandoutFormat::Pdf) => "pdf",
            Export::Story(HandoutFormat::Pptx) => "pptx",
        }
    }
}

/// The folder exports are suggested in.
pub fn export_dir() -> PathBuf {
    std::env::var_os("HOME")
        .map_or_else(|| PathBuf::from("."), PathBuf::from)
        .join("Quartier-Export")
}

/// The dialog.
#[derive(Default)]
pub struct SaveDialog {
    /// Shown?
    pub open: bool,
    kind: Option<Export>,
    /// The path to write to.
    pub path: String,
    message: Option<String>,
    /// For internal use: unsuppressed and marked.
    pub intern: bool,
    /// The profile template chosen (`None`: by topic).
    template: Option<String>,
    /// The story whose handout is saved.
    story: String,
    /// Long work the dialog asks for (the book), for the app to start as a job.
    pub work: Option<super::command::Work>,
}

impl SaveDialog {
    /// Opens the dialog with a file name made of atlas, indicator or level, and period.
    pub fn open_for(&mut self, kind: Export, w: &Workbench) {
        let what = match kind {
            Export::TableXlsx | Export::TableCsv => w.level_name().to_string(),
            Export::Figure(..) => w.choice.indicator.clone().unwrap_or_default(),
            Export::Profiles => format!("Quartiersprofile_{}", w.level_name()),
            Export::QueryCsv => "Abfrage".to_string(),
            Export::Story(_) => format!("Story_{}", self.story),
            Export::AreaReport(_) => format!(
                "Gebietsbericht_{}",
                w.selection.iter().cloned().collect::<Vec<_>>().join("_")
            ),
        };
        let name = format!(
            "{}_{}_{}.{}",
            w.info.name,
            what,
            w.choice.period.as_deref().unwrap_or(""),
            kind.extension()
        )
        .replace([' ', '/', '\\', '(', ')', ':'], "_");
        self.open = true;
        self.kind = Some(kind);
        self.message = None;
        self.path = export_dir().join(name).display().to_string();
    }

    /// Opens the dialog for the handout of the story `name`.
    pub fn open_for_story(&mut self, name: &str, format: HandoutFormat, w: &Workbench) {
        self.story = name.to_string();
        self.open_for(Export::Story(format), w);
        let file = format!("{}_{name}.{}", w.info.name, Export::Story(format).extension())
            .replace([' ', '/', '\\', '(', ')', ':'], "_");
        self.path = export_dir().join(file).display().to_string();
    }

    /// Draws the dialog and writes the file when asked.
    pub fn ui(&mut self, ctx: &egui::Context, w: &mut Workbench) {
        let Some(kind) = self.kind.filter(|_| self.open) else {
            return;
        };
        let mut open = self.open;
        let mut save = false;
        egui::Window::new(tr("Speichern unter"))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Dateipfad"));
                    ui.add(egui::TextEdit::singleline(&mut self.path).desired_width(420.0))
                        .labelled_by(label.id);
                    if ui.button(tr("Durchsuchen …")).clicked() {
                        let current = PathBuf::from(self.path.trim());
                        let mut dialog = rfd::FileDialog::new().add_filter(kind.extension(), &[kind.extension()]);
                        if let Some(dir) = current.parent().filter(|d| d.is_dir()) {
                            dialog = dialog.set_directory(dir);
                        }
                        if let Some(name) = current.file_name() {
                            dialog = dialog.set_file_name(name.to_string_lossy());
                        }
                        if let Some(p) = dialog.save_file() {
                            self.path = p.display().to_string();
                        }
                    }
                });
                if kind == Export::Profiles {
                    let mut names = vec![None];
                    names.extend(
                        w.atlas
                            .profile_templates()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|t| Some(t.name)),
                    );
                    ui.horizontal(|ui| {
                        let label = ui.label(tr("Profilvorlage"));
                        let shown =
                            |t: &Option<String>| t.clone().unwrap_or_else(|| tr("Standard (nach Themen)").to_string());
                        egui::ComboBox::from_id_salt("profilvorlage")
                            .selected_text(shown(&self.template))
                            .show_ui(ui, |ui| {
                                for name in &names {
                                    ui.selectable_value(&mut self.template, name.clone(), shown(name));
                                }
                            })
                            .response
                            .labelled_by(label.id);
                    });
                }
                {
                    ui.checkbox(
                        &mut self.intern,
                        tr("Für den Dienstgebrauch (ohne Geheimhaltung, gekennzeichnet)"),
                    )
                    .on_hover_text(tr(
                        "Ohne Haken werden kleine Fallzahlen und was sich aus ihnen errechnen ließe als „k. A.“ \
                             geschrieben, wie bei allem, was den Rechner verlässt.",
                    ));
                }
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), m);
                }
                save = ui.button(tr("Speichern")).clicked();
            });
        self.open = open;
        if save {
            match self.write(w, kind) {
                Ok(()) => self.open = false,
                Err(m) => self.message = Some(m),
            }
        }
    }

    /// Writes the file as the "Speichern" button does (for tests).
    #[cfg(test)]
    pub fn write_for_test(&mut self, w: &mut Workbench) -> Result<(), String> {
        let kind = self.kind.ok_or("nothing to save")?;
        self.write(w, kind)
    }

    fn write(&mut self, w: &mut Workbench, kind: Export) -> Result<(), String> {
        let path = PathBuf::from(self.path.trim());
        if path.as_os_str().is_empty() {
            return Err("Bitte einen Dateipfad angeben".into());
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("Ordner {} anlegen: {e}", dir.display()))?;
        }
        match kind {
            Export::TableXlsx | Export::TableCsv => {
                let t = w.shown.table.as_ref().ok_or("Keine Tabelle zum Speichern")?;
                let format = if kind == Export::TableXlsx {
                    ExportFormat::Xlsx
                } else {
                    ExportFormat::Csv
                };
                let table = if self.intern {
                    t.clone().mark_internal()
                } else {
                    t.clone().protect(&w.atlas).map_err(|e| e.to_string())?
                };
                let s = table.write(format, &path).map_err(|e| e.to_string())?;
                w.session.notice = Some(format!(
                    "{} Zeilen nach {} geschrieben{}",
                    s.areas,
                    s.file,
                    protection_note(s.intern, s.suppressed_cells)
                ));
            }
            Export::AreaReport(_) => {
                let request = super::area_report::request(w, self.intern)?;
                let report = area_report(&w.atlas, &request).map_err(|e| e.to_string())?;
                let s = write_area_report(&report, &path).map_err(|e| e.to_string())?;
                w.session.notice = Some(format!(
                    "Gebietsbericht nach {} geschrieben{}",
                    s.file,
                    protection_note(s.intern, s.suppressed_cells)
                ));
            }
            Export::Profiles => {
                let request = quartier_core::report::profiles::ProfilesRequest {
                    level: w.level_name().to_string(),
                    period: w.choice.period.clone().ok_or("Kein Zeitraum gewählt")?,
                    areas: Vec::new(),
                    template: self.template.clone(),
                    intern: self.intern,
                };
                // Hundreds of pages take seconds: a job with progress and cancel.
                self.work = Some(super::command::Work::Profiles(request, path));
            }
            Export::Story(_) => {
                self.work = Some(super::command::Work::StoryExport(self.story.clone(), path, self.intern));
            }
            Export::QueryCsv => {
                let result = quartier_core::analysis::query::query(&w.atlas, &w.session.query.sql, self.intern)
                    .map_err(|e| e.to_string())?;
                result.write_csv(&path).map_err(|e| e.to_string())?;
                w.session.notice = Some(format!(
                    "{} Zeilen nach {} geschrieben{}",
                    result.rows.len(),
                    path.display(),
                    protection_note(result.intern, result.suppressed_cells)
                ));
            }
            Export::Figure(what, _) => {
                let figure = super::diagram_export::figure(w, what, self.intern)?;
                let file = write_figure(&figure, &path, PRINT_DPI).map_err(|e| e.to_string())?;
                let what = match what {
                    FigureKind::Map => "Karte",
                    FigureKind::Diagram => "Diagramm",
                };
                w.session.notice = Some(if self.intern {
                    format!("{what} nach {} geschrieben (nur für den Dienstgebrauch)", file.file)
                } else {
                    format!(
                        "{what} nach {} geschrieben, geheim gehaltene Werte als „k. A.“",
                        file.file
                    )
                });
            }
        }
        Ok(())
    }
}
