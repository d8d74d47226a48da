//! Walk the posts folder and turn each file into a [`Post`]: front matter parsed into
//! typed fields (dates, categories, tags…), the body kept as text with the line it
//! starts on. A bad file becomes a [`Finding`] naming its path and line; it never
//! stops the other posts from loading.
//!
//! The rules, where real posts leave a choice:
//! - A file with no front matter is rejected (`post.front-matter`), as Jekyll does:
//!   without it there is no title and no date to publish with.
//! - The date is `date` (or `pubDate`/`publishDate`); without one, the `YYYY-MM-DD-`
//!   prefix of a Jekyll file name (or of a bundle's folder), else a `YYYY/MM/DD` inside
//!   a Zola/Hugo `path` key, read as midnight in the site's time zone. Never the
//!   file's mtime. A post with no date at all is skipped with a warning (`post.date`);
//!   `path = "…/9999/12/31/…"`, the Rust blog's placeholder for unpublished posts,
//!   counts as no date.
//! - A `date` that cannot be read falls back the same way with a warning naming its
//!   line; with nothing to fall back on it rejects the post (`post.date` error).
//! - `draft: true` and `published: false` are drafts: counted in `skipped`, no finding.
//! - A rejected post gives exactly one finding; notes about it (a repaired tab, an
//!   encoding) are dropped in favour of the reason.
//! - Files that are not UTF-8 are decoded when chardetng is confident (warning
//!   `post.encoding` naming the encoding), else rejected (`post.encoding` error).
//!
//! Files are read and parsed on every core; builds keep only what feeds need (see
//! [`LoadOptions::keep_bodies`]), so 100,000 posts fit in about 100 MB.

mod dates;
mod decode;
mod fields;
mod front;
mod walk;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::report::Finding;
use dates::DateProblem;
use front::{SplitError, Syntax};
pub use walk::MAX_POST_BYTES;

/// How a body is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFormat {
    Markdown,
    Html,
}

/// One post as its front matter describes it. Dates are parsed once, here.
#[derive(Debug, Clone)]
pub struct Post {
    /// The file, as found under the posts folder (used in diagnostics).
    pub path: PathBuf,
    /// Path relative to the posts folder, `/`-separated (`en/faq.md`).
    pub rel: String,
    /// `title`, else the file name (with a warning).
    pub title: String,
    /// `date`, else the date in the file name or `path` (see the module docs).
    pub date: DateTime<FixedOffset>,
    /// `updated`/`lastmod`/`last_modified_at`.
    pub updated: Option<DateTime<FixedOffset>>,
    /// Each inner list is one hierarchy, outermost first (`[金融, 新浪财经]`).
    pub categories: Vec<Vec<String>>,
    /// `tags`/`tag`: a list, or a string split at commas.
    pub tags: Vec<String>,
    /// `author`/`authors`: a name, a map's `name`, or a list of them joined by `, `.
    pub author: Option<String>,
    /// `description`/`summary`/`excerpt`.
    pub description: Option<String>,
    /// `headimg`/`thumbnail`/`image`/`cover`/`header-img`/`images` (the first), as
    /// written.
    pub image: Option<String>,
    /// `permalink`/`link`/`url`, as written.
    pub permalink: Option<String>,
    pub slug: Option<String>,
    /// `id`/`guid`.
    pub id: Option<String>,
    /// Every front-matter key, the unknown ones too. Empty when loaded for a build
    /// (`keep_bodies: false`): nothing in a build reads it, and 100,000 posts' worth
    /// of it would not fit the memory budget.
    pub front: Map<String, Value>,
    /// 1-based line of each top-level front-matter key in the file. A build
    /// (`keep_bodies: false`) keeps only the keys its diagnostics point at:
    /// [`IDENTITY_KEYS`].
    pub key_lines: BTreeMap<String, usize>,
    /// The body; `None` when loaded without bodies (see [`LoadOptions`]).
    pub body: Option<String>,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    pub format: BodyFormat,
}

