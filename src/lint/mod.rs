//! Feed conformance (`feedwright lint`): checks RSS 0.9x, RSS 1.0 (RDF), RSS 2.0 and
//! Atom 1.0 documents against the RSS 2.0 specification and RFC 4287, in the spirit of
//! the W3C Feed Validation Service, and reports each problem as a [`Finding`] with its
//! line, column, a stable rule id and the W3C message class it corresponds to.
//!
//! The work is split by concern: `xml` decodes and reports well-formedness and
//! encoding problems, `dom` reads the document into the tree the rules walk (its
//! own one-pass reader, roxmltree for the unusual), `rss` and `atom` walk the
//! document of their format, `ext` the extension namespaces, `dates`, `urls` and
//! `html` check values, and `fetch` lints a URL over HTTP (media type and charset
//! too).
//! Severity follows the W3C class: errors are MUST violations, warnings SHOULD.

/// A table of the 256 byte values, `true` where `$pred` holds for byte `$b`: one load
/// per byte in the scanners' hot loops. Built at compile time.
macro_rules! byte_set {
    ($b:ident => $pred:expr) => {{
        let mut table = [false; 256];
        let mut c = 0;
        while c < 256 {
            let $b = c as u8;
            table[c] = $pred;
            c += 1;
        }
        table
    }};
}

mod atom;
mod dates;
mod dom;
mod ext;
mod fetch;
mod html;
mod rss;
mod urls;
mod xml;

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Mutex;

use dom::{Document, Node};

use crate::report::{Finding, Severity};

pub use fetch::{client, http_findings, lint_url, lint_url_async, FetchError};

