//! Kubernetes Event objects as JSON or YAML documents, in every container
//! shape a bundle holds (kubectl-events.md §1, §2, §4; bundles.md).
//!
//! # Shapes
//!
//! JSON: a bare Event; a `List` / `EventList` with `items`; a JSON array of
//! events; a concatenation of pretty-printed objects (`kubectl get events -w
//! -o json`); watch wrappers `{"type":"ADDED","object":{…}}`; and the
//! `kubectl cluster-info dump` stdout stream, where NodeList, PodList, …
//! documents and pod-log sections are interleaved with the EventLists.
//! YAML: the same as `---`-separated documents (`kind: List`, must-gather's
//! `EventList`, bare events, watch wrappers).
//!
//! Both API groups are read: core/v1 (`involvedObject`, `message`,
//! `firstTimestamp`, …) and events.k8s.io/v1 (`regarding`, `note`,
//! `deprecatedFirstTimestamp`, …). A record's time is the best "last" time
//! with the printers' precedence `series.lastObservedTime` → `lastTimestamp`
//! → `eventTime` → `firstTimestamp` → `metadata.creationTimestamp`;
//! `event.first_seen` is `eventTime`, else `firstTimestamp`.
//!
//! # Design
//!
//! The input is a whole document (`split_at` is `None`): nothing is parsed
//! until `at_eof`, then everything is. A JSON document is not parsed in one
//! `serde_json::from_str`: a small hand-written *envelope scanner* walks the
//! top-level object or array, and `serde_json` parses each leaf value (a key,
//! `kind`, one list item) as a borrowed [`RawValue`]. This gives every item
//! its exact byte span (a record spans the lines of its item's text) and
//! keeps the items *before* a damaged or truncated one: the scanner stops at
//! the first item that does not parse, the complete items become records and
//! the rest is one `Truncated` (input ended) or `Malformed` skip, after which
//! the scanner resynchronises at the next line that starts a top-level
//! document (`{` or `[` in column 0).
//!
//! Each item is then decoded into a borrowed, *lenient* struct: every field
//! accepts any JSON type, keeps values of the right type, and remembers a
//! wrong type (reported as [`Problem::BadField`]) instead of failing the
//! item. Unknown fields (managedFields, …) are skipped without allocation.
//!
//! YAML items are found from the text, not from a parsed tree: list items
//! are the `- ` entries at the indentation of the first entry under a
//! top-level `items:` key, documents are separated by `---` lines. Each item
//! is parsed on its own with `serde_norway`, so one damaged item costs one
//! item.
//!
//! # Line accounting
//!
//! A [`Ledger`] hands out lines in input order: a record claims the lines
//! its item touches that no earlier record claimed (items printed on one
//! line share it; the first claims it, later ones get `lines: 0`), and
//! every unclaimed line between records becomes an `Envelope` skip (or
//! `Blank` when the stretch is only whitespace). Non-event documents are
//! `Envelope`; list items that are not objects are `Malformed`.
//!
//! Invalid UTF-8 is replaced (U+FFFD) before parsing so that the rest of the
//! document still parses; records touching a replacement report
//! [`Problem::InvalidUtf8`], and byte offsets are mapped back to the input.
//! Messages are capped at [`MAX_MESSAGE_BYTES`] ([`Problem::Truncated`]);
//! the line-length limit of line formats does not apply to documents (a
//! one-line `jq -c` or kOps dump is normal).
//!
//! # Sniffing
//!
//! Detection runs the same scanner and decoder on the head of the file and
//! looks at the *first document's structure* (its `kind`, its first list
//! item, its watch `object`), not at substrings: a NodeList, an
//! `APIResourceList` that lists the `events` resource, an audit log line
//! (`audit.k8s.io`, also `kind: Event`) or a JSON log line with a `reason`
//! key are not events. Consequence: a `cluster-info dump` stdout stream that
//! starts with a NodeList larger than the head is not recognised from its
//! content; the bundle layer has to route it by name.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::sync::OnceLock;

use regex::Regex;
use serde::de::{self, value::MapAccessDeserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

use super::lines::{count_lines, MAX_LINE_BYTES};
use super::Chunk;
use crate::record::{EventInfo, Fields, Format, ObjectRef, Position, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::{parse as tparse, RawTime};

/// Messages longer than this are cut (and reported as [`Problem::Truncated`]).
pub const MAX_MESSAGE_BYTES: usize = MAX_LINE_BYTES;

// ---------------------------------------------------------------------------
// Entry points
// ---------------------------------------------------------------------------

/// Parse a JSON events document (any shape of §4). Consumes nothing until
/// `at_eof`, then the whole chunk.
pub fn parse_json(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    if !chunk.at_eof {
        return 0;
    }
    let doc = Document::new(chunk);
    let mut ledger = Ledger::new(&doc);
    json::parse_stream(&doc, &mut ledger, out);
    ledger.finish(out);
    chunk.bytes.len()
}

/// Parse a YAML events document (one or more `---` documents).
pub fn parse_yaml(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    if !chunk.at_eof {
        return 0;
    }
    let doc = Document::new(chunk);
    let mut ledger = Ledger::new(&doc);
    yaml::parse_stream(&doc, &mut ledger, out);
    ledger.finish(out);
    chunk.bytes.len()
}

/// A JSON document that holds events, decided from the structure of its
/// first document (scanned and decoded as the parser would): an `Event` or
/// `EventList`, a `List`/array whose first complete item is an Event, a
/// watch wrapper around an Event, or a kind-less object with Event fields.
/// Audit events (`audit.k8s.io`, also `kind: Event`), other lists (PodList,
/// NodeList, a `List` of pods) and documents that merely *mention* events
/// (an `APIResourceList`) are refused.
pub fn sniff_json(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    json::sniff(&text)
}

/// A YAML document that holds events, decided like [`sniff_json`] from the
/// first document: top-level `kind: Event`/`EventList`, a `List` (or
/// `items:`) whose first item decodes as an Event, a watch wrapper, or a
/// kind-less Event. JSON and audit events are refused.
pub fn sniff_yaml(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let Some(first) = text.lines().map(str::trim_end).find(|l| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#') && !t.starts_with('%') && !yaml::is_marker(l)
    }) else {
        return false;
    };
    static START: OnceLock<Regex> = OnceLock::new();
    let start = START.get_or_init(|| {
        Regex::new(r"^(?:[A-Za-z][A-Za-z0-9_-]*:(?:\s|$)|- )").expect("static regex")
    });
    start.is_match(first) && yaml::sniff(&text)
}

/// Is a decoded item recognisably an Event (for sniffing, stricter than
/// parsing): `kind: Event` outside the audit group, or `involvedObject` /
/// `regarding`, or a `reason` with one of the Event-only fields.
fn recognisable_event(item: &Result<Item<'_>, String>) -> bool {
    let Ok(Item::Event(event)) = item else {
        return false;
    };
    let audit = event
        .api_version
        .get()
        .is_some_and(|v| v.starts_with("audit.k8s.io"));
    let only_events = event.reporting_component.value.is_some()
        || event.reporting_controller.value.is_some()
        || event.first_timestamp.value.is_some()
        || event.event_time.value.is_some()
        || event.source.value.is_some();
    let event_api = event
        .api_version
        .get()
        .is_some_and(|v| v == "v1" || v.starts_with("events.k8s.io/"));
    !audit
        && ((event.kind.get() == Some("Event") && event_api)
            || event.involved_object.value.is_some()
            || event.regarding.value.is_some()
            || (event.reason.value.is_some() && only_events))
}

// ---------------------------------------------------------------------------
// Input text, offsets and line accounting
// ---------------------------------------------------------------------------

/// The input as text, with invalid UTF-8 replaced and a map back to input offsets.
struct Document<'a> {
    text: Cow<'a, str>,
    /// Each replacement: (start in text, end in text, start in input, end in input).
    repairs: Repairs,
    first_line: u64,
    base_offset: u64,
}

impl<'a> Document<'a> {
    fn new(chunk: Chunk<'a>) -> Document<'a> {
        let (text, repairs) = match std::str::from_utf8(chunk.bytes) {
            Ok(s) => (Cow::Borrowed(s), Vec::new()),
            Err(_) => repair_utf8(chunk.bytes),
        };
        Document {
            text,
            repairs,
            first_line: chunk.first_line,
            base_offset: chunk.base_offset,
        }
    }

    /// Input offset (relative to the chunk) of a text offset.
    fn input_offset(&self, at: usize) -> usize {
        let i = self.repairs.partition_point(|r| r.0 <= at);
        match i.checked_sub(1).and_then(|k| self.repairs.get(k)) {
            None => at,
            Some(&(t0, t1, i0, i1)) if at < t1 => i0 + (at - t0).min(i1 - i0),
            Some(&(_, t1, _, i1)) => i1 + (at - t1),
        }
    }

    /// Did `[start, end)` of the text need a replacement?
    fn repaired_within(&self, start: usize, end: usize) -> bool {
        let i = self.repairs.partition_point(|r| r.1 <= start);
        self.repairs.get(i).is_some_and(|r| r.0 < end)
    }
}

type Repairs = Vec<(usize, usize, usize, usize)>;

fn repair_utf8(bytes: &[u8]) -> (Cow<'_, str>, Repairs) {
    let mut text = String::with_capacity(bytes.len() + 16);
    let mut repairs = Vec::new();
    let mut input_at = 0;
    for piece in bytes.utf8_chunks() {
        text.push_str(piece.valid());
        input_at += piece.valid().len();
        let bad = piece.invalid().len();
        if bad > 0 {
            let t0 = text.len();
            text.push(char::REPLACEMENT_CHARACTER);
            repairs.push((t0, text.len(), input_at, input_at + bad));
            input_at += bad;
        }
    }
    (Cow::Owned(text), repairs)
}

/// Hands out the lines of a document in order so that every line is
/// accounted exactly once (see the module documentation).
struct Ledger<'d> {
    doc: &'d Document<'d>,
    /// A cursor: `pos` is the start of 0-based line `line`.
    pos: usize,
    line: u64,
    /// First line not yet accounted, and its start.
    done_pos: usize,
    done_line: u64,
    total_lines: u64,
}

