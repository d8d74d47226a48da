//! HTML inside feeds: markup where only plain text belongs (ContainsHTML), escaped
//! HTML that is not HTML (NotHtml), and markup a reader should not run — scripts,
//! embedded objects, event handler attributes and style that can cover the page
//! (SecurityRisk, SecurityRiskAttr, DangerousStyleAttr) — plus relative references
//! that a reader cannot resolve (ContainsRelRef).

use std::borrow::Cow;
use std::sync::OnceLock;

use super::dom::{find_either, special_bytes, Node};

use super::{urls, Ctx};

/// HTML element names (HTML 4 and the common HTML5 ones).
const HTML_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "applet",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "base",
    "basefont",
    "bdi",
    "bdo",
    "big",
    "blink",
    "blockquote",
    "body",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "embed",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "i",
    "iframe",
    "img",
    "input",
    "ins",
    "isindex",
    "kbd",
    "label",
    "layer",
    "legend",
    "li",
    "link",
    "map",
    "mark",
    "marquee",
    "menu",
    "meta",
    "nav",
    "nobr",
    "noembed",
    "noframes",
    "noscript",
    "object",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "picture",
    "pre",
    "q",
    "rb",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "script",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "style",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "title",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Common HTML named entities (those text is likely to carry by mistake).
const HTML_ENTITIES: &[&str] = &[
    "Alpha", "Beta", "Dagger", "Delta", "Omega", "Pi", "Prime", "Sigma", "aacute", "acute",
    "agrave", "alefsym", "alpha", "amp", "apos", "auml", "beta", "brvbar", "bull", "cap", "ccedil",
    "cedil", "cent", "circ", "clubs", "copy", "cup", "curren", "dagger", "darr", "deg", "delta",
    "diams", "divide", "eacute", "egrave", "emsp", "ensp", "epsilon", "euro", "frac12", "frac14",
    "frac34", "frasl", "gamma", "ge", "gt", "harr", "hearts", "hellip", "iacute", "iexcl", "image",
    "infin", "int", "iquest", "isin", "lambda", "laquo", "larr", "ldquo", "le", "lrm", "lsquo",
    "lt", "macr", "mdash", "micro", "middot", "mu", "nabla", "nbsp", "ndash", "ne", "not",
    "ntilde", "oacute", "oelig", "oline", "omega", "ordf", "ordm", "ouml", "para", "part",
    "permil", "pi", "plusmn", "pound", "prime", "prod", "quot", "radic", "raquo", "rarr", "rdquo",
    "real", "reg", "rlm", "rsquo", "scaron", "sect", "shy", "sigma", "spades", "sube", "sum",
    "sup1", "sup2", "sup3", "supe", "szlig", "theta", "thinsp", "tilde", "times", "trade",
    "uacute", "uarr", "uml", "uuml", "weierp", "yen", "yuml", "zwj", "zwnj",
];

/// CSS properties that cannot move content over the reader's page.
const SAFE_CSS: &[&str] = &[
    "azimuth",
    "background",
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-style",
    "border-top-width",
    "border-width",
    "clear",
    "color",
    "cursor",
    "direction",
    "display",
    "elevation",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-style",
    "font-variant",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "list-style",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "overflow",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "pause",
    "pause-after",
    "pause-before",
    "pitch",
    "pitch-range",
    "richness",
    "speak",
    "speak-header",
    "speak-numeral",
    "speak-punctuation",
    "speech-rate",
    "stress",
    "text-align",
    "text-decoration",
    "text-indent",
    "unicode-bidi",
    "vertical-align",
    "voice-family",
    "volume",
    "white-space",
    "width",
];

/// A sorted word list indexed by first byte: a lookup compares a handful of
/// lengths, not strings (these run for every tag and attribute of every entry).
struct Index {
    list: &'static [&'static str],
    starts: [u16; 257],
}

impl Index {
    fn new(list: &'static [&'static str]) -> Index {
        let mut starts = [0u16; 257];
        for b in 0..256 {
            starts[b + 1] = list.partition_point(|w| usize::from(w.as_bytes()[0]) <= b) as u16;
        }
        Index { list, starts }
    }

    fn contains(&self, name: &str) -> bool {
        let Some(&first) = name.as_bytes().first() else {
            return false;
        };
        let range = usize::from(self.starts[usize::from(first)])
            ..usize::from(self.starts[usize::from(first) + 1]);
        // Words are short: an inline byte loop beats a call to memcmp.
        self.list[range]
            .iter()
            .any(|w| w.len() == name.len() && w.bytes().zip(name.bytes()).all(|(a, b)| a == b))
    }
}

/// Whether the sorted `list` (whose index is `ix`) holds `name`.
fn has(ix: &'static OnceLock<Index>, list: &'static [&'static str], name: &str) -> bool {
    ix.get_or_init(|| Index::new(list)).contains(name)
}

static SAFE_CSS_IX: OnceLock<Index> = OnceLock::new();
static SAFE_CSS_KEYWORDS_IX: OnceLock<Index> = OnceLock::new();
static HTML_ENTITIES_IX: OnceLock<Index> = OnceLock::new();

/// `s` in ASCII lower case, borrowed when it already is.
fn lower(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Whether `name` (in any case) is an HTML element.
pub(super) fn is_html_tag(name: &str) -> bool {
    classes().of(name) & IS_HTML != 0
}

/// One tag found in an HTML string.
pub(super) struct Tag<'a> {
    pub name: &'a str,
    pub end: bool,
}

/// The start and end tags of an HTML string, in order (a tolerant scan, not a
/// parser). Lazy and allocation-free; the attributes of the tag just returned
/// are read with [`Tags::attrs`], in the same pass.
pub(super) fn tags(html: &str) -> Tags<'_> {
    Tags {
        i: 0,
        attrs: Attrs {
            html,
            j: 0,
            head: 0,
        },
        pending: false,
    }
}

/// The iterator [`tags`] returns.
pub(super) struct Tags<'a> {
    /// Where the search for the next `<` starts, once `attrs` has run out.
    i: usize,
    /// The attributes of the last tag returned, as far as they have been read.
    attrs: Attrs<'a>,
    /// Whether `attrs` belongs to the last tag returned (and may have more).
    pending: bool,
}

impl<'a> Tags<'a> {
    /// The attributes of the tag last returned (those not read yet).
    #[cfg(test)]
    pub(super) fn attrs(&mut self) -> &mut Attrs<'a> {
        &mut self.attrs
    }
}

impl<'a> Iterator for Tags<'a> {
    type Item = Tag<'a>;

    #[inline]
    fn next(&mut self) -> Option<Tag<'a>> {
        let html = self.attrs.html;
        let b = html.as_bytes();
        // The last tag ends after its attributes (a quoted `>` does not end it):
        // read those left unread.
        if self.pending {
            self.pending = false;
            for _ in self.attrs.by_ref() {}
            self.i = self.attrs.j.min(b.len());
        }
        loop {
            let i = find_either(b, self.i, b'<', b'<')? + 1;
            self.i = i;
            if b.get(i) == Some(&b'!') && b.get(i..i + 3) == Some(b"!--") {
                match memchr::memmem::find(&b[i..], b"-->") {
                    Some(e) => self.i = i + e + 3,
                    None => {
                        self.i = b.len();
                        return None;
                    }
                }
                continue;
            }
            let Some((end, start, stop)) = tag_name(b, i) else {
                continue;
            };
            self.attrs.j = stop;
            self.pending = true;
            let name = &html[start..stop];
            return Some(Tag { name, end });
        }
    }
}

/// The `(name, value)` attributes of one tag of an HTML string.
pub(super) struct Attrs<'a> {
    html: &'a str,
    /// The scan position: after the tag name, then after each attribute.
    j: usize,
    /// The lookup key of the name last returned ([`Classes::find`]) when it was
    /// read from one word (a short lower-case name), else 0.
    head: u64,
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a str, &'a str);

    #[inline(always)]
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let html = self.html;
        let b = html.as_bytes();
        let n = b.len();
        let mut j = self.j;
        // Most attributes are written ` name="value"` with a short lower-case
        // name: told from one word, read as the scan below would read them.
        if b.get(j) == Some(&b' ') {
            if let Some(word) = b.get(j + 1..j + 9) {
                let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                let eq = special_bytes(w, b'=', b'=');
                let len = (eq.trailing_zeros() / 8) as usize;
                if (1..=6).contains(&len) && word[len + 1] == b'"' && all_lower(w, len) {
                    self.head = w & (u64::MAX >> (64 - 8 * len));
                    let vs = j + len + 3;
                    // Values are URLs and prose, tens of bytes: sixteen a step.
                    let end = find_quote(&b[vs.min(n)..]).map_or(n, |p| vs + p);
                    self.j = (end + 1).min(n);
                    return Some((&html[j + 1..j + 1 + len], &html[vs..end]));
                }
            }
        }
        self.head = 0;
        let found = loop {
            while j < n && is(b[j], SPACE) {
                j += 1;
            }
            if j >= n || b[j] == b'>' || b[j] == b'<' {
                break None;
            }
            if b[j] == b'/' {
                j += 1;
                continue;
            }
            let an = j;
            while j < n && !is(b[j], NAME_END) {
                j += 1;
            }
            let aname = &html[an..j];
            while j < n && is(b[j], SPACE) {
                j += 1;
            }
            let mut value = "";
            if j < n && b[j] == b'=' {
                j += 1;
                while j < n && is(b[j], SPACE) {
                    j += 1;
                }
                if j < n && (b[j] == b'"' || b[j] == b'\'') {
                    let vs = j + 1;
                    j = find_either(b, vs, b[j], b[j]).unwrap_or(n);
                    value = &html[vs..j];
                    j = (j + 1).min(n);
                } else {
                    let vs = j;
                    while j < n && !is(b[j], VALUE_END) {
                        j += 1;
                    }
                    value = &html[vs..j];
                }
            }
            if aname.is_empty() {
                // A stray `=value`: step over the next character (a whole one:
                // `<p ='a'\u{e9}>` must not split the \u{e9}).
                j += 1;
                while j < n && !html.is_char_boundary(j) {
                    j += 1;
                }
            } else {
                break Some((aname, value));
            }
        };
        self.j = j;
        found
    }
}

/// The first `"` in `b`: SSE2 (part of x86-64) called directly, without memchr's
/// dispatch, which costs more than these short searches.
#[inline(always)]
fn find_quote(b: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    if let Some(one) = memchr::arch::x86_64::sse2::memchr::One::new(b'"') {
        return one.find(b);
    }
    memchr::memchr(b'"', b)
}