/// Every W3C class a rule of ours can report, its severity and our rule id.
/// The severity is the W3C validator's for that class.
const CLASSES: &[(&str, Severity, &str)] = &[
    // XML and encoding
    ("SAXError", Severity::Error, "lint.xml.not-well-formed"),
    ("UnicodeError", Severity::Error, "lint.xml.unicode"),
    (
        "UnknownEncoding",
        Severity::Error,
        "lint.xml.unknown-encoding",
    ),
    (
        "BadCharacters",
        Severity::Warning,
        "lint.xml.bad-characters",
    ),
    ("BadXmlVersion", Severity::Error, "lint.xml.version"),
    ("DeprecatedDTD", Severity::Error, "lint.xml.deprecated-dtd"),
    ("InvalidDoctype", Severity::Error, "lint.xml.doctype"),
    (
        "UndefinedElement",
        Severity::Error,
        "lint.element.undefined",
    ),
    (
        "UnknownNamespace",
        Severity::Warning,
        "lint.element.unknown-namespace",
    ),
    (
        "MissingNamespace",
        Severity::Error,
        "lint.element.missing-namespace",
    ),
    (
        "InvalidNamespace",
        Severity::Error,
        "lint.element.invalid-namespace",
    ),
    (
        "ObsoleteNamespace",
        Severity::Error,
        "lint.element.obsolete-namespace",
    ),
    (
        "ObsoleteWikiNamespace",
        Severity::Warning,
        "lint.element.obsolete-namespace",
    ),
    (
        "NotInANamespace",
        Severity::Error,
        "lint.element.not-in-namespace",
    ),
    (
        "AvoidNamespacePrefix",
        Severity::Warning,
        "lint.element.namespace-prefix",
    ),
    (
        "ReservedPrefix",
        Severity::Warning,
        "lint.element.reserved-prefix",
    ),
    (
        "UseOfExtensionAttr",
        Severity::Warning,
        "lint.element.extension-attribute",
    ),
    (
        "UnexpectedAttribute",
        Severity::Error,
        "lint.element.unexpected-attribute",
    ),
    (
        "UnexpectedText",
        Severity::Error,
        "lint.element.unexpected-text",
    ),
    (
        "UnexpectedWhitespace",
        Severity::Error,
        "lint.element.unexpected-whitespace",
    ),
    (
        "DuplicateElement",
        Severity::Error,
        "lint.element.duplicate",
    ),
    ("MissingElement", Severity::Error, "lint.element.missing"),
    (
        "MissingAttribute",
        Severity::Error,
        "lint.attribute.missing",
    ),
    ("NotBlank", Severity::Warning, "lint.element.blank"),
    ("AttrNotBlank", Severity::Warning, "lint.attribute.blank"),
    (
        "CharacterData",
        Severity::Warning,
        "lint.element.character-data",
    ),
    // RSS
    ("MissingTitle", Severity::Error, "lint.rss.missing-title"),
    ("MissingLink", Severity::Error, "lint.rss.missing-link"),
    (
        "MissingDescription",
        Severity::Error,
        "lint.rss.missing-description",
    ),
    (
        "ItemMustContainTitleOrDescription",
        Severity::Error,
        "lint.rss.item-title-or-description",
    ),
    ("MissingGuid", Severity::Warning, "lint.rss.missing-guid"),
    ("InvalidHttpGUID", Severity::Error, "lint.rss.guid-http"),
    (
        "InvalidPermalink",
        Severity::Error,
        "lint.rss.guid-permalink",
    ),
    (
        "DuplicateValue",
        Severity::Error,
        "lint.rss.duplicate-value",
    ),
    (
        "NotSufficientlyUnique",
        Severity::Warning,
        "lint.rss.guid-not-unique",
    ),
    ("InvalidContact", Severity::Error, "lint.rss.email"),
    ("InvalidAddrSpec", Severity::Error, "lint.rss.email"),
    (
        "MissingRealName",
        Severity::Warning,
        "lint.rss.email-real-name",
    ),
    ("EmailFormat", Severity::Warning, "lint.rss.email-format"),
    (
        "DuplicateItemSemantics",
        Severity::Warning,
        "lint.rss.duplicate-semantics",
    ),
    (
        "DuplicateSemantics",
        Severity::Warning,
        "lint.rss.duplicate-semantics",
    ),
    (
        "DuplicateDescriptionSemantics",
        Severity::Warning,
        "lint.rss.duplicate-semantics",
    ),
    (
        "MissingAtomSelfLink",
        Severity::Warning,
        "lint.rss.missing-self",
    ),
    (
        "InvalidIntegerAttribute",
        Severity::Error,
        "lint.rss.integer-attribute",
    ),
    (
        "InvalidMIMEAttribute",
        Severity::Error,
        "lint.rss.mime-attribute",
    ),
    (
        "InvalidURLAttribute",
        Severity::Error,
        "lint.rss.url-attribute",
    ),
    (
        "InvalidBooleanAttribute",
        Severity::Error,
        "lint.rss.boolean-attribute",
    ),
    ("InvalidInteger", Severity::Error, "lint.rss.integer"),
    (
        "InvalidPositiveInteger",
        Severity::Error,
        "lint.rss.integer",
    ),
    (
        "InvalidNonNegativeInteger",
        Severity::Error,
        "lint.rss.integer",
    ),
    ("UseZeroForUnknown", Severity::Error, "lint.rss.integer"),
    ("InvalidWidth", Severity::Error, "lint.rss.image-width"),
    ("InvalidHeight", Severity::Error, "lint.rss.image-height"),
    ("InvalidHour", Severity::Error, "lint.rss.skip-hours"),
    (
        "NotEnoughHoursInTheDay",
        Severity::Error,
        "lint.rss.skip-hours",
    ),
    ("InvalidDay", Severity::Error, "lint.rss.skip-days"),
    ("EightDaysAWeek", Severity::Error, "lint.rss.skip-days"),
    (
        "ImageTitleDoesntMatch",
        Severity::Warning,
        "lint.rss.image-title",
    ),
    (
        "ImageLinkDoesntMatch",
        Severity::Warning,
        "lint.rss.image-link",
    ),
    ("AvoidTextInput", Severity::Warning, "lint.rss.text-input"),
    (
        "InvalidFormComponentName",
        Severity::Error,
        "lint.rss.text-input-name",
    ),
    ("NoBlink", Severity::Error, "lint.rss.blink"),
    (
        "MisplacedItem",
        Severity::Warning,
        "lint.rss.misplaced-item",
    ),
    (
        "DuplicateEnclosure",
        Severity::Warning,
        "lint.rss.duplicate-enclosure",
    ),
    ("MissingSourceElement", Severity::Warning, "lint.rss.source"),
    (
        "InvalidUpdatePeriod",
        Severity::Error,
        "lint.rss.update-period",
    ),
    ("InvalidLatitude", Severity::Error, "lint.rss.geo"),
    ("InvalidLongitude", Severity::Error, "lint.rss.geo"),
    ("InvalidRDF", Severity::Error, "lint.rss.rdf"),
    ("InvalidLanguage", Severity::Error, "lint.language"),
    ("SlashDate", Severity::Warning, "lint.rss.slash-date"),
    (
        "NeedDescriptionBeforeContent",
        Severity::Warning,
        "lint.rss.description-before-content",
    ),
    // dates
    ("InvalidRFC2822Date", Severity::Error, "lint.date.rfc822"),
    ("IncorrectDOW", Severity::Error, "lint.date.day-of-week"),
    (
        "ProblematicalRFC822Date",
        Severity::Warning,
        "lint.date.rfc822-problematic",
    ),
    (
        "ImplausibleDate",
        Severity::Warning,
        "lint.date.implausible",
    ),
    ("InvalidRFC3339Date", Severity::Error, "lint.date.rfc3339"),
    ("InvalidW3CDTFDate", Severity::Error, "lint.date.w3cdtf"),
    (
        "DuplicateUpdated",
        Severity::Warning,
        "lint.atom.duplicate-updated",
    ),
    // URLs
    ("InvalidFullLink", Severity::Error, "lint.url.not-absolute"),
    ("InvalidUriChar", Severity::Error, "lint.url.char"),
    ("InvalidLink", Severity::Error, "lint.url.invalid"),
    ("InvalidIRI", Severity::Error, "lint.url.invalid"),
    ("UriNotIri", Severity::Error, "lint.url.not-iri"),
    ("InvalidURN", Severity::Error, "lint.url.urn"),
    ("InvalidTAG", Severity::Error, "lint.url.tag"),
    (
        "NonCanonicalURI",
        Severity::Warning,
        "lint.url.non-canonical",
    ),
    (
        "SchemeNotIANARegistered",
        Severity::Warning,
        "lint.url.scheme",
    ),
    (
        "ContainsRelRef",
        Severity::Warning,
        "lint.url.relative-in-content",
    ),
    (
        "SameDocumentReference",
        Severity::Warning,
        "lint.url.same-document",
    ),
    ("ContainsEmail", Severity::Warning, "lint.url.email"),
    ("UnknownHost", Severity::Warning, "lint.url.unknown-host"),
    // self links
    ("MissingSelf", Severity::Warning, "lint.atom.missing-self"),
    ("RelativeSelf", Severity::Warning, "lint.self.relative"),
    (
        "SelfDoesntMatchLocation",
        Severity::Warning,
        "lint.self.location",
    ),
    // HTML
    ("ContainsHTML", Severity::Warning, "lint.html.in-text"),
    (
        "ContainsUndeclaredHTML",
        Severity::Warning,
        "lint.html.undeclared",
    ),
    ("NotHtml", Severity::Warning, "lint.html.not-html"),
    ("HtmlFragment", Severity::Warning, "lint.html.fragment"),
    ("NotEscaped", Severity::Error, "lint.html.not-escaped"),
    ("NotInline", Severity::Warning, "lint.html.not-inline"),
    ("SecurityRisk", Severity::Warning, "lint.html.security-risk"),
    (
        "SecurityRiskAttr",
        Severity::Warning,
        "lint.html.security-risk-attribute",
    ),
    (
        "DangerousStyleAttr",
        Severity::Warning,
        "lint.html.style-attribute",
    ),
    ("MissingXhtmlDiv", Severity::Error, "lint.atom.xhtml-div"),
    (
        "MisplacedXHTMLContent",
        Severity::Warning,
        "lint.atom.xhtml-misplaced",
    ),
    ("NotBase64", Severity::Error, "lint.atom.base64"),
    // Atom
    (
        "MissingContentOrAlternate",
        Severity::Error,
        "lint.atom.content-or-alternate",
    ),
    (
        "MissingTextualContent",
        Severity::Warning,
        "lint.atom.textual-content",
    ),
    ("MissingSummary", Severity::Error, "lint.atom.summary"),
    (
        "DuplicateEntries",
        Severity::Warning,
        "lint.atom.duplicate-entries",
    ),
    ("DuplicateIds", Severity::Error, "lint.atom.duplicate-ids"),
    (
        "DuplicateAtomLink",
        Severity::Error,
        "lint.atom.duplicate-link",
    ),
    ("MissingHref", Severity::Error, "lint.atom.link-href"),
    ("InvalidTextType", Severity::Error, "lint.atom.text-type"),
    ("InvalidMIMEType", Severity::Error, "lint.atom.mime-type"),
    (
        "MissingTypeAttr",
        Severity::Warning,
        "lint.atom.content-type",
    ),
    (
        "UnregisteredAtomLinkRel",
        Severity::Warning,
        "lint.atom.link-rel",
    ),
    (
        "AtomLinkNotEmpty",
        Severity::Warning,
        "lint.atom.link-not-empty",
    ),
    (
        "UndeterminableVocabulary",
        Severity::Warning,
        "lint.atom.category-vocabulary",
    ),
    (
        "FeedHistoryRelInEntry",
        Severity::Warning,
        "lint.atom.history-rel",
    ),
    // HTTP
    (
        "UnexpectedContentType",
        Severity::Warning,
        "lint.http.content-type",
    ),
    (
        "NonSpecificMediaType",
        Severity::Warning,
        "lint.http.media-type",
    ),
    ("EncodingMismatch", Severity::Warning, "lint.http.charset"),
];

