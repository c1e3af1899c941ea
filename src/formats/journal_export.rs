//! `journalctl -o export`: the journal's own serialisation, read byte by byte.
//!
//! # The format
//!
//! An export stream is a sequence of entries; each entry is a sequence of
//! fields followed by one empty line. A field is either
//!
//! - text: `NAME=value\n` (the value has no newline), or
//! - binary: `NAME\n`, an 8-byte little-endian length, that many bytes of
//!   data, and `\n`.
//!
//! Whether a field is text or binary is decided by the first line alone: a
//! field name never contains `=`, a text field always does. The binary form
//! is why the stream cannot be read line by line: the length bytes may be
//! `0x0a`, and the data may contain `\n\n` (the AppArmor `_SELINUX_CONTEXT`
//! value `unconfined\n` produces exactly that in almost every entry of an
//! Ubuntu node), which a line reader would take for the end of the entry.
//!
//! # Design
//!
//! [`parse`] walks the bytes with a small state machine (`Reader`): at an
//! entry boundary it skips blank lines and lines that are not fields, then
//! reads fields (`read_field`) until the empty line. Nothing is copied:
//! every value is a slice of the input, and only the dozen fields a record
//! needs are kept (`Entry`); all other fields, including unknown `__`
//! fields, are passed over. A repeated field keeps its last value, which is
//! what journalctl's own text modes show.
//!
//! A record's line count is computed from the byte span the entry occupied
//! (including newlines inside binary data, length bytes that happen to be
//! `0x0a`, and the terminating empty line), so the accounting invariant holds
//! whatever the data contains.
//!
//! # Damage
//!
//! Inputs come from customers and are often cut or mangled:
//!
//! - a line that is not a field before an entry starts is skipped
//!   (`Malformed`, or `Marker` for journalctl's `-- ... --` lines); inside an
//!   entry it stays in the entry's span and is reported as `BadField`;
//! - a binary length that is implausible (more than `MAX_PLAUSIBLE_LEN`),
//!   runs past the end of the input, or is not followed by `\n` means the
//!   field is corrupt: the entry ends at the next point where an entry
//!   visibly starts again (an empty line followed by a text field) and gets
//!   `BadField`; when there is no such point the entry runs to the end of the
//!   input and is reported `Truncated`;
//! - an entry cut by the end of the input becomes a record with
//!   `Truncated` when it has a time or a message, else a `Truncated` skip;
//! - a second `__CURSOR` inside one entry means two concatenated streams
//!   where the first lost its final empty line: the first entry ends there
//!   (`Truncated`).
//!
//! Lengths are never used to allocate: they are only compared with the bytes
//! that are actually there.
//!
//! # Shared with the JSON reader
//!
//! `Entry`, `Value`, `Known` and `Built` are the journal field model
//! that [`super::journal_json`] fills too, so that both formats map fields to
//! a [`Record`] in exactly one place (`Entry::build`).

use std::borrow::Cow;

use super::{payload, Chunk};
use crate::record::{Format, Position, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::RawTime;

/// Longest field name accepted. journald itself refuses names longer than
/// 64 bytes; the margin tolerates other writers while still refusing text
/// lines that merely happen to be uppercase.
const MAX_NAME_BYTES: usize = 255;

/// A binary length above this is treated as corruption at once instead of
/// waiting for more input (coredumps are megabytes; nothing is gigabytes).
const MAX_PLAUSIBLE_LEN: u64 = 1 << 32;

/// How much of a skipped line is quoted in the skip's detail.
const EXCERPT_CHARS: usize = 120;

// ---------------------------------------------------------------------------
// The journal field model shared by the export and JSON readers.
// ---------------------------------------------------------------------------

/// The fields of a journal entry that a record is built from.
///
/// Field names are matched by [`Known::from_name`]; every other field is
/// ignored by the readers, so an entry never costs more than these slots.
#[derive(Debug, Default)]
pub(super) struct Entry<'a> {
    message: Option<Value<'a>>,
    priority: Option<Value<'a>>,
    realtime: Option<Value<'a>>,
    source_realtime: Option<Value<'a>>,
    hostname: Option<Value<'a>>,
    identifier: Option<Value<'a>>,
    comm: Option<Value<'a>>,
    systemd_unit: Option<Value<'a>>,
    user_unit: Option<Value<'a>>,
    unit: Option<Value<'a>>,
    pid: Option<Value<'a>>,
    syslog_pid: Option<Value<'a>>,
    /// `__CURSOR` was seen (its value is not needed).
    has_cursor: bool,
    /// `_BOOT_ID` was seen (its value is not needed).
    has_boot_id: bool,
    /// How many known fields were stored (journal keys present at all).
    known_fields: u32,
}

/// One field value as the input carried it.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value<'a> {
    /// A JSON string.
    Text(Cow<'a, str>),
    /// Raw bytes: an export value (text or binary form) or a JSON byte array.
    Bytes(Cow<'a, [u8]>),
    /// JSON `null`: journalctl omitted a value of 4096 bytes or more.
    Null,
    /// A value of a shape the journal never writes (a JSON object, a byte
    /// array with numbers above 255, ...).
    Bad,
}

/// The journal fields a record uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Known {
    Message,
    Priority,
    Realtime,
    SourceRealtime,
    Hostname,
    Identifier,
    Comm,
    SystemdUnit,
    UserUnit,
    Unit,
    Pid,
    SyslogPid,
    Cursor,
    BootId,
}

impl Known {
    /// The known field called `name`, if any.
    #[inline]
    pub(super) fn from_name(name: &[u8]) -> Option<Known> {
        Some(match name {
            b"MESSAGE" => Known::Message,
            b"PRIORITY" => Known::Priority,
            b"__REALTIME_TIMESTAMP" => Known::Realtime,
            b"_SOURCE_REALTIME_TIMESTAMP" => Known::SourceRealtime,
            b"_HOSTNAME" => Known::Hostname,
            b"SYSLOG_IDENTIFIER" => Known::Identifier,
            b"_COMM" => Known::Comm,
            b"_SYSTEMD_UNIT" => Known::SystemdUnit,
            b"_SYSTEMD_USER_UNIT" => Known::UserUnit,
            b"UNIT" => Known::Unit,
            b"_PID" => Known::Pid,
            b"SYSLOG_PID" => Known::SyslogPid,
            b"__CURSOR" => Known::Cursor,
            b"_BOOT_ID" => Known::BootId,
            _ => return None,
        })
    }
}

/// Problems found while building one record, at most one of each kind.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Problems(u8);

impl Problems {
    const ALL: [Problem; 4] = [
        Problem::InvalidUtf8,
        Problem::Truncated,
        Problem::BadTimestamp,
        Problem::BadField,
    ];

    fn bit(problem: Problem) -> u8 {
        match problem {
            Problem::InvalidUtf8 => 1,
            Problem::Truncated => 2,
            Problem::BadTimestamp => 4,
            Problem::BadField => 8,
        }
    }

    pub(super) fn add(&mut self, problem: Problem) {
        self.0 |= Self::bit(problem);
    }

