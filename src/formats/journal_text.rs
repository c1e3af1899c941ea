//! Journal text: what `journalctl` prints in its `short*` modes, and the
//! syslog copies (`/var/log/messages`) that share their line shape.
//!
//! ```text
//! <timestamp> [<hostname> ]<identifier>[<pid>]: <message>
//!                                               <continuation of a multi-line message>
//! ```
//!
//! # Design
//!
//! Every physical line is classified on its own, from its first bytes
//! ([`Kind`]): an entry (a timestamp at column 0), an indented continuation,
//! a `-x` catalog line (`░░ ` or `-- `), a marker (`-- Boot … --`), one of
//! journalctl's own stderr diagnostics (`Hint: …`), a blank line, or text
//! that fits none of these. The only state is the record still *open*:
//! continuation and catalog lines attach to it, anything else closes it.
//! That makes a chunk boundary placed on any entry line invisible
//! ([`split_at`]), and lets [`parse`] on a partial chunk hold back just the
//! last open record, whose continuation lines may still follow.
//!
//! The timestamp mode is recognised per line by its first byte: an upper-case
//! letter (`Jun 10 …` short/short-precise/syslog, `Mon 2024-06-10 …`
//! short-full/with-unit), a digit (`2024-06-10T…` short-iso*, `1718000000.1…`
//! short-unix) or `[` (short-monotonic/short-delta). Times are reported as
//! written ([`RawTime`]); year and zone are never guessed here.
//!
//! Host presence is decided per line, not per file: the header before the
//! first `": "` holds one token (`--no-hostname`: identifier only) or more
//! (host, then the identifier, which may contain spaces, e.g. `Web Content`).
//! A per-file vote would break the statelessness that chunked parsing relies
//! on; the price is that an identifier with a space in `--no-hostname`
//! output is read as host + identifier. The PID is the last `[digits]` of the
//! header, so identifiers that contain `]` (`gdm-password][587]:`) survive.
//!
//! Damage stays visible: a line that fits no shape (the mid-line start of a
//! byte-tailed sosreport file, a locale's month names) becomes a
//! [`Format::Plain`] record without time, and continuation lines with no
//! entry above are glued to such a record. journalctl's stderr diagnostics
//! (`Journal file … is truncated, ignoring file.`) are records with
//! component `journalctl` and severity warning: they are evidence of lost
//! data. Invalid UTF-8 is replaced and reported; overlong lines are skipped.
//!
//! # Cost
//!
//! The common path is byte-level: a month/digit check, [`tp::clock`], a scan
//! of the few header bytes, and UTF-8 validation of the host, identifier and
//! message slices, which the record then borrows. Nothing is allocated per
//! line; only multi-line messages (rare: stdout-captured services log one
//! entry per line) build an owned message with the continuation indentation
//! removed. Measured: about 1.8 GB/s on one core for short-precise kubelet
//! lines of 216 bytes (see the ignored `throughput_*` test for the command).
//!
//! # Messages
//!
//! The whole message, first line plus de-indented continuation lines, goes
//! to [`payload::decode`]: the decoder sees what the program logged (a klog
//! header on the first line, a Go stack below it) and decides what to keep.
//! Whitespace-only continuation lines at the end of a message are counted
//! but not kept. Catalog lines are counted in the entry's lines but kept out
//! of its message: they are journalctl's explanation, not what was logged.
//! A record stops growing at [`MAX_RECORD_BYTES`], so one pathological
//! message cannot hold unbounded memory or stall chunked parsing.

use std::borrow::Cow;

use memchr::{memchr, memrchr};

use super::lines::{self, Line, MAX_LINE_BYTES};
use super::{payload, Chunk};
use crate::record::{Fields, Format, Position, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::parse as tp;
use crate::time::{CivilTime, RawTime};

/// Field holding the seconds since boot of a `short-monotonic`/`short-delta`
/// line, as written (`45543.872001`); such records have no wall-clock time.
pub const MONOTONIC_FIELD: &str = "monotonic";

/// Component of the records made from journalctl's own stderr diagnostics.
pub const JOURNALCTL: &str = "journalctl";

/// The header (`host ident[pid]`) is looked for in this many bytes after the timestamp.
const MAX_HEADER_BYTES: usize = 512;

/// At most this many spaces inside a header (host, then an identifier with spaces).
const MAX_HEADER_SPACES: usize = 3;

/// A record stops taking continuation lines once its lines hold this many
/// bytes; later ones start a plain-text record. Bounds the memory of one
/// message and how much a partial chunk holds back.
pub const MAX_RECORD_BYTES: usize = MAX_LINE_BYTES;

/// Lines of a file head that [`sniff`] weighs.
const SNIFF_LINES: usize = 64;

/// Prefix of `-x` catalog lines in UTF-8 locales: U+2591 twice.
const CATALOG_SHADES: &[u8] = "░░".as_bytes();

/// Start of journalctl's stderr messages that collectors merge into the output.
const DIAGNOSTIC_PREFIXES: [&[u8]; 8] = [
    b"Hint: ",
    b"Warning: ",
    b"Notice: ",
    b"Journal file ",
    b"No journal files were ",
    b"Failed to ",
    b"Data from the specified boot ",
    b"Specifying boot ID or boot offset has no effect",
];

/// Suffixes of systemd unit names (the identifier of `-o with-unit`).
const UNIT_SUFFIXES: [&[u8]; 11] = [
    b".service",
    b".scope",
    b".slice",
    b".socket",
    b".mount",
    b".automount",
    b".timer",
    b".target",
    b".path",
    b".swap",
    b".device",
];

const WEEKDAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];

// ---------------------------------------------------------------------------
// Module API
// ---------------------------------------------------------------------------

/// Emit the records of `chunk`; returns the bytes consumed. With
/// `chunk.at_eof == false` the last record is left unconsumed, since more
/// continuation lines may follow it in the next chunk.
pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    let mut lines = chunk.lines();
    let mut open: Option<Open<'_>> = None;
    for line in lines.by_ref() {
        let kind = classify(line.bytes);
        if let Some(record) = open.as_mut() {
            if record.attach(line, &kind) {
                continue;
            }
        }
        if let Some(record) = open.take() {
            record.emit(out);
        }
        open = start(line, kind, out);
    }
    match open {
        Some(record) if !chunk.at_eof => {
            usize::try_from(record.first.offset - chunk.base_offset).unwrap_or(0)
        }
        Some(record) => {
            record.emit(out);
            lines.consumed()
        }
        None => lines.consumed(),
    }
}

/// The start of the first entry line (a journal timestamp at column 0) at or
/// after `near`; `Some(0)` for `near == 0`, the start of the input.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    if near == 0 {
        return Some(0);
    }
    let mut at = super::next_line_start(bytes, near)?;
    while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
        let end = memchr(b'\n', rest).unwrap_or(rest.len());
        let line = rest.get(..end).unwrap_or(rest);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() <= MAX_LINE_BYTES && stamp(line).is_some() {
            return Some(at);
        }
        at += end + 1;
    }
    None
}

/// Does this head look like journal text? True when it starts with a journal
/// marker line, or when at least three quarters of its first lines (ignoring
/// blank, marker, continuation, catalog and diagnostic lines) are entries
/// with a one- or two-token header, and at least half of those name a PID or
/// the kernel. klog, CRI and logfmt lines fail the timestamp or the header
/// shape; dmesg lines (`[    1.2] ACPI: …`) fail the PID/kernel vote.
pub fn sniff(head: &[u8]) -> bool {
    let complete_lines_only = memchr(b'\n', head).is_some();
    let mut vote = SniffVote::default();
    for line in lines::Lines::new(head, 1, 0, !complete_lines_only) {
        match classify(line.bytes) {
            Kind::Marker if vote.seen == 0 => return true,
            Kind::Blank
            | Kind::Marker
            | Kind::Indented { .. }
            | Kind::Catalog
            | Kind::Diagnostic => {}
            Kind::Entry(entry) => vote.entry(&entry),
            Kind::Binary | Kind::TooLong | Kind::Text => vote.seen += 1,
        }
        if vote.seen >= SNIFF_LINES {
            break;
        }
    }
    vote.accepts()
}

#[derive(Default)]
struct SniffVote {
    seen: usize,
    /// Entries whose header has the journal shape.
    shaped: usize,
    /// Shaped entries with a PID or the `kernel` identifier.
    strong: usize,
}

