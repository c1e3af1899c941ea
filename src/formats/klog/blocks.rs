//! Grouping physical lines into records for klog-family streams.
//!
//! Shared by the klog, Kubernetes-JSON and logfmt file parsers. Every line
//! gets a [`Role`]:
//!
//! - `Opens`: starts a record that may continue on the following lines (a
//!   klog header; Go crash or cobra output: `panic: `, `goroutine N [`,
//!   `Error: `, `Usage:` ...);
//! - `Whole`: a complete record in itself (a JSON object line, a logfmt
//!   line); it never takes continuation lines;
//! - `Continues`: anything else. It joins the open record; with no open
//!   record (start of input, after a `Whole` line, after a cut record) it
//!   opens a header-less text record that later `Continues` lines join.
//!
//! Blank lines between an open record and a continuation line belong to the
//! record (usage text has blank lines between its sections); blank lines
//! before a record start or the end of input are skipped as `Blank`.
//! Deciding that needs lookahead, so when a chunk ends (not at EOF) while a
//! record is open, the record is left unconsumed and parsed again with the
//! next chunk. Records are capped at [`MAX_RECORD_LINES`] lines and
//! [`MAX_RECORD_BYTES`] bytes; the cap is counted from the record start, so
//! chunked and whole parses agree.
//!
//! Lines starting with NUL bytes (a file preallocated and cut by a crash or
//! power loss) are read from their first non-NUL byte; a line of only NULs
//! is skipped as `Binary`.

use std::borrow::Cow;

use super::super::lines::{Line, Lines, MAX_LINE_BYTES};
use super::super::payload::{decode_with, Decoder, Outcome};
use super::super::{klog_json, logfmt, next_line_start, Chunk};
use super::{foreign_start, header, ForeignStart, KlogHeader};
use crate::record::{Format, Position, Record};
use crate::sink::{Emit, Problem, Skip, SkipReason};

/// Most physical lines one record may span.
pub const MAX_RECORD_LINES: u32 = 10_000;
/// Most bytes one record may span (the last line attached may be cut off
/// into the next record, so a record stays below this).
pub const MAX_RECORD_BYTES: usize = MAX_LINE_BYTES;

/// Which kind of file is being parsed: decides which lines are `Whole`
/// records and the records' [`Format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    /// klog text; logrus lines (`time="..."`) mixed in (k3s) are whole records.
    Klog,
    /// One JSON object per line, with klog text and crash output mixed in.
    Json,
    /// logrus/logfmt lines, with klog lines mixed in (k3s log files).
    Logfmt,
}

impl Stream {
    fn format(self) -> Format {
        match self {
            Stream::Klog => Format::Klog,
            Stream::Json => Format::KlogJson,
            Stream::Logfmt => Format::Logfmt,
        }
    }
}

/// What a line is, as far as grouping is concerned.
#[derive(Debug, Clone, Copy)]
enum Role {
    Opens(Opener),
    Whole(Decoder),
    Continues,
}

#[derive(Debug, Clone, Copy)]
enum Opener {
    Klog(KlogHeader),
    Foreign(ForeignStart),
    /// Header-less text with no record to continue.
    Text,
}

fn role(line: &[u8], stream: Stream) -> Role {
    match (line.first(), stream) {
        (Some(b'I' | b'W' | b'E' | b'F'), _) => {
            if let Some(h) = header(line) {
                return Role::Opens(Opener::Klog(h));
            }
        }
        (Some(b'{'), Stream::Json) => return Role::Whole(klog_json::decode),
        (Some(b't' | b'l'), Stream::Logfmt) if logfmt::is_line(line) => {
            return Role::Whole(logfmt::decode)
        }
        (Some(b't'), Stream::Klog) if logfmt::is_logrus_line(line) => {
            return Role::Whole(logfmt::decode)
        }
        _ => {}
    }
    match foreign_start(line) {
        Some(kind) => Role::Opens(Opener::Foreign(kind)),
        None => Role::Continues,
    }
}

/// The line without leading NUL padding, and the padding's length.
fn strip_nul_padding(bytes: &[u8]) -> (usize, &[u8]) {
    let pad = bytes.iter().take_while(|&&b| b == 0).count();
    (pad, bytes.get(pad..).unwrap_or_default())
}

fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// Is `line` (a line after an open record) a continuation of it?
fn continues(line: &Line<'_>, stream: Stream) -> bool {
    let (_, bytes) = strip_nul_padding(line.bytes);
    !line.is_too_long() && !bytes.is_empty() && matches!(role(bytes, stream), Role::Continues)
}

/// An open record: its first line and how far it reaches.
struct Block<'a> {
    first: Line<'a>,
    opener: Opener,
    /// Chunk-relative offset of the first line.
    line_start: usize,
    /// Chunk-relative offset of the record's first byte (after NUL padding).
    start: usize,
    /// Chunk-relative end of the last line's content.
    end: usize,
    lines: u32,
}

impl<'a> Block<'a> {
    fn position(&self) -> Position {
        Position {
            line: self.first.number,
            offset: self.first.offset + (self.start - self.line_start) as u64,
            lines: self.lines,
        }
    }

    /// Can `extra` more lines ending at `end` join without passing the caps?
    fn fits(&self, extra: u32, end: usize) -> bool {
        self.lines + extra <= MAX_RECORD_LINES && end - self.start <= MAX_RECORD_BYTES
    }
}

/// What follows a blank line after an open record.
enum Ahead<'a> {
    /// More blank lines then a continuation: `lines` (blanks and the
    /// continuation, the first blank included) join the record, up to
    /// `end`; parsing goes on with `rest`.
    Attach {
        lines: u32,
        end: usize,
        rest: Lines<'a>,
    },
    /// A record start, a skipped line, or more than the caps allow: the
    /// record is finished.
    Close,
    /// The chunk ended among the blank lines.
    NeedMore,
}

/// Look past the blank line just read (`after` is positioned behind it).
/// The look is bounded by the caps, so a flood of blank lines never keeps
/// a record pending.
fn look_past_blanks<'a>(
    block: &Block<'a>,
    after: &Lines<'a>,
    asm: &Assembler<'a, '_>,
    stream: Stream,
) -> Ahead<'a> {
    let mut rest = after.clone();
    let mut lines: u32 = 1;
    loop {
        let Some(next) = rest.next() else {
            return Ahead::NeedMore;
        };
        lines += 1;
        let end = asm.relative(&next) + next.bytes.len();
        if !block.fits(lines, end) {
            return Ahead::Close;
        }
        if next.is_too_long() {
            return Ahead::Close;
        }
        if is_blank(next.bytes) {
            continue;
        }
        return if continues(&next, stream) {
            Ahead::Attach { lines, end, rest }
        } else {
            Ahead::Close
        };
    }
}

struct Assembler<'a, 'o> {
    chunk: Chunk<'a>,
    stream: Stream,
    out: &'o mut dyn Emit,
}

/// Parse a chunk of a klog-family stream; returns the bytes consumed.
pub(crate) fn parse(chunk: Chunk<'_>, stream: Stream, out: &mut dyn Emit) -> usize {
    let mut asm = Assembler { chunk, stream, out };
    let mut lines = chunk.lines();
    let mut open: Option<Block<'_>> = None;
    while let Some(line) = lines.next() {
        let line_start = asm.relative(&line);
        let line_end = line_start + line.bytes.len();
        if line.is_too_long() {
            asm.close(open.take());
            asm.skip(
                &line,
                SkipReason::TooLong,
                "line longer than the line limit",
            );
            continue;
        }
        let (pad, bytes) = strip_nul_padding(line.bytes);
        if bytes.is_empty() && pad > 0 {
            asm.close(open.take());
            asm.skip(&line, SkipReason::Binary, "NUL bytes");
            continue;
        }
        if is_blank(bytes) {
            if let Some(block) = open.as_mut() {
                match look_past_blanks(block, &lines, &asm, stream) {
                    Ahead::NeedMore if !chunk.at_eof => return block.line_start,
                    Ahead::Attach {
                        lines: n,
                        end,
                        rest,
                    } => {
                        block.lines += n;
                        block.end = end;
                        lines = rest;
                        continue;
                    }
                    Ahead::NeedMore | Ahead::Close => asm.close(open.take()),
                }
            }
            asm.skip(&line, SkipReason::Blank, "");
            continue;
        }
        let start = line_start + pad;
        match role(bytes, stream) {
            Role::Whole(decoder) => {
                asm.close(open.take());
                asm.whole(&line, start, line_end, decoder);
            }
            Role::Opens(opener) => {
                asm.close(open.take());
                open = Some(Block {
                    first: line,
                    opener,
                    line_start,
                    start,
                    end: line_end,
                    lines: 1,
                });
            }
            Role::Continues => match open.as_mut() {
                Some(block) if block.fits(1, line_end) => {
                    block.lines += 1;
                    block.end = line_end;
                }
                _ => {
                    if let Some(block) = open.take() {
                        asm.out.problem(block.position(), Problem::Truncated);
                        asm.close(Some(block));
                    }
                    open = Some(Block {
                        first: line,
                        opener: Opener::Text,
                        line_start,
                        start,
                        end: line_end,
                        lines: 1,
                    });
                }
            },
        }
    }
    if let Some(block) = open {
        if !chunk.at_eof {
            return block.line_start;
        }
        asm.close(Some(block));
    }
    lines.consumed()
}

