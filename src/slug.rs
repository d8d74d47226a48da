//! Slugs for folder names and URLs: Unicode letters and digits kept (金融 stays 金融),
//! ASCII lower-cased, everything else folded into single `-`. A slug is one path
//! segment that can never climb out of the output folder: `..`, `/`, `\`, `:` and
//! control characters cannot survive.

/// Turns any text into a safe path segment. Never empty: text with nothing to keep
/// gives `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '_' {
            if dash && !out.is_empty() {
                out.push('-');
            }
            dash = false;
            for l in c.to_lowercase() {
                out.push(l);
            }
        } else {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// Makes a relative path (`2021/08/my post/`) safe: each segment slugified, empty,
/// `.` and `..` segments dropped. Used for permalink paths.
pub fn safe_path(text: &str) -> String {
    text.split(['/', '\\'])
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .map(slugify)
        .collect::<Vec<_>>()
        .join("/")
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
}
