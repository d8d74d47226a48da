//! `feedwright check`: the links and images of every post (see DESIGN.md, "Checks").
//!
//! Posts are loaded and planned as for a build (so each has its permalink and entry
//! id), then each post's URLs are taken from its unsanitized HTML and front matter
//! ([`extract`]), judged by the offline rules and resolved to absolute URLs
//! ([`offline`]), and — unless offline — every unique URL is fetched once
//! ([`http`]), skipping what the cache ([`cache`]) still vouches for. Every problem
//! becomes a [`Finding`] at the post's `path:line`, ready for [`crate::report`].

pub mod cache;
pub mod extract;
pub mod http;
pub mod offline;

use std::collections::HashMap;
use std::time::{Instant, SystemTime};

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use regex::Regex;
use url::Url;

use crate::config::Config;
use crate::load::{self, LoadError, LoadOptions};
use crate::report::{Finding, Severity, Summary};
use extract::{Kind, Link};
use http::{Settings, Target, Verdict};
use offline::Resolved;

pub use http::client;

/// How one run behaves, beyond the config.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Only the offline rules; no network, no cache.
    pub offline: bool,
    /// Read and write `check.cache`.
    pub use_cache: bool,
    /// A progress bar on stderr while fetching (only drawn on a terminal).
    pub progress: bool,
    /// The wall clock, for `post.future-date` and the cache's TTL; passed in so tests
    /// can fix it.
    pub now: DateTime<Utc>,
}

impl CheckOptions {
    pub fn new(offline: bool) -> CheckOptions {
        CheckOptions {
            offline,
            use_cache: true,
            progress: false,
            now: Utc::now(),
        }
    }
}

/// The result of a run: findings (sorted by file, line, column), the summary, and
/// notes about the run itself that are no finding (a cache that could not be written).
#[derive(Debug)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub summary: Summary,
    pub notes: Vec<String>,
}

/// Why a check could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("check.exclude {pattern:?}: {source}")]
    Exclude {
        pattern: String,
        source: regex::Error,
    },
}

