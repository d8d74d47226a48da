//! The first of the server's two pure steps: work out what to send for a request —
//! an [`Outcome`] — from the method, the path, the conditional and `Accept-Encoding`
//! headers and the current [`FileSet`]. No I/O: the path is only ever a key into
//! the in-memory set, so `..`, `%2e%2e`, `//`, backslashes or NUL cannot reach a file.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use http::header::{ACCEPT_ENCODING, IF_MODIFIED_SINCE, IF_NONE_MATCH};
use http::{HeaderMap, Method, Uri};

use super::set::{Coding, FileSet, Resource};

/// What the answer to a request is, before it becomes a response.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Send the file in `coding` (headers only for HEAD).
    Found {
        resource: Arc<Resource>,
        coding: Coding,
        head: bool,
    },
    /// The client's copy is current: 304 with the validators, no body.
    NotModified {
        resource: Arc<Resource>,
        coding: Coding,
    },
    /// `/healthz`.
    Health {
        head: bool,
    },
    NotFound,
    MethodNotAllowed,
    /// The request line cannot name a file (bad escape, not UTF-8, a dot segment…).
    BadRequest(&'static str),
}

/// Decides the outcome of one request against one file set.
pub fn resolve(set: &FileSet, method: &Method, uri: &Uri, headers: &HeaderMap) -> Outcome {
    let head = match *method {
        Method::GET => false,
        Method::HEAD => true,
        _ => return Outcome::MethodNotAllowed,
    };
    let path = match decode_path(uri.path()) {
        Ok(p) => p,
        Err(why) => return Outcome::BadRequest(why),
    };
    let key = match &*path {
        "/healthz" => return Outcome::Health { head },
        "/" => "index.html",
        p => &p[1..],
    };
    let Some(resource) = set.get(key) else {
        return Outcome::NotFound;
    };
    let coding = choose_coding(&header_text(headers, ACCEPT_ENCODING), |c| {
        resource.variant(c).is_some()
    });
    let variant = resource
        .variant(coding)
        .expect("choose_coding only picks codings the resource has");
    if not_modified(headers, &variant.etag, resource.modified) {
        return Outcome::NotModified {
            resource: Arc::clone(resource),
            coding,
        };
    }
    Outcome::Found {
        resource: Arc::clone(resource),
        coding,
        head,
    }
}

/// Percent-decodes a request path into UTF-8 and refuses what no file of the build
/// layout can be named by: NUL and control characters, backslashes, `.` and `..`
/// segments, and empty segments (`//`). Both `/categories/%E9%87%91%E8%9E%8D/rss.xml`
/// and the raw UTF-8 form decode to the same key.
pub fn decode_path(raw: &str) -> Result<Cow<'_, str>, &'static str> {
    if !raw.starts_with('/') {
        return Err("the path must start with /");
    }
    let path = if raw.contains('%') {
        Cow::Owned(percent_decode(raw)?)
    } else {
        Cow::Borrowed(raw)
    };
    if path.chars().any(|c| c.is_control()) {
        return Err("control character in the path");
    }
    if path.contains('\\') {
        return Err("backslash in the path");
    }
    let segments = path[1..].split('/');
    let count = segments.clone().count();
    for (i, s) in segments.enumerate() {
        if s == "." || s == ".." {
            return Err("dot segment in the path");
        }
        if s.is_empty() && i + 1 != count {
            return Err("empty segment in the path");
        }
    }
    Ok(path)
}

fn percent_decode(raw: &str) -> Result<String, &'static str> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3).ok_or("truncated percent escape")?;
            let digit = |c: u8| (c as char).to_digit(16).ok_or("bad percent escape");
            out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "the path is not UTF-8")
}

