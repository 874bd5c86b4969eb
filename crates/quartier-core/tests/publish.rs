//! Release and the public bundle on the Berlin sample atlas: releases are logged with who
//! did them; the bundle holds exactly what was released, suppressed; nothing unreleased or
//! internal is in any of its files (searched byte by byte); the manifest's hashes agree with
//! `sha256sum`; a new bundle replaces the old one as a whole.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::*;
use quartier_core::publish::{plan, write_bundle};
use quartier_core::store::BookmarkView;
use quartier_core::{Atlas, NoProgress};

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// Every file of a bundle by its path.
fn read_bundle(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap()
}

/// s4 and s1 on Bezirksregion and Planungsraum, the children of 6 to 15 on Planungsraum,
/// Kitas with their places, and a public story.
fn released(atlas: &mut Atlas) {
    atlas
        .release_indicators(
            &s(&["s4", "s1"]),
            &s(&["Bezirksregion", "Planungsraum"]),
            false,
            "A. Planerin",
        )
        .unwrap();
    atlas
        .release_indicators(&s(&["ew_6_15"]), &s(&["Planungsraum"]), false, "A. Planerin")
        .unwrap();
    atlas
        .release_poi_category("Kita", &s(&["capacity", "e_web"]), false, "A. Planerin")
        .unwrap();
    let view = BookmarkView {
        level: "Planungsraum".into(),
        period: "2019".into(),
        indicators: s(&["s4"]),
        panes: s(&["map"]),
        ..BookmarkView::default()
    };
    atlas
        .save_bookmark("Kinderarmut", &view, "Hoch in **Mitte**.", "")
        .unwrap();
    atlas
        .save_story("Öffentlich", "Für alle.", &s(&["Kinderarmut"]), "")
        .unwrap();
    atlas.release_story("Öffentlich", false, "A. Planerin").unwrap();
}

#[test]
fn releases_are_logged_with_who_and_can_be_taken_back() {
    let (dir, mut atlas) = sample_atlas();
    let change = atlas
        .release_indicators(&s(&["s4"]), &s(&["Bezirk", "Planungsraum"]), false, "A. Planerin")
        .unwrap();
    assert_eq!(change.items, s(&["s4 auf Bezirk", "s4 auf Planungsraum"]));
    let again = atlas
        .release_indicators(&s(&["s4"]), &s(&["Bezirk"]), false, "B")
        .unwrap();
    assert!(again.items.is_empty() && again.unchanged == s(&["s4 auf Bezirk"]));
    assert!(atlas.is_released("s4", "Bezirk").unwrap());
    atlas
        .release_indicators(&s(&["s4"]), &s(&["Bezirk"]), true, "C. Prüfer")
        .unwrap();
    assert!(!atlas.is_released("s4", "Bezirk").unwrap());
    assert_eq!(
        atlas.released_indicators().unwrap(),
        vec![("s4".to_string(), "Planungsraum".to_string())]
    );
    // An internal level is never released, and marking it internal withdraws its releases.
    atlas.set_level_internal("Planungsraum", true, "A. Planerin").unwrap();
    assert!(atlas.released_indicators().unwrap().is_empty());
    let e = atlas
        .release_indicators(&s(&["s1"]), &s(&["Planungsraum"]), false, "A")
        .unwrap_err()
        .to_string();
    assert!(e.contains("Ebene „Planungsraum“ ist intern"), "{e}");
    // Unknown attributes are named.
    let e = atlas
        .release_poi_category("Kita", &s(&["gibtsnicht"]), false, "A")
        .unwrap_err()
        .to_string();
    assert!(e.contains("kein Merkmal „gibtsnicht“") && e.contains("capacity"), "{e}");
    drop(atlas);
    let conn = rusqlite::Connection::open(dir.path().join("berlin.quartier")).unwrap();
    let log: Vec<(String, String)> = conn
        .prepare("SELECT who, detail FROM audit_log WHERE action = 'release' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        log,
        vec![
            (
                "A. Planerin".into(),
                "Freigegeben: s4 auf Bezirk, s4 auf Planungsraum".into()
            ),
            ("C. Prüfer".into(), "Freigabe zurückgenommen: s4 auf Bezirk".into()),
            (
                "A. Planerin".into(),
                "Ebene „Planungsraum“ intern (nie veröffentlicht)".into()
            ),
        ]
    );
    // Nothing public before a release, POI categories included.
    let fresh = Atlas::open(&dir.path().join("berlin.quartier")).unwrap();
    assert!(fresh.released_poi_categories().unwrap().is_empty());
}

