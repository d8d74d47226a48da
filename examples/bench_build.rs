//! Benchmark of `feedwright build`: generates a deterministic synthetic corpus of
//! Hexo-like posts (HTML and Markdown bodies, ~50 categories in a hierarchy), builds
//! it, and prints wall time, posts per second and peak memory.
//!
//! ```text
//! cargo run --release --example bench_build            # 10,000 and 100,000 posts
//! cargo run --release --example bench_build -- 20000   # other sizes
//! ```
//!
//! `-- --generate N DIR` only writes the corpus to `DIR/posts` (for other benchmarks).
//!
//! Each size is built in 5 fresh child processes (`BENCH_RUNS=N` for another count),
//! each into a new output folder, so every run does the whole job and its peak
//! memory (VmHWM) is its own; the best and the median run are printed, and the
//! highest peak. The corpus is written once, to `target/bench-corpus/N/`, and reused.
//! On Linux, 3 more runs per size (`BENCH_COLD_RUNS=N`) start with the corpus
//! dropped from the page cache, as a scheduled rebuild after a long idle spell may.

#[path = "support/mem.rs"]
mod mem;
use mem::peak_mb;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use feedwright::config::{self, Config};

/// The allocator the `feedwright` binary uses (see src/main.rs), so the figures are
/// the command's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TOP: [&str; 5] = ["金融", "技术", "Life", "Science", "Culture"];
const MID: [&str; 3] = ["News", "分析", "Reviews"];
const LEAF: [&str; 3] = ["Daily", "Weekly", "深度"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() == 4 && args[1] == "--generate" {
        let n: usize = args[2].parse().expect("post count");
        let dir = Path::new(&args[3]);
        std::fs::create_dir_all(dir.join("posts")).expect("folder");
        generate(dir, n);
        println!("{n} posts written to {}", dir.join("posts").display());
        return;
    }
    if args.len() == 5 && args[1] == "--child" {
        let n: usize = args[2].parse().expect("post count");
        measure(n, Path::new(&args[3]), Path::new(&args[4]));
        return;
    }
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..]
            .iter()
            .map(|a| a.parse().expect("a post count"))
            .collect()
    } else {
        vec![10_000, 100_000]
    };
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let cold_runs: usize = std::env::var("BENCH_COLD_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let exe = std::env::current_exe().expect("own path");
    let outs = std::env::temp_dir().join(format!("feedwright-bench-out-{}", std::process::id()));
    for n in sizes {
        let dir = corpus(&exe, n);
        // Each run is a fresh process building into a fresh folder, as a user's
        // `feedwright build` of a new site is; the machine's noise is what differs.
        let (walls, peak) = runs_of(&exe, n, &dir, &outs, "warm", runs, || {});
        println!(
            "{n:>7} posts: best of {runs} fresh builds {:.3} s ({:.0} posts/s), median {:.3} s; peak memory {peak:.1} MB",
            walls[0],
            n as f64 / walls[0],
            walls[walls.len() / 2],
        );
        // A scheduled rebuild may find none of the posts in the page cache.
        if cfg!(target_os = "linux") && cold_runs > 0 {
            let (walls, _) = runs_of(&exe, n, &dir, &outs, "cold", cold_runs, || {
                drop_from_page_cache(&dir.join("posts"))
            });
            println!(
                "{n:>7} posts, none in the page cache: best of {cold_runs} {:.3} s, median {:.3} s",
                walls[0],
                walls[walls.len() / 2],
            );
        }
    }
    let _ = std::fs::remove_dir_all(&outs);
}

/// Builds the corpus of `n` posts in `runs` child processes, calling `before` ahead
/// of each; returns the wall times, sorted, and the highest peak memory (MB).
fn runs_of(
    exe: &Path,
    n: usize,
    dir: &Path,
    outs: &Path,
    kind: &str,
    runs: usize,
    before: impl Fn(),
) -> (Vec<f64>, f64) {
    let mut walls = Vec::new();
    let mut peak: f64 = 0.0;
    for run in 0..runs {
        let out = outs.join(format!("{n}-{kind}-{run}"));
        before();
        let output = std::process::Command::new(exe)
            .args(["--child", &n.to_string()])
            .arg(dir)
            .arg(&out)
            .output()
            .expect("child runs");
        assert!(output.status.success());
        let text = String::from_utf8_lossy(&output.stdout);
        for line in text.lines() {
            match line.strip_prefix("figures: ") {
                Some(f) => {
                    let mut f = f.split(' ').map(|x| x.parse::<f64>().expect("a figure"));
                    walls.push(f.next().expect("wall"));
                    peak = peak.max(f.next().expect("peak"));
                }
                None => println!("{kind}: {line}"),
            }
        }
    }
    walls.sort_by(f64::total_cmp);
    (walls, peak)
}

