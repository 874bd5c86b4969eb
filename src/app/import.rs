//! The import dialog: geometry, values or points of interest. The user picks a file (native
//! file dialog or a typed path), sees its first rows with what was detected (columns,
//! encoding, coordinate system, number format), maps the columns, and gets the validation
//! report of a dry run ("Prüfen", [`quartier_core::Atlas::trial`]) before anything is
//! written. Both the dry run and the import run off the UI thread.

use super::i18n::tr;
use std::path::PathBuf;

use anyhow::Result;
use eframe::egui;
use quartier_core::import::geometry::{import_geometry, GeometryImport};
use quartier_core::import::pois::{import_pois, PoiImport};
use quartier_core::import::preview::{preview_file, FilePreview};
use quartier_core::import::values::{import_values, UnmatchedPolicy, ValuesImport};
use quartier_core::import::Problem;
use quartier_core::numbers::{describe_sign, format_german, DashMeaning};
use quartier_core::progress::Progress;
use quartier_core::Atlas;

use super::state::Workbench;

/// What is imported.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum ImportKind {
    /// Areas of a level.
    #[default]
    Geometry,
    /// Indicator values of a level and period.
    Values,
    /// Points of interest of a category.
    Pois,
}

impl ImportKind {
    fn label(self) -> &'static str {
        match self {
            ImportKind::Geometry => tr("Geometrie (Gebiete)"),
            ImportKind::Values => tr("Werte (Indikatoren)"),
            ImportKind::Pois => tr("Einrichtungen (Punkte)"),
        }
    }
}

/// What a dry run or an import reports back.
#[derive(Debug)]
pub enum ImportOutcome {
    /// The summary, in German.
    Done {
        /// Lines of the summary.
        summary: Vec<String>,
        /// Written (not a dry run).
        written: bool,
    },
    /// The problems the import found, with line, column and value.
    Problems(Vec<Problem>),
}

/// The dialog's inputs.
#[derive(Default)]
pub struct ImportDialog {
    /// Shown?
    pub open: bool,
    /// What is imported.
    pub kind: ImportKind,
    /// The file, as typed or picked.
    pub path: String,
    /// The first rows of the file.
    pub preview: Option<FilePreview>,
    /// Level (geometry: new or existing; values: existing).
    pub level: String,
    /// Parent level of a new geometry level.
    pub parent_level: String,
    /// Key column.
    pub key_column: String,
    /// Name column (optional).
    pub name_column: String,
    /// Period of the values ("2024"); empty when the file has a period column.
    pub period: String,
    /// A lone dash means "missing" (some municipal files) instead of zero (official sign).
    pub dash_missing: bool,
    /// Rows standing for several areas ("A und B") become combined areas (`--merge-rows`).
    pub merge_rows: bool,
    /// A second level is wanted even where one of a similar name or with the same areas exists.
    pub new_level: bool,
    /// The row (by name) with the published totals: the official reference of the level.
    pub reference_row: String,
    /// POI category.
    pub category: String,
    /// Coordinate columns of a POI table.
    pub x_column: String,
    /// See `x_column`.
    pub y_column: String,
    /// Coordinate system override ("EPSG:25833"); empty to detect.
    pub crs: String,
    /// Capacity column of POIs.
    pub capacity_column: String,
    /// The last dry run's or import's outcome, or why it failed.
    pub outcome: Option<std::result::Result<ImportOutcome, String>>,
    /// The inputs the last dry run passed with; importing needs a passed dry run of the same.
    checked: Option<String>,
    /// The preview being read off the UI thread (a large file takes longer than a frame).
    reading: Option<std::sync::mpsc::Receiver<quartier_core::Result<FilePreview>>>,
}

impl ImportDialog {
    /// Opens the dialog for a kind of import.
    pub fn open_for(&mut self, kind: ImportKind, w: &Workbench) {
        self.open = true;
        if self.kind != kind {
            *self = ImportDialog {
                open: true,
                kind,
                ..Default::default()
            };
        }
        if self.level.is_empty() {
            self.level = w.level_name().to_string();
        }
    }

