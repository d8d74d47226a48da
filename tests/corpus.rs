//! The loader against the real corpus: 289 posts from 11 public blogs
//! (`../shared/corpus/real`, beside the repository), and the seed article.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use feedwright::load::{self, BodyFormat, LoadOptions, Outcome};

/// `../shared/corpus` from the repository root (as CI clones it); a worktree nested
/// deeper finds it in the nearest ancestor that has it.
fn shared() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .skip(1)
        .map(|dir| dir.join("shared/corpus"))
        .find(|dir| dir.is_dir())
        .expect("../shared/corpus beside the repository")
}

fn utc() -> LoadOptions {
    LoadOptions {
        timezone: chrono_tz::UTC,
        keep_bodies: false,
    }
}

/// Post files under `dir` as a user would count them (no hidden ones).
fn post_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            out.extend(post_files(&path));
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("md" | "markdown" | "html" | "htm")
        ) {
            out.push(path);
        }
    }
    out
}

#[test]
fn the_whole_real_corpus_loads() {
    let root = shared().join("real");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    sources.sort();
    assert_eq!(sources.len(), 11, "the corpus has 11 sources");

    let (mut files, mut published, mut drafts) = (0, 0, 0);
    let mut rejected: BTreeMap<String, String> = BTreeMap::new();
    let mut warnings = Vec::new();
    for source in &sources {
        let loaded = load::load_dir(source, utc()).expect("a corpus folder loads");
        let on_disk = post_files(source);
        assert_eq!(loaded.read, on_disk.len(), "{}", source.display());
        files += on_disk.len();
        published += loaded.posts.len();
        drafts += loaded.skipped;
        let loaded_paths: Vec<&Path> = loaded.posts.iter().map(|p| p.path.as_path()).collect();
        let mut unaccounted = 0;
        for file in &on_disk {
            if loaded_paths.contains(&file.as_path()) {
                continue;
            }
            let shown = file.display().to_string();
            let reasons: Vec<String> = loaded
                .findings
                .iter()
                .filter(|f| f.path == shown)
                .map(|f| f.to_string())
                .collect();
            match reasons.as_slice() {
                [] => unaccounted += 1,
                [one] => {
                    rejected.insert(shown, one.clone());
                }
                many => panic!("a rejected post gives one finding, got {many:#?}"),
            }
        }
        // Files neither published nor named in a finding are the drafts.
        assert_eq!(unaccounted, loaded.skipped, "{}", source.display());
        for f in &loaded.findings {
            if !rejected.values().any(|r| *r == f.to_string()) {
                warnings.push(f.to_string());
            }
        }
        for post in &loaded.posts {
            assert!(!post.title.is_empty(), "{}", post.path.display());
            assert!(post.body.is_none(), "bodies are not kept in builds");
            post.body_text().expect("the body reads back");
        }
    }
    println!(
        "{files} files: {published} published, {drafts} drafts, {} rejected",
        rejected.len()
    );
    for reason in rejected.values() {
        println!("rejected  {reason}");
    }
    for w in &warnings {
        println!("note      {w}");
    }
    assert_eq!(files, 289);
    assert_eq!(published + drafts + rejected.len(), files);
    let non_draft = files - drafts;
    assert!(
        published * 100 >= non_draft * 95,
        "only {published} of {non_draft} non-draft posts published"
    );
}

#[test]
fn the_seed_article() {
    let path = shared().join("seed/000_58aa1e030b41cc60.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut findings = Vec::new();
    let Outcome::Published(post) = load::parse_post(
        &path,
        "2021-08-14-amazon-sellers.md",
        &text,
        chrono_tz::Asia::Shanghai,
        &mut findings,
    ) else {
        panic!("the seed publishes: {findings:?}");
    };
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(
        post.title,
        "遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布"
    );
    assert_eq!(post.date.to_rfc3339(), "2021-08-14T09:59:23+00:00");
    assert_eq!(
        post.categories,
        vec![vec!["金融", "新浪财经", "新浪财经－国內"]]
    );
    assert_eq!(
        post.image.as_deref(),
        Some("https://n.sinaimg.cn/sinakd20210814s/200/w1080h720/20210814/7e2e-2887fe5f172093b67e465d3d8cec141c.jpg")
    );
    assert_eq!(post.author.as_deref(), Some("新浪财经"));
    assert_eq!(post.format, BodyFormat::Html);
    // The seed opens with a blank line before its `---`.
    assert_eq!(post.body_line, 14);
    assert!(post.body.as_deref().unwrap().starts_with("\n<div>"));
    assert_eq!(post.key_lines["title"], 3);
    assert_eq!(post.key_lines["date"], 11);
    assert_eq!(post.front["comments"], false);
}

#[test]
fn the_seed_copied_as_a_post_reads_back_the_body_it_was_parsed_with() {
    let seed = std::fs::read(shared().join("seed/000_58aa1e030b41cc60.txt")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("2021-08-14-amazon-sellers.md"), &seed).unwrap();
    let loaded = load::load_dir(dir.path(), utc()).unwrap();
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
    let [post] = loaded.posts.as_slice() else {
        panic!("one post")
    };
    assert!(post.body.is_none());
    let mut findings = Vec::new();
    let Outcome::Published(parsed) = load::parse_post(
        &post.path,
        &post.rel,
        std::str::from_utf8(&seed).unwrap(),
        chrono_tz::UTC,
        &mut findings,
    ) else {
        panic!("{findings:?}")
    };
    assert_eq!(post.body_text().unwrap(), parsed.body.unwrap());
    assert_eq!(post.format, BodyFormat::Html);
    assert_eq!(post.date, parsed.date);
}