/// Severity and rule id of a W3C class (unknown classes are errors of a generic rule).
fn class_info(class: &str) -> (Severity, &'static str) {
    CLASSES
        .iter()
        .find(|(c, _, _)| *c == class)
        .map(|(_, s, r)| (*s, *r))
        .unwrap_or((Severity::Error, "lint.other"))
}

/// Lints one document. `path` is what findings name (a file path or a URL);
/// `location` is the URL the document was fetched from or will be published at
/// (self-link checks, resolution of relative references), `None` for a local file.
pub fn lint_bytes(bytes: &[u8], path: &str, location: Option<&str>) -> Vec<Finding> {
    lint_with(bytes, path, location, None)
}

/// [`lint_bytes`], with the HTML verdicts of the batch the document belongs to.
fn lint_with(
    bytes: &[u8],
    path: &str,
    location: Option<&str>,
    html_memo: Option<&HtmlMemo>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let text = match xml::decode(bytes, path, &mut out) {
        Some(t) => t,
        None => return out,
    };
    let text = xml::with_dtd_entities(text);
    let doc = match xml::parse(&text, path, &mut out) {
        Some(d) => d,
        None => return out,
    };
    let root = doc.root_element();
    let format = Format::of(root);
    let mut cx = Ctx {
        path,
        location,
        doc: &doc,
        findings: out,
        iri: matches!(format, Format::Atom | Format::AtomEntry),
        rss2: matches!(format, Format::Rss2),
        seen_ns: Default::default(),
        lines: Lines::default(),
        html_memo,
        plausible_until: chrono::Utc::now() + chrono::Duration::days(365),
    };
    xml::check_prolog(&mut cx);
    ext::declarations(&mut cx);
    match format {
        Format::Rss2 => rss::lint_rss(&mut cx, root, rss::Flavor::Rss2),
        Format::Rss09 => rss::lint_rss(&mut cx, root, rss::Flavor::Rss09),
        Format::Rdf => rss::lint_rdf(&mut cx, root),
        Format::Atom => atom::lint_feed(&mut cx, root),
        Format::AtomEntry => atom::lint_entry_document(&mut cx, root),
        Format::AtomWrongNamespace(ns) => {
            ext::unknown_namespace(&mut cx, root.range().start, ns);
            let class = if ns == atom::ATOM03_NS {
                "ObsoleteNamespace"
            } else {
                "InvalidNamespace"
            };
            cx.report(
                root,
                class,
                format!(
                    "<{}> is in namespace {ns:?}, not Atom 1.0's",
                    root.tag_name().name()
                ),
            );
        }
        Format::AtomNoNamespace => cx.report(
            root,
            "MissingNamespace",
            "<feed> has no namespace: Atom 1.0 is http://www.w3.org/2005/Atom",
        ),
        Format::Unknown => cx.report(
            root,
            "UndefinedElement",
            format!(
                "<{}> is not the root of an RSS or Atom document",
                root.tag_name().name()
            ),
        ),
    }
    let mut findings = cx.findings;
    findings.sort_by_key(|f| (f.line, f.column));
    findings
}

