//! Dates: RFC 822 (as updated by RFC 2822) for RSS, RFC 3339 for Atom, and W3C-DTF
//! (ISO 8601 profile) for Dublin Core. Each check reports on the element it is given
//! and returns the parsed date when there is one.

use super::dom::Node;
use chrono::NaiveDate;

use super::Ctx;

const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// What an RFC 822 date string turned out to be.
#[derive(Debug, PartialEq)]
pub(super) enum Rfc822 {
    Valid(Stamp),
    /// Understandable, but not in the form the RFC gives (comments, odd zones…).
    Problematical(Stamp, &'static str),
    /// The weekday named is not the date's.
    WrongDay(Stamp),
    Invalid,
}

/// Parses an RFC 822 date-time strictly, then loosely.
pub(super) fn parse_rfc822(s: &str) -> Rfc822 {
    let s = super::trim(s);
    match strict822(s) {
        Some((d, dow, zone)) => {
            if let Some(day) = dow {
                if DAYS[usize::from(d.weekday)] != day {
                    return Rfc822::WrongDay(d);
                }
            }
            if let Some(why) = odd_zone(zone) {
                return Rfc822::Problematical(d, why);
            }
            Rfc822::Valid(d)
        }
        None => match loose822(s) {
            Some(d) => Rfc822::Problematical(d, "not in the form RFC 822 gives"),
            None => Rfc822::Invalid,
        },
    }
}

/// Zones that RFC 822 allows but readers misread: military letters other than Z,
/// and offsets whose minutes are not 00, 30 or 45. `zone` is the date's last field.
fn odd_zone(zone: &str) -> Option<&'static str> {
    if !zone.is_ascii() {
        return None;
    }
    if zone.len() == 1 && zone != "Z" {
        return Some("single-letter military time zones are ambiguous");
    }
    if zone.len() == 5 && (zone.starts_with('+') || zone.starts_with('-')) {
        let mins = &zone[3..];
        if !matches!(mins, "00" | "30") {
            return Some("unusual time zone offset");
        }
    }
    None
}

/// `[Day, ]DD Mon YYYY HH:MM[:SS] ZONE` exactly; returns the date, the weekday
/// named and the zone as written (the last field, after the last space).
fn strict822(s: &str) -> Option<(Stamp, Option<&str>, &str)> {
    // The first ", " (a comma, then a space), found from comma to comma.
    let b = s.as_bytes();
    let comma = memchr::memchr_iter(b',', b).find(|&i| b.get(i + 1) == Some(&b' '));
    let (dow, rest) = match comma.map(|i| (&s[..i], &s[i + 2..])) {
        Some((d, r)) if three_letter_index(&DAYS, d).is_some() => (Some(d), r),
        Some(_) => return None,
        None => (None, s),
    };
    // Exactly five fields between single spaces (no Vec: every RSS date passes
    // here), split at the space bytes.
    let mut parts = [""; 5];
    let mut from = 0;
    for (k, part) in parts.iter_mut().enumerate() {
        let to = match rest.as_bytes()[from..].iter().position(|&c| c == b' ') {
            Some(p) if k < 4 => from + p,
            Some(_) => return None,
            None if k == 4 => rest.len(),
            None => return None,
        };
        *part = &rest[from..to];
        from = to + 1;
    }
    let day = digits(parts[0], 1, 2)?;
    let month = three_letter_index(&MONTHS, parts[1])? as u32 + 1;
    let year = digits(parts[2], 4, 4)? as i32;
    let (h, m, sec) = time(parts[3])?;
    let off = zone(parts[4])?;
    Some((build(year, month, day, h, m, sec, off)?, dow, parts[4]))
}

/// Where `name` is in `names` (day or month abbreviations, three ASCII letters
/// each): compared byte by byte, no call per name.
fn three_letter_index(names: &[&str], name: &str) -> Option<usize> {
    let n = name.as_bytes();
    if n.len() != 3 {
        return None;
    }
    names.iter().position(|w| {
        let w = w.as_bytes();
        w[0] == n[0] && w[1] == n[1] && w[2] == n[2]
    })
}

