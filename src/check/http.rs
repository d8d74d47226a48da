//! The online check: each unique URL fetched once, with a caller-supplied reqwest
//! client, under a global and a per-host concurrency limit.
//!
//! How one URL is judged:
//! - HEAD first. When HEAD is refused (405, 501) — or answers any other 4xx/5xx
//!   except 429, since many servers answer HEAD wrongly (404, 403, 503) where GET
//!   works — the same URL is asked again with GET, and the GET answer counts. A GET
//!   never reads more than a few KB of body: only a short body is drained (so the
//!   connection can be reused); anything longer is dropped after the headers.
//! - Redirects are followed by hand, up to [`MAX_REDIRECTS`]. When the chain opens
//!   with permanent redirects (301, 308), the URL they lead to is reported so the
//!   author can link there directly; a URL seen twice is a loop.
//! - 429 and 503 are retried `retries` times, waiting as `Retry-After` asks (capped)
//!   or, without it, with exponential backoff.
//! - An image must answer with an `image/*` type (or none, or
//!   `application/octet-stream`). An image that loads is asked once more with the
//!   site's address as `Referer`, as a feed reader's web view sends it; a refusal
//!   then is hotlink protection.
//!
//! A result is data ([`Verdict`]), never an `Err`.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{
    HeaderMap, ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, LOCATION, REFERER, RETRY_AFTER,
};
use reqwest::{Client, Method};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use url::Url;

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 10;
/// Bodies up to this size are read to the end (so the connection is reused); longer
/// ones are never read.
const DRAIN_LIMIT: u64 = 8 * 1024;

/// How the online check behaves; from `check` in the config and the flags.
#[derive(Debug, Clone)]
pub struct Settings {
    pub timeout: Duration,
    pub concurrency: usize,
    pub per_host: usize,
    pub retries: u32,
    /// Sent as `Referer` in the hotlink probe of images; no probe without it.
    pub referer: Option<Url>,
    /// The longest `Retry-After` honoured.
    pub retry_after_cap: Duration,
    /// First wait of the exponential backoff when there is no `Retry-After`.
    pub backoff: Duration,
    /// Draw a progress bar on stderr (only when it is a terminal).
    pub progress: bool,
}

impl Settings {
    pub fn new(check: &crate::config::CheckConfig, referer: Option<Url>) -> Settings {
        Settings {
            timeout: check.timeout,
            concurrency: check.concurrency.max(1),
            per_host: check.per_host.max(1),
            retries: check.retries,
            referer,
            retry_after_cap: Duration::from_secs(30),
            backoff: Duration::from_millis(500),
            progress: false,
        }
    }
}

/// One URL to check; `image` when any post uses it as an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: Url,
    pub image: bool,
}

/// What checking one URL found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "kebab-case")]
pub enum Verdict {
    /// Loads. `moved_to`: where the opening permanent redirects lead. `hotlink`:
    /// the status the image answered when asked with the site's `Referer`.
    Ok {
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        moved_to: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hotlink: Option<u16>,
    },
    /// A 4xx or 5xx answer (after retries for 429/503). `url`: where, when a
    /// redirect led there.
    Broken {
        status: u16,
        url: Option<String>,
        retries: u32,
    },
    /// An image that answered with another type.
    NotImage {
        content_type: String,
    },
    /// A redirect without a usable `Location`.
    BadRedirect {
        status: u16,
        location: Option<String>,
    },
    RedirectLoop {
        chain: Vec<String>,
    },
    TooManyRedirects {
        last: String,
    },
    Timeout {
        after_ms: u64,
    },
    /// Connection, DNS or TLS failure, with its cause.
    Unreachable {
        cause: String,
    },
}

impl Verdict {
    /// Worth caching: nothing to re-check on the next run.
    pub fn is_ok(&self) -> bool {
        matches!(self, Verdict::Ok { .. })
    }
}

