//! Front-matter text → a key/value tree, the line of each top-level key, and the typed
//! fields a feed needs (title, categories, tags, author, image…), read in every shape
//! Hexo, Jekyll and Hugo posts write them. Unknown keys stay in the tree; an empty or
//! null value counts as absent.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::front::Syntax;

/// Front matter that does not parse, with the line in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontError {
    pub line: usize,
    pub message: String,
}

/// A parsed front matter: the tree, and warnings about what was repaired.
#[derive(Debug, Default)]
pub struct Front {
    pub map: Map<String, Value>,
    /// `(line, message)` of each repair made (tabs read as spaces).
    pub repairs: Vec<(usize, String)>,
}

/// Parses `text`, whose first line is line `first_line` of the file.
pub fn parse(syntax: Syntax, text: &str, first_line: usize) -> Result<Front, FrontError> {
    let mut front = Front::default();
    let value = match syntax {
        Syntax::Yaml => parse_yaml(text, first_line, &mut front.repairs)?,
        Syntax::Toml => parse_toml(text, first_line)?,
    };
    front.map = match value {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            return Err(FrontError {
                line: first_line,
                message: format!(
                    "front matter must be `key: value` lines, found a {}",
                    kind(&other)
                ),
            })
        }
    };
    Ok(front)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "single text value",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

fn parse_yaml(
    text: &str,
    first_line: usize,
    repairs: &mut Vec<(usize, String)>,
) -> Result<Value, FrontError> {
    let err = match crate::yaml::parse_front(text) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let at = |line: Option<usize>| first_line + line.unwrap_or(1).saturating_sub(1);
    // YAML forbids tabs for indentation, yet editors put them there. Read leading and
    // trailing tabs as spaces and try again; say so either way.
    if let Some(tab) = text.lines().position(|l| l.contains('\t')) {
        let tab_line = first_line + tab;
        if let Ok(v) = crate::yaml::parse(&untab(text)) {
            repairs.push((
                tab_line,
                "tab in the front matter (YAML forbids tabs for indentation): read as spaces"
                    .to_string(),
            ));
            return Ok(v);
        }
        return Err(FrontError {
            line: at(err.line),
            message: format!(
                "invalid YAML front matter: {} (line {tab_line} has a tab; YAML forbids tabs for indentation)",
                err.message
            ),
        });
    }
    Err(FrontError {
        line: at(err.line),
        message: format!("invalid YAML front matter: {}", err.message),
    })
}

/// Leading tabs become two spaces each; trailing tabs and spaces go; a tab right after
/// a key's colon becomes a space.
fn untab(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        let line = line.trim_end();
        let indent_len = line.len() - line.trim_start_matches([' ', '\t']).len();
        for c in line[..indent_len].chars() {
            out.push_str(if c == '\t' { "  " } else { " " });
        }
        out.push_str(&line[indent_len..].replace(":\t", ": "));
        out.push('\n');
    }
    out
}

fn parse_toml(text: &str, first_line: usize) -> Result<Value, FrontError> {
    match text.parse::<toml::Table>() {
        Ok(t) => Ok(Value::Object(toml_table(t))),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start.min(text.len()));
            let newlines = text.as_bytes()[..offset].iter().filter(|&&b| b == b'\n');
            let line = first_line + newlines.count();
            Err(FrontError {
                line,
                message: format!("invalid TOML front matter: {}", e.message().trim_end()),
            })
        }
    }
}

fn toml_table(t: toml::Table) -> Map<String, Value> {
    t.into_iter().map(|(k, v)| (k, toml_value(v))).collect()
}

/// TOML → the tree type; datetimes become their RFC 3339 text, read by `dates`.
fn toml_value(v: toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::Number(i.into()),
        toml::Value::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(a) => Value::Array(a.into_iter().map(toml_value).collect()),
        toml::Value::Table(t) => Value::Object(toml_table(t)),
    }
}