/// The same, forgiving case, commas, comments in parentheses, full month names,
/// missing spaces and extra spaces.
fn loose822(s: &str) -> Option<Stamp> {
    let mut clean = String::new();
    let mut depth = 0;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 => {}
            ',' => clean.push(' '),
            _ => clean.push(c),
        }
    }
    let mut parts: Vec<String> = clean.split_whitespace().map(str::to_string).collect();
    if let Some(first) = parts.first() {
        if first.len() == 3 && first.chars().all(|c| c.is_ascii_alphabetic()) {
            let head = first.to_ascii_lowercase();
            if DAYS.iter().any(|d| d.to_ascii_lowercase() == head) {
                parts.remove(0);
            }
        }
    }
    if parts.len() < 4 {
        return None;
    }
    let day = digits(&parts[0], 1, 2)?;
    let mon = parts[1].to_ascii_lowercase();
    let month = MONTHS.iter().position(|m| m.to_ascii_lowercase() == mon)? as u32 + 1;
    let year = year(&parts[2])?;
    let (h, m, sec) = time(&parts[3])?;
    let off = match parts.get(4) {
        Some(z) => zone(&z.to_ascii_uppercase())?,
        None => 0,
    };
    if parts.len() > 5 {
        return None;
    }
    build(year, month, day, h, m, sec, off)
}

fn digits(s: &str, min: usize, max: usize) -> Option<u32> {
    if s.len() < min || s.len() > max || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Nine digits fit a u32 (callers ask for at most four).
    debug_assert!(max <= 9, "digits: up to nine digits");
    Some(s.bytes().fold(0, |n, b| n * 10 + u32::from(b - b'0')))
}

fn year(s: &str) -> Option<i32> {
    match s.len() {
        4 => digits(s, 4, 4).map(|y| y as i32),
        2 => digits(s, 2, 2).map(|y| if y < 50 { 2000 + y } else { 1900 + y } as i32),
        _ => None,
    }
}

fn time(s: &str) -> Option<(u32, u32, u32)> {
    // `HH:MM` or `HH:MM:SS`: two digits in each field.
    let b = s.as_bytes();
    let two = |i: usize| {
        let (x, y) = (b[i], b[i + 1]);
        (x.is_ascii_digit() && y.is_ascii_digit())
            .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
    };
    match b.len() {
        5 if b[2] == b':' => Some((two(0)?, two(3)?, 0)),
        8 if b[2] == b':' && b[5] == b':' => Some((two(0)?, two(3)?, two(6)?)),
        _ => None,
    }
}

fn zone(z: &str) -> Option<i32> {
    if !z.is_ascii() {
        return None;
    }
    let hours = match z {
        "UT" | "GMT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        _ if z.len() == 1 && z.as_bytes()[0].is_ascii_uppercase() && z != "J" => 0,
        _ if z.len() == 5 && (z.starts_with('+') || z.starts_with('-')) => {
            let h = digits(&z[1..3], 2, 2)? as i32;
            let m = digits(&z[3..], 2, 2)? as i32;
            if m >= 60 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            return Some(if z.starts_with('-') { -secs } else { secs });
        }
        _ => return None,
    };
    Some(hours * 3600)
}

/// A parsed date-time: what the rules ask of it (the local year and weekday, the
/// instant), computed by hand: every date in a feed passes here, and chrono's
/// checked constructors cost several times the parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    /// The year as written (local time).
    year: i32,
    /// Day of the week as written (local time), Monday 0.
    weekday: u8,
    /// Seconds since 1970-01-01T00:00:00Z.
    utc: i64,
}

