//! Exchange between Kreis and Gemeinde: a signed package from the Berlin sample atlas into a
//! new, empty atlas; trust on first use; conflicts reported with both values; tampered,
//! unsigned and smuggled files refused; the dry run writes nothing.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use quartier_core::exchange::{export_package, import_package, PackageImport, PackageRequest, Prefer};
use quartier_core::model::ValueStatus;
use quartier_core::{Atlas, NoProgress, StoredValue};

fn request() -> PackageRequest {
    PackageRequest {
        levels: vec!["Bezirksregion".into(), "Planungsraum".into()],
        indicators: vec!["ew_6_15".into(), "ew".into()],
        periods: vec!["2020".into()],
        intern: false,
    }
}

fn trusting(name: &str) -> PackageImport {
    PackageImport {
        trust: Some(name.into()),
        ..PackageImport::default()
    }
}

#[test]
fn a_package_brings_levels_metadata_and_suppressed_values_into_a_new_atlas() {
    let (dir, mut gemeinde) = sample_atlas();
    let package = dir.path().join("berlin.quartier-paket");
    let sent = export_package(&mut gemeinde, &request(), &package).unwrap();
    assert_eq!((sent.levels, sent.indicators, sent.periods), (2, 2, 1));
    assert!(sent.suppressed_cells >= 4, "{sent:?}");
    let kreis_dir = tempfile::tempdir().unwrap();
    let mut kreis = new_atlas(kreis_dir.path(), "Kreis");

    // An unknown sender is refused, naming the fingerprint to compare.
    let e = import_package(&mut kreis, &package, &PackageImport::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&sent.fingerprint) && e.contains("--trust"), "{e}");
    assert!(kreis.levels().unwrap().is_empty(), "nothing written");

    // The dry run reports and writes nothing.
    let checked = import_package(
        &mut kreis,
        &package,
        &PackageImport {
            check: true,
            ..trusting("Berlin")
        },
        &NoProgress,
    )
    .unwrap();
    assert!(checked.checked_only);
    assert_eq!(checked.levels_created, vec!["Bezirksregion", "Planungsraum"]);
    assert!(kreis.levels().unwrap().is_empty() && kreis.trusted_keys().unwrap().is_empty());

    let got = import_package(&mut kreis, &package, &trusting("Berlin"), &NoProgress).unwrap();
    assert_eq!(got.levels_created, vec!["Bezirksregion", "Planungsraum"]);
    assert_eq!(got.indicators_created, vec!["ew_6_15", "ew"]);
    assert_eq!(got.periods_created, vec!["2020"]);
    assert!(got.conflicts.is_empty());
    assert_eq!(
        kreis.trusted_keys().unwrap(),
        vec![(sent.public_key.clone(), "Berlin".into())]
    );
    // Metadata, geometry and hierarchy came along.
    let ew = kreis.indicator("ew").unwrap();
    assert_eq!(
        (ew.name.as_str(), ew.source.as_str()),
        (
            gemeinde.indicator("ew").unwrap().name.as_str(),
            gemeinde.indicator("ew").unwrap().source.as_str()
        )
    );
    let pr = kreis.level("Planungsraum").unwrap();
    assert_eq!(kreis.level_areas(pr.id).unwrap().len(), 448);
    assert_eq!(kreis.area_geometries(pr.id).unwrap().len(), 448);
    assert!(pr.parent_level_id.is_some());
    // Values as sent: Stülerstraße's children as stored, Forst Grunewald's 3 "k. A.".
    let sent_value = stored(&gemeinde, "ew_6_15", "Planungsraum", "2020", "01011101").unwrap();
    let got_value = stored(&kreis, "ew_6_15", "Planungsraum", "2020", "01011101").unwrap();
    assert_eq!(got_value.number(), sent_value.number());
    let grunewald = stored(&kreis, "ew_6_15", "Planungsraum", "2020", "04061757").unwrap();
    assert_eq!((grunewald.status, grunewald.value), (ValueStatus::Suppressed, None));
    assert_eq!(got.values_added, sent.values);

    // The same package again changes nothing.
    let again = import_package(&mut kreis, &package, &PackageImport::default(), &NoProgress).unwrap();
    assert_eq!((again.values_added, again.values_unchanged), (0, sent.values));

    // A corrected value at the sender is a conflict at the receiver: both values, the
    // atlas's kept unless the package is preferred.
    let before = stored(&gemeinde, "ew", "Planungsraum", "2020", "01011101")
        .unwrap()
        .number()
        .unwrap();
    gemeinde
        .set_value(
            "ew",
            "Planungsraum",
            "2020",
            "01011101",
            Some(StoredValue {
                value: Some(before + 100.0),
                ..stored(&gemeinde, "ew", "Planungsraum", "2020", "01011101").unwrap()
            }),
        )
        .unwrap();
    let corrected = dir.path().join("korrektur.quartier-paket");
    export_package(&mut gemeinde, &request(), &corrected).unwrap();
    let kept = import_package(&mut kreis, &corrected, &PackageImport::default(), &NoProgress).unwrap();
    assert_eq!(kept.conflicts.len(), 1, "{:?}", kept.conflicts);
    let c = &kept.conflicts[0];
    let ew_before = stored(&kreis, "ew", "Planungsraum", "2020", "01011101")
        .unwrap()
        .number();
    assert_eq!(
        (c.indicator.as_str(), c.key.as_str(), c.atlas),
        ("ew", "01011101", ew_before)
    );
    assert_eq!(c.package, Some(before + 100.0), "{c:?}");
    assert_eq!(kept.overwritten, 0);
    let taken = import_package(
        &mut kreis,
        &corrected,
        &PackageImport {
            prefer: Prefer::Package,
            ..PackageImport::default()
        },
        &NoProgress,
    )
    .unwrap();
    assert_eq!(taken.overwritten, 1);
    assert_eq!(
        stored(&kreis, "ew", "Planungsraum", "2020", "01011101")
            .unwrap()
            .number(),
        Some(before + 100.0)
    );
}

