//! The whole `build` job: config → posts → site → entries → files. The server calls
//! [`build`] and serves the files from memory; the CLI calls [`build_to_disk`], which
//! writes each file as soon as it is made.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;

use crate::config::{Config, Content, Format};
use crate::feed::{self, FeedLink, FeedMeta};
use crate::load::{self, LoadOptions};
use crate::output::WriteStats;
use crate::render::{self, Entry};
use crate::report::Finding;
use crate::site::{self, FeedKind, FeedSpec, Site};
use url::Url;

/// One file of the output, with what a server needs to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutFile {
    pub bytes: Vec<u8>,
    /// The newest entry's date, for `Last-Modified` (none for the index pages when
    /// there are no posts).
    pub modified: Option<DateTime<FixedOffset>>,
    /// `Content-Type`, with charset.
    pub media_type: &'static str,
}

impl AsRef<[u8]> for OutFile {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

pub const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
pub const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
pub const OPML_TYPE: &str = "text/x-opml; charset=utf-8";
pub const HTML_TYPE: &str = "text/html; charset=utf-8";

/// Everything a build produced.
#[derive(Debug, Default)]
pub struct Built {
    /// Path under OUT (`categories/金融/rss.xml`) → file.
    pub files: BTreeMap<String, OutFile>,
    /// Problems with posts and feeds, in file order.
    pub findings: Vec<Finding>,
    pub read: usize,
    pub published: usize,
    pub skipped: usize,
    /// Feeds written (each format counts).
    pub feeds: usize,
}

/// Why a build could not run at all (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("base_url is not set: give it in feedwright.yaml or with --base-url")]
    NoBaseUrl,
    #[error(transparent)]
    Load(#[from] load::LoadError),
    /// Only from [`build_to_disk`].
    #[error("cannot write the output folder {out}")]
    Write { out: String, source: std::io::Error },
}

/// Builds every file of the output in memory.
pub fn build(cfg: &Config) -> Result<Built, BuildError> {
    let (built, _) = build_with(cfg, None)?;
    Ok(built)
}

/// [`build`], writing each file to `disk` as soon as it is made when that is given
/// (see [`build_to_disk`]).
fn build_with(cfg: &Config, disk: Option<&Path>) -> Result<(Built, WriteStats), BuildError> {
    let base = cfg.base_url.clone().ok_or(BuildError::NoBaseUrl)?;
    let loaded = load::load_dir(
        &cfg.posts,
        LoadOptions {
            timezone: cfg.timezone,
            keep_bodies: false,
        },
    )?;
    let (site, site_findings) = site::plan(loaded.posts, cfg, &base);
    let (mut built, stats) =
        files_of(cfg, &base, site, disk).map_err(|source| BuildError::Write {
            out: cfg.out.display().to_string(),
            source,
        })?;
    built.read = loaded.read;
    built.skipped = loaded.skipped;
    let mut findings = loaded.findings;
    findings.extend(site_findings);
    findings.append(&mut built.findings);
    built.findings = findings;
    Ok((built, stats))
}

/// The files of a planned site (`base` is the `base_url` it was planned with):
/// entries rendered, feeds written and linted, OPML and index. `read` and `skipped`
/// are left to the caller, who loaded the posts; `findings` holds only what
/// rendering and linting found. `check` calls this on the site it already loaded.
pub fn from_site(cfg: &Config, base: &Url, site: Site) -> Built {
    let (built, _) = files_of(cfg, base, site, None).expect("nothing is written, so nothing fails");
    built
}

/// [`from_site`]; with `disk`, each file is also written there (only when its bytes
/// changed) as soon as it is made and linted, and its bytes are let go: a site's feeds
/// are not all held in memory at once. The files' bytes in the result are then empty.
fn files_of(
    cfg: &Config,
    base: &Url,
    mut site: Site,
    disk: Option<&Path>,
) -> std::io::Result<(Built, WriteStats)> {
    let mut stats = WriteStats::default();
    if let Some(out) = disk {
        std::fs::create_dir_all(out)?;
    }
    let feeds_base = cfg.feeds_url().cloned().unwrap_or_else(|| base.clone());
    let mut built = Built {
        published: site.posts.len(),
        ..Default::default()
    };

    // Render only the posts that reach some feed, on every core.
    let needed: BTreeSet<usize> = site
        .feeds
        .iter()
        .flat_map(|f| f.entries.iter().copied())
        .collect();
    let needed: Vec<usize> = needed.into_iter().collect();
    let rendered: Vec<(usize, Result<Entry, Box<Finding>>)> = needed
        .par_iter()
        .map_init(render::Renderer::default, |renderer, &i| {
            (
                i,
                renderer.render(&site.posts[i], &site.urls[i], site.id(i)),
            )
        })
        .collect();
    let mut entries: BTreeMap<usize, Entry> = BTreeMap::new();
    for (i, r) in rendered {
        match r {
            Ok(mut e) => {
                if cfg.feeds.content == Content::Summary {
                    e.content.clear();
                }
                entries.insert(i, e);
            }
            Err(f) => built.findings.push(*f),
        }
    }
    // From here on the entries stand for the posts: free the posts (most of a large
    // site's memory) before the feeds are written and linted.
    let specs = std::mem::take(&mut site.feeds);
    std::mem::take(&mut site.posts)
        .into_par_iter()
        .for_each(drop);
    drop(site);

    let url_of = |dir: &str, file: &str| -> String {
        let rel = if dir.is_empty() {
            file.to_string()
        } else {
            format!("{dir}/{file}")
        };
        feeds_base
            .join(&rel)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| format!("{feeds_base}{rel}"))
    };
    // Every (feed, format) pair is written and linted as it will be published (its
    // URL, its media type) on its own, on every core, while its bytes are fresh in
    // the cache; the results are gathered in spec order so the index, OPML and
    // findings keep their order. Findings name the file under `out`.
    let jobs: Vec<(&FeedSpec, &Format)> = specs
        .iter()
        .flat_map(|spec| cfg.feeds.formats.iter().map(move |f| (spec, f)))
        .collect();
    // One lint batch for all of them: an entry's HTML, in up to eight feeds, is
    // checked once when clean.
    let lints = crate::lint::Batch::default();
    let written: Vec<(Written, Vec<Finding>, Option<std::io::Result<bool>>)> = jobs
        .into_par_iter()
        .map(|(spec, format)| {
            let mut w = write_feed(cfg, base, &url_of, &entries, spec, format);
            let path = cfg.out.join(&w.rel).display().to_string();
            let findings =
                lints.lint_published(&w.file.bytes, &path, &w.link.url, w.file.media_type);
            let on_disk = disk.map(|out| {
                let result = crate::output::write_file(out, &w.rel, &w.file.bytes);
                w.file.bytes = Vec::new();
                result
            });
            (w, findings, on_disk)
        })
        .collect();
    let mut links = Vec::with_capacity(written.len());
    let mut newest_overall: Option<DateTime<FixedOffset>> = None;
    for (w, findings, on_disk) in written {
        if let Some(result) = on_disk {
            // In spec order: an error names the first feed that failed.
            stats.count(result?);
        }
        newest_overall = newest_overall.max(w.file.modified);
        links.push(w.link);
        built.files.insert(w.rel, w.file);
        built.feeds += 1;
        built.findings.extend(findings);
    }
    built.files.insert(
        "feeds.opml".to_string(),
        OutFile {
            bytes: feed::opml(&cfg.title, base.as_str(), &links),
            modified: newest_overall,
            media_type: OPML_TYPE,
        },
    );
    built.files.insert(
        "index.html".to_string(),
        OutFile {
            bytes: feed::index_html(
                &cfg.title,
                &cfg.description,
                cfg.language.as_deref(),
                &links,
            ),
            modified: newest_overall,
            media_type: HTML_TYPE,
        },
    );
    if let Some(out) = disk {
        for name in ["feeds.opml", "index.html"] {
            let file = built.files.get_mut(name).expect("inserted just above");
            stats.count(crate::output::write_file(out, name, &file.bytes)?);
            file.bytes = Vec::new();
        }
        stats.removed = crate::output::remove_stale_feeds(out, &built.files)?;
    }
    Ok((built, stats))
}