/// Whether the first `len` bytes of `w` (little-endian, `len` at most 8) are all
/// ASCII lower-case letters: one test for the whole word.
#[inline(always)]
fn all_lower(w: u64, len: usize) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let keep = HIGHS & (u64::MAX >> (64 - 8 * len));
    // Per byte with its high bit set, so subtracting borrows nothing from the
    // next byte: the high bit stays where the byte is at least `a`, then `{`.
    let x = w | HIGHS;
    let from_a = x.wrapping_sub(ONES * u64::from(b'a'));
    let past_z = x.wrapping_sub(ONES * u64::from(b'z' + 1));
    w & keep == 0 && from_a & !past_z & keep == keep
}

/// What a byte is to the tag scan, as bits: see [`BYTES`].
const SPACE: u8 = 1;
/// A byte of a tag name after the first letter: ASCII letters and digits, `:`, `-`.
const NAME: u8 = 2;
/// A byte that ends an attribute name: space, `=`, `>`, `/`, `<`.
const NAME_END: u8 = 4;
/// A byte that ends an unquoted attribute value: space, `>`.
const VALUE_END: u8 = 8;

/// The class bits of every byte: one load per byte in the scan loops.
static BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        let mut bits = 0;
        if b.is_ascii_whitespace() {
            bits |= SPACE | NAME_END | VALUE_END;
        }
        if b.is_ascii_alphanumeric() || b == b':' || b == b'-' {
            bits |= NAME;
        }
        if matches!(b, b'=' | b'>' | b'/' | b'<') {
            bits |= NAME_END;
        }
        if b == b'>' {
            bits |= VALUE_END;
        }
        t[c] = bits;
        c += 1;
    }
    t
};

/// The name of a tag whose `<` is at `i - 1`: whether it is an end tag, and where
/// its name starts and stops. `None` when no letter starts a name (not a tag).
#[inline(always)]
fn tag_name(b: &[u8], i: usize) -> Option<(bool, usize, usize)> {
    let end = b.get(i) == Some(&b'/');
    let start = i + usize::from(end);
    if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let mut stop = start + 1;
    while stop < b.len() && is(b[stop], NAME) {
        stop += 1;
    }
    Some((end, start, stop))
}

fn is(b: u8, class: u8) -> bool {
    BYTES[usize::from(b)] & class != 0
}