#[test]
fn tampered_packages_and_smuggled_files_are_refused() {
    let (dir, mut gemeinde) = sample_atlas();
    let package = dir.path().join("p.quartier-paket");
    export_package(&mut gemeinde, &request(), &package).unwrap();
    let kreis_dir = tempfile::tempdir().unwrap();
    let mut kreis: Atlas = new_atlas(kreis_dir.path(), "Kreis");
    let refused = |kreis: &mut Atlas, file: &std::path::Path| {
        import_package(kreis, file, &trusting("Berlin"), &NoProgress)
            .unwrap_err()
            .to_string()
    };
    // A value changed in the data: the checksum no longer matches.
    let data = dir.path().join("daten.quartier-paket");
    rewrite_zip_entry(&package, &data, "daten.json", |t| t.replacen("\"ew\"", "\"ew\" ", 1));
    assert!(refused(&mut kreis, &data).contains("„daten.json“ wurde verändert"));
    // The manifest changed (say, the hash of the changed data put in): the signature fails.
    let manifest = dir.path().join("manifest.quartier-paket");
    rewrite_zip_entry(&package, &manifest, "manifest.json", |t| {
        t.replacen("\"intern\": false", "\"intern\": true", 1)
    });
    assert!(refused(&mut kreis, &manifest).contains("Signatur stimmt nicht"));
    // A file with a path out of the package.
    let smuggled = dir.path().join("pfad.quartier-paket");
    {
        use std::io::{Read, Write};
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&package).unwrap()).unwrap();
        let mut out = zip::ZipWriter::new(std::fs::File::create(&smuggled).unwrap());
        for i in 0..archive.len() {
            let mut f = archive.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            out.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
            out.write_all(&bytes).unwrap();
        }
        out.start_file(
            "geometrie/../../boese.geojson",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        out.write_all(b"{}").unwrap();
        out.finish().unwrap();
    }
    assert!(refused(&mut kreis, &smuggled).contains("unerwartete Datei"));
    assert!(kreis.levels().unwrap().is_empty(), "nothing written by any of them");
    // Not a package at all.
    let text = dir.path().join("text.quartier-paket");
    std::fs::write(&text, "kein Paket").unwrap();
    assert!(refused(&mut kreis, &text).contains("kein Datenpaket"));
}
