//! The step between a parser and every consumer: give each record its UTC
//! time and fill what the record itself did not say (node, component) from
//! what the bundle layout knows about its input.

use std::borrow::Cow;

use crate::record::{Position, Record};
use crate::sink::{Emit, Problem, Skip};
use crate::time::{RawTime, Resolver, TimeContext, Timestamp};

/// Per-input facts applied to every record of that input.
pub struct Normalizer<'c> {
    resolver: Resolver<'c>,
    node: Option<&'c str>,
    source: Option<&'c str>,
    previous: Option<Timestamp>,
}

impl<'c> Normalizer<'c> {
    pub fn new(
        context: &'c TimeContext,
        node: Option<&'c str>,
        source: Option<&'c str>,
    ) -> Normalizer<'c> {
        Normalizer {
            resolver: context.resolver(),
            node,
            source,
            previous: None,
        }
    }

    /// Resolve the time and fill defaults. Records that carry no time take
    /// the time of the record before them in the same input.
    pub fn apply<'a>(&mut self, record: &mut Record<'a>)
    where
        'c: 'a,
    {
        record.resolved = self.resolver.resolve(record.time, self.previous);
        if record.resolved.is_known() {
            self.previous = Some(record.resolved);
        }
        if let Some(event) = record.event.as_deref_mut() {
            event.first_seen = self.exact(event.first_seen);
            event.last_seen = self.exact(event.last_seen);
        }
        if record.node.is_none() {
            record.node = self.node.map(Cow::Borrowed);
        }
        if record.component.is_none() {
            record.component = self.source.map(Cow::Borrowed);
        }
    }
}

impl Normalizer<'_> {
    /// An event's first/last time as an exact instant when it can be resolved at all.
    fn exact(&mut self, raw: RawTime) -> RawTime {
        match self.resolver.resolve(raw, None) {
            t if t.is_known() && !matches!(raw, RawTime::None) => RawTime::Exact(t.unix_ns),
            _ => raw,
        }
    }
}

/// An [`Emit`] adaptor that normalises records before handing them on.
pub struct Normalizing<'n, 'c, S: Emit + ?Sized> {
    pub normalizer: &'n mut Normalizer<'c>,
    pub inner: &'n mut S,
}

impl<S: Emit + ?Sized> Emit for Normalizing<'_, '_, S> {
    fn record(&mut self, record: Record<'_>) {
        // `Record` is covariant: shrinking its lifetime to the shorter of the
        // chunk's and the bundle's lets the defaults be borrowed, not copied.
        let mut record: Record<'_> = record;
        self.normalizer.apply(&mut record);
        self.inner.record(record);
    }
    fn skip(&mut self, skip: Skip<'_>) {
        self.inner.skip(skip);
    }
    fn problem(&mut self, position: Position, problem: Problem) {
        self.inner.problem(position, problem);
    }
}
