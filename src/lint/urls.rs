//! URIs and IRIs (RFC 3986/3987): the characters they may hold, absolute where the
//! spec requires it, `tag:` (RFC 4151) and `urn:` (RFC 2141) syntax, and canonical
//! form for Atom ids (RFC 4287 §4.2.6).

use std::borrow::Cow;

use super::Ctx;

/// How strict a URI check is.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Uri {
    /// Must be absolute (`http://…`, `urn:…`).
    Full,
    /// May be a relative reference.
    Any,
}

/// ASCII characters a URI may hold unescaped (a table: every URL byte is looked up).
const URI_CHARS: [bool; 128] = {
    const PUNCTUATION: &[u8] = b";/?:@&=+$.-_!~*'()%,#";
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    let mut k = 0;
    while k < PUNCTUATION.len() {
        t[PUNCTUATION[k] as usize] = true;
        k += 1;
    }
    t
};

const fn uri_char(c: u8) -> bool {
    c < 128 && URI_CHARS[c as usize]
}

/// The bytes [`unescaped_char`] passes without a second look: the URI characters,
/// and every byte of a non-ASCII character (IRIs are judged apart).
static URI_OR_NON_ASCII: [bool; 256] = byte_set!(b => b >= 0x80 || uri_char(b));

/// The first ASCII character of `value` a URI cannot hold unescaped. Brackets are
/// allowed around an IPv6 host (`//[…]`); everything else is one table lookup per
/// byte, and the bracket rule is only worked out when a bracket is met.
fn unescaped_char(value: &str) -> Option<char> {
    let b = value.as_bytes();
    // Eight bytes a step, without a branch per byte, up to the eight that hold
    // the first byte to look at.
    let ok = |c: u8| u8::from(URI_OR_NON_ASCII[usize::from(c)]);
    let mut from = 0;
    for w in b.chunks_exact(8) {
        if ok(w[0]) & ok(w[1]) & ok(w[2]) & ok(w[3]) & ok(w[4]) & ok(w[5]) & ok(w[6]) & ok(w[7])
            == 0
        {
            break;
        }
        from += 8;
    }
    let i = from
        + b[from..]
            .iter()
            .position(|&c| !URI_OR_NON_ASCII[usize::from(c)])?;
    if !matches!(b[i], b'[' | b']') {
        // Every byte before it passes under either rule.
        return Some(char::from(b[i]));
    }
    let bracketed_host = value.find("//[").is_some_and(|i| value[i..].contains(']'));
    let allowed = |c: u8| uri_char(c) || (bracketed_host && (c == b'[' || c == b']'));
    // Bytes, not characters: those of a non-ASCII character are never ASCII.
    b[i..]
        .iter()
        .find(|c| c.is_ascii() && !allowed(**c))
        .map(|&c| char::from(c))
}

/// RFC 3986 unreserved characters (never need percent-encoding).
fn unreserved(c: u8) -> bool {
    c.is_ascii_alphanumeric() || b"-._~".contains(&c)
}

/// URI schemes registered with IANA that we accept silently.
const SCHEMES: &[&str] = &[
    "ftp",
    "http",
    "gopher",
    "mailto",
    "news",
    "nntp",
    "telnet",
    "wais",
    "file",
    "prospero",
    "z39.50s",
    "z39.50r",
    "cid",
    "mid",
    "vemmi",
    "service",
    "imap",
    "nfs",
    "acap",
    "rtsp",
    "tip",
    "pop",
    "data",
    "dav",
    "opaquelocktoken",
    "sip",
    "sips",
    "tel",
    "fax",
    "modem",
    "ldap",
    "https",
    "soap.beep",
    "soap.beeps",
    "xmlrpc.beep",
    "xmlrpc.beeps",
    "urn",
    "go",
    "h323",
    "ipp",
    "tftp",
    "mupdate",
    "pres",
    "im",
    "mtqp",
    "iris.beep",
    "dict",
    "snmp",
    "crid",
    "tag",
    "dns",
    "info",
    "aaa",
    "aaas",
    "cap",
    "iax",
    "icap",
    "iris",
    "iris.xpc",
    "iris.xpcs",
    "iris.lwz",
    "msrp",
    "msrps",
    "shttp",
    "thismessage",
    "tv",
    "xmpp",
    "ws",
    "wss",
    "geo",
    "sms",
    "irc",
    "ircs",
    "ssh",
    "sftp",
    "git",
    "webcal",
    "magnet",
];

