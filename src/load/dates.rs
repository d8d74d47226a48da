//! Dates as posts write them, parsed once into `DateTime<FixedOffset>`.
//!
//! Accepted: RFC 3339 and the looser `YYYY-M-D[( |T)H:MM[:SS[.frac]]][ offset]` that
//! YAML timestamps, Jekyll and Hexo use (one-digit month, day and hour allowed), RFC
//! 2822 (`Sat, 14 Aug 2021 09:59:23 GMT`), and TOML datetimes (which reach us as their
//! RFC 3339 text). Offsets: `Z`, `UTC`, `GMT`, `+02:00`, `-0500`, `+05`, `-4`. A time
//! without an offset is read in the site's time zone: in a DST gap it moves forward by
//! the gap, and an ambiguous time takes the earlier instant. Trailing text is an
//! error, never ignored: `2023-01-29 18:30:22 2023 -0800` is rejected.
//!
//! [`resolve`] picks a post's publication date from its front matter and file name.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone,
};
use chrono_tz::Tz;
use serde_json::Value;

use super::fields;

/// Parses a date as written in front matter.
pub fn parse(text: &str, tz: Tz) -> Option<DateTime<FixedOffset>> {
    let text = text.trim();
    if let Some((naive, offset)) = parse_loose(text) {
        return Some(match offset {
            Some(off) => off.from_local_datetime(&naive).single()?,
            None => in_zone(naive, tz),
        });
    }
    DateTime::parse_from_rfc2822(text)
        .or_else(|e| {
            // A weekday that does not match the date (`Mon, 18 May 2019`, a Saturday)
            // is redundant: the date wins.
            match text.split_once(',') {
                Some((day, rest)) if day.len() == 3 => DateTime::parse_from_rfc2822(rest.trim()),
                _ => Err(e),
            }
        })
        .ok()
}

/// A local date and time read in `tz`, without ever failing (see the module docs).
pub fn in_zone(naive: NaiveDateTime, tz: Tz) -> DateTime<FixedOffset> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.fixed_offset(),
        LocalResult::Ambiguous(early, _) => early.fixed_offset(),
        LocalResult::None => {
            // A spring-forward gap: no zone gap is longer than a few hours.
            for hours in 1..=3 {
                if let Some(t) = tz
                    .from_local_datetime(&(naive + Duration::hours(hours)))
                    .earliest()
                {
                    return t.fixed_offset();
                }
            }
            naive.and_utc().fixed_offset()
        }
    }
}

/// Midnight of `date` in `tz`.
pub fn midnight(date: NaiveDate, tz: Tz) -> DateTime<FixedOffset> {
    in_zone(date.and_time(NaiveTime::MIN), tz)
}

/// The date a Jekyll file name starts with (`2014-10-01-title.md`); for a page
/// bundle (`…/2014-10-01-title/index.md`) the folder's name.
pub fn from_file_name(rel: &str) -> Option<NaiveDate> {
    let mut parts = rel.rsplit('/');
    let file = parts.next()?;
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    let name = if stem == "index" || stem == "_index" {
        parts.next()?
    } else {
        stem
    };
    let b = name.as_bytes();
    // ASCII first: the digit checks below slice the text, which a wide character
    // in the first ten bytes would cut (`202é-1-01-x.md`).
    if b.len() < 10 || !(b.len() == 10 || matches!(b[10], b'-' | b'_')) || !b[..10].is_ascii() {
        return None;
    }
    let head = &name[..10];
    let digits = |r: std::ops::Range<usize>| head[r].bytes().all(|c| c.is_ascii_digit());
    if !(digits(0..4) && &head[4..5] == "-" && digits(5..7) && &head[7..8] == "-" && digits(8..10))
    {
        return None;
    }
    NaiveDate::from_ymd_opt(
        head[..4].parse().ok()?,
        head[5..7].parse().ok()?,
        head[8..10].parse().ok()?,
    )
}

/// The date inside a Zola/Hugo-style `path` value (`2020/03/12/slug`,
/// `inside-rust/2020/03/13/x`): three consecutive `YYYY/MM/DD` segments.
pub fn from_url_path(path: &str) -> Option<NaiveDate> {
    let segs: Vec<&str> = path.split('/').collect();
    segs.windows(3).find_map(|w| {
        let num = |s: &str, len: std::ops::RangeInclusive<usize>| {
            (len.contains(&s.len()) && s.bytes().all(|c| c.is_ascii_digit()))
                .then(|| s.parse::<u32>().ok())
                .flatten()
        };
        let y = num(w[0], 4..=4)?;
        NaiveDate::from_ymd_opt(y as i32, num(w[1], 1..=2)?, num(w[2], 1..=2)?)
    })
}

