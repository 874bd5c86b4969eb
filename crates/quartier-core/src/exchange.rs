//! Exchange between a Kreis and its Gemeinden: a signed package of small-area data
//! (`.quartier-paket`). The sender chooses levels, indicators and periods; the package holds
//! their metadata, the levels' geometry and the values, suppressed unless `intern` (for
//! exchange between authorities). It is signed with the atlas's own key (ed25519, made on
//! first use and kept in the atlas); the receiver trusts a sender's public key once (compare
//! the fingerprint by phone) and from then on every package of that sender is checked.
//!
//! Importing verifies the signature and every file's SHA-256, creates missing levels (from
//! the geometry), indicators (with their metadata) and periods, adds new values and reports
//! conflicts (same indicator, area and period, different value) with both values; it
//! overwrites nothing unless the package is preferred. All in one transaction, or as a dry
//! run (`check`).

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::Path;

use ed25519_dalek::{Signer as _, Verifier as _};
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::export::value_table;
use crate::model::{IndicatorMeta, ValueStatus};
use crate::publish::{cell_json, hex, slug};
use crate::{Atlas, Error, Progress, Result, StoredValue};

/// The package format's name, in its manifest.
pub const FORMAT: &str = "quartier-paket";
const SIGNING_KEY: &str = "paket/schluessel";
const TRUSTED: &str = "paket/vertraut/";
/// The largest package read (all files unpacked).
const MAX_BYTES: u64 = 1 << 30;

/// What to send.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageRequest {
    /// Levels (all when empty).
    pub levels: Vec<String>,
    /// Indicators (all when empty).
    pub indicators: Vec<String>,
    /// Periods (all when empty).
    pub periods: Vec<String>,
    /// Unsuppressed, for exchange between authorities.
    pub intern: bool,
}

/// What [`export_package`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct PackageSummary {
    /// The file.
    pub file: String,
    /// The sender's public key (hex) and its fingerprint for comparing by phone.
    pub public_key: String,
    /// The first 16 hex digits in groups of four.
    pub fingerprint: String,
    /// Levels, indicators, periods and values sent.
    pub levels: usize,
    /// Indicators sent.
    pub indicators: usize,
    /// Periods sent.
    pub periods: usize,
    /// Value cells sent.
    pub values: usize,
    /// Cells hidden by the suppression (0 with `intern`).
    pub suppressed_cells: usize,
    /// Unsuppressed.
    pub intern: bool,
}

/// Which side wins a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Prefer {
    /// Keep the atlas's value (and report the package's).
    #[default]
    Atlas,
    /// Take the package's value (and report the atlas's).
    Package,
}

/// How to import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageImport {
    /// Which side wins conflicts.
    pub prefer: Prefer,
    /// Dry run: report, write nothing.
    pub check: bool,
    /// Trust the sender's key under this name (first package of a sender).
    pub trust: Option<String>,
}

/// A value on which atlas and package disagree.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// Indicator key.
    pub indicator: String,
    /// Level.
    pub level: String,
    /// Period.
    pub period: String,
    /// Area key.
    pub key: String,
    /// The atlas's value (`null`: no number, see its status).
    pub atlas: Option<f64>,
    /// The package's value.
    pub package: Option<f64>,
}

/// What [`import_package`] did (or, with `check`, would do).
#[derive(Debug, Clone, Serialize)]
pub struct PackageImportSummary {
    /// The file.
    pub file: String,
    /// The sending atlas.
    pub sender: String,
    /// The name under which its key is trusted.
    pub trusted_as: String,
    /// The key's fingerprint.
    pub fingerprint: String,
    /// Levels created (from the package's geometry).
    pub levels_created: Vec<String>,
    /// Indicators created (with their metadata).
    pub indicators_created: Vec<String>,
    /// Periods created.
    pub periods_created: Vec<String>,
    /// Values added where the atlas had none.
    pub values_added: usize,
    /// Values equal on both sides.
    pub values_unchanged: usize,
    /// Values that differ.
    pub conflicts: Vec<Conflict>,
    /// Conflicts decided for the package.
    pub overwritten: usize,
    /// Values for areas the atlas does not have, by level.
    pub unknown_areas: BTreeMap<String, usize>,
    /// Nothing was written (`check`).
    pub checked_only: bool,
}

