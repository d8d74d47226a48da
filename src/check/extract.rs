//! Finding the links and images of one post, with the place each was written.
//!
//! URLs are read with scraper from the post's *unsanitized* HTML (the sanitizer drops
//! the very URLs we must report, such as `javascript:` or an empty `href`), and from
//! its front matter (`headimg`/`thumbnail`/`image`/`cover`, and an absolute
//! `permalink`/`link`/`url`). HTML has no memory of source lines once parsed, so each
//! attribute value is looked up again in the body text, in document order: the line
//! is exact for ordinary posts and a best effort when Markdown or entities rewrote
//! the value.

use scraper::{ElementRef, Html};

use crate::load::Post;
use crate::render::raw_html;

/// What a URL is used for; it decides what the online check expects of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `a`, `area`, `iframe` and the post's own link: any page will do.
    Link,
    /// `img`, `picture source`, `video poster`, the front-matter image: must answer
    /// with an image type, and is checked for hotlink protection.
    Image,
    /// `video`/`audio`/`source` `src`: must load; any type.
    Media,
}

/// A source position: 1-based line and column in the post file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: Option<usize>,
    pub column: Option<usize>,
}

/// One URL as the author wrote it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The attribute or front-matter value, untouched (may be empty or malformed).
    pub raw: String,
    pub kind: Kind,
    /// `a href`, `img srcset`, `front matter headimg`…: said in messages.
    pub origin: String,
    pub pos: Pos,
}

/// Everything one post refers to, plus the images that lack `src` or `alt`.
#[derive(Debug, Default)]
pub struct Extracted {
    pub links: Vec<Link>,
    pub images_without_src: Vec<Pos>,
    /// The position of each `img` without an `alt` attribute, and its `src`.
    pub images_without_alt: Vec<(Pos, String)>,
}

/// Front-matter keys holding the post's image.
pub const IMAGE_KEYS: [&str; 4] = ["headimg", "thumbnail", "image", "cover"];
/// Front-matter keys holding the post's own link.
pub const LINK_KEYS: [&str; 3] = ["permalink", "link", "url"];

/// The links and images of `post`, whose body is `body` (its text from `body_line`).
pub fn extract(post: &Post, body: &str) -> Extracted {
    let mut out = Extracted::default();
    for key in IMAGE_KEYS {
        if let Some(v) = post.front.get(key).and_then(|v| v.as_str()) {
            out.links.push(Link {
                raw: v.to_string(),
                kind: Kind::Image,
                origin: format!("front matter `{key}`"),
                pos: front_pos(post, key),
            });
        }
    }
    for key in LINK_KEYS {
        if let Some(v) = post.front.get(key).and_then(|v| v.as_str()) {
            // A path is a permalink pattern, not a link the author points readers to.
            let t = v.trim();
            if t.starts_with("//") || has_scheme(t) {
                out.links.push(Link {
                    raw: v.to_string(),
                    kind: Kind::Link,
                    origin: format!("front matter `{key}`"),
                    pos: front_pos(post, key),
                });
            }
        }
    }
    let html = raw_html(body, post.format);
    let mut finder = Locator::new(body, post.body_line);
    extract_html(&html, &mut finder, &mut out);
    out
}

fn front_pos(post: &Post, key: &str) -> Pos {
    Pos {
        line: post.key_lines.get(key).copied(),
        column: None,
    }
}

/// `scheme:` at the start (RFC 3986: a letter, then letters, digits, `+`, `-`, `.`).
pub fn has_scheme(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = &s[..colon];
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn extract_html(html: &str, loc: &mut Locator, out: &mut Extracted) {
    let doc = Html::parse_fragment(html);
    for node in doc.root_element().descendants() {
        let Some(el) = ElementRef::wrap(node) else {
            continue;
        };
        let name = el.value().name();
        let mut push = |out: &mut Extracted, attr: &str, kind: Kind| {
            if let Some(v) = el.value().attr(attr) {
                let pos = loc.find(name, attr, v);
                out.links.push(Link {
                    raw: v.to_string(),
                    kind,
                    origin: format!("{name} {attr}"),
                    pos,
                });
            }
        };
        match name {
            "a" | "area" => push(out, "href", Kind::Link),
            "iframe" => push(out, "src", Kind::Link),
            "img" => {
                let src = el.value().attr("src");
                let src_pos = match src {
                    Some(v) => {
                        let pos = loc.find(name, "src", v);
                        out.links.push(Link {
                            raw: v.to_string(),
                            kind: Kind::Image,
                            origin: "img src".to_string(),
                            pos,
                        });
                        pos
                    }
                    None => {
                        let pos = loc.find_tag(name);
                        out.images_without_src.push(pos);
                        pos
                    }
                };
                push_srcset(el.value().attr("srcset"), "img", loc, out);
                if el.value().attr("alt").is_none() {
                    out.images_without_alt
                        .push((src_pos, src.unwrap_or_default().to_string()));
                }
            }
            "source" => {
                let in_picture = el
                    .parent()
                    .and_then(ElementRef::wrap)
                    .is_some_and(|p| p.value().name() == "picture");
                if in_picture {
                    push_srcset(el.value().attr("srcset"), "source", loc, out);
                } else {
                    push(out, "src", Kind::Media);
                }
            }
            "video" => {
                push(out, "src", Kind::Media);
                push(out, "poster", Kind::Image);
            }
            "audio" => push(out, "src", Kind::Media),
            _ => {}
        }
    }
}

/// Each candidate URL of a `srcset` (`a.png 1x, b.png 2x`).
fn push_srcset(srcset: Option<&str>, tag: &str, loc: &mut Locator, out: &mut Extracted) {
    let Some(set) = srcset else { return };
    for candidate in split_srcset(set) {
        let pos = loc.find(tag, "srcset", candidate);
        out.links.push(Link {
            raw: candidate.to_string(),
            kind: Kind::Image,
            origin: format!("{tag} srcset"),
            pos,
        });
    }
}

/// The URLs of a `srcset`: candidates are separated by commas, each a URL then an
/// optional descriptor. A comma inside a URL is kept when no space follows it.
pub fn split_srcset(set: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    let mut rest = set.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    while !rest.is_empty() {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        let mut url = &rest[..end];
        let mut after = &rest[end..];
        if let Some(stripped) = url.strip_suffix(',') {
            url = stripped;
        } else {
            // Skip the descriptor up to the next comma.
            after = after.find(',').map_or("", |i| &after[i + 1..]);
        }
        if !url.is_empty() {
            urls.push(url);
        }
        rest = after.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
    }
    urls
}

/// Looks values up in the body text, moving forward as the document does.
struct Locator<'a> {
    body: &'a str,
    lower: String,
    /// Byte offset of each line start in `body`.
    line_starts: Vec<usize>,
    first_line: usize,
    cursor: usize,
    tag_cursor: usize,
}

