//! Suppression for data protection ("k. A."), computed as a view: stored values stay as they
//! are, and exports of the public subset apply the report.
//!
//! - **Primary:** counts from 1 to the threshold T (default 3; per atlas, per indicator; 0
//!   optionally too) are suppressed.
//! - **Secondary:** every area with children carries the equation *area = Σ children*, up to
//!   the whole municipality. A suppressed cell must not be the only unknown of any such
//!   equation, or it could be recomputed as the parent minus its siblings. Where it is, the
//!   smallest published sibling is suppressed as well (or the parent, when there is no
//!   sibling), until no equation has exactly one unknown. On a hierarchy that is enough: the
//!   unknowns then form chains and cycles that no linear combination of published figures
//!   resolves (tested by brute force on generated hierarchies).
//! - **Narrowing:** an attacker who combines every published sum learns an interval for
//!   each hidden count ([`attacker_bounds`]); two hidden siblings of 1 and 2 under a
//!   published 3 are each known to be at most 3. Cells are hidden next to a small count until
//!   the upper end of its interval exceeds the threshold (τ-ARGUS's protection interval, here
//!   its upper protection level).
//! - **Derived:** a share or rate is suppressed wherever its numerator or denominator is,
//!   and where no numerator is stored, the count implied by share × denominator goes through
//!   the same primary and secondary rules.
//!
//! Values that are already "k. A." in the source count as unknown; missing values count as
//! unknown too (they are not published either), so they protect their siblings.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use crate::analysis::MinPopulation;
use crate::model::{IndicatorKind, IndicatorMeta, ValueStatus};
use crate::progress::{check_cancel, Progress};
use crate::{Atlas, Error, Result, StoredValue};

pub use crate::model::SuppressionRules;

/// "1 bis 3" or "0 bis 3", for messages.
fn range_de(rules: &SuppressionRules) -> String {
    format!("{} bis {}", if rules.suppress_zero { 0 } else { 1 }, rules.threshold)
}

/// Why a cell is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// Already "k. A." in the source.
    Source,
    /// A small count.
    Primary,
    /// A share or rate whose numerator or denominator is suppressed.
    Derived,
    /// Suppressed so that another cell cannot be recomputed as a difference.
    Secondary,
}

/// One cell of a count table on a hierarchy, as input to [`protect_hierarchy`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    /// A published number unless suppressed here.
    Value(f64),
    /// "k. A." in the source.
    Suppressed,
    /// Not known (missing); not published either.
    Unknown,
}

/// A suppressed cell of [`protect_hierarchy`]'s result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hidden {
    /// Why.
    pub reason: Reason,
    /// For secondary suppression: the cell it protects (the only other unknown of an equation).
    pub protects: Option<usize>,
    /// For secondary suppression: the node whose equation (node = Σ children) it closes.
    pub within: Option<usize>,
}

/// Primary and secondary suppression of one count table on a hierarchy.
///
/// `parent[i]` is the node that node `i` belongs to; each node with children carries the
/// equation node = Σ children. Include the whole municipality as the root node when its
/// total is published. Ties between equally small siblings go to the lower index, so pass
/// nodes in key order. Returns per node whether and why it is suppressed; unknown input
/// cells are `None` but count as unknown.
pub fn protect_hierarchy(parent: &[Option<usize>], cells: &[Cell], rules: &SuppressionRules) -> Vec<Option<Hidden>> {
    let n = cells.len();
    let children = children_of(parent);
    let mut hidden: Vec<Option<Hidden>> = cells
        .iter()
        .map(|c| match c {
            Cell::Suppressed => Some(Hidden {
                reason: Reason::Source,
                protects: None,
                within: None,
            }),
            Cell::Value(v) if rules.is_small(*v) => Some(Hidden {
                reason: Reason::Primary,
                protects: None,
                within: None,
            }),
            _ => None,
        })
        .collect();
    let value = |i: usize| match cells[i] {
        Cell::Value(v) => v,
        _ => f64::INFINITY,
    };
    let unknown = |hidden: &[Option<Hidden>], i: usize| hidden[i].is_some() || cells[i] == Cell::Unknown;
    close_equations(
        parent,
        &children,
        cells,
        &mut hidden,
        (0..n).filter(|&i| !children[i].is_empty()).collect(),
    );
    // Narrowing: an attacker who combines every published sum bounds each hidden count by
    // an interval. A small count whose upper bound is still at most the threshold is known
    // to be small ("both at most 3"), so more cells are hidden next to it until its upper
    // bound exceeds the threshold: the smallest published sibling that is enough, else the
    // largest, else the parent.
    for _ in 0..n {
        let bounds = attacker_bounds(parent, cells, &hidden);
        let exposed = (0..n).find(|&i| {
            matches!(hidden[i], Some(h) if h.reason == Reason::Primary) && bounds[i].1 <= rules.threshold as f64 + 1e-9
        });
        let Some(i) = exposed else { break };
        let need = rules.threshold as f64 + 1.0 - bounds[i].1;
        let Some(eq) = parent[i] else { break };
        let siblings: Vec<usize> = children[eq].iter().copied().filter(|&c| !unknown(&hidden, c)).collect();
        let by_value = |a: &usize, b: &usize| value(*a).total_cmp(&value(*b)).then(a.cmp(b));
        let enough = siblings.iter().copied().filter(|&c| value(c) >= need).min_by(by_value);
        let largest = siblings.iter().copied().max_by(by_value);
        let chosen = enough
            .or(largest)
            .or_else(|| (!unknown(&hidden, eq)).then_some(eq))
            .or_else(|| {
                // Everything in its own equation is hidden: open the parent's equation.
                let up = parent[eq]?;
                children[up]
                    .iter()
                    .copied()
                    .filter(|&c| c != eq && !unknown(&hidden, c))
                    .min_by(by_value)
            });
        let Some(chosen) = chosen else { break };
        hidden[chosen] = Some(Hidden {
            reason: Reason::Secondary,
            protects: Some(i),
            within: Some(eq),
        });
        let mut again = vec![eq];
        again.extend(parent[chosen]);
        if !children[chosen].is_empty() {
            again.push(chosen);
        }
        close_equations(parent, &children, cells, &mut hidden, again);
    }
    hidden
}

