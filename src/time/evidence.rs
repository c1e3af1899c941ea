//! What the bundle says about time: when it was collected, and which zone
//! each node's zone-less stamps are in.
//!
//! Year-less stamps (klog headers, journal `short`) take their year from a
//! *reference instant* that no log line can be later than: the collection
//! time. We prefer, in order: `--year`; an exact collection time from the
//! bundle (sos manifest, tar member mtimes); the latest exact stamp found in
//! the data itself (export/JSON journals, CRI lines, events); a zone-less
//! collection time (an archive name like `support-bundle-2024-06-10T10_15_00`).
//! The wall clock is never consulted: a bundle analysed a year later must
//! give the same timeline.
//!
//! Zones: `--tz` for everything; otherwise a zone found for the record's
//! node (sosreport `date`, `etc/timezone`, ...); otherwise UTC, marked as
//! assumed so every record says so.

use std::collections::BTreeMap;

use jiff::tz::TimeZone;

use super::{parse_zone, TimeContext, YearSource, ZoneSource};

/// How far the data's own latest stamp may lie after the recorded collection
/// times and still be taken as the collection time.
const MAX_STAMP_LEAD_NS: i64 = 86_400 * super::NANOS_PER_SEC;

/// A candidate instant and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Instant {
    pub unix_ns: i64,
    pub from: String,
}

/// Everything the bundle told us about time, combined once per run.
#[derive(Debug, Clone, Default)]
pub struct Evidence {
    /// `--year`.
    pub year_override: Option<i16>,
    /// `--tz` (already parsed) and its text.
    pub zone_override: Option<(TimeZone, String)>,
    /// Exact collection-time candidates recorded in the bundle (manifest,
    /// `date` output, archive member times), best first.
    pub collection_exact: Vec<Instant>,
    /// Zone-less collection-time candidates (archive-name dates), read as UTC, best first.
    pub collection_civil: Vec<Instant>,
    /// Modification times of files on disk: the time of a copy as often as of
    /// the collection, so used only when nothing else dates the bundle.
    pub collection_weak: Vec<Instant>,
    /// Latest exact stamp seen in the data.
    pub latest_exact_stamp: Option<Instant>,
    /// Zone found for a node (None: the whole bundle), with where it came from.
    pub zones: BTreeMap<Option<String>, (TimeZone, String)>,
}

impl Evidence {
    /// Record zone text found in the bundle for a node; unparseable text is ignored
    /// (and stays visible in `inputs` as the raw hint).
    pub fn add_zone_hint(&mut self, node: Option<String>, text: &str, from: &str) {
        let zone = parse_zone(text).or_else(|| {
            super::parse::zone_abbrev(text.trim()).and_then(|off| {
                jiff::tz::Offset::from_seconds(off)
                    .ok()
                    .map(TimeZone::fixed)
            })
        });
        if let Some(zone) = zone {
            self.zones
                .entry(node)
                .or_insert((zone, format!("{} in {}", text.trim(), from)));
        }
    }

    /// Offer an exact stamp seen in the data; the latest one is kept.
    pub fn offer_stamp(&mut self, unix_ns: i64, from: &str) {
        if self
            .latest_exact_stamp
            .as_ref()
            .is_none_or(|i| unix_ns > i.unix_ns)
        {
            self.latest_exact_stamp = Some(Instant {
                unix_ns,
                from: from.to_string(),
            });
        }
    }

    /// The collection time: the best evidence of when the bundle was taken.
    ///
    /// Every recorded time and every exact stamp in the data is a lower bound
    /// (nothing was logged after collection), so the latest of them is the
    /// best estimate, with one guard: a data stamp may extend recorded times
    /// by at most a day, so one node with a clock in the future cannot move
    /// the reference. Dates in names, then file-system times, are used only
    /// when nothing exact dates the bundle.
    pub fn collection(&self) -> Option<Instant> {
        let recorded = self.collection_exact.iter().max_by_key(|i| i.unix_ns);
        let stamp = self.latest_exact_stamp.as_ref().map(|i| Instant {
            from: format!("latest exact stamp ({})", i.from),
            ..i.clone()
        });
        match (recorded, stamp) {
            (Some(r), Some(s))
                if s.unix_ns > r.unix_ns && s.unix_ns - r.unix_ns <= MAX_STAMP_LEAD_NS =>
            {
                Some(s)
            }
            (Some(r), _) => Some(r.clone()),
            (None, Some(s)) => Some(s),
            (None, None) => self
                .collection_civil
                .first()
                .or(self.collection_weak.first())
                .cloned(),
        }
    }

