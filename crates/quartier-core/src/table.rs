//! Reading CSV and spreadsheet files into a plain grid of cells with their line numbers.
//!
//! CSV: the delimiter (`;`, `,`, tab) is detected from the header line; the encoding is
//! UTF-8 (with or without BOM) or, when the bytes are not valid UTF-8, Windows-1252, as
//! Excel writes it in Germany. Spreadsheets (XLSX, XLS, ODS) are read with calamine.

use std::path::Path;

use calamine::{Data, Reader};

use crate::import::{fail_on_problems, Problem};
use crate::{Error, Result};

/// One cell as read.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCell {
    /// Text, untrimmed.
    Text(String),
    /// A number typed in a spreadsheet.
    Number(f64),
    /// Nothing.
    Empty,
}

impl RawCell {
    /// The cell as text; numbers without a spurious `.0`.
    pub fn as_text(&self) -> String {
        match self {
            RawCell::Text(s) => s.clone(),
            RawCell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            RawCell::Number(n) => format!("{n}"),
            RawCell::Empty => String::new(),
        }
    }
}

/// One data row with the line (CSV) or row number (spreadsheet) a user sees.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// 1-based line number in the file, counting the header.
    pub line: usize,
    /// The cells, as many as there are headers.
    pub cells: Vec<RawCell>,
}

/// A table as read from a file.
#[derive(Debug, Clone)]
pub struct RawTable {
    /// The file name, for messages.
    pub source: String,
    /// Column headers, trimmed.
    pub headers: Vec<String>,
    /// Data rows.
    pub rows: Vec<RawRow>,
    /// What encoding was used (CSV only).
    pub encoding: &'static str,
}

impl RawTable {
    /// Finds a column by header, exactly after trimming or else ignoring case.
    pub fn column(&self, name: &str) -> Option<usize> {
        let n = name.trim();
        self.headers.iter().position(|h| h == n).or_else(|| {
            self.headers
                .iter()
                .position(|h| h.eq_ignore_ascii_case(n) || h.to_lowercase() == n.to_lowercase())
        })
    }