impl<'d> Ledger<'d> {
    fn new(doc: &'d Document<'d>) -> Ledger<'d> {
        Ledger {
            doc,
            pos: 0,
            line: 0,
            done_pos: 0,
            done_line: 0,
            total_lines: count_lines(doc.text.as_bytes()),
        }
    }

    fn text(&self) -> &'d str {
        &self.doc.text
    }

    /// Move the cursor to the line containing `at` (never backwards).
    fn seek(&mut self, at: usize) -> (u64, usize) {
        let bytes = self.doc.text.as_bytes();
        let at = at.min(bytes.len());
        if at > self.pos {
            let seg = &bytes[self.pos..at];
            let newlines = memchr::memchr_iter(b'\n', seg).count() as u64;
            if let Some(last) = memchr::memrchr(b'\n', seg) {
                self.pos += last + 1;
                self.line += newlines;
            }
        }
        (self.line, self.pos)
    }

    fn end_of_line(&self, line_start: usize) -> usize {
        let bytes = self.doc.text.as_bytes();
        match bytes
            .get(line_start..)
            .and_then(|r| memchr::memchr(b'\n', r))
        {
            Some(i) => line_start + i + 1,
            None => bytes.len(),
        }
    }

    fn position(&self, line: u64, at: usize, lines: u64) -> Position {
        Position {
            line: self.doc.first_line + line,
            offset: self.doc.base_offset + self.doc.input_offset(at) as u64,
            lines: u32::try_from(lines).unwrap_or(u32::MAX),
        }
    }

    /// Account unclaimed lines before line `upto` (starting at `upto_pos`) as
    /// `Envelope`, or `Blank` when they are only whitespace.
    fn gap(&mut self, upto: u64, upto_pos: usize, out: &mut dyn Emit) {
        if upto <= self.done_line {
            return;
        }
        let text = self.text();
        let stretch = text.get(self.done_pos..upto_pos).unwrap_or("");
        let (reason, detail) = if stretch.trim().is_empty() {
            (SkipReason::Blank, "")
        } else {
            (SkipReason::Envelope, "list envelope")
        };
        self.emit_skip(upto, upto_pos, reason, Cow::Borrowed(detail), out);
    }

    fn emit_skip(
        &mut self,
        upto: u64,
        upto_pos: usize,
        reason: SkipReason,
        detail: Cow<'_, str>,
        out: &mut dyn Emit,
    ) {
        let position = self.position(self.done_line, self.done_pos, upto - self.done_line);
        if self.doc.repaired_within(self.done_pos, upto_pos) {
            out.problem(position, Problem::InvalidUtf8);
        }
        out.skip(Skip {
            position,
            reason,
            detail,
        });
        self.done_line = upto;
        self.done_pos = upto_pos;
    }

    /// Claim the lines touched by `[start, end)` (those not claimed yet).
    /// Unclaimed lines before it become an envelope/blank skip.
    fn claim(&mut self, start: usize, end: usize, out: &mut dyn Emit) -> Position {
        let (first, first_pos) = self.seek(start);
        self.gap(first, first_pos, out);
        let (last, last_pos) = self.seek(end.saturating_sub(1).max(start));
        let from = self.done_line.max(first);
        let lines = (last + 1).saturating_sub(from);
        if last + 1 > self.done_line {
            self.done_line = last + 1;
            self.done_pos = self.end_of_line(last_pos);
        }
        let position = self.position(first, start, lines);
        if self.doc.repaired_within(start, end) {
            out.problem(position, Problem::InvalidUtf8);
        }
        position
    }

    /// Claim `[start, end)` as a skip with `reason`.
    fn claim_skip(
        &mut self,
        start: usize,
        end: usize,
        reason: SkipReason,
        detail: Cow<'_, str>,
        out: &mut dyn Emit,
    ) {
        let position = self.claim(start, end, out);
        out.skip(Skip {
            position,
            reason,
            detail,
        });
    }

    /// Account every unclaimed line before the line containing `at` as `reason`.
    fn skip_until(
        &mut self,
        at: usize,
        reason: SkipReason,
        detail: Cow<'_, str>,
        out: &mut dyn Emit,
    ) {
        let (upto, upto_pos) = if at >= self.text().len() {
            (self.total_lines, self.text().len())
        } else {
            self.seek(at)
        };
        if upto > self.done_line {
            self.emit_skip(upto, upto_pos, reason, detail, out);
        }
    }

    /// Account the rest of the input as envelope/blank.
    fn finish(&mut self, out: &mut dyn Emit) {
        let total = self.total_lines;
        let len = self.text().len();
        self.gap(total, len, out);
    }
}

// ---------------------------------------------------------------------------
// Lenient decoding of Event objects
// ---------------------------------------------------------------------------

/// A string field that tolerates any JSON/YAML type: strings are kept
/// (borrowed when unescaped), numbers and booleans are kept as text but
/// flagged, objects and arrays are dropped and flagged, null is absent.
#[derive(Debug, Default)]
struct Str<'a> {
    value: Option<Cow<'a, str>>,
    wrong: bool,
}

impl<'a> Str<'a> {
    fn get(&self) -> Option<&str> {
        self.value.as_deref().filter(|s| !s.is_empty())
    }
}

struct StrVisitor;

