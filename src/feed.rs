//! Model in, bytes out: RSS 2.0 (the `rss` crate), Atom 1.0 (`atom_syndication`),
//! OPML and an HTML index. Pure functions — no clock, no I/O: a feed's date is its
//! newest entry's, so the same entries always give the same bytes.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset};

use crate::config::Author;
use crate::render::{escape_html, xml_clean, Entry};

const GENERATOR: &str = "feedwright";
const MEDIA_NS: &str = "http://search.yahoo.com/mrss/";

/// What a feed says about itself.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    pub description: String,
    /// The human page the feed is about (the site).
    pub site_url: String,
    /// The feed's own URL (self link), and the other format's URL if written.
    pub self_url: String,
    pub language: Option<String>,
    pub author: Option<Author>,
}

/// The feed's date: the newest entry's `updated`, or the Unix epoch for an empty feed.
pub fn feed_updated(entries: &[&Entry]) -> DateTime<FixedOffset> {
    entries
        .iter()
        .map(|e| e.updated.max(e.published))
        .max()
        .unwrap_or_else(|| DateTime::UNIX_EPOCH.fixed_offset())
}

/// Every label of an entry's categories (each node of each hierarchy) then its tags,
/// without repeats.
fn category_labels(entry: &Entry) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for label in entry.categories.iter().flatten().chain(entry.tags.iter()) {
        if !label.is_empty() && !out.contains(label) {
            out.push(label.clone());
        }
    }
    out
}

/// Writes an RSS 2.0 document.
pub fn rss(meta: &FeedMeta, entries: &[&Entry]) -> Vec<u8> {
    use rss::extension::{dublincore::DublinCoreExtension, Extension};

    let updated = feed_updated(entries);
    let mut channel = rss::Channel {
        title: xml_clean(&meta.title).into_owned(),
        link: meta.site_url.clone(),
        description: xml_clean(if meta.description.trim().is_empty() {
            &meta.title
        } else {
            &meta.description
        })
        .into_owned(),
        language: meta.language.clone(),
        // An empty feed has no date worth giving.
        last_build_date: (!entries.is_empty()).then(|| updated.to_rfc2822()),
        generator: Some(GENERATOR.to_string()),
        docs: Some("https://www.rssboard.org/rss-specification".to_string()),
        ..Default::default()
    };
    channel.atom_ext = Some(rss::extension::atom::AtomExtension {
        links: vec![atom_syndication::Link {
            href: meta.self_url.clone(),
            rel: "self".to_string(),
            mime_type: Some("application/rss+xml".to_string()),
            ..Default::default()
        }],
    });
    if entries.iter().any(|e| e.image.is_some()) {
        channel
            .namespaces
            .insert("media".to_string(), MEDIA_NS.to_string());
    }
    for e in entries {
        let mut item = rss::Item {
            title: Some(e.title.clone()),
            link: Some(e.url.clone()),
            // A summary with no text (a post of images only) gives way to the content:
            // RSS wants a description wherever there is content:encoded.
            description: [&e.summary, &e.content]
                .into_iter()
                .find(|s| !s.trim().is_empty())
                .cloned(),
            guid: Some(rss::Guid {
                value: e.id.clone(),
                permalink: e.id == e.url,
            }),
            pub_date: Some(e.published.to_rfc2822()),
            categories: category_labels(e)
                .into_iter()
                .map(|name| rss::Category { name, domain: None })
                .collect(),
            content: (!e.content.is_empty()).then(|| e.content.clone()),
            ..Default::default()
        };
        if let Some(a) = &e.author {
            item.dublin_core_ext = Some(DublinCoreExtension {
                creators: vec![a.clone()],
                ..Default::default()
            });
        }
        if let Some(img) = &e.image {
            let ext = |name: &str, attrs: &[(&str, &str)]| Extension {
                name: format!("media:{name}"),
                value: None,
                attrs: attrs
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                children: BTreeMap::new(),
            };
            let mut media = BTreeMap::new();
            media.insert(
                "thumbnail".to_string(),
                vec![ext("thumbnail", &[("url", &img.url)])],
            );
            media.insert(
                "content".to_string(),
                vec![ext(
                    "content",
                    &[("url", &img.url), ("type", img.mime), ("medium", "image")],
                )],
            );
            item.extensions.insert("media".to_string(), media);
        }
        channel.items.push(item);
    }
    let bytes = channel
        .pretty_write_to(Vec::with_capacity(size_hint(entries)), b' ', 2)
        .expect("writing XML to a Vec cannot fail");
    let mut bytes = numeric_lt(&bytes);
    bytes.push(b'\n');
    bytes
}

