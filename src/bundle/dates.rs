//! Dates written by collectors: in archive names, in `date` and
//! `timedatectl` output, in must-gather's `timestamp` file, in sosreport's
//! manifest. Each parser says whether the zone was known (`exact`) or the
//! civil time is only taken as UTC.

use std::sync::OnceLock;

use jiff::civil::DateTime;
use jiff::tz::Offset;
use regex::Regex;

use crate::time::parse::zone_abbrev;

/// A point in time and whether its zone was known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    pub unix_ns: i64,
    pub exact: bool,
}

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static pattern"))
}

fn num<T: std::str::FromStr>(s: Option<regex::Match<'_>>) -> Option<T> {
    s?.as_str().parse().ok()
}

/// Fraction digits (any count up to 9) as nanoseconds.
fn nanos(s: Option<regex::Match<'_>>) -> i32 {
    let Some(m) = s else { return 0 };
    let digits = &m.as_str()[..m.as_str().len().min(9)];
    let value: i32 = digits.parse().unwrap_or(0);
    value * 10i32.pow(9 - digits.len() as u32)
}

/// Civil fields at a UTC offset (`None`: taken as UTC, not exact).
#[allow(clippy::too_many_arguments)]
fn stamp(
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    nanos: i32,
    offset: Option<i32>,
) -> Option<Stamp> {
    let dt = DateTime::new(year, month, day, hour, minute, second, nanos).ok()?;
    let off = Offset::from_seconds(offset.unwrap_or(0)).ok()?;
    let ts = off.to_timestamp(dt).ok()?;
    Some(Stamp {
        unix_ns: i64::try_from(ts.as_nanosecond()).ok()?,
        exact: offset.is_some(),
    })
}

fn month_number(abbrev: &str) -> Option<i8> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|m| *m == abbrev)
        .map(|i| i as i8 + 1)
}

/// Offset of a zone as `date` prints it: `UTC`, a known abbreviation, or a
/// numeric `+03`, `+0530`, `-05:00`.
fn zone_offset(zone: &str) -> Option<i32> {
    if let Some(off) = zone_abbrev(zone) {
        return Some(off);
    }
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    let digits: String = digits.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (i32, i32) = match digits.len() {
        2 => (digits.parse().ok()?, 0),
        4 => (digits[..2].parse().ok()?, digits[2..].parse().ok()?),
        _ => return None,
    };
    (h <= 14 && m < 60).then_some(sign * (h * 3600 + m * 60))
}

/// Which collector's naming scheme a date was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameScheme {
    Troubleshoot,
    Rancher,
    Sosreport,
    SosreportLegacy,
}

impl NameScheme {
    pub(super) fn describe(self) -> &'static str {
        match self {
            NameScheme::Troubleshoot => "troubleshoot archive name (collector's local time)",
            NameScheme::Rancher => "Rancher collector archive name (node's local time)",
            NameScheme::Sosreport => "sosreport archive name (date only, taken as 00:00)",
            NameScheme::SosreportLegacy => "sosreport archive name (legacy, local time)",
        }
    }
}

/// The collection date in an archive or top-folder name (extension already
/// stripped). Always zone-less: the collectors use local time.
pub(super) fn archive_name_date(name: &str) -> Option<(Stamp, NameScheme)> {
    static TS: OnceLock<Regex> = OnceLock::new();
    static RANCHER: OnceLock<Regex> = OnceLock::new();
    static SOS: OnceLock<Regex> = OnceLock::new();
    static SOS_LEGACY: OnceLock<Regex> = OnceLock::new();
    let ts = regex(
        &TS,
        r"support-bundle-(\d{4})-(\d{2})-(\d{2})T(\d{2})_(\d{2})_(\d{2})$",
    );
    let rancher = regex(
        &RANCHER,
        r"^.+-(\d{4})-(\d{2})-(\d{2})_(\d{2})_(\d{2})_(\d{2})$",
    );
    let sos = regex(&SOS, r"^sosreport-.+-(\d{4})-(\d{2})-(\d{2})-[a-z]{7}$");
    let legacy = regex(
        &SOS_LEGACY,
        r"^sosreport-.+-(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$",
    );
    let full = |c: regex::Captures<'_>| {
        stamp(
            num(c.get(1))?,
            num(c.get(2))?,
            num(c.get(3))?,
            num(c.get(4))?,
            num(c.get(5))?,
            num(c.get(6))?,
            0,
            None,
        )
    };
    if let Some(c) = ts.captures(name) {
        return full(c).map(|s| (s, NameScheme::Troubleshoot));
    }
    if let Some(c) = sos.captures(name) {
        let s = stamp(
            num(c.get(1))?,
            num(c.get(2))?,
            num(c.get(3))?,
            0,
            0,
            0,
            0,
            None,
        )?;
        return Some((s, NameScheme::Sosreport));
    }
    if let Some(c) = legacy.captures(name) {
        return full(c).map(|s| (s, NameScheme::SosreportLegacy));
    }
    if let Some(c) = rancher.captures(name) {
        return full(c).map(|s| (s, NameScheme::Rancher));
    }
    None
}

