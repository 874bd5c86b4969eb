//! Reports: the Gebietsbericht of 1 to 6 areas ([`area`]), written as PDF (Typst), DOCX and
//! XLSX, suppressed unless marked internal.

pub mod area;