    pub(super) fn merge(&mut self, other: Problems) {
        self.0 |= other.0;
    }

    pub(super) fn contains(self, problem: Problem) -> bool {
        self.0 & Self::bit(problem) != 0
    }

    pub(super) fn emit(self, position: Position, out: &mut dyn Emit) {
        for problem in Self::ALL {
            if self.contains(problem) {
                out.problem(position, problem);
            }
        }
    }
}

/// A record together with the damage found while building it.
#[derive(Debug)]
pub(super) struct Built<'a> {
    pub(super) record: Record<'a>,
    pub(super) problems: Problems,
}

impl Built<'_> {
    pub(super) fn emit(self, out: &mut dyn Emit) {
        let position = self.record.position;
        out.record(self.record);
        self.problems.emit(position, out);
    }
}

impl<'a> Entry<'a> {
    /// Keep `value` for `field`; a repeated field keeps its last value.
    pub(super) fn set(&mut self, field: Known, value: Value<'a>) {
        self.known_fields += 1;
        let slot = match field {
            Known::Message => &mut self.message,
            Known::Priority => &mut self.priority,
            Known::Realtime => &mut self.realtime,
            Known::SourceRealtime => &mut self.source_realtime,
            Known::Hostname => &mut self.hostname,
            Known::Identifier => &mut self.identifier,
            Known::Comm => &mut self.comm,
            Known::SystemdUnit => &mut self.systemd_unit,
            Known::UserUnit => &mut self.user_unit,
            Known::Unit => &mut self.unit,
            Known::Pid => &mut self.pid,
            Known::SyslogPid => &mut self.syslog_pid,
            Known::Cursor => {
                self.has_cursor = true;
                return;
            }
            Known::BootId => {
                self.has_boot_id = true;
                return;
            }
        };
        *slot = Some(value);
    }

    /// Whether any field a journal entry is recognised by was seen.
    pub(super) fn has_known_fields(&self) -> bool {
        self.known_fields > 0
    }

    /// Whether the fields include one that only journald writes (the
    /// address fields, `_BOOT_ID`, or `MESSAGE` with `PRIORITY`).
    pub(super) fn looks_like_journal(&self) -> bool {
        self.has_cursor
            || self.has_boot_id
            || self.realtime.is_some()
            || (self.message.is_some() && self.priority.is_some())
    }

    /// Whether a cut entry still says something: a time or a message.
    pub(super) fn is_usable(&self) -> bool {
        self.message.is_some() || self.realtime.is_some() || self.source_realtime.is_some()
    }

    /// Map the fields to a record (time, node, component, unit, pid,
    /// severity), then let the payload decoder read the message, so that a
    /// klog letter inside the message overrides `PRIORITY`.
    pub(super) fn build(self, format: Format, position: Position) -> Built<'a> {
        let mut problems = Problems::default();
        let mut record = Record::new(format, position, "");
        record.time = entry_time(self.source_realtime, self.realtime, &mut problems);
        record.node = text(self.hostname, &mut problems);
        record.component =
            text(self.identifier, &mut problems).or_else(|| text(self.comm, &mut problems));
        record.unit = pick_unit(
            text(self.systemd_unit, &mut problems),
            text(self.unit, &mut problems),
            text(self.user_unit, &mut problems),
        );
        record.pid = pid(self.pid, &mut problems).or_else(|| pid(self.syslog_pid, &mut problems));
        if let Some(severity) = severity(self.priority, &mut problems) {
            record.severity = severity;
        }
        match self.message {
            None => {}
            Some(Value::Null) => problems.add(Problem::Truncated),
            Some(value) => {
                if let Some(message) = text(Some(value), &mut problems) {
                    payload::decode(trim_line_end(message), &mut record);
                }
            }
        }
        Built { record, problems }
    }
}

/// A value as text: borrowed when it is valid UTF-8, replaced (and
/// reported) when not. `null` and bad values give no text.
fn text<'a>(value: Option<Value<'a>>, problems: &mut Problems) -> Option<Cow<'a, str>> {
    match value? {
        Value::Text(s) => Some(s),
        Value::Bytes(Cow::Borrowed(b)) => Some(match std::str::from_utf8(b) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => {
                problems.add(Problem::InvalidUtf8);
                Cow::Owned(String::from_utf8_lossy(b).into_owned())
            }
        }),
        Value::Bytes(Cow::Owned(v)) => Some(Cow::Owned(match String::from_utf8(v) {
            Ok(s) => s,
            Err(e) => {
                problems.add(Problem::InvalidUtf8);
                String::from_utf8_lossy(e.as_bytes()).into_owned()
            }
        })),
        Value::Null => None,
        Value::Bad => {
            problems.add(Problem::BadField);
            None
        }
    }
}

/// The bytes of a text or byte value (numbers are written as text).
fn raw<'v>(value: &'v Value<'_>) -> Option<&'v [u8]> {
    match value {
        Value::Text(s) => Some(s.as_bytes()),
        Value::Bytes(b) => Some(b),
        Value::Null | Value::Bad => None,
    }
}

/// Drop the line ends a message may carry (`\r` from programs writing CRLF,
/// a trailing `\n` in a binary value): they are framing, not content.
fn trim_line_end(message: Cow<'_, str>) -> Cow<'_, str> {
    let is_end = |c: char| c == '\r' || c == '\n';
    match message {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim_end_matches(is_end)),
        Cow::Owned(mut s) => {
            let keep = s.trim_end_matches(is_end).len();
            s.truncate(keep);
            Cow::Owned(s)
        }
    }
}

/// Microseconds since the epoch as journald writes them (decimal, no sign)
/// to nanoseconds. Zero is journald's "unset" and not a time.
fn epoch_micros(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut micros: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        micros = micros.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    if micros == 0 {
        return None;
    }
    micros.checked_mul(1000)
}

/// The entry's time: the sender's own stamp when it has a valid one (this is
/// what journalctl's text modes display), else the time journald received it.
fn entry_time(
    source: Option<Value<'_>>,
    received: Option<Value<'_>>,
    problems: &mut Problems,
) -> RawTime {
    for value in [source, received].into_iter().flatten() {
        match raw(&value).and_then(epoch_micros) {
            Some(ns) => return RawTime::Exact(ns),
            None => problems.add(Problem::BadTimestamp),
        }
    }
    RawTime::None
}

/// A small decimal number; `None` (and `BadField`) when present but not one.
fn number(value: Option<Value<'_>>, max: u64, problems: &mut Problems) -> Option<u64> {
    let value = value?;
    let parsed = raw(&value).and_then(|digits| {
        let digits = digits.trim_ascii();
        if digits.is_empty() || digits.len() > 10 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = digits
            .iter()
            .fold(0u64, |n, &b| n * 10 + u64::from(b - b'0'));
        (n <= max).then_some(n)
    });
    if parsed.is_none() && value != Value::Null {
        problems.add(Problem::BadField);
    }
    parsed
}