/// `date` output in the C locale: `Mon Jun 10 10:15:00 CEST 2024`. Returns
/// the time (exact when the zone is known) and the zone text.
pub(super) fn date_output(text: &str) -> Option<(Stamp, String)> {
    static DATE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &DATE,
        r"^\s*[A-Z][a-z]{2}\s+([A-Z][a-z]{2})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\S+)\s+(\d{4})\s*$",
    );
    text.lines().find_map(|line| {
        let c = re.captures(line)?;
        let zone = c.get(6)?.as_str().to_string();
        let s = stamp(
            num(c.get(7))?,
            month_number(c.get(1)?.as_str())?,
            num(c.get(2))?,
            num(c.get(3))?,
            num(c.get(4))?,
            num(c.get(5))?,
            0,
            zone_offset(&zone),
        )?;
        Some((s, zone))
    })
}

/// `timedatectl` (status) output: the `Universal time:` line (exact) and
/// the zone name of the `Time zone:` line.
pub(super) fn timedatectl(text: &str) -> (Option<Stamp>, Option<String>) {
    static UNIVERSAL: OnceLock<Regex> = OnceLock::new();
    static ZONE: OnceLock<Regex> = OnceLock::new();
    let universal = regex(
        &UNIVERSAL,
        r"(?m)^\s*Universal time:\s+\w+\s+(\d{4})-(\d{2})-(\d{2})\s+(\d{2}):(\d{2}):(\d{2})\s+UTC\s*$",
    );
    let zone = regex(&ZONE, r"(?m)^\s*Time zone:\s+(\S+)");
    let at = universal.captures(text).and_then(|c| {
        stamp(
            num(c.get(1))?,
            num(c.get(2))?,
            num(c.get(3))?,
            num(c.get(4))?,
            num(c.get(5))?,
            num(c.get(6))?,
            0,
            Some(0),
        )
    });
    let name = zone
        .captures(text)
        .and_then(|c| Some(c.get(1)?.as_str().to_string()))
        .filter(|z| z != "n/a");
    (at, name)
}

/// Go's `time.Time` default format, as must-gather writes its `timestamp`
/// file: `2024-06-10 10:15:00.123456789 +0200 CEST m=+0.01`. Exact.
pub(super) fn go_time(line: &str) -> Option<Stamp> {
    static GO: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &GO,
        r"^\s*(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-])(\d{2})(\d{2})\b",
    );
    let c = re.captures(line)?;
    let sign = if c.get(8)?.as_str() == "-" { -1 } else { 1 };
    let h: i32 = num(c.get(9))?;
    let m: i32 = num(c.get(10))?;
    stamp(
        num(c.get(1))?,
        num(c.get(2))?,
        num(c.get(3))?,
        num(c.get(4))?,
        num(c.get(5))?,
        num(c.get(6))?,
        nanos(c.get(7)),
        Some(sign * (h * 3600 + m * 60)),
    )
}

/// Python's `str(datetime.now())`, as sosreport's manifest stores its times:
/// `2024-06-10 10:15:00.123456`. Local time of the node, so not exact.
pub(super) fn naive_datetime(text: &str) -> Option<Stamp> {
    static NAIVE: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &NAIVE,
        r"^\s*(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s*$",
    );
    let c = re.captures(text)?;
    stamp(
        num(c.get(1))?,
        num(c.get(2))?,
        num(c.get(3))?,
        num(c.get(4))?,
        num(c.get(5))?,
        num(c.get(6))?,
        nanos(c.get(7)),
        None,
    )
}

