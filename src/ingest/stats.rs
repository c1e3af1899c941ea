//! Per-input accounting: what was read, what became records, what was
//! skipped and why. `inputs` prints it; reports quote it.

use std::collections::BTreeMap;

use crate::record::{Position, Record};
use crate::sink::{Emit, Problem, Skip, SkipReason};
use crate::time::TimeBasis;

/// How many damage messages (with line numbers) are kept per input.
pub const DAMAGE_SAMPLES: usize = 5;

/// One sampled message about damage in an input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Damage {
    pub line: u64,
    pub what: String,
    pub detail: String,
}

/// Records per [`TimeBasis`]: an array indexed by the enum, because it is
/// bumped once per record on the hot path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BasisCounts(pub [u64; 8]);

impl BasisCounts {
    /// Non-zero counts, in basis order.
    pub fn iter(&self) -> impl Iterator<Item = (TimeBasis, u64)> + '_ {
        TimeBasis::ALL
            .into_iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
    }

    pub fn get(&self, basis: TimeBasis) -> u64 {
        self.0[basis as usize]
    }
}

impl serde::Serialize for BasisCounts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

/// Counts for one input (or one chunk of it, merged later).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct InputStats {
    /// Physical lines in the input, counted independently of the parser.
    pub lines_read: u64,
    pub records: u64,
    /// Lines covered by records (a multi-line record counts all of its lines).
    pub record_lines: u64,
    /// Skipped lines by reason.
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Damage worked around, by kind (records were still produced).
    pub problems: BTreeMap<Problem, u64>,
    /// Records by how their time was obtained.
    pub time_basis: BasisCounts,
    /// Earliest and latest known record times (ns since the epoch, UTC).
    pub first_ns: Option<i64>,
    pub last_ns: Option<i64>,
    /// The first few damage messages, with line numbers.
    pub damage: Vec<Damage>,
}

impl InputStats {
    pub fn skipped_lines(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub fn damaged_lines(&self) -> u64 {
        self.skipped
            .iter()
            .filter(|(r, _)| r.is_damage())
            .map(|(_, n)| n)
            .sum()
    }

    /// `lines read == lines in records + lines skipped`: the parser accounted for every line.
    pub fn balanced(&self) -> bool {
        self.lines_read == self.record_lines + self.skipped_lines()
    }

    pub fn note_record(&mut self, record: &Record<'_>) {
        self.records += 1;
        self.record_lines += record.position.lines as u64;
        self.time_basis.0[record.resolved.basis as usize] += 1;
        if record.resolved.is_known() && record.resolved.basis != TimeBasis::Carried {
            let t = record.resolved.unix_ns;
            self.first_ns = Some(self.first_ns.map_or(t, |f| f.min(t)));
            self.last_ns = Some(self.last_ns.map_or(t, |l| l.max(t)));
        }
    }

    pub fn note_skip(&mut self, skip: &Skip<'_>) {
        *self.skipped.entry(skip.reason).or_default() += skip.position.lines as u64;
        if skip.reason.is_damage() {
            self.sample(skip.position.line, skip.reason.name(), &skip.detail);
        }
    }

    pub fn note_problem(&mut self, position: Position, problem: Problem) {
        *self.problems.entry(problem).or_default() += 1;
        self.sample(position.line, problem.name(), "");
    }

    fn sample(&mut self, line: u64, what: &str, detail: &str) {
        if self.damage.len() < DAMAGE_SAMPLES {
            let detail: String = detail.chars().take(120).collect();
            self.damage.push(Damage {
                line,
                what: what.to_string(),
                detail,
            });
        }
    }

    /// Fold the counts of a later chunk of the same input into these.
    pub fn merge(&mut self, other: InputStats) {
        self.lines_read += other.lines_read;
        self.records += other.records;
        self.record_lines += other.record_lines;
        for (k, v) in other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        for (k, v) in other.problems {
            *self.problems.entry(k).or_default() += v;
        }
        for (mine, theirs) in self.time_basis.0.iter_mut().zip(other.time_basis.0) {
            *mine += theirs;
        }
        self.first_ns = match (self.first_ns, other.first_ns) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last_ns = match (self.last_ns, other.last_ns) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let room = DAMAGE_SAMPLES.saturating_sub(self.damage.len());
        self.damage.extend(other.damage.into_iter().take(room));
    }
}

/// Counts everything passing through, then forwards it to the consumer.
pub struct Counting<'s, S: Emit + ?Sized> {
    pub stats: InputStats,
    pub inner: &'s mut S,
}

impl<S: Emit + ?Sized> Emit for Counting<'_, S> {
    fn record(&mut self, record: Record<'_>) {
        self.stats.note_record(&record);
        self.inner.record(record);
    }
    fn skip(&mut self, skip: Skip<'_>) {
        self.stats.note_skip(&skip);
        self.inner.skip(skip);
    }
    fn problem(&mut self, position: Position, problem: Problem) {
        self.stats.note_problem(position, problem);
        self.inner.problem(position, problem);
    }
}
