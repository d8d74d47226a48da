//! Body → feed-safe HTML. Markdown goes through pulldown-cmark, HTML stays as written;
//! both are sanitized by ammonia (no script, style, event handlers or `javascript:`),
//! relative URLs are made absolute against the post's own URL (many readers ignore
//! `xml:base`), and a summary is cut. The result is an [`Entry`], all a feed needs.
//! Markdown without raw HTML skips ammonia's parse: [`markdown`] writes from its
//! events the very bytes ammonia would have written.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use pulldown_cmark::{html, Options, Parser};
use url::Url;

use crate::load::{BodyFormat, Post};
use crate::report::Finding;

mod markdown;

/// Plain-text summaries are cut near this many characters.
pub const SUMMARY_CHARS: usize = 300;

/// An image that stands for the entry (`media:thumbnail`, Atom enclosure link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    pub mime: &'static str,
}

/// One post, rendered for feeds. Text fields are plain text without characters XML
/// forbids; `summary` and `content` are sanitized HTML with absolute URLs.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: String,
    pub url: String,
    pub title: String,
    pub published: DateTime<FixedOffset>,
    /// `updated`/`lastmod`, else the publication date.
    pub updated: DateTime<FixedOffset>,
    pub author: Option<String>,
    /// Each category hierarchy, outermost first.
    pub categories: Vec<Vec<String>>,
    pub tags: Vec<String>,
    pub summary: String,
    pub content: String,
    pub image: Option<Image>,
    /// The post file this entry comes from.
    pub source: String,
}

/// Renders one post. `url` is its permalink, `id` its entry id. Fails only when the
/// body can no longer be read from disk.
pub fn render(post: &Post, url: &str, id: &str) -> Result<Entry, Box<Finding>> {
    Renderer::default().render(post, url, id)
}

/// Body text → sanitized HTML with absolute URLs.
pub fn to_html(body: &str, format: BodyFormat, base: Option<&Url>) -> String {
    Renderer::default().to_html(body, format, base)
}

/// Renders many posts with one sanitizer (its allow-lists are built once): a build
/// keeps one per worker thread.
pub struct Renderer {
    sanitizer: ammonia::Builder<'static>,
    /// What the sanitizer keeps of pulldown-cmark's markup, when Markdown without
    /// raw HTML can skip it (see [`markdown`]).
    markdown: Option<markdown::Policy>,
}

impl Default for Renderer {
    fn default() -> Renderer {
        let sanitizer = sanitizer();
        Renderer {
            markdown: markdown::Policy::of(&sanitizer),
            sanitizer,
        }
    }
}

impl Renderer {
    /// See [`render`].
    pub fn render(&mut self, post: &Post, url: &str, id: &str) -> Result<Entry, Box<Finding>> {
        let body = post.body_text().map_err(|e| {
            Box::new(Finding::error(
                "post.read",
                post.path.display().to_string(),
                None,
                format!("cannot read body: {e}"),
            ))
        })?;
        let base = Url::parse(url).ok();
        let (head, has_more) = split_more(&body);
        let content = self.to_html(&body, post.format, base.as_ref());
        let summary = if has_more {
            self.to_html(head, post.format, base.as_ref())
        } else if let Some(d) = post.description.as_deref().filter(|d| !d.trim().is_empty()) {
            escape_html(&xml_clean(&decode_entities(d)))
        } else {
            excerpt(&content, SUMMARY_CHARS)
        };
        let image = post.image.as_deref().and_then(|src| {
            let src = src.trim();
            if src.is_empty() {
                return None;
            }
            let abs = match &base {
                Some(b) => b.join(src).ok()?.to_string(),
                None => Url::parse(src).ok()?.to_string(),
            };
            Some(Image {
                mime: image_mime(&abs),
                url: abs,
            })
        });
        let clean = |s: &str| xml_clean(&decode_entities(s)).trim().to_string();
        Ok(Entry {
            id: xml_clean(id).into_owned(),
            url: url.to_string(),
            title: clean(&post.title),
            published: post.date,
            updated: post.updated.unwrap_or(post.date).max(post.date),
            author: post.author.as_deref().map(clean).filter(|a| !a.is_empty()),
            categories: post
                .categories
                .iter()
                .map(|h| h.iter().map(|c| clean(c)).collect())
                .collect(),
            tags: post.tags.iter().map(|t| clean(t)).collect(),
            summary,
            content,
            image,
            source: post.path.display().to_string(),
        })
    }

