//! `quartier release` and `quartier publish` on the sample atlas: every flag, the bundle read
//! back, German errors.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, json, ok, s};

#[test]
fn release_then_check_then_publish_and_take_back() {
    let dir = tempfile::tempdir().unwrap();
    let atlas = dir.path().join("beispiel.quartier");
    let a = s(&atlas);
    json(&["sample", "--out", a]);
    let r = json(&[
        "release",
        a,
        "--indicators",
        "s4,s1",
        "--levels",
        "Bezirksregion",
        "--by",
        "A. Planerin",
    ]);
    assert_eq!(
        r["items"],
        serde_json::json!(["s4 auf Bezirksregion", "s1 auf Bezirksregion"])
    );
    let r = json(&["release", a, "--poi-category", "Kita", "--attributes", "capacity"]);
    assert_eq!(
        r["items"],
        serde_json::json!(["Einrichtungsart Kita", "Kita: capacity"])
    );
    json(&[
        "bookmark",
        "add",
        a,
        "--name",
        "B",
        "--level",
        "Bezirksregion",
        "--indicator",
        "s4",
        "--period",
        "2019",
    ]);
    json(&["story", "add", a, "--name", "Öffentlich", "--bookmarks", "B"]);
    let r = json(&["release", a, "--story", "Öffentlich"]);
    assert_eq!(r["items"], serde_json::json!(["Story Öffentlich", "Lesezeichen B"]));
    let r = json(&["release", a, "--internal-level", "Planungsraum"]);
    assert_eq!(r["released"], false);
    let e = fails(&["release", a, "--indicators", "s4", "--levels", "Planungsraum"], 1);
    assert!(e.contains("Ebene „Planungsraum“ ist intern"), "{e}");

    let plan = json(&["publish", a, "--check"]);
    assert_eq!(plan["levels"], serde_json::json!(["Bezirksregion"]));
    assert_eq!(plan["stories"], serde_json::json!(["Öffentlich"]));
    assert!(ok(&["publish", a, "--check"]).contains("s4 auf Bezirksregion: 2013, 2015, 2019"));
    let out = dir.path().join("web");
    let written = json(&["publish", a, "--out", s(&out)]);
    assert_eq!(written["version"], 1);
    assert!(out.join("values/s4/bezirksregion/2019.json").exists());
    assert!(out.join("pois/kita.geojson").exists());

    // Take everything back: publishing has nothing left to write.
    json(&[
        "release",
        a,
        "--indicators",
        "s4,s1",
        "--levels",
        "Bezirksregion",
        "--unrelease",
    ]);
    json(&["release", a, "--poi-category", "Kita", "--unrelease"]);
    json(&["release", a, "--story", "Öffentlich", "--unrelease"]);
    json(&["release", a, "--internal-level", "Planungsraum", "--unrelease"]);
    let e = fails(&["publish", a, "--out", s(&out)], 1);
    assert!(e.contains("Nichts freigegeben"), "{e}");
    assert!(out.join("manifest.json").exists(), "the old bundle stays as it was");
    let e = fails(&["release", a], 1);
    assert!(e.contains("Genau eines freigeben"), "{e}");
    let e = fails(
        &[
            "release",
            a,
            "--indicators",
            "s4",
            "--levels",
            "Bezirk",
            "--attributes",
            "x",
        ],
        1,
    );
    assert!(e.contains("--attributes gehört zu --poi-category"), "{e}");
}
