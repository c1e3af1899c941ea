//! logrus / logfmt lines: `time="..." level=info msg="..." key=value ...`
//! (containerd, CRI-O, k3s, rke2, k0s, and go-kit style `level= ts= caller=`).
//!
//! A line is tokenised once, eagerly, to find the header keys wherever
//! they are (logrus writes `time level msg` first, go-kit puts `msg` last);
//! the other pairs are kept as the raw tail after the leading run of header
//! keys ([`Fields::Logfmt`]) and decoded lazily by [`pairs`], which skips
//! header keys so that an out-of-order `msg=` is not reported twice.
//!
//! Header keys: `time`/`ts` → time (RFC 3339 with or without offset, or
//! epoch seconds), `level`/`lvl` → severity, `msg` → message, `caller` →
//! origin. `component=` fills the record's component when the wrapper did
//! not name one.
//!
//! k0s re-logs its children's output through logrus: when `msg` is a whole
//! klog line, the record is that klog line (payload `Klog`, severity from
//! the klog letter, message, fields and origin from the inner line), its
//! writer is the `component=` child, and its time is the logrus time (it
//! has a year; the klog header has none). The outer `stream=` pair is not
//! kept.
//!
//! Values: Go-quoted (logrus quotes anything outside `[A-Za-z0-9-._/@^+]`)
//! or bare up to the next space; `key=` is an empty value; a bare word
//! without `=` is a key with an empty value.

use std::borrow::Cow;

use super::klog::{self, Stream};
use super::payload::Parts;
use super::Chunk;
use crate::record::{Fields, Payload, Severity};
use crate::sink::Emit;
use crate::time::{parse, RawTime};

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    klog::blocks_parse(chunk, Stream::Logfmt, out)
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    klog::blocks_split_at(bytes, near, Stream::Logfmt)
}

/// Keys that become record attributes rather than fields.
const HEADER_KEYS: [&str; 6] = ["time", "ts", "level", "lvl", "msg", "caller"];

fn is_header_key(key: &str) -> bool {
    HEADER_KEYS.contains(&key)
}

/// Decoded `key=value` pairs of a logfmt tail, header keys excluded.
pub fn pairs(raw: &str) -> LogfmtPairs<'_> {
    LogfmtPairs {
        cursor: Cursor { rest: raw },
    }
}

/// Iterator returned by [`pairs`].
#[derive(Debug, Clone)]
pub struct LogfmtPairs<'a> {
    cursor: Cursor<'a>,
}

impl<'a> Iterator for LogfmtPairs<'a> {
    type Item = (Cow<'a, str>, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (key, value) = self.cursor.next_pair()?;
            if !is_header_key(key) {
                return Some((Cow::Borrowed(key), value));
            }
        }
    }
}

/// Tokeniser over a logfmt line, remembering where it stands.
#[derive(Debug, Clone)]
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn next_pair(&mut self) -> Option<(&'a str, Cow<'a, str>)> {
        loop {
            let s = self.rest.trim_start_matches([' ', '\t', '\r', '\n']);
            if s.is_empty() {
                self.rest = s;
                return None;
            }
            let key_len = s
                .bytes()
                .position(|b| matches!(b, b'=' | b' ' | b'\t' | b'\r' | b'\n'))
                .unwrap_or(s.len());
            let key = s.get(..key_len).unwrap_or("");
            let Some(after) = s.get(key_len..).and_then(|a| a.strip_prefix('=')) else {
                self.rest = s.get(key_len..).unwrap_or("");
                return Some((key, Cow::Borrowed("")));
            };
            let (value, rest) = value(after);
            self.rest = rest;
            if key.is_empty() {
                continue;
            }
            return Some((key, value));
        }
    }

    /// Byte offset of the cursor inside `line`, the text it was made from.
    fn offset_in(&self, line: &str) -> usize {
        line.len() - self.rest.len()
    }
}

