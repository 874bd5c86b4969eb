//! Where the app finds the sample sources and keeps the sample atlas.

use std::path::PathBuf;

/// The `sample_data/` folder: `$QUARTIER_SAMPLE_DATA`, `./sample_data`, next to the
/// executable, or the source checkout this binary was built from.
pub fn sample_data_dir() -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(p) = std::env::var_os("QUARTIER_SAMPLE_DATA") {
        candidates.push(PathBuf::from(p));
    }
    candidates.push(PathBuf::from("sample_data"));
    if let Ok(exe) = std::env::current_exe() {
        for dir in exe.ancestors().skip(1).take(4) {
            candidates.push(dir.join("sample_data"));
        }
    }
    candidates.push(PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/sample_data")));
    candidates.into_iter().find(|c| c.join("indikatoren.csv").exists())
}

/// The user's data folder for Quartier (`$XDG_DATA_HOME/quartier` or `~/.local/share/quartier`).
pub fn data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("QUARTIER_DATA_DIR") {
        return PathBuf::from(x);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(x).join("quartier");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/quartier"),
        None => PathBuf::from(".quartier"),
    }
}

/// Where the app keeps the sample atlas it builds on first run.
pub fn sample_atlas_path() -> PathBuf {
    data_dir().join("beispiel-berlin.quartier")
}
