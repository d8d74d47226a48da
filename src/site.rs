//! Group posts into feeds by their front matter alone: the site feed, one feed per
//! category node (holding its own and its descendants' posts), and optionally one per
//! tag. Each feed is sorted newest first (ties by path) and cut to `feeds.limit`, so
//! only the posts that reach some feed are rendered.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use url::Url;

use crate::config::Config;
use crate::load::Post;
use crate::report::Finding;
use crate::slug::{safe_path, safe_path_into, slugify, slugify_into};

/// Which posts a feed is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedKind {
    Site,
    /// A category node, as the labels from the root down.
    Category(Vec<String>),
    Tag(String),
}

/// One feed to write: its place under the output folder and its posts.
#[derive(Debug, Clone)]
pub struct FeedSpec {
    pub kind: FeedKind,
    pub title: String,
    /// Folder under OUT, `/`-separated, no trailing slash; empty for the site feed.
    pub dir: String,
    /// Indices into [`Site::posts`], newest first, at most `feeds.limit`.
    pub entries: Vec<usize>,
    /// How many posts belong to the feed before the limit.
    pub total: usize,
}

/// The published posts, their URLs and ids, and the feeds they form.
#[derive(Debug)]
pub struct Site {
    /// Newest first, ties by path.
    pub posts: Vec<Post>,
    /// Absolute permalink of each post (same index).
    pub urls: Vec<String>,
    /// Entry id of each post (same index) where it differs from its URL; see
    /// [`Site::id`].
    ids: Vec<Option<String>>,
    pub feeds: Vec<FeedSpec>,
}

impl Site {
    /// The entry id of post `i`: its front-matter `id`/`guid`, else its permalink;
    /// unique across the site.
    pub fn id(&self, i: usize) -> &str {
        self.ids[i].as_deref().unwrap_or(&self.urls[i])
    }
}

/// Orders posts, gives each its URL and id, and groups them into feeds. Colliding ids
/// are reported (naming both files) and made unique; no post is lost.
pub fn plan(posts: Vec<Post>, cfg: &Config, base: &Url) -> (Site, Vec<Finding>) {
    let mut posts = posts;
    // Sort indices, not the (large) posts, then move each post into place once: no
    // second copy of 100,000 posts at the peak. The keys sit side by side, so the
    // comparisons do not chase each post; the index breaks any tie as a stable
    // sort would.
    let mut keys: Vec<(DateTime<FixedOffset>, &str, usize)> = posts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.date, p.rel.as_str(), i))
        .collect();
    keys.par_sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)).then(a.2.cmp(&b.2)));
    let order: Vec<usize> = keys.into_iter().map(|(_, _, i)| i).collect();
    permute_in_place(&mut posts, order);
    let mut findings = Vec::new();
    // URLs on every core while the feeds are grouped.
    let (urls, feeds) = rayon::join(
        || {
            posts
                .par_iter()
                .map(|p| permalink(p, cfg, base))
                .collect::<Vec<String>>()
        },
        || group(&posts, cfg),
    );
    let ids = unique_ids(&posts, &urls, base, &mut findings);
    (
        Site {
            posts,
            urls,
            ids,
            feeds,
        },
        findings,
    )
}

