//! Atom 1.0 (RFC 4287): the required feed and entry metadata, text and content
//! constructs, persons, links, categories, ids, dates, and the feed-wide rules
//! (an author for every entry, unique ids, a self link).

use std::borrow::Cow;
use std::collections::HashSet;

use super::dom::{Attribute, Node};

use super::rss::{self, valid_addr_spec, valid_language, valid_mime};
use super::urls::{self, Uri};
use super::{dates, elements, ext, html, same_short, text_of, Ctx, XML_NS};

pub(super) const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
pub(super) const ATOM03_NS: &str = "http://purl.org/atom/ns#";
pub(super) const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";

/// Link relations registered with IANA for Atom (and `prev`, which readers accept).
const RELS: &[&str] = &[
    "alternate",
    "current",
    "describedby",
    "edit",
    "edit-media",
    "enclosure",
    "first",
    "hub",
    "last",
    "license",
    "next",
    "next-archive",
    "payment",
    "prev-archive",
    "previous",
    "prev",
    "related",
    "replies",
    "search",
    "self",
    "service",
    "up",
    "via",
];

/// Where Atom metadata stands: the rules differ a little between the three.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Parent {
    Feed,
    Entry,
    Source,
}

impl Parent {
    fn name(self) -> &'static str {
        match self {
            Parent::Feed => "feed",
            Parent::Entry => "entry",
            Parent::Source => "source",
        }
    }
}

/// The Atom elements the rules tell apart: an element's local name is matched
/// once, and every later decision is on this.
#[derive(Clone, Copy, PartialEq, Eq)]
enum El {
    Id,
    Title,
    Rights,
    Updated,
    Author,
    Contributor,
    Link,
    Category,
    Subtitle,
    Generator,
    Icon,
    Logo,
    Published,
    Summary,
    Content,
    Source,
    Entry,
    Other,
}

impl El {
    /// The kind named `name`. Every child of an Atom element passes here: the
    /// length and last byte tell the candidates apart (no two share both), and
    /// one short comparison confirms it, instead of a comparison per name.
    #[inline(always)]
    fn of(name: &str) -> El {
        let b = name.as_bytes();
        match (b.len(), b.last().copied().unwrap_or(0)) {
            (2, b'd') => El::is(b, "id", El::Id),
            (5, b'e') => El::is(b, "title", El::Title),
            (6, b's') => El::is(b, "rights", El::Rights),
            (7, b'd') => El::is(b, "updated", El::Updated),
            (6, b'r') => El::is(b, "author", El::Author),
            (11, b'r') => El::is(b, "contributor", El::Contributor),
            (4, b'k') => El::is(b, "link", El::Link),
            (8, b'y') => El::is(b, "category", El::Category),
            (8, b'e') => El::is(b, "subtitle", El::Subtitle),
            (9, b'r') => El::is(b, "generator", El::Generator),
            (4, b'n') => El::is(b, "icon", El::Icon),
            (4, b'o') => El::is(b, "logo", El::Logo),
            (9, b'd') => El::is(b, "published", El::Published),
            (7, b'y') => El::is(b, "summary", El::Summary),
            (7, b't') => El::is(b, "content", El::Content),
            (6, b'e') => El::is(b, "source", El::Source),
            (5, b'y') => El::is(b, "entry", El::Entry),
            _ => El::Other,
        }
    }

    /// `el` when `name` is `word` (of the same length: the comparison is of
    /// known lengths, compiled to a load or two), else [`El::Other`].
    #[inline(always)]
    fn is(name: &[u8], word: &str, el: El) -> El {
        if same_short(name, word.as_bytes()) {
            el
        } else {
            El::Other
        }
    }

    /// [`El::of`] as a plain match on the name, for the tests.
    #[cfg(test)]
    fn of_by_match(name: &str) -> El {
        match name {
            "id" => El::Id,
            "title" => El::Title,
            "rights" => El::Rights,
            "updated" => El::Updated,
            "author" => El::Author,
            "contributor" => El::Contributor,
            "link" => El::Link,
            "category" => El::Category,
            "subtitle" => El::Subtitle,
            "generator" => El::Generator,
            "icon" => El::Icon,
            "logo" => El::Logo,
            "published" => El::Published,
            "summary" => El::Summary,
            "content" => El::Content,
            "source" => El::Source,
            "entry" => El::Entry,
            _ => El::Other,
        }
    }
}

/// How many of each Atom element a feed, entry or source has had so far (other
/// names are never asked about): a counter per kind, no lookup.
#[derive(Default)]
struct Seen([u32; El::Other as usize + 1]);

impl Seen {
    /// Counts one more `el`; returns how many there have been.
    fn add(&mut self, el: El) -> u32 {
        let n = &mut self.0[el as usize];
        *n += 1;
        *n
    }

    fn get(&self, el: El) -> u32 {
        self.0[el as usize]
    }

    fn contains(&self, el: El) -> bool {
        self.get(el) > 0
    }
}

/// The IANA registry prefix: `IANA_REL + "alternate"` is `alternate`.
const IANA_REL: &str = "http://www.iana.org/assignments/relation/";

/// A link's relation, with the registry prefix removed and the default applied.
fn rel_of<'a>(link: Node<'a, '_>) -> &'a str {
    let rel = link.attribute("rel").unwrap_or("alternate");
    rel.strip_prefix(IANA_REL).unwrap_or(rel)
}

/// The `xml:base` in effect at `node`, resolved through its ancestors.
pub(super) fn base_of(node: Node) -> Option<String> {
    let mut bases: Vec<&str> = node
        .ancestors()
        .filter_map(|a| a.attribute((XML_NS, "base")))
        .collect();
    bases.reverse();
    let mut cur: Option<String> = None;
    for b in bases {
        cur = Some(resolve(cur.as_deref(), b));
    }
    cur
}

/// `reference` resolved against `base` (RFC 3986 §5), as far as `url` can.
pub(super) fn resolve(base: Option<&str>, reference: &str) -> String {
    if plainly_absolute(reference) {
        return reference.to_string();
    }
    match base.and_then(|b| url::Url::parse(b).ok()) {
        Some(b) => b
            .join(reference)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| reference.to_string()),
        None => reference.to_string(),
    }
}

