//! The Gebietsbericht on the Berlin sample atlas, read back as a reader would: the PDF's text
//! through poppler's pdftotext, the XLSX with calamine, the DOCX's document.xml; values
//! against the atlas, suppressed cells against `suppress`.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::Read as _;

use calamine::{Data, Reader, Xlsx};
use common::*;
use quartier_core::export::INTERNAL_MARKING;
use quartier_core::reference::reference_value;
use quartier_core::report::area::{area_report, write_area_report, AreaReportRequest};
use quartier_core::Atlas;

const STUELERSTRASSE: &str = "01011101";
const FORST_GRUNEWALD: &str = "04061757";

fn request(areas: &[&str], intern: bool) -> AreaReportRequest {
    AreaReportRequest {
        map: None,
        areas: areas.iter().map(|s| s.to_string()).collect(),
        period: "2020".into(),
        intern,
    }
}

/// The stored number of `indicator` for an area of the Planungsraum level in 2020.
fn stored(atlas: &Atlas, indicator: &str, key: &str) -> f64 {
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let meta = atlas.indicator(indicator).unwrap();
    let area = atlas
        .areas(level.id)
        .unwrap()
        .into_iter()
        .find(|a| &*a.key == key)
        .unwrap();
    atlas.values(meta.id, level.id, period.id).unwrap()[&area.id]
        .number()
        .unwrap()
}

#[test]
fn the_pdf_shows_names_german_numbers_and_k_a_where_a_count_is_small() {
    let (dir, atlas) = sample_atlas();
    let report = area_report(&atlas, &request(&[STUELERSTRASSE, FORST_GRUNEWALD], false)).unwrap();
    let out = dir.path().join("bericht.pdf");
    let summary = write_area_report(&report, &out).unwrap();
    assert_eq!(summary.format, "pdf");
    let text = pdf_text(&out);
    assert!(
        text.contains("Gebietsbericht Stülerstraße, Forst Grunewald – 2020"),
        "{text}"
    );
    // Values in German notation, as stored.
    let ew = stored(&atlas, "ew", STUELERSTRASSE);
    assert_eq!(ew, 3419.0);
    assert!(text.contains("3.419"));
    let share = stored(&atlas, "anteil_ausl", STUELERSTRASSE);
    assert!(
        text.contains(&quartier_core::numbers::format_german(share, 1)),
        "{share}"
    );
    // Forst Grunewald has 3 children aged 6 to 15: "k. A." in its cell, never the 3.
    assert_eq!(stored(&atlas, "ew_6_15", FORST_GRUNEWALD), 3.0);
    let line = text.lines().find(|l| l.contains("Einwohner 6 bis unter 15")).unwrap();
    assert!(line.contains("k. A."), "{line}");
    assert!(!line.split_whitespace().any(|w| w == "3"), "{line}");
    assert!(text.contains("geheim gehalten (Datenschutz)"));
    assert!(!text.contains(INTERNAL_MARKING));
    // Internal: the 3 is there, and every page says so.
    let internal = area_report(&atlas, &request(&[STUELERSTRASSE, FORST_GRUNEWALD], true)).unwrap();
    let out = dir.path().join("intern.pdf");
    write_area_report(&internal, &out).unwrap();
    let text = pdf_text(&out);
    let line = text.lines().find(|l| l.contains("Einwohner 6 bis unter 15")).unwrap();
    assert!(line.split_whitespace().any(|w| w == "3"), "{line}");
    let pages = text.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    assert_eq!(
        text.matches(INTERNAL_MARKING).count(),
        pages + 1,
        "every page and the notes"
    );
}

