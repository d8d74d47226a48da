//! `feedwright lint`: each rule family on small literal feeds (rule, W3C class, line
//! and column), a feed served over real HTTP with a wrong media type and charset,
//! and the command line's exit codes.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::Command;

use feedwright::lint::{lint_bytes, lint_url};
use feedwright::report::{Finding, Severity};

/// A clean RSS 2.0 feed; `{channel}` and `{item}` are replaced by extra markup.
const RSS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>Example</title>
<link>https://example.com/</link>
<description>An example feed</description>
<atom:link href="https://example.com/rss.xml" rel="self" type="application/rss+xml"/>
{channel}<item>
<title>First</title>
<link>https://example.com/first/</link>
<guid>https://example.com/first/</guid>
<pubDate>Sat, 14 Aug 2021 09:59:23 +0000</pubDate>
{item}</item>
</channel>
</rss>
"#;

/// A clean Atom feed; `{feed}` and `{entry}` are replaced by extra markup.
const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>Example</title>
<id>https://example.com/atom.xml</id>
<updated>2021-08-14T09:59:23Z</updated>
<link rel="self" href="https://example.com/atom.xml"/>
<author><name>Jane Doe</name></author>
{feed}<entry>
<title>First</title>
<id>https://example.com/first/</id>
<updated>2021-08-14T09:59:23Z</updated>
<link href="https://example.com/first/"/>
<summary>Some text.</summary>
{entry}</entry>
</feed>
"#;

fn rss(channel: &str, item: &str) -> String {
    RSS.replace("{channel}", channel).replace("{item}", item)
}

fn atom(feed: &str, entry: &str) -> String {
    ATOM.replace("{feed}", feed).replace("{entry}", entry)
}

fn lint(doc: &str) -> Vec<Finding> {
    lint_bytes(doc.as_bytes(), "feed.xml", None)
}

/// The one finding of `class`, asserting there is exactly one.
fn only<'a>(findings: &'a [Finding], class: &str) -> &'a Finding {
    let of: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.class.as_deref() == Some(class))
        .collect();
    assert_eq!(of.len(), 1, "one {class} expected in {findings:#?}");
    of[0]
}

fn assert_at(f: &Finding, rule: &str, severity: Severity, line: usize, column: usize) {
    assert_eq!(f.rule, rule, "{f:?}");
    assert_eq!(f.severity, severity, "{f:?}");
    assert_eq!((f.line, f.column), (Some(line), Some(column)), "{f:?}");
    assert_eq!(f.path, "feed.xml");
}

#[test]
fn clean_feeds_have_no_findings() {
    assert_eq!(lint(&rss("", "")), vec![]);
    assert_eq!(lint(&atom("", "")), vec![]);
}

#[test]
fn not_well_formed_xml_is_one_sax_error_with_its_place() {
    let f = lint("<rss version=\"2.0\">\n<channel>\n<title>x</titel>\n</channel></rss>");
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].class.as_deref(), Some("SAXError"));
    assert_eq!(f[0].severity, Severity::Error);
    assert_eq!(f[0].line, Some(3));
}

#[test]
fn bytes_that_are_not_the_declared_encoding_are_a_unicode_error() {
    let mut doc = b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>caf".to_vec();
    doc.extend_from_slice(b"\xe9</title></channel></rss>");
    let f = lint_bytes(&doc, "feed.xml", None);
    let u = only(&f, "UnicodeError");
    assert_eq!((u.line, u.column), (Some(2), Some(39)));

    // The same bytes declared as ISO-8859-1 are fine.
    let latin = String::from_utf8_lossy(&doc).replace("<?xml version=\"1.0\"?>", "");
    let mut declared = b"<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>".to_vec();
    declared.extend_from_slice(&doc[b"<?xml version=\"1.0\"?>".len()..]);
    let f = lint_bytes(&declared, "feed.xml", None);
    assert!(
        f.iter().all(|f| f.class.as_deref() != Some("UnicodeError")),
        "{latin}: {f:?}"
    );
}