/// Bytes after the host that no URL parser rewrites: letters, digits and the
/// delimiters that are never percent-encoded in a path, query or fragment.
static KEPT_BYTES: [bool; 256] = byte_set!(b => b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'!' | b'$'
        | b'&' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' | b':' | b'@' | b'/' | b'?' | b'#'));

/// Whether `reference` is an absolute http(s) URL already in the form URL parsing
/// writes back, so that resolving it against any base gives it unchanged (a self
/// link usually is): lower-case scheme and plain host (no user, no port, no
/// punycode, not an IP address), a path, no `%`, no dot segment, at most one `#`.
/// `false` says nothing: [`resolve`] then lets `url` do it.
fn plainly_absolute(reference: &str) -> bool {
    let Some((host, path)) = urls::http_host_and_rest(reference.as_bytes()) else {
        return false;
    };
    let last_label = host.rsplit(|&c| c == b'.').next().unwrap_or(b"");
    host.first().is_some_and(|&c| c != b'.')
        && host.last().is_some_and(|&c| c != b'.')
        && memchr::memmem::find(host, b"..").is_none()
        && memchr::memmem::find(host, b"xn--").is_none()
        && last_label.first().is_some_and(u8::is_ascii_lowercase)
        && path.first() == Some(&b'/')
        && path.iter().all(|&c| KEPT_BYTES[usize::from(c)])
        && memchr::memchr_iter(b'#', path).count() <= 1
        && !urls::has_slash_dot(path)
}

/// Lints an Atom feed document.
pub(super) fn lint_feed(cx: &mut Ctx, feed: Node) {
    if feed.is_prefixed() {
        cx.report(
            feed,
            "AvoidNamespacePrefix",
            "write Atom elements without a namespace prefix: many readers need it",
        );
    }
    common_attrs(cx, feed, El::Other);
    let mut seen = Seen::default();
    let mut has_author = false;
    let mut self_link = false;
    let mut alternates = 0;
    let mut entry_nodes = Vec::new();
    // One pass over the children, stray text (see stray_text) noted on the way.
    let mut stray = false;
    for c in feed.children() {
        if !c.is_element() {
            super::note_stray_text(cx, feed, c, &mut stray);
            continue;
        }
        let tn = c.tag_name();
        if tn.namespace() != Some(ATOM_NS) {
            foreign(cx, c, "feed");
            continue;
        }
        let el = El::of(tn.name());
        seen.add(el);
        if el == El::Entry {
            entry_nodes.push(c);
            continue;
        }
        if !metadata(cx, c, Parent::Feed, el, &seen) {
            undefined(cx, c, "feed");
        }
        match el {
            El::Author => has_author = true,
            El::Link => match rel_of(c) {
                "self" => self_link = true,
                "alternate" => alternates += 1,
                _ => {}
            },
            _ => {}
        }
    }
    for (el, name) in [
        (El::Id, "id"),
        (El::Title, "title"),
        (El::Updated, "updated"),
    ] {
        if !seen.contains(el) {
            cx.report(
                feed,
                "MissingElement",
                format!("<feed> must have an <{name}>"),
            );
        }
    }
    if alternates > 1 {
        duplicate_links(cx, feed);
    }
    let entries: Vec<Revision> = entry_nodes
        .iter()
        .map(|&e| {
            let (id, updated) = entry(cx, e, has_author);
            Revision {
                id,
                updated,
                node: e,
            }
        })
        .collect();
    if !self_link {
        cx.report(
            feed,
            "MissingSelf",
            "<feed> should name its own URL: <link rel=\"self\" href=\"…\"/>",
        );
    }
    revisions(cx, &entries);
}

/// An entry of a feed: its id and updated values (trimmed), where it is.
struct Revision<'a, 'i> {
    id: Option<Cow<'a, str>>,
    updated: Option<Cow<'a, str>>,
    node: Node<'a, 'i>,
}

/// Positions `0..n` sorted by `key` (and by position among equal keys): equal
/// keys end up side by side in document order. Sorting, not hashing: no input can
/// make it slow, and a feed's few entries sort in fewer steps than SipHash takes.
fn sorted_by<K: Ord>(n: usize, key: impl Fn(usize) -> K) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(a).cmp(&key(b)).then(a.cmp(&b)));
    order
}

/// Whether `key(0..n)` strictly rises or strictly falls, as the dates (and often
/// the ids) of a feed written newest first do: then no two keys are equal, and
/// nothing needs sorting.
fn strictly_monotonic<K: Ord>(n: usize, key: impl Fn(usize) -> K) -> bool {
    let rising = (1..n).all(|i| key(i - 1) < key(i));
    rising || (1..n).all(|i| key(i - 1) > key(i))
}

/// Equal `key`s among sorted positions: the runs of two or more, each in
/// document order.
fn runs<'o, K: PartialEq>(
    order: &'o [usize],
    key: impl Fn(usize) -> K + 'o,
) -> impl Iterator<Item = &'o [usize]> + 'o {
    order
        .chunk_by(move |&a, &b| key(a) == key(b))
        .filter(|run| run.len() > 1)
}

/// The feed-wide rules on entries: the same `<updated>` twice, the same id
/// without a new date.
fn revisions(cx: &mut Ctx, entries: &[Revision]) {
    // The second entry with each `<updated>` is reported, in document order.
    let with_updated: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].updated.is_some())
        .collect();
    let updated = |k: usize| entries[with_updated[k]].updated.as_deref();
    let mut seconds: Vec<usize> = if strictly_monotonic(with_updated.len(), updated) {
        Vec::new()
    } else {
        let order = sorted_by(with_updated.len(), updated);
        runs(&order, updated)
            .map(|run| with_updated[run[1]])
            .collect()
    };
    seconds.sort_unstable();
    for i in seconds {
        let e = &entries[i];
        cx.report(
            e.node,
            "DuplicateUpdated",
            format!(
                "two entries have the same <updated> {}",
                e.updated.as_deref().unwrap_or("")
            ),
        );
    }
    // Ids must be unique; the same id twice is allowed only as two revisions.
    let with_id: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].id.is_some())
        .collect();
    let id = |k: usize| entries[with_id[k]].id.as_deref();
    if strictly_monotonic(with_id.len(), id) {
        // No id twice (or at most one id): nothing for the rules below to report.
        return;
    }
    let order = sorted_by(with_id.len(), id);
    // RFC 4287 §4.1.1: entries sharing an id are revisions of one entry, and their
    // updated dates SHOULD differ. Every entry of a feed sharing one id is a broken
    // generator, not revisions.
    let one_id = match (order.first(), order.last()) {
        (Some(&first), Some(&last)) => id(first) == id(last),
        _ => false,
    };
    if entries.len() > 2 && with_id.len() == entries.len() && one_id {
        cx.report(
            entries[1].node,
            "DuplicateIds",
            format!(
                "every entry has the id {}: ids must tell entries apart",
                entries[0].id.as_deref().unwrap_or("")
            ),
        );
        return;
    }
    // Each id shared by entries: the first of them with an `<updated>` an earlier
    // one of them has, reported in the order of the id's second entry.
    let mut found: Vec<(usize, usize)> = Vec::new();
    for run in runs(&order, id) {
        let members: Vec<usize> = run.iter().map(|&k| with_id[k]).collect();
        let date = |m: usize| entries[members[m]].updated.as_deref();
        let by_date = sorted_by(members.len(), date);
        let first_repeat = runs(&by_date, date).map(|r| members[r[1]]).min();
        if let Some(i) = first_repeat {
            found.push((members[1], i));
        }
    }
    found.sort_unstable();
    for (_, i) in found {
        let e = &entries[i];
        cx.report(
            e.node,
            "DuplicateEntries",
            format!(
                "two entries have the id {} and the same <updated>: a revision needs a new date",
                e.id.as_deref().unwrap_or("")
            ),
        );
    }
}

/// Lints an Atom entry document (an `<entry>` at the root).
pub(super) fn lint_entry_document(cx: &mut Ctx, e: Node) {
    if e.is_prefixed() {
        cx.report(
            e,
            "AvoidNamespacePrefix",
            "write Atom elements without a namespace prefix",
        );
    }
    entry(cx, e, false);
}

/// xml:base and xml:lang on any Atom element (`el`, the kind of `node`).
#[inline(always)]
fn common_attrs(cx: &mut Ctx, node: Node, el: El) {
    // One pass over the attributes: each is reported at its own place, and the
    // findings are put in document order in the end. An attribute the element
    // has is passed here; the rest are looked at out of line. Inlined in each
    // caller: most elements have no attribute, and the call cost more than the
    // empty loop.
    for a in node.attributes() {
        if !allowed_attr(el, a.name()) || a.namespace().is_some() {
            other_attr(cx, node, a);
        }
    }
}

/// [`common_attrs`] on an attribute in a namespace or one the element has not.
#[inline(never)]
fn other_attr(cx: &mut Ctx, node: Node, a: Attribute) {
    match a.namespace() {
        None => {
            let element = node.tag_name().name();
            cx.report_at(
                a.range().start,
                "UnexpectedAttribute",
                format!("<{element}> has no attribute {:?}", a.name()),
            );
        }
        Some(XML_NS) if a.name() == "base" => {
            urls::check(cx, a.range().start, a.value(), Uri::Any, "xml:base");
        }
        Some(XML_NS) if a.name() == "lang" => {
            if !a.value().is_empty() && !valid_language(a.value()) {
                cx.report_at(
                    a.range().start,
                    "InvalidLanguage",
                    format!("xml:lang {:?} is not a language tag", a.value()),
                );
            }
        }
        Some(_) => {}
    }
}