/// Whether plain text holds HTML: an end tag of an HTML element, or (unless the
/// source escaped its ampersands with hexadecimal references, as the RSS Best
/// Practices Profile recommends) an HTML entity or character reference.
pub(super) fn text_contains_html(text: &str, raw: &str) -> Option<String> {
    // Both need a `<` or an `&`, which most text has neither of, and what is
    // looked for is searched from one of those to the next (eight bytes a step:
    // the text is short, a call to memchr costs more to set up).
    let b = text.as_bytes();
    let first = find_either(b, 0, b'<', b'&')?;
    if let Some(lt) = find_either(b, first, b'<', b'<') {
        if let Some(t) = tags(&text[lt..]).find(|t| t.end && is_html_tag(t.name)) {
            return Some(format!("</{}>", t.name));
        }
    }
    let mut amp = find_either(b, first, b'&', b'&')?;
    if hex_reference(raw) {
        return None;
    }
    loop {
        let rest = &b[amp + 1..];
        if rest.first() == Some(&b'#') {
            return Some("&#".to_string());
        }
        // An ASCII letter or digit is a whole character: the name ends at a
        // character boundary.
        let len = rest
            .iter()
            .position(|c| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let name = &text[amp + 1..amp + 1 + len];
        if has(&HTML_ENTITIES_IX, HTML_ENTITIES, name) {
            return Some(format!("&{name};"));
        }
        amp = find_either(b, amp + 1, b'&', b'&')?;
    }
}

/// Whether `raw` holds `&#x` (a hexadecimal character reference): from one `&` to
/// the next, as text has few (a substring search costs more to set up than this
/// costs to run on an element's source).
fn hex_reference(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut from = 0;
    while let Some(i) = find_either(b, from, b'&', b'&') {
        if b.get(i + 1..i + 3) == Some(b"#x") {
            return true;
        }
        from = i + 1;
    }
    false
}

/// Whether RSS 2.0 plain text holds what an HTML reader would take for markup —
/// `<` before a letter or `/`, or a character reference — while its source did
/// not escape it with a hexadecimal reference (the RSS Best Practices Profile).
pub(super) fn bare_markup_char(text: &str, raw: &str) -> bool {
    let b = text.as_bytes();
    // From one `<` or `&` to the next (text holds few); the source is only read
    // when the text holds one that counts.
    let mut from = 0;
    while let Some(i) = find_either(b, from, b'<', b'&') {
        let markup = if b[i] == b'<' {
            b.get(i + 1)
                .is_some_and(|&c| c.is_ascii_alphabetic() || c == b'/')
        } else {
            b.get(i + 1) == Some(&b'#')
                && b.get(i + 2)
                    .is_some_and(|&c| c == b'x' || c.is_ascii_digit())
        };
        if markup {
            return !hex_reference(raw);
        }
        from = i + 1;
    }
    false
}

/// Elements a reader may display; the other HTML elements can run code, embed
/// objects or restyle the page.
const SAFE_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "area",
    "article",
    "aside",
    "audio",
    "b",
    "bdi",
    "big",
    "blockquote",
    "br",
    "button",
    "canvas",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "datalist",
    "dd",
    "del",
    "details",
    "dfn",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "em",
    "fieldset",
    "figcaption",
    "figure",
    "font",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "input",
    "ins",
    "kbd",
    "label",
    "legend",
    "li",
    "main",
    "map",
    "mark",
    "menu",
    "meter",
    "nav",
    "noscript",
    "ol",
    "optgroup",
    "option",
    "output",
    "p",
    "picture",
    "pre",
    "progress",
    "q",
    "rb",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "section",
    "select",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "template",
    "textarea",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "track",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Attributes a reader may keep (event handlers and the like are not among them).
const SAFE_ATTRS: &[&str] = &[
    "abbr",
    "accept",
    "accept-charset",
    "accesskey",
    "action",
    "align",
    "allowfullscreen",
    "alt",
    "autoplay",
    "axis",
    "background",
    "bgcolor",
    "border",
    "bordercolor",
    "cellpadding",
    "cellspacing",
    "char",
    "charoff",
    "charset",
    "checked",
    "cite",
    "class",
    "clear",
    "color",
    "cols",
    "colspan",
    "compact",
    "controls",
    "coords",
    "crossorigin",
    "datetime",
    "decoding",
    "default",
    "dir",
    "disabled",
    "download",
    "enctype",
    "face",
    "for",
    "frame",
    "headers",
    "height",
    "hidden",
    "high",
    "href",
    "hreflang",
    "hspace",
    "id",
    "ismap",
    "itemprop",
    "itemscope",
    "itemtype",
    "kind",
    "label",
    "lang",
    "loading",
    "longdesc",
    "loop",
    "low",
    "max",
    "maxlength",
    "media",
    "method",
    "min",
    "multiple",
    "muted",
    "name",
    "nohref",
    "noshade",
    "nowrap",
    "open",
    "optimum",
    "pattern",
    "placeholder",
    "playsinline",
    "poster",
    "preload",
    "readonly",
    "referrerpolicy",
    "rel",
    "rev",
    "reversed",
    "role",
    "rows",
    "rowspan",
    "rules",
    "scope",
    "selected",
    "shape",
    "size",
    "sizes",
    "span",
    "src",
    "srclang",
    "srcset",
    "start",
    "step",
    "summary",
    "tabindex",
    "target",
    "title",
    "type",
    "usemap",
    "valign",
    "value",
    "vspace",
    "width",
    "wrap",
    "xml:lang",
    "xmlns",
];

/// CSS keywords common in feeds that cannot move content around.
const SAFE_CSS_KEYWORDS: &[&str] = &[
    "!important",
    "aqua",
    "auto",
    "black",
    "block",
    "blue",
    "bold",
    "both",
    "bottom",
    "brown",
    "center",
    "collapse",
    "dashed",
    "dotted",
    "fuchsia",
    "gray",
    "green",
    "italic",
    "left",
    "lime",
    "maroon",
    "medium",
    "navy",
    "none",
    "normal",
    "nowrap",
    "olive",
    "pointer",
    "purple",
    "red",
    "right",
    "silver",
    "solid",
    "teal",
    "top",
    "transparent",
    "underline",
    "white",
    "yellow",
];

/// A small CSS value: a colour (`#abc`, `rgb(…)`) or a short length (`12px`, `0.5em`).
fn small_css_value(v: &str) -> bool {
    if let Some(hex) = v.strip_prefix('#') {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(args) = v.strip_prefix("rgb(") {
        return args
            .bytes()
            .all(|b| b.is_ascii_digit() || b"%,)".contains(&b));
    }
    let unit_at = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (num, unit) = v.split_at(unit_at);
    let digits = num.bytes().filter(u8::is_ascii_digit).count();
    (1..=3).contains(&digits)
        && num.matches('.').count() <= 1
        && matches!(
            unit,
            "" | "cm" | "em" | "ex" | "in" | "mm" | "pc" | "pt" | "px" | "%" | "," | ")"
        )
}

/// Why a `style` attribute could disturb the reader's page, if it could: characters
/// that can load or run things, properties that position or hide content, and
/// huge sizes.
fn dangerous_style(style: &str) -> Option<String> {
    let plain = |c: char| c.is_ascii_alphanumeric() || " \t\n\r:,;#%.!-_'\"()".contains(c);
    if !style.chars().all(plain) || style.contains("url(") || style.contains("expression(") {
        return Some(style.trim().to_string());
    }
    let lower = style.to_ascii_lowercase();
    for decl in lower.split(';') {
        if decl.trim().is_empty() {
            continue;
        }
        let Some((prop, value)) = decl.split_once(':') else {
            return Some(decl.trim().to_string());
        };
        let prop = prop.trim();
        if !has(&SAFE_CSS_IX, SAFE_CSS, prop) {
            return Some(prop.to_string());
        }
        let shorthand = matches!(
            prop.split('-').next().unwrap_or(""),
            "background" | "border" | "margin" | "padding"
        );
        if shorthand {
            if let Some(k) = value
                .split_whitespace()
                .find(|k| !has(&SAFE_CSS_KEYWORDS_IX, SAFE_CSS_KEYWORDS, k) && !small_css_value(k))
            {
                return Some(k.to_string());
            }
        }
    }
    None
}

/// Whether the HTML ends inside a tag (`<a` with no `>`).
fn unterminated_tag(html: &str) -> bool {
    html.rfind('<').is_some_and(|i| {
        html[i + 1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
            && !html[i..].contains('>')
    })
}

/// Control characters that cannot appear in HTML text. `c0_clean`: the text is
/// known to hold no C0 control other than tab, line feed and CR (then only DEL and
/// the C1 controls, `C2 80`–`C2 9F` in UTF-8, are looked for).
fn control_chars(html: &str, c0_clean: bool) -> bool {
    let b = html.as_bytes();
    let bad = |i: usize, c: u8| {
        (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r'))
            || c == 0x7F
            || (c == 0xC2 && b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
    };
    if c0_clean {
        return memchr::memchr2_iter(0x7F, 0xC2, b).any(|i| bad(i, b[i]));
    }
    // A branch-free pass per block finds the blocks worth a closer look.
    let suspect = |c: u8| {
        u8::from((c < 0x20) & (c != b'\t') & (c != b'\n') & (c != b'\r'))
            | u8::from(c == 0x7F)
            | u8::from(c == 0xC2)
    };
    b.chunks(64).enumerate().any(|(k, block)| {
        block.iter().fold(0, |acc, &c| acc | suspect(c)) != 0
            && block.iter().enumerate().any(|(i, &c)| bad(k * 64 + i, c))
    })
}

/// What an element or attribute name is, as bits: see [`classes`].
const IS_HTML: u16 = 1;
const IS_SAFE: u16 = 2;
/// `html`, `head`, `body`, `title`: parts of a whole document.
const IS_DOCUMENT: u16 = 4;
const IS_SAFE_ATTR: u16 = 8;
/// The attribute `style`.
const IS_STYLE: u16 = 16;
/// The elements `a` and `img`, and the attributes `href` and `src`: the links
/// checked for `javascript:` and relative references (`a href`, `img src`).
const IS_A: u16 = 32;
const IS_IMG: u16 = 64;
const IS_HREF: u16 = 128;
const IS_SRC: u16 = 256;

/// Element and attribute names with their class bits, in an open-addressing table
/// keyed by a name's first eight bytes (ASCII capitals made lower case) and its
/// length: one multiplication and, nearly always, one comparison per tag or
/// attribute.
struct Classes {
    slots: Vec<Slot>,
}

#[derive(Clone, Copy, Default)]
struct Slot {
    head: u64,
    /// 0: an empty slot.
    len: u8,
    bits: u16,
    word: &'static [u8],
}

/// Longer names are none of ours.
const MAX_NAME: usize = 16;
/// log2 of the table's size: room for twice the names it holds.
const SLOT_BITS: u32 = 9;

impl Classes {
    fn slot_of(head: u64, len: usize) -> usize {
        ((head ^ len as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOT_BITS)) as usize
    }

    /// The first eight bytes of `name` (fewer: zeros after them) as a
    /// little-endian word, ASCII capitals made lower case.
    fn head(name: &[u8]) -> u64 {
        let w = name[..name.len().min(8)]
            .iter()
            .rev()
            .fold(0u64, |w, &c| w << 8 | u64::from(c));
        lower_ascii(w)
    }

    fn add(&mut self, word: &'static str, bits: u16) {
        let w = word.as_bytes();
        assert!(!w.is_empty() && w.len() <= MAX_NAME, "{word}: too long");
        let head = Classes::head(w);
        let mask = self.slots.len() - 1;
        let mut i = Classes::slot_of(head, w.len());
        loop {
            let s = &mut self.slots[i];
            if s.len == 0 {
                *s = Slot {
                    head,
                    len: w.len() as u8,
                    bits,
                    word: w,
                };
                return;
            }
            if s.word == w {
                s.bits |= bits;
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// The class of a name, whatever its case.
    fn of(&self, name: &str) -> u16 {
        let n = name.as_bytes();
        if n.is_empty() || n.len() > MAX_NAME {
            return 0;
        }
        self.find(Classes::head(n), n)
    }

    /// The class of `b[start..stop]`, whatever its case: its first eight bytes are
    /// read in one load where the text goes on that far.
    #[inline(always)]
    fn of_in(&self, b: &[u8], start: usize, stop: usize) -> u16 {
        let len = stop - start;
        if len > MAX_NAME {
            return 0;
        }
        let head = match b.get(start..start + 8) {
            Some(word) => {
                let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
                let keep = if len >= 8 {
                    u64::MAX
                } else {
                    (1u64 << (8 * len)) - 1
                };
                lower_ascii(w & keep)
            }
            None => Classes::head(&b[start..stop]),
        };
        self.find(head, &b[start..stop])
    }

    #[inline(always)]
    fn find(&self, head: u64, n: &[u8]) -> u16 {
        let mask = self.slots.len() - 1;
        let mut i = Classes::slot_of(head, n.len());
        loop {
            let s = &self.slots[i];
            if s.len == 0 {
                return 0;
            }
            // Same length and first eight bytes: past eight, the rest is compared too.
            if s.head == head
                && usize::from(s.len) == n.len()
                && (n.len() <= 8
                    || s.word[8..]
                        .iter()
                        .zip(&n[8..])
                        .all(|(a, b)| *a == b.to_ascii_lowercase()))
            {
                return s.bits;
            }
            i = (i + 1) & mask;
        }
    }
}

/// `w` with each of its bytes that is an ASCII capital made lower case.
fn lower_ascii(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    // Per byte, without carries between bytes (seven bits plus less than 0x80):
    // the high bit says "at least `A`", then "past `Z`".
    let seven = w & !HIGHS;
    let from_a = seven + ONES * (0x80 - u64::from(b'A'));
    let past_z = seven + ONES * (0x80 - u64::from(b'Z' + 1));
    let capital = from_a & !past_z & !w & HIGHS;
    w | (capital >> 2)
}

fn classes() -> &'static Classes {
    static CLASSES: OnceLock<Classes> = OnceLock::new();
    CLASSES.get_or_init(|| {
        let mut c = Classes {
            slots: vec![Slot::default(); 1 << SLOT_BITS],
        };
        for t in HTML_TAGS {
            c.add(t, IS_HTML);
        }
        for t in SAFE_TAGS {
            c.add(t, IS_SAFE);
        }
        for t in DOCUMENT_TAGS {
            c.add(t, IS_DOCUMENT);
        }
        for a in SAFE_ATTRS {
            c.add(a, IS_SAFE_ATTR);
        }
        c.add("style", IS_STYLE);
        c.add("a", IS_A);
        c.add("img", IS_IMG);
        c.add("href", IS_HREF);
        c.add("src", IS_SRC);
        c
    })
}

/// Checks an HTML string (escaped in the feed) reported at `node`.
/// `base_ok`: relative references resolve against a declared xml:base.
pub(super) fn check_html(cx: &mut Ctx, node: Node, html: &str, base_ok: bool) {
    // Markup nearly always starts at once, and plain summaries are short: eight
    // bytes a step (long prose goes to memchr).
    if find_either(html.as_bytes(), 0, b'<', b'&').is_none() {
        return;
    }
    let Some(memo) = cx.html_memo else {
        if !certainly_clean(html, base_ok, cx.doc.c0_clean(), cx.doc.c1_clean()) {
            check_markup(cx, node, html, base_ok);
        }
        return;
    };
    if memo.is_clean(html, base_ok) {
        return;
    }
    if certainly_clean(html, base_ok, cx.doc.c0_clean(), cx.doc.c1_clean()) {
        memo.mark_clean(html, base_ok);
        return;
    }
    let before = cx.findings.len();
    check_markup(cx, node, html, base_ok);
    if cx.findings.len() == before {
        memo.mark_clean(html, base_ok);
    }
}

/// [`check_html`] on text that holds markup, without the memo.
fn check_markup(cx: &mut Ctx, node: Node, html: &str, base_ok: bool) {
    let mut risky = false;
    let mut not_html = None;
    let mut rel = None;
    if unterminated_tag(html) {
        not_html = Some("a tag is not closed".to_string());
    } else if control_chars(html, cx.doc.c0_clean()) {
        not_html = Some("it holds control characters".to_string());
    }
    let classes = classes();
    // The tags [`tags`] finds, in the same pass, written out here: one table lookup
    // per name, and nothing more for a tag whose name ends it.
    let b = html.as_bytes();
    let mut i = 0;
    while let Some(lt) = find_either(b, i, b'<', b'<') {
        i = lt + 1;
        // `<p>`, `</em>`: a tag whose name closes it and that there is nothing to
        // say about, known from one word of the text. `<a href`: a start tag
        // whose lower-case name ends at a space, named from the same word.
        let named = match word_tag(b, i, classes) {
            WordTag::Plain(len) => {
                i += len;
                continue;
            }
            WordTag::Named(len, class) => Some((i, i + len, class)),
            WordTag::Unknown => None,
        };
        let (end, start, stop, class) = match named {
            Some((start, stop, class)) => (false, start, stop, class),
            None => {
                if b.get(i) == Some(&b'!') && b.get(i..i + 3) == Some(b"!--") {
                    match memchr::memmem::find(&b[i..], b"-->") {
                        Some(e) => i += e + 3,
                        None => break,
                    }
                    continue;
                }
                let Some((end, start, stop)) = tag_name(b, i) else {
                    continue;
                };
                (end, start, stop, classes.of_in(b, start, stop))
            }
        };
        let tag = &html[start..stop];
        let mut attrs = Attrs {
            html,
            j: stop,
            head: 0,
        };
        if class & IS_HTML == 0 {
            not_html.get_or_insert_with(|| format!("<{tag}> is not an HTML element"));
        } else if end {
        } else if class & IS_DOCUMENT != 0 {
            not_html.get_or_insert_with(|| {
                format!("<{tag}> belongs to a whole document, not a fragment")
            });
        } else if class & IS_SAFE == 0 {
            if !risky {
                risky = true;
                cx.report(
                    node,
                    "SecurityRisk",
                    format!(
                        "<{}> holds a <{tag}> element, which readers strip or refuse",
                        name(node),
                    ),
                );
            }
        } else {
            let rel = (!base_ok).then_some(&mut rel);
            let classed = Classed {
                attrs: &mut attrs,
                classes,
            };
            check_attrs(cx, node, tag, class, classed, rel);
        }
        // The tag ends after its attributes (a quoted `>` does not end it).
        if b.get(attrs.j) != Some(&b'>') {
            for _ in attrs.by_ref() {}
        }
        i = attrs.j.min(b.len());
    }
    if let Some(why) = not_html {
        cx.report(
            node,
            "NotHtml",
            format!("<{}> should hold HTML, but {why}", name(node)),
        );
    }
    if let Some(r) = rel {
        cx.report(
            node,
            "ContainsRelRef",
            format!(
                "<{}> holds the relative reference {r:?}, which readers resolve unpredictably",
                name(node)
            ),
        );
    }
}

/// Whether [`check_markup`] would find nothing in `html`, told by a lean pass over
/// markup of the usual shape: safe HTML elements with safe attributes, absolute
/// links. It follows the same scan as [`check_markup`] but stops at the first thing
/// that check would report, or that it would take a closer look at (a style, an
/// unclosed quote, a `<` inside a tag): `false` means "not known to be clean", and
/// the full check then decides. `c0_clean`: as for [`control_chars`]; `c1_clean`:
/// the text is known to hold no byte 0x7F or 0xC2 either (then it holds no control
/// character at all).
///
/// No tag is left open: every tag it accepts ends at a `>` it has seen, and a `<`
/// it steps over as text is followed by neither a letter nor `/` (it gives up on
/// `</` without a name), so [`unterminated_tag`] has nothing to find either.
fn certainly_clean(html: &str, base_ok: bool, c0_clean: bool, c1_clean: bool) -> bool {
    if !(c0_clean && c1_clean) && control_chars(html, c0_clean) {
        return false;
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the processor has AVX2, checked just above.
        return unsafe { clean_avx2(html.as_bytes(), base_ok) };
    }
    clean_scan::<false>(html.as_bytes(), base_ok)
}

/// [`clean_scan`] with the AVX2 instructions.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn clean_avx2(b: &[u8], base_ok: bool) -> bool {
    clean_scan::<true>(b, base_ok)
}

/// [`certainly_clean`] past the control characters: the scan of the tags. The
/// usual tags and attributes are told here from one word each; anything else goes
/// to [`clean_tag`] and [`clean_attrs`], out of line, so that this loop stays tight.
#[inline(always)]
fn clean_scan<const AVX2: bool>(b: &[u8], base_ok: bool) -> bool {
    let mut scan = Scan::<AVX2>::new(b);
    while let Some(lt) = scan.next_lt() {
        // The text as the scan holds it: one copy of it to keep in registers (the
        // scan comes back from the calls out of line).
        let b = scan.b;
        let i = lt + 1;
        // `<p>`, `</em>`, `<br/>`: a tag named and closed within one word, nothing
        // to say about it (and no `<` inside). `<a href`: a safe start tag whose
        // lower-case name ends at a space.
        let Some(w) = word_at(b, i) else {
            match clean_tag(b, scan, i, base_ok) {
                Some(next) => scan = next,
                None => return false,
            }
            continue;
        };
        let (through, kind) = tag_kind(w);
        if kind & PLAIN != 0 {
            continue;
        }
        if kind & START == 0 {
            match clean_tag(b, scan, i, base_ok) {
                Some(next) => scan = next,
                None => return false,
            }
            continue;
        }
        // The attributes, each ` name="value"` with a safe name told from one
        // word (as [`Attrs`] reads it), the value's end from the marks.
        let link = link_attr(kind);
        let mut j = i + (through.trailing_ones() / 8) as usize - 1;
        let end = loop {
            // Here `b[j]` is a space.
            let Some(w) = word_at(b, j + 1) else {
                break None;
            };
            let through = attr_through(w);
            let class = WORDS.kind(w & through);
            if class & ATTR == 0 {
                break None;
            }
            let vs = j + 1 + (through.trailing_ones() / 8) as usize;
            let Some(ve) = scan.next_quote(vs) else {
                return false;
            };
            if class & link != 0
                && !plainly_absolute(b, vs)
                && !clean_attr(class, link, &[], &b[vs..ve], base_ok)
            {
                return false;
            }
            j = ve + 1;
            match b.get(j) {
                Some(b'>') => break Some(j),
                Some(b' ') => {}
                _ => break None,
            }
        };
        match end {
            Some(end) => scan.skip_to(end),
            None => match clean_attrs(b, scan, j, kind, base_ok) {
                Some(next) => scan = next,
                None => return false,
            },
        }
    }
    true
}

/// Whether the tag after the `<` at `i - 1` is one [`check_markup`] has nothing to
/// say about, read byte by byte: the scan past it if so, `None` if not (also for
/// what it leaves to the full check). A `<` that starts no tag is text. (The scan
/// goes in and out by value: its state stays in registers in the caller's loop.)
#[inline(never)]
fn clean_tag<'a, const AVX2: bool>(
    b: &'a [u8],
    mut scan: Scan<'a, AVX2>,
    i: usize,
    base_ok: bool,
) -> Option<Scan<'a, AVX2>> {
    let Some((end, start, stop)) = tag_name(b, i) else {
        if b.get(i..i + 3) == Some(b"!--") {
            let e = memchr::memmem::find(&b[i..], b"-->")?;
            scan.skip_to(i + e + 3);
        } else if b.get(i) == Some(&b'/') {
            // `</` and no name: an unterminated tag if no `>` follows.
            return None;
        }
        return Some(scan);
    };
    let class = classes().of_in(b, start, stop);
    if end {
        // An end tag says nothing unless it is no HTML element; one with
        // attributes is left to the full check.
        return (class & IS_HTML != 0 && b.get(stop) == Some(&b'>')).then_some(scan);
    }
    if class & (IS_HTML | IS_SAFE | IS_DOCUMENT) != IS_HTML | IS_SAFE {
        return None;
    }
    clean_attrs(b, scan, stop, class, base_ok)
}

/// The [`WORDS`] kind of the tag in the word after a `<`, and the mask of its key
/// (the bytes through what ends its name). Looked up first by the bytes through
/// the first that is no letter (bit 6 clear: `>`, space, `/`, digits…), which is
/// what ends nearly every name and costs a mask; for `h1` or `br/` the lookup goes
/// on with the bytes through the first `>` or space.
#[inline(always)]
fn tag_kind(w: u64) -> (u64, u16) {
    let through = tag_through(w);
    let kind = WORDS.kind(w & through);
    if kind & EXACT == 0 {
        return (through, kind);
    }
    let through = upto(special_bytes(w, b'>', b' '));
    (through, WORDS.kind(w & through))
}

/// The bytes of a little-endian word through the first after the first byte
/// that is no ASCII letter (bit 6 clear), as a mask; all of them when there is
/// none. (The first byte may be the `/` of an end tag.)
#[inline(always)]
const fn tag_through(w: u64) -> u64 {
    let t = (!w & 0x4040_4040_4040_4000) << 1;
    t ^ t.wrapping_sub(1)
}

/// The class bit of the attribute that is a link in a tag of class `tag_class`:
/// `href` of `a`, `src` of `img`.
#[inline(always)]
fn link_attr(tag_class: u16) -> u16 {
    const _: () = assert!(IS_A << 2 == IS_HREF && IS_IMG << 2 == IS_SRC);
    (tag_class & (IS_A | IS_IMG)) << 2
}

/// The bytes of a little-endian word through the one after the first that is no
/// ASCII letter (bit 6 clear: space, `=`, `"`, digits…), as a mask: an attribute
/// name and `="`. All of them when there is no such byte.
#[inline(always)]
const fn attr_through(w: u64) -> u64 {
    // Bit 6 of each byte that is no letter, moved to bit 7 of the byte after it:
    // below the lowest, the mask takes whole bytes.
    let t = (!w & 0x4040_4040_4040_4040) << 9;
    t ^ t.wrapping_sub(1)
}

/// The bytes of a little-endian word up to and including the first one `hits`
/// ([`special_bytes`]) marks, as a mask; all of them when it marks none.
#[inline(always)]
fn upto(hits: u64) -> u64 {
    // Below the lowest hit, `special_bytes` is exact: the mask runs through the
    // high bit of the byte hit.
    hits ^ hits.wrapping_sub(1)
}

/// The attributes of a safe start tag whose name ends at `j`, read as [`Attrs`]
/// reads them: the scan past the tag's end (its `>`) when none of them is
/// anything [`check_attrs`] reports, else `None` (also for what
/// [`certainly_clean`] leaves to the full check: a style, a quote that is not
/// closed, a `<` inside the tag, a link that is not plainly absolute).
#[inline(never)]
fn clean_attrs<'a, const AVX2: bool>(
    b: &'a [u8],
    mut scan: Scan<'a, AVX2>,
    mut j: usize,
    tag_class: u16,
    base_ok: bool,
) -> Option<Scan<'a, AVX2>> {
    let n = b.len();
    let link = link_attr(tag_class);
    loop {
        let c = *b.get(j)?;
        if c == b'>' {
            scan.skip_to(j);
            return Some(scan);
        }
        // ` href="value"`: a safe attribute named within one word, as [`Attrs`]
        // reads it (a short lower-case name), its value's end from the marks.
        if c == b' ' {
            if let Some(word) = b.get(j + 1..).and_then(|r| r.first_chunk::<8>()) {
                let w = u64::from_le_bytes(*word);
                let through = attr_through(w);
                let class = WORDS.kind(w & through);
                if class & ATTR != 0 {
                    let vs = j + 1 + (through.trailing_ones() / 8) as usize;
                    let ve = scan.next_quote(vs)?;
                    if class & link != 0
                        && !plainly_absolute(b, vs)
                        && !clean_attr(class, link, &[], &b[vs..ve], base_ok)
                    {
                        return None;
                    }
                    j = ve + 1;
                    continue;
                }
            }
        }
        if is(c, SPACE) || c == b'/' {
            j += 1;
            continue;
        }
        if c == b'<' || c == b'=' {
            return None;
        }
        let an = j;
        while j < n && !is(b[j], NAME_END) {
            j += 1;
        }
        let name_end = j;
        while j < n && is(b[j], SPACE) {
            j += 1;
        }
        let (vs, ve) = if b.get(j) == Some(&b'=') {
            j += 1;
            while j < n && is(b[j], SPACE) {
                j += 1;
            }
            match b.get(j) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    let vs = j + 1;
                    let ve = if q == b'"' {
                        scan.next_quote(vs)?
                    } else {
                        find_either(b, vs, q, q)?
                    };
                    j = ve + 1;
                    (vs, ve)
                }
                _ => {
                    let vs = j;
                    while j < n && !is(b[j], VALUE_END) {
                        j += 1;
                    }
                    (vs, j)
                }
            }
        } else {
            (j, j)
        };
        let class = classes().of_in(b, an, name_end);
        if !clean_attr(class, link, &b[an..name_end], &b[vs..ve], base_ok) {
            return None;
        }
    }
}

