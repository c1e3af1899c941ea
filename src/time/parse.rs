//! Byte-level parsers for the timestamp shapes that log formats share.
//!
//! Every format module uses these instead of its own: one lenient RFC 3339
//! reader (variable fraction, `Z`, `+hh:mm`, `+hhmm`), month names, offsets,
//! epoch seconds with a fraction. They return [`CivilTime`] / [`RawTime`]
//! and never consult a clock; calendar arithmetic happens once, in the
//! resolver.

use super::{CivilTime, RawTime, NANOS_PER_SEC};

/// Two ASCII digits.
#[inline]
pub fn two_digits(b: &[u8]) -> Option<u8> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9', ..] => Some((a - b'0') * 10 + (c - b'0')),
        _ => None,
    }
}

/// Four ASCII digits.
#[inline]
pub fn four_digits(b: &[u8]) -> Option<i16> {
    let hi = two_digits(b)? as i16;
    let lo = two_digits(b.get(2..)?)? as i16;
    Some(hi * 100 + lo)
}

/// Fractional seconds after the dot: up to 9 digits, more are ignored.
/// Returns (nanos, bytes consumed).
#[inline]
pub fn fraction(b: &[u8]) -> (u32, usize) {
    let mut nanos: u32 = 0;
    let mut n = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        if n < 9 {
            nanos = nanos * 10 + (b[n] - b'0') as u32;
        }
        n += 1;
    }
    let scale = 9usize.saturating_sub(n.min(9));
    (nanos * 10u32.pow(scale as u32), n)
}

/// `HH:MM:SS` with an optional `.fraction`. Returns (h, m, s, nanos, consumed).
#[inline]
pub fn clock(b: &[u8]) -> Option<(u8, u8, u8, u32, usize)> {
    if b.len() < 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let (h, m, s) = (two_digits(b)?, two_digits(&b[3..])?, two_digits(&b[6..])?);
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    let mut n = 8;
    let mut nanos = 0;
    if b.get(8) == Some(&b'.') || b.get(8) == Some(&b',') {
        let (f, used) = fraction(&b[9..]);
        if used == 0 {
            return None;
        }
        nanos = f;
        n = 9 + used;
    }
    Some((h, m, s.min(59), nanos, n))
}

/// A UTC offset at the start of `b`: `Z`, `+hh:mm`, `+hhmm`, `+hh`. Returns seconds east.
pub fn offset(b: &[u8]) -> Option<i32> {
    offset_prefix(b).and_then(|(off, used)| (used == b.len()).then_some(off))
}

/// Like [`offset`] but also returns how many bytes were used and allows trailing text.
pub fn offset_prefix(b: &[u8]) -> Option<(i32, usize)> {
    match b.first()? {
        b'Z' | b'z' => Some((0, 1)),
        sign @ (b'+' | b'-') => {
            let h = two_digits(&b[1..])? as i32;
            let (m, used) = match b.get(3) {
                Some(b':') => (two_digits(&b[4..])? as i32, 6),
                Some(c) if c.is_ascii_digit() => (two_digits(&b[3..])? as i32, 5),
                _ => (0, 3),
            };
            if h > 18 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some((if *sign == b'-' { -secs } else { secs }, used))
        }
        _ => None,
    }
}

/// RFC 3339 / ISO 8601 date-time at the start of `b`:
/// `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±hh:mm|±hhmm]`.
/// The offset is optional (some writers omit it); without one the time is
/// zone-less. Returns the time and the number of bytes used.
pub fn rfc3339(b: &[u8]) -> Option<(CivilTime, usize)> {
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !(b[10] == b'T' || b[10] == b' ' || b[10] == b't')
    {
        return None;
    }
    let year = four_digits(b)?;
    let month = two_digits(&b[5..])?;
    let day = two_digits(&b[8..])?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (hour, minute, second, nanos, used) = clock(&b[11..])?;
    let mut n = 11 + used;
    let mut offset = None;
    if let Some((off, used)) = b.get(n..).and_then(offset_prefix) {
        offset = Some(off);
        n += used;
    }
    Some((
        CivilTime {
            year: Some(year),
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset,
        },
        n,
    ))
}

/// The whole of `b` is an RFC 3339 time (surrounding quotes/space trimmed by the caller).
pub fn rfc3339_exact(b: &[u8]) -> Option<RawTime> {
    let (c, used) = rfc3339(b)?;
    (used == b.len()).then_some(RawTime::Civil(c))
}

