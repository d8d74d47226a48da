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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, FixedOffset};
use rayon::prelude::*;
use serde_json::{Map, Value};

use crate::report::Finding;
use front::{SplitError, Syntax};

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
    pub title: String,
    pub date: DateTime<FixedOffset>,
    pub updated: Option<DateTime<FixedOffset>>,
    /// Each inner list is one hierarchy, outermost first (`[金融, 新浪财经]`).
    pub categories: Vec<Vec<String>>,
    pub tags: Vec<String>,
    pub author: Option<String>,
    /// `description`/`summary`/`excerpt`.
    pub description: Option<String>,
    /// `headimg`/`thumbnail`/`image`/`cover`, as written.
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

#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
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

/// The posts folder itself could not be read (exit 2).
#[derive(Debug, thiserror::Error)]
#[error("{path}: cannot read posts folder: {source}")]
pub struct LoadError {
    pub path: String,
    pub source: std::io::Error,
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
    let meta = std::fs::metadata(dir).map_err(|source| LoadError {
        path: dir.display().to_string(),
        source,
    })?;
    if !meta.is_dir() {
        return Err(LoadError {
            path: dir.display().to_string(),
            source: std::io::Error::other("not a directory"),
        });
    }
    let (files, mut findings) = walk(dir);
    let read = files.len();
    let mut results: Vec<(Parsed, Vec<Finding>)> = files
        .into_par_iter()
        .map(|(path, rel)| load_file(path, rel, opts))
        .collect();
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

/// The post files under `dir` with their `/`-separated relative paths, in file-name
/// order, and a finding per folder or link that could not be followed.
fn walk(dir: &Path) -> (Vec<(PathBuf, String)>, Vec<Finding>) {
    let mut walker = Walker::default();
    walker.dir(dir, "");
    (walker.files, walker.findings)
}

/// A depth-first walk that follows symlinks and stops at a loop: a folder that is one
/// of its own ancestors (by device and inode, or canonical path off Unix).
#[derive(Default)]
struct Walker {
    files: Vec<(PathBuf, String)>,
    findings: Vec<Finding>,
    /// The folders being walked, outermost first.
    ancestors: Vec<(DirId, PathBuf)>,
}

#[cfg(unix)]
type DirId = (u64, u64);
#[cfg(not(unix))]
type DirId = PathBuf;

fn dir_id(path: &Path) -> std::io::Result<DirId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path)?;
        Ok((meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        std::fs::canonicalize(path)
    }
}

impl Walker {
    fn dir(&mut self, path: &Path, rel: &str) {
        let shown = || path.display().to_string();
        let id = match dir_id(path) {
            Ok(id) => id,
            Err(e) => return self.cannot_read(shown(), &e),
        };
        if let Some((_, ancestor)) = self.ancestors.iter().find(|(a, _)| *a == id) {
            self.findings.push(Finding::warning(
                "post.read",
                shown(),
                None,
                format!("symlink loop back to {}: not followed", ancestor.display()),
            ));
            return;
        }
        let entries = match std::fs::read_dir(path) {
            Ok(rd) => rd,
            Err(e) => return self.cannot_read(shown(), &e),
        };
        let mut children = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) if !is_hidden(&entry.file_name()) => {
                    children.push((entry.file_name(), entry.file_type()));
                }
                Ok(_) => {}
                Err(e) => self.cannot_read(shown(), &e),
            }
        }
        children.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        self.ancestors.push((id, path.to_path_buf()));
        for (name, file_type) in children {
            let child = path.join(&name);
            let name_text = name.to_string_lossy();
            let child_rel = if rel.is_empty() {
                name_text.into_owned()
            } else {
                format!("{rel}/{name_text}")
            };
            // A symlink counts as what it points to.
            let file_type = match file_type {
                Ok(t) if t.is_symlink() => std::fs::metadata(&child).map(|m| m.file_type()),
                other => other,
            };
            match file_type {
                Ok(t) if t.is_dir() => self.dir(&child, &child_rel),
                Ok(t) if t.is_file() && is_post_file(&name) => {
                    // Exact sizes: 100,000 of these stay in memory for the whole build.
                    let mut child_rel = child_rel;
                    child_rel.shrink_to_fit();
                    let child = child.into_boxed_path().into_path_buf();
                    self.files.push((child, child_rel));
                }
                Ok(_) => {}
                // A dangling link matters only when it names a post.
                Err(e) if is_post_file(&name) => self.cannot_read(child.display().to_string(), &e),
                Err(_) => {}
            }
        }
        self.ancestors.pop();
    }

    fn cannot_read(&mut self, place: String, e: &std::io::Error) {
        self.findings.push(Finding::error(
            "post.read",
            place,
            None,
            format!("cannot read: {e}"),
        ));
    }
}

