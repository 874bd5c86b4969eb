//! The server end to end: started on 127.0.0.1 at a free port, a municipality created, the
//! sample atlas published with `quartier publish --server`, a value changed and published
//! again (only the changed files travel), rolled back, and the public API compared with the
//! atlas's released, suppressed values. Then the attacks: wrong token, another
//! municipality's token, an oversized upload, paths out of the bundle, an activation of an
//! incomplete upload, and many failed logins.
#![allow(clippy::unwrap_used)]

mod common;

use common::{json, released_sample, s, start_server as start, start_server_for_berlin};
use quartier_server::Store;

fn get(url: &str) -> reqwest::blocking::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::get(url).unwrap()
}

fn get_json(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(url).text().unwrap()).unwrap()
}

#[test]
fn publish_change_publish_roll_back_and_read_the_open_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let (base, token) = start_server_for_berlin(&data);
    let atlas = dir.path().join("berlin.quartier");
    released_sample(&atlas);
    let a = s(&atlas);
    let server = format!("{base}/berlin");
    let first = json(&["publish", a, "--server", &server, "--token", &token]);
    assert_eq!(first["version"], 1);
    assert_eq!(first["sent_files"], first["files"], "the first upload sends everything");

    // The public API gives the released values, suppressed.
    let values: serde_json::Value = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    let of = |v: &serde_json::Value, key: &str| {
        v["values"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .cloned()
            .unwrap()
    };
    assert_eq!(of(&values, "04061757")["status"], "suppressed");
    assert_eq!(of(&values, "04061757")["value"], serde_json::Value::Null);
    let stueler = of(&values, "01011101")["value"].as_f64().unwrap();
    let csv = get(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020&format=csv"
    ))
    .text()
    .unwrap();
    assert!(
        csv.starts_with("schluessel;wert;status\n") && csv.contains("04061757;;suppressed"),
        "{csv}"
    );
    let indicators: serde_json::Value = get_json(&format!("{base}/berlin/api/indicators"));
    let keys: Vec<&str> = indicators
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, vec!["ew_6_15", "s4"], "released only");
    let level = get(&format!("{base}/berlin/api/levels/Bezirksregion"));
    assert_eq!(level.status(), 200);
    assert_eq!(
        get(&format!("{base}/berlin/api/levels/Bezirk")).status(),
        404,
        "not released"
    );
    assert_eq!(
        get(&format!(
            "{base}/berlin/api/values?indicator=ew&level=Planungsraum&period=2020"
        ))
        .status(),
        404
    );

    // Change one value and publish again: only what changed travels.
    {
        let mut atlas = quartier_core::Atlas::open(&atlas).unwrap();
        let mut v = atlas
            .values(
                atlas.indicator("ew_6_15").unwrap().id,
                atlas.level("Planungsraum").unwrap().id,
                atlas.period("2020").unwrap().id,
            )
            .unwrap()
            .values()
            .next()
            .cloned()
            .unwrap();
        v.value = Some(stueler + 10.0);
        atlas
            .set_value("ew_6_15", "Planungsraum", "2020", "01011101", Some(v))
            .unwrap();
    }
    let second = json(&["publish", a, "--server", &server, "--token", &token]);
    assert_eq!(second["version"], 2);
    let sent = second["sent_files"].as_u64().unwrap();
    assert!((1..=3).contains(&sent), "only the changed files: {second}");
    let changed: serde_json::Value = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    assert_eq!(of(&changed, "01011101")["value"].as_f64(), Some(stueler + 10.0));

    // Files by hash are immutable and cached forever; a known ETag gets 304.
    let manifest = Store::open(&data).unwrap().active("berlin").unwrap().1;
    let file = &manifest.files[0];
    let response = get(&format!("{base}/berlin/blobs/{}", file.sha256));
    assert_eq!(
        response.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = response.headers()["etag"].to_str().unwrap().to_string();
    let again = reqwest::blocking::Client::new()
        .get(format!("{base}/berlin/bundle/{}", file.path))
        .header("If-None-Match", etag)
        .send()
        .unwrap();
    assert_eq!(again.status(), 304);

    // Roll back: the old value is public again.
    assert_eq!(Store::open(&data).unwrap().rollback("berlin", None).unwrap(), 1);
    let back: serde_json::Value = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    assert_eq!(of(&back, "01011101")["value"].as_f64(), Some(stueler));
    let log = Store::open(&data).unwrap().upload_log();
    assert!(log
        .iter()
        .any(|(slug, action, result)| slug == "berlin" && action == "aktivieren" && result == "Version 2"));
}

