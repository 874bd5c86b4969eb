//! Base maps under the choropleth. By default there is none: the areas on a plain background,
//! fully offline. Otherwise, chosen in the settings:
//!
//! - a local tile folder (`{z}/{x}/{y}.png` or `.jpg`, as gdal2tiles or a tile downloader
//!   writes it),
//! - an MBTiles file (SQLite; rows in TMS order, so y is flipped),
//! - a raster PMTiles file (walkers' `PmTiles`),
//! - OpenStreetMap's tile server, only when offline mode is switched off, with a disk cache
//!   and the attribution on the map (walkers' `HttpTiles`).
//!
//! Tiles are fetched and decoded with walkers; the map pane draws them with its own
//! projection (the map's plane is Web Mercator, so tiles and areas line up). Local tiles are
//! read and decoded on a loader thread (newest request first, so the screen the planner looks
//! at comes before the ones she has panned past) into a bounded cache; the UI thread only
//! takes what has arrived.

use super::i18n::tr;
use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};

use anyhow::{bail, Context as _, Result};
use eframe::egui;
use serde::{Deserialize, Serialize};
use walkers::{TileId, TilePiece, Tiles};

/// Where the base map comes from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum BaseMapSource {
    /// No base map: areas on a plain background.
    #[default]
    None,
    /// A folder `{z}/{x}/{y}.png|jpg`.
    TileFolder(PathBuf),
    /// An MBTiles file.
    MbTiles(PathBuf),
    /// A raster PMTiles file.
    PmTiles(PathBuf),
    /// tile.openstreetmap.org (needs offline mode off).
    OpenStreetMap,
}

impl BaseMapSource {
    /// The name in the settings dialog.
    pub fn label(&self) -> &'static str {
        match self {
            BaseMapSource::None => tr("Keine (nur Gebietsgrenzen)"),
            BaseMapSource::TileFolder(_) => tr("Kachelordner"),
            BaseMapSource::MbTiles(_) => tr("MBTiles-Datei"),
            BaseMapSource::PmTiles(_) => tr("PMTiles-Datei"),
            BaseMapSource::OpenStreetMap => tr("OpenStreetMap (online)"),
        }
    }
}

/// The base map settings, remembered per atlas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BaseMapSettings {
    /// The source.
    pub source: BaseMapSource,
    /// No network access at all (the default).
    pub offline: bool,
}

impl Default for BaseMapSettings {
    fn default() -> Self {
        BaseMapSettings {
            source: BaseMapSource::None,
            offline: true,
        }
    }
}

/// An opened base map.
pub struct BaseMap {
    tiles: Box<dyn Tiles>,
    /// Shown in the map's lower right corner.
    pub attribution: String,
}

