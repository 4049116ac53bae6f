//! A file's bytes as UTF-8, a piece at a time: the encoding that
//! [`decode`](super::text) picks for a whole file in the page (UTF-8,
//! UTF-16 with its byte-order mark, else Windows-1252), found in a first
//! pass over the bytes ([`sniff`]), then each piece transcoded
//! ([`ToUtf8`]). So a file of any size reads as the page reads it, in
//! constant memory.
//!
//! Errors are `io::ErrorKind::InvalidData` carrying the [`DataError`] the
//! page would give (NUL bytes, bad UTF-16), with its line.

use std::io::{self, Read};

use super::text::{cp1252, cp1252_note, utf16_note};
use crate::error::DataError;

/// How a file's bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    Windows1252,
}

/// Bytes read from the file at a time.
const PIECE: usize = 1 << 16;

fn invalid(e: DataError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The [`DataError`] an error of [`sniff`] or [`ToUtf8`] carries (none
/// for an error of the reader beneath).
pub fn data_error(e: &io::Error) -> Option<&DataError> {
    e.get_ref()?.downcast_ref::<DataError>()
}

/// Reads into `buf` until it is full or the reader ends: the bytes read.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn newlines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

/// The encoding of the bytes `r` holds, and the note the page shows for
/// it (none for UTF-8): one pass, a piece at a time, as the page decides
/// for the whole file. A NUL byte in a file that is not UTF-16 is
/// [`DataError::NotText`].
pub fn sniff(mut r: impl Read) -> io::Result<(Encoding, Option<String>)> {
    let mut piece = vec![0u8; PIECE];
    let n = fill(&mut r, &mut piece)?;
    let first = &piece[..n];
    if first.starts_with(b"\xFF\xFE") {
        return Ok((
            Encoding::Utf16Le,
            Some(utf16_note("UTF-16 (little-endian)")),
        ));
    }
    if first.starts_with(b"\xFE\xFF") {
        return Ok((Encoding::Utf16Be, Some(utf16_note("UTF-16 (big-endian)"))));
    }
    let skip = if first.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    // `carry`: the start of a UTF-8 sequence that the piece cut off.
    let (mut carry, mut lines, mut bad_line) = (Vec::<u8>::new(), 1u64, None);
    let (mut start, mut len) = (skip, n);
    loop {
        let bytes = &piece[start..len];
        if let Some(at) = bytes.iter().position(|&b| b == 0) {
            let line = lines + newlines(&bytes[..at]);
            return Err(invalid(DataError::NotText { line }));
        }
        if bad_line.is_none() {
            carry.extend_from_slice(bytes);
            match std::str::from_utf8(&carry) {
                Ok(_) => carry.clear(),
                Err(e) if e.error_len().is_none() && len == PIECE => {
                    carry.drain(..e.valid_up_to());
                }
                Err(e) => {
                    // `carry` holds no newline before this piece's bytes.
                    bad_line = Some(lines + newlines(&carry[..e.valid_up_to()]));
                    carry.clear();
                }
            }
        }
        lines += newlines(bytes);
        if len < PIECE {
            break;
        }
        (start, len) = (0, fill(&mut r, &mut piece)?);
    }
    Ok(match bad_line {
        None => (Encoding::Utf8, None),
        Some(line) => (Encoding::Windows1252, Some(cp1252_note(line))),
    })
}

/// The bytes of `inner`, in `encoding`, as UTF-8, with no byte-order
/// mark: a [`Read`] that holds a piece of the file at a time.
pub struct ToUtf8<R> {
    inner: R,
    encoding: Encoding,
    /// Bytes read and not yet transcoded (a cut UTF-16 unit or pair).
    raw: Vec<u8>,
    piece: Vec<u8>,
    out: Vec<u8>,
    at: usize,
    /// The line of the next character, for an error.
    line: u64,
    started: bool,
    ended: bool,
}

impl<R: Read> ToUtf8<R> {
    pub fn new(inner: R, encoding: Encoding) -> Self {
        Self {
            inner,
            encoding,
            raw: Vec::new(),
            piece: vec![0; PIECE],
            out: Vec::new(),
            at: 0,
            line: 1,
            started: false,
            ended: false,
        }
    }

    /// Reads the next piece and transcodes what of it is whole.
    fn refill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.at = 0;
        let n = fill(&mut self.inner, &mut self.piece)?;
        self.ended = n < PIECE;
        self.raw.extend_from_slice(&self.piece[..n]);
        if !std::mem::replace(&mut self.started, true) {
            let mark: &[u8] = match self.encoding {
                Encoding::Utf16Le => b"\xFF\xFE",
                Encoding::Utf16Be => b"\xFE\xFF",
                Encoding::Utf8 | Encoding::Windows1252 => b"\xEF\xBB\xBF",
            };
            if self.raw.starts_with(mark) {
                self.raw.drain(..mark.len());
            }
        }
        match self.encoding {
            Encoding::Utf8 => std::mem::swap(&mut self.out, &mut self.raw),
            Encoding::Windows1252 => {
                let mut c = [0u8; 4];
                for &b in &self.raw {
                    self.out
                        .extend_from_slice(cp1252(b).encode_utf8(&mut c).as_bytes());
                }
                self.raw.clear();
            }
            Encoding::Utf16Le | Encoding::Utf16Be => self.utf16()?,
        }
        Ok(())
    }

    fn utf16(&mut self) -> io::Result<()> {
        let unit = match self.encoding {
            Encoding::Utf16Be => u16::from_be_bytes,
            _ => u16::from_le_bytes,
        };
        let mut units: Vec<u16> = self
            .raw
            .chunks_exact(2)
            .map(|p| unit([p[0], p[1]]))
            .collect();
        let mut used = 2 * units.len();
        // A high surrogate at the end of a piece waits for its pair.
        if !self.ended && units.last().is_some_and(|u| (0xD800..0xDC00).contains(u)) {
            units.pop();
            used -= 2;
        }
        let mut c = [0u8; 4];
        for ch in char::decode_utf16(units) {
            let ch = ch.map_err(|_| invalid(DataError::BadUtf16 { line: self.line }))?;
            if ch == '\n' {
                self.line += 1;
            }
            self.out
                .extend_from_slice(ch.encode_utf8(&mut c).as_bytes());
        }
        self.raw.drain(..used);
        if self.ended && !self.raw.is_empty() {
            return Err(invalid(DataError::BadUtf16 { line: self.line }));
        }
        Ok(())
    }
}

impl<R: Read> Read for ToUtf8<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.out.len() {
            if self.ended && self.raw.is_empty() {
                return Ok(0);
            }
            self.refill()?;
        }
        let n = buf.len().min(self.out.len() - self.at);
        buf[..n].copy_from_slice(&self.out[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::text::{decode, utf16_le};

    /// A reader that hands out at most `step` bytes a call, so pieces and
    /// calls cut sequences anywhere.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.step).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// The page's text and note, or its error.
    type PageRead = Result<(String, Option<String>), DataError>;

    /// What the page reads (`decode`) and what the stream reads, for the
    /// same bytes.
    fn both(bytes: &[u8]) -> (PageRead, io::Result<String>) {
        let page = decode(bytes).map(|d| (d.text.into_owned(), d.note));
        let streamed = (|| {
            let (encoding, _) = sniff(Trickle { bytes, step: 7 })?;
            let mut text = String::new();
            ToUtf8::new(Trickle { bytes, step: 4093 }, encoding).read_to_string(&mut text)?;
            Ok(text)
        })();
        (page, streamed)
    }

    #[test]
    fn a_stream_reads_every_encoding_as_the_page_does() {
        // Long enough that sequences fall across pieces.
        let mut text = String::from("name,größe,note\n");
        for i in 0..20_000 {
            text.push_str(&format!("r{i},{}.5,“€ ok” ☃ 𝄞\n", i % 97));
        }
        let latin: Vec<u8> = text
            .chars()
            .map(|c| match c {
                'ö' => 0xF6,
                'ß' => 0xDF,
                '€' => 0x80,
                '“' => 0x93,
                '”' => 0x94,
                '☃' | '𝄞' => b'?',
                c => c as u8,
            })
            .collect();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (name, bytes) in [
            ("UTF-8", text.as_bytes().to_vec()),
            ("UTF-8 with its mark", bom),
            ("UTF-16LE", utf16_le(&text)),
            ("UTF-16BE", be),
            ("Windows-1252", latin),
        ] {
            let (page, streamed) = both(&bytes);
            let (want, note) = page.unwrap();
            assert_eq!(streamed.unwrap(), want, "{name}");
            let (_, said) = sniff(&bytes[..]).unwrap();
            assert_eq!(said, note, "{name}");
        }
    }

    #[test]
    fn a_stream_refuses_what_the_page_refuses_on_the_same_line() {
        let mut nul = "a,b\n".repeat(30_000).into_bytes();
        nul.extend_from_slice(b"1,\0\n");
        let mut odd = utf16_le("a,b\n1,2\n");
        odd.push(b'x');
        let mut lone = utf16_le("a,b\n1,2\n");
        lone.extend_from_slice(&0xDC00u16.to_le_bytes());
        for bytes in [nul, odd, lone] {
            let (page, streamed) = both(&bytes);
            let want = page.unwrap_err();
            assert_eq!(data_error(&streamed.unwrap_err()), Some(&want));
        }
        // A UTF-8 sequence cut by the end of the file: Windows-1252.
        let cut = b"a,b\n1,\xE2\x82";
        let (page, streamed) = both(cut);
        assert_eq!(streamed.unwrap(), page.unwrap().0);
        assert!(sniff(&b""[..]).unwrap() == (Encoding::Utf8, None));
    }
}
