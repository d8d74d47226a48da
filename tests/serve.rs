//! `feedwright serve`: the handler called with `http::Request` and no socket (every
//! route, status, header, 304 case, encoding choice and traversal attempt), then the
//! real server on 127.0.0.1 with a real HTTP client, raw sockets for the limits, and
//! the built binary for signals, logging and exit codes.

use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use feedwright::config::{self, Config};
use feedwright::serve::{self, Options, State};
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use tempfile::TempDir;

const BASE: &str = "https://news.example.com/";

/// A posts folder in a temporary directory.
struct Site {
    dir: TempDir,
}

impl Site {
    fn new() -> Site {
        let site = Site {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        site.post(
            "a.md",
            "A first post",
            "2021-08-14T09:59:23Z",
            "[Tech, Rust]",
        );
        site.post("b.md", "金融 news", "2021-08-15T10:00:00Z", "[金融]");
        site.post("c.md", "Older tech", "2020-01-01T00:00:00Z", "[Tech]");
        site
    }

    fn posts(&self) -> PathBuf {
        self.dir.path().join("posts")
    }

    fn post(&self, file: &str, title: &str, date: &str, categories: &str) {
        let dir = self.posts();
        std::fs::create_dir_all(&dir).expect("posts dir");
        let body = "Some words about it. ".repeat(40);
        let text =
            format!("---\ntitle: {title}\ndate: {date}\ncategories: {categories}\n---\n{body}\n");
        // Write then rename, as editors do, so the watcher never sees half a file.
        let tmp = self.dir.path().join(format!(".{file}.tmp"));
        std::fs::write(&tmp, text).expect("write post");
        std::fs::rename(&tmp, dir.join(file)).expect("rename post");
    }

    fn config(&self) -> Config {
        let defaults = Config::default();
        Config {
            title: "Example News".to_string(),
            base_url: Some(config::parse_base(BASE).unwrap()),
            posts: self.posts(),
            serve: config::ServeConfig {
                max_age: 123,
                ..defaults.serve.clone()
            },
            ..defaults
        }
    }

    fn state(&self) -> Arc<State> {
        let state = Arc::new(State::new(self.config()));
        state.rebuild().expect("first build");
        state
    }
}

fn request(method: &str, path: &str, headers: &[(&str, &str)]) -> Request<()> {
    let mut b = Request::builder().method(method).uri(path);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).expect("valid request")
}

async fn body(res: Response<Full<Bytes>>) -> Vec<u8> {
    res.into_body()
        .collect()
        .await
        .expect("a Full body never fails")
        .to_bytes()
        .to_vec()
}

async fn call(
    state: &State,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, http::HeaderMap, Vec<u8>) {
    let res = state.handle(&request(method, path, headers));
    let status = res.status();
    let headers = res.headers().clone();
    (status, headers, body(res).await)
}

fn header<'a>(h: &'a http::HeaderMap, name: &str) -> &'a str {
    h.get(name)
        .map(|v| v.to_str().expect("ASCII header"))
        .unwrap_or("")
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("valid gzip");
    out
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("valid br");
    out
}

fn titles(feed: &[u8]) -> Vec<String> {
    let feed = feed_rs::parser::parse(feed).expect("a complete feed");
    feed.entries
        .into_iter()
        .map(|e| e.title.map(|t| t.content).unwrap_or_default())
        .collect()
}

// ---------------------------------------------------------------- handler, no socket

#[tokio::test]
async fn every_route_answers_with_its_media_type() {
    let site = Site::new();
    let state = site.state();
    for (path, media) in [
        ("/rss.xml", "application/rss+xml; charset=utf-8"),
        ("/atom.xml", "application/atom+xml; charset=utf-8"),
        (
            "/categories/tech/rss.xml",
            "application/rss+xml; charset=utf-8",
        ),
        (
            "/categories/tech/rust/atom.xml",
            "application/atom+xml; charset=utf-8",
        ),
        ("/feeds.opml", "text/x-opml; charset=utf-8"),
        ("/", "text/html; charset=utf-8"),
        ("/index.html", "text/html; charset=utf-8"),
        ("/healthz", "application/json; charset=utf-8"),
    ] {
        let (status, h, b) = call(&state, "GET", path, &[]).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(header(&h, "content-type"), media, "{path}");
        assert_eq!(header(&h, "content-length"), b.len().to_string(), "{path}");
        assert!(!b.is_empty(), "{path}");
    }
    assert_eq!(
        titles(&call(&state, "GET", "/rss.xml", &[]).await.2),
        ["金融 news", "A first post", "Older tech"]
    );
    assert_eq!(
        titles(
            &call(&state, "GET", "/categories/tech/atom.xml", &[])
                .await
                .2
        ),
        ["A first post", "Older tech"]
    );
    assert_eq!(
        titles(
            &call(&state, "GET", "/categories/tech/rust/rss.xml", &[])
                .await
                .2
        ),
        ["A first post"]
    );
    assert_eq!(
        call(&state, "GET", "/", &[]).await.2,
        call(&state, "GET", "/index.html", &[]).await.2
    );
    // Readers that add a cache-busting query still get the feed.
    assert_eq!(
        call(&state, "GET", "/rss.xml?ts=123", &[]).await.2,
        call(&state, "GET", "/rss.xml", &[]).await.2
    );
}