/// English month abbreviation (`Jan` .. `Dec`), case-sensitive first letter as journald prints it.
#[inline]
pub fn month_abbrev(b: &[u8]) -> Option<u8> {
    let m = b.get(..3)?;
    Some(match m {
        b"Jan" => 1,
        b"Feb" => 2,
        b"Mar" => 3,
        b"Apr" => 4,
        b"May" => 5,
        b"Jun" => 6,
        b"Jul" => 7,
        b"Aug" => 8,
        b"Sep" => 9,
        b"Oct" => 10,
        b"Nov" => 11,
        b"Dec" => 12,
        _ => return None,
    })
}

/// Seconds since the epoch with an optional fraction (`1718000000.123456`). Returns ns and bytes used.
pub fn unix_seconds(b: &[u8]) -> Option<(i64, usize)> {
    let mut n = 0;
    let mut secs: i64 = 0;
    while n < b.len() && b[n].is_ascii_digit() {
        secs = secs.checked_mul(10)?.checked_add((b[n] - b'0') as i64)?;
        n += 1;
    }
    if n == 0 || n > 12 {
        return None;
    }
    let mut nanos = 0;
    if b.get(n) == Some(&b'.') {
        let (f, used) = fraction(&b[n + 1..]);
        nanos = f as i64;
        n += 1 + used;
    }
    Some((secs.checked_mul(NANOS_PER_SEC)?.checked_add(nanos)?, n))
}

/// Offsets of zone abbreviations that show up in `short-full` output and `date`.
/// Ambiguous ones (`CST`, `IST`) are deliberately absent: the caller treats
/// them as unknown and falls back to the file's zone.
pub fn zone_abbrev(name: &str) -> Option<i32> {
    Some(match name {
        "UTC" | "GMT" | "Z" => 0,
        "WET" => 0,
        "WEST" | "BST" | "CET" => 3600,
        "CEST" | "EET" => 7200,
        "EEST" | "MSK" => 3 * 3600,
        "EST" => -5 * 3600,
        "EDT" => -4 * 3600,
        "CDT" => -5 * 3600,
        "MST" => -7 * 3600,
        "MDT" => -6 * 3600,
        "PST" => -8 * 3600,
        "PDT" => -7 * 3600,
        "JST" | "KST" => 9 * 3600,
        "AEST" => 10 * 3600,
        "AEDT" => 11 * 3600,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_variants() {
        let (c, n) = rfc3339(b"2024-06-10T06:13:20.1234Z stdout").unwrap();
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.nanos, c.offset, n),
            (Some(2024), 6, 10, 6, 123_400_000, Some(0), 25)
        );
        let (c, _) = rfc3339(b"2024-06-10T08:13:20+02:00").unwrap();
        assert_eq!(c.offset, Some(7200));
        let (c, _) = rfc3339(b"2024-06-10T08:13:20.123456+0200").unwrap();
        assert_eq!((c.offset, c.nanos), (Some(7200), 123_456_000));
        let (c, _) = rfc3339(b"2016-01-07T16:49:10.0").unwrap();
        assert_eq!(c.offset, None);
        assert!(rfc3339(b"2024-13-10T08:13:20Z").is_none());
        assert!(rfc3339(b"not a time at all, really").is_none());
    }

    #[test]
    fn fractions_of_any_length() {
        assert_eq!(fraction(b"5"), (500_000_000, 1));
        assert_eq!(fraction(b"123456789123"), (123_456_789, 12));
        assert_eq!(fraction(b"x"), (0, 0));
    }

    #[test]
    fn offsets() {
        assert_eq!(offset(b"Z"), Some(0));
        assert_eq!(offset(b"-05:30"), Some(-(5 * 3600 + 1800)));
        assert_eq!(offset(b"+0200"), Some(7200));
        assert_eq!(offset(b"+02"), Some(7200));
        assert_eq!(offset(b"+2"), None);
    }

    #[test]
    fn unix_and_months() {
        assert_eq!(
            unix_seconds(b"1718000000.123456 rest"),
            Some((1_718_000_000_123_456_000, 17))
        );
        assert_eq!(month_abbrev(b"Dec 31"), Some(12));
        assert_eq!(month_abbrev(b"Foo"), None);
    }
}
