//! HTML inside feeds: markup where only plain text belongs (ContainsHTML), escaped
//! HTML that is not HTML (NotHtml), and markup a reader should not run — scripts,
//! embedded objects, event handler attributes and style that can cover the page
//! (SecurityRisk, SecurityRiskAttr, DangerousStyleAttr) — plus relative references
//! that a reader cannot resolve (ContainsRelRef).

use std::borrow::Cow;
use std::sync::OnceLock;

use super::dom::{find_either, Node};

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
        attrs: Attrs { html, j: 0 },
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
            let end = b.get(i) == Some(&b'/');
            let start = i + usize::from(end);
            if !b.get(start).is_some_and(u8::is_ascii_alphabetic) {
                continue;
            }
            let mut stop = start + 1;
            while stop < b.len() && is(b[stop], NAME) {
                stop += 1;
            }
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
}

impl<'a> Iterator for Attrs<'a> {
    type Item = (&'a str, &'a str);

    #[inline(always)]
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let html = self.html;
        let b = html.as_bytes();
        let n = b.len();
        let mut j = self.j;
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

fn is(b: u8, class: u8) -> bool {
    BYTES[usize::from(b)] & class != 0
}

/// Whether plain text holds HTML: an end tag of an HTML element, or (unless the
/// source escaped its ampersands with hexadecimal references, as the RSS Best
/// Practices Profile recommends) an HTML entity or character reference.
pub(super) fn text_contains_html(text: &str, raw: &str) -> Option<String> {
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
        let name: &str = &rest[..rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len())];
        if has(&HTML_ENTITIES_IX, HTML_ENTITIES, name) {
            return Some(format!("&{name};"));
        }
    }
    None
}