/// All values of a header joined by commas (a list header may be split over lines);
/// borrowed in the usual case of one line.
fn header_text(headers: &HeaderMap, name: http::header::HeaderName) -> Cow<'_, str> {
    let mut values = headers.get_all(name).iter().filter_map(|v| v.to_str().ok());
    let Some(first) = values.next() else {
        return Cow::Borrowed("");
    };
    match values.next() {
        None => Cow::Borrowed(first),
        Some(second) => {
            let mut all = format!("{first},{second}");
            for v in values {
                all.push(',');
                all.push_str(v);
            }
            Cow::Owned(all)
        }
    }
}

/// Picks the coding to send from an `Accept-Encoding` value (RFC 9110 §12.5.3):
/// the highest q-value among the codings the file has, `*` standing for the ones
/// not named, `q=0` refusing; on a tie br beats gzip beats identity. Identity is
/// acceptable unless refused, but ranks below any coding the client names; when everything is refused, identity is sent anyway
/// (the RFC allows disregarding the header rather than answering 406).
pub fn choose_coding(accept: &str, available: impl Fn(Coding) -> bool) -> Coding {
    // q-values named for br, gzip, identity and `*`, in one pass without allocating.
    let (mut br, mut gzip, mut identity, mut star) = (None, None, None, None);
    for item in accept.split(',') {
        let mut parts = item.split(';');
        let token = parts.next().unwrap_or("").trim();
        let mut q = Some(1.0f32);
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                if k.trim().eq_ignore_ascii_case("q") {
                    q = v
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q));
                }
            }
        }
        let Some(q) = q else { continue };
        let slot = if token.eq_ignore_ascii_case("br") {
            &mut br
        } else if token.eq_ignore_ascii_case("gzip") || token.eq_ignore_ascii_case("x-gzip") {
            &mut gzip
        } else if token.eq_ignore_ascii_case("identity") {
            &mut identity
        } else if token == "*" {
            &mut star
        } else {
            continue;
        };
        *slot = Some(q);
    }
    let q_of = |coding: Coding| -> f32 {
        let named = match coding {
            Coding::Br => br,
            Coding::Gzip => gzip,
            Coding::Identity => identity,
        };
        match (named, star, coding) {
            (Some(q), _, _) => q,
            (None, Some(q), _) => q,
            // Acceptable, but any coding the client names is preferred.
            (None, None, Coding::Identity) => f32::MIN_POSITIVE,
            (None, None, _) => 0.0,
        }
    };
    let mut best = (Coding::Identity, 0.0f32);
    for coding in [Coding::Br, Coding::Gzip, Coding::Identity] {
        let q = q_of(coding);
        if available(coding) && q > 0.0 && q > best.1 {
            best = (coding, q);
        }
    }
    best.0
}

/// RFC 9110 §13.2.2 for GET and HEAD: `If-None-Match` decides when present (a list
/// or `*`, compared weakly); only without it does `If-Modified-Since` count.
pub fn not_modified(headers: &HeaderMap, etag: &str, modified: Option<DateTime<Utc>>) -> bool {
    if headers.contains_key(IF_NONE_MATCH) {
        return etag_matches(&header_text(headers, IF_NONE_MATCH), etag);
    }
    let (Some(modified), Some(since)) = (modified, headers.get(IF_MODIFIED_SINCE)) else {
        return false;
    };
    match since.to_str().ok().and_then(parse_http_date) {
        Some(since) => modified <= since,
        None => false,
    }
}

/// Whether an `If-None-Match` list holds `*` or a tag weakly equal to `etag`
/// (opaque tags equal, `W/` ignored on both sides).
pub fn etag_matches(list: &str, etag: &str) -> bool {
    let ours = etag.strip_prefix("W/").unwrap_or(etag);
    if list.trim() == "*" {
        return true;
    }
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        if rest.is_empty() {
            return false;
        }
        let tag = rest.strip_prefix("W/").unwrap_or(rest);
        let Some(body) = tag.strip_prefix('"') else {
            return false;
        };
        let Some(end) = body.find('"') else {
            return false;
        };
        if &tag[..end + 2] == ours {
            return true;
        }
        rest = &body[end + 1..];
    }
}