impl<'de> Visitor<'de> for StrVisitor {
    type Value = Str<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
        Ok(Str {
            value: Some(Cow::Borrowed(v)),
            wrong: false,
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
        self.visit_string(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
        Ok(Str {
            value: Some(Cow::Owned(v)),
            wrong: false,
        })
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Str<'de>, E> {
        Ok(wrong_text(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Str<'de>, E> {
        Ok(wrong_text(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Str<'de>, E> {
        Ok(wrong_text(v))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Str<'de>, E> {
        Ok(wrong_text(v))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Str<'de>, E> {
        Ok(Str::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Str<'de>, E> {
        Ok(Str::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Str<'de>, D::Error> {
        d.deserialize_any(StrVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Str<'de>, A::Error> {
        drain_seq(seq)?;
        Ok(Str {
            value: None,
            wrong: true,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Str<'de>, A::Error> {
        drain_map(map)?;
        Ok(Str {
            value: None,
            wrong: true,
        })
    }
}

fn wrong_text<'a>(v: impl fmt::Display) -> Str<'a> {
    Str {
        value: Some(Cow::Owned(v.to_string())),
        wrong: true,
    }
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor)
    }
}

/// A count field: a non-negative integer (an integral float or a string of
/// digits is accepted and flagged); anything else is dropped and flagged.
#[derive(Debug, Default, Clone, Copy)]
struct Num {
    value: Option<u64>,
    wrong: bool,
}

struct NumVisitor;

impl<'de> Visitor<'de> for NumVisitor {
    type Value = Num;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a count")
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
        Ok(Num {
            value: Some(v),
            wrong: false,
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
        Ok(match u64::try_from(v) {
            Ok(v) => Num {
                value: Some(v),
                wrong: false,
            },
            Err(_) => Num {
                value: None,
                wrong: true,
            },
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
        let integral = v.fract() == 0.0 && (0.0..=u64::MAX as f64).contains(&v);
        Ok(Num {
            value: integral.then_some(v as u64),
            wrong: true,
        })
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Num, E> {
        Ok(Num {
            value: v.trim().parse().ok(),
            wrong: true,
        })
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Num, E> {
        Ok(Num {
            value: None,
            wrong: true,
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Num, E> {
        Ok(Num::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Num, E> {
        Ok(Num::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Num, D::Error> {
        d.deserialize_any(NumVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
        drain_seq(seq)?;
        Ok(Num {
            value: None,
            wrong: true,
        })
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
        drain_map(map)?;
        Ok(Num {
            value: None,
            wrong: true,
        })
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NumVisitor)
    }
}

/// A nested object field; a value that is not an object is dropped and flagged.
#[derive(Debug)]
struct Obj<T> {
    value: Option<T>,
    wrong: bool,
}

impl<T> Default for Obj<T> {
    fn default() -> Self {
        Obj {
            value: None,
            wrong: false,
        }
    }
}

struct ObjVisitor<T>(PhantomData<T>);

impl<T> ObjVisitor<T> {
    fn wrong<E>(&self) -> Result<Obj<T>, E> {
        Ok(Obj {
            value: None,
            wrong: true,
        })
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
    type Value = Obj<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
        let value = T::deserialize(MapAccessDeserializer::new(map))?;
        Ok(Obj {
            value: Some(value),
            wrong: false,
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<Obj<T>, E> {
        Ok(Obj::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Obj<T>, E> {
        Ok(Obj::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Obj<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Obj<T>, E> {
        self.wrong()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Obj<T>, E> {
        self.wrong()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Obj<T>, E> {
        self.wrong()
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Obj<T>, E> {
        self.wrong()
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Obj<T>, E> {
        self.wrong()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Obj<T>, A::Error> {
        drain_seq(seq)?;
        self.wrong()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ObjVisitor(PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MetaDoc<'a> {
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    namespace: Str<'a>,
    #[serde(borrow)]
    uid: Str<'a>,
    #[serde(borrow)]
    creation_timestamp: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ObjRefDoc<'a> {
    #[serde(borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    namespace: Str<'a>,
    #[serde(borrow)]
    name: Str<'a>,
    #[serde(borrow)]
    uid: Str<'a>,
    #[serde(borrow)]
    field_path: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SourceDoc<'a> {
    #[serde(borrow)]
    component: Str<'a>,
    #[serde(borrow)]
    host: Str<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct SeriesDoc<'a> {
    count: Num,
    #[serde(borrow)]
    last_observed_time: Str<'a>,
}

/// A core/v1 or events.k8s.io/v1 Event, every field optional and lenient.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct EventDoc<'a> {
    #[serde(borrow)]
    kind: Str<'a>,
    #[serde(borrow)]
    api_version: Str<'a>,
    #[serde(borrow)]
    metadata: Obj<MetaDoc<'a>>,
    #[serde(borrow)]
    involved_object: Obj<ObjRefDoc<'a>>,
    #[serde(borrow)]
    regarding: Obj<ObjRefDoc<'a>>,
    #[serde(borrow)]
    related: Obj<ObjRefDoc<'a>>,
    #[serde(borrow)]
    reason: Str<'a>,
    #[serde(borrow)]
    message: Str<'a>,
    #[serde(borrow)]
    note: Str<'a>,
    #[serde(borrow, rename = "type")]
    event_type: Str<'a>,
    #[serde(borrow)]
    action: Str<'a>,
    #[serde(borrow)]
    source: Obj<SourceDoc<'a>>,
    #[serde(borrow)]
    deprecated_source: Obj<SourceDoc<'a>>,
    #[serde(borrow)]
    first_timestamp: Str<'a>,
    #[serde(borrow)]
    last_timestamp: Str<'a>,
    #[serde(borrow)]
    deprecated_first_timestamp: Str<'a>,
    #[serde(borrow)]
    deprecated_last_timestamp: Str<'a>,
    #[serde(borrow)]
    event_time: Str<'a>,
    count: Num,
    deprecated_count: Num,
    #[serde(borrow)]
    series: Obj<SeriesDoc<'a>>,
    #[serde(borrow)]
    reporting_component: Str<'a>,
    #[serde(borrow)]
    reporting_controller: Str<'a>,
    #[serde(borrow)]
    reporting_instance: Str<'a>,
}

impl EventDoc<'_> {
    /// Does an object without `kind` look like an Event?
    fn looks_like_event(&self) -> bool {
        self.involved_object.value.is_some()
            || self.regarding.value.is_some()
            || self.reason.value.is_some()
    }

    /// Any field (at any depth we read) had the wrong JSON type.
    fn has_wrong_types(&self) -> bool {
        let s = |x: &Str| x.wrong;
        let r = |o: &Obj<ObjRefDoc>| {
            o.wrong
                || o.value.as_ref().is_some_and(|v| {
                    s(&v.kind) || s(&v.namespace) || s(&v.name) || s(&v.uid) || s(&v.field_path)
                })
        };
        let src = |o: &Obj<SourceDoc>| {
            o.wrong
                || o.value
                    .as_ref()
                    .is_some_and(|v| s(&v.component) || s(&v.host))
        };
        let meta = self.metadata.wrong
            || self.metadata.value.as_ref().is_some_and(|m| {
                s(&m.name) || s(&m.namespace) || s(&m.uid) || s(&m.creation_timestamp)
            });
        let series = self.series.wrong
            || self
                .series
                .value
                .as_ref()
                .is_some_and(|v| v.count.wrong || s(&v.last_observed_time));
        meta || series
            || r(&self.involved_object)
            || r(&self.regarding)
            || r(&self.related)
            || src(&self.source)
            || src(&self.deprecated_source)
            || self.count.wrong
            || self.deprecated_count.wrong
            || [
                &self.kind,
                &self.api_version,
                &self.reason,
                &self.message,
                &self.note,
                &self.event_type,
                &self.action,
                &self.first_timestamp,
                &self.last_timestamp,
                &self.deprecated_first_timestamp,
                &self.deprecated_last_timestamp,
                &self.event_time,
                &self.reporting_component,
                &self.reporting_controller,
                &self.reporting_instance,
            ]
            .iter()
            .any(|x| x.wrong)
    }
}

/// One list item or document, classified.
#[derive(Debug, Default)]
enum Item<'a> {
    Event(Box<EventDoc<'a>>),
    /// An object of another kind (`Pod`, `Status`, …), or without kind and
    /// without any Event field.
    Other(Option<Cow<'a, str>>),
    #[default]
    NotObject,
}

struct ItemVisitor;

impl<'de> Visitor<'de> for ItemVisitor {
    type Value = Item<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an Event object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Item<'de>, A::Error> {
        let event = EventDoc::deserialize(MapAccessDeserializer::new(map))?;
        Ok(match event.kind.get() {
            Some("Event") => Item::Event(Box::new(event)),
            Some(_) => Item::Other(event.kind.value),
            None if event.looks_like_event() => Item::Event(Box::new(event)),
            None => Item::Other(None),
        })
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item<'de>, A::Error> {
        drain_seq(seq)?;
        Ok(Item::NotObject)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Item<'de>, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_none<E: de::Error>(self) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Item<'de>, E> {
        Ok(Item::NotObject)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Item<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ItemVisitor)
    }
}

/// Watch event types of `--output-watch-events` wrappers.
const WATCH_TYPES: &[&str] = &["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"];

/// Emit what one decoded item is: a record, an envelope skip (other kind,
/// watch bookmark) or a malformed skip (not an object).
fn emit_item<'t>(
    item: Result<Item<'t>, String>,
    format: Format,
    span: (usize, usize),
    ledger: &mut Ledger<'t>,
    out: &mut dyn Emit,
) {
    let (start, end) = span;
    match item {
        Ok(Item::Event(event)) => {
            let position = ledger.claim(start, end, out);
            let record = event_record(*event, format, position, out);
            out.record(record);
        }
        Ok(Item::Other(kind)) => {
            let detail = match kind {
                Some(k) => Cow::Owned(format!("non-event object (kind {k})")),
                None => Cow::Borrowed("non-event object (no kind)"),
            };
            ledger.claim_skip(start, end, SkipReason::Envelope, detail, out);
        }
        Ok(Item::NotObject) => {
            ledger.claim_skip(
                start,
                end,
                SkipReason::Malformed,
                Cow::Borrowed("list item is not an object"),
                out,
            );
        }
        Err(e) => ledger.claim_skip(start, end, SkipReason::Malformed, Cow::Owned(e), out),
    }
}

// ---------------------------------------------------------------------------
// From an Event object to a record
// ---------------------------------------------------------------------------

/// Build the record of one Event. Reports wrong field types, unparseable
/// timestamps and over-long messages as problems at `position`.
fn event_record<'a>(
    ev: EventDoc<'a>,
    format: Format,
    position: Position,
    out: &mut dyn Emit,
) -> Record<'a> {
    if ev.has_wrong_types() {
        out.problem(position, Problem::BadField);
    }
    let mut bad_time = false;
    let mut stamp = |s: &Str| -> RawTime {
        match s.get().map(str::trim).filter(|t| !t.is_empty()) {
            None => RawTime::None,
            Some(t) => tparse::rfc3339_exact(t.as_bytes()).unwrap_or_else(|| {
                bad_time = true;
                RawTime::None
            }),
        }
    };
    let EventDoc {
        api_version,
        metadata,
        involved_object,
        regarding,
        related,
        reason,
        message,
        note,
        event_type,
        action,
        source,
        deprecated_source,
        first_timestamp,
        last_timestamp,
        deprecated_first_timestamp,
        deprecated_last_timestamp,
        event_time,
        count,
        deprecated_count,
        series,
        reporting_component,
        reporting_controller,
        reporting_instance,
        kind: _,
    } = ev;
    let meta = metadata.value.unwrap_or_default();
    let series = series.value.unwrap_or_default();
    let source = source.value.unwrap_or_default();
    let old_source = deprecated_source.value.unwrap_or_default();

    let series_last = stamp(&series.last_observed_time);
    let last = first_set(stamp(&last_timestamp), || stamp(&deprecated_last_timestamp));
    let event_t = stamp(&event_time);
    let first_ts = first_set(stamp(&first_timestamp), || {
        stamp(&deprecated_first_timestamp)
    });
    let created = stamp(&meta.creation_timestamp);
    let best = [series_last, last, event_t, first_ts, created]
        .into_iter()
        .find(|t| !t.is_none())
        .unwrap_or_default();
    let first_seen = first_set(event_t, || first_ts);
    if bad_time {
        out.problem(position, Problem::BadTimestamp);
    }

    let n = count
        .value
        .or(deprecated_count.value)
        .or(series.count.value)
        .unwrap_or(1);
    let object_ref = involved_object
        .value
        .or(regarding.value)
        .unwrap_or_default();
    let object = ObjectRef {
        kind: object_ref.kind.value.unwrap_or_default(),
        namespace: object_ref.namespace.value.filter(|s| !s.is_empty()),
        name: object_ref.name.value.unwrap_or_default(),
    };
    let component = [
        source.component.value,
        reporting_component.value,
        reporting_controller.value,
        old_source.component.value,
    ]
    .into_iter()
    .flatten()
    .find(|s| !s.is_empty());
    let node = [source.host.value, old_source.host.value]
        .into_iter()
        .flatten()
        .find(|h| !h.is_empty())
        .or_else(|| {
            (object.kind == "Node" && !object.name.is_empty()).then(|| object.name.clone())
        });
    let event_type = event_type.value.unwrap_or_default();
    let severity = if event_type == "Warning" {
        Severity::Warning
    } else {
        Severity::Info
    };
    let text = message
        .value
        .filter(|m| !m.is_empty())
        .or(note.value)
        .unwrap_or_default();
    let (text, cut) = cap_message(text);
    if cut {
        out.problem(position, Problem::Truncated);
    }

    let mut fields: Vec<(Cow<'a, str>, Cow<'a, str>)> = Vec::new();
    let mut field = |key: &'static str, value: Option<Cow<'a, str>>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            fields.push((Cow::Borrowed(key), v));
        }
    };
    field("name", meta.name.value);
    field("uid", meta.uid.value);
    field("api-version", api_version.value);
    field("action", action.value);
    field("reporting-instance", reporting_instance.value);
    field(
        "related",
        related.value.map(|r| {
            let related = ObjectRef {
                kind: r.kind.value.unwrap_or_default(),
                namespace: r.namespace.value.filter(|s| !s.is_empty()),
                name: r.name.value.unwrap_or_default(),
            };
            Cow::Owned(related.to_string())
        }),
    );

    Record {
        time: best,
        position,
        format,
        node,
        component: component.clone(),
        severity,
        message: text,
        fields: if fields.is_empty() {
            Fields::None
        } else {
            Fields::List(fields)
        },
        event: Some(Box::new(EventInfo {
            reason: reason.value.unwrap_or_default(),
            event_type,
            object,
            field_path: object_ref.field_path.value.filter(|s| !s.is_empty()),
            source: component,
            count: u32::try_from(n).unwrap_or(u32::MAX),
            first_seen,
            last_seen: best,
        })),
        ..Record::default()
    }
}

fn first_set(t: RawTime, otherwise: impl FnOnce() -> RawTime) -> RawTime {
    if t.is_none() {
        otherwise()
    } else {
        t
    }
}

/// Cut a message to [`MAX_MESSAGE_BYTES`] at a character boundary.
pub(crate) fn cap_message(text: Cow<'_, str>) -> (Cow<'_, str>, bool) {
    if text.len() <= MAX_MESSAGE_BYTES {
        return (text, false);
    }
    let mut cut = MAX_MESSAGE_BYTES;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let capped = match text {
        Cow::Borrowed(s) => Cow::Borrowed(&s[..cut]),
        Cow::Owned(mut s) => {
            s.truncate(cut);
            Cow::Owned(s)
        }
    };
    (capped, true)
}

fn excerpt(text: &str) -> Cow<'_, str> {
    let line = text.lines().next().unwrap_or("").trim();
    if line.len() <= 80 {
        return Cow::Borrowed(line);
    }
    let mut cut = 80;
    while !line.is_char_boundary(cut) {
        cut -= 1;
    }
    Cow::Owned(format!("{}…", &line[..cut]))
}

// ---------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------

mod json {
    //! The envelope scanner: top-level documents, their `kind`, `items`,
    //! `type` and `object` members, each value parsed by serde_json.

    use super::*;

    /// Why scanning a document stopped early.
    #[derive(Debug)]
    pub(super) struct Failure {
        /// Where the value that failed begins.
        pub at: usize,
        /// The input ended inside the value.
        pub eof: bool,
        pub what: String,
    }

    /// `[start, end)` of one value in the text.
    type Span = (usize, usize);

    /// What the scanner learned about one top-level object.
    #[derive(Debug, Default)]
    struct ObjectScan<'t> {
        kind: Option<Cow<'t, str>>,
        api_version: Option<Cow<'t, str>>,
        watch_type: Option<Cow<'t, str>>,
        object: Option<Span>,
        items: Option<Vec<Span>>,
        event_keys: bool,
    }

    pub(super) fn parse_stream<'t>(
        doc: &'t Document<'t>,
        ledger: &mut Ledger<'t>,
        out: &mut dyn Emit,
    ) {
        let text: &'t str = &doc.text;
        let mut pos = 0;
        loop {
            pos = skip_ws(text, pos);
            let Some(&b) = text.as_bytes().get(pos) else {
                break;
            };
            pos = match b {
                b'{' | b'[' => document(text, pos, ledger, out),
                _ => foreign_text(text, pos, ledger, out),
            };
        }
    }

    fn skip_ws(text: &str, mut pos: usize) -> usize {
        let bytes = text.as_bytes();
        if pos == 0 && text.starts_with('\u{feff}') {
            pos = '\u{feff}'.len_utf8();
        }
        while bytes
            .get(pos)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        {
            pos += 1;
        }
        pos
    }

    /// Parse one JSON value at `pos` (after optional whitespace) and return its span.
    fn raw_value(text: &str, pos: usize) -> Result<Span, Failure> {
        let sub = text.get(pos..).unwrap_or("");
        let mut de = serde_json::Deserializer::from_str(sub);
        let fail = |e: serde_json::Error| Failure {
            at: pos,
            eof: e.is_eof(),
            what: e.to_string(),
        };
        let raw = <&RawValue>::deserialize(&mut de).map_err(fail)?;
        let s = raw.get();
        let start = (s.as_ptr() as usize)
            .checked_sub(sub.as_ptr() as usize)
            .filter(|&o| o + s.len() <= sub.len())
            .ok_or_else(|| Failure {
                at: pos,
                eof: false,
                what: "value outside its input".into(),
            })?;
        Ok((pos + start, pos + start + s.len()))
    }

    /// The content of a JSON string value (unescaped only when it has escapes).
    fn string_at<'t>(text: &'t str, span: Span) -> Option<Cow<'t, str>> {
        let raw = text.get(span.0..span.1)?;
        let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
        if !inner.contains('\\') {
            return Some(Cow::Borrowed(inner));
        }
        serde_json::from_str::<String>(raw).ok().map(Cow::Owned)
    }

    fn expect(text: &str, pos: usize, what: u8) -> Result<usize, Failure> {
        let pos = skip_ws(text, pos);
        match text.as_bytes().get(pos) {
            Some(&b) if b == what => Ok(pos + 1),
            Some(_) => Err(Failure {
                at: pos,
                eof: false,
                what: format!("expected `{}`", what as char),
            }),
            None => Err(Failure {
                at: pos,
                eof: true,
                what: format!("input ended, expected `{}`", what as char),
            }),
        }
    }

    /// Elements of the array starting at `pos`; stops at the first element that fails.
    fn scan_array(text: &str, pos: usize, elements: &mut Vec<Span>) -> Result<usize, Failure> {
        let mut pos = expect(text, pos, b'[')?;
        loop {
            pos = skip_ws(text, pos);
            match text.as_bytes().get(pos) {
                Some(b']') => return Ok(pos + 1),
                None => {
                    return Err(Failure {
                        at: pos,
                        eof: true,
                        what: "input ended inside a list".into(),
                    })
                }
                _ => {}
            }
            let span = raw_value(text, pos)?;
            elements.push(span);
            pos = skip_ws(text, span.1);
            match text.as_bytes().get(pos) {
                Some(b',') => pos += 1,
                Some(b']') => return Ok(pos + 1),
                Some(_) => {
                    return Err(Failure {
                        at: pos,
                        eof: false,
                        what: "expected `,` or `]` after a list item".into(),
                    })
                }
                None => {
                    return Err(Failure {
                        at: pos,
                        eof: true,
                        what: "input ended inside a list".into(),
                    })
                }
            }
        }
    }

    /// Members of the object starting at `pos`; `items` arrays are scanned
    /// element by element.
    fn scan_object<'t>(
        text: &'t str,
        pos: usize,
        scan: &mut ObjectScan<'t>,
    ) -> Result<usize, Failure> {
        let mut pos = expect(text, pos, b'{')?;
        loop {
            pos = skip_ws(text, pos);
            match text.as_bytes().get(pos) {
                Some(b'}') => return Ok(pos + 1),
                Some(b'"') => {}
                Some(_) => {
                    return Err(Failure {
                        at: pos,
                        eof: false,
                        what: "expected a key".into(),
                    })
                }
                None => {
                    return Err(Failure {
                        at: pos,
                        eof: true,
                        what: "input ended inside an object".into(),
                    })
                }
            }
            let key_span = raw_value(text, pos)?;
            let key = string_at(text, key_span).unwrap_or_default();
            pos = skip_ws(text, expect(text, key_span.1, b':')?);
            if key == "items" && text.as_bytes().get(pos) == Some(&b'[') {
                let mut items = Vec::new();
                let result = scan_array(text, pos, &mut items);
                scan.items = Some(items);
                pos = result?;
            } else {
                let value = raw_value(text, pos)?;
                match &*key {
                    "kind" => scan.kind = string_at(text, value),
                    "apiVersion" => scan.api_version = string_at(text, value),
                    "type" => scan.watch_type = string_at(text, value),
                    "object" if text.as_bytes().get(value.0) == Some(&b'{') => {
                        scan.object = Some(value)
                    }
                    "involvedObject" | "regarding" | "reason" => scan.event_keys = true,
                    _ => {}
                }
                pos = value.1;
            }
            pos = skip_ws(text, pos);
            match text.as_bytes().get(pos) {
                Some(b',') => pos += 1,
                Some(b'}') => return Ok(pos + 1),
                Some(_) => {
                    return Err(Failure {
                        at: pos,
                        eof: false,
                        what: "expected `,` or `}` after a member".into(),
                    })
                }
                None => {
                    return Err(Failure {
                        at: pos,
                        eof: true,
                        what: "input ended inside an object".into(),
                    })
                }
            }
        }
    }

    fn decode<'t>(text: &'t str, span: Span) -> Result<Item<'t>, String> {
        let raw = text.get(span.0..span.1).unwrap_or("");
        serde_json::from_str::<Item<'t>>(raw).map_err(|e| format!("undecodable item: {e}"))
    }

    /// Does the first document of `text` hold events (see [`sniff_json`])?
    pub(super) fn sniff(text: &str) -> bool {
        let pos = skip_ws(text, 0);
        match text.as_bytes().get(pos) {
            Some(b'[') => {
                let mut elements = Vec::new();
                let _ = scan_array(text, pos, &mut elements);
                elements
                    .first()
                    .is_some_and(|span| recognisable_event(&decode(text, *span)))
            }
            Some(b'{') => {
                let mut scan = ObjectScan::default();
                let result = scan_object(text, pos, &mut scan);
                if scan
                    .api_version
                    .as_deref()
                    .is_some_and(|v| v.starts_with("audit.k8s.io"))
                {
                    return false;
                }
                let first_item = || {
                    scan.items
                        .as_ref()
                        .and_then(|items| items.first())
                        .is_some_and(|span| recognisable_event(&decode(text, *span)))
                };
                let event_api = scan
                    .api_version
                    .as_deref()
                    .is_some_and(|v| v == "v1" || v.starts_with("events.k8s.io/"));
                match scan.kind.as_deref() {
                    Some("EventList") => true,
                    Some("Event") => match result {
                        Ok(end) => recognisable_event(&decode(text, (pos, end))),
                        Err(_) => event_api || scan.event_keys,
                    },
                    Some("List") | None if scan.items.is_some() && !scan.event_keys => first_item(),
                    None if scan.object.is_some() => scan
                        .object
                        .is_some_and(|span| recognisable_event(&decode(text, span))),
                    None => result.is_ok_and(|end| recognisable_event(&decode(text, (pos, end)))),
                    Some(_) => false,
                }
            }
            _ => false,
        }
    }

    /// Handle one top-level document at `pos`; returns where to continue.
    fn document<'t>(
        text: &'t str,
        pos: usize,
        ledger: &mut Ledger<'t>,
        out: &mut dyn Emit,
    ) -> usize {
        if text.as_bytes().get(pos) == Some(&b'[') {
            let mut elements = Vec::new();
            let result = scan_array(text, pos, &mut elements);
            for span in elements {
                emit_item(decode(text, span), Format::EventsJson, span, ledger, out);
            }
            return settle(text, result, ledger, out);
        }
        let mut scan = ObjectScan::default();
        let result = scan_object(text, pos, &mut scan);
        let kind = scan.kind.as_deref();
        let is_list = scan.items.is_some() && !scan.event_keys;
        let is_watch = kind.is_none()
            && scan.object.is_some()
            && scan
                .watch_type
                .as_deref()
                .is_some_and(|t| WATCH_TYPES.contains(&t));
        match (result, kind) {
            // A list of events (or of unknown kind: items decide one by one).
            (result, None | Some("List" | "EventList")) if is_list => {
                for span in scan.items.take().unwrap_or_default() {
                    emit_item(decode(text, span), Format::EventsJson, span, ledger, out);
                }
                settle(text, result, ledger, out)
            }
            (Ok(end), _) if is_watch => {
                if scan.watch_type.as_deref() == Some("BOOKMARK") {
                    let detail = Cow::Borrowed("watch bookmark");
                    ledger.claim_skip(pos, end, SkipReason::Envelope, detail, out);
                } else {
                    let object = scan.object.unwrap_or((pos, end));
                    emit_item(
                        decode(text, object),
                        Format::EventsJson,
                        (pos, end),
                        ledger,
                        out,
                    );
                }
                end
            }
            (Ok(end), None | Some("Event")) => {
                emit_item(
                    decode(text, (pos, end)),
                    Format::EventsJson,
                    (pos, end),
                    ledger,
                    out,
                );
                end
            }
            (Ok(end), Some(other)) => {
                let detail = Cow::Owned(format!("non-event document (kind {other})"));
                ledger.claim_skip(pos, end, SkipReason::Envelope, detail, out);
                end
            }
            (Err(failure), _) => settle(text, Err(failure), ledger, out),
        }
    }

    /// After a document: on failure, account the damaged stretch and return
    /// where scanning resumes.
    fn settle(
        text: &str,
        result: Result<usize, Failure>,
        ledger: &mut Ledger<'_>,
        out: &mut dyn Emit,
    ) -> usize {
        match result {
            Ok(end) => end,
            Err(failure) if failure.eof => {
                let detail = Cow::Owned(format!("truncated JSON: {}", failure.what));
                ledger.skip_until(text.len(), SkipReason::Truncated, detail, out);
                text.len()
            }
            Err(failure) => {
                let resume = next_document_line(text, failure.at);
                let detail = Cow::Owned(format!("malformed JSON: {}", failure.what));
                ledger.skip_until(resume, SkipReason::Malformed, detail, out);
                resume
            }
        }
    }

    /// Start of the first line after `at` that begins with `{` or `[`.
    fn next_document_line(text: &str, at: usize) -> usize {
        let bytes = text.as_bytes();
        let mut from = at;
        while let Some(i) = bytes.get(from..).and_then(|r| memchr::memchr(b'\n', r)) {
            let start = from + i + 1;
            if matches!(bytes.get(start), Some(b'{' | b'[')) {
                return start;
            }
            from = start;
        }
        text.len()
    }

    /// Text between documents that is not JSON: the pod-log sections of a
    /// `cluster-info dump` stream (envelope), or damage (malformed).
    fn foreign_text(text: &str, pos: usize, ledger: &mut Ledger<'_>, out: &mut dyn Emit) -> usize {
        const START: &str = "==== START logs for container";
        const END: &str = "==== END logs for container";
        let rest = text.get(pos..).unwrap_or("");
        if rest.starts_with(START) {
            let end = match rest.find(END) {
                Some(i) => pos + i,
                None => text.len(),
            };
            let resume = match text
                .as_bytes()
                .get(end..)
                .and_then(|r| memchr::memchr(b'\n', r))
            {
                Some(i) => end + i + 1,
                None => text.len(),
            };
            let detail = Cow::Borrowed("pod logs inside a cluster-info dump stream");
            ledger.skip_until(resume, SkipReason::Envelope, detail, out);
            return resume.max(pos + 1);
        }
        let resume = next_document_line(text, pos);
        let detail = Cow::Owned(format!("not JSON: {}", excerpt(rest)));
        ledger.skip_until(resume, SkipReason::Malformed, detail, out);
        resume.max(pos + 1)
    }
}

// ---------------------------------------------------------------------------
// YAML
// ---------------------------------------------------------------------------

mod yaml {
    //! Documents and list items found from the text; each parsed by serde_norway.

    use super::*;

    /// `---` (optionally followed by content) or `...` in column 0.
    pub(super) fn is_marker(line: &str) -> bool {
        let l = line.trim_end();
        l == "---" || l.starts_with("--- ") || l == "..."
    }

    /// One physical line of the text: `[start, end)` without the newline, and
    /// the start of the next line.
    #[derive(Debug, Clone, Copy)]
    struct TextLine {
        start: usize,
        end: usize,
    }

    fn text_lines(text: &str) -> Vec<TextLine> {
        let bytes = text.as_bytes();
        let mut lines = Vec::new();
        let mut start = 0;
        while start < bytes.len() {
            let (end, next) = match memchr::memchr(b'\n', &bytes[start..]) {
                Some(i) => (start + i, start + i + 1),
                None => (bytes.len(), bytes.len()),
            };
            let end = if end > start && bytes[end - 1] == b'\r' {
                end - 1
            } else {
                end
            };
            lines.push(TextLine { start, end });
            start = next;
        }
        lines
    }

    /// A top-level `key: value` line (column 0).
    fn top_level_key(line: &str) -> Option<(&str, &str)> {
        let first = line.chars().next()?;
        if first.is_whitespace() || matches!(first, '#' | '-' | '%') {
            return None;
        }
        let colon = line.find(':')?;
        let rest = &line[colon + 1..];
        if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('\t')) {
            return None;
        }
        let key = line[..colon].trim().trim_matches(|c| c == '"' || c == '\'');
        let value = rest.trim();
        let value = match value.find(" #") {
            Some(i) => value[..i].trim_end(),
            None => value,
        };
        Some((key, value.trim_matches(|c| c == '"' || c == '\'')))
    }

    fn is_blank_or_comment(line: &str) -> bool {
        let t = line.trim();
        t.is_empty() || t.starts_with('#')
    }

    pub(super) fn parse_stream<'t>(
        doc: &'t Document<'t>,
        ledger: &mut Ledger<'t>,
        out: &mut dyn Emit,
    ) {
        let text: &'t str = &doc.text;
        let lines = text_lines(text);
        let ends_cleanly = text.ends_with('\n');
        let mut from = 0;
        while from < lines.len() {
            let to = (from..lines.len())
                .find(|&i| is_marker(line_text(text, lines[i])))
                .unwrap_or(lines.len());
            if to > from {
                let last_doc = to == lines.len();
                document(
                    text,
                    &lines[from..to],
                    last_doc && !ends_cleanly,
                    ledger,
                    out,
                );
            }
            from = to + 1;
        }
    }

    fn line_text(text: &str, line: TextLine) -> &str {
        text.get(line.start..line.end).unwrap_or("")
    }

    /// What the top-level keys of a document say.
    #[derive(Debug, Default)]
    struct DocKeys<'t> {
        kind: Option<&'t str>,
        api_version: Option<&'t str>,
        watch_type: Option<&'t str>,
        /// Index (in the document's lines) of the `items:` key and its inline value.
        items_at: Option<(usize, &'t str)>,
        has_object: bool,
        event_keys: bool,
    }

    impl DocKeys<'_> {
        fn is_watch(&self) -> bool {
            self.kind.is_none()
                && self.has_object
                && self.watch_type.is_some_and(|t| WATCH_TYPES.contains(&t))
        }

        fn is_list(&self) -> bool {
            matches!(self.kind, None | Some("List" | "EventList"))
                && self.items_at.is_some()
                && !self.event_keys
        }
    }

    fn doc_keys<'t>(text: &'t str, content: &[TextLine]) -> DocKeys<'t> {
        let mut keys = DocKeys::default();
        for (i, line) in content.iter().enumerate() {
            let Some((key, value)) = top_level_key(line_text(text, *line)) else {
                continue;
            };
            match key {
                "kind" => keys.kind = Some(value),
                "apiVersion" => keys.api_version = Some(value),
                "type" => keys.watch_type = Some(value),
                "items" => keys.items_at = Some((i, value)),
                "object" => keys.has_object = value.is_empty(),
                "involvedObject" | "regarding" | "reason" => keys.event_keys = true,
                _ => {}
            }
        }
        keys
    }

    /// Classify and emit one `---` document.
    fn document<'t>(
        text: &'t str,
        lines: &[TextLine],
        cut_short: bool,
        ledger: &mut Ledger<'t>,
        out: &mut dyn Emit,
    ) {
        let Some(content) = trim_blank(text, lines) else {
            return; // only blank lines and comments: the ledger's gap accounts them
        };
        let keys = doc_keys(text, content);
        let span = (content[0].start, content[content.len() - 1].end);
        match keys.kind {
            _ if keys.is_watch() && keys.watch_type == Some("BOOKMARK") => {
                let detail = Cow::Borrowed("watch bookmark");
                ledger.claim_skip(span.0, span.1, SkipReason::Envelope, detail, out);
            }
            _ if keys.is_watch() => {
                let item = decode_watch(text, span);
                emit_decoded(item, span, cut_short, ledger, out);
            }
            _ if keys.is_list() => {
                let (at, inline) = keys.items_at.unwrap_or_default();
                if inline.is_empty() {
                    let spans = item_spans(text, &content[at + 1..]);
                    let count = spans.len();
                    for (k, span) in spans.into_iter().enumerate() {
                        let decoded = decode_item(text, span, true);
                        emit_decoded(decoded, span, cut_short && k + 1 == count, ledger, out);
                    }
                }
            }
            None | Some("Event") if keys.kind.is_some() || keys.event_keys => {
                let item = decode_item(text, span, false);
                emit_decoded(item, span, cut_short, ledger, out);
            }
            Some(other) => {
                let detail = Cow::Owned(format!("non-event document (kind {other})"));
                ledger.claim_skip(span.0, span.1, SkipReason::Envelope, detail, out);
            }
            None => {
                let detail = Cow::Borrowed("YAML document without kind");
                ledger.claim_skip(span.0, span.1, SkipReason::Envelope, detail, out);
            }
        }
    }

    /// Does the first document of `text` hold events (see [`sniff_yaml`])?
    pub(super) fn sniff(text: &str) -> bool {
        let lines = text_lines(text);
        let body: Vec<TextLine> = lines
            .iter()
            .copied()
            .skip_while(|l| {
                let s = line_text(text, *l);
                is_blank_or_comment(s) || is_marker(s) || s.starts_with('%')
            })
            .take_while(|l| !is_marker(line_text(text, *l)))
            .collect();
        let Some(content) = trim_blank(text, &body) else {
            return false;
        };
        let keys = doc_keys(text, content);
        if keys
            .api_version
            .is_some_and(|v| v.starts_with("audit.k8s.io"))
        {
            return false;
        }
        let span = (content[0].start, content[content.len() - 1].end);
        match keys.kind {
            Some("Event" | "EventList") => true,
            _ if keys.is_watch() => recognisable_event(&decode_watch(text, span)),
            _ if keys.is_list() => {
                let (at, _) = keys.items_at.unwrap_or_default();
                item_spans(text, &content[at + 1..])
                    .first()
                    .is_some_and(|span| recognisable_event(&decode_item(text, *span, true)))
            }
            None => recognisable_event(&decode_item(text, span, false)),
            Some(_) => false,
        }
    }

    /// The lines from the first to the last that are not blank or comments.
    fn trim_blank<'l>(text: &str, lines: &'l [TextLine]) -> Option<&'l [TextLine]> {
        let first = lines
            .iter()
            .position(|l| !is_blank_or_comment(line_text(text, *l)))?;
        let last = lines
            .iter()
            .rposition(|l| !is_blank_or_comment(line_text(text, *l)))?;
        lines.get(first..=last)
    }

    /// Byte spans of the `- ` entries of an `items:` block (the lines after
    /// the key up to the next top-level key), at the indentation of the
    /// first entry; trailing blank lines of an entry are not part of it.
    fn item_spans(text: &str, block: &[TextLine]) -> Vec<(usize, usize)> {
        let end = block
            .iter()
            .position(|l| top_level_key(line_text(text, *l)).is_some())
            .unwrap_or(block.len());
        let block = &block[..end];
        let Some(indent) = block.iter().find_map(|l| {
            let s = line_text(text, *l);
            (!is_blank_or_comment(s)).then(|| s.len() - s.trim_start_matches(' ').len())
        }) else {
            return Vec::new();
        };
        let starts_item = |l: &TextLine| {
            let s = line_text(text, *l);
            s.len() - s.trim_start_matches(' ').len() == indent && {
                let t = &s[indent..];
                t == "-" || t.starts_with("- ") || t.starts_with("-\t")
            }
        };
        let starts: Vec<usize> = (0..block.len())
            .filter(|&i| starts_item(&block[i]))
            .collect();
        starts
            .iter()
            .enumerate()
            .filter_map(|(k, &s)| {
                let e = starts.get(k + 1).copied().unwrap_or(block.len());
                let item = trim_blank(text, &block[s..e])?;
                Some((item[0].start, item[item.len() - 1].end))
            })
            .collect()
    }

    /// Parse `[start, end)` as one item: a mapping, or (`in_list`) a
    /// one-element sequence `- …`.
    fn decode_item(text: &str, span: (usize, usize), in_list: bool) -> Result<Item<'_>, String> {
        let raw = text.get(span.0..span.1).unwrap_or("");
        if in_list {
            let mut items: Vec<Item> =
                serde_norway::from_str(raw).map_err(|e| format!("undecodable YAML item: {e}"))?;
            match items.len() {
                1 => Ok(items.pop().unwrap_or_default()),
                n => Err(format!("expected one list item, found {n}")),
            }
        } else {
            serde_norway::from_str(raw).map_err(|e| format!("undecodable YAML document: {e}"))
        }
    }

    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct WatchDoc<'a> {
        #[serde(borrow)]
        object: Item<'a>,
    }

    fn decode_watch(text: &str, span: (usize, usize)) -> Result<Item<'_>, String> {
        let raw = text.get(span.0..span.1).unwrap_or("");
        serde_norway::from_str::<WatchDoc>(raw)
            .map(|w| w.object)
            .map_err(|e| format!("undecodable YAML watch event: {e}"))
    }

    /// A YAML item that does not parse at the very end of an input that does
    /// not end with a newline was cut off: `Truncated` instead of `Malformed`.
    fn emit_decoded<'t>(
        item: Result<Item<'t>, String>,
        span: (usize, usize),
        cut_short: bool,
        ledger: &mut Ledger<'t>,
        out: &mut dyn Emit,
    ) {
        match item {
            Err(e) if cut_short => {
                let detail = Cow::Owned(format!("truncated YAML: {e}"));
                ledger.claim_skip(span.0, span.1, SkipReason::Truncated, detail, out);
            }
            item => emit_item(item, Format::EventsYaml, span, ledger, out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{event, field, head, parse_whole, skips};
    use crate::sink::Collect;

    fn json(input: &str) -> Collect {
        parse_whole(parse_json, input.as_bytes())
    }

    fn yaml(input: &str) -> Collect {
        parse_whole(parse_yaml, input.as_bytes())
    }

    fn utc(s: &str) -> RawTime {
        tparse::rfc3339_exact(s.as_bytes()).expect("test timestamp")
    }

    fn reasons(out: &Collect) -> Vec<String> {
        out.records
            .iter()
            .map(|r| event(r).reason.to_string())
            .collect()
    }

    fn spans(out: &Collect) -> Vec<(u64, u32)> {
        out.records
            .iter()
            .map(|r| (r.position.line, r.position.lines))
            .collect()
    }

    const CORE_JSON: &str = include_str!(
        "../../tests/fixtures/samples/kubectl-events/k8s-api-testdata-core.v1.Event.json"
    );
    const CORE_YAML: &str = include_str!(
        "../../tests/fixtures/samples/kubectl-events/k8s-api-testdata-core.v1.Event.yaml"
    );
    const NEW_JSON: &str = include_str!(
        "../../tests/fixtures/samples/kubectl-events/k8s-api-testdata-events.k8s.io.v1.Event.json"
    );
    const NEW_YAML: &str = include_str!(
        "../../tests/fixtures/samples/kubectl-events/k8s-api-testdata-events.k8s.io.v1.Event.yaml"
    );
    const TROUBLESHOOT: &str = include_str!(
        "../../tests/fixtures/samples/kubectl-events/troubleshoot-cluster-resources-events-default.json"
    );
    const BUNDLE: &[u8] =
        include_bytes!("../../tests/fixtures/samples/bundles/troubleshoot-support-bundle.tar.gz");

    /// kubectl-events.md §1: the two producer styles, verbatim (two
    /// concatenated objects).
    const TWO_STYLES: &str = r#"{"reason":"Scheduled","message":"Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a",
 "source":{},"firstTimestamp":null,"lastTimestamp":null,"type":"Normal",
 "eventTime":"2024-06-10T06:13:20.861123Z","action":"Binding",
 "reportingComponent":"default-scheduler","reportingInstance":"default-scheduler-cp-1"}
{"reason":"Failed","message":"Error: ErrImageNeverPull",
 "source":{"component":"kubelet","host":"node-a"},
 "firstTimestamp":"2024-06-10T06:13:22Z","lastTimestamp":"2024-06-10T06:15:02Z","count":7,"type":"Warning",
 "eventTime":null,"reportingComponent":"","reportingInstance":""}
"#;

    #[test]
    fn section_1_two_producer_styles() {
        let out = json(TWO_STYLES);
        assert_eq!(spans(&out), [(1, 4), (5, 4)]);
        assert!(out.skips.is_empty() && out.problems.is_empty());

        let new_api = &out.records[0];
        assert_eq!(new_api.format, Format::EventsJson);
        assert_eq!(new_api.time, utc("2024-06-10T06:13:20.861123Z"));
        assert_eq!(new_api.severity, Severity::Info);
        assert_eq!(new_api.component.as_deref(), Some("default-scheduler"));
        assert_eq!(new_api.node, None);
        assert_eq!(
            new_api.message,
            "Successfully assigned default/app-6d9f7c9b8-kq2wz to node-a"
        );
        assert_eq!(field(new_api, "action").as_deref(), Some("Binding"));
        assert_eq!(
            field(new_api, "reporting-instance").as_deref(),
            Some("default-scheduler-cp-1")
        );
        let e = event(new_api);
        assert_eq!(
            (&*e.reason, &*e.event_type, e.count),
            ("Scheduled", "Normal", 1)
        );
        assert_eq!(e.first_seen, utc("2024-06-10T06:13:20.861123Z"));
        assert_eq!(e.last_seen, new_api.time);

        let legacy = &out.records[1];
        assert_eq!(legacy.time, utc("2024-06-10T06:15:02Z"));
        assert_eq!(legacy.severity, Severity::Warning);
        assert_eq!(legacy.component.as_deref(), Some("kubelet"));
        assert_eq!(legacy.node.as_deref(), Some("node-a"));
        let e = event(legacy);
        assert_eq!((&*e.reason, e.count), ("Failed", 7));
        assert_eq!(e.first_seen, utc("2024-06-10T06:13:22Z"));
        assert_eq!(e.source.as_deref(), Some("kubelet"));
    }

    #[test]
    fn core_v1_fixture_every_field() {
        let out = json(CORE_JSON);
        assert_eq!(out.records.len(), 1);
        let r = &out.records[0];
        assert_eq!((r.position.line, r.position.lines), (1, 82));
        // series.lastObservedTime wins over lastTimestamp and eventTime.
        assert_eq!(r.time, utc("2002-01-01T01:01:01.000002Z"));
        assert_eq!(r.message, "messageValue");
        assert_eq!(r.component.as_deref(), Some("componentValue"));
        assert_eq!(r.node.as_deref(), Some("hostValue"));
        assert_eq!(r.severity, Severity::Info);
        assert_eq!(field(r, "name").as_deref(), Some("nameValue"));
        assert_eq!(field(r, "uid").as_deref(), Some("uidValue"));
        assert_eq!(field(r, "api-version").as_deref(), Some("v1"));
        assert_eq!(field(r, "action").as_deref(), Some("actionValue"));
        assert_eq!(
            field(r, "related").as_deref(),
            Some("kindValue/namespaceValue/nameValue")
        );
        let e = event(r);
        assert_eq!(e.reason, "reasonValue");
        assert_eq!(e.event_type, "typeValue");
        assert_eq!(e.count, 8, "count wins over series.count");
        assert_eq!(
            e.first_seen,
            utc("2010-01-01T01:01:01.000010Z"),
            "eventTime"
        );
        assert_eq!(
            e.object,
            ObjectRef {
                kind: "kindValue".into(),
                namespace: Some("namespaceValue".into()),
                name: "nameValue".into()
            }
        );
        assert_eq!(e.field_path.as_deref(), Some("fieldPathValue"));
    }

    #[test]
    fn events_k8s_io_v1_fixture_renamed_fields() {
        for (out, lines) in [(json(NEW_JSON), 82), (yaml(NEW_YAML), 66)] {
            assert_eq!(out.records.len(), 1);
            let r = &out.records[0];
            assert_eq!((r.position.line, r.position.lines), (1, lines));
            assert_eq!(r.time, utc("2002-01-01T01:01:01.000002Z"));
            assert_eq!(r.message, "noteValue", "note is the message");
            assert_eq!(
                r.component.as_deref(),
                Some("reportingControllerValue"),
                "reportingController before deprecatedSource.component"
            );
            assert_eq!(
                r.node.as_deref(),
                Some("hostValue"),
                "deprecatedSource.host"
            );
            assert_eq!(field(r, "api-version").as_deref(), Some("events.k8s.io/v1"));
            let e = event(r);
            assert_eq!(e.count, 15, "deprecatedCount");
            assert_eq!(e.first_seen, utc("2002-01-01T01:01:01.000002Z"));
            assert_eq!(e.object.kind, "kindValue", "regarding");
            assert_eq!(e.field_path.as_deref(), Some("fieldPathValue"));
        }
    }

    #[test]
    fn core_v1_yaml_fixture_matches_json() {
        let from_yaml = yaml(CORE_YAML);
        let from_json = json(CORE_JSON);
        assert_eq!(from_yaml.records.len(), 1);
        let (y, j) = (&from_yaml.records[0], &from_json.records[0]);
        assert_eq!(y.format, Format::EventsYaml);
        assert_eq!((y.position.line, y.position.lines), (1, 66));
        assert_eq!(y.time, j.time);
        assert_eq!(y.message, j.message);
        assert_eq!(y.node, j.node);
        assert_eq!(y.component, j.component);
        assert_eq!(y.fields, j.fields);
        assert_eq!(y.event, j.event);
    }

    #[test]
    fn troubleshoot_event_list_sample() {
        let out = json(TROUBLESHOOT);
        assert_eq!(
            reasons(&out),
            ["Scheduled", "Pulled", "Created", "Started", "BackOff"]
        );
        assert_eq!(
            spans(&out),
            [(8, 48), (56, 55), (111, 55), (166, 55), (221, 55)]
        );
        assert_eq!(
            skips(&out),
            [(1, 7, SkipReason::Envelope), (276, 2, SkipReason::Envelope)]
        );
        let scheduled = &out.records[0];
        assert_eq!(scheduled.time, utc("2022-12-21T16:43:07.860897Z"));
        assert_eq!(scheduled.component.as_deref(), Some("default-scheduler"));
        assert_eq!(scheduled.node, None, "source is {{}}");
        assert_eq!(event(scheduled).count, 1);
        assert_eq!(
            event(scheduled).first_seen,
            utc("2022-12-21T16:43:07.860897Z")
        );
        let started = &out.records[3];
        assert_eq!(started.time, utc("2022-12-21T16:43:09Z"));
        assert_eq!(event(started).first_seen, utc("2022-12-21T16:43:08Z"));
        assert_eq!(event(started).count, 2);
        assert_eq!(started.node.as_deref(), Some("k3d-mycluster-server-0"));
        assert_eq!(started.component.as_deref(), Some("kubelet"));
        assert_eq!(
            event(started).field_path.as_deref(),
            Some("spec.containers{static-hi}")
        );
        assert_eq!(
            event(started).object,
            ObjectRef {
                kind: "Pod".into(),
                namespace: Some("default".into()),
                name: "static-hi".into()
            }
        );
        let backoff = &out.records[4];
        assert_eq!(backoff.severity, Severity::Warning);
        assert_eq!(backoff.message, "Back-off restarting failed container");
        assert_eq!(
            field(backoff, "uid").as_deref(),
            Some("65948650-884b-4087-a7e6-65e74c750f02")
        );
    }

    fn bundle_members(suffix_filter: &str) -> Vec<(String, Vec<u8>)> {
        use std::io::Read;
        let gz = flate2::read::GzDecoder::new(BUNDLE);
        let mut archive = tar::Archive::new(gz);
        let mut found = Vec::new();
        for entry in archive.entries().expect("tar") {
            let mut entry = entry.expect("tar entry");
            let path = entry.path().expect("path").to_string_lossy().into_owned();
            let wanted = suffix_filter.is_empty() || path.ends_with(".json");
            if path.contains(suffix_filter) && wanted && entry.header().entry_type().is_file() {
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).expect("read member");
                found.push((path, bytes));
            }
        }
        found.sort();
        found
    }

    #[test]
    fn troubleshoot_bundle_event_lists_including_empty_ones() {
        let members = bundle_members("cluster-resources/events/");
        let summary: Vec<(String, usize, u64)> = members
            .iter()
            .map(|(path, bytes)| {
                assert!(sniff_json(bytes), "{path} sniffed as events");
                let out = parse_whole(parse_json, bytes);
                let name = path.rsplit('/').next().unwrap_or("").to_string();
                (name, out.records.len(), out.skipped(SkipReason::Envelope))
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("default.json".to_string(), 5, 9),
                ("kube-node-lease.json".to_string(), 0, 8),
                ("kube-public.json".to_string(), 0, 8),
                ("kube-system.json".to_string(), 0, 8),
            ]
        );
    }

    #[test]
    fn troubleshoot_bundle_pod_and_node_lists_are_not_events() {
        let mut members = bundle_members("cluster-resources/pods/");
        members.extend(bundle_members("cluster-resources/nodes.json"));
        assert!(members.len() >= 4);
        for (path, bytes) in &members {
            assert!(!sniff_json(bytes), "{path} is not events");
            let out = parse_whole(parse_json, bytes);
            assert!(out.records.is_empty(), "{path}");
            assert_eq!(
                out.skipped(SkipReason::Envelope),
                count_lines(bytes),
                "{path}"
            );
        }
    }

    #[test]
    fn across_the_whole_bundle_only_event_lists_sniff_as_events() {
        use crate::formats::{kube_describe, kube_table};
        let all = bundle_members("");
        assert!(all.len() > 30);
        let mut events = Vec::new();
        for (path, bytes) in &all {
            let head = &bytes[..bytes.len().min(64 * 1024)];
            if sniff_json(head) {
                events.push(path.rsplit('/').next().unwrap_or("").to_string());
            }
            assert!(!sniff_yaml(head), "{path}");
            assert!(!kube_table::sniff_events(head), "{path}");
            assert!(!kube_table::sniff_resources(head), "{path}");
            assert!(!kube_describe::sniff(head), "{path}");
        }
        events.sort();
        assert_eq!(
            events,
            [
                "default.json",
                "kube-node-lease.json",
                "kube-public.json",
                "kube-system.json"
            ]
        );
    }

    /// `kubectl get events -o json`: kind List, sorted keys, 4-space indent.
    const KUBECTL_LIST: &str = r#"{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "count": 7,
            "eventTime": null,
            "firstTimestamp": "2024-06-10T06:13:22Z",
            "involvedObject": {
                "apiVersion": "v1",
                "fieldPath": "spec.containers{app}",
                "kind": "Pod",
                "name": "app-6d9f7c9b8-kq2wz",
                "namespace": "default"
            },
            "kind": "Event",
            "lastTimestamp": "2024-06-10T06:15:02Z",
            "message": "Error: ErrImageNeverPull",
            "metadata": {
                "creationTimestamp": "2024-06-10T06:13:22Z",
                "name": "app-6d9f7c9b8-kq2wz.17d7a1c2b3e4f5a6",
                "namespace": "default"
            },
            "reason": "Failed",
            "reportingComponent": "",
            "reportingInstance": "",
            "source": {
                "component": "kubelet",
                "host": "node-a"
            },
            "type": "Warning"
        },
        {
            "apiVersion": "v1",
            "count": 1,
            "eventTime": null,
            "firstTimestamp": "2024-06-10T06:14:00Z",
            "involvedObject": {
                "kind": "Node",
                "name": "node-a",
                "uid": "node-a"
            },
            "kind": "Event",
            "lastTimestamp": "2024-06-10T06:14:00Z",
            "message": "Node node-a status is now: NodeNotReady",
            "metadata": {
                "creationTimestamp": "2024-06-10T06:14:00Z",
                "name": "node-a.17d7a1c2c0000000",
                "namespace": "default"
            },
            "reason": "NodeNotReady",
            "reportingComponent": "",
            "reportingInstance": "",
            "source": {
                "component": "node-controller"
            },
            "type": "Normal"
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}
"#;

    #[test]
    fn kubectl_list_with_sorted_keys() {
        let out = json(KUBECTL_LIST);
        assert_eq!(reasons(&out), ["Failed", "NodeNotReady"]);
        assert_eq!(spans(&out), [(4, 29), (33, 26)]);
        assert_eq!(
            skips(&out),
            [(1, 3, SkipReason::Envelope), (59, 6, SkipReason::Envelope)]
        );
        let node_event = &out.records[1];
        assert_eq!(
            node_event.node.as_deref(),
            Some("node-a"),
            "the Node's name"
        );
        assert_eq!(node_event.component.as_deref(), Some("node-controller"));
        assert_eq!(event(node_event).object.namespace, None, "cluster-scoped");
        assert_eq!(node_event.time, utc("2024-06-10T06:14:00Z"));
    }

    #[test]
    fn a_json_array_of_events() {
        let input = format!("[\n{TWO_STYLES}]\n").replace("}\n{", "},\n{");
        let out = json(&input);
        assert_eq!(reasons(&out), ["Scheduled", "Failed"]);
        assert_eq!(spans(&out), [(2, 4), (6, 4)]);
        assert_eq!(
            skips(&out),
            [(1, 1, SkipReason::Envelope), (10, 1, SkipReason::Envelope)]
        );
    }

    #[test]
    fn a_compact_list_on_one_line_counts_the_line_once() {
        let input = r#"{"kind":"List","items":[{"kind":"Event","reason":"A"},{"kind":"Event","reason":"B"},7]}"#;
        let out = json(input);
        assert_eq!(reasons(&out), ["A", "B"]);
        assert_eq!(spans(&out), [(1, 1), (1, 0)]);
        assert_eq!(skips(&out), [(1, 0, SkipReason::Malformed)]);
    }

    #[test]
    fn watch_stream_of_concatenated_pretty_objects() {
        // `kubectl get events -w -o json`: objects one after another, no separator.
        let one = "{\n    \"kind\": \"Event\",\n    \"reason\": \"Pulling\",\n    \"lastTimestamp\": \"2024-06-10T06:13:21Z\"\n}\n";
        let two = "{\n    \"kind\": \"Event\",\n    \"reason\": \"Pulled\",\n    \"lastTimestamp\": \"2024-06-10T06:13:25Z\"\n}";
        let out = json(&format!("{one}{two}"));
        assert_eq!(reasons(&out), ["Pulling", "Pulled"]);
        assert_eq!(spans(&out), [(1, 5), (6, 5)]);
        assert_eq!(out.records[1].time, utc("2024-06-10T06:13:25Z"));
    }

    #[test]
    fn watch_event_wrappers() {
        let input = r#"{
    "type": "ADDED",
    "object": {
        "kind": "Event",
        "reason": "Killing",
        "involvedObject": {"kind": "Pod", "name": "p"},
        "lastTimestamp": "2024-06-10T06:20:00Z"
    }
}
{
    "type": "BOOKMARK",
    "object": {"kind": "Event", "metadata": {"resourceVersion": "99"}}
}
{"type":"DELETED","object":{"kind":"Event","reason":"Killing","involvedObject":{"kind":"Pod","name":"p"}}}
{"type":"ERROR","object":{"kind":"Status","status":"Failure","message":"too old resource version"}}
"#;
        let out = json(input);
        assert_eq!(reasons(&out), ["Killing", "Killing"]);
        assert_eq!(spans(&out), [(1, 9), (14, 1)]);
        assert_eq!(
            skips(&out),
            [(10, 4, SkipReason::Envelope), (15, 1, SkipReason::Envelope)]
        );
        assert_eq!(out.skips[0].detail, "watch bookmark");
        assert_eq!(out.skips[1].detail, "non-event object (kind Status)");
    }

    #[test]
    fn cluster_info_dump_stream_keeps_events_and_skips_the_rest() {
        let input = r#"{
    "kind": "NodeList",
    "apiVersion": "v1",
    "metadata": {"resourceVersion": "1"},
    "items": [
        {"metadata": {"name": "node-a"}, "status": {}}
    ]
}
{
    "kind": "EventList",
    "apiVersion": "v1",
    "metadata": {"resourceVersion": "1"},
    "items": [
        {
            "metadata": {"name": "app.1", "namespace": "default"},
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": "app"},
            "reason": "BackOff",
            "message": "Back-off restarting failed container",
            "lastTimestamp": "2024-06-10T06:15:00Z",
            "type": "Warning"
        }
    ]
}
{
    "kind": "PodList",
    "apiVersion": "v1",
    "metadata": {"resourceVersion": "1"},
    "items": []
}
==== START logs for container app of pod default/app ====
starting
{"level":"info","msg":"json log line"}
==== END logs for container app of pod default/app ====
"#;
        let out = json(input);
        assert_eq!(reasons(&out), ["BackOff"]);
        assert_eq!(spans(&out), [(14, 8)]);
        assert_eq!(
            skips(&out),
            [
                (1, 8, SkipReason::Envelope),
                (9, 5, SkipReason::Envelope),
                (22, 2, SkipReason::Envelope),
                (24, 6, SkipReason::Envelope),
                (30, 4, SkipReason::Envelope),
            ]
        );
        assert_eq!(out.skips[0].detail, "non-event document (kind NodeList)");
        assert_eq!(
            out.skips[4].detail,
            "pod logs inside a cluster-info dump stream"
        );
    }

    #[test]
    fn list_of_mixed_kinds_keeps_only_events() {
        let input = r#"{"kind": "List", "items": [
  {"kind": "Pod", "metadata": {"name": "p"}},
  {"kind": "Event", "reason": "Started"},
  {"metadata": {"name": "no kind"}, "spec": {}},
  "text"
]}
"#;
        let out = json(input);
        assert_eq!(reasons(&out), ["Started"]);
        assert_eq!(
            skips(&out),
            [
                (1, 1, SkipReason::Envelope),
                (2, 1, SkipReason::Envelope),
                (4, 1, SkipReason::Envelope),
                (5, 1, SkipReason::Malformed),
                (6, 1, SkipReason::Envelope),
            ]
        );
        assert_eq!(out.skips[1].detail, "non-event object (kind Pod)");
        assert_eq!(out.skips[3].detail, "list item is not an object");
    }

    #[test]
    fn null_timestamps_and_missing_fields_fall_back_in_order() {
        let input = r#"[
{"reason":"OnlyCreated","metadata":{"creationTimestamp":"2024-06-10T06:00:00Z"},"firstTimestamp":null,"lastTimestamp":null,"eventTime":null},
{"reason":"FirstOnly","firstTimestamp":"2024-06-10T06:01:00Z"},
{"reason":"Series","eventTime":"2024-06-10T06:02:00.000001Z","series":{"count":4,"lastObservedTime":"2024-06-10T06:09:00.500000Z"}},
{"reason":"NoTime"}
]"#;
        let out = json(input);
        let times: Vec<(RawTime, RawTime, u32)> = out
            .records
            .iter()
            .map(|r| (r.time, event(r).first_seen, event(r).count))
            .collect();
        assert_eq!(
            times,
            [
                (utc("2024-06-10T06:00:00Z"), RawTime::None, 1),
                (utc("2024-06-10T06:01:00Z"), utc("2024-06-10T06:01:00Z"), 1),
                (
                    utc("2024-06-10T06:09:00.5Z"),
                    utc("2024-06-10T06:02:00.000001Z"),
                    4
                ),
                (RawTime::None, RawTime::None, 1),
            ]
        );
        assert!(out.problems.is_empty());
    }

    #[test]
    fn wrong_types_are_tolerated_and_reported() {
        let input = r#"[
{"reason":5,"count":"7","involvedObject":"pod/x","message":["a"],"lastTimestamp":"yesterday","type":"Warning"},
{"reason":"Fine","count":-3,"source":{"component":{"x":1},"host":"node-b"},"series":[1,2]}
]"#;
        let out = json(input);
        assert_eq!(out.records.len(), 2);
        let first = &out.records[0];
        assert_eq!(event(first).reason, "5");
        assert_eq!(event(first).count, 7);
        assert_eq!(event(first).object, ObjectRef::default());
        assert_eq!(first.message, "");
        assert_eq!(first.time, RawTime::None);
        assert_eq!(first.severity, Severity::Warning);
        let second = &out.records[1];
        assert_eq!(event(second).count, 1);
        assert_eq!(second.node.as_deref(), Some("node-b"));
        assert_eq!(second.component, None);
        let problems: Vec<(u64, Problem)> =
            out.problems.iter().map(|(p, k)| (p.line, *k)).collect();
        assert_eq!(
            problems,
            [
                (2, Problem::BadField),
                (2, Problem::BadTimestamp),
                (3, Problem::BadField)
            ]
        );
    }

    #[test]
    fn truncated_list_keeps_the_complete_items() {
        let cut = KUBECTL_LIST
            .find("\"reason\": \"NodeNotReady\"")
            .expect("marker");
        let input = &KUBECTL_LIST[..cut];
        let out = json(input);
        assert_eq!(reasons(&out), ["Failed"]);
        assert_eq!(spans(&out), [(4, 29)]);
        assert_eq!(
            skips(&out),
            [
                (1, 3, SkipReason::Envelope),
                (33, 19, SkipReason::Truncated)
            ]
        );
        assert!(out.skips[1].detail.starts_with("truncated JSON"));
    }

    #[test]
    fn truncated_event_list_before_kind_is_known() {
        // Typed lists name their kind first; a cut bare object is truncated.
        let input = "{\n  \"kind\": \"Event\",\n  \"reason\": \"Sch";
        let out = json(input);
        assert!(out.records.is_empty());
        assert_eq!(skips(&out), [(1, 3, SkipReason::Truncated)]);
    }

    #[test]
    fn malformed_item_then_resynchronise_at_the_next_document() {
        let input = r#"{"kind": "EventList", "items": [
  {"kind": "Event", "reason": "Good"},
  {"kind": "Event", "reason": oops},
  {"kind": "Event", "reason": "Lost"}
]}
garbage line
{"kind": "Event", "reason": "After"}
"#;
        let out = json(input);
        assert_eq!(reasons(&out), ["Good", "After"]);
        assert_eq!(
            skips(&out),
            [(1, 1, SkipReason::Envelope), (3, 4, SkipReason::Malformed)]
        );
        assert_eq!(spans(&out), [(2, 1), (7, 1)]);
    }

    #[test]
    fn text_that_is_not_json_is_malformed() {
        let out = json("hello\nworld\n");
        assert!(out.records.is_empty());
        assert_eq!(skips(&out), [(1, 2, SkipReason::Malformed)]);
        assert_eq!(out.skips[0].detail, "not JSON: hello");
        let out = json("42\n");
        assert_eq!(skips(&out), [(1, 1, SkipReason::Malformed)]);
    }

    #[test]
    fn invalid_utf8_is_replaced_reported_and_offsets_stay_exact() {
        let mut input =
            b"{\"kind\":\"Event\",\"reason\":\"A\",\"message\":\"bad \xff\xfe byte\"}\n".to_vec();
        let second_at = input.len() as u64;
        input.extend_from_slice(b"{\"kind\":\"Event\",\"reason\":\"B\"}\n");
        let out = parse_whole(parse_json, &input);
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.records[0].message, "bad \u{fffd}\u{fffd} byte");
        assert_eq!(out.records[1].position.offset, second_at);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].0.line, 1);
        assert_eq!(out.problems[0].1, Problem::InvalidUtf8);
    }

    #[test]
    fn a_five_megabyte_single_line_is_parsed_and_its_message_capped() {
        let message = "x".repeat(5 * 1024 * 1024);
        let input = format!(
            r#"{{"kind":"List","items":[{{"kind":"Event","reason":"Huge","message":"{message}"}}]}}"#
        );
        let out = json(&input);
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].message.len(), MAX_MESSAGE_BYTES);
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].1, Problem::Truncated);
        let junk = "y".repeat(5 * 1024 * 1024);
        let out = json(&junk);
        assert_eq!(skips(&out), [(1, 1, SkipReason::Malformed)]);
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let input = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let out = json(&input);
        assert!(out.records.is_empty());
        let input = format!("{{\"kind\":\"Event\",\"x\":{}", "[".repeat(100_000));
        let out = json(&input);
        assert!(out.records.is_empty());
    }

    #[test]
    fn nothing_is_consumed_before_the_end_of_input() {
        let mut out = Collect::default();
        let chunk = head(TWO_STYLES.as_bytes());
        assert_eq!(parse_json(chunk, &mut out), 0);
        assert_eq!(parse_yaml(chunk, &mut out), 0);
        assert!(out.records.is_empty() && out.skips.is_empty());
    }

    #[test]
    fn positions_are_relative_to_the_chunk_start() {
        let mut out = Collect::default();
        let chunk = Chunk {
            bytes: TWO_STYLES.as_bytes(),
            first_line: 101,
            base_offset: 5000,
            at_eof: true,
        };
        parse_json(chunk, &mut out);
        let second = TWO_STYLES.find("{\"reason\":\"Failed\"").expect("second") as u64;
        assert_eq!(out.records[1].position.line, 105);
        assert_eq!(out.records[1].position.offset, 5000 + second);
    }

    /// `kubectl get events -o yaml`.
    const KUBECTL_YAML_LIST: &str = r#"apiVersion: v1