    /// Like [`RawTable::column`], but a German error that lists the available columns.
    pub fn require_column(&self, name: &str, flag: &str) -> Result<usize> {
        self.column(name).ok_or_else(|| {
            Error::Invalid(format!(
                "{}: Spalte „{name}“ ({flag}) nicht gefunden. Vorhandene Spalten: {}",
                self.source,
                self.headers
                    .iter()
                    .map(|h| format!("„{h}“"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
    }
}

/// Reads a CSV, TSV, XLSX, XLS or ODS file. `sheet` picks a worksheet by name (default: the first).
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    match ext.as_str() {
        "xlsx" | "xlsm" | "xls" | "ods" => read_spreadsheet(path, sheet),
        "csv" | "txt" | "tsv" | "tab" => {
            let size = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.len();
            if size > MAX_TEXT_TABLE_BYTES {
                return Err(Error::Invalid(format!(
                    "{}: die Datei ist {} MiB groß; gelesen werden Tabellen bis {} MiB. Bitte aufteilen \
                     (z. B. je Zeitraum eine Datei).",
                    file_name(path),
                    crate::numbers::format_german((size >> 20) as f64, 0),
                    MAX_TEXT_TABLE_BYTES >> 20
                )));
            }
            let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
            read_csv_bytes(&bytes, &file_name(path))
        }
        _ => Err(Error::Invalid(format!(
            "{}: unbekanntes Tabellenformat „.{ext}“ (erwartet .csv, .xlsx, .xls oder .ods)",
            path.display()
        ))),
    }
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// Decodes bytes as UTF-8 (BOM stripped) or, failing that, Windows-1252.
pub fn decode_text(bytes: &[u8]) -> (String, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text.into_owned(), "Windows-1252")
        }
    }
}

/// The delimiter of a CSV text: the one of `;`, tab, `,` and `|` its first line has most of.
pub fn detect_delimiter(text: &str) -> u8 {
    let header_line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    [b';', b'\t', b',', b'|']
        .into_iter()
        .max_by_key(|d| header_line.bytes().filter(|b| b == d).count())
        .unwrap_or(b';')
}

/// Parses CSV bytes, detecting encoding and delimiter.
pub fn read_csv_bytes(bytes: &[u8], source: &str) -> Result<RawTable> {
    let (text, encoding) = decode_text(bytes);
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let mut headers = None;
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            Error::Invalid(format!(
                "{source}: CSV nicht lesbar ({})",
                crate::import::reasons::csv_reason(&e)
            ))
        })?;
        // The csv crate does not count blank lines; count newlines up to the record instead.
        // A record's position may point at the blank lines before it: skip them.
        let line = record
            .position()
            .map(|p| {
                let start = p.byte() as usize;
                let skipped = text
                    .as_bytes()
                    .get(start..)
                    .map_or(0, |rest| rest.iter().take_while(|b| matches!(b, b'\n' | b'\r')).count());
                line_starts.partition_point(|&s| s <= start + skipped)
            })
            .unwrap_or(0);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        match &headers {
            None => headers = Some(record.iter().map(|h| h.trim().to_string()).collect::<Vec<_>>()),
            Some(h) => {
                let mut cells: Vec<RawCell> = record
                    .iter()
                    .map(|c| {
                        if c.trim().is_empty() {
                            RawCell::Empty
                        } else {
                            RawCell::Text(c.to_string())
                        }
                    })
                    .collect();
                if let Some(extra) = cells
                    .get(h.len()..)
                    .and_then(|rest| rest.iter().find(|c| **c != RawCell::Empty))
                {
                    problems.push(Problem::at(
                        line,
                        format!("Feld {}", h.len() + 1),
                        extra.as_text(),
                        format!("{} Felder, aber nur {} Spaltenüberschriften", cells.len(), h.len()),
                    ));
                }
                cells.resize(h.len(), RawCell::Empty);
                rows.push(RawRow { line, cells });
            }
        }
    }
    let headers = headers.ok_or_else(|| Error::Invalid(format!("{source}: die Datei ist leer")))?;
    problems.extend(oversized_cells(&headers, &rows));
    fail_on_problems(source, problems)?;
    Ok(RawTable {
        source: source.to_string(),
        headers,
        rows,
        encoding,
    })
}

fn read_spreadsheet(path: &Path, sheet: Option<&str>) -> Result<RawTable> {
    let source = file_name(path);
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    if ext == "xlsx" || ext == "xlsm" {
        check_xlsx_sizes(path, &source)?;
    }
    let mut workbook = calamine::open_workbook_auto(path).map_err(|e| {
        Error::Invalid(format!(
            "{source}: Arbeitsmappe nicht lesbar: {}",
            crate::import::reasons::spreadsheet_reason(&e)
        ))
    })?;
    let names = workbook.sheet_names();
    let sheet_name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s || n.eq_ignore_ascii_case(s))
            .cloned()
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{source}: Tabellenblatt „{s}“ nicht gefunden. Vorhanden: {}",
                    names.join(", ")
                ))
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| Error::Invalid(format!("{source}: keine Tabellenblätter")))?,
    };
    let range = workbook.worksheet_range(&sheet_name).map_err(|e| {
        Error::Invalid(format!(
            "{source}, Blatt „{sheet_name}“: nicht lesbar: {}",
            crate::import::reasons::spreadsheet_reason(&e)
        ))
    })?;
    let start_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let mut all: Vec<RawRow> = Vec::new();
    for (i, row) in range.rows().enumerate() {
        let cells: Vec<RawCell> = row
            .iter()
            .map(|d| match d {
                Data::Empty => RawCell::Empty,
                Data::String(s) if s.trim().is_empty() => RawCell::Empty,
                Data::String(s) => RawCell::Text(s.clone()),
                Data::Float(f) => RawCell::Number(*f),
                Data::Int(i) => RawCell::Number(*i as f64),
                Data::Bool(b) => RawCell::Text(if *b { "wahr".into() } else { "falsch".into() }),
                // A date is a period ("31.12.2019"), never its serial number ("43830").
                Data::DateTime(dt) if dt.is_datetime() => RawCell::Text(german_date(dt)),
                Data::DateTime(dt) => RawCell::Number(dt.as_f64()),
                Data::DateTimeIso(s) | Data::DurationIso(s) => RawCell::Text(s.clone()),
                Data::Error(e) => RawCell::Text(format!("#{e:?}")),
            })
            .collect();
        if cells.iter().any(|c| *c != RawCell::Empty) {
            all.push(RawRow {
                line: start_row + i + 1,
                cells,
            });
        }
    }
    let (headers, data_start) = detect_header(&all).ok_or_else(|| {
        Error::Invalid(format!(
            "{source}, Blatt „{sheet_name}“: keine Spaltenüberschriften gefunden"
        ))
    })?;
    // Columns right of the last heading: a value there is reported (as in a CSV with more
    // fields than headings), never cut off silently.
    let mut headers = headers;
    let named = headers.iter().rposition(|h| !h.is_empty()).map_or(0, |i| i + 1);
    headers.truncate(named);
    let mut problems = Vec::new();
    let rows: Vec<RawRow> = all
        .into_iter()
        .skip(data_start)
        .map(|mut r| {
            if let Some((column, extra)) = r
                .cells
                .iter()
                .enumerate()
                .skip(named)
                .find(|(_, c)| **c != RawCell::Empty)
            {
                problems.push(Problem::at(
                    r.line,
                    format!("Spalte {}", excel_column(column)),
                    extra.as_text(),
                    format!(
                        "Wert rechts der letzten Spaltenüberschrift („{}“, Spalte {})",
                        headers.last().map_or("", String::as_str),
                        excel_column(named.saturating_sub(1))
                    ),
                ));
            }
            r.cells.resize(named, RawCell::Empty);
            r
        })
        .collect();
    if headers.is_empty() {
        return Err(Error::Invalid(format!(
            "{source}, Blatt „{sheet_name}“: das Blatt ist leer"
        )));
    }
    problems.extend(oversized_cells(&headers, &rows));
    fail_on_problems(&format!("{source}, Blatt „{sheet_name}“"), problems)?;
    Ok(RawTable {
        source,
        headers,
        rows,
        encoding: "XLSX",
    })
}

