//! The loader on real files in temporary folders: every accepted shape of post, and
//! one test per kind of bad input, each checking that the diagnostic names the file
//! and its line and that the other posts of the folder still load.

use std::path::Path;

use chrono_tz::Tz;
use feedwright::load::{self, BodyFormat, LoadOptions, Loaded, Outcome, Post};
use feedwright::report::{Finding, Severity};
use tempfile::TempDir;

const GOOD: &str = "---\ntitle: Good\ndate: 2020-01-02 03:04:05 +0000\n---\nfine\n";

/// A posts folder holding `files` (relative path, bytes).
fn site(files: &[(&str, &[u8])]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (rel, bytes) in files {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

fn load_in(dir: &Path, tz: Tz, keep_bodies: bool) -> Loaded {
    load::load_dir(
        dir,
        LoadOptions {
            timezone: tz,
            keep_bodies,
        },
    )
    .unwrap()
}

fn load(dir: &TempDir) -> Loaded {
    load_in(dir.path(), chrono_tz::UTC, false)
}

fn post<'a>(loaded: &'a Loaded, rel: &str) -> &'a Post {
    loaded
        .posts
        .iter()
        .find(|p| p.rel == rel)
        .unwrap_or_else(|| panic!("{rel} not published: {:#?}", loaded.findings))
}

/// Loads a folder with `good.md` and `bad` (named `name`), and returns the one finding
/// about the bad file, after checking that the good post still published.
fn only_finding(name: &str, bad: &[u8]) -> Finding {
    let dir = site(&[("good.md", GOOD.as_bytes()), (name, bad)]);
    let loaded = load(&dir);
    assert_eq!(loaded.read, 2);
    assert_eq!(post(&loaded, "good.md").title, "Good");
    assert_eq!(loaded.posts.len(), 1, "{name} must not publish");
    let [f] = loaded.findings.as_slice() else {
        panic!("one finding expected, got {:#?}", loaded.findings)
    };
    assert_eq!(f.path, dir.path().join(name).display().to_string());
    f.clone()
}

/// Parses one post from text.
fn parse(rel: &str, text: &str, tz: Tz) -> (Outcome, Vec<Finding>) {
    let mut findings = Vec::new();
    let outcome = load::parse_post(Path::new(rel), rel, text, tz, &mut findings);
    (outcome, findings)
}

fn published(rel: &str, text: &str) -> Post {
    match parse(rel, text, chrono_tz::UTC) {
        (Outcome::Published(p), _) => *p,
        (other, findings) => panic!("{rel}: {other:?} {findings:#?}"),
    }
}

// ---- bad input: one finding naming file and line; the rest still loads ----

#[test]
fn bad_yaml_is_reported_at_its_line_in_the_file() {
    let f = only_finding(
        "bad.md",
        b"\n---\ntitle: fine\nsummary: a: b\ndate: 2020-01-01\n---\nbody\n",
    );
    assert_eq!(
        (f.severity, f.rule.as_str(), f.line),
        (Severity::Error, "post.front-matter", Some(4))
    );
    assert!(f.message.contains("invalid YAML"), "{f}");
    assert!(f.to_string().starts_with("error: "), "{f}");
    assert!(f.to_string().contains("bad.md:4: "), "{f}");
}

#[test]
fn bad_toml_is_reported_at_its_line_in_the_file() {
    let f = only_finding("bad.md", b"+++\ntitle = \"a\"\n\ndate = = 2\n+++\nbody\n");
    assert_eq!(
        (f.rule.as_str(), f.line),
        ("post.front-matter", Some(4)),
        "{f}"
    );
    assert!(f.message.contains("invalid TOML"), "{f}");
}

#[test]
fn unclosed_fence_is_reported_at_the_opening_fence() {
    let f = only_finding("open.md", b"\n\n---\ntitle: a\ndate: 2020-01-01\nbody\n");
    assert_eq!(
        (f.rule.as_str(), f.line),
        ("post.front-matter", Some(3)),
        "{f}"
    );
    assert!(f.message.contains("never closed"), "{f}");
}

#[test]
fn file_without_front_matter_is_reported() {
    let f = only_finding("2020-01-01-plain.md", b"![img](a.png)\n\nJust text.\n");
    assert_eq!(
        (f.rule.as_str(), f.line),
        ("post.front-matter", Some(1)),
        "{f}"
    );
    assert!(f.message.contains("no front matter"), "{f}");
}

