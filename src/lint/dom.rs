//! The document tree the lint rules walk: XML 1.0 with namespaces, read in one pass.
//!
//! Feeds are nearly always plain: no DTD, ASCII names, the five predefined entities.
//! Such a document is read here directly, borrowing names and most text from the
//! input: one SIMD pass over its bytes checks them and marks every `<`, and the
//! reader jumps from mark to mark, looking at the bytes between only to read names,
//! values and texts (sixteen at a time). Anything else (a DOCTYPE and its entities,
//! non-ASCII names, anything that is not well-formed) is handed to roxmltree, which decides and reports, and its tree is
//! copied into the same shape. The fast reader is a strict subset: it only accepts
//! what roxmltree accepts, and builds the same tree — same nodes, text, attribute
//! values, namespaces and byte ranges (a test holds the two to that on every
//! conformance file).

use std::borrow::Cow;
use std::ops::Range;

use memchr::{memchr, memchr2, memmem};

const NONE: u32 = u32::MAX;

/// The namespace `xml:lang` and `xml:base` are in.
pub(crate) const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NS: &str = "http://www.w3.org/2000/xmlns/";

/// Elements nested deeper than this make the document unreadable (no feed nests
/// more than a few levels; a thread's stack is finite).
const MAX_DEPTH: usize = 1024;

/// More attributes than this on one element make the document unreadable: no feed
/// has them, and checking each against the others must stay cheap.
const MAX_ATTRIBUTES: usize = 1024;

/// More namespace declarations than this in scope at once make the document
/// unreadable: every prefix is looked up among them.
const MAX_IN_SCOPE: usize = 4096;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub message: String,
    /// Byte offset, or 1-based line and column when roxmltree computed them.
    pub at: ErrorPos,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorPos {
    Offset(usize),
    LineColumn(usize, usize),
}

/// A parsed document.
pub(crate) struct Document<'i> {
    text: &'i str,
    nodes: Vec<NodeData<'i>>,
    attrs: Vec<AttrData<'i>>,
    /// Namespace URIs; index 0 is the `xml` namespace.
    uris: Vec<Cow<'i, str>>,
    /// Namespace declarations, each element's in a contiguous run.
    decls: Vec<(Option<&'i str>, u32)>,
    /// The elements that declare namespaces, in document order (few: the checks
    /// of declarations go through these, not through every node).
    declaring: Vec<u32>,
    /// Whether no text of the document holds a C0 control character other than tab,
    /// line feed and CR: known when the fast reader read it (it refuses such
    /// documents and such references), not assumed of roxmltree's.
    c0_clean: bool,
    /// Whether the text holds no byte 0x7F, 0xC2 or 0xC3: no DEL, no C1 control
    /// character, nothing that looks like UTF-8 read as Latin-1. Known when the
    /// fast reader read it (from its one pass over the bytes).
    c1_clean: bool,
    /// The white space between tags that is no node ([`Document::is_gap`]), in
    /// document order: indentation nearly every rule would step over. What text it
    /// adds to an element's content, [`Document::gaps_within`] gives back.
    gaps: Vec<Range<usize>>,
}

struct NodeData<'i> {
    kind: Kind<'i>,
    parent: u32,
    prev: u32,
    next: u32,
    first: u32,
    last: u32,
    /// One past the last descendant (nodes are stored in document order).
    end: u32,
    range: Range<usize>,
}

enum Kind<'i> {
    Root,
    Element {
        /// Names are the input's (roxmltree's too): borrowed, never owned.
        name: &'i str,
        ns: u32,
        attrs: Range<u32>,
        decls: Range<u32>,
        /// Whether the start tag names it with a prefix (`<atom:title>`).
        prefixed: bool,
    },
    Text(Cow<'i, str>),
    Comment(Cow<'i, str>),
    Pi {
        target: Cow<'i, str>,
    },
}

struct AttrData<'i> {
    name: &'i str,
    ns: u32,
    value: Cow<'i, str>,
    range: Range<usize>,
}

impl<'i> Document<'i> {
    /// Parses `text` (already decoded; a DTD is allowed and its entities expanded).
    pub fn parse(text: &'i str) -> Result<Document<'i>, ParseError> {
        match Reader::new(text).read() {
            Ok(doc) => Ok(doc),
            Err(Refusal::Malformed(e)) => Err(e),
            // roxmltree recurses per level and compares each attribute with the
            // others: never hand it what could overflow the stack or take hours.
            Err(Refusal::Unsupported) => match beyond_limits(text.as_bytes()) {
                Some(e) => Err(e),
                None => Self::parse_with_roxmltree(text),
            },
        }
    }

    /// Parses with roxmltree alone (the fallback, and the reference in tests).
    pub fn parse_with_roxmltree(text: &'i str) -> Result<Document<'i>, ParseError> {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        };
        match roxmltree::Document::parse_with_options(text, opts) {
            Ok(doc) => Ok(Self::copy_of(text, &doc)),
            Err(e) => {
                let p = e.pos();
                Err(ParseError {
                    message: format!("not well-formed XML: {e}"),
                    at: ErrorPos::LineColumn(p.row as usize, p.col as usize),
                })
            }
        }
    }

    fn empty(text: &'i str) -> Document<'i> {
        let mut doc = Document {
            text,
            // Feeds run 40 to 80 bytes per node.
            nodes: Vec::with_capacity(text.len() / 40 + 16),
            // Feeds with attributes run one every 150 to 300 bytes: sized so that
            // the vector rarely moves.
            attrs: Vec::with_capacity(text.len() / 150 + 8),
            uris: vec![Cow::Borrowed(XML_NS)],
            decls: Vec::new(),
            declaring: Vec::new(),
            c0_clean: false,
            c1_clean: false,
            // Feeds run a gap every 80 to 200 bytes.
            gaps: Vec::with_capacity(text.len() / 128 + 4),
        };
        doc.nodes.push(NodeData {
            kind: Kind::Root,
            parent: NONE,
            prev: NONE,
            next: NONE,
            first: NONE,
            last: NONE,
            end: NONE,
            range: 0..text.len(),
        });
        doc
    }

    /// Appends a node as the last child of `parent`; returns its id.
    #[inline(always)]
    fn push(&mut self, kind: Kind<'i>, parent: u32, range: Range<usize>) -> u32 {
        let id = self.nodes.len() as u32;
        if matches!(&kind, Kind::Element { decls, .. } if !decls.is_empty()) {
            self.declaring.push(id);
        }
        let prev = self.nodes[parent as usize].last;
        if prev == NONE {
            self.nodes[parent as usize].first = id;
        } else {
            self.nodes[prev as usize].next = id;
        }
        self.nodes[parent as usize].last = id;
        self.nodes.push(NodeData {
            kind,
            parent,
            prev,
            next: NONE,
            first: NONE,
            last: NONE,
            // An open element's is set when it closes; `finish` sets all.
            end: id + 1,
            range,
        });
        id
    }

    /// Sets every node's subtree end, once all nodes are in.
    fn finish(mut self) -> Document<'i> {
        for i in (0..self.nodes.len()).rev() {
            let last = self.nodes[i].last;
            self.nodes[i].end = if last == NONE {
                i as u32 + 1
            } else {
                self.nodes[last as usize].end
            };
        }
        self
    }

    /// Stores a namespace URI; returns its index. The reader stores one per
    /// declaration (a search for an equal one would grow with their number).
    fn add_uri(&mut self, uri: Cow<'i, str>) -> u32 {
        self.uris.push(uri);
        self.uris.len() as u32 - 1
    }

    /// Whether white space between tags is left out of the tree (kept in
    /// [`Document::gaps`]): `raw` is its source, spaces, tabs and line feeds only;
    /// `after` the source after it; `after_element` whether the node before it
    /// among its siblings is an element. That is white space before a start tag,
    /// or between an element and the end tag or start tag after it: never an
    /// element's whole content, never joined to a CDATA section.
    #[inline(always)]
    fn is_gap(raw: &[u8], after: &[u8], after_element: impl FnOnce() -> bool) -> bool {
        let white = !raw.is_empty() && raw.iter().all(|&c| matches!(c, b' ' | b'\t' | b'\n'));
        white && after.first() == Some(&b'<') && Document::gap_before(after.get(1), after_element)
    }

    /// Whether white space before a `<` is a gap, from the byte after that `<`:
    /// see [`Document::is_gap`]. Shared by the reader and the roxmltree copy.
    #[inline(always)]
    fn gap_before(next: Option<&u8>, after_element: impl FnOnce() -> bool) -> bool {
        match next {
            Some(b'/') => after_element(),
            Some(b'!' | b'?') | None => false,
            Some(_) => true,
        }
    }

    /// The gaps inside `range` ([`Document::gaps`]), in document order.
    pub fn gaps_within(&self, range: Range<usize>) -> &[Range<usize>] {
        let from = self.gaps.partition_point(|g| g.start < range.start);
        let to = self.gaps.partition_point(|g| g.start < range.end);
        &self.gaps[from..to.max(from)]
    }

    /// roxmltree's tree, copied.
    fn copy_of(text: &'i str, r: &roxmltree::Document<'i>) -> Document<'i> {
        let source = text.as_bytes();
        let mut doc = Document::empty(text);
        // roxmltree ids → ours (both number nodes in document order).
        let mut ids = vec![0u32; r.descendants().count() + 1];
        let mut uris: std::collections::HashMap<String, u32> = Default::default();
        let mut uri_index = |doc: &mut Document<'i>, uri: &str| match uris.get(uri) {
            Some(&i) => i,
            None => {
                let i = doc.add_uri(Cow::Owned(uri.to_string()));
                uris.insert(uri.to_string(), i);
                i
            }
        };
        for n in r.root().descendants().skip(1) {
            let parent = ids[n.parent().map_or(0, |p| p.id().get_usize())];
            let kind = match n.node_type() {
                roxmltree::NodeType::Element => {
                    let ns = match n.tag_name().namespace() {
                        Some(u) => uri_index(&mut doc, u),
                        None => NONE,
                    };
                    let a0 = doc.attrs.len() as u32;
                    for a in n.attributes() {
                        let ns = match a.namespace() {
                            Some(u) => uri_index(&mut doc, u),
                            None => NONE,
                        };
                        doc.attrs.push(AttrData {
                            name: a.name(),
                            ns,
                            value: Cow::Owned(a.value().to_string()),
                            range: a.range(),
                        });
                    }
                    // Declared here: in scope here but not in the parent.
                    let inherited: Vec<(Option<&str>, &str)> = n
                        .parent_element()
                        .map(|p| p.namespaces().map(|d| (d.name(), d.uri())).collect())
                        .unwrap_or_default();
                    let d0 = doc.decls.len() as u32;
                    for d in n.namespaces() {
                        if !inherited.contains(&(d.name(), d.uri())) {
                            let uri = uri_index(&mut doc, d.uri());
                            doc.decls.push((d.name(), uri));
                        }
                    }
                    Kind::Element {
                        name: n.tag_name().name(),
                        ns,
                        attrs: a0..doc.attrs.len() as u32,
                        decls: d0..doc.decls.len() as u32,
                        prefixed: written_with_prefix(text, n.range().start),
                    }
                }
                roxmltree::NodeType::Text => {
                    let text = n.text().unwrap_or("");
                    let raw = &source[n.range()];
                    let after_element = || n.prev_sibling().is_some_and(|p| p.is_element());
                    // The fast reader's gaps: white space as written, alone.
                    if text.as_bytes() == raw
                        && Document::is_gap(raw, &source[n.range().end..], after_element)
                    {
                        doc.gaps.push(n.range());
                        continue;
                    }
                    Kind::Text(Cow::Owned(text.to_string()))
                }
                roxmltree::NodeType::Comment => {
                    Kind::Comment(Cow::Owned(n.text().unwrap_or("").to_string()))
                }
                roxmltree::NodeType::PI => {
                    let target = n.pi().map_or("", |p| p.target);
                    Kind::Pi {
                        target: Cow::Owned(target.to_string()),
                    }
                }
                roxmltree::NodeType::Root => continue,
            };
            let id = doc.push(kind, parent, n.range());
            ids[n.id().get_usize()] = id;
        }
        doc.finish()
    }

    /// The text the document was parsed from.
    /// Whether the document's text is known to hold no C0 control character other
    /// than tab, line feed and CR (so checks of its text need not look for them).
    pub fn c0_clean(&self) -> bool {
        self.c0_clean
    }

    /// Whether the document's text is known to hold no byte 0x7F, 0xC2 or 0xC3 (no
    /// DEL, no C1 control character, no `Ã` of mis-decoded UTF-8).
    pub fn c1_clean(&self) -> bool {
        self.c1_clean
    }

    pub fn input_text(&self) -> &'i str {
        self.text
    }

    pub fn root(&self) -> Node<'_, 'i> {
        Node { doc: self, id: 0 }
    }

    /// The document element.
    pub fn root_element(&self) -> Node<'_, 'i> {
        self.root()
            .children()
            .find(|n| n.is_element())
            .expect("a parsed document has a root element")
    }

    /// The elements that declare namespaces, in document order.
    pub fn declaring_elements(&self) -> impl Iterator<Item = Node<'_, 'i>> + '_ {
        self.declaring.iter().map(move |&id| Node { doc: self, id })
    }

    /// Every node, in document order (the root first).
    #[cfg(test)]
    pub fn descendants(&self) -> impl Iterator<Item = Node<'_, 'i>> + '_ {
        self.root().descendants()
    }
}

