//! The analysis dialogs besides status/dynamics: the composite index builder (weights,
//! polarity, normalisation, aggregation, Monte Carlo uncertainty with the rank intervals as a
//! diagram), the suppression preview, aggregation to a coarser level, and distance to POIs.
//! A dialog only builds an [`AnalysisRequest`]; the app runs it as a job off the UI thread
//! (`Command::Run`), and saved results become indicators that the map and table show like any
//! other.

use super::i18n::tr;
use eframe::egui;
use quartier_core::analysis::aggregate::{save_aggregation, AggregateRequest, Aggregation as Aggregated};
use quartier_core::analysis::compute::{compute, ComputeOutcome, ComputeRequest};
use quartier_core::analysis::crosswalk::{crosswalk, save_crosswalk, Crosswalk, CrosswalkRequest, CrosswalkWeight};
use quartier_core::analysis::distance::{distance, save_distance, DistanceRequest, DistanceResult, OriginKind};
use quartier_core::analysis::index::{
    composite_index, save_composite_index, Aggregation, IndexConfig, IndexResult, MissingPolicy, Normalisation,
    Uncertainty,
};
use quartier_core::analysis::sizes::{check_sizes, regionalise, save_regionalisation, Regionalisation, SizeCheck};
use quartier_core::analysis::suppress::{suppress, SuppressRequest, SuppressionReport};
use quartier_core::analysis::IndicatorChoice;
use quartier_core::model::Polarity;

use super::analysis_results::{distance_result_ui, index_result_ui, suppression_result_ui};
use super::state::Workbench;
use quartier_core::progress::Progress;
use quartier_core::Atlas;

/// What an analysis job returns.
#[derive(Debug)]
pub enum AnalysisOutput {
    /// A composite index.
    Index(IndexResult),
    /// A suppression preview.
    Suppression(SuppressionReport),
    /// Saved aggregates on a coarser level.
    Aggregation(Aggregated),
    /// Distances to POIs.
    Distance(DistanceResult),
    /// A computed indicator, stored.
    Compute(ComputeOutcome),
    /// The areas of a level against a size rule.
    SizeCheck(SizeCheck),
    /// A proposed merge of small areas, for review.
    Regionalisation(Regionalisation),
    /// The reviewed merge, stored as a new level.
    RegionsSaved(Regionalisation),
    /// Values moved onto areas that do not nest.
    Crosswalk(Crosswalk),
    /// The computed indicators recomputed because their inputs changed (keys).
    Refreshed(Vec<String>),
}

/// An analysis as a dialog asked for it, ready to run (as a job, by the app).
#[derive(Debug, Clone, PartialEq)]
pub enum AnalysisRequest {
    /// A composite index, saved under `save_key` unless it is empty.
    Index {
        /// The index.
        config: IndexConfig,
        /// Key to save it under; empty: show only.
        save_key: String,
    },
    /// The suppression preview.
    Suppression(SuppressRequest),
    /// Aggregate to the coarser level and save.
    Aggregation(AggregateRequest),
    /// Distances to POIs, saved as indicators with `save`.
    Distance {
        /// What to measure.
        request: DistanceRequest,
        /// Save as indicators.
        save: bool,
    },
    /// A computed indicator (formula), stored.
    Compute(ComputeRequest),
    /// Checks the areas of a level against a size rule.
    SizeCheck {
        /// The level.
        level: String,
        /// The period.
        period: String,
        /// The rule or preset.
        rule: String,
    },
    /// Proposes merging the small areas into a new level.
    Regionalise {
        /// The level.
        level: String,
        /// The period.
        period: String,
        /// The rule or preset.
        rule: String,
        /// The new level's name.
        new_level: String,
    },
    /// Stores the reviewed proposal as a new level.
    SaveRegions(Box<Regionalisation>),
    /// Recomputes the computed indicators whose inputs changed.
    Refresh,
    /// Moves values onto another level (areal interpolation), saved with `save`.
    Crosswalk {
        /// What to move.
        request: CrosswalkRequest,
        /// Store on the target level.
        save: bool,
        /// Appended to the keys when stored (empty: the own keys).
        suffix: String,
    },
}

