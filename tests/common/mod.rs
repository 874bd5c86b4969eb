//! What the end-to-end tests of the binary share: running `quartier`, reading its JSON, and
//! expecting a failure with its exit code.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Output;

pub fn quartier(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_quartier"))
        .args(args)
        .output()
        .unwrap()
}

pub fn ok(args: &[&str]) -> String {
    let out = quartier(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

pub fn json(args: &[&str]) -> serde_json::Value {
    let mut a = args.to_vec();
    a.push("--json");
    serde_json::from_str(&ok(&a)).unwrap()
}

pub fn fails(args: &[&str], code: i32) -> String {
    let out = quartier(args);
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stderr).unwrap()
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The configuration of a test server: a free port of 127.0.0.1, its data in the folder
/// `data`, uploads up to 2 MB, five failed logins a minute.
pub fn server_config(data: &Path) -> quartier_server::Config {
    quartier_server::Config {
        listen: "127.0.0.1:0".into(),
        data_dir: data.to_path_buf(),
        store: None,
        store_options: Default::default(),
        max_upload_bytes: 2 * 1024 * 1024,
        max_failed_logins: 5,
    }
}

/// Runs a future of the server's store to its end.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// Starts a Quartier server configured by `config` in a thread of its own; its base URL.
pub fn start_server_with(config: quartier_server::Config) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (address, server) = quartier_server::bind(&config).await.unwrap();
            tx.send(address).unwrap();
            server.await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

/// Starts a Quartier server as [`server_config`] describes; its base URL.
pub fn start_server(data: &Path) -> String {
    start_server_with(server_config(data))
}

/// A server started as by [`start_server`] with the municipality `berlin`: its base URL and
/// the municipality's upload token.
pub fn start_server_for_berlin(data: &Path) -> (String, String) {
    let base = start_server(data);
    let store = quartier_server::Store::folder(data).unwrap();
    let token = block_on(store.add_municipality("berlin", "Berlin")).unwrap();
    (base, token)
}

/// The sample atlas written to `atlas`, with `ew_6_15` released on Planungsraum and `s4` on
/// Bezirksregion and Planungsraum.
pub fn released_sample(atlas: &Path) {
    let a = s(atlas);
    json(&["sample", "--out", a]);
    json(&["release", a, "--indicators", "ew_6_15", "--levels", "Planungsraum"]);
    json(&[
        "release",
        a,
        "--indicators",
        "s4",
        "--levels",
        "Bezirksregion,Planungsraum",
    ]);
}

/// The sample atlas, built once per test binary; tests that write work on a copy.
pub fn sample_atlas() -> &'static Path {
    static ATLAS: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    ATLAS.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let atlas = dir.join("beispiel.quartier");
        json(&["sample", "--out", s(&atlas)]);
        atlas
    })
}

/// A private copy of the sample atlas in `dir`.
pub fn sample_copy(dir: &Path) -> PathBuf {
    let copy = dir.join("kopie.quartier");
    std::fs::copy(sample_atlas(), &copy).unwrap();
    copy
}
