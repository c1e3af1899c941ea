//! klog text logs: the header, structured messages, and multi-line records.
//!
//! Layout of this module:
//!
//! - [`header`] is the single place a klog header
//!   (`Lmmdd hh:mm:ss.uuuuuu PPPPPPP file:line] `) is recognised. It works
//!   on bytes at fixed columns (no regex): the hot path of both this file
//!   parser and [`payload::decode`](super::payload::decode) for every
//!   journal line.
//! - `decode` turns a header plus its text into record parts: a body
//!   starting with `"` is a structured message (Go-unquoted, borrowed when
//!   it has no escapes) followed by the raw pair tail kept as
//!   [`Fields::Klog`], decoded lazily by [`pairs`]; any other body is the
//!   message as written, continuation lines included.
//! - [`foreign_start`] names the lines that begin output not written by
//!   klog (Go runtime crashes, cobra's `Error:` and usage text).
//! - `blocks` groups physical lines into records: a header or a foreign
//!   start opens a record, header-less lines continue it (unstructured
//!   multi-line messages, `Trace[id]:` lines, `key=<` value blocks, stacks).
//!   The JSON and logfmt file parsers reuse it, because the same crash and
//!   usage output appears in their streams.
//!
//! Trade-offs: a continuation is recognised only by *not* being a record
//! start, so a foreign line that happens to follow a record (a library
//! writing straight to stderr) is attached to it rather than lost; records
//! are capped ([`MAX_RECORD_LINES`], [`MAX_RECORD_BYTES`]) so hostile input
//! cannot build unbounded records, and a record cut by the cap is reported
//! as [`Problem::Truncated`](crate::sink::Problem::Truncated) with the rest
//! continuing as a new text record.

use std::borrow::Cow;

use super::payload::Parts;
use super::Chunk;
use crate::record::{Fields, Payload, Severity};
use crate::sink::Emit;
use crate::time::{CivilTime, RawTime};

mod blocks;
mod pairs;
mod quote;
#[cfg(test)]
mod tests;

pub(crate) use blocks::{parse as blocks_parse, split_at as blocks_split_at, Stream};
pub use blocks::{MAX_RECORD_BYTES, MAX_RECORD_LINES};
pub use pairs::{pairs, KlogPairs};
pub use quote::{split_quoted, unquote};

/// A parsed klog header. Offsets index the line the header was parsed from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlogHeader {
    pub severity: Severity,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub micros: u32,
    /// The process id column (klog calls it "threadid").
    pub pid: u32,
    /// Byte range of `file:line` (`???:1` when klog did not know the caller).
    pub origin_start: usize,
    pub origin_end: usize,
    /// Offset of the message: after `] `, or the line's end for an empty message.
    pub body_start: usize,
}

impl KlogHeader {
    /// The header time as written: no year, no zone.
    pub fn time(&self) -> RawTime {
        RawTime::Civil(CivilTime {
            year: None,
            month: self.month,
            day: self.day,
            hour: self.hour,
            minute: self.minute,
            second: self.second,
            nanos: self.micros * 1000,
            offset: None,
        })
    }

    /// `file:line` inside `line` (the text the header was parsed from).
    pub fn origin<'s>(&self, line: &'s str) -> &'s str {
        line.get(self.origin_start..self.origin_end).unwrap_or("")
    }

    /// The message text after the header, continuation lines included.
    pub fn body<'s>(&self, line: &'s str) -> &'s str {
        line.get(self.body_start..).unwrap_or("")
    }
}