/// A cursor over ASCII bytes for the loose form.
struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    /// Between `min` and `max` digits.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut n: u32 = 0;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            n = n * 10 + u32::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        (self.i - start >= min).then_some(n)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn spaces(&mut self) -> usize {
        let start = self.i;
        while self.b.get(self.i) == Some(&b' ') {
            self.i += 1;
        }
        self.i - start
    }

    fn done(&self) -> bool {
        self.i == self.b.len()
    }

    fn rest(&self) -> &[u8] {
        &self.b[self.i..]
    }
}

/// `YYYY-M-D[( +|T)H:MM[:SS[.frac]]][ *offset]`; the offset is `None` when absent.
fn parse_loose(text: &str) -> Option<(NaiveDateTime, Option<FixedOffset>)> {
    let mut c = Cursor {
        b: text.as_bytes(),
        i: 0,
    };
    let year = c.digits(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let month = c.digits(1, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let day = c.digits(1, 2)?;
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)?;
    if c.done() {
        return Some((date.and_time(NaiveTime::MIN), None));
    }
    if !(c.eat(b'T') || c.eat(b't') || c.spaces() > 0) {
        return None;
    }
    let hour = c.digits(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let minute = c.digits(2, 2)?;
    let mut second = 0;
    let mut nanos = 0;
    if c.eat(b':') {
        second = c.digits(2, 2)?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            let frac = c.digits(1, 9)?;
            nanos = frac * 10u32.pow(9 - (c.i - start) as u32);
            // Digits beyond nanoseconds are dropped.
            while c.rest().first().is_some_and(u8::is_ascii_digit) {
                c.i += 1;
            }
        }
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let naive = date.and_time(time);
    c.spaces();
    if c.done() {
        return Some((naive, None));
    }
    let offset = parse_offset(&mut c)?;
    c.spaces();
    c.done().then_some((naive, Some(offset)))
}

/// `Z`, `UTC`, `GMT`, or a sign and `H`, `HH`, `HHMM` or `HH:MM`.
fn parse_offset(c: &mut Cursor<'_>) -> Option<FixedOffset> {
    for name in [&b"Z"[..], b"z", b"UTC", b"GMT"] {
        if c.rest().starts_with(name) {
            c.i += name.len();
            return FixedOffset::east_opt(0);
        }
    }
    let sign: i32 = if c.eat(b'+') {
        1
    } else if c.eat(b'-') {
        -1
    } else {
        return None;
    };
    let start = c.i;
    let hh = c.digits(1, 2)?;
    let mut mm = 0;
    let colon = c.eat(b':');
    if colon || (c.i - start == 2 && c.rest().first().is_some_and(u8::is_ascii_digit)) {
        mm = c.digits(2, 2)?;
    }
    if hh > 23 || mm > 59 {
        return None;
    }
    FixedOffset::east_opt(sign * (hh as i32 * 3600 + mm as i32 * 60))
}

/// Why a post has no usable date.
pub enum DateProblem {
    /// A date that cannot be read, and nothing to fall back on.
    Bad { key: &'static str, message: String },
    /// No date anywhere.
    Missing(String),
}

/// The publication date: `date` (or `pubDate`/`publishDate`), else the file name's
/// `YYYY-MM-DD-` prefix, else a date inside a `path` key. A `date` that cannot be
/// read falls back the same way, with a warning (the note returned with its key).
#[allow(clippy::type_complexity)]
pub fn resolve(
    map: fields::Keys<'_>,
    rel: &str,
    tz: Tz,
) -> Result<(DateTime<FixedOffset>, Option<(&'static str, String)>), DateProblem> {
    const KEYS: [&str; 3] = ["date", "pubDate", "publishDate"];
    let written = KEYS
        .iter()
        .find_map(|k| map.get(k).filter(|v| !fields::is_empty(v)).map(|v| (*k, v)));
    let fallback = || -> Result<Option<(DateTime<FixedOffset>, &'static str)>, String> {
        if let Some(d) = from_file_name(rel) {
            return Ok(Some((midnight(d, tz), "the file name")));
        }
        if let Some(path) = map.get("path").and_then(Value::as_str) {
            if let Some(d) = from_url_path(path) {
                if d.year() == 9999 {
                    return Err(format!(
                        "`path` holds the placeholder date {d} (not yet published): skipped"
                    ));
                }
                return Ok(Some((midnight(d, tz), "`path`")));
            }
        }
        Ok(None)
    };
    match written {
        Some((key, value)) => {
            if let Some(d) = fields::text(value).and_then(|t| parse(&t, tz)) {
                return Ok((d, None));
            }
            let shown = fields::show_value(value);
            match fallback() {
                Ok(Some((d, from))) => Ok((
                    d,
                    Some((
                        key,
                        format!(
                            "cannot read `{key}` {shown}: using the date from {from} ({})",
                            d.date_naive()
                        ),
                    )),
                )),
                _ => Err(DateProblem::Bad {
                    key,
                    message: format!(
                        "cannot read `{key}` {shown}: expected e.g. 2021-08-14 09:59:23 +0800, RFC 3339 or RFC 2822"
                    ),
                }),
            }
        }
        None => match fallback() {
            Ok(Some((d, _))) => Ok((d, None)),
            Ok(None) => Err(DateProblem::Missing(
                "no date: no `date` key and no YYYY-MM-DD- prefix in the file name: skipped"
                    .to_string(),
            )),
            Err(message) => Err(DateProblem::Missing(message)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, tz: Tz) -> String {
        parse(text, tz)
            .map(|d| d.to_rfc3339())
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn every_written_form_gives_its_exact_instant() {
        let utc = Tz::UTC;
        let cases = [
            ("2021-03-01T00:00:00Z", "2021-03-01T00:00:00+00:00"),
            ("2019-09-05T15:00:00+08:00", "2019-09-05T15:00:00+08:00"),
            ("2020-04-01T12:30:00.000Z", "2020-04-01T12:30:00+00:00"),
            ("2013-05-06 21:31:34 -0500", "2013-05-06T21:31:34-05:00"),
            ("2013-07-25 09:08:38 +0200", "2013-07-25T09:08:38+02:00"),
            ("2016-03-23 9:00:00 -4", "2016-03-23T09:00:00-04:00"),
            ("2014-10-1 12:00:00", "2014-10-01T12:00:00+00:00"),
            ("2019-01-11 22:13", "2019-01-11T22:13:00+00:00"),
            ("2016-01-05", "2016-01-05T00:00:00+00:00"),
            ("2017-08-07T13:53:58-04:00", "2017-08-07T13:53:58-04:00"),
            ("Sat, 14 Aug 2021 09:59:23 GMT", "2021-08-14T09:59:23+00:00"),
            (
                "Wed, 13 Mar 2019 00:00:00 +0000",
                "2019-03-13T00:00:00+00:00",
            ),
            ("  2020-01-02 03:04:05  ", "2020-01-02T03:04:05+00:00"),
            ("2020-01-02t03:04:05+0530", "2020-01-02T03:04:05+05:30"),
            ("2020-01-02 03:04:05 UTC", "2020-01-02T03:04:05+00:00"),
            (
                "Mon, 18 May 2019 09:00:00 +0000",
                "2019-05-18T09:00:00+00:00",
            ),
            (
                "Tue, 5 Jun 2018 10:00:00 -0700",
                "2018-06-05T10:00:00-07:00",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(at(text, utc), want, "{text}");
        }
    }

    #[test]
    fn no_offset_means_the_site_time_zone() {
        let sh: Tz = "Asia/Shanghai".parse().unwrap();
        assert_eq!(at("2016-02-06 10:00:00", sh), "2016-02-06T10:00:00+08:00");
        assert_eq!(at("2016-02-06", sh), "2016-02-06T00:00:00+08:00");
        // An explicit offset wins over the zone.
        assert_eq!(at("2016-02-06 10:00:00 Z", sh), "2016-02-06T10:00:00+00:00");
    }

    #[test]
    fn dst_gap_and_ambiguity_never_fail() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 02:30 does not exist on 2021-03-14 in New York: moved forward an hour.
        assert_eq!(at("2021-03-14 02:30", ny), "2021-03-14T03:30:00-04:00");
        // 01:30 happens twice on 2021-11-07: the earlier (EDT) one.
        assert_eq!(at("2021-11-07 01:30", ny), "2021-11-07T01:30:00-04:00");
    }

    #[test]
    fn malformed_dates_are_rejected_not_truncated() {
        for bad in [
            "2023-01-29 18:30:22 2023 -0800",
            "{{ .Date }}",
            "2020-13-01",
            "2020-02-30",
            "yesterday",
            "2020-01-01 25:00",
            "2020-01-01T10",
            "",
        ] {
            assert_eq!(at(bad, Tz::UTC), "none", "{bad}");
        }
    }

    #[test]
    fn file_name_dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(from_file_name("2014-10-01-hello.md"), d(2014, 10, 1));
        assert_eq!(from_file_name("a/b/2014-10-01-x/index.md"), d(2014, 10, 1));
        assert_eq!(from_file_name("2014-10-01.md"), d(2014, 10, 1));
        assert_eq!(from_file_name("2014-13-01-x.md"), None);
        assert_eq!(from_file_name("20141001-x.md"), None);
        assert_eq!(from_file_name("notes/index.md"), None);
        // Wide characters where the digits go: no date, and no panic.
        assert_eq!(from_file_name("202é-1-01-x.md"), None);
        assert_eq!(from_file_name("２０１４-1-01-x.md"), None);
    }

    #[test]
    fn url_path_dates() {
        let d = |y, m, dd| NaiveDate::from_ymd_opt(y, m, dd);
        assert_eq!(from_url_path("2020/03/12/Rust-1.42"), d(2020, 3, 12));
        assert_eq!(from_url_path("inside-rust/2020/3/13/x"), d(2020, 3, 13));
        assert_eq!(from_url_path("inside-rust/x"), None);
    }
}
