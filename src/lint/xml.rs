//! Bytes to a parsed document: the encoding (byte order mark, XML declaration,
//! encoding_rs for the non-UTF-8 ones), well-formedness (`dom`, DTDs allowed),
//! characters that betray a wrong encoding, and the document type declaration.

use std::borrow::Cow;

use super::dom::{Document, ErrorPos};

use super::{document_finding, Ctx};
use crate::report::Finding;

/// The document as text, decoded per its byte order mark or XML declaration.
/// `None` (with a finding) when it cannot be decoded.
pub(super) fn decode<'b>(
    bytes: &'b [u8],
    path: &str,
    out: &mut Vec<Finding>,
) -> Option<Cow<'b, str>> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return utf8(rest, path, out);
    }
    let utf16 = if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"<\0?\0") {
        Some(encoding_rs::UTF_16LE)
    } else if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\0<\0?") {
        Some(encoding_rs::UTF_16BE)
    } else {
        None
    };
    if let Some(enc) = utf16 {
        let (text, _, bad) = enc.decode(bytes);
        if bad {
            out.push(document_finding(
                path,
                "UnicodeError",
                "the document is not valid UTF-16",
            ));
            return None;
        }
        return Some(Cow::Owned(text.trim_start_matches('\u{feff}').to_string()));
    }
    let label = declared_encoding(bytes).map(|l| l.to_ascii_lowercase());
    match label.as_deref() {
        None | Some("utf-8") | Some("utf8") => utf8(bytes, path, out),
        Some("iso-8859-1") | Some("latin1") | Some("iso_8859-1") | Some("l1") => {
            // True ISO-8859-1: every byte is the code point of the same value, so
            // C1 controls stay visible to the bad-character check.
            Some(Cow::Owned(bytes.iter().map(|&b| b as char).collect()))
        }
        Some("us-ascii") | Some("ascii") => match bytes.iter().position(|b| *b >= 0x80) {
            Some(i) => {
                out.push(unicode_error(path, bytes, i, "us-ascii"));
                None
            }
            None => utf8(bytes, path, out),
        },
        Some(l) => match encoding_rs::Encoding::for_label(l.as_bytes()) {
            Some(enc) if enc == encoding_rs::UTF_16LE || enc == encoding_rs::UTF_16BE => {
                // Declared UTF-16 but written in an ASCII-compatible encoding.
                utf8(bytes, path, out)
            }
            Some(enc) => match enc.decode_without_bom_handling_and_without_replacement(bytes) {
                Some(t) => Some(Cow::Owned(t.into_owned())),
                None => {
                    out.push(document_finding(
                        path,
                        "UnicodeError",
                        format!("the document is not valid {}", enc.name()),
                    ));
                    None
                }
            },
            None => {
                let mut f =
                    document_finding(path, "UnknownEncoding", format!("unknown encoding {l:?}"));
                f.line = Some(1);
                f.column = Some(1);
                out.push(f);
                utf8(bytes, path, out)
            }
        },
    }
}

fn utf8<'b>(bytes: &'b [u8], path: &str, out: &mut Vec<Finding>) -> Option<Cow<'b, str>> {
    // Validated with SIMD where the processor has it (feeds hold a non-ASCII
    // character every line or so, where std's validation goes byte by byte); std
    // finds where an invalid document goes wrong.
    if let Ok(s) = simdutf8::basic::from_utf8(bytes) {
        return Some(Cow::Borrowed(s));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Some(Cow::Borrowed(s)),
        Err(e) => {
            out.push(unicode_error(path, bytes, e.valid_up_to(), "UTF-8"));
            None
        }
    }
}

fn unicode_error(path: &str, bytes: &[u8], at: usize, enc: &str) -> Finding {
    let before = &bytes[..at];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let col = at
        - before
            .iter()
            .rposition(|b| *b == b'\n')
            .map_or(0, |p| p + 1)
        + 1;
    let mut f = document_finding(
        path,
        "UnicodeError",
        format!(
            "byte 0x{:02X} is not valid {enc} (declare the document's real encoding)",
            bytes[at]
        ),
    );
    f.line = Some(line);
    f.column = Some(col);
    f
}

