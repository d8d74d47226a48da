//! Every call into the YAML library lives here, so that `serde_yaml` (deprecated
//! upstream) can be swapped for another parser in one place.
//!
//! YAML documents are turned into `serde_json::Value`, the one tree type the rest of
//! feedwright reads front matter and config from.
//!
//! [`parse_front`] first tries a small reader for the front matter most posts have —
//! `key: scalar` lines, `[a, b]` lists and `- item` lists — and hands anything else
//! (numbers, nesting, block scalars, escapes, anything it is unsure of) to
//! `serde_yaml`. It gives the same tree or none at all; a test checks this on the
//! real corpus. Loading 100,000 posts spends most of its time here otherwise.

use serde_json::{Map, Number, Value};

/// A YAML syntax error, with the 1-based line and column inside the parsed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// Parses one YAML document into a JSON-like tree. Mapping keys that are not strings
/// (numbers, booleans, dates) become their text; tagged values lose their tag.
pub fn parse(text: &str) -> Result<Value, YamlError> {
    let value: serde_yaml::Value = serde_yaml::from_str(text).map_err(|e| {
        let loc = e.location();
        // serde_yaml appends " at line N column M" to its message; the place is
        // reported separately, so keep only the description.
        let mut message = e.to_string();
        if let Some(i) = message.find(" at line ") {
            message.truncate(i);
        }
        YamlError {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message,
        }
    })?;
    Ok(to_json(value))
}

/// [`parse`], through the fast reader when the text is simple enough.
pub fn parse_front(text: &str) -> Result<Value, YamlError> {
    match parse_simple(text) {
        Some(v) => Ok(v),
        None => parse(text),
    }
}

/// `str::lines`, finding line ends with the memchr crate's vector search: front
/// matter is read for every post, and lines are short enough that the standard
/// search's setup cost showed in profiles.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let line = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                line.strip_suffix('\r').unwrap_or(line)
            }
            None => std::mem::take(&mut rest),
        };
        Some(line)
    })
}

/// The simple subset of YAML, or `None` when `text` uses anything else.
fn parse_simple(text: &str) -> Option<Value> {
    let mut map = Map::new();
    let mut lines = lines(text).peekable();
    while let Some(line) = lines.next() {
        if is_blank_or_comment(line) {
            continue;
        }
        let (key, rest) = line.split_once(':')?;
        if !is_simple_key(key) || !(rest.is_empty() || rest.starts_with(' ')) {
            return None;
        }
        let rest = rest.trim();
        let value = if rest.is_empty() || rest.starts_with('#') {
            // A block list may follow, at any indentation, `- ` items only.
            let mut items = Vec::new();
            let mut indent = None;
            while let Some(next) = lines.peek() {
                if is_blank_or_comment(next) {
                    lines.next();
                    continue;
                }
                let trimmed = next.trim_start_matches(' ');
                let Some(item) = trimmed.strip_prefix("- ") else {
                    if next.starts_with([' ', '\t']) || trimmed.starts_with('-') {
                        return None;
                    }
                    break;
                };
                let this_indent = next.len() - trimmed.len();
                if *indent.get_or_insert(this_indent) != this_indent {
                    return None;
                }
                items.push(scalar_or_flow(item.trim())?);
                lines.next();
            }
            if indent.is_some() {
                Value::Array(items)
            } else {
                Value::Null
            }
        } else {
            // A value continued on indented lines is not simple.
            if lines.peek().is_some_and(|n| n.starts_with([' ', '\t'])) {
                return None;
            }
            scalar_or_flow(rest)?
        };
        if map.insert(key.to_string(), value).is_some() {
            return None; // a duplicate key: serde_yaml reports it
        }
    }
    // A document of blanks and comments is null, as serde_yaml reads it.
    Some(if map.is_empty() {
        Value::Null
    } else {
        Value::Object(map)
    })
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    t.is_empty() || t.starts_with('#')
}

/// A key that YAML reads as that very text.
fn is_simple_key(key: &str) -> bool {
    let b = key.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-'))
        && !matches!(
            key,
            "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
        )
}

/// A scalar, or a `[a, b]` list of scalars.
fn scalar_or_flow(text: &str) -> Option<Value> {
    if let Some(inner) = text.strip_prefix('[') {
        let inner = inner.strip_suffix(']')?;
        if inner.trim().is_empty() {
            return Some(Value::Array(Vec::new()));
        }
        if inner.contains(['[', ']', '{', '}', '#']) {
            return None;
        }
        return inner
            .split(',')
            .map(|item| {
                let item = item.trim();
                if item.is_empty() {
                    return None; // `[a,,b]`, `[a, ]`: leave them to serde_yaml
                }
                scalar(item, true)
            })
            .collect::<Option<Vec<_>>>()
            .map(Value::Array);
    }
    scalar(text, false)
}