#[test]
fn unreadable_date_is_an_error_at_the_date_line() {
    let f = only_finding(
        "bad-date.md",
        b"---\ntitle: a\n\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nbody\n",
    );
    assert_eq!(
        (f.severity, f.rule.as_str(), f.line),
        (Severity::Error, "post.date", Some(4)),
        "{f}"
    );
    assert!(f.message.contains("2023-01-29 18:30:22 2023 -0800"), "{f}");
}

#[test]
fn unreadable_date_falls_back_to_the_file_name_with_a_warning() {
    let dir = site(&[(
        "2023-01-29-jekyll.markdown",
        b"---\ntitle: a\ndate: 2023-01-29 18:30:22 2023 -0800\n---\nbody\n",
    )]);
    let loaded = load(&dir);
    let p = post(&loaded, "2023-01-29-jekyll.markdown");
    assert_eq!(p.date.to_rfc3339(), "2023-01-29T00:00:00+00:00");
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!((f.severity, f.line), (Severity::Warning, Some(3)), "{f}");
    assert!(f.message.contains("file name"), "{f}");
}

#[test]
fn post_without_any_date_is_skipped_with_a_warning() {
    let f = only_finding("undated.md", b"---\ntitle: No date\n---\nbody\n");
    assert_eq!(
        (f.severity, f.rule.as_str(), f.line),
        (Severity::Warning, "post.date", Some(1)),
        "{f}"
    );
    assert!(f.message.contains("no date"), "{f}");
}

#[test]
fn undecodable_bytes_are_reported_at_their_line() {
    let f = only_finding(
        "binary.md",
        b"---\r\ntitle: a\r\ndate: 2020-01-01\r\n---\r\nbody \xff\xfe\x00\x81\x00 x\n",
    );
    assert_eq!(
        (f.severity, f.rule.as_str(), f.line),
        (Severity::Error, "post.encoding", Some(5)),
        "{f}"
    );
    assert!(f.message.contains("not UTF-8"), "{f}");
}

#[test]
fn tab_that_cannot_be_read_as_spaces_is_reported() {
    let f = only_finding(
        "tabs.md",
        b"---\ntitle: a\ndate: 2020-01-01\n\tnested: b\n---\nbody\n",
    );
    assert_eq!(
        (f.rule.as_str(), f.line),
        ("post.front-matter", Some(4)),
        "{f}"
    );
    assert!(f.message.contains("tab"), "{f}");
}

#[test]
fn front_matter_that_is_not_a_mapping_is_reported() {
    let f = only_finding("list.md", b"---\n- a\n- b\n---\nbody\n");
    assert_eq!(
        (f.rule.as_str(), f.line),
        ("post.front-matter", Some(2)),
        "{f}"
    );
}

#[test]
fn a_huge_file_is_reported_not_read_whole() {
    let dir = site(&[("good.md", GOOD.as_bytes())]);
    let huge = std::fs::File::create(dir.path().join("huge.md")).unwrap();
    huge.set_len(load::MAX_POST_BYTES as u64 + (1 << 20))
        .unwrap(); // sparse: no disk used
    let loaded = load(&dir);
    assert_eq!(loaded.posts.len(), 1);
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!(
        (f.severity, f.rule.as_str()),
        (Severity::Error, "post.read")
    );
    assert!(
        f.path.ends_with("huge.md") && f.message.contains("not a post"),
        "{f}"
    );
}

/// Posts whose bytes the kernel must fetch from disk (a cold page cache, as on a
/// scheduled rebuild) are read after the others of their run, yet come out whole,
/// in file order, with every diagnostic in its place.
#[cfg(target_os = "linux")]
#[test]
fn posts_not_in_memory_load_whole_and_in_order() {
    use rustix::fs::{fadvise, Advice};
    let mut files: Vec<(String, Vec<u8>)> = (0..200)
        .map(|i| {
            let body = format!("Body of post {i}. ").repeat(1 + i % 7 * 900);
            let text = format!("---\ntitle: Post {i:03}\ndate: 2020-01-02\n---\n{body}\n");
            (format!("p{i:03}.md"), text.into_bytes())
        })
        .collect();
    files[101].1 = b"---\ntitle: Bad\ndate: 2020-13-45\n---\n".to_vec();
    let refs: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (n.as_str(), &b[..])).collect();
    let dir = site(&refs);
    for (name, _) in files.iter().step_by(2) {
        let file = std::fs::File::open(dir.path().join(name)).unwrap();
        file.sync_all().unwrap();
        fadvise(&file, 0, None, Advice::DontNeed).unwrap();
    }
    let loaded = load_in(dir.path(), chrono_tz::UTC, true);
    assert_eq!(loaded.read, 200);
    let titles: Vec<String> = loaded.posts.iter().map(|p| p.title.clone()).collect();
    let expected: Vec<String> = (0..200)
        .filter(|&i| i != 101)
        .map(|i| format!("Post {i:03}"))
        .collect();
    assert_eq!(titles, expected);
    for p in &loaded.posts {
        let (_, text) = files.iter().find(|(n, _)| *n == p.rel).unwrap();
        let text = std::str::from_utf8(text).unwrap();
        assert_eq!(
            p.body.as_deref(),
            text.split_once("---\n")
                .unwrap()
                .1
                .split_once("---\n")
                .map(|(_, b)| b),
            "{}",
            p.rel
        );
    }
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert!(f.path.ends_with("p101.md") && f.line == Some(3), "{f}");
}

