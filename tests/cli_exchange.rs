//! `quartier export package` and `quartier import package`: a Gemeinde's signed package into
//! a Kreis atlas from the command line, trusted once, conflicts decided by `--prefer`.
#![allow(clippy::unwrap_used)]

mod common;

use common::{fails, json, ok, s};

#[test]
fn a_package_travels_from_gemeinde_to_kreis() {
    let dir = tempfile::tempdir().unwrap();
    let gemeinde = dir.path().join("gemeinde.quartier");
    let kreis = dir.path().join("kreis.quartier");
    json(&["sample", "--out", s(&gemeinde)]);
    json(&["new", s(&kreis), "--name", "Kreis"]);
    let package = dir.path().join("berlin.quartier-paket");
    let sent = json(&[
        "export",
        "package",
        s(&gemeinde),
        "--out",
        s(&package),
        "--levels",
        "Bezirk,Bezirksregion",
        "--indicators",
        "ew",
        "--periods",
        "2020",
        "--intern",
    ]);
    assert_eq!(
        (sent["levels"].as_u64(), sent["intern"].as_bool()),
        (Some(2), Some(true))
    );
    let fingerprint = sent["fingerprint"].as_str().unwrap().to_string();
    let e = fails(&["import", "package", s(&kreis), s(&package)], 1);
    assert!(e.contains(&fingerprint), "{e}");
    let checked = json(&[
        "import",
        "package",
        s(&kreis),
        s(&package),
        "--trust",
        "Berlin",
        "--check",
    ]);
    assert_eq!(checked["checked_only"], true);
    assert_eq!(json(&["info", s(&kreis)])["levels"], serde_json::json!([]));
    let got = json(&["import", "package", s(&kreis), s(&package), "--trust", "Berlin"]);
    assert_eq!(got["levels_created"], serde_json::json!(["Bezirk", "Bezirksregion"]));
    assert_eq!(got["values_added"], sent["values"]);
    // Trusted now; the same package again: everything equal.
    let text = ok(&["import", "package", s(&kreis), s(&package), "--prefer", "package"]);
    assert!(text.contains("0 Werte neu") && text.contains("0 abweichend"), "{text}");
}
