//! kubectl relative ages (`3m2s`, `5h12m`, `<unknown>`) and the `LAST SEEN`
//! / `Age` cells of event tables (`3m2s (x7 over 11m)`).
//!
//! kubectl prints ages with apimachinery's `HumanDuration`, whose precision
//! falls as the age grows: `3m2s` is exact to the second, `95m` to the
//! minute, `31h` to the hour, `412d` to the day. A parsed age is therefore an
//! interval `[seconds, seconds + resolution)` before the collection time
//! ([`RawTime::Age`]); the pipeline anchors it. The resolution is decided by
//! the printed shape and magnitude exactly as `HumanDuration` chose them
//! (kubectl-events.md §7):
//!
//! | shape | resolution |
//! |---|---|
//! | `<s>s` | 1 s |
//! | `<m>m<s>s`; `<m>m` with m < 10 (seconds were 0) | 1 s |
//! | `<m>m` with m ≥ 10; `<h>h<m>m`; `<h>h` with h < 8 (minutes were 0) | 1 min |
//! | `<h>h` with h ≥ 8; `<d>d<h>h`; `<d>d` with d < 8 (hours were 0) | 1 h |
//! | `<d>d` with d ≥ 8; `<y>y<d>d`; `<y>y` with y < 8 (days were 0) | 1 day |
//! | `<y>y` with y ≥ 8 | 1 year (365 days) |
//!
//! Special cells: `<unknown>` (the event has no time at all) is
//! [`RawTime::None`]; `<invalid>` (the timestamp lies more than a second
//! *after* the moment kubectl ran: clock skew) is also [`RawTime::None`],
//! because the true instant is only known to be "later than collection" and
//! parsers never guess; `0s` covers both "just now" and up to a second of
//! skew and is `Age { seconds: 0, resolution: 1 }`.
//!
//! Old servers and clients (kubectl before ~1.11, the pre-1.8 describe and
//! pre-1.12 event tables) printed ages with `ShortHumanDuration`, which
//! writes a single truncated unit (`1m` for 110 s, `5h`, `2d`). A single-unit
//! age from such a table is only exact to that unit. [`AgeStyle::Legacy`]
//! widens the resolution to the larger of both readings, so the interval is
//! right whichever printer wrote it.
//!
//! The grammar is written with nom and accepts exactly the regex of §7
//! (`\d+y(\d+d)?|\d+d(\d+h)?|\d+h(\d+m)?|\d+m(\d+s)?|\d+s`, a second unit
//! must be the next smaller one); values that overflow are rejected.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1, space1};
use nom::combinator::{all_consuming, map_res, opt, value};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use crate::time::RawTime;

/// Which kubectl age printer wrote a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AgeStyle {
    /// `HumanDuration` (kubectl ≥ 1.11, every current table).
    #[default]
    Human,
    /// Possibly `ShortHumanDuration` (old tables): single units are only
    /// exact to the unit.
    Legacy,
}

/// One `LAST SEEN` / `Age` cell: the last-seen age, the repeat count and the
/// first-seen age when the cell had the `(x<count> over <age>)` suffix.
pub type AgeColumn = (RawTime, Option<u32>, Option<RawTime>);

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86_400;
const YEAR: u64 = 365 * DAY;

/// Parse one age cell (`3m2s`, `<unknown>`) printed by `HumanDuration`.
pub fn parse(cell: &str) -> Option<RawTime> {
    parse_with(cell, AgeStyle::Human)
}

/// Parse one age cell written by the printer `style`.
pub fn parse_with(cell: &str, style: AgeStyle) -> Option<RawTime> {
    let (_, age) = all_consuming(|i| age(i, style)).parse(cell.trim()).ok()?;
    Some(age)
}

/// Parse a `LAST SEEN` (`kubectl events`) or describe `Age` cell:
/// `12m`, or `3m2s (x7 over 11m)`.
pub fn parse_age_column(cell: &str) -> Option<AgeColumn> {
    parse_age_column_with(cell, AgeStyle::Human)
}

/// [`parse_age_column`] for a table written by the printer `style`.
pub fn parse_age_column_with(cell: &str, style: AgeStyle) -> Option<AgeColumn> {
    let repeat = delimited(
        tag("(x"),
        (count, space1, tag("over"), space1, |i| age(i, style)),
        char(')'),
    );
    let mut column = all_consuming((|i| age(i, style), opt(preceded(space1, repeat))));
    let (_, (last, repeat)) = column.parse(cell.trim()).ok()?;
    Some(match repeat {
        Some((n, _, _, _, first)) => (last, Some(n), Some(first)),
        None => (last, None, None),
    })
}