#[tokio::test]
async fn unicode_category_slugs_are_found_encoded_or_raw() {
    let site = Site::new();
    let state = site.state();
    let (s1, _, encoded) = call(&state, "GET", "/categories/%E9%87%91%E8%9E%8D/rss.xml", &[]).await;
    let (s2, _, lower) = call(&state, "GET", "/categories/%e9%87%91%e8%9e%8d/rss.xml", &[]).await;
    assert_eq!((s1, s2), (StatusCode::OK, StatusCode::OK));
    assert_eq!(encoded, lower);
    assert_eq!(titles(&encoded), ["金融 news"]);
    // Raw UTF-8 in the request target, as some clients send it.
    let uri = http::Uri::from_maybe_shared(Bytes::from("/categories/金融/rss.xml".as_bytes()))
        .expect("http accepts UTF-8 in paths, as hyper's parser does");
    let res = state.handle(&Request::get(uri).body(()).unwrap());
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(body(res).await, encoded);
}

#[tokio::test]
async fn head_sends_the_get_headers_without_a_body() {
    let site = Site::new();
    let state = site.state();
    for (path, enc) in [("/rss.xml", ""), ("/atom.xml", "gzip"), ("/healthz", "")] {
        let hdrs = [("accept-encoding", enc)];
        let (gs, gh, gb) = call(&state, "GET", path, &hdrs).await;
        let (hs, hh, hb) = call(&state, "HEAD", path, &hdrs).await;
        assert_eq!(gs, hs);
        assert!(hb.is_empty(), "{path}");
        assert_eq!(header(&hh, "content-length"), gb.len().to_string());
        for name in [
            "content-type",
            "etag",
            "last-modified",
            "cache-control",
            "vary",
            "content-encoding",
        ] {
            assert_eq!(header(&gh, name), header(&hh, name), "{path} {name}");
        }
    }
}

#[tokio::test]
async fn other_methods_get_405_with_allow() {
    let site = Site::new();
    let state = site.state();
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "BREW"] {
        let (status, h, _) = call(&state, method, "/rss.xml", &[]).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method}");
        assert_eq!(header(&h, "allow"), "GET, HEAD");
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    let site = Site::new();
    let state = site.state();
    for path in [
        "/nope",
        "/rss.xml/",
        "/RSS.XML",
        "/categories/",
        "/categories/tech",
        "/categories/sport/rss.xml",
        "/posts/a.md",
        "/a.md",
        "/feedwright.yaml",
    ] {
        let (status, _, b) = call(&state, "GET", path, &[]).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(b, b"not found\n", "{path}");
    }
}

#[tokio::test]
async fn traversal_attempts_never_reach_a_file() {
    let site = Site::new();
    // A secret beside the posts folder, which a path climbing out would find.
    std::fs::write(site.dir.path().join("secret.txt"), "TOP SECRET").unwrap();
    let state = site.state();
    for path in [
        "/../secret.txt",
        "/categories/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/etc/passwd",
        "/categories/tech/%2e%2e/%2e%2e/rss.xml",
        "/categories/./tech/rss.xml",
        "//rss.xml",
        "//etc/passwd",
        "/categories//tech/rss.xml",
        "/..%5csecret.txt",
        "/categories%5c..%5c..%5csecret.txt",
        "/rss.xml%00",
        "/rss.xml%00.html",
        "/%00",
        "/categories/tech%2frss.xml%2f..%2f..%2f..%2fsecret.txt",
    ] {
        let (status, _, b) = call(&state, "GET", path, &[]).await;
        assert!(
            status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND,
            "{path}: {status}"
        );
        let text = String::from_utf8_lossy(&b);
        assert!(!text.contains("SECRET") && !text.contains("<rss"), "{path}");
    }
    let (status, _, b) = call(&state, "GET", "/a\\b", &[]).await;
    assert!(status == StatusCode::BAD_REQUEST || status == StatusCode::NOT_FOUND);
    assert!(!String::from_utf8_lossy(&b).contains("SECRET"));
}