/// The largest CSV file read (it is read whole, then parsed): 1 GiB, ten times a table of
/// a million rows with thirty columns.
pub const MAX_TEXT_TABLE_BYTES: u64 = 1 << 30;

/// The longest cell text: Excel's own limit (32,767 characters). A cell beyond it is no
/// value of a monitoring table but a damaged or manipulated file.
pub const MAX_CELL_CHARACTERS: usize = 32_767;

/// The longest column heading: it becomes an indicator's name or a POI attribute's name.
pub const MAX_HEADING_CHARACTERS: usize = 256;

/// The largest part of an XLSX (a sheet's or the shared texts' XML) when unpacked: 512 MiB,
/// several times a sheet of a million rows. A sheet padded with 1.2 GB of blanks, or one
/// cell of 1.2 GB, would otherwise be unpacked and parsed in memory (6 GB).
pub const MAX_XLSX_PART_BYTES: u64 = 512 << 20;

/// Headings and cells beyond [`MAX_HEADING_CHARACTERS`] and [`MAX_CELL_CHARACTERS`], as
/// problems (the first ten).
fn oversized_cells(headers: &[String], rows: &[RawRow]) -> Vec<Problem> {
    let heading_problems = headers.iter().enumerate().filter_map(|(i, h)| {
        let n = h.chars().count();
        (n > MAX_HEADING_CHARACTERS).then(|| {
            Problem::at(
                1,
                format!("Spalte {}", i + 1),
                h.as_str(),
                format!("die Spaltenüberschrift ist {n} Zeichen lang; erlaubt sind {MAX_HEADING_CHARACTERS}"),
            )
        })
    });
    let cell_problems = rows.iter().flat_map(|r| {
        r.cells.iter().enumerate().filter_map(move |(c, cell)| match cell {
            RawCell::Text(t) if t.len() > MAX_CELL_CHARACTERS && t.chars().count() > MAX_CELL_CHARACTERS => {
                Some(Problem::at(
                    r.line,
                    headers.get(c).cloned().unwrap_or_default(),
                    t.as_str(),
                    format!(
                        "die Zelle hat {} Zeichen; erlaubt sind {} (wie in Excel)",
                        crate::numbers::format_german(t.chars().count() as f64, 0),
                        crate::numbers::format_german(MAX_CELL_CHARACTERS as f64, 0)
                    ),
                ))
            }
            _ => None,
        })
    });
    heading_problems.chain(cell_problems).take(10).collect()
}

