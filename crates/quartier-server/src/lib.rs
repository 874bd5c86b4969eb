//! The Quartier server: municipalities upload the public bundle their atlas wrote
//! (`quartier publish --server URL --token TOKEN`), and the server serves it with its open
//! data. It depends on the engine only for the bundle's format.
//!
//! - **Storage** ([`Store`]): its own SQLite file (`server.sqlite` in `data_dir`:
//!   municipalities with their token hashed by argon2, versions with their manifests, the
//!   active version, the upload log) and the files of each municipality, content-addressed
//!   by SHA-256 (`<data_dir>/m/<slug>/blobs/<sha256>`), so that an upload sends only what the
//!   server lacks and an interrupted one resumes.
//! - **Upload** (token per municipality): `POST /api/<slug>/have` (which hashes are missing),
//!   `PUT /api/<slug>/blobs/<sha256>` (checked against its hash), `POST /api/<slug>/activate`
//!   (the manifest: every file present, every path inside the bundle; the new version
//!   becomes active in one transaction; older ones stay for `rollback`).
//! - **Public**: `GET /<slug>/blobs/<sha256>` (immutable, cached forever), `GET
//!   /<slug>/bundle/<path>` (the active version's file, with its ETag), and the open data
//!   `GET /<slug>/api/indicators`, `GET /<slug>/api/values?indicator=I&level=L&period=P[&format=csv]`,
//!   `GET /<slug>/api/levels/<level>` (GeoJSON).
//! - **Web atlas**: `GET /<slug>/` is the public web atlas (`assets/web/`, compiled into the
//!   binary and served under `/static/`), which reads the bundle above.
//! - **Security**: a token per municipality, stored hashed; a municipality writes only its
//!   own files; request bodies are limited; paths from a bundle never leave its files; failed
//!   authentications are rate limited per address; every upload is logged with its result.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context as _, Result};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rusqlite::{params, OptionalExtension as _};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The server's configuration: a TOML file, each key overridable by an environment variable
/// (`QUARTIER_SERVER_LISTEN`, `QUARTIER_SERVER_DATA_DIR`, `QUARTIER_SERVER_MAX_UPLOAD_BYTES`,
/// `QUARTIER_SERVER_MAX_FAILED_LOGINS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Address and port; port 0 takes a free one.
    pub listen: String,
    /// Where the server keeps its database and files.
    pub data_dir: PathBuf,
    /// The largest request body (one file of a bundle), in bytes.
    #[serde(default = "default_max_upload")]
    pub max_upload_bytes: usize,
    /// Failed authentications per address and minute before it is refused for a minute.
    #[serde(default = "default_max_failed")]
    pub max_failed_logins: usize,
}

fn default_max_upload() -> usize {
    64 * 1024 * 1024
}

fn default_max_failed() -> usize {
    5
}

impl Config {
    /// Reads the file (when given) and applies the environment.
    pub fn load(file: Option<&Path>) -> Result<Config> {
        let mut table: toml::Table = match file {
            Some(f) => {
                let text =
                    std::fs::read_to_string(f).with_context(|| format!("Konfiguration {} lesen", f.display()))?;
                text.parse()
                    .map_err(|e| anyhow!("Konfiguration {}: {e}", f.display()))?
            }
            None => toml::Table::new(),
        };
        for (key, var) in [
            ("listen", "QUARTIER_SERVER_LISTEN"),
            ("data_dir", "QUARTIER_SERVER_DATA_DIR"),
            ("max_upload_bytes", "QUARTIER_SERVER_MAX_UPLOAD_BYTES"),
            ("max_failed_logins", "QUARTIER_SERVER_MAX_FAILED_LOGINS"),
        ] {
            if let Ok(value) = std::env::var(var) {
                let value = match value.parse::<i64>() {
                    Ok(n) if key.starts_with("max_") => toml::Value::Integer(n),
                    _ => toml::Value::String(value),
                };
                table.insert(key.into(), value);
            }
        }
        let config: Config = toml::Value::Table(table)
            .try_into()
            .map_err(|e| anyhow!("Konfiguration unvollständig (listen und data_dir nötig): {e}"))?;
        Ok(config)
    }
}

