//! Benchmark of the online check: 1,000 generated posts whose ~3,400 unique links
//! point at a local server answering a 200/404/500/301/slow mix. Prints URLs per
//! second, peak memory (VmHWM) and the broken set against the expected one.
//!
//! `cargo run --release --example bench_check [-- POSTS URLS]`
//!
//! Concurrency 64 with per-host limits off (per_host = concurrency), no cache: the
//! setup lychee is compared with in issue 3.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use feedwright::check::{self, CheckOptions};

/// The allocator the `feedwright` binary uses (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use feedwright::config::Config;

/// What URL `i` answers: most are fine, some broken, some moved, a few slow.
fn kind(i: usize) -> &'static str {
    match i % 100 {
        0..=79 => "ok",
        80..=87 => "missing",
        88..=91 => "error",
        92..=96 => "moved",
        _ => "slow",
    }
}

fn serve(listener: std::net::TcpListener, requests: Arc<AtomicU64>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the bench server");
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio listener");
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let requests = Arc::clone(&requests);
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                    requests.fetch_add(1, Ordering::Relaxed);
                    async move {
                        let path = req.uri().path().to_string();
                        let kind = path.split('/').nth(1).unwrap_or("");
                        let mut b = Response::builder().header("content-type", "text/html");
                        b = match kind {
                            "ok" | "target" => b.status(200),
                            "missing" => b.status(404),
                            "error" => b.status(500),
                            "moved" => b
                                .status(301)
                                .header("location", path.replacen("/moved/", "/target/", 1)),
                            "slow" => {
                                tokio::time::sleep(Duration::from_millis(200)).await;
                                b.status(200)
                            }
                            _ => b.status(404),
                        };
                        Ok::<_, Infallible>(
                            b.body(Full::new(Bytes::from_static(b"<p>bench</p>")))
                                .expect("a valid response"),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), svc)
                    .await;
            });
        }
    });
}

fn peak_memory_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let posts = args.first().copied().unwrap_or(1000);
    let urls = args.get(1).copied().unwrap_or(3400);

    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let requests = Arc::new(AtomicU64::new(0));
    let r = Arc::clone(&requests);
    std::thread::spawn(move || serve(listener, r));

    // Posts: URL i goes to post i % posts, and every post also links one URL that
    // another post uses, so ~30% of the links are repeats.
    let dir = tempfile::tempdir()?;
    let url = |i: usize| format!("http://{addr}/{}/{i}", kind(i));
    let mut bodies: Vec<String> = vec![String::new(); posts];
    for i in 0..urls {
        bodies[i % posts].push_str(&format!(
            "<p>Item {i}: <a href=\"{}\">link</a></p>\n",
            url(i)
        ));
    }
    let mut links = urls;
    for (j, body) in bodies.iter_mut().enumerate() {
        body.push_str(&format!(
            "<p>See also <a href=\"{}\">this</a>.</p>\n",
            url((j * 7 + 3) % urls)
        ));
        links += 1;
    }
    for (j, body) in bodies.iter().enumerate() {
        let text = format!(
            "---\ntitle: Post {j}\ndate: 2021-08-14T09:59:23Z\nslug: post-{j}\n---\n<div>\n{body}</div>\n"
        );
        std::fs::write(dir.path().join(format!("post-{j:04}.md")), text)?;
    }
    let expected: BTreeSet<String> = (0..urls)
        .filter(|&i| matches!(kind(i), "missing" | "error"))
        .map(url)
        .collect();

    let mut cfg = Config {
        posts: dir.path().to_path_buf(),
        base_url: Some(url::Url::parse("http://bench.example.com/")?),
        ..Config::default()
    };
    cfg.check.concurrency = 64;
    cfg.check.per_host = 64;
    cfg.check.timeout = Duration::from_secs(10);
    let mut opts = CheckOptions::new(false);
    opts.use_cache = false;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let client = check::client(&cfg.check)?;
    let start = Instant::now();
    let report = runtime.block_on(check::check(&cfg, &opts, &client))?;
    let elapsed = start.elapsed();

    let broken: BTreeSet<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == "link.broken")
        .filter_map(|f| f.url.clone())
        .collect();
    let unique = report
        .summary
        .counts
        .iter()
        .find(|(k, _)| k == "unique_urls")
        .map_or(0, |(_, v)| *v);
    println!(
        "{posts} posts, {links} links, {unique} unique URLs checked in {:.2}s: {:.0} URLs/s ({} requests served)",
        elapsed.as_secs_f64(),
        unique as f64 / elapsed.as_secs_f64(),
        requests.load(Ordering::Relaxed)
    );
    println!(
        "broken: {} URLs ({} expected, same set: {}); {} findings in all",
        broken.len(),
        expected.len(),
        broken == expected,
        report.findings.len()
    );
    match peak_memory_kb() {
        Some(kb) => println!("peak memory (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("peak memory: unknown (no /proc/self/status)"),
    }
    Ok(())
}
