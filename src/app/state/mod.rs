//! What the workbench shows, apart from drawing, in its kinds:
//! - the open atlas (`atlas`, `info`; the atlas itself keeps the series in memory,
//!   `quartier_core::store`) and what was read from it for the current choice ([`Shown`]:
//!   classes, reference, table, columns, POI layers, diagram figures);
//! - what the planner has chosen to look at ([`Choice`]: level, indicator, period,
//!   classification, table columns, map layer);
//! - the view remembered per atlas ([`AtlasView`]: mode, diagram, curated indicators, groups);
//! - the shared selection and hover ([`Selection`]);
//! - the transient state of this session ([`Session`]: search text, messages, POI card).
//!
//! Every figure comes from `quartier_core`; this module only asks and keeps the answers. It
//! changes only through the commands the app applies ([`super::command`]).

use anyhow::Result;
use quartier_core::analysis::chart::{age_structure, scatter, time_series};
use quartier_core::analysis::classify::{classify_published, Method};
use quartier_core::analysis::status_dynamics::{AreaResult, StatusDynamicsResult};
use quartier_core::analysis::suppress::HiddenCells;
use quartier_core::export::value_table;
use quartier_core::info::{atlas_info, AtlasInfo, IndicatorInfo};
use quartier_core::reference::{reference_value, ReferenceValue};
use quartier_core::Atlas;

mod kinds;
mod parts;
mod selection;

pub use kinds::*;
pub use parts::{Choice, QueryPane, Session, Shown, SizesShown};
pub use selection::Selection;

/// The workbench state, in its kinds (see the module documentation).
pub struct Workbench {
    /// The open atlas (it keeps the series it has read in memory).
    pub atlas: Atlas,
    /// Its overview (levels, indicators, coverage).
    pub info: AtlasInfo,
    /// What the planner looks at.
    pub choice: Choice,
    /// What the engine answered for that choice.
    pub shown: Shown,
    /// What is remembered for this atlas: mode, diagram, curated indicators, groups.
    pub view: AtlasView,
    /// Selected area keys and the hovered one, shared by all panes.
    pub selection: Selection,
    /// Search text, messages, the pinned POI card.
    pub session: Session,
}

impl Workbench {
    /// Opens the state on an atlas: the finest level, the first indicator with values there.
    pub fn new(atlas: Atlas) -> Result<Self> {
        let info = atlas_info(&atlas)?;
        let mut state = Workbench {
            choice: Choice::new(info.levels.len()),
            info,
            atlas,
            shown: Shown::default(),
            view: AtlasView::default(),
            selection: Selection::default(),
            session: Session::default(),
        };
        state.shown.poi_layers = PoiLayer::all_of(&state.info);
        // A share or rate first: a map of counts compares the sizes of areas.
        let offered = state.indicators_on_level();
        let first = offered
            .iter()
            .find(|i| matches!(i.kind.as_str(), "share" | "rate_per_1000"))
            .or(offered.first())
            .map(|i| i.key.clone());
        if let Some(first) = first {
            state.choose_indicator(&first);
        }
        Ok(state)
    }

    /// The chosen level's name.
    pub fn level_name(&self) -> &str {
        self.info.levels.get(self.choice.level).map_or("", |l| l.name.as_str())
    }

    /// Indicators with values on the chosen level, in topic order; in simple mode only the
    /// curated ones.
    pub fn indicators_on_level(&self) -> Vec<&IndicatorInfo> {
        let level = self.level_name();
        self.info
            .indicators
            .iter()
            .filter(|i| i.coverage.iter().any(|c| c.level == level && c.values_ok > 0))
            .filter(|i| self.view.mode == Mode::Expert || self.is_simple_indicator(i))
            .collect()
    }

    /// Whether simple mode offers an indicator: the curated list, or without one every share
    /// and rate (the figures that compare areas of different size).
    pub fn is_simple_indicator(&self, i: &IndicatorInfo) -> bool {
        if self.view.simple_indicators.is_empty() {
            matches!(i.kind.as_str(), "share" | "rate_per_1000")
        } else {
            self.view.simple_indicators.contains(&i.key)
        }
    }