/// A node of a [`Document`].
#[derive(Clone, Copy)]
pub(crate) struct Node<'a, 'i> {
    doc: &'a Document<'i>,
    id: u32,
}

impl PartialEq for Node<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.doc, other.doc) && self.id == other.id
    }
}

impl std::fmt::Debug for Node<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.data().kind {
            Kind::Root => write!(f, "Root"),
            Kind::Element { name, .. } => write!(f, "Element({name})"),
            Kind::Text(t) => write!(f, "Text({t:?})"),
            Kind::Comment(t) => write!(f, "Comment({t:?})"),
            Kind::Pi { target, .. } => write!(f, "PI({target})"),
        }
    }
}

/// An element's or attribute's name: namespace URI and local name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ExpandedName<'a> {
    ns: Option<&'a str>,
    name: &'a str,
}

impl<'a> ExpandedName<'a> {
    #[inline]
    pub fn namespace(&self) -> Option<&'a str> {
        self.ns
    }
    #[inline]
    pub fn name(&self) -> &'a str {
        self.name
    }
}

/// What names an element or attribute in a query: a local name (`"title"`, no
/// namespace) or a namespace and local name.
pub(crate) trait NameQuery<'n> {
    fn parts(self) -> (Option<&'n str>, &'n str);
}

impl<'n> NameQuery<'n> for &'n str {
    fn parts(self) -> (Option<&'n str>, &'n str) {
        (None, self)
    }
}

impl<'n> NameQuery<'n> for (&'n str, &'n str) {
    fn parts(self) -> (Option<&'n str>, &'n str) {
        (Some(self.0), self.1)
    }
}

/// An attribute of an element.
#[derive(Clone, Copy)]
pub(crate) struct Attribute<'a, 'i> {
    doc: &'a Document<'i>,
    data: &'a AttrData<'i>,
}

impl<'a> Attribute<'a, '_> {
    #[inline]
    pub fn name(&self) -> &'a str {
        self.data.name
    }
    #[inline]
    pub fn namespace(&self) -> Option<&'a str> {
        self.doc.uri(self.data.ns)
    }
    #[inline]
    pub fn value(&self) -> &'a str {
        &self.data.value
    }
    /// From the first character of the name to the closing quote.
    #[inline]
    pub fn range(&self) -> Range<usize> {
        self.data.range.clone()
    }
}

impl Document<'_> {
    #[inline]
    fn uri(&self, i: u32) -> Option<&str> {
        (i != NONE).then(|| &*self.uris[i as usize])
    }
}

impl<'a, 'i> Node<'a, 'i> {
    #[inline]
    fn data(&self) -> &'a NodeData<'i> {
        &self.doc.nodes[self.id as usize]
    }

    /// The document the node belongs to.
    #[inline]
    pub fn document(&self) -> &'a Document<'i> {
        self.doc
    }

    #[inline]
    fn at(&self, id: u32) -> Option<Node<'a, 'i>> {
        (id != NONE).then_some(Node { doc: self.doc, id })
    }

    #[inline]
    pub fn is_element(&self) -> bool {
        matches!(self.data().kind, Kind::Element { .. })
    }
    #[inline]
    pub fn is_text(&self) -> bool {
        matches!(self.data().kind, Kind::Text(_))
    }

    /// An element's name (empty for other nodes).
    #[inline]
    pub fn tag_name(&self) -> ExpandedName<'a> {
        match &self.data().kind {
            Kind::Element { name, ns, .. } => ExpandedName {
                ns: self.doc.uri(*ns),
                name,
            },
            _ => ExpandedName { ns: None, name: "" },
        }
    }

    /// Whether an element's start tag names it with a prefix (`<atom:title>`).
    #[inline]
    pub fn is_prefixed(&self) -> bool {
        matches!(self.data().kind, Kind::Element { prefixed: true, .. })
    }

    /// Whether the element has this name; a bare local name matches in any namespace.
    #[inline]
    pub fn has_tag_name<'n>(&self, name: impl NameQuery<'n>) -> bool {
        let (ns, local) = name.parts();
        let own = self.tag_name();
        self.is_element() && own.name == local && (ns.is_none() || own.ns == ns)
    }

    /// Where an element's attributes and namespace declarations sit in the document.
    #[inline]
    fn runs(&self) -> (Range<usize>, Range<usize>) {
        match &self.data().kind {
            Kind::Element { attrs, decls, .. } => (
                attrs.start as usize..attrs.end as usize,
                decls.start as usize..decls.end as usize,
            ),
            _ => (0..0, 0..0),
        }
    }

    #[inline]
    pub fn attributes(&self) -> impl Iterator<Item = Attribute<'a, 'i>> + 'a {
        let doc = self.doc;
        doc.attrs[self.runs().0]
            .iter()
            .map(move |data| Attribute { doc, data })
    }

    #[inline]
    pub fn attribute_node<'n>(&self, name: impl NameQuery<'n>) -> Option<Attribute<'a, 'i>> {
        let (ns, local) = name.parts();
        // Attribute names are short: compared inline, byte by byte (a call to
        // memcmp costs more than the comparison).
        let local = local.as_bytes();
        self.attributes().find(|a| {
            let n = a.name().as_bytes();
            n.len() == local.len()
                && n.iter().zip(local).all(|(x, y)| x == y)
                && a.namespace() == ns
        })
    }

    #[inline]
    pub fn attribute<'n>(&self, name: impl NameQuery<'n>) -> Option<&'a str> {
        self.attribute_node(name).map(|a| a.value())
    }

    #[inline]
    pub fn has_attribute<'n>(&self, name: impl NameQuery<'n>) -> bool {
        self.attribute_node(name).is_some()
    }

    /// The namespaces declared on this element: prefix (none for the default) and URI.
    #[inline]
    pub fn declared_namespaces(&self) -> impl Iterator<Item = (Option<&'a str>, &'a str)> + 'a {
        let doc = self.doc;
        doc.decls[self.runs().1]
            .iter()
            .map(move |(p, u)| (*p, &*doc.uris[*u as usize]))
    }

    /// A text node's text; an element's first child's text when that is text; a
    /// comment's text.
    #[inline]
    pub fn text(&self) -> Option<&'a str> {
        match &self.data().kind {
            Kind::Text(t) | Kind::Comment(t) => Some(t),
            Kind::Element { .. } => self.first_child().and_then(|c| match &c.data().kind {
                Kind::Text(t) => Some(&**t),
                _ => None,
            }),
            _ => None,
        }
    }

    /// Byte range in the input: an element from `<` to the end of its end tag.
    #[inline]
    pub fn range(&self) -> Range<usize> {
        self.data().range.clone()
    }

    #[inline]
    pub fn parent(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().parent)
    }
    #[inline]
    pub fn parent_element(&self) -> Option<Node<'a, 'i>> {
        self.ancestors().skip(1).find(|n| n.is_element())
    }
    #[inline]
    pub fn first_child(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().first)
    }
    #[inline]
    pub fn last_child(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().last)
    }
    #[inline]
    pub fn next_sibling(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().next)
    }
    #[inline]
    pub fn prev_sibling(&self) -> Option<Node<'a, 'i>> {
        self.at(self.data().prev)
    }

    /// This node and its ancestors, nearest first.
    #[inline]
    pub fn ancestors(&self) -> impl Iterator<Item = Node<'a, 'i>> {
        std::iter::successors(Some(*self), |n| n.parent())
    }
    /// This node and its earlier siblings, nearest first.
    #[inline]
    pub fn prev_siblings(&self) -> impl Iterator<Item = Node<'a, 'i>> {
        std::iter::successors(Some(*self), |n| n.prev_sibling())
    }
    #[inline]
    pub fn children(&self) -> impl Iterator<Item = Node<'a, 'i>> {
        std::iter::successors(self.first_child(), |n| n.next_sibling())
    }
    /// This node and everything inside it, in document order.
    #[inline]
    pub fn descendants(&self) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
        let doc = self.doc;
        (self.id..self.data().end).map(move |id| Node { doc, id })
    }
}

/// Whether the start tag at `start` in `text` names its element with a prefix:
/// its name (up to white space, `>` or `/`) holds a colon. For roxmltree's trees;
/// the fast reader knows it from the name it reads.
fn written_with_prefix(text: &str, start: usize) -> bool {
    let raw = &text[start..];
    // Names are nearly always ASCII: read bytes up to the first byte that ends
    // the name or is not ASCII, and only in the latter case read characters.
    let b = raw.as_bytes();
    let stop = b[1..]
        .iter()
        .position(|&c| {
            matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b'>' | b'/') || !c.is_ascii()
        })
        .map(|i| i + 1);
    let name_end = match stop {
        Some(i) if b[i].is_ascii() => i,
        _ => raw[1..]
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .map_or(raw.len(), |i| i + 1),
    };
    raw[1..name_end].contains(':')
}

fn too_deep(at: usize) -> ParseError {
    ParseError {
        message: format!("elements are nested more than {MAX_DEPTH} deep"),
        at: ErrorPos::Offset(at),
    }
}

fn too_many_attributes(at: usize) -> ParseError {
    ParseError {
        message: format!("an element has more than {MAX_ATTRIBUTES} attributes"),
        at: ErrorPos::Offset(at),
    }
}