/// One value in the package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PackageValue {
    indicator: String,
    level: String,
    period: String,
    key: String,
    value: Option<f64>,
    status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
}

/// A level in the package, coarse to fine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PackageLevel {
    name: String,
    parent: Option<String>,
    file: String,
}

/// The package's data file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct PackageData {
    levels: Vec<PackageLevel>,
    indicators: Vec<IndicatorMeta>,
    periods: Vec<String>,
    values: Vec<PackageValue>,
}

/// The package's manifest, which the signature covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Manifest {
    format: String,
    sender: String,
    ags: Option<String>,
    public_key: String,
    created: String,
    intern: bool,
    files: Vec<crate::publish::ManifestFile>,
}

fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    let text = text.trim();
    if text.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// "ab12 cd34 ef56 7890": what sender and receiver compare by phone.
pub fn fingerprint(public_key: &str) -> String {
    public_key
        .chars()
        .take(16)
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

impl Atlas {
    /// The atlas's signing key, made on first use.
    fn signing_key(&mut self) -> Result<ed25519_dalek::SigningKey> {
        if let Some(secret) = self.setting(SIGNING_KEY)?.and_then(|s| unhex::<32>(&s)) {
            return Ok(ed25519_dalek::SigningKey::from_bytes(&secret));
        }
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Internal(format!("kein Zufall verfügbar: {e}")))?;
        self.set_setting(SIGNING_KEY, &hex(&secret), "Schlüssel für Datenpakete angelegt")?;
        Ok(ed25519_dalek::SigningKey::from_bytes(&secret))
    }

    /// The atlas's public key (hex), made on first use.
    pub fn public_key(&mut self) -> Result<String> {
        Ok(hex(self.signing_key()?.verifying_key().as_bytes()))
    }

    /// The senders whose packages this atlas accepts: (public key, name).
    pub fn trusted_keys(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .settings_with(TRUSTED)?
            .into_iter()
            .map(|(k, name)| (k.trim_start_matches(TRUSTED).to_string(), name))
            .collect())
    }

    /// Trusts a sender's public key under a name.
    pub fn trust_key(&mut self, public_key: &str, name: &str) -> Result<()> {
        if unhex::<32>(public_key).is_none() {
            return Err(Error::Invalid(format!(
                "„{public_key}“ ist kein öffentlicher Schlüssel (64 Hexziffern)"
            )));
        }
        self.set_setting(
            &format!("{TRUSTED}{}", public_key.trim()),
            name.trim(),
            &format!("Absender „{}“ vertraut ({})", name.trim(), fingerprint(public_key)),
        )
    }
}