/// Whether RSS 2.0 plain text holds what an HTML reader would take for markup —
/// `<` before a letter or `/`, or a character reference — while its source did
/// not escape it with a hexadecimal reference (the RSS Best Practices Profile).
pub(super) fn bare_markup_char(text: &str, raw: &str) -> bool {
    if raw.contains("&#x") {
        return false;
    }
    let b = text.as_bytes();
    b.windows(2)
        .any(|w| w[0] == b'<' && (w[1].is_ascii_alphabetic() || w[1] == b'/'))
        || b.windows(3)
            .any(|w| w[0] == b'&' && w[1] == b'#' && (w[2] == b'x' || w[2].is_ascii_digit()))
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
const IS_HTML: u8 = 1;
const IS_SAFE: u8 = 2;
/// `html`, `head`, `body`, `title`: parts of a whole document.
const IS_DOCUMENT: u8 = 4;
const IS_SAFE_ATTR: u8 = 8;

/// Element and attribute names by (first letter, length), each with its class bits:
/// one lookup per tag or attribute instead of one per word list. Each name also
/// carries its first eight bytes as a word, so most candidates are compared in
/// one step.
struct Classes {
    buckets: Vec<Vec<(u64, &'static [u8], u8)>>,
}

const MAX_NAME: usize = 16;

impl Classes {
    fn bucket(name: &[u8]) -> Option<usize> {
        let first = *name.first()?;
        (name.len() <= MAX_NAME).then(|| usize::from(first & 31) * (MAX_NAME + 1) + name.len())
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

    fn add(&mut self, word: &'static str, bits: u8) {
        let Some(b) = Classes::bucket(word.as_bytes()) else {
            return;
        };
        match self.buckets[b]
            .iter_mut()
            .find(|(_, w, _)| *w == word.as_bytes())
        {
            Some((_, _, c)) => *c |= bits,
            None => self.buckets[b].push((Classes::head(word.as_bytes()), word.as_bytes(), bits)),
        }
    }

    /// The class of a name, whatever its case.
    fn of(&self, name: &str) -> u8 {
        let n = name.as_bytes();
        let Some(b) = Classes::bucket(n) else {
            return 0;
        };
        let head = Classes::head(n);
        // Same length (the bucket says so) and same first eight bytes: past
        // eight, the rest is compared too.
        self.buckets[b]
            .iter()
            .find(|(h, w, _)| {
                *h == head
                    && (n.len() <= 8
                        || w[8..]
                            .iter()
                            .zip(&n[8..])
                            .all(|(a, b)| *a == b.to_ascii_lowercase()))
            })
            .map_or(0, |(_, _, c)| *c)
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
            buckets: vec![Vec::new(); 32 * (MAX_NAME + 1)],
        };
        for t in HTML_TAGS {
            c.add(t, IS_HTML);
        }
        for t in SAFE_TAGS {
            c.add(t, IS_SAFE);
        }
        for t in ["html", "head", "body", "title"] {
            c.add(t, IS_DOCUMENT);
        }
        for a in SAFE_ATTRS {
            c.add(a, IS_SAFE_ATTR);
        }
        c
    })
}

/// Checks an HTML string (escaped in the feed) reported at `node`.
/// `base_ok`: relative references resolve against a declared xml:base.
pub(super) fn check_html(cx: &mut Ctx, node: Node, html: &str, base_ok: bool) {
    let b = html.as_bytes();
    if memchr::memchr2(b'<', b'&', b).is_none() {
        return;
    }
    let Some(memo) = cx.html_memo else {
        return check_markup(cx, node, html, base_ok);
    };
    if memo.is_clean(html, base_ok) {
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
    let mut scan = tags(html);
    while let Some(t) = scan.next() {
        let class = classes.of(t.name);
        if class & IS_HTML == 0 {
            not_html.get_or_insert_with(|| format!("<{}> is not an HTML element", t.name));
        } else if t.end {
        } else if class & IS_DOCUMENT != 0 {
            not_html.get_or_insert_with(|| {
                format!("<{}> belongs to a whole document, not a fragment", t.name)
            });
        } else if class & IS_SAFE == 0 {
            if !risky {
                risky = true;
                cx.report(
                    node,
                    "SecurityRisk",
                    format!(
                        "<{}> holds a <{}> element, which readers strip or refuse",
                        name(node),
                        t.name
                    ),
                );
            }
        } else {
            check_attrs(cx, node, t.name, scan.attrs(), &mut rel, base_ok);
        }
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

fn name<'a>(node: Node<'a, '_>) -> &'a str {
    node.tag_name().name()
}

/// Checks the attributes of an element a reader keeps; `tag` is its name as
/// written (any case).
fn check_attrs<'v>(
    cx: &mut Ctx,
    node: Node,
    tag: &str,
    attrs: impl Iterator<Item = (&'v str, &'v str)>,
    rel: &mut Option<String>,
    base_ok: bool,
) {
    let classes = classes();
    for (a, v) in attrs {
        if a.eq_ignore_ascii_case("style") {
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
        } else if classes.of(a) & IS_SAFE_ATTR == 0
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
        } else if (tag.eq_ignore_ascii_case("a") && a.eq_ignore_ascii_case("href"))
            || (tag.eq_ignore_ascii_case("img") && a.eq_ignore_ascii_case("src"))
        {
            let v = v.trim();
            if v.get(..11)
                .is_some_and(|s| s.eq_ignore_ascii_case("javascript:"))
            {
                cx.report(
                    node,
                    "SecurityRiskAttr",
                    format!("<{}> in <{}> links to javascript:", lower(tag), name(node)),
                );
            } else if !base_ok && !v.is_empty() && urls::scheme_of(v).is_none() && rel.is_none() {
                *rel = Some(v.to_string());
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
        if classes().of(n) & IS_SAFE == 0 || n.bytes().any(|b| b.is_ascii_uppercase()) {
            if !risky {
                risky = true;
                cx.report(el, "SecurityRisk", format!("<{n}> is not safe in a feed"));
            }
            continue;
        }
        let mut rel = None;
        let attrs = el
            .attributes()
            .filter(|a| a.namespace().is_none())
            .map(|a| (a.name(), a.value()));
        check_attrs(cx, report_at, n, attrs, &mut rel, true);
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
    use super::*;

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