/// The first place where start tags open more than [`MAX_DEPTH`] levels, or one
/// has more than [`MAX_ATTRIBUTES`] attributes, counted generously (every start tag
/// outside comments and CDATA, entity values included, minus end tags; every `=`
/// outside quotes): an over-estimate of what a parser will meet.
fn beyond_limits(b: &[u8]) -> Option<ParseError> {
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = memchr(b'<', &b[i..]) {
        let at = i + off;
        i = at + 1;
        let rest = &b[i..];
        let skip_to = |end: &[u8]| memmem::find(rest, end).map_or(rest.len(), |e| e + end.len());
        if rest.starts_with(b"!--") {
            i += skip_to(b"-->");
        } else if rest.starts_with(b"![CDATA[") {
            i += skip_to(b"]]>");
        } else if rest.first() == Some(&b'/') {
            depth = depth.saturating_sub(1);
        } else if rest
            .first()
            .is_some_and(|&c| c.is_ascii_alphabetic() || c >= 0x80 || c == b'_' || c == b':')
        {
            // The tag's end, minding quoted values; `/>` closes it at once.
            let mut quote = None;
            let mut end = rest.len();
            let mut attributes = 0;
            for (j, &c) in rest.iter().enumerate() {
                match (quote, c) {
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), _) => {}
                    (None, b'"' | b'\'') => quote = Some(c),
                    (None, b'=') => attributes += 1,
                    (None, b'>' | b'<') => {
                        end = j;
                        break;
                    }
                    _ => {}
                }
            }
            if attributes > MAX_ATTRIBUTES {
                return Some(too_many_attributes(at));
            }
            if !(end > 0 && rest.get(end) == Some(&b'>') && rest[end - 1] == b'/') {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(too_deep(at));
                }
            }
            i += end;
        }
    }
    None
}

/// Why the fast reader stopped.
enum Refusal {
    /// Not something it reads: roxmltree decides.
    Unsupported,
    /// Certainly not well-formed, reported as is.
    Malformed(ParseError),
}

type Read<T> = Result<T, Refusal>;

/// An element whose end tag has not come yet.
struct Open {
    id: u32,
    /// Where its qualified name is in the input, and its length.
    name_at: usize,
    name_len: usize,
    /// Namespace bindings in scope before this element.
    scope: usize,
    /// The default namespace inside it (`NONE` when there is none).
    default_ns: u32,
}

/// The fast one-pass reader.
struct Reader<'i> {
    text: &'i str,
    b: &'i [u8],
    pos: usize,
    doc: Document<'i>,
    open: Vec<Open>,
    /// What the one pass over the bytes found (the `<` bitmap the reader
    /// jumps through, and whether there is a CR anywhere).
    scan: ByteScan,
    /// Namespace bindings in scope: prefix (`""` for the default) → URI index.
    scope: Vec<(&'i str, u32)>,
    after_text: bool,
    /// Attributes of the start tag being read that have a prefix: where they are
    /// in the document's attributes, and the prefix.
    prefixed: Vec<(usize, &'i str)>,
    /// Whether a reference gave a text or value a byte 0x7F, 0xC2 or 0xC3 its
    /// source does not hold (see [`Document::c1_clean`]).
    c1_from_reference: bool,
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name(c: u8) -> bool {
    NAME_BYTES[usize::from(c)]
}

/// The ASCII bytes a name holds after its first: one load per byte of every name.
static NAME_BYTES: [bool; 256] =
    byte_set!(b => b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.');

/// A character reference or predefined entity at the start of `s` (which starts
/// with `&`): the character and the length of the reference.
#[inline(always)]
fn reference(s: &[u8]) -> Option<(char, usize)> {
    match s.get(1..4) {
        Some(b"lt;") => Some(('<', 4)),
        Some(b"gt;") => Some(('>', 4)),
        Some(b"amp") if s.get(4) == Some(&b';') => Some(('&', 5)),
        Some(b"quo") if s.get(4..6) == Some(b"t;") => Some(('"', 6)),
        Some(b"apo") if s.get(4..6) == Some(b"s;") => Some(('\'', 6)),
        _ => character_reference(s),
    }
}

/// A character reference (`&#…;`, `&#x…;`) at the start of `s`: the character and
/// the length of the reference.
#[inline(never)]
fn character_reference(s: &[u8]) -> Option<(char, usize)> {
    let semi = memchr(b';', &s[..s.len().min(12)])?;
    let (digits, radix) = match s.get(1..semi)? {
        [b'#', b'x', hex @ ..] => (hex, 16),
        [b'#', dec @ ..] => (dec, 10),
        _ => return None,
    };
    if digits.is_empty()
        || !digits
            .iter()
            .all(|c| c.is_ascii_digit() || radix == 16 && c.is_ascii_hexdigit())
    {
        return None;
    }
    let n = u32::from_str_radix(std::str::from_utf8(digits).ok()?, radix).ok()?;
    let c = char::from_u32(n)?;
    let ok = if n < 0x20 {
        matches!(c, '\t' | '\n' | '\r')
    } else {
        !matches!(n, 0xFFFE | 0xFFFF)
    };
    ok.then_some((c, semi + 1))
}

/// Text with its references replaced and its line ends made `\n` (XML 1.0 §2.11).
/// Characters from references are kept as they are (`&#13;` stays a CR).
fn unescape_text(s: &str, cr: bool) -> Read<Cow<'_, str>> {
    let b = s.as_bytes();
    let Some(first) = find_either(b, 0, b'&', b'\r') else {
        return Ok(Cow::Borrowed(s));
    };
    // Most texts have no CR (`cr`: whether the document holds one): then the
    // copy loop looks for `&` alone.
    if cr && memchr(b'\r', &b[first..]).is_some() {
        unescape_from::<true>(s, first)
    } else {
        unescape_from::<false>(s, first)
    }
}

/// [`unescape_text`] from `first`, the first `&` or CR; `CR`: whether the text
/// holds a CR.
fn unescape_from<const CR: bool>(s: &str, first: usize) -> Read<Cow<'_, str>> {
    let b = s.as_bytes();
    // Escaped markup has a reference every few bytes: the text between them is
    // copied eight bytes at a time (the bytes past the next reference are written,
    // then dropped), never by a call per run. The output never outgrows the input,
    // so eight bytes past it are room enough.
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 8);
    out.extend_from_slice(&b[..first]);
    let mut i = first;
    let mut after_reference = false;
    loop {
        while let Some(word) = b.get(i..i + 8) {
            let word: [u8; 8] = word.try_into().expect("eight bytes");
            out.extend_from_slice(&word);
            let w = u64::from_le_bytes(word);
            let hits = if CR {
                special_bytes(w, b'&', b'\r')
            } else {
                special_bytes(w, b'&', b'&')
            };
            if hits != 0 {
                let k = (hits.trailing_zeros() / 8) as usize;
                out.truncate(out.len() - 8 + k);
                i += k;
                break;
            }
            i += 8;
        }
        if b.len() - i < 8 {
            let run = b[i..]
                .iter()
                .position(|&c| c == b'&' || c == b'\r')
                .unwrap_or(b.len() - i);
            out.extend_from_slice(&b[i..i + run]);
            i += run;
        }
        let reference_before = std::mem::take(&mut after_reference);
        match b.get(i) {
            None => break,
            Some(b'&') => {
                let (ch, len) = reference(&b[i..]).ok_or(Refusal::Unsupported)?;
                if ch.is_ascii() {
                    out.push(ch as u8);
                } else {
                    out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                }
                i += len;
                after_reference = true;
            }
            Some(_) => {
                // A CR: roxmltree keeps one that ends a text right after a
                // reference; leave that corner to it.
                if reference_before && i + 1 == b.len() {
                    return Err(Refusal::Unsupported);
                }
                if b.get(i + 1) == Some(&b'\n') {
                    i += 1; // the LF stands for both
                } else {
                    out.push(b'\n');
                    i += 1;
                }
            }
        }
    }
    // Only whole characters were kept (runs end before an ASCII byte): this cannot
    // fail.
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|_| Refusal::Unsupported)
}

/// An attribute value with its references replaced and tab, line feed and line
/// ends made spaces (XML 1.0 §3.3.3). Characters from references are kept as they
/// are (`&#13;` stays a CR).
fn unescape_attribute(s: &str) -> Read<Cow<'_, str>> {
    let b = s.as_bytes();
    let special = |c: u8| matches!(c, b'&' | b'\t' | b'\n' | b'\r');
    let Some(first) = b.iter().position(|&c| special(c)) else {
        return Ok(Cow::Borrowed(s));
    };
    let mut out = String::with_capacity(s.len());
    out.push_str(&s[..first]);
    let mut i = first;
    while let Some(&c) = b.get(i) {
        match c {
            b'&' => {
                let (ch, len) = reference(&b[i..]).ok_or(Refusal::Unsupported)?;
                out.push(ch);
                i += len;
            }
            b'\r' if b.get(i + 1) == Some(&b'\n') => i += 1, // the LF stands for both
            b'\t' | b'\n' | b'\r' => {
                out.push(' ');
                i += 1;
            }
            _ => {
                // Up to the next special byte (ASCII: the run is whole characters).
                let run = b[i..]
                    .iter()
                    .position(|&c| special(c))
                    .map_or(b.len(), |p| i + p);
                out.push_str(&s[i..run]);
                i = run;
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// The high bit of each byte of `w` that is `x` or `y`, and of none before the
/// first such byte (higher bits may be false alarms, never lower ones).
#[inline(always)]
pub(super) fn special_bytes(w: u64, x: u8, y: u8) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let zeros = |w: u64| w.wrapping_sub(ONES) & !w & HIGHS;
    zeros(w ^ (ONES * u64::from(x))) | zeros(w ^ (ONES * u64::from(y)))
}

/// Where the first `]]>` in `b` starts. `]` is rare in the markup and prose a
/// CDATA section holds (unlike `>`, which memmem may pick to search for): look for
/// it, then at what follows. Each byte is looked at a bounded number of times.
fn cdata_end(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    loop {
        i += memchr(b']', &b[i..])?;
        match b.get(i + 1..i + 3) {
            Some(b"]>") => return Some(i),
            // `]]]>`: the end may start at the next `]`.
            _ => i += 1,
        }
    }
}

/// [`cdata_end`], and whether a CR comes before that end.
fn cdata_end_and_cr(b: &[u8]) -> Option<(usize, bool)> {
    let mut i = 0;
    let mut cr = false;
    loop {
        i += memchr2(b']', b'\r', &b[i..])?;
        if b[i] == b'\r' {
            cr = true;
            // The rest needs no more looking for CRs.
            return cdata_end(&b[i..]).map(|e| (i + e, cr));
        }
        match b.get(i + 1..i + 3) {
            Some(b"]>") => return Some((i, cr)),
            // `]]]>`: the end may start at the next `]`.
            _ => i += 1,
        }
    }
}

/// The start of [`Reader::quoted_value`]'s search in `b` (a value's bytes on, `q`
/// its quote), sixteen bytes a step while sixteen are left: where it stopped, the
/// value's end when the first byte found is `q` or `<`, and whether it is a byte to
/// replace (`&`, tab, line feed, CR: the search goes on from where it stopped).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn value_scan_sse2(b: &[u8], q: u8) -> (usize, Option<usize>, bool) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let word =
        |c: &[u8], at: usize| i64::from_le_bytes(c[at..at + 8].try_into().expect("eight bytes"));
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 16) {
        let x = _mm_set_epi64x(word(chunk, 8), word(chunk, 0));
        let end = _mm_or_si128(_mm_cmpeq_epi8(x, splat(q)), _mm_cmpeq_epi8(x, splat(b'<')));
        // Below 0x0E: tab, line feed and CR are all a document read here holds.
        let below = _mm_cmpeq_epi8(_mm_min_epu8(x, splat(0x0D)), x);
        let special = _mm_or_si128(_mm_cmpeq_epi8(x, splat(b'&')), below);
        let hits = _mm_movemask_epi8(_mm_or_si128(end, special)) as u32;
        if hits != 0 {
            let k = i + hits.trailing_zeros() as usize;
            return if b[k] == q || b[k] == b'<' {
                (i, Some(k), false)
            } else {
                (i, None, true)
            };
        }
        i += 16;
    }
    (i, None, false)
}