#[tokio::test]
async fn malformed_paths_are_400() {
    let site = Site::new();
    let state = site.state();
    for path in [
        "/%zz",
        "/%e9",
        "/rss.xml%",
        "/%ff%fe",
        "/../rss.xml",
        "/a%00b",
    ] {
        let (status, h, _) = call(&state, "GET", path, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(header(&h, "content-type"), "text/plain; charset=utf-8");
    }
}

#[tokio::test]
async fn validators_and_cache_control() {
    let site = Site::new();
    let state = site.state();
    let (_, h, _) = call(&state, "GET", "/rss.xml", &[]).await;
    let etag = header(&h, "etag");
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10);
    assert_eq!(header(&h, "cache-control"), "public, max-age=123");
    assert_eq!(header(&h, "vary"), "Accept-Encoding");
    // The site feed's newest entry is b.md.
    assert_eq!(header(&h, "last-modified"), "Sun, 15 Aug 2021 10:00:00 GMT");
    let (_, h, _) = call(&state, "GET", "/categories/tech/rust/rss.xml", &[]).await;
    assert_eq!(header(&h, "last-modified"), "Sat, 14 Aug 2021 09:59:23 GMT");
    let (_, h, _) = call(&state, "GET", "/healthz", &[]).await;
    assert_eq!(header(&h, "cache-control"), "no-store");
}

#[tokio::test]
async fn etags_are_stable_across_restarts_and_change_with_the_feed() {
    let site = Site::new();
    let first = site.state();
    let again = site.state();
    for path in ["/rss.xml", "/atom.xml", "/categories/tech/rss.xml"] {
        for enc in ["", "gzip", "br"] {
            let a = call(&first, "GET", path, &[("accept-encoding", enc)])
                .await
                .1;
            let b = call(&again, "GET", path, &[("accept-encoding", enc)])
                .await
                .1;
            assert_eq!(header(&a, "etag"), header(&b, "etag"), "{path} {enc}");
        }
    }
    let before = header(&call(&first, "GET", "/rss.xml", &[]).await.1, "etag").to_string();
    site.post("d.md", "Newest", "2022-01-01T00:00:00Z", "[Tech]");
    first.rebuild().unwrap();
    let after = header(&call(&first, "GET", "/rss.xml", &[]).await.1, "etag").to_string();
    assert_ne!(before, after);
    // A feed the new post does not reach keeps its tag.
    let rust_before = call(&again, "GET", "/categories/tech/rust/rss.xml", &[])
        .await
        .1;
    let rust_after = call(&first, "GET", "/categories/tech/rust/rss.xml", &[])
        .await
        .1;
    assert_eq!(header(&rust_before, "etag"), header(&rust_after, "etag"));
}

