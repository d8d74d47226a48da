//! Walk the posts folder and turn each file into a [`Post`]: front matter parsed into
//! typed fields (dates, categories, tags…), the body kept as text with the line it
//! starts on. A bad file becomes a [`Finding`] naming its path and line; it never
//! stops the other posts from loading.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::report::Finding;

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
    /// Every front-matter key, the unknown ones too.
    pub front: Map<String, Value>,
    /// 1-based line of each top-level front-matter key in the file.
    pub key_lines: BTreeMap<String, usize>,
    /// The body; `None` when loaded without bodies (see [`LoadOptions`]).
    pub body: Option<String>,
    /// 1-based line of the body's first line in the file.
    pub body_line: usize,
    pub format: BodyFormat,
}

impl Post {
    /// The body text, read again from disk when it was not kept at load time.
    pub fn body_text(&self) -> std::io::Result<std::borrow::Cow<'_, str>> {
        if let Some(b) = &self.body {
            return Ok(std::borrow::Cow::Borrowed(b));
        }
        let bytes = std::fs::read(&self.path)?;
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let text = text.replace("\r\n", "\n");
        let body: String = text
            .split('\n')
            .skip(self.body_line.saturating_sub(1))
            .collect::<Vec<_>>()
            .join("\n");
        Ok(std::borrow::Cow::Owned(body))
    }
}

#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    pub timezone: chrono_tz::Tz,
    /// Keep every body in memory (checks need them all); builds read only the
    /// bodies of posts that reach a feed.
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

/// Loads every post under `dir`.
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
    let mut loaded = Loaded::default();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if !matches!(ext, "md" | "markdown" | "html" | "htm") {
            continue;
        }
        let rel = path
            .strip_prefix(dir)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                loaded.findings.push(Finding::error(
                    "post.read",
                    path.display().to_string(),
                    None,
                    format!("cannot read: {e}"),
                ));
                continue;
            }
        };
        loaded.read += 1;
        let text = String::from_utf8_lossy(&bytes);
        match parse_post(path, &rel, &text, opts.timezone, &mut loaded.findings) {
            Outcome::Published(mut post) => {
                if !opts.keep_bodies {
                    post.body = None;
                }
                loaded.posts.push(*post);
            }
            Outcome::Draft => loaded.skipped += 1,
            Outcome::Rejected => {}
        }
    }
    Ok(loaded)
}

/// Parses one post from its text. Problems are pushed onto `findings`.
pub fn parse_post(
    path: &Path,
    rel: &str,
    text: &str,
    tz: chrono_tz::Tz,
    findings: &mut Vec<Finding>,
) -> Outcome {
    let _ = tz;
    let text = text.replace("\r\n", "\n");
    let shown = path.display().to_string();
    let Some(rest) = text.strip_prefix("---\n") else {
        findings.push(Finding::error(
            "post.front-matter",
            shown,
            Some(1),
            "no front matter",
        ));
        return Outcome::Rejected;
    };
    let Some(end) = rest.find("\n---") else {
        findings.push(Finding::error(
            "post.front-matter",
            shown,
            Some(1),
            "front matter is not closed",
        ));
        return Outcome::Rejected;
    };
    let fm = &rest[..end + 1];
    let fm_lines = fm.lines().count();
    let body_start = rest[end + 4..]
        .find('\n')
        .map_or(rest.len(), |i| end + 4 + i + 1);
    let body = rest[body_start.min(rest.len())..].to_string();
    let front = match crate::yaml::parse(fm) {
        Ok(Value::Object(m)) => m,
        Ok(_) => Map::new(),
        Err(e) => {
            findings.push(Finding::error(
                "post.front-matter",
                shown,
                Some(e.line.unwrap_or(1) + 1),
                format!("invalid YAML front matter: {}", e.message),
            ));
            return Outcome::Rejected;
        }
    };
    let s = |k: &str| front.get(k).and_then(|v| v.as_str()).map(str::to_string);
    if front.get("draft").and_then(Value::as_bool) == Some(true)
        || front.get("published").and_then(Value::as_bool) == Some(false)
    {
        return Outcome::Draft;
    }
    let date = match s("date").and_then(|d| {
        DateTime::parse_from_rfc2822(&d)
            .or_else(|_| DateTime::parse_from_rfc3339(&d))
            .ok()
    }) {
        Some(d) => d,
        None => {
            findings.push(Finding::warning(
                "post.date",
                shown,
                Some(1),
                "no date: skipped",
            ));
            return Outcome::Rejected;
        }
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let cats = list(front.get("categories"));
    let mut key_lines = BTreeMap::new();
    for (i, line) in fm.lines().enumerate() {
        if let Some((k, _)) = line.split_once(':') {
            if !k.starts_with(' ') {
                key_lines.insert(k.trim().to_string(), i + 2);
            }
        }
    }
    let format = if body.trim_start().starts_with('<') || rel.ends_with(".html") {
        BodyFormat::Html
    } else {
        BodyFormat::Markdown
    };
    Outcome::Published(Box::new(Post {
        path: path.to_path_buf(),
        rel: rel.to_string(),
        title: s("title").unwrap_or_else(|| rel.to_string()),
        date,
        updated: None,
        categories: if cats.is_empty() { vec![] } else { vec![cats] },
        tags: list(front.get("tags")),
        author: s("author"),
        description: s("description"),
        image: s("headimg").or_else(|| s("thumbnail")),
        permalink: s("permalink"),
        slug: s("slug"),
        id: s("id"),
        key_lines,
        body: Some(body),
        body_line: fm_lines + 3,
        format,
        front,
    }))
}
