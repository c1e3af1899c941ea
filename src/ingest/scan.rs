//! Parse every input in parallel, large inputs in chunks.
//!
//! Work items are (input, chunk) pairs, so one 4 GiB journal keeps both
//! cores busy as well as a thousand small pod logs do. A chunk starts at a
//! point where the format says parsing may begin fresh (`split_at`), so each
//! chunk is parsed independently with `at_eof = true`. Line numbers of a
//! chunk's first line come from a newline count of the chunks before it
//! (memchr, far faster than parsing), so evidence cites true line numbers.

use rayon::prelude::*;

use crate::bundle::Bundle;
use crate::formats::detect::Detected;
use crate::formats::lines::count_lines;
use crate::formats::{self, Chunk};
use crate::record::Format;
use crate::sink::{Emit, Skip, SkipReason};

use super::normalize::{Normalizer, Normalizing};
use super::stats::{Counting, InputStats};
use super::{Options, Plan, PlannedInput};

/// A consumer of one chunk's records that can absorb the consumer of the next chunk.
pub trait Consumer: Emit + Send {
    /// Fold in the consumer of a *later* chunk of the same input.
    fn merge(&mut self, later: Self)
    where
        Self: Sized;
}

/// A consumer that only counts (the statistics are kept by the driver).
#[derive(Debug, Default)]
pub struct Discard;

