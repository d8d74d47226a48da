//! RSS: 2.0 (and 0.9x, its ancestors) per the RSS 2.0 specification, and RSS 1.0
//! (RDF). Required channel and item elements, duplicates, the value of each known
//! element (dates, URLs, e-mail addresses, guids, enclosures, images, skip lists),
//! the common extension namespaces, and elements nobody defined.

use std::borrow::Cow;
use std::collections::HashSet;

use super::dom::Node;

use super::urls::{self, Uri};
use super::{dates, elements, ext, html, text_of, Ctx};

pub(super) const RDF_NS: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
pub(super) const RSS10_NS: &str = "http://purl.org/rss/1.0/";
pub(super) const RSS090_NS: &str = "http://my.netscape.com/rdf/simple/0.9/";

/// RSS 2.0 proper, or one of the 0.9x versions it grew from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Flavor {
    Rss2,
    Rss09,
}

/// Lints an `<rss>` document.
pub(super) fn lint_rss(cx: &mut Ctx, root: Node, flavor: Flavor) {
    if root.attribute("version").is_none() {
        cx.report(
            root,
            "MissingAttribute",
            "<rss> needs a version attribute (\"2.0\")",
        );
    }
    super::stray_text(cx, root);
    let mut channels = 0;
    for c in elements(root) {
        match (super::ns(c), c.tag_name().name()) {
            (None, "channel") => {
                channels += 1;
                if channels > 1 {
                    cx.report(c, "DuplicateElement", "<rss> holds more than one <channel>");
                } else {
                    channel(cx, c, flavor);
                }
            }
            (None, _) => undefined(cx, c, "rss"),
            _ => ext::element(cx, c, "rss"),
        }
    }
    if channels == 0 {
        cx.report(root, "MissingElement", "<rss> has no <channel>");
    }
    extension_attributes(cx, root);
}

/// Attributes from other namespaces on RSS's own elements: RSS 2.0 does not provide
/// for them (the RSS Advisory Board's profile, declared through `<docs>`, does).
fn extension_attributes(cx: &mut Ctx, root: Node) {
    let board = root
        .descendants()
        .find(|d| d.is_element() && super::ns(*d).is_none() && d.tag_name().name() == "docs")
        .map(text_of)
        .is_some_and(|d| {
            // trim_start_matches, without the substring searcher it sets up.
            let mut d = d.trim();
            while let Some(rest) = d.strip_prefix("https://") {
                d = rest;
            }
            while let Some(rest) = d.strip_prefix("http://") {
                d = rest;
            }
            d == "www.rssboard.org/rss-specification"
        });
    let mut warned = false;
    // RSS's own elements: those reached from the root through RSS elements only,
    // in document order. The tree is walked in its own order; an element in a
    // namespace is skipped with everything inside it (what starts before it ends).
    let mut skip_until = 0;
    for el in root.descendants() {
        if !el.is_element() {
            continue;
        }
        let range = el.range();
        if range.start < skip_until {
            continue;
        }
        if el != root && super::ns(el).is_some() {
            skip_until = range.end;
            continue;
        }
        let name = el.tag_name().name();
        for a in el.attributes() {
            let Some(ns) = a.namespace() else {
                let expected = match name {
                    "rss" => a.name() == "version",
                    "category" => a.name() == "domain",
                    "guid" => a.name() == "isPermaLink",
                    "enclosure" => matches!(a.name(), "url" | "length" | "type"),
                    "source" => a.name() == "url",
                    "cloud" => matches!(
                        a.name(),
                        "domain" | "port" | "path" | "registerProcedure" | "protocol"
                    ),
                    _ => !CORE.contains(&name),
                };
                if !expected {
                    cx.report_at(
                        a.range().start,
                        "UnexpectedAttribute",
                        format!("<{name}> has no attribute {:?}", a.name()),
                    );
                }
                continue;
            };
            if ns == super::XML_NS {
                continue;
            }
            ext::unknown_namespace(cx, a.range().start, ns);
            if !board && !warned {
                warned = true;
                cx.report_at(
                    a.range().start,
                    "UseOfExtensionAttr",
                    format!(
                        "<{}> has the extension attribute {:?}, which RSS 2.0 does not provide for",
                        el.tag_name().name(),
                        a.name()
                    ),
                );
            }
        }
    }
}

/// The elements RSS 2.0 (and 0.9x) defines.
const CORE: &[&str] = &[
    "rss",
    "channel",
    "item",
    "title",
    "link",
    "description",
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "pubDate",
    "lastBuildDate",
    "category",
    "generator",
    "docs",
    "cloud",
    "ttl",
    "image",
    "rating",
    "textInput",
    "skipHours",
    "skipDays",
    "hour",
    "day",
    "url",
    "width",
    "height",
    "name",
    "author",
    "comments",
    "enclosure",
    "guid",
    "source",
];

pub(super) fn undefined(cx: &mut Ctx, node: Node, parent: &str) {
    cx.report(
        node,
        "UndefinedElement",
        format!("<{}> is not defined in <{parent}>", node.tag_name().name()),
    );
}

/// Channel (and item) elements that may appear at most once.
const CHANNEL_ONCE: &[&str] = &[
    "title",
    "link",
    "description",
    "language",
    "copyright",
    "managingEditor",
    "webMaster",
    "pubDate",
    "lastBuildDate",
    "generator",
    "docs",
    "cloud",
    "ttl",
    "image",
    "rating",
    "textInput",
    "skipHours",
    "skipDays",
];
const ITEM_ONCE: &[&str] = &[
    "title",
    "link",
    "description",
    "author",
    "comments",
    "guid",
    "pubDate",
    "source",
];

