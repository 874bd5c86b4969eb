//! `quartier bookmark add|list` and `quartier story add|list|export` on the sample atlas, as
//! an analyst scripts them (one story per Bezirk): every flag, the view kept as given, the
//! handouts read back (PDF text by poppler, the PPTX's slide XML), and German errors that
//! name what is wrong before anything is written.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, json, ok, repo, s};

fn sample(dir: &std::path::Path) -> std::path::PathBuf {
    let atlas = dir.join("beispiel.quartier");
    json(&["sample", "--out", s(&atlas)]);
    atlas
}

#[test]
fn bookmarks_and_a_story_per_bezirk_are_scripted_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample(dir.path());
    let a = s(&atlas);
    let text_file = dir.path().join("text.md");
    std::fs::write(
        &text_file,
        "## Mitte\n\nDer Anteil ist **hoch**.\n\n- Wedding\n- Moabit\n",
    )
    .unwrap();
    let added = json(&[
        "bookmark",
        "add",
        a,
        "--name",
        "Kinderarmut Mitte",
        "--level",
        "Planungsraum",
        "--indicator",
        "s4",
        "--period",
        "2019",
        "--areas",
        "01011101,01011102",
        "--method",
        "manual",
        "--breaks",
        "10; 20,5; 40",
        "--scheme",
        "Reds",
        "--diagram",
        "scatter",
        "--second-indicator",
        "s1",
        "--text-file",
        s(&text_file),
        "--image",
        s(&repo().join("assets/icon.png")),
        "--author",
        "A. Planerin",
        "--public",
    ]);
    let b = &added["bookmark"];
    assert_eq!(added["replaced"], false);
    assert_eq!(b["view"]["areas"], serde_json::json!(["01011101", "01011102"]));
    assert_eq!(b["view"]["presentation"]["method"], "manual");
    assert_eq!(b["view"]["presentation"]["manual_breaks"], "10; 20,5; 40");
    assert_eq!(b["view"]["presentation"]["scheme"], "Reds");
    assert_eq!(b["view"]["diagram"], "scatter");
    assert_eq!(b["view"]["second_indicator"], "s1");
    assert_eq!(b["images"], serde_json::json!(["icon.png"]));
    assert_eq!(
        (b["author"].as_str(), b["public"].as_bool()),
        (Some("A. Planerin"), Some(true))
    );
    assert!(b["text"].as_str().unwrap().contains("**hoch**"));
    json(&[
        "bookmark",
        "add",
        a,
        "--name",
        "Kinder 6 bis 15",
        "--level",
        "Planungsraum",
        "--indicator",
        "ew_6_15",
        "--period",
        "2020",
        "--method",
        "quantile",
        "--classes",
        "4",
        "--diagram",
        "bar",
        "--text",
        "Wenige Kinder in der **Innenstadt**.",
    ]);
    let list = json(&["bookmark", "list", a]);
    assert_eq!(list["bookmarks"].as_array().unwrap().len(), 2);
    // By name: "Kinder 6 bis 15" before "Kinderarmut Mitte".
    assert_eq!(list["bookmarks"][0]["view"]["presentation"]["classes"], 4);
    assert!(ok(&["bookmark", "list", a])
        .contains("„Kinderarmut Mitte“: Planungsraum – s4, 2019 · A. Planerin · öffentlich"));

    let story = json(&[
        "story",
        "add",
        a,
        "--name",
        "Mitte",
        "--bookmarks",
        "Kinderarmut Mitte,Kinder 6 bis 15",
        "--intro",
        "Der Bezirk **Mitte** im Überblick.",
        "--author",
        "A. Planerin",
        "--public",
    ]);
    assert_eq!(
        story["story"]["bookmarks"],
        serde_json::json!(["Kinderarmut Mitte", "Kinder 6 bis 15"])
    );
    // Public, but none of its indicators is released: the list says so.
    assert_eq!(story["story"]["unreleased"], serde_json::json!(["s4", "s1", "ew_6_15"]));
    let stories = json(&["story", "list", a]);
    assert_eq!(stories["stories"][0]["name"], "Mitte");
    assert!(ok(&["story", "list", a]).contains("nicht freigegeben: s4, s1, ew_6_15"));

    let pdf = dir.path().join("mitte.pdf");
    let written = json(&["story", "export", a, "--story", "Mitte", "--out", s(&pdf)]);
    assert_eq!(
        (written["pages"].as_u64(), written["format"].as_str()),
        (Some(3), Some("pdf"))
    );
    // Each cell hidden on a figure counts once: what `suppress` hides on the level (and in
    // the reference) for the indicators shown, s4 and s1 in 2019 and the children in 2020.
    let hidden = |period: &str, indicators: &str| {
        let report = json(&[
            "suppress",
            a,
            "--level",
            "Planungsraum",
            "--period",
            period,
            "--indicators",
            indicators,
        ]);
        report["cells"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["level"] == "Planungsraum" || (c["level"] == "Gesamtstadt" && c["key"] == ""))
            .count() as u64
    };
    let expected = hidden("2019", "s4,s1") + hidden("2020", "ew_6_15");
    assert!(
        hidden("2020", "ew_6_15") >= 4,
        "two counts of 3 and the cells that protect them"
    );
    assert_eq!(written["suppressed_cells"].as_u64(), Some(expected));
    let out = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "Der Bezirk Mitte im Überblick.",
        "Kinderarmut Mitte",
        "Der Anteil ist hoch.",
        "Wedding",
        "Wenige Kinder in der Innenstadt.",
    ] {
        assert!(text.contains(expected), "„{expected}“ missing:\n{text}");
    }
    let pptx = dir.path().join("mitte.pptx");
    let written = json(&["story", "export", a, "--story", "Mitte", "--out", s(&pptx), "--intern"]);
    assert_eq!(
        (written["intern"].as_bool(), written["suppressed_cells"].as_u64()),
        (Some(true), Some(0))
    );
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pptx).unwrap()).unwrap();
    let mut slide = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("ppt/slides/slide2.xml").unwrap(), &mut slide).unwrap();
    assert!(
        slide.contains("<a:t>Kinderarmut Mitte</a:t>") && slide.contains("Nur für den Dienstgebrauch"),
        "{slide}"
    );
    // The bookmark's own image is on its slide, beside the map and the scatter.
    assert!(zip.by_name("ppt/media/bild3.png").is_ok());
}

