//! `feedwright check`, end to end: the built binary against posts in a temp folder and
//! a real HTTP server on 127.0.0.1 that answers every case the checker must judge
//! (and counts what it was asked). No internet.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Body, Frame, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::Value;

// ---------------------------------------------------------------- the test server

/// What the server saw: requests by `METHOD /path[ +referer]`, and the most
/// requests it was answering at once.
#[derive(Default)]
struct Seen {
    counts: Mutex<BTreeMap<String, u32>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

type Shared = Arc<Seen>;

/// A server on 127.0.0.1:0 with one path per case; it counts requests by
/// `METHOD /path` (plus ` +referer` when a Referer was sent).
struct Server {
    addr: SocketAddr,
    counts: Shared,
}

impl Server {
    fn start() -> Server {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let counts: Shared = Arc::default();
        let c = Arc::clone(&counts);
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let c = Arc::clone(&c);
                    tokio::spawn(async move {
                        let svc = hyper::service::service_fn(move |req| {
                            let c = Arc::clone(&c);
                            async move { Ok::<_, Infallible>(answer(req, c).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        Server { addr, counts }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn counts(&self) -> BTreeMap<String, u32> {
        self.counts.counts.lock().unwrap().clone()
    }

    /// The most requests the server was answering at the same time.
    fn peak(&self) -> usize {
        self.counts.peak.load(Ordering::SeqCst)
    }
}

/// A body that never ends (well, after 1 GiB), as a misconfigured server might send.
struct Endless(u64);

static CHUNK: [u8; 65536] = [b'x'; 65536];

impl Body for Endless {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.0 >= 1 << 30 {
            return Poll::Ready(None);
        }
        self.0 += CHUNK.len() as u64;
        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(&CHUNK)))))
    }
}

type Reply = Response<BoxBody<Bytes, Infallible>>;

fn reply(status: u16, headers: &[(&str, &str)], body: &'static str) -> Reply {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(Bytes::from_static(body.as_bytes())).boxed())
        .unwrap()
}

const HTML: (&str, &str) = ("content-type", "text/html; charset=utf-8");
const PNG: (&str, &str) = ("content-type", "image/png");

async fn answer(req: Request<Incoming>, seen: Shared) -> Reply {
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.peak.fetch_max(now, Ordering::SeqCst);
    let reply = respond(req, &seen).await;
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    reply
}

async fn respond(req: Request<Incoming>, counts: &Seen) -> Reply {
    let head = req.method() == hyper::Method::HEAD;
    let referer = req.headers().contains_key("referer");
    let path = req.uri().path().to_string();
    let key = format!(
        "{} {path}{}",
        req.method(),
        if referer { " +referer" } else { "" }
    );
    let seen = {
        let mut c = counts.counts.lock().unwrap();
        let n = c.entry(key).or_insert(0);
        *n += 1;
        // Requests to this path so far, any method.
        c.iter()
            .filter(|(k, _)| k.split(' ').nth(1) == Some(path.as_str()))
            .map(|(_, v)| *v)
            .sum::<u32>()
    };
    match path.as_str() {
        "/page" | "/new-page" => reply(200, &[HTML], "<html><p>ok</p></html>"),
        "/img.png" => reply(200, &[PNG], "\u{89}PNG"),
        "/missing" => reply(404, &[HTML], "not found"),
        "/error" => reply(500, &[HTML], "boom"),
        "/old" => reply(301, &[("location", "/older")], ""),
        "/older" => reply(301, &[("location", "/new-page")], ""),
        "/loop-a" => reply(302, &[("location", "/loop-b")], ""),
        "/loop-b" => reply(302, &[("location", "/loop-a")], ""),
        "/busy" if seen == 1 => reply(429, &[("retry-after", "1")], "slow down"),
        "/busy" => reply(200, &[HTML], "ok now"),
        "/slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            reply(200, &[HTML], "too late")
        }
        "/no-head" if head => reply(405, &[("allow", "GET")], ""),
        "/no-head" => reply(200, &[HTML], "GET works"),
        "/fake.png" => reply(200, &[HTML], "<html>a login page</html>"),
        "/guarded.png" if referer => reply(403, &[HTML], "no hotlinking"),
        "/guarded.png" => reply(200, &[PNG], "\u{89}PNG"),
        p if p.starts_with("/chain/") => {
            let n: u32 = p["/chain/".len()..].parse().unwrap_or(0);
            let next = format!("/chain/{}", n + 1);
            let mut r = reply(307, &[], "");
            r.headers_mut()
                .insert("location", next.parse().expect("a valid header"));
            r
        }
        p if p.starts_with("/hold/") => {
            tokio::time::sleep(Duration::from_millis(100)).await;
            reply(200, &[HTML], "held")
        }
        "/huge" if head => reply(405, &[("allow", "GET")], ""),
        "/huge" => Response::builder()
            .status(200)
            .header("content-type", "text/html")
            .body(Endless(0).boxed())
            .unwrap(),
        _ => reply(404, &[HTML], "no such case"),
    }
}

// ---------------------------------------------------------------- helpers

/// A temp site: a config and a posts folder the test writes into.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new(config: &str) -> Site {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("posts")).unwrap();
        std::fs::write(dir.path().join("feedwright.yaml"), config).unwrap();
        Site { dir }
    }