/// One feed file as written, with what the index and the linter need about it.
struct Written {
    rel: String,
    file: OutFile,
    link: FeedLink,
}

/// Writes one feed of `spec` in `format`; `url_of(dir, file)` gives a feed's URL.
fn write_feed(
    cfg: &Config,
    base: &Url,
    url_of: &(impl Fn(&str, &str) -> String + Sync),
    entries: &BTreeMap<usize, Entry>,
    spec: &FeedSpec,
    format: &Format,
) -> Written {
    let list: Vec<&Entry> = spec.entries.iter().filter_map(|i| entries.get(i)).collect();
    let modified = (!list.is_empty()).then(|| feed::feed_updated(&list));
    let description = match &spec.kind {
        FeedKind::Site => cfg.description.clone(),
        FeedKind::Category(labels) => format!("{}: posts in {}", cfg.title, labels.join(" › ")),
        FeedKind::Tag(tag) => format!("{}: posts tagged {tag}", cfg.title),
    };
    let depth = match &spec.kind {
        FeedKind::Site => 0,
        FeedKind::Category(labels) => labels.len(),
        FeedKind::Tag(_) => 1,
    };
    let (file, format_name, media_type) = match format {
        Format::Rss => ("rss.xml", "rss", RSS_TYPE),
        Format::Atom => ("atom.xml", "atom", ATOM_TYPE),
    };
    let meta = FeedMeta {
        title: spec.title.clone(),
        description,
        site_url: base.to_string(),
        self_url: url_of(&spec.dir, file),
        language: cfg.language.clone(),
        author: cfg.author.clone(),
    };
    let bytes = match format {
        Format::Rss => feed::rss(&meta, &list),
        Format::Atom => feed::atom(&meta, &list),
    };
    let rel = if spec.dir.is_empty() {
        file.to_string()
    } else {
        format!("{}/{file}", spec.dir)
    };
    Written {
        rel,
        file: OutFile {
            bytes,
            modified,
            media_type,
        },
        link: FeedLink {
            title: meta.title,
            url: meta.self_url,
            format: format_name,
            depth,
        },
    }
}

/// Builds and writes the files of [`build`] to `cfg.out`: only those whose bytes
/// changed, each through a temporary file and a rename; the feeds of categories that
/// are gone are removed. Each file is written as soon as it is made and linted, so
/// the files' bytes in the returned build are empty. Returns the build and what the
/// write did.
pub fn build_to_disk(cfg: &Config) -> anyhow::Result<(Built, WriteStats)> {
    Ok(build_with(cfg, Some(Path::new(&cfg.out)))?)
}