fn pid(value: Option<Value<'_>>, problems: &mut Problems) -> Option<u32> {
    number(value, u64::from(u32::MAX), problems).and_then(|n| u32::try_from(n).ok())
}

fn severity(value: Option<Value<'_>>, problems: &mut Problems) -> Option<Severity> {
    number(value, 7, problems).map(|n| Severity::from_syslog(n as u8))
}

/// The unit a line belongs to: the sender's unit, except that systemd's own
/// messages about a unit (sent from `init.scope`, or with no sender unit)
/// name that unit in `UNIT=` — the same lines `journalctl -u` shows for it.
fn pick_unit<'a>(
    systemd_unit: Option<Cow<'a, str>>,
    unit: Option<Cow<'a, str>>,
    user_unit: Option<Cow<'a, str>>,
) -> Option<Cow<'a, str>> {
    match systemd_unit {
        Some(own) if own != "init.scope" => Some(own),
        own => unit.or(own).or(user_unit),
    }
}

// ---------------------------------------------------------------------------
// The export reader.
// ---------------------------------------------------------------------------

/// Parse an export stream. See the module documentation for the rules.
pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    let mut reader = Reader {
        bytes: chunk.bytes,
        at_eof: chunk.at_eof,
        base_offset: chunk.base_offset,
        pos: 0,
        line: chunk.first_line,
    };
    while reader.pos < reader.bytes.len() {
        if !reader.step(out) {
            break;
        }
    }
    reader.pos
}

/// Where parsing may start without state: the start of an entry whose
/// `__CURSOR=` line follows an empty line. journalctl writes `__CURSOR`
/// first in every entry and never elsewhere, so the pattern can only be
/// wrong inside a binary value that itself contains `\n\n__CURSOR=`.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    if near == 0 {
        return Some(0);
    }
    let from = near.saturating_sub(2);
    let haystack = bytes.get(from..)?;
    memchr::memmem::find(haystack, b"\n\n__CURSOR=")
        .map(|i| from + i + 2)
        .filter(|&p| p < bytes.len())
}

/// An export stream starts with fields (possibly after blank lines), and its
/// first entry has `__CURSOR` or `__REALTIME_TIMESTAMP`. Checked with the
/// field reader itself, so binary fields in the head are understood.
pub fn sniff(head: &[u8]) -> bool {
    let mut p = 0;
    while head.get(p) == Some(&b'\n') {
        p += 1;
    }
    let mut fields = 0;
    let mut journal_key = false;
    while p < head.len() && head.get(p) != Some(&b'\n') {
        match read_field(head, p, false) {
            Field::Text { name, next, .. } | Field::Binary { name, next, .. } => {
                fields += 1;
                journal_key |= matches!(name, b"__CURSOR" | b"__REALTIME_TIMESTAMP");
                p = next;
            }
            Field::NeedMore => break,
            Field::Invalid { .. } | Field::Corrupt { .. } | Field::Truncated => return false,
        }
    }
    fields >= 2 && journal_key
}

/// One field as read from the input.
#[derive(Debug, PartialEq)]
enum Field<'a> {
    /// `NAME=value\n`; `next` is the offset after the line.
    Text {
        name: &'a [u8],
        value: &'a [u8],
        next: usize,
    },
    /// `NAME\n` + length + data + `\n`.
    Binary {
        name: &'a [u8],
        value: &'a [u8],
        next: usize,
    },
    /// Not a field at all; `next` is the start of the following line.
    Invalid { next: usize },
    /// A binary field whose length does not hold. `resume` is where an entry
    /// visibly starts again (`None`: no such point in the bytes available).
    Corrupt { resume: Option<usize> },
    /// The field continues past the chunk; more input is needed.
    NeedMore,
    /// The field continues past the end of the input.
    Truncated,
}

/// How an entry ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// With its empty line, as it should.
    Complete,
    /// Without its empty line: the input ended, or the next stream's
    /// `__CURSOR` followed directly.
    Cut,
    /// A corrupt field was skipped up to the next entry start.
    Resynced,
}

/// An entry read from the input, not yet turned into a record.
struct RawEntry<'a> {
    entry: Entry<'a>,
    /// Offset after the entry (after its empty line when it has one).
    end: usize,
    /// Valid fields read.
    fields: usize,
    ending: Ending,
    problems: Problems,
}

/// What the reader found at an entry boundary.
// Returned once per entry and consumed at once; boxing would allocate per entry.
#[allow(clippy::large_enum_variant)]
enum Found<'a> {
    Entry(RawEntry<'a>),
    /// The line at the boundary is not a field; `next` starts the next line.
    NotAField {
        next: usize,
    },
    NeedMore,
}

struct Reader<'a> {
    bytes: &'a [u8],
    at_eof: bool,
    base_offset: u64,
    /// Offset of the next unread byte: always an entry boundary.
    pos: usize,
    /// Line number of `pos`.
    line: u64,
}

impl<'a> Reader<'a> {
    /// Handle what starts at `pos`: a blank line, a junk line or an entry.
    /// Returns false when more input is needed.
    fn step(&mut self, out: &mut dyn Emit) -> bool {
        let start = self.pos;
        let Some(line_end) = self.line_end(start) else {
            return false;
        };
        let line = strip_cr(&self.bytes[start..line_end]);
        if line.iter().all(u8::is_ascii_whitespace) {
            self.skip(
                out,
                line_end_next(self.bytes, line_end),
                SkipReason::Blank,
                "",
            );
            return true;
        }
        match read_entry(self.bytes, start, self.at_eof) {
            Found::NeedMore => false,
            Found::NotAField { next } => {
                let reason = if line.starts_with(b"-- ") {
                    SkipReason::Marker
                } else {
                    SkipReason::Malformed
                };
                self.skip(out, next, reason, &excerpt(line));
                true
            }
            Found::Entry(raw) => {
                self.finish_entry(raw, out);
                true
            }
        }
    }

    /// End of the line starting at `start` (index of its `\n`, or the end of
    /// the input at eof); `None` when the line is incomplete.
    fn line_end(&self, start: usize) -> Option<usize> {
        let rest = self.bytes.get(start..)?;
        match memchr::memchr(b'\n', rest) {
            Some(i) => Some(start + i),
            None if self.at_eof => Some(self.bytes.len()),
            None => None,
        }
    }

    /// The position of the span from `pos` to `end`, and move past it.
    fn take(&mut self, end: usize) -> Position {
        let span = &self.bytes[self.pos..end];
        let newlines = memchr::memchr_iter(b'\n', span).count() as u64;
        let unterminated = u64::from(span.last().is_some_and(|&b| b != b'\n'));
        let position = Position {
            line: self.line,
            offset: self.base_offset + self.pos as u64,
            lines: u32::try_from(newlines + unterminated).unwrap_or(u32::MAX),
        };
        self.line += newlines;
        self.pos = end;
        position
    }

    fn skip(&mut self, out: &mut dyn Emit, end: usize, reason: SkipReason, detail: &str) {
        let position = self.take(end);
        out.skip(Skip {
            position,
            reason,
            detail: Cow::Owned(detail.to_owned()),
        });
    }