/// Checks a URI value reported at byte offset `pos`; returns whether it is acceptable.
/// `what` names the value in messages (only formatted when one is reported).
#[inline]
pub(super) fn check(
    cx: &mut Ctx,
    pos: usize,
    value: &str,
    kind: Uri,
    what: impl std::fmt::Display,
) -> bool {
    plainly_valid(value) || check_fully(cx, pos, value, kind, what)
}

/// The bytes of [`plainly_valid`] URLs: the URI characters, no bracket (none is one).
static PLAIN_URI_BYTES: [bool; 256] = byte_set!(b => uri_char(b));

/// Whether `value` passes every rule of [`check_fully`] at a glance, as nearly
/// every link and id does: `http://` or `https://`, then something other than
/// `/`, and only URI characters (ASCII, no brackets), eight bytes a step without
/// a branch per byte. `false` says nothing.
#[inline]
fn plainly_valid(value: &str) -> bool {
    let b = value.as_bytes();
    let rest = if let Some(r) = b.strip_prefix(b"https://") {
        r
    } else if let Some(r) = b.strip_prefix(b"http://") {
        r
    } else {
        return false;
    };
    if rest.first().is_none_or(|&c| c == b'/') {
        return false;
    }
    let ok = |c: u8| u8::from(PLAIN_URI_BYTES[usize::from(c)]);
    let mut chunks = rest.chunks_exact(8);
    let all = chunks.by_ref().fold(1, |all, w| {
        all & ok(w[0]) & ok(w[1]) & ok(w[2]) & ok(w[3]) & ok(w[4]) & ok(w[5]) & ok(w[6]) & ok(w[7])
    });
    all == 1 && chunks.remainder().iter().all(|&c| ok(c) == 1)
}

/// [`check`], every rule worked through.
#[inline(never)]
fn check_fully(
    cx: &mut Ctx,
    pos: usize,
    value: &str,
    kind: Uri,
    what: impl std::fmt::Display,
) -> bool {
    let scheme = scheme_of(value);
    // Borrowed when already lower case (the usual case): no String per URL.
    let lower: Option<Cow<str>> = scheme.map(|s| {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(s.to_ascii_lowercase())
        } else {
            Cow::Borrowed(s)
        }
    });
    match lower.as_deref() {
        Some("tag") => {
            if !valid_tag(value) {
                cx.report_at(
                    pos,
                    "InvalidTAG",
                    format!("{what} {value:?} is not a valid tag: URI (RFC 4151)"),
                );
                return false;
            }
            return true;
        }
        Some("urn") => {
            if !valid_urn(value) {
                cx.report_at(
                    pos,
                    "InvalidURN",
                    format!("{what} {value:?} is not a valid URN (RFC 2141)"),
                );
                return false;
            }
            return true;
        }
        _ => {}
    }
    if let Some(c) = unescaped_char(value) {
        cx.report_at(
            pos,
            "InvalidUriChar",
            format!("{what} {value:?} contains {c:?}, which a URI cannot hold unescaped"),
        );
        return false;
    }
    if !cx.iri && !value.is_ascii() {
        cx.report_at(
            pos,
            "UriNotIri",
            format!("{what} {value:?} holds non-ASCII characters: percent-encode them (and use punycode for the host)"),
        );
        return false;
    }
    if kind == Uri::Full && scheme.is_none() {
        cx.report_at(
            pos,
            "InvalidFullLink",
            format!("{what} {value:?} must be an absolute URL (http://…)"),
        );
        return false;
    }
    if matches!(lower.as_deref(), Some("http") | Some("https") | Some("ftp")) {
        // The scheme ends at the first colon.
        let rest = &value[scheme.map_or(0, str::len) + 1..];
        let ok = rest
            .strip_prefix("//")
            .is_some_and(|r| !r.is_empty() && !r.starts_with('/'));
        if !ok {
            let class = if kind == Uri::Full {
                "InvalidFullLink"
            } else {
                "InvalidLink"
            };
            cx.report_at(pos, class, format!("{what} {value:?} is not a valid URL"));
            return false;
        }
    } else if let Some(s) = &lower {
        if !SCHEMES.contains(&s.as_ref()) {
            cx.report_at(
                pos,
                "SchemeNotIANARegistered",
                format!("{what} {value:?} uses the unregistered scheme {s:?}"),
            );
        }
    }
    true
}