#[test]
fn wrong_tokens_oversized_uploads_bad_paths_incomplete_uploads_and_guessing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let base = start(&data);
    let store = Store::open(&data).unwrap();
    let berlin = store.add_municipality("berlin", "Berlin").unwrap();
    let hamburg = store.add_municipality("hamburg", "Hamburg").unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No pooled connections: the server closes one after refusing an oversized body.
    let client = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let put = |slug: &str, token: &str, body: Vec<u8>| {
        let sha: String = {
            use sha2::Digest as _;
            sha2::Sha256::digest(&body).iter().map(|b| format!("{b:02x}")).collect()
        };
        let r = client
            .put(format!("{base}/api/{slug}/blobs/{sha}"))
            .header("Authorization", format!("Bearer {token}"))
            .body(body)
            .send()
            .unwrap();
        (r.status().as_u16(), sha)
    };
    let activate = |token: &str, manifest: serde_json::Value| {
        client
            .post(format!("{base}/api/berlin/activate"))
            .header("Authorization", format!("Bearer {token}"))
            .body(manifest.to_string())
            .send()
            .unwrap()
    };
    // The right token writes; another municipality's token does not.
    let (ok, sha) = put("berlin", &berlin, b"{\"a\":1}".to_vec());
    assert_eq!(ok, 201);
    assert_eq!(put("berlin", &hamburg, b"x".to_vec()).0, 401);
    // Too big.
    assert_eq!(put("berlin", &berlin, vec![b'x'; 3 * 1024 * 1024]).0, 413);
    // Paths out of the bundle.
    for path in ["../boese.json", "/etc/passwd", "values/../../x", "a\\b.json"] {
        let r = activate(
            &berlin,
            serde_json::json!({"format": "quartier-bundle", "files": [{"path": path, "bytes": 7, "sha256": sha}]}),
        );
        assert_eq!(r.status(), 400, "{path}");
        assert!(r.text().unwrap().contains("verlässt das Bündel"), "{path}");
    }
    // A good version, then an activation whose files never arrived: refused, the active
    // version stays.
    let good = activate(
        &berlin,
        serde_json::json!({"format": "quartier-bundle", "files": [{"path": "indicators.json", "bytes": 7, "sha256": sha}]}),
    );
    assert_eq!(good.status(), 200);
    let missing = "0".repeat(64);
    let r = activate(
        &berlin,
        serde_json::json!({"format": "quartier-bundle", "files": [{"path": "indicators.json", "bytes": 7, "sha256": missing}]}),
    );
    assert_eq!(r.status(), 400);
    assert_eq!(store.active("berlin").unwrap().0, 1);
    assert_eq!(
        get(&format!("{base}/berlin/api/indicators")).text().unwrap(),
        "{\"a\":1}"
    );
    // Guessing: after five failures (the one above counts) the address waits, even with the right token.
    for _ in 0..4 {
        assert_eq!(put("berlin", "falsch", b"y".to_vec()).0, 401);
    }
    assert_eq!(put("berlin", &berlin, b"z".to_vec()).0, 429);
    let log = store.upload_log();
    assert!(log
        .iter()
        .any(|(_, action, result)| action == "anmelden" && result == "zu viele Fehlversuche"));
}