impl SniffVote {
    fn entry(&mut self, entry: &Entry<'_>) {
        self.seen += 1;
        let Some(ident) = entry.ident else { return };
        let cri_stream = matches!(entry.host, Some(b"stdout" | b"stderr"));
        if entry.header_tokens > 2 || cri_stream {
            return;
        }
        self.shaped += 1;
        if entry.pid.is_some() || ident == b"kernel" {
            self.strong += 1;
        }
    }

    fn accepts(&self) -> bool {
        self.shaped > 0 && self.shaped * 4 >= self.seen * 3 && self.strong * 2 >= self.shaped
    }
}

// ---------------------------------------------------------------------------
// Line classification
// ---------------------------------------------------------------------------

/// What one physical line is, judged from the line alone.
#[derive(Debug)]
enum Kind<'a> {
    /// Empty, or only whitespace not starting with a space/TAB.
    Blank,
    /// NUL bytes (a hole left by a crash), nothing else but whitespace.
    Binary,
    TooLong,
    /// Starts with a space or TAB: continuation of a multi-line message.
    /// `blank`: whitespace only (an empty line inside the message).
    Indented {
        blank: bool,
    },
    /// A `-x` explanation line: `░░ …` or, on old systemd / C locale, `-- …`.
    Catalog,
    /// `-- Boot … --`, `-- Reboot --`, `-- Logs begin at … --`, ...
    Marker,
    /// A timestamp at column 0.
    Entry(Entry<'a>),
    /// journalctl's own stderr (`Hint: …`, `Journal file … is truncated …`).
    Diagnostic,
    /// Fits no shape.
    Text,
}

fn classify(b: &[u8]) -> Kind<'_> {
    if b.len() > MAX_LINE_BYTES {
        return Kind::TooLong;
    }
    match b.first() {
        None => Kind::Blank,
        Some(b' ' | b'\t') => Kind::Indented {
            blank: b.iter().all(u8::is_ascii_whitespace),
        },
        Some(b'-') if is_marker(b) => Kind::Marker,
        Some(b'-') if b == b"--" || b.starts_with(b"-- ") => Kind::Catalog,
        Some(0xE2) if b.starts_with(CATALOG_SHADES) => Kind::Catalog,
        Some(0) => classify_nul(b),
        Some(_) => match entry(b) {
            Some(e) => Kind::Entry(e),
            None if DIAGNOSTIC_PREFIXES.iter().any(|p| b.starts_with(p)) => Kind::Diagnostic,
            None if b.iter().all(u8::is_ascii_whitespace) => Kind::Blank,
            None => Kind::Text,
        },
    }
}

fn classify_nul(b: &[u8]) -> Kind<'_> {
    if b.iter().all(|c| *c == 0 || c.is_ascii_whitespace()) {
        Kind::Binary
    } else {
        Kind::Text
    }
}

/// The fixed marker texts journalctl prints between entries (journald.md §5).
fn is_marker(b: &[u8]) -> bool {
    let b = b.trim_ascii_end();
    if b == b"-- Reboot --" || b == b"-- No entries --" || b.starts_with(b"-- cursor: ") {
        return true;
    }
    if let Some(id) = b
        .strip_prefix(b"-- Boot ")
        .and_then(|r| r.strip_suffix(b" --"))
    {
        return id.len() == 32 && id.iter().all(u8::is_ascii_hexdigit);
    }
    (b.starts_with(b"-- Logs begin at ") || b.starts_with(b"-- Journal begins at "))
        && b.ends_with(b" --")
}

// ---------------------------------------------------------------------------
// Entry lines: timestamp and header
// ---------------------------------------------------------------------------

/// The first line of a journal entry, split into its parts.
#[derive(Debug, Clone, Copy)]
struct Entry<'a> {
    time: RawTime,
    /// Seconds since boot of monotonic modes.
    monotonic: Option<&'a [u8]>,
    host: Option<&'a [u8]>,
    /// `None`: a timestamped line without `ident: ` (syslog `-- MARK --`, damage).
    ident: Option<&'a [u8]>,
    pid: Option<u32>,
    message: &'a [u8],
    /// Byte column where the message starts: the indentation of continuation lines.
    column: usize,
    /// Space-separated tokens before the `:` of the header.
    header_tokens: usize,
}

fn entry(b: &[u8]) -> Option<Entry<'_>> {
    let stamp = stamp(b)?;
    let column = stamp.len + 1;
    let rest = b.get(column..)?;
    let mut e = Entry {
        time: stamp.time,
        monotonic: stamp.monotonic,
        host: None,
        ident: None,
        pid: None,
        message: rest,
        column,
        header_tokens: 0,
    };
    if let Some(h) = header(rest) {
        e.host = h.host;
        e.ident = Some(h.ident);
        e.pid = h.pid;
        e.message = rest.get(h.message_at..).unwrap_or_default();
        e.column = column + h.message_at;
        e.header_tokens = h.tokens;
    }
    Some(e)
}

/// A timestamp at the start of a line, and its length (the byte after it is a space).
struct Stamp<'a> {
    time: RawTime,
    monotonic: Option<&'a [u8]>,
    len: usize,
}

fn stamp(b: &[u8]) -> Option<Stamp<'_>> {
    let stamp = match b.first()? {
        b'A'..=b'Z' if is_weekday(b) => full_stamp(b),
        b'A'..=b'Z' => short_stamp(b),
        b'0'..=b'9' if b.get(4) == Some(&b'-') => iso_stamp(b),
        b'0'..=b'9' => unix_stamp(b),
        b'[' => monotonic_stamp(b),
        _ => None,
    }?;
    (b.get(stamp.len) == Some(&b' ')).then_some(stamp)
}

fn civil_stamp(time: CivilTime, len: usize) -> Stamp<'static> {
    Stamp {
        time: RawTime::Civil(time),
        monotonic: None,
        len,
    }
}

/// `Jun 10 08:13:20`, `Jun 10 08:13:20.123456` (short, short-precise) and the
/// syslog form with a space-padded day, `Jun  5 08:13:20`.
fn short_stamp(b: &[u8]) -> Option<Stamp<'static>> {
    let month = tp::month_abbrev(b)?;
    if b.get(3) != Some(&b' ') || b.get(6) != Some(&b' ') {
        return None;
    }
    let day = match b.get(4..6)? {
        [b' ', d @ b'1'..=b'9'] => d - b'0',
        digits => tp::two_digits(digits)?,
    };
    if !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute, second, nanos, used) = tp::clock(b.get(7..)?)?;
    let time = CivilTime {
        year: None,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset: None,
    };
    Some(civil_stamp(time, 7 + used))
}

fn is_weekday(b: &[u8]) -> bool {
    b.get(..3).is_some_and(|w| WEEKDAYS.contains(&w))
        && b.get(3) == Some(&b' ')
        && b.get(4).is_some_and(u8::is_ascii_digit)
}

/// `Mon 2024-06-10 08:13:20 CEST` (short-full, with-unit). The zone
/// abbreviation gives the offset when it is unambiguous
/// ([`tp::zone_abbrev`]); numeric names (`+03`) are offsets.
fn full_stamp(b: &[u8]) -> Option<Stamp<'static>> {
    let (mut time, used) = tp::rfc3339(b.get(4..)?)?;
    let mut len = 4 + used;
    if time.offset.is_none() && b.get(len) == Some(&b' ') {
        if let Some((offset, zone_len)) = zone(b.get(len + 1..)?) {
            time.offset = offset;
            len += 1 + zone_len;
        }
    }
    Some(civil_stamp(time, len))
}

/// A zone name token (`CEST`, `UTC`, `+03`, `-0330`): its offset when known, and its length.
fn zone(b: &[u8]) -> Option<(Option<i32>, usize)> {
    let token = b.get(..memchr(b' ', b)?)?;
    if token.is_empty() || token.len() > 6 {
        return None;
    }
    if token.iter().all(u8::is_ascii_uppercase) {
        let name = std::str::from_utf8(token).ok()?;
        return Some((tp::zone_abbrev(name), token.len()));
    }
    let signed = matches!(token.first(), Some(b'+' | b'-'));
    let offset = tp::offset(token).filter(|_| signed)?;
    Some((Some(offset), token.len()))
}

/// `2024-06-10T08:13:20+0200`, `…+02:00`, `…20.123456+02:00` (short-iso, short-iso-precise).
fn iso_stamp(b: &[u8]) -> Option<Stamp<'static>> {
    let (time, used) = tp::rfc3339(b)?;
    Some(civil_stamp(time, used))
}

