//! `quartier query`: read-only SQL over the view `werte` of the atlas's values, suppressed
//! unless `--intern`; printed as a table, as JSON or written as CSV.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::query::{query, QueryResult};

use crate::cli::common::{emit, open};
use crate::cli::Verb;

/// `quartier query`
#[derive(Debug, Args)]
pub struct QueryArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Die Abfrage, z. B. "SELECT key, name, ew FROM werte WHERE ebene = 'Bezirk' AND periode = '2020'"
    #[arg(long)]
    pub sql: String,
    /// Ergebnis als CSV (deutsche Schreibweise) in diese Datei schreiben
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Ungeschützte Werte (ohne Geheimhaltung; nur für den Dienstgebrauch)
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for QueryArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let result = query(&atlas, &self.sql, self.intern)?;
        if let Some(out) = &self.out {
            result.write_csv(out)?;
        }
        emit(self.json, &result, |r| print_result(r, self.out.as_deref()))
    }
}

fn print_result(r: &QueryResult, out: Option<&std::path::Path>) {
    let widths: Vec<usize> = (0..r.columns.len())
        .map(|c| {
            (0..r.rows.len())
                .map(|row| r.display_de(row, c).chars().count())
                .chain(std::iter::once(r.columns[c].chars().count()))
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    println!("{}", line(r.columns.clone()));
    for row in 0..r.rows.len() {
        println!("{}", line((0..r.columns.len()).map(|c| r.display_de(row, c)).collect()));
    }
    println!("{} Zeilen{}", r.rows.len(), if r.truncated { " (gekürzt)" } else { "" });
    println!("{}", r.note());
    if let Some(out) = out {
        println!("geschrieben: {}", out.display());
    }
}
