//! Slugs for folder names and URLs: Unicode letters and digits kept (金融 stays 金融),
//! ASCII lower-cased, everything else folded into single `-`. A slug is one path
//! segment that can never climb out of the output folder: `..`, `/`, `\`, `:` and
//! control characters cannot survive.

/// Turns any text into a safe path segment. Never empty: text with nothing to keep
/// gives `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    slugify_into(&mut out, text);
    out
}

/// [`slugify`], appended to `out` (no allocation of its own).
pub fn slugify_into(out: &mut String, text: &str) {
    let start = out.len();
    out.reserve(text.len());
    let mut dash = false;
    for c in text.chars() {
        let kept = if c.is_ascii() {
            c.is_ascii_alphanumeric() || c == '_'
        } else {
            c.is_alphanumeric()
        };
        if kept {
            if dash && out.len() > start {
                out.push('-');
            }
            dash = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            dash = true;
        }
    }
    if out.len() == start {
        out.push('-');
    }
}

/// Makes a relative path (`2021/08/my post/`) safe: each segment slugified, empty,
/// `.` and `..` segments dropped. Used for permalink paths.
pub fn safe_path(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    safe_path_into(&mut out, text);
    out
}

/// [`safe_path`], appended to `out`: each segment is preceded by `/` unless it is
/// the first thing in `out`, so two calls give the safe path of both joined by `/`.
pub fn safe_path_into(out: &mut String, text: &str) {
    for segment in text
        .split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
    {
        if !out.is_empty() {
            out.push('/');
        }
        slugify_into(out, segment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_unicode_letters() {
        assert_eq!(slugify("金融"), "金融");
        assert_eq!(slugify("新浪财经－国內"), "新浪财经-国內");
        assert_eq!(slugify("Hello, World!"), "hello-world");
        assert_eq!(slugify("C++ & Rust"), "c-rust");
    }

    #[test]
    fn neutralises_traversal() {
        for evil in ["..", "/etc", "a/../../b", "C:\\evil", "", "\0", "../.."] {
            let s = slugify(evil);
            assert!(
                !s.contains('/') && !s.contains('\\') && s != ".." && s != "." && !s.is_empty(),
                "{evil:?} → {s:?}"
            );
        }
        assert_eq!(safe_path("a/../../b"), "a/b");
        assert_eq!(safe_path("/etc/passwd"), "etc/passwd");
        assert_eq!(safe_path("C:\\evil"), "c/evil");
    }

    #[test]
    fn appending_forms_agree() {
        let mut out = String::new();
        safe_path_into(&mut out, "news/./Ünïcode Ǆ");
        safe_path_into(&mut out, "../2021-08 Hello\\x");
        assert_eq!(out, safe_path("news/./Ünïcode Ǆ/../2021-08 Hello\\x"));
        assert_eq!(out, "news/ünïcode-ǆ/2021-08-hello/x");
        let mut out = String::from("a/");
        slugify_into(&mut out, "!!");
        assert_eq!(out, "a/-");
    }
}