#[test]
fn the_plan_says_what_leaves_the_laptop_and_what_to_look_at() {
    let (_dir, mut atlas) = sample_atlas();
    released(&mut atlas);
    let bookmark = BookmarkView {
        level: "Planungsraum".into(),
        period: "2020".into(),
        indicators: s(&["ew_u6"]),
        ..BookmarkView::default()
    };
    atlas.save_bookmark("Kleinkinder", &bookmark, "", "").unwrap();
    atlas
        .save_story("Intern gemeint", "", &s(&["Kleinkinder"]), "")
        .unwrap();
    atlas.release_story("Intern gemeint", false, "A").unwrap();
    let p = plan(&atlas).unwrap();
    assert_eq!(p.levels, s(&["Bezirksregion", "Planungsraum"]));
    let children = p.series.iter().find(|x| x.indicator == "ew_6_15").unwrap();
    assert_eq!(children.periods, s(&["2018", "2020"]));
    assert!(children.suppressed_cells >= 4, "{children:?}");
    assert_eq!(p.poi_categories[0].attributes, s(&["capacity", "e_web"]));
    assert_eq!(p.stories, s(&["Öffentlich"]));
    let warnings = p.warnings.join("\n");
    assert!(
        warnings.contains("Story „Intern gemeint“ ist öffentlich, zeigt aber nicht freigegebene Indikatoren (ew_u6)"),
        "{warnings}"
    );
    assert!(
        warnings.contains("(ew_6_15) ist freigegeben, hat aber keine Beschreibung"),
        "{warnings}"
    );
}