/// Whether `el` has an attribute named `attr` (one of no namespace). Every
/// attribute of an Atom element passes here: its length and first byte pick the
/// one name it can be, and one short comparison confirms it.
#[inline(always)]
fn allowed_attr(el: El, attr: &str) -> bool {
    let b = attr.as_bytes();
    let word = match (el, b.len(), b.first().copied().unwrap_or(0)) {
        (El::Link, 4, b'h') => "href",
        (El::Link, 3, b'r') => "rel",
        (El::Link, 8, b'h') => "hreflang",
        (El::Link, 5, b't') => "title",
        (El::Link, 6, b'l') => "length",
        (El::Category, 4, b't') => "term",
        (El::Category, 6, b's') => "scheme",
        (El::Category, 5, b'l') => "label",
        (El::Generator, 3, b'u') => "uri",
        (El::Generator, 7, b'v') => "version",
        (El::Content, 3, b's') => "src",
        (El::Link | El::Content | El::Title | El::Subtitle | El::Summary | El::Rights, 4, b't') => {
            "type"
        }
        _ => return false,
    };
    same_short(b, word.as_bytes())
}

/// [`allowed_attr`] as plain matches on the name, for the tests.
#[cfg(test)]
fn allowed_attr_by_match(el: El, attr: &str) -> bool {
    match el {
        El::Link => matches!(
            attr,
            "href" | "rel" | "type" | "hreflang" | "title" | "length"
        ),
        El::Category => matches!(attr, "term" | "scheme" | "label"),
        El::Generator => matches!(attr, "uri" | "version"),
        El::Content => matches!(attr, "type" | "src"),
        El::Title | El::Subtitle | El::Summary | El::Rights => attr == "type",
        _ => false,
    }
}

fn undefined(cx: &mut Ctx, node: Node, parent: &str) {
    cx.report(
        node,
        "UndefinedElement",
        format!(
            "<{}> is not an Atom element of <{parent}>",
            node.tag_name().name()
        ),
    );
}

/// An element outside the Atom namespace inside an Atom element.
fn foreign(cx: &mut Ctx, node: Node, parent: &str) {
    if super::ns(node).is_none() {
        cx.report(
            node,
            "UndeterminableVocabulary",
            format!(
                "<{}> in <{parent}> is in no namespace: readers cannot tell what it means",
                node.tag_name().name()
            ),
        );
    } else if super::ns(node) == Some(XHTML_NS) {
        cx.report(
            node,
            "MisplacedXHTMLContent",
            format!(
                "XHTML <{}> directly in <{parent}>: XHTML belongs in a text construct of type xhtml",
                node.tag_name().name()
            ),
        );
    } else {
        ext::element(cx, node, parent);
    }
}

/// Metadata shared by feed, entry and source (`c` is an `el`, the `seen.get(el)`th
/// of its parent); returns false for an element that is none of them.
fn metadata(cx: &mut Ctx, c: Node, parent: Parent, el: El, seen: &Seen) -> bool {
    let known = match el {
        El::Id
        | El::Title
        | El::Rights
        | El::Updated
        | El::Author
        | El::Contributor
        | El::Link
        | El::Category => true,
        El::Subtitle | El::Generator | El::Icon | El::Logo => parent != Parent::Entry,
        El::Published => parent == Parent::Entry,
        _ => false,
    };
    if !known {
        return false;
    }
    let once = !matches!(el, El::Author | El::Contributor | El::Link | El::Category);
    if once && seen.get(el) == 2 {
        cx.report(
            c,
            "DuplicateElement",
            format!(
                "<{}> has more than one <{}>",
                parent.name(),
                c.tag_name().name()
            ),
        );
    }
    if c.is_prefixed() {
        cx.report(
            c,
            "AvoidNamespacePrefix",
            "write Atom elements without a namespace prefix",
        );
    }
    // A category reads its attributes in its own pass, common ones included.
    if el != El::Category {
        common_attrs(cx, c, el);
    }
    match el {
        El::Id => id(cx, c),
        El::Title | El::Rights | El::Subtitle => text_construct(cx, c),
        El::Updated | El::Published => {
            if leaf(cx, c) {
                dates::check_rfc3339(cx, c);
            }
        }
        El::Author | El::Contributor => person(cx, c),
        El::Link => link(cx, c),
        El::Category => category(cx, c),
        El::Generator => {
            if !leaf(cx, c) {
                return true;
            }
            rss::url_attr(cx, c, "uri", Uri::Any);
            let v = text_of(c);
            rss::no_markup(cx, c, &v);
        }
        _ => {
            // Icon and logo.
            if leaf(cx, c) {
                atom_uri(cx, c);
            }
        }
    }
    true
}

/// An element that holds only text; reports (and returns false for) child elements.
#[inline]
fn leaf(cx: &mut Ctx, node: Node) -> bool {
    // The usual leaf, a single text node or nothing, is known inline.
    match (node.first_child(), node.last_child()) {
        (None, _) => true,
        (Some(first), Some(last)) if first == last && first.is_text() => true,
        _ => leaf_with_children(cx, node),
    }
}

/// [`leaf`] of an element with children other than a single text node.
#[inline(never)]
fn leaf_with_children(cx: &mut Ctx, node: Node) -> bool {
    match elements(node).next() {
        Some(child) => {
            cx.report(
                child,
                "UndefinedElement",
                format!(
                    "<{}> holds only text, not <{}>",
                    node.tag_name().name(),
                    child.tag_name().name()
                ),
            );
            false
        }
        None => true,
    }
}

/// An IRI element (icon, logo, uri): no white space around the value.
fn atom_uri(cx: &mut Ctx, node: Node) {
    let v = text_of(node);
    // A trimmed value is a part of it: the same length, the same value.
    if v.len() != super::trim(&v).len() {
        cx.report(
            node,
            "UnexpectedWhitespace",
            format!(
                "<{}> has white space around its IRI",
                node.tag_name().name()
            ),
        );
        return;
    }
    urls::check(
        cx,
        node.range().start,
        &v,
        Uri::Any,
        format_args!("<{}>", node.tag_name().name()),
    );
}

/// `<id>`: an absolute IRI, in canonical form.
fn id(cx: &mut Ctx, node: Node) {
    if !leaf(cx, node) {
        return;
    }
    let text = text_of(node);
    let v = super::trim(&text);
    if v.is_empty() {
        if node
            .parent_element()
            .is_some_and(|p| p.has_tag_name((ATOM_NS, "entry")))
        {
            cx.report(node, "NotBlank", "<id> should not be blank");
        }
    } else if v.len() != text.len() {
        cx.report(
            node,
            "UnexpectedWhitespace",
            "<id> has white space around its value",
        );
    }
    if urls::check(cx, node.range().start, v, Uri::Full, "<id>") {
        if let Some(why) = urls::non_canonical(v) {
            cx.report(
                node,
                "NonCanonicalURI",
                format!("<id> {v:?} is not in canonical form: {why}"),
            );
        }
    }
}

/// Title, subtitle, summary, rights: `type` text (default), html or xhtml.
fn text_construct(cx: &mut Ctx, node: Node) {
    text_construct_of_type(cx, node, node.attribute("type"));
}