#[test]
fn utf8_read_as_latin1_is_bad_characters() {
    let doc = rss("", "<description>caf\u{c3}\u{a9}</description>\n");
    let f = lint(&doc);
    assert_eq!(only(&f, "BadCharacters").severity, Severity::Warning);
}

#[test]
fn channel_must_have_title_link_and_description() {
    let doc = RSS
        .replace("<title>Example</title>\n", "")
        .replace("<link>https://example.com/</link>\n", "")
        .replace("<description>An example feed</description>\n", "")
        .replace("{channel}", "")
        .replace("{item}", "");
    let f = lint(&doc);
    assert_at(
        only(&f, "MissingTitle"),
        "lint.rss.missing-title",
        Severity::Error,
        3,
        1,
    );
    assert_at(
        only(&f, "MissingLink"),
        "lint.rss.missing-link",
        Severity::Error,
        3,
        1,
    );
    assert_at(
        only(&f, "MissingDescription"),
        "lint.rss.missing-description",
        Severity::Error,
        3,
        1,
    );
}

#[test]
fn item_needs_a_title_or_description_and_should_have_a_guid() {
    let doc = RSS
        .replace("<title>First</title>\n", "")
        .replace("<guid>https://example.com/first/</guid>\n", "")
        .replace("{channel}", "")
        .replace("{item}", "");
    let f = lint(&doc);
    assert_at(
        only(&f, "ItemMustContainTitleOrDescription"),
        "lint.rss.item-title-or-description",
        Severity::Error,
        8,
        1,
    );
    assert_at(
        only(&f, "MissingGuid"),
        "lint.rss.missing-guid",
        Severity::Warning,
        8,
        1,
    );
}

#[test]
fn rss_dates_follow_rfc_822() {
    let bad = rss("<pubDate>2021-08-14T09:59:23Z</pubDate>\n", "");
    assert_at(
        only(&lint(&bad), "InvalidRFC2822Date"),
        "lint.date.rfc822",
        Severity::Error,
        8,
        1,
    );
    let wrong_day = rss(
        "<lastBuildDate>Mon, 14 Aug 2021 09:59:23 +0000</lastBuildDate>\n",
        "",
    );
    assert_at(
        only(&lint(&wrong_day), "IncorrectDOW"),
        "lint.date.day-of-week",
        Severity::Error,
        8,
        1,
    );
    let odd = rss("<pubDate>Sat,14 Aug 2021 09:59:23 +0000</pubDate>\n", "");
    assert_eq!(
        only(&lint(&odd), "ProblematicalRFC822Date").severity,
        Severity::Warning
    );
    let old = rss("<pubDate>Fri, 06 May 1983 09:00:00 GMT</pubDate>\n", "");
    assert_eq!(
        only(&lint(&old), "ImplausibleDate").severity,
        Severity::Warning
    );
}

#[test]
fn atom_dates_follow_rfc_3339() {
    let doc = atom("", "<published>2021-08-14 09:59:23</published>\n");
    assert_at(
        only(&lint(&doc), "InvalidRFC3339Date"),
        "lint.date.rfc3339",
        Severity::Error,
        14,
        1,
    );
}

#[test]
fn links_must_be_absolute_urls_without_bad_characters() {
    let rel = rss("", "<comments>/first/#comments</comments>\n");
    assert_at(
        only(&lint(&rel), "InvalidFullLink"),
        "lint.url.not-absolute",
        Severity::Error,
        13,
        1,
    );
    let space = rss("", "<comments>https://example.com/a b</comments>\n");
    assert_at(
        only(&lint(&space), "InvalidUriChar"),
        "lint.url.char",
        Severity::Error,
        13,
        1,
    );
}

#[test]
fn relative_references_inside_html_content() {
    let doc = rss(
        "",
        "<description>&lt;a href=\"/about/\"&gt;about&lt;/a&gt;</description>\n",
    );
    assert_at(
        only(&lint(&doc), "ContainsRelRef"),
        "lint.url.relative-in-content",
        Severity::Warning,
        13,
        1,
    );
}