impl Post {
    /// The body text. When it was not kept at load time, the file is read and decoded
    /// again exactly as loading did, so the text is the body that was parsed.
    pub fn body_text(&self) -> std::io::Result<Cow<'_, str>> {
        if let Some(b) = &self.body {
            return Ok(Cow::Borrowed(b));
        }
        let bytes = std::fs::read(&self.path)?;
        let (text, _) = decode::decode(&bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.message))?;
        let text = front::normalize(&text);
        let split = front::split(&text).map_err(|_| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "the front matter changed since the post was loaded",
            )
        })?;
        Ok(Cow::Owned(split.body.to_string()))
    }
}

/// How to load a posts folder.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    /// The zone of dates written without an offset.
    pub timezone: chrono_tz::Tz,
    /// Keep every body in memory, and every front-matter key in [`Post::front`] and
    /// [`Post::key_lines`] (checks need them all). Builds (`false`) read only the
    /// bodies of posts that reach a feed, and keep only the typed fields.
    pub keep_bodies: bool,
}

/// What loading a folder gave: the published posts, and a finding per problem.
#[derive(Debug, Default)]
pub struct Loaded {
    pub posts: Vec<Post>,
    pub findings: Vec<Finding>,
    /// Post files read.
    pub read: usize,
    /// Drafts and unpublished posts.
    pub skipped: usize,
}

/// The posts folder itself could not be read (exit 2). The reason is part of the
/// message, not a separate cause, so a report of the whole chain says it once.
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read posts folder: {error}")]
pub struct LoadError {
    pub path: String,
    pub error: std::io::Error,
}

/// What one file turned out to be.
#[derive(Debug)]
pub enum Outcome {
    Published(Box<Post>),
    /// A draft or `published: false`.
    Draft,
    /// Not loaded; the reason is among the findings.
    Rejected,
}

/// The keys whose lines a build keeps in [`Post::key_lines`]: those that make an
/// entry's id, which the duplicate-id diagnostic points at.
pub const IDENTITY_KEYS: [&str; 6] = ["id", "guid", "permalink", "link", "url", "slug"];

/// What parsing one file gave; a post by value, so that collecting many needs no
/// second copy (see [`load_dir`]).
#[allow(clippy::large_enum_variant)] // by value on purpose: boxing costs a copy at 100k
enum Parsed {
    Post(Post),
    Draft,
    Rejected,
}

/// Loads every post under `dir`: `.md`, `.markdown`, `.html` and `.htm` files, found
/// in file-name order; hidden files and folders and editor leftovers are skipped,
/// symlinks are followed and a symlink loop is reported, not walked. Files are read
/// and parsed on every core; the result is in walk order whatever the scheduling.
pub fn load_dir(dir: &Path, opts: LoadOptions) -> Result<Loaded, LoadError> {
    let meta = std::fs::metadata(dir).map_err(|error| LoadError {
        path: dir.display().to_string(),
        error,
    })?;
    if !meta.is_dir() {
        return Err(LoadError {
            path: dir.display().to_string(),
            error: std::io::Error::other("not a directory"),
        });
    }
    let (mut files, mut findings) = walk::walk(dir);
    let read = files.len();
    // In runs of a few files per task, so that the files of a run whose bytes are not
    // in memory are fetched side by side (see `walk::start_read`). Each result goes
    // straight to its place: no second copy of 100,000 results at the peak.
    let run = (read / (8 * rayon::current_num_threads())).clamp(1, 32);
    let mut results: Vec<(Parsed, Vec<Finding>)> = Vec::with_capacity(read);
    results.resize_with(read, || (Parsed::Rejected, Vec::new()));
    files
        .par_chunks_mut(run)
        .zip(results.par_chunks_mut(run))
        .for_each(|(files, out)| load_files(files, out, opts));
    drop(files);
    let mut skipped = 0;
    for (parsed, file_findings) in &mut results {
        findings.append(file_findings);
        skipped += usize::from(matches!(parsed, Parsed::Draft));
    }
    // Collected in place (the element is no smaller than a `Post`): no second copy
    // of 100,000 posts at the peak.
    let mut posts: Vec<Post> = results
        .into_iter()
        .filter_map(|(parsed, _)| match parsed {
            Parsed::Post(p) => Some(p),
            Parsed::Draft | Parsed::Rejected => None,
        })
        .collect();
    posts.shrink_to_fit();
    Ok(Loaded {
        posts,
        findings,
        read,
        skipped,
    })
}