/// What one pass over a document's bytes tells: whether it may hold a character
/// XML forbids (a C0 control other than tab, line feed and CR, or 0xEF, the lead
/// byte of U+FFFE and U+FFFF), whether it holds a byte 0x7F, 0xC2 or 0xC3 (see
/// [`Document::c1_clean`]), whether it holds a CR, and where every `<` is. The
/// checks that need the flags look no further when they are false; the reader
/// jumps from one `<` to the next through the bitmap instead of searching bytes
/// it has already looked at once.
#[derive(Debug, PartialEq, Eq)]
struct ByteScan {
    maybe_forbidden: bool,
    c1: bool,
    cr: bool,
    /// One bit per byte of the text, set where it is `<`: byte `i` is bit `i % 64`
    /// of word `i / 64`.
    lt: Vec<u64>,
}

impl ByteScan {
    fn of(b: &[u8]) -> ByteScan {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2, checked just above.
            return unsafe { byte_scan_avx2(b) };
        }
        ByteScan::plain(b)
    }

    /// [`ByteScan::of`] a byte at a time.
    fn plain(b: &[u8]) -> ByteScan {
        let forbidden = |c: u8| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0xEF;
        ByteScan {
            maybe_forbidden: b.iter().any(|&c| forbidden(c)),
            c1: memchr::memchr3(0x7F, 0xC2, 0xC3, b).is_some(),
            cr: memchr(b'\r', b).is_some(),
            lt: b.chunks(64).map(lt_bits).collect(),
        }
    }

    /// The first `<` at or after `from`.
    #[inline(always)]
    fn next_lt(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = *self.lt.get(w)? & (u64::MAX << (from % 64));
        while bits == 0 {
            w += 1;
            bits = *self.lt.get(w)?;
        }
        Some(w * 64 + bits.trailing_zeros() as usize)
    }
}

/// The `<` bits of up to 64 bytes (see [`ByteScan::lt`]).
fn lt_bits(chunk: &[u8]) -> u64 {
    chunk
        .iter()
        .enumerate()
        .fold(0, |bits, (i, &c)| bits | u64::from(c == b'<') << i)
}

/// The classes [`byte_scan_avx2`] sorts bytes into, one bit each: a byte is in a
/// class when both its low nibble's entry in [`LOW_NIBBLE`] and its high nibble's
/// in [`HIGH_NIBBLE`] hold the bit (two table lookups per 32 bytes).
const FORBIDDEN_LOW: u8 = 1; // 0x00–0x08, 0x0B, 0x0C, 0x0E, 0x0F
const FORBIDDEN_HIGH: u8 = 2; // 0x10–0x1F
const EF: u8 = 4; // 0xEF
const DEL: u8 = 8; // 0x7F
const C2_C3: u8 = 16; // 0xC2, 0xC3
const CR: u8 = 32; // CR
const LT: u8 = 128; // `<`: the top bit, which movemask reads

/// Each low nibble's classes ([`FORBIDDEN_LOW`] …).
const LOW_NIBBLE: [u8; 16] = {
    let mut t = [FORBIDDEN_HIGH; 16];
    let mut lo = 0;
    while lo < 16 {
        if !matches!(lo, 0x9 | 0xA | 0xD) {
            t[lo] |= FORBIDDEN_LOW;
        }
        t[lo] |= match lo {
            0x2 | 0x3 => C2_C3,
            0xC => LT,
            0xD => CR,
            0xF => EF | DEL,
            _ => 0,
        };
        lo += 1;
    }
    t
};

/// Each high nibble's classes ([`FORBIDDEN_LOW`] …).
const HIGH_NIBBLE: [u8; 16] = {
    let mut t = [0; 16];
    t[0x0] = FORBIDDEN_LOW | CR;
    t[0x1] = FORBIDDEN_HIGH;
    t[0x3] = LT;
    t[0x7] = DEL;
    t[0xC] = C2_C3;
    t[0xE] = EF;
    t
};

/// The classes of each of the 32 bytes of `x` ([`LOW_NIBBLE`], [`HIGH_NIBBLE`]:
/// `low` and `high` hold them in both 128-bit lanes).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
fn classes(
    x: std::arch::x86_64::__m256i,
    low: std::arch::x86_64::__m256i,
    high: std::arch::x86_64::__m256i,
) -> std::arch::x86_64::__m256i {
    use std::arch::x86_64::{
        _mm256_and_si256, _mm256_set1_epi8, _mm256_shuffle_epi8, _mm256_srli_epi16,
    };
    let nibble = _mm256_set1_epi8(0x0F);
    _mm256_and_si256(
        _mm256_shuffle_epi8(low, _mm256_and_si256(x, nibble)),
        _mm256_shuffle_epi8(high, _mm256_and_si256(_mm256_srli_epi16(x, 4), nibble)),
    )
}

/// [`ByteScan::of`] with AVX2, 64 bytes a step (the last ones padded to a step):
/// each byte's classes from two table lookups, all of them gathered over the whole
/// text (no branch per block), and the `<` among them kept as bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn byte_scan_avx2(b: &[u8]) -> ByteScan {
    use std::arch::x86_64::{
        _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_or_si256, _mm256_setzero_si256,
        _mm256_storeu_si256,
    };
    // Each table in both 128-bit lanes (the lookup stays within a lane).
    let table = |t: &[u8; 16]| {
        let both: [u8; 32] = std::array::from_fn(|k| t[k % 16]);
        // SAFETY: 32 bytes, read unaligned.
        unsafe { _mm256_loadu_si256(both.as_ptr().cast()) }
    };
    let (low, high) = (table(&LOW_NIBBLE), table(&HIGH_NIBBLE));
    let mut seen = _mm256_setzero_si256();
    let mut blocks = b.chunks_exact(64);
    let mut lt = Vec::with_capacity(b.len() / 64 + 1);
    // One block of 64 bytes: its classes gathered, its `<` bits.
    let mut block = |c: &[u8]| {
        // SAFETY: `c` holds 64 bytes (checked); the loads need no alignment.
        let (x, y) = unsafe {
            let c = &c[..64];
            (
                _mm256_loadu_si256(c.as_ptr().cast()),
                _mm256_loadu_si256(c.as_ptr().add(32).cast()),
            )
        };
        let (x, y) = (classes(x, low, high), classes(y, low, high));
        seen = _mm256_or_si256(seen, _mm256_or_si256(x, y));
        // LT is each byte's top bit, where movemask looks.
        let lts = |v| u64::from(_mm256_movemask_epi8(v) as u32);
        lts(x) | lts(y) << 32
    };
    // Eight blocks' bits at a time into a buffer on the stack, then into `lt`:
    // the loop stays in registers, and `lt` is never zeroed first.
    loop {
        let mut group = [0u64; 8];
        let mut n = 0;
        for (c, bits) in (&mut blocks).take(8).zip(&mut group) {
            *bits = block(c);
            n += 1;
        }
        lt.extend_from_slice(&group[..n]);
        if n < 8 {
            break;
        }
    }
    // The last bytes, padded with spaces (in no class) to a block.
    let rest = blocks.remainder();
    if !rest.is_empty() {
        let mut last = [b' '; 64];
        last[..rest.len()].copy_from_slice(rest);
        lt.push(block(&last));
    }
    let mut lanes = [0u8; 32];
    // SAFETY: 32 bytes, written unaligned.
    unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), seen) };
    let seen = lanes.iter().fold(0, |all, &c| all | c);
    ByteScan {
        maybe_forbidden: seen & (FORBIDDEN_LOW | FORBIDDEN_HIGH | EF) != 0,
        c1: seen & (DEL | C2_C3) != 0,
        cr: seen & CR != 0,
        lt,
    }
}

/// The first `x` or `y` in `b` at or after `from`, eight bytes a step: in markup
/// they come every few bytes, where memchr's setup costs more than the search;
/// past 64 bytes (prose), memchr takes over.
#[inline(always)]
pub(super) fn find_either(b: &[u8], from: usize, x: u8, y: u8) -> Option<usize> {
    let mut i = from;
    while let Some(word) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
        let hits = special_bytes(w, x, y);
        if hits != 0 {
            return Some(i + (hits.trailing_zeros() / 8) as usize);
        }
        i += 8;
        if i - from >= 64 {
            return memchr2(x, y, b.get(i..)?).map(|p| i + p);
        }
    }
    let rest = b.get(i..)?;
    rest.iter().position(|&c| c == x || c == y).map(|p| i + p)
}

