//! What the workbench shows, apart from drawing: the chosen level, indicator, period and
//! classification, the shared selection, and the engine's results for them. Every figure
//! comes from `quartier_core`; this module only asks and keeps the answers.

use std::collections::BTreeSet;

use anyhow::Result;
use quartier_core::analysis::classify::{classify_series, Method, SeriesClasses};
use quartier_core::info::{atlas_info, AtlasInfo, IndicatorInfo};
use quartier_core::reference::{reference_value, ReferenceValue};
use quartier_core::Atlas;

/// The classification methods offered in the map pane, with their German names.
pub const METHODS: [(&str, Method); 4] = [
    ("Gleiche Intervalle", Method::EqualInterval),
    ("Quantile", Method::Quantile),
    ("Natürliche Unterbrechungen", Method::Jenks),
    ("Hübsche Grenzen", Method::Pretty),
];

/// The workbench state.
pub struct Workbench {
    /// The open atlas.
    pub atlas: Atlas,
    /// Its overview (levels, indicators, coverage).
    pub info: AtlasInfo,
    /// Index into `info.levels`.
    pub level: usize,
    /// Chosen indicator key.
    pub indicator: Option<String>,
    /// Chosen period label.
    pub period: Option<String>,
    /// Index into [`METHODS`].
    pub method: usize,
    /// Number of classes.
    pub classes: usize,
    /// The engine's classes for the current choice.
    pub classified: Option<SeriesClasses>,
    /// The Gesamtstadt row by the indicator's rule.
    pub reference: Option<ReferenceValue>,
    /// Decimals of the chosen indicator, from its metadata.
    pub decimals: usize,
    /// Selected area keys, shared by all panes.
    pub selection: BTreeSet<String>,
    /// The area under the pointer, in any pane.
    pub hovered: Option<String>,
    /// Search text of the indicator list.
    pub search: String,
    /// The last problem, in German.
    pub error: Option<String>,
}

impl Workbench {
    /// Opens the state on an atlas: the finest level, the first indicator with values there.
    pub fn new(atlas: Atlas) -> Result<Self> {
        let info = atlas_info(&atlas)?;
        let mut state = Workbench {
            level: info.levels.len().saturating_sub(1),
            info,
            atlas,
            indicator: None,
            period: None,
            method: 1,
            classes: 5,
            classified: None,
            reference: None,
            decimals: 1,
            selection: BTreeSet::new(),
            hovered: None,
            search: String::new(),
            error: None,
        };
        if let Some(first) = state.indicators_on_level().first().map(|i| i.key.clone()) {
            state.choose_indicator(&first);
        }
        Ok(state)
    }

    /// The chosen level's name.
    pub fn level_name(&self) -> &str {
        self.info.levels.get(self.level).map_or("", |l| l.name.as_str())
    }