    fn post(&self, name: &str, text: &str) {
        std::fs::write(self.dir.path().join("posts").join(name), text).unwrap();
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `feedwright check ARGS` in the site's folder: (exit code, stdout, stderr).
    fn check(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_feedwright"))
            .arg("check")
            .args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs with `--format json` and parses the one object it prints.
    fn check_json(&self, args: &[&str]) -> (i32, Value) {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        let (code, out, err) = self.check(&all);
        let doc: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}\nstderr:\n{err}"));
        (code, doc)
    }
}

/// `(path, line, rule, severity)` of each finding, in report order.
fn places(doc: &Value) -> Vec<(String, Option<u64>, String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding<'a>(doc: &'a Value, path: &str, rule: &str) -> &'a Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path && f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {path}: {doc:#}"))
}

fn p(path: &str, line: u64, rule: &str, sev: &str) -> (String, Option<u64>, String, String) {
    (path.into(), Some(line), rule.into(), sev.into())
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

// ---------------------------------------------------------------- online

#[test]
fn online_check_judges_every_case_fetches_each_url_once_and_caches_successes() {
    let s = Server::start();
    let u = |path: &str| s.url(path);
    let site = Site::new(
        "base_url: http://blog.example.com/\nposts: posts\ncheck:\n  timeout: 1s\n  retries: 2\n",
    );
    let closed = format!("http://127.0.0.1:{}/x", closed_port());
    site.post(
        "a.md",
        &format!(
            "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\nheadimg: {img}\n---\n\
<p><a href=\"{page}\">page</a></p>\n\
<p><img src=\"{img}\" alt=\"i\"></p>\n\
<p><a href=\"{missing}\">missing</a></p>\n\
<p><a href=\"{error}\">error</a></p>\n\
<p><a href=\"{old}\">old</a></p>\n\
<p><a href=\"{lp}\">loop</a></p>\n\
<p><a href=\"{busy}\">busy</a></p>\n\
<p><a href=\"{slow}\">slow</a></p>\n\
<p><a href=\"{nohead}\">no head</a></p>\n\
<p><img src=\"{fake}\" alt=\"f\"></p>\n\
<p><img src=\"{guarded}\" alt=\"g\"></p>\n\
<p><a href=\"{huge}\">huge</a></p>\n\
<p><a href=\"{closed}\">closed</a></p>\n",
            page = u("/page"),
            img = u("/img.png"),
            missing = u("/missing"),
            error = u("/error"),
            old = u("/old"),
            lp = u("/loop-a"),
            busy = u("/busy"),
            slow = u("/slow"),
            nohead = u("/no-head"),
            fake = u("/fake.png"),
            guarded = u("/guarded.png"),
            huge = u("/huge"),
        ),
    );
    // A Markdown post using some of the same URLs: they are not fetched again, and
    // the images it only links to are not held to the image rules.
    site.post(
        "b.md",
        &format!(
            "---\ntitle: B\ndate: 2021-08-15T09:59:23Z\n---\nIntro.\n\nSee [the page]({}) and\n![a picture]({})\n\nAlso [missing]({}).\n\n[as a link]({}) [also]({})\n",
            u("/page"),
            u("/img.png"),
            u("/missing"),
            u("/fake.png"),
            u("/guarded.png"),
        ),
    );

    let (code, doc) = site.check_json(&[]);
    assert_eq!(code, 1, "{doc:#}");
    let expected = vec![
        p("posts/a.md", 8, "link.broken", "error"),
        p("posts/a.md", 9, "link.broken", "error"),
        p("posts/a.md", 10, "link.redirect", "warning"),
        p("posts/a.md", 11, "link.redirect-loop", "error"),
        p("posts/a.md", 13, "link.timeout", "error"),
        p("posts/a.md", 15, "image.not-image", "error"),
        p("posts/a.md", 16, "image.hotlink", "warning"),
        p("posts/a.md", 18, "link.unreachable", "error"),
        p("posts/b.md", 10, "link.broken", "error"),
    ];
    assert_eq!(places(&doc), expected, "{doc:#}");

    // The messages say what happened, and each finding names its URL and column.
    let missing = finding(&doc, "posts/b.md", "link.broken");
    assert_eq!(missing["url"], u("/missing"));
    assert_eq!(missing["column"], 16);
    assert!(missing["message"]
        .as_str()
        .unwrap()
        .contains("HTTP 404 Not Found"));
    let f = |line: u64| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == "posts/a.md" && f["line"] == line)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(f(8).contains("HTTP 404"), "{}", f(8));
    assert!(f(9).contains("HTTP 500 Internal Server Error"), "{}", f(9));
    assert!(
        f(10).contains(&format!("permanently to {}", u("/new-page"))),
        "{}",
        f(10)
    );
    assert!(f(11).contains(&u("/loop-b")), "{}", f(11));
    assert!(f(13).contains("within 1s"), "{}", f(13));
    assert!(f(15).contains("text/html"), "{}", f(15));
    assert!(f(16).contains("403") && f(16).contains("Referer: http://blog.example.com/"));
    assert!(
        f(16).contains("referrerpolicy=\"no-referrer\""),
        "{}",
        f(16)
    );
    assert!(
        f(18).to_lowercase().contains("connection refused"),
        "{}",
        f(18)
    );
    assert_eq!(doc["findings"][0]["column"], 13);

    // Every unique URL once, whatever the number of posts using it: HEAD first, GET
    // only when HEAD was refused or failed, retries only for 429; images once more
    // with a Referer.
    let first = s.counts();
    let want: BTreeMap<String, u32> = [
        ("HEAD /page", 1),
        ("HEAD /img.png", 1),
        ("HEAD /img.png +referer", 1),
        ("HEAD /missing", 1),
        ("GET /missing", 1),
        ("HEAD /error", 1),
        ("GET /error", 1),
        ("HEAD /old", 1),
        ("HEAD /older", 1),
        ("HEAD /new-page", 1),
        ("HEAD /loop-a", 1),
        ("HEAD /loop-b", 1),
        ("HEAD /busy", 2),
        ("HEAD /slow", 1),
        ("HEAD /no-head", 1),
        ("GET /no-head", 1),
        ("HEAD /fake.png", 1),
        ("HEAD /guarded.png", 1),
        ("HEAD /guarded.png +referer", 1),
        ("GET /guarded.png +referer", 1),
        ("HEAD /huge", 1),
        ("GET /huge", 1),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), *v))
    .collect();
    assert_eq!(first, want);
    let summary = &doc["summary"];
    assert_eq!(summary["unique_urls"], 13);
    assert_eq!(summary["fetched"], 13);
    assert_eq!(summary["cached"], 0);
    assert_eq!(summary["errors"], 7);
    assert_eq!(summary["warnings"], 2);

    // The rerun takes the successes from the cache and fetches only the failures;
    // the findings are the same (warnings of cached URLs included). The cache
    // has the name DESIGN gives it by default.
    assert!(site.path().join(".feedwright-cache.json").is_file());
    let (code2, doc2) = site.check_json(&[]);
    assert_eq!(code2, 1);
    assert_eq!(places(&doc2), expected);
    assert_eq!(doc2["summary"]["cached"], 7);
    assert_eq!(doc2["summary"]["fetched"], 6);
    let second = s.counts();
    let asked_again: Vec<&str> = second
        .iter()
        .filter(|(k, v)| first.get(*k) != Some(v))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        asked_again,
        [
            "GET /error",
            "GET /missing",
            "HEAD /error",
            "HEAD /fake.png",
            "HEAD /loop-a",
            "HEAD /loop-b",
            "HEAD /missing",
            "HEAD /slow"
        ]
    );
}

