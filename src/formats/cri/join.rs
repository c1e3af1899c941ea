//! Joining partial container-output lines: the state machine shared by the
//! CRI reader and the Docker json-file reader.
//!
//! Both runtimes cut long output lines into pieces. CRI marks every piece but
//! the last with the tag `P`; Docker leaves the trailing `\n` off every piece
//! but the last. The pieces of one line are joined per stream (stdout and
//! stderr are separate pipes, so the other stream may be interleaved), using
//! the first piece's time and position; the record's `lines` counts every
//! piece it joined.
//!
//! # When a group closes
//!
//! A group of pieces closes, and becomes one record, when
//!
//! - the last piece of its stream arrives (`F`, or a `log` ending in `\n`);
//! - the input ends (a container killed mid-line leaves a final `P`);
//! - a line of the same stream cannot be read (too long): the group is
//!   emitted with [`Problem::Truncated`];
//! - its content reaches [`MAX_JOINED_BYTES`]: the record is cut there with
//!   [`Problem::Truncated`] and the following pieces start a new record, so
//!   memory stays bounded whatever the input;
//! - its stream stays silent for more than [`STALE_LINES`] lines: an orphan
//!   `P` in the middle of a damaged file must not hold back the rest of the
//!   file (see streaming below). Real writers put the pieces of one line
//!   within a few lines of each other.
//!
//! Every rule depends only on the content and on line numbers, never on
//! where a chunk ends, which is what makes streamed and parallel parsing
//! give the same records as one pass over the whole input.
//!
//! # Streaming
//!
//! With `at_eof == false` a chunk may end while a group is open. The joiner
//! then *stages* everything it would emit after the last line boundary at
//! which no group was open ("clean point"), and at the end of the chunk
//! drops the staged events and reports the clean point as the bytes
//! consumed; the caller hands the rest back with more bytes. Staging only
//! happens while a group is open, so the common path (every line an `F`)
//! emits straight to the consumer. Records borrow from the chunk, so a staged
//! record costs a move, not a copy.
//!
//! # Splitting
//!
//! [`split_at`] finds a line start where no group is open by replaying the
//! stream/tag marks of a bounded window before it ([`STALE_LINES`] lines,
//! at most [`LOOKBACK_BYTES`]): a stream whose last mark in the window is a
//! final piece is closed, a stream not seen for [`STALE_LINES`] lines is
//! closed by the staleness rule. The size cut is ignored there, which can
//! only make it miss a split point, never report a wrong one.

use std::borrow::Cow;

use crate::formats::lines::{Lines, MAX_LINE_BYTES};
use crate::record::{Format, Position, Record};
use crate::sink::{Emit, Problem, Skip};
use crate::time::RawTime;

/// A pending group whose stream produced no piece for more than this many
/// lines is closed as it is.
pub(crate) const STALE_LINES: u64 = 4096;

/// Joined content is cut into a new record when it reaches this size.
pub(crate) const MAX_JOINED_BYTES: usize = MAX_LINE_BYTES;

/// How far [`split_at`] looks back for the state of the streams.
pub(crate) const LOOKBACK_BYTES: usize = 8 << 20;

/// How far past `near` [`split_at`] searches for a clean line start.
pub(crate) const SEARCH_BYTES: usize = 8 << 20;

/// The payload decoder applied to every content line: `payload::decode` in
/// production, a pass-through in tests of the framing alone.
pub(crate) type Decode = for<'x> fn(Cow<'x, str>, &mut Record<'x>);

/// Which pipe of the container a piece came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Stdout,
    Stderr,
    /// No stream named (the fluent-bit fixtures carry only `log`), or an unknown name.
    Unnamed,
}

impl Stream {
    const COUNT: usize = 3;

    fn index(self) -> usize {
        match self {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
            Stream::Unnamed => 2,
        }
    }
}

/// One physical line's share of a container output line.
#[derive(Debug)]
pub(crate) struct Piece<'a> {
    pub stream: Stream,
    /// The last piece of its output line (CRI `F`, Docker `log` ending in `\n`).
    pub last: bool,
    pub time: RawTime,
    /// The piece's bytes without the `\n` that ends a last piece (a `\r`
    /// before it is content of the piece and trimmed from the finished line).
    pub content: Cow<'a, [u8]>,
    /// The physical line (`lines == 1`).
    pub position: Position,
}

