//! The output formats of findings (`--format`), rendered from findings built here
//! and parsed back with independent parsers: serde_json for JSON and SARIF, roxmltree
//! for JUnit.

use std::time::Duration;

use feedwright::report::{
    render, render_with, summary_line, use_color, Finding, OutputFormat, Summary,
};
use serde_json::Value;

fn findings() -> Vec<Finding> {
    vec![
        Finding::error(
            "link.broken",
            "posts/a.md",
            Some(12),
            "a href https://x.org/404 is broken: HTTP 404 Not Found",
        )
        .with_column(Some(5))
        .with_url("https://x.org/404"),
        Finding::warning(
            "image.missing-alt",
            "posts/a.md",
            Some(14),
            "img has no alt text",
        ),
        Finding::warning(
            "link.redirect",
            "posts/金融/b, c.md",
            Some(3),
            "50% moved:\nline two",
        )
        .with_column(Some(1)),
        Finding::error(
            "post.front-matter",
            "posts/broken.md",
            None,
            "no front matter",
        ),
        Finding::warning("lint.atom.self", "feeds/atom.xml", Some(2), "no self link")
            .with_class("MissingAtomSelfLink"),
    ]
}

fn summary() -> Summary {
    Summary {
        command: "check".into(),
        files: vec![
            "posts/a.md".into(),
            "posts/金融/b, c.md".into(),
            "posts/clean.md".into(),
        ],
        counts: vec![
            ("posts".into(), 3),
            ("links".into(), 1),
            ("unique_urls".into(), 7),
        ],
        elapsed: Duration::from_millis(1234),
    }
}

#[test]
fn json_is_one_object_with_findings_and_summary() {
    let text = render(OutputFormat::Json, &findings(), &summary());
    let doc: Value = serde_json::from_str(&text).unwrap();
    let list = doc["findings"].as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(
        list[0],
        serde_json::json!({
            "rule": "link.broken", "severity": "error",
            "message": "a href https://x.org/404 is broken: HTTP 404 Not Found",
            "path": "posts/a.md", "line": 12, "column": 5, "url": "https://x.org/404"
        })
    );
    // Unknown line, column and url are null; class only where there is one.
    assert_eq!(list[3]["line"], Value::Null);
    assert_eq!(list[3]["url"], Value::Null);
    assert!(list[3].get("class").is_none());
    assert_eq!(list[4]["class"], "MissingAtomSelfLink");
    let s = &doc["summary"];
    assert_eq!(s["posts"], 3);
    assert_eq!(s["unique_urls"], 7);
    assert_eq!(s["errors"], 2);
    assert_eq!(s["warnings"], 3);
    assert_eq!(s["elapsed_ms"], 1234);
}

#[test]
fn junit_has_one_testcase_per_file_with_file_and_line() {
    let text = render(OutputFormat::Junit, &findings(), &summary());
    let doc = roxmltree::Document::parse(&text).unwrap();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    // The three files looked at, plus the two only the findings name.
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let names: Vec<&str> = cases.iter().map(|c| c.attribute("name").unwrap()).collect();
    assert_eq!(
        names,
        [
            "posts/a.md",
            "posts/金融/b, c.md",
            "posts/clean.md",
            "posts/broken.md",
            "feeds/atom.xml"
        ]
    );
    assert_eq!(suite.attribute("tests"), Some("5"));
    assert_eq!(suite.attribute("failures"), Some("2"));
    let a = cases[0];
    assert_eq!(a.attribute("file"), Some("posts/a.md"));
    assert_eq!(a.attribute("line"), Some("12"));
    let failure = a.children().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.attribute("type"), Some("link.broken"));
    let body = failure.text().unwrap();
    assert!(body.contains("posts/a.md:12:5: error[link.broken]: a href https://x.org/404"));
    assert!(body.contains("posts/a.md:14: warning[image.missing-alt]"));
    // Warnings alone do not fail a file; a clean file is an empty passing case.
    let b = cases[1];
    assert!(b.children().all(|n| !n.has_tag_name("failure")));
    let out = b.children().find(|n| n.has_tag_name("system-out")).unwrap();
    assert!(out.text().unwrap().contains("50% moved:\nline two"));
    assert_eq!(cases[2].children().count(), 0);
}