/// Whether the value at `vs` plainly starts an absolute link (`https://`,
/// `http://`), told from one word. (Neither holds a quote: the value goes on.)
#[inline(always)]
fn plainly_absolute(b: &[u8], vs: usize) -> bool {
    const HTTPS: u64 = u64::from_le_bytes(*b"https://");
    const HTTP: u64 = u64::from_le_bytes(*b"http://\0");
    word_at(b, vs).is_some_and(|w| w == HTTPS || w & (u64::MAX >> 8) == HTTP)
}

/// The eight bytes of `b` from `i` as a little-endian word, where `b` goes on
/// that far. (Written so that one comparison is the only bounds check.)
#[inline(always)]
fn word_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(*b.get(i..)?.first_chunk::<8>()?))
}

/// Whether [`check_attrs`] has nothing to say of the attribute `name="value"`
/// (`class` its class); `link`: the class bit of the attribute that is a link in
/// its tag (`href` of `a`, `src` of `img`). `false` also where it would take a
/// closer look (a style, a link that is not plainly absolute). `name` is only
/// looked at for an attribute that is not safe (a `data-` one).
#[inline(always)]
fn clean_attr(class: u16, link: u16, name: &[u8], v: &[u8], base_ok: bool) -> bool {
    if class & IS_STYLE != 0 {
        return false;
    }
    if class & IS_SAFE_ATTR == 0 {
        return name
            .get(..5)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"data-"));
    }
    if class & link != 0 {
        // The usual absolute link, told from its first bytes; with a base,
        // anything that starts plainly but `javascript:`. The rest is left to the
        // full check.
        let absolute = v.starts_with(b"https://") || v.starts_with(b"http://");
        return absolute
            || (base_ok
                && v.first().is_some_and(u8::is_ascii_alphanumeric)
                && !v
                    .get(..11)
                    .is_some_and(|s| s.eq_ignore_ascii_case(b"javascript:")));
    }
    true
}