impl BaseMap {
    /// Opens the source of `settings`; `None` for no base map. Errors name the file and
    /// what is wrong with it, in German.
    pub fn open(settings: &BaseMapSettings, ctx: &egui::Context, cache: &Path) -> Result<Option<BaseMap>> {
        let local = |source: LocalSource, max_zoom: u8, attribution: String| {
            Ok(Some(BaseMap {
                tiles: Box::new(LocalTiles::new(source, max_zoom, ctx.clone(), CACHED_TILES)),
                attribution,
            }))
        };
        if let BaseMapSource::TileFolder(p) | BaseMapSource::MbTiles(p) | BaseMapSource::PmTiles(p) = &settings.source {
            if p.as_os_str().is_empty() {
                bail!("Für „{}“ bitte einen Pfad angeben", settings.source.label());
            }
        }
        match &settings.source {
            BaseMapSource::None => Ok(None),
            BaseMapSource::TileFolder(dir) => {
                let max_zoom = std::fs::read_dir(dir)
                    .with_context(|| format!("Kachelordner {} nicht lesbar", dir.display()))?
                    .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u8>().ok())
                    .max();
                let Some(max_zoom) = max_zoom else {
                    bail!(
                        "Im Kachelordner {} fehlen Zoomstufen-Ordner ({{z}}/{{x}}/{{y}}.png)",
                        dir.display()
                    );
                };
                local(
                    LocalSource::Folder(dir.clone()),
                    max_zoom,
                    format!("Kacheln: {}", dir.display()),
                )
            }
            BaseMapSource::MbTiles(path) => {
                let (connection, max_zoom, attribution) = open_mbtiles(path)?;
                local(LocalSource::MbTiles(connection), max_zoom, attribution)
            }
            BaseMapSource::PmTiles(path) => {
                check_pmtiles(path)?;
                Ok(Some(BaseMap {
                    tiles: Box::new(walkers::PmTiles::new(path, ctx.clone())),
                    attribution: format!("Kacheln: {}", path.display()),
                }))
            }
            BaseMapSource::OpenStreetMap if settings.offline => bail!(
                "Der Offline-Modus ist eingeschaltet: OpenStreetMap-Kacheln werden nicht geladen. \
                 In den Einstellungen den Offline-Modus ausschalten oder eine lokale Kachelquelle wählen."
            ),
            BaseMapSource::OpenStreetMap => {
                // HTTPS needs a crypto provider; ring builds without cmake.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let options = walkers::HttpOptions {
                    cache: Some(cache.to_path_buf()),
                    ..Default::default()
                };
                Ok(Some(BaseMap {
                    tiles: Box::new(walkers::HttpTiles::with_options(
                        walkers::sources::OpenStreetMap,
                        options,
                        ctx.clone(),
                    )),
                    attribution: "© OpenStreetMap-Mitwirkende (ODbL)".to_string(),
                }))
            }
        }
    }

    /// The zoom level whose tiles match `pixels_per_unit` (screen pixels per degree of the
    /// Mercator plane).
    pub fn zoom_for(&self, pixels_per_unit: f32) -> u8 {
        let tile = self.tiles.tile_size() as f32;
        (pixels_per_unit * 360.0 / tile)
            .max(1.0)
            .log2()
            .round()
            .clamp(0.0, 19.0) as u8
    }

    /// The tile, or a piece of a coarser one while it loads.
    pub fn tile(&mut self, id: TileId) -> Option<TilePiece> {
        self.tiles.at(id)
    }

    /// Tiles asked for that have not arrived yet.
    pub fn loading(&self) -> usize {
        self.tiles.stats().in_progress
    }
}

/// Checks a PMTiles file's header (version 3; byte 99 is the tile type: 1 vector, 2 PNG,
/// 3 JPEG, 4 WebP): vector tiles would need a style renderer, which the map does not have.
fn check_pmtiles(path: &Path) -> Result<()> {
    use std::io::Read as _;
    let mut bytes = Vec::with_capacity(127);
    std::fs::File::open(path)
        .with_context(|| format!("PMTiles-Datei {} nicht lesbar", path.display()))?
        .take(127)
        .read_to_end(&mut bytes)
        .with_context(|| format!("PMTiles-Datei {} nicht lesbar", path.display()))?;
    if bytes.len() < 127 || &bytes[..7] != b"PMTiles" {
        bail!("{} ist keine PMTiles-Datei (Kopf „PMTiles“ fehlt)", path.display());
    }
    if bytes[7] != 3 {
        bail!(
            "{}: PMTiles-Version {} wird nicht unterstützt (nur Version 3)",
            path.display(),
            bytes[7]
        );
    }
    match bytes[99] {
        2..=4 => Ok(()),
        1 => bail!(
            "{} enthält Vektorkacheln; die Karte zeigt nur Rasterkacheln (PNG, JPEG, WebP). \
             Eine Raster-PMTiles-Datei oder MBTiles-Datei wählen.",
            path.display()
        ),
        other => bail!("{}: unbekannter Kacheltyp {other}", path.display()),
    }
}

