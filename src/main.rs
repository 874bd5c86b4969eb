//! `quartier`: the desktop app, and with a verb, the command line.

use quartier::{app, cli};

use std::process::ExitCode;

fn main() -> ExitCode {
    quiet_on_closed_pipe();
    let command = match quartier_cli_german::parse_or_exit::<cli::Cli>() {
        Ok(cli) => cli.command,
        Err(code) => return code,
    };
    let result = match command {
        None => app::run_last_or_sample(),
        Some(command) => cli::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let core = e.chain().find_map(|c| c.downcast_ref::<quartier_core::Error>());
            let json_problems = match core {
                Some(quartier_core::Error::Import(report)) if std::env::args().any(|a| a == "--json") => Some(report),
                _ => None,
            };
            if let Some(report) = json_problems {
                let out =
                    serde_json::json!({ "error": "import_failed", "file": report.file, "problems": report.problems });
                println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
            }
            eprintln!(
                "Fehler: {}",
                e.chain()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(": ")
                    .trim_end()
            );
            match core {
                Some(err) if !err.is_user_error() => ExitCode::from(2),
                Some(_) => ExitCode::from(1),
                None if e.chain().any(|c| c.downcast_ref::<std::io::Error>().is_some()) => ExitCode::from(1),
                None => ExitCode::from(2),
            }
        }
    }
}

/// `quartier … | head` closes stdout early; like other Unix tools, stop quietly then instead
/// of reporting a panic (`println!` panics on a closed pipe, and `unsafe` to reset SIGPIPE is
/// not allowed here).
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.contains("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
