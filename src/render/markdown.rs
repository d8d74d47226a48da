//! Markdown straight to sanitized HTML, for bodies whose Markdown holds no raw HTML
//! (HTML comments such as `<!-- more -->` aside).
//!
//! pulldown-cmark's own HTML for such a body can only contain the elements and
//! attributes it writes itself, so sending it through ammonia (an html5ever parse,
//! a DOM, a serializer) changes nothing but a fixed list of details: attributes the
//! sanitizer does not allow go, links get `rel`, URLs are checked against the allowed
//! schemes and relative ones are made absolute, the task-list checkbox goes, and the
//! markup comes out in html5ever's spelling (`<br>`, `&nbsp;`). [`write`] writes
//! that result from pulldown-cmark's events directly, byte for byte what the
//! sanitizer would have written, at a fraction of the cost. Anything outside that
//! shape (raw HTML, an extension the renderer does not enable, a sanitizer allowing
//! other attributes) makes [`write`] decline, and the body takes the full path.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};
use url::Url;

use super::xml_clean;

/// What the sanitizer keeps of the markup pulldown-cmark writes, read from the
/// sanitizer itself so the two cannot drift apart.
pub(super) struct Policy {
    a_href: bool,
    a_title: bool,
    img_src: bool,
    img_alt: bool,
    img_title: bool,
    ol_start: bool,
    /// The `rel` value every link gets.
    link_rel: Option<String>,
    url_schemes: Vec<String>,
}

/// Every element [`write`] writes; the sanitizer must allow them all.
#[rustfmt::skip]
const ELEMENTS: [&str; 26] = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "ol", "ul", "li",
    "table", "thead", "tbody", "tr", "th", "td", "em", "strong", "del", "a", "img", "hr", "div",
];

/// Attributes pulldown-cmark writes that the sanitizer is expected to drop.
const DROPPED: [(&str, &str); 6] = [
    ("code", "class"),
    ("th", "style"),
    ("td", "style"),
    ("div", "class"),
    ("div", "id"),
    ("sup", "class"),
];

impl Policy {
    /// The policy of `sanitizer`, or `None` when it does something to pulldown-cmark's
    /// markup that [`write`] does not reproduce (keeps an attribute expected to go,
    /// allows classes or attribute prefixes, sets attribute values, keeps comments or
    /// the task-list checkbox).
    pub(super) fn of(sanitizer: &ammonia::Builder<'_>) -> Option<Policy> {
        let tags = sanitizer.clone_tags();
        let per_tag = sanitizer.clone_tag_attributes();
        let generic = sanitizer.clone_generic_attributes();
        let allowed = |tag: &str, attr: &str| {
            generic.contains(attr) || per_tag.get(tag).is_some_and(|a| a.contains(attr))
        };
        let plain = ELEMENTS
            .iter()
            .chain(["br", "sup"].iter())
            .all(|t| tags.contains(t))
            && !tags.contains("input")
            && DROPPED.iter().all(|&(t, a)| !allowed(t, a))
            && sanitizer.will_strip_comments()
            && sanitizer.clone_allowed_classes().is_empty()
            && sanitizer.clone_generic_attribute_prefixes().is_none()
            && sanitizer.clone_tag_attribute_values().is_empty()
            && sanitizer.clone_set_tag_attribute_values().is_empty()
            && !sanitizer.is_url_relative_custom()
            && !sanitizer.is_url_relative_rewrite_with_root()
            && !sanitizer.is_url_relative_deny();
        plain.then(|| Policy {
            a_href: allowed("a", "href"),
            a_title: allowed("a", "title"),
            img_src: allowed("img", "src"),
            img_alt: allowed("img", "alt"),
            img_title: allowed("img", "title"),
            ol_start: allowed("ol", "start"),
            link_rel: sanitizer.get_link_rel().map(str::to_string),
            url_schemes: sanitizer
                .clone_url_schemes()
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
    }
}

/// Writes the sanitized HTML of Markdown `events` (as the renderer parses them)
/// with relative URLs made absolute against `base`, or `None` when the events hold
/// something only the full sanitizer may judge (raw HTML above all).
///
/// Characters XML forbids are left in text for the caller to remove from the whole
/// (the full path removes them before html5ever reads the markup, which for text
/// and plain attributes comes to the same). URLs never hold one: pulldown-cmark
/// percent-encodes controls, and footnote names are cleaned before they become one.
///
/// `source_len` (the Markdown's length) sizes the output.
pub(super) fn write<'a>(
    events: impl Iterator<Item = Event<'a>>,
    source_len: usize,
    base: Option<&Url>,
    policy: &Policy,
) -> Option<String> {
    let mut w = Writer {
        out: String::with_capacity(source_len + source_len / 2 + 64),
        end_newline: true,
        base,
        policy,
        head: true,
        in_link: false,
        html_block: None,
        footnotes: HashMap::new(),
        events,
        after_cr: false,
    };
    while let Some(event) = w.events.next() {
        w.event(event)?;
    }
    Some(w.out)
}

/// The writer's state. `end_newline` mirrors pulldown-cmark's: whether its own HTML
/// would end in a line feed at this point, which decides where it puts the line
/// feeds between blocks.
struct Writer<'p, 'a, I> {
    out: String,
    end_newline: bool,
    base: Option<&'p Url>,
    policy: &'p Policy,
    /// Table cells are `th` in the head row, `td` after it.
    head: bool,
    in_link: bool,
    /// The lines of the HTML block being read.
    html_block: Option<String>,
    /// Footnote numbers, in order of first mention.
    footnotes: HashMap<CowStr<'a>, usize>,
    /// The events still to write.
    events: I,
    /// Whether pulldown-cmark's HTML ends in a CR of text: html5ever reads CR LF as
    /// one line feed, so a line feed written next is not written again.
    after_cr: bool,
}

impl<'a, I: Iterator<Item = Event<'a>>> Writer<'_, 'a, I> {
    /// Markup as pulldown-cmark writes it, tracking its line ends.
    fn raw(&mut self, s: &str) {
        if let Some(last) = s.as_bytes().last() {
            self.end_newline = *last == b'\n';
        }
        self.put(s);
    }