/// Reads, decodes and parses a run of files into `out`, in order (the paths are
/// moved out of `files`). A file whose bytes are not in memory yet is read after the
/// others, by when the kernel has fetched it.
fn load_files(
    files: &mut [(PathBuf, String)],
    out: &mut [(Parsed, Vec<Finding>)],
    opts: LoadOptions,
) {
    thread_local! {
        /// One read buffer per thread, reused file after file.
        static BUF: std::cell::RefCell<walk::ReadBuf> = std::cell::RefCell::default();
    }
    BUF.with_borrow_mut(|buf| {
        let mut fetching = Vec::new();
        for (at, file) in files.iter_mut().enumerate() {
            let (path, rel) = std::mem::take(file);
            out[at] = match walk::start_read(&path, buf) {
                Ok(walk::Started::Done) => load_file(path, rel, buf.bytes(), opts),
                Ok(walk::Started::Fetching(file)) => {
                    fetching.push((at, file, path, rel));
                    continue;
                }
                Err(e) => unreadable(&path, &e),
            };
        }
        for (at, file, path, rel) in fetching {
            out[at] = match walk::finish_read(file, buf) {
                Ok(()) => load_file(path, rel, buf.bytes(), opts),
                Err(e) => unreadable(&path, &e),
            };
        }
    })
}

/// A post file that could not be read.
fn unreadable(path: &Path, e: &std::io::Error) -> (Parsed, Vec<Finding>) {
    let finding = walk::cannot_read(path.display().to_string(), e);
    (Parsed::Rejected, vec![finding])
}

/// Decodes and parses one file's bytes.
fn load_file(
    path: PathBuf,
    rel: String,
    bytes: &[u8],
    opts: LoadOptions,
) -> (Parsed, Vec<Finding>) {
    let mut findings = Vec::new();
    let shown = || path.display().to_string();
    let text = match decode::decode(bytes) {
        Ok((text, None)) => text,
        Ok((text, Some(enc))) => {
            findings.push(Finding::warning(
                "post.encoding",
                shown(),
                Some(1),
                format!("not UTF-8: read as {}; save it as UTF-8", enc.name()),
            ));
            text
        }
        Err(e) => {
            findings.push(Finding::error(
                "post.encoding",
                shown(),
                Some(e.line),
                e.message,
            ));
            return (Parsed::Rejected, findings);
        }
    };
    // A bug on one strange file must not take the other 99,999 down with it.
    // (The path is shown only then; a copy costs less than showing it.)
    let kept_path = path.clone();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_inner(
            path,
            rel,
            &text,
            opts.timezone,
            opts.keep_bodies,
            &mut findings,
        )
    }))
    .unwrap_or_else(|_| {
        findings.push(Finding::error(
            "post.read",
            kept_path.display().to_string(),
            None,
            "feedwright failed on this file (an internal error; please report it)",
        ));
        Parsed::Rejected
    });
    if matches!(outcome, Parsed::Rejected) {
        // One finding per rejected post: its reason, not the notes made before it.
        let reason = findings.pop();
        findings.clear();
        findings.extend(reason);
    }
    (outcome, findings)
}

/// Parses one post from its text. Problems are pushed onto `findings`: a rejected
/// post adds exactly one (its reason), a published one adds a warning per repair.
pub fn parse_post(
    path: &Path,
    rel: &str,
    text: &str,
    tz: chrono_tz::Tz,
    findings: &mut Vec<Finding>,
) -> Outcome {
    match parse_inner(
        path.to_path_buf(),
        rel.to_string(),
        text,
        tz,
        true,
        findings,
    ) {
        Parsed::Post(p) => Outcome::Published(Box::new(p)),
        Parsed::Draft => Outcome::Draft,
        Parsed::Rejected => Outcome::Rejected,
    }
}