    /// See [`to_html`].
    pub fn to_html(&mut self, body: &str, format: BodyFormat, base: Option<&Url>) -> String {
        let raw = match format {
            BodyFormat::Html => Cow::Borrowed(body),
            BodyFormat::Markdown => match self.markdown_direct(body, base) {
                Some(clean) => return clean,
                None => Cow::Owned(markdown_to_html(body)),
            },
        };
        self.sanitize(&raw, base)
    }

    /// Markdown without raw HTML, written sanitized straight from its events; `None`
    /// when the body needs the sanitizer (see [`markdown`]).
    /// A body it declines is parsed again by the full path: buffering the events
    /// instead would cost far more memory than the text on pathological posts.
    fn markdown_direct(&self, body: &str, base: Option<&Url>) -> Option<String> {
        let policy = self.markdown.as_ref()?;
        let events = Parser::new_ext(body, markdown_options());
        let clean = markdown::write(events, body.len(), base, policy)?;
        Some(match xml_clean(&clean) {
            Cow::Borrowed(_) => clean,
            Cow::Owned(fixed) => fixed,
        })
    }

    /// HTML → sanitized HTML with absolute URLs: ammonia's whole work.
    fn sanitize(&mut self, raw: &str, base: Option<&Url>) -> String {
        let raw = xml_clean(raw);
        self.sanitizer.url_relative(match base {
            Some(u) => ammonia::UrlRelative::RewriteWithBase(u.clone()),
            None => ammonia::UrlRelative::PassThrough,
        });
        // Serialized straight into a buffer of about the right size (what the
        // document's `to_string` gives, without its two extra copies).
        let mut out = Vec::with_capacity(raw.len() + raw.len() / 8 + 64);
        self.sanitizer
            .clean(&raw)
            .write_to(&mut out)
            .expect("writing to a Vec cannot fail");
        let cleaned = String::from_utf8(out).expect("the HTML serializer writes UTF-8");
        // Character references such as `&#1;` decode to characters XML forbids.
        match xml_clean(&cleaned) {
            Cow::Borrowed(_) => cleaned,
            Cow::Owned(fixed) => fixed,
        }
    }
}

/// Splits a body at `<!-- more -->`: the part before it, and whether it was there.
pub fn split_more(body: &str) -> (&str, bool) {
    let mut from = 0;
    while let Some(i) = body[from..].find("<!--") {
        let start = from + i;
        let rest = &body[start + 4..];
        let inner = rest.trim_start();
        if let Some(after) = inner.strip_prefix("more") {
            if after.trim_start().starts_with("-->") {
                return (&body[..start], true);
            }
        }
        from = start + 4;
    }
    (body, false)
}

/// Body text → HTML exactly as the author wrote it: Markdown rendered with the same
/// options as [`to_html`], nothing sanitized and no URL rewritten. The link checker
/// reads this, because the sanitizer drops the very URLs it must report
/// (`javascript:`, empty `href`s).
pub fn raw_html(body: &str, format: BodyFormat) -> Cow<'_, str> {
    match format {
        BodyFormat::Html => Cow::Borrowed(body),
        BodyFormat::Markdown => Cow::Owned(markdown_to_html(body)),
    }
}

/// Markdown → HTML with tables, footnotes, strikethrough and task lists.
fn markdown_to_html(body: &str) -> String {
    let mut out = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(body, markdown_options()));
    out
}

