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

/// Before a bundle travels, every file its manifest lists is read back and checked: a path
/// out of the bundle, a symbolic link in it, or content changed after writing is refused.
#[test]
fn a_bundle_changed_after_writing_is_refused_before_it_travels() {
    use quartier_core::publish::{read_listed_file, ManifestFile};
    let (dir, mut atlas) = berlin_bezirke();
    let csv = dir.path().join("kinder.csv");
    std::fs::write(&csv, "id;kinder\n01;40\n02;50\n03;60\n").unwrap();
    import_csv(&mut atlas, csv, "Bezirk", "2020");
    declare_counts(&mut atlas, &["kinder"]);
    atlas
        .release_indicators(&s(&["kinder"]), &s(&["Bezirk"]), false, "Test")
        .unwrap();
    let out = dir.path().join("bundle");
    write_bundle(&atlas, &out, &NoProgress).unwrap();
    let manifest: serde_json::Value = json(&std::fs::read(out.join("manifest.json")).unwrap());
    let files: Vec<ManifestFile> = serde_json::from_value(manifest["files"].clone()).unwrap();
    for file in &files {
        assert_eq!(
            read_listed_file(&out, file).unwrap().len() as u64,
            file.bytes,
            "{}",
            file.path
        );
    }
    let indicators = files.iter().find(|f| f.path == "indicators.json").unwrap();
    let refused = |file: &ManifestFile| read_listed_file(&out, file).unwrap_err().to_string();

    // A path out of the bundle, even to a file with the listed content.
    std::fs::copy(out.join("indicators.json"), dir.path().join("aussen.json")).unwrap();
    for path in ["../aussen.json", "/etc/passwd", "levels/../../aussen.json"] {
        let listed = ManifestFile {
            path: path.into(),
            ..indicators.clone()
        };
        assert!(refused(&listed).contains("führt aus dem Bündel hinaus"), "{path}");
    }
    // A symbolic link with the very content the manifest lists.
    #[cfg(unix)]
    {
        std::fs::rename(out.join("indicators.json"), dir.path().join("echt.json")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("echt.json"), out.join("indicators.json")).unwrap();
        assert!(
            refused(indicators).contains("symbolischer Verweis"),
            "{}",
            refused(indicators)
        );
        std::fs::remove_file(out.join("indicators.json")).unwrap();
        std::fs::rename(dir.path().join("echt.json"), out.join("indicators.json")).unwrap();
    }
    // Other content (here one byte more).
    let mut text = std::fs::read(out.join("indicators.json")).unwrap();
    text.push(b' ');
    std::fs::write(out.join("indicators.json"), text).unwrap();
    assert!(
        refused(indicators).contains("nach dem Schreiben verändert"),
        "{}",
        refused(indicators)
    );
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

/// A small deterministic random source (xorshift), so every case can be run again by seed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A count as small areas have them: half of them 0 to 4.
    fn count(&mut self) -> u64 {
        match self.below(10) {
            0..=4 => self.below(5),
            5..=7 => 5 + self.below(11),
            _ => 16 + self.below(45),
        }
    }
}

/// The levels of a generated atlas, top down.
const GENERATED_LEVELS: [&str; 3] = ["Bezirk", "Region", "Baublock"];
/// Its counts: boys and girls, and the children as their declared sum.
const GENERATED_COUNTS: [&str; 3] = ["jungen", "maedchen", "kinder"];

