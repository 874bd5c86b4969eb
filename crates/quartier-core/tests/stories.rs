//! Bookmarks and stories on the Berlin sample atlas: kept in the atlas, a story's handout as
//! PDF (read back with poppler's pdftotext) and as PowerPoint (read back as a zip: the slide
//! XML's texts, the pictures decoded by the `image` crate, every relationship's target
//! present), suppression and the internal marking as in every output.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::io::Read as _;

use common::*;
use quartier_core::export::INTERNAL_MARKING;
use quartier_core::figure::chart::ChartKind;
use quartier_core::store::{BookmarkView, Presentation};
use quartier_core::story::write_story;
use quartier_core::{Atlas, NoProgress};

fn view(indicator: &str, level: &str, areas: &[&str], diagram: Option<ChartKind>) -> BookmarkView {
    BookmarkView {
        level: level.into(),
        // The MSS indicators run to 2019, the population to 2020.
        period: if indicator.starts_with("ew") { "2020" } else { "2019" }.into(),
        indicators: vec![indicator.into()],
        presentation: Some(Presentation {
            method: "quantile".into(),
            classes: 5,
            manual_breaks: String::new(),
            scheme: "Blues".into(),
            reversed: false,
        }),
        areas: areas.iter().map(|s| s.to_string()).collect(),
        diagram,
        panes: if diagram.is_some() {
            vec!["map".into(), "diagram".into()]
        } else {
            vec!["map".into()]
        },
        ..BookmarkView::default()
    }
}

const KINDERARMUT: &str = "## Kinderarmut im Zentrum\n\nIn **Mitte** liegt der Anteil über dem Berliner Wert.\n\n\
     - höchster Wert im Wedding\n- Quelle: [Amt für Statistik](https://www.statistik-berlin-brandenburg.de)";

/// Three bookmarks (the second with counts of children, which the suppression hides where
/// they are small) in the story "Ausschuss".
fn three_bookmarks(atlas: &mut Atlas) {
    atlas
        .save_bookmark(
            "Kinderarmut 2020",
            &view("s4", "Planungsraum", &["01011101"], Some(ChartKind::Bar)),
            KINDERARMUT,
            "A. Planerin",
        )
        .unwrap();
    atlas
        .save_bookmark(
            "Kinder 6 bis 15",
            &view("ew_6_15", "Planungsraum", &[], None),
            "Die **Kleinsten** wohnen am Stadtrand.",
            "A. Planerin",
        )
        .unwrap();
    atlas
        .save_bookmark(
            "Arbeitslosigkeit nach Bezirksregion",
            &view("s1", "Bezirksregion", &[], Some(ChartKind::Line)),
            "1. steigt im Norden\n2. sinkt im Süden",
            "B. Planer",
        )
        .unwrap();
    atlas
        .save_story(
            "Ausschuss",
            "Vorlage für den **Jugendhilfeausschuss** am 3. Dezember.",
            &[
                "Kinderarmut 2020".to_string(),
                "Kinder 6 bis 15".to_string(),
                "Arbeitslosigkeit nach Bezirksregion".to_string(),
            ],
            "A. Planerin",
        )
        .unwrap();
}