/// The Markdown extensions bodies may use: tables, footnotes, strikethrough and
/// task lists.
fn markdown_options() -> Options {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_FOOTNOTES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    opts
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.add_tags(["video", "audio", "source", "picture"]);
    b.add_tag_attributes("img", ["referrerpolicy", "loading"]);
    b.add_tag_attributes("video", ["src", "controls", "poster", "width", "height"]);
    b.add_tag_attributes("audio", ["src", "controls"]);
    b.add_tag_attributes("source", ["src", "type"]);
    b.add_tag_attributes("a", ["title"]);
    b.add_tag_attributes("ol", ["type"]);
    b
}

/// A plain-text summary of sanitized HTML: its text, cut after about `max`
/// characters at a word (or, in scripts without spaces, a character) boundary, never
/// inside a tag or an entity. The result is HTML-escaped text.
pub fn excerpt(html: &str, max: usize) -> String {
    // One character of slack tells whether the text goes on past `max`.
    let text = html_text(html, max + 1);
    if text.chars().count() <= max {
        return escape_html(&text);
    }
    let cut_at = text.char_indices().nth(max).map_or(text.len(), |(i, _)| i);
    let head = &text[..cut_at];
    // Prefer the last space, unless that throws away most of the text (CJK).
    let cut = match head.rfind(' ') {
        Some(i) if i >= cut_at / 2 => &head[..i],
        _ => head,
    };
    format!("{}…", escape_html(cut.trim_end()))
}

/// The text of sanitized HTML (as ammonia serializes it), whitespace folded, up to
/// `max` characters. Block-level tags separate words; entities are decoded.
pub fn html_text(html: &str, max: usize) -> String {
    let mut out = String::with_capacity(max.min(html.len()) + 4);
    let mut count = 0;
    let mut space = false;
    let push = |out: &mut String, c: char, space: &mut bool, count: &mut usize| {
        if c.is_whitespace() {
            *space = true;
            return;
        }
        if *space && !out.is_empty() {
            out.push(' ');
            *count += 1;
        }
        *space = false;
        out.push(c);
        *count += 1;
    };
    // Walked byte by byte: tags, entities and ASCII text are decided on one byte;
    // only other characters are decoded.
    let bytes = html.as_bytes();
    let mut i = 0;
    while count < max && i < bytes.len() {
        match bytes[i] {
            b'<' => {
                // Skip the tag, minding quoted attribute values.
                let mut end = bytes.len();
                let mut j = i + 1;
                while let Some(n) = memchr::memchr3(b'>', b'"', b'\'', &bytes[j..]) {
                    let at = j + n;
                    if bytes[at] == b'>' {
                        end = at + 1;
                        break;
                    }
                    // A quoted value: on past its closing quote.
                    match memchr::memchr(bytes[at], &bytes[at + 1..]) {
                        Some(close) => j = at + 1 + close + 1,
                        None => break,
                    }
                }
                let tag = &html[i + 1..end.max(i + 1)];
                let tag = tag.trim_start_matches('/');
                let name = &tag[..tag
                    .bytes()
                    .position(|b| !b.is_ascii_alphanumeric())
                    .unwrap_or(tag.len())];
                // Tag names are short; lower-case them on the stack.
                let mut lower = [0u8; 12];
                let block = name.len() <= lower.len() && {
                    let lower = &mut lower[..name.len()];
                    lower.copy_from_slice(name.as_bytes());
                    lower.make_ascii_lowercase();
                    std::str::from_utf8(lower).is_ok_and(is_block)
                };
                if block {
                    space = true;
                }
                i = end;
            }
            b'&' => {
                let rest = &html[i..];
                // Bytes, not characters: the window may end inside one.
                let end = memchr::memchr(b';', &rest.as_bytes()[..rest.len().min(12)]);
                let decoded = end.and_then(|e| match &rest[1..e] {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" | "#39" => Some('\''),
                    "nbsp" => Some(' '),
                    num if num.starts_with("#x") || num.starts_with("#X") => {
                        u32::from_str_radix(&num[2..], 16)
                            .ok()
                            .and_then(char::from_u32)
                    }
                    num if num.starts_with('#') => num[1..].parse().ok().and_then(char::from_u32),
                    _ => None,
                });
                match (decoded, end) {
                    (Some(d), Some(e)) => {
                        push(&mut out, d, &mut space, &mut count);
                        i += e + 1;
                    }
                    _ => {
                        push(&mut out, '&', &mut space, &mut count);
                        i += 1;
                    }
                }
            }
            // ASCII whitespace as char::is_whitespace has it (tab to CR, space).
            b'\t'..=b'\r' | b' ' => {
                space = true;
                i += 1;
            }
            b if b.is_ascii() => {
                push(&mut out, char::from(b), &mut space, &mut count);
                i += 1;
            }
            _ => {
                let c = html[i..].chars().next().expect("a character starts here");
                push(&mut out, c, &mut space, &mut count);
                i += c.len_utf8();
            }
        }
    }
    out
}