/// A generated atlas: 2 to 4 Bezirke in strips, each cut into 2 to 4 Regionen, each into 2
/// to 5 Baublöcke; small counts on the blocks, summed upwards as an office's tables are;
/// `kinder` declared as the sum of `jungen` and `maedchen`; places with a public address and
/// a private contact. Also returns the true counts by indicator, level and area.
fn generated_atlas(dir: &Path, dice: &mut Dice) -> (Atlas, BTreeMap<(String, String, String), f64>) {
    let mut atlas = new_atlas(dir, "Generiert");
    // (key, parent key, [west, south, east, north]) per level.
    let mut areas: Vec<Vec<(String, String, [f64; 4])>> = vec![Vec::new(), Vec::new(), Vec::new()];
    // The i-th of n equal parts of from..to.
    let part = |from: f64, to: f64, i: usize, n: usize| {
        (
            from + (to - from) * i as f64 / n as f64,
            from + (to - from) * (i + 1) as f64 / n as f64,
        )
    };
    let districts = 2 + dice.below(3) as usize;
    for d in 0..districts {
        let (w, e) = part(13.0, 13.4, d, districts);
        let key = format!("B{d}");
        areas[0].push((key.clone(), String::new(), [w, 52.4, e, 52.6]));
        let regions = 2 + dice.below(3) as usize;
        for r in 0..regions {
            let (s, n) = part(52.4, 52.6, r, regions);
            let region = format!("{key}R{r}");
            areas[1].push((region.clone(), key.clone(), [w, s, e, n]));
            let blocks = 2 + dice.below(4) as usize;
            for b in 0..blocks {
                let (bw, be) = part(w, e, b, blocks);
                areas[2].push((format!("{region}K{b}"), region.clone(), [bw, s, be, n]));
            }
        }
    }
    for (i, level) in GENERATED_LEVELS.iter().enumerate() {
        let features: Vec<String> = areas[i]
            .iter()
            .map(|(key, _, [w, s, e, n])| {
                format!(
                    r#"{{"type":"Feature","properties":{{"id":"{key}","name":"Gebiet {key}"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},{s}],[{e},{s}],[{e},{n}],[{w},{n}],[{w},{s}]]]}}}}"#
                )
            })
            .collect();
        let file = dir.join(format!("{level}.geojson"));
        std::fs::write(
            &file,
            format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, features.join(",")),
        )
        .unwrap();
        // Parents by location: every area lies inside its parent.
        import_level(&mut atlas, level, file, (i > 0).then(|| GENERATED_LEVELS[i - 1]));
    }
    // Counts on the blocks, summed upwards.
    let mut values: Vec<BTreeMap<String, [u64; 3]>> = vec![BTreeMap::new(), BTreeMap::new(), BTreeMap::new()];
    for (key, _, _) in &areas[2] {
        let (boys, girls) = (dice.count(), dice.count());
        values[2].insert(key.clone(), [boys, girls, boys + girls]);
    }
    for i in [1, 0] {
        for (key, _, _) in &areas[i] {
            let mut sum = [0; 3];
            for (child, parent, _) in &areas[i + 1] {
                if parent == key {
                    for (s, v) in sum.iter_mut().zip(values[i + 1][child]) {
                        *s += v;
                    }
                }
            }
            values[i].insert(key.clone(), sum);
        }
    }
    let mut truth = BTreeMap::new();
    for (i, level) in GENERATED_LEVELS.iter().enumerate() {
        for (key, v) in &values[i] {
            for (indicator, value) in GENERATED_COUNTS.iter().zip(v) {
                truth.insert((indicator.to_string(), level.to_string(), key.clone()), *value as f64);
            }
        }
    }
    for (i, level) in GENERATED_LEVELS.iter().enumerate() {
        let mut csv = format!("id;{}\n", GENERATED_COUNTS.join(";"));
        for (key, v) in &values[i] {
            csv.push_str(&format!("{key};{};{};{}\n", v[0], v[1], v[2]));
        }
        let file = dir.join(format!("werte_{level}.csv"));
        std::fs::write(&file, csv).unwrap();
        import_csv(&mut atlas, file, level, "2024");
    }
    declare_counts(&mut atlas, &GENERATED_COUNTS);
    atlas
        .update_indicator(
            "kinder",
            &quartier_core::store::IndicatorUpdate {
                sum_of: Some(s(&["jungen", "maedchen"])),
                ..Default::default()
            },
        )
        .unwrap();
    // Places: a public address, a private contact.
    let points: Vec<String> = (0..12)
        .map(|n| {
            let (x, y) = (13.01 + 0.38 * dice.below(1000) as f64 / 1000.0, 52.41 + 0.18 * dice.below(1000) as f64 / 1000.0);
            format!(
                r#"{{"type":"Feature","properties":{{"name":"Treff {n}","adresse":"Weg {n}","leitung":"PRIVAT-{n}"}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}"#
            )
        })
        .collect();
    let file = dir.join("treffs.geojson");
    std::fs::write(
        &file,
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, points.join(",")),
    )
    .unwrap();
    quartier_core::import::pois::import_pois(
        &mut atlas,
        &quartier_core::import::pois::PoiImport {
            file,
            category: "Treff".into(),
            name_column: Some("name".into()),
            ..Default::default()
        },
        &NoProgress,
    )
    .unwrap();
    (atlas, truth)
}