impl AnalysisRequest {
    /// What the job is called while it runs.
    pub fn title(&self) -> &'static str {
        match self {
            AnalysisRequest::Index { .. } => "Index berechnen",
            AnalysisRequest::Suppression(_) => tr("Geheimhaltung prüfen"),
            AnalysisRequest::Aggregation(_) => "Zusammenfassen",
            AnalysisRequest::Distance { .. } => "Entfernungen berechnen",
            AnalysisRequest::Compute(_) => tr("Indikator berechnen"),
            AnalysisRequest::SizeCheck { .. } => tr("Gebietsgrößen prüfen"),
            AnalysisRequest::Regionalise { .. } => tr("Zusammenlegen vorschlagen"),
            AnalysisRequest::SaveRegions(_) => tr("Neue Ebene speichern"),
            AnalysisRequest::Crosswalk { .. } => tr("Übertragen"),
            AnalysisRequest::Refresh => tr("Berechnete Indikatoren aktualisieren"),
        }
    }

    /// Runs the analysis on the job's own connection.
    pub fn run(&self, atlas: &mut Atlas, progress: &dyn Progress) -> anyhow::Result<AnalysisOutput> {
        Ok(match self {
            AnalysisRequest::Index { config, save_key } if save_key.is_empty() => {
                AnalysisOutput::Index(composite_index(atlas, config, progress)?)
            }
            AnalysisRequest::Index { config, save_key } => {
                AnalysisOutput::Index(save_composite_index(atlas, config, save_key, progress)?)
            }
            AnalysisRequest::Suppression(request) => AnalysisOutput::Suppression(suppress(atlas, request, progress)?),
            AnalysisRequest::Aggregation(request) => {
                AnalysisOutput::Aggregation(save_aggregation(atlas, request, None, progress)?)
            }
            AnalysisRequest::Distance { request, save: true } => {
                AnalysisOutput::Distance(save_distance(atlas, request, progress)?)
            }
            AnalysisRequest::Distance { request, save: false } => {
                AnalysisOutput::Distance(distance(atlas, request, progress)?)
            }
            AnalysisRequest::Compute(request) => AnalysisOutput::Compute(compute(atlas, request, false)?),
            AnalysisRequest::SizeCheck { level, period, rule } => {
                AnalysisOutput::SizeCheck(check_sizes(atlas, level, Some(period), rule)?)
            }
            AnalysisRequest::Regionalise {
                level,
                period,
                rule,
                new_level,
            } => AnalysisOutput::Regionalisation(regionalise(atlas, level, Some(period), rule, new_level)?),
            AnalysisRequest::Crosswalk {
                request,
                save: true,
                suffix,
            } => AnalysisOutput::Crosswalk(save_crosswalk(
                atlas,
                request,
                Some(suffix.as_str()).filter(|s| !s.trim().is_empty()),
                progress,
            )?),
            AnalysisRequest::Crosswalk { request, .. } => {
                AnalysisOutput::Crosswalk(crosswalk(atlas, request, progress)?)
            }
            AnalysisRequest::Refresh => AnalysisOutput::Refreshed(
                quartier_core::analysis::compute::refresh(atlas, None)?
                    .into_iter()
                    .map(|o| o.key)
                    .collect(),
            ),
            AnalysisRequest::SaveRegions(proposal) => {
                let mut proposal = (**proposal).clone();
                save_regionalisation(atlas, &mut proposal)?;
                AnalysisOutput::RegionsSaved(proposal)
            }
        })
    }
}

impl AnalysisOutput {
    /// Indicator keys the run stored.
    pub fn saved(&self) -> &[String] {
        match self {
            AnalysisOutput::Index(r) => &r.saved,
            AnalysisOutput::Aggregation(r) => &r.saved,
            AnalysisOutput::Distance(r) => &r.saved,
            AnalysisOutput::Compute(r) => std::slice::from_ref(&r.key),
            AnalysisOutput::Crosswalk(r) => &r.saved,
            AnalysisOutput::Refreshed(keys) => keys,
            AnalysisOutput::Suppression(_)
            | AnalysisOutput::SizeCheck(_)
            | AnalysisOutput::Regionalisation(_)
            | AnalysisOutput::RegionsSaved(_) => &[],
        }
    }
}

/// Which analysis dialog is open.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Dialog {
    /// None.
    #[default]
    Closed,
    /// Composite index.
    Index,
    /// Suppression preview.
    Suppression,
    /// Aggregation.
    Aggregation,
    /// Distance to POIs.
    Distance,
    /// A computed indicator: the formula editor.
    Formula,
    /// Areas too small to report, and merging them.
    Sizes,
    /// Moving values onto areas that do not nest.
    Crosswalk,
}

/// One indicator row of the index builder.
#[derive(Clone, Debug)]
struct IndexRow {
    key: String,
    name: String,
    used: bool,
    higher_is_worse: bool,
    weight: f64,
}

/// The inputs of all analysis dialogs.
pub struct Analyses {
    /// The open dialog.
    pub dialog: Dialog,
    /// The dialog of the running or last run.
    pub last: Dialog,
    rows: Vec<IndexRow>,
    rows_for: String,
    normalisation: Normalisation,
    aggregation: Aggregation,
    runs: usize,
    weight_range: f64,
    save_key: String,
    /// The save key last checked and why it cannot be used (`None`: it can).
    save_key_refused: (String, Option<String>),
    category: String,
    grid: bool,
    radii: String,
    population: String,
    save: bool,
    /// The formula editor.
    formula: FormulaEditor,
    /// The size rule (condition or preset).
    size_rule: String,
    /// The name of the level a regionalisation proposes.
    new_level: String,
    /// The crosswalk's target level.
    crosswalk_to: String,
    /// Split by residents at addresses instead of area.
    crosswalk_by_addresses: bool,
    /// The key suffix a crosswalk is saved with.
    crosswalk_suffix: String,
    /// The last result, shown in its window until closed.
    pub result: Option<AnalysisOutput>,
    /// Why the last run failed.
    pub message: Option<String>,
}