/// The `<` and `"` of a text, found 64 bytes at a time as the scan reaches them:
/// one bit per byte (the lowest for the first) of the block the scan is in. The
/// scan only moves forward, so each block is looked at once, and nothing is
/// allocated. `AVX2`: the marks are found with the AVX2 instructions, which the
/// processor must have (only [`clean_avx2`] scans so).
#[derive(Clone, Copy)]
struct Scan<'a, const AVX2: bool> {
    b: &'a [u8],
    /// Where the current block starts (a multiple of 64).
    base: usize,
    /// The `<` of the current block that [`Scan::next_lt`] has not returned or
    /// [`Scan::skip_to`] passed yet.
    lt: u64,
    /// The `"` of the current block.
    quote: u64,
}

impl<'a, const AVX2: bool> Scan<'a, AVX2> {
    fn new(b: &'a [u8]) -> Scan<'a, AVX2> {
        let (lt, quote) = block_marks::<AVX2>(b, 0);
        Scan {
            b,
            base: 0,
            lt,
            quote,
        }
    }

    /// Moves to the next block; `false` past the end (then it has no marks).
    #[inline(always)]
    fn advance(&mut self) -> bool {
        self.base += 64;
        if self.base >= self.b.len() {
            (self.lt, self.quote) = (0, 0);
            return false;
        }
        (self.lt, self.quote) = block_marks::<AVX2>(self.b, self.base);
        true
    }

    /// The next `<` not returned or passed yet.
    #[inline(always)]
    fn next_lt(&mut self) -> Option<usize> {
        if self.lt == 0 && !self.refill_lt() {
            return None;
        }
        let at = self.base + self.lt.trailing_zeros() as usize;
        self.lt &= self.lt - 1;
        Some(at)
    }

    /// Moves on to the next block with a `<`; `false` at the end.
    #[inline(always)]
    fn refill_lt(&mut self) -> bool {
        while self.lt == 0 {
            if !self.advance() {
                return false;
            }
        }
        true
    }

    /// Passes the `<` before `at` (which is not before the current block).
    #[inline(always)]
    fn skip_to(&mut self, at: usize) {
        if at - self.base < 64 {
            self.lt &= u64::MAX << (at - self.base);
        } else {
            self.skip_far(at);
        }
    }

    #[inline(always)]
    fn skip_far(&mut self, at: usize) {
        while at - self.base >= 64 {
            if !self.advance() {
                return;
            }
        }
        self.lt &= u64::MAX << (at - self.base);
    }

    /// The first `"` at or after `from` (which is not before the current block).
    #[inline(always)]
    fn next_quote(&mut self, from: usize) -> Option<usize> {
        if from - self.base < 64 {
            let bits = self.quote & (u64::MAX << (from - self.base));
            if bits != 0 {
                return Some(self.base + bits.trailing_zeros() as usize);
            }
        }
        self.quote_far(from)
    }

    #[inline(always)]
    fn quote_far(&mut self, from: usize) -> Option<usize> {
        while from - self.base >= 64 {
            if !self.advance() {
                return None;
            }
        }
        let mut bits = self.quote & (u64::MAX << (from - self.base));
        while bits == 0 {
            if !self.advance() {
                return None;
            }
            bits = self.quote;
        }
        Some(self.base + bits.trailing_zeros() as usize)
    }
}

/// The `<` and `"` marks of the 64 bytes of `b` from `base` (which is inside `b`);
/// past its end, none.
/// `AVX2`: with the AVX2 instructions (see [`Scan`]).
#[inline(always)]
fn block_marks<const AVX2: bool>(b: &[u8], base: usize) -> (u64, u64) {
    let marks = |block: &[u8; 64]| {
        #[cfg(target_arch = "x86_64")]
        if AVX2 {
            // SAFETY: only `clean_avx2` scans with AVX2, and it only runs where
            // the processor has it.
            return unsafe { marks64_avx2(block) };
        }
        marks64_plain(block)
    };
    match b.get(base..base + 64) {
        Some(block) => marks(block.try_into().expect("64 bytes")),
        None => {
            let rest = &b[base.min(b.len())..];
            let mut pad = [0u8; 64];
            pad[..rest.len()].copy_from_slice(rest);
            marks(&pad)
        }
    }
}

/// Where the `<` and `"` of a block are, with AVX2: 32 bytes a compare.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn marks64_avx2(block: &[u8; 64]) -> (u64, u64) {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let halves: &[[u8; 32]; 2] = block.as_chunks().0.try_into().expect("two halves");
    // SAFETY: each half is 32 bytes, what an unaligned load reads.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(halves[0].as_ptr().cast()),
            _mm256_loadu_si256(halves[1].as_ptr().cast()),
        )
    };
    let bits = |v: __m256i| u64::from(_mm256_movemask_epi8(v) as u32);
    let marks = |c: u8| {
        let c = _mm256_set1_epi8(c as i8);
        bits(_mm256_cmpeq_epi8(lo, c)) | bits(_mm256_cmpeq_epi8(hi, c)) << 32
    };
    (marks(b'<'), marks(b'"'))
}

/// [`marks64_avx2`]'s marks a byte at a time: the portable way, and what the
/// tests hold the SIMD one to.
fn marks64_plain(block: &[u8; 64]) -> (u64, u64) {
    let (mut lts, mut quotes) = (0u64, 0u64);
    for (j, &c) in block.iter().enumerate() {
        lts |= u64::from(c == b'<') << j;
        quotes |= u64::from(c == b'"') << j;
    }
    (lts, quotes)
}

/// What a [`WORDS`] key is (besides the class bits of its name).
/// A tag that needs no look at all once its name is read (after the `<`): `p>`,
/// `br/>` for a safe HTML element, `/p>` for the end of any HTML element.
const PLAIN: u16 = 1 << 10;
/// A safe HTML element's start tag whose name ends at a space: `a `.
const START: u16 = 1 << 11;
/// A safe attribute with a double-quoted value: `href="`.
const ATTR: u16 = 1 << 12;
/// A tag name with a byte that is no letter before its end (`h1`, `br/`): the
/// lookup goes on with the bytes through the `>` or space ([`tag_kind`]).
const EXACT: u16 = 1 << 13;

/// log2 of the slots of [`WORDS`]: four times as many as the words, so that a
/// lookup nearly always reads one slot.
const WORD_BITS: u32 = 11;

/// The tags and attributes [`certainly_clean`] knows from one word of the text,
/// written as they mostly are (lower case, at most eight bytes with what ends the
/// name), keyed by those bytes as a little-endian word, with their kind and class
/// bits. Built at compile time: no set-up, no pointer to follow.
struct Words {
    keys: [u64; 1 << WORD_BITS],
    kinds: [u16; 1 << WORD_BITS],
}

static WORDS: Words = Words::build();

impl Words {
    const fn slot(key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - WORD_BITS)) as usize
    }

    /// The kind and class bits of `key`, 0 for a word not listed.
    #[inline(always)]
    fn kind(&self, key: u64) -> u16 {
        let mut s = Words::slot(key);
        loop {
            let k = self.keys[s];
            if k == key {
                return self.kinds[s];
            }
            if k == 0 {
                return 0;
            }
            s = (s + 1) & ((1 << WORD_BITS) - 1);
        }
    }

    /// `before` `name` `after` as a key, with its bits (nothing when it takes
    /// more than eight bytes).
    const fn add(&mut self, before: &[u8], name: &[u8], after: &[u8], bits: u16) {
        let len = before.len() + name.len() + after.len();
        if len > 8 {
            return;
        }
        let mut key = 0u64;
        let mut k = len;
        while k > 0 {
            k -= 1;
            let c = if k < before.len() {
                before[k]
            } else if k < before.len() + name.len() {
                name[k - before.len()]
            } else {
                after[k - before.len() - name.len()]
            };
            key = key << 8 | c as u64;
        }
        if bits & ATTR != 0 {
            self.insert(key, bits);
            return;
        }
        // A tag is looked up by its first non-letter ([`tag_kind`]); where that is
        // not what ends it (`h1>`, `br/>`), that key sends the lookup on to the
        // exact one.
        let first = key & tag_through(key);
        if first != key {
            self.insert(first, EXACT);
        }
        self.insert(key, bits);
    }

    const fn insert(&mut self, key: u64, bits: u16) {
        let mut s = Words::slot(key);
        while self.keys[s] != 0 && self.keys[s] != key {
            s = (s + 1) & ((1 << WORD_BITS) - 1);
        }
        self.keys[s] = key;
        self.kinds[s] |= bits;
    }

    const fn build() -> Words {
        let mut w = Words {
            keys: [0; 1 << WORD_BITS],
            kinds: [0; 1 << WORD_BITS],
        };
        let mut k = 0;
        while k < HTML_TAGS.len() {
            let t = HTML_TAGS[k].as_bytes();
            w.add(b"/", t, b">", PLAIN);
            if listed(SAFE_TAGS, t) && !listed(DOCUMENT_TAGS, t) {
                let links = if same(t, b"a") {
                    IS_A
                } else if same(t, b"img") {
                    IS_IMG
                } else {
                    0
                };
                w.add(b"", t, b">", PLAIN);
                w.add(b"", t, b"/>", PLAIN);
                w.add(b"", t, b" ", START | IS_HTML | IS_SAFE | links);
            }
            k += 1;
        }
        let mut k = 0;
        while k < SAFE_ATTRS.len() {
            let a = SAFE_ATTRS[k].as_bytes();
            // Only the names [`Attrs`] reads from one word.
            let mut letters = true;
            let mut c = 0;
            while c < a.len() {
                letters &= a[c].is_ascii_lowercase();
                c += 1;
            }
            if letters {
                let links = if same(a, b"href") {
                    IS_HREF
                } else if same(a, b"src") {
                    IS_SRC
                } else {
                    0
                };
                w.add(b"", a, b"=\"", ATTR | IS_SAFE_ATTR | links);
            }
            k += 1;
        }
        w
    }
}

/// The parts of a whole document ([`IS_DOCUMENT`]).
const DOCUMENT_TAGS: &[&str] = &["body", "head", "html", "title"];

/// Whether two byte strings are the same (at compile time).
const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut k = 0;
    while k < a.len() {
        if a[k] != b[k] {
            return false;
        }
        k += 1;
    }
    true
}