fn value(s: &str) -> (Cow<'_, str>, &str) {
    if s.starts_with('"') {
        if let Some((value, rest)) = klog::split_quoted(s) {
            return (value, rest);
        }
        // Unclosed quote: the rest of the line, raw.
        let end = memchr::memchr(b'\n', s.as_bytes()).unwrap_or(s.len());
        return split(s, end);
    }
    let end = s
        .bytes()
        .position(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(s.len());
    split(s, end)
}

fn split(s: &str, at: usize) -> (Cow<'_, str>, &str) {
    match (s.get(..at), s.get(at..)) {
        (Some(v), Some(rest)) => (Cow::Borrowed(v), rest),
        _ => (Cow::Borrowed(s), ""),
    }
}

/// Does `line` start like a logfmt record (`time=` + quote or digit,
/// `level=` + letter)? Cheap: used to classify every line of a stream.
pub fn is_line(line: &[u8]) -> bool {
    if let Some(rest) = line.strip_prefix(b"time=") {
        return matches!(rest.first(), Some(b'"' | b'0'..=b'9'));
    }
    if let Some(rest) = line.strip_prefix(b"level=") {
        return rest.first().is_some_and(u8::is_ascii_alphabetic);
    }
    false
}

/// Stricter than [`is_line`]: a logrus line, `time="<RFC 3339>" level=`.
/// Used inside klog text, where a continuation line could start `time=`.
pub(crate) fn is_logrus_line(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"time=\"") else {
        return false;
    };
    let Some((_, used)) = parse::rfc3339(rest) else {
        return false;
    };
    rest.get(used..)
        .is_some_and(|r| r.starts_with(b"\" level="))
}

/// Record parts of one logfmt line; `None` when it has none of `time`,
/// `level`, `msg`.
pub(crate) fn decode(line: &str) -> Option<Parts<'_>> {
    let mut cursor = Cursor { rest: line };
    let mut header = Header::default();
    let mut tail_start = 0;
    let mut leading = true;
    while let Some((key, value)) = cursor.next_pair() {
        let slot = match key {
            "time" | "ts" => &mut header.time,
            "level" | "lvl" => &mut header.level,
            "msg" => &mut header.message,
            "caller" => &mut header.caller,
            _ => {
                if key == "component" && header.component.is_none() {
                    header.component = Some(value);
                }
                leading = false;
                continue;
            }
        };
        if slot.is_none() {
            *slot = Some(value);
        }
        if leading {
            tail_start = cursor.offset_in(line);
        }
    }
    if header.time.is_none() && header.level.is_none() && header.message.is_none() {
        return None;
    }
    let tail = line.get(tail_start..).unwrap_or("").trim();
    let (time, bad_time) = match &header.time {
        Some(text) => match record_time(text) {
            Some(t) => (t, false),
            None => (RawTime::None, true),
        },
        None => (RawTime::None, false),
    };
    let message = header.message.unwrap_or(Cow::Borrowed(""));
    if let Some(mut inner) = wrapped_klog(&message) {
        if !bad_time && !time.is_none() {
            inner.time = time;
        }
        inner.component_is_writer = header.component.is_some();
        inner.component = header.component;
        return Some(inner);
    }
    Some(Parts {
        payload: Payload::Logfmt,
        time,
        bad_time,
        severity: header.level.as_deref().and_then(Severity::from_word),
        message,
        fields: if tail.is_empty() {
            Fields::None
        } else {
            Fields::Logfmt(Cow::Borrowed(tail))
        },
        origin: header.caller,
        component: header.component,
        ..Parts::default()
    })
}

#[derive(Default)]
struct Header<'s> {
    time: Option<Cow<'s, str>>,
    level: Option<Cow<'s, str>>,
    message: Option<Cow<'s, str>>,
    caller: Option<Cow<'s, str>>,
    component: Option<Cow<'s, str>>,
}

fn record_time(text: &str) -> Option<RawTime> {
    let bytes = text.trim().as_bytes();
    if let Some(t) = parse::rfc3339_exact(bytes) {
        return Some(t);
    }
    match parse::unix_seconds(bytes) {
        Some((ns, used)) if used == bytes.len() => Some(RawTime::Exact(ns)),
        _ => None,
    }
}

/// The parts of a klog line carried whole in a logrus `msg` (k0s).
fn wrapped_klog<'s>(message: &Cow<'s, str>) -> Option<Parts<'s>> {
    match message {
        Cow::Borrowed(m) => {
            let m: &'s str = m;
            klog::header(m.as_bytes()).map(|h| klog::decode(&h, m))
        }
        Cow::Owned(m) => klog::header(m.as_bytes()).map(|h| klog::decode(&h, m).into_owned()),
    }
}