/// `1718000000.123456` (short-unix; the fraction is always printed).
fn unix_stamp(b: &[u8]) -> Option<Stamp<'static>> {
    let (ns, used) = tp::unix_seconds(b)?;
    memchr(b'.', b.get(..used)?)?;
    Some(Stamp {
        time: RawTime::Exact(ns),
        monotonic: None,
        len: used,
    })
}

/// `[45543.872001]`, `[   12.000345]` (short-monotonic) and
/// `[   12.000345 <    0.000120>]` (short-delta): seconds since boot, no wall-clock time.
fn monotonic_stamp(b: &[u8]) -> Option<Stamp<'_>> {
    let close = memchr(b']', b.get(..b.len().min(48))?)?;
    let inner = b.get(1..close)?;
    let seconds = inner.trim_ascii_start();
    let seconds_len = seconds
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'.')
        .count();
    let (seconds, delta) = seconds.split_at(seconds_len);
    let dot = memchr(b'.', seconds)?;
    let well_formed = dot > 0
        && dot + 1 < seconds.len()
        && memrchr(b'.', seconds) == Some(dot)
        && (delta.is_empty()
            || (delta.starts_with(b" ")
                && delta
                    .iter()
                    .all(|c| matches!(c, b' ' | b'<' | b'>' | b'*' | b'.' | b'0'..=b'9'))));
    well_formed.then_some(Stamp {
        time: RawTime::None,
        monotonic: Some(seconds),
        len: close + 1,
    })
}

/// `host ident[pid]` before the first `": "` of the text after the timestamp.
struct Header<'a> {
    host: Option<&'a [u8]>,
    ident: &'a [u8],
    pid: Option<u32>,
    /// Where the message starts, after `": "`.
    message_at: usize,
    tokens: usize,
}

fn header(rest: &[u8]) -> Option<Header<'_>> {
    let window = rest.get(..rest.len().min(MAX_HEADER_BYTES))?;
    let mut first_space = None;
    let mut spaces = 0;
    for (i, c) in window.iter().enumerate() {
        match c {
            b' ' if i == 0 => return None,
            b' ' => {
                spaces += 1;
                if spaces > MAX_HEADER_SPACES {
                    return None;
                }
                first_space.get_or_insert(i);
            }
            b':' if ends_header(rest, i) => {
                let tag = rest.get(..i)?;
                let (host, ident) = match first_space {
                    Some(s) => (tag.get(..s), tag.get(s + 1..)?),
                    None => (None, tag),
                };
                let (ident, pid) = split_pid(ident);
                return Some(Header {
                    host,
                    ident,
                    pid,
                    message_at: (i + 2).min(rest.len()),
                    tokens: spaces + 1,
                });
            }
            _ => {}
        }
    }
    None
}

/// A `:` at `i` ends the header when it follows a non-space and is followed
/// by a space or the end of the line (an entry with an empty message).
fn ends_header(rest: &[u8], i: usize) -> bool {
    i > 0 && rest.get(i - 1) != Some(&b' ') && matches!(rest.get(i + 1), None | Some(b' '))
}

/// `kubelet[1234]` → (`kubelet`, 1234); the PID is the last bracketed number,
/// so `gdm-password][587]` → (`gdm-password]`, 587).
fn split_pid(ident: &[u8]) -> (&[u8], Option<u32>) {
    let Some(inner) = ident.strip_suffix(b"]") else {
        return (ident, None);
    };
    let Some(open) = memrchr(b'[', inner) else {
        return (ident, None);
    };
    let digits = inner.get(open + 1..).unwrap_or_default();
    let pid = (1..=10)
        .contains(&digits.len())
        .then(|| std::str::from_utf8(digits).ok()?.parse::<u32>().ok())
        .flatten();
    match pid {
        Some(pid) => (inner.get(..open).unwrap_or_default(), Some(pid)),
        None => (ident, None),
    }
}

/// `kubelet.service` → `kubelet`; `user@1000.service/app.service` → `app`.
fn unit_stem(ident: &[u8]) -> Option<&[u8]> {
    let last = match memrchr(b'/', ident) {
        Some(slash) => ident.get(slash + 1..)?,
        None => ident,
    };
    UNIT_SUFFIXES
        .iter()
        .find_map(|suffix| last.strip_suffix(*suffix).filter(|stem| !stem.is_empty()))
}

// ---------------------------------------------------------------------------
// Records
// ---------------------------------------------------------------------------

/// Start what `line` begins: emit single-line items at once, return the
/// record that later continuation lines may still join.
fn start<'a>(line: Line<'a>, kind: Kind<'a>, out: &mut dyn Emit) -> Option<Open<'a>> {
    match kind {
        Kind::Entry(entry) => return Some(Open::new(line, Body::Entry(entry))),
        Kind::Text | Kind::Catalog | Kind::Indented { blank: false } => {
            return Some(Open::new(line, Body::Text))
        }
        Kind::Blank | Kind::Indented { blank: true } => skip(out, line, SkipReason::Blank, ""),
        Kind::Marker => skip(out, line, SkipReason::Marker, lines::text(line.bytes)),
        Kind::Binary => skip(out, line, SkipReason::Binary, "NUL bytes"),
        Kind::TooLong => {
            let detail = format!("line of {} bytes", line.bytes.len());
            skip(out, line, SkipReason::TooLong, detail);
        }
        Kind::Diagnostic => emit_diagnostic(line, out),
    }
    None
}

fn skip<'a>(
    out: &mut dyn Emit,
    line: Line<'a>,
    reason: SkipReason,
    detail: impl Into<Cow<'a, str>>,
) {
    out.skip(Skip {
        position: line.position(1),
        reason,
        detail: detail.into(),
    });
}

/// A journalctl stderr line: evidence that journal data was not shown.
fn emit_diagnostic(line: Line<'_>, out: &mut dyn Emit) {
    let mut lossy = false;
    let position = line.position(1);
    let mut record = Record::new(Format::JournalText, position, text(line.bytes, &mut lossy));
    record.component = Some(Cow::Borrowed(JOURNALCTL));
    record.severity = Severity::Warning;
    out.record(record);
    if lossy {
        out.problem(position, Problem::InvalidUtf8);
    }
}

/// What the open record was started by.
enum Body<'a> {
    Entry(Entry<'a>),
    /// A line that fits no shape (or an orphan continuation): kept as plain text.
    Text,
}

/// The record being built: its first line and the lines that joined it.
struct Open<'a> {
    first: Line<'a>,
    lines: u32,
    /// Bytes of all its lines, for [`MAX_RECORD_BYTES`].
    bytes: usize,
    body: Body<'a>,
    /// `\n` + text of each joined line; only multi-line records allocate it.
    tail: Option<String>,
    /// Whitespace-only continuation lines not yet added to `tail` (dropped if trailing).
    held_blank: u32,
    /// A joined line had invalid UTF-8.
    lossy: bool,
}

impl<'a> Open<'a> {
    fn new(first: Line<'a>, body: Body<'a>) -> Open<'a> {
        Open {
            first,
            lines: 1,
            bytes: first.bytes.len(),
            body,
            tail: None,
            held_blank: 0,
            lossy: false,
        }
    }

    /// Join `line` when it continues this record (indented or catalog line)
    /// and the record has room for it.
    fn attach(&mut self, line: Line<'a>, kind: &Kind<'_>) -> bool {
        let joins = matches!(kind, Kind::Indented { .. } | Kind::Catalog);
        let bytes = self.bytes.saturating_add(line.bytes.len());
        if !joins || bytes > MAX_RECORD_BYTES || self.lines == u32::MAX {
            return false;
        }
        self.bytes = bytes;
        self.lines += 1;
        match (&self.body, kind) {
            (Body::Entry(_), Kind::Catalog) => {}
            (Body::Entry(_), Kind::Indented { blank: true }) => self.held_blank += 1,
            (Body::Entry(entry), _) => {
                let column = entry.column;
                self.push_line(strip_indent(line.bytes, column));
            }
            (Body::Text, _) => self.push_line(line.bytes),
        }
        true
    }

    fn push_line(&mut self, bytes: &[u8]) {
        let line = text(bytes, &mut self.lossy);
        let tail = self.tail.get_or_insert_with(String::new);
        for _ in 0..std::mem::take(&mut self.held_blank) {
            tail.push('\n');
        }
        tail.push('\n');
        tail.push_str(&line);
    }

    fn emit(self, out: &mut dyn Emit) {
        let position = self.first.position(self.lines);
        let mut lossy = self.lossy;
        let record = match self.body {
            Body::Entry(entry) => entry_record(entry, position, self.tail, &mut lossy),
            Body::Text => {
                let message = joined(text(self.first.bytes, &mut lossy), self.tail);
                Record::new(Format::Plain, position, message)
            }
        };
        out.record(record);
        if lossy {
            out.problem(position, Problem::InvalidUtf8);
        }
    }
}

