//! Instants on the shared timeline and every timestamp shape the formats use.
//!
//! All instants are microseconds since the Unix epoch in UTC (`Micros`), the
//! resolution of journald. Formats that print nanoseconds get three extra
//! digits derived from the instant itself (`sub_micro`), so the same instant
//! always prints the same way and the nanosecond tail is not always zero.
//! Time zones are computed here instead of through a tz database so that the
//! output never depends on the machine: UTC and Europe/Berlin (EU DST rules)
//! are all the corpus needs.

use std::io::Write;

pub type Micros = i64;
pub const SEC: Micros = 1_000_000;
pub const MIN: Micros = 60 * SEC;
pub const HOUR: Micros = 60 * MIN;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/// Broken-down wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub min: u32,
    pub sec: u32,
    pub micros: u32,
    /// 0 = Sunday.
    pub weekday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = (yoe + era * 400 + if m <= 2 { 1 } else { 0 }) as i32;
    (y, m, d)
}

/// UTC broken-down time of an instant.
pub fn civil(t: Micros) -> Civil {
    let secs = t.div_euclid(SEC);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400) as u32;
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: sod / 3600,
        min: sod / 60 % 60,
        sec: sod % 60,
        micros: t.rem_euclid(SEC) as u32,
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// The instant of a UTC wall-clock time.
pub fn instant(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Micros {
    (days_from_civil(y, mo, d) * 86_400 + (h * 3600 + mi * 60 + s) as i64) * SEC
}

/// Three pseudo nanosecond digits below the microsecond, a fixed function of `t`.
/// A quarter of the instants get `000` so that trimmed fractions vary in length.
pub fn sub_micro(t: Micros) -> u32 {
    let h = crate::rng::mix(t as u64);
    if h & 3 == 0 {
        0
    } else {
        ((h >> 8) % 1000) as u32
    }
}

/// The zone a node (or a process on it) renders local times in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    Utc,
    /// Europe/Berlin: CET (+01:00) and CEST (+02:00), EU rules.
    Berlin,
}

impl Zone {
    /// Offset from UTC in seconds at instant `t`.
    pub fn offset(self, t: Micros) -> i64 {
        match self {
            Zone::Utc => 0,
            Zone::Berlin => {
                if berlin_summer(t) {
                    7200
                } else {
                    3600
                }
            }
        }
    }

    pub fn local(self, t: Micros) -> Civil {
        civil(t + self.offset(t) * SEC)
    }

    pub fn abbrev(self, t: Micros) -> &'static str {
        match self {
            Zone::Utc => "UTC",
            Zone::Berlin if berlin_summer(t) => "CEST",
            Zone::Berlin => "CET",
        }
    }

    /// IANA name, as `timedatectl` and `/etc/timezone` show it.
    pub fn name(self) -> &'static str {
        match self {
            Zone::Utc => "Etc/UTC",
            Zone::Berlin => "Europe/Berlin",
        }
    }
}

/// EU summer time: from the last Sunday of March 01:00 UTC to the last Sunday
/// of October 01:00 UTC.
fn berlin_summer(t: Micros) -> bool {
    let y = civil(t).year;
    let last_sunday = |m: u32, last_day: u32| {
        let days = days_from_civil(y, m, last_day);
        let weekday = (days + 4).rem_euclid(7);
        (days - weekday) * 86_400 * SEC + HOUR
    };
    t >= last_sunday(3, 31) && t < last_sunday(10, 31)
}

// ---- digit helpers (no allocation) ----

pub fn push_num(buf: &mut Vec<u8>, v: u64, width: usize) {
    let mut tmp = [b'0'; 20];
    let mut i = 20;
    let mut v = v;
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    for _ in (20 - i)..width {
        buf.push(b'0');
    }
    buf.extend_from_slice(&tmp[i..]);
}

pub fn push_u64(buf: &mut Vec<u8>, v: u64) {
    push_num(buf, v, 0)
}