/// The `encoding` pseudo-attribute of an XML declaration, if any.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = &bytes[..bytes.len().min(512)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let end = head.windows(2).position(|w| w == b"?>")?;
    let decl = std::str::from_utf8(&head[..end]).ok()?;
    let i = decl.find("encoding")?;
    let rest = decl[i + "encoding".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(rest[..rest.find(quote)?].trim().to_string())
}

/// The ISO 8859-1 entities (`&nbsp;` … `&yuml;`, code points 160–255) that the
/// RSS 0.91 DTD defines.
const LATIN1_ENTITIES: [&str; 96] = [
    "nbsp", "iexcl", "cent", "pound", "curren", "yen", "brvbar", "sect", "uml", "copy", "ordf",
    "laquo", "not", "shy", "reg", "macr", "deg", "plusmn", "sup2", "sup3", "acute", "micro",
    "para", "middot", "cedil", "sup1", "ordm", "raquo", "frac14", "frac12", "frac34", "iquest",
    "Agrave", "Aacute", "Acirc", "Atilde", "Auml", "Aring", "AElig", "Ccedil", "Egrave", "Eacute",
    "Ecirc", "Euml", "Igrave", "Iacute", "Icirc", "Iuml", "ETH", "Ntilde", "Ograve", "Oacute",
    "Ocirc", "Otilde", "Ouml", "times", "Oslash", "Ugrave", "Uacute", "Ucirc", "Uuml", "Yacute",
    "THORN", "szlig", "agrave", "aacute", "acirc", "atilde", "auml", "aring", "aelig", "ccedil",
    "egrave", "eacute", "ecirc", "euml", "igrave", "iacute", "icirc", "iuml", "eth", "ntilde",
    "ograve", "oacute", "ocirc", "otilde", "ouml", "divide", "oslash", "ugrave", "uacute", "ucirc",
    "uuml", "yacute", "thorn", "yuml",
];

/// A document declaring the RSS 0.91 DTD may use the entities it defines; we do not
/// fetch DTDs, so declare them in the internal subset (on the DOCTYPE's own line,
/// so no line number moves).
pub(super) fn with_dtd_entities(text: Cow<'_, str>) -> Cow<'_, str> {
    let Some(i) = doctype_at(text.as_bytes()) else {
        return text;
    };
    let end = match text[i..].find(['>', '[']) {
        Some(e) => i + e,
        None => return text,
    };
    if !text[i..end].contains("//DTD RSS 0.91//") {
        return text;
    }
    let mut decls = String::new();
    for (n, name) in LATIN1_ENTITIES.iter().enumerate() {
        decls.push_str(&format!("<!ENTITY {name} \"&#{};\">", 160 + n));
    }
    let mut out = String::with_capacity(text.len() + decls.len() + 2);
    if text.as_bytes()[end] == b'[' {
        out.push_str(&text[..=end]);
        out.push_str(&decls);
        out.push_str(&text[end + 1..]);
    } else {
        out.push_str(&text[..end]);
        out.push('[');
        out.push_str(&decls);
        out.push(']');
        out.push_str(&text[end..]);
    }
    Cow::Owned(out)
}

/// Where the document's `<!DOCTYPE` starts. It stands in the prolog, before the
/// root element, after the XML declaration, comments, processing instructions and
/// white space, so the prolog is walked and the search ends at the root's start
/// tag: the content (CDATA sections full of `!`) is not read. A prolog that holds
/// anything else (text, an unclosed comment: not well-formed) is left to
/// [`find_doctype`]'s search of the whole text, as before, so the parser meets
/// the same document and reports the same error.
fn doctype_at(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        while b
            .get(i)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
        {
            i += 1;
        }
        let rest = &b[i..];
        let skip = |open: usize, close: &[u8]| {
            memchr::memmem::find(&rest[open..], close).map(|e| i + open + e + close.len())
        };
        let next = if rest.starts_with(b"<!DOCTYPE") {
            return Some(i);
        } else if rest.starts_with(b"<?") {
            skip(2, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip(4, b"-->")
        } else if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic() || matches!(rest[1], b'_' | b':' | 0x80..))
        {
            // The root element: no DOCTYPE may follow.
            return None;
        } else {
            None
        };
        match next {
            Some(n) => i = n,
            None => return find_doctype(b),
        }
    }
}