/// Days in `month` of `year`, proleptic Gregorian.
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a valid date (proleptic Gregorian; H. Hinnant's
/// `days_from_civil`). `year` is 0 to 9999: shifted by one era (400 years) it is
/// positive, and every division is an unsigned one by a constant (a multiply).
fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    debug_assert!(
        (0..=9999).contains(&year),
        "days_from_civil: a four-digit year"
    );
    let y = (year + 400 - i32::from(month <= 2)) as u32;
    let (era, yoe) = (y / 400, y % 400);
    let doy = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (i64::from(era) - 1) * 146_097 + i64::from(doe) - 719_468
}

/// The date-time, if the fields make one: a real day, a time of day (a leap
/// second read as :59), an offset of less than a day. `year` is 0 to 9999.
#[inline(always)]
fn build(year: i32, month: u32, day: u32, h: u32, m: u32, s: u32, off: i32) -> Option<Stamp> {
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || h > 23
        || m > 59
        || off.abs() >= 86_400
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let secs = i64::from(h * 3600 + m * 60 + s.min(59));
    Some(Stamp {
        year,
        // 1970-01-01 was a Thursday (3 from Monday).
        weekday: (days + 3).rem_euclid(7) as u8,
        utc: days * 86_400 + secs - i64::from(off),
    })
}

/// Parses an RFC 3339 date-time (`2003-12-13T18:30:02Z`, fractions and offsets allowed;
/// `T` and `Z` upper case, as RFC 4287 §3.3 requires).
pub(super) fn parse_rfc3339(s: &str) -> Option<Stamp> {
    // Byte by byte: the fixed places hold ASCII. The first 19 bytes are read as
    // an array, so no place is bounds-checked, and the fourteen digits are
    // checked together (a byte less `0` is a digit when under 10).
    let b = s.as_bytes();
    let head = b.first_chunk::<19>()?;
    if b.len() < 20
        || head[4] != b'-'
        || head[7] != b'-'
        || head[10] != b'T'
        || head[13] != b':'
        || head[16] != b':'
    {
        return None;
    }
    let d = |i: usize| head[i].wrapping_sub(b'0');
    // Eight bytes at a time (`YYYY-MM-`, `hh:mm:ss`), the day apart.
    let word = |at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&head[at..at + 8]);
        u64::from_le_bytes(w)
    };
    if non_digits(word(0)) & 0x0080_8000_8080_8080 != 0
        || non_digits(word(11)) & 0x8080_0080_8000_8080 != 0
        || d(8) > 9
        || d(9) > 9
    {
        return None;
    }
    let two = |i: usize| u32::from(d(i)) * 10 + u32::from(d(i + 1));
    let year = (two(0) * 100 + two(2)) as i32;
    let (month, day, h, m, sec) = (two(5), two(8), two(11), two(14), two(17));
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let off = offset(rest)?;
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    build(year, month, day, h, m, sec, off)
}

/// The high bit of each byte of `w` that is not an ASCII digit, the others clear:
/// a byte less `0` is a digit when under 10, and under 10 is what adding 0x76 to
/// its low seven bits leaves without the high bit (no carry crosses a byte).
fn non_digits(w: u64) -> u64 {
    const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let t = w ^ 0x3030_3030_3030_3030;
    (((t & LOW7) + 0x7676_7676_7676_7676) | t) & HIGH
}

/// The two ASCII digits at `b[i..i + 2]` as a number.
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let (x, y) = (*b.get(i)?, *b.get(i + 1)?);
    (x.is_ascii_digit() && y.is_ascii_digit())
        .then(|| u32::from(x - b'0') * 10 + u32::from(y - b'0'))
}

/// `Z` or `±hh:mm`, in seconds east.
fn w3c_offset(z: &str) -> Option<i32> {
    offset(z.as_bytes())
}

