//! Test drivers shared by the format parsers' tests.
//!
//! Every parser promises the same contract (see the module docs of
//! `formats`): consume everything at eof, account for every line, and give
//! the same records whatever chunks the input arrives in. These helpers check
//! that contract in one place so that each parser's tests say only what is
//! particular to its format.

use std::borrow::Cow;

use crate::formats::lines::count_lines;
use crate::formats::Chunk;
use crate::record::{EventInfo, Record};
use crate::sink::{Collect, Emit, SkipReason};

/// A file parser: a format module's `parse`, or a local wrapper around a
/// variant entry point (such as `parse_with` and a fixed decoder).
pub(crate) type Parser = fn(Chunk<'_>, &mut dyn Emit) -> usize;

/// Pass-through payload decoder for the `parse_with` entry points: the
/// message is the exact framed content, so that framing is tested apart from
/// what the payload decoder later makes of klog or JSON lines.
pub(crate) fn raw<'x>(text: Cow<'x, str>, rec: &mut Record<'x>) {
    rec.message = text;
}

/// Parse `input` as one chunk; checks that everything is consumed and that
/// every line belongs to one record or skip (listing the skips if not).
pub(crate) fn parse_whole(parse: Parser, input: &[u8]) -> Collect {
    let mut out = Collect::default();
    let used = parse(Chunk::whole(input), &mut out);
    assert_eq!(used, input.len(), "everything is consumed at eof");
    assert_accounted(&out, input);
    out
}

/// The accounting invariant: every line of `input` belongs to exactly one
/// record or skip of `out` (the skips are listed when it fails).
pub(crate) fn assert_accounted(out: &Collect, input: &[u8]) {
    assert_eq!(
        out.lines_accounted(),
        count_lines(input),
        "every line belongs to one record or skip; skips: {:?}",
        out.skips
    );
}

/// The chunk of `input` from byte `start` to the end, positioned as a
/// streaming driver would hand it over.
pub(crate) fn chunk_at(input: &[u8], start: usize, at_eof: bool) -> Chunk<'_> {
    Chunk {
        bytes: &input[start..],
        first_line: 1 + count_lines(&input[..start]),
        base_offset: start as u64,
        at_eof,
    }
}

/// A non-final chunk at the start of an input: what a parser may hold back.
pub(crate) fn head(bytes: &[u8]) -> Chunk<'_> {
    Chunk {
        bytes,
        first_line: 1,
        base_offset: 0,
        at_eof: false,
    }
}

/// First `input[..cut]` as a non-final chunk, then the unconsumed rest at
/// eof, as a streaming driver would; checks the parser stops at a line start
/// and that the two calls together consume and account for the whole input.
pub(crate) fn parse_streamed(parse: Parser, input: &[u8], cut: usize) -> Collect {
    let mut out = Collect::default();
    let used = parse(head(&input[..cut]), &mut out);
    assert!(used <= cut);
    assert!(
        used == 0 || input[used - 1] == b'\n',
        "stops at a line start"
    );
    let rest = parse(chunk_at(input, used, true), &mut out);
    assert_eq!(used + rest, input.len(), "everything is consumed at eof");
    assert_accounted(&out, input);
    out
}

/// Feed `input` the way a streaming driver would: `step` more bytes at
/// a time, handing back what the parser left unconsumed.
pub(crate) fn parse_in_chunks(parse: Parser, input: &[u8], step: usize) -> Collect {
    let mut out = Collect::default();
    let (mut start, mut end, mut line) = (0usize, 0usize, 1u64);
    loop {
        end = (end + step.max(1)).min(input.len());
        let at_eof = end == input.len();
        let chunk = Chunk {
            bytes: &input[start..end],
            first_line: line,
            base_offset: start as u64,
            at_eof,
        };
        let used = parse(chunk, &mut out);
        if at_eof {
            assert_eq!(used, end - start, "everything is consumed at eof");
            break;
        }
        assert!(used <= end - start);
        assert!(
            used == 0 || input[start + used - 1] == b'\n',
            "a chunk is consumed up to a line start"
        );
        line += memchr::memchr_iter(b'\n', &input[start..start + used]).count() as u64;
        start += used;
    }
    out
}

/// Two parses of the same input gave the same records, skips and problems.
pub(crate) fn same(a: &Collect, b: &Collect) -> bool {
    a.records == b.records && a.skips == b.skips && a.problems == b.problems
}

/// Like [`same`], but says which part differs, and where (`what`).
pub(crate) fn assert_same(a: &Collect, b: &Collect, what: &str) {
    assert_eq!(a.records, b.records, "{what}: records");
    assert_eq!(a.skips, b.skips, "{what}: skips");
    assert_eq!(a.problems, b.problems, "{what}: problems");
}

/// Whole and chunked parsing give the same records, skips and problems.
pub(crate) fn assert_same_in_chunks(parse: Parser, input: &[u8], step: usize) {
    let whole = parse_whole(parse, input);
    let chunked = parse_in_chunks(parse, input, step);
    assert_same(&chunked, &whole, &format!("step {step}"));
}

/// (first line, lines, reason) of each skip, in emission order.
pub(crate) fn skips(out: &Collect) -> Vec<(u64, u32, SkipReason)> {
    out.skips
        .iter()
        .map(|s| (s.position.line, s.position.lines, s.reason))
        .collect()
}

/// The event details of a record that must have them (kubectl formats).
pub(crate) fn event<'r>(r: &'r Record<'static>) -> &'r EventInfo<'static> {
    r.event.as_deref().expect("event info")
}

/// A structured field of a record, owned.
pub(crate) fn field(r: &Record<'static>, key: &str) -> Option<String> {
    r.fields.get(key).map(|v| v.into_owned())
}