#[test]
fn guid_rules() {
    let not_url = rss("", "").replace(
        "<guid>https://example.com/first/</guid>",
        "<guid>example.com/first</guid>",
    );
    assert_eq!(only(&lint(&not_url), "InvalidHttpGUID").line, Some(11));
    let tag = rss("", "").replace(
        "<guid>https://example.com/first/</guid>",
        "<guid>tag:example.com,2021:first</guid>",
    );
    assert_eq!(
        only(&lint(&tag), "InvalidPermalink").severity,
        Severity::Error
    );
    let short = rss("", "").replace(
        "<guid>https://example.com/first/</guid>",
        "<guid isPermaLink=\"false\">42</guid>",
    );
    assert_eq!(
        only(&lint(&short), "NotSufficientlyUnique").severity,
        Severity::Warning
    );
    let twice = rss(
        "",
        "</item>\n<item><title>Second</title><guid>https://example.com/first/</guid>\n",
    );
    assert_at(
        only(&lint(&twice), "DuplicateValue"),
        "lint.rss.duplicate-value",
        Severity::Error,
        14,
        28,
    );
}

#[test]
fn rss_email_addresses() {
    let no_addr = rss("<managingEditor>Jane Doe</managingEditor>\n", "");
    assert_at(
        only(&lint(&no_addr), "InvalidContact"),
        "lint.rss.email",
        Severity::Error,
        8,
        1,
    );
    let no_name = rss("", "<author>jane@example.com</author>\n");
    assert_eq!(
        only(&lint(&no_name), "MissingRealName").severity,
        Severity::Warning
    );
    let fine = rss("", "<author>jane@example.com (Jane Doe)</author>\n");
    assert_eq!(lint(&fine), vec![]);
}

#[test]
fn core_element_and_extension_with_the_same_meaning() {
    let doc = rss(
        "",
        "<dc:date xmlns:dc=\"http://purl.org/dc/elements/1.1/\">2021-08-14T09:59:23Z</dc:date>\n",
    );
    assert_at(
        only(&lint(&doc), "DuplicateItemSemantics"),
        "lint.rss.duplicate-semantics",
        Severity::Warning,
        13,
        1,
    );
}

#[test]
fn self_links() {
    let no_self = rss("", "").replace(
        "<atom:link href=\"https://example.com/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>\n",
        "",
    );
    assert_at(
        only(&lint(&no_self), "MissingAtomSelfLink"),
        "lint.rss.missing-self",
        Severity::Warning,
        3,
        1,
    );
    let atom_no_self = atom("", "").replace(
        "<link rel=\"self\" href=\"https://example.com/atom.xml\"/>\n",
        "",
    );
    assert_eq!(only(&lint(&atom_no_self), "MissingSelf").line, Some(2));
    let relative = atom("", "").replace(
        "href=\"https://example.com/atom.xml\"",
        "href=\"/atom.xml\"",
    );
    assert_at(
        only(&lint(&relative), "RelativeSelf"),
        "lint.self.relative",
        Severity::Warning,
        6,
        18,
    );
    // Published somewhere else than the self link says.
    let f = lint_bytes(
        atom("", "").as_bytes(),
        "https://mirror.example.net/atom.xml",
        Some("https://mirror.example.net/atom.xml"),
    );
    assert_eq!(only(&f, "SelfDoesntMatchLocation").line, Some(6));
    let f = lint_bytes(
        atom("", "").as_bytes(),
        "x",
        Some("https://example.com/atom.xml"),
    );
    assert_eq!(f, vec![]);
}

