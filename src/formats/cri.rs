//! CRI container log files (`/var/log/pods/.../0.log`) and the timestamped
//! container output that bundles carry instead of them.
//!
//! A CRI line is `<time> <stream> <tags> <content>`, split on the first
//! three spaces only. The time is RFC 3339 as the runtime wrote it:
//! containerd trims the fraction (0-9 digits) and writes `Z` or `±hh:mm`,
//! CRI-O always writes 9 digits and a numeric offset. Both are read with the
//! shared lenient parser and reported as civil times with their offset;
//! nothing is converted here. Only the part of the tag before `:` counts
//! (`F:x` is `F`); empty content is accepted with or without the space after
//! the tag.
//!
//! `P` pieces are joined per stream until that stream's `F` (see `cri::join`,
//! shared with the Docker reader): the joined record keeps the first piece's
//! time and position and counts every piece in `lines`. containerd strips a
//! CRLF's `\r`; conmon keeps it as content, so the `\r` that
//! [`Lines`](super::lines::Lines) removes is put back on `P` pieces (where
//! it is content in the middle of the joined line) and the joined line's own
//! trailing `\r` is removed.
//!
//! Each line is recognised on its own, so a file may mix three shapes:
//!
//! - a CRI line → [`Format::Cri`] record (a CRI-shaped line whose time does
//!   not parse keeps its framing, gets no time and a `bad-timestamp` problem);
//! - `<RFC 3339 time> <content>` with no stream/tag (`kubectl logs
//!   --timestamps`, must-gather `current.log`, `docker logs -t`, `crictl
//!   logs -t`) → [`Format::Cri`] record with that time;
//! - anything else (an API error text saved in place of the log, a line cut
//!   by tailing) → [`Format::Plain`] record with no time. Blank lines are
//!   skipped.
//!
//! Every content line goes through `payload::decode`, so a klog or JSON line
//! inside gets its severity, message and fields. The stream (stdout/stderr)
//! is used for joining only: the record has no field for it, and stderr says
//! nothing about severity.
//!
//! Cost per line on the common path: one bounded `memchr` for the first
//! space, the RFC 3339 parse, two short comparisons, UTF-8 validation of the
//! content; no allocation unless pieces are joined or bytes are invalid.

pub(crate) mod join;

use std::borrow::Cow;

use self::join::{Decode, Joiner, Mark, Piece, Stream};
use super::lines::{Line, MAX_LINE_BYTES};
use super::{payload, Chunk};
use crate::record::Format;
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::{parse, CivilTime, RawTime};

/// The time field is searched for its closing space within this many bytes
/// (the longest sane RFC 3339 time is 35 bytes; fractions beyond 9 digits are ignored).
const TIME_FIELD_MAX: usize = 64;

/// How many lines of the head `sniff` looks at.
const SNIFF_LINES: usize = 16;

pub fn parse(chunk: Chunk<'_>, out: &mut dyn Emit) -> usize {
    parse_with(chunk, out, payload::decode)
}

/// [`parse()`] with the payload decoder as a parameter, so that tests can check
/// the framing independently of payload recognition.
pub(crate) fn parse_with(chunk: Chunk<'_>, out: &mut dyn Emit, decode: Decode) -> usize {
    let mut joiner = Joiner::new(Format::Cri, decode, chunk.at_eof, out);
    let mut lines = chunk.lines();
    while let Some(line) = lines.next() {
        joiner.before_line(line.number);
        read_line(&line, had_carriage_return(&chunk, &line), &mut joiner);
        joiner.after_line(lines.consumed());
    }
    joiner.finish(lines.consumed(), lines.next_number())
}

/// A line start at or after `near` where no partial line of either stream is open.
pub fn split_at(bytes: &[u8], near: usize) -> Option<usize> {
    join::split_at(bytes, near, &[Stream::Stdout, Stream::Stderr], mark)
}

/// Mostly CRI lines (with a zone), or mostly lines starting with the
/// kubelet's fixed 9-digit RFC 3339 time, among the first lines of `head`.
pub fn sniff(head: &[u8]) -> bool {
    let mut good = 0usize;
    let mut bad = 0usize;
    for line in head_lines(head).take(SNIFF_LINES) {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if looks_like_container_log(line) {
            good += 1;
        } else {
            bad += 1;
        }
    }
    good > 0 && bad * 4 <= good
}

/// One physical line, taken apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame<'a> {
    /// `<time> <stream> <P|F> <content>`; `time` is `None` when the time field does not parse.
    Piece {
        time: Option<CivilTime>,
        stream: Stream,
        partial: bool,
        content: &'a [u8],
    },
    /// `<time> <content>`: timestamped output with no stream or tag.
    Stamped { time: CivilTime, content: &'a [u8] },
    /// Neither.
    Bare,
}

fn read_line<'a>(line: &Line<'a>, carriage_return: bool, j: &mut Joiner<'a, '_>) {
    if line.is_too_long() {
        skip_too_long(line, j);
        return;
    }
    let position = line.position(1);
    match frame(line.bytes) {
        Frame::Piece {
            time,
            stream,
            partial,
            content,
        } => {
            if time.is_none() {
                j.problem(position, Problem::BadTimestamp);
            }
            j.piece(Piece {
                stream,
                last: !partial,
                time: time.map_or(RawTime::None, RawTime::Civil),
                content: piece_content(content, partial && carriage_return),
                position,
            });
        }
        Frame::Stamped { time, content } => {
            j.standalone(Format::Cri, RawTime::Civil(time), position, content)
        }
        Frame::Bare if line.is_blank() => j.skip(Skip {
            position,
            reason: SkipReason::Blank,
            detail: "".into(),
        }),
        Frame::Bare => j.standalone(Format::Plain, RawTime::None, position, line.bytes),
    }
}