#[test]
fn a_missing_folder_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load::load_dir(
        &dir.path().join("nope"),
        LoadOptions {
            timezone: chrono_tz::UTC,
            keep_bodies: false,
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
}

// ---- accepted shapes ----

#[test]
fn bom_and_blank_lines_before_the_fence() {
    let dir = site(&[(
        "bom.md",
        b"\xEF\xBB\xBF\n\n---\ntitle: BOM\ndate: 2020-01-02\n---\nbody\n",
    )]);
    let loaded = load_in(dir.path(), chrono_tz::UTC, true);
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
    let p = post(&loaded, "bom.md");
    assert_eq!(p.title, "BOM");
    assert_eq!(p.key_lines["title"], 4);
    assert_eq!(p.key_lines["date"], 5);
    assert_eq!(p.body_line, 7);
    assert_eq!(p.body_text().unwrap(), "body\n");
}

#[test]
fn crlf_cr_only_and_mixed_line_ends() {
    let dir = site(&[
        (
            "crlf.md",
            b"---\r\ntitle: CRLF\r\ndate: 2020-01-02\r\n---\r\nline 1\r\nline 2\r\n",
        ),
        (
            "cr.md",
            b"---\rtitle: CR\rdate: 2020-01-03\r---\rline 1\nline 2\n",
        ),
        (
            "mixed.md",
            b"+++\r\ntitle = \"Mixed\"\ndate = 2020-01-04\r\n+++\nline 1\r\nline 2\n",
        ),
    ]);
    let loaded = load_in(dir.path(), chrono_tz::UTC, true);
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
    for (rel, title, day) in [
        ("crlf.md", "CRLF", 2),
        ("cr.md", "CR", 3),
        ("mixed.md", "Mixed", 4),
    ] {
        let p = post(&loaded, rel);
        assert_eq!(p.title, title);
        assert_eq!(
            p.date.to_rfc3339(),
            format!("2020-01-0{day}T00:00:00+00:00")
        );
        assert_eq!(p.key_lines["date"], 3, "{rel}");
        assert_eq!(p.body_line, 5, "{rel}");
        assert_eq!(p.body_text().unwrap(), "line 1\nline 2\n", "{rel}");
    }
}

#[test]
fn hexo_form_without_opening_fence() {
    let p = published(
        "zh-CN/Widgets.md",
        "title: Icarus用户指南 - 挂件\ndate: 2016-01-01\ncategories:\n- Widgets\nproviders:\n    cdn: loli\n---\n<!-- more -->\nText\n",
    );
    assert_eq!(p.title, "Icarus用户指南 - 挂件");
    assert_eq!(p.date.to_rfc3339(), "2016-01-01T00:00:00+00:00");
    assert_eq!(p.categories, vec![vec!["Widgets"]]);
    assert_eq!(p.front["providers"]["cdn"], "loli");
    assert_eq!(p.key_lines["title"], 1);
    assert_eq!(p.body_line, 8);
    assert_eq!(p.format, BodyFormat::Markdown);
}

#[test]
fn toml_front_matter_with_datetimes_and_tables() {
    let p = published(
        "linkerd.md",
        "+++\ntitle = \"Linkerd\"\ndate = 2021-03-01T00:00:00Z\nlastmod = 2021-03-02\nthumbnail = \"/uploads/a.png\"\nfeatured = false\ntags = [\"Linkerd\"]\n\n[extra]\nteam = \"x\"\n+++\nbody\n",
    );
    assert_eq!(p.date.to_rfc3339(), "2021-03-01T00:00:00+00:00");
    assert_eq!(p.updated.unwrap().to_rfc3339(), "2021-03-02T00:00:00+00:00");
    assert_eq!(p.image.as_deref(), Some("/uploads/a.png"));
    assert_eq!(p.tags, vec!["Linkerd"]);
    assert_eq!(p.front["featured"], false);
    assert_eq!(p.front["extra"]["team"], "x");
    assert_eq!(p.key_lines["extra"], 9);
    assert_eq!(p.body_line, 12);
}

#[test]
fn zola_path_key_gives_the_date() {
    let p = published(
        "Core-Team.md",
        "+++\npath = \"2014/12/12/Core-Team\"\ntitle = \"Core team\"\nauthors = [\"Niko Matsakis\"]\n+++\nbody\n",
    );
    assert_eq!(p.date.to_rfc3339(), "2014-12-12T00:00:00+00:00");
    assert_eq!(p.author.as_deref(), Some("Niko Matsakis"));
}

#[test]
fn gbk_and_windows_1252_files_are_decoded() {
    let gbk_text = "---\ntitle: 遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布\ndate: 2021-08-14 09:59:23\ncategories: [金融, 新浪财经]\n---\n深圳市政府对跨境电商卖家的支持政策可能将在日后公布。\n";
    let cp_text = "---\ntitle: Security advisory for rustdoc\ndate: 2018-07-06\n---\nIt’s a bug in rustdoc’s plugin handling; we’re sorry.\n";
    let gbk = encoding_rs::GBK.encode(gbk_text).0.into_owned();
    let cp = encoding_rs::WINDOWS_1252.encode(cp_text).0.into_owned();
    let dir = site(&[("gbk.md", &gbk), ("cp1252.md", &cp)]);
    let loaded = load_in(dir.path(), chrono_tz::Asia::Shanghai, false);
    let p = post(&loaded, "gbk.md");
    assert_eq!(
        p.title,
        "遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布"
    );
    assert_eq!(p.date.to_rfc3339(), "2021-08-14T09:59:23+08:00");
    assert_eq!(p.categories, vec![vec!["金融", "新浪财经"]]);
    assert_eq!(
        p.body_text().unwrap(),
        "深圳市政府对跨境电商卖家的支持政策可能将在日后公布。\n"
    );
    let p = post(&loaded, "cp1252.md");
    assert_eq!(
        p.body_text().unwrap(),
        "It’s a bug in rustdoc’s plugin handling; we’re sorry.\n"
    );
    // Each decoded file carries a warning naming its encoding.
    let mut notes: Vec<String> = loaded.findings.iter().map(|f| f.to_string()).collect();
    notes.sort();
    assert_eq!(notes.len(), 2, "{notes:#?}");
    assert!(
        notes[0].contains("cp1252.md:1: not UTF-8: read as windows-1252"),
        "{notes:#?}"
    );
    assert!(
        notes[1].contains("gbk.md:1: not UTF-8: read as GBK"),
        "{notes:#?}"
    );
}

#[test]
fn bodies_read_back_equal_the_bodies_parsed() {
    let gbk = encoding_rs::GBK
        .encode("---\r\ntitle: 标题\r\ndate: 2020-01-01\r\n---\r\n\r\n正文第一行\r\n第二行")
        .0
        .into_owned();
    let files: [(&str, &[u8]); 4] = [
        ("gbk.md", &gbk),
        (
            "cr.md",
            b"\n---\rtitle: a\rdate: 2020-01-01\r---\r\r  indented\rlast",
        ),
        (
            "plain.md",
            b"title: x\ndate: 2020-01-01\n---\nbody --- not a fence\n---\n",
        ),
        ("empty.md", b"---\ntitle: e\ndate: 2020-01-01\n---"),
    ];
    let dir = site(&files);
    let kept = load_in(dir.path(), chrono_tz::UTC, true);
    let dropped = load_in(dir.path(), chrono_tz::UTC, false);
    assert_eq!(kept.posts.len(), 4, "{:#?}", kept.findings);
    for (k, d) in kept.posts.iter().zip(&dropped.posts) {
        assert_eq!(k.rel, d.rel);
        assert!(d.body.is_none());
        assert_eq!(
            k.body.as_deref(),
            Some(&*d.body_text().unwrap()),
            "{}",
            k.rel
        );
        assert_eq!(k.body_line, d.body_line);
    }
    assert_eq!(
        post(&kept, "gbk.md").body.as_deref(),
        Some("\n正文第一行\n第二行")
    );
    assert_eq!(post(&kept, "empty.md").body.as_deref(), Some(""));
}

#[test]
fn every_date_form_gives_its_exact_instant() {
    let ny = chrono_tz::America::New_York;
    let cases = [
        (
            "date: 2013-05-06 21:31:34 -0500",
            "2013-05-06T21:31:34-05:00",
        ),
        (
            "date: \"2013-07-25 09:08:38 +0200\"",
            "2013-07-25T09:08:38+02:00",
        ),
        (
            "date: '2014-03-19T10:14:29-04:00'",
            "2014-03-19T10:14:29-04:00",
        ),
        ("date: 2016-03-23 9:00:00 -4", "2016-03-23T09:00:00-04:00"),
        ("date: 2014-10-1 12:00:00", "2014-10-01T12:00:00-04:00"),
        ("date: 2019-01-11 22:13", "2019-01-11T22:13:00-05:00"),
        ("date: 2016-01-05", "2016-01-05T00:00:00-05:00"),
        (
            "date: 2019-09-05T15:00:00+08:00",
            "2019-09-05T15:00:00+08:00",
        ),
        (
            "date: 2020-04-01T12:30:00.000Z",
            "2020-04-01T12:30:00+00:00",
        ),
        (
            "date: Sat, 14 Aug 2021 09:59:23 GMT",
            "2021-08-14T09:59:23+00:00",
        ),
        (
            "date: Wed, 13 Mar 2019 00:00:00 +0000",
            "2019-03-13T00:00:00+00:00",
        ),
        // In New York's spring-forward gap: moved an hour on, never a panic.
        ("date: 2021-03-14 02:30:00", "2021-03-14T03:30:00-04:00"),
    ];
    for (line, want) in cases {
        let text = format!("---\ntitle: t\n{line}\n---\n");
        match parse("p.md", &text, ny) {
            (Outcome::Published(p), _) => assert_eq!(p.date.to_rfc3339(), want, "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
    for (front, want) in [
        ("date = 2021-03-01T00:00:00Z", "2021-03-01T00:00:00+00:00"),
        ("date = 2021-03-01T08:00:00", "2021-03-01T08:00:00-05:00"),
        ("date = 2019-07-31", "2019-07-31T00:00:00-04:00"),
        ("date = \"2019-08-28\"", "2019-08-28T00:00:00-04:00"),
    ] {
        let text = format!("+++\ntitle = \"t\"\n{front}\n+++\n");
        match parse("p.md", &text, ny) {
            (Outcome::Published(p), _) => assert_eq!(p.date.to_rfc3339(), want, "{front}"),
            other => panic!("{front}: {other:?}"),
        }
    }
}

#[test]
fn empty_date_counts_as_absent() {
    for empty in ["date:", "date: ''", "date: \"  \""] {
        let text = format!("---\ntitle: t\n{empty}\n---\n");
        let (outcome, findings) = parse("2019-05-04-x.md", &text, chrono_tz::UTC);
        let Outcome::Published(p) = outcome else {
            panic!("{empty}: {findings:?}")
        };
        assert!(findings.is_empty(), "{empty}: {findings:?}");
        assert_eq!(p.date.to_rfc3339(), "2019-05-04T00:00:00+00:00");
    }
}

#[test]
fn jekyll_file_name_gives_the_date_in_the_site_zone() {
    let (outcome, findings) = parse(
        "_posts/2014-06-14-hexo-2-7-released.md",
        "---\ntitle: Hexo 2.7 Released\n---\nbody\n",
        chrono_tz::Asia::Shanghai,
    );
    let Outcome::Published(p) = outcome else {
        panic!("{findings:?}")
    };
    assert!(findings.is_empty());
    assert_eq!(p.date.to_rfc3339(), "2014-06-14T00:00:00+08:00");
}

#[test]
fn categories_and_tags_in_every_shape() {
    let cats = |front: &str| {
        published(
            "p.md",
            &format!("---\ntitle: t\ndate: 2020-01-01\n{front}\n---\n"),
        )
        .categories
    };
    assert_eq!(cats("categories: \"SOFAStack\""), vec![vec!["SOFAStack"]]);
    assert_eq!(cats("category: release"), vec![vec!["release"]]);
    assert_eq!(cats("categories: [release]"), vec![vec!["release"]]);
    assert_eq!(
        cats("categories:\n - 金融\n - 新浪财经\n - 新浪财经－国內"),
        vec![vec!["金融", "新浪财经", "新浪财经－国內"]]
    );
    assert_eq!(
        cats("categories:\n- [Diary, PlayStation]\n- [Diary, Games]\n- Life"),
        vec![
            vec!["Diary", "PlayStation"],
            vec!["Diary", "Games"],
            vec!["Life"]
        ]
    );
    assert!(cats("categories:").is_empty());
    let tags = |front: &str| {
        published(
            "p.md",
            &format!("---\ntitle: t\ndate: 2020-01-01\n{front}\n---\n"),
        )
        .tags
    };
    assert_eq!(
        tags("tags: [\"SOFARPC\",\"剖析 | SOFARPC 框架\"]"),
        vec!["SOFARPC", "剖析 | SOFARPC 框架"]
    );
    assert_eq!(
        tags("tags:\n    - 前端开发\n    - JavaScript"),
        vec!["前端开发", "JavaScript"]
    );
    assert_eq!(tags("tag: news"), vec!["news"]);
    assert_eq!(tags("tags: a, b"), vec!["a", "b"]);
    assert!(tags("tags:").is_empty());
}

#[test]
fn every_understood_key_and_unknown_ones_kept() {
    let p = published(
        "p.md",
        "---\ntitle: 1.10\nversion: alfredxing\ndate: 2020-01-01\nlastmod: 2020-02-01T10:00:00Z\nauthor:\n  name: Ann\nexcerpt: Short.\nheader-img: img/x.jpg\nimage:\nlink: \"\"\nurl: /a/b/\nslug: my-post\nguid: urn:x:1\nmath: true # for formulae\n---\nbody\n",
    );
    assert_eq!(p.title, "1.10");
    assert_eq!(p.updated.unwrap().to_rfc3339(), "2020-02-01T10:00:00+00:00");
    assert_eq!(p.author.as_deref(), Some("Ann"));
    assert_eq!(p.description.as_deref(), Some("Short."));
    assert_eq!(p.image.as_deref(), Some("img/x.jpg"));
    assert_eq!(p.permalink.as_deref(), Some("/a/b/"));
    assert_eq!(p.slug.as_deref(), Some("my-post"));
    assert_eq!(p.id.as_deref(), Some("urn:x:1"));
    assert_eq!(p.front["version"], "alfredxing");
    assert_eq!(p.front["math"], true);
    assert_eq!(p.key_lines["math"], 15);
    let p = published("q.md", "---\ntitle: true\ndate: 2020-01-01\n---\n");
    assert_eq!(p.title, "true");
}

#[test]
fn builds_keep_only_the_typed_fields_and_identity_key_lines() {
    let dir = site(&[(
        "p.md",
        b"---\ntitle: t\ndate: 2020-01-01\ncomments: false\nslug: my-slug\nguid: urn:1\n---\nbody\n",
    )]);
    let build = load_in(dir.path(), chrono_tz::UTC, false);
    let p = post(&build, "p.md");
    assert!(p.front.is_empty());
    assert!(p.body.is_none());
    let lines: Vec<(&str, usize)> = p.key_lines.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(lines, [("guid", 6), ("slug", 5)]);
    assert_eq!(
        (p.slug.as_deref(), p.id.as_deref()),
        (Some("my-slug"), Some("urn:1"))
    );
    let check = load_in(dir.path(), chrono_tz::UTC, true);
    let p = post(&check, "p.md");
    assert_eq!(p.front["comments"], false);
    assert_eq!(p.key_lines.len(), 5);
    assert_eq!(p.body.as_deref(), Some("body\n"));
}

#[test]
fn missing_title_becomes_the_file_name_with_a_warning() {
    let dir = site(&[(
        "news/0.26-relnotes/index.md",
        b"---\ndate: 2017-08-07\n---\nbody\n",
    )]);
    let loaded = load(&dir);
    assert_eq!(
        post(&loaded, "news/0.26-relnotes/index.md").title,
        "0.26-relnotes"
    );
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!(
        (f.severity, f.rule.as_str(), f.line),
        (Severity::Warning, "post.title", Some(1))
    );
}

#[test]
fn drafts_and_unpublished_posts_are_skipped_silently() {
    let dir = site(&[
        ("good.md", GOOD.as_bytes()),
        ("draft.md", b"---\ntitle: d\ndraft: true\n---\n"),
        (
            "unpub.md",
            b"---\ntitle: u\npublished: false\ndate: 2020-01-01\n---\n",
        ),
        (
            "hidden-flag.md",
            b"---\ntitle: h\nhidden: true\ndate: 2020-01-01\n---\n",
        ),
        ("toml-draft.md", b"+++\ntitle = \"t\"\ndraft = true\n+++\n"),
    ]);
    let loaded = load(&dir);
    assert_eq!(loaded.read, 5);
    assert_eq!(loaded.skipped, 3);
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
    let rels: Vec<&str> = loaded.posts.iter().map(|p| p.rel.as_str()).collect();
    assert_eq!(rels, ["good.md", "hidden-flag.md"]);
}

#[test]
fn hidden_files_folders_and_editor_leftovers_are_not_read() {
    let dir = site(&[
        ("good.md", GOOD.as_bytes()),
        (".hidden.md", b"garbage"),
        (".git/HEAD.md", b"garbage"),
        ("drafts/.obsidian/x.md", b"garbage"),
        ("good.md~", b"garbage"),
        ("#good.md#", b"garbage"),
        (".good.md.swp", b"garbage"),
        ("notes.txt", b"garbage"),
        ("image.png", b"\x89PNG"),
    ]);
    let loaded = load(&dir);
    assert_eq!(loaded.read, 1);
    assert_eq!(loaded.posts.len(), 1);
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
}

#[cfg(unix)]
#[test]
fn symlink_loop_does_not_hang_the_walk() {
    let dir = site(&[("a/post.md", GOOD.as_bytes()), ("b.md", GOOD.as_bytes())]);
    std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("b.md"), dir.path().join("c.md")).unwrap();
    let loaded = load(&dir);
    let rels: Vec<&str> = loaded.posts.iter().map(|p| p.rel.as_str()).collect();
    // The linked file is a post; the loop is walked once, then reported.
    assert_eq!(rels, ["a/post.md", "b.md", "c.md"]);
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.path.ends_with("loop"), "{f}");
    assert!(f.message.contains("symlink loop"), "{f}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_a_sibling_folder_is_walked_not_taken_for_a_loop() {
    let dir = site(&[("a/x.md", GOOD.as_bytes())]);
    std::os::unix::fs::symlink(dir.path().join("a"), dir.path().join("b")).unwrap();
    let loaded = load(&dir);
    let rels: Vec<&str> = loaded.posts.iter().map(|p| p.rel.as_str()).collect();
    assert_eq!(rels, ["a/x.md", "b/x.md"]);
    assert!(loaded.findings.is_empty(), "{:#?}", loaded.findings);
}

#[cfg(unix)]
#[test]
fn dangling_symlinks_are_reported_only_when_they_name_a_post() {
    let dir = site(&[("good.md", GOOD.as_bytes())]);
    std::os::unix::fs::symlink(dir.path().join("gone.md"), dir.path().join("link.md")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("assets")).unwrap();
    let loaded = load(&dir);
    assert_eq!(loaded.posts.len(), 1);
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!(
        (f.severity, f.rule.as_str()),
        (Severity::Error, "post.read")
    );
    assert!(f.path.ends_with("link.md"), "{f}");
}

#[test]
fn walk_order_is_the_file_name_order_whatever_the_threads_do() {
    let names: Vec<String> = (0..200)
        .map(|i| format!("d{}/p{:03}.md", i % 7, (i * 37) % 200))
        .collect();
    let files: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), GOOD.as_bytes()))
        .collect();
    let dir = site(&files);
    let first: Vec<String> = load(&dir).posts.into_iter().map(|p| p.rel).collect();
    let mut sorted = first.clone();
    sorted.sort();
    assert_eq!(first, sorted);
    assert_eq!(first.len(), 200);
    let again: Vec<String> = load(&dir).posts.into_iter().map(|p| p.rel).collect();
    assert_eq!(first, again);
}

