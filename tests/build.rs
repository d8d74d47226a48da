//! `feedwright build`, end to end: posts in a temporary folder, feeds parsed back with
//! feed-rs (an independent parser), and the command line's exit codes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use feedwright::build::{build, Built};
use feedwright::config::{self, Config};

/// A temporary site: a posts folder to add posts to, and an output folder.
struct Site {
    dir: tempfile::TempDir,
}

impl Site {
    fn new() -> Site {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("posts")).unwrap();
        Site { dir }
    }

    fn posts(&self) -> PathBuf {
        self.dir.path().join("posts")
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("out")
    }

    fn add(&self, rel: &str, text: &str) -> &Site {
        let path = self.posts().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn config(&self) -> Config {
        Config {
            title: "Test Site".to_string(),
            base_url: Some(config::parse_base("https://blog.example.org/").unwrap()),
            posts: self.posts(),
            out: self.out(),
            ..Config::default()
        }
    }

    fn build(&self) -> Built {
        build(&self.config()).expect("build runs")
    }
}

fn post(title: &str, date: &str, categories: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\ncategories: {categories}\n---\nBody of {title}.\n")
}

fn parse(built: &Built, rel: &str) -> feed_rs::model::Feed {
    let file = built.files.get(rel).unwrap_or_else(|| {
        panic!(
            "{rel} not built; have {:?}",
            built.files.keys().collect::<Vec<_>>()
        )
    });
    feed_rs::parser::parse(&file.bytes[..]).unwrap_or_else(|e| panic!("{rel} does not parse: {e}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_feedwright"))
}

#[test]
fn site_and_category_feeds_parse_back_with_order_dates_links_and_ids() {
    let site = Site::new();
    site.add(
        "a.md",
        &post("Alpha", "2021-01-01T10:00:00Z", "[Tech, Rust]"),
    )
    .add("b.md", &post("Beta", "2021-03-01T10:00:00Z", "[Tech]"))
    .add(
        "c.md",
        &post("Gamma", "2021-02-01T10:00:00+08:00", "[Life]"),
    );
    let built = site.build();

    for format in ["rss.xml", "atom.xml"] {
        let feed = parse(&built, format);
        assert_eq!(
            titles(&feed),
            ["Beta", "Gamma", "Alpha"],
            "{format}: newest first"
        );
        let beta = &feed.entries[0];
        assert_eq!(
            beta.published.unwrap().to_rfc3339(),
            "2021-03-01T10:00:00+00:00",
            "{format}"
        );
        assert_eq!(beta.links[0].href, "https://blog.example.org/2021/03/01/b/");
        assert_eq!(
            beta.id, "https://blog.example.org/2021/03/01/b/",
            "{format}: id is the permalink"
        );
        let labels: Vec<&str> = feed.entries[2]
            .categories
            .iter()
            .map(|c| c.term.as_str())
            .collect();
        assert_eq!(labels, ["Tech", "Rust"], "{format}");
        // The feed's date is its newest entry's, never the clock.
        assert_eq!(
            feed.updated.unwrap().to_rfc3339(),
            "2021-03-01T10:00:00+00:00",
            "{format}"
        );
    }

    let tech = parse(&built, "categories/tech/rss.xml");
    assert_eq!(
        titles(&tech),
        ["Beta", "Alpha"],
        "a node holds its descendants' posts"
    );
    let rust = parse(&built, "categories/tech/rust/atom.xml");
    assert_eq!(titles(&rust), ["Alpha"]);
    let life = parse(&built, "categories/life/rss.xml");
    assert_eq!(
        titles(&life),
        ["Gamma"],
        "a category feed holds no other category's posts"
    );

    // Each feed's self link is its own URL.
    let self_link = rust
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("self"))
        .expect("self link");
    assert_eq!(
        self_link.href,
        "https://blog.example.org/categories/tech/rust/atom.xml"
    );
}

#[test]
fn ties_are_ordered_by_path_and_limit_applies() {
    let site = Site::new();
    for name in ["d", "b", "c", "a"] {
        site.add(
            &format!("{name}.md"),
            &post(name, "2021-05-05T05:05:05Z", "[X]"),
        );
    }
    let mut cfg = site.config();
    cfg.feeds.limit = 3;
    let built = build(&cfg).unwrap();
    assert_eq!(titles(&parse(&built, "rss.xml")), ["a", "b", "c"]);
    assert_eq!(
        titles(&parse(&built, "categories/x/atom.xml")),
        ["a", "b", "c"]
    );
}

