//! `journalctl -o json` and its relatives: json-pretty, json-seq, json-sse,
//! the old spaced style, and collectors' JSON arrays of entries.
//!
//! # Shapes accepted
//!
//! All of them are journal objects separated by "envelope" bytes, so one
//! scanner reads them all: between objects it passes over whitespace, the
//! json-seq record separator (RS, 0x1E), the json-sse `data:` prefix, and
//! the `[`, `,` and `]` of an array wrapper; at every `{` it reads one object
//! with serde_json. Whether an object sits on one line (`-o json`) or many
//! (json-pretty, pretty arrays) does not matter to the scanner; the bytes
//! the object occupied are known from serde_json's `StreamDeserializer`
//! offset and give the record's lines.
//!
//! # Values
//!
//! journalctl writes every value as a string, except that a value that is
//! not printable UTF-8 becomes an array of byte values, a value of 4096
//! bytes or more becomes `null` (unless `-a`), and a repeated field becomes
//! an array of such values. `ValueVisitor` tells these apart by the first
//! element of an array (a number: bytes; anything else: repetitions). A
//! repeated field keeps its last non-null value, like the export reader.
//! Only the keys a record needs are decoded (see
//! `journal_export::Known`); all others are skipped with
//! `IgnoredAny`, and strings without escapes are borrowed from the input.
//!
//! # Line accounting
//!
//! Every physical line goes to exactly one record or skip. A record owns the
//! lines from the one its `{` is on to the one its `}` is on. When several
//! objects share a line (`},{` in an array, or a whole array on one line),
//! the first object owns it and the others own only the lines they add (so
//! possibly zero). Lines between objects that hold only envelope bytes are
//! `Blank` or `Envelope` skips; a line where an object should start but does
//! not (or whose object is not valid JSON) is a `Malformed` skip, and
//! scanning resumes on the next line. Garbage after an object on the same
//! line is reported as `BadField` on that object. A valid object with none
//! of the journal keys (say a docker json-file line that slipped in) is a
//! `Malformed` skip too. journalctl never writes invalid UTF-8 inside a
//! string (it writes a byte array instead), so an object that has some is
//! damaged and skipped as `Malformed` rather than repaired.
//!
//! # Chunks
//!
//! With more input to come, only complete lines are read. An object that
//! runs past them is left for the next call; so are records that share a
//! line with it, which is why records are held back (`Held`) until an
//! item starts on a fresh line (so at most the records of one line are
//! held; at the end of the input nothing is). At the end of the input a cut object is
//! re-read into whatever fields it completed: a record with `Truncated` if
//! it has a time or message, else a `Truncated` skip.

use std::borrow::Cow;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::journal_export::{Built, Entry, Known, Value};
use super::Chunk;
use crate::record::{Format, Position};
use crate::sink::{Emit, Problem, Skip, SkipReason};

/// The json-seq record separator.
const RS: u8 = 0x1e;

/// The json-sse line prefix.
const SSE_DATA: &[u8] = b"data:";

/// How much of a malformed line is quoted in the skip's detail.
const EXCERPT_CHARS: usize = 120;

/// Parse journal JSON in any of its shapes; see the module documentation.
pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    let limit = if chunk.at_eof {
        chunk.bytes.len()
    } else {
        match memchr::memrchr(b'\n', chunk.bytes) {
            Some(i) => i + 1,
            None => return 0,
        }
    };
    Scanner {
        buf: &chunk.bytes[..limit],
        at_eof: chunk.at_eof,
        base_offset: chunk.base_offset,
        out,
        acct: 0,
        acct_line: chunk.first_line,
        held: Vec::new(),
        group_start: 0,
        last_record: None,
    }
    .run()
}

/// One object per line (`-o json`, json-seq, json-sse): the next line start
/// at or after `near` that begins an object. Pretty-printed objects and
/// arrays cannot be split safely: `None`.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    if !is_object_per_line(bytes) {
        return None;
    }
    if near == 0 {
        return Some(0);
    }
    let mut from = near - 1;
    loop {
        let nl = memchr::memchr(b'\n', bytes.get(from..)?)?;
        let start = from + nl + 1;
        if start >= bytes.len() {
            return None;
        }
        if starts_object(&bytes[start..]) {
            return Some(start);
        }
        from = start;
    }
}

/// The head starts (after envelope bytes) with an object that has a key
/// only the journal writes: `__CURSOR`, `__REALTIME_TIMESTAMP`, `_BOOT_ID`,
/// or `MESSAGE` together with `PRIORITY`. Docker json-file lines, klog JSON
/// and Kubernetes event lists have none of them.
pub fn sniff(head: &[u8]) -> bool {
    let start = skip_envelope(head, 0);
    let Some(object) = head.get(start..).filter(|o| o.first() == Some(&b'{')) else {
        return false;
    };
    let mut entry = Entry::default();
    let mut de = serde_json::Deserializer::from_slice(object);
    match EntrySeed(&mut entry).deserialize(&mut de) {
        // The head may end inside the first object: judge the keys read so far.
        Ok(()) => entry.looks_like_journal(),
        Err(e) if e.is_eof() => entry.looks_like_journal(),
        Err(_) => false,
    }
}