    /// Loads the preview of the path.
    pub fn load_preview(&mut self, ctx: &egui::Context) {
        self.outcome = None;
        self.checked = None;
        self.preview = None;
        let path = PathBuf::from(self.path.trim());
        let (send, receive) = std::sync::mpsc::channel();
        let ctx = ctx.clone();
        std::thread::spawn(move || {
            let _ = send.send(preview_file(&path, 8));
            ctx.request_repaint();
        });
        self.reading = Some(receive);
    }

    /// Takes the preview once it has been read, and guesses the columns from it.
    fn take_preview(&mut self) {
        let Some(read) = self.reading.as_ref().and_then(|r| r.try_recv().ok()) else {
            return;
        };
        self.reading = None;
        match read {
            Ok(p) => {
                let guess = |words: &[&str]| {
                    p.headers
                        .iter()
                        .find(|h| words.iter().any(|w| h.to_lowercase() == *w))
                        .or_else(|| {
                            p.headers
                                .iter()
                                .find(|h| words.iter().any(|w| h.to_lowercase().contains(w)))
                        })
                        .cloned()
                        .unwrap_or_default()
                };
                if self.key_column.is_empty() || !p.headers.contains(&self.key_column) {
                    self.key_column = guess(&["id", "schluessel", "schlüssel", "key", "nr"]);
                }
                if self.name_column.is_empty() || !p.headers.contains(&self.name_column) {
                    self.name_column = guess(&["name", "bezeichnung"]);
                }
                if self.kind == ImportKind::Pois {
                    self.x_column = guess(&["x", "lon", "lng", "rechtswert", "longitude"]);
                    self.y_column = guess(&["y", "lat", "hochwert", "latitude"]);
                    self.capacity_column = guess(&["plaetze", "plätze", "places", "kapazitaet", "capacity"]);
                }
                self.preview = Some(p);
            }
            Err(e) => {
                self.preview = None;
                self.outcome = Some(Err(e.to_string()));
            }
        }
    }

    /// A fingerprint of the inputs, so that an import runs only after a dry run of the same.
    fn inputs(&self) -> String {
        format!(
            "{:?}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}",
            self.kind,
            self.path,
            self.level,
            self.parent_level,
            self.key_column,
            self.name_column,
            self.period,
            self.category,
            self.x_column,
            self.y_column,
            self.crs,
            self.capacity_column
        )
    }

    /// Marks the current inputs as checked when a dry run passed.
    pub fn finished(&mut self, outcome: Result<ImportOutcome>) {
        self.outcome = Some(match outcome {
            Ok(o) => {
                if matches!(o, ImportOutcome::Done { written: false, .. }) {
                    self.checked = Some(self.inputs());
                } else {
                    self.checked = None;
                }
                Ok(o)
            }
            Err(e) => {
                self.checked = None;
                match e.downcast::<quartier_core::Error>() {
                    Ok(quartier_core::Error::Import(report)) => Ok(ImportOutcome::Problems(report.problems)),
                    Ok(other) => Err(other.to_string()),
                    Err(e) => Err(format!("{e:#}")),
                }
            }
        });
    }

