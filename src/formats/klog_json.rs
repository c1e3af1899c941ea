//! One JSON log object per line: Kubernetes component JSON, etcd zap,
//! containerd/logrus JSON and generic application JSON.
//!
//! The object is read once with serde_json into a list of keys and *raw*
//! values (`RawValue`), so nothing is decoded that is not kept: string
//! values are borrowed when they have no escapes, numbers and nested
//! objects keep their JSON text (what signatures match on).
//!
//! Key mapping, first occurrence wins (later duplicates stay fields):
//!
//! | record | keys |
//! |---|---|
//! | time | `ts` (number: Kubernetes ms, else unit by magnitude; string: RFC 3339), `time`, `timestamp`, `@timestamp` |
//! | severity | `level`, `lvl`, `severity` words; Kubernetes shape: `v` present → info, absent → error |
//! | message | `msg`, `message` |
//! | origin | `caller` |
//! | fields | every other key, in order (`v`, `err`, `logger`, `stacktrace`, ...) |
//!
//! The Kubernetes shape (payload `KlogJson`) is a numeric `ts` without a
//! level key (component-base writes no level, see `klog.md` §4); everything
//! else is payload `Json`. An object without any log key (no message, and
//! not both a time and a level) is not a log record and is left as text.
//!
//! Non-JSON lines in the same stream (klog text written before JSON
//! logging started, `Error:` and usage text, Go panics) are grouped like in
//! klog files (see `klog::blocks`).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::klog::Stream;
use super::payload::Parts;
use super::Chunk;
use crate::record::{Fields, Payload, Severity};
use crate::sink::Emit;
use crate::time::{parse, RawTime, NANOS_PER_SEC};

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    super::klog::blocks_parse(chunk, Stream::Json, out)
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    super::klog::blocks_split_at(bytes, near, Stream::Json)
}

/// Does the head of a file look like JSON log lines?
///
/// The first non-blank line must be a JSON object with log keys (a message
/// key plus a time or level key), and none of the keys that mark other
/// JSON formats: journal export (`__CURSOR`), docker json-file (`log` with
/// `stream`), kubectl output (`kind`, `apiVersion`, `items`).
pub fn sniff(head: &[u8]) -> bool {
    let Some(first) = head
        .split(|&b| b == b'\n')
        .find(|l| !l.iter().all(u8::is_ascii_whitespace))
    else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(first) else {
        return false;
    };
    let Ok(Object(entries)) = serde_json::from_str::<Object<'_>>(text.trim()) else {
        return false;
    };
    let has = |name: &str| entries.iter().any(|(k, _)| k == name);
    let foreign = has("__CURSOR")
        || (has("log") && has("stream"))
        || has("kind")
        || has("apiVersion")
        || has("items");
    let message = has("msg") || has("message");
    let stamp_or_level = ["ts", "time", "timestamp", "@timestamp", "level", "severity"]
        .iter()
        .any(|k| has(k));
    !foreign && message && stamp_or_level
}

/// Record parts of one JSON log object; `None` when `line` is not a JSON
/// object or has no log keys.
pub(crate) fn decode(line: &str) -> Option<Parts<'_>> {
    let Object(entries) = serde_json::from_str(line).ok()?;
    let mut known = Known::default();
    let mut has_verbosity = false;
    let mut fields = Vec::with_capacity(entries.len());
    for (key, raw) in entries {
        let slot = match key.as_ref() {
            "ts" | "time" | "timestamp" | "@timestamp" => &mut known.time,
            "level" | "lvl" | "severity" => &mut known.level,
            "msg" | "message" => &mut known.message,
            "caller" => &mut known.caller,
            _ => {
                has_verbosity |= key == "v";
                fields.push((key, json_text(raw)));
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some((key, raw));
        } else {
            fields.push((key, json_text(raw)));
        }
    }
    if known.message.is_none() && (known.time.is_none() || known.level.is_none()) {
        return None;
    }
    let kubernetes = known.level.is_none()
        && matches!(&known.time, Some((k, raw)) if k == "ts" && is_number(raw));
    let (time, bad_time) = match &known.time {
        Some((_, raw)) => match record_time(raw, kubernetes) {
            Some(t) => (t, false),
            None => (RawTime::None, true),
        },
        None => (RawTime::None, false),
    };
    let severity = if kubernetes {
        Some(if has_verbosity {
            Severity::Info
        } else {
            Severity::Error
        })
    } else {
        known
            .level
            .as_ref()
            .and_then(|(_, raw)| Severity::from_word(&json_text(raw)))
    };
    Some(Parts {
        payload: if kubernetes {
            Payload::KlogJson
        } else {
            Payload::Json
        },
        time,
        bad_time,
        severity,
        message: known
            .message
            .map_or(Cow::Borrowed(""), |(_, raw)| json_text(raw)),
        fields: if fields.is_empty() {
            Fields::None
        } else {
            Fields::List(fields)
        },
        origin: known.caller.map(|(_, raw)| json_text(raw)),
        ..Parts::default()
    })
}

