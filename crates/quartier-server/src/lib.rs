//! The Quartier server: municipalities upload the public bundle their atlas wrote
//! (`quartier publish --server URL --token TOKEN`), and the server serves it with its open
//! data. It depends on the engine only for the bundle's format.
//!
//! - **Storage** ([`Store`]): one object store, the folder `data_dir` by default or an
//!   S3-compatible bucket (`store = "s3://BUCKET"`): municipalities with their token hashed
//!   by argon2, the files of each municipality content-addressed by SHA-256, the manifest of
//!   each version, the active version, the upload log. An upload sends only what the server
//!   lacks and an interrupted one resumes; server instances keep nothing of their own, so
//!   several can share one bucket.
//! - **Upload** (token per municipality): `POST /api/<slug>/have` (which hashes are missing),
//!   `PUT /api/<slug>/blobs/<sha256>` (checked against its hash), `POST /api/<slug>/activate`
//!   (the manifest: every file present, every path inside the bundle; the new version
//!   becomes active with one atomic write; older ones stay for `rollback`).
//! - **Public**: `GET /<slug>/blobs/<sha256>` (immutable, cached forever), `GET
//!   /<slug>/bundle/<path>` (the active version's file, with its ETag), and the open data
//!   `GET /<slug>/api/indicators`, `GET /<slug>/api/values?indicator=I&level=L&period=P[&format=csv]`,
//!   `GET /<slug>/api/levels/<level>` (GeoJSON).
//! - **Web atlas**: `GET /<slug>/` is the public web atlas (`assets/web/`, compiled into the
//!   binary and served under `/static/`), which reads the bundle above.
//! - **Security**: a token per municipality, stored hashed; a municipality writes only its
//!   own files; request bodies are limited; paths from a bundle never leave its files; failed
//!   authentications are rate limited per address; every upload is logged with its result.

mod store;

pub use store::{Active, Store, ACTIVE_VERSION_TTL};

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context as _, Result};
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path as UrlPath, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

/// The server's configuration: a TOML file, each key overridable by an environment variable
/// (`QUARTIER_SERVER_LISTEN`, `QUARTIER_SERVER_DATA_DIR`, `QUARTIER_SERVER_STORE`,
/// `QUARTIER_SERVER_MAX_UPLOAD_BYTES`, `QUARTIER_SERVER_MAX_FAILED_LOGINS`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// Address and port; port 0 takes a free one.
    pub listen: String,
    /// The folder where the server keeps its municipalities, versions, files and log.
    pub data_dir: PathBuf,
    /// An S3-compatible bucket instead of `data_dir`: `s3://BUCKET` or `s3://BUCKET/PREFIX`,
    /// with endpoint and credentials from the `AWS_*` variables.
    #[serde(default)]
    pub store: Option<String>,
    /// Settings of the bucket (`endpoint`, `region`, `access_key_id`, `secret_access_key`,
    /// `allow_http`), over the `AWS_*` variables.
    #[serde(default)]
    pub store_options: std::collections::BTreeMap<String, String>,
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
            ("store", "QUARTIER_SERVER_STORE"),
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

pub use quartier_core::publish::safe_path;

pub(crate) fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

