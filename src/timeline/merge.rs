//! k-way merge of per-input record streams by resolved time.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rayon::prelude::*;

use crate::bundle::{Bundle, Input};
use crate::ingest::stream::InputStream;
use crate::ingest::Plan;
use crate::record::{Position, Record};
use crate::sink::{Emit, Problem, Skip};
use crate::time::TimeBasis;

use super::Filter;

/// What the merge saw besides the records it wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MergeSummary {
    pub written: u64,
    /// Records written after a later record of another input, because their
    /// own input delivered them out of order beyond one block.
    pub late: u64,
    /// Records with no time, left out (unless `Filter::untimed`).
    pub untimed_left_out: u64,
    /// Records folded because another capture of the same entry was already written.
    pub duplicates_folded: u64,
}

/// Input bytes parsed ahead across all inputs. Owned records take about three
/// times the bytes they came from, so this keeps the merge's buffers near
/// 150 MiB whatever the bundle size; only the number of inputs (times
/// `MIN_BLOCK`) can raise it.
const BLOCK_BUDGET: usize = 48 << 20;
const MIN_BLOCK: usize = 16 << 10;
const MAX_BLOCK: usize = 4 << 20;

struct Source<'b> {
    input: &'b Input,
    stream: InputStream<'b>,
    buffer: VecDeque<Record<'static>>,
    /// Time of the last record handed out (to count late records).
    last_out: i64,
}

/// Keeps the selected records of one block, owned, until they are written.
struct Selected<'f, 'b> {
    filter: &'f Filter,
    input: &'b Input,
    timed: Vec<Record<'static>>,
    untimed: Vec<Record<'static>>,
    untimed_seen: u64,
}

impl Emit for Selected<'_, '_> {
    fn record(&mut self, record: Record<'_>) {
        let untimed = record.resolved.basis == TimeBasis::None;
        if untimed {
            self.untimed_seen += 1;
        }
        if self.filter.accepts(&record, self.input) {
            let owned = record.into_owned();
            if untimed {
                self.untimed.push(owned);
            } else {
                self.timed.push(owned);
            }
        }
    }
    fn skip(&mut self, _skip: Skip<'_>) {}
    fn problem(&mut self, _position: Position, _problem: Problem) {}
}

/// Merge every input of the plan by time, calling `write` for each selected
/// record in order. Untimed records (if selected) come last, input by input.
pub fn merge(
    bundle: &Bundle,
    plan: &Plan,
    filter: &Filter,
    mut write: impl FnMut(&Record<'static>, &Input) -> std::io::Result<()>,
) -> std::io::Result<MergeSummary> {
    let mut captures = Captures::default();
    let block = (BLOCK_BUDGET / plan.inputs.len().max(1)).clamp(MIN_BLOCK, MAX_BLOCK);
    let mut sources: Vec<Source<'_>> = plan
        .inputs
        .iter()
        .map(|p| {
            let input = plan.input(bundle, p);
            Source {
                input,
                stream: InputStream::new(p, input, block),
                buffer: VecDeque::new(),
                last_out: i64::MIN,
            }
        })
        .collect();
    let mut untimed: Vec<(usize, Record<'static>)> = Vec::new();
    let mut summary = MergeSummary::default();

    // First blocks of all inputs in parallel; later refills happen one at a time as the merge drains them.
    let firsts: Vec<(Vec<Record<'static>>, u64)> =
        sources.par_iter_mut().map(|s| refill(s, filter)).collect();
    for (i, (u, seen)) in firsts.into_iter().enumerate() {
        untimed.extend(u.into_iter().map(|r| (i, r)));
        summary.untimed_left_out += seen;
    }

    let mut heap: BinaryHeap<Reverse<(i64, usize)>> = BinaryHeap::new();
    for (i, s) in sources.iter().enumerate() {
        if let Some(r) = s.buffer.front() {
            heap.push(Reverse((r.resolved.unix_ns, i)));
        }
    }
    while let Some(Reverse((_, i))) = heap.pop() {
        let source = &mut sources[i];
        let Some(record) = source.buffer.pop_front() else {
            continue;
        };
        if record.resolved.unix_ns < source.last_out {
            summary.late += 1;
        }
        source.last_out = source.last_out.max(record.resolved.unix_ns);
        if filter.fold_duplicates && captures.seen_elsewhere(&record, i) {
            summary.duplicates_folded += 1;
        } else {
            write(&record, source.input)?;
            summary.written += 1;
        }
        if source.buffer.is_empty() {
            let (u, seen) = refill(source, filter);
            untimed.extend(u.into_iter().map(|r| (i, r)));
            summary.untimed_left_out += seen;
        }
        if let Some(next) = source.buffer.front() {
            heap.push(Reverse((next.resolved.unix_ns, i)));
        }
    }
    for (i, record) in &untimed {
        write(record, sources[*i].input)?;
        summary.written += 1;
    }
    summary.untimed_left_out -= untimed.len() as u64;
    Ok(summary)
}

/// Bundles often hold the same journal entry several times: a collector's
/// journal capture, a sosreport's whole journal and its per-unit journal, an
/// export. Records of *different* inputs with the same node, component and
/// message less than a second apart are taken as one entry (text journals
/// print whole seconds, exports microseconds); repeats within one input are
/// real repeats and are all kept.
#[derive(Default)]
struct Captures {
    /// (time, key, input) of records written in the last second, oldest first.
    recent: VecDeque<(i64, u64, usize)>,
}

impl Captures {
    const WINDOW_NS: i64 = 1_000_000_000;

    /// True when an equal record of another input was written within the window.
    /// Records are offered in time order, so the window slides forward.
    fn seen_elsewhere(&mut self, record: &Record<'_>, input: usize) -> bool {
        let t = record.resolved.unix_ns;
        while self
            .recent
            .front()
            .is_some_and(|(old, _, _)| t - old >= Self::WINDOW_NS)
        {
            self.recent.pop_front();
        }
        let key = capture_key(record);
        if self
            .recent
            .iter()
            .any(|&(_, k, from)| k == key && from != input)
        {
            return true;
        }
        self.recent.push_back((t, key, input));
        false
    }
}

fn capture_key(record: &Record<'_>) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    record.node.hash(&mut h);
    record.component.hash(&mut h);
    record.message.hash(&mut h);
    h.finish()
}

/// Parse blocks of one source until it has selected timed records buffered
/// or is exhausted. Returns the selected untimed records met on the way and
/// how many untimed records were seen in all.
fn refill(source: &mut Source<'_>, filter: &Filter) -> (Vec<Record<'static>>, u64) {
    let mut untimed = Vec::new();
    let mut seen = 0;
    while source.buffer.is_empty() && !source.stream.is_done() {
        let mut selected = Selected {
            filter,
            input: source.input,
            timed: Vec::new(),
            untimed: Vec::new(),
            untimed_seen: 0,
        };
        if !source.stream.next_block(&mut selected) {
            break;
        }
        selected.timed.sort_by_key(|r| r.resolved.unix_ns);
        source.buffer.extend(selected.timed);
        untimed.extend(selected.untimed);
        seen += selected.untimed_seen;
    }
    (untimed, seen)
}