/// Whether the first object of `bytes` fits on its first line.
fn is_object_per_line(bytes: &[u8]) -> bool {
    let Some(first) = bytes.iter().position(|b| !b.is_ascii_whitespace()) else {
        return false;
    };
    let line_end = memchr::memchr(b'\n', &bytes[first..]).map_or(bytes.len(), |i| first + i);
    let line = bytes[first..line_end].trim_ascii_end();
    starts_object(line) && line.ends_with(b"}")
}

/// Does a line begin with an object, possibly behind RS or `data: `?
fn starts_object(line: &[u8]) -> bool {
    let line = line.strip_prefix(&[RS]).unwrap_or(line);
    let line = match line.strip_prefix(SSE_DATA) {
        Some(rest) => rest.trim_ascii_start(),
        None => line,
    };
    line.first() == Some(&b'{')
}

/// The offset of the first byte at or after `p` that is not envelope.
fn skip_envelope(buf: &[u8], mut p: usize) -> usize {
    while let Some(&b) = buf.get(p) {
        match b {
            b' ' | b'\t' | b'\r' | b'\n' | RS | b',' | b'[' | b']' => p += 1,
            b'd' if buf[p..].starts_with(SSE_DATA) => p += SSE_DATA.len(),
            _ => break,
        }
    }
    p
}

/// An emission held back while its last line may still be shared.
enum Held<'a> {
    Record(Built<'a>),
    Skip(Skip<'a>),
    Problem(Position, Problem),
}

impl Held<'_> {
    fn emit(self, out: &mut dyn Emit) {
        match self {
            Held::Record(built) => built.emit(out),
            Held::Skip(skip) => out.skip(skip),
            Held::Problem(position, problem) => out.problem(position, problem),
        }
    }
}

/// What to do after an object.
enum Next {
    /// Continue scanning at this offset.
    At(usize),
    /// Stop: the chunk is consumed up to this offset.
    Stop(usize),
}

struct Scanner<'a, 'o> {
    /// The complete lines of the chunk (all of it at the end of the input).
    buf: &'a [u8],
    at_eof: bool,
    base_offset: u64,
    out: &'o mut dyn Emit,
    /// Every line starting before this offset is accounted for (emitted or
    /// held); always a line start.
    acct: usize,
    /// Line number of `acct`.
    acct_line: u64,
    /// Emissions whose lines may be shared with an object not yet complete.
    held: Vec<Held<'a>>,
    /// Where the held emissions' lines begin: where to resume if they are dropped.
    group_start: usize,
    /// The last item read, when it was a record: garbage on its line is
    /// reported on it.
    last_record: Option<Position>,
}

