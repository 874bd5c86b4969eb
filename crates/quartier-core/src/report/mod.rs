//! Reports: the Gebietsbericht of 1 to 6 areas ([`area`]), written as PDF (Typst), DOCX and
//! XLSX, and the book of Quartiersprofile ([`profiles`]) as PDF; suppressed unless marked
//! internal.

pub mod area;
pub mod profiles;