fn entry_record<'a>(
    entry: Entry<'a>,
    position: Position,
    tail: Option<String>,
    lossy: &mut bool,
) -> Record<'a> {
    let mut record = Record {
        time: entry.time,
        position,
        format: Format::JournalText,
        node: entry.host.map(|host| text(host, lossy)),
        pid: entry.pid,
        ..Record::default()
    };
    if let Some(ident) = entry.ident.filter(|i| !i.is_empty()) {
        match unit_stem(ident) {
            Some(stem) => {
                record.unit = Some(text(ident, lossy));
                record.component = Some(text(stem, lossy));
            }
            None => record.component = Some(text(ident, lossy)),
        }
    }
    let message = joined(text(entry.message, lossy), tail);
    payload::decode(message, &mut record);
    if let Some(seconds) = entry.monotonic {
        let fields = std::mem::take(&mut record.fields);
        record.fields = with_monotonic(fields, text(seconds, lossy));
    }
    record
}

/// The first line's text followed by the joined lines, borrowed when there are none.
fn joined(first: Cow<'_, str>, tail: Option<String>) -> Cow<'_, str> {
    match tail {
        None => first,
        Some(tail) => {
            let mut all = String::with_capacity(first.len() + tail.len());
            all.push_str(&first);
            all.push_str(&tail);
            Cow::Owned(all)
        }
    }
}

/// Add the monotonic seconds to the fields the payload decoder produced.
/// Rare (monotonic modes only), so converting lazy fields to a list is fine.
fn with_monotonic<'a>(fields: Fields<'a>, seconds: Cow<'a, str>) -> Fields<'a> {
    let entry = (Cow::Borrowed(MONOTONIC_FIELD), seconds);
    match fields {
        Fields::None => Fields::List(vec![entry]),
        Fields::List(mut list) => {
            list.push(entry);
            Fields::List(list)
        }
        lazy @ (Fields::Klog(_) | Fields::Logfmt(_)) => {
            let mut list: Vec<(Cow<'a, str>, Cow<'a, str>)> = lazy
                .iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), Cow::Owned(v.into_owned())))
                .collect();
            list.push(entry);
            Fields::List(list)
        }
    }
}

/// Remove the indentation journalctl added (at most `column` spaces).
fn strip_indent(line: &[u8], column: usize) -> &[u8] {
    let spaces = line.iter().take(column).take_while(|c| **c == b' ').count();
    line.get(spaces..).unwrap_or_default()
}