fn children_of(parent: &[Option<usize>]) -> Vec<Vec<usize>> {
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); parent.len()];
    for (i, p) in parent.iter().enumerate() {
        if let Some(p) = *p {
            children[p].push(i);
        }
    }
    children
}

/// Secondary suppression against exact recovery: no equation (node = Σ children) may have
/// exactly one unknown. `pending` are the equations to check first; a newly suppressed cell
/// puts the equations it appears in back on the list.
fn close_equations(
    parent: &[Option<usize>],
    children: &[Vec<usize>],
    cells: &[Cell],
    hidden: &mut [Option<Hidden>],
    mut pending: Vec<usize>,
) {
    let unknown = |hidden: &[Option<Hidden>], i: usize| hidden[i].is_some() || cells[i] == Cell::Unknown;
    let value = |i: usize| match cells[i] {
        Cell::Value(v) => v,
        _ => f64::INFINITY,
    };
    while let Some(eq) = pending.pop() {
        let members = std::iter::once(eq).chain(children[eq].iter().copied());
        let unknowns: Vec<usize> = members.filter(|&i| unknown(hidden, i)).collect();
        let [lonely] = unknowns[..] else { continue };
        let sibling = children[eq]
            .iter()
            .copied()
            .filter(|&c| !unknown(hidden, c))
            .min_by(|&a, &b| value(a).total_cmp(&value(b)).then(a.cmp(&b)));
        let Some(chosen) = sibling.or((!unknown(hidden, eq)).then_some(eq)) else {
            continue;
        };
        hidden[chosen] = Some(Hidden {
            reason: Reason::Secondary,
            protects: Some(lonely),
            within: Some(eq),
        });
        if !children[chosen].is_empty() {
            pending.push(chosen);
        }
        if let Some(p) = parent[chosen] {
            pending.push(p);
        }
        pending.push(eq);
    }
}

/// The interval an attacker derives for every cell of a hierarchy table from what is
/// published: each node's equation (node = Σ children) with the published values, and that
/// counts are not negative. Published cells are their value; hidden and unknown cells get
/// the tightest bounds the equations allow (bound propagation to a fixed point; on a
/// hierarchy, where each equation shares at most one cell with another, this is the exact
/// range a linear program would find, and the tests check it against enumeration).
pub fn attacker_bounds(parent: &[Option<usize>], cells: &[Cell], hidden: &[Option<Hidden>]) -> Vec<(f64, f64)> {
    let children = children_of(parent);
    let mut bounds: Vec<(f64, f64)> = (0..cells.len())
        .map(|i| match cells[i] {
            Cell::Value(v) if hidden[i].is_none() => (v, v),
            _ => (0.0, f64::INFINITY),
        })
        .collect();
    let equations: Vec<usize> = (0..cells.len()).filter(|&i| !children[i].is_empty()).collect();
    // Published cells are what they are, even where the source's sums do not add up.
    let fixed = |i: usize| matches!(cells[i], Cell::Value(_)) && hidden[i].is_none();
    for _ in 0..4 * cells.len() + 4 {
        let mut changed = false;
        for &eq in &equations {
            let kids = &children[eq];
            let low: f64 = kids.iter().map(|&c| bounds[c].0).sum();
            let high: f64 = kids.iter().map(|&c| bounds[c].1).sum();
            let (pl, ph) = bounds[eq];
            let new_parent = (pl.max(low), ph.min(high));
            if !fixed(eq) && new_parent != bounds[eq] {
                bounds[eq] = new_parent;
                changed = true;
            }
            let (pl, ph) = bounds[eq];
            for &c in kids.iter().filter(|&&c| !fixed(c)) {
                let (cl, ch) = bounds[c];
                let others_low = low - cl;
                let others_high = high - ch;
                let upper = if ph.is_finite() { ch.min(ph - others_low) } else { ch };
                let lower = if others_high.is_finite() {
                    cl.max(pl - others_high)
                } else {
                    cl
                };
                let new = (lower.max(0.0), upper);
                if (new.0 - cl).abs() > 1e-9 || (new.1 != ch && (new.1 - ch).abs() > 1e-9) {
                    bounds[c] = new;
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    bounds
}

/// What to check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SuppressRequest {
    /// The finest level; its parent areas up to the whole municipality are checked with it.
    pub level: String,
    /// The period.
    pub period: String,
    /// Indicator keys; empty: every count, share and rate with values at the level.
    pub indicators: Vec<String>,
    /// Rules for this run; `None`: the atlas's rules. Per-indicator thresholds apply either way.
    pub rules: Option<SuppressionRules>,
    /// Flag areas below a minimum population.
    pub min_population: Option<MinPopulation>,
}

/// One suppressed cell.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuppressedCell {
    /// Indicator key.
    pub indicator: String,
    /// Level name, or "Gesamtstadt".
    pub level: String,
    /// Area key (empty for the whole municipality).
    pub key: String,
    /// Area name.
    pub name: String,
    /// The value that is hidden (`null` when already hidden in the source).
    pub value: Option<f64>,
    /// Why: `source`, `primary`, `derived`, `secondary`.
    pub reason: Reason,
    /// The reason in words (German).
    pub detail: String,
    /// For counts: the range an attacker derives from everything published (lower, upper;
    /// `null` upper: unbounded). A small count's upper end lies above the threshold.
    pub interval: Option<[Option<f64>; 2]>,
}

/// Per indicator: the threshold used and how many cells were suppressed for which reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorSuppression {
    /// Indicator key.
    pub key: String,
    /// The threshold that applied (the indicator's own or the run's).
    pub threshold: i64,
    /// Already "k. A." in the source.
    pub source: usize,
    /// Small counts.
    pub primary: usize,
    /// Shares or rates of suppressed counts.
    pub derived: usize,
    /// Protecting other cells.
    pub secondary: usize,
}

/// An indicator that could not be checked, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotChecked {
    /// Indicator key.
    pub key: String,
    /// Why, in German.
    pub reason: String,
}