fn is_block(tag: &str) -> bool {
    matches!(
        tag,
        "p" | "div"
            | "br"
            | "li"
            | "ul"
            | "ol"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "tr"
            | "td"
            | "th"
            | "table"
            | "blockquote"
            | "pre"
            | "figure"
            | "figcaption"
            | "hr"
            | "img"
            | "article"
            | "section"
            | "header"
            | "footer"
            | "dd"
            | "dt"
            | "dl"
    )
}

/// Decodes HTML entities (`&nbsp;`, `&#123;`, `&amp;`) in plain text, leaving anything
/// that looks like a tag literal: `AT&T <b>` stays `AT&T <b>`.
pub fn decode_entities(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let guarded = text.replace('<', "&lt;");
    let frag = scraper::Html::parse_fragment(&guarded);
    let decoded: String = frag.root_element().text().collect();
    Cow::Owned(decoded.replace('\u{a0}', " "))
}

/// Escapes text for HTML or XML content.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// Removes characters XML 1.0 forbids (controls other than tab, LF, CR; U+FFFE/FFFF).
pub fn xml_clean(text: &str) -> Cow<'_, str> {
    if !has_xml_forbidden(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    Cow::Owned(text.chars().filter(|&c| !bad(c)).collect())
}

/// Whether UTF-8 text holds a character XML 1.0 forbids (what [`xml_clean`] removes).
/// Every body passes here twice and every linted feed once, so it looks at 64-byte
/// blocks without branches (the compiler vectorizes them) and at single bytes only
/// in a block that holds a C0 control or 0xEF, the lead byte of U+FFFE/U+FFFF.
pub fn has_xml_forbidden(b: &[u8]) -> bool {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { has_xml_forbidden_avx2(b) };
    }
    forbidden_in(b)
}

/// [`has_xml_forbidden`] compiled for AVX2: the same code, 32 bytes a step.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn has_xml_forbidden_avx2(b: &[u8]) -> bool {
    forbidden_in(b)
}

