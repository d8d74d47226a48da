//! How fast `feedwright lint` is, against writing the same feed: builds a 20-entry
//! feed by hand, times serializing it (`feed::rss`, `feed::atom`), serializing and
//! writing it to disk as the build does, and linting it, then
//! lints the example site's feeds (built in memory from `feedwright.yaml`) a
//! thousand times. Prints figures; asserts nothing.
//!
//! `cargo run --release --example bench_lint [ITERATIONS]`; with `BENCH_LINT_DUMP=DIR`
//! it also writes the two 20-entry feeds there (`rss.xml`, `atom.xml`) for profiling.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, FixedOffset};
use feedwright::feed::{self, FeedMeta};
use feedwright::lint::lint_bytes;
use feedwright::render::Entry;

/// The allocator the `feedwright` binary uses (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn entries(n: usize) -> Vec<Entry> {
    let start: DateTime<FixedOffset> =
        DateTime::parse_from_rfc3339("2021-08-14T09:59:23+08:00").expect("a fixed date");
    (0..n)
        .map(|i| {
            let url = format!("https://news.example.com/2021/08/{:02}/post-{i}/", 1 + i % 28);
            let body = format!(
                "<p>Paragraph {i} with <a href=\"https://example.org/{i}\">a link</a>, \
                 <em>emphasis</em> and “quotes”.</p>\n<p><img src=\"https://news.example.com/img/{i}.png\" alt=\"picture {i}\"></p>\n"
            )
            .repeat(8);
            Entry {
                id: url.clone(),
                url,
                title: format!("Post number {i}: markets & more"),
                published: start + Days::hours(i as i64),
                updated: start + Days::hours(i as i64 + 1),
                author: Some("Jane Doe".to_string()),
                categories: vec![vec!["news".to_string(), "markets".to_string()]],
                tags: vec!["rust".to_string()],
                summary: format!("Summary of post {i}."),
                content: body,
                image: None,
                source: format!("posts/post-{i}.md"),
            }
        })
        .collect()
}

fn per_second(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn main() {
    let iterations: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let meta = FeedMeta {
        title: "Example News".to_string(),
        description: "News from the example site".to_string(),
        site_url: "https://news.example.com/".to_string(),
        self_url: "https://news.example.com/rss.xml".to_string(),
        language: Some("en".to_string()),
        author: None,
    };
    let owned = entries(20);
    let refs: Vec<&Entry> = owned.iter().collect();

    for (format, self_url) in [
        ("rss", "https://news.example.com/rss.xml"),
        ("atom", "https://news.example.com/atom.xml"),
    ] {
        let meta = FeedMeta {
            self_url: self_url.to_string(),
            ..meta.clone()
        };
        let write = |m: &FeedMeta| {
            if format == "rss" {
                feed::rss(m, &refs)
            } else {
                feed::atom(m, &refs)
            }
        };
        let bytes = write(&meta);
        if let Ok(dir) = std::env::var("BENCH_LINT_DUMP") {
            std::fs::write(format!("{dir}/{format}.xml"), &bytes).unwrap();
        }
        let findings = lint_bytes(&bytes, self_url, Some(self_url));
        let t = Instant::now();
        for _ in 0..iterations {
            black_box(write(black_box(&meta)));
        }
        let writing = t.elapsed();
        let t = Instant::now();
        for _ in 0..iterations {
            black_box(lint_bytes(black_box(&bytes), self_url, Some(self_url)));
        }
        let linting = t.elapsed();
        // Writing as `feedwright build` does: serialized, then put on disk through a
        // temporary file and a rename (output::write_atomic).
        let dir = std::env::temp_dir().join(format!("bench-lint-{}", std::process::id()));
        let file = dir.join(format!("{format}.xml"));
        let disk_rounds = (iterations / 10).max(10);
        let t = Instant::now();
        for _ in 0..disk_rounds {
            let bytes = write(black_box(&meta));
            feedwright::output::write_atomic(&file, &bytes).expect("a temporary folder");
        }
        let to_disk = t.elapsed();
        let _ = std::fs::remove_dir_all(&dir);
        // The floor under linting: parsing the document at all.
        let text = std::str::from_utf8(&bytes).expect("our writer writes UTF-8");
        let t = Instant::now();
        for _ in 0..iterations {
            black_box(feedwright::lint::parses(black_box(text)));
        }
        let parsing = t.elapsed();
        let each = |d: Duration, n: usize| d.as_secs_f64() * 1e6 / n as f64;
        println!(
            "{format}: 20 entries, {} bytes, {} findings | serialize {:.0} feeds/s ({:.1} µs each), serialize + write to disk {:.1} µs | lint {:.0} feeds/s ({:.1} µs each, of which XML parsing {:.1} µs) | lint/serialize {:.2}, lint/(serialize + disk) {:.2}",
            bytes.len(),
            findings.len(),
            per_second(iterations, writing),
            each(writing, iterations),
            each(to_disk, disk_rounds),
            per_second(iterations, linting),
            each(linting, iterations),
            each(parsing, iterations),
            linting.as_secs_f64() / writing.as_secs_f64(),
            each(linting, iterations) / each(to_disk, disk_rounds),
        );
    }

    // The example site's feeds, as the build writes them.
    let config = Path::new("feedwright.yaml");
    if !config.is_file() {
        println!("no feedwright.yaml here: skipping the example site");
        return;
    }
    let cfg = match feedwright::config::Config::from_file(config) {
        Ok(c) => c,
        Err(e) => {
            println!("example site: {e}");
            return;
        }
    };
    let built = match feedwright::build::build(&cfg) {
        Ok(b) => b,
        Err(e) => {
            println!("example site: {e}");
            return;
        }
    };
    let feeds: Vec<(&String, &Vec<u8>)> = built
        .files
        .iter()
        .filter(|(p, _)| p.ends_with(".xml"))
        .map(|(p, f)| (p, &f.bytes))
        .collect();
    if feeds.is_empty() {
        println!("example site: no feeds built");
        return;
    }
    let findings: usize = feeds
        .iter()
        .map(|(p, b)| lint_bytes(b, p, None).len())
        .sum();
    let t = Instant::now();
    let mut linted = 0;
    while linted < iterations {
        for (p, b) in &feeds {
            black_box(lint_bytes(black_box(b), p, None));
            linted += 1;
        }
    }
    let d = t.elapsed();
    println!(
        "example site: {} feeds ({} findings without self-link context), linted {linted} times: {:.0} feeds/s",
        feeds.len(),
        findings,
        per_second(linted, d)
    );
}