type Entry<'s> = (Cow<'s, str>, &'s RawValue);

/// The keys that become record attributes rather than fields.
#[derive(Default)]
struct Known<'s> {
    time: Option<Entry<'s>>,
    level: Option<Entry<'s>>,
    message: Option<Entry<'s>>,
    caller: Option<Entry<'s>>,
}

fn is_number(raw: &RawValue) -> bool {
    matches!(raw.get().as_bytes().first(), Some(b'0'..=b'9' | b'-'))
}

/// A JSON value as text: strings unescaped (borrowed without escapes),
/// everything else as its JSON text.
fn json_text(raw: &RawValue) -> Cow<'_, str> {
    let text = raw.get();
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if !inner.contains('\\') => Cow::Borrowed(inner),
        Some(_) => serde_json::from_str::<String>(text)
            .map(Cow::Owned)
            .unwrap_or(Cow::Borrowed(text)),
        None => Cow::Borrowed(text),
    }
}

fn record_time(raw: &RawValue, kubernetes: bool) -> Option<RawTime> {
    if is_number(raw) {
        let unit = if kubernetes {
            Some(EpochUnit::Millis)
        } else {
            None
        };
        return epoch_number(raw.get(), unit).map(RawTime::Exact);
    }
    parse::rfc3339_exact(json_text(raw).trim().as_bytes())
}

/// Units of a numeric epoch timestamp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EpochUnit {
    Seconds,
    Millis,
    Micros,
    Nanos,
}

impl EpochUnit {
    /// The unit a number of this magnitude must be in to lie between 1973
    /// and 5138: unambiguous for any log written by a working clock.
    fn of(integer: i64) -> EpochUnit {
        match integer {
            i64::MIN..=99_999_999_999 => EpochUnit::Seconds,
            100_000_000_000..=99_999_999_999_999 => EpochUnit::Millis,
            100_000_000_000_000..=99_999_999_999_999_999 => EpochUnit::Micros,
            _ => EpochUnit::Nanos,
        }
    }

    fn nanos(self) -> i64 {
        match self {
            EpochUnit::Seconds => NANOS_PER_SEC,
            EpochUnit::Millis => 1_000_000,
            EpochUnit::Micros => 1_000,
            EpochUnit::Nanos => 1,
        }
    }
}

/// Nanoseconds since the epoch of a JSON number in `unit` (or the unit its
/// magnitude implies). Plain decimals are converted exactly; exponent
/// notation goes through `f64`.
fn epoch_number(text: &str, unit: Option<EpochUnit>) -> Option<i64> {
    let (int_text, frac_text) = text.split_once('.').unwrap_or((text, ""));
    let plain = !int_text.is_empty()
        && int_text.bytes().all(|b| b.is_ascii_digit())
        && frac_text.bytes().all(|b| b.is_ascii_digit());
    if !plain {
        let value: f64 = text.parse().ok()?;
        if !value.is_finite() || value < 0.0 {
            return None;
        }
        let unit = unit.unwrap_or_else(|| EpochUnit::of(value as i64));
        let ns = value * unit.nanos() as f64;
        return (ns < i64::MAX as f64).then_some(ns as i64);
    }
    let integer: i64 = int_text.parse().ok()?;
    let unit = unit.unwrap_or_else(|| EpochUnit::of(integer));
    let scale = unit.nanos();
    // Fraction digits beyond the unit's nanosecond resolution are dropped.
    let digits = scale.ilog10() as usize;
    let mut frac: i64 = 0;
    for i in 0..digits {
        let d = frac_text.as_bytes().get(i).map_or(0, |b| (b - b'0') as i64);
        frac = frac * 10 + d;
    }
    integer.checked_mul(scale)?.checked_add(frac)
}

/// A JSON object as its keys and raw values, in order, duplicates kept.
struct Object<'s>(Vec<Entry<'s>>);

impl<'de> Deserialize<'de> for Object<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ObjectVisitor)
    }
}

struct ObjectVisitor;

impl<'de> Visitor<'de> for ObjectVisitor {
    type Value = Object<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Object<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(8).min(64));
        while let Some(Key(key)) = map.next_key()? {
            let value: &'de RawValue = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Object(entries))
    }
}