/// The bytes of a scheme (RFC 3986 §3.1): letters, digits, `+`, `-`, `.`.
static SCHEME_BYTES: [bool; 256] =
    byte_set!(b => b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');

/// The scheme of an absolute URI, if it has one.
pub(super) fn scheme_of(value: &str) -> Option<&str> {
    // Every URL in a feed passes here: bytes, not a char search per character.
    let b = value.as_bytes();
    if !b.first()?.is_ascii_alphabetic() {
        return None;
    }
    let end = b.iter().position(|&c| !SCHEME_BYTES[usize::from(c)])?;
    (b[end] == b':').then(|| &value[..end])
}

/// `tag:authority,date:specific[#fragment]` (RFC 4151).
pub(super) fn valid_tag(value: &str) -> bool {
    let Some(rest) = value.get(4..) else {
        return false;
    };
    let Some((authority, rest)) = rest.split_once(',') else {
        return false;
    };
    let (user, host) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let user_ok = user.is_none_or(|u| {
        !u.is_empty()
            && u.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
    });
    let host_ok = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-.".contains(c));
    let Some((date, specific)) = rest.split_once(':') else {
        return false;
    };
    let d: Vec<&str> = date.split('-').collect();
    let date_ok = !d.is_empty()
        && d.len() <= 3
        && d[0].len() == 4
        && d[1..].iter().all(|p| p.len() == 2)
        && d.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
    let spec_char = |c: char| c.is_ascii_alphanumeric() || ";/?:@&=+$.-_!~*'()%,".contains(c);
    let (spec, frag) = match specific.split_once('#') {
        Some((s, f)) => (s, f),
        None => (specific, ""),
    };
    user_ok && host_ok && date_ok && spec.chars().all(spec_char) && frag.chars().all(spec_char)
}

/// `urn:NID:NSS` (RFC 2141).
pub(super) fn valid_urn(value: &str) -> bool {
    let Some(rest) = value.get(4..) else {
        return false;
    };
    let Some((nid, nss)) = rest.split_once(':') else {
        return false;
    };
    let nid_ok = (2..=32).contains(&nid.len())
        && nid.starts_with(|c: char| c.is_ascii_alphanumeric())
        && nid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    let b = nss.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            if !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
            continue;
        }
        if !(c.is_ascii_alphanumeric() || b"()+,-.:=@;$_!*'".contains(&c)) {
            return false;
        }
        i += 1;
    }
    nid_ok && !nss.is_empty()
}

/// Bytes of a host that is plainly in canonical form: lower-case letters, digits,
/// dots and hyphens.
static PLAIN_HOST: [bool; 256] =
    byte_set!(b => b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');

/// Whether `value` is certainly canonical, as most ids are: `http(s)://` and a
/// plain lower-case host (no user, no port), a path after it, no `%` anywhere and
/// no `/.` in the rest. `false` says nothing: [`non_canonical`] then looks closer.
fn plainly_canonical(value: &str) -> bool {
    let Some((host, path)) = http_host_and_rest(value.as_bytes()) else {
        return false;
    };
    !host.is_empty()
        && path.first() == Some(&b'/')
        && memchr::memchr(b'%', path).is_none()
        && !has_slash_dot(path)
}

/// An `http://` or `https://` URL's host, as far as its bytes are
/// [`PLAIN_HOST`]'s, and the rest after it; `None` for any other scheme (or
/// spelling of one).
pub(super) fn http_host_and_rest(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let rest = b
        .strip_prefix(b"https://")
        .or_else(|| b.strip_prefix(b"http://"))?;
    let host_len = rest
        .iter()
        .position(|&c| !PLAIN_HOST[usize::from(c)])
        .unwrap_or(rest.len());
    Some(rest.split_at(host_len))
}

/// Whether `b` holds `/.`: from dot to dot (paths have few), no substring search
/// to set up.
pub(super) fn has_slash_dot(b: &[u8]) -> bool {
    memchr::memchr_iter(b'.', b).any(|i| i > 0 && b[i - 1] == b'/')
}

/// Why a URI is not in the canonical form RFC 3986 §6 describes, if it is not.
pub(super) fn non_canonical(value: &str) -> Option<&'static str> {
    if plainly_canonical(value) {
        return None;
    }
    why_non_canonical(value)
}

