//! Reading numbers as German statistical offices write them.
//!
//! Decimal comma or point, `.` or space as thousands separator, and the signs of the
//! official *Zeichenerklärung* of the statistical offices:
//!
//! | sign | meaning | becomes |
//! |---|---|---|
//! | `–`, `-` | nichts vorhanden | the value 0 with the sign kept ([`DashMeaning`] switches) |
//! | `.` | unknown or secret | suppressed ("k. A.") |
//! | `...`, `…` | not yet available | missing |
//! | `/` | not reliable enough | suppressed |
//! | `x` | not meaningful | not applicable |
//! | `(1.234)` | limited reliability | the number, flagged |
//! | `1.234 p`, `r`, `s` | provisional, revised, estimated | the number, flagged |
//!
//! A missing, suppressed or not-meaningful value is never a zero.

use crate::model::{ValueFlag, ValueStatus};

/// How decimals are written in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum DecimalSeparator {
    /// `1.234,5` (German)
    Comma,
    /// `1,234.5` or `1234.5` (English, most open-data exports)
    Point,
}

/// One cell after interpretation.
#[derive(Debug, Clone, PartialEq)]
pub enum ParsedCell {
    /// A number.
    Number(f64),
    /// A marker for a value that is not there; `marker` is the text as written.
    Marker {
        /// What the marker means.
        status: ValueStatus,
        /// The marker as written in the file.
        marker: String,
    },
    /// A number with a sign of official statistics ("–" is the number 0).
    Flagged {
        /// The number.
        value: f64,
        /// The sign.
        flag: ValueFlag,
    },
    /// Text that is neither a number nor a marker.
    Text(String),
}

/// What a lone dash (`–`, `-`, `—`) means in a file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DashMeaning {
    /// *Nichts vorhanden*: exactly zero, as in the tables of the statistical offices.
    #[default]
    Zero,
    /// No data: some municipal files use the dash so (`--dash missing`).
    Missing,
}

/// What the import made of a sign (a key of the import report's `signs`), in German.
pub fn describe_sign(sign: &str, dash: DashMeaning) -> &'static str {
    match sign {
        "–" if dash == DashMeaning::Zero => "nichts vorhanden → 0",
        "–" => "als fehlend gelesen (--dash missing)",
        "." => "unbekannt oder geheim → k. A.",
        "…" => "noch nicht verfügbar → fehlt",
        "/" => "nicht sicher genug → k. A.",
        "x" => "nicht sinnvoll → x",
        "k. A." | "*" | "(.)" | "geheim" => "keine Angabe → k. A.",
        "( )" => "Aussagewert eingeschränkt → Zahl mit Zeichen",
        "p" => "vorläufig → Zahl mit Zeichen",
        "r" => "berichtigt → Zahl mit Zeichen",
        "s" => "geschätzt → Zahl mit Zeichen",
        "leer" => "leere Zelle → fehlt",
        _ => "→ fehlt",
    }
}

/// Whether a cell is a lone dash.
pub fn is_dash(text: &str) -> bool {
    matches!(text.trim(), "-" | "–" | "—" | "‒" | "−")
}

/// The sign a marker stands for, for the import report: "–", ".", "…", "/", "x", "k. A." or
/// the marker as written.
pub fn sign_of_marker(marker: &str) -> String {
    let compact: String = marker
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    match compact.as_str() {
        "" => "leer".to_string(),
        _ if is_dash(marker) => "–".to_string(),
        "..." | "…" => "…".to_string(),
        "k.a." | "k.a" | "ka" => "k. A.".to_string(),
        _ => marker.trim().to_string(),
    }
}

/// Interprets a marker cell, or returns `None` when the text is not a marker.
///
/// ```
/// use quartier_core::numbers::marker_status;
/// use quartier_core::model::ValueStatus;
/// assert_eq!(marker_status("k. A."), Some(ValueStatus::Suppressed));
/// assert_eq!(marker_status(" … "), Some(ValueStatus::Missing));
/// assert_eq!(marker_status("/"), Some(ValueStatus::Suppressed));
/// assert_eq!(marker_status("x"), Some(ValueStatus::NotApplicable));
/// assert_eq!(marker_status("–"), None, "a dash is a number: zero (see parse_cell)");
/// assert_eq!(marker_status("12"), None);
/// ```
pub fn marker_status(text: &str) -> Option<ValueStatus> {
    let t = text.trim();
    // No marker starts with a digit; numbers, the common case, need no allocation here.
    if t.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let compact: String = t
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    match compact.as_str() {
        "" | "..." | "…" | "na" | "n/a" | "nan" => Some(ValueStatus::Missing),
        "k.a." | "k.a" | "ka" | "." | "*" | "(.)" | "geheim" | "/" => Some(ValueStatus::Suppressed),
        "x" => Some(ValueStatus::NotApplicable),
        _ => None,
    }
}