impl Default for Analyses {
    fn default() -> Self {
        Analyses {
            dialog: Dialog::Closed,
            last: Dialog::Closed,
            rows: Vec::new(),
            rows_for: String::new(),
            normalisation: Normalisation::Z,
            aggregation: Aggregation::Arithmetic,
            runs: 500,
            weight_range: 0.25,
            save_key: String::new(),
            save_key_refused: (String::new(), None),
            category: String::new(),
            grid: true,
            radii: "300, 500, 1000".to_string(),
            population: String::new(),
            save: false,
            formula: FormulaEditor::default(),
            size_rule: "ew >= 1000".to_string(),
            new_level: "Sozialräume".to_string(),
            crosswalk_to: String::new(),
            crosswalk_by_addresses: false,
            crosswalk_suffix: String::new(),
            result: None,
            message: None,
        }
    }
}

impl Analyses {
    /// Why the formula in the editor cannot be computed (`None`: it can, or it is empty).
    #[cfg(test)]
    pub fn formula_error(&self) -> Option<&str> {
        self.formula.error.as_deref()
    }

    /// Chooses the crosswalk's target level (the combo box, for tests).
    #[cfg(test)]
    pub fn set_crosswalk_target_for_test(&mut self, level: &str) {
        self.crosswalk_to = level.to_string();
    }

    /// Opens a dialog for the shown level and period.
    pub fn open(&mut self, dialog: Dialog, w: &Workbench) {
        self.dialog = dialog;
        self.message = None;
        let here = format!("{}|{}", w.level_name(), w.choice.period.as_deref().unwrap_or(""));
        if self.rows_for != here {
            self.rows_for = here;
            self.rows = w
                .indicators_on_level()
                .iter()
                .filter(|i| i.periods.iter().any(|p| Some(p) == w.choice.period.as_ref()))
                .map(|i| IndexRow {
                    key: i.key.clone(),
                    name: i.name.clone(),
                    used: false,
                    higher_is_worse: w
                        .atlas
                        .indicator(&i.key)
                        .is_ok_and(|m| m.polarity != Polarity::HigherIsBetter),
                    weight: 1.0,
                })
                .collect();
        }
        if self.category.is_empty() {
            self.category = w.first_poi_category();
        }
    }

    /// Draws the open dialog; returns the request when the user starts a run.
    pub fn ui(&mut self, ctx: &egui::Context, w: &Workbench) -> Option<AnalysisRequest> {
        let title = match self.dialog {
            Dialog::Closed => return None,
            Dialog::Index => tr("Zusammengesetzter Index"),
            Dialog::Suppression => tr("Geheimhaltung prüfen"),
            Dialog::Aggregation => tr("Auf gröbere Ebene zusammenfassen"),
            Dialog::Distance => tr("Entfernung zu Einrichtungen"),
            Dialog::Formula => tr("Berechneter Indikator"),
            Dialog::Sizes => tr("Gebietsgrößen prüfen"),
            Dialog::Crosswalk => tr("Auf andere Gebietsgliederung übertragen"),
        };
        let mut open = true;
        let mut request = None;
        egui::Window::new(title)
            .default_pos(egui::pos2(340.0, 70.0))
            .open(&mut open)
            .collapsible(false)
            .default_width(520.0)
            .show(ctx, |ui| {
                ui.label(format!(
                    "Ebene {} · Zeitraum {}",
                    w.level_name(),
                    w.choice.period.as_deref().unwrap_or("–")
                ));
                request = match self.dialog {
                    Dialog::Index => self.index_ui(ui, w),
                    Dialog::Suppression => self.suppression_ui(ui, w),
                    Dialog::Aggregation => self.aggregation_ui(ui, w),
                    Dialog::Distance => self.distance_ui(ui, w),
                    Dialog::Formula => self.formula.ui(ui, w),
                    Dialog::Sizes => self.sizes_ui(ui, w),
                    Dialog::Crosswalk => self.crosswalk_ui(ui, w),
                    Dialog::Closed => None,
                };
                if let Some(m) = &self.message {
                    ui.colored_label(egui::Color32::from_rgb(200, 40, 40), m);
                }
            });
        if !open {
            self.dialog = Dialog::Closed;
        }
        if request.is_some() {
            // The dialog comes back with the message if the run fails.
            self.last = self.dialog;
            self.dialog = Dialog::Closed;
        }
        request
    }