#[test]
fn enclosure_and_category_attributes() {
    let missing = rss(
        "",
        "<enclosure url=\"https://example.com/a.mp3\" type=\"audio/mpeg\"/>\n",
    );
    assert_at(
        only(&lint(&missing), "MissingAttribute"),
        "lint.attribute.missing",
        Severity::Error,
        13,
        1,
    );
    let bad = rss(
        "",
        "<enclosure url=\"https://example.com/a.mp3\" length=\"big\" type=\"audio\"/>\n",
    );
    let f = lint(&bad);
    assert_at(
        only(&f, "InvalidIntegerAttribute"),
        "lint.rss.integer-attribute",
        Severity::Error,
        13,
        44,
    );
    assert_at(
        only(&f, "InvalidMIMEAttribute"),
        "lint.rss.mime-attribute",
        Severity::Error,
        13,
        57,
    );
    let category = atom("", "<category scheme=\"https://example.com/tags\"/>\n");
    assert_eq!(only(&lint(&category), "MissingAttribute").line, Some(14));
}

#[test]
fn language_codes() {
    let doc = rss("<language>english</language>\n", "");
    assert_at(
        only(&lint(&doc), "InvalidLanguage"),
        "lint.language",
        Severity::Error,
        8,
        1,
    );
    assert_eq!(lint(&rss("<language>zh-CN</language>\n", "")), vec![]);
}

#[test]
fn html_where_text_belongs() {
    let title = rss("", "").replace("<title>First</title>", "<title>&lt;b>First&lt;/b></title>");
    assert_at(
        only(&lint(&title), "ContainsHTML"),
        "lint.html.in-text",
        Severity::Warning,
        9,
        1,
    );
    let atom_title =
        atom("", "").replace("<title>First</title>", "<title>&lt;b>First&lt;/b></title>");
    assert_eq!(
        only(&lint(&atom_title), "ContainsUndeclaredHTML").line,
        Some(9)
    );
    let not_html = atom("", "<content type=\"html\">&lt;a</content>\n");
    assert_eq!(only(&lint(&not_html), "NotHtml").line, Some(14));
    let no_div = atom("", "<content type=\"xhtml\">just text</content>\n");
    assert_at(
        only(&lint(&no_div), "MissingXhtmlDiv"),
        "lint.atom.xhtml-div",
        Severity::Error,
        14,
        1,
    );
}

#[test]
fn unsafe_markup() {
    let script = rss(
        "",
        "<description>&lt;script>alert(1)&lt;/script></description>\n",
    );
    assert_at(
        only(&lint(&script), "SecurityRisk"),
        "lint.html.security-risk",
        Severity::Warning,
        13,
        1,
    );
    let handler = atom(
        "",
        "<content type=\"html\">&lt;img src=\"https://example.com/a.png\" onerror=\"x()\"></content>\n",
    );
    assert_eq!(only(&lint(&handler), "SecurityRiskAttr").line, Some(14));
}

#[test]
fn undefined_elements_and_unknown_namespaces() {
    let doc = rss("<generatorr>x</generatorr>\n", "");
    assert_at(
        only(&lint(&doc), "UndefinedElement"),
        "lint.element.undefined",
        Severity::Error,
        8,
        1,
    );
    let doc = atom("<x:y xmlns:x=\"http://example.com/ns\">z</x:y>\n", "");
    assert_at(
        only(&lint(&doc), "UnknownNamespace"),
        "lint.element.unknown-namespace",
        Severity::Warning,
        8,
        1,
    );
}

#[test]
fn channel_image_rules() {
    let doc = rss(
        "<image><url>https://example.com/logo.png</url><title>Other</title><link>https://example.com/</link><width>500</width></image>\n",
        "",
    );
    let f = lint(&doc);
    assert_at(
        only(&f, "InvalidWidth"),
        "lint.rss.image-width",
        Severity::Error,
        8,
        100,
    );
    assert_eq!(
        only(&f, "ImageTitleDoesntMatch").severity,
        Severity::Warning
    );
}