/// A time unit of the age grammar, largest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Day,
    Hour,
    Minute,
    Second,
}

impl Unit {
    fn seconds(self) -> u64 {
        match self {
            Unit::Year => YEAR,
            Unit::Day => DAY,
            Unit::Hour => HOUR,
            Unit::Minute => MINUTE,
            Unit::Second => 1,
        }
    }

    /// The only unit allowed as the second component after this one.
    fn next_smaller(self) -> Option<Unit> {
        match self {
            Unit::Year => Some(Unit::Day),
            Unit::Day => Some(Unit::Hour),
            Unit::Hour => Some(Unit::Minute),
            Unit::Minute => Some(Unit::Second),
            Unit::Second => None,
        }
    }
}

fn age(input: &str, style: AgeStyle) -> IResult<&str, RawTime> {
    alt((
        value(RawTime::None, tag("<unknown>")),
        value(RawTime::None, tag("<invalid>")),
        |i| duration(i, style),
    ))
    .parse(input)
}

fn count(input: &str) -> IResult<&str, u32> {
    map_res(digit1, str::parse::<u32>).parse(input)
}

fn number(input: &str) -> IResult<&str, u64> {
    map_res(digit1, str::parse::<u64>).parse(input)
}

fn unit(input: &str) -> IResult<&str, Unit> {
    alt((
        value(Unit::Year, char('y')),
        value(Unit::Day, char('d')),
        value(Unit::Hour, char('h')),
        value(Unit::Minute, char('m')),
        value(Unit::Second, char('s')),
    ))
    .parse(input)
}

fn component(input: &str) -> IResult<&str, (u64, Unit)> {
    (number, unit).parse(input)
}

/// `<n><unit>` optionally followed by `<n><next smaller unit>`.
fn duration(input: &str, style: AgeStyle) -> IResult<&str, RawTime> {
    let (rest, first) = component(input)?;
    let (rest, second) = match first.1.next_smaller() {
        Some(expected) => opt(nom::combinator::verify(component, |c: &(u64, Unit)| {
            c.1 == expected
        }))
        .parse(rest)?,
        None => (rest, None),
    };
    match age_interval(first, second, style) {
        Some(time) => Ok((rest, time)),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::TooLarge,
        ))),
    }
}

/// Seconds and resolution of a parsed duration; `None` on overflow.
fn age_interval(
    first: (u64, Unit),
    second: Option<(u64, Unit)>,
    style: AgeStyle,
) -> Option<RawTime> {
    let mut seconds = first.0.checked_mul(first.1.seconds())?;
    if let Some((n, u)) = second {
        seconds = seconds.checked_add(n.checked_mul(u.seconds())?)?;
    }
    let human = human_resolution(first, second);
    let resolution = match (style, second) {
        (AgeStyle::Legacy, None) => human.max(first.1.seconds()),
        _ => human,
    };
    Some(RawTime::Age {
        seconds,
        resolution: u32::try_from(resolution).ok()?,
    })
}