/// Pieces of one stream waiting for their last piece.
#[derive(Debug)]
struct Pending {
    time: RawTime,
    /// First piece's line and offset; `lines` counts the pieces so far.
    position: Position,
    content: Vec<u8>,
    /// Line number of the newest piece, for the staleness rule.
    last_line: u64,
}

impl Pending {
    fn start(piece: &Piece<'_>) -> Pending {
        Pending {
            time: piece.time,
            position: piece.position,
            content: piece.content.to_vec(),
            last_line: piece.position.line,
        }
    }

    fn add(&mut self, piece: &Piece<'_>) {
        self.content.extend_from_slice(&piece.content);
        self.position.lines = self.position.lines.saturating_add(1);
        self.last_line = piece.position.line;
    }
}

/// An emission held back until the chunk reaches a clean point.
enum Staged<'a> {
    Record(Record<'a>),
    Skip(Skip<'a>),
    Problem(Position, Problem),
}

/// Joins pieces per stream and emits records, skips and problems in input order.
pub(crate) struct Joiner<'a, 'o> {
    out: &'o mut dyn Emit,
    format: Format,
    decode: Decode,
    at_eof: bool,
    pending: [Option<Pending>; Stream::COUNT],
    open: usize,
    staged: Vec<Staged<'a>>,
    /// Chunk bytes up to the last line boundary with no group open.
    clean_end: usize,
}

impl<'a, 'o> Joiner<'a, 'o> {
    /// `format` is given to joined records; `at_eof` is the chunk's.
    pub fn new(format: Format, decode: Decode, at_eof: bool, out: &'o mut dyn Emit) -> Self {
        Joiner {
            out,
            format,
            decode,
            at_eof,
            pending: [None, None, None],
            open: 0,
            staged: Vec::new(),
            clean_end: 0,
        }
    }

    /// Call before reading line `number`: closes groups gone stale.
    #[inline]
    pub fn before_line(&mut self, number: u64) {
        if self.open > 0 {
            self.close_where(|p| number.saturating_sub(p.last_line) > STALE_LINES);
        }
    }

    /// Call after each line with the chunk bytes consumed so far.
    #[inline]
    pub fn after_line(&mut self, consumed: usize) {
        if self.open == 0 {
            self.release();
            self.clean_end = consumed;
        }
    }

    /// End of the chunk: flush (at eof) or roll back to the clean point.
    /// Returns the bytes consumed. `next_line` is the number of the line
    /// after the last one read.
    pub fn finish(mut self, consumed: usize, next_line: u64) -> usize {
        if self.at_eof {
            self.close_where(|_| true);
            self.release();
            return consumed;
        }
        // The staleness check of the next line depends only on its number,
        // so it can run now, as it will when that line is read.
        self.before_line(next_line);
        self.after_line(consumed);
        self.clean_end
    }

    /// Add one piece; emits a record when it completes a line.
    pub fn piece(&mut self, piece: Piece<'a>) {
        let slot = piece.stream.index();
        let Some(mut group) = self.pending[slot].take() else {
            if piece.last {
                self.emit_text(self.format, piece.time, piece.position, piece.content, None);
            } else {
                self.open += 1;
                self.keep_or_cut(slot, Pending::start(&piece));
            }
            return;
        };
        group.add(&piece);
        if piece.last {
            self.open -= 1;
            self.emit_group(group, None);
        } else {
            self.keep_or_cut(slot, group);
        }
    }

    /// A line of `stream` could not be read: its open group ends incomplete.
    pub fn interrupt(&mut self, stream: Stream) {
        if let Some(group) = self.pending[stream.index()].take() {
            self.open -= 1;
            self.emit_group(group, Some(Problem::Truncated));
        }
    }

    /// Emit a record for one line of content that does not take part in
    /// joining (a timestamped or bare line).
    pub fn standalone(
        &mut self,
        format: Format,
        time: RawTime,
        position: Position,
        content: &'a [u8],
    ) {
        self.emit_text(format, time, position, Cow::Borrowed(content), None);
    }

    #[inline]
    pub fn skip(&mut self, skip: Skip<'a>) {
        if self.direct() {
            self.out.skip(skip);
        } else {
            self.staged.push(Staged::Skip(skip));
        }
    }

    #[inline]
    pub fn problem(&mut self, position: Position, problem: Problem) {
        if self.direct() {
            self.out.problem(position, problem);
        } else {
            self.staged.push(Staged::Problem(position, problem));
        }
    }

    #[inline]
    fn record(&mut self, record: Record<'a>) {
        if self.direct() {
            self.out.record(record);
        } else {
            self.staged.push(Staged::Record(record));
        }
    }

    /// Emit straight to the consumer: nothing can be rolled back.
    #[inline]
    fn direct(&self) -> bool {
        self.at_eof || (self.open == 0 && self.staged.is_empty())
    }

    fn release(&mut self) {
        for event in self.staged.drain(..) {
            match event {
                Staged::Record(r) => self.out.record(r),
                Staged::Skip(s) => self.out.skip(s),
                Staged::Problem(p, k) => self.out.problem(p, k),
            }
        }
    }

    fn keep_or_cut(&mut self, slot: usize, group: Pending) {
        if group.content.len() >= MAX_JOINED_BYTES {
            self.open -= 1;
            self.emit_group(group, Some(Problem::Truncated));
        } else {
            self.pending[slot] = Some(group);
        }
    }

    /// Close the groups matching `pred`, oldest first piece first.
    fn close_where(&mut self, pred: impl Fn(&Pending) -> bool) {
        let mut order = [0, 1, 2];
        order.sort_by_key(|&i| {
            self.pending[i]
                .as_ref()
                .map_or(u64::MAX, |p| p.position.line)
        });
        for slot in order {
            if self.pending[slot].as_ref().is_some_and(&pred) {
                if let Some(group) = self.pending[slot].take() {
                    self.open -= 1;
                    self.emit_group(group, None);
                }
            }
        }
    }

    fn emit_group(&mut self, group: Pending, problem: Option<Problem>) {
        self.emit_text(
            self.format,
            group.time,
            group.position,
            Cow::Owned(group.content),
            problem,
        );
    }

    /// Build the record of one output line: trailing `\r` removed, text
    /// decoded (lossily, with a problem), payload recognised.
    #[inline]
    fn emit_text(
        &mut self,
        format: Format,
        time: RawTime,
        position: Position,
        content: Cow<'a, [u8]>,
        problem: Option<Problem>,
    ) {
        let (text, lossy) = into_text(trim_carriage_return(content));
        let mut record = Record::new(format, position, Cow::Borrowed(""));
        record.time = time;
        (self.decode)(text, &mut record);
        self.record(record);
        if lossy {
            self.problem(position, Problem::InvalidUtf8);
        }
        if let Some(problem) = problem {
            self.problem(position, problem);
        }
    }
}

/// Remove one trailing `\r` from a finished line: the format removed the
/// `\n`, and the `\r` before it is the rest of a CRLF (Docker TTY output,
/// conmon keeps it as content; containerd already strips it).
fn trim_carriage_return(content: Cow<'_, [u8]>) -> Cow<'_, [u8]> {
    fn cut(b: &[u8]) -> usize {
        b.strip_suffix(b"\r").unwrap_or(b).len()
    }
    match content {
        Cow::Borrowed(b) => Cow::Borrowed(&b[..cut(b)]),
        Cow::Owned(mut v) => {
            v.truncate(cut(&v));
            Cow::Owned(v)
        }
    }
}

/// Bytes as text, borrowed when valid UTF-8; `true` when bytes were replaced.
fn into_text(content: Cow<'_, [u8]>) -> (Cow<'_, str>, bool) {
    match content {
        Cow::Borrowed(b) => match std::str::from_utf8(b) {
            Ok(s) => (Cow::Borrowed(s), false),
            Err(_) => (Cow::Owned(String::from_utf8_lossy(b).into_owned()), true),
        },
        Cow::Owned(v) => match String::from_utf8(v) {
            Ok(s) => (Cow::Owned(s), false),
            Err(e) => (
                Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
                true,
            ),
        },
    }
}

/// What [`split_at`] needs to know about one physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// Takes no part in joining.
    Other,
    /// A non-last piece of `stream`: its group is (or stays) open.
    Open(Stream),
    /// A last piece of `stream`, or a line that ends its group (too long).
    Close(Stream),
}

/// What [`split_at`] knows about one stream at a line boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum GroupState {
    Closed,
    /// Not seen since the start of the window, which is not the start of the input.
    Unknown,
    /// Last non-last piece seen at window line `last`.
    Open {
        last: u64,
    },
}