    /// Emit an entry as a record (with its problems), or as a skip when it
    /// holds nothing: no valid field at all, or cut before a time or message.
    fn finish_entry(&mut self, raw: RawEntry<'a>, out: &mut dyn Emit) {
        let mut problems = raw.problems;
        if raw.ending == Ending::Cut {
            problems.add(Problem::Truncated);
        }
        if raw.fields == 0 {
            let reason = if raw.ending == Ending::Cut {
                SkipReason::Truncated
            } else {
                SkipReason::Malformed
            };
            self.skip(
                out,
                raw.end,
                reason,
                "export entry without a readable field",
            );
            return;
        }
        if raw.ending == Ending::Cut && !raw.entry.is_usable() {
            self.skip(
                out,
                raw.end,
                SkipReason::Truncated,
                "export entry cut before its time and message",
            );
            return;
        }
        let position = self.take(raw.end);
        let mut built = raw.entry.build(Format::JournalExport, position);
        built.problems.merge(problems);
        built.emit(out);
    }
}

/// Read the entry starting at `start` (which is not a blank line).
fn read_entry(bytes: &[u8], start: usize, at_eof: bool) -> Found<'_> {
    let mut raw = RawEntry {
        entry: Entry::default(),
        end: start,
        fields: 0,
        ending: Ending::Complete,
        problems: Problems::default(),
    };
    let mut p = start;
    loop {
        match bytes.get(p..) {
            None | Some([]) if !at_eof => return Found::NeedMore,
            None | Some([]) => return Found::Entry(raw.ended(bytes.len(), Ending::Cut)),
            Some([b'\n', ..]) => return Found::Entry(raw.ended(p + 1, Ending::Complete)),
            Some([b'\r', b'\n', ..]) => return Found::Entry(raw.ended(p + 2, Ending::Complete)),
            Some([b'\r']) if !at_eof => return Found::NeedMore,
            Some(_) => {}
        }
        match read_field(bytes, p, at_eof) {
            Field::Text { name, value, next } | Field::Binary { name, value, next } => {
                if name == b"__CURSOR" && raw.entry.has_cursor {
                    // A new stream started without this entry's empty line.
                    return Found::Entry(raw.ended(p, Ending::Cut));
                }
                if let Some(known) = Known::from_name(name) {
                    raw.entry.set(known, Value::Bytes(Cow::Borrowed(value)));
                }
                raw.fields += 1;
                p = next;
            }
            Field::Invalid { next } => {
                if raw.fields == 0 {
                    return Found::NotAField { next };
                }
                raw.problems.add(Problem::BadField);
                p = next;
            }
            Field::Corrupt {
                resume: Some(resume),
            } => {
                raw.problems.add(Problem::BadField);
                return Found::Entry(raw.ended(resume, Ending::Resynced));
            }
            Field::Corrupt { resume: None } if at_eof => {
                raw.problems.add(Problem::BadField);
                return Found::Entry(raw.ended(bytes.len(), Ending::Cut));
            }
            Field::Corrupt { resume: None } | Field::NeedMore => return Found::NeedMore,
            Field::Truncated => return Found::Entry(raw.ended(bytes.len(), Ending::Cut)),
        }
    }
}

impl<'a> RawEntry<'a> {
    fn ended(mut self, end: usize, ending: Ending) -> RawEntry<'a> {
        self.end = end;
        self.ending = ending;
        self
    }
}

/// Bytes allowed in a field name: uppercase letters, digits, underscore.
#[inline]
fn is_name_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

/// Read one field at `p` (which is not the empty line ending an entry).
fn read_field(bytes: &[u8], p: usize, at_eof: bool) -> Field<'_> {
    let rest = bytes.get(p..).unwrap_or_default();
    let name_len = rest
        .iter()
        .take(MAX_NAME_BYTES + 1)
        .position(|&b| !is_name_byte(b))
        .unwrap_or(rest.len().min(MAX_NAME_BYTES + 1));
    let name = &rest[..name_len];
    let valid_name = (1..=MAX_NAME_BYTES).contains(&name_len)
        && name.first().is_some_and(|&b| !b.is_ascii_digit());
    match rest.get(name_len) {
        Some(b'=') if valid_name => text_field(bytes, name, p + name_len + 1, at_eof),
        Some(b'\n') if valid_name => binary_field(bytes, name, p + name_len + 1, at_eof),
        None if !at_eof => Field::NeedMore,
        None if valid_name => Field::Truncated,
        _ => match memchr::memchr(b'\n', rest) {
            Some(i) => Field::Invalid { next: p + i + 1 },
            None if at_eof => Field::Invalid { next: bytes.len() },
            None => Field::NeedMore,
        },
    }
}

/// The value of `NAME=value\n` starting at `value_start`.
fn text_field<'a>(bytes: &'a [u8], name: &'a [u8], value_start: usize, at_eof: bool) -> Field<'a> {
    let rest = bytes.get(value_start..).unwrap_or_default();
    let (value_end, next) = match memchr::memchr(b'\n', rest) {
        Some(i) => (value_start + i, value_start + i + 1),
        None if at_eof => (bytes.len(), bytes.len()),
        None => return Field::NeedMore,
    };
    let value = strip_cr(&bytes[value_start..value_end]);
    Field::Text { name, value, next }
}

/// The rest of a binary field whose `NAME\n` ended at `len_start`.
fn binary_field<'a>(bytes: &'a [u8], name: &'a [u8], len_start: usize, at_eof: bool) -> Field<'a> {
    let data_start = len_start + 8;
    let Some(len_bytes) = bytes.get(len_start..data_start) else {
        return if at_eof {
            Field::Truncated
        } else {
            Field::NeedMore
        };
    };
    let mut le = [0u8; 8];
    le.copy_from_slice(len_bytes);
    let declared = u64::from_le_bytes(le);
    let available = (bytes.len() - data_start) as u64;
    if declared > MAX_PLAUSIBLE_LEN {
        return corrupt(bytes, len_start, at_eof);
    }
    if declared > available || (declared == available && !at_eof) {
        // The data (or its `\n`) is not all here: wait, or decide at the end.
        return if !at_eof {
            Field::NeedMore
        } else {
            match find_resync(bytes, len_start, true) {
                Some(resume) => Field::Corrupt {
                    resume: Some(resume),
                },
                None => Field::Truncated,
            }
        };
    }
    // `declared <= available`, so it fits in usize.
    let data_end = data_start + declared as usize;
    let value = &bytes[data_start..data_end];
    match bytes.get(data_end) {
        Some(b'\n') => Field::Binary {
            name,
            value,
            next: data_end + 1,
        },
        None => Field::Binary {
            name,
            value,
            next: data_end,
        },
        Some(_) => corrupt(bytes, len_start, at_eof),
    }
}

fn corrupt(bytes: &[u8], from: usize, at_eof: bool) -> Field<'_> {
    Field::Corrupt {
        resume: find_resync(bytes, from, at_eof),
    }
}

