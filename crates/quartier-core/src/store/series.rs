//! One value series (an indicator at one period on one level) stored as one blob.
//!
//! Every analysis and every view reads whole series (a map, a table column, a
//! classification), and statistical offices deliver whole series; one row per series keeps
//! imports of millions of values fast and reads cheap.
//!
//! Format (little-endian): `b"QS1"`, `u32` n, then n entries of `i64` area id, `u8` status
//! code, `f64` value (NaN when absent), sorted by area id; then `u32` m and m sparse extras
//! of `u32` entry index, `u8` kind (1 text value, 2 note, 3 the code of a [`ValueFlag`]),
//! `u32` byte length, UTF-8 bytes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::cache::{Column, Positions};
use crate::model::{ValueFlag, ValueStatus};
use crate::{Error, Result, StoredValue};

const MAGIC: &[u8; 3] = b"QS1";

/// Encodes a series keyed by area id.
pub(crate) fn encode(series: &BTreeMap<i64, StoredValue>) -> Vec<u8> {
    let mut out = Vec::with_capacity(7 + series.len() * 17);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(series.len() as u32).to_le_bytes());
    let mut extras = Vec::new();
    for (i, (area, v)) in series.iter().enumerate() {
        out.extend_from_slice(&area.to_le_bytes());
        out.push(v.status.code() as u8);
        out.extend_from_slice(&v.value.unwrap_or(f64::NAN).to_le_bytes());
        for (kind, text) in [(1u8, &v.text), (2u8, &v.note)] {
            if let Some(t) = text {
                extras.push((i as u32, kind, Cow::Borrowed(t.as_bytes())));
            }
        }
        if let Some(flag) = v.flag {
            extras.push((i as u32, 3, Cow::Owned(flag.code().to_string().into_bytes())));
        }
    }
    out.extend_from_slice(&(extras.len() as u32).to_le_bytes());
    for (i, kind, bytes) in extras {
        out.extend_from_slice(&i.to_le_bytes());
        out.push(kind);
        out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
        out.extend_from_slice(&bytes);
    }
    out
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|e| *e <= self.bytes.len())
            .ok_or_else(damaged)?;
        let s = &self.bytes[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| damaged())?))
    }
    fn u64(&mut self) -> Result<[u8; 8]> {
        self.take(8)?.try_into().map_err(|_| damaged())
    }
}

impl Cursor<'_> {
    /// One fixed-size entry: area id, status, value (NaN when absent).
    fn entry(&mut self) -> Result<(i64, ValueStatus, f64)> {
        let area = i64::from_le_bytes(self.u64()?);
        let status = ValueStatus::from_code(i64::from(self.take(1)?[0]));
        let value = f64::from_le_bytes(self.u64()?);
        Ok((area, status, value))
    }
}

/// Checks the magic and the entry count of a series; the cursor stands at the first entry.
fn open(bytes: &[u8]) -> Result<(Cursor<'_>, usize)> {
    let mut c = Cursor { bytes, at: 0 };
    if c.take(3)? != MAGIC {
        return Err(damaged());
    }
    let n = c.u32()? as usize;
    if n.saturating_mul(17) > bytes.len() {
        return Err(damaged());
    }
    Ok((c, n))
}

fn damaged() -> Error {
    Error::Invalid("Eine gespeicherte Wertereihe ist beschädigt".into())
}

/// Decodes a series written by [`encode`].
pub(crate) fn decode(bytes: &[u8]) -> Result<BTreeMap<i64, StoredValue>> {
    let (mut c, n) = open(bytes)?;
    let mut entries = Vec::with_capacity(n);
    for _ in 0..n {
        let (area, status, value) = c.entry()?;
        entries.push((
            area,
            StoredValue {
                value: (!value.is_nan()).then_some(value),
                text: None,
                status,
                note: None,
                flag: None,
            },
        ));
    }
    let m = c.u32()?;
    for _ in 0..m {
        let i = c.u32()? as usize;
        let kind = c.take(1)?[0];
        let len = c.u32()? as usize;
        let text = String::from_utf8(c.take(len)?.to_vec()).map_err(|_| damaged())?;
        let entry = &mut entries.get_mut(i).ok_or_else(damaged)?.1;
        match kind {
            1 => entry.text = Some(text),
            2 => entry.note = Some(text),
            3 => entry.flag = Some(text.chars().next().and_then(ValueFlag::from_code).ok_or_else(damaged)?),
            _ => return Err(damaged()),
        }
    }
    Ok(entries.into_iter().collect())
}

/// Decodes the numbers and statuses of a series straight into columns aligned to a level's
/// areas (`position`: area id → index), without building a value per area: the fast path of
/// the analyses. Texts and notes are skipped; entries of areas not in `position` too.
pub(crate) fn decode_column(bytes: &[u8], position: &Positions, areas: usize) -> Result<Column> {
    let (mut c, n) = open(bytes)?;
    let mut column = Column::empty(areas);
    for _ in 0..n {
        let (area, status, value) = c.entry()?;
        if let Some(i) = position.get(area) {
            column.status[i] = Some(status);
            if status == ValueStatus::Ok {
                column.numbers[i] = value;
            }
        }
    }
    Ok(column)
}

/// Values with status ok, and all values, of a series.
pub(crate) fn counts(series: &BTreeMap<i64, StoredValue>) -> (i64, i64) {
    (
        series.values().filter(|v| v.status == ValueStatus::Ok).count() as i64,
        series.len() as i64,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_statuses_texts_and_notes() {
        let mut s = BTreeMap::new();
        s.insert(
            7,
            StoredValue {
                value: Some(12.5),
                text: None,
                status: ValueStatus::Ok,
                note: None,
                flag: None,
            },
        );
        s.insert(
            3,
            StoredValue {
                value: None,
                text: None,
                status: ValueStatus::Suppressed,
                note: Some("k. A.".into()),
                flag: None,
            },
        );
        s.insert(
            9,
            StoredValue {
                value: None,
                text: Some("Stadtrand".into()),
                status: ValueStatus::Ok,
                note: None,
                flag: None,
            },
        );
        s.insert(
            -1,
            StoredValue {
                value: Some(-0.0),
                text: None,
                status: ValueStatus::NotApplicable,
                note: Some("ä".into()),
                flag: None,
            },
        );
        let bytes = encode(&s);
        assert_eq!(decode(&bytes).unwrap(), s);
        assert_eq!(counts(&s), (2, 4));
        assert!(decode(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode(b"QS1\xff\xff\xff\x7f").is_err());
        assert!(decode(b"XYZ").is_err());
    }
}