fn open_mbtiles(path: &Path) -> Result<(rusqlite::Connection, u8, String)> {
    if !path.is_file() {
        bail!("MBTiles-Datei {} nicht gefunden", path.display());
    }
    let connection = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("MBTiles-Datei {} nicht lesbar", path.display()))?;
    let meta = |name: &str| -> Option<String> {
        connection
            .query_row("SELECT value FROM metadata WHERE name = ?1", [name], |r| r.get(0))
            .ok()
    };
    if let Some(format) = meta("format") {
        if !matches!(format.as_str(), "png" | "jpg" | "jpeg" | "webp") {
            bail!(
                "MBTiles-Datei {} enthält Kacheln im Format „{format}“; nur Rasterkacheln (PNG, JPEG) werden gezeigt",
                path.display()
            );
        }
    }
    let max_zoom: Option<u8> = connection
        .query_row("SELECT MAX(zoom_level) FROM tiles", [], |r| r.get(0))
        .with_context(|| format!("MBTiles-Datei {}: keine Tabelle „tiles“", path.display()))?;
    let Some(max_zoom) = max_zoom else {
        bail!("MBTiles-Datei {} enthält keine Kacheln", path.display());
    };
    let attribution = meta("attribution").unwrap_or_else(|| format!("Kacheln: {}", path.display()));
    Ok((connection, max_zoom, attribution))
}

enum LocalSource {
    Folder(PathBuf),
    MbTiles(rusqlite::Connection),
}

impl LocalSource {
    /// The bytes of a tile, `None` where the source has none.
    fn bytes(&self, id: TileId) -> Option<Vec<u8>> {
        match self {
            LocalSource::Folder(dir) => ["png", "jpg", "jpeg"].iter().find_map(|ext| {
                std::fs::read(
                    dir.join(id.zoom.to_string())
                        .join(id.x.to_string())
                        .join(format!("{}.{ext}", id.y)),
                )
                .ok()
            }),
            LocalSource::MbTiles(connection) => {
                let tms_row = (1u32 << id.zoom) - 1 - id.y;
                connection
                    .query_row(
                        "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                        [id.zoom as u32, id.x, tms_row],
                        |r| r.get(0),
                    )
                    .ok()
            }
        }
    }
}

/// Tiles from a folder or an MBTiles file, read and decoded on a loader thread and kept.
struct LocalTiles {
    max_zoom: u8,
    /// Tiles asked of the loader thread.
    requests: Sender<TileId>,
    /// Tiles the loader has decoded (`None`: the source has no such tile).
    arrived: Receiver<(TileId, Option<walkers::Tile>)>,
    /// Asked for and not yet arrived.
    requested: HashSet<TileId>,
    cache: HashMap<TileId, Option<walkers::Tile>>,
    /// The cached tiles in the order they arrived, for dropping the oldest.
    decoded: VecDeque<TileId>,
    /// How many decoded tiles are kept ([`CACHED_TILES`]).
    capacity: usize,
}

/// Decoded tiles kept (each a 256 × 256 texture, 256 KiB): a few screens' worth, so panning
/// back is instant while a long session does not grow without bound.
const CACHED_TILES: usize = 512;

impl LocalTiles {
    /// Starts the loader thread on `source`; it ends when the tiles are dropped.
    fn new(source: LocalSource, max_zoom: u8, ctx: egui::Context, capacity: usize) -> Self {
        let (requests, inbox) = channel::<TileId>();
        let (outbox, arrived) = channel();
        let spawned = std::thread::Builder::new().name("kacheln".into()).spawn(move || {
            let mut queue: Vec<TileId> = Vec::new();
            while let Ok(first) = inbox.recv() {
                queue.push(first);
                queue.extend(inbox.try_iter());
                // Newest first: the tiles of the screen shown now.
                while let Some(id) = queue.pop() {
                    let tile = source
                        .bytes(id)
                        .and_then(|b| walkers::Tile::new(&b, &walkers::Style, id.zoom, 256, &ctx).ok());
                    if outbox.send((id, tile)).is_err() {
                        return;
                    }
                    ctx.request_repaint();
                    queue.extend(inbox.try_iter());
                }
            }
        });
        // Without a thread (the system refused one) requests fail and the map stays plain.
        drop(spawned);
        LocalTiles {
            max_zoom,
            requests,
            arrived,
            requested: HashSet::new(),
            cache: HashMap::new(),
            decoded: VecDeque::new(),
            capacity,
        }
    }

    /// Takes the tiles that have arrived into the cache, dropping the oldest beyond its size.
    fn take_arrived(&mut self) {
        while let Ok((id, tile)) = self.arrived.try_recv() {
            self.requested.remove(&id);
            self.cache.insert(id, tile);
            self.decoded.push_back(id);
            while self.decoded.len() > self.capacity {
                if let Some(oldest) = self.decoded.pop_front() {
                    self.cache.remove(&oldest);
                }
            }
        }
    }