/// [`parse_post`]; `full` keeps the body and every key (see [`LoadOptions`]).
fn parse_inner(
    path: PathBuf,
    rel: String,
    text: &str,
    tz: chrono_tz::Tz,
    full: bool,
    findings: &mut Vec<Finding>,
) -> Parsed {
    let shown = || path.display().to_string();
    let reject = |findings: &mut Vec<Finding>, f: Finding| {
        findings.push(f);
        Parsed::Rejected
    };
    let text = front::normalize(text);
    let split = match front::split(&text) {
        Ok(s) => s,
        Err(SplitError::Missing { line }) => {
            return reject(
                findings,
                Finding::error(
                    "post.front-matter",
                    shown(),
                    Some(line),
                    "no front matter: a post starts with `---` (YAML) or `+++` (TOML) lines",
                ),
            )
        }
        Err(SplitError::Unclosed { line, fence }) => {
            return reject(
                findings,
                Finding::error(
                    "post.front-matter",
                    shown(),
                    Some(line),
                    format!("front matter opened with `{fence}` is never closed"),
                ),
            )
        }
    };
    let front = match fields::parse(split.syntax, split.front, split.front_line) {
        Ok(f) => f,
        Err(e) => {
            return reject(
                findings,
                Finding::error("post.front-matter", shown(), Some(e.line), e.message),
            )
        }
    };
    let keys = fields::Keys::new(&front.map);
    if fields::is_draft(keys) {
        return Parsed::Draft;
    }
    let mut notes: Vec<Finding> = front
        .repairs
        .iter()
        .map(|(line, msg)| Finding::warning("post.front-matter", shown(), Some(*line), msg.clone()))
        .collect();
    // Every key's line for checks; for builds only those diagnostics point at later,
    // the others found when a message needs one (rarely).
    let key_lines = if full || IDENTITY_KEYS.iter().any(|k| keys.contains_key(k)) {
        fields::key_lines(
            split.syntax,
            split.front,
            split.front_line,
            &front.map,
            |k| full || IDENTITY_KEYS.contains(&k),
        )
    } else {
        BTreeMap::new() // no key a build points at: no line to look for
    };
    let key_line = |key: &str| {
        key_lines.get(key).copied().or_else(|| {
            fields::key_lines(
                split.syntax,
                split.front,
                split.front_line,
                &front.map,
                |k| k == key,
            )
            .into_values()
            .next()
        })
    };
    let line_of = |key: &str| key_line(key).or(Some(split.open_line));
    // Text of a string field; numbers and booleans as the file spells them.
    let scalar = |aliases: &[&str]| -> Option<String> {
        let (key, value) = fields::first(keys, aliases)?;
        match value {
            Value::Number(_) | Value::Bool(_) if split.syntax == Syntax::Yaml => {
                fields::as_written(split.front, split.front_line, key_line(key)?)
            }
            other => fields::text(other),
        }
    };

    let date = match dates::resolve(keys, &rel, tz) {
        Ok((date, note)) => {
            if let Some((key, msg)) = note {
                notes.push(Finding::warning("post.date", shown(), line_of(key), msg));
            }
            date
        }
        Err(DateProblem::Bad { key, message }) => {
            return reject(
                findings,
                Finding::error("post.date", shown(), line_of(key), message),
            )
        }
        Err(DateProblem::Missing(message)) => {
            return reject(
                findings,
                Finding::warning("post.date", shown(), Some(split.open_line), message),
            )
        }
    };
    let updated = match fields::first(keys, &["updated", "lastmod", "last_modified_at"]) {
        Some((key, value)) => {
            let parsed = fields::text(value).and_then(|t| dates::parse(&t, tz));
            if parsed.is_none() {
                notes.push(Finding::warning(
                    "post.date",
                    shown(),
                    line_of(key),
                    format!("cannot read `{key}` {}: ignored", fields::show_value(value)),
                ));
            }
            parsed
        }
        None => None,
    };
    let title = match scalar(&["title"]) {
        Some(t) => fields::one_line(t),
        None => {
            let name = title_from_file_name(&rel);
            notes.push(Finding::warning(
                "post.title",
                shown(),
                line_of("title"),
                format!("no title: using the file name `{name}`"),
            ));
            name
        }
    };
    let format = body_format(&rel, split.body);
    let body = full.then(|| split.body.to_string());
    findings.extend(notes);
    let categories = fields::categories(keys);
    let tags = fields::tags(keys);
    let author = fields::author(keys);
    let description = fields::first_text(keys, &["description", "summary", "excerpt"]);
    let image = fields::image(keys);
    let permalink = scalar(&["permalink", "link", "url"]);
    let slug = scalar(&["slug"]);
    let id = scalar(&["id", "guid"]);
    let front_map = if full { front.map } else { Map::new() };
    Parsed::Post(Post {
        path,
        rel,
        title,
        date,
        updated,
        categories,
        tags,
        author,
        description,
        image,
        permalink,
        slug,
        id,
        body,
        body_line: split.body_line,
        format,
        key_lines,
        front: front_map,
    })
}

