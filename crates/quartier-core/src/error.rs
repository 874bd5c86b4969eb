//! The engine's error type. Every message is German and says where the problem is.

use std::path::PathBuf;

use crate::import::ImportReport;

/// Result of every fallible engine call.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("Datei {path}: {}", io_reason(error))]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// The operating system's error (not a `source`: its English text must not reach
        /// the planner through an error chain; [`io_reason`] says it in German).
        error: std::io::Error,
    },
    /// The SQLite layer failed: an internal error (busy, read-only and damaged files have
    /// their own variants, see the `From` conversion).
    #[error("Datenbankfehler: {0}")]
    Sqlite(rusqlite::Error),
    /// Another process held the write lock longer than the busy timeout.
    #[error(
        "Der Atlas wird gerade von einem anderen Vorgang beschrieben; nach {} s Warten aufgegeben. \
         Es wurde nichts geändert – bitte gleich noch einmal versuchen.",
        crate::store::BUSY_TIMEOUT.as_secs()
    )]
    Busy,
    /// A write to an atlas opened for reading only.
    #[error("{0}; es wurde nichts geändert. Zum Ändern eine beschreibbare Kopie öffnen.")]
    ReadOnly(String),
    /// The file is an atlas (or claims to be) but is damaged.
    #[error("Die Atlasdatei ist beschädigt: {0}. Bitte eine Sicherung öffnen.")]
    Damaged(String),
    /// The path names a folder, a FIFO or a device, not a file.
    #[error("{path} ist keine Datei (sondern ein Ordner, eine Pipe oder ein Gerät)")]
    NotAFile {
        /// The path given.
        path: PathBuf,
    },
    /// The file exists but is not a Quartier atlas.
    #[error("{path} ist keine Quartier-Atlasdatei")]
    NotAnAtlas {
        /// The file that was opened.
        path: PathBuf,
    },
    /// The atlas was written by a newer Quartier.
    #[error(
        "{path} wurde mit einer neueren Quartier-Version geschrieben (Schemaversion {found}, \
         diese Version kennt höchstens {supported}). Bitte Quartier aktualisieren; die Datei bleibt unverändert."
    )]
    NewerSchema {
        /// The file that was opened.
        path: PathBuf,
        /// The schema version found in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// `new` was asked to create a file that already exists.
    #[error("{path} existiert bereits; eine vorhandene Datei wird nicht überschrieben")]
    AlreadyExists {
        /// The file concerned.
        path: PathBuf,
    },
    /// An import found problems; nothing was written.
    #[error("{0}")]
    Import(Box<ImportReport>),
    /// A coordinate reference system could not be recognised.
    #[error("Koordinatenbezugssystem in {source_name} nicht erkannt: {detail}. Mit --crs EPSG:nnnn angeben (unterstützt: {supported})")]
    UnknownCrs {
        /// Where the CRS description came from.
        source_name: String,
        /// What was found.
        detail: String,
        /// The supported codes, for the message.
        supported: String,
    },
    /// A name given by the user does not exist in the atlas.
    #[error("{kind} „{name}“ gibt es in diesem Atlas nicht. {available}")]
    NotFound {
        /// "Ebene", "Zeitraum", "Indikator", …
        kind: &'static str,
        /// What the user asked for.
        name: String,
        /// What exists, for the message.
        available: String,
    },
    /// A request that makes no sense, explained in German.
    #[error("{0}")]
    Invalid(String),
    /// The user cancelled a long operation; nothing was written.
    #[error("Abgebrochen; es wurde nichts geändert")]
    Cancelled,

    /// A bug: a worker thread failed. Not the user's input.
    #[error("Interner Fehler: {0}")]
    Internal(String),
}

impl Error {
    /// True when the error comes from the user's input (exit code 1), false for internal errors (exit code 2).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Error::Sqlite(_) | Error::Internal(_))
    }

    /// A file that could not be read or written.
    pub fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }
}

/// What an operating system error means, in German (the system's own text is English).
pub fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind as K;
    let text = match error.kind() {
        K::NotFound => "nicht gefunden",
        K::PermissionDenied => "keine Berechtigung (Zugriff verweigert)",
        K::AlreadyExists => "existiert bereits",
        K::InvalidData => "Inhalt nicht lesbar (kein Text in UTF-8? Zeichensatz prüfen)",
        K::UnexpectedEof => "endet vorzeitig (abgeschnitten?)",
        K::IsADirectory => "ist ein Ordner, keine Datei",
        K::NotADirectory => "ein Teil des Pfades ist kein Ordner",
        K::StorageFull => "der Datenträger ist voll",
        K::ReadOnlyFilesystem => "das Dateisystem ist schreibgeschützt",
        K::OutOfMemory => "nicht genug Arbeitsspeicher",
        K::Interrupted | K::TimedOut | K::WouldBlock => "der Zugriff wurde unterbrochen; bitte wiederholen",
        K::FileTooLarge => "die Datei ist zu groß",
        K::InvalidFilename | K::InvalidInput => "ungültiger Dateiname oder Pfad",
        _ => "",
    };
    match (text, error.raw_os_error()) {
        ("", Some(code)) => format!("Ein-/Ausgabefehler (Systemfehler {code})"),
        ("", None) => "Ein-/Ausgabefehler".to_string(),
        (text, _) => text.to_string(),
    }
}

impl From<rusqlite::Error> for Error {
    /// Sorts SQLite's failures by what the planner can do about them: wait (busy), use a
    /// writable copy (read-only), open a backup (damaged); everything else is internal.
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
            Some(ErrorCode::ReadOnly) => Error::ReadOnly("Der Atlas ist schreibgeschützt".into()),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                Error::Damaged(crate::store::sqlite_reason(&e))
            }
            _ => Error::Sqlite(e),
        }
    }
}

impl From<ImportReport> for Error {
    fn from(report: ImportReport) -> Self {
        Error::Import(Box::new(report))
    }
}