/// A file of a bundle, as its manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BundleFile {
    /// Path in the bundle.
    pub path: String,
    /// Size.
    pub bytes: u64,
    /// SHA-256, hex.
    pub sha256: String,
}

/// The parts of a bundle's manifest the server reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `quartier-bundle`.
    pub format: String,
    /// The files.
    pub files: Vec<BundleFile>,
}

/// Whether `path` stays inside a bundle: relative, forward slashes, plain names.
pub fn safe_path(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 300
        && !path.starts_with('/')
        && path.split('/').all(|part| {
            !part.is_empty()
                && part != "."
                && part != ".."
                && part.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        })
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

fn is_slug(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Path segments the server uses itself, never a municipality's.
const RESERVED_SLUGS: [&str; 2] = ["api", "static"];

/// The web atlas, compiled in: path under `/static/` → content.
const WEB_FILES: [(&str, &[u8]); 6] = [
    ("icon.png", include_bytes!("../../../assets/icon.png")),
    ("atlas.js", include_bytes!("../../../assets/web/atlas.js")),
    ("atlas.css", include_bytes!("../../../assets/web/atlas.css")),
    (
        "vendor/leaflet/leaflet.js",
        include_bytes!("../../../assets/web/vendor/leaflet/leaflet.js"),
    ),
    (
        "vendor/leaflet/leaflet.css",
        include_bytes!("../../../assets/web/vendor/leaflet/leaflet.css"),
    ),
    (
        "vendor/leaflet/LICENSE",
        include_bytes!("../../../assets/web/vendor/leaflet/LICENSE"),
    ),
];

/// A web atlas file as served: its path, the SHA-256 of its content (the ETag), the content.
type WebFile = (&'static str, String, Arc<Vec<u8>>);

/// The web atlas's page.
const WEB_PAGE: &str = include_str!("../../../assets/web/index.html");

/// Files by municipality and hash, with the bytes they take.
type FileCache = (usize, HashMap<(String, String), Arc<Vec<u8>>>);
/// The values file of each (indicator, level, period).
type SeriesIndex = HashMap<(String, String, String), String>;

/// The server's database and files.
pub struct Store {
    dir: PathBuf,
    db: Mutex<rusqlite::Connection>,
    /// Parsed manifests by municipality and version.
    manifests: Mutex<HashMap<(String, i64), Arc<Manifest>>>,
    /// Files read, by municipality and hash (immutable), up to [`FILE_CACHE_BYTES`].
    files: Mutex<FileCache>,
    /// Per municipality and version: the values file of each (indicator, level, period).
    series: Mutex<HashMap<(String, i64), Arc<SeriesIndex>>>,
}

/// How many bytes of files the server keeps in memory.
const FILE_CACHE_BYTES: usize = 256 * 1024 * 1024;

impl Store {
    /// Opens (or creates) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("Datenordner {} anlegen", dir.display()))?;
        let db = rusqlite::Connection::open(dir.join("server.sqlite"))?;
        db.busy_timeout(Duration::from_secs(10))?;
        db.execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE IF NOT EXISTS municipality (slug TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL,
                created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));
             CREATE TABLE IF NOT EXISTS version (slug TEXT NOT NULL, version INTEGER NOT NULL, manifest TEXT NOT NULL,
                created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')), PRIMARY KEY (slug, version));
             CREATE TABLE IF NOT EXISTS active (slug TEXT PRIMARY KEY, version INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS upload_log (id INTEGER PRIMARY KEY, slug TEXT NOT NULL, address TEXT NOT NULL,
                action TEXT NOT NULL, result TEXT NOT NULL, bytes INTEGER NOT NULL DEFAULT 0,
                time TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));",
        )?;
        Ok(Store {
            dir: dir.to_path_buf(),
            db: Mutex::new(db),
            manifests: Mutex::new(HashMap::new()),
            files: Mutex::new((0, HashMap::new())),
            series: Mutex::new(HashMap::new()),
        })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, rusqlite::Connection> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds a municipality; returns its upload token (shown once, stored only hashed).
    pub fn add_municipality(&self, slug: &str, name: &str) -> Result<String> {
        if !is_slug(slug) {
            bail!("Kürzel „{slug}“: nur Kleinbuchstaben, Ziffern und Bindestriche, höchstens 40 Zeichen");
        }
        if RESERVED_SLUGS.contains(&slug) {
            bail!("Kürzel „{slug}“ ist für den Server reserviert; bitte ein anderes wählen");
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| anyhow!("kein Zufall verfügbar: {e}"))?;
        let token = quartier_core::publish::hex(&secret);
        let hash = hash_token(&token)?;
        let inserted = self.db().execute(
            "INSERT OR IGNORE INTO municipality(slug, name, token_hash) VALUES (?1, ?2, ?3)",
            params![slug, name, hash],
        )?;
        if inserted == 0 {
            bail!("Die Kommune „{slug}“ gibt es schon");
        }
        Ok(token)
    }

    /// Whether the municipality `slug` exists.
    pub fn has_municipality(&self, slug: &str) -> bool {
        self.db()
            .query_row("SELECT 1 FROM municipality WHERE slug = ?1", [slug], |_| Ok(()))
            .optional()
            .ok()
            .flatten()
            .is_some()
    }

    /// Whether `token` is the upload token of `slug` (and of no other municipality).
    pub fn check_token(&self, slug: &str, token: &str) -> bool {
        let hash: Option<String> = self
            .db()
            .query_row("SELECT token_hash FROM municipality WHERE slug = ?1", [slug], |r| {
                r.get(0)
            })
            .optional()
            .ok()
            .flatten();
        let Some(hash) = hash else { return false };
        let Ok(parsed) = argon2::PasswordHash::new(&hash) else {
            return false;
        };
        argon2::PasswordVerifier::verify_password(&argon2::Argon2::default(), token.as_bytes(), &parsed).is_ok()
    }

    fn blob_path(&self, slug: &str, sha: &str) -> PathBuf {
        self.dir.join("m").join(slug).join("blobs").join(sha)
    }

    /// Of `hashes`, those the server lacks for `slug`.
    pub fn missing(&self, slug: &str, hashes: &[String]) -> Vec<String> {
        hashes
            .iter()
            .filter(|h| !is_sha256(h) || !self.blob_path(slug, h).exists())
            .cloned()
            .collect()
    }

    /// Stores a file under its hash after checking it; written beside and renamed, so a
    /// broken connection leaves nothing half.
    pub fn put_blob(&self, slug: &str, sha: &str, bytes: &[u8]) -> Result<()> {
        if !is_sha256(sha) {
            bail!("„{sha}“ ist keine SHA-256-Prüfsumme");
        }
        let actual = quartier_core::publish::hex(&sha2::Sha256::digest(bytes));
        if actual != sha {
            bail!("Inhalt passt nicht zur Prüfsumme {sha}");
        }
        let path = self.blob_path(slug, sha);
        let folder = path.parent().ok_or_else(|| anyhow!("kein Ordner"))?;
        std::fs::create_dir_all(folder)?;
        let part = folder.join(format!(".{sha}.{}", std::process::id()));
        std::fs::write(&part, bytes)?;
        std::fs::rename(&part, &path)?;
        Ok(())
    }

    /// Makes `manifest` the active version of `slug` once every file is there; returns the
    /// new version's number.
    pub fn activate(&self, slug: &str, manifest_text: &str) -> Result<i64> {
        let manifest: Manifest = serde_json::from_str(manifest_text).map_err(|e| anyhow!("Manifest unlesbar: {e}"))?;
        if manifest.format != quartier_core::publish::FORMAT {
            bail!("kein Quartier-Bündel");
        }
        for f in &manifest.files {
            if !safe_path(&f.path) {
                bail!("Pfad „{}“ verlässt das Bündel oder enthält unerlaubte Zeichen", f.path);
            }
            if !is_sha256(&f.sha256) || !self.blob_path(slug, &f.sha256).exists() {
                bail!(
                    "„{}“ fehlt noch ({}); erst hochladen, dann aktivieren",
                    f.path,
                    f.sha256
                );
            }
        }
        let mut db = self.db();
        let tx = db.transaction()?;
        let version: i64 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) + 1 FROM version WHERE slug = ?1",
            [slug],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO version(slug, version, manifest) VALUES (?1, ?2, ?3)",
            params![slug, version, manifest_text],
        )?;
        tx.execute(
            "INSERT INTO active(slug, version) VALUES (?1, ?2) ON CONFLICT(slug) DO UPDATE SET version = excluded.version",
            params![slug, version],
        )?;
        tx.commit()?;
        Ok(version)
    }

    /// Goes back to `to`, or to the version before the active one; returns it.
    pub fn rollback(&self, slug: &str, to: Option<i64>) -> Result<i64> {
        let db = self.db();
        let active: Option<i64> = db
            .query_row("SELECT version FROM active WHERE slug = ?1", [slug], |r| r.get(0))
            .optional()?;
        let active = active.ok_or_else(|| anyhow!("„{slug}“ hat noch keine Version"))?;
        let target: Option<i64> = match to {
            Some(v) => db
                .query_row(
                    "SELECT version FROM version WHERE slug = ?1 AND version = ?2",
                    params![slug, v],
                    |r| r.get(0),
                )
                .optional()?,
            None => db
                .query_row(
                    "SELECT MAX(version) FROM version WHERE slug = ?1 AND version < ?2",
                    params![slug, active],
                    |r| r.get(0),
                )
                .optional()?
                .flatten(),
        };
        let target = target.ok_or_else(|| anyhow!("keine passende frühere Version von „{slug}“"))?;
        db.execute("UPDATE active SET version = ?2 WHERE slug = ?1", params![slug, target])?;
        Ok(target)
    }

    /// The active version of `slug` with its manifest.
    pub fn active(&self, slug: &str) -> Option<(i64, Arc<Manifest>)> {
        let version: i64 = self
            .db()
            .query_row("SELECT version FROM active WHERE slug = ?1", [slug], |r| r.get(0))
            .optional()
            .ok()
            .flatten()?;
        // A version's manifest never changes: parsed once, kept (a rollback by another
        // process only changes which version is active, read above on every request).
        let key = (slug.to_string(), version);
        if let Some(m) = self.manifests.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Some((version, m.clone()));
        }
        let text: String = self
            .db()
            .query_row(
                "SELECT manifest FROM version WHERE slug = ?1 AND version = ?2",
                params![slug, version],
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()?;
        let manifest = Arc::new(serde_json::from_str::<Manifest>(&text).ok()?);
        self.manifests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, manifest.clone());
        Some((version, manifest))
    }

    /// A line in the upload log.
    pub fn log(&self, slug: &str, address: &str, action: &str, result: &str, bytes: usize) {
        let _ = self.db().execute(
            "INSERT INTO upload_log(slug, address, action, result, bytes) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![slug, address, action, result, bytes as i64],
        );
    }

    /// The upload log: (slug, action, result), oldest first.
    pub fn upload_log(&self) -> Vec<(String, String, String)> {
        let db = self.db();
        let Ok(mut stmt) = db.prepare("SELECT slug, action, result FROM upload_log ORDER BY id") else {
            return Vec::new();
        };
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map(|rows| rows.flatten().collect())
            .unwrap_or_default()
    }

    /// A file by hash, from memory when it was read before.
    fn file(&self, slug: &str, sha: &str) -> Option<Arc<Vec<u8>>> {
        let key = (slug.to_string(), sha.to_string());
        if let Some(bytes) = self.files.lock().unwrap_or_else(|p| p.into_inner()).1.get(&key) {
            return Some(bytes.clone());
        }
        let bytes = Arc::new(std::fs::read(self.blob_path(slug, sha)).ok()?);
        let mut cache = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if cache.0 + bytes.len() <= FILE_CACHE_BYTES {
            cache.0 += bytes.len();
            cache.1.insert(key, bytes.clone());
        }
        Some(bytes)
    }

    /// A file of the active version by its path in the bundle.
    fn bundle_file(&self, slug: &str, path: &str) -> Option<(String, Arc<Vec<u8>>)> {
        let (_, manifest) = self.active(slug)?;
        let file = manifest.files.iter().find(|f| f.path == path)?;
        Some((file.sha256.clone(), self.file(slug, &file.sha256)?))
    }

    /// The values file of a series in the active version, from `indicators.json`.
    fn series_file(&self, slug: &str, indicator: &str, level: &str, period: &str) -> Option<String> {
        let (version, _) = self.active(slug)?;
        let key = (slug.to_string(), version);
        let cached = self.series.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let index = match cached {
            Some(index) => index,
            None => {
                let (_, bytes) = self.bundle_file(slug, "indicators.json")?;
                let list: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
                let mut index = HashMap::new();
                for i in list.as_array()? {
                    for s in i["series"].as_array().into_iter().flatten() {
                        let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
                        index.insert(
                            (text(&i["key"]), text(&s["level"]), text(&s["period"])),
                            text(&s["file"]),
                        );
                    }
                }
                let index = Arc::new(index);
                self.series
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(key, index.clone());
                index
            }
        };
        index
            .get(&(indicator.to_string(), level.to_string(), period.to_string()))
            .cloned()
    }
}

