//! `feedwright.yaml` → [`Config`], plus the command line's overrides. Every option has
//! a default, so `feedwright build --posts DIR --out DIR --base-url URL` needs no file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

/// Why a config could not be used (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read config: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub name: String,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
}

/// What an entry's content holds: the whole post, or only its summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Content {
    Full,
    Summary,
}

#[derive(Debug, Clone)]
pub struct FeedsConfig {
    pub formats: Vec<Format>,
    pub limit: usize,
    pub content: Content,
    pub categories: bool,
    pub tags: bool,
}

#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub timeout: Duration,
    pub concurrency: usize,
    pub per_host: usize,
    pub retries: u32,
    pub exclude: Vec<String>,
    pub cache: PathBuf,
    pub cache_ttl: Duration,
}

#[derive(Debug, Clone)]
pub struct ServeConfig {
    pub addr: String,
    pub every: Option<Duration>,
    pub watch: bool,
    pub max_age: u64,
}

/// The whole configuration of one site. Paths are as written (relative to the
/// working directory).
#[derive(Debug, Clone)]
pub struct Config {
    pub title: String,
    pub base_url: Option<Url>,
    pub feeds_url: Option<Url>,
    pub description: String,
    pub language: Option<String>,
    pub author: Option<Author>,
    pub timezone: chrono_tz::Tz,
    pub posts: PathBuf,
    pub out: PathBuf,
    pub permalink: String,
    pub feeds: FeedsConfig,
    pub check: CheckConfig,
    pub serve: ServeConfig,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            title: "feedwright site".to_string(),
            base_url: None,
            feeds_url: None,
            description: String::new(),
            language: None,
            author: None,
            timezone: chrono_tz::UTC,
            posts: PathBuf::from("posts"),
            out: PathBuf::from("feeds"),
            permalink: ":year/:month/:day/:slug/".to_string(),
            feeds: FeedsConfig {
                formats: vec![Format::Rss, Format::Atom],
                limit: 20,
                content: Content::Full,
                categories: true,
                tags: false,
            },
            check: CheckConfig {
                timeout: Duration::from_secs(10),
                concurrency: 32,
                per_host: 4,
                retries: 2,
                exclude: Vec::new(),
                cache: PathBuf::from(".feedwright-cache.json"),
                cache_ttl: Duration::from_secs(86_400),
            },
            serve: ServeConfig {
                addr: "127.0.0.1:8080".to_string(),
                every: None,
                watch: false,
                max_age: 300,
            },
        }
    }
}

impl Config {
    /// The URL the output folder is published at: `feeds_url`, else `base_url`.
    pub fn feeds_url(&self) -> Option<&Url> {
        self.feeds_url.as_ref().or(self.base_url.as_ref())
    }

    /// Reads a config file. `path` is only used in messages.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// Parses config text; all logic lives here so tests feed string literals.
    pub fn parse(text: &str, path: &str) -> Result<Config, ConfigError> {
        let invalid = |line: usize, message: String| ConfigError::Invalid {
            path: path.to_string(),
            line,
            message,
        };
        let tree = crate::yaml::parse(text)
            .map_err(|e| invalid(e.line.unwrap_or(1), format!("invalid YAML: {}", e.message)))?;
        if tree.is_null() {
            return Ok(Config::default());
        }
        let raw: RawConfig =
            serde_json::from_value(tree).map_err(|e| invalid(1, format!("invalid config: {e}")))?;
        let line_of = |key: &str| key_line(text, key);
        let mut cfg = Config::default();
        if let Some(t) = raw.title {
            cfg.title = t;
        }
        if let Some(u) = raw.base_url {
            cfg.base_url = Some(parse_base(&u).map_err(|m| invalid(line_of("base_url"), m))?);
        }
        if let Some(u) = raw.feeds_url {
            cfg.feeds_url = Some(parse_base(&u).map_err(|m| invalid(line_of("feeds_url"), m))?);
        }
        if let Some(d) = raw.description {
            cfg.description = d;
        }
        cfg.language = raw.language.filter(|l| !l.trim().is_empty());
        cfg.author = match raw.author {
            Some(RawAuthor::Name(name)) => Some(Author { name, email: None }),
            Some(RawAuthor::Full { name, email }) => Some(Author {
                name: name.unwrap_or_default(),
                email,
            }),
            None => None,
        };
        if let Some(tz) = raw.timezone {
            cfg.timezone = tz.parse().map_err(|_| {
                invalid(
                    line_of("timezone"),
                    format!("unknown timezone {tz:?} (use an IANA name such as Asia/Shanghai)"),
                )
            })?;
        }
        if let Some(p) = raw.posts {
            cfg.posts = p;
        }
        if let Some(o) = raw.out {
            cfg.out = o;
        }
        if let Some(p) = raw.permalink {
            cfg.permalink = p;
        }
        if let Some(f) = raw.feeds {
            if let Some(formats) = f.formats {
                cfg.feeds.formats = formats
                    .iter()
                    .map(|s| match s.to_ascii_lowercase().as_str() {
                        "rss" => Ok(Format::Rss),
                        "atom" => Ok(Format::Atom),
                        other => Err(invalid(
                            line_of("feeds"),
                            format!("unknown feed format {other:?} (rss or atom)"),
                        )),
                    })
                    .collect::<Result<_, _>>()?;
            }
            if let Some(limit) = f.limit {
                cfg.feeds.limit = limit;
            }
            if let Some(c) = f.content {
                cfg.feeds.content = match c.as_str() {
                    "full" => Content::Full,
                    "summary" => Content::Summary,
                    other => {
                        return Err(invalid(
                            line_of("feeds"),
                            format!("feeds.content must be full or summary, not {other:?}"),
                        ))
                    }
                };
            }
            if let Some(c) = f.categories {
                cfg.feeds.categories = c;
            }
            if let Some(t) = f.tags {
                cfg.feeds.tags = t;
            }
        }
        if let Some(c) = raw.check {
            let dur = |v: Option<String>, d: Duration| -> Result<Duration, ConfigError> {
                match v {
                    Some(s) => parse_duration(&s).ok_or_else(|| {
                        invalid(
                            line_of("check"),
                            format!("invalid duration {s:?} (e.g. 10s, 5m, 1d)"),
                        )
                    }),
                    None => Ok(d),
                }
            };
            cfg.check.timeout = dur(c.timeout, cfg.check.timeout)?;
            cfg.check.cache_ttl = dur(c.cache_ttl, cfg.check.cache_ttl)?;
            if let Some(n) = c.concurrency {
                cfg.check.concurrency = n.max(1);
            }
            if let Some(n) = c.per_host {
                cfg.check.per_host = n.max(1);
            }
            if let Some(n) = c.retries {
                cfg.check.retries = n;
            }
            if let Some(e) = c.exclude {
                for pattern in &e {
                    regex::Regex::new(pattern).map_err(|err| {
                        invalid(
                            line_of("check"),
                            format!("check.exclude {pattern:?}: {err}"),
                        )
                    })?;
                }
                cfg.check.exclude = e;
            }
            if let Some(p) = c.cache {
                cfg.check.cache = p;
            }
        }
        if let Some(s) = raw.serve {
            if let Some(a) = s.addr {
                cfg.serve.addr = a;
            }
            if let Some(e) = s.every {
                cfg.serve.every = Some(parse_duration(&e).ok_or_else(|| {
                    invalid(
                        line_of("serve"),
                        format!("invalid duration {e:?} (e.g. 10m)"),
                    )
                })?);
            }
            if let Some(w) = s.watch {
                cfg.serve.watch = w;
            }
            if let Some(m) = s.max_age {
                cfg.serve.max_age = m;
            }
        }
        Ok(cfg)
    }
}