#[test]
fn the_bundle_holds_what_was_released_suppressed_and_nothing_else() {
    let (dir, mut atlas) = sample_atlas();
    released(&mut atlas);
    atlas.set_level_internal("Bezirk", true, "A").unwrap();
    let out = dir.path().join("buendel");
    let summary = write_bundle(&atlas, &out, &NoProgress).unwrap();
    assert_eq!(summary.version, 1);
    let files = read_bundle(&out);
    assert_eq!(files.len(), summary.files);

    // Every file but the manifest is listed with the hash sha256sum computes.
    let manifest = json(&files["manifest.json"]);
    assert_eq!(manifest["format"], "quartier-bundle");
    let listed = manifest["files"].as_array().unwrap();
    assert_eq!(listed.len(), files.len() - 1);
    for f in listed {
        let path = f["path"].as_str().unwrap();
        let out = std::process::Command::new("sha256sum")
            .arg(out.join(path))
            .output()
            .unwrap();
        let hash = String::from_utf8(out.stdout).unwrap();
        assert_eq!(hash.split_whitespace().next(), f["sha256"].as_str(), "{path}");
        assert_eq!(f["bytes"].as_u64(), Some(files[path].len() as u64));
    }

    // Nothing unreleased: no other indicator's key, no internal level, no address point, no
    // POI attribute that was not released, no other POI category, no private story.
    let all: String = files.values().map(|b| String::from_utf8_lossy(b).to_string()).collect();
    for m in atlas.indicators().unwrap() {
        if !["s4", "s1", "ew_6_15"].contains(&m.key.as_str()) {
            assert!(
                !all.contains(&format!("\"{}\"", m.key)),
                "unreleased {} in the bundle",
                m.key
            );
        }
    }
    assert!(!all.contains("\"Bezirk\""), "the internal level");
    assert!(!files.keys().any(|p| p.contains("bezirk.") || p.contains("/bezirk/")));
    for attribute in ["e_tel", "t_name", "address", "Albrechtstr. 20"] {
        assert!(!all.contains(attribute), "unreleased POI attribute {attribute}");
    }
    assert!(!files.keys().any(|p| p.contains("schule") || p.contains("spielplatz")));
    let kitas = json(&files["pois/kita.geojson"]);
    let first = &kitas["features"][0]["properties"];
    assert_eq!(first["name"], "Kita F.A.I.R.play");
    assert_eq!(first["capacity"], 69.0);
    assert_eq!(first["e_web"], "http://www.gfj-berlin.de");

    // Values as the suppression leaves them: Forst Grunewald's 3 children are null,
    // "suppressed"; no count of 1 to 3 is in any file; others as stored.
    let children = json(&files["values/ew_6_15/planungsraum/2020.json"]);
    let by_key: BTreeMap<String, &serde_json::Value> = children["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["key"].as_str().unwrap().to_string(), v))
        .collect();
    assert_eq!(by_key["04061757"]["value"], serde_json::Value::Null);
    assert_eq!(by_key["04061757"]["status"], "suppressed");
    let stuelerstrasse = stored(&atlas, "ew_6_15", "Planungsraum", "2020", "01011101").and_then(|v| v.number());
    assert_eq!(by_key["01011101"]["value"].as_f64(), stuelerstrasse);
    assert!(stuelerstrasse.is_some());
    let hidden = by_key.values().filter(|v| v["status"] == "suppressed").count();
    let planned = summary.plan.series.iter().find(|x| x.indicator == "ew_6_15").unwrap();
    let hidden_2018 = json(&files["values/ew_6_15/planungsraum/2018.json"])["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["status"] == "suppressed")
        .count();
    assert_eq!(hidden + hidden_2018, planned.suppressed_cells, "as the plan said");
    for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with("values/ew_6_15/")) {
        for v in json(bytes)["values"].as_array().unwrap() {
            if let Some(x) = v["value"].as_f64() {
                assert!(!(1.0..=3.0).contains(&x), "{path}: {v}");
            }
        }
    }
    // Map classes: every published number has one; a hidden cell has none (its class would
    // narrow its value down), and the classes' edges come from published numbers only.
    for (path, bytes) in files.iter().filter(|(p, _)| p.starts_with("values/")) {
        let series = json(bytes);
        let classes = &series["classes"];
        let k = classes["labels"].as_array().unwrap().len();
        assert_eq!(classes["colours"].as_array().unwrap().len(), k, "{path}");
        for v in series["values"].as_array().unwrap() {
            match v["status"].as_str().unwrap() {
                "ok" if v["value"].is_number() => {
                    assert!((1..=k as u64).contains(&v["class"].as_u64().unwrap()), "{path}: {v}")
                }
                _ => assert!(v.get("class").is_none(), "{path}: {v}"),
            }
        }
    }
    // The classes of ew_6_15 in 2020 by hand: six equal intervals between the smallest and
    // the largest published number.
    let published: Vec<f64> = children["values"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["value"].as_f64())
        .collect();
    let (min, max) = (
        published.iter().copied().fold(f64::INFINITY, f64::min),
        published.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    );
    let edge = |i: usize| quartier_core::numbers::format_german(min + (max - min) * i as f64 / 6.0, 0);
    let by_hand: Vec<String> = (0..6).map(|i| format!("{} < {}", edge(i), edge(i + 1))).collect();
    assert_eq!(children["classes"]["labels"], serde_json::json!(by_hand));
    assert_eq!(children["classes"]["method"], "gleiche Intervalle");
    // The levels and the story.
    let atlas_json = json(&files["atlas.json"]);
    let levels: Vec<&str> = atlas_json["levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(levels, vec!["Bezirksregion", "Planungsraum"]);
    let pr = json(&files["levels/planungsraum.geojson"]);
    assert_eq!(pr["features"].as_array().unwrap().len(), 448);
    assert_eq!(
        pr["features"][0]["properties"]["uebergeordnet"], "010111",
        "its Bezirksregion"
    );
    // Simplified for the web: about half the points of the stored borders (the checks of
    // shared borders on these areas are in tests/topology.rs).
    let points_in = |g: &serde_json::Value| serde_json::to_string(g).unwrap().matches("],[").count();
    let stored: usize = {
        let level = atlas.level("Planungsraum").unwrap();
        atlas
            .area_geometries(level.id)
            .unwrap()
            .iter()
            .map(|(_, g)| geo::CoordsIter::coords_count(g))
            .sum()
    };
    let published = points_in(&pr);
    assert!(published * 10 < stored * 6, "{published} of {stored} points");
    let story = json(&files["stories/oeffentlich.json"]);
    assert_eq!(story["slides"][0]["text"], "Hoch in **Mitte**.");
    assert!(files.contains_key("stories/oeffentlich/1.svg"));

    // Publishing again after a withdrawal: a new version, and the withdrawn series is gone.
    atlas
        .release_indicators(&s(&["s1"]), &s(&["Bezirksregion", "Planungsraum"]), true, "A")
        .unwrap();
    let second = write_bundle(&atlas, &out, &NoProgress).unwrap();
    assert_eq!(second.version, 2);
    let files = read_bundle(&out);
    assert!(!files.keys().any(|p| p.starts_with("values/s1/")));
    assert!(!String::from_utf8_lossy(&files["indicators.json"]).contains("\"s1\""));
    // No leftovers beside the bundle.
    let beside: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("buendel"))
        .collect();
    assert_eq!(beside, vec!["buendel"]);
}

#[test]
fn nothing_released_is_an_error_and_a_foreign_folder_is_not_overwritten() {
    let (dir, atlas) = sample_atlas();
    let out = dir.path().join("leer");
    let e = write_bundle(&atlas, &out, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("Nichts freigegeben"), "{e}");
    assert!(!out.exists());
    let foreign = dir.path().join("fremd");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("wichtig.txt"), "bleibt").unwrap();
    let mut atlas = atlas;
    atlas
        .release_indicators(&s(&["s4"]), &s(&["Bezirk"]), false, "A")
        .unwrap();
    let e = write_bundle(&atlas, &foreign, &NoProgress).unwrap_err().to_string();
    assert!(e.contains("nicht leer"), "{e}");
    assert_eq!(std::fs::read_to_string(foreign.join("wichtig.txt")).unwrap(), "bleibt");
}