/// The most cells the used range of a sheet may span (rows × columns): the spreadsheet
/// reader holds the range densely, so a single cell at XFD1048576 would ask for 512 GiB.
pub const MAX_SHEET_CELLS: u64 = 20_000_000;

/// The most entries a shared-strings table may announce per byte of its text: every entry
/// takes at least `<si><t/></si>`, so a count beyond size / 10 is false (and the reader would
/// reserve memory for it: `uniqueCount="4294967295"` asked for 103 GB).
const SHARED_STRING_MIN_BYTES: u64 = 10;

/// Checks an XLSX before the spreadsheet reader opens it: the used range of each sheet
/// (its `<dimension>` and every cell reference) and the announced number of shared strings.
/// Refuses, with the limit stated, what would make the reader allocate far more memory than
/// the file could need. Reads the entries as a stream.
fn check_xlsx_sizes(path: &Path, source: &str) -> Result<()> {
    use std::io::Read as _;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        // Not a zip: the reader's own message says what is wrong.
        return Ok(());
    };
    for i in 0..archive.len() {
        let Ok(mut entry) = archive.by_index(i) else { continue };
        let Ok(name) = entry.name().map(|n| n.into_owned()) else {
            continue;
        };
        let sheet = name.starts_with("xl/worksheets/") && name.ends_with(".xml");
        let strings = name == "xl/sharedStrings.xml";
        if !sheet && !strings {
            continue;
        }
        let size = entry.size();
        let too_large = |bytes: u64| {
            Error::Invalid(format!(
                "{source}: der Teil „{name}“ ist entpackt {} MiB groß; gelesen werden höchstens {} MiB je \
                 Tabellenblatt (leere Zeilen, Leerzeichen oder übergroße Zellen entfernen)",
                crate::numbers::format_german((bytes >> 20) as f64, 0),
                MAX_XLSX_PART_BYTES >> 20
            ))
        };
        if size > MAX_XLSX_PART_BYTES {
            return Err(too_large(size));
        }
        let mut scanner = RefScanner::default();
        let mut buffer = vec![0u8; 64 * 1024];
        let mut carry: Vec<u8> = Vec::new();
        let mut head: Vec<u8> = Vec::new();
        let mut unpacked = 0u64;
        loop {
            let n = entry.read(&mut buffer).map_err(|e| Error::io(path, e))?;
            if n == 0 {
                break;
            }
            // The size in the ZIP directory may lie; count what actually comes out.
            unpacked += n as u64;
            if unpacked > MAX_XLSX_PART_BYTES {
                return Err(too_large(unpacked));
            }
            if strings {
                if head.len() < 4096 {
                    head.extend_from_slice(&buffer[..n.min(4096 - head.len())]);
                }
                continue;
            }
            // Cell references may straddle two chunks: keep the tail of the last one.
            carry.extend_from_slice(&buffer[..n]);
            let keep = carry.len().saturating_sub(64);
            scanner.scan(&carry[..keep]);
            carry.drain(..keep);
        }
        if strings {
            let text = String::from_utf8_lossy(&head);
            for attribute in ["uniqueCount=\"", "count=\""] {
                if let Some(count) = text
                    .split(attribute)
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    if count > size / SHARED_STRING_MIN_BYTES + 16 {
                        return Err(Error::Invalid(format!(
                            "{source}: die Tabelle der Texte kündigt {count} Einträge an, hat aber nur Platz für \
                             höchstens {} ({} Bytes); die Datei ist beschädigt oder manipuliert",
                            size / SHARED_STRING_MIN_BYTES,
                            size
                        )));
                    }
                }
            }
            continue;
        }
        scanner.scan(&carry);
        if let Some(reference) = &scanner.beyond {
            return Err(Error::Invalid(format!(
                "{source}, {}: der Zellbezug „{}“ liegt außerhalb der Grenzen eines Tabellenblatts \
                 (höchstens XFD1048576); die Datei ist beschädigt",
                name.trim_start_matches("xl/worksheets/"),
                crate::import::excerpt(reference)
            )));
        }
        if let Some((rows, columns, cell)) = scanner.extent() {
            if rows * columns > MAX_SHEET_CELLS {
                return Err(Error::Invalid(format!(
                    "{source}, {}: der benutzte Bereich reicht bis Zelle {cell} ({rows} Zeilen × {columns} Spalten); \
                     gelesen werden höchstens {} Zellen. Leere Zeilen und Spalten am Rand löschen oder die Tabelle \
                     auf ein eigenes Blatt kopieren.",
                    name.trim_start_matches("xl/worksheets/"),
                    crate::numbers::format_german(MAX_SHEET_CELLS as f64, 0)
                )));
            }
        }
    }
    Ok(())
}

