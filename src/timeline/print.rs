//! Writing timeline records for people (`text`) and machines (`ndjson`).
//!
//! # NDJSON record schema (`timeline --format ndjson`, schema version 1)
//!
//! One JSON object per line:
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `schema` | int | always `1` for this layout |
//! | `time` | string | RFC 3339 UTC with 9 fractional digits |
//! | `time_ns` | int | the same instant, ns since the Unix epoch |
//! | `time_basis` | string | `exact`, `inferred-year`, `assumed-zone`, `inferred-year+assumed-zone`, `relative-age`, `collection-time`, `carried`, `none` |
//! | `node` | string/null | node the record belongs to |
//! | `file`, `line`, `offset`, `lines` | string, int, int, int | where the record is in the bundle (`archive!/member` for archive members; line is 1-based) |
//! | `format` | string | container format (`journal-text`, `cri`, `events-json`, ...) |
//! | `payload` | string | `text`, `klog`, `klog-json`, `logfmt`, `json` |
//! | `component`, `unit` | string/null | program and systemd unit |
//! | `pid` | int/null | |
//! | `severity` | string | `trace` .. `fatal` |
//! | `message` | string | the message, unquoted |
//! | `fields` | object | structured key/value pairs (string values) |
//! | `origin` | string/null | source location in the program (`run.go:74`) |
//! | `event` | object/null | for Kubernetes events: `reason`, `type`, `object` {`kind`,`namespace`,`name`}, `field_path`, `source`, `count`, `first_seen`, `last_seen` |

use std::io::{self, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::bundle::Input;
use crate::record::{Fields, Record, Severity};
use crate::time::{format_rfc3339, RawTime, TimeBasis, NANOS_PER_SEC};

pub const NDJSON_SCHEMA_VERSION: u32 = 1;

/// One line of human-readable timeline:
/// `2024-06-10T06:13:20.123400Z  worker-1  kubelet  E  message key=value`.
/// Times that were not stated completely are marked with `~`.
pub fn write_text(
    out: &mut dyn Write,
    record: &Record<'_>,
    input: &Input,
    show_source: bool,
) -> io::Result<()> {
    let time = match record.resolved.basis {
        TimeBasis::None => "-".to_string(),
        _ => micros_rfc3339(record.resolved.unix_ns),
    };
    let mark = match record.resolved.basis {
        TimeBasis::Exact => ' ',
        _ => '~',
    };
    write!(
        out,
        "{time}{mark} {:<12} {:<14} {} ",
        record.node.as_deref().unwrap_or("-"),
        record.component.as_deref().unwrap_or("-"),
        severity_letter(record.severity)
    )?;
    if let Some(event) = &record.event {
        write!(out, "[{} {}", event.reason, event.object)?;
        if event.count > 1 {
            write!(out, " x{}", event.count)?;
        }
        write!(out, "] ")?;
    }
    write_escaped(out, &record.message)?;
    for (k, v) in record.fields.iter() {
        write!(out, " {k}=")?;
        write_escaped(out, &v)?;
    }
    if show_source {
        write!(out, "  ({}:{})", input.display_path, record.position.line)?;
    }
    writeln!(out)
}

/// RFC 3339 UTC with microseconds, the precision most sources log at.
fn micros_rfc3339(unix_ns: i64) -> String {
    match jiff::Timestamp::from_nanosecond(unix_ns as i128) {
        Ok(ts) => format!(
            "{}.{:06}Z",
            ts.strftime("%Y-%m-%dT%H:%M:%S"),
            unix_ns.rem_euclid(NANOS_PER_SEC) / 1000
        ),
        Err(_) => format!("@{unix_ns}ns"),
    }
}

pub fn severity_letter(s: Severity) -> char {
    match s {
        Severity::Trace => 'T',
        Severity::Debug => 'D',
        Severity::Info => 'I',
        Severity::Notice => 'N',
        Severity::Warning => 'W',
        Severity::Error => 'E',
        Severity::Critical => 'C',
        Severity::Fatal => 'F',
    }
}

/// Write text with control characters escaped, so that log content can never
/// move the cursor, change colours or fake lines on the user's terminal.
pub fn write_escaped(out: &mut dyn Write, text: &str) -> io::Result<()> {
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if c.is_control() && c != '\t' {
            out.write_all(text[start..i].as_bytes())?;
            match c {
                '\n' => out.write_all(b"\\n")?,
                '\r' => out.write_all(b"\\r")?,
                _ => write!(out, "\\u{{{:x}}}", c as u32)?,
            }
            start = i + c.len_utf8();
        }
    }
    out.write_all(text[start..].as_bytes())
}

/// One NDJSON object (schema above), newline-terminated.
pub fn write_ndjson(out: &mut dyn Write, record: &Record<'_>, input: &Input) -> io::Result<()> {
    let json = RecordJson { record, input };
    serde_json::to_writer(&mut *out, &json).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

struct RecordJson<'r> {
    record: &'r Record<'r>,
    input: &'r Input,
}

impl Serialize for RecordJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = self.record;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("schema", &NDJSON_SCHEMA_VERSION)?;
        let known = r.resolved.basis != TimeBasis::None;
        m.serialize_entry("time", &known.then(|| format_rfc3339(r.resolved.unix_ns)))?;
        m.serialize_entry("time_ns", &known.then_some(r.resolved.unix_ns))?;
        m.serialize_entry("time_basis", &r.resolved.basis)?;
        m.serialize_entry("node", &r.node)?;
        m.serialize_entry("file", &self.input.display_path)?;
        m.serialize_entry("line", &r.position.line)?;
        m.serialize_entry("offset", &r.position.offset)?;
        m.serialize_entry("lines", &r.position.lines)?;
        m.serialize_entry("format", &r.format)?;
        m.serialize_entry("payload", &r.payload)?;
        m.serialize_entry("component", &r.component)?;
        m.serialize_entry("unit", &r.unit)?;
        m.serialize_entry("pid", &r.pid)?;
        m.serialize_entry("severity", &r.severity)?;
        m.serialize_entry("message", &r.message)?;
        m.serialize_entry("fields", &FieldsJson(&r.fields))?;
        m.serialize_entry("origin", &r.origin)?;
        m.serialize_entry("event", &r.event.as_ref().map(|e| EventJson(e)))?;
        m.end()
    }
}

struct FieldsJson<'r>(&'r Fields<'r>);

impl Serialize for FieldsJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter())
    }
}

struct EventJson<'r>(&'r crate::record::EventInfo<'r>);

impl Serialize for EventJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("reason", &e.reason)?;
        m.serialize_entry("type", &e.event_type)?;
        m.serialize_entry("object", &e.object)?;
        m.serialize_entry("field_path", &e.field_path)?;
        m.serialize_entry("source", &e.source)?;
        m.serialize_entry("count", &e.count)?;
        m.serialize_entry("first_seen", &exact_time(e.first_seen))?;
        m.serialize_entry("last_seen", &exact_time(e.last_seen))?;
        m.end()
    }
}

/// Event first/last times are normalised to exact instants by ingest when they can be resolved.
fn exact_time(t: RawTime) -> Option<String> {
    match t {
        RawTime::Exact(ns) => Some(format_rfc3339(ns)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_times_have_microseconds() {
        assert_eq!(
            micros_rfc3339(1_718_000_000_123_456_789),
            "2024-06-10T06:13:20.123456Z"
        );
        assert_eq!(micros_rfc3339(-1), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn control_characters_are_escaped() {
        let mut out = Vec::new();
        write_escaped(&mut out, "a\x1b[31mred\nnext\tend").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a\\u{1b}[31mred\\nnext\tend"
        );
    }
}