    /// Draws the dialog; returns the request when the user starts a dry run or the import.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<ImportRequest> {
        if !self.open {
            return None;
        }
        self.take_preview();
        let mut job = None;
        let mut open = self.open;
        egui::Window::new(format!("Importieren: {}", self.kind.label()))
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .default_width(640.0)
            .max_width(760.0)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    let label = ui.label(tr("Dateipfad"));
                    let field = ui
                        .add(egui::TextEdit::singleline(&mut self.path).desired_width(380.0))
                        .labelled_by(label.id);
                    if field.lost_focus() && !self.path.trim().is_empty() {
                        self.load_preview(ui.ctx());
                    }
                    if ui.button(tr("Durchsuchen …")).clicked() {
                        let filter: &[&str] = match self.kind {
                            ImportKind::Geometry => &["geojson", "json", "zip", "shp"],
                            ImportKind::Values => &["csv", "xlsx", "xls", "ods", "txt"],
                            ImportKind::Pois => &["geojson", "json", "csv", "xlsx"],
                        };
                        if let Some(p) = rfd::FileDialog::new().add_filter("Dateien", filter).pick_file() {
                            self.path = p.display().to_string();
                            self.load_preview(ui.ctx());
                        }
                    }
                    if ui.button(tr("Vorschau")).clicked() {
                        self.load_preview(ui.ctx());
                    }
                });
                if self.reading.is_some() {
                    ui.label(tr("Vorschau wird gelesen …"));
                }
                if let Some(p) = &self.preview {
                    preview_ui(ui, p);
                    ui.separator();
                    self.mapping_ui(ui, w);
                }
                ui.separator();
                self.outcome_ui(ui);
                ui.horizontal(|ui| {
                    let ready = self.preview.is_some();
                    if ui.add_enabled(ready, egui::Button::new(tr("Prüfen"))).clicked() {
                        self.outcome = None;
                        job = Some(self.request(false));
                    }
                    let checked = self.checked.as_deref() == Some(self.inputs().as_str());
                    if ui
                        .add_enabled(checked, egui::Button::new(tr("Importieren")))
                        .on_disabled_hover_text(tr("Erst prüfen: importiert wird nur, was ohne Probleme geprüft ist"))
                        .clicked()
                    {
                        job = Some(self.request(true));
                    }
                });
            });
        self.open = open;
        job
    }

    fn mapping_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) {
        let headers = self.preview.as_ref().map(|p| p.headers.clone()).unwrap_or_default();
        let levels: Vec<String> = w.info.levels.iter().map(|l| l.name.clone()).collect();
        egui::Grid::new("zuordnung_import")
            .num_columns(2)
            .show(ui, |ui| match self.kind {
                ImportKind::Geometry => {
                    text_row(ui, tr("Ebene (neu oder vorhanden)"), &mut self.level);
                    choice_row(ui, tr("Übergeordnete Ebene"), &mut self.parent_level, &levels, true);
                    choice_row(ui, tr("Schlüsselspalte"), &mut self.key_column, &headers, false);
                    choice_row(ui, tr("Namensspalte"), &mut self.name_column, &headers, true);
                    text_row(ui, tr("Koordinatensystem (leer: erkennen)"), &mut self.crs);
                    ui.label("");
                    ui.checkbox(
                        &mut self.new_level,
                        tr("Als weitere Ebene anlegen, auch wenn eine ähnliche besteht"),
                    );
                    ui.end_row();
                    ui.label("");
                    ui.checkbox(
                        &mut self.merge_rows,
                        tr("Zeilen für mehrere Gebiete („A und B“) als zusammengefasstes Gebiet anlegen"),
                    )
                    .on_hover_text(tr(
                        "Das zusammengefasste Gebiet steht für seine Teile, wo diese keinen eigenen Wert haben: \
                         auf der Karte als ihre gemeinsame Fläche, in Summen und der Referenz einmal gezählt.",
                    ));
                    ui.end_row();
                }
                ImportKind::Values => {
                    choice_row(ui, tr("Ebene"), &mut self.level, &levels, false);
                    choice_row(ui, tr("Schlüsselspalte"), &mut self.key_column, &headers, false);
                    choice_row(ui, tr("Namensspalte"), &mut self.name_column, &headers, true);
                    text_row(ui, tr("Zeitraum (z. B. 2024)"), &mut self.period);
                    text_row(
                        ui,
                        tr("Zeile mit der amtlichen Summe (optional)"),
                        &mut self.reference_row,
                    );
                    ui.label("");
                    ui.checkbox(&mut self.dash_missing, tr("Strich „–“ bedeutet „fehlt“ (statt null)"))
                        .on_hover_text(tr(
                            "In amtlichen Tabellen heißt „–“ „nichts vorhanden“, also genau null. \
                             Manche kommunalen Dateien schreiben „–“ für fehlende Angaben: dann ankreuzen.",
                        ));
                    ui.end_row();
                }
                ImportKind::Pois => {
                    text_row(ui, tr("Kategorie (z. B. Kita)"), &mut self.category);
                    choice_row(ui, tr("Namensspalte"), &mut self.name_column, &headers, true);
                    choice_row(ui, tr("Plätze"), &mut self.capacity_column, &headers, true);
                    choice_row(ui, tr("x / Länge (Tabellen)"), &mut self.x_column, &headers, true);
                    choice_row(ui, tr("y / Breite (Tabellen)"), &mut self.y_column, &headers, true);
                    text_row(ui, tr("Koordinatensystem (leer: erkennen)"), &mut self.crs);
                    ui.label("");
                    ui.checkbox(
                        &mut self.new_level,
                        tr("Als weitere Ebene anlegen, auch wenn eine ähnliche besteht"),
                    );
                    ui.end_row();
                }
            });
    }

    fn outcome_ui(&self, ui: &mut egui::Ui) {
        match &self.outcome {
            None => {
                ui.label(tr(
                    "Noch nicht geprüft: „Prüfen“ liest die Datei vollständig und schreibt nichts.",
                ));
            }
            Some(Err(message)) => {
                ui.colored_label(egui::Color32::from_rgb(200, 40, 40), message);
            }
            Some(Ok(ImportOutcome::Done { summary, written })) => {
                ui.strong(if *written {
                    tr("Importiert")
                } else {
                    tr("Geprüft: keine Probleme")
                });
                for line in summary {
                    ui.label(line);
                }
            }
            Some(Ok(ImportOutcome::Problems(problems))) => {
                ui.colored_label(
                    egui::Color32::from_rgb(200, 40, 40),
                    match problems.len() {
                        1 => "1 Problem – nichts wurde geschrieben".to_string(),
                        n => format!("{n} Probleme – nichts wurde geschrieben"),
                    },
                );
                egui::ScrollArea::vertical()
                    .id_salt("probleme_rollen")
                    .max_height(180.0)
                    .show(ui, |ui| {
                        egui::Grid::new("probleme").striped(true).num_columns(4).show(ui, |ui| {
                            for h in [tr("Zeile"), tr("Spalte"), tr("Wert"), "Problem"] {
                                ui.strong(h);
                            }
                            ui.end_row();
                            for p in problems.iter().take(500) {
                                ui.label(p.row.map_or(String::new(), |r| r.to_string()));
                                ui.label(p.column.clone().unwrap_or_default());
                                ui.label(p.value.clone().unwrap_or_default());
                                ui.add(egui::Label::new(&p.reason).wrap());
                                ui.end_row();
                            }
                        });
                    });
            }
        }
    }

    /// The dry run (`write` false) or the import, for the app to run as a job.
    fn request(&self, write: bool) -> ImportRequest {
        let file = PathBuf::from(self.path.trim());
        let optional = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let request = match self.kind {
            ImportKind::Geometry => Request::Geometry(GeometryImport {
                level: self.level.trim().to_string(),
                file,
                key_column: self.key_column.clone(),
                name_column: optional(&self.name_column),
                parent_level: optional(&self.parent_level),
                crs: optional(&self.crs),
                new_level: self.new_level,
                ..Default::default()
            }),
            ImportKind::Values => Request::Values(ValuesImport {
                file,
                level: self.level.clone(),
                key_column: self.key_column.clone(),
                name_column: optional(&self.name_column),
                period: optional(&self.period),
                unmatched: UnmatchedPolicy::Abort,
                reference_row: optional(&self.reference_row),
                merge_rows: self.merge_rows,
                dash: if self.dash_missing {
                    DashMeaning::Missing
                } else {
                    DashMeaning::Zero
                },
                ..Default::default()
            }),
            ImportKind::Pois => Request::Pois(PoiImport {
                file,
                category: self.category.trim().to_string(),
                x_column: optional(&self.x_column),
                y_column: optional(&self.y_column),
                crs: optional(&self.crs),
                name_column: optional(&self.name_column),
                capacity_column: optional(&self.capacity_column),
                ..Default::default()
            }),
        };
        ImportRequest { what: request, write }
    }
}