/// Recognise a klog header at the start of `line`.
///
/// Accepts exactly what klog writes: `[IWEF]`, month 01-12, day 01-31,
/// `hh:mm:ss` in range, six microsecond digits, a space-padded decimal
/// pid, `file:line` with a non-empty file free of spaces, `:` and `]`,
/// then `]` followed by a space or the end of the line.
pub fn header(line: &[u8]) -> Option<KlogHeader> {
    let fixed: &[u8; 22] = line.get(..22)?.try_into().ok()?;
    let stamp = fixed_columns(fixed)?;
    let mut i = 22;
    while line.get(i) == Some(&b' ') {
        i += 1;
    }
    let (pid, digits) = decimal(line.get(i..)?)?;
    i += digits;
    if line.get(i) != Some(&b' ') {
        return None;
    }
    i += 1;
    let origin_start = i;
    let file_len = line
        .get(i..)?
        .iter()
        .position(|&b| matches!(b, b':' | b' ' | b']'))?;
    if file_len == 0 || line.get(i + file_len) != Some(&b':') {
        return None;
    }
    i += file_len + 1;
    let (_, digits) = decimal(line.get(i..)?)?;
    i += digits;
    let origin_end = i;
    if line.get(i) != Some(&b']') {
        return None;
    }
    i += 1;
    let body_start = match line.get(i) {
        None => i,
        Some(b' ') => i + 1,
        Some(_) => return None,
    };
    Some(KlogHeader {
        pid,
        origin_start,
        origin_end,
        body_start,
        ..stamp
    })
}

/// The fixed columns 0-21: `Lmmdd hh:mm:ss.uuuuuu `. Checked as one array
/// with constant indices: this runs for every line of every klog stream.
#[inline]
fn fixed_columns(f: &[u8; 22]) -> Option<KlogHeader> {
    let severity = Severity::from_klog_letter(f[0])?;
    if f[5] != b' ' || f[8] != b':' || f[11] != b':' || f[14] != b'.' || f[21] != b' ' {
        return None;
    }
    let d = |b: u8| b.wrapping_sub(b'0');
    let all_digits = [
        f[1], f[2], f[3], f[4], f[6], f[7], f[9], f[10], f[12], f[13], f[15], f[16], f[17], f[18],
        f[19], f[20],
    ]
    .iter()
    .all(|&b| d(b) <= 9);
    if !all_digits {
        return None;
    }
    let two = |hi: u8, lo: u8| d(hi) * 10 + d(lo);
    let (month, day) = (two(f[1], f[2]), two(f[3], f[4]));
    let (hour, minute, second) = (two(f[6], f[7]), two(f[9], f[10]), two(f[12], f[13]));
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let micros = f[15..21]
        .iter()
        .fold(0u32, |acc, &b| acc * 10 + d(b) as u32);
    Some(KlogHeader {
        severity,
        month,
        day,
        hour,
        minute,
        // A leap second is kept as :59, like the shared clock parser does.
        second: second.min(59),
        micros,
        pid: 0,
        origin_start: 0,
        origin_end: 0,
        body_start: 0,
    })
}

/// A decimal number of 1 to 10 digits that fits `u32`, and its length.
fn decimal(b: &[u8]) -> Option<(u32, usize)> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let value = b.get(..digits)?.iter().try_fold(0u32, |acc, &c| {
        acc.checked_mul(10)?.checked_add((c - b'0') as u32)
    })?;
    Some((value, digits))
}

/// Record parts of a klog record whose text (first line and any
/// continuation lines) is `text` and whose header is `header`.
pub(crate) fn decode<'s>(header: &KlogHeader, text: &'s str) -> Parts<'s> {
    let (message, fields) = message_and_fields(header.body(text));
    Parts {
        payload: Payload::Klog,
        time: header.time(),
        severity: Some(header.severity),
        pid: Some(header.pid),
        message,
        fields,
        origin: Some(Cow::Borrowed(header.origin(text))),
        ..Parts::default()
    }
}

/// Structured (`"msg" k=v ...`) or unstructured body.
fn message_and_fields(body: &str) -> (Cow<'_, str>, Fields<'_>) {
    if body.starts_with('"') {
        if let Some((message, rest)) = split_quoted(body) {
            let tail = rest.trim_start();
            if tail.len() == rest.len() && !rest.is_empty() {
                // `"a"b`: a quote that does not end the message.
                return (Cow::Borrowed(body), Fields::None);
            }
            let fields = if tail.is_empty() {
                Fields::None
            } else {
                Fields::Klog(Cow::Borrowed(tail))
            };
            return (message, fields);
        }
    }
    (Cow::Borrowed(body), Fields::None)
}