/// Parses one text cell with a known decimal separator, a dash meaning zero.
///
/// ```
/// use quartier_core::numbers::{parse_cell, DecimalSeparator, ParsedCell};
/// use quartier_core::model::ValueFlag;
/// assert_eq!(parse_cell(" 1 675    ", DecimalSeparator::Comma), ParsedCell::Number(1675.0));
/// assert_eq!(parse_cell("1.234,5", DecimalSeparator::Comma), ParsedCell::Number(1234.5));
/// assert_eq!(parse_cell("-  23", DecimalSeparator::Comma), ParsedCell::Number(-23.0));
/// assert_eq!(parse_cell("2.7978", DecimalSeparator::Point), ParsedCell::Number(2.7978));
/// assert!(matches!(parse_cell(".", DecimalSeparator::Comma), ParsedCell::Marker { .. }));
/// assert_eq!(parse_cell("–", DecimalSeparator::Comma), ParsedCell::Flagged { value: 0.0, flag: ValueFlag::Nothing });
/// assert_eq!(parse_cell("(1.234)", DecimalSeparator::Comma), ParsedCell::Flagged { value: 1234.0, flag: ValueFlag::Uncertain });
/// assert_eq!(parse_cell("12,5 p", DecimalSeparator::Comma), ParsedCell::Flagged { value: 12.5, flag: ValueFlag::Provisional });
/// ```
pub fn parse_cell(text: &str, decimal: DecimalSeparator) -> ParsedCell {
    parse_cell_with(text, decimal, DashMeaning::Zero)
}

/// Parses one text cell with a known decimal separator and meaning of a lone dash.
pub fn parse_cell_with(text: &str, decimal: DecimalSeparator, dash: DashMeaning) -> ParsedCell {
    let t = text.trim();
    if is_dash(t) {
        return match dash {
            DashMeaning::Zero => ParsedCell::Flagged {
                value: 0.0,
                flag: ValueFlag::Nothing,
            },
            DashMeaning::Missing => ParsedCell::Marker {
                status: ValueStatus::Missing,
                marker: t.to_string(),
            },
        };
    }
    if let Some(status) = marker_status(t) {
        return ParsedCell::Marker {
            status,
            marker: t.to_string(),
        };
    }
    if let Some(n) = parse_number(t, decimal) {
        return ParsedCell::Number(n);
    }
    if let Some(inner) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        if let Some(value) = parse_number(inner, decimal) {
            return ParsedCell::Flagged {
                value,
                flag: ValueFlag::Uncertain,
            };
        }
    }
    for flag in [ValueFlag::Provisional, ValueFlag::Revised, ValueFlag::Estimated] {
        if let Some(number) = t.strip_suffix(flag.code()) {
            // "12 p" and "12p"; a number must be there ("p" alone is text).
            if number.trim_end().ends_with(|c: char| c.is_ascii_digit() || c == ')') {
                match parse_cell_with(number, decimal, dash) {
                    ParsedCell::Number(value) => return ParsedCell::Flagged { value, flag },
                    // "(12) p": one sign per value; the letter wins (the cell stays in the note).
                    ParsedCell::Flagged { value, .. } => return ParsedCell::Flagged { value, flag },
                    _ => {}
                }
            }
        }
    }
    ParsedCell::Text(t.to_string())
}

