//! `quartier report area|profiles|template|text`: the Gebietsbericht of 1 to 6 areas as PDF,
//! DOCX or XLSX, the book of Quartiersprofile as PDF (suppressed unless `--intern`), and what
//! the book prints besides the data: profile templates and the areas' interpretation texts.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};
use quartier_core::report::area::{area_report, write_area_report, AreaReportRequest, AreaReportSummary};

use quartier_core::report::profiles::{write_profiles, ProfilesRequest, ProfilesSummary};
use quartier_core::store::{ProfileSection, ProfileTemplate};

use super::common::{emit, invalid, open, stderr_progress};
use super::Verb;

/// `quartier report …`
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Gebietsbericht: 1 bis 6 Gebiete nebeneinander mit allen Indikatoren, Index, Lage und Trend
    Area(AreaReportArgs),
    /// Quartiersprofile: ein Profil je Gebiet einer Ebene, das ganze Buch als PDF
    Profiles(ProfilesArgs),
    /// Profilvorlage speichern (Abschnitte mit ihren Indikatoren) oder die gespeicherten zeigen
    Template(TemplateArgs),
    /// Einschätzungstext eines Gebiets für sein Profil setzen (leer: löschen)
    Text(TextArgs),
}

/// `quartier report profiles`
#[derive(Debug, Args)]
pub struct ProfilesArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene, deren Gebiete je ein Profil bekommen
    #[arg(long)]
    pub level: String,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Zieldatei (.pdf)
    #[arg(long)]
    pub out: PathBuf,
    /// Nur diese Gebiete (Schlüssel)
    #[arg(long, value_delimiter = ',')]
    pub areas: Vec<String>,
    /// Profilvorlage (ohne Angabe: ein Abschnitt je Thema)
    #[arg(long)]
    pub template: Option<String>,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür auf jeder Seite als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier report template`
#[derive(Debug, Args)]
pub struct TemplateArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Name der Vorlage (ohne --section: die gespeicherten Vorlagen zeigen)
    #[arg(long)]
    pub name: Option<String>,
    /// Abschnitt als „Titel=indikator1,indikator2“, in der Reihenfolge des Profils (mehrfach)
    #[arg(long)]
    pub section: Vec<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier report text`
#[derive(Debug, Args)]
pub struct TextArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Ebene
    #[arg(long)]
    pub level: String,
    /// Gebiet (Schlüssel)
    #[arg(long)]
    pub area: String,
    /// Der Text (leer: löschen)
    #[arg(long, conflicts_with = "text_file")]
    pub text: Option<String>,
    /// Der Text aus einer Datei (UTF-8)
    #[arg(long)]
    pub text_file: Option<PathBuf>,
    /// Verfasserin oder Verfasser
    #[arg(long, default_value = "")]
    pub author: String,
}

/// `quartier report area`
#[derive(Debug, Args)]
pub struct AreaReportArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Gebiete (Schlüssel, beliebige Ebenen; EBENE:SCHLÜSSEL, wo ein Schlüssel auf mehreren Ebenen vorkommt)
    #[arg(long, value_delimiter = ',', required = true)]
    pub areas: Vec<String>,
    /// Zeitraum
    #[arg(long)]
    pub period: String,
    /// Zieldatei (.pdf, .docx, .xlsx)
    #[arg(long)]
    pub out: PathBuf,
    /// Für den Dienstgebrauch: ohne Geheimhaltung, dafür auf jeder Seite als intern gekennzeichnet
    #[arg(long)]
    pub intern: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for ReportCommand {
    fn run(self) -> Result<()> {
        match self {
            ReportCommand::Area(a) => a.run(),
            ReportCommand::Profiles(a) => a.run(),
            ReportCommand::Template(a) => a.run(),
            ReportCommand::Text(a) => a.run(),
        }
    }
}

impl Verb for AreaReportArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let report = area_report(
            &atlas,
            &AreaReportRequest {
                map: None,
                areas: self.areas.clone(),
                period: self.period.clone(),
                intern: self.intern,
            },
        )?;
        let summary = write_area_report(&report, &self.out)?;
        emit(self.json, &summary, |s: &AreaReportSummary| {
            println!("{}: {} ({} Indikatoren)", s.file, s.title, s.indicators);
            if s.intern {
                println!("  {}", quartier_core::export::INTERNAL_MARKING);
            } else {
                println!("  {} Zellen geheim gehalten (k. A.)", s.suppressed_cells);
            }
        })
    }
}

impl Verb for ProfilesArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        let summary = write_profiles(
            &atlas,
            &ProfilesRequest {
                level: self.level.clone(),
                period: self.period.clone(),
                areas: self.areas.clone(),
                template: self.template.clone(),
                intern: self.intern,
            },
            &self.out,
            &stderr_progress(!self.json),
        )?;
        emit(self.json, &summary, |s: &ProfilesSummary| {
            println!(
                "{}: {} Profile ({}, {}), {} Seiten, Vorlage „{}“",
                s.file, s.profiles, s.level, s.period, s.pages, s.template
            );
            if s.intern {
                println!("  {}", quartier_core::export::INTERNAL_MARKING);
            } else {
                println!("  {} Zellen geheim gehalten (k. A.)", s.suppressed_cells);
            }
        })
    }
}

impl Verb for TemplateArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        if !self.section.is_empty() {
            let name = self
                .name
                .clone()
                .ok_or_else(|| invalid("Eine Profilvorlage braucht --name"))?;
            let mut sections = Vec::new();
            for spec in &self.section {
                let (title, keys) = spec
                    .split_once('=')
                    .ok_or_else(|| invalid(format!("--section „{spec}“: erwartet „Titel=indikator1,indikator2“")))?;
                sections.push(ProfileSection {
                    title: title.trim().to_string(),
                    indicators: quartier_core::store::key_list(keys),
                });
            }
            atlas.save_profile_template(&ProfileTemplate { name, sections })?;
        }
        /// What `report template` prints.
        #[derive(serde::Serialize)]
        struct Templates {
            templates: Vec<ProfileTemplate>,
        }
        let templates = Templates {
            templates: atlas.profile_templates()?,
        };
        emit(self.json, &templates, |t: &Templates| {
            let ts = &t.templates;
            if ts.is_empty() {
                println!(
                    "Keine Profilvorlagen gespeichert (die Quartiersprofile nehmen dann einen Abschnitt je Thema)."
                );
            }
            for t in ts {
                println!("„{}“:", t.name);
                for s in &t.sections {
                    println!("  {}: {}", s.title, s.indicators.join(", "));
                }
            }
        })
    }
}

impl Verb for TextArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let text = match (&self.text, &self.text_file) {
            (Some(t), _) => t.clone(),
            (None, Some(f)) => std::fs::read_to_string(f).map_err(|e| quartier_core::Error::io(f, e))?,
            (None, None) => return Err(invalid("--text oder --text-file angeben (leerer Text löscht)")),
        };
        atlas.set_area_text(&self.level, &self.area, &text, &self.author)?;
        println!(
            "Profiltext von „{}“ ({}) {}",
            self.area,
            self.level,
            if text.trim().is_empty() {
                "gelöscht"
            } else {
                "gespeichert"
            }
        );
        Ok(())
    }
}