impl<'a> Locator<'a> {
    fn new(body: &'a str, first_line: usize) -> Locator<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(body.match_indices('\n').map(|(i, _)| i + 1));
        Locator {
            body,
            lower: body.to_ascii_lowercase(),
            line_starts,
            first_line: first_line.max(1),
            cursor: 0,
            tag_cursor: 0,
        }
    }

    /// The place of `value`, the `attr` of a `tag`.
    fn find(&mut self, tag: &str, attr: &str, value: &str) -> Pos {
        let hit = if value.trim().is_empty() {
            let quoted = [
                format!("{attr}=\"{value}\""),
                format!("{attr}='{value}'"),
                format!("{attr}=\"\""),
                "]()".to_string(),
            ];
            quoted.iter().find_map(|q| self.search(&self.lower, q))
        } else {
            let escaped = value.replace('&', "&amp;");
            let decoded = percent_decode(value);
            [value, escaped.as_str(), decoded.as_str()]
                .iter()
                .find_map(|v| self.search(self.body, v))
        };
        match hit {
            Some((at, len)) => {
                self.cursor = at + len;
                self.tag_cursor = self.tag_cursor.max(at);
                self.pos(at)
            }
            None => self.find_tag(tag),
        }
    }

    /// The next `<tag` not yet passed: for elements found without a usable value.
    fn find_tag(&mut self, tag: &str) -> Pos {
        let needle = format!("<{tag}");
        match self.lower[self.tag_cursor.min(self.lower.len())..].find(&needle) {
            Some(i) => {
                let at = self.tag_cursor + i;
                self.tag_cursor = at + needle.len();
                self.pos(at)
            }
            None => Pos::default(),
        }
    }

    /// `needle` in `hay` from the cursor, else from the start: (offset, length).
    /// A hit where a value is written (after a quote, `=`, `(`, `<` or a space) is
    /// preferred over one inside text, such as a link's own text.
    fn search(&self, hay: &str, needle: &str) -> Option<(usize, usize)> {
        if needle.is_empty() {
            return None;
        }
        let as_value = |at: usize| {
            at == 0
                || matches!(
                    hay.as_bytes()[at - 1],
                    b'"' | b'\'' | b'=' | b'(' | b'<' | b' ' | b'\t' | b'\n'
                )
        };
        let from = self.cursor.min(hay.len());
        let tail = hay.get(from..).unwrap_or("");
        let after: Vec<usize> = tail.match_indices(needle).map(|(i, _)| from + i).collect();
        let hit = after
            .iter()
            .copied()
            .find(|&at| as_value(at))
            .or_else(|| {
                hay.match_indices(needle)
                    .map(|(i, _)| i)
                    .find(|&at| as_value(at))
            })
            .or_else(|| after.first().copied())
            .or_else(|| hay.find(needle));
        hit.map(|at| (at, needle.len()))
    }

    fn pos(&self, at: usize) -> Pos {
        let idx = match self.line_starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[idx];
        let column = self
            .body
            .get(start..at)
            .map_or(1, |s| s.chars().count() + 1);
        Pos {
            line: Some(self.first_line + idx),
            column: Some(column),
        }
    }
}

/// `%C3%BC` → `ü`, leaving anything that is not valid UTF-8 or a valid escape as is.
fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(b) = hex {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srcset_candidates() {
        assert_eq!(
            split_srcset("a.png 1x, b.png 2x,c.png"),
            vec!["a.png", "b.png", "c.png"]
        );
        assert_eq!(split_srcset("x.jpg?w=1,2 300w"), vec!["x.jpg?w=1,2"]);
        assert!(split_srcset(" , ").is_empty());
    }

    #[test]
    fn schemes() {
        assert!(has_scheme("javascript:alert(1)"));
        assert!(has_scheme("mailto:x@y"));
        assert!(!has_scheme("a/b:c"));
        assert!(!has_scheme("//host/x"));
        assert!(!has_scheme("1abc:x"));
    }

    #[test]
    fn locator_walks_forward_and_reports_columns() {
        let body = "<p><a href=\"u\">u</a>\n  <a href='u'>again</a></p>";
        let mut l = Locator::new(body, 5);
        assert_eq!(
            l.find("a", "href", "u"),
            Pos {
                line: Some(5),
                column: Some(13)
            }
        );
        // The link text "u" on line 5 is not taken for the second href.
        assert_eq!(
            l.find("a", "href", "u"),
            Pos {
                line: Some(6),
                column: Some(12)
            }
        );
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a%C3%BCb"), "aüb");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz"), "%zz");
    }
}