/// A too-long line is skipped; if it belongs to a stream, that stream's open
/// partial line lost its continuation and is emitted as it is.
fn skip_too_long<'a>(line: &Line<'a>, j: &mut Joiner<'a, '_>) {
    if let Some(stream) = too_long_stream(line.bytes) {
        j.interrupt(stream);
    }
    j.skip(Skip {
        position: line.position(1),
        reason: SkipReason::TooLong,
        detail: format!(
            "line of {} bytes exceeds the limit of {MAX_LINE_BYTES} bytes",
            line.bytes.len()
        )
        .into(),
    });
}

/// The stream named by the head of a too-long line, if it is a CRI line.
fn too_long_stream(bytes: &[u8]) -> Option<Stream> {
    let head = &bytes[..bytes.len().min(TIME_FIELD_MAX + 16)];
    match frame(head) {
        Frame::Piece { stream, .. } => Some(stream),
        _ => None,
    }
}

/// The content of a piece, with the `\r` that line splitting removed put
/// back on partial pieces (it is content there, not a line end).
fn piece_content(content: &[u8], restore_cr: bool) -> Cow<'_, [u8]> {
    if restore_cr {
        let mut owned = Vec::with_capacity(content.len() + 1);
        owned.extend_from_slice(content);
        owned.push(b'\r');
        Cow::Owned(owned)
    } else {
        Cow::Borrowed(content)
    }
}

/// Did [`Lines`](super::lines::Lines) strip a `\r` from the end of `line`?
fn had_carriage_return(chunk: &Chunk<'_>, line: &Line<'_>) -> bool {
    let start = line.offset.saturating_sub(chunk.base_offset) as usize;
    chunk.bytes.get(start + line.bytes.len()) == Some(&b'\r')
}

/// Take one line apart. Never fails: anything unrecognised is [`Frame::Bare`].
fn frame(bytes: &[u8]) -> Frame<'_> {
    if !bytes.first().is_some_and(u8::is_ascii_digit) {
        return Frame::Bare;
    }
    let window = &bytes[..bytes.len().min(TIME_FIELD_MAX)];
    let Some(space) = memchr::memchr(b' ', window) else {
        // A time alone on its line: timestamped output of an empty line.
        return match time_field(bytes) {
            Some(time) => Frame::Stamped { time, content: &[] },
            None => Frame::Bare,
        };
    };
    let (field, rest) = (&bytes[..space], &bytes[space + 1..]);
    let time = time_field(field);
    if let Some((stream, partial, content)) = stream_and_tag(rest) {
        return Frame::Piece {
            time,
            stream,
            partial,
            content,
        };
    }
    match time {
        Some(time) => Frame::Stamped {
            time,
            content: rest,
        },
        None => Frame::Bare,
    }
}

/// The whole field is an RFC 3339 date-time with a `T` separator (offset optional).
fn time_field(field: &[u8]) -> Option<CivilTime> {
    let (time, used) = parse::rfc3339(field)?;
    let separator = *field.get(10)?;
    (used == field.len() && (separator == b'T' || separator == b't')).then_some(time)
}

/// `<stdout|stderr> <tag>[ <content>]` → (stream, partial, content).
fn stream_and_tag(rest: &[u8]) -> Option<(Stream, bool, &[u8])> {
    let (stream, after) = if let Some(after) = rest.strip_prefix(b"stdout ") {
        (Stream::Stdout, after)
    } else if let Some(after) = rest.strip_prefix(b"stderr ") {
        (Stream::Stderr, after)
    } else {
        return None;
    };
    let (tags, content) = match memchr::memchr(b' ', after) {
        Some(i) => (&after[..i], &after[i + 1..]),
        None => (after, &[][..]),
    };
    let tag = match memchr::memchr(b':', tags) {
        Some(i) => &tags[..i],
        None => tags,
    };
    let partial = match tag {
        b"P" => true,
        b"F" => false,
        _ => return None,
    };
    Some((stream, partial, content))
}

/// How [`split_at`] sees a line; mirrors [`read_line`].
fn mark(bytes: &[u8]) -> Mark {
    if bytes.len() > MAX_LINE_BYTES {
        return too_long_stream(bytes).map_or(Mark::Other, Mark::Close);
    }
    match frame(bytes) {
        Frame::Piece {
            stream,
            partial: true,
            ..
        } => Mark::Open(stream),
        Frame::Piece { stream, .. } => Mark::Close(stream),
        Frame::Stamped { .. } | Frame::Bare => Mark::Other,
    }
}

/// A CRI line with a zoned time, or a line starting with the kubelet's
/// fixed-width `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn<zone> ` time.
fn looks_like_container_log(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    match frame(line) {
        Frame::Piece {
            time: Some(time), ..
        } => time.offset.is_some(),
        Frame::Stamped { time, .. } => time.offset.is_some() && has_fixed_nanos(line),
        _ => false,
    }
}

/// `YYYY-MM-DDTHH:MM:SS.` followed by exactly nine digits.
fn has_fixed_nanos(line: &[u8]) -> bool {
    match line.get(19..30) {
        Some([b'.', digits @ .., after]) => {
            digits.iter().all(u8::is_ascii_digit) && !after.is_ascii_digit()
        }
        _ => false,
    }
}

/// The complete lines of a head (a last line without `\n` only when the
/// head holds no newline at all, i.e. is probably the whole small file).
pub(crate) fn head_lines(head: &[u8]) -> impl Iterator<Item = &[u8]> {
    let complete = match memchr::memrchr(b'\n', head) {
        Some(i) => &head[..i],
        None => head,
    };
    complete.split(|&b| b == b'\n')
}

#[cfg(test)]
mod tests;