impl GroupState {
    /// Apply the staleness rule before window line `index`.
    fn expire(&mut self, index: u64) {
        let stale = match *self {
            GroupState::Closed => false,
            // A group open before the window had its last piece at index -1 at best.
            GroupState::Unknown => index >= STALE_LINES,
            GroupState::Open { last } => index - last > STALE_LINES,
        };
        if stale {
            *self = GroupState::Closed;
        }
    }
}

/// A line start at or after `near` where no group of any stream is open,
/// judged by `mark` (which must classify lines exactly as the parser does;
/// `streams` are the streams it can return). `None` when none is found
/// within [`SEARCH_BYTES`] or the state is unsure.
pub(crate) fn split_at(
    bytes: &[u8],
    near: usize,
    streams: &[Stream],
    mark: impl Fn(&[u8]) -> Mark,
) -> Option<usize> {
    if near == 0 {
        return Some(0);
    }
    let first = crate::formats::next_line_start(bytes, near)?;
    let start = lookback_start(bytes, first);
    let mut state = [GroupState::Closed; Stream::COUNT];
    if start > 0 {
        for stream in streams {
            state[stream.index()] = GroupState::Unknown;
        }
    }
    let limit = near.saturating_add(SEARCH_BYTES);
    let window = bytes.get(start..)?;
    for line in Lines::new(window, 0, start as u64, true) {
        let at = line.offset as usize;
        for group in state.iter_mut() {
            group.expire(line.number);
        }
        if at >= first {
            if state.iter().all(|g| *g == GroupState::Closed) {
                return Some(at);
            }
            if at > limit {
                return None;
            }
        }
        match mark(line.bytes) {
            Mark::Other => {}
            Mark::Open(s) => state[s.index()] = GroupState::Open { last: line.number },
            Mark::Close(s) => state[s.index()] = GroupState::Closed,
        }
    }
    None
}