    /// Indicators with values on the chosen level, in topic order.
    pub fn indicators_on_level(&self) -> Vec<&IndicatorInfo> {
        let level = self.level_name();
        self.info
            .indicators
            .iter()
            .filter(|i| i.kind != "categorical" && i.coverage.iter().any(|c| c.level == level && c.values_ok > 0))
            .collect()
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

    /// The chosen indicator's overview.
    pub fn indicator_info(&self) -> Option<&IndicatorInfo> {
        let key = self.indicator.as_deref()?;
        self.info.indicators.iter().find(|i| i.key == key)
    }

    /// Chooses a level; keeps the indicator when it has values there.
    pub fn choose_level(&mut self, level: usize) {
        self.level = level;
        self.selection.clear();
        let keep = self
            .indicator
            .clone()
            .filter(|k| self.indicators_on_level().iter().any(|i| &i.key == k));
        match keep.or_else(|| self.indicators_on_level().first().map(|i| i.key.clone())) {
            Some(key) => self.choose_indicator(&key),
            None => {
                self.indicator = None;
                self.classified = None;
                self.reference = None;
            }
        }
    }

    /// Chooses an indicator; keeps the period when it exists, else takes the newest.
    pub fn choose_indicator(&mut self, key: &str) {
        self.indicator = Some(key.to_string());
        let periods = self.periods();
        if !self.period.as_ref().is_some_and(|p| periods.contains(p)) {
            self.period = periods.last().cloned();
        }
        self.refresh();
    }

    /// Chooses a period.
    pub fn choose_period(&mut self, period: &str) {
        self.period = Some(period.to_string());
        self.refresh();
    }

    /// Asks the engine again for the classes and the reference row.
    pub fn refresh(&mut self) {
        self.error = None;
        let (Some(key), Some(period)) = (self.indicator.clone(), self.period.clone()) else {
            self.classified = None;
            self.reference = None;
            return;
        };
        let level = self.level_name().to_string();
        let method = METHODS[self.method.min(METHODS.len() - 1)].1.clone();
        match classify_series(&self.atlas, &key, &level, &period, &method, self.classes, None) {
            Ok(c) => self.classified = Some(c),
            Err(e) => {
                self.classified = None;
                self.error = Some(e.to_string());
            }
        }
        if let Ok(meta) = self.atlas.indicator(&key) {
            self.decimals = meta.decimals.max(0) as usize;
        }
        self.reference = (|| -> quartier_core::Result<ReferenceValue> {
            let meta = self.atlas.indicator(&key)?;
            let l = self.atlas.level(&level)?;
            let p = self.atlas.period(&period)?;
            reference_value(&self.atlas, &meta, l.id, p.id)
        })()
        .ok();
    }

    /// A value as shown: German notation with the indicator's decimals, "k. A." without one.
    pub fn format(&self, value: Option<f64>) -> String {
        value.map_or("k. A.".to_string(), |v| {
            quartier_core::numbers::format_german(v, self.decimals)
        })
    }

    /// Selects only this area, or adds/removes it with `extend`.
    pub fn click(&mut self, key: &str, extend: bool) {
        if extend {
            if !self.selection.remove(key) {
                self.selection.insert(key.to_string());
            }
        } else if self.selection.len() == 1 && self.selection.contains(key) {
            self.selection.clear();
        } else {
            self.selection = BTreeSet::from([key.to_string()]);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> (tempfile::TempDir, Workbench) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berlin.quartier");
        let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample_data");
        quartier_core::sample::build_sample_atlas(&data, &path, false, &quartier_core::NoProgress).unwrap();
        let state = Workbench::new(Atlas::open(&path).unwrap()).unwrap();
        (dir, state)
    }

    #[test]
    fn the_engine_classifies_what_is_chosen_and_the_selection_is_shared() {
        let (_dir, mut w) = sample();
        assert_eq!(w.level_name(), "Planungsraum");
        w.choose_indicator("anteil_u6");
        assert_eq!(w.period.as_deref(), Some("2020"), "the newest period");
        let c = w.classified.clone().unwrap();
        assert_eq!(
            (c.indicator.as_str(), c.period.as_str(), c.labels.len()),
            ("anteil_u6", "2020", 5)
        );
        assert_eq!(c.areas.len(), 448);
        assert!(w.reference.as_ref().unwrap().value.is_some(), "Gesamtstadt row");
        assert_eq!(
            (w.format(Some(5.4321)), w.format(None)),
            ("5,4".to_string(), "k. A.".to_string())
        );
        w.choose_period("2018");
        assert_eq!(w.classified.as_ref().unwrap().period, "2018");
        // A level without this indicator switches to one that has values there.
        w.choose_level(0);
        assert_eq!(w.level_name(), "Bezirk");
        assert!(w.indicators_on_level().iter().all(|i| i.key != "anteil_u6"));
        assert!(w.indicator.is_some() && w.classified.is_some());
        // One selection: click selects, click again clears, extend adds.
        w.click("01", false);
        w.click("02", true);
        assert_eq!(w.selection.len(), 2);
        w.click("02", true);
        w.click("01", false);
        assert!(w.selection.is_empty());
    }
}