fn channel(cx: &mut Ctx, ch: Node, flavor: Flavor) {
    super::stray_text(cx, ch);
    let mut seen = super::Counts::default();
    let mut title = None;
    let mut link = None;
    // Every item's guid, in document order: repeats are found by sorting, once.
    let mut guids: Vec<(Cow<str>, Node)> = Vec::new();
    let mut self_link = false;
    let mut items_started = false;
    let mut misplaced = false;
    for c in elements(ch) {
        let name = c.tag_name().name();
        if super::ns(c).is_some() {
            if super::ns(c) == Some(super::atom::ATOM_NS) && name == "link" {
                if c.attribute("rel") == Some("self") {
                    self_link = true;
                    self_link_checks(cx, c);
                }
                super::atom::link_in_rss(cx, c);
            } else {
                ext::element(cx, c, "channel");
            }
            continue;
        }
        if seen.add(name) == 2 && CHANNEL_ONCE.contains(&name) {
            cx.report(
                c,
                "DuplicateElement",
                format!("<channel> has more than one <{name}>"),
            );
        }
        if name != "item" && items_started && !misplaced && flavor == Flavor::Rss2 {
            misplaced = true;
            cx.report(
                c,
                "MisplacedItem",
                "<item> elements belong after the channel's own elements",
            );
        }
        // Items first: nearly every child of a channel is one.
        match name {
            "item" => {
                items_started = true;
                item(cx, c, flavor, &mut guids);
            }
            "title" => {
                plain_text(cx, c, true);
                title = Some(text_of(c));
            }
            "link" => {
                let v = text_of(c);
                url_element(cx, c, Uri::Full);
                link = Some(v);
            }
            "description" => plain_text(cx, c, false),
            "language" => language(cx, c),
            "copyright" => plain_text(cx, c, false),
            "managingEditor" | "webMaster" => contact(cx, c),
            "pubDate" | "lastBuildDate" => {
                dates::check_rfc822(cx, c);
            }
            "category" => category(cx, c),
            "generator" => plain_text(cx, c, false),
            "docs" => url_element(cx, c, Uri::Full),
            "cloud" => cloud(cx, c),
            "ttl" => {
                let v = text_of(c);
                if v.trim().is_empty() {
                    cx.report(c, "NotBlank", "<ttl> should not be blank");
                }
                if !v.trim().parse::<u64>().is_ok_and(|n| n > 0) {
                    cx.report(
                        c,
                        "InvalidPositiveInteger",
                        format!("<ttl> {v:?} must be a positive number of minutes"),
                    );
                }
            }
            "rating" => {}
            "image" => image(cx, c),
            "textInput" => {
                if flavor == Flavor::Rss2 {
                    cx.report(
                        c,
                        "AvoidTextInput",
                        "<textInput> is ignored by nearly every reader",
                    );
                }
                text_input(cx, c);
            }
            "skipHours" => skip_hours(cx, c),
            "skipDays" => skip_days(cx, c),
            "blink" => cx.report(c, "NoBlink", "there is no <blink> in RSS"),
            _ => undefined(cx, c, "channel"),
        }
    }
    duplicate_guids(cx, &guids);
    let missing = [
        ("title", "MissingTitle"),
        ("link", "MissingLink"),
        ("description", "MissingDescription"),
    ];
    for (el, class) in missing {
        if !seen.contains(el) {
            cx.report(ch, class, format!("<channel> must have a <{el}>"));
        }
    }
    semantics(cx, ch, "DuplicateSemantics");
    if flavor == Flavor::Rss2 && !self_link {
        cx.report(
            ch,
            "MissingAtomSelfLink",
            "<channel> should name its own URL: <atom:link rel=\"self\" href=\"…\" type=\"application/rss+xml\"/>",
        );
    }
    // The image describes the channel: its title and link should be the channel's.
    if let Some(img) = elements(ch).find(|c| super::ns(*c).is_none() && c.has_tag_name("image")) {
        if let (Some(t), Some(it)) = (&title, child(img, "title")) {
            if text_of(it).trim() != t.trim() {
                cx.report(
                    it,
                    "ImageTitleDoesntMatch",
                    "the image title should be the channel title",
                );
            }
        }
        if let (Some(l), Some(il)) = (&link, child(img, "link")) {
            if text_of(il).trim() != l.trim() {
                cx.report(
                    il,
                    "ImageLinkDoesntMatch",
                    "the image link should be the channel link",
                );
            }
        }
    }
}

/// The first child element in no namespace named `name`.
pub(super) fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    elements(node).find(|c| super::ns(*c).is_none() && c.tag_name().name() == name)
}

/// Checks of a self link shared by RSS and Atom: relative, or not where the feed is.
pub(super) fn self_link_checks(cx: &mut Ctx, link: Node) {
    let Some(href) = link.attribute("href") else {
        return;
    };
    let base = super::atom::base_of(link);
    if urls::scheme_of(href).is_none() && base.is_none() {
        cx.report_attr(
            link,
            "href",
            "RelativeSelf",
            format!("the self link {href:?} is relative"),
        );
        return;
    }
    if let Some(loc) = cx.location {
        let resolved = super::atom::resolve(base.as_deref().or(Some(loc)), href);
        if resolved.trim_end_matches('/') != loc.trim_end_matches('/') {
            cx.report_attr(
                link,
                "href",
                "SelfDoesntMatchLocation",
                format!("the self link {href:?} is not where the feed is ({loc})"),
            );
        }
    }
}

/// The elements of an RSS item, told apart by one match on the name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ItemEl {
    Title,
    Link,
    Description,
    Author,
    Comments,
    Guid,
    PubDate,
    Source,
    Category,
    Enclosure,
    Other,
}

impl ItemEl {
    fn of(name: &str) -> ItemEl {
        match name {
            "title" => ItemEl::Title,
            "link" => ItemEl::Link,
            "description" => ItemEl::Description,
            "author" => ItemEl::Author,
            "comments" => ItemEl::Comments,
            "guid" => ItemEl::Guid,
            "pubDate" => ItemEl::PubDate,
            "source" => ItemEl::Source,
            "category" => ItemEl::Category,
            "enclosure" => ItemEl::Enclosure,
            _ => ItemEl::Other,
        }
    }

    /// Its place in ITEM_ONCE, for an element an item may have once.
    fn once(self) -> Option<usize> {
        let k = self as usize;
        (k < ITEM_ONCE.len()).then_some(k)
    }
}

