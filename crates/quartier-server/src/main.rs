//! `quartier-server serve|add-municipality|rollback`, configured by a TOML file and
//! `QUARTIER_SERVER_*` variables (see the README).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use clap::{Parser, Subcommand};
use quartier_server::{bind, Config, Store};
use std::process::ExitCode;

/// Quartier-Server: nimmt die veröffentlichten Bündel der Kommunen an und liefert sie aus.
#[derive(Debug, Parser)]
#[command(name = "quartier-server", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Startet den Server; die erste Zeile der Ausgabe ist seine Adresse (http://127.0.0.1:PORT).
    Serve {
        /// Konfigurationsdatei (TOML: listen, data_dir, store)
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Legt eine Kommune an; die letzte Zeile der Ausgabe ist ihr Token (nur dieses eine Mal sichtbar).
    AddMunicipality {
        /// Konfigurationsdatei
        #[arg(long)]
        config: Option<PathBuf>,
        /// Kürzel in der Adresse (z. B. berlin)
        #[arg(long)]
        slug: String,
        /// Name der Kommune
        #[arg(long)]
        name: String,
    },
    /// Macht eine frühere Version wieder aktiv (ohne --to: die vorige).
    Rollback {
        /// Konfigurationsdatei
        #[arg(long)]
        config: Option<PathBuf>,
        /// Kürzel der Kommune
        #[arg(long)]
        slug: String,
        /// Version
        #[arg(long)]
        to: Option<i64>,
    },
}

fn main() -> ExitCode {
    let cli = match quartier_cli_german::parse_or_exit::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    match command {
        Command::Serve { config } => {
            let config = Config::load(config.as_deref())?;
            runtime.block_on(async {
                let (address, server) = bind(&config).await?;
                println!("http://{address}");
                std::io::stdout().flush()?;
                server.await?;
                Ok(())
            })
        }
        Command::AddMunicipality { config, slug, name } => {
            let config = Config::load(config.as_deref())?;
            let store = Store::open(&config)?;
            let token = runtime.block_on(store.add_municipality(&slug, &name))?;
            println!("Kommune „{name}“ ({slug}) angelegt. Upload-Token (wird nicht noch einmal angezeigt):");
            println!("{token}");
            Ok(())
        }
        Command::Rollback { config, slug, to } => {
            let config = Config::load(config.as_deref())?;
            let store = Store::open(&config)?;
            let version = runtime.block_on(store.rollback(&slug, to))?;
            println!("„{slug}“: Version {version} ist wieder aktiv");
            Ok(())
        }
    }
}