#[tokio::test]
async fn conditional_requests() {
    let site = Site::new();
    let state = site.state();
    let (_, h, full) = call(&state, "GET", "/rss.xml", &[]).await;
    let etag = header(&h, "etag").to_string();
    let weak = format!("W/{etag}");
    let list = format!("\"nope\", {etag}, \"other\"");
    let modified = header(&h, "last-modified").to_string();
    let cases: Vec<(Vec<(&str, &str)>, StatusCode)> = vec![
        (vec![("if-none-match", &etag)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", &list)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", "*")], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", &weak)], StatusCode::NOT_MODIFIED),
        (vec![("if-none-match", "\"nope\"")], StatusCode::OK),
        (vec![("if-none-match", "garbage")], StatusCode::OK),
        (
            vec![("if-modified-since", &modified)],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-modified-since", "Tue, 01 Jan 2030 00:00:00 GMT")],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-modified-since", "Sunday, 15-Aug-21 10:00:00 GMT")],
            StatusCode::NOT_MODIFIED,
        ),
        (
            vec![("if-modified-since", "Sun, 15 Aug 2021 09:59:59 GMT")],
            StatusCode::OK,
        ),
        (vec![("if-modified-since", "not a date")], StatusCode::OK),
        // If-None-Match decides when present: a stale tag beats a fresh date.
        (
            vec![
                ("if-none-match", "\"nope\""),
                ("if-modified-since", "Tue, 01 Jan 2030 00:00:00 GMT"),
            ],
            StatusCode::OK,
        ),
        (
            vec![
                ("if-none-match", &etag),
                ("if-modified-since", "Mon, 01 Jan 2001 00:00:00 GMT"),
            ],
            StatusCode::NOT_MODIFIED,
        ),
        // The identity tag does not validate the gzip representation.
        (
            vec![("if-none-match", &etag), ("accept-encoding", "gzip")],
            StatusCode::OK,
        ),
    ];
    for (headers, want) in cases {
        for method in ["GET", "HEAD"] {
            let (status, h, b) = call(&state, method, "/rss.xml", &headers).await;
            assert_eq!(status, want, "{method} {headers:?}");
            if want == StatusCode::NOT_MODIFIED {
                assert!(b.is_empty());
                assert_eq!(header(&h, "etag"), etag);
                assert_eq!(header(&h, "cache-control"), "public, max-age=123");
                assert_eq!(header(&h, "vary"), "Accept-Encoding");
                assert_eq!(header(&h, "last-modified"), modified);
            } else if method == "GET" && header(&h, "content-encoding").is_empty() {
                assert_eq!(b, full);
            }
        }
    }
    // A gzip tag validates the gzip representation.
    let gz = [("accept-encoding", "gzip")];
    let gz_tag = header(&call(&state, "GET", "/rss.xml", &gz).await.1, "etag").to_string();
    let (status, h, _) = call(
        &state,
        "GET",
        "/rss.xml",
        &[("accept-encoding", "gzip"), ("if-none-match", &gz_tag)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);
    assert_eq!(header(&h, "etag"), gz_tag);
}