    /// `s` without the line feed that ends a CR LF pair (see `after_cr`), which a
    /// nonempty write settles.
    fn past_cr<'s>(&mut self, s: &'s str) -> &'s str {
        match !s.is_empty() && std::mem::take(&mut self.after_cr) {
            true => s.strip_prefix('\n').unwrap_or(s),
            false => s,
        }
    }

    /// Markup, minus the line feed that ends a CR LF pair.
    fn put(&mut self, s: &str) {
        let s = self.past_cr(s);
        self.out.push_str(s);
    }

    /// A text node, escaped, its line ends as html5ever reads them.
    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        let s = self.past_cr(s);
        push_escaped(&mut self.out, s, false);
        self.after_cr = s.ends_with('\r');
    }

    /// The whitespace around a comment the sanitizer drops: the comment parts it,
    /// so a CR before it and a line feed after it are two line ends.
    fn around_comment(&mut self, before: &str, after: &str) {
        self.text(before);
        self.after_cr = false;
        self.text(after);
    }

    /// A line feed unless pulldown-cmark's HTML already ends in one, then `s`.
    fn block(&mut self, s: &str) {
        if !self.end_newline {
            self.raw("\n");
        }
        self.raw(s);
    }

    fn event(&mut self, event: Event<'a>) -> Option<()> {
        match event {
            Event::Start(tag) => self.start(tag)?,
            Event::End(tag) => self.end(tag)?,
            Event::Text(text) => {
                if let Some(lines) = &mut self.html_block {
                    lines.push_str(&text);
                } else {
                    self.text(&text);
                    self.end_newline = text.ends_with('\n');
                }
            }
            Event::Code(text) => {
                self.put("<code>");
                push_escaped(&mut self.out, &text, false);
                self.raw("</code>");
            }
            Event::Html(html) => self.html_block.as_mut()?.push_str(&html),
            Event::InlineHtml(html) => {
                let (before, after) = comment_only(&html)?;
                self.around_comment(before, after);
                self.end_newline = html.ends_with('\n');
            }
            Event::SoftBreak => self.raw("\n"),
            Event::HardBreak => self.raw("<br>\n"),
            Event::Rule => self.block("<hr>\n"),
            Event::FootnoteReference(name) => {
                let href = format!("#{}", xml_clean(&name));
                let number = self.footnote(name);
                self.put("<sup>");
                self.open_link(href, "");
                self.put(&number.to_string());
                self.raw("</a></sup>");
            }
            // pulldown-cmark's `<input type="checkbox">`, which the sanitizer drops,
            // and the line feed after it, which stays (the tag parts it from any CR).
            Event::TaskListMarker(_) => {
                self.after_cr = false;
                self.raw("\n");
            }
            Event::InlineMath(_) | Event::DisplayMath(_) => return None,
        }
        Some(())
    }

    fn start(&mut self, tag: Tag<'a>) -> Option<()> {
        match tag {
            Tag::HtmlBlock => self.html_block = Some(String::new()),
            Tag::Paragraph => self.block("<p>"),
            Tag::Heading {
                level,
                id,
                classes,
                attrs,
            } => {
                if id.is_some() || !classes.is_empty() || !attrs.is_empty() {
                    return None;
                }
                self.block(&format!("<{level}>"));
            }
            Tag::Table(_) => self.raw("<table>"),
            Tag::TableHead => {
                self.head = true;
                self.raw("<thead><tr>");
            }
            Tag::TableRow => self.raw("<tr>"),
            Tag::TableCell => self.raw(if self.head { "<th>" } else { "<td>" }),
            Tag::BlockQuote(None) => self.block("<blockquote>\n"),
            // The sanitizer drops the `class` naming the language.
            Tag::CodeBlock(_) => self.block("<pre><code>"),
            Tag::List(Some(1)) => self.block("<ol>\n"),
            Tag::List(Some(start)) if self.policy.ol_start => {
                self.block(&format!("<ol start=\"{start}\">\n"))
            }
            Tag::List(Some(_)) => self.block("<ol>\n"),
            Tag::List(None) => self.block("<ul>\n"),
            Tag::Item => self.block("<li>"),
            Tag::Emphasis => self.raw("<em>"),
            Tag::Strong => self.raw("<strong>"),
            Tag::Strikethrough => self.raw("<del>"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                if self.in_link {
                    return None;
                }
                let prefix = if link_type == LinkType::Email {
                    "mailto:"
                } else {
                    ""
                };
                self.open_link(href_value(prefix, &dest_url), &title);
                self.in_link = true;
            }
            Tag::Image {
                dest_url, title, ..
            } => {
                let src = href_value("", &dest_url);
                let alt = self.alt_text();
                let mut attrs = Vec::with_capacity(3);
                if self.policy.img_src {
                    attrs.push(Attr::url("src", src));
                }
                if self.policy.img_alt {
                    attrs.push(Attr::text("alt", alt));
                }
                if !title.is_empty() && self.policy.img_title {
                    attrs.push(Attr::text("title", title.to_string()));
                }
                self.element("img", attrs);
            }
            Tag::FootnoteDefinition(name) => {
                let number = self.footnote(name);
                self.block(&format!("<div><sup>{number}</sup>"));
            }
            Tag::BlockQuote(Some(_))
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript
            | Tag::MetadataBlock(_) => return None,
        }
        Some(())
    }

    fn end(&mut self, tag: TagEnd) -> Option<()> {
        match tag {
            TagEnd::HtmlBlock => {
                let lines = self.html_block.take()?;
                let (before, after) = comment_only(&lines)?;
                self.around_comment(before, after);
                if let Some(last) = lines.as_bytes().last() {
                    self.end_newline = *last == b'\n';
                }
            }
            TagEnd::Paragraph => self.raw("</p>\n"),
            TagEnd::Heading(level) => self.raw(&format!("</{level}>\n")),
            TagEnd::Table => self.raw("</tbody></table>\n"),
            TagEnd::TableHead => {
                self.head = false;
                self.raw("</tr></thead><tbody>\n");
            }
            TagEnd::TableRow => self.raw("</tr>\n"),
            TagEnd::TableCell => self.raw(if self.head { "</th>" } else { "</td>" }),
            TagEnd::BlockQuote(_) => self.raw("</blockquote>\n"),
            TagEnd::CodeBlock => self.raw("</code></pre>\n"),
            TagEnd::List(true) => self.raw("</ol>\n"),
            TagEnd::List(false) => self.raw("</ul>\n"),
            TagEnd::Item => self.raw("</li>\n"),
            TagEnd::Emphasis => self.raw("</em>"),
            TagEnd::Strong => self.raw("</strong>"),
            TagEnd::Strikethrough => self.raw("</del>"),
            TagEnd::Link => {
                self.in_link = false;
                self.raw("</a>");
            }
            TagEnd::FootnoteDefinition => self.raw("</div>\n"),
            // An image's end is read with its text.
            TagEnd::Image => return None,
            TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::MetadataBlock(_) => return None,
        }
        Some(())
    }

    /// The number of footnote `name`: the next one on its first mention.
    fn footnote(&mut self, name: CowStr<'a>) -> usize {
        let next = self.footnotes.len() + 1;
        *self.footnotes.entry(name).or_insert(next)
    }

    /// `<a …>` with the sanitizer's attributes: `href` if allowed and safe, `title`,
    /// then `rel`.
    fn open_link(&mut self, href: String, title: &str) {
        let mut attrs = Vec::with_capacity(3);
        if self.policy.a_href {
            attrs.push(Attr::url("href", href));
        }
        if !title.is_empty() && self.policy.a_title {
            attrs.push(Attr::text("title", title.to_string()));
        }
        self.element("a", attrs);
    }

    /// Writes a start tag the way the sanitizer leaves it. In its order of work:
    /// a URL whose scheme is not allowed (or which does not parse) goes; an `a` gets
    /// `rel` at the end; a relative URL is made absolute, and one that cannot be goes
    /// by a swap with the last attribute. The tag ends in `>`, so pulldown-cmark's
    /// HTML no longer ends in a line feed.
    fn element(&mut self, name: &str, mut attrs: Vec<Attr>) {
        attrs.retain_mut(|attr| {
            if !attr.is_url {
                return true;
            }
            match Url::parse(&attr.value) {
                Ok(url) => self.policy.url_schemes.iter().any(|s| s == url.scheme()),
                Err(url::ParseError::RelativeUrlWithoutBase) => {
                    attr.relative = true;
                    true
                }
                Err(_) => false,
            }
        });
        if name == "a" {
            if let Some(rel) = &self.policy.link_rel {
                attrs.push(Attr::text("rel", rel.clone()));
            }
        }
        // Without a base, relative URLs pass as they are.
        let mut gone = Vec::new();
        if let Some(base) = self.base {
            for (i, attr) in attrs.iter_mut().enumerate() {
                if attr.relative {
                    match base.join(&attr.value) {
                        Ok(url) => attr.value = url.into(),
                        Err(_) => gone.push(i),
                    }
                }
            }
        }
        for i in gone.into_iter().rev() {
            attrs.swap_remove(i);
        }
        self.after_cr = false;
        self.out.push('<');
        self.out.push_str(name);
        for attr in &attrs {
            self.out.push(' ');
            self.out.push_str(attr.name);
            self.out.push_str("=\"");
            push_escaped(&mut self.out, &attr.value, true);
            self.out.push('"');
        }
        self.out.push('>');
        self.end_newline = false;
    }

    /// An image's text, as pulldown-cmark writes it into `alt`: the text of the
    /// events up to the image's end, a space for a line break or rule, `[n]` for a
    /// footnote mention, `[x]`/`[ ]` for a task marker; raw HTML left out.
    fn alt_text(&mut self) -> String {
        let mut alt = String::new();
        let mut depth = 0usize;
        while let Some(event) = self.events.next() {
            match event {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Html(_) => {}
                Event::InlineHtml(t) | Event::Code(t) | Event::Text(t) => alt.push_str(&t),
                Event::InlineMath(t) => {
                    alt.push('$');
                    alt.push_str(&t);
                    alt.push('$');
                }
                Event::DisplayMath(t) => {
                    alt.push_str("$$");
                    alt.push_str(&t);
                    alt.push_str("$$");
                }
                Event::SoftBreak | Event::HardBreak | Event::Rule => alt.push(' '),
                Event::FootnoteReference(name) => {
                    let number = self.footnote(name);
                    alt.push_str(&format!("[{number}]"));
                }
                Event::TaskListMarker(true) => alt.push_str("[x]"),
                Event::TaskListMarker(false) => alt.push_str("[ ]"),
            }
        }
        alt
    }
}