/// An import or its dry run as the dialog asked for it, ready to run (as a job, by the app).
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRequest {
    what: Request,
    /// Write (`true`) or only try it and roll back (`false`).
    write: bool,
}

impl ImportRequest {
    /// What the job is called while it runs.
    pub fn title(&self) -> &'static str {
        if self.write {
            tr("Importieren")
        } else {
            tr("Prüfen")
        }
    }

    /// Runs the import (or the dry run, rolled back) on the job's own connection.
    pub fn run(&self, atlas: &mut Atlas, progress: &dyn Progress) -> anyhow::Result<ImportOutcome> {
        let summary = if self.write {
            self.what.run(atlas, progress)?
        } else {
            atlas.trial(|a| self.what.run(a, progress))?
        };
        Ok(ImportOutcome::Done {
            summary,
            written: self.write,
        })
    }
}

/// One import, ready to run.
#[derive(Debug, Clone, PartialEq)]
enum Request {
    Geometry(GeometryImport),
    Values(ValuesImport),
    Pois(PoiImport),
}

impl Request {
    /// Runs the import and describes what it did, in German.
    fn run(&self, atlas: &mut Atlas, progress: &dyn Progress) -> quartier_core::Result<Vec<String>> {
        // Computed indicators whose inputs changed besides values (geometry, POIs), recomputed
        // in a transaction of their own: their keys.
        let recompute_stale = |atlas: &mut Atlas| -> quartier_core::Result<Vec<String>> {
            Ok(quartier_core::analysis::compute::refresh(atlas, None)?
                .into_iter()
                .map(|o| o.key)
                .collect())
        };
        let recomputed_line = |keys: &[String]| {
            (!keys.is_empty()).then(|| format!("Berechnete Indikatoren neu berechnet: {}", keys.join(", ")))
        };
        Ok(match self {
            Request::Geometry(opts) => {
                let mut s = import_geometry(atlas, opts, progress)?;
                s.recomputed = recompute_stale(atlas)?;
                vec![
                    format!(
                        "{} Flächen gelesen: {} neu, {} aktualisiert auf Ebene „{}“{}",
                        s.areas_read,
                        s.areas_created,
                        s.areas_updated,
                        s.level,
                        if s.level_created { " (neue Ebene)" } else { "" }
                    ),
                    format!("Koordinatensystem: {} ({})", s.crs, s.crs_source),
                    format!("Gesamtfläche: {} km²", format_german(s.total_area_km2, 1)),
                ]
                .into_iter()
                .chain((s.keys_padded > 0).then(|| format!("{} Schlüssel mit führenden Nullen ergänzt", s.keys_padded)))
                .chain(
                    (!s.without_parent.is_empty())
                        .then(|| format!("{} Flächen ohne übergeordnetes Gebiet", s.without_parent.len())),
                )
                .chain(s.warnings.iter().map(|w| format!("Achtung: {w}")))
                .chain(recomputed_line(&s.recomputed))
                .collect()
            }
            Request::Values(opts) => {
                let mut s = import_values(atlas, opts, progress)?;
                // Computed indicators that read what came in follow at once (their own
                // transaction after the import's; see `analysis::compute`).
                s.recomputed = quartier_core::analysis::compute::refresh_dependents(atlas, &s.indicators)?
                    .into_iter()
                    .map(|o| o.key)
                    .collect();
                vec![
                    format!(
                        "{} Zeilen gelesen, {} Werte für {} Indikatoren ({} neu), Zeiträume {}",
                        s.rows_read,
                        s.values_written,
                        s.indicators.len(),
                        s.indicators_created.len(),
                        s.periods.join(", ")
                    ),
                    format!(
                        "davon {} Zahlen, {} geheim (k. A.), {} fehlend, {} nicht sinnvoll",
                        s.values_by_status.ok,
                        s.values_by_status.suppressed,
                        s.values_by_status.missing,
                        s.values_by_status.not_applicable
                    ),
                    format!(
                        "Zeichensatz {}, Dezimaltrennzeichen {:?}",
                        s.encoding, s.decimal_separator
                    ),
                ]
                .into_iter()
                .chain(std::iter::once(format!(
                    "gegenüber dem Atlas: {} neu, {} unverändert, {} geändert",
                    s.changes.new, s.changes.unchanged, s.changes.changed
                )))
                .chain(s.changes.largest.iter().map(|c| {
                    format!(
                        "  {} · {} · {}: {} → {}",
                        c.indicator, c.period, c.area, c.before, c.after
                    )
                }))
                .chain(recomputed_line(&s.recomputed))
                .chain(s.warnings.iter().map(|w| format!("Achtung: {w}")))
                .chain(s.combined_areas_created.iter().map(|c| {
                    format!(
                        "Zusammengefasstes Gebiet angelegt: „{}“ ({}) aus Zeile {}",
                        c.name, c.key, c.line
                    )
                }))
                .chain(
                    s.merged_rows
                        .iter()
                        .map(|r| format!("Zeile {}: „{}“ – {}", r.line, r.key, r.reason)),
                )
                .chain(s.reference_row.iter().map(|r| {
                    format!(
                        "Amtliche Referenz der Ebene aus Zeile {} („{}“): {} Werte",
                        r.line, r.name, r.values
                    )
                }))
                .chain(
                    s.signs
                        .iter()
                        .map(|(sign, n)| format!("{n} × „{sign}“: {}", describe_sign(sign, s.dash))),
                )
                .collect()
            }
            Request::Pois(opts) => {
                let mut s = import_pois(atlas, opts, progress)?;
                s.recomputed = recompute_stale(atlas)?;
                vec![
                    format!(
                        "{} Einrichtungen der Kategorie „{}“ ({} mit Plätzen), {} ersetzt",
                        s.pois_imported, s.category, s.with_capacity, s.pois_replaced
                    ),
                    format!("Koordinatensystem: {}", s.crs),
                ]
                .into_iter()
                .chain((!s.outside_atlas.is_empty()).then(|| {
                    format!(
                        "{} Einrichtungen liegen außerhalb der Gebiete des Atlas",
                        s.outside_atlas.len()
                    )
                }))
                .chain(recomputed_line(&s.recomputed))
                .collect()
            }
        })
    }
}

