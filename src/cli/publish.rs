//! `quartier release` and `quartier publish`: release indicators per level, POI categories
//! with their attributes, stories (or withdraw them with `--unrelease`), each logged with who
//! did it; see what will leave the laptop (`publish --check`) and write the public bundle.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use quartier_core::publish::{plan, write_bundle, PublishPlan};
use quartier_core::store::ReleaseChange;

use super::common::{emit, invalid, keys, open, stderr_progress};
use super::Verb;

/// `quartier release`
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Indikatoren (mit --levels)
    #[arg(long, value_delimiter = ',')]
    pub indicators: Vec<String>,
    /// Ebenen, auf denen die Indikatoren freigegeben werden
    #[arg(long, value_delimiter = ',')]
    pub levels: Vec<String>,
    /// Einrichtungsart (Name und Lage werden veröffentlicht, weitere Merkmale mit --attributes)
    #[arg(long)]
    pub poi_category: Option<String>,
    /// Merkmale der Einrichtungsart, die veröffentlicht werden (z. B. address,capacity,website)
    #[arg(long, value_delimiter = ',')]
    pub attributes: Vec<String>,
    /// Story (mit ihren Lesezeichen)
    #[arg(long)]
    pub story: Option<String>,
    /// Ebene als intern kennzeichnen: sie wird nie veröffentlicht (mit --unrelease: nicht mehr intern)
    #[arg(long)]
    pub internal_level: Option<String>,
    /// Freigabe zurücknehmen
    #[arg(long)]
    pub unrelease: bool,
    /// Wer freigibt (für das Protokoll; ohne Angabe der Benutzername)
    #[arg(long)]
    pub by: Option<String>,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// `quartier publish`
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// Atlasdatei
    pub atlas: PathBuf,
    /// Zielordner des Bündels (ein vorhandenes Bündel dort wird als Ganzes ersetzt)
    #[arg(long, required_unless_present_any = ["check", "server"])]
    pub out: Option<PathBuf>,
    /// Adresse des Atlas auf dem Server, z. B. https://atlas.example.de/berlin (mit --token)
    #[arg(long, requires = "token")]
    pub server: Option<String>,
    /// Upload-Token der Kommune (von quartier-server add-municipality)
    #[arg(long, requires = "server")]
    pub token: Option<String>,
    /// Nur zeigen, was den Rechner verlassen würde; nichts schreiben
    #[arg(long)]
    pub check: bool,
    /// Ausgabe als JSON
    #[arg(long)]
    pub json: bool,
}

/// The user who acts: `--by`, else the login name.
fn who(by: &Option<String>) -> String {
    by.clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .unwrap_or_default()
}

impl Verb for ReleaseArgs {
    fn run(self) -> Result<()> {
        let mut atlas = open(&self.atlas)?;
        let who = who(&self.by);
        let chosen = [
            !self.indicators.is_empty() || !self.levels.is_empty(),
            self.poi_category.is_some(),
            self.story.is_some(),
            self.internal_level.is_some(),
        ];
        if chosen.iter().filter(|c| **c).count() != 1 {
            return Err(invalid(
                "Genau eines freigeben: --indicators … --levels …, --poi-category …, --story … oder --internal-level …",
            ));
        }
        let change: ReleaseChange = if let Some(category) = &self.poi_category {
            atlas.release_poi_category(category, &keys(&self.attributes), self.unrelease, &who)?
        } else if let Some(story) = &self.story {
            atlas.release_story(story, self.unrelease, &who)?
        } else if let Some(level) = &self.internal_level {
            atlas.set_level_internal(level, !self.unrelease, &who)?;
            ReleaseChange {
                released: self.unrelease,
                items: vec![format!(
                    "Ebene {level} {}",
                    if self.unrelease { "nicht mehr intern" } else { "intern" }
                )],
                unchanged: Vec::new(),
            }
        } else {
            if !self.attributes.is_empty() {
                return Err(invalid("--attributes gehört zu --poi-category"));
            }
            atlas.release_indicators(&keys(&self.indicators), &keys(&self.levels), self.unrelease, &who)?
        };
        emit(self.json, &change, |c| {
            let verb = if c.released { "Freigegeben" } else { "Zurückgenommen" };
            if c.items.is_empty() {
                println!("Nichts geändert (schon so): {}", c.unchanged.join(", "));
            } else {
                println!("{verb}: {}", c.items.join(", "));
            }
        })
    }
}

fn print_plan(p: &PublishPlan) {
    println!("Was den Rechner verlässt:");
    for s in &p.series {
        println!(
            "  {} auf {}: {} ({} Zellen geheim gehalten)",
            s.indicator,
            s.level,
            if s.periods.is_empty() {
                "keine Werte".to_string()
            } else {
                s.periods.join(", ")
            },
            s.suppressed_cells
        );
    }
    for c in &p.poi_categories {
        println!(
            "  Einrichtungen {} ({}): Name und Lage{}",
            c.category,
            c.pois,
            if c.attributes.is_empty() {
                String::new()
            } else {
                format!(", {}", c.attributes.join(", "))
            }
        );
    }
    for s in &p.stories {
        println!("  Story {s}");
    }
    for w in &p.warnings {
        println!("Achtung: {w}");
    }
}

/// What `publish --server` did.
#[derive(Debug, serde::Serialize)]
pub struct Uploaded {
    /// The atlas's address on the server.
    pub server: String,
    /// The server's version number, now active.
    pub version: i64,
    /// Files in the bundle.
    pub files: usize,
    /// Files sent (the server lacked them).
    pub sent_files: usize,
    /// Bytes sent (files and manifest).
    pub sent_bytes: u64,
}