/// Bytes as text, noting whether invalid UTF-8 had to be replaced.
/// `str::from_utf8` first: its ASCII fast path is several times quicker than
/// the chunked validation of `from_utf8_lossy`, and valid text is the rule.
fn text<'a>(bytes: &'a [u8], lossy: &mut bool) -> Cow<'a, str> {
    match std::str::from_utf8(bytes) {
        Ok(valid) => Cow::Borrowed(valid),
        Err(_) => {
            *lossy = true;
            lines::text(bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{assert_same, chunk_at, head, parse_streamed, parse_whole};
    use crate::sink::Collect;
    use proptest::prelude::*;

    // ---- helpers --------------------------------------------------------

    /// Parse a whole input: everything consumed, every line accounted.
    fn run(input: &[u8]) -> Collect {
        parse_whole(parse, input)
    }

    /// The single record of a clean input.
    fn only(input: &str) -> Record<'static> {
        let out = run(input.as_bytes());
        assert!(out.skips.is_empty(), "{:?}", out.skips);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        assert_eq!(out.records.len(), 1, "{:?}", out.records);
        out.records.into_iter().next().unwrap()
    }

    #[allow(clippy::too_many_arguments)]
    fn civil(
        year: Option<i16>,
        month: u8,
        day: u8,
        hour: u8,
        minute: u8,
        second: u8,
        nanos: u32,
        offset: Option<i32>,
    ) -> RawTime {
        RawTime::Civil(CivilTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset,
        })
    }

    /// The record carries exactly what the payload decoder makes of `message`.
    fn assert_payload(record: &Record<'_>, message: &str) {
        let mut want = Record::default();
        payload::decode(Cow::Borrowed(message), &mut want);
        assert_eq!(record.message, want.message);
        assert_eq!(record.payload, want.payload);
        assert_eq!(record.severity, want.severity);
        assert_eq!(record.fields, want.fields);
        assert_eq!(record.origin, want.origin);
    }

    /// (node, component, unit, pid) of a record.
    fn who<'r>(
        record: &'r Record<'_>,
    ) -> (
        Option<&'r str>,
        Option<&'r str>,
        Option<&'r str>,
        Option<u32>,
    ) {
        (
            record.node.as_deref(),
            record.component.as_deref(),
            record.unit.as_deref(),
            record.pid,
        )
    }

    fn lines_of(out: &Collect) -> Vec<(u64, u32)> {
        out.records
            .iter()
            .map(|r| (r.position.line, r.position.lines))
            .collect()
    }

    fn skips_of(out: &Collect) -> Vec<(u64, SkipReason)> {
        out.skips
            .iter()
            .map(|s| (s.position.line, s.reason))
            .collect()
    }

    /// Parse `input[..split]` as a non-final chunk, then the rest from where it stopped.
    fn parse_in_two(input: &[u8], split: usize) -> Collect {
        parse_streamed(parse, input, split)
    }

    // ---- text modes -----------------------------------------------------

    #[test]
    fn short_mode_has_no_year_no_zone_and_a_zero_padded_day() {
        let r = only("Jun 05 08:13:20 node-a containerd[812]: loading plugin\n");
        assert_eq!(r.time, civil(None, 6, 5, 8, 13, 20, 0, None));
        assert_eq!(
            who(&r),
            (Some("node-a"), Some("containerd"), None, Some(812))
        );
        assert_eq!(r.format, Format::JournalText);
        assert_eq!(
            r.position,
            Position {
                line: 1,
                offset: 0,
                lines: 1
            }
        );
        assert_payload(&r, "loading plugin");
    }

    #[test]
    fn short_precise_keeps_microseconds_and_hands_klog_to_the_payload_decoder() {
        let klog = r#"I0610 06:13:20.123400    1234 server.go:487] "Kubelet version" kubeletVersion="v1.30.2""#;
        let r = only(&format!(
            "Jun 10 08:13:20.123456 node-a kubelet[1234]: {klog}\n"
        ));
        assert_eq!(r.time, civil(None, 6, 10, 8, 13, 20, 123_456_000, None));
        assert_eq!(who(&r), (Some("node-a"), Some("kubelet"), None, Some(1234)));
        assert_payload(&r, klog);
    }

    #[test]
    fn syslog_copies_have_a_space_padded_day() {
        let r = only("Jun  5 08:13:20 node-a kubelet[1234]: Started kubelet\n");
        assert_eq!(r.time, civil(None, 6, 5, 8, 13, 20, 0, None));
        assert_eq!(who(&r), (Some("node-a"), Some("kubelet"), None, Some(1234)));
        assert_payload(&r, "Started kubelet");
    }

    #[test]
    fn short_iso_has_year_and_offset_in_both_offset_forms() {
        let old = only("2024-06-10T08:13:20+0200 node-a kubelet[1234]: a\n");
        let new = only("2024-06-10T08:13:20+02:00 node-a kubelet[1234]: a\n");
        let utc = only("2024-06-10T06:13:20+0000 node-a kubelet[1234]: a\n");
        assert_eq!(old.time, civil(Some(2024), 6, 10, 8, 13, 20, 0, Some(7200)));
        assert_eq!(new.time, old.time);
        assert_eq!(utc.time, civil(Some(2024), 6, 10, 6, 13, 20, 0, Some(0)));
        assert_eq!(
            who(&new),
            (Some("node-a"), Some("kubelet"), None, Some(1234))
        );
        assert_payload(&new, "a");
    }

    #[test]
    fn short_iso_precise_has_the_fraction_before_the_offset() {
        let r = only("2024-06-10T08:13:20.123456+02:00 node-a kubelet[1234]: a\n");
        assert_eq!(
            r.time,
            civil(Some(2024), 6, 10, 8, 13, 20, 123_456_000, Some(7200))
        );
        let r = only("2024-06-10T08:13:20.123456-0530 node-a kubelet[1234]: a\n");
        assert_eq!(
            r.time,
            civil(Some(2024), 6, 10, 8, 13, 20, 123_456_000, Some(-19800))
        );
    }

    #[test]
    fn short_full_resolves_unambiguous_zone_names_only() {
        let cest = only("Mon 2024-06-10 08:13:20 CEST node-a kubelet[1234]: a\n");
        assert_eq!(
            cest.time,
            civil(Some(2024), 6, 10, 8, 13, 20, 0, Some(7200))
        );
        assert_eq!(
            who(&cest),
            (Some("node-a"), Some("kubelet"), None, Some(1234))
        );
        assert_payload(&cest, "a");
        let utc = only("Mon 2024-06-10 06:13:20 UTC node-a kubelet[1234]: a\n");
        assert_eq!(utc.time, civil(Some(2024), 6, 10, 6, 13, 20, 0, Some(0)));
        // CST is China, Cuba or US Central: the file's zone decides later.
        let cst = only("Mon 2024-06-10 01:13:20 CST node-a kubelet[1234]: a\n");
        assert_eq!(cst.time, civil(Some(2024), 6, 10, 1, 13, 20, 0, None));
        assert_eq!(cst.node.as_deref(), Some("node-a"));
        // Zones without an abbreviation print a numeric name.
        let numeric = only("Mon 2024-06-10 09:13:20 +03 node-a kubelet[1234]: a\n");
        assert_eq!(
            numeric.time,
            civil(Some(2024), 6, 10, 9, 13, 20, 0, Some(3 * 3600))
        );
    }

    #[test]
    fn with_unit_names_the_unit_and_its_stem_as_component() {
        let r = only("Mon 2024-06-10 08:13:20 CEST node-a kubelet.service[1234]: a\n");
        assert_eq!(r.time, civil(Some(2024), 6, 10, 8, 13, 20, 0, Some(7200)));
        assert_eq!(
            who(&r),
            (
                Some("node-a"),
                Some("kubelet"),
                Some("kubelet.service"),
                Some(1234)
            )
        );
        let user =
            only("Mon 2024-06-10 08:13:20 CEST node-a user@1000.service/app.service[99]: a\n");
        assert_eq!(
            who(&user),
            (
                Some("node-a"),
                Some("app"),
                Some("user@1000.service/app.service"),
                Some(99)
            )
        );
        // Kernel lines have no unit: with-unit falls back to the identifier.
        let kernel = only("Mon 2024-06-10 08:13:21 CEST node-a kernel: eth0: link up\n");
        assert_eq!(who(&kernel), (Some("node-a"), Some("kernel"), None, None));
    }

    #[test]
    fn short_unix_is_an_exact_instant() {
        let r = only("1718000000.123456 node-a kubelet[1234]: a\n");
        assert_eq!(r.time, RawTime::Exact(1_718_000_000_123_456_000));
        assert_eq!(who(&r), (Some("node-a"), Some("kubelet"), None, Some(1234)));
        assert_payload(&r, "a");
    }

    #[test]
    fn short_monotonic_has_no_wall_clock_and_keeps_the_seconds_in_a_field() {
        let r = only("[45543.872001] node-a kubelet[1234]: a\n");
        assert_eq!(r.time, RawTime::None);
        assert_eq!(who(&r), (Some("node-a"), Some("kubelet"), None, Some(1234)));
        assert_eq!(
            r.fields.get(MONOTONIC_FIELD).as_deref(),
            Some("45543.872001")
        );
        assert_eq!(r.message, "a");
        let padded = only("[   12.000345] node-a kernel: eth0: link up\n");
        assert_eq!(
            padded.fields.get(MONOTONIC_FIELD).as_deref(),
            Some("12.000345")
        );
        assert_eq!(who(&padded), (Some("node-a"), Some("kernel"), None, None));
        let delta = only("[   12.000345 <    0.000120>] node-a kernel: eth0: link up\n");
        assert_eq!(
            delta.fields.get(MONOTONIC_FIELD).as_deref(),
            Some("12.000345")
        );
        assert_eq!(delta.message, "eth0: link up");
    }

    #[test]
    fn no_hostname_output_has_the_identifier_first() {
        let r = only("Jun 10 08:13:20.123456 kubelet[1234]: Started\n");
        assert_eq!(who(&r), (None, Some("kubelet"), None, Some(1234)));
        assert_payload(&r, "Started");
        let kernel = only("Jun 10 08:13:21.000000 kernel: IPv6: ADDRCONF(NETDEV_CHANGE): up\n");
        assert_eq!(who(&kernel), (None, Some("kernel"), None, None));
        assert_payload(&kernel, "IPv6: ADDRCONF(NETDEV_CHANGE): up");
    }

    #[test]
    fn hosts_and_no_hosts_mix_line_by_line() {
        let out = run(b"Jun 10 08:13:20 node-a kubelet[1]: a\n\
                        Jun 10 08:13:20 kubelet[1]: b\n\
                        Jun 10 08:13:20 node-b kubelet[2]: c\n");
        let nodes: Vec<_> = out.records.iter().map(|r| r.node.as_deref()).collect();
        assert_eq!(nodes, [Some("node-a"), None, Some("node-b")]);
    }

    #[test]
    fn kernel_lines_have_no_pid_and_keep_colons_of_the_message() {
        let r = only("Jun 10 08:13:21 node-a kernel: IPv6: ADDRCONF(NETDEV_CHANGE): cali1234: link becomes ready\n");
        assert_eq!(who(&r), (Some("node-a"), Some("kernel"), None, None));
        assert_payload(
            &r,
            "IPv6: ADDRCONF(NETDEV_CHANGE): cali1234: link becomes ready",
        );
    }

    #[test]
    fn identifiers_may_contain_brackets_and_spaces() {
        // From the export sample: SYSLOG_IDENTIFIER=gdm-password], SYSLOG_PID=587.
        let r = only("Jul 17 18:01:01 epsilon gdm-password][587]: AccountsService-DEBUG(+): ActUserManager: ignoring\n");
        assert_eq!(
            who(&r),
            (Some("epsilon"), Some("gdm-password]"), None, Some(587))
        );
        assert_payload(&r, "AccountsService-DEBUG(+): ActUserManager: ignoring");
        let r = only("Jul 17 18:01:01 epsilon /USR/SBIN/CROND[8278]: (root) CMD (run-parts /etc/cron.hourly)\n");
        assert_eq!(
            who(&r),
            (Some("epsilon"), Some("/USR/SBIN/CROND"), None, Some(8278))
        );
        let r = only("Jun 10 08:13:20 node-a Web Content[4321]: crashed\n");
        assert_eq!(
            who(&r),
            (Some("node-a"), Some("Web Content"), None, Some(4321))
        );
        // Not a number in the brackets: part of the identifier.
        let r = only("Jun 10 08:13:20 node-a foo[bar]: x\n");
        assert_eq!(who(&r), (Some("node-a"), Some("foo[bar]"), None, None));
    }

    #[test]
    fn openshift_kubelet_identifier_is_kept_as_written() {
        let r = only("Jun 10 06:13:20.123456 master-0 kubenswrapper[2345]: I0610 06:13:20.123400    2345 kubelet.go:2400] \"SyncLoop ADD\"\n");
        assert_eq!(
            who(&r),
            (Some("master-0"), Some("kubenswrapper"), None, Some(2345))
        );
    }

    #[test]
    fn an_empty_message_is_an_entry() {
        let r = only("Jun 10 08:13:20 node-a myapp[7]:\n");
        assert_eq!(who(&r), (Some("node-a"), Some("myapp"), None, Some(7)));
        assert_payload(&r, "");
        let r = only("Jun 10 08:13:20 node-a myapp[7]: \n");
        assert_payload(&r, "");
    }

    #[test]
    fn a_timestamped_line_without_identifier_keeps_its_time() {
        let r = only("Jun  5 08:20:00 node-a -- MARK --\n");
        assert_eq!(r.time, civil(None, 6, 5, 8, 20, 0, 0, None));
        assert_eq!(who(&r), (None, None, None, None));
        assert_eq!(r.format, Format::JournalText);
        assert_payload(&r, "node-a -- MARK --");
    }

    #[test]
    fn blob_data_messages_are_kept_as_text() {
        let r = only("Jun 10 08:13:20 node-a myapp[7]: [1.2K blob data]\n");
        assert_payload(&r, "[1.2K blob data]");
    }

    // ---- the constructed examples of journald.md, verbatim --------------

    const SECTION_4_EXCERPT: &str = r#"Jun 10 08:13:20.123456 node-a kubelet[1234]: E0610 06:13:20.123400    1234 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime"