/// Parses an HTTP-date in any of the three forms RFC 9110 §5.6.7 requires a
/// recipient to accept.
pub fn parse_http_date(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Some(t) = t.strip_suffix(" GMT") {
        // IMF-fixdate, then the obsolete RFC 850 form.
        return ["%a, %d %b %Y %H:%M:%S", "%A, %d-%b-%y %H:%M:%S"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
            .map(|n| n.and_utc());
    }
    // asctime has no zone: `Sun Nov  6 08:49:37 1994`.
    NaiveDateTime::parse_from_str(t, "%a %b %e %H:%M:%S %Y")
        .ok()
        .map(|n| n.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: Coding) -> bool {
        true
    }

    #[test]
    fn codings_follow_q_values() {
        assert_eq!(choose_coding("", all), Coding::Identity);
        assert_eq!(choose_coding("gzip", all), Coding::Gzip);
        assert_eq!(choose_coding("gzip, deflate, br", all), Coding::Br);
        assert_eq!(choose_coding("br;q=0.5, gzip;q=0.8", all), Coding::Gzip);
        assert_eq!(choose_coding("br;q=0, gzip", all), Coding::Gzip);
        assert_eq!(choose_coding("gzip;q=0", all), Coding::Identity);
        assert_eq!(choose_coding("*", all), Coding::Br);
        assert_eq!(choose_coding("*;q=0.5, identity", all), Coding::Identity);
        assert_eq!(choose_coding("*;q=0, gzip;q=0.1", all), Coding::Gzip);
        assert_eq!(choose_coding("X-GZIP", all), Coding::Gzip);
        assert_eq!(choose_coding("GZIP ; Q=1.0", all), Coding::Gzip);
        assert_eq!(choose_coding("identity;q=0, *;q=0", all), Coding::Identity);
        assert_eq!(choose_coding("deflate", all), Coding::Identity);
        assert_eq!(choose_coding("br, gzip", |c| c != Coding::Br), Coding::Gzip);
    }

    #[test]
    fn if_none_match_lists_star_and_weak_tags() {
        assert!(etag_matches("\"a\"", "\"a\""));
        assert!(etag_matches("\"x\", \"a\"", "\"a\""));
        assert!(etag_matches("W/\"a\"", "\"a\""));
        assert!(etag_matches("*", "\"a\""));
        assert!(etag_matches("\"x,y\", \"a\"", "\"a\""));
        assert!(!etag_matches("\"ab\"", "\"a\""));
        assert!(!etag_matches("a", "\"a\""));
        assert!(!etag_matches("", "\"a\""));
        assert!(!etag_matches("\"a", "\"a\""));
    }

    #[test]
    fn http_dates_in_three_forms() {
        let want = DateTime::parse_from_rfc3339("1994-11-06T08:49:37Z").unwrap();
        for s in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(parse_http_date(s), Some(want.with_timezone(&Utc)), "{s}");
        }
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn paths_decode_and_refuse_traversal() {
        assert_eq!(
            decode_path("/categories/%E9%87%91%E8%9E%8D/rss.xml").unwrap(),
            "/categories/金融/rss.xml"
        );
        assert_eq!(
            decode_path("/categories/金融/rss.xml").unwrap(),
            "/categories/金融/rss.xml"
        );
        for bad in [
            "/../rss.xml",
            "/%2e%2e/rss.xml",
            "/%2E%2E/%2e%2e/etc/passwd",
            "/categories/./rss.xml",
            "//rss.xml",
            "/a//b",
            "/..%5c..%5crss.xml",
            "/a\\b",
            "/rss.xml%00",
            "/%zz",
            "/%+f",
            "/%e9",
            "/%",
            "rss.xml",
        ] {
            assert!(decode_path(bad).is_err(), "{bad}");
        }
    }
}