fn hash_token(token: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| anyhow!("kein Zufall verfügbar: {e}"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("{e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(token.as_bytes(), &salt)
        .map_err(|e| anyhow!("{e}"))?
        .to_string())
}

/// Failed authentications per address, for the rate limit.
#[derive(Default)]
struct Failures(Mutex<HashMap<IpAddr, Vec<Instant>>>);

impl Failures {
    fn recent(&self, ip: IpAddr) -> usize {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let list = map.entry(ip).or_default();
        list.retain(|t| t.elapsed() < Duration::from_secs(60));
        list.len()
    }

    fn add(&self, ip: IpAddr) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(ip)
            .or_default()
            .push(Instant::now());
    }
}

struct App {
    store: Store,
    failures: Failures,
    max_failed: usize,
}

type Shared = Arc<App>;

fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(serde_json::json!({ "fehler": message.into() }))).into_response()
}

/// Checks the bearer token of `slug`, with the rate limit on failures; the refusal, if any.
fn refusal(app: &App, slug: &str, headers: &HeaderMap, from: SocketAddr) -> Option<Response> {
    if app.failures.recent(from.ip()) >= app.max_failed {
        app.store
            .log(slug, &from.to_string(), "anmelden", "zu viele Fehlversuche", 0);
        return Some(error(
            StatusCode::TOO_MANY_REQUESTS,
            "Zu viele fehlgeschlagene Anmeldungen; bitte eine Minute warten",
        ));
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if is_slug(slug) && app.store.check_token(slug, token) {
        return None;
    }
    app.failures.add(from.ip());
    app.store.log(slug, &from.to_string(), "anmelden", "abgelehnt", 0);
    Some(error(StatusCode::UNAUTHORIZED, "Token ungültig für diese Kommune"))
}

async fn have(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(hashes): Json<Vec<String>>,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from) {
        return r;
    }
    Json(serde_json::json!({ "missing": app.store.missing(&slug, &hashes) })).into_response()
}