/// Whether `text` is well-formed XML, read into the tree the rules walk: the floor
/// under the cost of [`lint_bytes`], for benchmarks.
#[doc(hidden)]
pub fn parses(text: &str) -> bool {
    Document::parse(text).is_ok()
}

/// Lints a feed as it will be published: the document at `url` (its self link is
/// checked against it), served with `media_type` (`Content-Type`, with charset).
/// What `feedwright build` runs on every feed it writes.
pub fn lint_published(bytes: &[u8], path: &str, url: &str, media_type: &str) -> Vec<Finding> {
    Batch::default().lint_published(bytes, path, url, media_type)
}

/// Lints many feeds that share their entries, as the feeds of one build do: an
/// entry's HTML appears in the site feed and in each of its categories' feeds, in
/// both formats. The verdict on an HTML text depends only on the text (and on
/// whether an `xml:base` applies), so a text found clean once is not checked again;
/// a text with findings is checked in every feed, so each feed gets its own, at
/// their places. Shared by threads.
#[derive(Default)]
pub struct Batch {
    html: HtmlMemo,
}

impl Batch {
    /// [`lint_published`], remembering clean HTML for the rest of the batch.
    pub fn lint_published(
        &self,
        bytes: &[u8],
        path: &str,
        url: &str,
        media_type: &str,
    ) -> Vec<Finding> {
        let mut findings = lint_with(bytes, path, Some(url), Some(&self.html));
        findings.extend(http_findings(path, Some(media_type), bytes));
        findings
    }
}