#[test]
fn what_a_bookmark_names_must_exist_and_nothing_is_written_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = sample(dir.path());
    let a = s(&atlas);
    let base = [
        "bookmark",
        "add",
        a,
        "--name",
        "X",
        "--level",
        "Planungsraum",
        "--period",
        "2019",
    ];
    fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
        [base, extra].concat()
    }
    let err = fails(&with(&base, &["--indicator", "gibtsnicht"]), 1);
    assert!(err.contains("gibtsnicht"), "{err}");
    let err = fails(&with(&base, &["--indicator", "s4", "--areas", "99999999"]), 1);
    assert!(
        err.contains("Gebiet „99999999“ gibt es auf Ebene „Planungsraum“ nicht"),
        "{err}"
    );
    let err = fails(
        &with(&base, &["--indicator", "s4", "--method", "manual", "--breaks", "zehn"]),
        1,
    );
    assert!(err.contains("Grenze „zehn“ ist keine Zahl"), "{err}");
    let err = fails(&with(&base, &["--indicator", "s4", "--diagram", "scatter"]), 1);
    assert!(err.contains("--second-indicator"), "{err}");
    let not_png = dir.path().join("bild.png");
    std::fs::write(&not_png, "kein Bild").unwrap();
    let err = fails(&with(&base, &["--indicator", "s4", "--image", s(&not_png)]), 1);
    assert!(err.contains("bild.png: kein lesbares PNG-Bild"), "{err}");
    assert_eq!(
        json(&["bookmark", "list", a])["bookmarks"],
        serde_json::json!([]),
        "nothing half-written"
    );
    let err = fails(&["story", "add", a, "--name", "S", "--bookmarks", "X"], 1);
    assert!(err.contains("Lesezeichen „X“ gibt es in diesem Atlas nicht"), "{err}");
    let err = fails(
        &[
            "story",
            "export",
            a,
            "--story",
            "S",
            "--out",
            s(&dir.path().join("s.odp")),
        ],
        1,
    );
    assert!(err.contains("möglich sind .pdf und .pptx"), "{err}");
    // The app refuses to present a story the atlas does not have, before opening a window.
    let data = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(["open", a, "--present", "Unbekannt"])
        .env("QUARTIER_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Story „Unbekannt“ gibt es in diesem Atlas nicht"));
}