/// [`text_construct`], its `type` attribute already read.
fn text_construct_of_type(cx: &mut Ctx, node: Node, ty: Option<&str>) {
    let ty = ty.unwrap_or("text");
    let name = node.tag_name().name();
    let first_element = elements(node).next();
    // Blank text, or blank base64 data; an empty text/* value is left alone.
    let blank_matters = matches!(ty, "text" | "html" | "xhtml")
        || (valid_mime(ty) && {
            let lty = ty.to_ascii_lowercase();
            !lty.starts_with("text/") && !lty.ends_with("+xml") && !lty.ends_with("/xml")
        });
    // The text is read only where an element child does not settle the matter.
    let v = match first_element {
        None => text_of(node),
        Some(_) => Cow::Borrowed(""),
    };
    if blank_matters && first_element.is_none() && super::trim(&v).is_empty() {
        cx.report(node, "NotBlank", format!("<{name}> should not be blank"));
    }
    match ty {
        "text" => {
            if first_element.is_some() {
                cx.report(
                    node,
                    "UndefinedElement",
                    format!("<{}> of type text holds elements", node.tag_name().name()),
                );
                return;
            }
            if closing_tag_possible(&v) {
                let raw = &cx.doc.input_text()[node.range()];
                if html::text_contains_html(&v, raw).is_some_and(|w| w.starts_with("</")) {
                    cx.report(
                        node,
                        "ContainsUndeclaredHTML",
                        format!(
                            "<{}> holds HTML but its type is text: add type=\"html\"",
                            node.tag_name().name()
                        ),
                    );
                }
            }
        }
        "html" => {
            if let Some(c) = first_element {
                // Atom 0.3's mode="escaped" promised escaped markup; type="html" holds text.
                let class = if node.attribute("mode") == Some("escaped") {
                    "NotEscaped"
                } else {
                    "UndefinedElement"
                };
                cx.report(
                    c,
                    class,
                    format!("<{name}> of type html must hold escaped markup, not elements"),
                );
                return;
            }
            html::check_html(cx, node, &v, true);
        }
        "xhtml" => xhtml(cx, node),
        "" => cx.report_attr(
            node,
            "type",
            "AttrNotBlank",
            format!("<{name}> has a blank type"),
        ),
        other if !valid_mime(other) => cx.report_attr(
            node,
            "type",
            "InvalidMIMEType",
            format!("<{name}> type {other:?} must be text, html or xhtml"),
        ),
        other => {
            if other.eq_ignore_ascii_case("text/html") {
                cx.report_attr(
                    node,
                    "type",
                    "HtmlFragment",
                    format!("<{name}> uses text/html for an HTML fragment: use type=\"html\""),
                );
            }
            cx.report_attr(
                node,
                "type",
                "InvalidTextType",
                format!("<{name}> type {other:?} must be text, html or xhtml"),
            );
        }
    }
}

/// Whether text can hold a closing HTML tag: only where it holds a `<`. Plain text
/// (most titles) then skips the HTML scan.
fn closing_tag_possible(v: &str) -> bool {
    memchr::memchr(b'<', v.as_bytes()).is_some()
}

/// Inline XHTML: a single xhtml:div holding the markup.
fn xhtml(cx: &mut Ctx, node: Node) {
    let kids: Vec<Node> = elements(node).collect();
    let div = kids.first().filter(|d| {
        kids.len() == 1 && super::ns(**d) == Some(XHTML_NS) && d.tag_name().name() == "div"
    });
    let stray_text = node
        .children()
        .any(|c| c.is_text() && !super::blank(c.text().unwrap_or("")));
    match div {
        Some(d) if !stray_text => {
            if d.is_prefixed() {
                cx.report(
                    *d,
                    "AvoidNamespacePrefix",
                    "write the XHTML div without a namespace prefix: many readers need it",
                );
            }
            // Markup escaped inside the div is text to readers, not XHTML.
            if elements(*d).next().is_none()
                && html::tags(&text_of(*d)).any(|t| html::is_html_tag(t.name))
            {
                cx.report(
                    *d,
                    "NotInline",
                    "the XHTML is escaped inside the div: write it as markup",
                );
            }
            html::check_xhtml(cx, node, *d)
        }
        _ => {
            cx.report(
                node,
                "MissingXhtmlDiv",
                format!(
                    "<{}> of type xhtml must hold one <div xmlns=\"http://www.w3.org/1999/xhtml\">",
                    node.tag_name().name()
                ),
            );
            let v = text_of(node);
            if kids.is_empty() && html::tags(&v).any(|t| html::is_html_tag(t.name)) {
                cx.report(
                    node,
                    "NotInline",
                    "the XHTML is escaped: it should be inline markup",
                );
            }
        }
    }
}

fn person(cx: &mut Ctx, node: Node) {
    let mut seen = super::Counts::default();
    // One pass over the children, stray text (see stray_text) noted on the way.
    let mut stray = false;
    for c in node.children() {
        if !c.is_element() {
            super::note_stray_text(cx, node, c, &mut stray);
            continue;
        }
        let tn = c.tag_name();
        if tn.namespace() != Some(ATOM_NS) {
            foreign(cx, c, tn.name());
            continue;
        }
        let name = tn.name();
        if seen.add(name) > 1 {
            cx.report(
                c,
                "DuplicateElement",
                format!("<{}> has more than one <{name}>", node.tag_name().name()),
            );
            continue;
        }
        match name {
            "name" => {
                if !leaf(cx, c) {
                    continue;
                }
                let v = text_of(c);
                if super::trim(&v).is_empty() {
                    cx.report(c, "NotBlank", "<name> should not be blank");
                }
                // Bytes: `<` and `>` are ASCII, their byte offsets are character
                // boundaries (names are short: no vector search to set up).
                let b = v.as_bytes();
                let lt = b.iter().position(|&c| c == b'<');
                if let (Some(lt), Some(gt)) =
                    (lt, lt.and_then(|_| b.iter().rposition(|&c| c == b'>')))
                {
                    if lt < gt && valid_addr_spec(v[lt + 1..gt].trim()) {
                        cx.report(
                            c,
                            "ContainsEmail",
                            "put the e-mail address in <email>, not in <name>",
                        );
                    }
                }
                rss::no_markup(cx, c, &v);
            }
            "uri" => {
                if leaf(cx, c) {
                    atom_uri(cx, c);
                }
            }
            "email" => {
                let v = text_of(c);
                let v = super::trim(&v);
                if !valid_addr_spec(v) && !rss::unqualified_addr(v) {
                    cx.report(
                        c,
                        "InvalidAddrSpec",
                        format!("<email> {v:?} is not an e-mail address"),
                    );
                } else if !valid_addr_spec(v) {
                    cx.report(
                        c,
                        "UnknownHost",
                        format!("<email> {v:?} has no fully qualified domain"),
                    );
                }
            }
            _ => undefined(cx, c, node.tag_name().name()),
        }
    }
    if !seen.contains("name") {
        cx.report(
            node,
            "MissingElement",
            format!("<{}> must have a <name>", node.tag_name().name()),
        );
    }
}

fn link(cx: &mut Ctx, node: Node) {
    link_attrs(cx, node);
}