Jun 10 08:13:20.130002 node-a systemd[1]: kubelet.service: Main process exited, code=exited, status=1/FAILURE
Jun 10 08:13:21.000000 node-a kernel: IPv6: ADDRCONF(NETDEV_CHANGE): cali1234: link becomes ready
Jun 10 08:13:22.500000 node-a myapp[777]: first line of a message
                                          second line of the same entry
"#;

    #[test]
    fn journald_md_section_4_excerpt() {
        let out = run(SECTION_4_EXCERPT.as_bytes());
        assert!(out.skips.is_empty() && out.problems.is_empty());
        assert_eq!(lines_of(&out), [(1, 1), (2, 1), (3, 1), (4, 2)]);
        let r = &out.records;
        assert_eq!(r[0].time, civil(None, 6, 10, 8, 13, 20, 123_456_000, None));
        assert_eq!(
            who(&r[0]),
            (Some("node-a"), Some("kubelet"), None, Some(1234))
        );
        assert_payload(
            &r[0],
            r#"E0610 06:13:20.123400    1234 run.go:74] "command failed" err="failed to parse kubelet flag: unknown flag: --container-runtime""#,
        );
        assert_eq!(r[1].time, civil(None, 6, 10, 8, 13, 20, 130_002_000, None));
        assert_eq!(who(&r[1]), (Some("node-a"), Some("systemd"), None, Some(1)));
        assert_payload(
            &r[1],
            "kubelet.service: Main process exited, code=exited, status=1/FAILURE",
        );
        assert_eq!(who(&r[2]), (Some("node-a"), Some("kernel"), None, None));
        assert_eq!(r[3].time, civil(None, 6, 10, 8, 13, 22, 500_000_000, None));
        assert_eq!(who(&r[3]), (Some("node-a"), Some("myapp"), None, Some(777)));
        assert_payload(
            &r[3],
            "first line of a message\nsecond line of the same entry",
        );
        assert_eq!(
            r[3].position.offset,
            SECTION_4_EXCERPT.find("Jun 10 08:13:22").unwrap() as u64
        );
    }

    const SECTION_5_CATALOG: &str =
        "Jun 10 08:13:20 node-a systemd[1]: kubelet.service: Failed with result 'exit-code'.
