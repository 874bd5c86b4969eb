//! The small types of the workbench's state: classification methods, mode, map layer,
//! diagram kinds and their figures, saved selection groups and POI layers. Mode, diagram kind
//! and groups are part of the view remembered per atlas (`settings.rs`).

use std::collections::BTreeSet;

use quartier_core::analysis::chart::{AgeStructure, Scatter, TimeSeries};
use quartier_core::info::AtlasInfo;
use quartier_core::store::Poi;
use serde::{Deserialize, Serialize};

/// The classification methods offered in the map pane.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MethodChoice {
    /// Equal intervals from minimum to maximum (the KECK default).
    EqualInterval,
    /// Equal counts.
    Quantile,
    /// Exact Fisher–Jenks.
    Jenks,
    /// Standard deviations around the mean.
    StdDev,
    /// Rounded breaks.
    Pretty,
    /// Box-plot outlier classes.
    BoxPlot,
    /// Breaks typed by the user.
    Manual,
    /// Diverging around the Gesamtstadt value.
    DivergingReference,
    /// Diverging around zero (change indicators).
    DivergingZero,
}

impl MethodChoice {
    /// The stable name stored in a saved presentation.
    pub fn id(self) -> &'static str {
        match self {
            MethodChoice::EqualInterval => "equal-interval",
            MethodChoice::Quantile => "quantile",
            MethodChoice::Jenks => "jenks",
            MethodChoice::StdDev => "stddev",
            MethodChoice::Pretty => "pretty",
            MethodChoice::BoxPlot => "boxplot",
            MethodChoice::Manual => "manual",
            MethodChoice::DivergingReference => "diverging-reference",
            MethodChoice::DivergingZero => "diverging-zero",
        }
    }

    /// The position in [`METHODS`] of the method stored as `id`.
    pub fn position(id: &str) -> Option<usize> {
        METHODS.iter().position(|(_, m)| m.id() == id)
    }
}

/// The methods with their German names, in menu order.
pub const METHODS: [(&str, MethodChoice); 9] = [
    ("Gleiche Intervalle", MethodChoice::EqualInterval),
    ("Quantile", MethodChoice::Quantile),
    ("Natürliche Unterbrechungen (Jenks)", MethodChoice::Jenks),
    ("Standardabweichung", MethodChoice::StdDev),
    ("Hübsche Grenzen", MethodChoice::Pretty),
    ("Boxplot (Ausreißer)", MethodChoice::BoxPlot),
    ("Eigene Grenzen", MethodChoice::Manual),
    ("Abweichung von der Gesamtstadt", MethodChoice::DivergingReference),
    ("Abweichung von null", MethodChoice::DivergingZero),
];

/// Who the workbench is set up for: occasional users see a curated list of indicators, map
/// and table only, with big controls; analysts see everything.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub enum Mode {
    /// Everything.
    #[default]
    Expert,
    /// Curated indicators, map and table.
    Simple,
}

/// What the map's areas are coloured by.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum MapLayer {
    /// The chosen indicator's classes.
    #[default]
    Choropleth,
    /// The status/dynamics result, 4 × 3 colours.
    StatusDynamics,
    /// The size check (too small, meets, unknown) or the regionalisation under review.
    Sizes,
}

/// The kinds of diagram.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub enum DiagramKind {
    /// One bar per area, sorted, with the reference as a line.
    #[default]
    Bars,
    /// The chosen indicator over a second one, with regression line and r.
    Scatter,
    /// The chosen indicator over all periods for the selection and the reference.
    TimeSeries,
    /// Age bands of the selection against the whole municipality.
    AgeStructure,
}

impl DiagramKind {
    /// All kinds with their German names.
    pub const ALL: [(DiagramKind, &'static str); 4] = [
        (DiagramKind::Bars, "Balken"),
        (DiagramKind::Scatter, "Streudiagramm"),
        (DiagramKind::TimeSeries, "Zeitreihe"),
        (DiagramKind::AgeStructure, "Altersstruktur"),
    ];
}

/// The engine's figures for the diagram shown.
#[derive(Clone, Debug)]
pub enum DiagramData {
    /// For [`DiagramKind::Scatter`].
    Scatter(Scatter),
    /// For [`DiagramKind::TimeSeries`].
    TimeSeries(TimeSeries),
    /// For [`DiagramKind::AgeStructure`].
    AgeStructure(AgeStructure),
}

/// A saved selection.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SelectionGroup {
    /// Its name, as the user typed it.
    pub name: String,
    /// Area keys.
    pub keys: BTreeSet<String>,
    /// The level the keys belong to.
    pub level: String,
}

/// One POI category on the map.
#[derive(Clone, Debug)]
pub struct PoiLayer {
    /// Category name.
    pub category: String,
    /// Number of points in the atlas.
    pub count: i64,
    /// Drawn on the map?
    pub shown: bool,
    /// The points, read when first shown.
    pub points: Option<Vec<Poi>>,
}

impl PoiLayer {
    /// One hidden layer per POI category of the atlas.
    pub(super) fn all_of(info: &AtlasInfo) -> Vec<PoiLayer> {
        info.poi_categories
            .iter()
            .map(|c| PoiLayer {
                category: c.name.clone(),
                count: c.count,
                shown: false,
                points: None,
            })
            .collect()
    }
}

/// What a planner set up for one atlas and finds again next time: simple or expert mode, the
/// diagram, the indicators curated for simple mode, the saved selection groups. Persisted per
/// atlas with the layout (`settings.rs`); missing fields take their defaults.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AtlasView {
    /// Simple or expert mode.
    pub mode: Mode,
    /// The diagram shown.
    pub diagram: DiagramKind,
    /// Indicators offered in simple mode; empty means all shares and rates.
    pub simple_indicators: Vec<String>,
    /// Saved selections.
    pub groups: Vec<SelectionGroup>,
    /// Per POI category, the attributes its cards show, in order (missing: all).
    #[serde(default)]
    pub poi_cards: std::collections::BTreeMap<String, Vec<String>>,
}

/// How the planner adjusts a proposed regionalisation with the selected areas.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RegionEdit {
    /// The regions that hold selected areas become one.
    MergeSelection,
    /// The selected areas leave their regions and stand alone.
    SplitSelection,
    /// Back to the proposal before the last adjustment.
    Undo,
}