/// Asks the kernel to drop the cached pages of every file under `dir` (clean pages
/// go; the corpus was synced when written), as after a reboot or a long idle spell.
#[cfg(target_os = "linux")]
fn drop_from_page_cache(dir: &Path) {
    for entry in std::fs::read_dir(dir).expect("corpus folder") {
        let path = entry.expect("corpus entry").path();
        if path.is_dir() {
            drop_from_page_cache(&path);
        } else if let Ok(file) = std::fs::File::open(&path) {
            let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn drop_from_page_cache(_dir: &Path) {}

/// The corpus of `n` posts, written once and kept in `target/bench-corpus/` (a posts
/// folder lives long before its build; and deleting and rewriting 100,000 files
/// right before the builds slowed the builds' own file creation, as the file system
/// skipped over the freshly freed inodes). `cargo clean` removes it.
fn corpus(exe: &Path, n: usize) -> PathBuf {
    // The generator's version: bump it when `generate` changes.
    const VERSION: u32 = 1;
    let root = exe
        .ancestors()
        .nth(3) // target/release/examples/bench_build
        .map_or_else(std::env::temp_dir, Path::to_path_buf)
        .join("bench-corpus");
    let dir = root.join(format!("{n}"));
    let done = dir.join(format!(".complete-v{VERSION}"));
    if !done.is_file() {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("posts")).expect("corpus folder");
        generate(&dir, n);
        std::fs::write(&done, b"").expect("corpus marker");
        // Flushed now, so that its write-back does not compete with the builds.
        let _ = std::process::Command::new("sync").status();
    }
    dir
}

/// Writes `n` posts: 5 × 3 × 3 category paths (plus the 5 + 15 inner nodes: 65
/// nodes), every third post HTML, every 50th a draft, a few with `<!-- more -->`.
fn generate(dir: &Path, n: usize) {
    let mut seed: u64 = 0x5eed;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..n {
        let r = next();
        let (top, mid, leaf) = (
            TOP[(r % 5) as usize],
            MID[((r >> 8) % 3) as usize],
            LEAF[((r >> 16) % 3) as usize],
        );
        let day = (r >> 24) % 3650;
        let date = chrono::NaiveDate::from_ymd_opt(2015, 1, 1).unwrap()
            + chrono::Duration::days(day as i64);
        let html = i % 3 == 0;
        let folder = dir.join("posts").join(format!("{:03}", i % 500));
        std::fs::create_dir_all(&folder).expect("folder");
        let name = format!("{}-post-{i}.{}", date, if html { "html" } else { "md" });
        let mut f =
            std::io::BufWriter::new(std::fs::File::create(folder.join(name)).expect("file"));
        writeln!(
            f,
            "---\ntitle: \"Post number {i} about {leaf}\"\ndate: {date} {:02}:{:02}:00\ncategories:\n  - {top}\n  - {mid}\n  - {leaf}\ntags: [tag{}, common]\nauthor: Writer {}\n{}---",
            (r >> 32) % 24,
            (r >> 40) % 60,
            r % 40,
            r % 7,
            if i % 50 == 0 { "draft: true\n" } else { "" },
        )
        .unwrap();
        if html {
            writeln!(f, "<div class=\"post\">\n<p>Opening paragraph of post {i}, with <a href=\"/about/\">a link</a>.</p>\n<p><img src=\"images/{i}.jpg\" alt=\"figure {i}\"></p>").unwrap();
            for p in 0..8 {
                writeln!(
                    f,
                    "<p>Paragraph {p}: {}</p>",
                    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(4)
                )
                .unwrap();
            }
            writeln!(f, "</div>").unwrap();
        } else {
            writeln!(
                f,
                "Opening paragraph of post {i}, with [a link](/about/).\n"
            )
            .unwrap();
            if i % 4 == 0 {
                writeln!(f, "<!-- more -->\n").unwrap();
            }
            writeln!(
                f,
                "## A heading\n\n![figure](images/{i}.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
            )
            .unwrap();
            for p in 0..8 {
                writeln!(
                    f,
                    "Paragraph {p}: {}\n",
                    "Lorem *ipsum* dolor sit amet, `consectetur` adipiscing elit. ".repeat(4)
                )
                .unwrap();
            }
        }
    }
}

fn measure(n: usize, dir: &Path, out: &Path) {
    let cfg = Config {
        title: "Bench".to_string(),
        base_url: Some(config::parse_base("https://bench.example.com/").unwrap()),
        posts: dir.join("posts"),
        out: out.to_path_buf(),
        ..Config::default()
    };
    let start = Instant::now();
    let (built, stats) = feedwright::build::build_to_disk(&cfg).expect("build");
    let wall = start.elapsed();
    let again = Instant::now();
    let (_, stats2) = feedwright::build::build_to_disk(&cfg).expect("build");
    let rebuild = again.elapsed();
    println!(
        "{n:>7} posts: build {:>8.3} s  {:>9.0} posts/s  peak memory {:>6.1} MB  ({} published, {} feeds, {} files written; rebuild with nothing changed {:.3} s, {} written)",
        wall.as_secs_f64(),
        n as f64 / wall.as_secs_f64(),
        peak_mb(),
        built.published,
        built.feeds,
        stats.written,
        rebuild.as_secs_f64(),
        stats2.written,
    );
    println!("figures: {} {}", wall.as_secs_f64(), peak_mb());
}
