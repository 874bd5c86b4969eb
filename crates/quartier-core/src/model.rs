//! The domain model: levels, areas, indicators, periods, values, points of interest.

use serde::{Deserialize, Serialize};

/// The status of one value cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueStatus {
    /// A real number.
    Ok,
    /// Nothing was reported.
    Missing,
    /// Not meaningful for this area ("x" in official tables).
    NotApplicable,
    /// Suppressed for data protection; shown as "k. A.".
    Suppressed,
}

impl ValueStatus {
    /// The integer stored in the atlas file.
    pub fn code(self) -> i64 {
        match self {
            ValueStatus::Ok => 0,
            ValueStatus::Missing => 1,
            ValueStatus::NotApplicable => 2,
            ValueStatus::Suppressed => 3,
        }
    }

    /// Reads the stored integer; unknown codes count as missing.
    pub fn from_code(code: i64) -> Self {
        match code {
            0 => ValueStatus::Ok,
            2 => ValueStatus::NotApplicable,
            3 => ValueStatus::Suppressed,
            _ => ValueStatus::Missing,
        }
    }

    /// How the status is shown in tables and written to exports: "k. A." for suppressed,
    /// "…" for missing (*Angabe fällt später an*; never "–", which official tables read as
    /// zero), "x" for not meaningful.
    pub fn display_de(self) -> &'static str {
        match self {
            ValueStatus::Ok => "",
            ValueStatus::Missing => "…",
            ValueStatus::NotApplicable => "x",
            ValueStatus::Suppressed => "k. A.",
        }
    }
}

/// The legend of the signs under tables and in exports.
pub const SIGNS_LEGEND: &str = "Zeichen: „–“ = nichts vorhanden (genau null), „…“ = Angabe fehlt, \
„k. A.“ = keine Angabe (Datenschutz oder geheim), „x“ = nicht sinnvoll; „( )“ = Aussagewert eingeschränkt, \
„p“ = vorläufig, „r“ = berichtigt, „s“ = geschätzt.";

/// A sign of official statistics that goes with a number (the *Zeichenerklärung* of the
/// statistical offices): the number is kept, the sign travels with it into tables and exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueFlag {
    /// "–": nothing there, exactly zero.
    Nothing,
    /// "( )" around the number: limited reliability.
    Uncertain,
    /// "p" after the number: provisional.
    Provisional,
    /// "r" after the number: revised.
    Revised,
    /// "s" after the number: estimated.
    Estimated,
}

impl ValueFlag {
    /// Every flag, in the order of the *Zeichenerklärung*.
    pub const ALL: [ValueFlag; 5] = [
        ValueFlag::Nothing,
        ValueFlag::Uncertain,
        ValueFlag::Provisional,
        ValueFlag::Revised,
        ValueFlag::Estimated,
    ];

    /// The one-character code stored in the atlas.
    pub fn code(self) -> char {
        match self {
            ValueFlag::Nothing => '-',
            ValueFlag::Uncertain => 'u',
            ValueFlag::Provisional => 'p',
            ValueFlag::Revised => 'r',
            ValueFlag::Estimated => 's',
        }
    }

    /// Reads a stored code.
    pub fn from_code(code: char) -> Option<Self> {
        ValueFlag::ALL.into_iter().find(|f| f.code() == code)
    }

    /// The sign as the *Zeichenerklärung* prints it.
    pub fn sign(self) -> &'static str {
        match self {
            ValueFlag::Nothing => "–",
            ValueFlag::Uncertain => "( )",
            ValueFlag::Provisional => "p",
            ValueFlag::Revised => "r",
            ValueFlag::Estimated => "s",
        }
    }

    /// What the sign means, in German.
    pub fn meaning_de(self) -> &'static str {
        match self {
            ValueFlag::Nothing => "nichts vorhanden (genau null)",
            ValueFlag::Uncertain => "Aussagewert eingeschränkt",
            ValueFlag::Provisional => "vorläufige Zahl",
            ValueFlag::Revised => "berichtigte Zahl",
            ValueFlag::Estimated => "geschätzte Zahl",
        }
    }

    /// A number written in German notation with its sign, as official tables write it:
    /// "–", "(1.234)", "1.234 p".
    pub fn write(self, number: &str) -> String {
        match self {
            ValueFlag::Nothing => "–".to_string(),
            ValueFlag::Uncertain => format!("({number})"),
            other => format!("{number} {}", other.sign()),
        }
    }
}

