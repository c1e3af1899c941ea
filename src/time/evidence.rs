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
    pub fn collection(&self) -> Option<Instant> {
        let latest = |v: &[Instant]| v.iter().max_by_key(|i| i.unix_ns).cloned();
        latest(&self.collection_exact)
            .or_else(|| {
                self.latest_exact_stamp.clone().map(|i| Instant {
                    from: format!("latest exact stamp ({})", i.from),
                    ..i
                })
            })
            .or_else(|| latest(&self.collection_civil))
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
    fn exact_collection_time_beats_data_stamps_and_names() {
        let mut e = Evidence::default();
        e.collection_civil.push(Instant {
            unix_ns: 30,
            from: "archive name".into(),
        });
        assert_eq!(e.collection().unwrap().unix_ns, 30);
        e.offer_stamp(10, "a.export");
        e.offer_stamp(20, "b.json");
        e.offer_stamp(15, "c.log");
        assert_eq!(e.collection().unwrap().unix_ns, 20);
        e.collection_exact.push(Instant {
            unix_ns: 25,
            from: "tar mtimes".into(),
        });
        assert_eq!(
            e.collection().unwrap(),
            Instant {
                unix_ns: 25,
                from: "tar mtimes".into()
            }
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