async fn upload(
    State(app): State<Shared>,
    UrlPath((slug, sha)): UrlPath<(String, String)>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from) {
        return r;
    }
    match app.store.put_blob(&slug, &sha, &body) {
        Ok(()) => {
            app.store
                .log(&slug, &from.to_string(), "datei", "gespeichert", body.len());
            StatusCode::CREATED.into_response()
        }
        Err(e) => {
            app.store.log(
                &slug,
                &from.to_string(),
                "datei",
                &format!("abgelehnt: {e}"),
                body.len(),
            );
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
    }
}

async fn activate(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from) {
        return r;
    }
    match app.store.activate(&slug, &body) {
        Ok(version) => {
            app.store.log(
                &slug,
                &from.to_string(),
                "aktivieren",
                &format!("Version {version}"),
                body.len(),
            );
            Json(serde_json::json!({ "version": version })).into_response()
        }
        Err(e) => {
            app.store.log(
                &slug,
                &from.to_string(),
                "aktivieren",
                &format!("abgelehnt: {e}"),
                body.len(),
            );
            error(StatusCode::BAD_REQUEST, e.to_string())
        }
    }
}

/// How long a client or CDN may keep a file.
#[derive(Debug, Clone, Copy)]
enum Cache {
    /// A blob named by its hash: it never changes.
    Forever,
    /// A file of the active version: a rollback or a new version changes it.
    ActiveVersion,
    /// The web atlas's own files: they change with the server binary.
    WebAtlas,
}