/// The line of each top-level key of `map` that `want` accepts, first occurrence;
/// `text` is the front matter and `first_line` its first line in the file.
pub fn key_lines(
    syntax: Syntax,
    text: &str,
    first_line: usize,
    map: &Map<String, Value>,
    want: impl Fn(&str) -> bool,
) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    // TOML: after a `[table]` header, plain keys belong to that table.
    let mut in_table = false;
    for (i, line) in text.lines().enumerate() {
        let key = match syntax {
            Syntax::Yaml => yaml_key(line),
            Syntax::Toml => {
                let t = line.trim();
                if let Some(header) = t.strip_prefix('[') {
                    in_table = true;
                    header
                        .trim_start_matches('[')
                        .split(['.', ']'])
                        .next()
                        .map(|n| n.trim().trim_matches('"'))
                } else if in_table {
                    None
                } else {
                    t.split_once('=')
                        .map(|(k, _)| k.trim().trim_matches(['"', '\'']))
                }
            }
        };
        if let Some(key) = key {
            if want(key) && map.contains_key(key) && !lines.contains_key(key) {
                lines.insert(key.to_string(), first_line + i);
            }
        }
    }
    lines
}

/// The key of a top-level `key: value` line.
fn yaml_key(line: &str) -> Option<&str> {
    let first = line.chars().next()?;
    if first.is_whitespace() || matches!(first, '#' | '-' | '[' | '{' | ']' | '}') {
        return None;
    }
    if let Some(q @ ('"' | '\'')) = Some(first) {
        let rest = &line[1..];
        let end = rest.find(q)?;
        return rest[end + 1..]
            .trim_start()
            .starts_with(':')
            .then(|| &rest[..end]);
    }
    let colon = line
        .match_indices(':')
        .find(|(i, _)| matches!(line.as_bytes().get(i + 1), None | Some(b' ' | b'\t')))?
        .0;
    Some(line[..colon].trim_end())
}

/// A scalar as text: strings trimmed, numbers and booleans as written; empty → `None`.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_string())
        }
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Text on one line: runs of whitespace that include a line break become one space
/// (folded YAML scalars, titles split over lines).
pub fn one_line(s: String) -> String {
    if s.contains('\n') {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        s
    }
}

/// A front-matter map with a 64-bit sketch of its keys in front. A post is asked
/// for some forty keys (the aliases of each field: `updated`/`lastmod`/…, eight
/// image keys) and holds about seven, so most lookups are for keys it lacks; the
/// sketch answers those with one bit test instead of the map's string comparisons.
/// A key the sketch lets through is looked up in the map, so answers are the map's.
#[derive(Clone, Copy)]
pub struct Keys<'a> {
    map: &'a Map<String, Value>,
    sketch: u64,
}

impl<'a> Keys<'a> {
    pub fn new(map: &'a Map<String, Value>) -> Keys<'a> {
        let sketch = map.keys().fold(0, |s, k| s | sketch_bit(k));
        Keys { map, sketch }
    }

    pub fn get(self, key: &str) -> Option<&'a Value> {
        self.get_key_value(key).map(|(_, v)| v)
    }

    pub fn get_key_value(self, key: &str) -> Option<(&'a String, &'a Value)> {
        if self.sketch & sketch_bit(key) == 0 {
            return None;
        }
        self.map.get_key_value(key)
    }

    pub fn contains_key(self, key: &str) -> bool {
        self.get_key_value(key).is_some()
    }
}

/// A key's bit in the sketch, from its length and its first and last bytes (the
/// keys asked for mostly differ there).
fn sketch_bit(key: &str) -> u64 {
    let b = key.as_bytes();
    let (first, last) = (
        b.first().copied().unwrap_or(0),
        b.last().copied().unwrap_or(0),
    );
    let mix = (b.len() as u32)
        .wrapping_mul(31)
        .wrapping_add(u32::from(first).wrapping_mul(7))
        .wrapping_add(u32::from(last));
    1 << (mix % 64)
}