/// The attributes of an atom:link, in Atom or in RSS.
fn link_attrs(cx: &mut Ctx, node: Node) {
    // The attributes looked at, found in one pass (an element has each name at
    // most once).
    let (mut rel, mut title, mut href, mut ty, mut hreflang, mut length) =
        (None, None, None, None, None, None);
    for a in node.attributes().filter(|a| a.namespace().is_none()) {
        match a.name() {
            "rel" => rel = Some(a),
            "title" => title = Some(a),
            "href" => href = Some(a),
            "type" => ty = Some(a),
            "hreflang" => hreflang = Some(a),
            "length" => length = Some(a),
            _ => {}
        }
    }
    // Extension elements may go inside a link; text may not.
    if node
        .children()
        .any(|c| c.is_text() && c.text().is_some_and(|t| !super::blank(t)))
    {
        cx.report(node, "AtomLinkNotEmpty", "<link> should be empty");
    }
    for (a, v) in [
        ("rel", rel.map(|a| a.value())),
        ("title", title.map(|a| a.value())),
    ] {
        if v.is_some_and(|v| super::trim(v).is_empty()) {
            cx.report_attr(
                node,
                a,
                "AttrNotBlank",
                format!("<link> has a blank {a} attribute"),
            );
        }
    }
    match href {
        None => cx.report(node, "MissingHref", "<link> needs an href attribute"),
        Some(a) => {
            urls::check(cx, a.range().start, a.value(), Uri::Any, "<link> href");
        }
    }
    if let Some(rel) = rel.map(|a| a.value()) {
        let rel = rel.strip_prefix(IANA_REL).unwrap_or(rel);
        if !RELS.contains(&rel) && urls::scheme_of(rel).is_none() {
            cx.report_attr(
                node,
                "rel",
                "UnregisteredAtomLinkRel",
                format!("link relation {rel:?} is not registered"),
            );
        }
        let history = matches!(rel, "current" | "next-archive" | "prev-archive");
        if history
            && node
                .parent_element()
                .is_some_and(|p| p.tag_name().name() == "entry")
        {
            cx.report_attr(
                node,
                "rel",
                "FeedHistoryRelInEntry",
                format!("link relation {rel:?} describes feed history: it belongs to the feed, not an entry"),
            );
        }
    }
    if let Some(t) = ty.map(|a| a.value()) {
        if !valid_mime(t) {
            cx.report_attr(
                node,
                "type",
                "InvalidMIMEType",
                format!("<link> type {t:?} is not a media type"),
            );
        }
    }
    if let Some(l) = hreflang.map(|a| a.value()) {
        if !valid_language(l) {
            cx.report_attr(
                node,
                "hreflang",
                "InvalidLanguage",
                format!("hreflang {l:?} is not a language tag"),
            );
        }
    }
    if let Some(l) = length.map(|a| a.value()) {
        if l.trim().parse::<u64>().is_err() {
            cx.report_attr(
                node,
                "length",
                "InvalidNonNegativeInteger",
                format!("<link> length {l:?} is not a number of bytes"),
            );
        }
    }

    if let Some(t) = title.map(|a| a.value()).filter(|t| may_hold_html(t)) {
        // An attribute value is its own source here (a reference in it is
        // already replaced).
        if let Some(w) = html::text_contains_html(t, t) {
            cx.report_attr(
                node,
                "title",
                "ContainsHTML",
                format!("<link> title holds HTML ({w})"),
            );
        }
    }
    // The relation as rel_of reads it, from the attribute found above.
    let relation = rel.map_or("alternate", |a| a.value());
    if relation.strip_prefix(IANA_REL).unwrap_or(relation) == "self"
        && super::ns(node) == Some(ATOM_NS)
    {
        let parent_is_atom = node
            .parent_element()
            .is_some_and(|p| super::ns(p) == Some(ATOM_NS));
        if parent_is_atom {
            rss::self_link_checks(cx, node);
        }
    }
}

/// An `<atom:link>` inside an RSS channel or item.
pub(super) fn link_in_rss(cx: &mut Ctx, node: Node) {
    link_attrs(cx, node);
}

/// Two alternate links with the same type and language.
fn duplicate_links(cx: &mut Ctx, parent: Node) {
    // Called with two alternate links or more (callers count them on their way).
    let mut seen = HashSet::new();
    for l in
        elements(parent).filter(|c| super::ns(*c) == Some(ATOM_NS) && c.tag_name().name() == "link")
    {
        if rel_of(l) != "alternate" {
            continue;
        }
        let key = (
            l.attribute("type").map(str::to_ascii_lowercase),
            l.attribute("hreflang").map(str::to_ascii_lowercase),
        );
        if !seen.insert(key) {
            cx.report(
                l,
                "DuplicateAtomLink",
                "two alternate links with the same type and hreflang",
            );
        }
    }
}

/// A category, its attributes (the common ones too, as [`common_attrs`] would)
/// read in one pass.
fn category(cx: &mut Ctx, node: Node) {
    // The attributes looked at, found in one pass (an element has each name at
    // most once). Each finding is at its own attribute: the order they are made
    // in does not matter.
    let (mut term, mut scheme, mut label) = (None, None, None);
    for a in node.attributes() {
        if !allowed_attr(El::Category, a.name()) || a.namespace().is_some() {
            other_attr(cx, node, a);
            continue;
        }
        // term, scheme or label: told apart by length.
        match a.name().len() {
            4 => term = Some(a.value()),
            6 => scheme = Some(a),
            _ => label = Some(a.value()),
        }
    }
    category_values(cx, node, term, scheme, label);
}

/// The rules on a category's term, scheme and label.
fn category_values(
    cx: &mut Ctx,
    node: Node,
    term: Option<&str>,
    scheme: Option<Attribute>,
    label: Option<&str>,
) {
    match term {
        Some(t) if super::trim(t).is_empty() => {
            cx.report_attr(node, "term", "NotBlank", "<category> has a blank term")
        }
        Some(_) => {}
        None => cx.report(
            node,
            "MissingAttribute",
            "<category> needs a term attribute",
        ),
    }
    if let Some(a) = scheme {
        urls::check(
            cx,
            a.range().start,
            a.value(),
            Uri::Any,
            "<category> scheme",
        );
    }
    if let Some(l) = label.filter(|l| may_hold_html(l)) {
        if let Some(w) = html::text_contains_html(l, l) {
            cx.report_attr(
                node,
                "label",
                "ContainsHTML",
                format!("<category> label holds HTML ({w})"),
            );
        }
    }
}

/// Whether an attribute value can hold HTML as [`html::text_contains_html`] finds
/// it: only with a `<` or an `&`. A label or title is a word or two, tested here
/// without a call.
#[inline]
fn may_hold_html(v: &str) -> bool {
    v.bytes().any(|c| c == b'<' || c == b'&')
}

/// The text of an element, trimmed; borrowed from the document when it can be.
#[inline]
fn trimmed_text<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    match text_of(node) {
        Cow::Borrowed(t) => Cow::Borrowed(super::trim(t)),
        Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
    }
}

/// Checks an entry; returns its id and updated values (trimmed).
fn entry<'a>(
    cx: &mut Ctx,
    e: Node<'a, '_>,
    feed_has_author: bool,
) -> (Option<Cow<'a, str>>, Option<Cow<'a, str>>) {
    if e.is_prefixed() && e.parent_element().is_some() {
        cx.report(
            e,
            "AvoidNamespacePrefix",
            "write Atom elements without a namespace prefix",
        );
    }
    common_attrs(cx, e, El::Entry);
    let mut seen = Seen::default();
    let mut id = None;
    let mut updated = None;
    let mut has_author = feed_has_author;
    let mut alternates = 0;
    // The content's type and whether it has a src, once there is one.
    let mut content: Option<(Option<&str>, bool)> = None;
    // One pass over the children, stray text (see stray_text) noted on the way.
    let mut stray = false;
    for c in e.children() {
        if !c.is_element() {
            super::note_stray_text(cx, e, c, &mut stray);
            continue;
        }
        let tn = c.tag_name();
        if tn.namespace() != Some(ATOM_NS) {
            foreign(cx, c, "entry");
            continue;
        }
        let el = El::of(tn.name());
        let n = seen.add(el);
        match el {
            El::Id => id = Some(trimmed_text(c)),
            El::Updated => updated = Some(trimmed_text(c)),
            El::Author => has_author = true,
            El::Link if rel_of(c) == "alternate" => alternates += 1,
            _ => {}
        }
        match el {
            El::Summary => {
                if n == 2 {
                    cx.report(c, "DuplicateElement", "<entry> has more than one <summary>");
                }
                common_attrs(cx, c, el);
                text_construct(cx, c);
            }
            El::Content => {
                if n == 2 {
                    cx.report(c, "DuplicateElement", "<entry> has more than one <content>");
                }
                common_attrs(cx, c, el);
                let (ty, src) = content_attrs(c);
                content = Some((ty, src.is_some()));
                content_element(cx, c, ty, src);
            }
            El::Source => {
                if n == 2 {
                    cx.report(c, "DuplicateElement", "<entry> has more than one <source>");
                }
                if elements(c)
                    .any(|s| super::ns(s) == Some(ATOM_NS) && s.tag_name().name() == "author")
                {
                    has_author = true;
                }
                source(cx, c);
            }
            _ => {
                if !metadata(cx, c, Parent::Entry, el, &seen) {
                    undefined(cx, c, "entry");
                }
            }
        }
    }
    for (el, name) in [
        (El::Id, "id"),
        (El::Title, "title"),
        (El::Updated, "updated"),
    ] {
        if !seen.contains(el) {
            cx.report(
                e,
                "MissingElement",
                format!("<entry> must have an <{name}>"),
            );
        }
    }
    if !has_author {
        cx.report(
            e,
            "MissingElement",
            "<entry> must have an <author> (or the feed one)",
        );
    }
    if content.is_none() && alternates == 0 {
        cx.report(
            e,
            "MissingContentOrAlternate",
            "<entry> must have a <content> or a <link rel=\"alternate\">",
        );
    }
    let out_of_line = content
        .is_some_and(|(ty, src)| src || (content_is_base64(ty) && ty.is_some_and(valid_mime)));
    if out_of_line && !seen.contains(El::Summary) {
        cx.report(
            e,
            "MissingElement",
            "<entry> with out-of-line or binary content must have a <summary>",
        );
    }
    if !seen.contains(El::Summary) && content.is_none() {
        cx.report(
            e,
            "MissingTextualContent",
            "<entry> should have a <summary> or <content>",
        );
    }
    // Only two alternate links can repeat each other.
    if alternates > 1 {
        duplicate_links(cx, e);
    }
    (id, updated)
}

