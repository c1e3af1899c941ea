//! Time: from what a format wrote to one UTC instant, and how we know it.
//!
//! Parsers never guess. They report a [`RawTime`] exactly as the input had
//! it: an absolute instant (journal realtime, RFC 3339 with offset), a civil
//! wall-clock time that may lack the year and the zone (klog headers,
//! journal `short`), a relative age (`3m2s` in an events table), or nothing.
//!
//! The ingest pipeline then resolves every raw time with a
//! [`TimeContext`] built from evidence inside the bundle (collection time,
//! exact stamps of other inputs, file names, `--year`/`--tz`), never from
//! the wall clock, and records how the instant was obtained in
//! [`TimeBasis`]. Resolution is stateless per record (the year is chosen so
//! that the instant does not lie after the collection time), so chunks of one
//! file can be resolved in parallel and a December-to-January wrap needs no
//! memory of earlier lines.

pub mod evidence;
pub mod parse;

use std::fmt;

use jiff::civil::DateTime;
use jiff::tz::{Offset, TimeZone};

pub const NANOS_PER_SEC: i64 = 1_000_000_000;

/// A civil (wall-clock) time as written, possibly without year or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CivilTime {
    pub year: Option<i16>,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    pub nanos: u32,
    /// UTC offset in seconds east, when the text carried one.
    pub offset: Option<i32>,
}

/// Time as the format wrote it, before bundle-wide inference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RawTime {
    /// The line carries no time of its own.
    #[default]
    None,
    /// An absolute instant: nanoseconds since the Unix epoch, UTC.
    Exact(i64),
    /// A wall-clock time, possibly year-less and zone-less.
    Civil(CivilTime),
    /// A relative age before the collection time (`kubectl` tables):
    /// the event happened `seconds` to `seconds + resolution` before collection.
    Age { seconds: u64, resolution: u32 },
    /// A state observed when the bundle was collected (`kubectl get pods` rows).
    AtCollection,
}

impl RawTime {
    pub fn is_none(&self) -> bool {
        matches!(self, RawTime::None)
    }
}

/// How a resolved instant was obtained. Shown by `inputs` and carried in every output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeBasis {
    /// The input stated the instant completely (epoch stamp, date with zone or offset).
    Exact,
    /// Zone known, year taken from bundle evidence.
    InferredYear,
    /// Date complete, zone not stated: the file's zone was inferred or assumed.
    AssumedZone,
    /// Neither year nor zone stated.
    #[serde(rename = "inferred-year+assumed-zone")]
    InferredYearAssumedZone,
    /// A relative age anchored to the collection time.
    RelativeAge,
    /// A state as of the collection time.
    #[serde(rename = "collection-time")]
    Collection,
    /// No time in the record: it carries the time of the record before it.
    Carried,
    /// No time could be determined at all.
    #[default]
    None,
}

impl TimeBasis {
    pub const ALL: [TimeBasis; 8] = [
        TimeBasis::Exact,
        TimeBasis::InferredYear,
        TimeBasis::AssumedZone,
        TimeBasis::InferredYearAssumedZone,
        TimeBasis::RelativeAge,
        TimeBasis::Collection,
        TimeBasis::Carried,
        TimeBasis::None,
    ];

    pub fn name(self) -> &'static str {
        match self {
            TimeBasis::Exact => "exact",
            TimeBasis::InferredYear => "inferred-year",
            TimeBasis::AssumedZone => "assumed-zone",
            TimeBasis::InferredYearAssumedZone => "inferred-year+assumed-zone",
            TimeBasis::RelativeAge => "relative-age",
            TimeBasis::Collection => "collection-time",
            TimeBasis::Carried => "carried",
            TimeBasis::None => "none",
        }
    }
}

impl fmt::Display for TimeBasis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A resolved instant: nanoseconds since the Unix epoch (UTC) and its basis.
///
/// With [`TimeBasis::None`] the `unix_ns` value is only an ordering hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Timestamp {
    pub unix_ns: i64,
    pub basis: TimeBasis,
}

impl Timestamp {
    pub fn exact(unix_ns: i64) -> Timestamp {
        Timestamp {
            unix_ns,
            basis: TimeBasis::Exact,
        }
    }

    pub fn is_known(&self) -> bool {
        self.basis != TimeBasis::None
    }

    /// RFC 3339 in UTC with nanoseconds, e.g. `2024-06-10T06:13:20.123400000Z`.
    pub fn rfc3339(&self) -> String {
        format_rfc3339(self.unix_ns)
    }
}

