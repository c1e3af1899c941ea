//! Docker `json-file` container logs (`<id>-json.log`, and what
//! `/var/log/pods` holds on dockershim / cri-dockerd nodes).
//!
//! One JSON object per line: `{"log":"...\n","stream":"stderr","time":"..."}`
//! with an optional `attrs` object (ignored). `log` holds the output line
//! *with* its `\n`; a `log` without one is a partial piece of a line longer
//! than 16 KiB, joined per stream until the piece that ends in `\n` (the
//! joining rules are shared with CRI, see `cri::join`).
//! The message loses its trailing `\n` and a TTY's `\r` before it; ANSI and
//! OSC escapes stay as text. A record without `log` is an empty line.
//!
//! Decoding is serde into a struct of borrowed values. Every complete
//! `log` ends in the escape `\n`, so `log` is taken raw and its text is
//! borrowed when that line end (with a TTY's `\r`) is its only escape; it
//! is unescaped into one allocation otherwise (`\u003c`, quotes, control
//! bytes). Docker's encoder replaces invalid UTF-8 with
//! U+FFFD, so raw invalid bytes mean damage: the line is read lossily and
//! reported.
//!
//! Times are `RFC3339Nano` in UTC. A time without zone (seen in edited test
//! data) is kept as a zone-less civil time, which the resolver places in the
//! file's zone, and reported as `bad-timestamp` since Docker never writes one.
//! Lines without `time` (the fluent-bit fixtures carry only `log`) have no
//! time; lines without `stream` are joined as one unnamed stream.
//!
//! A line that is not such an object is skipped as malformed, with an
//! excerpt and the JSON error.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::cri::join::{self, Decode, Joiner, Mark, Piece, Stream};
use super::lines::{Line, MAX_LINE_BYTES};
use super::{payload, Chunk};
use crate::record::{Format, Position};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::{parse, RawTime};

/// Characters of a malformed line quoted in its skip detail.
const EXCERPT_CHARS: usize = 80;

/// How many lines of the head `sniff` looks at.
const SNIFF_LINES: usize = 16;

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    parse_with(chunk, out, payload::decode)
}

/// [`parse()`] with the payload decoder as a parameter (tests check the framing alone).
pub(crate) fn parse_with(chunk: Chunk<'_>, out: &mut dyn Emit, decode: Decode) -> usize {
    let mut joiner = Joiner::new(Format::DockerJson, decode, chunk.at_eof, out);
    let mut lines = chunk.lines();
    while let Some(line) = lines.next() {
        joiner.before_line(line.number);
        read_line(&line, &mut joiner);
        joiner.after_line(lines.consumed());
    }
    joiner.finish(lines.consumed(), lines.next_number())
}

/// A line start at or after `near` where no partial line of any stream is open.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    join::split_at(
        bytes,
        near,
        &[Stream::Stdout, Stream::Stderr, Stream::Unnamed],
        mark,
    )
}

/// The first line starts like Docker's encoder writes (`{"log":` or, for an
/// empty line, `{"stream":`), and most of the first lines are json-file records.
pub fn sniff(head: &[u8]) -> bool {
    let mut lines = super::cri::head_lines(head).filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    let Some(first) = lines.next() else {
        return false;
    };
    if !(first.starts_with(br#"{"log":"#) || first.starts_with(br#"{"stream":""#)) {
        return false;
    }
    let (mut good, mut bad) = (0usize, 0usize);
    for line in std::iter::once(first).chain(lines).take(SNIFF_LINES) {
        match decode_line(&String::from_utf8_lossy(line)) {
            Ok(e) if e.log.is_some() || (e.stream.is_some() && e.time.is_some()) => good += 1,
            _ => bad += 1,
        }
    }
    good > 0 && bad * 4 <= good
}

/// A string that borrows from the input when it has no escapes.
///
/// Written out because serde's `Cow` support only borrows for a field of
/// type `Cow` itself, not inside `Option` or a newtype.
#[derive(Debug)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: serde::de::Error>(self, s: &'de str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Borrowed(s)))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Text<'de>, E> {
                Ok(Text(Cow::Owned(s)))
            }
        }
        d.deserialize_str(Visit)
    }
}

/// One json-file line as serde sees it. Unknown keys (`attrs`) are ignored.
/// `log` stays raw JSON: see [`log_text`].
#[derive(Debug, Deserialize)]
struct JsonLine<'a> {
    #[serde(borrow)]
    log: Option<&'a RawValue>,
    #[serde(borrow)]
    stream: Option<Text<'a>>,
    #[serde(borrow)]
    time: Option<Text<'a>>,
}

/// One json-file line, decoded.
#[derive(Debug, PartialEq, Eq)]
struct Entry<'a> {
    /// `log` without its final `\n`; `None` when the key is absent.
    log: Option<Cow<'a, str>>,
    /// `log` ended in `\n` (or was absent: an empty line).
    last: bool,
    /// `None` when absent; unknown names are [`Stream::Unnamed`].
    stream: Option<Stream>,
    time: Option<Cow<'a, str>>,
}