/// An area below the minimum population.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SmallArea {
    /// Area key.
    pub key: String,
    /// Area name.
    pub name: String,
    /// Why (German), e.g. "unter 300 Einwohnern (212 laut „ew“)".
    pub reason: String,
}

/// The outcome of [`suppress`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuppressionReport {
    /// The finest level.
    pub level: String,
    /// The period.
    pub period: String,
    /// The levels checked together, fine to coarse, ending with "Gesamtstadt".
    pub levels: Vec<String>,
    /// The run's rules.
    pub rules: SuppressionRules,
    /// Every suppressed cell, by indicator, level (fine first) and key.
    pub cells: Vec<SuppressedCell>,
    /// Per indicator.
    pub indicators: Vec<IndicatorSuppression>,
    /// Indicators that were not checked (ratios, categories, shares without numerator or
    /// denominator), with the reason.
    pub not_checked: Vec<NotChecked>,
    /// Areas below the minimum population, when a rule was given.
    pub small_areas: Vec<SmallArea>,
}

/// The cells of one level and period that leave the laptop as "k. A.": what every file
/// output (tables, figures, reports, GIS layers) hides unless it is marked internal. Built
/// from [`suppress`] so that every output hides the same cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HiddenCells {
    /// Hidden area cells: indicator key → area keys.
    areas: HashMap<String, std::collections::HashSet<String>>,
    /// Indicators whose reference value (the whole municipality) is hidden.
    references: std::collections::HashSet<String>,
    /// Hidden cells of the parent areas (their sums over this level), by level and indicator.
    parents: HashMap<(String, String), std::collections::HashSet<String>>,
    /// The rules that applied (`None` for an internal output).
    rules: Option<SuppressionRules>,
}

impl HiddenCells {
    /// Nothing hidden: for outputs marked internal.
    pub fn internal() -> Self {
        Self::default()
    }

    /// The cells [`suppress`] hides for `indicators` at `level` and `period`; the level's
    /// parents up to the whole municipality count as published. Indicators that cannot be
    /// checked (ratios, categories) hide nothing.
    ///
    /// The run of a finer level hides cells of this level too (secondary cells among its
    /// parents, so that its own small counts cannot be worked out from the sums): those are
    /// hidden here as well. Every output, of whichever level, then hides the same cells, and
    /// two outputs of different levels together give away nothing either hides (found by the
    /// property test of the bundle: a Baublock's 1 followed from the Region's total, the other
    /// Baublöcke and the declared sum).
    pub fn compute(atlas: &Atlas, level: &str, period: &str, indicators: &[String]) -> Result<Self> {
        let mut hidden = Self::compute_on_level(atlas, level, period, indicators)?;
        let this = atlas.level(level)?;
        let period_id = atlas.period(period)?.id;
        let indicator_ids: Vec<i64> = indicators
            .iter()
            .map(|key| Ok(atlas.indicator(key)?.id))
            .collect::<Result<_>>()?;
        for finer in finer_levels(atlas, this.id)? {
            let mut has_values = false;
            for &id in &indicator_ids {
                has_values |= !atlas.values(id, finer.id, period_id)?.is_empty();
            }
            if has_values {
                let finer_cells = Self::compute_on_level(atlas, &finer.name, period, indicators)?;
                hidden.add_parent_cells_of(&this.name, finer_cells);
            }
        }
        Ok(hidden)
    }

    /// Takes over what a finer level's run hid on `level` and above: cells of `level` become
    /// area cells, cells of coarser levels parent cells, hidden references stay hidden.
    fn add_parent_cells_of(&mut self, level: &str, finer: HiddenCells) {
        for ((parent_level, indicator), keys) in finer.parents {
            if parent_level == level {
                self.areas.entry(indicator).or_default().extend(keys);
            } else {
                self.parents.entry((parent_level, indicator)).or_default().extend(keys);
            }
        }
        self.references.extend(finer.references);
    }