/// What an indicator measures; decides how it aggregates and whether it is suppressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Persons, households, places: summed.
    Count,
    /// A share in percent of a denominator.
    Share,
    /// A rate per 1,000.
    RatePer1000,
    /// Another ratio (density, persons per household).
    Ratio,
    /// Text classes such as "Stadtteiltyp".
    Categorical,
    /// Not yet declared.
    Unspecified,
}

impl IndicatorKind {
    /// The stored and command-line spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::Count => "count",
            IndicatorKind::Share => "share",
            IndicatorKind::RatePer1000 => "rate_per_1000",
            IndicatorKind::Ratio => "ratio",
            IndicatorKind::Categorical => "categorical",
            IndicatorKind::Unspecified => "unspecified",
        }
    }

    /// Parses English or German spellings ("Anzahl", "Anteil", "Quote" …).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_lowercase().as_str() {
            "count" | "anzahl" | "absolut" | "absolutzahl" => IndicatorKind::Count,
            "share" | "anteil" | "prozent" | "quote" | "percent" => IndicatorKind::Share,
            "rate_per_1000" | "rate" | "rate je 1000" | "je 1000" | "promille" => IndicatorKind::RatePer1000,
            "ratio" | "verhältnis" | "verhaeltnis" | "dichte" | "mittelwert" => IndicatorKind::Ratio,
            "categorical" | "kategorial" | "kategorie" | "text" => IndicatorKind::Categorical,
            "" | "unspecified" | "unbekannt" => IndicatorKind::Unspecified,
            _ => return None,
        })
    }
}

/// How values of an indicator combine into a larger area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", content = "by")]
pub enum AggregationRule {
    /// Counts: the sum.
    Sum,
    /// Shares and rates: recomputed from the summed numerator and denominator.
    RatioOfSums,
    /// A mean weighted by another indicator (its key).
    WeightedMean(String),
    /// Refuses to aggregate.
    NotAggregable,
    /// Not yet declared.
    Unspecified,
}

impl AggregationRule {
    /// The stored spelling: `sum`, `ratio_of_sums`, `weighted_mean:KEY`, `not_aggregable`, ``.
    pub fn to_stored(&self) -> String {
        match self {
            AggregationRule::Sum => "sum".into(),
            AggregationRule::RatioOfSums => "ratio_of_sums".into(),
            AggregationRule::WeightedMean(by) => format!("weighted_mean:{by}"),
            AggregationRule::NotAggregable => "not_aggregable".into(),
            AggregationRule::Unspecified => String::new(),
        }
    }

    /// The rule in the words of the metadata sheet ("Summe", "Quotient der Summen",
    /// "gewichtetes Mittel:ew", "nicht aggregierbar"; "keine Regel" when undeclared), which
    /// [`AggregationRule::parse`] reads back.
    pub fn describe_de(&self) -> String {
        match self {
            AggregationRule::Sum => "Summe".into(),
            AggregationRule::RatioOfSums => "Quotient der Summen".into(),
            AggregationRule::WeightedMean(by) => format!("gewichtetes Mittel:{by}"),
            AggregationRule::NotAggregable => "nicht aggregierbar".into(),
            AggregationRule::Unspecified => "keine Regel".into(),
        }
    }

    /// Parses the stored spelling and the German words of a metadata sheet.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim();
        let lower = t.to_lowercase();
        for prefix in [
            "weighted_mean:",
            "gewichtetes mittel:",
            "gewichtet:",
            "weighted mean by ",
        ] {
            if lower.starts_with(prefix) {
                return Some(AggregationRule::WeightedMean(t[prefix.len()..].trim().to_string()));
            }
        }
        Some(match lower.as_str() {
            "sum" | "summe" => AggregationRule::Sum,
            "ratio_of_sums" | "quotient" | "quotient der summen" | "anteil" => AggregationRule::RatioOfSums,
            "not_aggregable" | "nicht aggregierbar" | "keine" => AggregationRule::NotAggregable,
            "" | "unspecified" => AggregationRule::Unspecified,
            _ => return None,
        })
    }
}

/// Whether a high value is good or bad, for colours and composite indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// High values are favourable.
    HigherIsBetter,
    /// High values are unfavourable (unemployment, transfer receipt).
    HigherIsWorse,
    /// Neither.
    Neutral,
}