/// The invariant of the bundle on generated atlases with random release flags: nothing
/// unreleased or internal in any file (searched byte by byte), no count of 1 to 3, and no
/// small count an attacker works out or narrows down to the threshold from the published
/// equations (a parent and its children; `kinder` and its parts), by substituting what one
/// equation gives into the others: an attacker built here from the bundle's files alone.
#[test]
fn generated_atlases_with_random_releases_publish_nothing_recoverable() {
    let mut checked_groups = 0;
    let mut with_small_counts = 0;
    let mut hidden_cells = 0;
    for seed in 1..=16u64 {
        let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let dir = tempfile::tempdir().unwrap();
        let (mut atlas, truth) = generated_atlas(dir.path(), &mut dice);
        let internal = dice.chance(40).then(|| GENERATED_LEVELS[dice.below(3) as usize]);
        if let Some(level) = internal {
            atlas.set_level_internal(level, true, "Test").unwrap();
        }
        let mut released: Vec<(&str, &str)> = Vec::new();
        for key in GENERATED_COUNTS {
            for level in GENERATED_LEVELS {
                if Some(level) != internal && dice.chance(50) {
                    atlas
                        .release_indicators(&s(&[key]), &s(&[level]), false, "Test")
                        .unwrap();
                    released.push((key, level));
                }
            }
        }
        if released.is_empty() {
            let level = GENERATED_LEVELS.iter().find(|l| Some(**l) != internal).unwrap();
            atlas
                .release_indicators(&s(&["kinder"]), &s(&[level]), false, "Test")
                .unwrap();
            released.push(("kinder", level));
        }
        let places_public = dice.chance(50);
        if places_public {
            atlas
                .release_poi_category("Treff", &s(&["adresse"]), false, "Test")
                .unwrap();
        }
        let out = dir.path().join("bundle");
        write_bundle(&atlas, &out, &NoProgress).unwrap();
        let files = read_bundle(&out);
        let everything: Vec<u8> = files.values().flatten().copied().collect();
        let contains = |text: &str| everything.windows(text.len()).any(|w| w == text.as_bytes());

        // Nothing unreleased, nothing internal.
        let case = format!("seed {seed}: released {released:?}, internal {internal:?}");
        for key in GENERATED_COUNTS {
            if !released.iter().any(|(k, _)| *k == key) {
                assert!(!contains(&format!("\"{key}\"")), "{case}: {key} is in the bundle");
            }
        }
        if let Some(level) = internal {
            assert!(!contains(level), "{case}: the internal level is in the bundle");
        }
        assert!(
            !contains("PRIVAT-") && !contains("leitung"),
            "{case}: a private contact"
        );
        assert_eq!(contains("Weg 1"), places_public, "{case}: the public addresses");

        // What the attacker reads: per level its areas' parents, per series the cells.
        let atlas_json = json(&files["atlas.json"]);
        let mut parent_of: BTreeMap<String, String> = BTreeMap::new();
        let mut level_parent: BTreeMap<String, String> = BTreeMap::new();
        for level in atlas_json["levels"].as_array().unwrap() {
            let name = level["name"].as_str().unwrap().to_string();
            if let Some(p) = level["parent"].as_str() {
                level_parent.insert(name, p.to_string());
            }
            for f in json(&files[level["file"].as_str().unwrap()])["features"]
                .as_array()
                .unwrap()
            {
                if let Some(p) = f["properties"]["uebergeordnet"].as_str() {
                    parent_of.insert(f["properties"]["schluessel"].as_str().unwrap().into(), p.into());
                }
            }
        }
        // (indicator, level) → key → published number, or None when hidden.
        let mut cells: BTreeMap<(String, String), BTreeMap<String, Option<f64>>> = BTreeMap::new();
        for ind in json(&files["indicators.json"]).as_array().unwrap() {
            for series in ind["series"].as_array().unwrap() {
                let level = series["level"].as_str().unwrap().to_string();
                assert!(
                    released.contains(&(ind["key"].as_str().unwrap(), level.as_str())),
                    "{case}: {} on {level} was not released",
                    ind["key"]
                );
                let data = json(&files[series["file"].as_str().unwrap()]);
                let row: BTreeMap<String, Option<f64>> = data["values"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        let value = v["value"].as_f64();
                        if let Some(x) = value {
                            assert!(!(1.0..=3.0).contains(&x), "{case}: a count of {x} is published");
                        } else {
                            assert_eq!(v["status"], "suppressed", "{case}");
                            hidden_cells += 1;
                        }
                        (v["key"].as_str().unwrap().to_string(), value)
                    })
                    .collect();
                cells.insert((ind["key"].as_str().unwrap().to_string(), level), row);
            }
        }
        // The published equations: a parent and its children, per indicator; `kinder` and its
        // parts, per area. A cell is (indicator, level, area).
        type CellId = (String, String, String);
        let mut equations: Vec<(CellId, Vec<CellId>)> = Vec::new();
        for (key, level) in cells.keys() {
            let Some(parent_level) = level_parent.get(level) else {
                continue;
            };
            let Some(parent_row) = cells.get(&(key.clone(), parent_level.clone())) else {
                continue;
            };
            for parent in parent_row.keys() {
                let children = cells[&(key.clone(), level.clone())]
                    .keys()
                    .filter(|k| parent_of.get(*k) == Some(parent))
                    .map(|k| (key.clone(), level.clone(), k.clone()))
                    .collect();
                equations.push(((key.clone(), parent_level.clone(), parent.clone()), children));
            }
        }
        for level in GENERATED_LEVELS {
            let has = |k: &str| cells.contains_key(&(k.to_string(), level.to_string()));
            if has("kinder") && has("jungen") && has("maedchen") {
                for area in cells[&("kinder".to_string(), level.to_string())].keys() {
                    let cell = |k: &str| (k.to_string(), level.to_string(), area.clone());
                    equations.push((cell("kinder"), vec![cell("jungen"), cell("maedchen")]));
                }
            }
        }
        // The attacker: what is published, and whatever one equation with a single unknown
        // gives, again and again until nothing more follows.
        let mut known: BTreeMap<CellId, f64> = BTreeMap::new();
        for ((key, level), row) in &cells {
            for (area, value) in row {
                if let Some(v) = value {
                    known.insert((key.clone(), level.clone(), area.clone()), *v);
                }
            }
        }
        loop {
            let mut learned = false;
            for (total, parts) in &equations {
                let unknown: Vec<&CellId> = std::iter::once(total)
                    .chain(parts)
                    .filter(|c| !known.contains_key(*c))
                    .collect();
                if unknown.len() != 1 {
                    continue;
                }
                let sum_of_parts: f64 = parts.iter().filter_map(|p| known.get(p)).sum();
                let value = if unknown[0] == total {
                    sum_of_parts
                } else {
                    known[total] - sum_of_parts
                };
                known.insert(unknown[0].clone(), value);
                learned = true;
            }
            if !learned {
                break;
            }
        }
        // No small count (1 to 3, known here from the generator) is worked out, and in every
        // equation whose total is known, a hidden small count lies between 0 and the rest,
        // which must reach above the threshold 3.
        let small = |c: &CellId| (1.0..=3.0).contains(&truth[c]);
        for cell in truth.keys().filter(|c| cells.contains_key(&(c.0.clone(), c.1.clone()))) {
            if small(cell) {
                assert!(
                    !known.contains_key(cell),
                    "{case}: the small count {cell:?} is worked out"
                );
            }
        }
        for (total, parts) in &equations {
            let Some(total_value) = known.get(total) else { continue };
            let hidden: Vec<&CellId> = parts.iter().filter(|p| !known.contains_key(*p)).collect();
            if hidden.is_empty() {
                continue;
            }
            checked_groups += 1;
            let rest = total_value - parts.iter().filter_map(|p| known.get(p)).sum::<f64>();
            if hidden.iter().any(|c| small(c)) {
                with_small_counts += 1;
                assert!(
                    rest > 3.0,
                    "{case}: {total:?}: a small count is known to lie in 0..={rest}"
                );
            }
        }
    }
    println!(
        "{hidden_cells} hidden cells; {checked_groups} published equations with hidden cells, \
         {with_small_counts} of them with a hidden small count"
    );
    assert!(
        hidden_cells > 100 && checked_groups > 25 && with_small_counts > 10,
        "the cases must exercise the suppression"
    );
}