fn source(cx: &mut Ctx, s: Node) {
    common_attrs(cx, s, El::Source);
    let mut seen = Seen::default();
    let mut alternates = 0;
    for c in elements(s) {
        let tn = c.tag_name();
        if tn.namespace() != Some(ATOM_NS) {
            foreign(cx, c, "source");
            continue;
        }
        let el = El::of(tn.name());
        seen.add(el);
        if el == El::Link && rel_of(c) == "alternate" {
            alternates += 1;
        }
        if !metadata(cx, c, Parent::Source, el, &seen) {
            undefined(cx, c, "source");
        }
    }
    if alternates > 1 {
        duplicate_links(cx, s);
    }
    for (el, name) in [
        (El::Id, "id"),
        (El::Title, "title"),
        (El::Updated, "updated"),
    ] {
        if !seen.contains(el) {
            cx.report(
                s,
                "MissingSourceElement",
                format!("<source> should carry the original feed's <{name}>"),
            );
        }
    }
}

/// Content types that are neither text nor XML: carried base64-encoded.
fn content_is_base64(ty: Option<&str>) -> bool {
    match ty {
        None | Some("text") | Some("html") | Some("xhtml") => false,
        Some(t) => {
            let t = t.to_ascii_lowercase();
            !(t.starts_with("text/") || t.ends_with("+xml") || t.ends_with("/xml"))
        }
    }
}

/// A content element's `type` and `src` attributes, found in one pass.
fn content_attrs<'a, 'i>(c: Node<'a, 'i>) -> (Option<&'a str>, Option<Attribute<'a, 'i>>) {
    let (mut ty, mut src) = (None, None);
    for a in c.attributes().filter(|a| a.namespace().is_none()) {
        match a.name() {
            "type" => ty = Some(a.value()),
            "src" => src = Some(a),
            _ => {}
        }
    }
    (ty, src)
}

