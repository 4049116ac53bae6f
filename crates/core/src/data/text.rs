//! Bytes → text: the encoding (UTF-8, UTF-16 with a byte-order mark,
//! Windows-1252 as the fallback), cell cleaning, and how a cell is quoted
//! in a message.

use std::borrow::Cow;

use crate::error::DataError;

/// Most characters of a cell or a column name that a message quotes.
pub const QUOTE_CHARS: usize = 60;

/// Tokens read as a missing value, compared case-insensitively after trimming.
const MISSING: [&str; 5] = ["", "na", "nan", "?", "null"];

/// The text of a file and, when it was not UTF-8, what was done about it.
pub(super) struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub note: Option<String>,
}

/// Windows-1252's characters for bytes 0x80–0x9F (Latin-1 has control
/// characters there; files saved by spreadsheets on Windows mean these).
const CP1252_HIGH: [char; 32] = [
    '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
    '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
];

/// Decodes a file: UTF-8 (a byte-order mark is dropped), UTF-16 with its
/// byte-order mark, or, when the bytes are not UTF-8, Windows-1252 (a
/// superset of Latin-1), said in the note. A NUL byte in what is not
/// UTF-16 means the file is not text.
pub(super) fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DataError> {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return utf16(rest, u16::from_le_bytes, "UTF-16 (little-endian)");
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return utf16(rest, u16::from_be_bytes, "UTF-16 (big-endian)");
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        return Err(DataError::NotText {
            line: line_at(bytes, at),
        });
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Decoded {
            text: Cow::Borrowed(text),
            note: None,
        }),
        Err(e) => {
            let line = line_at(bytes, e.valid_up_to());
            let text: String = bytes.iter().map(|&b| cp1252(b)).collect();
            Ok(Decoded {
                text: Cow::Owned(text),
                note: Some(cp1252_note(line)),
            })
        }
    }
}

/// Byte `b` read as Windows-1252.
pub(super) fn cp1252(b: u8) -> char {
    match b {
        0x80..=0x9F => CP1252_HIGH[(b - 0x80) as usize],
        _ => b as char,
    }
}

/// What the note says of a file read as Windows-1252, whose first byte
/// that UTF-8 does not allow is on `line`.
pub(super) fn cp1252_note(line: u64) -> String {
    format!(
        "the file is not UTF-8 (line {line} has a byte UTF-8 does not allow); it was read as \
         Windows-1252 (Latin-1). If letters look wrong, save it as UTF-8"
    )
}

pub(super) fn utf16_note(name: &str) -> String {
    format!("the file is {name}; it was read as such")
}

fn utf16<'a>(rest: &[u8], unit: fn([u8; 2]) -> u16, name: &str) -> Result<Decoded<'a>, DataError> {
    let units = rest.chunks_exact(2).map(|p| unit([p[0], p[1]]));
    let mut text = String::with_capacity(rest.len() / 2);
    let mut line = 1u64;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                text.push(c);
            }
            Err(_) => return Err(DataError::BadUtf16 { line }),
        }
    }
    if rest.len() % 2 == 1 {
        return Err(DataError::BadUtf16 { line });
    }
    Ok(Decoded {
        text: Cow::Owned(text),
        note: Some(utf16_note(name)),
    })
}

/// The 1-based line of byte `at`.
fn line_at(bytes: &[u8], at: usize) -> u64 {
    1 + bytes[..at.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// `s` without surrounding white space. ASCII first (fast: this runs on
/// every cell), then Unicode white space such as a no-break space.
pub(super) fn clean(s: &str) -> &str {
    let t = s.trim_ascii();
    match (t.as_bytes().first(), t.as_bytes().last()) {
        (Some(a), Some(b)) if !a.is_ascii() || !b.is_ascii() => t.trim(),
        _ => t,
    }
}

pub(super) fn is_missing(s: &str) -> bool {
    let t = clean(s);
    t.len() <= 4 && MISSING.iter().any(|m| t.eq_ignore_ascii_case(m))
}

/// A cell or a name as a message shows it: at most [`QUOTE_CHARS`]
/// characters (then "…"), control characters escaped (`\0`, `\n`,
/// `\u{1b}`), so that nothing raw reaches a terminal or the page.
pub fn shown(s: &str) -> String {
    let mut out = String::new();
    let mut width = 0;
    for c in s.chars() {
        let piece: String = if c.is_control() {
            c.escape_default().collect()
        } else {
            c.to_string()
        };
        let w = piece.chars().count();
        if width + w > QUOTE_CHARS {
            out.push('…');
            break;
        }
        width += w;
        out.push_str(&piece);
    }
    out
}

/// `text` as UTF-16 little-endian with its byte-order mark, as Windows
/// saves "Unicode text" (for tests).
#[cfg(test)]
pub(crate) fn utf16_le(text: &str) -> Vec<u8> {
    [0xFF, 0xFE]
        .into_iter()
        .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_space_around_cells_is_ignored_unicode_too() {
        assert!(is_missing(" NA "));
        assert!(is_missing("\u{a0}null"));
        assert!(!is_missing("nothing"));
        assert_eq!(clean("\u{2003} é \u{2003}"), "é");
    }

    #[test]
    fn shown_cuts_long_cells_and_escapes_control_characters() {
        let long = "x".repeat(200_000);
        let s = shown(&long);
        assert_eq!(s.chars().count(), QUOTE_CHARS + 1);
        assert!(s.ends_with('…'));
        assert_eq!(shown("a\0b\x1b[31m\n"), "a\\u{0}b\\u{1b}[31m\\n");
        assert_eq!(shown("été"), "été");
        // Escapes count towards the limit: 60 characters shown, not 300.
        let controls = "\u{e}".repeat(100);
        assert!(shown(&controls).chars().count() <= QUOTE_CHARS + 1);
    }

    #[test]
    fn utf16_with_either_byte_order_is_decoded() {
        let text = "a;b\n1;é\n";
        let le = utf16_le(text);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        for bytes in [le, be] {
            let d = decode(&bytes).unwrap();
            assert_eq!(d.text, text);
            assert!(d.note.unwrap().contains("UTF-16"));
        }
        // An unpaired surrogate on line 2.
        let bad: Vec<u8> = [0xFF, 0xFE, b'a', 0, b'\n', 0, 0x00, 0xD8, b'b', 0].to_vec();
        assert_eq!(decode(&bad).err(), Some(DataError::BadUtf16 { line: 2 }));
    }

    #[test]
    fn latin1_and_windows_1252_are_read_and_said() {
        let d = decode(b"name,price\ncaf\xe9,\x80 5\n").unwrap();
        assert_eq!(d.text, "name,price\ncafé,€ 5\n");
        assert!(d.note.unwrap().contains("line 2"));
        assert!(decode("naïve".as_bytes()).unwrap().note.is_none());
    }

    #[test]
    fn a_nul_byte_outside_utf16_is_not_text() {
        assert_eq!(
            decode(b"a,b\n1,2\n\x00\x01").err(),
            Some(DataError::NotText { line: 3 })
        );
        // UTF-16 without a byte-order mark is full of NUL bytes.
        assert_eq!(
            decode(b"a\0,\0b\0").err(),
            Some(DataError::NotText { line: 1 })
        );
    }
}
