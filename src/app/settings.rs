//! What the app remembers per atlas between sessions: the pane layout, simple or expert mode,
//! the curated indicators of simple mode and the saved selection groups. Kept as JSON in the
//! user's data folder (`ansichten/`), not in the atlas, since atlas files are shared between
//! colleagues and a layout is one person's choice.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use super::panes::Pane;
use super::state::AtlasView;

/// The remembered view of one atlas.
#[derive(Default, Serialize, Deserialize)]
pub struct AtlasSettings {
    /// The pane layout.
    pub layout: Option<egui_tiles::Tree<Pane>>,
    /// Mode, diagram, curated indicators and groups (flattened: the file keeps its fields).
    #[serde(flatten)]
    pub view: AtlasView,
    /// The base map.
    #[serde(default)]
    pub base_map: super::basemap::BaseMapSettings,
    /// The interface in English instead of German.
    #[serde(default)]
    pub english: bool,
}

/// The settings file of an atlas: `<data dir>/ansichten/<file stem>-<hash of the full path>.json`.
pub fn settings_path(data_dir: &Path, atlas: &Path) -> PathBuf {
    let full = std::fs::canonicalize(atlas).unwrap_or_else(|_| atlas.to_path_buf());
    // FNV-1a: stable across Rust versions, unlike the standard hasher.
    let hash = full.to_string_lossy().bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    });
    let stem = atlas.file_stem().map_or("atlas".into(), |s| s.to_string_lossy());
    data_dir.join("ansichten").join(format!("{stem}-{hash:016x}.json"))
}

/// Reads the settings; a missing file gives the defaults, a damaged one an error naming it.
pub fn load(path: &Path) -> Result<AtlasSettings> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text).with_context(|| {
            format!(
                "Ansichtseinstellungen {} sind beschädigt und werden ersetzt",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(AtlasSettings::default()),
        Err(e) => Err(e).with_context(|| format!("{} lesen", path.display())),
    }
}

/// Writes the settings (to a temporary file first, so a crash leaves the old ones).
pub fn save(path: &Path, settings: &AtlasSettings) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("Ordner {} anlegen", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(settings)?)
        .with_context(|| format!("{} schreiben", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{} schreiben", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::app::state::{DiagramKind, Mode, SelectionGroup};

    #[test]
    fn settings_round_trip_per_atlas_and_damage_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let a = settings_path(dir.path(), Path::new("/daten/solingen.quartier"));
        let b = settings_path(dir.path(), Path::new("/andere/solingen.quartier"));
        assert_ne!(a, b, "same file name, different atlas");
        assert!(load(&a).unwrap().layout.is_none(), "defaults without a file");
        let settings = AtlasSettings {
            layout: Some(super::super::panes::default_layout()),
            view: AtlasView {
                mode: Mode::Simple,
                diagram: DiagramKind::Scatter,
                simple_indicators: vec!["anteil_u6".into()],
                groups: vec![SelectionGroup {
                    name: "Sozialraum Nord".into(),
                    keys: ["01011101".to_string()].into(),
                    level: "Planungsraum".into(),
                }],
                poi_cards: [("Kita".to_string(), vec!["e_tel".to_string(), "t_name".to_string()])].into(),
            },
            base_map: super::super::basemap::BaseMapSettings {
                source: super::super::basemap::BaseMapSource::MbTiles("/karten/berlin.mbtiles".into()),
                offline: true,
            },
            english: true,
        };
        save(&a, &settings).unwrap();
        let back = load(&a).unwrap();
        assert_eq!(back.view, settings.view);
        // The file keeps the fields it had before they were grouped (flattened).
        let text = std::fs::read_to_string(&a).unwrap();
        assert!(
            text.contains("\"mode\": \"Simple\"") && text.contains("\"groups\""),
            "{text}"
        );
        assert_eq!(back.base_map, settings.base_map);
        assert!(back.english);
        assert!(back.layout.is_some());
        std::fs::write(&a, "{ kaputt").unwrap();
        let e = load(&a).err().unwrap().to_string();
        assert!(e.contains("beschädigt") && e.contains("solingen"), "{e}");
    }
}