impl<'a> Scanner<'a, '_> {
    fn run(mut self) -> usize {
        let mut p = 0;
        loop {
            p = skip_envelope(self.buf, p);
            match self.buf.get(p) {
                None => break,
                Some(b'{') => match self.object(p) {
                    Next::At(next) => p = next,
                    Next::Stop(consumed) => return consumed,
                },
                Some(_) => p = self.garbage(p, None),
            }
        }
        self.flush();
        self.gap(self.buf.len());
        self.buf.len()
    }

    /// Read the object starting at `start`.
    fn object(&mut self, start: usize) -> Next {
        let buf: &'a [u8] = self.buf;
        let mut stream =
            serde_json::Deserializer::from_slice(&buf[start..]).into_iter::<JsonEntry<'a>>();
        match stream.next() {
            Some(Ok(JsonEntry(entry))) => {
                let end = start + stream.byte_offset();
                self.entry(start, end, entry);
                Next::At(end)
            }
            Some(Err(e)) if e.is_eof() && !self.at_eof => Next::Stop(self.rollback(start)),
            Some(Err(e)) if e.is_eof() => {
                self.cut_entry(start);
                Next::At(buf.len())
            }
            Some(Err(e)) => Next::At(self.garbage(start, Some(&e))),
            None => Next::At(buf.len()),
        }
    }

    /// A complete object from `start` to `end`.
    fn entry(&mut self, start: usize, end: usize, entry: Entry<'a>) {
        let position = self.claim(start, end - 1);
        self.last_record = entry.has_known_fields().then_some(position);
        if entry.has_known_fields() {
            self.hold(Held::Record(entry.build(Format::JournalJson, position)));
        } else {
            self.hold(Held::Skip(Skip {
                position,
                reason: SkipReason::Malformed,
                detail: Cow::Borrowed("JSON object without journal fields"),
            }));
        }
    }

    /// An object cut by the end of the input: keep what it completed.
    fn cut_entry(&mut self, start: usize) {
        let mut entry = Entry::default();
        let mut de = serde_json::Deserializer::from_slice(&self.buf[start..]);
        // Fails by construction (the object is cut); the fields read before
        // the cut are in `entry`.
        let _ = EntrySeed(&mut entry).deserialize(&mut de);
        let last = self.buf.len().saturating_sub(1);
        let position = self.claim(start, last);
        if entry.is_usable() {
            let mut built = entry.build(Format::JournalJson, position);
            built.problems.add(Problem::Truncated);
            self.hold(Held::Record(built));
        } else {
            self.hold(Held::Skip(Skip {
                position,
                reason: SkipReason::Truncated,
                detail: Cow::Borrowed("journal JSON object cut by the end of the input"),
            }));
        }
    }

    /// Something at `at` that is neither envelope nor a valid object. On a
    /// fresh line the line is skipped as malformed; after an object on the
    /// same line it is reported on that object. Returns where to go on.
    fn garbage(&mut self, at: usize, error: Option<&serde_json::Error>) -> usize {
        if at < self.acct {
            // The line is already claimed: by a record, which gets the
            // problem, or by a skip, which already reports the line.
            if let Some(position) = self.last_record {
                self.hold(Held::Problem(position, Problem::BadField));
            }
            return self.acct;
        }
        let line_start = self.line_start(at);
        let position = self.claim(line_start, at);
        let line = &self.buf[line_start..self.acct];
        let reason = if line.starts_with(b"-- ") {
            SkipReason::Marker
        } else {
            SkipReason::Malformed
        };
        let detail = match error {
            Some(e) => format!("invalid JSON ({}): {}", describe(e), excerpt(line)),
            None => excerpt(line),
        };
        self.last_record = None;
        self.hold(Held::Skip(Skip {
            position,
            reason,
            detail: Cow::Owned(detail),
        }));
        self.acct
    }

    /// Account the lines of an item from byte `first` to byte `last`
    /// (inclusive): from the line of `first` (or from the first unclaimed
    /// line, when that one is already taken by an earlier object) to the end
    /// of the line of `last`. Unclaimed lines before the item become skips.
    /// The position's offset is `first`.
    fn claim(&mut self, first: usize, last: usize) -> Position {
        let line = if first >= self.acct {
            self.open_line(first)
        } else {
            self.acct_line.saturating_sub(1)
        };
        let line_end =
            memchr::memchr(b'\n', &self.buf[last..]).map_or(self.buf.len(), |i| last + i + 1);
        let end = line_end.max(self.acct);
        let span = &self.buf[self.acct..end];
        let newlines = memchr::memchr_iter(b'\n', span).count() as u64;
        let unterminated = u64::from(span.last().is_some_and(|&b| b != b'\n'));
        self.acct_line += newlines;
        self.acct = end;
        Position {
            line,
            offset: self.base_offset + first as u64,
            lines: u32::try_from(newlines + unterminated).unwrap_or(u32::MAX),
        }
    }

    /// The start of the line holding `at`, which is not before `acct`.
    fn line_start(&self, at: usize) -> usize {
        memchr::memrchr(b'\n', &self.buf[self.acct..at]).map_or(self.acct, |i| self.acct + i + 1)
    }

    /// Start a new group of emissions on the line of `at`, which nothing has
    /// claimed: release what was held, and skip the envelope lines between.
    /// Returns the line number of `at`.
    fn open_line(&mut self, at: usize) -> u64 {
        self.flush();
        let line_start = self.line_start(at);
        self.gap(line_start);
        self.group_start = self.acct;
        self.acct_line
    }

    /// Emit the unclaimed lines from `acct` up to `to` (a line start or the
    /// end): they hold only envelope bytes.
    fn gap(&mut self, to: usize) {
        while self.acct < to {
            let start = self.acct;
            let next = memchr::memchr(b'\n', &self.buf[start..to]).map_or(to, |i| start + i + 1);
            let line = &self.buf[start..next];
            let reason = if line.iter().all(u8::is_ascii_whitespace) {
                SkipReason::Blank
            } else {
                SkipReason::Envelope
            };
            self.out.skip(Skip {
                position: Position {
                    line: self.acct_line,
                    offset: self.base_offset + start as u64,
                    lines: 1,
                },
                reason,
                detail: Cow::Borrowed(""),
            });
            self.acct = next;
            self.acct_line += 1;
        }
    }

    fn hold(&mut self, item: Held<'a>) {
        if self.at_eof {
            item.emit(self.out);
        } else {
            self.held.push(item);
        }
    }

    fn flush(&mut self) {
        for item in self.held.drain(..) {
            item.emit(self.out);
        }
    }

    /// An object starting at `start` runs past the complete lines. Stop
    /// before it; when it shares a line with held records, stop before them
    /// too, so that the next call reads that line whole.
    fn rollback(&mut self, start: usize) -> usize {
        if start >= self.acct {
            self.flush();
            self.acct
        } else {
            self.held.clear();
            self.group_start
        }
    }
}

/// A short name for a serde_json failure (its own message carries line and
/// column relative to the object, which would mislead).
fn describe(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "unexpected value",
        serde_json::error::Category::Eof => "unexpected end",
        serde_json::error::Category::Io => "read error",
    }
}

/// A short, printable quote of a skipped line.
fn excerpt(line: &[u8]) -> String {
    String::from_utf8_lossy(line.trim_ascii_end())
        .chars()
        .take(EXCERPT_CHARS)
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .collect()
}

// ---------------------------------------------------------------------------
// serde: one journal object into an `Entry`, without building a map.
// ---------------------------------------------------------------------------

/// A JSON object read as a journal entry (for `StreamDeserializer`, which
/// needs an owned result to report the object's end offset).
struct JsonEntry<'a>(Entry<'a>);

impl<'de> Deserialize<'de> for JsonEntry<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut entry = Entry::default();
        EntrySeed(&mut entry).deserialize(deserializer)?;
        Ok(JsonEntry(entry))
    }
}

/// Reads an object's fields into an entry owned by the caller, so that the
/// fields read before an error (a cut object) are kept.
struct EntrySeed<'s, 'a>(&'s mut Entry<'a>);

