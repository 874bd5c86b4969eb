//! clap in German for both of Quartier's command lines (`quartier` and `quartier-server`):
//! help headings, the help and version flags, defaults and possible values in the help text,
//! and every usage error, so that no English text of the library reaches the user. A usage
//! error exits with code 1 like every other bad input.

use std::error::Error as _;
use std::io::Write as _;
use std::process::ExitCode;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory, Parser};

/// The help layout with German headings (clap's own says "Usage:").
const HELP_TEMPLATE: &str = "{before-help}{about-with-newline}\nAufruf: {usage}\n\n{all-args}{after-help}";

/// The outcome of parsing: the arguments, or what to print and the exit code.
pub enum Parsed<C> {
    /// Arguments to run.
    Run(Box<C>),
    /// Help or version (stdout, exit 0) or a usage error (stderr, exit 1).
    Exit {
        /// The text, complete.
        text: String,
        /// Whether it goes to stderr.
        to_stderr: bool,
        /// The exit code.
        code: u8,
    },
}

/// The clap tree of `C` with German texts.
pub fn command<C: CommandFactory>() -> Command {
    germanise(C::command(), true)
}

/// Parses the process's arguments into `C`; prints help, version or a usage error and returns
/// the exit code where there is nothing to run.
pub fn parse_or_exit<C: Parser>() -> Result<C, ExitCode> {
    match parse_from::<C, _, _>(std::env::args_os()) {
        Parsed::Run(cli) => Ok(*cli),
        Parsed::Exit { text, to_stderr, code } => {
            let _ = if to_stderr {
                std::io::stderr().write_all(text.as_bytes())
            } else {
                std::io::stdout().write_all(text.as_bytes())
            };
            Err(ExitCode::from(code))
        }
    }
}

/// Parses the given arguments (the first is the program name).
pub fn parse_from<C, I, T>(args: I) -> Parsed<C>
where
    C: Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let mut cmd = command::<C>();
    let program = cmd.get_name().to_string();
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut m| C::from_arg_matches_mut(&mut m));
    match parsed {
        Ok(cli) => Parsed::Run(Box::new(cli)),
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => Parsed::Exit {
                text: german_usage(&e.render().to_string()),
                to_stderr: false,
                code: 0,
            },
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => Parsed::Exit {
                text: german_usage(&e.render().to_string()),
                to_stderr: true,
                code: 1,
            },
            _ => Parsed::Exit {
                text: message(&e, &program),
                to_stderr: true,
                code: 1,
            },
        },
    }
}

/// clap writes the placeholder for options into usage lines in English.
fn german_usage(text: &str) -> String {
    text.replace("[OPTIONS]", "[OPTIONEN]")
}

fn germanise(cmd: Command, root: bool) -> Command {
    let mut cmd = cmd
        .help_template(HELP_TEMPLATE)
        .subcommand_help_heading("Befehle")
        .subcommand_value_name("BEFEHL")
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(
            Arg::new("help")
                .short('h')
                .long("help")
                .action(ArgAction::Help)
                .help("Diese Hilfe zeigen")
                .help_heading("Optionen"),
        );
    if root {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help("Version zeigen")
                .help_heading("Optionen"),
        );
    }
    cmd = cmd.mut_args(|arg| {
        let heading = if arg.is_positional() { "Argumente" } else { "Optionen" };
        let mut extra = Vec::new();
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if !values.is_empty() && arg.get_action().takes_values() {
            extra.push(format!("möglich: {}", values.join(", ")));
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().to_string())
            .collect();
        if !defaults.is_empty() && arg.get_action().takes_values() {
            extra.push(format!("Standard: {}", defaults.join(",")));
        }
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        let help = if extra.is_empty() {
            help
        } else {
            format!("{help} ({})", extra.join("; "))
        };
        let arg = arg.help_heading(heading).help(help);
        if arg.get_action().takes_values() {
            arg.hide_possible_values(true).hide_default_value(true)
        } else {
            arg
        }
    });
    let subcommands: Vec<Command> = cmd.get_subcommands().cloned().collect();
    for sub in subcommands {
        let name = sub.get_name().to_string();
        let german = germanise(sub, false);
        cmd = cmd.mut_subcommand(name, |_| german);
    }
    cmd
}

