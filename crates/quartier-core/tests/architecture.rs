//! The engine stays free of GUI, server and CLI crates (STYLE.md, practice 1).

#[test]
fn the_engine_depends_on_no_gui_server_or_cli_crate() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap_or_default();
    let deps: Vec<&str> = manifest
        .lines()
        .skip_while(|l| l.trim() != "[dependencies]")
        .skip(1)
        .take_while(|l| !l.starts_with('['))
        .filter_map(|l| l.split('=').next().map(str::trim))
        .filter(|n| !n.is_empty())
        .collect();
    assert!(deps.contains(&"rusqlite"), "manifest not read: {deps:?}");
    for forbidden in ["egui", "eframe", "egui_plot", "walkers", "axum", "clap", "tokio"] {
        assert!(
            !deps.contains(&forbidden),
            "quartier-core must not depend on {forbidden}"
        );
    }
}
