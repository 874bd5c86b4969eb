//! Reports: the Gebietsbericht of 1 to 6 areas ([`area`]), written as PDF (Typst), DOCX and
//! XLSX, and the book of Quartiersprofile ([`profiles`]) as PDF; suppressed unless marked
//! internal.

pub mod area;
pub mod profiles;

/// A value as shown: German notation with the indicator's decimals, "k. A." where hidden,
/// "…" where there is none.
pub(crate) fn shown(value: Option<&crate::StoredValue>, hidden: bool, decimals: usize) -> (String, Option<f64>) {
    match value {
        _ if hidden => ("k. A.".into(), None),
        Some(v) => match v.number() {
            Some(n) => (crate::numbers::format_german(n, decimals), Some(n)),
            None => (v.status.display_de().to_string(), None),
        },
        None => ("…".into(), None),
    }
}