/// Format nanoseconds since the epoch as RFC 3339 UTC with 9 fractional digits.
pub fn format_rfc3339(unix_ns: i64) -> String {
    match jiff::Timestamp::from_nanosecond(unix_ns as i128) {
        Ok(ts) => format!(
            "{}.{:09}Z",
            ts.strftime("%Y-%m-%dT%H:%M:%S"),
            unix_ns.rem_euclid(NANOS_PER_SEC)
        ),
        Err(_) => format!("@{unix_ns}ns"),
    }
}

/// Where a file's zone came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ZoneSource {
    /// `--tz` on the command line.
    Override,
    /// Evidence in the bundle (named in the string).
    Evidence(String),
    /// Nothing said: UTC assumed.
    Assumed,
}

/// Where the reference instant (an upper bound for inferred years) came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum YearSource {
    /// `--year` on the command line.
    Override(i16),
    /// The bundle's collection time or latest exact stamp (named in the string).
    Reference { unix_ns: i64, from: String },
    /// No evidence at all; the year is a placeholder and `inputs` says so.
    Unknown,
}

/// Per-input facts needed to resolve raw times. Cheap to clone; each worker
/// makes a [`Resolver`] from it, which caches calendar lookups.
#[derive(Debug, Clone)]
pub struct TimeContext {
    pub zone: TimeZone,
    pub zone_source: ZoneSource,
    pub year: YearSource,
    /// The collection time used for relative ages and `AtCollection` states.
    pub collection_ns: Option<i64>,
}

/// Year placed on year-less stamps when the bundle gives no evidence at all.
pub const PLACEHOLDER_YEAR: i16 = 1970;

/// Slack allowed for a year-less stamp to lie after the reference instant
/// before it is moved to the previous year (zone differences, clock skew).
const FUTURE_SLACK_NS: i64 = 2 * 86_400 * NANOS_PER_SEC;

impl Default for TimeContext {
    fn default() -> Self {
        TimeContext {
            zone: TimeZone::UTC,
            zone_source: ZoneSource::Assumed,
            year: YearSource::Unknown,
            collection_ns: None,
        }
    }
}

impl TimeContext {
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver {
            ctx: self,
            day_cache: None,
        }
    }

    fn zone_assumed(&self) -> bool {
        matches!(self.zone_source, ZoneSource::Assumed)
    }
}

/// Resolves raw times of one input. Not shared between threads: it caches the
/// start of the last civil day it converted, which makes the common case (many
/// lines in the same day) two multiplications and an add.
pub struct Resolver<'c> {
    ctx: &'c TimeContext,
    /// (year, month, day, offset given) -> unix seconds of that civil day's
    /// midnight in the zone used, and the day's fixed offset if constant.
    day_cache: Option<DayCache>,
}

#[derive(Clone, Copy)]
struct DayCache {
    year: i16,
    month: u8,
    day: u8,
    explicit_offset: Option<i32>,
    /// Unix seconds of 00:00:00 civil of that day, interpreted with the day's offset at midnight.
    midnight_unix: i64,
    /// True when the zone's offset is the same at both ends of the day (no DST change that day).
    constant_offset: bool,
}