/// HTML texts the HTML rules found nothing in. A text clean without an `xml:base`
/// is clean with one too (the base only excuses relative references), so a text
/// checked in an RSS feed serves the Atom feeds as well, not the other way round.
#[derive(Default)]
pub(crate) struct HtmlMemo {
    /// Clean even where relative references count.
    clean: Mutex<TextSet>,
    /// Clean where an `xml:base` applies.
    clean_with_base: Mutex<TextSet>,
}

type TextSet = HashSet<Box<str>, BuildHasherDefault<WordHasher>>;

impl HtmlMemo {
    pub(crate) fn is_clean(&self, html: &str, base_ok: bool) -> bool {
        locked(&self.clean).contains(html)
            || (base_ok && locked(&self.clean_with_base).contains(html))
    }

    pub(crate) fn mark_clean(&self, html: &str, base_ok: bool) {
        let set = if base_ok {
            &self.clean_with_base
        } else {
            &self.clean
        };
        locked(set).insert(html.into());
    }
}

fn locked(set: &Mutex<TextSet>) -> std::sync::MutexGuard<'_, TextSet> {
    // A panic while the lock was held leaves a set that is still right.
    set.lock().unwrap_or_else(|e| e.into_inner())
}

/// A hasher for the memo's long texts, eight bytes per step: SipHash cost as much as
/// the checks it saved. Keys are compared in full on a hit, so a collision costs
/// time, never a wrong verdict.
#[derive(Default)]
struct WordHasher(u64);

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w = u64::from_le_bytes(w.try_into().expect("chunks of eight"));
            self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
        for &b in words.remainder() {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The kind of document, from its root element.
enum Format<'a> {
    Rss2,
    Rss09,
    Rdf,
    Atom,
    AtomEntry,
    AtomWrongNamespace(&'a str),
    AtomNoNamespace,
    Unknown,
}

impl<'a> Format<'a> {
    fn of(root: Node<'a, '_>) -> Format<'a> {
        let name = root.tag_name();
        match (name.namespace(), name.name()) {
            (None, "rss") => match root.attribute("version") {
                Some(v) if v.trim().starts_with("0.9") => Format::Rss09,
                _ => Format::Rss2,
            },
            (Some(rss::RDF_NS), "RDF") => Format::Rdf,
            (Some(atom::ATOM_NS), "feed") => Format::Atom,
            (Some(atom::ATOM_NS), "entry") => Format::AtomEntry,
            (None, "feed") => Format::AtomNoNamespace,
            (Some(ns), "feed") => Format::AtomWrongNamespace(ns),
            _ => Format::Unknown,
        }
    }
}

/// What every rule needs: the parsed document, where it lives, and the findings so far.
pub(crate) struct Ctx<'d, 'input> {
    pub path: &'d str,
    pub location: Option<&'d str>,
    pub doc: &'d Document<'input>,
    pub findings: Vec<Finding>,
    /// Whether IRIs (non-ASCII characters) are allowed where URIs go: in Atom, yes.
    pub iri: bool,
    /// Whether the document is RSS 2.x (the RSS Best Practices Profile applies).
    pub rss2: bool,
    /// Unknown namespaces reported so far (each is reported once).
    pub seen_ns: std::collections::HashSet<String>,
    /// Line starts, computed on the first finding.
    pub lines: Lines,
    /// HTML already found clean in the batch this document belongs to.
    pub html_memo: Option<&'d HtmlMemo>,
    /// Dates after this are implausible: a year from when the lint started (the
    /// clock is read once per document, not once per date).
    pub plausible_until: chrono::DateTime<chrono::Utc>,
}

