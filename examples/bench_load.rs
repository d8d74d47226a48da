//! Measures `load_dir` alone on a synthetic Hexo-like corpus: prints wall time, posts
//! per second and peak memory. `cargo run --release --example bench_load -- [N...]`
//! (default 10000 100000). The corpus is deterministic and written to a temp folder.

#[path = "support/mem.rs"]
mod mem;
use mem::peak_mb;

use std::alloc::{GlobalAlloc, Layout};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use feedwright::load::{load_dir, LoadOptions};

/// Counts live heap bytes and their peak, to tell what the posts hold from what the
/// allocator keeps.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(live, Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the allocator the command uses (mimalloc).
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size;
        PEAK.fetch_max(live, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded unchanged to the allocator the command uses (mimalloc).
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `alloc` with this layout.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: f64 = 1024.0 * 1024.0;

/// Writes `n` posts: YAML front matter like the seed's, nested categories from a
/// tree of ~50 nodes, HTML and Markdown bodies, 100 posts per folder.
fn generate(dir: &Path, n: usize) {
    let tops = ["金融", "科技", "体育", "文化", "Travel"];
    let mids = ["新浪财经", "Markets", "Startups"];
    let leaves = ["国内", "International", "Analysis"];
    for i in 0..n {
        let folder = dir.join(format!("{:04}", i / 100));
        if i % 100 == 0 {
            std::fs::create_dir_all(&folder).unwrap();
        }
        let (t, m, l) = (tops[i % 5], mids[(i / 5) % 3], leaves[(i / 15) % 3]);
        let day = 1 + i % 28;
        let month = 1 + (i / 28) % 12;
        let body = if i % 2 == 0 {
            format!(
                "\n<div>\n<p>　　Paragraph one of post {i}, with <a href=\"/rel/{i}\">a link</a>.</p>\n<p><img src=\"https://img.example.com/{i}.jpg\" alt=\"x\"></p>\n{}</div>\n",
                "<p>Filler text for the body of a typical news article, long enough to matter.</p>\n".repeat(12)
            )
        } else {
            format!(
                "Intro of post {i} with a [link](../other/{i}).\n\n<!-- more -->\n\n## Heading\n\n{}",
                "Filler text for the body of a typical blog post, long enough to matter.\n\n".repeat(12)
            )
        };
        let text = format!(
            "---\ntitle: 'Post number {i}: a synthetic article'\ncategories:\n - {t}\n - {m}\n - {l}\ntags: [tag{}, tag{}]\nheadimg: 'https://img.example.com/{i}.jpg'\nauthor: 新浪财经\ncomments: false\ndate: 2021-{month:02}-{day:02} 09:59:23\n---\n{body}",
            i % 40,
            i % 17
        );
        let ext = if i % 2 == 0 { "md" } else { "markdown" };
        std::fs::write(folder.join(format!("post-{i}.{ext}")), text).unwrap();
    }
}

/// User + system CPU time of this process so far, in seconds (a fair figure when
/// other work shares the machine).
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may contain spaces) start after ')'.
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the ')'.
    (ticks(11) + ticks(12)) / 100.0
}

/// Resets the kernel's peak-memory mark, so the figure covers loading only.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn main() {
    let sizes: Vec<usize> = {
        let args: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|a| a.parse().ok())
            .collect();
        if args.is_empty() {
            vec![10_000, 100_000]
        } else {
            args
        }
    };
    let opts = LoadOptions {
        timezone: chrono_tz::Asia::Shanghai,
        keep_bodies: false,
    };
    for n in sizes {
        // BENCH_LOAD_DIR=path keeps the corpus there between runs (for profiling).
        let kept = std::env::var_os("BENCH_LOAD_DIR").map(|d| Path::new(&d).join(n.to_string()));
        let temp = tempfile::tempdir().expect("a temp folder");
        let dir = kept.as_deref().unwrap_or(temp.path());
        if !dir.join("done").exists() {
            let t = Instant::now();
            generate(dir, n);
            std::fs::write(dir.join("done"), "").unwrap();
            println!("{n} posts: generated in {:.2?}", t.elapsed());
        }
        for round in 1..=3 {
            reset_peak();
            let before = LIVE.load(Ordering::Relaxed);
            PEAK.store(before, Ordering::Relaxed);
            let t = Instant::now();
            let cpu = cpu_secs();
            let loaded = load_dir(dir, opts).expect("the corpus loads");
            let secs = t.elapsed().as_secs_f64();
            assert_eq!(loaded.posts.len(), n);
            let cpu = cpu_secs() - cpu;
            println!(
                "  load_dir round {round}: {:.3} s wall, {:.3} s CPU, {:.0} posts/s, peak {:.1} MB, {} findings",
                secs,
                cpu,
                n as f64 / secs,
                peak_mb(),
                loaded.findings.len()
            );
            println!(
                "    heap: {:.1} MB live after, {:.1} MB at the peak; size of a Post {} B",
                (LIVE.load(Ordering::Relaxed) - before) as f64 / MB,
                (PEAK.load(Ordering::Relaxed) - before) as f64 / MB,
                std::mem::size_of::<feedwright::load::Post>()
            );
            drop(loaded);
        }
    }
}