#[test]
fn the_xlsx_gives_the_atlas_numbers_and_indices_against_the_gesamtstadt() {
    let (dir, atlas) = sample_atlas();
    let report = area_report(&atlas, &request(&[STUELERSTRASSE, FORST_GRUNEWALD, "01"], false)).unwrap();
    let out = dir.path().join("bericht.xlsx");
    write_area_report(&report, &out).unwrap();
    let mut book: Xlsx<_> = calamine::open_workbook(&out).unwrap();
    let sheet = book.worksheet_range("Gebietsbericht").unwrap();
    let rows: Vec<&[Data]> = sheet.rows().collect();
    let header = rows
        .iter()
        .position(|r| r[1] == Data::String("Indikator".into()))
        .unwrap();
    let row_of = |name: &str| {
        rows.iter()
            .find(|r| r.get(1) == Some(&Data::String(name.into())))
            .copied()
            .unwrap()
    };
    assert_eq!(
        rows[header][3],
        Data::String(format!("Stülerstraße ({STUELERSTRASSE})"))
    );
    // Shares: value, index = value / Gesamtstadt × 100 (the reference recomputed here).
    let level = atlas.level("Planungsraum").unwrap();
    let period = atlas.period("2020").unwrap();
    let meta = atlas.indicator("anteil_ausl").unwrap();
    let reference = reference_value(&atlas, &meta, level.id, period.id)
        .unwrap()
        .value
        .unwrap();
    let row = row_of("Ausländeranteil");
    let value = stored(&atlas, "anteil_ausl", STUELERSTRASSE);
    assert_eq!(row[3], Data::Float(value));
    let Data::Float(index) = row[4] else {
        panic!("{:?}", row[4])
    };
    assert!((index - value / reference * 100.0).abs() < 1e-9);
    assert_eq!(row[9], Data::Float(reference));
    // Counts: the number, no index; the suppressed one as "k. A."; the Bezirk without values
    // of this period as "…".
    let row = row_of("Einwohner 6 bis unter 15 Jahre");
    assert_eq!(row[3], Data::Float(stored(&atlas, "ew_6_15", STUELERSTRASSE)));
    assert_eq!(row[4], Data::Empty);
    assert_eq!(row[5], Data::String("k. A.".into()));
    assert_eq!(row[7], Data::String("…".into()));
    // The notes: sources and the suppression rule.
    let notes: Vec<String> = rows
        .iter()
        .filter_map(|r| match &r[0] {
            Data::String(s) if s.starts_with("Hinweis: ") => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert!(
        notes.iter().any(|n| n.contains("Amt für Statistik Berlin-Brandenburg")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("geheim gehalten")));
}

#[test]
fn the_docx_holds_the_same_cells_and_the_marking_when_internal() {
    let (dir, atlas) = sample_atlas();
    let read = |path: &std::path::Path, part: &str| {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut xml = String::new();
        zip.by_name(part).unwrap().read_to_string(&mut xml).unwrap();
        xml
    };
    let out = dir.path().join("bericht.docx");
    let report = area_report(&atlas, &request(&[STUELERSTRASSE, FORST_GRUNEWALD], false)).unwrap();
    write_area_report(&report, &out).unwrap();
    let xml = read(&out, "word/document.xml");
    assert!(xml.contains("Gebietsbericht Stülerstraße, Forst Grunewald – 2020"));
    assert!(xml.contains(">3.419<"));
    assert!(xml.contains(">k. A.<"));
    assert!(!xml.contains(INTERNAL_MARKING));
    let out = dir.path().join("intern.docx");
    let report = area_report(&atlas, &request(&[STUELERSTRASSE, FORST_GRUNEWALD], true)).unwrap();
    write_area_report(&report, &out).unwrap();
    let xml = read(&out, "word/document.xml");
    assert!(!xml.contains(">k. A.<"));
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out).unwrap()).unwrap();
    let headers: Vec<String> = (0..zip.len())
        .map(|i| zip.by_index(i).unwrap().name().unwrap().to_string())
        .filter(|n| n.starts_with("word/header"))
        .collect();
    assert!(
        headers.iter().any(|h| read(&out, h).contains(INTERNAL_MARKING)),
        "{headers:?}"
    );
}

#[test]
fn areas_are_found_on_any_level_and_wrong_requests_are_refused_in_german() {
    let (_dir, atlas) = sample_atlas();
    let report = area_report(&atlas, &request(&["Bezirk:01", STUELERSTRASSE], false)).unwrap();
    assert_eq!(report.areas[0].level, "Bezirk");
    assert_eq!(report.areas[1].level, "Planungsraum");
    let e = area_report(&atlas, &request(&["99999999"], false))
        .unwrap_err()
        .to_string();
    assert!(e.contains("Gebiet „99999999“ gibt es im Atlas nicht"), "{e}");
    let seven = [
        "01011101", "01011102", "01011103", "01011104", "01011105", "01011201", "01011202",
    ];
    let e = area_report(&atlas, &request(&seven, false)).unwrap_err().to_string();
    assert!(e.contains("1 bis 6 Gebiete"), "{e}");
    let e = write_area_report(&atlas_report(&atlas), std::path::Path::new("bericht.odt"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("unbekanntes Format „.odt“"), "{e}");
}

fn atlas_report(atlas: &Atlas) -> quartier_core::report::area::AreaReport {
    area_report(atlas, &request(&[STUELERSTRASSE], false)).unwrap()
}

#[test]
fn the_map_indicator_is_coloured_by_the_map_classes_and_the_others_by_the_standard() {
    use quartier_core::analysis::classify::{classify_series, Method};
    use quartier_core::figure::map::ClassStyle;
    use quartier_core::figure::palette::{scheme, SchemeKind};
    let (_dir, atlas) = sample_atlas();
    let mut r = request(&[STUELERSTRASSE], true);
    r.map = Some((
        "anteil_u6".into(),
        ClassStyle {
            method: Method::Quantile,
            classes: 5,
            scheme: Some("Blues".into()),
            reversed: false,
        },
    ));
    let report = area_report(&atlas, &r).unwrap();
    let colour_of = |key: &str| {
        report.rows().find(|row| row.key == key).unwrap().values[0]
            .colour
            .unwrap()
    };
    let class = |key: &str, method: &Method, k: usize| {
        classify_series(&atlas, key, "Planungsraum", "2020", method, k, None)
            .unwrap()
            .areas
            .iter()
            .find(|a| a.key == STUELERSTRASSE)
            .unwrap()
            .class
            .unwrap()
    };
    let blues = scheme(SchemeKind::Sequential, Some("Blues"));
    let c = class("anteil_u6", &Method::Quantile, 5);
    assert_eq!(colour_of("anteil_u6"), blues.class_colour(c, 5, false, false));
    let standard = scheme(SchemeKind::Sequential, None);
    let c = class("anteil_ausl", &Method::EqualInterval, 6);
    assert_eq!(colour_of("anteil_ausl"), standard.class_colour(c, 6, false, false));
}