/// Byte offset → 1-based line and column (in characters), in time proportional to
/// the distance from the previous lookup, so a document with many findings stays
/// linear.
#[derive(Default)]
pub(crate) struct Lines {
    starts: Vec<usize>,
    /// The last lookup: (byte offset, line, column).
    last: Option<(usize, usize, usize)>,
}

impl Lines {
    pub(crate) fn at(&mut self, text: &str, pos: usize) -> (usize, usize) {
        let mut pos = pos.min(text.len());
        while !text.is_char_boundary(pos) {
            pos -= 1;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
            self.starts
                .extend(text.match_indices('\n').map(|(i, _)| i + 1));
        }
        let line = self.starts.partition_point(|&s| s <= pos);
        let start = self.starts[line - 1];
        let col = match self.last {
            Some((p, l, c)) if l == line && p <= pos => c + text[p..pos].chars().count(),
            _ => text[start..pos].chars().count() + 1,
        };
        self.last = Some((pos, line, col));
        (line, col)
    }
}

impl Ctx<'_, '_> {
    /// Reports `class` at the start of `node`.
    pub fn report(&mut self, node: Node, class: &str, message: impl Into<String>) {
        self.report_at(node.range().start, class, message);
    }

    /// Reports `class` at an attribute of `node` (the element when it has none).
    pub fn report_attr(&mut self, node: Node, attr: &str, class: &str, message: impl Into<String>) {
        let pos = node
            .attributes()
            .find(|a| a.name() == attr)
            .map(|a| a.range().start)
            .unwrap_or(node.range().start);
        self.report_at(pos, class, message);
    }

    /// Reports `class` at a byte offset of the document text.
    pub fn report_at(&mut self, pos: usize, class: &str, message: impl Into<String>) {
        let (line, col) = self.lines.at(self.doc.input_text(), pos);
        let (severity, rule) = class_info(class);
        self.findings.push(
            Finding::new(severity, rule, self.path, Some(line), message.into())
                .with_column(Some(col))
                .with_class(class),
        );
    }
}

/// A finding with no position in the document (reading, fetching, HTTP headers).
pub(crate) fn document_finding(path: &str, class: &str, message: impl Into<String>) -> Finding {
    let (severity, rule) = class_info(class);
    Finding::new(severity, rule, path, None, message).with_class(class)
}

/// The text content of an element: all its text and CDATA, children's included.
/// Borrowed from the document when a single text node holds it all (the usual case).
#[inline]
pub(crate) fn text_of<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    // The usual element: a single text node and nothing else inside (its first
    // child is its last), read inline; the rest out of line.
    if let (Some(only), Some(last)) = (node.first_child(), node.last_child()) {
        if only == last && only.is_text() {
            return Cow::Borrowed(only.text().unwrap_or(""));
        }
    }
    text_of_parts(node)
}

/// [`text_of`] an element that is not a single text node.
#[inline(never)]
fn text_of_parts<'a>(node: Node<'a, '_>) -> Cow<'a, str> {
    let gaps = node.document().gaps_within(node.range());
    if !gaps.is_empty() {
        return Cow::Owned(text_with_gaps(node, gaps));
    }
    let mut texts = node.descendants().filter(|d| d.is_text());
    let Some(first) = texts.next() else {
        return Cow::Borrowed("");
    };
    let first = first.text().unwrap_or("");
    let Some(second) = texts.next() else {
        return Cow::Borrowed(first);
    };
    let mut s = String::from(first);
    s.push_str(second.text().unwrap_or(""));
    for d in texts {
        s.push_str(d.text().unwrap_or(""));
    }
    Cow::Owned(s)
}

/// [`text_of`] an element whose content has white space the tree leaves out
/// (`gaps`, in document order): its text nodes and those gaps, in the order they
/// stand in the document.
fn text_with_gaps(node: Node, gaps: &[std::ops::Range<usize>]) -> String {
    let input = node.document().input_text();
    let mut s = String::new();
    let mut gaps = gaps.iter().peekable();
    for t in node.descendants().filter(|d| d.is_text()) {
        while let Some(g) = gaps.next_if(|g| g.start < t.range().start) {
            s.push_str(&input[g.clone()]);
        }
        s.push_str(t.text().unwrap_or(""));
    }
    for g in gaps {
        s.push_str(&input[g.clone()]);
    }
    s
}