/// The POSIX TZ rule at the end of a version 2+ TZif file (`CET-1CEST,M3.5.0,M10.5.0/3`),
/// which is what a copied `etc/localtime` tells about the zone.
pub(super) fn tzif_footer(bytes: &[u8]) -> Option<String> {
    if bytes.len() < 44 || !bytes.starts_with(b"TZif") || bytes[4] < b'2' {
        return None;
    }
    let body = bytes.strip_suffix(b"\n")?;
    let start = body.iter().rposition(|&b| b == b'\n')? + 1;
    let footer = &body[start..];
    let printable = !footer.is_empty() && footer.iter().all(|b| b.is_ascii_graphic());
    printable.then(|| String::from_utf8_lossy(footer).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> i64 {
        let ts: jiff::Timestamp = text.parse().unwrap();
        ts.as_nanosecond() as i64
    }

    #[test]
    fn archive_names() {
        assert_eq!(
            archive_name_date("support-bundle-2024-06-10T10_15_00"),
            Some((
                Stamp {
                    unix_ns: utc("2024-06-10T10:15:00Z"),
                    exact: false
                },
                NameScheme::Troubleshoot
            ))
        );
        assert_eq!(
            archive_name_date("redacted-support-bundle-2024-06-10T10_15_00")
                .map(|(s, _)| s.unix_ns),
            Some(utc("2024-06-10T10:15:00Z"))
        );
        assert_eq!(
            archive_name_date("sosreport-cp1-0042-2024-06-10-qhzkgbt"),
            Some((
                Stamp {
                    unix_ns: utc("2024-06-10T00:00:00Z"),
                    exact: false
                },
                NameScheme::Sosreport
            ))
        );
        assert_eq!(
            archive_name_date("sosreport-cp1.12345-20240610101500").map(|(s, k)| (s.unix_ns, k)),
            Some((utc("2024-06-10T10:15:00Z"), NameScheme::SosreportLegacy))
        );
        assert_eq!(
            archive_name_date("worker-3-2024-06-10_10_15_00").map(|(s, k)| (s.unix_ns, k)),
            Some((utc("2024-06-10T10:15:00Z"), NameScheme::Rancher))
        );
        assert_eq!(archive_name_date("support-bundle"), None);
        assert_eq!(archive_name_date("sosreport-cp1-2024-13-10-qhzkgbt"), None);
    }

    #[test]
    fn date_command_output() {
        assert_eq!(
            date_output("Mon Jun 10 10:15:00 CEST 2024\n"),
            Some((
                Stamp {
                    unix_ns: utc("2024-06-10T08:15:00Z"),
                    exact: true
                },
                "CEST".into()
            ))
        );
        assert_eq!(
            date_output("Mon Jun  3 08:15:00 UTC 2024"),
            Some((
                Stamp {
                    unix_ns: utc("2024-06-03T08:15:00Z"),
                    exact: true
                },
                "UTC".into()
            ))
        );
        assert_eq!(
            date_output("Tue Jun 11 01:15:00 +0530 2024").map(|(s, _)| s.unix_ns),
            Some(utc("2024-06-10T19:45:00Z"))
        );
        // Ambiguous abbreviation: the civil time is kept, not exact.
        assert_eq!(
            date_output("Mon Jun 10 10:15:00 IST 2024"),
            Some((
                Stamp {
                    unix_ns: utc("2024-06-10T10:15:00Z"),
                    exact: false
                },
                "IST".into()
            ))
        );
        assert_eq!(date_output("date: command not found"), None);
    }

    #[test]
    fn timedatectl_status() {
        let text = "               Local time: Mon 2024-06-10 10:15:00 CEST\n           Universal time: Mon 2024-06-10 08:15:00 UTC\n                 RTC time: Mon 2024-06-10 08:15:00\n                Time zone: Europe/Berlin (CEST, +0200)\n";
        assert_eq!(
            timedatectl(text),
            (
                Some(Stamp {
                    unix_ns: utc("2024-06-10T08:15:00Z"),
                    exact: true
                }),
                Some("Europe/Berlin".into())
            )
        );
        assert_eq!(timedatectl("Time zone: n/a (UTC, +0000)"), (None, None));
    }

    #[test]
    fn go_and_python_times() {
        assert_eq!(
            go_time("2024-06-10 10:15:00.5 +0200 CEST m=+0.012"),
            Some(Stamp {
                unix_ns: utc("2024-06-10T08:15:00.5Z"),
                exact: true
            })
        );
        assert_eq!(
            go_time("2024-06-10 10:15:00 -0700 PDT"),
            Some(Stamp {
                unix_ns: utc("2024-06-10T17:15:00Z"),
                exact: true
            })
        );
        assert_eq!(
            naive_datetime("2024-06-10 10:15:00.123456"),
            Some(Stamp {
                unix_ns: utc("2024-06-10T10:15:00.123456Z"),
                exact: false
            })
        );
        assert_eq!(naive_datetime("yesterday"), None);
    }

    #[test]
    fn tzif_footers() {
        let mut tzif = b"TZif2".to_vec();
        tzif.extend([0u8; 50]);
        tzif.extend(b"\nCET-1CEST,M3.5.0,M10.5.0/3\n");
        assert_eq!(
            tzif_footer(&tzif),
            Some("CET-1CEST,M3.5.0,M10.5.0/3".into())
        );
        let mut v1 = tzif.clone();
        v1[4] = 0;
        assert_eq!(tzif_footer(&v1), None);
    }
}