/// An attribute on its way through the sanitizer's rules.
struct Attr {
    name: &'static str,
    value: String,
    is_url: bool,
    relative: bool,
}

impl Attr {
    fn url(name: &'static str, value: String) -> Attr {
        Attr {
            name,
            value,
            is_url: true,
            relative: false,
        }
    }

    fn text(name: &'static str, value: String) -> Attr {
        Attr {
            name,
            value,
            is_url: false,
            relative: false,
        }
    }
}

/// A link destination as the sanitizer reads it from pulldown-cmark's `href`:
/// pulldown-cmark's percent-encoding, with the `&amp;` and `&#x27;` it writes
/// read back as `&` and `'`.
fn href_value(prefix: &str, dest: &str) -> String {
    let mut escaped = String::with_capacity(dest.len() + 8);
    pulldown_cmark_escape::escape_href(&mut escaped, dest).expect("writing to a String");
    let mut value = String::with_capacity(prefix.len() + escaped.len());
    value.push_str(prefix);
    let mut rest = escaped.as_str();
    while let Some(at) = rest.find('&') {
        value.push_str(&rest[..at]);
        let entity = &rest[at..];
        let (c, len) = if entity.starts_with("&amp;") {
            ('&', 5)
        } else if entity.starts_with("&#x27;") {
            ('\'', 6)
        } else {
            ('&', 1)
        };
        value.push(c);
        rest = &entity[len..];
    }
    value.push_str(rest);
    value
}