impl<'de> DeserializeSeed<'de> for EntrySeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EntrySeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a journal entry object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(FieldKey(known)) = map.next_key()? {
            match known {
                Some(field) => {
                    let JsonValue(value) = map.next_value()?;
                    self.0.set(field, value);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// An object key: one of the known journal fields, or any other.
struct FieldKey(Option<Known>);

impl<'de> Deserialize<'de> for FieldKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = FieldKey;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E>(self, name: &str) -> Result<FieldKey, E> {
        Ok(FieldKey(Known::from_name(name.as_bytes())))
    }
}

/// A field value in any of the shapes journalctl writes.
struct JsonValue<'a>(Value<'a>);

impl<'de> Deserialize<'de> for JsonValue<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(JsonValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, an array of bytes or values, or null")
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Borrowed(s)))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Owned(s.to_owned())))
    }

    fn visit_string<E>(self, s: String) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Owned(s)))
    }

    // journalctl writes numbers as strings; other writers may not.
    fn visit_u64<E>(self, n: u64) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Owned(n.to_string())))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Owned(n.to_string())))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Owned(n.to_string())))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value<'de>, E> {
        Ok(Value::Text(Cow::Borrowed(if b { "true" } else { "false" })))
    }

    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Value::Bad)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value<'de>, A::Error> {
        sequence(seq)
    }
}

/// What an array turned out to hold so far.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Empty,
    /// Numbers 0..=255: one binary value.
    Bytes,
    /// Strings, byte arrays, nulls: a repeated field.
    Repeated,
    /// Anything else, or the two mixed.
    Mixed,
}

/// An array value: the bytes of a binary value, or the last non-null value
/// of a repeated field.
fn sequence<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Value<'de>, A::Error> {
    let mut shape = Shape::Empty;
    let mut bytes = Vec::new();
    let mut repeated: Option<Value<'de>> = None;
    while let Some(Element(element)) = seq.next_element()? {
        shape = match (shape, element) {
            (Shape::Empty | Shape::Bytes, Elem::Byte(b)) => {
                bytes.push(b);
                Shape::Bytes
            }
            (Shape::Empty | Shape::Repeated, Elem::Value(value)) => {
                if !matches!(value, Value::Null) || repeated.is_none() {
                    repeated = Some(value);
                }
                Shape::Repeated
            }
            _ => Shape::Mixed,
        };
    }
    Ok(match shape {
        Shape::Empty => Value::Bytes(Cow::Owned(Vec::new())),
        Shape::Bytes => Value::Bytes(Cow::Owned(bytes)),
        Shape::Repeated => repeated.unwrap_or(Value::Null),
        Shape::Mixed => Value::Bad,
    })
}

/// One element of an array value.
enum Elem<'a> {
    Byte(u8),
    Value(Value<'a>),
}

struct Element<'a>(Elem<'a>);

impl<'de> Deserialize<'de> for Element<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ElementVisitor).map(Element)
    }
}

struct ElementVisitor;