fn push2(buf: &mut Vec<u8>, v: u32) {
    buf.push(b'0' + (v / 10) as u8);
    buf.push(b'0' + (v % 10) as u8);
}

fn push_date(buf: &mut Vec<u8>, c: &Civil, sep: u8) {
    push_num(buf, c.year as u64, 4);
    buf.push(sep);
    push2(buf, c.month);
    buf.push(sep);
    push2(buf, c.day);
}

fn push_hms(buf: &mut Vec<u8>, c: &Civil) {
    push2(buf, c.hour);
    buf.push(b':');
    push2(buf, c.min);
    buf.push(b':');
    push2(buf, c.sec);
}

/// `+0200`, `+02:00`, or `Z` when `z_for_utc` and the offset is zero.
pub fn push_offset(buf: &mut Vec<u8>, secs: i64, colon: bool, z_for_utc: bool) {
    if secs == 0 && z_for_utc {
        buf.push(b'Z');
        return;
    }
    buf.push(if secs < 0 { b'-' } else { b'+' });
    let m = secs.unsigned_abs() / 60;
    push2(buf, (m / 60) as u32);
    if colon {
        buf.push(b':');
    }
    push2(buf, (m % 60) as u32);
}

// ---- the shapes ----

/// klog header time `0610 06:13:20.123456` (no year, no zone).
pub fn klog(buf: &mut Vec<u8>, t: Micros) {
    let c = civil(t);
    push2(buf, c.month);
    push2(buf, c.day);
    buf.push(b' ');
    push_hms(buf, &c);
    buf.push(b'.');
    push_num(buf, c.micros as u64, 6);
}

/// journalctl `short`: `Jun 10 08:13:20` in `zone`.
pub fn journal_short(buf: &mut Vec<u8>, t: Micros, zone: Zone) {
    let c = zone.local(t);
    buf.extend_from_slice(MONTHS[c.month as usize - 1].as_bytes());
    buf.push(b' ');
    push2(buf, c.day);
    buf.push(b' ');
    push_hms(buf, &c);
}

/// journalctl `short-precise`: `Jun 10 08:13:20.123456`.
pub fn journal_precise(buf: &mut Vec<u8>, t: Micros, zone: Zone) {
    journal_short(buf, t, zone);
    buf.push(b'.');
    push_num(buf, t.rem_euclid(SEC) as u64, 6);
}

/// journalctl `short-iso`: `2024-06-10T08:13:20+0200` (systemd ≥ 255: `+02:00`).
pub fn journal_iso(buf: &mut Vec<u8>, t: Micros, zone: Zone, colon: bool) {
    let c = zone.local(t);
    push_date(buf, &c, b'-');
    buf.push(b'T');
    push_hms(buf, &c);
    push_offset(buf, zone.offset(t), colon, false);
}

/// `short-full` / range-header shape: `Mon 2024-06-10 08:13:20 CEST`.
pub fn journal_full(buf: &mut Vec<u8>, t: Micros, zone: Zone) {
    let c = zone.local(t);
    buf.extend_from_slice(WEEKDAYS[c.weekday as usize].as_bytes());
    buf.push(b' ');
    push_date(buf, &c, b'-');
    buf.push(b' ');
    push_hms(buf, &c);
    buf.push(b' ');
    buf.extend_from_slice(zone.abbrev(t).as_bytes());
}

/// How many fractional digits an RFC 3339 stamp carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frac {
    /// Whole seconds.
    None,
    /// Exactly 6 digits (MicroTime, etcd).
    Micro,
    /// Exactly 9 digits (containerd logrus, conmon, `--timestamps`).
    Nano,
    /// Go `RFC3339Nano`: up to 9 digits, trailing zeros trimmed, no dot if zero.
    NanoTrim,
}