fn preview_ui(ui: &mut egui::Ui, p: &FilePreview) {
    let detected: Vec<String> = [
        Some(format!("{} Zeilen", p.total_rows)),
        p.encoding.as_ref().map(|e| format!("Zeichensatz {e}")),
        p.crs.as_ref().map(|c| format!("Koordinatensystem {c}")),
        p.decimal.as_ref().map(|d| format!("Dezimaltrennzeichen {d}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    ui.label(format!("{}: {}", p.file, detected.join(" · ")));
    egui::ScrollArea::both()
        .id_salt("vorschau_rollen")
        .max_height(170.0)
        .show(ui, |ui| {
            egui::Grid::new("vorschau").striped(true).show(ui, |ui| {
                for h in &p.headers {
                    ui.strong(h);
                }
                ui.end_row();
                for row in &p.rows {
                    for cell in row {
                        ui.label(cell);
                    }
                    ui.end_row();
                }
            });
        });
}

fn text_row(ui: &mut egui::Ui, label: &str, value: &mut String) {
    let l = ui.label(label);
    ui.add(egui::TextEdit::singleline(value).desired_width(260.0))
        .labelled_by(l.id);
    ui.end_row();
}

fn choice_row(ui: &mut egui::Ui, label: &str, value: &mut String, options: &[String], optional: bool) {
    let l = ui.label(label);
    egui::ComboBox::from_id_salt(("import_zuordnung", label))
        .selected_text(if value.is_empty() {
            "–".to_string()
        } else {
            value.clone()
        })
        .width(260.0)
        .show_ui(ui, |ui| {
            if optional {
                ui.selectable_value(value, String::new(), "–");
            }
            for o in options {
                ui.selectable_value(value, o.clone(), o);
            }
        })
        .response
        .labelled_by(l.id);
    ui.end_row();
}