impl<'i> Reader<'i> {
    fn new(text: &'i str) -> Reader<'i> {
        Reader {
            text,
            b: text.as_bytes(),
            pos: 0,
            doc: Document::empty(text),
            open: Vec::with_capacity(16),
            scan: ByteScan {
                maybe_forbidden: false,
                c1: false,
                cr: false,
                lt: Vec::new(),
            },
            scope: Vec::new(),
            after_text: false,
            prefixed: Vec::new(),
            c1_from_reference: false,
        }
    }

    /// Notes a byte 0x7F, 0xC2 or 0xC3 in a text or value whose references were
    /// replaced in a copy (what a reference put there is not in the source).
    fn note_references(&mut self, copy: &str) {
        self.c1_from_reference |= memchr::memchr3(0x7F, 0xC2, 0xC3, copy.as_bytes()).is_some();
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b[self.pos..].starts_with(s)
    }

    fn skip_spaces(&mut self) -> bool {
        let start = self.pos;
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
        self.pos > start
    }

    fn expect(&mut self, c: u8) -> Read<()> {
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Refusal::Unsupported)
        }
    }

    /// An ASCII name, with at most one colon: (prefix, local). Inlined: its pair of
    /// slices then stays in registers.
    #[inline(always)]
    fn qname(&mut self) -> Read<(&'i str, &'i str)> {
        let b = self.b;
        let start = self.pos;
        if !b.get(start).is_some_and(|&c| is_name_start(c)) {
            return Err(Refusal::Unsupported);
        }
        let run = |i: usize| name_run(b, i);
        let mut i = run(start + 1);
        let mut colon = None;
        if b.get(i) == Some(&b':') {
            colon = Some(i);
            i += 1;
            if !b.get(i).is_some_and(|&c| is_name_start(c)) {
                return Err(Refusal::Unsupported);
            }
            i = run(i + 1);
        }
        // A second colon, or a name that goes on in non-ASCII characters.
        if b.get(i).is_some_and(|&c| c >= 0x80 || c == b':') {
            return Err(Refusal::Unsupported);
        }
        self.pos = i;
        Ok(match colon {
            Some(c) => (&self.text[start..c], &self.text[c + 1..i]),
            None => ("", &self.text[start..i]),
        })
    }

    /// `= "value"` after an attribute's name (spaces allowed around `=`, no `<`
    /// inside): the value's range, the quotes left out, and whether it holds a
    /// reference, tab, line feed or CR (what [`unescape_attribute`] replaces).
    /// Inlined: the result then stays in registers.
    #[inline(always)]
    fn quoted_value(&mut self) -> Read<(Range<usize>, bool)> {
        // Nearly always `="` or `='` right after the name.
        let q = match self.b.get(self.pos..self.pos + 2) {
            Some([b'=', q @ (b'"' | b'\'')]) => {
                self.pos += 2;
                *q
            }
            _ => {
                self.skip_spaces();
                self.expect(b'=')?;
                self.skip_spaces();
                let q = self.peek().filter(|&c| c == b'"' || c == b'\'');
                self.pos += 1;
                q.ok_or(Refusal::Unsupported)?
            }
        };
        let start = self.pos;
        let b = &self.b[start..];
        // One pass for the closing quote, `<` and the bytes to replace: tab, line
        // feed and CR are the only bytes below 0x0E a document read here holds.
        let mut i = 0;
        let mut special = false;
        let mut end = None;
        // Sixteen bytes a step first (URLs run tens of bytes), then eight.
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("sse2") {
            // SAFETY: the processor has SSE2 (part of x86-64), checked just above.
            (i, end, special) = unsafe { value_scan_sse2(b, q) };
        }
        while let Some(word) = b.get(i..i + 8).filter(|_| end.is_none() && !special) {
            let w = u64::from_le_bytes(word.try_into().expect("eight bytes"));
            const ONES: u64 = 0x0101_0101_0101_0101;
            const HIGHS: u64 = 0x8080_8080_8080_8080;
            let below = w.wrapping_sub(ONES * 0x0E) & !w & HIGHS;
            let hits = special_bytes(w, q, b'<') | special_bytes(w, b'&', b'&') | below;
            if hits != 0 {
                let k = i + (hits.trailing_zeros() / 8) as usize;
                if b[k] == q || b[k] == b'<' {
                    // Nothing to replace before it: the usual plain value.
                    end = Some(k);
                } else {
                    special = true;
                }
                break;
            }
            i += 8;
        }
        let len = match end {
            Some(k) => k,
            None => {
                let len = find_either(b, i, q, b'<').ok_or(Refusal::Unsupported)?;
                special = special
                    || b[i..len]
                        .iter()
                        .any(|&c| matches!(c, b'&' | b'\t' | b'\n' | b'\r'));
                len
            }
        };
        self.pos += len;
        self.expect(q)?;
        Ok((start..start + len, special))
    }

    fn read(mut self) -> Read<Document<'i>> {
        self.scan = ByteScan::of(self.b);
        let bytes = &self.scan;
        if (bytes.maybe_forbidden && crate::render::has_xml_forbidden(self.b))
            || self.b.starts_with("\u{feff}".as_bytes())
        {
            return Err(Refusal::Unsupported);
        }
        if self.starts_with(b"<?xml") {
            if self.b.get(5) != Some(&b' ') {
                return Err(Refusal::Unsupported);
            }
            self.declaration()?;
        }
        self.misc()?;
        if self.peek() != Some(b'<') || !self.b.get(self.pos + 1).is_some_and(|&c| is_name_start(c))
        {
            return Err(Refusal::Unsupported);
        }
        self.content()?;
        self.misc()?;
        if self.pos != self.b.len() {
            return Err(Refusal::Unsupported);
        }
        // has_xml_forbidden refused the others, and `reference` refuses them.
        self.doc.c0_clean = true;
        // References to them are refused too (C1 controls are not in `reference`'s
        // reach: a reference names any character, so look at its result).
        self.doc.c1_clean = !self.scan.c1 && !self.c1_from_reference;
        // Every other node's end was set when it was pushed or closed.
        self.doc.nodes[0].end = self.doc.nodes.len() as u32;
        Ok(self.doc)
    }

    /// `<?xml version="…" encoding="…" standalone="…"?>`, checked and skipped.
    fn declaration(&mut self) -> Read<()> {
        self.pos = 5;
        self.skip_spaces();
        let mut names: &[&[u8]] = &[b"version", b"encoding", b"standalone"];
        let mut first = true;
        loop {
            if self.starts_with(b"?>") {
                break;
            }
            let Some(k) = names.iter().position(|n| self.starts_with(n)) else {
                return Err(Refusal::Unsupported);
            };
            if first && k != 0 {
                return Err(Refusal::Unsupported);
            }
            first = false;
            self.pos += names[k].len();
            names = &names[k + 1..];
            self.quoted_value()?;
            if !self.skip_spaces() && !self.starts_with(b"?>") {
                return Err(Refusal::Unsupported);
            }
        }
        if first {
            return Err(Refusal::Unsupported);
        }
        self.pos += 2;
        Ok(())
    }

    /// Comments, processing instructions and white space outside the root element.
    fn misc(&mut self) -> Read<()> {
        loop {
            self.skip_spaces();
            if self.starts_with(b"<!--") {
                self.comment(0)?;
            } else if self.starts_with(b"<?") {
                self.pi(0)?;
            } else {
                return Ok(());
            }
        }
    }

    fn comment(&mut self, parent: u32) -> Read<()> {
        let start = self.pos;
        let body = start + 4;
        let len = memmem::find(&self.b[body..], b"-->").ok_or(Refusal::Unsupported)?;
        let text = &self.text[body..body + len];
        if text.contains("--") || text.ends_with('-') {
            return Err(Refusal::Unsupported);
        }
        self.pos = body + len + 3;
        self.doc
            .push(Kind::Comment(Cow::Borrowed(text)), parent, start..self.pos);
        self.after_text = false;
        Ok(())
    }

    fn pi(&mut self, parent: u32) -> Read<()> {
        let start = self.pos;
        self.pos += 2;
        let (prefix, target) = self.qname()?;
        if !prefix.is_empty() || target.eq_ignore_ascii_case("xml") {
            return Err(Refusal::Unsupported);
        }
        if !self.skip_spaces() && !self.starts_with(b"?>") {
            return Err(Refusal::Unsupported);
        }
        let len = memmem::find(&self.b[self.pos..], b"?>").ok_or(Refusal::Unsupported)?;
        self.pos += len + 2;
        let kind = Kind::Pi {
            target: Cow::Borrowed(target),
        };
        self.doc.push(kind, parent, start..self.pos);
        self.after_text = false;
        Ok(())
    }

    /// The root element and everything in it.
    fn content(&mut self) -> Read<()> {
        self.start_tag()?;
        while let Some(top) = self.open.last() {
            let parent = top.id;
            // The next `<`, from the bitmap: no byte looked at again.
            let Some(lt) = self.scan.next_lt(self.pos) else {
                return Err(Refusal::Unsupported);
            };
            let lt = lt - self.pos;
            if lt > 0 {
                let start = self.pos;
                self.pos += lt;
                let (white, plain) = text_kind(self.b, start, self.pos);
                // Most texts are the indentation between tags.
                let nodes = &self.doc.nodes;
                let gap = !self.after_text
                    && white
                    && Document::gap_before(self.b.get(self.pos + 1), || {
                        let last = nodes[parent as usize].last;
                        last != NONE && matches!(nodes[last as usize].kind, Kind::Element { .. })
                    });
                if gap {
                    self.doc.gaps.push(start..self.pos);
                } else if plain {
                    // Built where it is stored, from the slice in registers.
                    let raw = &self.text[start..self.pos];
                    self.text_node(Cow::Borrowed(raw), parent, start..self.pos);
                } else {
                    let raw = &self.text[start..self.pos];
                    if raw.contains("]]>") {
                        return Err(Refusal::Unsupported);
                    }
                    let text = unescape_text(raw, self.scan.cr)?;
                    if let Cow::Owned(copy) = &text {
                        self.note_references(copy);
                    }
                    self.text_node(text, parent, start..self.pos);
                }
            }
            match self.b.get(self.pos + 1) {
                Some(b'/') => self.end_tag()?,
                Some(b'!') if self.starts_with(b"<!--") => self.comment(parent)?,
                Some(b'!') if self.starts_with(b"<![CDATA[") => {
                    let start = self.pos;
                    let body = start + 9;
                    // The end, and whether a CR comes before it, in one pass
                    // (none can when the document holds none).
                    let (len, cr) = if self.scan.cr {
                        cdata_end_and_cr(&self.b[body..])
                    } else {
                        cdata_end(&self.b[body..]).map(|e| (e, false))
                    }
                    .ok_or(Refusal::Unsupported)?;
                    self.pos = body + len + 3;
                    // Line ends are made `\n` in CDATA too.
                    let raw = &self.text[body..body + len];
                    let text = if cr {
                        Cow::Owned(raw.replace("\r\n", "\n").replace('\r', "\n"))
                    } else {
                        Cow::Borrowed(raw)
                    };
                    self.text_node(text, parent, start..self.pos);
                }
                Some(b'?') => self.pi(parent)?,
                _ => {
                    if !self.plain_start_tag(parent) {
                        self.start_tag()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Text or CDATA; joined to the text node just before it, as roxmltree does.
    /// Inlined: the text is then written into its node directly (a copy through
    /// memory here stalled on store forwarding, ~10% of lint's time).
    #[inline(always)]
    fn text_node(&mut self, text: Cow<'i, str>, parent: u32, range: Range<usize>) {
        if self.after_text {
            if let Some(Kind::Text(prev)) = self.doc.nodes.last_mut().map(|n| &mut n.kind) {
                prev.to_mut().push_str(&text);
                return;
            }
        }
        self.doc.push(Kind::Text(text), parent, range);
        self.after_text = true;
    }

    fn lookup(&self, prefix: &str) -> Option<u32> {
        // Prefixes are a few bytes: compare inline rather than call memcmp.
        let same =
            |p: &str| p.len() == prefix.len() && p.bytes().zip(prefix.bytes()).all(|(a, b)| a == b);
        self.scope
            .iter()
            .rev()
            .find(|(p, _)| same(p))
            .map(|(_, u)| *u)
    }

    /// A start tag that is a name and `>`, as most of a feed's are, inside the
    /// element `parent`: read on a short path, inlined where the content is read.
    /// `false`, having read nothing, for any other tag (and at the depth limit):
    /// [`Reader::start_tag`] reads those, and builds the same node for these.
    #[inline(always)]
    fn plain_start_tag(&mut self, parent: u32) -> bool {
        let b = self.b;
        let start = self.pos;
        let i = start + 1;
        if !b.get(i).is_some_and(|&c| is_name_start(c)) {
            return false;
        }
        let mut i = name_run(b, i + 1);
        let mut local = start + 1;
        if b.get(i) == Some(&b':') {
            local = i + 1;
            if !b.get(local).is_some_and(|&c| is_name_start(c)) {
                return false;
            }
            i = name_run(b, local + 1);
        }
        if b.get(i) != Some(&b'>') || self.open.len() >= MAX_DEPTH {
            return false;
        }
        let Some(top) = self.open.last() else {
            return false;
        };
        let default_ns = top.default_ns;
        let ns = if local == start + 1 {
            default_ns
        } else {
            let prefix = &self.text[start + 1..local - 1];
            if prefix == "xmlns" || prefix == "xml" {
                return false;
            }
            match self.lookup(prefix) {
                Some(ns) => ns,
                None => return false,
            }
        };
        let (a, d) = (self.doc.attrs.len() as u32, self.doc.decls.len() as u32);
        let kind = Kind::Element {
            name: &self.text[local..i],
            ns,
            attrs: a..a,
            decls: d..d,
            prefixed: local != start + 1,
        };
        self.pos = i + 1;
        let id = self.doc.push(kind, parent, start..self.pos);
        self.after_text = false;
        self.open.push(Open {
            id,
            name_at: start + 1,
            name_len: i - start - 1,
            scope: self.scope.len(),
            default_ns,
        });
        true
    }

    fn start_tag(&mut self) -> Read<()> {
        let start = self.pos;
        self.pos += 1;
        let (prefix, local) = self.qname()?;
        if !prefix.is_empty() && (prefix == "xmlns" || prefix == "xml") {
            return Err(Refusal::Unsupported);
        }
        if self.open.len() >= MAX_DEPTH {
            return Err(Refusal::Malformed(too_deep(start)));
        }
        let name_len = self.pos - start - 1;
        let scope = self.scope.len();
        let (a0, d0) = (self.doc.attrs.len(), self.doc.decls.len());
        // Most start tags are a name and `>`: no attribute, no declaration.
        let empty = match self.b.get(self.pos) {
            Some(b'>') => {
                self.pos += 1;
                false
            }
            _ => self.attributes(start, scope)?,
        };
        // The default namespace inside: the parent's, unless declared here.
        let default_ns = match self.open.last() {
            Some(o) if self.doc.decls.len() == d0 => o.default_ns,
            _ => self.lookup("").unwrap_or(NONE),
        };
        let ns = match prefix {
            "" => default_ns,
            p => self.lookup(p).ok_or(Refusal::Unsupported)?,
        };
        if self.doc.attrs.len() > a0 {
            self.resolve_attributes(a0)?;
        }
        let parent = self.open.last().map_or(0, |o| o.id);
        let kind = Kind::Element {
            name: local,
            ns,
            attrs: a0 as u32..self.doc.attrs.len() as u32,
            decls: d0 as u32..self.doc.decls.len() as u32,
            prefixed: !prefix.is_empty(),
        };
        let id = self.doc.push(kind, parent, start..self.pos);
        self.after_text = false;
        if empty {
            self.scope.truncate(scope);
        } else {
            self.open.push(Open {
                id,
                name_at: start + 1,
                name_len,
                scope,
                default_ns,
            });
        }
        Ok(())
    }

    /// The attributes and namespace declarations of the start tag at `start`, up
    /// to and with its `>` or `/>`: whether it is `/>`. Attributes go straight into
    /// the document; those with a prefix get their namespace once all the tag's
    /// declarations are read ([`Reader::resolve_attributes`]). `scope`: the
    /// bindings in scope before the tag.
    fn attributes(&mut self, start: usize, scope: usize) -> Read<bool> {
        let (a0, d0) = (self.doc.attrs.len(), self.doc.decls.len());
        self.prefixed.clear();
        loop {
            let spaced = self.skip_spaces();
            match self.peek() {
                Some(b'/') => {
                    self.pos += 1;
                    self.expect(b'>')?;
                    return Ok(true);
                }
                Some(b'>') => {
                    self.pos += 1;
                    return Ok(false);
                }
                Some(_) if spaced => {}
                _ => return Err(Refusal::Unsupported),
            }
            let a_start = self.pos;
            let (a_prefix, a_local) = self.qname()?;
            if (self.doc.attrs.len() - a0) + (self.doc.decls.len() - d0) >= MAX_ATTRIBUTES {
                return Err(Refusal::Malformed(too_many_attributes(start)));
            }
            if self.scope.len() >= MAX_IN_SCOPE {
                return Err(Refusal::Malformed(ParseError {
                    message: format!(
                        "more than {MAX_IN_SCOPE} namespace declarations are in scope"
                    ),
                    at: ErrorPos::Offset(start),
                }));
            }
            let (raw, special) = self.quoted_value()?;
            let raw = &self.text[raw];
            let value = if special {
                let value = unescape_attribute(raw)?;
                if let Cow::Owned(copy) = &value {
                    self.note_references(copy);
                }
                value
            } else {
                Cow::Borrowed(raw)
            };
            let range = a_start..self.pos;
            if a_prefix == "xmlns" {
                // A prefixed declaration: not to the xml or xmlns namespaces, not
                // empty, once per element.
                if a_local == "xml"
                    || a_local == "xmlns"
                    || value.is_empty()
                    || value == XML_NS
                    || value == XMLNS_NS
                    || self.scope[scope..].iter().any(|(p, _)| *p == a_local)
                {
                    return Err(Refusal::Unsupported);
                }
                let uri = self.doc.add_uri(value);
                self.scope.push((a_local, uri));
                self.doc.decls.push((Some(a_local), uri));
            } else if a_prefix.is_empty() && a_local == "xmlns" {
                if value == XML_NS
                    || value == XMLNS_NS
                    || self.scope[scope..].iter().any(|(p, _)| p.is_empty())
                {
                    return Err(Refusal::Unsupported);
                }
                let uri = self.doc.add_uri(value);
                self.scope.push(("", uri));
                self.doc.decls.push((None, uri));
            } else {
                let ns = match a_prefix {
                    "" => NONE,
                    "xml" => 0,
                    p => {
                        self.prefixed.push((self.doc.attrs.len(), p));
                        NONE
                    }
                };
                self.doc.attrs.push(AttrData {
                    name: a_local,
                    ns,
                    value,
                    range,
                });
            }
        }
    }

    /// Gives the attributes from `a0` on that have a prefix their namespace, and
    /// refuses two with the same namespace (URI, not prefix) and name.
    fn resolve_attributes(&mut self, a0: usize) -> Read<()> {
        for k in 0..self.prefixed.len() {
            let (at, p) = self.prefixed[k];
            self.doc.attrs[at].ns = self.lookup(p).ok_or(Refusal::Unsupported)?;
        }
        // No two attributes with the same namespace (URI, not prefix) and name.
        let doc = &self.doc;
        let attrs = &doc.attrs[a0..];
        let repeated = if attrs.len() <= 1 {
            false
        } else if attrs.len() <= 16 {
            // Names first, byte by byte: they nearly always differ in length or
            // first letter.
            let same = |a: &AttrData, b: &AttrData| {
                let (x, y) = (a.name.as_bytes(), b.name.as_bytes());
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p == q) && {
                    doc.uri(a.ns) == doc.uri(b.ns)
                }
            };
            attrs
                .iter()
                .enumerate()
                .any(|(k, a)| attrs[..k].iter().any(|b| same(a, b)))
        } else {
            let mut seen = std::collections::HashSet::with_capacity(attrs.len());
            !attrs.iter().all(|a| seen.insert((doc.uri(a.ns), a.name)))
        };
        if repeated {
            return Err(Refusal::Unsupported);
        }
        Ok(())
    }

    fn end_tag(&mut self) -> Read<()> {
        self.pos += 2;
        let start = self.pos;
        // Nearly always the open element's name, then `>`: compared, not read again.
        if let Some(open) = self.open.last() {
            let end = start + open.name_len;
            if self.b.get(end) == Some(&b'>')
                && same_run(self.b, open.name_at, start, open.name_len)
            {
                self.pos = end + 1;
                self.close();
                return Ok(());
            }
        }
        self.qname()?;
        let len = self.pos - start;
        self.skip_spaces();
        self.expect(b'>')?;
        let open = self.open.last().ok_or(Refusal::Unsupported)?;
        if open.name_len != len || !same_run(self.b, open.name_at, start, len) {
            return Err(Refusal::Unsupported);
        }
        self.close();
        Ok(())
    }

    /// Closes the innermost open element at `self.pos`, just past its end tag.
    #[inline(always)]
    fn close(&mut self) {
        let open = self.open.pop().expect("an element is open");
        let end = self.doc.nodes.len() as u32;
        let node = &mut self.doc.nodes[open.id as usize];
        node.range.end = self.pos;
        node.end = end;
        self.scope.truncate(open.scope);
        self.after_text = false;
    }
}

/// Where the run of name bytes ([`is_name`]) from `i` in `b` ends.
#[inline(always)]
fn name_run(b: &[u8], i: usize) -> usize {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: x86-64 processors have SSE2.
        unsafe { name_run_sse2(b, i) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        name_run_plain(b, i)
    }
}

/// [`name_run`] a byte at a time.
fn name_run_plain(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_name(b[i]) {
        i += 1;
    }
    i
}

/// [`name_run`] sixteen bytes a step (reading past the name, never past `b`):
/// each byte is a letter, a digit, `-` or `.`, or `_`, by three unsigned range
/// checks and a comparison (bytes from 0x80 fall outside all of them).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn name_run_sse2(b: &[u8], mut i: usize) -> usize {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x, _mm_sub_epi8,
    };
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    // Whether each byte is within lo..=lo + span (wrapping below lo to the top).
    let within = |x: __m128i, lo: u8, span: u8| {
        let off = _mm_sub_epi8(x, splat(lo));
        _mm_cmpeq_epi8(_mm_min_epu8(off, splat(span)), off)
    };
    while let Some(chunk) = b.get(i..i + 16) {
        let word = |at: usize| i64::from_le_bytes(chunk[at..at + 8].try_into().expect("8 bytes"));
        let x = _mm_set_epi64x(word(8), word(0));
        let name = _mm_or_si128(
            _mm_or_si128(
                within(_mm_or_si128(x, splat(0x20)), b'a', 25),
                within(x, b'0', 9),
            ),
            _mm_or_si128(within(x, b'-', 1), _mm_cmpeq_epi8(x, splat(b'_'))),
        );
        let run = (!_mm_movemask_epi8(name) as u32).trailing_zeros() as usize;
        if run < 16 {
            return i + run;
        }
        i += 16;
    }
    name_run_plain(b, i)
}

/// What the text `b[from..to]` is, in a document the reader took (no C0 control
/// but tab, line feed and CR): whether it is spaces, tabs and line feeds only, and
/// whether it holds no `&`, `>` or CR (a text to take as it is written).
#[inline(always)]
fn text_kind(b: &[u8], from: usize, to: usize) -> (bool, bool) {
    #[cfg(target_arch = "x86_64")]
    {
        // SAFETY: x86-64 processors have SSE2.
        unsafe { text_kind_sse2(b, from, to) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        text_kind_plain(b, from, to)
    }
}

/// [`text_kind`] a byte at a time.
fn text_kind_plain(b: &[u8], from: usize, to: usize) -> (bool, bool) {
    let part = &b[from..to];
    (
        part.iter().all(|&c| matches!(c, b' ' | b'\t' | b'\n')),
        !part.iter().any(|&c| matches!(c, b'&' | b'>' | b'\r')),
    )
}

/// [`text_kind`] sixteen bytes a step (reading past `to`, never past `b`): white
/// space is the bytes up to 0x20 but CR, which is among those of note.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
#[inline]
fn text_kind_sse2(b: &[u8], from: usize, to: usize) -> (bool, bool) {
    use std::arch::x86_64::{
        _mm_cmpeq_epi8, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
        _mm_set_epi64x,
    };
    let splat = |c: u8| _mm_set1_epi8(c as i8);
    let (mut white, mut plain) = (true, true);
    let mut i = from;
    loop {
        let Some(chunk) = b.get(i..i + 16) else {
            let (w, p) = text_kind_plain(b, i, to);
            return (white && w, plain && p);
        };
        let word = |at: usize| i64::from_le_bytes(chunk[at..at + 8].try_into().expect("8 bytes"));
        let x = _mm_set_epi64x(word(8), word(0));
        let noted = _mm_or_si128(
            _mm_or_si128(
                _mm_cmpeq_epi8(x, splat(b'&')),
                _mm_cmpeq_epi8(x, splat(b'>')),
            ),
            _mm_cmpeq_epi8(x, splat(b'\r')),
        );
        let low = _mm_cmpeq_epi8(_mm_min_epu8(x, splat(b' ')), x);
        let noted = _mm_movemask_epi8(noted) as u32;
        let spaces = _mm_movemask_epi8(low) as u32 & !noted;
        // Most texts end within the first sixteen bytes.
        let rest = to - i;
        if rest <= 16 {
            let keep = (1u32 << rest) - 1;
            return (white && spaces & keep == keep, plain && noted & keep == 0);
        }
        white &= spaces == 0xFFFF;
        plain &= noted == 0;
        if !white && !plain {
            return (false, false);
        }
        i += 16;
    }
}

/// Whether `b[x..x + len]` and `b[y..y + len]` (`x` < `y`, both in `b`) are the
/// same bytes: compared eight at a time, in registers (names are short, and a call
/// to memcmp costs more than the comparison).
#[inline(always)]
fn same_run(b: &[u8], x: usize, y: usize, len: usize) -> bool {
    let word = |at: usize| {
        b.get(at..at + 8)
            .map(|w| u64::from_le_bytes(w.try_into().expect("eight bytes")))
    };
    let mut i = 0;
    while i + 8 <= len {
        match (word(x + i), word(y + i)) {
            (Some(p), Some(q)) if p == q => i += 8,
            _ => return false,
        }
    }
    let rest = len - i;
    if rest == 0 {
        return true;
    }
    match (word(x + i), word(y + i)) {
        (Some(p), Some(q)) => (p ^ q) & (u64::MAX >> (8 * (8 - rest))) == 0,
        // Too near the end of the input for a whole word.
        _ => b[x + i..x + len] == b[y + i..y + len],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// Everything the rules can see of a document, one line per node, and the
    /// elements that declare namespaces (which must be those with declarations).
    fn dump(doc: &Document) -> Vec<String> {
        let declaring: Vec<_> = doc.declaring_elements().map(|n| n.range()).collect();
        let with_decls: Vec<_> = doc
            .descendants()
            .filter(|n| n.declared_namespaces().next().is_some())
            .map(|n| n.range())
            .collect();
        assert_eq!(declaring, with_decls);
        doc.descendants()
            .map(|n| {
                let name = n.tag_name();
                let attrs: Vec<String> = n
                    .attributes()
                    .map(|a| {
                        format!(
                            "{:?}:{}={:?}@{:?}",
                            a.namespace(),
                            a.name(),
                            a.value(),
                            a.range()
                        )
                    })
                    .collect();
                let mut decls: Vec<(Option<&str>, &str)> = n.declared_namespaces().collect();
                decls.sort();
                format!(
                    "{n:?} {:?} {:?}:{} prefixed={} text={:?} attrs={attrs:?} decls={decls:?} parent={:?} children={}",
                    n.range(),
                    name.namespace(),
                    name.name(),
                    n.is_prefixed(),
                    n.text(),
                    n.parent().map(|p| p.range()),
                    n.children().count(),
                )
            })
            .collect()
    }

    /// Every element's text content ([`super::super::text_of`]) is roxmltree's: all
    /// the text inside it, the white space the tree leaves out included.
    fn texts_agree(doc: &Document, text: &str, what: &str) {
        let opts = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        };
        let r = roxmltree::Document::parse_with_options(text, opts).expect("parsed before");
        let expected: std::collections::HashMap<_, String> = r
            .descendants()
            .filter(|n| n.is_element())
            .map(|n| {
                let all = n
                    .descendants()
                    .filter(|d| d.is_text())
                    .filter_map(|d| d.text());
                (n.range(), all.collect())
            })
            .collect();
        for n in doc.descendants().filter(|n| n.is_element()) {
            assert_eq!(
                super::super::text_of(n),
                expected[&n.range()],
                "{what}: {n:?} at {:?}",
                n.range()
            );
        }
    }

    /// The fast reader accepts `text` only when roxmltree does, building the same tree.
    /// Returns whether it read the document itself.
    fn agrees(text: &str, what: &str) -> bool {
        let reference = Document::parse_with_roxmltree(text);
        if let Ok(copy) = &reference {
            texts_agree(copy, text, what);
        }
        match Reader::new(text).read() {
            Ok(fast) => {
                let reference =
                    reference.unwrap_or_else(|e| panic!("{what}: read, but roxmltree says {e:?}"));
                assert_eq!(dump(&fast), dump(&reference), "{what}");
                texts_agree(&fast, text, what);
                true
            }
            Err(Refusal::Malformed(e)) => {
                assert!(
                    reference.is_err(),
                    "{what}: refused ({e:?}), roxmltree reads it"
                );
                false
            }
            Err(Refusal::Unsupported) => false,
        }
    }

    fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                files_under(&p, out);
            } else if p.extension().is_some_and(|x| x == "xml") {
                out.push(p);
            }
        }
    }

    #[test]
    fn same_tree_as_roxmltree_on_every_conformance_case_and_our_feeds() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        let shared = manifest
            .ancestors()
            .map(|a| a.join("shared/conformance"))
            .find(|p| p.is_dir());
        if let Some(dir) = &shared {
            files_under(dir, &mut files);
        }
        files_under(&manifest.join("feeds"), &mut files);
        let mut fast = 0;
        let mut utf8 = 0;
        for f in &files {
            let bytes = std::fs::read(f).expect("readable");
            let Ok(text) = std::str::from_utf8(&bytes) else {
                continue;
            };
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            utf8 += 1;
            if agrees(text, &f.display().to_string()) {
                fast += 1;
            }
        }
        // The fast reader must carry most documents, or it is not worth having.
        assert!(utf8 > 0);
        assert!(fast * 10 >= utf8 * 7, "{fast} of {utf8} read directly");
        // Our feeds as a Windows tool would write them: still read directly.
        let mut ours = Vec::new();
        files_under(&manifest.join("feeds"), &mut ours);
        for f in &ours {
            let crlf = std::fs::read_to_string(f)
                .expect("our feeds are UTF-8")
                .replace('\n', "\r\n");
            assert!(agrees(&crlf, &format!("{} with CRLF", f.display())));
        }
    }

    /// The byte scan says "maybe forbidden" wherever a forbidden character is (and
    /// nowhere without a C0 control or 0xEF), finds every 0x7F, 0xC2 and 0xC3 and
    /// every CR, and marks every `<` and nothing else, with AVX2 and byte by byte
    /// alike, whatever the length.
    #[test]
    fn byte_scan_finds_what_a_byte_loop_finds() {
        let alphabet = [
            b'a', b' ', b'\t', b'\n', b'\r', 0x01, 0x1F, 0xEF, 0xBF, 0x7F, 0xC2, 0xC3, 0x80, b'<',
            0x3D, 0x2C, 0xBC, 0x19, 0x1D, 0x0B, 0x0E, 0xFF, 0x72, 0xC0,
        ];
        let mut next = crate::lint::xorshift(0x05ee_d0fb_17e5);
        for round in 0..3000 {
            let n = next() as usize % 300;
            // Mostly plain bytes, with a rare other one somewhere.
            let b: Vec<u8> = (0..n)
                .map(|_| match next() % 64 {
                    0 => alphabet[next() as usize % alphabet.len()],
                    _ => b'a',
                })
                .collect();
            let forbidden_byte = b
                .iter()
                .any(|&c| (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0xEF);
            let c1 = b.iter().any(|&c| matches!(c, 0x7F | 0xC2 | 0xC3));
            let lts: Vec<usize> = (0..n).filter(|&i| b[i] == b'<').collect();
            for scan in [ByteScan::of(&b), ByteScan::plain(&b)] {
                assert_eq!(scan.maybe_forbidden, forbidden_byte, "round {round}: {b:?}");
                assert_eq!(scan.c1, c1, "round {round}: {b:?}");
                assert_eq!(scan.cr, b.contains(&b'\r'), "round {round}: {b:?}");
                let marked: Vec<usize> = (0..scan.lt.len() * 64)
                    .filter(|&i| scan.lt[i / 64] >> (i % 64) & 1 == 1)
                    .collect();
                assert_eq!(marked, lts, "round {round}: {b:?}");
                // Each `<` is found from every place before it.
                for from in 0..=n {
                    let want = lts.iter().copied().find(|&i| i >= from);
                    assert_eq!(scan.next_lt(from), want, "round {round} from {from}");
                }
            }
        }
        // Every byte value, alone among plain bytes, in each half of a block.
        for c in 0..=255u8 {
            for at in [0, 31, 32, 63, 64, 70] {
                let mut b = vec![b'a'; 71];
                b[at] = c;
                assert_eq!(
                    ByteScan::of(&b),
                    ByteScan::plain(&b),
                    "byte {c:#04x} at {at}"
                );
            }
        }
    }

    /// The word-at-a-time checks of texts and names say what a byte loop says, for
    /// every length and place, near the end of the input too.
    #[test]
    fn word_checks_agree_with_byte_loops() {
        let alphabet = b"aaaa \t\n\r&>]<_-.:zAZ09/=@[`{,^\x7f\x80\xc3\xe1\xdf\xaf\xfa";
        let mut next = crate::lint::xorshift(0x3141_5926_5358_9793);
        for round in 0..4000 {
            let n = 1 + next() as usize % 40;
            let b: Vec<u8> = (0..n)
                .map(|_| match next() % 4 {
                    0 => alphabet[next() as usize % alphabet.len()],
                    _ => b' ',
                })
                .collect();
            let from = next() as usize % n;
            let to = from + next() as usize % (n - from + 1);
            let part = &b[from..to];
            let kind = (
                part.iter().all(|&c| matches!(c, b' ' | b'\t' | b'\n')),
                !part.iter().any(|&c| matches!(c, b'&' | b'>' | b'\r')),
            );
            assert_eq!(
                text_kind(&b, from, to),
                kind,
                "round {round}: {part:?} in {b:?}"
            );
            assert_eq!(text_kind_plain(&b, from, to), kind, "round {round}");
            let run = (from..n).find(|&i| !is_name(b[i])).unwrap_or(n);
            assert_eq!(name_run(&b, from), run, "round {round}: {b:?} from {from}");
            assert_eq!(name_run_plain(&b, from), run, "round {round}");
            // A run compared with a later one: equal copies and near misses.
            let len = next() as usize % 20;
            let mut twice = b[..n.min(len)].to_vec();
            twice.resize(len, b'x');
            let x = next() as usize % 5;
            let mut doc = vec![b'-'; x];
            doc.extend(&twice);
            let y = doc.len() + next() as usize % 3;
            doc.resize(y, b'-');
            doc.extend(&twice);
            if len > 0 && next().is_multiple_of(2) {
                let k = doc.len() - 1 - next() as usize % len;
                doc[k] ^= 1;
            }
            doc.extend(std::iter::repeat_n(b'>', next() as usize % 10));
            assert_eq!(
                same_run(&doc, x, y, len),
                doc[x..x + len] == doc[y..y + len],
                "round {round}: {doc:?}"
            );
        }
    }

    /// The sixteen-byte search of attribute values stops at the first quote, `<`,
    /// `&`, tab, line feed or CR in the whole blocks it reads, and tells which.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn value_scan_stops_at_the_first_byte_of_note() {
        let alphabet = b"aaaaaaaaaaaaaaaa\"'<&\t\n\r";
        let mut next = crate::lint::xorshift(0x7a1e_5ca7_0000_0001);
        for round in 0..3000 {
            let n = next() as usize % 70;
            let b: Vec<u8> = crate::lint::picks(&mut next, alphabet, n);
            let q = if round % 2 == 0 { b'"' } else { b'\'' };
            let whole = n / 16 * 16;
            let first = b[..whole]
                .iter()
                .position(|&c| c == q || matches!(c, b'<' | b'&' | b'\t' | b'\n' | b'\r'));
            let want = match first {
                None => (whole, None, false),
                Some(k) if b[k] == q || b[k] == b'<' => (k / 16 * 16, Some(k), false),
                Some(k) => (k / 16 * 16, None, true),
            };
            // SAFETY: x86-64 processors have SSE2.
            let got = unsafe { value_scan_sse2(&b, q) };
            assert_eq!(got, want, "{:?}", String::from_utf8_lossy(&b));
        }
    }

    #[test]
    fn cdata_end_is_the_first_close() {
        for (b, want) in [
            ("x]]>", Some(1)),
            ("]]]>", Some(1)),
            ("]]]]>a]]>", Some(2)),
            ("] ]>]]", None),
            ("]]", None),
            ("", None),
        ] {
            assert_eq!(cdata_end(b.as_bytes()), want, "{b:?}");
            let cr = want.map(|e| b.as_bytes()[..e].contains(&b'\r'));
            assert_eq!(
                cdata_end_and_cr(b.as_bytes()),
                want.zip(cr),
                "{b:?} and its CR"
            );
        }
        for (b, want) in [
            ("a\rb]]>", Some((3, true))),
            ("]\r]]>", Some((2, true))),
            ("]]\r]]>", Some((3, true))),
            ("ab]]>\r", Some((2, false))),
            ("\r]]", None),
        ] {
            assert_eq!(cdata_end_and_cr(b.as_bytes()), want, "{b:?}");
        }
    }

    #[test]
    fn find_either_finds_the_first_of_two_bytes_anywhere() {
        // Every length and position around the eight-byte steps and the switch to
        // memchr, with a false alarm (a byte just above the target) before it.
        for len in 0..90 {
            for at in 0..=len {
                let mut b = vec![b'a'; len];
                if at < len {
                    b[at] = b'<';
                }
                if at > 0 {
                    b[at - 1] = b'=';
                }
                for from in [0, 1, 7, 8, 9].into_iter().filter(|&f| f <= len) {
                    let want = b[from..]
                        .iter()
                        .position(|&c| c == b'<' || c == b'&')
                        .map(|p| from + p);
                    assert_eq!(find_either(&b, from, b'<', b'&'), want, "{len} {at} {from}");
                }
            }
        }
    }

    #[test]
    fn same_tree_as_roxmltree_on_tricky_documents() {
        // Read directly, and the same as roxmltree reads them.
        let read = [
            "<a>x<![CDATA[y]]>z<!--c-->w<![CDATA[]]></a>",
            "<a><![CDATA[]]></a>",
            "<?xml version='1.0' encoding=\"utf-8\" standalone='yes' ?>\n<!--c--><?pi  v ?><a/>\n<!--after-->\n",
            "<a  b = \"1\tx\n\" c='&amp;&#10;&#x41;&lt;'>&quot;&apos;&gt;&#x20AC;</a >",
            "<r xmlns='u' xmlns:p=\"v\"><p:e p:a='1' a='2' xml:lang='en'><e xmlns='w'/><e xmlns=''/></p:e></r>",
            "<r xmlns:p='v'><p:e xmlns:p='x'/><p:e/></r>",
            "<r>]]</r>",
            "<r>a > b</r>",
            "<?xml version='1.0'?><?xml-stylesheet href='s.css'?><r/>",
            "<r>\u{feff}</r>",
            // Windows line ends, lone CRs, and CRs from references.
            "<?xml version='1.0'?>\r\n<r a='x\r\ny\rz'>\r\n<t>a\r\nb\rc\r\r\nd\r</t><![CDATA[e\r\nf\r]]>&#13;&amp;\r\nx</r>\r\n",
            // Escaped markup: references and line ends on and off eight-byte steps,
            // next to multi-byte characters, and a long run of prose.
            "<r>&lt;p&gt;1234567&amp;\u{e9}\u{e9}&#xe9;123456\r\n&lt;/p&gt;abcdefgh\rijklmno\u{201c}&quot;x</r>",
            "<r>&lt;a href=&quot;https://example.org/0&quot;&gt;prose prose prose prose prose prose prose prose prose prose &amp;&amp;\u{e9}</r>",
            // Attribute values past eight bytes with what must be replaced at every
            // place of a word, and end tags compared with the open element's name.
            "<r a='abcdefgh&amp;ijklmnop' b='0123456789abcdef\tx' c='01234567\n' d='abcdefghijklmnopq' e='abcdefg\r\nh' f=\"0123456789'&#x41;\"></r>",
            "<r xmlns:a='u'><a:b></a:b><ab></ab ><abc>x</abc></r>",
        ];
        // Past 16 attributes, repeats are found with a set instead of pairwise.
        let many: String = (0..20).map(|i| format!(" a{i}='{i}'")).collect();
        let many_read = format!("<r xmlns:p='u'><e{many} p:a1='x'/></r>");
        let many_repeated = format!("<r xmlns:p='u' xmlns:q='u'><e{many} p:z='1' q:z='2'/></r>");
        assert!(agrees(&many_read, "20 attributes"));
        assert!(!agrees(&many_repeated, "20 attributes, one repeated"));
        for c in read {
            assert!(agrees(c, c), "not read directly: {c:?}");
        }
        // Malformed, or beyond the fast reader: left to roxmltree, which must agree
        // on malformed ones.
        let refused = [
            "<r xmlns:a='u' xmlns:b='u'><x a:z='1' b:z='2'/></r>",
            "<r><a:b/></r>",
            "<r><a:b></a:b></r>",
            "<r xmlns:a='u'><xml:b></xml:b></r>",
            "<r xmlns:a='u'><xmlns:b></xmlns:b></r>",
            "<r xmlns:a='u'><a:></a:></r>",
            "<r a='1' a='2'/>",
            "<r>&nbsp;</r>",
            "<r>a]]>b</r>",
            "<r><!-- a -- b --></r>",
            "<r><!-- a ---></r>",
            "<r></s>",
            "<ab></abc>",
            "<abc></ab>",
            "<r xmlns:a='u'><a:b></a:c></r>",
            "<r>text",
            "<r/>x",
            "x<r/>",
            "<r><?XML x?></r>",
            "<r xmlns:xml='http://www.w3.org/XML/1998/namespace'/>",
            "<r xmlns:p=''/>",
            "<r a='<'/>",
            "<r>&#0;</r>",
            "<r>&#xD800;</r>",
            "<r>&amp</r>",
            "<r a=\"x\"b=\"y\"/>",
            "<é/>",
            "<r>\u{fffe}</r>",
            // A CR ending a text right after a reference: roxmltree keeps it as is.
            "<r>&amp;\r</r>",
            "<!DOCTYPE r [<!ENTITY e 'x'>]><r>&e;</r>",
        ];
        for c in refused {
            assert!(!agrees(c, c), "read directly: {c:?}");
        }
    }

    #[test]
    fn mangled_feeds_never_panic_and_still_agree() {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let seeds: Vec<String> = ["feeds/rss.xml", "feeds/atom.xml"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(manifest.join(f)).ok())
            .collect();
        assert!(!seeds.is_empty(), "the example site's feeds are committed");
        let pieces = [
            "<",
            ">",
            "&",
            "&amp;",
            "&#x3C;",
            "\"",
            "'",
            "/",
            "=",
            "]]>",
            "<!--",
            "-->",
            "<![CDATA[",
            "<?x ?>",
            "xmlns:p='u'",
            "p:",
            " ",
            "é",
            "\u{1}",
            "\r",
        ];
        let mut next = crate::lint::xorshift(0x9e37_79b9_7f4a_7c15);
        for base in &seeds {
            for round in 0..300 {
                let mut text = base.clone();
                for _ in 0..1 + round % 4 {
                    let mut at = (next() as usize) % text.len();
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    match next() % 3 {
                        0 => text.insert_str(at, pieces[(next() as usize) % pieces.len()]),
                        1 => {
                            let mut end = (at + 1 + (next() as usize) % 8).min(text.len());
                            while !text.is_char_boundary(end) {
                                end += 1;
                            }
                            text.replace_range(at..end, "");
                        }
                        _ => text.truncate(at),
                    }
                }
                agrees(&text, &format!("round {round}: {text:.200}"));
            }
        }
    }

    #[test]
    fn deep_nesting_and_attribute_floods_are_errors_not_crashes_or_hangs() {
        let deep = "<a>".repeat(100_000) + &"</a>".repeat(100_000);
        // Read directly, and through the roxmltree path (a DTD sends it there),
        // and with quoted `/>` that must not hide a level.
        for doc in [
            deep.clone(),
            format!("<!DOCTYPE a>{deep}"),
            format!("<!DOCTYPE a>{}", "<a t='/>'>".repeat(5_000)),
        ] {
            let e = Document::parse(&doc).err().expect("too deep");
            assert!(e.message.contains("nested"), "{e:?}");
        }
        // An element with a hundred thousand attributes is refused at once on both
        // paths, rather than each compared with all the others.
        let attrs: String = (0..100_000).map(|i| format!(" a{i}=''")).collect();
        for doc in [format!("<r{attrs}/>"), format!("<!DOCTYPE r><r{attrs}/>")] {
            let e = Document::parse(&doc).err().expect("too many attributes");
            assert!(e.message.contains("attributes"), "{e:?}");
        }
        // Namespace declarations piling up through the levels are refused too.
        let decls: String = (0..1000).map(|i| format!(" xmlns:p{i}='u{i}'")).collect();
        let piled = format!("{}<x/>", format!("<a{decls}>").repeat(5));
        let e = Document::parse(&piled).err().expect("too many in scope");
        assert!(e.message.contains("in scope"), "{e:?}");
        let some: String = (0..1000).map(|i| format!(" a{i}=''")).collect();
        assert!(Document::parse(&format!("<!DOCTYPE r><r{some}/>")).is_ok());
        assert!(Document::parse(&format!("<r{some}/>")).is_ok());
        // Deep but allowed, and a thousand empty or closed siblings are no depth.
        let fine = format!(
            "<!DOCTYPE r><r>{}{}{}<!--{}--><![CDATA[{}]]></r>",
            "<a>".repeat(900) + &"</a>".repeat(900),
            "<e/>".repeat(5_000),
            "<x></x>".repeat(5_000),
            "<c>".repeat(5_000),
            "<d>".repeat(5_000),
        );
        assert!(Document::parse(&fine).is_ok());
    }
}