/// [`non_canonical`], every rule worked through.
fn why_non_canonical(value: &str) -> Option<&'static str> {
    let scheme = scheme_of(value)?;
    if scheme.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some("the scheme is not lower case");
    }
    // Lower case already (checked just above).
    let lower = scheme;
    let rest = &value[scheme.len() + 1..];
    let b = value.as_bytes();
    // From one `%` to the next (most ids have none).
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'%', &b[i..]) {
        i += p;
        if i + 2 < b.len() && b[i + 1..i + 3].is_ascii() {
            let hex = &value[i + 1..i + 3];
            if hex.bytes().any(|c| c.is_ascii_lowercase()) {
                return Some("percent-encoding uses lower-case hex digits");
            }
            if let Ok(v) = u8::from_str_radix(hex, 16) {
                if unreserved(v) {
                    return Some("an unreserved character is percent-encoded");
                }
            }
            i += 3;
            continue;
        }
        i += 1;
    }
    let hier = rest.strip_prefix("//")?;
    // Bytes: the delimiters are ASCII, so a byte offset is a character boundary.
    let end = hier
        .bytes()
        .position(|c| matches!(c, b'/' | b'?' | b'#'))
        .unwrap_or(hier.len());
    let (authority, path) = hier.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    if userinfo.is_some_and(|u| u.is_empty() || u == ":") {
        return Some("the authority has an empty user part");
    }
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || hostport.starts_with('[') => (h, Some(p)),
        _ => (hostport, None),
    };
    if host.bytes().any(|c| c.is_ascii_uppercase()) {
        return Some("the host is not lower case");
    }
    if let Some(p) = port {
        let default = match lower {
            "http" => "80",
            "https" => "443",
            "ftp" => "21",
            _ => "",
        };
        if p.is_empty() || p == default {
            return Some("the port is empty or the scheme's default");
        }
    }
    if matches!(lower, "http" | "https") && path.is_empty() {
        return Some("the path is empty (write a trailing \"/\")");
    }
    let path_only = &path[..path
        .bytes()
        .position(|c| c == b'?' || c == b'#')
        .unwrap_or(path.len())];
    // The path starts with `/` (or is empty): a dot segment follows a `/`.
    if memchr::memmem::find(path_only.as_bytes(), b"/.").is_some()
        && path_only.split('/').any(|seg| seg == "." || seg == "..")
    {
        return Some("the path has dot segments");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A random string from pieces URLs are made of, good and bad.
    fn random_url(next: &mut impl FnMut() -> u64) -> String {
        const PIECES: &[&str] = &[
            "http://",
            "https://",
            "HTTP://",
            "ftp://",
            "tag:",
            "urn:",
            "//",
            "//[",
            "[",
            "]",
            "::1",
            "@",
            ":",
            "80",
            ":443",
            "/",
            "/.",
            "/..",
            ".",
            "..",
            "%",
            "%41",
            "%7e",
            "%C3%87",
            "?",
            "#",
            "a",
            "Z",
            "example.com",
            "Example.org",
            "x-y",
            "é",
            "日本",
            " ",
            "\\",
            "<",
            "\"",
            "{",
            "|",
            "^",
            "`",
            "\u{7f}",
            "q=1&r=2",
            "~",
            "_",
            "0",
            "-",
        ];
        let mut s = String::new();
        // Half of them shaped like a web URL: scheme, host pieces, then anything.
        if next().is_multiple_of(2) {
            const SCHEMES: &[&str] = &["http://", "https://", "HTTP://", "http:/"];
            const HOSTS: &[&str] = &[
                "a",
                "example.com",
                "x-y",
                "0",
                ".",
                "-",
                "Z",
                "@",
                "%41",
                ":80",
                ":",
                "[::1]",
            ];
            s.push_str(SCHEMES[(next() % SCHEMES.len() as u64) as usize]);
            for _ in 0..next() % 4 {
                s.push_str(HOSTS[(next() % HOSTS.len() as u64) as usize]);
            }
            if !next().is_multiple_of(4) {
                s.push('/');
            }
        }
        let n = (next() % 9) as usize;
        for _ in 0..n {
            s.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
        }
        s
    }

    /// What [`check`] says of a URL, and what it reports.
    fn checked(
        doc: &crate::lint::dom::Document,
        v: &str,
        kind: Uri,
        iri: bool,
        fully: bool,
    ) -> (bool, Vec<String>) {
        let mut cx = Ctx {
            path: "t.xml",
            location: None,
            doc,
            findings: Vec::new(),
            iri,
            rss2: !iri,
            seen_ns: Default::default(),
            lines: Default::default(),
            html_memo: None,
            plausible_until: chrono::Utc::now(),
        };
        let ok = if fully {
            check_fully(&mut cx, 0, v, kind, "<x>")
        } else {
            check(&mut cx, 0, v, kind, "<x>")
        };
        (ok, cx.findings.iter().map(|f| f.to_string()).collect())
    }

    /// The glance at plain http(s) URLs says what the full check says: the same
    /// verdict and the same findings, for random URLs, both kinds, URIs and IRIs.
    #[test]
    fn plainly_valid_urls_pass_the_full_check() {
        let doc = crate::lint::dom::Document::parse("<r/>").expect("well-formed");
        let mut next = crate::lint::xorshift(0x706c_6169_6e6c_7976);
        let mut plain = 0;
        for _ in 0..100_000 {
            let v = random_url(&mut next);
            plain += usize::from(plainly_valid(&v));
            for kind in [Uri::Any, Uri::Full] {
                for iri in [false, true] {
                    assert_eq!(
                        checked(&doc, &v, kind, iri, false),
                        checked(&doc, &v, kind, iri, true),
                        "{v:?}"
                    );
                }
            }
        }
        assert!(plain > 5_000, "{plain}");
    }

    /// The character check before the table: every byte looked at under the full
    /// rule.
    fn unescaped_char_reference(value: &str) -> Option<char> {
        let bracketed_host = value.find("//[").is_some_and(|i| value[i..].contains(']'));
        let allowed = |c: u8| uri_char(c) || (bracketed_host && (c == b'[' || c == b']'));
        value
            .bytes()
            .find(|c| c.is_ascii() && !allowed(*c))
            .map(char::from)
    }

    #[test]
    fn unescaped_char_is_the_full_rule() {
        let mut next = crate::lint::xorshift(0x0072_6c63_6861_7273);
        for _ in 0..200_000 {
            let v = random_url(&mut next);
            assert_eq!(unescaped_char(&v), unescaped_char_reference(&v), "{v:?}");
        }
    }

    #[test]
    fn plainly_canonical_is_never_wrong() {
        let mut next = crate::lint::xorshift(0x0063_616e_6f6e_6963);
        let mut plain = 0;
        for _ in 0..200_000 {
            let v = random_url(&mut next);
            if plainly_canonical(&v) {
                plain += 1;
                assert_eq!(why_non_canonical(&v), None, "{v:?}");
            }
        }
        // The fast path is taken often enough for the comparison to mean something.
        assert!(plain > 1_000, "{plain}");
        assert!(plainly_canonical(
            "https://news.example.com/2021/08/01/post-0/"
        ));
    }

    #[test]
    fn tags() {
        for ok in [
            "tag:example.com,2000:",
            "tag:example.com,2000:#",
            "tag:me@example.com,2003-11-30:foo",
            "tag:example.org,2004:/2004_07.html#someitemanchor",
        ] {
            assert!(valid_tag(ok), "{ok}");
        }
        for bad in [
            "tag:diveintomark,org,2003-11-30:foo",
            "tag:diveintomark.org,2003-9-11:foo",
            "tag:diveintomark.org:foo",
            "tag:diveintomark.org,2003:foo]",
            "tag:diveintomark.org,2003: foo",
        ] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }

    #[test]
    fn urns() {
        assert!(valid_urn("urn:diveintomark-org:20030729:1"));
        assert!(valid_urn("urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6"));
        assert!(!valid_urn("urn:diveintomark.org:1"));
        assert!(!valid_urn("urn:-diveintomark-org:1"));
    }

    #[test]
    fn canonical() {
        assert_eq!(non_canonical("http://example.com/"), None);
        assert_eq!(non_canonical("http://example.com/%C3%87"), None);
        assert_eq!(non_canonical("http://example.org/id/1234#"), None);
        for bad in [
            "http://example.com",
            "http://example.com:/",
            "http://example.com/%c3%87",
            "http://example.org/%69%64/1234",
            "http://Example.org/id/1234",
            "http://example.org:80/id/1234",
            "http://:@example.org/id/1234",
            "http://example.org/./id/1234",
        ] {
            assert!(non_canonical(bad).is_some(), "{bad}");
        }
    }
}
