//! Any text: one record per line, so that nothing in a bundle is invisible.
//!
//! A line that starts with a recognisable time gets that time and the rest
//! of the line as its message; any other line has no time (the resolver
//! carries the previous record's). The shapes are tried by the line's first
//! byte, so a line costs one `match` plus, at most, one short parse:
//!
//! | first byte | shape | example |
//! |---|---|---|
//! | digit | RFC 3339 / ISO, `T` or space, `.` or `,` fraction, zone optional | `2024-06-10T08:00:00Z`, `2024-06-10 08:00:00,123` |
//! | digit | Go `log` package | `2024/06/10 08:00:00[.123456]` |
//! | `[` | bracketed ISO time | `[2024-06-10 08:00:00]` |
//! | `A`-`Z` | syslog, year-less | `Jun 10 08:13:20`, `Jun  5 08:13:20` |
//! | `a`-`z` | Talos `dmesg.log` | `kern:    info: [2024-06-10T08:00:00.123456789Z]: eth0: link up` |
//!
//! The time must be followed by whitespace or the end of the line (the
//! bracket and `]:` for the bracketed shapes), so a word that merely begins
//! with digits is not taken for a time. Times are reported as written:
//! with their offset when they carry one, zone-less and year-less otherwise.
//! klog headers are not recognised here: klog files are detected separately.
//!
//! The message then goes through `payload::decode`. Plain files are often
//! bare container output (`kubectl logs` without timestamps) whose lines are
//! klog, JSON (etcd, zap) or logfmt; decoding them gives severity, origin and
//! fields that the diagnosis needs, at the cost of one first-byte check for
//! free text. The dmesg priority is applied after decoding: the kernel's own
//! priority is the authority for a kernel line.

use std::borrow::Cow;

use super::lines::{Line, MAX_LINE_BYTES};
use super::{payload, Chunk};
use crate::record::{Format, Record, Severity};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::parse::{clock, four_digits, month_abbrev, rfc3339, two_digits};
use crate::time::{CivilTime, RawTime};

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    parse_with(chunk, out, payload::decode)
}

/// [`parse()`] with the payload decoder as a parameter (tests check the time shapes alone).
pub(crate) fn parse_with(
    chunk: Chunk<'_>,
    out: &mut dyn Emit,
    decode: for<'x> fn(Cow<'x, str>, &mut Record<'x>),
) -> usize {
    let mut lines = chunk.lines();
    for line in lines.by_ref() {
        read_line(&line, out, decode);
    }
    lines.consumed()
}

pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    super::next_line_start(bytes, near)
}

pub fn sniff(_head: &[u8]) -> bool {
    true
}

fn read_line(
    line: &Line<'_>,
    out: &mut dyn Emit,
    decode: for<'x> fn(Cow<'x, str>, &mut Record<'x>),
) {
    let position = line.position(1);
    if line.is_too_long() {
        out.skip(Skip {
            position,
            reason: SkipReason::TooLong,
            detail: format!(
                "line of {} bytes exceeds the limit of {MAX_LINE_BYTES} bytes",
                line.bytes.len()
            )
            .into(),
        });
        return;
    }
    if line.is_blank() {
        out.skip(Skip {
            position,
            reason: SkipReason::Blank,
            detail: "".into(),
        });
        return;
    }
    let leading = leading_time(line.bytes);
    let message = leading.map_or(line.bytes, |l| &line.bytes[l.message_start..]);
    let text = super::lines::text(message);
    let lossy = matches!(text, Cow::Owned(_));
    let mut record = Record::new(Format::Plain, position, Cow::Borrowed(""));
    if let Some(l) = leading {
        record.time = RawTime::Civil(l.time);
    }
    decode(text, &mut record);
    if let Some(severity) = leading.and_then(|l| l.severity) {
        record.severity = severity;
    }
    out.record(record);
    if lossy {
        out.problem(position, Problem::InvalidUtf8);
    }
}