    /// The cells one run of [`suppress`] hides at `level` (see [`HiddenCells::compute`]).
    fn compute_on_level(atlas: &Atlas, level: &str, period: &str, indicators: &[String]) -> Result<Self> {
        let mut checkable = Vec::new();
        for key in indicators {
            let meta = atlas.indicator(key)?;
            if matches!(
                meta.kind,
                IndicatorKind::Count | IndicatorKind::Share | IndicatorKind::RatePer1000
            ) && !checkable.contains(key)
            {
                checkable.push(key.clone());
            }
        }
        let mut hidden = HiddenCells {
            rules: Some(atlas.suppression_rules()?),
            ..Default::default()
        };
        if checkable.is_empty() {
            return Ok(hidden);
        }
        let report = suppress(
            atlas,
            &SuppressRequest {
                level: level.to_string(),
                period: period.to_string(),
                indicators: checkable,
                ..Default::default()
            },
            &crate::NoProgress,
        )?;
        let root = report.levels.last().cloned().unwrap_or_default();
        for cell in report.cells {
            if cell.level == report.level {
                hidden.areas.entry(cell.indicator).or_default().insert(cell.key);
            } else if cell.level == root && cell.key.is_empty() {
                hidden.references.insert(cell.indicator);
            } else {
                hidden
                    .parents
                    .entry((cell.level, cell.indicator))
                    .or_default()
                    .insert(cell.key);
            }
        }
        hidden.rules = Some(report.rules);
        Ok(hidden)
    }

    /// The hidden cells of `indicators` only (what one figure shows and its footnote counts).
    pub fn only(&self, indicators: &[String]) -> HiddenCells {
        HiddenCells {
            areas: self
                .areas
                .iter()
                .filter(|(k, _)| indicators.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            references: self
                .references
                .iter()
                .filter(|k| indicators.contains(k))
                .cloned()
                .collect(),
            parents: self
                .parents
                .iter()
                .filter(|((_, k), _)| indicators.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            rules: self.rules,
        }
    }

    /// Whether the cell of `indicator` in area `key` is hidden.
    pub fn hides(&self, indicator: &str, key: &str) -> bool {
        self.areas.get(indicator).is_some_and(|keys| keys.contains(key))
    }

    /// Whether the sum over this level of the parent area `key` on `level` is hidden (for
    /// outputs that show parent areas beside the areas).
    pub fn hides_parent(&self, level: &str, indicator: &str, key: &str) -> bool {
        self.parents
            .get(&(level.to_string(), indicator.to_string()))
            .is_some_and(|keys| keys.contains(key))
    }

    /// Whether the reference value (whole municipality) of `indicator` is hidden.
    pub fn hides_reference(&self, indicator: &str) -> bool {
        self.references.contains(indicator)
    }

    /// How many cells are hidden, area cells and reference values together.
    pub fn len(&self) -> usize {
        self.areas.values().map(|k| k.len()).sum::<usize>() + self.references.len()
    }

    /// The cells [`HiddenCells::len`] counts, each named once (indicator and area key; the
    /// reference with an empty key), so that outputs of several figures count a cell once.
    pub fn cells(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .areas
            .iter()
            .flat_map(|(i, keys)| keys.iter().map(move |k| (i.clone(), k.clone())))
            .collect();
        out.extend(self.references.iter().map(|i| (i.clone(), String::new())));
        out
    }

    /// Whether nothing is hidden.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether these cells are for an output marked internal (nothing hidden, marked).
    pub fn is_internal(&self) -> bool {
        self.rules.is_none()
    }

    /// The footnote every output with hidden cells carries: the rule and the count.
    pub fn footnote(&self) -> Option<String> {
        let rules = self.rules.as_ref()?;
        let n = self.len();
        (n > 0).then(|| {
            format!(
                "k. A. = geheim gehalten (Datenschutz): Fallzahlen von {} und Werte, aus denen sie \
                 sich errechnen oder eingrenzen ließen (Anteile aus ihnen, Differenzen zu übergeordneten \
                 Summen), insgesamt {n} {}.",
                range_de(rules),
                if n == 1 { "Zelle" } else { "Zellen" }
            )
        })
    }
}

/// The levels that nest in level `id`, at any depth, finest last.
fn finer_levels(atlas: &Atlas, id: i64) -> Result<Vec<crate::model::Level>> {
    let levels = atlas.levels()?;
    let mut finer: Vec<crate::model::Level> = Vec::new();
    let mut parents = vec![id];
    while let Some(parent) = parents.pop() {
        for level in levels.iter().filter(|l| l.parent_level_id == Some(parent)) {
            if !finer.iter().any(|f| f.id == level.id) {
                parents.push(level.id);
                finer.push(level.clone());
            }
        }
    }
    Ok(finer)
}

/// The hidden cells of every indicator per level and period, computed once each: for outputs
/// that show many indicators, periods or areas (charts over time, the book of profiles).
pub struct HiddenCache<'a> {
    atlas: &'a Atlas,
    intern: bool,
    cells: HashMap<(String, String), HiddenCells>,
}

impl<'a> HiddenCache<'a> {
    /// A cache; with `intern` nothing is hidden.
    pub fn new(atlas: &'a Atlas, intern: bool) -> Self {
        HiddenCache {
            atlas,
            intern,
            cells: HashMap::new(),
        }
    }