/// Parses a number, or `None`. Spaces (also non-breaking) are thousands separators.
pub fn parse_number(text: &str, decimal: DecimalSeparator) -> Option<f64> {
    // Fast path without allocation: digits with at most one decimal separator and a sign.
    let t = text.trim();
    let sep = match decimal {
        DecimalSeparator::Comma => b',',
        DecimalSeparator::Point => b'.',
    };
    let b = t.as_bytes();
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    if !digits.is_empty()
        && digits[0].is_ascii_digit()
        && digits.iter().all(|c| c.is_ascii_digit() || *c == sep)
        && digits.iter().filter(|c| **c == sep).count() <= 1
        && *digits.last().unwrap_or(&0) != sep
    {
        // The decimal comma becomes a point in a stack buffer: no allocation per cell.
        let mut buf = [0u8; 64];
        let parsed = match b.len() {
            n if sep == b',' && n <= buf.len() => {
                for (to, from) in buf.iter_mut().zip(b) {
                    *to = if *from == b',' { b'.' } else { *from };
                }
                std::str::from_utf8(&buf[..n]).ok().and_then(|s| s.parse::<f64>().ok())
            }
            _ if sep == b',' => t.replacen(',', ".", 1).parse::<f64>().ok(),
            _ => t.parse::<f64>().ok(),
        };
        return parsed.filter(|v| v.is_finite());
    }
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\'')
        .collect();
    if s.is_empty() {
        return None;
    }
    // A trailing percent sign is common in exported shares.
    if let Some(stripped) = s.strip_suffix('%') {
        s = stripped.to_string();
    }
    // Unicode minus and en dash as sign.
    if let Some(rest) = s.strip_prefix(['−', '–']) {
        s = format!("-{rest}");
    }
    let normalised = match decimal {
        DecimalSeparator::Comma => {
            if !valid_grouping(&s, '.') {
                return None;
            }
            s.replace('.', "").replace(',', ".")
        }
        DecimalSeparator::Point => {
            if !valid_grouping(&s, ',') {
                return None;
            }
            s.replace(',', "")
        }
    };
    let bytes = normalised.as_bytes();
    let plausible = bytes
        .iter()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !plausible || !bytes.iter().any(u8::is_ascii_digit) {
        return None;
    }
    normalised.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A thousands separator must group exactly three digits (`1.234.567`), or it is not one.
fn valid_grouping(s: &str, thousands: char) -> bool {
    if !s.contains(thousands) {
        return true;
    }
    let decimal_char = if thousands == '.' { ',' } else { '.' };
    let int_part = s.split(decimal_char).next().unwrap_or("");
    let int_part = int_part.trim_start_matches(['-', '+']);
    let groups: Vec<&str> = int_part.split(thousands).collect();
    groups.len() > 1 && !groups[0].is_empty() && groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)
}

/// Decides the decimal separator of a file from its cells.
///
/// A comma between digits is German evidence; a point followed by other than exactly
/// three digits (`2.7978`, `3384.0`) is English evidence. With no evidence either way
/// the German convention holds, since `1.234` in a German table means 1234.
pub fn detect_decimal_separator<'a>(cells: impl IntoIterator<Item = &'a str>) -> DecimalSeparator {
    let (mut comma, mut point) = (0usize, 0usize);
    for cell in cells {
        let t: std::borrow::Cow<str> = if cell.contains(char::is_whitespace) {
            cell.chars().filter(|c| !c.is_whitespace()).collect::<String>().into()
        } else {
            cell.into()
        };
        if t.is_empty() || marker_status(&t).is_some() {
            continue;
        }
        if !t
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+' | '%'))
        {
            continue;
        }
        if let Some(pos) = t.rfind(',') {
            let after = &t[pos + 1..];
            if !after.is_empty() && after.chars().all(|c| c.is_ascii_digit()) && (after.len() != 3 || t.contains('.')) {
                comma += 1;
                continue;
            }
        }
        if let Some(pos) = t.rfind('.') {
            let after = t[pos + 1..].trim_end_matches('%');
            if !after.is_empty() && after.chars().all(|c| c.is_ascii_digit()) && (after.len() != 3 || t.contains(',')) {
                point += 1;
            }
        }
    }
    if point > comma {
        DecimalSeparator::Point
    } else {
        DecimalSeparator::Comma
    }
}

/// Formats a number in German notation with the given decimals: `1.234,50`.
///
/// ```
/// assert_eq!(quartier_core::numbers::format_german(1234.5, 2), "1.234,50");
/// assert_eq!(quartier_core::numbers::format_german(-0.26, 1), "-0,3");
/// // Whole numbers take a fast path with the same output.
/// assert_eq!(quartier_core::numbers::format_german(3_419_000.0, 0), "3.419.000");
/// assert_eq!(quartier_core::numbers::format_german(-5.0, 2), "-5,00");
/// assert_eq!(quartier_core::numbers::format_german(-0.0, 1), "0,0");
/// ```
pub fn format_german(value: f64, decimals: usize) -> String {
    // Whole numbers (counts, populations) skip the float formatter's exact mode, which is slow.
    let s = if value.fract() == 0.0 && value.abs() < 1e15 {
        let int = (value.abs() as u64).to_string();
        if decimals == 0 {
            int
        } else {
            format!("{int}.{}", "0".repeat(decimals))
        }
    } else {
        format!("{:.*}", decimals, value.abs())
    };
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let negative = value < 0.0 && s.bytes().any(|c| c.is_ascii_digit() && c != b'0');
    // One string of the final length: sign, digits with a point every three, comma, decimals.
    let mut out = String::with_capacity(1 + int.len() + int.len() / 3 + 1 + frac.len());
    if negative {
        out.push('-');
    }
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    if !frac.is_empty() {
        out.push(',');
        out.push_str(frac);
    }
    out
}

