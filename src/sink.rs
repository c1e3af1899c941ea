//! The push-style contract between parsers and their consumers.
//!
//! A parser never formats, counts or stores: it calls [`Emit::record`] for
//! every record, [`Emit::skip`] for every line that is not part of a record
//! (with the reason), and [`Emit::problem`] for damage it worked around.
//! Consumers (statistics, the timeline, the matcher) implement [`Emit`].
//!
//! The accounting invariant every parser keeps, and the tests check:
//! for each input, `lines read == lines inside records + lines skipped`,
//! where a record's lines are [`Position::lines`](crate::record::Position::lines).

use std::borrow::Cow;
use std::fmt;

use crate::record::{Position, Record};

/// Why a line is not part of any record. Some reasons are normal structure
/// (a table header), others are damage; [`SkipReason::is_damage`] tells which.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// An empty or whitespace-only line between records.
    Blank,
    /// A `-- Boot ... --`, `-- Logs begin ... --`, `-- No entries --` or similar marker line.
    Marker,
    /// A table header or separator line.
    Header,
    /// The JSON/YAML envelope around items (`{"kind":"List","items":[`, `]}`), or a non-record document.
    Envelope,
    /// A line that does not follow the file's format (and could not be kept as text).
    Malformed,
    /// Binary data (NUL bytes, non-text).
    Binary,
    /// A line longer than the line limit.
    TooLong,
    /// The input ended in the middle of a record (truncated file or archive).
    Truncated,
    /// The input could not be read at all (I/O error, broken archive member).
    Unreadable,
}

impl SkipReason {
    pub fn name(self) -> &'static str {
        match self {
            SkipReason::Blank => "blank",
            SkipReason::Marker => "marker",
            SkipReason::Header => "header",
            SkipReason::Envelope => "envelope",
            SkipReason::Malformed => "malformed",
            SkipReason::Binary => "binary",
            SkipReason::TooLong => "too-long",
            SkipReason::Truncated => "truncated",
            SkipReason::Unreadable => "unreadable",
        }
    }

    /// True when the skip means lost data that a report must mention.
    pub fn is_damage(self) -> bool {
        !matches!(
            self,
            SkipReason::Blank | SkipReason::Marker | SkipReason::Header | SkipReason::Envelope
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Damage a parser worked around while still producing a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Problem {
    /// Invalid UTF-8 replaced by U+FFFD.
    InvalidUtf8,
    /// A record's text was cut to the record size limit.
    Truncated,
    /// A timestamp was present but could not be parsed.
    BadTimestamp,
    /// A field or value could not be decoded and was kept raw.
    BadField,
}

impl Problem {
    pub fn name(self) -> &'static str {
        match self {
            Problem::InvalidUtf8 => "invalid-utf8",
            Problem::Truncated => "truncated",
            Problem::BadTimestamp => "bad-timestamp",
            Problem::BadField => "bad-field",
        }
    }
}

/// A skipped stretch of lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip<'a> {
    /// First line and offset of the stretch; `lines` is how many lines it covers.
    pub position: Position,
    pub reason: SkipReason,
    /// A short excerpt or explanation for the message shown to the user.
    pub detail: Cow<'a, str>,
}

/// Receives what a parser finds.
pub trait Emit {
    fn record(&mut self, record: Record<'_>);
    fn skip(&mut self, skip: Skip<'_>);
    fn problem(&mut self, _position: Position, _problem: Problem) {}
}

/// Collects owned records, skips and problems: for tests and small inputs.
#[derive(Debug, Default)]
pub struct Collect {
    pub records: Vec<Record<'static>>,
    pub skips: Vec<Skip<'static>>,
    pub problems: Vec<(Position, Problem)>,
}

impl Collect {
    /// Lines covered by records plus lines skipped: must equal the lines of the input.
    pub fn lines_accounted(&self) -> u64 {
        self.records
            .iter()
            .map(|r| r.position.lines as u64)
            .sum::<u64>()
            + self
                .skips
                .iter()
                .map(|s| s.position.lines as u64)
                .sum::<u64>()
    }

    pub fn skipped(&self, reason: SkipReason) -> u64 {
        self.skips
            .iter()
            .filter(|s| s.reason == reason)
            .map(|s| s.position.lines as u64)
            .sum()
    }
}

impl Emit for Collect {
    fn record(&mut self, record: Record<'_>) {
        self.records.push(record.into_owned());
    }
    fn skip(&mut self, skip: Skip<'_>) {
        self.skips.push(Skip {
            position: skip.position,
            reason: skip.reason,
            detail: Cow::Owned(skip.detail.into_owned()),
        });
    }
    fn problem(&mut self, position: Position, problem: Problem) {
        self.problems.push((position, problem));
    }
}