impl Polarity {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Polarity::HigherIsBetter => "higher_is_better",
            Polarity::HigherIsWorse => "higher_is_worse",
            Polarity::Neutral => "neutral",
        }
    }

    /// Parses English or German spellings (`+`, `-`, "hoch ist gut" …).
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text.trim().to_lowercase().as_str() {
            "higher_is_better" | "+" | "positiv" | "hoch ist gut" | "höher ist besser" => Polarity::HigherIsBetter,
            "higher_is_worse" | "-" | "negativ" | "hoch ist schlecht" | "höher ist schlechter" => {
                Polarity::HigherIsWorse
            }
            "neutral" | "" | "0" => Polarity::Neutral,
            _ => return None,
        })
    }
}

/// A spatial level such as "Bezirk" or "Planungsraum".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Level {
    /// Row id in the atlas.
    pub id: i64,
    /// The level's name, unique in the atlas.
    pub name: String,
    /// The next coarser level, if the levels nest.
    pub parent_level_id: Option<i64>,
    /// Position in lists, coarse to fine.
    pub sort_order: i64,
}

/// An indicator's metadata.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorMeta {
    /// Row id in the atlas.
    pub id: i64,
    /// Short key, e.g. `s1`.
    pub key: String,
    /// German display name.
    pub name: String,
    /// Topic path, e.g. "Soziales/Arbeitsmarkt".
    pub topic: String,
    /// Unit as shown ("%", "Personen").
    pub unit: String,
    /// Decimals to show.
    pub decimals: i64,
    /// What the indicator measures.
    pub kind: IndicatorKind,
    /// Key of the numerator indicator, for shares and rates.
    pub numerator: Option<String>,
    /// Key of the denominator indicator, for shares and rates.
    pub denominator: Option<String>,
    /// How it aggregates.
    pub aggregation: AggregationRule,
    /// Whether high is good.
    pub polarity: Polarity,
    /// Definition, formula, validity notes.
    pub description: String,
    /// Data holder and source.
    pub source: String,
    /// Counts from 1 to this many are suppressed ("k. A."); `None`: the atlas default, 0: never.
    pub suppression_threshold: Option<i64>,
    /// For a count: the keys of the counts that add up to it in every area and period
    /// (declared, e.g. the age groups of the residents); empty when none is declared.
    #[serde(default)]
    pub sum_of: Vec<String>,
    /// For a computed indicator: its formula over other indicators of the same area and
    /// period (see [`crate::analysis::compute`]); `None` for an imported one.
    #[serde(default)]
    pub formula: Option<String>,
}

/// A reference period (Stichtag) with its label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Period {
    /// Row id in the atlas.
    pub id: i64,
    /// As the user wrote it: "2019", "31.12.2019", "2014/2015".
    pub label: String,
    /// ISO date of the Stichtag when the label names one.
    pub date: Option<String>,
}

/// Derives the ISO date of a period label: `2019` → 2019-12-31, `31.12.2019`, `2019-06-30`,
/// `2014/2015` → 2015-12-31 (end of the later year); within the year the end of the quarter
/// (`2020 Q2`, `Q2/2020`, `2. Quartal 2020`), of the half year (`1. Halbjahr 2020`, `H1
/// 2020`) or of the month (`06/2021`, `2021-06`, `06.2021`, `Juni 2021`).
///
/// ```
/// use quartier_core::model::period_date;
/// assert_eq!(period_date("2019").as_deref(), Some("2019-12-31"));
/// assert_eq!(period_date("30.06.2020").as_deref(), Some("2020-06-30"));
/// assert_eq!(period_date("SEU 2013").as_deref(), Some("2013-12-31"));
/// assert_eq!(period_date("2020 Q2").as_deref(), Some("2020-06-30"));
/// assert_eq!(period_date("1. Quartal 2021").as_deref(), Some("2021-03-31"));
/// assert_eq!(period_date("06/2021").as_deref(), Some("2021-06-30"));
/// assert_eq!(period_date("Februar 2024").as_deref(), Some("2024-02-29"));
/// assert_eq!(period_date("2. Halbjahr 2019").as_deref(), Some("2019-12-31"));
/// assert_eq!(period_date("Frühjahr"), None);
/// ```
pub fn period_date(label: &str) -> Option<String> {
    let t = label.trim();
    if let Some(date) = within_year(t) {
        return Some(date);
    }
    let parts: Vec<&str> = t.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        let (d, m, y) = (
            parts[0].parse::<u32>().ok()?,
            parts[1].parse::<u32>().ok()?,
            parts[2].parse::<u32>().ok()?,
        );
        if (1..=31).contains(&d) && (1..=12).contains(&m) && y >= 1800 {
            return Some(format!("{y:04}-{m:02}-{d:02}"));
        }
        return None;
    }
    if t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
        return Some(t.to_string());
    }
    // The last four-digit year in the label.
    let mut year = None;
    for token in t.split(|c: char| !c.is_ascii_digit()) {
        if token.len() == 4 {
            if let Ok(y) = token.parse::<u32>() {
                if (1800..=2200).contains(&y) {
                    year = Some(y);
                }
            }
        }
    }
    year.map(|y| format!("{y:04}-12-31"))
}

