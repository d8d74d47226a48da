//! Loads a posts folder and prints what the loader understood of each post, then its
//! findings: `cargo run --example load_posts -- DIR [TIMEZONE]`.

use std::path::PathBuf;

use feedwright::load::{load_dir, LoadOptions};

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "examples/posts".into()));
    let timezone = match args.next() {
        Some(name) => name.parse().unwrap_or_else(|e| {
            eprintln!("{name}: {e}");
            std::process::exit(2)
        }),
        None => chrono_tz::UTC,
    };
    let loaded = match load_dir(
        &dir,
        LoadOptions {
            timezone,
            keep_bodies: false,
        },
    ) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    };
    for p in &loaded.posts {
        println!(
            "{}\t{}\t{:?}\t{:?}\t{:?}\t{:?}\t{:?}",
            p.rel,
            p.date.to_rfc3339(),
            p.title,
            p.categories,
            p.tags,
            p.author,
            p.image
        );
    }
    for f in &loaded.findings {
        eprintln!("{f}");
    }
    eprintln!(
        "{} read, {} published, {} drafts, {} findings",
        loaded.read,
        loaded.posts.len(),
        loaded.skipped,
        loaded.findings.len()
    );
}
