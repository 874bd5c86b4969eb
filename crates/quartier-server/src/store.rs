//! Where the server keeps everything: one object store, a local folder by default or an
//! S3-compatible bucket (`store = "s3://BUCKET[/PREFIX]"`), through the `object_store` crate's
//! one trait. Nothing lives in the server process but caches of immutable things, so several
//! server instances can share one bucket behind a load balancer.
//!
//! The keys:
//! - `municipalities/<slug>.json`: name, token hash (argon2), creation time; written once.
//! - `m/<slug>/blobs/<sha256>`: the files of the bundles, content-addressed, immutable.
//! - `m/<slug>/versions/<0000000001>.json`: the manifest of each version, written once
//!   (create-only, so two instances activating at the same time get different numbers).
//! - `m/<slug>/active`: the number of the active version; one object, replaced atomically.
//! - `log/<time>-<random>.json`: the upload log, one object per event.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context as _, Result};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt as _, PutMode, PutOptions, PutPayload};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::{is_sha256, is_slug, safe_path, Manifest, RESERVED_SLUGS};

/// Files by municipality and hash, with the bytes they take.
type FileCache = (usize, HashMap<(String, String), Arc<Vec<u8>>>);
/// The values file of each (indicator, level, period).
type SeriesIndex = HashMap<(String, String, String), String>;

/// How many bytes of files the server keeps in memory.
const FILE_CACHE_BYTES: usize = 256 * 1024 * 1024;

/// How long an instance trusts the active version it read last: a new version or a
/// rollback through another instance (or `quartier-server rollback`) shows after at most
/// this long; one through this instance shows at once.
pub const ACTIVE_VERSION_TTL: Duration = Duration::from_secs(1);

/// The active version of a municipality.
#[derive(Debug, Clone)]
pub struct Active {
    /// Its number.
    pub version: i64,
    /// Its manifest.
    pub manifest: Arc<Manifest>,
}

/// A municipality as stored.
#[derive(Debug, Serialize, Deserialize)]
struct Municipality {
    name: String,
    token_hash: String,
    created: u64,
}

/// A line of the upload log as stored.
#[derive(Debug, Serialize, Deserialize)]
struct LogEntry {
    slug: String,
    address: String,
    action: String,
    result: String,
    bytes: usize,
    time: u64,
}

/// The server's municipalities, versions, files and log.
pub struct Store {
    objects: Arc<dyn ObjectStore>,
    /// The active version by municipality, as read at the instant (see [`ACTIVE_VERSION_TTL`]).
    active: Mutex<HashMap<String, (Instant, i64)>>,
    /// Parsed manifests by municipality and version (a version never changes).
    manifests: Mutex<HashMap<(String, i64), Arc<Manifest>>>,
    /// Files read, by municipality and hash (immutable), up to [`FILE_CACHE_BYTES`].
    files: Mutex<FileCache>,
    /// Per municipality and version: the values file of each (indicator, level, period).
    series: Mutex<HashMap<(String, i64), Arc<SeriesIndex>>>,
}

/// The German reason for a storage error; the technical cause only where it helps the
/// administrator (network, configuration).
fn storage_error(e: object_store::Error, what: &str) -> anyhow::Error {
    use object_store::Error as E;
    match e {
        E::NotFound { .. } => anyhow!("Speicher: {what}: nicht vorhanden"),
        E::AlreadyExists { .. } => anyhow!("Speicher: {what}: schon vorhanden"),
        E::Precondition { .. } => anyhow!("Speicher: {what}: inzwischen von anderer Seite geändert"),
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => {
            anyhow!("Speicher: {what}: Zugriff verweigert; bitte die Zugangsdaten prüfen")
        }
        other => anyhow!("Speicher: {what} ist nicht gelungen (Ursache laut Speicher: {other})"),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// `N` random bytes from the operating system.
fn random<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("kein Zufall verfügbar: {e}"))?;
    Ok(bytes)
}

fn hash_token(token: &str) -> Result<String> {
    use argon2::password_hash::{PasswordHasher as _, SaltString};
    let salt: [u8; 16] = random()?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow!("Salz für den Token: {e}"))?;
    Ok(argon2::Argon2::default()
        .hash_password(token.as_bytes(), &salt)
        .map_err(|e| anyhow!("Token hashen: {e}"))?
        .to_string())
}