/// Whether `list` holds `name` (at compile time).
const fn listed(list: &[&str], name: &[u8]) -> bool {
    let mut k = 0;
    while k < list.len() {
        if same(list[k].as_bytes(), name) {
            return true;
        }
        k += 1;
    }
    false
}

fn name<'a>(node: Node<'a, '_>) -> &'a str {
    node.tag_name().name()
}

/// What the eight bytes after a `<` (at `i`) tell of the tag there, when they tell it.
enum WordTag {
    /// A tag whose name closes it and that there is nothing to say about (`p>`,
    /// `/em>`, `br/>`: [`PLAIN`] in [`WORDS`]): its length with the `>`.
    Plain(usize),
    /// A start tag whose lower-case name ends at a space (`a href`): the name's
    /// length and class.
    Named(usize, u16),
    /// Anything else, or fewer than eight bytes left: the tag is read byte by byte.
    Unknown,
}

/// Reads the tag at `i` from one word of `b`: see [`WordTag`]. Inlined: it runs
/// for every tag of every linted text.
#[inline(always)]
fn word_tag(b: &[u8], i: usize, classes: &Classes) -> WordTag {
    let Some(word) = b.get(i..i + 8) else {
        return WordTag::Unknown;
    };
    let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
    let gt = special_bytes(w, b'>', b'>');
    if gt != 0 {
        let len = (gt.trailing_zeros() / 8 + 1) as usize;
        if WORDS.kind(w & (u64::MAX >> (64 - 8 * len))) & PLAIN != 0 {
            return WordTag::Plain(len);
        }
    }
    let len = (special_bytes(w, b' ', b' ').trailing_zeros() / 8) as usize;
    if (1..8).contains(&len) && all_lower(w, len) {
        let head = w & (u64::MAX >> (64 - 8 * len));
        return WordTag::Named(len, classes.find(head, &word[..len]));
    }
    WordTag::Unknown
}

/// The attributes of a tag in HTML text with their classes: a name read from one
/// word is looked up by the key that word gave, any other where it stands in the
/// text (one load for its first eight bytes).
struct Classed<'a, 'b> {
    attrs: &'b mut Attrs<'a>,
    classes: &'static Classes,
}

impl<'a> Iterator for Classed<'a, '_> {
    type Item = (&'a str, &'a str, u16);

    #[inline(always)]
    fn next(&mut self) -> Option<(&'a str, &'a str, u16)> {
        let (a, v) = self.attrs.next()?;
        let class = match self.attrs.head {
            0 => {
                let html = self.attrs.html;
                let at = a.as_ptr() as usize - html.as_ptr() as usize;
                self.classes.of_in(html.as_bytes(), at, at + a.len())
            }
            head => self.classes.find(head, a.as_bytes()),
        };
        Some((a, v, class))
    }
}

/// Checks the attributes of an element a reader keeps; `tag` is its name as
/// written (any case), `tag_class` its class. `rel` keeps the first relative
/// reference in a link (`a href`, `img src`) where those count (no `xml:base`).
fn check_attrs<'v>(
    cx: &mut Ctx,
    node: Node,
    tag: &str,
    tag_class: u16,
    attrs: impl Iterator<Item = (&'v str, &'v str, u16)>,
    mut rel: Option<&mut Option<String>>,
) {
    for (a, v, class) in attrs {
        if class & IS_STYLE != 0 {
            if let Some(why) = dangerous_style(v) {
                cx.report(
                    node,
                    "DangerousStyleAttr",
                    format!(
                        "a style attribute in <{}> could disturb the reader's page: {why:?}",
                        name(node)
                    ),
                );
            }
        } else if class & IS_SAFE_ATTR == 0
            && !a.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("data-"))
        {
            cx.report(
                node,
                "SecurityRiskAttr",
                format!(
                    "<{}> in <{}> has the attribute {a:?}, which readers strip",
                    lower(tag),
                    name(node)
                ),
            );
        } else if (tag_class & IS_A != 0 && class & IS_HREF != 0)
            || (tag_class & IS_IMG != 0 && class & IS_SRC != 0)
        {
            // Trimmed (Unicode white space) unless it plainly starts and ends
            // with something else.
            let plain_ends = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii_graphic());
            let v = if plain_ends(v.as_bytes().first()) && plain_ends(v.as_bytes().last()) {
                v
            } else {
                v.trim()
            };
            if v.get(..11)
                .is_some_and(|s| s.eq_ignore_ascii_case("javascript:"))
            {
                cx.report(
                    node,
                    "SecurityRiskAttr",
                    format!("<{}> in <{}> links to javascript:", lower(tag), name(node)),
                );
            } else if let Some(rel) = rel.as_deref_mut().filter(|r| r.is_none()) {
                if !v.is_empty()
                    && !v.starts_with("https:")
                    && !v.starts_with("http:")
                    && urls::scheme_of(v).is_none()
                {
                    *rel = Some(v.to_string());
                }
            }
        }
    }
}

/// Checks inline XHTML (Atom `type="xhtml"`, `xhtml:body`) below `div`.
pub(super) fn check_xhtml(cx: &mut Ctx, report_at: Node, div: Node) {
    let mut risky = false;
    let mut not_html = false;
    let mut prefix_warned = false;
    for el in div.descendants().filter(|d| d.is_element() && *d != div) {
        let n = el.tag_name().name();
        // Written `<xhtml:b>`: the source text after `<` is not the bare name.
        let prefixed = !cx.doc.input_text()[el.range().start + 1..].starts_with(n);
        if prefixed && !prefix_warned && super::ns(el) == Some(super::atom::XHTML_NS) {
            prefix_warned = true;
            cx.report(
                el,
                "AvoidNamespacePrefix",
                "write XHTML elements without a namespace prefix: many readers need it",
            );
        }
        let ns = super::ns(el);
        if ns != Some(super::atom::XHTML_NS) {
            if ns == Some(MATHML_NS) {
                // MathML readers render a known vocabulary; anything else is suspect.
                if !MATHML_TAGS.contains(&n) && !risky {
                    risky = true;
                    cx.report(el, "SecurityRisk", format!("<{n}> is not a MathML element"));
                }
                if let Some(a) = el
                    .attributes()
                    .find(|a| a.namespace().is_none() && !MATHML_ATTRS.contains(&a.name()))
                {
                    cx.report_at(
                        a.range().start,
                        "SecurityRiskAttr",
                        format!("MathML <{n}> has the attribute {:?}", a.name()),
                    );
                }
                continue;
            }
            if ns == Some(SVG_NS) {
                continue;
            }
            match ns {
                None => cx.report(
                    el,
                    "MissingNamespace",
                    format!("<{n}> in XHTML content is in no namespace"),
                ),
                Some(other) if super::ext::is_known(other) => cx.report(
                    el,
                    "UndefinedElement",
                    format!("<{n}> (namespace {other}) does not belong in XHTML content"),
                ),
                Some(other) => super::ext::unknown_namespace(cx, el.range().start, other),
            }
            continue;
        }
        // An unknown element is not XHTML (Atom); in an RSS xhtml:body, readers
        // strip it like any element they do not trust.
        if !is_html_tag(n) && div.tag_name().name() != "body" {
            if !not_html {
                not_html = true;
                cx.report(el, "NotHtml", format!("<{n}> is not an XHTML element"));
            }
            continue;
        }
        // XHTML names are lower case: `<P>` is no safe element there.
        let class = classes().of(n);
        if class & IS_SAFE == 0 || n.bytes().any(|b| b.is_ascii_uppercase()) {
            if !risky {
                risky = true;
                cx.report(el, "SecurityRisk", format!("<{n}> is not safe in a feed"));
            }
            continue;
        }
        let attrs = el
            .attributes()
            .filter(|a| a.namespace().is_none())
            .map(|a| (a.name(), a.value(), classes().of(a.name())));
        check_attrs(cx, report_at, n, class, attrs, None);
    }
}

const MATHML_NS: &str = "http://www.w3.org/1998/Math/MathML";

/// MathML presentation elements.
const MATHML_TAGS: &[&str] = &[
    "annotation",
    "annotation-xml",
    "maction",
    "math",
    "menclose",
    "merror",
    "mfenced",
    "mfrac",
    "mi",
    "mmultiscripts",
    "mn",
    "mo",
    "mover",
    "mpadded",
    "mphantom",
    "mprescripts",
    "mroot",
    "mrow",
    "ms",
    "mspace",
    "msqrt",
    "mstyle",
    "msub",
    "msubsup",
    "msup",
    "mtable",
    "mtd",
    "mtext",
    "mtr",
    "munder",
    "munderover",
    "none",
    "semantics",
];

/// Attributes of MathML presentation elements.
const MATHML_ATTRS: &[&str] = &[
    "accent",
    "accentunder",
    "actiontype",
    "align",
    "class",
    "close",
    "columnalign",
    "columnlines",
    "columnspacing",
    "columnspan",
    "depth",
    "dir",
    "display",
    "displaystyle",
    "encoding",
    "equalcolumns",
    "equalrows",
    "fence",
    "fontstyle",
    "fontweight",
    "frame",
    "height",
    "id",
    "largeop",
    "linethickness",
    "lspace",
    "mathbackground",
    "mathcolor",
    "mathsize",
    "mathvariant",
    "maxsize",
    "minsize",
    "movablelimits",
    "notation",
    "open",
    "other",
    "rowalign",
    "rowlines",
    "rowspacing",
    "rowspan",
    "rspace",
    "scriptlevel",
    "selection",
    "separator",
    "separators",
    "stretchy",
    "style",
    "symmetric",
    "width",
];
const SVG_NS: &str = "http://www.w3.org/2000/svg";

#[cfg(test)]
mod tests {
    use super::super::dom::Document;
    use super::*;