/// The title a post without one gets: its file name without the extension, or its
/// folder's name for a page bundle (`…/my-post/index.md`).
fn title_from_file_name(rel: &str) -> String {
    let mut parts = rel.rsplit('/');
    let file = parts.next().unwrap_or(rel);
    let stem = file.rsplit_once('.').map_or(file, |(s, _)| s);
    if stem == "index" || stem == "_index" {
        if let Some(dir) = parts.next() {
            return dir.to_string();
        }
    }
    stem.to_string()
}

/// Block-level HTML tags that, opening a Markdown file's body, make it an HTML body.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "center",
    "details",
    "dialog",
    "div",
    "dl",
    "fieldset",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "ul",
    "!doctype",
];

/// `.html`/`.htm` are HTML; Markdown files too when the body opens with a block-level
/// tag (after blank lines and HTML comments), as RSS-to-Hexo pipelines write them.
fn body_format(rel: &str, body: &str) -> BodyFormat {
    let ext = rel.rsplit_once('.').map_or("", |(_, e)| e);
    if ext.eq_ignore_ascii_case("html") || ext.eq_ignore_ascii_case("htm") {
        return BodyFormat::Html;
    }
    let mut rest = body.trim_start();
    while let Some(comment) = rest.strip_prefix("<!--") {
        match comment.find("-->") {
            Some(end) => rest = comment[end + 3..].trim_start(),
            None => return BodyFormat::Markdown,
        }
    }
    let Some(tag) = rest.strip_prefix('<') else {
        return BodyFormat::Markdown;
    };
    let name_len = tag
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '!'))
        .unwrap_or(tag.len());
    let (name, after) = tag.split_at(name_len);
    let closes = after.is_empty() || after.starts_with(['>', ' ', '\t', '\n', '/']);
    if closes && BLOCK_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name)) {
        BodyFormat::Html
    } else {
        BodyFormat::Markdown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_format_follows_extension_then_first_tag() {
        assert_eq!(body_format("a.html", "# hi"), BodyFormat::Html);
        assert_eq!(
            body_format("a.md", "\n\n  <div>\n    x</div>"),
            BodyFormat::Html
        );
        assert_eq!(body_format("a.md", "<P class=x>hi</P>"), BodyFormat::Html);
        assert_eq!(
            body_format("a.md", "<!-- c -->\n<section>"),
            BodyFormat::Html
        );
        assert_eq!(
            body_format("a.md", "<!-- more -->\n# hi"),
            BodyFormat::Markdown
        );
        assert_eq!(body_format("a.md", "<span>x</span>"), BodyFormat::Markdown);
        assert_eq!(body_format("a.md", "<pre>"), BodyFormat::Html);
        assert_eq!(body_format("a.md", "<preview>"), BodyFormat::Markdown);
        assert_eq!(body_format("a.md", "text <div>"), BodyFormat::Markdown);
    }

    #[test]
    fn titles_from_file_names() {
        assert_eq!(title_from_file_name("a/2014-01-01-hi.md"), "2014-01-01-hi");
        assert_eq!(
            title_from_file_name("news/0.26-relnotes/index.md"),
            "0.26-relnotes"
        );
    }
}
