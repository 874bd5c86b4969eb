//! The book of Quartiersprofile on the Berlin sample atlas, read back with poppler
//! (pdftotext, pdfinfo): one profile per Planungsraum, listed in the table of contents, with
//! the atlas's values in German notation, parent values summed by hand, "k. A." for small
//! counts, the planner's text, and a saved template deciding what appears.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use geo::Contains;
use quartier_core::report::profiles::{write_profiles, ProfilesRequest};
use quartier_core::store::{ProfileSection, ProfileTemplate};
use quartier_core::{Atlas, NoProgress};

fn request(areas: &[&str]) -> ProfilesRequest {
    ProfilesRequest {
        level: "Planungsraum".into(),
        period: "2020".into(),
        areas: areas.iter().map(|s| s.to_string()).collect(),
        template: None,
        intern: false,
    }
}

/// The page of the book that begins the profile of `key` and the pages up to the next one.
fn profile(pages: &[&str], key: &str) -> String {
    let heading = format!("({key})");
    let start = pages
        .iter()
        .rposition(|p| {
            p.lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.contains(&heading))
        })
        .unwrap();
    let mut out = pages[start].to_string();
    for p in &pages[start + 1..] {
        if p.lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(|l| l.trim_end().ends_with(')') && l.contains(" ("))
        {
            break;
        }
        out.push_str(p);
    }
    out
}

#[test]
fn the_whole_book_has_one_listed_profile_per_planungsraum() {
    let (dir, mut atlas) = sample_atlas();
    atlas
        .set_area_text(
            "Planungsraum",
            "01011101",
            "Diplomatenviertel am Tiergarten: wenige Kinder, viele Einpersonenhaushalte.",
            "Jugendhilfeplanung",
        )
        .unwrap();
    let out = dir.path().join("profile.pdf");
    let summary = write_profiles(&atlas, &request(&[]), &out, &NoProgress).unwrap();
    let level = atlas.level("Planungsraum").unwrap();
    let areas = atlas.areas(level.id).unwrap();
    assert_eq!(areas.len(), 448);
    assert_eq!(summary.profiles, 448);
    let info = std::process::Command::new("pdfinfo").arg(&out).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains(&format!("Pages:           {}", summary.pages)), "{info}");
    let text = pdf_text(&out);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    // The table of contents (before the first profile) lists every area with its page.
    let first = pages.iter().position(|p| p.contains("Diplomatenviertel")).unwrap();
    let contents: String = pages[1..first].concat();
    for a in areas.iter() {
        let entry = format!("{} ({})", a.name, a.key);
        assert!(contents.contains(&entry), "„{entry}“ not in the table of contents");
    }
    assert!(contents.contains("Glossar"));
    // Every profile heading once on its own page.
    let headings = pages
        .iter()
        .filter(|p| {
            p.lines()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| areas.iter().any(|a| l.trim() == format!("{} ({})", a.name, a.key)))
        })
        .count();
    assert_eq!(headings, 448);

    // Stülerstraße: its residents in German notation, its text, its parent's sum by hand.
    let stueler = profile(&pages, "01011101");
    assert!(stueler.contains("3.419"), "{stueler}");
    assert!(stueler.contains("Diplomatenviertel am Tiergarten"));
    let ew = atlas.indicator("ew").unwrap();
    let period = atlas.period("2020").unwrap();
    let values = atlas.values(ew.id, level.id, period.id).unwrap();
    let parent = areas.iter().find(|a| &*a.key == "01011101").unwrap().parent_area_id;
    let sum: f64 = areas
        .iter()
        .filter(|a| a.parent_area_id == parent)
        .map(|a| values[&a.id].number().unwrap())
        .sum();
    let line = stueler
        .lines()
        .find(|l| l.trim_start().starts_with("Einwohner (Personen)"))
        .unwrap();
    assert!(
        line.contains(&quartier_core::numbers::format_german(sum, 0)),
        "{line} (Σ {sum})"
    );
    // Forst Grunewald: 3 children aged 6 to 15, "k. A." in the area's and the parent's column.
    let forst = profile(&pages, "04061757");
    let line = forst
        .lines()
        .find(|l| l.trim_start().starts_with("Einwohner 6 bis unter 15"))
        .unwrap();
    assert_eq!(line.matches("k. A.").count(), 2, "{line}");
    assert!(!line.split_whitespace().any(|w| w == "3"), "{line}");
}