#[test]
fn body_format_from_extension_and_opening_tag() {
    let dir = site(&[
        (
            "a.html",
            b"---\ntitle: a\ndate: 2020-01-01\n---\n# not markdown\n",
        ),
        (
            "b.md",
            b"---\ntitle: b\ndate: 2020-01-01\n---\n\n  <div>\n    <p>indented</p>\n</div>\n",
        ),
        (
            "c.md",
            b"---\ntitle: c\ndate: 2020-01-01\n---\n<!-- more -->\n# Markdown\n",
        ),
        (
            "d.markdown",
            b"---\ntitle: d\ndate: 2020-01-01\n---\n<span>inline</span> text\n",
        ),
        ("e.htm", b"---\ntitle: e\ndate: 2020-01-01\n---\n<p>x</p>\n"),
    ]);
    let loaded = load(&dir);
    let formats: Vec<(&str, BodyFormat)> = loaded
        .posts
        .iter()
        .map(|p| (p.rel.as_str(), p.format))
        .collect();
    assert_eq!(
        formats,
        [
            ("a.html", BodyFormat::Html),
            ("b.md", BodyFormat::Html),
            ("c.md", BodyFormat::Markdown),
            ("d.markdown", BodyFormat::Markdown),
            ("e.htm", BodyFormat::Html),
        ]
    );
}

