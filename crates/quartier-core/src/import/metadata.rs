//! Indicator metadata from a metadata sheet (CSV or XLSX), one row per indicator.
//!
//! Recognised columns (German or English headers): `key`/`Schlüssel`, `name`/`Name`,
//! `topic`/`Thema`, `unit`/`Einheit`, `decimals`/`Nachkommastellen`, `kind`/`Art`,
//! `numerator`/`Zähler`, `denominator`/`Nenner`, `aggregation`/`Aggregation`,
//! `polarity`/`Polarität`, `description`/`Beschreibung`, `source`/`Quelle`,
//! `suppression_threshold`/`Geheimhaltungsschwelle` (empty: the atlas default; 0: never),
//! `sum_of`/`Summe aus` (the counts that add up to this one, comma-separated).
//! Indicators that do not exist yet are created; the sheet can be re-imported to edit.

use std::path::PathBuf;

use serde::Serialize;

use super::{fail_on_problems, Problem};
use crate::model::{AggregationRule, IndicatorKind, Polarity};
use crate::store::did_you_mean;
use crate::store::{apply_indicator_update, ensure_indicator, log, Atlas, IndicatorUpdate};
use crate::table::read_table;
use crate::{Error, Result};

/// What to import.
#[derive(Debug, Clone, Default)]
pub struct MetadataImport {
    /// CSV or spreadsheet.
    pub file: PathBuf,
    /// Worksheet.
    pub sheet: Option<String>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct MetadataImportSummary {
    /// File name.
    pub file: String,
    /// Indicators whose metadata was written.
    pub indicators: Vec<String>,
    /// Of these, the new ones.
    pub created: Vec<String>,
    /// Columns the sheet has that are not metadata (named, ignored).
    pub ignored_columns: Vec<String>,
    /// What was imported but looks wrong (a new key close to an existing one), in German.
    pub warnings: Vec<String>,
}

/// Every column of the sheet: the German heading, the other accepted headings, what it holds.
pub const COLUMNS: &[(&str, &[&str], &str)] = &[
    ("Schlüssel", &["key", "schluessel", "kennung", "indikator"], "Kurzer Schlüssel des Indikators, z. B. anteil_sgb2 (Pflicht)."),
    ("Name", &["name", "bezeichnung"], "Anzeigename, z. B. „Anteil SGB-II-Empfänger“."),
    ("Thema", &["topic", "themenfeld"], "Themenpfad mit / getrennt, z. B. „Soziales/Transferleistungen“."),
    ("Einheit", &["unit"], "Einheit, z. B. %, Personen, je 1.000, m²."),
    ("Nachkommastellen", &["decimals", "dezimalstellen"], "Ganze Zahl 0 bis 6: so viele Nachkommastellen zeigen Tabellen und Exporte."),
    ("Art", &["kind", "typ"], "Anzahl, Anteil, Rate je 1000, Verhältnis oder kategorial."),
    ("Zähler", &["numerator", "zaehler"], "Bei Anteilen und Raten: Schlüssel des Indikators im Zähler."),
    ("Nenner", &["denominator"], "Bei Anteilen und Raten: Schlüssel des Indikators im Nenner."),
    ("Aggregation", &["aggregationsregel"], "Summe (Anzahlen), Quotient der Summen (Anteile, Raten: aus Zähler und Nenner), gewichtetes Mittel:SCHLÜSSEL (z. B. gewichtetes Mittel:einwohner) oder nicht aggregierbar."),
    ("Polarität", &["polarity", "polaritaet", "richtung"], "hoch ist schlecht (higher_is_worse, -), hoch ist gut (higher_is_better, +) oder neutral (0)."),
    ("Beschreibung", &["description", "definition"], "Definition in Worten."),
    ("Quelle", &["source", "datenquelle"], "Datenquelle mit Stand, z. B. „Statistikamt Nord, 31.12.2023“."),
    ("Geheimhaltungsschwelle", &["suppression_threshold", "geheimhaltung"], "Anzahlen von 1 bis zu dieser Zahl werden „k. A.“; leer: Vorgabe des Atlas; 0: nie."),
    ("Summe aus", &["sum_of", "summe_aus", "teile"], "Bei Anzahlen: die Anzahlen, die in jedem Gebiet zusammen diese ergeben, mit Komma getrennt (z. B. die Altersgruppen der Einwohner). Die Geheimhaltung rechnet damit, wie es ein Angreifer täte."),
];

/// Whether `heading` names the column of [`COLUMNS`] whose German heading is `german`.
fn names_column(heading: &str, german: &str) -> bool {
    let h = heading.trim().to_lowercase();
    COLUMNS
        .iter()
        .find(|(g, ..)| *g == german)
        .is_some_and(|(g, others, _)| g.to_lowercase() == h || others.contains(&h.as_str()))
}

/// The position of a column of [`COLUMNS`] among the sheet's headings.
fn column(headings: &[String], german: &str) -> Option<usize> {
    headings.iter().position(|h| names_column(h, german))
}

/// Whether a heading is one of the sheet's columns.
fn is_metadata_column(heading: &str) -> bool {
    COLUMNS.iter().any(|(german, ..)| names_column(heading, german))
}

/// Imports metadata. All or nothing.
pub fn import_metadata(atlas: &mut Atlas, opts: &MetadataImport) -> Result<MetadataImportSummary> {
    let table = read_table(&opts.file, opts.sheet.as_deref())?;
    let h = &table.headers;
    let col = |german: &str| column(h, german);
    let key_col = col("Schlüssel").ok_or_else(|| {
        Error::Invalid(format!(
            "{}: Spalte „Schlüssel“ (oder „key“) fehlt im Metadatenblatt",
            table.source
        ))
    })?;
    let c_name = col("Name");
    let c_topic = col("Thema");
    let c_unit = col("Einheit");
    let c_dec = col("Nachkommastellen");
    let c_kind = col("Art");
    let c_num = col("Zähler");
    let c_den = col("Nenner");
    let c_agg = col("Aggregation");
    let c_pol = col("Polarität");
    let c_desc = col("Beschreibung");
    let c_src = col("Quelle");
    let c_threshold = col("Geheimhaltungsschwelle");
    let c_sum_of = col("Summe aus");

    let mut problems = Vec::new();
    let mut updates = Vec::new();
    for row in &table.rows {
        let text = |c: Option<usize>| c.map(|c| row.cells[c].as_text().trim().to_string());
        let key = row.cells[key_col].as_text().trim().to_string();
        if key.is_empty() {
            problems.push(Problem::at(row.line, &h[key_col], "", "leerer Indikatorschlüssel"));
            continue;
        }
        let mut u = IndicatorUpdate {
            name: text(c_name).filter(|s| !s.is_empty()),
            topic: text(c_topic),
            unit: text(c_unit),
            numerator: text(c_num),
            denominator: text(c_den),
            description: text(c_desc),
            source: text(c_src),
            ..Default::default()
        };
        if let Some(c) = c_dec {
            let t = row.cells[c].as_text();
            if !t.trim().is_empty() {
                match t.trim().parse::<i64>() {
                    Ok(d) if (0..=6).contains(&d) => u.decimals = Some(d),
                    _ => problems.push(Problem::at(
                        row.line,
                        &h[c],
                        t,
                        "Nachkommastellen müssen eine ganze Zahl von 0 bis 6 sein",
                    )),
                }
            }
        }
        if let Some(c) = c_kind {
            let t = row.cells[c].as_text();
            match IndicatorKind::parse(&t) {
                Some(k) => u.kind = Some(k),
                None => problems.push(Problem::at(
                    row.line,
                    &h[c],
                    t,
                    "unbekannte Art (Anzahl, Anteil, Rate je 1000, Verhältnis, kategorial)",
                )),
            }
        }
        if let Some(c) = c_agg {
            let t = row.cells[c].as_text();
            match AggregationRule::parse(&t) {
                Some(a) => u.aggregation = Some(a),
                None => problems.push(Problem::at(row.line, &h[c], t, "unbekannte Aggregationsregel (Summe, Quotient der Summen, gewichtetes Mittel:KEY, nicht aggregierbar)")),
            }
        }
        if let Some(c) = c_pol {
            let t = row.cells[c].as_text();
            match Polarity::parse(&t) {
                Some(p) => u.polarity = Some(p),
                None => problems.push(Problem::at(
                    row.line,
                    &h[c],
                    t,
                    "unbekannte Polarität (higher_is_better, higher_is_worse, neutral oder +, -, 0)",
                )),
            }
        }
        if let Some(c) = c_threshold {
            let t = row.cells[c].as_text();
            let t = t.trim();
            if t.is_empty() {
                u.suppression_threshold = Some(None);
            } else {
                match t.parse::<i64>() {
                    Ok(n) if n >= 0 => u.suppression_threshold = Some(Some(n)),
                    _ => problems.push(Problem::at(
                        row.line,
                        &h[c],
                        t,
                        "Geheimhaltungsschwelle muss eine ganze Zahl ab 0 sein (leer: Vorgabe des Atlas)",
                    )),
                }
            }
        }
        if let Some(c) = c_sum_of {
            u.sum_of = Some(crate::store::key_list(&row.cells[c].as_text()));
        }
        updates.push((row.line, key, u));
    }
    // Checks across rows and against the atlas: every problem at once, by row.
    let existing: Vec<crate::model::IndicatorMeta> = atlas.indicators()?;
    let known = |key: &str| existing.iter().any(|i| i.key == key) || updates.iter().any(|(_, k, _)| k == key);
    let mut warnings = Vec::new();
    for (line, key, u) in &updates {
        let references = [
            ("Zähler", u.numerator.as_deref(), c_num),
            ("Nenner", u.denominator.as_deref(), c_den),
        ]
        .into_iter()
        .chain(
            u.sum_of
                .iter()
                .flatten()
                .map(|part| ("Teil", Some(part.as_str()), c_sum_of)),
        );
        for (what, reference, column) in references {
            if let Some(r) = reference.filter(|r| !r.is_empty()) {
                if !known(r) {
                    problems.push(Problem::at(
                        *line,
                        column.map_or(what, |c| h[c].as_str()),
                        r,
                        format!(
                            "{what} „{r}“ ist kein Indikator (weder im Atlas noch im Blatt){}",
                            did_you_mean(r, &existing)
                        ),
                    ));
                }
            }
        }
        // What the sheet leaves empty stays as the atlas has it.
        let current = existing.iter().find(|i| &i.key == key);
        let kind = u.kind.or_else(|| current.map(|i| i.kind));
        let rule = u.aggregation.clone().or_else(|| current.map(|i| i.aggregation.clone()));
        let agg_heading = c_agg.map_or("Aggregation", |c| h[c].as_str());
        match (kind, &rule) {
            (
                Some(IndicatorKind::Share | IndicatorKind::RatePer1000 | IndicatorKind::Ratio),
                Some(AggregationRule::Sum),
            ) => {
                problems.push(Problem::at(
                    *line,
                    agg_heading,
                    "Summe",
                    "ein Anteil, eine Rate oder ein Verhältnis wird nicht summiert (so wurde in Hamburg ein Ausländeranteil \
                     von 183,90 % berechnet): „Quotient der Summen“ mit Zähler und Nenner oder „gewichtetes Mittel:SCHLÜSSEL“",
                ));
            }
            (Some(IndicatorKind::Count), Some(AggregationRule::RatioOfSums | AggregationRule::WeightedMean(_))) => {
                problems.push(Problem::at(
                    *line,
                    agg_heading,
                    rule.as_ref().map(|r| r.to_stored()).unwrap_or_default(),
                    "eine Anzahl wird summiert („Summe“), nicht gemittelt",
                ));
            }
            (
                Some(IndicatorKind::Categorical),
                Some(AggregationRule::Sum | AggregationRule::RatioOfSums | AggregationRule::WeightedMean(_)),
            ) => {
                problems.push(Problem::at(
                    *line,
                    agg_heading,
                    rule.as_ref().map(|r| r.to_stored()).unwrap_or_default(),
                    "ein kategorialer Indikator lässt sich nicht rechnen: „nicht aggregierbar“",
                ));
            }
            _ => {}
        }
        if let Some(AggregationRule::RatioOfSums) = &rule {
            let numerator = u
                .numerator
                .clone()
                .or_else(|| current.and_then(|i| i.numerator.clone()));
            let denominator = u
                .denominator
                .clone()
                .or_else(|| current.and_then(|i| i.denominator.clone()));
            if numerator.as_deref().is_none_or(str::is_empty) || denominator.as_deref().is_none_or(str::is_empty) {
                problems.push(Problem::at(
                    *line,
                    agg_heading,
                    "Quotient der Summen",
                    "„Quotient der Summen“ braucht Zähler und Nenner (Spalten „Zähler“ und „Nenner“)",
                ));
            }
        }
        if let Some(AggregationRule::WeightedMean(by)) = &rule {
            if !known(by) {
                problems.push(Problem::at(
                    *line,
                    agg_heading,
                    format!("gewichtetes Mittel:{by}"),
                    format!("das Gewicht „{by}“ ist kein Indikator{}", did_you_mean(by, &existing)),
                ));
            }
        }
        let sum_heading = c_sum_of.map_or("Summe aus", |c| h[c].as_str());
        let kind_of = |k: &str| {
            updates
                .iter()
                .find(|(_, key, _)| key == k)
                .and_then(|(_, _, u)| u.kind)
                .or_else(|| existing.iter().find(|i| i.key == k).map(|i| i.kind))
        };
        for part in u.sum_of.iter().flatten().filter(|part| known(part)) {
            if part == key {
                problems.push(Problem::at(
                    *line,
                    sum_heading,
                    part,
                    "ein Indikator ist nicht Teil seiner selbst",
                ));
            } else if kind_of(part) != Some(IndicatorKind::Count) {
                problems.push(Problem::at(
                    *line,
                    sum_heading,
                    part,
                    format!("„{part}“ ist keine Anzahl; eine Summe verbindet nur Anzahlen"),
                ));
            }
        }
        if u.sum_of.as_ref().is_some_and(|p| !p.is_empty()) && kind != Some(IndicatorKind::Count) {
            problems.push(Problem::at(
                *line,
                sum_heading,
                u.sum_of.as_ref().map(|p| p.join(",")).unwrap_or_default(),
                "nur eine Anzahl kann die Summe anderer Anzahlen sein (Spalte „Art“: Anzahl)",
            ));
        }
        if !existing.is_empty() && current.is_none() {
            warnings.push(format!(
                "Zeile {line}: „{key}“ legt einen neuen, noch leeren Indikator an – Tippfehler?{}",
                did_you_mean(key, &existing)
            ));
        }
    }
    let ignored_columns: Vec<String> = h
        .iter()
        .filter(|heading| !heading.trim().is_empty() && !is_metadata_column(heading))
        .cloned()
        .collect();
    if !ignored_columns.is_empty() {
        warnings.push(format!(
            "Unbekannte Spalten werden nicht gelesen: {}",
            ignored_columns
                .iter()
                .map(|c| format!("„{c}“"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    problems.sort_by_key(|p| p.row);
    fail_on_problems(&table.source, problems)?;
    let tx = atlas.write()?;
    let mut created = Vec::new();
    for (_, key, u) in &updates {
        let (id, new) = ensure_indicator(&tx, key, u.kind.unwrap_or(IndicatorKind::Unspecified))?;
        if new {
            created.push(key.clone());
        }
        apply_indicator_update(&tx, id, u)?;
    }
    log(
        &tx,
        "import_metadata",
        &format!("{}: Metadaten für {} Indikatoren", table.source, updates.len()),
    )?;
    tx.commit()?;
    Ok(MetadataImportSummary {
        file: table.source,
        indicators: updates.into_iter().map(|(_, k, _)| k).collect(),
        created,
        ignored_columns,
        warnings,
    })
}

/// Writes an empty metadata sheet (`.xlsx`): the sheet „Metadaten“ with every column as a
/// heading, and the sheet „Erläuterung“ with what each column holds, the other headings it is
/// recognised by, and the allowed values. Written to a temporary name first, then renamed.
pub fn write_template(path: &std::path::Path) -> Result<()> {
    if !path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        return Err(Error::Invalid(format!(
            "{}: die Vorlage wird als Excel-Datei geschrieben; bitte einen Namen auf .xlsx angeben",
            path.display()
        )));
    }
    let x = |e: rust_xlsxwriter::XlsxError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet();
    sheet.set_name("Metadaten").map_err(x)?;
    for (c, (heading, ..)) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, c as u16, *heading, &bold)
            .map_err(x)?;
        sheet.set_column_width(c as u16, 18).map_err(x)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(x)?;
    let help = book.add_worksheet();
    help.set_name("Erläuterung").map_err(x)?;
    for (c, heading) in ["Spalte", "auch erkannt als", "Inhalt und erlaubte Werte"]
        .iter()
        .enumerate()
    {
        help.write_string_with_format(0, c as u16, *heading, &bold).map_err(x)?;
    }
    for (r, (heading, others, meaning)) in COLUMNS.iter().enumerate() {
        let row = r as u32 + 1;
        help.write_string(row, 0, *heading).map_err(x)?;
        help.write_string(row, 1, others.join(", ")).map_err(x)?;
        help.write_string(row, 2, *meaning).map_err(x)?;
    }
    let notes = [
        "Eine Zeile je Indikator. Leere Zellen lassen den Wert unverändert; das Blatt kann zum Ändern erneut importiert werden.",
        "Geprüft wird beim Import, alle Probleme auf einmal: Zähler und Nenner müssen Indikatoren sein, Anteile und Raten werden nicht summiert, unbekannte Spalten werden genannt.",
        "Beispiel: sample_data/indikatoren.csv im Quartier-Projekt.",
    ];
    for (i, note) in notes.iter().enumerate() {
        help.write_string(COLUMNS.len() as u32 + 2 + i as u32, 0, *note)
            .map_err(x)?;
    }
    help.set_column_width(0, 24).map_err(x)?;
    help.set_column_width(1, 36).map_err(x)?;
    help.set_column_width(2, 110).map_err(x)?;
    let tmp = path.with_extension(format!("{}.tmp", std::process::id()));
    if let Err(e) = book.save(&tmp) {
        let _ = std::fs::remove_file(&tmp);
        return Err(x(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
