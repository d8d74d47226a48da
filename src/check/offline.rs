//! The offline rules: what can be said about a post's URLs, images, id and date
//! without the network. Each URL is resolved here too, against the post's own URL,
//! so the online check receives absolute `http(s)` URLs only.
//!
//! Rule ids (severity):
//! `link.empty` (error), `link.unsafe-scheme` (error), `link.malformed` (error),
//! `link.unresolvable` (error), `link.protocol-relative` (warning),
//! `link.insecure` (warning), `image.missing-src` (error), `image.missing-alt`
//! (warning), `post.duplicate-id` (error), `post.future-date` (warning).

use chrono::{DateTime, Utc};
use url::Url;

use super::extract::{has_scheme, Extracted, Kind, Link, Pos};
use crate::load::Post;
use crate::report::{Finding, Severity};

/// What became of one URL offline.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// An absolute http(s) URL to fetch (fragment removed).
    Fetch(Url),
    /// Nothing to fetch: an in-page anchor, `mailto:`, an embedded `data:` image…
    Skip,
    /// A problem that makes the URL unusable; nothing to fetch.
    Unusable,
}

/// One problem with a URL: severity, rule id, message.
pub type Issue = (Severity, &'static str, String);

/// Resolves `link` against the post's URL (`None` without a `base_url`) and lists
/// what is wrong with it. `site_https`: the site is served over https.
pub fn resolve(link: &Link, post_url: Option<&Url>, site_https: bool) -> (Resolved, Vec<Issue>) {
    let mut issues = Vec::new();
    let raw = link.raw.trim_matches(|c: char| c.is_ascii_whitespace());
    let what = &link.origin;
    if raw.is_empty() {
        let msg = format!("empty {what}: it points nowhere");
        issues.push((Severity::Error, "link.empty", msg));
        return (Resolved::Unusable, issues);
    }
    if raw.starts_with('#') {
        return (Resolved::Skip, issues);
    }
    let url = if has_scheme(raw) {
        let scheme = raw[..raw.find(':').unwrap_or(0)].to_ascii_lowercase();
        match scheme.as_str() {
            "javascript" | "vbscript" | "livescript" => {
                let msg = format!(
                    "`{scheme}:` URL in {what}: feed readers strip it, and in a page it runs script"
                );
                issues.push((Severity::Error, "link.unsafe-scheme", msg));
                return (Resolved::Unusable, issues);
            }
            "data" if link.kind == Kind::Image => return (Resolved::Skip, issues),
            "data" => {
                let msg = format!("`data:` URL in {what}: readers and browsers refuse to open it");
                issues.push((Severity::Error, "link.unsafe-scheme", msg));
                return (Resolved::Unusable, issues);
            }
            "file" => {
                let msg = format!(
                    "`file:` URL in {what}: it points at the author's own disk, not the web"
                );
                issues.push((Severity::Error, "link.unsafe-scheme", msg));
                return (Resolved::Unusable, issues);
            }
            "http" | "https" => match Url::parse(raw) {
                Ok(u) => u,
                Err(e) => return malformed(raw, what, &e.to_string(), issues),
            },
            // mailto:, tel:, ftp:, magnet:… are fine and not fetched.
            _ => return (Resolved::Skip, issues),
        }
    } else if raw.starts_with("//") {
        let scheme = post_url.map_or("https", Url::scheme);
        let msg = format!(
            "protocol-relative URL {raw} in {what}: outside a web page a reader cannot tell http from https; write {scheme}:{raw}"
        );
        issues.push((Severity::Warning, "link.protocol-relative", msg));
        match Url::parse(&format!("{scheme}:{raw}")) {
            Ok(u) => u,
            Err(e) => return malformed(raw, what, &e.to_string(), issues),
        }
    } else {
        let Some(base) = post_url else {
            let msg = format!(
                "relative URL {raw:?} in {what} cannot be resolved: there is no base_url (set it in feedwright.yaml or pass --base-url)"
            );
            issues.push((Severity::Error, "link.unresolvable", msg));
            return (Resolved::Unusable, issues);
        };
        match base.join(raw) {
            Ok(u) => u,
            Err(e) => return malformed(raw, what, &e.to_string(), issues),
        }
    };
    if url.host_str().is_none_or(str::is_empty) {
        return malformed(raw, what, "no host", issues);
    }
    if url.scheme() == "http" && site_https {
        let msg = match link.kind {
            Kind::Image | Kind::Media => format!(
                "http: {what} {url} on an https site: readers block mixed content; use https"
            ),
            Kind::Link => {
                format!("http: {what} {url} on an https site; use https if the target has it")
            }
        };
        issues.push((Severity::Warning, "link.insecure", msg));
    }
    let mut fetch = url;
    fetch.set_fragment(None);
    (Resolved::Fetch(fetch), issues)
}

fn malformed(raw: &str, what: &str, why: &str, mut issues: Vec<Issue>) -> (Resolved, Vec<Issue>) {
    let msg = format!("malformed URL {raw:?} in {what}: {why}");
    issues.push((Severity::Error, "link.malformed", msg));
    (Resolved::Unusable, issues)
}

/// A finding at `pos` in `path`.
pub fn finding(path: &str, pos: Pos, issue: Issue, url: Option<&str>) -> Finding {
    let (severity, rule, message) = issue;
    let mut f = Finding::new(severity, rule, path, pos.line, message).with_column(pos.column);
    if let Some(u) = url {
        f = f.with_url(u);
    }
    f
}

/// The image rules: `img` without `src` (error) or without `alt` (warning).
pub fn image_findings(path: &str, ex: &Extracted, out: &mut Vec<Finding>) {
    for pos in &ex.images_without_src {
        let msg = "img without src: readers show nothing".to_string();
        out.push(finding(
            path,
            *pos,
            (Severity::Error, "image.missing-src", msg),
            None,
        ));
    }
    for (pos, src) in &ex.images_without_alt {
        let msg = format!(
            "img {src} has no alt text: screen readers and text-only readers get nothing (use alt=\"\" for decoration)"
        );
        let url = (!src.is_empty()).then_some(src.as_str());
        out.push(finding(
            path,
            *pos,
            (Severity::Warning, "image.missing-alt", msg),
            url,
        ));
    }
}

/// `post.future-date`: a post dated after `now` (the wall clock; never used in feeds).
pub fn future_date(post: &Post, now: DateTime<Utc>) -> Option<Finding> {
    (post.date.with_timezone(&Utc) > now).then(|| {
        Finding::warning(
            "post.future-date",
            post.path.display().to_string(),
            post.key_lines.get("date").copied(),
            format!(
                "date {} is in the future: readers may hide the entry or sort it first until then",
                post.date.to_rfc3339()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(raw: &str, kind: Kind) -> Link {
        Link {
            raw: raw.to_string(),
            kind,
            origin: "a href".to_string(),
            pos: Pos::default(),
        }
    }

    fn rules(raw: &str, kind: Kind, base: Option<&str>) -> (Resolved, Vec<&'static str>) {
        let base = base.map(|b| Url::parse(b).unwrap());
        let https = base.as_ref().is_some_and(|b| b.scheme() == "https");
        let (r, issues) = resolve(&link(raw, kind), base.as_ref(), https);
        (r, issues.into_iter().map(|i| i.1).collect())
    }

    #[test]
    fn each_offline_url_rule() {
        let b = Some("https://x.org/2021/a/");
        assert_eq!(rules("", Kind::Link, b).1, ["link.empty"]);
        assert_eq!(rules("  ", Kind::Image, b).1, ["link.empty"]);
        assert_eq!(
            rules("JavaScript:alert(1)", Kind::Link, b).1,
            ["link.unsafe-scheme"]
        );
        assert_eq!(rules("vbscript:x", Kind::Link, b).1, ["link.unsafe-scheme"]);
        assert_eq!(
            rules("file:///C:/a.png", Kind::Image, b).1,
            ["link.unsafe-scheme"]
        );
        assert_eq!(
            rules("http://exa mple.com/", Kind::Link, b).1,
            ["link.malformed"]
        );
        assert_eq!(rules("https://", Kind::Link, b).1, ["link.malformed"]);
        assert_eq!(rules("pic.png", Kind::Image, None).1, ["link.unresolvable"]);
        assert_eq!(
            rules("//cdn.x.org/a.png", Kind::Image, b),
            (
                Resolved::Fetch(Url::parse("https://cdn.x.org/a.png").unwrap()),
                vec!["link.protocol-relative"]
            )
        );
        assert_eq!(rules("http://y.org/", Kind::Link, b).1, ["link.insecure"]);
        assert!(rules("http://y.org/", Kind::Link, Some("http://x.org/"))
            .1
            .is_empty());
    }

    #[test]
    fn resolution_and_skips() {
        let b = Some("https://x.org/2021/a/");
        assert_eq!(
            rules("pic.png#top", Kind::Image, b),
            (
                Resolved::Fetch(Url::parse("https://x.org/2021/a/pic.png").unwrap()),
                vec![]
            )
        );
        assert_eq!(rules("#section", Kind::Link, b), (Resolved::Skip, vec![]));
        assert_eq!(
            rules("mailto:a@b.org", Kind::Link, b),
            (Resolved::Skip, vec![])
        );
        assert_eq!(
            rules("data:image/png;base64,AAAA", Kind::Image, b),
            (Resolved::Skip, vec![])
        );
        assert_eq!(
            rules("data:text/html,hi", Kind::Link, b).1,
            ["link.unsafe-scheme"]
        );
    }
}