/// Whether `html` is one HTML comment with only spaces, tabs and line ends around
/// it (`<!-- more -->`): then the whitespace before and after it, all the sanitizer
/// keeps of it.
fn comment_only(html: &str) -> Option<(&str, &str)> {
    let start = html.find("<!--")?;
    let (before, comment) = html.split_at(start);
    let inner = &comment[4..];
    // `<!-->` and `<!--->` end at once in HTML; `--!>` ends a comment too.
    if inner.starts_with('>') || inner.starts_with("->") {
        return None;
    }
    let end = inner.find("-->")?;
    if inner[..end].contains("--!>") {
        return None;
    }
    let after = &inner[end + 3..];
    let blank = |s: &str| s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
    (blank(before) && blank(after)).then_some((before, after))
}

/// Text or an attribute value as html5ever serializes it: `&`, `<`, `>` and
/// no-break spaces escaped (and `"` in attributes), line ends as LF (its parser
/// reads CR LF and CR as LF).
fn push_escaped(out: &mut String, text: &str, attribute: bool) {
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        let replacement = match bytes[i] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' if attribute => "&quot;",
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => "&nbsp;",
            b'\r' => "\n",
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[from..i]);
        out.push_str(replacement);
        i += match bytes[i] {
            0xC2 => 2,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => 2,
            _ => 1,
        };
        from = i;
    }
    out.push_str(&text[from..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{markdown_to_html, Renderer};

    /// The fast path's HTML, if it takes the body, and the full path's.
    fn both(renderer: &mut Renderer, md: &str, base: Option<&Url>) -> (Option<String>, String) {
        assert!(renderer.markdown.is_some(), "the fast path is on");
        let fast = renderer.markdown_direct(md, base);
        (fast, renderer.sanitize(&markdown_to_html(md), base))
    }

    /// Pieces of Markdown covering what the writer handles and what it must refuse.
    const PIECES: &[&str] = &[
        "# Title",
        "## Sub *em* and `code`",
        "###### six",
        "Setext\n===",
        "plain words",
        "*em* **strong** ***both*** ~~gone~~ _under_",
        "a  \nhard break",
        "a\\\nbreak",
        "soft\nbreak",
        "line\r\nwith CRLF\r\n\r\nnext",
        "old\rmac\r",
        "\t(&\r\r\n)/-^",
        "    a\r\n    b\r",
        "- a\n- b\n  - nested\n- c",
        "1. one\n2. two",
        "3. three\n4. four",
        "0. zero",
        "- loose\n\n- list",
        "* [ ] todo\n* [x] done",
        "> quote\n> > nested\n\n> - in list",
        "```rust\nfn x() { a < b && c > d; }\n```",
        "```\nno lang\n```",
        "    indented code\n    more",
        "```js title\n\"q\" 'a' &amp;\n```",
        "| a | b |\n|:--|--:|\n| 1 | *2* |\n| `x` | [l](y) |",
        "- item\n\n  | a |\n  |---|\n  | 1 |",
        "> | q |\n> |---|\n> | 1 |",
        "- # heading item\n-     code in item",
        "1. a\n\n   ```\n   fenced\n   ```",
        "| a | b |\n|---|---|\n| only one |\n| x | y | z |",
        "| ![i](t.png) | <x@y.z> |\n|---|---|",
        "| h |\n|---|",
        "| c |\n|:-:|\n| z |",
        "[rel](other/page.html)",
        "[abs](https://example.org/a?b=c&d=e#f)",
        "[root](/about/)",
        "[js](javascript:alert(1))",
        "[JS](JavaScript:alert(1))",
        "[data](data:text/html,x)",
        "[mail](mailto:a@b.c)",
        "<someone@example.com>",
        "<https://auto.example/x?y=1>",
        "[empty]()",
        "[frag](#sec)",
        "[space](<a b.html>)",
        "[quote](a\"b'c)",
        "[uni](ünï/çø.html)",
        "[t](x.html \"a title & <more>\")",
        "[bad](http://[::1)",
        "[bad2](//[bad/x)",
        "[bad3](//[bad/x \"with title\")",
        "![bad4](//[x/y.png \"t\")",
        "[port](http://a:99999/)",
        "[sch](//cdn.example/x.js)",
        "[pct](a%20b%zz)",
        "![img](pic.png)",
        "![alt *em* `c` and\nbreak](p.jpg \"pic title\")",
        "![](empty-alt.gif)",
        "![x](javascript:bad)",
        "[![nested](i.png)](l.html)",
        "![a [^n] b](f.png)",
        "[ref] and [ref][] and [other][ref]\n\n[ref]: target.html \"T\"",
        "x[^1] y[^note] x[^1]\n\n[^1]: one\n\n[^note]: a *note*\n    with more",
        "[^missing]",
        "---",
        "***",
        "text\n---",
        "a &amp; b &lt;c&gt; &quot;d&quot; &nbsp; &#1; &#0; &#x1F600; &bogus;",
        "non\u{a0}breaking",
        "tab\there",
        "ctrl\u{1}char\u{b}",
        "![a\u{1}b &#2;](x.png \"t\u{1}&#3;\")",
        "[l](y.html \"&#4;\") n[^a\u{1}b]\n\n[^a\u{1}b]: def",
        "\u{fffe} nonchar",
        "中文段落，没有空格。",
        "<!-- more -->",
        "intro <!-- inline --> text",
        "   <!-- indented -->",
        "<!--\nmulti\nline\n-->",
        "<!-->",
        "<!-- a -- b -->",
        "<!-- x --!> y -->",
        "<!-- open",
        "<span>raw</span>",
        "<div>\nblock\n</div>",
        "a <b>bold</b> c",
        "<script>alert(1)</script>",
        "<br>",
        "`` code with ` tick ``",
        "\\*escaped\\* \\<tag\\>",
        "a > b < c & d \" e ' f",
        "Trailing spaces   ",
        "",
    ];

    #[test]
    fn policy_follows_the_sanitizer() {
        assert!(Policy::of(&crate::render::sanitizer()).is_some());
        let mut classes = crate::render::sanitizer();
        classes.add_generic_attributes(["class"]);
        assert!(
            Policy::of(&classes).is_none(),
            "class kept: code blocks differ"
        );
        let mut input = crate::render::sanitizer();
        input.add_tags(["input"]);
        assert!(Policy::of(&input).is_none(), "task checkboxes kept");
    }

    #[test]
    fn writes_what_the_sanitizer_writes_for_random_markdown() {
        let mut renderer = Renderer::default();
        let base = Url::parse("https://blog.example/2021/08/post/").unwrap();
        let mut next = crate::lint::xorshift(0x5eed_cafe);
        let (mut taken, mut total) = (0, 0);
        for round in 0..3000 {
            let n = 1 + next() as usize % 6;
            let mut md = String::new();
            for _ in 0..n {
                md.push_str(PIECES[next() as usize % PIECES.len()]);
                md.push_str(["\n\n", "\n", " ", ""][next() as usize % 4]);
            }
            let base = (round % 5 != 0).then_some(&base);
            let (fast, full) = both(&mut renderer, &md, base);
            total += 1;
            if let Some(fast) = fast {
                taken += 1;
                assert_eq!(fast, full, "Markdown {md:?}");
            }
        }
        // Raw HTML pieces are a fifth of the list: most documents have none.
        assert!(
            taken * 2 > total,
            "{taken} of {total} taken by the fast path"
        );
    }

    #[test]
    fn writes_what_the_sanitizer_writes_for_markdown_punctuation_soup() {
        // Random strings of the characters Markdown gives meaning to: odd links,
        // unclosed brackets, stray fences and markers in every arrangement.
        let alphabet: Vec<char> = "[]()!<>*_`~|#-+=.:;/\"' \n\n\t\r&\\a1é中\u{a0}^@%?{}"
            .chars()
            .collect();
        let mut renderer = Renderer::default();
        let base = Url::parse("https://blog.example/p/").unwrap();
        let mut next = crate::lint::xorshift(0x0050_0f17);
        let mut taken = 0;
        for _ in 0..4000 {
            let len = next() as usize % 90;
            let md: String = crate::lint::picks(&mut next, &alphabet, len);
            let (fast, full) = both(&mut renderer, &md, Some(&base));
            if let Some(fast) = fast {
                taken += 1;
                assert_eq!(fast, full, "Markdown {md:?}");
            }
        }
        assert!(taken > 2000, "{taken} of 4000 taken");
    }

    #[test]
    fn writes_what_the_sanitizer_writes_for_the_real_corpus() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let dirs = [root.join("../shared/corpus"), root.join("examples/posts")];
        let mut renderer = Renderer::default();
        let base = Url::parse("https://blog.example/2021/08/post/").unwrap();
        let (mut taken, mut total) = (0, 0);
        for dir in dirs {
            for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
                let entry = entry.unwrap();
                let path = entry.path();
                let md = path
                    .extension()
                    .is_some_and(|e| e == "md" || e == "markdown");
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                if !md {
                    continue;
                }
                for text in [text.clone(), text.replace('\n', "\r\n")] {
                    let (fast, full) = both(&mut renderer, &text, Some(&base));
                    total += 1;
                    if let Some(fast) = fast {
                        taken += 1;
                        assert_eq!(fast, full, "{}", path.display());
                    }
                }
            }
        }
        assert!(taken >= 100, "{taken} of {total} corpus posts taken");
    }

    #[test]
    fn escapes_as_html5ever_serializes() {
        // The plain reading of html5ever's rules, one character at a time.
        fn reference(text: &str, attribute: bool) -> String {
            let text = text.replace("\r\n", "\n").replace('\r', "\n");
            let mut out = String::new();
            for c in text.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' if attribute => out.push_str("&quot;"),
                    '\u{a0}' => out.push_str("&nbsp;"),
                    c => out.push(c),
                }
            }
            out
        }
        let alphabet = [
            "a", "bc ", "&", "<", ">", "\"", "\r", "\n", "\u{a0}", "\u{a9}", "中", "\r\n",
        ];
        let mut next = crate::lint::xorshift(0x00e5_ca9e);
        for _ in 0..4000 {
            let len = next() as usize % 60;
            let text: String = crate::lint::picks(&mut next, &alphabet, len);
            for attribute in [false, true] {
                let mut out = String::new();
                push_escaped(&mut out, &text, attribute);
                assert_eq!(out, reference(&text, attribute), "{text:?}");
            }
        }
    }

    #[test]
    fn raw_html_takes_the_full_path() {
        let mut renderer = Renderer::default();
        for md in [
            "a <span onclick=\"x()\">b</span>",
            "<div>\n<script>bad()</script>\n</div>",
            "<!-- x --> <b>",
        ] {
            let (fast, full) = both(&mut renderer, md, None);
            assert_eq!(fast, None, "{md:?}");
            assert!(
                !full.contains("onclick") && !full.contains("script"),
                "{full}"
            );
        }
        let (fast, _) = both(&mut renderer, "intro\n\n<!-- more -->\n\nrest", None);
        assert_eq!(fast.as_deref(), Some("<p>intro</p>\n\n<p>rest</p>\n"));
    }
}