fn item<'a, 'i>(
    cx: &mut Ctx,
    it: Node<'a, 'i>,
    flavor: Flavor,
    guids: &mut Vec<(Cow<'a, str>, Node<'a, 'i>)>,
) {
    // How often each element that may appear once has appeared (title, description
    // and guid are among them), by its place in ITEM_ONCE.
    let mut seen = [0u32; ITEM_ONCE.len()];
    let mut enclosures = 0;
    // One pass over the children: the text among them is what stray_text looks
    // for.
    let mut stray = false;
    for c in it.children() {
        if !c.is_element() {
            super::note_stray_text(cx, it, c, &mut stray);
            continue;
        }
        let name = c.tag_name().name();
        if super::ns(c).is_some() {
            if super::ns(c) == Some(super::atom::ATOM_NS) && name == "link" {
                super::atom::link_in_rss(cx, c);
            } else {
                ext::element(cx, c, "item");
            }
            continue;
        }
        // The name is matched once: its place in ITEM_ONCE, if it has one, and
        // what to check.
        let el = ItemEl::of(name);
        if let Some(k) = el.once() {
            seen[k] += 1;
            if seen[k] == 2 {
                cx.report(
                    c,
                    "DuplicateElement",
                    format!("<item> has more than one <{name}>"),
                );
            }
        }
        match el {
            ItemEl::Title => plain_text(cx, c, true),
            ItemEl::Link | ItemEl::Comments => url_element(cx, c, Uri::Full),
            ItemEl::Description => {
                let v = text_of(c);
                html::check_html(cx, c, &v, false);
            }
            ItemEl::Author => contact(cx, c),
            ItemEl::Category => category(cx, c),
            ItemEl::Enclosure => {
                enclosures += 1;
                if enclosures == 2 {
                    cx.report(
                        c,
                        "DuplicateEnclosure",
                        "most readers take only one <enclosure> per item",
                    );
                }
                enclosure(cx, c);
            }
            ItemEl::Guid => guid(cx, c, guids),
            ItemEl::PubDate => {
                dates::check_rfc822(cx, c);
            }
            ItemEl::Source => source(cx, c),
            ItemEl::Other => undefined(cx, c, "item"),
        }
    }
    let count = |el: ItemEl| seen[el.once().expect("once only")];
    if count(ItemEl::Title) == 0 && count(ItemEl::Description) == 0 {
        cx.report(
            it,
            "ItemMustContainTitleOrDescription",
            "<item> must have a <title> or a <description>",
        );
    }
    if flavor == Flavor::Rss2 && count(ItemEl::Guid) == 0 {
        cx.report(
            it,
            "MissingGuid",
            "<item> should have a <guid> so readers can tell items apart",
        );
    }
    semantics(cx, it, "DuplicateItemSemantics");
}

const DC: &str = "http://purl.org/dc/elements/1.1/";
const ATOM: &str = super::atom::ATOM_NS;

/// Pairs of elements (namespace, name) that say the same thing; `None` is RSS's own.
/// At most 32 (a bit each in [`semantics`]).
const SAME_MEANING: &[(Option<&str>, &str, Option<&str>, &str)] = &[
    (None, "pubDate", Some(DC), "date"),
    (None, "pubDate", Some(ATOM), "published"),
    (None, "author", Some(DC), "creator"),
    (None, "author", Some(ATOM), "author"),
    (None, "managingEditor", Some(DC), "creator"),
    (None, "webMaster", Some(DC), "publisher"),
    (None, "category", Some(DC), "subject"),
    (None, "language", Some(DC), "language"),
    (None, "copyright", Some(DC), "rights"),
    (None, "copyright", Some(ATOM), "rights"),
    (None, "source", Some(DC), "source"),
    (None, "guid", Some(ATOM), "id"),
    (None, "title", Some(ATOM), "title"),
    (
        None,
        "lastBuildDate",
        Some("http://purl.org/dc/terms/"),
        "modified",
    ),
    (None, "lastBuildDate", Some(ATOM), "updated"),
    (
        None,
        "generator",
        Some("http://webns.net/mvcb/"),
        "generatorAgent",
    ),
    (
        Some("http://backend.userland.com/creativeCommonsRssModule"),
        "license",
        Some("http://web.resource.org/cc/"),
        "license",
    ),
];

const _: () = assert!(SAME_MEANING.len() <= 32);

/// Which bucket of [`SAME_MEANING_BUCKETS`] a name falls in: the low bits of its
/// length and of its first byte.
const fn bucket(name: &str) -> usize {
    let b = name.as_bytes();
    let first = if b.is_empty() { 0 } else { b[0] as usize };
    (b.len() & 7) << 3 | (first & 7)
}

/// For each bucket, the pairs of [`SAME_MEANING`] (a bit each) whose
/// extension-side name falls in it: a name is compared with those only.
const SAME_MEANING_BUCKETS: [u32; 64] = {
    let mut buckets = [0; 64];
    let mut i = 0;
    while i < SAME_MEANING.len() {
        buckets[bucket(SAME_MEANING[i].3)] |= 1 << i;
        i += 1;
    }
    buckets
};

/// Core elements and extension elements with the same meaning side by side.
fn semantics(cx: &mut Ctx, parent: Node, class: &str) {
    // One pass over the children: the pairs whose extension side is there (a bit
    // each, in list order), the lengths of the names in no namespace (a pair's
    // RSS side of a length none has is absent: no search), and the first of each
    // element the description rules ask about. Items rarely hold extension
    // elements: most children cost a namespace test and nothing else.
    let mut found: u32 = 0;
    let mut plain_lengths: u64 = 0;
    let mut description = None;
    let mut encoded = None;
    let mut body = None;
    let mut atom_content = None;
    let mut atom_summary = None;
    for c in elements(parent) {
        let name = c.tag_name().name();
        let Some(ns) = super::ns(c) else {
            plain_lengths |= 1 << (name.len() % 64);
            if description.is_none() && name == "description" {
                description = Some(c);
            }
            continue;
        };
        // Only the pairs whose extension-side name has this length and first
        // letter (by their low bits) can match.
        let mut candidates = SAME_MEANING_BUCKETS[bucket(name)];
        while candidates != 0 {
            let i = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let p = &SAME_MEANING[i];
            if super::same_name(p.3, name) && p.2 == Some(ns) {
                found |= 1 << i;
            }
        }
        let first = match name {
            "encoded" if ns == ext::CONTENT_NS => &mut encoded,
            "body" if ns == super::atom::XHTML_NS => &mut body,
            "content" if ns == ATOM => &mut atom_content,
            "summary" if ns == ATOM => &mut atom_summary,
            _ => continue,
        };
        if first.is_none() {
            *first = Some(c);
        }
    }
    // The first child with this name (searched for the few pairs found above).
    let find = |ns: Option<&str>, name: &str| {
        elements(parent)
            .find(|c| super::same_name(c.tag_name().name(), name) && super::ns(*c) == ns)
    };
    // Whether a child has this name: none in no namespace has a name of another
    // length.
    let has = |ns: Option<&str>, name: &str| {
        (ns.is_some() || plain_lengths & 1 << (name.len() % 64) != 0) && find(ns, name).is_some()
    };
    // In list order.
    while found != 0 {
        let i = found.trailing_zeros() as usize;
        found &= found - 1;
        let (ns_a, a, ns_b, b) = SAME_MEANING[i];
        // The RSS side first: it is the one usually missing.
        if !has(ns_a, a) {
            continue;
        }
        if let Some(e) = find(ns_b, b) {
            cx.report(
                e,
                class,
                format!(
                    "<{a}> and <{}> say the same thing: keep one",
                    e.tag_name().name()
                ),
            );
        }
    }
    // xhtml:body is a second full description; so are atom:content and
    // atom:summary beside a description (content:encoded beside a description is
    // the usual summary-and-full-text pair).
    let any_description = description.or(encoded);
    let duplicate = body.or(any_description.and(
        atom_content
            .filter(|c| !c.has_attribute("src"))
            .or(atom_summary),
    ));
    if let Some(o) = duplicate {
        cx.report(
            o,
            "DuplicateDescriptionSemantics",
            format!("<{}> repeats the item's description", o.tag_name().name()),
        );
    }
    // content:encoded is the full text: readers expect the summary (description) first.
    if let Some(content) = encoded {
        let before = description.is_some_and(|d| d.range().start < content.range().start);
        if !before && cx.rss2 && parent.tag_name().name() == "item" {
            cx.report(
                content,
                "NeedDescriptionBeforeContent",
                "an item with content:encoded should have a <description> before it",
            );
        }
    }
}

/// Plain text: no HTML; `nonblank` for titles.
pub(super) fn plain_text(cx: &mut Ctx, node: Node, nonblank: bool) {
    let v = text_of(node);
    if nonblank && super::trim(&v).is_empty() {
        cx.report(
            node,
            "NotBlank",
            format!("<{}> should not be blank", node.tag_name().name()),
        );
        return;
    }
    no_markup(cx, node, &v);
}

/// Reports HTML in a text-only element.
pub(super) fn no_markup(cx: &mut Ctx, node: Node, v: &str) {
    // Both checks look for a `<` or an `&` in the text: most text has neither
    // (short texts: eight bytes a step, no call).
    if super::dom::find_either(v.as_bytes(), 0, b'<', b'&').is_none() || plainly_no_markup(v) {
        return;
    }
    let raw = &cx.doc.input_text()[node.range()];
    if let Some(what) = html::text_contains_html(v, raw) {
        cx.report(
            node,
            "ContainsHTML",
            format!(
                "<{}> should be plain text, but holds HTML ({what})",
                node.tag_name().name()
            ),
        );
    } else if cx.rss2 && html::bare_markup_char(v, raw) {
        cx.report(
            node,
            "CharacterData",
            format!(
                "<{}> holds a \"<\" before a letter: encode it as &#x3C; so readers do not take it for a tag",
                node.tag_name().name()
            ),
        );
    }
}

/// Whether text with an `&` is certainly no markup: no `<`, and no `&` starts a
/// reference (each is followed by neither `#` nor a letter or digit, as in
/// "markets & more"). `false` says nothing: the HTML rules then look closer.
fn plainly_no_markup(v: &str) -> bool {
    let b = v.as_bytes();
    memchr::memchr(b'<', b).is_none()
        && memchr::memchr_iter(b'&', b).all(|i| {
            b.get(i + 1)
                .is_none_or(|&c| c != b'#' && !c.is_ascii_alphanumeric())
        })
}

pub(super) fn url_element(cx: &mut Ctx, node: Node, kind: Uri) {
    let v = text_of(node);
    let what = format_args!("<{}>", node.tag_name().name());
    urls::check(cx, node.range().start, super::trim(&v), kind, what);
}

pub(super) fn url_attr(cx: &mut Ctx, node: Node, attr: &str, kind: Uri) -> bool {
    let Some(a) = node.attribute_node(attr) else {
        return true;
    };
    let what = format_args!("<{}> {attr}", node.tag_name().name());
    urls::check(cx, a.range().start, a.value(), kind, what)
}

/// RFC 1766 / BCP 47 language tags (`en`, `en-us`, `zh-CN`).
/// ISO 639-1 language codes (and the withdrawn iw, in, ji, mo, sh, still in use).
const ISO639: &[&str] = &[
    "aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg", "bh",
    "bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy", "da",
    "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj", "fo", "fr",
    "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht", "hu", "hy", "hz",
    "ia", "id", "ie", "ig", "ii", "ik", "in", "io", "is", "it", "iu", "iw", "ja", "ji", "jv", "ka",
    "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky", "la", "lb",
    "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn", "mo", "mr", "ms",
    "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny", "oc", "oj", "om",
    "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru", "rw", "sa", "sc", "sd",
    "se", "sg", "sh", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss", "st", "su", "sv", "sw",
    "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts", "tt", "tw", "ty", "ug", "uk",
    "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo", "za", "zh", "zu",
];

/// RFC 1766 / BCP 47 language tags whose language is an ISO 639 code (`en`,
/// `en-us`, `zh-CN`; three-letter codes, `i-` and `x-` tags too).
pub(super) fn valid_language(v: &str) -> bool {
    let mut parts = v.split('-');
    let first = parts.next().unwrap_or("").to_ascii_lowercase();
    let known = match first.len() {
        1 => first == "i" || first == "x",
        2 => ISO639.binary_search(&first.as_str()).is_ok(),
        3 => first.chars().all(|c| c.is_ascii_alphabetic()),
        _ => false,
    };
    known
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

pub(super) fn language(cx: &mut Ctx, node: Node) {
    let v = text_of(node);
    if !valid_language(super::trim(&v)) {
        cx.report(
            node,
            "InvalidLanguage",
            format!("{v:?} is not a language code (\"en-us\")"),
        );
    }
}

/// RSS e-mail: `addr@example.com (Real Name)`.
fn contact(cx: &mut Ctx, node: Node) {
    let raw = text_of(node);
    let mut v = super::trim(&raw).to_string();
    no_markup(cx, node, &v);
    let name = node.tag_name().name();
    if let Some(rest) = v.strip_prefix("mailto:") {
        v = percent_decode(rest);
    }
    let at = v.find('@').is_some_and(|i| i > 0);
    if at && !v.ends_with(')') {
        if v.contains(' ') {
            cx.report(
                node,
                "EmailFormat",
                format!("<{name}> {v:?}: write \"addr@example.com (Name)\""),
            );
        } else {
            cx.report(
                node,
                "MissingRealName",
                format!("<{name}> should name the person: \"{v} (Name)\""),
            );
        }
        return;
    }
    let addr = match v.split_once('(') {
        Some((a, _)) => a.trim(),
        None => v.as_str(),
    };
    if !valid_addr_spec(addr) {
        cx.report(
            node,
            "InvalidContact",
            format!("<{name}> {v:?} is not an e-mail address (\"addr@example.com (Name)\")"),
        );
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() && b[i + 1..i + 3].is_ascii() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// RFC 2822 addr-spec with a dotted domain (`user@example.com`).
pub(super) fn valid_addr_spec(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
        && labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// `user@host` whose host is a single name: well-formed but not resolvable.
pub(super) fn unqualified_addr(v: &str) -> bool {
    let Some((local, host)) = v.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "._%+-".contains(c))
        && host.starts_with(|c: char| c.is_ascii_alphabetic())
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || "_.-".contains(c))
}

fn category(cx: &mut Ctx, node: Node) {
    plain_text(cx, node, true);
}

fn cloud(cx: &mut Ctx, node: Node) {
    for a in ["domain", "port", "path", "registerProcedure", "protocol"] {
        if node.attribute(a).is_none() {
            cx.report(
                node,
                "MissingAttribute",
                format!("<cloud> needs a {a} attribute"),
            );
        }
    }
    if let Some(p) = node.attribute("port") {
        if !p.parse::<u32>().is_ok_and(|p| p > 0) {
            cx.report_attr(
                node,
                "port",
                "InvalidIntegerAttribute",
                format!("<cloud> port {p:?} is not a port number"),
            );
        }
    }
}

/// The un-namespaced children of an RSS `<image>` or `<textInput>`, each name once:
/// extension elements go to [`ext::element`], repeats are `DuplicateElement`.
fn own_children<'a, 'input>(
    cx: &mut Ctx,
    parent: Node<'a, 'input>,
    label: &str,
) -> Vec<Node<'a, 'input>> {
    let mut seen: HashSet<&str> = HashSet::new();
    let mut out = Vec::new();
    for c in elements(parent) {
        let name = c.tag_name().name();
        if super::ns(c).is_some() {
            ext::element(cx, c, label);
        } else if !seen.insert(name) {
            cx.report(
                c,
                "DuplicateElement",
                format!("<{label}> has more than one <{name}>"),
            );
        } else {
            out.push(c);
        }
    }
    out
}

fn image(cx: &mut Ctx, img: Node) {
    super::stray_text(cx, img);
    let children = own_children(cx, img, "image");
    for &c in &children {
        let name = c.tag_name().name();
        match name {
            "url" | "link" => url_element(cx, c, Uri::Full),
            "title" => plain_text(cx, c, true),
            "description" => plain_text(cx, c, false),
            "width" | "height" => {
                let v = text_of(c);
                let (max, class) = if name == "width" {
                    (144, "InvalidWidth")
                } else {
                    (400, "InvalidHeight")
                };
                if !v.trim().parse::<u32>().is_ok_and(|n| n > 0 && n <= max) {
                    cx.report(
                        c,
                        class,
                        format!("<image> {name} {v:?} must be a number from 1 to {max}"),
                    );
                }
            }
            _ => undefined(cx, c, "image"),
        }
    }
    required(
        cx,
        img,
        &children,
        &[
            ("url", "MissingElement"),
            ("title", "MissingTitle"),
            ("link", "MissingLink"),
        ],
    );
}

/// Reports each `(element, class)` of `required` that `parent`'s `children` lack.
fn required(cx: &mut Ctx, parent: Node, children: &[Node], required: &[(&str, &str)]) {
    let what = parent.tag_name().name();
    for (el, class) in required {
        if !children.iter().any(|c| c.tag_name().name() == *el) {
            cx.report(parent, class, format!("<{what}> must have a <{el}>"));
        }
    }
}

fn text_input(cx: &mut Ctx, ti: Node) {
    let children = own_children(cx, ti, "textInput");
    for &c in &children {
        let name = c.tag_name().name();
        match name {
            "title" => plain_text(cx, c, true),
            "description" => plain_text(cx, c, false),
            "link" => url_element(cx, c, Uri::Full),
            "name" => {
                let v = text_of(c);
                let v = v.trim();
                // A form field name starts with a letter (HTML 4 NAME token).
                let ok = v.starts_with(|c: char| c.is_ascii_alphabetic());
                if !ok {
                    cx.report(
                        c,
                        "InvalidFormComponentName",
                        format!("<textInput> name {v:?} is not a form field name"),
                    );
                }
            }
            _ => undefined(cx, c, "textInput"),
        }
    }
    required(
        cx,
        ti,
        &children,
        &[
            ("title", "MissingTitle"),
            ("description", "MissingDescription"),
            ("name", "MissingElement"),
            ("link", "MissingLink"),
        ],
    );
}

fn skip_hours(cx: &mut Ctx, node: Node) {
    let mut hours = HashSet::new();
    for c in elements(node) {
        if super::ns(c).is_some() || c.tag_name().name() != "hour" {
            undefined(cx, c, "skipHours");
            continue;
        }
        let v = text_of(c);
        match v.trim().parse::<u32>() {
            Ok(h) if h <= 23 => {
                if !hours.insert(h) {
                    cx.report(c, "DuplicateValue", format!("hour {h} is listed twice"));
                }
            }
            _ => cx.report(c, "InvalidHour", format!("<hour> {v:?} must be 0 to 23")),
        }
    }
    if elements(node).next().is_none() {
        cx.report(
            node,
            "MissingElement",
            "<skipHours> must hold at least one <hour>",
        );
    }
    if hours.len() > 24 {
        cx.report(node, "NotEnoughHoursInTheDay", "more than 24 hours to skip");
    }
}

fn skip_days(cx: &mut Ctx, node: Node) {
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let mut days = HashSet::new();
    let mut n = 0;
    for c in elements(node) {
        if super::ns(c).is_some() || c.tag_name().name() != "day" {
            undefined(cx, c, "skipDays");
            continue;
        }
        n += 1;
        let v = text_of(c);
        if !DAYS.contains(&v.trim()) {
            cx.report(
                c,
                "InvalidDay",
                format!("<day> {v:?} is not a day name (\"Saturday\")"),
            );
        } else if !days.insert(v.trim().to_string()) {
            cx.report(c, "DuplicateValue", format!("day {v:?} is listed twice"));
        }
    }
    if n == 0 {
        cx.report(
            node,
            "MissingElement",
            "<skipDays> must hold at least one <day>",
        );
    }
    if n > 7 {
        cx.report(node, "EightDaysAWeek", "more than 7 days to skip");
    }
}

fn enclosure(cx: &mut Ctx, node: Node) {
    for a in ["url", "length", "type"] {
        if node.attribute(a).is_none() {
            cx.report(
                node,
                "MissingAttribute",
                format!("<enclosure> needs a {a} attribute"),
            );
        }
    }
    // The enclosure is downloaded: it must be an http(s) URL.
    if let Some(u) = node.attribute("url") {
        let http = matches!(
            urls::scheme_of(u).map(str::to_ascii_lowercase).as_deref(),
            Some("http") | Some("https")
        );
        if !http {
            cx.report_attr(
                node,
                "url",
                "InvalidURLAttribute",
                format!("<enclosure> url {u:?} must be an http or https URL"),
            );
        } else {
            url_attr(cx, node, "url", Uri::Full);
        }
    }
    if let Some(l) = node.attribute("length") {
        match l.trim().parse::<i64>() {
            Ok(n) if n < 0 => cx.report_attr(
                node,
                "length",
                "UseZeroForUnknown",
                format!("<enclosure> length {l:?}: write 0 when the size is unknown"),
            ),
            Ok(_) => {}
            Err(_) => cx.report_attr(
                node,
                "length",
                "InvalidIntegerAttribute",
                format!("<enclosure> length {l:?} is not a number of bytes"),
            ),
        }
    }
    if let Some(t) = node.attribute("type") {
        if !valid_mime(t) {
            cx.report_attr(
                node,
                "type",
                "InvalidMIMEAttribute",
                format!("<enclosure> type {t:?} is not a media type"),
            );
        }
    }
}

/// `type/subtype[; parameters]`.
pub(super) fn valid_mime(t: &str) -> bool {
    // The usual value (`text/html`) is token bytes and one slash, seen in one
    // pass; anything else (a parameter, white space, a second slash) is left to
    // the full reading.
    let b = t.as_bytes();
    let mut slash = None;
    for (i, &c) in b.iter().enumerate() {
        if MIME_TOKEN[usize::from(c)] {
            continue;
        }
        if c != b'/' || slash.is_some() {
            return valid_mime_fully(t);
        }
        slash = Some(i);
    }
    slash.is_some_and(|i| i > 0 && i + 1 < b.len())
}

/// [`valid_mime`], parameters and white space read.
fn valid_mime_fully(t: &str) -> bool {
    // A media type is short: plain loops, no vector search to set up.
    let head = match t.bytes().position(|c| c == b';') {
        Some(i) => &t[..i],
        None => t,
    };
    // Tokens are ASCII: checked byte by byte (a byte of a non-ASCII character is
    // no token byte, as the character is none).
    let b = super::trim(head).as_bytes();
    let Some(slash) = b.iter().position(|&c| c == b'/') else {
        return false;
    };
    let (kind, sub) = (&b[..slash], &b[slash + 1..]);
    let token = |s: &[u8]| !s.is_empty() && s.iter().all(|&c| MIME_TOKEN[usize::from(c)]);
    token(kind) && token(sub)
}

/// The bytes of a media type's type and subtype.
static MIME_TOKEN: [bool; 256] = byte_set!(b => b.is_ascii_alphanumeric()
    || matches!(b, b'!' | b'#' | b'$' | b'&' | b'.' | b'+' | b'-' | b'^' | b'_'));

fn guid<'a, 'i>(cx: &mut Ctx, node: Node<'a, 'i>, guids: &mut Vec<(Cow<'a, str>, Node<'a, 'i>)>) {
    // Borrowed from the document (the usual case): no String per guid.
    let key = match text_of(node) {
        Cow::Borrowed(t) => Cow::Borrowed(super::trim(t)),
        Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
    };
    let v: &str = &key;
    let permalink = match node.attribute("isPermaLink") {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            cx.report_attr(
                node,
                "isPermaLink",
                "InvalidBooleanAttribute",
                format!("isPermaLink {other:?} must be \"true\" or \"false\""),
            );
            false
        }
    };
    if v.is_empty() {
        cx.report(node, "NotBlank", "<guid> should not be blank");
    }
    if permalink {
        match urls::scheme_of(v) {
            Some(s) if s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https") => {
                urls::check(cx, node.range().start, v, Uri::Full, "<guid>");
            }
            Some(_) => cx.report(
                node,
                "InvalidPermalink",
                format!("<guid> {v:?} is a permalink (isPermaLink defaults to true) but not a web URL; add isPermaLink=\"false\""),
            ),
            None => cx.report(
                node,
                "InvalidHttpGUID",
                format!("<guid> {v:?} is a permalink (isPermaLink defaults to true) but not a URL"),
            ),
        }
    } else if v.len() <= 6 && v.bytes().all(|b| b.is_ascii_digit()) && !v.is_empty() {
        cx.report(
            node,
            "NotSufficientlyUnique",
            format!("<guid> {v:?} is too short to be unique"),
        );
    }
    if !v.is_empty() {
        guids.push((key, node));
    }
}

/// `DuplicateValue` on the second item of each guid value. Sorted, not hashed: no
/// guids can make it slow. (Reported after the items: no other rule reports at a
/// guid's place after its own checks, so the findings keep their order.)
fn duplicate_guids(cx: &mut Ctx, guids: &[(Cow<str>, Node)]) {
    let mut order: Vec<usize> = (0..guids.len()).collect();
    order.sort_by(|&a, &b| guids[a].0.cmp(&guids[b].0).then(a.cmp(&b)));
    for run in order.chunk_by(|&a, &b| guids[a].0 == guids[b].0) {
        if let [_, second, ..] = run {
            let (v, node) = &guids[*second];
            cx.report(
                *node,
                "DuplicateValue",
                format!("<guid> {:?} is used by another item", &**v),
            );
        }
    }
}

fn source(cx: &mut Ctx, node: Node) {
    if node.attribute("url").is_none() {
        cx.report(node, "MissingAttribute", "<source> needs a url attribute");
    } else {
        url_attr(cx, node, "url", Uri::Full);
    }
    let v = text_of(node);
    no_markup(cx, node, &v);
}

/// A child of an RSS 1.0 element outside the RSS namespace `ns`: with no namespace
/// it is undefined, in another it is an extension (checked as one under `parent`).
/// Returns whether `c` was such a child.
fn foreign_rdf_child(cx: &mut Ctx, c: Node, ns: &str, parent: &str) -> bool {
    let tn = c.tag_name();
    if tn.namespace() == Some(ns) {
        return false;
    }
    if tn.namespace().filter(|n| !n.is_empty()).is_none() {
        cx.report(
            c,
            "UndefinedElement",
            format!("<{}> is not in the RSS 1.0 namespace", tn.name()),
        );
    } else {
        ext::element(cx, c, parent);
    }
    true
}

/// Lints an RSS 1.0 (or 0.90) `<rdf:RDF>` document.
pub(super) fn lint_rdf(cx: &mut Ctx, root: Node) {
    let ns = elements(root)
        .map(|c| super::ns(c))
        .find(|n| *n == Some(RSS10_NS) || *n == Some(RSS090_NS))
        .flatten()
        .unwrap_or(RSS10_NS);
    let mut channels = 0;
    for c in elements(root) {
        if foreign_rdf_child(cx, c, ns, "rdf:RDF") {
            continue;
        }
        let tn = c.tag_name();
        match tn.name() {
            "channel" => {
                channels += 1;
                if channels > 1 {
                    cx.report(
                        c,
                        "DuplicateElement",
                        "<rdf:RDF> holds more than one <channel>",
                    );
                }
                rdf_part(cx, c, ns, "channel");
            }
            "item" | "image" | "textinput" => rdf_part(cx, c, ns, tn.name()),
            _ => undefined(cx, c, "rdf:RDF"),
        }
    }
    if channels == 0 {
        cx.report(root, "MissingElement", "<rdf:RDF> has no <channel>");
    }
}

fn rdf_part(cx: &mut Ctx, node: Node, ns: &str, kind: &str) {
    if ns == RSS10_NS && !node.has_attribute((RDF_NS, "about")) {
        cx.report(
            node,
            "MissingAttribute",
            format!("<{kind}> needs an rdf:about attribute"),
        );
    }
    if let Some(a) = node.attribute_node((RDF_NS, "about")) {
        urls::check(cx, a.range().start, a.value(), Uri::Any, "rdf:about");
    }
    let allowed: &[&str] = match kind {
        "channel" => &[
            "title",
            "link",
            "description",
            "items",
            "image",
            "textinput",
        ],
        "item" => &["title", "link", "description"],
        "image" => &["title", "link", "url"],
        _ => &["title", "link", "description", "name"],
    };
    let required: &[&str] = match kind {
        "channel" if ns == RSS10_NS && node.has_attribute((RDF_NS, "about")) => {
            &["title", "link", "description", "items"]
        }
        "channel" => &["title", "link", "description"],
        "item" => &["title", "link"],
        "image" => &["title", "link", "url"],
        _ => &["title", "link", "description", "name"],
    };
    let mut seen: HashSet<&str> = HashSet::new();
    for c in elements(node) {
        if foreign_rdf_child(cx, c, ns, kind) {
            continue;
        }
        let tn = c.tag_name();
        let name = tn.name();
        if !allowed.contains(&name) {
            undefined(cx, c, kind);
            continue;
        }
        if !seen.insert(name) {
            cx.report(
                c,
                "DuplicateElement",
                format!("<{kind}> has more than one <{name}>"),
            );
            continue;
        }
        match name {
            "title" => plain_text(cx, c, true),
            "link" | "url" => url_element(cx, c, Uri::Full),
            "description" if kind == "item" => {
                let v = text_of(c);
                html::check_html(cx, c, &v, false);
            }
            "description" => plain_text(cx, c, false),
            "items" if kind == "channel" => rdf_items(cx, c),
            "image" | "textinput"
                if kind == "channel"
                    && ns == RSS10_NS
                    && !c.has_attribute((RDF_NS, "resource")) =>
            {
                cx.report(
                    c,
                    "MissingAttribute",
                    format!("<{name}> in <channel> needs rdf:resource"),
                );
            }
            _ => {}
        }
    }
    for el in required {
        if !seen.contains(el) {
            let class = match (*el, kind) {
                ("title", "channel" | "image" | "textinput") => "MissingTitle",
                ("link", "channel" | "image" | "textinput") => "MissingLink",
                ("description", "channel" | "textinput") => "MissingDescription",
                _ => "MissingElement",
            };
            cx.report(node, class, format!("<{kind}> must have a <{el}>"));
        }
    }
    semantics(cx, node, "DuplicateSemantics");
}

/// `<items><rdf:Seq><rdf:li rdf:resource="…"/>…</rdf:Seq></items>`.
fn rdf_items(cx: &mut Ctx, items: Node) {
    let seq = elements(items).find(|s| super::ns(*s) == Some(RDF_NS));
    let Some(seq) = seq else { return };
    for li in elements(seq) {
        for a in li.attributes() {
            let known = matches!(a.namespace(), Some(RDF_NS) | None)
                && matches!(a.name(), "resource" | "about");
            if !known {
                cx.report_at(
                    a.range().start,
                    "UnexpectedAttribute",
                    format!("<rdf:li> has no attribute {:?} (rdf:resource)", a.name()),
                );
            }
        }
        if let Some(a) = li.attribute_node((RDF_NS, "resource")) {
            urls::check(cx, a.range().start, a.value(), Uri::Any, "rdf:resource");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass reading of media types agrees with the full one, for random
    /// values from the pieces media types are made of.
    #[test]
    fn media_types_in_one_pass() {
        const PIECES: &[&str] = &[
            "text",
            "/",
            "html",
            "application",
            "atom+xml",
            ";",
            " charset=utf-8",
            " ",
            "\t",
            "x",
            "-",
            ".",
            "é",
            "\"",
            "=",
            "*",
            "^",
            "",
        ];
        let mut next = crate::lint::xorshift(0x6d69_6d65_7479);
        let mut valid = 0;
        for _ in 0..100_000 {
            let piece = |n: u64| PIECES[(n % PIECES.len() as u64) as usize];
            // Half shaped like a media type: a piece, a slash, a piece, more.
            let mut t = String::new();
            if next().is_multiple_of(2) {
                t = format!("{}/{}", piece(next()), piece(next()));
            }
            for _ in 0..next() % 4 {
                t.push_str(PIECES[(next() % PIECES.len() as u64) as usize]);
            }
            assert_eq!(valid_mime(&t), valid_mime_fully(&t), "{t:?}");
            valid += usize::from(valid_mime(&t));
        }
        assert!(valid > 2_000, "{valid}");
    }

    /// Text the fast path passes holds nothing either HTML rule of [`no_markup`]
    /// reports, whatever its source.
    #[test]
    fn plainly_no_markup_is_never_wrong() {
        let mut next = crate::lint::xorshift(0x0070_6c61_696e);
        let pieces = [
            "&", "& ", "&amp;", "&#", "&#x", "&#38;", "&nbsp;", "&x", "&1", "&;", "<", "</b>",
            "<p>", "a", " ", "é", ";", "#", "x", "/", "&&", "&-", "Q&A",
        ];
        let mut plain = 0;
        for _ in 0..100_000 {
            let mut piece = || pieces[(next() % pieces.len() as u64) as usize];
            let v: String = (0..6).map(|_| piece()).collect();
            let raw: String = (0..3).map(|_| piece()).collect::<String>() + &v;
            if plainly_no_markup(&v) {
                plain += 1;
                assert_eq!(html::text_contains_html(&v, &raw), None, "{v:?} {raw:?}");
                assert!(!html::bare_markup_char(&v, &raw), "{v:?} {raw:?}");
            }
        }
        assert!(plain > 1_000, "{plain}");
    }

    /// Attributes are checked on RSS's own elements only: not on anything inside an
    /// extension element, however deep, but again on the elements after it.
    #[test]
    fn extension_attributes_skip_what_extensions_hold() {
        let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:x=\"http://x.example/\">\
            <channel><title>t</title><link>https://e.com/</link><description>d</description>\
            <item><title>i</title><x:box><inner odd=\"1\"><deeper odd=\"2\"/></inner></x:box>\
            <guid isPermaLink=\"false\" odd=\"3\">g-1</guid><category x:odd=\"4\">c</category>\
            </item></channel></rss>";
        let findings = crate::lint::lint_bytes(feed.as_bytes(), "f.xml", None);
        let unexpected: Vec<&str> = findings
            .iter()
            .filter(|f| f.class.as_deref() == Some("UnexpectedAttribute"))
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            unexpected,
            ["<guid> has no attribute \"odd\""],
            "{findings:?}"
        );
        assert!(
            findings
                .iter()
                .any(|f| f.class.as_deref() == Some("UseOfExtensionAttr")),
            "{findings:?}"
        );
    }

    /// Text between an item's elements is reported once, at the first such text,
    /// in document order with the item's other findings.
    #[test]
    fn stray_text_in_an_item_keeps_its_place() {
        let feed = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
            <link>https://e.com/</link><description>d</description>\
            <item><title>a</title><title>b</title>stray<guid isPermaLink=\"false\">g</guid>more\
            </item></channel></rss>";
        let findings = crate::lint::lint_bytes(feed.as_bytes(), "f.xml", None);
        let classes: Vec<&str> = findings
            .iter()
            .filter_map(|f| f.class.as_deref())
            .filter(|c| matches!(*c, "UnexpectedText" | "DuplicateElement"))
            .collect();
        assert_eq!(
            classes,
            ["DuplicateElement", "UnexpectedText"],
            "{findings:?}"
        );
    }

    /// A guid used again is reported on the second item that has it (not the
    /// third), after that guid's own findings; blank guids are left alone.
    #[test]
    fn repeated_guids_on_their_second_item() {
        let mut feed = String::from(
            "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>t</title>\
             <link>https://e.com/</link><description>d</description>\n",
        );
        for g in ["a-1", "b-1", "a-1", "123", " ", "123", "b-1", "a-1", " "] {
            feed.push_str(&format!(
                "<item><title>i</title><guid isPermaLink=\"false\">{g}</guid></item>\n"
            ));
        }
        feed.push_str("</channel></rss>");
        let findings = crate::lint::lint_bytes(feed.as_bytes(), "f.xml", None);
        let got: Vec<(usize, &str)> = findings
            .iter()
            .filter(|f| {
                matches!(
                    f.class.as_deref(),
                    Some("DuplicateValue" | "NotSufficientlyUnique")
                )
            })
            .map(|f| (f.line.expect("a line"), f.class.as_deref().unwrap_or("")))
            .collect();
        // Item k is on line k + 3.
        assert_eq!(
            got,
            [
                (5, "DuplicateValue"),
                (6, "NotSufficientlyUnique"),
                (8, "NotSufficientlyUnique"),
                (8, "DuplicateValue"),
                (9, "DuplicateValue"),
            ],
            "{findings:?}"
        );
    }

    #[test]
    fn item_elements_know_their_place_in_item_once() {
        for (k, name) in ITEM_ONCE.iter().enumerate() {
            assert_eq!(ItemEl::of(name).once(), Some(k), "{name}");
        }
        for other in ["category", "enclosure", "foo", ""] {
            assert_eq!(ItemEl::of(other).once(), None, "{other}");
        }
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "en-us", "zh-CN", "x-klingon", "haw", "EN-GB"] {
            assert!(valid_language(ok), "{ok}");
        }
        for bad in ["english", "xx", "en_US", "", "e", "en-"] {
            assert!(!valid_language(bad), "{bad}");
        }
        assert!(ISO639.windows(2).all(|w| w[0] < w[1]));
    }

    /// The media type check, byte by byte, is the one it replaced: split at `;`
    /// and `/`, characters tested.
    #[test]
    fn valid_mime_is_the_token_rule() {
        let reference = |t: &str| {
            let t = t.split(';').next().unwrap_or("").trim();
            let token = |s: &str| {
                !s.is_empty()
                    && s.chars().all(|c| {
                        c.is_ascii_alphanumeric()
                            || matches!(c, '!' | '#' | '$' | '&' | '.' | '+' | '-' | '^' | '_')
                    })
            };
            match t.split_once('/') {
                Some((a, b)) => token(a) && token(b),
                None => false,
            }
        };
        let mut next = crate::lint::xorshift(0x0000_6d69_6d65);
        let pieces = [
            "text",
            "/",
            "html",
            ";",
            " ",
            "charset=utf-8",
            "+",
            "xml",
            "é",
            "\u{a0}",
            "*",
            "",
            "a.b",
            "\t",
            "//",
            "x-y",
        ];
        for _ in 0..100_000 {
            let t: String = (0..next() % 6)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            assert_eq!(valid_mime(&t), reference(&t), "{t:?}");
        }
    }

    #[test]
    fn addresses_and_media_types() {
        assert!(valid_addr_spec("me+folder@example.com"));
        assert!(valid_addr_spec("P.O'Neill@example.ie"));
        assert!(!valid_addr_spec("John Smith"));
        assert!(!valid_addr_spec("user@localhost"));
        assert!(unqualified_addr("user@localhost"));
        assert!(valid_mime("audio/mpeg"));
        assert!(valid_mime("text/html; charset=utf-8"));
        assert!(!valid_mime("mp3"));
        assert!(!valid_mime("audio/"));
    }
}