    /// Adds an indicator to simple mode's list or takes it off. The first change turns the
    /// default (all shares and rates) into an explicit list.
    pub fn curate_simple_indicator(&mut self, key: &str, offered: bool) {
        if self.view.simple_indicators.is_empty() {
            self.view.simple_indicators = self
                .info
                .indicators
                .iter()
                .filter(|i| self.is_simple_indicator(i))
                .map(|i| i.key.clone())
                .collect();
        }
        self.view.simple_indicators.retain(|k| k != key);
        if offered {
            self.view.simple_indicators.push(key.to_string());
        }
    }

    /// Switches between simple and expert mode; keeps the indicator when the mode offers it.
    pub fn set_mode(&mut self, mode: Mode) {
        self.view.mode = mode;
        let offered: Vec<String> = self.indicators_on_level().iter().map(|i| i.key.clone()).collect();
        if !self.choice.indicator.as_ref().is_some_and(|k| offered.contains(k)) {
            if let Some(first) = offered.first() {
                self.choose_indicator(first);
            }
        }
    }

    /// Periods of the chosen indicator on the chosen level, oldest first.
    pub fn periods(&self) -> Vec<String> {
        let level = self.level_name();
        self.indicator_info()
            .map(|i| {
                i.coverage
                    .iter()
                    .filter(|c| c.level == level && c.values_ok > 0)
                    .map(|c| c.period.clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// An indicator's name with its unit in brackets ("Einwohner [Personen]"), or its key
    /// when the atlas has no such indicator; the one title of legends, lists and charts.
    pub fn indicator_title(&self, key: &str) -> String {
        self.info
            .indicators
            .iter()
            .find(|i| i.key == key)
            .map_or(key.to_string(), |i| {
                if i.unit.is_empty() {
                    i.name.clone()
                } else {
                    format!("{} [{}]", i.name, i.unit)
                }
            })
    }

    /// The reference value drawn as a line beside the areas' values: none for counts, whose
    /// reference is the city's total and not comparable to one area, and none for an
    /// indicator of undeclared kind whose reference lies above every area's value (an
    /// imported city total, such as Hamburg's 1.788.994 inhabitants beside Stadtteile).
    pub fn reference_line(&self) -> Option<f64> {
        let kind = self.indicator_info().map(|i| i.kind.as_str());
        let value = self.shown.reference.as_ref().and_then(|r| r.value)?;
        match kind {
            Some("count") => None,
            Some("unspecified") | None => {
                let largest = self
                    .shown
                    .table
                    .as_ref()?
                    .rows
                    .iter()
                    .filter_map(|r| r.cells.first().and_then(|c| c.number()))
                    .fold(f64::NEG_INFINITY, f64::max);
                (value <= largest).then_some(value)
            }
            Some(_) => Some(value),
        }
    }

    /// The chosen indicator's overview.
    pub fn indicator_info(&self) -> Option<&IndicatorInfo> {
        let key = self.choice.indicator.as_deref()?;
        self.info.indicators.iter().find(|i| i.key == key)
    }

    /// Reads the atlas overview again (after an import) and keeps level, indicator and period
    /// where they still exist.
    pub fn reload(&mut self) -> Result<()> {
        let level = self.level_name().to_string();
        self.info = atlas_info(&self.atlas)?;
        // The same level by name; a renamed one keeps its place in the order.
        let same_place = Some(self.choice.level).filter(|&i| i < self.info.levels.len());
        self.choice.level = self
            .info
            .levels
            .iter()
            .position(|l| l.name == level)
            .or(same_place)
            .unwrap_or(self.info.levels.len().saturating_sub(1));
        let shown: Vec<bool> = self.shown.poi_layers.iter().map(|l| l.shown).collect();
        self.shown.poi_layers = PoiLayer::all_of(&self.info);
        for (i, on) in shown.into_iter().enumerate() {
            if on && i < self.shown.poi_layers.len() {
                self.show_pois(i, true);
            }
        }
        match self.indicator_to_keep() {
            Some(key) => self.choose_indicator(&key),
            None => self.refresh(),
        }
        Ok(())
    }

    /// The shown indicator when it has values on the shown level, else the first that has.
    fn indicator_to_keep(&self) -> Option<String> {
        let offered = self.indicators_on_level();
        self.choice
            .indicator
            .clone()
            .filter(|k| offered.iter().any(|i| &i.key == k))
            .or_else(|| offered.first().map(|i| i.key.clone()))
    }

    /// Chooses a level; keeps the indicator when it has values there.
    pub fn choose_level(&mut self, level: usize) {
        self.choice.level = level;
        self.selection.clear();
        match self.indicator_to_keep() {
            Some(key) => self.choose_indicator(&key),
            None => {
                self.choice.indicator = None;
                self.shown.classified = None;
                self.shown.reference = None;
            }
        }
    }

    /// Chooses an indicator; keeps the period when it exists, else takes the newest.
    pub fn choose_indicator(&mut self, key: &str) {
        self.choice.indicator = Some(key.to_string());
        self.apply_saved_presentation(key);
        let periods = self.periods();
        if !self.choice.period.as_ref().is_some_and(|p| periods.contains(p)) {
            self.choice.period = periods.last().cloned();
        }
        self.refresh();
    }

    /// Chooses a period.
    pub fn choose_period(&mut self, period: &str) {
        self.choice.period = Some(period.to_string());
        self.refresh();
    }

    /// The chosen method as the engine's, with the breaks or the centre it needs (the
    /// engine reads them from the presentation, as it does for saved ones and bookmarks).
    pub fn engine_method(&self) -> std::result::Result<Method, String> {
        let reference = self.shown.reference.as_ref().and_then(|r| r.value);
        self.presentation().method(reference).map_err(|e| e.to_string())
    }

    /// Whether the classes run from below to above a centre (diverging colours).
    pub fn is_diverging(&self) -> bool {
        matches!(
            METHODS[self.choice.method.min(METHODS.len() - 1)].1,
            MethodChoice::DivergingReference | MethodChoice::DivergingZero
        )
    }

    /// The first POI category, for dialogs that need one to start with.
    pub fn first_poi_category(&self) -> String {
        self.shown
            .poi_layers
            .first()
            .map(|l| l.category.clone())
            .unwrap_or_default()
    }

    /// Whether the shown classes are the categories of a categorical indicator.
    pub fn is_categorical(&self) -> bool {
        self.shown
            .classified
            .as_ref()
            .is_some_and(|c| c.method == Method::Categories)
    }

    /// The colour of class `class` (1-based) of `k`: qualitative for categories, sequential, or diverging (the
    /// unfavourable side red, by the indicator's polarity).
    pub fn class_colour(&self, class: usize, k: usize) -> eframe::egui::Color32 {
        super::palette::colour(
            super::palette::scheme(self.scheme_kind(), self.choice.scheme.as_deref()).class_colour(
                class,
                k,
                self.shown.higher_is_better,
                self.choice.reversed,
            ),
        )
    }

    /// The kind of colour scheme the shown classes need.
    pub fn scheme_kind(&self) -> super::palette::SchemeKind {
        use super::palette::SchemeKind;
        if self.is_categorical() {
            SchemeKind::Qualitative
        } else if self.is_diverging() {
            SchemeKind::Diverging
        } else {
            SchemeKind::Sequential
        }
    }

    /// The current classification and colours as the saved default of the shown indicator
    /// on the shown level.
    pub fn presentation(&self) -> quartier_core::store::Presentation {
        quartier_core::store::Presentation {
            method: METHODS[self.choice.method.min(METHODS.len() - 1)].1.id().to_string(),
            classes: self.choice.classes,
            manual_breaks: self.choice.manual_breaks.clone(),
            scheme: self.choice.scheme.clone().unwrap_or_default(),
            reversed: self.choice.reversed,
        }
    }

    /// Takes the saved default presentation of the indicator on the shown level, if any:
    /// once when the indicator or the level changes, not on every reload, so a choice the
    /// planner has just made is not taken back.
    fn apply_saved_presentation(&mut self, key: &str) {
        let shown_for = (key.to_string(), self.level_name().to_string());
        if self.shown.presentation_for.as_ref() == Some(&shown_for) {
            return;
        }
        self.shown.presentation_for = Some(shown_for);
        let Ok(Some(p)) = self.atlas.presentation(key, self.level_name()) else {
            return;
        };
        self.take_presentation(&p);
    }

    /// Takes classification and colours (a saved default or a bookmark's); call
    /// [`Workbench::refresh`] afterwards.
    pub fn take_presentation(&mut self, p: &quartier_core::store::Presentation) {
        if let Some(method) = MethodChoice::position(&p.method) {
            self.choice.method = method;
        }
        self.choice.classes = p.classes.clamp(2, 9);
        self.choice.manual_breaks = p.manual_breaks.clone();
        self.choice.scheme = Some(p.scheme.clone()).filter(|s| !s.is_empty());
        self.choice.reversed = p.reversed;
    }

    /// Asks the engine again for the classes and the reference row.
    pub fn refresh(&mut self) {
        self.session.error = None;
        self.shown.revision += 1;
        let (Some(key), Some(period)) = (self.choice.indicator.clone(), self.choice.period.clone()) else {
            self.shown.classified = None;
            self.shown.reference = None;
            return;
        };
        let level = self.level_name().to_string();
        self.shown.reference = (|| -> quartier_core::Result<ReferenceValue> {
            let meta = self.atlas.indicator(&key)?;
            let l = self.atlas.level(&level)?;
            let p = self.atlas.period(&period)?;
            reference_value(&self.atlas, &meta, l.id, p.id)
        })()
        .ok();
        let hidden = self.hidden_cells(&level, &period, std::slice::from_ref(&key));
        self.shown.hidden_cells = hidden.len();
        if hidden.hides_reference(&key) {
            self.shown.reference = None;
        }
        let classified = self.engine_method().and_then(|method| {
            classify_published(
                &self.atlas,
                &key,
                &level,
                &period,
                &method,
                self.choice.classes,
                None,
                &hidden,
            )
            .map_err(|e| e.to_string())
        });
        match classified {
            Ok(c) => self.shown.classified = Some(c),
            Err(e) => {
                self.shown.classified = None;
                self.session.error = Some(e);
            }
        }
        if let Ok(meta) = self.atlas.indicator(&key) {
            self.shown.decimals = meta.decimals.max(0) as usize;
            self.shown.higher_is_better = meta.polarity == quartier_core::model::Polarity::HigherIsBetter;
        }
        self.refresh_table();
        self.refresh_columns();
    }

    /// The cells hidden from what is shown: none in the workbench (the planner sees
    /// everything), what the suppression hides when showing what is published.
    pub fn hidden_cells(&self, level: &str, period: &str, indicators: &[String]) -> HiddenCells {
        if !self.choice.published {
            return HiddenCells::internal();
        }
        HiddenCells::compute(&self.atlas, level, period, indicators).unwrap_or_else(|_| HiddenCells::internal())
    }

    /// Reads the column symbols' values for the level and period.
    pub fn refresh_columns(&mut self) {
        self.shown.column_values.clear();
        let (Some(key), Some(period)) = (self.choice.column_indicator.clone(), self.choice.period.clone()) else {
            return;
        };
        match value_table(&self.atlas, self.level_name(), &period, Some(&[key])) {
            Ok(t) => {
                self.shown.column_decimals = t.columns.first().map_or(0, |c| c.decimals());
                self.shown.column_values = t
                    .rows
                    .into_iter()
                    .filter_map(|r| r.cells.first().and_then(|c| c.number()).map(|v| (r.key, v)))
                    .collect()
            }
            Err(e) => self.session.error = Some(e.to_string()),
        }
    }

    /// Shows or hides a POI category, reading its points the first time.
    pub fn show_pois(&mut self, index: usize, shown: bool) {
        let Some(layer) = self.shown.poi_layers.get_mut(index) else {
            return;
        };
        layer.shown = shown;
        if shown && layer.points.is_none() {
            match self.atlas.pois(&layer.category) {
                Ok(points) => layer.points = Some(points),
                Err(e) => {
                    layer.shown = false;
                    self.session.error = Some(e.to_string());
                }
            }
        }
    }

    /// Asks the engine again for the table's values (chosen indicator and added columns).
    pub fn refresh_table(&mut self) {
        let (Some(key), Some(period)) = (self.choice.indicator.clone(), self.choice.period.clone()) else {
            self.shown.table = None;
            return;
        };
        let mut keys = vec![key];
        keys.extend(
            self.choice
                .table_columns
                .iter()
                .filter(|k| !keys.contains(k))
                .cloned()
                .collect::<Vec<_>>(),
        );
        match value_table(&self.atlas, self.level_name(), &period, Some(&keys)) {
            Ok(t) => self.shown.table = Some(t),
            Err(e) => {
                self.shown.table = None;
                self.session.error = Some(e.to_string());
            }
        }
    }

    /// A value as shown: German notation with the indicator's decimals, "k. A." without one.
    pub fn format(&self, value: Option<f64>) -> String {
        quartier_core::numbers::format_german_or_no_data(value, self.shown.decimals)
    }

    /// The status/dynamics result of an area, when the last run covers the shown level.
    pub fn status_dynamics_of(&self, key: &str) -> Option<&AreaResult> {
        let r = self
            .shown
            .status_dynamics
            .as_ref()
            .filter(|r| r.level == self.level_name())?;
        r.areas.iter().find(|a| &*a.key == key)
    }

    /// Takes a status/dynamics result and shows it on the map.
    pub fn show_status_dynamics(&mut self, result: StatusDynamicsResult) {
        if let Some(i) = self.info.levels.iter().position(|l| l.name == result.level) {
            if i != self.choice.level {
                self.choose_level(i);
            }
        }
        self.shown.status_dynamics = Some(result);
        self.choice.layer = MapLayer::StatusDynamics;
        self.shown.revision += 1;
    }

    /// Shows a size check, or a proposal to review, as the map layer "Gebietsgrößen" on its
    /// level.
    pub fn show_sizes(&mut self, shown: SizesShown) {
        if let Some(i) = self.info.levels.iter().position(|l| l.name == shown.level()) {
            if i != self.choice.level {
                self.choose_level(i);
            }
        }
        self.shown.sizes = Some(shown);
        self.choice.layer = MapLayer::Sizes;
        self.shown.revision += 1;
    }

    /// Runs the query pane's SQL over the atlas's values as the workbench shows them
    /// (internal); the export runs it again over the protected values.
    pub fn run_query(&mut self) {
        match quartier_core::analysis::query::query(&self.atlas, &self.session.query.sql, true) {
            Ok(result) => {
                self.session.query.result = Some(result);
                self.session.query.error = None;
            }
            Err(e) => self.session.query.error = Some(e.to_string()),
        }
    }

    /// Adjusts the proposal under review with the selected areas, and evaluates it again.
    pub fn adjust_regions(&mut self, edit: RegionEdit) -> quartier_core::Result<()> {
        let Some(shown) = self.shown.sizes.as_mut() else {
            return Ok(());
        };
        let Some(proposal) = shown.proposal.as_ref() else {
            return Ok(());
        };
        if edit == RegionEdit::Undo {
            if let Some(before) = shown.earlier.pop() {
                shown.proposal = Some(before);
                self.shown.revision += 1;
            }
            return Ok(());
        }
        let selected: std::collections::HashSet<&str> = self.selection.iter().map(String::as_str).collect();
        let touched =
            |r: &&quartier_core::analysis::sizes::Region| r.members.iter().any(|m| selected.contains(m.as_str()));
        let mut groups: Vec<Vec<String>> = proposal
            .regions
            .iter()
            .filter(|r| !touched(r))
            .map(|r| r.members.clone())
            .collect();
        match edit {
            RegionEdit::MergeSelection => {
                groups.push(
                    proposal
                        .regions
                        .iter()
                        .filter(touched)
                        .flat_map(|r| r.members.clone())
                        .collect(),
                );
            }
            RegionEdit::SplitSelection => {
                for r in proposal.regions.iter().filter(touched) {
                    let rest: Vec<String> = r
                        .members
                        .iter()
                        .filter(|m| !selected.contains(m.as_str()))
                        .cloned()
                        .collect();
                    groups.push(rest);
                    groups.extend(
                        r.members
                            .iter()
                            .filter(|m| selected.contains(m.as_str()))
                            .map(|m| vec![m.clone()]),
                    );
                }
            }
            RegionEdit::Undo => {}
        }
        let adjusted = quartier_core::analysis::sizes::evaluate_regions(&self.atlas, proposal, &groups)?;
        let before = shown.proposal.replace(adjusted);
        shown.earlier.extend(before);
        self.shown.revision += 1;
        Ok(())
    }

    /// What the diagram figures depend on; `None` without indicator or period.
    fn diagram_key(&self) -> Option<String> {
        let indicator = self.choice.indicator.as_deref()?;
        let period = self.choice.period.as_deref()?;
        let keys: Vec<&String> = self.selection.iter().collect();
        Some(format!(
            "{:?}|{indicator}|{period}|{}|{keys:?}|{:?}|{}",
            self.view.diagram,
            self.level_name(),
            self.choice.second_indicator,
            self.choice.published
        ))
    }

    /// The indicators the scatter can put on its x axis: those on the level but the shown one.
    pub fn scatter_candidates(&self) -> Vec<(String, String)> {
        let current = self.choice.indicator.clone().unwrap_or_default();
        self.indicators_on_level()
            .iter()
            .filter(|i| i.key != current)
            .map(|i| (i.key.clone(), i.name.clone()))
            .collect()
    }

    /// Computes the engine's figures for the chosen diagram when what they depend on changed
    /// (not needed for bars, which show the classified values). Called by the app before the
    /// panes draw, so that the diagram pane only reads ([`Workbench::diagram_data`]).
    pub fn prepare_diagram(&mut self) {
        if self.view.diagram == DiagramKind::Scatter {
            let candidates = self.scatter_candidates();
            if self
                .choice
                .second_indicator
                .as_ref()
                .is_none_or(|k| !candidates.iter().any(|(c, _)| c == k))
            {
                self.choice.second_indicator = candidates.first().map(|(k, _)| k.clone());
            }
        }
        let Some(cache_key) = self.diagram_key() else {
            self.shown.diagram_cache = None;
            return;
        };
        if self.shown.diagram_cache.as_ref().map(|(k, _)| k) == Some(&cache_key) {
            return;
        }
        let (Some(indicator), Some(period)) = (self.choice.indicator.clone(), self.choice.period.clone()) else {
            return;
        };
        let level = self.level_name().to_string();
        let keys: Vec<String> = self.selection.iter().cloned().collect();
        let computed = match self.view.diagram {
            DiagramKind::Bars => {
                self.shown.diagram_cache = None;
                return;
            }
            DiagramKind::Scatter => match self.choice.second_indicator.clone() {
                Some(x) => scatter(&self.atlas, &x, &indicator, &level, &period).map(DiagramData::Scatter),
                None => {
                    self.shown.diagram_cache = None;
                    return;
                }
            },
            DiagramKind::TimeSeries => {
                time_series(&self.atlas, &indicator, &level, &keys, &self.info.name).map(DiagramData::TimeSeries)
            }
            DiagramKind::AgeStructure => {
                let bands: Vec<String> = self.info.indicators.iter().map(|i| i.key.clone()).collect();
                let hidden = self.hidden_cells(&level, &period, &bands);
                age_structure(&self.atlas, &level, &period, &keys, &hidden).map(DiagramData::AgeStructure)
            }
        };
        match computed {
            Ok(data) => self.shown.diagram_cache = Some((cache_key, data)),
            Err(e) => {
                self.session.error = Some(e.to_string());
                self.shown.diagram_cache = None;
            }
        }
    }

    /// The figures [`Workbench::prepare_diagram`] computed, when they are for what is shown now.
    pub fn diagram_data(&self) -> Option<&DiagramData> {
        let key = self.diagram_key()?;
        self.shown
            .diagram_cache
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, d)| d)
    }

    /// Saves the selection under a name (replacing a group of the same name).
    pub fn save_group(&mut self, name: &str) {
        let name = name.trim();
        if name.is_empty() || self.selection.is_empty() {
            return;
        }
        self.view.groups.retain(|g| g.name != name);
        self.view.groups.push(SelectionGroup {
            name: name.to_string(),
            keys: (*self.selection).clone(),
            level: self.level_name().to_string(),
        });
    }

    /// Selects a saved group, switching to its level.
    pub fn select_group(&mut self, name: &str) {
        let Some(group) = self.view.groups.iter().find(|g| g.name == name).cloned() else {
            return;
        };
        if let Some(i) = self.info.levels.iter().position(|l| l.name == group.level) {
            if i != self.choice.level {
                self.choose_level(i);
            }
        }
        self.selection.set(group.keys);
    }
}

#[cfg(test)]
mod tests;