#[test]
fn atom_author_content_and_id_rules() {
    let no_author = atom("", "").replace("<author><name>Jane Doe</name></author>\n", "");
    assert_at(
        only(&lint(&no_author), "MissingElement"),
        "lint.element.missing",
        Severity::Error,
        7,
        1,
    );
    let no_content = atom("", "")
        .replace("<link href=\"https://example.com/first/\"/>\n", "")
        .replace("<summary>Some text.</summary>\n", "");
    let f = lint(&no_content);
    assert_eq!(only(&f, "MissingContentOrAlternate").line, Some(8));
    assert_eq!(
        only(&f, "MissingTextualContent").severity,
        Severity::Warning
    );
    let twice = atom("", "</entry>\n<entry><title>Again</title><id>https://example.com/first/</id><updated>2021-08-14T09:59:23Z</updated><link href=\"https://example.com/again/\"/>\n");
    assert_eq!(
        only(&lint(&twice), "DuplicateEntries").severity,
        Severity::Warning
    );
    let noncanonical = atom("", "").replace(
        "<id>https://example.com/first/</id>",
        "<id>HTTPS://Example.com/first/</id>",
    );
    assert_eq!(only(&lint(&noncanonical), "NonCanonicalURI").line, Some(10));
    let tag = atom("", "").replace(
        "<id>https://example.com/first/</id>",
        "<id>tag:example.com:first</id>",
    );
    assert_at(
        only(&lint(&tag), "InvalidTAG"),
        "lint.url.tag",
        Severity::Error,
        10,
        1,
    );
}

#[test]
fn rss_09x_and_rss_10_are_recognised() {
    let rss091 = "<?xml version=\"1.0\"?>\n<rss version=\"0.91\"><channel><title>t</title><link>https://example.com/</link><description>d</description><language>en</language><item><title>i</title><link>https://example.com/i</link></item></channel></rss>";
    assert_eq!(lint(rss091), vec![]);
    let rdf = r#"<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
<channel rdf:about="https://example.com/">
<title>t</title><link>https://example.com/</link><description>d</description>
<items><rdf:Seq><rdf:li rdf:resource="https://example.com/i"/></rdf:Seq></items>
</channel>
<item rdf:about="https://example.com/i"><title>i</title><link>https://example.com/i</link></item>
</rdf:RDF>"#;
    assert_eq!(lint(rdf), vec![]);
    let no_link = rdf.replace("<link>https://example.com/i</link>", "");
    assert_eq!(only(&lint(&no_link), "MissingElement").line, Some(7));
}

/// Serves `body` with `content_type` to every request on 127.0.0.1, in a thread.
fn serve(body: &'static str, content_type: &'static str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local addr");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut stream = reader.into_inner();
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    format!("http://{addr}/feed.xml")
}

fn served_feed() -> &'static str {
    // The self link must match the URL, which is only known once bound: the
    // tests check the HTTP findings and ignore the self-link ones.
    Box::leak(rss("", "").into_boxed_str())
}

#[test]
fn url_served_as_html_with_the_wrong_charset() {
    let url = serve(served_feed(), "text/html; charset=iso-8859-1");
    let f = lint_url(&url).expect("the local server answers");
    assert_eq!(only(&f, "UnexpectedContentType").path, url);
    assert_eq!(only(&f, "EncodingMismatch").severity, Severity::Warning);
    assert!(f.iter().all(|f| f.severity != Severity::Error), "{f:?}");
}

#[test]
fn url_served_as_generic_xml() {
    let url = serve(served_feed(), "application/xml; charset=utf-8");
    let f = lint_url(&url).expect("the local server answers");
    assert_eq!(
        only(&f, "NonSpecificMediaType").rule,
        "lint.http.media-type"
    );
    assert!(f
        .iter()
        .all(|f| f.class.as_deref() != Some("EncodingMismatch")));
    let url = serve(served_feed(), "application/rss+xml; charset=utf-8");
    let f = lint_url(&url).expect("the local server answers");
    let http: Vec<_> = f
        .iter()
        .filter(|f| f.rule.starts_with("lint.http"))
        .collect();
    assert!(http.is_empty(), "{http:?}");
    // Fetched from elsewhere than its self link says.
    assert_eq!(
        only(&f, "SelfDoesntMatchLocation").severity,
        Severity::Warning
    );
}

