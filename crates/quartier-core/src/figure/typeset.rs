//! Typst as a library: a world of one main source and in-memory files (figures as SVG),
//! with the shipped DejaVu fonts only: nothing is read from the system or fetched. PDF
//! pages of figures and the documents of the reports are set here.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

use super::Figure;
use crate::{Error, Result};

/// The family every figure and document is set in.
pub const FONT_FAMILY: &str = "DejaVu Sans";

/// The shipped fonts (DejaVu Sans, regular and bold; licence in `assets/fonts`).
const FONT_FILES: [&[u8]; 2] = [
    include_bytes!("../../../../assets/fonts/DejaVuSans.ttf"),
    include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf"),
];

/// The fonts for resvg (PNG).
pub fn font_database() -> Arc<resvg::usvg::fontdb::Database> {
    static DATABASE: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut db = resvg::usvg::fontdb::Database::new();
            for data in FONT_FILES {
                db.load_font_data(data.to_vec());
            }
            db.set_sans_serif_family(FONT_FAMILY);
            Arc::new(db)
        })
        .clone()
}

/// The fonts and library for Typst, built once.
struct Shared {
    library: LazyHash<Library>,
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let fonts: Vec<Font> = FONT_FILES
            .iter()
            .flat_map(|data| Font::iter(Bytes::new(*data)))
            .collect();
        Shared {
            library: LazyHash::new(Library::default()),
            book: LazyHash::new(FontBook::from_fonts(&fonts)),
            fonts,
        }
    })
}

/// A Typst document: the main source and the files it reads (figures).
pub struct Document {
    main: Source,
    files: HashMap<FileId, Bytes>,
}

fn file_id(path: &str) -> FileId {
    let vpath = VirtualPath::new(format!("/{path}")).unwrap_or_else(|_| {
        // The names are ours ("abb-1.svg"), never the user's; a plain one always parses.
        VirtualPath::new("/datei").unwrap_or_else(|_| unreachable!("a plain path parses"))
    });
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Document {
    /// A document from Typst markup.
    pub fn new(markup: String) -> Self {
        Document {
            main: Source::new(file_id("main.typ"), markup),
            files: HashMap::new(),
        }
    }

    /// Adds a file the markup reads by `name` (e.g. `image("karte.svg")`).
    pub fn add_file(&mut self, name: &str, bytes: Vec<u8>) {
        self.files.insert(file_id(name), Bytes::new(bytes));
    }

    /// Sets the document and writes it as PDF.
    pub fn pdf(&self) -> Result<Vec<u8>> {
        Ok(self.pdf_with_pages()?.0)
    }

    /// Sets the document and writes it as PDF; also returns the number of pages.
    pub fn pdf_with_pages(&self) -> Result<(Vec<u8>, usize)> {
        let compiled = typst::compile::<typst_layout::PagedDocument>(self);
        let document = compiled.output.map_err(|errors| typst_error(&errors))?;
        let pdf =
            typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|errors| typst_error(&errors))?;
        Ok((pdf, document.pages().len()))
    }
}

/// Typst's diagnostics as one internal error: the markup is ours, so an error is a defect.
fn typst_error(errors: &[SourceDiagnostic]) -> Error {
    let messages: Vec<String> = errors.iter().map(|e| e.message.to_string()).collect();
    Error::Internal(format!("Satz des Dokuments fehlgeschlagen: {}", messages.join("; ")))
}

impl World for Document {
    fn library(&self) -> &LazyHash<Library> {
        &shared().library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &shared().book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::NotSource)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .get(&id)
            .cloned()
            .ok_or_else(|| FileError::NotFound(id.get().vpath().get_without_slash().into()))
    }

    fn font(&self, index: usize) -> Option<Font> {
        shared().fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

/// A Typst string literal for `text`.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Typst markup for the page header of an internal document: the marking in red, bold;
/// empty otherwise.
pub fn internal_marking(intern: bool) -> String {
    if intern {
        format!(
            "#text(fill: rgb(\"#b40000\"), weight: \"bold\", size: 8pt)[#{}]",
            string_literal(crate::export::INTERNAL_MARKING)
        )
    } else {
        String::new()
    }
}

/// One page the size of `figure`, the figure on it as vector graphics.
pub fn figure_pdf(figure: &Figure) -> Result<Vec<u8>> {
    let markup = format!(
        "#set document(title: {})\n#set page(width: {w}mm, height: {h}mm, margin: 0pt)\n\
         #image(\"abbildung.svg\", width: {w}mm, height: {h}mm)\n",
        string_literal(&figure.title),
        w = figure.width_mm,
        h = figure.height_mm,
    );
    let mut document = Document::new(markup);
    document.add_file("abbildung.svg", figure.svg.clone().into_bytes());
    document.pdf()
}