/// Splits `https://host/slug` into the server's base and the municipality's slug.
fn split_server(url: &str) -> Result<(String, String)> {
    let url = url.trim().trim_end_matches('/');
    match url.rsplit_once('/') {
        Some((base, slug)) if base.contains("://") && !base.ends_with('/') && !slug.is_empty() => {
            Ok((base.to_string(), slug.to_string()))
        }
        _ => Err(invalid(format!(
            "--server „{url}“: erwartet die Adresse des Atlas mit Kürzel, z. B. https://atlas.example.de/berlin"
        ))),
    }
}

/// The server's German message from an error response.
fn server_error(response: reqwest::blocking::Response) -> anyhow::Error {
    let status = response.status();
    let text = response.text().unwrap_or_default();
    let message = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| v["fehler"].as_str().map(str::to_string))
        .unwrap_or(text);
    invalid(format!("Server: {message} ({status})"))
}

/// Uploads the bundle in `dir`: asks which files the server lacks, sends those (each
/// retried on a broken connection), then activates the manifest. A run that breaks off
/// resumes where it stopped: the server keeps what it received.
pub fn upload(dir: &std::path::Path, server: &str, token: &str) -> Result<Uploaded> {
    let (base, slug) = split_server(server)?;
    let manifest_text = std::fs::read_to_string(dir.join("manifest.json"))?;
    /// The files a bundle's manifest lists.
    #[derive(serde::Deserialize)]
    struct Listed {
        files: Vec<quartier_core::publish::ManifestFile>,
    }
    let manifest: Listed = serde_json::from_str(&manifest_text)?;
    // Every file is read and checked before anything travels: a bundle changed after it was
    // written (a path out of it, a symbolic link, other content) sends nothing.
    let contents: Vec<Vec<u8>> = manifest
        .files
        .iter()
        .map(|file| quartier_core::publish::read_listed_file(dir, file))
        .collect::<std::result::Result<_, _>>()?;
    // TLS through rustls with ring, as the base maps (installed once; a second call is a no-op).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(120))
        .build()?;
    let auth = format!("Bearer {token}");
    let connect = |e: reqwest::Error| invalid(format!("Server {base} nicht erreichbar: {e}"));
    let hashes: Vec<&str> = manifest.files.iter().map(|f| f.sha256.as_str()).collect();
    let response = client
        .post(format!("{base}/api/{slug}/have"))
        .header("Authorization", &auth)
        .header("Content-Type", "application/json")
        .body(serde_json::to_string(&hashes)?)
        .send()
        .map_err(connect)?;
    if !response.status().is_success() {
        return Err(server_error(response));
    }
    let missing: std::collections::BTreeSet<String> = serde_json::from_str::<serde_json::Value>(&response.text()?)?
        ["missing"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();
    let (mut sent_files, mut sent_bytes) = (0, manifest_text.len() as u64);
    let mut done = std::collections::BTreeSet::new();
    for (file, bytes) in manifest
        .files
        .iter()
        .zip(&contents)
        .filter(|(f, _)| missing.contains(&f.sha256))
    {
        if !done.insert(file.sha256.clone()) {
            continue;
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = client
                .put(format!("{base}/api/{slug}/blobs/{}", file.sha256))
                .header("Authorization", &auth)
                .body(bytes.clone())
                .send();
            match sent {
                Ok(r) if r.status().is_success() => break,
                Ok(r) => return Err(server_error(r)),
                Err(_) if attempt < 3 => std::thread::sleep(std::time::Duration::from_millis(500)),
                Err(e) => return Err(connect(e)),
            }
        }
        sent_files += 1;
        sent_bytes += bytes.len() as u64;
    }
    let response = client
        .post(format!("{base}/api/{slug}/activate"))
        .header("Authorization", &auth)
        .body(manifest_text)
        .send()
        .map_err(connect)?;
    if !response.status().is_success() {
        return Err(server_error(response));
    }
    let version = serde_json::from_str::<serde_json::Value>(&response.text()?)?["version"]
        .as_i64()
        .unwrap_or_default();
    Ok(Uploaded {
        server: format!("{base}/{slug}"),
        version,
        files: manifest.files.len(),
        sent_files,
        sent_bytes,
    })
}

impl Verb for PublishArgs {
    fn run(self) -> Result<()> {
        let atlas = open(&self.atlas)?;
        if let (Some(server), Some(token)) = (&self.server, &self.token) {
            // The bundle is written first (to --out, or beside the temporary files), then sent.
            let scratch = std::env::temp_dir().join(format!("quartier-veroeffentlichen-{}", std::process::id()));
            let dir = self.out.clone().unwrap_or_else(|| scratch.clone());
            write_bundle(&atlas, &dir, &stderr_progress(!self.json))?;
            let uploaded = upload(&dir, server, token);
            if self.out.is_none() {
                let _ = std::fs::remove_dir_all(&scratch);
            }
            let uploaded = uploaded?;
            return emit(self.json, &uploaded, |u| {
                println!(
                    "Version {} auf {} aktiv: {} Dateien, davon {} gesendet ({} Bytes)",
                    u.version, u.server, u.files, u.sent_files, u.sent_bytes
                )
            });
        }
        match (&self.out, self.check) {
            (_, true) => emit(self.json, &plan(&atlas)?, print_plan),
            (Some(out), false) => {
                let written = write_bundle(&atlas, out, &stderr_progress(!self.json))?;
                emit(self.json, &written, |w| {
                    print_plan(&w.plan);
                    println!(
                        "Bündel Version {} nach {}: {} Dateien, {} Bytes",
                        w.version, w.dir, w.files, w.bytes
                    );
                })
            }
            (None, false) => Err(invalid("--out ORDNER angeben (oder --check)")),
        }
    }
}