/// A time found at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Leading {
    time: CivilTime,
    /// Where the message starts (after the time and the whitespace that follows it).
    message_start: usize,
    /// The priority a dmesg line states.
    severity: Option<Severity>,
}

/// Try the shapes that can start with the line's first byte.
fn leading_time(b: &[u8]) -> Option<Leading> {
    match *b.first()? {
        b'0'..=b'9' => iso(b).or_else(|| go_log(b)),
        b'[' => bracketed(b),
        b'A'..=b'Z' => syslog(b),
        b'a'..=b'z' => dmesg(b),
        _ => None,
    }
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.,frac][zone]` then whitespace or the end.
fn iso(b: &[u8]) -> Option<Leading> {
    let (time, used) = rfc3339(b)?;
    plain_message(b, time, used)
}

/// `YYYY/MM/DD HH:MM:SS[.frac]` (Go's `log` package), zone-less.
fn go_log(b: &[u8]) -> Option<Leading> {
    if b.get(4) != Some(&b'/') || b.get(7) != Some(&b'/') || b.get(10) != Some(&b' ') {
        return None;
    }
    let year = four_digits(b)?;
    let (month, day) = (two_digits(&b[5..])?, two_digits(&b[8..])?);
    let (hour, minute, second, nanos, used) = clock(b.get(11..)?)?;
    let time = civil(Some(year), month, day, (hour, minute, second, nanos))?;
    plain_message(b, time, 11 + used)
}

/// `[<ISO time>]` then whitespace or the end.
fn bracketed(b: &[u8]) -> Option<Leading> {
    let (time, used) = rfc3339(b.get(1..)?)?;
    let close = 1 + used;
    (b.get(close) == Some(&b']')).then_some(())?;
    plain_message(b, time, close + 1)
}

/// Length of the run of bytes at the start of `b` that satisfy `pred`, at most `max`.
fn run(b: &[u8], max: usize, pred: impl Fn(&u8) -> bool) -> usize {
    b.iter().take(max).take_while(|c| pred(c)).count()
}

/// `Mmm dd HH:MM:SS` with the day space-padded or not; no year, no zone.
fn syslog(b: &[u8]) -> Option<Leading> {
    let month = month_abbrev(b)?;
    let mut at = 3;
    let spaces = run(b.get(at..)?, 2, |&c| c == b' ');
    if spaces == 0 {
        return None;
    }
    at += spaces;
    let digits = run(b.get(at..)?, 2, |c| c.is_ascii_digit());
    let day = match b.get(at..at + digits)? {
        [d] => d - b'0',
        [d, e] => (d - b'0') * 10 + (e - b'0'),
        _ => return None,
    };
    at += digits;
    if b.get(at) != Some(&b' ') {
        return None;
    }
    let (hour, minute, second, nanos, used) = clock(b.get(at + 1..)?)?;
    let time = civil(None, month, day, (hour, minute, second, nanos))?;
    plain_message(b, time, at + 1 + used)
}

/// Talos `dmesg.log`: `<facility>: <priority>: [<RFC 3339>]: <message>`.
fn dmesg(b: &[u8]) -> Option<Leading> {
    let facility = run(b, 16, |c| c.is_ascii_alphanumeric());
    let mut at = facility;
    (b.get(at) == Some(&b':')).then_some(())?;
    at += 1;
    let pad = run(b.get(at..)?, 8, |&c| c == b' ');
    if pad == 0 {
        return None;
    }
    at += pad;
    let word = run(b.get(at..)?, 8, |c| c.is_ascii_lowercase());
    let severity = Severity::from_word(std::str::from_utf8(&b[at..at + word]).ok()?)?;
    at += word;
    (b.get(at..at + 3)? == b": [").then_some(())?;
    at += 3;
    let (time, used) = rfc3339(b.get(at..)?)?;
    at += used;
    (b.get(at..at + 2)? == b"]:").then_some(())?;
    let mut leading = plain_message(b, time, at + 2)?;
    leading.severity = Some(severity);
    Some(leading)
}

/// The time ends at `end`, which must be whitespace or the end of the line;
/// the message starts after that whitespace.
fn plain_message(b: &[u8], time: CivilTime, end: usize) -> Option<Leading> {
    let rest = b.get(end..)?;
    if rest.first().is_some_and(|c| !c.is_ascii_whitespace()) {
        return None;
    }
    let blank = rest.iter().take_while(|c| c.is_ascii_whitespace()).count();
    Some(Leading {
        time,
        message_start: end + blank,
        severity: None,
    })
}

/// A zone-less civil time with a valid month and day.
fn civil(year: Option<i16>, month: u8, day: u8, clock: (u8, u8, u8, u32)) -> Option<CivilTime> {
    let (hour, minute, second, nanos) = clock;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(CivilTime {
        year,
        month,
        day,
        hour,
        minute,
        second,
        nanos,
        offset: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::testing::{parse_whole, raw};
    use crate::record::Position;
    use crate::sink::Collect;
    use proptest::prelude::*;

    /// `parse_with` and the pass-through decoder `raw`, as a `Parser`.
    fn parse_raw(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
        parse_with(chunk, out, raw)
    }

    fn run(input: &[u8]) -> Collect {
        parse_whole(parse_raw, input)
    }

    /// The time and message of a one-line input.
    fn one(line: &str) -> (RawTime, String) {
        let out = run(line.as_bytes());
        assert_eq!(out.records.len(), 1, "{line:?}");
        (out.records[0].time, out.records[0].message.to_string())
    }

    fn at(
        year: Option<i16>,
        (month, day): (u8, u8),
        (hour, minute, second): (u8, u8, u8),
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

    #[test]
    fn rfc3339_and_iso_times() {
        assert_eq!(
            one("2024-06-10T08:00:00Z server started"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 0, Some(0)),
                "server started".into()
            )
        );
        assert_eq!(
            one("2024-06-10 08:00:00,123 INFO  [main] started"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 123_000_000, None),
                "INFO  [main] started".into()
            )
        );
        assert_eq!(
            one("2024-06-10T08:00:00.123456789+02:00\tinfo\tmsg"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 123_456_789, Some(7200)),
                "info\tmsg".into()
            )
        );
        assert_eq!(
            one("2024-06-10T08:00:00.5Z"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 500_000_000, Some(0)),
                "".into()
            )
        );
    }

    #[test]
    fn go_log_package_times() {
        assert_eq!(
            one("2024/04/16 06:21:30 Health service listening on 0.0.0.0:81"),
            (
                at(Some(2024), (4, 16), (6, 21, 30), 0, None),
                "Health service listening on 0.0.0.0:81".into()
            )
        );
        assert_eq!(
            one("2024/04/16 06:21:30.123456 x").0,
            at(Some(2024), (4, 16), (6, 21, 30), 123_456_000, None)
        );
    }

    #[test]
    fn syslog_times_have_no_year() {
        assert_eq!(
            one("Jun 10 08:13:20 cp1 kubelet[1234]: started"),
            (
                at(None, (6, 10), (8, 13, 20), 0, None),
                "cp1 kubelet[1234]: started".into()
            )
        );
        assert_eq!(
            one("Jun  5 08:13:20 cp1 kernel: x"),
            (
                at(None, (6, 5), (8, 13, 20), 0, None),
                "cp1 kernel: x".into()
            )
        );
        assert_eq!(
            one("Jun 5 08:13:20.250 x").0,
            at(None, (6, 5), (8, 13, 20), 250_000_000, None)
        );
    }

    #[test]
    fn bracketed_times() {
        assert_eq!(
            one("[2024-06-10 08:00:00] starting backup"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 0, None),
                "starting backup".into()
            )
        );
        assert_eq!(
            one("[2024-06-10T08:00:00.25Z]"),
            (
                at(Some(2024), (6, 10), (8, 0, 0), 250_000_000, Some(0)),
                "".into()
            )
        );
    }

    #[test]
    fn talos_dmesg_lines_give_time_message_and_priority() {
        let out = run(concat!(
            "kern:    info: [2024-06-10T08:00:00.123456789Z]: eth0: link up\n",
            "kern:     err: [2024-06-10T08:00:01Z]: nvme0: I/O error\n",
            "kern: warning: [2024-06-10T08:00:02.5Z]: low memory\n",
            " SUBSYSTEM=net\n",
        )
        .as_bytes());
        let got: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.time, r.message.as_ref(), r.severity))
            .collect();
        assert_eq!(
            got,
            [
                (
                    at(Some(2024), (6, 10), (8, 0, 0), 123_456_789, Some(0)),
                    "eth0: link up",
                    Severity::Info
                ),
                (
                    at(Some(2024), (6, 10), (8, 0, 1), 0, Some(0)),
                    "nvme0: I/O error",
                    Severity::Error
                ),
                (
                    at(Some(2024), (6, 10), (8, 0, 2), 500_000_000, Some(0)),
                    "low memory",
                    Severity::Warning
                ),
                (RawTime::None, " SUBSYSTEM=net", Severity::Info),
            ]
        );
    }

    #[test]
    fn lines_without_a_recognisable_time_keep_their_whole_text() {
        let untimed = [
            "hello world",
            "I0610 08:13:20.123456    1234 kubelet.go:1] \"klog is not read here\"",
            "Junk 10 08:13:20 not a month",
            "Jun 10 8:13:20 one-digit hour",
            "2024-06-10T08:00:00Zfoo glued",
            "2024-06-10 is a date only",
            "20240610 compact",
            "[    1.234567] monotonic dmesg",
            "[2024-06-10 08:00:00 unclosed",
            "level=info msg=\"logfmt\"",
            "kern: nonsense: [2024-06-10T08:00:00Z]: unknown priority",
            "2024/13/10 08:00:00 bad month",
            "{\"level\":\"info\",\"ts\":\"2024-06-10T08:00:00Z\"}",
        ];
        for line in untimed {
            assert_eq!(one(line), (RawTime::None, line.to_string()), "{line:?}");
        }
    }

    #[test]
    fn blank_too_long_and_invalid_utf8_lines() {
        let mut input = b"first\n \t\ncaf\xe9\n".to_vec();
        input.resize(input.len() + MAX_LINE_BYTES + 1, b'x');
        input.extend_from_slice(b"\nlast without newline");
        let out = run(&input);
        let got: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.position.line, r.message.as_ref()))
            .collect();
        assert_eq!(
            got,
            [
                (1, "first"),
                (3, "caf\u{fffd}"),
                (5, "last without newline")
            ]
        );
        let skips: Vec<_> = out
            .skips
            .iter()
            .map(|s| (s.position.line, s.reason))
            .collect();
        assert_eq!(skips, [(2, SkipReason::Blank), (4, SkipReason::TooLong)]);
        assert_eq!(
            out.problems,
            [(
                Position {
                    line: 3,
                    offset: 9,
                    lines: 1
                },
                Problem::InvalidUtf8
            )]
        );
    }

    #[test]
    fn parse_uses_the_payload_decoder_on_the_message() {
        // With the decoder stub, the message is the text after the time; a
        // real decoder may refine it but never sees the time prefix.
        let mut out = Collect::default();
        parse(Chunk::whole(b"2024-06-10T08:00:00Z hello"), &mut out);
        assert_eq!(out.records[0].message, "hello");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic_and_are_accounted(input in proptest::collection::vec(any::<u8>(), 0..600)) {
            parse_whole(parse, &input);
        }

        #[test]
        fn time_like_prefixes_never_panic(s in "[0-9A-Za-z \\[\\]:.,/+TZ-]{0,40}") {
            let _ = leading_time(s.as_bytes());
        }
    }
}