░░ Subject: Unit failed
░░ Defined-By: systemd
░░ Support: https://support.example.org
░░ 
░░ The unit kubelet.service has entered the 'failed' state with result 'exit-code'.
";

    #[test]
    fn journald_md_section_5_catalog_lines_belong_to_the_entry() {
        let out = run(SECTION_5_CATALOG.as_bytes());
        assert!(out.skips.is_empty() && out.problems.is_empty());
        assert_eq!(lines_of(&out), [(1, 6)]);
        assert_payload(
            &out.records[0],
            "kubelet.service: Failed with result 'exit-code'.",
        );
    }

    #[test]
    fn journald_md_section_5_markers_are_skipped() {
        let input = "\
-- Logs begin at Mon 2024-06-03 10:00:01 CEST, end at Mon 2024-06-10 08:13:22 CEST. --
-- Journal begins at Mon 2024-06-03 10:00:01 CEST, ends at Mon 2024-06-10 08:13:22 CEST. --
-- Logs begin at Mon 2024-06-03 10:00:01 CEST. --
-- Journal begins at Mon 2024-06-03 10:00:01 CEST. --
Jun 10 08:13:20 node-a kubelet[1234]: before
-- Reboot --
Jun 10 08:13:21 node-a kubelet[1234]: between
-- Boot 3c4d5e6f708192a3b4c5d6e7f8091a2b --
Jun 10 08:13:22 node-a kubelet[1234]: after
-- cursor: s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i=1a2b
-- No entries --
";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(5, 1), (7, 1), (9, 1)]);
        assert_eq!(
            skips_of(&out),
            [1, 2, 3, 4, 6, 8, 10, 11].map(|l| (l, SkipReason::Marker))
        );
        assert_eq!(
            out.skips[5].detail,
            "-- Boot 3c4d5e6f708192a3b4c5d6e7f8091a2b --"
        );
    }

    #[test]
    fn journalctl_stderr_lines_are_warning_records() {
        let input = "\
Hint: You are currently not seeing messages from other users and the system.
Journal file /var/log/journal/abc/system@0001.journal~ is truncated, ignoring file.
Jun 10 08:13:20 node-a kubelet[1234]: a
Warning: some journal files were not opened due to insufficient permissions.
Notice: journal has been rotated since unit was started, output may be incomplete.
";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)]);
        for (i, r) in out.records.iter().enumerate().filter(|(i, _)| *i != 2) {
            assert_eq!(r.component.as_deref(), Some(JOURNALCTL), "record {i}");
            assert_eq!(r.severity, Severity::Warning, "record {i}");
            assert_eq!(r.time, RawTime::None, "record {i}");
            assert_eq!(r.format, Format::JournalText, "record {i}");
        }
        assert_eq!(
            out.records[1].message,
            "Journal file /var/log/journal/abc/system@0001.journal~ is truncated, ignoring file."
        );
        assert_eq!(out.records[2].component.as_deref(), Some("kubelet"));
    }

    // ---- catalog and continuation lines ---------------------------------

    #[test]
    fn old_catalog_prefix_is_told_apart_from_markers() {
        let input = "\
Jun 10 08:13:20 node-a systemd[1]: kubelet.service: Failed with result 'exit-code'.
-- Subject: Unit failed
-- Defined-By: systemd
--
-- The unit kubelet.service has entered the 'failed' state.
-- Reboot --
Jun 10 08:15:00 node-a systemd[1]: Started kubelet.
";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(1, 5), (7, 1)]);
        assert_eq!(skips_of(&out), [(6, SkipReason::Marker)]);
        assert_payload(
            &out.records[0],
            "kubelet.service: Failed with result 'exit-code'.",
        );
    }

    #[test]
    fn continuation_lines_lose_only_the_indentation_journalctl_added() {
        let input = "\
Jun 10 08:13:22 node-a myapp[777]: panic: boom
\x20\x20\x20\x20
                                   goroutine 1 [running]:
                                   main.main()
                                           /src/main.go:5 +0x1d
Jun 10 08:13:23 node-a myapp[777]: next
";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(1, 5), (6, 1)]);
        assert_payload(
            &out.records[0],
            "panic: boom\n\ngoroutine 1 [running]:\nmain.main()\n        /src/main.go:5 +0x1d",
        );
    }

    #[test]
    fn trailing_whitespace_only_lines_count_but_do_not_extend_the_message() {
        let out = run(
            b"Jun 10 08:13:22 node-a myapp[7]: one\n   \nJun 10 08:13:23 node-a myapp[7]: two\n",
        );
        assert_eq!(lines_of(&out), [(1, 2), (3, 1)]);
        assert_payload(&out.records[0], "one");
    }

    #[test]
    fn catalog_text_stays_out_of_a_multi_line_message() {
        let out = run("Jun 10 08:13:22 node-a myapp[7]: one\n                                 two\n░░ Subject: x\n".as_bytes());
        assert_eq!(lines_of(&out), [(1, 3)]);
        assert_payload(&out.records[0], "one\ntwo");
    }

    #[test]
    fn a_blank_line_ends_an_entry_and_is_skipped() {
        let out = run(
            b"Jun 10 08:13:22 node-a myapp[7]: one\n\n   \nJun 10 08:13:23 node-a myapp[7]: two\n",
        );
        assert_eq!(lines_of(&out), [(1, 1), (4, 1)]);
        assert_eq!(
            skips_of(&out),
            [(2, SkipReason::Blank), (3, SkipReason::Blank)]
        );
    }

    // ---- damage ---------------------------------------------------------

    #[test]
    fn a_tailed_sosreport_file_starting_mid_line_keeps_the_fragment_as_text() {
        let input = "\
:13:20.123400    1234 server.go:487] \"Kubelet version\"
                                        still the same entry
░░ Subject: orphaned catalog line
Jun 10 08:13:21 node-a kubelet[1234]: next
";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(1, 3), (4, 1)]);
        let fragment = &out.records[0];
        assert_eq!(fragment.format, Format::Plain);
        assert_eq!(fragment.time, RawTime::None);
        assert_eq!(who(fragment), (None, None, None, None));
        assert_eq!(
            fragment.message,
            ":13:20.123400    1234 server.go:487] \"Kubelet version\"\n                                        still the same entry\n░░ Subject: orphaned catalog line"
        );
        assert_eq!(out.records[1].format, Format::JournalText);
    }

    #[test]
    fn continuation_lines_with_no_entry_above_are_plain_records() {
        let input = "-- Boot 3c4d5e6f708192a3b4c5d6e7f8091a2b --\n    orphan one\n    orphan two\nJun 10 08:13:21 node-a kubelet[1]: x\n";
        let out = run(input.as_bytes());
        assert_eq!(skips_of(&out), [(1, SkipReason::Marker)]);
        assert_eq!(lines_of(&out), [(2, 2), (4, 1)]);
        assert_eq!(out.records[0].format, Format::Plain);
        assert_eq!(out.records[0].message, "    orphan one\n    orphan two");
    }

    #[test]
    fn lines_of_no_known_shape_are_plain_records_not_drops() {
        let input = "juin 10 08:13:20 node-a kubelet[1]: locale month\nJun 32 08:13:20 node-a kubelet[1]: bad day\nJun 10 08:13:20\n";
        let out = run(input.as_bytes());
        assert_eq!(lines_of(&out), [(1, 1), (2, 1), (3, 1)]);
        assert!(out
            .records
            .iter()
            .all(|r| r.format == Format::Plain && r.time == RawTime::None));
        assert_eq!(
            out.records[1].message,
            "Jun 32 08:13:20 node-a kubelet[1]: bad day"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced_and_reported() {
        let input = b"Jun 10 08:13:20 node-a myapp[7]: caf\xe9\n                                 \xff two\nJun 10 08:13:21 node-a myapp[7]: ok\n";
        let out = run(input);
        assert_eq!(lines_of(&out), [(1, 2), (3, 1)]);
        assert_payload(&out.records[0], "caf\u{fffd}\n\u{fffd} two");
        assert_eq!(
            out.problems,
            [(
                Position {
                    line: 1,
                    offset: 0,
                    lines: 2
                },
                Problem::InvalidUtf8
            )]
        );
        let fragment = run(b"\xe9t\xe9 mid-line\n");
        assert_eq!(fragment.records[0].message, "\u{fffd}t\u{fffd} mid-line");
        assert_eq!(fragment.problems.len(), 1);
    }

    #[test]
    fn crlf_line_ends_are_not_part_of_the_message() {
        let out = run(b"Jun 10 08:13:20 node-a myapp[7]: one\r\n                                 two\r\nJun 10 08:13:21 node-a kernel: x\r\n");
        assert_eq!(lines_of(&out), [(1, 2), (3, 1)]);
        assert_payload(&out.records[0], "one\ntwo");
        assert_payload(&out.records[1], "x");
    }

    #[test]
    fn overlong_lines_are_skipped_and_the_next_entry_parses() {
        let mut input = b"Jun 10 08:13:20 node-a myapp[7]: ".to_vec();
        input.resize(MAX_LINE_BYTES + 10, b'x');
        input.extend_from_slice(b"\nJun 10 08:13:21 node-a myapp[7]: after\n");
        let out = run(&input);
        assert_eq!(skips_of(&out), [(1, SkipReason::TooLong)]);
        assert_eq!(lines_of(&out), [(2, 1)]);
        assert_payload(&out.records[0], "after");
    }

    #[test]
    fn a_huge_multi_line_message_is_cut_into_bounded_records() {
        let continuation = format!("{}{}\n", " ".repeat(33), "x".repeat(1000));
        let mut input = String::from("Jun 10 08:13:20 node-a myapp[7]: start\n");
        let count = MAX_RECORD_BYTES / continuation.len() + 10;
        input.push_str(&continuation.repeat(count));
        let out = run(input.as_bytes());
        let first_lines = (MAX_RECORD_BYTES - 38) / (continuation.len() - 1) + 1;
        assert_eq!(
            lines_of(&out),
            [
                (1, first_lines as u32),
                (1 + first_lines as u64, (count + 1 - first_lines) as u32)
            ]
        );
        assert_eq!(out.records[0].format, Format::JournalText);
        assert_eq!(out.records[1].format, Format::Plain);
        assert!(out
            .records
            .iter()
            .all(|r| r.message.len() <= MAX_RECORD_BYTES));
    }

    #[test]
    fn nul_holes_are_binary_skips() {
        let out = run(b"\0\0\0\0\nJun 10 08:13:21 node-a myapp[7]: after\n\0\0x\n");
        assert_eq!(skips_of(&out), [(1, SkipReason::Binary)]);
        assert_eq!(lines_of(&out), [(2, 1), (3, 1)]);
        assert_eq!(out.records[1].format, Format::Plain);
    }

    #[test]
    fn a_last_line_without_newline_is_an_entry() {
        let out =
            run(b"Jun 10 08:13:20 node-a myapp[7]: one\nJun 10 08:13:21 node-a myapp[7]: two");
        assert_eq!(lines_of(&out), [(1, 1), (2, 1)]);
        assert_payload(&out.records[1], "two");
    }

    // ---- chunks and splitting -------------------------------------------

    const MIXED: &str = "\
:20.5 fragment of a tailed file
-- Logs begin at Mon 2024-06-03 10:00:01 CEST, end at Mon 2024-06-10 08:13:22 CEST. --
Hint: You are currently not seeing messages from other users and the system.
Jun 10 08:13:20.123456 node-a kubelet[1234]: I0610 06:13:20.123400    1234 server.go:487] \"Kubelet version\"
Jun 10 08:13:22.500000 node-a myapp[777]: first line of a message
                                          second line
\x20\x20\x20
                                          third after a hole
Jun 10 08:13:20 node-a systemd[1]: kubelet.service: Failed with result 'exit-code'.
░░ Subject: Unit failed
░░ 
-- Subject: old catalog
-- Boot 3c4d5e6f708192a3b4c5d6e7f8091a2b --
   orphan continuation
Mon 2024-06-10 08:13:20 CEST node-a kubelet.service[1234]: with unit\r
[   12.000345] node-a kernel: eth0: link up
1718000000.123456 kubelet[1234]: no host
2024-06-10T08:13:20.123456+02:00 node-a caf\u{e9}[1]: ok
Jun  5 08:13:20 node-a -- MARK --
Jun 10 08:13:22 node-a myapp[777]: last, no newline
                                   and a continuation";

    #[test]
    fn mixed_input_is_fully_accounted() {
        let out = run(MIXED.as_bytes());
        assert_eq!(
            lines_of(&out),
            [
                (1, 1),
                (3, 1),
                (4, 1),
                (5, 4),
                (9, 4),
                (14, 1),
                (15, 1),
                (16, 1),
                (17, 1),
                (18, 1),
                (19, 1),
                (20, 2)
            ]
        );
        assert_eq!(
            skips_of(&out),
            [(2, SkipReason::Marker), (13, SkipReason::Marker)]
        );
    }

    #[test]
    fn parsing_in_two_chunks_equals_parsing_at_once_for_every_split() {
        let input = MIXED.as_bytes();
        let whole = run(input);
        for split in 0..=input.len() {
            assert_same(
                &parse_in_two(input, split),
                &whole,
                &format!("split at {split}"),
            );
        }
    }

    #[test]
    fn a_partial_chunk_holds_back_the_last_entry() {
        let input = b"Jun 10 08:13:20 node-a myapp[7]: one\nJun 10 08:13:21 node-a myapp[7]: two\n";
        let mut out = Collect::default();
        let chunk = head(input);
        assert_eq!(parse(chunk, &mut out), 37);
        assert_eq!(lines_of(&out), [(1, 1)]);
    }

    #[test]
    fn split_at_lands_on_entry_lines_only() {
        let input = MIXED.as_bytes();
        let entry_starts: Vec<usize> = [4, 5, 9, 15, 16, 17, 18, 19, 20]
            .iter()
            .map(|line| {
                let nth = line - 1;
                if nth == 0 {
                    0
                } else {
                    memchr::memchr_iter(b'\n', input).nth(nth - 1).unwrap() + 1
                }
            })
            .collect();
        assert_eq!(split_at(input, 0), Some(0));
        for near in 1..input.len() {
            let expected = entry_starts.iter().copied().find(|s| *s >= near);
            assert_eq!(split_at(input, near), expected, "near {near}");
        }
        assert_eq!(split_at(input, input.len() + 5), None);
    }

    #[test]
    fn parsing_from_a_split_point_equals_the_tail_of_a_whole_parse() {
        let input = MIXED.as_bytes();
        let whole = run(input);
        let at = split_at(input, 200).unwrap();
        let mut tail = Collect::default();
        parse(chunk_at(input, at, true), &mut tail);
        let from = whole
            .records
            .iter()
            .position(|r| r.position.offset == at as u64)
            .unwrap();
        assert_eq!(tail.records, whole.records[from..]);
    }

    // ---- sniffing -------------------------------------------------------

    #[test]
    fn sniff_accepts_every_text_mode() {
        let heads = [
            "Jun 10 08:13:20 node-a kubelet[1234]: a\nJun 10 08:13:21 node-a kernel: b\n",
            "Jun 10 08:13:20.123456 node-a kubelet[1234]: a\nJun 10 08:13:21.000000 node-a containerd[9]: b\n",
            "Jun  5 08:13:20 node-a kubelet[1234]: a\nJun  5 08:13:21 node-a systemd[1]: b\n",
            "2024-06-10T08:13:20+0200 node-a kubelet[1234]: a\n",
            "2024-06-10T08:13:20.123456+02:00 node-a kubelet[1234]: a\n",
            "Mon 2024-06-10 08:13:20 CEST node-a kubelet[1234]: a\n",
            "Mon 2024-06-10 08:13:20 CEST node-a kubelet.service[1234]: a\n",
            "1718000000.123456 node-a kubelet[1234]: a\n",
            "[45543.872001] node-a kubelet[1234]: a\n[45544.000000] node-a kernel: b\n",
            "Jun 10 08:13:20.123456 kubelet[1234]: no hostname\n",
            SECTION_4_EXCERPT,
            SECTION_5_CATALOG,
            "-- No entries --\n",
            "-- Logs begin at Mon 2024-06-03 10:00:01 CEST, end at Mon 2024-06-10 08:13:22 CEST. --\nanything\n",
            "Hint: You are currently not seeing messages from other users and the system.\nJun 10 08:13:20 node-a kubelet[1]: a\n",
            "0:13:20 cut mid-line\nJun 10 08:13:20 node-a kubelet[1]: a\nJun 10 08:13:20 node-a kubelet[1]: b\nJun 10 08:13:20 node-a kubelet[1]: c\n",
        ];
        for head in heads {
            assert!(sniff(head.as_bytes()), "{head}");
        }
    }

    #[test]
    fn sniff_rejects_klog_cri_logfmt_and_dmesg_heads() {
        let heads = [
            "I0610 06:13:20.123400    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"\nE0610 06:13:21.000000    1234 run.go:74] \"command failed\" err=\"x: y\"\n",
            "F0210 06:13:20.123400    1234 server.go:487] fatal: boom\n",
            "2024-06-10T06:13:20Z stdout F hello: world\n2024-06-10T06:13:20.5Z stderr P partial: line\n",
            "2024-06-10T06:13:20.123456789+02:00 stdout F x[1]: y\n",
            "time=\"2024-06-10T06:13:20Z\" level=info msg=\"starting containerd\" revision=abc\n",
            "level=info ts=2024-06-10T06:13:20Z msg=hello\n",
            "[    0.000000] Linux version 6.1.0\n[    0.000000] Command line: BOOT_IMAGE=/vmlinuz\n[    1.234567] ACPI: Core revision 20220331\n",
            "{\"MESSAGE\":\"x\"}\n",
            "Jun 10 08:13:20 node-a foo: no pid anywhere\n",
            "",
            "-- Subject: a catalog line is not a marker\n",
        ];
        for head in heads {
            assert!(!sniff(head.as_bytes()), "{head}");
        }
    }

    // ---- robustness -----------------------------------------------------

    fn journalish_line() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Jun 10 08:13:20.123456 node-a kubelet[1234]: I0610 x".to_string()),
            Just("Jun  5 08:13:20 kernel: a: b".to_string()),
            Just("Mon 2024-06-10 08:13:20 CEST node-a kubelet.service[1]: x".to_string()),
            Just("[   12.000345 <    0.000120>] node-a k[1]: x".to_string()),
            Just("1718000000.1 h i[1]:".to_string()),
            Just("2024-06-10T08:13:20+02:00 node-a x: y".to_string()),
            Just("                    continued".to_string()),
            Just("   ".to_string()),
            Just("".to_string()),
            Just("░░ Subject: x".to_string()),
            Just("-- Subject: x".to_string()),
            Just("-- Reboot --".to_string()),
            Just("Hint: x".to_string()),
            Just("\0\0".to_string()),
            "[ -~]{0,40}",
        ]
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_accounted(
            bytes in proptest::collection::vec(any::<u8>(), 0..400),
            split in any::<prop::sample::Index>(),
        ) {
            let whole = run(&bytes);
            assert_same(&parse_in_two(&bytes, split.index(bytes.len() + 1)), &whole, "random split");
            let _ = sniff(&bytes);
            let _ = split_at(&bytes, bytes.len() / 2);
        }

        #[test]
        fn journal_like_inputs_parse_the_same_in_two_chunks(
            lines in proptest::collection::vec(journalish_line(), 0..12),
            crlf in any::<bool>(),
            split in any::<prop::sample::Index>(),
        ) {
            let input = lines.join(if crlf { "\r\n" } else { "\n" });
            let input = input.as_bytes();
            let whole = run(input);
            let split = split.index(input.len() + 1);
            assert_same(&parse_in_two(input, split), &whole, "random split");
            if let Some(at) = split_at(input, split) {
                prop_assert!(at == 0 || input[at - 1] == b'\n');
                prop_assert!(stamp(&input[at..]).is_some() || at == 0);
            }
        }
    }

    // ---- throughput -----------------------------------------------------

    /// Counts what a parser emits without keeping it.
    #[derive(Default)]
    struct Count {
        records: u64,
        message_bytes: u64,
        other: u64,
    }

    impl Emit for Count {
        fn record(&mut self, record: Record<'_>) {
            self.records += 1;
            self.message_bytes += record.message.len() as u64;
        }
        fn skip(&mut self, _: Skip<'_>) {
            self.other += 1;
        }
        fn problem(&mut self, _: Position, _: Problem) {
            self.other += 1;
        }
    }

    /// ~50 MB of short-precise kubelet lines with klog payloads.
    ///
    /// `cargo test --release --lib formats::journal_text::tests::throughput -- --ignored --nocapture`
    #[test]
    #[ignore = "throughput measurement; run in release"]
    fn throughput_short_precise_with_klog_payload() {
        let payloads = [
            r#"I0610 06:13:20.123400    1234 kubelet_node_status.go:76] "Attempting to register node" node="node-a""#,
            r#"E0610 06:13:20.123400    1234 pod_workers.go:1298] "Error syncing pod, skipping" err="failed to \"StartContainer\" for \"app\" with CrashLoopBackOff: \"back-off 5m0s restarting failed container=app pod=app-7d9f8b6c5d-x2x4z_default(0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0)\"" pod="default/app-7d9f8b6c5d-x2x4z" podUID="0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0""#,
            r#"I0610 06:13:20.123400    1234 reconciler_common.go:245] "operationExecutor.VerifyControllerAttachedVolume started for volume" volume="kube-api-access-abcde""#,
            r#"W0610 06:13:20.123400    1234 watcher.go:93] Error while processing event"#,
        ];
        let mut input = Vec::with_capacity(52 << 20);
        let mut n = 0u64;
        while input.len() < 50 << 20 {
            let payload = payloads[(n % payloads.len() as u64) as usize];
            let line = format!(
                "Jun 10 08:{:02}:{:02}.{:06} node-a kubelet[1234]: {payload}\n",
                (n / 60_000) % 60,
                (n / 1000) % 60,
                n % 1_000_000
            );
            input.extend_from_slice(line.as_bytes());
            n += 1;
        }
        let mut best = f64::MAX;
        for _ in 0..5 {
            let mut out = Count::default();
            let started = std::time::Instant::now();
            let used = parse(Chunk::whole(&input), &mut out);
            best = best.min(started.elapsed().as_secs_f64());
            assert_eq!((used, out.records, out.other), (input.len(), n, 0));
        }
        println!(
            "journal_text short-precise + klog: {:.1} MB in {:.3} s = {:.0} MB/s ({} lines, {:.0} bytes/line)",
            input.len() as f64 / 1e6,
            best,
            input.len() as f64 / 1e6 / best,
            n,
            input.len() as f64 / n as f64
        );
    }
}