/// Parses a base URL; a missing trailing slash is added so relative joins keep the
/// last path segment (`https://x.org/blog` → `https://x.org/blog/`).
pub fn parse_base(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| format!("invalid URL {text:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("URL {text:?} must be http or https"));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// `10s`, `5m`, `2h`, `1d`, `250ms`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" | "sec" | "secs" => n,
        "ms" => n / 1000.0,
        "m" | "min" | "mins" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86_400.0,
        _ => return None,
    };
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// The 1-based line of a top-level `key:` in YAML text (1 when not found).
fn key_line(text: &str, key: &str) -> usize {
    text.lines()
        .position(|l| {
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map_or(1, |i| i + 1)
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawAuthor {
    Name(String),
    Full {
        name: Option<String>,
        email: Option<String>,
    },
}

#[derive(Deserialize)]
struct RawConfig {
    title: Option<String>,
    base_url: Option<String>,
    feeds_url: Option<String>,
    description: Option<String>,
    language: Option<String>,
    author: Option<RawAuthor>,
    timezone: Option<String>,
    posts: Option<PathBuf>,
    out: Option<PathBuf>,
    permalink: Option<String>,
    feeds: Option<RawFeeds>,
    check: Option<RawCheck>,
    serve: Option<RawServe>,
}

#[derive(Deserialize)]
struct RawFeeds {
    formats: Option<Vec<String>>,
    limit: Option<usize>,
    content: Option<String>,
    categories: Option<bool>,
    tags: Option<bool>,
}

#[derive(Deserialize)]
struct RawCheck {
    timeout: Option<String>,
    concurrency: Option<usize>,
    per_host: Option<usize>,
    retries: Option<u32>,
    exclude: Option<Vec<String>>,
    cache: Option<PathBuf>,
    cache_ttl: Option<String>,
}

#[derive(Deserialize)]
struct RawServe {
    addr: Option<String>,
    every: Option<String>,
    watch: Option<bool>,
    max_age: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        let cfg = Config::parse("", "f.yaml").unwrap();
        assert_eq!(cfg.feeds.limit, 20);
        assert_eq!(cfg.timezone, chrono_tz::UTC);
    }

    #[test]
    fn full_config_is_read() {
        let cfg = Config::parse(
            "title: T\nbase_url: https://x.org/blog\ntimezone: Asia/Shanghai\nfeeds: {limit: 5, tags: true}\ncheck: {timeout: 3s, exclude: ['^https://skip']}\nserve: {every: 10m}\n",
            "f.yaml",
        )
        .unwrap();
        assert_eq!(cfg.base_url.unwrap().as_str(), "https://x.org/blog/");
        assert_eq!(cfg.feeds.limit, 5);
        assert!(cfg.feeds.tags);
        assert_eq!(cfg.check.timeout, Duration::from_secs(3));
        assert_eq!(cfg.serve.every, Some(Duration::from_secs(600)));
    }

    #[test]
    fn bad_timezone_names_its_line() {
        let err = Config::parse("title: x\ntimezone: Mars/Olympus\n", "f.yaml").unwrap_err();
        assert_eq!(err.to_string().split(':').nth(1), Some("2"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1d"), Some(Duration::from_secs(86_400)));
        assert_eq!(parse_duration("x"), None);
    }
}