/// The number of days of `month` (1–12) in `year` (Gregorian).
pub(crate) fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The last day of `month` in `year`.
fn month_end(year: u32, month: u32) -> String {
    let day = days_in_month(year, month);
    format!("{year:04}-{month:02}-{day:02}")
}

/// A period within a year: quarter, half year or month, dated at its end.
fn within_year(label: &str) -> Option<String> {
    let lower = label.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '-' | '.' | ','))
        .filter(|w| !w.is_empty())
        .collect();
    let year = words
        .iter()
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<u32>().ok())
        .find(|y| (1800..=2200).contains(y))?;
    let number = |w: &str| w.parse::<u32>().ok();
    let position = |names: &[&str]| words.iter().position(|w| names.contains(w));
    // "Q2", "2. Quartal", "II. Quartal" (Roman numerals up to IV).
    let roman = |w: &str| match w {
        "i" => Some(1),
        "ii" => Some(2),
        "iii" => Some(3),
        "iv" => Some(4),
        _ => None,
    };
    let before = |i: usize| {
        i.checked_sub(1)
            .and_then(|j| number(words[j]).or_else(|| roman(words[j])))
    };
    let quarter = words
        .iter()
        .find_map(|w| w.strip_prefix('q').and_then(number))
        .or_else(|| position(&["quartal", "quartals"]).and_then(before));
    if let Some(q) = quarter.filter(|q| (1..=4).contains(q)) {
        return Some(month_end(year, q * 3));
    }
    let half = words
        .iter()
        .find_map(|w| w.strip_prefix('h').and_then(number))
        .or_else(|| position(&["halbjahr", "halbjahres", "hj"]).and_then(before));
    if let Some(h) = half.filter(|h| (1..=2).contains(h)) {
        return Some(month_end(year, h * 6));
    }
    const MONTHS: [&str; 12] = [
        "januar",
        "februar",
        "märz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "dezember",
    ];
    if let Some(m) = words.iter().find_map(|w| {
        MONTHS
            .iter()
            .position(|name| *w == *name || (w.len() >= 3 && name.starts_with(*w)))
            .map(|i| i as u32 + 1)
    }) {
        return Some(month_end(year, m));
    }
    // "06/2021", "2021-06", "06.2021": exactly a month and a year.
    if words.len() == 2 {
        let month = words.iter().filter(|w| w.len() <= 2).find_map(|w| number(w))?;
        if (1..=12).contains(&month) {
            return Some(month_end(year, month));
        }
    }
    None
}

/// The suppression rules of an atlas or a run: which counts become "k. A.".
///
/// A model type, so that the store can persist them without depending on the analysis
/// that applies them ([`crate::analysis::suppress`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuppressionRules {
    /// Counts from 1 to this many are suppressed; 0 suppresses none.
    pub threshold: i64,
    /// Whether a count of 0 is suppressed too.
    pub suppress_zero: bool,
}

impl Default for SuppressionRules {
    fn default() -> Self {
        SuppressionRules {
            threshold: 3,
            suppress_zero: false,
        }
    }
}

impl SuppressionRules {
    /// Whether a count falls under primary suppression. Only whole numbers are counts of
    /// persons or cases: 1,3 km² in a column declared as a count is no case count (the import
    /// warns about such a column).
    ///
    /// ```
    /// let rules = quartier_core::model::SuppressionRules::default();
    /// assert!(rules.is_small(3.0) && rules.is_small(1.0));
    /// assert!(!rules.is_small(0.0) && !rules.is_small(4.0));
    /// assert!(!rules.is_small(1.3) && !rules.is_small(2.7));
    /// ```
    pub fn is_small(&self, count: f64) -> bool {
        if count.fract() != 0.0 {
            return false;
        }
        (count == 0.0 && self.suppress_zero) || (count > 0.0 && count <= self.threshold as f64)
    }
}