#[test]
fn no_cache_neither_reads_nor_writes_the_cache_and_exclude_skips_urls() {
    let s = Server::start();
    let site = Site::new(
        "base_url: http://blog.example.com/\nposts: posts\ncheck: {exclude: ['/missing$']}\n",
    );
    site.post(
        "a.md",
        &format!(
            "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\n[a]({})\n[b]({})\n",
            s.url("/page"),
            s.url("/missing")
        ),
    );
    for _ in 0..2 {
        let (code, doc) = site.check_json(&["--no-cache"]);
        assert_eq!(code, 0, "{doc:#}");
        assert_eq!(doc["summary"]["excluded"], 1);
        assert_eq!(doc["summary"]["cached"], 0);
    }
    assert!(!site.path().join(".feedwright-cache.json").exists());
    let want: BTreeMap<String, u32> = [("HEAD /page".to_string(), 2)].into();
    assert_eq!(s.counts(), want);
}

#[test]
fn retries_give_up_with_the_last_answer() {
    // /busy answers 429 only the first time: with retries 0, that answer stands.
    let s = Server::start();
    let site = Site::new("base_url: http://blog.example.com/\nposts: posts\ncheck: {retries: 0}\n");
    site.post(
        "a.md",
        &format!(
            "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\n[a]({})\n",
            s.url("/busy")
        ),
    );
    let (code, doc) = site.check_json(&["--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(places(&doc), [p("posts/a.md", 5, "link.broken", "error")]);
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains("429 Too Many Requests"));
}

#[test]
fn concurrency_limits_hold_per_host_and_globally() {
    // Eight URLs the server holds 100 ms each: never more in flight at once than the
    // limits allow (the server counts, no clock is read).
    let s = Server::start();
    let site = Site::new("base_url: http://blog.example.com/\nposts: posts\n");
    let links: String = (0..8)
        .map(|i| format!("[{i}]({})\n", s.url(&format!("/hold/{i}"))))
        .collect();
    site.post(
        "a.md",
        &format!("---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\n{links}"),
    );
    let (code, _, err) = site.check(&["--no-cache", "--per-host", "2"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s.peak(), 2);

    let s = Server::start();
    let links: String = (0..8)
        .map(|i| format!("[{i}]({})\n", s.url(&format!("/hold/{i}"))))
        .collect();
    site.post(
        "a.md",
        &format!("---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\n{links}"),
    );
    let (code, _, err) = site.check(&["--no-cache", "--per-host", "8", "--concurrency", "3"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(s.peak(), 3);
}

#[test]
fn endless_redirects_stop_after_ten() {
    let s = Server::start();
    let site = Site::new("base_url: http://blog.example.com/\nposts: posts\n");
    site.post(
        "a.md",
        &format!(
            "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\n[a]({})\n",
            s.url("/chain/0")
        ),
    );
    let (code, doc) = site.check_json(&["--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&doc),
        [p("posts/a.md", 5, "link.too-many-redirects", "error")]
    );
    // The URL itself and ten redirects: eleven requests, then it gives up.
    let asked: u32 = s.counts().values().sum();
    assert_eq!(asked, 11);
    assert!(doc["findings"][0]["message"]
        .as_str()
        .unwrap()
        .contains(&s.url("/chain/10")));
}

#[test]
fn relative_urls_resolve_against_the_post_url_and_own_images_skip_the_hotlink_probe() {
    let s = Server::start();
    let site = Site::new(&format!(
        "base_url: {}\nposts: posts\npermalink: \":year/:slug/\"\n",
        s.url("/blog/")
    ));
    site.post(
        "a.md",
        "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\nslug: a\n---\n![root](/img.png)\n![here](pic.png)\n",
    );
    let (code, doc) = site.check_json(&["--no-cache"]);
    assert_eq!(code, 1);
    assert_eq!(places(&doc), [p("posts/a.md", 7, "link.broken", "error")]);
    assert_eq!(doc["findings"][0]["url"], s.url("/blog/2021/a/pic.png"));
    let want: BTreeMap<String, u32> = [
        ("HEAD /img.png".to_string(), 1),
        ("HEAD /blog/2021/a/pic.png".to_string(), 1),
        ("GET /blog/2021/a/pic.png".to_string(), 1),
    ]
    .into();
    assert_eq!(s.counts(), want);
}

// ---------------------------------------------------------------- offline

const OFFLINE_CONFIG: &str = "base_url: https://blog.example.com/\nposts: posts\n";

fn offline_site() -> Site {
    let site = Site::new(OFFLINE_CONFIG);
    // A month ahead: in the future for `post.future-date`, yet not so far that the
    // feeds' dates become implausible.
    let soon = (chrono::Utc::now() + chrono::Duration::days(30)).format("%Y-%m-%dT00:00:00Z");
    site.post(
        "c.md",
        &format!("---\ntitle: C\ndate: {soon}\nid: same\n---\n\
<p><a href=\"\">empty</a></p>\n\
<p><a href=\"javascript:alert(1)\">js</a></p>\n\
<p><a href=\"http://exa mple.com/\">bad</a></p>\n\
<p><a href=\"//cdn.example.org/x\">pr</a></p>\n\
<p><img alt=\"no src\"></p>\n\
<p><img src=\"https://cdn.example.org/a.png\"></p>\n\
<p><a href=\"http://plain.example.org/\">insecure</a></p>\n\
<p><a href=\"#top\">top</a> <a href=\"mailto:a@b.org\">mail</a> <img src=\"ok.png\" alt=\"\"></p>\n"),
    );
    site.post(
        "d.md",
        "---\ntitle: D\ndate: 2021-08-14T09:59:23Z\nslug: d\nid: same\n---\nfine\n",
    );
    site
}

#[test]
fn offline_rules_each_name_their_line() {
    let site = offline_site();
    let (code, doc) = site.check_json(&["--offline"]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&doc),
        [
            p("posts/c.md", 3, "post.future-date", "warning"),
            p("posts/c.md", 6, "link.empty", "error"),
            p("posts/c.md", 7, "link.unsafe-scheme", "error"),
            p("posts/c.md", 8, "link.malformed", "error"),
            p("posts/c.md", 9, "link.protocol-relative", "warning"),
            p("posts/c.md", 10, "image.missing-src", "error"),
            p("posts/c.md", 11, "image.missing-alt", "warning"),
            p("posts/c.md", 12, "link.insecure", "warning"),
            p("posts/d.md", 5, "post.duplicate-id", "error"),
        ]
    );
    let dup = finding(&doc, "posts/d.md", "post.duplicate-id");
    assert!(dup["message"].as_str().unwrap().contains("posts/c.md"));
    assert_eq!(doc["summary"]["posts"], 2);
    assert_eq!(doc["summary"]["fetched"], 0);
}

#[test]
fn relative_urls_without_base_url_are_unresolvable() {
    let site = Site::new("posts: posts\n");
    site.post(
        "a.md",
        "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\n---\nSee [other](../other/) and [abs](https://x.org/).\n",
    );
    let (code, doc) = site.check_json(&["--offline"]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&doc),
        [p("posts/a.md", 5, "link.unresolvable", "error")]
    );
    // With --base-url the same post is fine.
    let (code, doc) = site.check_json(&["--offline", "--base-url", "https://x.org/"]);
    assert_eq!((code, places(&doc)), (0, vec![]));
}

#[test]
fn exit_codes() {
    let site = Site::new(OFFLINE_CONFIG);
    site.post(
        "w.md",
        "---\ntitle: W\ndate: 2021-08-14T09:59:23Z\n---\n<img src=\"a.png\">\n",
    );
    // Warnings only: 0, unless --deny-warnings.
    assert_eq!(site.check(&["--offline"]).0, 0);
    assert_eq!(site.check(&["--offline", "--deny-warnings"]).0, 1);
    // Could not run: 2, with the reason.
    let (code, _, err) = site.check(&["--offline", "--posts", "nowhere"]);
    assert_eq!(code, 2);
    assert!(err.contains("nowhere"), "{err}");
    std::fs::write(site.path().join("bad.yaml"), "check: {timeout: soon}\n").unwrap();
    let (code, _, err) = site.check(&["--offline", "--config", "bad.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.yaml"), "{err}");
    let (code, _, _) = site.check(&["--timeout", "whenever"]);
    assert_eq!(code, 2);
}

#[test]
fn human_output_groups_by_post_and_ends_with_the_summary() {
    let site = offline_site();
    let (code, out, err) = site.check(&["--offline"]);
    assert_eq!(code, 1);
    assert!(out.is_empty(), "human output goes to stderr: {out}");
    assert!(!err.contains('\x1b'), "no colour when not a terminal");
    let lines: Vec<&str> = err.lines().collect();
    assert!(lines.contains(&"posts/c.md:6:7: error[link.empty]: empty a href: it points nowhere"));
    // Groups are separated by a blank line; the summary comes last.
    let blank = lines.iter().position(|l| l.is_empty()).unwrap();
    assert!(lines[..blank].iter().all(|l| l.starts_with("posts/c.md:")));
    assert!(lines[blank + 1].starts_with("posts/d.md:5: error[post.duplicate-id]"));
    let last = lines.last().unwrap();
    assert!(
        last.starts_with("check: 2 posts, ") && last.contains("5 errors, 4 warnings in "),
        "{last}"
    );
}

#[test]
fn machine_formats_from_the_binary_carry_file_and_line() {
    let site = offline_site();
    let (_, sarif, _) = site.check(&["--offline", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let r = &sarif["runs"][0]["results"][1];
    assert_eq!(r["ruleId"], "link.empty");
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "posts/c.md");
    assert_eq!(loc["region"]["startLine"], 6);

    let (_, junit, _) = site.check(&["--offline", "--format", "junit"]);
    let xml = roxmltree::Document::parse(&junit).unwrap();
    let cases: Vec<_> = xml
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].attribute("file"), Some("posts/c.md"));
    let failure = cases[0]
        .children()
        .find(|n| n.has_tag_name("failure"))
        .unwrap();
    assert!(failure
        .text()
        .unwrap()
        .contains("posts/c.md:6:7: error[link.empty]"));

    let (_, gh, _) = site.check(&["--offline", "--format", "github"]);
    assert!(gh.lines().any(|l| l
        == "::error file=posts/c.md,line=7,col=13,title=link.unsafe-scheme::`javascript:` URL in a href: feed readers strip it, and in a page it runs script"));
}

#[test]
fn config_paths_and_flags_override() {
    // --posts beats the file's posts; concurrency/per-host flags are accepted.
    let site = Site::new(OFFLINE_CONFIG);
    let other: PathBuf = site.path().join("elsewhere");
    std::fs::create_dir(&other).unwrap();
    std::fs::write(
        other.join("x.md"),
        "---\ntitle: X\ndate: 2021-08-14T09:59:23Z\n---\n[j](javascript:void(0))\n",
    )
    .unwrap();
    let (code, doc) = site.check_json(&[
        "--offline",
        "--posts",
        "elsewhere",
        "--concurrency",
        "4",
        "--per-host",
        "2",
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        places(&doc),
        [p("elsewhere/x.md", 5, "link.unsafe-scheme", "error")]
    );
}

#[test]
fn check_lints_the_feeds_the_build_would_write() {
    let site = Site::new(
        "base_url: https://blog.example.com/\nposts: posts\nlanguage: \"not a language!\"\n",
    );
    site.post(
        "a.md",
        "---\ntitle: A\ndate: 2021-08-14T09:59:23Z\ncategories: [X]\n---\nfine\n",
    );
    let (code, doc) = site.check_json(&["--offline"]);
    assert_eq!(code, 1, "{doc}");
    let feeds: Vec<_> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["class"] == "InvalidLanguage")
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        feeds,
        [
            "feeds/atom.xml",
            "feeds/categories/x/atom.xml",
            "feeds/categories/x/rss.xml",
            "feeds/rss.xml"
        ]
    );
    assert!(!site.path().join("feeds").exists(), "check writes no feed");
}