/// RFC 3339 in `zone`; `z_for_utc` prints a zero offset as `Z`.
pub fn rfc3339(buf: &mut Vec<u8>, t: Micros, zone: Zone, frac: Frac, z_for_utc: bool) {
    let off = zone.offset(t);
    let c = civil(t + off * SEC);
    push_date(buf, &c, b'-');
    buf.push(b'T');
    push_hms(buf, &c);
    let nanos = c.micros as u64 * 1000 + sub_micro(t) as u64;
    match frac {
        Frac::None => {}
        Frac::Micro => {
            buf.push(b'.');
            push_num(buf, c.micros as u64, 6);
        }
        Frac::Nano => {
            buf.push(b'.');
            push_num(buf, nanos, 9);
        }
        Frac::NanoTrim => {
            if nanos != 0 {
                let mut digits = 9;
                let mut n = nanos;
                while n % 10 == 0 {
                    n /= 10;
                    digits -= 1;
                }
                buf.push(b'.');
                push_num(buf, n, digits);
            }
        }
    }
    push_offset(buf, off, true, z_for_utc);
}

/// UTC RFC 3339 with `Z` (events, k3s logrus).
pub fn utc(buf: &mut Vec<u8>, t: Micros, frac: Frac) {
    rfc3339(buf, t, Zone::Utc, frac, true)
}

/// A `String` of [`utc`], for the few places that need an owned value.
pub fn utc_string(t: Micros, frac: Frac) -> String {
    let mut b = Vec::with_capacity(32);
    utc(&mut b, t, frac);
    String::from_utf8(b).expect("ascii")
}

/// Component-base JSON `ts`: float milliseconds since the epoch (`1718000000123.456`).
pub fn epoch_ms_float(buf: &mut Vec<u8>, t: Micros) {
    push_u64(buf, (t / 1000) as u64);
    let mut frac = (t % 1000) as u64;
    if frac != 0 {
        let mut digits = 3;
        while frac % 10 == 0 {
            frac /= 10;
            digits -= 1;
        }
        buf.push(b'.');
        push_num(buf, frac, digits);
    }
}

/// Access-log time `10/Jun/2024:06:13:20 +0000`.
pub fn clf(buf: &mut Vec<u8>, t: Micros) {
    let c = civil(t);
    push2(buf, c.day);
    buf.push(b'/');
    buf.extend_from_slice(MONTHS[c.month as usize - 1].as_bytes());
    buf.push(b'/');
    push_num(buf, c.year as u64, 4);
    buf.push(b':');
    push_hms(buf, &c);
    buf.extend_from_slice(b" +0000");
}

/// `2024-06-10 08:13:20` in `zone` (dpkg.log, apt history, logrus k0s).
pub fn date_time(buf: &mut Vec<u8>, t: Micros, zone: Zone) {
    let c = zone.local(t);
    push_date(buf, &c, b'-');
    buf.push(b' ');
    push_hms(buf, &c);
}

/// `2024-06-10 06:13:20.123` UTC with milliseconds (calico, postgres).
pub fn date_time_ms(buf: &mut Vec<u8>, t: Micros) {
    date_time(buf, t, Zone::Utc);
    buf.push(b'.');
    push_num(buf, (t.rem_euclid(SEC) / 1000) as u64, 3);
}

/// nginx error-log time `2024/06/10 06:13:20`.
pub fn slash_date_time(buf: &mut Vec<u8>, t: Micros) {
    let c = civil(t);
    push_date(buf, &c, b'/');
    buf.push(b' ');
    push_hms(buf, &c);
}

/// Output of `date`: `Mon Jun 10 12:15:03 CEST 2024`.
pub fn date_cmd(t: Micros, zone: Zone) -> String {
    let c = zone.local(t);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} {} {}",
        WEEKDAYS[c.weekday as usize],
        MONTHS[c.month as usize - 1],
        c.day,
        c.hour,
        c.min,
        c.sec,
        zone.abbrev(t),
        c.year
    )
}

/// Kubelet rotation suffix `20240610-081530` (kubelet's local clock).
pub fn rotation_suffix(t: Micros, zone: Zone) -> String {
    let c = zone.local(t);
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        c.year, c.month, c.day, c.hour, c.min, c.sec
    )
}