pub(crate) fn is_slug(text: &str) -> bool {
    (1..=40).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Path segments the server uses itself, never a municipality's.
pub(crate) const RESERVED_SLUGS: [&str; 2] = ["api", "static"];

/// The web atlas, compiled in: path under `/static/` → content.
const WEB_FILES: [(&str, &[u8]); 9] = [
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
    (
        "vendor/leaflet.markercluster/leaflet.markercluster.js",
        include_bytes!("../../../assets/web/vendor/leaflet.markercluster/leaflet.markercluster.js"),
    ),
    (
        "vendor/leaflet.markercluster/MarkerCluster.css",
        include_bytes!("../../../assets/web/vendor/leaflet.markercluster/MarkerCluster.css"),
    ),
    (
        "vendor/leaflet.markercluster/LICENSE",
        include_bytes!("../../../assets/web/vendor/leaflet.markercluster/LICENSE"),
    ),
];

/// A web atlas file as served: its path, the SHA-256 of its content (the ETag), the content.
type WebFile = (&'static str, String, Arc<Vec<u8>>);

/// The web atlas's page.
const WEB_PAGE: &str = include_str!("../../../assets/web/index.html");

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
async fn refusal(app: &App, slug: &str, headers: &HeaderMap, from: SocketAddr) -> Option<Response> {
    if app.failures.recent(from.ip()) >= app.max_failed {
        app.store
            .log(slug, &from.to_string(), "anmelden", "zu viele Fehlversuche", 0)
            .await;
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
    if is_slug(slug) && app.store.check_token(slug, token).await {
        return None;
    }
    app.failures.add(from.ip());
    app.store.log(slug, &from.to_string(), "anmelden", "abgelehnt", 0).await;
    Some(error(StatusCode::UNAUTHORIZED, "Token ungültig für diese Kommune"))
}

/// The answer to an upload step, logged with its result.
async fn logged<T>(
    app: &App,
    slug: &str,
    from: SocketAddr,
    action: &str,
    bytes: usize,
    outcome: Result<T>,
    success: impl FnOnce(&T) -> (String, Response),
) -> Response {
    let address = from.to_string();
    match outcome {
        Ok(value) => {
            let (result, response) = success(&value);
            app.store.log(slug, &address, action, &result, bytes).await;
            response
        }
        Err(e) => {
            app.store
                .log(slug, &address, action, &format!("abgelehnt: {e:#}"), bytes)
                .await;
            error(StatusCode::BAD_REQUEST, format!("{e:#}"))
        }
    }
}

async fn have(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(hashes): Json<Vec<String>>,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from).await {
        return r;
    }
    match app.store.missing(&slug, &hashes).await {
        Ok(missing) => Json(serde_json::json!({ "missing": missing })).into_response(),
        Err(e) => error(StatusCode::SERVICE_UNAVAILABLE, format!("{e:#}")),
    }
}

async fn upload(
    State(app): State<Shared>,
    UrlPath((slug, sha)): UrlPath<(String, String)>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from).await {
        return r;
    }
    let size = body.len();
    let outcome = app.store.put_blob(&slug, &sha, body).await;
    logged(&app, &slug, from, "datei", size, outcome, |_| {
        ("gespeichert".into(), StatusCode::CREATED.into_response())
    })
    .await
}

async fn activate(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if let Some(r) = refusal(&app, &slug, &headers, from).await {
        return r;
    }
    let outcome = app.store.activate(&slug, &body).await;
    logged(&app, &slug, from, "aktivieren", body.len(), outcome, |version| {
        (
            format!("Version {version}"),
            Json(serde_json::json!({ "version": version })).into_response(),
        )
    })
    .await
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
    match app.store.file(&slug, &sha).await {
        Some(bytes) => file_response(&sha, bytes, &headers, Cache::Forever, "application/octet-stream"),
        None => error(StatusCode::NOT_FOUND, "nicht gefunden"),
    }
}

/// A file of the active version of `slug` by its path in the bundle.
async fn active_file(app: &App, slug: &str, path: &str) -> Option<(String, Arc<Vec<u8>>)> {
    let active = app.store.active(slug).await?;
    app.store.bundle_file(slug, &active, path).await
}

async fn bundle(
    State(app): State<Shared>,
    UrlPath((slug, path)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    if !safe_path(&path) {
        return error(StatusCode::NOT_FOUND, "nicht gefunden");
    }
    match active_file(&app, &slug, &path).await {
        Some((sha, bytes)) => file_response(&sha, bytes, &headers, Cache::ActiveVersion, content_type(&path)),
        None => error(StatusCode::NOT_FOUND, "nicht gefunden"),
    }
}

async fn indicators(State(app): State<Shared>, UrlPath(slug): UrlPath<String>, headers: HeaderMap) -> Response {
    match active_file(&app, &slug, "indicators.json").await {
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

/// The values file of a series of the active version: its hash and content.
async fn series(app: &App, slug: &str, q: &ValuesQuery) -> Option<(String, Arc<Vec<u8>>)> {
    let active = app.store.active(slug).await?;
    let file = app
        .store
        .series_file(slug, &active, &q.indicator, &q.level, &q.period)
        .await?;
    app.store.bundle_file(slug, &active, &file).await
}

async fn values(
    State(app): State<Shared>,
    UrlPath(slug): UrlPath<String>,
    Query(q): Query<ValuesQuery>,
    headers: HeaderMap,
) -> Response {
    let Some((sha, bytes)) = series(&app, &slug, &q).await else {
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

/// The GeoJSON file of a level of the active version: its hash and content.
async fn level_file(app: &App, slug: &str, level: &str) -> Option<(String, Arc<Vec<u8>>)> {
    let active = app.store.active(slug).await?;
    let (_, atlas) = app.store.bundle_file(slug, &active, "atlas.json").await?;
    let atlas: serde_json::Value = serde_json::from_slice(&atlas).ok()?;
    let file = atlas["levels"].as_array()?.iter().find(|l| l["name"] == level)?["file"].as_str()?;
    app.store.bundle_file(slug, &active, file).await
}

async fn level(
    State(app): State<Shared>,
    UrlPath((slug, level)): UrlPath<(String, String)>,
    headers: HeaderMap,
) -> Response {
    match level_file(&app, &slug, &level).await {
        Some((sha, bytes)) => file_response(&sha, bytes, &headers, Cache::ActiveVersion, "application/geo+json"),
        None => error(
            StatusCode::NOT_FOUND,
            format!("Ebene „{level}“ ist nicht veröffentlicht"),
        ),
    }
}

/// The web atlas of a municipality (the page; its data comes from the bundle).
async fn web_page(State(app): State<Shared>, UrlPath(slug): UrlPath<String>) -> Response {
    if !app.store.has_municipality(&slug).await {
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

/// The length of the queue of connections the kernel has accepted and the server not yet:
/// long enough for a burst of a thousand new connections (tokio's default of 1,024 let about
/// one in a hundred SYNs drop and wait a second for their retransmission). The kernel caps
/// it at `net.core.somaxconn`.
const LISTEN_BACKLOG: u32 = 4096;

/// A listening socket on `address` (`host:port`) with [`LISTEN_BACKLOG`].
fn listen(address: &str) -> std::io::Result<tokio::net::TcpListener> {
    use std::net::ToSocketAddrs;
    let mut last_error = None;
    for address in address.to_socket_addrs()? {
        let socket = if address.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        match socket.bind(address).and_then(|()| socket.listen(LISTEN_BACKLOG)) {
            Ok(listener) => return Ok(listener),
            Err(e) => last_error = Some(e),
        }
    }
    Err(last_error.unwrap_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "keine Adresse")))
}

/// Binds the configured address; returns the bound address and the server to run.
pub async fn bind(config: &Config) -> Result<(SocketAddr, impl std::future::Future<Output = std::io::Result<()>>)> {
    let store = Store::open(config)?;
    let listener = listen(&config.listen).with_context(|| format!("{} nicht verfügbar", config.listen))?;
    let address = listener.local_addr()?;
    let app = router(store, config);
    let server = std::future::IntoFuture::into_future(axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    ));
    Ok((address, server))
}