/// Where the first `<!DOCTYPE` in `b` starts. `!` is rare in a feed (a few per
/// CDATA section), so memchr for it beats a substring search over the whole
/// document.
fn find_doctype(b: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'!', b)
        .filter(|&i| i > 0)
        .map(|i| i - 1)
        .find(|&i| b[i..].starts_with(b"<!DOCTYPE"))
}

/// Parses the text; a document that is not well-formed XML yields one SAXError.
pub(super) fn parse<'t>(text: &'t str, path: &str, out: &mut Vec<Finding>) -> Option<Document<'t>> {
    let sax_error = |at: ErrorPos, message: String| {
        let (line, column) = match at {
            ErrorPos::LineColumn(l, c) => (l, c),
            ErrorPos::Offset(pos) => super::Lines::default().at(text, pos),
        };
        let mut f = document_finding(path, "SAXError", message);
        f.line = Some(line);
        f.column = Some(column);
        f
    };
    let doc = match Document::parse(text) {
        Ok(doc) => doc,
        Err(e) => {
            out.push(sax_error(e.at, e.message));
            return None;
        }
    };
    // A namespace name is a URI: white space inside it breaks namespace-aware parsers.
    let bad = doc.declaring_elements().find_map(|n| {
        n.declared_namespaces()
            .find(|(_, uri)| uri.chars().any(char::is_whitespace))
            .map(|(_, uri)| (n.range().start, uri.to_string()))
    });
    if let Some((pos, uri)) = bad {
        out.push(sax_error(
            ErrorPos::Offset(pos),
            format!("the namespace name {uri:?} contains white space"),
        ));
        return None;
    }
    Some(doc)
}