    /// The tile if it has arrived; otherwise asks the loader for it (once) and returns `None`.
    fn load(&mut self, id: TileId) -> Option<walkers::Tile> {
        self.take_arrived();
        if let Some(tile) = self.cache.get(&id) {
            return tile.clone();
        }
        if self.requested.insert(id) && self.requests.send(id).is_err() {
            self.requested.remove(&id);
        }
        None
    }

    /// Tiles asked for that have not arrived yet.
    fn loading(&self) -> usize {
        self.requested.len()
    }
}

impl Tiles for LocalTiles {
    fn at(&mut self, id: TileId) -> Option<TilePiece> {
        // Beyond the deepest level, and while a tile is missing, a piece of a coarser one.
        let mut zoom = id.zoom.min(self.max_zoom);
        loop {
            let shift = id.zoom - zoom;
            let parent = TileId {
                x: id.x >> shift,
                y: id.y >> shift,
                zoom,
            };
            if let Some(tile) = self.load(parent) {
                let part = 1.0 / (1u32 << shift) as f32;
                let (dx, dy) = ((id.x & ((1 << shift) - 1)) as f32, (id.y & ((1 << shift) - 1)) as f32);
                let uv = egui::Rect::from_min_size(egui::pos2(dx * part, dy * part), egui::vec2(part, part));
                return Some(TilePiece::new(tile, uv));
            }
            zoom = zoom.checked_sub(1)?;
            if id.zoom - zoom > 6 {
                return None;
            }
        }
    }