/// How often each child element name has appeared. An element has a handful of
/// distinct children: the first few names are counted in a list kept inline (no
/// allocation, no hashing per child); any beyond them in a map, so a flood of
/// names stays linear.
pub(crate) struct Counts<'a> {
    few: [(&'a str, usize); Counts::FEW],
    /// How many of `few` are in use.
    len: usize,
    many: std::collections::HashMap<&'a str, usize>,
}

impl Default for Counts<'_> {
    fn default() -> Self {
        Counts {
            few: [("", 0); Counts::FEW],
            len: 0,
            many: Default::default(),
        }
    }
}

impl<'a> Counts<'a> {
    const FEW: usize = 16;

    /// Counts one more `name`; returns how many there have been.
    pub(crate) fn add(&mut self, name: &'a str) -> usize {
        let len = self.len;
        if let Some((_, n)) = self.few[..len].iter_mut().find(|(s, _)| same_name(s, name)) {
            *n += 1;
            *n
        } else if len < Self::FEW {
            self.few[len] = (name, 1);
            self.len += 1;
            1
        } else {
            let n = self.many.entry(name).or_default();
            *n += 1;
            *n
        }
    }

    pub(crate) fn get(&self, name: &str) -> usize {
        match self.few[..self.len]
            .iter()
            .find(|(s, _)| same_name(s, name))
        {
            Some((_, n)) => *n,
            // The map is nearly always empty: no hashing then.
            None if self.many.is_empty() => 0,
            None => self.many.get(name).copied().unwrap_or(0),
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.get(name) > 0
    }
}

/// Whether two element names are equal: length first, then [`same_short`]'s word
/// loads inline (names are short: a call to memcmp costs more).
#[inline]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    same_short(a.as_bytes(), b.as_bytes())
}

/// Whether `a` and `b`, of one length up to 16, are equal: two loads a side, which
/// overlap when the length is not a power of two, instead of a loop or a call.
#[inline(always)]
pub(crate) fn same_short(a: &[u8], b: &[u8]) -> bool {
    fn load<const N: usize>(s: &[u8], at: usize) -> [u8; N] {
        let mut w = [0; N];
        w.copy_from_slice(&s[at..at + N]);
        w
    }
    let n = a.len();
    if n != b.len() || n > 16 {
        return a == b;
    }
    match n {
        8.. => load::<8>(a, 0) == load::<8>(b, 0) && load::<8>(a, n - 8) == load::<8>(b, n - 8),
        4.. => load::<4>(a, 0) == load::<4>(b, 0) && load::<4>(a, n - 4) == load::<4>(b, n - 4),
        2.. => load::<2>(a, 0) == load::<2>(b, 0) && load::<2>(a, n - 2) == load::<2>(b, n - 2),
        _ => a == b,
    }
}

/// Whether `s` is empty or white space (Unicode's, as `str::trim` has it). The
/// indentation between elements, ASCII, is decided byte by byte.
#[inline]
pub(crate) fn blank(s: &str) -> bool {
    s.bytes()
        .all(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C))
        || s.trim_start().is_empty()
}

/// `s.trim()`: when the first and last bytes are visible ASCII characters (nearly
/// every value) there is nothing to trim, and no character is decoded.
#[inline]
pub(crate) fn trim(s: &str) -> &str {
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(f), Some(l)) if f.is_ascii_graphic() && l.is_ascii_graphic() => s,
        _ => s.trim(),
    }
}

/// Reports text directly inside an element that should hold only elements.
pub(crate) fn stray_text(cx: &mut Ctx, node: Node) {
    let stray = node
        .children()
        .find(|c| c.is_text() && !blank(c.text().unwrap_or("")));
    if let Some(t) = stray {
        report_stray_text(cx, node, t);
    }
}

/// [`stray_text`] in a caller's own pass over the children of `node`: `child` is
/// one that is not an element; `found` says whether stray text was reported
/// already (only the first is). Reported when met: a finding's place, not when
/// it is made, orders the findings, and no other rule reports at a text node's
/// start.
#[inline]
pub(crate) fn note_stray_text(cx: &mut Ctx, node: Node, child: Node, found: &mut bool) {
    if !*found && child.is_text() && !blank(child.text().unwrap_or("")) {
        *found = true;
        report_stray_text(cx, node, child);
    }
}

/// The finding of [`stray_text`]: `text` stands directly in `node`.
fn report_stray_text(cx: &mut Ctx, node: Node, text: Node) {
    cx.report(
        text,
        "UnexpectedText",
        format!(
            "<{}> holds text outside its child elements",
            node.tag_name().name()
        ),
    );
}

