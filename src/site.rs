//! Group posts into feeds by their front matter alone: the site feed, one feed per
//! category node (holding its own and its descendants' posts), and optionally one per
//! tag. Each feed is sorted newest first (ties by path) and cut to `feeds.limit`, so
//! only the posts that reach some feed are rendered.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use url::Url;

use crate::config::Config;
use crate::load::Post;
use crate::report::Finding;
use crate::slug::{safe_path, slugify};

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
    // second copy of 100,000 posts at the peak.
    let mut order: Vec<usize> = (0..posts.len()).collect();
    order.sort_by(|&a, &b| {
        posts[b]
            .date
            .cmp(&posts[a].date)
            .then_with(|| posts[a].rel.cmp(&posts[b].rel))
    });
    permute_in_place(&mut posts, order);
    let mut findings = Vec::new();
    let urls: Vec<String> = posts.par_iter().map(|p| permalink(p, cfg, base)).collect();
    let ids = unique_ids(&posts, &urls, base, &mut findings);
    let limit = cfg.feeds.limit;

    let mut feeds = vec![FeedSpec {
        kind: FeedKind::Site,
        title: cfg.title.clone(),
        dir: String::new(),
        total: posts.len(),
        entries: (0..posts.len().min(limit)).collect(),
    }];

    if cfg.feeds.categories {
        // slug path → (labels, post indices); a BTreeMap keeps the feed order stable.
        let mut nodes: BTreeMap<String, (Vec<String>, Vec<usize>)> = BTreeMap::new();
        // Labels repeat across thousands of posts: slugify each once.
        let mut slugs: HashMap<&str, String> = HashMap::new();
        for (i, post) in posts.iter().enumerate() {
            let mut seen: Vec<String> = Vec::new();
            for hierarchy in &post.categories {
                let mut dir = String::from("categories");
                for (depth, label) in hierarchy.iter().enumerate() {
                    dir.push('/');
                    dir.push_str(slugs.entry(label).or_insert_with(|| slugify(label)));
                    if seen.contains(&dir) {
                        continue;
                    }
                    seen.push(dir.clone());
                    let node = nodes
                        .entry(dir.clone())
                        .or_insert_with(|| (hierarchy[..=depth].to_vec(), Vec::new()));
                    node.1.push(i);
                }
            }
        }
        for (dir, (labels, members)) in nodes {
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
    base.join(&path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| format!("{base}{path}"))
}

/// Expands `:year/:month/:day/:slug/` and the other Hexo placeholders.
fn expand_pattern(pattern: &str, post: &Post) -> String {
    let d = post.date;
    let name = post_name(post);
    let slug = post
        .slug
        .as_deref()
        .map(safe_path)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| safe_path(&name));
    let category = post
        .categories
        .first()
        .map(|h| h.iter().map(|c| slugify(c)).collect::<Vec<_>>().join("/"))
        .unwrap_or_else(|| "uncategorized".to_string());
    let mut out = String::with_capacity(pattern.len() + slug.len());
    let mut rest = pattern.trim_start_matches('/');
    while let Some(i) = rest.find(':') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        let key = &rest[..end];
        let value = match key {
            "year" => d.format("%Y").to_string(),
            "month" => d.format("%m").to_string(),
            "i_month" => d.format("%-m").to_string(),
            "day" => d.format("%d").to_string(),
            "i_day" => d.format("%-d").to_string(),
            "hour" => d.format("%H").to_string(),
            "minute" => d.format("%M").to_string(),
            "second" => d.format("%S").to_string(),
            "slug" | "title" | "path" => slug.clone(),
            "name" => slugify(name.rsplit('/').next().unwrap_or(&name)),
            "category" => category.clone(),
            _ => {
                out.push(':');
                key.to_string()
            }
        };
        out.push_str(&value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    // Percent-encode what a URL path cannot hold as is (Unicode stays readable to
    // url::Url, which encodes it on join).
    out
}

/// The post's path without extension, a bundle's `index` dropped, and a Jekyll
/// `YYYY-MM-DD-` date prefix removed: `en/faq`, `MIR`, `welcome`.
fn post_name(post: &Post) -> String {
    let rel = post.rel.as_str();
    let stem = rel.rsplit_once('.').map_or(rel, |(s, _)| s);
    let stem = stem
        .strip_suffix("/index")
        .or_else(|| stem.strip_suffix("/_index"))
        .unwrap_or(stem);
    let (dir, file) = stem.rsplit_once('/').map_or(("", stem), |(d, f)| (d, f));
    let file = strip_date_prefix(file);
    if dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
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
    let mut groups: Vec<Vec<usize>> = {
        let mut by_id: HashMap<&str, Vec<usize>> = HashMap::with_capacity(posts.len());
        for (i, url) in urls.iter().enumerate() {
            by_id
                .entry(ids[i].as_deref().unwrap_or(url))
                .or_default()
                .push(i);
        }
        by_id.into_values().filter(|v| v.len() > 1).collect()
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