/// Writes a signed package of `request` to `out`.
pub fn export_package(atlas: &mut Atlas, request: &PackageRequest, out: &Path) -> Result<PackageSummary> {
    let key = atlas.signing_key()?;
    let meta = atlas.meta()?;
    let all_levels = atlas.levels()?;
    let levels: Vec<crate::model::Level> = if request.levels.is_empty() {
        all_levels.clone()
    } else {
        let mut chosen = request
            .levels
            .iter()
            .map(|l| atlas.level(l))
            .collect::<Result<Vec<_>>>()?;
        chosen.sort_by_key(|l| (l.sort_order, l.id));
        chosen
    };
    let indicators: Vec<IndicatorMeta> = if request.indicators.is_empty() {
        atlas.indicators()?
    } else {
        request
            .indicators
            .iter()
            .map(|k| atlas.indicator(k))
            .collect::<Result<_>>()?
    };
    let periods: Vec<String> = if request.periods.is_empty() {
        atlas.periods()?.into_iter().map(|p| p.label).collect()
    } else {
        request
            .periods
            .iter()
            .map(|p| atlas.period(p).map(|p| p.label))
            .collect::<Result<_>>()?
    };
    let keys: Vec<String> = indicators.iter().map(|m| m.key.clone()).collect();
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let mut values = Vec::new();
    let mut suppressed = 0;
    let mut package_levels = Vec::new();
    for level in &levels {
        let features = crate::publish::level_features(atlas, level, false)?;
        let file = format!("geometrie/{}.geojson", slug(&level.name));
        let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
        files.insert(
            file.clone(),
            serde_json::to_vec(&collection).map_err(|e| Error::Internal(e.to_string()))?,
        );
        package_levels.push(PackageLevel {
            name: level.name.clone(),
            parent: level
                .parent_level_id
                .and_then(|p| all_levels.iter().find(|l| l.id == p))
                .map(|l| l.name.clone())
                .filter(|p| levels.iter().any(|l| &l.name == p)),
            file,
        });
        for period in &periods {
            let table = match value_table(atlas, &level.name, period, Some(&keys)) {
                Ok(t) => t,
                Err(Error::Invalid(_)) => continue,
                Err(e) => return Err(e),
            };
            let table = if request.intern {
                table.mark_internal()
            } else {
                table.protect(atlas)?
            };
            suppressed += table.suppressed_cells;
            for (c, column) in table.columns.iter().enumerate() {
                for row in &table.rows {
                    let (value, status, text) = cell_json(&row.cells[c]);
                    if status == "missing" {
                        continue;
                    }
                    values.push(PackageValue {
                        indicator: column.indicator.key.clone(),
                        level: level.name.clone(),
                        period: period.clone(),
                        key: row.key.clone(),
                        value,
                        status,
                        text,
                    });
                }
            }
        }
    }
    let data = PackageData {
        levels: package_levels,
        indicators: indicators.clone(),
        periods: periods.clone(),
        values,
    };
    let value_count = data.values.len();
    files.insert(
        "daten.json".into(),
        serde_json::to_vec(&data).map_err(|e| Error::Internal(e.to_string()))?,
    );
    let public_key = hex(key.verifying_key().as_bytes());
    let manifest = Manifest {
        format: FORMAT.into(),
        sender: meta.name.clone(),
        ags: meta.ags.clone(),
        public_key: public_key.clone(),
        created: atlas.now_utc()?,
        intern: request.intern,
        files: files
            .iter()
            .map(|(path, bytes)| crate::publish::ManifestFile {
                path: path.clone(),
                bytes: bytes.len() as u64,
                sha256: hex(&sha2::Sha256::digest(bytes)),
            })
            .collect(),
    };
    let manifest_bytes = serde_json::to_vec_pretty(&manifest).map_err(|e| Error::Internal(e.to_string()))?;
    let signature = key.sign(&manifest_bytes);
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let mut put = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        zip.start_file(name, options).map_err(std::io::Error::other)?;
        zip.write_all(bytes)
    };
    let written = (|| -> std::io::Result<()> {
        put("manifest.json", &manifest_bytes)?;
        put("manifest.sig", hex(&signature.to_bytes()).as_bytes())?;
        for (name, bytes) in &files {
            put(name, bytes)?;
        }
        Ok(())
    })();
    written.map_err(|e| Error::io(out, e))?;
    let bytes = zip
        .finish()
        .map_err(|e| Error::io(out, std::io::Error::other(e)))?
        .into_inner();
    crate::export::write_whole(out, &bytes)?;
    Ok(PackageSummary {
        file: out.display().to_string(),
        fingerprint: fingerprint(&public_key),
        public_key,
        levels: levels.len(),
        indicators: indicators.len(),
        periods: periods.len(),
        values: value_count,
        suppressed_cells: suppressed,
        intern: request.intern,
    })
}

/// The files of a package, checked: only the names a package has, within the size limit.
fn read_files(path: &Path) -> Result<BTreeMap<String, Vec<u8>>> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).map_err(|e| {
        Error::Invalid(format!(
            "{name}: kein Datenpaket ({})",
            crate::import::reasons::zip_reason(&e)
        ))
    })?;
    let mut files = BTreeMap::new();
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| {
            Error::Invalid(format!(
                "{name}: beschädigt ({})",
                crate::import::reasons::zip_reason(&e)
            ))
        })?;
        let entry_name = entry.name().map(|n| n.to_string()).unwrap_or_default();
        let allowed = ["manifest.json", "manifest.sig", "daten.json"].contains(&entry_name.as_str())
            || (entry_name.starts_with("geometrie/")
                && entry_name.ends_with(".geojson")
                && !entry_name.contains("..")
                && entry_name.matches('/').count() == 1);
        if !allowed {
            return Err(Error::Invalid(format!(
                "{name}: unerwartete Datei „{entry_name}“ im Paket; nicht eingelesen"
            )));
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_BYTES - total + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        total += bytes.len() as u64;
        if total > MAX_BYTES {
            return Err(Error::Invalid(format!(
                "{name}: mehr als 1 GB entpackt; nicht eingelesen"
            )));
        }
        files.insert(entry_name, bytes);
    }
    Ok(files)
}