/// Start of the line [`STALE_LINES`] lines before the line starting at
/// `first` (fewer when [`LOOKBACK_BYTES`] or the input start comes first).
fn lookback_start(bytes: &[u8], first: usize) -> usize {
    if first == 0 {
        return 0;
    }
    let floor = first.saturating_sub(LOOKBACK_BYTES);
    // bytes[first - 1] is the `\n` that ends the line before `first`.
    let Some(before) = bytes.get(floor..first - 1) else {
        return first;
    };
    let back = STALE_LINES as usize;
    match memchr::memrchr_iter(b'\n', before).nth(back - 1) {
        Some(i) => floor + i + 1,
        None if floor == 0 => 0,
        None => memchr::memchr(b'\n', before).map_or(first, |i| floor + i + 1),
    }
}

/// Throughput measurement for the `#[ignore]`d speed tests of the container readers.
#[cfg(test)]
pub(crate) mod bench {
    use crate::formats::Chunk;
    use crate::record::Record;
    use crate::sink::{Emit, Skip};

    /// Counts records and message bytes, so that nothing is optimised away.
    struct Count(usize, usize);

    impl Emit for Count {
        fn record(&mut self, r: Record<'_>) {
            self.0 += 1;
            self.1 += r.message.len();
        }
        fn skip(&mut self, _: Skip<'_>) {}
    }

    /// CPU time of this thread in nanoseconds (Linux), so that other jobs on
    /// a shared machine do not distort the figure.
    fn thread_cpu_ns() -> Option<u64> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        stat.split_whitespace().next()?.parse().ok()
    }