/// The namespace of an element; `xmlns=""` (roxmltree's empty namespace) is none.
#[inline]
pub(crate) fn ns<'a>(node: Node<'a, '_>) -> Option<&'a str> {
    node.tag_name().namespace().filter(|n| !n.is_empty())
}

/// Child elements of `node`.
#[inline]
pub(crate) fn elements<'a, 'i>(node: Node<'a, 'i>) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(|c| c.is_element())
}

pub(crate) use dom::XML_NS;

/// A xorshift generator for the randomized tests (the XML reader, the HTML scan,
/// the Markdown writer): the same numbers from the same seed, every run.
#[cfg(test)]
pub(crate) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
    move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    }
}

/// `n` picks from `from`, drawn with `next` (a [`xorshift`]): the random texts of
/// the randomized tests, as bytes, characters or pieces.
#[cfg(test)]
pub(crate) fn picks<T: Copy, C: FromIterator<T>>(
    next: &mut impl FnMut() -> u64,
    from: &[T],
    n: usize,
) -> C {
    (0..n).map(|_| from[next() as usize % from.len()]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_is_trim_is_empty() {
        for s in [
            "",
            " \t\r\n",
            "\u{b}\u{c}",
            "\u{a0}\u{3000} ",
            " x ",
            "\u{85}",
            "\u{1c}",
        ] {
            assert_eq!(blank(s), s.trim().is_empty(), "{s:?}");
        }
    }

    /// A control character in HTML is found whether the document holds its bytes
    /// or a reference puts it there (the reader's byte scan sees only the first).
    #[test]
    fn control_characters_in_html_from_bytes_or_references() {
        let feed = |description: &str| {
            format!(
                "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
                 <link>https://e.com/</link><description>d</description><item>\
                 <title>i</title><description>{description}</description></item>\
                 </channel></rss>"
            )
        };
        for description in [
            "&lt;p&gt;a&#x85;b&lt;/p&gt;",
            "&lt;p&gt;a&#127;b&lt;/p&gt;",
            "<![CDATA[<p>a\u{85}b</p>]]>",
            "<![CDATA[<p>a\u{7f}b</p>]]>",
        ] {
            let findings = lint_bytes(feed(description).as_bytes(), "f.xml", None);
            assert!(
                findings
                    .iter()
                    .any(|f| f.message.contains("holds control characters")),
                "{description}: {findings:?}"
            );
        }
        let clean = lint_bytes(
            feed("&lt;p&gt;a&#xe9;b&lt;/p&gt;").as_bytes(),
            "f.xml",
            None,
        );
        assert!(
            !clean.iter().any(|f| f.message.contains("control")),
            "{clean:?}"
        );
    }

    #[test]
    fn trim_is_str_trim() {
        let mut next = xorshift(0x7472_696d);
        let pieces = [
            "", " ", "a", "\t", "\n", "\u{a0}", "\u{3000}", "\u{85}", "\u{1c}", "é", "\u{0}", "~",
        ];
        for _ in 0..50_000 {
            let s: String = (0..next() % 5)
                .map(|_| pieces[(next() % pieces.len() as u64) as usize])
                .collect();
            assert_eq!(trim(&s), s.trim(), "{s:?}");
        }
    }

    #[test]
    fn counts_are_exact_past_the_short_list() {
        let names: Vec<String> = (0..40).map(|i| format!("e{i}")).collect();
        let mut counts = Counts::default();
        for (i, n) in names.iter().enumerate() {
            for k in 0..=i % 3 {
                assert_eq!(counts.add(n), k + 1, "{n}");
            }
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(counts.get(n), i % 3 + 1, "{n}");
        }
        assert!(!counts.contains("e40") && counts.contains("e39"));
    }

    #[test]
    fn lines_count_columns_in_characters_and_stay_in_step() {
        let text = "ab\n\u{e9}\u{e9}x\nlast";
        let mut lines = Lines::default();
        assert_eq!(lines.at(text, 0), (1, 1));
        assert_eq!(lines.at(text, 3), (2, 1));
        assert_eq!(lines.at(text, 7), (2, 3));
        assert_eq!(lines.at(text, 9), (3, 1));
        // Out of order, and inside a character.
        assert_eq!(lines.at(text, 1), (1, 2));
        assert_eq!(lines.at(text, 4), (2, 1));
    }
}
