//! The server end to end: started on 127.0.0.1 at a free port, a municipality created, the
//! sample atlas published with `quartier publish --server`, a value changed and published
//! again (only the changed files travel), rolled back, and the public API compared with the
//! atlas's released, suppressed values. Then the attacks: wrong token, another
//! municipality's token, an oversized upload, a truncated upload (cut short of its hash, or its
//! connection broken before its length), paths out of the bundle, an activation of an
//! incomplete upload, and many failed logins.
#![allow(clippy::unwrap_used)]

mod common;

use common::{block_on, json, released_sample, s, start_server as start, start_server_for_berlin};
use quartier_server::{Store, ACTIVE_VERSION_TTL};

fn get(url: &str) -> reqwest::blocking::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::blocking::get(url).unwrap()
}

fn get_json(url: &str) -> serde_json::Value {
    serde_json::from_str(&get(url).text().unwrap()).unwrap()
}

/// Sets the count `ew_6_15` of Planungsraum `key` in 2020.
fn set_students(atlas: &std::path::Path, key: &str, value: f64) {
    let mut atlas = quartier_core::Atlas::open(atlas).unwrap();
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
    v.value = Some(value);
    atlas
        .set_value("ew_6_15", "Planungsraum", "2020", key, Some(v))
        .unwrap();
}

/// The SHA-256 of `bytes` in hex, as the manifest and the blob addresses name it.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    quartier_core::publish::hex(&sha2::Sha256::digest(bytes))
}

/// The value of area `key` in an answer of the values API.
fn value_of(values: &serde_json::Value, key: &str) -> serde_json::Value {
    values["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == key)
        .cloned()
        .unwrap()
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
    let of = value_of;
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
    set_students(&atlas, "01011101", stueler + 10.0);
    let second = json(&["publish", a, "--server", &server, "--token", &token]);
    assert_eq!(second["version"], 2);
    let sent = second["sent_files"].as_u64().unwrap();
    assert!((1..=3).contains(&sent), "only the changed files: {second}");
    let changed: serde_json::Value = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    assert_eq!(of(&changed, "01011101")["value"].as_f64(), Some(stueler + 10.0));

    // Files by hash are immutable and cached forever; a known ETag gets 304.
    let store = Store::folder(&data).unwrap();
    let manifest = block_on(store.active("berlin")).unwrap().manifest;
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

    // Roll back (from outside the server, as `quartier-server rollback` does): the old value
    // is public again once the server reads the active version anew.
    assert_eq!(block_on(store.rollback("berlin", None)).unwrap(), 1);
    std::thread::sleep(ACTIVE_VERSION_TTL);
    let back: serde_json::Value = get_json(&format!(
        "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
    ));
    assert_eq!(of(&back, "01011101")["value"].as_f64(), Some(stueler));
    let log = block_on(store.upload_log()).unwrap();
    assert!(log
        .iter()
        .any(|(slug, action, result)| slug == "berlin" && action == "aktivieren" && result == "Version 2"));
}

/// An upload that broke off after some files resumes with the files the server lacks: the
/// files that arrived are not sent again.
#[test]
fn an_interrupted_upload_resumes_with_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let (base, token) = start_server_for_berlin(&data);
    let atlas = dir.path().join("berlin.quartier");
    released_sample(&atlas);
    let bundle = dir.path().join("buendel");
    json(&["publish", s(&atlas), "--out", s(&bundle)]);
    // The first five files arrived before the connection broke.
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::new();
    for file in &files[..5] {
        let path = file["path"].as_str().unwrap();
        let r = client
            .put(format!("{base}/api/berlin/blobs/{}", file["sha256"].as_str().unwrap()))
            .header("Authorization", format!("Bearer {token}"))
            .body(std::fs::read(bundle.join(path)).unwrap())
            .send()
            .unwrap();
        assert_eq!(r.status(), 201, "{path}");
    }
    assert_eq!(
        get(&format!("{base}/berlin/api/indicators")).status(),
        404,
        "nothing active yet"
    );
    let server = format!("{base}/berlin");
    let resumed = json(&[
        "publish",
        s(&atlas),
        "--server",
        &server,
        "--token",
        &token,
        "--out",
        s(&bundle),
    ]);
    assert_eq!(resumed["files"].as_u64().unwrap(), files.len() as u64);
    assert_eq!(
        resumed["sent_files"].as_u64().unwrap(),
        files.len() as u64 - 5,
        "{resumed}"
    );
    assert_eq!(resumed["version"], 1);
    assert_eq!(get(&format!("{base}/berlin/api/indicators")).status(), 200);
}

