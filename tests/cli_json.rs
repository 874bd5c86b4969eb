//! The README's JSON contract, read from the README itself: for every verb documented under
//! "JSON-Ausgaben", the verb is run on real data and every documented field (nested objects
//! and the first element of arrays of objects included) must be in its output; at the top
//! level the output has no field the README does not name. A renamed or dropped field, or an
//! undocumented new one, fails here.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::BTreeMap;

use common::{json, quartier, repo, s};
use serde_json::Value;

/// A documented shape: an object with named fields, an array of a shape, or anything else.
#[derive(Debug, Clone)]
enum Shape {
    Object(Vec<(String, bool, Shape)>),
    Array(Box<Shape>),
    Other,
}

/// Parses the README's notation, e.g. `{file, levels: [{name, parent}], alternative?: {label}}`.
/// Fields whose name is not a lower-case identifier (`Spalte`, `Label`, `…`) stand for maps
/// or descriptions and are skipped.
fn parse(text: &str) -> Shape {
    let chars: Vec<char> = text.chars().collect();
    let mut at = 0;
    shape(&chars, &mut at)
}

fn skip_blank(c: &[char], at: &mut usize) {
    while *at < c.len() && c[*at].is_whitespace() {
        *at += 1;
    }
}

fn shape(c: &[char], at: &mut usize) -> Shape {
    skip_blank(c, at);
    match c.get(*at) {
        Some('{') => {
            *at += 1;
            let mut fields = Vec::new();
            loop {
                skip_blank(c, at);
                match c.get(*at) {
                    None => break,
                    Some('}') => {
                        *at += 1;
                        break;
                    }
                    Some(',') => {
                        *at += 1;
                        continue;
                    }
                    _ => {}
                }
                let start = *at;
                while *at < c.len() && !matches!(c[*at], ',' | ':' | '}' | '?') {
                    *at += 1;
                }
                let name: String = c[start..*at].iter().collect::<String>().trim().to_string();
                let optional = c.get(*at) == Some(&'?');
                if optional {
                    *at += 1;
                }
                let value = if c.get(*at) == Some(&':') {
                    *at += 1;
                    shape(c, at)
                } else {
                    Shape::Other
                };
                let identifier = name.chars().next().is_some_and(|f| f.is_ascii_lowercase())
                    && name
                        .chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
                if identifier {
                    fields.push((name, optional, value));
                }
            }
            Shape::Object(fields)
        }
        Some('[') => {
            *at += 1;
            skip_blank(c, at);
            let inner = if c.get(*at) == Some(&'{') {
                shape(c, at)
            } else {
                Shape::Other
            };
            skip_to_close(c, at, '[', ']');
            Shape::Array(Box::new(inner))
        }
        _ => {
            // A leaf: up to the next ',' or '}' outside brackets and quotes.
            let mut depth = 0i32;
            let mut quoted = false;
            while let Some(&ch) = c.get(*at) {
                match ch {
                    '"' => quoted = !quoted,
                    '[' | '(' if !quoted => depth += 1,
                    ']' | ')' if !quoted => depth -= 1,
                    ',' | '}' if !quoted && depth <= 0 => break,
                    _ => {}
                }
                *at += 1;
            }
            Shape::Other
        }
    }
}

/// Moves past the bracket that closes the one already opened.
fn skip_to_close(c: &[char], at: &mut usize, open: char, close: char) {
    let mut depth = 1;
    while let Some(&ch) = c.get(*at) {
        *at += 1;
        if ch == open {
            depth += 1;
        } else if ch == close {
            depth -= 1;
            if depth == 0 {
                return;
            }
        }
    }
}

/// Every documented field missing in `actual`, with its path.
fn missing(shape: &Shape, actual: &Value, path: &str, out: &mut Vec<String>) {
    match (shape, actual) {
        (Shape::Object(fields), Value::Object(map)) => {
            for (name, optional, inner) in fields {
                match map.get(name) {
                    Some(v) => missing(inner, v, &format!("{path}.{name}"), out),
                    None if *optional => {}
                    None => out.push(format!("{path}.{name}")),
                }
            }
        }
        (Shape::Array(inner), Value::Array(items)) => {
            if let Some(first) = items.first() {
                missing(inner, first, &format!("{path}[0]"), out);
            }
        }
        _ => {}
    }
}