/// The first point after `from` where an entry visibly starts again: an
/// empty line followed by the start of a text field (`NAME=`). `None` when
/// there is none in the bytes available, or when deciding needs more bytes.
fn find_resync(bytes: &[u8], from: usize, at_eof: bool) -> Option<usize> {
    let mut search = from;
    while let Some(i) = bytes
        .get(search..)
        .and_then(|rest| memchr::memmem::find(rest, b"\n\n"))
    {
        let candidate = search + i + 2;
        match starts_text_field(bytes.get(candidate..).unwrap_or_default(), at_eof) {
            Some(true) => return Some(candidate),
            Some(false) => search = search + i + 1,
            None => return None,
        }
    }
    None
}

/// Does `rest` start with `NAME=`? `None` when the bytes end before it can
/// be told (and more may come).
fn starts_text_field(rest: &[u8], at_eof: bool) -> Option<bool> {
    for (i, &b) in rest.iter().enumerate().take(MAX_NAME_BYTES + 1) {
        if b == b'=' {
            return Some(i > 0 && !rest[0].is_ascii_digit());
        }
        if !is_name_byte(b) {
            return Some(false);
        }
    }
    if rest.len() > MAX_NAME_BYTES || at_eof {
        Some(false)
    } else {
        None
    }
}

/// The offset after a line that ends at `line_end` (its `\n`, or the end).
fn line_end_next(bytes: &[u8], line_end: usize) -> usize {
    (line_end + 1).min(bytes.len())
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A short, printable quote of a skipped line.
fn excerpt(line: &[u8]) -> String {
    String::from_utf8_lossy(line)
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::lines::count_lines;
    use crate::formats::testing::{assert_same_in_chunks, parse_whole};
    use crate::record::Payload;
    use crate::sink::Collect;
    use proptest::prelude::*;

    const TEXT_SAMPLE: &[u8] = include_bytes!(
        "../../tests/fixtures/samples/journald/kjournald-journalexportformat_example.export"
    );
    const BINARY_SAMPLE: &[u8] = include_bytes!(
        "../../tests/fixtures/samples/journald/kjournald-journalexportformat_binary_example.export"
    );

    /// Builds export streams field by field.
    #[derive(Default)]
    struct Export(Vec<u8>);

    impl Export {
        fn text(mut self, name: &str, value: &str) -> Self {
            self.0.extend_from_slice(name.as_bytes());
            self.0.push(b'=');
            self.0.extend_from_slice(value.as_bytes());
            self.0.push(b'\n');
            self
        }

        fn binary(mut self, name: &str, value: &[u8]) -> Self {
            self.0.extend_from_slice(name.as_bytes());
            self.0.push(b'\n');
            self.0
                .extend_from_slice(&(value.len() as u64).to_le_bytes());
            self.0.extend_from_slice(value);
            self.0.push(b'\n');
            self
        }

        fn raw(mut self, bytes: &[u8]) -> Self {
            self.0.extend_from_slice(bytes);
            self
        }

        /// The empty line that ends an entry.
        fn end(self) -> Self {
            self.raw(b"\n")
        }

        /// A typical entry head: cursor, receive time, boot id.
        fn head(self, seq: u32, realtime_us: u64) -> Self {
            self.text(
                "__CURSOR",
                &format!("s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i={seq:x};b=3c4d5e6f708192a3b4c5d6e7f8091a2b;m=2b6f1c0;t=61b9c8a1e2f3a;x=aa55"),
            )
            .text("__REALTIME_TIMESTAMP", &realtime_us.to_string())
            .text("__MONOTONIC_TIMESTAMP", "45543872")
            .text("_BOOT_ID", "3c4d5e6f708192a3b4c5d6e7f8091a2b")
        }
    }

    fn parse_bytes(input: &[u8]) -> Collect {
        parse_whole(parse, input)
    }

    fn problems_at(out: &Collect, index: usize) -> Vec<Problem> {
        let position = out.records[index].position;
        out.problems
            .iter()
            .filter(|(p, _)| *p == position)
            .map(|(_, problem)| *problem)
            .collect()
    }

    fn us(micros: i64) -> RawTime {
        RawTime::Exact(micros * 1000)
    }

    /// Three entries exercising every binary trap: a length byte 0x0a, a
    /// value with `\n\n`, the AppArmor `unconfined\n` context.
    fn tricky_stream() -> Vec<u8> {
        Export::default()
            .head(1, 1_718_000_000_000_001)
            .binary("MESSAGE", b"0123456789")
            .binary("_SELINUX_CONTEXT", b"unconfined\n")
            .text("_HOSTNAME", "node-a")
            .end()
            .head(2, 1_718_000_000_000_002)
            .binary("MESSAGE", b"first\n\nsecond")
            .text("PRIORITY", "3")
            .end()
            .head(3, 1_718_000_000_000_003)
            .text("MESSAGE", "plain")
            .end()
            .0
    }

    #[test]
    fn text_sample_gives_two_entries_with_source_time() {
        let out = parse_bytes(TEXT_SAMPLE);
        assert_eq!(out.records.len(), 2);
        assert!(out.skips.is_empty());
        assert!(out.problems.is_empty());

        let first = &out.records[0];
        assert_eq!(
            first.position,
            Position {
                line: 1,
                offset: 0,
                lines: 25
            }
        );
        assert_eq!(first.format, Format::JournalExport);
        assert_eq!(first.time, us(1_342_540_861_413_961));
        assert_eq!(first.node.as_deref(), Some("epsilon"));
        assert_eq!(first.component.as_deref(), Some("gdm-password]"));
        assert_eq!(first.unit, None);
        assert_eq!(first.pid, Some(587));
        assert_eq!(first.severity, Severity::Warning);
        assert_eq!(
            first.message,
            "AccountsService-DEBUG(+): ActUserManager: ignoring unspecified session '8' since it's not graphical: Success"
        );

        let second = &out.records[1];
        assert_eq!(second.position.line, 26);
        assert_eq!(second.position.lines, 25);
        assert_eq!(second.time, us(1_342_540_861_416_351));
        assert_eq!(second.component.as_deref(), Some("/USR/SBIN/CROND"));
        assert_eq!(second.pid, Some(8278));
        assert_eq!(second.severity, Severity::Info);
        assert_eq!(second.message, "(root) CMD (run-parts /etc/cron.hourly)");
    }

    #[test]
    fn binary_sample_is_one_entry_despite_the_selinux_blank_line() {
        let out = parse_bytes(BINARY_SAMPLE);
        assert_eq!(
            out.records.len(),
            1,
            "_SELINUX_CONTEXT must not split the entry"
        );
        assert!(out.skips.is_empty());
        assert!(out.problems.is_empty());
        let entry = &out.records[0];
        assert_eq!(entry.position.lines, 35);
        assert_eq!(entry.message, "foo\nbar");
        assert_eq!(entry.time, us(1_627_721_964_791_314));
        assert_eq!(entry.node.as_deref(), Some("behemoth"));
        assert_eq!(entry.component.as_deref(), Some("python3"));
        assert_eq!(entry.unit.as_deref(), Some("user@1000.service"));
        assert_eq!(entry.pid, Some(19336));
    }

    #[test]
    fn kubelet_klog_entry_maps_every_field() {
        let input = Export::default()
            .text("__CURSOR", "s=0f1e2d3c4b5a69788796a5b4c3d2e1f0;i=1a2b;b=3c4d5e6f708192a3b4c5d6e7f8091a2b;m=2b6f1c0;t=61b9c8a1e2f3a;x=aa55aa55aa55aa55")
            .text("__REALTIME_TIMESTAMP", "1718000000123456")
            .text("__MONOTONIC_TIMESTAMP", "45543872")
            .text("_BOOT_ID", "3c4d5e6f708192a3b4c5d6e7f8091a2b")
            .text("_TRANSPORT", "stdout")
            .text("PRIORITY", "6")
            .text("SYSLOG_IDENTIFIER", "kubelet")
            .text("_PID", "1234")
            .text("_HOSTNAME", "node-a")
            .text("_SYSTEMD_UNIT", "kubelet.service")
            .text("MESSAGE", r#"I0610 06:13:20.123400    1234 server.go:487] "Kubelet version" kubeletVersion="v1.30.2""#)
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.time, RawTime::Exact(1_718_000_000_123_456_000));
        assert_eq!(r.component.as_deref(), Some("kubelet"));
        assert_eq!(r.unit.as_deref(), Some("kubelet.service"));
        assert_eq!(r.node.as_deref(), Some("node-a"));
        assert_eq!(r.pid, Some(1234));
        assert_eq!(r.severity, Severity::Info);
        // The message itself belongs to the payload decoder (klog header,
        // fields); it must have been handed the klog text.
        assert!(r.message.contains("Kubelet version"), "{:?}", r.message);
        assert!(matches!(r.payload, Payload::Text | Payload::Klog));
        assert_eq!(r.position.lines, 12);
    }

    #[test]
    fn length_byte_0x0a_and_blank_lines_inside_binary_values() {
        let input = tricky_stream();
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 3);
        assert!(out.skips.is_empty());
        assert!(out.problems.is_empty());
        assert_eq!(out.records[0].message, "0123456789");
        assert_eq!(out.records[0].node.as_deref(), Some("node-a"));
        assert_eq!(out.records[1].message, "first\n\nsecond");
        assert_eq!(out.records[1].severity, Severity::Error);
        assert_eq!(out.records[2].message, "plain");
        // Entry 1: 4 head lines, MESSAGE name + length line (0x0a is a line
        // break) + data line, context name + 2 lines of data + terminator
        // line, hostname, the empty line.
        assert_eq!(out.records[0].position.lines, 4 + 3 + 3 + 1 + 1);
        assert_eq!(out.records[1].position.line, 1 + 12);
        assert_eq!(out.records[1].position.lines, 4 + 4 + 1 + 1);
    }

    #[test]
    fn entry_without_message_is_a_record_with_empty_text() {
        let input = Export::default()
            .head(1, 1_718_000_000_000_000)
            .text("_TRANSPORT", "audit")
            .text("_HOSTNAME", "node-a")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message, "");
        assert_eq!(out.records[0].time, us(1_718_000_000_000_000));
        assert!(out.problems.is_empty());
    }

    #[test]
    fn concatenated_streams_and_a_lost_empty_line() {
        let one = Export::default().head(1, 1).text("MESSAGE", "a").end().0;
        let two = Export::default().head(1, 2).text("MESSAGE", "b").end().0;
        let out = parse_bytes(&[one.as_slice(), two.as_slice()].concat());
        assert_eq!(out.records.len(), 2);
        assert!(out.problems.is_empty());

        // The first stream lost its final empty line: the next `__CURSOR`
        // still starts a new entry, and the cut one is reported.
        let cut = &one[..one.len() - 1];
        let out = parse_bytes(&[cut, two.as_slice()].concat());
        let messages: Vec<_> = out.records.iter().map(|r| r.message.as_ref()).collect();
        assert_eq!(messages, ["a", "b"]);
        assert_eq!(problems_at(&out, 0), [Problem::Truncated]);
        assert_eq!(out.records[0].position.lines, 5);
        assert_eq!(out.records[1].position.line, 6);
    }

    #[test]
    fn repeated_fields_keep_the_last_value_and_unknown_fields_are_ignored() {
        let input = Export::default()
            .head(1, 5)
            .text("__SEQNUM", "77")
            .text("__SOME_FUTURE_FIELD", "x")
            .binary("__FUTURE_BLOB", b"\0\x01\n\n")
            .text("MESSAGE", "first")
            .text("SYSLOG_IDENTIFIER", "one")
            .binary("MESSAGE", b"second\n")
            .text("SYSLOG_IDENTIFIER", "two")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message, "second");
        assert_eq!(out.records[0].component.as_deref(), Some("two"));
        assert!(out.problems.is_empty());
    }

    #[test]
    fn priorities_and_bad_priority() {
        let levels: Vec<_> = (0..=7)
            .map(|p| {
                let input = Export::default()
                    .head(1, 5)
                    .text("PRIORITY", &p.to_string())
                    .text("MESSAGE", "m")
                    .end()
                    .0;
                parse_bytes(&input).records[0].severity
            })
            .collect();
        use Severity::*;
        assert_eq!(
            levels,
            [Fatal, Critical, Critical, Error, Warning, Notice, Info, Debug]
        );

        let input = Export::default()
            .head(1, 5)
            .text("PRIORITY", "9")
            .text("MESSAGE", "m")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records[0].severity, Severity::Info);
        assert_eq!(problems_at(&out, 0), [Problem::BadField]);
    }

    #[test]
    fn time_falls_back_to_receive_time_when_source_time_is_bad() {
        let input = Export::default()
            .head(1, 1_718_000_000_000_000)
            .text("_SOURCE_REALTIME_TIMESTAMP", "17180x")
            .text("MESSAGE", "m")
            .end()
            .head(2, 1_718_000_000_000_000)
            .text("_SOURCE_REALTIME_TIMESTAMP", "1717999999999999")
            .text("MESSAGE", "m")
            .end()
            .head(3, 0)
            .text("MESSAGE", "m")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records[0].time, us(1_718_000_000_000_000));
        assert_eq!(problems_at(&out, 0), [Problem::BadTimestamp]);
        assert_eq!(out.records[1].time, us(1_717_999_999_999_999));
        assert_eq!(out.records[2].time, RawTime::None);
        assert_eq!(problems_at(&out, 2), [Problem::BadTimestamp]);
    }

    #[test]
    fn component_unit_and_pid_fallbacks() {
        let input = Export::default()
            // systemd about kubelet: UNIT names the unit, _COMM the sender.
            .head(1, 5)
            .text("_COMM", "systemd")
            .text("_SYSTEMD_UNIT", "init.scope")
            .text("UNIT", "kubelet.service")
            .text("SYSLOG_PID", "1")
            .text(
                "MESSAGE",
                "kubelet.service: Main process exited, code=exited, status=1/FAILURE",
            )
            .end()
            // A user unit only.
            .head(2, 6)
            .text("_SYSTEMD_USER_UNIT", "app.scope")
            .text("_PID", "99999999999")
            .text("SYSLOG_PID", "42")
            .text("MESSAGE", "m")
            .end()
            .0;
        let out = parse_bytes(&input);
        let systemd = &out.records[0];
        assert_eq!(systemd.component.as_deref(), Some("systemd"));
        assert_eq!(systemd.unit.as_deref(), Some("kubelet.service"));
        assert_eq!(systemd.pid, Some(1));
        let user = &out.records[1];
        assert_eq!(user.unit.as_deref(), Some("app.scope"));
        assert_eq!(
            user.pid,
            Some(42),
            "an unreadable _PID falls back to SYSLOG_PID"
        );
        assert_eq!(problems_at(&out, 1), [Problem::BadField]);
    }

    #[test]
    fn invalid_utf8_and_carriage_return_in_a_binary_message() {
        let input = Export::default()
            .head(1, 5)
            .binary("MESSAGE", b"caf\xe9 down\r")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records[0].message, "caf\u{fffd} down");
        assert_eq!(problems_at(&out, 0), [Problem::InvalidUtf8]);
    }

    #[test]
    fn text_values_are_borrowed_from_the_input() {
        struct Borrowed(Vec<bool>);
        impl Emit for Borrowed {
            fn record(&mut self, record: Record<'_>) {
                self.0.push(
                    matches!(record.message, Cow::Borrowed(_))
                        && matches!(record.node, Some(Cow::Borrowed(_))),
                );
            }
            fn skip(&mut self, _: Skip<'_>) {}
        }
        let input = tricky_stream();
        let mut out = Borrowed(Vec::new());
        parse(Chunk::whole(&input), &mut out);
        assert_eq!(out.0, [true, false, false], "only entry 1 has a hostname");
        let mut out = Borrowed(Vec::new());
        parse(Chunk::whole(TEXT_SAMPLE), &mut out);
        assert_eq!(out.0, [true, true]);
    }

    #[test]
    fn lines_that_are_not_fields_are_skipped_or_reported() {
        let input = Export::default()
            .raw(b"-- No entries --\n")
            .raw(b"Hint: You are currently not seeing messages from other users and the system.\n")
            .raw(b"\n")
            .head(1, 5)
            .raw(b"this is not a field\n")
            .text("MESSAGE", "kept")
            .end()
            .raw(b"  \n")
            .0;
        let out = parse_bytes(&input);
        let skips: Vec<_> = out
            .skips
            .iter()
            .map(|s| (s.position.line, s.reason))
            .collect();
        assert_eq!(
            skips,
            [
                (1, SkipReason::Marker),
                (2, SkipReason::Malformed),
                (3, SkipReason::Blank),
                (11, SkipReason::Blank)
            ]
        );
        assert!(out.skips[1].detail.starts_with("Hint: You are"));
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message, "kept");
        assert_eq!(out.records[0].position.lines, 7);
        assert_eq!(problems_at(&out, 0), [Problem::BadField]);
    }

    #[test]
    fn huge_binary_values_are_read_whole() {
        let dump: Vec<u8> = (0..3_000_000)
            .map(|i| {
                if i % 100 == 99 {
                    b'\n'
                } else {
                    b'a' + (i % 26) as u8
                }
            })
            .collect();
        let input = Export::default()
            .head(1, 5)
            .binary("COREDUMP_PROC_MAPS", &dump)
            .binary("MESSAGE", &dump)
            .end()
            .head(2, 6)
            .text("MESSAGE", "next")
            .end()
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 2);
        assert_eq!(
            out.records[0].message.len(),
            dump.len() - 1,
            "trailing newline trimmed"
        );
        assert_eq!(out.records[1].message, "next");
        assert_eq!(out.records[1].position.line, count_lines(&input) - 5);
        assert_same_in_chunks(parse, &input, 1 << 20);
    }

    #[test]
    fn absurd_length_resyncs_at_the_next_entry() {
        let input = Export::default()
            .head(1, 5)
            .text("MESSAGE", "before the damage")
            .raw(b"_DAMAGED\n")
            .raw(&u64::MAX.to_le_bytes())
            .raw(b"garbage\n\n")
            .head(2, 6)
            .text("MESSAGE", "after the damage")
            .end()
            .0;
        let out = parse_bytes(&input);
        let messages: Vec<_> = out.records.iter().map(|r| r.message.as_ref()).collect();
        assert_eq!(messages, ["before the damage", "after the damage"]);
        assert_eq!(problems_at(&out, 0), [Problem::BadField]);
        assert!(problems_at(&out, 1).is_empty());
    }

    #[test]
    fn length_past_the_end_of_input_is_a_truncated_entry() {
        let input = Export::default()
            .head(1, 1_718_000_000_000_000)
            .text("_HOSTNAME", "node-a")
            .raw(b"MESSAGE\n")
            .raw(&1000u64.to_le_bytes())
            .raw(b"only a few bytes\n\nof the value")
            .0;
        let out = parse_bytes(&input);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.message, "");
        assert_eq!(r.time, us(1_718_000_000_000_000));
        assert_eq!(r.position.lines, count_lines(&input) as u32);
        assert_eq!(problems_at(&out, 0), [Problem::Truncated]);
    }

    #[test]
    fn cut_before_time_and_message_is_a_truncated_skip() {
        let input = b"__CURSOR=s=1;i=2\n_HOSTNAME=node-a\nMESS";
        let out = parse_bytes(input);
        assert!(out.records.is_empty());
        assert_eq!(out.skips.len(), 1);
        assert_eq!(out.skips[0].reason, SkipReason::Truncated);
        assert_eq!(out.skips[0].position.lines, 3);
    }

    /// Offsets where the records of `out` start.
    fn record_starts(out: &Collect) -> Vec<usize> {
        out.records
            .iter()
            .map(|r| r.position.offset as usize)
            .collect()
    }

    fn truncations(out: &Collect) -> usize {
        out.problems
            .iter()
            .filter(|(_, p)| *p == Problem::Truncated)
            .count()
            + out
                .skips
                .iter()
                .filter(|s| s.reason == SkipReason::Truncated)
                .count()
    }

    #[test]
    fn truncation_at_every_byte_keeps_complete_entries_and_reports_the_cut_one() {
        let input = [tricky_stream(), BINARY_SAMPLE.to_vec()].concat();
        let whole = parse_bytes(&input);
        assert_eq!(whole.records.len(), 4);
        let mut ends = record_starts(&whole)[1..].to_vec();
        ends.push(input.len());
        for cut in 0..=input.len() {
            // parse_bytes checks that every line is accounted for.
            let out = parse_bytes(&input[..cut]);
            let complete = ends.iter().filter(|&&end| end <= cut).count();
            assert!(out.records.len() >= complete, "cut at {cut}");
            assert_eq!(
                out.records[..complete],
                whole.records[..complete],
                "cut at {cut}"
            );
            let at_boundary = cut == 0 || ends.contains(&cut);
            assert_eq!(truncations(&out), usize::from(!at_boundary), "cut at {cut}");
            assert!(out.records.len() <= complete + 1, "cut at {cut}");
        }
    }

    #[test]
    fn cut_in_the_middle_of_a_binary_message_keeps_the_entry() {
        let input = tricky_stream();
        let second = &input[..input.windows(5).position(|w| w == b"first").unwrap() + 8];
        let out = parse_bytes(second);
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[1].time, us(1_718_000_000_000_002));
        assert_eq!(problems_at(&out, 1), [Problem::Truncated]);
    }

    #[test]
    fn chunked_parsing_gives_the_same_result() {
        let input = [
            TEXT_SAMPLE,
            &tricky_stream(),
            BINARY_SAMPLE,
            b"junk line\n\n\n",
            &Export::default().head(9, 9).text("MESSAGE", "tail").0,
        ]
        .concat();
        for step in [1, 2, 3, 7, 10, 64, 333, input.len()] {
            assert_same_in_chunks(parse, &input, step);
        }
    }

    #[test]
    fn split_points_are_the_next_entry_start() {
        let input = [TEXT_SAMPLE, &tricky_stream(), BINARY_SAMPLE].concat();
        let whole = parse_bytes(&input);
        let starts = record_starts(&whole);
        assert_eq!(starts.len(), 6);
        assert_eq!(split_at(&input, 0), Some(0));
        for near in 1..input.len() {
            let expected = starts.iter().copied().find(|&s| s >= near);
            assert_eq!(split_at(&input, near), expected, "near {near}");
        }
        // Parsing from a split point gives the same entries as the whole.
        let at = split_at(&input, 1000).unwrap();
        let tail = parse_bytes(&input[at..]);
        let messages = |out: &Collect| -> Vec<String> {
            out.records.iter().map(|r| r.message.to_string()).collect()
        };
        let skipped = starts.iter().filter(|&&s| s < at).count();
        assert_eq!(messages(&tail), messages(&whole)[skipped..]);
    }

    #[test]
    fn sniff_recognises_export_streams_only() {
        assert!(sniff(TEXT_SAMPLE));
        assert!(sniff(BINARY_SAMPLE));
        assert!(sniff(&tricky_stream()));
        assert!(sniff(&TEXT_SAMPLE[..200]), "a head cut inside an entry");
        assert!(sniff(&[b"\n".as_slice(), TEXT_SAMPLE].concat()));
        assert!(
            !sniff(b"PATH=/usr/bin\nHOME=/root\n"),
            "an environment file"
        );
        assert!(!sniff(b"{\"__CURSOR\":\"s=1\",\"MESSAGE\":\"x\"}\n"));
        assert!(!sniff(b"Jun 10 08:13:20 node-a kubelet[1234]: hello\n"));
        assert!(!sniff(b"\x7fELF\x02\x01\x01\0\0\0"));
        assert!(!sniff(b"__CURSOR=s=1\n"), "one field is not enough");
        assert!(!sniff(b""));
    }

    fn fragment() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(b"__CURSOR=s=1;i=2\n".to_vec()),
            Just(b"__REALTIME_TIMESTAMP=1718000000000000\n".to_vec()),
            Just(b"MESSAGE=hello\n".to_vec()),
            Just(b"MESSAGE\n".to_vec()),
            Just(b"_SELINUX_CONTEXT\n\x0b\0\0\0\0\0\0\0unconfined\n\n".to_vec()),
            Just(b"\x0a\0\0\0\0\0\0\0".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"-- Boot 1 --\n".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..12),
        ]
    }

    fn stream() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(fragment(), 0..40).prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_account_every_line(
            bytes in proptest::collection::vec(any::<u8>(), 0..600)
        ) {
            parse_bytes(&bytes);
        }

        #[test]
        fn field_soup_is_parsed_the_same_in_any_chunks(input in stream(), step in 1usize..50) {
            assert_same_in_chunks(parse, &input, step);
        }

        #[test]
        fn split_points_start_the_same_entries(input in stream(), near in 0usize..600) {
            if near == 0 {
                prop_assert_eq!(split_at(&input, near), Some(0));
            } else if let Some(at) = split_at(&input, near) {
                prop_assert!(at >= near && at < input.len());
                prop_assert!(input[at..].starts_with(b"__CURSOR="));
            }
        }
    }

    /// Rough throughput: `cargo test --release --lib journal_export -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput() {
        let mut input = Vec::new();
        let mut seq = 0u32;
        while input.len() < 64 << 20 {
            seq += 1;
            input.extend_from_slice(
                &Export::default()
                    .head(seq, 1_718_000_000_000_000 + u64::from(seq))
                    .text("_TRANSPORT", "stdout")
                    .text("PRIORITY", "6")
                    .text("SYSLOG_FACILITY", "3")
                    .text("SYSLOG_IDENTIFIER", "kubelet")
                    .text("_PID", "1234")
                    .text("_UID", "0")
                    .text("_GID", "0")
                    .text("_COMM", "kubelet")
                    .text("_EXE", "/usr/bin/kubelet")
                    .text("_CMDLINE", "/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml --kubeconfig=/etc/kubernetes/kubelet.conf")
                    .text("_CAP_EFFECTIVE", "1ffffffffff")
                    .binary("_SELINUX_CONTEXT", b"unconfined\n")
                    .text("_SYSTEMD_CGROUP", "/system.slice/kubelet.service")
                    .text("_SYSTEMD_UNIT", "kubelet.service")
                    .text("_SYSTEMD_SLICE", "system.slice")
                    .text("_SYSTEMD_INVOCATION_ID", "89e7dffc4a0140f086a3171235fae8d9")
                    .text("_STREAM_ID", "92765bf7ba214e23a2ee986d76578bef")
                    .text("_MACHINE_ID", "851f339d77174301b29e417ecb2ec6a8")
                    .text("_HOSTNAME", "node-a")
                    .text("MESSAGE", &format!(r#"I0610 06:13:20.123400    1234 kubelet.go:{seq}] "SyncLoop (PLEG): event for pod" pod="kube-system/coredns-5d78c9869d-abcde" event={{"ID":"1"}}"#))
                    .end()
                    .0,
            );
        }
        struct Count(usize);
        impl Emit for Count {
            fn record(&mut self, r: Record<'_>) {
                self.0 += r.message.len();
            }
            fn skip(&mut self, _: Skip<'_>) {}
        }
        let mut out = Count(0);
        let started = std::time::Instant::now();
        let used = parse(Chunk::whole(&input), &mut out);
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(used, input.len());
        eprintln!(
            "export: {} MiB, {seq} entries in {secs:.3}s = {:.0} MiB/s",
            input.len() >> 20,
            input.len() as f64 / secs / (1 << 20) as f64
        );
    }
}