impl<'de> Visitor<'de> for ElementVisitor {
    type Value = Elem<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte value, a string, an array or null")
    }

    fn visit_u64<E>(self, n: u64) -> Result<Elem<'de>, E> {
        Ok(u8::try_from(n).map_or(Elem::Value(Value::Bad), Elem::Byte))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Elem<'de>, E> {
        Ok(u8::try_from(n).map_or(Elem::Value(Value::Bad), Elem::Byte))
    }

    fn visit_f64<E>(self, _: f64) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Bad))
    }

    fn visit_bool<E>(self, _: bool) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Bad))
    }

    fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Text(Cow::Borrowed(s))))
    }

    fn visit_str<E>(self, s: &str) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Text(Cow::Owned(s.to_owned()))))
    }

    fn visit_unit<E>(self) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Null))
    }

    fn visit_none<E>(self) -> Result<Elem<'de>, E> {
        Ok(Elem::Value(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Elem<'de>, A::Error> {
        sequence(seq).map(Elem::Value)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Elem<'de>, A::Error> {
        ValueVisitor.visit_map(map).map(Elem::Value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::lines::count_lines;
    use crate::formats::testing::{assert_same_in_chunks, head, parse_in_chunks, parse_whole};
    use crate::record::{Record, Severity};
    use crate::sink::Collect;
    use crate::time::RawTime;
    use proptest::prelude::*;
    use serde::de::IgnoredAny;

    const LNAV_SAMPLE: &[u8] =
        include_bytes!("../../tests/fixtures/samples/journald/lnav-logfile_journald.json");
    const BEATS_SAMPLE: &[u8] =
        include_bytes!("../../tests/fixtures/samples/journald/beats-sample-journal-event.json");

    /// A compact `-o json` line for a kubelet entry with sequence `seq`.
    fn kubelet_line(seq: u32, message: &str) -> String {
        format!(
            r#"{{"__CURSOR":"s=0f1e;i={seq:x};b=3c4d;m=2b6f1d0;t=61b9c8a1e3001;x=1","__REALTIME_TIMESTAMP":"17180000002{seq:05}","__MONOTONIC_TIMESTAMP":"45543888","_BOOT_ID":"3c4d5e6f708192a3b4c5d6e7f8091a2b","PRIORITY":"6","_SYSTEMD_UNIT":"kubelet.service","SYSLOG_IDENTIFIER":"kubelet","_PID":"1234","_HOSTNAME":"node-a","MESSAGE":{message},"_UDEV_DEVLINK":["/dev/a","/dev/b"],"COREDUMP_PROC_MAPS":null}}"#
        )
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

    fn messages(out: &Collect) -> Vec<String> {
        out.records.iter().map(|r| r.message.to_string()).collect()
    }

    fn reasons(out: &Collect) -> Vec<(u64, SkipReason, u32)> {
        out.skips
            .iter()
            .map(|s| (s.position.line, s.reason, s.position.lines))
            .collect()
    }

    fn us(micros: i64) -> RawTime {
        RawTime::Exact(micros * 1000)
    }

    #[test]
    fn lnav_sample_old_spaced_lines() {
        let out = parse_bytes(LNAV_SAMPLE);
        assert_eq!(out.records.len(), 2);
        assert!(out.skips.is_empty());
        assert!(out.problems.is_empty());
        let (first, second) = (&out.records[0], &out.records[1]);
        assert_eq!(first.severity, Severity::Critical);
        assert_eq!(second.severity, Severity::Info);
        assert_eq!(first.message, "GPS Reference longitude: 7.358143333");
        assert_eq!(second.message, "GPS Reference latitude: 46.908706667");
        for r in [first, second] {
            assert_eq!(r.format, Format::JournalJson);
            assert_eq!(r.time, us(1_534_860_261_221_373));
            assert_eq!(r.node.as_deref(), Some("imx6ul-medusa"));
            assert_eq!(r.component.as_deref(), Some("python"));
            assert_eq!(r.unit.as_deref(), Some("medusa-GpsLocator.service"));
            assert_eq!(r.pid, Some(184));
            assert_eq!(r.position.lines, 1);
        }
        assert_eq!((first.position.line, first.position.offset), (1, 0));
        assert_eq!(second.position.line, 2);
    }

    #[test]
    fn beats_pretty_sample_is_one_record_over_all_its_lines() {
        let out = parse_bytes(BEATS_SAMPLE);
        assert_eq!(out.records.len(), 1);
        assert!(out.skips.is_empty());
        assert!(out.problems.is_empty());
        let r = &out.records[0];
        assert_eq!(r.position.lines, 32);
        assert_eq!(r.message, "Count: 0000000001");
        assert_eq!(r.time, us(1_724_080_855_230_058));
        assert_eq!(r.node.as_deref(), Some("millennium-falcon"));
        assert_eq!(
            r.component.as_deref(),
            Some("TestRestartsJournalctlOnError")
        );
        assert_eq!(r.unit.as_deref(), Some("session-2.scope"));
        assert_eq!(r.pid, Some(235_728));
        assert_eq!(r.severity, Severity::Info);
    }

    #[test]
    fn kubelet_klog_message_maps_every_field() {
        let line = kubelet_line(
            1,
            r#""I0610 06:13:20.123400    1234 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"""#,
        );
        let out = parse_bytes(line.as_bytes());
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!(r.time, RawTime::Exact(1_718_000_000_200_001_000));
        assert_eq!(r.component.as_deref(), Some("kubelet"));
        assert_eq!(r.unit.as_deref(), Some("kubelet.service"));
        assert_eq!(r.node.as_deref(), Some("node-a"));
        assert_eq!(r.pid, Some(1234));
        assert_eq!(r.severity, Severity::Info);
        // The payload decoder splits the klog text: message unquoted, pairs as fields.
        assert_eq!(r.message, "Kubelet version");
        assert_eq!(r.payload, crate::record::Payload::Klog);
        assert_eq!(r.fields.get("kubeletVersion").as_deref(), Some("v1.30.2"));
        assert_eq!(r.origin.as_deref(), Some("server.go:487"));
        assert!(
            out.problems.is_empty(),
            "null in another field is not damage"
        );
    }

    #[test]
    fn byte_array_message_with_carriage_return() {
        let line = kubelet_line(1, "[69,48,54,49,48,32,101,114,114,13]");
        let out = parse_bytes(line.as_bytes());
        assert_eq!(out.records[0].message, "E0610 err");
        assert!(out.problems.is_empty());
    }

    #[test]
    fn byte_array_with_invalid_utf8_is_replaced_and_reported() {
        let line = kubelet_line(1, "[99,97,102,233]");
        let out = parse_bytes(line.as_bytes());
        assert_eq!(out.records[0].message, "caf\u{fffd}");
        assert_eq!(problems_at(&out, 0), [Problem::InvalidUtf8]);
    }

    #[test]
    fn null_message_is_an_empty_truncated_record() {
        let line = kubelet_line(1, "null");
        let out = parse_bytes(line.as_bytes());
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message, "");
        assert_eq!(out.records[0].component.as_deref(), Some("kubelet"));
        assert_eq!(problems_at(&out, 0), [Problem::Truncated]);
    }

    #[test]
    fn repeated_fields_keep_the_last_non_null_value() {
        let input = concat!(
            r#"{"__REALTIME_TIMESTAMP":"5","MESSAGE":["x",[121],null],"_HOSTNAME":[null,"node-b"]}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"5","MESSAGE":[null,null]}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"5","MESSAGE":[]}"#,
            "\n",
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["y", "", ""]);
        assert_eq!(out.records[0].node.as_deref(), Some("node-b"));
        assert!(problems_at(&out, 0).is_empty());
        assert_eq!(problems_at(&out, 1), [Problem::Truncated]);
        assert!(problems_at(&out, 2).is_empty());
    }

    #[test]
    fn odd_values_numbers_escapes_and_bad_shapes() {
        let input = concat!(
            r#"{"__REALTIME_TIMESTAMP":1718000000000000,"PRIORITY":3,"_PID":77,"MESSAGE":"tab\there \"quoted\" \u00e9"}"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"5","MESSAGE":[1,300,2],"_HOSTNAME":{"a":1}}"#,
            "\n",
        );
        let out = parse_bytes(input.as_bytes());
        let first = &out.records[0];
        assert_eq!(first.time, us(1_718_000_000_000_000));
        assert_eq!(first.severity, Severity::Error);
        assert_eq!(first.pid, Some(77));
        assert_eq!(first.message, "tab\there \"quoted\" \u{e9}");
        assert!(problems_at(&out, 0).is_empty());
        assert_eq!(out.records[1].message, "");
        assert_eq!(out.records[1].node, None);
        assert_eq!(problems_at(&out, 1), [Problem::BadField]);
    }

    #[test]
    fn json_seq_records_start_with_rs() {
        let input = format!(
            "\x1e{}\n\x1e{}\n",
            kubelet_line(1, r#""one""#),
            kubelet_line(2, r#""two""#)
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["one", "two"]);
        assert_eq!(out.records[1].position.line, 2);
        assert_eq!(
            out.records[1].position.offset as usize,
            input.find("\n\x1e").unwrap() + 2
        );
        assert!(out.skips.is_empty());
    }

    #[test]
    fn json_sse_records_and_their_blank_lines() {
        let input = format!(
            "data: {}\n\ndata: {}\n\n",
            kubelet_line(1, r#""one""#),
            kubelet_line(2, r#""two""#)
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["one", "two"]);
        assert_eq!(
            reasons(&out),
            [(2, SkipReason::Blank, 1), (4, SkipReason::Blank, 1)]
        );
        assert_eq!(out.records[1].position.line, 3);
    }

    #[test]
    fn pretty_array_wrapper_with_envelope_lines() {
        let input = concat!(
            "[\n",
            "  {\n",
            "    \"__REALTIME_TIMESTAMP\" : \"1\",\n",
            "    \"MESSAGE\" : \"one\"\n",
            "  },\n",
            "  {\n",
            "    \"__REALTIME_TIMESTAMP\" : \"2\",\n",
            "    \"MESSAGE\" : [116,119,111,13]\n",
            "  }\n",
            "]\n",
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["one", "two"]);
        let spans: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.position.line, r.position.lines))
            .collect();
        assert_eq!(spans, [(2, 4), (6, 4)]);
        assert_eq!(
            reasons(&out),
            [(1, SkipReason::Envelope, 1), (10, SkipReason::Envelope, 1)]
        );
        assert!(out.problems.is_empty());
    }

    #[test]
    fn compact_array_on_one_line_gives_the_line_to_the_first_object() {
        let input = concat!(
            r#"[{"__REALTIME_TIMESTAMP":"1","MESSAGE":"a"},{"__REALTIME_TIMESTAMP":"2","MESSAGE":"b"},"#,
            "\n",
            r#"{"__REALTIME_TIMESTAMP":"3","MESSAGE":"c"}]"#,
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["a", "b", "c"]);
        let spans: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.position.line, r.position.lines))
            .collect();
        assert_eq!(spans, [(1, 1), (1, 0), (2, 1)]);
        assert_eq!(out.records[1].position.offset, 44);
    }

    #[test]
    fn malformed_lines_are_skipped_and_scanning_goes_on() {
        let input = format!(
            "{}\n{}\nnot json at all\n{{\"MESSAGE\": oops}}\n{{\"log\":\"docker\\n\",\"stream\":\"stdout\",\"time\":\"2024-06-10T06:13:20Z\"}}\n{} trailing\n",
            kubelet_line(1, r#""one""#),
            r#"{"MESSAGE":"unterminated"#,
            kubelet_line(2, r#""two""#),
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["one", "two"]);
        assert_eq!(
            reasons(&out),
            [
                (2, SkipReason::Malformed, 1),
                (3, SkipReason::Malformed, 1),
                (4, SkipReason::Malformed, 1),
                (5, SkipReason::Malformed, 1),
            ]
        );
        assert_eq!(out.skips[1].detail, "not json at all");
        assert!(out.skips[2]
            .detail
            .starts_with("invalid JSON (syntax error): {\"MESSAGE\": oops}"));
        assert_eq!(out.skips[3].detail, "JSON object without journal fields");
        assert_eq!(
            problems_at(&out, 1),
            [Problem::BadField],
            "garbage after the object"
        );
    }

    #[test]
    fn garbage_after_a_skipped_object_is_not_blamed_on_an_earlier_record() {
        let input = concat!(
            r#"{"MESSAGE":"a","PRIORITY":"6"}"#,
            "\n",
            r#"{"log":"x"} trailing"#,
            "\n",
        );
        let out = parse_bytes(input.as_bytes());
        assert_eq!(messages(&out), ["a"]);
        assert!(out.problems.is_empty());
        assert_eq!(reasons(&out), [(2, SkipReason::Malformed, 1)]);
    }

    #[test]
    fn object_cut_by_the_end_keeps_its_complete_fields() {
        let input =
            br#"{"__REALTIME_TIMESTAMP":"1718000000000000","MESSAGE":"hello","_HOSTNAME":"node-"#;
        let out = parse_bytes(input);
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message, "hello");
        assert_eq!(out.records[0].node, None);
        assert_eq!(problems_at(&out, 0), [Problem::Truncated]);

        let out = parse_bytes(br#"{"_HOSTNAME":"node-a","MESS"#);
        assert!(out.records.is_empty());
        assert_eq!(reasons(&out), [(1, SkipReason::Truncated, 1)]);
    }

    fn mixed_input() -> Vec<u8> {
        [
            LNAV_SAMPLE,
            BEATS_SAMPLE,
            b"\n[\n",
            kubelet_line(1, "[104,105,13]").as_bytes(),
            b",",
            kubelet_line(2, r#""two""#).as_bytes(),
            b"\n]\n\x1e",
            kubelet_line(3, "null").as_bytes(),
            b"\ndata: ",
            kubelet_line(4, r#"["a","b"]"#).as_bytes(),
            b"\n\nnot json\n",
            BEATS_SAMPLE,
        ]
        .concat()
    }

    /// The byte span of every record's object in `input`.
    fn object_spans(input: &[u8], out: &Collect) -> Vec<(usize, usize)> {
        out.records
            .iter()
            .map(|r| {
                let start = r.position.offset as usize;
                let mut stream =
                    serde_json::Deserializer::from_slice(&input[start..]).into_iter::<IgnoredAny>();
                assert!(matches!(stream.next(), Some(Ok(_))));
                (start, start + stream.byte_offset())
            })
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
    fn truncation_at_every_byte_keeps_complete_objects_and_reports_the_cut_one() {
        let input = mixed_input();
        let whole = parse_bytes(&input);
        assert_eq!(whole.records.len(), 8);
        let spans = object_spans(&input, &whole);
        let null_message = 5; // kubelet_line(3, "null") is a Truncated record by itself
        for cut in 0..=input.len() {
            // parse_bytes checks that every line is accounted for.
            let out = parse_bytes(&input[..cut]);
            let complete = spans.iter().filter(|&&(_, end)| end <= cut).count();
            let inside = spans.iter().any(|&(start, end)| start < cut && cut < end);
            assert!(out.records.len() >= complete, "cut at {cut}");
            assert_eq!(
                messages(&out)[..complete],
                messages(&whole)[..complete],
                "cut at {cut}"
            );
            let expected = usize::from(inside) + usize::from(complete > null_message);
            assert_eq!(truncations(&out), expected, "cut at {cut}");
            assert!(out.records.len() <= complete + 1, "cut at {cut}");
        }
    }

    #[test]
    fn chunked_parsing_gives_the_same_result() {
        let input = mixed_input();
        for step in [1, 2, 5, 16, 100, 777, input.len()] {
            assert_same_in_chunks(parse, &input, step);
        }
    }

    #[test]
    fn a_chunk_ending_inside_a_shared_line_is_read_again_whole() {
        let input = concat!(
            r#"[{"__REALTIME_TIMESTAMP":"1","MESSAGE":"a"},{"__REALTIME_TIMESTAMP":"2","#,
            "\n",
            r#""MESSAGE":"b"}]"#,
            "\n",
        );
        let first_line = input.find('\n').unwrap() + 1;
        let mut out = Collect::default();
        let used = parse(head(&input.as_bytes()[..first_line + 3]), &mut out);
        assert_eq!(used, 0, "record `a` shares its line with the cut object");
        assert!(out.records.is_empty() && out.skips.is_empty());
        let out = parse_in_chunks(parse, input.as_bytes(), first_line + 3);
        assert_eq!(messages(&out), ["a", "b"]);
    }

    #[test]
    fn split_points_only_for_one_object_per_line() {
        let lines = format!(
            "{}\n{}\n{}\n",
            kubelet_line(1, r#""a""#),
            kubelet_line(2, r#""b""#),
            kubelet_line(3, r#""c""#)
        );
        let second = lines.find('\n').unwrap() + 1;
        assert_eq!(split_at(lines.as_bytes(), 0), Some(0));
        assert_eq!(split_at(lines.as_bytes(), 1), Some(second));
        assert_eq!(split_at(lines.as_bytes(), second), Some(second));
        assert_eq!(split_at(lines.as_bytes(), lines.len() - 2), None);

        let sse = format!(
            "data: {}\n\ndata: {}\n\n",
            kubelet_line(1, "\"a\""),
            kubelet_line(2, "\"b\"")
        );
        let second = sse.find("\n\ndata").unwrap() + 2;
        assert_eq!(split_at(sse.as_bytes(), 5), Some(second));

        assert_eq!(split_at(BEATS_SAMPLE, 10), None, "pretty");
        assert_eq!(
            split_at(b"[{\"MESSAGE\":\"a\"},\n{\"MESSAGE\":\"b\"}]", 5),
            None,
            "array"
        );
        assert_eq!(
            split_at(LNAV_SAMPLE, 10),
            Some(LNAV_SAMPLE.iter().position(|&b| b == b'\n').unwrap() + 1)
        );
    }

    #[test]
    fn sniff_accepts_journal_objects_only() {
        assert!(sniff(LNAV_SAMPLE));
        assert!(sniff(BEATS_SAMPLE));
        assert!(sniff(kubelet_line(1, "\"x\"").as_bytes()));
        assert!(sniff(
            format!("\x1e{}", kubelet_line(1, "\"x\"")).as_bytes()
        ));
        assert!(sniff(
            format!("data: {}", kubelet_line(1, "\"x\"")).as_bytes()
        ));
        assert!(sniff(&BEATS_SAMPLE[..200]), "a head cut inside the object");
        assert!(sniff(br#"[{"MESSAGE":"x","PRIORITY":"6"}]"#));

        // docker json-file
        assert!(!sniff(br#"{"log":"I0610 06:13:20.123400 1 server.go:487] hello\n","stream":"stderr","time":"2024-06-10T06:13:20.1234Z"}"#));
        // klog JSON
        assert!(!sniff(br#"{"ts":1718000000123.4,"caller":"app/server.go:487","msg":"Kubelet version","v":0,"kubeletVersion":"v1.30.2"}"#));
        // kubectl get events -o json
        assert!(!sniff(br#"{"apiVersion":"v1","items":[{"kind":"Event","message":"Back-off restarting failed container","reason":"BackOff","type":"Warning"}],"kind":"List"}"#));
        assert!(!sniff(br#"{"MESSAGE":"x"}"#), "MESSAGE alone is not enough");
        assert!(!sniff(b"__CURSOR=s=1\n__REALTIME_TIMESTAMP=1\n"));
        assert!(!sniff(b"plain text\n"));
        assert!(!sniff(b""));
    }

    fn fragment() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            Just(kubelet_line(1, "\"m\"").into_bytes()),
            Just(br#"{"MESSAGE":[1,2,13],"__REALTIME_TIMESTAMP":"7"}"#.to_vec()),
            Just(b"{\n  \"MESSAGE\" : null\n}".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"[".to_vec()),
            Just(b"]".to_vec()),
            Just(b",".to_vec()),
            Just(b"\x1e".to_vec()),
            Just(b"data: ".to_vec()),
            Just(b"{".to_vec()),
            Just(b"}".to_vec()),
            Just(b"\"".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..8),
        ]
    }

    fn json_soup() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(fragment(), 0..30).prop_map(|parts| parts.concat())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_account_every_line(
            bytes in proptest::collection::vec(any::<u8>(), 0..600)
        ) {
            parse_bytes(&bytes);
            sniff(&bytes);
            let _ = split_at(&bytes, bytes.len() / 2);
        }

        #[test]
        fn json_soup_is_parsed_the_same_in_any_chunks(input in json_soup(), step in 1usize..60) {
            assert_same_in_chunks(parse, &input, step);
        }
    }

    /// Rough throughput: `cargo test --release --lib journal_json -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn throughput() {
        let mut input = String::new();
        let mut seq = 0u32;
        while input.len() < 64 << 20 {
            seq += 1;
            input.push_str(&format!(
                r#"{{"__CURSOR":"s=e82795fad4ce42b79fb3da0866d91f7e;i={seq:x};b=567980bb85ae41da8518f409570b0cb9;m=2bd4e2166;t=6200adaf0a66a;x=d9b1ac66921eaac9","__REALTIME_TIMESTAMP":"1724080855230058","__MONOTONIC_TIMESTAMP":"11765948774","__SEQNUM":"{seq}","__SEQNUM_ID":"e82795fad4ce42b79fb3da0866d91f7e","_BOOT_ID":"567980bb85ae41da8518f409570b0cb9","_TRANSPORT":"stdout","PRIORITY":"6","SYSLOG_FACILITY":"3","SYSLOG_IDENTIFIER":"kubelet","_PID":"1234","_UID":"0","_GID":"0","_COMM":"kubelet","_EXE":"/usr/bin/kubelet","_CMDLINE":"/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml","_CAP_EFFECTIVE":"1ffffffffff","_SELINUX_CONTEXT":[117,110,99,111,110,102,105,110,101,100,10],"_SYSTEMD_CGROUP":"/system.slice/kubelet.service","_SYSTEMD_UNIT":"kubelet.service","_SYSTEMD_SLICE":"system.slice","_SYSTEMD_INVOCATION_ID":"89e7dffc4a0140f086a3171235fae8d9","_STREAM_ID":"92765bf7ba214e23a2ee986d76578bef","_MACHINE_ID":"851f339d77174301b29e417ecb2ec6a8","_HOSTNAME":"node-a","MESSAGE":"I0610 06:13:20.123400    1234 kubelet.go:{seq}] \"SyncLoop (PLEG): event for pod\" pod=\"kube-system/coredns-5d78c9869d-abcde\""}}"#
            ));
            input.push('\n');
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
        let used = parse(Chunk::whole(input.as_bytes()), &mut out);
        let secs = started.elapsed().as_secs_f64();
        assert_eq!(used, input.len());
        assert_eq!(count_lines(input.as_bytes()), u64::from(seq));
        eprintln!(
            "json: {} MiB, {seq} entries in {secs:.3}s = {:.0} MiB/s",
            input.len() >> 20,
            input.len() as f64 / secs / (1 << 20) as f64
        );
    }
}
