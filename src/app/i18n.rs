//! The interface language. German is the language of the app and of its data; English can be
//! chosen in the settings and then replaces the app's own texts: menus, panes, sidebar,
//! status bar, table and chart controls, and the labels and buttons of every dialog. Texts
//! the engine writes (messages, method descriptions, progress stages) and the data (names,
//! "k. A.") stay German, as do a few composed summaries with numbers. The choice is per
//! thread (the UI thread), so that tests running side by side do not affect each other.

use std::cell::Cell;

thread_local! {
    static ENGLISH: Cell<bool> = const { Cell::new(false) };
}

/// Switches the interface language of this thread.
pub fn set_english(on: bool) {
    ENGLISH.with(|e| e.set(on));
}

/// Whether English is chosen.
pub fn is_english() -> bool {
    ENGLISH.with(Cell::get)
}

/// The text in the chosen language: the German text itself, or its English translation.
pub fn tr(de: &'static str) -> &'static str {
    if !is_english() {
        return de;
    }
    TRANSLATIONS.iter().find(|(g, _)| *g == de).map_or(de, |(_, en)| en)
}

/// German → English.
const TRANSLATIONS: &[(&str, &str)] = &[
    ("Veröffentlichen …", "Publish …"),
    ("Veröffentlichen", "Publish"),
    (
        "Nur was hier freigegeben ist, verlässt den Rechner – geheim gehalten wie jede Ausgabe.",
        "Only what is released here leaves the computer – suppressed like every output.",
    ),
    ("Indikatoren je Ebene freigeben", "Release indicators per level"),
    ("Einrichtungen freigeben", "Release facilities"),
    ("Zielordner", "Target folder"),
    ("Bündel schreiben", "Write bundle"),
    ("Erst Indikatoren freigeben", "Release indicators first"),
    ("Intern, nie veröffentlicht", "Internal, never published"),
    ("Name und Lage", "Name and location"),
    ("Was den Rechner verlässt", "What leaves the computer"),
    ("Noch nichts freigegeben.", "Nothing released yet."),
    ("Zeiträume", "Periods"),
    ("geheim gehalten", "suppressed"),
    ("keine Werte", "no values"),
    ("Zellen", "cells"),
    ("Story", "Story"),
    (
        "Veröffentlichen abgebrochen; nichts geschrieben",
        "Publishing cancelled; nothing written",
    ),
    ("Löschen", "Delete"),
    ("Öffnen", "Open"),
    (
        "## Überschrift, **fett**, - Aufzählung, [Link](https://…)",
        "## Heading, **bold**, - list, [link](https://…)",
    ),
    ("(gelöscht)", "(deleted)"),
    ("Aktuelle Ansicht als Lesezeichen …", "Current view as bookmark …"),
    ("Als PowerPoint …", "As PowerPoint …"),
    ("An die Story anhängen", "Append to the story"),
    ("Ansicht übernehmen", "Take current view"),
    ("Aus der Story nehmen", "Remove from the story"),
    ("Bild hinzufügen …", "Add image …"),
    ("Bilder entfernen", "Remove images"),
    ("Bilder", "Images"),
    ("Bitte einen Namen angeben", "Please enter a name"),
    (
        "Das Lesezeichen zeigt künftig die aktuelle Ansicht",
        "The bookmark will show the current view",
    ),
    ("Duplizieren", "Duplicate"),
    (
        "Ein Lesezeichen dieses Namens gibt es schon; Speichern ersetzt es.",
        "A bookmark of this name exists; saving replaces it.",
    ),
    (
        "Eine Story wählen oder eine neue anlegen.",
        "Choose a story or create a new one.",
    ),
    ("Einleitung", "Introduction"),
    ("Folien (zum Umordnen ziehen):", "Slides (drag to reorder):"),
    (
        "Handout abgebrochen; nichts geschrieben",
        "Handout cancelled; nothing written",
    ),
    ("Lesezeichen speichern …", "Save bookmark …"),
    ("Lesezeichen und Storys …", "Bookmarks and stories …"),
    ("Lesezeichen und Storys", "Bookmarks and stories"),
    ("Lesezeichen", "Bookmarks"),
    ("Name der Kopie", "Name of the copy"),
    ("Name des Lesezeichens", "Bookmark name"),
    ("Neue Story", "New story"),
    ("Nicht mehr im Atlas", "No longer in the atlas"),
    (
        "Nicht zur Veröffentlichung freigegebene Indikatoren",
        "Indicators not released for publication",
    ),
    (
        "Noch keine Lesezeichen: die Ansicht einstellen und hier speichern.",
        "No bookmarks yet: set up the view and save it here.",
    ),
    ("Präsentation beendet", "Presentation ended"),
    ("Präsentieren", "Present"),
    ("Story speichern", "Save story"),
    ("Storys", "Stories"),
    ("Text …", "Text …"),
    ("Titel der Story", "Story title"),
    ("Zur Veröffentlichung freigegeben", "Released for publication"),
    ("öffentlich", "public"),
    ("← → blättern · Esc beendet", "← → next/previous · Esc ends"),
    ("→ Story", "→ story"),
    ("Quartiersprofile …", "Area profiles …"),
    ("Profilvorlage", "Profile template"),
    ("Standard (nach Themen)", "Default (by topic)"),
    (
        "Quartiersprofile abgebrochen; nichts geschrieben",
        "Area profiles cancelled; nothing written",
    ),
    ("Profiltext …", "Profile text …"),
    ("Profiltext", "Profile text"),
    ("Ein Gebiet auswählen", "Select one area"),
    (
        "Die Einschätzung erscheint im Quartiersprofil des Gebiets (Bericht → Quartiersprofile).",
        "The assessment is printed in the area's profile (report → area profiles).",
    ),
    ("Einschätzung des Gebiets …", "Assessment of the area …"),
    ("Verfasst von", "Written by"),
    ("Einschätzung", "Assessment"),
    ("Karte exportieren", "Export map"),
    ("Als PDF (Vektor, für den Druck) …", "As PDF (vector, for print) …"),
    (
        "Als SVG (Vektor, zum Weiterbearbeiten) …",
        "As SVG (vector, for editing) …",
    ),
    ("Als PNG (300 dpi) …", "As PNG (300 dpi) …"),
    ("Gebietsbericht …", "Area report …"),
    ("Gebietsbericht", "Area report"),
    ("1 bis 6 Gebiete auswählen", "Select 1 to 6 areas"),
    ("Als PDF …", "As PDF …"),
    ("Als Word-Datei (DOCX) …", "As Word file (DOCX) …"),
    ("Lage", "Position"),
    ("Trend", "Trend"),
    (
        "Ansicht im Programm: nicht geheim gehalten; die Exporte halten geheim, was den Rechner nicht verlassen darf.",
        "Shown in the app unsuppressed; the exports suppress what must not leave the computer.",
    ),
    ("Datei", "File"),
    ("Geometrie importieren …", "Import geometry …"),
    ("Werte importieren …", "Import values …"),
    ("Einrichtungen importieren …", "Import facilities …"),
    ("Einstellungen …", "Settings …"),
    ("Beenden", "Quit"),
    ("Bearbeiten", "Edit"),
    ("Rückgängig", "Undo"),
    ("Wiederholen", "Redo"),
    ("Wiederholt", "Redone"),
    (
        "Für den Dienstgebrauch (ohne Geheimhaltung, gekennzeichnet)",
        "For internal use (not suppressed, marked)",
    ),
    (
        "Ohne Haken werden kleine Fallzahlen und was sich aus ihnen errechnen ließe als „k. A.“ \
         geschrieben, wie bei allem, was den Rechner verlässt.",
        "Unticked, small counts and whatever they could be recalculated from are written as “k. A.”, \
         as in everything that leaves the computer.",
    ),
    (
        "Zeile mit der amtlichen Summe (optional)",
        "Row with the official total (optional)",
    ),
    (
        "Als weitere Ebene anlegen, auch wenn eine ähnliche besteht",
        "Create as another level even where a similar one exists",
    ),
    (
        "Zeilen für mehrere Gebiete („A und B“) als zusammengefasstes Gebiet anlegen",
        "Create a combined area for rows that stand for several areas (“A and B”)",
    ),
    (
        "Das zusammengefasste Gebiet steht für seine Teile, wo diese keinen eigenen Wert haben: \
         auf der Karte als ihre gemeinsame Fläche, in Summen und der Referenz einmal gezählt.",
        "The combined area stands for its parts where they have no value of their own: \
         on the map as their joint area, counted once in sums and the reference.",
    ),
    (
        "Strich „–“ bedeutet „fehlt“ (statt null)",
        "Dash „–“ means “missing” (instead of zero)",
    ),
    (
        "In amtlichen Tabellen heißt „–“ „nichts vorhanden“, also genau null. \
         Manche kommunalen Dateien schreiben „–“ für fehlende Angaben: dann ankreuzen.",
        "In official tables „–“ means “nothing there”, exactly zero. \
         Some municipal files write „–“ for missing data: then tick this.",
    ),
    ("Geändert", "Changed"),
    ("Änderung speichern", "Saving change"),
    ("Änderung wird gespeichert …", "Saving change …"),
    ("Indikator bearbeiten …", "Edit indicator …"),
    ("Analyse", "Analysis"),
    ("Status und Dynamik …", "Status and dynamics …"),
    ("Zusammengesetzter Index …", "Composite index …"),
    ("Geheimhaltung prüfen …", "Check disclosure control …"),
    ("Auf gröbere Ebene zusammenfassen …", "Aggregate to coarser level …"),
    ("Entfernung zu Einrichtungen …", "Distance to facilities …"),
    ("Karte: gewählter Indikator", "Map: chosen indicator"),
    ("Karte: Status/Dynamik", "Map: status/dynamics"),
    ("Auswahl", "Selection"),
    ("Auswahl aufheben", "Clear selection"),
    ("Als Gruppe speichern …", "Save as group …"),
    ("Ansicht", "View"),
    ("Aufteilung zurücksetzen", "Reset layout"),
    ("Aufteilung wiederherstellen", "Restore layout"),
    ("Hilfe", "Help"),
    ("Über Quartier", "About Quartier"),
    ("Einfach", "Simple"),
    ("Experte", "Expert"),
    ("Karte", "Map"),
    ("Tabelle", "Table"),
    ("Diagramm", "Chart"),
    ("Maximieren", "Maximise"),
    ("Ebene", "Level"),
    ("Zeitraum", "Period"),
    ("Klassen", "Classes"),
    ("Verfahren", "Method"),
    ("Säulen (zweiter Indikator)", "Columns (second indicator)"),
    ("keine", "none"),
    ("Einrichtungen", "Facilities"),
    ("Indikatoren", "Indicators"),
    ("Suchen", "Search"),
    ("Atlas", "Atlas"),
    ("Gebiete", "areas"),
    ("Filter", "Filter"),
    ("Spalte hinzufügen", "Add column"),
    ("Kopieren", "Copy"),
    ("Exportieren", "Export"),
    ("Schlüssel", "Key"),
    ("Name", "Name"),
    ("Klasse", "Class"),
    ("Balken", "Bars"),
    ("Streudiagramm", "Scatter"),
    ("Zeitreihe", "Time series"),
    ("Altersstruktur", "Age structure"),
    ("Einstellungen", "Settings"),
    ("Hintergrundkarte", "Base map"),
    ("Sprache", "Language"),
    ("Offline-Modus: keine Netzabfragen", "Offline mode: no network requests"),
    ("Übernehmen", "Apply"),
    ("Gleiche Intervalle", "Equal intervals"),
    ("Quantile", "Quantiles"),
    ("Natürliche Unterbrechungen (Jenks)", "Natural breaks (Jenks)"),
    ("Standardabweichung", "Standard deviation"),
    ("Hübsche Grenzen", "Pretty breaks"),
    ("Boxplot (Ausreißer)", "Box plot (outliers)"),
    ("Eigene Grenzen", "Own breaks"),
    ("Abweichung von der Gesamtstadt", "Deviation from the city"),
    ("Abweichung von null", "Deviation from zero"),
    ("Gesamtstadt", "whole city"),
    ("Tastenkürzel", "Keyboard shortcuts"),
    ("Indikator suchen", "Search indicator"),
    ("Speichern unter", "Save as"),
    ("Klassengrenzen", "Class boundaries"),
    ("Status", "Status"),
    ("Dynamik", "Dynamics"),
    ("Wie im MSS", "As in the MSS"),
    ("Einfache Ansicht / Expertenansicht", "Simple / expert mode"),
    ("Zeitraum vor / zurück", "Next / previous period"),
    (
        "Bereich maximieren / Aufteilung wiederherstellen",
        "Maximise pane / restore layout",
    ),
    (
        "Tabellenzeilen (Auswahl oder alle gezeigten) kopieren",
        "Copy table rows (selection or all shown)",
    ),
    ("Rückgängig / Wiederholen", "Undo / redo"),
    ("Abbrechen", "Cancel"),
    (
        "Alle Indikatoren, Diagramme und Analysen (Strg+E)",
        "All indicators, charts and analyses (Ctrl+E)",
    ),
    ("Am weitesten entfernt", "Farthest away"),
    (
        "Ausgewählte Indikatoren, Karte und Tabelle (Strg+E)",
        "Chosen indicators, map and table (Ctrl+E)",
    ),
    ("Auswahl als Gruppe speichern", "Save selection as group"),
    ("Berechnen", "Calculate"),
    ("Beschreibung", "Description"),
    ("Dateipfad", "File path"),
    ("Datenquellen des Beispielatlas", "Data sources of the sample atlas"),
    (
        "Die Entfernungen werden mit den Einwohnern gewichtet: erst eine Einwohnerzahl importieren",
        "Distances are weighted by residents: import a population count first",
    ),
    (
        "Die gezeigte Ebene ist die gröbste; ihre Zusammenfassung ist die Gesamtstadt-Zeile der Tabelle.",
        "The level shown is the coarsest; its aggregate is the table's whole-city row.",
    ),
    (
        "Die gezeigten Zeilen (oder die Auswahl) für Excel in die Zwischenablage (Strg+C)",
        "The rows shown (or the selection) to the clipboard for Excel (Ctrl+C)",
    ),
    (
        "Dieser Atlas hat auf dieser Ebene keine Altersgruppen (Anzahlen „unter 6 Jahren“, „6 bis unter 15 Jahre“ …)",
        "This atlas has no age groups on this level (counts such as “unter 6 Jahren”, “6 bis unter 15 Jahre” …)",
    ),
    (
        "Dieser Atlas hat keine Einrichtungen; erst über Datei → Einrichtungen importieren.",
        "This atlas has no facilities; import them first via File → Import facilities.",
    ),
    ("Durchsuchen …", "Browse …"),
    ("Ebene (neu oder vorhanden)", "Level (new or existing)"),
    ("Einrichtung", "Facility"),
    ("Einwohner-Indikator", "Population indicator"),
    ("Ergebnis als Indikatoren speichern", "Save result as indicators"),
    (
        "Erst prüfen: importiert wird nur, was ohne Probleme geprüft ist",
        "Check first: only what passed the check without problems is imported",
    ),
    (
        "Gebiete auswählen (Karte, Tabelle), um ihre Linien neben der Gesamtstadt zu sehen",
        "Select areas (map, table) to see their lines beside the whole city",
    ),
    ("Gebiete nach mittlerem Rang", "Areas by median rank"),
    ("Gebietsmittelpunkte (grob)", "Area centres (rough)"),
    ("Gewichte ±", "Weights ±"),
    ("Grenzen (durch ; getrennt)", "Breaks (separated by ;)"),
    ("Importieren", "Import"),
    ("In der einfachen Ansicht zeigen", "Show in simple mode"),
    ("Indikatoren, Richtung und Gewicht", "Indicators, direction and weight"),
    ("Kategorie", "Category"),
    ("Kategorie (z. B. Kita)", "Category (e.g. Kita)"),
    ("Kein Indikator gewählt", "No indicator chosen"),
    (
        "Kein zweiter Indikator auf dieser Ebene",
        "No second indicator on this level",
    ),
    ("Keine Geometrie geladen", "No geometry loaded"),
    (
        "Koordinatensystem (leer: erkennen)",
        "Coordinate system (empty: detect)",
    ),
    ("Lizenz: MIT oder Apache-2.0", "Licence: MIT or Apache-2.0"),
    ("Metadaten bearbeiten …", "Edit metadata …"),
    ("Mindestens zwei Indikatoren wählen", "Choose at least two indicators"),
    ("Monte-Carlo-Läufe", "Monte Carlo runs"),
    ("Nachkommastellen", "Decimals"),
    ("Name der Gruppe", "Group name"),
    ("Name oder Schlüssel (Strg+F)", "Name or key (Ctrl+F)"),
    ("Namensspalte", "Name column"),
    (
        "Noch nicht geprüft: „Prüfen“ liest die Datei vollständig und schreibt nichts.",
        "Not checked yet: “Check” reads the whole file and writes nothing.",
    ),
    ("Normierung", "Normalisation"),
    ("Pfad", "Path"),
    ("Plätze", "Places"),
    ("Polarität", "Polarity"),
    ("Summe aus", "Sum of"),
    (
        "Anzahlen, die in jedem Gebiet zusammen diese ergeben (z. B. die Altersgruppen der Einwohner). \
         Die Geheimhaltung rechnet damit, wie es ein Angreifer täte.",
        "Counts that add up to this one in every area (e.g. the residents' age groups). \
         Suppression reckons with this as an attacker would.",
    ),
    ("Prüfen", "Check"),
    ("Radien in m", "Radii in m"),
    ("Rang (1 = höchster Index)", "Rank (1 = highest index)"),
    ("Raster 100 m in den Gebieten", "100 m grid in the areas"),
    ("Regressionsgerade", "Regression line"),
    ("Schlüssel oder Name", "Key or name"),
    ("Schlüsselspalte", "Key column"),
    ("Spalte entfernen", "Remove column"),
    ("Speichern", "Save"),
    (
        "Speichern als (Schlüssel, leer: nicht speichern)",
        "Save as (key, empty: do not save)",
    ),
    ("Status und Dynamik", "Status and dynamics"),
    ("Vergleichszeitraum", "Comparison period"),
    ("Vorlage", "Preset"),
    ("Vorschau", "Preview"),
    (
        "Werkbank für kleinräumiges Monitoring – offline, ein Atlas je Kommune.",
        "Workbench for small-area monitoring – offline, one atlas per municipality.",
    ),
    ("Wert", "Value"),
    ("Wert ändern", "Change value"),
    ("Wert ändern …", "Change value …"),
    ("Wird abgebrochen …", "Cancelling …"),
    ("Wohnorte", "Origins"),
    ("Zeitraum (z. B. 2024)", "Period (e.g. 2024)"),
    ("Zu wenige Werte für eine Regression", "Too few values for a regression"),
    ("Zusammenfassen und speichern", "Aggregate and save"),
    ("Zusammenfassung", "Aggregation"),
    ("arithmetisch", "arithmetic"),
    ("geometrisch", "geometric"),
    ("hoch = günstig", "high = favourable"),
    ("hoch = ungünstig", "high = unfavourable"),
    ("neutral", "neutral"),
    ("x / Länge (Tabellen)", "x / longitude (tables)"),
    ("x-Achse:", "x axis:"),
    ("y / Breite (Tabellen)", "y / latitude (tables)"),
    ("z. B. 5; 10,5; 20", "e.g. 5; 10,5; 20"),
    ("Übergeordnete Ebene", "Parent level"),
    ("Bezeichnung", "Name"),
    ("Thema", "Topic"),
    ("Einheit", "Unit"),
    ("Quelle", "Source"),
    ("Zahl", "Number"),
    ("k. A. (Datenschutz)", "n/a (data protection)"),
    ("fehlt", "missing"),
    ("nicht sinnvoll (x)", "not applicable (x)"),
    ("Zeile", "Line"),
    ("Spalte", "Column"),
    ("Problem", "Problem"),
    ("Geometrie (Gebiete)", "Geometry (areas)"),
    ("Werte (Indikatoren)", "Values (indicators)"),
    ("Einrichtungen (Punkte)", "Facilities (points)"),
    ("Geprüft: keine Probleme", "Checked: no problems"),
    ("Importiert", "Imported"),
    ("Indikator", "Indicator"),
    ("primär", "primary"),
    ("abgeleitet", "derived"),
    ("sekundär", "secondary"),
    ("Grund", "Reason"),
    ("Erläuterung", "Explanation"),
    ("Gebiet", "Area"),
    ("z-Wert", "z-score"),
    ("Min–Max", "min–max"),
    ("Rang", "rank"),
    ("Perzentil", "percentile"),
    ("Abstand zur Referenz", "distance to reference"),
    ("Zusammengesetzter Index", "Composite index"),
    ("Geheimhaltung prüfen", "Check disclosure control"),
    ("Auf gröbere Ebene zusammenfassen", "Aggregate to coarser level"),
    ("Entfernung zu Einrichtungen", "Distance to facilities"),
    ("Index: Ergebnis", "Index: result"),
    ("Geheimhaltung: Ergebnis", "Disclosure control: result"),
    ("Zusammenfassung: Ergebnis", "Aggregation: result"),
    ("Entfernungen: Ergebnis", "Distances: result"),
    (
        "Berlin: Monitoring Soziale Stadtentwicklung",
        "Berlin: Monitoring Soziale Stadtentwicklung (MSS)",
    ),
    ("Hamburg: RISE-Sozialmonitoring", "Hamburg: RISE social monitoring"),
    ("Solingen: Sozialraummonitoring", "Solingen: social area monitoring"),
    ("Indikatoren zuordnen", "Map indicators"),
    ("Ergebnis", "Result"),
    ("Keine (nur Gebietsgrenzen)", "None (area outlines only)"),
    ("Kachelordner", "Tile folder"),
    ("MBTiles-Datei", "MBTiles file"),
    ("PMTiles-Datei", "PMTiles file"),
    ("OpenStreetMap (online)", "OpenStreetMap (online)"),
    ("Diagramm als SVG speichern", "Save chart as SVG"),
    ("Diagramm als PNG speichern", "Save chart as PNG"),
    ("Tabelle exportieren", "Export table"),
    ("Als Excel-Datei (XLSX) …", "As Excel file (XLSX) …"),
    ("Als CSV-Datei …", "As CSV file …"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_replaces_known_texts_and_keeps_the_rest() {
        set_english(true);
        assert_eq!(
            (tr("Datei"), tr("Tabelle"), tr("Stülerstraße")),
            ("File", "Table", "Stülerstraße")
        );
        set_english(false);
        assert_eq!(tr("Datei"), "Datei");
        let mut germans: Vec<&str> = TRANSLATIONS.iter().map(|(g, _)| *g).collect();
        germans.sort_unstable();
        germans.dedup();
        assert_eq!(germans.len(), TRANSLATIONS.len(), "each German text once");
    }
}
