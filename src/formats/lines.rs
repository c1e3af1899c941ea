//! Physical lines of a byte chunk, with line numbers and offsets.
//!
//! Every line-based parser reads through [`Lines`], so line numbering,
//! CRLF handling, the line-length limit and the "incomplete last line"
//! rule for streamed chunks are the same everywhere.

use std::borrow::Cow;

use crate::record::Position;

/// Lines longer than this are not parsed: they are skipped as `too-long`
/// (the bytes stay in the mapped file; nothing is copied).
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// One physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line without its `\n` and without one trailing `\r`.
    pub bytes: &'a [u8],
    /// 1-based line number in the whole input.
    pub number: u64,
    /// Byte offset of the line's first byte in the whole input.
    pub offset: u64,
}

impl<'a> Line<'a> {
    /// Position of a record that starts at this line and spans `lines` lines.
    pub fn position(&self, lines: u32) -> Position {
        Position {
            line: self.number,
            offset: self.offset,
            lines,
        }
    }

    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(|b| b.is_ascii_whitespace())
    }

    pub fn is_too_long(&self) -> bool {
        self.bytes.len() > MAX_LINE_BYTES
    }

    /// The line as text; invalid UTF-8 is replaced (check [`Line::is_utf8`] to report it).
    pub fn text(&self) -> Cow<'a, str> {
        text(self.bytes)
    }

    pub fn is_utf8(&self) -> bool {
        std::str::from_utf8(self.bytes).is_ok()
    }
}

/// Bytes as text: borrowed when valid UTF-8, replaced otherwise.
///
/// `str::from_utf8` is tried first: it is markedly faster than the chunked
/// check inside `from_utf8_lossy` on the (overwhelmingly common) valid case.
#[inline]
pub fn text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// Iterator over the complete lines of a chunk.
///
/// When the chunk is not the end of the input (`at_eof == false`), a final
/// line without `\n` is *not* returned: it is incomplete and will come again
/// at the start of the next chunk. [`Lines::consumed`] says how many bytes
/// the returned lines covered.
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    buf: &'a [u8],
    pos: usize,
    line: u64,
    base_offset: u64,
    at_eof: bool,
}

impl<'a> Lines<'a> {
    /// `first_line` and `base_offset` locate `buf[0]` in the whole input.
    pub fn new(buf: &'a [u8], first_line: u64, base_offset: u64, at_eof: bool) -> Lines<'a> {
        Lines {
            buf,
            pos: 0,
            line: first_line,
            base_offset,
            at_eof,
        }
    }

    /// Bytes covered by the lines returned so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// Line number the next line will have.
    pub fn next_number(&self) -> u64 {
        self.line
    }

    /// The next line without consuming it.
    pub fn peek(&self) -> Option<Line<'a>> {
        self.clone().next()
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    #[inline]
    fn next(&mut self) -> Option<Line<'a>> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let rest = &self.buf[self.pos..];
        let (mut bytes, advance) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], i + 1),
            None if self.at_eof => (rest, rest.len()),
            None => return None,
        };
        if let [head @ .., b'\r'] = bytes {
            bytes = head;
        }
        let line = Line {
            bytes,
            number: self.line,
            offset: self.base_offset + self.pos as u64,
        };
        self.pos += advance;
        self.line += 1;
        Some(line)
    }
}

/// Number of lines in a byte slice as [`Lines`] counts them (a last line
/// without `\n` counts).
pub fn count_lines(bytes: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', bytes).count() as u64;
    if bytes.last().is_some_and(|b| *b != b'\n') {
        n + 1
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_offsets_and_crlf() {
        let lines: Vec<_> = Lines::new(b"a\r\nbb\n\nc", 10, 100, true).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            (lines[0].bytes, lines[0].number, lines[0].offset),
            (&b"a"[..], 10, 100)
        );
        assert_eq!(
            (lines[1].bytes, lines[1].number, lines[1].offset),
            (&b"bb"[..], 11, 103)
        );
        assert!(lines[2].is_blank());
        assert_eq!(lines[3].bytes, b"c");
        assert_eq!(count_lines(b"a\r\nbb\n\nc"), 4);
    }

    #[test]
    fn incomplete_last_line_is_left_for_the_next_chunk() {
        let mut it = Lines::new(b"one\ntwo", 1, 0, false);
        assert_eq!(it.next().unwrap().bytes, b"one");
        assert!(it.next().is_none());
        assert_eq!(it.consumed(), 4);
    }
}