impl Entry<'_> {
    fn is_record(&self) -> bool {
        self.log.is_some() || self.stream.is_some() || self.time.is_some()
    }

    fn into_owned(self) -> Entry<'static> {
        let own = |t: Option<Cow<'_, str>>| t.map(|t| Cow::Owned(t.into_owned()));
        Entry {
            log: own(self.log),
            last: self.last,
            stream: self.stream,
            time: own(self.time),
        }
    }
}

fn decode_line(text: &str) -> Result<Entry<'_>, serde_json::Error> {
    let json: JsonLine<'_> = serde_json::from_str(text)?;
    let (log, last) = match json.log {
        Some(raw) => {
            let (text, last) = log_text(raw)?;
            (Some(text), last)
        }
        None => (None, true),
    };
    let stream = json.stream.map(|s| match s.0.as_ref() {
        "stdout" => Stream::Stdout,
        "stderr" => Stream::Stderr,
        _ => Stream::Unnamed,
    });
    Ok(Entry {
        log,
        last,
        stream,
        time: json.time.map(|t| t.0),
    })
}

/// The text of a `log` value without its final newline, and whether it had
/// one. Every complete line ends in the escape `\n` (often `\r\n`), so a
/// plain borrowing deserializer would allocate for every line; when that
/// line end is the only escape, the text before it is borrowed instead.
/// (The `\r` of a last piece may be dropped here: the joiner trims it anyway.)
fn log_text(raw: &RawValue) -> Result<(Cow<'_, str>, bool), serde_json::Error> {
    let json = raw.get();
    if let Some(inner) = json.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        let (body, last) = match inner.strip_suffix("\\n") {
            Some(body) => (body.strip_suffix("\\r").unwrap_or(body), true),
            None => (inner, false),
        };
        if memchr::memchr(b'\\', body.as_bytes()).is_none() {
            return Ok((Cow::Borrowed(body), last));
        }
    }
    let mut text: String = serde_json::from_str(json)?;
    let last = text.ends_with('\n');
    if last {
        text.pop();
    }
    Ok((Cow::Owned(text), last))
}

fn read_line<'a>(line: &Line<'a>, j: &mut Joiner<'a, '_>) {
    let position = line.position(1);
    if line.is_too_long() {
        j.skip(Skip {
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
        j.skip(Skip {
            position,
            reason: SkipReason::Blank,
            detail: "".into(),
        });
        return;
    }
    let parsed = match std::str::from_utf8(line.bytes) {
        Ok(text) => decode_line(text),
        Err(_) => {
            j.problem(position, Problem::InvalidUtf8);
            decode_line(&String::from_utf8_lossy(line.bytes)).map(Entry::into_owned)
        }
    };
    match parsed {
        Ok(entry) if entry.is_record() => add_piece(entry, position, j),
        Ok(_) => malformed(line, "no log, stream or time key", j),
        Err(e) => malformed(line, &e.to_string(), j),
    }
}

fn add_piece<'a>(entry: Entry<'a>, position: Position, j: &mut Joiner<'a, '_>) {
    let time = match &entry.time {
        Some(t) => time_value(t, position, j),
        None => RawTime::None,
    };
    let content = match entry.log {
        Some(Cow::Borrowed(s)) => Cow::Borrowed(s.as_bytes()),
        Some(Cow::Owned(s)) => Cow::Owned(s.into_bytes()),
        None => Cow::Borrowed(&[][..]),
    };
    j.piece(Piece {
        stream: entry.stream.unwrap_or(Stream::Unnamed),
        last: entry.last,
        time,
        content,
        position,
    });
}

/// The `time` value as a civil time; a missing zone or an unreadable value is reported.
fn time_value(value: &str, position: Position, j: &mut Joiner<'_, '_>) -> RawTime {
    match parse::rfc3339_exact(value.trim().as_bytes()) {
        Some(RawTime::Civil(c)) if c.offset.is_some() => RawTime::Civil(c),
        Some(zone_less) => {
            j.problem(position, Problem::BadTimestamp);
            zone_less
        }
        None => {
            j.problem(position, Problem::BadTimestamp);
            RawTime::None
        }
    }
}

fn malformed<'a>(line: &Line<'a>, why: &str, j: &mut Joiner<'a, '_>) {
    j.skip(Skip {
        position: line.position(1),
        reason: SkipReason::Malformed,
        detail: format!("not a json-file record ({why}): {}", excerpt(line.bytes)).into(),
    });
}

/// The start of a line, for messages.
fn excerpt(bytes: &[u8]) -> String {
    let head = &bytes[..bytes.len().min(4 * EXCERPT_CHARS)];
    let text = String::from_utf8_lossy(head);
    let mut chars = text.chars();
    let mut cut: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() || head.len() < bytes.len() {
        cut.push('…');
    }
    cut
}

/// How [`split_at`] sees a line; mirrors [`read_line`].
fn mark(bytes: &[u8]) -> Mark {
    if bytes.len() > MAX_LINE_BYTES {
        return Mark::Other;
    }
    match decode_line(&String::from_utf8_lossy(bytes)) {
        Ok(entry) if entry.is_record() => {
            let stream = entry.stream.unwrap_or(Stream::Unnamed);
            if entry.last {
                Mark::Close(stream)
            } else {
                Mark::Open(stream)
            }
        }
        _ => Mark::Other,
    }
}

#[cfg(test)]
mod tests;