/// A number in German notation, or "k. A." where there is none (missing, suppressed, not
/// meaningful): the one rule for every optional figure that tables, maps and the CLI show.
///
/// ```
/// use quartier_core::numbers::format_german_or_no_data;
/// assert_eq!(format_german_or_no_data(Some(1234.5), 1), "1.234,5");
/// assert_eq!(format_german_or_no_data(None, 1), "k. A.");
/// ```
pub fn format_german_or_no_data(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| NO_DATA.to_string(), |v| format_german(v, decimals))
}

/// The sign for a figure that is not there or not shown ("keine Angabe").
pub const NO_DATA: &str = "k. A.";

/// How many decimals a number needs to be shown as it was written, at most four: the digits
/// after the point of its shortest exact representation. Imports give a new indicator the
/// largest of its values, so counts show "6.250", not "6.250,0", and "9,75" is not rounded.
///
/// ```
/// use quartier_core::numbers::decimals_needed;
/// assert_eq!(decimals_needed(6250.0), 0);
/// assert_eq!(decimals_needed(9.75), 2);
/// assert_eq!(decimals_needed(385000.1), 1);
/// assert_eq!(decimals_needed(1.0 / 3.0), 4);
/// ```
pub fn decimals_needed(x: f64) -> usize {
    if !x.is_finite() {
        return 0;
    }
    let text = x.to_string();
    text.split_once('.').map_or(0, |(_, fraction)| fraction.len().min(4))
}

/// An ISO date ("2020-12-31") as Germans write it ("31.12.2020"); other text unchanged.
///
/// ```
/// use quartier_core::numbers::date_de;
/// assert_eq!(date_de("2020-12-31"), "31.12.2020");
/// assert_eq!(date_de("2020"), "2020");
/// ```
pub fn date_de(text: &str) -> String {
    let parts: Vec<&str> = text.trim().split('-').collect();
    match parts.as_slice() {
        [y, m, d]
            if y.len() == 4
                && m.len() == 2
                && d.len() == 2
                && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
        {
            format!("{d}.{m}.{y}")
        }
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_numbers_with_space_groups_and_markers() {
        let c = DecimalSeparator::Comma;
        assert_eq!(parse_number("1 788 994", c), Some(1_788_994.0));
        assert_eq!(parse_number("26 493", c), Some(26_493.0));
        assert_eq!(parse_number("60,0", c), Some(60.0));
        assert_eq!(parse_number("1.234.567,89", c), Some(1_234_567.89));
        assert_eq!(
            parse_number("12.34", c),
            None,
            "a point that is no thousands group is not a German number"
        );
        assert_eq!(parse_number("abc", c), None);
        assert_eq!(parse_number("1,2,3", c), None);
        assert_eq!(
            parse_cell("x", c),
            ParsedCell::Marker {
                status: ValueStatus::NotApplicable,
                marker: "x".into()
            }
        );
        assert_eq!(
            parse_cell("", c),
            ParsedCell::Marker {
                status: ValueStatus::Missing,
                marker: "".into()
            }
        );
        assert_eq!(
            parse_cell("k.A.", c),
            ParsedCell::Marker {
                status: ValueStatus::Suppressed,
                marker: "k.A.".into()
            }
        );
    }

    #[test]
    fn english_numbers() {
        let p = DecimalSeparator::Point;
        assert_eq!(parse_number("3384.0", p), Some(3384.0));
        assert_eq!(parse_number("-0.947429999999999", p), Some(-0.947429999999999));
        assert_eq!(parse_number("1,234.5", p), Some(1234.5));
        assert_eq!(parse_number("1e-3", p), Some(0.001));
    }

    #[test]
    fn separator_detection() {
        assert_eq!(
            detect_decimal_separator(["3384.0", "2.7978", "0"]),
            DecimalSeparator::Point
        );
        assert_eq!(
            detect_decimal_separator([" 9,7 ", "1 675", "."]),
            DecimalSeparator::Comma
        );
        assert_eq!(detect_decimal_separator(["1.234", "5.678"]), DecimalSeparator::Comma);
    }

    #[test]
    fn german_formatting() {
        assert_eq!(format_german(15.49, 2), "15,49");
        assert_eq!(format_german(1_788_994.0, 0), "1.788.994");
        assert_eq!(format_german(-0.001, 1), "0,0");
    }
}