/// The documented shapes by verb, from the README.
fn documented() -> BTreeMap<String, Shape> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("### JSON-Ausgaben")
        .nth(1)
        .unwrap()
        .split("\n## ")
        .next()
        .unwrap();
    let mut shapes = BTreeMap::new();
    for line in section.lines().filter(|l| l.starts_with("- ")) {
        // The code spans of a line: one or more verbs (`… --json`), then the shape (`{…}`).
        let spans: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
        let Some(at) = spans.iter().position(|span| span.starts_with('{')) else {
            continue;
        };
        let shape = parse(spans[at]);
        let verbs: Vec<String> = spans[..at]
            .iter()
            .map(|v| v.trim_end_matches("--json").trim().to_string())
            .collect();
        if verbs.is_empty() || verbs == [String::new()] {
            shapes.insert("failed import".to_string(), shape);
            continue;
        }
        for verb in verbs {
            shapes.insert(verb, shape.clone());
        }
    }
    shapes
}

fn top_level(shape: &Shape) -> Vec<&str> {
    match shape {
        Shape::Object(fields) => fields.iter().map(|(n, _, _)| n.as_str()).collect(),
        _ => Vec::new(),
    }
}

#[test]
fn every_documented_json_field_is_in_the_output_and_nothing_undocumented_at_the_top() {
    let shapes = documented();
    assert!(
        shapes.len() >= 17,
        "README read: {:?}",
        shapes.keys().collect::<Vec<_>>()
    );
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sample = d.join("beispiel.quartier");
    let a = s(&sample);
    json(&["sample", "--out", a]);
    let geo = repo().join("sample_data/geometry");
    let fresh = d.join("neu.quartier");
    let f = s(&fresh);
    let csv = d.join("werte.csv");
    std::fs::write(&csv, "id;name;wert\n01;Mitte;12\n02;Friedrichshain-Kreuzberg;13\n").unwrap();
    let pois = d.join("pois.csv");
    std::fs::write(&pois, "name;lon;lat;plaetze\nKita;13,4050;52,5200;80\n").unwrap();
    let addresses = d.join("adressen.csv");
    std::fs::write(&addresses, "lon;lat;bewohner;u6\n13,4050;52,5200;12;2\n").unwrap();
    let network = d.join("netz.geojson");
    std::fs::write(
        &network,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[13.40,52.52],[13.41,52.52],[13.41,52.53]]}}]}"#,
    )
    .unwrap();
    let bad = d.join("kaputt.csv");
    std::fs::write(&bad, "id;wert\n01;12\n99;13\n").unwrap();
    let out = d.join("tabelle.csv");
    let reference = d.join("summe.csv");
    std::fs::write(&reference, "Gebiet;wert\nBerlin;25\n").unwrap();

    let mut outputs: Vec<(&str, Value)> = vec![
        ("new", json(&["new", f, "--name", "Berlin"])),
        ("info", json(&["info", a])),
        (
            "import geometry",
            json(&[
                "import",
                "geometry",
                f,
                "--level",
                "Bezirk",
                "--file",
                s(&geo.join("berlin-lor-districts.geojson")),
                "--key-column",
                "id",
                "--name-column",
                "name",
            ]),
        ),
        (
            "import values",
            json(&[
                "import",
                "values",
                f,
                "--file",
                s(&csv),
                "--level",
                "Bezirk",
                "--key-column",
                "id",
                "--period",
                "2020",
            ]),
        ),
        (
            "import pois",
            json(&["import", "pois", f, "--file", s(&pois), "--category", "Kita"]),
        ),
        (
            "import reference",
            json(&[
                "import",
                "reference",
                f,
                "--file",
                s(&reference),
                "--level",
                "Bezirk",
                "--period",
                "2020",
                "--row",
                "Berlin",
            ]),
        ),
        (
            "import metadata",
            json(&[
                "import",
                "metadata",
                f,
                "--file",
                s(&repo().join("sample_data/indikatoren.csv")),
            ]),
        ),
        ("import network", json(&["import", "network", f, "--file", s(&network)])),
        (
            "import addresses",
            json(&[
                "import",
                "addresses",
                f,
                "--file",
                s(&addresses),
                "--residents-column",
                "bewohner",
            ]),
        ),
        (
            "export values",
            json(&[
                "export",
                "values",
                a,
                "--level",
                "Planungsraum",
                "--period",
                "2020",
                "--format",
                "csv",
                "--out",
                s(&out),
            ]),
        ),
        (
            "export geopackage",
            json(&[
                "export",
                "geopackage",
                a,
                "--out",
                s(&dir.path().join("atlas.gpkg")),
                "--levels",
                "Bezirk",
            ]),
        ),
        (
            "export geojson",
            json(&[
                "export",
                "geojson",
                a,
                "--level",
                "Bezirk",
                "--out",
                s(&dir.path().join("bezirke.geojson")),
            ]),
        ),
        (
            "export geoparquet",
            json(&[
                "export",
                "geoparquet",
                a,
                "--level",
                "Bezirk",
                "--out",
                s(&dir.path().join("bezirke.parquet")),
            ]),
        ),
        (
            "report profiles",
            json(&[
                "report",
                "profiles",
                a,
                "--level",
                "Planungsraum",
                "--period",
                "2020",
                "--areas",
                "01011101",
                "--out",
                s(&dir.path().join("profile.pdf")),
            ]),
        ),
        (
            "report template",
            json(&["report", "template", a, "--name", "Test", "--section", "Kinder=ew_u6"]),
        ),
        (
            "report area",
            json(&[
                "report",
                "area",
                a,
                "--areas",
                "01011101,04061757",
                "--period",
                "2020",
                "--out",
                s(&dir.path().join("bericht.pdf")),
                "--intern",
            ]),
        ),
        (
            "bookmark add",
            json(&[
                "bookmark",
                "add",
                a,
                "--name",
                "Kinderarmut",
                "--level",
                "Planungsraum",
                "--indicator",
                "s4",
                "--period",
                "2019",
            ]),
        ),
        ("bookmark list", json(&["bookmark", "list", a])),
        (
            "story add",
            json(&["story", "add", a, "--name", "Ausschuss", "--bookmarks", "Kinderarmut"]),
        ),
        ("story list", json(&["story", "list", a])),
        (
            "story export",
            json(&[
                "story",
                "export",
                a,
                "--story",
                "Ausschuss",
                "--out",
                s(&dir.path().join("story.pdf")),
            ]),
        ),
        (
            "release",
            json(&["release", a, "--indicators", "s4", "--levels", "Bezirksregion"]),
        ),
        ("publish --check", json(&["publish", a, "--check"])),
        ("publish --server", {
            let data = dir.path().join("server");
            let (base, token) = common::start_server_for_berlin(&data);
            json(&["publish", a, "--server", &format!("{base}/berlin"), "--token", &token])
        }),
        ("publish", json(&["publish", a, "--out", s(&dir.path().join("web"))])),
        (
            "export package",
            json(&[
                "export",
                "package",
                a,
                "--out",
                s(&dir.path().join("p.quartier-paket")),
                "--levels",
                "Bezirk",
            ]),
        ),
        (
            "import package",
            json(&[
                "import",
                "package",
                f,
                s(&dir.path().join("p.quartier-paket")),
                "--trust",
                "Berlin",
                "--check",
            ]),
        ),
        (
            "export map",
            json(&[
                "export",
                "map",
                a,
                "--indicator",
                "anteil_u6",
                "--level",
                "Planungsraum",
                "--period",
                "2020",
                "--out",
                s(&dir.path().join("karte.svg")),
            ]),
        ),
        (
            "export chart",
            json(&[
                "export",
                "chart",
                a,
                "--kind",
                "bar",
                "--indicators",
                "anteil_u6",
                "--level",
                "Planungsraum",
                "--period",
                "2020",
                "--out",
                s(&dir.path().join("balken.svg")),
            ]),
        ),
        (
            "aggregate",
            json(&[
                "aggregate",
                a,
                "--from-level",
                "Planungsraum",
                "--to-level",
                "Bezirk",
                "--period",
                "2020",
                "--indicators",
                "ew",
                "--unweighted-mean",
            ]),
        ),
        (
            "index",
            json(&[
                "index",
                a,
                "--level",
                "Bezirksregion",
                "--period",
                "2019",
                "--indicators",
                "s1:-,s3:-",
                "--uncertainty",
                "10",
            ]),
        ),
        (
            "distance",
            json(&[
                "distance",
                a,
                "--category",
                "Kita",
                "--level",
                "Planungsraum",
                "--origins",
                "centroids",
                "--population-indicator",
                "ew",
                "--period",
                "2020",
            ]),
        ),
        (
            "compute",
            json(&[
                "compute",
                a,
                "--key",
                "anteil_u6_probe",
                "--formula",
                "ew_u6 / ew * 100",
                "--check",
            ]),
        ),
        ("compute --refresh", json(&["compute", a, "--refresh"])),
        (
            "query",
            json(&[
                "query",
                a,
                "--sql",
                "SELECT key, ew FROM werte WHERE ebene = 'Bezirk' LIMIT 2",
            ]),
        ),
        (
            "crosswalk",
            json(&[
                "crosswalk",
                a,
                "--from-level",
                "Planungsraum",
                "--to-level",
                "Bezirksregion",
                "--period",
                "2020",
                "--indicators",
                "ew",
            ]),
        ),
        (
            "check-sizes",
            json(&["check-sizes", a, "--level", "Planungsraum", "--rule", "ba"]),
        ),
        (
            "regionalise",
            json(&[
                "regionalise",
                a,
                "--level",
                "Planungsraum",
                "--rule",
                "ba",
                "--new-level",
                "Probe",
                "--check",
            ]),
        ),
        (
            "rank",
            json(&["rank", a, "--indicator", "s1", "--level", "Bezirk", "--period", "2019"]),
        ),
        (
            "hotspots",
            json(&[
                "hotspots",
                a,
                "--indicator",
                "s1",
                "--level",
                "Planungsraum",
                "--period",
                "2019",
                "--permutations",
                "99",
            ]),
        ),
        (
            "suppress",
            json(&["suppress", a, "--level", "Planungsraum", "--period", "2020"]),
        ),
        (
            "classify",
            json(&[
                "classify",
                a,
                "--indicator",
                "s1",
                "--level",
                "Bezirk",
                "--period",
                "2019",
                "--method",
                "quantile",
            ]),
        ),
        (
            "status-dynamics",
            json(&[
                "status-dynamics",
                a,
                "--level",
                "Planungsraum",
                "--period",
                "2019",
                "--preset",
                "berlin-mss",
            ]),
        ),
    ];
    let failed = quartier(&[
        "import",
        "values",
        f,
        "--file",
        s(&bad),
        "--level",
        "Bezirk",
        "--key-column",
        "id",
        "--period",
        "2021",
        "--json",
    ]);
    assert_eq!(failed.status.code(), Some(1));
    outputs.push(("failed import", serde_json::from_slice(&failed.stdout).unwrap()));
    // Managing the fresh atlas last, since it removes what the verbs above used.
    outputs.push((
        "delete indicator",
        json(&["delete", "indicator", f, "--indicator", "wert", "--yes"]),
    ));
    outputs.push((
        "rename level",
        json(&["rename", "level", f, "--level", "Bezirk", "--to", "Bezirke"]),
    ));
    outputs.push((
        "delete pois",
        json(&["delete", "pois", f, "--category", "Kita", "--yes"]),
    ));
    outputs.push((
        "delete level",
        json(&["delete", "level", f, "--level", "Bezirke", "--yes"]),
    ));

    let mut problems = Vec::new();
    for (verb, actual) in &outputs {
        let Some(shape) = shapes.get(*verb) else {
            problems.push(format!("{verb}: not documented in the README"));
            continue;
        };
        let mut gaps = Vec::new();
        missing(shape, actual, verb, &mut gaps);
        problems.extend(gaps.into_iter().map(|g| format!("documented, not in the output: {g}")));
        let named = top_level(shape);
        if let Value::Object(map) = actual {
            for key in map.keys().filter(|k| !named.contains(&k.as_str())) {
                problems.push(format!("in the output, not documented: {verb}.{key}"));
            }
        }
    }
    for verb in shapes.keys() {
        if !outputs.iter().any(|(v, _)| v == verb) {
            problems.push(format!("{verb}: documented but not run here"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