    fn index_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        ui.strong(tr("Indikatoren, Richtung und Gewicht"));
        egui::ScrollArea::vertical()
            .id_salt("index_zeilen")
            .max_height(220.0)
            .show(ui, |ui| {
                egui::Grid::new("index_indikatoren")
                    .num_columns(3)
                    .striped(true)
                    .show(ui, |ui| {
                        for row in &mut self.rows {
                            ui.checkbox(&mut row.used, &row.name);
                            ui.add_enabled_ui(row.used, |ui| {
                                ui.selectable_value(&mut row.higher_is_worse, true, tr("hoch = ungünstig"));
                                ui.selectable_value(&mut row.higher_is_worse, false, tr("hoch = günstig"));
                            });
                            ui.add_enabled(
                                row.used,
                                egui::DragValue::new(&mut row.weight).range(0.0..=10.0).speed(0.05),
                            )
                            .on_hover_text(format!("Gewicht von „{}“", row.name));
                            ui.end_row();
                        }
                    });
            });
        ui.horizontal(|ui| {
            ui.label(tr("Normierung"));
            for (n, label) in [
                (Normalisation::Z, tr("z-Wert")),
                (Normalisation::MinMax, tr("Min–Max")),
                (Normalisation::Rank, tr("Rang")),
                (Normalisation::Percentile, tr("Perzentil")),
                (Normalisation::Reference, tr("Abstand zur Referenz")),
            ] {
                ui.selectable_value(&mut self.normalisation, n, label);
            }
        });
        ui.horizontal(|ui| {
            ui.label(tr("Zusammenfassung"));
            ui.selectable_value(&mut self.aggregation, Aggregation::Arithmetic, tr("arithmetisch"));
            ui.selectable_value(&mut self.aggregation, Aggregation::Geometric, tr("geometrisch"));
        });
        ui.label(egui::RichText::new(self.aggregation.compensability_de()).weak());
        ui.horizontal(|ui| {
            let l = ui.label(tr("Monte-Carlo-Läufe"));
            ui.add(egui::DragValue::new(&mut self.runs).range(0..=5000))
                .labelled_by(l.id);
            let l = ui.label(tr("Gewichte ±"));
            ui.add(
                egui::DragValue::new(&mut self.weight_range)
                    .range(0.0..=1.0)
                    .speed(0.01),
            )
            .labelled_by(l.id);
        });
        ui.horizontal(|ui| {
            let l = ui.label(tr("Speichern als (Schlüssel, leer: nicht speichern)"));
            ui.add(egui::TextEdit::singleline(&mut self.save_key).desired_width(140.0))
                .labelled_by(l.id);
        });
        // Asked when the key changes, not every frame: an imported indicator, or one that
        // another method derived, is never overwritten (the engine refuses it as well).
        let key = self.save_key.trim();
        if self.save_key_refused.0 != key {
            let refused = ["", "_rank", "_rank_median", "_rank_p05", "_rank_p95"]
                .iter()
                .filter(|_| !key.is_empty())
                .find_map(|suffix| {
                    quartier_core::analysis::check_save_key(&w.atlas, &format!("{key}{suffix}"), "composite_index")
                        .err()
                })
                .map(|e| e.to_string());
            self.save_key_refused = (key.to_string(), refused);
        }
        if let Some(why) = &self.save_key_refused.1 {
            ui.colored_label(egui::Color32::from_rgb(190, 30, 30), why);
        }
        let chosen: Vec<IndicatorChoice> = self
            .rows
            .iter()
            .filter(|r| r.used)
            .map(|r| IndicatorChoice {
                key: r.key.clone(),
                polarity: Some(if r.higher_is_worse {
                    Polarity::HigherIsWorse
                } else {
                    Polarity::HigherIsBetter
                }),
                weight: r.weight,
            })
            .collect();
        let key_ok = self.save_key_refused.1.is_none();
        if !ui
            .add_enabled(chosen.len() >= 2 && key_ok, egui::Button::new(tr("Berechnen")))
            .on_disabled_hover_text(if key_ok {
                tr("Mindestens zwei Indikatoren wählen")
            } else {
                tr("Unter diesem Schlüssel wird nicht gespeichert")
            })
            .clicked()
        {
            return None;
        }
        let config = IndexConfig {
            level: w.level_name().to_string(),
            period: w.choice.period.clone().unwrap_or_default(),
            indicators: chosen,
            budget: false,
            normalisation: self.normalisation,
            aggregation: self.aggregation,
            targets: Default::default(),
            missing: MissingPolicy::Exclude,
            min_population: None,
            exclude: Vec::new(),
            uncertainty: (self.runs > 0).then(|| Uncertainty {
                runs: self.runs,
                weight_range: self.weight_range,
                normalisations: vec![Normalisation::Z, Normalisation::MinMax, Normalisation::Rank],
                aggregations: vec![Aggregation::Arithmetic, Aggregation::Geometric],
                seed: 42,
            }),
        };
        self.message = None;
        Some(AnalysisRequest::Index {
            config,
            save_key: self.save_key.trim().to_string(),
        })
    }

    fn suppression_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        ui.label(
            "Zeigt, welche Werte nach den Geheimhaltungsregeln des Atlas „k. A.“ würden \
             (primär, abgeleitet, sekundär) – ohne etwas zu ändern.",
        );
        if !ui.button(tr("Prüfen")).clicked() {
            return None;
        }
        let request = SuppressRequest {
            level: w.level_name().to_string(),
            period: w.choice.period.clone().unwrap_or_default(),
            ..Default::default()
        };
        Some(AnalysisRequest::Suppression(request))
    }

    fn aggregation_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        let parent = w
            .choice
            .level
            .checked_sub(1)
            .and_then(|i| w.info.levels.get(i))
            .map(|l| l.name.clone());
        let Some(parent) = parent else {
            ui.label(tr(
                "Die gezeigte Ebene ist die gröbste; ihre Zusammenfassung ist die Gesamtstadt-Zeile der Tabelle.",
            ));
            return None;
        };
        let indicator = w.indicator_info().map_or(String::new(), |i| i.name.clone());
        ui.label(format!(
            "„{indicator}“ nach seiner Regel auf Ebene {parent} zusammenfassen und speichern \
             (Anzahlen summiert, Anteile aus Zähler und Nenner neu berechnet)."
        ));
        if !ui.button(tr("Zusammenfassen und speichern")).clicked() {
            return None;
        }
        let request = AggregateRequest {
            from_level: w.level_name().to_string(),
            to_level: Some(parent),
            period: w.choice.period.clone().unwrap_or_default(),
            indicators: w.choice.indicator.iter().cloned().collect(),
            ..Default::default()
        };
        Some(AnalysisRequest::Aggregation(request))
    }

    fn distance_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        if w.shown.poi_layers.is_empty() {
            ui.label(tr(
                "Dieser Atlas hat keine Einrichtungen; erst über Datei → Einrichtungen importieren.",
            ));
            return None;
        }
        egui::Grid::new("entfernung").num_columns(2).show(ui, |ui| {
            let l = ui.label(tr("Kategorie"));
            egui::ComboBox::from_id_salt("entfernung_kategorie")
                .selected_text(&self.category)
                .show_ui(ui, |ui| {
                    for layer in &w.shown.poi_layers {
                        ui.selectable_value(&mut self.category, layer.category.clone(), &layer.category);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            ui.label(tr("Wohnorte"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.grid, true, tr("Raster 100 m in den Gebieten"));
                ui.radio_value(&mut self.grid, false, tr("Gebietsmittelpunkte (grob)"));
            });
            ui.end_row();
            let l = ui.label(tr("Einwohner-Indikator"));
            let counts: Vec<(String, String)> = w
                .indicators_on_level()
                .iter()
                .filter(|i| i.kind == "count")
                .map(|i| (i.key.clone(), i.name.clone()))
                .collect();
            if !counts.iter().any(|(k, _)| *k == self.population) {
                // Residents weight the distances: the inhabitants by default.
                self.population = counts
                    .iter()
                    .find(|(k, _)| k.starts_with("ew"))
                    .or(counts.first())
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
            }
            let shown = counts
                .iter()
                .find(|(k, _)| *k == self.population)
                .map_or("– keine Einwohnerzahl auf dieser Ebene –".to_string(), |(_, n)| {
                    n.clone()
                });
            egui::ComboBox::from_id_salt("entfernung_einwohner")
                .selected_text(shown)
                .width(260.0)
                .show_ui(ui, |ui| {
                    for (k, n) in &counts {
                        ui.selectable_value(&mut self.population, k.clone(), n);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            let l = ui.label(tr("Radien in m"));
            ui.add(egui::TextEdit::singleline(&mut self.radii).desired_width(160.0))
                .labelled_by(l.id);
            ui.end_row();
        });
        ui.checkbox(&mut self.save, tr("Ergebnis als Indikatoren speichern"));
        if !ui
            .add_enabled(!self.population.is_empty(), egui::Button::new(tr("Berechnen")))
            .on_disabled_hover_text(tr(
                "Die Entfernungen werden mit den Einwohnern gewichtet: erst eine Einwohnerzahl importieren",
            ))
            .clicked()
        {
            return None;
        }
        let radii: Result<Vec<f64>, String> = self
            .radii
            .split(',')
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("Radius „{}“ ist keine Zahl", s.trim()))
            })
            .collect();
        let radii = match radii {
            Ok(r) => r,
            Err(m) => {
                self.message = Some(m);
                return None;
            }
        };
        self.message = None;
        let request = DistanceRequest {
            categories: vec![self.category.clone()],
            level: w.level_name().to_string(),
            period: (!self.population.is_empty()).then(|| w.choice.period.clone()).flatten(),
            population_indicator: Some(self.population.clone()).filter(|p| !p.is_empty()),
            origins: if self.grid {
                OriginKind::Grid {
                    cell: 100.0,
                    residential: None,
                }
            } else {
                OriginKind::Centroids
            },
            radii,
            keep_outside: true,
            network: false,
            isochrones: None,
            supply: None,
            scenario: Vec::new(),
        };
        Some(AnalysisRequest::Distance {
            request,
            save: self.save,
        })
    }

    fn sizes_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        ui.label(tr(
            "Prüft jedes Gebiet der Ebene gegen eine Regel aus Anzahlen (z. B. „ew >= 1000“) und zeigt \
             die zu kleinen auf der Karte; schlägt vor, sie mit Nachbarn im selben übergeordneten Gebiet \
             zusammenzulegen.",
        ));
        egui::Grid::new("groessen").num_columns(2).show(ui, |ui| {
            let l = ui.label(tr("Regel"));
            ui.add(egui::TextEdit::singleline(&mut self.size_rule).desired_width(260.0))
                .labelled_by(l.id);
            ui.end_row();
            ui.label(tr("Vorgaben"));
            ui.horizontal_wrapped(|ui| {
                for (name, rule, why) in quartier_core::analysis::sizes::PRESETS {
                    if ui.small_button(name).on_hover_text(why).clicked() {
                        self.size_rule = rule.to_string();
                    }
                }
            });
            ui.end_row();
        });
        let (level, period) = (w.level_name().to_string(), w.choice.period.clone().unwrap_or_default());
        let rule = self.size_rule.trim().to_string();
        if ui
            .add_enabled(!rule.is_empty(), egui::Button::new(tr("Prüfen")))
            .clicked()
        {
            return Some(AnalysisRequest::SizeCheck { level, period, rule });
        }
        ui.separator();
        ui.horizontal(|ui| {
            let l = ui.label(tr("Neue Ebene"));
            ui.add(egui::TextEdit::singleline(&mut self.new_level).desired_width(200.0))
                .labelled_by(l.id);
        });
        let name = self.new_level.trim().to_string();
        ui.add_enabled(
            !rule.is_empty() && !name.is_empty(),
            egui::Button::new(tr("Zusammenlegen vorschlagen")),
        )
        .clicked()
        .then_some(AnalysisRequest::Regionalise {
            level,
            period,
            rule,
            new_level: name,
        })
    }

    fn crosswalk_ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        let from = w.level_name().to_string();
        let others: Vec<String> = w
            .info
            .levels
            .iter()
            .map(|l| l.name.clone())
            .filter(|l| *l != from)
            .collect();
        if !others.contains(&self.crosswalk_to) {
            self.crosswalk_to = others.first().cloned().unwrap_or_default();
        }
        let Some(indicator) = w.indicator_info().map(|i| (i.key.clone(), i.name.clone())) else {
            ui.label(tr("Erst einen Indikator wählen."));
            return None;
        };
        ui.label(format!(
            "„{}“ von Ebene {from} auf eine Ebene übertragen, deren Gebiete nicht in denen der gezeigten \
             aufgehen (Anzahlen anteilig verteilt, Anteile aus verteiltem Zähler und Nenner).",
            indicator.1
        ));
        egui::Grid::new("uebertragen").num_columns(2).show(ui, |ui| {
            let l = ui.label(tr("Zielebene"));
            egui::ComboBox::from_id_salt("uebertragen_ziel")
                .selected_text(&self.crosswalk_to)
                .show_ui(ui, |ui| {
                    for level in &others {
                        ui.selectable_value(&mut self.crosswalk_to, level.clone(), level);
                    }
                })
                .response
                .labelled_by(l.id);
            ui.end_row();
            ui.label(tr("Verteilen nach"));
            ui.horizontal(|ui| {
                ui.radio_value(&mut self.crosswalk_by_addresses, false, tr("Fläche"));
                ui.radio_value(
                    &mut self.crosswalk_by_addresses,
                    true,
                    tr("Einwohnern an Adresspunkten"),
                );
            });
            ui.end_row();
            let l = ui.label(tr("Schlüsselzusatz beim Speichern (leer: eigener Schlüssel)"));
            ui.add(egui::TextEdit::singleline(&mut self.crosswalk_suffix).desired_width(120.0))
                .labelled_by(l.id);
            ui.end_row();
        });
        ui.checkbox(&mut self.save, tr("Ergebnis als Indikatoren speichern"));
        if !ui
            .add_enabled(!self.crosswalk_to.is_empty(), egui::Button::new(tr("Übertragen")))
            .clicked()
        {
            return None;
        }
        Some(AnalysisRequest::Crosswalk {
            request: CrosswalkRequest {
                from_level: from,
                to_level: self.crosswalk_to.clone(),
                period: w.choice.period.clone().unwrap_or_default(),
                indicators: vec![indicator.0],
                weight: if self.crosswalk_by_addresses {
                    CrosswalkWeight::Addresses
                } else {
                    CrosswalkWeight::Area
                },
            },
            save: self.save,
            suffix: self.crosswalk_suffix.trim().to_string(),
        })
    }

    /// The window with the last result.
    pub fn result_ui(&mut self, ctx: &egui::Context) {
        let Some(result) = &self.result else { return };
        let mut open = true;
        let title = match result {
            AnalysisOutput::Index(_) => tr("Index: Ergebnis"),
            AnalysisOutput::Suppression(_) => tr("Geheimhaltung: Ergebnis"),
            AnalysisOutput::Aggregation(_) => tr("Zusammenfassung: Ergebnis"),
            AnalysisOutput::Distance(_) => tr("Entfernungen: Ergebnis"),
            AnalysisOutput::Compute(_) => tr("Berechneter Indikator: Ergebnis"),
            AnalysisOutput::RegionsSaved(_) => tr("Neue Ebene: Ergebnis"),
            AnalysisOutput::Crosswalk(_) => tr("Übertragen: Ergebnis"),
            AnalysisOutput::Refreshed(_) => tr("Berechnete Indikatoren aktualisieren"),
            // Shown on the map with their own window (`sizes::review_ui`).
            AnalysisOutput::SizeCheck(_) | AnalysisOutput::Regionalisation(_) => return,
        };
        egui::Window::new(title)
            .default_pos(egui::pos2(760.0, 90.0))
            .open(&mut open)
            .default_width(560.0)
            .default_height(460.0)
            .show(ctx, |ui| match result {
                AnalysisOutput::Index(r) => index_result_ui(ui, r),
                AnalysisOutput::Suppression(r) => suppression_result_ui(ui, r),
                AnalysisOutput::Aggregation(r) => {
                    ui.label(format!(
                        "{} → {} ({}), {}",
                        r.from_level, r.to_level, r.period, r.grouping
                    ));
                    for k in &r.saved {
                        ui.label(format!("gespeichert: {k}"));
                    }
                    for refused in &r.refused {
                        ui.label(format!("nicht zusammengefasst: {refused:?}"));
                    }
                }
                AnalysisOutput::Distance(r) => distance_result_ui(ui, r),
                AnalysisOutput::SizeCheck(_) | AnalysisOutput::Regionalisation(_) => {}
                AnalysisOutput::Crosswalk(r) => super::analysis_results::crosswalk_result_ui(ui, r),
                AnalysisOutput::Refreshed(keys) if keys.is_empty() => {
                    ui.label(tr("Alle berechneten Indikatoren sind aktuell."));
                }
                AnalysisOutput::Refreshed(keys) => {
                    ui.label(format!("{} {}", tr("Neu berechnet:"), keys.join(", ")));
                }
                AnalysisOutput::RegionsSaved(r) => {
                    ui.label(format!(
                        "Ebene „{}“ gespeichert: {} Gebiete aus {} der Ebene „{}“ ({} zusammengelegt), Regel „{}“, {}.",
                        r.new_level,
                        r.regions.len(),
                        r.areas,
                        r.level,
                        r.merged,
                        r.rule,
                        r.period
                    ));
                }
                AnalysisOutput::Compute(r) => {
                    ui.label(format!("{} = {}", r.key, r.formula));
                    ui.label(format!(
                        "Eingänge: {}; Aggregation: {}",
                        r.inputs.join(", "),
                        r.aggregation_de
                    ));
                    if !r.helpers.is_empty() {
                        ui.label(format!(
                            "{} {}",
                            tr("Summen im Zähler oder Nenner als eigene Anzahlen angelegt:"),
                            r.helpers.join(", ")
                        ));
                    }
                    for s in &r.series {
                        ui.label(format!("{} · {}: {} Gebiete", s.level, s.period, s.values.len()));
                    }
                }
            });
        if !open {
            self.result = None;
        }
    }
}

