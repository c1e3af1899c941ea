//! Sampling exact stamps from the end of an input: cheap evidence of the
//! latest moment the data covers, which bounds the year of year-less stamps.

use crate::formats::{self, Chunk};
use crate::record::{Format, Position, Record};
use crate::sink::{Emit, Skip};
use crate::time::{TimeBasis, TimeContext};

/// How much of the end of a line-oriented input is parsed for stamps.
const TAIL_BYTES: usize = 256 * 1024;
/// Whole-document inputs (events JSON/YAML) are sampled only when at most this large.
const DOCUMENT_LIMIT: usize = 16 << 20;

/// The latest exact instant (ns) among the records at the end of `bytes`.
pub fn latest_exact_stamp(format: Format, bytes: &[u8]) -> Option<i64> {
    if !may_have_exact_stamps(format) {
        return None;
    }
    let start = if bytes.len() <= TAIL_BYTES {
        0
    } else {
        match formats::split_at(format, bytes, bytes.len() - TAIL_BYTES) {
            Some(at) => at,
            None if bytes.len() <= DOCUMENT_LIMIT => 0,
            None => return None,
        }
    };
    let context = TimeContext::default();
    let mut latest = Latest {
        resolver: context.resolver(),
        latest: None,
    };
    let chunk = Chunk {
        bytes: &bytes[start..],
        first_line: 1,
        base_offset: start as u64,
        at_eof: true,
    };
    formats::parse(format, chunk, &mut latest);
    latest.latest
}

/// Formats whose records usually carry a complete instant (date and zone).
fn may_have_exact_stamps(format: Format) -> bool {
    !matches!(
        format,
        Format::Klog
            | Format::Plain
            | Format::ResourceTable
            | Format::Describe
            | Format::EventsTable
    )
}

struct Latest<'c> {
    resolver: crate::time::Resolver<'c>,
    latest: Option<i64>,
}

impl Emit for Latest<'_> {
    fn record(&mut self, record: Record<'_>) {
        for raw in [
            record.time,
            record.event.as_ref().map_or(record.time, |e| e.last_seen),
        ] {
            let t = self.resolver.resolve(raw, None);
            if t.basis == TimeBasis::Exact {
                self.latest = Some(self.latest.map_or(t.unix_ns, |l| l.max(t.unix_ns)));
            }
        }
    }
    fn skip(&mut self, _skip: Skip<'_>) {}
    fn problem(&mut self, _position: Position, _problem: crate::sink::Problem) {}
}