/// About how many bytes a feed of `entries` takes, so that the writer's buffer is
/// not grown (and copied) a dozen times on the way.
fn size_hint(entries: &[&Entry]) -> usize {
    let per_entry: usize = entries
        .iter()
        .map(|e| e.content.len() + e.summary.len() + e.title.len() + 2 * e.url.len() + 512)
        .sum();
    per_entry + 2048
}

/// Rewrites `&lt;` as `&#x3C;` outside CDATA sections. Both mean `<`, but RSS readers
/// that decode text twice (the W3C validator warns of them) would take `&lt;b>` in a
/// plain-text title for a tag; the numeric form survives them.
fn numeric_lt(xml: &[u8]) -> Vec<u8> {
    const OPEN: &[u8] = b"<![CDATA[";
    const CLOSE: &[u8] = b"]]>";
    let mut out = Vec::with_capacity(xml.len() + 64);
    let mut i = 0;
    // Copy in runs up to the next `<` or `&`: only those can start a CDATA section
    // or an `&lt;`.
    while let Some(n) = memchr::memchr2(b'<', b'&', &xml[i..]) {
        let at = i + n;
        out.extend_from_slice(&xml[i..at]);
        let rest = &xml[at..];
        if rest.starts_with(OPEN) {
            let end = memchr::memmem::find(&rest[OPEN.len()..], CLOSE)
                .map_or(xml.len(), |e| at + OPEN.len() + e + CLOSE.len());
            out.extend_from_slice(&xml[at..end]);
            i = end;
        } else if rest.starts_with(b"&lt;") {
            out.extend_from_slice(b"&#x3C;");
            i = at + 4;
        } else {
            out.push(xml[at]);
            i = at + 1;
        }
    }
    out.extend_from_slice(&xml[i..]);
    out
}