/// [`w3c_offset`] of bytes.
#[inline(always)]
fn offset(b: &[u8]) -> Option<i32> {
    if b == b"Z" {
        return Some(0);
    }
    let &[sign, h1, h2, b':', m1, m2] = b else {
        return None;
    };
    if !(sign == b'+' || sign == b'-') {
        return None;
    }
    let h = two_digits(&[h1, h2], 0)? as i32;
    let m = two_digits(&[m1, m2], 0)? as i32;
    if h > 23 || m > 59 {
        return None;
    }
    let secs = h * 3600 + m * 60;
    Some(if sign == b'-' { -secs } else { secs })
}

/// The ISO 8601 profile W3C-DTF uses; `zone_required` false accepts a local time
/// (`2005-07-02T10:00:00`), as the event module does.
pub(super) fn valid_iso8601(s: &str, zone_required: bool) -> bool {
    let s = s.trim();
    let (date, time) = match s.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let parts: Vec<&str> = date.split('-').collect();
    let ok_date = match parts.as_slice() {
        [y] => digits(y, 4, 4).is_some() && time.is_none(),
        [y, m] => {
            digits(y, 4, 4).is_some()
                && digits(m, 2, 2).is_some_and(|m| (1..=12).contains(&m))
                && time.is_none()
        }
        [y, m, d] => match (digits(y, 4, 4), digits(m, 2, 2), digits(d, 2, 2)) {
            (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).is_some(),
            _ => false,
        },
        _ => false,
    };
    if !ok_date {
        return false;
    }
    let Some(t) = time else { return true };
    let (clock, z) = match t.find(['Z', '+', '-']) {
        Some(zpos) => t.split_at(zpos),
        None if zone_required => return false,
        None => (t, "Z"),
    };
    if w3c_offset(z).is_none() {
        return false;
    }
    let (clock, frac) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let c: Vec<&str> = clock.split(':').collect();
    let lim = [23, 59, 60];
    (c.len() == 2 || (c.len() == 3))
        && (frac.is_none() || c.len() == 3)
        && c.iter()
            .zip(lim)
            .all(|(v, l)| digits(v, 2, 2).is_some_and(|v| v <= l))
}

/// Whether a date is too far in the past, or later than `until`, to be meant.
fn implausible(d: &Stamp, until: &chrono::DateTime<chrono::Utc>) -> bool {
    // A stamp has whole seconds: later than `until` is later than its second.
    d.year < 1990 || d.utc > until.timestamp()
}

/// `ImplausibleDate` on `node` when `d` is too far in the past or the future.
#[inline]
fn report_implausible(cx: &mut Ctx, node: Node, name: &str, value: &str, d: &Stamp) {
    if implausible(d, &cx.plausible_until) {
        cx.report(
            node,
            "ImplausibleDate",
            format!("<{name}> {value:?} is implausible"),
        );
    }
}

/// Checks an RSS date element (`pubDate`, `lastBuildDate`).
pub(super) fn check_rfc822(cx: &mut Ctx, node: Node) -> Option<Stamp> {
    let value = super::text_of(node);
    let name = node.tag_name().name();
    let d = match parse_rfc822(&value) {
        Rfc822::Valid(d) => d,
        Rfc822::Problematical(d, why) => {
            cx.report(
                node,
                "ProblematicalRFC822Date",
                format!(
                    "<{name}> {value:?}: {why}; write it as \"Sat, 14 Aug 2021 09:59:23 +0000\""
                ),
            );
            d
        }
        Rfc822::WrongDay(d) => {
            cx.report(
                node,
                "IncorrectDOW",
                format!(
                    "<{name}> {value:?}: that date is not a {}",
                    &value.trim()[..3]
                ),
            );
            d
        }
        Rfc822::Invalid => {
            cx.report(
                node,
                "InvalidRFC2822Date",
                format!("<{name}> {value:?} is not an RFC 822 date (\"Sat, 14 Aug 2021 09:59:23 +0000\")"),
            );
            return None;
        }
    };
    report_implausible(cx, node, name, &value, &d);
    Some(d)
}