    /// Parse `lines` repeated to ~50 MB a few times; print MB/s by wall and CPU time.
    pub(crate) fn report(name: &str, lines: &[&str], parse: fn(Chunk<'_>, &mut dyn Emit) -> usize) {
        let mut input = String::new();
        while input.len() < 50 << 20 {
            for l in lines {
                input.push_str(l);
            }
        }
        let rounds = 5;
        let mut sink = Count(0, 0);
        let (wall, cpu) = (std::time::Instant::now(), thread_cpu_ns());
        for _ in 0..rounds {
            parse(Chunk::whole(input.as_bytes()), &mut sink);
        }
        let wall = wall.elapsed().as_secs_f64();
        let cpu = cpu.zip(thread_cpu_ns()).map(|(a, b)| (b - a) as f64 / 1e9);
        let mb = (input.len() * rounds) as f64 / 1e6;
        println!(
            "{name}: {:.0} MB/s wall, {} MB/s CPU ({} records of {} MB)",
            mb / wall,
            cpu.map_or("?".into(), |c| format!("{:.0}", mb / c)),
            sink.0 / rounds,
            input.len() >> 20
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::Collect;

    fn raw<'x>(text: Cow<'x, str>, rec: &mut Record<'x>) {
        rec.message = text;
    }

    fn piece(stream: Stream, last: bool, line: u64, content: &str) -> Piece<'_> {
        Piece {
            stream,
            last,
            time: RawTime::None,
            content: Cow::Borrowed(content.as_bytes()),
            position: Position {
                line,
                offset: line * 100,
                lines: 1,
            },
        }
    }

    #[test]
    fn a_finished_line_loses_one_trailing_carriage_return() {
        let t = |s: &'static [u8]| trim_carriage_return(Cow::Borrowed(s)).into_owned();
        assert_eq!(t(b"ls\r"), b"ls");
        assert_eq!(t(b"ls\r\r"), b"ls\r");
        assert_eq!(t(b"ls\n"), b"ls\n");
        assert_eq!(t(b"a\rb"), b"a\rb");
        assert_eq!(trim_carriage_return(Cow::Owned(b"x\r".to_vec())), &b"x"[..]);
    }

    #[test]
    fn staged_events_are_dropped_when_the_chunk_ends_inside_a_group() {
        let mut out = Collect::default();
        let mut j = Joiner::new(Format::Cri, raw, false, &mut out);
        j.piece(piece(Stream::Stdout, true, 1, "one"));
        j.after_line(10);
        j.piece(piece(Stream::Stdout, false, 2, "par"));
        j.after_line(20);
        j.piece(piece(Stream::Stderr, true, 3, "err"));
        j.after_line(30);
        assert_eq!(j.finish(30, 4), 10);
        let messages: Vec<_> = out.records.iter().map(|r| r.message.as_ref()).collect();
        assert_eq!(messages, ["one"]);
    }

    #[test]
    fn staged_events_are_released_in_order_once_the_group_closes() {
        let mut out = Collect::default();
        let mut j = Joiner::new(Format::Cri, raw, false, &mut out);
        j.piece(piece(Stream::Stdout, false, 1, "a "));
        j.after_line(10);
        j.piece(piece(Stream::Stderr, true, 2, "err"));
        j.after_line(20);
        j.piece(piece(Stream::Stdout, true, 3, "b"));
        j.after_line(30);
        assert_eq!(j.finish(30, 4), 30);
        let got: Vec<_> = out
            .records
            .iter()
            .map(|r| (r.message.as_ref(), r.position.line, r.position.lines))
            .collect();
        assert_eq!(got, [("err", 2, 1), ("a b", 1, 2)]);
    }

    #[test]
    fn lookback_starts_stale_lines_back_or_at_the_input_start() {
        let text = "x\n".repeat(STALE_LINES as usize + 10);
        let first = 2 * (STALE_LINES as usize + 5);
        assert_eq!(lookback_start(text.as_bytes(), first), 2 * 5);
        assert_eq!(lookback_start(text.as_bytes(), 6), 0);
        assert_eq!(lookback_start(text.as_bytes(), 0), 0);
    }
}