/// Writes an Atom 1.0 document. The feed id is its self URL, stable across builds.
pub fn atom(meta: &FeedMeta, entries: &[&Entry]) -> Vec<u8> {
    use atom_syndication::{Category, Content, Feed, Generator, Link, Person, Text};

    let person = |name: &str, email: Option<&String>| Person {
        name: name.to_string(),
        email: email.cloned(),
        ..Default::default()
    };
    let feed_author = meta
        .author
        .as_ref()
        .filter(|a| !a.name.trim().is_empty())
        .map(|a| person(&a.name, a.email.as_ref()));
    let mut feed = Feed {
        title: Text::plain(xml_clean(&meta.title)),
        id: meta.self_url.clone(),
        updated: feed_updated(entries),
        generator: Some(Generator {
            value: GENERATOR.to_string(),
            ..Default::default()
        }),
        links: vec![
            Link {
                href: meta.self_url.clone(),
                rel: "self".to_string(),
                mime_type: Some("application/atom+xml".to_string()),
                ..Default::default()
            },
            Link {
                href: meta.site_url.clone(),
                rel: "alternate".to_string(),
                mime_type: Some("text/html".to_string()),
                ..Default::default()
            },
        ],
        lang: meta.language.clone(),
        ..Default::default()
    };
    if !meta.description.trim().is_empty() {
        feed.subtitle = Some(Text::plain(xml_clean(&meta.description)));
    }
    // RFC 4287 §4.1.1: every entry needs an author, the feed's or its own. A feed
    // whose entries all name theirs needs none; otherwise fall back to the title.
    let all_have_author = entries.iter().all(|e| e.author.is_some());
    match feed_author {
        Some(p) => feed.authors.push(p),
        None if !all_have_author => feed.authors.push(person(&meta.title, None)),
        None => {}
    }
    for e in entries {
        let mut entry = atom_syndication::Entry {
            title: Text::plain(e.title.clone()),
            id: e.id.clone(),
            updated: e.updated.max(e.published),
            published: Some(e.published),
            links: vec![Link {
                href: e.url.clone(),
                rel: "alternate".to_string(),
                mime_type: Some("text/html".to_string()),
                ..Default::default()
            }],
            categories: category_labels(e)
                .into_iter()
                .map(|label| Category {
                    term: label.clone(),
                    scheme: None,
                    label: Some(label),
                })
                .collect(),
            summary: (!e.summary.trim().is_empty()).then(|| Text::html(e.summary.clone())),
            // The HTML goes in afterwards, as CDATA (see `with_cdata_content`).
            content: (!e.content.is_empty()).then(|| Content {
                content_type: Some("html".to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        if let Some(a) = &e.author {
            entry.authors.push(person(a, None));
        }
        if let Some(img) = &e.image {
            entry.links.push(Link {
                href: img.url.clone(),
                rel: "enclosure".to_string(),
                mime_type: Some(img.mime.to_string()),
                ..Default::default()
            });
        }
        feed.entries.push(entry);
    }
    let config = atom_syndication::WriteConfig {
        write_document_declaration: true,
        indent_size: Some(2),
    };
    let hint = size_hint(entries);
    let bytes = feed
        .write_with_config(Vec::with_capacity(hint), config)
        .expect("writing XML to a Vec cannot fail");
    let contents = entries
        .iter()
        .map(|e| e.content.as_str())
        .filter(|c| !c.is_empty());
    let mut bytes = match with_cdata_content(&bytes, contents) {
        Some(b) => b,
        None => {
            // Never expected: the writer did not write the empty elements as
            // planned. The HTML goes in through the writer, escaped.
            for (entry, e) in feed.entries.iter_mut().zip(entries) {
                if let Some(c) = &mut entry.content {
                    c.value = Some(e.content.clone());
                }
            }
            feed.write_with_config(Vec::with_capacity(hint + hint / 4), config)
                .expect("writing XML to a Vec cannot fail")
        }
    };
    bytes.push(b'\n');
    bytes
}

/// An entry's HTML content in a CDATA section, as WordPress and others write it:
/// the writer would escape every `<` and `&` (a tenth of a feed's bytes, and a pass
/// over them both to write and to read). `atom_syndication` writes only escaped
/// text, so each entry's content element is written empty and filled here, in order.
/// A `<content type="html">` tag cannot come from text (the writer escapes every `<`
/// in text), so each one found is an entry's. `None` when their number is not the
/// number of `contents`, or one is not empty.
fn with_cdata_content<'a>(
    xml: &[u8],
    contents: impl Iterator<Item = &'a str> + Clone,
) -> Option<Vec<u8>> {
    const START: &[u8] = b"<content type=\"html\">";
    const END: &[u8] = b"</content>";
    let places: Vec<usize> = memchr::memmem::find_iter(xml, START).collect();
    if places.len() != contents.clone().count() {
        return None;
    }
    let extra: usize = contents.clone().map(|c| c.len() + 32).sum();
    let mut out = Vec::with_capacity(xml.len() + extra);
    let mut from = 0;
    for (at, html) in places.into_iter().zip(contents) {
        // The pretty writer puts the end tag of an empty element on a line of its own.
        let inner = at + START.len();
        let blank = xml[inner..]
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if !xml[inner + blank..].starts_with(END) {
            return None;
        }
        out.extend_from_slice(&xml[from..inner]);
        out.extend_from_slice(b"<![CDATA[");
        // `]]>` would end the section: split it across two.
        let mut rest = html.as_bytes();
        while let Some(i) = memchr::memmem::find(rest, b"]]>") {
            out.extend_from_slice(&rest[..i + 2]);
            out.extend_from_slice(b"]]><![CDATA[");
            rest = &rest[i + 2..];
        }
        out.extend_from_slice(rest);
        out.extend_from_slice(b"]]>");
        from = inner + blank;
    }
    out.extend_from_slice(&xml[from..]);
    Some(out)
}

/// One line of the OPML file and the HTML index.
#[derive(Debug, Clone)]
pub struct FeedLink {
    pub title: String,
    /// Absolute URL of the feed.
    pub url: String,
    /// `rss` or `atom`.
    pub format: &'static str,
    /// Depth in the category tree (0 for the site feed).
    pub depth: usize,
}

/// OPML 2.0 listing every feed, for a reader to subscribe to all at once.
pub fn opml(title: &str, site_url: &str, feeds: &[FeedLink]) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<opml version=\"2.0\">\n  <head>\n",
    );
    out.push_str(&format!(
        "    <title>{}</title>\n",
        escape_html(&xml_clean(title))
    ));
    out.push_str("  </head>\n  <body>\n");
    for f in feeds {
        out.push_str(&format!(
            "    <outline type=\"rss\" version=\"{}\" text=\"{}\" title=\"{}\" xmlUrl=\"{}\" htmlUrl=\"{}\"/>\n",
            if f.format == "atom" { "ATOM" } else { "RSS2" },
            escape_html(&xml_clean(&f.title)),
            escape_html(&xml_clean(&f.title)),
            escape_html(&f.url),
            escape_html(site_url),
        ));
    }
    out.push_str("  </body>\n</opml>\n");
    out.into_bytes()
}

/// A page for people listing every feed, with `<link rel="alternate">`
/// autodiscovery for the site feeds.
pub fn index_html(
    title: &str,
    description: &str,
    language: Option<&str>,
    feeds: &[FeedLink],
) -> Vec<u8> {
    let t = escape_html(&xml_clean(title));
    let mut out = String::from("<!DOCTYPE html>\n");
    out.push_str(&format!(
        "<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{t} — feeds</title>\n",
        escape_html(language.unwrap_or("en"))
    ));
    for f in feeds.iter().filter(|f| f.depth == 0) {
        out.push_str(&format!(
            "<link rel=\"alternate\" type=\"application/{}+xml\" title=\"{}\" href=\"{}\">\n",
            f.format,
            escape_html(&xml_clean(&f.title)),
            escape_html(&f.url)
        ));
    }
    out.push_str("</head>\n<body>\n");
    out.push_str(&format!("<h1>{t}</h1>\n"));
    if !description.trim().is_empty() {
        out.push_str(&format!(
            "<p>{}</p>\n",
            escape_html(&xml_clean(description))
        ));
    }
    out.push_str("<ul>\n");
    for f in feeds {
        out.push_str(&format!(
            "<li style=\"margin-left:{}em\">{} — <a href=\"{}\">{}</a></li>\n",
            f.depth * 2,
            escape_html(&xml_clean(&f.title)),
            escape_html(&f.url),
            if f.format == "atom" { "Atom" } else { "RSS" },
        ));
    }
    out.push_str("</ul>\n<p><a href=\"feeds.opml\">OPML: all feeds</a></p>\n</body>\n</html>\n");
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_lt_only_outside_cdata() {
        let xml = b"<title>a &lt;b&gt;</title><d><![CDATA[<p>&lt;</p>]]></d>";
        assert_eq!(
            String::from_utf8(numeric_lt(xml)).unwrap(),
            "<title>a &#x3C;b&gt;</title><d><![CDATA[<p>&lt;</p>]]></d>"
        );
    }

    fn entry(i: usize, content: &str) -> Entry {
        let date = DateTime::parse_from_rfc3339("2021-08-14T09:59:23+08:00").unwrap();
        Entry {
            id: format!("https://example.com/{i}/"),
            url: format!("https://example.com/{i}/"),
            title: format!("Post {i}"),
            published: date,
            updated: date,
            author: None,
            categories: Vec::new(),
            tags: Vec::new(),
            summary: format!("Summary {i}"),
            content: content.to_string(),
            image: None,
            source: format!("{i}.md"),
        }
    }

    #[test]
    fn atom_content_goes_in_cdata_and_reads_back_as_written() {
        let contents = [
            "<p>One &amp; <a title=\"x]]>y\" href=\"https://example.com/\">two</a></p>",
            "", // no content element at all
            "<p>]]>]]]]></p>\n<pre>  <content type=\"html\"></content>  </pre>",
        ];
        let owned: Vec<Entry> = contents
            .iter()
            .enumerate()
            .map(|(i, c)| entry(i, c))
            .collect();
        let refs: Vec<&Entry> = owned.iter().collect();
        let meta = FeedMeta {
            title: "T".to_string(),
            description: String::new(),
            site_url: "https://example.com/".to_string(),
            self_url: "https://example.com/atom.xml".to_string(),
            language: None,
            author: None,
        };
        let xml = atom(&meta, &refs);
        let text = String::from_utf8(xml.clone()).unwrap();
        assert_eq!(
            text.matches("<content type=\"html\"><![CDATA[").count(),
            2,
            "{text}"
        );
        let parsed = feed_rs::parser::parse(&xml[..]).expect("feed-rs reads it");
        assert_eq!(parsed.entries.len(), 3);
        for (e, want) in parsed.entries.iter().zip(contents) {
            let got = e
                .content
                .as_ref()
                .and_then(|c| c.body.as_deref())
                .unwrap_or("");
            assert_eq!(got, want);
        }
        // The escaped form, should the writer ever change its layout.
        let places = [contents[0], contents[2]].into_iter();
        assert!(with_cdata_content(
            b"<content type=\"html\">x</content>",
            places.clone().take(1)
        )
        .is_none());
        assert!(with_cdata_content(b"<feed></feed>", places).is_none());
    }
}