/// The first key of `keys` with a non-empty value.
pub fn first<'a>(map: Keys<'a>, keys: &[&str]) -> Option<(&'a str, &'a Value)> {
    keys.iter().find_map(|k| {
        map.get_key_value(k)
            .filter(|(_, v)| !is_empty(v))
            .map(|(k, v)| (k.as_str(), v))
    })
}

/// Null, blank text, or a list or map of nothing: a value that counts as absent.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.iter().all(is_empty),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The first text value of `keys`.
pub fn first_text(map: Keys<'_>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| map.get(k).and_then(text))
}

/// A scalar written in YAML as a number or boolean (`title: 1.10`), as the file spells
/// it: the rest of the key's line, without a trailing comment.
pub fn as_written(front_text: &str, front_line: usize, key_line: usize) -> Option<String> {
    let line = front_text.lines().nth(key_line.checked_sub(front_line)?)?;
    let (_, value) = line.split_once(':')?;
    let value = value.split(" #").next().unwrap_or(value).trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// `categories`/`category`: a string (one category), a list (one hierarchy, Hexo
/// style) or a list holding lists (each item its own hierarchy).
pub fn categories(map: Keys<'_>) -> Vec<Vec<String>> {
    let Some((_, v)) = first(map, &["categories", "category"]) else {
        return Vec::new();
    };
    let mut out: Vec<Vec<String>> = match v {
        Value::Array(items) if items.iter().any(Value::is_array) => items
            .iter()
            .map(|item| match item {
                Value::Array(path) => path.iter().filter_map(text).collect(),
                other => text(other).into_iter().collect(),
            })
            .collect(),
        Value::Array(items) => vec![items.iter().filter_map(text).collect()],
        other => vec![text(other).into_iter().collect()],
    };
    out.retain(|h| !h.is_empty());
    dedup(&mut out);
    for h in &mut out {
        h.shrink_to_fit();
    }
    out.shrink_to_fit();
    out
}

/// Drops later repeats, keeping the first of each (lists are short: no hashing).
fn dedup<T: PartialEq>(items: &mut Vec<T>) {
    let mut i = 0;
    while i < items.len() {
        if items[..i].contains(&items[i]) {
            items.remove(i);
        } else {
            i += 1;
        }
    }
}

/// `tags`/`tag`: a list, or a string (split at commas).
pub fn tags(map: Keys<'_>) -> Vec<String> {
    let Some((_, v)) = first(map, &["tags", "tag"]) else {
        return Vec::new();
    };
    let mut tags: Vec<String> = match v {
        Value::Array(items) => items.iter().filter_map(text).collect(),
        Value::String(s) => s
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect(),
        other => text(other).into_iter().collect(),
    };
    dedup(&mut tags);
    tags.shrink_to_fit();
    tags
}

/// `author`/`authors`: a name, a map with `name`, or a list of either (joined).
pub fn author(map: Keys<'_>) -> Option<String> {
    fn name(v: &Value) -> Option<String> {
        match v {
            Value::Object(o) => o.get("name").and_then(text),
            other => text(other),
        }
    }
    let (_, v) = first(map, &["author", "authors"])?;
    let names = match v {
        Value::Array(items) => items.iter().filter_map(name).collect::<Vec<_>>().join(", "),
        other => name(other)?,
    };
    (!names.is_empty()).then(|| one_line(names))
}

/// `headimg`/`thumbnail`/`image`/`cover`/`header-img`/`images` (first of a list, or a
/// map's `src`/`url`/`path`).
pub fn image(map: Keys<'_>) -> Option<String> {
    fn url(v: &Value) -> Option<String> {
        match v {
            Value::Array(items) => items.iter().find_map(url),
            Value::Object(o) => ["src", "url", "path", "image"]
                .iter()
                .find_map(|k| o.get(*k).and_then(text)),
            other => text(other),
        }
    }
    let keys = [
        "headimg",
        "thumbnail",
        "image",
        "cover",
        "header-img",
        "header_img",
        "featured_image",
        "images",
    ];
    keys.iter().find_map(|k| map.get(k).and_then(url))
}

/// `draft: true` or `published: false` (booleans, or those words as text).
pub fn is_draft(map: Keys<'_>) -> bool {
    let flag = |k: &str| match map.get(k) {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::String(s)) => match s.trim() {
            "true" | "True" | "TRUE" | "yes" => Some(true),
            "false" | "False" | "FALSE" | "no" => Some(false),
            _ => None,
        },
        _ => None,
    };
    flag("draft") == Some(true) || flag("published") == Some(false)
}