/// One scalar: quoted without escapes, or plain text that is surely a string, null
/// or a boolean (anything that might be a number is left to serde_yaml).
fn scalar(text: &str, in_flow: bool) -> Option<Value> {
    if let Some(inner) = text.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        // `''` is a quote; any other lone quote ends the string early.
        if inner.replace("''", "").contains('\'') {
            return None;
        }
        return Some(Value::String(inner.replace("''", "'")));
    }
    if let Some(inner) = text.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        if inner.contains(['"', '\\']) {
            return None;
        }
        return Some(Value::String(inner.to_string()));
    }
    // A comment ends a plain scalar.
    let bytes = text.as_bytes();
    let text = match (1..bytes.len()).find(|&i| bytes[i] == b'#' && bytes[i - 1] == b' ') {
        Some(i) => text[..i - 1].trim_end(),
        None => text,
    };
    let first = text.chars().next()?;
    if matches!(
        first,
        '[' | ']'
            | '{'
            | '}'
            | '&'
            | '*'
            | '!'
            | '|'
            | '>'
            | '%'
            | '@'
            | '`'
            | '\''
            | '"'
            | '#'
            | '?'
            | ':'
            | ','
            | '-'
            | '+'
            | '.'
            | '~'
    ) || !plain_text(text.as_bytes(), in_flow)
    {
        return None;
    }
    match text {
        "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Some(Value::Bool(false)),
        _ => {}
    }
    let radix_prefix = text.len() > 1
        && first == '0'
        && matches!(text.as_bytes()[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B');
    if radix_prefix
        || (first.is_ascii_digit() && text.contains('_'))
        || ((first.is_ascii_digit() || matches!(first, 'i' | 'I' | 'n' | 'N'))
            && text.parse::<f64>().is_ok())
    {
        return None;
    }
    Some(Value::String(text.to_string()))
}

/// No `: ` inside and no `:` at the end, no tab or CR; in a flow list, no quote or
/// `:` at all. One pass over the bytes.
fn plain_text(bytes: &[u8], in_flow: bool) -> bool {
    bytes.iter().enumerate().all(|(i, &c)| match c {
        b'\t' | b'\r' => false,
        b':' => !in_flow && bytes.get(i + 1).is_some_and(|&n| n != b' '),
        b'\'' | b'"' => !in_flow,
        _ => true,
    })
}

fn to_json(value: serde_yaml::Value) -> Value {
    match value {
        serde_yaml::Value::Null => Value::Null,
        serde_yaml::Value::Bool(b) => Value::Bool(b),
        serde_yaml::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Number(i.into())
            } else if let Some(u) = n.as_u64() {
                Value::Number(u.into())
            } else {
                n.as_f64()
                    .and_then(Number::from_f64)
                    .map(Value::Number)
                    .unwrap_or(Value::Null)
            }
        }
        serde_yaml::Value::String(s) => Value::String(s),
        serde_yaml::Value::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect())
        }
        serde_yaml::Value::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match to_json(k) {
                    Value::String(s) => s,
                    Value::Null => "null".to_string(),
                    other => other.to_string(),
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        serde_yaml::Value::Tagged(tagged) => to_json(tagged.value),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_split_like_str_lines() {
        for text in [
            "",
            "a",
            "a\n",
            "a\n\nb",
            "a\r\nb\r\n",
            "\n",
            "a\r",
            "\r\n",
            "a\rb\n",
            "é\nü",
        ] {
            let ours: Vec<&str> = lines(text).collect();
            assert_eq!(ours, text.lines().collect::<Vec<_>>(), "{text:?}");
        }
    }

    use super::*;

    #[test]
    fn error_has_line_inside_document() {
        let err = parse("title: a\ntags: [x\nfoo: bar\n").unwrap_err();
        assert!(err.line.is_some());
    }

    /// The fast reader's tree, checked against serde_yaml's when it gives one.
    fn same_as_serde_yaml(text: &str) -> bool {
        match parse_simple(text) {
            Some(fast) => {
                assert_eq!(Ok(fast), parse(text), "{text:?}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn fast_reader_agrees_with_serde_yaml() {
        let simple = [
            "title: '遭亚马逊集体封号后，政府对跨境电商卖家支持政策或将公布'\ncategories: \n - 金融\n - 新浪财经\n - 新浪财经－国內\nheadimg: 'https://n.sinaimg.cn/a.jpg'\nauthor: 新浪财经\ncomments: false\ndate: Sat, 14 Aug 2021 09:59:23 GMT\n",
            "layout:     post\ntitle:      \"Hello 2015\"\ndate:       2015-01-29 12:00:00\ntags:\n    - 生活\n    - Life\n",
            "title: It''s\ntags: [a, b,c]\nempty:\nnull_v: null\ntilde_free: a~b\n",
            "title: x # comment\n# whole comment\n\nmath: true # for formulae\nlink: \"\"\nimage:\n",
            "date: 2016-01-05\nlist:\n- a\n- 'b c'\n- [x, y]\nafter: z\n",
            "title: a [b] c\nurl: https://x.example/a?b=c#frag\n",
            "title: Hugo 0.24\naliases: [/0-24/]\ndate: 2017-06-17T17:53:58-04:00\n",
        ];
        for text in simple {
            assert!(same_as_serde_yaml(text), "should be simple: {text:?}");
        }
        let not_simple = [
            "version: 3.0\n",
            "weight: 10\n",
            "n: -4\n",
            "x: .inf\n",
            "h: 0x1F\n",
            "author: >\n  Ann\n  Lee\n",
            "providers:\n    cdn: loli\n",
            "title: a: b\n",
            "title: \"esc\\\"aped\"\n",
            "a: 1\na: 2\n",
            "tags: [a, 'b, c']\n",
            "categories: [[A, B], [C]]\n",
            "t: a\n  continued\n",
            "list:\n- a\n  - b\n",
            "list:\n-\n",
            "'quoted key': v\n",
            "x: &anchor v\ny: *anchor\n",
            "1: a\n",
            "t: ~\n",
        ];
        for text in not_simple {
            assert!(
                !same_as_serde_yaml(text),
                "should defer to serde_yaml: {text:?}"
            );
        }
    }

    #[test]
    fn fast_reader_agrees_on_tricky_scalars() {
        let values = [
            "yes",
            "no",
            "on",
            "off",
            "Yes",
            "~",
            "null",
            "Null",
            "NULL",
            "nULL",
            "true",
            "tRue",
            "FALSE",
            "1e3",
            "1E3",
            "1_000",
            "0777",
            "0o17",
            "0x1F",
            "0b11",
            "12:30",
            "12:30:45",
            "2001-12-14",
            "2001-12-14 21:59:43.10 -5",
            "-",
            "a#b",
            "a #b",
            "a: b",
            "é",
            "1.0.0",
            "v1.0",
            "inf",
            "Infinity",
            "nan",
            "NaN",
            ".5",
            "5.",
            "+5",
            "1e",
            "e1",
            "0",
            "00",
            "007",
            "1,000",
            "a,b",
            "http://x",
            "C:\\path",
            "%foo",
            "@foo",
            "`foo`",
            "=",
            "<",
            ">x",
            "|x",
            "!x",
            "&x",
            "*x",
            "?x",
            "a'b",
            "a\"b",
            "'a'",
            "\"a\"",
            "'a''b'",
            "'a'b'",
            "\"a\\\"\"",
            "[a]",
            "[a, b]",
            "[]",
            "[ ]",
            "[a,]",
            "{a: b}",
            "a:b",
            "a:",
            "a :b",
            "a: #c",
            "x #c: d",
            "a:b #c",
            "a # b: c",
            "[a:b]",
            "[a'b]",
            "[a #c]",
            "[a, b:c]",
            "a\tb",
            "- a",
            "'",
            "\"",
            "''",
            "\"\"",
            "[a, [b]]",
            "#c",
            "金融",
            "a ] b",
            "[a",
            "a]",
            "'a' b",
            "1.5e-3",
            "-.inf",
            "+.inf",
            ".NaN",
            "0.",
        ];
        let mut fast = 0;
        for v in values {
            for text in [
                format!("k: {v}\n"),
                format!("k: [{v}]\n"),
                format!("k: [x, {v}]\n"),
                format!("k:\n- {v}\n"),
                format!("k:\n  - {v}\n  - y\n"),
                format!("{v}: k\n"),
            ] {
                fast += usize::from(same_as_serde_yaml(&text));
            }
        }
        assert!(fast > 100, "the fast reader took only {fast} of them");
    }

    /// YAML front matter of every post in `../shared/corpus` (beside the repository,
    /// as CI clones it), whichever way its fences are written.
    fn corpus_front_matters() -> Vec<(std::path::PathBuf, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|d| d.join("shared/corpus"))
            .find(|d| d.is_dir())
            .expect("../shared/corpus beside the repository");
        let mut out = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let text = text.replace("\r\n", "\n").replace('\r', "\n");
                let mut parts = text.trim_start().splitn(3, "\n---\n");
                let head = parts.next().unwrap_or("");
                let head = head.strip_prefix("---\n").unwrap_or(head);
                if parts.next().is_some() && !head.starts_with("+++") {
                    out.push((path, format!("{head}\n")));
                }
            }
        }
        out
    }

    #[test]
    fn fast_reader_agrees_with_serde_yaml_on_the_real_corpus() {
        let fronts = corpus_front_matters();
        let fast = fronts.iter().filter(|(_, t)| same_as_serde_yaml(t)).count();
        println!(
            "{fast} of {} corpus front matters read by the fast reader",
            fronts.len()
        );
        // Most real front matter is simple; the rest still parses through serde_yaml.
        assert!(
            fronts.is_empty() || fast * 2 >= fronts.len(),
            "{fast} of {}",
            fronts.len()
        );
    }

    #[test]
    fn non_string_keys_become_text() {
        let v = parse("2019: a\ntrue: b\n").unwrap();
        assert_eq!(v["2019"], "a");
        assert_eq!(v["true"], "b");
    }
}