#[test]
fn sarif_2_1_0_places_each_result_on_its_line() {
    let text = render(OutputFormat::Sarif, &findings(), &summary());
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "feedwright");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx], r["ruleId"]);
    }
    let first = &results[0];
    assert_eq!(first["level"], "error");
    assert_eq!(
        first["message"]["text"],
        "a href https://x.org/404 is broken: HTTP 404 Not Found"
    );
    let loc = &first["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "posts/a.md");
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(loc["region"]["startLine"], 12);
    assert_eq!(loc["region"]["startColumn"], 5);
    assert_eq!(first["properties"]["url"], "https://x.org/404");
    assert_eq!(results[1]["level"], "warning");
    // A path with spaces, commas and Unicode is a valid URI reference.
    assert_eq!(
        results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "posts/%E9%87%91%E8%9E%8D/b%2C%20c.md"
    );
    // No line known: no region at all (startLine must be ≥ 1).
    assert!(results[3]["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
}

#[test]
fn github_annotations_have_the_documented_shape() {
    let text = render(OutputFormat::Github, &findings(), &summary());
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert_eq!(
        lines[0],
        "::error file=posts/a.md,line=12,col=5,title=link.broken::a href https://x.org/404 is broken: HTTP 404 Not Found"
    );
    assert_eq!(
        lines[1],
        "::warning file=posts/a.md,line=14,title=image.missing-alt::img has no alt text"
    );
    // Property values escape `,` and `:`; messages escape `%` and newlines.
    assert_eq!(
        lines[2],
        "::warning file=posts/金融/b%2C c.md,line=3,col=1,title=link.redirect::50%25 moved:%0Aline two"
    );
    assert_eq!(
        lines[3],
        "::error file=posts/broken.md,title=post.front-matter::no front matter"
    );
    let shape = regex::Regex::new(
        r"^::(error|warning|notice) file=[^,:]+(,line=\d+(,col=\d+)?)?,title=[^,:]+::[^\r\n]*$",
    )
    .unwrap();
    for l in &lines[..5] {
        assert!(shape.is_match(l), "{l}");
    }
    // The summary closes the output as plain text, not as an annotation.
    assert!(lines[5]
        .starts_with("check: 3 posts, 1 link, 7 unique urls; 2 errors, 3 warnings in 1.23s"));
}

#[test]
fn human_groups_by_file_and_colours_only_when_asked() {
    let plain = render_with(OutputFormat::Human, &findings(), &summary(), false);
    assert_eq!(
        plain,
        "posts/a.md:12:5: error[link.broken]: a href https://x.org/404 is broken: HTTP 404 Not Found\n\
         posts/a.md:14: warning[image.missing-alt]: img has no alt text\n\
         \n\
         posts/金融/b, c.md:3:1: warning[link.redirect]: 50% moved:\nline two\n\
         \n\
         posts/broken.md: error[post.front-matter]: no front matter\n\
         \n\
         feeds/atom.xml:2: warning[lint.atom.self]: no self link (MissingAtomSelfLink)\n\
         \n\
         check: 3 posts, 1 link, 7 unique urls; 2 errors, 3 warnings in 1.23s\n"
    );
    let coloured = render_with(OutputFormat::Human, &findings(), &summary(), true);
    assert!(coloured.contains("\x1b[1;31merror[link.broken]\x1b[0m"));
    assert!(coloured.contains("\x1b[1;33mwarning[image.missing-alt]\x1b[0m"));
}

#[test]
fn colour_only_on_a_terminal_without_no_color() {
    use std::ffi::OsStr;
    assert!(use_color(true, None));
    assert!(!use_color(false, None));
    assert!(!use_color(true, Some(OsStr::new("1"))));
    // NO_COLOR set but empty does not count (no-color.org).
    assert!(use_color(true, Some(OsStr::new(""))));
}

#[test]
fn summary_line_counts_and_pluralizes() {
    let s = Summary {
        command: "lint".into(),
        files: vec![],
        counts: vec![("feeds".into(), 1), ("entries".into(), 2)],
        elapsed: Duration::from_millis(40),
    };
    let one = [Finding::error("x", "f", None, "m")];
    assert_eq!(
        summary_line(&one, &s),
        "lint: 1 feed, 2 entries; 1 error, 0 warnings in 40ms"
    );
}