/// An object key, borrowed when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::parse_whole;
    use crate::record::{Format, Record};
    use crate::sink::{Collect, Problem};
    use crate::time::CivilTime;

    fn parse_all(input: &str) -> Collect {
        parse_whole(parse, input.as_bytes())
    }

    fn record(line: &str) -> Record<'_> {
        let mut rec = Record::default();
        let parts = decode(line).expect("a JSON log line");
        parts.apply(&mut rec);
        rec
    }

    fn field_list(rec: &Record<'_>) -> Vec<(String, String)> {
        rec.fields
            .iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn kubernetes_info_record() {
        let rec = record(
            r#"{"ts":1718000000123.4567,"caller":"app/server.go:487","msg":"Kubelet version","v":0,"kubeletVersion":"v1.30.2"}"#,
        );
        assert_eq!(rec.payload, Payload::KlogJson);
        assert_eq!(rec.time, RawTime::Exact(1_718_000_000_123_456_700));
        assert_eq!(rec.severity, Severity::Info);
        assert_eq!(rec.message, "Kubelet version");
        assert_eq!(rec.origin.as_deref(), Some("app/server.go:487"));
        assert_eq!(
            field_list(&rec),
            vec![
                ("v".into(), "0".into()),
                ("kubeletVersion".into(), "v1.30.2".into())
            ]
        );
    }

    #[test]
    fn kubernetes_record_without_v_is_an_error() {
        let rec = record(
            r#"{"ts":1718000000301.0002,"caller":"kubelet/pod_workers.go:1298","msg":"Error syncing pod, skipping","pod":{"name":"app-6d9f7c9b8-kq2wz","namespace":"default"},"podUID":"2c1f8a7e-0c5e-4a6b-9a57-3f1f0b7b9d11","err":"failed to \"StartContainer\" for \"app\" with ErrImageNeverPull: …"}"#,
        );
        assert_eq!(rec.payload, Payload::KlogJson);
        assert_eq!(rec.severity, Severity::Error);
        assert_eq!(rec.time, RawTime::Exact(1_718_000_000_301_000_200));
        assert_eq!(
            rec.fields.get("pod").as_deref(),
            Some(r#"{"name":"app-6d9f7c9b8-kq2wz","namespace":"default"}"#)
        );
        assert_eq!(
            rec.fields.get("err").as_deref(),
            Some("failed to \"StartContainer\" for \"app\" with ErrImageNeverPull: …")
        );
    }

    #[test]
    fn etcd_zap_record() {
        let rec = record(
            r#"{"level":"warn","ts":"2024-06-10T08:00:01.000200Z","caller":"etcdserver/util.go:170","msg":"apply request took too long","took":"212.5ms","expected-duration":"100ms"}"#,
        );
        assert_eq!(rec.payload, Payload::Json);
        assert_eq!(rec.severity, Severity::Warning);
        assert_eq!(
            rec.time,
            RawTime::Civil(CivilTime {
                year: Some(2024),
                month: 6,
                day: 10,
                hour: 8,
                minute: 0,
                second: 1,
                nanos: 200_000,
                offset: Some(0)
            })
        );
        assert_eq!(rec.origin.as_deref(), Some("etcdserver/util.go:170"));
        assert_eq!(
            field_list(&rec),
            vec![
                ("took".into(), "212.5ms".into()),
                ("expected-duration".into(), "100ms".into())
            ]
        );
        let rec = record(r#"{"level":"info","ts":"2024-06-10T10:00:00.123400+0200","msg":"x"}"#);
        assert!(matches!(rec.time, RawTime::Civil(c) if c.offset == Some(7200)));
    }

    #[test]
    fn containerd_json_and_generic_zap() {
        let rec = record(
            r#"{"level":"info","msg":"starting containerd","time":"2024-06-10T08:00:00.000120000Z","version":"v1.7.18"}"#,
        );
        assert_eq!((rec.payload, rec.severity), (Payload::Json, Severity::Info));
        assert!(matches!(rec.time, RawTime::Civil(c) if c.nanos == 120_000));
        // Generic zap production config: ts in float seconds.
        let rec = record(r#"{"level":"error","ts":1718000000.5,"msg":"boom","v":3}"#);
        assert_eq!(rec.time, RawTime::Exact(1_718_000_000_500_000_000));
        assert_eq!(rec.severity, Severity::Error);
        assert_eq!(rec.fields.get("v").as_deref(), Some("3"));
    }

    #[test]
    fn epoch_numbers_convert_exactly_or_by_magnitude() {
        assert_eq!(
            epoch_number("1718000000123.4567", Some(EpochUnit::Millis)),
            Some(1_718_000_000_123_456_700)
        );
        assert_eq!(
            epoch_number("1718000000", None),
            Some(1_718_000_000 * NANOS_PER_SEC)
        );
        assert_eq!(
            epoch_number("1718000000123", None),
            Some(1_718_000_000_123_000_000)
        );
        assert_eq!(
            epoch_number("1718000000123456", None),
            Some(1_718_000_000_123_456_000)
        );
        assert_eq!(
            epoch_number("1718000000123456789", None),
            Some(1_718_000_000_123_456_789)
        );
        assert_eq!(
            epoch_number("1.718e12", Some(EpochUnit::Millis)),
            Some(1_718_000_000_000_000_000)
        );
        assert_eq!(epoch_number("99999999999999999999", None), None);
        assert_eq!(epoch_number("-5", None), None);
    }

    #[test]
    fn escaped_keys_and_values_and_duplicates() {
        let rec = record(r#"{"msg":"a\tb","msg":"second","k\u0065y":"v\"","n":1.5,"o":null}"#);
        assert_eq!(rec.message, "a\tb");
        assert_eq!(
            field_list(&rec),
            vec![
                ("msg".into(), "second".into()),
                ("key".into(), "v\"".into()),
                ("n".into(), "1.5".into()),
                ("o".into(), "null".into())
            ]
        );
    }

    #[test]
    fn objects_without_log_keys_and_non_objects_are_declined() {
        assert!(decode(r#"{"a":1}"#).is_none());
        assert!(decode(r#"{"time":"2024-06-10T08:00:00Z"}"#).is_none());
        assert!(decode(r#"[1,2]"#).is_none());
        assert!(decode(r#"{"msg":"x"} trailing"#).is_none());
        assert!(decode(r#"{"msg":"cut"#).is_none());
        assert!(decode(&"[".repeat(100_000)).is_none());
        // Deep nesting is skipped iteratively by serde_json: no stack overflow.
        let deep = format!(
            "{{\"msg\":\"x\",\"v\":{}1{}}}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        assert_eq!(decode(&deep).map(|p| p.message), Some(Cow::Borrowed("x")));
    }

    #[test]
    fn bad_timestamp_is_flagged() {
        let parts = decode(r#"{"level":"info","time":"yesterday","msg":"x"}"#).unwrap();
        assert_eq!((parts.time, parts.bad_time), (RawTime::None, true));
    }

    #[test]
    fn stream_with_early_klog_text_crash_and_a_broken_line() {
        let input = concat!(
            "I0610 06:13:19.000001       1 flags.go:64] FLAG: --v=\"2\"\n",
            r#"{"ts":1718000000123.4567,"caller":"app/server.go:487","msg":"Kubelet version","v":0}"#,
            "\n",
            r#"{"ts":1718000000200,"msg":"cut off"#,
            "\n",
            "panic: boom\n",
            "\n",
            "goroutine 1 [running]:\n",
            "main.main()\n",
            "\t/src/main.go:39 +0xec\n",
        );
        let out = parse_all(input);
        let summary: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.position.line, r.position.lines, r.payload, r.severity))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, 1, Payload::Klog, Severity::Info),
                (2, 1, Payload::KlogJson, Severity::Info),
                (3, 1, Payload::Text, Severity::Info),
                (4, 1, Payload::Text, Severity::Error),
                (6, 3, Payload::Text, Severity::Info),
            ]
        );
        assert!(out.records.iter().all(|r| r.format == Format::KlogJson));
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].0.line, 3);
        assert_eq!(out.problems[0].1, Problem::BadField);
        assert_eq!(
            out.records[4].message,
            "goroutine 1 [running]:\nmain.main()\n\t/src/main.go:39 +0xec"
        );
    }

    #[test]
    fn split_points_are_json_lines_or_record_starts() {
        let input =
            b"{\"msg\":\"a\",\"level\":\"info\"}\nstack line\n{\"msg\":\"b\",\"level\":\"info\"}\n";
        assert_eq!(split_at(input, 1), Some(38));
        assert_eq!(split_at(input, 39), None);
    }

    #[test]
    fn sniff_accepts_log_objects_only() {
        assert!(sniff(
            br#"{"ts":1718000000123.4567,"caller":"a.go:1","msg":"x","v":0}"#
        ));
        assert!(sniff(
            b"\n{\"level\":\"warn\",\"ts\":\"2024-06-10T08:00:01.000200Z\",\"msg\":\"x\"}\n"
        ));
        assert!(sniff(
            br#"{"time":"2024-06-10T08:00:00Z","level":"info","msg":"x"}"#
        ));
        assert!(!sniff(
            br#"{"__CURSOR":"s=1","MESSAGE":"x","msg":"x","ts":1}"#
        ));
        assert!(!sniff(
            br#"{"log":"I0610 x\n","stream":"stderr","time":"2024-06-10T08:00:00Z"}"#
        ));
        assert!(!sniff(
            br#"{"kind":"EventList","apiVersion":"v1","items":[]}"#
        ));
        assert!(!sniff(br#"{"kind":"Event","message":"x","lastTimestamp":"2024-06-10T08:00:00Z","type":"Normal","time":"x"}"#));
        assert!(!sniff(br#"{"a":1}"#));
        assert!(!sniff(
            b"I0610 06:13:20.123400    1234 server.go:487] \"x\"\n"
        ));
        assert!(!sniff(b""));
    }
}
