//! The parts of the [`super::Workbench`] besides the atlas, the remembered view and the
//! selection: what the planner has chosen to look at ([`Choice`]), what was read from the
//! atlas for that choice ([`Shown`]), and the transient state of this session ([`Session`]).

use std::collections::HashMap;

use quartier_core::analysis::classify::SeriesClasses;
use quartier_core::analysis::sizes::{Regionalisation, SizeCheck};
use quartier_core::analysis::status_dynamics::StatusDynamicsResult;
use quartier_core::export::ValueTable;
use quartier_core::reference::ReferenceValue;

use super::{DiagramData, MapLayer, PoiLayer};

/// What the planner has chosen to look at. Changed only by commands; everything in
/// [`Shown`] follows from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// Index into the atlas overview's levels.
    pub level: usize,
    /// Chosen indicator key.
    pub indicator: Option<String>,
    /// Chosen period label.
    pub period: Option<String>,
    /// Index into [`super::METHODS`].
    pub method: usize,
    /// Number of classes.
    pub classes: usize,
    /// Breaks typed for [`super::MethodChoice::Manual`], German notation, separated by `;`.
    pub manual_breaks: String,
    /// Indicators added to the table.
    pub table_columns: Vec<String>,
    /// A second indicator drawn as columns over the areas.
    pub column_indicator: Option<String>,
    /// The second indicator (x axis of the scatter).
    pub second_indicator: Option<String>,
    /// What the map colours by.
    pub layer: MapLayer,
    /// The colour scheme (ColorBrewer name); `None`: the default of the classification's kind.
    pub scheme: Option<String>,
    /// Colours in reverse order.
    pub reversed: bool,
    /// Show what leaves the laptop: cells the suppression hides are "k. A." on the map, in
    /// the tooltips, the bars and the age structure (the presentation to a committee).
    pub published: bool,
}

impl Choice {
    /// The first choice on an atlas: its finest level (`levels` of them), quantiles with
    /// five classes.
    pub fn new(levels: usize) -> Self {
        Choice {
            level: levels.saturating_sub(1),
            indicator: None,
            period: None,
            method: 1,
            classes: 5,
            manual_breaks: String::new(),
            table_columns: Vec::new(),
            column_indicator: None,
            second_indicator: None,
            layer: MapLayer::Choropleth,
            scheme: None,
            reversed: false,
            published: false,
        }
    }
}

/// What the engine answered for the current [`Choice`]: read through the atlas's one data
/// path and kept until the choice or the atlas changes. Panes draw from here and never ask
/// the atlas themselves.
#[derive(Default)]
pub struct Shown {
    /// The engine's classes for the current choice.
    pub classified: Option<SeriesClasses>,
    /// Cells of the shown series hidden by the suppression (only when showing what is
    /// published).
    pub hidden_cells: usize,
    /// The Gesamtstadt row by the indicator's rule.
    pub reference: Option<ReferenceValue>,
    /// Decimals of the chosen indicator, from its metadata.
    pub decimals: usize,
    /// The chosen indicator is better when higher (for diverging colours).
    pub higher_is_better: bool,
    /// The table pane's values: the chosen indicator, then the added columns.
    pub table: Option<ValueTable>,
    /// The column indicator's values at the level and period, by area key.
    pub column_values: HashMap<String, f64>,
    /// Its decimals, for the map's key.
    pub column_decimals: usize,
    /// POI categories with their points, and whether each is shown.
    pub poi_layers: Vec<PoiLayer>,
    /// The last status/dynamics run.
    pub status_dynamics: Option<StatusDynamicsResult>,
    /// The last size check or regionalisation, shown as the map layer "Gebietsgrößen".
    pub sizes: Option<SizesShown>,
    /// Counts changes of what the map colours by (classes, status/dynamics result), so that
    /// views can keep what they derive from it until it changes.
    pub revision: u64,
    /// The engine's figures for the diagram, with what they were computed for.
    pub(super) diagram_cache: Option<(String, DiagramData)>,
    /// The indicator and level whose saved presentation was last applied.
    pub(super) presentation_for: Option<(String, String)>,
}

/// A size check, or a regionalisation the planner reviews and adjusts before it is saved.
#[derive(Debug, Clone, Default)]
pub struct SizesShown {
    /// The areas of the level against the rule.
    pub check: Option<SizeCheck>,
    /// The proposed merge, as adjusted so far.
    pub proposal: Option<Regionalisation>,
    /// The proposal before each adjustment, for undo.
    pub earlier: Vec<Regionalisation>,
}

impl SizesShown {
    /// The level shown.
    pub fn level(&self) -> &str {
        self.proposal
            .as_ref()
            .map(|p| p.level.as_str())
            .or(self.check.as_ref().map(|c| c.level.as_str()))
            .unwrap_or("")
    }
}

/// The transient state of this session: typed search text, messages, the pinned POI card,
/// and what the render thread reports back.
#[derive(Default)]
pub struct Session {
    /// Search text of the indicator list.
    pub search: String,
    /// The last problem, in German.
    pub error: Option<String>,
    /// The last thing done, in German ("12 Zeilen kopiert").
    pub notice: Option<String>,
    /// The POI whose info card is pinned open.
    pub poi_card: Option<super::super::map::PinnedPoi>,
    /// The query pane's SQL and its last result.
    pub query: QueryPane,
}

/// The query pane: the SQL typed, and what the last run gave.
#[derive(Debug, Clone)]
pub struct QueryPane {
    /// The query.
    pub sql: String,
    /// The last result (over the internal values, as the workbench shows them).
    pub result: Option<quartier_core::analysis::query::QueryResult>,
    /// Why the last run failed, in German.
    pub error: Option<String>,
}

impl Default for QueryPane {
    fn default() -> Self {
        QueryPane {
            sql: "SELECT key, name, ew FROM werte\nWHERE ebene = 'Planungsraum' AND periode = '2020'\nORDER BY ew DESC\nLIMIT 20".into(),
            result: None,
            error: None,
        }
    }
}