    /// The cells hidden at `level` in `period`, for every count, share and rate with values
    /// there (as `quartier suppress` without `--indicators`).
    pub fn at(&mut self, level: &str, period: &str) -> Result<&HiddenCells> {
        let key = (level.to_string(), period.to_string());
        if !self.cells.contains_key(&key) {
            let hidden = if self.intern {
                HiddenCells::internal()
            } else {
                let keys: Vec<String> = self.atlas.indicators()?.into_iter().map(|m| m.key).collect();
                HiddenCells::compute(self.atlas, level, period, &keys)?
            };
            self.cells.insert(key.clone(), hidden);
        }
        self.cells
            .get(&key)
            .ok_or_else(|| Error::Internal("Geheimhaltung: Zwischenspeicher leer".into()))
    }
}

impl SuppressionReport {
    /// Why a cell is suppressed, if it is.
    pub fn reason(&self, indicator: &str, level: &str, key: &str) -> Option<Reason> {
        self.cells
            .iter()
            .find(|c| c.indicator == indicator && c.level == level && c.key == key)
            .map(|c| c.reason)
    }
}

/// The hierarchy from a level up to the whole municipality, as nodes for
/// [`protect_hierarchy`]: the level's areas first (by key), then their parent areas finest
/// level first, then the root.
struct Tree {
    /// (level id, area id) per node; the root is `None`.
    nodes: Vec<Option<(i64, i64)>>,
    parent: Vec<Option<usize>>,
    /// Nodes ordered so that children come before their parents.
    bottom_up: Vec<usize>,
    labels: Vec<(String, String, String)>,
    levels: Vec<String>,
}

impl Tree {
    fn build(atlas: &Atlas, level_id: i64) -> Result<Self> {
        let levels = atlas.levels()?;
        let mut area_info: HashMap<i64, (i64, crate::store::AreaRef)> = HashMap::new();
        for level in &levels {
            for a in atlas.areas(level.id)? {
                area_info.insert(a.id, (level.id, a));
            }
        }
        let level_name = |id: i64| {
            levels
                .iter()
                .find(|l| l.id == id)
                .map_or(String::new(), |l| l.name.clone())
        };
        let sort_order = |id: i64| levels.iter().find(|l| l.id == id).map_or(0, |l| l.sort_order);
        let mut nodes: Vec<Option<(i64, i64)>> = Vec::new();
        let mut index: HashMap<i64, usize> = HashMap::new();
        for a in atlas.areas(level_id)? {
            index.insert(a.id, nodes.len());
            nodes.push(Some((level_id, a.id)));
        }
        // Ancestors, finest level first, by key within a level.
        let mut ancestors: BTreeMap<(i64, String), (i64, i64)> = BTreeMap::new();
        for node in nodes.clone().into_iter().flatten() {
            let mut at = area_info.get(&node.1).and_then(|(_, a)| a.parent_area_id);
            let mut steps = 0;
            while let Some(id) = at.filter(|_| steps < 16) {
                let Some((lvl, a)) = area_info.get(&id) else { break };
                ancestors.insert((-sort_order(*lvl), a.key.to_string()), (*lvl, id));
                at = a.parent_area_id;
                steps += 1;
            }
        }
        for (lvl, id) in ancestors.into_values() {
            if let std::collections::hash_map::Entry::Vacant(e) = index.entry(id) {
                e.insert(nodes.len());
                nodes.push(Some((lvl, id)));
            }
        }
        let root = nodes.len();
        nodes.push(None);
        let parent: Vec<Option<usize>> = nodes
            .iter()
            .map(|node| {
                node.map(|(_, id)| {
                    area_info
                        .get(&id)
                        .and_then(|(_, a)| a.parent_area_id)
                        .and_then(|p| index.get(&p).copied())
                        .unwrap_or(root)
                })
            })
            .collect();
        let depth = |mut i: usize| {
            let mut d = 0;
            while let Some(p) = parent[i] {
                i = p;
                d += 1;
            }
            d
        };
        let mut bottom_up: Vec<usize> = (0..nodes.len()).collect();
        bottom_up.sort_by_key(|&i| std::cmp::Reverse(depth(i)));
        let municipality = atlas.meta()?.name;
        let labels = nodes
            .iter()
            .map(|node| match node {
                None => ("Gesamtstadt".to_string(), String::new(), municipality.clone()),
                Some((lvl, id)) => {
                    let a = &area_info[id].1;
                    (level_name(*lvl), a.key.to_string(), a.name.to_string())
                }
            })
            .collect();
        let mut chain: Vec<String> = Vec::new();
        for &i in &bottom_up {
            if let Some((lvl, _)) = nodes[i] {
                let name = level_name(lvl);
                if !chain.contains(&name) {
                    chain.push(name);
                }
            }
        }
        chain.push("Gesamtstadt".into());
        Ok(Tree {
            nodes,
            parent,
            bottom_up,
            labels,
            levels: chain,
        })
    }

    /// The cells of one indicator: stored values where present, else (for counts,
    /// `sum_children`) the sum of the children when all of them are known, as the reference
    /// row and aggregation compute it.
    fn cells(&self, stored: impl Fn(i64, i64) -> Option<StoredValue>, sum_children: bool) -> Vec<Cell> {
        let mut cells = vec![Cell::Unknown; self.nodes.len()];
        let mut sums: Vec<Option<f64>> = vec![Some(0.0); self.nodes.len()];
        let mut has_children = vec![false; self.nodes.len()];
        for &i in &self.bottom_up {
            let own = self.nodes[i].and_then(|(lvl, id)| stored(lvl, id));
            cells[i] = match own {
                Some(v) if v.status == ValueStatus::Ok => v.value.map_or(Cell::Unknown, Cell::Value),
                Some(v) if v.status == ValueStatus::NotApplicable => Cell::Value(0.0),
                Some(v) if v.status == ValueStatus::Suppressed => Cell::Suppressed,
                Some(_) => Cell::Unknown,
                None if has_children[i] && sum_children => sums[i].map_or(Cell::Unknown, Cell::Value),
                None => Cell::Unknown,
            };
            if let Some(p) = self.parent[i] {
                has_children[p] = true;
                sums[p] = match (sums[p], cells[i]) {
                    (Some(s), Cell::Value(v)) => Some(s + v),
                    _ => None,
                };
            }
        }
        cells
    }
}

/// Stored series at every level of the tree and each count's protection, loaded once.
struct Tables<'a> {
    atlas: &'a Atlas,
    tree: &'a Tree,
    period_id: i64,
    series: HashMap<i64, HashMap<(i64, i64), StoredValue>>,
    protected: HashMap<i64, (Vec<Cell>, Vec<Option<Hidden>>)>,
}