#[test]
fn bookmarks_and_stories_are_kept_in_the_atlas_and_a_bookmark_can_be_in_several_stories() {
    let (_dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    let b = atlas.bookmark("Kinderarmut 2020").unwrap();
    assert_eq!(b.view, view("s4", "Planungsraum", &["01011101"], Some(ChartKind::Bar)));
    assert_eq!(b.author, "A. Planerin");
    assert!(!b.public);
    assert_eq!(b.created.len(), 20, "{}", b.created);
    // Saving again under the same name replaces view and text; the story keeps it.
    let replaced = atlas
        .save_bookmark("Kinderarmut 2020", &view("s4", "Bezirk", &[], None), "neu", "C")
        .unwrap();
    assert!(replaced);
    assert_eq!(atlas.bookmark("Kinderarmut 2020").unwrap().view.level, "Bezirk");
    let story = atlas.story("Ausschuss").unwrap();
    assert_eq!(story.bookmarks[0], "Kinderarmut 2020");
    assert_eq!(story.bookmarks.len(), 3);
    // Duplicate, reorder the copy; the original keeps its order.
    atlas.duplicate_story("Ausschuss", "Ausschuss (Kopie)").unwrap();
    let mut order = story.bookmarks.clone();
    order.reverse();
    atlas
        .save_story("Ausschuss (Kopie)", &story.intro, &order, "A")
        .unwrap();
    assert_eq!(atlas.story("Ausschuss (Kopie)").unwrap().bookmarks, order);
    assert_eq!(atlas.story("Ausschuss").unwrap().bookmarks, story.bookmarks);
    assert!(atlas.duplicate_story("Ausschuss", "Ausschuss (Kopie)").is_err());
    // A story of an unknown bookmark is refused, naming it.
    let e = atlas
        .save_story("Falsch", "", &["gibt es nicht".to_string()], "")
        .unwrap_err()
        .to_string();
    assert!(e.contains("„gibt es nicht“"), "{e}");
    assert!(atlas.story("Falsch").is_err(), "nothing half-written");
    // Deleting a bookmark takes it out of both stories and says which.
    let left = atlas.delete_bookmark("Kinder 6 bis 15").unwrap();
    assert_eq!(left, vec!["Ausschuss".to_string(), "Ausschuss (Kopie)".to_string()]);
    assert_eq!(atlas.story("Ausschuss").unwrap().bookmarks.len(), 2);
    // Public flags.
    atlas.set_story_public("Ausschuss", true).unwrap();
    atlas.set_bookmark_public("Kinderarmut 2020", true).unwrap();
    assert!(atlas.story("Ausschuss").unwrap().public);
    assert!(atlas.bookmark("Kinderarmut 2020").unwrap().public);
}

#[test]
fn a_story_is_marked_when_it_uses_an_indicator_not_released_for_publication() {
    let (_dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    let story = atlas.story("Ausschuss").unwrap();
    assert_eq!(atlas.unreleased_in_story(&story).unwrap(), vec!["s4", "ew_6_15", "s1"]);
    // Released on the levels the bookmarks show them: s4 and s1; ew_6_15 only elsewhere.
    atlas
        .release_indicators(&["s4".into()], &["Planungsraum".into()], false, "A")
        .unwrap();
    atlas
        .release_indicators(&["s1".into()], &["Bezirksregion".into()], false, "A")
        .unwrap();
    atlas
        .release_indicators(&["ew_6_15".into()], &["Bezirk".into()], false, "A")
        .unwrap();
    assert_eq!(atlas.unreleased_in_story(&story).unwrap(), vec!["ew_6_15"]);
}

#[test]
fn the_pdf_handout_has_a_title_page_and_one_page_per_bookmark_with_its_title_and_text() {
    let (dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    let out = dir.path().join("ausschuss.pdf");
    let summary = write_story(&atlas, "Ausschuss", &out, false, &NoProgress).unwrap();
    assert_eq!(summary.pages, 4);
    assert_eq!(summary.bookmarks, 3);
    assert!(summary.missing.is_empty());
    // Children of 6 to 15 on Planungsräume: two counts of 3 and the two cells that protect
    // them are hidden on the map (as `suppress` decides, tests/figures.rs).
    assert_eq!(summary.suppressed_cells, 4);
    let text = pdf_text(&out);
    let pages: Vec<&str> = text.split('\u{c}').collect();
    assert!(
        pages[0].contains("Ausschuss") && pages[0].contains("Jugendhilfeausschuss"),
        "{}",
        pages[0]
    );
    assert!(pages[0].contains("A. Planerin"));
    assert!(pages[1].contains("Kinderarmut 2020"));
    assert!(pages[1].contains("Kinderarmut im Zentrum"));
    assert!(
        pages[1].contains("In Mitte liegt der Anteil über dem Berliner Wert."),
        "{}",
        pages[1]
    );
    assert!(pages[1].contains("• höchster Wert im Wedding"), "{}", pages[1]);
    // The caption names source and date; the map's own title the series.
    assert!(pages[1].contains("Stand: 31.12.2019"), "{}", pages[1]);
    assert!(pages[2].contains("Kinder 6 bis 15") && pages[2].contains("Die Kleinsten wohnen am Stadtrand."));
    assert!(pages[2].contains("k. A."), "the suppressed class in the legend");
    assert!(pages[3].contains("1. steigt im Norden"), "{}", pages[3]);
    assert!(!text.contains(INTERNAL_MARKING));
    // Internal: every page marked, nothing hidden.
    let intern = write_story(&atlas, "Ausschuss", &dir.path().join("intern.pdf"), true, &NoProgress).unwrap();
    assert_eq!(intern.suppressed_cells, 0);
    let text = pdf_text(&dir.path().join("intern.pdf"));
    assert!(text.matches(INTERNAL_MARKING).count() >= 4, "{text}");
}

/// The files of a zip by name.
fn unzip(path: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut files = BTreeMap::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).unwrap();
        files.insert(file.name().unwrap().to_string(), bytes);
    }
    files
}

/// The texts of `<a:t>` elements, joined by runs and paragraphs.
fn slide_texts(xml: &str) -> String {
    xml.split("<a:t>")
        .skip(1)
        .filter_map(|t| t.split("</a:t>").next())
        .collect::<Vec<_>>()
        .join("")
        .replace("&amp;", "&")
}

#[test]
fn the_pptx_has_editable_texts_valid_pictures_and_every_part_it_refers_to() {
    let (dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    let out = dir.path().join("ausschuss.pptx");
    let summary = write_story(&atlas, "Ausschuss", &out, false, &NoProgress).unwrap();
    assert_eq!(summary.pages, 4);
    let files = unzip(&out);
    let text = |name: &str| String::from_utf8(files[name].clone()).unwrap();
    let types = text("[Content_Types].xml");
    for i in 1..=4 {
        assert!(types.contains(&format!("/ppt/slides/slide{i}.xml")), "{types}");
    }
    let presentation = text("ppt/presentation.xml");
    assert_eq!(presentation.matches("<p:sldId ").count(), 4);
    assert!(presentation.contains("cx=\"12192000\" cy=\"6858000\""), "16:9");
    let title = slide_texts(&text("ppt/slides/slide1.xml"));
    assert!(
        title.contains("Ausschuss") && title.contains("Jugendhilfeausschuss"),
        "{title}"
    );
    let first = text("ppt/slides/slide2.xml");
    let words = slide_texts(&first);
    assert!(words.contains("Kinderarmut 2020"));
    assert!(
        words.contains("In Mitte liegt der Anteil über dem Berliner Wert."),
        "{words}"
    );
    assert!(words.contains("höchster Wert im Wedding"));
    assert!(words.contains("Stand: 31.12.2019"), "{words}");
    // Bold runs stay bold, the list a bulleted list, the link a link; the title the
    // layout's title placeholder.
    assert!(first.contains("b=\"1\" i=\"0\" dirty=\"0\"><a:latin typeface=\"DejaVu Sans\"/></a:rPr><a:t>Mitte</a:t>"));
    assert!(first.contains("<a:buChar char=\"•\"/>"));
    assert!(first.contains("<a:hlinkClick r:id="));
    assert!(first.contains("<p:ph type=\"title\"/>"));
    assert!(slide_texts(&text("ppt/slides/slide4.xml")).contains("steigt im Norden"));
    assert!(text("ppt/slides/slide4.xml").contains("<a:buAutoNum type=\"arabicPeriod\"/>"));
    // Every relationship points to a part in the package (or out, for links); every
    // picture is a PNG the `image` crate decodes, at print resolution.
    let mut pictures = 0;
    for (name, bytes) in &files {
        if !name.ends_with(".rels") {
            continue;
        }
        let xml = String::from_utf8(bytes.clone()).unwrap();
        let base = name.replace("_rels/", "").replace(".rels", "");
        let folder = std::path::Path::new(&base)
            .parent()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_default();
        for rel in xml.split("<Relationship ").skip(1) {
            let target = rel.split("Target=\"").nth(1).unwrap().split('"').next().unwrap();
            if rel.contains("TargetMode=\"External\"") {
                assert!(target.starts_with("https://"), "{target}");
                continue;
            }
            let mut path = folder.clone();
            for part in target.split('/') {
                if part == ".." {
                    path.pop();
                } else {
                    path.push(part);
                }
            }
            let path = path.to_string_lossy().trim_start_matches('/').to_string();
            assert!(files.contains_key(&path), "{name} → {target} ({path}) missing");
            if path.ends_with(".png") {
                let image = image::load_from_memory_with_format(&files[&path], image::ImageFormat::Png).unwrap();
                assert!(image.width() >= 1000, "{path}: {} px", image.width());
                pictures += 1;
            }
        }
    }
    // Three maps and two diagrams.
    assert_eq!(pictures, 5);
    assert!(!files
        .values()
        .any(|b| String::from_utf8_lossy(b).contains(INTERNAL_MARKING)));
    write_story(&atlas, "Ausschuss", &dir.path().join("intern.pptx"), true, &NoProgress).unwrap();
    let intern = unzip(&dir.path().join("intern.pptx"));
    let marked = intern
        .iter()
        .filter(|(n, b)| n.starts_with("ppt/slides/slide") && String::from_utf8_lossy(b).contains(INTERNAL_MARKING))
        .count();
    assert_eq!(marked, 4);
}

#[test]
fn a_bookmark_whose_indicator_was_deleted_still_exports_and_says_what_is_missing() {
    let (dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    atlas.delete_indicator("ew_6_15", None, None).unwrap();
    let missing = atlas
        .missing_in_view(&atlas.bookmark("Kinder 6 bis 15").unwrap().view)
        .unwrap();
    assert_eq!(missing, vec!["Indikator „ew_6_15“ gibt es nicht mehr".to_string()]);
    let out = dir.path().join("rest.pdf");
    let summary = write_story(&atlas, "Ausschuss", &out, false, &NoProgress).unwrap();
    assert_eq!(summary.pages, 4);
    assert_eq!(summary.missing, missing);
    let text = pdf_text(&out);
    assert!(
        text.contains("Nicht mehr im Atlas: Indikator „ew_6_15“ gibt es nicht mehr."),
        "{text}"
    );
    // Unknown formats and stories are refused in German.
    let e = write_story(&atlas, "Ausschuss", &dir.path().join("a.odp"), false, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("möglich sind .pdf und .pptx"), "{e}");
    let e = write_story(&atlas, "Keine", &out, false, &NoProgress).unwrap_err();
    assert!(e.to_string().contains("Story „Keine“ gibt es"), "{e}");
}

#[test]
fn putting_back_what_a_change_returned_undoes_it_exactly() {
    let (_dir, mut atlas) = sample_atlas();
    three_bookmarks(&mut atlas);
    atlas
        .save_story("Kurz", "", &["Kinder 6 bis 15".to_string()], "")
        .unwrap();
    let middle = "Kinder 6 bis 15";
    // Delete the bookmark in the middle of "Ausschuss" and alone in "Kurz" …
    let before = atlas.put_bookmark(middle, None).unwrap().unwrap();
    assert_eq!(
        before.stories,
        vec![("Ausschuss".to_string(), 1), ("Kurz".to_string(), 0)]
    );
    assert_eq!(atlas.story("Ausschuss").unwrap().bookmarks.len(), 2);
    assert!(atlas.bookmark(middle).is_err());
    // … and put it back: the same bookmark in the same places.
    assert!(atlas.put_bookmark(middle, Some(&before)).unwrap().is_none());
    assert_eq!(atlas.bookmark(middle).unwrap(), before.bookmark);
    assert_eq!(atlas.story("Ausschuss").unwrap().bookmarks[1], middle);
    assert_eq!(atlas.story("Kurz").unwrap().bookmarks, vec![middle.to_string()]);
    // A renamed story, and back.
    let story = atlas.story("Ausschuss").unwrap();
    let mut renamed = story.clone();
    renamed.name = "Sozialausschuss".into();
    renamed.bookmarks.swap(0, 2);
    let was = atlas.put_story("Ausschuss", Some(&renamed)).unwrap().unwrap();
    assert!(atlas.story("Ausschuss").is_err());
    assert_eq!(
        atlas.story("Sozialausschuss").unwrap().bookmarks[0],
        "Arbeitslosigkeit nach Bezirksregion"
    );
    atlas.put_story("Sozialausschuss", None).unwrap();
    atlas.put_story("Ausschuss", Some(&was)).unwrap();
    let back = atlas.story("Ausschuss").unwrap();
    assert_eq!(
        (back.bookmarks, back.intro, back.created),
        (story.bookmarks, story.intro, story.created)
    );
}