/// Finds the largest row and column among the cell references (`r="B12"`) and the
/// `<dimension ref="A1:XFD1048576"/>` of a sheet's XML.
#[derive(Default)]
struct RefScanner {
    max_row: u64,
    max_column: u64,
    largest: String,
    /// The first reference beyond the limits of a sheet (XFD1048576).
    beyond: Option<String>,
}

/// Rows and columns of an Excel sheet (XFD1048576).
const SHEET_ROWS: u64 = 1_048_576;
const SHEET_COLUMNS: u64 = 16_384;

impl RefScanner {
    fn scan(&mut self, bytes: &[u8]) {
        for pattern in [&b" r=\""[..], &b"ref=\""[..]] {
            let mut at = 0;
            while let Some(found) = find(&bytes[at..], pattern) {
                let start = at + found + pattern.len();
                let end = bytes[start..]
                    .iter()
                    .position(|b| *b == b'"')
                    .map_or(bytes.len(), |e| start + e);
                for reference in bytes[start..end].split(|b| *b == b':') {
                    self.note(reference);
                }
                at = end.min(bytes.len());
                if at >= bytes.len() {
                    break;
                }
            }
        }
    }

    fn note(&mut self, reference: &[u8]) {
        // A run of more than 3 letters or 7 digits anywhere overflows the reader's
        // arithmetic, whatever the rest of the reference is ("999999999999999999999I5").
        let longest = |alike: fn(&u8) -> bool| reference.split(|b| !alike(b)).map(<[u8]>::len).max().unwrap_or(0);
        if longest(u8::is_ascii_alphabetic) > 3 || longest(u8::is_ascii_digit) > 7 {
            self.beyond
                .get_or_insert_with(|| String::from_utf8_lossy(reference).into_owned());
            return;
        }
        // Letters in either case (the reader takes both), then digits.
        let letters = reference.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let digits = &reference[letters..];
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return;
        }
        if letters == 0 {
            // A row number (`<row r="12">`): the reader overflows on one beyond u32 as well.
            let row = std::str::from_utf8(digits).ok().and_then(|d| d.parse::<u64>().ok());
            if row.is_none_or(|r| r > SHEET_ROWS) {
                self.beyond
                    .get_or_insert_with(|| String::from_utf8_lossy(reference).into_owned());
            }
            return;
        }
        // Beyond XFD1048576 in letters or digits: the reader's arithmetic overflows on such
        // a reference (calamine 0.38, xlsx/mod.rs:3112: "attempt to multiply with overflow").
        if letters > 3 || digits.len() > 7 {
            self.beyond
                .get_or_insert_with(|| String::from_utf8_lossy(reference).into_owned());
            return;
        }
        let column = reference[..letters]
            .iter()
            .fold(0u64, |n, b| n * 26 + u64::from(b.to_ascii_uppercase() - b'A' + 1));
        let row: u64 = std::str::from_utf8(digits)
            .ok()
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        if row > SHEET_ROWS || column > SHEET_COLUMNS {
            self.beyond
                .get_or_insert_with(|| String::from_utf8_lossy(reference).into_owned());
            return;
        }
        if row > self.max_row || column > self.max_column {
            self.max_row = self.max_row.max(row);
            self.max_column = self.max_column.max(column);
            self.largest = String::from_utf8_lossy(reference).into_owned();
        }
    }

    /// Rows, columns and the reference that reached furthest.
    fn extent(&self) -> Option<(u64, u64, String)> {
        (self.max_row > 0).then(|| (self.max_row, self.max_column, self.largest.clone()))
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The letters of a spreadsheet column (0 → A, 26 → AA), as the planner sees them in Excel.
fn excel_column(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// An Excel date as a German date ("31.12.2019"), with the time where there is one.
fn german_date(dt: &calamine::ExcelDateTime) -> String {
    let (y, m, d, hh, mm, ..) = dt.to_ymd_hms_milli();
    if hh == 0 && mm == 0 {
        format!("{d:02}.{m:02}.{y:04}")
    } else {
        format!("{d:02}.{m:02}.{y:04} {hh:02}:{mm:02}")
    }
}

/// Finds the header of a spreadsheet: title rows and description rows are common above the data.
///
/// The first data row is the first row with at least two numbers that make up most of its
/// cells after the first. Above it, the header is the row with the most labels (the first
/// of equals); a column without a label there takes the nearest label above it.
/// Returns the headers and the index of the first data row.
fn detect_header(rows: &[RawRow]) -> Option<(Vec<String>, usize)> {
    let is_data = |r: &RawRow| {
        let rest: Vec<&RawCell> = r.cells.iter().skip(1).filter(|c| **c != RawCell::Empty).collect();
        let numbers = rest.iter().filter(|c| matches!(c, RawCell::Number(_))).count();
        numbers >= 2 && numbers * 2 >= rest.len()
    };
    let first_data = rows.iter().position(is_data).unwrap_or(rows.len().min(1));
    if first_data == 0 {
        // No numeric rows, or numbers right at the top: the first row is the header.
        let first = rows.first()?;
        return Some((first.cells.iter().map(|c| c.as_text().trim().to_string()).collect(), 1));
    }
    let block = &rows[..first_data];
    let labels = |r: &RawRow| r.cells.iter().filter(|c| matches!(c, RawCell::Text(_))).count();
    let best = (0..block.len()).max_by_key(|i| (labels(&block[*i]), std::cmp::Reverse(*i)))?;
    let width = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let headers = (0..width)
        .map(|c| {
            let at = |r: &RawRow| {
                r.cells
                    .get(c)
                    .map(|x| x.as_text().trim().to_string())
                    .filter(|t| !t.is_empty())
            };
            at(&block[best])
                .or_else(|| block[..best].iter().rev().find_map(at))
                .unwrap_or_default()
        })
        .collect();
    Some((headers, first_data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_1252_csv_with_umlauts_and_semicolons() {
        let bytes = b"Schl\xfcssel;Name;Wert\n01;K\xf6penick;1,5\n";
        let t = read_csv_bytes(bytes, "t.csv").unwrap();
        assert_eq!(t.encoding, "Windows-1252");
        assert_eq!(t.headers, ["Schlüssel", "Name", "Wert"]);
        assert_eq!(t.rows[0].cells[1], RawCell::Text("Köpenick".into()));
        assert_eq!(t.rows[0].line, 2);
    }

    #[test]
    fn utf8_bom_and_comma_delimiter() {
        let t = read_csv_bytes("\u{feff}id,name\n1,Mitte\n\n2,Süd\n".as_bytes(), "t.csv").unwrap();
        assert_eq!(t.headers, ["id", "name"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(
            t.rows[1].line, 4,
            "line numbers count blank lines as the user sees them"
        );
    }

    #[test]
    fn rows_with_extra_fields_are_all_reported_with_line_and_value() {
        let err = read_csv_bytes(b"id;wert\n01;1\n02;2;;9\n03;3\n04;4;x\n05;5;\n", "t.csv").unwrap_err();
        let Error::Import(report) = err else {
            panic!("expected a report, got {err}")
        };
        let found: Vec<(Option<usize>, Option<&str>)> =
            report.problems.iter().map(|p| (p.row, p.value.as_deref())).collect();
        assert_eq!(found, [(Some(3), Some("9")), (Some(5), Some("x"))]);
        assert!(report.problems[0]
            .reason
            .contains("4 Felder, aber nur 2 Spaltenüberschriften"));
    }
}