#[test]
fn two_builds_are_byte_identical_and_the_second_writes_nothing() {
    let site = Site::new();
    site.add(
        "a.md",
        &post("Alpha", "2021-01-01T10:00:00Z", "[金融, 新浪财经]"),
    )
    .add("b.md", &post("Beta", "2021-03-01T10:00:00Z", "[Tech]"));
    let cfg = site.config();
    let (_, stats1) = feedwright::build::build_to_disk(&cfg).unwrap();
    let first = files_under(&site.out());
    let (_, stats2) = feedwright::build::build_to_disk(&cfg).unwrap();
    assert_eq!(first, files_under(&site.out()));
    assert!(stats1.written > 0);
    assert_eq!(stats2.written, 0, "nothing changed, nothing rewritten");
    assert_eq!(stats2.unchanged, stats1.written);
    assert!(site
        .out()
        .join("categories/金融/新浪财经/rss.xml")
        .is_file());
}

/// Every file under `dir`, by path relative to it, with its bytes.
fn files_under(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read(&p).unwrap())
        })
        .collect()
}

/// The command writes each file as soon as it is made; what lands on disk is exactly
/// what the in-memory build (the server's) holds, file for file.
#[test]
fn the_files_written_are_the_files_built() {
    let site = Site::new();
    site.add(
        "a.md",
        &post("Alpha", "2021-01-01T10:00:00Z", "[金融, 新浪财经]"),
    )
    .add("b.md", &post("Beta", "2021-03-01T10:00:00Z", "[Tech]"))
    .add(
        "c.md",
        &post("Gamma", "2021-02-01T10:00:00Z", "[Tech, Rust]"),
    );
    let cfg = site.config();
    let in_memory = feedwright::build::build(&cfg).unwrap();
    let (on_disk, stats) = feedwright::build::build_to_disk(&cfg).unwrap();
    let expected: BTreeMap<String, Vec<u8>> = in_memory
        .files
        .iter()
        .map(|(rel, f)| (rel.clone(), f.bytes.clone()))
        .collect();
    assert_eq!(files_under(&site.out()), expected);
    assert_eq!(stats.written, expected.len());
    assert_eq!(on_disk.feeds, in_memory.feeds);
    assert_eq!(on_disk.findings, in_memory.findings);
    let names: Vec<&String> = on_disk.files.keys().collect();
    assert_eq!(names, in_memory.files.keys().collect::<Vec<_>>());
}

#[test]
fn an_output_folder_that_cannot_be_written_is_named_once_with_its_reason() {
    let site = Site::new();
    site.add("a.md", &post("Alpha", "2021-01-01T10:00:00Z", "[Tech]"));
    let mut cfg = site.config();
    cfg.out = site.dir.path().join("a-file");
    std::fs::write(&cfg.out, b"not a folder").unwrap();
    let err = feedwright::build::build_to_disk(&cfg).unwrap_err();
    let shown = format!("{err:#}");
    assert!(
        shown.contains("cannot write the output folder") && shown.contains("a-file"),
        "{shown}"
    );
    // The reason once: not repeated by the error's cause chain.
    assert_eq!(shown.matches("os error").count(), 1, "{shown}");
}

#[test]
fn feeds_of_removed_categories_are_deleted() {
    let site = Site::new();
    site.add("a.md", &post("Alpha", "2021-01-01T10:00:00Z", "[Old]"));
    let cfg = site.config();
    feedwright::build::build_to_disk(&cfg).unwrap();
    assert!(site.out().join("categories/old/rss.xml").is_file());
    site.add("a.md", &post("Alpha", "2021-01-01T10:00:00Z", "[New]"));
    let (_, stats) = feedwright::build::build_to_disk(&cfg).unwrap();
    assert_eq!(stats.removed, 2);
    assert!(!site.out().join("categories/old").exists());
    assert!(site.out().join("categories/new/atom.xml").is_file());
}