fn feedwright(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_feedwright"))
        .args(args)
        .output()
        .expect("run feedwright");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = dir.path().join("clean.xml");
    std::fs::write(&clean, rss("", "")).expect("write");
    let warns = dir.path().join("warns.xml");
    std::fs::write(&warns, rss("", "<author>jane@example.com</author>\n")).expect("write");
    let broken = dir.path().join("broken.xml");
    std::fs::write(&broken, "<rss version=\"2.0\"><channel>").expect("write");
    let s = |p: &std::path::Path| p.to_str().expect("utf-8 path").to_string();

    let (code, _, err) = feedwright(&["lint", &s(&clean)]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("0 errors, 0 warnings"), "{err}");

    let (code, _, err) = feedwright(&["lint", &s(&warns)]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warns.xml:13:1: warning[lint.rss.email-real-name]:")
            && err.contains("(MissingRealName)"),
        "{err}"
    );
    let (code, _, _) = feedwright(&["lint", "--deny-warnings", &s(&warns)]);
    assert_eq!(code, 1);

    let (code, out, _) = feedwright(&["lint", "--format", "json", &s(&broken), &s(&clean)]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&out).expect("json output");
    assert_eq!(json["summary"]["errors"], 1);
    assert_eq!(json["findings"][0]["class"], "SAXError");
    assert_eq!(json["findings"][0]["rule"], "lint.xml.not-well-formed");
    assert_eq!(json["findings"][0]["line"], 1);

    let (code, _, err) = feedwright(&["lint", &s(&dir.path().join("missing.xml"))]);
    assert_eq!(code, 2, "{err}");

    // A URL nothing listens on cannot be linted: exit 2.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    };
    let (code, _, err) = feedwright(&["lint", &format!("http://127.0.0.1:{port}/feed.xml")]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn each_unknown_namespace_is_reported_once() {
    let mut items = String::new();
    for i in 0..2000 {
        items.push_str(&format!(
            "<x:e{i} xmlns:x=\"http://example.com/{}\"/>\n",
            i % 7
        ));
    }
    let f = lint(&rss(&items, ""));
    assert_eq!(
        f.iter()
            .filter(|f| f.class.as_deref() == Some("UnknownNamespace"))
            .count(),
        7
    );
}

#[test]
fn truncated_or_corrupted_input_never_panics() {
    let rss_doc = rss(
        "<pubDate>Sat, 14 Aug 2021 09:59:23 +0000</pubDate>\n",
        "<description>&lt;p style=\"color: red\"&gt;caf\u{e9} &lt;a href=\"/x%2F\"&gt;x&lt;/a&gt;</description>\n<author>j@example.com (J\u{fc}rgen)</author>\n",
    );
    let atom_doc = atom(
        "",
        "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\">\u{4e2d}<b>x</b></div></content>\n",
    );
    let mut linted_clean = 0;
    for doc in [rss_doc, atom_doc] {
        for (i, _) in doc.char_indices() {
            // Every prefix, and the document with one character replaced by a
            // multi-byte one (inside dates, URLs, entities, tags…).
            let _ = lint(&doc[..i]);
            let mut changed = doc.clone();
            let c = changed[i..].chars().next().expect("a char at a char index");
            changed.replace_range(i..i + c.len_utf8(), "\u{e9}");
            if lint(&changed)
                .iter()
                .all(|f| f.class.as_deref() != Some("SAXError"))
            {
                linted_clean += 1;
            }
        }
    }
    // Most replacements land in text and values, past the parser.
    assert!(linted_clean > 500, "{linted_clean}");
}

#[test]
fn feeds_as_published_are_checked_with_their_url_and_media_type() {
    use feedwright::lint::lint_published;
    let doc = rss("", "");
    let url = "https://example.com/rss.xml";
    assert_eq!(
        lint_published(
            doc.as_bytes(),
            "rss.xml",
            url,
            "application/rss+xml; charset=utf-8"
        ),
        vec![]
    );
    let f = lint_published(doc.as_bytes(), "rss.xml", url, "text/plain; charset=utf-8");
    assert_eq!(only(&f, "UnexpectedContentType").path, "rss.xml");
    let f = lint_published(
        doc.as_bytes(),
        "rss.xml",
        "https://example.com/categories/news/rss.xml",
        "application/rss+xml; charset=utf-8",
    );
    assert_eq!(only(&f, "SelfDoesntMatchLocation").line, Some(7));
}

#[test]
fn floods_of_children_are_reported_once_each_without_quadratic_work() {
    // 100,000 repeats of an element allowed once and 100,000 distinct undefined
    // elements in one item: every repeat and every stranger is looked at, but none
    // against all the others (that would be 10^10 steps: this test would not end).
    let n = 100_000;
    let repeats = "<content:encoded>x</content:encoded>".repeat(n);
    let strangers: String = (0..n).map(|i| format!("<x{i}/>")).collect();
    let doc = rss("", &format!("{repeats}{strangers}")).replace(
        "<rss version=\"2.0\"",
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"",
    );
    let findings = lint(&doc);
    let count = |class: &str| {
        findings
            .iter()
            .filter(|f| f.class.as_deref() == Some(class))
            .count()
    };
    assert_eq!(
        count("DuplicateElement"),
        1,
        "the second content:encoded only"
    );
    assert_eq!(count("UndefinedElement"), n);
}

#[test]
fn a_batch_of_feeds_gets_the_findings_each_feed_would_get_alone() {
    use feedwright::lint::{lint_published, Batch};
    const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
    const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
    let (rss_url, atom_url) = (
        "https://example.com/rss.xml",
        "https://example.com/atom.xml",
    );
    let markup = "&lt;p&gt;See &lt;a href=\"/about/\"&gt;about&lt;/a&gt;.&lt;/p&gt;";
    let atom_doc = atom("", &format!("<content type=\"html\">{markup}</content>\n"));
    let rss_doc = rss("", &format!("<description>{markup}</description>\n"));
    let rss_later = rss(
        "<ttl>60</ttl>\n",
        &format!("<description>{markup}</description>\n"),
    );
    let batch = Batch::default();
    // In Atom a relative reference resolves against the document: the text is clean.
    let alone = lint_published(atom_doc.as_bytes(), "atom.xml", atom_url, ATOM_TYPE);
    assert_eq!(alone, vec![]);
    let f = batch.lint_published(atom_doc.as_bytes(), "atom.xml", atom_url, ATOM_TYPE);
    assert_eq!(f, alone);
    // The same text in RSS is still a relative reference, in every feed that holds
    // it, each time at its own place.
    for (doc, line) in [(&rss_doc, 13), (&rss_later, 14), (&rss_doc, 13)] {
        let f = batch.lint_published(doc.as_bytes(), "rss.xml", rss_url, RSS_TYPE);
        assert_eq!(only(&f, "ContainsRelRef").line, Some(line));
        assert_eq!(
            f,
            lint_published(doc.as_bytes(), "rss.xml", rss_url, RSS_TYPE)
        );
    }
    // A text clean in RSS is clean in Atom too, and stays clean in both.
    let fine =
        "&lt;p&gt;See &lt;a href=\"https://example.com/about/\"&gt;about&lt;/a&gt;.&lt;/p&gt;";
    let rss_fine = rss("", &format!("<description>{fine}</description>\n"));
    let atom_fine = atom("", &format!("<content type=\"html\">{fine}</content>\n"));
    for _ in 0..2 {
        let f = batch.lint_published(rss_fine.as_bytes(), "rss.xml", rss_url, RSS_TYPE);
        assert_eq!(f, vec![]);
        let f = batch.lint_published(atom_fine.as_bytes(), "atom.xml", atom_url, ATOM_TYPE);
        assert_eq!(f, vec![]);
    }
}