/// Names starting with `.`: hidden files and folders, Vim swap files, Emacs locks.
fn is_hidden(name: &OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

/// A post by its extension, and not an editor's backup (`post.md~`, `#post.md#`).
fn is_post_file(name: &OsStr) -> bool {
    let name = name.to_string_lossy();
    if name.ends_with('~') || name.starts_with('#') {
        return false;
    }
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    ["md", "markdown", "html", "htm"]
        .iter()
        .any(|e| ext.eq_ignore_ascii_case(e))
}

/// Reads, decodes and parses one file.
fn load_file(path: PathBuf, rel: String, opts: LoadOptions) -> (Parsed, Vec<Finding>) {
    thread_local! {
        /// One read buffer per thread, reused file after file.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with_borrow_mut(|buf| {
        let mut findings = Vec::new();
        let shown = || path.display().to_string();
        if let Err(e) = read_into(&path, buf) {
            findings.push(Finding::error(
                "post.read",
                shown(),
                None,
                format!("cannot read: {e}"),
            ));
            return (Parsed::Rejected, findings);
        }
        let text = match decode::decode(buf) {
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
        let shown_path = shown();
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
                shown_path,
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
    })
}

/// Posts larger than this are not read: bounded memory whatever lies in the folder.
pub const MAX_POST_BYTES: usize = 64 << 20;

/// Reads a whole file into `buf` (cleared first; its capacity is kept).
fn read_into(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    buf.clear();
    if buf.capacity() > 1 << 20 {
        buf.shrink_to(1 << 16); // one big post must not pin its size for the rest
    }
    loop {
        if buf.len() > MAX_POST_BYTES {
            buf.clear();
            buf.shrink_to(1 << 16);
            return Err(std::io::Error::other(format!(
                "larger than {} MiB: not a post",
                MAX_POST_BYTES >> 20
            )));
        }
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(buf.capacity().max(8192));
        }
        let len = buf.len();
        let spare = buf.capacity() - len;
        buf.resize(len + spare, 0);
        match file.read(&mut buf[len..]) {
            Ok(0) => {
                buf.truncate(len);
                return Ok(());
            }
            Ok(n) => buf.truncate(len + n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => buf.truncate(len),
            Err(e) => {
                buf.truncate(len);
                return Err(e);
            }
        }
    }
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
    if fields::is_draft(&front.map) {
        return Parsed::Draft;
    }
    let mut notes: Vec<Finding> = front
        .repairs
        .iter()
        .map(|(line, msg)| Finding::warning("post.front-matter", shown(), Some(*line), msg.clone()))
        .collect();
    // Every key's line for checks; for builds only those diagnostics point at later,
    // the others found when a message needs one (rarely).
    let key_lines = fields::key_lines(
        split.syntax,
        split.front,
        split.front_line,
        &front.map,
        |k| full || IDENTITY_KEYS.contains(&k),
    );
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
    let scalar = |keys: &[&str]| -> Option<String> {
        let (key, value) = fields::first(&front.map, keys)?;
        match value {
            Value::Number(_) | Value::Bool(_) if split.syntax == Syntax::Yaml => {
                fields::as_written(split.front, split.front_line, key_line(key)?)
            }
            other => fields::text(other),
        }
    };

    let date = match resolve_date(&front.map, &rel, tz) {
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
    let updated = match fields::first(&front.map, &["updated", "lastmod", "last_modified_at"]) {
        Some((key, value)) => {
            let parsed = fields::text(value).and_then(|t| dates::parse(&t, tz));
            if parsed.is_none() {
                notes.push(Finding::warning(
                    "post.date",
                    shown(),
                    line_of(key),
                    format!("cannot read `{key}` {}: ignored", show_value(value)),
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
    let categories = fields::categories(&front.map);
    let tags = fields::tags(&front.map);
    let author = fields::author(&front.map);
    let description = fields::first_text(&front.map, &["description", "summary", "excerpt"]);
    let image = fields::image(&front.map);
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

/// Why a post has no usable date.
enum DateProblem {
    /// A date that cannot be read, and nothing to fall back on.
    Bad { key: &'static str, message: String },
    /// No date anywhere.
    Missing(String),
}

/// The publication date: `date` (or `pubDate`/`publishDate`), else the file name's
/// `YYYY-MM-DD-` prefix, else a date inside a `path` key. A `date` that cannot be
/// read falls back the same way, with a warning (the note returned with its key).
#[allow(clippy::type_complexity)]
fn resolve_date(
    map: &Map<String, Value>,
    rel: &str,
    tz: chrono_tz::Tz,
) -> Result<(DateTime<FixedOffset>, Option<(&'static str, String)>), DateProblem> {
    const KEYS: [&str; 3] = ["date", "pubDate", "publishDate"];
    let written = KEYS.iter().find_map(|k| {
        map.get(*k)
            .filter(|v| !fields::is_empty(v))
            .map(|v| (*k, v))
    });
    let fallback = || -> Result<Option<(DateTime<FixedOffset>, &'static str)>, String> {
        if let Some(d) = dates::from_file_name(rel) {
            return Ok(Some((dates::midnight(d, tz), "the file name")));
        }
        if let Some(path) = map.get("path").and_then(Value::as_str) {
            if let Some(d) = dates::from_url_path(path) {
                if d.year() == 9999 {
                    return Err(format!(
                        "`path` holds the placeholder date {d} (not yet published): skipped"
                    ));
                }
                return Ok(Some((dates::midnight(d, tz), "`path`")));
            }
        }
        Ok(None)
    };
    match written {
        Some((key, value)) => {
            if let Some(d) = fields::text(value).and_then(|t| dates::parse(&t, tz)) {
                return Ok((d, None));
            }
            let shown = show_value(value);
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

/// A front-matter value for a message, short.
fn show_value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}…")
    } else {
        s
    }
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

    #[test]
    fn hidden_and_backup_names() {
        assert!(is_hidden(OsStr::new(".post.md.swp")));
        assert!(!is_post_file(OsStr::new("post.md~")));
        assert!(!is_post_file(OsStr::new("#post.md#")));
        assert!(!is_post_file(OsStr::new("post.txt")));
        assert!(is_post_file(OsStr::new("post.MD")));
    }
}