fn municipality_key(slug: &str) -> Key {
    Key::from(format!("municipalities/{slug}.json"))
}

fn blob_key(slug: &str, sha: &str) -> Key {
    Key::from(format!("m/{slug}/blobs/{sha}"))
}

fn versions_key(slug: &str) -> Key {
    Key::from(format!("m/{slug}/versions"))
}

fn version_key(slug: &str, version: i64) -> Key {
    Key::from(format!("m/{slug}/versions/{version:010}.json"))
}

fn active_key(slug: &str) -> Key {
    Key::from(format!("m/{slug}/active"))
}

impl Store {
    /// The store in the folder `dir` (created when missing).
    pub fn folder(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).with_context(|| format!("Datenordner {} anlegen", dir.display()))?;
        if dir.join("server.sqlite").exists() && !dir.join("municipalities").exists() {
            bail!(
                "Datenordner {} hat noch das alte Format (server.sqlite). Bitte einen neuen Ordner \
                 angeben, die Kommunen dort neu anlegen und ihre Atlanten neu veröffentlichen; der \
                 alte Ordner bleibt unverändert.",
                dir.display()
            );
        }
        let local = object_store::local::LocalFileSystem::new_with_prefix(dir)
            .map_err(|e| storage_error(e, &format!("Datenordner {} öffnen", dir.display())))?;
        Ok(Store::over(Arc::new(local)))
    }

    /// The store in an S3-compatible bucket, `s3://BUCKET` or `s3://BUCKET/PREFIX`; endpoint,
    /// region and credentials come from the usual `AWS_*` variables (`AWS_ENDPOINT`,
    /// `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_ALLOW_HTTP`) and from
    /// `options` (the same names in lower case without `aws_`: `endpoint`, `region`,
    /// `access_key_id`, `secret_access_key`, `allow_http`), which win.
    pub fn s3(url: &str, options: &BTreeMap<String, String>) -> Result<Store> {
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| anyhow!("Speicher „{url}“: erwartet wird s3://BUCKET oder s3://BUCKET/PRÄFIX"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            bail!("Speicher „{url}“: der Bucket fehlt (s3://BUCKET)");
        }
        // HTTPS to the bucket with the same TLS crypto as the rest of the project.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_conditional_put(object_store::aws::S3ConditionalPut::ETagMatch);
        for (name, value) in options {
            let key = name
                .parse::<object_store::aws::AmazonS3ConfigKey>()
                .map_err(|_| anyhow!("Speicher-Option „{name}“ ist unbekannt (z. B. endpoint, region, access_key_id, secret_access_key, allow_http)"))?;
            builder = builder.with_config(key, value);
        }
        let s3 = builder
            .build()
            .map_err(|e| storage_error(e, &format!("Bucket „{bucket}“ einrichten")))?;
        let prefix = prefix.trim_matches('/');
        if prefix.is_empty() {
            Ok(Store::over(Arc::new(s3)))
        } else {
            Ok(Store::over(Arc::new(object_store::prefix::PrefixStore::new(
                s3, prefix,
            ))))
        }
    }

    /// The store the configuration names: `store` when set, else the folder `data_dir`.
    pub fn open(config: &crate::Config) -> Result<Store> {
        match &config.store {
            Some(url) => Store::s3(url, &config.store_options),
            None => Store::folder(&config.data_dir),
        }
    }

    fn over(objects: Arc<dyn ObjectStore>) -> Store {
        Store {
            objects,
            active: Mutex::new(HashMap::new()),
            manifests: Mutex::new(HashMap::new()),
            files: Mutex::new((0, HashMap::new())),
            series: Mutex::new(HashMap::new()),
        }
    }

    /// An object's bytes, `None` when it does not exist.
    async fn read(&self, key: &Key) -> Result<Option<bytes::Bytes>> {
        match self.objects.get(key).await {
            Ok(found) => Ok(Some(found.bytes().await.map_err(|e| storage_error(e, key.as_ref()))?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(storage_error(e, key.as_ref())),
        }
    }

    /// Writes an object (atomically: readers see the old or the new content); with `create`,
    /// only when it does not exist yet (`Ok(false)` when it does).
    async fn write(&self, key: &Key, bytes: impl Into<PutPayload>, create: bool) -> Result<bool> {
        let mode = if create { PutMode::Create } else { PutMode::Overwrite };
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        match self.objects.put_opts(key, bytes.into(), options).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::AlreadyExists { .. } | object_store::Error::Precondition { .. }) if create => {
                Ok(false)
            }
            Err(e) => Err(storage_error(e, key.as_ref())),
        }
    }

    /// The names of the objects directly under `prefix`.
    async fn names(&self, prefix: &Key) -> Result<Vec<String>> {
        let listed = self
            .objects
            .list_with_delimiter(Some(prefix))
            .await
            .map_err(|e| storage_error(e, &format!("{prefix} auflisten")))?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|o| o.location.filename().map(str::to_string))
            .collect())
    }

    /// Adds a municipality; returns its upload token (shown once, stored only hashed).
    pub async fn add_municipality(&self, slug: &str, name: &str) -> Result<String> {
        if !is_slug(slug) {
            bail!("Kürzel „{slug}“: nur Kleinbuchstaben, Ziffern und Bindestriche, höchstens 40 Zeichen");
        }
        if RESERVED_SLUGS.contains(&slug) {
            bail!("Kürzel „{slug}“ ist für den Server reserviert; bitte ein anderes wählen");
        }
        let token = quartier_core::publish::hex(&random::<32>()?);
        let record = Municipality {
            name: name.to_string(),
            token_hash: hash_token(&token)?,
            created: now(),
        };
        let text = serde_json::to_vec_pretty(&record).map_err(|e| anyhow!("Kommune speichern: {e}"))?;
        if !self.write(&municipality_key(slug), text, true).await? {
            bail!("Die Kommune „{slug}“ gibt es schon");
        }
        Ok(token)
    }

    async fn municipality(&self, slug: &str) -> Option<Municipality> {
        if !is_slug(slug) {
            return None;
        }
        let bytes = self.read(&municipality_key(slug)).await.ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// Whether the municipality `slug` exists.
    pub async fn has_municipality(&self, slug: &str) -> bool {
        self.municipality(slug).await.is_some()
    }

    /// Whether `token` is the upload token of `slug` (and of no other municipality).
    pub async fn check_token(&self, slug: &str, token: &str) -> bool {
        let Some(municipality) = self.municipality(slug).await else {
            return false;
        };
        let Ok(parsed) = argon2::PasswordHash::new(&municipality.token_hash) else {
            return false;
        };
        argon2::PasswordVerifier::verify_password(&argon2::Argon2::default(), token.as_bytes(), &parsed).is_ok()
    }

    /// The hashes of the files the server has for `slug`.
    async fn blobs(&self, slug: &str) -> Result<std::collections::HashSet<String>> {
        Ok(self
            .names(&Key::from(format!("m/{slug}/blobs")))
            .await?
            .into_iter()
            .collect())
    }

    /// Of `hashes`, those the server lacks for `slug`.
    pub async fn missing(&self, slug: &str, hashes: &[String]) -> Result<Vec<String>> {
        let have = self.blobs(slug).await?;
        Ok(hashes
            .iter()
            .filter(|h| !is_sha256(h) || !have.contains(h.as_str()))
            .cloned()
            .collect())
    }

    /// Stores a file under its hash after checking it; the write is atomic, so a broken
    /// connection leaves nothing half.
    pub async fn put_blob(&self, slug: &str, sha: &str, bytes: bytes::Bytes) -> Result<()> {
        if !is_sha256(sha) {
            bail!("„{sha}“ ist keine SHA-256-Prüfsumme");
        }
        let actual = quartier_core::publish::hex(&sha2::Sha256::digest(&bytes));
        if actual != sha {
            bail!("Inhalt passt nicht zur Prüfsumme {sha}");
        }
        self.write(&blob_key(slug, sha), bytes, false).await?;
        Ok(())
    }

    /// The numbers of the versions of `slug`, ascending.
    async fn versions(&self, slug: &str) -> Result<Vec<i64>> {
        let mut versions: Vec<i64> = self
            .names(&versions_key(slug))
            .await?
            .iter()
            .filter_map(|name| name.strip_suffix(".json")?.parse().ok())
            .collect();
        versions.sort_unstable();
        Ok(versions)
    }

    /// Makes `manifest` the active version of `slug` once every file is there; returns the
    /// new version's number.
    pub async fn activate(&self, slug: &str, manifest_text: &str) -> Result<i64> {
        let manifest: Manifest = serde_json::from_str(manifest_text).map_err(|e| anyhow!("Manifest unlesbar: {e}"))?;
        if manifest.format != quartier_core::publish::FORMAT {
            bail!("kein Quartier-Bündel");
        }
        let have = self.blobs(slug).await?;
        for f in &manifest.files {
            if !safe_path(&f.path) {
                bail!("Pfad „{}“ verlässt das Bündel oder enthält unerlaubte Zeichen", f.path);
            }
            if !is_sha256(&f.sha256) || !have.contains(&f.sha256) {
                bail!(
                    "„{}“ fehlt noch ({}); erst hochladen, dann aktivieren",
                    f.path,
                    f.sha256
                );
            }
        }
        // The next free number; another instance may take it first, then the one after.
        for _ in 0..20 {
            let version = self.versions(slug).await?.last().copied().unwrap_or(0) + 1;
            if self
                .write(&version_key(slug, version), manifest_text.to_string(), true)
                .await?
            {
                self.set_active(slug, version).await?;
                return Ok(version);
            }
        }
        bail!("„{slug}“: zu viele gleichzeitige Veröffentlichungen; bitte noch einmal versuchen")
    }

    /// Makes `version` the active one of `slug`.
    async fn set_active(&self, slug: &str, version: i64) -> Result<()> {
        self.write(&active_key(slug), version.to_string(), false).await?;
        self.active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(slug.to_string(), (Instant::now(), version));
        Ok(())
    }

    /// The number of the active version of `slug`, read at most [`ACTIVE_VERSION_TTL`] ago.
    async fn active_version(&self, slug: &str) -> Result<Option<i64>> {
        if !is_slug(slug) {
            return Ok(None);
        }
        if let Some((read, version)) = self.active.lock().unwrap_or_else(|p| p.into_inner()).get(slug) {
            if read.elapsed() < ACTIVE_VERSION_TTL {
                return Ok(Some(*version));
            }
        }
        let version = match self.read(&active_key(slug)).await? {
            None => None,
            Some(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let number = text
                    .trim()
                    .parse()
                    .map_err(|_| anyhow!("Speicher: m/{slug}/active enthält keine Versionsnummer, sondern „{text}“"))?;
                Some(number)
            }
        };
        // Only what exists is kept, so asking for made-up municipalities fills no memory.
        if let Some(version) = version {
            self.active
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(slug.to_string(), (Instant::now(), version));
        }
        Ok(version)
    }

    /// Goes back to `to`, or to the version before the active one; returns it.
    pub async fn rollback(&self, slug: &str, to: Option<i64>) -> Result<i64> {
        let active = self
            .active_version(slug)
            .await?
            .ok_or_else(|| anyhow!("„{slug}“ hat noch keine Version"))?;
        let versions = self.versions(slug).await?;
        let target = match to {
            Some(v) => versions.iter().copied().find(|x| *x == v),
            None => versions.iter().copied().filter(|x| *x < active).max(),
        };
        let target = target.ok_or_else(|| anyhow!("keine passende frühere Version von „{slug}“"))?;
        self.set_active(slug, target).await?;
        Ok(target)
    }

    /// The active version of `slug` with its manifest. The pointer is read again after
    /// [`ACTIVE_VERSION_TTL`]; the manifest of a version never changes and is parsed once.
    pub async fn active(&self, slug: &str) -> Option<Active> {
        let version = self.active_version(slug).await.ok()??;
        let key = (slug.to_string(), version);
        if let Some(m) = self.manifests.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Some(Active {
                version,
                manifest: m.clone(),
            });
        }
        let bytes = self.read(&version_key(slug, version)).await.ok()??;
        let manifest = Arc::new(serde_json::from_slice::<Manifest>(&bytes).ok()?);
        self.manifests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key, manifest.clone());
        Some(Active { version, manifest })
    }

    /// A line in the upload log (a failure to write it does not stop the request).
    pub async fn log(&self, slug: &str, address: &str, action: &str, result: &str, bytes: usize) {
        let time = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let entry = LogEntry {
            slug: slug.chars().take(80).collect(),
            address: address.to_string(),
            action: action.to_string(),
            result: result.to_string(),
            bytes,
            time: time.as_secs(),
        };
        let Ok(suffix) = random::<4>().map(|r| quartier_core::publish::hex(&r)) else {
            return;
        };
        let key = Key::from(format!("log/{:020}-{suffix}.json", time.as_nanos()));
        if let Ok(text) = serde_json::to_vec(&entry) {
            if let Err(e) = self.write(&key, text, true).await {
                eprintln!("Upload-Protokoll: {e:#}");
            }
        }
    }

    /// The upload log: (slug, action, result), oldest first.
    pub async fn upload_log(&self) -> Result<Vec<(String, String, String)>> {
        let mut names = self.names(&Key::from("log")).await?;
        names.sort();
        let mut log = Vec::with_capacity(names.len());
        for name in names {
            let Some(bytes) = self.read(&Key::from(format!("log/{name}"))).await? else {
                continue;
            };
            let entry: LogEntry =
                serde_json::from_slice(&bytes).map_err(|e| anyhow!("Upload-Protokoll log/{name} unlesbar: {e}"))?;
            log.push((entry.slug, entry.action, entry.result));
        }
        Ok(log)
    }

    /// A file by hash, from memory when it was read before.
    pub async fn file(&self, slug: &str, sha: &str) -> Option<Arc<Vec<u8>>> {
        let key = (slug.to_string(), sha.to_string());
        if let Some(bytes) = self.files.lock().unwrap_or_else(|p| p.into_inner()).1.get(&key) {
            return Some(bytes.clone());
        }
        if !is_slug(slug) || !is_sha256(sha) {
            return None;
        }
        let bytes = Arc::new(self.read(&blob_key(slug, sha)).await.ok()??.to_vec());
        let mut cache = self.files.lock().unwrap_or_else(|p| p.into_inner());
        if cache.0 + bytes.len() <= FILE_CACHE_BYTES {
            cache.0 += bytes.len();
            cache.1.insert(key, bytes.clone());
        }
        Some(bytes)
    }

    /// A file of the version `active` by its path in the bundle: its hash and content.
    pub async fn bundle_file(&self, slug: &str, active: &Active, path: &str) -> Option<(String, Arc<Vec<u8>>)> {
        let file = active.manifest.files.iter().find(|f| f.path == path)?;
        Some((file.sha256.clone(), self.file(slug, &file.sha256).await?))
    }

    /// The values file of a series in the version `active`, from its `indicators.json`.
    pub async fn series_file(
        &self,
        slug: &str,
        active: &Active,
        indicator: &str,
        level: &str,
        period: &str,
    ) -> Option<String> {
        let key = (slug.to_string(), active.version);
        let cached = self.series.lock().unwrap_or_else(|p| p.into_inner()).get(&key).cloned();
        let index = match cached {
            Some(index) => index,
            None => {
                let (_, bytes) = self.bundle_file(slug, active, "indicators.json").await?;
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn refusal(url: &str, options: &[(&str, &str)]) -> String {
        let options = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        match Store::s3(url, &options) {
            Ok(_) => panic!("{url} {options:?} angenommen"),
            Err(e) => format!("{e:#}"),
        }
    }

    #[test]
    fn a_wrong_bucket_address_or_option_is_refused_in_german() {
        assert!(refusal("https://bucket", &[]).contains("erwartet wird s3://BUCKET"));
        assert!(refusal("s3://", &[]).contains("der Bucket fehlt"));
        let unknown = refusal("s3://atlanten", &[("endpunkt", "http://127.0.0.1:9000")]);
        assert!(unknown.contains("„endpunkt“ ist unbekannt"), "{unknown}");
    }

    #[test]
    fn versions_and_the_log_sort_by_their_keys() {
        // Ten digits: version 10 sorts after version 9 in a listing.
        assert!(version_key("b", 9).as_ref() < version_key("b", 10).as_ref());
        assert_eq!(version_key("b", 12).as_ref(), "m/b/versions/0000000012.json");
    }
}