impl Resolver<'_> {
    pub fn context(&self) -> &TimeContext {
        self.ctx
    }

    /// Resolve one raw time. `previous` is the resolved time of the record
    /// before it in the same input, used for records that carry no time.
    pub fn resolve(&mut self, raw: RawTime, previous: Option<Timestamp>) -> Timestamp {
        match raw {
            RawTime::Exact(ns) => Timestamp::exact(ns),
            RawTime::Civil(c) => self.civil(c),
            RawTime::Age {
                seconds,
                resolution,
            } => match self.ctx.collection_ns {
                // Anchor at the middle of the age's resolution interval.
                Some(at) => {
                    let age_ns = (seconds as i64).saturating_mul(NANOS_PER_SEC)
                        + (resolution as i64) * NANOS_PER_SEC / 2;
                    Timestamp {
                        unix_ns: at - age_ns,
                        basis: TimeBasis::RelativeAge,
                    }
                }
                None => carried(previous),
            },
            RawTime::AtCollection => match self.ctx.collection_ns {
                Some(at) => Timestamp {
                    unix_ns: at,
                    basis: TimeBasis::Collection,
                },
                None => carried(previous),
            },
            RawTime::None => carried(previous),
        }
    }

    fn civil(&mut self, c: CivilTime) -> Timestamp {
        let zone_assumed = c.offset.is_none() && self.ctx.zone_assumed();
        let (year, year_inferred) = match c.year {
            Some(y) => (y, false),
            None => (self.infer_year(&c), true),
        };
        let Some(ns) = self.to_unix_ns(year, &c) else {
            return Timestamp {
                unix_ns: 0,
                basis: TimeBasis::None,
            };
        };
        let basis = match (year_inferred, zone_assumed) {
            (false, false) => TimeBasis::Exact,
            (true, false) => TimeBasis::InferredYear,
            (false, true) => TimeBasis::AssumedZone,
            (true, true) => TimeBasis::InferredYearAssumedZone,
        };
        Timestamp { unix_ns: ns, basis }
    }

    /// The year that puts this civil time at or before the reference instant
    /// (plus slack), and at most one year before it.
    fn infer_year(&mut self, c: &CivilTime) -> i16 {
        match &self.ctx.year {
            YearSource::Override(y) => *y,
            YearSource::Unknown => PLACEHOLDER_YEAR,
            YearSource::Reference { unix_ns, .. } => {
                let reference = *unix_ns;
                let ref_year = jiff::Timestamp::from_nanosecond(reference as i128)
                    .map(|t| t.to_zoned(self.ctx.zone.clone()).year())
                    .unwrap_or(PLACEHOLDER_YEAR);
                match self.to_unix_ns(ref_year, c) {
                    Some(ns) if ns > reference + FUTURE_SLACK_NS => ref_year - 1,
                    // Feb 29 in a non-leap reference year: the previous leap year.
                    None if c.month == 2 && c.day == 29 => (1..=4)
                        .map(|k| ref_year - k)
                        .find(|y| jiff::civil::Date::new(*y, 2, 29).is_ok())
                        .unwrap_or(ref_year),
                    _ => ref_year,
                }
            }
        }
    }

    fn to_unix_ns(&mut self, year: i16, c: &CivilTime) -> Option<i64> {
        let secs_in_day = c.hour as i64 * 3600 + c.minute as i64 * 60 + c.second as i64;
        if let Some(d) = self.day_cache {
            if d.year == year
                && d.month == c.month
                && d.day == c.day
                && d.explicit_offset == c.offset
                && d.constant_offset
            {
                return Some((d.midnight_unix + secs_in_day) * NANOS_PER_SEC + c.nanos as i64);
            }
        }
        let zone = match c.offset {
            Some(off) => TimeZone::fixed(Offset::from_seconds(off).ok()?),
            None => self.ctx.zone.clone(),
        };
        let dt = DateTime::new(
            year,
            c.month as i8,
            c.day as i8,
            c.hour as i8,
            c.minute as i8,
            c.second as i8,
            c.nanos as i32,
        )
        .ok()?;
        let instant = dt.to_zoned(zone.clone()).ok()?.timestamp();
        let midnight = dt.date().to_zoned(zone.clone()).ok()?;
        let end = dt.date().tomorrow().ok()?.to_zoned(zone).ok()?;
        let constant = midnight.offset() == end.offset();
        self.day_cache = Some(DayCache {
            year,
            month: c.month,
            day: c.day,
            explicit_offset: c.offset,
            midnight_unix: midnight.timestamp().as_second(),
            constant_offset: constant,
        });
        i64::try_from(instant.as_nanosecond()).ok()
    }
}

fn carried(previous: Option<Timestamp>) -> Timestamp {
    match previous {
        Some(p) if p.is_known() => Timestamp {
            unix_ns: p.unix_ns,
            basis: TimeBasis::Carried,
        },
        _ => Timestamp {
            unix_ns: previous.map_or(0, |p| p.unix_ns),
            basis: TimeBasis::None,
        },
    }
}

