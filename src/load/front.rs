//! Finding the front matter in a post's text: where it starts and ends, which syntax it
//! is written in, and where the body begins. Pure text in, offsets out; parsing the
//! front matter itself happens in `fields`.
//!
//! Shapes accepted: YAML between `---` lines (closed by `---` or `...`), TOML between
//! `+++` lines, and Hexo's form without the opening `---` (the file starts with a
//! `key:` line and the front matter ends at the first `---` line). Blank lines before
//! the opening fence are skipped; fences may carry trailing spaces (Jekyll allows it).
//! Line ends must already be `\n` (see [`normalize`]).

use std::borrow::Cow;

/// The language the front matter is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Toml,
}

/// A post's text cut in two. Lines are 1-based lines of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split<'a> {
    pub syntax: Syntax,
    /// The line of the opening fence (for Hexo's form: the first front-matter line).
    pub open_line: usize,
    /// The front matter's text, without its fences.
    pub front: &'a str,
    /// The line of the front matter's first line.
    pub front_line: usize,
    pub body: &'a str,
    /// The line the body starts on.
    pub body_line: usize,
}

/// Why no front matter could be cut out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The text does not open with a fence or a `key:` line.
    Missing { line: usize },
    /// An opening fence at `line` with no closing one.
    Unclosed { line: usize, fence: &'static str },
}

/// Turns CRLF and lone CR line ends into LF and drops a leading byte-order mark, so
/// that every later step counts lines the same way. Borrows when nothing changes.
pub fn normalize(text: &str) -> Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if memchr::memchr(b'\r', text.as_bytes()).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The line starting at byte `pos` (without its `\n`) and the start of the next one.
fn line_at(text: &str, pos: usize) -> (&str, usize) {
    match memchr::memchr(b'\n', &text.as_bytes()[pos..]) {
        Some(i) => (&text[pos..pos + i], pos + i + 1),
        None => (&text[pos..], text.len()),
    }
}

/// Cuts `text` (LF line ends, no BOM) into front matter and body.
pub fn split(text: &str) -> Result<Split<'_>, SplitError> {
    let mut pos = 0;
    let mut line = 1;
    // Blank lines before the opening fence (Hugo's news posts have one).
    loop {
        if pos >= text.len() {
            return Err(SplitError::Missing { line: 1 });
        }
        let (l, next) = line_at(text, pos);
        if !l.trim().is_empty() {
            break;
        }
        pos = next;
        line += 1;
    }
    let (first, after_first) = line_at(text, pos);
    match first.trim_end() {
        "---" => fenced(
            text,
            Syntax::Yaml,
            line,
            after_first,
            &["---", "..."],
            "---",
        ),
        "+++" => fenced(text, Syntax::Toml, line, after_first, &["+++"], "+++"),
        _ if looks_like_key(first) => hexo(text, line, pos),
        _ => Err(SplitError::Missing { line }),
    }
}

/// Front matter between an opening fence (on `open_line`) and a closing line.
fn fenced<'a>(
    text: &'a str,
    syntax: Syntax,
    open_line: usize,
    start: usize,
    closers: &[&str],
    fence: &'static str,
) -> Result<Split<'a>, SplitError> {
    let mut pos = start;
    let mut line = open_line + 1;
    while pos < text.len() {
        let (l, next) = line_at(text, pos);
        if closers.contains(&l.trim_end()) {
            return Ok(Split {
                syntax,
                open_line,
                front: &text[start..pos],
                front_line: open_line + 1,
                body: &text[next..],
                body_line: line + 1,
            });
        }
        pos = next;
        line += 1;
    }
    Err(SplitError::Unclosed {
        line: open_line,
        fence,
    })
}

/// Hexo's form: YAML from the first line up to the first `---` line.
fn hexo(text: &str, first_line: usize, start: usize) -> Result<Split<'_>, SplitError> {
    let mut pos = start;
    let mut line = first_line;
    while pos < text.len() {
        let (l, next) = line_at(text, pos);
        if l.trim_end() == "---" {
            return Ok(Split {
                syntax: Syntax::Yaml,
                open_line: first_line,
                front: &text[start..pos],
                front_line: first_line,
                body: &text[next..],
                body_line: line + 1,
            });
        }
        pos = next;
        line += 1;
    }
    Err(SplitError::Missing { line: first_line })
}

/// A line that starts a YAML mapping: `key:` then a space or the end of the line,
/// where the key is one word (letters, digits, `_`, `-`, `.`).
fn looks_like_key(line: &str) -> bool {
    let Some(colon) = line.find(':') else {
        return false;
    };
    let key = &line[..colon];
    let after = &line[colon + 1..];
    !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !key.starts_with(['-', '.'])
        && (after.is_empty() || after.starts_with([' ', '\t']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_turns_crlf_and_cr_into_lf_and_drops_bom() {
        assert_eq!(normalize("\u{feff}a\r\nb\rc\nd\r"), "a\nb\nc\nd\n");
        assert!(matches!(normalize("a\nb"), Cow::Borrowed(_)));
    }

    #[test]
    fn yaml_between_fences() {
        let s = split("---\ntitle: a\n---\nbody\n").unwrap();
        assert_eq!(s.syntax, Syntax::Yaml);
        assert_eq!(s.front, "title: a\n");
        assert_eq!((s.open_line, s.front_line, s.body_line), (1, 2, 4));
        assert_eq!(s.body, "body\n");
    }

    #[test]
    fn blank_lines_before_fence_shift_every_line() {
        let s = split("\n  \n---\ntitle: a\n---\nbody").unwrap();
        assert_eq!((s.open_line, s.front_line, s.body_line), (3, 4, 6));
        assert_eq!(s.body, "body");
    }

    #[test]
    fn fences_may_have_trailing_spaces_and_yaml_may_close_with_dots() {
        let s = split("---  \ntitle: a\n...\nbody").unwrap();
        assert_eq!(s.front, "title: a\n");
        assert_eq!(s.body, "body");
    }

    #[test]
    fn toml_between_plus_fences() {
        let s = split("+++\ntitle = \"a\"\n\n+++\nbody").unwrap();
        assert_eq!(s.syntax, Syntax::Toml);
        assert_eq!(s.front, "title = \"a\"\n\n");
        assert_eq!(s.body_line, 5);
    }

    #[test]
    fn hexo_form_without_opening_fence() {
        let s = split("title: a\ndate: 2016-01-05\n---\nbody\n---\nmore").unwrap();
        assert_eq!(s.syntax, Syntax::Yaml);
        assert_eq!(s.front, "title: a\ndate: 2016-01-05\n");
        assert_eq!((s.open_line, s.front_line, s.body_line), (1, 1, 4));
        assert_eq!(s.body, "body\n---\nmore");
    }

    #[test]
    fn closing_fence_at_end_of_file_gives_empty_body() {
        let s = split("---\ntitle: a\n---").unwrap();
        assert_eq!(s.body, "");
        assert_eq!(s.body_line, 4);
    }

    #[test]
    fn unclosed_fence_names_the_opening_line() {
        assert_eq!(
            split("\n---\ntitle: a\nbody\n"),
            Err(SplitError::Unclosed {
                line: 2,
                fence: "---"
            })
        );
    }

    #[test]
    fn plain_markdown_has_no_front_matter() {
        assert_eq!(
            split("![img](a.png)\n\ntext\n---\n"),
            Err(SplitError::Missing { line: 1 })
        );
        assert_eq!(split(""), Err(SplitError::Missing { line: 1 }));
        assert_eq!(
            split("title: a\nno fence"),
            Err(SplitError::Missing { line: 1 })
        );
    }
}
