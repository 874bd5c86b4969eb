//! Build metadata: the git commit the app is built from, for `quartier --version` and the
//! about dialog (`QUARTIER_GIT_COMMIT`, "unbekannt" outside a git checkout, with "+" when
//! the work tree had changes at build time).

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = git(&["rev-parse", "--short=9", "HEAD"]).filter(|c| !c.is_empty());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"]).is_some_and(|s| !s.is_empty());
    let text = match commit {
        Some(c) if dirty => format!("{c}+"),
        Some(c) => c,
        None => "unbekannt".to_string(),
    };
    println!("cargo:rustc-env=QUARTIER_GIT_COMMIT={text}");
    // Build again when the checked-out commit moves (HEAD, the branch it names, packed refs).
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        let git_dir = Path::new(&git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        println!("cargo:rerun-if-changed={}", git_dir.join("packed-refs").display());
        println!("cargo:rerun-if-changed={}", git_dir.join("index").display());
        if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", git_dir.join(branch).display());
        }
    }
    println!("cargo:rerun-if-changed=assets/icon.png");
}