impl Tables<'_> {
    /// (level id, area id) → stored value, for every level of the tree.
    fn series(&mut self, meta: &IndicatorMeta) -> Result<&HashMap<(i64, i64), StoredValue>> {
        if !self.series.contains_key(&meta.id) {
            let mut levels: Vec<i64> = self.tree.nodes.iter().flatten().map(|(l, _)| *l).collect();
            levels.sort_unstable();
            levels.dedup();
            let mut all = HashMap::new();
            for l in levels {
                for (area, v) in self.atlas.values(meta.id, l, self.period_id)?.iter() {
                    all.insert((l, *area), v.clone());
                }
            }
            self.series.insert(meta.id, all);
        }
        Ok(&self.series[&meta.id])
    }

    fn cells(&mut self, meta: &IndicatorMeta, sum_children: bool) -> Result<Vec<Cell>> {
        let tree = self.tree;
        let series = self.series(meta)?;
        Ok(tree.cells(|l, id| series.get(&(l, id)).cloned(), sum_children))
    }

    /// A count's cells and their protection under `rules`.
    fn protect(&mut self, meta: &IndicatorMeta, rules: &SuppressionRules) -> Result<(Vec<Cell>, Vec<Option<Hidden>>)> {
        if !self.protected.contains_key(&meta.id) {
            let cells = self.cells(meta, true)?;
            let hidden = protect_hierarchy(&self.tree.parent, &cells, rules);
            self.protected.insert(meta.id, (cells, hidden));
        }
        Ok(self.protected[&meta.id].clone())
    }
}

/// Per node of the tree, the interval an attacker derives for a hidden count.
type Intervals = Vec<Option<(f64, f64)>>;

/// Declared sums between counts (`sum_of`: the parts of a total in every area): each total
/// with its parts is one linked table (areas × indicators), protected against an attacker
/// who combines the sums along the hierarchy with the declared sum
/// ([`super::linked::protect_linked`]). The cells it hides in addition go back into each
/// count's protection; returns the interval of every cell of the counts involved, by linear
/// programming. Only sums linked (directly or through other sums) to a count among `checked`
/// (the keys the run checks, with the numerators and denominators of its shares and rates)
/// are protected: the others change nothing of what this run reports, and the linked ones
/// are protected in the same order as in any other run, so every output hides the same cells.
fn protect_declared_sums<'m>(
    tables: &mut Tables<'_>,
    all: &'m [IndicatorMeta],
    mut checked: std::collections::HashSet<&'m str>,
    rules_of: &dyn Fn(&IndicatorMeta) -> SuppressionRules,
    report: &mut SuppressionReport,
) -> Result<HashMap<i64, Intervals>> {
    use super::linked::{protect_linked, LinkedTable, SumEquation};
    let mut intervals: HashMap<i64, Intervals> = HashMap::new();
    let n = tables.tree.nodes.len();
    let children = children_of(&tables.tree.parent);
    let declared: Vec<&IndicatorMeta> = all
        .iter()
        .filter(|m| m.kind == IndicatorKind::Count && !m.sum_of.is_empty())
        .collect();
    fn members(m: &IndicatorMeta) -> impl Iterator<Item = &str> {
        std::iter::once(m.key.as_str()).chain(m.sum_of.iter().map(String::as_str))
    }
    // Every count linked to a checked one through declared sums.
    loop {
        let before = checked.len();
        for m in &declared {
            if members(m).any(|k| checked.contains(k)) {
                checked.extend(members(m));
            }
        }
        if checked.len() == before {
            break;
        }
    }
    for total in declared.into_iter().filter(|m| checked.contains(m.key.as_str())) {
        let parts: Option<Vec<&IndicatorMeta>> = total
            .sum_of
            .iter()
            .map(|k| all.iter().find(|m| &m.key == k && m.kind == IndicatorKind::Count))
            .collect();
        let Some(parts) = parts else {
            report.not_checked.push(NotChecked {
                key: total.key.clone(),
                reason: format!(
                    "erklärte Summe aus {}: nicht alle Teile sind Anzahlen im Atlas, die Summe wird nicht genutzt",
                    total.sum_of.join(", ")
                ),
            });
            continue;
        };
        let members: Vec<&IndicatorMeta> = parts.into_iter().chain(std::iter::once(total)).collect();
        let mut cells = Vec::with_capacity(members.len() * n);
        let mut hidden = Vec::with_capacity(members.len() * n);
        for m in &members {
            let (c, h) = tables.protect(m, &rules_of(m))?;
            cells.extend(c);
            hidden.extend(h);
        }
        if cells[(members.len() - 1) * n..].iter().all(|c| *c == Cell::Unknown) {
            continue;
        }
        // Along the hierarchy for every count, and the declared sum in every area.
        let mut equations: Vec<SumEquation> = Vec::new();
        for g in 0..members.len() {
            for node in (0..n).filter(|&i| !children[i].is_empty()) {
                equations.push(SumEquation {
                    total: g * n + node,
                    parts: children[node].iter().map(|&c| g * n + c).collect(),
                });
            }
        }
        let last = members.len() - 1;
        for node in 0..n {
            equations.push(SumEquation {
                total: last * n + node,
                parts: (0..last).map(|g| g * n + node).collect(),
            });
        }
        // The strictest threshold of the counts involved.
        let strictest = members
            .iter()
            .map(|m| rules_of(m))
            .max_by_key(|r| r.threshold)
            .unwrap_or_default();
        let table = LinkedTable::new(&cells, &equations);
        let outcome = protect_linked(&table, &mut hidden, &strictest);
        for &added in &outcome.added {
            if let Some(h) = hidden[added].as_mut() {
                // The cell it protects, as an area of its count; the equation is the declared sum.
                h.protects = h.protects.map(|p| p % n);
                h.within = None;
            }
        }
        if !outcome.contradictory.is_empty() {
            report.not_checked.push(NotChecked {
                key: total.key.clone(),
                reason: format!(
                    "erklärte Summe aus {} geht mit den veröffentlichten Zahlen nicht auf: für {} geheim gehaltene Zellen nur entlang der Gebietshierarchie geprüft",
                    total.sum_of.join(", "),
                    outcome.contradictory.len()
                ),
            });
        }
        let linked: Intervals = (0..cells.len())
            .map(|i| hidden[i].and_then(|_| table.interval(i, &hidden)))
            .collect();
        for (g, m) in members.iter().enumerate() {
            let range = g * n..(g + 1) * n;
            intervals.insert(m.id, linked[range.clone()].to_vec());
            tables
                .protected
                .insert(m.id, (cells[range.clone()].to_vec(), hidden[range].to_vec()));
        }
    }
    Ok(intervals)
}