impl<'a> Assembler<'a, '_> {
    fn relative(&self, line: &Line<'_>) -> usize {
        (line.offset - self.chunk.base_offset) as usize
    }

    fn skip(&mut self, line: &Line<'_>, reason: SkipReason, detail: &'static str) {
        self.out.skip(Skip {
            position: line.position(1),
            reason,
            detail: Cow::Borrowed(detail),
        });
    }

    /// The text of `bytes[start..end]`: borrowed when it is valid UTF-8
    /// without CRLF inside; repaired (and reported) otherwise.
    fn text(&mut self, start: usize, end: usize, position: Position) -> Cow<'a, str> {
        let bytes: &'a [u8] = self.chunk.bytes.get(start..end).unwrap_or_default();
        let text = match std::str::from_utf8(bytes) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                self.out.problem(position, Problem::InvalidUtf8);
                Cow::Owned(String::from_utf8_lossy(bytes).into_owned())
            }
        };
        if position.lines > 1 && memchr::memchr(b'\r', bytes).is_some() {
            return Cow::Owned(text.replace("\r\n", "\n"));
        }
        text
    }

    fn record(&self, position: Position) -> Record<'a> {
        Record::new(self.stream.format(), position, "")
    }

    /// Emit a one-line record decoded by `decoder`; a line it declines is kept as text.
    fn whole(&mut self, line: &Line<'a>, start: usize, end: usize, decoder: Decoder) {
        let position = Position {
            line: line.number,
            offset: self.chunk.base_offset + start as u64,
            lines: 1,
        };
        let text = self.text(start, end, position);
        let mut rec = self.record(position);
        match decode_with(text, &mut rec, decoder) {
            Outcome::Declined => self.out.problem(position, Problem::BadField),
            Outcome::Decoded { bad_time: true } => {
                self.out.problem(position, Problem::BadTimestamp)
            }
            Outcome::Decoded { bad_time: false } => {}
        }
        self.out.record(rec);
    }

    /// Emit the record of a finished block.
    fn close(&mut self, block: Option<Block<'a>>) {
        let Some(block) = block else {
            return;
        };
        let position = block.position();
        let text = self.text(block.start, block.end, position);
        let mut rec = self.record(position);
        match block.opener {
            Opener::Klog(h) => match text {
                Cow::Borrowed(s) => super::decode(&h, s).apply(&mut rec),
                // Repaired text: offsets may have moved, parse the header again.
                Cow::Owned(s) => match header(s.as_bytes()) {
                    Some(h) => super::decode(&h, &s).into_owned().apply(&mut rec),
                    None => rec.message = Cow::Owned(s),
                },
            },
            Opener::Foreign(kind) => {
                if let Some(severity) = kind.severity() {
                    rec.severity = severity;
                }
                rec.message = text;
            }
            Opener::Text => rec.message = text,
        }
        self.out.record(rec);
    }
}

/// First record start at or after `near`.
pub(crate) fn split_at(bytes: &[u8], near: usize, stream: Stream) -> Option<usize> {
    let mut at = next_line_start(bytes, near)?;
    loop {
        let rest = bytes.get(at..)?;
        let len = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..len)?;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let (_, content) = strip_nul_padding(line);
        if !content.is_empty()
            && line.len() <= MAX_LINE_BYTES
            && !matches!(role(content, stream), Role::Continues)
        {
            return Some(at);
        }
        if len == rest.len() {
            return None;
        }
        at += len + 1;
    }
}