    /// What `check_markup` reports, worked out the plain way: every tag from
    /// [`tags`], every name looked up in the word lists.
    fn reference(html: &str, base_ok: bool) -> Vec<(&'static str, String)> {
        let lc = |s: &str| s.to_ascii_lowercase();
        let html_tag = |t: &str| HTML_TAGS.contains(&lc(t).as_str());
        let mut out = Vec::new();
        let mut risky = false;
        let mut not_html = None;
        let mut rel = None;
        if unterminated_tag(html) {
            not_html = Some("a tag is not closed".to_string());
        } else if control_chars(html, true) {
            not_html = Some("it holds control characters".to_string());
        }
        let mut scan = tags(html);
        while let Some(t) = scan.next() {
            let n = lc(t.name);
            if !html_tag(t.name) {
                not_html.get_or_insert_with(|| format!("<{}> is not an HTML element", t.name));
            } else if t.end {
            } else if ["html", "head", "body", "title"].contains(&n.as_str()) {
                not_html.get_or_insert_with(|| {
                    format!("<{}> belongs to a whole document, not a fragment", t.name)
                });
            } else if !SAFE_TAGS.contains(&n.as_str()) {
                if !risky {
                    risky = true;
                    out.push((
                        "SecurityRisk",
                        format!(
                            "<r> holds a <{}> element, which readers strip or refuse",
                            t.name
                        ),
                    ));
                }
            } else {
                for (a, v) in scan.attrs() {
                    let an = lc(a);
                    if an == "style" {
                        if let Some(why) = dangerous_style(v) {
                            out.push((
                                "DangerousStyleAttr",
                                format!(
                                    "a style attribute in <r> could disturb the reader's page: {why:?}"
                                ),
                            ));
                        }
                    } else if !SAFE_ATTRS.contains(&an.as_str()) && !an.starts_with("data-") {
                        out.push((
                            "SecurityRiskAttr",
                            format!("<{n}> in <r> has the attribute {a:?}, which readers strip"),
                        ));
                    } else if (n == "a" && an == "href") || (n == "img" && an == "src") {
                        let v = v.trim();
                        if lc(v).starts_with("javascript:") {
                            out.push((
                                "SecurityRiskAttr",
                                format!("<{n}> in <r> links to javascript:"),
                            ));
                        } else if !base_ok
                            && !v.is_empty()
                            && urls::scheme_of(v).is_none()
                            && rel.is_none()
                        {
                            rel = Some(v.to_string());
                        }
                    }
                }
            }
        }
        if let Some(why) = not_html {
            out.push(("NotHtml", format!("<r> should hold HTML, but {why}")));
        }
        if let Some(r) = rel {
            out.push((
                "ContainsRelRef",
                format!(
                    "<r> holds the relative reference {r:?}, which readers resolve unpredictably"
                ),
            ));
        }
        out
    }

    /// Pieces of markup, good and bad, that the randomized tests join.
    const MARKUP_PIECES: &[&str] = &[
        "<p>",
        "</p>",
        "<P>",
        "</P >",
        "<em>",
        "</em>",
        "<a href=\"https://e.org/x\">",
        "</a>",
        "<a href='/rel'>",
        "<A HREF=rel/x>",
        "<a href=\" javascript:alert(1)\">",
        "<img src=\"https://e.org/i.png\" alt=\"x\">",
        "<img src=pic.png>",
        "<IMG SRC='x.png'/>",
        "<script>",
        "</script>",
        "<body>",
        "<title>",
        "<foo>",
        "</foo>",
        "<data>",
        "<br/>",
        "<br>",
        "<hr />",
        "<!-- c -->",
        "<!--",
        "-->",
        "<",
        ">",
        "=",
        "'",
        "\"",
        "/",
        " ",
        "\n",
        "text",
        "\u{e9}",
        "\u{201c}",
        "&amp;",
        "<em",
        "<p style=\"color: red\">",
        "<p style='position:absolute'>",
        "<p onclick=x>",
        "<div data-x=1 ONLOAD='y'>",
        "<a title=\"q>\" href=x>",
        "<p ='a'>",
        "<p a=>",
        "<span\tclass=c>",
        "<:x>",
        "</>",
        "<1>",
        "<blockquote>",
        "</blockquote>",
        "<figcaption>",
        "<abcdefghijk>",
        "<ul><li>",
        "<td colspan=2>",
        "<a href=''>",
        "<img src>",
        "<zz>",
        "<xmp title=x>",
        "<abcdefg x=1>",
        "<q cite=x>",
        "<em >",
        "<zz q>",
        "<script src=x>",
        "<iframe src='x'>",
        "<body onload=x>",
        "<object data=x>",
        " href=\"",
        "<a abcdef=\"1\" abcdefg=\"2\" hRef=\"rel\">",
        "<img src=\"",
        "<a href=\"x\"href=\"y\">",
        "<a href='http:rel'>",
        "<a href=\"httpx/y\">",
        "<img src='https'>",
        "<a href=' HTTPS://x '>",
        "</zz>",
        "<b>",
        "<xmp>",
        "</Tt>",
        "<s/>",
        "\u{7f}",
        "<a href=\"/rel\">",
        "<a href=\"javascript:x\">",
        "<img src=\"pic.png\" alt=\"\">",
        "<p/>",
        "<em id=\"x\"/>",
        "<a  href=\"https://e.org/\">",
        "<td title=\"q\"class=\"c\">",
        "<td style=\"top: 0\">",
        "<title x=\"1\">",
        "</br/>",
        "<span lang=\"en\" >",
        "<h2>",
        "</h2>",
        "<h3 id=\"x\">",
        "<H1>",
        "<h7>",
        "<br/ >",
        "<h1 onclick=\"x\">",
    ];

    /// A context for checking markup on its own: an RSS 2.0 document, nothing seen yet.
    fn bare_ctx<'d, 'i>(doc: &'d Document<'i>) -> Ctx<'d, 'i> {
        Ctx {
            path: "t.xml",
            location: None,
            doc,
            findings: Vec::new(),
            iri: false,
            rss2: true,
            seen_ns: Default::default(),
            lines: Default::default(),
            html_memo: None,
            plausible_until: chrono::Utc::now(),
        }
    }

    #[test]
    fn markup_checks_agree_with_the_plain_reading() {
        let pieces = MARKUP_PIECES;
        let doc = Document::parse("<r/>").expect("well-formed");
        let mut next = crate::lint::xorshift(0x2545_f491_4f6c_dd1d);
        for round in 0..4000 {
            let n = 1 + next() as usize % 24;
            let html: String = (0..n)
                .map(|_| pieces[next() as usize % pieces.len()])
                .collect();
            let base_ok = round % 3 == 0;
            let mut cx = bare_ctx(&doc);
            check_markup(&mut cx, doc.root_element(), &html, base_ok);
            let got: Vec<(&str, String)> = cx
                .findings
                .iter()
                .map(|f| (f.class.as_deref().unwrap_or(""), f.message.clone()))
                .collect();
            let want = reference(&html, base_ok);
            let want: Vec<(&str, String)> = want.iter().map(|(c, m)| (*c, m.clone())).collect();
            assert_eq!(got, want, "{html:?} base_ok={base_ok}");
        }
    }

    /// [`certainly_clean`] on random markup: whenever it says clean, the full check
    /// finds nothing; and it says so of the usual clean markup.
    #[test]
    fn certainly_clean_is_never_wrong() {
        let clean_pieces = [
            "<p>",
            "</p>",
            "<a href=\"https://e.org/x\">",
            "</a>",
            "<img src=\"http://e.org/i.png\" alt=\"a picture\">",
            "<br/>",
            "<hr />",
            "<em>",
            "</em>",
            "<td colspan=2 data-x='y'>",
            "<a href=\"https://e.org/y\" title=\"a > b\">",
            "<img src=\"https://e.org/i.png\" alt=\"x\"/>",
            "<li>",
            "</li>",
            "<h2>",
            "</h2>",
            "<h3 id=\"x\">",
            "<p/>",
            "<span class=\"c\" id=\"d\">",
            "<!-- c -->",
            "text and \u{201c}quotes\u{201d}",
            "\n",
            " 1 < 2 ",
        ];
        let doc = Document::parse("<r/>").expect("well-formed");
        let mut next = crate::lint::xorshift(0x9e37_79b9_7f4a_7c15);
        let mut said_clean = 0;
        for round in 0..20000 {
            let n = 1 + next() as usize % 16;
            let html: String = (0..n)
                .map(|_| {
                    let r = next() as usize;
                    if round % 2 == 0 {
                        clean_pieces[r % clean_pieces.len()]
                    } else {
                        MARKUP_PIECES[r % MARKUP_PIECES.len()]
                    }
                })
                .collect();
            let base_ok = round % 3 == 0;
            if round % 2 == 0 {
                assert!(certainly_clean(&html, base_ok, true, false), "{html:?}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::arch::is_x86_feature_detected!("avx2") {
                // SAFETY: the processor has AVX2, checked just above.
                let fast = unsafe { clean_avx2(html.as_bytes(), base_ok) };
                assert_eq!(
                    fast,
                    clean_scan::<false>(html.as_bytes(), base_ok),
                    "{html:?}"
                );
            }
            if !certainly_clean(&html, base_ok, true, false) {
                continue;
            }
            said_clean += 1;
            let mut cx = bare_ctx(&doc);
            check_markup(&mut cx, doc.root_element(), &html, base_ok);
            let found: Vec<&str> = cx.findings.iter().map(|f| f.message.as_str()).collect();
            assert!(found.is_empty(), "{html:?} base_ok={base_ok}: {found:?}");
        }
        assert!(said_clean > 10000, "{said_clean}");
    }

    /// The scan finds every `<` and `"` from any place, on either side of a 64-byte
    /// boundary, as a search byte by byte does, with AVX2 (where the processor has
    /// it) and without; the AVX2 marks of a block are the plain ones.
    #[test]
    fn scan_finds_what_a_byte_search_finds() {
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::arch::is_x86_feature_detected!("avx2");
        #[cfg(not(target_arch = "x86_64"))]
        let avx2 = false;
        let alphabet = b"<\"a >\xc3\xa9=";
        let mut next = crate::lint::xorshift(0x1234_5678_9abc_def1);
        for round in 0..300 {
            let n = next() as usize % 300;
            let b: Vec<u8> = crate::lint::picks(&mut next, alphabet, n);
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                for block in b.chunks(64) {
                    let mut pad = [0u8; 64];
                    pad[..block.len()].copy_from_slice(block);
                    // SAFETY: the processor has AVX2, checked above.
                    let fast = unsafe { marks64_avx2(&pad) };
                    assert_eq!(fast, marks64_plain(&pad), "round {round}");
                }
                scan_agrees_with_search::<true>(&b, round);
            }
            scan_agrees_with_search::<false>(&b, round);
        }
    }

    /// [`Scan`] from every place of `b`: each `<` in turn, then the first `"`
    /// and the `<` after it, as a byte search finds them.
    fn scan_agrees_with_search<const AVX2: bool>(b: &[u8], round: usize) {
        let search = |byte: u8, from: usize| {
            b.iter()
                .skip(from)
                .position(|&c| c == byte)
                .map(|p| from + p)
        };
        for from in 0..=b.len() {
            let mut scan = Scan::<AVX2>::new(b);
            scan.skip_to(from);
            let mut want = search(b'<', from);
            while let Some(at) = want {
                assert_eq!(scan.next_lt(), Some(at), "round {round}, {from}");
                want = search(b'<', at + 1);
            }
            assert_eq!(scan.next_lt(), None, "round {round}, {from}");
            let mut scan = Scan::<AVX2>::new(b);
            let quote = scan.next_quote(from);
            assert_eq!(quote, search(b'"', from), "round {round}, {from}");
            if let Some(q) = quote {
                scan.skip_to(q + 1);
                assert_eq!(scan.next_lt(), search(b'<', q + 1), "round {round}");
            }
        }
    }

