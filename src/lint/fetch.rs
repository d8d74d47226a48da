//! Linting a feed at a URL: fetch it (reqwest), lint the body as the document
//! published at that URL, and check what the server says about it — a media type
//! for feeds (UnexpectedContentType, NonSpecificMediaType) and a charset that agrees
//! with the document's own declaration (EncodingMismatch).

use std::time::Duration;

use thiserror::Error;

use super::{document_finding, lint_bytes};
use crate::report::Finding;

/// The most we read of a feed; larger bodies are refused rather than buffered.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Why a URL could not be linted at all (as opposed to findings about it).
#[derive(Debug, Error)]
pub enum FetchError {
    #[error("{url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url}: the body is larger than {MAX_BODY} bytes")]
    TooLarge { url: String },
    #[error("could not start the HTTP runtime: {0}")]
    Runtime(#[from] std::io::Error),
}

/// Fetches `url` and lints it; blocking (runs its own small tokio runtime).
pub fn lint_url(url: &str) -> Result<Vec<Finding>, FetchError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = client().map_err(|source| FetchError::Http {
        url: url.to_string(),
        source,
    })?;
    rt.block_on(lint_url_async(&client, url))
}

/// The HTTP client lint uses: timeouts, redirects followed, a User-Agent.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!(
            "feedwright/",
            env!("CARGO_PKG_VERSION"),
            " (feed lint)"
        ))
        .build()
}

/// Fetches `url` with `client` and lints it.
pub async fn lint_url_async(
    client: &reqwest::Client,
    url: &str,
) -> Result<Vec<Finding>, FetchError> {
    let http = |source| FetchError::Http {
        url: url.to_string(),
        source,
    };
    let mut resp = client.get(url).send().await.map_err(http)?;
    if !resp.status().is_success() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status: resp.status().as_u16(),
        });
    }
    let location = resp.url().to_string();
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(http)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
            });
        }
        body.extend_from_slice(&chunk);
    }
    let mut findings = lint_bytes(&body, url, Some(&location));
    findings.extend(http_findings(url, content_type.as_deref(), &body));
    Ok(findings)
}

/// Findings about the Content-Type a feed was served with.
pub fn http_findings(path: &str, content_type: Option<&str>, body: &[u8]) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(ct) = content_type else {
        out.push(document_finding(
            path,
            "UnexpectedContentType",
            "the server sent no Content-Type: send application/rss+xml or application/atom+xml",
        ));
        return out;
    };
    let mut parts = ct.split(';');
    let mime = parts.next().unwrap_or("").trim().to_ascii_lowercase();
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim().eq_ignore_ascii_case("charset")).then(|| v.trim().trim_matches('"').to_string())
    });
    match mime.as_str() {
        "application/rss+xml" | "application/atom+xml" | "application/rdf+xml" => {}
        "application/xml" | "text/xml" => out.push(document_finding(
            path,
            "NonSpecificMediaType",
            format!("{mime} says only \"XML\": serve feeds as application/rss+xml or application/atom+xml"),
        )),
        _ => out.push(document_finding(
            path,
            "UnexpectedContentType",
            format!("a feed served as {mime:?}: readers may refuse it; use application/rss+xml or application/atom+xml"),
        )),
    }
    let declared = declared_encoding(body);
    let http = match (&charset, mime.as_str()) {
        (Some(c), _) => Some(c.clone()),
        // RFC 3023: text/xml without a charset is us-ascii, whatever the document says.
        (None, "text/xml") => Some("us-ascii".to_string()),
        _ => None,
    };
    if let Some(http) = http {
        let same = match (
            encoding_rs::Encoding::for_label(http.as_bytes()),
            encoding_rs::Encoding::for_label(declared.as_bytes()),
        ) {
            (Some(a), Some(b)) => a == b,
            _ => http.eq_ignore_ascii_case(&declared),
        };
        let ascii_ok = http.eq_ignore_ascii_case("us-ascii") && body.is_ascii();
        if !same && !ascii_ok {
            out.push(document_finding(
                path,
                "EncodingMismatch",
                format!("the HTTP charset is {http} but the document says {declared}"),
            ));
        }
    }
    out
}

/// The document's own encoding: the BOM, else its XML declaration, else UTF-8.
fn declared_encoding(body: &[u8]) -> String {
    if body.starts_with(b"\xFF\xFE") || body.starts_with(b"\xFE\xFF") {
        return "utf-16".to_string();
    }
    if body.starts_with(b"\xEF\xBB\xBF") {
        return "utf-8".to_string();
    }
    let head = String::from_utf8_lossy(&body[..body.len().min(200)]);
    if let Some(decl) = head.strip_prefix("<?xml") {
        let decl = &decl[..decl.find("?>").unwrap_or(decl.len())];
        if let Some(i) = decl.find("encoding") {
            let rest = decl[i + 8..]
                .trim_start()
                .trim_start_matches('=')
                .trim_start();
            let q = rest.chars().next().unwrap_or('"');
            let rest = rest.get(1..).unwrap_or("");
            if let Some(end) = rest.find(q) {
                return rest[..end].to_string();
            }
        }
    }
    "utf-8".to_string()
}