/// Apiserver trace time inside a message: `10-Jun-2024 06:13:20.123`.
pub fn trace_time(buf: &mut Vec<u8>, t: Micros) {
    let c = civil(t);
    let _ = write!(
        buf,
        "{:02}-{}-{} {:02}:{:02}:{:02}.{:03}",
        c.day,
        MONTHS[c.month as usize - 1],
        c.year,
        c.hour,
        c.min,
        c.sec,
        c.micros / 1000
    );
}

/// Parse `2024-06-10T06:00:00Z` (also accepts a `+hh:mm` offset) for `--start`.
pub fn parse_rfc3339(s: &str) -> Option<Micros> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u32>().ok();
    let t = instant(
        num(0..4)? as i32,
        num(5..7)?,
        num(8..10)?,
        num(11..13)?,
        num(14..16)?,
        num(17..19)?,
    );
    let rest = &s[19..];
    let rest = match rest.strip_prefix('.') {
        Some(r) => r.trim_start_matches(|c: char| c.is_ascii_digit()),
        None => rest,
    };
    if rest == "Z" {
        return Some(t);
    }
    let sign = match rest.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let h: i64 = rest.get(1..3)?.parse().ok()?;
    let m: i64 = rest.get(4..6)?.parse().ok()?;
    Some(t - sign * (h * HOUR + m * MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut b = Vec::new();
        f(&mut b);
        String::from_utf8(b).unwrap()
    }

    #[test]
    fn shapes_of_one_instant() {
        // 2024-06-10 06:13:20.123456 UTC
        let t = instant(2024, 6, 10, 6, 13, 20) + 123_456;
        assert_eq!(t, 1_718_000_000_123_456);
        assert_eq!(s(|b| klog(b, t)), "0610 06:13:20.123456");
        assert_eq!(s(|b| journal_short(b, t, Zone::Berlin)), "Jun 10 08:13:20");
        assert_eq!(
            s(|b| journal_precise(b, t, Zone::Utc)),
            "Jun 10 06:13:20.123456"
        );
        assert_eq!(
            s(|b| journal_iso(b, t, Zone::Berlin, false)),
            "2024-06-10T08:13:20+0200"
        );
        assert_eq!(
            s(|b| journal_iso(b, t, Zone::Utc, true)),
            "2024-06-10T06:13:20+00:00"
        );
        assert_eq!(
            s(|b| journal_full(b, t, Zone::Berlin)),
            "Mon 2024-06-10 08:13:20 CEST"
        );
        assert_eq!(s(|b| utc(b, t, Frac::Micro)), "2024-06-10T06:13:20.123456Z");
        assert!(s(|b| utc(b, t - 123_456, Frac::NanoTrim)).len() >= 20);
        assert_eq!(s(|b| clf(b, t)), "10/Jun/2024:06:13:20 +0000");
        assert_eq!(date_cmd(t, Zone::Berlin), "Mon Jun 10 08:13:20 CEST 2024");
        assert_eq!(s(|b| epoch_ms_float(b, t)), "1718000000123.456");
    }

    #[test]
    fn berlin_winter_and_parse() {
        let jan = instant(2024, 1, 15, 12, 0, 0);
        assert_eq!(Zone::Berlin.offset(jan), 3600);
        assert_eq!(Zone::Berlin.abbrev(jan), "CET");
        // DST starts 2024-03-31 01:00 UTC.
        assert_eq!(Zone::Berlin.offset(instant(2024, 3, 31, 0, 59, 59)), 3600);
        assert_eq!(Zone::Berlin.offset(instant(2024, 3, 31, 1, 0, 0)), 7200);
        assert_eq!(
            parse_rfc3339("2024-06-10T08:00:00+02:00"),
            Some(instant(2024, 6, 10, 6, 0, 0))
        );
        assert_eq!(
            parse_rfc3339("2024-06-10T06:00:00Z"),
            Some(instant(2024, 6, 10, 6, 0, 0))
        );
    }
}