#[inline(always)]
fn forbidden_in(b: &[u8]) -> bool {
    let control = |c: u8| c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r');
    let flag = |c: u8| {
        u8::from((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r')) | u8::from(c == 0xEF)
    };
    let suspect = |chunk: &[u8]| match <&[u8; 64]>::try_from(chunk) {
        Ok(block) => block.iter().fold(0, |acc, &c| acc | flag(c)) != 0,
        Err(_) => chunk.iter().fold(0, |acc, &c| acc | flag(c)) != 0,
    };
    b.chunks(64).enumerate().any(|(k, chunk)| {
        if !suspect(chunk) {
            return false;
        }
        chunk.iter().enumerate().any(|(j, &c)| {
            if c == 0xEF {
                // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
                let i = k * 64 + j;
                b.get(i + 1) == Some(&0xBF) && matches!(b.get(i + 2), Some(0xBE | 0xBF))
            } else {
                control(c)
            }
        })
    })
}

/// The MIME type of an image URL, from its extension (JPEG when unknown).
pub fn image_mime(url: &str) -> &'static str {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        Some("avif") => "image/avif",
        Some("bmp") => "image/bmp",
        Some("ico") => "image/x-icon",
        _ => "image/jpeg",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_decoded_tags_kept_literal() {
        assert_eq!(
            decode_entities("a&nbsp;b &#123; AT&T <b>"),
            "a b { AT&T <b>"
        );
        assert_eq!(decode_entities("plain"), "plain");
    }

    #[test]
    fn more_marker_splits() {
        assert_eq!(split_more("intro\n<!-- more -->\nrest"), ("intro\n", true));
        assert_eq!(split_more("intro<!--more-->rest"), ("intro", true));
        assert_eq!(
            split_more("no marker <!-- x -->"),
            ("no marker <!-- x -->", false)
        );
    }

    #[test]
    fn sanitizes_and_absolutizes() {
        let base = Url::parse("https://x.org/2021/a/").unwrap();
        let html = to_html(
            "<p onclick=\"x()\">Hi <a href=\"javascript:alert(1)\">j</a> <img src=\"pic.png\" alt=\"p\"></p><script>bad()</script><style>p{}</style>",
            BodyFormat::Html,
            Some(&base),
        );
        assert!(
            !html.contains("onclick") && !html.contains("script") && !html.contains("javascript")
        );
        assert!(!html.contains("p{}"));
        assert!(
            html.contains("src=\"https://x.org/2021/a/pic.png\""),
            "{html}"
        );
    }

    #[test]
    fn markdown_extensions() {
        let html = to_html(
            "| a | b |\n|---|---|\n| 1 | 2 |\n\n~~gone~~ x[^1]\n\n[^1]: note\n",
            BodyFormat::Markdown,
            None,
        );
        assert!(
            html.contains("<table>") && html.contains("<del>") || html.contains("<s>"),
            "{html}"
        );
    }

    #[test]
    fn text_of_html_with_a_bare_ampersand_before_wide_characters() {
        // The entity window (12 bytes) ends inside 中: it once cut a character.
        assert_eq!(html_text("&<p>word中文", 50), "& word中文");
        assert_eq!(
            html_text("a &amp; <b title='x>y'>b</b>&#x4E2D;", 50),
            "a & b中"
        );
    }

    #[test]
    fn excerpt_cuts_between_words_and_never_inside_entities() {
        let long = format!("<p>{}</p>", "word &amp; ".repeat(100));
        let e = excerpt(&long, 50);
        assert!(e.ends_with('…'));
        assert!(!e.contains("&am…") && !e.ends_with("&…"));
        let cjk = format!("<p>{}</p>", "汉字".repeat(300));
        assert_eq!(excerpt(&cjk, 10).chars().count(), 11);
        assert_eq!(
            excerpt("<p>short &lt;b&gt;</p><p title=\"a>b\">two</p>", 50),
            "short &lt;b&gt; two"
        );
    }

    #[test]
    fn forbidden_xml_chars_removed() {
        assert_eq!(xml_clean("a\u{1}b\u{fffe}c\td"), "ab".to_string() + "c\td");
        // Every position in short texts, and around the end of a 64-byte block.
        for len in (1..20).chain(60..70) {
            for at in 0..len {
                for bad in ['\u{0}', '\u{8}', '\u{b}', '\u{1f}', '\u{fffe}', '\u{ffff}'] {
                    let mut text: String = "x\n\r\t ".chars().cycle().take(len).collect();
                    text.insert(at, bad);
                    let want: String = text.chars().filter(|&c| c != bad).collect();
                    assert_eq!(xml_clean(&text), want, "{text:?}");
                }
                let fine: String = "a\tb\nc\r\u{fffd}é".chars().cycle().take(len).collect();
                assert!(matches!(xml_clean(&fine), Cow::Borrowed(_)), "{fine:?}");
            }
        }
    }
}