#[test]
fn recoverable_tabs_load_with_a_warning_at_the_tab_line() {
    let dir = site(&[(
        "tabs.md",
        b"---\ntitle: t\ndate: 2020-01-01\ntags:\n\t- melody\t\t\n---\nbody\n",
    )]);
    let loaded = load(&dir);
    assert_eq!(post(&loaded, "tabs.md").tags, vec!["melody"]);
    let [f] = loaded.findings.as_slice() else {
        panic!("{:#?}", loaded.findings)
    };
    assert_eq!((f.severity, f.line), (Severity::Warning, Some(5)), "{f}");
}

#[test]
fn mangled_posts_are_published_or_rejected_never_a_panic() {
    // 20,000 real posts and example posts, each cut, shortened or given stray
    // fences, quotes, wide characters, dates and list markers, under file names
    // with and without dates: parse_post must answer each one (the loader's panic
    // guard would turn a panic into an "internal error" rejection).
    let mut seed: u64 = 0xfeed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut texts: Vec<String> = Vec::new();
    for dir in [
        "../shared/corpus/real",
        "examples/posts",
        "../shared/corpus/seed",
    ] {
        for entry in std::fs::read_dir(dir).unwrap() {
            if let Ok(text) = std::fs::read_to_string(entry.unwrap().path()) {
                texts.push(text.chars().take(3000).collect());
            }
        }
    }
    let inserts = [
        "é",
        "中",
        "\u{3000}",
        "\u{a0}",
        "\u{feff}",
        "\0",
        "𝔘",
        ":",
        "-",
        "---",
        "+++",
        "...",
        "\n",
        "\r",
        "\r\n",
        "'",
        "\"",
        "[",
        "]",
        "{",
        "}",
        "#",
        " ",
        "\t",
        "|",
        ">",
        "~",
        "=",
        "date: ",
        "2021-13-45",
        "2014-10-01T",
        "+08:00",
        "Z",
        "categories:",
        "  - ",
        "tags: [",
        "title = \"",
        "&amp;",
        "<!-- more -->",
        "null",
        "true",
        "0x",
        "*a",
        "&a ",
        "!!str ",
        "? ",
    ];
    let names = [
        "2014-10-01-x.md",
        "a/b/index.md",
        "202é-1-01-x.md",
        "x.html",
        "é/2014-1-1-y.md",
        "_index.md",
        "2014-10-01",
        "a.markdown",
    ];
    let zones = [
        chrono_tz::UTC,
        chrono_tz::Asia::Shanghai,
        chrono_tz::America::New_York,
    ];
    let mut pick = |n: usize| (next() % n as u64) as usize;
    for round in 0..20_000 {
        let mut text = texts[pick(texts.len())].clone();
        for _ in 0..1 + pick(12) {
            let mut at = pick(text.len().max(1));
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            // The end of a cut of up to `limit` bytes from `at`, on a character.
            let end_at = |len: usize, text: &str| {
                let mut end = (at + len).min(text.len());
                while !text.is_char_boundary(end) {
                    end += 1;
                }
                end
            };
            match pick(3) {
                0 => text.insert_str(at, inserts[pick(inserts.len())]),
                1 => {
                    let end = end_at(pick(20), &text);
                    text.replace_range(at..end, "");
                }
                _ => {
                    let end = end_at(pick(200), &text);
                    text.truncate(end);
                }
            }
        }
        let name = names[round % names.len()];
        let outcome = std::panic::catch_unwind(|| {
            let mut findings = Vec::new();
            load::parse_post(
                Path::new(name),
                name,
                &text,
                zones[round % 3],
                &mut findings,
            );
        });
        assert!(
            outcome.is_ok(),
            "parse_post panicked on {name:?}:\n{text:?}"
        );
    }
}