items:
- apiVersion: v1
  count: 7
  eventTime: null
  firstTimestamp: "2024-06-10T06:13:22Z"
  involvedObject:
    fieldPath: spec.containers{app}
    kind: Pod
    name: app-6d9f7c9b8-kq2wz
    namespace: default
  kind: Event
  lastTimestamp: "2024-06-10T06:15:02Z"
  message: 'Error: ErrImageNeverPull'
  metadata:
    name: app-6d9f7c9b8-kq2wz.17d7a1c2b3e4f5a6
    namespace: default
  reason: Failed
  reportingComponent: ""
  reportingInstance: ""
  source:
    component: kubelet
    host: node-a
  type: Warning
- apiVersion: v1
  eventTime: "2024-06-10T06:13:20.861123Z"
  involvedObject:
    kind: Pod
    name: app-6d9f7c9b8-kq2wz
    namespace: default
  kind: Event
  message: |-
    Successfully assigned default/app-6d9f7c9b8-kq2wz
    - to node-a
  reason: Scheduled
  reportingComponent: default-scheduler
  source: {}
  type: Normal
kind: List
metadata:
  resourceVersion: ""
"#;

    #[test]
    fn yaml_kind_list() {
        let out = yaml(KUBECTL_YAML_LIST);
        assert_eq!(reasons(&out), ["Failed", "Scheduled"]);
        assert_eq!(spans(&out), [(3, 22), (25, 14)]);
        assert_eq!(
            skips(&out),
            [(1, 2, SkipReason::Envelope), (39, 3, SkipReason::Envelope)]
        );
        let failed = &out.records[0];
        assert_eq!(failed.format, Format::EventsYaml);
        assert_eq!(failed.time, utc("2024-06-10T06:15:02Z"));
        assert_eq!(event(failed).count, 7);
        assert_eq!(
            event(failed).field_path.as_deref(),
            Some("spec.containers{app}")
        );
        let scheduled = &out.records[1];
        assert_eq!(
            scheduled.message,
            "Successfully assigned default/app-6d9f7c9b8-kq2wz\n- to node-a"
        );
        assert_eq!(scheduled.component.as_deref(), Some("default-scheduler"));
    }

    #[test]
    fn yaml_must_gather_event_list_with_indented_items() {
        let input = r#"---
apiVersion: v1
kind: EventList
items:
  - apiVersion: v1
    kind: Event
    involvedObject:
      kind: Node
      name: worker-1
    reason: NodeNotReady
    lastTimestamp: "2024-06-10T06:14:00Z"

  - apiVersion: v1
    kind: Event
    reason: Rebooted
    message: 'Node worker-1 has been rebooted, boot id: 1234'
    source:
      component: kubelet
      host: worker-1
metadata:
  resourceVersion: "42"
"#;
        let out = yaml(input);
        assert_eq!(reasons(&out), ["NodeNotReady", "Rebooted"]);
        assert_eq!(spans(&out), [(5, 7), (13, 7)]);
        assert_eq!(
            skips(&out),
            [
                (1, 4, SkipReason::Envelope),
                (12, 1, SkipReason::Blank),
                (20, 2, SkipReason::Envelope)
            ]
        );
        assert_eq!(out.records[0].node.as_deref(), Some("worker-1"));
    }

    #[test]
    fn yaml_multi_document_watch_and_wrappers() {
        let input = r#"apiVersion: v1
kind: Event
reason: Pulling
lastTimestamp: "2024-06-10T06:13:21Z"
---
type: MODIFIED
object:
  apiVersion: v1
  kind: Event
  reason: Pulled
  count: 3
---
type: BOOKMARK
object:
  kind: Event
---
apiVersion: v1
kind: Pod
metadata:
  name: not-an-event
---
"#;
        let out = yaml(input);
        assert_eq!(reasons(&out), ["Pulling", "Pulled"]);
        assert_eq!(spans(&out), [(1, 4), (6, 6)]);
        assert_eq!(event(&out.records[1]).count, 3);
        assert_eq!(
            skips(&out),
            [
                (5, 1, SkipReason::Envelope),
                (12, 1, SkipReason::Envelope),
                (13, 3, SkipReason::Envelope),
                (16, 1, SkipReason::Envelope),
                (17, 4, SkipReason::Envelope),
                (21, 1, SkipReason::Envelope),
            ]
        );
        assert_eq!(out.skips[4].detail, "non-event document (kind Pod)");
    }

    #[test]
    fn yaml_empty_event_list() {
        let out = yaml(
            "apiVersion: v1\nitems: []\nkind: EventList\nmetadata:\n  resourceVersion: \"1\"\n",
        );
        assert!(out.records.is_empty());
        assert_eq!(skips(&out), [(1, 5, SkipReason::Envelope)]);
    }

    #[test]
    fn yaml_damaged_items_cost_one_item() {
        let input = "kind: List\nitems:\n- kind: Event\n  reason: Good\n- kind: Event\n  reason: \"unterminated\n- just text\n- kind: Event\n  reason: Also\n";
        let out = yaml(input);
        assert_eq!(reasons(&out), ["Good", "Also"]);
        assert_eq!(
            skips(&out),
            [
                (1, 2, SkipReason::Envelope),
                (5, 2, SkipReason::Malformed),
                (7, 1, SkipReason::Malformed)
            ]
        );
    }

    #[test]
    fn yaml_cut_in_the_last_item_is_truncated() {
        let input = "kind: List\nitems:\n- kind: Event\n  reason: Good\n- kind: Event\n  message: \"half a mess";
        let out = yaml(input);
        assert_eq!(reasons(&out), ["Good"]);
        assert_eq!(
            skips(&out),
            [(1, 2, SkipReason::Envelope), (5, 2, SkipReason::Truncated)]
        );
    }

    /// kOps `toolbox dump`: `UnstructuredList.MarshalJSON` (one line), and
    /// its YAML through sigs.k8s.io/yaml, which wraps long strings.
    #[test]
    fn kops_dump_compact_json_and_wrapped_yaml() {
        let compact = r#"{"apiVersion":"events.k8s.io/v1","items":[{"apiVersion":"events.k8s.io/v1","deprecatedCount":3,"eventTime":null,"kind":"Event","metadata":{"name":"a.1","uid":"u-1"},"note":"Readiness probe failed","reason":"Unhealthy","regarding":{"kind":"Pod","name":"a","namespace":"kube-system"},"type":"Warning"},{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"b.2","uid":"u-2"},"note":"Started container","reason":"Started","regarding":{"kind":"Pod","name":"b","namespace":"kube-system"},"type":"Normal"}],"kind":"EventList","metadata":{"resourceVersion":"77"}}"#;
        let out = json(compact);
        assert_eq!(reasons(&out), ["Unhealthy", "Started"]);
        assert_eq!(spans(&out), [(1, 1), (1, 0)]);
        assert!(out.skips.is_empty());
        assert_eq!(event(&out.records[0]).count, 3);
        assert_eq!(field(&out.records[1], "uid").as_deref(), Some("u-2"));

        let yaml_text = "apiVersion: events.k8s.io/v1
items:
- apiVersion: events.k8s.io/v1
  deprecatedCount: 3
  deprecatedLastTimestamp: \"2024-06-10T06:15:02Z\"
  kind: Event
  metadata:
    name: a.1
    uid: u-1
  note: 'Readiness probe failed: Get \"http://10.42.1.17:8080/healthz\": context deadline
    exceeded (Client.Timeout exceeded while awaiting headers)'
  reason: Unhealthy
  regarding:
    kind: Pod
    name: a
    namespace: kube-system
  type: Warning
kind: EventList
metadata:
  resourceVersion: \"77\"
";
        let out = yaml(yaml_text);
        assert_eq!(spans(&out), [(3, 15)]);
        let r = &out.records[0];
        assert_eq!(
            r.message,
            "Readiness probe failed: Get \"http://10.42.1.17:8080/healthz\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)"
        );
        assert_eq!(r.time, utc("2024-06-10T06:15:02Z"));
        assert_eq!(
            event(r).object,
            ObjectRef {
                kind: "Pod".into(),
                namespace: Some("kube-system".into()),
                name: "a".into()
            }
        );
    }

    #[test]
    fn yaml_hostile_input() {
        let mut input = b"kind: List\nitems:\n- kind: Event\n  reason: Bad\n  message: \"caf\xe9\"\n- kind: Event\n  reason: Huge\n  message: ".to_vec();
        input.extend_from_slice(&vec![b'x'; 5 * 1024 * 1024]);
        input.extend_from_slice(b"\n");
        let out = parse_whole(parse_yaml, &input);
        assert_eq!(reasons(&out), ["Bad", "Huge"]);
        assert_eq!(out.records[0].message, "caf\u{fffd}");
        assert_eq!(out.records[1].message.len(), MAX_MESSAGE_BYTES);
        let problems: Vec<(u64, Problem)> =
            out.problems.iter().map(|(p, k)| (p.line, *k)).collect();
        assert_eq!(
            problems,
            [(3, Problem::InvalidUtf8), (6, Problem::Truncated)]
        );
    }

    #[test]
    fn sniff_json_accepts_event_shapes_only() {
        assert!(sniff_json(TWO_STYLES.as_bytes()));
        assert!(sniff_json(CORE_JSON.as_bytes()));
        assert!(sniff_json(NEW_JSON.as_bytes()));
        assert!(sniff_json(TROUBLESHOOT.as_bytes()));
        assert!(sniff_json(KUBECTL_LIST.as_bytes()));
        assert!(sniff_json(
            b"[{\"involvedObject\": {\"kind\": \"Pod\"}, \"reason\": \"x\"}]"
        ));
        assert!(sniff_json(
            br#"{"type":"ADDED","object":{"apiVersion":"v1","kind":"Event","reason":"x"}}"#
        ));
        assert!(sniff_json(b"{\"kind\": \"EventList\", \"items\": []}"));
        // Not events:
        assert!(!sniff_json(b"{\"kind\": \"PodList\", \"items\": []}"));
        assert!(!sniff_json(
            b"{\"apiVersion\": \"v1\", \"items\": [{\"kind\": \"Pod\"}], \"kind\": \"List\"}"
        ));
        assert!(!sniff_json(
            br#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"1"}"#
        ));
        assert!(!sniff_json(
            br#"{"ts":1718000000.1,"msg":"Event occurred","kind":"Event","reason":"x"}"#
        ));
        assert!(!sniff_json(
            br#"{"__CURSOR":"s=1","MESSAGE":"\"kind\":\"Event\""}"#
        ));
        assert!(!sniff_json(
            br#"{"metadata":{"annotations":{"a":"{\"kind\":\"Event\"}"}}}"#
        ));
        assert!(!sniff_json(
            br#"[{"kind": "APIResourceList", "resources": [{"name": "events", "kind": "Event"}]}]"#
        ));
        assert!(!sniff_json(
            br#"{"level":"info","reason":"timeout","msg":"x"}"#
        ));
        assert!(!sniff_json(KUBECTL_YAML_LIST.as_bytes()));
    }

    #[test]
    fn sniff_yaml_accepts_event_documents_only() {
        assert!(sniff_yaml(CORE_YAML.as_bytes()));
        assert!(sniff_yaml(NEW_YAML.as_bytes()));
        assert!(sniff_yaml(KUBECTL_YAML_LIST.as_bytes()));
        assert!(sniff_yaml(
            b"---\ntype: ADDED\nobject:\n  apiVersion: v1\n  kind: Event\n  reason: Pulled\n"
        ));
        assert!(sniff_yaml(b"apiVersion: v1\nitems: []\nkind: EventList\n"));
        assert!(!sniff_yaml(
            b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n"
        ));
        assert!(!sniff_yaml(b"apiVersion: audit.k8s.io/v1\nkind: Event\n"));
        assert!(!sniff_yaml(CORE_JSON.as_bytes()));
        assert!(!sniff_yaml(
            b"Jun 10 06:13:20 node-a kubelet[1]: kind: Event\n"
        ));
        assert!(!sniff_yaml(
            b"kind: APIResourceList\nresources:\n- name: events\n  kind: Event\n"
        ));
        assert!(sniff_yaml(
            b"# must-gather\n---\nitems:\n- involvedObject:\n    kind: Pod\n  reason: Killing\n"
        ));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(256))]

            #[test]
            fn json_arbitrary_bytes_never_panic_and_account(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                parse_whole(parse_json, &bytes);
            }

            #[test]
            fn yaml_arbitrary_bytes_never_panic_and_account(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
                parse_whole(parse_yaml, &bytes);
            }

            #[test]
            fn json_cut_anywhere_keeps_a_prefix_of_the_items(cut in 0..TROUBLESHOOT.len()) {
                let out = parse_whole(parse_json, &TROUBLESHOOT.as_bytes()[..cut]);
                let all = ["Scheduled", "Pulled", "Created", "Started", "BackOff"];
                let got = reasons(&out);
                prop_assert!(got.len() <= all.len());
                prop_assert_eq!(&got[..], &all[..got.len()]);
            }

            #[test]
            fn yaml_cut_anywhere_accounts(cut in 0..KUBECTL_YAML_LIST.len()) {
                let bytes = &KUBECTL_YAML_LIST.as_bytes()[..cut];
                parse_whole(parse_yaml, bytes);
            }

            #[test]
            fn json_with_junk_spliced_in_accounts(at in 0..KUBECTL_LIST.len(), junk in "[\\x00-\\x7f]{0,12}") {
                let mut input = KUBECTL_LIST.as_bytes()[..at].to_vec();
                input.extend_from_slice(junk.as_bytes());
                input.extend_from_slice(&KUBECTL_LIST.as_bytes()[at..]);
                parse_whole(parse_json, &input);
            }
        }
    }
}