/// `<content>`, its `type` and `src` attributes already read.
fn content_element(cx: &mut Ctx, c: Node, ty: Option<&str>, src: Option<Attribute>) {
    if let Some(src) = src {
        urls::check(
            cx,
            src.range().start,
            src.value(),
            Uri::Any,
            "<content> src",
        );
        if let Some(child) = elements(c).next() {
            cx.report(
                child,
                "UndefinedElement",
                "<content> with src must be empty",
            );
        } else if !text_of(c).trim().is_empty() {
            cx.report(c, "UnexpectedText", "<content> with src must be empty");
        }
        match ty {
            None => cx.report(
                c,
                "MissingTypeAttr",
                "<content> with src should say its type",
            ),
            Some(t) if !valid_mime(t) => cx.report_attr(
                c,
                "type",
                "InvalidMIMEType",
                format!("<content> type {t:?} must be a media type when src is used"),
            ),
            _ => {}
        }
        return;
    }
    match ty {
        None | Some("text") | Some("html") | Some("xhtml") => text_construct_of_type(cx, c, ty),
        Some(t) => {
            if !valid_mime(t) {
                cx.report_attr(
                    c,
                    "type",
                    "InvalidMIMEType",
                    format!("<content> type {t:?} is not text, html, xhtml or a media type"),
                );
                return;
            }
            let lt = t.to_ascii_lowercase();
            if lt.starts_with("multipart/") {
                cx.report_attr(
                    c,
                    "type",
                    "InvalidMIMEType",
                    format!("<content> type {t:?} is a composite type"),
                );
            } else if lt == "text/html" {
                let v = text_of(c);
                let head = v.trim_start().get(..9).unwrap_or("").to_ascii_lowercase();
                // text/html names a whole document; a fragment is type="html".
                if !head.starts_with("<html") && !head.starts_with("<!doctype") {
                    cx.report_attr(
                        c,
                        "type",
                        "HtmlFragment",
                        "use type=\"html\" for HTML content, not text/html",
                    );
                }
                html::check_html(cx, c, &v, true);
            } else if lt.starts_with("text/") {
                if let Some(child) = elements(c).next() {
                    cx.report(
                        child,
                        "UndefinedElement",
                        format!("<content> of type {t} must hold text, not elements"),
                    );
                    return;
                }
                let v = text_of(c);
                let raw = &cx.doc.input_text()[c.range()];
                if html::text_contains_html(&v, raw).is_some_and(|w| w.starts_with("</")) {
                    cx.report(
                        c,
                        "ContainsUndeclaredHTML",
                        format!("<content> holds HTML but its type is {t}"),
                    );
                }
            } else if content_is_base64(ty) {
                let v: String = text_of(c).split_whitespace().collect();
                if v.is_empty() && elements(c).next().is_none() {
                    cx.report(c, "NotBlank", "<content> should not be blank");
                }
                let ok = v.len().is_multiple_of(4)
                    && v.trim_end_matches('=')
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/');
                if !ok {
                    cx.report(
                        c,
                        "NotBase64",
                        format!("<content> of type {t} must be base64-encoded"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Telling names apart by length and last byte gives what matching them
    /// does: for every Atom name, and for random names near them (a byte
    /// changed, cut or added).
    #[test]
    fn element_kinds_by_length_and_last_byte() {
        const NAMES: &[&str] = &[
            "id",
            "title",
            "rights",
            "updated",
            "author",
            "contributor",
            "link",
            "category",
            "subtitle",
            "generator",
            "icon",
            "logo",
            "published",
            "summary",
            "content",
            "source",
            "entry",
            "name",
            "uri",
            "email",
            "",
            "é",
            "feed",
        ];
        let mut next = crate::lint::xorshift(0x656c_656d_656e_7473);
        for name in NAMES {
            assert!(El::of(name) == El::of_by_match(name), "{name:?}");
        }
        const BYTES: &[u8] = b"abcdeiklnorstuyzD";
        for _ in 0..100_000 {
            let b = near(NAMES, BYTES, &mut next);
            let Ok(name) = std::str::from_utf8(&b) else {
                continue;
            };
            assert!(El::of(name) == El::of_by_match(name), "{name:?}");
        }
    }

    /// Attribute names by length and first byte are the names matched: for
    /// every kind of element, the names and random ones near them.
    #[test]
    fn attribute_names_by_length_and_first_byte() {
        const NAMES: &[&str] = &[
            "href", "rel", "type", "hreflang", "title", "length", "term", "scheme", "label", "uri",
            "version", "src", "mode", "lang", "base", "", "t",
        ];
        const KINDS: &[El] = &[
            El::Id,
            El::Title,
            El::Rights,
            El::Updated,
            El::Author,
            El::Contributor,
            El::Link,
            El::Category,
            El::Subtitle,
            El::Generator,
            El::Icon,
            El::Logo,
            El::Published,
            El::Summary,
            El::Content,
            El::Source,
            El::Entry,
            El::Other,
        ];
        const BYTES: &[u8] = b"abefghilnrstuvy";
        let mut next = crate::lint::xorshift(0x6174_7472_6e61_6d65);
        for _ in 0..100_000 {
            let b = near(NAMES, BYTES, &mut next);
            let name = std::str::from_utf8(&b).expect("ASCII");
            let el = KINDS[(next() % KINDS.len() as u64) as usize];
            assert_eq!(
                allowed_attr(el, name),
                allowed_attr_by_match(el, name),
                "{name:?}"
            );
        }
    }

    /// One of `names` with up to two random edits (a byte of `bytes` put in,
    /// replaced or taken out).
    fn near(names: &[&str], bytes: &[u8], next: &mut impl FnMut() -> u64) -> Vec<u8> {
        let mut b = names[(next() % names.len() as u64) as usize]
            .as_bytes()
            .to_vec();
        for _ in 0..next() % 3 {
            let c = bytes[(next() % bytes.len() as u64) as usize];
            let at = (next() % (b.len() as u64 + 1)) as usize;
            match next() % 3 {
                0 if at < b.len() => b[at] = c,
                1 if at < b.len() => {
                    b.remove(at);
                }
                _ => b.insert(at, c),
            }
        }
        b
    }

    /// A context for the rules on their own: an Atom document, nothing seen yet.
    fn bare_ctx<'d, 'i>(doc: &'d crate::lint::dom::Document<'i>) -> Ctx<'d, 'i> {
        Ctx {
            path: "t.xml",
            location: None,
            doc,
            findings: Vec::new(),
            iri: true,
            rss2: false,
            seen_ns: Default::default(),
            lines: Default::default(),
            html_memo: None,
            plausible_until: chrono::Utc::now(),
        }
    }

    /// The inline test of a leaf says what looking through its children says:
    /// the same verdict and the same findings, for every element of random
    /// documents (text, CDATA, comments, instructions, elements, nothing).
    #[test]
    fn leaves_known_inline_are_leaves() {
        const PIECES: &[&str] = &[
            "t",
            " ",
            "<a/>",
            "<b>x</b>",
            "<!--c-->",
            "<![CDATA[d]]>",
            "<?p q?>",
            "&amp;",
            "<e><f/></e>",
            "\n  ",
        ];
        let mut next = crate::lint::xorshift(0x6c65_6166_7331);
        for _ in 0..3_000 {
            let inner: String = (0..next() % 4)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            let xml = format!("<r><s>{inner}</s>{inner}</r>");
            let doc = crate::lint::dom::Document::parse(&xml).expect("well-formed");
            for node in doc.descendants().filter(|n| n.is_element()) {
                let (mut fast, mut full) = (bare_ctx(&doc), bare_ctx(&doc));
                let got = (leaf(&mut fast, node), leaf_with_children(&mut full, node));
                assert_eq!(got.0, got.1, "{xml:?}");
                let messages = |cx: &Ctx| -> Vec<String> {
                    cx.findings.iter().map(|f| f.to_string()).collect()
                };
                assert_eq!(messages(&fast), messages(&full), "{xml:?}");
            }
        }
    }

    /// A category's one pass over its attributes reports what the common pass
    /// and a pass of its own reported: the same findings, for random categories
    /// (its attributes, unexpected ones, namespaced ones, blank and bad values).
    #[test]
    fn category_attributes_in_one_pass() {
        /// The two passes as they were.
        fn two_passes(cx: &mut Ctx, node: Node) {
            common_attrs(cx, node, El::Category);
            let (mut term, mut scheme, mut label) = (None, None, None);
            for a in node.attributes().filter(|a| a.namespace().is_none()) {
                match a.name() {
                    "term" => term = Some(a.value()),
                    "scheme" => scheme = Some(a),
                    "label" => label = Some(a.value()),
                    _ => {}
                }
            }
            category_values(cx, node, term, scheme, label);
        }
        const ATTRS: &[&str] = &[
            "term=\"t\"",
            "term=\" \"",
            "scheme=\"http://e.com/\"",
            "scheme=\"a b\"",
            "label=\"l\"",
            "label=\"&lt;/b&gt;\"",
            "xml:base=\"x y\"",
            "xml:lang=\"??\"",
            "xml:lang=\"en\"",
            "href=\"h\"",
            "termx=\"1\"",
            "x:term=\"2\"",
            "labe=\"3\"",
            "x:label=\"4\"",
        ];
        let mut next = crate::lint::xorshift(0x6361_7465_676f);
        let mut reported = 0;
        for _ in 0..3_000 {
            let mut used = Vec::new();
            for _ in 0..next() % 5 {
                let a = ATTRS[(next() % ATTRS.len() as u64) as usize];
                let name = a.split('=').next().unwrap_or("");
                if !used
                    .iter()
                    .any(|u: &&str| u.split('=').next() == Some(name))
                {
                    used.push(a);
                }
            }
            let xml = format!(
                "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:x=\"urn:x\"><category {}/></feed>",
                used.join(" ")
            );
            let doc = crate::lint::dom::Document::parse(&xml).expect("well-formed");
            let node = doc
                .descendants()
                .find(|n| n.tag_name().name() == "category")
                .expect("a category");
            let (mut one, mut two) = (bare_ctx(&doc), bare_ctx(&doc));
            category(&mut one, node);
            two_passes(&mut two, node);
            // In the order lint_bytes puts them: by place, stably.
            let sorted = |cx: &Ctx| -> Vec<String> {
                let mut f = cx.findings.clone();
                f.sort_by_key(|f| (f.line, f.column));
                f.iter()
                    .map(|f| format!("{f} {:?} {:?}", f.column, f.class))
                    .collect()
            };
            assert_eq!(sorted(&one), sorted(&two), "{xml}");
            reported += usize::from(!one.findings.is_empty());
        }
        assert!(reported > 500, "{reported}");
    }

    /// [`same_short`] is `==` on byte strings: random ones of one length, equal
    /// or a byte apart, and of different lengths.
    #[test]
    fn short_comparison_is_equality() {
        let mut next = crate::lint::xorshift(0x7368_6f72_7431);
        for _ in 0..100_000 {
            let n = (next() % 20) as usize;
            let a: Vec<u8> = (0..n).map(|_| (next() % 3) as u8).collect();
            let mut b = a.clone();
            match next() % 3 {
                0 if n > 0 => b[(next() % n as u64) as usize] ^= 1 << (next() % 8),
                1 => b.push(0),
                _ => {}
            }
            assert_eq!(same_short(&a, &b), a == b, "{a:?} {b:?}");
        }
    }

    /// The glance for `<` and `&` before the HTML test of a label or title never
    /// skips one that test reports: random values from pieces with and without
    /// markup.
    #[test]
    fn values_without_markup_characters_hold_no_html() {
        const PIECES: &[&str] = &[
            "news", " ", "</b>", "<b>", "&amp;", "&#38;", "&", "<", ">", "é", "x", "</p", "&copy;",
            ";", "#", "/",
        ];
        let mut next = crate::lint::xorshift(0x6c61_6265_6c73);
        let mut skipped = 0;
        for _ in 0..50_000 {
            let v: String = (0..next() % 6)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect();
            if !may_hold_html(&v) {
                skipped += 1;
                assert_eq!(html::text_contains_html(&v, &v), None, "{v:?}");
            }
        }
        assert!(skipped > 1_000, "{skipped}");
    }

    /// The feed-wide duplicate rules, by sorting, report what counting in hash maps
    /// reported: the same findings on the same entries, for random feeds whose
    /// entries share ids and dates (or lack them).
    #[test]
    fn revisions_by_sorting_are_revisions_by_hashing() {
        use std::collections::{HashMap, HashSet};
        let mut next = crate::lint::xorshift(0x7265_7669_7369_6f6e);
        let ids = [
            "urn:ab:1", "urn:ab:2", "urn:ab:3", "urn:ab:4", "urn:ab:5", "urn:ab:6", "urn:ab:7",
            "urn:ab:8",
        ];
        let dates = [
            "2021-01-01T00:00:00Z",
            "2021-01-02T00:00:00Z",
            " 2021-01-01T00:00:00Z",
            "2021-01-03T00:00:00Z",
            "2021-01-04T00:00:00Z",
            "2021-01-05T00:00:00Z",
            "2021-01-06T00:00:00Z",
            "2021-01-07T00:00:00Z",
        ];
        for _ in 0..6_000 {
            let n = (next() % 8) as usize;
            // Half the feeds at random, half in order (rising or falling, a
            // step of one or none: strictly monotonic keys and nearly so).
            let ordered = next().is_multiple_of(2);
            let falling = next().is_multiple_of(2);
            let (mut i, mut d) = (0usize, 0usize);
            let pick = |r: u64, step: bool, k: &mut usize, len: usize| {
                if !ordered {
                    return (r % len as u64) as usize;
                }
                *k += usize::from(step);
                if falling {
                    len - 1 - (*k % len)
                } else {
                    *k % len
                }
            };
            let entries: Vec<(Option<&str>, Option<&str>)> = (0..n)
                .map(|_| {
                    let id = ids[pick(next(), !next().is_multiple_of(4), &mut i, ids.len())];
                    let date = dates[pick(next(), !next().is_multiple_of(4), &mut d, dates.len())];
                    let id = (!next().is_multiple_of(8)).then_some(id);
                    let date = (!next().is_multiple_of(8)).then_some(date);
                    (id, date)
                })
                .collect();
            let mut feed = String::from(
                "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><title>t</title>\
                 <id>urn:ab:feed</id><updated>2021-01-01T00:00:00Z</updated>\
                 <author><name>n</name></author>\n",
            );
            for (id, date) in &entries {
                feed.push_str("<entry><title>e</title>");
                if let Some(id) = id {
                    feed.push_str(&format!("<id>{id}</id>"));
                }
                if let Some(date) = date {
                    feed.push_str(&format!("<updated>{date}</updated>"));
                }
                feed.push_str("</entry>\n");
            }
            feed.push_str("</feed>");
            // The rules as they were written with hash maps; entry k is on line k + 3.
            let mut want: Vec<(usize, &str, String)> = Vec::new();
            fn trimmed(v: Option<&str>) -> Option<&str> {
                v.map(str::trim)
            }
            let mut updated_seen: HashMap<&str, usize> = HashMap::new();
            let mut by_id: HashMap<&str, Vec<(Option<&str>, usize)>> = HashMap::new();
            for (k, (id, date)) in entries.iter().enumerate() {
                if let Some(u) = trimmed(*date) {
                    let c = updated_seen.entry(u).or_default();
                    *c += 1;
                    if *c == 2 {
                        want.push((
                            k + 3,
                            "DuplicateUpdated",
                            format!("two entries have the same <updated> {u}"),
                        ));
                    }
                }
                if let Some(id) = id {
                    by_id.entry(id).or_default().push((trimmed(*date), k));
                }
            }
            if n > 2 && by_id.len() == 1 && entries.iter().all(|(i, _)| i.is_some()) {
                let (id, v) = by_id.iter().next().expect("one id");
                want.push((
                    v[1].1 + 3,
                    "DuplicateIds",
                    format!("every entry has the id {id}: ids must tell entries apart"),
                ));
            } else {
                let mut groups: Vec<_> = by_id.into_iter().filter(|(_, v)| v.len() > 1).collect();
                groups.sort_by_key(|(_, v)| v[1].1);
                for (id, v) in groups {
                    let mut seen = HashSet::new();
                    if let Some((_, k)) = v.iter().find(|(u, _)| !seen.insert(*u)) {
                        want.push((k + 3, "DuplicateEntries", format!("two entries have the id {id} and the same <updated>: a revision needs a new date")));
                    }
                }
            }
            want.sort_by_key(|w| w.0);
            let got: Vec<(usize, &str, String)> =
                crate::lint::lint_bytes(feed.as_bytes(), "f.xml", None)
                    .into_iter()
                    .filter(|f| {
                        matches!(
                            f.class.as_deref(),
                            Some("DuplicateUpdated" | "DuplicateEntries" | "DuplicateIds")
                        )
                    })
                    .map(|f| {
                        let class = match f.class.as_deref() {
                            Some("DuplicateUpdated") => "DuplicateUpdated",
                            Some("DuplicateEntries") => "DuplicateEntries",
                            _ => "DuplicateIds",
                        };
                        (f.line.expect("a line"), class, f.message)
                    })
                    .collect();
            assert_eq!(got, want, "{feed}");
        }
    }

    /// A reference the fast path passes resolves to itself against any base.
    #[test]
    fn plainly_absolute_is_never_wrong() {
        let mut next = crate::lint::xorshift(0x0072_6573_6f6c_7665);
        let pieces = [
            "a", "example", ".com", ".", "..", "-", "1", "0x7f", ".1", "xn--", "A", "é", "/", "/.",
            "/..", "%41", "%", "?", "#", "q=1&r=2", " ", "\\", "'", "`", "\"", "<", "{", "~",
            ":80", "@", ":", "(x)", "*", "\t",
        ];
        let bases = [
            None,
            Some("https://news.example.com/feed.xml"),
            Some("http://Example.ORG:80/a/b/../c"),
            Some("not a url"),
            Some("urn:x:y"),
        ];
        let mut plain = 0;
        for _ in 0..100_000 {
            let piece =
                |next: &mut dyn FnMut() -> u64| pieces[(next() % pieces.len() as u64) as usize];
            let scheme = ["https://", "http://", "HTTP://", "ftp://"][(next() % 4) as usize];
            let hosts = [
                "a", "example", ".com", ".", "-", "1", "0x7f", ".1", "xn--", "A", "b",
            ];
            let host: String = (0..next() % 4)
                .map(|_| hosts[(next() % hosts.len() as u64) as usize])
                .collect();
            let path: String = (0..next() % 6).map(|_| piece(&mut next)).collect();
            let reference = format!("{scheme}{host}{}{path}", ["/", ""][(next() % 2) as usize]);
            if plainly_absolute(&reference) {
                plain += 1;
                let base = bases[(next() % bases.len() as u64) as usize];
                let full = match base.and_then(|b| url::Url::parse(b).ok()) {
                    Some(b) => b
                        .join(&reference)
                        .map(|u| u.to_string())
                        .unwrap_or_else(|_| reference.clone()),
                    None => reference.clone(),
                };
                assert_eq!(full, reference, "{base:?}");
            }
        }
        assert!(plain > 1_000, "{plain}");
    }

    /// Text without a `<` never holds what the HTML scan calls a closing tag.
    #[test]
    fn closing_tag_possible_is_never_wrong() {
        let mut next = crate::lint::xorshift(0x0061_746f_6d74);
        let pieces = [
            "&",
            "&amp;",
            "&#60;/b>",
            "&lt;/b&gt;",
            "/b>",
            "</b>",
            "<",
            "a",
            " ",
            "é",
            "#",
            "&#x3C;",
            "/",
            ">",
            "p",
        ];
        let mut skipped = 0;
        for _ in 0..100_000 {
            let v: String = (0..6)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let raw: String = (0..6)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            let found = html::text_contains_html(&v, &raw).is_some_and(|w| w.starts_with("</"));
            if !closing_tag_possible(&v) {
                skipped += 1;
                assert!(!found, "{v:?} {raw:?}");
            }
        }
        assert!(skipped > 1_000, "{skipped}");
    }
}
