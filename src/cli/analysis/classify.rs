//! `quartier classify`: map classes for one series.

use anyhow::Result;
use clap::{Args, ValueEnum};
use quartier_core::analysis::classify::{
    classify_series, save_classes, Method, SeriesClasses, NO_DATA_LABEL, SMALL_AREA_LABEL,
};
use quartier_core::Atlas;

use crate::cli::common::{emit, invalid, open, MinPopulationArgs, SeriesArgs};
use crate::cli::Verb;

/// `quartier classify`
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Atlas, Indikator, Ebene und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Verfahren und Klassen
    #[command(flatten)]
    pub classing: ClassesArgs,
    /// Mindesteinwohnerzahl
    #[command(flatten)]
    pub population: MinPopulationArgs,
    /// Klassen als INDIKATOR_class speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `--method M --classes K [--breaks …] [--width W] [--center C]`, shared by `classify` and
/// `export map|chart`.
#[derive(Debug, Args)]
pub struct ClassesArgs {
    /// Verfahren
    #[arg(long, value_enum, default_value = "equal-interval")]
    pub method: MethodArg,
    /// Klassenanzahl (KECK-Standard: 6)
    #[arg(long, default_value_t = 6)]
    pub classes: usize,
    /// Manuelle Klassengrenzen a,b,… (mit --method manual)
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true)]
    pub breaks: Vec<f64>,
    /// Klassenbreite in Standardabweichungen (mit --method stddev)
    #[arg(long, default_value_t = 1.0)]
    pub width: f64,
    /// Mitte divergierender Klassen: „reference“ (Gesamtstadtwert) oder eine Zahl (mit --method diverging)
    #[arg(long, default_value = "0", allow_hyphen_values = true, value_parser = parse_center)]
    pub center: Center,
}

/// Classification methods on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MethodArg {
    /// Gleiche Intervalle vom Minimum zum Maximum
    EqualInterval,
    /// Quantile (gleich viele Gebiete je Klasse)
    Quantile,
    /// Natürliche Unterbrechungen (exaktes Fisher–Jenks)
    Jenks,
    /// Standardabweichung um den Mittelwert
    Stddev,
    /// Runde Grenzen
    Pretty,
    /// Eigene Grenzen (--breaks)
    Manual,
    /// Boxplot mit 1,5- und 3-fachem Quartilsabstand
    Boxplot,
    /// Symmetrisch um eine Mitte (--center)
    Diverging,
}

/// The centre of diverging classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Center {
    /// The Gesamtstadt value of the series.
    Reference,
    /// A given number.
    Value(f64),
}

/// `reference` or a number in either notation (`0`, `-1.5`, `12,5`).
fn parse_center(text: &str) -> std::result::Result<Center, String> {
    let text = text.trim();
    if text == "reference" {
        return Ok(Center::Reference);
    }
    text.replace(',', ".")
        .parse::<f64>()
        .map(Center::Value)
        .map_err(|_| format!("„{text}“: „reference“ oder eine Zahl angeben"))
}

impl ClassesArgs {
    /// Resolves the method, with the Gesamtstadt value of the series as centre where asked for.
    pub fn resolve(&self, atlas: &Atlas, indicator: &str, level: &str, period: &str) -> Result<Method> {
        let a = self;
        Ok(match a.method {
            MethodArg::EqualInterval => Method::EqualInterval,
            MethodArg::Quantile => Method::Quantile,
            MethodArg::Jenks => Method::Jenks,
            MethodArg::Stddev => Method::StdDev { width: a.width },
            MethodArg::Pretty => Method::Pretty,
            MethodArg::Boxplot => Method::BoxPlot,
            MethodArg::Manual => {
                if a.breaks.is_empty() {
                    return Err(invalid("--method manual braucht --breaks a,b,…"));
                }
                Method::Manual {
                    breaks: a.breaks.clone(),
                }
            }
            MethodArg::Diverging => {
                let center = match a.center {
                    Center::Value(value) => value,
                    Center::Reference => {
                        let meta = atlas.indicator(indicator)?;
                        let level = atlas.level(level)?;
                        let period = atlas.period(period)?;
                        let r = quartier_core::reference::reference_value(atlas, &meta, level.id, period.id)?;
                        r.value
                            .ok_or_else(|| invalid(format!("Kein Gesamtstadtwert für „{indicator}“: {}", r.method)))?
                    }
                };
                Method::Diverging { center }
            }
        })
    }
}

impl Verb for ClassifyArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.series.atlas)?;
        let s = &self.series;
        let method = self.classing.resolve(&atlas, &s.indicator, &s.level, &s.period)?;
        let min_population = self.population.rule()?;
        let classes = if self.save {
            save_classes(
                &mut atlas,
                &s.indicator,
                &s.level,
                &s.period,
                &method,
                self.classing.classes,
                min_population.as_ref(),
            )?
        } else {
            classify_series(
                &atlas,
                &s.indicator,
                &s.level,
                &s.period,
                &method,
                self.classing.classes,
                min_population.as_ref(),
            )?
        };
        emit(self.json, &classes, print_classes)
    }
}

fn print_classes(c: &SeriesClasses) {
    println!("„{}“ auf Ebene „{}“, {}:", c.indicator, c.level, c.period);
    for (label, n) in c.labels.iter().zip(&c.counts) {
        println!("  {label:<28} {n:>6} Gebiete");
    }
    println!("  {:<28} {:>6} Gebiete", NO_DATA_LABEL, c.no_data);
    if c.small_areas > 0 {
        println!("  {:<28} {:>6} Gebiete", SMALL_AREA_LABEL, c.small_areas);
    }
    if !c.saved.is_empty() {
        println!("  gespeichert als {}", c.saved.join(", "));
    }
}