#[tokio::test]
async fn encoding_follows_accept_encoding() {
    let site = Site::new();
    let state = site.state();
    let identity = call(&state, "GET", "/rss.xml", &[]).await;
    assert_eq!(header(&identity.1, "content-encoding"), "");
    let mut tags = vec![header(&identity.1, "etag").to_string()];
    for (accept, want) in [
        ("gzip", "gzip"),
        ("br", "br"),
        ("gzip, deflate, br", "br"),
        ("br;q=0.5, gzip;q=0.9", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", ""),
        ("*", "br"),
        ("*;q=0.1, gzip;q=0.5", "gzip"),
        ("identity", ""),
        ("deflate", ""),
        ("x-gzip", "gzip"),
        ("identity;q=0, *;q=0", ""),
    ] {
        let (status, h, b) = call(&state, "GET", "/rss.xml", &[("accept-encoding", accept)]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(header(&h, "content-encoding"), want, "{accept}");
        assert_eq!(header(&h, "vary"), "Accept-Encoding");
        assert_eq!(header(&h, "content-length"), b.len().to_string());
        let decoded = match want {
            "gzip" => gunzip(&b),
            "br" => unbrotli(&b),
            _ => b.clone(),
        };
        assert_eq!(decoded, identity.2, "{accept}");
        if !tags.contains(&header(&h, "etag").to_string()) {
            tags.push(header(&h, "etag").to_string());
        }
    }
    assert_eq!(tags.len(), 3, "one tag per coding: {tags:?}");
}

#[tokio::test]
async fn healthz_reports_builds_and_keeps_the_last_good_set_on_failure() {
    let site = Site::new();
    let state = site.state();
    let (_, _, before) = call(&state, "GET", "/rss.xml", &[]).await;
    let health = |b: Vec<u8>| -> serde_json::Value { serde_json::from_slice(&b).unwrap() };
    let h = health(call(&state, "GET", "/healthz", &[]).await.2);
    assert_eq!(h["status"], "ok");
    assert_eq!(h["posts"], 3);
    // Site, Tech, Tech › Rust and 金融, each as RSS and Atom.
    assert_eq!(h["feeds"], 8);
    assert_eq!(h["builds"], 1);
    assert!(h["last_error"].is_null());
    assert!(h["built_at"].as_str().unwrap().ends_with('Z'));

    std::fs::rename(site.posts(), site.dir.path().join("gone")).unwrap();
    assert!(state.rebuild().is_err());
    let h = health(call(&state, "GET", "/healthz", &[]).await.2);
    assert_eq!(h["status"], "degraded");
    assert!(h["last_error"].as_str().unwrap().contains("posts"), "{h}");
    assert_eq!(h["posts"], 3);
    let (status, _, after) = call(&state, "GET", "/rss.xml", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(before, after);

    std::fs::rename(site.dir.path().join("gone"), site.posts()).unwrap();
    state.rebuild().unwrap();
    let h = health(call(&state, "GET", "/healthz", &[]).await.2);
    assert_eq!(h["status"], "ok");
    assert!(h["last_error"].is_null());
    assert_eq!(h["builds"], 2);
}

// ---------------------------------------------------------------- real sockets

/// Starts the real server on 127.0.0.1:0; send on the returned channel to stop it.
async fn start(
    state: Arc<State>,
    options: Options,
) -> (
    std::net::SocketAddr,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve::run(state, listener, options, async move {
        let _ = stopped.await;
    }));
    (addr, stop, task)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Sends raw bytes and reads until the server closes the connection.
async fn raw(addr: std::net::SocketAddr, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the server closes the connection")
        .ok();
    String::from_utf8_lossy(&out).into_owned()
}

async fn stop_server(
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
) {
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

/// Polls `url` until its body shows `needle` (the watcher has rebuilt), for at most 2 s.
async fn wait_for(client: &reqwest::Client, url: &str, needle: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let res = client.get(url).send().await.unwrap();
        if res.status() == 200 && res.text().await.unwrap().contains(needle) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{needle:?} not in {url} within 2 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn end_to_end_watch_gzip_and_rebuilds_under_load() {
    let site = Site::new();
    let mut cfg = site.config();
    cfg.serve.watch = true;
    let state = Arc::new(State::new(cfg));
    state.rebuild().unwrap();
    let (addr, stop, task) = start(Arc::clone(&state), Options::default()).await;
    let base = format!("http://{addr}");
    let http = client();

    // gzip and br bodies decode to the identity body.
    let plain = http.get(format!("{base}/rss.xml")).send().await.unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(
        plain.headers()["content-type"],
        "application/rss+xml; charset=utf-8"
    );
    let plain = plain.bytes().await.unwrap();
    for (coding, decode) in [("gzip", gunzip as fn(&[u8]) -> Vec<u8>), ("br", unbrotli)] {
        let res = http
            .get(format!("{base}/rss.xml"))
            .header("accept-encoding", coding)
            .send()
            .await
            .unwrap();
        assert_eq!(res.headers()["content-encoding"], coding);
        let packed = res.bytes().await.unwrap();
        assert!(packed.len() < plain.len());
        assert_eq!(decode(&packed), plain);
    }

    // A new post shows up in the site feed and in its (new) category feed.
    site.post(
        "fresh.md",
        "Fresh off the press",
        "2023-05-01T08:00:00Z",
        "[Sport]",
    );
    wait_for(&http, &format!("{base}/rss.xml"), "Fresh off the press").await;
    wait_for(
        &http,
        &format!("{base}/categories/sport/rss.xml"),
        "Fresh off the press",
    )
    .await;

    // 200 rebuilds while 4 clients fetch in a loop; every tenth changes a post, so
    // the swapped sets really differ (the others reuse the encoded bodies).
    let done = Arc::new(AtomicBool::new(false));
    let fetched = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for n in 0..4usize {
        let (done, fetched, base) = (Arc::clone(&done), Arc::clone(&fetched), base.clone());
        clients.push(tokio::spawn(async move {
            let http = client();
            let paths = [
                "/rss.xml",
                "/atom.xml",
                "/categories/tech/rss.xml",
                "/categories/tech/atom.xml",
            ];
            let mut last_tag: Option<String> = None;
            let mut i = n;
            while !done.load(Ordering::Relaxed) {
                i += 1;
                let mut req = http.get(format!("{base}{}", paths[i % paths.len()]));
                let gzip = i % 3 == 0;
                if gzip {
                    req = req.header("accept-encoding", "gzip");
                }
                if let (Some(tag), true) = (&last_tag, i % 2 == 0) {
                    req = req.header("if-none-match", tag.as_str());
                }
                let res = req.send().await.unwrap();
                let status = res.status().as_u16();
                assert!(status == 200 || status == 304, "status {status}");
                last_tag = res
                    .headers()
                    .get("etag")
                    .map(|v| v.to_str().unwrap().into());
                let body = res.bytes().await.unwrap();
                if status == 200 {
                    let body = if gzip { gunzip(&body) } else { body.to_vec() };
                    assert!(!titles(&body).is_empty());
                } else {
                    assert!(body.is_empty());
                }
                fetched.fetch_add(1, Ordering::Relaxed);
                // Pace the clients so the rebuilds get the CPU too.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }));
    }
    let rebuilder = Arc::clone(&state);
    let posts = site.posts();
    tokio::task::spawn_blocking(move || {
        for i in 0..200 {
            if i % 10 != 0 {
                rebuilder.rebuild().unwrap();
                continue;
            }
            let text = format!(
                "---\ntitle: A first post, take {i}\ndate: 2021-08-14T09:59:23Z\ncategories: [Tech, Rust]\n---\nbody {i}\n"
            );
            std::fs::write(posts.join("a.md"), text).unwrap();
            rebuilder.rebuild().unwrap();
        }
    })
    .await
    .unwrap();
    done.store(true, Ordering::Relaxed);
    for c in clients {
        c.await.unwrap();
    }
    assert!(fetched.load(Ordering::Relaxed) >= 4);
    wait_for(
        &http,
        &format!("{base}/categories/tech/rust/atom.xml"),
        "take 190",
    )
    .await;
    stop_server(stop, task).await;
}

#[tokio::test]
async fn raw_requests_400_431_and_utf8_paths() {
    let site = Site::new();
    let (addr, stop, task) = start(site.state(), Options::default()).await;

    let res = raw(addr, b"GARBAGE\r\n\r\n").await;
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");

    let huge = format!(
        "GET /rss.xml HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let res = raw(addr, huge.as_bytes()).await;
    assert!(res.starts_with("HTTP/1.1 431"), "{res}");

    let res = raw(
        addr,
        "GET /categories/金融/rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".as_bytes(),
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.contains("金融 news"));

    let res = raw(
        addr,
        b"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 400"), "{res}");

    // HEAD over the wire: the GET length, no body.
    let res = raw(
        addr,
        b"HEAD /rss.xml HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    assert!(res.ends_with("\r\n\r\n"), "no body after the head: {res}");
    let length: usize = res
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .expect("content-length")
        .parse()
        .unwrap();
    let get = client()
        .get(format!("http://{addr}/rss.xml"))
        .send()
        .await
        .unwrap();
    assert_eq!(get.bytes().await.unwrap().len(), length);
    stop_server(stop, task).await;
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_dropped() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = Site::new();
    let options = Options {
        header_read_timeout: Duration::from_millis(200),
        ..Options::default()
    };
    let (addr, stop, task) = start(site.state(), options).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out)).await;
    assert!(closed.is_ok(), "the server should close a slow client");
    assert!(!String::from_utf8_lossy(&out).contains("200 OK"));
    stop_server(stop, task).await;
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_for_a_free_slot() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = Site::new();
    let options = Options {
        max_connections: 1,
        ..Options::default()
    };
    let (addr, stop, task) = start(site.state(), options).await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    let mut first = tokio::net::TcpStream::connect(addr).await.unwrap();
    first.write_all(request).await.unwrap();
    let mut buf = [0u8; 4096];
    let n = first.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));

    // The first connection is kept alive and holds the only slot.
    let mut second = tokio::net::TcpStream::connect(addr).await.unwrap();
    second.write_all(request).await.unwrap();
    let early = tokio::time::timeout(Duration::from_millis(300), second.read(&mut buf)).await;
    assert!(early.is_err(), "answered beyond the connection cap");

    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(10), second.read(&mut buf))
        .await
        .expect("answered once the slot is free")
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    drop(second);
    stop_server(stop, task).await;
}

#[tokio::test]
async fn shutdown_stops_accepting_and_closes_idle_keep_alive_connections() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = Site::new();
    let (addr, stop, task) = start(site.state(), Options::default()).await;
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    stop_server(stop, task).await;
    // The idle connection was closed and nothing listens any more.
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut rest))
        .await
        .expect("the idle connection is closed");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

// ---------------------------------------------------------------- the binary

fn feedwright() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_feedwright"))
}

/// Waits for a child to exit, killing it (and failing) after `secs`.
fn wait_exit(child: &mut std::process::Child, secs: u64) -> std::process::ExitStatus {
    for _ in 0..secs * 50 {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    panic!("feedwright did not exit within {secs} s");
}

/// Lines of a child's stderr, as they come.
fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_line(lines: &std::sync::mpsc::Receiver<String>, needle: &str) -> String {
    loop {
        let line = lines
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| panic!("no line with {needle:?} on stderr"));
        if line.contains(needle) {
            return line;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_logs_its_url_and_requests_and_exits_0_on_sigterm_and_sigint() {
    let site = Site::new();
    for signal in ["-TERM", "-INT"] {
        let mut child = feedwright()
            .args([
                "serve",
                "--addr",
                "127.0.0.1:0",
                "-v",
                "--base-url",
                BASE,
                "--posts",
            ])
            .arg(site.posts())
            .current_dir(site.dir.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let lines = stderr_lines(&mut child);
        let line = wait_line(&lines, "listening on ");
        let url = line
            .split("listening on ")
            .nth(1)
            .unwrap()
            .trim()
            .to_string();
        assert!(
            url.starts_with("http://127.0.0.1:") && url.ends_with('/'),
            "{line}"
        );
        let res = client().get(format!("{url}rss.xml")).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(titles(&res.bytes().await.unwrap()).len(), 3);
        let log = wait_line(&lines, "/rss.xml");
        assert!(
            log.contains("GET /rss.xml") && log.contains(" 200 "),
            "{log}"
        );

        let sent = std::process::Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = wait_exit(&mut child, 10);
        assert_eq!(status.code(), Some(0), "after {signal}");
    }
}

#[test]
fn binary_exits_2_when_the_port_is_taken() {
    let site = Site::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let mut child = feedwright()
        .args(["serve", "--addr", &addr, "--base-url", BASE, "--posts"])
        .arg(site.posts())
        .current_dir(site.dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let status = wait_exit(&mut child, 30);
    assert_eq!(status.code(), Some(2));
    let message = wait_line(&lines, "error:");
    assert!(
        message.contains(&addr) && message.contains("in use"),
        "{message}"
    );
}

#[test]
fn binary_exits_2_without_a_base_url() {
    let site = Site::new();
    let mut child = feedwright()
        .args(["serve", "--addr", "127.0.0.1:0", "--posts"])
        .arg(site.posts())
        .current_dir(site.dir.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = stderr_lines(&mut child);
    let status = wait_exit(&mut child, 30);
    assert_eq!(status.code(), Some(2));
    assert!(wait_line(&lines, "error:").contains("base_url"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_rebuilds_on_an_interval_without_watching() {
    let site = Site::new();
    let mut cfg = site.config();
    cfg.serve.watch = false;
    cfg.serve.every = Some(Duration::from_millis(100));
    let state = Arc::new(State::new(cfg));
    state.rebuild().unwrap();
    let (addr, stop, task) = start(state, Options::default()).await;
    site.post("late.md", "Arrived later", "2024-02-02T00:00:00Z", "[Tech]");
    let http = client();
    wait_for(
        &http,
        &format!("http://{addr}/categories/tech/rss.xml"),
        "Arrived later",
    )
    .await;
    stop_server(stop, task).await;
}

// ---------------------------------------------------------------- examples/deploy

fn deploy_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A site folder as the deploy examples expect at /srv/news.
fn deploy_site() -> Site {
    let site = Site::new();
    std::fs::write(
        site.dir.path().join("feedwright.yaml"),
        format!("title: Example News\nbase_url: {BASE}\nposts: posts\nout: feeds\n"),
    )
    .unwrap();
    site
}

/// Inode of every file under `dir`: an atomic rewrite (temp file + rename) changes it.
fn inodes(dir: &std::path::Path) -> std::collections::BTreeMap<PathBuf, u64> {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), e.metadata().unwrap().ino()))
        .collect()
}

/// Runs `command` (from a deploy file) twice on a fresh site; the second run must
/// leave every output file as it was.
fn run_twice_rewrites_nothing(command: &str, workdir: Option<&str>) {
    let site = deploy_site();
    let root = site.dir.path().to_str().unwrap().to_string();
    let command = command.replace("/srv/news", &root).replace(
        "/usr/local/bin/feedwright",
        env!("CARGO_BIN_EXE_feedwright"),
    );
    let run = || {
        let mut cmd = std::process::Command::new("sh");
        cmd.args(["-c", &command]);
        if let Some(dir) = workdir {
            cmd.current_dir(dir.replace("/srv/news", &root));
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run();
    let feeds = site.dir.path().join("feeds");
    let first = inodes(&feeds);
    assert!(first
        .keys()
        .any(|p| p.ends_with("categories/tech/rust/rss.xml")));
    assert!(first.keys().any(|p| p.ends_with("rss.xml")));
    run();
    assert_eq!(first, inodes(&feeds), "the second run rewrote files");
}

#[test]
fn the_cron_line_builds_and_a_second_run_rewrites_nothing() {
    let crontab = deploy_file("crontab");
    let line = crontab
        .lines()
        .find(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .expect("a cron line");
    let fields: Vec<&str> = line.splitn(6, ' ').collect();
    assert_eq!(
        fields.len(),
        6,
        "five schedule fields and a command: {line}"
    );
    run_twice_rewrites_nothing(fields[5], None);
}

#[test]
fn the_systemd_pair_builds_on_a_timer_and_a_second_run_rewrites_nothing() {
    let service = deploy_file("feedwright-build.service");
    let value = |text: &str, key: &str| -> String {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}="))
            .to_string()
    };
    assert_eq!(value(&service, "Type"), "oneshot");
    let timer = deploy_file("feedwright-build.timer");
    assert_eq!(value(&timer, "Unit"), "feedwright-build.service");
    assert!(value(&timer, "OnUnitActiveSec").ends_with("min"));
    assert_eq!(value(&timer, "WantedBy"), "timers.target");
    run_twice_rewrites_nothing(
        &value(&service, "ExecStart"),
        Some(&value(&service, "WorkingDirectory")),
    );
    let serve = deploy_file("feedwright-serve.service");
    assert!(value(&serve, "ExecStart").contains("feedwright serve"));
}

#[test]
fn the_ci_workflow_builds_checks_and_publishes_feeds() {
    let workflow = feedwright::yaml::parse(&deploy_file("feeds.yml")).expect("valid YAML");
    let steps = workflow["jobs"]["build"]["steps"]
        .as_array()
        .expect("build steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let position = |needle: &str| {
        runs.iter()
            .position(|r| r.contains(needle))
            .unwrap_or_else(|| panic!("no step runs {needle:?}"))
    };
    assert!(position("feedwright build") < position("feedwright check --offline"));
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-pages-artifact"))
        })
        .expect("an upload step");
    assert_eq!(upload["with"]["path"], "feeds");
    assert!(workflow["jobs"]["publish"]["steps"][0]["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/deploy-pages"));
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let site = Site::new();
    let (addr, stop, task) = start(site.state(), Options::default()).await;
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    // Half a request: the server is reading it when shutdown begins.
    s.write_all(b"GET /atom.xml HTTP/1.1\r\n").await.unwrap();
    // Give the server a moment to accept and read it (it has no way to tell us).
    tokio::time::sleep(Duration::from_millis(250)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    s.write_all(b"Host: x\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut out))
        .await
        .expect("the connection is closed after the response")
        .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(text.contains("</feed>"));
    tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follows_a_replaced_posts_folder() {
    let site = Site::new();
    let mut cfg = site.config();
    cfg.serve.watch = true;
    let state = Arc::new(State::new(cfg));
    state.rebuild().unwrap();
    let options = Options {
        recheck: Duration::from_millis(100),
        ..Options::default()
    };
    let (addr, stop, task) = start(Arc::clone(&state), options).await;
    let http = client();
    wait_for(&http, &format!("http://{addr}/rss.xml"), "A first post").await;
    // Deploy a new copy of the folder and swap it in, as release scripts do.
    let old = site.dir.path().join("posts.old");
    std::fs::rename(site.posts(), &old).unwrap();
    std::fs::create_dir(site.posts()).unwrap();
    for f in ["a.md", "b.md", "c.md"] {
        std::fs::copy(old.join(f), site.posts().join(f)).unwrap();
    }
    // Wait until the swap was noticed (a rebuild from the new folder)...
    let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
    loop {
        let res = http.get(format!("http://{addr}/healthz")).send().await;
        let h: serde_json::Value =
            serde_json::from_slice(&res.unwrap().bytes().await.unwrap()).unwrap();
        if h["builds"].as_u64() >= Some(2) && h["status"] == "ok" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "swap not noticed: {h}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ...then the new folder is watched: a post added to it shows up.
    site.post(
        "new.md",
        "In the new folder",
        "2024-03-03T00:00:00Z",
        "[Tech]",
    );
    wait_for(
        &http,
        &format!("http://{addr}/categories/tech/atom.xml"),
        "In the new folder",
    )
    .await;
    stop_server(stop, task).await;
}