#[test]
fn a_saved_template_decides_the_sections_and_facilities_are_counted_in_their_area() {
    let (dir, mut atlas) = sample_atlas();
    atlas
        .save_profile_template(&ProfileTemplate {
            name: "Jugendhilfe".into(),
            sections: vec![
                ProfileSection {
                    title: "Kinder und Jugendliche".into(),
                    indicators: vec!["ew_u6".into(), "ew_6_15".into(), "anteil_u6".into()],
                },
                ProfileSection {
                    title: "Herkunft".into(),
                    indicators: vec!["anteil_mh".into()],
                },
            ],
        })
        .unwrap();
    let out = dir.path().join("jugendhilfe.pdf");
    let mut r = request(&["01011101"]);
    r.template = Some("Jugendhilfe".into());
    let summary = write_profiles(&atlas, &r, &out, &NoProgress).unwrap();
    assert_eq!((summary.profiles, summary.template.as_str()), (1, "Jugendhilfe"));
    let text = pdf_text(&out);
    assert!(text.contains("Kinder und Jugendliche") && text.contains("Herkunft"));
    assert!(text.contains("Anteil mit Migrationshintergrund"));
    assert!(
        !text.contains("Einwohner 65 Jahre und älter (Personen)"),
        "not in the template"
    );
    // Kitas in Stülerstraße, counted here point by point in its polygon.
    let level = atlas.level("Planungsraum").unwrap();
    let (_, geometry) = atlas
        .area_geometries(level.id)
        .unwrap()
        .into_iter()
        .find(|(a, _)| &*a.key == "01011101")
        .unwrap();
    let kitas = atlas.pois("Kita").unwrap();
    let inside: Vec<_> = kitas
        .iter()
        .filter(|p| geometry.contains(&geo::point! { x: p.lon, y: p.lat }))
        .collect();
    let line = text.lines().find(|l| l.trim_start().starts_with("Kita ")).unwrap();
    let numbers: Vec<&str> = line.split_whitespace().skip(1).collect();
    assert_eq!(numbers[0], inside.len().to_string(), "{line}");
    let places: f64 = inside.iter().filter_map(|p| p.capacity).sum();
    assert_eq!(numbers[1], quartier_core::numbers::format_german(places, 0), "{line}");

    let mut wrong = request(&["01011101"]);
    wrong.template = Some("Senioren".into());
    let e = write_profiles(&atlas, &wrong, &out, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Profilvorlage „Senioren“ gibt es nicht; gespeichert sind: „Jugendhilfe“"),
        "{e}"
    );
    let e = write_profiles(&atlas, &request(&["99"]), &out, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains("Gebiet „99“ gibt es auf Ebene „Planungsraum“ nicht"), "{e}");
}

#[test]
fn texts_and_templates_are_kept_in_the_atlas_file() {
    let (dir, mut atlas) = sample_atlas();
    atlas
        .set_area_text("Planungsraum", "01011101", "Erster Text", "A")
        .unwrap();
    let before = atlas
        .set_area_text("Planungsraum", "01011101", "Zweiter Text", "B")
        .unwrap();
    assert_eq!(before.as_deref(), Some("Erster Text"));
    let path = dir.path().join("berlin.quartier");
    drop(atlas);
    let mut atlas = Atlas::open(&path).unwrap();
    let t = atlas.area_text("Planungsraum", "01011101").unwrap().unwrap();
    assert_eq!((t.text.as_str(), t.author.as_str()), ("Zweiter Text", "B"));
    atlas.set_area_text("Planungsraum", "01011101", "  ", "B").unwrap();
    assert!(
        atlas.area_text("Planungsraum", "01011101").unwrap().is_none(),
        "empty removes"
    );
    let e = atlas
        .save_profile_template(&ProfileTemplate {
            name: "X".into(),
            sections: vec![ProfileSection {
                title: "A".into(),
                indicators: vec!["gibtsnicht".into()],
            }],
        })
        .unwrap_err()
        .to_string();
    assert!(e.contains("Indikator „gibtsnicht“ gibt es nicht"), "{e}");
}
