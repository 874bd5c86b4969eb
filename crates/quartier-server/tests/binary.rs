//! The binary's contract: `add-municipality` prints the token alone on its last line,
//! `serve` prints its address as its first line, and the configuration comes from the file
//! and the environment.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

#[test]
fn add_municipality_prints_the_token_and_serve_its_address() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata_dir = \"{}\"\n",
            dir.path().join("daten").display()
        ),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_quartier-server"))
        .args([
            "add-municipality",
            "--config",
            config.to_str().unwrap(),
            "--slug",
            "berlin",
            "--name",
            "Berlin",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let token = text.lines().last().unwrap();
    assert_eq!(token.len(), 64);
    assert!(token.chars().all(|c| c.is_ascii_hexdigit()));
    // The token is stored hashed, never as it is.
    let stored = std::fs::read_to_string(dir.path().join("daten/municipalities/berlin.json")).unwrap();
    assert!(stored.contains("$argon2"), "{stored}");
    assert!(!stored.contains(token));
    // A second municipality of the same slug is refused in German.
    let again = Command::new(env!("CARGO_BIN_EXE_quartier-server"))
        .args([
            "add-municipality",
            "--config",
            config.to_str().unwrap(),
            "--slug",
            "berlin",
            "--name",
            "Berlin",
        ])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("gibt es schon"));

    // The environment overrides the file's port.
    let mut server = Command::new(env!("CARGO_BIN_EXE_quartier-server"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .env("QUARTIER_SERVER_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:") && !url.ends_with(":0"), "{url}");
    let port: u16 = url.rsplit(':').next().unwrap().parse().unwrap();
    let connected = std::net::TcpStream::connect(("127.0.0.1", port));
    server.kill().unwrap();
    let _ = server.wait();
    assert!(connected.is_ok());
}

#[test]
fn help_and_usage_errors_are_german() {
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_quartier-server"))
            .args(args)
            .output()
            .unwrap()
    };
    let help = run(&["rollback", "--help"]);
    assert!(help.status.success());
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("Aufruf: quartier-server rollback"), "{text}");
    assert!(
        text.contains("Optionen:") && text.contains("Diese Hilfe zeigen"),
        "{text}"
    );
    for english in ["Usage", "Options", "Print help"] {
        assert!(!text.contains(english), "{english} in: {text}");
    }
    let top = String::from_utf8(run(&["--help"]).stdout).unwrap();
    assert!(top.contains("Befehle:") && top.contains("add-municipality"), "{top}");

    let wrong = run(&["rollback", "--slug", "berlin", "--too", "3"]);
    assert_eq!(wrong.status.code(), Some(1));
    let err = String::from_utf8(wrong.stderr).unwrap();
    assert!(err.contains("Unbekannte Option „--too“"), "{err}");
    assert!(err.contains("meinten Sie „--to“?"), "{err}");
    assert!(err.contains("Aufruf: quartier-server rollback"), "{err}");
    let missing = String::from_utf8(run(&["add-municipality", "--slug", "x"]).stderr).unwrap();
    assert!(missing.contains("Es fehlt: --name"), "{missing}");
}
