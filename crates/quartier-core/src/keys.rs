//! Area keys: always strings, normalised so that `5366004` and `05366004` meet.

/// Cleans a key as read from a file: trims it and drops a spurious `.0` that
/// spreadsheets add to integer-typed keys.
///
/// ```
/// assert_eq!(quartier_core::keys::clean_key(" 1011101.0 "), "1011101");
/// assert_eq!(quartier_core::keys::clean_key("0101"), "0101");
/// ```
pub fn clean_key(raw: &str) -> String {
    let t = raw.trim();
    if let Some(int) = t.strip_suffix(".0") {
        if !int.is_empty() && int.chars().all(|c| c.is_ascii_digit()) {
            return int.to_string();
        }
    }
    t.to_string()
}

/// The common width of purely numeric keys, if all keys of a level share one.
///
/// Used to zero-pad keys from files that stored them as integers.
pub fn numeric_key_width<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<usize> {
    let mut width = None;
    for k in keys {
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        match width {
            None => width = Some(k.len()),
            Some(w) if w != k.len() => return None,
            _ => {}
        }
    }
    width
}

/// Zero-pads a purely numeric key to `width`; returns the key and whether it was padded.
///
/// ```
/// assert_eq!(quartier_core::keys::pad_key("5366004", Some(8)), ("05366004".to_string(), true));
/// assert_eq!(quartier_core::keys::pad_key("A12", Some(8)), ("A12".to_string(), false));
/// ```
pub fn pad_key(key: &str, width: Option<usize>) -> (String, bool) {
    match width {
        Some(w) if key.len() < w && !key.is_empty() && key.chars().all(|c| c.is_ascii_digit()) => {
            (format!("{key:0>w$}"), true)
        }
        _ => (key.to_string(), false),
    }
}

/// Normalises an area name for matching by name: case, dashes and spaces do not count.
pub fn name_match_form(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .replace(['–', '—', '‐'], "-")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The longest indicator key made from a heading.
const KEY_LENGTH: usize = 32;

/// Whether a heading can serve as an indicator key as it is: one word (letters, digits, `_`,
/// `-`) of at most 32 characters.
pub fn is_key_like(heading: &str) -> bool {
    let h = heading.trim();
    !h.is_empty() && h.chars().count() <= KEY_LENGTH && h.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

/// Words a key does without ("Anteil der unter 18-Jährigen in %" → `anteil_unter_18_jaehrigen`).
const FILLER_WORDS: &[&str] = &[
    "der", "die", "das", "den", "dem", "des", "in", "im", "von", "vom", "zur", "zum",
];

/// A short indicator key from a long heading: lower case, umlauts spelled out, articles and
/// the like left out, words joined by `_`, cut at a word boundary after at most 32
/// characters; the heading stays the indicator's display name.
///
/// ```
/// use quartier_core::keys::key_from_heading;
/// assert_eq!(
///     key_from_heading("Anteil der Leistungsempfänger/-innen nach SGB II in % (Dez 2013)"),
///     "anteil_leistungsempfaenger_innen"
/// );
/// assert_eq!(key_from_heading("Anteil der unter 18-Jährigen in %"), "anteil_unter_18_jaehrigen");
/// assert_eq!(key_from_heading("Fläche in km²"), "flaeche_km2");
/// ```
pub fn key_from_heading(heading: &str) -> String {
    let mut plain = String::new();
    for c in heading.trim().to_lowercase().chars() {
        match c {
            'ä' => plain.push_str("ae"),
            'ö' => plain.push_str("oe"),
            'ü' => plain.push_str("ue"),
            'ß' => plain.push_str("ss"),
            '²' => plain.push('2'),
            '³' => plain.push('3'),
            c if c.is_ascii_alphanumeric() => plain.push(c),
            _ => plain.push(' '),
        }
    }
    let mut key = String::new();
    for word in plain.split_whitespace().filter(|w| !FILLER_WORDS.contains(w)) {
        let added = if key.is_empty() { word.len() } else { word.len() + 1 };
        if !key.is_empty() && key.len() + added > KEY_LENGTH {
            break;
        }
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(word);
    }
    key.truncate(KEY_LENGTH);
    if key.is_empty() {
        "indikator".to_string()
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_typed_seven_digit_keys_join_eight_digit_keys() {
        let level_keys = ["01011101", "10010203", "12304314"];
        let width = numeric_key_width(level_keys);
        assert_eq!(width, Some(8));
        assert_eq!(pad_key(&clean_key("1011101"), width).0, "01011101");
        assert_eq!(pad_key(&clean_key("1011101.0"), width).0, "01011101");
        assert_eq!(pad_key(&clean_key("10010203"), width), ("10010203".to_string(), false));
    }

    #[test]
    fn mixed_widths_are_not_padded() {
        assert_eq!(numeric_key_width(["01", "0101"]), None);
        assert_eq!(numeric_key_width(["01", "A1"]), None);
    }
}