/// Runs the offline rules only; needs no runtime and no network.
pub fn check_offline(cfg: &Config, opts: &CheckOptions) -> Result<Report, CheckError> {
    let start = Instant::now();
    let prep = prepare(cfg, opts.now)?;
    let unique = prep
        .fetch
        .iter()
        .map(|o| o.url.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let counts = Counts {
        unique,
        ..Counts::default()
    };
    Ok(finish(prep, Vec::new(), counts, start))
}

/// Runs the offline rules, then fetches every unique URL with `client` (see
/// [`client`] for one set up as the check expects).
pub async fn check(
    cfg: &Config,
    opts: &CheckOptions,
    client: &reqwest::Client,
) -> Result<Report, CheckError> {
    if opts.offline {
        return check_offline(cfg, opts);
    }
    let start = Instant::now();
    let excludes = cfg
        .check
        .exclude
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|source| CheckError::Exclude {
                pattern: p.clone(),
                source,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut prep = prepare(cfg, opts.now)?;
    let mut counts = Counts::default();

    // One target per unique URL; an image anywhere makes it an image.
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut targets: Vec<Target> = Vec::new();
    let mut excluded: std::collections::HashSet<String> = Default::default();
    let mut occurrence_target: Vec<Option<usize>> = Vec::with_capacity(prep.fetch.len());
    for occ in &prep.fetch {
        let s = occ.url.as_str();
        if excludes.iter().any(|r| r.is_match(s)) {
            excluded.insert(s.to_string());
            occurrence_target.push(None);
            continue;
        }
        let image = occ.link.kind == Kind::Image;
        let i = *index.entry(s.to_string()).or_insert_with(|| {
            targets.push(Target {
                url: occ.url.clone(),
                image,
            });
            targets.len() - 1
        });
        targets[i].image |= image;
        occurrence_target.push(Some(i));
    }
    counts.unique = targets.len();
    counts.excluded = excluded.len();

    let now = SystemTime::from(opts.now);
    let ttl = cfg.check.cache_ttl;
    let mut store = if opts.use_cache {
        cache::Cache::load(&cfg.check.cache)
    } else {
        cache::Cache::default()
    };
    let mut verdicts: Vec<Option<Verdict>> = vec![None; targets.len()];
    let mut to_fetch: Vec<usize> = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let cached = opts
            .use_cache
            .then(|| store.get(&cache::key(t.url.as_str(), t.image), now, ttl))
            .flatten();
        match cached {
            Some(v) => verdicts[i] = Some(v.clone()),
            None => to_fetch.push(i),
        }
    }
    counts.cached = targets.len() - to_fetch.len();
    counts.fetched = to_fetch.len();

    let mut settings = Settings::new(&cfg.check, cfg.base_url.clone());
    settings.progress = opts.progress;
    let batch: Vec<Target> = to_fetch.iter().map(|&i| targets[i].clone()).collect();
    let fetched = http::check_all(client, &batch, &settings).await;
    for (&i, v) in to_fetch.iter().zip(fetched) {
        if opts.use_cache {
            let t = &targets[i];
            store.record(cache::key(t.url.as_str(), t.image), &v, now);
        }
        verdicts[i] = Some(v);
    }
    let mut notes = Vec::new();
    if opts.use_cache {
        store.prune(now, ttl);
        if let Err(e) = store.save(&cfg.check.cache) {
            notes.push(format!(
                "{}: cannot write the check cache: {e}",
                cfg.check.cache.display()
            ));
        }
    }

    let base = cfg.base_url.as_ref();
    for (occ, t) in prep.fetch.iter().zip(&occurrence_target) {
        if let Some(v) = t.and_then(|i| verdicts[i].as_ref()) {
            prep.findings.extend(verdict_findings(occ, v, base));
        }
    }
    Ok(finish(prep, notes, counts, start))
}

/// One URL occurrence that goes online.
struct Occurrence {
    path: String,
    link: Link,
    url: Url,
}

struct Prepared {
    findings: Vec<Finding>,
    fetch: Vec<Occurrence>,
    files: Vec<String>,
    posts: usize,
    /// Feeds the build would write, linted.
    feeds: usize,
    links: usize,
    images: usize,
}

#[derive(Default)]
struct Counts {
    unique: usize,
    fetched: usize,
    cached: usize,
    excluded: usize,
}

/// Loads and plans the posts, extracts their URLs and applies the offline rules.
fn prepare(cfg: &Config, now: DateTime<Utc>) -> Result<Prepared, CheckError> {
    let loaded = load::load_dir(
        &cfg.posts,
        LoadOptions {
            timezone: cfg.timezone,
            keep_bodies: true,
        },
    )?;
    let mut findings = loaded.findings;
    // Without a base_url, permalinks are planned against a placeholder: good enough
    // to compare ids, never used to resolve a link.
    let placeholder = Url::parse("https://feedwright.invalid/").expect("a valid literal URL");
    let base = cfg.base_url.clone().unwrap_or(placeholder);
    let (site, planned) = crate::site::plan(loaded.posts, cfg, &base);
    // The build keeps both posts of a duplicate id (it gives one a distinct id), so
    // it only warns; a check is there to make the author fix it.
    findings.extend(planned.into_iter().map(|mut f| {
        if f.rule == "post.duplicate-id" {
            f.severity = Severity::Error;
        }
        f
    }));
    let site_https = cfg.base_url.as_ref().is_some_and(|u| u.scheme() == "https");

    let per_post: Vec<(Vec<Finding>, Vec<Occurrence>, usize, usize)> = site
        .posts
        .par_iter()
        .zip(site.urls.par_iter())
        .map(|(post, url)| {
            let path = post.path.display().to_string();
            let mut found = Vec::new();
            let mut fetch = Vec::new();
            found.extend(offline::future_date(post, now));
            let body = match post.body_text() {
                Ok(b) => b,
                Err(e) => {
                    let msg = format!("cannot read body: {e}");
                    found.push(Finding::error("post.read", path, None, msg));
                    return (found, fetch, 0, 0);
                }
            };
            let post_url = cfg.base_url.as_ref().and_then(|_| Url::parse(url).ok());
            let ex = extract::extract(post, &body);
            offline::image_findings(&path, &ex, &mut found);
            let (mut links, mut images) = (0, 0);
            for link in ex.links {
                match link.kind {
                    Kind::Image => images += 1,
                    Kind::Link | Kind::Media => links += 1,
                }
                let (resolved, issues) = offline::resolve(&link, post_url.as_ref(), site_https);
                let raw = link.raw.trim();
                let shown = (!raw.is_empty()).then_some(raw);
                for issue in issues {
                    found.push(offline::finding(&path, link.pos, issue, shown));
                }
                if let Resolved::Fetch(url) = resolved {
                    fetch.push(Occurrence {
                        path: path.clone(),
                        link,
                        url,
                    });
                }
            }
            (found, fetch, links, images)
        })
        .collect();

    let mut prep = Prepared {
        findings,
        fetch: Vec::new(),
        files: site
            .posts
            .iter()
            .map(|p| p.path.display().to_string())
            .collect(),
        posts: site.posts.len(),
        feeds: 0,
        links: 0,
        images: 0,
    };
    // The feeds the build would write, through the same conformance rules as
    // `feedwright lint`: built in memory from the posts already loaded (nothing is
    // written). Without a base_url there is no feed to speak of.
    if let Some(real_base) = &cfg.base_url {
        let built = crate::build::from_site(cfg, real_base, site);
        prep.feeds = built.feeds;
        prep.findings.extend(
            built
                .findings
                .into_iter()
                .filter(|f| f.rule.starts_with("lint.")),
        );
    }
    for (f, o, l, i) in per_post {
        prep.findings.extend(f);
        prep.fetch.extend(o);
        prep.links += l;
        prep.images += i;
    }
    Ok(prep)
}

fn finish(mut prep: Prepared, notes: Vec<String>, c: Counts, start: Instant) -> Report {
    prep.findings.sort_by(|a, b| {
        a.path
            .cmp(&b.path)
            .then(a.line.cmp(&b.line))
            .then(a.column.cmp(&b.column))
            .then(a.rule.cmp(&b.rule))
    });
    for f in &prep.findings {
        if !prep.files.contains(&f.path) {
            prep.files.push(f.path.clone());
        }
    }
    prep.files.sort();
    let counts = [
        ("posts", prep.posts),
        ("feeds", prep.feeds),
        ("links", prep.links),
        ("images", prep.images),
        ("unique_urls", c.unique),
        ("fetched", c.fetched),
        ("cached", c.cached),
        ("excluded", c.excluded),
    ];
    Report {
        findings: prep.findings,
        summary: Summary {
            command: "check".to_string(),
            files: prep.files,
            counts: counts
                .iter()
                .map(|(k, v)| (k.to_string(), *v as u64))
                .collect(),
            elapsed: start.elapsed(),
        },
        notes,
    }
}

/// The findings one verdict means for one place that uses the URL.
fn verdict_findings(occ: &Occurrence, v: &Verdict, base: Option<&Url>) -> Vec<Finding> {
    let url = occ.url.as_str();
    let what = &occ.link.origin;
    let is_image = occ.link.kind == Kind::Image;
    let mut out: Vec<(Severity, &str, String)> = Vec::new();
    match v {
        Verdict::Ok {
            moved_to, hotlink, ..
        } => {
            if let Some(to) = moved_to {
                out.push((
                    Severity::Warning,
                    "link.redirect",
                    format!("{what} {url} redirects permanently to {to}: link to the new URL"),
                ));
            }
            // A link to an image (`<a href="pic.jpg">`) is fine whatever a Referer does.
            if let Some(status) = hotlink.filter(|_| is_image) {
                let referer = base.map_or("the site", Url::as_str);
                out.push((
                    Severity::Warning,
                    "image.hotlink",
                    format!(
                        "image {url} loads without a Referer but answers {status} with Referer: {referer} (hotlink protection); feed readers that send one show nothing: rehost the image or keep referrerpolicy=\"no-referrer\" on it"
                    ),
                ));
            }
        }
        Verdict::Broken {
            status,
            url: at,
            retries,
        } => {
            let reason = reqwest::StatusCode::from_u16(*status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("");
            let mut msg = format!("{what} {url} is broken: HTTP {status} {reason}");
            if let Some(at) = at {
                msg.push_str(&format!(" at {at}, where it redirects"));
            }
            if *retries > 0 {
                msg.push_str(&format!(" after {retries} retries"));
            }
            out.push((Severity::Error, "link.broken", msg.trim_end().to_string()));
        }
        // The same URL as a plain link: a page is what a link may lead to.
        Verdict::NotImage { .. } if !is_image => {}
        Verdict::NotImage { content_type } => out.push((
            Severity::Error,
            "image.not-image",
            format!("image {url} answers with {content_type}, not an image: readers show a broken image"),
        )),
        Verdict::BadRedirect { status, location } => out.push((
            Severity::Error,
            "link.bad-redirect",
            match location {
                Some(l) => format!("{what} {url} redirects ({status}) to an unusable Location {l:?}"),
                None => format!("{what} {url} redirects ({status}) without a Location"),
            },
        )),
        Verdict::RedirectLoop { chain } => out.push((
            Severity::Error,
            "link.redirect-loop",
            format!("{what} {url} never arrives: redirect loop {}", chain.join(" → ")),
        )),
        Verdict::TooManyRedirects { last } => out.push((
            Severity::Error,
            "link.too-many-redirects",
            format!(
                "{what} {url} redirects more than {} times (gave up at {last})",
                http::MAX_REDIRECTS
            ),
        )),
        Verdict::Timeout { after_ms } => out.push((
            Severity::Error,
            "link.timeout",
            format!(
                "{what} {url}: no answer within {} (timeout)",
                crate::report::human_duration(std::time::Duration::from_millis(*after_ms))
            ),
        )),
        Verdict::Unreachable { cause } => out.push((
            Severity::Error,
            "link.unreachable",
            format!("{what} {url}: cannot connect: {cause}"),
        )),
    }
    out.into_iter()
        .map(|issue| offline::finding(&occ.path, occ.link.pos, issue, Some(url)))
        .collect()
}