/// The precision `HumanDuration` had when it printed this shape.
fn human_resolution(first: (u64, Unit), second: Option<(u64, Unit)>) -> u64 {
    if let Some((_, unit)) = second {
        return unit.seconds();
    }
    let (n, unit) = first;
    match unit {
        Unit::Second => 1,
        Unit::Minute if n < 10 => 1,
        Unit::Minute => MINUTE,
        Unit::Hour if n < 8 => MINUTE,
        Unit::Hour => HOUR,
        Unit::Day if n < 8 => HOUR,
        Unit::Day => DAY,
        Unit::Year if n < 8 => DAY,
        Unit::Year => YEAR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn age(seconds: u64, resolution: u32) -> RawTime {
        RawTime::Age {
            seconds,
            resolution,
        }
    }

    /// Every row of the table in kubectl-events.md §7, with its examples.
    #[test]
    fn every_row_of_the_human_duration_table() {
        let cases: &[(&str, RawTime)] = &[
            ("<invalid>", RawTime::None),
            ("0s", age(0, 1)),
            ("45s", age(45, 1)),
            ("119s", age(119, 1)),
            ("3m2s", age(182, 1)),
            ("4m", age(240, 1)),
            ("95m", age(95 * 60, 60)),
            ("179m", age(179 * 60, 60)),
            ("5h12m", age(5 * 3600 + 12 * 60, 60)),
            ("5h", age(5 * 3600, 60)),
            ("31h", age(31 * 3600, 3600)),
            ("3d7h", age(3 * 86_400 + 7 * 3600, 3600)),
            ("3d", age(3 * 86_400, 3600)),
            ("412d", age(412 * 86_400, 86_400)),
            ("2y30d", age(2 * YEAR + 30 * 86_400, 86_400)),
            ("3y", age(3 * YEAR, 86_400)),
            ("9y", age(9 * YEAR, 31_536_000)),
            ("<unknown>", RawTime::None),
        ];
        for (cell, expected) in cases {
            assert_eq!(parse(cell), Some(*expected), "cell {cell:?}");
        }
    }

    #[test]
    fn boundaries_between_precisions() {
        assert_eq!(parse("9m"), Some(age(540, 1)));
        assert_eq!(parse("10m"), Some(age(600, 60)));
        assert_eq!(parse("7h"), Some(age(7 * 3600, 60)));
        assert_eq!(parse("8h"), Some(age(8 * 3600, 3600)));
        assert_eq!(parse("7d"), Some(age(7 * 86_400, 3600)));
        assert_eq!(parse("8d"), Some(age(8 * 86_400, 86_400)));
        assert_eq!(parse("7y"), Some(age(7 * YEAR, 86_400)));
        assert_eq!(parse("8y"), Some(age(8 * YEAR, 31_536_000)));
    }

    #[test]
    fn surrounding_space_is_ignored_but_nothing_else_is_accepted() {
        assert_eq!(parse("  12m "), Some(age(720, 60)));
        for bad in [
            "", "m", "12", "12x", "3s2m", "3h2s", "1y2h", "3m2s1", "-5s", "3 m", "3m 2s", "12M",
            "<none>", "unknown", "1d2h3m",
        ] {
            assert_eq!(parse(bad), None, "cell {bad:?}");
        }
    }

    #[test]
    fn overflowing_values_are_rejected() {
        assert_eq!(parse("99999999999999999999s"), None);
        assert_eq!(parse("999999999999999y"), None);
    }

    #[test]
    fn legacy_style_widens_single_units() {
        // ShortHumanDuration printed 110 s as "1m" and 5h40m as "5h".
        assert_eq!(parse_with("1m", AgeStyle::Legacy), Some(age(60, 60)));
        assert_eq!(
            parse_with("5h", AgeStyle::Legacy),
            Some(age(5 * 3600, 3600))
        );
        assert_eq!(
            parse_with("2d", AgeStyle::Legacy),
            Some(age(2 * 86_400, 86_400))
        );
        assert_eq!(parse_with("45s", AgeStyle::Legacy), Some(age(45, 1)));
        // Two-unit shapes only come from HumanDuration.
        assert_eq!(parse_with("3m2s", AgeStyle::Legacy), Some(age(182, 1)));
        assert_eq!(
            parse_with("412d", AgeStyle::Legacy),
            Some(age(412 * 86_400, 86_400))
        );
    }

    #[test]
    fn age_column_with_and_without_repeat_suffix() {
        assert_eq!(parse_age_column("12m"), Some((age(720, 60), None, None)));
        assert_eq!(
            parse_age_column("3m2s (x7 over 11m)"),
            Some((age(182, 1), Some(7), Some(age(660, 60))))
        );
        assert_eq!(
            parse_age_column("  <unknown> (x2 over 5m)  "),
            Some((RawTime::None, Some(2), Some(age(300, 1))))
        );
        assert_eq!(
            parse_age_column("<invalid>"),
            Some((RawTime::None, None, None))
        );
        for bad in [
            "3m2s (x7 over 11m",
            "3m2s (7 over 11m)",
            "3m2s (x over 11m)",
            "3m2s (x7 11m)",
            "3m2s x7",
            "Normal",
        ] {
            assert_eq!(parse_age_column(bad), None, "cell {bad:?}");
        }
    }

    #[test]
    fn legacy_age_column() {
        assert_eq!(
            parse_age_column_with("3m (x7 over 11m)", AgeStyle::Legacy),
            Some((age(180, 60), Some(7), Some(age(660, 60))))
        );
    }
}