/// Lines that begin output not written through klog.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ForeignStart {
    /// `panic: ` (Go runtime, unrecovered panic; exit status 2).
    Panic,
    /// `fatal error: ` (Go runtime fatal error).
    FatalError,
    /// `goroutine N [state]:` (a stack dump).
    Goroutine,
    /// `Error: ` (cobra, before logging is initialised).
    CommandError,
    /// `Usage:` (cobra usage text after a flag error).
    Usage,
    /// `SIGQUIT: quit` (stack dump on SIGQUIT).
    SigQuit,
}

impl ForeignStart {
    /// The severity the output implies, when it implies one.
    pub fn severity(self) -> Option<Severity> {
        match self {
            ForeignStart::Panic | ForeignStart::CommandError => Some(Severity::Error),
            ForeignStart::FatalError => Some(Severity::Fatal),
            ForeignStart::Goroutine | ForeignStart::Usage | ForeignStart::SigQuit => None,
        }
    }
}

/// Does `line` begin Go crash output or cobra command-error output?
pub fn foreign_start(line: &[u8]) -> Option<ForeignStart> {
    let kind = match line.first()? {
        b'p' if line.starts_with(b"panic: ") => ForeignStart::Panic,
        b'f' if line.starts_with(b"fatal error: ") => ForeignStart::FatalError,
        b'g' if is_goroutine_header(line) => ForeignStart::Goroutine,
        b'E' if line.starts_with(b"Error: ") => ForeignStart::CommandError,
        b'U' if line.starts_with(b"Usage:") => ForeignStart::Usage,
        b'S' if line.starts_with(b"SIGQUIT: quit") => ForeignStart::SigQuit,
        _ => return None,
    };
    Some(kind)
}

/// `goroutine 217 [running]:` or, with GOTRACEBACK=system, `goroutine 1 gp=0x.. m=..`.
fn is_goroutine_header(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"goroutine ") else {
        return false;
    };
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    digits > 0
        && rest
            .get(digits..)
            .is_some_and(|r| r.starts_with(b" [") || r.starts_with(b" gp="))
}

/// Parse klog text: see the module documentation.
pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    blocks::parse(chunk, Stream::Klog, out)
}

/// A line start at or after `near` where a record begins (a header or
/// foreign output line), never inside a record's continuation lines.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    blocks::split_at(bytes, near, Stream::Klog)
}

/// Does the head of a file look like klog text?
///
/// Conservative: the first non-blank line must be a klog header, or the
/// file must start with cobra/Go crash output (`Error: `, `panic: `,
/// `fatal error: `) that later lines of the head confirm (a klog header, a
/// `Usage:` line or a `goroutine N [` line): a component that died before
/// logging started.
pub fn sniff(head: &[u8]) -> bool {
    let mut lines = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let Some(first) = lines.next() else {
        return false;
    };
    if header(first).is_some() {
        return true;
    }
    match foreign_start(first) {
        Some(ForeignStart::CommandError | ForeignStart::Panic | ForeignStart::FatalError) => {
            lines.take(4096).any(|l| {
                header(l).is_some()
                    || matches!(
                        foreign_start(l),
                        Some(ForeignStart::Usage | ForeignStart::Goroutine)
                    )
            })
        }
        // `journalctl -o cat` captures (kOps `kubelet.log`, troubleshoot run-host):
        // systemd's own lines first, klog lines mostly after.
        _ => mostly_klog(head),
    }
}

/// At least a third of the first 200 non-blank lines (and at least three) are klog headers.
fn mostly_klog(head: &[u8]) -> bool {
    let lines = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(200);
    let (mut total, mut klog) = (0usize, 0usize);
    for line in lines {
        total += 1;
        klog += usize::from(header(line).is_some());
    }
    klog >= 3 && klog * 3 >= total
}