    /// How year-less stamps get their year.
    pub fn year_source(&self) -> YearSource {
        if let Some(y) = self.year_override {
            return YearSource::Override(y);
        }
        match self.collection() {
            Some(i) => YearSource::Reference {
                unix_ns: i.unix_ns,
                from: i.from,
            },
            None => YearSource::Unknown,
        }
    }

    /// The time context for an input of `node`.
    pub fn context_for(&self, node: Option<&str>) -> TimeContext {
        let (zone, zone_source) = if let Some((zone, text)) = &self.zone_override {
            let _ = text;
            (zone.clone(), ZoneSource::Override)
        } else if let Some((zone, from)) = self
            .zones
            .get(&node.map(str::to_string))
            .or_else(|| self.zones.get(&None))
        {
            (zone.clone(), ZoneSource::Evidence(from.clone()))
        } else {
            (TimeZone::UTC, ZoneSource::Assumed)
        };
        TimeContext {
            zone,
            zone_source,
            year: self.year_source(),
            collection_ns: self.collection().map(|i| i.unix_ns),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collection_time_is_the_latest_lower_bound_and_names_come_last() {
        let day = 86_400 * crate::time::NANOS_PER_SEC;
        let mut e = Evidence::default();
        e.collection_weak.push(Instant {
            unix_ns: 99 * day,
            from: "file mtime".into(),
        });
        assert_eq!(e.collection().unwrap().unix_ns, 99 * day);
        e.collection_civil.push(Instant {
            unix_ns: 30 * day,
            from: "archive name".into(),
        });
        assert_eq!(
            e.collection().unwrap().unix_ns,
            30 * day,
            "a name beats a file-system time"
        );
        e.offer_stamp(10 * day, "a.export");
        e.offer_stamp(20 * day, "b.json");
        e.offer_stamp(15 * day, "c.log");
        assert_eq!(
            e.collection().unwrap().unix_ns,
            20 * day,
            "data stamps beat names"
        );
        e.collection_exact.push(Instant {
            unix_ns: 19 * day,
            from: "manifest".into(),
        });
        e.collection_exact.push(Instant {
            unix_ns: 20 * day - 5,
            from: "tar mtimes".into(),
        });
        assert_eq!(
            e.collection().unwrap().unix_ns,
            20 * day,
            "a stamp slightly after recorded times wins"
        );
        e.offer_stamp(25 * day, "skewed clock");
        assert_eq!(
            e.collection().unwrap(),
            Instant {
                unix_ns: 20 * day - 5,
                from: "tar mtimes".into()
            },
            "a stamp days ahead does not"
        );
    }

    #[test]
    fn year_override_and_unknown() {
        let mut e = Evidence::default();
        assert_eq!(e.year_source(), YearSource::Unknown);
        e.year_override = Some(2023);
        assert_eq!(e.year_source(), YearSource::Override(2023));
    }

    #[test]
    fn zones_per_node_fall_back_to_bundle_then_assumed_utc() {
        let mut e = Evidence::default();
        e.add_zone_hint(Some("node-a".into()), "CEST", "node-a/date");
        e.add_zone_hint(None, "garbage zone", "etc/timezone");
        assert!(matches!(
            e.context_for(Some("node-a")).zone_source,
            ZoneSource::Evidence(_)
        ));
        assert_eq!(
            e.context_for(Some("node-b")).zone_source,
            ZoneSource::Assumed
        );
        e.zone_override = Some((TimeZone::UTC, "UTC".into()));
        assert_eq!(
            e.context_for(Some("node-a")).zone_source,
            ZoneSource::Override
        );
    }
}