/// The formula editor: key, name, unit and formula, the indicators to insert, errors as
/// the planner types, and a live preview on the selected areas (or the first ones) of the
/// shown level and period.
#[derive(Default)]
struct FormulaEditor {
    key: String,
    name: String,
    unit: String,
    formula: String,
    /// What the preview was computed for (formula, level, period, selection).
    preview_for: String,
    /// Area name and value as the table shows it.
    preview: Vec<(String, String)>,
    /// Why the formula cannot be computed, as the planner types.
    error: Option<String>,
}

/// How many areas the preview shows without a selection.
const PREVIEW_AREAS: usize = 8;

impl FormulaEditor {
    fn ui(&mut self, ui: &mut egui::Ui, w: &Workbench) -> Option<AnalysisRequest> {
        egui::Grid::new("formel").num_columns(2).show(ui, |ui| {
            for (label, value) in [
                (tr("Neuer Schlüssel"), &mut self.key),
                (tr("Bezeichnung"), &mut self.name),
                (tr("Einheit"), &mut self.unit),
            ] {
                let l = ui.label(label);
                ui.add(egui::TextEdit::singleline(value).desired_width(320.0))
                    .labelled_by(l.id);
                ui.end_row();
            }
            let l = ui.label(tr("Formel"));
            ui.add(
                egui::TextEdit::multiline(&mut self.formula)
                    .code_editor()
                    .desired_rows(2)
                    .desired_width(320.0)
                    .hint_text("ew_u6 / ew * 100"),
            )
            .labelled_by(l.id);
            ui.end_row();
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(tr("Einfügen:"));
            for f in [
                "change(x, 1)",
                "change_pct(x, 1)",
                "area_km2()",
                "reference(x)",
                "count_pois('Kita')",
            ] {
                if ui.small_button(f).clicked() {
                    self.formula.push_str(f);
                }
            }
        });
        egui::CollapsingHeader::new(tr("Indikatoren einfügen"))
            .id_salt("formel_indikatoren")
            .show(ui, |ui| {
                egui::ScrollArea::vertical().max_height(140.0).show(ui, |ui| {
                    for i in w.indicators_on_level() {
                        if ui.small_button(format!("{} ({})", i.name, i.key)).clicked() {
                            if !self.formula.is_empty() && !self.formula.ends_with(' ') {
                                self.formula.push(' ');
                            }
                            self.formula.push_str(&i.key);
                        }
                    }
                });
            });
        self.refresh_preview(w);
        ui.separator();
        match &self.error {
            Some(e) => {
                ui.colored_label(egui::Color32::from_rgb(200, 40, 40), e);
            }
            None if self.formula.trim().is_empty() => {}
            None => {
                ui.label(format!(
                    "{} ({} · {})",
                    tr("Vorschau"),
                    w.level_name(),
                    w.choice.period.as_deref().unwrap_or("–")
                ));
                egui::Grid::new("formel_vorschau").striped(true).show(ui, |ui| {
                    for (name, value) in &self.preview {
                        ui.label(name);
                        ui.label(value);
                        ui.end_row();
                    }
                });
            }
        }
        let ready = self.error.is_none() && !self.formula.trim().is_empty() && !self.key.trim().is_empty();
        let save = ui
            .add_enabled(ready, egui::Button::new(tr("Berechnen und speichern")))
            .clicked();
        save.then(|| {
            AnalysisRequest::Compute(ComputeRequest {
                key: self.key.trim().to_string(),
                name: self.name.trim().to_string(),
                formula: self.formula.trim().to_string(),
                unit: Some(self.unit.trim().to_string()),
                kind: None,
                levels: Vec::new(),
            })
        })
    }

