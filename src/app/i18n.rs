//! The interface language. German is the language of the app and of its data; English can be
//! chosen in the settings and then replaces the texts of the window's frame: menus, panes,
//! sidebar, status bar, table and diagram controls, settings and about dialog. Engine
//! messages and the analysis dialogs stay German. The choice is per thread (the UI thread),
//! so that tests running side by side do not affect each other.

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
    ("Datei", "File"),
    ("Geometrie importieren …", "Import geometry …"),
    ("Werte importieren …", "Import values …"),
    ("Einrichtungen importieren …", "Import facilities …"),
    ("Einstellungen …", "Settings …"),
    ("Beenden", "Quit"),
    ("Bearbeiten", "Edit"),
    ("Rückgängig", "Undo"),
    ("Wiederholen", "Redo"),
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