/// Checks an Atom date construct (`updated`, `published`).
pub(super) fn check_rfc3339(cx: &mut Ctx, node: Node) -> Option<Stamp> {
    let raw = super::text_of(node);
    let name = node.tag_name().name();
    let value = super::trim(&raw);
    // The trimmed value is a part of the text: shorter only when trimmed.
    if value.len() != raw.len() && !value.is_empty() {
        cx.report(
            node,
            "UnexpectedWhitespace",
            format!("<{name}> has white space around its date"),
        );
    }
    match parse_rfc3339(value) {
        Some(d) => {
            report_implausible(cx, node, name, value, &d);
            Some(d)
        }
        None => {
            cx.report(
                node,
                "InvalidRFC3339Date",
                format!(
                    "<{name}> {value:?} is not an RFC 3339 date-time (\"2021-08-14T09:59:23Z\")"
                ),
            );
            None
        }
    }
}

/// Checks a Dublin Core date (`dc:date`, `dcterms:modified`…).
pub(super) fn check_w3cdtf(cx: &mut Ctx, node: Node) {
    check_iso8601(cx, node, true);
}

/// Checks an ISO 8601 date, with or without a required time zone.
pub(super) fn check_iso8601(cx: &mut Ctx, node: Node, zone_required: bool) {
    let value = super::text_of(node);
    if !valid_iso8601(&value, zone_required) {
        cx.report(
            node,
            "InvalidW3CDTFDate",
            format!(
                "<{}> {value:?} is not a W3C-DTF date (\"2021-08-14T09:59:23Z\")",
                node.tag_name().name()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`build`] and [`implausible`] are chrono's checked constructors and its
    /// comparison, field for field.
    #[test]
    fn stamps_are_chronos_dates() {
        use chrono::{Datelike, FixedOffset, TimeZone, Utc};
        let mut next = crate::lint::xorshift(0x0064_6174_6573);
        let mut valid = 0;
        for _ in 0..300_000 {
            let year = match next() % 4 {
                0 => (next() % 10_000) as i32,
                1 => [0, 1, 4, 100, 400, 1600, 1900, 2000, 2100, 9999][(next() % 10) as usize],
                _ => 1850 + (next() % 300) as i32,
            };
            let month = (next() % 14) as u32;
            let day = (next() % 33) as u32;
            let (h, m, s) = (
                (next() % 26) as u32,
                (next() % 62) as u32,
                (next() % 62) as u32,
            );
            let off = match next() % 3 {
                0 => (next() % 200_000) as i32 - 100_000,
                _ => ((next() % 60) as i32 - 30) * 1800,
            };
            let want = NaiveDate::from_ymd_opt(year, month, day)
                .and_then(|d| d.and_hms_opt(h, m, s.min(59)))
                .and_then(|t| FixedOffset::east_opt(off)?.from_local_datetime(&t).single());
            let got = build(year, month, day, h, m, s, off);
            let (want, got) = match (want, got) {
                (None, None) => continue,
                (Some(w), Some(g)) => (w, g),
                (w, g) => panic!("{year}-{month}-{day} {h}:{m}:{s} {off}: {w:?} {g:?}"),
            };
            valid += 1;
            assert_eq!(
                (got.year, got.weekday, got.utc),
                (
                    want.year(),
                    want.weekday().num_days_from_monday() as u8,
                    want.timestamp()
                ),
                "{want}"
            );
            let nanos = (next() % 2_000_000_000) as u32 % 1_000_000_001;
            // Seconds around the stamp, or up to three years (a year or two
            // apart is where the year alone decides).
            let apart = match next() % 2 {
                0 => (next() % 5) as i64 - 2,
                _ => (next() % (6 * 366 * 86_400)) as i64 - 3 * 366 * 86_400,
            };
            let until = Utc
                .timestamp_opt(want.timestamp() + apart, nanos.min(999_999_999))
                .single()
                .expect("a time near a valid one");
            assert_eq!(
                implausible(&got, &until),
                want.year() < 1990 || want.with_timezone(&Utc) > until,
                "{want} {until}"
            );
        }
        assert!(valid > 50_000, "{valid}");
    }

    #[test]
    fn rfc822_forms() {
        assert!(matches!(
            parse_rfc822("Fri, 27 Dec 2002 14:20:20 GMT"),
            Rfc822::Valid(_)
        ));
        assert!(matches!(
            parse_rfc822("1 Dec 2002 14:20 +0000"),
            Rfc822::Valid(_)
        ));
        assert!(matches!(
            parse_rfc822("Mon, 27 Dec 2002 14:20:20 GMT"),
            Rfc822::WrongDay(_)
        ));
        assert!(matches!(
            parse_rfc822("Sat,29 Jul 2006 00:03:02 +0000"),
            Rfc822::Problematical(..)
        ));
        assert!(matches!(
            parse_rfc822("31 Dec 2002 14:20:20 -0234"),
            Rfc822::Problematical(..)
        ));
        assert_eq!(parse_rfc822("2002-12-31T14:20:20Z"), Rfc822::Invalid);
        assert_eq!(parse_rfc822("31 Feb 2002 14:20:20 GMT"), Rfc822::Invalid);
    }

    #[test]
    fn times_read_as_their_colon_separated_fields() {
        // The fields, split at colons: two or three, two digits each.
        let reference = |s: &str| {
            let f: Vec<&str> = s.split(':').collect();
            let two = |x: &str| digits(x, 2, 2);
            match f.len() {
                2 => Some((two(f[0])?, two(f[1])?, 0)),
                3 => Some((two(f[0])?, two(f[1])?, two(f[2])?)),
                _ => None,
            }
        };
        for t in [
            "14:20",
            "14:20:20",
            "1:20",
            "14:2",
            "14:20:2",
            "14:20:20:00",
            "a4:20",
            "14-20",
            "14:20:",
            ":14:20",
            "",
            "14:20:200",
            "\u{661}4:20",
            "00:00:00",
            "99:99",
            "14:2x",
            "14::20",
            "1420:00",
        ] {
            assert_eq!(time(t), reference(t), "{t:?}");
        }
        // The day name ends at the first comma followed by a space.
        for (s, valid) in [
            ("Sat, 14 Aug 2021 09:59:23 +0000", true),
            ("Sat,, 14 Aug 2021 09:59:23 +0000", false),
            ("Sat , 14 Aug 2021 09:59:23 +0000", false),
            ("Sa, 14 Aug 2021 09:59:23 +0000", false),
            ("sat, 14 Aug 2021 09:59:23 +0000", false),
            ("14 Aug 2021 09:59:23 +0000", true),
            ("14 aug 2021 09:59:23 +0000", false),
            // Exactly five fields between single spaces.
            ("Sat, 14 Aug 2021 09:59:23  +0000", false),
            ("Sat, 14  Aug 2021 09:59:23 +0000", false),
            ("Sat, 14 Aug 2021 09:59:23", false),
            ("14 Aug 2021 09:59 GMT", true),
        ] {
            assert_eq!(matches!(parse_rfc822(s), Rfc822::Valid(_)), valid, "{s:?}");
        }
    }

    /// [`non_digits`] flags exactly the bytes that are not ASCII digits: every
    /// byte value, in every place of a word whose other bytes are random.
    #[test]
    fn non_digits_are_the_bytes_that_are_no_digit() {
        let mut next = crate::lint::xorshift(0x6e6f_6e64_6967);
        for place in 0..8 {
            for b in 0..=255u8 {
                let mut bytes = next().to_le_bytes();
                bytes[place] = b;
                let got = non_digits(u64::from_le_bytes(bytes)).to_le_bytes();
                for (i, (&x, &g)) in bytes.iter().zip(&got).enumerate() {
                    assert_eq!(g == 0x80, !x.is_ascii_digit(), "{bytes:?} at {i}");
                    assert!(g == 0 || g == 0x80);
                }
            }
        }
    }

    /// The byte-wise RFC 3339 reader agrees with the field-slicing one it replaced.
    #[test]
    fn rfc3339_bytes_as_fields() {
        let reference = |s: &str| -> Option<Stamp> {
            let b = s.as_bytes();
            if b.len() < 20
                || !b[..20].is_ascii()
                || b[4] != b'-'
                || b[7] != b'-'
                || b[10] != b'T'
                || b[13] != b':'
                || b[16] != b':'
            {
                return None;
            }
            let year = digits(&s[0..4], 4, 4)? as i32;
            let month = digits(&s[5..7], 2, 2)?;
            let day = digits(&s[8..10], 2, 2)?;
            let h = digits(&s[11..13], 2, 2)?;
            let m = digits(&s[14..16], 2, 2)?;
            let sec = digits(&s[17..19], 2, 2)?;
            let mut rest = &s[19..];
            if let Some(frac) = rest.strip_prefix('.') {
                let n = frac.bytes().take_while(|c| c.is_ascii_digit()).count();
                if n == 0 {
                    return None;
                }
                rest = &frac[n..];
            }
            let off = if rest == "Z" {
                0
            } else {
                let z = rest.as_bytes();
                if !rest.is_ascii()
                    || z.len() != 6
                    || !(z[0] == b'+' || z[0] == b'-')
                    || z[3] != b':'
                {
                    return None;
                }
                let (h, m) = (
                    digits(&rest[1..3], 2, 2)? as i32,
                    digits(&rest[4..6], 2, 2)? as i32,
                );
                if h > 23 || m > 59 {
                    return None;
                }
                if z[0] == b'-' {
                    -(h * 3600 + m * 60)
                } else {
                    h * 3600 + m * 60
                }
            };
            if h > 23 || m > 59 || sec > 60 {
                return None;
            }
            build(year, month, day, h, m, sec, off)
        };
        let mut next = crate::lint::xorshift(0x0000_3333_3339);
        let base = "2021-08-14T09:59:23+08:00";
        let swaps = [
            "", "é", "0", "9", "-", ":", "T", "t", "Z", ".", ".5", "+", " ", "x", "60", "24",
        ];
        for _ in 0..200_000 {
            // A date with a few places changed, cut or lengthened.
            let mut s: String = base.to_string();
            for _ in 0..next() % 3 {
                let at = (next() % s.len() as u64) as usize;
                if s.is_char_boundary(at) && s.is_char_boundary(at + 1) {
                    s.replace_range(at..at + 1, swaps[(next() % swaps.len() as u64) as usize]);
                }
            }
            if next().is_multiple_of(4) {
                let mut cut = (next() % 27) as usize;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
            }
            assert_eq!(parse_rfc3339(&s), reference(&s), "{s:?}");
        }
    }

    #[test]
    fn rfc3339_forms() {
        assert!(parse_rfc3339("2003-12-13T18:30:02.25Z").is_some());
        assert!(parse_rfc3339("2003-12-13T18:30:02+01:00").is_some());
        assert!(parse_rfc3339("2003-12-13t18:30:02z").is_none());
        assert!(parse_rfc3339("2003-07-01T01:55:07-0500").is_none());
        assert!(parse_rfc3339("2003-06-31T15:51:30-05:00").is_none());
    }

    #[test]
    fn w3cdtf_forms() {
        for ok in [
            "2003",
            "2003-12",
            "2003-12-13",
            "2003-12-13T18:30Z",
            "2003-12-13T18:30:02.5+01:00",
        ] {
            assert!(valid_iso8601(ok, true), "{ok}");
        }
        for bad in ["2003-12-13T18:30:02", "13/12/2003", "", "2003-13"] {
            assert!(!valid_iso8601(bad, true), "{bad}");
        }
        for local in ["2005-07-02T10:00:00", "2005-07-02T10:00"] {
            assert!(
                valid_iso8601(local, false) && !valid_iso8601(local, true),
                "{local}"
            );
        }
    }
}
