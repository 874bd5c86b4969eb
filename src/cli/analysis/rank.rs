//! `quartier rank`: ranks with ties and the deviation from the Gesamtstadt value.

use anyhow::Result;
use clap::Args;
use quartier_core::analysis::rank::{rank, save_ranking, Ranking};
use quartier_core::numbers::format_german_or_no_data;

use crate::cli::common::{emit, open, SeriesArgs};
use crate::cli::Verb;

/// `quartier rank`
#[derive(Debug, Args)]
pub struct RankArgs {
    /// Atlas, Indikator, Ebene und Zeitraum
    #[command(flatten)]
    pub series: SeriesArgs,
    /// Rang 1 für den niedrigsten Wert
    #[arg(long)]
    pub ascending: bool,
    /// Rang und Verhältnis zur Gesamtstadt als INDIKATOR_rank und INDIKATOR_ref100 speichern
    #[arg(long)]
    pub save: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

impl Verb for RankArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.series.atlas)?;
        let s = &self.series;
        let result = if self.save {
            save_ranking(&mut atlas, &s.indicator, &s.level, &s.period, self.ascending)?
        } else {
            rank(&atlas, &s.indicator, &s.level, &s.period, self.ascending)?
        };
        emit(self.json, &result, print_rank)
    }
}

fn print_rank(r: &Ranking) {
    println!("„{}“ auf Ebene „{}“, {} ({}):", r.indicator, r.level, r.period, r.order);
    let reference = quartier_core::reference::ReferenceValue {
        value: r.reference,
        method: r.reference_method.clone(),
        areas_used: 0,
        status: r.reference_status,
        computed: None,
    };
    println!(
        "  Gesamtstadt: {} ({})",
        reference.display_de(r.decimals),
        r.reference_method
    );
    // Without a rule there is no reference to deviate from: "x" (not meaningful), as in
    // official tables; a reference that cannot be computed makes the deviation "k. A.".
    let relative = |v: Option<f64>, decimals: usize| match (v, r.reference_status) {
        (None, quartier_core::reference::ReferenceStatus::NoRule) => "x".to_string(),
        (v, _) => format_german_or_no_data(v, decimals),
    };
    for x in &r.areas {
        println!(
            "  {:>4}. {:<10} {:<32} {:>12} {:>+10} {:>8} %  Index {}",
            x.rank,
            x.key,
            x.name,
            format_german_or_no_data(Some(x.value), r.decimals),
            relative(x.deviation, r.decimals),
            relative(x.deviation_percent, 1),
            relative(x.index, 1)
        );
    }
    if !r.without_value.is_empty() {
        println!("  ohne Wert: {}", r.without_value.join(", "));
    }
    if !r.saved.is_empty() {
        println!("  gespeichert als {}", r.saved.join(", "));
    }
}
