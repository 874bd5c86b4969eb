//! The public web atlas in a real browser: the sample atlas released in part (two
//! indicators, the Kitas with their address, a public story), published to the server, and
//! its page at `/<slug>/` driven in Debian's Chromium by Playwright (`tests/web/atlas.mjs`)
//! on a desktop and a phone. What the browser shows is compared with the open data the
//! server gives for the same selection, formatted here in German notation by hand, and with
//! the atlas itself (areas, places).
//!
//! Needs `/usr/bin/chromium` and `tests/web/node_modules` (`.ci/run` installs both).
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, released_sample, repo, s, start_server_for_berlin};

/// German notation with `decimals` places: `.` between thousands, `,` before the decimals,
/// and `–` for exactly zero.
fn german(value: f64, decimals: usize) -> String {
    if value == 0.0 {
        return "–".into();
    }
    let text = format!("{:.*}", decimals, value.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    match fraction {
        Some(f) => format!("{sign}{grouped},{f}"),
        None => format!("{sign}{grouped}"),
    }
}

fn get(url: &str) -> reqwest::blocking::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url)
        .send()
        .unwrap()
}

fn get_json(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(url).text().unwrap()).unwrap()
}

#[test]
fn a_citizen_reads_the_published_atlas_in_chromium_on_a_desktop_and_a_phone() {
    let playwright = repo().join("tests/web/node_modules/playwright-core");
    assert!(
        playwright.exists() && std::path::Path::new("/usr/bin/chromium").exists(),
        "Für diesen Test fehlen Chromium oder playwright-core: apt-get install chromium; cd tests/web && npm ci (das tut .ci/run)"
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let (base, token) = start_server_for_berlin(&data);
    let atlas = dir.path().join("berlin.quartier");
    released_sample(&atlas);
    let a = s(&atlas);
    json(&["release", a, "--poi-category", "Kita", "--attributes", "address"]);
    let text = dir.path().join("text.md");
    std::fs::write(&text, "In Mitte ist der Anteil **hoch**.\n\n- Wedding\n- Moabit\n").unwrap();
    json(&[
        "bookmark",
        "add",
        a,
        "--name",
        "Kinderarmut in Mitte",
        "--level",
        "Planungsraum",
        "--indicator",
        "s4",
        "--period",
        "2019",
        "--text-file",
        s(&text),
        "--image",
        s(&repo().join("assets/icon.png")),
        "--public",
    ]);
    json(&[
        "story",
        "add",
        a,
        "--name",
        "Kinderarmut",
        "--bookmarks",
        "Kinderarmut in Mitte",
        "--public",
    ]);
    json(&["release", a, "--story", "Kinderarmut"]);
    json(&["publish", a, "--server", &format!("{base}/berlin"), "--token", &token]);

    // The page and its files.
    let redirect = get(&format!("{base}/berlin"));
    assert_eq!(redirect.status(), 308);
    assert_eq!(redirect.headers()["location"], "/berlin/");
    let page = get(&format!("{base}/berlin/"));
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    assert!(page.text().unwrap().contains("<html lang=\"de\">"));
    assert_eq!(get(&format!("{base}/nirgendwo/")).status(), 404);
    let script = get(&format!("{base}/static/vendor/leaflet/leaflet.js"));
    assert_eq!(script.status(), 200);
    assert!(script.headers().contains_key("etag"));
    assert_eq!(get(&format!("{base}/static/../Cargo.toml")).status(), 404);

    // The browser.
    let out = repo().join("target/web-atlas");
    std::fs::create_dir_all(&out).unwrap();
    let run = std::process::Command::new("node")
        .arg(repo().join("tests/web/atlas.mjs"))
        .arg(format!("{base}/berlin/"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(seen["errors"], serde_json::json!([]), "no script errors");
    assert_eq!(
        seen["foreign_requests"],
        serde_json::json!([]),
        "nothing is loaded from another host"
    );
    assert_eq!(seen["title"], "Berlin (Beispielatlas)");

    // Only what was released is offered.
    assert_eq!(seen["options"]["ebene"], serde_json::json!(["Planungsraum"]), "{seen}");
    let mut indicators: Vec<&str> = seen["options"]["indikator"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    indicators.sort_unstable();
    assert!(
        indicators.iter().all(|i| ["ew_6_15", "s4"].contains(i)),
        "{indicators:?}"
    );
    assert_eq!(
        seen["tab_order"],
        serde_json::json!(["springen", "thema", "indikator", "ebene", "jahr"]),
        "the keyboard reaches the skip link and the four lists in order"
    );

    // Map, table, legend and chart against the open data of the same selection.
    let values = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    let areas = get_json(&format!("{base}/berlin/api/levels/Planungsraum"));
    let area_count = areas["features"].as_array().unwrap().len();
    assert_eq!(seen["map_title"], "Einwohner 6 bis unter 15 Jahre, Planungsraum, 2020");
    assert_eq!(seen["areas_on_map"], area_count);
    let table = seen["table"].as_object().unwrap();
    assert_eq!(table.len(), area_count);
    let decimals = values["decimals"].as_u64().unwrap() as usize;
    let mut suppressed = 0;
    let mut numbers = 0;
    for v in values["values"].as_array().unwrap() {
        let key = v["key"].as_str().unwrap();
        let shown = table[key].as_str().unwrap();
        match v["status"].as_str().unwrap() {
            "ok" => {
                numbers += 1;
                assert_eq!(shown, german(v["value"].as_f64().unwrap(), decimals), "{key}");
            }
            "suppressed" => {
                suppressed += 1;
                assert_eq!(shown, "k. A.", "{key}");
            }
            other => panic!("{key}: {other}"),
        }
    }
    assert!(suppressed >= 4, "the hidden cells of ew_6_15 2020: {suppressed}");

    // Every area's colour is the legend entry of its class: six equal intervals over the
    // published numbers (the default of every map the atlas exports), computed here by hand.
    let published: Vec<(&str, f64)> = values["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "ok")
        .map(|v| (v["key"].as_str().unwrap(), v["value"].as_f64().unwrap()))
        .collect();
    let min = published.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max = published.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let class_of = |v: f64| (((v - min) / (max - min) * 6.0).floor() as usize).min(5);
    let legend = seen["legend_entries"].as_array().unwrap();
    assert_eq!(legend.len(), 7, "six classes and k. A.: {legend:?}");
    assert!(legend[..6]
        .iter()
        .all(|e| e["text"].as_str().unwrap().ends_with(" Personen")));
    let rgb = |hex: &str| {
        let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        format!("rgb({}, {}, {})", channel(1), channel(3), channel(5))
    };
    let fills = seen["fills"].as_object().unwrap();
    assert_eq!(fills.len(), area_count);
    for (key, value) in &published {
        let fill = rgb(fills[*key].as_str().unwrap());
        assert_eq!(fill, legend[class_of(*value)]["colour"], "{key}: {value}");
    }
    // Stülerstraße: 143 children of 6 to 15 (the source's CSV, t2 2020), the lowest class;
    // its colour and its value.
    let (_, stueler) = published.iter().find(|p| p.0 == "01011101").unwrap();
    assert_eq!(*stueler, 143.0);
    assert_eq!(
        (class_of(*stueler), table["01011101"].as_str().unwrap()),
        (0, german(*stueler, decimals).as_str())
    );
    assert_eq!(
        rgb(fills["01011101"].as_str().unwrap()),
        legend[0]["colour"],
        "{}",
        legend[0]
    );
    for key in table.keys().filter(|k| table[*k] == "k. A.") {
        assert_eq!(fills[key], "url(#geheim)", "{key}");
    }
    assert_eq!(table["04061757"], "k. A.", "Forst Grunewald (3 children)");
    assert_eq!(seen["hatched_on_map"], suppressed);
    assert_eq!(seen["hatching_defined"], true);
    assert!(
        seen["legend"]
            .as_str()
            .unwrap()
            .contains(&format!("k. A. ({suppressed} Gebiete)")),
        "{}",
        seen["legend"]
    );
    assert_eq!(seen["bars"], numbers.min(40));
    assert!(seen["chart_label"]
        .as_str()
        .unwrap()
        .contains(&format!("{numbers} Gebiete mit Wert")));
    assert_eq!(seen["address"], "#i=ew_6_15&e=Planungsraum&j=2020");
    assert_eq!(seen["csv_head"], "schluessel;wert;status");
    let largest = values["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "ok")
        .max_by(|a, b| a["value"].as_f64().unwrap().total_cmp(&b["value"].as_f64().unwrap()))
        .unwrap();
    assert_eq!(seen["sorted"]["aria"], "descending");
    assert_eq!(seen["sorted"]["first"], largest["key"]);
    assert!(
        seen["selected"]
            .as_str()
            .unwrap()
            .starts_with("Gewählt: Stülerstraße (01011101): "),
        "{}",
        seen["selected"]
    );

    // The Kitas with their released attribute, and the public story.
    let kitas = quartier_core::Atlas::open(&atlas).unwrap().pois("Kita").unwrap().len();
    assert!(kitas > 0);
    assert_eq!(seen["places"], kitas);
    // Clustered: a few dozen circles over the whole city, not 2,880 dots; zoomed in on one,
    // single places appear.
    let clusters = seen["place_clusters"].as_u64().unwrap();
    assert!((5..=300).contains(&clusters), "{clusters} circles");
    assert!(
        seen["places_zoomed"]["single"].as_u64().unwrap() > 0,
        "{}",
        seen["places_zoomed"]
    );
    assert_eq!(seen["story_slides"], serde_json::json!(["Kinderarmut in Mitte"]));
    assert!(seen["story_strong"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("hoch")));
    let images = seen["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "the story's map and its image: {images:?}");
    for image in images {
        assert!(
            image["alt"].as_str().is_some_and(|a| a.len() > 8) && image["loaded"] == true,
            "{image}"
        );
    }
    assert!(
        seen["contrast"]["ratio"].as_f64().unwrap() >= 4.5,
        "WCAG AA: {}",
        seen["contrast"]
    );

    // The phone: nothing wider than the screen.
    let phone = &seen["phone"];
    assert_eq!(phone["width"], 390);
    assert!(phone["scroll_width"].as_f64().unwrap() <= 390.0, "{phone}");
    assert!(phone["map_width"].as_f64().unwrap() <= 390.0, "{phone}");
    assert!(phone["select_width"].as_f64().unwrap() >= 300.0, "{phone}");
    // Opened without a selection in the address: the first indicator, on its level, in
    // its latest year, with the hatching defined on the first drawing.
    assert_eq!(phone["title"], seen["map_title"]);
    assert_eq!(phone["hatched"], suppressed);
    assert_eq!(phone["hatching_defined"], true);
}

#[test]
fn german_notation_by_hand() {
    assert_eq!(german(1234.5, 1), "1.234,5");
    assert_eq!(german(215.0, 0), "215");
    assert_eq!(german(0.0, 1), "–");
    assert_eq!(german(-1234567.0, 0), "-1.234.567");
}