/// The feeds of sorted posts: the site's, then each category node's (by slug path),
/// then each tag's.
fn group(posts: &[Post], cfg: &Config) -> Vec<FeedSpec> {
    let limit = cfg.feeds.limit;
    let mut feeds = vec![FeedSpec {
        kind: FeedKind::Site,
        title: cfg.title.clone(),
        dir: String::new(),
        total: posts.len(),
        entries: (0..posts.len().min(limit)).collect(),
    }];

    if cfg.feeds.categories {
        // Each node once, found by its slug path; sorted by that path below so the
        // feed order is stable.
        let mut nodes: Vec<(String, Vec<String>, Vec<usize>)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        // Thousands of posts share a few hierarchies: work out each one's nodes
        // (slugs, lookups) once.
        let mut memo: HashMap<&[String], Vec<usize>> = HashMap::new();
        let mut seen: Vec<usize> = Vec::new();
        for (i, post) in posts.iter().enumerate() {
            seen.clear();
            for hierarchy in &post.categories {
                let path = memo.entry(hierarchy).or_insert_with(|| {
                    let mut dir = String::from("categories");
                    let mut path = Vec::with_capacity(hierarchy.len());
                    for (depth, label) in hierarchy.iter().enumerate() {
                        dir.push('/');
                        dir.push_str(&slugify(label));
                        let node = *index.entry(dir.clone()).or_insert_with(|| {
                            nodes.push((dir.clone(), hierarchy[..=depth].to_vec(), Vec::new()));
                            nodes.len() - 1
                        });
                        path.push(node);
                    }
                    path
                });
                for &node in path.iter() {
                    if !seen.contains(&node) {
                        seen.push(node);
                        nodes[node].2.push(i);
                    }
                }
            }
        }
        nodes.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (dir, labels, members) in nodes {
            feeds.push(FeedSpec {
                title: format!("{} › {}", cfg.title, labels.join(" › ")),
                kind: FeedKind::Category(labels),
                dir,
                total: members.len(),
                entries: members.into_iter().take(limit).collect(),
            });
        }
    }

    if cfg.feeds.tags {
        let mut tags: BTreeMap<String, (String, Vec<usize>)> = BTreeMap::new();
        for (i, post) in posts.iter().enumerate() {
            let mut seen: Vec<String> = Vec::new();
            for tag in &post.tags {
                let dir = format!("tags/{}", slugify(tag));
                if seen.contains(&dir) {
                    continue;
                }
                seen.push(dir.clone());
                tags.entry(dir)
                    .or_insert_with(|| (tag.clone(), Vec::new()))
                    .1
                    .push(i);
            }
        }
        for (dir, (tag, members)) in tags {
            feeds.push(FeedSpec {
                title: format!("{} › #{}", cfg.title, tag),
                kind: FeedKind::Tag(tag),
                dir,
                total: members.len(),
                entries: members.into_iter().take(limit).collect(),
            });
        }
    }

    feeds
}

/// An explicit `id`/`guid` as an Atom id must be: an absolute IRI. One that is
/// already (`urn:uuid:…`, `tag:…`, a URL) is kept; another (`42`, `/2021/08/post`) is
/// made absolute against `base_url`, as Jekyll's feed does with its post ids.
fn absolute_id(id: &str, base: &Url) -> String {
    let id = id.trim();
    match Url::parse(id) {
        Ok(u) if !u.cannot_be_a_base() || matches!(u.scheme(), "urn" | "tag" | "mailto") => {
            id.to_string()
        }
        _ => base
            .join(id.trim_start_matches('/'))
            .map_or_else(|_| format!("{base}{id}"), |u| u.to_string()),
    }
}

/// Reorders `items` so that position `k` holds the item that was at `order[k]`,
/// following each cycle of the permutation with swaps.
fn permute_in_place<T>(items: &mut [T], mut order: Vec<usize>) {
    const DONE: usize = usize::MAX;
    for start in 0..items.len() {
        let mut cur = start;
        while order[cur] != DONE {
            let next = order[cur];
            order[cur] = DONE;
            if next == start {
                break;
            }
            items.swap(cur, next);
            cur = next;
        }
    }
}

/// The post's absolute URL: its `permalink`/`link`/`url` (absolute, or relative to
/// `base_url`), else `base_url` + the config's `permalink` pattern.
pub fn permalink(post: &Post, cfg: &Config, base: &Url) -> String {
    if let Some(p) = post
        .permalink
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        if let Ok(abs) = Url::parse(p) {
            if matches!(abs.scheme(), "http" | "https") {
                return abs.to_string();
            }
        }
        if let Ok(joined) = base.join(p.trim_start_matches('/')) {
            return joined.to_string();
        }
    }
    let path = expand_pattern(&cfg.permalink, post);
    if let Some(url) = join_plain(base, &path) {
        return url;
    }
    base.join(&path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("{base}{path}"))
}