/// A file with its ETag; 304 when the client has it.
fn file_response(sha: &str, bytes: Arc<Vec<u8>>, headers: &HeaderMap, cache: Cache, content_type: &str) -> Response {
    let etag = format!("\"{sha}\"");
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
        return StatusCode::NOT_MODIFIED.into_response();
    }
    let cache = match cache {
        Cache::Forever => "public, max-age=31536000, immutable",
        Cache::ActiveVersion => "public, max-age=60",
        Cache::WebAtlas => "public, max-age=3600",
    };
    (
        [
            (header::ETAG, etag),
            (header::CACHE_CONTROL, cache.to_string()),
            (header::CONTENT_TYPE, content_type.to_string()),
        ],
        Bytes::from_owner(ArcBytes(bytes)),
    )
        .into_response()
}

/// Shared file bytes as a response body without copying.
struct ArcBytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for ArcBytes {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

fn content_type(path: &str) -> &'static str {
    if path.ends_with(".json") {
        "application/json"
    } else if path.ends_with(".geojson") {
        "application/geo+json"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else if path.ends_with(".png") {
        "image/png"
    } else if path.ends_with(".js") {
        "text/javascript; charset=utf-8"
    } else if path.ends_with(".css") {
        "text/css; charset=utf-8"
    } else if path.ends_with("LICENSE") {
        "text/plain; charset=utf-8"
    } else {
        "application/octet-stream"
    }
}

async fn blob(
    State(app): State<Shared>,
    UrlPath((slug, sha)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !is_slug(&slug) || !is_sha256(&sha) {
        return error(StatusCode::NOT_FOUND, "nicht gefunden");
    }
    match app.store.file(&slug, &sha) {
        Some(bytes) => file_response(&sha, bytes, &headers, Cache::Forever, "application/octet-stream"),
        None => error(StatusCode::NOT_FOUND, "nicht gefunden"),
    }
}

async fn bundle(
    State(app): State<Shared>,
    UrlPath((slug, path)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !is_slug(&slug) || !safe_path(&path) {
        return error(StatusCode::NOT_FOUND, "nicht gefunden");
    }
    match app.store.bundle_file(&slug, &path) {
        Some((sha, bytes)) => file_response(&sha, bytes, &headers, Cache::ActiveVersion, content_type(&path)),
        None => error(StatusCode::NOT_FOUND, "nicht gefunden"),
    }
}

async fn indicators(State(app): State<Shared>, UrlPath(slug): UrlPath<String>, headers: HeaderMap) -> Response {
    match app.store.bundle_file(&slug, "indicators.json") {
        Some((sha, bytes)) => file_response(&sha, bytes, &headers, Cache::ActiveVersion, "application/json"),
        None => error(StatusCode::NOT_FOUND, "keine veröffentlichten Daten"),
    }
}

/// The query of the values API.
#[derive(Debug, Deserialize)]
struct ValuesQuery {
    indicator: String,
    level: String,
    period: String,
    format: Option<String>,
}

async fn values(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<ValuesQuery>,
    headers: HeaderMap,
) -> Response {
    let file = app.store.series_file(&slug, &q.indicator, &q.level, &q.period);
    let Some((sha, bytes)) = file.and_then(|f| app.store.bundle_file(&slug, &f)) else {
        return error(
            StatusCode::NOT_FOUND,
            format!(
                "„{}“ ist auf Ebene „{}“ für {} nicht veröffentlicht",
                q.indicator, q.level, q.period
            ),
        );
    };
    if q.format.as_deref() != Some("csv") {
        return file_response(&sha, bytes, &headers, Cache::ActiveVersion, "application/json");
    }
    let data: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let mut csv = String::from("schluessel;wert;status\n");
    for v in data["values"].as_array().into_iter().flatten() {
        let value = v["value"].as_f64().map(|x| x.to_string()).unwrap_or_default();
        csv.push_str(&format!(
            "{};{};{}\n",
            v["key"].as_str().unwrap_or(""),
            value,
            v["status"].as_str().unwrap_or("")
        ));
    }
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response()
}

async fn level(
    State(app): State<Shared>,
    UrlPath((slug, level)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let file = app
        .store
        .bundle_file(&slug, "atlas.json")
        .and_then(|(_, b)| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|a| {
            a["levels"].as_array()?.iter().find(|l| l["name"] == level.as_str())?["file"]
                .as_str()
                .map(str::to_string)
        });
    match file.and_then(|f| app.store.bundle_file(&slug, &f)) {
        Some((sha, bytes)) => file_response(&sha, bytes, &headers, Cache::ActiveVersion, "application/geo+json"),
        None => error(
            StatusCode::NOT_FOUND,
            format!("Ebene „{level}“ ist nicht veröffentlicht"),
        ),
    }
}

/// The web atlas of a municipality (the page; its data comes from the bundle).
async fn web_page(State(app): State<Shared>, UrlPath(slug): UrlPath<String>) -> Response {
    if !is_slug(&slug) || !app.store.has_municipality(&slug) {
        return error(StatusCode::NOT_FOUND, "Diese Kommune gibt es auf diesem Server nicht");
    }
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        WEB_PAGE,
    )
        .into_response()
}

/// `/<slug>` without the slash: the page's relative addresses need it.
async fn web_page_slash(UrlPath(slug): UrlPath<String>) -> Response {
    if !is_slug(&slug) {
        return error(StatusCode::NOT_FOUND, "nicht gefunden");
    }
    axum::response::Redirect::permanent(&format!("/{slug}/")).into_response()
}

/// The web atlas's scripts, styles and the map library, with an ETag of their content.
async fn web_file(UrlPath(path): UrlPath<String>, headers: HeaderMap) -> Response {
    static FILES: std::sync::OnceLock<Vec<WebFile>> = std::sync::OnceLock::new();
    let files = FILES.get_or_init(|| {
        WEB_FILES
            .iter()
            .map(|(p, bytes)| {
                (
                    *p,
                    quartier_core::publish::hex(&sha2::Sha256::digest(bytes)),
                    Arc::new(bytes.to_vec()),
                )
            })
            .collect()
    });
    match files.iter().find(|(p, _, _)| *p == path) {
        Some((p, sha, bytes)) => file_response(sha, bytes.clone(), &headers, Cache::WebAtlas, content_type(p)),
        None => error(StatusCode::NOT_FOUND, "nicht gefunden"),
    }
}

/// The routes on a store.
pub fn router(store: Store, config: &Config) -> Router {
    let app = Arc::new(App {
        store,
        failures: Failures::default(),
        max_failed: config.max_failed_logins,
    });
    Router::new()
        .route("/api/{slug}/have", post(have))
        .route("/api/{slug}/blobs/{sha}", put(upload))
        .route("/api/{slug}/activate", post(activate))
        .route("/{slug}/blobs/{sha}", get(blob))
        .route("/{slug}/bundle/{*path}", get(bundle))
        .route("/{slug}/api/indicators", get(indicators))
        .route("/{slug}/api/values", get(values))
        .route("/{slug}/api/levels/{level}", get(level))
        .route("/{slug}", get(web_page_slash))
        .route("/{slug}/", get(web_page))
        .route("/static/{*path}", get(web_file))
        .layer(DefaultBodyLimit::max(config.max_upload_bytes))
        .with_state(app)
}

/// Binds the configured address; returns the bound address and the server to run.
pub async fn bind(config: &Config) -> Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let store = Store::open(&config.data_dir)?;
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("{} nicht verfügbar", config.listen))?;
    let address = listener.local_addr()?;
    let app = router(store, config);
    let server = std::future::IntoFuture::into_future(axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    ));
    Ok((address, server))
}