impl Emit for Discard {
    fn record(&mut self, _record: crate::record::Record<'_>) {}
    fn skip(&mut self, _skip: Skip<'_>) {}
}

impl Consumer for Discard {
    fn merge(&mut self, _later: Self) {}
}

/// What a scan produced, per planned input (same order as `plan.inputs`).
pub struct ScanOutput<S> {
    pub stats: Vec<InputStats>,
    pub consumers: Vec<S>,
}

struct WorkItem {
    input: usize,
    start: usize,
    end: usize,
}

/// Parse all inputs of the plan, giving each chunk a fresh consumer from `make`.
pub fn scan<S, F>(bundle: &Bundle, plan: &Plan, options: &Options, make: F) -> ScanOutput<S>
where
    S: Consumer,
    F: Fn(&PlannedInput) -> S + Sync,
{
    let work: Vec<WorkItem> = plan
        .inputs
        .par_iter()
        .enumerate()
        .flat_map_iter(|(i, planned)| {
            let bytes = plan.input(bundle, planned).data.bytes();
            let bounds = match planned.detected {
                Detected::Text(format) => chunk_bounds(format, bytes, options.chunk_bytes),
                _ => vec![0, bytes.len()],
            };
            bounds
                .windows(2)
                .map(move |w| WorkItem {
                    input: i,
                    start: w[0],
                    end: w[1],
                })
                .collect::<Vec<_>>()
        })
        .collect();

    // Line number of each chunk's first line: 1 + lines in the chunks before it.
    let chunk_lines: Vec<u64> = work
        .par_iter()
        .map(|w| {
            let bytes = plan.input(bundle, &plan.inputs[w.input]).data.bytes();
            count_lines(&bytes[w.start..w.end])
        })
        .collect();
    let mut first_lines = Vec::with_capacity(work.len());
    let mut previous_input = usize::MAX;
    let mut next_line = 1;
    for (w, lines) in work.iter().zip(&chunk_lines) {
        if w.input != previous_input {
            next_line = 1;
            previous_input = w.input;
        }
        first_lines.push(next_line);
        next_line += lines;
    }

    let results: Vec<(usize, InputStats, S)> = work
        .par_iter()
        .zip(first_lines.par_iter().zip(chunk_lines.par_iter()))
        .map(|(w, (&first_line, &lines))| {
            let planned = &plan.inputs[w.input];
            let input = plan.input(bundle, planned);
            let bytes = &input.data.bytes()[w.start..w.end];
            let mut consumer = make(planned);
            let mut stats = parse_chunk(planned, input, bytes, first_line, w.start, &mut consumer);
            stats.lines_read = lines;
            (w.input, stats, consumer)
        })
        .collect();

    let mut stats: Vec<Option<InputStats>> = (0..plan.inputs.len()).map(|_| None).collect();
    let mut consumers: Vec<Option<S>> = (0..plan.inputs.len()).map(|_| None).collect();
    for (i, s, c) in results {
        match &mut stats[i] {
            Some(existing) => existing.merge(s),
            slot => *slot = Some(s),
        }
        match &mut consumers[i] {
            Some(existing) => existing.merge(c),
            slot => *slot = Some(c),
        }
    }
    ScanOutput {
        stats: stats.into_iter().map(Option::unwrap_or_default).collect(),
        consumers: consumers
            .into_iter()
            .map(|c| c.expect("every input yields at least one chunk"))
            .collect(),
    }
}

/// Parse one chunk of an input into `consumer`, returning its statistics.
fn parse_chunk<S: Emit>(
    planned: &PlannedInput,
    input: &crate::bundle::Input,
    bytes: &[u8],
    first_line: u64,
    base_offset: usize,
    consumer: &mut S,
) -> InputStats {
    let mut counting = Counting {
        stats: InputStats::default(),
        inner: consumer,
    };
    match planned.detected {
        Detected::Text(format) => {
            let mut normalizer = Normalizer::new(
                &planned.context,
                input.node.as_deref(),
                input.source.as_deref(),
            );
            let mut sink = Normalizing {
                normalizer: &mut normalizer,
                inner: &mut counting,
            };
            let chunk = Chunk {
                bytes,
                first_line,
                base_offset: base_offset as u64,
                at_eof: true,
            };
            let consumed = formats::parse(format, chunk, &mut sink);
            if consumed < bytes.len() {
                account_leftover(
                    format,
                    &bytes[consumed..],
                    first_line,
                    base_offset + consumed,
                    &mut counting,
                );
            }
        }
        Detected::Binary => skip_all(
            bytes,
            SkipReason::Binary,
            "binary content (NUL or control bytes); not a log",
            &mut counting,
        ),
        Detected::Empty => {}
    }
    counting.stats
}

/// A parser that did not consume everything at end of input broke its
/// contract; keep the invariant and make the loss visible instead of hiding it.
fn account_leftover(
    format: Format,
    rest: &[u8],
    first_line: u64,
    offset: usize,
    out: &mut dyn Emit,
) {
    let position = crate::record::Position {
        line: first_line,
        offset: offset as u64,
        lines: count_lines(rest) as u32,
    };
    let detail = format!("{format} parser left {} bytes unparsed", rest.len());
    out.skip(Skip {
        position,
        reason: SkipReason::Malformed,
        detail: detail.into(),
    });
}

fn skip_all(bytes: &[u8], reason: SkipReason, detail: &str, out: &mut dyn Emit) {
    let lines = count_lines(bytes);
    if lines > 0 {
        let position = crate::record::Position {
            line: 1,
            offset: 0,
            lines: lines.min(u32::MAX as u64) as u32,
        };
        out.skip(Skip {
            position,
            reason,
            detail: detail.into(),
        });
    }
}

/// Chunk boundaries for an input: `[0, b1, ..., len]`, each `bi` a place
/// where the format may start parsing fresh.
pub fn chunk_bounds(format: Format, bytes: &[u8], chunk_bytes: usize) -> Vec<usize> {
    let mut bounds = vec![0];
    let mut near = chunk_bytes.max(1);
    while near < bytes.len() {
        match formats::split_at(format, bytes, near) {
            Some(at) if at > *bounds.last().unwrap_or(&0) && at < bytes.len() => {
                bounds.push(at);
                near = at + chunk_bytes.max(1);
            }
            _ => break,
        }
    }
    bounds.push(bytes.len());
    bounds
}