    fn attribution(&self) -> walkers::sources::Attribution {
        walkers::sources::Attribution {
            text: "",
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        256
    }

    fn stats(&self) -> walkers::Stats {
        walkers::Stats {
            in_progress: self.loading(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A 256 × 256 PNG of one colour.
    fn png(colour: [u8; 3]) -> Vec<u8> {
        let image = image::RgbImage::from_pixel(256, 256, image::Rgb(colour));
        let mut bytes = Vec::new();
        image
            .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
            .unwrap();
        bytes
    }

    /// Asks for a tile until the loader thread has answered every request.
    fn settled(map: &mut BaseMap, id: TileId) -> Option<TilePiece> {
        let started = std::time::Instant::now();
        loop {
            let piece = map.tile(id);
            if map.loading() == 0 {
                return map.tile(id).or(piece);
            }
            assert!(started.elapsed().as_secs() < 10, "tiles did not arrive");
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    #[test]
    fn mbtiles_rows_are_flipped_and_missing_tiles_fall_back_to_coarser_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("berlin.mbtiles");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
             INSERT INTO metadata VALUES ('format', 'png'), ('attribution', '© Testkacheln');",
        )
        .unwrap();
        // Zoom 1, x 1, XYZ y 0 (north-east) is TMS row 1.
        c.execute("INSERT INTO tiles VALUES (1, 1, 1, ?1)", [png([200, 0, 0])])
            .unwrap();
        drop(c);
        let ctx = egui::Context::default();
        let settings = BaseMapSettings {
            source: BaseMapSource::MbTiles(path.clone()),
            offline: true,
        };
        let mut map = BaseMap::open(&settings, &ctx, dir.path()).unwrap().unwrap();
        assert_eq!(map.attribution, "© Testkacheln");
        assert!(settled(&mut map, TileId { x: 1, y: 0, zoom: 1 }).is_some());
        assert!(
            settled(&mut map, TileId { x: 1, y: 1, zoom: 1 }).is_none(),
            "the south-east tile is not there"
        );
        // Zoom 3 inside the north-east quarter: a quarter of the zoom-1 tile's width.
        let piece = settled(&mut map, TileId { x: 6, y: 1, zoom: 3 }).unwrap();
        assert_eq!(
            piece.uv,
            egui::Rect::from_min_size(egui::pos2(0.5, 0.25), egui::vec2(0.25, 0.25))
        );
        // Bad inputs are named.
        let e = BaseMap::open(
            &BaseMapSettings {
                source: BaseMapSource::MbTiles(dir.path().join("fehlt.mbtiles")),
                offline: true,
            },
            &ctx,
            dir.path(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("fehlt.mbtiles"), "{e}");
        let e = BaseMap::open(
            &BaseMapSettings {
                source: BaseMapSource::OpenStreetMap,
                offline: true,
            },
            &ctx,
            dir.path(),
        )
        .err()
        .unwrap();
        assert!(e.to_string().contains("Offline-Modus"), "{e}");
    }

    #[test]
    fn pmtiles_headers_are_checked_before_opening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("karte.pmtiles");
        let mut header = vec![0u8; 127];
        header[..7].copy_from_slice(b"PMTiles");
        header[7] = 3;
        header[99] = 1;
        std::fs::write(&path, &header).unwrap();
        let e = check_pmtiles(&path).unwrap_err().to_string();
        assert!(e.contains("Vektorkacheln"), "{e}");
        header[99] = 2;
        std::fs::write(&path, &header).unwrap();
        assert!(check_pmtiles(&path).is_ok());
        std::fs::write(&path, b"kein PMTiles").unwrap();
        assert!(check_pmtiles(&path)
            .unwrap_err()
            .to_string()
            .contains("keine PMTiles-Datei"));
        assert!(check_pmtiles(&dir.path().join("fehlt.pmtiles")).is_err());
    }

    #[test]
    fn a_tile_folder_is_read_by_zoom_x_y() {
        let dir = tempfile::tempdir().unwrap();
        let tile = dir.path().join("kacheln/2/2/1.png");
        std::fs::create_dir_all(tile.parent().unwrap()).unwrap();
        std::fs::write(&tile, png([0, 120, 0])).unwrap();
        let ctx = egui::Context::default();
        let settings = BaseMapSettings {
            source: BaseMapSource::TileFolder(dir.path().join("kacheln")),
            offline: true,
        };
        let mut map = BaseMap::open(&settings, &ctx, dir.path()).unwrap().unwrap();
        assert!(settled(&mut map, TileId { x: 2, y: 1, zoom: 2 }).is_some());
        assert!(settled(&mut map, TileId { x: 1, y: 1, zoom: 2 }).is_none());
        assert_eq!(map.zoom_for(256.0 / 360.0 * 4.0), 2, "four tiles across the world");
    }

    #[test]
    fn tiles_are_decoded_off_the_ui_thread_into_a_bounded_cache() {
        let dir = tempfile::tempdir().unwrap();
        for x in 0..3 {
            let tile = dir.path().join(format!("2/{x}/1.png"));
            std::fs::create_dir_all(tile.parent().unwrap()).unwrap();
            std::fs::write(&tile, png([0, 40 * x as u8, 0])).unwrap();
        }
        let ctx = egui::Context::default();
        let mut tiles = LocalTiles::new(LocalSource::Folder(dir.path().to_path_buf()), 2, ctx, 2);
        // The first ask returns at once, without the tile: the loader thread reads it.
        assert!(tiles.load(TileId { x: 0, y: 1, zoom: 2 }).is_none());
        assert_eq!(tiles.loading(), 1);
        // Asked again before it arrived, it is not asked for twice (on a busy machine the
        // loader may already have delivered it: then it is here and nothing is loading).
        match tiles.load(TileId { x: 0, y: 1, zoom: 2 }) {
            None => assert_eq!(tiles.loading(), 1, "asked once"),
            Some(_) => assert_eq!(tiles.loading(), 0),
        }
        for x in 0..3 {
            let id = TileId { x, y: 1, zoom: 2 };
            let started = std::time::Instant::now();
            while tiles.load(id).is_none() {
                assert!(started.elapsed().as_secs() < 10, "tile {x} did not arrive");
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        }
        assert_eq!(tiles.loading(), 0);
        assert_eq!(tiles.cache.len(), 2, "bounded");
        assert!(
            !tiles.cache.contains_key(&TileId { x: 0, y: 1, zoom: 2 }),
            "the oldest went"
        );
        assert!(tiles.cache.contains_key(&TileId { x: 2, y: 1, zoom: 2 }));
    }
}