/// Checks a level and its parent areas for one period: which cells must be "k. A." and why.
pub fn suppress(atlas: &Atlas, request: &SuppressRequest, progress: &dyn Progress) -> Result<SuppressionReport> {
    let level = atlas.level(&request.level)?;
    let period = atlas.period(&request.period)?;
    let rules = match request.rules {
        Some(r) => r,
        None => atlas.suppression_rules()?,
    };
    if rules.threshold < 0 {
        return Err(Error::Invalid(format!(
            "Die Geheimhaltungsschwelle muss 0 oder größer sein, nicht {}",
            rules.threshold
        )));
    }
    let tree = Tree::build(atlas, level.id)?;
    let all = atlas.indicators()?;
    let by_key: HashMap<&str, &IndicatorMeta> = all.iter().map(|m| (m.key.as_str(), m)).collect();
    let has_values =
        |meta: &IndicatorMeta| -> Result<bool> { Ok(!atlas.values(meta.id, level.id, period.id)?.is_empty()) };
    let mut metas: Vec<&IndicatorMeta> = Vec::new();
    if request.indicators.is_empty() {
        for m in &all {
            if has_values(m)? {
                metas.push(m);
            }
        }
    } else {
        for key in &request.indicators {
            // By key or display name, with "Meinten Sie …?" for an unknown one.
            let found = atlas.indicator(key)?;
            metas.push(
                by_key
                    .get(found.key.as_str())
                    .copied()
                    .ok_or_else(|| Error::Internal(format!("Indikator „{}“ fehlt in der Liste", found.key)))?,
            );
        }
    }
    let rules_of = |meta: &IndicatorMeta| SuppressionRules {
        threshold: meta.suppression_threshold.unwrap_or(rules.threshold),
        ..rules
    };
    let mut tables = Tables {
        atlas,
        tree: &tree,
        period_id: period.id,
        series: HashMap::new(),
        protected: HashMap::new(),
    };
    let mut report = SuppressionReport {
        level: level.name.clone(),
        period: period.label.clone(),
        levels: tree.levels.clone(),
        rules,
        cells: Vec::new(),
        indicators: Vec::new(),
        not_checked: Vec::new(),
        small_areas: Vec::new(),
    };
    let name_of = |i: usize| {
        let (lvl, _, name) = &tree.labels[i];
        if lvl == "Gesamtstadt" {
            format!("der Gesamtstadt {name}")
        } else {
            format!("„{name}“ ({lvl})")
        }
    };
    let value_text = |cell: Cell| match cell {
        Cell::Value(v) => crate::numbers::format_german(v, 0),
        _ => "?".into(),
    };
    // Primary and secondary reasons of a count, in words.
    let explain = |hidden: &Option<Hidden>, cell: Cell, rules: &SuppressionRules| {
        hidden.map(|h| {
            let detail = match (h.reason, h.protects, h.within) {
                (Reason::Primary, ..) => format!("Fallzahl {} im Bereich {}", value_text(cell), range_de(rules)),
                (Reason::Secondary, Some(p), Some(w)) if p == w => {
                    format!("schützt {}: sonst als Summe seiner Teilgebiete berechenbar", name_of(p))
                }
                (Reason::Secondary, Some(p), Some(w)) => format!(
                    "schützt {}: sonst aus {} minus den übrigen Teilgebieten berechenbar",
                    name_of(p),
                    name_of(w)
                ),
                (Reason::Secondary, Some(p), None) => format!(
                    "schützt {} in einer erklärten Summe von Indikatoren: sonst daraus eingrenzbar",
                    name_of(p)
                ),
                (Reason::Secondary, ..) => "schützt ein Nachbargebiet".into(),
                _ => "in der Quelle „k. A.“".into(),
            };
            (h.reason, detail)
        })
    };
    let checked: std::collections::HashSet<&str> = metas
        .iter()
        .flat_map(|m| [Some(&m.key), m.numerator.as_ref(), m.denominator.as_ref()])
        .flatten()
        .map(String::as_str)
        .collect();
    let linked_intervals = protect_declared_sums(&mut tables, &all, checked, &rules_of, &mut report)?;
    let total = metas.len().max(1);
    for (done, meta) in metas.into_iter().enumerate() {
        // One indicator at a time: the bar moves per indicator, and a cancel stops between them.
        check_cancel(progress)?;
        progress.report(done as f32 / total as f32, &format!("„{}“ prüfen", meta.key));
        let hidden: Vec<Option<(Reason, String)>>;
        let cells: Vec<Cell>;
        let mut intervals: Vec<Option<(f64, f64)>> = vec![None; tree.nodes.len()];
        let rules = rules_of(meta);
        match meta.kind {
            IndicatorKind::Count => {
                let (c, h) = tables.protect(meta, &rules)?;
                hidden = h.iter().zip(&c).map(|(h, c)| explain(h, *c, &rules)).collect();
                intervals = match linked_intervals.get(&meta.id) {
                    Some(linked) => linked.clone(),
                    None => attacker_bounds(&tree.parent, &c, &h).into_iter().map(Some).collect(),
                };
                cells = c;
            }
            IndicatorKind::Share | IndicatorKind::RatePer1000 => {
                let factor = if meta.kind == IndicatorKind::Share {
                    100.0
                } else {
                    1000.0
                };
                let Some(den_meta) = meta.denominator.as_deref().and_then(|d| by_key.get(d)).copied() else {
                    report.not_checked.push(NotChecked {
                        key: meta.key.clone(),
                        reason: "Nenner nicht angegeben: Fallzahlen nicht rückrechenbar, nicht geprüft".into(),
                    });
                    continue;
                };
                let (_, den_hidden) = tables.protect(den_meta, &rules_of(den_meta))?;
                let stored_numerator = match meta.numerator.as_deref().and_then(|k| by_key.get(k)).copied() {
                    Some(m) if has_values(m)? => Some(m),
                    _ => None,
                };
                // The numerator: stored, or the count implied by share × denominator.
                let (num_cells, num_hidden) = match stored_numerator {
                    Some(m) => tables.protect(m, &rules_of(m))?,
                    None => {
                        let share = tables.series(meta)?.clone();
                        let den = tables.series(den_meta)?;
                        let implied = tree.cells(
                            |l, id| {
                                let s = share.get(&(l, id))?.clone();
                                if s.status != ValueStatus::Ok {
                                    return Some(s);
                                }
                                let d = den.get(&(l, id)).filter(|d| d.status == ValueStatus::Ok)?;
                                Some(StoredValue {
                                    value: Some((s.value? * d.value? / factor).round()),
                                    ..s
                                })
                            },
                            true,
                        );
                        let hidden = protect_hierarchy(&tree.parent, &implied, &rules);
                        (implied, hidden)
                    }
                };
                cells = tables.cells(meta, false)?;
                let num_key = meta.numerator.clone().unwrap_or_default();
                hidden = (0..tree.nodes.len())
                    .map(|i| {
                        if cells[i] == Cell::Suppressed {
                            return Some((Reason::Source, "in der Quelle „k. A.“".into()));
                        }
                        let why = match (num_hidden[i], den_hidden[i]) {
                            (Some(h), _) if stored_numerator.is_none() => format!(
                                "Anteil × Nenner ergibt die Fallzahl {}{}",
                                value_text(num_cells[i]),
                                if h.reason == Reason::Secondary {
                                    " (sekundär geschützt)"
                                } else {
                                    ""
                                }
                            ),
                            (Some(_), _) => format!("Zähler „{num_key}“ ist „k. A.“"),
                            (None, Some(_)) => format!("Nenner „{}“ ist „k. A.“", den_meta.key),
                            (None, None) => return None,
                        };
                        Some((Reason::Derived, why))
                    })
                    .collect();
            }
            IndicatorKind::Categorical | IndicatorKind::Ratio | IndicatorKind::Unspecified => {
                report.not_checked.push(NotChecked {
                    key: meta.key.clone(),
                    reason: match meta.kind {
                        IndicatorKind::Categorical => "kategorial: keine Fallzahlen".into(),
                        IndicatorKind::Ratio => "Verhältniszahl ohne Fallzahlbezug: nicht geprüft".into(),
                        _ => "Art nicht angegeben: als Anzahl oder Anteil erklären, damit geprüft wird".into(),
                    },
                });
                continue;
            }
        }
        let mut counts = IndicatorSuppression {
            key: meta.key.clone(),
            threshold: rules.threshold,
            source: 0,
            primary: 0,
            derived: 0,
            secondary: 0,
        };
        for (i, (reason, detail)) in hidden.into_iter().enumerate().filter_map(|(i, h)| Some((i, h?))) {
            *match reason {
                Reason::Source => &mut counts.source,
                Reason::Primary => &mut counts.primary,
                Reason::Derived => &mut counts.derived,
                Reason::Secondary => &mut counts.secondary,
            } += 1;
            let (lvl, key, name) = tree.labels[i].clone();
            report.cells.push(SuppressedCell {
                indicator: meta.key.clone(),
                level: lvl,
                key,
                name,
                value: match cells[i] {
                    Cell::Value(v) => Some(v),
                    _ => None,
                },
                reason,
                detail,
                interval: intervals[i].map(|(low, high)| [Some(low), high.is_finite().then_some(high)]),
            });
        }
        report.indicators.push(counts);
    }
    if let Some(rule) = &request.min_population {
        let small = rule.small_areas(atlas, level.id, period.id)?;
        for a in atlas.areas(level.id)? {
            if let Some(reason) = small.get(&a.id) {
                report.small_areas.push(SmallArea {
                    key: a.key.to_string(),
                    name: a.name.to_string(),
                    reason: reason.clone(),
                });
            }
        }
    }
    Ok(report)
}