fn strings(e: &clap::Error, kind: ContextKind) -> Vec<String> {
    match e.get(kind) {
        Some(ContextValue::String(s)) => vec![s.clone()],
        Some(ContextValue::Strings(v)) => v.clone(),
        Some(ContextValue::StyledStr(s)) => vec![s.to_string()],
        Some(ContextValue::StyledStrs(v)) => v.iter().map(|s| s.to_string()).collect(),
        Some(ContextValue::Number(n)) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

fn first(e: &clap::Error, kind: ContextKind) -> String {
    strings(e, kind).into_iter().next().unwrap_or_default()
}

fn quoted(list: &[String]) -> String {
    list.iter().map(|s| format!("„{s}“")).collect::<Vec<_>>().join(", ")
}

/// A usage error of `program` in German: what is wrong, a suggestion where clap has one, and
/// the usage line.
pub fn message(e: &clap::Error, program: &str) -> String {
    let arg = first(e, ContextKind::InvalidArg);
    let value = first(e, ContextKind::InvalidValue);
    let mut text = match e.kind() {
        ErrorKind::UnknownArgument => format!("Unbekannte Option „{arg}“"),
        ErrorKind::InvalidSubcommand => format!(
            "Unbekannter Befehl {}",
            quoted(&[first(e, ContextKind::InvalidSubcommand)])
        ),
        ErrorKind::MissingRequiredArgument => {
            format!("Es fehlt: {}", strings(e, ContextKind::InvalidArg).join(", "))
        }
        ErrorKind::MissingSubcommand => "Es fehlt ein Befehl".to_string(),
        ErrorKind::InvalidValue if value.is_empty() => format!("{arg} braucht einen Wert"),
        ErrorKind::InvalidValue => {
            let valid = strings(e, ContextKind::ValidValue);
            format!(
                "Ungültiger Wert „{value}“ für {arg}{}",
                if valid.is_empty() {
                    String::new()
                } else {
                    format!("; möglich: {}", valid.join(", "))
                }
            )
        }
        ErrorKind::ValueValidation => {
            let why = match e.source() {
                Some(s) if s.downcast_ref::<std::num::ParseFloatError>().is_some() => "keine Zahl".to_string(),
                Some(s) if s.downcast_ref::<std::num::ParseIntError>().is_some() => "keine ganze Zahl".to_string(),
                Some(s) => s.to_string(),
                None => "ungültig".to_string(),
            };
            format!("Ungültiger Wert „{value}“ für {arg}: {why}")
        }
        ErrorKind::ArgumentConflict => {
            let prior = strings(e, ContextKind::PriorArg);
            if prior.is_empty() {
                format!("{arg} darf nur einmal angegeben werden")
            } else {
                format!("{arg} und {} schließen sich aus", prior.join(", "))
            }
        }
        ErrorKind::TooManyValues => format!("Zu viele Werte für {arg}: „{value}“"),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => format!(
            "Falsche Zahl von Werten für {arg}: {} statt {}",
            first(e, ContextKind::ActualNumValues),
            first(e, ContextKind::ExpectedNumValues)
        ),
        ErrorKind::NoEquals => format!("{arg} braucht „=“ vor dem Wert"),
        ErrorKind::InvalidUtf8 => "Ein Argument ist kein gültiges UTF-8".to_string(),
        _ => "Die Argumente passen nicht zum Befehl".to_string(),
    };
    let suggestions: Vec<String> = [
        ContextKind::SuggestedArg,
        ContextKind::SuggestedSubcommand,
        ContextKind::SuggestedValue,
    ]
    .into_iter()
    .flat_map(|k| strings(e, k))
    .collect();
    if !suggestions.is_empty() {
        text.push_str(&format!("; meinten Sie {}?", quoted(&suggestions)));
    }
    let trailing = first(e, ContextKind::TrailingArg);
    if e.kind() == ErrorKind::UnknownArgument && !trailing.is_empty() {
        text.push_str(&format!("; „{trailing}“ als Wert: „-- {trailing}“ schreiben"));
    }
    let usage = first(e, ContextKind::Usage);
    let usage = german_usage(usage.trim().trim_start_matches("Usage:").trim());
    if usage.is_empty() {
        format!("Fehler: {text}\n\nHilfe: {program} --help\n")
    } else {
        format!("Fehler: {text}\n\nAufruf: {usage}\nHilfe: mit --help\n")
    }
}