#[test]
fn wrong_tokens_oversized_uploads_bad_paths_incomplete_uploads_and_guessing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("server");
    let base = start(&data);
    let store = Store::folder(&data).unwrap();
    let berlin = block_on(store.add_municipality("berlin", "Berlin")).unwrap();
    let hamburg = block_on(store.add_municipality("hamburg", "Hamburg")).unwrap();
    let _ = rustls::crypto::ring::default_provider().install_default();
    // No pooled connections: the server closes one after refusing an oversized body.
    let client = reqwest::blocking::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let put = |slug: &str, token: &str, body: Vec<u8>| {
        let sha = sha256_hex(&body);
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
    // Truncated: a body cut short of its hash is refused, and one whose connection breaks
    // before its declared length arrives is not stored.
    let whole = b"{\"werte\":[1,2,3,4,5,6,7,8,9]}".to_vec();
    let whole_sha = sha256_hex(&whole);
    let cut = client
        .put(format!("{base}/api/berlin/blobs/{whole_sha}"))
        .header("Authorization", format!("Bearer {berlin}"))
        .body(whole[..10].to_vec())
        .send()
        .unwrap();
    assert_eq!(cut.status(), 400);
    assert!(cut.text().unwrap().contains("passt nicht zur Prüfsumme"));
    {
        use std::io::{Read as _, Write as _};
        let address = base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(address).unwrap();
        write!(
            stream,
            "PUT /api/berlin/blobs/{whole_sha} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {berlin}\r\nContent-Length: {}\r\n\r\n",
            whole.len()
        )
        .unwrap();
        stream.write_all(&whole[..10]).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        assert!(!answer.starts_with("HTTP/1.1 201"), "{answer}");
    }
    assert_eq!(get(&format!("{base}/berlin/blobs/{whole_sha}")).status(), 404);
    assert_eq!(
        get(&format!("{base}/berlin/blobs/{sha}")).status(),
        200,
        "the whole one is"
    );
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
    assert_eq!(block_on(store.active("berlin")).unwrap().version, 1);
    assert_eq!(
        get(&format!("{base}/berlin/api/indicators")).text().unwrap(),
        "{\"a\":1}"
    );
    // Guessing: after five failures (the one above counts) the address waits, even with the right token.
    for _ in 0..4 {
        assert_eq!(put("berlin", "falsch", b"y".to_vec()).0, 401);
    }
    assert_eq!(put("berlin", &berlin, b"z".to_vec()).0, 429);
    let log = block_on(store.upload_log()).unwrap();
    assert!(log
        .iter()
        .any(|(_, action, result)| action == "anmelden" && result == "zu viele Fehlversuche"));
}

/// A local S3-compatible server (`moto_server` from PyPI, which `.ci/run` installs), stopped
/// when dropped.
struct S3Server {
    process: std::process::Child,
    url: String,
}

impl S3Server {
    fn start() -> S3Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut process = std::process::Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 fehlt");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = process.try_wait() {
                panic!("moto_server endete ({status}); fehlt es? pip install 'moto[server]' (macht .ci/run)");
            }
            assert!(started.elapsed().as_secs() < 60, "moto_server startet nicht");
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        S3Server {
            process,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

#[test]
fn two_server_instances_share_one_s3_bucket() {
    let s3 = S3Server::start();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let bucket = reqwest::blocking::Client::new()
        .put(format!("{}/quartier-atlanten", s3.url))
        .send()
        .unwrap();
    assert!(bucket.status().is_success(), "{}", bucket.text().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let unused = dir.path().join("nicht-benutzt");
    let mut config = common::server_config(&unused);
    config.store = Some("s3://quartier-atlanten/land".into());
    for (name, value) in [
        ("endpoint", s3.url.as_str()),
        ("allow_http", "true"),
        ("region", "eu-central-1"),
        ("access_key_id", "test"),
        ("secret_access_key", "test"),
    ] {
        config.store_options.insert(name.into(), value.into());
    }
    // Two stateless instances on one bucket, as behind a load balancer.
    let one = common::start_server_with(config.clone());
    let two = common::start_server_with(config.clone());
    let store = Store::open(&config).unwrap();
    let token = block_on(store.add_municipality("berlin", "Berlin")).unwrap();

    let atlas = dir.path().join("berlin.quartier");
    released_sample(&atlas);
    let a = s(&atlas);
    let first = json(&["publish", a, "--server", &format!("{one}/berlin"), "--token", &token]);
    assert_eq!(first["version"], 1);
    assert_eq!(first["sent_files"], first["files"]);
    let values = |base: &str| {
        get(&format!(
            "{base}/berlin/api/values?indicator=ew_6_15&level=Planungsraum&period=2020"
        ))
        .text()
        .unwrap()
    };
    // The other instance serves what the first received, byte for byte, suppression included.
    let through_two = values(&two);
    assert_eq!(through_two, values(&one));
    let parsed: serde_json::Value = serde_json::from_str(&through_two).unwrap();
    assert_eq!(value_of(&parsed, "04061757")["status"], "suppressed");
    let students = value_of(&parsed, "01011101")["value"].as_f64().unwrap();
    assert_eq!(get(&format!("{two}/berlin/")).status(), 200);

    // Publishing again through the second instance sends only the change: it sees the files
    // the first one stored. It serves the new version at once, the first one after it has
    // read the active version anew.
    set_students(&atlas, "01011101", students + 10.0);
    let second = json(&["publish", a, "--server", &format!("{two}/berlin"), "--token", &token]);
    assert_eq!(second["version"], 2);
    assert!((1..=3).contains(&second["sent_files"].as_u64().unwrap()), "{second}");
    let at_two: serde_json::Value = serde_json::from_str(&values(&two)).unwrap();
    assert_eq!(value_of(&at_two, "01011101")["value"].as_f64(), Some(students + 10.0));
    std::thread::sleep(ACTIVE_VERSION_TTL);
    let at_one: serde_json::Value = serde_json::from_str(&values(&one)).unwrap();
    assert_eq!(value_of(&at_one, "01011101")["value"].as_f64(), Some(students + 10.0));

    // A rollback on the bucket shows on both instances.
    assert_eq!(block_on(store.rollback("berlin", None)).unwrap(), 1);
    std::thread::sleep(ACTIVE_VERSION_TTL);
    for base in [&one, &two] {
        let back: serde_json::Value = serde_json::from_str(&values(base)).unwrap();
        assert_eq!(value_of(&back, "01011101")["value"].as_f64(), Some(students));
    }
    let log = block_on(store.upload_log()).unwrap();
    assert!(log
        .iter()
        .any(|(_, action, result)| action == "aktivieren" && result == "Version 2"));
    // Nothing was kept on the instances' disk.
    assert!(!unused.exists());
}