/// Parse a `--tz` value or a zone named in the bundle: an IANA name
/// (`Europe/Berlin`), `UTC`, or a fixed offset (`+02:00`, `-0500`).
pub fn parse_zone(text: &str) -> Option<TimeZone> {
    let t = text.trim();
    if t.eq_ignore_ascii_case("utc") || t.eq_ignore_ascii_case("z") || t.eq_ignore_ascii_case("gmt")
    {
        return Some(TimeZone::UTC);
    }
    if let Some(off) = parse::offset(t.as_bytes()) {
        return Offset::from_seconds(off).ok().map(TimeZone::fixed);
    }
    TimeZone::get(t).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn civil(month: u8, day: u8, hour: u8) -> RawTime {
        RawTime::Civil(CivilTime {
            month,
            day,
            hour,
            ..Default::default()
        })
    }

    fn ctx_with_reference(iso: &str) -> TimeContext {
        let ts: jiff::Timestamp = iso.parse().unwrap();
        TimeContext {
            year: YearSource::Reference {
                unix_ns: ts.as_nanosecond() as i64,
                from: "test".into(),
            },
            ..Default::default()
        }
    }

    #[test]
    fn exact_passes_through() {
        let ctx = TimeContext::default();
        let t = ctx
            .resolver()
            .resolve(RawTime::Exact(1_718_000_000_123_456_000), None);
        assert_eq!(t, Timestamp::exact(1_718_000_000_123_456_000));
        assert_eq!(t.rfc3339(), "2024-06-10T06:13:20.123456000Z");
    }

    #[test]
    fn year_comes_from_reference_and_wraps_back_over_new_year() {
        let ctx = ctx_with_reference("2025-01-02T10:00:00Z");
        let mut r = ctx.resolver();
        let december = r.resolve(civil(12, 30, 23), None);
        let january = r.resolve(civil(1, 1, 8), None);
        assert_eq!(december.rfc3339(), "2024-12-30T23:00:00.000000000Z");
        assert_eq!(january.rfc3339(), "2025-01-01T08:00:00.000000000Z");
        assert_eq!(january.basis, TimeBasis::InferredYearAssumedZone);
    }

    #[test]
    fn zone_applies_to_zone_less_times_and_offsets_win() {
        let ctx = TimeContext {
            zone: parse_zone("Europe/Berlin").unwrap(),
            zone_source: ZoneSource::Override,
            ..ctx_with_reference("2024-07-01T00:00:00Z")
        };
        let mut r = ctx.resolver();
        let local = r.resolve(civil(6, 10, 8), None);
        assert_eq!(local.rfc3339(), "2024-06-10T06:00:00.000000000Z");
        assert_eq!(local.basis, TimeBasis::InferredYear);
        let with_offset = RawTime::Civil(CivilTime {
            year: Some(2024),
            month: 6,
            day: 10,
            hour: 8,
            offset: Some(0),
            ..Default::default()
        });
        let t = r.resolve(with_offset, None);
        assert_eq!(t.rfc3339(), "2024-06-10T08:00:00.000000000Z");
        assert_eq!(t.basis, TimeBasis::Exact);
    }

    #[test]
    fn day_cache_does_not_cross_a_dst_change() {
        let ctx = TimeContext {
            zone: parse_zone("Europe/Berlin").unwrap(),
            zone_source: ZoneSource::Override,
            ..Default::default()
        };
        let mut r = ctx.resolver();
        let t = |h| {
            RawTime::Civil(CivilTime {
                year: Some(2024),
                month: 3,
                day: 31,
                hour: h,
                ..Default::default()
            })
        };
        // 01:00 CET = 00:00Z; 04:00 CEST = 02:00Z (clocks went forward at 02:00).
        assert_eq!(
            r.resolve(t(1), None).rfc3339(),
            "2024-03-31T00:00:00.000000000Z"
        );
        assert_eq!(
            r.resolve(t(4), None).rfc3339(),
            "2024-03-31T02:00:00.000000000Z"
        );
    }

    #[test]
    fn ages_anchor_to_collection_and_missing_times_carry() {
        let mut ctx = TimeContext::default();
        ctx.collection_ns = Some(1_000 * NANOS_PER_SEC);
        let mut r = ctx.resolver();
        let t = r.resolve(
            RawTime::Age {
                seconds: 60,
                resolution: 1,
            },
            None,
        );
        assert_eq!(t.unix_ns, 940 * NANOS_PER_SEC - NANOS_PER_SEC / 2);
        assert_eq!(t.basis, TimeBasis::RelativeAge);
        let c = r.resolve(RawTime::None, Some(t));
        assert_eq!((c.unix_ns, c.basis), (t.unix_ns, TimeBasis::Carried));
        assert_eq!(r.resolve(RawTime::None, None).basis, TimeBasis::None);
    }

    #[test]
    fn leap_day_without_year_lands_in_a_leap_year() {
        let ctx = ctx_with_reference("2025-03-01T00:00:00Z");
        let t = ctx.resolver().resolve(civil(2, 29, 12), None);
        assert_eq!(t.rfc3339(), "2024-02-29T12:00:00.000000000Z");
    }

    #[test]
    fn serialised_names_are_the_display_names() {
        for basis in TimeBasis::ALL {
            assert_eq!(serde_json::to_value(basis).unwrap(), basis.name());
        }
    }

    #[test]
    fn zone_names_and_offsets_parse() {
        assert!(parse_zone("UTC").is_some());
        assert!(parse_zone("+02:00").is_some());
        assert!(parse_zone("-0500").is_some());
        assert!(parse_zone("Not/AZone").is_none());
    }
}