/// The client every check should use: no automatic redirects (they are followed
/// and reported here), a feedwright User-Agent, the connect timeout.
pub fn client(check: &crate::config::CheckConfig) -> reqwest::Result<Client> {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("feedwright/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(check.timeout)
        .pool_max_idle_per_host(check.per_host.max(1))
        .tcp_nodelay(true)
        .build()
}

/// Checks every target, at most `concurrency` requests at a time and `per_host` per
/// host. Verdicts come back in the order of `targets`.
pub async fn check_all(client: &Client, targets: &[Target], settings: &Settings) -> Vec<Verdict> {
    let checker = Arc::new(Checker {
        client: client.clone(),
        settings: settings.clone(),
        global: Arc::new(Semaphore::new(settings.concurrency)),
        hosts: Mutex::new(HashMap::new()),
    });
    let bar = progress_bar(settings.progress, targets.len());
    let mut set = tokio::task::JoinSet::new();
    for (i, t) in targets.iter().enumerate() {
        let checker = Arc::clone(&checker);
        let t = t.clone();
        set.spawn(async move { (i, checker.check(&t.url, t.image).await) });
    }
    let mut out: Vec<Option<Verdict>> = vec![None; targets.len()];
    while let Some(joined) = set.join_next().await {
        if let Ok((i, v)) = joined {
            out[i] = Some(v);
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    out.into_iter()
        .map(|v| {
            v.unwrap_or_else(|| Verdict::Unreachable {
                cause: "the check of this URL stopped unexpectedly".to_string(),
            })
        })
        .collect()
}

fn progress_bar(wanted: bool, len: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !wanted || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} URLs {wide_bar} {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// The answer to one request: the parts a verdict is made of.
#[derive(Debug)]
struct Answer {
    status: u16,
    location: Option<String>,
    content_type: Option<String>,
    retry_after: Option<Duration>,
    retries: u32,
}

/// Why a request got no answer.
enum Failure {
    Timeout,
    Unreachable(String),
}

struct Checker {
    client: Client,
    settings: Settings,
    global: Arc<Semaphore>,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Checker {
    async fn check(&self, url: &Url, image: bool) -> Verdict {
        let mut current = url.clone();
        let mut seen: HashSet<String> = HashSet::from([current.to_string()]);
        let mut chain = vec![current.to_string()];
        let mut moved_to: Option<String> = None;
        let mut permanent_so_far = true;
        for redirects in 0..=MAX_REDIRECTS {
            let answer = match self.probe(&current, false).await {
                Ok(a) => a,
                Err(f) => return self.failure(f),
            };
            if matches!(answer.status, 301 | 302 | 303 | 307 | 308) {
                let next = answer
                    .location
                    .as_deref()
                    .and_then(|l| current.join(l).ok());
                let Some(mut next) = next else {
                    return Verdict::BadRedirect {
                        status: answer.status,
                        location: answer.location,
                    };
                };
                next.set_fragment(None);
                if permanent_so_far && matches!(answer.status, 301 | 308) {
                    moved_to = Some(next.to_string());
                } else {
                    permanent_so_far = false;
                }
                chain.push(next.to_string());
                if !seen.insert(next.to_string()) {
                    return Verdict::RedirectLoop { chain };
                }
                if redirects == MAX_REDIRECTS {
                    break;
                }
                current = next;
                continue;
            }
            if answer.status >= 400 {
                return Verdict::Broken {
                    status: answer.status,
                    url: (current != *url).then(|| current.to_string()),
                    retries: answer.retries,
                };
            }
            if image {
                if let Some(ct) = not_an_image(answer.content_type.as_deref()) {
                    return Verdict::NotImage { content_type: ct };
                }
            }
            let hotlink = if image {
                self.hotlink(&current).await
            } else {
                None
            };
            return Verdict::Ok {
                status: answer.status,
                moved_to,
                hotlink,
            };
        }
        Verdict::TooManyRedirects {
            last: current.to_string(),
        }
    }

    /// The status an image answers with the site's `Referer`, when that is a
    /// refusal (or a redirect away from it); `None` when it loads or cannot tell.
    async fn hotlink(&self, url: &Url) -> Option<u16> {
        let referer = self.settings.referer.as_ref()?;
        if referer.host_str() == url.host_str()
            && referer.port_or_known_default() == url.port_or_known_default()
        {
            return None;
        }
        let answer = self.probe(url, true).await.ok()?;
        (answer.status >= 300).then_some(answer.status)
    }

    /// HEAD, then GET when HEAD was refused or looks wrong.
    async fn probe(&self, url: &Url, referer: bool) -> Result<Answer, Failure> {
        let head = self.fetch(Method::HEAD, url, referer).await?;
        if head.status >= 400 && head.status != 429 {
            return self.fetch(Method::GET, url, referer).await;
        }
        Ok(head)
    }

    /// One request, retried on 429 and 503.
    async fn fetch(&self, method: Method, url: &Url, referer: bool) -> Result<Answer, Failure> {
        let mut attempt = 0;
        loop {
            let mut answer = self.send(method.clone(), url, referer).await?;
            if matches!(answer.status, 429 | 503) && attempt < self.settings.retries {
                let backoff = self.settings.backoff * 2u32.saturating_pow(attempt);
                let wait = answer
                    .retry_after
                    .unwrap_or(backoff)
                    .min(self.settings.retry_after_cap);
                tokio::time::sleep(wait).await;
                attempt += 1;
                continue;
            }
            answer.retries = attempt;
            return Ok(answer);
        }
    }

    async fn send(&self, method: Method, url: &Url, referer: bool) -> Result<Answer, Failure> {
        let host = self.host_limit(url);
        let _host = host.acquire_owned().await;
        let _global = Arc::clone(&self.global).acquire_owned().await;
        let is_get = method == Method::GET;
        let mut req = self
            .client
            .request(method, url.clone())
            .timeout(self.settings.timeout)
            .header(ACCEPT, "*/*");
        if referer {
            if let Some(r) = &self.settings.referer {
                req = req.header(REFERER, r.as_str());
            }
        }
        let mut resp = req.send().await.map_err(failure)?;
        let answer = answer(resp.status().as_u16(), resp.headers());
        if is_get {
            let short = resp
                .headers()
                .get(CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .is_some_and(|n| n <= DRAIN_LIMIT);
            if short {
                while let Ok(Some(_)) = resp.chunk().await {}
            }
        }
        Ok(answer)
    }

    fn host_limit(&self, url: &Url) -> Arc<Semaphore> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            hosts
                .entry(key)
                .or_insert_with(|| Arc::new(Semaphore::new(self.settings.per_host))),
        )
    }

    fn failure(&self, f: Failure) -> Verdict {
        match f {
            Failure::Timeout => Verdict::Timeout {
                after_ms: self.settings.timeout.as_millis() as u64,
            },
            Failure::Unreachable(cause) => Verdict::Unreachable { cause },
        }
    }
}

fn answer(status: u16, h: &HeaderMap) -> Answer {
    let text = |name| {
        h.get(name)
            .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
    };
    Answer {
        status,
        location: text(LOCATION).map(str::to_string),
        content_type: text(CONTENT_TYPE).map(str::to_string),
        retry_after: text(RETRY_AFTER).and_then(parse_retry_after),
        retries: 0,
    }
}

/// `Retry-After`: seconds, or an HTTP date (the wait until then).
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let wait = when.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The content type when it rules out an image (`text/html`…); `None` when it is
/// an image type, absent, or the generic `application/octet-stream`.
pub fn not_an_image(content_type: Option<&str>) -> Option<String> {
    let essence = content_type?
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence.is_empty() || essence.starts_with("image/") || essence == "application/octet-stream"
    {
        None
    } else {
        Some(essence)
    }
}

fn failure(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        return Failure::Timeout;
    }
    Failure::Unreachable(cause(&e))
}

/// The most telling message in an error's chain: the deepest cause, or the message
/// just above it when that one adds context to it (`tcp connect error: …`).
fn cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![e.to_string()];
    let mut src = e.source();
    while let Some(s) = src {
        chain.push(s.to_string());
        src = s.source();
    }
    let mut i = chain.len() - 1;
    while i > 0 && chain[i - 1].ends_with(&chain[i]) && chain[i - 1] != chain[i] {
        i -= 1;
    }
    chain.swap_remove(i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("1"), Some(Duration::from_secs(1)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn image_types() {
        assert_eq!(not_an_image(Some("image/png")), None);
        assert_eq!(not_an_image(None), None);
        assert_eq!(not_an_image(Some("application/octet-stream")), None);
        assert_eq!(
            not_an_image(Some("text/html; charset=utf-8")).as_deref(),
            Some("text/html")
        );
    }

    #[test]
    fn verdicts_round_trip_through_json() {
        let v = Verdict::Ok {
            status: 200,
            moved_to: Some("https://x.org/new".into()),
            hotlink: None,
        };
        let text = serde_json::to_string(&v).unwrap();
        assert_eq!(serde_json::from_str::<Verdict>(&text).unwrap(), v);
    }
}
