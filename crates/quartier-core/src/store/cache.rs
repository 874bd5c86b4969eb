//! The one data path from the atlas file to analyses and views: every series is read from
//! SQLite once and kept in memory, keyed by (indicator, level, period), and so is each level's
//! list of areas and the indicators' metadata. Analyses, the table, the map, the diagrams and
//! the exports all read through [`crate::Atlas::values`], [`crate::Atlas::column`],
//! [`crate::Atlas::areas`] and [`crate::Atlas::indicator`], which answer from here.
//!
//! Invalidation:
//! - every write of this atlas goes through [`crate::Atlas::write`] (or [`crate::Atlas::trial`]),
//!   which empties the cache first, so a rolled-back dry run leaves nothing stale behind;
//! - a write by another connection to the same file (a second window, the CLI beside the app)
//!   changes SQLite's `PRAGMA data_version`, which is checked before each answer.

use std::collections::HashMap;
use std::sync::Arc;

use super::AreaRef;
use crate::model::ValueStatus;
use crate::StoredValue;

/// One series in memory: area id → value.
pub type Series = HashMap<i64, StoredValue>;

/// One series as columns aligned to the level's areas in key order
/// ([`crate::Atlas::level_areas`]): what the analyses compute on, like arrays in numpy.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// The number of each area; NaN where there is none (no cell, or not status ok).
    pub numbers: Vec<f64>,
    /// The status of each area's cell; `None` where the series has no cell for the area.
    pub status: Vec<Option<ValueStatus>>,
}

impl Column {
    /// An empty column for `n` areas.
    pub fn empty(n: usize) -> Self {
        Column {
            numbers: vec![f64::NAN; n],
            status: vec![None; n],
        }
    }

    /// Whether no area has a cell.
    pub fn is_empty(&self) -> bool {
        self.status.iter().all(Option::is_none)
    }

    /// The number of area `i` when its status is ok.
    pub fn number(&self, i: usize) -> Option<f64> {
        let x = self.numbers[i];
        (!x.is_nan()).then_some(x)
    }
}

/// Where each area id stands in its level's key order: a dense table over the id range
/// when the ids are close together (the usual case: a level's areas are imported at once),
/// otherwise a hash map. Decoding a series looks up every entry here.
#[derive(Debug)]
pub(crate) enum Positions {
    /// `table[id - first]` is the position plus one, 0 for an id not on the level.
    Dense { first: i64, table: Vec<u32> },
    /// Ids far apart.
    Sparse(HashMap<i64, usize>),
}

impl Positions {
    /// The positions of `areas` (in key order).
    pub(crate) fn new(areas: &[AreaRef]) -> Self {
        let (Some(first), Some(last)) = (areas.iter().map(|a| a.id).min(), areas.iter().map(|a| a.id).max()) else {
            return Positions::Sparse(HashMap::new());
        };
        let span = (last - first) as usize + 1;
        if span <= 4 * areas.len() + 64 {
            let mut table = vec![0u32; span];
            for (i, a) in areas.iter().enumerate() {
                table[(a.id - first) as usize] = i as u32 + 1;
            }
            Positions::Dense { first, table }
        } else {
            Positions::Sparse(areas.iter().enumerate().map(|(i, a)| (a.id, i)).collect())
        }
    }

    /// The position of an area id, `None` when it is not on the level.
    pub(crate) fn get(&self, id: i64) -> Option<usize> {
        match self {
            Positions::Dense { first, table } => {
                let slot = usize::try_from(id.checked_sub(*first)?).ok()?;
                match table.get(slot) {
                    Some(&p) if p > 0 => Some(p as usize - 1),
                    _ => None,
                }
            }
            Positions::Sparse(map) => map.get(&id).copied(),
        }
    }
}

/// A level's areas with the position of each area id in that order.
#[derive(Debug)]
pub(crate) struct LevelAreas {
    pub(crate) areas: Arc<Vec<AreaRef>>,
    pub(crate) position: Arc<Positions>,
    pub(crate) merged: Arc<Vec<MergedArea>>,
}

/// A combined area of a level and its members ("Moorfleet und Tatenberg"), as positions in
/// the level's key order ([`crate::Atlas::level_areas`]).
///
/// Per series the combined area **stands in** for its members where it has a cell and none
/// of its members has one: then tables, maps and rankings show it, and aggregation and the
/// reference count its value once in place of the members' gaps. Where a member has a cell,
/// the members carry the detail and the combined area's cell is left out of the series
/// ([`Column`] and [`Series`] as read through the atlas), so that nothing is counted twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedArea {
    /// Position of the combined area.
    pub combined: usize,
    /// Positions of its members.
    pub members: Vec<usize>,
}

/// What a merged area is in one series, apart from an area with its own value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergedRole {
    /// A member without a cell whose combined area (this position) stands in for it.
    CoveredBy(usize),
    /// A combined area that stands in for nothing here (no cell, or its members have cells).
    Idle,
}

/// The merged areas of one series that are not areas on their own: members covered by their
/// combined area, and idle combined areas (positions → role). `has_cell(position)`: whether
/// the series (as read through the atlas, [`mask_merged_column`]) has a cell there. Neither
/// is "k. A." in a legend or a count of areas without value.
pub fn merged_roles(merged: &[MergedArea], has_cell: impl Fn(usize) -> bool) -> HashMap<usize, MergedRole> {
    let mut roles = HashMap::new();
    for m in merged {
        if has_cell(m.combined) {
            for &member in &m.members {
                roles.insert(member, MergedRole::CoveredBy(m.combined));
            }
        } else {
            roles.insert(m.combined, MergedRole::Idle);
        }
    }
    roles
}

/// Leaves out the cells of combined areas whose members have cells of their own.
pub(crate) fn mask_merged_column(column: &mut Column, merged: &[MergedArea]) {
    for m in merged {
        if m.members.iter().any(|&i| column.status[i].is_some()) {
            column.status[m.combined] = None;
            column.numbers[m.combined] = f64::NAN;
        }
    }
}

/// [`mask_merged_column`] for a series by area id.
pub(crate) fn mask_merged_series(series: &mut Series, areas: &[AreaRef], merged: &[MergedArea]) {
    for m in merged {
        if m.members.iter().any(|&i| series.contains_key(&areas[i].id)) {
            series.remove(&areas[m.combined].id);
        }
    }
}

/// What has been read, and the file version it was read at.
#[derive(Debug, Default)]
pub(crate) struct SeriesCache {
    /// `PRAGMA data_version` when the entries were read.
    pub(crate) data_version: Option<i64>,
    /// (indicator id, level id, period id) → series.
    pub(crate) series: HashMap<(i64, i64, i64), Arc<Series>>,
    /// level id → areas in key order, with each id's position.
    pub(crate) areas: HashMap<i64, LevelAreas>,
    /// (indicator id, level id, period id) → the series as columns.
    pub(crate) columns: HashMap<(i64, i64, i64), Arc<Column>>,
    /// The indicators' metadata.
    pub(crate) indicators: Option<Arc<Vec<crate::model::IndicatorMeta>>>,
    /// `PRAGMA data_version` when [`crate::Atlas::changed_elsewhere`] last looked.
    pub(crate) announced_version: Option<i64>,
}

impl SeriesCache {
    /// Forgets everything read.
    pub(crate) fn clear(&mut self) {
        self.series.clear();
        self.areas.clear();
        self.columns.clear();
        self.indicators = None;
    }

    /// Forgets everything when the file changed under another connection.
    pub(crate) fn check_version(&mut self, version: i64) {
        if self.data_version != Some(version) {
            self.clear();
            self.data_version = Some(version);
        }
    }
}
