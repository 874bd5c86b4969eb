//! `quartier export package` and `quartier import package`: signed data packages between a
//! Kreis and its Gemeinden (see `quartier_core::exchange`).

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, ValueEnum};
use quartier_core::exchange::{export_package, import_package, PackageImport, PackageRequest, Prefer};

use super::common::{emit, keys, open, stderr_progress};
use super::Verb;

/// `quartier export package`
#[derive(Debug, Args)]
pub struct PackageExportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Zieldatei (.quartier-paket)
    #[arg(long)]
    pub out: PathBuf,
    /// Ebenen (ohne Angabe: alle)
    #[arg(long, value_delimiter = ',')]
    pub levels: Vec<String>,
    /// Indikatoren (ohne Angabe: alle)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Zeiträume (ohne Angabe: alle)
    #[arg(long, value_delimiter = ',')]
    pub periods: Vec<String>,
    /// Für den Austausch zwischen Behörden: ohne Geheimhaltung
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// Which side wins a conflict.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PreferArg {
    /// Der Wert im Atlas bleibt
    Atlas,
    /// Der Wert aus dem Paket ersetzt ihn
    Package,
}

/// `quartier import package`
#[derive(Debug, Args)]
pub struct PackageImportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Das Datenpaket (.quartier-paket)
    pub file: PathBuf,
    /// Bei abweichenden Werten: atlas (behalten, Standard) oder package (übernehmen)
    #[arg(long, value_enum, default_value = "atlas")]
    pub prefer: PreferArg,
    /// Nur prüfen und berichten, nichts schreiben
    #[arg(long)]
    pub check: bool,
    /// Dem Absender unter diesem Namen vertrauen (beim ersten Paket, nach Abgleich des Fingerabdrucks)
    #[arg(long)]
    pub trust: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for PackageExportArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let request = PackageRequest {
            levels: keys(&self.levels),
            indicators: keys(&self.indicators),
            periods: keys(&self.periods),
            intern: self.intern,
        };
        let sent = export_package(&mut atlas, &request, &self.out)?;
        emit(self.json, &sent, |s| {
            println!(
                "{}: {} Ebenen, {} Indikatoren, {} Zeiträume, {} Werte{}",
                s.file,
                s.levels,
                s.indicators,
                s.periods,
                s.values,
                quartier_core::export::protection_note(s.intern, s.suppressed_cells)
            );
            println!("Signiert; Fingerabdruck für den Empfänger: {}", s.fingerprint);
        })
    }
}

impl Verb for PackageImportArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let options = PackageImport {
            prefer: match self.prefer {
                PreferArg::Atlas => Prefer::Atlas,
                PreferArg::Package => Prefer::Package,
            },
            check: self.check,
            trust: self.trust.clone(),
        };
        let got = import_package(&mut atlas, &self.file, &options, &stderr_progress(!self.json))?;
        emit(self.json, &got, |g| {
            println!(
                "{}Paket von {} ({}, {}): {} Werte neu, {} gleich, {} abweichend{}",
                if g.checked_only {
                    "Probelauf – nichts geschrieben. "
                } else {
                    ""
                },
                g.sender,
                g.trusted_as,
                g.fingerprint,
                g.values_added,
                g.values_unchanged,
                g.conflicts.len(),
                if g.overwritten > 0 {
                    format!(" ({} aus dem Paket übernommen)", g.overwritten)
                } else {
                    String::new()
                }
            );
            for (what, list) in [
                ("Neue Ebenen", &g.levels_created),
                ("Neue Indikatoren", &g.indicators_created),
                ("Neue Zeiträume", &g.periods_created),
            ] {
                if !list.is_empty() {
                    println!("{what}: {}", list.join(", "));
                }
            }
            for c in g.conflicts.iter().take(20) {
                let v = |x: Option<f64>| x.map_or("k. A.".to_string(), |x| quartier_core::numbers::format_german(x, 2));
                println!(
                    "  {} · {} {} · {}: Atlas {} / Paket {}",
                    c.indicator,
                    c.level,
                    c.key,
                    c.period,
                    v(c.atlas),
                    v(c.package)
                );
            }
            for (level, n) in &g.unknown_areas {
                println!("Hinweis: {n} Werte für Gebiete, die es auf Ebene „{level}“ im Atlas nicht gibt");
            }
        })
    }
}
