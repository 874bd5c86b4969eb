//! # quartier-core
//!
//! The engine of Quartier, a workbench for small-area social monitoring in German
//! municipalities. It has no GUI dependency: the desktop app and the command line call
//! the same functions.
//!
//! - [`store`]: the atlas file (SQLite), its schema and migrations.
//! - [`import`]: geometry, values, points of interest and metadata, each all-or-nothing.
//! - [`info`]: what an atlas holds.
//! - [`export`]: value tables for Excel (CSV, XLSX).
//! - [`analysis`]: analyses on stored values (status and dynamics), stored as derived indicators.
//! - [`reference`]: the reference row (Gesamtstadt) by each indicator's aggregation rule.
//! - [`figure`], [`report`], [`story`]: maps, charts, area reports, profiles and stories.
//! - [`publish`]: the public bundle; [`exchange`]: signed packages between authorities.
//! - [`sample`]: builds the shipped Berlin sample atlas from its sources.
//! - [`crs`], [`numbers`], [`keys`], [`table`], [`geometry`], [`topology`]: the building blocks.
#![warn(missing_docs)]

pub mod analysis;
pub mod crs;
pub mod error;
pub mod exchange;
pub mod export;
pub mod figure;
pub mod geometry;
pub mod gis;
pub mod import;
pub mod info;
pub mod keys;
pub mod model;
pub mod numbers;
pub mod progress;
pub mod publish;
pub mod reference;
pub mod report;
pub mod sample;
pub mod store;
pub mod story;
pub mod table;
pub mod topology;

pub use error::{Error, Result};
pub use progress::{NoProgress, Progress};
pub use store::Atlas;

/// One stored value cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct StoredValue {
    /// The number, when the status is `ok` and the indicator is numeric.
    pub value: Option<f64>,
    /// The class text of a categorical indicator.
    pub text: Option<String>,
    /// Ok, missing, suppressed or not applicable.
    pub status: model::ValueStatus,
    /// The source's marker or a note.
    pub note: Option<String>,
    /// The sign of official statistics that goes with the number ("–", "( )", "p", "r",
    /// "s"), kept from the source and written back in exports.
    pub flag: Option<model::ValueFlag>,
}

impl StoredValue {
    /// The number when the status is `ok`; `None` for "k. A.", missing and "x".
    pub fn number(&self) -> Option<f64> {
        self.value.filter(|_| self.status == model::ValueStatus::Ok)
    }

    /// The value as a table shows it: the number in German notation with `decimals` and its
    /// sign of official statistics ("1.234 p", "–"), the class text, or "k. A.", "…", "x".
    pub fn display_de(&self, decimals: usize) -> String {
        match (self.number(), &self.text) {
            (Some(x), _) => {
                let number = numbers::format_german(x, decimals);
                match self.flag {
                    Some(flag) => flag.write(&number),
                    None => number,
                }
            }
            (None, Some(text)) if self.status == model::ValueStatus::Ok => text.clone(),
            _ => self.status.display_de().to_string(),
        }
    }
}