    #[test]
    fn tags_and_attributes_read_in_one_pass() {
        let html = "<p ='a'\u{e9}>x<a href='a>b' title=t>y</a><!-- <b> --><img src=\"p\">";
        let all = |read: bool| {
            let mut scan = tags(html);
            let mut out = Vec::new();
            while let Some(t) = scan.next() {
                let attrs: Vec<_> = if read {
                    scan.attrs().collect()
                } else {
                    Vec::new()
                };
                out.push((t.name, t.end, attrs));
            }
            out
        };
        let read = all(true);
        assert_eq!(
            read,
            vec![
                ("p", false, vec![]),
                ("a", false, vec![("href", "a>b"), ("title", "t")]),
                ("a", true, vec![]),
                ("img", false, vec![("src", "p")]),
            ]
        );
        // Skipping the attributes finds the same tags.
        let names: Vec<_> = all(false).into_iter().map(|(n, e, _)| (n, e)).collect();
        let expected: Vec<_> = read.into_iter().map(|(n, e, _)| (n, e)).collect();
        assert_eq!(names, expected);
    }

    #[test]
    fn bare_markup_is_a_letter_or_slash_after_lt_or_a_character_reference() {
        let reference = |t: &str| {
            let b = t.as_bytes();
            b.windows(2)
                .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
                || b.windows(3).any(|w| {
                    w[0] == b'&' && w[1] == b'#' && (w[2] == b'x' || w[2].is_ascii_digit())
                })
        };
        for t in [
            "a<b",
            "a <",
            "<",
            "</",
            "<<a",
            "< a",
            "&#x",
            "&#1",
            "&#",
            "&#y",
            "x&",
            "&&#9",
            "a&#",
            "&\u{e9}<",
            "",
            "1 < 2 && 3 > 2",
        ] {
            assert_eq!(bare_markup_char(t, ""), reference(t), "{t:?}");
        }
    }

    #[test]
    fn hex_reference_is_a_search_for_amp_hash_x() {
        for raw in [
            "",
            "&",
            "&#",
            "&#x",
            "a&amp;&#x26;",
            "&#X26;",
            "&&#x",
            "#x&",
            "\u{e9}&#x",
        ] {
            assert_eq!(hex_reference(raw), raw.contains("&#x"), "{raw:?}");
        }
    }

    /// [`text_contains_html`] and [`bare_markup_char`] on random text say what
    /// the plain reading (every `&`, every tag, in order) says.
    #[test]
    fn text_checks_agree_with_the_plain_reading() {
        let plain = |text: &str, raw: &str| -> Option<String> {
            if let Some(t) = tags(text).find(|t| t.end && is_html_tag(t.name)) {
                return Some(format!("</{}>", t.name));
            }
            if raw.contains("&#x") {
                return None;
            }
            let mut rest = text;
            while let Some(i) = rest.find('&') {
                rest = &rest[i + 1..];
                if rest.starts_with('#') {
                    return Some("&#".to_string());
                }
                let name = &rest[..rest
                    .find(|c: char| !c.is_ascii_alphanumeric())
                    .unwrap_or(rest.len())];
                if HTML_ENTITIES.contains(&name) {
                    return Some(format!("&{name};"));
                }
            }
            None
        };
        let pieces = [
            "a", " ", "&", "&amp;", "amp", "#", "#x", "x", "1", "<", "</", "/", "b>", "p", ">",
            "foo>", "\u{e9}", "&\u{e9}", "nbsp", "<!--", "-->", "Ab",
        ];
        let mut next = crate::lint::xorshift(0x0123_4567_89ab_cdef);
        for _ in 0..20000 {
            let n = next() as usize % 12;
            let text: String = crate::lint::picks(&mut next, &pieces, n);
            let k = next() as usize % 4;
            let raw: String = crate::lint::picks(&mut next, &pieces, k);
            assert_eq!(
                text_contains_html(&text, &raw),
                plain(&text, &raw),
                "{text:?} {raw:?}"
            );
            let b = text.as_bytes();
            let markup = b
                .windows(2)
                .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
                || b.windows(3).any(|w| {
                    w[0] == b'&' && w[1] == b'#' && (w[2] == b'x' || w[2].is_ascii_digit())
                });
            assert_eq!(
                bare_markup_char(&text, &raw),
                markup && !raw.contains("&#x"),
                "{text:?} {raw:?}"
            );
        }
    }

    #[test]
    fn plain_text_with_html() {
        assert!(text_contains_html("alpha&omega", "alpha&amp;omega").is_some());
        assert!(text_contains_html("AT&T", "AT&amp;T").is_none());
        assert!(text_contains_html("The &amp; entity", "The &#x26;amp; entity").is_none());
        assert!(text_contains_html("<b>bold</b>", "&lt;b>bold&lt;/b>").is_some());
        assert!(text_contains_html("Nice <gorilla> what", "Nice &#x3C;gorilla&#x3E;").is_none());
    }

    #[test]
    fn lists_are_sorted_for_binary_search() {
        for list in [
            HTML_TAGS,
            SAFE_TAGS,
            SAFE_ATTRS,
            SAFE_CSS,
            SAFE_CSS_KEYWORDS,
            HTML_ENTITIES,
        ] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn classes_know_every_listed_name_in_any_case_and_nothing_else() {
        let c = classes();
        for t in HTML_TAGS {
            assert!(c.of(t) & IS_HTML != 0 && c.of(&t.to_ascii_uppercase()) & IS_HTML != 0);
        }
        for t in SAFE_TAGS {
            assert!(c.of(t) & IS_SAFE != 0, "{t}");
        }
        for a in SAFE_ATTRS {
            assert!(c.of(a) & IS_SAFE_ATTR != 0, "{a}");
        }
        assert_ne!(c.of("body") & IS_DOCUMENT, 0);
        for other in [
            "",
            "scrip",
            "scripts",
            "onclick",
            "x-y",
            "\u{e9}",
            &"a".repeat(40),
        ] {
            assert_eq!(c.of(other) & (IS_HTML | IS_SAFE_ATTR), 0, "{other}");
        }
        assert_eq!(c.of("script") & IS_SAFE, 0);
    }

    /// The one-word keys agree with the classes: a key says "plain" only of the
    /// tags the full check has nothing to say about, "start" and "attribute" only
    /// of safe names, with their link bits; anything else (upper case, unsafe,
    /// longer than a word) is no key.
    #[test]
    fn word_keys_agree_with_the_classes() {
        // Looked up as the scan does, from the word of the text where the key
        // starts (text goes on after it).
        let word = |s: &str| {
            let mut w = *b"qqqqqqqq";
            w[..s.len().min(8)].copy_from_slice(&s.as_bytes()[..s.len().min(8)]);
            u64::from_le_bytes(w)
        };
        let kind = |s: &str| tag_kind(word(s)).1;
        let attr = |s: &str| {
            let w = word(s);
            WORDS.kind(w & attr_through(w))
        };
        let c = classes();
        for t in HTML_TAGS {
            let class = c.of(t);
            let safe = class & (IS_SAFE | IS_DOCUMENT) == IS_SAFE;
            if t.len() + 2 <= 8 {
                assert_eq!(kind(&format!("/{t}>")), PLAIN, "{t}");
            }
            if t.len() + 2 <= 8 {
                assert_eq!(kind(&format!("{t}/>")), if safe { PLAIN } else { 0 }, "{t}");
            }
            if t.len() < 8 {
                assert_eq!(kind(&format!("{t}>")), if safe { PLAIN } else { 0 }, "{t}");
                let start = START | IS_HTML | IS_SAFE | class & (IS_A | IS_IMG);
                assert_eq!(kind(&format!("{t} ")), if safe { start } else { 0 }, "{t}");
            }
        }
        for a in SAFE_ATTRS {
            if a.len() + 2 <= 8 && a.bytes().all(|b| b.is_ascii_lowercase()) {
                let bits = ATTR | IS_SAFE_ATTR | c.of(a) & (IS_HREF | IS_SRC);
                assert_eq!(attr(&format!("{a}=\"")), bits, "{a}");
            }
        }
        for other in [
            "P>",
            "/P>",
            "script>",
            "script ",
            "body ",
            "title>",
            "foo>",
            "/foo>",
            "p",
            "",
            "/blockquo",
        ] {
            assert_eq!(kind(other), 0, "{other}");
        }
        for other in [
            "style=\"",
            "onload=\"",
            "HREF=\"",
            "href='",
            "href=",
            "href",
            "hr-f=\"",
            "a1=\"",
            "",
            "=\"",
        ] {
            assert_eq!(attr(other), 0, "{other}");
        }
    }

    #[test]
    fn all_lower_is_every_byte_a_lower_case_letter() {
        for c in 0..=255u8 {
            for at in 0..8 {
                for len in 1..=8 {
                    let mut bytes = *b"abcdefgh";
                    bytes[at] = c;
                    let w = u64::from_le_bytes(bytes);
                    let want = bytes[..len].iter().all(u8::is_ascii_lowercase);
                    assert_eq!(all_lower(w, len), want, "{c:#x} at {at}, {len}");
                }
            }
        }
    }

    #[test]
    fn lower_ascii_lowers_capitals_and_nothing_else() {
        for c in 0..=255u8 {
            for at in 0..8 {
                let w = u64::from(c) << (8 * at) | 0x4040_4040_4040_4040 & !(0xFF << (8 * at));
                let want = u64::from_le_bytes(w.to_le_bytes().map(|b| b.to_ascii_lowercase()));
                assert_eq!(lower_ascii(w), want, "{c:#x} at {at}");
            }
        }
    }

    #[test]
    fn index_finds_every_word_and_nothing_else() {
        let ix = Index::new(SAFE_ATTRS);
        assert!(SAFE_ATTRS.iter().all(|w| ix.contains(w)));
        for other in ["", "onclick", "hre", "hrefs", "z", "\u{e9}"] {
            assert!(!ix.contains(other), "{other}");
        }
    }

    #[test]
    fn control_characters_with_and_without_c0_known_absent() {
        for clean in [false, true] {
            for bad in ["a\u{7f}", "x\u{85}y", "\u{9f}"] {
                assert!(control_chars(bad, clean), "{bad:?} {clean}");
            }
            for good in ["a\tb\r\nc", "\u{a0}\u{e9}\u{c2}", "\u{2022}", ""] {
                assert!(!control_chars(good, clean), "{good:?} {clean}");
            }
        }
        assert!(control_chars("a\u{1}b", false));
    }

    #[test]
    fn styles() {
        assert!(dangerous_style("color: blue;").is_none());
        assert!(dangerous_style("color: #000080;").is_none());
        assert!(dangerous_style("border: solid 2px #000000;").is_none());
        assert!(dangerous_style("TEXT-INDENT: 0.5in;").is_none());
        assert!(dangerous_style("margin: 99999em;").is_some());
        assert!(dangerous_style("position: absolute;").is_some());
        assert!(dangerous_style("mso-spacerun: yes;").is_some());
    }
}