/// Does the head of a file look like logfmt lines?
///
/// The first non-blank line must start a logfmt record ([`is_line`]) and
/// decode with a level or a message, and at least half of the first 16
/// non-blank lines must be logfmt or klog lines (k3s log files mix both).
pub fn sniff(head: &[u8]) -> bool {
    let mut lines = head
        .split(|&b| b == b'\n')
        .filter(|l| !l.iter().all(u8::is_ascii_whitespace))
        .take(16);
    let Some(first) = lines.next() else {
        return false;
    };
    let first_ok = is_line(first)
        && std::str::from_utf8(first)
            .ok()
            .and_then(decode)
            .is_some_and(|p| p.severity.is_some() || !p.message.is_empty());
    if !first_ok {
        return false;
    }
    let (mut total, mut good) = (1, 1);
    for line in lines {
        total += 1;
        if is_line(line) || klog::header(line).is_some() {
            good += 1;
        }
    }
    good * 2 >= total
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::parse_whole;
    use crate::record::{Format, Record};
    use crate::sink::Problem;
    use crate::time::CivilTime;

    fn record(line: &str) -> Record<'_> {
        let mut rec = Record::default();
        decode(line).expect("a logfmt line").apply(&mut rec);
        rec
    }

    fn field_list(rec: &Record<'_>) -> Vec<(String, String)> {
        rec.fields
            .iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    fn civil(date: (i16, u8, u8), clock: (u8, u8, u8), nanos: u32, offset: Option<i32>) -> RawTime {
        RawTime::Civil(CivilTime {
            year: Some(date.0),
            month: date.1,
            day: date.2,
            hour: clock.0,
            minute: clock.1,
            second: clock.2,
            nanos,
            offset,
        })
    }

    #[test]
    fn containerd_line() {
        let rec = record(
            r#"time="2024-06-10T08:00:00.000120000Z" level=info msg="StartContainer for \"3f1c\" returns successfully""#,
        );
        assert_eq!(rec.payload, Payload::Logfmt);
        assert_eq!(rec.time, civil((2024, 6, 10), (8, 0, 0), 120_000, Some(0)));
        assert_eq!(rec.severity, Severity::Info);
        assert_eq!(
            rec.message,
            r#"StartContainer for "3f1c" returns successfully"#
        );
        assert_eq!(rec.fields, Fields::None);
    }

    #[test]
    fn containerd_error_with_fields() {
        let rec = record(
            r#"time="2024-06-10T08:00:05.500000000Z" level=error msg="PullImage \"registry.example/app:v2\" failed" error="rpc error: code = NotFound desc = failed to resolve reference""#,
        );
        assert_eq!(rec.severity, Severity::Error);
        assert_eq!(
            field_list(&rec),
            vec![(
                "error".into(),
                "rpc error: code = NotFound desc = failed to resolve reference".into()
            )]
        );
        assert!(matches!(&rec.fields, Fields::Logfmt(Cow::Borrowed(t)) if t.starts_with("error=")));
    }

    #[test]
    fn crio_trimmed_fraction_and_warning_level() {
        let rec = record(
            r#"time="2024-06-10T08:00:06.1Z" level=warning msg="Stopping container" id=3f1c timeout=30"#,
        );
        assert_eq!(
            rec.time,
            civil((2024, 6, 10), (8, 0, 6), 100_000_000, Some(0))
        );
        assert_eq!(rec.severity, Severity::Warning);
        assert_eq!(
            field_list(&rec),
            vec![
                ("id".into(), "3f1c".into()),
                ("timeout".into(), "30".into())
            ]
        );
        let rec = record(r#"time="2024-06-10T08:00:00+02:00" level=warn msg=x"#);
        assert_eq!(rec.time, civil((2024, 6, 10), (8, 0, 0), 0, Some(7200)));
        assert_eq!(
            (rec.severity, rec.message.as_ref()),
            (Severity::Warning, "x")
        );
    }

    #[test]
    fn k3s_line_and_logrus_error_and_empty_values() {
        let rec = record(
            r#"time="2024-06-10T08:00:00Z" level=info msg="Starting k3s v1.30.2+k3s1" logrus_error="can not add field \"x\"" empty= flag"#,
        );
        assert_eq!(rec.message, "Starting k3s v1.30.2+k3s1");
        assert_eq!(
            field_list(&rec),
            vec![
                ("logrus_error".into(), "can not add field \"x\"".into()),
                ("empty".into(), "".into()),
                ("flag".into(), "".into())
            ]
        );
    }

    #[test]
    fn k0s_wrapped_klog_line() {
        let rec = record(
            r#"time="2024-06-10 06:13:20" level=info msg="E0610 06:13:20.123400    1814 server.go:487] \"Kubelet version\" kubeletVersion=\"v1.30.2\"" component=kubelet stream=stderr"#,
        );
        assert_eq!(rec.payload, Payload::Klog);
        assert_eq!(
            rec.severity,
            Severity::Error,
            "from the klog letter, not level=info"
        );
        assert_eq!(rec.component.as_deref(), Some("kubelet"));
        assert_eq!(rec.message, "Kubelet version");
        assert_eq!(rec.origin.as_deref(), Some("server.go:487"));
        assert_eq!(rec.pid, Some(1814));
        assert_eq!(rec.time, civil((2024, 6, 10), (6, 13, 20), 0, None));
        assert_eq!(
            field_list(&rec),
            vec![("kubeletVersion".into(), "v1.30.2".into())]
        );
    }

    #[test]
    fn go_kit_order_with_message_last() {
        let rec = record(
            r#"level=info ts=2024-06-10T08:00:00.5Z caller=main.go:12 component=raft msg="became leader" term=3"#,
        );
        assert_eq!(
            rec.time,
            civil((2024, 6, 10), (8, 0, 0), 500_000_000, Some(0))
        );
        assert_eq!(rec.origin.as_deref(), Some("main.go:12"));
        assert_eq!(rec.message, "became leader");
        assert_eq!(rec.component.as_deref(), Some("raft"));
        assert_eq!(
            field_list(&rec),
            vec![
                ("component".into(), "raft".into()),
                ("term".into(), "3".into())
            ],
            "msg is not repeated as a field"
        );
    }

    #[test]
    fn unreadable_time_is_flagged_and_unknown_level_leaves_severity() {
        let parts = decode(r#"time="tomorrow" level=chatty msg=x"#).unwrap();
        assert_eq!(
            (parts.time, parts.bad_time, parts.severity),
            (RawTime::None, true, None)
        );
        assert!(decode("just words").is_none());
    }

    #[test]
    fn pairs_never_stop_on_damage() {
        let got: Vec<_> = pairs(r#"a="unclosed b=1 =x c"#)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(
            got,
            vec![("a".to_string(), "\"unclosed b=1 =x c".to_string())]
        );
        let got: Vec<_> = pairs("=x msg=m k=v")
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        assert_eq!(got, vec![("k".to_string(), "v".to_string())]);
    }

    #[test]
    fn file_with_logrus_klog_and_crash_lines() {
        let input = concat!(
            "time=\"2024-06-10T08:00:00Z\" level=info msg=\"Starting k3s\"\n",
            "I0610 08:00:01.000000    4321 server.go:1] \"Kubelet version\" kubeletVersion=\"v1.30.2\"\n",
            "time=\"bad\" level=info msg=x\n",
            "fatal error: concurrent map writes\n",
            "\n",
            "goroutine 7 [running]:\n",
            "\tmain.go:1 +0x1\n",
        );
        let out = parse_whole(parse, input.as_bytes());
        let summary: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.position.line, r.position.lines, r.payload, r.severity))
            .collect();
        assert_eq!(
            summary,
            vec![
                (1, 1, Payload::Logfmt, Severity::Info),
                (2, 1, Payload::Klog, Severity::Info),
                (3, 1, Payload::Logfmt, Severity::Info),
                (4, 1, Payload::Text, Severity::Fatal),
                (6, 2, Payload::Text, Severity::Info),
            ]
        );
        assert!(out.records.iter().all(|r| r.format == Format::Logfmt));
        assert_eq!(
            out.problems,
            vec![(out.records[2].position, Problem::BadTimestamp)]
        );
        assert_eq!(out.skipped(crate::sink::SkipReason::Blank), 1);
    }

    #[test]
    fn line_shapes() {
        assert!(is_line(b"time=\"2024-06-10T08:00:00Z\" level=info"));
        assert!(is_line(b"time=2024-06-10T08:00:00Z level=info"));
        assert!(is_line(b"level=info msg=x"));
        assert!(!is_line(b"level=3"));
        assert!(!is_line(b"timeout=3"));
        assert!(!is_line(b"time flies"));
        assert!(is_logrus_line(
            b"time=\"2024-06-10 06:13:20\" level=info msg=x"
        ));
        assert!(!is_logrus_line(b"time=\"2024-06-10T08:00:00Z\" msg=x"));
        assert!(!is_logrus_line(b"time=\"soon\" level=info"));
    }

    #[test]
    fn sniff_accepts_logrus_and_mixed_k3s_files_only() {
        assert!(sniff(
            b"time=\"2024-06-10T08:00:00.000120000Z\" level=info msg=\"x\"\n"
        ));
        assert!(sniff(
            concat!(
                "time=\"2024-06-10T08:00:00Z\" level=info msg=\"Starting k3s\"\n",
                "I0610 08:00:01.000000    4321 server.go:1] x\n",
                "I0610 08:00:01.000000    4321 server.go:1] y\n",
                "continuation\n",
            )
            .as_bytes()
        ));
        assert!(
            !sniff(b"level=info\nhello\nworld\nagain\n"),
            "most lines are not logfmt"
        );
        assert!(!sniff(b"I0610 08:00:01.000000    4321 server.go:1] x\n"));
        assert!(!sniff(b"timeout=3 level=info\n"));
        assert!(!sniff(b"{\"level\":\"info\",\"msg\":\"x\"}\n"));
        assert!(!sniff(b"\n\n"));
    }
}