/// Verifies and imports a package.
pub fn import_package(
    atlas: &mut Atlas,
    path: &Path,
    options: &PackageImport,
    progress: &dyn Progress,
) -> Result<PackageImportSummary> {
    let name = path.display().to_string();
    progress.report(0.0, "Paket prüfen");
    let files = read_files(path)?;
    let (Some(manifest_bytes), Some(signature)) = (files.get("manifest.json"), files.get("manifest.sig")) else {
        return Err(Error::Invalid(format!("{name}: Manifest oder Signatur fehlt")));
    };
    let manifest: Manifest = serde_json::from_slice(manifest_bytes)
        .map_err(|e| Error::Invalid(format!("{name}: Manifest nicht lesbar ({e})")))?;
    if manifest.format != FORMAT {
        return Err(Error::Invalid(format!("{name}: kein Quartier-Datenpaket")));
    }
    let public = unhex::<32>(&manifest.public_key)
        .and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok())
        .ok_or_else(|| Error::Invalid(format!("{name}: der Schlüssel im Manifest ist ungültig")))?;
    let signature = std::str::from_utf8(signature)
        .ok()
        .and_then(unhex::<64>)
        .map(|s| ed25519_dalek::Signature::from_bytes(&s))
        .ok_or_else(|| Error::Invalid(format!("{name}: die Signatur ist unlesbar")))?;
    public.verify(manifest_bytes, &signature).map_err(|_| {
        Error::Invalid(format!(
            "{name}: die Signatur stimmt nicht – das Paket wurde nach dem Signieren verändert"
        ))
    })?;
    let listed: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for (file, bytes) in files.iter().filter(|(f, _)| !f.starts_with("manifest.")) {
        let Some(entry) = manifest.files.iter().find(|f| &f.path == file) else {
            return Err(Error::Invalid(format!("{name}: „{file}“ steht nicht im Manifest")));
        };
        if hex(&sha2::Sha256::digest(bytes)) != entry.sha256 {
            return Err(Error::Invalid(format!(
                "{name}: „{file}“ wurde verändert (Prüfsumme stimmt nicht)"
            )));
        }
    }
    if let Some(missing) = listed.iter().find(|f| !files.contains_key(**f)) {
        return Err(Error::Invalid(format!("{name}: „{missing}“ fehlt im Paket")));
    }
    let fp = fingerprint(&manifest.public_key);
    let trusted = atlas
        .trusted_keys()?
        .into_iter()
        .find(|(k, _)| *k == manifest.public_key)
        .map(|(_, n)| n);
    let trusted_as = match (trusted, &options.trust) {
        (Some(n), _) => n,
        (None, Some(n)) => n.trim().to_string(),
        (None, None) => {
            return Err(Error::Invalid(format!(
                "{name}: Absender „{}“ ist unbekannt (Fingerabdruck {fp}). Den Fingerabdruck mit dem \
                 Absender abgleichen und dann mit --trust NAME einlesen",
                manifest.sender
            )))
        }
    };
    let data: PackageData = serde_json::from_slice(files.get("daten.json").map_or(&[][..], Vec::as_slice))
        .map_err(|e| Error::Invalid(format!("{name}: Daten nicht lesbar ({e})")))?;
    let mut summary = PackageImportSummary {
        file: name.clone(),
        sender: manifest.sender.clone(),
        trusted_as: trusted_as.clone(),
        fingerprint: fp,
        levels_created: Vec::new(),
        indicators_created: Vec::new(),
        periods_created: Vec::new(),
        values_added: 0,
        values_unchanged: 0,
        conflicts: Vec::new(),
        overwritten: 0,
        unknown_areas: BTreeMap::new(),
        checked_only: options.check,
    };
    let work = |atlas: &mut Atlas| -> Result<PackageImportSummary> {
        let mut summary = summary.clone();
        if !atlas.trusted_keys()?.iter().any(|(k, _)| *k == manifest.public_key) {
            atlas.trust_key(&manifest.public_key, &trusted_as)?;
        }
        let scratch = std::env::temp_dir().join(format!("quartier-paket-{}", std::process::id()));
        for level in &data.levels {
            if atlas.level(&level.name).is_ok() {
                continue;
            }
            std::fs::create_dir_all(&scratch).map_err(|e| Error::io(&scratch, e))?;
            let file = scratch.join(format!("{}.geojson", slug(&level.name)));
            std::fs::write(&file, files.get(&level.file).map_or(&[][..], Vec::as_slice))
                .map_err(|e| Error::io(&file, e))?;
            let parent = level.parent.clone().filter(|p| atlas.level(p).is_ok());
            crate::import::geometry::import_geometry(
                atlas,
                &crate::import::geometry::GeometryImport {
                    level: level.name.clone(),
                    file: file.clone(),
                    key_column: "schluessel".into(),
                    name_column: Some("name".into()),
                    parent_key_column: parent.as_ref().map(|_| "uebergeordnet".to_string()),
                    parent_level: parent,
                    crs: Some("EPSG:4326".into()),
                    new_level: true,
                },
                &crate::NoProgress,
            )?;
            let _ = std::fs::remove_file(&file);
            summary.levels_created.push(level.name.clone());
        }
        let _ = std::fs::remove_dir(&scratch);
        for meta in &data.indicators {
            if atlas.add_indicator(meta)? {
                summary.indicators_created.push(meta.key.clone());
            }
        }
        for period in &data.periods {
            if atlas.add_period(period)? {
                summary.periods_created.push(period.clone());
            }
        }
        // One series at a time: read once, written once.
        let mut series: BTreeMap<(&str, &str, &str), Vec<&PackageValue>> = BTreeMap::new();
        for v in &data.values {
            series
                .entry((v.indicator.as_str(), v.level.as_str(), v.period.as_str()))
                .or_default()
                .push(v);
        }
        let total = series.len().max(1);
        for (n, ((indicator, level_name, period_label), values)) in series.into_iter().enumerate() {
            crate::progress::check_cancel(progress)?;
            progress.report(0.2 + 0.8 * n as f32 / total as f32, "Werte übernehmen");
            let meta = atlas.indicator(indicator)?;
            let level = atlas.level(level_name)?;
            let period = atlas.period(period_label)?;
            let areas: BTreeMap<String, i64> = atlas
                .level_areas(level.id)?
                .iter()
                .map(|a| (a.key.to_string(), a.id))
                .collect();
            let existing = atlas.values(meta.id, level.id, period.id)?;
            let mut writes = BTreeMap::new();
            for v in values {
                let Some(&area) = areas.get(&v.key) else {
                    *summary.unknown_areas.entry(v.level.clone()).or_default() += 1;
                    continue;
                };
                let status: ValueStatus = serde_json::from_value(serde_json::Value::String(v.status.clone()))
                    .map_err(|_| Error::Invalid(format!("{name}: Status „{}“ unbekannt", v.status)))?;
                let incoming = StoredValue {
                    value: v.value,
                    text: v.text.clone(),
                    status,
                    note: Some(format!("Paket von {}", manifest.sender)),
                    flag: None,
                };
                match existing.get(&area) {
                    None => {
                        writes.insert(area, incoming);
                        summary.values_added += 1;
                    }
                    Some(c) if c.status == incoming.status && c.value == incoming.value && c.text == incoming.text => {
                        summary.values_unchanged += 1;
                    }
                    Some(c) => {
                        summary.conflicts.push(Conflict {
                            indicator: v.indicator.clone(),
                            level: v.level.clone(),
                            period: v.period.clone(),
                            key: v.key.clone(),
                            atlas: c.number(),
                            package: incoming.number(),
                        });
                        if options.prefer == Prefer::Package {
                            writes.insert(area, incoming);
                            summary.overwritten += 1;
                        }
                    }
                }
            }
            atlas.merge_values(
                meta.id,
                level.id,
                period.id,
                writes,
                &format!(
                    "Paket von {}: {indicator} · {level_name} · {period_label}",
                    manifest.sender
                ),
            )?;
        }
        Ok(summary)
    };
    summary = if options.check {
        atlas.trial(work)?
    } else {
        atlas.atomically(work)?
    };
    progress.report(1.0, "Fertig");
    Ok(summary)
}
