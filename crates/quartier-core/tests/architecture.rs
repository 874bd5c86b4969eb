//! The dependency direction (STYLE.md, practice 1), checked on the resolved dependency tree
//! that `cargo tree` prints, not on the manifest text: a GUI, CLI or server crate that reaches
//! the engine through any path fails here, with the path that brings it in.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

/// Crates that must never be under the engine: the GUI stack, the CLI parser, the server stack.
const NOT_UNDER_THE_ENGINE: &[&str] = &[
    "egui",
    "eframe",
    "egui_plot",
    "egui_tiles",
    "egui_kittest",
    "walkers",
    "winit",
    "rfd",
    "clap",
    "quartier-cli-german",
    "axum",
    "tokio",
    "hyper",
];

/// Forbidden crates that may come in through one family of crates only: polars runs its own
/// async executor on tokio (`polars-async`, a hard dependency of `polars-core`), which is no
/// server in the engine. Any other path to tokio still fails.
const ONLY_THROUGH: &[(&str, &str)] = &[("tokio", "polars-")];

/// Crates that must never be under the server: the desktop app and its GUI stack.
const NOT_UNDER_THE_SERVER: &[&str] = &[
    "quartier",
    "egui",
    "eframe",
    "egui_plot",
    "egui_tiles",
    "walkers",
    "winit",
    "rfd",
];

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .parent()
        .unwrap()
}

fn cargo_tree(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace_root())
        .arg("tree")
        .args(["--offline", "-e", "normal"])
        .args(args)
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The names of every crate in the resolved normal-dependency tree of a package.
fn resolved_crates(package: &str) -> Vec<String> {
    let mut names: Vec<String> = cargo_tree(&["-p", package, "--prefix", "none", "--format", "{p}"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Fails with every forbidden crate and the path that brings it under `package`.
fn assert_not_under(package: &str, forbidden: &[&str]) {
    let present = resolved_crates(package);
    assert!(
        present.iter().any(|c| c == "rusqlite"),
        "the tree of {package} was not read: {present:?}"
    );
    let wrong: Vec<String> = forbidden
        .iter()
        .filter(|f| present.iter().any(|c| c == *f))
        .filter(|f| !comes_only_through_its_family(package, f))
        .map(|f| {
            let path = cargo_tree(&["-p", package, "-i", f]);
            format!("wrong arrow: {package} → {f}; it comes in through:\n{path}")
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Whether `krate`, where [`ONLY_THROUGH`] names a family for it, is required directly by
/// crates of that family alone.
fn comes_only_through_its_family(package: &str, krate: &str) -> bool {
    let Some((_, family)) = ONLY_THROUGH.iter().find(|(k, _)| *k == krate) else {
        return false;
    };
    let dependents: Vec<String> = cargo_tree(&[
        "-p", package, "-i", krate, "--depth", "1", "--prefix", "none", "--format", "{p}",
    ])
    .lines()
    .skip(1)
    .filter_map(|l| l.split_whitespace().next())
    .map(str::to_string)
    .collect();
    !dependents.is_empty() && dependents.iter().all(|d| d.starts_with(family))
}

#[test]
fn the_engine_depends_on_no_gui_server_or_cli_crate() {
    assert_not_under("quartier-core", NOT_UNDER_THE_ENGINE);
}

#[test]
fn the_server_depends_on_the_engine_and_not_on_the_app() {
    if !workspace_root().join("crates/quartier-server/Cargo.toml").exists() {
        return; // the server crate comes with the publishing issue
    }
    assert_not_under("quartier-server", NOT_UNDER_THE_SERVER);
    assert!(resolved_crates("quartier-server").iter().any(|c| c == "quartier-core"));
}