/// Expands `:year/:month/:day/:slug/` and the other Hexo placeholders.
fn expand_pattern(pattern: &str, post: &Post) -> String {
    use chrono::{Datelike, Timelike};
    use std::fmt::Write;

    let d = post.date;
    // Worked out only when the pattern asks for it.
    let mut slug: Option<String> = None;
    let mut out = String::with_capacity(pattern.len() + 48);
    let mut rest = pattern.trim_start_matches('/');
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let key = &rest[..end];
        // Writing to a String cannot fail.
        let _ = match key {
            // `%Y` pads to four digits and signs years outside 0..=9999.
            "year" if (0..=9999).contains(&d.year()) => {
                let y = d.year() as u32; // in 0..=9999
                push_two_digits(&mut out, y / 100).and(push_two_digits(&mut out, y % 100))
            }
            "year" => write!(out, "{}", d.format("%Y")),
            "month" => push_two_digits(&mut out, d.month()),
            "i_month" => write!(out, "{}", d.month()),
            "day" => push_two_digits(&mut out, d.day()),
            "i_day" => write!(out, "{}", d.day()),
            "hour" => push_two_digits(&mut out, d.hour()),
            "minute" => push_two_digits(&mut out, d.minute()),
            "second" => push_two_digits(&mut out, d.second()),
            "slug" | "title" | "path" => {
                let slug = slug.get_or_insert_with(|| {
                    let mut slug = String::new();
                    if let Some(given) = post.slug.as_deref() {
                        safe_path_into(&mut slug, given);
                    }
                    if slug.is_empty() {
                        let (dir, file) = post_name(post);
                        safe_path_into(&mut slug, dir);
                        safe_path_into(&mut slug, file);
                    }
                    slug
                });
                out.write_str(slug)
            }
            "name" => {
                slugify_into(&mut out, post_name(post).1);
                Ok(())
            }
            "category" => match post.categories.first() {
                Some(h) => {
                    for (k, c) in h.iter().enumerate() {
                        if k > 0 {
                            out.push('/');
                        }
                        slugify_into(&mut out, c);
                    }
                    Ok(())
                }
                None => out.write_str("uncategorized"),
            },
            _ => {
                out.push(':');
                out.write_str(key)
            }
        };
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Percent-encode what a URL path cannot hold as is (Unicode stays readable to
    // url::Url, which encodes it on join).
    out
}

/// Appends `n` (below 100) as two digits, as `{:02}` writes it; never fails (it is
/// a `write!` that costs nothing to format).
fn push_two_digits(out: &mut String, n: u32) -> std::fmt::Result {
    out.push(char::from(b'0' + (n / 10 % 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
    Ok(())
}

/// `base.join(path)` without a URL parse, for a path the parser would leave exactly
/// as it is: plain segments of ASCII letters, digits, `-` and `_`. `None` for
/// anything else (Unicode, dots, `%`, a leading `/`), which goes through `join`.
fn join_plain(base: &Url, path: &str) -> Option<String> {
    let plain = !path.is_empty()
        && !path.starts_with('/')
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/'));
    if !plain || base.cannot_be_a_base() {
        return None;
    }
    // The base up to its last `/`, without query or fragment, as `join` resolves it.
    let upto = &base[..url::Position::AfterPath];
    let dir = &upto[..upto.rfind('/')? + 1];
    let mut out = String::with_capacity(dir.len() + path.len());
    out.push_str(dir);
    out.push_str(path);
    Some(out)
}

/// The post's path without extension, a bundle's `index` dropped, and a Jekyll
/// `YYYY-MM-DD-` date prefix removed, as its folder and its name: `("en", "faq")`,
/// `("", "MIR")`, `("", "welcome")`.
fn post_name(post: &Post) -> (&str, &str) {
    let rel = post.rel.as_str();
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    let stem = stem
        .strip_suffix("/index")
        .or_else(|| stem.strip_suffix("/_index"))
        .unwrap_or(stem);
    let (dir, file) = stem.rsplit_once('/').map_or(("", stem), |(d, f)| (d, f));
    (dir, strip_date_prefix(file))
}

fn strip_date_prefix(file: &str) -> &str {
    let b = file.as_bytes();
    let is_date = b.len() > 11
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit)
        && b[10] == b'-';
    if is_date {
        &file[11..]
    } else {
        file
    }
}

/// Entry ids: the front-matter `id`/`guid`, else the permalink. When two posts would
/// share one, both files are named in a warning and the later one (by path) gets a
/// suffix from its own path, so both are kept.
fn unique_ids(
    posts: &[Post],
    urls: &[String],
    base: &Url,
    findings: &mut Vec<Finding>,
) -> Vec<Option<String>> {
    let mut ids: Vec<Option<String>> = posts
        .iter()
        .map(|p| {
            p.id.as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|id| absolute_id(id, base))
        })
        .collect();
    let id_of = |ids: &[Option<String>], i: usize| -> String {
        ids[i].clone().unwrap_or_else(|| urls[i].clone())
    };
    // The first post of each id; a group only where a second one comes.
    let mut groups: Vec<Vec<usize>> = {
        let mut first: HashMap<&str, usize> = HashMap::with_capacity(posts.len());
        let mut shared: HashMap<usize, Vec<usize>> = HashMap::new();
        for (i, url) in urls.iter().enumerate() {
            match first.entry(ids[i].as_deref().unwrap_or(url)) {
                Entry::Vacant(v) => {
                    v.insert(i);
                }
                Entry::Occupied(o) => shared
                    .entry(*o.get())
                    .or_insert_with(|| vec![*o.get()])
                    .push(i),
            }
        }
        shared.into_values().collect()
    };
    for g in &mut groups {
        g.sort_by(|&a, &b| posts[a].rel.cmp(&posts[b].rel));
    }
    groups.sort_by(|a, b| posts[a[0]].rel.cmp(&posts[b[0]].rel));
    for group in groups {
        let first = group[0];
        let id = id_of(&ids, first);
        for &other in &group[1..] {
            let p = &posts[other];
            let line = crate::load::IDENTITY_KEYS
                .iter()
                .find_map(|k| p.key_lines.get(*k).copied());
            findings.push(Finding::warning(
                "post.duplicate-id",
                p.path.display().to_string(),
                line,
                format!(
                    "entry id {id:?} is also the id of {}; this post gets a distinct id",
                    posts[first].path.display()
                ),
            ));
            ids[other] = Some(format!("{id}#{}", safe_path(&p.rel).replace('/', "-")));
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_ids_become_absolute_iris() {
        let base = Url::parse("https://x.org/blog/").unwrap();
        assert_eq!(absolute_id("same", &base), "https://x.org/blog/same");
        assert_eq!(
            absolute_id("/2021/08/p", &base),
            "https://x.org/blog/2021/08/p"
        );
        assert_eq!(
            absolute_id("urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427", &base),
            "urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        );
        assert_eq!(
            absolute_id("tag:x.org,2021:post-1", &base),
            "tag:x.org,2021:post-1"
        );
        assert_eq!(
            absolute_id("https://other.org/p", &base),
            "https://other.org/p"
        );
    }

    fn post(rel: &str, text: &str) -> Post {
        let mut findings = Vec::new();
        match crate::load::parse_post(
            std::path::Path::new(rel),
            rel,
            text,
            chrono_tz::UTC,
            &mut findings,
        ) {
            crate::load::Outcome::Published(p) => *p,
            other => panic!("{other:?} {findings:?}"),
        }
    }

    #[test]
    fn every_placeholder_expands() {
        let p = post(
            "news/2021-08-04-Hello World.md",
            "---\ntitle: T\ndate: 2021-08-04 09:05:03\ncategories: [金融, Big News]\n---\nx\n",
        );
        assert_eq!(
            expand_pattern(":year/:month/:day/:i_month/:i_day/:hour:minute:second/", &p),
            "2021/08/04/8/4/090503/"
        );
        assert_eq!(
            expand_pattern("/:category/:name/:slug/:title/:path/:other", &p),
            "金融/big-news/hello-world/news/hello-world/news/hello-world/news/hello-world/:other"
        );
        let q = post(
            "a.md",
            "---\ntitle: T\ndate: 0099-01-02\nslug: My Slug\n---\nx\n",
        );
        assert_eq!(
            expand_pattern(":year-:i_month-:i_day/:category/:slug", &q),
            "0099-1-2/uncategorized/my-slug"
        );
    }

    #[test]
    fn plain_join_is_what_the_url_parser_gives() {
        let bases = [
            "https://x.org/",
            "https://x.org/blog/",
            "https://x.org/blog/index.html",
            "https://x.org/blog/?page=2#top",
            "http://x.org:8080/a/b/",
        ];
        let paths = [
            "2021/08/01/my-post/",
            "a",
            "a//b/",
            "Post_1",
            "金融/a/",
            "a b/",
            "./a/",
            "../a/",
            "/a/",
            "a%20b/",
            "",
        ];
        for b in bases {
            let base = Url::parse(b).unwrap();
            for p in paths {
                let want = base.join(p).unwrap().to_string();
                if let Some(got) = join_plain(&base, p) {
                    assert_eq!(got, want, "{b} + {p}");
                }
            }
        }
        let base = Url::parse("https://x.org/blog/").unwrap();
        assert!(join_plain(&base, "2021/08/01/my-post/").is_some());
        assert!(join_plain(&base, "金融/a/").is_none());
    }

    #[test]
    fn permutation_applied_in_place() {
        let mut items = vec!['a', 'b', 'c', 'd', 'e'];
        permute_in_place(&mut items, vec![3, 0, 4, 1, 2]);
        assert_eq!(items, ['d', 'a', 'e', 'b', 'c']);
        let mut same = vec![1, 2, 3];
        permute_in_place(&mut same, vec![0, 1, 2]);
        assert_eq!(same, [1, 2, 3]);
    }
}