#[test]
fn no_category_slug_or_permalink_can_escape_the_output_folder() {
    let site = Site::new();
    site.add("a.md", &post("A", "2021-01-01T10:00:00Z", "['..', '/etc', 'a/../../b', 'C:\\evil']"))
        .add("b.md", "---\ntitle: B\ndate: 2021-01-02T00:00:00Z\nslug: ../../../x\ncategories: [[\"..\"], [\"../..\"]]\n---\nb\n")
        .add("c.md", "---\ntitle: C\ndate: 2021-01-03T00:00:00Z\npermalink: /../../etc/passwd\ncategories: '../../../../tmp/evil'\n---\nc\n");
    let cfg = site.config();
    let (built, _) = feedwright::build::build_to_disk(&cfg).unwrap();
    assert_eq!(built.published, 3);
    for rel in built.files.keys() {
        assert!(
            !rel.split('/')
                .any(|s| s == ".." || s == "." || s.is_empty()),
            "{rel}"
        );
        assert!(!rel.contains('\\') && !rel.contains(':'), "{rel}");
    }
    // Every file on disk sits under the output folder.
    let out = site.out().canonicalize().unwrap();
    for entry in walk(site.dir.path()) {
        if entry.extension().is_some_and(|e| e == "xml") {
            assert!(
                entry.canonicalize().unwrap().starts_with(&out),
                "{}",
                entry.display()
            );
        }
    }
    let written = std::fs::read(site.out().join("rss.xml")).unwrap();
    let b = feed_rs::parser::parse(&written[..]).unwrap();
    assert!(b
        .entries
        .iter()
        .all(|e| e.links[0].href.starts_with("https://blog.example.org/")));
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn content_is_sanitized_absolute_and_xml_safe() {
    let site = Site::new();
    site.add(
        "2021/post.md",
        "---\ntitle: \"AT&T <b> &amp; &#123;x&#125;&nbsp;y\"\ndate: 2021-06-01T00:00:00Z\n---\n\
         Intro \u{1} with [a link](other/) and ![img](pic.png).\n\n\
         <script>alert(1)</script><a href=\"javascript:alert(1)\" onclick=\"x()\">bad</a>\n\n\
         ```\nend ]]> of cdata\n```\n",
    );
    let built = site.build();
    for format in ["rss.xml", "atom.xml"] {
        let feed = parse(&built, format);
        let entry = &feed.entries[0];
        assert_eq!(
            entry.title.as_ref().unwrap().content,
            "AT&T <b> & {x} y",
            "{format}"
        );
        let body = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap();
        assert!(
            body.contains("href=\"https://blog.example.org/2021/06/01/2021/post/other/\""),
            "{format}: {body}"
        );
        assert!(
            body.contains("src=\"https://blog.example.org/2021/06/01/2021/post/pic.png\""),
            "{format}: {body}"
        );
        assert!(
            !body.contains("script") && !body.contains("javascript:") && !body.contains("onclick"),
            "{format}"
        );
        assert!(
            body.contains("end ]]&gt; of cdata"),
            "{format}: the CDATA section survived: {body}"
        );
        assert!(!body.contains('\u{1}'));
    }
}

#[test]
fn summary_comes_from_more_marker_then_description_then_text() {
    let site = Site::new();
    site.add("a.md", "---\ntitle: A\ndate: 2021-01-03T00:00:00Z\ndescription: ignored when there is a marker\n---\nHead *part*.\n\n<!-- more -->\n\nTail part.\n")
        .add("b.md", "---\ntitle: B\ndate: 2021-01-02T00:00:00Z\ndescription: The description & more\n---\nBody.\n")
        .add("c.md", &format!("---\ntitle: C\ndate: 2021-01-01T00:00:00Z\n---\n{}\n", "word ".repeat(200)));
    let built = site.build();
    let feed = parse(&built, "rss.xml");
    let summary = |i: usize| feed.entries[i].summary.as_ref().unwrap().content.clone();
    assert!(
        summary(0).contains("<em>part</em>") && !summary(0).contains("Tail"),
        "{}",
        summary(0)
    );
    assert_eq!(summary(1), "The description &amp; more");
    let c = summary(2);
    assert!(c.ends_with("word…") && c.chars().count() < 310, "{c}");
    let full = feed.entries[0]
        .content
        .as_ref()
        .and_then(|c| c.body.clone())
        .unwrap();
    assert!(full.contains("Tail part."));
}

#[test]
fn duplicate_ids_are_reported_naming_both_files_and_both_posts_kept() {
    let site = Site::new();
    site.add(
        "a.md",
        "---\ntitle: A\ndate: 2021-01-01T00:00:00Z\nid: same\n---\na\n",
    )
    .add(
        "b.md",
        "---\ntitle: B\ndate: 2021-01-02T00:00:00Z\nid: same\n---\nb\n",
    );
    let built = site.build();
    let feed = parse(&built, "atom.xml");
    assert_eq!(feed.entries.len(), 2);
    assert_ne!(feed.entries[0].id, feed.entries[1].id);
    let dup = built
        .findings
        .iter()
        .find(|f| f.rule == "post.duplicate-id")
        .expect("a duplicate-id finding");
    assert!(
        dup.path.ends_with("b.md") && dup.message.contains("a.md"),
        "{dup}"
    );
    assert_eq!(dup.line, Some(4));
}

#[test]
fn opml_and_index_list_every_feed() {
    let site = Site::new();
    site.add(
        "a.md",
        &post("A", "2021-01-01T00:00:00Z", "[金融, 新浪财经]"),
    );
    let built = site.build();
    let feeds: Vec<&String> = built.files.keys().filter(|k| k.ends_with(".xml")).collect();
    assert_eq!(feeds.len(), 6);
    let opml = String::from_utf8(built.files["feeds.opml"].bytes.clone()).unwrap();
    let doc = roxmltree::Document::parse(&opml).expect("OPML is XML");
    let outlines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("outline"))
        .collect();
    assert_eq!(outlines.len(), 6);
    assert!(outlines
        .iter()
        .all(|o| o.attribute("xmlUrl").is_some() && o.attribute("text").is_some()));
    let index = String::from_utf8(built.files["index.html"].bytes.clone()).unwrap();
    assert!(index.contains("<link rel=\"alternate\" type=\"application/rss+xml\""));
    assert!(index.contains("<link rel=\"alternate\" type=\"application/atom+xml\""));
    assert_eq!(index.matches("<li ").count(), 6);
}