/// The XML version, the document type declaration, and characters that show the
/// document was decoded with the wrong encoding.
pub(super) fn check_prolog(cx: &mut Ctx) {
    let text = cx.doc.input_text();
    if let Some(v) = xml_version(text) {
        if v != "1.0" {
            cx.report_at(0, "BadXmlVersion", format!("XML version {v:?} is not 1.0"));
        }
    }
    // A DOCTYPE can only come before the root element.
    let prolog = &text.as_bytes()[..cx.doc.root_element().range().start];
    if let Some(i) = memchr::memmem::find(prolog, b"<!DOCTYPE") {
        let decl = &text[i..text[i..].find('>').map_or(text.len(), |e| i + e)];
        let root = cx.doc.root_element();
        let root_name = root.tag_name().name();
        let named = decl["<!DOCTYPE".len()..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        let local = named.rsplit(':').next().unwrap_or(named);
        if local != root_name {
            cx.report_at(
                i,
                "InvalidDoctype",
                format!("the DOCTYPE names <{named}>, the root element is <{root_name}>"),
            );
        } else {
            let version = root.attribute("version").map(str::trim);
            if decl.contains("//DTD RSS 0.91//") && version.is_some_and(|v| v != "0.91") {
                cx.report_at(
                    i,
                    "InvalidDoctype",
                    "the RSS 0.91 DOCTYPE declares a document of another version",
                );
            }
            if decl.contains("my.netscape.com") {
                cx.report_at(
                    i,
                    "DeprecatedDTD",
                    "the Netscape RSS 0.91 DTD is no longer available: remove the DOCTYPE",
                );
            }
        }
    }
    bad_characters(cx);
}

fn xml_version(text: &str) -> Option<&str> {
    let decl = text.strip_prefix("<?xml")?;
    let decl = &decl[..decl.find("?>")?];
    let i = decl.find("version")?;
    let rest = decl[i + "version".len()..]
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &rest[1..];
    Some(&rest[..rest.find(quote)?])
}

/// C1 control characters, or a UTF-8 sequence read as Latin-1 ("Ã©"), in text.
fn bad_characters(cx: &mut Ctx) {
    let text = cx.doc.input_text();
    // Both start with a byte 0xC2 or 0xC3, which one pass of the reader looked for.
    if cx.doc.c1_clean() || text.is_ascii() {
        return;
    }
    // In UTF-8: U+0080–U+009F is C2 80–9F; U+00C2–U+00DF is C3 82–9F and
    // U+00A0–U+00BF is C2 A0–BF.
    let b = text.as_bytes();
    let c1 = |i: usize| b[i] == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n));
    let mojibake = |i: usize| {
        b[i] == 0xC3
            && b.get(i + 1).is_some_and(|n| (0x82..=0x9F).contains(n))
            && b.get(i + 2) == Some(&0xC2)
            && b.get(i + 3).is_some_and(|n| (0xA0..=0xBF).contains(n))
    };
    // Only C2 and C3 bytes can start either: memchr finds them.
    let found = memchr::memchr2_iter(0xC2, 0xC3, b).find(|&i| c1(i) || mojibake(i));
    if let Some(i) = found {
        cx.report_at(
            i,
            "BadCharacters",
            "characters that look like the result of decoding with the wrong encoding",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctype_found_where_memmem_finds_it() {
        for t in [
            "<!DOCTYPE rss>",
            "x!!<!<!DOCTYPE a>",
            "<![CDATA[!]]><!DOCTYP <!DOCTYPE",
            "!<!DOCTYPE",
            "<!DOCTYP",
            "",
        ] {
            let b = t.as_bytes();
            assert_eq!(
                find_doctype(b),
                memchr::memmem::find(b, b"<!DOCTYPE"),
                "{t:?}"
            );
        }
    }

    /// Walking the prolog finds the DOCTYPE the whole-text search finds, in every
    /// document whose DOCTYPE (if any) stands before its first start tag, well
    /// formed or not; only a `<!DOCTYPE` after the root's start tag (inside CDATA,
    /// a comment, or misplaced) is not looked for. Unlike the search, the walk
    /// also passes over one named inside a comment or processing instruction.
    #[test]
    fn doctype_in_the_prolog_found_as_the_search_finds_it() {
        let prolog = [
            "",
            " ",
            "\r\n",
            "\t",
            "<?xml version=\"1.0\"?>",
            "<?pi r ?>",
            "<!-- r -->",
            "text",
            "<",
            "<!DOCTYPE rss PUBLIC \"-//Netscape Communications//DTD RSS 0.91//EN\" \"x\">",
            "<!DOCTYPE a [<!ENTITY e \"x\">]>",
            "\u{feff}",
        ];
        let body = [
            "<rss>",
            "<_r>",
            "<\u{e9}>",
            "<![CDATA[<!DOCTYPE inside>]]>",
            "<!DOCTYPE late>",
            "</rss>",
            "x",
            "",
        ];
        let mut next = crate::lint::xorshift(0x5eed_d0c7_7e00_0001);
        for round in 0..20000 {
            let mut doc = String::new();
            for _ in 0..next() % 5 {
                doc.push_str(prolog[next() as usize % prolog.len()]);
            }
            for _ in 0..next() % 4 {
                doc.push_str(body[next() as usize % body.len()]);
            }
            let b = doc.as_bytes();
            let searched = find_doctype(b);
            let walked = doctype_at(b);
            // Where the prolog ends for the walk: the first start tag (no piece
            // hides one in a comment or processing instruction).
            let root_tag = (0..b.len()).find(|&k| {
                b[k] == b'<'
                    && b.get(k + 1)
                        .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_' || c >= 0x80)
            });
            match searched {
                Some(at) if root_tag.is_some_and(|r| at > r) => {
                    assert!(walked.is_none() || walked == searched, "{round}: {doc:?}")
                }
                _ => assert_eq!(walked, searched, "{round}: {doc:?}"),
            }
        }
        let real = "<!DOCTYPE rss>";
        for before in [
            "<!-- <!DOCTYPE c> -->",
            "<?pi <!DOCTYPE x> ?>",
            "<!-- <r> -->",
            "<?pi <r> ?>",
        ] {
            let doc = format!("{before}\n{real}<rss/>");
            assert_eq!(doctype_at(doc.as_bytes()), doc.find(real), "{doc:?}");
        }
        assert_eq!(doctype_at(b"<rss><![CDATA[<!DOCTYPE x>]]></rss>"), None);
        // An unclosed comment or processing instruction: searched as before.
        assert_eq!(doctype_at(b"<!--<!DOCTYPE a>"), Some(4));
        assert_eq!(doctype_at(b"<?<!DOCTYPE a><r/>"), Some(2));
    }
}