    /// Parses and evaluates the formula again when it, the level, the period or the
    /// selection changed (on the UI thread: one level and period, a few milliseconds).
    fn refresh_preview(&mut self, w: &Workbench) {
        let period = w.choice.period.clone().unwrap_or_default();
        let selected: Vec<&String> = w.selection.iter().collect();
        let now = format!("{}|{}|{period}|{selected:?}", self.formula, w.level_name());
        if now == self.preview_for {
            return;
        }
        self.preview_for = now;
        self.preview.clear();
        self.error = None;
        if self.formula.trim().is_empty() {
            return;
        }
        let outcome = (|| -> quartier_core::Result<Vec<(String, String)>> {
            let formula = quartier_core::analysis::compute::parse(&w.atlas, &self.formula)?;
            let level = w.atlas.level(w.level_name())?;
            let period = w.atlas.period(&period)?;
            let series = quartier_core::analysis::compute::evaluate(&w.atlas, &formula, level.id, &period)?;
            let areas = w.atlas.level_areas(level.id)?;
            let name_of = |key: &str| {
                areas
                    .iter()
                    .find(|a| a.key.as_ref() == key)
                    .map_or(key.to_string(), |a| a.name.to_string())
            };
            Ok(series
                .values
                .iter()
                .filter(|v| selected.is_empty() || selected.contains(&&v.key))
                .take(if selected.is_empty() { PREVIEW_AREAS } else { usize::MAX })
                .map(|v| {
                    let shown = match (&v.value.note, v.value.number()) {
                        (Some(why), None) => format!("{} ({why})", v.value.display_de(2)),
                        _ => v.value.display_de(2),
                    };
                    (name_of(&v.key), shown)
                })
                .collect())
        })();
        match outcome {
            Ok(rows) => self.preview = rows,
            Err(e) => self.error = Some(e.to_string()),
        }
    }
}