#[test]
fn tag_feeds_when_enabled() {
    let site = Site::new();
    site.add(
        "a.md",
        "---\ntitle: A\ndate: 2021-01-01T00:00:00Z\ntags: [Rust, web]\n---\na\n",
    )
    .add(
        "b.md",
        "---\ntitle: B\ndate: 2021-01-02T00:00:00Z\ntags: [web]\n---\nb\n",
    );
    let mut cfg = site.config();
    assert!(!build(&cfg).unwrap().files.contains_key("tags/web/rss.xml"));
    cfg.feeds.tags = true;
    let built = build(&cfg).unwrap();
    assert_eq!(titles(&parse(&built, "tags/web/rss.xml")), ["B", "A"]);
    assert_eq!(titles(&parse(&built, "tags/rust/atom.xml")), ["A"]);
}

#[test]
fn cli_builds_without_a_config_file_and_sets_exit_codes() {
    let site = Site::new();
    site.add("good.md", &post("Good", "2021-01-01T00:00:00Z", "[A]"))
        .add(
            "bad.md",
            "---\ntitle: [unclosed\ndate: 2021-01-01T00:00:00Z\n---\nx\n",
        );
    let run = |extra: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(site.dir.path())
            .args(["build", "--posts"])
            .arg(site.posts())
            .arg("--out")
            .arg(site.out())
            .args(extra);
        cmd.output().unwrap()
    };
    let out = run(&["--base-url", "https://blog.example.org/"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rejected post gives exit 1: {stderr}"
    );
    assert!(
        stderr.contains("bad.md:3: "),
        "diagnostic names file and line: {stderr}"
    );
    assert!(stderr.contains("2 posts read, 1 published"), "{stderr}");
    assert!(
        site.out().join("categories/a/rss.xml").is_file(),
        "the good post still publishes"
    );

    std::fs::remove_file(site.posts().join("bad.md")).unwrap();
    let out = run(&["--base-url", "https://blog.example.org/"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2), "no base_url: could not run");

    let out = bin()
        .args([
            "build",
            "--posts",
            "/nonexistent/posts",
            "--base-url",
            "https://x.org/",
        ])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/posts"));

    std::fs::write(site.dir.path().join("bad.yaml"), "title: x\nfeeds: [oops\n").unwrap();
    let out = bin()
        .args(["build", "--config", "bad.yaml"])
        .current_dir(site.dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.yaml:"));
}

/// The bundled example site, built as `feedwright build` does from the repository root.
fn example() -> Built {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cfg = Config::from_file(&root.join("feedwright.yaml")).unwrap();
    cfg.posts = root.join(&cfg.posts);
    cfg.out = root.join(&cfg.out);
    build(&cfg).unwrap()
}

#[test]
fn seed_article_publishes_with_title_date_categories_image_and_clean_content() {
    let built = example();
    let seed_title = "遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布";
    let image = "https://n.sinaimg.cn/sinakd20210814s/200/w1080h720/20210814/7e2e-2887fe5f172093b67e465d3d8cec141c.jpg";
    let mut seen = BTreeMap::new();
    for (rel, file) in &built.files {
        if !rel.ends_with(".xml") {
            continue;
        }
        let feed = feed_rs::parser::parse(&file.bytes[..]).unwrap();
        if let Some(e) = feed
            .entries
            .iter()
            .find(|e| e.title.as_ref().unwrap().content == seed_title)
        {
            seen.insert(rel.clone(), e.clone());
        }
    }
    let expected = [
        "atom.xml",
        "categories/金融/atom.xml",
        "categories/金融/rss.xml",
        "categories/金融/新浪财经/atom.xml",
        "categories/金融/新浪财经/rss.xml",
        "categories/金融/新浪财经/新浪财经-国內/atom.xml",
        "categories/金融/新浪财经/新浪财经-国內/rss.xml",
        "rss.xml",
    ];
    assert_eq!(
        seen.keys().map(String::as_str).collect::<Vec<_>>(),
        expected
    );
    for (rel, e) in &seen {
        assert_eq!(
            e.published.unwrap().to_rfc3339(),
            "2021-08-14T09:59:23+00:00",
            "{rel}"
        );
        let body = e.content.as_ref().and_then(|c| c.body.clone()).unwrap();
        assert!(
            !body.contains("<style")
                && !body.contains("article_adlist")
                && !body.contains("cms-style"),
            "{rel}"
        );
        assert!(body.matches("<p").count() >= 8, "{rel}: paragraphs kept");
        assert!(
            body.contains(&format!("<img src=\"{image}\"")),
            "{rel}: images kept"
        );
        let media_image = e
            .media
            .iter()
            .flat_map(|m| m.thumbnails.iter().map(|t| t.image.uri.clone()))
            .chain(
                e.links
                    .iter()
                    .filter(|l| l.rel.as_deref() == Some("enclosure"))
                    .map(|l| l.href.clone()),
            )
            .next();
        assert_eq!(
            media_image.as_deref(),
            Some(image),
            "{rel}: headimg is the entry's image"
        );
    }
    let atom = String::from_utf8(built.files["atom.xml"].bytes.clone()).unwrap();
    assert!(atom.contains(&format!(
        "<link href=\"{image}\" rel=\"enclosure\" type=\"image/jpeg\"/>"
    )));
}

#[test]
fn example_site_publishes_every_post_but_the_drafts() {
    let built = example();
    let errors: Vec<String> = built.findings.iter().map(|f| f.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(built.skipped, 2, "the draft and the unpublished post");
    assert_eq!(built.published, built.read - 2);
    let site = parse(&built, "rss.xml");
    assert!(titles(&site)
        .iter()
        .all(|t| t != "An unfinished idea" && t != "Not for publication"));
}

#[test]
fn summary_only_feeds_carry_no_full_content() {
    let site = Site::new();
    site.add(
        "a.md",
        "---\ntitle: A\ndate: 2021-01-03T00:00:00Z\n---\nHead.\n\n<!-- more -->\n\nSecret tail.\n",
    );
    let mut cfg = site.config();
    cfg.feeds.content = feedwright::config::Content::Summary;
    let built = build(&cfg).unwrap();
    for format in ["rss.xml", "atom.xml"] {
        let text = String::from_utf8(built.files[format].bytes.clone()).unwrap();
        assert!(
            text.contains("Head.") && !text.contains("Secret tail"),
            "{format}: {text}"
        );
        assert!(parse(&built, format).entries[0].summary.is_some());
    }
}

#[test]
fn build_lints_every_feed_it_writes() {
    let site = Site::new();
    site.add("a.md", &post("A", "2021-01-01T00:00:00Z", "[X]"));
    let mut cfg = site.config();
    cfg.language = Some("not a language!".to_string());
    let built = build(&cfg).unwrap();
    let lint: Vec<_> = built
        .findings
        .iter()
        .filter(|f| f.class.as_deref() == Some("InvalidLanguage"))
        .collect();
    // One per feed written: the site feed and the category, in both formats.
    assert_eq!(lint.len(), 4, "{lint:#?}");
    assert!(lint
        .iter()
        .any(|f| f.path.ends_with("categories/x/atom.xml") && f.line.is_some()));
}