/// A front-matter value for a message, short.
pub fn show_value(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn yaml(text: &str) -> Map<String, Value> {
        parse(Syntax::Yaml, text, 2).unwrap().map
    }

    #[test]
    fn yaml_error_line_is_the_line_in_the_file() {
        // Front matter starts on line 2 of the file; the bad line is its 3rd line.
        let err = parse(
            Syntax::Yaml,
            "title: a\ndate: 2020-01-01\ntags: [x\nfoo: bar\n",
            2,
        )
        .unwrap_err();
        assert!(
            err.message.starts_with("invalid YAML front matter"),
            "{err:?}"
        );
        assert_eq!(err.line, 5, "{err:?}");
        let err = parse(Syntax::Yaml, "title: a\n  bad: indent\n", 2).unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
    }

    #[test]
    fn toml_error_line_is_the_line_in_the_file() {
        let err = parse(Syntax::Toml, "title = \"a\"\ndate = \n", 2).unwrap_err();
        assert_eq!(err.line, 3, "{err:?}");
        assert!(err.message.starts_with("invalid TOML"), "{err:?}");
    }

    #[test]
    fn toml_datetimes_become_text_and_key_lines_stop_at_tables() {
        let text = "title = \"a\"\ndate = 2021-03-01T00:00:00Z\n[extra]\nteam = \"x\"\n";
        let f = parse(Syntax::Toml, text, 2).unwrap();
        let lines = key_lines(Syntax::Toml, text, 2, &f.map, |_| true);
        assert_eq!(f.map["date"], "2021-03-01T00:00:00Z");
        assert_eq!(f.map["extra"]["team"], "x");
        assert_eq!(lines["title"], 2);
        assert_eq!(lines["date"], 3);
        assert_eq!(lines["extra"], 4);
        assert!(!lines.contains_key("team"));
    }

    #[test]
    fn key_lines_skip_nested_and_list_lines() {
        let text = "title: a\ncategories:\n - x\n - y\nproviders:\n    cdn: loli\n\"q k\": 1\n";
        let f = parse(Syntax::Yaml, text, 5).unwrap();
        let want: BTreeMap<String, usize> = [
            ("title", 5),
            ("categories", 6),
            ("providers", 9),
            ("q k", 11),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(key_lines(Syntax::Yaml, text, 5, &f.map, |_| true), want);
        let only_title = key_lines(Syntax::Yaml, text, 5, &f.map, |k| k == "title");
        assert_eq!(
            only_title.into_iter().collect::<Vec<_>>(),
            [("title".to_string(), 5)]
        );
    }

    #[test]
    fn tabs_are_read_as_spaces_with_a_repair_note() {
        let f = parse(Syntax::Yaml, "title: a\t\ntags:\n\t- melody\t\t\n", 2).unwrap();
        assert_eq!(f.map["tags"], serde_json::json!(["melody"]));
        assert_eq!(f.repairs.len(), 1);
        assert_eq!(f.repairs[0].0, 2);
    }

    #[test]
    fn categories_in_every_shape() {
        assert_eq!(
            categories(Keys::new(&yaml("categories: SOFAStack\n"))),
            vec![vec!["SOFAStack"]]
        );
        assert_eq!(
            categories(Keys::new(&yaml("category: release\n"))),
            vec![vec!["release"]]
        );
        assert_eq!(
            categories(Keys::new(&yaml("categories:\n - 金融\n - 新浪财经\n"))),
            vec![vec!["金融", "新浪财经"]]
        );
        assert_eq!(
            categories(Keys::new(&yaml("categories: [[A, B], [C], D]\n"))),
            vec![vec!["A", "B"], vec!["C"], vec!["D"]]
        );
        assert!(categories(Keys::new(&yaml("categories:\n"))).is_empty());
        assert!(categories(Keys::new(&yaml("categories: []\n"))).is_empty());
    }

    #[test]
    fn tags_as_list_string_or_commas() {
        assert_eq!(tags(Keys::new(&yaml("tags: [a, b, a]\n"))), vec!["a", "b"]);
        assert_eq!(tags(Keys::new(&yaml("tag: one\n"))), vec!["one"]);
        assert_eq!(
            tags(Keys::new(&yaml("tags: a, b ,c\n"))),
            vec!["a", "b", "c"]
        );
        assert!(tags(Keys::new(&yaml("tags:\n"))).is_empty());
    }

    #[test]
    fn author_shapes() {
        assert_eq!(
            author(Keys::new(&yaml("author: Ann\n"))).as_deref(),
            Some("Ann")
        );
        assert_eq!(
            author(Keys::new(&yaml("author: {name: Ann, email: a@x}\n"))).as_deref(),
            Some("Ann")
        );
        assert_eq!(
            author(Keys::new(&yaml("authors: [Ann, {name: Bob}]\n"))).as_deref(),
            Some("Ann, Bob")
        );
        assert_eq!(
            author(Keys::new(&yaml("author: ''\nauthors: [Cy]\n"))).as_deref(),
            Some("Cy")
        );
        assert_eq!(
            author(Keys::new(&yaml("author: >\n  Ann\n  Lee\n"))).as_deref(),
            Some("Ann Lee")
        );
        assert_eq!(author(Keys::new(&yaml("author:\n"))), None);
    }

    #[test]
    fn image_shapes() {
        assert_eq!(
            image(Keys::new(&yaml("image:\ncover: /c.png\n"))).as_deref(),
            Some("/c.png")
        );
        assert_eq!(
            image(Keys::new(&yaml("images: [a.png, b.png]\n"))).as_deref(),
            Some("a.png")
        );
        assert_eq!(
            image(Keys::new(&yaml("header-img: img/x.jpg\n"))).as_deref(),
            Some("img/x.jpg")
        );
        assert_eq!(
            image(Keys::new(&yaml("image: {src: /i.png}\n"))).as_deref(),
            Some("/i.png")
        );
    }

    #[test]
    fn the_key_sketch_answers_as_the_map_does() {
        let map = yaml("title: a\ndate: 2020-01-01\ntags: [x]\nheadimg: /i.png\nz: 1\n\"\": e\n");
        let keys = Keys::new(&map);
        let asked = [
            "title",
            "date",
            "tags",
            "headimg",
            "z",
            "",
            "tag",
            "image",
            "cover",
            "Title",
            "titlE",
            "dates",
            "lastmod",
            "updated",
            "zz",
            "y",
            "draft",
            "published",
        ];
        for k in asked {
            assert_eq!(keys.get_key_value(k), map.get_key_value(k), "{k:?}");
        }
        // Every key of a large map is found, whatever bits the keys share.
        let big: Map<String, Value> = (0..500).map(|i| (format!("k{i}"), Value::Null)).collect();
        let keys = Keys::new(&big);
        assert!((0..500).all(|i| keys.contains_key(&format!("k{i}"))));
        assert!(!keys.contains_key("k500"));
    }

    #[test]
    fn drafts() {
        assert!(is_draft(Keys::new(&yaml("draft: true\n"))));
        assert!(is_draft(Keys::new(&yaml("published: false\n"))));
        assert!(!is_draft(Keys::new(&yaml(
            "draft: false\npublished: true\nhidden: true\n"
        ))));
    }

    #[test]
    fn numbers_as_written() {
        assert_eq!(
            as_written("a: 1\ntitle: 1.10 # v\n", 2, 3).as_deref(),
            Some("1.10")
        );
    }
}
